/*
 * pdiff.c - features lost and gained between two profiles: the VMX MSRs,
 * eVMCS views, CPUID and KVM capabilities; pdiff_layers.c has the rest.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "log.h"
#include "pdiff.h"
#include "pdiff_priv.h"
#include "profile.h"
#include "vmx.h"
#include "vmxbits.h"

void
pdiff_change(struct pdiff *d, const char *layer, const char *name, struct json_object *from,
    struct json_object *to)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "layer", json_object_new_string(layer));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "from", from);
	json_object_object_add(o, "to", to);
	json_object_array_add(d->changed, o);
}

void
pdiff_change_str(struct pdiff *d, const char *layer, const char *name, const char *from,
    const char *to)
{
	if (strcmp(from, to) != 0)
		pdiff_change(d, layer, name, json_object_new_string(from), json_object_new_string(to));
}

void
pdiff_change_int(struct pdiff *d, const char *layer, const char *name, int64_t from, int64_t to)
{
	if (from != to)
		pdiff_change(d, layer, name, json_object_new_int64(from), json_object_new_int64(to));
}

void
pdiff_change_hex(struct pdiff *d, const char *layer, const char *name, uint64_t from, uint64_t to)
{
	if (from != to)
		pdiff_change(d, layer, name, jsonu_hex(from), jsonu_hex(to));
}

struct json_object *
pdiff_item(struct pdiff *d, int gained, const char *layer, const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "layer", json_object_new_string(layer));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_array_add(gained ? d->gained : d->lost, o);
	return o;
}

static void
pdiff_vmx_bit(struct pdiff *d, int gained, const char *layer, uint32_t msr, unsigned bit,
    const char *kind)
{
	struct json_object *o;
	char name[96], buf[80];

	vmxbits_name(msr, bit, buf, sizeof(buf));
	if (strcmp(kind, "allowed-0") == 0)
		snprintf(name, sizeof(name), "%s may be 0", buf);
	else
		snprintf(name, sizeof(name), "%s", buf);
	o = pdiff_item(d, gained, layer, name);
	snprintf(buf, sizeof(buf), "0x%" PRIx32, msr);
	json_object_object_add(o, "msr", json_object_new_string(buf));
	json_object_object_add(o, "bit", json_object_new_int((int)bit));
	json_object_object_add(o, "kind", json_object_new_string(kind));
}

/* Compare the bits of mask in two values: set only in a is lost, only in b gained. */
static void
pdiff_vmx_bits(struct pdiff *d, const char *layer, uint32_t msr, uint64_t va, uint64_t vb,
    uint64_t mask, unsigned shift, const char *kind, int named_only)
{
	unsigned bit;
	uint64_t x = (va ^ vb) & mask;

	for (bit = 0; bit < 64; bit++) {
		if (!(x >> bit & 1))
			continue;
		if (named_only && vmxbits_lookup(msr, bit - shift) == NULL)
			continue;
		pdiff_vmx_bit(d, (vb >> bit & 1) != 0, layer, msr, bit - shift, kind);
	}
}

static const uint32_t pdiff_ctl_msrs[] = {
	MSR_VMX_TRUE_PINBASED, MSR_VMX_TRUE_PROCBASED, MSR_VMX_PROCBASED2,
	MSR_VMX_TRUE_EXIT, MSR_VMX_TRUE_ENTRY,
};

/* Control MSRs only: the filtered eVMCS views and the control part of the raw set. */
static void
pdiff_vmx_controls(struct pdiff *d, const char *layer, const struct vmx_msrs *a,
    const struct vmx_msrs *b)
{
	uint64_t va, vb;
	size_t i;

	for (i = 0; i < sizeof(pdiff_ctl_msrs) / sizeof(pdiff_ctl_msrs[0]); i++) {
		uint32_t msr = pdiff_ctl_msrs[i];

		if (msr == MSR_VMX_PROCBASED2) {
			va = vmx_msr_get(a, msr);
			vb = vmx_msr_get(b, msr);
		} else {
			va = vmx_msr_true_ctl(a, msr);
			vb = vmx_msr_true_ctl(b, msr);
		}
		/* Allowed-1 (63:32): a control the VM may turn on. */
		pdiff_vmx_bits(d, layer, msr, va, vb, 0xffffffff00000000ull, 32, "allowed-1", 0);
		/*
		 * Must-be-1 (31:0): a bit that becomes must-be-1 is lost
		 * freedom ("may be 0"), so invert the sense.
		 */
		pdiff_vmx_bits(d, layer, msr, ~va, ~vb, 0xffffffffull, 0, "allowed-0", 0);
	}
	va = vmx_msr_get(a, MSR_VMX_PROCBASED3);
	vb = vmx_msr_get(b, MSR_VMX_PROCBASED3);
	pdiff_vmx_bits(d, layer, MSR_VMX_PROCBASED3, va, vb, ~0ull, 0, "allowed-1", 0);
}

