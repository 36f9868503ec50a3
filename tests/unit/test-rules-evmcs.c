/*
 * test-rules-evmcs.c - the eVMCS verdict between every pair of adjacent
 * kernel releases of the filter table (each minor release from v4.20 on,
 * and the last stable sublevel before and the first with each backport of
 * data/evmcs-stable.tsv), both ways, on real hardware profiles that differ
 * only in their kernel release.  Identical filters must be compatible;
 * different ones must name exactly the controls the guest saw on the
 * source and the destination hides (or strips from the vCPU's own MSRs).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmcs.h"
#include "fixture.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"
#include "vmx.h"

#define NREL	128

/* The six filtered slots as the rules report them. */
static const uint32_t slot_msr[6] = {
	MSR_VMX_TRUE_PINBASED, MSR_VMX_TRUE_PROCBASED, MSR_VMX_PROCBASED2,
	MSR_VMX_TRUE_EXIT, MSR_VMX_TRUE_ENTRY, MSR_VMX_VMFUNC,
};

static char rels[NREL][24];
static size_t nrel;

/* Append "maj.min", or "maj.min.sub" when sub >= 0. */
static void
add_rel(unsigned maj, unsigned min, long sub)
{
	if (nrel >= NREL)
		return;
	if (sub >= 0)
		snprintf(rels[nrel++], sizeof(rels[0]), "%u.%u.%ld", maj, min, sub);
	else
		snprintf(rels[nrel++], sizeof(rels[0]), "%u.%u", maj, min);
}

/*
 * Every minor release from the table's first row to two past its last
 * bounded row (4.20, 5.0 ... 5.19, 6.0 ...), in order; a series with stable backports also gets the
 * sublevel before and the first sublevel of each.
 */
static void
make_releases(void)
{
	unsigned code, last = 0, maj, min;
	size_t i;

	for (i = 0; i < evmcs_rows_count; i++)
		if (evmcs_rows[i].to < 99999 && evmcs_rows[i].to > last)
			last = evmcs_rows[i].to;
	for (code = evmcs_rows[0].from; code <= last + 2; code++) {
		maj = code / 1000;
		min = code % 1000;
		/* The last minor release of a major: 4.20, 5.19 (6.x goes on). */
		if ((maj == 4 && min > 20) || (maj == 5 && min > 19)) {
			code = (maj + 1) * 1000 - 1;
			continue;
		}
		add_rel(maj, min, -1);
		for (i = 0; i < evmcs_stable_rows_count; i++) {
			char series[16];

			snprintf(series, sizeof(series), "%u.%u", maj, min);
			if (strcmp(series, evmcs_stable_rows[i].series) != 0)
				continue;
			add_rel(maj, min, (long)evmcs_stable_rows[i].first - 1);
			add_rel(maj, min, (long)evmcs_stable_rows[i].first);
		}
	}
}

/* Do two rows filter alike for this PV setting (masks, host narrowing, PV bit)? */
static int
same_filter(const struct evmcs_row *a, const struct evmcs_row *b, int pv)
{
	size_t i;

	if (a->host != b->host || (pv && a->pv != b->pv))
		return 0;
	for (i = 0; i < 6; i++)
		if (evmcs_keep_mask(a, slot_msr[i], pv) != evmcs_keep_mask(b, slot_msr[i], pv))
			return 0;
	return 1;
}

/* The half of a slot the filter works on, from the raw MSRs. */
static uint32_t
raw_half(const struct vmx_msrs *m, size_t i)
{
	if (slot_msr[i] == MSR_VMX_VMFUNC)
		return (uint32_t)vmx_msr_get(m, MSR_VMX_VMFUNC);
	if (slot_msr[i] == MSR_VMX_PROCBASED2)
		return (uint32_t)(vmx_msr_get(m, MSR_VMX_PROCBASED2) >> 32);
	return (uint32_t)(vmx_msr_true_ctl(m, slot_msr[i]) >> 32);
}

/*
 * The bits (per slot) the answer must name going from row a to row b: what
 * a shows and b hides, and, for a destination that narrows the vCPU's own
 * MSRs (v4.20-v5.5) coming from one that does not, what b strips of the
 * rest.
 */
static void
expected(const struct vmx_msrs *raw, const struct evmcs_row *a, const struct evmcs_row *b, int pv,
    uint32_t want[6])
{
	uint32_t h, ka, kb;
	size_t i;

	for (i = 0; i < 6; i++) {
		h = raw_half(raw, i);
		ka = evmcs_keep_mask(a, slot_msr[i], pv);
		kb = evmcs_keep_mask(b, slot_msr[i], pv);
		want[i] = h & ka & ~kb;
		if (b->host && !a->host)
			want[i] |= h & ~kb;
	}
}

