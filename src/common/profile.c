/*
 * profile.c - the host profile, its JSON form and the fixture dump format.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>
#include <json-c/json.h>

#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "xmalloc.h"

static const char *const profile_view_names[EVMCS_VIEW_NUM] = {
	"plain", "evmcs", "evmcs_pv",
};

static const struct {
	uint32_t id;
	const char *name;
} profile_cap_names[] = {
	{ 60, "tsc_control" },
	{ 61, "get_tsc_khz" },
	{ 116, "disable_quirks" },
	{ 153, "get_msr_features" },
	{ 155, "hyperv_tlbflush" },
	{ 157, "nested_state" },
	{ 159, "msr_platform_info" },
	{ 161, "hyperv_send_ipi" },
	{ 163, "hyperv_enlightened_vmcs" },
	{ 164, "exception_payload" },
	{ 167, "hyperv_cpuid" },
	{ 175, "hyperv_direct_tlbflush" },
	{ 188, "x86_user_space_msr" },
	{ 189, "x86_msr_filter" },
	{ 190, "enforce_pv_feature_cpuid" },
	{ 191, "sys_hyperv_cpuid" },
	{ 193, "x86_bus_lock_exit" },
	{ 199, "hyperv_enforce_cpuid" },
	{ 200, "sregs2" },
	{ 208, "xsave2" },
	{ 209, "sys_attributes" },
	{ 212, "pmu_capability" },
	{ 213, "disable_quirks2" },
	{ 214, "vm_tsc_control" },
	{ 218, "x86_triple_fault_event" },
	{ 219, "x86_notify_vmexit" },
	{ 220, "vm_disable_nx_huge_pages" },
};

const char *
profile_cap_name(uint32_t id)
{
	size_t i;

	for (i = 0; i < sizeof(profile_cap_names) / sizeof(profile_cap_names[0]); i++)
		if (profile_cap_names[i].id == id)
			return profile_cap_names[i].name;
	return NULL;
}

static void
profile_evmcs_init(struct profile_evmcs *e)
{
	memset(e, 0, sizeof(*e));
	e->pv_bit_honoured = PROFILE_UNKNOWN;
}

void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->schema_version = PROFILE_SCHEMA_VERSION;
	p->cpu.family = p->cpu.model = p->cpu.stepping = -1;
	profile_evmcs_init(&p->evmcs_measured);
	profile_evmcs_init(&p->evmcs_emulated);
}

void
profile_clear(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->caps_sys);
	free(p->caps_vm);
	free(p->cpuid_ent);
	free(p->hv_cpuid_ent);
	free(p->msrs);
	for (i = 0; i < p->n_param; i++) {
		free(p->param[i].module);
		free(p->param[i].name);
		free(p->param[i].value);
	}
	free(p->param);
	free(p->evmcs_measured.mismatch);
	free(p->evmcs_emulated.mismatch);
	free(p->hw_diff);
	plibvirt_clear(&p->lv);
	json_object_put(p->extra_layers);
	profile_init(p);
}

struct profile *
profile_new(void)
{
	struct profile *p = xmalloc(sizeof(*p));

	profile_init(p);
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	profile_clear(p);
	free(p);
}

void
profile_layer_set(struct layer *l, enum layer_status st, const char *fmt, ...)
{
	va_list ap;

	l->status = st;
	if (fmt == NULL) {
		l->reason[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(l->reason, sizeof(l->reason), fmt, ap);
	va_end(ap);
}

const char *
profile_status_name(enum layer_status st)
{
	switch (st) {
	case LAYER_MEASURED:
		return "measured";
	case LAYER_EMULATED:
		return "emulated";
	case LAYER_UNAVAILABLE:
		return "unavailable";
	case LAYER_ABSENT:
		break;
	}
	return "absent";
}

static int
profile_status_parse(const char *s, enum layer_status *st)
{
	if (strcmp(s, "measured") == 0)
		*st = LAYER_MEASURED;
	else if (strcmp(s, "emulated") == 0)
		*st = LAYER_EMULATED;
	else if (strcmp(s, "unavailable") == 0)
		*st = LAYER_UNAVAILABLE;
	else
		return -1;
	return 0;
}

void
profile_add_cap(struct profile *p, int vm, uint32_t id, int64_t value)
{
	struct profile_cap **arr = vm ? &p->caps_vm : &p->caps_sys;
	size_t *n = vm ? &p->n_caps_vm : &p->n_caps_sys;

	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].id = id;
	(*arr)[*n].value = value;
	(*n)++;
}

void
profile_add_cpuid(struct profile *p, int hv, const struct profile_cpuid *e)
{
	struct profile_cpuid **arr = hv ? &p->hv_cpuid_ent : &p->cpuid_ent;
	size_t *n = hv ? &p->n_hv_cpuid : &p->n_cpuid;

	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n] = *e;
	(*n)++;
}

void
profile_add_msr(struct profile *p, uint32_t index, uint64_t value)
{
	p->msrs = xreallocarray(p->msrs, p->n_msrs + 1, sizeof(*p->msrs));
	p->msrs[p->n_msrs].index = index;
	p->msrs[p->n_msrs].value = value;
	p->n_msrs++;
}

void
profile_add_evmcs_mismatch(struct profile_evmcs *e, enum evmcs_view view, uint32_t msr,
    uint64_t measured, uint64_t emulated)
{
	e->mismatch = xreallocarray(e->mismatch, e->n_mismatch + 1, sizeof(*e->mismatch));
	e->mismatch[e->n_mismatch].view = view;
	e->mismatch[e->n_mismatch].msr = msr;
	e->mismatch[e->n_mismatch].measured = measured;
	e->mismatch[e->n_mismatch].emulated = emulated;
	e->n_mismatch++;
}

void
profile_add_hw_cpu(struct profile *p, const struct profile_hw_cpu *c)
{
	p->hw_diff = xreallocarray(p->hw_diff, p->n_hw_diff + 1, sizeof(*p->hw_diff));
	p->hw_diff[p->n_hw_diff++] = *c;
}

void
profile_add_param(struct profile *p, const char *module, const char *name, const char *value)
{
	p->param = xreallocarray(p->param, p->n_param + 1, sizeof(*p->param));
	p->param[p->n_param].module = xstrdup(module);
	p->param[p->n_param].name = xstrdup(name);
	p->param[p->n_param].value = xstrdup(value);
	p->n_param++;
}

int64_t
profile_cap(const struct profile *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_caps_sys; i++)
		if (p->caps_sys[i].id == id)
			return p->caps_sys[i].value;
	for (i = 0; i < p->n_caps_vm; i++)
		if (p->caps_vm[i].id == id)
			return p->caps_vm[i].value;
	return -1;
}

const struct profile_cpuid *
profile_cpuid_find(const struct profile *p, int hv, uint32_t function, uint32_t index)
{
	const struct profile_cpuid *arr = hv ? p->hv_cpuid_ent : p->cpuid_ent;
	size_t i, n = hv ? p->n_hv_cpuid : p->n_cpuid;

	for (i = 0; i < n; i++) {
		/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX is bit 0 of flags. */
		if (arr[i].function == function && ((arr[i].flags & 1u) == 0 || arr[i].index == index))
			return &arr[i];
	}
	return NULL;
}

