#!/bin/sh
# The journal sink with a real journald (systemd-lab's journal-sandbox):
# with stderr on a journal stream (JOURNAL_STREAM), echod switches to
# sd_journal_send and every event carries MESSAGE, PRIORITY,
# SYSLOG_IDENTIFIER, MESSAGE_ID and its fields upper-cased.
. "$(dirname "$0")/lib.sh"
need_root
need_echod
need_cmd python3 socat unshare
[ -x /lib/systemd/systemd-journald ] || skip_all "systemd-journald not installed"
[ -x "$SDLAB/journal-sandbox" ] || skip_all "systemd-lab journal-sandbox not found"
plan 9

PT=$(free_port)
PU=$(free_port)
conf=$T_DIR/echod.conf
write_conf "$conf" tcp-main tcp "$PT" udp-main udp "$PU"
sed -i 's/^listeners = (/defaults = { max_datagram = 16; };\nlisteners = (/' "$conf"
timeout 120 "$SDLAB/journal-sandbox" -t 90 -- sh "$(dirname "$0")/journal-inner.sh" \
    "$ECHOD" "$conf" "$T_DIR" "$PT" "$PU" > "$T_DIR/sandbox.log" 2>&1 ||
    bail "journal-sandbox failed: $(tail -n 5 "$T_DIR/sandbox.log")"
[ -s "$T_DIR/journal.json" ] || bail "no journal written"
check "TCP echo worked" grep -qx hello "$T_DIR/tcp.out"

jq_py() {	# [TODO-REASON] DESC PYTHON-EXPR over `es` (echod's native entries)
	if [ $# -eq 3 ]; then
		todo=$1
		shift
		set -- "$1" "$2"
		chk() { check_todo "$todo" "$@"; }
	else
		chk() { check "$@"; }
	fi
	chk "$1" python3 - "$T_DIR/journal.json" "$2" <<'PY'
import json, sys
all_ = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
es = [e for e in all_ if e.get("SYSLOG_IDENTIFIER") == "echod"
      and e.get("_TRANSPORT") == "journal"]
ids = {"listening": "bb8275a2d6c148a68d18b27ff560090b",
       "conn_close": "be20fbc8457f46808460a6381239145b",
       "dgram_drop": "e6784db4185c43fdb8986afc169916e5",
       "draining": "f0a4c91df7644a57bab808fcb1581117",
       "stopped": "251b85cca2444d22b1864e594c9120fa"}
def ev(name):
    return [e for e in es if e.get("MESSAGE_ID") == ids[name]]
ok = eval(sys.argv[2])
if not ok:
    for e in es:
        print("# " + json.dumps({k: v for k, v in e.items() if not k.startswith("_")}))
sys.exit(0 if ok else 1)
PY
}
jq_py "JOURNAL_STREAM detected: events sent natively, none as stderr lines" \
    'len(es) >= 5 and not [e for e in all_ if e.get("_TRANSPORT") == "stdout" and "event=" in e.get("MESSAGE", "")]'
jq_py "every event has MESSAGE, PRIORITY and a MESSAGE_ID" \
    'all(e.get("MESSAGE") and e.get("PRIORITY", "").isdigit() and len(e.get("MESSAGE_ID", "")) == 32 for e in es)'
jq_py "listening: LISTENER and PROTOCOL" \
    'any(e.get("LISTENER") == "tcp-main" and e.get("PROTOCOL") == "tcp" and e["PRIORITY"] == "5" for e in ev("listening"))'
jq_py "conn_close: PEER_ADDRESS, PEER_PORT, BYTES_IN, BYTES_OUT, DURATION_USEC" \
    'any(e.get("PEER_ADDRESS") == "127.0.0.1" and e.get("PEER_PORT", "").isdigit() and e.get("BYTES_IN") == "6" and e.get("BYTES_OUT") == "6" and e.get("DURATION_USEC", "").isdigit() for e in ev("conn_close"))'
jq_py "dgram_drop: DROP_REASON=too_big on udp-main" \
    'any(e.get("DROP_REASON") == "too_big" and e.get("LISTENER") == "udp-main" for e in ev("dgram_drop"))'
jq_py "draining and stopped events" 'ev("draining") and ev("stopped")'
check "journalctl LISTENER=tcp-main matches" python3 -c "
import json, sys
es = [json.loads(l) for l in open('$T_DIR/by-listener.json') if l.strip()]
sys.exit(0 if es and all(e.get('LISTENER') == 'tcp-main' for e in es) else 1)"

# Without a journald, log_target = "journal" loses nothing: stderr instead.
if [ -S /run/systemd/journal/socket ]; then
	ok "# SKIP journal fallback: this host runs a journald"
else
	P3=$(free_port)
	write_conf "$T_DIR/nj.conf" tcp-nj tcp "$P3"
	sed -i 's/^log_level = .*/&\nlog_target = "journal";/' "$T_DIR/nj.conf"
	"$ECHOD" -c "$T_DIR/nj.conf" 2> "$T_DIR/nojournal.log" &
	T_PIDS=$!
	wait_for 100 ctl ping
	kill "$T_PIDS"
	t_wait_gone "$T_PIDS" 100
	check "no journald: events fall back to stderr lines" \
	    grep -q 'event=listening .*listener=tcp-nj' "$T_DIR/nojournal.log"
fi
finish
