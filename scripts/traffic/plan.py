"""Session plan: everything about a split is drawn here from the seed.

A session is one application run by one client namespace with one freshly
drawn address, link profile, TTLs, MTU, TCP settings and service names.
"""
import ipaddress
import json
import math
import os
import random

import content
import names as N
from topo import CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, RESOLVERS_V4, RESOLVERS_V6

# Link profile families (documented in data/README.md).  Ranges: RTT ms,
# downlink Mbit/s, uplink as a share of downlink, loss %, jitter ms (mean of
# the exponential extra one-way delay), bottleneck queue in ms.
PROFILES = {
    "train": {
        "fiber": dict(w=0.25, rtt=(2, 20), down=(50, 200), up=(0.2, 1.0), loss=(0, 0.1), jit=(0, 1), q=(10, 60)),
        "cable": dict(w=0.3, rtt=(10, 45), down=(15, 150), up=(0.05, 0.3), loss=(0, 0.5), jit=(0.5, 4), q=(30, 200)),
        "dsl": dict(w=0.25, rtt=(20, 70), down=(2, 25), up=(0.1, 0.4), loss=(0, 1.0), jit=(0.5, 4), q=(50, 250)),
        "longhaul": dict(w=0.2, rtt=(80, 200), down=(5, 100), up=(0.3, 1.0), loss=(0, 2.0), jit=(1, 8), q=(40, 150)),
    },
    "heldout": {
        "lte": dict(w=0.35, rtt=(30, 90), down=(5, 60), up=(0.15, 0.5), loss=(0.2, 1.5), jit=(3, 15), q=(60, 300)),
        "wifi-busy": dict(w=0.25, rtt=(5, 30), down=(10, 80), up=(0.3, 1.0), loss=(0.3, 2.0), jit=(2, 10), q=(20, 120)),
        "leo-sat": dict(w=0.2, rtt=(25, 60), down=(20, 150), up=(0.05, 0.2), loss=(0, 1.0), jit=(4, 12), q=(30, 150)),
        "slow-far": dict(w=0.2, rtt=(100, 200), down=(1, 6), up=(0.2, 0.6), loss=(0, 2.0), jit=(1, 6), q=(100, 400)),
    },
}

APPS = {
    "train": {
        "web": [("chromium-h2", 0.7), ("curl", 0.3)],
        "video": [("hlsjs", 1.0)],
        "file_transfer": [("scp", 0.18), ("sftp", 0.12), ("rsync-ssh", 0.14),
                          ("curl-https-get", 0.24), ("curl-http-get", 0.06),
                          ("curl-https-put", 0.12), ("curl-ftp", 0.14)],
        "interactive": [("openssh", 1.0)],
        "realtime": [("gst-opus", 0.5), ("gst-opus-vp8", 0.5)],
        "other": [("chrony-ntp", 1.0)],
    },
    "heldout": {
        "web": [("chromium-h1", 0.65), ("wget", 0.35)],
        "video": [("dashjs", 1.0)],
        "file_transfer": [("scp-dropbear", 0.2), ("rsync-dbclient", 0.15),
                          ("wget-https-get", 0.3), ("aiohttp-put", 0.15),
                          ("lftp-ftp", 0.2)],
        "interactive": [("dbclient", 1.0)],
        "realtime": [("ffmpeg-pcmu", 0.5), ("ffmpeg-opus-h264", 0.5)],
        "other": [("chrony-ntp", 1.0)],
    },
}

SESSIONS = {
    "train": dict(web=28, video=50, file_transfer=34, interactive=64, realtime=40, other=10),
    "heldout": dict(web=10, video=16, file_transfer=14, interactive=22, realtime=14, other=4),
    "quick": dict(web=2, video=2, file_transfer=3, interactive=3, realtime=2, other=1),
}


def _pick(rng, items):
    r, acc = rng.random() * sum(w for _, w in items), 0.0
    for v, w in items:
        acc += w
        if r <= acc:
            return v
    return items[-1][0]


