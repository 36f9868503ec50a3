/*
 * test-rules-hw.c - the CPUID and feature-MSR layers of the rules engine on
 * real hardware: every ordered pair of the converted InstLatx64 profiles of
 * one vendor (Intel and AMD), judged by the engine and, independently, from
 * the JSON files themselves: a flag of the tables (data/cpuid-features.tsv,
 * data/msr-features.tsv) set on the source and clear on the destination
 * blocks, nothing else does.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpuidfeat.h"
#include "msrfeat.h"
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "vmspec.h"

#define MAXHW	512

/*
 * One hardware profile: the engine's form, the file's own JSON, and what
 * the JSON says of each table flag (read once).
 */
struct hw {
	char *name;
	struct profile *p;
	struct json_object *j;
	unsigned char *cpuid;		/* per cpuidfeat_table entry: the flag */
	unsigned char *msr;		/* per msrfeat_table entry: the flag, 2: MSR not reported */
	int has_fm;			/* feature_msrs measured */
};

static struct hw hw[MAXHW];
static size_t nhw;

static void read_flags(struct hw *h);

static int
namecmp(const void *a, const void *b)
{
	return strcmp(((const struct hw *)a)->name, ((const struct hw *)b)->name);
}

static void
load_all(const char *dir)
{
	char path[1024], err[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && nhw < MAXHW) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '_' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		hw[nhw].p = profile_new();
		if (profile_load_file(path, hw[nhw].p, err, sizeof(err)) == -1 ||
		    (hw[nhw].j = json_object_from_file(path)) == NULL) {
			tap_diag("%s", err);
			profile_free(hw[nhw].p);
			continue;
		}
		rules_prepare(hw[nhw].p);
		hw[nhw].name = strdup(de->d_name);
		read_flags(&hw[nhw]);
		nhw++;
	}
	closedir(d);
	qsort(hw, nhw, sizeof(hw[0]), namecmp);
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static const char *
vendor(const struct hw *h)
{
	struct json_object *cpu;

	return json_object_object_get_ex(h->j, "cpu", &cpu) ? jstr(cpu, "vendor") : "";
}

/* A CPUID register read from the file: 0 when the leaf is not there. */
static uint32_t
file_cpuid(const struct hw *h, uint32_t leaf, uint32_t sub, const char *reg)
{
	struct json_object *l, *ents, *e;
	size_t i;

	if (!json_object_object_get_ex(h->j, "layers", &l) || !json_object_object_get_ex(l, "cpuid", &l) ||
	    !json_object_object_get_ex(l, "entries", &ents))
		return 0;
	for (i = 0; i < json_object_array_length(ents); i++) {
		e = json_object_array_get_idx(ents, i);
		if (strtoul(jstr(e, "function"), NULL, 16) == leaf &&
		    (strtoul(jstr(e, "index"), NULL, 16) == sub ||
		    (strtoul(jstr(e, "flags"), NULL, 16) & 1) == 0))
			return (uint32_t)strtoul(jstr(e, reg), NULL, 16);
	}
	return 0;
}

/* A feature MSR read from the file; -1 when the layer or the MSR is not there. */
static int
file_msr(const struct hw *h, uint32_t idx, uint64_t *v)
{
	struct json_object *l, *m, *x;
	char key[16];

	snprintf(key, sizeof(key), "0x%x", idx);
	if (!json_object_object_get_ex(h->j, "layers", &l) ||
	    !json_object_object_get_ex(l, "feature_msrs", &l) ||
	    strcmp(jstr(l, "status"), "measured") != 0 ||
	    !json_object_object_get_ex(l, "msrs", &m) || !json_object_object_get_ex(m, key, &x))
		return -1;
	*v = strtoull(json_object_get_string(x), NULL, 16);
	return 0;
}

static int
file_has_layer(const struct hw *h, const char *layer)
{
	struct json_object *l;

	return json_object_object_get_ex(h->j, "layers", &l) && json_object_object_get_ex(l, layer, &l) &&
	    strcmp(jstr(l, "status"), "measured") == 0;
}

