"""Content the servers publish: web objects, HLS/DASH ladders, download files.

Built once into STATE/www (cached between runs; a stamp file records the
version).  Per-session files (pages, playlists) are written by the planner.
"""
import json
import os
import random
import subprocess

from topo import STATE

WWW = os.path.join(STATE, "www")
VERSION = "4"

# bitrate ladder: (name, width, height, video kbit/s, audio kbit/s)
LADDER = [("v0", 256, 144, 300, 48), ("v1", 426, 240, 700, 64),
          ("v2", 640, 360, 1500, 96), ("v3", 854, 480, 3000, 128)]
# (asset, container, segment seconds, test pattern)
ASSETS = [("a1", "hls", 4, "testsrc2"), ("a2", "hls", 6, "smptebars"),
          ("d1", "dash", 2, "testsrc2"), ("d2", "dash", 5, "rgbtestsrc")]
DURATION = 96

DL_SIZES_MB = [3, 6, 12, 24, 48]


def _ffmpeg_hls(asset, segdur, pattern, r, outdir, quick):
    name, w, h, vk, ak = r
    dur = 40 if quick else DURATION
    fps = 25
    os.makedirs(outdir, exist_ok=True)
    cmd = (f"ffmpeg -nostdin -loglevel error -y -f lavfi -i "
           f"{pattern}=size={w}x{h}:rate={fps},noise=alls=12:allf=t "
           f"-f lavfi -i sine=frequency=440:sample_rate=48000 -t {dur} "
           f"-c:v libx264 -preset ultrafast -profile:v main -pix_fmt yuv420p "
           f"-b:v {vk}k -maxrate {vk}k -minrate {vk}k -bufsize {vk}k "
           f"-x264-params nal-hrd=cbr:force-cfr=1 -g {fps*segdur} "
           f"-keyint_min {fps*segdur} -sc_threshold 0 -c:a aac -b:a {ak}k -ac 2 "
           f"-f hls -hls_time {segdur} -hls_playlist_type vod "
           f"-hls_segment_filename {outdir}/seg%03d.ts {outdir}/index.m3u8")
    subprocess.run(cmd, shell=True, check=True)


def _ffmpeg_dash(asset, segdur, pattern, outdir, quick):
    dur = 40 if quick else DURATION
    fps = 25
    os.makedirs(outdir, exist_ok=True)
    n = len(LADDER)
    split = "".join(f"[s{i}]" for i in range(n))
    fc = f"[0:v]split={n}{split};" + ";".join(
        f"[s{i}]scale={w}:{h}[o{i}]" for i, (_, w, h, _, _) in enumerate(LADDER))
    maps = " ".join(f"-map [o{i}]" for i in range(n)) + " -map 1:a"
    rates = " ".join(
        f"-b:v:{i} {vk}k -maxrate:v:{i} {vk}k -minrate:v:{i} {vk}k -bufsize:v:{i} {vk}k"
        for i, (_, _, _, vk, _) in enumerate(LADDER))
    cmd = (f"ffmpeg -nostdin -loglevel error -y -f lavfi -i "
           f"{pattern}=size=854x480:rate={fps},noise=alls=14:allf=t "
           f"-f lavfi -i sine=frequency=330:sample_rate=48000 -t {dur} "
           f"-filter_complex '{fc}' {maps} -c:v libx264 -preset ultrafast "
           f"-profile:v main -pix_fmt yuv420p {rates} "
           f"-x264-params nal-hrd=cbr:force-cfr=1 -g {fps*segdur} "
           f"-keyint_min {fps*segdur} -sc_threshold 0 -c:a aac -b:a 96k -ac 2 "
           f"-f dash -seg_duration {segdur} -use_template 1 -use_timeline 0 "
           f"-init_seg_name 'init-$RepresentationID$.m4s' "
           f"-media_seg_name 'chunk-$RepresentationID$-$Number%05d$.m4s' "
           f"-adaptation_sets 'id=0,streams=v id=1,streams=a' "
           f"{outdir}/manifest.mpd")
    subprocess.run(cmd, shell=True, check=True)


def build(quick=False, seed=7):
    stamp = os.path.join(WWW, ".stamp")
    want = f"{VERSION} quick={quick}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return
    rng = random.Random(seed)
    subprocess.run(f"rm -rf {WWW}", shell=True, check=True)
    for d in ("obj", "api", "dl", "up", "s", "hls", "dash"):
        os.makedirs(os.path.join(WWW, d), exist_ok=True)
    os.chmod(os.path.join(WWW, "up"), 0o777)
    # web objects: sizes drawn log-normally, like the HTTP Archive's medians
    objs = []
    kinds = [("css", 9.5, 1.0), ("js", 10.5, 1.2), ("jpg", 10.3, 1.3),
             ("png", 9.0, 1.4), ("webp", 9.8, 1.1), ("woff2", 10.2, 0.5),
             ("svg", 7.5, 1.0)]
    for i in range(360):
        ext, mu, sg = kinds[i % len(kinds)]
        size = int(min(900_000, max(300, rng.lognormvariate(mu, sg))))
        fn = f"{i:04d}.{ext}"
        with open(os.path.join(WWW, "obj", fn), "wb") as f:
            if ext in ("css", "js", "svg"):
                # valid text so the browser does not choke; incompressible
                body = os.urandom(size * 3 // 4).hex()[:size]
                f.write(b"/*" + body.encode() + b"*/\n" if ext != "svg" else
                        b'<svg xmlns="http://www.w3.org/2000/svg"><!--'
                        + body.encode() + b"--></svg>")
            else:
                f.write(os.urandom(size))
        objs.append(fn)
    for i in range(60):
        size = int(min(60_000, max(80, rng.lognormvariate(7.5, 1.2))))
        with open(os.path.join(WWW, "api", f"{i:03d}.json"), "w") as f:
            json.dump({"items": [os.urandom(24).hex() for _ in range(max(1, size // 56))]}, f)
    for mb in DL_SIZES_MB if not quick else DL_SIZES_MB[:3]:
        subprocess.run(f"head -c {mb}M /dev/urandom > {WWW}/dl/blob{mb}m.bin",
                       shell=True, check=True)
    for asset, kind, segdur, pattern in ASSETS:
        if kind == "hls":
            for r in LADDER:
                _ffmpeg_hls(asset, segdur, pattern, r,
                            os.path.join(WWW, kind, asset, r[0]), quick)
        else:
            _ffmpeg_dash(asset, segdur, pattern,
                         os.path.join(WWW, kind, asset), quick)
    with open(os.path.join(WWW, "index.html"), "w") as f:
        f.write("<html><body>ok</body></html>\n")
    with open(stamp, "w") as f:
        f.write(want)


def object_list():
    return sorted(os.listdir(os.path.join(WWW, "obj")))


def obj_size(fn):
    return os.path.getsize(os.path.join(WWW, "obj", fn))
