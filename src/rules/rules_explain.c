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

static const char *const rules_layer_names[RULES_LAYER_NUM] = {
	[RULES_LAYER_VMX] = "vmx",
	[RULES_LAYER_EVMCS] = "evmcs",
	[RULES_LAYER_CPUID] = "cpuid",
	[RULES_LAYER_KVM] = "kvm",
	[RULES_LAYER_TSC] = "tsc",
	[RULES_LAYER_LIBVIRT] = "libvirt",
	[RULES_LAYER_FEATURE_MSR] = "feature_msrs",
};

static const char *const rules_rule_names[RULES_R_NUM] = {
	[RULES_R_ALLOWED1] = "allowed-1-subset",
	[RULES_R_MUSTBE1] = "must-be-1-subset",
	[RULES_R_SUBSET] = "subset",
	[RULES_R_BASIC_32BIT] = "basic-32bit-only",
	[RULES_R_BASIC_REVISION] = "vmcs-revision-equal",
	[RULES_R_BASIC_SIZE] = "vmcs-size",
	[RULES_R_MISC_CR3] = "misc-cr3-targets",
	[RULES_R_MISC_MAXMSR] = "misc-max-msr-list",
	[RULES_R_MISC_MSEG] = "mseg-revision-equal",
	[RULES_R_MISC_TIMER_RATE] = "preemption-timer-rate-equal",
	[RULES_R_FIXED0] = "fixed0-subset",
	[RULES_R_VM_REQUIRES] = "vm-requires",
	[RULES_R_NESTED_UNAVAILABLE] = "nested-unavailable",
	[RULES_R_EVMCS_HIDDEN] = "evmcs-hidden",
	[RULES_R_EVMCS_HOST_NARROWED] = "evmcs-host-narrowed",
	[RULES_R_EVMCS_PV_NOT_HONOURED] = "evmcs-pv-not-honoured",
	[RULES_R_EVMCS_PV_UNKNOWN] = "evmcs-pv-unknown",
	[RULES_R_EVMCS_UNSUPPORTED] = "evmcs-unsupported",
	[RULES_R_EVMCS_VIEW_UNKNOWN] = "evmcs-view-unknown",
	[RULES_R_EVMCS_BACKPORT] = "evmcs-backport-dependent",
	[RULES_R_VENDOR] = "vendor",
	[RULES_R_CPUID_MISSING] = "cpuid-subset",
	[RULES_R_CPUID_REQUIRED] = "cpuid-required",
	[RULES_R_FEATURE_UNKNOWN] = "feature-unknown",
	[RULES_R_CAP_MISSING] = "kvm-cap",
	[RULES_R_HV_PASSTHROUGH] = "hyperv-passthrough",
	[RULES_R_TSC_FREQ] = "tsc-frequency",
	[RULES_R_INVTSC_UNPINNED] = "invtsc-unpinned",
	[RULES_R_LAYER_MISSING] = "layer-missing",
	[RULES_R_MSR_MISSING] = "msr-subset",
	[RULES_R_MSR_REQUIRED] = "msr-required",
	[RULES_R_MSR_FIELD] = "msr-field-equal",
};

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
	return layer < RULES_LAYER_NUM ? rules_layer_names[layer] : "unknown";
}

const char *
rules_explain_rule(unsigned rule)
{
	return rule < RULES_R_NUM ? rules_rule_names[rule] : "unknown";
}

/* The kernel row or "measured" that gave a side's eVMCS view. */
static const char *
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
	else if (s->ev_row != NULL && s->ev_row->alt != NULL)
		snprintf(buf, bufsize, "kernel %s, filter row %s or, with stable backports, %s",
		    p->kernel[0] != '\0' ? p->kernel : "?", s->ev_row->row, s->ev_row->alt);
	else if (s->ev_row != NULL)
		snprintf(buf, bufsize, "kernel %s, filter row %s", p->kernel[0] != '\0' ? p->kernel : "?",
		    s->ev_row->row);
	else
		snprintf(buf, bufsize, "kernel \"%s\"", p->kernel);
	return buf;
}

/* "TSC scaling (bit 25 of IA32_VMX_PROCBASED_CTLS2)" for a VMX reason. */
static const char *
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

/* "avx512f (CPUID.(EAX=0x7,ECX=0):EBX bit 16)" for a CPUID reason. */
static const char *
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

/* "feature MSR 0x10a bit 5 mds-no" (or "bits 5:0 lbr-fmt") for a feature-MSR reason. */
static const char *
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

