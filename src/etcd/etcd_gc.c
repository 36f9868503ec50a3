/*
 * etcd_gc.c - conversion of the old layout, garbage collection of profile
 * blobs and compaction, under a lease-kept lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "etcd_gc.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "xmalloc.h"

/* A blob no record names. */
struct etcd_gc_blob {
	char *key;
	int64_t mod_revision;
};

/* The state of one pass. */
struct etcd_gc_run {
	struct etcd *e;
	const char *prefix;
	size_t hosts_len;		/* of PREFIX/hosts/ */
	size_t profiles_len;		/* of PREFIX/profiles/ */
	char **refs;			/* hashes named by records, sorted */
	size_t n_refs, cap_refs;
	struct etcd_gc_blob *cand;	/* deletion candidates */
	size_t n_cand, cap_cand;
	int64_t prev;			/* revision of the previous pass, 0 none */
	char *prev_unref;		/* the hex hashes it found unreferenced, one a line */
	char *unref;			/* those of this pass */
	size_t unref_len, unref_cap;
	struct etcd_gc_stats *st;
	char *err;
	size_t errsize;
};

static int
etcd_gc_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
etcd_gc_has_ref(struct etcd_gc_run *g, const char *hash)
{
	return g->n_refs > 0 &&
	    bsearch(&hash, g->refs, g->n_refs, sizeof(*g->refs), etcd_gc_strcmp) != NULL;
}

static void
etcd_gc_add_ref(struct etcd_gc_run *g, const char *hash)
{
	size_t i;

	if (etcd_gc_has_ref(g, hash))
		return;
	if (g->n_refs == g->cap_refs) {
		g->cap_refs = g->cap_refs ? g->cap_refs * 2 : 64;
		g->refs = xreallocarray(g->refs, g->cap_refs, sizeof(*g->refs));
	}
	for (i = g->n_refs; i > 0 && strcmp(g->refs[i - 1], hash) > 0; i--)
		g->refs[i] = g->refs[i - 1];
	g->refs[i] = xstrdup(hash);
	g->n_refs++;
}

/*
 * Convert one host of the old layout: blob and record in one transaction
 * that holds only if the key is as listed.  Returns 0 or -1 (an etcd
 * error other than an expired lease).
 */
static int
etcd_gc_convert(struct etcd_gc_run *g, const char *id, const struct etcd_kv *kv)
{
	struct etcd_record r;
	struct etcd_cmp cmp;
	struct etcd_op ops[2];
	struct profile p;
	char *blob = NULL, *json = NULL, *pkey = NULL, msg[512];
	int ok = 0, ret = -1;

	profile_init(&p);
	memset(&r, 0, sizeof(r));
	if (profile_parse(kv->value, kv->value_len, &p, msg, sizeof(msg)) == -1) {
		log_warnx("etcd: host %s: not a profile, left as it is: %s", id, msg);
		ret = 0;
		goto cleanup;
	}
	etcd_record_from_profile(&r, &p);
	etcd_gc_add_ref(g, r.hash);
	blob = store_blob_json(&p);
	json = etcd_record_json(&r);
	pkey = etcd_record_profile_key(g->prefix, r.hash);
	memset(&cmp, 0, sizeof(cmp));
	cmp.key = kv->key;
	cmp.target = ETCD_CMP_MOD;
	cmp.result = ETCD_CMP_EQUAL;
	cmp.value = kv->mod_revision;
	memset(ops, 0, sizeof(ops));
	ops[0].type = ETCD_OP_PUT;
	ops[0].key = pkey;
	ops[0].value = blob;
	ops[0].len = strlen(blob);
	ops[1].type = ETCD_OP_PUT;
	ops[1].key = kv->key;
	ops[1].value = json;
	ops[1].len = strlen(json);
	ops[1].lease = kv->lease;
	if (etcd_txn(g->e, &cmp, 1, ops, 2, NULL, 0, &ok, NULL, g->err, g->errsize) == -1) {
		if (errno == ENOENT) {
			/* Its lease expired meanwhile: the host is gone. */
			ret = 0;
		}
		goto cleanup;
	}
	if (ok) {
		g->st->converted++;
		log_info("etcd: host %s converted to a record of %s", id, r.hash);
	}
	ret = 0;
cleanup:
	etcd_record_clear(&r);
	profile_clear(&p);
	free(blob);
	free(json);
	free(pkey);
	return ret;
}

