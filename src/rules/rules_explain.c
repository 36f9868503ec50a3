/*
 * rules_explain.c - the words for a reason: one line of text for an
 * operator and the JSON object of the answer.  Only failures get here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cpuidfeat.h"
#include "jsonu.h"
#include "msrfeat.h"
#include "rules_priv.h"
#include "vmxbits.h"

#define RULES_RULE_NAME(id, name)	[RULES_R_##id] = name,
static const char *const rules_rule_names[RULES_R_NUM] = {
	RULES_RULE_LIST(RULES_RULE_NAME)
};
#undef RULES_RULE_NAME

static const char *const rules_cr0_bits[32] = {
	[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE", [16] = "WP",
	[18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG",
};

static const char *const rules_cr4_bits[32] = {
	[0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE", [5] = "PAE", [6] = "MCE",
	[7] = "PGE", [8] = "PCE", [9] = "OSFXSR", [10] = "OSXMMEXCPT", [11] = "UMIP", [12] = "LA57",
	[13] = "VMXE", [14] = "SMXE", [16] = "FSGSBASE", [17] = "PCIDE", [18] = "OSXSAVE",
	[20] = "SMEP", [21] = "SMAP", [22] = "PKE", [23] = "CET", [24] = "PKS",
};

static const char *const rules_regs[4] = { "eax", "ebx", "ecx", "edx" };

const char *
rules_explain_layer(unsigned layer)
{
	return layer < RULES_LAYER_NUM ? rules_layers[layer].name : "unknown";
}

const char *
rules_explain_rule(unsigned rule)
{
	return rule < RULES_R_NUM ? rules_rule_names[rule] : "unknown";
}

const char *
rules_explain_dkernel(const struct rules_ctx *c)
{
	return c->dstp->kernel[0] != '\0' ? c->dstp->kernel : "unknown";
}

const char *
rules_explain_evsrc(const struct rules_ctx *c, const struct profile *p, char *buf, size_t bufsize)
{
	struct rules_prep tmp;
	const struct rules_prep *s;
	int pv = c->vm->evmcs_pv ? 1 : 0;

	if (p == NULL)
		return "unknown";
	s = rules_prep_of(p, &tmp);
	if (s->ev_kind[pv] == RULES_EV_MEASURED)
		snprintf(buf, bufsize, "measured");
	else if (s->ev_row != NULL && s->ev_nopen > 0) {
		size_t n;
		int j;

		n = (size_t)snprintf(buf, bufsize, "kernel %s, filter row %s", p->kernel[0] != '\0' ?
		    p->kernel : "?", s->ev_row->row);
		for (j = 0; j < s->ev_nopen && n < bufsize; j++)
			n += (size_t)snprintf(buf + n, bufsize - n, ", or %s if it carries %s (stable %s.%u "
			    "on)", s->ev_open_row[j]->row, s->ev_open[j]->commits, s->ev_open[j]->series,
			    s->ev_open[j]->first);
	} else if (s->ev_row != NULL)
		snprintf(buf, bufsize, "kernel %s, filter row %s", p->kernel[0] != '\0' ? p->kernel : "?",
		    s->ev_row->row);
	else
		snprintf(buf, bufsize, "kernel \"%s\"", p->kernel);
	return buf;
}

const char *
rules_explain_vmxbit(const struct rules_reason *r, char *buf, size_t bufsize)
{
	const struct vmxbits_entry *e = vmxbits_lookup(r->msr, (unsigned)r->bit);
	const char *msrname = vmxbits_msr_name(r->msr);
	const char *desc = e != NULL ? e->desc : NULL;
	const char *cr = NULL;

	if (r->msr == MSR_VMX_CR0_FIXED0 && r->bit >= 0 && r->bit < 32)
		cr = rules_cr0_bits[r->bit];
	else if (r->msr == MSR_VMX_CR4_FIXED0 && r->bit >= 0 && r->bit < 32)
		cr = rules_cr4_bits[r->bit];
	if (cr != NULL)
		snprintf(buf, bufsize, "%s.%s (bit %d of %s)", r->msr == MSR_VMX_CR0_FIXED0 ? "CR0" : "CR4",
		    cr, r->bit, msrname != NULL ? msrname : "?");
	else if (desc != NULL)
		snprintf(buf, bufsize, "%s (bit %d of %s)", desc, r->bit, msrname != NULL ? msrname : "?");
	else
		snprintf(buf, bufsize, "bit %d of %s", r->bit, msrname != NULL ? msrname : "?");
	return buf;
}

const char *
rules_explain_cpuidbit(const struct rules_reason *r, char *buf, size_t bufsize)
{
	const struct cpuidfeat_entry *e = cpuidfeat_lookup(r->msr, r->sub, r->reg, (unsigned)r->bit);
	char name[64];

	snprintf(buf, bufsize, "%s (CPUID.(EAX=0x%" PRIx32 ",ECX=%" PRIu32 "):%s bit %d)",
	    e != NULL ? cpuidfeat_name(e, name, sizeof(name)) : "flag", r->msr, r->sub,
	    r->reg < 4 ? (r->reg == 0 ? "EAX" : r->reg == 1 ? "EBX" : r->reg == 2 ? "ECX" : "EDX") : "?",
	    r->bit);
	return buf;
}

/* Also "feature MSR 0x345 bits 5:0 lbr-fmt" for a field. */
const char *
rules_explain_msrbit(const struct rules_reason *r, char *buf, size_t bufsize)
{
	const struct msrfeat_entry *e = r->ref;

	if (e == NULL)
		snprintf(buf, bufsize, "feature MSR 0x%" PRIx32, r->msr);
	else if (e->width > 1)
		snprintf(buf, bufsize, "feature MSR 0x%" PRIx32 " bits %u:%u %s", e->msr,
		    e->bit + e->width - 1, e->bit, e->qemu_name);
	else
		snprintf(buf, bufsize, "feature MSR 0x%" PRIx32 " bit %u %s", e->msr, e->bit, e->qemu_name);
	return buf;
}

