/*
 * baseline.c - the intersection of a set of host profiles (its libvirt and
 * QEMU spellings: cpuout.c).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "baseline.h"
#include "cpuidfeat.h"
#include "cpuout.h"
#include "evmcs.h"
#include "jsonu.h"
#include "msrfeat.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "vmx.h"
#include "vmxbits.h"
#include "xmalloc.h"

/* BASIC: feature and reserved bits a destination only lets the VMM clear. */
#define BASELINE_BASIC_FEAT	((1ull << 49) | (1ull << 54) | (1ull << 55) | (1ull << 31) | \
	(7ull << 45) | (0xffull << 56))
#define BASELINE_BASIC_32BIT	(1ull << 48)
#define BASELINE_BASIC_SIZE(v)	(((v) >> 32) & 0x1fff)
#define BASELINE_BASIC_REV(v)	((uint64_t)(v) & 0x7fffffffu)
/* MISC: feature and reserved bits. */
#define BASELINE_MISC_FEAT	((1ull << 5) | (7ull << 6) | (1ull << 14) | (1ull << 15) | \
	(1ull << 28) | (1ull << 29) | (1ull << 30) | (0x1full << 9) | (1ull << 31))
#define BASELINE_MISC_RATE(v)	((v) & 0x1f)
#define BASELINE_MISC_CR3(v)	(((v) >> 16) & 0x1ff)
#define BASELINE_MISC_MAXMSR(v)	(((v) >> 25) & 0x7)
#define BASELINE_MISC_MSEG(v)	((v) >> 32)
#define BASELINE_PIN_TIMER	6u
#define BASELINE_TRUE_CTLS	(1ull << 55)

/* The TRUE control MSRs, their non-TRUE twins and the default-1 bits. */
static const struct baseline_ctl {
	uint32_t true_msr, msr;
	uint32_t always_on;
} baseline_ctls[] = {
	{ MSR_VMX_TRUE_PINBASED, MSR_VMX_PINBASED, VMX_PIN_ALWAYSON },
	{ MSR_VMX_TRUE_PROCBASED, MSR_VMX_PROCBASED, VMX_PROC_ALWAYSON },
	{ MSR_VMX_TRUE_EXIT, MSR_VMX_EXIT, VMX_EXIT_ALWAYSON },
	{ MSR_VMX_TRUE_ENTRY, MSR_VMX_ENTRY, VMX_ENTRY_ALWAYSON },
};

/* Hyper-V CPUID leaves made of feature flags. */
static const uint32_t baseline_hv_flag_leaves[] = {
	0x40000003, 0x40000004, 0x40000006, 0x40000009, 0x4000000a,
};

struct baseline_in {
	const struct profile *const *h;
	const char *const *names;
	size_t n;
	struct json_object *notes;	/* may be NULL */
	char *err;
	size_t errsize;
};

static const char *
baseline_name(const struct baseline_in *in, size_t i)
{
	static char buf[4][32];
	static unsigned k;

	if (in->names != NULL && in->names[i] != NULL)
		return in->names[i];
	if (in->h[i]->host_id[0] != '\0')
		return in->h[i]->host_id;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "host #%zu", i + 1);
	return buf[k];
}

