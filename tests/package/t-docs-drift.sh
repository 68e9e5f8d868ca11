#!/bin/sh
# The docs follow the programs: every option echod -h and echoctl --help show
# is in the man page, the completion offers exactly the echoctl options and
# commands that exist, and debian/changelog carries the configure version.
. "$(dirname "$0")/lib.sh"

[ -x "$ECHOD" ] || hard_error "$ECHOD not built"
[ -x "$ECHOCTL" ] || hard_error "$ECHOCTL not built"
plan 6

# Options in a help text: -x and --long-name tokens.
options_of() {
	grep -oE '(^|[][ ,|(])--?[A-Za-z0-9][A-Za-z0-9-]*' "$1" |
		sed 's/^[][ ,|(]*//' | sort -u
}

# A man page's text with roff's \- turned back into -.
man_text() {
	sed 's/\\-/-/g' "$1"
}

# missing WORDS-FILE TEXT-FILE: the options (or words) not present in the
# text as a whole word ("-c" is not found in "--crlf").
missing() {
	while read -r w; do
		grep -qE -e "(^|[^A-Za-z0-9-])$w([^A-Za-z0-9-]|\$)" "$2" || echo "$w"
	done < "$1"
}

# 1. changelog version = program version.
clver=$(sed -n '1s/^echod (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
"$ECHOD" -V > "$tmp/V" 2>&1
if [ -n "$clver" ] && grep -qF -e "$clver" "$tmp/V"; then
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

# 3. echoctl options.
"$ECHOCTL" --help > "$tmp/echoctl.help" 2>&1
options_of "$tmp/echoctl.help" > "$tmp/echoctl.opts"
man_text "$top_builddir/man/echoctl.1" > "$tmp/echoctl.1.txt"
missing "$tmp/echoctl.opts" "$tmp/echoctl.1.txt" > "$tmp/miss"
if [ -s "$tmp/echoctl.opts" ] && [ ! -s "$tmp/miss" ]; then
	ok "echoctl.1 documents every option of echoctl --help"
else
	not_ok "echoctl.1 documents every option of echoctl --help"
	diag_file "$tmp/echoctl.help"
	sed 's/^/# missing: /' "$tmp/miss"
fi

# The completion's word lists, as lines.
comp=$top_srcdir/completion/echoctl.bash
words_of() {
	awk -v var="$1" '
		!on && index($0, "local " var "=\047") {
			on = 1
			$0 = substr($0, index($0, "=\047") + 2)
		}
		on {
			if ((i = index($0, "\047")) > 0) { $0 = substr($0, 1, i - 1); on = 0; done = 1 }
			gsub(/[ \t]+/, "\n")
			printf "%s\n", $0
			if (done) exit
		}' "$comp" | sed '/^$/d' | sort -u
}
words_of options > "$tmp/comp.opts"
words_of commands > "$tmp/comp.cmds"

# 4. The completion offers every echoctl option, and 5. only those.
missing "$tmp/echoctl.opts" "$tmp/comp.opts" > "$tmp/miss"
if [ -s "$tmp/comp.opts" ] && [ ! -s "$tmp/miss" ]; then
	ok "completion offers every option of echoctl --help"
else
	not_ok "completion offers every option of echoctl --help"
	sed 's/^/# missing: /' "$tmp/miss"
fi
comm -23 "$tmp/comp.opts" "$tmp/echoctl.opts" > "$tmp/extra"
if [ ! -s "$tmp/extra" ]; then
	ok "completion offers no option echoctl lacks"
else
	not_ok "completion offers no option echoctl lacks"
	sed 's/^/# not in echoctl --help: /' "$tmp/extra"
fi

# 6. Each completed command is one echoctl knows: its help names it, and the
# man page documents it.
bad=
while read -r c; do
	grep -qw -e "$c" "$tmp/echoctl.help" || bad="$bad $c(help)"
	grep -q -e "^\.B $c\$" -e "^\.B $c " -e "^\.B $c\\\\" "$top_builddir/man/echoctl.1" ||
		bad="$bad $c(man)"
done < "$tmp/comp.cmds"
if [ -s "$tmp/comp.cmds" ] && [ -z "$bad" ]; then
	ok "completed commands exist and are documented ($(tr '\n' ' ' < "$tmp/comp.cmds"))"
else
	not_ok "completed commands exist and are documented:$bad"
	diag_file "$tmp/echoctl.help"
fi
tap_done
