/*
 * profile_parse.c - reading a profile or an MSR dump from JSON
 * (migcompat-profile(5)), with an error naming the field.
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

#define PERR(...) jsonu_err(err, errsize, __VA_ARGS__)

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

/* Where an array element goes: the profile, and which of its two arrays. */
struct profile_parse_dst {
	struct profile *p;
	int which;		/* caps: VM fd; CPUID: Hyper-V leaves */
};

static int
profile_parse_cap(struct json_object *e, const char *epath, void *arg, char *err, size_t errsize)
{
	struct profile_parse_dst *d = arg;
	struct json_object *v;
	char fpath[600];
	uint64_t id;
	int64_t val;

	if (jsonu_member(e, epath, "id", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_uint(v, fpath, UINT32_MAX, &id, err, errsize) == -1 ||
	    jsonu_member(e, epath, "value", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_int(v, fpath, INT64_MIN, INT64_MAX, &val, err, errsize) == -1)
		return -1;
	profile_add_cap(d->p, d->which, (uint32_t)id, val);
	return 0;
}

static int
profile_parse_caps(struct json_object *a, const char *path, struct profile *p, int vm,
    char *err, size_t errsize)
{
	struct profile_parse_dst d = { p, vm };

	return jsonu_each_object(a, path, profile_parse_cap, &d, err, errsize);
}

static int
profile_parse_cpuid_entry(struct json_object *e, const char *epath, void *arg, char *err,
    size_t errsize)
{
	static const char *const fields[] = { "function", "index", "flags", "eax", "ebx", "ecx", "edx" };
	struct profile_parse_dst *d = arg;
	struct json_object *v;
	struct profile_cpuid c;
	uint32_t *dst[7];
	char fpath[600];
	uint64_t val;
	size_t f;

	memset(&c, 0, sizeof(c));
	dst[0] = &c.function; dst[1] = &c.index; dst[2] = &c.flags;
	dst[3] = &c.eax; dst[4] = &c.ebx; dst[5] = &c.ecx; dst[6] = &c.edx;
	for (f = 0; f < 7; f++) {
		/* index and flags default to 0 */
		if ((f == 1 || f == 2) && !json_object_object_get_ex(e, fields[f], NULL))
			continue;
		if (jsonu_member(e, epath, fields[f], &v, fpath, sizeof(fpath), err, errsize) == -1 ||
		    jsonu_uint(v, fpath, UINT32_MAX, &val, err, errsize) == -1)
			return -1;
		*dst[f] = (uint32_t)val;
	}
	profile_add_cpuid(d->p, d->which, &c);
	return 0;
}

static int
profile_parse_cpuid(struct json_object *a, const char *path, struct profile *p, int hv,
    char *err, size_t errsize)
{
	struct profile_parse_dst d = { p, hv };

	return jsonu_each_object(a, path, profile_parse_cpuid_entry, &d, err, errsize);
}

/* One element of the "mismatches" array of the measured eVMCS layer. */
static int
profile_parse_mismatch(struct json_object *m, const char *epath, void *arg, char *err,
    size_t errsize)
{
	struct profile_evmcs *e = arg;
	struct json_object *v;
	char fpath[600], buf[16];
	uint64_t msr, measured, emulated;
	int view;

	if (jsonu_member(m, epath, "view", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_str(v, fpath, buf, sizeof(buf), err, errsize) == -1)
		return -1;
	for (view = 0; view < EVMCS_VIEW_NUM; view++)
		if (strcmp(buf, profile_view_names[view]) == 0)
			break;
	if (view == EVMCS_VIEW_NUM)
		return PERR(fpath, "expected plain, evmcs or evmcs_pv");
	if (jsonu_member(m, epath, "msr", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_hex64(v, fpath, &msr, err, errsize) == -1)
		return -1;
	if (!vmx_msr_valid((uint32_t)msr) || msr > UINT32_MAX)
		return PERR(fpath, "not a VMX capability MSR");
	if (jsonu_member(m, epath, "measured", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_hex64(v, fpath, &measured, err, errsize) == -1 ||
	    jsonu_member(m, epath, "emulated", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_hex64(v, fpath, &emulated, err, errsize) == -1)
		return -1;
	profile_add_evmcs_mismatch(e, (enum evmcs_view)view, (uint32_t)msr, measured, emulated);
	return 0;
}

/* The "mismatches" array of the measured eVMCS layer. */
static int
profile_parse_mismatches(struct json_object *a, const char *path, struct profile_evmcs *e,
    char *err, size_t errsize)
{
	char apath[512];

	snprintf(apath, sizeof(apath), "%s.mismatches", path);
	if (jsonu_want(a, apath, json_type_array, err, errsize) == -1)
		return -1;
	e->crosschecked = 1;
	return jsonu_each_object(a, apath, profile_parse_mismatch, e, err, errsize);
}

/* One element of layers.hw_msrs.per_cpu_differences. */
static int
profile_parse_hw_cpu(struct json_object *c, const char *epath, void *arg, char *err, size_t errsize)
{
	struct profile *p = arg;
	struct json_object *v, *x;
	struct profile_hw_cpu hc;
	char fpath[600], key[32];
	uint64_t val;
	uint32_t idx;
	size_t j;

	memset(&hc, 0, sizeof(hc));
	if (jsonu_member(c, epath, "cpu", &v, fpath, sizeof(fpath), err, errsize) == -1 ||
	    jsonu_uint(v, fpath, UINT32_MAX, &val, err, errsize) == -1)
		return -1;
	hc.cpu = (uint32_t)val;
	snprintf(fpath, sizeof(fpath), "%s.msrs", epath);
	if (json_object_object_get_ex(c, "msrs", &v) &&
	    profile_parse_vmx(v, fpath, &hc.msrs, err, errsize) == -1)
		return -1;
	if (json_object_object_get_ex(c, "absent", &x)) {
		snprintf(fpath, sizeof(fpath), "%s.absent", epath);
		if (jsonu_want(x, fpath, json_type_array, err, errsize) == -1)
			return -1;
		for (j = 0; j < json_object_array_length(x); j++) {
			snprintf(fpath, sizeof(fpath), "%s.absent[%zu]", epath, j);
			if (jsonu_str(json_object_array_get_idx(x, j), fpath, key, sizeof(key), err,
			    errsize) == -1)
				return -1;
			if (profile_parse_msr_key(key, &idx) == -1 || !vmx_msr_valid(idx))
				return PERR(fpath, "not a VMX capability MSR");
			hc.absent |= 1u << (idx - VMX_MSR_FIRST);
		}
	}
	profile_add_hw_cpu(p, &hc);
	return 0;
}

/* The "hw_msrs" layer. */
static int
profile_parse_hw(struct json_object *o, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v, *a;
	uint64_t val;
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
	return jsonu_each_object(a, "layers.hw_msrs.per_cpu_differences", profile_parse_hw_cpu, p,
	    err, errsize);
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

/* layers.vmx.source and, for an emulated layer, layers.vmx.kernel. */
static int
profile_parse_vmx_source(struct json_object *lo, struct profile *p, char *err, size_t errsize)
{
	struct json_object *v;
	char name[32];

	if (!json_object_object_get_ex(lo, "source", &v))
		return 0;
	if (jsonu_str(v, "layers.vmx.source", name, sizeof(name), err, errsize) == -1)
		return -1;
	if (profile_vmx_source_parse(name, &p->vmx_source) == -1)
		return PERR("layers.vmx.source", "\"%s\": expected kvm, hardware or emulated", name);
	if (p->vmx_source != PROFILE_VMX_SRC_EMULATED)
		return 0;
	if (!json_object_object_get_ex(lo, "kernel", &v))
		return PERR("layers.vmx.kernel", "missing: an emulated VMX layer names its kernel release");
	return jsonu_str(v, "layers.vmx.kernel", p->vmx_kernel, sizeof(p->vmx_kernel), err, errsize);
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
			if (!vcpu && profile_parse_vmx_source(lo, p, err, errsize) == -1)
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

