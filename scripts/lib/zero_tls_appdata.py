#!/usr/bin/env python3
"""Zero the encrypted bodies of TLS application-data records in a capture.

Keeps every frame's length, every header and every TLS handshake record
(ClientHello, ServerHello, certificates) byte for byte; only the bodies of
TLS records of type 23 (application data) become zeros, so git compresses
the capture while flowmark's features (sizes, timing, handshake fields) stay
exactly what they were on the wire. TCP checksums of changed segments are
recomputed.

Two passes: the first reassembles each TCP direction by sequence number and
finds the stream ranges of application-data bodies; the second zeroes those
ranges in every segment that carries them (retransmissions included).

Usage: zero_tls_appdata.py IN.pcap OUT.pcap
"""
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        sys.exit(f"{path}: not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit(f"{path}: link type {linktype} is not Ethernet")
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        recs.append([data[off:off + 16], bytearray(data[off + 16:off + 16 + incl])])
        off += 16 + incl
    return data[:24], recs


def tcp_of(frame):
    """(l3 offset, is_v6, tcp offset, payload offset, payload end) or None."""
    off = 12
    et = struct.unpack("!H", frame[off:off + 2])[0]
    off += 2
    while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
        et = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    if et == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 15) * 4
        total = struct.unpack("!H", frame[off + 2:off + 4])[0]
        if frame[off + 9] != 6 or struct.unpack("!H", frame[off + 6:off + 8])[0] & 0x3FFF:
            return None
        t = off + ihl
        end = off + total
        v6 = False
    elif et == 0x86DD and len(frame) >= off + 40:
        if frame[off + 6] != 6:
            return None
        t = off + 40
        end = t + struct.unpack("!H", frame[off + 4:off + 6])[0]
        v6 = True
    else:
        return None
    if len(frame) < t + 20:
        return None
    doff = (frame[t + 12] >> 4) * 4
    return off, v6, t, t + doff, min(end, len(frame))


def key_of(frame, l3, v6, t):
    if v6:
        src, dst = bytes(frame[l3 + 8:l3 + 24]), bytes(frame[l3 + 24:l3 + 40])
    else:
        src, dst = bytes(frame[l3 + 12:l3 + 16]), bytes(frame[l3 + 16:l3 + 20])
    sp, dp = struct.unpack("!HH", frame[t:t + 4])
    return (src, sp, dst, dp)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_tcp_checksum(frame, l3, v6, t, end):
    seg = bytearray(frame[t:end])
    seg[16:18] = b"\0\0"
    if v6:
        pseudo = bytes(frame[l3 + 8:l3 + 40]) + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = bytes(frame[l3 + 12:l3 + 20]) + struct.pack("!xBH", 6, len(seg))
    frame[t + 16:t + 18] = struct.pack("!H", checksum(pseudo + bytes(seg)))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    header, recs = read_pcap(sys.argv[1])
    # Pass 1: each direction's stream bytes by relative offset.
    isn, streams = {}, {}
    for _, frame in recs:
        tt = tcp_of(frame)
        if not tt:
            continue
        l3, v6, t, p, end = tt
        k = key_of(frame, l3, v6, t)
        seq = struct.unpack("!I", frame[t + 4:t + 8])[0]
        flags = frame[t + 13]
        if flags & 0x02:
            isn[k] = (seq + 1) & 0xFFFFFFFF
        if end <= p or k not in isn:
            continue
        rel = (seq - isn[k]) & 0xFFFFFFFF
        if rel > 1 << 30:
            continue
        s = streams.setdefault(k, {})
        s.setdefault(rel, bytes(frame[p:end]))
    # The application-data body ranges of each direction.
    zero = {}
    for k, segs in streams.items():
        buf, nxt = bytearray(), 0
        for rel in sorted(segs):
            d = segs[rel]
            if rel > nxt:
                break  # a hole: stop parsing this direction here
            buf += d[nxt - rel:]
            nxt = max(nxt, rel + len(d))
        ranges, o = [], 0
        while o + 5 <= len(buf):
            ctype, ver, ln = buf[o], buf[o + 1], struct.unpack("!H", buf[o + 3:o + 5])[0]
            if ctype not in (20, 21, 22, 23) or ver != 3:
                break  # not TLS (or lost sync): leave the rest untouched
            if ctype == 23:
                ranges.append((o + 5, o + 5 + ln))
            o += 5 + ln
        if ranges:
            zero[k] = ranges
    # Pass 2: zero those ranges wherever they travel.
    changed = 0
    for _, frame in recs:
        tt = tcp_of(frame)
        if not tt:
            continue
        l3, v6, t, p, end = tt
        k = key_of(frame, l3, v6, t)
        if k not in zero or end <= p:
            continue
        rel = (struct.unpack("!I", frame[t + 4:t + 8])[0] - isn[k]) & 0xFFFFFFFF
        hit = False
        for a, b in zero[k]:
            lo, hi = max(a, rel), min(b, rel + (end - p))
            if lo < hi:
                frame[p + lo - rel:p + hi - rel] = bytes(hi - lo)
                hit = True
        if hit:
            fix_tcp_checksum(frame, l3, v6, t, end)
            changed += 1
    with open(sys.argv[2], "wb") as f:
        f.write(header)
        for h, frame in recs:
            f.write(h)
            f.write(frame)
    print(f"{sys.argv[2]}: {len(recs)} packets, {changed} with TLS application data zeroed")


if __name__ == "__main__":
    main()
