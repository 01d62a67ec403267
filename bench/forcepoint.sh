#!/usr/bin/env bash
# bench/forcepoint.sh [RECORDS] - end-to-end throughput of the Forcepoint
# client against the local simulator, next to a plain bash+curl loop that
# fetches the same pages.
#
# Run from the repository root:  bench/forcepoint.sh [RECORDS]   (default 500000)
#
# Everything stays on 127.0.0.1. Nothing is asserted about speed: the script
# measures and prints. It fails only when a run is wrong (missing records,
# wrong page count, an HTTP error).
#
# GATELOG_BENCH_RUNS (default 3) sets how many curl/gatelog pairs are run.
set -euo pipefail

RECORDS=${1:-500000}
RUNS=${GATELOG_BENCH_RUNS:-3}
PAGE_SIZE=1000
TOKEN=demo-token
API_PATH=/api/bitglassapi/logs/v1/
PARAMS="type=access&cv=1.1.5&responseformat=json"

die() { printf 'forcepoint.sh: %s\n' "$*" >&2; exit 1; }

[[ $RECORDS =~ ^[1-9][0-9]*$ ]] || die "RECORDS must be a positive integer, got '$RECORDS'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "GATELOG_BENCH_RUNS must be a positive integer, got '$RUNS'"
[[ -f go.mod && -d cmd/gatelog ]] || die "run me from the repository root: bench/forcepoint.sh [RECORDS]"

# --- prerequisites --------------------------------------------------------
command -v go >/dev/null || die "go not found in PATH: install Go (see go.mod for the version)"
command -v curl >/dev/null || die "curl not found: install it (Debian/Ubuntu: apt-get install curl)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (the bash builtin 'time' cannot report peak RSS): install it (Debian/Ubuntu: apt-get install time)"
/usr/bin/time -f '%e %M' true 2>/dev/null || die "/usr/bin/time does not take -f: GNU time is needed (Debian/Ubuntu: apt-get install time)"
for tool in awk sed head sort find wc date; do
	command -v "$tool" >/dev/null || die "$tool not found in PATH"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatelog-bench.XXXXXX")
