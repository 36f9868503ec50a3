/*
 * whatif.h - what changes in a fleet if some of its hosts ran another
 * kernel: the hosts' profiles as that kernel's KVM would report them
 * (kvmnested.h), a modified copy of the fleet index with them, and its
 * targets and groups compared with the fleet's own (the same order
 * computation, fleet_groups.c, on both).  Only the VMX and eVMCS layers
 * are modelled; CPUID, capabilities and the rest stay as measured.
 */
#ifndef MIGCOMPAT_WHATIF_H
#define MIGCOMPAT_WHATIF_H

#include <stddef.h>

#include "fleet.h"
#include "profile.h"
#include "rules.h"

/* What a host's profile becomes under the asked kernel. */
enum whatif_outcome {
	WHATIF_UNCHANGED = 0,	/* it runs that kernel with those parameters already */
	WHATIF_CHANGED,		/* *out is the profile under the new kernel */
	WHATIF_UNKNOWN,		/* cannot be computed; why says why */
};

/*
 * The profile p's host would report under kernel (a release the model
 * covers: kvmnested_covers(); NULL: the kernel p records, which must be
 * covered) with the kvm_intel parameters params[]
 * ("kvm_intel.NAME=VALUE" or "NAME=VALUE", checked by the caller with
 * kvmnested_param_set()) set over those it records.  The hardware's VMX
 * MSRs are the VMX layer of a hardware profile, else its hw_msrs layer;
 * the result has that VMX layer with source hardware and the new kernel,
 * so the rules judge it through the model.  A host with only what KVM
 * reported is mapped back only where that is exact: the model's rows for
 * its recorded kernel and the new one are the same (kvmnested_rows_differ)
 * and no parameter changes; otherwise, and without a VMX layer, the
 * outcome is unknown.  The eVMCS layers and the per-vCPU VMX values of
 * the old kernel are dropped.  On WHATIF_CHANGED *out is a new profile
 * (hash updated, caller frees); else *out is NULL and why holds the
 * reason (unknown) or is empty.
 */
enum whatif_outcome whatif_profile(const struct profile *p, const char *kernel,
    const char *const *params, size_t n_params, struct profile **out, char *why, size_t whysize);

/*
 * Split "kvm_intel.NAME=VALUE" or "NAME=VALUE": NAME into name (namesize
 * bytes), VALUE returned; NULL when there is no '=' or NAME does not fit.
 */
const char *whatif_param_split(const char *assign, char *name, size_t namesize);

/* A what-if question. */
struct whatif_req {
	const char *const *hosts;	/* the hosts that change kernel, or NULL */
	size_t n_hosts;
	/*
	 * Or every host of one class: its number in the current groups answer
	 * of the same policy ("3") or its hash ("sha256:..."); NULL none.
	 */
	const char *class_sel;
	const char *kernel;		/* NULL: each host's own (params must be given) */
	const char *const *params;	/* kvm_intel.NAME=VALUE */
	size_t n_params;
	int scenario;			/* enum vmspec_scenario, -1 every scenario */
	enum rules_policy policy;
};

/*
 * Answer req on fleet f as JSON text (caller frees; *len its length):
 * {"kernel", "params", "policy", "scenarios", "hosts" (how many change),
 *  "changes": [{"class", "hash", "kernel", "outcome", "reason", "new_hash", "hosts"}],
 *  "unknown": [{"hosts", "reason"}],
 *  "classes": [{"class", "hash", "cpu", "kernel", "new_hash", "new_kernel", "hosts",
 *    "scenarios": {S: {"lost": [{"class", "hash", "new_hash", "hosts", "verdict", "reasons",
 *                                "notes"}],
 *                      "gained": [{"class", "hash", "new_hash", "hosts"}]}}}],
 *  "groups": {"before", "after", "split": [{"class", "hash", "into": [{"hash", "hosts"}]}],
 *             "merged": [{"hash", "from": [{"class", "hash", "hosts"}]}]},
 *  "lost", "gained", "unchanged"}.
 * "classes" lists the sources (hosts of one class before and one after)
 * whose targets change, "class" being the number in the groups answer of
 * the unmodified fleet; a target lost carries the full reasons of the
 * rules engine for the new pair.  Hosts whose outcome is unknown stay as
 * they are in the comparison.  Returns NULL with a message in err and
 * *status 400 (bad kernel, parameter or selection) or 404 (unknown host
 * or class).
 */
char *whatif_json(struct fleet *f, const struct whatif_req *req, size_t *len, unsigned *status,
    char *err, size_t errsize);

#endif
