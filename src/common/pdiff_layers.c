/*
 * pdiff_layers.c - the layers of a profile diff that are not VMX, CPUID or
 * KVM capabilities: layer status, feature MSRs, the hardware VMX MSRs,
 * module parameters, libvirt, and layers this version does not model.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "pdiff_priv.h"
#include "plibvirt.h"
#include "profile.h"
#include "vmxbits.h"

void
pdiff_layers_status(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	static const struct {
		const char *name;
		size_t off;
	} layers[] = {
		{ "kvm", offsetof(struct profile, kvm) },
		{ "cpuid", offsetof(struct profile, cpuid) },
		{ "hv_cpuid", offsetof(struct profile, hv_cpuid) },
		{ "feature_msrs", offsetof(struct profile, feature_msrs) },
		{ "vmx", offsetof(struct profile, vmx) },
		{ "vmx_vcpu", offsetof(struct profile, vmx_vcpu) },
		{ "evmcs_measured", offsetof(struct profile, evmcs_measured.layer) },
		{ "evmcs_emulated", offsetof(struct profile, evmcs_emulated.layer) },
		{ "guest", offsetof(struct profile, guest) },
		{ "hw_msrs", offsetof(struct profile, hw) },
		{ "tsc", offsetof(struct profile, tsc) },
		{ "module_params", offsetof(struct profile, params) },
		{ "libvirt", offsetof(struct profile, libvirt) },
	};
	const struct layer *la, *lb;
	size_t i;

	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		la = (const struct layer *)(const void *)((const char *)a + layers[i].off);
		lb = (const struct layer *)(const void *)((const char *)b + layers[i].off);
		pdiff_change_str(d, layers[i].name, "status", profile_status_name(la->status),
		    profile_status_name(lb->status));
	}
}

/* The value of feature MSR index, or NULL. */
static const struct profile_msr *
pdiff_layers_msr(const struct profile *p, uint32_t index)
{
	size_t i;

	for (i = 0; i < p->n_msrs; i++)
		if (p->msrs[i].index == index)
			return &p->msrs[i];
	return NULL;
}

static struct json_object *
pdiff_layers_msr_value(const struct profile_msr *m)
{
	return m != NULL ? jsonu_hex(m->value) : json_object_new_string("absent");
}

void
pdiff_layers_msrs(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	const struct profile *pp[2] = { a, b };
	const struct profile_msr *ma, *mb;
	char name[32];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < pp[k]->n_msrs; i++) {
			uint32_t index = pp[k]->msrs[i].index;

			ma = pdiff_layers_msr(a, index);
			mb = pdiff_layers_msr(b, index);
			/* Each index once: from a, or from b when a lacks it. */
			if ((k == 0 ? ma : mb) != &pp[k]->msrs[i] || (k == 1 && ma != NULL))
				continue;
			if (ma != NULL && mb != NULL && ma->value == mb->value)
				continue;
			snprintf(name, sizeof(name), "MSR 0x%" PRIx32, index);
			pdiff_change(d, "feature_msrs", name, pdiff_layers_msr_value(ma),
			    pdiff_layers_msr_value(mb));
		}
	}
}

/* A CPU's value of msr as text: its own, "absent", or NULL when it is the reference CPU's. */
static struct json_object *
pdiff_layers_cpu_value(const struct profile *p, uint32_t cpu, uint32_t msr)
{
	size_t i;

	for (i = 0; i < p->n_hw_diff; i++) {
		if (p->hw_diff[i].cpu != cpu)
			continue;
		if (vmx_msr_has(&p->hw_diff[i].msrs, msr))
			return jsonu_hex(vmx_msr_get(&p->hw_diff[i].msrs, msr));
		if (p->hw_diff[i].absent >> (msr - VMX_MSR_FIRST) & 1)
			return json_object_new_string("absent");
	}
	return NULL;
}

/* The CPUs of b that differ from its reference CPU, against a's: value by value. */
static void
pdiff_layers_hw_cpus(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	const struct profile *pp[2] = { a, b };
	struct json_object *va, *vb;
	const char *mn;
	char name[128];
	size_t i, j, k;
	uint32_t msr, cpu;
	int seen;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < pp[k]->n_hw_diff; i++) {
			cpu = pp[k]->hw_diff[i].cpu;
			seen = 0;
			for (j = 0; j < i; j++)
				seen |= pp[k]->hw_diff[j].cpu == cpu;
			for (j = 0; k == 1 && j < a->n_hw_diff; j++)
				seen |= a->hw_diff[j].cpu == cpu;
			if (seen)
				continue;
			for (msr = VMX_MSR_FIRST; msr <= VMX_MSR_LAST; msr++) {
				va = pdiff_layers_cpu_value(a, cpu, msr);
				vb = pdiff_layers_cpu_value(b, cpu, msr);
				if (va == NULL && vb == NULL)
					continue;
				if (va != NULL && vb != NULL &&
				    strcmp(json_object_get_string(va), json_object_get_string(vb)) == 0) {
					json_object_put(va);
					json_object_put(vb);
					continue;
				}
				mn = vmxbits_msr_name(msr);
				snprintf(name, sizeof(name), "CPU %" PRIu32 " %s (0x%" PRIx32 ")", cpu,
				    mn != NULL ? mn : "MSR", msr);
				pdiff_change(d, "hw_msrs", name,
				    va != NULL ? va : json_object_new_string("as the reference CPU"),
				    vb != NULL ? vb : json_object_new_string("as the reference CPU"));
			}
		}
	}
}