/* The (msr, bit) of the eVMCS reasons of an answer, per slot; -1 for anything else. */
static int
named(struct json_object *o, uint32_t got[6])
{
	struct json_object *rs, *r, *v;
	size_t i, k;
	unsigned long msr;
	int bit;

	memset(got, 0, 6 * sizeof(got[0]));
	if (!json_object_object_get_ex(o, "reasons", &rs))
		return 0;
	for (i = 0; i < json_object_array_length(rs); i++) {
		r = json_object_array_get_idx(rs, i);
		if (!json_object_object_get_ex(r, "layer", &v) || strcmp(json_object_get_string(v), "evmcs") != 0)
			return -1;
		if (!json_object_object_get_ex(r, "msr", &v) || v == NULL)
			return -1;
		msr = strtoul(json_object_get_string(v), NULL, 16);
		if (!json_object_object_get_ex(r, "bit", &v) || v == NULL)
			return -1;
		bit = json_object_get_int(v);
		for (k = 0; k < 6 && slot_msr[k] != msr; k++)
			;
		if (k == 6 || bit < 0 || bit > 31)
			return -1;
		got[k] |= 1u << bit;
	}
	return 0;
}

/* Every adjacent pair, both ways, PV bit off (evmcs) and on (evmcs-pv, policy effective). */
static void
test_adjacent(const char *fx)
{
	struct vmspec vm[2];
	struct profile *s, *d;
	char path[1024];
	size_t i, k;
	int pv, dir, same = 0, differ = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/%s", tap_fixtures(), fx);
	s = fixture_load(path);
	d = fixture_load(path);
	if (!tap_ok(s != NULL && d != NULL, "load %s", fx)) {
		profile_free(s);
		profile_free(d);
		return;
	}
	vmspec_init(&vm[0], VMSPEC_EVMCS);
	vmspec_init(&vm[1], VMSPEC_EVMCS_PV);
	for (i = 0; i + 1 < nrel; i++) {
		for (dir = 0; dir < 2; dir++) {
			const char *sk = rels[i + dir], *dk = rels[i + 1 - dir];
			const struct evmcs_row *ra, *rb;

			if (evmcs_kernel_classify(sk, &ra) != EVMCS_KERNEL_ROW ||
			    evmcs_kernel_classify(dk, &rb) != EVMCS_KERNEL_ROW) {
				tap_diag("%s or %s has no row", sk, dk);
				bad++;
				continue;
			}
			util_strlcpy(s->kernel, sk, sizeof(s->kernel));
			util_strlcpy(d->kernel, dk, sizeof(d->kernel));
			profile_update_hash(s);
			profile_update_hash(d);
			for (pv = 0; pv < 2; pv++) {
				enum rules_policy pol = pv ? RULES_POLICY_EFFECTIVE : RULES_POLICY_STRICT;
				enum rules_verdict v = rules_verdict_of(s, d, &vm[pv], pol);
				struct json_object *o = rules_check_json(s, d, &vm[pv], pol);
				uint32_t want[6], got[6], any = 0;

				expected(&s->vmx_raw, ra, rb, pv, want);
				for (k = 0; k < 6; k++)
					any |= want[k];
				if (same_filter(ra, rb, pv)) {
					same++;
					if (v != RULES_COMPATIBLE || any != 0) {
						tap_diag("%s -> %s pv %d: identical filters (rows %s, %s), got %s", sk, dk,
						    pv, ra->row, rb->row, rules_verdict_name(v));
						bad++;
					}
				} else {
					differ++;
					if (named(o, got) == -1 || memcmp(got, want, sizeof(got)) != 0 ||
					    v != (any ? RULES_INCOMPATIBLE : RULES_COMPATIBLE)) {
						tap_diag("%s -> %s pv %d (rows %s, %s): got %s, %s", sk, dk, pv, ra->row,
						    rb->row, rules_verdict_name(v),
						    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
						bad++;
					}
				}
				json_object_put(o);
			}
		}
	}
	tap_ok(bad == 0 && same > 0 && differ > 0,
	    "%s: %zu releases, adjacent pairs both ways x PV bit: %d with identical filters compatible, "
	    "%d with different filters naming exactly what the guest loses", fx, nrel, same, differ);
	profile_free(s);
	profile_free(d);
}

/* The case that prompted the test, spelled out. */
static void
test_57_58(const char *fx)
{
	struct vmspec vm;
	struct profile *s, *d;
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tap_fixtures(), fx);
	s = fixture_load(path);
	d = fixture_load(path);
	if (s == NULL || d == NULL) {
		tap_ok(0, "load %s", fx);
		profile_free(s);
		profile_free(d);
		return;
	}
	vmspec_init(&vm, VMSPEC_EVMCS);
	util_strlcpy(s->kernel, "5.7.0", sizeof(s->kernel));
	util_strlcpy(d->kernel, "5.8.0", sizeof(d->kernel));
	tap_ok(rules_verdict_of(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE &&
	    rules_verdict_of(d, s, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "5.7 <-> 5.8: compatible both ways");
	util_strlcpy(s->kernel, "5.8.0-63-generic", sizeof(s->kernel));
	tap_ok(rules_verdict_of(s, d, &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
	    "a 5.8 distribution kernel (no stable backport of the filter in 5.8.y) -> 5.8: compatible");
	profile_free(s);
	profile_free(d);
}

int
main(void)
{
	static const char *fx[] = {
		"instlatx64/GenuineIntel00806F8_SapphireRapids_05_CPUID.json",
		"vbox/vboxlog_coffeelake_i7-9750H_msi-gs65.json",
	};
	size_t i;

	make_releases();
	tap_ok(nrel > 30, "%zu releases from %s to %s", nrel, rels[0], rels[nrel - 1]);
	for (i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		test_adjacent(fx[i]);
	test_57_58(fx[0]);
	return tap_done();
}
