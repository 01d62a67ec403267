#!/usr/bin/env bash
# bench/symantec.sh [HOURS] [LINES_PER_HOUR] - end-to-end throughput of the
# Symantec Cloud SWG client (sync API, access logs) against the local
# simulator, next to a plain bash+curl+unzip+gunzip pipeline that fetches
# and decompresses the same archives.
#
# Run from the repository root:
#   bench/symantec.sh [HOURS] [LINES_PER_HOUR]   (default 24 x 66000: about
#                                                 1.0 GB of uncompressed ELFF)
#
# Everything stays on 127.0.0.1. Nothing is asserted about speed: the script
# measures and prints. It fails only when a run is wrong (a line count that
# differs, an unexpected request count or sync status, an HTTP error).
#
# GATELOG_BENCH_RUNS (default 3) sets how many curl/gatelog pairs are run.
# GATELOG_BENCH_SCHEMA (raw, ocsf or ecs; default raw) is what the file sink
# writes: the same records, normalized or not.
set -euo pipefail

HOURS=${1:-24}
LINES_PER_HOUR=${2:-66000}
RUNS=${GATELOG_BENCH_RUNS:-3}
SCHEMA=${GATELOG_BENCH_SCHEMA:-raw}
# Lines per sync archive before the simulator answers "more": about 63 MB of
# ELFF (8.4 MB zipped) with the simulator's ~630-byte lines, so a catch-up
# of the defaults takes 16 archives. (RELAY reports under 10 MB per normal
# poll and up to a 1.5 GB ZIP in a catch-up.)
ARCHIVE_LINES=100000
API_USER=demo-swg-key
API_PASS=demo-swg-secret
SYNC_PATH=/reportpod/logs/sync

SCRIPT=symantec.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
need_count HOURS "$HOURS"
[[ $HOURS -le 2000 ]] || die "HOURS must be at most 2000 (Symantec keeps access logs 100 days), got $HOURS"
need_count LINES_PER_HOUR "$LINES_PER_HOUR"
need_count GATELOG_BENCH_RUNS "$RUNS"
case $SCHEMA in raw | ocsf | ecs) ;; *) die "GATELOG_BENCH_SCHEMA must be raw, ocsf or ecs, not $SCHEMA" ;; esac
LINES=$((HOURS * LINES_PER_HOUR))

need_tools tail tr grep cut od getconf
command -v unzip >/dev/null || die "unzip not found (the baseline extracts the sync archives with it): install it (Debian/Ubuntu: apt-get install unzip)"
command -v gunzip >/dev/null || die "gunzip not found (the baseline decompresses the .log.gz members with it): install it (Debian/Ubuntu: apt-get install gzip)"
setup

# start_sim starts the simulator, trying another port when one was taken.
# The simulator's log hours are [current hour - HOURS, current hour) at its
# start, so START_MS is taken from the same hour; should the hour turn while
# it starts, it is started again.
start_sim() {
	local attempt h0
	for attempt in 1 2 3 4 5; do
		h0=$(($(date +%s) / 3600))
		launch_sim "$SYNC_PATH" --swg-hours "$HOURS" --swg-lines-per-hour "$LINES_PER_HOUR" \
			--swg-archive-lines "$ARCHIVE_LINES" || continue
		if [[ $h0 -eq $(($(date +%s) / 3600)) ]]; then
			START_MS=$(((h0 - HOURS) * 3600 * 1000))
			return 0
		fi
		echo "the hour turned while the simulator started; starting it again"
		stop_sim
	done
	cat "$TMP/simulator.log" >&2
	die "the simulator failed to start 5 times"
}

