#!/bin/sh
# A reload refused for 100 errors (over 9 KiB of diagnostics), one of them
# longer than a control line, one quoting a newline: every error is logged
# (one config_error line each, whether the reload came from SIGHUP or the
# control socket) and returned to echoctl in full; the configuration's
# control characters neither split a log line nor a reply line.
. "$(dirname "$0")/lib.sh"
need_cmd python3
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

P=$(free_port)
conf=$T/echod.conf
ctl=$T/ctl.sock
cat >"$conf" <<CONF
log_level = "info";
control_socket = "$ctl";
listeners = ({ name = "good"; protocol = "tcp"; address = "127.0.0.1"; port = $P; });
CONF
cp "$conf" "$T/good.conf"
# 100 errors: 98 ports out of range on lines 4 to 101, one in a file
# included on line 102 from a directory 2100 characters deep (its
# diagnostic, which names that file, is longer than a control line), and
# a name with a newline on line 103.
deep=$(python3 -c 'print("/".join(["d" * 230] * 9))')
mkdir -p "$T/$deep"
echo '{ name = "deep"; protocol = "tcp"; address = "127.0.0.1"; port = 70999; },' \
	>"$T/$deep/bad.inc"
python3 - "$conf.bad" "$ctl" "$deep" <<'PY'
import sys
out = ['log_level = "info";', 'control_socket = "%s";' % sys.argv[2], "listeners = ("]
for i in range(98):
    out.append('{ name = "l%d"; protocol = "tcp"; address = "127.0.0.1"; port = %d; },' % (i, 70000 + i))
out.append('@include "%s/bad.inc"' % sys.argv[3])
out.append('{ name = "x\\nSTOPPING=1\\ny"; protocol = "tcp"; address = "127.0.0.1"; port = 2; }')
out.append(");")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

plan 11
start_echod "$conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
wait_until 10 test -S "$ctl" || bail "no control socket"
cp "$conf.bad" "$conf"

"$ECHOCTL" reload --socket "$ctl" >"$T/reload.out" 2>"$T/reload.err"
is "echoctl reload says the configuration was refused (EX_CONFIG)" "$?" 78
diags=$(grep -c '^diag=' "$T/reload.err")
diag "reply: $(wc -c <"$T/reload.err") bytes, $diags diag lines"
# named FILE: the errors a text names: the distinct echod.conf lines
# (4..101), plus the included file's own (its long name joined again).
named() {
	n=$(grep -o 'echod\.conf:[0-9]*:' "$1" | sort -u | wc -l)
	tr -d '\n' <"$1" | grep -q "$deep/bad\.inc:1: listeners\[98\]\.port" && n=$((n + 1))
	echo "$n"
}
sed -n 's/^diag=//p' "$T/reload.err" >"$T/diags"
is "the reply names every one of the 100 errors" "$(named "$T/diags")" 100
check "the one longer than a control line came over several diag lines" \
	test "$(grep -c "^diag=dddd" "$T/reload.err")" -ge 2
check "the newline is shown as \\x0a, and no reply line starts with STOPPING=1" \
	sh -c 'grep -q "x\\\\x0aSTOPPING=1\\\\x0ay" "$0" && ! grep -q "^STOPPING=1" "$0"' \
	"$T/reload.err"

grep 'event=config_error' "$ECHOD_LOG" >"$T/logged"
is "every one of the 100 errors is logged, the long one whole" "$(named "$T/logged")" 100
check "no log line was split: each starts with level=" \
	sh -c '! grep -v "^level=" "$0"' "$ECHOD_LOG"
"$ECHOD" -t -c "$conf" >"$T/t.out" 2>&1
check "echod -t prints the 100 errors one line each, and its count (101 lines)" \
	sh -c '[ "$(wc -l <"$0")" -eq 101 ] && ! grep -q "^STOPPING=1" "$0"' "$T/t.out"
n0=$(log_count 'event=config_error')
kill -HUP "$ECHOD_PID"
sighup_all() { [ "$(log_count 'event=config_error')" -ge $((n0 + 100)) ]; }
check "a SIGHUP reload logs all 100 too" wait_until 10 sighup_all
check "the status sums up the last error (and 99 more)" \
	sh -c '"$0" status --socket "$1" | grep -q "^last_reload_error=.*(and 99 more)"' \
	"$ECHOCTL" "$ctl"
cp "$T/good.conf" "$conf"
check "the running configuration still serves, and reloads" \
	sh -c '"$0" tcp-stream 127.0.0.1 "$1" 1000 && "$2" reload --socket "$3"' \
	"$ECHOPROBE" "$P" "$ECHOCTL" "$ctl"
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
