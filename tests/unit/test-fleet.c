/*
 * test-fleet.c - the fleet module against the rules engine: baselines of
 * random subsets of the fixture dumps are compatible with every host of the
 * subset, targets agree with pairwise checks on a fleet of a few hundred
 * hosts, groups agree with pairwise checks, and the index stays right
 * through incremental updates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "baseline.h"
#include "cpuout.h"
#include "changes.h"
#include "fleet.h"
#include "jsonu.h"
#include "profile.h"
#include "rules.h"
#include "synth.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

#define TEST_SUBSETS	200
#define TEST_FLEET	300

static struct profile **dumps;
static int ndumps;

static uint32_t
test_rev(const struct profile *p)
{
	return (uint32_t)(vmx_msr_get(&p->vmx_raw, MSR_VMX_BASIC) & 0x7fffffffu);
}

static struct json_object *
test_parse(const char *text, size_t len)
{
	struct json_object *o = NULL;
	char err[256];

	if (jsonu_parse(text, len, &o, err, sizeof(err)) == -1) {
		tap_diag("bad JSON: %s", err);
		return NULL;
	}
	return o;
}

/* Baselines of random subsets: compatible with every member. */
static void
test_baseline_property(void)
{
	struct profile *hosts[12], *b = profile_new();
	uint64_t seed = 0x5eed0001;
	int t, ok_subsets = 0, fail_ok = 0, bad = 0, fails_legit = 1, raw_subsets = 0;
	char err[768];

	for (t = 0; t < TEST_SUBSETS; t++) {
		enum vmspec_scenario sc = (enum vmspec_scenario)(synth_rand(&seed) % 4);
		enum rules_policy policy = sc == VMSPEC_EVMCS_PV ? RULES_POLICY_EFFECTIVE :
		    RULES_POLICY_STRICT;
		size_t n = 1 + synth_rand(&seed) % 10, i;
		int cross = t % 4 == 3, raw = t % 5 == 0 && sc == VMSPEC_NESTED, revs_differ = 0;
		int tsc_conflict = 0;
		size_t j;
		const struct profile *pick0 = dumps[synth_rand(&seed) % (uint64_t)ndumps];
		struct vmspec vm;

		for (i = 0; i < n; i++) {
			const struct profile *d;
			int tries = 0;

			/* Same VMCS revision as the first pick unless this is a cross subset. */
			do
				d = i == 0 ? pick0 : dumps[synth_rand(&seed) % (uint64_t)ndumps];
			while (!cross && test_rev(d) != test_rev(pick0) && ++tries < 1000);
			hosts[i] = profile_new();
			if (raw) {
				char *s = profile_to_string(d, 0);

				profile_parse(s, strlen(s), hosts[i], err, sizeof(err));
				free(s);
			} else {
				synth_build(hosts[i], d, synth_kernels[synth_rand(&seed) % synth_nkernels],
				    (int)(synth_rand(&seed) % SYNTH_NVARIANTS));
			}
			snprintf(hosts[i]->host_id, sizeof(hosts[i]->host_id), "s%d-h%zu", t, i);
			revs_differ |= test_rev(hosts[i]) != test_rev(hosts[0]);
			for (j = 0; j < i; j++)
				tsc_conflict |= profile_layer_ok(&hosts[i]->tsc) && !hosts[i]->tsc_scaling &&
				    !hosts[j]->tsc_scaling && hosts[i]->tsc_khz != hosts[j]->tsc_khz;
		}
		raw_subsets += raw;
		if (baseline_compute((const struct profile *const *)hosts, NULL, n, sc, b, err,
		    sizeof(err)) == -1) {
			/*
			 * Only a nested scenario over different revisions, or hosts
			 * that cannot scale the TSC at different frequencies, may fail.
			 */
			if (!(revs_differ && sc != VMSPEC_PLAIN) && !tsc_conflict) {
				tap_diag("subset %d (%s, %zu hosts): %s", t, vmspec_scenario_name(sc), n, err);
				fails_legit = 0;
			}
			fail_ok++;
		} else {
			if ((revs_differ && sc != VMSPEC_PLAIN) || tsc_conflict) {
				tap_diag("subset %d: baseline over different VMCS revisions or TSC rates", t);
				fails_legit = 0;
			}
			vmspec_init(&vm, sc);
			rules_prepare(b);
			for (i = 0; i < n; i++) {
				enum rules_verdict v = rules_verdict_of(b, hosts[i], &vm, policy);

				if (v != RULES_COMPATIBLE) {
					struct json_object *jo = rules_check_json(b, hosts[i], &vm, policy);

					if (bad++ < 5)
						tap_diag("subset %d (%s, %zu hosts) host %zu: %s", t,
						    vmspec_scenario_name(sc), n, i,
						    json_object_to_json_string(jo));
					json_object_put(jo);
				}
			}
			ok_subsets++;
		}
		for (i = 0; i < n; i++)
			profile_free(hosts[i]);
	}
	tap_ok(bad == 0, "baseline of %d random subsets (%d of raw dumps) compatible with every "
	    "member (%d host checks failed)", ok_subsets, raw_subsets, bad);
	tap_ok(fails_legit, "baseline refused exactly for %d subsets mixing VMCS revisions or "
	    "unscalable TSC rates", fail_ok);
	tap_ok(ok_subsets >= TEST_SUBSETS / 2, "most subsets have a baseline (%d)", ok_subsets);
	profile_free(b);
}

