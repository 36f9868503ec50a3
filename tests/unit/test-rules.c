/*
 * test-rules.c - the rules engine on the real MSR dumps of the fixtures
 * and on profiles built by flipping single bits: one test per rule (each
 * fails when its rule is removed), the kernel rows of the eVMCS filter
 * under both policies, self-compatibility of every fixture, and every
 * ordered fixture pair against a separate, straightforward rendering of
 * KVM's vmx_set_vmx_msr() written here.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evmcsview.h"
#include "fixture.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"
#include "vmx.h"

#define MAXFX	512

static char *fxpath[MAXFX];
static int quiet;		/* has_reason(): do not print the answer when missing */
static size_t nfx;
static const char *fxdir;

/* ---- Loading. ---- */

static struct profile *
loadfx(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", fxdir, rel);
	return fixture_load(path);
}

/*
 * A fixture reduced to its VMX layer (with its CPU identity and kernel):
 * the VMX rules on real silicon values, whatever the CPUID and feature-MSR
 * layers of a full hardware profile say.  Takes p; NULL stays NULL.
 */
static struct profile *
vmx_only(struct profile *p)
{
	struct profile *v;

	if (p == NULL)
		return NULL;
	v = profile_new();
	v->is_dump = p->is_dump;
	util_strlcpy(v->kernel, p->kernel, sizeof(v->kernel));
	v->cpu = p->cpu;
	v->vmx = p->vmx;
	v->vmx_raw = p->vmx_raw;
	profile_free(p);
	profile_update_hash(v);
	return v;
}

static struct profile *
loadfx_vmx(const char *rel)
{
	return vmx_only(loadfx(rel));
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_dir(const char *sub)
{
	char path[1024];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", fxdir, sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && nfx < MAXFX) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '_')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", fxdir, sub, de->d_name);
		fxpath[nfx++] = strdup(path);
	}
	closedir(d);
}

/* ---- Checks with and without the prepared cache; they must agree. ---- */

static void
unprepare(struct profile *p)
{
	if (p != NULL)
		memset(p->rules_cache, 0, sizeof(p->rules_cache));
}

static enum rules_verdict
verdict(struct profile *s, struct profile *d, const struct vmspec *vm, enum rules_policy pol)
{
	enum rules_verdict a, b;

	unprepare(s);
	unprepare(d);
	a = rules_verdict_of(s, d, vm, pol);
	if (s != NULL)
		rules_prepare(s);
	rules_prepare(d);
	b = rules_verdict_of(s, d, vm, pol);
	unprepare(s);
	unprepare(d);
	if (a != b)
		tap_diag("prepared and unprepared verdicts differ: %d %d", a, b);
	return a == b ? a : (enum rules_verdict)99;
}

static struct vmspec *
spec(enum vmspec_scenario sc)
{
	static struct vmspec v[4];

	vmspec_init(&v[sc], sc);
	return &v[sc];
}

/*
 * Does the JSON answer carry a reason with this rule (and msr/bit when
 * given: msr 0 and bit -1 match anything)?  Also checks that the JSON
 * verdict agrees with rules_verdict_of.
 */
static int
has_reason(struct profile *s, struct profile *d, const struct vmspec *vm, enum rules_policy pol,
    const char *rule, const char *msr, int bit)
{
	struct json_object *o = rules_check_json(s, d, vm, pol), *rs, *r, *v;
	size_t i;
	int found = 0;

	if (json_object_object_get_ex(o, "reasons", &rs)) {
		for (i = 0; i < json_object_array_length(rs); i++) {
			r = json_object_array_get_idx(rs, i);
			if (!json_object_object_get_ex(r, "rule", &v) || strcmp(json_object_get_string(v), rule) != 0)
				continue;
			if (msr != NULL && (!json_object_object_get_ex(r, "msr", &v) || v == NULL ||
			    strcmp(json_object_get_string(v), msr) != 0))
				continue;
			if (bit >= 0 && (!json_object_object_get_ex(r, "bit", &v) || v == NULL ||
			    json_object_get_int(v) != bit))
				continue;
			found = 1;
		}
	}
	if (!found && !quiet)
		tap_diag("no %s %s/%d in %s", rule, msr != NULL ? msr : "-", bit,
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return found;
}

/* The not_checked list contains item. */
static int
not_checked(struct profile *s, struct profile *d, const struct vmspec *vm, const char *item)
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

/* ---- The reference: KVM's vmx_set_vmx_msr() acceptance, written plainly. ---- */

struct ref {
	uint64_t m[0x20];
	int has[0x20];
	int dump;
};

static uint64_t
ref_get(const struct ref *r, unsigned idx)
{
	return r->has[idx - 0x480] ? r->m[idx - 0x480] : 0;
}

/* A TRUE control MSR, or its non-TRUE twin when the TRUE one is missing. */
static uint64_t
ref_true(const struct ref *r, unsigned idx)
{
	return r->has[idx - 0x480] ? r->m[idx - 0x480] : ref_get(r, idx - 0xc);
}

/* Parse a fixture's "msrs" with json-c directly, not with the profile parser. */
static int
ref_load(const char *path, struct ref *r)
{
	struct json_object *o, *msrs;
	unsigned long idx;

	memset(r, 0, sizeof(*r));
	if ((o = json_object_from_file(path)) == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "msrs", &msrs) &&
	    !(json_object_object_get_ex(o, "layers", &msrs) && json_object_object_get_ex(msrs, "vmx", &msrs) &&
	    json_object_object_get_ex(msrs, "msrs", &msrs))) {
		json_object_put(o);
		return -1;
	}
	json_object_object_foreach(msrs, k, v) {
		idx = strtoul(k, NULL, 16);
		if (idx < 0x480 || idx > 0x49f)
			continue;
		r->m[idx - 0x480] = strtoull(json_object_get_string(v), NULL, 16);
		r->has[idx - 0x480] = 1;
	}
	r->dump = 1;
	json_object_put(o);
	return 0;
}

/* Is "all bits of a in b"? */
static int
subset(uint64_t a, uint64_t b)
{
	return (a & b) == a;
}

