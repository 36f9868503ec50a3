/*
 * test-etcd-gc.c - the content-addressed layout on a real three-member
 * etcd cluster on 127.0.0.1 high ports: uploads as lease-less records,
 * the conversion of the old layout, the garbage collection of profile
 * blobs (grace period, the lock) and, raced many times against
 * publishers, that it never removes a blob a host record names.
 *
 * Needs etcd and etcdctl; skips without them.  Runs under a 180 s alarm;
 * the members are killed and their directory removed on every exit.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"
#include "etcd_gc.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "etcd_upload.h"
#include "etcdtest.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define PREFIX		"/migcompat-gc/v1"

/*
 * Profiles and checks.
 */

#define NPROF	4

static struct profile prof[NPROF];

static int
load_profiles(void)
{
	char *dir, *cmd, line[1024];
	size_t n = 0, len;
	char *text, err[256];
	FILE *f;

	dir = xasprintf("%s/instlatx64", tap_fixtures());
	cmd = xasprintf("ls %s/*.json 2>/dev/null | sort | head -%d", dir, NPROF);
	if ((f = popen(cmd, "r")) != NULL) {
		while (n < NPROF && fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			profile_init(&prof[n]);
			if ((text = util_read_file(line, PROFILE_MAX_SIZE, &len)) != NULL &&
			    profile_parse(text, len, &prof[n], err, sizeof(err)) == 0)
				n++;
			free(text);
		}
		pclose(f);
	}
	free(dir);
	free(cmd);
	return n == NPROF ? 0 : -1;
}

static int
key_exists(struct etcd *e, const char *key, struct etcd_kv *kv)
{
	char err[256], *v = NULL;
	int rc = etcd_get(e, key, &v, NULL, kv, err, sizeof(err));

	free(v);
	return rc == 0;
}

static int
blob_exists(struct etcd *e, const struct profile *p)
{
	char *key = etcd_record_profile_key(PREFIX, p->hash);
	int rc = key_exists(e, key, NULL);

	free(key);
	return rc;
}

/* What a consistent listing found: the hashes records name, the blobs. */
struct refcheck {
	char names[64][80];
	size_t n_names;
	char blobs[64][80];
	size_t n_blobs;
};

