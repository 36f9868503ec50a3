/*
 * cpuout.c - a baseline's CPU in the QEMU and libvirt spellings of given
 * releases.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "cpuidfeat.h"
#include "cpunames.h"
#include "cpuout.h"
#include "jbuf.h"
#include "log.h"
#include "msrfeat.h"
#include "profile.h"
#include "util.h"
#include "vmcpu.h"
#include "vmxbits.h"
#include "xmalloc.h"

/* Longest list of names quoted in a note. */
#define CPUOUT_NOTE_MAX	900

/* What one rendering works from. */
struct cpuout_in {
	const char *qemu;		/* release, NULL newest */
	const char *libvirt;
	int amd, nested;
	struct cpunames_set decide;	/* entries the baseline decides on */
	struct cpunames_set want;	/* those on, dependencies applied */
	struct cpunames_set dropped;	/* on in the hosts, off for a missing dependency */
};

static const char *
cpuout_rel(const char *v)
{
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
cpuout_pick(const char *cand, const char *from, char *ver, size_t versize, char *vfrom, size_t fromsize)
{
	if (cand == NULL || cand[0] == '\0')
		return;
	if (ver[0] != '\0' && cpunames_vercmp(cand, ver) >= 0)
		return;
	util_strlcpy(ver, cand, versize);
	util_strlcpy(vfrom, from, fromsize);
}

void
cpuout_versions_pick(const struct profile *const *hosts, size_t n, const struct cpuout_clients *cl,
    struct cpuout_versions *out)
{
	int q_missing = 0, l_missing = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const struct profile *p = hosts[i];
		int ok = profile_layer_ok(&p->libvirt);

		if (ok && p->lv.qemu_version[0] != '\0')
			cpuout_pick(p->lv.qemu_version, "hosts", out->qemu, sizeof(out->qemu), out->qemu_from,
			    sizeof(out->qemu_from));
		else
			q_missing = 1;
		if (ok && p->lv.libvirt_version[0] != '\0')
			cpuout_pick(p->lv.libvirt_version, "hosts", out->libvirt, sizeof(out->libvirt),
			    out->libvirt_from, sizeof(out->libvirt_from));
		else
			l_missing = 1;
	}
	if (q_missing && cl != NULL && cl->qemu != NULL)
		cpuout_pick(cl->qemu, cl->qemu_from != NULL ? cl->qemu_from : "option", out->qemu,
		    sizeof(out->qemu), out->qemu_from, sizeof(out->qemu_from));
	if (l_missing && cl != NULL && cl->libvirt != NULL)
		cpuout_pick(cl->libvirt, cl->libvirt_from != NULL ? cl->libvirt_from : "option", out->libvirt,
		    sizeof(out->libvirt), out->libvirt_from, sizeof(out->libvirt_from));
	if (out->qemu[0] == '\0')
		util_strlcpy(out->qemu_from, "tables", sizeof(out->qemu_from));
	if (out->libvirt[0] == '\0')
		util_strlcpy(out->libvirt_from, "tables", sizeof(out->libvirt_from));
}

static void
cpuout_note(struct json_object *notes, const char *s)
{
	if (notes != NULL)
		json_object_array_add(notes, json_object_new_string(s));
}

struct json_object *
cpuout_versions_json(const struct cpuout_versions *v, struct json_object *notes)
{
	struct json_object *o = json_object_new_object();
	char buf[160];

	if (v->qemu[0] == '\0' || v->libvirt[0] == '\0') {
		snprintf(buf, sizeof(buf), "no QEMU or libvirt release known for these hosts: the CPU is "
		    "rendered for the newest the tables cover (QEMU %s, libvirt %s)",
		    v->qemu[0] != '\0' ? v->qemu : CPUNAMES_QEMU_NEWEST,
		    v->libvirt[0] != '\0' ? v->libvirt : CPUNAMES_LIBVIRT_NEWEST);
		cpuout_note(notes, buf);
	}
	json_object_object_add(o, "qemu", json_object_new_string(v->qemu[0] != '\0' ? v->qemu :
	    CPUNAMES_QEMU_NEWEST));
	json_object_object_add(o, "qemu_from", json_object_new_string(v->qemu_from));
	json_object_object_add(o, "libvirt", json_object_new_string(v->libvirt[0] != '\0' ? v->libvirt :
	    CPUNAMES_LIBVIRT_NEWEST));
	json_object_object_add(o, "libvirt_from", json_object_new_string(v->libvirt_from));
	return o;
}

