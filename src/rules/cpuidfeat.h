/*
 * cpuidfeat.h - the CPUID feature-flag bits the rules engine compares,
 * generated at build time from data/cpuid-features.tsv.
 */
#ifndef MIGCOMPAT_CPUIDFEAT_H
#define MIGCOMPAT_CPUIDFEAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * One flag: CPUID leaf/subleaf, register ("eax", "ebx", "ecx", "edx"),
 * bit, Linux and QEMU names (either may be NULL) and scope ("all", or
 * "nested": only judged for nested guests).
 */
struct cpuidfeat_entry {
	uint32_t leaf;
	uint32_t subleaf;
	const char *reg;
	unsigned bit;
	const char *linux_name;
	const char *qemu_name;
	const char *scope;
};

extern const struct cpuidfeat_entry cpuidfeat_table[];
extern const size_t cpuidfeat_table_count;

/* Register index of a register name: eax 0, ebx 1, ecx 2, edx 3; -1 otherwise. */
int cpuidfeat_reg_index(const char *reg);

/*
 * The entry for a feature name, QEMU or Linux spelling, with '-', '_' and
 * '.' treated alike and case ignored ("sse4.2", "sse4_2").  NULL if none.
 */
const struct cpuidfeat_entry *cpuidfeat_find(const char *name);

/* The entry for leaf/subleaf/register index/bit, or NULL. */
const struct cpuidfeat_entry *cpuidfeat_lookup(uint32_t leaf, uint32_t subleaf, int reg, unsigned bit);

/* Best display name: QEMU name, else Linux name, else "bit N". */
const char *cpuidfeat_name(const struct cpuidfeat_entry *e, char *buf, size_t bufsize);

#endif
