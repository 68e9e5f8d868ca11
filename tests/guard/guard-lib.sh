# guard-lib.sh: what the guard tests add to tests/integration/lib.sh:
# guardprobe, and drop counters read from echod's periodic summary lines
# ("event=summary ... drop_src_port=3"; one line per interval with drops).
# shellcheck shell=sh

. "$(dirname "$0")/../integration/lib.sh"
: "${GUARDPROBE:=$top_builddir/tests/guard/guardprobe}"
[ -x "$GUARDPROBE" ] || bail "$GUARDPROBE not built"

# drops NAME: drop_NAME summed over every summary line so far.
drops() {
	sed -n "s/.*event=summary.* drop_$1=\([0-9]*\).*/\1/p" "$ECHOD_LOG" |
		awk '{ n += $1 } END { print n + 0 }'
}

drops_are() {
	[ "$(drops "$1")" = "$2" ]
}

# sock_drops PORT: datagrams the kernel dropped on the UDP sockets bound to
# PORT because the receive buffer was full (a loaded machine can stall the
# worker for a whole flood: 300 small datagrams overflow a default buffer).
# echod never sees those, so they are unanswered without being its drops.
sock_drops() {
	ss -Huanm "sport = :$1" | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

drops_at_least() {
	[ "$(drops "$1")" -ge "$2" ]
}

# flood ARGS...: guardprobe flood; its "total ..." line parsed into
# F_SENT, F_RECV, F_SENT_BYTES, F_RECV_BYTES, F_BAD; per-source lines in
# $T/flood.out.
flood() {
	"$GUARDPROBE" flood "$@" >"$T/flood.out" 2>&1 || {
		diag "guardprobe flood $*: exit $?"
		diag "$(cat "$T/flood.out")"
		return 1
	}
	_tot=$(grep '^total ' "$T/flood.out")
	F_SENT=$(echo "$_tot" | sed 's/.* sent=\([0-9]*\).*/\1/')
	F_RECV=$(echo "$_tot" | sed 's/.* recv=\([0-9]*\).*/\1/')
	F_SENT_BYTES=$(echo "$_tot" | sed 's/.* sent_bytes=\([0-9]*\).*/\1/')
	F_RECV_BYTES=$(echo "$_tot" | sed 's/.* recv_bytes=\([0-9]*\).*/\1/')
	F_BAD=$(echo "$_tot" | sed 's/.* bad=\([0-9]*\).*/\1/')
}

# amplification_ok: no reply was bigger than, or different from, what was
# sent, and no more bytes came back than went out (factor <= 1).
amplification_ok() {
	[ "$F_BAD" = 0 ] && [ "$F_RECV_BYTES" -le "$F_SENT_BYTES" ]
}

# src_recv ADDR: replies received by that source in the last flood.
src_recv() {
	sed -n "s/^src=$1 .* recv=\([0-9]*\) .*/\1/p" "$T/flood.out"
}
