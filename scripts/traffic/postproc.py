"""Sanitise captures and label flows.

For every raw per-session capture:
  * flows are tracked by 5-tuple (a TCP SYN after FIN/RST, or 60 s idle,
    starts a new flow); the initiator (first SYN, else first packet) is src;
  * packets of a flow beyond FLOW_CAP are dropped (the flow is capped);
  * payload is zeroed, lengths and headers are kept:
      TLS   record headers kept; bodies of handshake(22), change-cipher-spec
            (20) and alert(21) records kept; application_data (23) bodies
            zeroed (this includes TLS 1.3's encrypted handshake flight);
      SSH   the version line and binary packets up to and including NEWKEYS
            kept, everything after zeroed;
      other TCP (plain HTTP, FTP control/data): first 2048 bytes of each
            direction kept, the rest zeroed;
      UDP   DNS (53) and NTP (123) kept whole; QUIC long-header packets kept;
            anything else keeps its first 12 bytes (+CSRC/extension of an
            RTP header) and zeroes the rest;
    TCP/UDP checksums are recomputed after zeroing;
  * records keep caplen == wire length; output is classic pcap, Ethernet,
    microsecond timestamps.
"""
import csv
import hashlib
import json
import os
import struct
from collections import defaultdict

FLOW_CAP = 2000
PLAIN_KEEP = 2048
IDLE_S = 60.0

LABEL_COLS = ["capture", "src_ip", "src_port", "dst_ip", "dst_port", "proto",
              "first_ts", "class", "application", "profile", "session",
              "server_name", "ip_version", "packets", "bytes", "packets_seen",
              "capped", "label_rule", "rtt_ms", "rate_down_mbps", "rate_up_mbps",
              "loss", "jitter_ms", "ttl_client", "ttl_server", "mtu"]


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, []
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        raise ValueError(f"{path}: not a classic microsecond pcap")
    hdr = data[:24]
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError(f"{path}: linktype {linktype}")
    recs = []
    off = 24
    n = len(data)
    while off + 16 <= n:
        ts_s, ts_us, incl, orig = struct.unpack_from(e + "IIII", data, off)
        off += 16
        recs.append([ts_s, ts_us, orig, bytearray(data[off:off + incl])])
        off += incl
    return hdr, recs


def write_pcap(path, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts_s, ts_us, orig, frame in recs:
            f.write(struct.pack("<IIII", ts_s, ts_us, len(frame), orig))
            f.write(frame)


def parse(frame):
    """-> (ipver, l3off, l4off, proto, src, dst, sport, dport, payoff, paylen) or None"""
    if len(frame) < 14:
        return None
    et = struct.unpack_from("!H", frame, 12)[0]
    o = 14
    if et == 0x0800:
        if len(frame) < o + 20:
            return None
        ihl = (frame[o] & 0x0F) * 4
        tot = struct.unpack_from("!H", frame, o + 2)[0]
        frag = struct.unpack_from("!H", frame, o + 6)[0]
        if frag & 0x3FFF:
            return None
        proto = frame[o + 9]
        src, dst = bytes(frame[o + 12:o + 16]), bytes(frame[o + 16:o + 20])
        l4 = o + ihl
        end = o + tot
        ver = 4
    elif et == 0x86DD:
        if len(frame) < o + 40:
            return None
        proto = frame[o + 6]
        plen = struct.unpack_from("!H", frame, o + 4)[0]
        src, dst = bytes(frame[o + 8:o + 24]), bytes(frame[o + 24:o + 40])
        l4 = o + 40
        end = l4 + plen
        ver = 6
    else:
        return None
    end = min(end, len(frame))
    if proto == 6 and end >= l4 + 20:
        sport, dport = struct.unpack_from("!HH", frame, l4)
        doff = (frame[l4 + 12] >> 4) * 4
        return (ver, o, l4, 6, src, dst, sport, dport, l4 + doff, max(0, end - l4 - doff))
    if proto == 17 and end >= l4 + 8:
        sport, dport = struct.unpack_from("!HH", frame, l4)
        return (ver, o, l4, 17, src, dst, sport, dport, l4 + 8, end - l4 - 8)
    return None


def ntop(b):
    import socket
    return socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)


