/*
 * vmxbits.h - names of VMX capability MSRs and of their bits, generated at
 * build time from data/vmx-bits.tsv.
 */
#ifndef MIGCOMPAT_VMXBITS_H
#define MIGCOMPAT_VMXBITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * One named bit.  For control MSRs msr is the TRUE index (0x48d-0x490) or
 * 0x48b/0x492 and bit is the control bit; otherwise bit is the position in
 * the 64-bit MSR.  linux_name and qemu_name may be NULL.
 */
struct vmxbits_entry {
	uint32_t msr;
	unsigned bit;
	const char *linux_name;
	const char *qemu_name;
	const char *desc;
};

extern const struct vmxbits_entry vmxbits_table[];
extern const size_t vmxbits_table_count;

/*
 * The entry naming bit of msr, or NULL.  Non-TRUE control MSRs
 * (0x481-0x484) are looked up under their TRUE twin.
 */
const struct vmxbits_entry *vmxbits_lookup(uint32_t msr, unsigned bit);

/* Architectural name of a VMX MSR ("IA32_VMX_PROCBASED_CTLS2"), or NULL. */
const char *vmxbits_msr_name(uint32_t msr);

/* Short human title ("secondary controls"), or NULL. */
const char *vmxbits_msr_title(uint32_t msr);

/* Nonzero for MSRs laid out as must-be-1 (31:0) / allowed-1 (63:32) halves. */
int vmxbits_is_control(uint32_t msr);

/*
 * Best display name of a bit: the QEMU name, else the Linux name, else
 * "bit N".  Writes into buf and returns buf.
 */
const char *vmxbits_name(uint32_t msr, unsigned bit, char *buf, size_t bufsize);

/*
 * Find a QEMU "vmx-*" feature name.  Returns the entry (msr, bit) or NULL.
 */
const struct vmxbits_entry *vmxbits_find_qemu(const char *qemu_name);

#endif
