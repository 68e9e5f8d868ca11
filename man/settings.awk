# settings.awk: turn `echod --settings` into the roff of echod.conf(5)'s
# SETTINGS section, so the man page is made from the daemon's own table.
#
# Input: a header line "# scope<TAB>name<TAB>type<TAB>..." naming the columns,
# then one setting per line, tab-separated.  The columns used are scope, name,
# type, protocols, default, allowed and help, found by name in the header, so
# their order may change.  Fails (exit 1) when the header lacks one of them, a
# line has too few fields, or no setting was seen at all, so that a change of
# format cannot produce a wrong or empty page.

BEGIN { FS = "\t" }

function roff(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

# A default may be a long path (the control socket under a deep prefix):
# let troff break it after each slash rather than overrun the line.
function breakable(s) {
	gsub(/\//, "/\\:", s)
	return s
}

# A text line must not start with a control character.
function line(s) {
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

function fail(msg) {
	printf "settings.awk: line %d: %s\n", NR, msg > "/dev/stderr"
	bad = 1
	exit 1
}

function where(scope, protos) {
	if (scope == "global")
		s = "top level"
	else if (scope == "listener")
		s = "the defaults group or a listener"
	else if (scope == "listener-only")
		s = "each listener"
	else
		s = scope
	# A setting for some protocols only says so; all of them and "-" need
	# not.  Datagram settings apply to udp and stamp listeners alike.
	if (protos == "tcp" || protos == "stamp")
		s = s "; " protos " listeners only"
	else if (protos == "udp,stamp")
		s = s "; udp and stamp listeners only"
	else if (protos != "" && protos != "-" && protos != "tcp,udp,stamp")
		s = s "; protocols " protos
	return s
}

/^#/ && !ncol {
	sub(/^#[ \t]*/, "")
	for (i = 1; i <= NF; i++)
		col[$i] = i
	ncol = NF
	split("scope name type protocols default allowed help", need, " ")
	for (i in need)
		if (!(need[i] in col))
			fail("no \"" need[i] "\" column in the header")
	next
}
/^[ \t]*$/ || /^#/ { next }

{
	if (!ncol)
		fail("no header line before the first setting")
	if (NF < ncol)
		fail("expected " ncol " tab-separated fields: " $0)
	def = $col["default"]
	if (def == "-")
		def = "none, required"
	help = $col["help"]
	help = toupper(substr(help, 1, 1)) substr(help, 2)
	if (help !~ /[.]$/)
		help = help "."
	n++
	print ".TP"
	print ".B " roff($col["name"])
	line("Type: \\fI" roff($col["type"]) "\\fR.  Default: \\fB" breakable(roff(def)) "\\fR.")
	print ".br"
	line("Allowed: " roff($col["allowed"]) ".")
	print ".br"
	line("Where: " roff(where($col["scope"], $col["protocols"])) ".")
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