static int
refcheck_host(const struct etcd_kv *kv, void *arg)
{
	struct refcheck *c = arg;
	struct etcd_record r;

	if (kv == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	if (etcd_record_parse(kv->value, kv->value_len, &r) == 0 && c->n_names < 64)
		snprintf(c->names[c->n_names++], sizeof(c->names[0]), "%s", r.hash + 7);
	etcd_record_clear(&r);
	return 0;
}

static int
refcheck_blob(const struct etcd_kv *kv, void *arg)
{
	struct refcheck *c = arg;
	const char *slash;

	if (kv != NULL && c->n_blobs < 64 && (slash = strrchr(kv->key, '/')) != NULL)
		snprintf(c->blobs[c->n_blobs++], sizeof(c->blobs[0]), "%s", slash + 1);
	return 0;
}

/* Host records at one revision that name a blob absent at that revision; -1 on an error. */
static int
dangling(struct etcd *e)
{
	struct etcd_range_opts o = { 0, 0, 0, 0 };
	struct refcheck c;
	char err[256];
	size_t i, k;
	int64_t rev;
	int bad = 0;

	memset(&c, 0, sizeof(c));
	if (etcd_range(e, PREFIX "/hosts/", &o, refcheck_host, &c, &rev, err, sizeof(err)) == -1)
		return -1;
	o.revision = rev;
	o.keys_only = 1;
	if (etcd_range(e, PREFIX "/profiles/", &o, refcheck_blob, &c, NULL, err, sizeof(err)) == -1)
		return -1;
	for (i = 0; i < c.n_names; i++) {
		for (k = 0; k < c.n_blobs && strcmp(c.names[i], c.blobs[k]) != 0; k++)
			;
		bad += k == c.n_blobs;
	}
	return bad;
}

static int
publish(struct etcd *e, const char *id, const struct profile *p, int64_t lease)
{
	struct etcd_record r;
	char err[256], *blob = store_blob_json(p);
	int rc;

	etcd_record_from_profile(&r, p);
	rc = etcd_record_publish(e, PREFIX, id, &r, blob, strlen(blob), lease, NULL, err, sizeof(err));
	if (rc == -1)
		tap_diag("publish %s: %s", id, err);
	etcd_record_clear(&r);
	free(blob);
	return rc;
}

/*
 * Tests.
 */

static int
count_puts(const struct etcd_event *ev, void *arg)
{
	int *n = arg;

	if (ev->type == ETCD_EVENT_PUT)
		(*n)++;
	/* The whole transaction came in one message: stop at its batch. */
	return ev->type == ETCD_EVENT_BATCH ? -1 : 0;
}

/* A watch hands over every event of a transaction, not only its first. */
static void
test_watch_txn(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_op ops[3];
	char err[256];
	int64_t rev = 0;
	int ok = 0, n = 0;

	memset(ops, 0, sizeof(ops));
	ops[0].key = PREFIX "/w/a";
	ops[1].key = PREFIX "/w/b";
	ops[2].key = PREFIX "/w/c";
	ops[0].value = ops[1].value = ops[2].value = "1";
	ops[0].len = ops[1].len = ops[2].len = 1;
	etcd_txn(e, NULL, 0, ops, 3, NULL, 0, &ok, &rev, err, sizeof(err));
	etcd_watch(e, PREFIX "/w/", rev, count_puts, &n, NULL, err, sizeof(err));
	tap_ok(ok && n == 3, "a watch sees the 3 puts of one transaction (%d)", n);
	etcd_free(e);
}

static int
count_kv(const struct etcd_kv *kv, void *arg)
{
	(void)kv;
	(*(size_t *)arg)++;
	return 0;
}

/*
 * A batch of 300 whose host 250 names 50 000 running domains: its
 * transaction is over etcd's --max-request-bytes and refused, after the
 * two before it (hosts 0 to 249, 128 and 122 for the bytes) are committed.
 */
static void
test_upload_partial(struct etcd_upload *u, struct etcd *e, const char **ids,
    const struct profile **ps)
{
	struct profile big = prof[0];	/* shallow: the domains are this test's */
	char **uuids, err[512];
	size_t i, n = 0, committed = 99;
	int rc;

	uuids = xcalloc(50000, sizeof(*uuids));
	for (i = 0; i < 50000; i++)
		uuids[i] = xasprintf("%08zx-0000-4000-8000-000000000000", i);
	big.libvirt.status = LAYER_MEASURED;
	big.lv.domains.v = uuids;
	big.lv.domains.n = 50000;
	ps[250] = &big;
	etcd_delete(e, PREFIX "/hosts/many", 1, NULL, NULL, err, sizeof(err));
	rc = etcd_upload_hosts(u, ids, ps, 300, &committed, err, sizeof(err));
	etcd_range_prefix(e, PREFIX "/hosts/many", 0, count_kv, &n, NULL, err, sizeof(err));
	tap_ok(rc == -1 && committed == 250 && n == 250,
	    "a transaction etcd refuses part way: %zu hosts committed before it, %zu in etcd",
	    committed, n);
	tap_ok(rc == -1 && strstr(err, "the first 250 of the 300 hosts were stored") != NULL,
	    "... and the message says so: %s", err);
	ps[250] = &prof[0];
	for (i = 0; i < 50000; i++)
		free(uuids[i]);
	free(uuids);
}

/* Uploads: a record per host without a lease, each distinct blob once. */
/* Retiring u1: its record, marked retired, without a lease; bad marks are refused. */
static void
test_upload_retire(struct etcd *e, struct etcd_upload *u)
{
	static const char *const bad[] = { "0", "-5", "\"1\"", "null" };
	struct store_host h;
	struct etcd_record r;
	struct etcd_kv kv;
	char err[256], *v = NULL, buf[256];
	size_t len = 0, i;
	int rc, refused = 1;

	memset(&h, 0, sizeof(h));
	util_strlcpy(h.id, "u1", sizeof(h.id));
	util_strlcpy(h.cur.hash, prof[0].hash, sizeof(h.cur.hash));
	util_strlcpy(h.cur.hostname, "u1.example", sizeof(h.cur.hostname));
	rc = u != NULL ? etcd_upload_retire(u, &h, 1234, err, sizeof(err)) : -1;
	tap_ok(rc == 0, "u1 retired %s", rc ? err : "");
	memset(&r, 0, sizeof(r));
	rc = etcd_get(e, PREFIX "/hosts/u1", &v, &len, &kv, err, sizeof(err));
	tap_ok(rc == 0 && kv.lease == 0 && etcd_record_parse(v, len, &r) == 0 && r.retired_at == 1234 &&
	    strcmp(r.hash, prof[0].hash) == 0 && strcmp(r.hostname, "u1.example") == 0,
	    "its record names its profile, retired_at 1234, no lease");
	etcd_record_clear(&r);
	free(v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"record\":1,\"hash\":\"%s\",\"retired_at\":%s}",
		    prof[0].hash, bad[i]);
		memset(&r, 0, sizeof(r));
		refused &= etcd_record_parse(buf, strlen(buf), &r) == -1;
		etcd_record_clear(&r);
	}
	tap_ok(refused, "a record with retired_at 0, negative or not a number is refused");
}

