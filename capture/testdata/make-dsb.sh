#!/bin/sh
# Rebuilds https-h2-dsb.pcapng: the HTTPS/HTTP/2 capture from pcaps/ as
# pcapng, with its TLS key log embedded in a Decryption Secrets Block by
# Wireshark's editcap (the way users ship captures that tshark decrypts on
# its own). Needs editcap (Debian: wireshark-common). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pcaps=$here/../../pcaps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gunzip -c "$pcaps/https-h2.pcap.gz" > "$tmp/in.pcap"
editcap -F pcapng "$tmp/in.pcap" "$tmp/in.pcapng"
editcap --inject-secrets "tls,$pcaps/https-h2.keys" "$tmp/in.pcapng" "$here/https-h2-dsb.pcapng"
