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

# diff covers every layer: a copy of a full profile with one layer changed
# shows that change (and nothing in another layer), in hex where check
# prints hex.
if command -v jq >/dev/null 2>&1; then
	. "$top_srcdir/tests/system/diff-lib.sh"
	D=$TMPDIR_TEST/diff
	mkdir -p "$D"
	check "diff: the profiles of every layer are made" diff_profiles "$D"
	# diff_shows LAYER COLUMN LINE...: diff base LAYER prints each LINE (a
	# grep -x pattern), and only lines whose layer column matches COLUMN.
	diff_shows() {
		l=$1
		col=$2
		shift 2
		"$MIGCOMPAT" diff "$D/base.json" "$D/$l.json" >"$D/$l.out" || { echo "exit $?"; return 1; }
		rc=0
		for line in "$@"; do
			grep -qx -- "$line" "$D/$l.out" || { echo "missing: $line"; rc=1; }
		done
		awk -v c="^($col)\$" '$2 !~ c { print "other layer: " $0; bad = 1 } END { exit bad }' "$D/$l.out" || rc=1
		[ $rc = 0 ] || cat "$D/$l.out"
		return $rc
	}
	check "diff: kernel release" diff_shows host host '~ host  *kernel: 6.1 -> 6.6.0'
	check "diff: CPU signature" diff_shows signature host \
		'~ host  *cpu signature: family 6 model 85 stepping 7 -> family 6 model 106 stepping 6'
	check "diff: KVM capabilities lost and changed" diff_shows kvm kvm \
		'- kvm  *exception_payload' '~ kvm  *nested_state: 20608 -> 8192'
	check "diff: CPUID flags and the signature leaf in hex" diff_shows cpuid cpuid \
		'- cpuid  *CPUID.0x7.0:ebx\[16\]' '~ cpuid  *CPUID.0x1.0:eax: 0x50657 -> 0x50656'
	check "diff: Hyper-V CPUID (the eVMCS leaf)" diff_shows hv_cpuid hv_cpuid \
		'- hv_cpuid  *CPUID.0x4000000a.0:eax\[0\]'
	check "diff: feature MSRs in hex, changed and new" diff_shows feature_msrs feature_msrs \
		'~ feature_msrs  *MSR 0x10a: 0x2b -> 0x2a' '~ feature_msrs  *MSR 0x345: absent -> 0x33c5'
	# The emulated values follow data/kvm-nested-vmx.tsv: read them from the profile.
	enum=$(jq -r '.layers.vmx.msrs["0x48a"]' "$D/base.json")
	vmfunc=$(jq -r '.layers.vmx.msrs["0x491"]' "$D/base.json")
	fixed1=$(jq -r '.layers.vmx_vcpu.msrs["0x489"]' "$D/base.json")
	check "diff: raw VMX MSRs by value and by control" diff_shows vmx vmx \
		"~ vmx  *IA32_VMX_VMCS_ENUM (0x48a): $enum -> 0x7e" "~ vmx  *IA32_VMX_VMFUNC (0x491): $vmfunc -> absent" \
		'- vmx  *vmx-eptp-switching'
	check "diff: per-vCPU VMX MSRs" diff_shows vmx_vcpu vmx_vcpu \
		"~ vmx_vcpu  *IA32_VMX_CR4_FIXED1 (0x489): $fixed1 -> 0x3767ff"
	check "diff: eVMCS views (a view gone, controls gained, the filter row)" diff_shows evmcs \
		'evmcs_emulated|evmcs_emulated/evmcs|evmcs_emulated/evmcs-pv' \
		'~ evmcs_emulated/evmcs-pv  *view: present -> absent' '+ evmcs_emulated/evmcs  *vmx-pml' \
		'~ evmcs_emulated  *kernel filter row: 6.1 -> 5.15'
	check "diff: hardware VMX MSRs, per CPU too" diff_shows hw_msrs hw_msrs \
		'~ hw_msrs  *CPUs read: 1 -> 4' '- hw_msrs  *vmx-ept-advanced-exitinfo' \
		'~ hw_msrs  *CPU 3 IA32_VMX_PROCBASED_CTLS2 (0x48b): as the reference CPU -> 0x5f7fff00000000'
	check "diff: TSC" diff_shows tsc tsc '~ tsc  *tsc_khz: 2500000 -> 2100000'
	check "diff: module parameters" diff_shows module_params module_params \
		'~ module_params  *kvm_intel.nested: Y -> N' '~ module_params  *kvm.ignore_msrs: N -> Y'
	check "diff: libvirt and QEMU versions, machine types, CPU models, features" diff_shows libvirt libvirt \
		'~ libvirt  *libvirt version: 9.0.0 -> 10.0.0' '~ libvirt  *QEMU version: 7.2.0 -> 8.2.2' \
		'- libvirt  *machine type pc-q35-7.2' '+ libvirt  *machine type pc-q35-8.2' \
		'- libvirt  *CPU model Cascadelake-Server' '+ libvirt  *Hyper-V enlightenment tlbflush' \
		'+ libvirt  *host-model feature arch-capabilities'
	check "diff: a layer that became unavailable" diff_shows libvirt_status libvirt \
		'~ libvirt  *status: measured -> unavailable'
	check "diff: the guest layer" diff_shows guest guest '~ guest  *status: measured -> unavailable'
	check "diff: a layer this migcompat does not model" diff_shows extra sgx \
		'~ sgx  *content: absent -> {"status":"measured","reason":"a newer probe","epc_mib":64}'
	check "diff: a profile against itself: no changes" sh -c "
		[ \"\$('$MIGCOMPAT' diff '$D/all.json' '$D/all.json')\" = 'no changes' ]"
	check "diff: every change at once, each layer" sh -c "'$MIGCOMPAT' diff '$D/base.json' '$D/all.json' >'$D/all.out' &&
		for l in host kvm cpuid hv_cpuid feature_msrs vmx vmx_vcpu evmcs_emulated/evmcs hw_msrs tsc \
		    module_params libvirt guest sgx; do grep -q \"^[-+~] \$l \" '$D/all.out' || { echo \"no \$l\"; exit 1; }; done"
	check "diff: VMCS revision in hex, as check prints it" sh -c "'$MIGCOMPAT' diff '$haswell' \
		'$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00506E3_SkyLake_01_CPUID.json' | grep -qx '~ vmx  *VMCS revision: 0x12 -> 0x4'"
else
	skip "diff covers every layer" "jq is not installed"
fi

# Output stdout does not take is an error, whatever the command.
if [ -w /dev/full ]; then
	check "show to a full device: exit 2, says stdout" sh -c "'$MIGCOMPAT' show '$haswell' >/dev/full 2>'$TMPDIR_TEST/e'; [ \$? = 2 ] && grep -q 'stdout: No space left' '$TMPDIR_TEST/e'"
	check "check of compatible profiles to a full device: exit 2" sh -c "'$MIGCOMPAT' check '$haswell' '$haswell' >/dev/full 2>/dev/null; [ \$? = 2 ]"
else
	skip "output to a full device" "no /dev/full"
fi

done_testing
