#!/bin/sh
# metrics_listen under a real Prometheus (Debian package prometheus): after
# a known load (TCP connections and bytes, UDP datagrams, one oversized
# datagram), GET /metrics passes `promtool check metrics` and says exactly
# those counts, and a prometheus that scrapes it (config in the test's temp
# dir, loopback only, 250 ms scrape interval) returns the same numbers
# through its HTTP query API; `echoctl metrics` prints the same text.  A reload can move metrics_listen; a reload to
# an address that cannot be bound fails and the old one keeps serving.
. "$(dirname "$0")/lib.sh"
harness_init
need_cmd curl python3
: "${ECHOCTL:=$top_builddir/src/echoctl}"
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 ||
	skip_all "prometheus/promtool not installed (scripts/deps test installs the package prometheus)"
plan 16

TP=$(free_port)
UP=$(free_port)
MP=$(free_port)
MP2=$(free_port)
PP=$(free_port)
write_conf() {	# write_conf METRICS_LISTEN
	cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
metrics_listen = "$1";
listeners = (
	{ name = "tcp-echo"; protocol = "tcp"; address = "127.0.0.1"; port = $TP; },
	{ name = "udp-echo"; protocol = "udp"; address = "127.0.0.1"; port = $UP;
	  max_datagram = 1000; }
);
CONF
}
write_conf "127.0.0.1:$MP"
start_echod "$T/echod.conf" "tcp:127.0.0.1:$TP" "udp:127.0.0.1:$UP" ||
	bail "echod did not start"
check "echod logs where it serves metrics" log_wait "metrics: http://127.0.0.1:$MP/metrics"

# The known load, on top of what start_echod's readiness probes did (read
# back from the metrics before it).
metric() {	# metric FILE NAME LABELS: the sample's value
	awk -v k="$2{$3}" '$1 == k { print $2 }' "$1"
}
curl -s --max-time 5 "http://127.0.0.1:$MP/metrics" >"$T/before.txt"
acc0=$(metric "$T/before.txt" echod_connections_accepted_total 'listener="tcp-echo",protocol="tcp"')
byt0=$(metric "$T/before.txt" echod_bytes_echoed_total 'listener="tcp-echo",protocol="tcp"')
dgr0=$(metric "$T/before.txt" echod_datagrams_echoed_total 'listener="udp-echo",protocol="udp"')
check "20 TCP connections of 5 x 1000 bytes echoed" \
	"$ECHOPROBE" tcp-many 127.0.0.1 "$TP" 20 5 --size 1000 --timeout 20
check "30 datagrams of 100 bytes echoed" \
	"$ECHOPROBE" udp 127.0.0.1 "$UP" 100 --count 30 --timeout 5
check "a 1001-byte datagram is dropped" \
	"$ECHOPROBE" udp 127.0.0.1 "$UP" 1001 --timeout 1 --expect-none
want_acc=$((acc0 + 20))
want_byt=$((byt0 + 100000))
want_dgr=$((dgr0 + 30))
settled() {	# every connection closed, so every byte is counted
	curl -s --max-time 5 "http://127.0.0.1:$MP/metrics" >"$T/after.txt" &&
		[ "$(metric "$T/after.txt" echod_open_connections 'listener="tcp-echo",protocol="tcp"')" = 0 ] &&
		[ "$(metric "$T/after.txt" echod_bytes_echoed_total 'listener="tcp-echo",protocol="tcp"')" = "$want_byt" ]
}
wait_until 10 settled
is "GET /metrics: connections accepted" \
	"$(metric "$T/after.txt" echod_connections_accepted_total 'listener="tcp-echo",protocol="tcp"')" "$want_acc"
is "GET /metrics: bytes echoed" \
	"$(metric "$T/after.txt" echod_bytes_echoed_total 'listener="tcp-echo",protocol="tcp"')" "$want_byt"
is "GET /metrics: datagrams echoed and the too_big drop" \
	"$(metric "$T/after.txt" echod_datagrams_echoed_total 'listener="udp-echo",protocol="udp"') $(metric "$T/after.txt" echod_datagrams_dropped_total 'listener="udp-echo",protocol="udp",reason="too_big"')" \
	"$want_dgr 1"
check "promtool check metrics accepts it" sh -c "promtool check metrics <'$T/after.txt'"
"$ECHOCTL" metrics --socket "$T/ctl.sock" >"$T/ctl.txt" 2>"$T/ctl.err"
check "echoctl metrics: promtool accepts it too" sh -c "promtool check metrics <'$T/ctl.txt'"
grep -v '^echod_uptime_seconds ' "$T/after.txt" >"$T/after.cmp"
grep -v '^echod_uptime_seconds ' "$T/ctl.txt" >"$T/ctl.cmp"
check "echoctl metrics says what GET /metrics says (but for the uptime)" \
	cmp "$T/after.cmp" "$T/ctl.cmp"

# A real scraper.  Everything it writes stays in the temp dir.
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 250ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: echod
    static_configs:
      - targets: ["127.0.0.1:$MP"]
YML
check "promtool check config accepts the scrape config" promtool check config "$T/prometheus.yml"
bg prometheus prometheus --config.file="$T/prometheus.yml" \
	--storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PP" \
	--log.level=warn
ppid=$BG_PID
query() {	# query PROMQL: the first result's value, from the HTTP API
	curl -s --max-time 5 -G "http://127.0.0.1:$PP/api/v1/query" \
		--data-urlencode "query=$1" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
scraped() {
	[ "$(query "$1")" = "$2" ]
}
if wait_until 60 scraped 'up{job="echod"}' 1; then
	ok "prometheus scrapes metrics_listen (up == 1)"
else
	not_ok "prometheus scrapes metrics_listen (up == 1)"
	diag "up: '$(query 'up{job="echod"}')'"
fi
wait_until 10 scraped 'echod_bytes_echoed_total{listener="tcp-echo"}' "$want_byt"
is "prometheus's API: bytes echoed" \
	"$(query 'echod_bytes_echoed_total{listener="tcp-echo"}')" "$want_byt"
is "prometheus's API: connections accepted, datagrams echoed" \
	"$(query 'echod_connections_accepted_total{listener="tcp-echo"}') $(query 'echod_datagrams_echoed_total{listener="udp-echo"}')" \
	"$want_acc $want_dgr"
stop "$ppid"

# Reload: a port another socket holds fails the reload, the old address
# keeps serving; a free one moves it.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("held", flush=True); time.sleep(30)' "$MP2" >"$T/holder.out" 2>&1 &
hpid=$!
track "$hpid"
wait_until 10 file_has "$T/holder.out" held
write_conf "127.0.0.1:$MP2"
kill -HUP "$ECHOD_PID"
log_wait "reload failed" 10
is "a reload to a port in use fails; the old address still serves" \
	"$(log_count 'reload failed.*metrics_listen 127.0.0.1:'"$MP2"': Address already in use')$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MP/metrics")" "1200"
stop "$hpid"
kill -HUP "$ECHOD_PID"
log_wait "metrics: http://127.0.0.1:$MP2/metrics" 10
is "a reload to a free port moves it" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MP2/metrics") $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$MP/metrics")" "200 000"
stop_echod
