/*
 * test-rules-msr.c - the feature_msrs layer (IA32_ARCH_CAPABILITIES,
 * IA32_CORE_CAPABILITIES, IA32_PERF_CAPABILITIES) on profiles built here:
 * passthrough subsets, VM-required names, disabled names, missing layers,
 * CPUID gating, AMD hosts, the LBR format, the prepared cache, libvirt's
 * expanded host-model domain and the agreement of the fast verdict with
 * the full answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "domxml.h"
#include "msrfeat.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"

#define B(n)		(1u << (n))
#define ARCH		0x10au
#define PERF		0x345u
#define RDCTL_NO	(1ull << 0)
#define MDS_NO		(1ull << 5)
#define TSX_CTRL	(1ull << 7)

/*
 * A host of vendor with CPUID (arch-capabilities, pdcm), the KVM
 * capabilities a nested guest needs and, when arch is not ~0, a
 * feature_msrs layer with 0x10A = arch and 0x345 = perf.
 */
static struct profile *
host(const char *vendor, uint64_t arch, uint64_t perf)
{
	struct profile *p = profile_new();
	struct profile_cpuid e;

	util_strlcpy(p->cpu.vendor, vendor, sizeof(p->cpu.vendor));
	util_strlcpy(p->kernel, "6.1.0-13-amd64", sizeof(p->kernel));
	profile_layer_set(&p->cpuid, LAYER_MEASURED, "test");
	memset(&e, 0, sizeof(e));
	e.function = 1;
	e.ecx = B(0) | B(15);		/* pni pdcm */
	e.edx = B(0) | B(4);
	profile_add_cpuid(p, 0, &e);
	memset(&e, 0, sizeof(e));
	e.function = 7;
	e.flags = 1;
	e.edx = B(29);			/* arch-capabilities */
	profile_add_cpuid(p, 0, &e);
	profile_layer_set(&p->kvm, LAYER_MEASURED, "test");
	profile_add_cap(p, 0, 157, 1);
	profile_add_cap(p, 0, 164, 1);
	if (arch != ~0ull) {
		profile_layer_set(&p->feature_msrs, LAYER_MEASURED, "test");
		profile_add_msr(p, ARCH, arch);
		profile_add_msr(p, PERF, perf);
	}
	return p;
}

/* The VM spec: mode and up to two features (NULL: none); '!' before a name disables it. */
static struct vmspec *
spec(enum vmspec_scenario sc, enum vmspec_cpu_mode mode, const char *f1, const char *f2)
{
	static struct vmspec v;
	const char *f[2] = { f1, f2 };
	int i;

	vmspec_init(&v, sc);
	v.cpu_mode = mode;
	for (i = 0; i < 2; i++)
		if (f[i] != NULL && vmspec_add_feature(&v, f[i][0] == '!' ? f[i] + 1 : f[i], f[i][0] != '!') == -1)
			abort();
	return &v;
}

/*
 * The verdict, the same unprepared, prepared and in the full answer;
 * 99 when they differ.
 */
static enum rules_verdict
verdict(struct profile *s, struct profile *d, const struct vmspec *vm)
{
	struct json_object *o, *v;
	enum rules_verdict a, b, full = (enum rules_verdict)98;

	if (s != NULL)
		memset(s->rules_cache, 0, sizeof(s->rules_cache));
	memset(d->rules_cache, 0, sizeof(d->rules_cache));
	a = rules_verdict_of(s, d, vm, RULES_POLICY_STRICT);
	if (s != NULL)
		rules_prepare(s);
	rules_prepare(d);
	b = rules_verdict_of(s, d, vm, RULES_POLICY_STRICT);
	o = rules_check_json(s, d, vm, RULES_POLICY_STRICT);
	if (json_object_object_get_ex(o, "verdict", &v))
		full = strcmp(json_object_get_string(v), "compatible") == 0 ? RULES_COMPATIBLE :
		    strcmp(json_object_get_string(v), "incompatible") == 0 ? RULES_INCOMPATIBLE : RULES_UNKNOWN;
	json_object_put(o);
	if (s != NULL)
		memset(s->rules_cache, 0, sizeof(s->rules_cache));
	memset(d->rules_cache, 0, sizeof(d->rules_cache));
	if (a != b || a != full)
		tap_diag("fast unprepared %d, fast prepared %d, full %d", a, b, full);
	return a == b && a == full ? a : (enum rules_verdict)99;
}

