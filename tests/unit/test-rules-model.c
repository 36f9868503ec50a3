/*
 * test-rules-model.c - hardware VMX layers in the rules engine: a profile
 * whose VMX layer is the silicon's and which records a kernel is judged
 * as that kernel's KVM reports it (the same verdicts as the profile
 * "migcompat emulate" makes of it), unconfirmed rows of the model answer
 * unknown, a kernel outside the model answers unknown, and without a
 * kernel the values are compared as they are, with a note.  Real CPUs:
 * the converted InstLatx64 profiles.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fixture.h"
#include "kvmnested.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"

static const char *const fx[] = {
	"GenuineIntel00206D7_SandyBridgeE_00_CPUID.json",
	"GenuineIntel00306F2_HaswellEP_CPUID.json",
	"GenuineIntel00406F1_BroadwellE_CPUID.json",
	"GenuineIntel0050654_SkylakeXeon_CPUID5.json",
	"GenuineIntel0050657_CascadeLakeSP_CPUID1.json",
	"GenuineIntel00706E5_IceLakeY_CPUID.json",
	"GenuineIntel00806F8_SapphireRapids_05_CPUID.json",
	"GenuineIntel00906EA_CoffeelakeH_CPUID2.json",
};
#define NFX	(sizeof(fx) / sizeof(fx[0]))

/* p as hardware with kernel k ("" none), prepared. */
static void
as_hw(struct profile *p, const char *k)
{
	p->vmx_source = PROFILE_VMX_SRC_HARDWARE;
	util_strlcpy(p->kernel, k, sizeof(p->kernel));
	profile_update_hash(p);
	rules_prepare(p);
}

/* What "migcompat emulate --kernel k" makes of p: the KVM values, emulated. */
static struct profile *
emulated(const struct profile *p, const char *k)
{
	struct kvmnested_params pp;
	struct kvmnested_result res;
	struct profile *q = profile_new();
	char err[256], *s = profile_to_string(p, 0);

	profile_parse(s, strlen(s), q, err, sizeof(err));
	free(s);
	kvmnested_params_default(&pp);
	if (kvmnested_compute(&p->hw_msrs, k, &pp, &res, err, sizeof(err)) == 0)
		q->vmx_raw = res.msrs;
	q->vmx_source = PROFILE_VMX_SRC_EMULATED;
	util_strlcpy(q->vmx_kernel, k, sizeof(q->vmx_kernel));
	util_strlcpy(q->kernel, k, sizeof(q->kernel));
	q->is_dump = 0;
	profile_update_hash(q);
	rules_prepare(q);
	return q;
}

/* Nonzero when the answer has a reason with this rule (and effect, if not NULL). */
static int
has_rule(struct json_object *o, const char *rule, const char *effect)
{
	struct json_object *a, *r, *v;
	size_t i;

	if (!json_object_object_get_ex(o, "reasons", &a))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		r = json_object_array_get_idx(a, i);
		if (json_object_object_get_ex(r, "rule", &v) && strcmp(json_object_get_string(v), rule) == 0 &&
		    (effect == NULL || (json_object_object_get_ex(r, "effect", &v) &&
		    strcmp(json_object_get_string(v), effect) == 0)))
			return 1;
	}
	return 0;
}

static size_t
n_notes(struct json_object *o)
{
	struct json_object *a;

	return json_object_object_get_ex(o, "notes", &a) ? json_object_array_length(a) : 0;
}