static int
ref_vmx_ok(const struct ref *a, const struct ref *b)
{
	static const unsigned ctl[] = { 0x48d, 0x48e, 0x48f, 0x490 };
	uint64_t v, w;
	size_t i;
	int vmfunc_known;

	for (i = 0; i < 4; i++) {
		v = ref_true(a, ctl[i]);
		w = ref_true(b, ctl[i]);
		if (!subset(v >> 32, w >> 32) || !subset(w & 0xffffffff, v & 0xffffffff))
			return 0;
	}
	v = ref_get(a, 0x48b);
	w = ref_get(b, 0x48b);
	if (!subset(v >> 32, w >> 32) || !subset(w & 0xffffffff, v & 0xffffffff))
		return 0;
	if (!subset(ref_get(a, 0x48c), ref_get(b, 0x48c)))
		return 0;
	/* A dump that lacks 0x491 although VM functions are allowed did not read it. */
	vmfunc_known = !(a->dump && !a->has[0x11] && (ref_get(a, 0x48b) >> 45 & 1)) &&
	    !(b->dump && !b->has[0x11] && (ref_get(b, 0x48b) >> 45 & 1));
	if (vmfunc_known && !subset(ref_get(a, 0x491), ref_get(b, 0x491)))
		return 0;
	/* BASIC. */
	v = ref_get(a, 0x480);
	w = ref_get(b, 0x480);
	if ((v & 0x7fffffff) != (w & 0x7fffffff))
		return 0;
	if (((v >> 32) & 0x1fff) < ((w >> 32) & 0x1fff))
		return 0;
	if (v >> 48 & 1)
		return 0;
	for (i = 0; i < 64; i++) {
		int feature = i == 49 || i == 54 || i == 55 || i == 31 || (i >= 45 && i <= 47) || i >= 56;

		if (feature && (v >> i & 1) && !(w >> i & 1))
			return 0;
	}
	/* MISC. */
	v = ref_get(a, 0x485);
	w = ref_get(b, 0x485);
	for (i = 5; i <= 31; i++) {
		int feature = (i >= 5 && i <= 15) || i >= 28;

		if (feature && (v >> i & 1) && !(w >> i & 1))
			return 0;
	}
	if (((v >> 16) & 0x1ff) > ((w >> 16) & 0x1ff) || ((v >> 25) & 7) > ((w >> 25) & 7))
		return 0;
	if ((v >> 32) != (w >> 32))
		return 0;
	if ((ref_true(a, 0x48d) >> 38 & 1) && (v & 0x1f) != (w & 0x1f))
		return 0;
	/* FIXED0: the destination's fixed bits must be fixed on the source. */
	if (!subset(ref_get(b, 0x486), ref_get(a, 0x486)) || !subset(ref_get(b, 0x488), ref_get(a, 0x488)))
		return 0;
	return 1;
}

/* ---- eVMCS reference: the masks of the KVM reference section 7, typed here. ---- */

struct ref_row {
	const char *kernel;
	int alt;		/* index of the row an open stable backport may make of it, -1 none */
	int keep;		/* 1: SUPPORTED (keep) masks, 0: UNSUPPORTED (clear) masks */
	int host;		/* narrows the vCPU's own MSRs (v4.20-v5.5) */
	int pv;			/* honours the PV bit */
	uint32_t tpin, proc, proc2, exit, entry, vmfunc;
};

static const struct ref_row ref_rows[] = {
	{ "5.4.0", -1, 0, 1, 0, 0xc0, 0, 0x02026701, 0x1000, 0x2000, 1 },
	/*
	 * Distribution kernels of 5.10.y and 5.15.y (sublevel 0) may carry the
	 * 5.15 and the 5.17 changes respectively as stable backports
	 * (data/evmcs-stable.tsv): one step each, 5.10.y never got the 5.17 one.
	 */
	{ "5.10.0-26-amd64", 2, 0, 0, 0, 0, 0, 0x1, 0x1000, 0x2000, 0 },
	{ "5.15.0-91-generic", 3, 0, 0, 0, 0, 0, 0x02026701, 0x1000, 0x2000, 1 },
	{ "5.17.0", -1, 0, 0, 0, 0xc0, 0, 0x02026701, 0x401000, 0x2000, 1 },
	{ "5.19.0-46-generic", -1, 0, 0, 0, 0xc0, 0, 0x02026701, 0x401000, 0x2000, 1 },
	{ "6.1.0-13-amd64", -1, 0, 0, 1, 0xc0, 0, 0x02026701, 0x400000, 0, 1 },
	{ "6.2.16", -1, 0, 0, 1, 0xc0, 0, 0x02026701, 0x400000, 0, 1 },
	{ "6.3.0", -1, 1, 0, 1, 0x3f, 0xfff9fffe, 0xc51998fe, 0x03bfffff, 0x0007f3ff, 0 },
	{ "6.8.0-45-generic", -1, 1, 0, 1, 0x3f, 0xfff9fffe, 0xc51998fe, 0x03bfffff, 0x0007f3ff, 0 },
};

static void
ref_keep(const struct ref_row *r, int pv, uint32_t keep[6])
{
	const uint32_t m[6] = { r->tpin, r->proc, r->proc2, r->exit, r->entry, r->vmfunc };
	int i;

	for (i = 0; i < 6; i++)
		keep[i] = r->keep ? m[i] : ~m[i];
	if (!(pv && r->pv) && r->pv) {
		keep[3] &= ~0x1000u;
		keep[4] &= ~0x2000u;
	}
}

/* Allowed-1 halves (VMFUNC: low half) of pin, proc, proc2, exit, entry, vmfunc. */
static void
ref_halves(const struct ref *a, uint32_t h[6])
{
	h[0] = (uint32_t)(ref_true(a, 0x48d) >> 32);
	h[1] = (uint32_t)(ref_true(a, 0x48e) >> 32);
	h[2] = (uint32_t)(ref_get(a, 0x48b) >> 32);
	h[3] = (uint32_t)(ref_true(a, 0x48f) >> 32);
	h[4] = (uint32_t)(ref_true(a, 0x490) >> 32);
	h[5] = (uint32_t)ref_get(a, 0x491);
}

/*
 * Keep masks over a row and its backport variant: the union (what a
 * source may show) and the intersection (what a destination surely keeps).
 */
static void
ref_keep_variants(const struct ref_row *r, int pv, uint32_t any[6], uint32_t all[6])
{
	uint32_t k[6];
	int i;

	ref_keep(r, pv, any);
	ref_keep(r, pv, all);
	if (r->alt >= 0) {
		r = &ref_rows[r->alt];
		ref_keep(r, pv, k);
		for (i = 0; i < 6; i++) {
			any[i] |= k[i];
			all[i] &= k[i];
		}
	}
}