/* The first reason with rule as a new JSON object, or NULL. */
static struct json_object *
reason(struct profile *s, struct profile *d, const struct vmspec *vm, const char *rule)
{
	struct json_object *o = rules_check_json(s, d, vm, RULES_POLICY_STRICT), *rs, *r, *v, *ret = NULL;
	size_t i;

	if (json_object_object_get_ex(o, "reasons", &rs)) {
		for (i = 0; i < json_object_array_length(rs) && ret == NULL; i++) {
			r = json_object_array_get_idx(rs, i);
			if (json_object_object_get_ex(r, "rule", &v) && strcmp(json_object_get_string(v), rule) == 0)
				ret = json_object_get(r);
		}
	}
	if (ret == NULL)
		tap_diag("no %s in %s", rule, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return ret;
}

/* The string value of key in o ("" for null or missing). */
static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/* Nonzero when the answer's not_checked list has item. */
static int
nc(struct profile *s, struct profile *d, const struct vmspec *vm, const char *item)
{
	struct json_object *o = rules_check_json(s, d, vm, RULES_POLICY_STRICT), *a;
	size_t i;
	int found = 0;

	if (json_object_object_get_ex(o, "not_checked", &a))
		for (i = 0; i < json_object_array_length(a); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), item) == 0)
				found = 1;
	json_object_put(o);
	return found;
}

/* Nonzero when the text answer contains needle. */
static int
text_has(struct profile *s, struct profile *d, const struct vmspec *vm, const char *needle)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int found;

	if (f == NULL)
		abort();
	rules_check_print(f, s, d, vm, RULES_POLICY_STRICT);
	fclose(f);
	found = strstr(buf, needle) != NULL;
	if (!found)
		tap_diag("text answer: %s", buf);
	free(buf);
	return found;
}

static void
test_table(void)
{
	const struct msrfeat_entry *e;

	e = msrfeat_find("rdctl-no");
	tap_ok(e != NULL && e->msr == ARCH && e->bit == 0, "rdctl-no is 0x10a bit 0");
	e = msrfeat_find("SKIP_L1DFL_VMENTRY");
	tap_ok(e != NULL && e->bit == 3, "names match with '_' and any case");
	e = msrfeat_find("split-lock-detect");
	tap_ok(e != NULL && e->msr == 0xcf && e->bit == 5, "split-lock-detect is 0xcf bit 5");
	e = msrfeat_find("full-width-write");
	tap_ok(e != NULL && e->msr == PERF && e->bit == 13 && e->libvirt_name == NULL,
	    "full-width-write is 0x345 bit 13, without a libvirt name");
	tap_ok(msrfeat_find("lbr-fmt") == NULL && msrfeat_lookup(PERF, 3) != NULL &&
	    msrfeat_lookup(PERF, 3)->width == 6, "lbr-fmt is a 6-bit field, not a feature name");
	tap_ok(msrfeat_find("arch-capabilities") == NULL, "the CPUID gate is not an MSR name");
}

