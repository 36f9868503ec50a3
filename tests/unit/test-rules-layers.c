/*
 * test-rules-layers.c - the CPUID, KVM and TSC layers, the vendor rule,
 * VM specs with features, layer presence (unknown / not checked),
 * checks without a source and the libvirt layer (machine types, CPU
 * models, Hyper-V), on profiles built here bit by bit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpuidfeat.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"
#include "vmx.h"

#define B(n)	(1u << (n))

/* An Intel host with CPUID, KVM capabilities, TSC and the i7-9750H's VMX MSRs. */
static struct profile *
host(const char *vendor)
{
	struct profile *p = profile_new();
	struct profile_cpuid e;
	static const uint32_t caps[] = { 73, 96, 123, 135, 155, 157, 161, 163, 164, 175, 199 };
	size_t i;

	util_strlcpy(p->cpu.vendor, vendor, sizeof(p->cpu.vendor));
	util_strlcpy(p->kernel, "6.1.0-13-amd64", sizeof(p->kernel));
	profile_layer_set(&p->cpuid, LAYER_MEASURED, "test");
	memset(&e, 0, sizeof(e));
	e.function = 1;
	e.eax = 0x906ea;
	e.ebx = 0x00100800;
	e.ecx = B(0) | B(5) | B(9) | B(19) | B(20) | B(28);	/* pni vmx ssse3 sse4.1 sse4.2 avx */
	e.edx = B(0) | B(4) | B(25) | B(26);
	profile_add_cpuid(p, 0, &e);
	memset(&e, 0, sizeof(e));
	e.function = 7;
	e.flags = 1;
	e.ebx = B(5) | B(16);		/* avx2 avx512f */
	profile_add_cpuid(p, 0, &e);
	e.index = 1;
	e.ebx = 0;
	e.eax = B(4);			/* avx-vnni */
	profile_add_cpuid(p, 0, &e);
	memset(&e, 0, sizeof(e));
	e.function = 0x80000001;
	e.ecx = B(0);
	e.edx = B(29) | B(27);
	profile_add_cpuid(p, 0, &e);
	if (strcmp(vendor, "AuthenticAMD") == 0) {
		memset(&e, 0, sizeof(e));
		e.function = 0x8000000a;
		e.edx = B(0) | B(3) | B(4);	/* npt nrip-save tsc-scale */
		profile_add_cpuid(p, 0, &e);
	}
	profile_layer_set(&p->kvm, LAYER_MEASURED, "test");
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		profile_add_cap(p, 0, caps[i], 1);
	profile_layer_set(&p->tsc, LAYER_MEASURED, "test");
	p->tsc_khz = 2592000;
	if (strcmp(vendor, "GenuineIntel") == 0) {
		profile_layer_set(&p->vmx, LAYER_MEASURED, "test");
		vmx_msr_set(&p->vmx_raw, 0x480, 0xda040000000004ull);
		vmx_msr_set(&p->vmx_raw, 0x481, 0x7f00000016ull);
		vmx_msr_set(&p->vmx_raw, 0x482, 0xfff9fffe0401e172ull);
		vmx_msr_set(&p->vmx_raw, 0x483, 0x1ffffff00036dffull);
		vmx_msr_set(&p->vmx_raw, 0x484, 0x3ffff000011ffull);
		vmx_msr_set(&p->vmx_raw, 0x485, 0x7004c1e7ull);
		vmx_msr_set(&p->vmx_raw, 0x486, 0x80000021ull);
		vmx_msr_set(&p->vmx_raw, 0x488, 0x2000ull);
		vmx_msr_set(&p->vmx_raw, 0x48b, 0x5fbcff00000000ull);
		vmx_msr_set(&p->vmx_raw, 0x48c, 0xf0106734141ull);
		vmx_msr_set(&p->vmx_raw, 0x48d, 0x7f00000016ull);
		vmx_msr_set(&p->vmx_raw, 0x48e, 0xfff9fffe04006172ull);
		vmx_msr_set(&p->vmx_raw, 0x48f, 0x1ffffff00036dfbull);
		vmx_msr_set(&p->vmx_raw, 0x490, 0x3ffff000011fbull);
		vmx_msr_set(&p->vmx_raw, 0x491, 0x1ull);
	}
	return p;
}

