#!/bin/sh
# @include chains: ten levels deep load (the file at the bottom defines the
# listener, and it serves); a file that includes itself, two files that
# include each other and a chain one level too deep are refused at once
# with file:line and what is allowed, by echod -t, by echod at start (exit
# 78, never a hang or a crash) and by a reload, after which the old
# configuration still serves.  So is an @include of a FIFO (or a config
# path that is one), which would block the read forever: at a reload, the
# daemon's main loop with it.
. "$(dirname "$0")/lib.sh"
: "${ECHOCTL:=$top_builddir/src/echoctl}"
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"

P=$(free_port)
Q=$(free_port)
mkdir "$T/inc"
# chain DIR N: DIR/main.conf includes l1.inc ... which includes lN.inc,
# and lN.inc holds the settings.
chain() {
	mkdir -p "$1"
	printf '@include "l1.inc"\n' >"$1/main.conf"
	_i=1
	while [ "$_i" -lt "$2" ]; do
		printf '# level %d\n@include "l%d.inc"\n' "$_i" $((_i + 1)) >"$1/l$_i.inc"
		_i=$((_i + 1))
	done
	cat >"$1/l$2.inc" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
listeners = (
	{ name = "deep"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF
}
chain "$T/ten" 10
chain "$T/eleven" 11
printf '# includes itself\n@include "self.conf"\n' >"$T/inc/self.conf"
printf '@include "b.inc"\n' >"$T/inc/a.conf"
printf '# and back\n@include "a.conf"\n' >"$T/inc/b.inc"
mkfifo "$T/inc/pipe.inc" || bail "mkfifo failed"
printf 'workers = 1;\n@include "pipe.inc"\n' >"$T/inc/fifo.conf"
# 256 includes of an empty file, then one that leads to the FIFO (the
# scan stopped counting at 256 and libconfig opened the FIFO: seen, a
# reload blocked in open() until something wrote to it); and a fan-out,
# each of 6 levels including the next 20 times (20^6 includes: seen,
# echod -t still parsing after 8 s at 5 levels).
: >"$T/inc/empty.inc"
{ i=0; while [ $i -lt 256 ]; do echo '@include "empty.inc"'; i=$((i + 1)); done
  echo '@include "fifo.conf"'; } >"$T/inc/many.conf"
fan=0
while [ $fan -lt 6 ]; do
	i=0
	while [ $i -lt 20 ]; do echo "@include \"fan$((fan + 1)).inc\""; i=$((i + 1)); done \
	    >"$T/inc/fan$fan.inc"
	fan=$((fan + 1))
done
: >"$T/inc/fan6.inc"
cp "$T/inc/fan0.inc" "$T/inc/fan.conf"

plan 28
DEEP='@include nested too deep \(allowed: at most 10 levels'

"$ECHOD" -t -c "$T/ten/main.conf" >"$T/ten.out" 2>&1
is "a chain of 10 includes: echod -t exit 0" "$?" 0

# run_bad NAME CONF: echod -t and echod itself on CONF, both bounded.
run_bad() {
	timeout 20 "$ECHOD" -t -c "$2" >"$T/$1-t.out" 2>&1
	is "$1: echod -t exits 78" "$?" 78
	timeout 20 "$ECHOD" -c "$2" >"$T/$1-run.out" 2>&1
	is "$1: echod refuses to start, exit 78 (no hang, no crash)" "$?" 78
}
run_bad self "$T/inc/self.conf"
check "self: names self.conf:2 and the depth allowed" \
	grep -Eq "self\.conf:2: .*$DEEP" "$T/self-run.out"
run_bad loop "$T/inc/a.conf"
check "loop: names the line of the @include and the depth allowed" \
	grep -Eq "(a\.conf:1|b\.inc:2): .*$DEEP" "$T/loop-run.out"
run_bad eleven "$T/eleven/main.conf"
check "eleven levels: names l10.inc:2, whose @include is one too many" \
	grep -Eq "l10\.inc:2: .*$DEEP" "$T/eleven-run.out"

run_bad fifo "$T/inc/fifo.conf"
check "fifo: names fifo.conf:2 and what is allowed" \
	grep -Eq 'fifo\.conf:2: @include "pipe\.inc": not a regular file \(allowed: a regular file' \
	"$T/fifo-run.out"
run_bad many "$T/inc/many.conf"
check "many: the 257th @include is refused, with the limit" \
	grep -Eq 'many\.conf:257: @include "fifo\.conf": more than 256 files included in all \(allowed: at most 256' \
	"$T/many-run.out"
run_bad fan "$T/inc/fan.conf"
check "fan-out: refused at the 257th @include, in well under the 20 s bound" \
	grep -q 'more than 256 files included in all' "$T/fan-run.out"
timeout 20 "$ECHOD" -t -c "$T/inc/pipe.inc" >"$T/pipe-t.out" 2>&1
is "a config path that is a FIFO: echod -t exits 78 at once" "$?" 78

start_echod "$T/ten/main.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
check "the listener from the 10th level serves" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1000 --timeout 5
# A reload of a file that now includes itself: refused, with the reason.
printf '@include "main.conf"\n' >"$T/ten/l5.inc"
timeout 30 "$ECHOCTL" reload --socket "$T/ctl.sock" >"$T/reload.out" 2>&1
is "a reload into a self-including chain: echoctl exits 78" "$?" 78
check "and says where (a line of the loop) and why" \
	grep -Eq "(main\.conf:1|l[1-5]\.inc:2): .*$DEEP" "$T/reload.out"
check "echod still serves the old configuration" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1000 --timeout 5
# A reload into a chain that reaches a FIFO: refused at once, and the
# control socket (the main loop) still answers.
printf '@include "../inc/pipe.inc"\n' >"$T/ten/l5.inc"
timeout 30 "$ECHOCTL" reload --socket "$T/ctl.sock" >"$T/reload2.out" 2>&1
is "a reload that would read a FIFO: echoctl exits 78, not a timeout" "$?" 78
check "and says which @include" \
	grep -q 'l5\.inc:1: @include "\.\./inc/pipe\.inc": not a regular file' "$T/reload2.out"
check "the control socket still answers" \
	timeout 10 "$ECHOCTL" ping --socket "$T/ctl.sock"
stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
