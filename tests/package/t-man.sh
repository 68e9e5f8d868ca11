#!/bin/sh
# The man pages are lint-clean for groff -ww (and man --warnings), have no
# unsubstituted @PLACEHOLDERS@, and echod.conf(5) documents every setting of
# `echod --settings`, once each.
. "$(dirname "$0")/lib.sh"

command -v groff >/dev/null 2>&1 || skip_all "groff not installed (apt-get install groff-base)"
[ -x "$ECHOD" ] || hard_error "$ECHOD not built"

pages="echod.8 echoctl.1 echod.conf.5"
plan 11

for p in $pages; do
	f=$top_builddir/man/$p
	if [ ! -f "$f" ]; then
		not_ok "$p: generated"
		not_ok "$p: groff -ww clean"
		not_ok "$p: no placeholders left"
		continue
	fi
	LC_ALL=C.UTF-8 groff -ww -z -man "$f" > "$tmp/groff.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/groff.out" ]; then
		ok "$p: groff -ww clean"
	else
		not_ok "$p: groff -ww clean (exit $rc)"
		diag_file "$tmp/groff.out"
	fi
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -E UTF-8 -l "$f" > /dev/null 2> "$tmp/man.out"
		if [ -s "$tmp/man.out" ]; then
			not_ok "$p: man --warnings clean"
			diag_file "$tmp/man.out"
		else
			ok "$p: man --warnings clean"
		fi
	else
		ok "$p: man --warnings clean # SKIP man-db not installed"
	fi
	if grep -n '@[A-Z_]*@' "$f" > "$tmp/ph.out"; then
		not_ok "$p: no placeholders left"
		diag_file "$tmp/ph.out"
	else
		ok "$p: no placeholders left"
	fi
done

# Every setting in the daemon's table has exactly one entry in the SETTINGS
# section of echod.conf(5), and the section has nothing else.
conf5=$top_builddir/man/echod.conf.5
if ! "$ECHOD" --settings > "$tmp/settings" 2> "$tmp/settings.err"; then
	not_ok "echod --settings runs"
	diag_file "$tmp/settings.err"
else
	ok "echod --settings runs"
fi
awk -F '\t' '/^#/ && !c { sub(/^#[ \t]*/, ""); for (i = 1; i <= NF; i++) if ($i == "name") c = i; next }
     /^[ \t]*$/ || /^#/ { next } c { print $c }' "$tmp/settings" | sort > "$tmp/want"
awk '/^\.SH SETTINGS/ { s = 1; next } /^\.SH / { s = 0 }
     s && prev == ".TP" && /^\.B / { sub(/^\.B /, ""); gsub(/\\-/, "-"); print }
     { prev = $0 }' "$conf5" 2>/dev/null | sort > "$tmp/have"
if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/have"; then
	ok "echod.conf.5 documents each of the $(wc -l < "$tmp/want") settings once"
else
	not_ok "echod.conf.5 documents each setting of echod --settings once"
	diff "$tmp/want" "$tmp/have" | sed 's/^/# /'
fi
tap_done
