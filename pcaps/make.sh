#!/usr/bin/env bash
# Regenerate the real test captures in pcaps/ (see pcaps/README.md).
#
#   sudo bash pcaps/make.sh [NAME...]     (NAME: capture name, e.g. h2-tls12; none = all)
#   bash pcaps/make.sh --list             (the names, in the order they are made)
#
# With names, only those captures are made: only their old outputs are
# deleted, only their rows of the README numbers table are rewritten, and the
# others (pinned by tests) stay byte for byte as they are.
#
# Real curl against real servers (nginx, pcaps/chunkserver), captured by
# tcpdump, each with the curl trace taken at the same time (two captures have
# no curl: lo-pipelined uses a python3 socket client, h2c-2streams the Go
# pcaps/h2client). All traffic stays
# on loopback inside network namespaces this script creates (segslo, segscli,
# segssrv); it deletes and recreates them, and on exit removes them together
# with every server, relay and tcpdump it started.
#
# Outputs (replaced for the selected names): pcaps/*.pcap, *.pcap.gz, *.pcapng,
# *.trace, *.keys (TLS key logs) and pcaps/expected/*.json (written by
# pcaps/expect.py from tshark). pcaps/tls/{cert,key}.pem are made once and reused.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
export PATH="/usr/local/go/bin:/usr/sbin:/sbin:$PATH"
export TZ=UTC LC_ALL=C   # curl --trace-time prints local time of day: make it UTC