static void
baseline_note(const struct baseline_in *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
baseline_note(const struct baseline_in *in, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (in->notes == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(in->notes, json_object_new_string(buf));
}

/* Nonzero if every host has layer data at offset off of struct profile. */
static int
baseline_all_ok(const struct baseline_in *in, size_t off)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (!profile_layer_ok((const struct layer *)((const char *)in->h[i] + off)))
			return 0;
	return 1;
}

/* ---- VMX ---- */

/* AND of an MSR over every host; present only if every host has it. */
static void
baseline_vmx_and(const struct baseline_in *in, uint32_t msr, struct vmx_msrs *out)
{
	uint64_t v = ~0ull;
	size_t i;

	for (i = 0; i < in->n; i++) {
		if (!vmx_msr_has(&in->h[i]->vmx_raw, msr))
			return;
		v &= vmx_msr_get(&in->h[i]->vmx_raw, msr);
	}
	vmx_msr_set(out, msr, v);
}

/* Combine one control MSR: allowed-1 AND, must-be-1 OR.  Returns 0 or -1. */
static int
baseline_vmx_ctl(const struct baseline_in *in, uint32_t msr, int use_true, uint64_t *value)
{
	uint32_t allowed = ~0u, must = 0, bad;
	size_t i, j;
	uint64_t v;

	for (i = 0; i < in->n; i++) {
		v = use_true ? vmx_msr_true_ctl(&in->h[i]->vmx_raw, msr) :
		    vmx_msr_get(&in->h[i]->vmx_raw, msr);
		allowed &= (uint32_t)(v >> 32);
		must |= (uint32_t)v;
	}
	if ((bad = must & ~allowed) != 0) {
		unsigned bit = (unsigned)__builtin_ctz(bad);
		char name[80];

		vmxbits_name(msr, bit, name, sizeof(name));
		for (i = 0; i < in->n; i++)
			if ((uint32_t)vmx_msr_true_ctl(&in->h[i]->vmx_raw, msr) >> bit & 1)
				break;
		for (j = 0; j < in->n; j++)
			if (!((vmx_msr_true_ctl(&in->h[j]->vmx_raw, msr) >> 32) >> bit & 1))
				break;
		jsonu_err(in->err, in->errsize, NULL,
		    "no common configuration: %s (control bit %u of %s) is forced on by %s and "
		    "unavailable on %s", name, bit, vmxbits_msr_name(msr) ? vmxbits_msr_name(msr) : "?",
		    baseline_name(in, i < in->n ? i : 0), baseline_name(in, j < in->n ? j : 0));
		return -1;
	}
	*value = (uint64_t)allowed << 32 | must;
	return 0;
}

static int
baseline_vmx(const struct baseline_in *in, struct vmx_msrs *out)
{
	const struct vmx_msrs *m0 = &in->h[0]->vmx_raw;
	uint64_t basic, misc, v, feat, size = 0, rate;
	uint32_t cr3 = UINT32_MAX, maxmsr = UINT32_MAX;
	int rates_differ = 0;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < in->n; i++) {
		if (!profile_layer_ok(&in->h[i]->vmx) || !vmx_msr_has(&in->h[i]->vmx_raw, MSR_VMX_BASIC))
			return jsonu_err(in->err, in->errsize, NULL,
			    "no common configuration: %s has no VMX capability data (nested "
			    "virtualization unavailable or not collected)", baseline_name(in, i));
	}

	/* BASIC: revision and MSEG equal everywhere, the largest size. */
	basic = vmx_msr_get(m0, MSR_VMX_BASIC);
	feat = BASELINE_BASIC_FEAT;
	for (i = 0; i < in->n; i++) {
		v = vmx_msr_get(&in->h[i]->vmx_raw, MSR_VMX_BASIC);
		if (BASELINE_BASIC_REV(v) != BASELINE_BASIC_REV(basic))
			return jsonu_err(in->err, in->errsize, NULL,
			    "no common configuration: VMCS revision 0x%" PRIx64 " on %s, 0x%" PRIx64
			    " on %s (KVM accepts only an equal revision)", BASELINE_BASIC_REV(basic),
			    baseline_name(in, 0), BASELINE_BASIC_REV(v), baseline_name(in, i));
		feat &= v;
		if (BASELINE_BASIC_SIZE(v) > size)
			size = BASELINE_BASIC_SIZE(v);
	}
	basic = (basic & ~(BASELINE_BASIC_FEAT | BASELINE_BASIC_32BIT | (0x1fffull << 32))) |
	    (feat & BASELINE_BASIC_FEAT) | size << 32;
	vmx_msr_set(out, MSR_VMX_BASIC, basic);

	/* Controls. */
	for (k = 0; k < sizeof(baseline_ctls) / sizeof(baseline_ctls[0]); k++) {
		const struct baseline_ctl *c = &baseline_ctls[k];

		if (baseline_vmx_ctl(in, c->true_msr, 1, &v) == -1)
			return -1;
		if (basic & BASELINE_TRUE_CTLS)
			vmx_msr_set(out, c->true_msr, v);
		vmx_msr_set(out, c->msr, v | c->always_on);
	}
	for (i = 0; i < in->n; i++)
		if (vmx_msr_has(&in->h[i]->vmx_raw, MSR_VMX_PROCBASED2))
			break;
	if (i < in->n) {
		if (baseline_vmx_ctl(in, MSR_VMX_PROCBASED2, 0, &v) == -1)
			return -1;
		vmx_msr_set(out, MSR_VMX_PROCBASED2, v);
	}

	/* MISC: features ANDed, counts at their minimum, rate and MSEG equal. */
	misc = vmx_msr_get(m0, MSR_VMX_MISC);
	feat = BASELINE_MISC_FEAT;
	rate = BASELINE_MISC_RATE(misc);
	for (i = 0; i < in->n; i++) {
		v = vmx_msr_get(&in->h[i]->vmx_raw, MSR_VMX_MISC);
		feat &= v;
		if (BASELINE_MISC_CR3(v) < cr3)
			cr3 = (uint32_t)BASELINE_MISC_CR3(v);
		if (BASELINE_MISC_MAXMSR(v) < maxmsr)
			maxmsr = (uint32_t)BASELINE_MISC_MAXMSR(v);
		if (BASELINE_MISC_MSEG(v) != BASELINE_MISC_MSEG(misc))
			return jsonu_err(in->err, in->errsize, NULL,
			    "no common configuration: MSEG revision 0x%" PRIx64 " on %s, 0x%" PRIx64
			    " on %s (KVM accepts only an equal revision)", BASELINE_MISC_MSEG(misc),
			    baseline_name(in, 0), BASELINE_MISC_MSEG(v), baseline_name(in, i));
		if (BASELINE_MISC_RATE(v) != rate)
			rates_differ = 1;
	}
	misc = (BASELINE_MISC_MSEG(misc) << 32) | (feat & BASELINE_MISC_FEAT) |
	    (uint64_t)maxmsr << 25 | (uint64_t)cr3 << 16 | rate;
	vmx_msr_set(out, MSR_VMX_MISC, misc);
	if (rates_differ) {
		/* KVM demands an equal rate only while the timer is exposed: hide it. */
		for (k = 0; k < 2; k++) {
			uint32_t msr = k == 0 ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED;

			if (vmx_msr_has(out, msr))
				vmx_msr_set(out, msr, vmx_msr_get(out, msr) &
				    ~(1ull << (32 + BASELINE_PIN_TIMER)));
		}
		baseline_note(in, "the VMX-preemption timer is left out: its rate differs between hosts");
	}

	/* FIXED0: every bit some host forces on; FIXED1: what all allow. */
	for (k = 0; k < 2; k++) {
		uint32_t msr = k == 0 ? MSR_VMX_CR0_FIXED0 : MSR_VMX_CR4_FIXED0;

		v = 0;
		for (i = 0; i < in->n; i++)
			v |= vmx_msr_get(&in->h[i]->vmx_raw, msr);
		vmx_msr_set(out, msr, v);
		baseline_vmx_and(in, msr + 1, out);
	}

	/* VMCS_ENUM: the smallest highest field index. */
	v = UINT64_MAX;
	for (i = 0; i < in->n; i++)
		if (vmx_msr_get(&in->h[i]->vmx_raw, MSR_VMX_VMCS_ENUM) < v)
			v = vmx_msr_get(&in->h[i]->vmx_raw, MSR_VMX_VMCS_ENUM);
	vmx_msr_set(out, MSR_VMX_VMCS_ENUM, v);

	/* EPT/VPID always (absent counts as no capability); VMFUNC etc. where all report it. */
	v = ~0ull;
	for (i = 0; i < in->n; i++)
		v &= vmx_msr_get(&in->h[i]->vmx_raw, MSR_VMX_EPT_VPID);
	vmx_msr_set(out, MSR_VMX_EPT_VPID, v);
	baseline_vmx_and(in, MSR_VMX_VMFUNC, out);
	if (!vmx_msr_has(out, MSR_VMX_VMFUNC)) {
		for (i = 0; i < in->n; i++)
			if (vmx_msr_has(&in->h[i]->vmx_raw, MSR_VMX_VMFUNC))
				break;
		if (i < in->n)
			baseline_note(in, "VMFUNC (0x491) is not reported by every host: left out");
	}
	baseline_vmx_and(in, MSR_VMX_PROCBASED3, out);
	baseline_vmx_and(in, MSR_VMX_EXIT2, out);
	return 0;
}