def csum16(data):
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def fix_l4_checksum(frame, p):
    ver, l3, l4, proto, src, dst, _, _, payoff, paylen = p
    seglen = payoff + paylen - l4
    coff = l4 + (16 if proto == 6 else 6)
    frame[coff:coff + 2] = b"\0\0"
    if ver == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, proto, seglen)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", seglen, proto)
    c = (~csum16(pseudo + bytes(frame[l4:l4 + seglen]))) & 0xFFFF
    if proto == 17 and c == 0:
        c = 0xFFFF
    struct.pack_into("!H", frame, coff, c)


class Stream:
    """One TCP direction: segments collected for reassembly."""
    __slots__ = ("isn", "segs", "keep")

    def __init__(self):
        self.isn = None
        self.segs = {}
        self.keep = None  # list of (start, end) relative offsets to keep


def keep_ranges(st):
    """Reassemble the in-order prefix and decide which byte ranges to keep."""
    if st.isn is None or not st.segs:
        return [(0, PLAIN_KEEP)]
    buf = bytearray()
    nxt = 0
    for off in sorted(st.segs):
        data = st.segs[off]
        if off > nxt:
            break  # gap: parse no further (everything later is zeroed)
        if off + len(data) > nxt:
            buf += data[nxt - off:]
            nxt = off + len(data)
    if len(buf) >= 3 and buf[0] == 0x16 and buf[1] == 0x03:
        keep = []
        i = 0
        while i + 5 <= len(buf):
            typ = buf[i]
            ln = struct.unpack_from("!H", buf, i + 3)[0]
            keep.append((i, i + 5))
            if typ in (20, 21, 22):
                keep.append((i + 5, i + 5 + ln))
            elif typ != 23:
                keep.append((i + 5, i + 5 + ln))  # unknown: keep, it is rare
            i += 5 + ln
        if i < len(buf) + 0 and i + 5 > len(buf):
            keep.append((i, len(buf)))  # partial header at the gap
        return keep
    if buf[:4] == b"SSH-":
        nl = buf.find(b"\n")
        if nl < 0:
            return [(0, len(buf))]
        i = nl + 1
        while i + 6 <= len(buf):
            ln = struct.unpack_from("!I", buf, i)[0]
            code = buf[i + 5]
            i += 4 + ln
            if code == 21 or ln > 65536:
                break
        return [(0, i)]
    return [(0, PLAIN_KEEP)]


def in_keep(ranges, a, b):
    """Yield zero ranges within [a, b) not covered by keep ranges."""
    zs = []
    cur = a
    for s, e in sorted(ranges):
        if e <= cur:
            continue
        if s >= b:
            break
        if s > cur:
            zs.append((cur, s))
        cur = max(cur, e)
        if cur >= b:
            break
    if cur < b:
        zs.append((cur, b))
    return zs


def rtp_keep(frame, payoff, paylen):
    if paylen >= 12 and (frame[payoff] >> 6) == 2:
        cc = frame[payoff] & 0x0F
        k = 12 + 4 * cc
        if frame[payoff] & 0x10 and paylen >= k + 4:
            k += 4 + 4 * struct.unpack_from("!H", frame, payoff + k + 2)[0]
        return min(k, paylen)
    return min(12, paylen)


