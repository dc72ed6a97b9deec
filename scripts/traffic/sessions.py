"""Run one session's real client (and per-session server side) in its slot."""
import os
import pty
import random
import select
import shlex
import signal
import subprocess
import time

from topo import SRV, STATE

HERE = os.path.dirname(os.path.abspath(__file__))
CA = f"{STATE}/pki/ca.pem"
KEY = f"{STATE}/ssh/client_ed25519"
KEYDB = f"{STATE}/ssh/client_ed25519.db"
USER = "fmtraffic"
NODE_ENV = dict(os.environ, HOME=f"{STATE}/nsshome")


def run(slot, cmd, timeout, env=None, log=None):
    """Run cmd in the slot namespace; returns (rc, tail of output)."""
    full = f"ip netns exec {slot} {cmd}"
    try:
        r = subprocess.run(full, shell=True, capture_output=True, text=True,
                           timeout=timeout, env=env)
        out = (r.stdout + r.stderr)[-600:]
        if log:
            log.write(f"$ {cmd}\n{out}\nrc={r.returncode}\n")
        return r.returncode, out
    except subprocess.TimeoutExpired as e:
        if log:
            log.write(f"$ {cmd}\nTIMEOUT {timeout}s\n")
        return -9, "timeout"


def ssh_opts(s, client="openssh"):
    if client == "openssh":
        o = (f"-F /dev/null -i {KEY} -o StrictHostKeyChecking=no "
             f"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes")
        if s.get("cipher"):
            o += f" -c {s['cipher']}"
        return o
    return f"-y -y -i {KEYDB}"


def web(s, slot, log):
    if s["app"].startswith("chromium"):
        spec = dict(mode="web", http2=(s["app"] == "chromium-h2" and s["http2"]),
                    pages=[dict(url=p["url"], think_s=p["think_s"]) for p in s["pages"]])
        return run(slot, f"node {HERE}/browse.js {shlex.quote(__import__('json').dumps(spec))}",
                   timeout=240, env=NODE_ENV, log=log)
    rc = 0
    for p in s["pages"]:
        if s["app"] == "curl":
            ver = "--http2" if s["http2"] else "--http1.1"
            urls = " ".join(f"-o /dev/null {shlex.quote(u)}" for u in [p["url"]] + p["objects"])
            par = "--parallel --parallel-max 6" if random.random() < 0.5 else ""
            r, _ = run(slot, f"curl -sS {ver} {par} --cacert {CA} --max-time 60 {urls}",
                       timeout=90, log=log)
        else:  # wget with page requisites across hosts (HTTP/1.1)
            tmp = f"/tmp/fm-wget-{s['sid']}"
            r, _ = run(slot, f"wget -q -p -H -e robots=off --ca-certificate={CA} "
                       f"--timeout=30 --tries=1 -P {tmp} --delete-after {shlex.quote(p['url'])}",
                       timeout=120, log=log)
            subprocess.run(f"rm -rf {tmp}", shell=True)
        rc = rc or r
        time.sleep(p["think_s"])
    return rc, ""


def video(s, slot, log):
    spec = dict(mode="hls" if s["app"] == "hlsjs" else "dash", manifest=s["manifest"],
                duration_s=s["duration_s"], buffer_s=s["buffer_s"], http2=s["http2"])
    return run(slot, f"node {HERE}/browse.js {shlex.quote(__import__('json').dumps(spec))}",
               timeout=s["duration_s"] + 60, env=NODE_ENV, log=log)


