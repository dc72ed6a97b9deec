"""Servers in fm-srv: CA and certificates, DNS, nginx or caddy, sshd or
dropbear, vsftpd, chronyd (serving only, -x: never touches the clock) and an
aiohttp upload server.  The server set differs per split (see gen.py)."""
import hashlib
import os
import shutil
import subprocess

import names as N
from content import WWW
from topo import SRV, STATE, RESOLVERS_V4, RESOLVERS_V6

PKI = os.path.join(STATE, "pki")
RUN = os.path.join(STATE, "run")
LOG = os.path.join(STATE, "log")
SSHD = os.path.join(STATE, "ssh")
HOME = os.path.join(STATE, "home")
FTP = os.path.join(STATE, "ftp")
USER = "fmtraffic"
HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def ensure_ca():
    os.makedirs(PKI, exist_ok=True)
    if not os.path.exists(f"{PKI}/ca.pem"):
        sh(f"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           f"-keyout {PKI}/ca.key -out {PKI}/ca.pem -days 3650 "
           f"-subj '/C=US/O=Flowmark Test Trust Services/CN=Flowmark Test Root CA' "
           f"2>/dev/null")
    nss = os.path.join(STATE, "nsshome", ".pki", "nssdb")
    if not os.path.exists(os.path.join(nss, "cert9.db")):
        os.makedirs(nss, exist_ok=True)
        sh(f"certutil -d sql:{nss} -N --empty-password")
        sh(f"certutil -d sql:{nss} -A -t 'C,,' -n flowmark-ca -i {PKI}/ca.pem")


def cert_for(domain):
    """Certificate for domain and *.domain; key type varies by domain."""
    crt, key = f"{PKI}/{domain}.crt", f"{PKI}/{domain}.key"
    if os.path.exists(crt):
        return crt, key
    h = int(hashlib.sha256(domain.encode()).hexdigest(), 16)
    kt = ["-newkey rsa:2048", "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
          "-newkey ec -pkeyopt ec_paramgen_curve:P-384",
          "-newkey rsa:3072"][h % 4]
    org = ["Example Media Inc", "Contoso Ltd", "Fabrikam Hosting",
           "Northwind Networks", "Tailspin Edge"][h % 5]
    cnf = f"{PKI}/{domain}.cnf"
    with open(cnf, "w") as f:
        f.write(f"[req]\ndistinguished_name=dn\n[dn]\n[ext]\n"
                f"subjectAltName=DNS:{domain},DNS:*.{domain}\n"
                f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                f"extendedKeyUsage=serverAuth\n")
    sh(f"openssl req -new {kt} -nodes -keyout {key} -out {crt}.csr "
       f"-subj '/C=US/O={org}/CN=*.{domain}' -config {cnf} 2>/dev/null")
    sh(f"openssl x509 -req -in {crt}.csr -CA {PKI}/ca.pem -CAkey {PKI}/ca.key "
       f"-CAcreateserial -out {crt} -days {[90, 365, 397][h % 3]} "
       f"-extfile {cnf} -extensions ext 2>/dev/null")
    with open(crt, "a") as f, open(f"{PKI}/ca.pem") as ca:
        f.write(ca.read())  # serve the chain like a real site would
    return crt, key