/* The value of an MSR of a set as text: hex, or "absent". */
static struct json_object *
pdiff_vmx_value(const struct vmx_msrs *m, uint32_t msr)
{
	return vmx_msr_has(m, msr) ? jsonu_hex(vmx_msr_get(m, msr)) : json_object_new_string("absent");
}

/* MSRs compared as whole values: the fixed CR0/CR4 bits, VMCS_ENUM, the secondary exit controls. */
static int
pdiff_vmx_by_value(uint32_t msr)
{
	return (msr >= MSR_VMX_CR0_FIXED0 && msr <= MSR_VMX_VMCS_ENUM) || msr == MSR_VMX_EXIT2;
}

void
pdiff_vmx(struct pdiff *d, const char *layer, const struct vmx_msrs *a, const struct vmx_msrs *b)
{
	const char *mn;
	char name[96];
	uint64_t va, vb;
	uint32_t msr;

	pdiff_vmx_controls(d, layer, a, b);
	va = vmx_msr_get(a, MSR_VMX_EPT_VPID);
	vb = vmx_msr_get(b, MSR_VMX_EPT_VPID);
	pdiff_vmx_bits(d, layer, MSR_VMX_EPT_VPID, va, vb, ~0ull, 0, "capability", 0);
	va = vmx_msr_get(a, MSR_VMX_VMFUNC);
	vb = vmx_msr_get(b, MSR_VMX_VMFUNC);
	pdiff_vmx_bits(d, layer, MSR_VMX_VMFUNC, va, vb, ~0ull, 0, "capability", 0);

	/* BASIC and MISC mix flags with numbers: named flags as items, numbers as changes. */
	va = vmx_msr_get(a, MSR_VMX_BASIC);
	vb = vmx_msr_get(b, MSR_VMX_BASIC);
	pdiff_vmx_bits(d, layer, MSR_VMX_BASIC, va, vb, ~0ull, 0, "capability", 1);
	pdiff_change_hex(d, layer, "VMCS revision", va & 0x7fffffff, vb & 0x7fffffff);
	pdiff_change_int(d, layer, "VMCS region size", (int64_t)(va >> 32 & 0x1fff),
	    (int64_t)(vb >> 32 & 0x1fff));
	va = vmx_msr_get(a, MSR_VMX_MISC);
	vb = vmx_msr_get(b, MSR_VMX_MISC);
	pdiff_vmx_bits(d, layer, MSR_VMX_MISC, va, vb, ~0ull, 0, "capability", 1);
	pdiff_change_int(d, layer, "preemption timer rate", (int64_t)(va & 0x1f), (int64_t)(vb & 0x1f));
	pdiff_change_int(d, layer, "CR3-target count", (int64_t)(va >> 16 & 0x1ff),
	    (int64_t)(vb >> 16 & 0x1ff));
	pdiff_change_int(d, layer, "MSR-list size", (int64_t)(va >> 25 & 7), (int64_t)(vb >> 25 & 7));
	pdiff_change_hex(d, layer, "MSEG revision", va >> 32, vb >> 32);

	/* The rest by value, and any MSR that one set has and the other lacks. */
	for (msr = VMX_MSR_FIRST; msr <= VMX_MSR_LAST; msr++) {
		if (vmx_msr_has(a, msr) == vmx_msr_has(b, msr) &&
		    (!pdiff_vmx_by_value(msr) || vmx_msr_get(a, msr) == vmx_msr_get(b, msr)))
			continue;
		mn = vmxbits_msr_name(msr);
		snprintf(name, sizeof(name), "%s (0x%" PRIx32 ")", mn != NULL ? mn : "MSR", msr);
		pdiff_change(d, layer, name, pdiff_vmx_value(a, msr), pdiff_vmx_value(b, msr));
	}
}

