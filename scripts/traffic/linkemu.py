#!/usr/bin/python3
"""User-space WAN link emulator (the kernel here has no netem).

Runs in the middle namespace between two interfaces as a transparent L2
forwarder.  Side A faces the router (clients), side B faces the servers.
Every frame is attributed to a client address (source on A->B, destination
on B->A) and delayed, rate-limited and dropped with that client's profile:

  departure  = max(now, busy_until) + frame_bits / rate      (serialisation)
  tail drop  if the queue would hold more than qdelay_ms of data
  random drop with probability loss
  release    = departure + one_way_delay + Exp(jitter_ms)    (FIFO kept per
               client and direction, so jitter never reorders a flow)

Profiles are read from a file (one JSON object per line, keyed by client
address) that is re-read whenever it changes.  Frames of unknown clients
(ARP, neighbour discovery) pass without delay.
"""
import heapq
import json
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def client_key(frame, upstream):
    if len(frame) < 14:
        return None
    et = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if et == 0x8100 and len(frame) >= 18:
        et = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if et == 0x0800 and len(frame) >= off + 20:
        a = frame[off + 12:off + 16] if upstream else frame[off + 16:off + 20]
        return socket.inet_ntop(socket.AF_INET, a)
    if et == 0x86DD and len(frame) >= off + 40:
        a = frame[off + 8:off + 24] if upstream else frame[off + 24:off + 40]
        return socket.inet_ntop(socket.AF_INET6, a)
    return None


def main():
    if_a, if_b, prof_path = sys.argv[1], sys.argv[2], sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    socks = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    sa, sb = socks[if_a], socks[if_b]
    profiles = {}
    prof_mtime = None
    last_check = 0.0
    state = {}  # (client, upstream) -> [busy_until, last_release]
    heap = []
    seq = 0
    stats = {"fwd": 0, "loss": 0, "qdrop": 0}
    poller = select.poll()
    poller.register(sa.fileno(), select.POLLIN)
    poller.register(sb.fileno(), select.POLLIN)
    fdmap = {sa.fileno(): (sa, sb, True), sb.fileno(): (sb, sa, False)}
    while True:
        now = time.monotonic()
        if now - last_check > 0.2:
            last_check = now
            try:
                mt = os.stat(prof_path).st_mtime_ns
            except FileNotFoundError:
                mt = None
            if mt != prof_mtime:
                prof_mtime = mt
                newp = {}
                if mt is not None:
                    with open(prof_path) as f:
                        for line in f:
                            line = line.strip()
                            if line:
                                p = json.loads(line)
                                newp[p["client"]] = p
                profiles = newp
                state = {k: v for k, v in state.items() if k[0] in profiles}
        timeout = 50
        if heap:
            timeout = max(0, min(50, (heap[0][0] - now) * 1000))
        for fd, _ev in poller.poll(timeout):
            src, dst, upstream = fdmap[fd]
            for _ in range(256):
                try:
                    frame, addr = src.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                now = time.monotonic()
                key = client_key(frame, upstream)
                p = profiles.get(key) if key else None
                if p is None:
                    seq += 1
                    heapq.heappush(heap, (now, seq, dst, frame))
                    continue
                d = "up" if upstream else "down"
                if p["loss"] > 0 and rng.random() < p["loss"]:
                    stats["loss"] += 1
                    continue
                st = state.get((key, upstream))
                if st is None:
                    st = [now, now]
                    state[(key, upstream)] = st
                rate = p["rate_" + d] * 1e6  # bit/s
                start = max(now, st[0])
                if start - now > p["qdelay_ms"] / 1000.0:
                    stats["qdrop"] += 1
                    continue
                # +24: preamble, SFD, FCS and inter-frame gap on a real wire
                dep = start + (len(frame) + 24) * 8.0 / rate
                st[0] = dep
                j = p["jitter_ms"]
                extra = rng.expovariate(1.0 / j) / 1000.0 if j > 0 else 0.0
                rel = max(dep + p["owd_ms"] / 1000.0 + extra, st[1])
                st[1] = rel
                seq += 1
                heapq.heappush(heap, (rel, seq, dst, frame))
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, dst, frame = heapq.heappop(heap)
            try:
                dst.send(frame)
                stats["fwd"] += 1
            except (BlockingIOError, OSError):
                stats["qdrop"] += 1


if __name__ == "__main__":
    main()
