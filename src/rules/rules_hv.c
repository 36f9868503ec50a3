/*
 * rules_hv.c - the Hyper-V enlightenments the kvm and libvirt layers know:
 * one row per QEMU name, with libvirt's name and the KVM capability it needs.
 */
#include "config.h"

#include <string.h>

#include "rules_priv.h"

/* Those that need a capability first: they are looked up on every check. */
static const struct rules_hv rules_hv_table[] = {
	{ "time", NULL, RULES_CAP_HYPERV_TIME },
	{ "synic", "synic", RULES_CAP_HYPERV_SYNIC },
	{ "vpindex", "vpindex", RULES_CAP_HYPERV_VP_INDEX },
	{ "tlbflush", "tlbflush", RULES_CAP_HYPERV_TLBFLUSH },
	{ "ipi", "ipi", RULES_CAP_HYPERV_SEND_IPI },
	{ "evmcs", "evmcs", RULES_CAP_HYPERV_EVMCS },
	{ "tlbflush-direct", "tlbflush", RULES_CAP_HYPERV_DIRECT_TLBFLUSH },
	{ "enforce-cpuid", NULL, RULES_CAP_HYPERV_ENFORCE_CPUID },
	{ "relaxed", "relaxed", RULES_CAP_NUM },
	{ "vapic", "vapic", RULES_CAP_NUM },
	{ "spinlocks", "spinlocks", RULES_CAP_NUM },
	{ "runtime", "runtime", RULES_CAP_NUM },
	{ "stimer", "stimer", RULES_CAP_NUM },
	{ "stimer-direct", "stimer", RULES_CAP_NUM },
	{ "reset", "reset", RULES_CAP_NUM },
	{ "vendor-id", "vendor_id", RULES_CAP_NUM },
	{ "vendor_id", "vendor_id", RULES_CAP_NUM },
	{ "frequencies", "frequencies", RULES_CAP_NUM },
	{ "reenlightenment", "reenlightenment", RULES_CAP_NUM },
	{ "tlbflush-ext", "tlbflush", RULES_CAP_NUM },
	{ "avic", "avic", RULES_CAP_NUM },
	{ "emsr-bitmap", "emsr_bitmap", RULES_CAP_NUM },
	{ "emsr_bitmap", "emsr_bitmap", RULES_CAP_NUM },
	{ "xmm-input", "xmm_input", RULES_CAP_NUM },
	{ "xmm_input", "xmm_input", RULES_CAP_NUM },
};

const struct rules_hv *
rules_hv_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(rules_hv_table) / sizeof(rules_hv_table[0]); i++)
		if (strcmp(rules_hv_table[i].name, name) == 0)
			return &rules_hv_table[i];
	return NULL;
}
