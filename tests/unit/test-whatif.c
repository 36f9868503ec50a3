/*
 * test-whatif.c - a host's profile under another kernel (whatif_profile)
 * and the what-if answer of a fleet index (whatif_json), on converted
 * InstLatx64 profiles.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fixture.h"
#include "fleet.h"
#include "jsonu.h"
#include "kvmnested.h"
#include "profile.h"
#include "tap.h"
#include "util.h"
#include "whatif.h"

static struct profile *
load(const char *name, const char *kernel, enum profile_vmx_source src)
{
	struct profile *p = fixture_instlatx64(name);

	if (p == NULL)
		return NULL;
	util_strlcpy(p->kernel, kernel, sizeof(p->kernel));
	p->vmx_source = src;
	profile_update_hash(p);
	return p;
}

static const char sky[] = "GenuineIntel0050654_SkylakeXeon_CPUID5.json";
static const char hsw[] = "GenuineIntel00306F2_HaswellEP_CPUID.json";

static void
test_profile(void)
{
	static const char *const nested_n[] = { "kvm_intel.nested=N" };
	struct profile *p, *q = NULL;
	char why[512];
	enum whatif_outcome o;

	p = load(sky, "5.10.0-28-amd64", PROFILE_VMX_SRC_HARDWARE);
	if (p == NULL)
		return;
	tap_ok(whatif_profile(p, "5.10.0-28-amd64", NULL, 0, &q, why, sizeof(why)) == WHATIF_UNCHANGED && q == NULL,
	    "the kernel it runs, no parameter: unchanged");
	o = whatif_profile(p, "6.8.0-45-generic", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_CHANGED && q != NULL && strcmp(q->kernel, "6.8.0-45-generic") == 0 &&
	    q->vmx_source == PROFILE_VMX_SRC_HARDWARE &&
	    memcmp(&q->vmx_raw, &p->vmx_raw, sizeof(q->vmx_raw)) == 0 && strcmp(q->hash, p->hash) != 0,
	    "a hardware profile to 6.8: the same hardware values under the new kernel, a new hash");
	profile_free(q);
	o = whatif_profile(p, NULL, nested_n, 1, &q, why, sizeof(why));
	tap_ok(o == WHATIF_CHANGED && q != NULL && strcmp(q->kernel, p->kernel) == 0 &&
	    strcmp(profile_param_get(q, "kvm_intel", "nested"), "N") == 0,
	    "no kernel, nested=N: its own kernel with the parameter set");
	profile_free(q);
	q = NULL;
	o = whatif_profile(p, "4.19.0", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_UNKNOWN && q == NULL && strstr(why, "4.20") != NULL,
	    "a kernel outside the model: unknown (%s)", why);
	profile_free(p);

	/* What KVM reported, with the hardware's values in hw_msrs (converted profiles have both). */
	p = load(sky, "5.10.0-28-amd64", PROFILE_VMX_SRC_KVM);
	o = whatif_profile(p, "6.8", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_CHANGED && q->vmx_source == PROFILE_VMX_SRC_HARDWARE &&
	    memcmp(&q->vmx_raw, &p->hw_msrs, sizeof(q->vmx_raw)) == 0 && strstr(q->vmx.reason, "hw_msrs") != NULL,
	    "KVM's values and a hw_msrs layer: the hardware's from hw_msrs");
	profile_free(q);
	/* Without hw_msrs: mapped back only where the model's rows agree. */
	p->hw.status = LAYER_ABSENT;
	profile_update_hash(p);
	o = whatif_profile(p, "6.8", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_UNKNOWN && q == NULL && strstr(why, "cannot be mapped back") != NULL,
	    "KVM's values only, 5.10 -> 6.8: unknown (%s)", why);
	o = whatif_profile(p, "5.10", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_CHANGED && memcmp(&q->vmx_raw, &p->vmx_raw, sizeof(q->vmx_raw)) == 0 &&
	    q->vmx_source == p->vmx_source && strcmp(q->kernel, "5.10") == 0,
	    "KVM's values only, 5.10.0 -> 5.10: the same rows, the same values");
	profile_free(q);
	o = whatif_profile(p, "5.10", nested_n, 1, &q, why, sizeof(why));
	tap_ok(o == WHATIF_UNKNOWN && strstr(why, "parameters") != NULL,
	    "KVM's values only, another parameter: unknown (%s)", why);
	util_strlcpy(p->kernel, "", sizeof(p->kernel));
	o = whatif_profile(p, "6.8", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_UNKNOWN && strstr(why, "records no kernel") != NULL,
	    "KVM's values without a kernel: unknown (%s)", why);
	profile_free(p);

	p = load("AuthenticAMD0A10F11_K19_Genoa_01_CPUID.json", "5.10", PROFILE_VMX_SRC_UNSET);
	o = whatif_profile(p, "6.8", NULL, 0, &q, why, sizeof(why));
	tap_ok(o == WHATIF_UNKNOWN && strstr(why, "Intel VMX only") != NULL, "no VMX layer (AMD): unknown (%s)", why);
	profile_free(p);
}

