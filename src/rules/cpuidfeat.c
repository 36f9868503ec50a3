/*
 * cpuidfeat.c - look-ups in the CPUID feature-flag table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpuidfeat.h"
#include "util.h"

int
cpuidfeat_reg_index(const char *reg)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(reg, regs[i]) == 0)
			return i;
	return -1;
}

const struct cpuidfeat_entry *
cpuidfeat_find(const char *name)
{
	size_t i;

	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

		if ((e->qemu_name != NULL && util_name_eq(e->qemu_name, name)) ||
		    (e->linux_name != NULL && util_name_eq(e->linux_name, name)))
			return e;
	}
	return NULL;
}

const struct cpuidfeat_entry *
cpuidfeat_lookup(uint32_t leaf, uint32_t subleaf, int reg, unsigned bit)
{
	size_t i;

	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

		if (e->leaf == leaf && e->subleaf == subleaf && e->bit == bit &&
		    cpuidfeat_reg_index(e->reg) == reg)
			return e;
	}
	return NULL;
}

const char *
cpuidfeat_name(const struct cpuidfeat_entry *e, char *buf, size_t bufsize)
{
	if (e->qemu_name != NULL)
		snprintf(buf, bufsize, "%s", e->qemu_name);
	else if (e->linux_name != NULL)
		snprintf(buf, bufsize, "%s", e->linux_name);
	else
		snprintf(buf, bufsize, "bit %u", e->bit);
	return buf;
}