/* The KVM capability name for a number. */
static const char *
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
	const char *title = vmxbits_msr_title(r->msr);
	const char *side = r->side == RULES_SIDE_SRC ? "source" : "destination";
	const char *dker = c->dstp->kernel[0] != '\0' ? c->dstp->kernel : "unknown";
	char bit[160], a[96], b[96];

	if (title == NULL)
		title = "VMX";
	switch (r->rule) {
	case RULES_R_ALLOWED1:
		snprintf(buf, bufsize, "%s: %s allowed on source, not on destination", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_MUSTBE1:
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
	case RULES_R_FIXED0:
		snprintf(buf, bufsize, "%s: %s must be 1 on destination, may be 0 on source", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_VM_REQUIRES:
		snprintf(buf, bufsize, "%s: %s is enabled in the VM (%s), not allowed on destination", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)), (const char *)r->ref);
		break;
	case RULES_R_NESTED_UNAVAILABLE:
		snprintf(buf, bufsize, "VMX: destination exposes no nested VMX (IA32_VMX_BASIC is 0: "
		    "kvm_intel nested=0?)");
		break;
	case RULES_R_EVMCS_HIDDEN:
		snprintf(buf, bufsize, "eVMCS: %s: %s visible to the eVMCS guest on source (%s), hidden on "
		    "destination (%s)", title, rules_explain_vmxbit(r, bit, sizeof(bit)),
		    rules_explain_evsrc(c, c->srcp, a, sizeof(a)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_BACKPORT:
		snprintf(buf, bufsize, "eVMCS: %s: %s may be visible to the eVMCS guest on source (%s) and "
		    "hidden on destination (%s), depending on which stable backports the kernels carry; a "
		    "measured eVMCS view settles it", title, rules_explain_vmxbit(r, bit, sizeof(bit)),
		    rules_explain_evsrc(c, c->srcp, a, sizeof(a)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_HOST_NARROWED:
		snprintf(buf, bufsize, "eVMCS: %s: %s is stripped from the vCPU's own VMX MSRs when the "
		    "destination (%s) enables eVMCS, so restoring the source's value fails", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_PV_NOT_HONOURED:
		snprintf(buf, bufsize, "eVMCS: the VM sets the PV bit 0x4000000A.EBX[0] (PERF_GLOBAL_CTRL) but "
		    "the destination kernel (%s) does not honour it (v6.1 or newer does); policy strict", dker);
		break;
	case RULES_R_EVMCS_PV_UNKNOWN:
		snprintf(buf, bufsize, "eVMCS: whether the destination kernel (%s) honours the PV bit "
		    "0x4000000A.EBX[0] is unknown", dker);
		break;
	case RULES_R_EVMCS_UNSUPPORTED:
		if (strcmp(c->dstp->cpu.vendor, "GenuineIntel") != 0 && c->dstp->cpu.vendor[0] != '\0')
			snprintf(buf, bufsize, "eVMCS: needs Intel VMX, the destination is %s", c->dstp->cpu.vendor);
		else
			snprintf(buf, bufsize, "eVMCS: the destination kernel (%s) predates nested eVMCS (v4.20)",
			    dker);
		break;
	case RULES_R_EVMCS_VIEW_UNKNOWN:
		snprintf(buf, bufsize, "eVMCS: the %s kernel (\"%s\") is not in the filter table and the "
		    "profile has no measured eVMCS view: what the guest sees there is unknown", side,
		    r->side == RULES_SIDE_SRC ? (c->srcp != NULL ? c->srcp->kernel : "") : c->dstp->kernel);
		break;
	case RULES_R_VENDOR:
		snprintf(buf, bufsize, "CPU vendor: %s on source, %s on destination; live migration across "
		    "CPU vendors is impossible",
		    c->srcp != NULL && c->srcp->cpu.vendor[0] != '\0' ? c->srcp->cpu.vendor : "VMX host",
		    c->dstp->cpu.vendor[0] != '\0' ? c->dstp->cpu.vendor : "VMX host");
		break;
	case RULES_R_CPUID_MISSING:
		snprintf(buf, bufsize, "CPUID: %s on source, not on destination",
		    rules_explain_cpuidbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_CPUID_REQUIRED:
		snprintf(buf, bufsize, "CPUID: %s is required by the VM, not on destination",
		    rules_explain_cpuidbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_FEATURE_UNKNOWN:
		snprintf(buf, bufsize, "%s: the VM requires \"%s\", which migcompat cannot map to a %s",
		    r->layer == RULES_LAYER_VMX ? "VMX" : "CPUID", (const char *)r->ref,
		    r->layer == RULES_LAYER_VMX ? "VMX capability bit" : "CPUID flag");
		break;
	case RULES_R_CAP_MISSING:
		snprintf(buf, bufsize, "KVM: destination lacks %s (%" PRIu32 "), which the VM needs%s",
		    rules_explain_cap(r->msr), r->msr,
		    r->msr == 157 || r->msr == 164 ? " to migrate a nested guest" : "");
		break;
	case RULES_R_HV_PASSTHROUGH:
		snprintf(buf, bufsize, "Hyper-V: hv-passthrough prevents migration (QEMU refuses it); list the "
		    "hv-* enlightenments explicitly");
		break;
	case RULES_R_TSC_FREQ:
		snprintf(buf, bufsize, "TSC: the VM runs at %" PRIu64 " kHz, the destination at %" PRIu64
		    " kHz and it cannot scale the TSC", r->src, r->dst);
		break;
	case RULES_R_INVTSC_UNPINNED:
		snprintf(buf, bufsize, "TSC: invtsc without a pinned TSC frequency is not migratable (QEMU "
		    "blocks it); set the frequency");
		break;
	case RULES_R_LAYER_MISSING:
		if (r->layer == RULES_LAYER_FEATURE_MSR)
			snprintf(buf, bufsize, "%s: required by the VM; the %s profile has no feature MSRs "
			    "(layers.feature_msrs)", rules_explain_msrbit(r, bit, sizeof(bit)), side);
		else
			snprintf(buf, bufsize, "%s: the %s profile lacks this layer, the other side has it",
			    rules_explain_layer(r->layer), side);
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
		snprintf(buf, bufsize, "%s: rule %u", rules_explain_layer(r->layer), r->rule);
		break;
	}
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
	else if (r->rule == RULES_R_FEATURE_UNKNOWN || r->rule == RULES_R_VM_REQUIRES)
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
