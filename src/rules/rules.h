/*
 * rules.h - the rules engine: can a VM described by a vmspec migrate from a
 * host with profile src to a host with profile dst, and if not, why.
 *
 * Pure: profiles and a VM spec in, a verdict out.  It never touches the
 * store, the API, the daemon or the probe.  A check of a compatible pair
 * allocates and formats nothing; reasons are built only for failures.
 */
#ifndef MIGCOMPAT_RULES_H
#define MIGCOMPAT_RULES_H

#include <stdio.h>

#include "profile.h"
#include "vmspec.h"

struct json_object;

enum rules_policy {
	RULES_POLICY_STRICT = 0,	/* PV bit given: destination kernel must honour it */
	RULES_POLICY_EFFECTIVE,		/* only effective filtered bits count */
};

enum rules_verdict {
	RULES_COMPATIBLE = 0,
	RULES_INCOMPATIBLE = 1,
	RULES_UNKNOWN = 3,
};

/* Parse "strict" or "effective".  Returns 0 or -1. */
int rules_policy_parse(const char *s, enum rules_policy *p);
const char *rules_policy_name(enum rules_policy p);
const char *rules_verdict_name(enum rules_verdict v);

/*
 * Derive once what the checks need from a profile (resolved VMX values,
 * eVMCS views per PV bit setting, CPUID flag words, KVM capabilities, TSC)
 * and keep it in p->rules_cache, so that checks involving p neither parse
 * nor search.  The cache is keyed on p's hash: a profile changed and hashed
 * again (profile_update_hash) is derived anew until prepared again; one
 * changed without a new hash must be prepared again.  profile_init() and
 * profile_clear() drop the cache.  Checks work on unprepared profiles too,
 * deriving the same data on the stack each time (slower, still no
 * allocation).  Not needed for correctness, only for speed.
 */
void rules_prepare(struct profile *p);

/*
 * Common to the three checks below:
 *
 * vm NULL means the default scenario (nested, host-passthrough CPU).
 * Layers: "vmx" (the raw VMX MSRs as the destination KVM's
 * vmx_set_vmx_msr accepts them), "evmcs" (the eVMCS-filtered guest view),
 * "cpuid" (vendor and feature flags), "feature_msrs" (the QEMU-named bits
 * of IA32_ARCH_CAPABILITIES, IA32_CORE_CAPABILITIES and
 * IA32_PERF_CAPABILITIES, data/msr-features.tsv), "kvm" (capabilities),
 * "tsc", "libvirt" (machine type, CPU model and Hyper-V enlightenments
 * the destination's libvirt and QEMU offer).  A comparison with the source
 * that neither profile can make is listed as not checked; a layer the VM
 * needs that only one side has makes the verdict unknown, as does an eVMCS
 * question without a known kernel or a measured view, and what the VM
 * requires of the destination when its profile cannot tell (a machine
 * type or CPU model without a usable libvirt layer; KVM capabilities
 * without a KVM layer and without a source).  A blocking reason anywhere
 * makes the verdict incompatible.
 *
 * src NULL: the source host is unknown (the libvirt hook).  Only what the
 * VM spec pins is checked against dst: the vmx-* features it enables must
 * be allowed on dst (and dst must expose nested VMX at all), the CPU
 * features it enables must be in dst's CPUID or feature MSRs, eVMCS must be possible on
 * dst and, with the PV bit and the strict policy, honoured; dst must have
 * the KVM capabilities the VM needs; a pinned TSC frequency must equal
 * dst's or dst must scale the TSC; the machine type, CPU model and
 * enlightenments must be offered by dst's libvirt.
 */

/*
 * The verdict only, without reasons: the fast path for fleet queries.  A
 * compatible pair allocates nothing and formats nothing; an incompatible
 * one stops at the first blocking rule.
 */
enum rules_verdict rules_verdict_of(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

/*
 * The full answer as JSON, exactly as "migcompat check --json" prints it
 * and the API returns it:
 * {"compatible", "verdict", "scenario", "policy", "other_policy_differs",
 *  "reasons": [{"layer", "msr", "bit", "name", "src", "dst", "rule", "message"}],
 *  "not_checked": [...], "notes": [...]}.  New object, caller puts it.
 * "notes" holds sentences that do not change the verdict (a hardware VMX
 * layer without a kernel, compared as it is).
 *
 * Every reason carries all eight keys (null where they do not apply) and
 * "effect" ("blocks" or "unknown").  msr is the MSR index in lower-case hex
 * for vmx, evmcs and feature_msrs reasons.  For control MSRs bit is the control bit
 * (0-31) and "half" says which half ("allowed-1" or "must-be-1"),
 * "msr_bit" the position in the 64-bit MSR; for other MSRs bit is the
 * position in the 64-bit value; rules on multi-bit fields (VMCS
 * revision and size, CR3-target count, MSR-list size, MSEG revision,
 * preemption-timer rate) give the field's lowest bit, "field" ("30:0")
 * and a field name.  name is the QEMU vmx-* name, else the Linux name.  src and dst are the whole MSR (or CPUID register) values in
 * hex, null for an unknown source.  CPUID reasons add "leaf", "subleaf" and
 * "reg", KVM reasons "cap".  "truncated" counts reasons left out beyond
 * RULES_MAX_REASONS (rules_priv.h).
 */
struct json_object *rules_check_json(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

/*
 * What rules_check_json would put first: reasons[0], else not_checked[0]
 * (a string), else NULL; the other reasons are not formatted.  What the
 * fleet's targets answer quotes for each class that fails.  New object,
 * caller puts it.
 */
struct json_object *rules_first_reason_json(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

/*
 * The same answer as text, one line per reason, for the CLI: "verdict:
 * ..." first, then the reasons ("secondary controls: TSC scaling (bit 25
 * of IA32_VMX_PROCBASED_CTLS2) allowed on source, not on destination"),
 * the layers not checked and whether the other policy would differ.
 * Reasons and layer names are escaped as log_vis_print() escapes them (a
 * reason may quote a profile).  Returns the verdict.
 */
enum rules_verdict rules_check_print(FILE *f, const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

#endif
