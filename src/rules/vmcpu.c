/*
 * vmcpu.c - the CPU a VM gets from libvirt and QEMU: model, spec features,
 * host features and QEMU's dependency pass.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpunames.h"
#include "profile.h"
#include "util.h"
#include "vmcpu.h"
#include "vmspec.h"
#include "vmx.h"
#include "vmxbits.h"

/* The model a domain without one gets on x86: QEMU's default CPU. */
#define VMCPU_DEFAULT_MODEL	"qemu64"

/* Record a name no table knows (once). */
static void
vmcpu_unknown(struct vmcpu *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->n_unknown; i++)
		if (strcmp(out->unknown[i], name) == 0)
			return;
	if (out->n_unknown < VMCPU_UNKNOWN_MAX)
		out->unknown[out->n_unknown++] = name;
}

/* Remove every entry QEMU's property of e's name covers (both bits of "kvmclock"). */
static void
vmcpu_set_del_name(struct cpunames_set *s, const struct cpunames_entry *e)
{
	size_t i;

	if (e->qemu == NULL) {
		cpunames_set_del(s, e);
		return;
	}
	for (i = 0; i < cpunames_table_count; i++)
		if (cpunames_table[i].qemu != NULL && strcmp(cpunames_table[i].qemu, e->qemu) == 0)
			cpunames_set_del(s, &cpunames_table[i]);
}

/* The model's feature set: QEMU's definition, else libvirt's.  0 or -1. */
static int
vmcpu_model(const char *model, const char *machine, struct vmcpu *out)
{
	unsigned version = 0;

	if (cpunames_qemu_model(model, out->qemu[0] != '\0' ? out->qemu : NULL, &version) != NULL &&
	    cpunames_qemu_model_features(model, out->qemu[0] != '\0' ? out->qemu : NULL, &out->model) == 0) {
		/* An unversioned name means the machine type's default version. */
		out->model_version = version > 1 ? version : cpunames_default_version(machine);
		return 0;
	}
	if (cpunames_libvirt_model_features(model, out->libvirt[0] != '\0' ? out->libvirt : NULL,
	    &out->model, NULL) == 0) {
		out->model_libvirt = 1;
		return 0;
	}
	cpunames_set_clear(&out->model);
	return -1;
}

void
vmcpu_compute(const struct vmspec *spec, const char *qemu_release, const char *libvirt_release,
    struct vmcpu *out)
{
	const struct cpunames_entry *e;
	const char *model;
	size_t i;

	memset(out, 0, sizeof(*out));
	util_strlcpy(out->qemu, qemu_release != NULL ? qemu_release : "", sizeof(out->qemu));
	util_strlcpy(out->libvirt, libvirt_release != NULL ? libvirt_release : "", sizeof(out->libvirt));

	for (i = 0; i < spec->n_features; i++) {
		const struct vmspec_feature *f = &spec->features[i];

		if (strncmp(f->name, "hv-", 3) == 0)
			continue;
		if ((e = cpunames_find(f->name)) == NULL) {
			vmcpu_unknown(out, f->name);
			continue;
		}
		if (f->enabled) {
			vmcpu_set_del_name(&out->off, e);
			vmcpu_set_del_name(&out->forbid, e);
			cpunames_set_add_name(&out->req, f->name);
		} else {
			vmcpu_set_del_name(&out->req, e);
			cpunames_set_add_name(&out->off, f->name);
			if (f->policy == VMSPEC_POLICY_FORBID)
				cpunames_set_add_name(&out->forbid, f->name);
		}
	}

	/* host-passthrough and maximum take the host's set; so does host-model before expansion. */
	out->from_host = spec->cpu_mode == VMSPEC_CPU_HOST_PASSTHROUGH ||
	    spec->cpu_mode == VMSPEC_CPU_MAXIMUM ||
	    (spec->cpu_mode == VMSPEC_CPU_HOST_MODEL && spec->cpu_model[0] == '\0');
	if (out->from_host)
		return;

	model = spec->cpu_model[0] != '\0' ? spec->cpu_model : VMCPU_DEFAULT_MODEL;
	if (vmcpu_model(model, spec->machine, out) == 0)
		out->model_known = 1;
	else
		vmcpu_unknown(out, spec->cpu_model);
	out->on = out->model;
	for (i = 0; i < CPUNAMES_SET_MAX / 64; i++)
		out->on.w[i] = (out->on.w[i] | out->req.w[i]) & ~out->off.w[i];
	cpunames_dep_closure(&out->on, out->qemu[0] != '\0' ? out->qemu : NULL, &out->dropped);
	for (i = 0; i < CPUNAMES_SET_MAX / 64; i++)
		out->req_dropped.w[i] = out->req.w[i] & out->dropped.w[i];
}

void
vmcpu_compute_src(const struct vmspec *spec, const struct profile *src, struct vmcpu *out)
{
	int lv = src != NULL && profile_layer_ok(&src->libvirt);

	vmcpu_compute(spec, lv ? src->lv.qemu_version : NULL, lv ? src->lv.libvirt_version : NULL, out);
}

/* 1 if CPUID register reg of leaf/subleaf has bit set on p. */
static int
vmcpu_cpuid_bit(const struct profile *p, const struct cpunames_entry *e)
{
	const struct profile_cpuid *c = profile_cpuid_find(p, 0, e->index, e->subleaf);
	uint32_t v;

	if (c == NULL || e->reg == NULL)
		return 0;
	if (strcmp(e->reg, "eax") == 0)
		v = c->eax;
	else if (strcmp(e->reg, "ebx") == 0)
		v = c->ebx;
	else if (strcmp(e->reg, "ecx") == 0)
		v = c->ecx;
	else
		v = c->edx;
	return (int)(v >> e->bit & 1);
}

