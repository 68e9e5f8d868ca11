#!/bin/sh
# The bash completion for echoctl completes commands, options and the
# protocol of probe/verify, and offers nothing for an option's argument or
# after a complete command line.
. "$(dirname "$0")/lib.sh"

command -v bash >/dev/null 2>&1 || skip_all "bash not installed"
comp=$top_builddir/completion/echoctl
[ -f "$comp" ] || hard_error "$comp not built"
plan 7

# complete_words WORDS...: the sorted candidates for the last word.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 99
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_echoctl
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^\$/d" | sort | tr "\n" " "
	' sh "$comp" "$@"
}

# expect DESC WANT WORDS...
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

reg=$(bash --norc --noprofile -c '. "$1" && complete -p echoctl' sh "$comp" 2>&1)
case $reg in
*"-F _echoctl"*" echoctl") ok "registered for echoctl" ;;
*) not_ok "registered for echoctl: $reg" ;;
esac
expect "all commands" "ping probe reload stats status tcp udp verify " echoctl ""
expect "command prefix" "stats status " echoctl st
expect "long option prefix" "--json " echoctl --js
expect "nothing for an option's argument" "" echoctl -t ""
expect "protocol after probe, past an option" "tcp udp " echoctl -t 2 probe ""
expect "nothing after HOST PORT" "" echoctl tcp 127.0.0.1 8888 ""
tap_done