/* The output forms of one baseline. */
static void
test_baseline_forms(void)
{
	struct profile *hosts[2];
	struct json_object *o, *v, *check;
	char err[768];
	const char *xml, *q;
	int i, j = 1;

	/* Two hosts of one revision: a synthetic pair. */
	for (i = 1; i < ndumps && test_rev(dumps[i]) != test_rev(dumps[0]); i++)
		;
	if (i == ndumps)
		i = 0;
	hosts[0] = profile_new();
	hosts[1] = profile_new();
	synth_build(hosts[0], dumps[0], "6.1.0-13-amd64", 0);
	synth_build(hosts[1], dumps[i], "5.15.0-91-generic", 1);
	o = baseline_json((const struct profile *const *)hosts, NULL, 2, VMSPEC_EVMCS,
	    RULES_POLICY_STRICT, err, sizeof(err));
	if (!tap_ok(o != NULL, "baseline_json of two hosts (%s)", o == NULL ? err : "ok")) {
		profile_free(hosts[0]);
		profile_free(hosts[1]);
		return;
	}
	json_object_object_get_ex(o, "libvirt_cpu", &v);
	xml = json_object_get_string(v);
	tap_ok(strncmp(xml, "<cpu mode=\"custom\"", 18) == 0 && strstr(xml, "name=\"vmx\"") != NULL &&
	    strstr(xml, "policy=\"require\" name=\"vmx-") != NULL &&
	    strstr(xml, "policy=\"disable\" name=\"avx512f\"") != NULL, "libvirt <cpu> requires vmx-* and "
	    "disables what one host lacks (avx512f)");
	json_object_object_get_ex(o, "qemu_cpu", &v);
	q = json_object_get_string(v);
	tap_ok(strncmp(q, "kvm64,", 6) == 0 && strstr(q, ",+vmx,") != NULL && strstr(q, ",-avx512f") &&
	    strstr(q, "hv-evmcs") != NULL, "QEMU -cpu string: %.60s...", q);
	json_object_object_get_ex(o, "vmx_msrs", &v);
	tap_ok(json_object_object_get_ex(v, "0x480", NULL) && json_object_object_get_ex(v, "0x482", NULL),
	    "VMX MSR values listed: %s", json_object_to_json_string(v));
	json_object_object_get_ex(o, "check", &check);
	json_object_object_get_ex(check, "compatible", &v);
	tap_ok(json_object_get_int(v) == 2, "the answer's own check: compatible with both hosts");
	json_object_object_get_ex(o, "profile", &v);
	{
		struct profile p;
		const char *s = json_object_to_json_string(v);

		profile_init(&p);
		tap_ok(profile_parse(s, strlen(s), &p, err, sizeof(err)) == 0 &&
		    rules_verdict_of(&p, hosts[1], NULL, RULES_POLICY_STRICT) == RULES_COMPATIBLE,
		    "the baseline profile parses back and checks compatible");
		profile_clear(&p);
	}
	json_object_put(o);

	/*
	 * The releases rendered for: the oldest the hosts' libvirt layers
	 * record, the caller's for hosts without one; only names they know.
	 */
	{
		struct cpuout_clients cl = { "10.2", "option", "11.3", "option" };
		struct cpuout_versions ver;
		const struct profile *const *hp = (const struct profile *const *)hosts;

		cpuout_versions_pick(hp, 2, &cl, &ver);
		tap_ok(strcmp(ver.qemu, "10.2") == 0 && strcmp(ver.qemu_from, "option") == 0 &&
		    strcmp(ver.libvirt_from, "option") == 0, "no libvirt layers: the option's releases");
		cpuout_versions_pick(hp, 2, NULL, &ver);
		tap_ok(ver.qemu[0] == '\0' && strcmp(ver.qemu_from, "tables") == 0,
		    "nothing known: the newest the tables cover");
		profile_layer_set(&hosts[0]->libvirt, LAYER_MEASURED, "test");
		util_strlcpy(hosts[0]->lv.qemu_version, "7.2.0", sizeof(hosts[0]->lv.qemu_version));
		util_strlcpy(hosts[0]->lv.libvirt_version, "9.0.0", sizeof(hosts[0]->lv.libvirt_version));
		cpuout_versions_pick(hp, 2, &cl, &ver);
		tap_ok(strcmp(ver.qemu, "7.2.0") == 0 && strcmp(ver.qemu_from, "hosts") == 0 &&
		    strcmp(ver.libvirt, "9.0.0") == 0, "a host's QEMU 7.2 and libvirt 9.0 are the oldest");
		o = baseline_json_for(hp, NULL, 2, VMSPEC_NESTED, RULES_POLICY_STRICT, &cl, err, sizeof(err));
		json_object_object_get_ex(o, "qemu_cpu", &v);
		q = o != NULL ? json_object_get_string(v) : "";
		tap_ok(strstr(q, ",+vmx,") != NULL && strstr(q, "vmx-any-errcode") == NULL &&
		    strstr(q, "vmx-nested-exception") == NULL, "QEMU 7.2: no name it lacks");
		json_object_object_get_ex(o, "libvirt_cpu", &v);
		xml = o != NULL ? json_object_get_string(v) : "";
		tap_ok(strstr(xml, "name=\"vmx\"") != NULL && strstr(xml, "name=\"vmx-") == NULL &&
		    strstr(xml, "tsc-adjust") == NULL && strstr(xml, "<model fallback=\"forbid\">") != NULL,
		    "libvirt 9.0: vmx, no vmx-* name, libvirt spellings");
		json_object_put(o);
		hosts[0]->libvirt.status = LAYER_ABSENT;
	}
	/* Two vendors: refused. */
	util_strlcpy(hosts[1]->cpu.vendor, "AuthenticAMD", sizeof(hosts[1]->cpu.vendor));
	o = baseline_json((const struct profile *const *)hosts, NULL, 2, VMSPEC_NESTED,
	    RULES_POLICY_STRICT, err, sizeof(err));
	tap_ok(o == NULL && strstr(err, "vendor") != NULL, "different vendors refused: %s", err);
	json_object_put(o);
	(void)j;
	profile_free(hosts[0]);
	profile_free(hosts[1]);
}

