/*
 * kvmnested.h - what a KVM release reports as its nested VMX capability
 * MSRs (vmcs_config.nested: the system KVM_GET_MSRS and QEMU's -cpu host)
 * on given hardware, from the per-release table data/kvm-nested-vmx.tsv.
 * This is KVM data, not a compatibility rule.
 */
#ifndef MIGCOMPAT_KVMNESTED_H
#define MIGCOMPAT_KVMNESTED_H

#include <stddef.h>
#include <stdint.h>

#include "vmx.h"

/* One row of data/kvm-nested-vmx.tsv (generated into kvmnested-table.c). */
struct kvmnested_row {
	const char *first;	/* "X.Y" */
	const char *last;	/* "X.Y", NULL = newest */
	uint32_t msr;
	const char *op;		/* list hw set low hwval val range */
	uint64_t mask;
	const char *cond;	/* NULL = always */
	const char *status;	/* "confirmed" or "unconfirmed" */
};

extern const struct kvmnested_row kvmnested_table[];
extern const size_t kvmnested_table_count;

/* The kvm_intel module parameters the model knows (default: all 1, pt_mode 0). */
struct kvmnested_params {
	int nested;
	int ept;
	int unrestricted_guest;
	int vpid;
	int flexpriority;
	int eptad;
	int enable_apicv;
	int enable_pml;		/* recorded; no effect on the nested MSRs */
	int enable_shadow_vmcs;	/* recorded; no effect */
	int enable_ipiv;	/* recorded; no effect */
	int pt_mode;		/* recorded; no effect */
};

struct kvmnested_result {
	struct vmx_msrs msrs;	/* what the release reports */
	uint32_t unconfirmed;	/* bit per MSR (0x480 + i) built from unconfirmed rows */
	/*
	 * Per MSR (index i = MSR 0x480 + i) the bits those rows decide: the
	 * allowed-1 bits of a hw or set row, the must-be-1 half of a low row,
	 * the mask of a val or hwval row, every bit of an MSR whose listing
	 * or whole release range is unconfirmed.  0 for a confirmed MSR.
	 */
	uint64_t unconfirmed_bits[VMX_MSR_NUM];
	char release[16];	/* "6.8": the X.Y the table was read for */
};

/* Module defaults: every parameter 1, pt_mode 0. */
void kvmnested_params_default(struct kvmnested_params *pp);

/*
 * Set one parameter from "NAME=VALUE" (NAME with or without "kvm_intel.";
 * VALUE 0/1/Y/N, pt_mode a number).  Returns 0, or -1 with a message in
 * err for an unknown name or a bad value.
 */
int kvmnested_param_set(struct kvmnested_params *pp, const char *assign, char *err,
    size_t errsize);

/*
 * Parse a kernel release ("6.8.0-45-generic", "5.15.167", "v6.1") into
 * major, minor and sublevel (-1 when absent).  Returns 0 or -1.
 */
int kvmnested_release(const char *kernel, int *major, int *minor, int *sublevel);

/*
 * Compute what KVM of release kernel reports from the host's hardware VMX
 * MSRs hw (0x480-0x491 as read with rdmsr).  Returns 0; -1 with a message
 * in err when the release is not covered (before 4.20, unparsable) or hw
 * has no VMX_BASIC.  With nested=0 the result holds no MSR.  MSRs in
 * res->unconfirmed come from rows not read in the kernel source: a caller
 * must answer unknown where they matter.
 */
int kvmnested_compute(const struct vmx_msrs *hw, const char *kernel,
    const struct kvmnested_params *pp, struct kvmnested_result *res, char *err, size_t errsize);

/*
 * 0 when the table covers kernel (a release of 4.20 or later); -1 with a
 * message in err otherwise.
 */
int kvmnested_covers(const char *kernel, char *err, size_t errsize);

/*
 * The MSRs whose rows differ between releases k1 and k2 (bit i = MSR
 * 0x480 + i): a row that applies to one and not the other, confirmed or
 * not.  0 means KVM makes the same values of any hardware under both, so
 * values one reported are what the other would report.  Returns 0, or -1
 * with a message in err when either is not covered.
 */
int kvmnested_rows_differ(const char *k1, const char *k2, uint32_t *msrs, char *err, size_t errsize);

/*
 * The features QEMU derives from a reported control MSR value: allowed-1
 * bits that are not must-be-1 (kvm_arch_get_supported_msr_feature()).
 */
static inline uint32_t
kvmnested_optional(uint64_t ctl)
{
	return (uint32_t)(ctl >> 32) & ~(uint32_t)ctl;
}

#endif