/* ---- eVMCS ---- */

/*
 * The eVMCS view (PV bit pv) an L1 guest sees on host p, found the way the
 * rules engine finds it: measured by the probe guest, else emulated with
 * the filter of the host's kernel, else a stored emulation.  *row receives
 * the filter row used, if any.  Returns 0, or -1 when the view is unknown.
 */
static int
baseline_evmcs_view(const struct profile *p, int pv, struct vmx_msrs *out,
    const struct evmcs_row **row, int *open)
{
	enum evmcs_view vw = pv ? EVMCS_VIEW_EVMCS_PV : EVMCS_VIEW_EVMCS;
	const struct profile_evmcs *em = &p->evmcs_emulated;
	struct evmcs_kinfo ki;
	size_t i;

	evmcs_kernel_info(p->kernel, &ki);
	*row = ki.row;
	*open = ki.nopen > 0;
	if (profile_layer_ok(&p->evmcs_measured.layer) && (p->evmcs_measured.views_present >> vw & 1)) {
		*out = p->evmcs_measured.view[vw];
		return 0;
	}
	if (*row == NULL && profile_layer_ok(&em->layer))
		for (i = 0; i < evmcs_rows_count; i++)
			if (strcmp(evmcs_rows[i].row, em->rules) == 0)
				*row = &evmcs_rows[i];
	if (*row != NULL && profile_layer_ok(&p->vmx)) {
		struct vmx_msrs other;
		int j;
		size_t k;

		evmcs_apply(*row, &p->vmx_raw, pv, out);
		for (j = 0; j < ki.nopen && ki.row == *row; j++) {
			/* An open stable backport may have moved the kernel on: only what all show. */
			evmcs_apply(ki.open_row[j], &p->vmx_raw, pv, &other);
			for (k = 0; k < VMX_MSR_NUM; k++)
				out->val[k] &= other.val[k] | 0xffffffffull;
		}
		return 0;
	}
	if (*row != NULL && profile_layer_ok(&em->layer) && (em->views_present >> vw & 1)) {
		*out = em->view[vw];
		return 0;
	}
	return -1;
}