static void
test_no_kernel(struct profile **p)
{
	enum rules_verdict before[NFX][NFX][4];
	struct json_object *o;
	struct vmspec vm;
	size_t i, j, sc, same = 0, total = 0;

	for (i = 0; i < NFX; i++)
		for (j = 0; j < NFX; j++)
			for (sc = 0; sc < 4; sc++) {
				vmspec_init(&vm, (enum vmspec_scenario)sc);
				before[i][j][sc] = rules_verdict_of(p[i], p[j], &vm, RULES_POLICY_STRICT);
			}
	for (i = 0; i < NFX; i++)
		as_hw(p[i], "");
	for (i = 0; i < NFX; i++)
		for (j = 0; j < NFX; j++)
			for (sc = 0; sc < 4; sc++) {
				vmspec_init(&vm, (enum vmspec_scenario)sc);
				total++;
				same += rules_verdict_of(p[i], p[j], &vm, RULES_POLICY_STRICT) == before[i][j][sc];
			}
	tap_ok(same == total, "hardware VMX layers without a kernel: the verdicts of %zu/%zu pairs "
	    "x scenarios are those of the same values read as KVM's", same, total);
	vmspec_init(&vm, VMSPEC_NESTED);
	o = rules_check_json(p[0], p[3], &vm, RULES_POLICY_STRICT);
	tap_ok(n_notes(o) == 2 && has_rule(o, "vmcs-revision-equal", "blocks"),
	    "without a kernel, the hardware revisions differ and the answer notes both sides: %s",
	    json_object_to_json_string(o));
	json_object_put(o);
	vmspec_init(&vm, VMSPEC_PLAIN);
	o = rules_check_json(p[3], p[3], &vm, RULES_POLICY_STRICT);
	tap_ok(n_notes(o) == 0, "a plain VM, which does not look at VMX, carries no note");
	json_object_put(o);
}

/* The first release whose rows are all confirmed for every fixture, or NULL. */
static const char *
confirmed_release(struct profile **p)
{
	static const char *const rels[] = { "5.10.0-28-amd64", "5.15.0", "6.12.0", "5.4.0", "6.6.0" };
	struct kvmnested_params pp;
	struct kvmnested_result res;
	char err[256];
	size_t i, k;

	kvmnested_params_default(&pp);
	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		for (k = 0; k < NFX; k++)
			if (kvmnested_compute(&p[k]->vmx_raw, rels[i], &pp, &res, err, sizeof(err)) == -1 ||
			    res.unconfirmed != 0)
				break;
		if (k == NFX)
			return rels[i];
	}
	return NULL;
}

/*
 * The bits of reason r that an unconfirmed row decides on either side
 * (us, ud: kvmnested_result.unconfirmed_bits of source and destination).
 */
static int
reason_unconfirmed(struct json_object *r, const uint64_t *us, const uint64_t *ud)
{
	struct json_object *v;
	uint64_t msr;
	int bit;

	if (!json_object_object_get_ex(r, "msr", &v) || util_parse_hex64(json_object_get_string(v), &msr) == -1 ||
	    msr < VMX_MSR_FIRST || msr > VMX_MSR_LAST)
		return 0;
	if (json_object_object_get_ex(r, "msr_bit", &v))
		bit = json_object_get_int(v);
	else if (json_object_object_get_ex(r, "bit", &v) && json_object_is_type(v, json_type_int))
		bit = json_object_get_int(v);
	else
		return 0;
	if (bit < 0 || bit > 63)
		return 0;
	return ((us[msr - VMX_MSR_FIRST] | ud[msr - VMX_MSR_FIRST]) >> bit & 1) != 0;
}

/*
 * Every release against 5.10 (and back): a VMX reason on a bit an
 * unconfirmed row decides never blocks, and such bits are reported as
 * kvm-model-unconfirmed (unknown) at least once when the table has any.
 */
