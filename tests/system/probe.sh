#!/bin/sh
# probe.sh - migcompat-probe against this machine's real /dev/kvm: API
# version 12, capability and CPUID layers measured, the VMX layer either
# measured or unavailable with a reason that says why.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -e /dev/kvm ] || skip_all "/dev/kvm is absent on this machine"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip_all "no read-write access to /dev/kvm"
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"

check "migcompat-probe exits 0" "$PROBE" --no-libvirt --output "$TMPDIR_TEST/p.json"
j() { jq -r "$1" "$TMPDIR_TEST/p.json"; }
check "KVM API version is 12" test "$(j .layers.kvm.api_version)" = 12
check "capability layer is measured" test "$(j .layers.kvm.status)" = measured
check "system capabilities were read" test "$(j '.layers.kvm.system_caps | length')" -gt 10
check "CPUID layer is measured" test "$(j .layers.cpuid.status)" = measured
check "supported CPUID has entries" test "$(j '.layers.cpuid.entries | length')" -gt 5
check "feature MSR layer is measured" test "$(j .layers.feature_msrs.status)" = measured
vmx=$(j .layers.vmx.status)
if grep -qw vmx /proc/cpuinfo; then
	check "VMX layer is measured on a VMX host" test "$vmx" = measured
else
	check "VMX layer is unavailable without VMX" test "$vmx" = unavailable
	check "VMX layer says why" sh -c "jq -r .layers.vmx.reason '$TMPDIR_TEST/p.json' | grep -Eq 'no VMX|nested|kvm_intel'"
fi
check "profile has a content hash" sh -c "jq -r .host.hash '$TMPDIR_TEST/p.json' | grep -Eq '^sha256:[0-9a-f]{64}$'"
check "the profile loads with migcompat show" "$MIGCOMPAT" show "$TMPDIR_TEST/p.json"
check "migcompat collect --json works" "$MIGCOMPAT" collect --no-libvirt --json

done_testing
