#!/usr/bin/python3
"""Remove sessions (captures, label rows, plan entries) from a split and
rewrite its manifest: used for sessions whose client never reached its
server (their few SYN/RST flows would carry a class they never showed).

    drop_sessions.py DATA_DIR SPLIT SID [SID...]
"""
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import postproc  # noqa: E402


def main():
    root, split, sids = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    d = os.path.join(root, split)
    rows = [r for r in csv.DictReader(open(os.path.join(d, "labels.csv")))
            if r["session"] not in sids]
    sess = [s for s in json.load(open(os.path.join(d, "sessions.json"))) if s["sid"] not in sids]
    for sid in sids:
        p = os.path.join(d, "pcap", f"{sid}.pcap")
        if os.path.exists(p):
            os.remove(p)
    with open(os.path.join(d, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=postproc.LABEL_COLS)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(d, "sessions.json"), "w") as f:
        json.dump(sess, f, indent=0, sort_keys=True)
    cap = json.load(open(os.path.join(d, "manifest.json")))["flow_cap_packets"]
    postproc.write_manifest(split, sess, rows, d, cap)
    print(f"dropped {sorted(sids)}; {len(rows)} flows remain")


if __name__ == "__main__":
    main()