/* A mutable CPUID register of p. */
static uint32_t *
reg(struct profile *p, uint32_t fn, uint32_t idx, int r)
{
	size_t i;

	for (i = 0; i < p->n_cpuid; i++) {
		struct profile_cpuid *e = &p->cpuid_ent[i];

		if (e->function == fn && (!(e->flags & 1) || e->index == idx))
			return r == 0 ? &e->eax : r == 1 ? &e->ebx : r == 2 ? &e->ecx : &e->edx;
	}
	abort();
}

/* Drop capability id from p's system list. */
static void
dropcap(struct profile *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_caps_sys; i++)
		if (p->caps_sys[i].id == id)
			p->caps_sys[i].value = 0;
}

static enum rules_verdict
verdict(struct profile *s, struct profile *d, const struct vmspec *vm, enum rules_policy pol)
{
	enum rules_verdict a, b;

	if (s != NULL)
		memset(s->rules_cache, 0, sizeof(s->rules_cache));
	memset(d->rules_cache, 0, sizeof(d->rules_cache));
	a = rules_verdict_of(s, d, vm, pol);
	if (s != NULL)
		rules_prepare(s);
	rules_prepare(d);
	b = rules_verdict_of(s, d, vm, pol);
	if (s != NULL)
		memset(s->rules_cache, 0, sizeof(s->rules_cache));
	memset(d->rules_cache, 0, sizeof(d->rules_cache));
	return a == b ? a : (enum rules_verdict)99;
}

/* The first reason with rule, as a new JSON object (or NULL); checks JSON/verdict agreement. */
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

