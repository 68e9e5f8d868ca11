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

# build_debs: the .deb of this tree ($deb1, version $ver) and a rebuilt
# higher version of it ($deb2, $ver2) whose shipped /etc/echod.conf
# differs, so that dpkg meets a locally modified conffile that the package
# also changed.  Both builds run at once (mostly serial work each), without
# their own make check (nocheck: this make check runs the tests) and
# without lintian; $rc1 and $rc2 are their exit codes, $tmp/build[12].log
# their logs.  Only tracked files are built (scripts/package).
build_debs() {
	ver=$(sed -n '1s/^echod (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
	[ -n "$ver" ] || hard_error "no version in debian/changelog"
	ver2="$ver+upgradetest1"
	mkdir "$tmp/src2"
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$top_srcdir" && git ls-files -z | xargs -0 tar -cf - --no-recursion) |
			(cd "$tmp/src2" && tar -xf -)
	else
		(cd "$top_srcdir" && tar -cf - --exclude='./_build*' --exclude='./_deb*' \
			--exclude='./autom4te.cache' .) | (cd "$tmp/src2" && tar -xf -)
	fi || hard_error "cannot copy the source tree"
	echo "# shipped by $ver2: the package's version of this file changed" \
		>> "$tmp/src2/conf/echod.conf"
	"$top_srcdir/scripts/package" -n -L -o "$tmp/deb1" > "$tmp/build1.log" 2>&1 &
	_pid1=$!
	"$tmp/src2/scripts/package" -n -L -V "$ver2" -o "$tmp/deb2" > "$tmp/build2.log" 2>&1 &
	_pid2=$!
	wait "$_pid1"
	rc1=$?
	wait "$_pid2"
	rc2=$?
	deb1=$(tail -n 1 "$tmp/build1.log")
	deb2=$(tail -n 1 "$tmp/build2.log")
}

# need_debs N: without both packages, the N container results and the
# boot-test one fail as "not run", and the test ends.
need_debs() {
	[ -f "$deb1" ] && [ -f "$deb2" ] && return 0
	_i=0
	while [ "$_i" -le "$1" ]; do
		not_ok "not run: no package"
		_i=$((_i + 1))
	done
	exit 1
}

# find_lab: the systemd-lab directory (boot-test) into $lab, "" if none.
find_lab() {
	lab=
	for _d in "${ECHOD_SDLAB:-}" "$top_srcdir/../shared/systemd-lab" \
	    "$top_srcdir/../../shared/systemd-lab" /work/shared/systemd-lab; do
		if [ -n "$_d" ] && [ -x "$_d/boot-test" ]; then
			lab=$_d
			return 0
		fi
	done
}

# deb_image_deps DEB: the package's dependencies that the lab image lacks
# (libc6 and libsystemd0 are always there), space-separated.
deb_image_deps() {
	dpkg-deb -f "$1" Depends | sed 's/[,|]/\n/g' |
		sed 's/(.*//; s/[[:space:]]//g; /^$/d; /^libc6$/d; /^libsystemd0$/d' |
		sort -u | tr '\n' ' '
}

# lab_preconditions: skip (77) where the lab tests cannot or must not run:
# inside a package build (debian/rules sets ECHOD_PACKAGE_BUILD: no
# recursion), configured without them, not root, a sanitizer build (the
# .deb is built without sanitizers), no lab (set ECHOD_SDLAB).  Sets $lab.
lab_preconditions() {
	[ -n "${ECHOD_PACKAGE_BUILD:-}" ] && skip_all "inside a package build"
	[ "${ECHOD_LAB_TESTS:-yes}" = no ] && skip_all "configured with --disable-lab-tests"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (boot-test runs systemd-nspawn)"
	[ -x "$ECHOD" ] || hard_error "$ECHOD not built"
	"$ECHOD" -V 2>&1 | grep -q '+sanitizers' && skip_all "sanitizer build"
	find_lab
	[ -n "$lab" ] || skip_all "systemd-lab/boot-test not found (set ECHOD_SDLAB)"
}

# container_results FILE N RC: the N results a container script printed
# into FILE ("ok - ..." / "not ok - ...") numbered in order, its other
# output as comments, missing ones as failures, then one result for
# boot-test's exit status RC; on trouble, the lab's failed units, install
# log and journal tail.
container_results() {
	_n=0
	while IFS= read -r _line; do
		case $_line in
		"not ok - "*) not_ok "${_line#not ok - }"; _n=$((_n + 1)) ;;
		"ok - "*) ok "${_line#ok - }"; _n=$((_n + 1)) ;;
		*) printf '# %s\n' "$_line" ;;
		esac
	done < "$1"
	while [ "$_n" -lt "$2" ]; do
		not_ok "missing result from the container (boot-test exit $3)"
		_n=$((_n + 1))
	done
	if [ "$3" -eq 0 ] && [ "$_n" -eq "$2" ]; then
		ok "boot-test exit 0 with $2 results"
	else
		not_ok "boot-test exit $3 with $_n results (want 0 and $2)"
	fi
	[ "$tap_failed" -eq 0 ] && return 0
	for _f in failed-units.txt install.log; do
		[ -s "$tmp/lab/$_f" ] && { echo "# --- $_f"; diag_file "$tmp/lab/$_f"; }
	done
	[ -f "$tmp/lab/journal.txt" ] &&
		{ echo "# --- journal (tail)"; tail -n 150 "$tmp/lab/journal.txt" | sed 's/^/# /'; }
	return 1
}
