#!/usr/bin/env bash
# Makes the hostile captures the report's escaping tests load: a real
# exchange on lo whose request target, Host header and TLS SNI hold markup
# that would run script if the report ever put a capture's strings into
# the page as HTML.
#
#   hostile-http.pcap + .trace  curl --request-target '/<script>...' -H 'Host: <script>...'
#                               against a tiny Python server, --trace-ascii --trace-time
#   hostile-sni.pcap            openssl s_client -servername '<script>...' against s_server
#   no-tcp.pcap                 three UDP datagrams holding markup: a capture with no TCP
#
# Needs root (tcpdump on lo), curl, python3, openssl. Rerun: sh make-hostile.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=18631
tport=18632

cat > "$tmp/server.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<script>window.pwned=4</script>" * 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$tmp/server.py" $port &
sleep 0.5
tcpdump -i lo -s 0 -U -w hostile-http.pcap "tcp port $port" 2>/dev/null &
dump=$!
sleep 1
curl -s -o /dev/null --trace-ascii hostile-http.trace --trace-time \
	--request-target '/<script>window.pwned=1</script>?<img/src=x/onerror=window.pwned=2>' \
	-H 'Host: <script>window.pwned=3</script>' "http://127.0.0.1:$port/"
sleep 1
kill $dump; wait $dump 2>/dev/null || true

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/k.pem" -out "$tmp/c.pem" -days 1 -subj /CN=localhost 2>/dev/null
openssl s_server -accept $tport -cert "$tmp/c.pem" -key "$tmp/k.pem" -www -quiet &
sleep 0.5
tcpdump -i lo -s 0 -U -w hostile-sni.pcap "tcp port $tport" 2>/dev/null &
dump=$!
sleep 1
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 openssl s_client -connect 127.0.0.1:$tport -quiet \
	-servername '<script>window.pwned=5</script>' >/dev/null 2>&1 || true
sleep 1
kill $dump; wait $dump 2>/dev/null || true
tcpdump -i lo -s 0 -U -c 3 -w no-tcp.pcap 'udp port 30999' 2>/dev/null &
dump=$!
sleep 1
for i in 1 2 3; do printf '<script>x</script>' >/dev/udp/127.0.0.1/30999; sleep 0.1; done
wait $dump 2>/dev/null || true
ls -l hostile-* no-tcp.pcap
