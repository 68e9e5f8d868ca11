# settings.awk: turn `echod --settings` into the roff of echod.conf(5)'s
# SETTINGS section, so the man page is made from the daemon's own table.
#
# Input: one setting per line, "scope name type default range help...",
# fields separated by blanks (help is the rest of the line).  Blank lines,
# lines starting with "#" and a header line whose second field is "name" are
# skipped.  Fails (exit 1) on a line with fewer than six fields, or when no
# setting was seen at all, so a change of format cannot produce an empty page.

function roff(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

function line(s) {
	# A text line must not start with a control character.
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

/^[ \t]*$/ || /^#/ { next }
$2 == "name" && NR == 1 { next }

{
	if (NF < 6) {
		printf "settings.awk: line %d: expected \"scope name type default range help\": %s\n", NR, $0 > "/dev/stderr"
		bad = 1
		exit 1
	}
	scope = $1; name = $2; type = $3; def = $4; range = $5
	help = $0
	for (i = 1; i <= 5; i++)
		sub(/^[ \t]*[^ \t]+/, "", help)
	sub(/^[ \t]+/, "", help)
	n++
	print ".TP"
	print ".B " roff(name)
	line("Scope: \\fI" roff(scope) "\\fR; type: \\fI" roff(type) \
	    "\\fR; default: \\fB" roff(def) "\\fR; allowed: " roff(range) ".")
	print ".br"
	line(roff(help))
}

END {
	if (bad)
		exit 1
	if (n == 0) {
		print "settings.awk: no settings in the input" > "/dev/stderr"
		exit 1
	}
}