/* Nonzero when the answer has a reason with rule. */
static int
has(struct profile *s, struct profile *d, const struct vmspec *vm, const char *rule)
{
	struct json_object *r = reason(s, d, vm, rule);

	json_object_put(r);
	return r != NULL;
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

static struct vmspec *
spec(enum vmspec_scenario sc)
{
	static struct vmspec v;

	vmspec_init(&v, sc);
	return &v;
}

static void
test_full_pair(void)
{
	struct profile *s = host("GenuineIntel"), *d = host("GenuineIntel");
	int sc;

	for (sc = VMSPEC_PLAIN; sc <= VMSPEC_EVMCS_PV; sc++)
		tap_ok(verdict(s, d, spec(sc), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
		    !nc(s, d, spec(sc), "cpuid") && !nc(s, d, spec(sc), "kvm") && !nc(s, d, spec(sc), "tsc"),
		    "full profiles, identical: compatible (%s), every layer checked", vmspec_scenario_name(sc));
	/* Numeric CPUID fields are never compared. */
	*reg(d, 1, 0, 0) = 0x50654;
	*reg(d, 1, 0, 1) = 0x12345678;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "CPUID signature and leaf 1 EBX differ: not compared");
	profile_free(s);
	profile_free(d);
}

static void
test_cpuid(void)
{
	struct profile *s = host("GenuineIntel"), *d = host("GenuineIntel");
	struct json_object *r;
	struct vmspec vm;

	*reg(d, 7, 0, 1) &= ~B(16);
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE, "avx512f missing on destination");
	r = reason(s, d, NULL, "cpuid-subset");
	tap_ok(strcmp(str(r, "name"), "avx512f") == 0 && strcmp(str(r, "leaf"), "0x7") == 0 &&
	    strcmp(str(r, "reg"), "ebx") == 0 && strcmp(str(r, "layer"), "cpuid") == 0,
	    "reason names avx512f, leaf 0x7, ebx: %s", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(d, s, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "the other way: compatible");
	/* A disabled feature leaves the requirement. */
	vmspec_init(&vm, VMSPEC_NESTED);
	vmspec_add_feature(&vm, "avx512f", 0);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "VM with avx512f disabled: compatible");
	/* Subleaf 1 of leaf 7 is its own word. */
	*reg(d, 7, 0, 1) |= B(16);
	*reg(d, 7, 1, 0) = 0;
	r = reason(s, d, NULL, "cpuid-subset");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "avx-vnni") == 0, "avx-vnni (leaf 7 subleaf 1) missing on destination");
	json_object_put(r);
	*reg(d, 7, 1, 0) = B(4);

	/* VMX is a nested-only flag. */
	*reg(d, 1, 0, 2) &= ~B(5);
	tap_ok(verdict(s, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "CPUID VMX missing on destination: plain guest compatible");
	r = reason(s, d, NULL, "cpuid-subset");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "vmx") == 0, "... nested guest blocked by vmx");
	json_object_put(r);
	*reg(d, 1, 0, 2) |= B(5);

	/* Custom CPU model: only listed features count. */
	*reg(d, 7, 0, 1) &= ~B(16);
	vmspec_init(&vm, VMSPEC_NESTED);
	vm.cpu_mode = VMSPEC_CPU_CUSTOM;
	vmspec_add_feature(&vm, "avx2", 1);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE && nc(s, d, &vm, "cpu-model"),
	    "custom model needing avx2 only: compatible, model listed as not checked");
	vmspec_add_feature(&vm, "avx512f", 1);
	r = reason(s, d, &vm, "cpuid-required");
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE && strcmp(str(r, "name"), "avx512f") == 0,
	    "custom model needing avx512f: blocked");
	json_object_put(r);
	vmspec_add_feature(&vm, "sse4_2", 1);
	vmspec_add_feature(&vm, "frobnicate", 1);
	tap_ok(has(s, d, &vm, "feature-unknown"), "unknown feature name: reason");
	vmspec_add_feature(&vm, "avx512f", 0);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "an unmappable required feature makes the verdict unknown, never compatible");
	profile_free(s);
	profile_free(d);
}