struct test_fleet {
	struct profile *p[TEST_FLEET];
	char id[TEST_FLEET][16];
	struct fleet *f;
};

static void
test_fleet_build(struct test_fleet *tf, uint64_t seed)
{
	char err[256];
	int i;

	tf->f = fleet_new();
	for (i = 0; i < TEST_FLEET; i++) {
		/* Few CPUs and many hosts per class, as in a real fleet. */
		const struct profile *d = dumps[synth_rand(&seed) % 12];

		tf->p[i] = profile_new();
		synth_build(tf->p[i], d, synth_kernels[synth_rand(&seed) % synth_nkernels],
		    (int)(synth_rand(&seed) % SYNTH_NVARIANTS));
		snprintf(tf->id[i], sizeof(tf->id[i]), "host-%03d", i);
		util_strlcpy(tf->p[i]->host_id, tf->id[i], sizeof(tf->p[i]->host_id));
		rules_prepare(tf->p[i]);
		if (fleet_set_host(tf->f, tf->id[i], tf->p[i], err, sizeof(err)) != 1)
			tap_diag("fleet_set_host %s: %s", tf->id[i], err);
	}
}

static void
test_fleet_free(struct test_fleet *tf)
{
	int i;

	for (i = 0; i < TEST_FLEET; i++)
		profile_free(tf->p[i]);
	fleet_free(tf->f);
}