def file_transfer(s, slot, log):
    app, host, rc = s["app"], s["host"], 0
    home = f"{STATE}/home"
    tmp = f"/tmp/fm-ft-{s['sid']}"
    os.makedirs(tmp, exist_ok=True)
    for k, op in enumerate(s["ops"]):
        mb, up = op["mb"], op["up"]
        src_local = f"{home}/data{mb}m.bin"
        remote = f"data{mb}m.bin"
        if app in ("scp", "scp-dropbear"):
            o = ssh_opts(s)
            if up:
                cmd = f"scp -q {o} -P {s['port']} {src_local} {USER}@{host}:up/{s['sid']}-{k}.bin"
            else:
                cmd = f"scp -q {o} -P {s['port']} {USER}@{host}:{remote} {tmp}/x"
        elif app == "sftp":
            o = ssh_opts(s)
            bf = f"{tmp}/batch"
            with open(bf, "w") as f:
                f.write(f"put {src_local} up/{s['sid']}-{k}.bin\n" if up else
                        f"ls -l\nget {remote} {tmp}/x\n")
            cmd = f"sftp -q {o} -P {s['port']} -b {bf} {USER}@{host}"
        elif app in ("rsync-ssh", "rsync-dbclient"):
            e = (f"ssh {ssh_opts(s)} -p {s['port']}" if app == "rsync-ssh"
                 else f"dbclient {ssh_opts(s, 'dropbear')} -p {s['port']}")
            z = "-z" if random.random() < 0.3 else ""
            if up:
                cmd = f"rsync -a {z} -e {shlex.quote(e)} {src_local} {USER}@{host}:up/{s['sid']}-{k}.bin"
            else:
                cmd = f"rsync -a {z} -e {shlex.quote(e)} {USER}@{host}:{remote} {tmp}/x{k}"
        elif app == "curl-https-get":
            cmd = f"curl -sS --cacert {CA} -o /dev/null https://{host}/dl/blob{mb}m.bin"
        elif app == "curl-http-get":
            cmd = f"curl -sS -o /dev/null http://{host}/dl/blob{mb}m.bin"
        elif app == "wget-https-get":
            cmd = f"wget -q --ca-certificate={CA} -O /dev/null https://{host}/dl/blob{mb}m.bin"
        elif app == "curl-https-put":
            cmd = f"curl -sS --cacert {CA} -o /dev/null -T {src_local} https://{host}/up/{s['sid']}-{k}.bin"
        elif app == "aiohttp-put":
            py = ("import aiohttp,asyncio,ssl,sys\n"
                  "async def m():\n"
                  f" c=ssl.create_default_context(cafile='{CA}')\n"
                  " async with aiohttp.ClientSession() as s:\n"
                  f"  with open('{src_local}','rb') as f:\n"
                  f"   async with s.put('https://{host}:8443/upload/{s['sid']}-{k}',data=f,ssl=c) as r: print(r.status)\n"
                  "asyncio.run(m())\n")
            with open(f"{tmp}/up.py", "w") as f:
                f.write(py)
            cmd = f"/usr/bin/python3 {tmp}/up.py"
        elif app == "curl-ftp":
            cmd = f"curl -sS -o /dev/null ftp://{host}/pub-{mb}m.tar.gz"
        elif app == "lftp-ftp":
            cmd = (f"lftp -c {shlex.quote(f'set net:max-retries 1; set net:timeout 20; set xfer:clobber on; open ftp://{host}; get pub-{mb}m.tar.gz -o {tmp}/x{k}')}")
        else:
            raise ValueError(app)
        r, _ = run(slot, cmd, timeout=120, log=log)
        rc = rc or r
        time.sleep(op["pause_s"])
    subprocess.run(f"rm -rf {tmp}", shell=True)
    return rc, ""


COMMANDS = ["ls", "ls -la", "cd project/src", "ls -l", "wc -l *.c",
            "grep -n return mod3.c | head -20", "cat mod1.c | head -30", "cd",
            "df -h", "uptime", "free -m", "ps aux | head -15", "whoami", "date",
            "tail -n 12 notes.txt", "echo $((RANDOM % 100))", "uname -a",
            "top -b -n 1 | head -12", "history | tail -5", "ls -la /etc | head -20",
            "cat /proc/loadavg", "du -sh project", "id", "pwd", "env | sort | head -8"]


def interactive(s, slot, log):
    rng = random.Random(s["typing_seed"])
    if s["app"] == "openssh":
        argv = ["ip", "netns", "exec", slot, "ssh", "-tt"] + ssh_opts(s).split() + [
            "-p", str(s["port"]), f"{USER}@{s['host']}"]
    else:
        argv = ["ip", "netns", "exec", slot, "dbclient", "-t"] + ssh_opts(s, "dropbear").split() + [
            "-p", str(s["port"]), f"{USER}@{s['host']}"]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    got = bytearray()

    def pause(t):
        end = time.monotonic() + t
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    b = os.read(fd, 65536)
                except OSError:
                    return
                if not b:
                    return
                got.extend(b[-2000:])

    def key_delay():
        return rng.lognormvariate(0, 0.45) * s["key_median_ms"] / 1000.0

    pause(3.0)
    cmds = [rng.choice(COMMANDS) for _ in range(s["ncmds"])]
    if rng.random() < 0.5:
        cmds.insert(rng.randrange(len(cmds)), "LESS")
    for c in cmds:
        if c == "LESS":
            for ch in "less notes.txt\r":
                os.write(fd, ch.encode())
                pause(key_delay())
            pause(rng.uniform(0.8, 2))
            for _ in range(rng.randint(2, 6)):
                os.write(fd, rng.choice([" ", "j", "j", "k"]).encode())
                pause(rng.uniform(0.3, 1.5))
            os.write(fd, b"q")
            pause(rng.lognormvariate(0, 0.6) * s["think_median_s"])
            continue
        for ch in c:
            if rng.random() < 0.04:  # typo and correction
                os.write(fd, rng.choice("asdfjkl").encode())
                pause(key_delay())
                os.write(fd, b"\x7f")
                pause(key_delay())
            os.write(fd, ch.encode())
            pause(key_delay())
        if rng.random() < 0.15:  # tab completion attempt
            os.write(fd, b"\t")
            pause(key_delay())
        os.write(fd, b"\r")
        pause(rng.lognormvariate(0, 0.6) * s["think_median_s"])
    for ch in "exit\r":
        os.write(fd, ch.encode())
        pause(key_delay())
    pause(1.0)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    if log:
        log.write(f"interactive output tail: {bytes(got[-300:])!r}\n")
    return 0, ""


