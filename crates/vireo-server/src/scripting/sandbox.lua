-- The sandbox every script runs in, set up once per Lua state (see
-- scripting/mod.rs). Arguments: the real global table, and the function
-- that turns an error raised by Rust into the string or table a C
-- function would have raised.
local G, unwrap = ...

local error, setmetatable, rawset, type, tostring, pcall =
    error, setmetatable, rawset, type, tostring, pcall

-- Tables scripts may read but never change: the environment, the
-- libraries, and the metatables they can reach.
local readonly = setmetatable({}, { __mode = 'k' })

local function deny()
    error('Attempt to modify a readonly table', 2)
end

-- The metatable behind each view (what `getmetatable` shows is a view of it).
local metas = setmetatable({}, { __mode = 'k' })

local function view(target)
    local shown_meta = { __newindex = deny, __metatable = false }
    local shown = setmetatable({}, shown_meta)
    local meta = { __index = target, __newindex = deny, __metatable = shown }
    shown_meta.__index = meta
    local proxy = setmetatable({}, meta)
    readonly[proxy] = true
    readonly[shown] = true
    metas[proxy] = meta
    return proxy
end

-- Redis compat: pcall hands back the message of an error table, as
-- scripts written before error tables existed expect.
local function pcall_result(ok, ...)
    if ok then
        return true, ...
    end
    local failure = unwrap((...))
    if type(failure) == 'table' and type(failure.err) == 'string' then
        return false, failure.err
    end
    return false, failure
end
rawset(G, 'pcall', function(...)
    return pcall_result(pcall(...))
end)

-- Redis compat: bytecode is refused, so loadstring of a dump yields nil.
local loadstring, setfenv = loadstring, setfenv
local env
rawset(G, 'loadstring', function(source, name)
    if type(source) == 'string' and source:byte(1) == 27 then
        return nil, 'binary chunks are not allowed'
    end
    local f, message = loadstring(source, name)
    if f then
        setfenv(f, env)
    end
    return f, message
end)
local concat = table.concat
rawset(G, 'load', function(reader, name)
    local pieces = {}
    local ok, message = pcall(function()
        while true do
            local piece = reader()
            if piece == nil or piece == '' then
                break
            end
            pieces[#pieces + 1] = piece
        end
    end)
    if not ok then
        return nil, message
    end
    return G.loadstring(concat(pieces), name)
end)

for _, name in ipairs({ 'dofile', 'loadfile', 'print', 'module', 'require', 'package', 'io', 'os', 'debug' }) do
    rawset(G, name, nil)
end

for _, name in ipairs({ 'redis', 'cjson', 'bit', 'struct', 'cmsgpack', 'math', 'string', 'table', 'coroutine' }) do
    rawset(G, name, view(G[name]))
end

env = view(G)
rawset(G, '_G', env)
setmetatable(G, {
    __index = function(_, name)
        error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end,
})

return env, readonly, metas[env], view
