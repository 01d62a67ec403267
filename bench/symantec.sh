#!/usr/bin/env bash
# bench/symantec.sh [HOURS[,HOURS...]] [LINES_PER_HOUR] - CPU cost of the
# Symantec Cloud SWG client (sync API, access logs) against the local
# simulator, next to `unzip -p ARCHIVE | gunzip -c > /dev/null` on the same
# archives: MB of ELFF per CPU-second of each, and gatelog's peak RSS.
#
# Run from the repository root:
#   bench/symantec.sh               (default 24,48 x 66000: about 1.0 GB and
#                                    2.0 GB of uncompressed ELFF)
#   bench/symantec.sh 4 50000       (one size, quicker: 200000 lines, 126 MB)
#
# Everything stays on 127.0.0.1. Nothing is asserted about speed: the script
# measures and prints. It fails only when a run is wrong (a line count that
# differs, an unexpected request count or sync status, an HTTP error).
#
# GATELOG_BENCH_RUNS (default 3) sets how many baseline/gatelog pairs are
# run at each size, interleaved.
# GATELOG_BENCH_SCHEMA (raw, ocsf or ecs; default raw) is what the file sink
# writes: the same records, normalized or not.
set -euo pipefail

SIZES=${1:-24,48}
LINES_PER_HOUR=${2:-66000}
RUNS=${GATELOG_BENCH_RUNS:-3}
SCHEMA=${GATELOG_BENCH_SCHEMA:-raw}
# Lines per sync archive before the simulator answers "more": about 63 MB of
# ELFF (8.4 MB zipped) with the simulator's ~630-byte lines, so a catch-up
# of 1 GB takes 16 archives. (RELAY reports under 10 MB per normal poll and
# up to a 1.5 GB ZIP in a catch-up.)
ARCHIVE_LINES=100000
API_USER=demo-swg-key
API_PASS=demo-swg-secret
SYNC_PATH=/reportpod/logs/sync

SCRIPT=symantec.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
[[ $SIZES =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "HOURS must be positive integers separated by commas, got '$SIZES'"
IFS=, read -r -a HOURS_LIST <<<"$SIZES"
for h in "${HOURS_LIST[@]}"; do
	[[ $h -le 2000 ]] || die "HOURS must be at most 2000 (Symantec keeps access logs 100 days), got $h"
done
need_count LINES_PER_HOUR "$LINES_PER_HOUR"
need_count GATELOG_BENCH_RUNS "$RUNS"
case $SCHEMA in raw | ocsf | ecs) ;; *) die "GATELOG_BENCH_SCHEMA must be raw, ocsf or ecs, not $SCHEMA" ;; esac

need_tools tail tr grep cut od
command -v unzip >/dev/null || die "unzip not found (the baseline extracts the sync archives with it): install it (Debian/Ubuntu: apt-get install unzip)"
command -v gunzip >/dev/null || die "gunzip not found (the baseline decompresses the .log.gz members with it): install it (Debian/Ubuntu: apt-get install gzip)"
setup

