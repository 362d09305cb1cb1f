#!/usr/bin/env python3
"""Memory per member of one big collection, Vireo against redis-server.

For each collection type, starts a fresh server of each kind on a loopback
port, reads INFO memory, fills one key with N members through
`redis-cli --pipe`, reads INFO memory again and prints the growth per
member (used_memory and RSS) and Vireo's ratio to Redis's.

    cargo build --release
    python3 bench/collection-memory.py [--members N] [--types list,set,...]
        [--server-args "--list-compress-depth 1"]

Needs `redis-server` and `redis-cli` on PATH.
"""
import argparse
import os
import subprocess
import time

TYPES = ["list", "set", "intset", "hash", "zset"]
# Extra options given to both servers (--server-args).
SERVER_ARGS = []


def command(*args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


def fill_commands(kind, members, batch=1000):
    data = bytearray()
    for start in range(0, members, batch):
        indexes = range(start, min(members, start + batch))
        if kind == "list":
            data += command("RPUSH", "k", *[f"member:{i}" for i in indexes])
        elif kind == "set":
            data += command("SADD", "k", *[f"member:{i}" for i in indexes])
        elif kind == "intset":
            # All integers: a hashtable past set-max-intset-entries.
            data += command("SADD", "k", *[str(i) for i in indexes])
        elif kind == "hash":
            pairs = [x for i in indexes for x in (f"field:{i}", f"value:{i}")]
            data += command("HSET", "k", *pairs)
        elif kind == "zset":
            pairs = [x for i in indexes for x in (str(i * 1.5), f"member:{i}")]
            data += command("ZADD", "k", *pairs)
    return bytes(data)


def memory(port):
    out = subprocess.check_output(["redis-cli", "-p", str(port), "INFO", "memory"]).decode()
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return int(fields["used_memory"]), int(fields["used_memory_rss"])


def wait_ready(port):
    for _ in range(100):
        ping = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True)
        if ping.stdout.strip() == b"PONG":
            return
        time.sleep(0.05)
    raise SystemExit(f"no server answered on port {port}")


def growth_per_member(argv, port, kind, members):
    server = subprocess.Popen(
        argv + ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + SERVER_ARGS,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        used_before, rss_before = memory(port)
        pipe = subprocess.run(
            ["redis-cli", "-p", str(port), "--pipe"],
            input=fill_commands(kind, members),
            capture_output=True,
        )
        if pipe.returncode != 0:
            raise SystemExit(pipe.stderr.decode())
        time.sleep(0.5)
        used_after, rss_after = memory(port)
        return (used_after - used_before) / members, (rss_after - rss_before) / members
    finally:
        server.terminate()
        server.wait()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--types", default=",".join(TYPES))
    parser.add_argument("--vireo", default=os.path.join(here, "..", "target", "release", "vireo-server"))
    parser.add_argument("--port", type=int, default=21501)
    parser.add_argument("--server-args", default="", help="options for both servers")
    args = parser.parse_args()
    SERVER_ARGS.extend(args.server_args.split())
    for kind in args.types.split(","):
        redis = growth_per_member(["redis-server"], args.port, kind, args.members)
        vireo = growth_per_member([args.vireo], args.port + 1, kind, args.members)
        print(
            f"{kind:7} members={args.members} "
            f"redis used={redis[0]:.1f} rss={redis[1]:.1f} B/member | "
            f"vireo used={vireo[0]:.1f} rss={vireo[1]:.1f} B/member | "
            f"ratio used={vireo[0] / redis[0]:.2f} rss={vireo[1] / redis[1]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