/* 1 if feature MSR bit e is set on p. */
static int
vmcpu_msr_bit(const struct profile *p, const struct cpunames_entry *e)
{
	size_t i;

	for (i = 0; i < p->n_msrs; i++)
		if (p->msrs[i].index == e->index)
			return (int)(p->msrs[i].value >> e->bit & 1);
	return 0;
}

/* 1 if VMX capability bit e is available on p (a control: allowed to be 1). */
static int
vmcpu_vmx_bit(const struct profile *p, const struct cpunames_entry *e)
{
	uint64_t v;

	if (!vmxbits_is_control(e->index))
		return (int)(vmx_msr_get(&p->vmx_raw, e->index) >> e->bit & 1);
	if (e->index >= MSR_VMX_TRUE_PINBASED && e->index <= MSR_VMX_TRUE_ENTRY)
		v = vmx_msr_true_ctl(&p->vmx_raw, e->index);
	else
		v = vmx_msr_get(&p->vmx_raw, e->index);
	return (int)(v >> 32 >> e->bit & 1);
}

void
vmcpu_profile_set(const struct profile *p, struct cpunames_set *out)
{
	int cpuid = profile_layer_ok(&p->cpuid), msr = profile_layer_ok(&p->feature_msrs);
	int vmx = profile_layer_ok(&p->vmx);
	size_t i;

	cpunames_set_clear(out);
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];
		int on;

		if (strcmp(e->kind, "cpuid") == 0)
			on = cpuid && vmcpu_cpuid_bit(p, e);
		else if (strcmp(e->kind, "msr") == 0)
			on = msr && vmcpu_msr_bit(p, e);
		else if (strcmp(e->kind, "vmx") == 0)
			on = vmx && vmcpu_vmx_bit(p, e);
		else
			on = 0;
		if (on)
			cpunames_set_add(out, e);
	}
}

void
vmcpu_effective(const struct vmcpu *c, const struct cpunames_set *host, struct cpunames_set *out,
    struct cpunames_set *dropped)
{
	size_t i;

	if (dropped != NULL)
		cpunames_set_clear(dropped);
	if (!c->from_host) {
		*out = c->on;
		if (dropped != NULL)
			*dropped = c->dropped;
		return;
	}
	for (i = 0; i < CPUNAMES_SET_MAX / 64; i++)
		out->w[i] = (host->w[i] | c->req.w[i]) & ~c->off.w[i];
	cpunames_dep_closure(out, c->qemu[0] != '\0' ? c->qemu : NULL, dropped);
}

int
vmcpu_not_used(const struct vmcpu *c, const struct cpunames_set *eff, const struct cpunames_entry *e)
{
	return cpunames_set_has(&c->off, e) || !cpunames_set_has(eff, e);
}

void
vmcpu_versions(const struct vmcpu *c, char *buf, size_t bufsize)
{
	snprintf(buf, bufsize, "QEMU %s%s, libvirt %s%s",
	    c->qemu[0] != '\0' ? c->qemu : CPUNAMES_QEMU_NEWEST, c->qemu[0] != '\0' ? "" : " (newest known)",
	    c->libvirt[0] != '\0' ? c->libvirt : CPUNAMES_LIBVIRT_NEWEST,
	    c->libvirt[0] != '\0' ? "" : " (newest known)");
}

/* 1 if spec lists a feature that is entry e in any spelling. */
static int
vmcpu_spec_names(const struct vmspec *spec, const struct cpunames_entry *e)
{
	size_t i;

	for (i = 0; i < spec->n_features; i++)
		if (cpunames_find(spec->features[i].name) == e)
			return 1;
	return 0;
}

size_t
vmcpu_spec_dependencies(struct vmspec *spec, const char *qemu_release)
{
	struct cpunames_set all, dropped;
	const struct cpunames_entry *e;
	size_t i, k, n = 0, any_off = 0;

	cpunames_set_clear(&all);
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++)
		if (strcmp(cpunames_table[i].kind, "none") != 0)
			cpunames_set_add(&all, &cpunames_table[i]);
	for (i = 0; i < spec->n_features; i++) {
		if (spec->features[i].enabled || (e = cpunames_find(spec->features[i].name)) == NULL)
			continue;
		vmcpu_set_del_name(&all, e);
		any_off = 1;
	}
	if (!any_off)
		return 0;
	cpunames_set_clear(&dropped);
	cpunames_dep_closure(&all, qemu_release, &dropped);
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		e = &cpunames_table[i];
		if (!cpunames_set_has(&dropped, e) || e->qemu == NULL || vmcpu_spec_names(spec, e))
			continue;
		/* CPUID flags are compared as the spec lists them; VMX only for nested VMs. */
		if (strcmp(e->kind, "cpuid") == 0 || (strcmp(e->kind, "vmx") == 0 && !spec->nested))
			continue;
		if (vmspec_add_feature(spec, e->qemu, 0) == -1)
			break;
		for (k = 0; k < spec->n_features; k++)
			if (strcmp(spec->features[k].name, e->qemu) == 0)
				spec->features[k].policy = VMSPEC_POLICY_DEPENDENCY;
		n++;
	}
	return n;
}