/*
 * The eVMCS verdict: a bit every variant of the source kernel shows and no
 * variant of the destination kernel keeps blocks; a bit only some
 * combination of stable backports hides makes it unknown.
 */
static enum rules_verdict
ref_evmcs(const struct ref *a, const struct ref_row *ra, const struct ref_row *rb, int pv, int strict)
{
	uint32_t h[6], a_any[6], a_all[6], b_any[6], b_all[6];
	int i, maybe = 0;

	if (pv && strict && !rb->pv)
		return RULES_INCOMPATIBLE;
	if (ra == rb)
		return RULES_COMPATIBLE;	/* the same kernel filters alike on both sides */
	ref_halves(a, h);
	ref_keep_variants(ra, pv, a_any, a_all);
	ref_keep_variants(rb, pv, b_any, b_all);
	for (i = 0; i < 6; i++) {
		if (h[i] & a_all[i] & ~b_any[i])
			return RULES_INCOMPATIBLE;
		if (rb->host && !ra->host && (h[i] & ~b_all[i]))
			return RULES_INCOMPATIBLE;
		if (h[i] & a_any[i] & ~b_all[i])
			maybe = 1;
	}
	return maybe ? RULES_UNKNOWN : RULES_COMPATIBLE;
}

/* ---- Tests. ---- */

static void
test_identical_tools(void)
{
	static const char *pairs[][2] = {
		{ "vbox/vbox_cpudb_i7-6700K.json", "instlatx64/GenuineIntel00506E3_SkyLake_01_CPUID.json" },
		{ "vbox/vbox_cpudb_i7-6700K.json", "instlatx64/GenuineIntel00506E3_Skylake_02_CPUID.json" },
		{ "vbox/vboxlog_coffeelake_i7-9750H_msi-gs65.json",
		  "instlatx64/GenuineIntel00906EA_CoffeelakeH_CPUID2.json" },
	};
	struct profile *a, *b;
	size_t i;
	int sc;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		/* The VirtualBox dump has VMX MSRs only: compare like with like. */
		a = loadfx(pairs[i][0]);
		b = loadfx(pairs[i][1]);
		if (b != NULL) {
			quiet = 1;
			tap_ok(verdict(a, b, spec(VMSPEC_NESTED), RULES_POLICY_STRICT) == RULES_UNKNOWN &&
			    has_reason(a, b, spec(VMSPEC_NESTED), RULES_POLICY_STRICT, "layer-missing", NULL, -1),
			    "the full profile's CPUID has no counterpart in the dump: unknown, layer missing");
			quiet = 0;
			b = vmx_only(b);
		}
		if (a == NULL || b == NULL) {
			tap_ok(0, "load %s and %s", pairs[i][0], pairs[i][1]);
			profile_free(a);
			profile_free(b);
			continue;
		}
		for (sc = VMSPEC_PLAIN; sc <= VMSPEC_NESTED; sc++) {
			tap_ok(verdict(a, b, spec(sc), RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
			    verdict(b, a, spec(sc), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
			    "same CPU from two tools, both ways (%s): %s <-> %s", vmspec_scenario_name(sc),
			    pairs[i][0], pairs[i][1]);
		}
		tap_ok(not_checked(a, b, spec(VMSPEC_NESTED), "vmx:0x491") &&
		    not_checked(a, b, spec(VMSPEC_NESTED), "cpuid"),
		    "the AIDA64 dump's missing 0x491 and both dumps' missing CPUID are listed as not checked");
		profile_free(a);
		profile_free(b);
	}
}

static void
test_pair(const char *x, const char *y, enum rules_verdict fwd, enum rules_verdict back, const char *what)
{
	struct profile *a = loadfx_vmx(x), *b = loadfx_vmx(y);

	if (a == NULL || b == NULL) {
		tap_ok(0, "load %s %s", x, y);
	} else {
		tap_ok(verdict(a, b, NULL, RULES_POLICY_STRICT) == fwd &&
		    verdict(b, a, NULL, RULES_POLICY_STRICT) == back, "%s: %s -> %s %s, back %s", what,
		    x, y, rules_verdict_name(fwd), rules_verdict_name(back));
	}
	profile_free(a);
	profile_free(b);
}

static void
test_generations(void)
{
	/* Same model, different SKU. */
	test_pair("instlatx64/GenuineIntel00306A9_IvyBridge_CPUID.json",
	    "vbox/vboxlog_ivybridge_i7-3770_cachyos.json", RULES_COMPATIBLE, RULES_COMPATIBLE,
	    "i7-3770K and i7-3770 (differ in CR4_FIXED1 only)");
	test_pair("instlatx64/GenuineIntel00306D4_Broadwell_CPUID.json",
	    "instlatx64/GenuineIntel00306D4_Broadwell2_CPUID.json", RULES_INCOMPATIBLE, RULES_COMPATIBLE,
	    "Broadwell 5Y70 and i5-5250U");
	test_pair("instlatx64/GenuineIntel00306F2_HaswellE2_CPUID.json",
	    "instlatx64/GenuineIntel00306F2_HaswellEP2_CPUID.json", RULES_COMPATIBLE, RULES_INCOMPATIBLE,
	    "Haswell-E i7-5820K (no VMCS shadowing) and a Haswell-EP Xeon");
	/* Generation steps: older to newer works, newer to older does not. */
	test_pair("instlatx64/GenuineIntel00206D7_SandyBridgeE_00_CPUID.json",
	    "instlatx64/GenuineIntel00306E4_IvyBridgeE_CPUID.json", RULES_COMPATIBLE, RULES_INCOMPATIBLE,
	    "Sandy Bridge-E to Ivy Bridge-E");
	test_pair("instlatx64/GenuineIntel00306C3_Haswell_CPUID.json",
	    "instlatx64/GenuineIntel00306D4_Broadwell_CPUID.json", RULES_COMPATIBLE, RULES_INCOMPATIBLE,
	    "Haswell to Broadwell");
	test_pair("instlatx64/GenuineIntel00306C3_HaswellXeon_CPUID.json",
	    "instlatx64/GenuineIntel00406F1_BroadwellE_CPUID2.json", RULES_COMPATIBLE, RULES_INCOMPATIBLE,
	    "Haswell Xeon to Broadwell-E");
	/* Different VMCS revisions: never, in either direction. */
	test_pair("instlatx64/GenuineIntel00306A9_IvyBridge_CPUID.json",
	    "instlatx64/GenuineIntel00306C3_Haswell_CPUID.json", RULES_INCOMPATIBLE, RULES_INCOMPATIBLE,
	    "Ivy Bridge and Haswell (VMCS revisions 0x10 and 0x12)");
}

static void
test_hybrid(void)
{
	struct profile *big = loadfx("instlatx64/GenuineIntel00806A1_Lakefield_CPUID.json");
	struct profile *small = NULL;
	size_t i;

	if (big == NULL) {
		tap_ok(0, "load Lakefield");
		goto cleanup;
	}
	/* One logical CPU (the other core type) reports another 0x48b: the hw_msrs layer's differences. */
	for (i = 0; i < big->n_hw_diff && small == NULL; i++) {
		if (!vmx_msr_has(&big->hw_diff[i].msrs, MSR_VMX_PROCBASED2))
			continue;
		small = loadfx_vmx("instlatx64/GenuineIntel00806A1_Lakefield_CPUID.json");
		if (small != NULL)
			vmx_msr_set(&small->vmx_raw, MSR_VMX_PROCBASED2,
			    vmx_msr_get(&big->hw_diff[i].msrs, MSR_VMX_PROCBASED2));
	}
	big = vmx_only(big);
	if (!tap_ok(small != NULL, "Lakefield: the profile records a CPU with another 0x48b"))
		goto cleanup;
	tap_ok(verdict(big, small, NULL, RULES_POLICY_STRICT) != verdict(small, big, NULL, RULES_POLICY_STRICT),
	    "Lakefield: the two core types differ in one direction only");
	tap_ok((verdict(big, small, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(big, small, NULL, RULES_POLICY_STRICT, "allowed-1-subset", "0x48b", -1)) ||
	    (verdict(small, big, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(small, big, NULL, RULES_POLICY_STRICT, "allowed-1-subset", "0x48b", -1)),
	    "Lakefield: the blocked direction names secondary controls (0x48b)");
cleanup:
	profile_free(big);
	profile_free(small);
}

/* The base for single-bit rule tests: the i7-9750H VirtualBox dump (has 0x491). */
static const char base_fx[] = "vbox/vboxlog_coffeelake_i7-9750H_msi-gs65.json";

static void
flip(struct profile *p, uint32_t msr, uint64_t set, uint64_t clear)
{
	vmx_msr_set(&p->vmx_raw, msr, (vmx_msr_get(&p->vmx_raw, msr) | set) & ~clear);
}

/*
 * One rule: starting from two copies of the base, edit src and/or dst with
 * (msr, set, clear) and expect an incompatible verdict citing rule at
 * msr/bit; the unedited pair must be compatible.
 */
static void
rule_case(const char *what, uint32_t smsr, uint64_t sset, uint64_t sclr, uint32_t dmsr, uint64_t dset,
    uint64_t dclr, const char *rule, const char *msr, int bit)
{
	struct profile *s = loadfx(base_fx), *d = loadfx(base_fx);

	if (s == NULL || d == NULL) {
		tap_ok(0, "%s: load", what);
		goto cleanup;
	}
	if (verdict(s, d, NULL, RULES_POLICY_STRICT) != RULES_COMPATIBLE)
		tap_diag("base pair not compatible");
	if (smsr != 0)
		flip(s, smsr, sset, sclr);
	if (dmsr != 0)
		flip(d, dmsr, dset, dclr);
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, NULL, RULES_POLICY_STRICT, rule, msr, bit), "rule %s: %s", rule, what);
cleanup:
	profile_free(s);
	profile_free(d);
}

/* The same edit must leave the pair compatible. */
static void
ok_case(const char *what, uint32_t smsr, uint64_t sset, uint64_t sclr, uint32_t dmsr, uint64_t dset,
    uint64_t dclr)
{
	struct profile *s = loadfx(base_fx), *d = loadfx(base_fx);

	if (s == NULL || d == NULL) {
		tap_ok(0, "%s: load", what);
		goto cleanup;
	}
	if (smsr != 0)
		flip(s, smsr, sset, sclr);
	if (dmsr != 0)
		flip(d, dmsr, dset, dclr);
	tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "compatible: %s", what);
cleanup:
	profile_free(s);
	profile_free(d);
}