SIM_PID=
cleanup() {
	if [[ -n $SIM_PID ]] && kill -0 "$SIM_PID" 2>/dev/null; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ----------------------------------------------------------------
BIN=$TMP/gatelog
echo "building gatelog into $BIN ..."
go build -o "$BIN" ./cmd/gatelog

# --- simulator ------------------------------------------------------------
# pick_port prints a loopback port nothing listens on (a connect is refused).
pick_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_sim starts the simulator on a free port and waits until it answers
# HTTP. Another process may grab the port between the probe and the bind;
# then the simulator exits and another port is tried.
start_sim() {
	local attempt i code
	for attempt in 1 2 3 4 5; do
		PORT=$(pick_port) || die "found no free loopback port"
		BASE=http://127.0.0.1:$PORT
		"$BIN" simulate --addr "127.0.0.1:$PORT" --records "$RECORDS" --daily-limit 0 \
			--page-size "$PAGE_SIZE" >"$TMP/simulator.log" 2>&1 &
		SIM_PID=$!
		for i in $(seq 1 200); do
			if ! kill -0 "$SIM_PID" 2>/dev/null; then
				wait "$SIM_PID" 2>/dev/null || true
				SIM_PID=
				break
			fi
			# Any HTTP answer (401 without credentials) means it is serving.
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE$API_PATH" || true)
			if [[ $code != 000 ]]; then
				return 0
			fi
			sleep 0.1
		done
		if [[ -n $SIM_PID ]]; then
			cat "$TMP/simulator.log" >&2
			die "the simulator on port $PORT did not answer within 20s"
		fi
	done
	cat "$TMP/simulator.log" >&2
	die "the simulator failed to start 5 times"
}

# --- the curl baseline ----------------------------------------------------
# curl_run DIR: fetch every page of log type access the way gatelog does:
# startdate first, then nextpagetoken until it is empty, e30= or unchanged.
# Sets CURL_SECS, CURL_PAGES and CURL_BYTES.
curl_run() {
	local dir=$1 sent="" tok enc query n=0 t0 t1 f
	mkdir -p "$dir"
	query="startdate=$(date -u -d '-24 hours' +%Y-%m-%dT%H:%M:%SZ)"
	t0=$EPOCHREALTIME
	while :; do
		n=$((n + 1))
		f=$dir/page-$n.json
		if ! curl -sS --fail -H "Authorization: Bearer $TOKEN" -o "$f" "$BASE$API_PATH?$PARAMS&$query"; then
			die "curl baseline: request $n failed ($BASE$API_PATH?$PARAMS&$query)"
		fi
		# LC_ALL=C: head -c may cut a multi-byte character, which sed would
		# otherwise leave behind in the token in a UTF-8 locale.
		tok=$(head -c 512 "$f" | LC_ALL=C sed -n 's/.*"nextpagetoken": *"\([^"]*\)".*/\1/p')
		if [[ -z $tok || $tok == "e30=" || $tok == "$sent" ]]; then
			break
		fi
		sent=$tok
		enc=${tok//+/%2B}
		enc=${enc//\//%2F}
		enc=${enc//=/%3D}
		query="nextpagetoken=$enc"
	done
	t1=$EPOCHREALTIME
	CURL_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	CURL_PAGES=$n
	CURL_BYTES=$(find "$dir" -type f -name 'page-*.json' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
	local want=$(((RECORDS + PAGE_SIZE - 1) / PAGE_SIZE + 1)) # data pages + the caught-up page
	[[ $CURL_PAGES -eq $want ]] || die "curl baseline fetched $CURL_PAGES pages, expected $want"
}

# --- gatelog --------------------------------------------------------------
# gatelog_run DIR: one `gatelog run --once` into a fresh state and file sink.
# Sets GL_SECS and GL_RSS_KB.
gatelog_run() {
	local dir=$1 lines
	mkdir -p "$dir"
	cat >"$dir/gatelog.yaml" <<EOF
state: $dir/state.db
sources:
  - name: bench
    type: forcepoint
    base_url: $BASE
    auth:
      token: $TOKEN
    log_types: [access]
    daily_request_budget: 100000
sinks:
  - name: files
    type: file
    path: $dir/logs
EOF
	# Run inside DIR so that no .env of the caller's working directory applies.
	if ! (cd "$dir" && /usr/bin/time -f '%e %M' -o "$dir/time.txt" \
		"$BIN" run --once -c "$dir/gatelog.yaml" --log-level warn >"$dir/stdout.txt" 2>"$dir/stderr.txt"); then
		cat "$dir/stderr.txt" >&2
		die "gatelog run --once failed"
	fi
	read -r GL_SECS GL_RSS_KB < <(tail -n 1 "$dir/time.txt")
	[[ $GL_SECS == 0.00 ]] && GL_SECS=0.01 # /usr/bin/time rounds to 10 ms
	lines=$(find "$dir/logs" -type f -name '*.jsonl' -exec cat {} + | wc -l)
	if [[ $lines -ne $RECORDS ]]; then
		cat "$dir/stderr.txt" >&2
		die "the file sink holds $lines lines, expected exactly $RECORDS"
	fi
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

start_sim
echo "simulator: $BASE (pid $SIM_PID), $RECORDS access records, $PAGE_SIZE per page"
echo

declare -a c_rps c_mbs g_rps g_mbs ratio rss c_secs g_secs rows
for run in $(seq 1 "$RUNS"); do
	curl_run "$TMP/curl-$run"
	rm -rf "$TMP/curl-$run"
	gatelog_run "$TMP/gatelog-$run"
	rm -rf "$TMP/gatelog-$run"

	c_secs+=("$CURL_SECS")
	g_secs+=("$GL_SECS")
	c_rps+=("$(calc '%.0f' "$RECORDS / $CURL_SECS")")
	c_mbs+=("$(calc '%.1f' "$CURL_BYTES / $CURL_SECS / 1e6")")
	g_rps+=("$(calc '%.0f' "$RECORDS / $GL_SECS")")
	g_mbs+=("$(calc '%.1f' "$CURL_BYTES / $GL_SECS / 1e6")")
	ratio+=("$(calc '%.2f' "$CURL_SECS / $GL_SECS")")
	rss+=("$(calc '%.1f' "$GL_RSS_KB / 1024")")
	i=$((run - 1))
	printf 'run %d: curl %6.2fs %8s rec/s %6s MB/s (%d pages, %d bytes) | gatelog %6.2fs %8s rec/s %6s MB/s, peak RSS %s MiB | gatelog/curl %s\n' \
		"$run" "$CURL_SECS" "${c_rps[i]}" "${c_mbs[i]}" "$CURL_PAGES" "$CURL_BYTES" \
		"$GL_SECS" "${g_rps[i]}" "${g_mbs[i]}" "${rss[i]}" "${ratio[i]}"
	rows+=("| $run | ${c_secs[i]} | ${c_rps[i]} | ${c_mbs[i]} | ${g_secs[i]} | ${g_rps[i]} | ${g_mbs[i]} | ${ratio[i]} | ${rss[i]} |")
done

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
load=$(uptime | sed 's/.*load average: *//')
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)

echo
echo "## Summary"
echo
echo "$RECORDS access records, $PAGE_SIZE per page ($CURL_PAGES requests per run), $CURL_BYTES response bytes per run;"
echo "$RUNS runs, alternating curl and gatelog; MB = 10^6 bytes; ratio = gatelog rec/s / curl rec/s."
echo
echo "| run | curl s | curl rec/s | curl MB/s | gatelog s | gatelog rec/s | gatelog MB/s | gatelog/curl | gatelog peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo "| **median** | $(median "${c_secs[@]}") | $(median "${c_rps[@]}") | $(median "${c_mbs[@]}") | $(median "${g_secs[@]}") | $(median "${g_rps[@]}") | $(median "${g_mbs[@]}") | $(median "${ratio[@]}") | $(median "${rss[@]}") |"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr)"
echo "- load average (1, 5, 15 min) at the end: $load"
echo "- $(go version | sed 's/^go version //'), gatelog $rev"
echo "- simulator, curl and gatelog share the same CPUs; the simulator generates each page on request."