const char *
profile_param_get(const struct profile *p, const char *module, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_param; i++)
		if (strcmp(p->param[i].module, module) == 0 && strcmp(p->param[i].name, name) == 0)
			return p->param[i].value;
	return NULL;
}

/* ---- JSON output ---- */

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
	struct json_object *o = json_object_new_object();
	struct json_object *layers, *lv;
	struct sha256_ctx sha;
	uint8_t digest[SHA256_DIGEST_SIZE];
	const char *s;
	size_t i;

	json_object_object_add(o, "schema_version", json_object_new_int(p->schema_version));
	profile_json_body(p, o);
	/* The running domains come and go: not part of the host's capabilities. */
	if (json_object_object_get_ex(o, "layers", &layers) &&
	    json_object_object_get_ex(layers, "libvirt", &lv))
		json_object_object_del(lv, "domains");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	sha256_init(&sha);
	sha256_update(&sha, strlen(s), (const uint8_t *)s);
	sha256_digest(&sha, sizeof(digest), digest);
	memcpy(p->hash, "sha256:", 7);
	for (i = 0; i < sizeof(digest); i++)
		snprintf(p->hash + 7 + 2 * i, 3, "%02x", digest[i]);
	json_object_put(o);
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

/* ---- JSON input ---- */

#define PERR(...) jsonu_err(err, errsize, __VA_ARGS__)

static int
profile_parse_msr_key(const char *key, uint32_t *index)
{
	uint64_t v;

	if (util_parse_hex64(key, &v) == -1 || v > UINT32_MAX)
		return -1;
	*index = (uint32_t)v;
	return 0;
}

