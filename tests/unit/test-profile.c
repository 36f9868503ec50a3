/*
 * test-profile.c - the profile model: JSON round trip, deep copies and
 * content, the fixture dump parser on every file in the fixtures
 * directory, and bad input.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "plibvirt.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

/*
 * Check every VMX value of a dump (top-level "msrs") or of a converted
 * hardware profile (layers.vmx.msrs) against an independent read of the
 * file.
 */
static int
check_dump_values(const char *path, const struct profile *p)
{
	struct json_object *obj = json_object_from_file(path), *msrs = NULL, *l;
	int ok = 1;

	if (obj == NULL)
		return 0;
	if (!json_object_object_get_ex(obj, "msrs", &msrs) && json_object_object_get_ex(obj, "layers", &l) &&
	    json_object_object_get_ex(l, "vmx", &l))
		json_object_object_get_ex(l, "msrs", &msrs);
	if (msrs == NULL) {
		json_object_put(obj);
		return 0;
	}
	json_object_object_foreach(msrs, key, val) {
		unsigned long long idx = strtoull(key, NULL, 16);
		unsigned long long v = strtoull(json_object_get_string(val), NULL, 16);

		if (idx < VMX_MSR_FIRST || idx > VMX_MSR_LAST)
			continue;
		if (!vmx_msr_has(&p->vmx_raw, (uint32_t)idx) || vmx_msr_get(&p->vmx_raw, (uint32_t)idx) != v)
			ok = 0;
	}
	json_object_put(obj);
	return ok;
}

/* 1: an MSR dump, 2: a profile (schema_version), 0: anything else. */
static int
file_kind(const char *path)
{
	struct json_object *obj = json_object_from_file(path), *v;
	int kind = 0;

	if (obj != NULL && json_object_is_type(obj, json_type_object)) {
		if (json_object_object_get_ex(obj, "schema_version", &v))
			kind = 2;
		else if (json_object_object_get_ex(obj, "msrs", &v))
			kind = 1;
	}
	json_object_put(obj);
	return kind;
}

/*
 * A hardware profile converted from a CPUID and MSR dump: CPU identity,
 * a CPUID layer, VMX values exactly as in the file where the CPU is an
 * Intel one with VMX, and a hash that is the file's own.
 */
static int
check_hw_profile(const char *path, const struct profile *p)
{
	struct json_object *obj = json_object_from_file(path), *h, *v;
	int ok;

	ok = obj != NULL && json_object_object_get_ex(obj, "host", &h) &&
	    json_object_object_get_ex(h, "hash", &v) && strcmp(json_object_get_string(v), p->hash) == 0;
	json_object_put(obj);
	if (!ok || !p->is_dump || p->cpu.vendor[0] == '\0' || p->cpu.family <= 0 ||
	    p->cpuid.status != LAYER_MEASURED || p->n_cpuid == 0 || profile_cpuid_find(p, 0, 1, 0) == NULL)
		return 0;
	if (strcmp(p->cpu.vendor, "GenuineIntel") == 0)
		return p->vmx.status == LAYER_MEASURED && vmx_msr_has(&p->vmx_raw, MSR_VMX_BASIC) &&
		    check_dump_values(path, p);
	return p->vmx.status != LAYER_MEASURED;
}

/* Round trip: to JSON, parse back, same JSON and same hash. */
static int
round_trip(const struct profile *p)
{
	struct profile q;
	char err[512], *a, *b;
	int ok;

	profile_init(&q);
	a = profile_to_string(p, 0);
	ok = profile_parse(a, strlen(a), &q, err, sizeof(err)) == 0;
	if (!ok) {
		tap_diag("round trip parse failed: %s", err);
		free(a);
		return 0;
	}
	b = profile_to_string(&q, 0);
	ok = strcmp(a, b) == 0 && strcmp(p->hash, q.hash) == 0;
	free(a);
	free(b);
	profile_clear(&q);
	return ok;
}