def ensure_user():
    if subprocess.run(f"id {USER}", shell=True, capture_output=True).returncode:
        sh(f"useradd -r -M -d {HOME} -s /bin/bash {USER}")
    os.makedirs(f"{HOME}/.ssh", exist_ok=True)
    os.makedirs(f"{HOME}/up", exist_ok=True)
    os.makedirs(SSHD, exist_ok=True)
    if not os.path.exists(f"{SSHD}/client_ed25519"):
        sh(f"ssh-keygen -q -t ed25519 -N '' -f {SSHD}/client_ed25519")
        sh(f"ssh-keygen -q -t rsa -b 3072 -N '' -f {SSHD}/client_rsa")
        for t in ("ed25519", "rsa", "ecdsa"):
            sh(f"ssh-keygen -q -t {t} -N '' -f {SSHD}/host_{t}")
        sh(f"dropbearkey -t ed25519 -f {SSHD}/db_host_ed25519 >/dev/null 2>&1")
        sh(f"dropbearkey -t rsa -s 3072 -f {SSHD}/db_host_rsa >/dev/null 2>&1")
        sh(f"dropbearconvert openssh dropbear {SSHD}/client_ed25519 "
           f"{SSHD}/client_ed25519.db >/dev/null 2>&1")
    with open(f"{HOME}/.ssh/authorized_keys", "w") as f:
        for k in ("client_ed25519", "client_rsa"):
            f.write(open(f"{SSHD}/{k}.pub").read())
    # files for scp/sftp/rsync pulls and for the shell sessions to look at
    for mb in (2, 4, 8, 16, 32):
        p = f"{HOME}/data{mb}m.bin"
        if not os.path.exists(p):
            sh(f"head -c {mb}M /dev/urandom > {p}")
    os.makedirs(f"{HOME}/project/src", exist_ok=True)
    for i in range(12):
        p = f"{HOME}/project/src/mod{i}.c"
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.write("".join(f"int f{i}_{j}(int x) {{ return x * {j} + {i}; }}\n"
                                for j in range(40 + 7 * i)))
    with open(f"{HOME}/notes.txt", "w") as f:
        f.write("todo: rotate logs\nbackup at 02:00\n" * 30)
    sh(f"chown -R {USER}: {HOME} && chmod 755 {HOME} && chmod 700 {HOME}/.ssh "
       f"&& chmod 600 {HOME}/.ssh/authorized_keys")
    os.makedirs(FTP, exist_ok=True)
    for mb in (2, 5, 10, 20):
        p = f"{FTP}/pub-{mb}m.tar.gz"
        if not os.path.exists(p):
            sh(f"head -c {mb}M /dev/urandom > {p}")
    sh(f"chmod 755 {FTP}; chown root: {FTP}")


def write_dns(hosts, cnames, ttl=60):
    os.makedirs(os.path.join(STATE, "dns"), exist_ok=True)
    with open(os.path.join(STATE, "dns", "hosts"), "w") as f:
        for name, (v4, v6) in sorted(hosts.items()):
            f.write(f"{v4} {name}\n{v6} {name}\n")
    return [f"--cname={a},{t}" for a, t in cnames]


def nginx_conf(domains):
    os.makedirs(RUN, exist_ok=True)
    os.makedirs(LOG, exist_ok=True)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(f"{STATE}/nginx-tmp/{d}", exist_ok=True)
    sh(f"chown -R www-data: {STATE}/nginx-tmp")
    dcrt, dkey = cert_for("localdomain.test")
    common = f"""
        root {WWW};
        location /up/ {{ dav_methods PUT; create_full_put_path on;
                        dav_access user:rw group:r all:r; }}
        location ~ \\.m4s$ {{ types {{ }} default_type video/iso.segment; }}
        location ~ \\.mpd$ {{ types {{ }} default_type application/dash+xml; }}
"""
    servers = [f"""
    server {{
        listen 443 ssl http2 default_server; listen [::]:443 ssl http2 default_server;
        listen 8443 ssl http2 default_server; listen [::]:8443 ssl http2 default_server;
        listen 80 default_server; listen [::]:80 default_server;
        server_name _;
        ssl_certificate {dcrt}; ssl_certificate_key {dkey};
        {common}
    }}"""]
    for dom in sorted(domains):
        crt, key = cert_for(dom)
        h = int(hashlib.sha256(dom.encode()).hexdigest(), 16)
        ka = [4, 10, 20, 65, 75][h % 5]
        servers.append(f"""
    server {{
        listen 443 ssl http2; listen [::]:443 ssl http2;
        listen 8443 ssl http2; listen [::]:8443 ssl http2;
        listen 80; listen [::]:80;
        server_name .{dom};
        ssl_certificate {crt}; ssl_certificate_key {key};
        keepalive_timeout {ka}s;
        {common}
    }}""")
    conf = f"""
worker_processes 1;
pid {RUN}/nginx.pid;
error_log {LOG}/nginx.err warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on; tcp_nopush on;
    client_max_body_size 512m;
    client_body_temp_path {STATE}/nginx-tmp/body;
    proxy_temp_path {STATE}/nginx-tmp/proxy;
    fastcgi_temp_path {STATE}/nginx-tmp/fastcgi;
    uwsgi_temp_path {STATE}/nginx-tmp/uwsgi;
    scgi_temp_path {STATE}/nginx-tmp/scgi;
    server_names_hash_bucket_size 128;
    server_names_hash_max_size 4096;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    add_header Access-Control-Allow-Origin * always;
    add_header Timing-Allow-Origin * always;
    {''.join(servers)}
}}
"""
    path = f"{STATE}/nginx.conf"
    with open(path, "w") as f:
        f.write(conf)
    return path


