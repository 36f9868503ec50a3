/*
 * vmx.h - VMX capability MSR indices and the fixed-size MSR set that every
 * profile layer uses.
 */
#ifndef MIGCOMPAT_VMX_H
#define MIGCOMPAT_VMX_H

#include <stdint.h>

#define VMX_MSR_FIRST		0x480u
#define VMX_MSR_LAST		0x493u
#define VMX_MSR_NUM		(VMX_MSR_LAST - VMX_MSR_FIRST + 1)

#define MSR_VMX_BASIC		0x480u
#define MSR_VMX_PINBASED	0x481u
#define MSR_VMX_PROCBASED	0x482u
#define MSR_VMX_EXIT		0x483u
#define MSR_VMX_ENTRY		0x484u
#define MSR_VMX_MISC		0x485u
#define MSR_VMX_CR0_FIXED0	0x486u
#define MSR_VMX_CR0_FIXED1	0x487u
#define MSR_VMX_CR4_FIXED0	0x488u
#define MSR_VMX_CR4_FIXED1	0x489u
#define MSR_VMX_VMCS_ENUM	0x48au
#define MSR_VMX_PROCBASED2	0x48bu
#define MSR_VMX_EPT_VPID	0x48cu
#define MSR_VMX_TRUE_PINBASED	0x48du
#define MSR_VMX_TRUE_PROCBASED	0x48eu
#define MSR_VMX_TRUE_EXIT	0x48fu
#define MSR_VMX_TRUE_ENTRY	0x490u
#define MSR_VMX_VMFUNC		0x491u
#define MSR_VMX_PROCBASED3	0x492u
#define MSR_VMX_EXIT2		0x493u

/* Default-1 controls that the non-TRUE MSRs force on (Linux vmx.h). */
#define VMX_PIN_ALWAYSON	0x00000016u
#define VMX_PROC_ALWAYSON	0x0401e172u
#define VMX_EXIT_ALWAYSON	0x00036dffu
#define VMX_ENTRY_ALWAYSON	0x000011ffu

/* A set of VMX MSR values; an index whose bit in present is clear is absent. */
struct vmx_msrs {
	uint64_t val[VMX_MSR_NUM];
	uint32_t present;
};

/* Nonzero if index is a VMX capability MSR that a vmx_msrs can hold. */
static inline int
vmx_msr_valid(uint32_t index)
{
	return index >= VMX_MSR_FIRST && index <= VMX_MSR_LAST;
}

/* Nonzero if the MSR is present in the set. */
static inline int
vmx_msr_has(const struct vmx_msrs *m, uint32_t index)
{
	return vmx_msr_valid(index) && (m->present >> (index - VMX_MSR_FIRST) & 1u);
}

/* The value of the MSR, 0 when absent (a missing MSR reports no capability). */
static inline uint64_t
vmx_msr_get(const struct vmx_msrs *m, uint32_t index)
{
	return vmx_msr_has(m, index) ? m->val[index - VMX_MSR_FIRST] : 0;
}

/* Store a value and mark the MSR present.  Other indices are ignored. */
static inline void
vmx_msr_set(struct vmx_msrs *m, uint32_t index, uint64_t value)
{
	if (!vmx_msr_valid(index))
		return;
	m->val[index - VMX_MSR_FIRST] = value;
	m->present |= 1u << (index - VMX_MSR_FIRST);
}

/*
 * The value that stands for a TRUE control MSR: the TRUE MSR itself when
 * present, otherwise its non-TRUE twin (0x481-0x484), otherwise 0.
 */
static inline uint64_t
vmx_msr_true_ctl(const struct vmx_msrs *m, uint32_t true_index)
{
	if (vmx_msr_has(m, true_index))
		return vmx_msr_get(m, true_index);
	return vmx_msr_get(m, true_index - (MSR_VMX_TRUE_PINBASED - MSR_VMX_PINBASED));
}

#endif
