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

lab_preconditions

plan $((4 + CONTAINER_CHECKS))

build_debs
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
need_debs "$CONTAINER_CHECKS"

# The image needs the package's dependencies (the container has no network).
# libc6 and libsystemd0 are always there; other names go into the image key.
deps=$(deb_image_deps "$deb1")
printf '%s\n%s\n' "$ver" "$ver2" > "$tmp/versions"

"$lab/boot-test" -p "$deps" -o "$tmp/lab" -t 240 \
	-f "$top_srcdir/debian/tests/service-echo" \
	-f "$tmp/versions" -f "$top_srcdir/tests/package/container-lib.sh" \
	"$top_srcdir/tests/package/in-container.sh" "$deb1" "$deb2" \
	> "$tmp/boot.out" 2>&1
rc=$?
container_results "$tmp/boot.out" "$CONTAINER_CHECKS" "$rc"
tap_done
