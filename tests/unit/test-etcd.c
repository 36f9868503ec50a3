/*
 * test-etcd.c - the etcd client, the agent and the sync against a real
 * three-member etcd cluster started here on 127.0.0.1 high ports: put and
 * get, leases, keep-alive and expiry seen by a watcher, failover when a
 * member dies, compaction making the sync list again, a write retried while
 * every member is down, authentication with expiring tokens.
 *
 * Needs etcd (Debian: etcd-server) and etcdctl (etcd-client); skips without
 * them.  Everything runs under a 240 s alarm and the members are killed and
 * their directory removed on every exit.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
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
#include "etcd_agent.h"
#include "etcd_node.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "etcdtest.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define PREFIX		"/migcompat-test/v1"

/* Wait until member i answers a linearizable read (it has a leader). */
static int
member_wait(int i)
{
	struct etcd_conf c;
	struct etcd *e;
	char which[2] = { (char)('0' + i), '\0' }, err[256], *v = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.endpoints[0] = etcdtest_endpoint[which[0] - '0'];
	c.n_endpoints = 1;
	c.backoff_min_ms = 50;
	c.backoff_max_ms = 200;
	c.retry_ms = 20000;
	if ((e = etcd_new(&c, err, sizeof(err))) == NULL)
		return -1;
	rc = etcd_get(e, PREFIX "/ready", &v, NULL, NULL, err, sizeof(err));
	if (rc == -1 && errno == ENOENT)
		rc = 0;
	if (rc == -1)
		tap_diag("member %d does not answer: %s", i, err);
	free(v);
	etcd_free(e);
	return rc;
}

static void
member_kill(int i)
{
	if (etcdtest_members[i].pid > 0) {
		kill(etcdtest_members[i].pid, SIGKILL);
		waitpid(etcdtest_members[i].pid, NULL, 0);
		etcdtest_members[i].pid = 0;
	}
}

static double
now_s(void)
{
	return (double)util_now_ns() / 1e9;
}

/* Run etcdctl against the members in which; returns its exit status, output in out. */
static int
etcdctl(const char *which, char *out, size_t outsize, const char *args)
{
	char cmd[1024], eps[256] = "";
	FILE *f;
	size_t n = 0;
	int st;

	for (; *which != '\0'; which++) {
		if (eps[0] != '\0')
			strcat(eps, ",");
		strcat(eps, etcdtest_endpoint[*which - '0']);
	}
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s %s 2>&1", eps, args);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (out != NULL) {
		n = fread(out, 1, outsize - 1, f);
		out[n] = '\0';
		while (n > 0 && out[n - 1] == '\n')
			out[--n] = '\0';
	} else {
		while (fgetc(f) != EOF)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The recorder of a sync: every callback appends a line.
 */

#define MAXLINES 4096

struct recorder {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	char *line[MAXLINES];
	double at[MAXLINES];
	size_t n;
	int fail_puts;		/* make put() fail */
};

struct syncer {
	struct etcd *e;
	struct recorder rec;
	int64_t from, last;
	int rc, err_no;
	char err[256];
	pthread_t thread;
};

__attribute__((format(printf, 2, 3))) static void
rec_add(struct recorder *r, const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->mtx);
	if (r->n < MAXLINES) {
		r->at[r->n] = now_s();
		r->line[r->n++] = xstrdup(buf);
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->mtx);
}

/*
 * Wait up to timeout_s for a line starting with want at index >= *from.
 * Returns the time it was recorded (and moves *from past it), or -1.
 */
static double
rec_wait(struct recorder *r, size_t *from, const char *want, double timeout_s)
{
	double deadline = now_s() + timeout_s, at = -1;
	struct timespec ts;
	size_t i;

	pthread_mutex_lock(&r->mtx);
	for (;;) {
		for (i = *from; i < r->n; i++)
			if (strncmp(r->line[i], want, strlen(want)) == 0) {
				at = r->at[i];
				*from = i + 1;
				goto cleanup;
			}
		if (now_s() >= deadline)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->mtx, &ts);
	}
cleanup:
	pthread_mutex_unlock(&r->mtx);
	return at;
}

/* Whether a line starting with want exists at index >= from. */
static int
rec_has(struct recorder *r, size_t from, const char *want)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&r->mtx);
	for (i = from; i < r->n; i++)
		if (strncmp(r->line[i], want, strlen(want)) == 0)
			found = 1;
	pthread_mutex_unlock(&r->mtx);
	return found;
}

static size_t
rec_count(struct recorder *r)
{
	size_t n;

	pthread_mutex_lock(&r->mtx);
	n = r->n;
	pthread_mutex_unlock(&r->mtx);
	return n;
}

static int
sy_begin(void *arg)
{
	rec_add(arg, "begin");
	return 0;
}

static int
sy_put(void *arg, const char *id, const char *value, size_t len, int64_t rev)
{
	struct recorder *r = arg;

	if (r->fail_puts)
		return -1;
	rec_add(r, "put %s %.*s", id, (int)(len > 80 ? 80 : len), value);
	return 0;
}

static int
sy_del(void *arg, const char *id, int64_t rev)
{
	rec_add(arg, "del %s", id);
	return 0;
}

static int
sy_synced(void *arg, int64_t rev, int full)
{
	rec_add(arg, "synced %d %lld", full, (long long)rev);
	return 0;
}

static const struct etcd_sync_ops sy_ops = { sy_begin, sy_put, sy_del, sy_synced, NULL, NULL };

static void *
syncer_main(void *arg)
{
	struct syncer *s = arg;

	s->rc = etcd_sync(s->e, PREFIX, s->from, &sy_ops, &s->rec, &s->last, s->err, sizeof(s->err));
	s->err_no = errno;
	return NULL;
}

static struct syncer *
syncer_start(const char *which, int64_t from)
{
	struct syncer *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->rec.mtx, NULL);
	pthread_cond_init(&s->rec.cond, NULL);
	s->e = etcdtest_client(which, 0);
	s->from = from;
	pthread_create(&s->thread, NULL, syncer_main, s);
	return s;
}

