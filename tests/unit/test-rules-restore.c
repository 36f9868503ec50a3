/*
 * test-rules-restore.c - the nested VMX verdict of the rules engine
 * against an independent rendering of the checks KVM applies when the
 * VMM restores a source's VMX capability MSRs on the destination vCPU.
 *
 * For each hardware profile H (converted InstLatx64 dumps of Intel CPUs
 * of different generations) and each pair of kernel releases K1, K2
 * that data/kvm-nested-vmx.tsv names (K1 <= K2, an upgrade, counted
 * apart from K1 > K2), H is emulated under K1 (source)
 * and under K2 (destination): the same hardware, so only the VMX layer
 * differs.  The rules engine's nested answer (a blocking reason of layer
 * "vmx") must equal what vmx_set_vmx_msr() of K2 answers for the values
 * of K1, as written below.  Triples built from unconfirmed rows of the
 * model are left out and counted.
 *
 * The restore checks, vmx_set_vmx_msr() and the vmx_restore_*() helpers
 * of arch/x86/kvm/vmx/nested.c, read in torvalds/linux at commit
 * 00089c048eb4a8250325efb32a2724fd0da68cce (a v5.8/v5.9 tree: checked
 * against the vCPU's nested.msrs, which start as what KVM reports) and
 * in a later v6.x tree (checked against vmcs_config.nested, found with
 * vmx_get_control_msr()): the same checks, with
 * is_bitwise_subset(superset, subset, mask):
 *   BASIC       features 49, 54, 55 and reserved 31, 47:45, 63:56 of
 *               the data within KVM's; bit 48 (32-bit addresses) clear;
 *               revision (30:0) equal; KVM's VMCS size (44:32) not
 *               greater than the data's.
 *   TRUE pin/proc/exit/entry, PROCBASED2 (vmx_restore_control_msr):
 *               KVM's must-be-1 half (31:0) within the data's, the
 *               data's allowed-1 half (63:32) within KVM's.  The
 *               non-TRUE 0x481-0x484 are not restorable (-EINVAL); the
 *               VMM writes the TRUE ones.
 *   MISC        features 5, 8:6, 14, 15, 28, 29, 30 and reserved 13:9,
 *               31 of the data within KVM's; preemption-timer rate (4:0)
 *               equal while the vCPU's pin controls allow the timer
 *               (checked here when either side allows it); CR3-target
 *               count (24:16) and MSR-list size (27:25) not greater;
 *               MSEG revision (63:32) equal.
 *   CR0/CR4 FIXED0 (vmx_restore_fixed0_msr): is_bitwise_subset(data,
 *               KVM's, -1): every bit KVM fixes to 1 fixed in the data.
 *   CR0/CR4 FIXED1: not restorable (-EINVAL, made from the vCPU's
 *               CPUID); the VMM does not write them: no check.
 *   EPT_VPID_CAP: the data within KVM's, every bit.
 *   VMCS_ENUM   stored as written: no check.
 *   VMFUNC      data & ~KVM's must be 0.  Before v5.3 (e8a70bd4e925
 *               "KVM: nVMX: allow setting the VMFUNC controls MSR") the
 *               MSR is not restorable.  QEMU writes IA32_VMX_VMFUNC only
 *               where KVM lists it in KVM_GET_MSR_INDEX_LIST
 *               (has_msr_vmx_vmfunc, target/i386/kvm.c), and KVM lists
 *               the VMX MSRs there from the same release ("KVM: nVMX:
 *               list VMX MSRs in KVM_GET_MSR_INDEX_LIST", v5.3 merge), so
 *               QEMU does not write it to an older one and the rules do
 *               not block on it.  Such triples are counted and named
 *               apart, not compared.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fixture.h"
#include "kvmnested.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"

static const char *const fx[] = {
	"GenuineIntel00206D7_SandyBridgeE_00_CPUID.json",
	"GenuineIntel00306A9_IvyBridge_CPUID.json",
	"GenuineIntel00306F2_HaswellEP_CPUID.json",
	"GenuineIntel00406F1_BroadwellE_CPUID.json",
	"GenuineIntel0050654_SkylakeXeon_CPUID5.json",
	"GenuineIntel0050657_CascadeLakeSP_CPUID1.json",
	"GenuineIntel00706E5_IceLakeY_CPUID.json",
	"GenuineIntel00806F8_SapphireRapids_05_CPUID.json",
	"GenuineIntel0090672_AlderLake_02_CPUID.json",
	"GenuineIntel00B0671_RaptorLake_01_CPUID.json",
	"GenuineIntel00A06D1_GraniteRapids_03_CPUID.json",
};
#define NFX	(sizeof(fx) / sizeof(fx[0]))
#define MAXREL	64

/* is_bitwise_subset(): the bits of sub under mask are all in sup. */
static int
within(uint64_t sup, uint64_t sub, uint64_t mask)
{
	return (sub & mask & ~(sup & mask)) == 0;
}