def _logu(rng, lo, hi):
    if lo <= 0:
        return rng.uniform(lo, hi)
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def draw_profile(rng, split):
    fams = PROFILES[split]
    fam = _pick(rng, [(k, v["w"]) for k, v in fams.items()])
    f = fams[fam]
    rtt = _logu(rng, *f["rtt"])
    down = _logu(rng, *f["down"])
    loss = rng.uniform(*f["loss"]) if rng.random() < 0.6 else 0.0
    return dict(family=fam, rtt_ms=round(rtt, 2), owd_ms=round(rtt / 2, 2),
                jitter_ms=round(rng.uniform(*f["jit"]), 2),
                rate_down=round(down, 2),
                rate_up=round(max(0.5, down * rng.uniform(*f["up"])), 2),
                loss=round(loss / 100.0, 5), qdelay_ms=round(rng.uniform(*f["q"]), 1))


class AddrPool:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def client(self, v6):
        while True:
            if v6:
                net = ipaddress.IPv6Network(f"{CLIENT_V6[0]}/{CLIENT_V6[1]}")
                a = net[self.rng.randrange(2, net.num_addresses - 1)]
                gw, plen = CLIENT_V6[2], CLIENT_V6[1]
            else:
                base, plen, gw = self.rng.choice(CLIENT_V4)
                net = ipaddress.IPv4Network(f"{base}/{plen}")
                a = net[self.rng.randrange(2, net.num_addresses - 1)]
                if str(a).endswith((".0", ".255", ".1")):
                    continue
            if str(a) not in self.used:
                self.used.add(str(a))
                return str(a), plen, gw

    def server(self):
        while True:
            n4 = ipaddress.IPv4Network(f"{SERVER_V4[0]}/{SERVER_V4[1]}")
            a4 = str(n4[self.rng.randrange(256, n4.num_addresses - 256)])
            n6 = ipaddress.IPv6Network(f"{SERVER_V6[0]}/{SERVER_V6[1]}")
            a6 = str(n6[self.rng.randrange(1 << 20, 1 << 60)])
            if a4.endswith((".0", ".255")) or a4 in self.used or a4 in RESOLVERS_V4:
                continue
            self.used.add(a4)
            return a4, a6