/* Stop the sync; returns the errno it ended with. */
static int
syncer_stop(struct syncer *s)
{
	size_t i;
	int err_no;

	etcd_stop(s->e);
	pthread_join(s->thread, NULL);
	etcd_free(s->e);
	for (i = 0; i < s->rec.n; i++)
		free(s->rec.line[i]);
	pthread_cond_destroy(&s->rec.cond);
	pthread_mutex_destroy(&s->rec.mtx);
	err_no = s->rc == -1 ? s->err_no : 0;
	free(s);
	return err_no;
}

/*
 * Tests.
 */

static int
count_kv(const struct etcd_kv *kv, void *arg)
{
	int *n = arg;

	(*n)++;
	return 0;
}

static void
test_kv(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_kv kv;
	char err[256], *v = NULL, out[256], key[64];
	int64_t rev = 0, rev2 = 0, deleted = 0;
	size_t len = 0;
	int i, n = 0, rc;
	static const char bin[] = "bin\0ary\n\xff value";

	rc = etcd_put(e, PREFIX "/kv/a", bin, sizeof(bin) - 1, 0, &rev, err, sizeof(err));
	tap_ok(rc == 0 && rev > 1, "put answers with a revision (%lld) %s", (long long)rev,
	    rc ? err : "");
	rc = etcd_get(e, PREFIX "/kv/a", &v, &len, &kv, err, sizeof(err));
	tap_ok(rc == 0 && len == sizeof(bin) - 1 && memcmp(v, bin, len) == 0 &&
	    kv.mod_revision == rev && kv.version == 1, "get returns the binary value and revision");
	free(v);
	v = NULL;
	errno = 0;
	rc = etcd_get(e, PREFIX "/kv/none", &v, &len, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ENOENT && v == NULL, "get of a missing key: ENOENT");

	rc = etcdctl("012", out, sizeof(out), "put " PREFIX "/kv/ctl 'from etcdctl'");
	rc |= etcd_get(e, PREFIX "/kv/ctl", &v, &len, NULL, err, sizeof(err));
	tap_ok(rc == 0 && v != NULL && strcmp(v, "from etcdctl") == 0,
	    "a value etcdctl put reads back (%s)", v != NULL ? v : err);
	free(v);
	v = NULL;
	etcd_put(e, PREFIX "/kv/b", "to etcdctl", 10, 0, NULL, err, sizeof(err));
	rc = etcdctl("012", out, sizeof(out), "get --print-value-only " PREFIX "/kv/b");
	tap_ok(rc == 0 && strcmp(out, "to etcdctl") == 0, "etcdctl reads what the client put (%s)",
	    out);

	for (i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), PREFIX "/range/%03d", i);
		if (etcd_put(e, key, "x", 1, 0, NULL, err, sizeof(err)) == -1)
			break;
	}
	rc = etcd_range_prefix(e, PREFIX "/range/", 0, count_kv, &n, &rev, err, sizeof(err));
	tap_ok(rc == 0 && n == 150, "listing a prefix across pages: %d keys of 150", n);
	rc = etcd_delete(e, PREFIX "/range/", 1, &deleted, &rev2, err, sizeof(err));
	tap_ok(rc == 0 && deleted == 150 && rev2 > rev, "delete of a prefix: %lld keys",
	    (long long)deleted);
	n = 0;
	rc = etcd_range_prefix(e, PREFIX "/range/", rev, count_kv, &n, NULL, err, sizeof(err));
	tap_ok(rc == 0 && n == 150, "listing at the earlier revision still sees %d keys", n);
	etcd_free(e);
}

static void
test_lease(void)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_kv kv;
	char err[256], *v = NULL;
	int64_t id = 0, granted = 0, ttl = 0;
	int rc;

	rc = etcd_lease_grant(e, 5, &id, &granted, err, sizeof(err));
	tap_ok(rc == 0 && id != 0 && granted >= 5, "lease grant: id %llx ttl %lld %s",
	    (unsigned long long)id, (long long)granted, rc ? err : "");
	rc = etcd_put(e, PREFIX "/lease/k", "v", 1, id, NULL, err, sizeof(err));
	rc |= etcd_get(e, PREFIX "/lease/k", &v, NULL, &kv, err, sizeof(err));
	tap_ok(rc == 0 && kv.lease == id, "a key put with the lease carries it");
	free(v);
	v = NULL;
	rc = etcd_lease_keepalive(e, id, &ttl, err, sizeof(err));
	tap_ok(rc == 0 && ttl >= 5, "keepalive renews the lease (ttl %lld) %s", (long long)ttl,
	    rc ? err : "");
	rc = etcd_lease_revoke(e, id, err, sizeof(err));
	tap_ok(rc == 0, "revoke %s", rc ? err : "");
	errno = 0;
	rc = etcd_get(e, PREFIX "/lease/k", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ENOENT, "revoking the lease deleted its key");
	free(v);
	errno = 0;
	rc = etcd_lease_keepalive(e, id, &ttl, err, sizeof(err));
	tap_ok(rc == -1 && errno == ENOENT, "keepalive of a revoked lease: ENOENT (%s)", err);
	errno = 0;
	rc = etcd_put(e, PREFIX "/lease/k", "v", 1, id, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ENOENT, "put with a revoked lease: ENOENT (%s)", err);
	etcd_free(e);
}

static size_t fixtures(char **paths, size_t max);

/* The record line a watcher records for host id with profile text. */
static char *
record_line(const char *id, const char *text, size_t len, char *hash, size_t hashsize)
{
	struct profile p;
	char err[256];

	profile_init(&p);
	if (profile_parse(text, len, &p, err, sizeof(err)) == -1)
		snprintf(p.hash, sizeof(p.hash), "unparsable");
	snprintf(hash, hashsize, "%s", p.hash);
	profile_clear(&p);
	return xasprintf("put %s {\"record\":1,\"hash\":\"%.40s", id, hash);
}

