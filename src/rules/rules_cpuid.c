/*
 * rules_cpuid.c - the CPUID layer: vendor, and the feature flags of
 * data/cpuid-features.tsv (flags only, never numeric fields).  On AMD hosts
 * nested SVM is judged here too, from CPUID 0x8000000a.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpuidfeat.h"
#include "cpunames.h"
#include "msrfeat.h"
#include "rules_priv.h"
#include "vmcpu.h"

/*
 * The word index of a table entry: words are the distinct (leaf, subleaf,
 * register) triples in table order, so every prep numbers them alike.
 * keys holds the triples seen so far.  Returns -1 when there are too many.
 */
static int
rules_cpuid_word(const struct cpuidfeat_entry *e, uint32_t keys[][3], uint8_t *nwords)
{
	uint32_t reg = (uint32_t)cpuidfeat_reg_index(e->reg);
	int i;

	for (i = 0; i < *nwords; i++)
		if (keys[i][0] == e->leaf && keys[i][1] == e->subleaf && keys[i][2] == reg)
			return i;
	if (*nwords >= RULES_CPUID_WORDS)
		return -1;
	keys[*nwords][0] = e->leaf;
	keys[*nwords][1] = e->subleaf;
	keys[*nwords][2] = reg;
	return (*nwords)++;
}

/* The value of a CPUID register, 0 when the leaf is absent. */
static uint32_t
rules_cpuid_reg(const struct profile *p, uint32_t leaf, uint32_t subleaf, int reg)
{
	const struct profile_cpuid *e = profile_cpuid_find(p, 0, leaf, subleaf);

	if (e == NULL)
		return 0;
	switch (reg) {
	case 0:
		return e->eax;
	case 1:
		return e->ebx;
	case 2:
		return e->ecx;
	default:
		return e->edx;
	}
}

void
rules_cpuid_prepare(const struct profile *p, struct rules_prep *out)
{
	uint32_t keys[RULES_CPUID_WORDS][3];
	uint32_t have[RULES_CPUID_WORDS];
	size_t i;
	int w;

	if (strcmp(p->cpu.vendor, "GenuineIntel") == 0)
		out->vendor = RULES_VENDOR_INTEL;
	else if (strcmp(p->cpu.vendor, "AuthenticAMD") == 0 || strcmp(p->cpu.vendor, "HygonGenuine") == 0)
		out->vendor = RULES_VENDOR_AMD;
	else if (p->cpu.vendor[0] != '\0')
		out->vendor = RULES_VENDOR_OTHER;
	else
		out->vendor = profile_layer_ok(&p->vmx) ? RULES_VENDOR_INTEL : RULES_VENDOR_UNKNOWN;

	out->has_cpuid = profile_layer_ok(&p->cpuid) ? 1 : 0;
	out->nwords = 0;
	memset(have, 0, sizeof(have));
	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

		if ((w = rules_cpuid_word(e, keys, &out->nwords)) < 0)
			continue;
		if (strcmp(e->scope, "nested") == 0)
			out->cpuid_nested[w] |= 1u << e->bit;
		if (!have[w] && out->has_cpuid) {
			out->cpuid[w] = rules_cpuid_reg(p, e->leaf, e->subleaf, (int)keys[w][2]);
			have[w] = 1;
		}
	}
	/* Keep only the flags the table knows: never numeric fields. */
	for (w = 0; w < out->nwords; w++) {
		uint32_t known = 0;

		for (i = 0; i < cpuidfeat_table_count; i++) {
			const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

			if (e->leaf == keys[w][0] && e->subleaf == keys[w][1] &&
			    (uint32_t)cpuidfeat_reg_index(e->reg) == keys[w][2])
				known |= 1u << e->bit;
		}
		out->cpuid[w] &= known;
	}
}

/* The table key of word w (the first entry of that word). */
static const struct cpuidfeat_entry *
rules_cpuid_word_entry(int w)
{
	uint32_t keys[RULES_CPUID_WORDS][3];
	uint8_t n = 0;
	size_t i;

	for (i = 0; i < cpuidfeat_table_count; i++)
		if (rules_cpuid_word(&cpuidfeat_table[i], keys, &n) == w)
			return &cpuidfeat_table[i];
	return NULL;
}

