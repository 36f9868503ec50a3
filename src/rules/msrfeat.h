/*
 * msrfeat.h - the feature-MSR bits the rules engine compares
 * (IA32_ARCH_CAPABILITIES, IA32_CORE_CAPABILITIES, IA32_PERF_CAPABILITIES),
 * generated at build time from data/msr-features.tsv.
 */
#ifndef MIGCOMPAT_MSRFEAT_H
#define MIGCOMPAT_MSRFEAT_H

#include <stddef.h>
#include <stdint.h>

#define MSRFEAT_ARCH_CAPABILITIES	0x10au
#define MSRFEAT_CORE_CAPABILITIES	0xcfu
#define MSRFEAT_PERF_CAPABILITIES	0x345u

/*
 * One entry: MSR index, lowest bit and width (1 for a flag, more for a
 * numeric field such as the LBR format), QEMU, libvirt and Linux names
 * (libvirt_name and linux_name may be NULL), scope ("all"), the QEMU name
 * of the CPUID flag that gates the whole MSR, and the QEMU releases known
 * to have the name (NULL when not established).
 */
struct msrfeat_entry {
	uint32_t msr;
	unsigned bit;
	unsigned width;
	const char *qemu_name;
	const char *libvirt_name;
	const char *linux_name;
	const char *scope;
	const char *gate;
	const char *qemu;
};

extern const struct msrfeat_entry msrfeat_table[];
extern const size_t msrfeat_table_count;

/*
 * The flag (width 1) named name, QEMU or libvirt spelling, with '-', '_'
 * and '.' treated alike and case ignored.  NULL if none: numeric fields
 * ("lbr-fmt") are not feature names.
 */
const struct msrfeat_entry *msrfeat_find(const char *name);

/* The entry whose bits include bit of msr, or NULL. */
const struct msrfeat_entry *msrfeat_lookup(uint32_t msr, unsigned bit);

/* The mask of an entry's bits within its MSR. */
uint64_t msrfeat_mask(const struct msrfeat_entry *e);

/* "IA32_ARCH_CAPABILITIES" for a table MSR, NULL otherwise. */
const char *msrfeat_msr_name(uint32_t msr);

#endif