def process_capture(path_in, path_out, cap):
    _, recs = read_pcap(path_in)
    flows = {}      # key -> flow dict (current instance)
    allflows = []
    pinfo = []      # per record: (parsed, flow, dir) or None
    for r in recs:
        ts = r[0] + r[1] / 1e6
        p = parse(r[3])
        if p is None:
            pinfo.append(None)
            continue
        ver, l3, l4, proto, src, dst, sp, dp, po, pl = p
        a, b = (src, sp), (dst, dp)
        key = (proto,) + ((a, b) if a <= b else (b, a))
        fl = flows.get(key)
        flags = r[3][l4 + 13] if proto == 6 else 0
        syn_only = proto == 6 and (flags & 0x12) == 0x02
        if fl is not None and (ts - fl["last"] > IDLE_S or
                               (syn_only and fl["fin"] and (src, sp) == fl["src"])):
            fl = None
        if fl is None:
            fl = dict(src=(src, sp), dst=(dst, dp), proto=proto, ver=ver, first=ts,
                      last=ts, n=0, nout=0, bytes=0, fin=False,
                      st={(src, sp): Stream(), (dst, dp): Stream()})
            if proto == 6 and (flags & 0x12) == 0x12:  # saw SYN-ACK first
                fl["src"], fl["dst"] = (dst, dp), (src, sp)
            flows[key] = fl
            allflows.append(fl)
        fl["last"] = ts
        fl["n"] += 1
        if proto == 6 and flags & 0x05:
            fl["fin"] = True
        if fl["n"] > cap:
            pinfo.append(("drop",))
            continue
        fl["nout"] += 1
        fl["bytes"] += len(r[3])
        if proto == 6:
            st = fl["st"][(src, sp)]
            seq = struct.unpack_from("!I", r[3], l4 + 4)[0]
            if flags & 0x02:
                st.isn = (seq + 1) & 0xFFFFFFFF
            elif st.isn is None:
                st.isn = seq
            if pl:
                rel = (seq - st.isn) & 0xFFFFFFFF
                if rel < 1 << 30 and rel not in st.segs:
                    st.segs[rel] = bytes(r[3][po:po + pl])
        pinfo.append((p, fl))
    for fl in allflows:
        if fl["proto"] == 6:
            for st in fl["st"].values():
                st.keep = keep_ranges(st)
                st.segs = None
    out = []
    for r, pi in zip(recs, pinfo):
        if pi is not None and pi[0] == "drop":
            continue
        if pi is not None:
            p, fl = pi
            ver, l3, l4, proto, src, dst, sp, dp, po, pl = p
            frame = r[3]
            changed = False
            if pl and proto == 6:
                st = fl["st"][(src, sp)]
                seq = struct.unpack_from("!I", frame, l4 + 4)[0]
                rel = (seq - st.isn) & 0xFFFFFFFF if st.isn is not None else 0
                for za, zb in in_keep(st.keep, rel, rel + pl):
                    s0, s1 = po + za - rel, po + zb - rel
                    if any(frame[s0:s1]):
                        frame[s0:s1] = bytes(s1 - s0)
                        changed = True
            elif pl and proto == 17:
                if sp in (53, 123, 5353) or dp in (53, 123, 5353):
                    k = pl
                elif frame[po] & 0x80 and pl > 5 and frame[po + 1:po + 5] != b"\0\0\0\0" \
                        and frame[po] & 0x40:
                    k = pl  # QUIC long header (Initial/Handshake): keep
                else:
                    k = rtp_keep(frame, po, pl)
                if k < pl and any(frame[po + k:po + pl]):
                    frame[po + k:po + pl] = bytes(pl - k)
                    changed = True
            if changed:
                fix_l4_checksum(frame, p)
        out.append(r)
    write_pcap(path_out, out)
    return allflows, len(recs), len(out)


def compact(s):
    """Session record as committed in <split>/sessions.json (no object lists)."""
    c = {k: v for k, v in s.items() if k not in ("pages", "out")}
    if "pages" in s:
        c["pages"] = [dict(url=p["url"], objects=len(p["objects"]), think_s=p["think_s"])
                      for p in s["pages"]]
    return c