static uint64_t
genmask(unsigned hi, unsigned lo)
{
	return (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

/*
 * What vmx_set_vmx_msr() of release (major, minor) answers when the VMM
 * writes s's values on a vCPU whose KVM reports d: 0 accepted, 1 refused,
 * 2 refused only because VMFUNC is not restorable before v5.3; the first
 * refused MSR in *msr.
 */
static int
restore_refused(const struct vmx_msrs *s, const struct vmx_msrs *d, int major, int minor, uint32_t *msr)
{
	static const uint32_t ctls[] = { MSR_VMX_TRUE_PINBASED, MSR_VMX_TRUE_PROCBASED, MSR_VMX_TRUE_EXIT,
	    MSR_VMX_TRUE_ENTRY, MSR_VMX_PROCBASED2 };
	const uint64_t basic_mask = (1ull << 49) | (1ull << 54) | (1ull << 55) | (1ull << 31) |
	    genmask(47, 45) | genmask(63, 56);
	const uint64_t misc_mask = (1ull << 5) | genmask(8, 6) | (1ull << 14) | (1ull << 15) | (1ull << 28) |
	    (1ull << 29) | (1ull << 30) | genmask(13, 9) | (1ull << 31);
	const uint64_t pin_timer = 1ull << (32 + 6);
	uint64_t a, b;
	size_t i;

	/* BASIC */
	a = vmx_msr_get(s, MSR_VMX_BASIC);
	b = vmx_msr_get(d, MSR_VMX_BASIC);
	*msr = MSR_VMX_BASIC;
	if (!within(b, a, basic_mask) || (a & (1ull << 48)) != 0 || (a & 0x7fffffffu) != (b & 0x7fffffffu) ||
	    ((b >> 32) & 0x1fffu) > ((a >> 32) & 0x1fffu))
		return 1;
	/* the TRUE controls and the secondary controls */
	for (i = 0; i < sizeof(ctls) / sizeof(ctls[0]); i++) {
		a = ctls[i] == MSR_VMX_PROCBASED2 ? vmx_msr_get(s, ctls[i]) : vmx_msr_true_ctl(s, ctls[i]);
		b = ctls[i] == MSR_VMX_PROCBASED2 ? vmx_msr_get(d, ctls[i]) : vmx_msr_true_ctl(d, ctls[i]);
		*msr = ctls[i];
		if (!within(a, b, genmask(31, 0)) || !within(b, a, genmask(63, 32)))
			return 1;
	}
	/* MISC */
	a = vmx_msr_get(s, MSR_VMX_MISC);
	b = vmx_msr_get(d, MSR_VMX_MISC);
	*msr = MSR_VMX_MISC;
	if (!within(b, a, misc_mask))
		return 1;
	if (((vmx_msr_true_ctl(s, MSR_VMX_TRUE_PINBASED) | vmx_msr_true_ctl(d, MSR_VMX_TRUE_PINBASED)) & pin_timer) &&
	    (a & 0x1f) != (b & 0x1f))
		return 1;
	if (((a >> 16) & 0x1ff) > ((b >> 16) & 0x1ff) || ((a >> 25) & 7) > ((b >> 25) & 7) || (a >> 32) != (b >> 32))
		return 1;
	/* CR0 and CR4 FIXED0 */
	*msr = MSR_VMX_CR0_FIXED0;
	if (!within(vmx_msr_get(s, MSR_VMX_CR0_FIXED0), vmx_msr_get(d, MSR_VMX_CR0_FIXED0), ~0ull))
		return 1;
	*msr = MSR_VMX_CR4_FIXED0;
	if (!within(vmx_msr_get(s, MSR_VMX_CR4_FIXED0), vmx_msr_get(d, MSR_VMX_CR4_FIXED0), ~0ull))
		return 1;
	/* EPT/VPID */
	*msr = MSR_VMX_EPT_VPID;
	if (!within(vmx_msr_get(d, MSR_VMX_EPT_VPID), vmx_msr_get(s, MSR_VMX_EPT_VPID), ~0ull))
		return 1;
	/* VMFUNC, written when the source offers VM functions */
	*msr = MSR_VMX_VMFUNC;
	if ((vmx_msr_get(s, MSR_VMX_VMFUNC) & ~vmx_msr_get(d, MSR_VMX_VMFUNC)) != 0)
		return 1;
	if ((vmx_msr_get(s, MSR_VMX_PROCBASED2) >> (32 + 13) & 1) &&
	    (major < 5 || (major == 5 && minor < 3)))
		return 2;
	return 0;
}

/* p as "migcompat emulate --kernel k" makes it; NULL when the model does not apply. */
static struct profile *
emulated(const struct profile *p, const char *k, struct kvmnested_result *res)
{
	struct kvmnested_params pp;
	struct profile *q;
	char err[256], *s;

	kvmnested_params_default(&pp);
	if (kvmnested_compute(&p->hw_msrs, k, &pp, res, err, sizeof(err)) == -1)
		return NULL;
	q = profile_new();
	s = profile_to_string(p, 0);
	if (profile_parse(s, strlen(s), q, err, sizeof(err)) == -1) {
		free(s);
		profile_free(q);
		return NULL;
	}
	free(s);
	q->vmx_raw = res->msrs;
	q->vmx_source = PROFILE_VMX_SRC_EMULATED;
	util_strlcpy(q->vmx_kernel, k, sizeof(q->vmx_kernel));
	util_strlcpy(q->kernel, k, sizeof(q->kernel));
	q->is_dump = 0;
	profile_update_hash(q);
	rules_prepare(q);
	return q;
}

/*
 * The engine's VMX answer: 1 when a reason of layer "vmx" blocks, 0 when
 * none does, -1 when a vmx reason answers unknown or reasons were cut.
 * *first gets the first blocking vmx reason's message.
 */
static int
vmx_blocks(struct json_object *o, char *first, size_t firstsize)
{
	struct json_object *a, *r, *v;
	const char *layer, *effect;
	size_t i;
	int blocks = 0, unknown = 0;

	first[0] = '\0';
	if (json_object_object_get_ex(o, "truncated", &v) && json_object_get_int(v) > 0)
		unknown = 1;
	if (!json_object_object_get_ex(o, "reasons", &a))
		return unknown ? -1 : 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		r = json_object_array_get_idx(a, i);
		layer = json_object_object_get_ex(r, "layer", &v) ? json_object_get_string(v) : "";
		effect = json_object_object_get_ex(r, "effect", &v) ? json_object_get_string(v) : "";
		if (strcmp(layer, "vmx") != 0)
			continue;
		if (strcmp(effect, "blocks") == 0) {
			if (!blocks && json_object_object_get_ex(r, "message", &v))
				util_strlcpy(first, json_object_get_string(v), firstsize);
			blocks = 1;
		} else
			unknown = 1;
	}
	return blocks ? 1 : unknown ? -1 : 0;
}

/* The releases the table names (its first and last columns), oldest first. */
static size_t
releases(char rel[][16], int *maj, int *min)
{
	size_t i, j, n = 0;
	const char *names[2];
	char err[256];
	int a, b, c, k;

	for (i = 0; i < kvmnested_table_count; i++) {
		names[0] = kvmnested_table[i].first;
		names[1] = kvmnested_table[i].last;
		for (k = 0; k < 2; k++) {
			if (names[k] == NULL || kvmnested_release(names[k], &a, &b, &c) == -1 ||
			    kvmnested_covers(names[k], err, sizeof(err)) == -1)
				continue;
			for (j = 0; j < n && !(maj[j] == a && min[j] == b); j++)
				;
			if (j < n || n == MAXREL)
				continue;
			for (j = n; j > 0 && (maj[j - 1] > a || (maj[j - 1] == a && min[j - 1] > b)); j--) {
				memcpy(rel[j], rel[j - 1], sizeof(rel[j]));
				maj[j] = maj[j - 1];
				min[j] = min[j - 1];
			}
			snprintf(rel[j], sizeof(rel[j]), "%d.%d", a, b);
			maj[j] = a;
			min[j] = b;
			n++;
		}
	}
	return n;
}

static void
show(const char *side, const struct vmx_msrs *m, uint32_t msr)
{
	tap_diag("  %s 0x%" PRIx32 " = 0x%016" PRIx64, side, msr, vmx_msr_get(m, msr));
}

int
main(void)
{
	static char rel[MAXREL][16];
	static struct kvmnested_result res[MAXREL];
	int maj[MAXREL], min[MAXREL];
	struct profile *h, *e[MAXREL];
	struct json_object *o;
	struct vmspec vm;
	char msg[512];
	size_t nrel, f, i, j, loaded = 0, compared = 0, compatible = 0, agree = 0;
	size_t unconfirmed = 0, unknown = 0, nomodel = 0, shown = 0, vmfunc_old = 0;
	size_t up = 0, up_compatible = 0;
	uint32_t msr;
	int want, got;

	nrel = releases(rel, maj, min);
	tap_ok(nrel >= 2, "the model names %zu kernel releases (%s .. %s)", nrel, nrel ? rel[0] : "-",
	    nrel ? rel[nrel - 1] : "-");
	vmspec_init(&vm, VMSPEC_NESTED);
	for (f = 0; f < NFX; f++) {
		if ((h = fixture_instlatx64(fx[f])) == NULL)
			continue;
		loaded++;
		for (i = 0; i < nrel; i++)
			e[i] = emulated(h, rel[i], &res[i]);
		for (i = 0; i < nrel; i++)
			for (j = 0; j < nrel; j++) {
				if (e[i] == NULL || e[j] == NULL) {
					nomodel++;
					continue;
				}
				if (res[i].unconfirmed != 0 || res[j].unconfirmed != 0) {
					unconfirmed++;
					continue;
				}
				want = restore_refused(&e[i]->vmx_raw, &e[j]->vmx_raw, maj[j], min[j], &msr);
				o = rules_check_json(e[i], e[j], &vm, RULES_POLICY_STRICT);
				got = vmx_blocks(o, msg, sizeof(msg));
				json_object_put(o);
				if (got == -1) {
					unknown++;
					continue;
				}
				if (want == 2) {
					if (vmfunc_old++ == 0)
						tap_diag("VMFUNC, which QEMU does not write to a release before 5.3 "
						    "(not in its MSR index list), e.g. %s %s -> %s (rules: %s)", fx[f], rel[i], rel[j],
						    got ? "block" : "accept");
					continue;
				}
				compared++;
				compatible += want == 0;
				up += j >= i;
				up_compatible += j >= i && want == 0;
				if (got == want) {
					agree++;
					continue;
				}
				if (shown++ < 10) {
					tap_diag("%s %s -> %s: kernel restore %s, rules %s%s%s", fx[f], rel[i], rel[j],
					    want ? "refuses" : "accepts", got ? "block: " : "accept", msg, "");
					if (want) {
						show("source", &e[i]->vmx_raw, msr);
						show("destination", &e[j]->vmx_raw, msr);
					}
				}
			}
		for (i = 0; i < nrel; i++)
			if (e[i] != NULL)
				profile_free(e[i]);
		profile_free(h);
	}
	tap_ok(loaded == NFX, "fixtures loaded (%zu of %zu)", loaded, NFX);
	tap_diag("%zu (H, K1, K2) triples compared, %zu compatible; left out: %zu with unconfirmed rows, "
	    "%zu unknown to the rules, %zu outside the model, %zu refused only by the pre-5.3 VMFUNC restore, which QEMU never asks there",
	    compared, compatible, unconfirmed, unknown, nomodel, vmfunc_old);
	tap_ok(compared > 0 && agree == compared,
	    "nested VMX verdicts equal KVM's restore checks: %zu of %zu triples agree (%zu compatible)",
	    agree, compared, compatible);
	tap_ok(up > 0, "K1 <= K2 (same or newer destination kernel): %zu triples, %zu compatible", up, up_compatible);
	tap_ok(compatible > 0 && compatible < compared, "both verdicts occur (%zu compatible, %zu not; K1 > K2: "
	    "%zu, %zu compatible)", compatible, compared - compatible, compared - up, compatible - up_compatible);
	return tap_done();
}
