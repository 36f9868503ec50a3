/*
 * vmcpu.h - the CPU a VM gets, as libvirt and QEMU of given releases build
 * it: the named model (QEMU's definition of the version the machine type
 * selects, libvirt's where QEMU has no such model), the features the VM
 * spec turns on or off, the host's features for host-passthrough and
 * maximum, and QEMU's feature_dependencies[] applied on top.  The rules
 * judge that set, not the raw configuration: a vmx-* control whose
 * dependency the VM lacks is dropped by QEMU, so it is not used.
 *
 * Sets are cpunames_set over cpunames_table (cpunames.h).  Pure: no I/O,
 * no allocation.
 */
#ifndef MIGCOMPAT_VMCPU_H
#define MIGCOMPAT_VMCPU_H

#include <stddef.h>

#include "cpunames.h"
#include "vmspec.h"

struct profile;

/* Names the tables do not know that are kept for the answer. */
#define VMCPU_UNKNOWN_MAX	8

struct vmcpu {
	int from_host;			/* the host's set is the base (host-passthrough, maximum,
					   host-model not yet expanded) */
	int model_known;		/* custom: the model resolved (0 also when none was given) */
	int model_libvirt;		/* the model came from libvirt's table, not QEMU's */
	unsigned model_version;		/* QEMU model version used, 0 none */
	struct cpunames_set model;	/* the model's features (custom), before the dependency pass */
	struct cpunames_set req;	/* required or forced by the spec */
	struct cpunames_set off;	/* disabled or forbidden by the spec */
	struct cpunames_set forbid;	/* forbidden: a host that has one cannot run the VM */
	struct cpunames_set on;		/* custom: the effective set (dependencies applied) */
	struct cpunames_set dropped;	/* custom: removed by the dependency pass */
	struct cpunames_set req_dropped;	/* required by the spec, yet removed by it (QEMU warns) */
	const char *unknown[VMCPU_UNKNOWN_MAX];	/* names no table knows (point into the spec) */
	size_t n_unknown;
	char qemu[16];			/* the QEMU release used, "" the newest the tables cover */
	char libvirt[16];		/* the libvirt release used, likewise */
};

/*
 * Compute the VM's CPU from spec as QEMU release qemu_release and libvirt
 * release libvirt_release (NULL or "": the newest the tables cover) build
 * it, into out.  hv-* names are not CPU features and are skipped.  Names
 * the tables do not know are listed in out->unknown (never guessed); a
 * custom model neither table knows leaves model_known 0 and the model set
 * empty.  Always succeeds.
 */
void vmcpu_compute(const struct vmspec *spec, const char *qemu_release, const char *libvirt_release,
    struct vmcpu *out);

/*
 * vmcpu_compute for the releases the source host src records in its
 * libvirt layer (layers.libvirt qemu_version, libvirt_version): what the
 * VM is there.  src NULL, or no versions recorded: the newest the tables
 * cover.
 */
void vmcpu_compute_src(const struct vmspec *spec, const struct profile *src, struct vmcpu *out);

/*
 * The features host p offers, as table entries: CPUID flags (cpuid layer),
 * feature-MSR bits (feature_msrs layer), VMX capability bits (vmx layer:
 * a control's allowed-1 bit, any other MSR's value bit).  A layer the
 * profile lacks adds nothing.
 */
void vmcpu_profile_set(const struct profile *p, struct cpunames_set *out);

/*
 * The features the VM uses on a host offering host (vmcpu_profile_set):
 * from_host, the host's set plus the spec's required features minus its
 * disabled ones, then QEMU's dependency pass; otherwise c->on.  The
 * entries the pass removed go to *dropped (cleared first; may be NULL).
 */
void vmcpu_effective(const struct vmcpu *c, const struct cpunames_set *host, struct cpunames_set *out,
    struct cpunames_set *dropped);

/*
 * 1 if the VM does not use entry e although a spec or the host would give
 * it: disabled, or removed by QEMU's dependency pass (with eff the
 * effective set of vmcpu_effective).  0 otherwise.
 */
int vmcpu_not_used(const struct vmcpu *c, const struct cpunames_set *eff, const struct cpunames_entry *e);

/*
 * Add to spec, disabled with policy VMSPEC_POLICY_DEPENDENCY, every
 * feature QEMU release qemu_release (NULL: the newest the tables cover)
 * drops whatever the host offers because a feature it depends on is
 * disabled in spec: the BNDCFGS controls of a VM without mpx, the
 * ARCH_CAPABILITIES bits of one without arch-capabilities.  Feature-MSR
 * bits and (nested specs only) VMX capabilities; CPUID flags stay as the
 * spec lists them; names spec lists itself are left alone.  So the
 * rules never require of a destination what the VM cannot use.  When the
 * feature list fills up the rest is left out (the answer is then only
 * stricter).  Returns the number added.
 */
size_t vmcpu_spec_dependencies(struct vmspec *spec, const char *qemu_release);

/* The version text of out's releases for answers: "QEMU 7.2, libvirt 9.0" or "... (newest known)". */
void vmcpu_versions(const struct vmcpu *c, char *buf, size_t bufsize);

#endif