/*
 * eVMCS scenarios: an eVMCS guest can only ever use what every host's
 * filter shows, and kernels v4.20-v5.5 also refuse raw values beyond
 * their filter, so the raw controls narrow to the intersection of the
 * hosts' filtered views.  The baseline then carries an emulated eVMCS
 * layer naming a filter row, which the rules engine applies to it.
 */
static int
baseline_evmcs(const struct baseline_in *in, enum vmspec_scenario sc, struct profile *out)
{
	static const uint32_t ctl[] = {
		MSR_VMX_TRUE_PINBASED, MSR_VMX_TRUE_PROCBASED, MSR_VMX_TRUE_EXIT, MSR_VMX_TRUE_ENTRY,
	};
	struct profile_evmcs *e = &out->evmcs_emulated;
	const struct evmcs_row *row, *row0 = NULL;
	struct vmx_msrs view, *b = &out->vmx_raw;
	int pv = sc == VMSPEC_EVMCS_PV, open;
	uint64_t v, keep;
	uint32_t bad;
	size_t i, k;

	for (i = 0; i < in->n; i++) {
		if (baseline_evmcs_view(in->h[i], pv, &view, &row, &open) == -1)
			return jsonu_err(in->err, in->errsize, NULL,
			    "no eVMCS view of %s: kernel \"%s\" unknown to the filter table and no "
			    "measured view", baseline_name(in, i), in->h[i]->kernel);
		/* A row without backport ambiguity describes the baseline exactly. */
		if (row0 == NULL && row != NULL && !open)
			row0 = row;
		for (k = 0; k < sizeof(ctl) / sizeof(ctl[0]); k++) {
			keep = (vmx_msr_true_ctl(&view, ctl[k]) | 0xffffffffull);
			if (vmx_msr_has(b, ctl[k]))
				vmx_msr_set(b, ctl[k], vmx_msr_get(b, ctl[k]) & keep);
			v = vmx_msr_get(b, ctl[k] - (MSR_VMX_TRUE_PINBASED - MSR_VMX_PINBASED));
			vmx_msr_set(b, ctl[k] - (MSR_VMX_TRUE_PINBASED - MSR_VMX_PINBASED), v & keep);
		}
		if (vmx_msr_has(b, MSR_VMX_PROCBASED2))
			vmx_msr_set(b, MSR_VMX_PROCBASED2, vmx_msr_get(b, MSR_VMX_PROCBASED2) &
			    (vmx_msr_get(&view, MSR_VMX_PROCBASED2) | 0xffffffffull));
		if (vmx_msr_has(b, MSR_VMX_VMFUNC))
			vmx_msr_set(b, MSR_VMX_VMFUNC, vmx_msr_get(b, MSR_VMX_VMFUNC) &
			    (vmx_msr_get(&view, MSR_VMX_VMFUNC) | 0xffffffff00000000ull));
	}
	for (k = 0; k < sizeof(ctl) / sizeof(ctl[0]) + 1; k++) {
		v = k < sizeof(ctl) / sizeof(ctl[0]) ? vmx_msr_true_ctl(b, ctl[k]) :
		    vmx_msr_get(b, MSR_VMX_PROCBASED2);
		if ((bad = (uint32_t)v & ~(uint32_t)(v >> 32)) != 0) {
			char name[80];
			uint32_t msr = k < sizeof(ctl) / sizeof(ctl[0]) ? ctl[k] : MSR_VMX_PROCBASED2;

			vmxbits_name(msr, (unsigned)__builtin_ctz(bad), name, sizeof(name));
			return jsonu_err(in->err, in->errsize, NULL,
			    "no common eVMCS configuration: %s is forced on by a host and hidden by the "
			    "eVMCS filter of another", name);
		}
	}
	if (row0 == NULL)
		row0 = &evmcs_rows[evmcs_rows_count - 1];
	util_strlcpy(e->rules, row0->row, sizeof(e->rules));
	e->view[EVMCS_VIEW_PLAIN] = *b;
	evmcs_apply(row0, b, 0, &e->view[EVMCS_VIEW_EVMCS]);
	evmcs_apply(row0, b, 1, &e->view[EVMCS_VIEW_EVMCS_PV]);
	e->views_present = 1u << EVMCS_VIEW_PLAIN | 1u << EVMCS_VIEW_EVMCS | 1u << EVMCS_VIEW_EVMCS_PV;
	e->pv_bit_honoured = row0->pv ? PROFILE_YES : PROFILE_NO;
	profile_layer_set(&e->layer, LAYER_EMULATED, "baseline: VMX controls narrowed to the eVMCS "
	    "views of %zu hosts, filter row %s", in->n, row0->row);
	return 0;
}

