#!/usr/bin/env python3
"""Extract real TLS <= 1.2 server flights (up to the first Certificate) and
tshark's view of their first certificate, for tls::first_certificate and x509.

Writes to dataplane/tests/data/x509/:
  NAME.server_flight.bin  the server->client TCP payload from its first byte up
                          to the end of the TLS record that completes the first
                          Certificate handshake message;
  flights.tsv             per flight: SHA-256 of the first certificate's DER as
                          tshark extracts it (tls.handshake.certificate), its
                          subject CN(s) and SAN dNSNames as tshark decodes them.
Run from the repository root:  REAL=../shared/data/real scripts/extract-cert-vectors.py
"""
import hashlib, importlib.machinery, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
hello = importlib.machinery.SourceFileLoader("hello", os.path.join(here, "extract-hello-vectors.py")).load_module()

REAL = os.environ.get("REAL", "../shared/data/real")
OUT = "dataplane/tests/data/x509"

FLIGHTS = [
    # name, capture, tcp stream
    ("tls12_ja4_cl", f"{REAL}/suricata-verify/tests/ja4-cl-handshake/input.pcap", 0),
    ("tls12_noissuer", f"{REAL}/suricata-verify/tests/tls/tls-cert-noissuer/tls.pcap", 0),
    ("trex_https_tls10", f"{REAL}/trex/scripts/avl/https.pcap", 0),
    ("trex_cap2_https", f"{REAL}/trex/scripts/cap2/https.pcap", 0),
    ("samsung_tls10", f"{REAL}/suricata-verify/tests/tls/tls-pre-1970/input.pcap", 0),
    ("google_3segments", f"{REAL}/suricata-verify/tests/lua/lua-tlslib-02/input.pcap", 0),
]


def first_cert_fields(pcap, stream):
    cmd = ["tshark", "-r", pcap, "-Y", f"tcp.stream=={stream} && tls.handshake.type==11", "-T", "fields",
           "-E", "occurrence=f", "-e", "tls.handshake.certificate"]
    der = bytes.fromhex(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()[0].replace(":", ""))
    # Decode the DER alone (openssl), so CN/SAN come from the first certificate only.
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject", "-ext", "subjectAltName",
                           "-nameopt", "multiline,utf8"], input=der, capture_output=True, check=True).stdout.decode()
    cns = [l.split("=", 1)[1].strip() for l in text.splitlines() if l.strip().startswith("commonName")]
    sans = [p.strip()[4:] for l in text.splitlines() for p in l.split(",") if p.strip().startswith("DNS:")]
    return der, cns, sans


def main():
    rows = ["# name\tflight_bytes\tfirst_cert_sha256(tshark)\tsubject_cn(openssl)\tsan_dns(openssl)"]
    for name, pcap, stream in FLIGHTS:
        data = b"".join(hello.follow(pcap, stream)[1])
        cut = hello.cut_after_hello(data, 11)
        if cut is None:
            print(f"{name}: no complete Certificate", file=sys.stderr)
            continue
        with open(f"{OUT}/{name}.server_flight.bin", "wb") as fh:
            fh.write(data[:cut])
        der, cns, sans = first_cert_fields(pcap, stream)
        rows.append("\t".join([name, str(cut), hashlib.sha256(der).hexdigest(), ",".join(cns), ",".join(sans)]))
        print(f"{name}: {cut} bytes, cert {len(der)} bytes, CN {cns}, SAN {sans}", file=sys.stderr)
    with open(f"{OUT}/flights.tsv", "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
