#!/bin/sh
# echoctl and the terminal, through a real one (tmux, UTF-8): what is typed
# in UTF-8 is sent and its echo shown as text; control characters and
# bytes that are not UTF-8 stay escaped; an echo that carries a terminal
# command (OSC 2, "set the window title", from badecho -m title) never
# reaches the terminal raw, in interactive, pipe or one-shot mode, while
# pipe mode to a file stays byte-exact; interactive TCP shows one line per
# echoed line however the server cuts it (badecho -m split), and --hex
# offsets run on from one read to the next.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

command -v tmux >/dev/null || skip_all "tmux not installed"
command -v socat >/dev/null || skip_all "socat not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
[ -x "$BADECHO" ] || skip_all "badecho not built"
UTF8=$(locale -a 2>/dev/null | grep -i -m1 -E '^(C|en_US)\.utf-?8$') ||
    skip_all "no UTF-8 locale (locale -a)"
plan 21

export XDG_STATE_HOME="$T/state"
# Every window under the UTF-8 locale, LC_CTYPE only (as a user's LANG
# would set it).
TERM_ENV="-u LC_ALL LC_CTYPE=$UTF8"
title() { $TM display -p -t "$1" '#{pane_title}'; }
title_kept() { [ "$(title "$1")" != badecho-title ]; }

tp=$(free_port); start_socat_tcp "$tp"

# 1. UTF-8 typed interactively goes out whole and comes back as text.
session a tcp 127.0.0.1 "$tp"
keys a "你好 café" Enter
check "tcp: 你好 café typed on a UTF-8 terminal comes back intact" \
    wait_until 10 pane_has a "^< 你好 café$"
keys a q Enter
check "tcp: q still quits (exit 0)" exit_is a 0
# badecho (not socat) echoes an empty datagram too.
start_badecho uok -u; uok=$port
session u udp 127.0.0.1 "$uok"
keys u "ünïcödé ✓" Enter
check "udp: a UTF-8 datagram comes back intact" \
    wait_until 10 pane_has u "^< ünïcödé ✓$"
# An empty line is an empty datagram: its echo is an empty one, not the end.
keys u Enter
keys u "after" Enter
check "udp: an empty datagram's echo does not end the session" \
    wait_until 10 pane_has u "^< after$"
keys u q Enter

# 2. A server that answers with a terminal command.
start_badecho title -m title; bt=$port
session b tcp 127.0.0.1 "$bt"
keys b "hello" Enter
check "interactive: the OSC sequence is shown escaped" \
    wait_until 10 pane_has b '^< \\x1b]2;badecho-title\\x07hello$'
check "interactive: the window title did not change" title_kept b
keys b q Enter

printf 'first line\nsecond, café\n' >"$T/lines.txt"
term c "'$ECHOCTL' tcp 127.0.0.1 $bt <'$T/lines.txt'"
check "pipe to a terminal: the OSC sequence is shown escaped" \
    wait_until 10 pane_has c '^\\x1b]2;badecho-title\\x07first line$'
check "pipe to a terminal: lines stay lines, UTF-8 stays text" \
    pane_has c "^second, café$"
check "pipe to a terminal: the window title did not change" title_kept c
check "pipe to a terminal: the extra bytes still fail the run (exit 1)" \
    exit_is c 1

start_badecho utitle -u -m title -n 1; ut=$port
term d "'$ECHOCTL' udp 127.0.0.1 $ut <'$T/lines.txt'"
check "udp pipe to a terminal: the OSC sequence is shown escaped" \
    wait_until 10 pane_has d '^\\x1b]2;badecho-title\\x07second, café$'
check "udp pipe to a terminal: the window title did not change" title_kept d

term e "'$ECHOCTL' tcp -m ping 127.0.0.1 $bt"
check "one-shot to a terminal: the echo is shown escaped" \
    wait_until 10 pane_has e '^\\x1b]2;$'
check "one-shot to a terminal: the window title did not change" title_kept e

# Control characters and bytes that are not UTF-8 stay escaped on a
# terminal; to a file, pipe mode is byte-exact whatever the bytes.
printf 'bad \377 byte, C1 \302\233 and ESC \033[2J, caf\303\251\n' >"$T/odd.txt"
term f "'$ECHOCTL' tcp 127.0.0.1 $tp <'$T/odd.txt'"
check "pipe to a terminal: invalid UTF-8, C1 and C0 controls escaped" \
    wait_until 10 pane_has f '^bad \\xff byte, C1 \\xc2\\x9b and ESC \\x1b\[2J, café$'
rc=0
"$ECHOCTL" tcp 127.0.0.1 "$tp" <"$T/odd.txt" >"$T/odd.out" 2>"$T/odd.err" || rc=$?
check "pipe to a file: byte-exact (cmp), exit 0" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/odd.txt' '$T/odd.out'"
printf '\033]2;badecho-title\007' | cat - "$T/lines.txt" >"$T/title.want"
rc=0
LC_CTYPE=$UTF8 "$ECHOCTL" tcp 127.0.0.1 "$bt" <"$T/lines.txt" \
    >"$T/title.out" 2>"$T/title.err" || rc=$?
check "pipe to a file: what the server sent, raw (cmp), exit 1" \
    sh -c "[ $rc -eq 1 ] && cmp -s '$T/title.want' '$T/title.out'"

# 3. A server that cuts every echo into 3-byte pieces 30 ms apart.
start_badecho split -m split -l 3 -d 30; sp=$port
session g tcp 127.0.0.1 "$sp"
keys g "hello world, one line" Enter
check "split echo: one line per echoed line" \
    wait_until 10 pane_has g "^< hello world, one line$"
check "split echo: not one line per piece" pane_lacks g "^< hel$"
keys g q Enter

# 4. --hex: the offsets count the stream, not each read.
start_badecho split2 -m split -l 2 -d 30; s2=$port
session h tcp --hex 127.0.0.1 "$s2"
keys h "ABCD" Enter
check "--hex: the second piece is at offset 2" \
    wait_until 10 pane_has h "^00000002  43 44 "
keys h "EF" Enter
check "--hex: the next line goes on at offset 5" \
    wait_until 10 pane_has h "^00000005  45 46 "
keys h q Enter
finish
