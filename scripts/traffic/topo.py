"""Network namespaces for the generator.

    fm-cK (client slots) --veth--> bridge brc in fm-rtr (router, capture point)
    fm-rtr --veth--> fm-wan (linkemu.py, transparent L2 delay/rate/loss)
    fm-wan --veth--> fm-srv (every server; content addresses are AnyIP
                             prefixes routed to lo, so any address drawn from
                             them answers)

Nothing here has a route to the host or to any real network.
"""
import os
import subprocess
import time

PREFIX = "fm-"
RTR, WAN, SRV = "fm-rtr", "fm-wan", "fm-srv"
STATE = "/var/lib/flowmark-traffic"

# Client address pools (router owns .1 / ::1 of each on the bridge).
CLIENT_V4 = [("10.64.0.0", 10, "10.64.0.1"), ("172.16.0.0", 12, "172.16.0.1"),
             ("192.168.0.0", 16, "192.168.0.1")]
CLIENT_V6 = ("2001:db8:c000::", 40, "2001:db8:c000::1")
# Server (content) prefixes, AnyIP inside fm-srv.
SERVER_V4 = ("198.18.0.0", 15)
SERVER_V6 = ("2001:db8:100::", 40)
RESOLVERS_V4 = ["198.18.53.53", "198.19.53.10"]
RESOLVERS_V6 = ["2001:db8:100:53::53"]
LINK_V4 = ("100.100.0.1", "100.100.0.2")
LINK_V6 = ("fd00:100::1", "fd00:100::2")


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, shell=True, check=check, **kw)


def ns(name, cmd, check=True, **kw):
    return sh(f"ip netns exec {name} {cmd}", check=check, **kw)


def noffload(nsname, dev):
    ns(nsname, f"ethtool -K {dev} tso off gso off gro off tx off rx off "
       f"2>/dev/null || true", check=False, stdout=subprocess.DEVNULL,
       stderr=subprocess.DEVNULL)


def existing():
    out = subprocess.run("ip netns list", shell=True, capture_output=True,
                         text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.startswith(PREFIX)]


def down():
    for n in existing():
        # kill whatever still runs inside our namespaces (only ours)
        pids = subprocess.run(f"ip netns pids {n}", shell=True,
                              capture_output=True, text=True).stdout.split()
        for p in pids:
            try:
                os.kill(int(p), 9)
            except (ProcessLookupError, ValueError):
                pass
    time.sleep(0.3)
    for n in existing():
        sh(f"ip netns del {n}", check=False)
        sh(f"rm -rf /etc/netns/{n}", check=False)


def up(nslots, linkemu_seed=1):
    down()
    os.makedirs(STATE, exist_ok=True)
    for n in (RTR, WAN, SRV):
        sh(f"ip netns add {n}")
        ns(n, "ip link set lo up")
    # router <-> wan <-> srv
    sh(f"ip link add rw netns {RTR} type veth peer name wa netns {WAN}")
    sh(f"ip link add wb netns {WAN} type veth peer name sw netns {SRV}")
    ns(RTR, "ip link add brc type bridge mcast_snooping 0")
    for nsn, dev in ((RTR, "rw"), (WAN, "wa"), (WAN, "wb"), (SRV, "sw"),
                     (RTR, "brc")):
        noffload(nsn, dev)
        ns(nsn, f"ip link set {dev} up")
    ns(RTR, "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
    ns(RTR, "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0")
    ns(RTR, f"ip addr add {LINK_V4[0]}/30 dev rw")
    ns(RTR, f"ip -6 addr add {LINK_V6[0]}/64 dev rw nodad")
    for net, plen, gw in CLIENT_V4:
        ns(RTR, f"ip addr add {gw}/{plen} dev brc")
    ns(RTR, f"ip -6 addr add {CLIENT_V6[2]}/{CLIENT_V6[1]} dev brc nodad")
    ns(RTR, f"ip route add {SERVER_V4[0]}/{SERVER_V4[1]} via {LINK_V4[1]}")
    ns(RTR, f"ip -6 route add {SERVER_V6[0]}/{SERVER_V6[1]} via {LINK_V6[1]}")
    ns(RTR, "sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null",
       check=False)
    # server
    ns(SRV, "sysctl -qw net.ipv6.conf.all.accept_dad=0")
    ns(SRV, f"ip addr add {LINK_V4[1]}/30 dev sw")
    ns(SRV, f"ip -6 addr add {LINK_V6[1]}/64 dev sw nodad")
    ns(SRV, f"ip route add default via {LINK_V4[0]}")
    ns(SRV, f"ip -6 route add default via {LINK_V6[0]}")
    ns(SRV, f"ip route add local {SERVER_V4[0]}/{SERVER_V4[1]} dev lo")
    ns(SRV, f"ip -6 route add local {SERVER_V6[0]}/{SERVER_V6[1]} dev lo")
    for a in RESOLVERS_V4:
        ns(SRV, f"ip addr add {a}/32 dev lo")
    for a in RESOLVERS_V6:
        ns(SRV, f"ip -6 addr add {a}/128 dev lo nodad")
    ns(SRV, "sysctl -qw net.ipv4.ip_unprivileged_port_start=0")
    # servers bind data/RTP sockets to AnyIP addresses (IPv6 needs this)
    ns(SRV, "sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1")
    # nft table in the router for per-session TTL / hop-limit rewriting of
    # server->client packets (the servers share one kernel, so one TTL)
    ns(RTR, "nft add table inet fm")
    ns(RTR, "nft 'add chain inet fm post { type filter hook postrouting priority 0 ; }'")
    # client slots
    for k in range(nslots):
        c = f"fm-c{k}"
        sh(f"ip netns add {c}")
        ns(c, "ip link set lo up")
        sh(f"ip link add eth0 netns {c} type veth peer name p{k} netns {RTR}")
        noffload(c, "eth0")
        noffload(RTR, f"p{k}")
        ns(RTR, f"ip link set p{k} master brc up")
        ns(c, "ip link set eth0 up")
        ns(c, "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.all.use_tempaddr=0")
        os.makedirs(f"/etc/netns/{c}", exist_ok=True)
    return [f"fm-c{k}" for k in range(nslots)]


def start_linkemu(prof_path, seed, log):
    open(prof_path, "w").close()
    here = os.path.dirname(os.path.abspath(__file__))
    return subprocess.Popen(
        ["ip", "netns", "exec", WAN, "/usr/bin/python3",
         os.path.join(here, "linkemu.py"), "wa", "wb", prof_path, str(seed)],
        stdout=log, stderr=log)