def make(split, seed, counts, out_www, v6_share=None, sid_prefix="s"):
    """Draw the split's sessions; write per-session pages and playlists."""
    rng = random.Random(f"{split}:{seed}")
    pool = AddrPool(rng)
    hosts = {}   # name -> (v4, v6)
    cnames = []
    sessions = []
    objs = content.object_list()
    by_ext = {}
    for o in objs:
        by_ext.setdefault(o.rsplit(".", 1)[1], []).append(o)
    apis = sorted(os.listdir(os.path.join(content.WWW, "api")))
    app_split = "train" if split == "quick" else split
    prof_split = app_split
    plan_cls = []
    for cls, n in counts.items():
        plan_cls += [cls] * n
    rng.shuffle(plan_cls)

    def name_ip(name):
        if name not in hosts:
            hosts[name] = pool.server()
        return hosts[name]

    for i, cls in enumerate(plan_cls):
        sid = f"{sid_prefix}{i:04d}"
        app = _pick(rng, APPS[app_split][cls])
        v6 = rng.random() < (v6_share if v6_share is not None else (0.2 if app_split == "train" else 0.3))
        cip, plen, gw = pool.client(v6)
        os_ttl = _pick(rng, [(64, 0.6), (128, 0.3), (255, 0.1)])
        s = dict(sid=sid, split=split, cls=cls, app=app, ipv6=v6,
                 client_ip=cip, plen=plen, gw=gw,
                 resolver=rng.choice(RESOLVERS_V6 if v6 else RESOLVERS_V4),
                 ttl_client=os_ttl - rng.randint(0, 2 if app_split == "train" else 3),
                 ttl_server=_pick(rng, [(64, 0.6), (128, 0.25), (255, 0.15)]) - rng.randint(5, 24),
                 mtu=_pick(rng, [(1500, 0.7), (1492, 0.1), (1480, 0.05), (1420, 0.05), (1400, 0.05), (1280, 0.05)]),
                 tcp=dict(timestamps=int(rng.random() < 0.8), sack=int(rng.random() < 0.9),
                          window_scaling=int(rng.random() < 0.95),
                          ports="49152 65535" if os_ttl == 128 else "32768 60999"),
                 profile=draw_profile(rng, prof_split), names=[])
        p = s["profile"]
        if cls == "web":
            sites = [N.web_site(rng) for _ in range(rng.randint(1, 3))]
            pages = []
            for k in range(rng.randint(3, 6) if app.startswith("chromium") else rng.randint(2, 4)):
                site = rng.choice(sites)
                hostset = [site["main"]] + site["own"] + site["third"]
                for h in hostset + [site["api"]]:
                    name_ip(h)
                    if h not in s["names"]:
                        s["names"].append(h)
                page = f"s/{sid}/p{k}.html"
                objurls = []
                nobj = rng.randint(6, 40)
                for _ in range(nobj):
                    ext = _pick(rng, [("css", 0.12), ("js", 0.25), ("jpg", 0.22), ("png", 0.14),
                                      ("webp", 0.12), ("woff2", 0.06), ("svg", 0.09)])
                    objurls.append((ext, f"https://{rng.choice(hostset)}/obj/{rng.choice(by_ext[ext])}"))
                api = [(round(rng.uniform(0, 4), 2), f"https://{site['api']}/api/{rng.choice(apis)}")
                       for _ in range(rng.randint(0, 4))]
                _write_page(os.path.join(out_www, page), rng, objurls, api)
                pages.append(dict(url=f"https://{site['main']}/{page}",
                                  objects=[u for _, u in objurls],
                                  think_s=round(_logu(rng, 1.0, 8.0), 2)))
            s["pages"] = pages
            s["http2"] = rng.random() < 0.75
        elif cls == "video":
            mh = N.video_manifest_host(rng)
            cdns = [N.video_host(rng) for _ in range(rng.randint(2, 4))]
            for h in [mh] + cdns:
                name_ip(h)
                s["names"].append(h)
            if rng.random() < 0.3:
                # the player asks for a site-branded name that is a CNAME
                # of the CDN host, as many streaming sites do
                alias = f"video-{rng.randint(1, 99)}.{N.word(rng)}.com"
                cnames.append((alias, cdns[0]))
                s["names"].append(alias)
                cdns = [alias] + cdns[1:]
            s["duration_s"] = rng.randint(25, 60)
            s["buffer_s"] = rng.choice([10, 20, 30, 30, 60])
            if app == "hlsjs":
                asset = rng.choice([a for a in content.ASSETS if a[1] == "hls"])[0]
                s["manifest"] = f"https://{mh}/s/{sid}/master.m3u8"
                _write_hls(os.path.join(out_www, "s", sid), mh, cdns, asset, sid, rng)
            else:
                asset = rng.choice([a for a in content.ASSETS if a[1] == "dash"])[0]
                s["manifest"] = f"https://{mh}/s/{sid}/manifest.mpd"
                _write_dash(os.path.join(out_www, "s", sid), cdns[0], asset)
            s["asset"] = asset
            s["http2"] = rng.random() < 0.5
        elif cls == "file_transfer":
            nops = rng.randint(2, 6)
            if app in ("scp", "sftp", "rsync-ssh", "scp-dropbear", "rsync-dbclient"):
                host = N.ssh_file_host(rng)
                s["port"] = 22 if rng.random() < 0.8 else 2222
            elif app in ("curl-https-put", "aiohttp-put"):
                host = N.upload_host(rng)
            elif app in ("curl-ftp", "lftp-ftp"):
                host = N.ftp_host(rng)
            else:
                host = N.dl_host(rng)
            name_ip(host)
            s["names"].append(host)
            s["host"] = host
            ops = []
            for _ in range(nops):
                up = app in ("curl-https-put", "aiohttp-put") or (
                    app in ("scp", "sftp", "rsync-ssh", "scp-dropbear", "rsync-dbclient")
                    and rng.random() < 0.4)
                # flows are capped at FLOW_CAP packets (~3 MB): a few MB
                # beyond that is all a transfer needs; keep each <= ~12 s
                lim = max(2, (p["rate_up"] if up else p["rate_down"]) * 12 / 8)
                if app in ("curl-ftp", "lftp-ftp"):
                    sizes = [m for m in (2, 5, 10) if m <= lim] or [2]
                elif app in ("curl-https-get", "curl-http-get", "wget-https-get"):
                    sizes = [m for m in (3, 6, 12) if m <= max(3, lim)] or [3]
                else:
                    sizes = [m for m in (2, 4, 8) if m <= lim] or [2]
                ops.append(dict(up=up, mb=rng.choice(sizes), pause_s=round(rng.uniform(0.5, 4), 2)))
            s["ops"] = ops
            s["cipher"] = rng.choice([None, None, "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr"])
        elif cls == "interactive":
            host = N.ssh_shell_host(rng)
            name_ip(host)
            s["names"].append(host)
            s["host"] = host
            s["port"] = 22 if rng.random() < 0.85 else 2222
            s["key_median_ms"] = round(rng.uniform(90, 260), 1)
            s["think_median_s"] = round(rng.uniform(1.0, 5.0), 2)
            s["ncmds"] = rng.randint(6, 14)
            s["cipher"] = rng.choice([None, None, "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr"])
            s["typing_seed"] = rng.randrange(1 << 30)
        elif cls == "realtime":
            host = N.rtc_host(rng)
            a4, a6 = name_ip(host)
            s["names"].append(host)
            s["host"] = host
            s["server_ip"] = a6 if v6 else a4
            s["duration_s"] = rng.randint(18, 45)
            s["cport"] = rng.randrange(10000, 60000, 2)
            s["sport"] = rng.randrange(10000, 60000, 2)
            s["frame_ms"] = rng.choice([10, 20, 20, 20, 40, 60]) if "opus" in app else 20
            s["abitrate"] = rng.choice([16000, 24000, 32000, 48000, 64000])
            s["vbitrate"] = rng.choice([250, 400, 600, 900, 1200])
            s["fps"] = rng.choice([15, 24, 30])
            s["wave"] = rng.choice(["pink-noise", "sine", "ticks", "white-noise"])
        else:
            host = N.ntp_host(rng)
            name_ip(host)
            s["names"].append(host)
            s["host"] = host
        sessions.append(s)
    return sessions, hosts, cnames