static void
test_fixture_dir(const char *dir, int *ndumps, int *nother)
{
	struct dirent **names = NULL;
	char path[4096], err[768];
	struct profile p;
	struct stat st;
	int n, i, kind;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			test_fixture_dir(path, ndumps, nother);
			goto next;
		}
		if (strlen(path) < 5 || strcmp(path + strlen(path) - 5, ".json") != 0)
			goto next;
		profile_init(&p);
		err[0] = '\0';
		kind = file_kind(path);
		if (kind == 2) {
			int r = profile_load_file(path, &p, err, sizeof(err));

			tap_ok(r == 0 && check_hw_profile(path, &p) && round_trip(&p),
			    "hardware profile %s (%s) loads with its CPUID, VMX values and hash, and round-trips%s%s",
			    names[i]->d_name, p.cpu.vendor, r == 0 ? "" : ": ", r == 0 ? "" : err);
			(*ndumps)++;
		} else if (kind == 1) {
			int r = profile_load_file(path, &p, err, sizeof(err));

			tap_ok(r == 0 && p.is_dump && p.vmx.status == LAYER_MEASURED &&
			    vmx_msr_has(&p.vmx_raw, MSR_VMX_BASIC) && check_dump_values(path, &p) &&
			    p.cpuid.status == LAYER_ABSENT && round_trip(&p),
			    "dump %s loads with every VMX value and round-trips%s%s", names[i]->d_name,
			    r == 0 ? "" : ": ", r == 0 ? "" : err);
			(*ndumps)++;
		} else {
			int r = profile_load_file(path, &p, err, sizeof(err));

			tap_ok(r == -1 && strstr(err, path) != NULL &&
			    (strstr(err, "msrs: missing") != NULL || strstr(err, "expected a JSON object") != NULL),
			    "non-dump %s refused naming the file and the field: %s", names[i]->d_name, err);
			(*nother)++;
		}
		profile_clear(&p);
next:
		free(names[i]);
	}
	free(names);
}

/* A profile with identity and data in the main layers. */
static void
full_profile(struct profile *pp)
{
	struct profile_cpuid c = { 1, 0, 0, 0x906ea, 0x800, 0xfffa3223, 0x178bfbff };
#define p (*pp)
	profile_init(&p);
	util_strlcpy(p.host_id, "host-a", sizeof(p.host_id));
	util_strlcpy(p.hostname, "a.example", sizeof(p.hostname));
	p.collected_at = 1764031526;
	util_strlcpy(p.kernel, "6.1.0-13-amd64", sizeof(p.kernel));
	util_strlcpy(p.cpu.vendor, "GenuineIntel", sizeof(p.cpu.vendor));
	p.cpu.family = 6; p.cpu.model = 85; p.cpu.stepping = 7;
	p.cpu.microcode = 0x5003604; p.cpu.has_microcode = 1;
	profile_layer_set(&p.kvm, LAYER_MEASURED, "API version %d", 12);
	p.api_version = 12;
	profile_add_cap(&p, 0, 157, 8192);
	profile_add_cap(&p, 1, 164, 1);
	profile_layer_set(&p.cpuid, LAYER_MEASURED, NULL);
	profile_add_cpuid(&p, 0, &c);
	profile_layer_set(&p.hv_cpuid, LAYER_UNAVAILABLE, "no Hyper-V");
	profile_layer_set(&p.feature_msrs, LAYER_MEASURED, NULL);
	profile_add_msr(&p, 0x10a, 0x2000000e1);
	profile_layer_set(&p.vmx, LAYER_MEASURED, NULL);
	vmx_msr_set(&p.vmx_raw, MSR_VMX_BASIC, 0xda040000000012ull);
	vmx_msr_set(&p.vmx_raw, MSR_VMX_PROCBASED2, 0xffffffffffffffffull);
	profile_layer_set(&p.evmcs_emulated.layer, LAYER_EMULATED, "kernel 6.1 rules");
	util_strlcpy(p.evmcs_emulated.rules, "6.1", sizeof(p.evmcs_emulated.rules));
	vmx_msr_set(&p.evmcs_emulated.view[EVMCS_VIEW_EVMCS], MSR_VMX_PROCBASED2, 0x1ull << 40);
	p.evmcs_emulated.views_present = 1u << EVMCS_VIEW_EVMCS;
	profile_layer_set(&p.evmcs_measured.layer, LAYER_UNAVAILABLE, "probe guest timed out after 2 s");
	profile_layer_set(&p.tsc, LAYER_MEASURED, NULL);
	p.tsc_khz = 2500000; p.tsc_scaling = 1;
	profile_layer_set(&p.params, LAYER_MEASURED, NULL);
	profile_add_param(&p, "kvm_intel", "nested", "Y");
#undef p
}