# --- the curl baseline ----------------------------------------------------
# sync_get FILE QUERY: one sync request, body to FILE. Sets TOK and STATUS
# from the trailer at the end of the body and HAS_ZIP (1 when the body
# starts with a ZIP local header, 0 for a trailer-only body).
sync_get() {
	local f=$1 query=$2 tail_text
	if ! curl -sS --fail -H "X-APIUsername: $API_USER" -H "X-APIPassword: $API_PASS" \
		-o "$f" "$BASE$SYNC_PATH?$query"; then
		die "curl baseline: request failed ($BASE$SYNC_PATH?$query)"
	fi
	# The trailer is "X-sync-token: <tok>\r\nX-sync-status: <s>\r\n" right
	# after the ZIP bytes (no newline before it); 512 bytes of tail hold it.
	# LC_ALL=C and tr -d '\0': the tail begins inside binary ZIP data.
	tail_text=$(tail -c 512 "$f" | LC_ALL=C tr -d '\0\r')
	TOK=$(printf '%s\n' "$tail_text" | LC_ALL=C sed -n 's/.*X-sync-token: *//p' | tail -n 1)
	STATUS=$(printf '%s\n' "$tail_text" | LC_ALL=C sed -n 's/.*X-sync-status: *//p' | tail -n 1)
	HAS_ZIP=0
	[[ $(head -c 4 "$f" | od -An -tx1 | tr -d ' \n') == 504b0304 ]] && HAS_ZIP=1
	return 0
}

# zip_end FILE prints the offset where the trailer starts: the ZIP's length.
zip_end() {
	local f=$1 size tl off
	size=$(wc -c <"$f")
	tl=$((size < 512 ? size : 512))
	off=$(tail -c "$tl" "$f" | LC_ALL=C grep -abo 'X-sync-token: ' | tail -n 1 | cut -d: -f1)
	[[ -n $off ]] || die "no sync trailer in $f"
	echo $((size - tl + off))
}

# UNZIP_MODE: "direct" when unzip reads an archive with the trailer still
# appended, "cut" when the trailer must be cut off first (head -c). Decided
# once by probe_unzip, before any timed run.
UNZIP_MODE=direct

# elff_count ARCHIVE: unzip -p | gunzip -c of every member, counting the
# lines that are not # directives and all bytes. Sets ARCH_LINES and
# ARCH_BYTES.
elff_count() {
	local a=$1 end out
	if [[ $UNZIP_MODE == cut ]]; then
		end=$(zip_end "$a") || exit 1
		head -c "$end" "$a" >"$a.zip"
		a=$a.zip
	fi
	out=$(unzip -p "$a" | gunzip -c | LC_ALL=C awk '!/^#/ { n++ } { b += length($0) + 1 } END { printf "%d %d", n, b }') ||
		die "unzip -p $a | gunzip -c failed"
	read -r ARCH_LINES ARCH_BYTES <<<"$out"
}

# probe_unzip fetches the first archive of a session once and finds out
# whether unzip accepts it with the trailer appended (Info-ZIP looks for the
# end-of-central-directory record from the end and skips trailing bytes).
probe_unzip() {
	local f=$TMP/probe.bin rc
	sync_get "$f" "startDate=$START_MS&endDate=0&token=none"
	[[ $HAS_ZIP -eq 1 ]] || die "the first sync answer holds no ZIP (status '$STATUS')"
	set +o pipefail
	unzip -p "$f" 2>"$TMP/probe.err" | gunzip -c >/dev/null 2>&1
	rc=${PIPESTATUS[0]}
	set -o pipefail
	if [[ $rc -eq 0 && ! -s $TMP/probe.err ]]; then
		UNZIP_MODE=direct
		echo "unzip reads a sync archive with the trailer appended: no cut needed"
	else
		UNZIP_MODE=cut
		echo "unzip exits $rc on a sync archive with the trailer appended ($(head -n 1 "$TMP/probe.err")): the baseline cuts the trailer off with head -c first"
		head -c "$(zip_end "$f")" "$f" >"$f.zip" || exit 1
		unzip -p "$f.zip" | gunzip -c >/dev/null || die "unzip fails even on the archive without its trailer"
	fi
	rm -f "$f" "$f.zip"
}