static void
test_unconfirmed(struct profile *a, struct profile *b)
{
	static const char *const rels[] = {
		"4.20", "5.2", "5.3", "5.4", "5.5", "5.6", "5.10", "5.13", "5.15", "5.16", "5.19",
		"6.1", "6.2", "6.3", "6.6", "6.8", "6.11", "6.12", "6.14",
	};
	struct kvmnested_params pp;
	struct kvmnested_result ra, rb;
	struct json_object *o, *rs, *r, *v;
	struct vmspec vm;
	char err[256];
	static const uint64_t none[VMX_MSR_NUM];
	size_t i, k, dir, bad = 0, unc = 0, any = 0;
	int evmcs;

	kvmnested_params_default(&pp);
	for (i = 0; i < 3 * sizeof(rels) / sizeof(rels[0]); i++) {
		vmspec_init(&vm, i % 3 == 0 ? VMSPEC_NESTED : i % 3 == 1 ? VMSPEC_EVMCS : VMSPEC_EVMCS_PV);
		for (dir = 0; dir < 2; dir++) {
			as_hw(a, dir == 0 ? rels[i / 3] : "5.10.0-28-amd64");
			as_hw(b, dir == 0 ? "5.10.0-28-amd64" : rels[i / 3]);
			if (kvmnested_compute(&a->vmx_raw, a->kernel, &pp, &ra, err, sizeof(err)) == -1 ||
			    kvmnested_compute(&b->vmx_raw, b->kernel, &pp, &rb, err, sizeof(err)) == -1)
				continue;
			any += (ra.unconfirmed | rb.unconfirmed) != 0;
			o = rules_check_json(a, b, &vm, RULES_POLICY_STRICT);
			json_object_object_get_ex(o, "reasons", &rs);
			for (k = 0; k < json_object_array_length(rs); k++) {
				r = json_object_array_get_idx(rs, k);
				json_object_object_get_ex(r, "rule", &v);
				if (strcmp(json_object_get_string(v), "kvm-model-unconfirmed") == 0) {
					unc++;
					continue;
				}
				/*
				 * eVMCS reasons compare the source's values with the
				 * destination's filter, a table of its own: only the
				 * source's unconfirmed bits put them in doubt.
				 */
				json_object_object_get_ex(r, "layer", &v);
				evmcs = strcmp(json_object_get_string(v), "evmcs") == 0;
				json_object_object_get_ex(r, "effect", &v);
				if (strcmp(json_object_get_string(v), "blocks") == 0 &&
				    reason_unconfirmed(r, ra.unconfirmed_bits, evmcs ? none : rb.unconfirmed_bits)) {
					tap_diag("%s -> %s: blocks on an unconfirmed bit: %s", a->kernel, b->kernel,
					    json_object_to_json_string(r));
					bad++;
				}
			}
			json_object_put(o);
		}
	}
	tap_ok(bad == 0, "every release against 5.10 and back, nested and eVMCS VMs: no reason on a bit an "
	    "unconfirmed row decides blocks");
	if (any > 0)
		tap_ok(unc > 0, "the table's unconfirmed rows show as kvm-model-unconfirmed reasons (%zu)", unc);
	else
		tap_skip("unconfirmed rows give kvm-model-unconfirmed: the table has none for these releases");
}