static void
test_upload(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_upload *u;
	struct etcd_conf c;
	struct etcd_kv kv;
	const char *ids[5] = { "u1", "u2", "u3", "u4", "u5" };
	const struct profile *ps[5] = { &prof[0], &prof[1], &prof[0], &prof[1], &prof[0] };
	const char *many_ids[300];
	const struct profile *many_ps[300];
	char err[512], *many[300];
	int rc, ok = 1;
	size_t i, committed = 0, n;

	etcdtest_conf(&c, "012");
	u = etcd_upload_new(&c, PREFIX, 0, err, sizeof(err));
	rc = u != NULL ? etcd_upload_hosts(u, ids, ps, 5, &committed, err, sizeof(err)) : -1;
	tap_ok(rc == 0 && committed == 5, "5 hosts of 2 profiles uploaded (%zu committed) %s",
	    committed, rc ? err : "");
	for (i = 0; i < 5; i++) {
		char *key = etcd_sync_host_key(PREFIX, ids[i]);

		ok &= key_exists(e, key, &kv) && kv.lease == 0;
		free(key);
	}
	tap_ok(ok, "each has a record without a lease");
	tap_ok(blob_exists(e, &prof[0]) && blob_exists(e, &prof[1]) && !blob_exists(e, &prof[2]),
	    "the two blobs are under profiles/, nothing else");

	/* More than one transaction takes: all of them, in order. */
	for (i = 0; i < 300; i++) {
		many[i] = xasprintf("many%03zu", i);
		many_ids[i] = many[i];
		many_ps[i] = &prof[i % 2];
	}
	committed = 0;
	rc = u != NULL ? etcd_upload_hosts(u, many_ids, many_ps, 300, &committed, err,
	    sizeof(err)) : -1;
	n = 0;
	etcd_range_prefix(e, PREFIX "/hosts/many", 0, count_kv, &n, NULL, err, sizeof(err));
	tap_ok(rc == 0 && committed == 300 && n == 300,
	    "300 hosts, more than one transaction takes (%d), all committed (%zu, %zu listed)",
	    ETCD_UPLOAD_TXN_HOSTS, committed, n);
	etcd_delete(e, PREFIX "/hosts/many", 1, NULL, NULL, err, sizeof(err));

	/*
	 * etcd refuses the third transaction (a record over its request
	 * limit): the first two are stored, and the call says how many hosts.
	 */
	test_upload_partial(u, e, many_ids, many_ps);
	for (i = 0; i < 300; i++)
		free(many[i]);
	/* Gone again, so that the collection below finds what it expects. */
	etcd_delete(e, PREFIX "/hosts/many", 1, NULL, NULL, err, sizeof(err));
	test_upload_retire(e, u);
	etcd_upload_free(u);
	etcd_free(e);
}

