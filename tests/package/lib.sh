# lib.sh: TAP helpers for the docs and package tests (POSIX sh).
# Sourced by tests/package/t-*.sh; needs top_srcdir and top_builddir (set by
# make check) and creates a private temporary directory, removed on exit.

: "${top_srcdir:?run from make check (top_srcdir unset)}"
: "${top_builddir:?run from make check (top_builddir unset)}"
: "${ECHOD:=$top_builddir/src/echod}"
: "${ECHOCTL:=$top_builddir/src/echoctl}"

tap_n=0
tap_failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/echod-pkgtest.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

hard_error() {
	echo "Bail out! $*"
	exit 99
}

plan() {
	echo "1..$1"
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: one result from a command's exit status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Print a file as TAP comments (diagnostics on failure).
diag_file() {
	[ -f "$1" ] || return 0
	sed 's/^/# /' "$1"
}

tap_done() {
	[ "$tap_failed" -eq 0 ]
}
