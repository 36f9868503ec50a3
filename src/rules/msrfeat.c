/*
 * msrfeat.c - look-ups in the feature-MSR table.
 */
#include "config.h"

#include <string.h>

#include "msrfeat.h"
#include "util.h"

const struct msrfeat_entry *
msrfeat_find(const char *name)
{
	size_t i;

	for (i = 0; i < msrfeat_table_count; i++) {
		const struct msrfeat_entry *e = &msrfeat_table[i];

		if (e->width != 1)
			continue;
		if ((e->qemu_name != NULL && util_name_eq(e->qemu_name, name)) ||
		    (e->libvirt_name != NULL && util_name_eq(e->libvirt_name, name)))
			return e;
	}
	return NULL;
}

uint64_t
msrfeat_mask(const struct msrfeat_entry *e)
{
	if (e->width >= 64)
		return ~0ull;
	return ((1ull << e->width) - 1) << e->bit;
}

const struct msrfeat_entry *
msrfeat_lookup(uint32_t msr, unsigned bit)
{
	size_t i;

	if (bit >= 64)
		return NULL;
	for (i = 0; i < msrfeat_table_count; i++)
		if (msrfeat_table[i].msr == msr && (msrfeat_mask(&msrfeat_table[i]) >> bit & 1))
			return &msrfeat_table[i];
	return NULL;
}

const char *
msrfeat_msr_name(uint32_t msr)
{
	switch (msr) {
	case MSRFEAT_ARCH_CAPABILITIES:
		return "IA32_ARCH_CAPABILITIES";
	case MSRFEAT_CORE_CAPABILITIES:
		return "IA32_CORE_CAPABILITIES";
	case MSRFEAT_PERF_CAPABILITIES:
		return "IA32_PERF_CAPABILITIES";
	default:
		return NULL;
	}
}
