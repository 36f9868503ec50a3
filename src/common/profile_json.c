/*
 * profile_json.c - the JSON form of a profile (migcompat-profile(5)) and
 * its content hash.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "profile_priv.h"
#include "util.h"
#include "xmalloc.h"

static struct json_object *
profile_layer_json(const struct layer *l)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(profile_status_name(l->status)));
	json_object_object_add(o, "reason", json_object_new_string(l->reason));
	return o;
}

static struct json_object *
profile_vmx_json(const struct vmx_msrs *m)
{
	struct json_object *o = json_object_new_object();
	char key[16];
	uint32_t idx;

	for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
		if (!vmx_msr_has(m, idx))
			continue;
		snprintf(key, sizeof(key), "0x%x", idx);
		json_object_object_add(o, key, jsonu_hex(vmx_msr_get(m, idx)));
	}
	return o;
}

static struct json_object *
profile_caps_json(const struct profile_cap *caps, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_new_object();
		const char *name = profile_cap_name(caps[i].id);

		json_object_object_add(c, "id", json_object_new_int64(caps[i].id));
		if (name != NULL)
			json_object_object_add(c, "name", json_object_new_string(name));
		json_object_object_add(c, "value", json_object_new_int64(caps[i].value));
		json_object_array_add(a, c);
	}
	return a;
}

static struct json_object *
profile_cpuid_json(const struct profile_cpuid *e, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "function", jsonu_hex(e[i].function));
		json_object_object_add(c, "index", jsonu_hex(e[i].index));
		json_object_object_add(c, "flags", jsonu_hex(e[i].flags));
		json_object_object_add(c, "eax", jsonu_hex(e[i].eax));
		json_object_object_add(c, "ebx", jsonu_hex(e[i].ebx));
		json_object_object_add(c, "ecx", jsonu_hex(e[i].ecx));
		json_object_object_add(c, "edx", jsonu_hex(e[i].edx));
		json_object_array_add(a, c);
	}
	return a;
}

static struct json_object *
profile_evmcs_json(const struct profile_evmcs *e, int emulated)
{
	struct json_object *o = profile_layer_json(&e->layer);
	struct json_object *views;
	int v;

	if (emulated)
		json_object_object_add(o, "rules", json_object_new_string(e->rules));
	else {
		json_object_object_add(o, "pv_bit_honoured", json_object_new_string(
		    e->pv_bit_honoured == PROFILE_YES ? "yes" :
		    e->pv_bit_honoured == PROFILE_NO ? "no" : "unknown"));
		json_object_object_add(o, "version_range", jsonu_hex(e->version_range));
		if (e->crosschecked) {
			struct json_object *a = json_object_new_array(), *m;
			size_t i;

			for (i = 0; i < e->n_mismatch; i++) {
				char key[16];

				m = json_object_new_object();
				json_object_object_add(m, "view",
				    json_object_new_string(profile_view_names[e->mismatch[i].view]));
				snprintf(key, sizeof(key), "0x%x", e->mismatch[i].msr);
				json_object_object_add(m, "msr", json_object_new_string(key));
				json_object_object_add(m, "measured", jsonu_hex(e->mismatch[i].measured));
				json_object_object_add(m, "emulated", jsonu_hex(e->mismatch[i].emulated));
				json_object_array_add(a, m);
			}
			json_object_object_add(o, "mismatches", a);
		}
	}
	views = json_object_new_object();
	for (v = 0; v < EVMCS_VIEW_NUM; v++)
		if (e->views_present & (1u << v))
			json_object_object_add(views, profile_view_names[v], profile_vmx_json(&e->view[v]));
	json_object_object_add(o, "views", views);
	return o;
}

/* The compatibility-relevant part: everything but "host". */
static void
profile_json_body(const struct profile *p, struct json_object *o)
{
	struct json_object *cpu, *layers, *l, *m;
	size_t i;

	json_object_object_add(o, "kernel", json_object_new_string(p->kernel));
	cpu = json_object_new_object();
	json_object_object_add(cpu, "vendor", json_object_new_string(p->cpu.vendor));
	json_object_object_add(cpu, "model_name", json_object_new_string(p->cpu.model_name));
	json_object_object_add(cpu, "family", json_object_new_int(p->cpu.family));
	json_object_object_add(cpu, "model", json_object_new_int(p->cpu.model));
	json_object_object_add(cpu, "stepping", json_object_new_int(p->cpu.stepping));
	if (p->cpu.has_microcode)
		json_object_object_add(cpu, "microcode", jsonu_hex(p->cpu.microcode));
	json_object_object_add(o, "cpu", cpu);
	if (p->is_dump)
		json_object_object_add(o, "source", json_object_new_string("msr-dump"));

	layers = json_object_new_object();
	if (p->kvm.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->kvm);
		json_object_object_add(l, "api_version", json_object_new_int(p->api_version));
		json_object_object_add(l, "system_caps", profile_caps_json(p->caps_sys, p->n_caps_sys));
		json_object_object_add(l, "vm_caps", profile_caps_json(p->caps_vm, p->n_caps_vm));
		json_object_object_add(layers, "kvm", l);
	}
	if (p->cpuid.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->cpuid);
		json_object_object_add(l, "entries", profile_cpuid_json(p->cpuid_ent, p->n_cpuid));
		json_object_object_add(layers, "cpuid", l);
	}
	if (p->hv_cpuid.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->hv_cpuid);
		json_object_object_add(l, "entries", profile_cpuid_json(p->hv_cpuid_ent, p->n_hv_cpuid));
		json_object_object_add(layers, "hv_cpuid", l);
	}
	if (p->feature_msrs.status != LAYER_ABSENT) {
		char key[16];

		l = profile_layer_json(&p->feature_msrs);
		m = json_object_new_object();
		for (i = 0; i < p->n_msrs; i++) {
			snprintf(key, sizeof(key), "0x%x", p->msrs[i].index);
			json_object_object_add(m, key, jsonu_hex(p->msrs[i].value));
		}
		json_object_object_add(l, "msrs", m);
		json_object_object_add(layers, "feature_msrs", l);
	}
	if (p->vmx.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->vmx);
		/* Written only when known: a profile without it keeps its hash. */
		if (p->vmx_source != PROFILE_VMX_SRC_UNSET)
			json_object_object_add(l, "source",
			    json_object_new_string(profile_vmx_source_name(p->vmx_source)));
		if (p->vmx_source == PROFILE_VMX_SRC_EMULATED)
			json_object_object_add(l, "kernel", json_object_new_string(p->vmx_kernel));
		json_object_object_add(l, "msrs", profile_vmx_json(&p->vmx_raw));
		json_object_object_add(layers, "vmx", l);
	}
	if (p->vmx_vcpu.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->vmx_vcpu);
		json_object_object_add(l, "msrs", profile_vmx_json(&p->vmx_vcpu_msrs));
		json_object_object_add(layers, "vmx_vcpu", l);
	}
	if (p->evmcs_measured.layer.status != LAYER_ABSENT)
		json_object_object_add(layers, "evmcs_measured", profile_evmcs_json(&p->evmcs_measured, 0));
	if (p->evmcs_emulated.layer.status != LAYER_ABSENT)
		json_object_object_add(layers, "evmcs_emulated", profile_evmcs_json(&p->evmcs_emulated, 1));
	if (p->guest.status != LAYER_ABSENT)
		json_object_object_add(layers, "guest", profile_layer_json(&p->guest));
	if (p->hw.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->hw);
		if (profile_layer_ok(&p->hw)) {
			struct json_object *a = json_object_new_array(), *c, *abs;
			uint32_t idx;
			char key[16];

			json_object_object_add(l, "cpus", json_object_new_int64(p->hw_ncpus));
			json_object_object_add(l, "reference_cpu", json_object_new_int64(p->hw_cpu));
			json_object_object_add(l, "msrs", profile_vmx_json(&p->hw_msrs));
			json_object_object_add(l, "per_cpu_identical", json_object_new_boolean(p->n_hw_diff == 0));
			for (i = 0; i < p->n_hw_diff; i++) {
				c = json_object_new_object();
				json_object_object_add(c, "cpu", json_object_new_int64(p->hw_diff[i].cpu));
				json_object_object_add(c, "msrs", profile_vmx_json(&p->hw_diff[i].msrs));
				abs = json_object_new_array();
				for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
					if (!(p->hw_diff[i].absent & (1u << (idx - VMX_MSR_FIRST))))
						continue;
					snprintf(key, sizeof(key), "0x%x", idx);
					json_object_array_add(abs, json_object_new_string(key));
				}
				json_object_object_add(c, "absent", abs);
				json_object_array_add(a, c);
			}
			json_object_object_add(l, "per_cpu_differences", a);
		}
		json_object_object_add(layers, "hw_msrs", l);
	}
	if (p->tsc.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->tsc);
		json_object_object_add(l, "khz", json_object_new_int64(p->tsc_khz));
		json_object_object_add(l, "scaling", json_object_new_boolean(p->tsc_scaling));
		json_object_object_add(layers, "tsc", l);
	}
	if (p->params.status != LAYER_ABSENT) {
		struct json_object *mods;

		l = profile_layer_json(&p->params);
		mods = json_object_new_object();
		for (i = 0; i < p->n_param; i++) {
			if (!json_object_object_get_ex(mods, p->param[i].module, &m)) {
				m = json_object_new_object();
				json_object_object_add(mods, p->param[i].module, m);
			}
			json_object_object_add(m, p->param[i].name, json_object_new_string(p->param[i].value));
		}
		json_object_object_add(l, "modules", mods);
		json_object_object_add(layers, "module_params", l);
	}
	if (p->libvirt.status != LAYER_ABSENT) {
		l = profile_layer_json(&p->libvirt);
		if (profile_layer_ok(&p->libvirt))
			plibvirt_to_json(&p->lv, l);
		json_object_object_add(layers, "libvirt", l);
	}
	if (p->extra_layers != NULL) {
		json_object_object_foreach(p->extra_layers, key, val)
			json_object_object_add(layers, key, json_object_get(val));
	}
	json_object_object_add(o, "layers", layers);
}