static char *
ask(struct fleet *f, const char *const *hosts, size_t n, const char *cls, const char *kernel,
    unsigned *status, char *err, size_t errsize)
{
	struct whatif_req req;
	size_t len;

	memset(&req, 0, sizeof(req));
	req.hosts = hosts;
	req.n_hosts = n;
	req.class_sel = cls;
	req.kernel = kernel;
	req.scenario = -1;
	return whatif_json(f, &req, &len, status, err, errsize);
}

static void
test_fleet(void)
{
	static const char *const names[] = { "sky-1", "sky-2", "hsw-1" };
	static const char *const one[] = { "sky-1" }, *const both[] = { "sky-1", "sky-2" };
	static const char *const nobody[] = { "nobody" };
	struct fleet *f = fleet_new();
	struct json_object *o = NULL;
	struct profile *p[3];
	unsigned status;
	char err[512], *t;
	size_t i;

	p[0] = load(sky, "5.10.0-28-amd64", PROFILE_VMX_SRC_HARDWARE);
	p[1] = load(sky, "5.10.0-28-amd64", PROFILE_VMX_SRC_HARDWARE);
	p[2] = load(hsw, "5.10.0-28-amd64", PROFILE_VMX_SRC_HARDWARE);
	for (i = 0; i < 3; i++)
		fleet_set_host(f, names[i], p[i], err, sizeof(err));
	t = ask(f, both, 2, NULL, "5.10.0-28-amd64", &status, err, sizeof(err));
	tap_ok(t != NULL && status == 200 && jsonu_parse(t, strlen(t), &o, err, sizeof(err)) == 0 &&
	    json_object_get_boolean(json_object_object_get(o, "unchanged")),
	    "the kernel they run: unchanged");
	json_object_put(o);
	o = NULL;
	free(t);
	t = ask(f, one, 1, NULL, "6.8.0-45-generic", &status, err, sizeof(err));
	tap_ok(t != NULL && jsonu_parse(t, strlen(t), &o, err, sizeof(err)) == 0 &&
	    json_object_array_length(json_object_object_get(json_object_object_get(o, "groups"), "split")) == 1 &&
	    json_object_get_int(json_object_object_get(json_object_object_get(o, "groups"), "after")) == 3,
	    "one of two hosts of a class to 6.8: the class splits, three classes after");
	json_object_put(o);
	o = NULL;
	free(t);
	t = ask(f, NULL, 0, "0", "6.8.0-45-generic", &status, err, sizeof(err));
	tap_ok(t != NULL && strstr(t, "\"hosts\":2,") != NULL, "class 0 (the largest): both Skylake-SP hosts");
	free(t);
	t = ask(f, nobody, 1, NULL, "6.8", &status, err, sizeof(err));
	tap_ok(t == NULL && status == 404 && strstr(err, "nobody") != NULL, "an unknown host: 404 (%s)", err);
	t = ask(f, NULL, 0, "7", "6.8", &status, err, sizeof(err));
	tap_ok(t == NULL && status == 404, "an unknown class: 404 (%s)", err);
	t = ask(f, NULL, 0, "x7", "6.8", &status, err, sizeof(err));
	tap_ok(t == NULL && status == 400, "a class that is no number nor hash: 400 (%s)", err);
	t = ask(f, one, 1, NULL, "3.10", &status, err, sizeof(err));
	tap_ok(t == NULL && status == 400 && strstr(err, "kernel") != NULL, "kernel 3.10: 400 (%s)", err);
	t = ask(f, NULL, 0, NULL, "6.8", &status, err, sizeof(err));
	tap_ok(t == NULL && status == 400, "no selection: 400 (%s)", err);
	tap_ok(fleet_host_count(f) == 3 && fleet_class_count(f) == 2, "the fleet itself is untouched");
	for (i = 0; i < 3; i++)
		profile_free(p[i]);
	fleet_free(f);
}

