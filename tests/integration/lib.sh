# lib.sh: the integration-test harness, sourced by every t-*.sh.  It owns a
# test's temp dir, its TAP output, free ports, and the processes the test
# starts (echod and clients), and it kills only those, by PID.
#
# Conventions: TAP on stdout ("1..N", "ok N - ...", "not ok N - ..."); exit 77
# with "1..0 # SKIP reason" to skip; exit 99 with "Bail out!" on a harness
# error.  Readiness is always polled with a deadline, never slept for.
# Environment: ECHOD, ECHOPROBE (set by make check; defaults to the build
# tree), ECHOD_WRAPPER (prefix of the daemon command, e.g. valgrind),
# ECHOD_TIME_SCALE (multiplies every deadline; 5 by default under a wrapper),
# ECHOD_KEEP_TMP=1 keeps the temp dir even on success.
# shellcheck shell=sh

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${ECHOD:=$top_builddir/src/echod}"
: "${ECHOPROBE:=$top_builddir/tests/tools/echoprobe}"
: "${ECHOD_WRAPPER:=}"
if [ -n "$ECHOD_WRAPPER" ]; then
	: "${ECHOD_TIME_SCALE:=5}"
else
	: "${ECHOD_TIME_SCALE:=1}"
fi

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=
PIDS=
ECHOD_PID=
ECHOD_STATUS=
T=

# ---- TAP ----------------------------------------------------------------

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

plan() {
	TAP_PLANNED=$1
	echo "1..$1"
}

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

# skip_test DESC REASON: a planned test that cannot run here.
skip_test() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# check DESC CMD...: one test point that passes when CMD exits 0.  CMD's
# output goes to the log (as diagnostics) when it fails.
check() {
	_desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$_desc"
	else
		_rc=$?
		not_ok "$_desc"
		diag "command: $* (exit $_rc)"
		diag "$(tail -n 20 "$T/check.out")"
	fi
}

# is DESC GOT WANT: string equality as a test point.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  '$2'" "want: '$3'"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	TAP_PLANNED=0
	exit 77
}

bail() {
	echo "Bail out! $*"
	TAP_FAILED=$((TAP_FAILED + 1))
	exit 99
}

# ---- processes --------------------------------------------------------------

# A child that exited stays a zombie until waited for: treat that as gone.
pid_alive() {
	[ -e "/proc/$1" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ]
}

track() {
	PIDS="$PIDS $1"
}

# bg NAME CMD...: run CMD in the background, output in $T/NAME.out; BG_PID.
bg() {
	_name=$1
	shift
	"$@" >"$T/$_name.out" 2>&1 &
	BG_PID=$!
	track "$BG_PID"
}

# reap PID [TIMEOUT]: wait up to TIMEOUT seconds for PID to exit; its status
# in REAPED_STATUS.  Returns 1 (and leaves it running) if it does not exit.
reap() {
	if ! wait_until "${2:-10}" pid_gone "$1"; then
		REAPED_STATUS=
		return 1
	fi
	wait "$1"
	REAPED_STATUS=$?
	return 0
}

pid_gone() {
	! pid_alive "$1"
}

# stop PID: TERM, then KILL if it does not exit within 5 s.
stop() {
	pid_alive "$1" && kill -TERM "$1" 2>/dev/null
	if ! reap "$1" 5; then
		kill -KILL "$1" 2>/dev/null
		reap "$1" 5
	fi
}

# ---- time and polling -------------------------------------------------------

now_ms() {
	date +%s%3N
}

scaled_ms() {
	awk -v t="$1" -v s="$ECHOD_TIME_SCALE" 'BEGIN { printf "%d\n", t * s * 1000 }'
}

# wait_until TIMEOUT CMD...: poll CMD every 50 ms until it succeeds (0) or
# TIMEOUT seconds (times ECHOD_TIME_SCALE) pass (1).
wait_until() {
	_deadline=$(($(now_ms) + $(scaled_ms "$1")))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$_deadline" ] && return 1
		sleep 0.05
	done
}

# ---- files and logs ---------------------------------------------------------

# file_has FILE PATTERN: FILE exists and matches the extended regex.
file_has() {
	[ -f "$1" ] && grep -Eq -- "$2" "$1"
}

# log_wait PATTERN [TIMEOUT]: wait until echod's log matches PATTERN.
log_wait() {
	wait_until "${2:-10}" file_has "$ECHOD_LOG" "$1"
}

log_count() {
	grep -Ec -- "$1" "$ECHOD_LOG" 2>/dev/null
}