/* ---- CPUID, KVM, TSC ---- */

static const struct profile_cpuid *
baseline_cpuid_find(const struct profile *p, int hv, uint32_t leaf, uint32_t sub)
{
	const struct profile_cpuid *e = profile_cpuid_find(p, hv, leaf, sub);

	if (e == NULL && sub != 0)
		return NULL;
	return e;
}

static uint32_t *
baseline_cpuid_reg(struct profile_cpuid *e, int reg)
{
	switch (reg) {
	case 0:
		return &e->eax;
	case 1:
		return &e->ebx;
	case 2:
		return &e->ecx;
	default:
		return &e->edx;
	}
}

static void
baseline_cpuid(const struct baseline_in *in, struct profile *out)
{
	const struct profile *p0 = in->h[0];
	size_t i, k;

	for (k = 0; k < p0->n_cpuid; k++)
		profile_add_cpuid(out, 0, &p0->cpuid_ent[k]);
	for (k = 0; k < cpuidfeat_table_count; k++) {
		const struct cpuidfeat_entry *f = &cpuidfeat_table[k];
		int reg = cpuidfeat_reg_index(f->reg);
		struct profile_cpuid *e = NULL;
		size_t j;

		if (reg < 0)
			continue;
		for (j = 0; j < out->n_cpuid; j++) {
			if (out->cpuid_ent[j].function == f->leaf && out->cpuid_ent[j].index == f->subleaf) {
				e = &out->cpuid_ent[j];
				break;
			}
		}
		if (e == NULL)
			continue;
		for (i = 1; i < in->n; i++) {
			const struct profile_cpuid *h = baseline_cpuid_find(in->h[i], 0, f->leaf, f->subleaf);
			struct profile_cpuid tmp;

			if (h != NULL) {
				tmp = *h;
				if (*baseline_cpuid_reg(&tmp, reg) >> f->bit & 1)
					continue;
			}
			*baseline_cpuid_reg(e, reg) &= ~(1u << f->bit);
			break;
		}
	}
	out->cpuid = p0->cpuid;
	profile_layer_set(&out->cpuid, LAYER_EMULATED, "baseline: feature flags of %zu hosts ANDed", in->n);
}

