#!/bin/sh
# The journal catalog has an entry for every MESSAGE_ID in src/common/log.c, and
# journalctl accepts it (journalctl --update-catalog into a private root).
. "$(dirname "$0")/lib.sh"
need_cmd journalctl
cat=$top_srcdir/systemd/echod.catalog
plan 3

grep -o '"[0-9a-f]\{32\}"' "$top_srcdir/src/common/log.c" | tr -d '"' | sort -u > "$T_DIR/ids"
grep '^-- [0-9a-f]\{32\}' "$cat" | cut -c4- | sort -u > "$T_DIR/cat-ids"
check "log.c has message ids" test "$(wc -l < "$T_DIR/ids")" -ge 10
check "every message id has a catalog entry (and no stray ones)" cmp -s "$T_DIR/ids" "$T_DIR/cat-ids"

mkdir -p "$T_DIR/root/usr/lib/systemd/catalog" "$T_DIR/root/var/lib/systemd/catalog"
cp "$cat" "$T_DIR/root/usr/lib/systemd/catalog/"
journalctl --root="$T_DIR/root" --update-catalog > "$T_DIR/catalog.log" 2>&1 &&
    journalctl --root="$T_DIR/root" --list-catalog > "$T_DIR/list.log" 2>>"$T_DIR/catalog.log"
check "journalctl reads the catalog: all ids listed" \
    sh -c "cut -c1-32 '$T_DIR/list.log' | sort -u | cmp -s - '$T_DIR/ids'"
finish