dump_file() {
	[ -s "$1" ] || return 0
	diag "---- $1 (last 60 lines) ----"
	diag "$(tail -n 60 "$1")"
}

dump_logs() {
	for _f in "$T"/*.log "$T"/*.out; do
		[ -f "$_f" ] && dump_file "$_f"
	done
	diag "temp dir kept: $T"
}

# ---- ports and endpoints ----------------------------------------------------

port_in_use() {
	ss -Hantu 2>/dev/null | awk '{ print $5 }' | grep -q ":$1\$" && return 0
	grep -qx "$1" "$T/ports" 2>/dev/null
}

# free_port: a random port in 20000-31999 that no TCP or UDP socket uses, so
# a TCP and a UDP listener may share it.  Never the same twice in one test.
free_port() {
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((20000 + _r % 12000))
		if ! port_in_use "$_p"; then
			echo "$_p" >>"$T/ports"
			echo "$_p"
			return 0
		fi
	done
	bail "no free port found"
}

# Endpoints are "PROTO:HOST:PORT"; HOST may be an IPv6 address ("tcp:::1:8888").
ep_proto() { echo "${1%%:*}"; }
ep_host() { _r=${1#*:}; echo "${_r%:*}"; }
ep_port() { echo "${1##*:}"; }

# ep_up ENDPOINT: a TCP listener accepts a connection, a UDP one echoes,
# a STAMP one answers a test packet.
ep_up() {
	case $(ep_proto "$1") in
	tcp) "$ECHOPROBE" connect "$(ep_host "$1")" "$(ep_port "$1")" --timeout 1 ;;
	udp) "$ECHOPROBE" udp "$(ep_host "$1")" "$(ep_port "$1")" 1 --timeout 0.2 ;;
	stamp) "$top_builddir/src/echoctl" probe stamp -c 1 -W 0.3 \
	    "$(ep_host "$1")" "$(ep_port "$1")" >/dev/null 2>&1 ;;
	*) bail "bad endpoint $1" ;;
	esac
}

ep_down() {
	case $(ep_proto "$1") in
	tcp) ! "$ECHOPROBE" connect "$(ep_host "$1")" "$(ep_port "$1")" --timeout 1 ;;
	udp) "$ECHOPROBE" udp "$(ep_host "$1")" "$(ep_port "$1")" 1 --timeout 0.2 --expect-none ;;
	esac
}

have_ipv6() {
	[ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6
}

need_cmd() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "$_c not installed"
	done
}

# udp_steal PORT: as nobody (setpriv), bind 127.0.0.1:PORT with SO_REUSEADDR
# beside whatever holds the port, and send a datagram there; prints
# "refused" (the bind failed: the port is exclusive), "stolen" (the
# datagram arrived at the thief) or "bound, nothing arrived".  Debian's
# python: nobody may not read one installed under /root.
udp_steal() {
	_py3=/usr/bin/python3
	[ -x "$_py3" ] || _py3=$(command -v python3)
	setpriv --reuid=65534 --regid=65534 --clear-groups "$_py3" - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", port))
except OSError:
    print("refused")
    sys.exit(0)
s.settimeout(2)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"x" * 44, ("127.0.0.1", port))
try:
    s.recvfrom(100)
    print("stolen")
except socket.timeout:
    print("bound, nothing arrived")
PY
}

# ---- network namespaces -------------------------------------------------

# veth_peer [MTU]: a second network namespace, the other host, joined to
# the test's own (made with unshare -n) by a veth pair: v0 here with
# 10.9.0.1/24 and fd09::1/64, v1 there with 10.9.0.2/24 and fd09::2/64 (no
# IPv6 below its minimum MTU, 1280).  Sets $peer (a process in it); in_peer
# CMD... runs CMD there.
veth_peer() {
	ip link set lo up || skip_all "cannot configure lo in the namespace"
	sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2>/dev/null || true
	bg peer unshare -n sleep 120
	peer=$BG_PID
	wait_until 5 own_netns "$peer" || bail "peer namespace not ready"
	# shellcheck disable=SC2086
	ip link add v0 ${1:+mtu $1} type veth peer name v1 ${1:+mtu $1} \
		netns "$peer" || skip_all "cannot create a veth pair"
	_v6=true
	[ "${1:-1500}" -ge 1280 ] || _v6=false
	ip addr add 10.9.0.1/24 dev v0 &&
		{ ! $_v6 || ip addr add fd09::1/64 dev v0 nodad; } &&
		ip link set v0 up || bail "cannot configure v0"
	in_peer sh -c "ip link set lo up && ip addr add 10.9.0.2/24 dev v1 &&
		{ ! $_v6 || ip addr add fd09::2/64 dev v1 nodad; } &&
		ip link set v1 up" || bail "cannot configure v1"
	wait_until 10 v0_up || bail "veth did not come up"
}

in_peer() {
	nsenter -t "$peer" -n "$@"
}

# own_netns PID: PID has left our network namespace.  `unshare -n` runs in
# ours until its unshare() call: a veth end moved to it before then stays
# here ("Cannot find device" in the peer, seen under load).
own_netns() {
	[ -e "/proc/$1/ns/net" ] &&
		[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}

# /sys still shows the parent namespace: ask ip for the state.
v0_up() {
	ip -o link show v0 | grep -q 'state UP'
}

# ---- echod --------------------------------------------------------------

# start_echod CONF ENDPOINT...: run echod in the foreground (in the
# background of this shell), log in $ECHOD_LOG, and wait until it logged one
# "listening" event per endpoint and every endpoint answers.  Give every
# listener of CONF.  Returns 1 (log dumped) if it dies or is not ready.
start_echod() {
	_conf=$1
	shift
	ECHOD_LOG=${ECHOD_LOG:-$T/echod.log}
	# shellcheck disable=SC2086
	$ECHOD_WRAPPER "$ECHOD" -c "$_conf" >"$ECHOD_LOG" 2>&1 &
	ECHOD_PID=$!
	track "$ECHOD_PID"
	# Its own "listening" events first: a probe alone could be answered
	# by another daemon that holds the port.
	if ! wait_until 30 echod_listening "$#"; then
		diag "echod not ready: fewer than $# listening events"
		dump_file "$ECHOD_LOG"
		return 1
	fi
	for _ep in "$@"; do
		if ! wait_until 30 echod_ep_up "$_ep"; then
			diag "echod not ready: $_ep does not answer"
			dump_file "$ECHOD_LOG"
			return 1
		fi
	done
	if ! pid_alive "$ECHOD_PID"; then
		wait "$ECHOD_PID"
		diag "echod exited at startup (status $?)"
		ECHOD_PID=
		dump_file "$ECHOD_LOG"
		return 1
	fi
	return 0
}

echod_listening() {
	pid_alive "$ECHOD_PID" || return 0	# died: stop polling at once
	[ "$(log_count 'event=listening')" -ge "$1" ]
}

echod_ep_up() {
	pid_alive "$ECHOD_PID" || return 0	# died: stop polling at once
	ep_up "$1"
}

# The TCP I/O path under test: ECHOD_IO_URING=false (the t-*-plain.sh
# wrappers) runs a test with one system call per read and write; by default
# echod batches through io_uring where this kernel allows it.
IO_URING=${ECHOD_IO_URING:-true}
# These runs also turn on splice (off by default) for bulk connections, so
# both optional paths are covered; the plain twins run neither
# (ECHOD_SPLICE=false).
SPLICE=${ECHOD_SPLICE:-true}

# io_mode_logged: echod said at start which TCP I/O path it took, and it is
# the one asked for.
io_mode_logged() {
	if [ "$IO_URING" = false ]; then
		log_wait 'one system call per TCP read and write: io_uring = false'
	else
		log_wait 'TCP reads and writes batched through io_uring'
	fi
}

# skip_rest REASON: every test point still planned is skipped; exit.
skip_rest() {
	while [ "$TAP_N" -lt "$TAP_PLANNED" ]; do
		skip_test "not run" "$1"
	done
	exit 0
}

# io_path_check: the first test point of a TCP test after start_echod.  An
# io_uring run where this machine refuses io_uring (a seccomp filter or
# the kernel.io_uring_disabled sysctl: EPERM; an old kernel: ENOSYS; a
# build without liburing) skips the rest: it would only run the plain path
# again, which its *-plain.sh twin tests.  Any other path is a failure.
io_path_check() {
	if [ "$IO_URING" = true ] && ! grep -q 'batched through io_uring' "$ECHOD_LOG" &&
	    log_wait 'one system call per TCP read and write: (io_uring: (Operation not permitted|Function not implemented)|built without)' 5; then
		skip_rest "io_uring refused here: $(grep -o 'one system call per TCP[^"]*' "$ECHOD_LOG")"
	fi
	check "TCP I/O path at start: io_uring = $IO_URING" io_mode_logged
}

# uring_completions PID: operations completed by the process's io_uring
# rings (CqTail of each ring's fdinfo); empty when it has no ring.
uring_completions() {
	for _fd in /proc/"$1"/fd/*; do
		case $(readlink "$_fd" 2>/dev/null) in
		*io_uring*) sed -n 's/^CqTail:[[:space:]]*//p' \
			"/proc/$1/fdinfo/${_fd##*/}" ;;
		esac
	done | awk '{ n += $1; seen = 1 } END { if (seen) print n }'
}

