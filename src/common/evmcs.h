/*
 * evmcs.h - emulation of KVM's Enlightened VMCS filter: which VMX controls
 * an eVMCS-enabled L1 guest sees, per kernel release, from the raw nested
 * VMX MSRs.  The per-kernel masks live in data/evmcs-filter.tsv, the
 * stable backports that changed a series after its release in
 * data/evmcs-stable.tsv; both are turned into C at build time.
 */
#ifndef MIGCOMPAT_EVMCS_H
#define MIGCOMPAT_EVMCS_H

#include <stddef.h>
#include <stdint.h>

#include "vmx.h"

/*
 * One row of data/evmcs-filter.tsv.  from/to are major*1000+minor.  With
 * kind "clear" each mask lists allowed-1 controls removed, with "keep" the
 * only ones kept.  pvexit/pventry are removed unless the guest has the PV
 * bit and pv is 1.
 */
struct evmcs_row {
	const char *row;
	unsigned from, to;
	const char *kind;
	int host;
	uint32_t pin, tpin, proc, proc2, exit, entry, vmfunc;
	int pv;
	uint32_t pvexit, pventry;
};

extern const struct evmcs_row evmcs_rows[];
extern const size_t evmcs_rows_count;

/*
 * One row of data/evmcs-stable.tsv: from stable sublevel series.first on,
 * the series filters as the row named row (backported mainline commits).
 */
struct evmcs_stable {
	const char *series;		/* "5.15" */
	unsigned first;			/* first sublevel carrying the commits */
	const char *commits;		/* "7a601e2cf615,f80ae0ef089a" */
	const char *row;		/* "5.17" */
};

extern const struct evmcs_stable evmcs_stable_rows[];
extern const size_t evmcs_stable_rows_count;

/* What a kernel release says about eVMCS. */
enum evmcs_kernel {
	EVMCS_KERNEL_UNKNOWN = -1,	/* empty, unparseable, or a vendor backport kernel */
	EVMCS_KERNEL_NONE = 0,		/* older than v4.20: no eVMCS for L1 */
	EVMCS_KERNEL_ROW = 1,		/* a row of the table applies */
};

#define EVMCS_OPEN_MAX 2

/* What a kernel release says about its filter (evmcs_kernel_info()). */
struct evmcs_kinfo {
	enum evmcs_kernel kind;
	const struct evmcs_row *row;	/* the filter it surely has (kind ROW), else NULL */
	int vendor;			/* a vendor kernel with KVM backported wholesale (".el9") */
	int distro;			/* a distribution's package release ("-91-generic") */
	/*
	 * Stable backports the release string leaves open (a distribution
	 * kernel below their first sublevel): each may have turned the filter
	 * into open_row[i], in order.
	 */
	int nopen;
	const struct evmcs_stable *open[EVMCS_OPEN_MAX];
	const struct evmcs_row *open_row[EVMCS_OPEN_MAX];
};

/*
 * Read a kernel release into *ki.  "X.Y" or "X.Y.Z", alone or with a
 * local version that does not start with "-" and a digit ("5.15.30",
 * "6.6.1-arch1-1"), is an upstream release: its sublevel decides which
 * stable backports it carries.  With "-" and a digit ("5.15.0-91-generic",
 * "5.16.10-200.fc35") it is a distribution's package release: its
 * sublevel is a floor, and backports whose first sublevel lies above it
 * are open (ki->open).  ".elN" kernels are vendor rebuilds with KVM
 * backported wholesale: EVMCS_KERNEL_UNKNOWN with ki->vendor set.
 */
void evmcs_kernel_info(const char *kernel_release, struct evmcs_kinfo *ki);

/*
 * The same, reduced to the kind and the row it surely has (*row, NULL
 * unless EVMCS_KERNEL_ROW; row may be NULL).  A distribution kernel with
 * open backports gets the row without them.
 */
enum evmcs_kernel evmcs_kernel_classify(const char *kernel_release, const struct evmcs_row **row);

/*
 * Emulate the guest-visible VMX MSRs of an eVMCS-enabled L1 on kernel
 * kernel_release from the raw (unfiltered) MSRs raw, with the guest's PV
 * bit 0x4000000A.EBX[0] set if pv_bit is nonzero.  The filter narrows the
 * allowed-1 half (63:32) of the pin, primary, secondary, exit and entry
 * control MSRs, TRUE and non-TRUE alike, and the low 32 bits of VMFUNC;
 * every other MSR is copied unchanged, absent MSRs stay absent.  The
 * row's name ("6.1") is written into row (if non-NULL).  Returns 0, or -1
 * when the kernel is unknown, unparseable or older than v4.20 (no eVMCS),
 * with out untouched.  raw and out may be the same object.
 */
int evmcs_emulate(const struct vmx_msrs *raw, const char *kernel_release, int pv_bit,
    struct vmx_msrs *out, char *row, size_t rowsize);

/* The same with a row already chosen.  row_entry must not be NULL. */
void evmcs_apply(const struct evmcs_row *row_entry, const struct vmx_msrs *raw, int pv_bit,
    struct vmx_msrs *out);

/*
 * The allowed-1 mask (control bits 31:0) the row keeps for a control MSR
 * (any of 0x481-0x484, 0x48b, 0x48d-0x490) or the VMFUNC low half (0x491),
 * for the given PV bit setting; 0xffffffff for an MSR the filter does not
 * touch.
 */
uint32_t evmcs_keep_mask(const struct evmcs_row *row_entry, uint32_t msr, int pv_bit);

/* The row of that name ("6.1"), or NULL. */
const struct evmcs_row *evmcs_row_find(const char *name);

/*
 * Does the kernel honour the PV bit (un-hide PERF_GLOBAL_CTRL when the
 * guest has 0x4000000A.EBX[0])?  1 (v6.1 on), 0 (older, including kernels
 * without eVMCS), -1 unknown.
 */
int evmcs_kernel_honours_pv_bit(const char *kernel_release);

#endif
