# bash completion for echoctl(1): commands, options, the protocol operand of
# probe and verify, and host names.  Installed as
# /usr/share/bash-completion/completions/echoctl (loaded on demand by the
# bash-completion package).  Uses only bash builtins, so it also works when
# sourced without bash-completion.

_echoctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands='tcp udp probe verify reload status stats ping'
	local options='-4 -6 -t -m -c -i -s -W --json --csv --hex --crlf
		--source --tos --ttl --linger --no-shutdown --help --version'
	local withargs='-t|-m|-c|-i|-s|-W|--source|--tos|--ttl|--linger'
	COMPREPLY=()

	# An option's argument: nothing sensible to offer.
	if [[ $prev == @($withargs) ]]; then
		return 0
	fi

	# Find the command word and how many operands follow it.
	local i cmd= nargs=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == @($withargs) ]]; then
			((i++))
		elif [[ ${COMP_WORDS[i]} == -* ]]; then
			:
		elif [[ -z $cmd ]]; then
			cmd=${COMP_WORDS[i]}
		else
			((nargs++))
		fi
	done

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
		return 0
	fi

	case $cmd in
	'')
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		;;
	tcp | udp)
		# echoctl tcp|udp HOST PORT
		((nargs == 0)) && COMPREPLY=($(compgen -A hostname -- "$cur"))
		;;
	probe | verify)
		# echoctl probe|verify tcp|udp HOST PORT
		case $nargs in
		0) COMPREPLY=($(compgen -W 'tcp udp' -- "$cur")) ;;
		1) COMPREPLY=($(compgen -A hostname -- "$cur")) ;;
		esac
		;;
	esac
	return 0
}
complete -F _echoctl echoctl
