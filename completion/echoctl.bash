# bash completion for echoctl(1).  Installed as
# /usr/share/bash-completion/completions/echoctl (loaded on demand by the
# bash-completion package); uses only bash builtins and awk, so it also works
# when sourced by hand.
#
# Everything offered is read from echoctl's own help at completion time, so
# it cannot drift from the program:
#   echoctl --help       the "commands:" list ("  tcp [options] HOST PORT")
#   echoctl CMD --help   its options ("-t TIMEOUT", "--json"; an option
#                        followed by an upper-case word takes an argument) and
#                        its usage line ("usage: echoctl probe tcp|udp
#                        [options] HOST PORT"): an operand "a|b" completes to
#                        a or b, HOST to host names, and an operand such as
#                        MODE to the words listed under "modes:".

_echoctl_help_options()
{
	awk '{
		for (i = 1; i <= NF; i++) {
			w = $i
			gsub(/^[[(]+|[],)]+$/, "", w)
			if (w ~ /^--?[A-Za-z0-9][A-Za-z0-9-]*$/)
				print w
		}
	}' | sort -u
}

_echoctl_help_withargs()
{
	# "-t TIMEOUT", "[--socket PATH]", and aliases: "-c, --conns N".
	awk '{
		n = 0
		for (i = 1; i <= NF; i++) {
			w = $i
			alias = (w ~ /,$/)
			gsub(/^[[(]+|[],]+$/, "", w)
			if (w !~ /^--?[A-Za-z0-9][A-Za-z0-9-]*$/) {
				n = 0
				continue
			}
			run[++n] = w
			if (alias)
				continue
			if (i < NF && $(i + 1) ~ /^[A-Z]/)
				for (k = 1; k <= n; k++)
					print run[k]
			n = 0
		}
	}'
}

_echoctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}
	local help chelp commands withargs operands i w cmd='' cmdi=0 nargs=0
	COMPREPLY=()

	help=$("$prog" --help 2>/dev/null)
	commands=$(awk '/^commands:/ { c = 1; next }
		c && /^  [a-z]/ { n = split($1, a, "|"); for (i = 1; i <= n; i++) print a[i]; next }
		c && !/^  / { c = 0 }' <<<"$help")

	# The command is the first word that is not an option.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} != -* ]]; then
			cmd=${COMP_WORDS[i]}
			cmdi=$i
			break
		fi
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_echoctl_help_options <<<"$help")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return 0
	fi

	chelp=$("$prog" "$cmd" --help 2>/dev/null)
	withargs=" $(_echoctl_help_withargs <<<"$chelp" | tr '\n' ' ') "
	# An option's argument: nothing sensible to offer.
	if ((COMP_CWORD > cmdi + 1)) &&
	    [[ $withargs == *" ${COMP_WORDS[COMP_CWORD - 1]} "* ]]; then
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_echoctl_help_options <<<"$chelp")" -- "$cur"))
		return 0
	fi

	# Count the operands already given after the command.
	for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $withargs == *" $w "* ]]; then
			((i++))
		elif [[ $w != -* ]]; then
			((nargs++))
		fi
	done
	# The operands of the usage line, after the command word(s).
	operands=($(awk '/^usage:/ {
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^\[/) depth++
			if (!depth) print $i
			if ($i ~ /\]$/) depth--
		}
		exit }' <<<"$chelp"))
	w=${operands[nargs]-}
	case $w in
	HOST*)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		;;
	[A-Z]*)
		# An operand such as MODE whose values the help lists under
		# "modes:", one per line.
		local section=${w,,}s:
		COMPREPLY=($(compgen -W "$(awk -v s="$section" '
			$0 == s { on = 1; next }
			on && /^  [a-z]/ { print $1; next }
			on && !/^   / { on = 0 }' <<<"$chelp")" -- "$cur"))
		;;
	*'|'*)
		[[ $w != *[A-Z]* ]] && COMPREPLY=($(compgen -W "${w//|/ }" -- "$cur"))
		;;
	esac
	return 0
}
complete -F _echoctl echoctl