static void
baseline_hv_cpuid(const struct baseline_in *in, struct profile *out)
{
	const struct profile *p0 = in->h[0];
	size_t i, k, j;

	for (k = 0; k < p0->n_hv_cpuid; k++) {
		struct profile_cpuid e = p0->hv_cpuid_ent[k];
		int flags = 0;

		for (j = 0; j < sizeof(baseline_hv_flag_leaves) / sizeof(baseline_hv_flag_leaves[0]); j++)
			flags |= e.function == baseline_hv_flag_leaves[j];
		for (i = 1; i < in->n && flags; i++) {
			const struct profile_cpuid *h = profile_cpuid_find(in->h[i], 1, e.function, e.index);

			if (h == NULL) {
				e.eax = e.ebx = e.ecx = e.edx = 0;
				break;
			}
			e.eax &= h->eax;
			e.ebx &= h->ebx;
			e.ecx &= h->ecx;
			e.edx &= h->edx;
		}
		profile_add_cpuid(out, 1, &e);
	}
	out->hv_cpuid = p0->hv_cpuid;
	profile_layer_set(&out->hv_cpuid, LAYER_EMULATED, "baseline: Hyper-V flags of %zu hosts ANDed",
	    in->n);
}

/* Capabilities every host reports, at their smallest value. */
static void
baseline_caps(const struct baseline_in *in, int vm, struct profile *out)
{
	const struct profile *p0 = in->h[0];
	const struct profile_cap *c0 = vm ? p0->caps_vm : p0->caps_sys;
	size_t n0 = vm ? p0->n_caps_vm : p0->n_caps_sys, i, j, k;

	for (k = 0; k < n0; k++) {
		int64_t v = c0[k].value;

		for (i = 1; i < in->n; i++) {
			const struct profile_cap *c = vm ? in->h[i]->caps_vm : in->h[i]->caps_sys;
			size_t n = vm ? in->h[i]->n_caps_vm : in->h[i]->n_caps_sys;

			for (j = 0; j < n && c[j].id != c0[k].id; j++)
				;
			if (j == n)
				break;
			if (c[j].value < v)
				v = c[j].value;
		}
		if (i == in->n)
			profile_add_cap(out, vm, c0[k].id, v);
	}
}

/*
 * The feature MSRs every host reports, ANDed; a numeric field (the LBR
 * format) is kept only where every host has the same value.
 */
static void
baseline_feature_msrs(const struct baseline_in *in, struct profile *out)
{
	const struct profile *p0 = in->h[0];
	size_t i, j, k, t;

	for (k = 0; k < p0->n_msrs; k++) {
		uint32_t idx = p0->msrs[k].index;
		uint64_t fields = 0, v = p0->msrs[k].value;

		if (msrfeat_msr_name(idx) == NULL)
			continue;
		for (t = 0; t < msrfeat_table_count; t++)
			if (msrfeat_table[t].msr == idx && msrfeat_table[t].width > 1)
				fields |= msrfeat_mask(&msrfeat_table[t]);
		for (i = 1; i < in->n; i++) {
			const struct profile *h = in->h[i];

			for (j = 0; j < h->n_msrs && h->msrs[j].index != idx; j++)
				;
			if (j == h->n_msrs)
				break;
			for (t = 0; t < msrfeat_table_count; t++) {
				uint64_t m = msrfeat_mask(&msrfeat_table[t]);

				if (msrfeat_table[t].msr == idx && msrfeat_table[t].width > 1 &&
				    (h->msrs[j].value & m) != (v & m))
					v &= ~m;
			}
			v &= h->msrs[j].value | fields;
		}
		if (i == in->n)
			profile_add_msr(out, idx, v);
	}
	profile_layer_set(&out->feature_msrs, LAYER_EMULATED, "baseline: feature MSRs of %zu hosts ANDed",
	    in->n);
}

/* KVM's tolerance for a TSC frequency without scaling (tsc_tolerance_ppm). */
#define BASELINE_TSC_PPM	250

static int
baseline_tsc_equal(uint32_t a, uint32_t b)
{
	uint64_t diff = a > b ? a - b : b - a;

	return diff * 1000000u <= (uint64_t)BASELINE_TSC_PPM * b;
}

/*
 * The VM runs at one frequency: that of every host that cannot scale the
 * TSC, which must then agree; any frequency if all hosts scale.
 */
static int
baseline_tsc(const struct baseline_in *in, struct profile *out)
{
	uint32_t khz = 0;
	size_t i, first = 0;
	int scaling = 1;

	for (i = 0; i < in->n; i++) {
		const struct profile *p = in->h[i];

		if (p->tsc_scaling)
			continue;
		scaling = 0;
		if (khz == 0) {
			khz = p->tsc_khz;
			first = i;
		} else if (!baseline_tsc_equal(khz, p->tsc_khz) || !baseline_tsc_equal(p->tsc_khz, khz)) {
			return jsonu_err(in->err, in->errsize, NULL,
			    "no common configuration: TSC at %" PRIu32 " kHz on %s and %" PRIu32
			    " kHz on %s, and neither can scale the TSC", khz, baseline_name(in, first),
			    p->tsc_khz, baseline_name(in, i));
		}
	}
	out->tsc_khz = khz != 0 ? khz : in->h[0]->tsc_khz;
	out->tsc_scaling = scaling;
	profile_layer_set(&out->tsc, LAYER_EMULATED, "baseline of %zu hosts", in->n);
	return 0;
}