def _write_page(path, rng, objurls, api):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    head, body = [], []
    for ext, u in objurls:
        if ext == "css":
            head.append(f'<link rel="stylesheet" href="{u}">')
        elif ext == "js":
            (head if rng.random() < 0.4 else body).append(f'<script src="{u}"></script>')
        elif ext == "woff2":
            head.append(f'<link rel="preload" as="font" type="font/woff2" crossorigin href="{u}">')
        else:
            body.append(f'<img src="{u}" width="200" height="120" loading="eager">')
    words = [N.word(rng) for _ in range(40)]
    text = " ".join(rng.choice(words) for _ in range(rng.randint(300, 6000)))
    js = "".join(f"setTimeout(()=>fetch('{u}').then(r=>r.text()).catch(()=>0),{int(t*1000)});"
                 for t, u in api)
    with open(path, "w") as f:
        f.write(f"<!doctype html><html><head><meta charset=utf-8><title>{words[0]}</title>"
                + "".join(head) + "</head><body><p>" + text + "</p>" + "".join(body)
                + (f"<script>{js}</script>" if js else "") + "</body></html>\n")


def _write_hls(d, mh, cdns, asset, sid, rng):
    os.makedirs(d, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for i, (name, w, h, vk, ak) in enumerate(content.LADDER):
        bw = (vk + ak) * 1000
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={int(bw*1.1)},AVERAGE-BANDWIDTH={bw},"
                     f"RESOLUTION={w}x{h},CODECS=\"avc1.4d401e,mp4a.40.2\"")
        lines.append(f"https://{mh}/s/{sid}/{name}.m3u8")
        src = os.path.join(content.WWW, "hls", asset, name, "index.m3u8")
        cdn = cdns[i % len(cdns)]
        with open(src) as f, open(os.path.join(d, f"{name}.m3u8"), "w") as g:
            for line in f:
                if line.startswith("seg"):
                    line = f"https://{cdn}/hls/{asset}/{name}/{line}"
                g.write(line)
    with open(os.path.join(d, "master.m3u8"), "w") as f:
        f.write("\n".join(lines) + "\n")


def _write_dash(d, cdn, asset):
    os.makedirs(d, exist_ok=True)
    src = open(os.path.join(content.WWW, "dash", asset, "manifest.mpd")).read()
    i = src.index("<Period")
    src = src[:i] + f"<BaseURL>https://{cdn}/dash/{asset}/</BaseURL>\n\t" + src[i:]
    with open(os.path.join(d, "manifest.mpd"), "w") as f:
        f.write(src)


def domains_of(hosts, cnames=()):
    return sorted({N.parent(h) for h in list(hosts) + [a for a, _ in cnames]})


def save(path, sessions):
    with open(path, "w") as f:
        json.dump(sessions, f, indent=1)
