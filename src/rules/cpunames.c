/*
 * cpunames.c - look-ups in the QEMU/libvirt CPU name, dependency, model and
 * machine-type tables.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cpunames.h"
#include "util.h"

/* Longest feature name or model name the tables hold, with room to spare. */
#define CPUNAMES_NAME_MAX	96

static unsigned long
cpunames_num(const char **p)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)**p))
		return 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (unsigned long)(**p - '0');
		(*p)++;
	}
	return v;
}

int
cpunames_vercmp(const char *a, const char *b)
{
	unsigned long am, an = 0, bm, bn = 0;

	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	am = cpunames_num(&a);
	if (*a == '.') {
		a++;
		an = cpunames_num(&a);
	}
	bm = cpunames_num(&b);
	if (*b == '.') {
		b++;
		bn = cpunames_num(&b);
	}
	if (am != bm)
		return am < bm ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	return 0;
}

/* 1 if since is set and not newer than release (NULL release: newest). */
static int
cpunames_since_ok(const char *since, const char *release)
{
	return since != NULL && cpunames_vercmp(since, release) <= 0;
}

/* 1 if name matches s (exactly, or loosely if loose). */
static int
cpunames_match(const char *s, const char *name, int loose)
{
	if (s == NULL)
		return 0;
	return loose ? util_name_eq(s, name) : strcmp(s, name) == 0;
}

/* 1 if the comma-separated list has name (exactly, or loosely). */
static int
cpunames_list_has(const char *list, const char *name, int loose)
{
	char buf[CPUNAMES_NAME_MAX];
	const char *p, *end;
	size_t len;

	if (list == NULL)
		return 0;
	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || len >= sizeof(buf))
			continue;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (cpunames_match(buf, name, loose))
			return 1;
	}
	return 0;
}

const struct cpunames_entry *
cpunames_find(const char *name)
{
	int loose;
	size_t i;

	if (name == NULL || *name == '\0')
		return NULL;
	for (loose = 0; loose < 2; loose++) {
		for (i = 0; i < cpunames_table_count; i++) {
			const struct cpunames_entry *e = &cpunames_table[i];

			if (cpunames_match(e->qemu, name, loose) || cpunames_match(e->libvirt, name, loose) ||
			    cpunames_list_has(e->qemu_aliases, name, loose) ||
			    cpunames_list_has(e->libvirt_aliases, name, loose))
				return e;
		}
	}
	return NULL;
}

const struct cpunames_entry *
cpunames_lookup(const char *kind, uint32_t index, uint32_t subleaf, const char *reg, unsigned bit)
{
	int cpuid = strcmp(kind, "cpuid") == 0;
	size_t i;

	for (i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];
		int e_cpuid = e->reg != NULL;

		if (e->index != index || e->bit != bit)
			continue;
		if (cpuid) {
			if (e_cpuid && e->subleaf == subleaf && reg != NULL && strcmp(e->reg, reg) == 0)
				return e;
		} else if (!e_cpuid && (strcmp(e->kind, kind) == 0 || strcmp(e->kind, "none") == 0)) {
			return e;
		}
	}
	return NULL;
}

size_t
cpunames_index(const struct cpunames_entry *e)
{
	return (size_t)(e - cpunames_table);
}

const char *
cpunames_qemu_name(const struct cpunames_entry *e, const char *qemu_release)
{
	return cpunames_since_ok(e->qemu_since, qemu_release) ? e->qemu : NULL;
}

const char *
cpunames_libvirt_name(const struct cpunames_entry *e, const char *libvirt_release)
{
	return cpunames_since_ok(e->libvirt_since, libvirt_release) ? e->libvirt : NULL;
}

int
cpunames_qemu_knows(const char *name, const char *qemu_release)
{
	size_t i;

	for (i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if ((cpunames_match(e->qemu, name, 0) || cpunames_list_has(e->qemu_aliases, name, 0)) &&
		    cpunames_since_ok(e->qemu_since, qemu_release))
			return 1;
	}
	return 0;
}

