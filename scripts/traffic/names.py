"""Realistic service names, drawn per session.

The generator serves every class under host names a real network would show
for it (video from video-CDN domains, downloads from software-distribution
domains, pages from ordinary site names...), resolved by its own DNS and
certified by its own CA.  Many names per class and a fresh draw per session,
so no model can memorise one host name.  Domains are public knowledge of
well-known services; all traffic stays inside the generator's namespaces.
"""
import string

ADJ = ["blue", "quick", "green", "silver", "bright", "happy", "urban", "north",
       "open", "red", "little", "smart", "daily", "wild", "golden", "clear",
       "prime", "metro", "alpha", "true", "fresh", "civic", "lunar", "solar"]
NOUN = ["fox", "river", "garden", "market", "kitchen", "tribune", "planet",
        "harbor", "journal", "forge", "atlas", "post", "review", "studio",
        "travel", "books", "herald", "sport", "health", "recipes", "motors",
        "weather", "finance", "games", "science", "times", "library", "shop"]
TLD = ["com", "org", "net", "io", "de", "co.uk", "fr", "info", "news", "nl",
       "com.au", "es", "it", "ca"]

# third-party hosts a page typically pulls from
WEB_THIRD = ["fonts.gstatic.com", "fonts.googleapis.com", "cdnjs.cloudflare.com",
             "cdn.jsdelivr.net", "unpkg.com", "ajax.googleapis.com",
             "code.jquery.com", "stackpath.bootstrapcdn.com", "use.typekit.net",
             "static.cloudflareinsights.com", "www.googletagmanager.com",
             "connect.facebook.net", "platform.twitter.com", "maps.gstatic.com",
             "cdn.shopify.com", "assets.squarespace.com", "i.imgur.com",
             "upload.wikimedia.org", "pbs.twimg.com", "images.unsplash.com"]

CITIES = ["fra", "lhr", "ams", "cdg", "iad", "sjc", "nrt", "sin", "syd", "gru",
          "mad", "mil", "waw", "sto", "dfw", "ord", "lax", "hkg", "bom", "jnb"]

DL_HOSTS = ["download.mozilla.org", "archive.mozilla.org", "deb.debian.org",
            "security.debian.org", "cdn.kernel.org", "mirrors.kernel.org",
            "releases.ubuntu.com", "archive.ubuntu.com", "dl.google.com",
            "download.docker.com", "objects.githubusercontent.com",
            "codeload.github.com", "download.visualstudio.microsoft.com",
            "download.windowsupdate.com", "swcdn.apple.com",
            "updates.cdn-apple.com", "dl.fedoraproject.org",
            "download.opensuse.org", "files.pythonhosted.org",
            "registry.npmjs.org", "static.crates.io", "repo.maven.apache.org",
            "steamcdn-a.akamaihd.net", "download.qt.io", "ftp.gnu.org",
            "downloads.raspberrypi.org", "cdimage.debian.org",
            "dl-cdn.alpinelinux.org", "download.virtualbox.org",
            "get.videolan.org", "download.jetbrains.com"]
UPLOAD_HOSTS = ["content.dropboxapi.com", "www.googleapis.com",
                "graph.microsoft.com", "uploads.github.com", "upload.box.com",
                "s3.amazonaws.com", "storage.googleapis.com",
                "upload.wetransfer.com", "api.pcloud.com", "uploads.backblazeb2.com"]
FTP_HOSTS = ["ftp.gnu.org", "ftp.debian.org", "ftp.fau.de", "ftp.funet.fi",
             "ftp.uni-bayreuth.de", "ftp.heanet.ie", "ftp.acc.umu.se",
             "ftp.jaist.ac.jp", "ftp.belnet.be", "ftp.nluug.nl",
             "ftp.ntua.gr", "ftp.pbone.net"]
SSH_FILE_HOSTS = ["sftp.{w}.com", "files.{w}.net", "backup.{w}.org",
                  "storage.{w}.io", "nas.{w}.de", "transfer.{w}.com",
                  "rsync.{w}.org", "mirror.{w}.net"]
