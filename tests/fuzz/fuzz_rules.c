/*
 * fuzz_rules.c - libFuzzer target: the rules engine on two arbitrary
 * profiles.
 *
 * The input is a source profile, a NUL byte and a destination profile (no
 * NUL: the same document on both sides).  For every scenario and policy:
 * no crash, the fast verdict agrees with the full JSON answer, prepared and
 * unprepared profiles give the same verdict, and a profile is compatible
 * with itself (or unknown where a layer is missing) unless the VM needs
 * what the host cannot give at all (eVMCS on a non-Intel host, the PV bit
 * under the strict policy on a kernel that does not honour it): no pairwise
 * comparison of a profile with itself ever blocks, so a self-check is
 * incompatible only when the check against an unknown source (the libvirt
 * hook's, which looks at the destination's own requirements alone) is too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "profile.h"
#include "rules.h"
#include "vmspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_rules_agree(const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy pol, enum rules_verdict want)
{
	struct json_object *o, *v;
	enum rules_verdict got;

	got = rules_verdict_of(src, dst, vm, pol);
	if (got != want)
		abort();
	o = rules_check_json(src, dst, vm, pol);
	if (o == NULL || !json_object_object_get_ex(o, "verdict", &v) ||
	    strcmp(json_object_get_string(v), rules_verdict_name(got)) != 0)
		abort();
	json_object_put(o);
}

/*
 * Returns 1 if every blocking reason of the check of p against itself is a
 * source value KVM refuses outright (rule "basic-32bit-only").
 */
static int
fuzz_rules_refused_source(const struct profile *p, const struct vmspec *vm,
    enum rules_policy pol)
{
	struct json_object *o, *reasons, *r, *v;
	size_t i, n, blocking = 0;
	int ok = 1;

	o = rules_check_json(p, p, vm, pol);
	if (o == NULL || !json_object_object_get_ex(o, "reasons", &reasons))
		abort();
	n = json_object_array_length(reasons);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(reasons, i);
		if (!json_object_object_get_ex(r, "effect", &v) ||
		    strcmp(json_object_get_string(v), "blocks") != 0)
			continue;
		blocking++;
		if (!json_object_object_get_ex(r, "rule", &v) ||
		    strcmp(json_object_get_string(v), "basic-32bit-only") != 0)
			ok = 0;
	}
	json_object_put(o);
	return ok && blocking > 0;
}

/*
 * A profile against itself blocks only on what the VM needs of the host
 * alone, or on a source value KVM refuses whatever the destination.
 */
static void
fuzz_rules_self(const struct profile *p, const struct vmspec *vm, enum rules_policy pol)
{
	if (rules_verdict_of(p, p, vm, pol) == RULES_INCOMPATIBLE &&
	    rules_verdict_of(NULL, p, vm, pol) != RULES_INCOMPATIBLE &&
	    !fuzz_rules_refused_source(p, vm, pol))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p, q, pp, qp;
	static struct vmspec vm;
	const char *a = (const char *)data, *b;
	size_t alen, blen;
	enum rules_verdict v;
	char err[512];
	int sc, pol;

	b = memchr(a, '\0', size);
	if (b != NULL) {
		alen = (size_t)(b - a);
		b++;
		blen = size - alen - 1;
	} else {
		alen = blen = size;
		b = a;
	}
	profile_init(&p);
	profile_init(&q);
	profile_init(&pp);
	profile_init(&qp);
	if (profile_parse(a, alen, &p, err, sizeof(err)) != 0 ||
	    profile_parse(b, blen, &q, err, sizeof(err)) != 0 ||
	    profile_parse(a, alen, &pp, err, sizeof(err)) != 0 ||
	    profile_parse(b, blen, &qp, err, sizeof(err)) != 0)
		goto cleanup;
	rules_prepare(&pp);
	rules_prepare(&qp);
	for (sc = VMSPEC_PLAIN; sc <= VMSPEC_EVMCS_PV; sc++) {
		vmspec_init(&vm, (enum vmspec_scenario)sc);
		for (pol = RULES_POLICY_STRICT; pol <= RULES_POLICY_EFFECTIVE; pol++) {
			v = rules_verdict_of(&p, &q, &vm, (enum rules_policy)pol);
			fuzz_rules_agree(&p, &q, &vm, (enum rules_policy)pol, v);
			fuzz_rules_agree(&pp, &qp, &vm, (enum rules_policy)pol, v);
			/* The unknown source of the libvirt hook. */
			fuzz_rules_agree(NULL, &qp, &vm, (enum rules_policy)pol,
			    rules_verdict_of(NULL, &q, &vm, (enum rules_policy)pol));
			fuzz_rules_self(&p, &vm, (enum rules_policy)pol);
			fuzz_rules_self(&qp, &vm, (enum rules_policy)pol);
		}
	}
	/* The default scenario (vm NULL). */
	fuzz_rules_agree(&pp, &qp, NULL, RULES_POLICY_STRICT,
	    rules_verdict_of(&p, &q, NULL, RULES_POLICY_STRICT));
	fuzz_rules_self(&pp, NULL, RULES_POLICY_STRICT);
cleanup:
	profile_clear(&p);
	profile_clear(&q);
	profile_clear(&pp);
	profile_clear(&qp);
	return 0;
}
