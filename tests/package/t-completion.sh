#!/bin/sh
# The bash completion for echoctl, run against the real echoctl: it offers
# the commands echoctl --help lists, a command's options, host names for
# HOST, and nothing for an option's argument or after HOST PORT.
. "$(dirname "$0")/lib.sh"

command -v bash >/dev/null 2>&1 || skip_all "bash not installed"
comp=$top_builddir/completion/echoctl
[ -f "$comp" ] || hard_error "$comp not built"
[ -x "$ECHOCTL" ] || hard_error "$ECHOCTL not built"
plan 9

# complete_words WORDS...: the sorted candidates for the last word, with
# echoctl itself as the command being completed.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 99
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_echoctl
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^\$/d" | sort | tr "\n" " "
	' sh "$comp" "$ECHOCTL" "$@"
}

# expect DESC WANT WORDS...: exactly these candidates.
expect() {
	desc=$1 want=$2
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc: want '$want', got '$got'"
	fi
}

# expect_has DESC WORDS-WANTED -- WORDS...: at least these candidates.
expect_has() {
	desc=$1 want=$2
	shift 3
	got=" $(complete_words "$@")"
	miss=
	for w in $want; do
		case $got in *" $w "*) ;; *) miss="$miss $w" ;; esac
	done
	if [ -z "$miss" ]; then ok "$desc"; else not_ok "$desc: missing$miss in '$got'"; fi
}

reg=$(bash --norc --noprofile -c '. "$1" && complete -p echoctl' sh "$comp" 2>&1)
case $reg in
*"-F _echoctl"*" echoctl") ok "registered for echoctl" ;;
*) not_ok "registered for echoctl: $reg" ;;
esac

"$ECHOCTL" --help > "$tmp/help" 2>&1
cmds=$(awk '/^commands:/ { c = 1; next }
     c && /^  [a-z]/ { n = split($1, a, "|"); for (i = 1; i <= n; i++) print a[i]; next }
     c && !/^  / { c = 0 }' "$tmp/help" | sort | tr '\n' ' ')
case $cmds in
*"tcp "*"udp "*) expect "the commands of echoctl --help ($cmds)" "$cmds" "" ;;
*) not_ok "echoctl --help lists tcp and udp: '$cmds'"; diag_file "$tmp/help" ;;
esac
expect "a command prefix" "tcp " t
expect_has "the options of tcp" "-4 -6 -m -t" -- tcp -
expect "nothing for an option's argument" "" tcp -t ""
expect "host names for HOST, past an option" "localhost " tcp -t 3 localhos
expect "nothing after HOST PORT" "" tcp 127.0.0.1 8888 ""
expect "a top-level long option" "--version " --vers
case $cmds in
*"status "*) expect "--json for status" "--json " status --js ;;
*) ok "--json for status # SKIP echoctl has no status command yet" ;;
esac
tap_done
