# bench/lib.sh - what the end-to-end benchmark scripts share: argument and
# tool checks, a temporary folder cleaned up on exit, the gatelog build, the
# simulator on a free loopback port, and the summary's arithmetic. Sourced by
# bench/forcepoint.sh and bench/symantec.sh (set SCRIPT first).

die() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; exit 1; }

# need_count NAME VALUE: VALUE must be a positive integer.
need_count() {
	[[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}

# need_tools TOOL...: go, curl, GNU time and each TOOL must be there; say
# how to get what is missing.
need_tools() {
	[[ -f go.mod && -d cmd/gatelog ]] || die "run me from the repository root: bench/$SCRIPT"
	command -v go >/dev/null || die "go not found in PATH: install Go (see go.mod for the version)"
	command -v curl >/dev/null || die "curl not found: install it (Debian/Ubuntu: apt-get install curl)"
	[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (the bash builtin 'time' cannot report peak RSS): install it (Debian/Ubuntu: apt-get install time)"
	/usr/bin/time -f '%e %M' true 2>/dev/null || die "/usr/bin/time does not take -f: GNU time is needed (Debian/Ubuntu: apt-get install time)"
	local tool
	for tool in awk sed head sort find wc date "$@"; do
		command -v "$tool" >/dev/null || die "$tool not found in PATH"
	done
}

# setup builds gatelog into a fresh temporary folder (BIN; REV says what
# was built) and removes the folder, and stops the simulator, on exit.
setup() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatelog-bench.XXXXXX")
	SIM_PID=
	trap 'stop_sim; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
	BIN=$TMP/gatelog
	echo "building gatelog into $BIN ..."
	go build -o "$BIN" ./cmd/gatelog
	REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
}

stop_sim() {
	if [[ -n ${SIM_PID:-} ]]; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
		SIM_PID=
	fi
}

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

# launch_sim PROBE_PATH ARGS...: starts `gatelog simulate ARGS` on a free
# port (BASE, PORT, SIM_PID) and waits until PROBE_PATH answers HTTP (any
# status: 401 without credentials means it is serving). Returns 1 when the
# simulator exited, as when another process took the port between the probe
# and the bind: the caller tries again.
launch_sim() {
	local probe=$1 i code
	shift
	PORT=$(pick_port) || die "found no free loopback port"
	BASE=http://127.0.0.1:$PORT
	"$BIN" simulate --addr "127.0.0.1:$PORT" "$@" >"$TMP/simulator.log" 2>&1 &
	SIM_PID=$!
	for i in $(seq 1 200); do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			wait "$SIM_PID" 2>/dev/null || true
			SIM_PID=
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE$probe" || true)
		[[ $code == 000 ]] || return 0
		sleep 0.1
	done
	cat "$TMP/simulator.log" >&2
	die "the simulator on port $PORT did not answer within 20s"
}

# timed_run DIR: `gatelog run --once` on DIR/gatelog.yaml, inside DIR (so
# that no .env of the caller's working directory applies), under GNU time.
# Sets GL_SECS, GL_RSS_KB, GL_USER and GL_SYS (CPU seconds in user and
# kernel mode), GL_CPU (their sum) and GL_LINES (the lines the file sink
# under DIR/logs holds).
timed_run() {
	local dir=$1
	if ! (cd "$dir" && /usr/bin/time -f '%e %M %U %S' -o "$dir/time.txt" \
		"$BIN" run --once -c "$dir/gatelog.yaml" --log-level warn >"$dir/stdout.txt" 2>"$dir/stderr.txt"); then
		cat "$dir/stderr.txt" >&2
		die "gatelog run --once failed"
	fi
	read -r GL_SECS GL_RSS_KB GL_USER GL_SYS < <(tail -n 1 "$dir/time.txt")
	GL_CPU=$(calc '%.2f' "$GL_USER + $GL_SYS")
	[[ $GL_SECS == 0.00 ]] && GL_SECS=0.01 # /usr/bin/time rounds to 10 ms
	GL_LINES=$(find "$dir/logs" -type f -name '*.jsonl' -exec cat {} + | wc -l)
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# machine prints the lines that say where the figures come from.
machine() {
	local cpu load
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	load=$(uptime | sed 's/.*load average: *//')
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr)"
	echo "- load average (1, 5, 15 min) at the end: $load"
	echo "- $(go version | sed 's/^go version //'), gatelog $REV (git describe at build time)"
}
