/*
 * evmcsview.h - the eVMCS-filtered guest views of the VMX MSRs: emulated
 * from the raw MSRs with the kernel filter table, the PV-bit verdict from
 * measured views, and the cross-check of measured against emulated.
 */
#ifndef MIGCOMPAT_EVMCSVIEW_H
#define MIGCOMPAT_EVMCSVIEW_H

#include <stddef.h>

#include "profile.h"

/* Allowed-1 bits (63:32) of the PERF_GLOBAL_CTRL controls the PV bit un-hides. */
#define EVMCSVIEW_EXIT_PERF_GLOBAL	(1ull << (32 + 12))	/* VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL */
#define EVMCSVIEW_ENTRY_PERF_GLOBAL	(1ull << (32 + 13))	/* VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL */

/*
 * Fill p->evmcs_emulated with the three views computed from the guest's
 * unfiltered VMX MSRs (the per-vCPU values when measured, else the system
 * feature MSRs) and the kernel release p->kernel: status emulated with
 * reason "emulated (kernel X.Y rules)", or unavailable with the reason
 * (no VMX layer, unknown or pre-eVMCS kernel).
 */
void evmcsview_emulate(struct profile *p);

/*
 * Does the kernel honour the PV bit, judged from the measured views:
 * PROFILE_UNKNOWN when plain lacks both PERF_GLOBAL_CTRL controls (the
 * hardware cannot tell), PROFILE_YES when the PV view has one that the
 * eVMCS view hides, PROFILE_NO otherwise.
 */
enum profile_tristate evmcsview_pv_honoured(const struct vmx_msrs *plain, const struct vmx_msrs *evmcs,
    const struct vmx_msrs *evmcs_pv);

/*
 * Compare every view present in both p->evmcs_measured and
 * p->evmcs_emulated, MSR by MSR (an absent MSR counts as 0), replacing
 * the result of an earlier call.  Records each mismatch in
 * p->evmcs_measured (crosschecked set) and logs it.  Does
 * nothing unless the emulated layer has data and at least one view was
 * measured (a measured plain view counts even when the eVMCS runs failed).
 * Returns the number of mismatches.
 */
size_t evmcsview_crosscheck(struct profile *p);

#endif