static void
test_full_round_trip(void)
{
	struct profile p, q;
	char err[512], *s;

	full_profile(&p);
	tap_ok(profile_update_hash(&p) == 0 && strncmp(p.hash, "sha256:", 7) == 0 && strlen(p.hash) == 71,
	    "hash is sha256:<64 hex>");
	tap_ok(round_trip(&p), "full profile round-trips through JSON");

	/* Identity does not change the hash; content does. */
	profile_init(&q);
	s = profile_to_string(&p, 1);
	tap_ok(profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0, "pretty JSON parses");
	free(s);
	util_strlcpy(q.host_id, "other", sizeof(q.host_id));
	q.collected_at = 1;
	profile_update_hash(&q);
	tap_ok(strcmp(p.hash, q.hash) == 0, "host identity is not part of the content hash");
	vmx_msr_set(&q.vmx_raw, MSR_VMX_PROCBASED2, 0x7fffffffffffffffull);
	profile_update_hash(&q);
	tap_ok(strcmp(p.hash, q.hash) != 0, "a changed VMX bit changes the content hash");
	tap_ok(profile_cap(&q, 157) == 8192 && profile_cap(&q, 164) == 1 && profile_cap(&q, 999) == -1,
	    "capabilities survive the round trip");
	tap_ok(profile_cpuid_find(&q, 0, 1, 0) != NULL && profile_cpuid_find(&q, 0, 1, 0)->ecx == 0xfffa3223,
	    "CPUID entries survive the round trip");
	tap_ok(strcmp(profile_param_get(&q, "kvm_intel", "nested"), "Y") == 0, "module parameters survive");
	profile_clear(&q);
	profile_clear(&p);
}

/* layers.vmx.source: absent reads as kvm and stays absent; set values survive and count. */
static void
test_vmx_source(void)
{
	static const char base[] = "{\"schema_version\": 1, \"kernel\": \"6.1.0\", \"layers\": "
	    "{\"vmx\": {\"status\": \"measured\", \"reason\": \"\", %s\"msrs\": {\"0x480\": \"0xda040000000012\"}}}}";
	struct profile p, q;
	char text[512], err[512], hash0[80], *s;

	profile_init(&p);
	profile_init(&q);
	snprintf(text, sizeof(text), base, "");
	tap_ok(profile_parse(text, strlen(text), &p, err, sizeof(err)) == 0 &&
	    p.vmx_source == PROFILE_VMX_SRC_UNSET && profile_vmx_source(&p) == PROFILE_VMX_SRC_KVM,
	    "a VMX layer without source reads as kvm");
	util_strlcpy(hash0, p.hash, sizeof(hash0));
	s = profile_to_string(&p, 0);
	tap_ok(strstr(s, "\"source\"") == NULL, "and is written without source (its hash stays)");
	free(s);
	snprintf(text, sizeof(text), base, "\"source\": \"hardware\", ");
	tap_ok(profile_parse(text, strlen(text), &p, err, sizeof(err)) == 0 &&
	    p.vmx_source == PROFILE_VMX_SRC_HARDWARE && strcmp(p.hash, hash0) != 0,
	    "source hardware is read and is part of the hash");
	s = profile_to_string(&p, 0);
	tap_ok(profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0 && q.vmx_source == PROFILE_VMX_SRC_HARDWARE &&
	    strcmp(p.hash, q.hash) == 0, "hardware round-trips");
	free(s);
	snprintf(text, sizeof(text), base, "\"source\": \"emulated\", \"kernel\": \"6.8\", ");
	tap_ok(profile_parse(text, strlen(text), &p, err, sizeof(err)) == 0 &&
	    p.vmx_source == PROFILE_VMX_SRC_EMULATED && strcmp(p.vmx_kernel, "6.8") == 0,
	    "source emulated with its kernel is read");
	s = profile_to_string(&p, 0);
	tap_ok(profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0 && q.vmx_source == PROFILE_VMX_SRC_EMULATED &&
	    strcmp(q.vmx_kernel, "6.8") == 0 && strcmp(p.hash, q.hash) == 0, "emulated and its kernel round-trip");
	free(s);
	snprintf(text, sizeof(text), base, "\"source\": \"emulated\", ");
	tap_ok(profile_parse(text, strlen(text), &p, err, sizeof(err)) == -1 && strstr(err, "layers.vmx.kernel") != NULL,
	    "emulated without its kernel is refused: %s", err);
	snprintf(text, sizeof(text), base, "\"source\": \"silicon\", ");
	tap_ok(profile_parse(text, strlen(text), &p, err, sizeof(err)) == -1 && strstr(err, "layers.vmx.source") != NULL,
	    "an unknown source is refused: %s", err);
	profile_clear(&q);
	profile_clear(&p);
}