/* Read an {"0x480": "0x..."} map into a vmx_msrs; other indices are refused. */
static int
profile_parse_vmx(struct json_object *o, const char *path, struct vmx_msrs *m, char *err, size_t errsize)
{
	char fpath[512];
	uint32_t idx;
	uint64_t v;

	if (jsonu_want(o, path, json_type_object, err, errsize) == -1)
		return -1;
	memset(m, 0, sizeof(*m));
	json_object_object_foreach(o, key, val) {
		snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
		if (profile_parse_msr_key(key, &idx) == -1)
			return PERR(fpath, "MSR index is not a hex number");
		if (!vmx_msr_valid(idx))
			continue;	/* other MSRs in a dump are provenance */
		if (jsonu_hex64(val, fpath, &v, err, errsize) == -1)
			return -1;
		vmx_msr_set(m, idx, v);
	}
	return 0;
}

static int
profile_parse_layer(struct json_object *o, const char *path, struct layer *l, char *err, size_t errsize)
{
	struct json_object *v;
	char fpath[512], buf[32];

	if (jsonu_want(o, path, json_type_object, err, errsize) == -1)
		return -1;
	snprintf(fpath, sizeof(fpath), "%s.status", path);
	if (!json_object_object_get_ex(o, "status", &v))
		return PERR(fpath, "missing");
	if (jsonu_str(v, fpath, buf, sizeof(buf), err, errsize) == -1)
		return -1;
	if (profile_status_parse(buf, &l->status) == -1)
		return PERR(fpath, "unknown status \"%s\" (measured, emulated or unavailable)", buf);
	l->reason[0] = '\0';
	if (json_object_object_get_ex(o, "reason", &v)) {
		snprintf(fpath, sizeof(fpath), "%s.reason", path);
		if (jsonu_str(v, fpath, l->reason, sizeof(l->reason), err, errsize) == -1)
			return -1;
	}
	return 0;
}

static int
profile_parse_caps(struct json_object *a, const char *path, struct profile *p, int vm,
    char *err, size_t errsize)
{
	struct json_object *e, *v;
	char fpath[512];
	size_t i, n;
	uint64_t id;
	int64_t val;

	if (jsonu_want(a, path, json_type_array, err, errsize) == -1)
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		snprintf(fpath, sizeof(fpath), "%s[%zu]", path, i);
		if (jsonu_want(e, fpath, json_type_object, err, errsize) == -1)
			return -1;
		snprintf(fpath, sizeof(fpath), "%s[%zu].id", path, i);
		if (!json_object_object_get_ex(e, "id", &v))
			return PERR(fpath, "missing");
		if (jsonu_uint(v, fpath, UINT32_MAX, &id, err, errsize) == -1)
			return -1;
		snprintf(fpath, sizeof(fpath), "%s[%zu].value", path, i);
		if (!json_object_object_get_ex(e, "value", &v))
			return PERR(fpath, "missing");
		if (jsonu_int(v, fpath, INT64_MIN, INT64_MAX, &val, err, errsize) == -1)
			return -1;
		profile_add_cap(p, vm, (uint32_t)id, val);
	}
	return 0;
}

static int
profile_parse_cpuid(struct json_object *a, const char *path, struct profile *p, int hv,
    char *err, size_t errsize)
{
	static const char *const fields[] = { "function", "index", "flags", "eax", "ebx", "ecx", "edx" };
	struct json_object *e, *v;
	struct profile_cpuid c;
	uint32_t *dst[7];
	char fpath[512];
	size_t i, n, f;
	uint64_t val;

	if (jsonu_want(a, path, json_type_array, err, errsize) == -1)
		return -1;
	dst[0] = &c.function; dst[1] = &c.index; dst[2] = &c.flags;
	dst[3] = &c.eax; dst[4] = &c.ebx; dst[5] = &c.ecx; dst[6] = &c.edx;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		snprintf(fpath, sizeof(fpath), "%s[%zu]", path, i);
		if (jsonu_want(e, fpath, json_type_object, err, errsize) == -1)
			return -1;
		memset(&c, 0, sizeof(c));
		for (f = 0; f < 7; f++) {
			snprintf(fpath, sizeof(fpath), "%s[%zu].%s", path, i, fields[f]);
			if (!json_object_object_get_ex(e, fields[f], &v)) {
				if (f == 1 || f == 2)
					continue;	/* index and flags default to 0 */
				return PERR(fpath, "missing");
			}
			if (jsonu_uint(v, fpath, UINT32_MAX, &val, err, errsize) == -1)
				return -1;
			*dst[f] = (uint32_t)val;
		}
		profile_add_cpuid(p, hv, &c);
	}
	return 0;
}

