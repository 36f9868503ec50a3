# tsv2c.awk - turn a tab-separated data table from data/ into a C array.
#
# Variables: header (the header declaring the struct), type (struct tag),
# name (array name), src (the table's path, for the banner), and optionally
# strcols (comma list of 1-based columns that are always strings, e.g. a
# model named "486").
# "-" becomes NULL, 0x... and decimal numbers stay numbers, everything else
# becomes a C string.  Lines starting with "#" and blank lines are skipped.
BEGIN {
	FS = "\t"
	n = 0
	ns = split(strcols, sc, ",")
	for (i = 1; i <= ns; i++)
		isstr[sc[i]] = 1
	print "/* Generated from " src " by data/tsv2c.awk; do not edit. */"
	print "#include \"config.h\""
	print "#include <stddef.h>"
	print "#include \"" header "\""
	print "const struct " type " " name "[] = {"
}
/^#/ || /^[ \t]*$/ { next }
{
	line = "\t{ "
	for (i = 1; i <= NF; i++) {
		f = $i
		if (f == "-")
			v = "NULL"
		else if (!(i in isstr) && f ~ /^(0x[0-9a-fA-F]+|[0-9]+)$/)
			v = f
		else {
			gsub(/\\/, "\\\\", f)
			gsub(/"/, "\\\"", f)
			v = "\"" f "\""
		}
		line = line v (i < NF ? ", " : "")
	}
	print line " },"
	n++
}
END {
	print "};"
	print "const size_t " name "_count = " n ";"
}