#define B(n)	(1ull << (n))

static void
test_vmx_rules(void)
{
	struct profile *s, *d;
	FILE *f;
	char line[512];

	rule_case("pin allowed-1 (preemption timer) missing on destination", 0, 0, 0,
	    MSR_VMX_TRUE_PINBASED, 0, B(32 + 6), "allowed-1-subset", "0x48d", 6);
	rule_case("primary allowed-1 (HLT exiting) missing on destination", 0, 0, 0,
	    MSR_VMX_TRUE_PROCBASED, 0, B(32 + 7), "allowed-1-subset", "0x48e", 7);
	rule_case("exit allowed-1 (load PERF_GLOBAL_CTRL) missing on destination", 0, 0, 0,
	    MSR_VMX_TRUE_EXIT, 0, B(32 + 12), "allowed-1-subset", "0x48f", 12);
	rule_case("entry allowed-1 (IA-32e mode) missing on destination", 0, 0, 0,
	    MSR_VMX_TRUE_ENTRY, 0, B(32 + 9), "allowed-1-subset", "0x490", 9);
	rule_case("secondary allowed-1 (EPT) missing on destination", 0, 0, 0,
	    MSR_VMX_PROCBASED2, 0, B(32 + 1), "allowed-1-subset", "0x48b", 1);
	rule_case("primary must-be-1 (interrupt-window exiting) forced on destination only", 0, 0, 0,
	    MSR_VMX_TRUE_PROCBASED, B(2), 0, "must-be-1-subset", "0x48e", 2);
	rule_case("secondary must-be-1 forced on destination only", 0, 0, 0,
	    MSR_VMX_PROCBASED2, B(3), 0, "must-be-1-subset", "0x48b", 3);
	ok_case("must-be-1 forced on the source only", MSR_VMX_TRUE_PROCBASED, B(2), 0, 0, 0, 0);
	ok_case("allowed-1 extra on the destination", 0, 0, 0, MSR_VMX_PROCBASED2, B(32 + 25), 0);
	rule_case("EPT/VPID: 1GB pages missing on destination", 0, 0, 0,
	    MSR_VMX_EPT_VPID, 0, B(17), "subset", "0x48c", 17);
	rule_case("EPT/VPID: INVVPID single-context missing on destination", 0, 0, 0,
	    MSR_VMX_EPT_VPID, 0, B(41), "subset", "0x48c", 41);
	rule_case("VMFUNC: EPTP switching missing on destination", 0, 0, 0,
	    MSR_VMX_VMFUNC, 0, B(0), "subset", "0x491", 0);
	rule_case("BASIC: INS/OUTS information (bit 54) missing on destination", 0, 0, 0,
	    MSR_VMX_BASIC, 0, B(54), "subset", "0x480", 54);
	rule_case("BASIC: TRUE controls (bit 55) missing on destination", 0, 0, 0,
	    MSR_VMX_BASIC, 0, B(55), "subset", "0x480", 55);
	rule_case("BASIC: reserved bit 31 set on the source only", MSR_VMX_BASIC, B(31), 0, 0, 0, 0,
	    "subset", "0x480", 31);
	rule_case("BASIC: reserved bit 57 set on the source only", MSR_VMX_BASIC, B(57), 0, 0, 0, 0,
	    "subset", "0x480", 57);
	ok_case("BASIC: memory type (53:50) differs", MSR_VMX_BASIC, 0, B(51), 0, 0, 0);
	rule_case("BASIC: 32-bit physical addresses only (bit 48), even on both", MSR_VMX_BASIC, B(48), 0,
	    MSR_VMX_BASIC, B(48), 0, "basic-32bit-only", "0x480", 48);
	rule_case("BASIC: VMCS revision differs", 0, 0, 0, MSR_VMX_BASIC, B(0), 0,
	    "vmcs-revision-equal", "0x480", -1);
	rule_case("BASIC: destination VMCS region larger than the source's", 0, 0, 0,
	    MSR_VMX_BASIC, B(43), B(42), "vmcs-size", "0x480", -1);
	ok_case("BASIC: source VMCS region larger", MSR_VMX_BASIC, B(43), B(42), 0, 0, 0);
	rule_case("MISC: VMWRITE to exit-information fields missing on destination", 0, 0, 0,
	    MSR_VMX_MISC, 0, B(29), "subset", "0x485", 29);
	rule_case("MISC: activity state HLT missing on destination", 0, 0, 0,
	    MSR_VMX_MISC, 0, B(6), "subset", "0x485", 6);
	rule_case("MISC: reserved bit 9 set on the source only", MSR_VMX_MISC, B(9), 0, 0, 0, 0,
	    "subset", "0x485", 9);
	rule_case("MISC: fewer CR3 targets on destination", 0, 0, 0, MSR_VMX_MISC, B(16) | B(17), B(18),
	    "misc-cr3-targets", "0x485", -1);
	rule_case("MISC: smaller MSR lists on destination", MSR_VMX_MISC, B(25), 0, 0, 0, 0,
	    "misc-max-msr-list", "0x485", -1);
	rule_case("MISC: MSEG revision differs", 0, 0, 0, MSR_VMX_MISC, B(32), 0,
	    "mseg-revision-equal", "0x485", -1);
	rule_case("MISC: preemption-timer rate differs while the source exposes the timer", 0, 0, 0,
	    MSR_VMX_MISC, 0, B(0), "preemption-timer-rate-equal", "0x485", -1);
	/* Without the timer on the source the rate does not matter. */
	s = loadfx(base_fx);
	d = loadfx(base_fx);
	if (s != NULL && d != NULL) {
		flip(s, MSR_VMX_TRUE_PINBASED, 0, B(32 + 6));
		flip(s, MSR_VMX_PINBASED, 0, B(32 + 6));
		flip(d, MSR_VMX_MISC, 0, B(0));
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
		    "MISC: timer rate ignored when the source does not expose the preemption timer");
	}
	profile_free(s);
	profile_free(d);
	rule_case("CR0_FIXED0: destination fixes MP, the source does not", 0, 0, 0,
	    MSR_VMX_CR0_FIXED0, B(1), 0, "fixed0-subset", "0x486", 1);
	rule_case("CR4_FIXED0: destination fixes PAE, the source does not", 0, 0, 0,
	    MSR_VMX_CR4_FIXED0, B(5), 0, "fixed0-subset", "0x488", 5);
	ok_case("CR0_FIXED0: the source fixes more", MSR_VMX_CR0_FIXED0, B(1), 0, 0, 0, 0);
	ok_case("CR0/CR4_FIXED1 are never compared", MSR_VMX_CR0_FIXED1, 0, B(3), MSR_VMX_CR4_FIXED1, 0, B(14));

	/* TRUE absent: the non-TRUE twin stands in (its default-1 bits are must-be-1). */
	s = loadfx(base_fx);
	d = loadfx(base_fx);
	if (s != NULL && d != NULL) {
		d->vmx_raw.present &= ~(1u << (MSR_VMX_TRUE_EXIT - VMX_MSR_FIRST));
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
		    has_reason(s, d, NULL, RULES_POLICY_STRICT, "must-be-1-subset", "0x48f", 2),
		    "TRUE exit controls absent on destination: 0x483 stands in, its bit 2 is must-be-1");
		s->vmx_raw.present &= ~(1u << (MSR_VMX_TRUE_EXIT - VMX_MSR_FIRST));
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
		    "TRUE exit controls absent on both sides: compatible");
		/* A missing MSR counts as 0. */
		d->vmx_raw.present &= ~(1u << (MSR_VMX_EPT_VPID - VMX_MSR_FIRST));
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
		    has_reason(s, d, NULL, RULES_POLICY_STRICT, "subset", "0x48c", 0),
		    "EPT/VPID missing on destination counts as 0");
		/* A dump that did not read 0x491: not compared, listed. */
		vmx_msr_set(&d->vmx_raw, MSR_VMX_EPT_VPID, vmx_msr_get(&s->vmx_raw, MSR_VMX_EPT_VPID));
		d->vmx_raw.present &= ~(1u << (MSR_VMX_VMFUNC - VMX_MSR_FIRST));
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
		    not_checked(s, d, NULL, "vmx:0x491"),
		    "VMFUNC missing from a dump that allows VM functions: not checked");
		d->is_dump = 0;
		tap_ok(verdict(s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE,
		    "VMFUNC missing from a real profile: counts as 0");
	}
	profile_free(s);
	profile_free(d);

	/* The text: one operator line per reason. */
	s = loadfx(base_fx);
	d = loadfx(base_fx);
	if (s != NULL && d != NULL && (f = tmpfile()) != NULL) {
		flip(s, MSR_VMX_PROCBASED2, B(32 + 25), 0);
		tap_ok(rules_check_print(f, s, d, NULL, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE, "print verdict");
		rewind(f);
		line[0] = '\0';
		while (fgets(line, sizeof(line), f) != NULL &&
		    strncmp(line, "secondary controls:", 19) != 0)
			continue;
		tap_ok(strcmp(line, "secondary controls: TSC scaling (bit 25 of IA32_VMX_PROCBASED_CTLS2) "
		    "allowed on source, not on destination\n") == 0, "text line: %s", line);
		fclose(f);
	}
	profile_free(s);
	profile_free(d);
}