# curl_run DIR: walk the sync API the way gatelog does (startDate = first
# simulated hour in epoch ms, token=none, then each trailer's token at once
# while the status is "more"), each body to a file with curl -o, until
# "done" with no ZIP or an unchanged token; then unzip | gunzip every saved
# archive and count its lines and bytes.
# Sets CURL_SECS, CURL_FETCH_SECS, CURL_REQS, CURL_ZIPS, CURL_ZIP_BYTES,
# ELFF_BYTES and DATA_LINES.
curl_run() {
	local dir=$1 sent="" query n=0 t0 t1 t2 f a
	mkdir -p "$dir"
	query="startDate=$START_MS&endDate=0&token=none"
	local -a archives=()
	t0=$EPOCHREALTIME
	while :; do
		n=$((n + 1))
		f=$dir/sync-$(printf '%04d' "$n").bin
		sync_get "$f" "$query"
		case $STATUS in
		more | done) ;;
		*) die "curl baseline: request $n: sync status '$STATUS', want more or done" ;;
		esac
		[[ -n $TOK ]] || die "curl baseline: request $n: no X-sync-token in the trailer"
		if [[ $STATUS == done && ($HAS_ZIP -eq 0 || $TOK == "$sent") ]]; then
			[[ $HAS_ZIP -eq 0 ]] && rm -f "$f"
			break
		fi
		[[ $HAS_ZIP -eq 1 ]] || die "curl baseline: request $n: status '$STATUS' without a ZIP"
		[[ $TOK != "$sent" ]] || die "curl baseline: request $n: status '$STATUS' with the token sent"
		archives+=("$f")
		sent=$TOK
		query="startDate=$START_MS&endDate=0&token=$TOK"
	done
	t1=$EPOCHREALTIME
	DATA_LINES=0
	ELFF_BYTES=0
	for a in "${archives[@]}"; do
		elff_count "$a"
		DATA_LINES=$((DATA_LINES + ARCH_LINES))
		ELFF_BYTES=$((ELFF_BYTES + ARCH_BYTES))
	done
	t2=$EPOCHREALTIME
	CURL_SECS=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
	CURL_FETCH_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	CURL_REQS=$n
	CURL_ZIPS=${#archives[@]}
	CURL_ZIP_BYTES=$(find "$dir" -type f -name 'sync-*.bin' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
	local want=$(((LINES + ARCHIVE_LINES - 1) / ARCHIVE_LINES))
	[[ $CURL_ZIPS -eq $want ]] || die "curl baseline fetched $CURL_ZIPS archives, expected $want"
	[[ $CURL_REQS -eq $((want + 1)) ]] || die "curl baseline made $CURL_REQS requests, expected $((want + 1)) (the archives and the caught-up answer)"
	[[ $DATA_LINES -eq $LINES ]] || die "curl baseline counted $DATA_LINES data lines, expected $LINES ($HOURS x $LINES_PER_HOUR)"
}

# --- gatelog --------------------------------------------------------------
# gatelog_run DIR: one `gatelog run --once` into a fresh state and file sink.
# Sets GL_SECS and GL_RSS_KB.
gatelog_run() {
	local dir=$1
	mkdir -p "$dir"
	# start: one hour more than the simulated hours, so that the session's
	# startDate (now - start, floored to the hour) is at or before the first
	# simulated hour even if the hour has turned since the simulator started.
	cat >"$dir/gatelog.yaml" <<EOF
state: $dir/state.db
sources:
  - name: bench
    type: symantec
    base_url: $BASE
    access_logs:
      username: $API_USER
      password: $API_PASS
    log_types: [accesslog]
    start: $((HOURS + 1))h
    poll_interval: 5m
sinks:
  - name: files
    type: file
    path: $dir/logs
    schema: $SCHEMA
EOF
	timed_run "$dir"
	if [[ $GL_LINES -ne $DATA_LINES ]]; then
		cat "$dir/stderr.txt" >&2
		die "the file sink holds $GL_LINES records, but the curl baseline counted $DATA_LINES data lines"
	fi
}

# sim_cpu prints the simulator's CPU seconds so far (user + system).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
sim_cpu() {
	awk -v hz="$CLK_TCK" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SIM_PID/stat" 2>/dev/null || echo 0
}


start_sim
echo "simulator: $BASE (pid $SIM_PID), $HOURS hours x $LINES_PER_HOUR access-log lines, $ARCHIVE_LINES lines per sync archive"
echo "sync walk: startDate=$START_MS ($(date -u -d "@$((START_MS / 1000))" '+%Y-%m-%d %H:%M UTC')), endDate=0, token=none"
probe_unzip
echo

declare -a c_secs c_lps c_mbs g_secs g_lps g_mbs ratio rss rows
for run in $(seq 1 "$RUNS"); do
	s0=$(sim_cpu)
	curl_run "$TMP/curl-$run"
	rm -rf "$TMP/curl-$run"
	s1=$(sim_cpu)
	gatelog_run "$TMP/gatelog-$run"
	rm -rf "$TMP/gatelog-$run"
	s2=$(sim_cpu)

	c_secs+=("$CURL_SECS")
	g_secs+=("$GL_SECS")
	c_lps+=("$(calc '%.0f' "$DATA_LINES / $CURL_SECS")")
	c_mbs+=("$(calc '%.1f' "$ELFF_BYTES / $CURL_SECS / 1e6")")
	g_lps+=("$(calc '%.0f' "$DATA_LINES / $GL_SECS")")
	g_mbs+=("$(calc '%.1f' "$ELFF_BYTES / $GL_SECS / 1e6")")
	ratio+=("$(calc '%.2f' "$CURL_SECS / $GL_SECS")")
	rss+=("$(calc '%.1f' "$GL_RSS_KB / 1024")")
	i=$((run - 1))
	printf 'run %d: curl pipeline %6.2fs (fetch %.2fs + unzip|gunzip %.2fs; simulator CPU %.1fs) %8s lines/s %6s MB/s (%d requests, %d zip bytes) | gatelog %6.2fs (simulator CPU %.1fs) %8s lines/s %6s MB/s, peak RSS %s MiB | gatelog/curl %s\n' \
		"$run" "$CURL_SECS" "$CURL_FETCH_SECS" "$(calc '%.2f' "$CURL_SECS - $CURL_FETCH_SECS")" "$(calc '%.1f' "$s1 - $s0")" \
		"${c_lps[i]}" "${c_mbs[i]}" "$CURL_REQS" "$CURL_ZIP_BYTES" \
		"$GL_SECS" "$(calc '%.1f' "$s2 - $s1")" "${g_lps[i]}" "${g_mbs[i]}" "${rss[i]}" "${ratio[i]}"
	rows+=("| $run | ${c_secs[i]} | ${c_lps[i]} | ${c_mbs[i]} | ${g_secs[i]} | ${g_lps[i]} | ${g_mbs[i]} | ${ratio[i]} | ${rss[i]} |")
done

echo
echo "## Summary"
echo
echo "$HOURS hours x $LINES_PER_HOUR lines = $DATA_LINES access-log lines, $ARCHIVE_LINES per archive ($CURL_REQS sync requests per run);"
echo "$ELFF_BYTES bytes of uncompressed ELFF ($CURL_ZIP_BYTES bytes of ZIP) per run, unzip mode: $UNZIP_MODE;"
echo "$RUNS runs, alternating curl pipeline and gatelog; schema $SCHEMA; MB = 10^6 uncompressed ELFF bytes; ratio = gatelog MB/s / curl-pipeline MB/s."
echo
echo "| run | curl pipeline s | curl lines/s | curl MB/s | gatelog s | gatelog lines/s | gatelog MB/s | gatelog/curl | gatelog peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo "| **median** | $(median "${c_secs[@]}") | $(median "${c_lps[@]}") | $(median "${c_mbs[@]}") | $(median "${g_secs[@]}") | $(median "${g_lps[@]}") | $(median "${g_mbs[@]}") | $(median "${ratio[@]}") | $(median "${rss[@]}") |"
echo
machine
echo "- simulator, curl pipeline and gatelog share the same CPUs; the simulator renders and gzips each archive on request"
echo "  (its CPU seconds per walk are in the run lines above)."
