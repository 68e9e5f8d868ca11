# lib.sh: helpers for the systemd-area integration tests (sourced, POSIX sh).
# TAP output, a temp dir per test, free loopback ports, polling with a
# deadline, the daemon's logs dumped on failure.  Exit 77 = skip, 99 = hard
# error.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/_build}"
: "${ECHOD:=$top_builddir/src/echod}"
: "${ECHOCTL:=$top_builddir/src/echoctl}"
SDLAB=${SDLAB:-$top_srcdir/../shared/systemd-lab}
[ -d "$SDLAB" ] || SDLAB=/work/shared/systemd-lab

T_N=0
T_FAILED=0
T_PLAN=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/echod-sd.XXXXXX") || exit 99

t_cleanup() {
	for p in $T_PIDS; do
		kill "$p" 2>/dev/null && t_wait_gone "$p" 50
	done
	if [ "$T_FAILED" -ne 0 ] || [ "$T_N" -ne "$T_PLAN" ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f"
			sed 's/^/# /' "$f" | tail -n 60
		done
	fi
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 99' INT TERM

plan() { T_PLAN=$1; echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; T_PLAN=0; exit 77; }
bail() { echo "Bail out! $*"; exit 99; }
ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $*"
}
not_ok() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $*"
}
# check DESC CMD...: one TAP line from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# check_todo WHY DESC CMD...: a known gap, reported as TODO (XFAIL); when it
# starts passing it shows as XPASS, which fails CI until the TODO goes.
check_todo() {
	why=$1
	desc=$2
	shift 2
	T_N=$((T_N + 1))
	if "$@"; then
		echo "ok $T_N - $desc # TODO $why"
	else
		echo "not ok $T_N - $desc # TODO $why"
	fi
}
finish() {
	[ "$T_N" -eq "$T_PLAN" ] || { echo "# planned $T_PLAN, ran $T_N"; exit 1; }
	[ "$T_FAILED" -eq 0 ] || exit 1
	exit 0
}

need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}
# need_notify [CMD...]: the start of the tests with a NOTIFY_SOCKET of
# their own: echod built, python3, ss (and CMDs), systemd-lab's notify-recv;
# sets P1 (a free port), conf and out (where notify-recv writes).
need_notify() {
	need_echod
	need_cmd python3 ss "$@"
	[ -x "$SDLAB/notify-recv" ] || skip_all "systemd-lab notify-recv not found"
	P1=$(free_port)
	conf=$T_DIR/echod.conf
	out=$T_DIR/notify.txt
}
need_echod() {
	[ -x "$ECHOD" ] || skip_all "echod not built"
	[ -x "$ECHOCTL" ] || skip_all "echoctl not built"
}

# wait_for TENTHS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
t_wait_gone() { wait_for "$2" sh -c "! kill -0 $1 2>/dev/null"; }

# A free loopback port in 10000-29999 (below the ephemeral range), free for
# both TCP and UDP.
free_port() {
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 20000) + 10000 ))
		if ! ss -Htuan "( sport = :$p )" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	bail "no free port"
}

# A config with listeners "name proto port" given as arguments.
write_conf() {
	f=$1
	shift
	{
		echo "log_level = \"debug\";"
		echo "control_socket = \"$T_DIR/ctl.sock\";"
		echo "status_interval = \"1s\";"
		echo "listeners = ("
		sep=""
		while [ $# -ge 3 ]; do
			printf '%s  { name = "%s"; protocol = "%s"; address = "127.0.0.1"; port = %s; }' \
			    "$sep" "$1" "$2" "$3"
			sep=",
"
			shift 3
		done
		echo
		echo ");"
	} > "$f"
}

# echo_check tcp|udp PORT TEXT: TEXT comes back.  Returns as soon as it
# does; waits at most ECHO_WAIT seconds (default 5: a loaded CI machine
# running a sanitizer build is slow, and the wait only costs time when
# something is broken).
echo_check() {
	python3 - "$1" "$2" "$3" "${ECHO_WAIT:-5}" <<'PY'
import socket, sys, time
proto, port, text, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode() + b"\n", float(sys.argv[4])
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.settimeout(wait)
got = b""
try:
    s.connect(("127.0.0.1", port))
    s.sendall(text)
    end = time.monotonic() + wait
    while len(got) < len(text) and time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        b = s.recv(65536)
        if not b:
            break
        got += b
except OSError:
    pass
sys.exit(0 if got == text else 1)
PY
}
tcp_echo() { echo_check tcp "$1" "$2"; }	# PORT TEXT
udp_echo() { echo_check udp "$1" "$2"; }	# PORT TEXT
ctl() { "$ECHOCTL" "$@" --socket "$T_DIR/ctl.sock"; }
