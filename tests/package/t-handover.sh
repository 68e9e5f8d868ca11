#!/bin/sh
# Issue 15 item 4 under a real systemd: build this tree's .deb and a rebuilt
# higher version (as t-deb.sh does), boot a Debian 12 container
# (../shared/systemd-lab/boot-test) and run tests/package/handover-inner.sh
# there: 200 connections held open (one streaming verified bytes), an
# interactive echoctl session in tmux and a UDP datagram every millisecond
# through three `systemctl restart echod` and an upgrade; then a plain
# `systemctl stop`.  The timings (how long a connection saw no echo) come
# out as "# timing" comments.
#
# Skips (77) like t-deb.sh (lab_preconditions in lib.sh).
. "$(dirname "$0")/lib.sh"

# The number of results handover-inner.sh prints.
CONTAINER_CHECKS=19

lab_preconditions

plan $((2 + CONTAINER_CHECKS))
build_debs
check "packages $ver and $ver2 build" sh -c "[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ -f '$deb1' ] && [ -f '$deb2' ]"
[ -f "$deb1" ] && [ -f "$deb2" ] ||
	tail -n 40 "$tmp/build1.log" "$tmp/build2.log" | sed 's/^/# /'
need_debs "$CONTAINER_CHECKS"
printf '%s\n%s\n' "$ver" "$ver2" > "$tmp/versions"

# python3 runs the clients, tmux the interactive session.
"$lab/boot-test" -p "$(deb_image_deps "$deb1") python3 tmux" -o "$tmp/lab" -t 300 \
	-f "$top_srcdir/tests/package/handover-clients.py" -f "$tmp/versions" \
	-f "$top_srcdir/tests/package/container-lib.sh" \
	"$top_srcdir/tests/package/handover-inner.sh" "$deb1" "$deb2" \
	> "$tmp/boot.out" 2>&1
rc=$?
if ! container_results "$tmp/boot.out" "$CONTAINER_CHECKS" "$rc"; then
	[ -f "$tmp/lab/out/steps.log" ] &&
		{ echo "# --- steps.log (tail)"; tail -n 40 "$tmp/lab/out/steps.log" | sed 's/^/# /'; }
fi
# Keep the results where the notes can quote them.
[ -n "${ECHOD_HANDOVER_OUT:-}" ] && cp -r "$tmp/lab" "$ECHOD_HANDOVER_OUT" 2>/dev/null
tap_done