static void
test_passthrough(void)
{
	struct profile *s = host("GenuineIntel", RDCTL_NO | MDS_NO, 0);
	struct profile *d = host("GenuineIntel", RDCTL_NO, 0);
	struct vmspec *vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_PASSTHROUGH, NULL, NULL);
	struct json_object *r;

	tap_ok(verdict(s, d, vm) == RULES_INCOMPATIBLE, "passthrough: mds-no on the source only: incompatible");
	r = reason(s, d, vm, "msr-subset");
	tap_ok(r != NULL && strcmp(str(r, "layer"), "feature_msrs") == 0 && strcmp(str(r, "msr"), "0x10a") == 0 &&
	    strcmp(str(r, "bit"), "5") == 0 && strcmp(str(r, "name"), "mds-no") == 0 &&
	    strcmp(str(r, "src"), "0x21") == 0 && strcmp(str(r, "dst"), "0x1") == 0 &&
	    strcmp(str(r, "effect"), "blocks") == 0, "the reason names MSR, bit, QEMU name and both values");
	tap_ok(strcmp(str(r, "message"), "feature MSR 0x10a bit 5 mds-no: on the source, not on the destination") == 0,
	    "message: %s", str(r, "message"));
	json_object_put(r);
	tap_ok(text_has(s, d, vm, "feature MSR 0x10a bit 5 mds-no: on the source, not on the destination"),
	    "the text answer has the same line");
	tap_ok(verdict(s, d, NULL) == RULES_INCOMPATIBLE, "the default scenario (nested passthrough) too");
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_MAXIMUM, NULL, NULL);
	tap_ok(verdict(s, d, vm) == RULES_INCOMPATIBLE, "maximum CPU: the same rule");
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_PASSTHROUGH, "!mds-no", NULL);
	tap_ok(verdict(s, d, vm) == RULES_COMPATIBLE, "passthrough with mds-no disabled: compatible");

	tap_ok(verdict(d, s, NULL) == RULES_COMPATIBLE && !nc(d, s, NULL, "feature-msrs"),
	    "destination a superset: compatible, and checked");

	/* Bits without a QEMU name are not compared. */
	profile_free(d);
	d = host("GenuineIntel", RDCTL_NO | MDS_NO, 0);
	profile_free(s);
	s = host("GenuineIntel", RDCTL_NO | MDS_NO | (1ull << 10) | (1ull << 62), 0);
	tap_ok(verdict(s, d, NULL) == RULES_COMPATIBLE, "unnamed bits (10, 62) on the source only: compatible");
	profile_free(s);
	profile_free(d);
}

static void
test_vm_features(void)
{
	struct profile *s = host("GenuineIntel", RDCTL_NO | TSX_CTRL, 0);
	struct profile *d = host("GenuineIntel", TSX_CTRL, 0);
	struct profile *none = host("GenuineIntel", ~0ull, 0);
	struct vmspec *vm;
	struct json_object *r;

	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_MODEL, "rdctl-no", "tsx-ctrl");
	tap_ok(verdict(s, d, vm) == RULES_INCOMPATIBLE, "host-model requiring rdctl-no, destination without: incompatible");
	r = reason(s, d, vm, "msr-required");
	tap_ok(r != NULL && strcmp(str(r, "name"), "rdctl-no") == 0 && strcmp(str(r, "bit"), "0") == 0 &&
	    strcmp(str(r, "message"), "feature MSR 0x10a bit 0 rdctl-no: required by the VM, not on the destination") == 0,
	    "msr-required reason: %s", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(NULL, d, vm) == RULES_INCOMPATIBLE, "the same without a source (the hook)");
	tap_ok(verdict(d, d, vm) == RULES_INCOMPATIBLE, "regardless of the source: a source without it too");

	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_CUSTOM, "tsx-ctrl", "!rdctl-no");
	tap_ok(verdict(s, d, vm) == RULES_COMPATIBLE, "custom: rdctl-no disabled needs nothing: compatible");
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_MODEL, "mds-no", NULL);
	r = reason(s, s, vm, "feature-unknown");
	tap_ok(r == NULL, "table names are no longer feature-unknown");
	json_object_put(r);
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_MODEL, NULL, NULL);
	tap_ok(verdict(s, d, vm) == RULES_COMPATIBLE, "host-model naming no MSR bit: the source's bits do not matter");

	/* A destination without the layer. */
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_MODEL, "rdctl-no", NULL);
	tap_ok(verdict(s, none, vm) == RULES_UNKNOWN, "required rdctl-no, destination without feature MSRs: unknown");
	r = reason(s, none, vm, "layer-missing");
	tap_ok(r != NULL && strcmp(str(r, "layer"), "feature_msrs") == 0 && strcmp(str(r, "effect"), "unknown") == 0 &&
	    strcmp(str(r, "name"), "rdctl-no") == 0 && strcmp(str(r, "dst"), "") == 0 &&
	    strstr(str(r, "message"), "destination profile has no feature MSRs") != NULL,
	    "layer-missing reason: %s", str(r, "message"));
	json_object_put(r);
	tap_ok(nc(s, none, vm, "feature-msrs"), "and feature-msrs is listed as not checked");
	profile_free(s);
	profile_free(d);
	profile_free(none);
}