static const char *const pdiff_view_layers[EVMCS_VIEW_NUM] = {
	[EVMCS_VIEW_PLAIN] = "plain",
	[EVMCS_VIEW_EVMCS] = "evmcs",
	[EVMCS_VIEW_EVMCS_PV] = "evmcs-pv",
};

static void
pdiff_evmcs(struct pdiff *d, const char *which, const struct profile_evmcs *a,
    const struct profile_evmcs *b)
{
	static const char *const tri[] = { "unknown", "no", "yes" };
	char layer[64];
	int v, pa, pb;

	if (!profile_layer_ok(&a->layer) || !profile_layer_ok(&b->layer))
		return;
	for (v = 0; v < EVMCS_VIEW_NUM; v++) {
		snprintf(layer, sizeof(layer), "%s/%s", which, pdiff_view_layers[v]);
		pa = (int)(a->views_present >> v & 1);
		pb = (int)(b->views_present >> v & 1);
		if (pa != pb)
			pdiff_change_str(d, layer, "view", pa ? "present" : "absent", pb ? "present" : "absent");
		else if (pa)
			pdiff_vmx_controls(d, layer, &a->view[v], &b->view[v]);
	}
	pdiff_change_str(d, which, "PV bit honoured", tri[a->pv_bit_honoured + 1],
	    tri[b->pv_bit_honoured + 1]);
	pdiff_change_hex(d, which, "eVMCS version range", a->version_range, b->version_range);
	pdiff_change_str(d, which, "kernel filter row", a->rules, b->rules);
	pdiff_change_int(d, which, "views that differ from the emulated ones", (int64_t)a->n_mismatch,
	    (int64_t)b->n_mismatch);
}

/* CPUID leaves whose registers are feature flags (never numeric fields). */
static const struct {
	uint32_t function, index;
	unsigned regs;			/* bit 0 eax, 1 ebx, 2 ecx, 3 edx */
} pdiff_cpuid_flags[] = {
	{ 0x1, 0, 0xc },
	{ 0x6, 0, 0x1 },
	{ 0x7, 0, 0xe },
	{ 0x7, 1, 0x9 },
	{ 0x7, 2, 0x8 },
	{ 0xd, 1, 0x1 },
	{ 0x14, 0, 0x6 },
	{ 0x80000001, 0, 0xc },
	{ 0x80000007, 0, 0x8 },
	{ 0x80000008, 0, 0x2 },
	{ 0x8000000a, 0, 0x8 },
	{ 0x80000021, 0, 0x1 },
}, pdiff_hv_flags[] = {
	{ 0x40000003, 0, 0xb },
	{ 0x40000004, 0, 0x1 },
	{ 0x40000009, 0, 0x9 },
	{ 0x4000000a, 0, 0x3 },
};

static void
pdiff_cpuid_table(struct pdiff *d, const char *layer, int hv, const struct profile *a,
    const struct profile *b)
{
	static const char *const regname[4] = { "eax", "ebx", "ecx", "edx" };
	const struct profile_cpuid *ea, *eb;
	struct json_object *o;
	uint32_t ra, rb;
	char name[96];
	size_t i, n;
	unsigned r, bit;

	n = hv ? sizeof(pdiff_hv_flags) / sizeof(pdiff_hv_flags[0]) :
	    sizeof(pdiff_cpuid_flags) / sizeof(pdiff_cpuid_flags[0]);
	for (i = 0; i < n; i++) {
		uint32_t fn = hv ? pdiff_hv_flags[i].function : pdiff_cpuid_flags[i].function;
		uint32_t idx = hv ? pdiff_hv_flags[i].index : pdiff_cpuid_flags[i].index;
		unsigned regs = hv ? pdiff_hv_flags[i].regs : pdiff_cpuid_flags[i].regs;

		ea = profile_cpuid_find(a, hv, fn, idx);
		eb = profile_cpuid_find(b, hv, fn, idx);
		if (ea == NULL && eb == NULL)
			continue;
		for (r = 0; r < 4; r++) {
			if (!(regs >> r & 1))
				continue;
			ra = ea == NULL ? 0 : r == 0 ? ea->eax : r == 1 ? ea->ebx : r == 2 ? ea->ecx : ea->edx;
			rb = eb == NULL ? 0 : r == 0 ? eb->eax : r == 1 ? eb->ebx : r == 2 ? eb->ecx : eb->edx;
			for (bit = 0; bit < 32; bit++) {
				if (!((ra ^ rb) >> bit & 1))
					continue;
				snprintf(name, sizeof(name), "CPUID.0x%" PRIx32 ".%" PRIu32 ":%s[%u]",
				    fn, idx, regname[r], bit);
				o = pdiff_item(d, (rb >> bit & 1) != 0, layer, name);
				snprintf(name, sizeof(name), "0x%" PRIx32, fn);
				json_object_object_add(o, "function", json_object_new_string(name));
				json_object_object_add(o, "index", json_object_new_int64(idx));
				json_object_object_add(o, "register", json_object_new_string(regname[r]));
				json_object_object_add(o, "bit", json_object_new_int((int)bit));
			}
		}
	}
}

