//! Differential tests: the same command sequences against Vireo and a real
//! `redis-server`, asserting byte-identical replies, errors included.
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use support::{find_program, ServerProcess};

/// Command sequences, one command per line, words separated by spaces.
/// Each sequence runs on a fresh connection after FLUSHALL.
const SEQUENCES: &[&str] = &[
    "PING
     PING hello
     PING a b
     ECHO x
     ECHO
     ECHO a b
     NOSUCHCOMMAND
     nosuchcommand a b c
     COMMAND nosuch
     COMMAND COUNT x",
    "GET missing
     SET k v
     GET k
     SET k v2 GET
     SET n v GET
     SET k x NX
     SET k x NX GET
     SET z x XX
     SET z x XX GET
     SET k x XX
     SET k v NX XX
     SET k v XX NX
     SET k v EX
     SET k v EX 0
     SET k v EX -1
     SET k v PX 0
     SET k v EXAT 0
     SET k v PXAT -5
     SET k v EX abc
     SET k v EX 1.5
     SET k v EX 9223372036854775807
     SET k v PX 9223372036854775807
     SET k v EX 100 PX 100
     SET k v EX 100 EX 200
     SET k v KEEPTTL EX 100
     SET k v EX 100 KEEPTTL
     SET k v KEEPTTL
     SET k v KEEPTTL KEEPTTL
     SET k v GET GET
     SET k v BOGUS
     SET k
     SET
     GET
     GET a b",
    "INCR n
     INCR n
     DECR n
     DECR m
     SET s abc
     INCR s
     SET s 007
     INCR s
     SET s 1.0
     INCR s
     SET s -0
     INCR s
     SET s 12345678901234567890
     INCR s
     SET big 9223372036854775807
     INCR big
     SET small -9223372036854775808
     DECR small
     INCR
     INCR a b",
    "MSET a 1 b 2 c 3
     MGET a b c d
     MSET a 1 b
     MSET a
     MGET
     EXISTS a b nope a
     EXISTS
     DEL a nope a
     DEL
     DBSIZE
     DBSIZE x
     FLUSHDB bogus
     FLUSHDB ASYNC SYNC
     FLUSHDB SYNC
     DBSIZE
     FLUSHALL async
     FLUSHALL nope",
    "SELECT 9
     SET k nine
     SELECT 15
     GET k
     SELECT 16
     SELECT -1
     SELECT x
     SELECT 1.5
     SELECT 99999999999
     SELECT
     SELECT 9
     GET k",
    "HELLO 4
     HELLO 1
     HELLO x
     HELLO 3 BOGUS
     HELLO 3 AUTH default
     HELLO 3 AUTH nobody pw
     AUTH x
     AUTH a b c
     QUIT",
    "COMMAND INFO nosuch
     COMMAND DOCS nosuch
     COMMAND LIST FILTERBY bogus x
     COMMAND LIST x
     COMMAND LIST FILTERBY ACLCAT nosuch
     COMMAND LIST FILTERBY MODULE nosuch
     FUNCTION FLUSH
     FUNCTION FLUSH bogus
     FUNCTION",
    "SET k v
     TYPE k
     TYPE nope
     TTL k
     PTTL k
     TTL nope
     PTTL nope
     EXPIRETIME k
     PEXPIRETIME nope
     EXPIRE k 100
     TTL k
     EXPIRE k 100 NX
     EXPIRE k 200 XX
     TTL k
     EXPIRE k 50 GT
     EXPIRE k 500 GT
     EXPIRE k 600 LT
     EXPIRE k 5 LT
     TTL k
     EXPIRE k 10 NX XX
     EXPIRE k 10 NX GT
     EXPIRE k 10 GT LT
     EXPIRE k 10 bogus
     EXPIRE k abc
     EXPIRE k 9223372036854775807
     PEXPIRE k 9223372036854775807
     EXPIRE k -9223372036854775808
     EXPIREAT k 4102444800
     EXPIRETIME k
     PEXPIRETIME k
     PEXPIREAT k 4102444800123
     PEXPIRETIME k
     EXPIRETIME k
     PERSIST k
     PERSIST k
     PERSIST nope
     TTL k
     EXPIRE nope 10
     SET p v
     EXPIRE p 10 XX
     EXPIRE p 10 GT
     EXPIRE p 10 LT
     TTL p
     PEXPIRE p -1
     EXISTS p
     SET q v
     EXPIREAT q 1
     GET q
     EXPIRE
     TTL",
    "SET a 1
     SET b 2
     UNLINK a nope
     TOUCH b b nope
     KEYS nomatch*
     KEYS b
     KEYS [ab]
     KEYS
     UNLINK
     TOUCH",
    "INCRBY n 10
     INCRBY n -3
     DECRBY n 4
     DECRBY n -9223372036854775808
     INCRBY n abc
     DECRBY n 1.5
     INCRBY n 9223372036854775807
     DECRBY m 9223372036854775807
     DECRBY m 2
     INCRBY n
     SETNX a 1
     SETNX a 2
     GET a
     SETEX b 100 v
     TTL b
     SETEX b 0 v
     SETEX b -1 v
     SETEX b x v
     PSETEX c 100000 v
     TTL c
     PSETEX c 0 v
     PSETEX c 9223372036854775807 v
     SETEX b 100
     GETSET b new
     TTL b
     GETSET fresh v
     GETDEL b
     GETDEL b
     EXISTS b
     MSETNX x 1 y 2
     MSETNX y 3 z 4
     MGET x y z
     MSETNX x
     MSETNX x 1 y",
    "APPEND s hello
     APPEND s world
     GET s
     STRLEN s
     STRLEN nope
     SET i 12
     APPEND i 3
     INCR i
     STRLEN i
     GETRANGE s 0 4
     GETRANGE s -5 -1
     GETRANGE s 5 100
     GETRANGE s -100 2
     GETRANGE s -1 -5
     GETRANGE s 3 1
     GETRANGE s 0 -1
     GETRANGE s -3 -2
     GETRANGE nope 0 5
     GETRANGE s a 1
     GETRANGE s 0 b
     SUBSTR s 1 3
     SET n 12345
     GETRANGE n 1 2
     SETRANGE s 0 J
     GET s
     SETRANGE s 12 !
     GET s
     SETRANGE s 1 x
     SETRANGE s -1 x
     SETRANGE s abc x
     SETRANGE t 0 x
     SETRANGE t 3 y
     GET t
     SETRANGE u 5 x
     STRLEN u
     SETRANGE s 600000000 x
     APPEND",
    "SETBIT b 7 1
     SETBIT b 7 1
     SETBIT b 7 0
     SETBIT b 100 1
     GET b
     SETBIT b -1 1
     SETBIT b 4294967296000 1
     SETBIT b x 1
     SETBIT b 1 2
     SETBIT b 1 -1
     SETBIT b 1 x
     GETBIT b 100
     GETBIT b 7
     GETBIT b 99999
     GETBIT nope 1
     GETBIT b -1
     SET n 42
     GETBIT n 2
     SETBIT n 0 1
     GET n
     BITCOUNT b
     BITCOUNT nope
     SET s foobar
     BITCOUNT s
     BITCOUNT s 0 0
     BITCOUNT s 1 1
     BITCOUNT s 1 -2
     BITCOUNT s -1 -3
     BITCOUNT s 5 30 BIT
     BITCOUNT s -13 -2 bit
     BITCOUNT s 0 -1 BYTE
     BITCOUNT s 0 -1 FOO
     BITCOUNT s 0
     BITCOUNT s a b
     BITCOUNT s 0 1 BIT extra
     SET p zZ0
     BITPOS s 1
     BITPOS s 0
     BITPOS s 1 2
     BITPOS s 0 2 -1
     BITPOS s 1 7 15 BIT
     BITPOS s 0 3 BIT
     BITPOS s 1 -3 -1 BIT
     BITPOS s 0 0 -1 bit
     BITPOS s 2
     BITPOS s x
     BITPOS s 1 0 1 FOO
     BITPOS nope 1
     BITPOS nope 0
     BITPOS s 1 a
     SETBIT z 15 0
     BITOP NOT ones z
     BITPOS ones 0
     BITPOS ones 0 0 -1
     BITPOS ones 0 0
     BITPOS ones 0 1 1 BIT
     BITOP AND dest s p
     GET dest
     BITOP OR dest s p nope
     BITOP XOR dest s s
     BITOP NOT dest s
     GET dest
     BITOP NOT dest s p
     BITOP NAND dest s
     BITOP AND dest nope1 nope2
     EXISTS dest
     BITOP",
    "BITFIELD f SET u8 0 255 GET u8 0 GET i8 0
     BITFIELD f INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1
     BITFIELD f INCRBY i5 #3 100 GET i5 #3
     BITFIELD f OVERFLOW FAIL INCRBY u8 0 1 OVERFLOW WRAP INCRBY u8 0 1
     BITFIELD f OVERFLOW SAT SET i8 0 -300 GET i8 0 SET i8 0 300
     BITFIELD f SET i64 0 -9223372036854775808 INCRBY i64 0 -1
     BITFIELD f OVERFLOW SAT INCRBY i64 0 -1 OVERFLOW FAIL INCRBY i64 0 -1
     BITFIELD f SET u63 0 9223372036854775807 INCRBY u63 0 1
     BITFIELD f GET u64 0
     BITFIELD f GET i65 0
     BITFIELD f GET u0 0
     BITFIELD f GET x8 0
     BITFIELD f GET u8 -1
     BITFIELD f GET u8 #-1
     BITFIELD f SET u8 0 x
     BITFIELD f OVERFLOW BOGUS
     BITFIELD f BOGUS
     BITFIELD f GET u8
     BITFIELD f
     BITFIELD nope GET u8 0 GET i16 4
     BITFIELD_RO f GET u8 0 GET u4 4
     BITFIELD_RO f SET u8 0 1
     BITFIELD_RO nope GET u8 0
     SET n 42
     BITFIELD n GET u8 0 SET u8 0 49
     GET n",
    "SET k v
     GETEX k
     GETEX k EX 100
     TTL k
     GETEX k PERSIST
     TTL k
     GETEX k PX 100000
     TTL k
     GETEX k EXAT 4102444800
     EXPIRETIME k
     GETEX k PXAT 4102444800000 PXAT 4102444800001
     PEXPIRETIME k
     GETEX k EX 10 PERSIST
     GETEX k PERSIST EX 10
     GETEX k EX 10 PX 10
     GETEX k NX
     GETEX k KEEPTTL
     GETEX k GET
     GETEX k EX
     GETEX k EX 0
     GETEX k EX -1
     GETEX k EX abc
     GETEX nope EX 10
     GETEX nope EX abc
     GETEX k EXAT 1
     EXISTS k
     SET k v
     GETEX k PXAT 1
     GETEX",
    "MSET a ohmytext b mynewtext c xyz n 123456 m 23
     LCS a b
     LCS a b LEN
     LCS a b IDX
     LCS a b IDX WITHMATCHLEN
     LCS a b IDX MINMATCHLEN 4
     LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN
     LCS a b IDX MINMATCHLEN -5
     LCS a b LEN IDX
     LCS a c
     LCS a c IDX
     LCS a nope
     LCS nope nope2 LEN
     LCS n m
     LCS a b MINMATCHLEN
     LCS a b MINMATCHLEN x
     LCS a b BOGUS
     LCS a",
    "CONFIG GET hz
     CONFIG GET HZ
     CONFIG GET slave-read-only
     CONFIG GET nosuchoption
     CONFIG GET unixsocketperm
     CONFIG GET list-max-ziplist-size
     CONFIG GET use-exit-on-panic
     CONFIG SET hz 20
     CONFIG GET hz
     CONFIG SET hz abc
     CONFIG SET hz 5 hz 6
     CONFIG SET maxmemory 10mb hz x
     CONFIG GET maxmemory
     CONFIG SET maxmemory 10mb
     CONFIG GET maxmemory
     CONFIG SET maxmemory 0
     CONFIG SET daemonize yes
     CONFIG SET nosuch 1
     CONFIG SET nosuch 1 daemonize yes
     CONFIG SET daemonize yes nosuch 1
     CONFIG SET hz
     CONFIG SET hz 1 2
     CONFIG SET loglevel bogus
     CONFIG SET appendfsync sometimes
     CONFIG SET maxmemory-clients 200%
     CONFIG SET maxmemory-clients 10%
     CONFIG GET maxmemory-clients
     CONFIG SET maxmemory-clients 0
     CONFIG SET notify-keyspace-events KEA
     CONFIG GET notify-keyspace-events
     CONFIG SET notify-keyspace-events Anm
     CONFIG GET notify-keyspace-events
     CONFIG SET notify-keyspace-events gx$K
     CONFIG GET notify-keyspace-events
     CONFIG SET notify-keyspace-events Q
     CONFIG SET notify-keyspace-events ''
     CONFIG SET slave-read-only no
     CONFIG GET replica-read-only
     CONFIG SET replica-read-only yes
     CONFIG SET list-max-ziplist-size -3
     CONFIG GET list-max-listpack-size
     CONFIG SET list-max-listpack-size -2
     CONFIG SET hz 10
     CONFIG SET enable-debug-command yes
     CONFIG RESETSTAT
     CONFIG RESETSTAT x
     CONFIG GET
     CONFIG",
    "CLIENT GETNAME
     CLIENT SETNAME a b
     CLIENT SETNAME
     CLIENT SETNAME foo
     CLIENT GETNAME
     CLIENT SETNAME foo\tbar
     CLIENT KILL 1.2.3.4:5
     CLIENT KILL ID 999999
     CLIENT KILL ID x
     CLIENT KILL ID 0
     CLIENT KILL FOO bar
     CLIENT KILL ID
     CLIENT KILL TYPE bogus
     CLIENT KILL TYPE pubsub
     CLIENT KILL USER nobody
     CLIENT KILL SKIPME maybe
     CLIENT LIST TYPE bogus
     CLIENT LIST TYPE master
     CLIENT LIST ID x
     CLIENT LIST foo
     CLIENT REPLY foo
     CLIENT NO-EVICT maybe
     CLIENT NO-EVICT on
     CLIENT NO-EVICT off
     CLIENT NOSUCH
     CLIENT",
    "INCRBYFLOAT f 10.5
     INCRBYFLOAT f 0.1
     INCRBYFLOAT f -5.3e2
     SET f 5000.6
     INCRBYFLOAT f 5
     INCRBYFLOAT f 1e300
     INCRBYFLOAT f -1e300
     SET g 17179869184
     INCRBYFLOAT g 1.5
     INCRBYFLOAT g 17179869184
     SET h 1.1
     INCRBYFLOAT h -1.1
     GET h
     INCRBYFLOAT h inf
     INCRBYFLOAT h nan
     INCRBYFLOAT h abc
     INCRBYFLOAT h 0x10
     INCRBYFLOAT h 1e9999
     SET s hello
     INCRBYFLOAT s 1
     INCRBYFLOAT fresh 3.0e3
     INCRBYFLOAT fresh -0
     INCRBYFLOAT n1 -0.0
     INCRBYFLOAT",
    "COMMAND GETKEYS GET k
     COMMAND GETKEYS SET k v EX 10
     COMMAND GETKEYS MSET a 1 b 2 c 3
     COMMAND GETKEYS MGET a b c
     COMMAND GETKEYS DEL a b
     COMMAND GETKEYS LCS a b IDX
     COMMAND GETKEYS BITOP AND dest a b
     COMMAND GETKEYS PING
     COMMAND GETKEYS NOSUCH x
     COMMAND GETKEYS GET
     COMMAND GETKEYS GET a b
     COMMAND GETKEYS CONFIG GET x
     COMMAND GETKEYSANDFLAGS SET k v
     COMMAND GETKEYSANDFLAGS SET k v NX get
     COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0
     COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0 INCRBY u8 0 1
     COMMAND GETKEYSANDFLAGS MSET a 1 b 2
     COMMAND GETKEYSANDFLAGS BITOP AND dest a b
     COMMAND GETKEYSANDFLAGS GETEX k
     COMMAND GETKEYS
     COMMAND GETKEYSANDFLAGS",
    "SADD s 3 1 2
     SADD s 2 4
     SMEMBERS s
     SCARD s
     SISMEMBER s 1
     SISMEMBER s 9
     SMISMEMBER s 1 9 2
     SREM s 1 9
     SMEMBERS s
     SADD s a
     SCARD s
     SREM s a 2 3 4
     EXISTS s
     SCARD nope
     SMEMBERS nope
     SPOP nope
     SPOP nope 2
     SPOP s 1 2
     SPOP s abc
     SPOP s -1
     SRANDMEMBER nope
     SRANDMEMBER nope 3
     SRANDMEMBER nope abc
     SRANDMEMBER s 1 2
     SET str x
     SADD str a
     SREM str a
     SCARD str
     SMEMBERS str
     SISMEMBER str a
     SMISMEMBER str a
     SPOP str
     SRANDMEMBER str
     SADD a 1 2 3 4
     SADD b 3 4 5
     SADD c 4
     SINTER a b
     SINTER a b c
     SINTER a nope
     SINTER a str
     SINTER nope str
     SINTERSTORE d a b
     SMEMBERS d
     SINTERSTORE d a nope
     EXISTS d
     SINTERCARD 2 a b
     SINTERCARD 2 a b LIMIT 1
     SINTERCARD 0 a
     SINTERCARD abc a
     SINTERCARD 3 a b
     SINTERCARD 1 a LIMIT -1
     SINTERCARD 1 a LIMIT
     SINTERCARD 1 a FOO 1
     SUNION a b c
     SUNION a nope
     SUNIONSTORE d a b
     SMEMBERS d
     SDIFF a b
     SDIFF a b c
     SDIFF a a
     SDIFF nope a
     SDIFFSTORE d a b
     SMEMBERS d
     SDIFFSTORE d nope
     EXISTS d
     SUNION a str
     SMOVE a b 1
     SMOVE a b 99
     SMOVE nope b 1
     SMOVE nope str 1
     SMOVE str a 1
     SMOVE a str 2
     SMOVE a a 2
     SMOVE a newkey 2
     SMEMBERS newkey
     SSCAN a 0
     SSCAN a 0 COUNT 1
     SSCAN a 0 MATCH 3
     SSCAN a abc
     SSCAN a 0 COUNT 0
     SSCAN a 0 COUNT abc
     SSCAN a 0 FOO
     SSCAN nope 0
     SSCAN str 0
     SRANDMEMBER a 100
     SPOP a 100
     EXISTS a",
    "SET str x
     ZADD z 1 a 2 b 3 c
     ZADD z 1.5 a
     ZADD z NX 5 a 9 d
     ZADD z XX 6 a 9 e
     ZADD z CH 7 a 9 f
     ZADD z GT 1 a
     ZADD z LT 1 a
     ZADD z GT CH 100 a
     ZADD z INCR 1 a
     ZADD z INCR 1 a 2 b
     ZADD z NX XX 1 a
     ZADD z GT LT 1 a
     ZADD z NX GT 1 a
     ZADD z 1
     ZADD z abc a
     ZADD z nan a
     ZADD z inf a
     ZADD z INCR -inf a
     ZADD z XX INCR 1 nosuch
     ZADD z NX INCR 1 a
     ZINCRBY z 1 b
     ZINCRBY z abc b
     ZINCRBY z 1 new
     ZRANGE z 0 -1 WITHSCORES
     ZCARD z
     ZCARD nope
     ZSCORE z b
     ZSCORE z nope
     ZSCORE nope a
     ZMSCORE z a b nope
     ZMSCORE nope a
     ZRANK z b
     ZRANK z nope
     ZREVRANK z b
     ZRANK nope a
     ZREM z a nope
     ZREM nope a
     ZADD s2 0.1 a 1e20 b 0.3333333333333333 c -0.0 d 1.5e-7 e 123456789012345678 f
     ZRANGE s2 0 -1 WITHSCORES
     ZSCORE s2 d
     ZSCAN s2 0
     ZRANGE s2 0 1
     ZRANGE s2 -2 -1
     ZRANGE s2 5 1
     ZRANGE s2 0 100 WITHSCORES
     ZRANGE s2 a b
     ZRANGE s2 0 -1 REV
     ZRANGE s2 0 -1 LIMIT 0 1
     ZRANGE s2 (0 1 BYSCORE
     ZRANGE s2 (0 1 BYSCORE WITHSCORES LIMIT 1 2
     ZRANGE s2 1 (0 BYSCORE REV
     ZRANGE s2 +inf -inf BYSCORE REV LIMIT 0 2
     ZRANGE s2 x 1 BYSCORE
     ZRANGE s2 - + BYLEX
     ZRANGE s2 - + BYLEX WITHSCORES
     ZRANGE s2 [a (c BYLEX
     ZRANGE s2 a c BYLEX
     ZRANGE s2 0 -1 BYSCORE BYLEX
     ZRANGE s2 0 -1 REV REV
     ZRANGE s2 0 -1 FOO
     ZRANGE s2 0 1 BYSCORE LIMIT 0 -1
     ZRANGE s2 0 1 BYSCORE LIMIT -1 1
     ZRANGE s2 0 1 BYSCORE LIMIT a 1
     ZRANGE nope 0 -1
     ZRANGE str 0 -1
     ZRANGEBYSCORE s2 -inf +inf
     ZRANGEBYSCORE s2 -inf +inf WITHSCORES LIMIT 1 2
     ZRANGEBYSCORE s2 (1 1
     ZRANGEBYSCORE s2 0 1 REV
     ZREVRANGEBYSCORE s2 +inf -inf WITHSCORES
     ZREVRANGEBYSCORE s2 1 0 LIMIT 1 1
     ZRANGEBYLEX s2 - +
     ZRANGEBYLEX s2 - + WITHSCORES
     ZREVRANGEBYLEX s2 + - LIMIT 1 2
     ZREVRANGE s2 0 1 WITHSCORES
     ZREVRANGE s2 0 1 BYSCORE
     ZCOUNT s2 0 1
     ZCOUNT s2 (0 +inf
     ZCOUNT s2 x 1
     ZCOUNT nope 0 1
     ZLEXCOUNT s2 - +
     ZLEXCOUNT s2 [b [d
     ZLEXCOUNT s2 b d
     ZRANGESTORE dst s2 0 2
     ZRANGE dst 0 -1 WITHSCORES
     ZRANGESTORE dst s2 0 1 BYSCORE WITHSCORES
     ZRANGESTORE dst nope 0 1
     EXISTS dst
     ZREMRANGEBYRANK s2 0 0
     ZREMRANGEBYSCORE s2 (0 0.2
     ZREMRANGEBYLEX s2 [e [f
     ZREMRANGEBYRANK s2 a 1
     ZREMRANGEBYSCORE s2 a 1
     ZREMRANGEBYLEX s2 a 1
     ZRANGE s2 0 -1 WITHSCORES
     ZREMRANGEBYRANK nope 0 1",
    "SET str x
     ZADD p 1 a 2 b 3 c 4 d
     ZPOPMIN p
     ZPOPMAX p
     ZPOPMIN p 0
     ZPOPMIN p 5
     EXISTS p
     ZPOPMIN nope
     ZPOPMIN p -1
     ZPOPMIN p 1 2
     ZPOPMAX str
     ZADD p 1 a 2 b
     ZMPOP 2 nope p MIN
     ZMPOP 2 nope p MAX COUNT 5
     ZMPOP 1 nope MIN
     ZMPOP 0 p MIN
     ZMPOP 1 p FOO
     ZMPOP 1 p MIN COUNT 0
     ZMPOP 1 p MIN COUNT 1 COUNT 1
     ZMPOP 3 p MIN
     ZMPOP 1 str MIN
     ZADD r 1 a 2 b
     ZRANDMEMBER nope
     ZRANDMEMBER nope 2
     ZRANDMEMBER r 0
     ZRANDMEMBER r 5 FOO
     ZRANDMEMBER r abc
     ZRANDMEMBER r -9223372036854775807 WITHSCORES
     ZRANDMEMBER str
     ZADD u1 1 a 2 b 3 c
     ZADD u2 10 b 20 c 30 d
     SADD us c d e
     ZUNION 2 u1 u2
     ZUNION 2 u1 u2 WITHSCORES
     ZUNION 3 u1 u2 us WITHSCORES
     ZUNION 2 u1 u2 WEIGHTS 2 3 WITHSCORES
     ZUNION 2 u1 u2 AGGREGATE MIN WITHSCORES
     ZUNION 2 u1 u2 AGGREGATE MAX WITHSCORES
     ZUNION 2 u1 u2 AGGREGATE FOO
     ZUNION 2 u1 u2 WEIGHTS 1 x
     ZUNION 2 u1 u2 WEIGHTS 1
     ZUNION 0 u1
     ZUNION abc u1
     ZUNION 5 u1
     ZUNION 2 u1 str
     ZINTER 2 u1 u2 WITHSCORES
     ZINTER 3 u1 u2 us WITHSCORES
     ZINTER 2 u1 nope
     ZINTERCARD 2 u1 u2
     ZINTERCARD 2 u1 u2 LIMIT 1
     ZINTERCARD 2 u1 u2 LIMIT -1
     ZINTERCARD 0 u1
     ZINTERCARD 2 u1 u2 WITHSCORES
     ZDIFF 2 u1 u2 WITHSCORES
     ZDIFF 2 u1 u1
     ZDIFF 2 u1 u2 WEIGHTS 1 1
     ZUNIONSTORE out 2 u1 u2
     ZRANGE out 0 -1 WITHSCORES
     ZUNIONSTORE out 2 u1 u2 WITHSCORES
     ZINTERSTORE out 2 u1 u2 WEIGHTS 1 2
     ZRANGE out 0 -1 WITHSCORES
     ZINTERSTORE out 2 u1 nope
     EXISTS out
     ZDIFFSTORE out 2 u1 u2
     ZRANGE out 0 -1 WITHSCORES
     ZADD inf1 inf a
     ZADD inf2 -inf a
     ZUNION 2 inf1 inf2 WITHSCORES
     ZINTER 2 inf1 inf1 WEIGHTS 0 1 WITHSCORES
     ZSCAN u1 0
     ZSCAN u1 0 MATCH a
     ZSCAN u1 abc
     ZSCAN nope 0
     ZSCAN str 0
     ZSCAN u1 0 COUNT 0
     TYPE u1
     TYPE us",
    "SADD s 3 1 2 10
     SORT s
     SORT s DESC
     SORT s ALPHA
     SORT s LIMIT 1 2
     SORT s LIMIT -1 2
     SORT s LIMIT 10 2
     SORT s LIMIT 0 -1
     SORT s LIMIT a b
     MSET w_1 30 w_2 20 w_3 10 w_10 5 o_1 one o_2 two
     SORT s BY w_*
     SORT s BY w_* GET o_* GET #
     SORT s BY nosort
     SORT s BY w_*->f
     SORT s GET o_*->f
     SORT s GET nokey
     SORT s FOO
     SORT s STORE
     SORT_RO s STORE d
     SORT_RO s DESC
     SORT nope
     SORT nope STORE d
     SADD t a b 1
     SORT t
     SORT t ALPHA DESC
     SET str x
     SORT str
     ZADD z 1 c 2 b 3 a
     SORT z BY nosort
     SORT z BY nosort DESC
     SORT z BY nosort LIMIT 1 1
     SORT z ALPHA
     MSET w_a x
     SORT t BY w_*",
];

/// Raw requests (protocol-level), each on its own connection; the reply
/// bytes and whether the connection was closed must match.
const RAW_REQUESTS: &[&[u8]] = &[
    b"*3000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
    b"*1\r\nfoo\r\n",
    b"set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
    b"*-10\r\n*0\r\nPING\r\n",
    b"  ping   \r\n",
    b"echo \"a\\x41\\n\" 'b\\'c'\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\nb\r\n",
    b"*2\r\n$3\r\nfoo\r\n$3\r\na\r\nb\r\n",
    b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
];

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; differential tests not run");
        return None;
    };
    let redis = ServerProcess::start(redis.to_str().expect("utf-8 path"), &[]);
    let vireo = ServerProcess::vireo(&[]);
    Some((redis, vireo))
}

#[test]
fn command_sequences_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for sequence in SEQUENCES {
        let mut redis_conn = redis.connect();
        let mut vireo_conn = vireo.connect();
        redis_conn.request(&[b"FLUSHALL"]);
        vireo_conn.request(&[b"FLUSHALL"]);
        for line in sequence.lines() {
            let args = support::words(line.trim());
            let expected = redis_conn.request(&args);
            let actual = vireo_conn.request(&args);
            assert_eq!(
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected),
                "reply to `{}` differs from Redis",
                line.trim()
            );
        }
    }
}

#[test]
fn protocol_level_requests_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for request in RAW_REQUESTS {
        let mut transcripts = Vec::new();
        for server in [&redis, &vireo] {
            let mut conn = server.connect();
            // Short: the end of a reply stream is detected by silence.
            conn.set_timeout(std::time::Duration::from_millis(300));
            conn.send_raw(request);
            let mut replies = Vec::new();
            while let Some(reply) = conn.read_reply() {
                replies.push(String::from_utf8_lossy(&reply).into_owned());
                if reply.starts_with(b"-ERR Protocol error") || reply == b"+OK\r\n" {
                    break;
                }
                if replies.len() > 10 {
                    break;
                }
            }
            let closed = replies
                .last()
                .is_some_and(|r| r.starts_with("-ERR Protocol error") || r == "+OK\r\n")
                && conn.is_closed_by_server();
            transcripts.push((replies, closed));
        }
        assert_eq!(
            transcripts[1],
            transcripts[0],
            "request {:?}",
            String::from_utf8_lossy(request)
        );
    }
}

#[test]
fn lcs_matches_redis_on_random_strings() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut redis_conn = redis.connect();
    let mut vireo_conn = vireo.connect();
    // A fixed linear congruential sequence: reproducible, no dependency.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..200 {
        let mut random_string =
            || -> Vec<u8> { (0..next() % 12).map(|_| b"abc"[next() % 3]).collect() };
        let (a, b) = (random_string(), random_string());
        for conn in [&mut redis_conn, &mut vireo_conn] {
            conn.request(&[b"MSET", b"a", &a, b"b", &b]);
        }
        for options in [
            &[][..],
            &[b"IDX".as_slice(), b"WITHMATCHLEN"][..],
            &[b"IDX".as_slice(), b"MINMATCHLEN", b"2"][..],
        ] {
            let mut request: Vec<&[u8]> = vec![b"LCS", b"a", b"b"];
            request.extend_from_slice(options);
            assert_eq!(
                String::from_utf8_lossy(&vireo_conn.request(&request)),
                String::from_utf8_lossy(&redis_conn.request(&request)),
                "LCS of {:?} and {:?} with {options:?}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            );
        }
    }
}

#[test]
fn command_info_matches_redis_for_every_command() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut redis_conn = redis.connect();
    let mut vireo_conn = vireo.connect();
    let mut mismatches = Vec::new();
    for (container, spec) in vireo_server::command::CommandTable::get().entries() {
        let name = vireo_server::command::full_name(*container, spec);
        // Commands Redis 7.0 does not have (7.2 additions) cannot be compared.
        if matches!(name.as_str(), "client|no-touch" | "client|setinfo") {
            continue;
        }
        let request: [&[u8]; 3] = [b"COMMAND", b"INFO", name.as_bytes()];
        let mut expected = redis_conn.request(&request);
        let actual = vireo_conn.request(&request);
        // Containers list every subcommand Redis has; each subcommand Vireo
        // has is compared on its own.
        if !spec.subcommands.is_empty() {
            continue;
        }
        // Key-spec notes are prose, which Vireo does not copy: drop them from
        // Redis's reply (and shrink their map from 4 to 3 entries).
        let needle = b"$5\r\nnotes\r\n";
        while let Some(at) = expected.windows(needle.len()).position(|w| w == needle) {
            let value_start = at + needle.len();
            let header_end = expected[value_start..]
                .windows(2)
                .position(|w| w == b"\r\n")
                .unwrap()
                + value_start;
            let len: usize = std::str::from_utf8(&expected[value_start + 1..header_end])
                .unwrap()
                .parse()
                .unwrap();
            expected.drain(at..header_end + 2 + len + 2);
            let map_start = expected[..at]
                .windows(4)
                .rposition(|w| w == b"*8\r\n")
                .unwrap();
            expected[map_start + 1] = b'6';
        }
        if actual != expected {
            mismatches.push(format!(
                "{name}:\n  redis: {:?}\n  vireo: {:?}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&actual)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "COMMAND INFO differs:\n{}",
        mismatches.join("\n")
    );
}
