#!/bin/bash
# Runs inside the booted Debian 12 container of tests/package/t-deb.sh (as
# root, systemd is PID 1, only loopback networking).  In $SDLAB_IN: debs/
# (this version and the upgrade), versions (one per line: current, upgrade)
# and service-echo (the autopkgtest).  Prints exactly 17 TAP results without
# numbers ("ok - ..." / "not ok - ..."); t-deb.sh numbers them.  Steps that
# fail do not stop the run, so later results still come out.
. "$SDLAB_IN/container-lib.sh" || exit 99
CONF=/etc/echod.conf
log=$SDLAB_OUT/steps.log

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() {
	local desc=$1 out=$SDLAB_OUT/step.out
	shift
	if "$@" > "$out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		tail -n 20 "$out" | sed 's/^/# /'
		diag
	fi
	cat "$out" >> "$log"
}
# On failure: the state of the units, as TAP comments.
diag() {
	systemctl --no-pager status echod.service echod.socket 2>&1 | sed 's/^/# /' | head -n 30
}

# echo_ok PROTO PORT: one echoctl round trip, retried for up to 5 s so that
# a listener that is still coming up does not fail the test.
echo_ok() {
	local proto=$1 port=$2 msg out i
	msg="echod package test $proto $port $$"
	for ((i = 0; i < 50; i++)); do
		out=$(printf '%s\n' "$msg" | timeout 10 echoctl "$proto" -t 3 127.0.0.1 "$port" 2>>"$log")
		[ "$out" = "$msg" ] && return 0
		sleep 0.1
	done
	echo "echo_ok $proto $port: got '$out'" >> "$log"
	return 1
}

# wait_active UNIT: poll until active (10 s).
wait_active() {
	local i
	for ((i = 0; i < 100; i++)); do
		systemctl is-active --quiet "$1" && return 0
		sleep 0.1
	done
	systemctl --no-pager status "$1" >> "$log" 2>&1
	return 1
}

main_pid() { systemctl show -p MainPID --value echod.service; }

# Add a TCP listener on 127.0.0.1:PORT to the listeners list of $CONF.
add_listener() {
	local name=$1 port=$2
	awk -v name="$name" -v port="$port" '
		!done && /^[ \t]*listeners[ \t]*[=:]/ {
			print
			if ($0 !~ /\(/) { getline; print }
			printf "  { name = \"%s\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = %d; },\n", name, port
			done = 1
			next
		}
		{ print }
		END { if (!done) exit 1 }' "$CONF" > "$CONF.new" && mv "$CONF.new" "$CONF"
}

step_install() {
	apt-get install -y -q "$DEB1" &&
		[ "$(dpkg-query -W -f='${Version}' echod)" = "$V1" ]
}

# echod.service is enabled and running; the socket-activated variant, which
# binds the same ports, ships disabled (debian/rules).
step_units_active() {
	local u
	wait_active echod.service || return 1
	systemctl is-enabled echod.service || return 1
	for u in echod.socket echod-udp.socket echod-activated.service; do
		[ -f "/lib/systemd/system/$u" ] || continue
		# is-enabled exits 0 for "static" too: compare the state.
		case $(systemctl is-enabled "$u") in
		enabled*) echo "$u is enabled"; return 1 ;;
		esac
		if systemctl is-active --quiet "$u"; then
			echo "$u is active"
			return 1
		fi
	done
}

# Every inet socket listening in the container is on loopback.
step_loopback_only() {
	local bad
	ss -Hlntu > "$SDLAB_OUT/listening.txt"
	cat "$SDLAB_OUT/listening.txt"
	bad=$(awk '{ print $5 }' "$SDLAB_OUT/listening.txt" |
		grep -vE '^(127\.[0-9.]+|\[::1\]|::1):[0-9]+$')
	[ -z "$bad" ] || { echo "not loopback: $bad"; return 1; }
	grep -qE ':8888\b' "$SDLAB_OUT/listening.txt"
}

step_reload_good() {
	local before after
	before=$(main_pid)
	cp "$CONF" "$SDLAB_OUT/echod.conf.orig"
	add_listener tcp-pkgtest 8889 || return 1
	echod -t -c "$CONF" || return 1
	systemctl reload echod.service || return 1
	after=$(main_pid)
	echo "MainPID before $before after $after"
	[ "$before" != 0 ] && [ "$before" = "$after" ]
}

step_reload_bad() {
	local rc=0
	cp "$CONF" "$CONF.good"
	echo 'pkgtest_no_such_setting = 1;' >> "$CONF"
	systemctl reload echod.service && rc=1
	systemctl --no-pager status echod.service | head -n 20
	mv "$CONF.good" "$CONF"
	[ "$rc" -eq 0 ] && systemctl is-active --quiet echod.service &&
		echo_ok tcp 8888 && echo_ok tcp 8889
}

