/*
 * rules_vmx.c - the raw VMX layer: the destination KVM's acceptance rules
 * for the VMX capability MSRs the VMM restores (vmx_set_vmx_msr() in
 * arch/x86/kvm/vmx/nested.c; reference section 4).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpunames.h"
#include "rules_priv.h"
#include "vmcpu.h"
#include "vmxbits.h"

const uint32_t rules_vmx_slot_msr[RULES_V_NUM] = {
	[RULES_V_BASIC] = MSR_VMX_BASIC,
	[RULES_V_PIN] = MSR_VMX_TRUE_PINBASED,
	[RULES_V_PROC] = MSR_VMX_TRUE_PROCBASED,
	[RULES_V_EXIT] = MSR_VMX_TRUE_EXIT,
	[RULES_V_ENTRY] = MSR_VMX_TRUE_ENTRY,
	[RULES_V_MISC] = MSR_VMX_MISC,
	[RULES_V_CR0F0] = MSR_VMX_CR0_FIXED0,
	[RULES_V_CR4F0] = MSR_VMX_CR4_FIXED0,
	[RULES_V_PROC2] = MSR_VMX_PROCBASED2,
	[RULES_V_EPT] = MSR_VMX_EPT_VPID,
	[RULES_V_VMFUNC] = MSR_VMX_VMFUNC,
};

/* BASIC: dual-monitor (49), INS/OUTS (54), TRUE controls (55), reserved 31, 47:45, 63:56. */
#define RULES_BASIC_FEATURES	((1ull << 49) | (1ull << 54) | (1ull << 55) | (1ull << 31) | \
				 (7ull << 45) | (0xffull << 56))
#define RULES_BASIC_32BIT	(1ull << 48)
#define RULES_BASIC_REV(v)	((uint32_t)((v) & 0x7fffffffu))
#define RULES_BASIC_SIZE(v)	((uint32_t)(((v) >> 32) & 0x1fffu))
/* MISC: bits 5, 8:6, 13:9, 14, 15, 28, 29, 30, 31. */
#define RULES_MISC_FEATURES	0xf000ffe0ull
#define RULES_MISC_RATE(v)	((uint32_t)((v) & 0x1fu))
#define RULES_MISC_CR3(v)	((uint32_t)(((v) >> 16) & 0x1ffu))
#define RULES_MISC_MAXMSR(v)	((uint32_t)(((v) >> 25) & 0x7u))
#define RULES_MISC_MSEG(v)	((uint32_t)((v) >> 32))
#define RULES_PIN_PREEMPTION	(1ull << (32 + 6))
/* Secondary control 13, "enable VM functions", in the allowed-1 half. */
#define RULES_PROC2_VMFUNC	(1ull << (32 + 13))

void
rules_vmx_prepare(const struct profile *p, struct rules_prep *out)
{
	const struct vmx_msrs *m = &p->vmx_raw;

	out->has_vmx = profile_layer_ok(&p->vmx) ? 1 : 0;
	out->vmx[RULES_V_BASIC] = vmx_msr_get(m, MSR_VMX_BASIC);
	out->vmx[RULES_V_PIN] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_PINBASED);
	out->vmx[RULES_V_PROC] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_PROCBASED);
	out->vmx[RULES_V_EXIT] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_EXIT);
	out->vmx[RULES_V_ENTRY] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_ENTRY);
	out->vmx[RULES_V_MISC] = vmx_msr_get(m, MSR_VMX_MISC);
	out->vmx[RULES_V_CR0F0] = vmx_msr_get(m, MSR_VMX_CR0_FIXED0);
	out->vmx[RULES_V_CR4F0] = vmx_msr_get(m, MSR_VMX_CR4_FIXED0);
	out->vmx[RULES_V_PROC2] = vmx_msr_get(m, MSR_VMX_PROCBASED2);
	out->vmx[RULES_V_EPT] = vmx_msr_get(m, MSR_VMX_EPT_VPID);
	out->vmx[RULES_V_VMFUNC] = vmx_msr_get(m, MSR_VMX_VMFUNC);
	/*
	 * Dump tools such as AIDA64 never read 0x491 although the CPU has it
	 * (secondary control 13 allowed): such a dump says nothing about
	 * VMFUNC, which is then not compared rather than taken as 0.
	 */
	out->vmfunc_unreported = p->is_dump && !vmx_msr_has(m, MSR_VMX_VMFUNC) &&
	    (out->vmx[RULES_V_PROC2] & RULES_PROC2_VMFUNC) != 0;
}