/*
 * The agent publishes its record (and the blob) and keeps the lease
 * alive; an unchanged profile writes nothing; a watcher sees the put, then
 * the expiry.
 */
static void
test_agent_expiry(struct syncer *s)
{
	struct etcd_agent *a = NULL;
	struct etcd_conf c;
	struct etcd *e = etcdtest_client("012", 10000);
	char err[256], *v = NULL, *paths[3] = { NULL, NULL, NULL }, *text[3] = { NULL, NULL, NULL };
	char *want[3] = { NULL, NULL, NULL }, hash[3][80], *key;
	double t0, t1, seen, lat;
	size_t mark, len[3], i, n;
	uint64_t gen;
	int64_t rev = 0, rev2 = 0;
	int rc, k;

	n = fixtures(paths, 3);
	for (i = 0; i < n; i++) {
		text[i] = util_read_file(paths[i], PROFILE_MAX_SIZE, &len[i]);
		if (text[i] != NULL)
			want[i] = record_line("h1", text[i], len[i], hash[i], sizeof(hash[i]));
	}
	if (n < 3 || want[2] == NULL) {
		tap_ok(0, "agent: 3 fixture profiles in MIGCOMPAT_FIXTURES");
		goto cleanup;
	}
	etcdtest_conf(&c, "012");
	a = etcd_agent_new(&c, PREFIX, "h1", 3, err, sizeof(err));
	tap_ok(a != NULL, "agent starts %s", a ? "" : err);
	if (a == NULL)
		goto cleanup;
	mark = rec_count(&s->rec);
	t0 = now_s();
	gen = etcd_agent_publish(a, text[0], len[0]);
	rc = etcd_agent_wait(a, gen, 10000, &rev);
	t1 = now_s();
	tap_ok(rc == 0 && rev > 0, "published profile acknowledged at revision %lld in %.0f ms",
	    (long long)rev, (t1 - t0) * 1000);
	seen = rec_wait(&s->rec, &mark, want[0], 5);
	lat = (seen - t0) * 1000;
	tap_ok(seen > 0 && lat <= 1000, "the watcher saw the record %.1f ms after the publish", lat);
	tap_diag("bench: agent publish -> fleet watcher callback: %.1f ms", lat);
	key = xasprintf("%s/profiles/%s", PREFIX, hash[0] + 7);
	rc = etcd_get(e, key, &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0, "the blob is under %s", key);
	free(key);
	free(v);
	v = NULL;
	gen = etcd_agent_publish(a, text[0], len[0]);
	rc = etcd_agent_wait(a, gen, 10000, &rev2);
	tap_ok(rc == 0 && rev2 == rev, "the same profile again writes nothing (revision %lld, %lld)",
	    (long long)rev, (long long)rev2);

	/* Two TTLs later the key is still there: the keep-alive works. */
	etcdtest_sleep_ms(6500);
	tap_ok(!rec_has(&s->rec, mark, "del h1"), "no delete while the agent keeps the lease alive");
	rc = etcd_get(e, PREFIX "/hosts/h1", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0 && v != NULL && strstr(v, hash[0]) != NULL, "the record is in etcd after 2 TTLs");
	free(v);

	/*
	 * Publishing more often than the keep-alive period must not starve
	 * the keep-alive: a put under a lease does not renew it.
	 */
	for (k = 0; k < 16; k++) {
		etcd_agent_publish(a, text[k % 2], len[k % 2]);
		etcdtest_sleep_ms(450);
	}
	tap_ok(!rec_has(&s->rec, mark, "del h1"),
	    "publishing every 0.45 s for 7 s (TTL 3 s): the lease never lapses");

	/* A new version replaces the old one under the same lease. */
	gen = etcd_agent_publish(a, text[2], len[2]);
	rc = etcd_agent_wait(a, gen, 10000, NULL);
	tap_ok(rc == 0 && rec_wait(&s->rec, &mark, want[2], 5) > 0,
	    "a third profile is acknowledged and seen");

	/* The agent stops without revoking: the lease expires within its TTL. */
	t0 = now_s();
	etcd_agent_free(a);
	a = NULL;
	seen = rec_wait(&s->rec, &mark, "del h1", 10);
	tap_ok(seen > 0 && seen - t0 <= 3.0 + 1.0,
	    "after the agent stops the watcher sees the delete in %.2f s (TTL 3 s)", seen - t0);
cleanup:
	etcd_agent_free(a);
	for (i = 0; i < 3; i++) {
		free(paths[i]);
		free(text[i]);
		free(want[i]);
	}
	etcd_free(e);
}

/* A member dies: reads, writes and the watch go on through the others. */
static void
test_failover(struct syncer *s)
{
	struct etcd *e = etcdtest_client("012", 15000);
	char err[256], *v = NULL;
	size_t mark = rec_count(&s->rec);
	double t0;
	int rc;

	/* Both the client and the sync talk to m0 first. */
	rc = etcd_put(e, PREFIX "/hosts/h2", "{\"h\":2}", 7, 0, NULL, err, sizeof(err));
	tap_ok(rc == 0 && rec_wait(&s->rec, &mark, "put h2", 5) > 0, "put before the failure seen");
	member_kill(0);
	t0 = now_s();
	rc = etcd_put(e, PREFIX "/hosts/h3", "{\"h\":3}", 7, 0, NULL, err, sizeof(err));
	tap_ok(rc == 0, "put with member 0 dead succeeds in %.0f ms via %s %s",
	    (now_s() - t0) * 1000, etcd_endpoint(e), rc ? err : "");
	rc = etcd_get(e, PREFIX "/hosts/h3", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(v, "{\"h\":3}") == 0, "get with member 0 dead");
	free(v);
	tap_ok(rec_wait(&s->rec, &mark, "put h3", 10) > 0,
	    "the watch moved to another member and saw the put");
	/* Nothing twice: the resumed watch starts after the last revision seen. */
	tap_ok(!rec_has(&s->rec, mark, "put h2"), "the resumed watch repeats no event");
	etcdtest_member_start(0);
	member_wait(0);
	etcd_free(e);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Up to max fixture dumps (paths, caller frees), sorted. */
static size_t
fixtures(char **paths, size_t max)
{
	const char *base = tap_fixtures();
	struct dirent *de;
	char *dir;
	DIR *d;
	size_t n = 0, len;

	dir = xasprintf("%s/instlatx64", base);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL && n < max) {
			len = strlen(de->d_name);
			if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
				paths[n++] = xasprintf("%s/%s", dir, de->d_name);
		}
		closedir(d);
	}
	free(dir);
	qsort(paths, n, sizeof(*paths), cmp_str);
	return n;
}