/* The old layout is converted, keeping the lease; the lock is exclusive. */
static void
test_convert(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_gc_stats st;
	struct etcd_record r;
	struct etcd_kv kv;
	char err[256], *json, *v = NULL;
	int64_t lease = 0, l1 = 0, l2 = 0;
	size_t len = 0;
	int rc;

	json = profile_to_string(&prof[2], 0);
	etcd_lease_grant(e, 60, &lease, NULL, err, sizeof(err));
	etcd_put(e, PREFIX "/hosts/old1", json, strlen(json), lease, NULL, err, sizeof(err));
	etcd_put(e, PREFIX "/hosts/old2", json, strlen(json), 0, NULL, err, sizeof(err));
	free(json);

	tap_ok(etcd_gc_lock(e, PREFIX, "a", &l1, err, sizeof(err)) == 0 &&
	    etcd_gc_lock(e, PREFIX, "b", &l2, err, sizeof(err)) == 1,
	    "the housekeeping lock: one holder at a time");
	rc = etcd_gc_pass(e, PREFIX, l1, 1, &st, err, sizeof(err));
	tap_ok(rc == 0 && st.old_layout == 2 && st.converted == 2 && st.deleted == 0,
	    "a pass converts the 2 hosts of the old layout and deletes nothing (%s)", rc ? err : "");
	etcd_gc_unlock(e, l1);
	tap_ok(etcd_gc_lock(e, PREFIX, "b", &l2, err, sizeof(err)) == 0,
	    "after the release another takes the lock");
	etcd_gc_unlock(e, l2);
	memset(&r, 0, sizeof(r));
	rc = etcd_get(e, PREFIX "/hosts/old1", &v, &len, &kv, err, sizeof(err));
	tap_ok(rc == 0 && etcd_record_parse(v, len, &r) == 0 && strcmp(r.hash, prof[2].hash) == 0 &&
	    kv.lease == lease, "old1 is a record of its profile under its lease");
	tap_ok(blob_exists(e, &prof[2]), "with its blob");
	etcd_record_clear(&r);
	free(v);
	etcd_lease_revoke(e, lease, err, sizeof(err));
	etcd_free(e);
}

/* A blob no record names goes after the grace of one pass; named ones stay. */
static void
test_collect(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_gc_stats st;
	char err[256];
	int rc;

	/* u2 and u4 were prof[1]'s only hosts; old1 went with its lease. */
	etcd_delete(e, PREFIX "/hosts/u2", 0, NULL, NULL, err, sizeof(err));
	etcd_delete(e, PREFIX "/hosts/u4", 0, NULL, NULL, err, sizeof(err));
	rc = etcd_gc_pass(e, PREFIX, 0, 1, &st, err, sizeof(err));
	tap_ok(rc == 0 && st.unreferenced == 1 && st.deleted == 0 && blob_exists(e, &prof[1]),
	    "a blob found unreferenced once is kept (grace) (%s)", rc ? err : "");
	rc = etcd_gc_pass(e, PREFIX, 0, 1, &st, err, sizeof(err));
	tap_ok(rc == 0 && st.deleted == 1 && !blob_exists(e, &prof[1]) && st.compacted > 0,
	    "the next pass deletes it and compacts to the previous pass (%lld)",
	    (long long)st.compacted);
	tap_ok(blob_exists(e, &prof[0]) && blob_exists(e, &prof[2]) && dangling(e) == 0,
	    "the blobs records name are all there");
	/* A host publishing the collected profile again brings its blob back. */
	tap_ok(publish(e, "u2", &prof[1], 0) == 0 && blob_exists(e, &prof[1]),
	    "publishing a collected profile again writes its blob again");
	etcd_free(e);
}

/* The race: publishers re-reference blobs while the collector deletes them. */
struct racer {
	struct etcd *e;
	int stop;		/* __atomic */
	uint64_t passes, deleted, raced;
	int errors;
};