def _gst_side(s, local_ip, local_port, peer_ip, peer_port, video):
    a = (f"audiotestsrc is-live=true wave={s['wave']} volume=0.3 ! audioconvert ! audioresample ! "
         f"opusenc bitrate={s['abitrate']} frame-size={s['frame_ms']} ! rtpopuspay pt=111 ! "
         f"udpsink host={peer_ip} port={peer_port} bind-address={local_ip} bind-port={local_port} sync=false")
    if video:
        a += (f" videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,"
              f"framerate={s['fps']}/1 ! videoconvert ! vp8enc deadline=1 cpu-used=8 "
              f"target-bitrate={s['vbitrate']*1000} keyframe-max-dist={s['fps']*3} ! "
              f"rtpvp8pay pt=96 mtu=1200 ! udpsink host={peer_ip} port={peer_port+2} "
              f"bind-address={local_ip} bind-port={local_port+2} sync=false")
    return f"timeout {s['duration_s']} gst-launch-1.0 -q {a}"


def _ffmpeg_side(s, local_ip, local_port, peer_ip, peer_port, video):
    host = f"[{peer_ip}]" if ":" in peer_ip else peer_ip
    d = s["duration_s"]

    def url(port, lport, extra=""):
        # bind the sender to the session's address so both directions share
        # one 5-tuple; quoted: the query string holds '&'
        return shlex.quote(f"rtp://{host}:{port}?localport={lport}&localaddr={local_ip}{extra}")

    if s["app"] == "ffmpeg-pcmu":
        pk = "&pkt_size=%d" % (12 + 8 * s["frame_ms"])
        a = (f"-re -f lavfi -i sine=frequency=300:sample_rate=8000 -t {d} -c:a pcm_mulaw "
             f"-ar 8000 -ac 1 -f rtp {url(peer_port, local_port, pk)}")
    else:
        a = (f"-re -f lavfi -i anoisesrc=color=pink:amplitude=0.2:sample_rate=48000 -t {d} "
             f"-c:a libopus -b:a {s['abitrate']} -frame_duration {s['frame_ms']} -application voip "
             f"-f rtp {url(peer_port, local_port)}")
    cmd = f"timeout {d + 5} ffmpeg -nostdin -loglevel error {a}"
    if video:
        v = (f"-re -f lavfi -i testsrc2=size=640x360:rate={s['fps']} -t {d} -c:v libx264 "
             f"-preset ultrafast -tune zerolatency -b:v {s['vbitrate']}k -g {s['fps']*2} "
             f"-f rtp {url(peer_port + 2, local_port + 2, '&pkt_size=1200')}")
        cmd = f"sh -c {shlex.quote(cmd + ' & timeout ' + str(d + 5) + ' ffmpeg -nostdin -loglevel error ' + v + '; wait')}"
    return cmd


def realtime(s, slot, log):
    run(slot, f"getent ahosts {s['host']}", timeout=10, log=log)  # signalling lookup
    video = s["app"] in ("gst-opus-vp8", "ffmpeg-opus-h264")
    if s["app"].startswith("gst"):
        srv = _gst_side(s, s["server_ip"], s["sport"], s["client_ip"], s["cport"], video)
        cli = _gst_side(s, s["client_ip"], s["cport"], s["server_ip"], s["sport"], video)
    else:
        srv = _ffmpeg_side(s, s["server_ip"], s["sport"], s["client_ip"], s["cport"], video)
        cli = _ffmpeg_side(s, s["client_ip"], s["cport"], s["server_ip"], s["sport"], video)
    cp = subprocess.Popen(f"ip netns exec {slot} {cli}", shell=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(random.uniform(0.15, 0.6))
    sp = subprocess.Popen(f"ip netns exec {SRV} {srv}", shell=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, e1 = cp.communicate(timeout=s["duration_s"] + 20)
        _, e2 = sp.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        cp.kill()
        sp.kill()
        return -9, "timeout"
    if log:
        log.write(f"$ {cli}\n{e1[-300:]!r}\n$ {srv}\n{e2[-300:]!r}\n")
    return 0, ""


def other(s, slot, log):
    pid = f"/tmp/fm-chrony-{s['sid']}.pid"
    cmd = (f"timeout 25 chronyd -Q -t 20 -f /dev/null 'pidfile {pid}' 'cmdport 0' "
           f"'server {s['host']} iburst maxsamples 6'")
    return run(slot, cmd, timeout=40, log=log)


RUNNERS = dict(web=web, video=video, file_transfer=file_transfer,
               interactive=interactive, realtime=realtime, other=other)
