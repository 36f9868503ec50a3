/*
 * rules_host.c - the KVM capability and TSC layers, and the QEMU
 * migration blockers that follow from the VM spec alone.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules_priv.h"

const struct rules_cap_info rules_caps[RULES_CAP_NUM] = {
	[RULES_CAP_HYPERV] = { 73, "KVM_CAP_HYPERV" },
	[RULES_CAP_HYPERV_TIME] = { 96, "KVM_CAP_HYPERV_TIME" },
	[RULES_CAP_HYPERV_SYNIC] = { 123, "KVM_CAP_HYPERV_SYNIC" },
	[RULES_CAP_HYPERV_VP_INDEX] = { 135, "KVM_CAP_HYPERV_VP_INDEX" },
	[RULES_CAP_HYPERV_TLBFLUSH] = { 155, "KVM_CAP_HYPERV_TLBFLUSH" },
	[RULES_CAP_NESTED_STATE] = { 157, "KVM_CAP_NESTED_STATE" },
	[RULES_CAP_HYPERV_SEND_IPI] = { 161, "KVM_CAP_HYPERV_SEND_IPI" },
	[RULES_CAP_HYPERV_EVMCS] = { 163, "KVM_CAP_HYPERV_ENLIGHTENED_VMCS" },
	[RULES_CAP_EXCEPTION_PAYLOAD] = { 164, "KVM_CAP_EXCEPTION_PAYLOAD" },
	[RULES_CAP_HYPERV_DIRECT_TLBFLUSH] = { 175, "KVM_CAP_HYPERV_DIRECT_TLBFLUSH" },
	[RULES_CAP_HYPERV_ENFORCE_CPUID] = { 199, "KVM_CAP_HYPERV_ENFORCE_CPUID" },
};

/* KVM's default tolerance for a TSC frequency without scaling (tsc_tolerance_ppm). */
#define RULES_TSC_TOLERANCE_PPM	250

void
rules_host_kvm_prepare(const struct profile *p, struct rules_prep *out)
{
	int i;

	out->has_kvm = profile_layer_ok(&p->kvm) ? 1 : 0;
	out->caps = 0;
	for (i = 0; i < RULES_CAP_NUM; i++)
		if (profile_cap(p, rules_caps[i].id) > 0)
			out->caps |= 1u << i;
}

void
rules_host_tsc_prepare(const struct profile *p, struct rules_prep *out)
{
	out->has_tsc = profile_layer_ok(&p->tsc) && p->tsc_khz != 0 ? 1 : 0;
	out->tsc_khz = p->tsc_khz;
	out->tsc_scaling = p->tsc_scaling ? 1 : 0;
}

/* A reason of the kvm or tsc layer. */
static int
rules_host_note(struct rules_ctx *c, uint8_t layer, uint8_t rule, int blocking, uint8_t side,
    uint32_t cap, uint64_t src, uint64_t dst)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = layer;
	r.rule = rule;
	r.blocking = (uint8_t)blocking;
	r.side = side;
	r.bit = -1;
	r.msr = cap;
	r.src = src;
	r.dst = dst;
	return rules_add(c, &r);
}

/* The capabilities the VM needs, one bit per enum rules_cap. */
static uint32_t
rules_host_needed(const struct vmspec *vm, unsigned *unmapped)
{
	const struct rules_hv *hv;
	uint32_t need = 0;
	size_t i;

	*unmapped = 0;
	if (vm->nested)
		need |= 1u << RULES_CAP_NESTED_STATE | 1u << RULES_CAP_EXCEPTION_PAYLOAD;
	if (vm->evmcs)
		need |= 1u << RULES_CAP_HYPERV_EVMCS;
	if (vm->n_hyperv > 0 || vm->evmcs)
		need |= 1u << RULES_CAP_HYPERV;
	for (i = 0; i < vm->n_hyperv; i++) {
		if ((hv = rules_hv_find(vm->hyperv[i])) != NULL && hv->cap != RULES_CAP_NUM)
			need |= 1u << hv->cap;
		else
			(*unmapped)++;
	}
	return need;
}

/* Nonzero when two TSC frequencies are equal within KVM's tolerance. */
static int
rules_host_tsc_equal(uint32_t a, uint32_t b)
{
	uint64_t diff = a > b ? a - b : b - a;

	return diff * 1000000u <= (uint64_t)RULES_TSC_TOLERANCE_PPM * b;
}