/* The word index of an entry. */
static int
rules_cpuid_word_of(const struct cpuidfeat_entry *e)
{
	uint32_t keys[RULES_CPUID_WORDS][3];
	uint8_t n = 0;
	size_t i;

	for (i = 0; i < cpuidfeat_table_count; i++) {
		int w = rules_cpuid_word(&cpuidfeat_table[i], keys, &n);

		if (&cpuidfeat_table[i] == e)
			return w;
	}
	return -1;
}

/* Reasons for each bit of bits in word w. */
static int
rules_cpuid_bits(struct rules_ctx *c, uint8_t rule, int w, uint32_t bits, uint64_t src, uint64_t dst,
    const char *feature)
{
	const struct cpuidfeat_entry *k = rules_cpuid_word_entry(w);
	struct rules_reason r;
	unsigned b;

	if (k == NULL)
		return 0;
	for (b = 0; bits != 0; b++, bits >>= 1) {
		if ((bits & 1) == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.layer = RULES_LAYER_CPUID;
		r.rule = rule;
		r.blocking = 1;
		r.side = c->srcp != NULL ? RULES_SIDE_BOTH : RULES_SIDE_DST;
		r.msr = k->leaf;
		r.sub = k->subleaf;
		r.reg = (uint8_t)cpuidfeat_reg_index(k->reg);
		r.bit = (int16_t)b;
		r.src = src;
		r.dst = dst;
		r.ref = cpuidfeat_lookup(k->leaf, k->subleaf, r.reg, b);
		if (r.ref == NULL)
			r.ref = feature;
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

/* A reason without a bit. */
static int
rules_cpuid_note(struct rules_ctx *c, uint8_t rule, int blocking, uint8_t side, const void *ref)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_CPUID;
	r.rule = rule;
	r.blocking = (uint8_t)blocking;
	r.side = side;
	r.bit = -1;
	r.ref = ref;
	return rules_add(c, &r);
}

/*
 * The table entry of a CPUID feature name in any QEMU, libvirt or Linux
 * spelling ("pclmuldq", "tsc_adjust"), or NULL.
 */
static const struct cpuidfeat_entry *
rules_cpuid_entry(const char *name)
{
	const struct cpuidfeat_entry *e = cpuidfeat_find(name);
	const struct cpunames_entry *n;

	if (e != NULL || (n = cpunames_find(name)) == NULL || strcmp(n->kind, "cpuid") != 0)
		return e;
	return cpuidfeat_lookup(n->index, n->subleaf, cpuidfeat_reg_index(n->reg), n->bit);
}

/*
 * Every CPU feature the VM names (vmx-* and feature-MSR bits too) must have
 * a name in the destination's QEMU and libvirt releases, as its libvirt
 * layer records them: either refuses to start a VM naming what it does
 * not know.  Features the spec did not name (dependencies) are not asked.
 */
static int
rules_cpuid_names(struct rules_ctx *c)
{
	const struct profile *dp = c->dstp;
	const struct cpunames_entry *e;
	struct rules_reason r;
	const char *q, *l;
	size_t i;

	if (!profile_layer_ok(&dp->libvirt))
		return 0;
	q = dp->lv.qemu_version[0] != '\0' ? dp->lv.qemu_version : NULL;
	l = dp->lv.libvirt_version[0] != '\0' ? dp->lv.libvirt_version : NULL;
	for (i = 0; (q != NULL || l != NULL) && i < c->vm->n_features; i++) {
		const struct vmspec_feature *f = &c->vm->features[i];

		if (f->policy == VMSPEC_POLICY_DEPENDENCY || (e = cpunames_find(f->name)) == NULL)
			continue;
		/* r.src says which client lacks the name: 1 QEMU, 2 libvirt. */
		memset(&r, 0, sizeof(r));
		if (q != NULL && e->qemu != NULL && cpunames_qemu_name(e, q) == NULL)
			r.src = 1;
		else if (l != NULL && e->libvirt != NULL && cpunames_libvirt_name(e, l) == NULL)
			r.src = 2;
		else
			continue;
		r.layer = RULES_LAYER_CPUID;
		r.rule = RULES_R_FEATURE_NAME;
		r.blocking = 1;
		r.side = RULES_SIDE_DST;
		r.bit = -1;
		r.ref = f->name;
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

/*
 * A custom CPU's named model: its flags as QEMU of the source's release
 * builds it (the version the machine type selects, the spec's features on
 * and off, feature_dependencies[] applied) go to req.  Returns 0, or -1
 * when there is no model or the tables do not know it.
 */
static int
rules_cpuid_model(const struct rules_ctx *c, uint32_t *req, int nwords)
{
	const struct cpuidfeat_entry *e;
	struct vmcpu cpu;
	size_t i;
	int w;

	if (c->vm->cpu_model[0] == '\0')
		return -1;
	vmcpu_compute_src(c->vm, c->srcp, &cpu);
	if (!cpu.model_known)
		return -1;
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *n = &cpunames_table[i];

		if (strcmp(n->kind, "cpuid") != 0 || !cpunames_set_has(&cpu.on, n))
			continue;
		/* Intel CPUs report SYSCALL only in 64-bit mode: a 32-bit dump shows it clear. */
		if (c->dstp->is_dump && n->qemu != NULL && strcmp(n->qemu, "syscall") == 0)
			continue;
		e = cpuidfeat_lookup(n->index, n->subleaf, cpuidfeat_reg_index(n->reg), n->bit);
		if (e != NULL && (w = rules_cpuid_word_of(e)) >= 0 && w < nwords)
			req[w] |= 1u << e->bit;
	}
	return 0;
}

int
rules_cpuid_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	uint32_t req[RULES_CPUID_WORDS], off[RULES_CPUID_WORDS], forbid[RULES_CPUID_WORDS], viol;
	const struct cpuidfeat_entry *e;
	const struct vmspec *vm = c->vm;
	int w, from_src, any_required = 0;
	size_t i;

	if (rules_cpuid_names(c))
		return 1;
	/* Which flags the VM needs: all of the source's, or what the spec lists. */
	from_src = s != NULL && vm->cpu_mode != VMSPEC_CPU_CUSTOM;
	memset(req, 0, sizeof(req));
	memset(off, 0, sizeof(off));
	memset(forbid, 0, sizeof(forbid));
	/* A custom model's own flags, where the destination's CPUID is known. */
	if (vm->cpu_mode == VMSPEC_CPU_CUSTOM && d->has_cpuid && rules_cpuid_model(c, req, RULES_CPUID_WORDS) == 0)
		any_required = 1;
	else if (s != NULL && vm->cpu_mode == VMSPEC_CPU_CUSTOM)
		c->not_checked |= RULES_NC_CPU_MODEL;
	for (i = 0; i < vm->n_features; i++) {
		const char *name = vm->features[i].name;

		if (strncmp(name, "vmx-", 4) == 0 || strncmp(name, "hv-", 3) == 0)
			continue;
		if ((e = rules_cpuid_entry(name)) == NULL || (w = rules_cpuid_word_of(e)) < 0) {
			/*
			 * Feature-MSR bits are the feature_msrs layer's (rules_msr.c);
			 * other names the tables know have no bit compared here.
			 */
			if (e == NULL && (msrfeat_find(name) != NULL || cpunames_find(name) != NULL))
				continue;
			if (vm->features[i].enabled &&
			    rules_cpuid_note(c, RULES_R_FEATURE_UNKNOWN, 0, RULES_SIDE_NONE, name))
				return 1;
			continue;
		}
		if (vm->features[i].enabled) {
			req[w] |= 1u << e->bit;
			any_required = 1;
		} else {
			off[w] |= 1u << e->bit;
			req[w] &= ~(1u << e->bit);
			/* libvirt refuses to start a VM on a host that has a forbidden feature. */
			if (vm->features[i].policy == VMSPEC_POLICY_FORBID) {
				forbid[w] |= 1u << e->bit;
				any_required = 1;
			}
		}
	}

	if (!d->has_cpuid || (from_src && !s->has_cpuid)) {
		if (d->has_cpuid || (s != NULL && s->has_cpuid) || (!from_src && any_required))
			return rules_cpuid_note(c, RULES_R_LAYER_MISSING, 0,
			    !d->has_cpuid ? RULES_SIDE_DST : RULES_SIDE_SRC, NULL);
		c->not_checked |= RULES_NC_CPUID;
		return 0;
	}
	if (!any_required && !from_src)
		return 0;

	for (w = 0; w < d->nwords; w++) {
		if (from_src) {
			viol = s->cpuid[w] & ~off[w] & ~d->cpuid[w];
			if (!vm->nested)
				viol &= ~s->cpuid_nested[w];
			if (viol != 0 && rules_cpuid_bits(c, RULES_R_CPUID_MISSING, w, viol, s->cpuid[w],
			    d->cpuid[w], NULL))
				return 1;
			viol = req[w] & ~s->cpuid[w] & ~d->cpuid[w];
		} else {
			viol = req[w] & ~d->cpuid[w];
		}
		if (viol != 0 && rules_cpuid_bits(c, RULES_R_CPUID_REQUIRED, w, viol,
		    s != NULL ? s->cpuid[w] : 0, d->cpuid[w], NULL))
			return 1;
		viol = forbid[w] & d->cpuid[w];
		if (viol != 0 && rules_cpuid_bits(c, RULES_R_CPUID_FORBIDDEN, w, viol,
		    s != NULL ? s->cpuid[w] : 0, d->cpuid[w], NULL))
			return 1;
	}
	return 0;
}

int
rules_cpuid_vendor(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	struct rules_reason r;

	if (s == NULL || c->srcp == NULL || c->srcp->cpu.vendor[0] == '\0' || c->dstp->cpu.vendor[0] == '\0' ||
	    strcmp(c->srcp->cpu.vendor, c->dstp->cpu.vendor) == 0) {
		/* Without vendor strings, a VMX host against an SVM one still differs. */
		if (s == NULL || s->vendor == RULES_VENDOR_UNKNOWN || d->vendor == RULES_VENDOR_UNKNOWN ||
		    s->vendor == d->vendor)
			return 0;
	}
	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_CPUID;
	r.rule = RULES_R_VENDOR;
	r.blocking = 1;
	r.side = RULES_SIDE_BOTH;
	r.bit = -1;
	return rules_add(c, &r);
}

const char *
rules_cpuid_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	char bit[160];

	switch (r->rule) {
	case RULES_R_VENDOR:
		snprintf(buf, bufsize, "CPU vendor: %s on source, %s on destination; live migration across "
		    "CPU vendors is impossible",
		    c->srcp != NULL && c->srcp->cpu.vendor[0] != '\0' ? c->srcp->cpu.vendor : "VMX host",
		    c->dstp->cpu.vendor[0] != '\0' ? c->dstp->cpu.vendor : "VMX host");
		break;
	case RULES_R_CPUID_MISSING:
		snprintf(buf, bufsize, "CPUID: %s on source, not on destination",
		    rules_explain_cpuidbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_CPUID_REQUIRED:
		snprintf(buf, bufsize, "CPUID: %s is required by the VM, not on destination",
		    rules_explain_cpuidbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_CPUID_FORBIDDEN:
		snprintf(buf, bufsize, "CPUID: %s is forbidden by the VM (policy forbid) and present on the "
		    "destination, where libvirt refuses to start it", rules_explain_cpuidbit(r, bit, sizeof(bit)));
		break;
	case RULES_R_FEATURE_NAME:
		snprintf(buf, bufsize, "CPU feature \"%s\": the destination's %s %s has no such name and "
		    "refuses to start the VM", (const char *)r->ref, r->src == 1 ? "QEMU" : "libvirt",
		    r->src == 1 ? c->dstp->lv.qemu_version : c->dstp->lv.libvirt_version);
		break;
	case RULES_R_FEATURE_UNKNOWN:
		snprintf(buf, bufsize, "CPUID: the VM requires \"%s\", which migcompat cannot map to a CPUID "
		    "flag", (const char *)r->ref);
		break;
	default:
		return NULL;
	}
	return buf;
}