die() { echo "make.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

# Every capture this script makes, in the order it makes them. A name is the
# capture's file name without .pcap/.pcapng/.gz; its trace is NAME.trace, its
# key log NAME.keys, its tshark numbers expected/NAME.pcap[ng].json.
ALL_NAMES=(
    lo-http lo-chunked any-sll2 nanosecond mixed-linktypes truncated lo-keepalive
    lo-pipelined lo-methods lo-upgrade h2c h2c-2streams ssl-buffer-1388 limit-rate
    limit-rate-curl8
    mtu1440-ts mtu1440-nots mtu1440-tso ipv6-mtu1460 snaplen96 raw-ip vlan-qinq
    https-tls13 https-tls12 https-h2
    h2-tls12 h2-tls12-curl8 h2-tls13-curl8 h2-tls13-curl8-all h2-tls13-dsb
    h2-chacha13 h1-chacha12 h1-aes128-12 go-tls13 resumed-tls12 resumed-tls13
    h2-tls13-snap200 h2-tls13-snap96 h2-tls13-notime cbc-tls12
    mtu1400-curl8 ipv6-mtu1280 python-server tbf-offloads-on notime-curl8 notime-curl788
    paced-chunked earlydata-tls13-curl8 earlydata-rejected
)
# captures made with curl 8 (CURL8 below)
CURL8_NAMES=(h2-tls12-curl8 h2-tls13-curl8 h2-tls13-curl8-all h2-tls13-dsb h2-tls13-snap200
    h2-tls13-snap96 mtu1400-curl8 python-server limit-rate-curl8 notime-curl8 earlydata-tls13-curl8)
declare -A SEL=()
if [ "${1:-}" = "--list" ]; then printf '%s\n' "${ALL_NAMES[@]}"; exit 0; fi
if [ $# -eq 0 ]; then
    for n in "${ALL_NAMES[@]}"; do SEL[$n]=1; done
else
    for n in "$@"; do
        n=$(basename "$n"); n=${n%.gz}; n=${n%.pcap}; n=${n%.pcapng}; n=${n%.trace}; n=${n%.keys}
        printf '%s\n' "${ALL_NAMES[@]}" | grep -qx -- "$n" || die "unknown capture '$n' (bash pcaps/make.sh --list)"
        SEL[$n]=1
    done
fi
# want NAME...: true if any of the NAMEs is being made in this run
want() { local n; for n in "$@"; do [ -n "${SEL[$n]:-}" ] && return 0; done; return 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: sudo bash pcaps/make.sh"
for t in tshark tcpdump nginx ethtool editcap mergecap capinfos curl python3 ip tc ss go gzip openssl; do
    command -v "$t" >/dev/null || die "missing $t (apt-get install tshark tcpdump nginx ethtool iproute2 curl python3 openssl; Go in /usr/local/go)"
done

NS_LO=segslo NS_CLI=segscli NS_SRV=segssrv
PORT=8080     # nginx
CPORT=8081    # chunkserver
H2CPORT=8082  # nginx, cleartext HTTP/2 (prior knowledge)
TLSPORT=8443  # nginx, HTTPS
TLS_DIR="$HERE/tls"   # self-signed cert + key for segscope.test, kept so reruns reuse them
# curl 8.14 (Debian bookworm-backports) beside the system's 7.88.1: .ci/install-curl8.sh puts
# a wrapper there. Only the curl 8 captures need it.
CURL8=${SEGSCOPE_CURL8:-/opt/segscope/curl-8.14/bin/curl}
if want "${CURL8_NAMES[@]}"; then
    "$CURL8" --version 2>/dev/null | grep -q '^curl 8\.14' ||
        die "curl 8.14 not found at $CURL8 (needed for ${CURL8_NAMES[*]}): run sudo bash .ci/install-curl8.sh, or set SEGSCOPE_CURL8"
fi
TMP=$(mktemp -d /tmp/segscope-pcaps.XXXXXX)
chmod 755 "$TMP"
PIDS=()

ns_del() {
    local ns pid
    for ns in "$@"; do
        if [ -e "/run/netns/$ns" ]; then
            # anything still running in our own namespace was started by us
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
}

cleanup() {
    set +e
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    ns_del $NS_LO $NS_CLI $NS_SRV
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers

# start_bg LOGFILE CMD...: run CMD in the background; its pid goes to BGPID.
start_bg() {
    local logf=$1; shift
    "$@" >"$logf" 2>&1 &
    BGPID=$!
    PIDS+=("$BGPID")
}

# stop_pid PID [SIGNAL]
stop_pid() {
    local pid=$1 sig=${2:-TERM} p keep=()
    kill -"$sig" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# wait_for CMD...: retry CMD for up to 10 s
wait_for() {
    local i
    for i in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "timed out waiting for: $*"
}

listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

# make_body FILE SIZE: deterministic, printable 64-byte lines.
make_body() {
    python3 - "$1" "$2" <<'EOF'
import sys, os
path, size = sys.argv[1], int(sys.argv[2])
name = os.path.basename(path)
alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
out = bytearray()
n = 0
while len(out) < size:
    head = "%s %08d " % (name, n)
    k = n % len(alpha)
    fill = (alpha[k:] + alpha[:k]) * 2
    out += (head + fill[:63 - len(head)] + "\n").encode()
    n += 1
open(path, "wb").write(bytes(out[:size]))
EOF
}

# start_nginx NS LISTEN... : nginx (Debian's binary, own config) in NS, pid in NGINX_PID.
# A LISTEN may carry parameters ("8443 ssl http2"); it waits for the first one's port.
# NGINX_EXTRA (optional) holds more server-level directives (TLS).
start_nginx() {
    local ns=$1; shift
    local dir="$TMP/nginx-$ns-$RANDOM" l listens="" wport
    wport=${1%% *}; wport=${wport##*:}
    mkdir -p "$dir/tmp"
    for l in "$@"; do listens+="    listen $l;"$'\n'; done
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 5s;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
$listens    root $WWW;
    ${NGINX_EXTRA:-}
  }
}
EOF
    start_bg "$dir/stderr.log" ip netns exec "$ns" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    NGINX_PID=$BGPID
    wait_for listening "$ns" "$wport"
}

# tls_conf PROTOCOLS [MORE]: nginx directives for the self-signed segscope.test certificate
tls_conf() {
    echo "ssl_certificate $TLS_DIR/cert.pem; ssl_certificate_key $TLS_DIR/key.pem; ssl_protocols $1; ${2:-}"
}

# start_capture NS IFACE FILE [tcpdump options...]: pid in CAP_PID
start_capture() {
    local ns=$1 ifc=$2 file=$3; shift 3
    CAP_LOG="$TMP/tcpdump-$(basename "$file").log"
    start_bg "$CAP_LOG" ip netns exec "$ns" tcpdump -i "$ifc" -B 32768 --immediate-mode -Z root "$@" -w "$file"
    CAP_PID=$BGPID
    wait_for grep -q "listening on" "$CAP_LOG"
}

stop_capture() {
    sleep 0.5   # let the FIN/ACK exchange finish
    stop_pid "$CAP_PID" INT
    grep -E "captured|dropped" "$CAP_LOG" | tr '\n' ' '; echo
    grep -q "^0 packets dropped by kernel" "$CAP_LOG" || echo "warning: tcpdump dropped packets" >&2
}

# fetch NS TRACEFILE TRACEMODE URL OUT [URL OUT...]
# CURL (default curl, the system's 7.88.1) and TRACE_TIME (default --trace-time; empty for
# none) may be set for one call (VAR=value fetch ...); CURL_OPTS, an array, adds options
# (set it before the call and empty it after: bash can not pass an array that way).
fetch() {
    local ns=$1 trace=$2 mode=$3; shift 3
    local args=() tt=${TRACE_TIME---trace-time}
    while [ $# -gt 0 ]; do args+=("$1" -o "$2"); shift 2; done
    ip netns exec "$ns" "${CURL:-curl}" -sS -g --max-time 60 $tt "${CURL_OPTS[@]}" "$mode" "$trace" "${args[@]}"
}
CURL_OPTS=()

expect() {  # expect CAPTURE [--body PATH=FILE...]
    local cap=$1; shift
    local name; name=$(basename "$cap"); name=${name%.gz}
    python3 "$HERE/expect.py" "$cap" "$HERE/expected/$name.json" "$@"
}

same() { cmp -s "$1" "$2" || die "body mismatch: $1 vs $2"; }

# pair_setup MTU: fresh segscli/segssrv joined by veth vc (10.200.1.2) <-> vs (10.200.1.1)
pair_setup() {
    local mtu=$1 ns
    ns_del $NS_CLI $NS_SRV
    ip netns add $NS_CLI
    ip netns add $NS_SRV
    for ns in $NS_CLI $NS_SRV; do ip -n $ns link set lo up; done
    ip -n $NS_CLI link add vc address 02:00:0a:c8:01:02 type veth peer name vs netns $NS_SRV address 02:00:0a:c8:01:01
    ip -n $NS_CLI link set vc mtu "$mtu"
    ip -n $NS_SRV link set vs mtu "$mtu"
}

pair_ipv4() {
    local ns
    for ns in $NS_CLI $NS_SRV; do
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n $NS_CLI addr add 10.200.1.2/24 dev vc
    ip -n $NS_SRV addr add 10.200.1.1/24 dev vs
    ip -n $NS_CLI link set vc up
    ip -n $NS_SRV link set vs up
}

offloads() {  # offloads on|off
    ip netns exec $NS_CLI ethtool -K vc tso "$1" gso "$1" gro "$1"
    ip netns exec $NS_SRV ethtool -K vs tso "$1" gso "$1" gro "$1"
}

pace() { ip netns exec $NS_SRV tc qdisc add dev vs root tbf rate 20mbit burst 32kbit latency 400ms; }

# ---------------------------------------------------------------- setup

log "cleaning old outputs of: ${!SEL[*]}"
ns_del $NS_LO $NS_CLI $NS_SRV
for n in "${!SEL[@]}"; do
    for ext in pcap pcap.gz pcapng pcapng.gz trace keys; do rm -f "$HERE/$n.$ext"; done
    rm -f "$HERE/expected/$n.pcap.json" "$HERE/expected/$n.pcapng.json"
done
mkdir -p "$HERE/expected"

WWW="$TMP/www"
OUT="$TMP/out"
mkdir -p "$WWW" "$OUT"
make_body "$WWW/1m.bin" 1048576
make_body "$WWW/100k.bin" 102400
make_body "$WWW/32k.bin" 32768
make_body "$WWW/256k.bin" 262144
make_body "$WWW/small.txt" 256
chmod 644 "$WWW"/*

if [ ! -s "$TLS_DIR/cert.pem" ] || [ ! -s "$TLS_DIR/key.pem" ]; then
    log "making the self-signed certificate in $TLS_DIR"
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=segscope.test \
        -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
fi

log "building chunkserver"
if ! (cd "$REPO" && go build -o "$TMP/chunkserver" ./pcaps/chunkserver); then
    # the module may be mid-edit by someone else: build the file on its own
    mkdir -p "$TMP/csbuild"
    cp "$HERE/chunkserver/main.go" "$TMP/csbuild/"
    printf 'module chunkserver\n\ngo 1.21\n' >"$TMP/csbuild/go.mod"
    (cd "$TMP/csbuild" && GOFLAGS=-mod=mod go build -o "$TMP/chunkserver" .)
fi
if want h2c-2streams; then
log "building h2client"
if ! (cd "$REPO" && go build -o "$TMP/h2client" ./pcaps/h2client); then
    mkdir -p "$TMP/h2build"
    cp "$HERE/h2client/main.go" "$TMP/h2build/"
    printf 'module h2client\n\ngo 1.24\n' >"$TMP/h2build/go.mod"
    (cd "$TMP/h2build" && GOFLAGS=-mod=mod go build -o "$TMP/h2client" .)
fi
fi
if want go-tls13; then
log "building tlsserver"
if ! (cd "$REPO" && go build -o "$TMP/tlsserver" ./pcaps/tlsserver); then
    mkdir -p "$TMP/tsbuild"
    cp "$HERE/tlsserver/main.go" "$TMP/tsbuild/"
    printf 'module tlsserver\n\ngo 1.24\n' >"$TMP/tsbuild/go.mod"
    (cd "$TMP/tsbuild" && GOFLAGS=-mod=mod go build -o "$TMP/tlsserver" .)
fi
fi

# ---------------------------------------------------------------- loopback

LO_NAMES=(lo-http lo-chunked any-sll2 nanosecond mixed-linktypes truncated lo-keepalive lo-pipelined lo-methods lo-upgrade h2c h2c-2streams ssl-buffer-1388 limit-rate limit-rate-curl8)
if want "${LO_NAMES[@]}"; then
log "loopback namespace $NS_LO"
ip netns add $NS_LO
ip -n $NS_LO link set lo up
start_nginx $NS_LO "127.0.0.1:$PORT"
LO_NGINX=$NGINX_PID
start_bg "$TMP/chunkserver.log" ip netns exec $NS_LO "$TMP/chunkserver" -listen "127.0.0.1:$CPORT"
CHUNK_PID=$BGPID
wait_for listening $NS_LO $CPORT

if want lo-http; then
log "1. lo-http.pcap: loopback, 1 MB, unpaced"
start_capture $NS_LO lo "$HERE/lo-http.pcap" -s 0
fetch $NS_LO "$HERE/lo-http.trace" --trace-ascii "http://127.0.0.1:$PORT/1m.bin" "$OUT/lo-http.bin"
stop_capture
same "$OUT/lo-http.bin" "$WWW/1m.bin"
expect "$HERE/lo-http.pcap" --body "/1m.bin=$OUT/lo-http.bin"
fi

CHUNK_URL="http://127.0.0.1:$CPORT/chunked?n=20&size=1000&every=5ms"
if want lo-chunked; then
log "6. lo-chunked.pcap: loopback, Go chunkserver, chunked"
start_capture $NS_LO lo "$HERE/lo-chunked.pcap" -s 0
fetch $NS_LO "$HERE/lo-chunked.trace" --trace-ascii "$CHUNK_URL" "$OUT/lo-chunked.bin"
stop_capture
expect "$HERE/lo-chunked.pcap" --body "/chunked?n=20&size=1000&every=5ms=$OUT/lo-chunked.bin"
fi

if want any-sll2; then
log "7. any-sll2.pcap: tcpdump -i any (LINUX_SLL2), loopback, 100 KB"
start_capture $NS_LO any "$HERE/any-sll2.pcap" -s 0
fetch $NS_LO "$HERE/any-sll2.trace" --trace-ascii "http://127.0.0.1:$PORT/100k.bin" "$OUT/any-sll2.bin"
stop_capture
same "$OUT/any-sll2.bin" "$WWW/100k.bin"
expect "$HERE/any-sll2.pcap" --body "/100k.bin=$OUT/any-sll2.bin"
fi

if want nanosecond; then
log "11. nanosecond.pcap: loopback, --time-stamp-precision nano, 32 KB"
start_capture $NS_LO lo "$HERE/nanosecond.pcap" -s 0 --time-stamp-precision nano
fetch $NS_LO "$HERE/nanosecond.trace" --trace-ascii "http://127.0.0.1:$PORT/32k.bin" "$OUT/nanosecond.bin"
stop_capture
same "$OUT/nanosecond.bin" "$WWW/32k.bin"
magic=$(od -An -tx1 -N4 "$HERE/nanosecond.pcap" | tr -d ' ')
[ "$magic" = "4d3cb2a1" ] || die "nanosecond.pcap magic is $magic, want a1b23c4d (little-endian 4d3cb2a1)"
expect "$HERE/nanosecond.pcap" --body "/32k.bin=$OUT/nanosecond.bin"
fi

if want mixed-linktypes; then
log "10. mixed-linktypes.pcapng: mergecap of any-sll2.pcap (SLL2) + nanosecond.pcap (Ethernet)"
mergecap -F pcapng -w "$HERE/mixed-linktypes.pcapng" "$HERE/any-sll2.pcap" "$HERE/nanosecond.pcap"
# any-sll2 was captured first: mergecap orders by time, so the traces go in that order
cat "$HERE/any-sll2.trace" "$HERE/nanosecond.trace" >"$HERE/mixed-linktypes.trace"
# (the fetched bodies equal the served files, checked by "same" when they were made)
expect "$HERE/mixed-linktypes.pcapng" --body "/100k.bin=$WWW/100k.bin" --body "/32k.bin=$WWW/32k.bin"
fi

if want truncated; then
log "12a. truncated.pcap: lo-chunked.pcap cut inside a data packet"
cut=$(python3 - "$HERE/lo-chunked.pcap" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, recs = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<IIII", data[off:off + 16])[2]
    recs.append((off, incl))
    off += 16 + incl
# a data-carrying record (caplen > 200) past the middle of the file
big = [r for r in recs[len(recs) // 2:] if r[1] > 200]
start, incl = big[0]
print(start + 16 + incl // 2)   # half way into that packet, inside the TCP payload
EOF
)
head -c "$cut" "$HERE/lo-chunked.pcap" >"$HERE/truncated.pcap"
cp "$HERE/lo-chunked.trace" "$HERE/truncated.trace"
if [ ! -e "$OUT/lo-chunked.bin" ]; then   # lo-chunked not made in this run: the body is deterministic
    ip netns exec $NS_LO curl -sS -g --max-time 60 "$CHUNK_URL" -o "$OUT/lo-chunked.bin"
fi
expect "$HERE/truncated.pcap" --body "/chunked?n=20&size=1000&every=5ms=$OUT/lo-chunked.bin"
fi

if want lo-keepalive; then
log "13. lo-keepalive.pcap: loopback, three URLs on one connection"
start_capture $NS_LO lo "$HERE/lo-keepalive.pcap" -s 0
fetch $NS_LO "$HERE/lo-keepalive.trace" --trace \
    "http://127.0.0.1:$PORT/100k.bin" "$OUT/ka-100k.bin" \
    "http://127.0.0.1:$PORT/32k.bin" "$OUT/ka-32k.bin" \
    "http://127.0.0.1:$PORT/small.txt" "$OUT/ka-small.txt"
stop_capture
same "$OUT/ka-100k.bin" "$WWW/100k.bin"
same "$OUT/ka-32k.bin" "$WWW/32k.bin"
same "$OUT/ka-small.txt" "$WWW/small.txt"
expect "$HERE/lo-keepalive.pcap" --body "/100k.bin=$OUT/ka-100k.bin" \
    --body "/32k.bin=$OUT/ka-32k.bin" --body "/small.txt=$OUT/ka-small.txt"
fi

if want lo-pipelined; then
log "14. lo-pipelined.pcap: loopback, three requests in one write (HTTP/1.1 pipelining, python3 socket client)"
start_capture $NS_LO lo "$HERE/lo-pipelined.pcap" -s 0
ip netns exec $NS_LO python3 - 127.0.0.1 $PORT "$OUT/pipe" /32k.bin /small.txt /100k.bin <<'PIPELINE'
# All requests go out in one sendall() (one segment); the last one says
# Connection: close, so nginx closes after the third response and the client
# reads to EOF. Then it splits the responses by Content-Length.
import socket, sys
host, port, outp, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
reqs = b"".join(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: segscope-pipeline/1\r\nAccept: */*\r\n%s\r\n"
                 % (p, host, port, "Connection: close\r\n" if i == len(paths) - 1 else "")).encode()
                for i, p in enumerate(paths))
s = socket.create_connection((host, port))
s.sendall(reqs)
buf = b""
while True:
    d = s.recv(1 << 16)
    if not d:
        break
    buf += d
s.close()
for i, p in enumerate(paths):
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 200"), lines[0]
    n = int(next(l.split(":", 1)[1] for l in lines if l.lower().startswith("content-length:")))
    open("%s-%d" % (outp, i), "wb").write(rest[:n])
    buf = rest[n:]
    print("pipelined %s: %s, %d bytes" % (p, lines[0], n))
assert buf == b"", "trailing bytes"
PIPELINE
stop_capture
same "$OUT/pipe-0" "$WWW/32k.bin"
same "$OUT/pipe-1" "$WWW/small.txt"
same "$OUT/pipe-2" "$WWW/100k.bin"
expect "$HERE/lo-pipelined.pcap" --body "/32k.bin=$OUT/pipe-0" --body "/small.txt=$OUT/pipe-1" \
    --body "/100k.bin=$OUT/pipe-2"
fi

if want lo-methods; then
log "15. lo-methods.pcap: HEAD (nginx), then on one chunkserver connection: POST with 100-continue, 204, 200+ETag, 304, HTTP/1.0 close-delimited"
start_capture $NS_LO lo "$HERE/lo-methods.pcap" -s 0
rc=0
ip netns exec $NS_LO curl -sS -g --max-time 60 --trace-time --trace "$HERE/lo-methods.trace" \
    -I "http://127.0.0.1:$PORT/32k.bin" -o "$OUT/m-head.txt" \
    --next -sS -g --max-time 60 -H 'Expect: 100-continue' --data-binary "@$WWW/100k.bin" \
        "http://127.0.0.1:$CPORT/upload" -o "$OUT/m-upload.txt" \
    --next -sS -g --max-time 60 "http://127.0.0.1:$CPORT/nocontent" -o "$OUT/m-nocontent" \
    --next -sS -g --max-time 60 "http://127.0.0.1:$CPORT/notmodified" -o "$OUT/m-etag.txt" \
    --next -sS -g --max-time 60 -H 'If-None-Match: "x"' "http://127.0.0.1:$CPORT/notmodified" -o "$OUT/m-304" \
    --next -sS -g --max-time 60 --http1.0 "http://127.0.0.1:$CPORT/close?size=50000" -o "$OUT/m-close.bin" || rc=$?
stop_capture
echo "curl exit code $rc"
[ "$rc" -eq 0 ] || die "lo-methods: curl failed ($rc)"
[ "$(cat "$OUT/m-upload.txt")" = "102400" ] || die "lo-methods: upload answer $(cat "$OUT/m-upload.txt")"
[ "$(stat -c %s "$OUT/m-close.bin")" -eq 50000 ] || die "lo-methods: close-delimited body size"
expect "$HERE/lo-methods.pcap" --body "/upload=$OUT/m-upload.txt" --body "/notmodified=$OUT/m-etag.txt" \
    --body "/close?size=50000=$OUT/m-close.bin" --request-body "/upload=$WWW/100k.bin"
fi

if want lo-upgrade; then
log "16. lo-upgrade.pcap: 101 Switching Protocols (websocket), then 2000 raw bytes"
start_capture $NS_LO lo "$HERE/lo-upgrade.pcap" -s 0
rc=0
ip netns exec $NS_LO curl -sS -g --max-time 20 --trace-time --trace "$HERE/lo-upgrade.trace" \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' "http://127.0.0.1:$CPORT/upgrade" -o "$OUT/upgrade.bin" || rc=$?
stop_capture
echo "curl exit code $rc (upgrade)"
expect "$HERE/lo-upgrade.pcap" --body "/upgrade=$OUT/upgrade.bin"
fi

if want h2c; then
log "17. h2c.pcap: loopback, nginx cleartext HTTP/2, curl --http2-prior-knowledge with two URLs"
start_nginx $NS_LO "127.0.0.1:$H2CPORT http2"
H2_NGINX=$NGINX_PID
start_capture $NS_LO lo "$HERE/h2c.pcap" -s 0
rc=0
ip netns exec $NS_LO curl -sS -g --max-time 60 --trace-time --trace "$HERE/h2c.trace" --http2-prior-knowledge \
    "http://127.0.0.1:$H2CPORT/100k.bin" -o "$OUT/h2c-100k.bin" \
    "http://127.0.0.1:$H2CPORT/32k.bin" -o "$OUT/h2c-32k.bin" || rc=$?
stop_capture
# curl 7.88.1 fails the second URL with exit 16 (curl issue 10634): see README
echo "curl exit code $rc (h2c)"
same "$OUT/h2c-100k.bin" "$WWW/100k.bin"
if [ -e "$OUT/h2c-32k.bin" ]; then
    same "$OUT/h2c-32k.bin" "$WWW/32k.bin"
    expect "$HERE/h2c.pcap" --decode-as "tcp.port==$H2CPORT,http2" \
        --body "/100k.bin=$OUT/h2c-100k.bin" --body "/32k.bin=$OUT/h2c-32k.bin"
else
    expect "$HERE/h2c.pcap" --decode-as "tcp.port==$H2CPORT,http2" --body "/100k.bin=$OUT/h2c-100k.bin"
fi
fi

if want h2c-2streams; then
log "18. h2c-2streams.pcap: loopback, the same nginx, pcaps/h2client (Go) with two concurrent streams"
start_capture $NS_LO lo "$HERE/h2c-2streams.pcap" -s 0
ip netns exec $NS_LO "$TMP/h2client" "http://127.0.0.1:$H2CPORT/100k.bin" "$OUT/h2g-100k.bin" \
    "http://127.0.0.1:$H2CPORT/32k.bin" "$OUT/h2g-32k.bin"
stop_capture
stop_pid "$H2_NGINX"
same "$OUT/h2g-100k.bin" "$WWW/100k.bin"
same "$OUT/h2g-32k.bin" "$WWW/32k.bin"
expect "$HERE/h2c-2streams.pcap" --decode-as "tcp.port==$H2CPORT,http2" \
    --body "/100k.bin=$OUT/h2g-100k.bin" --body "/32k.bin=$OUT/h2g-32k.bin"
fi

if want ssl-buffer-1388; then
log "19. ssl-buffer-1388.pcap.gz: loopback, nginx TLS 1.3 with ssl_buffer_size 1388"
NGINX_EXTRA="$(tls_conf TLSv1.3 'ssl_buffer_size 1388;')" start_nginx $NS_LO "127.0.0.1:$TLSPORT ssl"
TLS_NGINX=$NGINX_PID
rm -f "$HERE/ssl-buffer-1388.keys"
start_capture $NS_LO lo "$TMP/ssl-buffer-1388.pcap" -s 0
SSLKEYLOGFILE="$HERE/ssl-buffer-1388.keys" ip netns exec $NS_LO curl -sS -g --max-time 60 --trace-time \
    --trace "$HERE/ssl-buffer-1388.trace" -k --resolve "segscope.test:$TLSPORT:127.0.0.1" \
    "https://segscope.test:$TLSPORT/100k.bin" -o "$OUT/sslbuf.bin"
stop_capture
stop_pid "$TLS_NGINX"
same "$OUT/sslbuf.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/ssl-buffer-1388.pcap" >"$HERE/ssl-buffer-1388.pcap.gz"
expect "$HERE/ssl-buffer-1388.pcap.gz" --keylog "$HERE/ssl-buffer-1388.keys" --body "/100k.bin=$OUT/sslbuf.bin"
fi

if want limit-rate; then
log "20. limit-rate.pcap.gz: loopback, curl --limit-rate 50k of 256 KB"
start_capture $NS_LO lo "$TMP/limit-rate.pcap" -s 0
# --trace-ascii: a hex trace of 256 KB would be 1.2 MB
ip netns exec $NS_LO curl -sS -g --max-time 60 --trace-time --trace-ascii "$HERE/limit-rate.trace" \
    --limit-rate 50k "http://127.0.0.1:$PORT/256k.bin" -o "$OUT/limit-rate.bin"
stop_capture
same "$OUT/limit-rate.bin" "$WWW/256k.bin"
gzip -9 -n -c "$TMP/limit-rate.pcap" >"$HERE/limit-rate.pcap.gz"
expect "$HERE/limit-rate.pcap.gz" --body "/256k.bin=$OUT/limit-rate.bin"
fi

if want limit-rate-curl8; then
log "20b. limit-rate-curl8.pcap.gz: loopback, curl 8.14 --limit-rate 50k of 256 KB"
start_capture $NS_LO lo "$TMP/limit-rate-curl8.pcap" -s 0
CURL_OPTS=(--limit-rate 50k)
CURL=$CURL8 fetch $NS_LO "$HERE/limit-rate-curl8.trace" --trace-ascii \
    "http://127.0.0.1:$PORT/256k.bin" "$OUT/limit-rate-curl8.bin"
CURL_OPTS=()
stop_capture
same "$OUT/limit-rate-curl8.bin" "$WWW/256k.bin"
gzip -9 -n -c "$TMP/limit-rate-curl8.pcap" >"$HERE/limit-rate-curl8.pcap.gz"
expect "$HERE/limit-rate-curl8.pcap.gz" --body "/256k.bin=$OUT/limit-rate-curl8.bin"
fi

stop_pid "$CHUNK_PID"
stop_pid "$LO_NGINX"
ns_del $NS_LO
fi  # loopback

# ---------------------------------------------------------------- veth pairs

if want mtu1440-ts; then
log "2. mtu1440-ts.pcap.gz: veth MTU 1440, offloads off, tbf 20mbit, timestamps on"
pair_setup 1440; pair_ipv4; offloads off; pace
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/mtu1440-ts.pcap" -s 0
fetch $NS_CLI "$HERE/mtu1440-ts.trace" --trace "http://10.200.1.1:$PORT/100k.bin" "$OUT/mtu1440-ts.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/mtu1440-ts.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/mtu1440-ts.pcap" >"$HERE/mtu1440-ts.pcap.gz"
expect "$HERE/mtu1440-ts.pcap.gz" --body "/100k.bin=$OUT/mtu1440-ts.bin"
fi

if want mtu1440-nots; then
log "3. mtu1440-nots.pcap.gz: same, net.ipv4.tcp_timestamps=0 in both namespaces"
pair_setup 1440; pair_ipv4; offloads off; pace
for ns in $NS_CLI $NS_SRV; do ip netns exec $ns sysctl -qw net.ipv4.tcp_timestamps=0; done
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/mtu1440-nots.pcap" -s 0
fetch $NS_CLI "$HERE/mtu1440-nots.trace" --trace "http://10.200.1.1:$PORT/100k.bin" "$OUT/mtu1440-nots.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/mtu1440-nots.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/mtu1440-nots.pcap" >"$HERE/mtu1440-nots.pcap.gz"
expect "$HERE/mtu1440-nots.pcap.gz" --body "/100k.bin=$OUT/mtu1440-nots.bin"
fi

if want mtu1440-tso; then
log "4. mtu1440-tso.pcap.gz: MTU 1440, offloads on, unpaced, TSO super-segments"
TSO_HOW=""
for how in srv-tso cli-gro; do
    pair_setup 1440; pair_ipv4; offloads on
    start_nginx $NS_SRV "$PORT"
    if [ $how = srv-tso ]; then
        start_capture $NS_SRV vs "$TMP/mtu1440-tso.pcap" -s 0
    else
        start_capture $NS_CLI vc "$TMP/mtu1440-tso.pcap" -s 0
    fi
    fetch $NS_CLI "$HERE/mtu1440-tso.trace" --trace "http://10.200.1.1:$PORT/100k.bin" "$OUT/mtu1440-tso.bin"
    stop_capture
    stop_pid "$NGINX_PID"
    same "$OUT/mtu1440-tso.bin" "$WWW/100k.bin"
    big=$(tshark -r "$TMP/mtu1440-tso.pcap" -Y "tcp.len > 1388" 2>/dev/null | wc -l)
    echo "$how: $big segments longer than 1388"
    if [ "$big" -gt 0 ]; then TSO_HOW=$how; break; fi
done
[ -n "$TSO_HOW" ] || echo "warning: no TSO/GRO super-segments captured" >&2
gzip -9 -n -c "$TMP/mtu1440-tso.pcap" >"$HERE/mtu1440-tso.pcap.gz"
expect "$HERE/mtu1440-tso.pcap.gz" --body "/100k.bin=$OUT/mtu1440-tso.bin"
fi

if want ipv6-mtu1460; then
log "5. ipv6-mtu1460.pcapng: IPv6, veth MTU 1460, offloads off, tbf 20mbit, timestamps on"
pair_setup 1460; offloads off
ip -n $NS_CLI link set vc addrgenmode none
ip -n $NS_SRV link set vs addrgenmode none
ip -n $NS_CLI -6 addr add fd00:5e9::2/64 dev vc nodad
ip -n $NS_SRV -6 addr add fd00:5e9::1/64 dev vs nodad
ip -n $NS_CLI link set vc up
ip -n $NS_SRV link set vs up
pace
start_nginx $NS_SRV "[fd00:5e9::1]:$PORT"
start_capture $NS_CLI vc "$TMP/ipv6-mtu1460.pcap" -s 0
fetch $NS_CLI "$HERE/ipv6-mtu1460.trace" --trace "http://[fd00:5e9::1]:$PORT/100k.bin" "$OUT/ipv6.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/ipv6.bin" "$WWW/100k.bin"
editcap -F pcapng "$TMP/ipv6-mtu1460.pcap" "$HERE/ipv6-mtu1460.pcapng"
expect "$HERE/ipv6-mtu1460.pcapng" --body "/100k.bin=$OUT/ipv6.bin"
fi

if want snaplen96; then
log "12b. snaplen96.pcap: tcpdump -s 96, veth MTU 1500, offloads off, tbf 20mbit"
pair_setup 1500; pair_ipv4; offloads off; pace
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$HERE/snaplen96.pcap" -s 96
fetch $NS_CLI "$HERE/snaplen96.trace" --trace-ascii "http://10.200.1.1:$PORT/100k.bin" "$OUT/snaplen96.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/snaplen96.bin" "$WWW/100k.bin"
expect "$HERE/snaplen96.pcap" --body "/100k.bin=$OUT/snaplen96.bin"
fi

if want raw-ip; then
log "9. raw-ip.pcap: tun devices (MTU 1480) joined by pcaps/nsrelay.py, LINKTYPE_RAW"
ns_del $NS_CLI $NS_SRV
ip netns add $NS_CLI
ip netns add $NS_SRV
for ns in $NS_CLI $NS_SRV; do
    ip -n $ns link set lo up
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $NS_CLI tuntap add dev tunc mode tun
ip -n $NS_SRV tuntap add dev tuns mode tun
ip -n $NS_CLI link set tunc mtu 1480 up
ip -n $NS_SRV link set tuns mtu 1480 up
ip -n $NS_CLI addr add 10.200.3.2 peer 10.200.3.1 dev tunc
ip -n $NS_SRV addr add 10.200.3.1 peer 10.200.3.2 dev tuns
start_bg "$TMP/relay-tun.log" python3 "$HERE/nsrelay.py" tun $NS_CLI:tunc $NS_SRV:tuns
RELAY_PID=$BGPID
wait_for sh -c "ip -n $NS_CLI link show tunc | grep -q LOWER_UP && ip -n $NS_SRV link show tuns | grep -q LOWER_UP"
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI tunc "$HERE/raw-ip.pcap" -s 0
fetch $NS_CLI "$HERE/raw-ip.trace" --trace "http://10.200.3.1:$PORT/100k.bin" "$OUT/raw-ip.bin"
stop_capture
stop_pid "$NGINX_PID"
stop_pid "$RELAY_PID"
same "$OUT/raw-ip.bin" "$WWW/100k.bin"
capinfos -E "$HERE/raw-ip.pcap" | grep -q "Raw IP" || die "raw-ip.pcap is not Raw IP"
expect "$HERE/raw-ip.pcap" --body "/100k.bin=$OUT/raw-ip.bin"
fi

if want vlan-qinq; then
log "8. vlan-qinq.pcap.gz: 802.1Q VLAN 100 and QinQ 802.1ad 200 / 802.1Q 300 on a veth (tags by nsrelay.py)"
pair_setup 1600
for ns in $NS_CLI $NS_SRV; do
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
offloads off
ip -n $NS_CLI link set vc up
ip -n $NS_SRV link set vs up
# client taps: t100c (VLAN 100), tqqc (QinQ 200/300); server taps: t100s, tqqs
ip -n $NS_CLI tuntap add dev t100c mode tap
ip -n $NS_CLI tuntap add dev tqqc mode tap
ip -n $NS_SRV tuntap add dev t100s mode tap
ip -n $NS_SRV tuntap add dev tqqs mode tap
ip -n $NS_CLI link set t100c address 02:00:0a:c8:64:02 up
ip -n $NS_CLI link set tqqc address 02:00:0a:c8:e6:02 up
ip -n $NS_SRV link set t100s address 02:00:0a:c8:64:01 up
ip -n $NS_SRV link set tqqs address 02:00:0a:c8:e6:01 up
ip -n $NS_CLI addr add 10.200.100.2/24 dev t100c
ip -n $NS_CLI addr add 10.200.230.2/24 dev tqqc
ip -n $NS_SRV addr add 10.200.100.1/24 dev t100s
ip -n $NS_SRV addr add 10.200.230.1/24 dev tqqs
start_bg "$TMP/relay-vlan.log" python3 "$HERE/nsrelay.py" vlan \
    "$NS_CLI:vc:t100c=8100.100:tqqc=88a8.200+8100.300" \
    "$NS_SRV:vs:t100s=8100.100:tqqs=88a8.200+8100.300"
RELAY_PID=$BGPID
wait_for sh -c "ip -n $NS_CLI link show tqqc | grep -q LOWER_UP && ip -n $NS_SRV link show tqqs | grep -q LOWER_UP"
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/vlan-qinq.pcap" -s 0
fetch $NS_CLI "$HERE/vlan-qinq.trace" --trace-ascii \
    "http://10.200.100.1:$PORT/100k.bin" "$OUT/vlan100.bin" \
    "http://10.200.230.1:$PORT/100k.bin" "$OUT/qinq.bin"
stop_capture
stop_pid "$NGINX_PID"
stop_pid "$RELAY_PID"
same "$OUT/vlan100.bin" "$WWW/100k.bin"
same "$OUT/qinq.bin" "$WWW/100k.bin"
nv=$(tshark -r "$TMP/vlan-qinq.pcap" -Y "vlan.id == 100" 2>/dev/null | wc -l)
nq=$(tshark -r "$TMP/vlan-qinq.pcap" -Y "ieee8021ad.id == 200 && vlan.id == 300" 2>/dev/null | wc -l)
echo "frames with VLAN 100: $nv, with QinQ 200/300: $nq"
[ "$nv" -gt 0 ] && [ "$nq" -gt 0 ] || die "vlan-qinq: tags missing"
gzip -9 -n -c "$TMP/vlan-qinq.pcap" >"$HERE/vlan-qinq.pcap.gz"
expect "$HERE/vlan-qinq.pcap.gz" --body "/100k.bin=$OUT/vlan100.bin" --body "/100k.bin=$OUT/qinq.bin"
fi

# https_capture NAME NGINX_LISTEN SSL_PROTOCOLS CURL_OPTIONS...: veth MTU 1500, offloads off,
# tbf 20mbit, capture on vc, /100k.bin from https://segscope.test:8443 (SNI), key log NAME.keys
https_capture() {
    local name=$1 listen=$2 protos=$3; shift 3
    pair_setup 1500; pair_ipv4; offloads off; pace
    NGINX_EXTRA="$(tls_conf "$protos")" start_nginx $NS_SRV "$listen"
    rm -f "$HERE/$name.keys"
    start_capture $NS_CLI vc "$TMP/$name.pcap" -s 0
    SSLKEYLOGFILE="$HERE/$name.keys" ip netns exec $NS_CLI curl -sS -g --max-time 60 --trace-time \
        --trace "$HERE/$name.trace" -k "$@" --resolve "segscope.test:$TLSPORT:10.200.1.1" \
        "https://segscope.test:$TLSPORT/100k.bin" -o "$OUT/$name.bin"
    stop_capture
    stop_pid "$NGINX_PID"
    same "$OUT/$name.bin" "$WWW/100k.bin"
    gzip -9 -n -c "$TMP/$name.pcap" >"$HERE/$name.pcap.gz"
    expect "$HERE/$name.pcap.gz" --keylog "$HERE/$name.keys" --body "/100k.bin=$OUT/$name.bin"
}

if want https-tls13; then
log "21. https-tls13.pcap.gz: HTTPS TLS 1.3, HTTP/1.1, veth MTU 1500, offloads off, tbf 20mbit"
https_capture https-tls13 "$TLSPORT ssl" TLSv1.3 --tlsv1.3 --http1.1
fi

if want https-tls12; then
log "22. https-tls12.pcap.gz: HTTPS TLS 1.2, HTTP/1.1, same path"
https_capture https-tls12 "$TLSPORT ssl" TLSv1.2 --tlsv1.2 --tls-max 1.2 --http1.1
fi

if want https-h2; then
log "23. https-h2.pcap.gz: HTTPS TLS 1.3, HTTP/2 (ALPN h2), same path"
https_capture https-h2 "$TLSPORT ssl http2" TLSv1.3 --http2
fi

# ---------------------------------------------------------------- HTTPS: versions, ciphers, curl 8

# tls_run NAME CURL_ARGS...: veth MTU 1500, offloads off, tbf 20mbit, capture on vc (tcpdump -s
# ${SNAP:-0}), one curl (${CURL:-curl}) with ${TRACE_TIME---trace-time} --trace NAME.trace, -k and
# --resolve segscope.test:8443:10.200.1.1, SSLKEYLOGFILE=NAME.keys, then CURL_ARGS (URLs with
# -o as the caller wants them). Server: nginx with "listen ${LISTEN:-8443 ssl http2}",
# ssl_protocols ${PROTOS:-TLSv1.2 TLSv1.3} and ${NGX_MORE:-} (server-level directives), or
# pcaps/tlsserver (Go crypto/tls) when SERVER=go. BODIES (array, "URLPATH=FILE") lists what
# the fetches wrote, checked against the served files and recorded by expect.
TLS_BASE="https://segscope.test:$TLSPORT"
BODIES=()
tls_run() {
    local name=$1; shift
    local b p f tt=${TRACE_TIME---trace-time} rc=0
    pair_setup 1500; pair_ipv4; offloads off; pace
    local cs_pid=""
    if [ -n "${WITH_CHUNKSERVER:-}" ]; then   # for nginx to proxy to, on the server's loopback
        start_bg "$TMP/chunkserver-$name.log" ip netns exec $NS_SRV "$TMP/chunkserver" -listen "127.0.0.1:$CPORT"
        cs_pid=$BGPID
        wait_for listening $NS_SRV $CPORT
    fi
    if [ "${SERVER:-nginx}" = go ]; then
        start_bg "$TMP/tlsserver-$name.log" ip netns exec $NS_SRV "$TMP/tlsserver" \
            -listen "10.200.1.1:$TLSPORT" -root "$WWW" -cert "$TLS_DIR/cert.pem" -key "$TLS_DIR/key.pem"
        SRV_PID=$BGPID
        wait_for listening $NS_SRV $TLSPORT
    else
        NGINX_EXTRA="$(tls_conf "${PROTOS:-TLSv1.2 TLSv1.3}" "${NGX_MORE:-}")" start_nginx $NS_SRV "${LISTEN:-$TLSPORT ssl http2}"
        SRV_PID=$NGINX_PID
    fi
    rm -f "$HERE/$name.keys"
    start_capture $NS_CLI vc "$TMP/$name.pcap" -s "${SNAP:-0}"
    SSLKEYLOGFILE="$HERE/$name.keys" ip netns exec $NS_CLI "${CURL:-curl}" -sS -g --max-time 60 $tt \
        --trace "$HERE/$name.trace" -k --resolve "segscope.test:$TLSPORT:10.200.1.1" "$@" || rc=$?
    stop_capture
    stop_pid "$SRV_PID"
    [ -z "$cs_pid" ] || stop_pid "$cs_pid"
    [ "$rc" -eq 0 ] || die "$name: curl failed with exit code $rc"
    local eargs=()
    for b in "${BODIES[@]}"; do
        p=${b%%=*}; f=${b#*=}
        if [ -e "$WWW$p" ]; then same "$f" "$WWW$p"; fi
        eargs+=(--body "$b")
    done
    gzip -9 -n -c "$TMP/$name.pcap" >"$HERE/$name.pcap.gz"
    expect "$HERE/$name.pcap.gz" --keylog "$HERE/$name.keys" "${eargs[@]}"
    tls_summary "$HERE/$name.pcap.gz"
}

# tls_summary CAPTURE: one line per connection from its expected JSON (version, suite, ALPN, resumed)
tls_summary() {
    local n; n=$(basename "$1"); n=${n%.gz}
    python3 - "$HERE/expected/$n.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["connections"]:
    t = c.get("tls") or {}
    alpn = t.get("alpn_selected") or (c.get("decrypted") or {}).get("alpn_selected")
    print("  stream %d: %s %s, ALPN %s, resumed %s" % (c["stream"], t.get("version_name"),
          t.get("cipher_suite_name"), alpn, t.get("resumed")))
EOF
}

if want h2-tls12; then
log "24. h2-tls12.pcap.gz: nginx listen ssl http2, TLS 1.2 (ECDHE-RSA-AES256-GCM-SHA384), curl 7.88 --http2"
BODIES=("/100k.bin=$OUT/h2-tls12.bin")
PROTOS=TLSv1.2 tls_run h2-tls12 --http2 "$TLS_BASE/100k.bin" -o "$OUT/h2-tls12.bin"
fi

if want h2-tls12-curl8; then
log "25. h2-tls12-curl8.pcap.gz: the same with curl 8.14 --trace"
BODIES=("/100k.bin=$OUT/h2-tls12-curl8.bin")
CURL=$CURL8 PROTOS=TLSv1.2 tls_run h2-tls12-curl8 --http2 "$TLS_BASE/100k.bin" -o "$OUT/h2-tls12-curl8.bin"
fi

if want h2-tls13-curl8; then
log "26. h2-tls13-curl8.pcap.gz: nginx h2, TLS 1.3, curl 8.14 --trace"
BODIES=("/100k.bin=$OUT/h2-tls13-curl8.bin")
CURL=$CURL8 PROTOS=TLSv1.3 tls_run h2-tls13-curl8 --http2 "$TLS_BASE/100k.bin" -o "$OUT/h2-tls13-curl8.bin"
fi

if want h2-tls13-curl8-all; then
log "27. h2-tls13-curl8-all.pcap.gz: the same with curl 8.14 --trace-config all (curl bug 18755)"
BODIES=("/100k.bin=$OUT/h2-tls13-curl8-all.bin")
CURL=$CURL8 PROTOS=TLSv1.3 tls_run h2-tls13-curl8-all --trace-config all --http2 "$TLS_BASE/100k.bin" \
    -o "$OUT/h2-tls13-curl8-all.bin"
fi

if want h2-tls13-dsb; then
log "28. h2-tls13-dsb.pcapng: h2-tls13-curl8.pcap.gz with its key log embedded (editcap --inject-secrets)"
[ -e "$HERE/h2-tls13-curl8.pcap.gz" ] && [ -e "$HERE/h2-tls13-curl8.keys" ] || die "h2-tls13-dsb needs h2-tls13-curl8"
editcap --inject-secrets "tls,$HERE/h2-tls13-curl8.keys" "$HERE/h2-tls13-curl8.pcap.gz" "$HERE/h2-tls13-dsb.pcapng"
n=$(tshark -r "$HERE/h2-tls13-dsb.pcapng" -Y http2 2>/dev/null | wc -l)
echo "tshark -Y http2 without a key log option: $n frames"
[ "$n" -gt 0 ] || die "h2-tls13-dsb: tshark does not decrypt with the embedded secrets"
# no --keylog: the "decrypted" view comes from the embedded secrets alone
expect "$HERE/h2-tls13-dsb.pcapng" --body "/100k.bin=$WWW/100k.bin"
fi

if want h2-chacha13; then
log "29. h2-chacha13.pcap.gz: TLS 1.3 TLS_CHACHA20_POLY1305_SHA256 (curl --tls13-ciphers), h2, 32 KB"
BODIES=("/32k.bin=$OUT/h2-chacha13.bin")
PROTOS=TLSv1.3 tls_run h2-chacha13 --http2 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 \
    "$TLS_BASE/32k.bin" -o "$OUT/h2-chacha13.bin"
fi

if want h1-chacha12; then
log "30. h1-chacha12.pcap.gz: TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305, HTTP/1.1, 32 KB"
BODIES=("/32k.bin=$OUT/h1-chacha12.bin")
PROTOS=TLSv1.2 tls_run h1-chacha12 --http1.1 --ciphers ECDHE-RSA-CHACHA20-POLY1305 --tls-max 1.2 \
    "$TLS_BASE/32k.bin" -o "$OUT/h1-chacha12.bin"
fi

if want h1-aes128-12; then
log "31. h1-aes128-12.pcap.gz: TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, HTTP/1.1: /32k.bin, then a chunked /chunked (nginx proxying the chunkserver) on the same connection"
# the chunkserver runs on the server's loopback; nginx re-chunks what it reads, unbuffered
BODIES=("/32k.bin=$OUT/h1-aes128-12-0.bin" "/chunked?n=20&size=1000&every=5ms=$OUT/h1-aes128-12-1.bin")
NGX_MORE='location /chunked { proxy_pass http://127.0.0.1:8081; proxy_http_version 1.1; proxy_buffering off; }'
WITH_CHUNKSERVER=1 PROTOS=TLSv1.2 tls_run h1-aes128-12 --http1.1 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --tls-max 1.2 \
    "$TLS_BASE/32k.bin" -o "$OUT/h1-aes128-12-0.bin" \
    "$TLS_BASE/chunked?n=20&size=1000&every=5ms" -o "$OUT/h1-aes128-12-1.bin"
[ "$(stat -c %s "$OUT/h1-aes128-12-1.bin")" -eq 20000 ] || die "h1-aes128-12: chunked body size"
fi

if want go-tls13; then
log "32. go-tls13.pcap.gz: Go crypto/tls + net/http server (pcaps/tlsserver), TLS 1.3; one curl: --http2, then --next --http1.1 (two connections)"
BODIES=("/100k.bin=$OUT/go-tls13-h2.bin" "/32k.bin=$OUT/go-tls13-h1.bin")
SERVER=go tls_run go-tls13 --http2 "$TLS_BASE/100k.bin" -o "$OUT/go-tls13-h2.bin" \
    --next -sS -g --max-time 60 -k --resolve "segscope.test:$TLSPORT:10.200.1.1" --http1.1 \
    "$TLS_BASE/32k.bin" -o "$OUT/go-tls13-h1.bin"
fi

if want resumed-tls12; then
log "33. resumed-tls12.pcap.gz: TLS 1.2, two URLs with Connection: close: the second connection resumes (session id)"
BODIES=("/32k.bin=$OUT/resumed-tls12-0.bin" "/small.txt=$OUT/resumed-tls12-1.bin")
# curl turns TLS 1.2 tickets off (no session_ticket extension), so only a server-side session
# cache resumes; nginx's default (ssl_session_cache none) gives "old SSL session ID is stale"
NGX_MORE='ssl_session_cache shared:segscope:1m;' LISTEN="$TLSPORT ssl" PROTOS=TLSv1.2 tls_run resumed-tls12 --http1.1 --tls-max 1.2 -H 'Connection: close' \
    "$TLS_BASE/32k.bin" -o "$OUT/resumed-tls12-0.bin" "$TLS_BASE/small.txt" -o "$OUT/resumed-tls12-1.bin"
fi

if want resumed-tls13; then
log "34. resumed-tls13.pcap.gz: TLS 1.3, two URLs with Connection: close: the second connection resumes (PSK)"
BODIES=("/32k.bin=$OUT/resumed-tls13-0.bin" "/small.txt=$OUT/resumed-tls13-1.bin")
LISTEN="$TLSPORT ssl" PROTOS=TLSv1.3 tls_run resumed-tls13 --http1.1 -H 'Connection: close' \
    "$TLS_BASE/32k.bin" -o "$OUT/resumed-tls13-0.bin" "$TLS_BASE/small.txt" -o "$OUT/resumed-tls13-1.bin"
fi

if want h2-tls13-snap200; then
log "35. h2-tls13-snap200.pcap.gz: tcpdump -s 200, h2 TLS 1.3, curl 8.14 --trace, 32 KB"
BODIES=("/32k.bin=$OUT/snap200.bin")
SNAP=200 CURL=$CURL8 PROTOS=TLSv1.3 tls_run h2-tls13-snap200 --http2 "$TLS_BASE/32k.bin" -o "$OUT/snap200.bin"
fi

if want h2-tls13-snap96; then
log "36. h2-tls13-snap96.pcap.gz: tcpdump -s 96, h2 TLS 1.3, curl 8.14 --trace, 32 KB"
BODIES=("/32k.bin=$OUT/snap96.bin")
SNAP=96 CURL=$CURL8 PROTOS=TLSv1.3 tls_run h2-tls13-snap96 --http2 "$TLS_BASE/32k.bin" -o "$OUT/snap96.bin"
fi

if want h2-tls13-notime; then
log "37. h2-tls13-notime.pcap.gz: curl 7.88 h2 over TLS 1.3, --trace without --trace-time, 32 KB"
BODIES=("/32k.bin=$OUT/h2-tls13-notime.bin")
TRACE_TIME= PROTOS=TLSv1.3 tls_run h2-tls13-notime --http2 "$TLS_BASE/32k.bin" -o "$OUT/h2-tls13-notime.bin"
fi

if want cbc-tls12; then
log "38. cbc-tls12.pcap.gz: TLS 1.2 CBC suite ECDHE-RSA-AES128-SHA256, HTTP/1.1, 32 KB"
BODIES=("/32k.bin=$OUT/cbc-tls12.bin")
LISTEN="$TLSPORT ssl" PROTOS=TLSv1.2 tls_run cbc-tls12 --http1.1 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256 \
    "$TLS_BASE/32k.bin" -o "$OUT/cbc-tls12.bin"
fi

# ---------------------------------------------------------------- cleartext conditions for the explainer

# clear_pair MTU OFFLOADS: IPv4 veth pair (vc 10.200.1.2, vs 10.200.1.1), offloads on|off, tbf 20mbit
clear_pair() { pair_setup "$1"; pair_ipv4; offloads "$2"; pace; }

if want mtu1400-curl8; then
log "39. mtu1400-curl8.pcap.gz: veth MTU 1400, offloads off, tbf 20mbit, curl 8.14 --trace-config ids,tcp, 1 MB"
clear_pair 1400 off
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/mtu1400-curl8.pcap" -s 0
# --trace-ascii: a hex trace of 1 MB would be 4.7 MB
CURL_OPTS=(--trace-config ids,tcp)
CURL=$CURL8 fetch $NS_CLI "$HERE/mtu1400-curl8.trace" --trace-ascii \
    "http://10.200.1.1:$PORT/1m.bin" "$OUT/mtu1400-curl8.bin"
CURL_OPTS=()
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/mtu1400-curl8.bin" "$WWW/1m.bin"
gzip -9 -n -c "$TMP/mtu1400-curl8.pcap" >"$HERE/mtu1400-curl8.pcap.gz"
expect "$HERE/mtu1400-curl8.pcap.gz" --body "/1m.bin=$OUT/mtu1400-curl8.bin"
fi

if want ipv6-mtu1280; then
log "40. ipv6-mtu1280.pcap.gz: IPv6, veth MTU 1280 (the IPv6 minimum), offloads off, tbf 20mbit, curl 7.88"
pair_setup 1280; offloads off
ip -n $NS_CLI link set vc addrgenmode none
ip -n $NS_SRV link set vs addrgenmode none
ip -n $NS_CLI -6 addr add fd00:5e9::2/64 dev vc nodad
ip -n $NS_SRV -6 addr add fd00:5e9::1/64 dev vs nodad
ip -n $NS_CLI link set vc up
ip -n $NS_SRV link set vs up
pace
start_nginx $NS_SRV "[fd00:5e9::1]:$PORT"
start_capture $NS_CLI vc "$TMP/ipv6-mtu1280.pcap" -s 0
fetch $NS_CLI "$HERE/ipv6-mtu1280.trace" --trace-ascii "http://[fd00:5e9::1]:$PORT/100k.bin" "$OUT/ipv6-1280.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/ipv6-1280.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/ipv6-mtu1280.pcap" >"$HERE/ipv6-mtu1280.pcap.gz"
expect "$HERE/ipv6-mtu1280.pcap.gz" --body "/100k.bin=$OUT/ipv6-1280.bin"
fi

if want python-server; then
log "41. python-server.pcap.gz: python3 -m http.server, veth MTU 1500, offloads off, tbf 20mbit, curl 8.14"
clear_pair 1500 off
start_bg "$TMP/pyserver.log" ip netns exec $NS_SRV python3 -m http.server "$PORT" --bind 10.200.1.1 --directory "$WWW"
PY_PID=$BGPID
wait_for listening $NS_SRV $PORT
start_capture $NS_CLI vc "$TMP/python-server.pcap" -s 0
CURL=$CURL8 fetch $NS_CLI "$HERE/python-server.trace" --trace-ascii "http://10.200.1.1:$PORT/100k.bin" "$OUT/pyserver.bin"
stop_capture
stop_pid "$PY_PID"
same "$OUT/pyserver.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/python-server.pcap" >"$HERE/python-server.pcap.gz"
expect "$HERE/python-server.pcap.gz" --body "/100k.bin=$OUT/pyserver.bin"
fi

if want tbf-offloads-on; then
log "42. tbf-offloads-on.pcap.gz: veth MTU 1500, offloads ON (tso/gso/gro), tbf 20mbit, capture on the client"
clear_pair 1500 on
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/tbf-offloads-on.pcap" -s 0
fetch $NS_CLI "$HERE/tbf-offloads-on.trace" --trace-ascii "http://10.200.1.1:$PORT/100k.bin" "$OUT/tbf-on.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/tbf-on.bin" "$WWW/100k.bin"
gzip -9 -n -c "$TMP/tbf-offloads-on.pcap" >"$HERE/tbf-offloads-on.pcap.gz"
expect "$HERE/tbf-offloads-on.pcap.gz" --body "/100k.bin=$OUT/tbf-on.bin"
fi

for nt in notime-curl8 notime-curl788; do
want $nt || continue
log "43. $nt.pcap.gz: HTTP/1.1 over veth MTU 1500, offloads off, tbf 20mbit, --trace-ascii without --trace-time, 32 KB"
clear_pair 1500 off
start_nginx $NS_SRV "$PORT"
start_capture $NS_CLI vc "$TMP/$nt.pcap" -s 0
if [ $nt = notime-curl8 ]; then c=$CURL8; else c=curl; fi
CURL=$c TRACE_TIME= fetch $NS_CLI "$HERE/$nt.trace" --trace-ascii "http://10.200.1.1:$PORT/32k.bin" "$OUT/$nt.bin"
stop_capture
stop_pid "$NGINX_PID"
same "$OUT/$nt.bin" "$WWW/32k.bin"
gzip -9 -n -c "$TMP/$nt.pcap" >"$HERE/$nt.pcap.gz"
expect "$HERE/$nt.pcap.gz" --body "/32k.bin=$OUT/$nt.bin"
done

if want paced-chunked; then
log "44. paced-chunked.pcap.gz: chunkserver writing 1000 B every 5 ms (chunked), veth MTU 1500, offloads off, tbf 20mbit"
clear_pair 1500 off
start_bg "$TMP/chunkserver-veth.log" ip netns exec $NS_SRV "$TMP/chunkserver" -listen "10.200.1.1:$CPORT"
CS_PID=$BGPID
wait_for listening $NS_SRV $CPORT
start_capture $NS_CLI vc "$TMP/paced-chunked.pcap" -s 0
fetch $NS_CLI "$HERE/paced-chunked.trace" --trace-ascii "http://10.200.1.1:$CPORT/chunked?n=20&size=1000&every=5ms" \
    "$OUT/paced-chunked.bin"
stop_capture
stop_pid "$CS_PID"
[ "$(stat -c %s "$OUT/paced-chunked.bin")" -eq 20000 ] || die "paced-chunked: body size"
gzip -9 -n -c "$TMP/paced-chunked.pcap" >"$HERE/paced-chunked.pcap.gz"
expect "$HERE/paced-chunked.pcap.gz" --body "/chunked?n=20&size=1000&every=5ms=$OUT/paced-chunked.bin"
fi

if want earlydata-tls13-curl8; then
log "45. earlydata-tls13-curl8.pcap.gz: nginx TLS 1.3 with ssl_early_data on, curl 8.14 --tls-earlydata, two URLs with Connection: close: the second connection resumes and sends its request as 0-RTT early data, which nginx accepts"
BODIES=("/32k.bin=$OUT/earlydata-0.bin" "/small.txt=$OUT/earlydata-1.bin")
NGX_MORE='ssl_early_data on;' LISTEN="$TLSPORT ssl" PROTOS=TLSv1.3 CURL=$CURL8 tls_run earlydata-tls13-curl8 --tls-earlydata --http1.1 -H 'Connection: close' \
    "$TLS_BASE/32k.bin" -o "$OUT/earlydata-0.bin" "$TLS_BASE/small.txt" -o "$OUT/earlydata-1.bin"
grep -q '^CLIENT_EARLY_TRAFFIC_SECRET ' "$HERE/earlydata-tls13-curl8.keys" || die "earlydata-tls13-curl8: curl sent no early data"
fi

if want earlydata-rejected; then
log "46. earlydata-rejected.pcap.gz: openssl s_client resumes with -early_data (a GET) after nginx (ssl_early_data on) restarted: new ticket keys, so nginx rejects the early data; no trace (no curl)"
pair_setup 1500; pair_ipv4; offloads off; pace
printf 'GET /small.txt HTTP/1.1\r\nHost: segscope.test\r\n\r\n' >"$TMP/early-req.txt"
ngx() { NGINX_EXTRA="$(tls_conf TLSv1.3 'ssl_early_data on;')" start_nginx $NS_SRV "$TLSPORT ssl"; }
rm -f "$HERE/earlydata-rejected.keys" "$TMP/early-sess.pem"
ngx
start_capture $NS_CLI vc "$TMP/earlydata-rejected.pcap" -s 0
# the first connection gets a session ticket (allowing early data) and is closed by the client
(sleep 0.5; printf 'GET /small.txt HTTP/1.1\r\nHost: segscope.test\r\n\r\n'; sleep 1) | ip netns exec $NS_CLI openssl s_client \
    -connect "10.200.1.1:$TLSPORT" -servername segscope.test -tls1_3 -alpn http/1.1 -sess_out "$TMP/early-sess.pem" \
    -keylogfile "$HERE/earlydata-rejected.keys" >"$TMP/early-1.out" 2>&1 || true
stop_pid "$NGINX_PID"
ngx
(sleep 1.5) | ip netns exec $NS_CLI openssl s_client -connect "10.200.1.1:$TLSPORT" -servername segscope.test -tls1_3 \
    -alpn http/1.1 -sess_in "$TMP/early-sess.pem" -early_data "$TMP/early-req.txt" \
    -keylogfile "$HERE/earlydata-rejected.keys" >"$TMP/early-2.out" 2>&1 || true
stop_capture
stop_pid "$NGINX_PID"
grep -q 'Early data was rejected' "$TMP/early-2.out" || die "earlydata-rejected: openssl did not report the early data rejected"
gzip -9 -n -c "$TMP/earlydata-rejected.pcap" >"$HERE/earlydata-rejected.pcap.gz"
expect "$HERE/earlydata-rejected.pcap.gz" --keylog "$HERE/earlydata-rejected.keys"
tls_summary "$HERE/earlydata-rejected.pcap.gz"
fi

ns_del $NS_CLI $NS_SRV

# ---------------------------------------------------------------- summary

log "README.md: refreshing the numbers table rows of the captures made (from expected/*.json and the traces)"
python3 - "$HERE" "${!SEL[@]}" <<'EOF'
import collections, glob, gzip, json, os, re, sys
here, selected = sys.argv[1], set(sys.argv[2:])
def capname(f):
    return re.sub(r"\.(pcap|pcapng)(\.gz)?$", "", f)
head_rows = ["| file | link type / format | conns | data segs c->s / s->c | s->c segment sizes (count), dominant first | MSS c->s / s->c | option bytes | curl `Recv data` sizes (count) |",
        "|---|---|---|---|---|---|---|---|"]
rows = {}   # capture file -> table row
enc = {"ether": "Ethernet", "linux-sll2": "LINUX_SLL2 (276)", "rawip": "Raw IP (101)", "per-packet": "per interface"}
for f in sorted(glob.glob(os.path.join(here, "expected", "*.json"))):
    d = json.load(open(f))
    if capname(d["file"]) not in selected:
        continue
    cap = os.path.join(here, d["file"])
    fmt = "pcapng" if ".pcapng" in d["file"] else "pcap"
    if d["file"].endswith(".gz"):
        fmt += ".gz"
    hdr = (gzip.open if cap.endswith(".gz") else open)(cap, "rb").read(24)
    if hdr[:4] == bytes.fromhex("4d3cb2a1"):
        fmt += ", ns timestamps"
    if hdr[:4] in (bytes.fromhex("4d3cb2a1"), bytes.fromhex("d4c3b2a1")):
        snap = int.from_bytes(hdr[16:20], "little")
        if snap != 262144:
            fmt += ", snaplen %d" % snap
    lt = os.popen("capinfos -E -T -r '%s' 2>/dev/null" % cap).read().split("\t")[-1].strip()
    cs = d["connections"]
    segs = " + ".join("%d / %d" % (c["client_to_server"]["data_segments"], c["server_to_client"]["data_segments"]) for c in cs)
    sizes = collections.Counter()
    for c in cs:
        sizes.update({int(k): v for k, v in c["server_to_client"]["sizes"].items()})
    sz = ", ".join("%d (%d)" % kv for kv in sorted(sizes.items(), key=lambda kv: (-kv[1], -kv[0])))
    mss = "; ".join("%s / %s" % (c["client_to_server"]["mss"], c["server_to_client"]["mss"]) for c in cs)
    opt = sorted({c["server_to_client"]["option_bytes_on_data"] for c in cs})
    base = re.sub(r"\.(pcap|pcapng)(\.gz)?$", "", d["file"])
    tr = os.path.join(here, base + ".trace")
    recv = collections.Counter()
    mode = ""
    if os.path.exists(tr):
        text = open(tr, errors="replace").read()
        recv.update(int(n) for n in re.findall(r"<= Recv data, (\d+) bytes", text))
        mode = "hex" if re.search(r"^0000: ([0-9a-f]{2} ){16}", text, re.M) else "ascii"
    rv = ", ".join("%d (%d)" % kv for kv in sorted(recv.items(), key=lambda kv: (-kv[1], -kv[0]))[:4])
    curl = "%s: %s" % (mode, rv) if mode else "(no curl trace)"
    extra = " truncated" if d.get("truncated") else ""
    rows[d["file"]] = ("| %s | %s, %s%s | %d | %s | %s | %s | %s | %s |" % (
        d["file"], enc.get(lt, lt), fmt, extra, len(cs), segs, sz, mss, ",".join(map(str, opt)), curl))
readme = os.path.join(here, "README.md")
text = open(readme).read()
b, e = "<!-- numbers:begin -->", "<!-- numbers:end -->"
if b in text and e in text:
    head, rest = text.split(b, 1)
    old, tail = rest.split(e, 1)
    # keep the rows of captures not made in this run as they are
    for line in old.splitlines():
        m = re.match(r"\| (\S+\.(?:pcap|pcapng)(?:\.gz)?) \|", line)
        if m and capname(m.group(1)) not in selected and m.group(1) not in rows:
            rows[m.group(1)] = line
    table = head_rows + [rows[k] for k in sorted(rows)]
    open(readme, "w").write(head + b + "\n" + "\n".join(table) + "\n" + e + tail)
else:
    print("README.md has no numbers markers; table not written", file=sys.stderr)
EOF

log "done: $(du -sh "$HERE" | cut -f1) in $HERE${TSO_HOW:+ (TSO capture point: $TSO_HOW)}"
for f in "$HERE"/*.pcap "$HERE"/*.pcap.gz "$HERE"/*.pcapng; do
    n=$(basename "$f"); n=${n%.gz}; n=${n%.pcap}; n=${n%.pcapng}
    want "$n" || continue
    printf '%-28s %s\n' "$(basename "$f")" "$(capinfos -E -c "$f" 2>/dev/null | awk -F': *' '/encapsulation|Number of packets/ {printf "%s; ", $2}')"
done
