#!/bin/bash
# the whole matrix; each line one run (see run.sh). Needs srv/start.sh and net-up.sh first.
cd /work/field15/uploads
R=./run.sh
# --- 1. plain uploads, lo (--trace hex) and veth (--trace-ascii)
for cv in 788 814; do
 for net in lo veth; do
  tr=trace; [ $net = veth ] && tr=ascii
  $R c1-postbin-$cv-$net   $net $cv $tr 29080/up -- --data-binary @body1m.txt
  $R c1-postd-$cv-$net     $net $cv $tr 29080/up -- -d @body1m.txt
  $R c1-put-$cv-$net       $net $cv $tr 29080/dav/put-$cv-$net.txt -- -T body1m.txt
  $R c1-form-$cv-$net      $net $cv $tr 29080/up -- -F file=@body1m.txt
 done
done
# --- 2. chunked -T - from a pipe
for cv in 788 814; do
  PIPE='for i in $(seq 50); do head -c 4000 body1m.txt; sleep 0.05; done' $R c2-chunk-slow-$cv-lo lo $cv ascii 29080/up -- -T -
  PIPE='cat body1m.txt' $R c2-chunk-fast-$cv-lo lo $cv ascii 29080/up -- -T -
  PIPE='for i in $(seq 50); do head -c 4000 body1m.txt; sleep 0.05; done' $R c2-chunk-slow-$cv-veth veth $cv ascii 29081/up -- -T -
done
# --- 3. Expect: 100-continue
for cv in 788 814; do
  $R c3-exp-nginx-$cv   lo $cv ascii 29080/up -- -H 'Expect: 100-continue' --data-binary @body200k.txt
  $R c3-exp-never-$cv   lo $cv ascii 29082/up -- -H 'Expect: 100-continue' --data-binary @body200k.txt
  $R c3-exp-300ms-$cv   lo $cv ascii 29083/up -- -H 'Expect: 100-continue' --data-binary @body200k.txt
  $R c3-exp-3s-$cv      lo $cv ascii 29085/up -- -H 'Expect: 100-continue' --data-binary @body200k.txt
  $R c3-auto-1500k-never-$cv lo $cv ascii 29082/up -- --data-binary @body1500k.txt
  $R c3-auto-put-never-$cv   lo $cv ascii 29082/up -- -T body1500k.txt
done
# --- 4. slow receiver, tbf
for cv in 788 814; do
  $R c4-slowrcv-$cv-lo   lo   $cv ascii 29084/up -- --data-binary @body1m.txt
  $R c4-slowrcv-$cv-veth veth $cv ascii 29084/up -- --data-binary @body1m.txt
done
ip netns exec ns15c tc qdisc add dev ve15c root tbf rate 20mbit burst 32kb latency 100ms
ip netns exec ns15c tc -s qdisc show dev ve15c > runs/tbf-before.txt
for cv in 788 814; do
  $R c4-tbf-$cv veth $cv ascii 29081/up -- --data-binary @body1m.txt
done
ip netns exec ns15c tc -s qdisc show dev ve15c > runs/tbf-after.txt
ip netns exec ns15c tc qdisc del dev ve15c root
# --- 5. HTTPS
for cv in 788 814; do
  SCHEME=https $R c5-h1-tls13-$cv lo $cv ascii 29443/up -- -k --http1.1 --tlsv1.3 --data-binary @body1m.txt
  SCHEME=https $R c5-h1-tls12-$cv lo $cv ascii 29443/up -- -k --http1.1 --tls-max 1.2 --data-binary @body1m.txt
  SCHEME=https $R c5-h2-$cv       lo $cv ascii 29443/up -- -k --http2 --data-binary @body1m.txt
  SCHEME=https $R c5-h2-put-$cv   lo $cv ascii 29443/dav/h2put-$cv.txt -- -k --http2 -T body1m.txt
  SCHEME=https $R c5-h2-$cv-veth  veth $cv ascii 29443/up -- -k --http2 --data-binary @body1m.txt
  SCHEME=https $R c5-h1-tls13-$cv-veth veth $cv ascii 29443/up -- -k --http1.1 --data-binary @body1m.txt
done
