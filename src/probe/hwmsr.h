/*
 * hwmsr.h - the hardware VMX capability MSRs of every online CPU, read
 * through the msr driver (/dev/cpu/N/msr), with per-CPU differences.
 *
 * Needs the msr module and CAP_SYS_RAWIO.  Hybrid parts report different
 * values on different core types (Lakefield: 0x48B on its Sunny Cove core),
 * which the profile records as a finding.
 */
#ifndef MIGCOMPAT_HWMSR_H
#define MIGCOMPAT_HWMSR_H

#include "profile.h"

/* Where the msr driver's per-CPU nodes live. */
#define HWMSR_DEFAULT_DIR	"/dev/cpu"

/*
 * Read MSRs VMX_MSR_FIRST..VMX_MSR_LAST of every CPU under dir (NULL:
 * HWMSR_DEFAULT_DIR): entries named by CPU number, each with an "msr" node.
 * The msr driver's character device returns an MSR's 8 bytes at file
 * offset = index; a regular file in its place is a saved MSR image with
 * each MSR at offset 8 * index (tests and offline dumps use these).  An
 * index that fails with EIO (a #GP on that CPU) or lies past the end of an
 * image is absent on that CPU; a CPU whose node fails with ENXIO is
 * offline and skipped.  Fill
 * p->hw, p->hw_msrs (the lowest online CPU's values), p->hw_cpu,
 * p->hw_ncpus and p->hw_diff.  Missing driver, missing privilege or no
 * readable VMX MSR leave the layer unavailable with the reason; per-CPU
 * differences are named in the layer's reason and logged.  Returns 0 when
 * the layer was measured, -1 otherwise.
 */
int hwmsr_collect(const char *dir, struct profile *p);

#endif