static int
test_index_of(struct test_fleet *tf, const char *id)
{
	int i;

	for (i = 0; i < TEST_FLEET; i++)
		if (strcmp(tf->id[i], id) == 0)
			return i;
	return -1;
}

/* Targets of every scenario from several sources equal the pairwise answer. */
static void
test_targets(struct test_fleet *tf)
{
	int s, sc, i, mismatches = 0, counts_ok = 1, queries = 0;
	char err[256];

	for (s = 0; s < TEST_FLEET; s += 37) {
		for (sc = 0; sc < 4; sc++) {
			struct json_object *o, *t, *v, *b;
			unsigned char want[TEST_FLEET], got[TEST_FLEET];
			struct vmspec vm;
			size_t len, k;
			int64_t nt, nb = 0, nu;
			char *text;

			vmspec_init(&vm, (enum vmspec_scenario)sc);
			text = fleet_targets(tf->f, tf->id[s], &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
			if (text == NULL || (o = test_parse(text, len)) == NULL) {
				mismatches++;
				free(text);
				continue;
			}
			queries++;
			memset(got, 0, sizeof(got));
			json_object_object_get_ex(o, "targets", &t);
			for (k = 0; k < json_object_array_length(t); k++) {
				int idx = test_index_of(tf, json_object_get_string(json_object_array_get_idx(t, k)));

				if (idx >= 0)
					got[idx] = 1;
			}
			for (i = 0; i < TEST_FLEET; i++) {
				want[i] = i != s && rules_verdict_of(tf->p[s], tf->p[i], &vm,
				    RULES_POLICY_STRICT) == RULES_COMPATIBLE;
				if (want[i] != got[i] && mismatches++ < 5)
					tap_diag("source %s, %s: %s pairwise %d, targets %d", tf->id[s],
					    vmspec_scenario_name(vm.scenario), tf->id[i], want[i], got[i]);
			}
			json_object_object_get_ex(o, "n_targets", &v);
			nt = json_object_get_int64(v);
			json_object_object_get_ex(o, "blocked", &b);
			for (k = 0; k < json_object_array_length(b); k++) {
				json_object_object_get_ex(json_object_array_get_idx(b, k), "hosts", &v);
				nb += json_object_get_int64(v);
			}
			json_object_object_get_ex(o, "unknown", &v);
			json_object_object_get_ex(v, "hosts", &v);
			nu = json_object_get_int64(v);
			if (nt + nb + nu != TEST_FLEET - 1 || nt != (int64_t)json_object_array_length(t))
				counts_ok = 0;
			json_object_put(o);
			free(text);
		}
	}
	tap_ok(mismatches == 0, "targets agree with %d pairwise checks each over %d queries "
	    "(%d mismatches)", TEST_FLEET, queries, mismatches);
	tap_ok(counts_ok, "targets + blocked + unknown account for every other host");
}

/* Groups: a partition of the hosts, ordered as the pairwise checks say. */
static void
test_groups(struct test_fleet *tf)
{
	struct json_object *o, *classes, *order, *rows, *c, *v, *ids;
	int seen[TEST_FLEET], *rep, partition_ok = 1, mismatches = 0, pairs = 0;
	size_t n, i, j, k, len;
	char *text;

	text = fleet_groups(tf->f, RULES_POLICY_STRICT, 1, &len);
	if (!tap_ok((o = test_parse(text, len)) != NULL, "groups JSON parses")) {
		free(text);
		return;
	}
	memset(seen, 0, sizeof(seen));
	json_object_object_get_ex(o, "classes", &classes);
	n = json_object_array_length(classes);
	rep = xcalloc(n, sizeof(*rep));
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(classes, i);
		json_object_object_get_ex(c, "host_ids", &ids);
		json_object_object_get_ex(c, "hash", &v);
		for (k = 0; k < json_object_array_length(ids); k++) {
			int idx = test_index_of(tf, json_object_get_string(json_object_array_get_idx(ids, k)));

			if (idx < 0 || seen[idx]++ || strcmp(tf->p[idx]->hash, json_object_get_string(v)) != 0)
				partition_ok = 0;
			if (k == 0)
				rep[i] = idx;
		}
	}
	for (i = 0; i < TEST_FLEET; i++)
		if (seen[i] != 1)
			partition_ok = 0;
	tap_ok(partition_ok, "groups: %zu classes partition the %d hosts by profile hash", n, TEST_FLEET);
	tap_ok(n == fleet_class_count(tf->f), "class count %zu", n);

	json_object_object_get_ex(o, "order", &order);
	json_object_object_foreach(order, scname, rowsv) {
		enum vmspec_scenario sc;
		struct vmspec vm;

		rows = rowsv;
		vmspec_scenario_parse(scname, &sc);
		vmspec_init(&vm, sc);
		for (i = 0; i < n; i++) {
			unsigned char *in_to = xcalloc(n, 1);
			struct json_object *to;

			json_object_object_get_ex(json_object_array_get_idx(rows, i), "to", &to);
			for (k = 0; k < json_object_array_length(to); k++)
				in_to[json_object_get_int(json_object_array_get_idx(to, k))] = 1;
			for (j = 0; j < n; j++) {
				/* Every host of class i against one host of class j, and vice versa. */
				int want, idx;

				if (j == i)
					continue;
				pairs++;
				want = rules_verdict_of(tf->p[rep[i]], tf->p[rep[j]], &vm,
				    RULES_POLICY_STRICT) == RULES_COMPATIBLE;
				for (idx = 0; idx < TEST_FLEET; idx++) {
					if (strcmp(tf->p[idx]->hash, tf->p[rep[i]]->hash) == 0 &&
					    (rules_verdict_of(tf->p[idx], tf->p[rep[j]], &vm,
					    RULES_POLICY_STRICT) == RULES_COMPATIBLE) != want)
						mismatches++;
				}
				if (want != in_to[j] && mismatches++ < 5)
					tap_diag("%s: class %zu -> %zu pairwise %d, groups %d", scname, i, j,
					    want, in_to[j]);
			}
			free(in_to);
		}
	}
	tap_ok(mismatches == 0, "groups order agrees with %d pairwise class checks in 4 scenarios",
	    pairs);
	free(rep);
	json_object_put(o);
	free(text);
}

