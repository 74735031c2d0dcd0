#!/usr/bin/env bash
# Times segscope against tcptrace and tshark on the same captures.
#
# Usage: bench/compare.sh [FILE...]
#
# Without FILE arguments it generates two synthetic captures with bench/synth:
#   big         ~1.1 million MTU-sized packets (1000 connections x 1 MiB
#               responses, TCP timestamps -> 1448-byte segments), ~1.1 GB
#   many-flows  60000 short connections (5000-byte responses), 9700 of them
#               reusing the 4-tuple of an earlier, closed connection
# Each tool runs once on each file as a warm-up of the page cache (cat), then
# RUNS times under /usr/bin/time; the Markdown table on stdout gives the median
# wall time, the peak RSS, and the time as a multiple of tcptrace's, of
# segscope-csv's and of dd's (reading the file, one core) on the same file. Progress goes to stderr. segscope runs with
# --format csv, json, jsonl, parquet (into a temp dir) and table, once per
# core count in CORES (pinned with taskset: "1" is one core, "all" every
# core), so the table shows what the cores add; tcptrace and tshark run
# unpinned (they use one core).
#
# Environment:
#   BENCH_DIR    where the generated files go (kept, and reused when present);
#                default: a mktemp dir, removed at exit unless KEEP=1
#   KEEP=1       keep the default temp dir
#   SKIP_TSHARK=1  skip tshark (it is slow)
#   SKIP_HTTPS=1   skip the HTTPS file (https: BIG_CONNS real TLS 1.3 sessions of
#                BIG_RESPONSE_BYTES each, ~1.1 GB, with its key log; segscope-keylog
#                is segscope-json decrypting it)
#   RUNS         runs per tool and file (default 3)
#   CORES        core counts segscope runs on (default "1 all"; e.g. "1 2 4 all")
#   SHARDS       --workers values segscope-json-wN runs with on all cores
#                (default "2"; "" for none): the default, 0, fits the CPUs
#   TIMEOUT      seconds after which one run is killed (default: none)
#   BIG_CONNS, BIG_RESPONSE_BYTES, MANY_CONNS, MANY_REUSED, MANY_RESPONSE_BYTES
#                override the generated files' shape
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-}
BIG_CONNS=${BIG_CONNS:-1000}
BIG_RESPONSE_BYTES=${BIG_RESPONSE_BYTES:-1048576}
MANY_CONNS=${MANY_CONNS:-60000}
MANY_REUSED=${MANY_REUSED:-9700}
MANY_RESPONSE_BYTES=${MANY_RESPONSE_BYTES:-5000}

log() { printf '%s\n' "$*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/segscope-bench.XXXXXX")
cleanup() {
	rm -rf "$tmp"
	if [[ -n ${own_dir:-} && ${KEEP:-0} != 1 ]]; then
		rm -rf "$own_dir"
	elif [[ -n ${own_dir:-} ]]; then
		log "kept files in $own_dir"
	fi
}
trap cleanup EXIT

# --- tools ------------------------------------------------------------------
missing=()
have_time=1
if [[ ! -x /usr/bin/time ]]; then
	have_time=0
	missing+=(time)
	log "warning: /usr/bin/time (GNU time) not found: wall times only, no memory figures"
fi

tools=()
log "building segscope..."
if (cd "$repo" && go build -o "$tmp/segscope" ./cmd/segscope) >"$tmp/build.log" 2>&1; then
	for k in ${CORES:-1 all}; do
		for t in segscope-csv segscope-json segscope-jsonl segscope-parquet segscope-table; do
			tools+=("$t@$k")
		done
	done
	# --workers 0 (the default) tracks on the reading goroutine on two
	# CPUs or fewer: the shards, measured anyway.
	for w in ${SHARDS:-2}; do
		tools+=("segscope-json-w$w@all")
	done
else
	log "warning: building ./cmd/segscope failed, skipping segscope:"
	sed 's/^/    /' "$tmp/build.log" >&2
fi
# dd reading the file, pinned to one core: the floor the one-core figures
# are measured against (the issue asks for at most 2x).
tools+=(dd@1)
if command -v tcptrace >/dev/null; then tools+=(tcptrace); else missing+=(tcptrace); fi
if [[ ${SKIP_TSHARK:-0} == 1 ]]; then
	log "SKIP_TSHARK=1: skipping tshark"