/* Set a kernel on two fresh copies of the base. */
static void
ev_pair(struct profile **s, struct profile **d, const char *sk, const char *dk)
{
	*s = loadfx(base_fx);
	*d = loadfx(base_fx);
	if (*s != NULL)
		util_strlcpy((*s)->kernel, sk, sizeof((*s)->kernel));
	if (*d != NULL)
		util_strlcpy((*d)->kernel, dk, sizeof((*d)->kernel));
}

static void
test_evmcs_rules(void)
{
	static const uint32_t perf[][2] = {
		{ MSR_VMX_TRUE_EXIT, 12 }, { MSR_VMX_EXIT, 12 }, { MSR_VMX_TRUE_ENTRY, 13 }, { MSR_VMX_ENTRY, 13 },
	};
	struct vmspec *pv = spec(VMSPEC_EVMCS_PV), *ev = spec(VMSPEC_EVMCS);
	struct json_object *o, *v;
	struct profile *s, *d;
	size_t i;

	/* The case: v6.1 source with the PV bit, 5.19 destination, hardware with PERF_GLOBAL_CTRL. */
	ev_pair(&s, &d, "6.1.0-13-amd64", "5.19.0-46-generic");
	tap_ok(verdict(s, d, pv, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, pv, RULES_POLICY_STRICT, "evmcs-pv-not-honoured", NULL, -1),
	    "6.1+PV -> 5.19, strict: blocked, the destination does not honour the PV bit");
	tap_ok(verdict(s, d, pv, RULES_POLICY_EFFECTIVE) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, pv, RULES_POLICY_EFFECTIVE, "evmcs-hidden", "0x48f", 12) &&
	    has_reason(s, d, pv, RULES_POLICY_EFFECTIVE, "evmcs-hidden", "0x490", 13),
	    "6.1+PV -> 5.19, effective: blocked by exit bit 12 and entry bit 13 (PERF_GLOBAL_CTRL)");
	o = rules_check_json(s, d, pv, RULES_POLICY_EFFECTIVE);
	tap_ok(json_object_object_get_ex(o, "other_policy_differs", &v) && !json_object_get_boolean(v),
	    "6.1+PV -> 5.19: both policies agree");
	json_object_put(o);
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "6.1 without PV -> 5.19: compatible");
	tap_ok(verdict(d, s, pv, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "5.19 with PV (not honoured there) -> 6.1: compatible");
	/* Hardware without PERF_GLOBAL_CTRL: only the strict policy blocks. */
	for (i = 0; i < sizeof(perf) / sizeof(perf[0]); i++) {
		flip(s, perf[i][0], 0, B(32 + perf[i][1]));
		flip(d, perf[i][0], 0, B(32 + perf[i][1]));
	}
	tap_ok(verdict(s, d, pv, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    verdict(s, d, pv, RULES_POLICY_EFFECTIVE) == RULES_COMPATIBLE,
	    "6.1+PV -> 5.19 without PERF_GLOBAL_CTRL in hardware: strict blocks, effective passes");
	o = rules_check_json(s, d, pv, RULES_POLICY_STRICT);
	tap_ok(json_object_object_get_ex(o, "other_policy_differs", &v) && json_object_get_boolean(v),
	    "... and the answer says the other policy differs");
	json_object_put(o);
	profile_free(s);
	profile_free(d);

	/* Unknown kernel and no measured view: unknown, never a guess. */
	ev_pair(&s, &d, "", "6.1.0");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_UNKNOWN &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-view-unknown", NULL, -1),
	    "source kernel unknown: eVMCS verdict unknown");
	tap_ok(verdict(s, d, spec(VMSPEC_NESTED), RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "... while plain nested is judged");
	/* A measured view stands in for the kernel. */
	profile_layer_set(&s->evmcs_measured.layer, LAYER_MEASURED, "test");
	s->evmcs_measured.view[EVMCS_VIEW_EVMCS] = s->vmx_raw;
	s->evmcs_measured.views_present = 1u << EVMCS_VIEW_EVMCS;
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-hidden", "0x48b", 0),
	    "measured unfiltered source view against a 6.1 destination: APIC-access virtualization hidden");
	tap_ok(verdict(d, s, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "6.1 -> the measured host: compatible");
	profile_free(s);
	profile_free(d);

	/* A measured destination: its views and its own word on the PV bit. */
	ev_pair(&s, &d, "6.1.0", "");
	profile_layer_set(&d->evmcs_measured.layer, LAYER_MEASURED, "test");
	d->evmcs_measured.view[EVMCS_VIEW_EVMCS_PV] = d->vmx_raw;
	d->evmcs_measured.views_present = 1u << EVMCS_VIEW_EVMCS_PV;
	d->evmcs_measured.pv_bit_honoured = PROFILE_YES;
	tap_ok(verdict(s, d, pv, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "measured destination that honours the PV bit: compatible under strict");
	d->evmcs_measured.pv_bit_honoured = PROFILE_NO;
	tap_ok(verdict(s, d, pv, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    verdict(s, d, pv, RULES_POLICY_EFFECTIVE) == RULES_COMPATIBLE,
	    "measured destination that does not: strict blocks, effective compares the views");
	d->evmcs_measured.pv_bit_honoured = PROFILE_UNKNOWN;
	tap_ok(verdict(s, d, pv, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "measured destination, PV behaviour and kernel unknown: strict answers unknown");
	profile_free(s);
	profile_free(d);

	/* Stable backports: 5.15.y may or may not carry the 5.17 filter; never guess compatible. */
	ev_pair(&s, &d, "5.10.0-26-amd64", "5.15.0-91-generic");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_UNKNOWN &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-backport-dependent", "0x48d", 6),
	    "5.10 -> 5.15.y: the 5.17 backport may hide the preemption timer (0x48d bit 6): unknown");
	util_strlcpy(s->kernel, "5.15.0-91-generic", sizeof(s->kernel));
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "5.15.0-91 -> 5.15.0-91: compatible");
	util_strlcpy(s->kernel, "5.15.0-88-generic", sizeof(s->kernel));
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "5.15.0-88 -> 5.15.0-91: one may lack the backport: unknown, never a guess");
	util_strlcpy(d->kernel, "5.19.0", sizeof(d->kernel));
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "5.15.y -> 5.19: compatible only if the backport is in: unknown");
	util_strlcpy(s->kernel, "5.19.0", sizeof(s->kernel));
	util_strlcpy(d->kernel, "5.15.0-91-generic", sizeof(d->kernel));
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "5.19 -> 5.15.y: the 5.15 masks hide less: compatible either way");
	util_strlcpy(s->kernel, "5.10.0", sizeof(s->kernel));
	util_strlcpy(d->kernel, "6.3.0", sizeof(d->kernel));
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-hidden", "0x48b", 22),
	    "5.10 -> 6.3: mode-based EPT shown by every 5.10 variant, hidden by 6.3: blocked");
	profile_free(s);
	profile_free(d);

	ev_pair(&s, &d, "6.1.0", "5.14.0-362.el9.x86_64");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_UNKNOWN,
	    "vendor backport kernel (el9) on the destination: unknown");
	profile_free(s);
	profile_free(d);

	ev_pair(&s, &d, "6.1.0", "4.19.0-25-amd64");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-unsupported", NULL, -1),
	    "4.19 destination has no nested eVMCS");
	profile_free(s);
	profile_free(d);

	ev_pair(&s, &d, "6.1.0", "5.4.0");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-host-narrowed", "0x48d", 6),
	    "5.4 destination narrows the vCPU's own MSRs: restoring the preemption timer fails");
	tap_ok(verdict(d, d, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE, "5.4 -> 5.4: compatible");
	/*
	 * The same 5.4 destination with a measured view (the probe guest ran
	 * there): its vCPU MSRs are narrowed all the same, so the restore of
	 * the source's raw values still fails.
	 */
	evmcsview_emulate(d);
	d->evmcs_measured.view[EVMCS_VIEW_EVMCS] = d->evmcs_emulated.view[EVMCS_VIEW_EVMCS];
	d->evmcs_measured.views_present = 1u << EVMCS_VIEW_EVMCS;
	profile_layer_set(&d->evmcs_measured.layer, LAYER_MEASURED, "test");
	tap_ok(d->evmcs_emulated.views_present != 0 && verdict(s, d, ev, RULES_POLICY_STRICT) ==
	    RULES_INCOMPATIBLE && has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-host-narrowed",
	    "0x48d", 6), "5.4 destination with a measured view narrows its vCPU MSRs too: blocked");
	tap_ok(verdict(d, d, ev, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "5.4 measured -> 5.4 measured: compatible");
	profile_free(s);
	profile_free(d);

	ev_pair(&s, &d, "6.2.16", "6.3.0");
	tap_ok(verdict(s, d, ev, RULES_POLICY_STRICT) == RULES_INCOMPATIBLE &&
	    has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-hidden", "0x490", 10),
	    "6.2 -> 6.3: the SUPPORTED masks hide entry to SMM (bit 10) that 6.2 showed");
	flip(s, MSR_VMX_PROCBASED2, B(32 + 25), 0);
	flip(d, MSR_VMX_PROCBASED2, B(32 + 25), 0);
	quiet = 1;
	tap_ok(has_reason(s, d, ev, RULES_POLICY_STRICT, "evmcs-hidden", "0x48b", 25) == 0 &&
	    has_reason(d, s, ev, RULES_POLICY_STRICT, "evmcs-hidden", "0x48b", 25) == 0,
	    "TSC scaling is hidden from L1 by 6.3 and by 6.2 alike");
	quiet = 0;
	profile_free(s);
	profile_free(d);
}