/* Incremental updates: move, remove, drop empty classes, recompute groups. */
static void
test_incremental(struct test_fleet *tf)
{
	size_t classes = fleet_class_count(tf->f), len;
	uint64_t gen = fleet_generation(tf->f);
	struct profile *np = profile_new();
	char err[256], hash[80], *a, *b;
	int i, moved = 0;

	a = fleet_groups(tf->f, RULES_POLICY_STRICT, 0, &len);
	tap_ok(fleet_set_host(tf->f, tf->id[0], tf->p[0], err, sizeof(err)) == 0 &&
	    fleet_generation(tf->f) == gen, "re-upload of an unchanged profile changes nothing");
	/* Move every host of host-000's class to a brand new class. */
	synth_build(np, dumps[ndumps - 1], "6.8.0-45-generic", 2);
	fleet_host_hash(tf->f, tf->id[0], hash, sizeof(hash));
	for (i = 0; i < TEST_FLEET; i++) {
		if (strcmp(tf->p[i]->hash, hash) != 0)
			continue;
		moved++;
		fleet_set_host(tf->f, tf->id[i], np, err, sizeof(err));
		profile_free(tf->p[i]);
		tf->p[i] = profile_new();
		synth_build(tf->p[i], dumps[ndumps - 1], "6.8.0-45-generic", 2);
	}
	tap_ok(fleet_class_count(tf->f) == classes, "moving the %d hosts of a class to a new class "
	    "drops the empty class (%zu classes)", moved, fleet_class_count(tf->f));
	tap_ok(fleet_host_hash(tf->f, tf->id[0], hash, sizeof(hash)) == 0 && strcmp(hash, np->hash) == 0,
	    "the host points at its new class");
	b = fleet_groups(tf->f, RULES_POLICY_STRICT, 0, &len);
	tap_ok(fleet_generation(tf->f) != gen && strcmp(a, b) != 0, "groups recomputed after the change");
	free(a);
	free(b);
	tap_ok(fleet_remove_host(tf->f, tf->id[TEST_FLEET - 1]) == 0 &&
	    fleet_host_count(tf->f) == TEST_FLEET - 1 &&
	    fleet_host_hash(tf->f, tf->id[TEST_FLEET - 1], hash, sizeof(hash)) == -1 &&
	    fleet_remove_host(tf->f, tf->id[TEST_FLEET - 1]) == -1, "remove a host");
	fleet_set_host(tf->f, tf->id[TEST_FLEET - 1], tf->p[TEST_FLEET - 1], err, sizeof(err));
	for (i = 0; i < TEST_FLEET; i++)
		if (fleet_host_hash(tf->f, tf->id[i], hash, sizeof(hash)) == -1 ||
		    strcmp(hash, tf->p[i]->hash) != 0)
			break;
	tap_ok(i == TEST_FLEET, "every host still maps to its profile's class");
	test_groups(tf);
	profile_free(np);
}

