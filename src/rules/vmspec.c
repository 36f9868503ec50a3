/*
 * vmspec.c - what a VM uses: scenarios, the JSON VM spec of
 * migcompat-vmspec(5) and its JSON form.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jsonu.h"
#include "util.h"
#include "vmcpu.h"
#include "vmspec.h"

#define VERR(...) jsonu_err(err, errsize, __VA_ARGS__)

static const char *const vmspec_scenario_names[] = {
	[VMSPEC_PLAIN] = "plain",
	[VMSPEC_NESTED] = "nested",
	[VMSPEC_EVMCS] = "evmcs",
	[VMSPEC_EVMCS_PV] = "evmcs-pv",
};

static const char *const vmspec_mode_names[] = {
	[VMSPEC_CPU_HOST_PASSTHROUGH] = "host-passthrough",
	[VMSPEC_CPU_HOST_MODEL] = "host-model",
	[VMSPEC_CPU_CUSTOM] = "custom",
	[VMSPEC_CPU_MAXIMUM] = "maximum",
};

void
vmspec_init(struct vmspec *spec, enum vmspec_scenario sc)
{
	memset(spec, 0, sizeof(*spec));
	spec->cpu_mode = VMSPEC_CPU_HOST_PASSTHROUGH;
	vmspec_set_scenario(spec, sc);
}

void
vmspec_set_scenario(struct vmspec *spec, enum vmspec_scenario sc)
{
	spec->scenario = sc;
	spec->nested = sc != VMSPEC_PLAIN;
	spec->evmcs = sc == VMSPEC_EVMCS || sc == VMSPEC_EVMCS_PV;
	spec->evmcs_pv = sc == VMSPEC_EVMCS_PV;
}

enum vmspec_scenario
vmspec_scenario_of(const struct vmspec *spec)
{
	if (!spec->nested)
		return VMSPEC_PLAIN;
	if (!spec->evmcs)
		return VMSPEC_NESTED;
	return spec->evmcs_pv ? VMSPEC_EVMCS_PV : VMSPEC_EVMCS;
}

int
vmspec_scenario_parse(const char *s, enum vmspec_scenario *sc)
{
	size_t i;

	for (i = 0; i < sizeof(vmspec_scenario_names) / sizeof(vmspec_scenario_names[0]); i++) {
		if (strcmp(s, vmspec_scenario_names[i]) == 0) {
			*sc = (enum vmspec_scenario)i;
			return 0;
		}
	}
	return -1;
}

const char *
vmspec_scenario_name(enum vmspec_scenario sc)
{
	if ((unsigned)sc >= sizeof(vmspec_scenario_names) / sizeof(vmspec_scenario_names[0]))
		return "unknown";
	return vmspec_scenario_names[sc];
}

/* Parse a CPU mode name.  Returns 0 or -1. */
static int
vmspec_mode_parse(const char *s, enum vmspec_cpu_mode *m)
{
	size_t i;

	for (i = 0; i < sizeof(vmspec_mode_names) / sizeof(vmspec_mode_names[0]); i++) {
		if (strcmp(s, vmspec_mode_names[i]) == 0) {
			*m = (enum vmspec_cpu_mode)i;
			return 0;
		}
	}
	return -1;
}

int
vmspec_add_hyperv(struct vmspec *spec, const char *name)
{
	size_t i;

	if (strncmp(name, "hv-", 3) == 0)
		name += 3;
	/* "hv-hv-x" is no enlightenment: stored as "hv-x" it would not read back the same. */
	if (*name == '\0' || strncmp(name, "hv-", 3) == 0 || strlen(name) >= sizeof(spec->hyperv[0]))
		return -1;
	for (i = 0; i < spec->n_hyperv; i++)
		if (strcmp(spec->hyperv[i], name) == 0)
			return 0;
	if (spec->n_hyperv >= sizeof(spec->hyperv) / sizeof(spec->hyperv[0]))
		return -1;
	util_strlcpy(spec->hyperv[spec->n_hyperv++], name, sizeof(spec->hyperv[0]));
	if (strcmp(name, "evmcs") == 0)
		spec->evmcs = spec->nested = 1;
	return 0;
}

int
vmspec_has_hyperv(const struct vmspec *spec, const char *name)
{
	size_t i;

	if (strncmp(name, "hv-", 3) == 0)
		name += 3;
	for (i = 0; i < spec->n_hyperv; i++)
		if (strcmp(spec->hyperv[i], name) == 0)
			return 1;
	return 0;
}

