/*
 * rules_msr.c - the feature-MSR layer: the bits of IA32_ARCH_CAPABILITIES,
 * IA32_CORE_CAPABILITIES and IA32_PERF_CAPABILITIES that QEMU exposes as
 * CPU features (data/msr-features.tsv), as the system fd's KVM_GET_MSRS
 * reports them (layers.feature_msrs).  KVM emulates ARCH_CAPABILITIES on
 * AMD hosts too, so the rule is the same for both vendors.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpuidfeat.h"
#include "cpunames.h"
#include "msrfeat.h"
#include "rules_priv.h"
#include "vmcpu.h"

const uint32_t rules_fmsr_slot_msr[RULES_M_NUM] = {
	[RULES_M_ARCH] = MSRFEAT_ARCH_CAPABILITIES,
	[RULES_M_CORE] = MSRFEAT_CORE_CAPABILITIES,
	[RULES_M_PERF] = MSRFEAT_PERF_CAPABILITIES,
};

/* The LBR format field of IA32_PERF_CAPABILITIES (bits 5:0). */
#define RULES_MSR_LBR_FMT	0x3full

/* The slot of an MSR index, or -1. */
static int
rules_msr_slot(uint32_t msr)
{
	int i;

	for (i = 0; i < RULES_M_NUM; i++)
		if (rules_fmsr_slot_msr[i] == msr)
			return i;
	return -1;
}

/* The value the profile lists for msr, 0 when it does not list it. */
static uint64_t
rules_msr_raw(const struct profile *p, uint32_t msr)
{
	size_t i;

	if (p == NULL)
		return 0;
	for (i = 0; i < p->n_msrs; i++)
		if (p->msrs[i].index == msr)
			return p->msrs[i].value;
	return 0;
}

/* Nonzero unless p's CPUID layer shows the gating flag gate clear. */
static int
rules_msr_gate_open(const struct profile *p, const char *gate)
{
	const struct cpuidfeat_entry *e;
	const struct profile_cpuid *c;
	uint32_t v;

	if (gate == NULL || !profile_layer_ok(&p->cpuid) || (e = cpuidfeat_find(gate)) == NULL)
		return 1;
	if ((c = profile_cpuid_find(p, 0, e->leaf, e->subleaf)) == NULL)
		return 0;
	switch (cpuidfeat_reg_index(e->reg)) {
	case 0:
		v = c->eax;
		break;
	case 1:
		v = c->ebx;
		break;
	case 2:
		v = c->ecx;
		break;
	default:
		v = c->edx;
		break;
	}
	return (int)(v >> e->bit & 1);
}

void
rules_msr_prepare(const struct profile *p, struct rules_prep *out)
{
	uint64_t raw[RULES_M_NUM];
	int open[RULES_M_NUM];
	size_t i;
	int k;

	out->has_fmsr = profile_layer_ok(&p->feature_msrs) ? 1 : 0;
	memset(out->fmsr, 0, sizeof(out->fmsr));
	out->lbr_fmt = 0;
	if (!out->has_fmsr)
		return;
	for (k = 0; k < RULES_M_NUM; k++) {
		raw[k] = rules_msr_raw(p, rules_fmsr_slot_msr[k]);
		open[k] = -1;
	}
	for (i = 0; i < msrfeat_table_count; i++) {
		const struct msrfeat_entry *e = &msrfeat_table[i];

		if ((k = rules_msr_slot(e->msr)) < 0)
			continue;
		if (open[k] < 0)
			open[k] = rules_msr_gate_open(p, e->gate);
		if (!open[k])
			continue;
		if (e->width == 1)
			out->fmsr[k] |= raw[k] & msrfeat_mask(e);
		else if (k == RULES_M_PERF && msrfeat_mask(e) == RULES_MSR_LBR_FMT)
			out->lbr_fmt = (uint8_t)(raw[k] & RULES_MSR_LBR_FMT);
	}
}

/* Record a reason of this layer for entry e (NULL: no bit). */
static int
rules_msr_note(struct rules_ctx *c, uint8_t rule, int blocking, uint8_t side, uint32_t msr,
    const struct msrfeat_entry *e)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_FEATURE_MSR;
	r.rule = rule;
	r.blocking = (uint8_t)blocking;
	r.side = side;
	r.msr = msr;
	r.bit = e != NULL ? (int16_t)e->bit : -1;
	r.src = rules_msr_raw(c->srcp, msr);
	r.dst = rules_msr_raw(c->dstp, msr);
	r.ref = e;
	return rules_add(c, &r);
}

/* One reason per named bit of bits in slot k. */
static int
rules_msr_bits(struct rules_ctx *c, uint8_t rule, int k, uint64_t bits)
{
	const struct msrfeat_entry *e;
	unsigned b;

	for (b = 0; b < 64; b++) {
		if ((bits >> b & 1) == 0 || (e = msrfeat_lookup(rules_fmsr_slot_msr[k], b)) == NULL)
			continue;
		if (rules_msr_note(c, rule, 1, c->srcp != NULL ? RULES_SIDE_BOTH : RULES_SIDE_DST,
		    rules_fmsr_slot_msr[k], e))
			return 1;
	}
	return 0;
}

