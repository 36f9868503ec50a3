/*
 * guestprobe.h - the probe guest's three runs: the plain guest view of the
 * VMX MSRs (and whether this KVM runs a guest at all), the eVMCS view as
 * QEMU configures it, and the eVMCS view with the PV bit set.
 */
#ifndef MIGCOMPAT_GUESTPROBE_H
#define MIGCOMPAT_GUESTPROBE_H

#include "profile.h"

/*
 * Run the probe guest on the open KVM device kvmfd, each run in a child
 * under a deadline of timeout_ms, and fill p->guest and p->evmcs_measured.
 * Needs p's capability and CPUID layers.  Run (1) happens whenever the
 * supported CPUID is known; runs (2) and (3) need VMX, KVM's eVMCS
 * capability and run (1) to have succeeded.  A run that times out or fails
 * stops the later ones (each would cost another deadline).  The eVMCS
 * layer is measured when at least run (2) succeeded; otherwise it is
 * unavailable with the step and errno, and keeps the plain view when run
 * (1) gave one.  Never fails: every outcome is a layer status and reason.
 */
void guestprobe_collect(int kvmfd, unsigned timeout_ms, struct profile *p);

/* Mark both layers unavailable because the probe guest was not run: why. */
void guestprobe_skip(struct profile *p, const char *why);

#endif