# echod_running: start_echod's daemon is still alive (use after start_echod).
echod_running() {
	pid_alive "$ECHOD_PID"
}

# stop_echod [TIMEOUT]: SIGTERM echod and wait for it; exit status in
# ECHOD_STATUS.  Returns 1 if it does not exit in time (then it is killed).
stop_echod() {
	[ -n "$ECHOD_PID" ] || return 0
	pid_alive "$ECHOD_PID" && kill -TERM "$ECHOD_PID"
	if reap "$ECHOD_PID" "${1:-10}"; then
		ECHOD_STATUS=$REAPED_STATUS
		ECHOD_PID=
		return 0
	fi
	kill -KILL "$ECHOD_PID" 2>/dev/null
	reap "$ECHOD_PID" 5
	ECHOD_STATUS=$REAPED_STATUS
	ECHOD_PID=
	return 1
}

# linger_peer MODE PORT SIZE (python3): sends SIZE random bytes, reads the
# echo to EOF (echod's FIN) and prints "eof", then: send-on sends 1 KiB
# every 20 ms for up to 20 s, until the reset; silent does nothing for 8 s,
# then closes; polite closes at once.  Prints its port, what came back,
# whether it was the bytes it sent, and "cut=S" (seconds from the EOF to
# the reset) or "cut=none".  For tests of the linger after echod's FIN.
linger_peer() {
	python3 - "$@" <<'PY'
import os, socket, sys, time
mode, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(size)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
me = s.getsockname()[1]
s.sendall(data)
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got.extend(b)
eof = time.monotonic()
print("eof", flush=True)
exact = int(bytes(got) == data[:len(got)] and len(got) > 0)
cut = "none"
if mode == "polite":
    s.close()
elif mode == "silent":
    time.sleep(8)
    s.close()
else:
    while time.monotonic() - eof < 20:
        try:
            s.send(b"x" * 1024)
        except OSError:
            cut = "%.2f" % (time.monotonic() - eof)
            break
        time.sleep(0.02)
print("echoed=%d exact=%d cut=%s port=%d" % (len(got), exact, cut, me))
PY
}