def process_split(split, sessions, rawdir, data_root, cap=FLOW_CAP, hosts=None,
                  append=False):
    outdir = os.path.join(data_root, split)
    pdir = os.path.join(outdir, "pcap")
    os.makedirs(pdir, exist_ok=True)
    old_rows, old_sessions = [], []
    if append:
        with open(os.path.join(outdir, "labels.csv")) as f:
            old_rows = list(csv.DictReader(f))
        with open(os.path.join(outdir, "sessions.json")) as f:
            old_sessions = json.load(f)
        clash = {s["sid"] for s in old_sessions} & {s["sid"] for s in sessions}
        if clash:
            raise SystemExit(f"append: session ids already present: {sorted(clash)[:5]}")
    else:
        for f in os.listdir(pdir):
            os.remove(os.path.join(pdir, f))
    rev = {}
    if hosts:
        for name, (a4, a6) in hosts.items():
            rev[a4] = name
            rev[a6] = name
    rows = []
    for s in sessions:
        raw = os.path.join(rawdir, f"{s['sid']}.pcap")
        if not os.path.exists(raw) or os.path.getsize(raw) <= 24:
            s["flows"] = 0
            continue
        rel = f"{split}/pcap/{s['sid']}.pcap"
        flows, nin, nout = process_capture(raw, os.path.join(data_root, rel), cap)
        s["packets_raw"], s["packets_out"], s["flows"] = nin, nout, len(flows)
        p = s["profile"]
        for fl in flows:
            (sip, sp), (dip, dp) = fl["src"], fl["dst"]
            sip_s, dip_s = ntop(sip), ntop(dip)
            if 53 in (sp, dp):
                cls, app, rule = "other", "dns", "dns-port-to-resolver"
            else:
                cls, app, rule = s["cls"], s["app"], "session"
            server = dip_s if sip_s == s["client_ip"] else sip_s
            rows.append(dict(
                capture=rel, src_ip=sip_s, src_port=sp, dst_ip=dip_s, dst_port=dp,
                proto="TCP" if fl["proto"] == 6 else "UDP",
                first_ts=f"{fl['first']:.6f}", **{"class": cls}, application=app,
                profile=p["family"], session=s["sid"],
                server_name=rev.get(server, ""), ip_version=fl["ver"],
                packets=fl["nout"], bytes=fl["bytes"], packets_seen=fl["n"],
                capped=int(fl["n"] > cap), label_rule=rule, rtt_ms=p["rtt_ms"],
                rate_down_mbps=p["rate_down"], rate_up_mbps=p["rate_up"],
                loss=p["loss"], jitter_ms=p["jitter_ms"], ttl_client=s["ttl_client"],
                ttl_server=s["ttl_server"], mtu=s["mtu"]))
    rows = old_rows + rows
    rows.sort(key=lambda r: (r["capture"], float(r["first_ts"])))
    with open(os.path.join(outdir, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=LABEL_COLS)
        w.writeheader()
        w.writerows(rows)
    allsess = old_sessions + [compact(s) for s in sessions]
    with open(os.path.join(outdir, "sessions.json"), "w") as f:
        json.dump(allsess, f, indent=0, sort_keys=True)
    write_manifest(split, allsess, rows, outdir, cap)
    return rows


def write_manifest(split, sessions, rows, outdir, cap):
    per = defaultdict(lambda: dict(flows=0, packets=0, bytes=0, capped=0, sessions=set(),
                                   apps=defaultdict(int)))
    for r in rows:
        c = per[r["class"]]
        c["flows"] += 1
        c["packets"] += int(r["packets"])
        c["bytes"] += int(r["bytes"])
        c["capped"] += int(r["capped"])
        c["sessions"].add(r["session"])
        c["apps"][r["application"]] += 1
    fam = defaultdict(int)
    for s in sessions:
        fam[s["profile"]["family"]] += 1
    files = sorted({r["capture"] for r in rows})
    sha = {}
    for fn in files:
        with open(os.path.join(os.path.dirname(outdir), fn), "rb") as f:
            sha[fn] = hashlib.sha256(f.read()).hexdigest()
    man = dict(
        split=split, flow_cap_packets=cap, pcap_format="classic pcap, LINKTYPE_ETHERNET, microsecond timestamps, caplen == wire length",
        sessions=len(sessions), sessions_failed=[s["sid"] for s in sessions if s.get("rc") not in (0, None)],
        profile_families=dict(fam),
        classes={k: dict(flows=v["flows"], packets=v["packets"], bytes=v["bytes"],
                         capped_flows=v["capped"], sessions=len(v["sessions"]),
                         applications=dict(v["apps"])) for k, v in sorted(per.items())},
        total=dict(flows=len(rows), packets=sum(int(r["packets"]) for r in rows)),
        captures=sha)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, sort_keys=True)
    with open(os.path.join(outdir, "manifest.md"), "w") as f:
        f.write(f"# {split} split\n\n{len(sessions)} sessions, {len(files)} captures, "
                f"flow cap {cap} packets.\n\n| class | flows | packets | bytes | capped flows | sessions | applications |\n|---|---|---|---|---|---|---|\n")
        for k, v in sorted(per.items()):
            apps = ", ".join(f"{a} {n}" for a, n in sorted(v["apps"].items()))
            f.write(f"| {k} | {v['flows']} | {v['packets']} | {v['bytes']} | {v['capped']} | "
                    f"{len(v['sessions'])} | {apps} |\n")
        f.write(f"| **total** | {len(rows)} | {man['total']['packets']} | | | | |\n\n")
        f.write("Link profile families (sessions): " +
                ", ".join(f"{k} {v}" for k, v in sorted(fam.items())) + "\n")