const char *
rules_explain_cap(uint32_t id)
{
	int i;

	for (i = 0; i < RULES_CAP_NUM; i++)
		if (rules_caps[i].id == id)
			return rules_caps[i].name;
	return "capability";
}

const char *
rules_explain_text(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	const struct rules_layer_def *l = r->layer < RULES_LAYER_NUM ? &rules_layers[r->layer] : NULL;

	if (l != NULL && l->explain != NULL && l->explain(c, r, buf, bufsize) != NULL)
		return buf;
	/* What the layers leave to the generic words. */
	if (r->rule == RULES_R_LAYER_MISSING)
		snprintf(buf, bufsize, "%s: the %s profile lacks this layer, the other side has it",
		    rules_explain_layer(r->layer), r->side == RULES_SIDE_SRC ? "source" : "destination");
	else
		snprintf(buf, bufsize, "%s: rule %u", rules_explain_layer(r->layer), r->rule);
	return buf;
}

/* The multi-bit fields some VMX rules compare: bit range and name. */
static const struct rules_field {
	unsigned rule;
	const char *bits;
	const char *name;
} rules_fields[] = {
	{ RULES_R_BASIC_REVISION, "30:0", "vmcs-revision" },
	{ RULES_R_BASIC_SIZE, "44:32", "vmcs-region-size" },
	{ RULES_R_MISC_CR3, "24:16", "cr3-target-count" },
	{ RULES_R_MISC_MAXMSR, "27:25", "max-msr-list-size" },
	{ RULES_R_MISC_MSEG, "63:32", "mseg-revision" },
	{ RULES_R_MISC_TIMER_RATE, "4:0", "preemption-timer-rate" },
};

/* The field a rule compares, or NULL for single-bit rules. */
static const struct rules_field *
rules_explain_field(unsigned rule)
{
	size_t i;

	for (i = 0; i < sizeof(rules_fields) / sizeof(rules_fields[0]); i++)
		if (rules_fields[i].rule == rule)
			return &rules_fields[i];
	return NULL;
}

/* A hex string object, or JSON null when the value does not apply. */
static struct json_object *
rules_explain_hex(int present, uint64_t v)
{
	return present ? jsonu_hex(v) : NULL;
}