/* The "mismatches" array of the measured eVMCS layer. */
static int
profile_parse_mismatches(struct json_object *a, const char *path, struct profile_evmcs *e,
    char *err, size_t errsize)
{
	struct json_object *m, *v;
	char fpath[512], buf[16];
	uint64_t msr, measured, emulated;
	size_t i, n;
	int view;

	snprintf(fpath, sizeof(fpath), "%s.mismatches", path);
	if (jsonu_want(a, fpath, json_type_array, err, errsize) == -1)
		return -1;
	e->crosschecked = 1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(a, i);
		snprintf(fpath, sizeof(fpath), "%s.mismatches[%zu]", path, i);
		if (jsonu_want(m, fpath, json_type_object, err, errsize) == -1)
			return -1;
		snprintf(fpath, sizeof(fpath), "%s.mismatches[%zu].view", path, i);
		if (!json_object_object_get_ex(m, "view", &v))
			return PERR(fpath, "missing");
		if (jsonu_str(v, fpath, buf, sizeof(buf), err, errsize) == -1)
			return -1;
		for (view = 0; view < EVMCS_VIEW_NUM; view++)
			if (strcmp(buf, profile_view_names[view]) == 0)
				break;
		if (view == EVMCS_VIEW_NUM)
			return PERR(fpath, "expected plain, evmcs or evmcs_pv");
		snprintf(fpath, sizeof(fpath), "%s.mismatches[%zu].msr", path, i);
		if (!json_object_object_get_ex(m, "msr", &v))
			return PERR(fpath, "missing");
		if (jsonu_hex64(v, fpath, &msr, err, errsize) == -1)
			return -1;
		if (!vmx_msr_valid((uint32_t)msr) || msr > UINT32_MAX)
			return PERR(fpath, "not a VMX capability MSR");
		snprintf(fpath, sizeof(fpath), "%s.mismatches[%zu].measured", path, i);
		if (!json_object_object_get_ex(m, "measured", &v))
			return PERR(fpath, "missing");
		if (jsonu_hex64(v, fpath, &measured, err, errsize) == -1)
			return -1;
		snprintf(fpath, sizeof(fpath), "%s.mismatches[%zu].emulated", path, i);
		if (!json_object_object_get_ex(m, "emulated", &v))
			return PERR(fpath, "missing");
		if (jsonu_hex64(v, fpath, &emulated, err, errsize) == -1)
			return -1;
		profile_add_evmcs_mismatch(e, (enum evmcs_view)view, (uint32_t)msr, measured, emulated);
	}
	return 0;
}