/* A CPUID flag of the table by its QEMU name, read from the file. */
static int
file_flag(const struct hw *h, const char *qemu_name)
{
	const struct cpuidfeat_entry *e = cpuidfeat_find(qemu_name);

	return e != NULL && (file_cpuid(h, e->leaf, e->subleaf, e->reg) >> e->bit & 1);
}

/*
 * The reasons the rules owe for s -> d, from the files alone: "cpuid:NAME"
 * for every table flag of the scenario's scope that s has and d lacks,
 * "msr:NAME" for every feature-MSR flag s reports (under its CPUID gate)
 * and d does not, where both report feature MSRs.  Returns how many, and
 * fills want (a NUL-separated list) up to its size.
 */
static void
read_flags(struct hw *h)
{
	size_t i;
	uint64_t v;

	h->cpuid = calloc(cpuidfeat_table_count, 1);
	h->msr = calloc(msrfeat_table_count, 1);
	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

		h->cpuid[i] = file_cpuid(h, e->leaf, e->subleaf, e->reg) >> e->bit & 1;
	}
	h->has_fm = file_has_layer(h, "feature_msrs");
	for (i = 0; i < msrfeat_table_count; i++) {
		const struct msrfeat_entry *e = &msrfeat_table[i];

		h->msr[i] = file_msr(h, e->msr, &v) == -1 ? 2 : (unsigned char)(v >> e->bit & 1);
		/* The gate: without its CPUID flag the whole MSR word is off. */
		if (h->msr[i] == 1 && e->gate != NULL && !file_flag(h, e->gate))
			h->msr[i] = 0;
	}
}

static int
expected(const struct hw *s, const struct hw *d, int nested, char *want, size_t size)
{
	size_t i, off = 0;
	int n = 0;

	want[0] = '\0';
	for (i = 0; i < cpuidfeat_table_count; i++) {
		const struct cpuidfeat_entry *e = &cpuidfeat_table[i];

		if (!nested && strcmp(e->scope, "nested") == 0)
			continue;
		if (s->cpuid[i] && !d->cpuid[i]) {
			off += (size_t)snprintf(want + off, off < size ? size - off : 0, "cpuid:%s;",
			    e->qemu_name != NULL ? e->qemu_name : e->linux_name);
			n++;
		}
	}
	for (i = 0; i < msrfeat_table_count; i++) {
		const struct msrfeat_entry *e = &msrfeat_table[i];

		if (e->width != 1 || s->msr[i] == 2 || !d->has_fm)
			continue;
		if (s->msr[i] == 1 && d->msr[i] != 1) {
			off += (size_t)snprintf(want + off, off < size ? size - off : 0, "msr:%s;", e->qemu_name);
			n++;
		}
	}
	return n;
}

/* The same list from the engine's JSON answer, in the engine's order. */
static int
got(const struct hw *s, const struct hw *d, const struct vmspec *vm, char *buf, size_t size)
{
	struct json_object *o = rules_check_json(s->p, d->p, vm, RULES_POLICY_STRICT), *rs, *r;
	size_t i, off = 0;
	int n = 0;

	buf[0] = '\0';
	if (json_object_object_get_ex(o, "reasons", &rs)) {
		for (i = 0; i < json_object_array_length(rs); i++) {
			const char *layer, *name;

			r = json_object_array_get_idx(rs, i);
			layer = jstr(r, "layer");
			name = jstr(r, "name");
			if (strcmp(layer, "vmx") == 0 || strcmp(layer, "evmcs") == 0)
				continue;
			off += (size_t)snprintf(buf + off, off < size ? size - off : 0, "%s:%s;",
			    strcmp(layer, "feature_msrs") == 0 ? "msr" : layer, name != NULL ? name : "?");
			n++;
		}
	}
	json_object_put(o);
	return n;
}

/* Same multiset of "layer:name;" items in both lists? */
static int
same_items(const char *a, const char *b)
{
	char *x = strdup(a), *tok, *save = NULL;
	int ok = strlen(a) == strlen(b);

	for (tok = strtok_r(x, ";", &save); ok && tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		char item[128];

		snprintf(item, sizeof(item), "%s;", tok);
		ok = strstr(b, item) != NULL;
	}
	free(x);
	return ok;
}