/* Fixture path as a profile with another kernel (so a profile etcd has not seen). */
static int
profile_variant(const char *path, const char *kernel, struct profile *p)
{
	char *text, err[256];
	size_t len;
	int ret = -1;

	profile_init(p);
	if ((text = util_read_file(path, PROFILE_MAX_SIZE, &len)) == NULL ||
	    profile_parse(text, len, p, err, sizeof(err)) == -1)
		goto cleanup;
	snprintf(p->kernel, sizeof(p->kernel), "%s", kernel);
	profile_update_hash(p);
	ret = 0;
cleanup:
	free(text);
	return ret;
}

/* Wait until host id is stored with hash; 0 or -1. */
static int
node_wait_host(struct store *db, const char *id, const char *hash, double timeout_s)
{
	struct store_host h;
	char err[256];
	double t0 = now_s();

	while (now_s() - t0 < timeout_s) {
		if (store_get_host(db, id, &h, err, sizeof(err)) == 0 && strcmp(h.cur.hash, hash) == 0)
			return 0;
		etcdtest_sleep_ms(5);
	}
	return -1;
}

/*
 * A running fleet node takes the blob a record is published with from its
 * watch, refuses a blob that is not the profile its key names, and a new
 * node that lists fetches the blobs.
 */
static void
test_node_blobs(struct etcd_node *node, struct store *db, char **paths)
{
	struct etcd *e = etcdtest_client("012", 10000);
	struct etcd_node_status st0, st;
	struct etcd_node *fresh = NULL;
	struct etcd_record r;
	struct etcd_conf c;
	struct etcd_op ops[2];
	struct store_host h;
	struct store *db2 = NULL;
	struct profile p, q;
	char *blob = NULL, *rec = NULL, *hkey = NULL, *pkey = NULL, err[512], dbpath[300];
	int ok = 0, rc;

	profile_init(&p);
	profile_init(&q);
	if (profile_variant(paths[1], "6.1.0-watch-blob", &p) == -1 ||
	    profile_variant(paths[2], "6.1.0-forged-blob", &q) == -1) {
		tap_ok(0, "two fixture profiles with a new kernel");
		goto cleanup;
	}
	etcd_node_status(node, &st0);
	etcd_record_from_profile(&r, &p);
	blob = store_blob_json(&p);
	rc = etcd_record_publish(e, PREFIX "/node", "w1", &r, blob, strlen(blob), 0, NULL, err,
	    sizeof(err));
	etcd_record_clear(&r);
	ok = rc == 0 && node_wait_host(db, "w1", p.hash, 5) == 0;
	etcd_node_status(node, &st);
	tap_ok(ok && st.blob_fetches == st0.blob_fetches,
	    "a record published with a new blob is stored with the blob its watch brought "
	    "(%llu blobs fetched)", (unsigned long long)(st.blob_fetches - st0.blob_fetches));

	/* A record of q whose blob key holds p's profile: neither watch nor fetch takes it. */
	etcd_record_from_profile(&r, &q);
	rec = etcd_record_json(&r);
	etcd_record_clear(&r);
	hkey = etcd_sync_host_key(PREFIX "/node", "w2");
	pkey = etcd_record_profile_key(PREFIX "/node", q.hash);
	memset(ops, 0, sizeof(ops));
	ops[0].key = hkey;
	ops[0].value = rec;
	ops[0].len = strlen(rec);
	ops[1].key = pkey;
	ops[1].value = blob;
	ops[1].len = strlen(blob);
	rc = etcd_txn(e, NULL, 0, ops, 2, NULL, 0, &ok, NULL, err, sizeof(err));
	/* Then a good one after it: once it is stored, the forged one was handled. */
	etcd_record_from_profile(&r, &p);
	if (rc == 0)
		rc = etcd_record_publish(e, PREFIX "/node", "w3", &r, blob, strlen(blob), 0, NULL,
		    err, sizeof(err));
	etcd_record_clear(&r);
	ok = rc == 0 && node_wait_host(db, "w3", p.hash, 5) == 0;
	etcd_node_status(node, &st0);
	tap_ok(ok && store_get_host(db, "w2", &h, err, sizeof(err)) == -1 && errno == ENOENT &&
	    st0.errors > st.errors, "a blob that is not the profile its key names is refused, "
	    "from the watch and fetched (%llu errors)", (unsigned long long)(st0.errors - st.errors));

	/* A new node lists: the blobs come by fetching. */
	snprintf(dbpath, sizeof(dbpath), "%s/node2.db", etcdtest_dir);
	etcdtest_conf(&c, "012");
	fresh = etcd_node_start(&c, PREFIX "/node", dbpath, "test2", 0, err, sizeof(err));
	db2 = store_open(dbpath, err, sizeof(err));
	ok = fresh != NULL && db2 != NULL && node_wait_host(db2, "w1", p.hash, 10) == 0 &&
	    node_wait_host(db2, "w3", p.hash, 5) == 0;
	if (fresh != NULL)
		etcd_node_status(fresh, &st);
	tap_ok(ok && st.blob_fetches > 0 && store_get_host(db2, "w2", &h, err, sizeof(err)) == -1,
	    "a new node lists the hosts and fetches their blobs (%llu), the forged one refused",
	    (unsigned long long)(fresh != NULL ? st.blob_fetches : 0));
cleanup:
	etcd_node_stop(fresh);
	store_close(db2);
	profile_clear(&p);
	profile_clear(&q);
	free(blob);
	free(rec);
	free(hkey);
	free(pkey);
	etcd_free(e);
}