/*
 * A custom CPU's named model: its feature-MSR bits (QEMU's definition,
 * dependencies applied: none without the CPUID gate) join req, unless the
 * spec turns them off.  *first gets the first such entry if it has none.
 * Returns 0 (nothing to record here).
 */
static int
rules_msr_model(const struct rules_ctx *c, uint64_t *req, const uint64_t *off,
    const struct msrfeat_entry **first)
{
	const struct msrfeat_entry *e;
	struct vmcpu cpu;
	size_t i;
	int k;

	if (c->vm->cpu_mode != VMSPEC_CPU_CUSTOM || c->vm->cpu_model[0] == '\0')
		return 0;
	vmcpu_compute_src(c->vm, c->srcp, &cpu);
	if (!cpu.model_known)
		return 0;
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *n = &cpunames_table[i];

		if (strcmp(n->kind, "msr") != 0 || !cpunames_set_has(&cpu.on, n) ||
		    (e = msrfeat_lookup(n->index, n->bit)) == NULL || e->width != 1 ||
		    (k = rules_msr_slot(e->msr)) < 0 || (off[k] & msrfeat_mask(e)) != 0)
			continue;
		req[k] |= msrfeat_mask(e);
		if (*first == NULL)
			*first = e;
	}
	return 0;
}

int
rules_msr_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	uint64_t req[RULES_M_NUM], off[RULES_M_NUM], viol;
	const struct msrfeat_entry *e, *first = NULL;
	const struct vmspec *vm = c->vm;
	int from_src, k;
	size_t i;

	/* Across vendors the vendor rule has answered already. */
	if (s != NULL && s->vendor != RULES_VENDOR_UNKNOWN && d->vendor != RULES_VENDOR_UNKNOWN &&
	    s->vendor != d->vendor)
		return 0;
	from_src = s != NULL &&
	    (vm->cpu_mode == VMSPEC_CPU_HOST_PASSTHROUGH || vm->cpu_mode == VMSPEC_CPU_MAXIMUM);

	memset(req, 0, sizeof(req));
	memset(off, 0, sizeof(off));
	for (i = 0; i < vm->n_features; i++) {
		if ((e = msrfeat_find(vm->features[i].name)) == NULL || (k = rules_msr_slot(e->msr)) < 0)
			continue;
		if (vm->features[i].enabled) {
			req[k] |= msrfeat_mask(e);
			if (first == NULL)
				first = e;
		} else {
			off[k] |= msrfeat_mask(e);
		}
	}
	if (rules_msr_model(c, req, off, &first))
		return 1;
	if (!from_src && first == NULL)
		return 0;

	if (!d->has_fmsr) {
		c->not_checked |= RULES_NC_FEATURE_MSRS;
		if (first != NULL)
			return rules_msr_note(c, RULES_R_LAYER_MISSING, 0, RULES_SIDE_DST, first->msr, first);
		return 0;
	}
	if (from_src && !s->has_fmsr) {
		c->not_checked |= RULES_NC_FEATURE_MSRS;
		from_src = 0;
	}

	for (k = 0; k < RULES_M_NUM; k++) {
		if (from_src) {
			viol = s->fmsr[k] & ~off[k] & ~d->fmsr[k];
			if (viol != 0 && rules_msr_bits(c, RULES_R_MSR_MISSING, k, viol))
				return 1;
			viol = req[k] & ~s->fmsr[k] & ~d->fmsr[k];
		} else {
			viol = req[k] & ~d->fmsr[k];
		}
		if (viol != 0 && rules_msr_bits(c, RULES_R_MSR_REQUIRED, k, viol))
			return 1;
	}

	/* The LBR format is a number: equal, or the answer is unknown. */
	if (from_src && s->lbr_fmt != 0 && s->lbr_fmt != d->lbr_fmt &&
	    rules_msr_note(c, RULES_R_MSR_FIELD, 0, RULES_SIDE_BOTH, MSRFEAT_PERF_CAPABILITIES,
	    msrfeat_lookup(MSRFEAT_PERF_CAPABILITIES, 0)))
		return 1;
	return 0;
}

const char *
rules_msr_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	char bit[160];

	switch (r->rule) {
	case RULES_R_LAYER_MISSING:
		snprintf(buf, bufsize, "%s: required by the VM; the %s profile has no feature MSRs "
		    "(layers.feature_msrs)", rules_explain_msrbit(r, bit, sizeof(bit)),
		    r->side == RULES_SIDE_SRC ? "source" : "destination");
		break;
	case RULES_R_MSR_MISSING:
		snprintf(buf, bufsize, "%s: on the source, not on the destination",
		    rules_explain_msrbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_MSR_REQUIRED:
		snprintf(buf, bufsize, "%s: required by the VM, not on the destination",
		    rules_explain_msrbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_MSR_FIELD:
		snprintf(buf, bufsize, "%s: LBR format %u on the source, %u on the destination; KVM refuses "
		    "another nonzero format, so a VM using LBR cannot move", rules_explain_msrbit(r, bit,
		    sizeof(bit)), (unsigned)(r->src & 0x3f), (unsigned)(r->dst & 0x3f));
		break;
	default:
		return NULL;
	}
	return buf;
}
