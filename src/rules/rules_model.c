/*
 * rules_model.c - a hardware VMX layer judged as KVM reports it: the
 * rules compare what the VMM reads from KVM, so the silicon's values of a
 * profile that records its kernel go through that release's model of
 * KVM's nested VMX MSRs (kvmnested.h) before anything is derived from
 * them.  Done once when the profile is prepared, never per check.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kvmnested.h"
#include "rules_priv.h"

/* The kvm_intel parameters a profile records, defaults for the others. */
void
rules_model_params(const struct profile *p, struct kvmnested_params *pp)
{
	static const char *const names[] = {
		"nested", "ept", "unrestricted_guest", "vpid", "flexpriority", "eptad",
		"enable_apicv", "enable_shadow_vmcs", "enable_ipiv", "pt_mode", "pml",
	};
	char assign[64], err[128];
	const char *v;
	size_t i, n, m;

	kvmnested_params_default(pp);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = profile_param_get(p, "kvm_intel", names[i])) == NULL)
			continue;
		/* "NAME=VALUE" without the printf family (see rules.h: nothing is formatted). */
		n = strlen(names[i]);
		m = strlen(v);
		if (n + 1 + m >= sizeof(assign))
			continue;
		memcpy(assign, names[i], n);
		assign[n] = '=';
		memcpy(assign + n + 1, v, m + 1);
		/* A value the model cannot read (pt_mode 2) keeps the default. */
		(void)kvmnested_param_set(pp, assign, err, sizeof(err));
	}
}

const struct profile *
rules_model_apply(const struct profile *p, struct profile *tmp, struct rules_prep *out)
{
	struct kvmnested_params pp;
	struct kvmnested_result res;
	char err[256];
	int a, b, c, slot;

	if (!profile_layer_ok(&p->vmx) || profile_vmx_source(p) != PROFILE_VMX_SRC_HARDWARE)
		return p;
	if (p->kernel[0] == '\0') {
		out->vmx_model = RULES_MODEL_RAW;
		return p;
	}
	rules_model_params(p, &pp);
	if (kvmnested_compute(&p->vmx_raw, p->kernel, &pp, &res, err, sizeof(err)) == -1 ||
	    kvmnested_release(p->kernel, &a, &b, &c) == -1) {
		out->vmx_model = RULES_MODEL_FAILED;
		return p;
	}
	memcpy(tmp, p, sizeof(*tmp));
	tmp->vmx_raw = res.msrs;
	/* KVM lists 0x491 itself: nothing is left unreported. */
	tmp->is_dump = 0;
	if (!pp.nested)
		tmp->vmx.status = LAYER_UNAVAILABLE;
	out->vmx_model = RULES_MODEL_APPLIED;
	out->vmx_release = (uint32_t)(a * 1000 + b);
	for (slot = 0; slot < RULES_V_NUM; slot++) {
		uint32_t msr = rules_vmx_slot_msr[slot];

		out->vmx_unk[slot] = res.unconfirmed_bits[msr - VMX_MSR_FIRST];
		/* A TRUE control slot stands for its twin too. */
		if (msr >= MSR_VMX_TRUE_PINBASED && msr <= MSR_VMX_TRUE_ENTRY)
			out->vmx_unk[slot] |= res.unconfirmed_bits[msr - (MSR_VMX_TRUE_PINBASED -
			    MSR_VMX_PINBASED) - VMX_MSR_FIRST];
	}
	return tmp;
}

int
rules_model_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	struct rules_reason r;

	if ((s == NULL || s->vmx_model != RULES_MODEL_RAW) && d->vmx_model != RULES_MODEL_RAW &&
	    (s == NULL || s->vmx_model != RULES_MODEL_FAILED) && d->vmx_model != RULES_MODEL_FAILED)
		return 0;
	if (s != NULL && s->vmx_model == RULES_MODEL_RAW)
		c->notes |= RULES_NOTE_HW_SRC;
	if (d->vmx_model == RULES_MODEL_RAW)
		c->notes |= RULES_NOTE_HW_DST;
	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_VMX;
	r.rule = RULES_R_KVM_MODEL;
	r.bit = -1;
	r.msr = MSR_VMX_BASIC;
	if (s != NULL && s->vmx_model == RULES_MODEL_FAILED) {
		r.side = RULES_SIDE_SRC;
		if (rules_add(c, &r))
			return 1;
	}
	if (d->vmx_model == RULES_MODEL_FAILED) {
		r.side = RULES_SIDE_DST;
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

const char *
rules_model_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	const struct profile *p = r->side == RULES_SIDE_SRC ? c->srcp : c->dstp;
	struct kvmnested_params pp;
	struct kvmnested_result res;
	char err[256] = "";

	if (r->rule == RULES_R_KVM_MODEL) {
		if (p != NULL) {
			rules_model_params(p, &pp);
			(void)kvmnested_compute(&p->vmx_raw, p->kernel, &pp, &res, err, sizeof(err));
		}
		snprintf(buf, bufsize, "VMX: the %s's VMX layer holds the hardware's values and KVM's view "
		    "of them under kernel %s cannot be computed (%s)",
		    r->side == RULES_SIDE_SRC ? "source" : "destination",
		    p != NULL && p->kernel[0] != '\0' ? p->kernel : "(none)", err);
		return buf;
	}
	if (r->rule == RULES_R_KVM_UNCONFIRMED) {
		char bit[160];

		snprintf(buf, bufsize, "%s: %s%s on the %s depends on rows of the KVM model "
		    "(data/kvm-nested-vmx.tsv) unconfirmed for kernel %s",
		    r->layer == RULES_LAYER_EVMCS ? "eVMCS" : "VMX", rules_explain_vmxbit(r, bit, sizeof(bit)),
		    r->half == RULES_HALF_MUSTBE1 ? ", must be 1" : r->half == RULES_HALF_ALLOWED1 ? ", allowed" : "",
		    r->side == RULES_SIDE_SRC ? "source" : r->side == RULES_SIDE_DST ? "destination" :
		    "source and destination",
		    r->side == RULES_SIDE_DST ? (c->dstp != NULL ? c->dstp->kernel : "?") :
		    (c->srcp != NULL ? c->srcp->kernel : "?"));
		return buf;
	}
	return NULL;
}

const char *
rules_model_note(unsigned note)
{
	switch (note) {
	case RULES_NOTE_HW_SRC:
		return "the source's VMX layer holds the hardware's values and its profile records no "
		    "kernel: compared as they are, not as KVM would report them";
	case RULES_NOTE_HW_DST:
		return "the destination's VMX layer holds the hardware's values and its profile records no "
		    "kernel: compared as they are, not as KVM would report them";
	default:
		return NULL;
	}
}