/* The registers of a leaf that the flag table compares bit by bit. */
static unsigned
pdiff_cpuid_flagregs(int hv, uint32_t fn, uint32_t idx)
{
	size_t i, n;

	n = hv ? sizeof(pdiff_hv_flags) / sizeof(pdiff_hv_flags[0]) :
	    sizeof(pdiff_cpuid_flags) / sizeof(pdiff_cpuid_flags[0]);
	for (i = 0; i < n; i++) {
		if (hv && pdiff_hv_flags[i].function == fn && pdiff_hv_flags[i].index == idx)
			return pdiff_hv_flags[i].regs;
		if (!hv && pdiff_cpuid_flags[i].function == fn && pdiff_cpuid_flags[i].index == idx)
			return pdiff_cpuid_flags[i].regs;
	}
	return 0;
}

static struct json_object *
pdiff_cpuid_entry_text(const struct profile_cpuid *e)
{
	char buf[96];

	if (e == NULL)
		return json_object_new_string("absent");
	snprintf(buf, sizeof(buf), "eax=0x%" PRIx32 " ebx=0x%" PRIx32 " ecx=0x%" PRIx32 " edx=0x%" PRIx32,
	    e->eax, e->ebx, e->ecx, e->edx);
	return json_object_new_string(buf);
}

/*
 * The registers the flag table leaves out (numbers such as the signature,
 * sizes, topology) as hex values, and leaves one profile lacks.
 */
static void
pdiff_cpuid_values(struct pdiff *d, const char *layer, int hv, const struct profile *a,
    const struct profile *b)
{
	static const char *const regname[4] = { "eax", "ebx", "ecx", "edx" };
	const struct profile *pp[2] = { a, b };
	const struct profile_cpuid *ent, *ea, *eb;
	char name[96];
	size_t i, k, n;
	unsigned r, flags;

	for (k = 0; k < 2; k++) {
		ent = hv ? pp[k]->hv_cpuid_ent : pp[k]->cpuid_ent;
		n = hv ? pp[k]->n_hv_cpuid : pp[k]->n_cpuid;
		for (i = 0; i < n; i++) {
			ea = profile_cpuid_find(a, hv, ent[i].function, ent[i].index);
			eb = profile_cpuid_find(b, hv, ent[i].function, ent[i].index);
			/* Each leaf once: from a, or from b when a lacks it. */
			if ((k == 0 ? ea : eb) != &ent[i] || (k == 1 && ea != NULL))
				continue;
			if (ea == NULL || eb == NULL) {
				snprintf(name, sizeof(name), "CPUID.0x%" PRIx32 ".%" PRIu32, ent[i].function,
				    ent[i].index);
				pdiff_change(d, layer, name, pdiff_cpuid_entry_text(ea),
				    pdiff_cpuid_entry_text(eb));
				continue;
			}
			flags = pdiff_cpuid_flagregs(hv, ent[i].function, ent[i].index);
			for (r = 0; r < 4; r++) {
				if (flags >> r & 1)
					continue;
				snprintf(name, sizeof(name), "CPUID.0x%" PRIx32 ".%" PRIu32 ":%s",
				    ent[i].function, ent[i].index, regname[r]);
				pdiff_change_hex(d, layer, name,
				    r == 0 ? ea->eax : r == 1 ? ea->ebx : r == 2 ? ea->ecx : ea->edx,
				    r == 0 ? eb->eax : r == 1 ? eb->ebx : r == 2 ? eb->ecx : eb->edx);
			}
		}
	}
}