/*
 * A fleet node's mirror into a real SQLite store: publish -> visible in the
 * store (the latency a fleet node's API sees), expiry -> stale with history
 * kept, the revision kept for a restart that resumes without a listing.
 */
static void
test_node(void)
{
	struct etcd_node_status st;
	struct etcd_agent *a;
	struct etcd_node *node;
	struct store_host h;
	struct etcd_conf c;
	struct store *db;
	struct profile p;
	char *paths[6], *text, err[512], dbpath[300], buf[32], bench[256] = "";
	double t0, lat, max = 0, lats[5] = { 0 };
	size_t n, i, len;
	int64_t version;
	int ok, created;

	n = fixtures(paths, 6);
	if (n < 6) {
		tap_ok(0, "fleet node mirror: 6 fixture profiles in MIGCOMPAT_FIXTURES (%zu)", n);
		for (i = 0; i < n; i++)
			free(paths[i]);
		return;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/node.db", etcdtest_dir);
	etcdtest_conf(&c, "012");
	a = NULL;
	node = NULL;
	if ((db = store_open(dbpath, err, sizeof(err))) == NULL) {
		tap_ok(0, "store: %s", err);
		goto cleanup;
	}
	/* A host the fleet store never had: marked stale by the first listing. */
	profile_init(&p);
	if ((text = util_read_file(paths[5], PROFILE_MAX_SIZE, &len)) != NULL &&
	    profile_parse(text, len, &p, err, sizeof(err)) == 0)
		store_put(db, "gone", &p, 1, &version, &created, err, sizeof(err));
	free(text);
	profile_clear(&p);
	node = etcd_node_start(&c, PREFIX "/node", dbpath, "test", 0, err, sizeof(err));
	a = etcd_agent_new(&c, PREFIX "/node", "n1", 3, err, sizeof(err));
	tap_ok(node != NULL && a != NULL, "a fleet node mirror and an agent start %s",
	    node && a ? "" : err);
	if (node == NULL || a == NULL)
		goto cleanup;

	ok = 1;
	for (i = 0; i < 5; i++) {
		profile_init(&p);
		text = util_read_file(paths[i], PROFILE_MAX_SIZE, &len);
		if (text == NULL || profile_parse(text, len, &p, err, sizeof(err)) == -1) {
			tap_diag("%s: %s", paths[i], err);
			ok = 0;
			free(text);
			profile_clear(&p);
			break;
		}
		t0 = now_s();
		etcd_agent_publish(a, text, len);
		lat = -1;
		while (now_s() - t0 < 5) {
			if (store_get_host(db, "n1", &h, err, sizeof(err)) == 0 &&
			    strcmp(h.cur.hash, p.hash) == 0) {
				lat = (now_s() - t0) * 1000;
				break;
			}
			etcdtest_sleep_ms(1);
		}
		if (lat < 0)
			ok = 0;
		if (lat > max)
			max = lat;
		lats[i] = lat;
		snprintf(bench + strlen(bench), sizeof(bench) - strlen(bench), " %.1f", lat);
		free(text);
		profile_clear(&p);
	}
	/* The median against the 1 s target: one slow try under valgrind is not the path. */
	qsort(lats, 5, sizeof(lats[0]), cmp_double);
	tap_ok(ok && lats[2] <= 1000 && max <= 3000,
	    "5 profiles published reach the fleet node's store, median %.1f ms, max %.1f ms",
	    lats[2], max);
	tap_diag("bench: etcd_agent_publish -> host version in the fleet node's SQLite (ms):%s", bench);
	tap_ok(store_get_host(db, "n1", &h, err, sizeof(err)) == 0 && h.cur.version == 5 &&
	    h.stale_since == 0, "the node stored 5 versions of the host (%lld)",
	    (long long)h.cur.version);
	tap_ok(store_get_host(db, "gone", &h, err, sizeof(err)) == 0 && h.stale_since != 0,
	    "a stored host absent from the fleet store's listing is marked stale");

	t0 = now_s();
	etcd_agent_free(a);
	a = NULL;
	lat = -1;
	while (now_s() - t0 < 8) {
		if (store_get_host(db, "n1", &h, err, sizeof(err)) == 0 && h.stale_since != 0) {
			lat = now_s() - t0;
			break;
		}
		etcdtest_sleep_ms(20);
	}
	tap_ok(lat > 0 && lat <= 4.0, "the agent stopped: stale in the node's store after %.2f s "
	    "(TTL 3 s)", lat);
	tap_ok(store_get_host(db, "n1", &h, err, sizeof(err)) == 0 && h.cur.version == 5,
	    "the stale host keeps its history");
	etcd_node_status(node, &st);
	tap_ok(st.synced && st.listings == 1 && st.puts >= 5 && st.deletes == 1 && st.revision > 0,
	    "node status: %llu puts, %llu deletes, %llu listing, revision %lld",
	    (unsigned long long)st.puts, (unsigned long long)st.deletes,
	    (unsigned long long)st.listings, (long long)st.revision);
	tap_ok(store_meta_get(db, "etcd_revision " PREFIX "/node", buf, sizeof(buf), err,
	    sizeof(err)) == 0 && strtoll(buf, NULL, 10) > 0, "the revision is kept in the store (%s)",
	    buf);

	/* Restart: the node resumes from the kept revision without a listing. */
	etcd_node_stop(node);
	node = NULL;
	{
		struct etcd *e = etcdtest_client("012", 10000);

		etcd_put(e, PREFIX "/node/hosts/n2", "{\"msrs\":{}}", 11, 0, NULL, err, sizeof(err));
		etcd_free(e);
	}
	node = etcd_node_start(&c, PREFIX "/node", dbpath, "test", 0, err, sizeof(err));
	t0 = now_s();
	while (now_s() - t0 < 5 && store_get_host(db, "n2", &h, err, sizeof(err)) == -1)
		etcdtest_sleep_ms(10);
	etcd_node_status(node, &st);
	tap_ok(store_get_host(db, "n2", &h, err, sizeof(err)) == 0 && st.listings == 0,
	    "a restarted node catches up from its revision without listing (%llu listings)",
	    (unsigned long long)st.listings);
	test_node_blobs(node, db, paths);
cleanup:
	etcd_agent_free(a);
	etcd_node_stop(node);
	store_close(db);
	for (i = 0; i < n; i++)
		free(paths[i]);
}

/* A sync resumes from a revision when it can, and lists again when it cannot. */
static void
test_resume(void)
{
	struct etcd *e = etcdtest_client("012", 15000);
	struct syncer *s;
	char err[256], out[256], arg[64];
	int64_t rev = 0, last;
	size_t mark = 0;
	int rc;

	/* A fleet node that stopped at rev comes back before any compaction. */
	etcd_put(e, PREFIX "/hosts/r1", "{\"r\":1}", 7, 0, &rev, err, sizeof(err));
	etcd_put(e, PREFIX "/hosts/r2", "{\"r\":2}", 7, 0, NULL, err, sizeof(err));
	etcd_delete(e, PREFIX "/hosts/r1", 0, NULL, NULL, err, sizeof(err));
	s = syncer_start("012", rev);
	tap_ok(rec_wait(&s->rec, &mark, "put r2", 5) > 0 &&
	    rec_wait(&s->rec, &mark, "del r1", 5) > 0,
	    "resuming from revision %lld replays the changes after it", (long long)rev);
	tap_ok(!rec_has(&s->rec, 0, "begin") && !rec_has(&s->rec, 0, "put r1"),
	    "... without listing everything again");
	syncer_stop(s);

	/* The same after a compaction past that revision: a full listing. */
	etcd_put(e, PREFIX "/hosts/r3", "{\"r\":3}", 7, 0, &last, err, sizeof(err));
	snprintf(arg, sizeof(arg), "compact %lld --physical", (long long)last);
	rc = etcdctl("012", out, sizeof(out), arg);
	tap_ok(rc == 0, "etcdctl compact %lld: %s", (long long)last, out);
	mark = 0;
	s = syncer_start("012", rev);
	tap_ok(rec_wait(&s->rec, &mark, "begin", 10) > 0 &&
	    rec_wait(&s->rec, &mark, "put r2", 5) > 0 &&
	    rec_wait(&s->rec, &mark, "synced 1", 5) > 0,
	    "resuming from a compacted revision lists the hosts again");
	tap_ok(!rec_has(&s->rec, 0, "put r1"), "... and the deleted host is not in the listing");
	syncer_stop(s);
	etcd_free(e);
}

/* A running sync whose stream breaks and whose revision is compacted meanwhile. */
static void
test_compaction_live(void)
{
	struct etcd *e = etcdtest_client("01", 15000);
	struct syncer *s;
	char err[256], out[256], arg[64];
	int64_t rev = 0;
	size_t mark = 0;
	int rc;

	s = syncer_start("2", 0);
	tap_ok(rec_wait(&s->rec, &mark, "synced 1", 10) > 0, "a sync on member 2 alone has listed");
	member_kill(2);
	etcd_put(e, PREFIX "/hosts/c1", "{\"c\":1}", 7, 0, NULL, err, sizeof(err));
	etcd_delete(e, PREFIX "/hosts/r2", 0, NULL, NULL, err, sizeof(err));
	etcd_put(e, PREFIX "/hosts/c2", "{\"c\":2}", 7, 0, &rev, err, sizeof(err));
	snprintf(arg, sizeof(arg), "compact %lld --physical", (long long)rev);
	rc = etcdctl("01", out, sizeof(out), arg);
	tap_ok(rc == 0, "compacted to %lld with member 2 down", (long long)rev);
	etcdtest_member_start(2);
	tap_ok(rec_wait(&s->rec, &mark, "begin", 30) > 0, "the sync found its revision compacted "
	    "and lists again");
	tap_ok(rec_wait(&s->rec, &mark, "put c2", 5) > 0 && rec_has(&s->rec, 0, "put c1") &&
	    rec_wait(&s->rec, &mark, "synced 1", 5) > 0, "the new listing has the new hosts");
	etcd_put(e, PREFIX "/hosts/c3", "{\"c\":3}", 7, 0, NULL, err, sizeof(err));
	tap_ok(rec_wait(&s->rec, &mark, "put c3", 5) > 0, "and it watches again after the listing");
	member_wait(2);
	syncer_stop(s);
	etcd_free(e);
}

/* A member cut off from the others answers "no leader" at once, so clients move on. */
static void
test_no_leader(void)
{
	struct etcd *e;
	char err[256], *v = NULL;
	double t0;
	int rc, i;

	kill(etcdtest_members[0].pid, SIGSTOP);
	kill(etcdtest_members[1].pid, SIGSTOP);
	etcdtest_sleep_ms(2000);
	e = etcdtest_client("2", 2500);
	t0 = now_s();
	rc = etcd_get(e, PREFIX "/ready", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "no leader") != NULL,
	    "a member without a leader answers \"no leader\" (retried for %.1f s: %s)", now_s() - t0, err);
	free(v);
	etcd_free(e);
	kill(etcdtest_members[0].pid, SIGCONT);
	kill(etcdtest_members[1].pid, SIGCONT);
	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		member_wait(i);
}