SSH_SHELL_HOSTS = ["ssh.{w}.net", "bastion.{w}.com", "shell.{w}.org",
                   "login.{w}.io", "dev{n}.{w}.com", "build{n}.{w}.net",
                   "vps{n}.{w}.de", "gw.{w}.cloud", "jump.{w}.com"]
RTC_HOSTS = ["{region}{n}.discord.media", "zoom{region}{n}mmr.cloud.zoom.us",
             "relay-{n}.teams.microsoft.com", "mcs{n}.webex.com",
             "turn{n}.{w}.com", "media{n}.meet.jit.si", "rtp{n}.{w}.voip.net",
             "sbc{n}.{w}-tel.com", "edge{n}.whereby.com",
             "media-{region}{n}.signal.org"]
NTP_HOSTS = ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org",
             "3.pool.ntp.org", "time.cloudflare.com", "ntp.ubuntu.com",
             "time.google.com", "0.debian.pool.ntp.org", "time.apple.com",
             "time.windows.com", "2.europe.pool.ntp.org", "ntp1.ptb.de"]


def _rs(rng, n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


def word(rng):
    return rng.choice(ADJ) + rng.choice(NOUN)


def web_site(rng):
    """A site: its main host and the hosts its pages pull objects from."""
    base = f"{word(rng)}.{rng.choice(TLD)}"
    own = rng.sample(["static", "img", "cdn", "assets", "media", "api", "js"],
                     rng.randint(1, 3))
    hosts = [f"{s}.{base}" for s in own]
    third = rng.sample(WEB_THIRD, rng.randint(0, 3))
    return {"main": f"www.{base}" if rng.random() < 0.8 else base,
            "own": hosts, "third": third,
            "api": f"api.{base}"}


def video_host(rng):
    k = rng.randrange(8)
    if k == 0:
        return f"rr{rng.randint(1, 9)}---sn-{_rs(rng, 8)}.googlevideo.com"
    if k == 1:
        return (f"ipv4-c{rng.randint(1, 199):03d}-{rng.choice(CITIES)}"
                f"{rng.randint(1, 9):03d}-ix.1.oca.nflxvideo.net")
    if k == 2:
        return f"vod-{_rs(rng, 6)}.akamaized.net"
    if k == 3:
        return (f"video-edge-{_rs(rng, 6, '0123456789abcdef')}."
                f"{rng.choice(CITIES)}{rng.randint(1, 9):02d}.abs.hls.ttvnw.net")
    if k == 4:
        return f"{rng.choice(['skyfire', 'vod-adaptive-ak', 'gcs-vimeo'])}.vimeocdn.com"
    if k == 5:
        return f"{rng.choice(['d', 'a', 's'])}{_rs(rng, 12)}.cloudfront.net"
    if k == 6:
        return f"proxy-{rng.randint(1, 99):02d}.{rng.choice(CITIES)}.dailymotion.com"
    return (f"{rng.choice(['vod', 'hls', 'dash'])}-{rng.choice(CITIES)}."
            f"media.dssott.com")


def video_manifest_host(rng):
    return rng.choice(["manifest.googlevideo.com", "www.youtube.com",
                       "occ-0-{}.1.nflxso.net".format(rng.randint(1, 999)),
                       "usher.ttvnw.net", "player.vimeo.com",
                       "vod-manifest.akamaized.net", "www.dailymotion.com",
                       "bamgrid.com", "atv-ps.amazon.com", "api.twitch.tv"])


def dl_host(rng):
    return rng.choice(DL_HOSTS)


def upload_host(rng):
    return rng.choice(UPLOAD_HOSTS)


def ftp_host(rng):
    return rng.choice(FTP_HOSTS)


def ssh_file_host(rng):
    return rng.choice(SSH_FILE_HOSTS).format(w=word(rng))


def ssh_shell_host(rng):
    return rng.choice(SSH_SHELL_HOSTS).format(w=word(rng), n=rng.randint(1, 40))


def rtc_host(rng):
    return rng.choice(RTC_HOSTS).format(w=word(rng), n=rng.randint(1, 60),
                                        region=rng.choice(CITIES))


def ntp_host(rng):
    return rng.choice(NTP_HOSTS)


def parent(name):
    """The domain a wildcard certificate must cover for this name."""
    parts = name.split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else name