static void
test_missing_layer(void)
{
	struct profile *s = host("GenuineIntel", RDCTL_NO | MDS_NO, 0);
	struct profile *none = host("GenuineIntel", ~0ull, 0);
	struct vmspec *vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_PASSTHROUGH, NULL, NULL);

	tap_ok(verdict(s, none, vm) == RULES_COMPATIBLE && nc(s, none, vm, "feature-msrs"),
	    "passthrough, destination without the layer: not checked, never a silent pass");
	tap_ok(verdict(none, s, vm) == RULES_COMPATIBLE && nc(none, s, vm, "feature-msrs"),
	    "passthrough, source without the layer: not checked");
	tap_ok(nc(none, none, NULL, "feature-msrs"), "neither side: not checked");
	tap_ok(text_has(s, none, vm, "feature-msrs"), "the text answer lists it");
	vm = spec(VMSPEC_PLAIN, VMSPEC_CPU_HOST_PASSTHROUGH, "mds-no", NULL);
	tap_ok(verdict(none, s, vm) == RULES_COMPATIBLE, "source without the layer, required bit on the destination: compatible");
	profile_free(s);
	profile_free(none);
}

static void
test_gate_vendor_lbr(void)
{
	struct profile *s = host("GenuineIntel", RDCTL_NO | MDS_NO, 0x2000 | 5);
	struct profile *d = host("GenuineIntel", RDCTL_NO, 5);
	struct profile *a, *b;
	struct json_object *r;
	size_t i;

	/* The source's CPUID lacks arch-capabilities: QEMU clears the whole word. */
	for (i = 0; i < s->n_cpuid; i++)
		if (s->cpuid_ent[i].function == 7)
			s->cpuid_ent[i].edx &= ~B(29);
	r = reason(s, d, NULL, "msr-subset");
	tap_ok(r != NULL && strcmp(str(r, "name"), "full-width-write") == 0 && strcmp(str(r, "msr"), "0x345") == 0,
	    "no arch-capabilities CPUID flag on the source: its 0x10A bits are not compared, "
	    "full-width-write (0x345 bit 13) still is: %s", str(r, "message"));
	json_object_put(r);

	/* AMD hosts: KVM emulates ARCH_CAPABILITIES there too. */
	a = host("AuthenticAMD", RDCTL_NO | MDS_NO, 0);
	b = host("AuthenticAMD", RDCTL_NO, 0);
	tap_ok(verdict(a, b, NULL) == RULES_INCOMPATIBLE, "AMD to AMD: mds-no missing on the destination blocks");
	tap_ok(verdict(b, a, NULL) == RULES_COMPATIBLE, "AMD to AMD: superset compatible");
	r = reason(a, d, NULL, "msr-subset");
	tap_ok(r == NULL && verdict(a, d, NULL) == RULES_INCOMPATIBLE, "across vendors only the vendor rule answers");
	json_object_put(r);
	profile_free(a);
	profile_free(b);

	/* The LBR format is a number: equal or unknown. */
	a = host("GenuineIntel", RDCTL_NO, 0x5);
	b = host("GenuineIntel", RDCTL_NO, 0x1f);
	tap_ok(verdict(a, b, NULL) == RULES_UNKNOWN, "LBR format 5 against 31: unknown, never flags");
	r = reason(a, b, NULL, "msr-field-equal");
	tap_ok(r != NULL && strcmp(str(r, "field"), "5:0") == 0 && strcmp(str(r, "name"), "lbr-fmt") == 0 &&
	    strcmp(str(r, "effect"), "unknown") == 0, "msr-field-equal: %s", str(r, "message"));
	json_object_put(r);
	profile_free(b);
	b = host("GenuineIntel", RDCTL_NO, 0x5);
	tap_ok(verdict(a, b, NULL) == RULES_COMPATIBLE, "equal LBR formats: compatible");
	profile_free(a);
	profile_free(b);
	profile_free(s);
	profile_free(d);
}

