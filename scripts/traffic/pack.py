#!/usr/bin/env python3
"""Pack a generated data folder for the repository: gzip every capture of
each split (pcap/NAME.pcap -> pcap/NAME.pcap.gz, deterministic: no name or
time in the gzip header), and rewrite the paths in labels.csv, ndpi.csv and
manifest.json (with the SHA-256 of the packed files).

The captures are mostly zeroed payload, so gzip shrinks them ~30x; the
repository then holds them at that size in every form (checkout, diff,
pack). flowmark's own reader (`dataplane extract`, `check-pcap`), tshark
and mergecap read .pcap.gz directly; replaying through net_pcap needs a
plain file (`gunzip -k`).

Usage: pack.py DATA_DIR SPLIT...
"""
import gzip
import hashlib
import json
import os
import sys


def pack_split(root, split):
    d = os.path.join(root, split, "pcap")
    if not os.path.isdir(d):
        return
    for name in sorted(os.listdir(d)):
        if not name.endswith(".pcap"):
            continue
        src = os.path.join(d, name)
        with open(src, "rb") as f:
            raw = f.read()
        with open(src + ".gz", "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
                g.write(raw)
        os.remove(src)
    for fn in ("labels.csv", "ndpi.csv"):
        p = os.path.join(root, split, fn)
        if os.path.exists(p):
            with open(p) as f:
                text = f.read()
            with open(p, "w") as f:
                f.write(text.replace(".pcap,", ".pcap.gz,"))
    mp = os.path.join(root, split, "manifest.json")
    if os.path.exists(mp):
        with open(mp) as f:
            man = json.load(f)
        caps = {}
        for rel in man.get("captures", {}):
            rel_gz = rel if rel.endswith(".gz") else rel + ".gz"
            with open(os.path.join(root, rel_gz), "rb") as f:
                caps[rel_gz] = hashlib.sha256(f.read()).hexdigest()
        man["captures"] = caps
        man["pcap_format"] = man.get("pcap_format", "") + "; gzip-compressed (.pcap.gz)"
        with open(mp, "w") as f:
            json.dump(man, f, indent=1, sort_keys=True)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for split in sys.argv[2:]:
        pack_split(sys.argv[1], split)
        print(f"[pack] {split}: captures gzipped, paths rewritten")


if __name__ == "__main__":
    main()