int
cpunames_libvirt_knows(const char *name, const char *libvirt_release)
{
	size_t i;

	for (i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if ((cpunames_match(e->libvirt, name, 0) || cpunames_list_has(e->libvirt_aliases, name, 0)) &&
		    cpunames_since_ok(e->libvirt_since, libvirt_release))
			return 1;
	}
	return 0;
}

void
cpunames_set_clear(struct cpunames_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
cpunames_set_add(struct cpunames_set *s, const struct cpunames_entry *e)
{
	size_t i = cpunames_index(e);

	if (i < CPUNAMES_SET_MAX)
		s->w[i / 64] |= UINT64_C(1) << (i % 64);
}

void
cpunames_set_del(struct cpunames_set *s, const struct cpunames_entry *e)
{
	size_t i = cpunames_index(e);

	if (i < CPUNAMES_SET_MAX)
		s->w[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

int
cpunames_set_has(const struct cpunames_set *s, const struct cpunames_entry *e)
{
	size_t i = cpunames_index(e);

	return i < CPUNAMES_SET_MAX && (s->w[i / 64] >> (i % 64) & 1u);
}

size_t
cpunames_set_count(const struct cpunames_set *s)
{
	size_t i, n = 0;

	for (i = 0; i < cpunames_table_count && i < CPUNAMES_SET_MAX; i++)
		n += (size_t)(s->w[i / 64] >> (i % 64) & 1u);
	return n;
}

int
cpunames_set_add_name(struct cpunames_set *s, const char *name)
{
	const struct cpunames_entry *e = cpunames_find(name);
	size_t i;

	if (e == NULL)
		return -1;
	if (e->qemu == NULL) {
		cpunames_set_add(s, e);
		return 0;
	}
	for (i = 0; i < cpunames_table_count; i++)
		if (cpunames_table[i].qemu != NULL && strcmp(cpunames_table[i].qemu, e->qemu) == 0)
			cpunames_set_add(s, &cpunames_table[i]);
	return 0;
}

/* 1 if every entry QEMU's property qemu_name sets is in s (0 if none). */
static int
cpunames_set_has_qemu(const struct cpunames_set *s, const char *qemu_name)
{
	int seen = 0;
	size_t i;

	for (i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (e->qemu == NULL || strcmp(e->qemu, qemu_name) != 0)
			continue;
		if (!cpunames_set_has(s, e))
			return 0;
		seen = 1;
	}
	return seen;
}

/* The row of model with version, or NULL. */
static const struct cpunames_qmodel *
cpunames_qmodel_row(const char *model, unsigned version)
{
	size_t i;

	for (i = 0; i < cpunames_qmodels_count; i++)
		if (cpunames_qmodels[i].version == version && strcmp(cpunames_qmodels[i].model, model) == 0)
			return &cpunames_qmodels[i];
	return NULL;
}

const struct cpunames_qmodel *
cpunames_qemu_model(const char *name, const char *qemu_release, unsigned *version)
{
	const struct cpunames_qmodel *base, *row = NULL;
	size_t i, len;

	for (i = 0; i < cpunames_qmodels_count && row == NULL; i++) {
		const struct cpunames_qmodel *m = &cpunames_qmodels[i];
		const char *p;
		char *end;
		unsigned long v;

		if (strcmp(m->model, name) == 0 && m->version == 1) {
			row = m;
		} else if (m->alias != NULL && strcmp(m->alias, name) == 0) {
			row = m;
		} else if (m->version == 1 && strncmp(name, m->model, (len = strlen(m->model))) == 0 &&
		    strncmp(name + len, "-v", 2) == 0 && isdigit((unsigned char)name[len + 2])) {
			p = name + len + 2;
			v = strtoul(p, &end, 10);
			if (*end == '\0' && v > 0 && v < 1000)
				row = cpunames_qmodel_row(m->model, (unsigned)v);
		}
	}
	if (row == NULL || !cpunames_since_ok(row->since, qemu_release))
		return NULL;
	base = cpunames_qmodel_row(row->model, 1);
	if (base == NULL || !cpunames_since_ok(base->since, qemu_release))
		return NULL;
	if (version != NULL)
		*version = row->version;
	return base;
}

/*
 * Apply a space-separated feature list to out: plain names are added,
 * "+name" added, "-name" removed, "=" nothing.  A trailing '*' marks a
 * libvirt feature added to an existing model: skipped unless with_added.
 * With libvirt set, names are libvirt names known to release (an unknown
 * or too-new name is skipped); otherwise QEMU names.  0, or -1 if a name
 * is not in the table.
 */
static int
cpunames_apply(struct cpunames_set *out, const char *list, int libvirt, const char *release)
{
	char buf[CPUNAMES_NAME_MAX];
	const struct cpunames_entry *e;
	const char *p = list, *end;
	size_t len;
	int op, added;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		op = (*p == '+' || *p == '-') ? *p++ : '+';
		len = (size_t)(end - p);
		if (len == 0 || len >= sizeof(buf))
			return -1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = end;
		if (strcmp(buf, "=") == 0)
			continue;
		added = buf[len - 1] == '*';
		if (added)
			buf[len - 1] = '\0';
		if ((e = cpunames_find(buf)) == NULL)
			return -1;
		if (libvirt && (added && cpunames_vercmp(release, "9.0") <= 0))
			continue;
		if (libvirt && !cpunames_since_ok(e->libvirt_since, release))
			continue;
		if (libvirt) {
			if (op == '+')
				cpunames_set_add(out, e);
			else
				cpunames_set_del(out, e);
		} else if (op == '+') {
			cpunames_set_add_name(out, buf);
		} else {
			size_t i;

			for (i = 0; i < cpunames_table_count; i++)
				if (cpunames_table[i].qemu != NULL && e->qemu != NULL &&
				    strcmp(cpunames_table[i].qemu, e->qemu) == 0)
					cpunames_set_del(out, &cpunames_table[i]);
		}
	}
	return 0;
}

int
cpunames_qemu_model_features(const char *name, const char *qemu_release, struct cpunames_set *out)
{
	const struct cpunames_qmodel *base, *row;
	unsigned version, v;

	cpunames_set_clear(out);
	if ((base = cpunames_qemu_model(name, qemu_release, &version)) == NULL)
		return -1;
	if (cpunames_apply(out, base->features, 0, qemu_release) < 0)
		return -1;
	for (v = 2; v <= version; v++) {
		if ((row = cpunames_qmodel_row(base->model, v)) == NULL)
			return -1;
		if (cpunames_apply(out, row->features, 0, qemu_release) < 0)
			return -1;
	}
	return 0;
}

static const struct cpunames_lvmodel *
cpunames_lvmodel_row(const char *name)
{
	size_t i;

	for (i = 0; i < cpunames_lvmodels_count; i++)
		if (strcmp(cpunames_lvmodels[i].model, name) == 0)
			return &cpunames_lvmodels[i];
	return NULL;
}

/* Resolve libvirt model m into out, base first; depth bounds the chain. */
static int
cpunames_lvmodel_apply(const struct cpunames_lvmodel *m, const char *release, struct cpunames_set *out,
    int depth)
{
	const struct cpunames_lvmodel *b;

	if (depth > 32)
		return -1;
	if (m->base != NULL) {
		if ((b = cpunames_lvmodel_row(m->base)) == NULL)
			return -1;
		if (cpunames_lvmodel_apply(b, release, out, depth + 1) < 0)
			return -1;
	}
	return cpunames_apply(out, m->features, 1, release);
}

int
cpunames_libvirt_model_features(const char *name, const char *libvirt_release,
    struct cpunames_set *out, const char **vendor)
{
	const struct cpunames_lvmodel *m;

	cpunames_set_clear(out);
	if (vendor != NULL)
		*vendor = NULL;
	m = cpunames_lvmodel_row(name);
	if (m == NULL || !cpunames_since_ok(m->since, libvirt_release))
		return -1;
	if (cpunames_lvmodel_apply(m, libvirt_release, out, 0) < 0)
		return -1;
	if (vendor != NULL)
		*vendor = m->vendor;
	return 0;
}

/*
 * 1 if e belongs to the word spec "all:KIND:INDEX", "all:cpuid:LEAF:SUB:REG",
 * "lo32:vmx:INDEX" or "hi32:vmx:INDEX".
 */
static int
cpunames_in_word(const struct cpunames_entry *e, const char *spec)
{
	char kind[8], reg[8];
	unsigned long idx, sub;
	const char *p;
	char *end;
	size_t n;
	int half = 0;

	if (strncmp(spec, "all:", 4) == 0)
		p = spec + 4;
	else if (strncmp(spec, "lo32:", 5) == 0)
		half = 1, p = spec + 5;
	else if (strncmp(spec, "hi32:", 5) == 0)
		half = 2, p = spec + 5;
	else
		return 0;
	n = strcspn(p, ":");
	if (n == 0 || n >= sizeof(kind) || p[n] != ':')
		return 0;
	memcpy(kind, p, n);
	kind[n] = '\0';
	idx = strtoul(p + n + 1, &end, 0);
	if (e->index != idx)
		return 0;
	if (strcmp(kind, "cpuid") == 0) {
		if (e->reg == NULL || *end != ':')
			return 0;
		sub = strtoul(end + 1, &end, 0);
		if (*end != ':' || strlen(end + 1) >= sizeof(reg))
			return 0;
		strcpy(reg, end + 1);
		return e->subleaf == sub && strcmp(e->reg, reg) == 0;
	}
	if (*end != '\0' || e->reg != NULL)
		return 0;
	if (strcmp(e->kind, kind) != 0 && strcmp(e->kind, "none") != 0)
		return 0;
	return half == 0 || (half == 1 && e->bit < 32) || (half == 2 && e->bit >= 32);
}

/* 1 if e is one of the "to" targets of dependency d. */
static int
cpunames_dep_targets(const struct cpunames_dep *d, const struct cpunames_entry *e)
{
	if (strchr(d->to, ':') != NULL)
		return cpunames_in_word(e, d->to);
	return e->qemu != NULL && cpunames_list_has(d->to, e->qemu, 0);
}

/* 1 if every "from" feature of d is in set. */
static int
cpunames_dep_met(const struct cpunames_dep *d, const struct cpunames_set *set)
{
	char buf[CPUNAMES_NAME_MAX];
	const char *p, *end;
	size_t len;

	for (p = d->from; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || len >= sizeof(buf))
			return 0;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (!cpunames_set_has_qemu(set, buf))
			return 0;
	}
	return 1;
}

size_t
cpunames_dep_closure(struct cpunames_set *set, const char *qemu_release, struct cpunames_set *dropped)
{
	size_t i, j, n = 0;

	for (i = 0; i < cpunames_deps_count; i++) {
		const struct cpunames_dep *d = &cpunames_deps[i];

		if (!cpunames_since_ok(d->since, qemu_release))
			continue;
		if (d->until != NULL && cpunames_vercmp(qemu_release, d->until) > 0)
			continue;
		if (cpunames_dep_met(d, set))
			continue;
		for (j = 0; j < cpunames_table_count; j++) {
			const struct cpunames_entry *e = &cpunames_table[j];

			if (!cpunames_set_has(set, e) || !cpunames_dep_targets(d, e))
				continue;
			cpunames_set_del(set, e);
			if (dropped != NULL)
				cpunames_set_add(dropped, e);
			n++;
		}
	}
	return n;
}

int
cpunames_machine_known(const char *machine, const char *qemu_release)
{
	size_t i;

	if (strcmp(machine, "pc") == 0 || strcmp(machine, "q35") == 0)
		return 1;
	for (i = 0; i < cpunames_machines_count; i++) {
		const struct cpunames_machine *m = &cpunames_machines[i];

		if (strcmp(m->machine, machine) != 0)
			continue;
		if (!cpunames_since_ok(m->first, qemu_release))
			return 0;
		return m->last == NULL || cpunames_vercmp(qemu_release, m->last) <= 0;
	}
	return 0;
}

unsigned
cpunames_default_version(const char *machine)
{
	(void)machine;
	return 1;
}