elif command -v tshark >/dev/null; then
	tools+=(tshark)
else
	missing+=(tshark)
fi
if ((${#missing[@]})); then
	log "missing: ${missing[*]} -- install with: apt-get install tcptrace tshark time"
fi

# --- files ------------------------------------------------------------------
declare -A packets=()
declare -A keylog_for=()
files=()
if (($# > 0)); then
	for f in "$@"; do
		[[ -r $f ]] || { log "cannot read $f"; exit 1; }
		files+=("$f")
		if command -v capinfos >/dev/null; then
			packets[$f]=$(capinfos -M -c -r -T "$f" 2>/dev/null | awk -F'\t' 'NF>1{print $2; exit}')
		fi
	done
else
	if [[ -n ${BENCH_DIR:-} ]]; then
		dir=$BENCH_DIR
		mkdir -p "$dir"
	else
		own_dir=$(mktemp -d "${TMPDIR:-/tmp}/segscope-bench-files.XXXXXX")
		dir=$own_dir
	fi
	avail_kib=$(df -Pk "$dir" | awk 'NR==2{print $4}')
	if ((avail_kib < 2 * 1024 * 1024)); then
		log "warning: only $((avail_kib / 1024)) MiB free in $dir; the two files need about 1.6 GB"
	fi
	log "building bench/synth..."
	(cd "$repo" && go build -o "$tmp/synth" ./bench/synth)
	gen() { # name, synth flags...
		local name=$1
		shift
		local f="$dir/$name.pcap"
		local key="$*"
		if [[ -s $f && -s $f.stats && $(head -n1 "$f.stats") == "$key" ]]; then
			log "reusing $f"
		else
			log "generating $f ($key)..."
			rm -f "$f" "$f.stats"
			"$tmp/synth" -o "$f" "$@" 2>"$tmp/synth.out" || { cat "$tmp/synth.out" >&2; exit 1; }
			{ printf '%s\n' "$key"; cat "$tmp/synth.out"; } >"$f.stats"
		fi
		log "  $(tail -n1 "$f.stats")  size=$(du -h --apparent-size "$f" | cut -f1)"
		packets[$f]=$(tail -n1 "$f.stats" | sed -n 's/.*packets=\([0-9]*\).*/\1/p')
		files+=("$f")
	}
	gen big -conns "$BIG_CONNS" -response-bytes "$BIG_RESPONSE_BYTES" -timestamps=true -seed 1
	gen many-flows -conns "$MANY_CONNS" -reused "$MANY_REUSED" -response-bytes "$MANY_RESPONSE_BYTES" -timestamps=true -seed 2
	if [[ ${SKIP_HTTPS:-0} != 1 ]]; then
		# One real TLS 1.3 session (a 1 MiB HTTP/1.1 response) on every
		# connection, with its key log: segscope-keylog decrypts it.
		gen https -conns "$BIG_CONNS" -response-bytes "$BIG_RESPONSE_BYTES" -timestamps=true -seed 3 -tls 1.3 -keylog "$dir/https.keys"
		keylog_for[$dir/https.pcap]=$dir/https.keys
	fi
fi

# --- measuring --------------------------------------------------------------
# tool_cmd TOOL FILE: sets cmd to the command line for one run.
tool_cmd() {
	case $1 in
	segscope-csv) cmd=("$tmp/segscope" analyze -q --format csv "$2") ;;
	segscope-json) cmd=("$tmp/segscope" analyze -q --format json "$2") ;;
	segscope-jsonl) cmd=("$tmp/segscope" analyze -q --format jsonl "$2") ;;
	segscope-parquet) cmd=("$tmp/segscope" analyze -q --format parquet -w "$tmp/parquet" "$2") ;;
	segscope-table) cmd=("$tmp/segscope" analyze -q "$2") ;;
	segscope-keylog) cmd=("$tmp/segscope" analyze -q --format json --keylog "${keylog_for[$2]}" "$2") ;;
	segscope-json-w*) cmd=("$tmp/segscope" analyze -q --format json --workers "${1#segscope-json-w}" "$2") ;;
	dd) cmd=(dd if="$2" of=/dev/null bs=1M status=none) ;;
	tcptrace) cmd=(tcptrace -l -n "$2") ;;
	tshark) cmd=(tshark -q -z "conv,tcp" -r "$2") ;;
	esac
}