/* The "hw_msrs" layer. */
static int
profile_parse_hw(struct json_object *o, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v, *a, *c, *x;
	struct profile_hw_cpu hc;
	char fpath[512], key[32];
	uint64_t val;
	uint32_t idx;
	size_t i, j, n;
	int ident = 1;

	if (profile_parse_layer(o, "layers.hw_msrs", &p->hw, err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(o, "cpus", &v)) {
		if (jsonu_uint(v, "layers.hw_msrs.cpus", UINT32_MAX, &val, err, errsize) == -1)
			return -1;
		p->hw_ncpus = (uint32_t)val;
	}
	if (json_object_object_get_ex(o, "reference_cpu", &v)) {
		if (jsonu_uint(v, "layers.hw_msrs.reference_cpu", UINT32_MAX, &val, err, errsize) == -1)
			return -1;
		p->hw_cpu = (uint32_t)val;
	}
	if (json_object_object_get_ex(o, "msrs", &v) &&
	    profile_parse_vmx(v, "layers.hw_msrs.msrs", &p->hw_msrs, err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(o, "per_cpu_identical", &v) &&
	    jsonu_bool(v, "layers.hw_msrs.per_cpu_identical", &ident, err, errsize) == -1)
		return -1;
	if (!json_object_object_get_ex(o, "per_cpu_differences", &a)) {
		if (!ident)
			return PERR("layers.hw_msrs.per_cpu_differences", "missing while per_cpu_identical is false");
		return 0;
	}
	if (jsonu_want(a, "layers.hw_msrs.per_cpu_differences", json_type_array, err, errsize) == -1)
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(a, i);
		snprintf(fpath, sizeof(fpath), "layers.hw_msrs.per_cpu_differences[%zu]", i);
		if (jsonu_want(c, fpath, json_type_object, err, errsize) == -1)
			return -1;
		memset(&hc, 0, sizeof(hc));
		snprintf(fpath, sizeof(fpath), "layers.hw_msrs.per_cpu_differences[%zu].cpu", i);
		if (!json_object_object_get_ex(c, "cpu", &v))
			return PERR(fpath, "missing");
		if (jsonu_uint(v, fpath, UINT32_MAX, &val, err, errsize) == -1)
			return -1;
		hc.cpu = (uint32_t)val;
		snprintf(fpath, sizeof(fpath), "layers.hw_msrs.per_cpu_differences[%zu].msrs", i);
		if (json_object_object_get_ex(c, "msrs", &v) &&
		    profile_parse_vmx(v, fpath, &hc.msrs, err, errsize) == -1)
			return -1;
		if (json_object_object_get_ex(c, "absent", &x)) {
			snprintf(fpath, sizeof(fpath), "layers.hw_msrs.per_cpu_differences[%zu].absent", i);
			if (jsonu_want(x, fpath, json_type_array, err, errsize) == -1)
				return -1;
			for (j = 0; j < json_object_array_length(x); j++) {
				snprintf(fpath, sizeof(fpath), "layers.hw_msrs.per_cpu_differences[%zu].absent[%zu]",
				    i, j);
				if (jsonu_str(json_object_array_get_idx(x, j), fpath, key, sizeof(key), err,
				    errsize) == -1)
					return -1;
				if (profile_parse_msr_key(key, &idx) == -1 || !vmx_msr_valid(idx))
					return PERR(fpath, "not a VMX capability MSR");
				hc.absent |= 1u << (idx - VMX_MSR_FIRST);
			}
		}
		profile_add_hw_cpu(p, &hc);
	}
	return 0;
}

static int
profile_parse_evmcs(struct json_object *o, const char *path, struct profile_evmcs *e, int emulated,
    char *err, size_t errsize)
{
	struct json_object *v, *views;
	char fpath[512], buf[16];
	uint64_t val;
	int i;

	if (profile_parse_layer(o, path, &e->layer, err, errsize) == -1)
		return -1;
	if (emulated && json_object_object_get_ex(o, "rules", &v)) {
		snprintf(fpath, sizeof(fpath), "%s.rules", path);
		if (jsonu_str(v, fpath, e->rules, sizeof(e->rules), err, errsize) == -1)
			return -1;
	}
	if (json_object_object_get_ex(o, "pv_bit_honoured", &v)) {
		snprintf(fpath, sizeof(fpath), "%s.pv_bit_honoured", path);
		if (jsonu_str(v, fpath, buf, sizeof(buf), err, errsize) == -1)
			return -1;
		if (strcmp(buf, "yes") == 0)
			e->pv_bit_honoured = PROFILE_YES;
		else if (strcmp(buf, "no") == 0)
			e->pv_bit_honoured = PROFILE_NO;
		else if (strcmp(buf, "unknown") == 0)
			e->pv_bit_honoured = PROFILE_UNKNOWN;
		else
			return PERR(fpath, "expected yes, no or unknown");
	}
	if (json_object_object_get_ex(o, "version_range", &v)) {
		snprintf(fpath, sizeof(fpath), "%s.version_range", path);
		if (jsonu_uint(v, fpath, UINT16_MAX, &val, err, errsize) == -1)
			return -1;
		e->version_range = (uint16_t)val;
	}
	if (!emulated && json_object_object_get_ex(o, "mismatches", &v) &&
	    profile_parse_mismatches(v, path, e, err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(o, "views", &views)) {
		snprintf(fpath, sizeof(fpath), "%s.views", path);
		if (jsonu_want(views, fpath, json_type_object, err, errsize) == -1)
			return -1;
		for (i = 0; i < EVMCS_VIEW_NUM; i++) {
			if (!json_object_object_get_ex(views, profile_view_names[i], &v))
				continue;
			snprintf(fpath, sizeof(fpath), "%s.views.%s", path, profile_view_names[i]);
			if (profile_parse_vmx(v, fpath, &e->view[i], err, errsize) == -1)
				return -1;
			e->views_present |= 1u << i;
		}
	}
	return 0;
}

static int
profile_parse_layers(struct json_object *layers, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v, *x;
	char fpath[512];
	uint64_t val;
	int64_t iv;

	if (jsonu_want(layers, "layers", json_type_object, err, errsize) == -1)
		return -1;
	json_object_object_foreach(layers, key, lo) {
		snprintf(fpath, sizeof(fpath), "layers.%s", key);
		if (strcmp(key, "kvm") == 0) {
			if (profile_parse_layer(lo, fpath, &p->kvm, err, errsize) == -1)
				return -1;
			if (json_object_object_get_ex(lo, "api_version", &v)) {
				if (jsonu_int(v, "layers.kvm.api_version", 0, INT32_MAX, &iv, err, errsize) == -1)
					return -1;
				p->api_version = (int)iv;
			}
			if (json_object_object_get_ex(lo, "system_caps", &v) &&
			    profile_parse_caps(v, "layers.kvm.system_caps", p, 0, err, errsize) == -1)
				return -1;
			if (json_object_object_get_ex(lo, "vm_caps", &v) &&
			    profile_parse_caps(v, "layers.kvm.vm_caps", p, 1, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "cpuid") == 0 || strcmp(key, "hv_cpuid") == 0) {
			int hv = key[0] == 'h';

			if (profile_parse_layer(lo, fpath, hv ? &p->hv_cpuid : &p->cpuid, err, errsize) == -1)
				return -1;
			snprintf(fpath, sizeof(fpath), "layers.%s.entries", key);
			if (json_object_object_get_ex(lo, "entries", &v) &&
			    profile_parse_cpuid(v, fpath, p, hv, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "feature_msrs") == 0) {
			if (profile_parse_layer(lo, fpath, &p->feature_msrs, err, errsize) == -1)
				return -1;
			if (json_object_object_get_ex(lo, "msrs", &v)) {
				uint32_t idx;

				if (jsonu_want(v, "layers.feature_msrs.msrs", json_type_object, err, errsize) == -1)
					return -1;
				json_object_object_foreach(v, mk, mv) {
					snprintf(fpath, sizeof(fpath), "layers.feature_msrs.msrs.%s", mk);
					if (profile_parse_msr_key(mk, &idx) == -1)
						return PERR(fpath, "MSR index is not a hex number");
					if (jsonu_hex64(mv, fpath, &val, err, errsize) == -1)
						return -1;
					profile_add_msr(p, idx, val);
				}
			}
		} else if (strcmp(key, "vmx") == 0 || strcmp(key, "vmx_vcpu") == 0) {
			int vcpu = key[3] == '_';

			if (profile_parse_layer(lo, fpath, vcpu ? &p->vmx_vcpu : &p->vmx, err, errsize) == -1)
				return -1;
			snprintf(fpath, sizeof(fpath), "layers.%s.msrs", key);
			if (json_object_object_get_ex(lo, "msrs", &v) &&
			    profile_parse_vmx(v, fpath, vcpu ? &p->vmx_vcpu_msrs : &p->vmx_raw, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "evmcs_measured") == 0) {
			if (profile_parse_evmcs(lo, fpath, &p->evmcs_measured, 0, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "evmcs_emulated") == 0) {
			if (profile_parse_evmcs(lo, fpath, &p->evmcs_emulated, 1, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "guest") == 0) {
			if (profile_parse_layer(lo, fpath, &p->guest, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "hw_msrs") == 0) {
			if (profile_parse_hw(lo, p, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "tsc") == 0) {
			if (profile_parse_layer(lo, fpath, &p->tsc, err, errsize) == -1)
				return -1;
			if (json_object_object_get_ex(lo, "khz", &v)) {
				if (jsonu_uint(v, "layers.tsc.khz", UINT32_MAX, &val, err, errsize) == -1)
					return -1;
				p->tsc_khz = (uint32_t)val;
			}
			if (json_object_object_get_ex(lo, "scaling", &v) &&
			    jsonu_bool(v, "layers.tsc.scaling", &p->tsc_scaling, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "module_params") == 0) {
			if (profile_parse_layer(lo, fpath, &p->params, err, errsize) == -1)
				return -1;
			if (json_object_object_get_ex(lo, "modules", &v)) {
				if (jsonu_want(v, "layers.module_params.modules", json_type_object, err, errsize) == -1)
					return -1;
				json_object_object_foreach(v, mod, params) {
					snprintf(fpath, sizeof(fpath), "layers.module_params.modules.%s", mod);
					if (jsonu_want(params, fpath, json_type_object, err, errsize) == -1)
						return -1;
					json_object_object_foreach(params, pk, pv) {
						char pval[256];

						snprintf(fpath, sizeof(fpath), "layers.module_params.modules.%s.%s", mod, pk);
						if (jsonu_str(pv, fpath, pval, sizeof(pval), err, errsize) == -1)
							return -1;
						profile_add_param(p, mod, pk, pval);
					}
				}
			}
		} else if (strcmp(key, "libvirt") == 0) {
			if (profile_parse_layer(lo, fpath, &p->libvirt, err, errsize) == -1 ||
			    plibvirt_from_json(lo, &p->lv, err, errsize) == -1)
				return -1;
		} else {
			/* A layer this version does not model: keep it as it is. */
			if (jsonu_want(lo, fpath, json_type_object, err, errsize) == -1)
				return -1;
			if (p->extra_layers == NULL)
				p->extra_layers = json_object_new_object();
			x = json_object_get(lo);
			json_object_object_add(p->extra_layers, key, x);
		}
	}
	return 0;
}

static int
profile_parse_cpu(struct json_object *cpu, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v;
	uint64_t val;
	int64_t iv;

	if (jsonu_want(cpu, "cpu", json_type_object, err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(cpu, "vendor", &v) &&
	    jsonu_str(v, "cpu.vendor", p->cpu.vendor, sizeof(p->cpu.vendor), err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(cpu, "model_name", &v) &&
	    jsonu_str(v, "cpu.model_name", p->cpu.model_name, sizeof(p->cpu.model_name), err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(cpu, "family", &v)) {
		if (jsonu_int(v, "cpu.family", -1, 0xfff, &iv, err, errsize) == -1)
			return -1;
		p->cpu.family = (int)iv;
	}
	if (json_object_object_get_ex(cpu, "model", &v)) {
		if (jsonu_int(v, "cpu.model", -1, 0xfff, &iv, err, errsize) == -1)
			return -1;
		p->cpu.model = (int)iv;
	}
	if (json_object_object_get_ex(cpu, "stepping", &v)) {
		if (jsonu_int(v, "cpu.stepping", -1, 0xff, &iv, err, errsize) == -1)
			return -1;
		p->cpu.stepping = (int)iv;
	}
	if (json_object_object_get_ex(cpu, "microcode", &v)) {
		if (jsonu_uint(v, "cpu.microcode", UINT64_MAX, &val, err, errsize) == -1)
			return -1;
		p->cpu.microcode = val;
		p->cpu.has_microcode = 1;
	}
	return 0;
}

void
profile_cpu_signature(struct profile *p, uint32_t sig)
{
	unsigned fam = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;

	if (fam == 0xf)
		fam += (sig >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		model |= ((sig >> 16) & 0xf) << 4;
	p->cpu.family = (int)fam;
	p->cpu.model = (int)model;
	p->cpu.stepping = (int)(sig & 0xf);
}

/* A fixture-format dump: {"cpu": "...", "kernel": "...", "msrs": {...}}. */
static int
profile_parse_dump(struct json_object *obj, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v;
	uint64_t sig;
	char buf[16];

	p->is_dump = 1;
	/* The CPU name of a dump is provenance: keep what fits. */
	if (json_object_object_get_ex(obj, "cpu", &v) && json_object_is_type(v, json_type_string))
		util_strlcpy(p->cpu.model_name, json_object_get_string(v), sizeof(p->cpu.model_name));
	if (json_object_object_get_ex(obj, "kernel", &v) &&
	    jsonu_str(v, "kernel", p->kernel, sizeof(p->kernel), err, errsize) == -1)
		return -1;
	/* Provenance only, but it gives the CPU signature when present. */
	if (json_object_object_get_ex(obj, "cpuid_1_eax", &v) && json_object_is_type(v, json_type_string) &&
	    jsonu_str(v, "cpuid_1_eax", buf, sizeof(buf), err, errsize) == 0 &&
	    util_parse_hex64(buf, &sig) == 0 && sig <= UINT32_MAX) {
		profile_cpu_signature(p, (uint32_t)sig);
		util_strlcpy(p->cpu.vendor, "GenuineIntel", sizeof(p->cpu.vendor));
	}
	if (!json_object_object_get_ex(obj, "msrs", &v))
		return PERR("msrs", "missing: not a migcompat profile (no schema_version) nor an MSR dump");
	if (profile_parse_vmx(v, "msrs", &p->vmx_raw, err, errsize) == -1)
		return -1;
	profile_layer_set(&p->vmx, LAYER_MEASURED, "MSR dump%s%s",
	    p->cpu.model_name[0] != '\0' ? " of " : "", p->cpu.model_name);
	return 0;
}

int
profile_from_json(struct json_object *obj, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v, *host;
	char ts[64];
	int64_t iv;
	int ret = -1;

	profile_clear(p);
	if (!json_object_is_type(obj, json_type_object)) {
		PERR(NULL, "not a migcompat profile or MSR dump: expected a JSON object, got %s",
		    obj == NULL ? "null" : json_type_to_name(json_object_get_type(obj)));
		goto cleanup;
	}
	if (!json_object_object_get_ex(obj, "schema_version", &v)) {
		if (profile_parse_dump(obj, p, err, errsize) == -1)
			goto cleanup;
		goto done;
	}
	if (jsonu_int(v, "schema_version", 0, INT32_MAX, &iv, err, errsize) == -1)
		goto cleanup;
	if (iv != PROFILE_SCHEMA_VERSION) {
		PERR("schema_version", "unknown schema version %" PRId64 " (this migcompat reads %d)",
		    iv, PROFILE_SCHEMA_VERSION);
		goto cleanup;
	}
	if (json_object_object_get_ex(obj, "host", &host)) {
		if (jsonu_want(host, "host", json_type_object, err, errsize) == -1)
			goto cleanup;
		if (json_object_object_get_ex(host, "id", &v) &&
		    jsonu_str(v, "host.id", p->host_id, sizeof(p->host_id), err, errsize) == -1)
			goto cleanup;
		if (json_object_object_get_ex(host, "hostname", &v) &&
		    jsonu_str(v, "host.hostname", p->hostname, sizeof(p->hostname), err, errsize) == -1)
			goto cleanup;
		if (json_object_object_get_ex(host, "collected_at", &v)) {
			if (jsonu_str(v, "host.collected_at", ts, sizeof(ts), err, errsize) == -1)
				goto cleanup;
			if (util_parse_time(ts, &p->collected_at) == -1) {
				PERR("host.collected_at", "not an RFC 3339 UTC time like 2026-01-31T12:00:00Z");
				goto cleanup;
			}
		}
	}
	if (json_object_object_get_ex(obj, "kernel", &v) &&
	    jsonu_str(v, "kernel", p->kernel, sizeof(p->kernel), err, errsize) == -1)
		goto cleanup;
	if (json_object_object_get_ex(obj, "source", &v) && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "msr-dump") == 0)
		p->is_dump = 1;
	if (json_object_object_get_ex(obj, "cpu", &v) && profile_parse_cpu(v, p, err, errsize) == -1)
		goto cleanup;
	if (json_object_object_get_ex(obj, "layers", &v) && profile_parse_layers(v, p, err, errsize) == -1)
		goto cleanup;
done:
	if (profile_update_hash(p) == -1) {
		PERR(NULL, "cannot compute the profile hash");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret == -1)
		profile_clear(p);
	return ret;
}

int
profile_parse(const char *text, size_t len, struct profile *p, char *err, size_t errsize)
{
	struct json_object *obj = NULL;
	int ret;

	if (len > PROFILE_MAX_SIZE)
		return PERR(NULL, "document larger than %u bytes", PROFILE_MAX_SIZE);
	if (jsonu_parse(text, len, &obj, err, errsize) == -1)
		return -1;
	ret = profile_from_json(obj, p, err, errsize);
	json_object_put(obj);
	return ret;
}

int
profile_load_file(const char *path, struct profile *p, char *err, size_t errsize)
{
	char msg[512];
	char *text;
	size_t len;
	int ret;

	if ((text = util_read_file(path, PROFILE_MAX_SIZE, &len)) == NULL)
		return jsonu_err(err, errsize, path, "%s", errno == EFBIG ?
		    "file larger than the 4 MiB profile limit" : strerror(errno));
	ret = profile_parse(text, len, p, msg, sizeof(msg));
	free(text);
	if (ret == -1)
		return jsonu_err(err, errsize, path, "%s", msg);
	return 0;
}

int
profile_has_domain(const struct profile *p, const char *uuid)
{
	return profile_layer_ok(&p->libvirt) && plibvirt_list_has(&p->lv.domains, uuid, 1);
}