struct pending_put {
	struct etcd *e;
	int done;		/* __atomic */
	int rc;
	int64_t rev;
	char err[256];
};

static void *
pending_main(void *arg)
{
	struct pending_put *p = arg;

	p->rc = etcd_put(p->e, PREFIX "/hosts/down", "{\"down\":1}", 10, 0, &p->rev, p->err,
	    sizeof(p->err));
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Every member down: a write is retried, never reported done, until they return. */
static void
test_all_down(void)
{
	struct pending_put p;
	struct etcd *e = etcdtest_client("012", 1500), *g;
	pthread_t th;
	char err[256], *v = NULL;
	double t0;
	int i, rc;

	etcdtest_kill_all();
	errno = 0;
	t0 = now_s();
	rc = etcd_put(e, PREFIX "/hosts/x", "x", 1, 0, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ETIMEDOUT && now_s() - t0 < 5,
	    "with every member down a bounded put gives up with ETIMEDOUT (%s)", err);
	etcd_free(e);

	memset(&p, 0, sizeof(p));
	p.e = etcdtest_client("012", 0);
	pthread_create(&th, NULL, pending_main, &p);
	etcdtest_sleep_ms(3000);
	tap_ok(!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE),
	    "an unbounded put is still retrying after 3 s with every member down");
	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		etcdtest_member_start(i);
	t0 = now_s();
	while (!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE) && now_s() - t0 < 30)
		etcdtest_sleep_ms(50);
	tap_ok(__atomic_load_n(&p.done, __ATOMIC_ACQUIRE) && p.rc == 0 && p.rev > 0,
	    "the put is acknowledged %.1f s after the members return %s", now_s() - t0,
	    p.rc ? p.err : "");
	pthread_join(th, NULL);
	g = etcdtest_client("012", 10000);
	rc = etcd_get(g, PREFIX "/hosts/down", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(v, "{\"down\":1}") == 0, "the retried write is in etcd");
	free(v);
	etcd_free(g);
	etcd_free(p.e);

	/* etcd_stop() ends a retrying request. */
	member_kill(1);
	e = etcdtest_client("1", 0);
	memset(&p, 0, sizeof(p));
	p.e = e;
	pthread_create(&th, NULL, pending_main, &p);
	etcdtest_sleep_ms(500);
	t0 = now_s();
	etcd_stop(e);
	pthread_join(th, NULL);
	tap_ok(p.rc == -1 && now_s() - t0 < 1.5, "etcd_stop ends a retrying put in %.2f s (%s)",
	    now_s() - t0, p.err);
	etcd_free(e);
	etcdtest_member_start(1);
	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		member_wait(i);
}

