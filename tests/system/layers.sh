#!/bin/sh
# layers.sh - the layers of src/ point one way, and the build enforces it.
#
# For every pair of directories (FROM, TO) of src/, a scratch source file in
# the build tree's src/FROM includes a header of src/TO and is compiled by
# the build's own rule (make src/FROM/FILE.o): it must compile when FROM may
# use TO and fail with "No such file" when it may not.  The table below is
# the layering of the README; a directory of src/ it does not name fails.
# Then: migcompat and migcompat-hook, which reach the daemon over HTTP only,
# do not load SQLite, while migcompatd does.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -f "$top_builddir/Makefile" ] || skip_all "no configured build tree in $top_builddir"
command -v make >/dev/null 2>&1 || skip_all "make is not installed"

# The layers each directory may use, besides itself.
uses() {
	case $1 in
	common) echo "" ;;
	rules | store | probe) echo "common" ;;
	fleet) echo "rules common" ;;
	etcd) echo "store common" ;;
	api) echo "fleet rules store common" ;;
	daemon) echo "api etcd store probe common" ;;
	cli) echo "fleet rules probe common" ;;
	hook) echo "rules common" ;;
	*) return 1 ;;
	esac
}

# A header each directory offers.
header() {
	case $1 in
	common) echo util.h ;;
	rules) echo rules.h ;;
	store) echo store.h ;;
	probe) echo collect.h ;;
	fleet) echo fleet.h ;;
	etcd) echo etcd.h ;;
	api) echo api.h ;;
	daemon) echo collector.h ;;
	cli) echo cli.h ;;
	hook) echo hookreq.h ;;
	esac
}

dirs=$(cd "$top_srcdir/src" && for d in */; do echo "${d%/}"; done)
for d in $dirs; do
	check "src/$d is in the table of layers" uses "$d"
done

check "no #include under src/ names a path (it would step around the include path)" \
	sh -c "! grep -rn '^[[:space:]]*#[[:space:]]*include[[:space:]]*\"[^\"]*/' '$top_srcdir/src'"

# Scratch sources live in the build tree next to the real objects, so the
# build's own rule and per-directory flags compile them; all are removed.
tag=layers-t$$
cleanup() {
	for d in $dirs; do
		rm -f "$top_builddir/src/$d/$tag"-* "$top_builddir/src/$d/.deps/$tag"-*
	done
	rm -rf "$TMPDIR_TEST"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# compile FROM TO: build src/FROM/TAG-TO.o including TO's header; its
# output in $TMPDIR_TEST/FROM-TO.log.
compile() {
	mkdir -p "$top_builddir/src/$1"
	printf '#include "config.h"\n#include "%s"\nint layers_%s_%s;\n' "$(header "$2")" "$1" "$2" \
		>"$top_builddir/src/$1/$tag-$2.c"
	(unset MAKEFLAGS MFLAGS MAKELEVEL; cd "$top_builddir" && make "src/$1/$tag-$2.o") \
		>"$TMPDIR_TEST/$1-$2.log" 2>&1
}

# may FROM TO: src/FROM may use src/TO (itself included).
may() {
	[ "$1" = "$2" ] && return 0
	for u in $(uses "$1"); do
		[ "$u" = "$2" ] && return 0
	done
	return 1
}

allowed() {
	compile "$1" "$2" && [ -f "$top_builddir/src/$1/$tag-$2.o" ] && return 0
	cat "$TMPDIR_TEST/$1-$2.log"
	return 1
}

refused() {
	if compile "$1" "$2"; then
		echo "src/$1 compiled with #include \"$(header "$2")\" of src/$2"
		return 1
	fi
	grep -q "$(header "$2"): No such file" "$TMPDIR_TEST/$1-$2.log" && return 0
	cat "$TMPDIR_TEST/$1-$2.log"
	return 1
}

for from in $dirs; do
	uses "$from" >/dev/null || continue
	for to in $dirs; do
		uses "$to" >/dev/null || continue
		if may "$from" "$to"; then
			check "src/$from may include $(header "$to") of src/$to: it compiles" allowed "$from" "$to"
		else
			check "src/$from may not include $(header "$to") of src/$to: No such file" refused "$from" "$to"
		fi
	done
done

if command -v readelf >/dev/null 2>&1; then
	for b in "$MIGCOMPAT" "$HOOK"; do
		check "$(basename "$b") does not link SQLite" sh -c "
			[ -x '$b' ] || { echo '$b: not built'; exit 1; }
			n=\$(readelf -d '$b' | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
			echo \"\$n\"
			[ -n \"\$n\" ] && ! echo \"\$n\" | grep -q '^libsqlite3'"
	done
	check "migcompatd links SQLite (the check above sees it where it is)" sh -c "
		readelf -d '$MIGCOMPATD' | grep '(NEEDED)' | grep -q 'libsqlite3'"
else
	skip "migcompat and migcompat-hook do not link SQLite" "readelf is not installed"
fi

done_testing