static void
test_vendor_amd(void)
{
	struct profile *i = host("GenuineIntel"), *a = host("AuthenticAMD"), *b = host("AuthenticAMD");
	struct json_object *r;
	int sc;

	for (sc = VMSPEC_PLAIN; sc <= VMSPEC_NESTED; sc++) {
		r = reason(i, a, spec(sc), "vendor");
		tap_ok(verdict(i, a, spec(sc), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
		    verdict(a, i, spec(sc), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
		    strstr(str(r, "message"), "GenuineIntel on source, AuthenticAMD on destination") != NULL,
		    "Intel <-> AMD always incompatible (%s): %s", vmspec_scenario_name(sc), str(r, "message"));
		json_object_put(r);
	}
	tap_ok(verdict(a, b, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE && !nc(a, b, NULL, "vmx"),
	    "AMD -> AMD nested: compatible, VMX layer not applicable");
	*reg(b, 0x8000000a, 0, 3) &= ~B(3);
	r = reason(a, b, NULL, "cpuid-subset");
	tap_ok(verdict(a, b, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "nrip-save") == 0 && strcmp(str(r, "leaf"), "0x8000000a") == 0,
	    "AMD nested SVM judged from CPUID 0x8000000a: nrip-save missing");
	json_object_put(r);
	tap_ok(verdict(a, b, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... a plain guest does not care");
	tap_ok(verdict(a, a, spec(VMSPEC_EVMCS), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has(a, a, spec(VMSPEC_EVMCS), "evmcs-unsupported"), "eVMCS on AMD: incompatible");
	profile_free(i);
	profile_free(a);
	profile_free(b);
}

static void
test_kvm_tsc(void)
{
	struct profile *s = host("GenuineIntel"), *d = host("GenuineIntel");
	struct json_object *r;
	struct vmspec vm;

	dropcap(d, 157);
	r = reason(s, d, NULL, "kvm-cap");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "KVM_CAP_NESTED_STATE") == 0,
	    "nested guest needs KVM_CAP_NESTED_STATE (157): %s", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(s, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... a plain guest does not");
	profile_free(d);
	d = host("GenuineIntel");
	dropcap(d, 164);
	r = reason(s, d, NULL, "kvm-cap");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "KVM_CAP_EXCEPTION_PAYLOAD") == 0, "nested guest needs exception payload (164)");
	json_object_put(r);
	profile_free(d);
	d = host("GenuineIntel");
	dropcap(d, 163);
	tap_ok(verdict(s, d, spec(VMSPEC_NESTED), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(s, d, spec(VMSPEC_EVMCS), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE,
	    "eVMCS guest needs KVM_CAP_HYPERV_ENLIGHTENED_VMCS (163)");
	profile_free(d);
	d = host("GenuineIntel");
	dropcap(d, 123);
	vmspec_init(&vm, VMSPEC_PLAIN);
	vmspec_add_hyperv(&vm, "hv-relaxed");
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE && nc(s, d, &vm, "hyperv-cpuid"),
	    "hv-relaxed needs no capability beyond KVM_CAP_HYPERV");
	vmspec_add_hyperv(&vm, "synic");
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE, "hv-synic needs KVM_CAP_HYPERV_SYNIC");
	vm.hyperv_passthrough = 1;
	tap_ok(has(s, s, &vm, "hyperv-passthrough") && verdict(s, s, &vm, RULES_POLICY_STRICT) ==
	    RULES_INCOMPATIBLE, "hv-passthrough blocks migration");
	profile_free(d);

	/* TSC. */
	d = host("GenuineIntel");
	d->tsc_khz = 2592500;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "TSC 2592000 vs 2592500 kHz: within KVM's 250 ppm");
	d->tsc_khz = 2600000;
	r = reason(s, d, NULL, "tsc-frequency");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE && r != NULL,
	    "TSC 2592000 vs 2600000 kHz without scaling: %s", str(r, "message"));
	json_object_put(r);
	d->tsc_scaling = 1;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "... with TSC scaling: compatible");
	d->tsc_scaling = 0;
	vmspec_init(&vm, VMSPEC_NESTED);
	vm.tsc_khz = 2600000;
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(d, s, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE,
	    "pinned TSC frequency: judged against the destination only");
	vm.tsc_khz = 0;
	vm.invtsc = 1;
	tap_ok(verdict(s, s, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE && has(s, s, &vm, "invtsc-unpinned"),
	    "invtsc without a pinned frequency is a QEMU migration blocker");
	profile_free(s);
	profile_free(d);
}

static void
test_presence(void)
{
	struct profile *s = host("GenuineIntel"), *d = host("GenuineIntel");
	struct json_object *r;

	d->cpuid.status = LAYER_UNAVAILABLE;
	r = reason(s, d, NULL, "layer-missing");
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_UNKNOWN && strcmp(str(r, "layer"), "cpuid") == 0,
	    "CPUID layer on one side only: unknown (%s)", str(r, "message"));
	json_object_put(r);
	s->cpuid.status = LAYER_ABSENT;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE && nc(s, d, NULL, "cpuid"),
	    "CPUID layer on neither side: not checked");
	d->kvm.status = LAYER_ABSENT;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_UNKNOWN, "KVM layer missing on the destination: unknown");
	s->kvm.status = LAYER_ABSENT;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE && nc(s, d, NULL, "kvm"),
	    "KVM layer on neither side: not checked");
	d->vmx.status = LAYER_ABSENT;
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_UNKNOWN &&
	    verdict(s, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "VMX layer on one side: nested unknown, plain compatible");
	d->tsc.status = LAYER_ABSENT;
	tap_ok(verdict(s, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "TSC known on the source only: unknown");
	profile_free(s);
	profile_free(d);
}

