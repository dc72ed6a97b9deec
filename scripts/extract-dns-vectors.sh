#!/bin/sh
# Extract real DNS messages used as test vectors by dataplane/src/dns.rs.
# Run from the repository root; REAL points at the shared real-capture set.
set -eu
REAL=${REAL:-../shared/data/real}
OUT=dataplane/tests/data/dns
mkdir -p "$OUT"
one() { # name capture frame field
    tshark -r "$REAL/$2" -Y "frame.number==$3" -T fields -e "$4" | head -1 | tr -d ':\n' | xxd -r -p > "$OUT/$1.bin"
}
one query_a_clients2_google      suricata-verify/tests/base64-decode-5885/input.pcap 14 udp.payload
one resp_cname_clients2_google   suricata-verify/tests/base64-decode-5885/input.pcap 17 udp.payload
one query_a_windowsupdate        suricata-verify/tests/tls/tls-subjectaltname/input.pcap 33 udp.payload
one resp_cname_chain_windowsupdate suricata-verify/tests/tls/tls-subjectaltname/input.pcap 34 udp.payload
one resp_edns_suricata_io        suricata-verify/tests/dns/dns-frames/input.pcap 12 udp.payload
one resp_txt_tunnel              suricata-verify/tests/dns/bug-1158/input.pcap 2 udp.payload
# DNS over TCP: the segment carries a 2-byte length prefix, kept here.
tshark -r "$REAL/suricata-verify/tests/dns/dns-tcp-www-google-com/dns.pcap" -Y 'dns.flags.response==1' \
    -T fields -e tcp.payload | head -1 | tr -d ':\n' | xxd -r -p > "$OUT/tcp_resp_www_google.bin"
ls -l "$OUT"