/* full_profile with every other part that points to owned data filled in. */
static struct profile *
fuller_profile(void)
{
	struct profile_cpuid hv = { 0x40000001, 0, 0, 0x31237648, 0, 0, 0 };
	struct profile_hw_cpu cpu;
	struct profile *p = profile_new();

	memset(&cpu, 0, sizeof(cpu));
	cpu.cpu = 3;

	full_profile(p);
	profile_layer_set(&p->hv_cpuid, LAYER_MEASURED, NULL);
	profile_add_cpuid(p, 1, &hv);
	profile_layer_set(&p->vmx_vcpu, LAYER_MEASURED, NULL);
	vmx_msr_set(&p->vmx_vcpu_msrs, MSR_VMX_BASIC, 0xda040000000012ull);
	profile_layer_set(&p->evmcs_measured.layer, LAYER_MEASURED, NULL);
	vmx_msr_set(&p->evmcs_measured.view[EVMCS_VIEW_EVMCS], MSR_VMX_PROCBASED2, 0x1ull << 41);
	p->evmcs_measured.views_present = 1u << EVMCS_VIEW_EVMCS;
	p->evmcs_measured.crosschecked = 1;
	profile_add_evmcs_mismatch(&p->evmcs_measured, EVMCS_VIEW_EVMCS, MSR_VMX_PROCBASED2,
	    0x1ull << 41, 0x1ull << 40);
	profile_layer_set(&p->guest, LAYER_MEASURED, NULL);
	profile_layer_set(&p->hw, LAYER_MEASURED, NULL);
	vmx_msr_set(&p->hw_msrs, MSR_VMX_BASIC, 0xda040000000012ull);
	p->hw_ncpus = 4;
	vmx_msr_set(&cpu.msrs, MSR_VMX_BASIC, 0xda040000000013ull);
	profile_add_hw_cpu(p, &cpu);
	profile_layer_set(&p->libvirt, LAYER_MEASURED, NULL);
	p->lv.domcaps = 1;
	util_strlcpy(p->lv.libvirt_version, "9.0.0", sizeof(p->lv.libvirt_version));
	plibvirt_list_add(&p->lv.machines, "pc-q35-7.2");
	plibvirt_list_add(&p->lv.host_model_features, "vmx");
	plibvirt_list_add(&p->lv.host_model_disabled, "mpx");
	plibvirt_list_add(&p->lv.cpu_models, "Skylake-Server");
	plibvirt_list_add(&p->lv.hyperv_features, "evmcs");
	p->extra_layers = json_tokener_parse("{\"sgx\": {\"status\": \"measured\", \"epc\": [1, 2]}}");
	profile_update_hash(p);
	return p;
}

/* The JSON of the content of p, its hash recomputed first. */
static char *
content_string(struct profile *p)
{
	struct profile *c;
	char *s;

	profile_update_hash(p);
	c = profile_content(p);
	s = profile_to_string(c, 0);
	profile_free(c);
	return s;
}

