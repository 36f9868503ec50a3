/*
 * test-pdiff.c - profile diffs name the features lost and gained.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pdiff.h"
#include "profile.h"
#include "tap.h"
#include "vmx.h"

/* Nonzero if list has an item of layer with the given msr ("0x48c") and bit. */
static int
has_item(struct json_object *d, const char *list, const char *msr, int bit)
{
	struct json_object *a, *it, *m, *b;
	size_t i;

	if (!json_object_object_get_ex(d, list, &a))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		it = json_object_array_get_idx(a, i);
		if (json_object_object_get_ex(it, "msr", &m) && json_object_object_get_ex(it, "bit", &b) &&
		    strcmp(json_object_get_string(m), msr) == 0 && json_object_get_int(b) == bit)
			return 1;
	}
	return 0;
}

static size_t
count(struct json_object *d, const char *list)
{
	struct json_object *a;

	return json_object_object_get_ex(d, list, &a) ? json_object_array_length(a) : 0;
}

/* Nonzero if list has an entry of layer whose name is name (and from/to, when given). */
static int
has_entry(struct json_object *d, const char *list, const char *layer, const char *name,
    const char *from, const char *to)
{
	struct json_object *a, *it, *v;
	size_t i;

	if (!json_object_object_get_ex(d, list, &a))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		it = json_object_array_get_idx(a, i);
		if (!json_object_object_get_ex(it, "layer", &v) || strcmp(json_object_get_string(v), layer) != 0 ||
		    !json_object_object_get_ex(it, "name", &v) || strcmp(json_object_get_string(v), name) != 0)
			continue;
		if (from != NULL && (!json_object_object_get_ex(it, "from", &v) ||
		    strcmp(json_object_get_string(v), from) != 0))
			continue;
		if (to != NULL && (!json_object_object_get_ex(it, "to", &v) ||
		    strcmp(json_object_get_string(v), to) != 0))
			continue;
		return 1;
	}
	return 0;
}

/* The layers beyond VMX: status, feature MSRs, hardware MSRs per CPU, parameters, libvirt. */
static void
layers(const char *fx)
{
	struct profile a, b;
	struct profile_hw_cpu hc;
	struct json_object *d;
	char path[1024], err[512];
	size_t i;

	snprintf(path, sizeof(path), "%s/instlatx64/GenuineIntel0050657_CascadeLakeSP_CPUID1.json", fx);
	profile_init(&a);
	profile_init(&b);
	if (profile_load_file(path, &a, err, sizeof(err)) == -1 ||
	    profile_load_file(path, &b, err, sizeof(err)) == -1) {
		tap_ok(0, "fixture loads: %s", err);
		return;
	}
	profile_layer_set(&a.libvirt, LAYER_MEASURED, "test");
	profile_layer_set(&b.libvirt, LAYER_MEASURED, "test");
	profile_layer_set(&a.params, LAYER_MEASURED, "test");
	profile_layer_set(&b.params, LAYER_MEASURED, "test");
	snprintf(a.lv.qemu_version, sizeof(a.lv.qemu_version), "7.2.0");
	snprintf(b.lv.qemu_version, sizeof(b.lv.qemu_version), "8.2.2");
	plibvirt_list_add(&a.lv.machines, "pc-q35-7.2");
	plibvirt_list_add(&b.lv.machines, "pc-q35-8.2");
	profile_add_param(&a, "kvm_intel", "nested", "Y");
	profile_add_param(&b, "kvm_intel", "nested", "N");
	for (i = 0; i < b.n_msrs; i++)
		if (b.msrs[i].index == 0x10a)
			b.msrs[i].value = 0x2a;
	memset(&hc, 0, sizeof(hc));
	hc.cpu = 3;
	vmx_msr_set(&hc.msrs, MSR_VMX_PROCBASED2, 0x5f7fff00000000ull);
	profile_add_hw_cpu(&b, &hc);
	profile_layer_set(&b.tsc, LAYER_UNAVAILABLE, "test");
	d = pdiff_json(&a, &b);
	tap_ok(has_entry(d, "changed", "libvirt", "QEMU version", "7.2.0", "8.2.2"), "QEMU version changed");
	tap_ok(has_entry(d, "lost", "libvirt", "machine type pc-q35-7.2", NULL, NULL) &&
	    has_entry(d, "gained", "libvirt", "machine type pc-q35-8.2", NULL, NULL), "machine types lost and gained");
	tap_ok(has_entry(d, "changed", "module_params", "kvm_intel.nested", "Y", "N"), "module parameter changed");
	tap_ok(has_entry(d, "changed", "feature_msrs", "MSR 0x10a", "0x2b", "0x2a"), "feature MSR in hex");
	tap_ok(has_entry(d, "changed", "hw_msrs", "CPU 3 IA32_VMX_PROCBASED_CTLS2 (0x48b)",
	    "as the reference CPU", "0x5f7fff00000000"), "a CPU unlike the reference one");
	tap_ok(has_entry(d, "changed", "hw_msrs", "CPUs unlike the reference CPU", NULL, NULL), "their count");
	tap_ok(has_entry(d, "changed", "tsc", "status", "absent", "unavailable"), "a layer's status");
	tap_ok(count(d, "changed") == 6 && count(d, "lost") == 1 && count(d, "gained") == 1,
	    "nothing else: %zu changed, %zu lost, %zu gained", count(d, "changed"), count(d, "lost"),
	    count(d, "gained"));
	json_object_put(d);
	profile_clear(&a);
	profile_clear(&b);
}