struct json_object *
rules_explain_json(const struct rules_ctx *c, const struct rules_reason *r)
{
	struct json_object *o = json_object_new_object();
	const struct vmxbits_entry *e;
	const struct cpuidfeat_entry *ce;
	const struct rules_field *f;
	char buf[1024], msr[16];
	const struct msrfeat_entry *me = r->layer == RULES_LAYER_FEATURE_MSR ? r->ref : NULL;
	int vmxish = r->layer == RULES_LAYER_VMX || r->layer == RULES_LAYER_EVMCS ||
	    r->layer == RULES_LAYER_FEATURE_MSR;
	int hasbit = r->bit >= 0;
	int values;

	json_object_object_add(o, "layer", json_object_new_string(rules_explain_layer(r->layer)));
	if (vmxish && r->msr != 0) {
		snprintf(msr, sizeof(msr), "0x%" PRIx32, r->msr);
		json_object_object_add(o, "msr", json_object_new_string(msr));
	} else {
		json_object_object_add(o, "msr", NULL);
	}
	json_object_object_add(o, "bit", hasbit ? json_object_new_int(r->bit) : NULL);
	if ((f = rules_explain_field(r->rule)) != NULL) {
		json_object_object_add(o, "field", json_object_new_string(f->bits));
	} else if (me != NULL && me->width > 1) {
		snprintf(buf, sizeof(buf), "%u:%u", me->bit + me->width - 1, me->bit);
		json_object_object_add(o, "field", json_object_new_string(buf));
	}
	if (r->half != RULES_HALF_NONE) {
		json_object_object_add(o, "half", json_object_new_string(
		    r->half == RULES_HALF_ALLOWED1 ? "allowed-1" : "must-be-1"));
		json_object_object_add(o, "msr_bit",
		    json_object_new_int(r->half == RULES_HALF_ALLOWED1 ? r->bit + 32 : r->bit));
	}

	/* The name: QEMU vmx-* name, else Linux name; the CPUID flag; the capability. */
	if (me != NULL)
		json_object_object_add(o, "name", json_object_new_string(me->qemu_name));
	else if (vmxish && hasbit && (e = vmxbits_lookup(r->msr, (unsigned)r->bit)) != NULL &&
	    (e->qemu_name != NULL || e->linux_name != NULL))
		json_object_object_add(o, "name",
		    json_object_new_string(e->qemu_name != NULL ? e->qemu_name : e->linux_name));
	else if (r->layer == RULES_LAYER_CPUID && hasbit &&
	    (ce = cpuidfeat_lookup(r->msr, r->sub, r->reg, (unsigned)r->bit)) != NULL)
		json_object_object_add(o, "name",
		    json_object_new_string(cpuidfeat_name(ce, buf, sizeof(buf))));
	else if (r->rule == RULES_R_FEATURE_UNKNOWN || r->rule == RULES_R_VM_REQUIRES ||
	    r->rule == RULES_R_FEATURE_NAME ||
	    (r->layer == RULES_LAYER_LIBVIRT && r->ref != NULL))
		json_object_object_add(o, "name", json_object_new_string((const char *)r->ref));
	else if (r->rule == RULES_R_CAP_MISSING)
		json_object_object_add(o, "name", json_object_new_string(rules_explain_cap(r->msr)));
	else if (f != NULL)
		json_object_object_add(o, "name", json_object_new_string(f->name));
	else
		json_object_object_add(o, "name", NULL);

	/* Values: the whole MSR or register, null when a side is unknown. */
	values = (vmxish && r->msr != 0 && r->rule != RULES_R_LAYER_MISSING) || (r->layer == RULES_LAYER_CPUID && hasbit) ||
	    r->rule == RULES_R_TSC_FREQ;
	json_object_object_add(o, "src", rules_explain_hex(values && c->srcp != NULL &&
	    r->side != RULES_SIDE_DST, r->src));
	json_object_object_add(o, "dst", rules_explain_hex(values || r->rule == RULES_R_CAP_MISSING, r->dst));
	if (r->layer == RULES_LAYER_CPUID && hasbit) {
		snprintf(buf, sizeof(buf), "0x%" PRIx32, r->msr);
		json_object_object_add(o, "leaf", json_object_new_string(buf));
		json_object_object_add(o, "subleaf", json_object_new_int64(r->sub));
		json_object_object_add(o, "reg", json_object_new_string(r->reg < 4 ? rules_regs[r->reg] : "?"));
	}
	if (r->rule == RULES_R_CAP_MISSING)
		json_object_object_add(o, "cap", json_object_new_int64(r->msr));
	json_object_object_add(o, "rule", json_object_new_string(rules_explain_rule(r->rule)));
	json_object_object_add(o, "effect", json_object_new_string(r->blocking ? "blocks" : "unknown"));
	json_object_object_add(o, "message", json_object_new_string(rules_explain_text(c, r, buf, sizeof(buf))));
	return o;
}
