#!/usr/bin/python3
"""Check a data folder: every capture is classic pcap, Ethernet, microsecond,
every record has caplen == wire length, no flow exceeds the cap, and every
labeled flow is present.   verify.py DATA_DIR SPLIT [SPLIT...]"""
import csv
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import postproc  # noqa: E402


def main():
    root = sys.argv[1]
    bad = 0
    for split in sys.argv[2:]:
        rows = list(csv.DictReader(open(os.path.join(root, split, "labels.csv"))))
        caps = sorted({r["capture"] for r in rows})
        nrec = short = 0
        for cap in caps:
            with open(os.path.join(root, cap), "rb") as f:
                head = f.read(24)
            if head[:4] != b"\xd4\xc3\xb2\xa1" or head[20:24] != b"\x01\0\0\0":
                print(f"BAD header {cap}")
                bad += 1
            _, recs = postproc.read_pcap(os.path.join(root, cap))
            for r in recs:
                nrec += 1
                if len(r[3]) != r[2]:
                    short += 1
        over = [r for r in rows if int(r["packets"]) > postproc.FLOW_CAP]
        cls = Counter(r["class"] for r in rows)
        print(f"{split}: {len(caps)} captures, {nrec} records, caplen!=len: {short}, "
              f"flows over cap: {len(over)}, flows per class: {dict(cls)}")
        bad += short + len(over)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