/* 1 if the baseline decides entry e: a bit its layers intersect. */
static int
cpuout_decides(const struct profile *b, const struct cpuout_in *in, const struct cpunames_entry *e)
{
	const struct cpuidfeat_entry *f;
	const struct msrfeat_entry *m;

	if (strcmp(e->kind, "cpuid") == 0) {
		if (e->qemu != NULL && strcmp(e->qemu, "vmx") == 0)
			return !in->amd;
		if (e->qemu != NULL && strcmp(e->qemu, "svm") == 0)
			return in->amd;
		if (!profile_layer_ok(&b->cpuid) || (e->index >= 0x40000000u && e->index < 0x80000000u))
			return 0;
		f = cpuidfeat_lookup(e->index, e->subleaf, cpuidfeat_reg_index(e->reg), e->bit);
		return f != NULL && (in->nested || strcmp(f->scope, "nested") != 0);
	}
	if (strcmp(e->kind, "msr") == 0)
		return profile_layer_ok(&b->feature_msrs) && (m = msrfeat_lookup(e->index, e->bit)) != NULL &&
		    m->width == 1;
	if (strcmp(e->kind, "vmx") == 0)
		return in->nested && !in->amd && profile_layer_ok(&b->vmx) &&
		    vmxbits_lookup(e->index, e->bit) != NULL;
	return 0;
}

static void
cpuout_prepare(const struct profile *b, enum vmspec_scenario sc, const struct cpuout_versions *v,
    struct cpuout_in *in)
{
	struct cpunames_set have;
	size_t i;

	memset(in, 0, sizeof(*in));
	in->qemu = cpuout_rel(v->qemu);
	in->libvirt = cpuout_rel(v->libvirt);
	in->amd = strcmp(b->cpu.vendor, "AuthenticAMD") == 0 || strcmp(b->cpu.vendor, "HygonGenuine") == 0;
	in->nested = sc != VMSPEC_PLAIN;
	vmcpu_profile_set(b, &have);
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];
		int on;

		if (!cpuout_decides(b, in, e))
			continue;
		cpunames_set_add(&in->decide, e);
		on = cpunames_set_has(&have, e);
		/* vmx only for nested guests; svm also only where every host has it. */
		if (e->qemu != NULL && strcmp(e->qemu, "vmx") == 0)
			on = in->nested;
		else if (e->qemu != NULL && strcmp(e->qemu, "svm") == 0)
			on = on && in->nested;
		if (on)
			cpunames_set_add(&in->want, e);
	}
	cpunames_dep_closure(&in->want, in->qemu, &in->dropped);
}

/* Append name to a comma list in buf (bounded; "..." once full). */
static void
cpuout_list_add(char *buf, size_t bufsize, const char *name)
{
	size_t len = strlen(buf);

	if (len > 0 && strcmp(buf + len - 3, "...") == 0)
		return;
	if (len + strlen(name) + 6 >= bufsize) {
		util_strlcpy(buf + len, len > 0 ? ", ..." : "...", bufsize - len);
		return;
	}
	snprintf(buf + len, bufsize - len, "%s%s", len > 0 ? ", " : "", name);
}

/* 1 if name was already handled (names[0..*n)), else remembers it. */
static int
cpuout_seen(const char ***names, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return 1;
	*names = xreallocarray(*names, *n + 1, sizeof(**names));
	(*names)[(*n)++] = name;
	return 0;
}

/* 1 if every decided entry QEMU's property of e's name sets is in s. */
static int
cpuout_all_on(const struct cpuout_in *in, const struct cpunames_set *s, const struct cpunames_entry *e)
{
	size_t i;

	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *o = &cpunames_table[i];

		if (o->qemu == NULL || strcmp(o->qemu, e->qemu) != 0 || !cpunames_set_has(&in->decide, o))
			continue;
		if (!cpunames_set_has(s, o))
			return 0;
	}
	return 1;
}

/* Notes on what the hosts share that the rendering leaves out. */
static void
cpuout_dropped_note(const struct cpuout_in *in, struct json_object *notes)
{
	char list[CPUOUT_NOTE_MAX] = "", buf[CPUOUT_NOTE_MAX + 160];
	size_t i;

	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++)
		if (cpunames_set_has(&in->dropped, &cpunames_table[i]) && cpunames_table[i].qemu != NULL)
			cpuout_list_add(list, sizeof(list), cpunames_table[i].qemu);
	if (list[0] == '\0')
		return;
	snprintf(buf, sizeof(buf), "left off because a feature they depend on is off (QEMU would drop "
	    "them): %s", list);
	cpuout_note(notes, buf);
}