/* Record one reason per set bit of bits (bit positions in the 64-bit MSR). */
static int __attribute__((noinline))
rules_vmx_bits_add(struct rules_ctx *c, uint8_t layer, uint8_t rule, int control, uint32_t msr,
    uint64_t bits, uint64_t src, uint64_t dst)
{
	struct rules_reason r;
	unsigned b;

	for (b = 0; bits != 0; b++, bits >>= 1) {
		if ((bits & 1) == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.layer = layer;
		r.rule = rule;
		r.blocking = 1;
		r.msr = msr;
		r.src = src;
		r.dst = dst;
		r.side = c->srcp != NULL ? RULES_SIDE_BOTH : RULES_SIDE_DST;
		if (control) {
			r.half = b >= 32 ? RULES_HALF_ALLOWED1 : RULES_HALF_MUSTBE1;
			r.bit = (int16_t)(b & 31);
		} else {
			r.bit = (int16_t)b;
		}
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

/* The same, inline for the usual case of no failing bit. */
static inline int
rules_vmx_bits(struct rules_ctx *c, uint8_t layer, uint8_t rule, int control, uint32_t msr,
    uint64_t bits, uint64_t src, uint64_t dst)
{
	return bits != 0 && rules_vmx_bits_add(c, layer, rule, control, msr, bits, src, dst);
}

/*
 * A subset rule "a within b" on the bits of mask of one slot, where a and b
 * are the values of the two sides (a_src: a is the source's) and ua, ub the
 * bits the KVM model's unconfirmed rows decide on each side.  Bits that
 * fail with every confirmed bit block; bits that fail, or could fail, only
 * through unconfirmed ones answer unknown.  Two sides modelled for the
 * same release share their unconfirmed rows: only the bits that fail as
 * computed are in doubt there.
 */
static int
rules_vmx_sub(struct rules_ctx *c, uint8_t rule, int control, uint32_t msr, uint64_t a, uint64_t ua,
    uint64_t b, uint64_t ub, uint64_t mask, int same, uint64_t src, uint64_t dst)
{
	uint64_t fail = a & ~b & mask, unk = ua | ub, doubt;
	struct rules_reason r;
	unsigned bit;

	if (unk == 0)
		return rules_vmx_bits(c, RULES_LAYER_VMX, rule, control, msr, fail, src, dst);
	if (rules_vmx_bits(c, RULES_LAYER_VMX, rule, control, msr, fail & ~unk, src, dst))
		return 1;
	doubt = same ? fail & unk : ((a | ua) & (~b | ub) & mask & unk);
	for (bit = 0; doubt != 0; bit++, doubt >>= 1) {
		if ((doubt & 1) == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.layer = RULES_LAYER_VMX;
		r.rule = RULES_R_KVM_UNCONFIRMED;
		r.msr = msr;
		r.src = src;
		r.dst = dst;
		r.side = (ua >> bit & 1) && (ub >> bit & 1) ? RULES_SIDE_BOTH :
		    (ua >> bit & 1) ? (rule == RULES_R_ALLOWED1 || rule == RULES_R_SUBSET ?
		    RULES_SIDE_SRC : RULES_SIDE_DST) :
		    (rule == RULES_R_ALLOWED1 || rule == RULES_R_SUBSET ? RULES_SIDE_DST : RULES_SIDE_SRC);
		if (control) {
			r.half = bit >= 32 ? RULES_HALF_ALLOWED1 : RULES_HALF_MUSTBE1;
			r.bit = (int16_t)(bit & 31);
		} else {
			r.bit = (int16_t)bit;
		}
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

/* A field rule (revision, size, counts) with the field values in src/dst. */
static int
rules_vmx_field(struct rules_ctx *c, uint8_t rule, uint32_t msr, int bit, uint64_t src, uint64_t dst)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_VMX;
	r.rule = rule;
	r.blocking = !c->field_doubt;
	r.msr = msr;
	r.bit = (int16_t)bit;
	r.src = src;
	r.dst = dst;
	r.side = RULES_SIDE_BOTH;
	return rules_add(c, &r);
}

/*
 * 1 if table entry e is the VMX feature name: QEMU's name, or any other
 * spelling the name tables know for that bit (libvirt's
 * vmx-invvpid-single-context for bit 41 of 0x48c).  n: cpunames_find(name).
 */
static int
rules_vmx_named(const struct vmxbits_entry *e, const char *name, const struct cpunames_entry *n)
{
	if (e->qemu_name != NULL && strcmp(e->qemu_name, name) == 0)
		return 1;
	return n != NULL && strcmp(n->kind, "vmx") == 0 && n->index == e->msr && n->bit == e->bit;
}

/*
 * Apply the VM spec's vmx-* features to the values the VM uses: disabled
 * features leave the allowed-1 half (control MSRs) or the value.  Returns
 * nonzero when the spec names any vmx-* feature.
 */
static int
rules_vmx_spec_values(const struct vmspec *vm, uint64_t *v)
{
	const struct cpunames_entry *n;
	const struct vmxbits_entry *e;
	size_t i, k;
	int slot, any = 0;
	uint64_t bit;

	for (i = 0; i < vm->n_features; i++) {
		if (strncmp(vm->features[i].name, "vmx-", 4) != 0 || vm->features[i].enabled)
			continue;
		any = 1;
		n = cpunames_find(vm->features[i].name);
		for (k = 0; k < vmxbits_table_count; k++) {
			e = &vmxbits_table[k];
			if (!rules_vmx_named(e, vm->features[i].name, n))
				continue;
			for (slot = 0; slot < RULES_V_NUM; slot++)
				if (rules_vmx_slot_msr[slot] == e->msr)
					break;
			if (slot == RULES_V_NUM)
				continue;
			bit = vmxbits_is_control(e->msr) ? 1ull << (32 + e->bit) : 1ull << e->bit;
			v[slot] &= ~bit;
		}
	}
	return any;
}

/* The default-1 controls of a control slot (always allowed, QEMU names their "may be 0"). */
static uint32_t
rules_vmx_default1(int slot)
{
	switch (slot) {
	case RULES_V_PIN:
		return VMX_PIN_ALWAYSON;
	case RULES_V_PROC:
		return VMX_PROC_ALWAYSON;
	case RULES_V_EXIT:
		return VMX_EXIT_ALWAYSON;
	case RULES_V_ENTRY:
		return VMX_ENTRY_ALWAYSON;
	default:
		return 0;
	}
}

/*
 * A custom CPU's named model: QEMU writes the VMX MSRs from the model's own
 * VMX features that the host offers, not from the host's: a control's
 * allowed-1 half is those features plus the default-1 controls, its
 * must-be-1 half the default-1 controls the model does not name ("-noexit"
 * and the like); EPT/VPID, VMFUNC and the feature bits of BASIC and MISC
 * are the model's; the host's fields (revision, sizes, counts, EPT memory
 * types) stay.  Returns nonzero when a known model applied.
 */
static int
rules_vmx_model_values(const struct rules_ctx *c, uint64_t *v)
{
	uint64_t model[RULES_V_NUM], d1, host;
	struct vmcpu cpu;
	size_t i;
	int slot;

	if (c->vm->cpu_mode != VMSPEC_CPU_CUSTOM || c->vm->cpu_model[0] == '\0')
		return 0;
	vmcpu_compute_src(c->vm, c->srcp, &cpu);
	if (!cpu.model_known)
		return 0;
	memset(model, 0, sizeof(model));
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *n = &cpunames_table[i];

		if (strcmp(n->kind, "vmx") != 0 || n->qemu == NULL || !cpunames_set_has(&cpu.on, n))
			continue;
		for (slot = 0; slot < RULES_V_NUM; slot++)
			if (rules_vmx_slot_msr[slot] == n->index)
				break;
		if (slot < RULES_V_NUM)
			model[slot] |= 1ull << n->bit;
	}
	for (slot = RULES_V_PIN; slot <= RULES_V_ENTRY; slot++) {
		d1 = rules_vmx_default1(slot);
		host = v[slot] >> 32;
		v[slot] = ((model[slot] & host) | d1) << 32 | (d1 & ~model[slot]);
	}
	v[RULES_V_PROC2] = (model[RULES_V_PROC2] & (v[RULES_V_PROC2] >> 32)) << 32;
	/* EPT memory types UC (8) and WB (14) come from the host. */
	v[RULES_V_EPT] &= model[RULES_V_EPT] | (1ull << 8) | (1ull << 14);
	v[RULES_V_VMFUNC] &= model[RULES_V_VMFUNC];
	v[RULES_V_BASIC] &= ~RULES_BASIC_FEATURES | model[RULES_V_BASIC];
	v[RULES_V_MISC] &= ~RULES_MISC_FEATURES | model[RULES_V_MISC];
	return 1;
}

/*
 * The vmx-* features the VM enables must be allowed on dst: the check of
 * a spec against a destination alone (and a harmless repetition when the
 * source is known).
 */
static int
rules_vmx_required(struct rules_ctx *c, const struct rules_prep *d)
{
	const struct cpunames_entry *n;
	const struct vmxbits_entry *e;
	struct rules_reason r;
	size_t i, k;
	int slot, found;
	uint64_t bit;

	for (i = 0; i < c->vm->n_features; i++) {
		if (strncmp(c->vm->features[i].name, "vmx-", 4) != 0 || !c->vm->features[i].enabled)
			continue;
		found = 0;
		n = cpunames_find(c->vm->features[i].name);
		for (k = 0; k < vmxbits_table_count; k++) {
			e = &vmxbits_table[k];
			if (!rules_vmx_named(e, c->vm->features[i].name, n))
				continue;
			for (slot = 0; slot < RULES_V_NUM; slot++)
				if (rules_vmx_slot_msr[slot] == e->msr)
					break;
			if (slot == RULES_V_NUM)
				continue;
			found = 1;
			bit = vmxbits_is_control(e->msr) ? 1ull << (32 + e->bit) : 1ull << e->bit;
			if (d->vmx[slot] & bit)
				continue;
			memset(&r, 0, sizeof(r));
			r.layer = RULES_LAYER_VMX;
			r.rule = (d->vmx_unk[slot] & bit) ? RULES_R_KVM_UNCONFIRMED : RULES_R_VM_REQUIRES;
			r.blocking = !(d->vmx_unk[slot] & bit);
			r.side = RULES_SIDE_DST;
			r.msr = e->msr;
			r.bit = (int16_t)e->bit;
			r.half = vmxbits_is_control(e->msr) ? RULES_HALF_ALLOWED1 : RULES_HALF_NONE;
			r.dst = d->vmx[slot];
			r.ref = c->vm->features[i].name;
			if (rules_add(c, &r))
				return 1;
		}
		/* A name the tables know without a bit compared here (vmx-ept-uc) is not unknown. */
		if (!found && n == NULL) {
			memset(&r, 0, sizeof(r));
			r.layer = RULES_LAYER_VMX;
			r.rule = RULES_R_FEATURE_UNKNOWN;
			r.blocking = 0;
			r.bit = -1;
			r.ref = c->vm->features[i].name;
			if (rules_add(c, &r))
				return 1;
		}
	}
	return 0;
}

/* The rules of vmx_set_vmx_msr() on the two VMX layers (s NULL: what the VM pins). */
static int
rules_vmx_compare(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	uint64_t sv[RULES_V_NUM];
	const uint64_t *v, *w = d->vmx, *us, *ud;
	struct rules_reason r;
	int slot, same;

	if (s == NULL) {
		if (w[RULES_V_BASIC] == 0) {
			memset(&r, 0, sizeof(r));
			r.layer = RULES_LAYER_VMX;
			r.rule = RULES_R_NESTED_UNAVAILABLE;
			r.blocking = 1;
			r.side = RULES_SIDE_DST;
			r.msr = MSR_VMX_BASIC;
			r.bit = -1;
			if (rules_add(c, &r))
				return 1;
		}
		return c->vm->n_features > 0 ? rules_vmx_required(c, d) : 0;
	}
	same = s->vmx_model == RULES_MODEL_APPLIED && d->vmx_model == RULES_MODEL_APPLIED &&
	    s->vmx_release == d->vmx_release;
	us = s->vmx_unk;
	ud = d->vmx_unk;
	v = s->vmx;
	memcpy(sv, s->vmx, sizeof(sv));
	if (rules_vmx_model_values(c, sv))
		v = sv;
	if (c->vm->n_features > 0) {
		if (rules_vmx_spec_values(c->vm, sv))
			v = sv;
		if (rules_vmx_required(c, d))
			return 1;
	}

	/*
	 * Every rule, in the fast path too: each records a reason only for
	 * the bits that fail.
	 */
	for (slot = RULES_V_PIN; slot <= RULES_V_PROC2; slot++) {
		if (slot > RULES_V_ENTRY && slot != RULES_V_PROC2)
			continue;
		if (rules_vmx_sub(c, RULES_R_ALLOWED1, 1, rules_vmx_slot_msr[slot], v[slot], us[slot],
		    w[slot], ud[slot], 0xffffffff00000000ull, same, v[slot], w[slot]) ||
		    rules_vmx_sub(c, RULES_R_MUSTBE1, 1, rules_vmx_slot_msr[slot], w[slot], ud[slot],
		    v[slot], us[slot], 0xffffffffull, same, v[slot], w[slot]))
			return 1;
	}
	slot = RULES_V_EPT;
	if (rules_vmx_sub(c, RULES_R_SUBSET, 0, MSR_VMX_EPT_VPID, v[slot], us[slot], w[slot], ud[slot],
	    ~0ull, same, v[slot], w[slot]))
		return 1;
	slot = RULES_V_VMFUNC;
	if (s->vmfunc_unreported || d->vmfunc_unreported)
		c->not_checked |= RULES_NC_VMFUNC;
	else if (rules_vmx_sub(c, RULES_R_SUBSET, 0, MSR_VMX_VMFUNC, v[slot], us[slot], w[slot], ud[slot],
	    ~0ull, same, v[slot], w[slot]))
		return 1;

	/* BASIC (a field in doubt, decided by an unconfirmed row, does not block). */
	slot = RULES_V_BASIC;
	c->field_doubt = (us[slot] | ud[slot]) != 0;
	if (rules_vmx_sub(c, RULES_R_SUBSET, 0, MSR_VMX_BASIC, v[slot], us[slot], w[slot], ud[slot],
	    RULES_BASIC_FEATURES, same, v[slot], w[slot]))
		return 1;
	if ((v[slot] & RULES_BASIC_32BIT) &&
	    rules_vmx_bits(c, RULES_LAYER_VMX, RULES_R_BASIC_32BIT, 0, MSR_VMX_BASIC,
	    RULES_BASIC_32BIT, v[slot], w[slot]))
		return 1;
	if (RULES_BASIC_REV(v[slot]) != RULES_BASIC_REV(w[slot]) &&
	    rules_vmx_field(c, RULES_R_BASIC_REVISION, MSR_VMX_BASIC, 0, v[slot], w[slot]))
		return 1;
	if (RULES_BASIC_SIZE(v[slot]) < RULES_BASIC_SIZE(w[slot]) &&
	    rules_vmx_field(c, RULES_R_BASIC_SIZE, MSR_VMX_BASIC, 32, v[slot], w[slot]))
		return 1;

	/* MISC. */
	slot = RULES_V_MISC;
	c->field_doubt = (us[slot] | ud[slot]) != 0;
	if (rules_vmx_sub(c, RULES_R_SUBSET, 0, MSR_VMX_MISC, v[slot], us[slot], w[slot], ud[slot],
	    RULES_MISC_FEATURES, same, v[slot], w[slot]))
		return 1;
	if (RULES_MISC_CR3(v[slot]) > RULES_MISC_CR3(w[slot]) &&
	    rules_vmx_field(c, RULES_R_MISC_CR3, MSR_VMX_MISC, 16, v[slot], w[slot]))
		return 1;
	if (RULES_MISC_MAXMSR(v[slot]) > RULES_MISC_MAXMSR(w[slot]) &&
	    rules_vmx_field(c, RULES_R_MISC_MAXMSR, MSR_VMX_MISC, 25, v[slot], w[slot]))
		return 1;
	if (RULES_MISC_MSEG(v[slot]) != RULES_MISC_MSEG(w[slot]) &&
	    rules_vmx_field(c, RULES_R_MISC_MSEG, MSR_VMX_MISC, 32, v[slot], w[slot]))
		return 1;
	if ((v[RULES_V_PIN] & RULES_PIN_PREEMPTION) &&
	    RULES_MISC_RATE(v[slot]) != RULES_MISC_RATE(w[slot]) &&
	    rules_vmx_field(c, RULES_R_MISC_TIMER_RATE, MSR_VMX_MISC, 0, v[slot], w[slot]))
		return 1;

	c->field_doubt = 0;
	/* CR0/CR4 FIXED0: every bit the destination fixes to 1 must be fixed on the source. */
	if (rules_vmx_sub(c, RULES_R_FIXED0, 0, MSR_VMX_CR0_FIXED0, w[RULES_V_CR0F0], ud[RULES_V_CR0F0],
	    v[RULES_V_CR0F0], us[RULES_V_CR0F0], ~0ull, same, v[RULES_V_CR0F0], w[RULES_V_CR0F0]) ||
	    rules_vmx_sub(c, RULES_R_FIXED0, 0, MSR_VMX_CR4_FIXED0, w[RULES_V_CR4F0], ud[RULES_V_CR4F0],
	    v[RULES_V_CR4F0], us[RULES_V_CR4F0], ~0ull, same, v[RULES_V_CR4F0], w[RULES_V_CR4F0]))
		return 1;
	return 0;
}

/* A "layer missing" reason: the VM needs the layer, one side lacks it. */
static int
rules_vmx_missing(struct rules_ctx *c, uint8_t side)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_VMX;
	r.rule = RULES_R_LAYER_MISSING;
	r.side = side;
	r.bit = -1;
	return rules_add(c, &r);
}

int
rules_vmx_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	if (!c->vm->nested)
		return 0;
	/* On AMD hosts VMX does not apply: nested SVM is judged from CPUID. */
	if ((d->vendor == RULES_VENDOR_AMD || d->vendor == RULES_VENDOR_OTHER) &&
	    (s == NULL || s->vendor == RULES_VENDOR_AMD || s->vendor == RULES_VENDOR_OTHER))
		return 0;
	if (rules_model_check(c, s, d))
		return 1;
	if (s == NULL)
		return d->has_vmx ? rules_vmx_compare(c, NULL, d) : rules_vmx_missing(c, RULES_SIDE_DST);
	if (s->has_vmx && d->has_vmx)
		return rules_vmx_compare(c, s, d);
	if (s->has_vmx || d->has_vmx)
		return rules_vmx_missing(c, s->has_vmx ? RULES_SIDE_DST : RULES_SIDE_SRC);
	/* Neither profile has VMX MSRs (not a nested-capable pair, or two partial profiles). */
	c->not_checked |= RULES_NC_VMX;
	return 0;
}

const char *
rules_vmx_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	const char *title = vmxbits_msr_title(r->msr);
	char bit[160];

	if (title == NULL)
		title = "VMX";
	if (r->rule == RULES_R_KVM_MODEL || r->rule == RULES_R_KVM_UNCONFIRMED)
		return rules_model_explain(c, r, buf, bufsize);
	switch (r->rule) {
	case RULES_R_ALLOWED1:
		snprintf(buf, bufsize, "%s: %s allowed on source, not on destination", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_MUSTBE1:
	case RULES_R_FIXED0:
		snprintf(buf, bufsize, "%s: %s must be 1 on destination, may be 0 on source", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_SUBSET:
		snprintf(buf, bufsize, "%s: %s supported on source, not on destination", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_BASIC_32BIT:
		snprintf(buf, bufsize, "%s: %s set on source; KVM refuses it", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_BASIC_REVISION:
		snprintf(buf, bufsize, "%s: VMCS revision 0x%" PRIx32 " (bits 30:0 of IA32_VMX_BASIC) on source, "
		    "0x%" PRIx32 " on destination; KVM requires them equal", title,
		    (uint32_t)(r->src & 0x7fffffff), (uint32_t)(r->dst & 0x7fffffff));
		break;
	case RULES_R_BASIC_SIZE:
		snprintf(buf, bufsize, "%s: VMCS region of %u bytes (bits 44:32 of IA32_VMX_BASIC) on source, "
		    "smaller than the destination's %u", title, (unsigned)(r->src >> 32 & 0x1fff),
		    (unsigned)(r->dst >> 32 & 0x1fff));
		break;
	case RULES_R_MISC_CR3:
		snprintf(buf, bufsize, "%s: %u CR3-target values (bits 24:16 of IA32_VMX_MISC) on source, "
		    "only %u on destination", title, (unsigned)(r->src >> 16 & 0x1ff),
		    (unsigned)(r->dst >> 16 & 0x1ff));
		break;
	case RULES_R_MISC_MAXMSR:
		snprintf(buf, bufsize, "%s: MSR lists of %u entries (bits 27:25 of IA32_VMX_MISC) on source, "
		    "only %u on destination", title, 512u * ((unsigned)(r->src >> 25 & 7) + 1),
		    512u * ((unsigned)(r->dst >> 25 & 7) + 1));
		break;
	case RULES_R_MISC_MSEG:
		snprintf(buf, bufsize, "%s: MSEG revision 0x%" PRIx32 " (bits 63:32 of IA32_VMX_MISC) on source, "
		    "0x%" PRIx32 " on destination; KVM requires them equal", title, (uint32_t)(r->src >> 32),
		    (uint32_t)(r->dst >> 32));
		break;
	case RULES_R_MISC_TIMER_RATE:
		snprintf(buf, bufsize, "%s: VMX-preemption timer ticks every 2^%u TSC cycles (bits 4:0 of "
		    "IA32_VMX_MISC) on source, 2^%u on destination; KVM requires them equal when the timer "
		    "is exposed", title, (unsigned)(r->src & 0x1f), (unsigned)(r->dst & 0x1f));
		break;
	case RULES_R_VM_REQUIRES:
		snprintf(buf, bufsize, "%s: %s is enabled in the VM (%s), not allowed on destination", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)), (const char *)r->ref);
		break;
	case RULES_R_NESTED_UNAVAILABLE:
		snprintf(buf, bufsize, "VMX: destination exposes no nested VMX (IA32_VMX_BASIC is 0: "
		    "kvm_intel nested=0?)");
		break;
	case RULES_R_FEATURE_UNKNOWN:
		snprintf(buf, bufsize, "VMX: the VM requires \"%s\", which migcompat cannot map to a VMX "
		    "capability bit", (const char *)r->ref);
		break;
	default:
		return NULL;
	}
	return buf;
}