PID_BEFORE_UPGRADE=
step_upgrade() {
	PID_BEFORE_UPGRADE=$(main_pid)
	# --force-confdef: take the conffile prompt's default, which must be to
	# keep the administrator's version.
	apt-get install -y -q -o Dpkg::Options::=--force-confdef "$DEB2" &&
		[ "$(dpkg-query -W -f='${Version}' echod)" = "$V2" ]
}

step_conffile_kept() {
	grep -q 'tcp-pkgtest' "$CONF" || { echo "local edit lost"; return 1; }
	[ -f "$CONF.dpkg-dist" ] || { echo "no $CONF.dpkg-dist"; return 1; }
	grep -q "shipped by $V2" "$CONF.dpkg-dist"
}

step_restarted() {
	local now
	wait_active echod.service || return 1
	now=$(main_pid)
	echo "MainPID before upgrade $PID_BEFORE_UPGRADE, after $now"
	[ "$now" != 0 ] && [ "$now" != "$PID_BEFORE_UPGRADE" ]
}

step_serves_after_upgrade() {
	echo_ok tcp 8888 && echo_ok tcp 8889
}

# The documented switch to socket activation, on the shipped listeners: the
# first TCP connection and UDP datagram go to systemd's sockets, which start
# echod-activated.service.
step_socket_activation() {
	cp "$CONF.dpkg-dist" "$CONF" || return 1
	systemctl disable --now echod.service || return 1
	systemctl enable --now echod.socket echod-udp.socket || return 1
	systemctl is-active --quiet echod-activated.service && { echo "started too early"; return 1; }
	echo_ok tcp 8888 && echo_ok udp 9999 || return 1
	# echod answers as soon as its listeners are up and says READY=1 just
	# after: on a loaded machine the unit may still be "activating".
	wait_active echod-activated.service && ! systemctl is-active --quiet echod.service
}

FILES_BEFORE_PURGE=$SDLAB_OUT/files.txt
step_purge() {
	dpkg -L echod > "$FILES_BEFORE_PURGE"
	apt-get purge -y -q echod && ! dpkg -s echod > /dev/null 2>&1
}

step_nothing_left() {
	local left=
	while read -r f; do
		# Directories other packages also own (/usr, /etc, ...) stay.
		[ -d "$f" ] && continue
		[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
	done < "$FILES_BEFORE_PURGE"
	for f in "$CONF"* /run/echod; do
		[ -e "$f" ] && left="$left $f"
	done
	left="$left$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked -name '*echod*' 2>/dev/null |
		sed 's/^/ /' | tr -d '\n')"
	echo "left behind: '$left'"
	[ -z "$left" ]
}

step_no_process() {
	local i
	for ((i = 0; i < 50; i++)); do
		pgrep -x echod > /dev/null || break
		sleep 0.1
	done
	! pgrep -a -x echod || return 1
	systemctl daemon-reload
	[ "$(systemctl show -p LoadState --value echod.service)" = not-found ] || return 1
	[ "$(systemctl show -p LoadState --value echod.socket)" = not-found ] || return 1
	! ss -Hlntu | grep -E ':(8888|9999)\b'
}

check "install $V1: apt-get install ./echod_${V1}_${arch}.deb" step_install
check "install enables and starts echod.service (socket variant off)" step_units_active
check "TCP echo on 127.0.0.1:8888 after install (echoctl)" echo_ok tcp 8888
check "UDP echo on 127.0.0.1:9999 after install (echoctl)" echo_ok udp 9999
check "nothing listens beyond loopback" step_loopback_only
check "autopkgtest debian/tests/service-echo passes" sh "$SDLAB_IN/service-echo"
check "systemctl reload after adding a listener succeeds, same MainPID" step_reload_good
check "the added listener (TCP 8889) echoes after reload" echo_ok tcp 8889
check "a broken edit makes systemctl reload fail; service continues" step_reload_bad
check "upgrade to $V2 with the conffile prompt's default" step_upgrade
check "upgrade keeps the local edit of $CONF (new one as .dpkg-dist)" step_conffile_kept
check "upgrade restarts the service (new MainPID)" step_restarted
check "the edited config serves after the upgrade (8888 and 8889)" step_serves_after_upgrade
check "switch to socket activation: echo starts echod-activated.service" step_socket_activation
check "apt-get purge echod" step_purge
check "purge removes files, units, conffile and enable links" step_nothing_left
check "no echod process, unit or listening socket after purge" step_no_process
exit 0
