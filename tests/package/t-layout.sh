#!/bin/sh
# The tree's dependencies go one way (ARCHITECTURE.md, "The tree"):
# scripts/depgraph reads every #include "folder/file.h" under src/ and the
# symbols the built objects use and define, and must report 0 problems: no
# include across the folders' order and no cycle between files.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v nm >/dev/null 2>&1 || skip_all "nm (binutils) not installed"
[ -f "$top_builddir/src/daemon/libechod.a" ] || hard_error "the libraries are not built"
plan 2

python3 "$top_srcdir/scripts/depgraph" "$top_builddir" "$top_srcdir" \
    > "$tmp/depgraph.out" 2>&1
rc=$?
summary=$(grep '^depgraph: ' "$tmp/depgraph.out" | tail -n 1)
if [ -n "$summary" ] && grep -q ' files, [0-9]* dependencies, ' "$tmp/depgraph.out"; then
	ok "depgraph read the tree: $summary"
else
	not_ok "depgraph read the tree (exit $rc)"
	diag_file "$tmp/depgraph.out"
fi
if [ "$rc" -eq 0 ] && echo "$summary" | grep -q ', 0 problems$'; then
	ok "0 problems: includes follow the folders' order, no cycle between files"
else
	not_ok "0 problems (exit $rc): $summary"
	diag_file "$tmp/depgraph.out"
fi
tap_done
