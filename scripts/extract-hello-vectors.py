#!/usr/bin/env python3
"""Extract real TLS hello test vectors (and tshark's view of them) from captures.

Writes, for each (capture, tcp stream) listed below:
  NAME.client.bin  the client->server TCP payload from its first byte up to the end
                   of the TLS record that completes the first ClientHello;
  NAME.server.bin  the same for the server direction and the first ServerHello;
  expected.tsv     one line per vector with the segment sizes as captured and the
                   fields tshark decodes from that hello, plus a JA4 computed here in
                   Python from tshark's fields (independent of the Rust code).
Run from the repository root:  scripts/extract-hello-vectors.py
"""
import hashlib, os, subprocess, sys

REAL = os.environ.get("REAL", "../shared/data/real")
DEMO = os.environ.get("DEMO", "data/demo/demo.pcap")
OUT = "dataplane/tests/data/tls"

VECTORS = [
    # name, capture, tcp stream
    ("curl_openssl3_tls13", DEMO, 0),
    ("chrome_mlkem_googlevideo", f"{REAL}/suricata-verify/tests/tls/tls-fin-close-data-01/debug-s13.pcap", 0),
    ("google_3segments", f"{REAL}/suricata-verify/tests/lua/lua-tlslib-02/input.pcap", 0),
    ("chrome_grease_viglink", f"{REAL}/suricata-verify/tests/base64-decode-5885/input.pcap", 3),
    ("tls12_ja4_cl", f"{REAL}/suricata-verify/tests/ja4-cl-handshake/input.pcap", 0),
    ("trex_https_tls10", f"{REAL}/trex/scripts/avl/https.pcap", 0),
    ("trex_cap2_https", f"{REAL}/trex/scripts/cap2/https.pcap", 0),
    ("tls13_draft28", f"{REAL}/suricata-verify/tests/tls/tls13-draft28/tls13_draft28.pcap", 0),
    ("samsung_tls10", f"{REAL}/suricata-verify/tests/tls/tls-pre-1970/input.pcap", 0),
    ("hrr_ftp_nluug", f"{REAL}/suricata-verify/tests/bug-5758/input.pcap", 0),
    ("apple_alpn_icloud", f"{REAL}/suricata-verify/tests/tls-alpn-log-detect-02/input.pcap", 0),
    ("ipv6_dns_google", f"{REAL}/suricata-verify/tests/community-id-ipv6/input.pcap", 0),
    ("tls12_noissuer", f"{REAL}/suricata-verify/tests/tls/tls-cert-noissuer/tls.pcap", 0),
]

GREASE = {(b << 8) | b for b in range(0x0A, 0x100, 0x10)}


def follow(pcap, stream):
    out = subprocess.run(["tshark", "-r", pcap, "-q", "-z", f"follow,tcp,raw,{stream}"],
                         capture_output=True, text=True, check=True).stdout
    body = out.split("=" * 67)[1].splitlines()
    segs = {0: [], 1: []}
    for line in body:
        if not line or line.startswith(("Follow:", "Filter:", "Node ")):
            continue
        side = 1 if line.startswith("\t") else 0
        segs[side].append(bytes.fromhex(line.strip()))
    return segs


def cut_after_hello(data, hs_type):
    """Length of the prefix ending with the record that completes the first
    handshake message of hs_type, or None."""
    pos, hs = 0, b""
    while pos + 5 <= len(data):
        ctype, rlen = data[pos], int.from_bytes(data[pos + 3:pos + 5], "big")
        end = pos + 5 + rlen
        if end > len(data):
            return None
        if ctype == 22:
            hs += data[pos + 5:end]
            while len(hs) >= 4:
                mlen = int.from_bytes(hs[1:4], "big")
                if len(hs) < 4 + mlen:
                    break
                if hs[0] == hs_type:
                    return end
                hs = hs[4 + mlen:]
        pos = end
    return None