static int
etcd_gc_host(const struct etcd_kv *kv, void *arg)
{
	struct etcd_gc_run *g = arg;
	struct etcd_record r;
	int kind;

	if (kv == NULL)
		return 0;
	g->st->hosts++;
	memset(&r, 0, sizeof(r));
	kind = etcd_record_parse(kv->value, kv->value_len, &r);
	if (kind == 0)
		etcd_gc_add_ref(g, r.hash);
	etcd_record_clear(&r);
	if (kind == 1) {
		g->st->old_layout++;
		if (etcd_gc_convert(g, kv->key + g->hosts_len, kv) == -1)
			return -1;
	}
	return 0;
}

static int
etcd_gc_blob(const struct etcd_kv *kv, void *arg)
{
	struct etcd_gc_run *g = arg;
	char hash[80], line[80];
	const char *hex;

	if (kv == NULL)
		return 0;
	g->st->blobs++;
	snprintf(hash, sizeof(hash), "sha256:%s", kv->key + g->profiles_len);
	if (etcd_gc_has_ref(g, hash))
		return 0;
	g->st->unreferenced++;
	hex = kv->key + g->profiles_len;
	if (g->unref_len + strlen(hex) + 2 > g->unref_cap) {
		g->unref_cap = (g->unref_cap + strlen(hex) + 2) * 2;
		g->unref = xreallocarray(g->unref, 1, g->unref_cap);
	}
	g->unref_len += (size_t)snprintf(g->unref + g->unref_len, g->unref_cap - g->unref_len,
	    "\n%s", hex);
	/*
	 * The grace period: only a blob that the previous pass found
	 * unreferenced already and that has not changed since.
	 */
	snprintf(line, sizeof(line), "\n%s\n", hex);
	if (g->prev == 0 || kv->mod_revision > g->prev || g->prev_unref == NULL ||
	    strstr(g->prev_unref, line) == NULL)
		return 0;
	if (g->n_cand == g->cap_cand) {
		g->cap_cand = g->cap_cand ? g->cap_cand * 2 : 64;
		g->cand = xreallocarray(g->cand, g->cap_cand, sizeof(*g->cand));
	}
	g->cand[g->n_cand].key = xstrdup(kv->key);
	g->cand[g->n_cand].mod_revision = kv->mod_revision;
	g->n_cand++;
	return 0;
}

/* Delete the candidates, ETCD_GC_TXN_BLOBS per transaction, while no record changes. */
static int
etcd_gc_delete(struct etcd_gc_run *g, const char *hosts)
{
	struct etcd_cmp cmp[ETCD_GC_TXN_BLOBS + 1];
	struct etcd_op ops[ETCD_GC_TXN_BLOBS];
	size_t i, k, n;
	int ok;

	for (i = 0; i < g->n_cand; i += n) {
		n = g->n_cand - i < ETCD_GC_TXN_BLOBS ? g->n_cand - i : ETCD_GC_TXN_BLOBS;
		memset(cmp, 0, sizeof(cmp));
		memset(ops, 0, sizeof(ops));
		/* No host record written since the listing... */
		cmp[0].key = hosts;
		cmp[0].prefix = 1;
		cmp[0].target = ETCD_CMP_MOD;
		cmp[0].result = ETCD_CMP_LESS;
		cmp[0].value = g->st->revision + 1;
		for (k = 0; k < n; k++) {
			/* ... and each blob as listed. */
			cmp[k + 1].key = g->cand[i + k].key;
			cmp[k + 1].target = ETCD_CMP_MOD;
			cmp[k + 1].result = ETCD_CMP_EQUAL;
			cmp[k + 1].value = g->cand[i + k].mod_revision;
			ops[k].type = ETCD_OP_DELETE;
			ops[k].key = g->cand[i + k].key;
		}
		if (etcd_txn(g->e, cmp, n + 1, ops, n, NULL, 0, &ok, NULL, g->err, g->errsize) == -1)
			return -1;
		if (!ok) {
			g->st->raced = 1;
			return 0;
		}
		g->st->deleted += n;
	}
	return 0;
}

