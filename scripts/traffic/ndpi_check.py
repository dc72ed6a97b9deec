#!/usr/bin/python3
"""Independent label check: run ndpiReader (nDPI, Debian libndpi-bin) on each
capture of a split, map its protocol/category to a class with the same rules
as shared/data/real/README.md, and compare with our labels.

    ndpi_check.py DATA_DIR SPLIT [SPLIT...]   -> DATA_DIR/<split>/ndpi.csv and
                                                 DATA_DIR/ndpi-agreement.md
"""
import csv
import ipaddress
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

LINE = re.compile(r"^\s*\d+\s+(TCP|UDP)\s+(\S+)\s+<->\s+(\S+)\s+\[proto:\s*([^\]]+)\]"
                  r".*?\[cat:\s*([^/\]]+)")
CONF = re.compile(r"\[Confidence:\s*([^\]]+)\]")
CLASSES = ["web", "video", "file_transfer", "interactive", "realtime", "other"]


def ip(h):
    return ipaddress.ip_address(h.strip("[]")).packed


def ep(s):
    host, port = s.rsplit(":", 1)
    return ip(host), int(port)


def ndpi_class(proto, cat):
    names = [p.lower() for p in re.split(r"[./]", proto.split("/", 1)[-1])]
    top = proto.split("/", 1)[-1]
    if any(n in ("dns", "llmnr", "mdns") for n in names):
        return "other"
    if any(n in ("ftp_control", "ftp_data", "tftp", "smbv1", "smbv23", "nfs", "rsync",
                 "bittorrent") for n in names) or cat in ("Download", "DataTransfer",
                                                          "SoftwareUpdate", "Download-FT"):
        return "file_transfer"
    if any(n in ("ssh", "telnet", "rdp", "vnc", "citrix", "teamviewer") for n in names) \
            or cat == "RemoteAccess":
        return "interactive"
    if any(n in ("rtp", "rtcp", "srtp", "sip", "stun", "h323", "zoom", "teams", "webex",
                 "discord", "skype_teams") for n in names) or cat == "VoIP":
        return "realtime"
    if any(n in ("youtube", "netflix", "twitch", "dailymotion", "vimeo", "hulu",
                 "amazonvideo", "disneyplus", "rtsp", "rtmp", "hls", "dash") for n in names) \
            or cat in ("Video", "Streaming", "Media"):
        return "video"
    if any(n in ("http", "tls", "quic", "http_connect", "websocket", "google", "cloudflare",
                 "amazonaws", "github", "microsoft") for n in names) and cat in (
            "Web", "Unspecified", "Cloud", "SocialNetwork", "Advertisement", "Collaborative",
            "ConnCheck", "Network", "IoT-Scada", "System", "Shopping", "Music"):
        return "web"
    if top.lower() in ("unknown",):
        return "unknown"
    return "other"


def run_split(root, split):
    labels = list(csv.DictReader(open(os.path.join(root, split, "labels.csv"))))
    bycap = defaultdict(list)
    for r in labels:
        bycap[r["capture"]].append(r)
    out = []
    for cap, rows in sorted(bycap.items()):
        res = subprocess.run(["ndpiReader", "-i", os.path.join(root, cap), "-v", "2"],
                             capture_output=True, text=True).stdout
        nd = {}
        for line in res.splitlines():
            m = LINE.match(line)
            if not m:
                continue
            proto_l4, a, b, proto, cat = m.groups()
            c = CONF.search(line)
            key = (proto_l4, frozenset([ep(a), ep(b)]))
            nd.setdefault(key, []).append((proto, cat.strip(), c.group(1) if c else ""))
        for r in rows:
            key = (r["proto"], frozenset([(ip(r["src_ip"]), int(r["src_port"])),
                                          (ip(r["dst_ip"]), int(r["dst_port"]))]))
            hits = nd.get(key)
            if hits:
                proto, cat, conf = hits.pop(0)
            else:
                proto, cat, conf = "(not reported)", "", ""
            out.append(dict(capture=cap, src_ip=r["src_ip"], src_port=r["src_port"],
                            dst_ip=r["dst_ip"], dst_port=r["dst_port"], proto=r["proto"],
                            label=r["class"], application=r["application"],
                            ndpi_protocol=proto, ndpi_category=cat, ndpi_confidence=conf,
                            ndpi_class=ndpi_class(proto, cat) if hits is not None else "unknown",
                            packets=r["packets"]))
    with open(os.path.join(root, split, "ndpi.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0].keys()))
        w.writeheader()
        w.writerows(out)
    return out


def table(rows, title):
    cols = CLASSES + ["unknown"]
    m = defaultdict(Counter)
    protos = defaultdict(Counter)
    for r in rows:
        m[r["label"]][r["ndpi_class"]] += 1
        protos[r["label"]][f"{r['ndpi_protocol']} ({r['ndpi_category']})"] += 1
    s = [f"### {title}\n", "| our label \\ nDPI class | " + " | ".join(cols) +
         " | flows | agreement |", "|---" * (len(cols) + 3) + "|"]
    for c in CLASSES:
        tot = sum(m[c].values())
        if not tot:
            continue
        agree = m[c][c] / tot
        s.append(f"| {c} | " + " | ".join(str(m[c][k]) for k in cols) +
                 f" | {tot} | {agree:.0%} |")
    s.append("\nMost frequent nDPI protocol (category) per label:\n")
    for c in CLASSES:
        if protos[c]:
            s.append(f"- **{c}**: " + ", ".join(f"{p} {n}" for p, n in protos[c].most_common(6)))
    return "\n".join(s) + "\n"


def main():
    root = sys.argv[1]
    parts = ["## nDPI agreement\n",
             f"`ndpiReader -i CAPTURE -v 2` ({subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'libndpi-bin'], capture_output=True, text=True).stdout.strip()}); "
             "protocol/category mapped to a class as in shared/data/real/README.md. "
             "`unknown` = nDPI reported Unknown or did not report the flow.\n"]
    for split in sys.argv[2:]:
        rows = run_split(root, split)
        parts.append(table(rows, f"{split}: all flows"))
        parts.append(table([r for r in rows if int(r["packets"]) >= 10],
                           f"{split}: flows with at least 10 packets"))
    splits = sys.argv[2:]
    # the committed data/ndpi-agreement.md covers train+heldout; a quick run
    # keeps its table inside its own folder
    out = (os.path.join(root, "ndpi-agreement.md") if "quick" not in splits
           else os.path.join(root, "quick", "ndpi-agreement.md"))
    with open(out, "w") as f:
        f.write("\n".join(parts))
    print("\n".join(parts))


if __name__ == "__main__":
    main()