/* Every kernel row pair, PV setting and policy against the masks typed above. */
static void
test_evmcs_matrix(void)
{
	struct ref raw;
	struct profile *s, *d;
	char path[1024];
	size_t i, j;
	int pv, strict, bad = 0, n = 0, blocked = 0, maybe = 0;

	snprintf(path, sizeof(path), "%s/%s", fxdir, base_fx);
	if (ref_load(path, &raw) == -1) {
		tap_ok(0, "load %s", path);
		return;
	}
	for (i = 0; i < sizeof(ref_rows) / sizeof(ref_rows[0]); i++) {
		for (j = 0; j < sizeof(ref_rows) / sizeof(ref_rows[0]); j++) {
			ev_pair(&s, &d, ref_rows[i].kernel, ref_rows[j].kernel);
			for (pv = 0; pv < 2; pv++) {
				for (strict = 0; strict < 2; strict++) {
					enum rules_verdict got = verdict(s, d, spec(pv ? VMSPEC_EVMCS_PV : VMSPEC_EVMCS),
					    strict ? RULES_POLICY_STRICT : RULES_POLICY_EFFECTIVE);
					enum rules_verdict want = ref_evmcs(&raw, &ref_rows[i], &ref_rows[j], pv, strict);

					n++;
					blocked += want == RULES_INCOMPATIBLE;
					maybe += want == RULES_UNKNOWN;
					if (got != want) {
						bad++;
						tap_diag("%s -> %s pv %d strict %d: got %s", ref_rows[i].kernel,
						    ref_rows[j].kernel, pv, strict, rules_verdict_name(got));
					}
				}
			}
			profile_free(s);
			profile_free(d);
		}
	}
	tap_ok(bad == 0 && blocked > 0 && maybe > 0 && blocked + maybe < n,
	    "eVMCS: %d kernel-row pairs x PV x policy agree with the reference masks (%d blocked, "
	    "%d depending on stable backports)", n, blocked, maybe);
}

