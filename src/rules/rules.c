/*
 * rules.c - the rules engine's entry points: preparation of profiles, the
 * evaluation of a pair across the layers, verdicts and answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "rules_priv.h"
#include "xmalloc.h"

/* The VM of the default scenario: nested, host-passthrough CPU. */
static const struct vmspec rules_default_vm = {
	.scenario = VMSPEC_NESTED,
	.cpu_mode = VMSPEC_CPU_HOST_PASSTHROUGH,
	.nested = 1,
};

const struct rules_layer_def rules_layers[RULES_LAYER_NUM] = {
	[RULES_LAYER_LIBVIRT] = { "libvirt", { NULL },
	    NULL, rules_libvirt_check, rules_libvirt_explain },
	[RULES_LAYER_VMX] = { "vmx", { "vmx", "vmx:0x491" },
	    rules_vmx_prepare, rules_vmx_check, rules_vmx_explain },
	[RULES_LAYER_EVMCS] = { "evmcs", { "evmcs" },
	    rules_evmcs_prepare, rules_evmcs_check, rules_evmcs_explain },
	[RULES_LAYER_CPUID] = { "cpuid", { "cpuid", "cpu-model" },
	    rules_cpuid_prepare, rules_cpuid_check, rules_cpuid_explain },
	[RULES_LAYER_FEATURE_MSR] = { "feature_msrs", { "feature-msrs" },
	    rules_msr_prepare, rules_msr_check, rules_msr_explain },
	[RULES_LAYER_KVM] = { "kvm", { "kvm", "hyperv-cpuid" },
	    rules_host_kvm_prepare, rules_host_kvm_check, rules_host_kvm_explain },
	[RULES_LAYER_TSC] = { "tsc", { "tsc" },
	    rules_host_tsc_prepare, rules_host_tsc_check, rules_host_tsc_explain },
};
_Static_assert(RULES_LAYER_NUM * RULES_NC_PER_LAYER <= 64, "not_checked has 64 bits");

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
	const struct profile *judged;
	struct profile tmp;
	int i;

	memset(out, 0, sizeof(*out));
	/* A hardware VMX layer is judged as its kernel's KVM reports it. */
	judged = rules_model_apply(p, &tmp, out);
	for (i = 0; i < RULES_LAYER_NUM; i++)
		if (rules_layers[i].prepare != NULL)
			rules_layers[i].prepare(judged, out);
	memcpy(out->key, p->hash + RULES_PREP_KEY_OFF, sizeof(out->key));
	out->magic = RULES_PREP_MAGIC;
}

void
rules_prepare(struct profile *p)
{
	struct rules_prep tmp;

	_Static_assert(RULES_PREP_KEY_OFF + RULES_PREP_KEY_LEN <= sizeof(p->hash), "hash too short");
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

	/* Prepared for this content: a profile changed and hashed again derives anew. */
	if (c->magic == RULES_PREP_MAGIC && memcmp(c->key, p->hash + RULES_PREP_KEY_OFF, sizeof(c->key)) == 0)
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

/*
 * Evaluate every layer, in table order.  The verdict is in c->blocked /
 * c->unknown.
 */
static void
rules_eval(struct rules_ctx *c, const struct profile *src, const struct profile *dst)
{
	struct rules_prep stmp, dtmp;
	const struct rules_prep *s = NULL, *d;
	int i;

	d = rules_prep_of(dst, &dtmp);
	if (src != NULL)
		s = rules_prep_of(src, &stmp);
	/* Across vendors nothing else is worth saying: the vendor reason stands alone. */
	if (rules_cpuid_vendor(c, s, d) || c->blocked)
		return;
	for (i = 0; i < RULES_LAYER_NUM; i++)
		if (rules_layers[i].check(c, s, d))
			return;
}

/* Call fn(name, arg) for every not_checked item of c, in layer order. */
static void
rules_nc_each(const struct rules_ctx *c, void (*fn)(const char *name, void *arg), void *arg)
{
	int i, k;

	for (i = 0; i < RULES_LAYER_NUM; i++)
		for (k = 0; k < RULES_NC_PER_LAYER; k++)
			if ((c->not_checked & RULES_NC_BIT(i, k)) && rules_layers[i].nc[k] != NULL)
				fn(rules_layers[i].nc[k], arg);
}

/* rules_nc_each() callbacks: a JSON array, a text line. */
static void
rules_nc_json(const char *name, void *arg)
{
	json_object_array_add(arg, json_object_new_string(name));
}

struct rules_nc_line {
	FILE *f;
	int first;
};

static void
rules_nc_text(const char *name, void *arg)
{
	struct rules_nc_line *l = arg;

	fputs(l->first ? "not checked: " : ", ", l->f);
	log_vis_print(l->f, name, 0);
	l->first = 0;
}

/* The notes of an evaluated context, as a JSON array of sentences. */
static struct json_object *
rules_notes_json(const struct rules_ctx *c)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < 32; i++)
		if ((c->notes >> i & 1) && rules_model_note(1u << i) != NULL)
			json_object_array_add(a, json_object_new_string(rules_model_note(1u << i)));
	return a;
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
	c.notes = 0;
	c.field_doubt = 0;
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
	rules_nc_each(&c, rules_nc_json, nc);
	json_object_object_add(o, "not_checked", nc);
	json_object_object_add(o, "notes", rules_notes_json(&c));
	free(c.r);
	return o;
}

struct json_object *
rules_first_reason_json(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy)
{
	struct json_object *o = NULL, *nc;
	struct rules_ctx c;

	rules_eval_full(&c, src, dst, vm, policy);
	if (c.n > 0) {
		o = rules_explain_json(&c, &c.r[0]);
	} else {
		nc = json_object_new_array();
		rules_nc_each(&c, rules_nc_json, nc);
		if (json_object_array_length(nc) > 0)
			o = json_object_get(json_object_array_get_idx(nc, 0));
		json_object_put(nc);
	}
	free(c.r);
	return o;
}

enum rules_verdict
rules_check_print(FILE *f, const struct profile *src, const struct profile *dst, const struct vmspec *vm,
    enum rules_policy policy)
{
	struct rules_nc_line line = { f, 1 };
	struct rules_ctx c;
	enum rules_verdict v;
	char text[1024];
	size_t i;

	rules_eval_full(&c, src, dst, vm, policy);
	v = rules_ctx_verdict(&c);
	fprintf(f, "%s (scenario %s, policy %s)\n", rules_verdict_name(v),
	    vmspec_scenario_name(vmspec_scenario_of(c.vm)), rules_policy_name(policy));
	for (i = 0; i < c.n; i++) {
		fputs(c.r[i].blocking ? "" : "unknown: ", f);
		log_vis_print(f, rules_explain_text(&c, &c.r[i], text, sizeof(text)), 0);
		fputc('\n', f);
	}
	if (c.dropped > 0)
		fprintf(f, "... and %zu more reasons\n", c.dropped);
	rules_nc_each(&c, rules_nc_text, &line);
	if (!line.first)
		fputc('\n', f);
	for (i = 0; i < 32; i++)
		if ((c.notes >> i & 1) && rules_model_note(1u << i) != NULL)
			fprintf(f, "note: %s\n", rules_model_note(1u << i));
	if (rules_other_differs(src, dst, vm, policy, v))
		fprintf(f, "policy %s would answer %s\n",
		    rules_policy_name(policy == RULES_POLICY_STRICT ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT),
		    rules_verdict_name(rules_verdict_of(src, dst, vm,
		    policy == RULES_POLICY_STRICT ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT)));
	free(c.r);
	return v;
}
