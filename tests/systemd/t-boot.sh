#!/bin/sh
# End to end under a real systemd: `make install DESTDIR=...`, copy the tree
# into a booted bookworm container (systemd-lab boot-test) and run
# boot-inner.sh there: start, reload (good and broken), journal fields and
# catalog, watchdog restart, drain on stop, socket activation by TCP and by
# UDP, kill -9 under socket activation.  Plain builds only: a sanitizer
# build's binaries need the toolchain's runtime, which the image lacks.
. "$(dirname "$0")/lib.sh"
need_root
[ "${ECHOD_LAB_TESTS:-yes}" = no ] && skip_all "configured with --disable-lab-tests"
need_echod
"$ECHOD" -V 2>&1 | grep -q '+sanitizers' && skip_all "sanitizer build (run from the plain build)"
[ -x "$SDLAB/boot-test" ] || skip_all "systemd-lab boot-test not found"
grep -q '^runstatedir = /run$' "$top_builddir/Makefile" ||
    skip_all "configured with a runstatedir other than /run (the units' RuntimeDirectory)"

dest=$T_DIR/dest
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install DESTDIR="$dest" \
    > "$T_DIR/install.log" 2>&1 || { cat "$T_DIR/install.log"; bail "make install failed"; }
[ -x "$dest/usr/sbin/echod" ] && [ -f "$dest/usr/lib/systemd/system/echod.service" ] ||
    { find "$dest" | sed 's/^/# /'; bail "install tree incomplete"; }

# The image needs the libraries the binaries link (the container has no
# network): their packages, minus libc6 and libsystemd0 which are there.
# Computed the way the .deb's Depends are, so the cached image is shared.
pkgs=$(for b in "$dest/usr/sbin/echod" "$dest/usr/bin/echoctl"; do
	readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r so; do
		p=$(ldd "$b" | awk -v so="$so" '$1 == so { print $3 }')
		[ -n "$p" ] && dpkg -S "$(readlink -f "$p")" 2>/dev/null | cut -d: -f1
	done
done | sort -u | grep -vx -e libc6 -e libsystemd0 | tr '\n' ' ')
echo "# image packages: $pkgs"
timeout 400 "$SDLAB/boot-test" -p "$pkgs" -t 170 -o "$T_DIR/out" \
    -f "$dest" "$(dirname "$0")/boot-inner.sh" > "$T_DIR/boot.log" 2>&1
rc=$?
grep -E '^(1\.\.[0-9]+|ok [0-9]+|not ok [0-9]+|# )' "$T_DIR/boot.log"
case $rc in
0|1) ;;
*)	tail -n 30 "$T_DIR/boot.log" | sed 's/^/# /'
	[ -f "$T_DIR/out/journal.txt" ] && tail -n 60 "$T_DIR/out/journal.txt" | sed 's/^/# /'
	bail "boot-test exited $rc" ;;
esac
if [ $rc -ne 0 ] && [ -f "$T_DIR/out/journal.txt" ]; then
	grep -E 'echod|echoctl' "$T_DIR/out/journal.txt" | tail -n 80 | sed 's/^/# /'
fi
T_PLAN=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$T_DIR/boot.log" | head -n 1)
T_N=${T_PLAN:-0}
exit $rc