static int
pdiff_seen(const struct profile_cap *c, size_t n, size_t upto, uint32_t id)
{
	size_t i;

	for (i = 0; i < n && i < upto; i++)
		if (c[i].id == id)
			return 1;
	return 0;
}

static void
pdiff_cap(struct pdiff *d, const struct profile *a, const struct profile *b, uint32_t id)
{
	struct json_object *o;
	const char *cn = profile_cap_name(id);
	int64_t va = profile_cap(a, id), vb = profile_cap(b, id);
	char name[64];

	if (cn != NULL)
		snprintf(name, sizeof(name), "%s", cn);
	else
		snprintf(name, sizeof(name), "cap %" PRIu32, id);
	if ((va > 0) != (vb > 0)) {
		o = pdiff_item(d, vb > 0, "kvm", name);
		json_object_object_add(o, "cap", json_object_new_int64(id));
	} else if (va > 0 && va != vb) {
		pdiff_change_int(d, "kvm", name, va, vb);
	}
}

/* Every capability id of either profile, each once. */
static void
pdiff_caps(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	const struct profile *pp[2] = { a, b };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct profile *p = pp[k];

		for (i = 0; i < p->n_caps_sys; i++) {
			uint32_t id = p->caps_sys[i].id;

			if (pdiff_seen(p->caps_sys, p->n_caps_sys, i, id) ||
			    (k == 1 && (pdiff_seen(a->caps_sys, a->n_caps_sys, SIZE_MAX, id) ||
			    pdiff_seen(a->caps_vm, a->n_caps_vm, SIZE_MAX, id))))
				continue;
			pdiff_cap(d, a, b, id);
		}
		for (i = 0; i < p->n_caps_vm; i++) {
			uint32_t id = p->caps_vm[i].id;

			if (pdiff_seen(p->caps_vm, p->n_caps_vm, i, id) ||
			    pdiff_seen(p->caps_sys, p->n_caps_sys, SIZE_MAX, id) ||
			    (k == 1 && (pdiff_seen(a->caps_sys, a->n_caps_sys, SIZE_MAX, id) ||
			    pdiff_seen(a->caps_vm, a->n_caps_vm, SIZE_MAX, id))))
				continue;
			pdiff_cap(d, a, b, id);
		}
	}
}

