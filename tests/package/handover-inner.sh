#!/bin/bash
# Runs inside the booted Debian 12 container of tests/package/t-handover.sh
# (root, systemd is PID 1, loopback only).  In $SDLAB_IN: debs/ (this
# version and the rebuilt higher one), versions, handover-clients.py.
# Issue 15 item 4: with 200 connections held open (one streaming verified
# bytes), an interactive echoctl session in tmux and a UDP datagram every
# millisecond, `systemctl restart echod` three times and an upgrade to the
# higher version: every connection keeps echoing, nothing lost or
# reordered, MainPID changes each time, every datagram answered; then
# `systemctl stop` still ends the connections cleanly.  Prints TAP results
# without numbers ("ok - ..."), timings as "# timing ..." lines.
. "$SDLAB_IN/container-lib.sh" || exit 99
W=$SDLAB_OUT/clients
mkdir -p "$W"
log=$SDLAB_OUT/steps.log

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() {
	local desc=$1
	shift
	if "$@" >> "$log" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}
wait_file() {	# FILE TENTHS
	local i
	for ((i = 0; i < $2; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
main_pid() { systemctl show -P MainPID echod.service; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
jq_() { jq -e "$@" "$W/result.json" > /dev/null; }

TM="tmux -L handover"
# The interactive session: type LINE, see "< LINE" (its echo) come back.
ia_line() {
	local i
	$TM send-keys -t ia "$1" Enter
	for ((i = 0; i < 100; i++)); do
		$TM capture-pane -p -t ia | grep -qx "< $1" && return 0
		sleep 0.1
	done
	$TM capture-pane -p -t ia | tail -n 5
	return 1
}

# --- install, configure -------------------------------------------------
apt-get install -y -q "$DEB1" >> "$log" 2>&1
mkdir -p /etc/systemd/system/echod.service.d
# Five restarts in a few seconds: more than StartLimitBurst= allows by
# default (a refused start fails the unit, and its fd store goes with it).
printf '[Unit]\nStartLimitIntervalSec=0\n' > /etc/systemd/system/echod.service.d/test.conf
cat > /etc/echod.conf <<'EOF'
log_level = "info";
drain_timeout = "5s";
defaults = { max_connections_per_source = 0; idle_timeout = 0; };
listeners = (
  { name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = 8888; },
  { name = "udp-main"; protocol = "udp"; address = "127.0.0.1"; port = 9999; }
);
EOF
systemctl daemon-reload
check "install $V1 and start echod with the test configuration" \
	sh -c "systemctl restart echod && systemctl is-active -q echod && [ \$(dpkg-query -W -f='\${Version}' echod) = '$V1' ]"
check "the unit has an fd store and the stop helper" sh -c "
	[ \$(systemctl show -P FileDescriptorStoreMax echod) -gt 0 ] &&
	systemctl show -P ExecStop echod | grep -q -- '--stop-helper'"

python3 "$SDLAB_IN/handover-clients.py" "$W" 8888 9999 200 > "$W/clients.log" 2>&1 &
CLIENTS=$!
check "200 connections (one streaming) and UDP every ms are echoed" wait_file "$W/ready" 300
$TM new-session -d -s ia -x 120 -y 30 "echoctl tcp 127.0.0.1 8888"
check "interactive echoctl session in tmux echoes" ia_line "before the restarts"

# --- three restarts and an upgrade ---------------------------------------
step() {	# NAME COMMAND...: run it, check MainPID changed, time it
	local name=$1 before after t0 t1
	shift
	before=$(main_pid)
	date +%s.%N > "$W/$name.start"
	t0=$(now_ms)
	"$@" >> "$log" 2>&1
	t1=$(now_ms)
	date +%s.%N > "$W/$name.end"
	after=$(main_pid)
	echo "# timing $name: '$*' took $((t1 - t0)) ms; MainPID $before -> $after"
	check "$name: echod runs again with a new MainPID ($before -> $after)" \
		sh -c "systemctl is-active -q echod && [ '$after' != 0 ] && [ '$after' != '$before' ]"
	check "$name: the interactive session still echoes" ia_line "after $name"
	sleep 1		# traffic flows between the steps
}
for r in 1 2 3; do
	step restart$r systemctl restart echod
done
step upgrade apt-get install -y -q -o Dpkg::Options::=--force-confold "$DEB2"
check "upgrade: $V2 is installed" sh -c "[ \$(dpkg-query -W -f='\${Version}' echod) = '$V2' ]"
check "the store is empty while echod runs" sh -c "[ \$(systemctl show -P NFileDescriptorStore echod) = 0 ]"

# --- results of the clients ----------------------------------------------
touch "$W/final"
wait_file "$W/result.json" 300
cp "$W/result.json" "$SDLAB_OUT/result.json" 2>/dev/null
check "all 199 held connections still echo, none closed or wrong" \
	jq_ '.held_ok == 199 and (.held_dead | length) == 0 and (.errors | length) == 0'
check "the streaming connection: every byte came back, in order" \
	jq_ '.stream_dead == null and .stream_echoed == .stream_sent and .stream_sent > 0'
check "UDP: every datagram sent through the restarts was answered, none refused" \
	jq_ '.udp_sent > 1000 and .udp_answered == .udp_sent and .udp_refused == 0 and .udp_dups == 0'
# Gaps per step: the longest time a connection saw no echo.
for s in restart1 restart2 restart3 upgrade; do
	[ -f "$W/$s.start" ] || continue
	jq -r --arg k "$s" --argjson a "$(cat "$W/$s.start")" --argjson b "$(cat "$W/$s.end")" '
	    [.gaps[] | select(.[2] >= $a - 1 and .[2] <= $b + 1)] as $g |
	    def mx(k): ([$g[] | select(.[0] == k) | .[3]] | max // 0);
	    "# timing \($k): longest without echo: stream \(mx("stream")) s, held \(mx("held")) s, udp \(mx("udp")) s"' \
	    "$W/result.json"
done
jq -r '"# clients: held_ok \(.held_ok)/\(.held), dead \(.held_dead | length), stream \(.stream_echoed)/\(.stream_sent) bytes, udp \(.udp_answered)/\(.udp_sent) answered, \(.udp_refused) refused, max udp delay \(.udp_max_delay) s"' "$W/result.json"

echo "# kernel: $(nstat -az UdpRcvbufErrors UdpInErrors | awk '/Udp/ { printf "%s %s ", $1, $2 }')"

# --- a plain stop still ends the connections cleanly ----------------------
systemctl stop echod
wait_file "$W/closed.json" 700
cp "$W/closed.json" "$SDLAB_OUT/closed.json" 2>/dev/null
check "systemctl stop: every connection ended with a clean EOF (no reset)" \
	jq -e '.conns == 200 and .ends.eof == 200' "$W/closed.json"
check "systemctl stop drained (journal) and the unit stopped cleanly" sh -c "
	journalctl -u echod -o cat | grep -q 'draining' && [ \$(systemctl show -P Result echod) = success ]"
$TM kill-server 2>/dev/null
kill "$CLIENTS" 2>/dev/null
wait
exit 0