int
vmspec_add_feature(struct vmspec *spec, const char *name, int enabled)
{
	size_t i;

	if (*name == '\0' || strlen(name) >= VMSPEC_FEATURE_LEN)
		return -1;
	for (i = 0; i < spec->n_features; i++) {
		if (strcmp(spec->features[i].name, name) == 0) {
			spec->features[i].enabled = enabled != 0;
			spec->features[i].policy = enabled ? VMSPEC_POLICY_REQUIRE : VMSPEC_POLICY_DISABLE;
			return 0;
		}
	}
	if (spec->n_features >= VMSPEC_MAX_FEATURES)
		return -1;
	util_strlcpy(spec->features[spec->n_features].name, name, VMSPEC_FEATURE_LEN);
	spec->features[spec->n_features].enabled = enabled != 0;
	spec->features[spec->n_features].policy = enabled ? VMSPEC_POLICY_REQUIRE : VMSPEC_POLICY_DISABLE;
	spec->n_features++;
	return 0;
}

/* The "cpu" object: mode, model, features. */
static int
vmspec_parse_cpu(struct json_object *cpu, struct vmspec *spec, char *err, size_t errsize)
{
	char buf[32], path[96];
	int on;

	if (jsonu_want(cpu, "cpu", json_type_object, err, errsize) == -1)
		return -1;
	json_object_object_foreach(cpu, key, val) {
		if (strcmp(key, "mode") == 0) {
			if (jsonu_str(val, "cpu.mode", buf, sizeof(buf), err, errsize) == -1)
				return -1;
			if (vmspec_mode_parse(buf, &spec->cpu_mode) == -1)
				return VERR("cpu.mode", "expected host-passthrough, host-model, custom or maximum, got \"%s\"", buf);
		} else if (strcmp(key, "model") == 0) {
			if (jsonu_str(val, "cpu.model", spec->cpu_model, sizeof(spec->cpu_model), err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "features") == 0) {
			if (jsonu_want(val, "cpu.features", json_type_object, err, errsize) == -1)
				return -1;
			json_object_object_foreach(val, fname, fval) {
				snprintf(path, sizeof(path), "cpu.features.%.60s", fname);
				if (jsonu_bool(fval, path, &on, err, errsize) == -1)
					return -1;
				if (strncmp(fname, "hv-", 3) == 0) {
					if (on && vmspec_add_hyperv(spec, fname) == -1)
						return VERR(path, "too many or too long Hyper-V enlightenments");
					continue;
				}
				if (vmspec_add_feature(spec, fname, on) == -1)
					return VERR(path, "too many features or name longer than %d bytes",
					    VMSPEC_FEATURE_LEN - 1);
			}
		} else {
			snprintf(path, sizeof(path), "cpu.%.60s", key);
			return VERR(path, "unknown field");
		}
	}
	return 0;
}

int
vmspec_from_json(struct json_object *obj, struct vmspec *spec, char *err, size_t errsize)
{
	struct json_object *v;
	enum vmspec_scenario sc;
	char buf[32], path[96];
	uint64_t u;
	int b, have_nested = -1, have_evmcs = -1, have_pv = -1;
	size_t i, n;

	vmspec_init(spec, VMSPEC_NESTED);
	if (jsonu_want(obj, NULL, json_type_object, err, errsize) == -1)
		return -1;
	/* The scenario shorthand first, so explicit fields refine it. */
	if (json_object_object_get_ex(obj, "scenario", &v)) {
		if (jsonu_str(v, "scenario", buf, sizeof(buf), err, errsize) == -1)
			return -1;
		if (vmspec_scenario_parse(buf, &sc) == -1)
			return VERR("scenario", "expected plain, nested, evmcs or evmcs-pv, got \"%s\"", buf);
		vmspec_set_scenario(spec, sc);
	}
	json_object_object_foreach(obj, key, val) {
		if (strcmp(key, "scenario") == 0)
			continue;
		if (strcmp(key, "cpu") == 0) {
			if (vmspec_parse_cpu(val, spec, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "nested") == 0) {
			if (jsonu_bool(val, "nested", &have_nested, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "evmcs") == 0) {
			if (jsonu_bool(val, "evmcs", &have_evmcs, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "evmcs_pv") == 0) {
			if (jsonu_bool(val, "evmcs_pv", &have_pv, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "hyperv") == 0) {
			if (jsonu_want(val, "hyperv", json_type_array, err, errsize) == -1)
				return -1;
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				snprintf(path, sizeof(path), "hyperv[%zu]", i);
				if (jsonu_str(json_object_array_get_idx(val, i), path, buf, sizeof(buf),
				    err, errsize) == -1)
					return -1;
				if (vmspec_add_hyperv(spec, buf) == -1)
					return VERR(path, "too many Hyper-V enlightenments or empty name");
			}
		} else if (strcmp(key, "hyperv_passthrough") == 0) {
			if (jsonu_bool(val, "hyperv_passthrough", &spec->hyperv_passthrough, err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "tsc_khz") == 0) {
			if (jsonu_uint(val, "tsc_khz", UINT32_MAX, &u, err, errsize) == -1)
				return -1;
			spec->tsc_khz = (uint32_t)u;
		} else if (strcmp(key, "invtsc") == 0) {
			if (jsonu_bool(val, "invtsc", &b, err, errsize) == -1)
				return -1;
			spec->invtsc = b;
		} else if (strcmp(key, "machine") == 0) {
			if (jsonu_str(val, "machine", spec->machine, sizeof(spec->machine), err, errsize) == -1)
				return -1;
		} else if (strcmp(key, "uuid") == 0) {
			if (jsonu_str(val, "uuid", spec->uuid, sizeof(spec->uuid), err, errsize) == -1)
				return -1;
		} else {
			snprintf(path, sizeof(path), "%.60s", key);
			return VERR(path, "unknown field");
		}
	}
	if (have_nested != -1)
		spec->nested = have_nested;
	if (have_evmcs != -1)
		spec->evmcs = have_evmcs;
	if (have_pv != -1)
		spec->evmcs_pv = have_pv;
	if (spec->evmcs_pv && !spec->evmcs)
		return VERR("evmcs_pv", "the PV bit needs eVMCS (\"evmcs\": true)");
	if (spec->evmcs && !spec->nested)
		return VERR("evmcs", "eVMCS needs nested virtualization (\"nested\": true)");
	if (spec->evmcs && !vmspec_has_hyperv(spec, "evmcs") && vmspec_add_hyperv(spec, "evmcs") == -1)
		return VERR("hyperv", "too many Hyper-V enlightenments");
	spec->scenario = vmspec_scenario_of(spec);
	vmcpu_spec_dependencies(spec, NULL);
	return 0;
}

int
vmspec_parse(const char *text, size_t len, struct vmspec *spec, char *err, size_t errsize)
{
	struct json_object *obj = NULL;
	int ret = -1;

	if (jsonu_parse(text, len, &obj, err, errsize) == -1)
		goto cleanup;
	ret = vmspec_from_json(obj, spec, err, errsize);
cleanup:
	json_object_put(obj);
	return ret;
}

struct json_object *
vmspec_to_json(const struct vmspec *spec)
{
	struct json_object *o, *cpu, *feat, *hv;
	char name[40];
	size_t i;

	o = json_object_new_object();
	json_object_object_add(o, "scenario",
	    json_object_new_string(vmspec_scenario_name(vmspec_scenario_of(spec))));
	cpu = json_object_new_object();
	json_object_object_add(cpu, "mode", json_object_new_string(
	    (unsigned)spec->cpu_mode < sizeof(vmspec_mode_names) / sizeof(vmspec_mode_names[0]) ?
	    vmspec_mode_names[spec->cpu_mode] : "host-passthrough"));
	if (spec->cpu_model[0] != '\0')
		json_object_object_add(cpu, "model", json_object_new_string(spec->cpu_model));
	feat = json_object_new_object();
	for (i = 0; i < spec->n_features; i++)
		if (spec->features[i].policy != VMSPEC_POLICY_DEPENDENCY)
			json_object_object_add(feat, spec->features[i].name,
			    json_object_new_boolean(spec->features[i].enabled));
	json_object_object_add(cpu, "features", feat);
	json_object_object_add(o, "cpu", cpu);
	json_object_object_add(o, "nested", json_object_new_boolean(spec->nested));
	json_object_object_add(o, "evmcs", json_object_new_boolean(spec->evmcs));
	json_object_object_add(o, "evmcs_pv", json_object_new_boolean(spec->evmcs_pv));
	hv = json_object_new_array();
	for (i = 0; i < spec->n_hyperv; i++) {
		snprintf(name, sizeof(name), "%s", spec->hyperv[i]);
		json_object_array_add(hv, json_object_new_string(name));
	}
	json_object_object_add(o, "hyperv", hv);
	json_object_object_add(o, "hyperv_passthrough", json_object_new_boolean(spec->hyperv_passthrough));
	json_object_object_add(o, "tsc_khz", json_object_new_int64(spec->tsc_khz));
	json_object_object_add(o, "invtsc", json_object_new_boolean(spec->invtsc));
	if (spec->machine[0] != '\0')
		json_object_object_add(o, "machine", json_object_new_string(spec->machine));
	if (spec->uuid[0] != '\0')
		json_object_object_add(o, "uuid", json_object_new_string(spec->uuid));
	return o;
}