static void
test_no_source(void)
{
	struct profile *d = host("GenuineIntel");
	struct json_object *o, *r, *v;
	struct vmspec vm;

	tap_ok(verdict(NULL, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "no source, default spec: compatible");
	vmspec_init(&vm, VMSPEC_NESTED);
	vmspec_add_feature(&vm, "vmx-ept", 1);
	vmspec_add_feature(&vm, "avx2", 1);
	tap_ok(verdict(NULL, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "no source, vmx-ept and avx2: compatible");
	vmspec_add_feature(&vm, "vmx-tsc-scaling", 1);
	r = reason(NULL, d, &vm, "vm-requires");
	tap_ok(verdict(NULL, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "msr"), "0x48b") == 0 && strcmp(str(r, "name"), "vmx-tsc-scaling") == 0 &&
	    json_object_object_get_ex(r, "src", &v) && v == NULL,
	    "no source, vmx-tsc-scaling not on the i7-9750H: blocked, src null: %s", str(r, "message"));
	json_object_put(r);
	vmspec_add_feature(&vm, "vmx-tsc-scaling", 0);
	vmspec_add_feature(&vm, "amx-tile", 1);
	tap_ok(verdict(NULL, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has(NULL, d, &vm, "cpuid-required"), "no source, amx-tile required: blocked");
	vmspec_init(&vm, VMSPEC_EVMCS_PV);
	util_strlcpy(d->kernel, "5.19.0", sizeof(d->kernel));
	tap_ok(verdict(NULL, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    verdict(NULL, d, &vm, RULES_POLICY_EFFECTIVE) == RULES_COMPATIBLE,
	    "no source, PV bit on 5.19: strict blocks, effective passes");
	o = rules_check_json(NULL, d, &vm, RULES_POLICY_STRICT);
	tap_ok(json_object_object_get_ex(o, "other_policy_differs", &v) && json_object_get_boolean(v),
	    "... and says so");
	json_object_put(o);
	vmx_msr_set(&d->vmx_raw, MSR_VMX_BASIC, 0);
	tap_ok(verdict(NULL, d, spec(VMSPEC_NESTED), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has(NULL, d, spec(VMSPEC_NESTED), "nested-unavailable"),
	    "no source, destination without nested VMX: blocked");
	profile_free(d);
}

static void
test_vmx_features(void)
{
	struct profile *s = host("GenuineIntel"), *d = host("GenuineIntel");
	struct vmspec vm;

	vmx_msr_set(&d->vmx_raw, MSR_VMX_PROCBASED2, vmx_msr_get(&d->vmx_raw, MSR_VMX_PROCBASED2) & ~(1ull << (32 + 7)));
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE, "unrestricted guest missing on destination");
	vmspec_init(&vm, VMSPEC_NESTED);
	vmspec_add_feature(&vm, "vmx-unrestricted-guest", 0);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... the VM disables vmx-unrestricted-guest: compatible");
	/* QEMU's vmx-invept-single-context names EPT/VPID bits 25 and 41 alike. */
	vmx_msr_set(&d->vmx_raw, MSR_VMX_EPT_VPID, vmx_msr_get(&d->vmx_raw, MSR_VMX_EPT_VPID) & ~(1ull << 41));
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE, "INVVPID single-context missing");
	vmspec_add_feature(&vm, "vmx-invept-single-context", 0);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... disabling vmx-invept-single-context clears bit 41 too");
	vmspec_add_feature(&vm, "vmx-frobnicate", 0);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "an unknown vmx-* feature disabled: nothing to require");
	vmspec_add_feature(&vm, "vmx-frobnicate", 1);
	tap_ok(verdict(s, d, &vm, RULES_POLICY_STRICT) == RULES_UNKNOWN && has(s, d, &vm, "feature-unknown"),
	    "an unknown vmx-* feature required: unknown");
	profile_free(s);
	profile_free(d);
}

/* Every flag of data/cpuid-features.tsv is compared, alone, in its own leaf. */
static void
test_cpuid_table(void)
{
	struct profile *s, *d;
	struct profile_cpuid e;
	size_t i, bad = 0;
	int r;

	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *t = &cpuidfeat_table[i];

		s = profile_new();
		d = profile_new();
		profile_layer_set(&s->cpuid, LAYER_MEASURED, "test");
		profile_layer_set(&d->cpuid, LAYER_MEASURED, "test");
		memset(&e, 0, sizeof(e));
		e.function = t->leaf;
		e.index = t->subleaf;
		e.flags = t->leaf == 7 || t->leaf == 0xd ? 1 : 0;
		profile_add_cpuid(d, 0, &e);
		r = cpuidfeat_reg_index(t->reg);
		*(r == 0 ? &e.eax : r == 1 ? &e.ebx : r == 2 ? &e.ecx : &e.edx) = 1u << t->bit;
		profile_add_cpuid(s, 0, &e);
		if (verdict(s, d, NULL, RULES_POLICY_STRICT) != RULES_INCOMPATIBLE ||
		    verdict(d, s, NULL, RULES_POLICY_STRICT) != RULES_COMPATIBLE ||
		    (strcmp(t->scope, "nested") == 0) !=
		    (verdict(s, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE)) {
			bad++;
			tap_diag("flag %s (0x%x.%u %s bit %u) not judged", t->qemu_name != NULL ? t->qemu_name : "?",
			    t->leaf, t->subleaf, t->reg, t->bit);
		}
		profile_free(s);
		profile_free(d);
	}
	tap_ok(bad == 0 && cpuidfeat_table_count > 150, "each of the %zu CPUID flags is judged alone, "
	    "nested-scope ones only for nested guests", cpuidfeat_table_count);
	tap_ok(cpuidfeat_find("sse4_2") == cpuidfeat_find("SSE4.2") && cpuidfeat_find("sse4.2") != NULL &&
	    cpuidfeat_find("tsc_deadline_timer") == cpuidfeat_find("tsc-deadline") && cpuidfeat_find("nope") == NULL,
	    "feature names: QEMU and Linux spellings, case and separators ignored");
}

/* Give p a measured libvirt layer: QEMU 8.2.2's x86 machine types, two models, some Hyper-V. */
static void
libvirt_layer(struct profile *p)
{
	static const char *const machines[] = { "pc", "pc-i440fx-8.1", "pc-i440fx-8.2", "pc-q35-7.2",
	    "pc-q35-8.1", "pc-q35-8.2", "q35" };
	static const char *const models[] = { "Skylake-Server", "qemu64" };
	static const char *const hv[] = { "evmcs", "relaxed", "synic", "vapic", "vpindex" };
	size_t i;

	plibvirt_clear(&p->lv);
	profile_layer_set(&p->libvirt, LAYER_MEASURED, "test");
	p->lv.domcaps = 1;
	util_strlcpy(p->lv.qemu_version, "8.2.2", sizeof(p->lv.qemu_version));
	for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		plibvirt_list_add(&p->lv.machines, machines[i]);
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		plibvirt_list_add(&p->lv.cpu_models, models[i]);
	for (i = 0; i < sizeof(hv) / sizeof(hv[0]); i++)
		plibvirt_list_add(&p->lv.hyperv_features, hv[i]);
}

/* A custom-model VM of the hook's kind: model and machine type, nothing else pinned. */
static struct vmspec *
custom(const char *model, const char *machine)
{
	static struct vmspec v;

	vmspec_init(&v, VMSPEC_PLAIN);
	v.cpu_mode = VMSPEC_CPU_CUSTOM;
	util_strlcpy(v.cpu_model, model, sizeof(v.cpu_model));
	util_strlcpy(v.machine, machine, sizeof(v.machine));
	return &v;
}

/*
 * Give p every CPUID flag of the table: the CPUID layer checks a custom
 * model's own flags (QEMU's definition) against the destination, so hosts
 * that are to judge only the libvirt layer offer them all.
 */
static void
all_flags(struct profile *p)
{
	struct profile_cpuid e;
	size_t i, k;

	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *f = &cpuidfeat_table[i];
		int r = cpuidfeat_reg_index(f->reg);

		for (k = 0; k < p->n_cpuid; k++)
			if (p->cpuid_ent[k].function == f->leaf &&
			    (!(p->cpuid_ent[k].flags & 1) || p->cpuid_ent[k].index == f->subleaf))
				break;
		if (k == p->n_cpuid) {
			memset(&e, 0, sizeof(e));
			e.function = f->leaf;
			e.index = f->subleaf;
			e.flags = f->subleaf != 0 || f->leaf == 7 || f->leaf == 0xd ? 1 : 0;
			profile_add_cpuid(p, 0, &e);
		}
		*reg(p, f->leaf, f->subleaf, r) |= 1u << f->bit;
	}
}

