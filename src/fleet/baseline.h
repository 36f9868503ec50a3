/*
 * baseline.h - the most capable configuration that every host of a set
 * accepts for a scenario: what VMware EVC gives a cluster, for nested and
 * eVMCS guests too.  A VM started with it can move anywhere in the set.
 *
 * The baseline is the intersection of the hosts, layer by layer: VMX
 * control allowed-1 halves ANDed and must-be-1 halves ORed, EPT/VPID and
 * VMFUNC ANDed, MISC feature bits ANDed and its counts at their minimum,
 * BASIC as KVM accepts it (same revision, largest VMCS size, feature bits
 * ANDed), CR0/CR4 FIXED0 ORed, the eVMCS-filtered views ANDed, CPUID
 * feature flags ANDed, KVM capabilities at their minimum, TSC scaling only
 * if every host scales.  It is emitted as a profile (usable as the source
 * of any check), the VMX MSR values, a libvirt <cpu> element and a QEMU
 * -cpu string.
 */
#ifndef MIGCOMPAT_BASELINE_H
#define MIGCOMPAT_BASELINE_H

#include <stddef.h>

#include "cpuout.h"
#include "profile.h"
#include "rules.h"
#include "vmspec.h"

struct json_object;

/*
 * Compute the baseline of the n profiles hosts (n >= 1) for scenario sc
 * into out (initialised by the caller; its hash is set).  Fails, with a
 * message naming the hosts (names[i] for hosts[i]; names may be NULL)
 * and the field, when no configuration can satisfy every host: different
 * CPU vendors, VMCS revisions or MSEG revisions, a control one host forces
 * on that another lacks, or (nested scenarios) a host without VMX data.
 * Returns 0 or -1.
 */
int baseline_compute(const struct profile *const *hosts, const char *const *names, size_t n,
    enum vmspec_scenario sc, struct profile *out, char *err, size_t errsize);

/*
 * The whole answer: compute the baseline and check it, as the source, with
 * the rules engine against every host under policy.  New JSON object
 * (caller puts it):
 * {"scenario", "policy", "n_hosts", "hash", "vmx_msrs": {"0x480": ...},
 *  "versions": {"qemu", "qemu_from", "libvirt", "libvirt_from"},
 *  "libvirt_cpu", "qemu_cpu", "notes": [...],
 *  "check": {"compatible": N, "incompatible": N, "unknown": N,
 *            "failures": [{"host", "verdict", "reasons"}...]},
 *  "profile": {...}}.
 * Returns NULL with a message in err when baseline_compute fails.
 */
struct json_object *baseline_json(const struct profile *const *hosts, const char *const *names,
    size_t n, enum vmspec_scenario sc, enum rules_policy policy, char *err, size_t errsize);

/*
 * The same, with the CPU rendered (cpuout.h) for the oldest QEMU and
 * libvirt the hosts' libvirt layers record, and for cl's releases where a
 * host records none (cl NULL: the newest the tables cover, said in notes).
 */
struct json_object *baseline_json_for(const struct profile *const *hosts, const char *const *names,
    size_t n, enum vmspec_scenario sc, enum rules_policy policy, const struct cpuout_clients *cl,
    char *err, size_t errsize);

#endif