static void
test_with_kernel(struct profile **p)
{
	struct profile *e[NFX];
	struct json_object *o;
	struct vmspec vm;
	const char *rel;
	size_t i, j, sc, same = 0, total = 0;

	/* A release with every row read: the model's values are sure and judged alike. */
	if ((rel = confirmed_release(p)) == NULL) {
		tap_skip("hardware layers judged as emulate's profiles: no release has every row confirmed");
		return;
	}
	for (i = 0; i < NFX; i++) {
		as_hw(p[i], rel);
		e[i] = emulated(p[i], rel);
	}
	for (i = 0; i < NFX; i++)
		for (j = 0; j < NFX; j++)
			for (sc = 0; sc < 4; sc++) {
				vmspec_init(&vm, (enum vmspec_scenario)sc);
				total++;
				same += rules_verdict_of(p[i], p[j], &vm, RULES_POLICY_STRICT) ==
				    rules_verdict_of(e[i], e[j], &vm, RULES_POLICY_STRICT);
			}
	tap_ok(same == total, "hardware layers with kernel %s: %zu/%zu verdicts equal those of the "
	    "profiles emulate makes for %s", rel, same, total, rel);
	vmspec_init(&vm, VMSPEC_NESTED);
	o = rules_check_json(p[0], p[3], &vm, RULES_POLICY_STRICT);
	tap_ok(!has_rule(o, "vmcs-revision-equal", NULL) && n_notes(o) == 0,
	    "with a kernel, both sides report KVM's VMCS revision: no revision reason, no note");
	json_object_put(o);
	for (i = 0; i < NFX; i++)
		profile_free(e[i]);

	/* Releases whose rows are not all read: unknown where those rows decide, never blocking. */
	test_unconfirmed(p[3], p[4]);
	as_hw(p[4], "6.8.0-45-generic");
	tap_ok(rules_verdict_of(p[3], p[3], &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "the same hardware under the same release: the same unconfirmed rows on both sides, compatible");

	/* A kernel the model does not cover. */
	as_hw(p[4], "4.19.0");
	o = rules_check_json(p[3], p[4], &vm, RULES_POLICY_STRICT);
	tap_ok(has_rule(o, "kvm-model", "unknown") &&
	    strstr(json_object_to_json_string(o), "starts at 4.20") != NULL,
	    "kernel 4.19 on a hardware layer: unknown, with the model's reason");
	json_object_put(o);

	/* The profile's kvm_intel parameters go into the model. */
	as_hw(p[4], "5.10.0");
	profile_layer_set(&p[4]->params, LAYER_MEASURED, NULL);
	profile_add_param(p[4], "kvm_intel", "nested", "N");
	profile_update_hash(p[4]);
	rules_prepare(p[4]);
	o = rules_check_json(p[3], p[4], &vm, RULES_POLICY_STRICT);
	tap_ok(strcmp(json_object_get_string(json_object_object_get(o, "verdict")), "compatible") != 0 &&
	    (has_rule(o, "layer-missing", NULL) || has_rule(o, "nested-unavailable", NULL)),
	    "kvm_intel nested=N recorded: the destination's KVM reports no VMX MSRs");
	json_object_put(o);
}

/*
 * The prepared cache is keyed on the profile hash: a profile changed and
 * hashed again (not prepared again) is judged as it is now, the same as a
 * freshly prepared copy.
 */
static void
test_cache_key(struct profile **p)
{
	struct vmspec vm;
	struct profile *fresh;
	struct json_object *a, *b;
	char err[256], *s;
	size_t j, same = 0;

	vmspec_init(&vm, VMSPEC_NESTED);
	as_hw(p[3], "6.8");
	/* Now without a kernel, hashed again but not prepared again. */
	p[3]->kernel[0] = '\0';
	profile_update_hash(p[3]);
	fresh = profile_new();
	s = profile_to_string(p[3], 0);
	profile_parse(s, strlen(s), fresh, err, sizeof(err));
	free(s);
	rules_prepare(fresh);
	for (j = 0; j < NFX; j++) {
		a = rules_check_json(p[3], p[j], &vm, RULES_POLICY_STRICT);
		b = rules_check_json(fresh, p[j], &vm, RULES_POLICY_STRICT);
		same += json_object_equal(a, b);
		json_object_put(a);
		json_object_put(b);
	}
	tap_ok(same == NFX, "a profile changed and hashed again is judged as it is now, not as prepared "
	    "before (%zu/%zu answers equal a fresh copy's)", same, NFX);
	profile_free(fresh);
	rules_prepare(p[3]);
}

int
main(void)
{
	struct profile *p[NFX];
	size_t i, n = 0;

	for (i = 0; i < NFX; i++)
		n += (p[i] = fixture_instlatx64(fx[i])) != NULL;
	if (n != NFX) {
		tap_ok(0, "fixtures loaded (%zu of %zu)", n, NFX);
		return tap_done();
	}
	test_no_kernel(p);
	test_with_kernel(p);
	test_cache_key(p);
	for (i = 0; i < NFX; i++)
		profile_free(p[i]);
	return tap_done();
}
