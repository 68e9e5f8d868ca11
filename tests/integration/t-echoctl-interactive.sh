#!/bin/sh
# echoctl tcp|udp with stdin a terminal, through a pseudo-terminal (tmux):
# prompt, echo printed, echo arriving while the user types does not garble
# the edit line, history (Up arrow and the history file), q and Ctrl-D quit,
# server close and ICMP errors reported.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

command -v tmux >/dev/null || skip_all "tmux not installed"
command -v socat >/dev/null || skip_all "socat not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 14

export XDG_STATE_HOME="$T/state"
# Line editing, history and redraw need libedit (see echoctl --version).
editline() {
	if "$ECHOCTL" --version | grep -q -- "-libedit"; then
		ok "# SKIP echoctl built without libedit"
	else
		"$@"
	fi
}

tp=$(free_port); start_socat_tcp "$tp"

session a tcp 127.0.0.1 "$tp"
keys a "hello there" Enter
check "tcp: the echo is printed" wait_until 10 pane_has a "^< hello there$"
keys a "tab	inserted" Enter
check "tcp: a tab is sent, its echo shown escaped" wait_until 10 pane_has a '^< tab\\tinserted$'
keys a Up
wait_until 5 pane_has a "> tab" || true
keys a C-u Up Up Enter
editline check "history: Up recalls an earlier line" \
    wait_until 10 sh -c "[ \$($TM capture-pane -p -t a | grep -c '^< hello there$') -ge 2 ]"
keys a q Enter
check "q quits with exit 0" exit_is a 0
editline check "history file in \$XDG_STATE_HOME/echoctl" grep_q "hello" "$XDG_STATE_HOME/echoctl/history"

# An echo arriving while the user types: a server that answers after 1 s.
dp=$(free_port)
socat "TCP-LISTEN:$dp,bind=127.0.0.1,reuseaddr,fork" \
    SYSTEM:'while read -r l; do sleep 1; echo "$l"; done' 2>"$T/socat-delay.log" &
ec_pids="$ec_pids $!"
wait_until 10 tcp_listening "$dp" || bail "delay server not listening"
session b tcp 127.0.0.1 "$dp"
keys b "first" Enter
keys b "half-typ"
check "async echo: printed while typing" wait_until 10 pane_has b "^< first$"
editline check "async echo: the prompt is redrawn with the partial input" \
    sh -c "$TM capture-pane -p -t b | grep -v '^\$' | tail -n 1 | grep -q '> half-typ\$'"
keys b "ed" Enter
check "async echo: the edited line is sent whole" wait_until 10 pane_has b "^< half-typed$"
keys b C-d
check "Ctrl-D quits with exit 0" exit_is b 0

# The server closes: reported, exit 1.
cp=$(free_port)
socat "TCP-LISTEN:$cp,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'read -r l' \
    2>"$T/socat-close.log" &
ec_pids="$ec_pids $!"
wait_until 10 tcp_listening "$cp" || bail "closing server not listening"
session c tcp 127.0.0.1 "$cp"
keys c "bye" Enter
check "server close is reported" wait_until 10 pane_has c "the server closed the connection"
check "server close: exit 1" exit_is c 1

# --crlf sends "\r\n"; --hex shows the echo as a hex dump; Ctrl-C quits.
session e tcp --crlf --hex 127.0.0.1 "$tp"
keys e "AB" Enter
check "--crlf --hex: the echo holds 41 42 0d 0a" wait_until 10 pane_has e "41 42 0d 0a  *|AB..|"
keys e C-c
check "Ctrl-C quits with exit 0" exit_is e 0

# UDP to a port nobody listens on: ICMP error reported, session goes on.
up=$(free_port)
session d udp 127.0.0.1 "$up"
keys d "anyone" Enter
check "udp: ICMP port unreachable reported" \
    wait_until 10 pane_has d "connection refused (ICMP port unreachable"
keys d q Enter
finish
