#!/usr/bin/env bash
# bench/tenants.sh [SOURCES] [STREAMS] - what many tenants cost the daemon
# when nothing new arrives: SOURCES Forcepoint sources (one tenant each) of
# STREAMS log types, collected by `gatelog run` against the local simulator.
#
# Run from the repository root:  bench/tenants.sh [SOURCES] [STREAMS]   (default 200 10)
#
# Once every stream has caught up, it measures over an idle window of
# GATELOG_BENCH_POLLS (default 3) poll intervals of 1 minute (Forcepoint's
# least): gatelog's CPU (utime + stime from /proc, as % of one core), its
# RSS and peak RSS, the requests per poll of a stream (from gatelog's
# /metrics), then the status page's size and fetch time (median of 9).
# Each stream gets GATELOG_BENCH_RECORDS (default 10) records first;
# GATELOG_BENCH_MAX_BATCHES sets max_batches_in_flight.
#
# Everything stays on 127.0.0.1. Nothing is asserted about speed: the script
# measures and prints. It fails only when a run is wrong (a stream does not
# catch up, a sink misses records, an HTTP error).
set -euo pipefail

SOURCES=${1:-200}
STREAMS=${2:-10}
POLLS=${GATELOG_BENCH_POLLS:-3}
# Records per log type: one short page by default, then nothing new (no
# --live); GATELOG_BENCH_RECORDS=1000 gives every stream a full page, as
# streams that were busy once have.
RECORDS=${GATELOG_BENCH_RECORDS:-10}
# GATELOG_BENCH_MAX_BATCHES, when set, is the run's max_batches_in_flight.
MAX_BATCHES=${GATELOG_BENCH_MAX_BATCHES:-}
POLL_SECS=60
TOKEN=demo-token
API_PATH=/api/bitglassapi/logs/v1/
# The ten Forcepoint log types: the nine default ones, then ztna (opt-in).
TYPES=(access admin cloudaudit cloudsummary swgweb swgwebdlp healthproxy healthapi healthsystem ztna)

