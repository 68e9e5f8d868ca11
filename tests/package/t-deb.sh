#!/bin/sh
# The .deb under a real systemd: build it (lintian --pedantic clean) and a
# rebuilt higher version whose shipped /etc/echod.conf differs, boot a Debian
# 12 container with systemd as PID 1 (../shared/systemd-lab/boot-test), and
# run tests/package/in-container.sh there: install starts the service and
# echo works, reload after an edit, upgrade keeps the edit and restarts the
# service, the switch to socket activation works, purge leaves nothing
# behind.
#
# Skips (77) when not root, in a sanitizer build (the .deb is built without
# sanitizers, so this build's tests add nothing), inside a package build
# (debian/rules sets ECHOD_PACKAGE_BUILD: no recursion), and when the lab is
# not found (set ECHOD_SDLAB to its directory).
. "$(dirname "$0")/lib.sh"

# The number of results in-container.sh prints.
CONTAINER_CHECKS=17

[ -n "${ECHOD_PACKAGE_BUILD:-}" ] && skip_all "inside a package build"
[ "${ECHOD_LAB_TESTS:-yes}" = no ] && skip_all "configured with --disable-lab-tests"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (boot-test runs systemd-nspawn)"
[ -x "$ECHOD" ] || hard_error "$ECHOD not built"
"$ECHOD" -V 2>&1 | grep -q '+sanitizers' && skip_all "sanitizer build"
lab=
for d in "${ECHOD_SDLAB:-}" "$top_srcdir/../shared/systemd-lab" \
    "$top_srcdir/../../shared/systemd-lab" /work/shared/systemd-lab; do
	if [ -n "$d" ] && [ -x "$d/boot-test" ]; then
		lab=$d
		break
	fi
done
[ -n "$lab" ] || skip_all "systemd-lab/boot-test not found (set ECHOD_SDLAB)"

plan $((4 + CONTAINER_CHECKS))

ver=$(sed -n '1s/^echod (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
[ -n "$ver" ] || hard_error "no version in debian/changelog"
ver2="$ver+upgradetest1"

# The upgrade: the same tree with a changed shipped config, so that dpkg
# meets a locally modified conffile that the package also changed.
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

# Both builds at once (mostly serial work each).  nocheck: this make check
# already runs the tests.
"$top_srcdir/scripts/package" -n -L -o "$tmp/deb1" > "$tmp/build1.log" 2>&1 &
pid1=$!
"$tmp/src2/scripts/package" -n -L -V "$ver2" -o "$tmp/deb2" > "$tmp/build2.log" 2>&1 &
pid2=$!
wait "$pid1"
rc1=$?
wait "$pid2"
rc2=$?
deb1=$(tail -n 1 "$tmp/build1.log")
deb2=$(tail -n 1 "$tmp/build2.log")
if [ "$rc1" -eq 0 ] && [ -f "$deb1" ]; then
	ok "package $ver builds"
	if "$top_srcdir/scripts/package" -C "${deb1%.deb}.changes" > "$tmp/lintian.log" 2>&1; then
		ok "lintian --pedantic -I is clean"
	else
		not_ok "lintian --pedantic -I is clean"
		diag_file "$tmp/lintian.log"
	fi
else
	not_ok "package $ver builds (exit $rc1)"
	tail -n 60 "$tmp/build1.log" | sed 's/^/# /'
	not_ok "lintian --pedantic -I is clean: no package"
fi
if [ "$rc2" -eq 0 ] && [ -f "$deb2" ]; then
	ok "package $ver2 (upgrade) builds"
else
	not_ok "package $ver2 (upgrade) builds (exit $rc2)"
	tail -n 60 "$tmp/build2.log" | sed 's/^/# /'
fi
if [ ! -f "$deb1" ] || [ ! -f "$deb2" ]; then
	i=0
	while [ "$i" -le "$CONTAINER_CHECKS" ]; do
		not_ok "not run: no package"
		i=$((i + 1))
	done
	exit 1
fi

# The image needs the package's dependencies (the container has no network).
# libc6 and libsystemd0 are always there; other names go into the image key.
deps=$(dpkg-deb -f "$deb1" Depends | sed 's/[,|]/\n/g' |
	sed 's/(.*//; s/[[:space:]]//g; /^$/d; /^libc6$/d; /^libsystemd0$/d' |
	sort -u | tr '\n' ' ')
printf '%s\n%s\n' "$ver" "$ver2" > "$tmp/versions"

"$lab/boot-test" -p "$deps" -o "$tmp/lab" -t 240 \
	-f "$top_srcdir/debian/tests/service-echo" \
	-f "$tmp/versions" \
	"$top_srcdir/tests/package/in-container.sh" "$deb1" "$deb2" \
	> "$tmp/boot.out" 2>&1
rc=$?
# The container's results in order, with its other output as comments.
n=0
while IFS= read -r line; do
	case $line in
	"not ok - "*) not_ok "${line#not ok - }"; n=$((n + 1)) ;;
	"ok - "*) ok "${line#ok - }"; n=$((n + 1)) ;;
	*) printf '# %s\n' "$line" ;;
	esac
done < "$tmp/boot.out"
while [ "$n" -lt "$CONTAINER_CHECKS" ]; do
	not_ok "missing result from the container (boot-test exit $rc)"
	n=$((n + 1))
done
if [ "$rc" -eq 0 ] && [ "$n" -eq "$CONTAINER_CHECKS" ]; then
	ok "boot-test exit 0 with $CONTAINER_CHECKS results"
else
	not_ok "boot-test exit $rc with $n results (want 0 and $CONTAINER_CHECKS)"
	for f in failed-units.txt install.log; do
		[ -s "$tmp/lab/$f" ] && { echo "# --- $f"; diag_file "$tmp/lab/$f"; }
	done
	[ -f "$tmp/lab/journal.txt" ] &&
		{ echo "# --- journal (tail)"; tail -n 150 "$tmp/lab/journal.txt" | sed 's/^/# /'; }
fi
tap_done
