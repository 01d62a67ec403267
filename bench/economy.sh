#!/usr/bin/env bash
# bench/economy.sh [WINDOW] - how the Forcepoint pacer spends a day's request
# budget: a day replayed on the simulator with its rate window shortened to
# WINDOW (default 10m: 300 requests per 10 minutes stand for 300 a day), live
# data at several rates, one simulator and one `gatelog run` per rate, side
# by side.
#
# Run from the repository root:  bench/economy.sh [WINDOW]
#
# Time runs 24h/WINDOW times faster (144 for 10m): poll_interval 15m becomes
# 15m*WINDOW/24h (6.25s), and a rate of R records per second of the day is
# served at R*24h/WINDOW records per second. gatelog learns the window from
# the simulator's X-RateLimit-Reset and paces over it; its own
# daily_request_budget is set out of the way. A poll_interval under a minute
# needs GATELOG_BENCH_MIN_POLL_INTERVAL, which this script sets (see
# bench/README.md).
#
# Each run is measured over the first whole window after gatelog started
# (the one it started in holds the start-up catch-up), from the simulator's
# request log: requests, requests that served no record (empty polls, and
# their share of the budget), 429s, the worst lag (the longest a record
# waited in the simulator before a page served it, in the day's time) and
# whether the budget lasted (no 429, and gatelog still sending at the
# window's end). Nothing is asserted: the script measures and prints.
#
# GATELOG_BENCH_RATES (default "0.0008 0.01 0.1 1 3 6") sets the rates, in
# records per second of the day.
set -euo pipefail

WINDOW=${1:-10m}
RATES=${GATELOG_BENCH_RATES:-"0.0008 0.01 0.1 1 3 6"}
LIMIT=300
PAGE_SIZE=1000
TOKEN=demo-token
API_PATH=/api/bitglassapi/logs/v1/

