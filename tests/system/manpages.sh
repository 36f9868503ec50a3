#!/bin/sh
# manpages.sh - the manual pages: mandoc -T lint finds nothing, every page
# has SEE ALSO, the pages name what the programs accept, and what they say
# the programs print is what they print.  TAP.
set -u
. "$top_srcdir/tests/system/common.sh"

command -v mandoc >/dev/null 2>&1 || skip_all "mandoc is not installed (Debian package mandoc)"
[ -x "$MIGCOMPAT" ] || skip_all "migcompat is not built"
man=$top_srcdir/man
pages=$(ls "$man"/*.[1-8])
# Our own pages are not installed while the tests run: mandoc cannot find
# them in its manual path.  Every other message counts.
ours=$(for p in $pages; do b=${p##*/}; echo "${b%.*} ${b##*.}"; done)

for p in $pages; do
	lint() {
		# Messages about the local mandoc.db (a pages database this
		# machine may not have rebuilt) are not about the page.
		mandoc -T lint -W style "$1" 2>&1 | grep -v 'outdated mandoc.db lacks' >"$TMPDIR_TEST/lint"
		while read -r name sec; do
			grep -v "referenced manual not found: Xr $name $sec\( (.*)\)\{0,1\}\$" "$TMPDIR_TEST/lint" >"$TMPDIR_TEST/lint2"
			mv "$TMPDIR_TEST/lint2" "$TMPDIR_TEST/lint"
		done <<-EOF
		$ours
		EOF
		cat "$TMPDIR_TEST/lint"
		[ ! -s "$TMPDIR_TEST/lint" ]
	}
	check "${p##*/}: mandoc -T lint -W style reports nothing" lint "$p"
	check "${p##*/}: has SEE ALSO" grep -q '^\.Sh SEE ALSO' "$p"
	check "${p##*/}: has EXAMPLES" grep -q '^\.Sh EXAMPLES' "$p"
	see_also() {
		sed -n '/^\.Sh SEE ALSO/,/^\.Sh /p' "$1" | grep -o 'Xr [a-z.-]* [0-9]' | sort -u >"$TMPDIR_TEST/see"
		sed '/^\.Sh SEE ALSO/,$d' "$1" | grep -o 'Xr [a-z.-]* [0-9]' | sort -u >"$TMPDIR_TEST/cited"
		[ -s "$TMPDIR_TEST/see" ] || { echo "no Xr in SEE ALSO"; return 1; }
		! comm -23 "$TMPDIR_TEST/cited" "$TMPDIR_TEST/see" | grep .
	}
	check "${p##*/}: SEE ALSO lists every page it cites" see_also "$p"
done

# Every option of the probe's and the CLI's usage is in their pages.
options_in_page() {
	page=$1
	shift
	"$@" --help >"$TMPDIR_TEST/usage" 2>&1
	rc=0
	for o in $(grep -o -- '--[a-z][a-z-]*' "$TMPDIR_TEST/usage" | sort -u); do
		[ "$o" = --help ] && continue
		grep -q -- "^\.\(It \|Op \|\)Fl -${o#--}\b\|Fl -${o#--}\b" "$page" || { echo "$o is not in ${page##*/}"; rc=1; }
	done
	return $rc
}
check "migcompat-probe(8) names every option of migcompat-probe --help" options_in_page "$man/migcompat-probe.8" "$PROBE"
check "migcompat(1) names every option of migcompat collect" options_in_page "$man/migcompat.1" "$MIGCOMPAT" collect
check "migcompat(1) documents collect --no-libvirt and --no-guest" \
	sh -c "mandoc -T ascii '$man/migcompat.1' | col -b | grep -q -- '--no-guest' &&
	    mandoc -T ascii '$man/migcompat.1' | col -b | grep -q -- '--no-libvirt'"
check "migcompat collect accepts --no-guest" sh -c "'$MIGCOMPAT' collect --no-guest --help 2>&1 | grep -q -- '--no-guest'"
check "migcompat-probe(8) gives the duration with and without libvirt" \
	sh -c "mandoc -T ascii '$man/migcompat-probe.8' | col -b | tr -s ' \n' '  ' |
	    grep -q 'Without the libvirt layer (--no-libvirt) migcompat-probe finishes in well under a second' &&
	    mandoc -T ascii '$man/migcompat-probe.8' | col -b | tr -s ' \n' '  ' | grep -q 'about 15 seconds'"

# migcompat show lists every layer a profile has, in the text summary.
command -v jq >/dev/null 2>&1 || { skip "show lists every layer" "jq is not installed"; done_testing; exit; }
layers_shown() {
	"$MIGCOMPAT" show "$1" >"$TMPDIR_TEST/show" || return 1
	rc=0
	for l in $(jq -r '.layers | keys[]' "$1"); do
		sed -n '/^layers$/,/^$/p' "$TMPDIR_TEST/show" | grep -q "^  $l " || { echo "layer $l is missing"; rc=1; }
	done
	return $rc
}
f=$(ls "$MIGCOMPAT_FIXTURES"/instlatx64/GenuineIntel*.json | head -1)
jq '.layers.libvirt = {"status": "unavailable", "reason": "libvirtd is not running"}' "$f" >"$TMPDIR_TEST/lv.json"
check "migcompat show lists every layer of a converted profile (hw_msrs) and libvirt" layers_shown "$TMPDIR_TEST/lv.json"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$MIGCOMPAT" collect --json --no-guest --no-libvirt >"$TMPDIR_TEST/host.json" 2>/dev/null
	check "migcompat show lists every layer of this host's profile" layers_shown "$TMPDIR_TEST/host.json"
	check "collect --no-guest: the guest layer says why it is missing" \
		sh -c "jq -e '.layers.guest.reason | test(\"--no-guest\")' '$TMPDIR_TEST/host.json' >/dev/null"
else
	skip "migcompat show lists every layer of this host's profile" "no read-write /dev/kvm"
	skip "collect --no-guest" "no read-write /dev/kvm"
fi

done_testing