/* User and password: tokens, refused credentials, expired tokens. */
static void
test_auth(void)
{
	struct etcd_conf c;
	struct etcd *e;
	struct syncer *s;
	char err[256], out[512], *v = NULL;
	size_t mark = 0;
	int rc;

	static const char *setup[] = {
		"user add root:rootpw", "user grant-role root root", "user add agent:agentpw",
		"role add fleet", "role grant-permission fleet --prefix=true readwrite " PREFIX "/",
		"user grant-role agent fleet", "auth enable",
	};
	size_t i;

	rc = 0;
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]) && rc == 0; i++)
		if ((rc = etcdctl("012", out, sizeof(out), setup[i])) != 0)
			tap_diag("etcdctl %s: %s", setup[i], out);
	tap_ok(rc == 0, "auth enabled with a user for the prefix: %s", out);

	etcdtest_conf(&c, "012");
	c.user = "agent";
	c.password = "agentpw";
	c.retry_ms = 10000;
	e = etcd_new(&c, err, sizeof(err));
	rc = etcd_put(e, PREFIX "/hosts/a1", "{\"a\":1}", 7, 0, NULL, err, sizeof(err));
	rc |= etcd_get(e, PREFIX "/hosts/a1", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(v, "{\"a\":1}") == 0, "put and get with a user's token %s",
	    rc ? err : "");
	free(v);
	v = NULL;
	errno = 0;
	rc = etcd_put(e, "/elsewhere", "x", 1, 0, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == EACCES, "outside the user's prefix: EACCES (%s)", err);
	/* Tokens live 2 s on these members. */
	etcdtest_sleep_ms(3500);
	rc = etcd_get(e, PREFIX "/hosts/a1", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0, "an expired token is renewed transparently %s", rc ? err : "");
	free(v);
	v = NULL;
	etcd_free(e);

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->rec.mtx, NULL);
	pthread_cond_init(&s->rec.cond, NULL);
	s->e = etcd_new(&c, err, sizeof(err));
	pthread_create(&s->thread, NULL, syncer_main, s);
	tap_ok(rec_wait(&s->rec, &mark, "put a1", 10) > 0 &&
	    rec_wait(&s->rec, &mark, "synced 1", 5) > 0, "a sync lists with a token");
	e = etcd_new(&c, err, sizeof(err));
	etcdtest_sleep_ms(2500);
	etcd_put(e, PREFIX "/hosts/a2", "{\"a\":2}", 7, 0, NULL, err, sizeof(err));
	tap_ok(rec_wait(&s->rec, &mark, "put a2", 5) > 0, "its watch outlives the token");
	etcd_free(e);
	syncer_stop(s);

	c.password = "wrong";
	e = etcd_new(&c, err, sizeof(err));
	errno = 0;
	rc = etcd_get(e, PREFIX "/hosts/a1", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == EACCES, "a wrong password: EACCES (%s)", err);
	free(v);
	v = NULL;
	etcd_free(e);

	etcdtest_conf(&c, "012");
	c.retry_ms = 5000;
	e = etcd_new(&c, err, sizeof(err));
	errno = 0;
	rc = etcd_get(e, PREFIX "/hosts/a1", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == EACCES, "no credentials on an auth-enabled cluster: EACCES (%s)",
	    err);
	free(v);
	etcd_free(e);
}

/*
 * TLS: a single member that requires client certificates, signed by a CA
 * made here with openssl.
 */