static int
baseline_compute_in(const struct baseline_in *in, enum vmspec_scenario sc, struct profile *out)
{
	const struct profile *p0 = in->h[0];
	size_t i;
	int ret = -1, amd;

	profile_clear(out);
	if (in->n == 0) {
		jsonu_err(in->err, in->errsize, NULL, "no hosts given");
		goto cleanup;
	}
	for (i = 1; i < in->n; i++) {
		if (strcmp(in->h[i]->cpu.vendor, p0->cpu.vendor) != 0) {
			jsonu_err(in->err, in->errsize, NULL,
			    "no common configuration: CPU vendor \"%s\" on %s, \"%s\" on %s",
			    p0->cpu.vendor, baseline_name(in, 0), in->h[i]->cpu.vendor, baseline_name(in, i));
			goto cleanup;
		}
	}
	util_strlcpy(out->host_id, "baseline", sizeof(out->host_id));
	snprintf(out->hostname, sizeof(out->hostname), "baseline of %zu hosts (%s)", in->n,
	    vmspec_scenario_name(sc));
	util_strlcpy(out->cpu.vendor, p0->cpu.vendor, sizeof(out->cpu.vendor));
	snprintf(out->cpu.model_name, sizeof(out->cpu.model_name), "baseline of %zu hosts", in->n);
	out->cpu.family = out->cpu.model = out->cpu.stepping = -1;
	for (i = 1; i < in->n && strcmp(in->h[i]->kernel, p0->kernel) == 0; i++)
		;
	if (i == in->n)
		util_strlcpy(out->kernel, p0->kernel, sizeof(out->kernel));
	out->is_dump = p0->is_dump;
	for (i = 1; i < in->n; i++)
		out->is_dump &= in->h[i]->is_dump;

	/* On AMD, nested virtualization is SVM, which the CPUID layer carries. */
	amd = strcmp(p0->cpu.vendor, "AuthenticAMD") == 0 || strcmp(p0->cpu.vendor, "HygonGenuine") == 0;
	if (amd && (sc == VMSPEC_EVMCS || sc == VMSPEC_EVMCS_PV)) {
		jsonu_err(in->err, in->errsize, NULL, "no common configuration: eVMCS needs Intel VMX, "
		    "the hosts are %s", p0->cpu.vendor);
		goto cleanup;
	}
	if (!amd && (sc != VMSPEC_PLAIN || baseline_all_ok(in, offsetof(struct profile, vmx)))) {
		if (baseline_vmx(in, &out->vmx_raw) == -1) {
			if (sc != VMSPEC_PLAIN)
				goto cleanup;
			/* Irrelevant without nested virtualization: leave VMX out. */
			memset(&out->vmx_raw, 0, sizeof(out->vmx_raw));
		} else {
			profile_layer_set(&out->vmx, LAYER_EMULATED, "baseline of %zu hosts", in->n);
		}
	}
	if (sc == VMSPEC_EVMCS || sc == VMSPEC_EVMCS_PV) {
		if (baseline_evmcs(in, sc, out) == -1)
			goto cleanup;
	}
	if (baseline_all_ok(in, offsetof(struct profile, cpuid)))
		baseline_cpuid(in, out);
	else
		baseline_note(in, "CPUID is not known for every host: the baseline carries no CPUID layer");
	if (baseline_all_ok(in, offsetof(struct profile, hv_cpuid)))
		baseline_hv_cpuid(in, out);
	if (baseline_all_ok(in, offsetof(struct profile, feature_msrs)))
		baseline_feature_msrs(in, out);
	if (baseline_all_ok(in, offsetof(struct profile, kvm))) {
		out->api_version = p0->api_version;
		baseline_caps(in, 0, out);
		baseline_caps(in, 1, out);
		profile_layer_set(&out->kvm, LAYER_EMULATED, "baseline: capabilities of %zu hosts at their "
		    "minimum", in->n);
	}
	if (baseline_all_ok(in, offsetof(struct profile, tsc)) && baseline_tsc(in, out) == -1)
		goto cleanup;
	if (profile_update_hash(out) == -1) {
		jsonu_err(in->err, in->errsize, NULL, "cannot compute the baseline's hash");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret == -1)
		profile_clear(out);
	return ret;
}

