#!/bin/sh
# cli.sh - migcompat collect/show on real files: every fixture dump loads,
# bad files get a one-line error naming the file and the field, exit 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -d "$MIGCOMPAT_FIXTURES" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"

n=0
bad=0
for f in "$MIGCOMPAT_FIXTURES"/instlatx64/GenuineIntel*.json "$MIGCOMPAT_FIXTURES"/vbox/*.json; do
	n=$((n + 1))
	if ! "$MIGCOMPAT" show "$f" >"$TMPDIR_TEST/show.out" 2>&1 ||
	    ! grep -q "IA32_VMX_BASIC" "$TMPDIR_TEST/show.out"; then
		echo "# show failed on $f"
		bad=$((bad + 1))
	fi
done
check "migcompat show loads all $n fixture dumps" test "$bad" -eq 0 -a "$n" -ge 170

haswell="$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00306C3_Haswell_CPUID.json"
"$MIGCOMPAT" show "$haswell" >"$TMPDIR_TEST/h.txt"
check "text summary names controls as vmxcap does" grep -Eq "TSC scaling +vmx-tsc-scaling +no" "$TMPDIR_TEST/h.txt"
check "text summary shows allowed controls" grep -Eq "enable EPT +vmx-ept +yes" "$TMPDIR_TEST/h.txt"
check "text summary shows default-1 controls" grep -Eq "CR3-load exiting +vmx-cr3-load-noexit +default" "$TMPDIR_TEST/h.txt"

"$MIGCOMPAT" show --json "$haswell" >"$TMPDIR_TEST/h.json"
check "show --json writes a profile that loads again" "$MIGCOMPAT" show "$TMPDIR_TEST/h.json"
check "re-loaded profile keeps the VMX values" grep -q '"0x48b": "0x7cff00000000"' "$TMPDIR_TEST/h.json"

printf 'not json' >"$TMPDIR_TEST/bad1.json"
printf '{"msrs": {"0x480": "0x10000000000000000"}}' >"$TMPDIR_TEST/bad2.json"
printf '{"schema_version": 7}' >"$TMPDIR_TEST/bad3.json"
printf '{"msrs": {"0x481": 17}}' >"$TMPDIR_TEST/bad4.json"
for b in 1 2 3 4; do
	st=$(status_of "$MIGCOMPAT" show "$TMPDIR_TEST/bad$b.json")
	check "bad file $b exits 2" test "$st" -eq 2
done
"$MIGCOMPAT" show "$TMPDIR_TEST/bad2.json" 2>"$TMPDIR_TEST/err2" >/dev/null
check "overflowing hex names the file and the field" grep -q "bad2.json: msrs.0x480: hex value .* overflows 64 bits" "$TMPDIR_TEST/err2"
check "the error is one line" test "$(wc -l <"$TMPDIR_TEST/err2")" -eq 1
"$MIGCOMPAT" show "$TMPDIR_TEST/bad3.json" 2>"$TMPDIR_TEST/err3" >/dev/null
check "unknown schema version is named" grep -q "bad3.json: schema_version: unknown schema version 7" "$TMPDIR_TEST/err3"
"$MIGCOMPAT" show "$TMPDIR_TEST/bad4.json" 2>"$TMPDIR_TEST/err4" >/dev/null
check "wrong type is named" grep -q "bad4.json: msrs.0x481: expected string" "$TMPDIR_TEST/err4"
st=$(status_of "$MIGCOMPAT" show "$TMPDIR_TEST/does-not-exist.json")
check "missing file exits 2" test "$st" -eq 2

# No KVM device: a clear message and exit status 2, never a crash.
st=$(status_of "$MIGCOMPAT" collect --kvm "$TMPDIR_TEST/no-kvm")
check "collect without a KVM device exits 2" test "$st" -eq 2
"$MIGCOMPAT" collect --kvm "$TMPDIR_TEST/no-kvm" 2>"$TMPDIR_TEST/nokvm.err" >/dev/null
check "collect without a KVM device says why" grep -q "no-kvm: No such file or directory: the kvm module is not loaded" "$TMPDIR_TEST/nokvm.err"
st=$(status_of "$PROBE" --kvm "$TMPDIR_TEST/no-kvm")
check "migcompat-probe without a KVM device exits 2" test "$st" -eq 2
: >"$TMPDIR_TEST/not-kvm"
st=$(status_of "$PROBE" --kvm "$TMPDIR_TEST/not-kvm")
check "migcompat-probe on a file that is not a KVM device exits 2" test "$st" -eq 2
if [ "$(id -u)" -eq 0 ]; then
	skip "permission denied on the KVM device" "running as root"
else
	: >"$TMPDIR_TEST/kvm-noperm"
	chmod 000 "$TMPDIR_TEST/kvm-noperm"
	"$PROBE" --kvm "$TMPDIR_TEST/kvm-noperm" 2>"$TMPDIR_TEST/perm.err" >/dev/null
	check "permission denied says what to do" grep -q "member of the group" "$TMPDIR_TEST/perm.err"
fi
st=$(status_of "$MIGCOMPAT" frobnicate)
check "unknown command exits 2" test "$st" -eq 2

done_testing
