#!/usr/bin/env bash
# Peak memory of the streaming formats (analyze --format jsonl) as the
# number of connections grows, and under hostile load. Captures are
# generated on the fly and piped in (nothing is written to disk), so the
# 5-million-connection run needs no space; it takes a few minutes.
#
# Usage: bench/memory.sh [CONNS...]     (default: 60000 500000 5000000)
#
# Prints a Markdown table: connections (or attack), packets, peak RSS of
# segscope (GNU time), the most connections live at once and what bound
# was hit, from the summary record. The targets: at most 64 MiB, flat from
# 60 000 to 5 million short connections, and at 12 500 new connections a
# second of capture time.
#
# Environment: SKIP_HOSTILE=1 skips the hostile captures; FORMAT=parquet
# measures --format parquet instead of jsonl.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/segscope-mem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
FORMAT=${FORMAT:-jsonl}
[[ -x /usr/bin/time ]] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

(cd "$repo" && go build -o "$tmp/segscope" ./cmd/segscope && go build -o "$tmp/synth" ./bench/synth && go build -o "$tmp/hostilegen" ./bench/hostilegen)

# measure NAME GENERATOR...: pipes the generator into segscope.
measure() {
	local name=$1
	shift
	local out=/dev/null args=(analyze -q --format "$FORMAT")
	if [[ $FORMAT == parquet ]]; then args+=(-w "$tmp/pq"); else out=$tmp/out.jsonl; fi
	"$@" 2>/dev/null | /usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/segscope" "${args[@]}" - >"$out"
	read -r secs kib <"$tmp/time"
	local summary='{}'
	if [[ $FORMAT == jsonl ]]; then summary=$(tail -n1 "$tmp/out.jsonl"); fi
	python3 - "$name" "$secs" "$kib" "$summary" <<'PY'
import json, sys
name, secs, kib, summary = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
cap, live = summary.get("capture", {}), summary.get("streaming", {})
bound = []
if live.get("evicted_at_bound"): bound.append(f"--max-live: {live['evicted_at_bound']} evicted")
for w in summary.get("warnings", []):
    if "bound" in w["text"] and "--max-live" not in w["text"]: bound.append(w["text"][:90])
print(f"| {name} | {cap.get('packets', '?')} | {cap.get('connections_total', '?')} | {kib/1024:.0f} | {live.get('max_live_connections', '?')} | {'; '.join(bound) or 'none'} | {secs:.1f} |")
PY
}

echo "| capture | packets | connections | peak MiB | most live | bound hit | seconds |"
echo "| --- | ---: | ---: | ---: | ---: | --- | ---: |"
for n in "${@:-60000 500000 5000000}"; do
	for c in $n; do
		measure "$c short connections" "$tmp/synth" -o - -conns "$c" -response-bytes 1000 -timestamps=true -seed 9
	done
done
# Issue 19's rate: 12 500 new connections a second of capture time, so
# 25 000 close within any 2 s grace.
measure "500000 short connections at 12 500/s" "$tmp/synth" -o - -conns 500000 -response-bytes 2000 -time-scale 0.185
if [[ ${SKIP_HOSTILE:-0} != 1 ]]; then
	measure "SYN flood, 2M half-open" "$tmp/hostilegen" -kind synflood -count 2000000
	measure "out-of-window flood, 1M segments, 1000 conns" "$tmp/hostilegen" -kind oow -count 1000000 -conns 1000
	measure "endless gaps, 1M segments, 1 conn" "$tmp/hostilegen" -kind gaps -count 1000000 -conns 1
	measure "endless gaps, 1M segments, 10000 conns" "$tmp/hostilegen" -kind gaps -count 1000000 -conns 10000
fi