int
baseline_compute(const struct profile *const *hosts, const char *const *names, size_t n,
    enum vmspec_scenario sc, struct profile *out, char *err, size_t errsize)
{
	struct baseline_in in = { hosts, names, n, NULL, err, errsize };

	return baseline_compute_in(&in, sc, out);
}

/* ---- the whole answer ---- */

struct json_object *
baseline_json(const struct profile *const *hosts, const char *const *names, size_t n,
    enum vmspec_scenario sc, enum rules_policy policy, char *err, size_t errsize)
{
	return baseline_json_for(hosts, names, n, sc, policy, NULL, err, errsize);
}

struct json_object *
baseline_json_for(const struct profile *const *hosts, const char *const *names, size_t n,
    enum vmspec_scenario sc, enum rules_policy policy, const struct cpuout_clients *cl, char *err,
    size_t errsize)
{
	struct baseline_in in = { hosts, names, n, json_object_new_array(), err, errsize };
	struct json_object *o = NULL, *msrs, *check, *failures;
	struct profile *b = profile_new();
	struct cpuout_versions ver;
	struct vmspec vm;
	size_t i, counts[4] = { 0, 0, 0, 0 };
	char key[16], *s;

	if (baseline_compute_in(&in, sc, b) == -1)
		goto cleanup;
	o = json_object_new_object();
	json_object_object_add(o, "scenario", json_object_new_string(vmspec_scenario_name(sc)));
	json_object_object_add(o, "policy", json_object_new_string(rules_policy_name(policy)));
	json_object_object_add(o, "n_hosts", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "hash", json_object_new_string(b->hash));
	msrs = json_object_new_object();
	for (i = VMX_MSR_FIRST; i <= VMX_MSR_LAST; i++) {
		if (!vmx_msr_has(&b->vmx_raw, (uint32_t)i))
			continue;
		snprintf(key, sizeof(key), "0x%zx", i);
		json_object_object_add(msrs, key, jsonu_hex(vmx_msr_get(&b->vmx_raw, (uint32_t)i)));
	}
	json_object_object_add(o, "vmx_msrs", msrs);
	cpuout_versions_pick(hosts, n, cl, &ver);
	json_object_object_add(o, "versions", cpuout_versions_json(&ver, in.notes));
	s = cpuout_libvirt(b, sc, &ver, in.notes);
	json_object_object_add(o, "libvirt_cpu", json_object_new_string(s));
	free(s);
	s = cpuout_qemu(b, sc, &ver, in.notes);
	json_object_object_add(o, "qemu_cpu", json_object_new_string(s));
	free(s);
	json_object_object_add(o, "notes", json_object_get(in.notes));

	/* The promise: the baseline, as the source, fits every host. */
	rules_prepare(b);
	vmspec_init(&vm, sc);
	check = json_object_new_object();
	failures = json_object_new_array();
	for (i = 0; i < n; i++) {
		enum rules_verdict v = rules_verdict_of(b, hosts[i], &vm, policy);
		struct json_object *f, *full, *reasons;

		counts[v == RULES_COMPATIBLE ? 0 : v == RULES_INCOMPATIBLE ? 1 : 2]++;
		if (v == RULES_COMPATIBLE)
			continue;
		f = json_object_new_object();
		json_object_object_add(f, "host", json_object_new_string(baseline_name(&in, i)));
		json_object_object_add(f, "verdict", json_object_new_string(rules_verdict_name(v)));
		full = rules_check_json(b, hosts[i], &vm, policy);
		if (json_object_object_get_ex(full, "reasons", &reasons))
			json_object_object_add(f, "reasons", json_object_get(reasons));
		json_object_put(full);
		json_object_array_add(failures, f);
	}
	json_object_object_add(check, "compatible", json_object_new_int64((int64_t)counts[0]));
	json_object_object_add(check, "incompatible", json_object_new_int64((int64_t)counts[1]));
	json_object_object_add(check, "unknown", json_object_new_int64((int64_t)counts[2]));
	json_object_object_add(check, "failures", failures);
	json_object_object_add(o, "check", check);
	json_object_object_add(o, "profile", profile_to_json(b));
cleanup:
	json_object_put(in.notes);
	profile_free(b);
	return o;
}