static void
test_pairs(const char *vend, int nested)
{
	struct vmspec vm;
	char want[8192], have[8192];
	size_t i, j;
	int n = 0, bad = 0, badr = 0, nr = 0, blocked = 0, withmsr = 0;

	vmspec_init(&vm, nested ? VMSPEC_NESTED : VMSPEC_PLAIN);
	for (i = 0; i < nhw; i++) {
		if (strcmp(vendor(&hw[i]), vend) != 0)
			continue;
		for (j = 0; j < nhw; j++) {
			enum rules_verdict v, w;
			int k;

			if (strcmp(vendor(&hw[j]), vend) != 0)
				continue;
			k = expected(&hw[i], &hw[j], nested, want, sizeof(want));
			w = k > 0 ? RULES_INCOMPATIBLE : RULES_COMPATIBLE;
			v = rules_verdict_of(hw[i].p, hw[j].p, &vm, RULES_POLICY_STRICT);
			n++;
			blocked += k > 0;
			withmsr += strstr(want, "msr:") != NULL;
			if (v != w) {
				if (bad++ < 5)
					tap_diag("%s -> %s: %s, the files say %s (%s)", hw[i].name, hw[j].name,
					    rules_verdict_name(v), rules_verdict_name(w), want);
			}
			/* The reasons themselves, on a sample of the pairs. */
			if ((i * 7 + j) % 11 == 0) {
				nr++;
				got(&hw[i], &hw[j], &vm, have, sizeof(have));
				if (!same_items(want, have) && badr++ < 5)
					tap_diag("%s -> %s: reasons %s, the files say %s", hw[i].name, hw[j].name,
					    have, want);
			}
		}
	}
	tap_ok(bad == 0 && n > 0 && blocked > 0 && blocked < n,
	    "%s %s: %d ordered pairs of real profiles, the verdict follows the CPUID and feature-MSR "
	    "flags of the files (%d blocked, %d of them on feature MSRs)", vend, nested ? "nested" : "plain",
	    n, blocked, withmsr);
	tap_ok(badr == 0 && nr > 0, "%s %s: on %d sampled pairs the reasons name exactly those flags", vend,
	    nested ? "nested" : "plain", nr);
	if (strcmp(vend, "GenuineIntel") == 0 && !nested)
		tap_ok(withmsr > 0, "some Intel pairs differ in IA32_ARCH_CAPABILITIES (%d)", withmsr);
}

/* Across vendors the vendor rule alone answers. */
static void
test_vendors(void)
{
	size_t i, j;
	int n = 0, bad = 0;

	for (i = 0; i < nhw; i += 13) {
		for (j = 1; j < nhw; j += 17) {
			struct json_object *o, *rs;

			if (strcmp(vendor(&hw[i]), vendor(&hw[j])) == 0)
				continue;
			n++;
			o = rules_check_json(hw[i].p, hw[j].p, NULL, RULES_POLICY_STRICT);
			if (!json_object_object_get_ex(o, "reasons", &rs) || json_object_array_length(rs) != 1 ||
			    strcmp(jstr(json_object_array_get_idx(rs, 0), "rule"), "vendor") != 0)
				bad++;
			json_object_put(o);
		}
	}
	tap_ok(bad == 0 && n > 0, "%d Intel/AMD pairs: incompatible for the vendor alone", n);
}

int
main(void)
{
	char dir[1024];
	int intel = 0, amd = 0;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/instlatx64", tap_fixtures());
	load_all(dir);
	for (i = 0; i < nhw; i++) {
		intel += strcmp(vendor(&hw[i]), "GenuineIntel") == 0;
		amd += strcmp(vendor(&hw[i]), "AuthenticAMD") == 0;
	}
	tap_ok(intel >= 167 && amd >= 60, "%d Intel and %d AMD hardware profiles", intel, amd);
	test_pairs("GenuineIntel", 0);
	test_pairs("AuthenticAMD", 0);
	test_pairs("AuthenticAMD", 1);
	test_vendors();
	for (i = 0; i < nhw; i++) {
		profile_free(hw[i].p);
		json_object_put(hw[i].j);
		free(hw[i].name);
		free(hw[i].cpuid);
		free(hw[i].msr);
	}
	return tap_done();
}