struct json_object *
pdiff_json(const struct profile *a, const struct profile *b)
{
	struct json_object *o = json_object_new_object();
	struct pdiff d;
	char sa[64], sb[64];

	d.lost = json_object_new_array();
	d.gained = json_object_new_array();
	d.changed = json_object_new_array();

	pdiff_change_str(&d, "host", "kernel", a->kernel, b->kernel);
	pdiff_change_str(&d, "host", "cpu", a->cpu.model_name, b->cpu.model_name);
	pdiff_change_str(&d, "host", "cpu vendor", a->cpu.vendor, b->cpu.vendor);
	snprintf(sa, sizeof(sa), "family %d model %d stepping %d", a->cpu.family, a->cpu.model,
	    a->cpu.stepping);
	snprintf(sb, sizeof(sb), "family %d model %d stepping %d", b->cpu.family, b->cpu.model,
	    b->cpu.stepping);
	pdiff_change_str(&d, "host", "cpu signature", sa, sb);
	if (a->cpu.has_microcode && b->cpu.has_microcode)
		pdiff_change_hex(&d, "host", "microcode", a->cpu.microcode, b->cpu.microcode);
	pdiff_layers_status(&d, a, b);
	if (profile_layer_ok(&a->kvm) && profile_layer_ok(&b->kvm)) {
		pdiff_change_int(&d, "kvm", "API version", a->api_version, b->api_version);
		pdiff_caps(&d, a, b);
	}
	if (profile_layer_ok(&a->cpuid) && profile_layer_ok(&b->cpuid)) {
		pdiff_cpuid_table(&d, "cpuid", 0, a, b);
		pdiff_cpuid_values(&d, "cpuid", 0, a, b);
	}
	if (profile_layer_ok(&a->hv_cpuid) && profile_layer_ok(&b->hv_cpuid)) {
		pdiff_cpuid_table(&d, "hv_cpuid", 1, a, b);
		pdiff_cpuid_values(&d, "hv_cpuid", 1, a, b);
	}
	if (profile_layer_ok(&a->feature_msrs) && profile_layer_ok(&b->feature_msrs))
		pdiff_layers_msrs(&d, a, b);
	if (profile_layer_ok(&a->vmx) && profile_layer_ok(&b->vmx)) {
		pdiff_change_str(&d, "vmx", "source", profile_vmx_source_name(profile_vmx_source(a)),
		    profile_vmx_source_name(profile_vmx_source(b)));
		pdiff_change_str(&d, "vmx", "emulated for kernel", a->vmx_kernel, b->vmx_kernel);
		pdiff_vmx(&d, "vmx", &a->vmx_raw, &b->vmx_raw);
	}
	if (profile_layer_ok(&a->vmx_vcpu) && profile_layer_ok(&b->vmx_vcpu))
		pdiff_vmx(&d, "vmx_vcpu", &a->vmx_vcpu_msrs, &b->vmx_vcpu_msrs);
	pdiff_evmcs(&d, "evmcs_measured", &a->evmcs_measured, &b->evmcs_measured);
	pdiff_evmcs(&d, "evmcs_emulated", &a->evmcs_emulated, &b->evmcs_emulated);
	if (profile_layer_ok(&a->hw) && profile_layer_ok(&b->hw))
		pdiff_layers_hw(&d, a, b);
	if (profile_layer_ok(&a->tsc) && profile_layer_ok(&b->tsc)) {
		pdiff_change_int(&d, "tsc", "tsc_khz", a->tsc_khz, b->tsc_khz);
		pdiff_change_int(&d, "tsc", "tsc_scaling", a->tsc_scaling, b->tsc_scaling);
	}
	if (profile_layer_ok(&a->params) && profile_layer_ok(&b->params))
		pdiff_layers_params(&d, a, b);
	if (profile_layer_ok(&a->libvirt) && profile_layer_ok(&b->libvirt))
		pdiff_layers_libvirt(&d, &a->lv, &b->lv);
	pdiff_layers_extra(&d, a, b);

	json_object_object_add(o, "lost", d.lost);
	json_object_object_add(o, "gained", d.gained);
	json_object_object_add(o, "changed", d.changed);
	return o;
}

static void
pdiff_print_items(FILE *f, struct json_object *a, char sign)
{
	struct json_object *it, *v;
	size_t i, n = a != NULL ? json_object_array_length(a) : 0;

	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(a, i);
		fprintf(f, "%c ", sign);
		log_vis_print(f, json_object_object_get_ex(it, "layer", &v) ? json_object_get_string(v) : "?",
		    24);
		fputc(' ', f);
		log_vis_print(f, json_object_object_get_ex(it, "name", &v) ? json_object_get_string(v) : "?",
		    0);
		if (json_object_object_get_ex(it, "from", &v)) {
			fputs(": ", f);
			log_vis_print(f, json_object_get_string(v), 0);
		}
		if (json_object_object_get_ex(it, "to", &v)) {
			fputs(" -> ", f);
			log_vis_print(f, json_object_get_string(v), 0);
		}
		fputc('\n', f);
	}
}

void
pdiff_print(FILE *f, struct json_object *diff)
{
	struct json_object *l = NULL, *g = NULL, *c = NULL;

	json_object_object_get_ex(diff, "lost", &l);
	json_object_object_get_ex(diff, "gained", &g);
	json_object_object_get_ex(diff, "changed", &c);
	if ((l == NULL || json_object_array_length(l) == 0) &&
	    (g == NULL || json_object_array_length(g) == 0) &&
	    (c == NULL || json_object_array_length(c) == 0)) {
		fprintf(f, "no changes\n");
		return;
	}
	pdiff_print_items(f, c, '~');
	pdiff_print_items(f, l, '-');
	pdiff_print_items(f, g, '+');
}
