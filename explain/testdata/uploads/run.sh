#!/bin/bash
# run.sh NAME NET CURLV TRACE URLPATH-with-port -- curl-args...
#   NET: lo | veth | tbf  (veth/tbf: curl runs in netns ns15c, server 10.215.0.1, capture on ve15h)
#   CURLV: 788 | 814 ; TRACE: trace | ascii
#   env PIPE="shell cmd" feeds curl's stdin (both runs get a fresh pipe)
#   URL given as PORT/path, e.g. 29080/up ; scheme from env SCHEME (default http)
set -u
D=/work/field15/uploads
NAME=$1 NET=$2 CV=$3 TR=$4 UP=$5; shift 6; ARGS=$(printf "%q " "$@")
R=$D/runs/$NAME; rm -rf $R; mkdir -p $R
case $CV in 788) CURL=/usr/bin/curl;; 814) CURL=/opt/segscope/curl-8.14/bin/curl;; esac
case $NET in lo) IF=lo; H=127.0.0.1; NS="";; veth|tbf) IF=ve15h; H=10.215.0.1; NS="ip netns exec ns15c";; esac
PORT=${UP%%/*}; URL="${SCHEME:-http}://$H:$UP"
TOPT=--trace; [ "$TR" = ascii ] && TOPT=--trace-ascii
cd $D/data
tcpdump -i $IF -B 16384 -s 0 -U --immediate-mode -w $R/cap.pcap "tcp port $PORT" 2>$R/tcpdump.err & TP=$!
sleep 1
CMD1="SSLKEYLOGFILE=$R/keys.log $NS $CURL -sS --trace-time $TOPT $R/trace.txt -o $R/resp.txt -w '%{http_code} up=%{size_upload} t=%{time_total} v=%{http_version}\n' $ARGS $URL"
CMD2="SSLKEYLOGFILE=$R/keys-strace.log $NS strace -f -tt -e trace=connect,sendto,write,sendmsg,writev -o $R/strace.txt $CURL -sS --trace-time --trace-ascii $R/strace-trace.txt -o $R/resp-strace.txt -w '%{http_code} up=%{size_upload} t=%{time_total} v=%{http_version}\n' $ARGS $URL"
{ echo "# cwd $D/data"; echo "tcpdump -i $IF -B 16384 -s 0 -U --immediate-mode -w cap.pcap 'tcp port $PORT'"; [ -n "${PIPE:-}" ] && echo "PIPE: $PIPE |"; echo "$CMD1"; echo "# separate strace run (no capture):"; echo "$CMD2"; } > $R/cmd.txt
if [ -n "${PIPE:-}" ]; then
  bash -c "$PIPE" | eval "$CMD1" > $R/curl.out 2>&1
else
  eval "$CMD1" > $R/curl.out 2>&1
fi
echo "rc=$?" >> $R/curl.out
sleep 1.5; kill -INT $TP; wait $TP 2>/dev/null
sleep 0.5
if [ -n "${PIPE:-}" ]; then
  bash -c "$PIPE" | eval "$CMD2" > $R/curl-strace.out 2>&1
else
  eval "$CMD2" > $R/curl-strace.out 2>&1
fi
echo "rc=$?" >> $R/curl-strace.out
echo "$NAME: $(head -1 $R/curl.out) | strace-run: $(head -1 $R/curl-strace.out) | $(grep -E 'captured|dropped by kernel' $R/tcpdump.err | tr '\n' ' ')"