static void
test_tls(void)
{
	struct etcd_conf c;
	struct etcd *e;
	char cmd[4096], curl[64], purl[64], dir[300], name[300], log[300], ca[300], crt[300],
	    key[300], err[512], *v = NULL;
	unsigned cport = etcdtest_free_port(), pport = etcdtest_free_port();
	pid_t pid;
	int rc, fd;

	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		tap_skip("TLS: openssl is not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && exec >tls.log 2>&1 && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	    "-keyout ca.key -out ca.pem -days 1 -subj /CN=migcompat-test-ca && "
	    "for n in server client; do "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	    "-keyout $n.key -out $n.csr -subj /CN=$n && "
	    "printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >$n.ext && "
	    "openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	    "-out $n.pem -days 1 -extfile $n.ext || exit 1; done", etcdtest_dir);
	rc = system(cmd);
	tap_ok(rc == 0, "openssl made a CA, a server and a client certificate");
	if (rc != 0)
		return;
	snprintf(curl, sizeof(curl), "https://127.0.0.1:%u", cport);
	snprintf(purl, sizeof(purl), "http://127.0.0.1:%u", pport);
	snprintf(dir, sizeof(dir), "%s/tls.etcd", etcdtest_dir);
	snprintf(name, sizeof(name), "tls=%s", purl);
	snprintf(log, sizeof(log), "%s/tls-member.log", etcdtest_dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", etcdtest_dir);
	snprintf(crt, sizeof(crt), "%s/server.pem", etcdtest_dir);
	snprintf(key, sizeof(key), "%s/server.key", etcdtest_dir);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("etcd", "etcd", "--name", "tls", "--data-dir", dir,
		    "--listen-client-urls", curl, "--advertise-client-urls", curl,
		    "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
		    "--initial-cluster", name, "--cert-file", crt, "--key-file", key,
		    "--trusted-ca-file", ca, "--client-cert-auth",
		    "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	etcdtest_tls_pid = pid;

	memset(&c, 0, sizeof(c));
	c.endpoints[0] = curl;
	c.n_endpoints = 1;
	c.backoff_min_ms = 50;
	c.backoff_max_ms = 200;
	c.retry_ms = 20000;
	c.cacert = ca;
	snprintf(crt, sizeof(crt), "%s/client.pem", etcdtest_dir);
	snprintf(key, sizeof(key), "%s/client.key", etcdtest_dir);
	c.cert = crt;
	c.key = key;
	e = etcd_new(&c, err, sizeof(err));
	rc = etcd_put(e, "/tls/k", "over tls", 8, 0, NULL, err, sizeof(err));
	rc |= etcd_get(e, "/tls/k", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(v, "over tls") == 0, "https with a CA and a client certificate %s",
	    rc ? err : "");
	free(v);
	v = NULL;
	etcd_free(e);

	c.retry_ms = 1500;
	c.cert = c.key = NULL;
	e = etcd_new(&c, err, sizeof(err));
	errno = 0;
	rc = etcd_get(e, "/tls/k", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ETIMEDOUT, "without a client certificate: refused (%s)", err);
	free(v);
	v = NULL;
	etcd_free(e);

	c.cert = crt;
	c.key = key;
	c.cacert = NULL;
	e = etcd_new(&c, err, sizeof(err));
	errno = 0;
	rc = etcd_get(e, "/tls/k", &v, NULL, NULL, err, sizeof(err));
	tap_ok(rc == -1 && errno == ETIMEDOUT, "without the CA the server is not trusted (%s)", err);
	free(v);
	etcd_free(e);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	etcdtest_tls_pid = 0;
}

static void
test_conf(void)
{
	struct etcd_conf c;
	char err[256], list[] = "http://127.0.0.1:1, https://h:2 http://h:3/";
	char bad[] = "http://a:1,ftp://b";
	struct etcd *e;

	memset(&c, 0, sizeof(c));
	tap_ok(etcd_conf_endpoints(&c, list, err, sizeof(err)) == 0 && c.n_endpoints == 3 &&
	    strcmp(c.endpoints[1], "https://h:2") == 0, "endpoint list parses");
	e = etcd_new(&c, err, sizeof(err));
	tap_ok(e != NULL && strcmp(etcd_endpoint(e), "http://127.0.0.1:1") == 0,
	    "a client of three endpoints starts with the first");
	etcd_free(e);
	memset(&c, 0, sizeof(c));
	tap_ok(etcd_conf_endpoints(&c, bad, err, sizeof(err)) == -1, "ftp:// is refused: %s", err);
	c.n_endpoints = 0;
	tap_ok(etcd_new(&c, err, sizeof(err)) == NULL, "no endpoint is refused: %s", err);
	{
		char *k = etcd_sync_host_key("/p//", "h1");

		tap_ok(strcmp(k, "/p/hosts/h1") == 0, "host key layout: %s", k);
		free(k);
	}
}

int
main(void)
{
	struct syncer *s;
	char out[256];
	struct etcd *e;
	char err[256];
	int rc;

	log_init("test-etcd", getenv("MIGCOMPAT_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERR);
	test_conf();
	if (!etcdtest_have_etcd()) {
		tap_skip("etcd and etcdctl are not installed (Debian: etcd-server etcd-client)");
		return tap_done();
	}
	etcdtest_start("migcompat-etcd", 240);

	e = etcdtest_client("012", 30000);
	rc = etcd_put(e, PREFIX "/ready", "1", 1, 0, NULL, err, sizeof(err));
	tap_ok(rc == 0, "three-member cluster on ports %u %u %u is up %s", etcdtest_members[0].cport,
	    etcdtest_members[1].cport, etcdtest_members[2].cport, rc ? err : "");
	etcd_free(e);
	if (rc != 0) {
		snprintf(out, sizeof(out), "tail -5 %s/m0.log", etcdtest_dir);
		if (system(out) != 0)
			tap_diag("no log");
		return tap_done();
	}

	test_kv();
	test_lease();
	s = syncer_start("012", 0);
	{
		size_t mark = 0;

		tap_ok(rec_wait(&s->rec, &mark, "begin", 5) > 0 &&
		    rec_wait(&s->rec, &mark, "synced 1", 5) > 0, "a new sync lists the hosts first");
	}
	test_agent_expiry(s);
	test_failover(s);
	rc = syncer_stop(s);
	tap_ok(rc == ECANCELED, "etcd_stop ends the sync with ECANCELED");
	test_node();
	test_resume();
	test_compaction_live();
	test_no_leader();
	test_all_down();
	test_auth();
	test_tls();
	alarm(0);
	return tap_done();
}