static void
test_self(void)
{
	static const char *kernels[] = { "", "4.20.0", "5.4.0", "5.10.0", "5.15.0", "5.17.0", "5.19.0",
		"6.1.0", "6.2.0", "6.6.0", "5.14.0-1.el9" };
	struct profile *p;
	size_t i, k;
	int sc, pol, bad = 0, n = 0;

	for (i = 0; i < nfx; i++) {
		if ((p = fixture_load(fxpath[i])) == NULL) {
			bad++;
			continue;
		}
		for (k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
			util_strlcpy(p->kernel, kernels[k], sizeof(p->kernel));
			for (sc = VMSPEC_PLAIN; sc <= VMSPEC_EVMCS_PV; sc++) {
				for (pol = 0; pol < 2; pol++) {
					enum rules_verdict v = verdict(p, p, spec(sc), (enum rules_policy)pol);
					int known = kernels[k][0] != '\0' && strstr(kernels[k], ".el") == NULL;
					enum rules_verdict want = RULES_COMPATIBLE;

					/* eVMCS is Intel VMX's: a VM using it cannot run on AMD at all. */
					if (sc >= VMSPEC_EVMCS && strcmp(p->cpu.vendor, "AuthenticAMD") == 0)
						want = RULES_INCOMPATIBLE;
					else if (sc >= VMSPEC_EVMCS && !known)
						want = RULES_UNKNOWN;
					/* Strict: a PV-bit VM needs a kernel that honours the bit, even at home. */
					else if (sc == VMSPEC_EVMCS_PV && pol == RULES_POLICY_STRICT &&
					    strcmp(kernels[k], "6.1.0") < 0)
						want = RULES_INCOMPATIBLE;
					n++;
					if (v != want) {
						bad++;
						tap_diag("%s kernel %s %s %s: %s", fxpath[i], kernels[k],
						    vmspec_scenario_name(sc), rules_policy_name(pol), rules_verdict_name(v));
					}
				}
			}
		}
		profile_free(p);
	}
	tap_ok(bad == 0 && n > 0, "every fixture against itself, every scenario, kernel and policy (%d checks)", n);
}