char *
cpuout_qemu(const struct profile *b, enum vmspec_scenario sc, const struct cpuout_versions *v,
    struct json_object *notes)
{
	char lost[CPUOUT_NOTE_MAX] = "", buf[CPUOUT_NOTE_MAX + 160];
	const char **seen = NULL, *q;
	struct cpuout_in in;
	struct jbuf out;
	size_t i, nseen = 0;

	cpuout_prepare(b, sc, v, &in);
	jbuf_init(&out);
	jbuf_puts(&out, in.amd ? "qemu64" : "kvm64");
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (!cpunames_set_has(&in.decide, e) || e->qemu == NULL)
			continue;
		if ((q = cpunames_qemu_name(e, in.qemu)) == NULL) {
			if (cpunames_set_has(&in.want, e))
				cpuout_list_add(lost, sizeof(lost), e->qemu);
			continue;
		}
		if (cpuout_seen(&seen, &nseen, q))
			continue;
		jbuf_printf(&out, ",%c%s", cpuout_all_on(&in, &in.want, e) ? '+' : '-', q);
	}
	free(seen);
	if (sc == VMSPEC_EVMCS || sc == VMSPEC_EVMCS_PV)
		jbuf_puts(&out, ",hv-vapic=on,hv-evmcs=on");
	if (lost[0] != '\0') {
		snprintf(buf, sizeof(buf), "QEMU %s has no name for what every host has here (the guest "
		    "runs without it): %s", in.qemu != NULL ? in.qemu : CPUNAMES_QEMU_NEWEST, lost);
		cpuout_note(notes, buf);
	}
	cpuout_dropped_note(&in, notes);
	return jbuf_steal(&out, NULL);
}

/* The libvirt name of e for the releases of in, or NULL if either client lacks the name. */
static const char *
cpuout_lvname(const struct cpuout_in *in, const struct cpunames_entry *e)
{
	if (e->qemu == NULL || cpunames_qemu_name(e, in->qemu) == NULL)
		return NULL;
	return cpunames_libvirt_name(e, in->libvirt);
}

/*
 * The CPU QEMU builds from model name with every nameable decided feature
 * listed as in->want, and vmx on.  0, or -1 if a client lacks the model.
 */
static int
cpuout_model_cpu(const struct cpuout_in *in, const char *name, struct cpunames_set *out)
{
	struct cpunames_set lv;
	size_t i;

	if (cpunames_qemu_model(name, in->qemu, NULL) == NULL ||
	    cpunames_libvirt_model_features(name, in->libvirt, &lv, NULL) == -1 ||
	    cpunames_qemu_model_features(name, in->qemu, out) == -1)
		return -1;
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (!cpunames_set_has(&in->decide, e) || cpuout_lvname(in, e) == NULL)
			continue;
		if (cpunames_set_has(&in->want, e))
			cpunames_set_add(out, e);
		else
			cpunames_set_del(out, e);
	}
	cpunames_dep_closure(out, in->qemu, NULL);
	return 0;
}

/* 1 if every decided entry of cpu is in in->want; *nvmx gets its VMX count. */
static int
cpuout_within(const struct cpuout_in *in, const struct cpunames_set *cpu, size_t *nvmx)
{
	size_t i;

	*nvmx = 0;
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (!cpunames_set_has(cpu, e) || !cpunames_set_has(&in->decide, e))
			continue;
		if (!cpunames_set_has(&in->want, e))
			return 0;
		if (strcmp(e->kind, "vmx") == 0)
			(*nvmx)++;
	}
	return 1;
}

/*
 * The Intel model known to both clients whose CPU, as listed, stays within
 * the baseline and keeps the most VMX controls; "kvm64" if none has any.
 * *cpu gets the CPU it gives.
 */
static const char *
cpuout_vmx_model(const struct cpuout_in *in, struct cpunames_set *cpu)
{
	const char *best = "kvm64", *name;
	struct cpunames_set c;
	size_t i, k, n, best_n = 0;

	if (cpuout_model_cpu(in, best, cpu) == -1)
		cpunames_set_clear(cpu);
	for (i = 0; i < cpunames_qmodels_count; i++) {
		const struct cpunames_qmodel *m = &cpunames_qmodels[i];

		if (m->vendor == NULL || strcmp(m->vendor, "Intel") != 0)
			continue;
		for (k = 0; k < 2; k++) {
			name = k == 0 ? (m->version == 1 ? m->model : NULL) : m->alias;
			if (name == NULL || cpuout_model_cpu(in, name, &c) == -1)
				continue;
			if (cpuout_within(in, &c, &n) && n > best_n) {
				best = name;
				best_n = n;
				*cpu = c;
			}
		}
	}
	return best;
}