SCRIPT=tenants.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
need_count SOURCES "$SOURCES"
need_count STREAMS "$STREAMS"
need_count GATELOG_BENCH_POLLS "$POLLS"
need_count GATELOG_BENCH_RECORDS "$RECORDS"
[[ -z $MAX_BATCHES ]] || need_count GATELOG_BENCH_MAX_BATCHES "$MAX_BATCHES"
((STREAMS <= ${#TYPES[@]})) || die "STREAMS is at most ${#TYPES[@]}, the Forcepoint log types"
need_tools getconf
setup
GL_PID=
trap 'stop_gatelog; stop_sim; rm -rf "$TMP"' EXIT

stop_gatelog() {
	if [[ -n ${GL_PID:-} ]]; then
		kill -INT "$GL_PID" 2>/dev/null || true
		wait "$GL_PID" 2>/dev/null || true
		GL_PID=
	fi
}

# start_sim starts the simulator, trying another port when one was taken.
# --daily-limit 0: every source shares the simulator's one demo account.
start_sim() {
	for _ in 1 2 3 4 5; do
		launch_sim "$API_PATH" --records "$RECORDS" --daily-limit 0 && return 0
	done
	cat "$TMP/simulator.log" >&2
	die "the simulator failed to start 5 times"
}

# write_config DIR LISTEN: SOURCES sources tenant-001.., every one into the
# sink "files", every other one also into "archive".
write_config() {
	local dir=$1 listen=$2 i types name sinks
	types=$(IFS=,; echo "${TYPES[*]:0:STREAMS}")
	types=${types//,/, }
	{
		echo "state: $dir/state.db"
		echo "listen: $listen"
		if [[ -n $MAX_BATCHES ]]; then echo "max_batches_in_flight: $MAX_BATCHES"; fi
		echo "sources:"
		for ((i = 1; i <= SOURCES; i++)); do
			printf -v name 'fp-%03d' "$i"
			sinks="[files]"
			((i % 2 == 0)) && sinks="[files, archive]"
			cat <<EOF
  - name: $name
    tenant: $(printf 'tenant-%03d' "$i")
    type: forcepoint
    base_url: $BASE
    auth: {token: $TOKEN}
    log_types: [$types]
    poll_interval: 1m
    sinks: $sinks
EOF
		done
		echo "sinks:"
		echo "  - {name: files, type: file, path: $dir/logs}"
		echo "  - {name: archive, type: file, path: $dir/archive}"
	} >"$dir/gatelog.yaml"
}

# metric NAME [FILE]: the sum of a series over every label set, and how
# many label sets it has, in /metrics (or in FILE, a copy of it).
metric() {
	if [[ -n ${2:-} ]]; then cat "$2"; else curl -sS --fail --max-time 30 "$GL_URL/metrics"; fi |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $NF; c++ } END { printf "%.0f %d\n", s, c }'
}

# polls BEFORE AFTER: how many polls the streams made between two copies
# of /metrics. A stream's last success moves by one poll cycle (the
# interval, plus the poll's own time) each time it polls, so the number of
# whole intervals it moved by is its polls: exact whatever the phase of the
# polls against the window's edges.
polls() {
	awk -v p="$POLL_SECS" '$1 ~ /^gatelog_last_success_timestamp_seconds[{]/ {
		if (FNR == NR) { t0[$1] = $NF } else if ($1 in t0) { n += int(($NF - t0[$1]) / p + 0.5) }
	} END { printf "%d\n", n }' "$1" "$2"
}

# cpu_ticks: gatelog's user + system CPU so far, in clock ticks (fields 14
# and 15 of /proc/PID/stat, counted after the command name's parenthesis).
cpu_ticks() {
	sed 's/^.*) //' "/proc/$GL_PID/stat" | awk '{ print $12 + $13 }'
}

# status_kb FIELD: VmRSS or VmHWM of gatelog, in kB.
status_kb() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$GL_PID/status"
}

lines_in() {
	find "$1" -type f -name '*.jsonl' -exec cat {} + 2>/dev/null | wc -l
}

start_sim
echo "simulator: $BASE (pid $SIM_PID), $RECORDS records per log type, nothing new afterwards"

RUN=$TMP/run
mkdir -p "$RUN"
GL_PORT=$(pick_port) || die "found no free loopback port"
GL_URL=http://127.0.0.1:$GL_PORT
write_config "$RUN" "127.0.0.1:$GL_PORT"
TOTAL=$((SOURCES * STREAMS))
WANT_FILES=$((TOTAL * RECORDS))
WANT_ARCHIVE=$(((SOURCES / 2) * STREAMS * RECORDS)) # the even-numbered sources
(cd "$RUN" && exec "$BIN" run -c "$RUN/gatelog.yaml" --log-level warn >"$RUN/stdout.txt" 2>"$RUN/stderr.txt") &
GL_PID=$!
T0=$EPOCHREALTIME
echo "gatelog run: pid $GL_PID, $SOURCES sources x $STREAMS streams = $TOTAL streams, poll_interval 1m, status page $GL_URL/"

# Caught up: every stream has succeeded (delivered or found nothing newer)
# and every record is in its sinks.
deadline=$((SECONDS + 600))
while :; do
	kill -0 "$GL_PID" 2>/dev/null || { cat "$RUN/stderr.txt" >&2; die "gatelog run exited"; }
	read -r _ ok < <(metric gatelog_last_success_timestamp_seconds 2>/dev/null || echo "0 0")
	if ((ok == TOTAL)) && (($(lines_in "$RUN/logs") == WANT_FILES && $(lines_in "$RUN/archive") == WANT_ARCHIVE)); then
		break
	fi
	((SECONDS < deadline)) || { tail -n 20 "$RUN/stderr.txt" >&2; die "not caught up after 10 minutes: $ok of $TOTAL streams succeeded"; }
	sleep 1
done
CATCHUP=$(calc '%.1f' "$EPOCHREALTIME - $T0")
RSS_CAUGHT=$(status_kb VmRSS)
echo "caught up after ${CATCHUP}s: $WANT_FILES records in files, $WANT_ARCHIVE in archive"

# The idle window: the requests metric is read outside the CPU counts, so
# that the scrape of $TOTAL streams' series is not charged to idling.
curl -sS --fail --max-time 30 -o "$TMP/metrics-0.txt" "$GL_URL/metrics"
C0=$(cpu_ticks)
W0=$EPOCHREALTIME
WINDOW=$((POLLS * POLL_SECS))
echo "idle window: ${WINDOW}s ($POLLS polls) ..."
sleep "$WINDOW"
C1=$(cpu_ticks)
W1=$EPOCHREALTIME
curl -sS --fail --max-time 30 -o "$TMP/metrics-1.txt" "$GL_URL/metrics"
RSS=$(status_kb VmRSS)
HWM=$(status_kb VmHWM)
HZ=$(getconf CLK_TCK)
SECS=$(calc '%.1f' "$W1 - $W0")
CPU_PCT=$(calc '%.2f' "($C1 - $C0) / $HZ / ($W1 - $W0) * 100")
read -r REQ0 _ < <(metric gatelog_http_responses_total "$TMP/metrics-0.txt")
read -r REQ1 _ < <(metric gatelog_http_responses_total "$TMP/metrics-1.txt")
REQS=$((REQ1 - REQ0))
POLLS_SEEN=$(polls "$TMP/metrics-0.txt" "$TMP/metrics-1.txt")
((POLLS_SEEN > 0)) || die "no stream polled in the idle window"
REQ_POLL=$(calc '%.2f' "$REQS / $POLLS_SEEN")
(($(lines_in "$RUN/logs") == WANT_FILES)) || die "the sink files changed while idle"

# The status page, as served: all healthy, so folded to one row a source.
declare -a page_ms
for i in $(seq 1 9); do
	read -r code size secs < <(curl -sS -o "$TMP/page.html" -w '%{http_code} %{size_download} %{time_total}\n' --max-time 30 "$GL_URL/")
	[[ $code == 200 ]] || die "GET $GL_URL/: HTTP $code"
	page_ms+=("$(calc '%.1f' "$secs * 1000")")
done
PAGE_MS=$(median "${page_ms[@]}")
PAGE_ROWS=$(grep -c '<tr class="stream"' "$TMP/page.html" || true)
PAGE_SOURCES=$(grep -c '<tr class="source' "$TMP/page.html" || true)
read -r code OPEN_SIZE _ < <(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' --max-time 30 "$GL_URL/?open=fp-001")
[[ $code == 200 ]] || die "GET $GL_URL/?open=fp-001: HTTP $code"
stop_gatelog

echo
echo "## Summary"
echo
echo "$SOURCES Forcepoint sources (tenant-001..) x $STREAMS log types = $TOTAL streams, poll_interval 1m, every source into"
echo "one file sink and every other one into a second; $RECORDS records per stream, then nothing new."
if [[ -n $MAX_BATCHES ]]; then echo "max_batches_in_flight: $MAX_BATCHES."; fi
echo "Idle window: ${SECS}s ($POLLS poll intervals) after every stream caught up (in ${CATCHUP}s)."
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| idle CPU, % of one core | $CPU_PCT |"
echo "| RSS caught up / after the idle window, MiB | $(calc '%.1f' "$RSS_CAUGHT / 1024") / $(calc '%.1f' "$RSS / 1024") |"
echo "| peak RSS (VmHWM), MiB | $(calc '%.1f' "$HWM / 1024") |"
echo "| requests per poll of a stream ($REQS requests in $POLLS_SEEN polls of $TOTAL streams) | $REQ_POLL |"
echo "| status page, bytes ($PAGE_SOURCES source rows, $PAGE_ROWS stream rows) | $size |"
echo "| status page with one source open, bytes | $OPEN_SIZE |"
echo "| status page fetch, ms (median of 9) | $PAGE_MS |"
echo
machine
echo "- simulator, curl and gatelog share the same CPUs."