int
etcd_gc_lock(struct etcd *e, const char *prefix, const char *owner, int64_t *lease,
    char *err, size_t errsize)
{
	char *key = etcd_record_gc_key(prefix, "lock");
	int ok = 0, ret = -1;

	*lease = 0;
	if (etcd_lease_grant(e, ETCD_GC_LOCK_TTL, lease, NULL, err, errsize) == -1)
		goto cleanup;
	if (etcd_put_new(e, key, owner, strlen(owner), *lease, &ok, err, errsize) == -1)
		goto cleanup;
	ret = ok ? 0 : 1;
cleanup:
	if (ret != 0 && *lease != 0) {
		etcd_gc_unlock(e, *lease);
		*lease = 0;
	}
	free(key);
	return ret;
}

void
etcd_gc_unlock(struct etcd *e, int64_t lease)
{
	char err[256];

	if (lease != 0)
		etcd_lease_revoke(e, lease, err, sizeof(err));
}

int
etcd_gc_pass(struct etcd *e, const char *prefix, int64_t lease, int compact,
    struct etcd_gc_stats *st, char *err, size_t errsize)
{
	struct etcd_range_opts ho = { 0, ETCD_SYNC_PAGE, 0, 0 }, po = { 0, 1000, 1, 0 };
	struct etcd_gc_run g;
	char *hosts, *profiles, *state, *v = NULL, *sv = NULL, buf[32];
	size_t i;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	memset(&g, 0, sizeof(g));
	g.e = e;
	g.prefix = prefix;
	g.st = st;
	g.err = err;
	g.errsize = errsize;
	hosts = etcd_sync_hosts_prefix(prefix);
	profiles = etcd_record_profiles_prefix(prefix);
	state = etcd_record_gc_key(prefix, "state");
	g.hosts_len = strlen(hosts);
	g.profiles_len = strlen(profiles);
	/* The state: "REVISION" and a line per unreferenced blob, then a newline. */
	if (etcd_get(e, state, &v, NULL, NULL, err, errsize) == 0) {
		g.prev = strtoll(v, NULL, 10);
		g.prev_unref = strchr(v, '\n');
	} else if (errno != ENOENT)
		goto cleanup;
	if (etcd_range(e, hosts, &ho, etcd_gc_host, &g, &st->revision, err, errsize) == -1)
		goto cleanup;
	if (lease != 0 && etcd_lease_keepalive(e, lease, NULL, err, errsize) == -1)
		goto cleanup;
	po.revision = st->revision;
	if (etcd_range(e, profiles, &po, etcd_gc_blob, &g, NULL, err, errsize) == -1)
		goto cleanup;
	if (st->converted > 0 || st->old_layout > 0)
		st->raced = 1;
	else if (etcd_gc_delete(&g, hosts) == -1)
		goto cleanup;
	if (lease != 0 && etcd_lease_keepalive(e, lease, NULL, err, errsize) == -1)
		goto cleanup;
	if (compact && g.prev > 0) {
		if (etcd_compact(e, g.prev, err, errsize) == 0)
			st->compacted = g.prev;
		else if (errno != ERANGE)
			goto cleanup;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)st->revision);
	sv = xasprintf("%s%s\n", buf, g.unref != NULL ? g.unref : "");
	if (etcd_put(e, state, sv, strlen(sv), 0, NULL, err, errsize) == -1)
		goto cleanup;
	ret = 0;