static void *
racer_gc(void *arg)
{
	struct racer *r = arg;
	struct etcd_gc_stats st;
	char err[256];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (etcd_gc_pass(r->e, PREFIX, 0, 0, &st, err, sizeof(err)) == -1) {
			tap_diag("gc pass: %s", err);
			r->errors++;
			break;
		}
		r->passes++;
		r->deleted += st.deleted;
		r->raced += st.raced;
	}
	return NULL;
}

static void
test_race(unsigned rounds)
{
	struct racer rc;
	struct etcd *e = etcdtest_client("012", 10000);
	char id[32], err[256], *v = NULL;
	pthread_t th;
	unsigned i, j, k, bad = 0, errors = 0;
	int d;

	/* Only the racers' hosts: the others would pin their blobs. */
	etcd_delete(e, PREFIX "/hosts/", 1, NULL, NULL, err, sizeof(err));
	memset(&rc, 0, sizeof(rc));
	rc.e = etcdtest_client("012", 10000);
	pthread_create(&th, NULL, racer_gc, &rc);
	for (i = 0; i < rounds; i++) {
		/*
		 * Host race0 takes a profile the collector's last pass found
		 * unreferenced (the one it deletes next, unless it sees the new
		 * record); the others move to one profile, so the rest lose their
		 * last reference.
		 */
		k = i % NPROF;
		if (etcd_get(e, PREFIX "/gc/state", &v, NULL, NULL, err, sizeof(err)) == 0) {
			for (j = 0; j < NPROF; j++)
				if (strstr(v, prof[j].hash + 7) != NULL)
					k = j;
			free(v);
			v = NULL;
		}
		if (publish(e, "race0", &prof[k], 0) == -1)
			errors++;
		for (k = 1; k < 4; k++) {
			snprintf(id, sizeof(id), "race%u", k);
			if (publish(e, id, &prof[i % NPROF], 0) == -1)
				errors++;
		}
		if ((d = dangling(e)) != 0)
			bad++;
		/* Vary the timing against the collector's passes. */
		etcdtest_sleep_ms((i * 7) % 13);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	tap_ok(errors == 0 && rc.errors == 0, "%u rounds of 4 publishes against %llu collector passes",
	    rounds, (unsigned long long)rc.passes);
	tap_ok(bad == 0 && dangling(e) == 0,
	    "no host record ever named a missing blob (%u of %u checks did)", bad, rounds);
	tap_ok(rc.deleted > 0, "the collector did delete blobs meanwhile (%llu deleted, "
	    "%llu passes stopped by a changed record)", (unsigned long long)rc.deleted,
	    (unsigned long long)rc.raced);
	etcd_free(rc.e);
	etcd_free(e);
}

int
main(void)
{
	char err[256];
	struct etcd *e;
	int i, rc;

	log_init("test-etcd-gc", getenv("MIGCOMPAT_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERR);
	if (!etcdtest_have_etcd()) {
		tap_skip("etcd and etcdctl are not installed (Debian: etcd-server etcd-client)");
		return tap_done();
	}
	if (load_profiles() == -1) {
		tap_ok(0, "%d fixture profiles in MIGCOMPAT_FIXTURES", NPROF);
		return tap_done();
	}
	etcdtest_start("migcompat-etcd-gc", 180);
	e = etcdtest_client("012", 30000);
	rc = etcd_put(e, PREFIX "/ready", "1", 1, 0, NULL, err, sizeof(err));
	tap_ok(rc == 0, "three-member cluster is up %s", rc ? err : "");
	etcd_free(e);
	if (rc != 0)
		return tap_done();
	test_watch_txn();
	test_upload();
	test_convert();
	test_collect();
	test_race(getenv("MIGCOMPAT_GC_ROUNDS") ? (unsigned)atoi(getenv("MIGCOMPAT_GC_ROUNDS")) : 200);
	alarm(0);
	for (i = 0; i < NPROF; i++)
		profile_clear(&prof[i]);
	return tap_done();
}