def fields(pcap, stream, hs_type):
    names = ["tls.handshake.version", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
             "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version",
             "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
             "tls.handshake.extensions_supported_group"]
    cmd = ["tshark", "-r", pcap, "-Y", f"tcp.stream=={stream} && tls.handshake.type=={hs_type}",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in names:
        cmd += ["-e", n]
    line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[0]
    vals = line.split("\t")
    f = dict(zip(names, vals))
    f["tls.handshake.sig_hash_alg"] = ",".join(sig_algs_ext13(pcap, stream, hs_type))
    return f


def sig_algs_ext13(pcap, stream, hs_type):
    """tshark's tls.handshake.sig_hash_alg also occurs inside delegated_credentials
    (0x0022); JA4 wants only the signature_algorithms extension (0x000d)."""
    import xml.etree.ElementTree as ET
    xml = subprocess.run(["tshark", "-r", pcap, "-Y", f"tcp.stream=={stream} && tls.handshake.type=={hs_type}",
                          "-T", "pdml"], capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(xml).find("packet")
    for ext in root.iter("field"):
        if not (ext.get("show") or "").startswith("Extension:"):
            continue
        types = [c.get("show") for c in ext if c.get("name") == "tls.handshake.extension.type"]
        if types and types[0] == "13":
            return [f.get("value") for f in ext.iter("field") if f.get("name") == "tls.handshake.sig_hash_alg"]
    return []


def ints(s):
    return [int(x, 16) for x in s.split(",") if x] if s else []


def ja4_from_fields(f):
    """JA4 per FoxIO's technical_details/JA4.md, from tshark's decoded fields."""
    ciphers = [c for c in ints(f["tls.handshake.ciphersuite"]) if c not in GREASE]
    exts = [int(e) for e in f["tls.handshake.extension.type"].split(",") if e]
    exts = [e for e in exts if e not in GREASE]
    sigs = [s for s in ints(f["tls.handshake.sig_hash_alg"]) if s not in GREASE]
    versions = [v for v in ints(f["tls.handshake.extensions.supported_version"]) if v not in GREASE]
    legacy = ints(f["tls.handshake.version"])[0]
    ver = max(versions) if versions else legacy
    vmap = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2",
            0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}
    sni = "d" if 0 in exts else "i"
    alpns = f["tls.handshake.extensions_alpn_str"].split(",") if f["tls.handshake.extensions_alpn_str"] else []
    if not alpns or not alpns[0]:
        alpn = "00"
    else:
        a = alpns[0].encode()
        ok = lambda b: chr(b).isascii() and chr(b).isalnum()
        alpn = chr(a[0]) + chr(a[-1]) if ok(a[0]) and ok(a[-1]) else a.hex()[0] + a.hex()[-1]
    a_part = f"t{vmap.get(ver, '00')}{sni}{min(len(ciphers), 99):02d}{min(len(exts), 99):02d}{alpn}"
    b_part = "000000000000" if not ciphers else hashlib.sha256(
        ",".join(f"{c:04x}" for c in sorted(ciphers)).encode()).hexdigest()[:12]
    ext_s = ",".join(f"{e:04x}" for e in sorted(exts) if e not in (0, 0x10))
    if sigs:
        ext_s += "_" + ",".join(f"{s:04x}" for s in sigs)
    c_part = "000000000000" if not [e for e in exts if e not in (0, 0x10)] else \
        hashlib.sha256(ext_s.encode()).hexdigest()[:12]
    return f"{a_part}_{b_part}_{c_part}", ciphers, exts, sigs, versions, legacy


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = ["# name\tdirection\tsegment_sizes\tlegacy_version\tciphers(no GREASE)\textensions(no GREASE)"
            "\tsig_algs\tsupported_versions\tsni\talpn\tja4(python, from tshark fields)"]
    for name, pcap, stream in VECTORS:
        segs = follow(pcap, stream)
        for side, hs_type, suffix in ((0, 1, "client"), (1, 2, "server")):
            data = b"".join(segs[side])
            cut = cut_after_hello(data, hs_type)
            if cut is None:
                print(f"{name}: no complete {suffix} hello", file=sys.stderr)
                continue
            with open(f"{OUT}/{name}.{suffix}.bin", "wb") as fh:
                fh.write(data[:cut])
            sizes, acc = [], 0
            for s in segs[side]:
                if acc >= cut:
                    break
                sizes.append(min(len(s), cut - acc))
                acc += len(s)
            f = fields(pcap, stream, hs_type)
            ja4, ciphers, exts, sigs, versions, legacy = ja4_from_fields(f)
            rows.append("\t".join([
                name, suffix, ",".join(map(str, sizes)), f"{legacy:04x}",
                ",".join(f"{c:04x}" for c in ciphers), ",".join(f"{e:04x}" for e in exts),
                ",".join(f"{s:04x}" for s in sigs), ",".join(f"{v:04x}" for v in versions),
                f["tls.handshake.extensions_server_name"], f["tls.handshake.extensions_alpn_str"],
                ja4 if suffix == "client" else "-"]))
            print(f"{name}.{suffix}: {cut} bytes in {len(sizes)} segment(s)", file=sys.stderr)
    with open(f"{OUT}/expected.tsv", "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
