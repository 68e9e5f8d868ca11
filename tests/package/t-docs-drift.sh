#!/bin/sh
# The docs follow the programs: every option of `echod -h` is in echod(8),
# every command of `echoctl --help` and every option of each command's
# --help is in echoctl(1), and debian/changelog carries the program's version.
# echoctl(1)'s exit statuses are the code's for a closing server.
. "$(dirname "$0")/lib.sh"

[ -x "$ECHOD" ] || hard_error "$ECHOD not built"
[ -x "$ECHOCTL" ] || hard_error "$ECHOCTL not built"
plan 5

# Options in a help text: -x and --long-name tokens.
options_of() {
	grep -oE -e '(^|[][ ,|(])--?[A-Za-z0-9][A-Za-z0-9-]*' "$1" |
		sed 's/^[][ ,|(]*//' | sort -u
}

# A man page's text with roff's \- turned back into -.
man_text() {
	sed 's/\\-/-/g' "$1"
}

# missing WORDS-FILE TEXT-FILE: the words not in the text as a whole word
# ("-c" is not found in "--crlf").
missing() {
	while read -r w; do
		grep -qE -e "(^|[^A-Za-z0-9-])$w([^A-Za-z0-9-]|\$)" "$2" || echo "$w"
	done < "$1"
}

# 1. changelog version = program version.
clver=$(sed -n '1s/^echod (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
"$ECHOD" -V > "$tmp/V" 2>&1
if [ -n "$clver" ] && grep -qE -e "(^| )$clver( |\$)" "$tmp/V"; then
	ok "debian/changelog version $clver is echod -V's"
else
	not_ok "debian/changelog version '$clver' is echod -V's"
	diag_file "$tmp/V"
fi

# 2. echod options.
"$ECHOD" -h > "$tmp/echod.help" 2>&1
options_of "$tmp/echod.help" > "$tmp/echod.opts"
man_text "$top_builddir/man/echod.8" > "$tmp/echod.8.txt"
missing "$tmp/echod.opts" "$tmp/echod.8.txt" > "$tmp/miss"
if [ -s "$tmp/echod.opts" ] && [ ! -s "$tmp/miss" ]; then
	ok "echod.8 documents every option of echod -h ($(tr '\n' ' ' < "$tmp/echod.opts"))"
else
	not_ok "echod.8 documents every option of echod -h"
	diag_file "$tmp/echod.help"
	sed 's/^/# missing: /' "$tmp/miss"
fi

# 3. echoctl commands: the "commands:" list of echoctl --help.
"$ECHOCTL" --help > "$tmp/echoctl.help" 2>&1
awk '/^commands:/ { c = 1; next }
     c && /^  [a-z]/ { n = split($1, a, "|"); for (i = 1; i <= n; i++) print a[i]; next }
     c && !/^  / { c = 0 }' "$tmp/echoctl.help" > "$tmp/cmds"
man_text "$top_builddir/man/echoctl.1" > "$tmp/echoctl.1.txt"
bad=
while read -r c; do
	grep -qE -e "^\.(B|SS|TP|BR|IP) \"?$c([ \"]|\$)" -e "^\.B $c\\\\" "$tmp/echoctl.1.txt" ||
		bad="$bad $c"
done < "$tmp/cmds"
if [ -s "$tmp/cmds" ] && [ -z "$bad" ]; then
	ok "echoctl.1 documents every command ($(tr '\n' ' ' < "$tmp/cmds"))"
else
	not_ok "echoctl.1 documents every command; missing:$bad"
	diag_file "$tmp/echoctl.help"
fi

# 4. echoctl options: the top level's and each command's.
options_of "$tmp/echoctl.help" > "$tmp/echoctl.opts"
missing "$tmp/echoctl.opts" "$tmp/echoctl.1.txt" > "$tmp/miss"
while read -r c; do
	"$ECHOCTL" "$c" --help > "$tmp/help.$c" 2>&1
	options_of "$tmp/help.$c" > "$tmp/opts.$c"
	missing "$tmp/opts.$c" "$tmp/echoctl.1.txt" | sed "s/\$/ ($c)/" >> "$tmp/miss"
done < "$tmp/cmds"
if [ -s "$tmp/echoctl.opts" ] && [ ! -s "$tmp/miss" ]; then
	ok "echoctl.1 documents every option of every command"
else
	not_ok "echoctl.1 documents every option of every command"
	sed 's/^/# missing: /' "$tmp/miss"
fi

# 5. A TCP server that closes with nothing echoed: pipe, probe and verify
# exit 1 (t-echoctl-faults, -probe, -verify), and echoctl --help's 2 is
# "connection failed"; echoctl(1) listed "closed by the server" under 2.
exit_para() {	# the text of the first ".B $1" entry under EXIT STATUS
	awk -v st=".B $1" '/^\.SH EXIT STATUS/ { x = 1; next } x && /^\.SH/ { x = 0 }
	    x && $0 == st { p = 1; next } p && /^\.(TP|PP)/ { exit } p' "$tmp/echoctl.1.txt"
}
if exit_para 1 | grep -q 'closes the connection before it has echoed everything' &&
    ! exit_para 2 | grep -qi 'close' && grep -q ' 2 connection failed' "$tmp/echoctl.help"; then
	ok "echoctl.1: a server closing early is exit 1, not 2, as the code and --help"
else
	not_ok "echoctl.1: a server closing early is exit 1, not 2, as the code and --help"
	exit_para 1 | sed 's/^/# 1: /'
	exit_para 2 | sed 's/^/# 2: /'
fi
tap_done
