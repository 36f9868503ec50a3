/*
 * vmxbits.c - names of VMX capability MSRs and of their bits.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmx.h"
#include "vmxbits.h"

static const struct {
	uint32_t msr;
	const char *name;
	const char *title;
	int control;
} vmxbits_msrs[] = {
	{ MSR_VMX_BASIC, "IA32_VMX_BASIC", "basic VMX information", 0 },
	{ MSR_VMX_PINBASED, "IA32_VMX_PINBASED_CTLS", "pin-based controls", 1 },
	{ MSR_VMX_PROCBASED, "IA32_VMX_PROCBASED_CTLS", "primary processor-based controls", 1 },
	{ MSR_VMX_EXIT, "IA32_VMX_EXIT_CTLS", "VM-exit controls", 1 },
	{ MSR_VMX_ENTRY, "IA32_VMX_ENTRY_CTLS", "VM-entry controls", 1 },
	{ MSR_VMX_MISC, "IA32_VMX_MISC", "miscellaneous data", 0 },
	{ MSR_VMX_CR0_FIXED0, "IA32_VMX_CR0_FIXED0", "CR0 bits fixed to 1", 0 },
	{ MSR_VMX_CR0_FIXED1, "IA32_VMX_CR0_FIXED1", "CR0 bits allowed to be 1", 0 },
	{ MSR_VMX_CR4_FIXED0, "IA32_VMX_CR4_FIXED0", "CR4 bits fixed to 1", 0 },
	{ MSR_VMX_CR4_FIXED1, "IA32_VMX_CR4_FIXED1", "CR4 bits allowed to be 1", 0 },
	{ MSR_VMX_VMCS_ENUM, "IA32_VMX_VMCS_ENUM", "VMCS enumeration", 0 },
	{ MSR_VMX_PROCBASED2, "IA32_VMX_PROCBASED_CTLS2", "secondary controls", 1 },
	{ MSR_VMX_EPT_VPID, "IA32_VMX_EPT_VPID_CAP", "EPT and VPID capabilities", 0 },
	{ MSR_VMX_TRUE_PINBASED, "IA32_VMX_TRUE_PINBASED_CTLS", "pin-based controls", 1 },
	{ MSR_VMX_TRUE_PROCBASED, "IA32_VMX_TRUE_PROCBASED_CTLS", "primary processor-based controls", 1 },
	{ MSR_VMX_TRUE_EXIT, "IA32_VMX_TRUE_EXIT_CTLS", "VM-exit controls", 1 },
	{ MSR_VMX_TRUE_ENTRY, "IA32_VMX_TRUE_ENTRY_CTLS", "VM-entry controls", 1 },
	{ MSR_VMX_VMFUNC, "IA32_VMX_VMFUNC", "VM functions", 0 },
	{ MSR_VMX_PROCBASED3, "IA32_VMX_PROCBASED_CTLS3", "tertiary controls", 0 },
	{ MSR_VMX_EXIT2, "IA32_VMX_EXIT_CTLS2", "secondary VM-exit controls", 0 },
};

static int
vmxbits_msr_slot(uint32_t msr)
{
	size_t i;

	for (i = 0; i < sizeof(vmxbits_msrs) / sizeof(vmxbits_msrs[0]); i++)
		if (vmxbits_msrs[i].msr == msr)
			return (int)i;
	return -1;
}

const struct vmxbits_entry *
vmxbits_lookup(uint32_t msr, unsigned bit)
{
	size_t i;

	if (msr >= MSR_VMX_PINBASED && msr <= MSR_VMX_ENTRY)
		msr += MSR_VMX_TRUE_PINBASED - MSR_VMX_PINBASED;
	for (i = 0; i < vmxbits_table_count; i++)
		if (vmxbits_table[i].msr == msr && vmxbits_table[i].bit == bit)
			return &vmxbits_table[i];
	return NULL;
}

const char *
vmxbits_msr_name(uint32_t msr)
{
	int i = vmxbits_msr_slot(msr);

	return i < 0 ? NULL : vmxbits_msrs[i].name;
}

const char *
vmxbits_msr_title(uint32_t msr)
{
	int i = vmxbits_msr_slot(msr);

	return i < 0 ? NULL : vmxbits_msrs[i].title;
}

int
vmxbits_is_control(uint32_t msr)
{
	int i = vmxbits_msr_slot(msr);

	return i < 0 ? 0 : vmxbits_msrs[i].control;
}

const char *
vmxbits_name(uint32_t msr, unsigned bit, char *buf, size_t bufsize)
{
	const struct vmxbits_entry *e = vmxbits_lookup(msr, bit);

	if (e != NULL && e->qemu_name != NULL)
		snprintf(buf, bufsize, "%s", e->qemu_name);
	else if (e != NULL && e->linux_name != NULL)
		snprintf(buf, bufsize, "%s", e->linux_name);
	else
		snprintf(buf, bufsize, "bit %u", bit);
	return buf;
}

const struct vmxbits_entry *
vmxbits_find_qemu(const char *qemu_name)
{
	size_t i;

	for (i = 0; i < vmxbits_table_count; i++)
		if (vmxbits_table[i].qemu_name != NULL &&
		    strcmp(vmxbits_table[i].qemu_name, qemu_name) == 0)
			return &vmxbits_table[i];
	return NULL;
}
