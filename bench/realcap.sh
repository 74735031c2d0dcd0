#!/usr/bin/env bash
# Makes real-1500.pcap, the real capture the speed figures in README.md
# use: curl downloading one 1.5 GB file from nginx across a veth pair of
# two network namespaces (MTU 1500, TSO/GSO/GRO off, so the capture holds
# wire-sized 1448-byte segments), captured by tcpdump at the client.
# About 1.06 million packets, 1.59 GB. Needs root, nginx, curl, tcpdump,
# ethtool; touches nothing outside the namespaces it makes and removes.
#
# Usage: sudo bench/realcap.sh [OUT]   (default /tmp/real-1500.pcap; SIZE=BYTES for
# another file size)
set -euo pipefail
out=${1:-/tmp/real-1500.pcap}
work=$(mktemp -d "${TMPDIR:-/tmp}/segscope-realcap.XXXXXX")
cs=segrc-c ss=segrc-s
cleanup() {
	[[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	ip netns del "$cs" 2>/dev/null || true
	ip netns del "$ss" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ss"
ip netns add "$cs"
ip link add segrc-s0 type veth peer name segrc-c0
ip link set segrc-s0 netns "$ss"
ip link set segrc-c0 netns "$cs"
ip -n "$ss" addr add 10.219.0.1/24 dev segrc-s0
ip -n "$cs" addr add 10.219.0.2/24 dev segrc-c0
for p in "$ss segrc-s0" "$cs segrc-c0"; do
	set -- $p
	ip -n "$1" link set "$2" mtu 1500 up
	ip -n "$1" link set lo up
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null
done

chmod 755 "$work" # nginx's workers run as another user
mkdir -p "$work/www" "$work/tmp"
head -c "${SIZE:-1500000000}" /dev/urandom >"$work/www/big.bin"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 64; }
http {
  sendfile on; tcp_nopush on; access_log off;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi; uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
  types { application/octet-stream bin; }
  server { listen 10.219.0.1:8080; root $work/www; }
}
CONF
ip netns exec "$ss" nginx -c "$work/nginx.conf"

rm -f "$out"
# A 1 MiB kernel buffer keeps up at this rate (64 KiB dropped 40%).
ip netns exec "$cs" tcpdump -i segrc-c0 -s 0 -B 1048576 -w "$out" tcp port 8080 2>"$work/tcpdump.err" &
td=$!
# tcpdump creates the file once it captures (seconds, here): wait for it.
for _ in $(seq 100); do [[ -e $out ]] && break; sleep 0.2; done
[[ -e $out ]] || { echo "tcpdump did not start" >&2; exit 1; }
sleep 0.5
ip netns exec "$cs" curl -sS -f -o /dev/null http://10.219.0.1:8080/big.bin
# tcpdump drops what its buffer still holds on SIGINT (not counted as
# drops): wait until the file stops growing.
prev=-1
while s=$(stat -c %s "$out"); [[ $s != "$prev" ]]; do prev=$s; sleep 2; done
kill -INT "$td"
wait "$td" || true
cat "$work/tcpdump.err" >&2
grep -q '^0 packets dropped by kernel' "$work/tcpdump.err" || { echo "tcpdump dropped packets: capture again" >&2; exit 1; }
ls -l "$out"