/*
 * What the what-if relies on in the model: the releases it covers, and
 * that two releases whose rows do not differ make the same values of any
 * hardware (so KVM's values map back exactly), on every Intel fixture.
 */
static void
test_model(void)
{
	static const char *const rels[] = {
		"4.20", "5.2", "5.3", "5.4", "5.10", "5.10.0-28-amd64", "5.13", "5.14", "5.15", "6.1",
		"6.2", "6.3", "6.4", "6.8", "6.11", "6.12", "6.14",
	};
	static const char *const cpus[] = { sky, hsw, "GenuineIntel00806F8_SapphireRapids_05_CPUID.json" };
	struct kvmnested_params pp;
	struct kvmnested_result a, b;
	struct profile *p;
	char err[256];
	uint32_t m;
	size_t i, j, k, same = 0, pairs = 0, wrong = 0, bits_ok = 1;

	tap_ok(kvmnested_covers("6.8.0-45-generic", err, sizeof(err)) == 0 &&
	    kvmnested_covers("4.19", err, sizeof(err)) == -1 && strstr(err, "4.20") != NULL &&
	    kvmnested_covers("latest", err, sizeof(err)) == -1, "kvmnested_covers: 4.20 and later releases");
	tap_ok(kvmnested_rows_differ("5.10.0-28-amd64", "5.10", &m, err, sizeof(err)) == 0 && m == 0,
	    "5.10.0-28-amd64 and 5.10: the same rows");
	kvmnested_params_default(&pp);
	for (k = 0; k < sizeof(cpus) / sizeof(cpus[0]); k++) {
		if ((p = load(cpus[k], "", PROFILE_VMX_SRC_HARDWARE)) == NULL)
			continue;
		for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
			if (kvmnested_compute(&p->vmx_raw, rels[i], &pp, &a, err, sizeof(err)) == -1)
				continue;
			for (j = 0; j < VMX_MSR_NUM; j++)
				if ((a.unconfirmed_bits[j] != 0) != ((a.unconfirmed >> j & 1) != 0))
					bits_ok = 0;
			for (j = 0; j < sizeof(rels) / sizeof(rels[0]); j++) {
				if (kvmnested_rows_differ(rels[i], rels[j], &m, err, sizeof(err)) == -1 || m != 0)
					continue;
				pairs++;
				if (kvmnested_compute(&p->vmx_raw, rels[j], &pp, &b, err, sizeof(err)) == -1 ||
				    memcmp(&a.msrs, &b.msrs, sizeof(a.msrs)) != 0) {
					tap_diag("%s: %s and %s have the same rows, not the same values", cpus[k],
					    rels[i], rels[j]);
					wrong++;
				} else {
					same++;
				}
			}
		}
		profile_free(p);
	}
	tap_ok(pairs > 0 && wrong == 0, "releases whose rows do not differ give the same values (%zu pairs)", same);
	tap_ok(bits_ok, "the unconfirmed bits are set exactly for the MSRs reported unconfirmed");
}

int
main(void)
{
	test_model();
	test_profile();
	test_fleet();
	return tap_done();
}