/* Set attribute name of node to value (libxml2 escapes it when written). */
static void
cpuout_prop(xmlNodePtr node, const char *name, const char *value)
{
	if (xmlNewProp(node, BAD_CAST name, BAD_CAST value) == NULL)
		fatalx("out of memory writing the libvirt <cpu>");
}

char *
cpuout_libvirt(const struct profile *b, enum vmspec_scenario sc, const struct cpuout_versions *v,
    struct json_object *notes)
{
	char lost[CPUOUT_NOTE_MAX] = "", buf[CPUOUT_NOTE_MAX + 300];
	const char **seen = NULL, *name, *model;
	const char *lvrel;
	struct cpunames_set cpu;
	struct cpuout_in in;
	xmlNodePtr root, node;
	xmlBufferPtr xb;
	char *text;
	size_t i, nseen = 0, nlost = 0;
	int via_model;

	cpuout_prepare(b, sc, v, &in);
	lvrel = in.libvirt != NULL ? in.libvirt : CPUNAMES_LIBVIRT_NEWEST;
	via_model = in.nested && !in.amd && !cpunames_libvirt_knows("vmx-ept", in.libvirt);
	model = in.amd ? "qemu64" : "kvm64";
	if (via_model)
		model = cpuout_vmx_model(&in, &cpu);
	/* libxml2 builds and escapes the element; xmalloc's rule: no memory, no answer. */
	if ((root = xmlNewNode(NULL, BAD_CAST "cpu")) == NULL)
		fatalx("out of memory writing the libvirt <cpu>");
	cpuout_prop(root, "mode", "custom");
	cpuout_prop(root, "match", "exact");
	cpuout_prop(root, "check", "full");
	if ((node = xmlNewTextChild(root, NULL, BAD_CAST "model", BAD_CAST model)) == NULL)
		fatalx("out of memory writing the libvirt <cpu>");
	cpuout_prop(node, "fallback", "forbid");
	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (!cpunames_set_has(&in.decide, e))
			continue;
		if ((name = cpuout_lvname(&in, e)) == NULL) {
			/* Through a model: lost only if the model does not give it. */
			/* Bits QEMU has no name for (EPT UC/WB) follow the host: not lost. */
			if (e->qemu != NULL && cpunames_set_has(&in.want, e) &&
			    (!via_model || !cpunames_set_has(&cpu, e))) {
				cpuout_list_add(lost, sizeof(lost), e->libvirt != NULL ? e->libvirt : e->qemu);
				nlost++;
			}
			continue;
		}
		if (cpuout_seen(&seen, &nseen, name))
			continue;
		if ((node = xmlNewChild(root, NULL, BAD_CAST "feature", NULL)) == NULL)
			fatalx("out of memory writing the libvirt <cpu>");
		cpuout_prop(node, "policy", (cpunames_set_has(&in.want, e) ? "require" : "disable"));
		cpuout_prop(node, "name", name);
	}
	free(seen);
	/* Indented by two spaces a level, one element a line, ending in a newline. */
	if ((xb = xmlBufferCreate()) == NULL || xmlNodeDump(xb, NULL, root, 0, 1) < 0)
		fatalx("out of memory writing the libvirt <cpu>");
	xmlFreeNode(root);
	text = xmalloc((size_t)xmlBufferLength(xb) + 2);
	memcpy(text, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	memcpy(text + xmlBufferLength(xb), "\n", 2);
	xmlBufferFree(xb);
	if (via_model) {
		snprintf(buf, sizeof(buf), "libvirt %s cannot name VMX controls (vmx-*): the <cpu> uses "
		    "model %s, whose own VMX controls QEMU gives the guest with vmx, all within the baseline",
		    lvrel, model);
		cpuout_note(notes, buf);
	}
	if (lost[0] != '\0') {
		snprintf(buf, sizeof(buf), "the libvirt <cpu> loses %zu feature(s) every host has, which "
		    "libvirt %s or QEMU %s cannot name%s: %s", nlost, lvrel,
		    in.qemu != NULL ? in.qemu : CPUNAMES_QEMU_NEWEST,
		    via_model ? " and the model does not give" : "", lost);
		cpuout_note(notes, buf);
	}
	return text;
}