# measure TOOL FILE: prints "SECONDS KIB" for one run (KIB is - without GNU
# time), or "fail" / "timeout".
measure() {
	local err=$tmp/run.err tf=$tmp/time.out rc=0 cmd=() pre=()
	tool_cmd "$1" "$2"
	if [[ -n $TIMEOUT ]]; then pre=(timeout "$TIMEOUT"); fi
	if [[ -n ${cores:-} && $cores != all ]]; then pre=(taskset -c "0-$((cores - 1))" "${pre[@]}"); fi
	if ((have_time)); then
		"${pre[@]}" /usr/bin/time -f '%e s %M KiB' -o "$tf" "${cmd[@]}" >/dev/null 2>"$err" || rc=$?
	else
		local t0=$EPOCHREALTIME
		"${pre[@]}" "${cmd[@]}" >/dev/null 2>"$err" || rc=$?
		awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f s - KiB\n", b-a}' >"$tf"
	fi
	if ((rc == 124)); then
		echo timeout
	elif ((rc != 0)); then
		log "  $1 on $2 exited $rc:"
		tail -n 5 "$err" | sed 's/^/    /' >&2
		echo fail
	else
		awk '{print $1, $3}' "$tf"
	fi
}

rows=()
for f in "${files[@]}"; do
	log "warming the page cache with $f..."
	cat "$f" >/dev/null
	ftools=("${tools[@]}")
	if [[ -n ${keylog_for[$f]:-} && " ${tools[*]} " == *" segscope-json@all "* ]]; then
		ftools+=(segscope-keylog@all) # the same analysis, decrypting: the cost of the key log
	fi
	for tool in "${ftools[@]}"; do
		secs=() peak=0 status=ok cores=
		label=$tool
		if [[ $tool == *@* ]]; then
			cores=${tool#*@}
			tool=${tool%@*}
			label="$tool ($cores core$([[ $cores == 1 ]] || echo s))"
		fi
		for ((i = 1; i <= RUNS; i++)); do
			r=$(measure "$tool" "$f")
			if [[ $r == fail || $r == timeout ]]; then
				status=$r
				break
			fi
			read -r s k <<<"$r"
			secs+=("$s")
			if [[ $k != - ]] && ((k > peak)); then peak=$k; fi
			log "  $label $(basename "$f") run $i: $s s, $k KiB"
		done
		name=$(basename "$f")
		name=${name%.pcap}
		if [[ $status != ok ]]; then
			rows+=("$name|$label|${packets[$f]:-?}|$status${TIMEOUT:+ (>${TIMEOUT}s)}|-")
			continue
		fi
		median=$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
		if ((have_time)); then
			mib=$(awk -v k="$peak" 'BEGIN{printf "%.0f", k/1024}')
		else
			mib=-
		fi
		rows+=("$name|$label|${packets[$f]:-?}|$median|$mib")
	done
done

# The table, with each time as a multiple of tcptrace's, segscope-csv's and
# dd's on the same file.
echo "| tool | file | packets | median seconds | peak MiB | x tcptrace | x segscope-csv (all cores) | x dd |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
if ((${#rows[@]})); then
	printf '%s\n' "${rows[@]}" | awk -F'|' '
		{ file[NR] = $1; tool[NR] = $2; pk[NR] = $3; t[NR] = $4; mib[NR] = $5
		  if ($2 == "tcptrace") tcp[$1] = $4
		  if ($2 == "dd (1 core)") dd[$1] = $4
		  if ($2 == "segscope-csv (all cores)") csv[$1] = $4 }
		function ratio(a, b) { return (b + 0 > 0 && a ~ /^[0-9.]+$/) ? sprintf("%.2f", a / b) : "-" }
		END { for (i = 1; i <= NR; i++)
			printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", tool[i], file[i], pk[i], t[i], mib[i], ratio(t[i], tcp[file[i]]), ratio(t[i], csv[file[i]]), ratio(t[i], dd[file[i]]) }'
fi