static void
test_all_pairs(void)
{
	struct profile **p;
	struct ref *r;
	struct json_object *o, *rs, *x, *v;
	size_t i, j, k;
	int bad = 0, badjson = 0, n = 0, nok = 0, evbad = 0;

	p = calloc(nfx, sizeof(*p));
	r = calloc(nfx, sizeof(*r));
	/* The VMX layer of every profile that has one (the AMD parts have none). */
	for (i = 0; i < nfx; i++) {
		p[i] = fixture_load(fxpath[i]);
		if (p[i] != NULL && !profile_layer_ok(&p[i]->vmx)) {
			profile_free(p[i]);
			p[i] = NULL;
			continue;
		}
		p[i] = vmx_only(p[i]);
		if (p[i] != NULL)
			rules_prepare(p[i]);
		if (ref_load(fxpath[i], &r[i]) == -1)
			bad++;
	}
	for (i = 0; i < nfx; i++) {
		for (j = 0; j < nfx; j++) {
			enum rules_verdict got, want;

			if (p[i] == NULL || p[j] == NULL)
				continue;
			n++;
			got = rules_verdict_of(p[i], p[j], NULL, RULES_POLICY_STRICT);
			want = ref_vmx_ok(&r[i], &r[j]) ? RULES_COMPATIBLE : RULES_INCOMPATIBLE;
			nok += want == RULES_COMPATIBLE;
			if (got != want) {
				bad++;
				if (bad < 10)
					tap_diag("%s -> %s: got %s, reference %s", fxpath[i], fxpath[j],
					    rules_verdict_name(got), rules_verdict_name(want));
			}
			/* eVMCS across kernels, on a sample of pairs. */
			if ((i + j) % 7 == 0) {
				const struct ref_row *ra = &ref_rows[i % 9], *rb = &ref_rows[j % 9];
				int pv = (int)((i + j) / 7 % 2);
				enum rules_verdict ew;

				util_strlcpy(p[i]->kernel, ra->kernel, sizeof(p[i]->kernel));
				util_strlcpy(p[j]->kernel, rb->kernel, sizeof(p[j]->kernel));
				unprepare(p[i]);
				unprepare(p[j]);
				ew = !ref_vmx_ok(&r[i], &r[j]) ? RULES_INCOMPATIBLE : ref_evmcs(&r[i], ra, rb, pv, 0);
				if (rules_verdict_of(p[i], p[j], spec(pv ? VMSPEC_EVMCS_PV : VMSPEC_EVMCS),
				    RULES_POLICY_EFFECTIVE) != ew)
					evbad++;
				p[i]->kernel[0] = p[j]->kernel[0] = '\0';
				rules_prepare(p[i]);
				rules_prepare(p[j]);
			}
			if (got != RULES_INCOMPATIBLE)
				continue;
			/* Every failing reason names the MSR, the bit and a message. */
			o = rules_check_json(p[i], p[j], NULL, RULES_POLICY_STRICT);
			if (!json_object_object_get_ex(o, "reasons", &rs) || json_object_array_length(rs) == 0)
				badjson++;
			for (k = 0; rs != NULL && k < json_object_array_length(rs); k++) {
				x = json_object_array_get_idx(rs, k);
				if (!json_object_object_get_ex(x, "msr", &v) || v == NULL ||
				    strncmp(json_object_get_string(v), "0x4", 3) != 0 ||
				    !json_object_object_get_ex(x, "bit", &v) ||
				    !json_object_object_get_ex(x, "name", &v) ||
				    !json_object_object_get_ex(x, "message", &v) || v == NULL)
					badjson++;
			}
			json_object_put(o);
		}
	}
	tap_ok(bad == 0 && n > 1000, "%d ordered fixture pairs agree with the reference vmx_set_vmx_msr() "
	    "(%d compatible)", n, nok);
	tap_ok(evbad == 0, "eVMCS on sampled pairs across kernel rows agrees with the reference masks");
	tap_ok(badjson == 0, "every incompatible pair has reasons naming MSR, bit, name and message");
	for (i = 0; i < nfx; i++)
		profile_free(p[i]);
	free(p);
	free(r);
}

int
main(void)
{
	size_t i;

	fxdir = tap_fixtures();
	list_dir("instlatx64");
	list_dir("vbox");
	qsort(fxpath, nfx, sizeof(fxpath[0]), cmpstr);
	tap_ok(nfx > 100, "%zu fixtures", nfx);

	test_identical_tools();
	test_generations();
	test_hybrid();
	test_vmx_rules();
	test_evmcs_rules();
	test_evmcs_matrix();
	test_self();
	test_all_pairs();
	for (i = 0; i < nfx; i++)
		free(fxpath[i]);
	return tap_done();
}