def caddy_conf(domains):
    os.makedirs(RUN, exist_ok=True)
    blocks = []
    for dom in sorted(domains):
        crt, key = cert_for(dom)
        blocks.append(f"""
{dom}:443, *.{dom}:443 {{
    tls {crt} {key}
    root * {WWW}
    header Access-Control-Allow-Origin *
    file_server
}}""")
    conf = f"""{{
    admin off
    auto_https off
    servers {{
        protocols h1 h2
    }}
}}
{''.join(blocks)}
"""
    path = f"{STATE}/Caddyfile"
    with open(path, "w") as f:
        f.write(conf)
    return path


def sshd_conf():
    os.makedirs("/run/sshd", exist_ok=True)
    path = f"{STATE}/sshd_config"
    with open(path, "w") as f:
        f.write(f"""Port 22
Port 2222
ListenAddress 0.0.0.0
ListenAddress ::
HostKey {SSHD}/host_ed25519
HostKey {SSHD}/host_ecdsa
HostKey {SSHD}/host_rsa
PidFile {RUN}/sshd.pid
AuthorizedKeysFile {HOME}/.ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers {USER}
MaxStartups 200:30:400
MaxSessions 100
UseDNS no
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
""")
    return path


def vsftpd_conf():
    os.makedirs("/var/run/vsftpd/empty", exist_ok=True)
    path = f"{STATE}/vsftpd.conf"
    with open(path, "w") as f:
        f.write(f"""listen=NO
listen_ipv6=YES
background=NO
anonymous_enable=YES
anon_root={FTP}
no_anon_password=YES
local_enable=NO
write_enable=NO
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=60999
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
xferlog_enable=NO
max_clients=200
max_per_ip=50
ftpd_banner=FTP server ready.
""")
    return path


class Servers:
    """Start the split's server set in fm-srv; stop() ends exactly these."""

    def __init__(self, split, domains, dnsargs):
        self.procs = []
        self.split = split
        log = open(os.path.join(LOG, f"servers-{split}.log"), "a")
        self.log = log

        def start(cmd, env=None):
            p = subprocess.Popen(f"exec ip netns exec {SRV} {cmd}", shell=True,
                                 stdout=log, stderr=log, env=env)
            self.procs.append(p)
            return p

        listen = ",".join(RESOLVERS_V4 + RESOLVERS_V6)
        start(f"dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts "
              f"--addn-hosts={STATE}/dns/hosts --listen-address={listen} "
              f"--bind-interfaces --local-ttl=30 --cache-size=0 "
              f"--pid-file={RUN}/dnsmasq.pid --address=/#/ " + " ".join(dnsargs))
        start(f"chronyd -x -d -f {self._chrony()}")
        start(f"/usr/sbin/vsftpd {vsftpd_conf()}")
        if split == "train":
            start(f"nginx -c {nginx_conf(domains)} -g 'daemon off;'")
            start(f"/usr/sbin/sshd -D -e -f {sshd_conf()}")
        else:
            env = dict(os.environ, XDG_DATA_HOME=f"{STATE}/caddy-data",
                       XDG_CONFIG_HOME=f"{STATE}/caddy-config", HOME=STATE)
            start(f"caddy run --adapter caddyfile --config {caddy_conf(domains)}",
                  env=env)
            start(f"dropbear -F -E -s -p 22 -p 2222 -r {SSHD}/db_host_ed25519 "
                  f"-r {SSHD}/db_host_rsa -P {RUN}/dropbear.pid")
            start(f"/usr/bin/python3 {HERE}/upload_server.py 8443 {PKI}")

    def _chrony(self):
        path = f"{STATE}/chrony.conf"
        with open(path, "w") as f:
            f.write(f"local stratum 3\nallow all\nport 123\ncmdport 0\n"
                    f"pidfile {RUN}/chronyd.pid\n")
        return path

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for pf in ("nginx.pid", "sshd.pid", "dnsmasq.pid", "dropbear.pid"):
            try:
                os.remove(os.path.join(RUN, pf))
            except FileNotFoundError:
                pass


def reset_uploads():
    shutil.rmtree(os.path.join(WWW, "up"), ignore_errors=True)
    os.makedirs(os.path.join(WWW, "up"), exist_ok=True)
    os.chmod(os.path.join(WWW, "up"), 0o777)
    shutil.rmtree(f"{HOME}/up", ignore_errors=True)
    os.makedirs(f"{HOME}/up", exist_ok=True)
    sh(f"chown {USER}: {HOME}/up")