static void
test_prepared(void)
{
	struct profile *a = host("GenuineIntel", RDCTL_NO | MDS_NO, 0);
	struct profile *b = host("GenuineIntel", RDCTL_NO, 0);

	rules_prepare(a);
	rules_prepare(b);
	tap_ok(memcmp(a->rules_cache, b->rules_cache, sizeof(a->rules_cache)) != 0,
	    "hosts differing only in 0x10A have different prepared data");
	tap_ok(profile_update_hash(a) == 0 && profile_update_hash(b) == 0 && strcmp(a->hash, b->hash) != 0,
	    "and different profile hashes (the fleet's class keys)");
	tap_ok(rules_verdict_of(a, b, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    rules_verdict_of(b, a, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "prepared pair: fast verdicts both ways");
	profile_free(a);
	profile_free(b);
}

/* libvirt's expanded host-model lists six 0x10A names: none is unknown any more. */
static void
test_host_model_xml(void)
{
	static const char *const names[] = {
		"rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no", "pschange-mc-no", "tsx-ctrl",
	};
	static struct vmspec vm;
	const char *top = getenv("top_srcdir");
	struct profile *s = host("GenuineIntel", 0xeb, 0), *d = host("GenuineIntel", 0xeb & ~MDS_NO, 0);
	struct json_object *o, *rs, *v;
	char path[1024], err[256], *text;
	size_t len, i, k;
	int unknown = 0;

	snprintf(path, sizeof(path), "%s/tests/data/domains/host-model-expanded.xml", top != NULL ? top : ".");
	text = util_read_file(path, 4u << 20, &len);
	tap_ok(text != NULL && domxml_parse(text, len, &vm, err, sizeof(err)) == 0, "%s parses", path);
	free(text);
	o = rules_check_json(s, d, &vm, RULES_POLICY_STRICT);
	if (json_object_object_get_ex(o, "reasons", &rs)) {
		for (i = 0; i < json_object_array_length(rs); i++) {
			struct json_object *r = json_object_array_get_idx(rs, i);

			if (!json_object_object_get_ex(r, "rule", &v) ||
			    strcmp(json_object_get_string(v), "feature-unknown") != 0)
				continue;
			for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
				if (strcmp(str(r, "name"), names[k]) == 0)
					unknown++;
		}
	}
	json_object_put(o);
	tap_ok(unknown == 0, "no feature-unknown for the six ARCH_CAPABILITIES names");
	o = reason(s, d, &vm, "msr-required");
	tap_ok(o != NULL && strcmp(str(o, "name"), "mds-no") == 0,
	    "a destination without mds-no: blocked by msr-required (%s)", str(o, "message"));
	json_object_put(o);
	profile_free(s);
	profile_free(d);
}

int
main(void)
{
	test_table();
	test_passthrough();
	test_vm_features();
	test_missing_layer();
	test_gate_vendor_lbr();
	test_prepared();
	test_host_model_xml();
	return tap_done();
}
