#!/usr/bin/env bash
# Measures the HTML report at scale: a synthetic capture of one connection
# with about a million data segments (bench/synth; 1.5 million packets, 1 in
# 5000 segments resent, 1 in 20000 a super-segment), the time segscope report
# takes to write the page and its size, then the time headless chromium takes
# to open and draw it (BenchmarkOpenReport, through chromedp); then the page
# of a transfer of 100000 reads with its trace (BenchmarkOpenReportTrace,
# generated in memory: the explanation is held in full for the first 5000
# reads, every read drawn).
#
# The goal (issue 10): under 3 s to open, under 30 MB.
#
# Usage: report/htmlreport/bench.sh [RESPONSE_BYTES]
# Environment: BENCH_DIR (kept), RUNS (default 3), MAX_SEGMENTS (passed as
# --max-segments, default the command's own).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bytes=${1:-1448000000}
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/segscope-report-bench.XXXXXX")}
mkdir -p "$dir"
[[ -n ${BENCH_DIR:-} ]] || trap 'rm -rf "$dir"' EXIT
cd "$repo"
go build -o "$dir/segscope" ./cmd/segscope
go build -o "$dir/synth" ./bench/synth
if [[ ! -f $dir/big.pcap ]]; then
	"$dir/synth" -o "$dir/big.pcap" -conns 1 -response-bytes "$bytes" -snaplen 96 \
		-retransmit-every 5000 -super-every 20000 >&2
fi
args=()
[[ -n ${MAX_SEGMENTS:-} ]] && args+=(--max-segments "$MAX_SEGMENTS")
start=$(date +%s.%N)
"$dir/segscope" report "$dir/big.pcap" -q "${args[@]}" -w "$dir/big.html"
end=$(date +%s.%N)
size=$(stat -c %s "$dir/big.html")
awk -v s="$start" -v e="$end" -v n="$size" 'BEGIN { printf "write: %.2f s, %d bytes (%.1f MB)\n", e - s, n, n / 1e6 }'
(cd tools/browsertest && SEGSCOPE_BENCH_REPORT="$dir/big.html" go test -run '^$' -bench OpenReport -benchtime "${RUNS:-3}x" ./...)