SCRIPT=economy.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
[[ $WINDOW =~ ^([1-9][0-9]*)(s|m)$ ]] || die "WINDOW must be a number of seconds or minutes, such as 10m or 300s, got '$WINDOW'"
W=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[2]} == m ]] && W=$((W * 60))
((W >= 60 && 86400 % W == 0)) || die "WINDOW must divide a day and be at least a minute, got $WINDOW"
for r in $RATES; do
	[[ $r =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "GATELOG_BENCH_RATES holds '$r', not a rate in records per second"
done
need_tools
setup

SCALE=$((86400 / W))
POLL_MS=$((900000 / SCALE))
declare -a PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
trap 'stop_all; rm -rf "$TMP"' EXIT

# start_run N RATE: a simulator serving RATE (a day's records per second)
# sped up SCALE times, and gatelog collecting it; in $TMP/run-N.
start_run() {
	local n=$1 rate=$2 dir=$TMP/run-$1 sim_port gl_port code i
	mkdir -p "$dir"
	sim_port=$(pick_port) || die "found no free loopback port"
	"$BIN" simulate --addr "127.0.0.1:$sim_port" --seed "$n" --records 1000 --page-size "$PAGE_SIZE" \
		--daily-limit "$LIMIT" --budget-window "${W}s" --live --live-rate "$(calc '%.6f' "$rate * $SCALE")" \
		--request-log "$dir/requests.jsonl" >"$dir/simulator.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 200); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$sim_port$API_PATH" || true)
		[[ $code == 000 ]] || break
		sleep 0.1
	done
	[[ $code != 000 ]] || die "the simulator for rate $rate did not answer (see $dir/simulator.log)"
	gl_port=$(pick_port) || die "found no free loopback port"
	echo "$gl_port" >"$dir/listen-port"
	cat >"$dir/gatelog.yaml" <<EOF
state: $dir/state.db
listen: 127.0.0.1:$gl_port
sources:
  - name: bench
    type: forcepoint
    base_url: http://127.0.0.1:$sim_port
    auth:
      token: $TOKEN
    log_types: [access]
    poll_interval: ${POLL_MS}ms
    daily_request_budget: 100000
sinks:
  - name: files
    type: file
    path: $dir/logs
EOF
	(cd "$dir" && GATELOG_BENCH_MIN_POLL_INTERVAL=1s exec "$BIN" run -c "$dir/gatelog.yaml" --log-level warn \
		>"$dir/stdout.txt" 2>"$dir/stderr.txt") &
	PIDS+=($!)
}

# report N RATE FROM TO: one line of the summary table, from the requests
# the simulator served in [FROM, TO) and the plan gatelog shows at the end.
report() {
	local n=$1 rate=$2 from=$3 to=$4 dir=$TMP/run-$1 behind every
	behind=$(awk '/^gatelog_records_behind\{/ { print $2 }' "$dir/metrics.txt")
	every=$(awk '/^gatelog_poll_interval_seconds\{/ { print $2 }' "$dir/metrics.txt")
	# A line: {"time":T,"type":"access","status":S,"records":N,"oldest":O}
	awk -F'[:,}]' -v rate="$rate" -v lo="$from" -v hi="$to" -v scale="$SCALE" -v limit="$LIMIT" \
		-v behind="${behind:--}" -v every="${every:-0}" '
		$4 == "\"access\"" && $2 >= lo && $2 < hi {
			reqs++
			if ($6 == 200 && $8 == 0) empty++
			if ($6 == 429) refused++
			if ($6 == 200) records += $8
			if ($8 > 0 && $2 - $10 > lag) lag = $2 - $10
			if ($2 > last) last = $2
		}
		END {
			if (last == 0) last = lo
			# Lasted: no 429, and still sending at the end: the last request no
			# further from it than a poll_interval or two of the budget spacing.
			gap = 900; if (2 * 86400 / (limit + 1) > gap) gap = 2 * 86400 / (limit + 1)
			if (refused > 0) lasted = sprintf("no: %d 429s", refused)
			else if (hi - last > gap / scale) lasted = sprintf("no: idle for the last %.0f min", (hi - last) * scale / 60)
			else lasted = "yes"
			printf "| %g | %.0f | %d | %d | %d (%.1f%%) | %d | %.1f min | %s | %s | %.1f min |\n",
				rate, rate * 86400, records, reqs, empty, 100 * empty / limit, refused, lag * scale / 60, lasted, behind, every * scale / 60
		}' "$dir/requests.jsonl"
}

now_s=$(date +%s)
echo "gatelog against the Forcepoint simulator: $LIMIT requests per ${W}s window stand for $LIMIT a day (time ${SCALE}x faster);"
echo "poll_interval ${POLL_MS}ms stands for 15m; pages of $PAGE_SIZE records; rates: $RATES records/s of the day."
i=0
for rate in $RATES; do
	i=$((i + 1))
	start_run "$i" "$rate"
done
started=$(date +%s)
from=$(((started / W + 1) * W))
to=$((from + W))
echo "started at $(date -u -d "@$started" +%H:%M:%S) UTC; measuring the window $(date -u -d "@$from" +%H:%M:%S)-$(date -u -d "@$to" +%H:%M:%S) UTC ($((to - now_s))s from now) ..."
sleep $((to - $(date +%s) + 2))
i=0
for rate in $RATES; do
	i=$((i + 1))
	curl -s --max-time 5 "http://127.0.0.1:$(cat "$TMP/run-$i/listen-port")/metrics" >"$TMP/run-$i/metrics.txt" || true
done
stop_all
for i in $(seq 1 "$i"); do
	if [[ -s $TMP/run-$i/stderr.txt ]]; then
		echo "gatelog for run $i logged:" >&2
		head -n 20 "$TMP/run-$i/stderr.txt" >&2
	fi
done

echo
echo "## Summary"
echo
echo "One window of ${W}s = one day of $LIMIT requests; lags and intervals in the day's time (x$SCALE). Empty polls: 200 answers with no record, and their share of the $LIMIT-request budget."
echo
echo "| rate (records/s) | records/day | records read | requests | empty polls (share of budget) | 429s | worst lag | budget lasted | records behind at the end | poll interval at the end |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
i=0
for rate in $RATES; do
	i=$((i + 1))
	report "$i" "$rate" "$from" "$to"
done
echo
machine
echo "- the simulators and gatelogs share the same CPUs; poll_interval 15m is the default, the lag goal is at most that."
