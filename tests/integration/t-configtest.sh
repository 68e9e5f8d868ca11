#!/bin/sh
# echod -t: a good file prints "configuration OK" and exits 0; a bad one
# prints every error as file:line with the setting and what is allowed, and
# exits 78 (EX_CONFIG).  echod itself refuses to start on a bad file.
# echod -V prints the version and features.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
Q=$(free_port)
cat >"$T/good.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  idle_timeout = "30s"; buffer_size = "64k"; },
	{ name = "udp-main"; protocol = "udp"; address = "127.0.0.1"; port = $P; }
);
CONF
# Line numbers matter: the errors are on lines 4, 6, 7 and 8.
cat >"$T/bad.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "a"; protocol = "tcp"; address = "127.0.0.1"; port = 70000; },
	{ name = "b"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  idle_timout = "5s"; },
	{ name = "a"; protocol = "udp"; address = "127.0.0.1"; port = $Q; },
	{ name = "c"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF
printf 'log_level = "info";\nlisteners = ( {\n' >"$T/syntax.conf"

plan 15

"$ECHOD" -V >"$T/version.out" 2>&1
is "echod -V: exit 0" "$?" 0
check "echod -V prints the version and the compiled-in features" \
	grep -Eq "^echod [0-9]+\.[0-9]+\.[0-9]+.* [+-][a-z]" "$T/version.out"

"$ECHOD" -t -c "$T/good.conf" >"$T/good.out" 2>&1
is "good file: exit 0" "$?" 0
check "good file: prints \"configuration OK\"" \
	grep -qx "configuration OK" "$T/good.out"
check "-t does not start serving" ep_down "tcp:127.0.0.1:$P"

"$ECHOD" -t -c "$T/bad.conf" >"$T/bad.out" 2>&1
is "bad file: exit 78" "$?" 78
diag "$(cat "$T/bad.out")"
check "port out of range: bad.conf:4, the setting and the allowed range" \
	grep -Eq "bad\.conf:4: .*port.*70000.*1 *\.\. *65535" "$T/bad.out"
check "unknown setting: bad.conf:6 with a did-you-mean hint" \
	grep -Eq "bad\.conf:6: .*idle_timout.*unknown.*idle_timeout" "$T/bad.out"
check "duplicate listener name: bad.conf:7" \
	grep -Eq "bad\.conf:7: .*duplicate.*'a'" "$T/bad.out"
check "same protocol, address and port twice: bad.conf:8" \
	grep -Eq "bad\.conf:8: .*(127\.0\.0\.1|$P)" "$T/bad.out"

"$ECHOD" -t -c "$T/syntax.conf" >"$T/syntax.out" 2>&1
is "syntax error: exit 78" "$?" 78
check "syntax error: named with file and line" \
	grep -Eq "syntax\.conf:[0-9]+: .*syntax" "$T/syntax.out"

"$ECHOD" -c "$T/bad.conf" >"$T/run-bad.out" 2>&1 &
track $!
reap $! 10
is "echod refuses to start on the bad file: exit 78" "${REAPED_STATUS:-still running}" 78
check "and names the errors" grep -q "bad\.conf:6:" "$T/run-bad.out"

if [ -f "$top_srcdir/conf/echod.conf" ]; then
	check "the shipped sample conf/echod.conf passes -t" \
		"$ECHOD" -t -c "$top_srcdir/conf/echod.conf"
else
	skip_test "the shipped sample conf/echod.conf passes -t" "no sample in this tree"
fi