void
pdiff_layers_hw(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	pdiff_change_int(d, "hw_msrs", "CPUs read", a->hw_ncpus, b->hw_ncpus);
	pdiff_change_int(d, "hw_msrs", "reference CPU", a->hw_cpu, b->hw_cpu);
	pdiff_change_int(d, "hw_msrs", "CPUs unlike the reference CPU", (int64_t)a->n_hw_diff,
	    (int64_t)b->n_hw_diff);
	pdiff_vmx(d, "hw_msrs", &a->hw_msrs, &b->hw_msrs);
	pdiff_layers_hw_cpus(d, a, b);
}

void
pdiff_layers_params(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	const char *va, *vb;
	char name[256];
	size_t i;

	for (i = 0; i < a->n_param; i++) {
		snprintf(name, sizeof(name), "%s.%s", a->param[i].module, a->param[i].name);
		vb = profile_param_get(b, a->param[i].module, a->param[i].name);
		pdiff_change_str(d, "module_params", name, a->param[i].value, vb != NULL ? vb : "absent");
	}
	for (i = 0; i < b->n_param; i++) {
		va = profile_param_get(a, b->param[i].module, b->param[i].name);
		if (va != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", b->param[i].module, b->param[i].name);
		pdiff_change_str(d, "module_params", name, "absent", b->param[i].value);
	}
}

/* Names in one list only: lost ("-") from a, gained ("+") in b, each named "what NAME". */
static void
pdiff_layers_list(struct pdiff *d, const char *key, const char *what, const struct plibvirt_list *a,
    const struct plibvirt_list *b)
{
	struct json_object *o;
	char name[192];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct plibvirt_list *from = k == 0 ? a : b, *other = k == 0 ? b : a;

		for (i = 0; i < from->n; i++) {
			if (plibvirt_list_has(other, from->v[i], 0))
				continue;
			snprintf(name, sizeof(name), "%s %s", what, from->v[i]);
			o = pdiff_item(d, k == 1, "libvirt", name);
			json_object_object_add(o, "list", json_object_new_string(key));
			json_object_object_add(o, "value", json_object_new_string(from->v[i]));
		}
	}
}

void
pdiff_layers_libvirt(struct pdiff *d, const struct plibvirt *a, const struct plibvirt *b)
{
	pdiff_change_str(d, "libvirt", "libvirt version", a->libvirt_version, b->libvirt_version);
	pdiff_change_str(d, "libvirt", "QEMU version", a->qemu_version, b->qemu_version);
	pdiff_change_str(d, "libvirt", "domain capabilities", a->domcaps ? "read" : "not readable",
	    b->domcaps ? "read" : "not readable");
	pdiff_change_str(d, "libvirt", "virttype", a->virttype, b->virttype);
	pdiff_change_str(d, "libvirt", "arch", a->arch, b->arch);
	pdiff_change_str(d, "libvirt", "default machine type", a->machine, b->machine);
	pdiff_change_str(d, "libvirt", "host-model CPU", a->host_model, b->host_model);
	pdiff_change_str(d, "libvirt", "host-model vendor", a->host_model_vendor, b->host_model_vendor);
	pdiff_layers_list(d, "machines", "machine type", &a->machines, &b->machines);
	pdiff_layers_list(d, "cpu_models", "CPU model", &a->cpu_models, &b->cpu_models);
	pdiff_layers_list(d, "host_model_features", "host-model feature", &a->host_model_features,
	    &b->host_model_features);
	pdiff_layers_list(d, "host_model_disabled", "host-model disables", &a->host_model_disabled,
	    &b->host_model_disabled);
	pdiff_layers_list(d, "hyperv_features", "Hyper-V enlightenment", &a->hyperv_features,
	    &b->hyperv_features);
}

/* A layer this version does not model, as compact JSON ("absent" without it). */
static const char *
pdiff_layers_extra_text(const struct profile *p, const char *key)
{
	struct json_object *v;

	if (p->extra_layers == NULL || !json_object_object_get_ex(p->extra_layers, key, &v))
		return "absent";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

void
pdiff_layers_extra(struct pdiff *d, const struct profile *a, const struct profile *b)
{
	struct json_object *v;

	if (a->extra_layers != NULL) {
		json_object_object_foreach(a->extra_layers, key, va) {
			(void)va;
			pdiff_change_str(d, key, "content", pdiff_layers_extra_text(a, key),
			    pdiff_layers_extra_text(b, key));
		}
	}
	if (b->extra_layers != NULL) {
		json_object_object_foreach(b->extra_layers, key, vb) {
			(void)vb;
			if (a->extra_layers != NULL && json_object_object_get_ex(a->extra_layers, key, &v))
				continue;
			pdiff_change_str(d, key, "content", "absent", pdiff_layers_extra_text(b, key));
		}
	}
}