static const struct profile *
test_lookup(const char *hash, void *arg)
{
	struct test_fleet *tf = arg;
	int i;

	for (i = 0; i < TEST_FLEET; i++)
		if (strcmp(tf->p[i]->hash, hash) == 0)
			return tf->p[i];
	return NULL;
}

static void
test_changes(struct test_fleet *tf)
{
	struct changes_entry e[3];
	struct json_object *o, *t, *v;
	int j;

	for (j = 1; j < TEST_FLEET && strcmp(tf->p[j]->hash, tf->p[0]->hash) == 0; j++)
		;
	e[0] = (struct changes_entry){ "a", 2, 1700000000, tf->p[0]->hash, tf->p[j]->hash };
	e[1] = (struct changes_entry){ "b", 5, 1700000100, tf->p[0]->hash, tf->p[j]->hash };
	e[2] = (struct changes_entry){ "c", 1, 1700000200, NULL, tf->p[0]->hash };
	o = changes_json(e, 3, 1699999999, test_lookup, tf);
	json_object_object_get_ex(o, "transitions", &t);
	tap_ok(json_object_array_length(t) == 2, "changes: two distinct transitions");
	json_object_object_get_ex(json_object_array_get_idx(t, 0), "hosts", &v);
	tap_ok(json_object_get_int(v) == 2, "the shared transition counts both hosts");
	json_object_object_get_ex(json_object_array_get_idx(t, 0), "diff", &v);
	tap_ok(v != NULL && json_object_object_get_ex(v, "lost", NULL), "the transition has a diff");
	json_object_object_get_ex(json_object_array_get_idx(t, 1), "diff", &v);
	tap_ok(v == NULL, "a new host has no diff");
	json_object_put(o);
}

/* Host ids that need escaping come out as valid JSON. */
static void
test_escape(void)
{
	struct fleet *f = fleet_new();
	struct profile *p = profile_new();
	struct json_object *o, *t;
	struct vmspec vm;
	char err[256], *text;
	size_t len;

	synth_build(p, dumps[0], "6.1.0-13-amd64", 0);
	fleet_set_host(f, "src", p, err, sizeof(err));
	fleet_set_host(f, "we\"ird\\id\n", p, err, sizeof(err));
	vmspec_init(&vm, VMSPEC_NESTED);
	text = fleet_targets(f, "src", &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
	o = test_parse(text, len);
	tap_ok(o != NULL && json_object_object_get_ex(o, "targets", &t) &&
	    strcmp(json_object_get_string(json_object_array_get_idx(t, 0)), "we\"ird\\id\n") == 0,
	    "host ids are escaped in JSON");
	json_object_put(o);
	free(text);
	tap_ok(fleet_targets(f, "nope", &vm, RULES_POLICY_STRICT, &len, err, sizeof(err)) == NULL &&
	    strstr(err, "unknown host") != NULL, "unknown source host refused");
	profile_free(p);
	fleet_free(f);
}

int
main(void)
{
	const char *dir = tap_fixtures();
	struct test_fleet tf;

	if ((ndumps = synth_load_dumps(dir, &dumps)) < 12) {
		tap_ok(0, "at least 12 fixture profiles in %s (%d)", dir, ndumps);
		return tap_done();
	}
	tap_diag("%d distinct fixture dumps", ndumps);
	test_baseline_property();
	test_baseline_forms();
	test_fleet_build(&tf, 0xf1ee7);
	tap_diag("fleet of %d hosts in %zu classes", TEST_FLEET, fleet_class_count(tf.f));
	test_targets(&tf);
	test_groups(&tf);
	test_changes(&tf);
	test_incremental(&tf);
	test_fleet_free(&tf);
	test_escape();
	synth_free_dumps(dumps, ndumps);
	return tap_done();
}
