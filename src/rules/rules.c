/*
 * rules.c - the rules engine's entry points: preparation of profiles, the
 * evaluation of a pair across the layers, verdicts and answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rules_priv.h"
#include "xmalloc.h"

/* The VM of the default scenario: nested, host-passthrough CPU. */
static const struct vmspec rules_default_vm = {
	.scenario = VMSPEC_NESTED,
	.cpu_mode = VMSPEC_CPU_HOST_PASSTHROUGH,
	.nested = 1,
};

static const char *const rules_nc_names[] = {
	"vmx", "evmcs", "cpuid", "kvm", "tsc", "vmx:0x491", "cpu-model", "machine", "hyperv-cpuid",
	"feature-msrs",
};

int
rules_policy_parse(const char *s, enum rules_policy *p)
{
	if (strcmp(s, "strict") == 0)
		*p = RULES_POLICY_STRICT;
	else if (strcmp(s, "effective") == 0)
		*p = RULES_POLICY_EFFECTIVE;
	else
		return -1;
	return 0;
}

const char *
rules_policy_name(enum rules_policy p)
{
	return p == RULES_POLICY_EFFECTIVE ? "effective" : "strict";
}

const char *
rules_verdict_name(enum rules_verdict v)
{
	switch (v) {
	case RULES_COMPATIBLE:
		return "compatible";
	case RULES_INCOMPATIBLE:
		return "incompatible";
	default:
		return "unknown";
	}
}

void
rules_prep_fill(const struct profile *p, struct rules_prep *out)
{
	memset(out, 0, sizeof(*out));
	rules_vmx_prepare(p, out);
	rules_evmcs_prepare(p, out);
	rules_cpuid_prepare(p, out);
	rules_host_prepare(p, out);
	rules_msr_prepare(p, out);
	out->magic = RULES_PREP_MAGIC;
}

void
rules_prepare(struct profile *p)
{
	struct rules_prep tmp;

	_Static_assert(sizeof(struct rules_prep) <= sizeof(p->rules_cache),
	    "PROFILE_RULES_CACHE_WORDS too small for struct rules_prep");
	rules_prep_fill(p, &tmp);
	memset(p->rules_cache, 0, sizeof(p->rules_cache));
	memcpy(p->rules_cache, &tmp, sizeof(tmp));
}

const struct rules_prep *
rules_prep_of(const struct profile *p, struct rules_prep *tmp)
{
	const struct rules_prep *c = (const struct rules_prep *)(const void *)p->rules_cache;

	if (c->magic == RULES_PREP_MAGIC)
		return c;
	rules_prep_fill(p, tmp);
	return tmp;
}

int
rules_add(struct rules_ctx *c, const struct rules_reason *r)
{
	if (r->blocking)
		c->blocked = 1;
	else
		c->unknown = 1;
	if (c->r == NULL)
		return r->blocking;
	if (c->n < c->cap)
		c->r[c->n++] = *r;
	else
		c->dropped++;
	return 0;
}

/* A "layer missing" reason: the VM needs the layer, one side lacks it. */
static int
rules_missing(struct rules_ctx *c, uint8_t layer, uint8_t side)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = layer;
	r.rule = RULES_R_LAYER_MISSING;
	r.side = side;
	r.bit = -1;
	return rules_add(c, &r);
}

/* Evaluate every layer.  The verdict is in c->blocked / c->unknown. */
static void
rules_eval(struct rules_ctx *c, const struct profile *src, const struct profile *dst)
{
	struct rules_prep stmp, dtmp;
	const struct rules_prep *s = NULL, *d;
	const struct vmspec *vm = c->vm;
	int svm_only;

	d = rules_prep_of(dst, &dtmp);
	if (src != NULL)
		s = rules_prep_of(src, &stmp);
	/* Across vendors nothing else is worth saying: the vendor reason stands alone. */
	if (rules_cpuid_vendor(c, s, d) || c->blocked)
		return;

	if (vm->nested) {
		/* On AMD hosts VMX does not apply: nested SVM is judged from CPUID. */
		svm_only = (d->vendor == RULES_VENDOR_AMD || d->vendor == RULES_VENDOR_OTHER) &&
		    (s == NULL || s->vendor == RULES_VENDOR_AMD || s->vendor == RULES_VENDOR_OTHER);
		if (svm_only) {
			/* Nothing here: the CPUID layer carries SVM. */
		} else if (s == NULL) {
			if (d->has_vmx) {
				if (rules_vmx_check(c, NULL, d))
					return;
			} else if (rules_missing(c, RULES_LAYER_VMX, RULES_SIDE_DST)) {
				return;
			}
		} else if (s->has_vmx && d->has_vmx) {
			if (rules_vmx_check(c, s, d))
				return;
		} else if (s->has_vmx || d->has_vmx) {
			if (rules_missing(c, RULES_LAYER_VMX, s->has_vmx ? RULES_SIDE_DST : RULES_SIDE_SRC))
				return;
		} else {
			c->not_checked |= RULES_NC_VMX;
		}
		if (vm->evmcs && rules_evmcs_check(c, s, d))
			return;
	}
	if (rules_cpuid_check(c, s, d))
		return;
	if (rules_msr_check(c, s, d))
		return;
	if (rules_host_check(c, s, d))
		return;
	if (vm->machine[0] != '\0')
		c->not_checked |= RULES_NC_MACHINE;
}