int
profile_update_hash(struct profile *p)
{
	struct profile *c = profile_content(p);
	struct json_object *o = json_object_new_object();
	struct json_object *layers, *lv;
	unsigned char digest[UTIL_SHA256_SIZE];
	const char *s;
	size_t i;

	/* The content without the "host" object, which would name the hash. */
	json_object_object_add(o, "schema_version", json_object_new_int(c->schema_version));
	profile_json_body(c, o);
	/* The content's empty list of domains has never been hashed: keep every hash. */
	if (json_object_object_get_ex(o, "layers", &layers) &&
	    json_object_object_get_ex(layers, "libvirt", &lv))
		json_object_object_del(lv, "domains");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	util_sha256(s, strlen(s), digest);
	memcpy(p->hash, "sha256:", 7);
	for (i = 0; i < sizeof(digest); i++)
		snprintf(p->hash + 7 + 2 * i, 3, "%02x", digest[i]);
	json_object_put(o);
	profile_free(c);
	return 0;
}

struct json_object *
profile_to_json(const struct profile *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *host = json_object_new_object();
	char ts[32];

	json_object_object_add(o, "schema_version", json_object_new_int(p->schema_version));
	json_object_object_add(host, "id", json_object_new_string(p->host_id));
	json_object_object_add(host, "hostname", json_object_new_string(p->hostname));
	if (p->collected_at != 0) {
		util_format_time(p->collected_at, ts, sizeof(ts));
		json_object_object_add(host, "collected_at", json_object_new_string(ts));
	}
	json_object_object_add(host, "hash", json_object_new_string(p->hash));
	json_object_object_add(o, "host", host);
	profile_json_body(p, o);
	return o;
}

char *
profile_to_string(const struct profile *p, int pretty)
{
	struct json_object *o = profile_to_json(p);
	char *s = xstrdup(json_object_to_json_string_ext(o,
	    pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return s;
}

