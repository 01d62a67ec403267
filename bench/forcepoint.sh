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
# GATELOG_BENCH_SCHEMA (raw, ocsf or ecs; default raw) is what the file sink
# writes: the same records, normalized or not.
set -euo pipefail

RECORDS=${1:-500000}
RUNS=${GATELOG_BENCH_RUNS:-3}
SCHEMA=${GATELOG_BENCH_SCHEMA:-raw}
PAGE_SIZE=1000
TOKEN=demo-token
API_PATH=/api/bitglassapi/logs/v1/
PARAMS="type=access&cv=1.1.5&responseformat=json"

SCRIPT=forcepoint.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
need_count RECORDS "$RECORDS"
need_count GATELOG_BENCH_RUNS "$RUNS"
case $SCHEMA in raw | ocsf | ecs) ;; *) die "GATELOG_BENCH_SCHEMA must be raw, ocsf or ecs, not $SCHEMA" ;; esac
need_tools
setup

# start_sim starts the simulator, trying another port when one was taken.
start_sim() {
	local attempt
	for attempt in 1 2 3 4 5; do
		launch_sim "$API_PATH" --records "$RECORDS" --daily-limit 0 --page-size "$PAGE_SIZE" && return 0
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
# Sets GL_SECS, GL_RSS_KB and GL_CPU.
gatelog_run() {
	local dir=$1
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
    schema: $SCHEMA
EOF
	timed_run "$dir"
	if [[ $GL_LINES -ne $RECORDS ]]; then
		cat "$dir/stderr.txt" >&2
		die "the file sink holds $GL_LINES lines, expected exactly $RECORDS"
	fi
}

start_sim
echo "simulator: $BASE (pid $SIM_PID), $RECORDS access records, $PAGE_SIZE per page"
echo

declare -a c_rps c_mbs g_rps g_mbs ratio rss c_secs g_secs cpu_us rows
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
	cpu_us+=("$(calc '%.1f' "$GL_CPU * 1e6 / $RECORDS")")
	i=$((run - 1))
	printf 'run %d: curl %6.2fs %8s rec/s %6s MB/s (%d pages, %d bytes) | gatelog %6.2fs %8s rec/s %6s MB/s, %s us CPU/record, peak RSS %s MiB | gatelog/curl %s\n' \
		"$run" "$CURL_SECS" "${c_rps[i]}" "${c_mbs[i]}" "$CURL_PAGES" "$CURL_BYTES" \
		"$GL_SECS" "${g_rps[i]}" "${g_mbs[i]}" "${cpu_us[i]}" "${rss[i]}" "${ratio[i]}"
	rows+=("| $run | ${c_secs[i]} | ${c_rps[i]} | ${c_mbs[i]} | ${g_secs[i]} | ${g_rps[i]} | ${g_mbs[i]} | ${ratio[i]} | ${cpu_us[i]} | ${rss[i]} |")
done

echo
echo "## Summary"
echo
echo "$RECORDS access records, $PAGE_SIZE per page ($CURL_PAGES requests per run), $CURL_BYTES response bytes per run; schema $SCHEMA;"
echo "$RUNS runs, alternating curl and gatelog; MB = 10^6 bytes; ratio = gatelog rec/s / curl rec/s;"
echo "CPU/record = gatelog's user + system CPU time (GNU time) over the records, the whole run included."
echo
echo "| run | curl s | curl rec/s | curl MB/s | gatelog s | gatelog rec/s | gatelog MB/s | gatelog/curl | gatelog us CPU/record | gatelog peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo "| **median** | $(median "${c_secs[@]}") | $(median "${c_rps[@]}") | $(median "${c_mbs[@]}") | $(median "${g_secs[@]}") | $(median "${g_rps[@]}") | $(median "${g_mbs[@]}") | $(median "${ratio[@]}") | $(median "${cpu_us[@]}") | $(median "${rss[@]}") |"
echo
machine
echo "- simulator, curl and gatelog share the same CPUs; the simulator generates each page on request."