/* The verdict of an evaluated context. */
static enum rules_verdict
rules_ctx_verdict(const struct rules_ctx *c)
{
	if (c->blocked)
		return RULES_INCOMPATIBLE;
	return c->unknown ? RULES_UNKNOWN : RULES_COMPATIBLE;
}

enum rules_verdict
rules_verdict_of(const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy policy)
{
	struct rules_ctx c;

	c.vm = vm != NULL ? vm : &rules_default_vm;
	c.policy = policy;
	c.srcp = src;
	c.dstp = dst;
	c.r = NULL;
	c.cap = c.n = c.dropped = 0;
	c.blocked = c.unknown = c.stop = 0;
	c.not_checked = 0;
	rules_eval(&c, src, dst);
	return rules_ctx_verdict(&c);
}

/* Evaluate with reasons.  c->r must be freed by the caller. */
static void
rules_eval_full(struct rules_ctx *c, const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm != NULL ? vm : &rules_default_vm;
	c->policy = policy;
	c->srcp = src;
	c->dstp = dst;
	c->cap = RULES_MAX_REASONS;
	c->r = xcalloc(c->cap, sizeof(*c->r));
	rules_eval(c, src, dst);
}

/* Would the other policy give another verdict? */
static int
rules_other_differs(const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy policy, enum rules_verdict v)
{
	enum rules_policy other = policy == RULES_POLICY_STRICT ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT;

	return rules_verdict_of(src, dst, vm, other) != v;
}

struct json_object *
rules_check_json(const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy policy)
{
	struct json_object *o, *reasons, *nc;
	struct rules_ctx c;
	enum rules_verdict v;
	size_t i;

	rules_eval_full(&c, src, dst, vm, policy);
	v = rules_ctx_verdict(&c);
	o = json_object_new_object();
	json_object_object_add(o, "compatible", json_object_new_boolean(v == RULES_COMPATIBLE));
	json_object_object_add(o, "verdict", json_object_new_string(rules_verdict_name(v)));
	json_object_object_add(o, "scenario",
	    json_object_new_string(vmspec_scenario_name(vmspec_scenario_of(c.vm))));
	json_object_object_add(o, "policy", json_object_new_string(rules_policy_name(policy)));
	json_object_object_add(o, "other_policy_differs",
	    json_object_new_boolean(rules_other_differs(src, dst, vm, policy, v)));
	reasons = json_object_new_array();
	for (i = 0; i < c.n; i++)
		json_object_array_add(reasons, rules_explain_json(&c, &c.r[i]));
	json_object_object_add(o, "reasons", reasons);
	if (c.dropped > 0)
		json_object_object_add(o, "truncated", json_object_new_int64((int64_t)c.dropped));
	nc = json_object_new_array();
	for (i = 0; i < sizeof(rules_nc_names) / sizeof(rules_nc_names[0]); i++)
		if (c.not_checked & (1u << i))
			json_object_array_add(nc, json_object_new_string(rules_nc_names[i]));
	json_object_object_add(o, "not_checked", nc);
	free(c.r);
	return o;
}

enum rules_verdict
rules_check_print(FILE *f, const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy policy)
{
	struct rules_ctx c;
	enum rules_verdict v;
	char line[1024];
	size_t i;
	int first = 1;

	rules_eval_full(&c, src, dst, vm, policy);
	v = rules_ctx_verdict(&c);
	fprintf(f, "%s (scenario %s, policy %s)\n", rules_verdict_name(v),
	    vmspec_scenario_name(vmspec_scenario_of(c.vm)), rules_policy_name(policy));
	for (i = 0; i < c.n; i++)
		fprintf(f, "%s%s\n", c.r[i].blocking ? "" : "unknown: ",
		    rules_explain_text(&c, &c.r[i], line, sizeof(line)));
	if (c.dropped > 0)
		fprintf(f, "... and %zu more reasons\n", c.dropped);
	for (i = 0; i < sizeof(rules_nc_names) / sizeof(rules_nc_names[0]); i++) {
		if ((c.not_checked & (1u << i)) == 0)
			continue;
		fprintf(f, "%s%s", first ? "not checked: " : ", ", rules_nc_names[i]);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
	if (rules_other_differs(src, dst, vm, policy, v))
		fprintf(f, "policy %s would answer %s\n",
		    rules_policy_name(policy == RULES_POLICY_STRICT ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT),
		    rules_verdict_name(rules_verdict_of(src, dst, vm,
		    policy == RULES_POLICY_STRICT ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT)));
	free(c.r);
	return v;
}