# start_sim starts the simulator with HOURS of logs, trying another port
# when one was taken. The simulator's log hours are [current hour - HOURS,
# current hour) at its start, so START_MS is taken from the same hour;
# should the hour turn while it starts, it is started again.
start_sim() {
	local attempt h0
	for attempt in 1 2 3 4 5; do
		h0=$(($(date +%s) / 3600))
		launch_sim "$SYNC_PATH" --swg-hours "$HOURS" --swg-lines-per-hour "$LINES_PER_HOUR" \
			--swg-archive-lines "$ARCHIVE_LINES" --swg-min-interval 0 || continue
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

# --- fetching the archives for the baseline --------------------------------
# sync_get FILE QUERY: one sync request, body to FILE. Sets TOK and STATUS
# from the trailer at the end of the body and HAS_ZIP (1 when the body
# starts with a ZIP local header, 0 for a trailer-only body).
sync_get() {
	local f=$1 query=$2 tail_text
	if ! curl -sS --fail -H "X-APIUsername: $API_USER" -H "X-APIPassword: $API_PASS" \
		-o "$f" "$BASE$SYNC_PATH?$query"; then
		die "curl: request failed ($BASE$SYNC_PATH?$query)"
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
# appended, "cut" when the trailer must be cut off first (head -c, before
# the timed part). Decided once by probe_unzip, before any timed run.
UNZIP_MODE=direct

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
		echo "unzip exits $rc on a sync archive with the trailer appended ($(head -n 1 "$TMP/probe.err")): the trailer is cut off with head -c first, outside the timed part"
		head -c "$(zip_end "$f")" "$f" >"$f.zip" || exit 1
		unzip -p "$f.zip" | gunzip -c >/dev/null || die "unzip fails even on the archive without its trailer"
	fi
	rm -f "$f" "$f.zip"
}

# fetch_archives DIR: walk the sync API the way gatelog does (startDate =
# first simulated hour in epoch ms, token=none, then each trailer's token at
# once while the status is "more"), each body to a file with curl -o, until
# "done" with no ZIP or an unchanged token; then count every archive's data
# lines and ELFF bytes (unzip -p | gunzip -c | awk, not timed). Sets
# ARCHIVES (the files unzip reads), REQS, ZIP_BYTES, ELFF_BYTES and
# DATA_LINES.
fetch_archives() {
	local dir=$1 sent="" query n=0 f a end out lines bytes
	mkdir -p "$dir"
	query="startDate=$START_MS&endDate=0&token=none"
	ARCHIVES=()
	while :; do
		n=$((n + 1))
		f=$dir/sync-$(printf '%04d' "$n").bin
		sync_get "$f" "$query"
		case $STATUS in
		more | done) ;;
		*) die "request $n: sync status '$STATUS', want more or done" ;;
		esac
		[[ -n $TOK ]] || die "request $n: no X-sync-token in the trailer"
		if [[ $STATUS == done && ($HAS_ZIP -eq 0 || $TOK == "$sent") ]]; then
			[[ $HAS_ZIP -eq 0 ]] && rm -f "$f"
			break
		fi
		[[ $HAS_ZIP -eq 1 ]] || die "request $n: status '$STATUS' without a ZIP"
		[[ $TOK != "$sent" ]] || die "request $n: status '$STATUS' with the token sent"
		if [[ $UNZIP_MODE == cut ]]; then
			end=$(zip_end "$f") || exit 1
			head -c "$end" "$f" >"$f.zip"
			rm -f "$f"
			f=$f.zip
		fi
		ARCHIVES+=("$f")
		sent=$TOK
		query="startDate=$START_MS&endDate=0&token=$TOK"
	done
	REQS=$n
	ZIP_BYTES=$(find "$dir" -type f -name 'sync-*' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')
	DATA_LINES=0
	ELFF_BYTES=0
	for a in "${ARCHIVES[@]}"; do
		out=$(unzip -p "$a" | gunzip -c | LC_ALL=C awk '!/^#/ { n++ } { b += length($0) + 1 } END { printf "%d %d", n, b }') ||
			die "unzip -p $a | gunzip -c failed"
		read -r lines bytes <<<"$out"
		DATA_LINES=$((DATA_LINES + lines))
		ELFF_BYTES=$((ELFF_BYTES + bytes))
	done
	local want=$(((LINES + ARCHIVE_LINES - 1) / ARCHIVE_LINES))
	[[ ${#ARCHIVES[@]} -eq $want ]] || die "fetched ${#ARCHIVES[@]} archives, expected $want"
	[[ $REQS -eq $((want + 1)) ]] || die "made $REQS requests, expected $((want + 1)) (the archives and the caught-up answer)"
	[[ $DATA_LINES -eq $LINES ]] || die "counted $DATA_LINES data lines, expected $LINES ($HOURS x $LINES_PER_HOUR)"
}

# baseline_run: `unzip -p ARCHIVE | gunzip -c > /dev/null` of every archive
# in ARCHIVES, in one bash under GNU time, whose user and system seconds
# are those of every process it waited for (unzip and gunzip). Sets
# BASE_SECS, BASE_USER, BASE_SYS and BASE_CPU.
baseline_run() {
	local t=$TMP/baseline-time.txt
	/usr/bin/time -f '%e %U %S' -o "$t" bash -c 'set -o pipefail; for a in "$@"; do unzip -p "$a" | gunzip -c >/dev/null || exit 1; done' \
		baseline "${ARCHIVES[@]}" || die "the baseline unzip -p | gunzip -c failed"
	read -r BASE_SECS BASE_USER BASE_SYS < <(tail -n 1 "$t")
	BASE_CPU=$(calc '%.2f' "$BASE_USER + $BASE_SYS")
}

# --- gatelog --------------------------------------------------------------
# gatelog_run DIR: one `gatelog run --once` into a fresh state and file sink.
# Sets what timed_run sets.
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
		die "the file sink holds $GL_LINES records, but the archives hold $DATA_LINES data lines"
	fi
	GL_OUT_BYTES=$(find "$dir/logs" -type f -name '*.jsonl' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')
}

# mbcpu BYTES SECONDS prints MB (10^6 bytes) per CPU-second.
mbcpu() { calc '%.1f' "$1 / 1e6 / ($2 > 0 ? $2 : 0.01)"; }

declare -a summary
for HOURS in "${HOURS_LIST[@]}"; do
	LINES=$((HOURS * LINES_PER_HOUR))
	start_sim
	echo
	echo "### $HOURS hours x $LINES_PER_HOUR lines"
	echo
	echo "simulator: $BASE (pid $SIM_PID), $HOURS hours x $LINES_PER_HOUR access-log lines, $ARCHIVE_LINES lines per sync archive"
	echo "sync walk: startDate=$START_MS ($(date -u -d "@$((START_MS / 1000))" '+%Y-%m-%d %H:%M UTC')), endDate=0, token=none"
	probe_unzip
	declare -a b_cpu=() b_mbc=() g_cpu=() g_mbc=() g_wall=() ratio=() rss=() rows=()
	for run in $(seq 1 "$RUNS"); do
		fetch_archives "$TMP/archives"
		baseline_run
		gatelog_run "$TMP/gatelog-$run"
		rm -rf "$TMP/gatelog-$run" "$TMP/archives"

		i=$((run - 1))
		b_cpu+=("$BASE_CPU")
		b_mbc+=("$(mbcpu "$ELFF_BYTES" "$BASE_CPU")")
		g_cpu+=("$GL_CPU")
		g_mbc+=("$(mbcpu "$ELFF_BYTES" "$GL_CPU")")
		g_wall+=("$GL_SECS")
		ratio+=("$(calc '%.2f' "$BASE_CPU / $GL_CPU")")
		rss+=("$(calc '%.1f' "$GL_RSS_KB / 1024")")
		printf 'run %d: unzip|gunzip %.2f CPU-s (user %.2f + sys %.2f) %6s MB/CPU-s | gatelog %.2f CPU-s (user %.2f + sys %.2f) %6s MB/CPU-s, %.2fs wall, peak RSS %s MiB, %d bytes of JSONL | gatelog/baseline %s\n' \
			"$run" "$BASE_CPU" "$BASE_USER" "$BASE_SYS" "${b_mbc[i]}" "$GL_CPU" "$GL_USER" "$GL_SYS" "${g_mbc[i]}" "$GL_SECS" "${rss[i]}" "$GL_OUT_BYTES" "${ratio[i]}"
		rows+=("| $run | ${b_cpu[i]} | ${b_mbc[i]} | ${g_cpu[i]} | ${g_mbc[i]} | ${ratio[i]} | ${g_wall[i]} | ${rss[i]} |")
	done
	stop_sim
	echo
	echo "$HOURS hours x $LINES_PER_HOUR lines = $DATA_LINES access-log lines, $ARCHIVE_LINES per archive ($REQS sync requests);"
	echo "$ELFF_BYTES bytes of uncompressed ELFF ($ZIP_BYTES bytes of ZIP), unzip mode: $UNZIP_MODE; schema $SCHEMA;"
	echo "$RUNS runs, alternating baseline and gatelog; MB = 10^6 uncompressed ELFF bytes; CPU-s = user + system seconds;"
	echo "ratio = gatelog MB/CPU-s / baseline MB/CPU-s."
	echo
	echo "| run | unzip\\|gunzip CPU-s | unzip\\|gunzip MB/CPU-s | gatelog CPU-s | gatelog MB/CPU-s | gatelog/baseline | gatelog wall s | gatelog peak RSS MiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	med="| **median** | $(median "${b_cpu[@]}") | $(median "${b_mbc[@]}") | $(median "${g_cpu[@]}") | $(median "${g_mbc[@]}") | $(median "${ratio[@]}") | $(median "${g_wall[@]}") | $(median "${rss[@]}") |"
	echo "$med"
	summary+=("| $(calc '%.2f' "$ELFF_BYTES / 1e9") GB ($HOURS h) | $(median "${b_mbc[@]}") | $(median "${g_mbc[@]}") | $(median "${ratio[@]}") | $(median "${rss[@]}") |")
done

echo
echo "## Summary (medians of $RUNS interleaved runs at each size)"
echo
echo "| ELFF | unzip\\|gunzip MB/CPU-s | gatelog MB/CPU-s | gatelog/baseline | gatelog peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${summary[@]}"
echo
machine
echo "- $(unzip -v | head -n 1 | cut -d' ' -f1-2), $(gzip --version | head -n 1)"
echo "- the simulator, which renders and gzips each archive on request, runs beside both; its CPU is in neither column."
