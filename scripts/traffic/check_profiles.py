#!/usr/bin/python3
"""Measure what the link emulator really delivers for drawn profiles.

For N profiles drawn per split (same code as the planner), set the profile
for one client, then measure RTT with 10 pings and throughput with iperf3
(4 s downstream, 4 s upstream).  Writes a markdown table.

    check_profiles.py OUT.md [N_PER_SPLIT]
"""
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plan  # noqa: E402
import topo  # noqa: E402

CLIENT = "10.70.1.2"
SERVER = "198.18.7.7"


def sh(cmd, timeout=60):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout).stdout


def iperf(reverse):
    srv = subprocess.Popen(f"ip netns exec {topo.SRV} iperf3 -s -1 -B {SERVER}", shell=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    out = sh(f"ip netns exec fm-c0 iperf3 -c {SERVER} -t 4 -O 1 -J {'-R' if reverse else ''}",
             timeout=30)
    srv.wait(timeout=10)
    try:
        j = json.loads(out)
        return j["end"]["sum_received"]["bits_per_second"] / 1e6
    except (ValueError, KeyError):
        return float("nan")


def main():
    out_md = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    topo.up(1)
    prof = os.path.join(topo.STATE, "profiles-check.jsonl")
    emu = topo.start_linkemu(prof, 5, open("/dev/null", "w"))
    rows = []
    try:
        topo.ns("fm-c0", f"ip addr add {CLIENT}/10 dev eth0")
        topo.ns("fm-c0", "ip route add default via 10.64.0.1")
        for split in ("train", "heldout"):
            rng = random.Random(f"check:{split}")
            for _ in range(n):
                p = plan.draw_profile(rng, split)
                with open(prof, "w") as f:
                    f.write(json.dumps(dict(p, client=CLIENT)) + "\n")
                time.sleep(0.6)
                ping = sh(f"ip netns exec fm-c0 ping -q -c 10 -i 0.2 {SERVER}")
                m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", ping)
                loss = re.search(r"([\d.]+)% packet loss", ping)
                down = iperf(True)
                up = iperf(False)
                rows.append((split, p, m.groups() if m else ("?",) * 4,
                             loss.group(1) if loss else "?", down, up))
                print(rows[-1], flush=True)
    finally:
        emu.terminate()
        topo.down()
    with open(out_md, "w") as f:
        f.write("| split | family | RTT set (ms) | jitter mean/dir (ms) | ping min/avg/max (ms) "
                "| loss set | down set (Mbit/s) | down iperf3 | up set | up iperf3 | queue (ms) |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|\n")
        for split, p, (mn, av, mx, _), _ls, down, up in rows:
            f.write(f"| {split} | {p['family']} | {p['rtt_ms']:.1f} | {p['jitter_ms']:.1f} | "
                    f"{mn}/{av}/{mx} | {p['loss']*100:.2f}% | {p['rate_down']:.1f} | {down:.1f} | "
                    f"{p['rate_up']:.1f} | {up:.1f} | {p['qdelay_ms']:.0f} |\n")


if __name__ == "__main__":
    main()