cleanup:
	for (i = 0; i < g.n_refs; i++)
		free(g.refs[i]);
	free(g.refs);
	for (i = 0; i < g.n_cand; i++)
		free(g.cand[i].key);
	free(g.cand);
	free(g.unref);
	free(sv);
	free(v);
	free(hosts);
	free(profiles);
	free(state);
	return ret;
}

/*
 * The thread.
 */

struct etcd_gc {
	struct etcd *e;
	char *prefix, *owner;
	unsigned interval, first_delay;
	pthread_t thread;
	int started;
	int stop;		/* __atomic */
};

static void
etcd_gc_wait(struct etcd_gc *g, unsigned s)
{
	struct timespec ts = { 0, 100000000L };
	unsigned i;

	for (i = 0; i < s * 10 && !__atomic_load_n(&g->stop, __ATOMIC_RELAXED); i++)
		nanosleep(&ts, NULL);
}

static void *
etcd_gc_main(void *arg)
{
	struct etcd_gc *g = arg;
	struct etcd_gc_stats st;
	char err[512];
	int64_t lease;
	int rc;

	etcd_gc_wait(g, g->first_delay);
	while (!__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
		rc = etcd_gc_lock(g->e, g->prefix, g->owner, &lease, err, sizeof(err));
		if (rc == 0) {
			if (etcd_gc_pass(g->e, g->prefix, lease, 1, &st, err, sizeof(err)) == 0)
				log_info("etcd: housekeeping at revision %lld: %llu hosts (%llu converted "
				    "from the old layout), %llu profiles, %llu deleted%s, compacted to %lld",
				    (long long)st.revision, (unsigned long long)st.hosts,
				    (unsigned long long)st.converted, (unsigned long long)st.blobs,
				    (unsigned long long)st.deleted,
				    st.raced ? " (hosts changed: more next time)" : "",
				    (long long)st.compacted);
			else if (errno != ECANCELED)
				log_warnx("etcd: housekeeping: %s", err);
			etcd_gc_unlock(g->e, lease);
		} else if (rc == -1 && errno != ECANCELED) {
			log_warnx("etcd: housekeeping lock: %s", err);
		}
		/* Converted hosts: go on soon, to collect what they freed. */
		etcd_gc_wait(g, rc == 0 && st.converted > 0 && g->interval > 10 ? 10 : g->interval);
	}
	return NULL;
}

struct etcd_gc *
etcd_gc_start(const struct etcd_conf *c, const char *prefix, const char *owner,
    unsigned interval, unsigned first_delay_s, char *err, size_t errsize)
{
	struct etcd_gc *g = xcalloc(1, sizeof(*g));
	struct etcd_conf conf = *c;
	int rc;

	conf.retry_ms = 0;
	g->prefix = xstrdup(prefix);
	g->owner = xstrdup(owner);
	g->interval = interval ? interval : 1;
	g->first_delay = first_delay_s;
	if ((g->e = etcd_new(&conf, err, errsize)) == NULL)
		goto fail;
	if ((rc = pthread_create(&g->thread, NULL, etcd_gc_main, g)) != 0) {
		snprintf(err, errsize, "etcd: housekeeping thread: %s", strerror(rc));
		goto fail;
	}
	g->started = 1;
	return g;
fail:
	etcd_gc_stop(g);
	return NULL;
}

void
etcd_gc_stop(struct etcd_gc *g)
{
	if (g == NULL)
		return;
	if (g->started) {
		__atomic_store_n(&g->stop, 1, __ATOMIC_RELAXED);
		etcd_stop(g->e);
		pthread_join(g->thread, NULL);
	}
	etcd_free(g->e);
	free(g->prefix);
	free(g->owner);
	free(g);
}