static void
test_libvirt(void)
{
	struct profile *d = host("GenuineIntel"), *s = host("GenuineIntel");
	struct json_object *r;
	struct vmspec *vm;

	all_flags(d);
	all_flags(s);

	/* The example: no libvirt layer on the destination was a silent "compatible". */
	vm = custom("Cascadelake-Server", "pc-q35-99.0");
	r = reason(NULL, d, vm, "layer-missing");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_UNKNOWN && !nc(NULL, d, vm, "machine") &&
	    strcmp(str(r, "layer"), "libvirt") == 0 && strcmp(str(r, "name"), "pc-q35-99.0") == 0 &&
	    strstr(str(r, "message"), "has no libvirt layer") != NULL,
	    "no libvirt layer, machine type and model named: unknown, said (%s)", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(s, d, vm, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "... with a known source as well: the destination alone decides");

	libvirt_layer(d);
	r = reason(NULL, d, vm, "machine-type");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    strcmp(str(r, "name"), "pc-q35-99.0") == 0 && strcmp(str(r, "effect"), "blocks") == 0 &&
	    strstr(str(r, "message"), "newest of the family is pc-q35-8.2") != NULL,
	    "machine type not offered: blocks (%s)", str(r, "message"));
	json_object_put(r);
	r = reason(NULL, d, vm, "cpu-model-usable");
	tap_ok(r != NULL && strcmp(str(r, "name"), "Cascadelake-Server") == 0 &&
	    strstr(str(r, "message"), "CPU model Cascadelake-Server is not usable") != NULL,
	    "CPU model not usable: blocks, named (%s)", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(NULL, d, custom("Skylake-Server", "pc-q35-8.2"), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(s, d, custom("Skylake-Server", "pc-q35-8.2"), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "listed machine type, usable model: compatible");
	tap_ok(verdict(NULL, d, custom("qemu64", "q35"), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(NULL, d, custom("qemu64", "pc-q35"), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(NULL, d, custom("qemu64", "pc-i440fx"), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "aliases q35, pc-q35 and pc-i440fx resolve to the newest of their family");
	tap_ok(verdict(NULL, d, custom("qemu64", "pc-q35-7.1"), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    verdict(NULL, d, custom("qemu64", "pc-q35-7.2"), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    verdict(NULL, d, custom("qemu64", "microvm"), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE,
	    "versioned machine types must be listed themselves");
	vm = custom("", "pc-q35-8.2");
	vm->cpu_mode = VMSPEC_CPU_HOST_MODEL;
	util_strlcpy(vm->cpu_model, "Icelake-Server", sizeof(vm->cpu_model));
	tap_ok(has(NULL, d, vm, "cpu-model-usable"), "a host-model CPU's model is checked too");
	vm->cpu_mode = VMSPEC_CPU_HOST_PASSTHROUGH;
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "a host-passthrough CPU names no model to check");

	/* What the layer cannot answer for. */
	vm = custom("Skylake-Server", "pc-q35-8.2");
	d->lv.domcaps = 0;
	r = reason(NULL, d, vm, "layer-missing");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_UNKNOWN &&
	    strcmp(str(r, "name"), "Skylake-Server") == 0 && strstr(str(r, "message"), "no domain capabilities") != NULL,
	    "no domain capabilities: the model is unknown (%s)", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(NULL, d, custom("", "pc-q35-7.1"), RULES_POLICY_STRICT) == RULES_INCOMPATIBLE,
	    "... the machine types, from libvirt's capabilities, are still checked");
	d->lv.domcaps = 1;
	d->libvirt.status = LAYER_UNAVAILABLE;
	util_strlcpy(d->libvirt.reason, "libvirtd is not running", sizeof(d->libvirt.reason));
	r = reason(NULL, d, vm, "layer-missing");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_UNKNOWN &&
	    strstr(str(r, "message"), "unavailable (libvirtd is not running)") != NULL,
	    "libvirt layer unavailable: unknown, with its reason (%s)", str(r, "message"));
	json_object_put(r);
	libvirt_layer(d);
	plibvirt_list_clear(&d->lv.machines);
	r = reason(NULL, d, custom("", "pc-q35-8.2"), "layer-missing");
	tap_ok(r != NULL && strstr(str(r, "message"), "lists no machine types") != NULL,
	    "no machine types listed: unknown (%s)", str(r, "message"));
	json_object_put(r);

	/* Hyper-V: what libvirt offers there, besides KVM's capabilities. */
	libvirt_layer(d);
	vm = custom("Skylake-Server", "pc-q35-8.2");
	vmspec_add_hyperv(vm, "relaxed");
	vmspec_add_hyperv(vm, "hv-vpindex");
	vmspec_add_hyperv(vm, "time");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "enlightenments offered (hv-time has no libvirt name: KVM's capability decides)");
	vmspec_add_hyperv(vm, "avic");
	r = reason(NULL, d, vm, "hyperv-offered");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE && strcmp(str(r, "name"), "avic") == 0,
	    "an enlightenment libvirt does not offer there blocks (%s)", str(r, "message"));
	json_object_put(r);
	plibvirt_list_clear(&d->lv.hyperv_features);
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "no Hyper-V list (older libvirt): only KVM's capabilities are checked");
	vm->hyperv_passthrough = 1;
	r = reason(NULL, d, vm, "hyperv-passthrough");
	tap_ok(verdict(NULL, d, vm, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE && r != NULL &&
	    strstr(str(r, "message"), "hv-passthrough prevents migration") != NULL,
	    "hv-passthrough: not migratable, blocks");
	json_object_put(r);

	/* The KVM layer: the hook's check cannot go without the destination's capabilities. */
	d->kvm.status = LAYER_ABSENT;
	r = reason(NULL, d, spec(VMSPEC_NESTED), "layer-missing");
	tap_ok(verdict(NULL, d, spec(VMSPEC_NESTED), RULES_POLICY_STRICT) == RULES_UNKNOWN && r != NULL &&
	    strstr(str(r, "message"), "KVM_CAP_NESTED_STATE") != NULL,
	    "no KVM layer, unknown source, nested guest: unknown (%s)", str(r, "message"));
	json_object_put(r);
	tap_ok(verdict(NULL, d, spec(VMSPEC_PLAIN), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... a plain guest needs no capability");
	profile_free(d);
	profile_free(s);
}

int
main(void)
{
	test_cpuid_table();
	test_full_pair();
	test_cpuid();
	test_vendor_amd();
	test_kvm_tsc();
	test_presence();
	test_no_source();
	test_vmx_features();
	test_libvirt();
	return tap_done();
}