# linger_cut_ok NAME: linger_peer NAME's echo was whole, and the cut came
# about 5 s (TCP_LINGER_MAX) after echod's FIN: from 4 s (the client sees
# the FIN late on a busy machine, and times from then) to 8 s (a sweep
# every 0.5 s, and room).
linger_cut_ok() {
	grep -q 'exact=1 cut=[0-9]' "$T/$1.out" &&
		awk -v lim="$(scaled_ms 8)" '/cut=/ {
			sub(/.*cut=/, ""); exit !($1 >= 4 && $1 * 1000 < lim) }' \
			"$T/$1.out"
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# cpu_ticks PID: user+system clock ticks the process used so far.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# ---- setup and teardown -----------------------------------------------------

harness_cleanup() {
	_rc=$?
	for _p in $PIDS; do
		if pid_alive "$_p"; then
			kill -TERM "$_p" 2>/dev/null
		fi
	done
	for _p in $PIDS; do
		wait_until 5 pid_gone "$_p" || kill -KILL "$_p" 2>/dev/null
	done
	# The exit status follows the TAP stream, not the last command run.
	case $_rc in
	77 | 99 | 130 | 143) ;;
	*)
		if [ -n "$TAP_PLANNED" ] && [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
			diag "planned $TAP_PLANNED tests, ran $TAP_N"
			_rc=99
		elif [ "$TAP_FAILED" -gt 0 ]; then
			_rc=1
		else
			_rc=0
		fi
		;;
	esac
	if [ "$TAP_FAILED" -gt 0 ] || [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ]; then
		[ -n "$T" ] && dump_logs
		[ "$_rc" -eq 0 ] && _rc=1
	elif [ -n "$T" ] && [ "${ECHOD_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$T"
	fi
	exit "$_rc"
}

harness_init() {
	for _b in "$ECHOD" "$ECHOPROBE"; do
		[ -x "$_b" ] || { echo "Bail out! $_b not built"; exit 99; }
	done
	command -v ss >/dev/null 2>&1 || { echo "Bail out! ss (iproute2) missing"; exit 99; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/echod-it.XXXXXX") || exit 99
	ECHOD_LOG=$T/echod.log
	trap harness_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

harness_init