int
main(void)
{
	struct profile a, b;
	struct json_object *d;
	char path[1024], err[512];
	const char *fx = tap_fixtures();
	uint64_t v;

	snprintf(path, sizeof(path), "%s/vbox/vbox_cpudb_i7-6700K.json", fx);
	profile_init(&a);
	profile_init(&b);
	if (profile_load_file(path, &a, err, sizeof(err)) == -1 ||
	    profile_load_file(path, &b, err, sizeof(err)) == -1) {
		tap_ok(0, "fixture loads: %s", err);
		return tap_done();
	}
	d = pdiff_json(&a, &b);
	tap_ok(count(d, "lost") == 0 && count(d, "gained") == 0 && count(d, "changed") == 0,
	    "a profile against itself: no difference");
	json_object_put(d);

	/* Drop EPT A/D bits (0x48c bit 21) and allowed-1 of secondary control 1 (EPT). */
	v = vmx_msr_get(&b.vmx_raw, MSR_VMX_EPT_VPID);
	tap_ok((v >> 21 & 1) != 0, "fixture has EPT A/D");
	vmx_msr_set(&b.vmx_raw, MSR_VMX_EPT_VPID, v & ~(1ull << 21));
	v = vmx_msr_get(&b.vmx_raw, MSR_VMX_PROCBASED2);
	vmx_msr_set(&b.vmx_raw, MSR_VMX_PROCBASED2, v & ~(1ull << 33));
	snprintf(b.kernel, sizeof(b.kernel), "6.6.0");
	d = pdiff_json(&a, &b);
	tap_ok(has_item(d, "lost", "0x48c", 21), "EPT A/D bit reported lost");
	tap_ok(has_item(d, "lost", "0x48b", 1), "secondary control bit 1 reported lost");
	tap_ok(count(d, "gained") == 0, "nothing gained");
	tap_ok(count(d, "changed") == 1, "kernel change reported");
	json_object_put(d);

	/* The other direction gains what was lost. */
	d = pdiff_json(&b, &a);
	tap_ok(has_item(d, "gained", "0x48c", 21) && has_item(d, "gained", "0x48b", 1) &&
	    count(d, "lost") == 0, "reverse diff gains them");
	json_object_put(d);
	profile_clear(&a);
	profile_clear(&b);
	layers(fx);
	return tap_done();
}
