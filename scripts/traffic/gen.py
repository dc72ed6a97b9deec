#!/usr/bin/python3
"""flowmark traffic generator: orchestrates one split.

    gen.py --split train|heldout|quick --seed N --out DATA_DIR [--jobs J]

Brings up the namespaces, starts the split's servers, runs every planned
session in a client slot with its own address and link profile while
tcpdump captures it on the router's client-facing bridge, then sanitises the
captures (payload zeroing, flow cap) and writes labels and the manifest.
"""
import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import content  # noqa: E402
import plan  # noqa: E402
import postproc  # noqa: E402
import servers  # noqa: E402
import sessions  # noqa: E402
import topo  # noqa: E402
from topo import RTR, STATE  # noqa: E402

HEAVY = {"web", "video"}  # Chromium sessions: CPU bound on 2 cores


class Emu:
    """Per-client profiles for linkemu.py, rewritten atomically on change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.p = {}

    def _flush(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            for v in self.p.values():
                f.write(json.dumps(v) + "\n")
        os.replace(tmp, self.path)

    def set(self, ip, prof):
        with self.lock:
            self.p[ip] = dict(prof, client=ip)
            self._flush()

    def clear(self, ip):
        with self.lock:
            self.p.pop(ip, None)
            self._flush()


def nft_ttl(s):
    # only TCP/UDP: neighbour discovery must keep hop limit 255
    fam = "ip6" if s["ipv6"] else "ip"
    field = "hoplimit" if s["ipv6"] else "ttl"
    out = subprocess.run(
        f"ip netns exec {RTR} nft --echo --handle add rule inet fm post "
        f"{fam} daddr {s['client_ip']} meta l4proto {{ tcp, udp }} "
        f"{fam} {field} set {s['ttl_server']}",
        shell=True, capture_output=True, text=True, check=True).stdout
    return out.strip().split("# handle ")[-1].split()[0]


def configure_slot(slot, s):
    cmds = [f"ip addr flush dev eth0", f"ip link set eth0 mtu {s['mtu']}"]
    if s["ipv6"]:
        cmds += [f"ip -6 addr add {s['client_ip']}/{s['plen']} dev eth0 nodad",
                 f"ip -6 route replace default via {s['gw']}"]
    else:
        cmds += [f"ip addr add {s['client_ip']}/{s['plen']} dev eth0",
                 f"ip route replace default via {s['gw']}"]
    t = s["tcp"]
    cmds.append(
        f"sysctl -qw net.ipv4.ip_default_ttl={s['ttl_client']} "
        f"net.ipv6.conf.all.hop_limit={s['ttl_client']} "
        f"net.ipv6.conf.default.hop_limit={s['ttl_client']} "
        f"net.ipv6.conf.eth0.hop_limit={s['ttl_client']} "
        f"net.ipv4.tcp_timestamps={t['timestamps']} net.ipv4.tcp_sack={t['sack']} "
        f"net.ipv4.tcp_window_scaling={t['window_scaling']} "
        f"'net.ipv4.ip_local_port_range={t['ports']}'")
    for c in cmds:
        subprocess.run(f"ip netns exec {slot} {c}", shell=True, check=True)
    with open(f"/etc/netns/{slot}/resolv.conf", "w") as f:
        f.write(f"nameserver {s['resolver']}\noptions timeout:2 attempts:2\n")


def reset_slot(slot):
    pids = subprocess.run(f"ip netns pids {slot}", shell=True, capture_output=True,
                          text=True).stdout.split()
    for p in pids:
        try:
            os.kill(int(p), 9)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(f"ip netns exec {slot} ip addr flush dev eth0", shell=True)
    subprocess.run(f"ip netns exec {slot} ip -6 addr flush dev eth0", shell=True)


def run_session(s, slot, emu, rawdir, logdir):
    log = open(os.path.join(logdir, f"{s['sid']}.log"), "w")
    handle = None
    cap = None
    try:
        configure_slot(slot, s)
        emu.set(s["client_ip"], s["profile"])
        handle = nft_ttl(s)
        pcap = os.path.join(rawdir, f"{s['sid']}.pcap")
        cap = subprocess.Popen(
            ["ip", "netns", "exec", RTR, "tcpdump", "-i", "brc", "-s", "0", "-B", "8192",
             "-n", "-w", pcap, f"(tcp or udp) and host {s['client_ip']}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        cap.stderr.readline()  # "listening on brc ..."
        time.sleep(0.3)
        s["t_start"] = time.time()
        rc, out = sessions.RUNNERS[s["cls"]](s, slot, log)
        s["rc"] = rc
        s["out"] = out[-300:] if isinstance(out, str) else ""
        time.sleep(1.5)
        s["t_end"] = time.time()
    except Exception as e:  # noqa: BLE001 - a failed session is recorded, not fatal
        s["rc"] = -1
        s["error"] = f"{e!r}"
        log.write(traceback.format_exc())
    finally:
        if cap is not None:
            cap.terminate()
            try:
                cap.wait(timeout=5)
            except subprocess.TimeoutExpired:
                cap.kill()
        if handle:
            subprocess.run(f"ip netns exec {RTR} nft delete rule inet fm post handle {handle}",
                           shell=True)
        emu.clear(s["client_ip"])
        reset_slot(slot)
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", required=True, choices=["train", "heldout", "quick"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="data folder (labels are relative to it)")
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--heavy-jobs", type=int, default=3)
    ap.add_argument("--cap", type=int, default=postproc.FLOW_CAP)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply session counts")
    ap.add_argument("--only", default="", help="comma list of classes to run")
    ap.add_argument("--tag", default="s", help="session id prefix (use a new one with --append)")
    ap.add_argument("--append", action="store_true",
                    help="add sessions to an existing split instead of replacing it")
    ap.add_argument("--counts", default="", help="explicit sessions per class: web=3,video=2")
    ap.add_argument("--v6-share", type=float, default=None, help="share of IPv6 sessions")
    args = ap.parse_args()

    quick = args.split == "quick"
    t0 = time.time()
    print(f"[gen] building content (cached) quick={quick}", flush=True)
    content.build(quick=quick)
    servers.ensure_ca()
    servers.ensure_user()
    counts = dict(plan.SESSIONS[args.split])
    counts = {k: max(1, round(v * args.scale)) for k, v in counts.items()}
    if args.only:
        counts = {k: v for k, v in counts.items() if k in args.only.split(",")}
    if args.counts:
        counts = {k: int(v) for k, v in (kv.split("=") for kv in args.counts.split(","))}
    subprocess.run(f"rm -rf {content.WWW}/s", shell=True)
    sess, hosts, cnames = plan.make(args.split, args.seed, counts, content.WWW, args.v6_share,
                                    args.tag)
    srvsplit = "heldout" if args.split == "heldout" else "train"
    domains = plan.domains_of(hosts, cnames)
    domains = sorted(set(domains) | {"localdomain.test"})
    dnsargs = servers.write_dns(hosts, cnames)
    split_dir = os.path.join(args.out, args.split)
    work = os.path.join(STATE, "work", args.split + ("-" + args.tag if args.append else ""))
    shutil.rmtree(work, ignore_errors=True)
    rawdir = os.path.join(work, "raw")
    logdir = os.path.join(work, "log")
    os.makedirs(rawdir)
    os.makedirs(logdir)
    os.makedirs(servers.LOG, exist_ok=True)
    print(f"[gen] {len(sess)} sessions {counts}; {len(hosts)} names, {len(domains)} certs",
          flush=True)
    for d in domains:
        servers.cert_for(d)
    slots = topo.up(args.jobs)
    emu_log = open(os.path.join(servers.LOG, "linkemu.log"), "w")
    prof_path = os.path.join(STATE, "profiles.jsonl")
    emu_proc = topo.start_linkemu(prof_path, args.seed, emu_log)
    emu = Emu(prof_path)
    srv = None
    try:
        servers.reset_uploads()
        srv = servers.Servers(srvsplit, domains, dnsargs)
        time.sleep(2.0)
        free = queue.Queue()
        for sl in slots:
            free.put(sl)
        heavy = threading.Semaphore(args.heavy_jobs)
        threads = []
        done = [0]

        def worker(s):
            slot = free.get()
            try:
                run_session(s, slot, emu, rawdir, logdir)
            finally:
                free.put(slot)
                if s["cls"] in HEAVY:
                    heavy.release()
                done[0] += 1
                print(f"[gen] {done[0]}/{len(sess)} {s['sid']} {s['cls']}/{s['app']} "
                      f"rc={s.get('rc')} {s['profile']['family']} "
                      f"{time.time() - t0:.0f}s", flush=True)

        # start a heavy (Chromium) session whenever a heavy token and a slot
        # are free, light sessions whenever a slot is free: both kinds overlap
        pending = sorted(sess, key=lambda s: (s["cls"] not in HEAVY, s["sid"]))
        while pending:
            if free.empty():
                time.sleep(0.1)
                continue
            pick = None
            for s in pending:
                if s["cls"] in HEAVY:
                    if heavy.acquire(blocking=False):
                        pick = s
                        break
                else:
                    pick = s
                    break
            if pick is None:
                time.sleep(0.1)
                continue
            pending.remove(pick)
            th = threading.Thread(target=worker, args=(pick,), daemon=True)
            th.start()
            threads.append(th)
            time.sleep(0.3)
        for th in threads:
            th.join()
    finally:
        if srv:
            srv.stop()
        emu_proc.terminate()
        try:
            emu_proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            emu_proc.kill()
        topo.down()
    plan.save(os.path.join(work, "sessions.json"), sess)
    print(f"[gen] capture done in {time.time() - t0:.0f}s; sanitising", flush=True)
    postproc.process_split(args.split, sess, rawdir, args.out, cap=args.cap, hosts=hosts,
                           append=args.append)
    print(f"[gen] {args.split} written to {split_dir} in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
