#!/usr/bin/env bash
# Regenerate the real curl traces in curltrace/testdata/ (see README.md there).
#
#   bash curltrace/testdata/make.sh
#
# Starts its own nginx (Debian's nginx 1.22, own config in a temp dir) on
# 127.0.0.1, on ports 18443, 18444 and 18080:
#   H2   listen ssl http2  (ALPN h2)        cert pcaps/tls, name segscope.test
#   H1S  listen ssl        (ALPN http/1.1)
#   H1   listen            (cleartext HTTP/1.1)
# and fetches, with curl 7.88 (/usr/bin/curl) and curl 8.14 ($SEGSCOPE_CURL8),
# the bodies below over them. On exit it stops nginx and removes the temp dir.
#
# Bodies (deterministic, made here):
#   big.txt  20000 bytes: the line "segscope-0123456789abcdefghijklmnopqrstuvwxyz\n" repeated, cut
#   nul.bin   1000 bytes: "segscope" then a NUL, repeated (9 bytes a period), cut
# big.txt has no NUL; nul.bin's first NUL is at offset 8 (curl#18755 cuts there).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CURL7=${SEGSCOPE_CURL7:-/usr/bin/curl}
CURL8=${SEGSCOPE_CURL8:-/opt/segscope/curl-8.14/bin/curl}
export PATH="/usr/sbin:/sbin:$PATH" TZ=UTC LC_ALL=C

die() { echo "make.sh: $*" >&2; exit 1; }
command -v nginx >/dev/null || die "missing nginx"
"$CURL7" --version | grep -q '^curl 7\.88' || die "$CURL7 is not curl 7.88"
"$CURL8" --version | grep -q '^curl 8\.14' || die "$CURL8 is not curl 8.14 (bash .ci/install-curl8.sh)"

TMP=$(mktemp -d /tmp/segscope-curltrace.XXXXXX)
NGINX_PID=
cleanup() {
	set +e
	[ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fixed ports, so the traces (their hex dumps hold the Host header) only
# change when curl's output does. Override with H2_PORT, H1S_PORT, H1_PORT.
H2=${H2_PORT:-18443} H1S=${H1S_PORT:-18444} H1=${H1_PORT:-18080}
for p in "$H2" "$H1S" "$H1"; do
	[ "$p" -ge 18000 ] && [ "$p" -le 18999 ] || die "port $p not in 18000-18999"
	! ss -Htln "sport = :$p" | grep -q . || die "port $p is in use (set H2_PORT, H1S_PORT, H1_PORT)"
done

WWW=$TMP/www
mkdir -p "$WWW" "$TMP/nginx/tmp"
printf 'segscope-0123456789abcdefghijklmnopqrstuvwxyz\n%.0s' $(seq 435) >"$WWW/big.txt"
truncate -s 20000 "$WWW/big.txt"
printf 'segscope\0%.0s' $(seq 112) >"$WWW/nul.bin"
truncate -s 1000 "$WWW/nul.bin"
[ "$(wc -c <"$WWW/big.txt")" = 20000 ] && [ "$(wc -c <"$WWW/nul.bin")" = 1000 ] || die "bodies"

TLS=$REPO/pcaps/tls
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 5s;
  client_body_temp_path $TMP/nginx/tmp/body;
  proxy_temp_path $TMP/nginx/tmp/proxy;
  fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
  scgi_temp_path $TMP/nginx/tmp/scgi;
  ssl_certificate $TLS/cert.pem;
  ssl_certificate_key $TLS/key.pem;
  server { listen 127.0.0.1:$H2 ssl http2; root $WWW; }
  server { listen 127.0.0.1:$H1S ssl; root $WWW; }
  server { listen 127.0.0.1:$H1; root $WWW; }
}
EOF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>"$TMP/nginx/stderr.log" &
NGINX_PID=$!
for _ in $(seq 50); do
	ss -Htln "sport = :$H1" | grep -q . && ss -Htln "sport = :$H2" | grep -q . && break
	sleep 0.1
done
ss -Htln "sport = :$H1" | grep -q . || die "nginx did not start: $(cat "$TMP/nginx/error.log" "$TMP/nginx/stderr.log")"

RES=(--resolve "segscope.test:$H2:127.0.0.1" --resolve "segscope.test:$H1S:127.0.0.1")
U_H2="https://segscope.test:$H2"
U_H1S="https://segscope.test:$H1S"
U_H1="http://127.0.0.1:$H1"


# run NAME CURL TRACEOPTS... -- URLOPTS...: one curl run, trace to NAME.trace
run() {
	local name=$1 curl=$2; shift 2
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	local outs=() u
	for u in "$@"; do outs+=(-o /dev/null); done
	"$curl" -sS -k "${RES[@]}" --max-time 30 "${opts[@]}" "$HERE/$name.trace" "$@" "${outs[@]}"
	echo "$name.trace: $(wc -l <"$HERE/$name.trace") lines"
}

ALL3=("$U_H2/big.txt" "$U_H1S/nul.bin" "$U_H1/big.txt")
ALL4=("${ALL3[@]}" "$U_H2/nul.bin")   # the last one re-uses the h2 connection

# curl 8.14, --trace-config all (curl#18755 shows), three connections: h2, TLS http/1.1, cleartext
run c814-all-time-ascii "$CURL8" --trace-config all --trace-time --trace-ascii -- "${ALL4[@]}"
# ("all" includes "time": "-time" takes it out again)
run c814-all-hex "$CURL8" --trace-config all,-time --trace -- "${ALL4[@]}"
# curl 8.14, ids,tcp,ssl,http/2, h2 only: big then nul on one connection
run c814-ids-h2-time-hex "$CURL8" --trace-config ids,tcp,ssl,http/2 --trace-time --trace -- "$U_H2/big.txt" "$U_H2/nul.bin"
run c814-ids-h1-ascii "$CURL8" --trace-config ids,tcp,ssl,http/2 --trace-ascii -- "$U_H1/big.txt" "$U_H1/nul.bin"
# curl 8.14 without components: plain --trace over h2, and --trace-ids (no bug without the library's ids)
run c814-plain-h2-hex "$CURL8" --trace -- "$U_H2/big.txt" "$U_H2/nul.bin"
run c814-traceids-time-ascii "$CURL8" --trace-ids --trace-time --trace-ascii -- "${ALL3[@]}"
# curl 7.88 (no --trace-config, no --trace-ids): the same three connections
run c788-time-hex "$CURL7" --trace-time --trace -- "${ALL3[@]}"
run c788-ascii "$CURL7" --trace-ascii -- "${ALL3[@]}"
