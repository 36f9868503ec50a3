#!/bin/sh
# emulate.sh - migcompat emulate: a hardware dump as KVM of a release would
# report it (VMX layer emulated, eVMCS views of that release).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -d "$MIGCOMPAT_FIXTURES" ] || skip_all "fixtures not found at $MIGCOMPAT_FIXTURES"

spr="$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00806F8_SapphireRapids_05_CPUID.json"
"$MIGCOMPAT" emulate --kernel 6.8.0-45-generic "$spr" >"$TMPDIR_TEST/e.json"
check "emulate prints a profile that loads again" "$MIGCOMPAT" show "$TMPDIR_TEST/e.json"
check "BASIC is KVM's VMCS12 revision, not the hardware's" grep -q '"0x480": "0xd8100011e57ed0"' "$TMPDIR_TEST/e.json"
check "the VMX layer is emulated for the release" grep -q 'emulated: KVM 6.8 from the hardware VMX MSRs' "$TMPDIR_TEST/e.json"
check "the kernel is the one asked for" grep -q '"kernel": "6.8.0-45-generic"' "$TMPDIR_TEST/e.json"
check "the VMX layer says it is emulated, for that kernel" \
    test "$(jq -r '.layers.vmx.source + " " + .layers.vmx.kernel' "$TMPDIR_TEST/e.json")" = "emulated 6.8.0-45-generic"
check "eVMCS views emulated for that release" grep -q 'emulated (kernel 6.3' "$TMPDIR_TEST/e.json"
"$MIGCOMPAT" emulate --kernel 6.8 --param kvm_intel.ept=0 "$spr" >"$TMPDIR_TEST/noept.json"
check "kvm_intel.ept=0 drops the EPT capabilities" grep -q '"0x48c": "0xf0100000000"' "$TMPDIR_TEST/noept.json"
st=$(status_of "$MIGCOMPAT" emulate --kernel 4.19 "$spr")
check "a kernel before 4.20 exits 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" emulate --kernel 6.8 --param kvm_intel.bogus=1 "$spr")
check "an unknown parameter exits 2" test "$st" -eq 2
st=$(status_of "$MIGCOMPAT" emulate "$spr")
check "--kernel is required" test "$st" -eq 2
done_testing