static void mut_kernel(struct profile *p) { p->kernel[0] = '5'; }
static void mut_microcode(struct profile *p) { p->cpu.microcode++; }
static void mut_cap(struct profile *p) { p->caps_vm[0].value = 2; }
static void mut_cpuid(struct profile *p) { p->cpuid_ent[0].ecx ^= 1; }
static void mut_hv_cpuid(struct profile *p) { p->hv_cpuid_ent[0].eax ^= 1; }
static void mut_msr(struct profile *p) { p->msrs[0].value ^= 1; }
static void mut_vmx(struct profile *p) { vmx_msr_set(&p->vmx_raw, MSR_VMX_PROCBASED2, 1); }
static void mut_vmx_source(struct profile *p) { p->vmx_source = PROFILE_VMX_SRC_HARDWARE; }
static void mut_vmx_vcpu(struct profile *p) { vmx_msr_set(&p->vmx_vcpu_msrs, MSR_VMX_BASIC, 1); }
static void mut_evmcs_measured(struct profile *p) { p->evmcs_measured.mismatch[0].measured = 0; }
static void mut_evmcs_emulated(struct profile *p) { p->evmcs_emulated.rules[2] = '2'; }
static void mut_guest(struct profile *p) { profile_layer_set(&p->guest, LAYER_UNAVAILABLE, "no KVM"); }
static void mut_hw(struct profile *p) { p->hw_diff[0].cpu = 2; }
static void mut_tsc(struct profile *p) { p->tsc_khz++; }
static void mut_params(struct profile *p) { p->param[0].value[0] = 'N'; }
static void mut_libvirt(struct profile *p) { plibvirt_list_add(&p->lv.cpu_models, "Haswell"); }
static void
mut_extra(struct profile *p)
{
	json_object_object_add(p->extra_layers, "sev", json_object_new_object());
}

/*
 * profile_copy is deep (the copy lives on when the original is gone) and
 * profile_content is what identity does not change and every layer does.
 */
static void
test_copy_content(void)
{
	static const struct {
		const char *name;
		void (*fn)(struct profile *p);
	} mut[] = {
		{ "kernel", mut_kernel }, { "cpu", mut_microcode }, { "kvm", mut_cap },
		{ "cpuid", mut_cpuid }, { "hyperv_cpuid", mut_hv_cpuid }, { "feature_msrs", mut_msr },
		{ "vmx", mut_vmx }, { "vmx source", mut_vmx_source }, { "vmx_vcpu", mut_vmx_vcpu },
		{ "evmcs measured", mut_evmcs_measured }, { "evmcs emulated", mut_evmcs_emulated },
		{ "guest", mut_guest }, { "hw", mut_hw }, { "tsc", mut_tsc },
		{ "module_params", mut_params }, { "libvirt", mut_libvirt }, { "extra layer", mut_extra },
	};
	struct profile *p = fuller_profile(), *q, *r;
	char *a, *b, *base;
	size_t i;
	int ok;

	plibvirt_list_add(&p->lv.domains, "11111111-2222-3333-4444-555555555555");
	a = profile_to_string(p, 0);
	q = profile_copy(p);
	profile_free(p);
	b = profile_to_string(q, 0);
	tap_ok(strcmp(a, b) == 0, "a deep copy outlives its original and serialises the same");
	tap_ok(strstr(b, "\"sgx\"") != NULL && strstr(b, "11111111-2222") != NULL &&
	    strstr(b, "host-a") != NULL, "the copy keeps extra layers, domains and identity");
	free(a);
	free(b);

	/* Identity and running domains are not content. */
	base = content_string(q);
	r = profile_copy(q);
	util_strlcpy(r->host_id, "host-b", sizeof(r->host_id));
	util_strlcpy(r->hostname, "b.example", sizeof(r->hostname));
	r->collected_at = 1;
	plibvirt_list_clear(&r->lv.domains);
	plibvirt_list_add(&r->lv.domains, "66666666-2222-3333-4444-555555555555");
	b = content_string(r);
	tap_ok(strcmp(base, b) == 0 && strcmp(q->hash, r->hash) == 0,
	    "profiles that differ in identity and domains only have the same content and hash");
	tap_ok(strstr(b, "host-") == NULL && strstr(b, "a.example") == NULL &&
	    strstr(b, "-2222-") == NULL && strstr(b, "collected_at") == NULL,
	    "the content names no host and no domain");
	free(b);
	profile_free(r);

	for (i = 0; i < sizeof(mut) / sizeof(mut[0]); i++) {
		r = profile_copy(q);
		mut[i].fn(r);
		b = content_string(r);
		ok = strcmp(base, b) != 0 && strcmp(q->hash, r->hash) != 0;
		tap_ok(ok, "a change in %s changes the content and the hash", mut[i].name);
		free(b);
		profile_free(r);
	}
	free(base);
	profile_free(q);
}

