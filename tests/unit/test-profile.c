/*
 * test-profile.c - the profile model: JSON round trip, the fixture dump
 * parser on every file in the fixtures directory, and bad input.
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

static void
test_full_round_trip(void)
{
	struct profile_cpuid c = { 1, 0, 0, 0x906ea, 0x800, 0xfffa3223, 0x178bfbff };
	struct profile p, q;
	char err[512], *s;

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
	test_bad_input();
	test_fixture_dir(dir, &ndumps, &nother);
	tap_ok(ndumps >= 266 + 3, "%d fixture profiles and dumps loaded (%d other files refused)", ndumps, nother);
	return tap_done();
}
