# diff-lib.sh - profiles for "migcompat diff" that have every layer, and
# copies that change one layer each.  Sourced after common.sh; needs jq.
#
# diff_profiles DIR: writes DIR/base.json, a Cascade Lake fixture as KVM 6.1
# would report it (migcompat emulate: cpuid, feature_msrs, vmx, eVMCS
# views, hw_msrs) with kvm, hv_cpuid, vmx_vcpu, guest, tsc, module_params
# and libvirt layers added; DIR/LAYER.json for each layer of
# DIFF_LAYERS, base.json with that layer changed; DIR/all.json with every
# change at once.  Returns non-zero when a step fails.

DIFF_LAYERS="host signature kvm cpuid hv_cpuid feature_msrs vmx vmx_vcpu evmcs hw_msrs tsc
	module_params libvirt libvirt_status guest extra"

# The jq program that makes LAYER's change.
diff_change() {
	case $1 in
	host) echo '.kernel = "6.6.0"' ;;
	signature) echo '.cpu.model = 106 | .cpu.stepping = 6' ;;
	kvm) echo '.layers.kvm.system_caps |= map(select(.id != 164) |
		if .id == 157 then .value = 8192 else . end)' ;;
	cpuid) echo '.layers.cpuid.entries |= map(
		if .function == "0x7" and .index == "0x0" then .ebx = "0xd39efffb"
		elif .function == "0x1" then .eax = "0x50656" else . end)' ;;
	hv_cpuid) echo '.layers.hv_cpuid.entries |= map(
		if .function == "0x4000000a" then .eax = "0x0" else . end)' ;;
	feature_msrs) echo '.layers.feature_msrs.msrs["0x10a"] = "0x2a" |
		.layers.feature_msrs.msrs["0x345"] = "0x33c5"' ;;
	vmx) echo '.layers.vmx.msrs["0x48a"] = "0x7e" | del(.layers.vmx.msrs["0x491"])' ;;
	vmx_vcpu) echo '.layers.vmx_vcpu.msrs["0x489"] = "0x3767ff"' ;;
	evmcs) echo 'del(.layers.evmcs_emulated.views.evmcs_pv) | .layers.evmcs_emulated.rules = "5.15" |
		.layers.evmcs_emulated.views.evmcs["0x48b"] = .layers.evmcs_emulated.views.plain["0x48b"]' ;;
	hw_msrs) echo '.layers.hw_msrs.cpus = 4 | .layers.hw_msrs.per_cpu_identical = false |
		.layers.hw_msrs.per_cpu_differences = [{"cpu": 3, "msrs": {"0x48b": "0x5f7fff00000000"},
		    "absent": []}] |
		.layers.hw_msrs.msrs["0x48c"] = "0xf0106334141"' ;;
	tsc) echo '.layers.tsc.khz = 2100000' ;;
	module_params) echo '.layers.module_params.modules.kvm_intel.nested = "N" |
		.layers.module_params.modules.kvm.ignore_msrs = "Y"' ;;
	libvirt) echo '.layers.libvirt.libvirt_version = "10.0.0" | .layers.libvirt.qemu_version = "8.2.2" |
		.layers.libvirt.machines = ["pc", "pc-i440fx-8.2", "pc-q35-8.2", "q35"] |
		.layers.libvirt.cpu_models |= map(select(. != "Cascadelake-Server")) |
		.layers.libvirt.hyperv_features += ["tlbflush"] |
		.layers.libvirt.host_model.features += ["arch-capabilities"]' ;;
	libvirt_status) echo '.layers.libvirt = {"status": "unavailable",
		"reason": "Failed to connect socket to /var/run/libvirt/libvirt-sock: No such file or directory"}' ;;
	guest) echo '.layers.guest = {"status": "unavailable", "reason": "KVM_RUN failed"}' ;;
	extra) echo '.layers.sgx = {"status": "measured", "reason": "a newer probe", "epc_mib": 64}' ;;
	esac
}

diff_profiles() {
	dir=$1
	"$MIGCOMPAT" emulate --kernel 6.1 \
	    "$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel0050657_CascadeLakeSP_CPUID1.json" >"$dir/emulated.json" ||
	    return 1
	jq '.layers.kvm = {"status": "measured", "reason": "test", "api_version": 12,
		"system_caps": [{"id": 1, "value": 1}, {"id": 157, "value": 20608}, {"id": 163, "value": 1},
		    {"id": 164, "value": 1}], "vm_caps": []} |
	    .layers.hv_cpuid = {"status": "measured", "reason": "test", "entries": [
		{"function": "0x40000003", "index": "0x0", "flags": "0x0", "eax": "0x7ff", "ebx": "0x3b8030",
		    "ecx": "0x2", "edx": "0x3bfb"},
		{"function": "0x4000000a", "index": "0x0", "flags": "0x0", "eax": "0xe0101", "ebx": "0x0",
		    "ecx": "0x0", "edx": "0x0"}]} |
	    .layers.vmx_vcpu = {"status": "measured", "reason": "test", "msrs": .layers.vmx.msrs} |
	    .layers.guest = {"status": "measured", "reason": "test"} |
	    .layers.tsc = {"status": "measured", "reason": "test", "khz": 2500000, "scaling": true} |
	    .layers.module_params = {"status": "measured", "reason": "test",
		"modules": {"kvm": {"ignore_msrs": "N"}, "kvm_intel": {"nested": "Y", "ept": "Y"}}} |
	    .layers.libvirt = {"status": "measured", "reason": "test", "libvirt_version": "9.0.0",
		"qemu_version": "7.2.0", "virttype": "kvm", "arch": "x86_64", "machine": "pc-i440fx-7.2",
		"domain_capabilities": true,
		"machines": ["pc", "pc-i440fx-7.2", "pc-q35-7.2", "q35"],
		"host_model": {"model": "Cascadelake-Server", "vendor": "Intel", "features": ["vmx"],
		    "disabled": []},
		"cpu_models": ["Cascadelake-Server", "Skylake-Server", "qemu64"],
		"hyperv_features": ["relaxed", "vapic"], "domains": []}' "$dir/emulated.json" >"$dir/base.json" ||
	    return 1
	prog=.
	for l in $DIFF_LAYERS; do
		jq "$(diff_change $l)" "$dir/base.json" >"$dir/$l.json" || return 1
		# libvirt_status replaces the layer that libvirt changes.
		[ $l = libvirt_status ] || prog="$prog | $(diff_change $l)"
	done
	jq "$prog" "$dir/base.json" >"$dir/all.json"
}