static void
test_bad_input(void)
{
	static const struct {
		const char *text;
		const char *want;	/* substring of the error */
	} bad[] = {
		{ "", "not JSON" },
		{ "{", "not JSON" },
		{ "[1,2]", "expected a JSON object, got array" },
		{ "{\"msrs\": {\"0x480\": \"0x10000000000000000\"}}", "msrs.0x480: hex value" },
		{ "{\"msrs\": {\"0x480\": 5}}", "msrs.0x480: expected string" },
		{ "{\"msrs\": {\"0x480\": \"12\"}}", "msrs.0x480: expected a hex string" },
		{ "{\"msrs\": {\"zz\": \"0x1\"}}", "msrs.zz: MSR index" },
		{ "{\"msrs\": []}", "msrs: expected object" },
		{ "{\"cpu\": \"x\"}", "msrs: missing" },
		{ "{\"schema_version\": 99}", "schema_version: unknown schema version 99" },
		{ "{\"schema_version\": \"1\"}", "schema_version: expected int" },
		{ "{\"schema_version\": 1, \"layers\": {\"vmx\": {\"status\": \"bogus\"}}}", "layers.vmx.status" },
		{ "{\"schema_version\": 1, \"layers\": {\"vmx\": {\"status\": \"measured\", \"msrs\": {\"0x48b\": \"0xfffffffffffffffff\"}}}}",
		  "layers.vmx.msrs.0x48b: hex value" },
		{ "{\"schema_version\": 1, \"cpu\": {\"family\": \"6\"}}", "cpu.family" },
		{ "{\"schema_version\": 1, \"layers\": {\"kvm\": {\"status\": \"measured\", \"system_caps\": [{\"id\": -1, \"value\": 1}]}}}",
		  "layers.kvm.system_caps[0].id" },
		{ "{\"schema_version\": 1, \"host\": {\"collected_at\": \"yesterday\"}}", "host.collected_at" },
		{ "{\"msrs\": {}} trailing", "not JSON" },
		{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "not JSON" },
		{ "{\"msrs\": {\"0x480\": \"\xff\xfe\"}}", "not JSON" },
	};
	struct profile p;
	char err[512];
	size_t i;

	profile_init(&p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = profile_parse(bad[i].text, strlen(bad[i].text), &p, err, sizeof(err));

		tap_ok(r == -1 && strstr(err, bad[i].want) != NULL, "bad input %zu refused with \"%s\": %s",
		    i, bad[i].want, r == -1 ? err : "(accepted)");
	}
	tap_ok(profile_load_file("/nonexistent/profile.json", &p, err, sizeof(err)) == -1 &&
	    strstr(err, "/nonexistent/profile.json") != NULL, "missing file names the file: %s", err);
	profile_clear(&p);
}

int
main(void)
{
	const char *dir = tap_fixtures();
	int ndumps = 0, nother = 0;

	test_full_round_trip();
	test_vmx_source();
	test_copy_content();
	test_bad_input();
	test_fixture_dir(dir, &ndumps, &nother);
	tap_ok(ndumps >= 266 + 3, "%d fixture profiles and dumps loaded (%d other files refused)", ndumps, nother);
	return tap_done();
}