int
rules_host_kvm_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	const struct vmspec *vm = c->vm;
	unsigned unmapped;
	uint32_t need, missing;
	int i;

	/* QEMU's own migration blocker. */
	if (vm->hyperv_passthrough &&
	    rules_host_note(c, RULES_LAYER_KVM, RULES_R_HV_PASSTHROUGH, 1, RULES_SIDE_NONE, 0, 0, 0))
		return 1;

	/* KVM capabilities: only the destination's matter. */
	need = rules_host_needed(vm, &unmapped);
	if (unmapped > 0)
		c->not_checked |= RULES_NC_HV_CPUID;
	if (need == 0)
		return 0;
	/*
	 * Without the destination's capabilities the VM's needs are unknown;
	 * only a pair of profiles neither of which has the layer (MSR dumps)
	 * leaves them not checked, as every layer both lack.
	 */
	if (!d->has_kvm) {
		if (s == NULL || s->has_kvm)
			return rules_host_note(c, RULES_LAYER_KVM, RULES_R_LAYER_MISSING, 0, RULES_SIDE_DST,
			    0, need, 0);
		c->not_checked |= RULES_NC_KVM;
		return 0;
	}
	if ((missing = need & ~d->caps) == 0)
		return 0;
	for (i = 0; i < RULES_CAP_NUM; i++) {
		if ((missing & (1u << i)) == 0)
			continue;
		if (rules_host_note(c, RULES_LAYER_KVM, RULES_R_CAP_MISSING, 1, RULES_SIDE_DST,
		    rules_caps[i].id, s != NULL && (s->caps & (1u << i)), 0))
			return 1;
	}
	return 0;
}

/*
 * The TSC: the VM's frequency (pinned, else the source's) must be the
 * destination's within KVM's tolerance, or the destination must scale the
 * TSC.
 */
int
rules_host_tsc_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	const struct vmspec *vm = c->vm;
	uint32_t khz;

	/* QEMU's own migration blocker. */
	if (vm->invtsc && vm->tsc_khz == 0 &&
	    rules_host_note(c, RULES_LAYER_TSC, RULES_R_INVTSC_UNPINNED, 1, RULES_SIDE_NONE, 0, 0, 0))
		return 1;
	if (vm->tsc_khz != 0)
		khz = vm->tsc_khz;
	else if (s == NULL)
		return 0;
	else if (s->has_tsc)
		khz = s->tsc_khz;
	else if (d->has_tsc)
		return rules_host_note(c, RULES_LAYER_TSC, RULES_R_LAYER_MISSING, 0, RULES_SIDE_SRC, 0, 0,
		    d->tsc_khz);
	else {
		c->not_checked |= RULES_NC_TSC;
		return 0;
	}
	if (!d->has_tsc)
		return rules_host_note(c, RULES_LAYER_TSC, RULES_R_LAYER_MISSING, 0, RULES_SIDE_DST, 0, khz, 0);
	if (!rules_host_tsc_equal(khz, d->tsc_khz) && !d->tsc_scaling)
		return rules_host_note(c, RULES_LAYER_TSC, RULES_R_TSC_FREQ, 1, RULES_SIDE_DST, 0, khz,
		    d->tsc_khz);
	return 0;
}

const char *
rules_host_kvm_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	const char *sep = "";
	size_t len;
	int i;

	switch (r->rule) {
	case RULES_R_CAP_MISSING:
		snprintf(buf, bufsize, "KVM: destination lacks %s (%" PRIu32 "), which the VM needs%s",
		    rules_explain_cap(r->msr), r->msr,
		    r->msr == 157 || r->msr == 164 ? " to migrate a nested guest" : "");
		break;
	case RULES_R_LAYER_MISSING:
		if (c->srcp != NULL)
			return NULL;
		/* The capabilities the VM needs, from the bits in src. */
		len = (size_t)snprintf(buf, bufsize, "KVM: the destination profile has no KVM layer: the "
		    "capabilities the VM needs cannot be checked (");
		for (i = 0; i < RULES_CAP_NUM && len < bufsize; i++) {
			if ((r->src & (1u << i)) == 0)
				continue;
			len += (size_t)snprintf(buf + len, bufsize - len, "%s%s", sep, rules_caps[i].name);
			sep = ", ";
		}
		if (len < bufsize)
			snprintf(buf + len, bufsize - len, ")");
		break;
	case RULES_R_HV_PASSTHROUGH:
		snprintf(buf, bufsize, "Hyper-V: hv-passthrough prevents migration (QEMU refuses it); list the "
		    "hv-* enlightenments explicitly");
		break;
	default:
		return NULL;
	}
	return buf;
}

const char *
rules_host_tsc_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	switch (r->rule) {
	case RULES_R_TSC_FREQ:
		snprintf(buf, bufsize, "TSC: the VM runs at %" PRIu64 " kHz, the destination at %" PRIu64
		    " kHz and it cannot scale the TSC", r->src, r->dst);
		break;
	case RULES_R_INVTSC_UNPINNED:
		snprintf(buf, bufsize, "TSC: invtsc without a pinned TSC frequency is not migratable (QEMU "
		    "blocks it); set the frequency");
		break;
	default:
		return NULL;
	}
	return buf;
}
