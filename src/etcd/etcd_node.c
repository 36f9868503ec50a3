/*
 * etcd_node.c - apply the fleet store's changes to the local SQLite store.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "etcd_node.h"
#include "etcd_sync.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

struct etcd_node {
	struct etcd *etcd;
	struct store *store;
	char *prefix;
	char meta_key[300];	/* where the revision is kept */
	pthread_t thread;
	int started;

	/* Host ids named by the listing in progress, sorted at its end. */
	char **seen;
	size_t n_seen, cap_seen, n_listed;
	int listing;
	int64_t saved;		/* revision last written to the store */

	pthread_mutex_t mtx;	/* protects status */
	struct etcd_node_status status;
};

static void
etcd_node_count(struct etcd_node *n, uint64_t *field)
{
	pthread_mutex_lock(&n->mtx);
	(*field)++;
	pthread_mutex_unlock(&n->mtx);
}

/* Keep rev as applied: in the store (for a restart) and in the status. */
static int
etcd_node_save(struct etcd_node *n, int64_t rev, int synced)
{
	char buf[32], err[512];

	pthread_mutex_lock(&n->mtx);
	if (rev > n->status.revision)
		n->status.revision = rev;
	if (synced)
		n->status.synced = 1;
	pthread_mutex_unlock(&n->mtx);
	if (rev <= n->saved)
		return 0;
	snprintf(buf, sizeof(buf), "%" PRId64, rev);
	if (store_meta_set(n->store, n->meta_key, buf, err, sizeof(err)) == -1) {
		log_warnx("etcd: %s", err);
		return -1;
	}
	n->saved = rev;
	return 0;
}

static void
etcd_node_add_seen(struct etcd_node *n, const char *id)
{
	if (n->n_seen == n->cap_seen) {
		n->cap_seen = n->cap_seen ? n->cap_seen * 2 : 64;
		n->seen = xreallocarray(n->seen, n->cap_seen, sizeof(*n->seen));
	}
	n->seen[n->n_seen++] = xstrdup(id);
}

static int
etcd_node_begin(void *arg)
{
	struct etcd_node *n = arg;
	size_t i;

	for (i = 0; i < n->n_seen; i++)
		free(n->seen[i]);
	n->n_seen = 0;
	n->listing = 1;
	etcd_node_count(n, &n->status.listings);
	return 0;
}

static int
etcd_node_put(void *arg, const char *id, const char *value, size_t len, int64_t rev)
{
	struct etcd_node *n = arg;
	struct profile p;
	char err[512];
	int64_t version;
	int created, ret = -1;

	profile_init(&p);
	if (n->listing)
		etcd_node_add_seen(n, id);
	/* A bad entry is skipped, not fatal: the rest of the fleet still counts. */
	if (!store_host_id_valid(id)) {
		log_warnx("etcd: skipping host id \"%s\": not valid", id);
		etcd_node_count(n, &n->status.errors);
		ret = 0;
		goto cleanup;
	}
	if (profile_parse(value, len, &p, err, sizeof(err)) == -1) {
		log_warnx("etcd: skipping host %s: %s", id, err);
		etcd_node_count(n, &n->status.errors);
		ret = 0;
		goto cleanup;
	}
	util_strlcpy(p.host_id, id, sizeof(p.host_id));
	if (store_put(n->store, id, &p, (int64_t)time(NULL), &version, &created, err,
	    sizeof(err)) == -1) {
		log_warnx("etcd: storing host %s: %s", id, err);
		etcd_node_count(n, &n->status.errors);
		goto cleanup;
	}
	if (created)
		log_info("etcd: host %s version %lld (%s)", id, (long long)version, p.hash);
	etcd_node_count(n, &n->status.puts);
	ret = n->listing ? 0 : etcd_node_save(n, rev - 1, 0);
cleanup:
	profile_clear(&p);
	return ret;
}

static int
etcd_node_del(void *arg, const char *id, int64_t rev)
{
	struct etcd_node *n = arg;
	char err[512];

	if (store_set_stale(n->store, id, (int64_t)time(NULL), err, sizeof(err)) == -1) {
		log_warnx("etcd: %s", err);
		etcd_node_count(n, &n->status.errors);
		return -1;
	}
	log_info("etcd: host %s is stale (its lease expired or it was removed)", id);
	etcd_node_count(n, &n->status.deletes);
	return etcd_node_save(n, rev - 1, 0);
}

static int
etcd_node_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * After a listing, for each stored host: if the listing (the sorted first
 * n_listed entries of seen) does not name it, queue it at the tail of seen
 * to be marked stale once the iteration is over.
 */
static int
etcd_node_missing(const struct store_host *h, void *arg)
{
	struct etcd_node *n = arg;
	const char *id = h->id;

	if (h->stale_since == 0 && (n->n_listed == 0 ||
	    bsearch(&id, n->seen, n->n_listed, sizeof(*n->seen), etcd_node_cmp) == NULL))
		etcd_node_add_seen(n, h->id);
	return 0;
}

static int
etcd_node_synced(void *arg, int64_t rev, int full)
{
	struct etcd_node *n = arg;
	char err[512];
	size_t i;
	int64_t now = (int64_t)time(NULL);
	int ret = -1;

	if (!full)
		return etcd_node_save(n, rev, 1);
	n->n_listed = n->n_seen;
	if (n->n_listed > 0)
		qsort(n->seen, n->n_listed, sizeof(*n->seen), etcd_node_cmp);
	if (store_each_host(n->store, etcd_node_missing, n, err, sizeof(err)) == -1) {
		log_warnx("etcd: %s", err);
		goto cleanup;
	}
	for (i = n->n_listed; i < n->n_seen; i++) {
		if (store_set_stale(n->store, n->seen[i], now, err, sizeof(err)) == -1) {
			log_warnx("etcd: %s", err);
			goto cleanup;
		}
		log_info("etcd: host %s is stale (not in the fleet store)", n->seen[i]);
	}
	log_info("etcd: %zu hosts listed at revision %lld", n->n_listed, (long long)rev);
	ret = etcd_node_save(n, rev, 1);
cleanup:
	for (i = 0; i < n->n_seen; i++)
		free(n->seen[i]);
	n->n_seen = n->n_listed = 0;
	n->listing = 0;
	return ret;
}

static const struct etcd_sync_ops etcd_node_ops = {
	etcd_node_begin, etcd_node_put, etcd_node_del, etcd_node_synced,
};

static void *
etcd_node_main(void *arg)
{
	struct etcd_node *n = arg;
	struct timespec ts = { 1, 0 };
	char err[512], buf[32];
	int64_t from = 0, last;

	if (store_meta_get(n->store, n->meta_key, buf, sizeof(buf), err, sizeof(err)) == 0)
		from = strtoll(buf, NULL, 10);
	n->saved = from;
	if (from > 0)
		log_info("etcd: resuming from revision %lld", (long long)from);
	for (;;) {
		if (etcd_sync(n->etcd, n->prefix, from, &etcd_node_ops, n, &last, err, sizeof(err)) == 0)
			continue;
		if (errno == ECANCELED)
			break;
		/* The store failed: start again from what it has. */
		log_warnx("etcd: %s; starting again", err);
		etcd_node_count(n, &n->status.errors);
		from = n->saved;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct etcd_node *
etcd_node_start(const struct etcd_conf *c, const char *prefix, const char *db_path,
    char *err, size_t errsize)
{
	struct etcd_node *n = xcalloc(1, sizeof(*n));
	struct etcd_conf conf = *c;
	int rc;

	pthread_mutex_init(&n->mtx, NULL);
	n->prefix = xstrdup(prefix);
	snprintf(n->meta_key, sizeof(n->meta_key), "etcd_revision %s", prefix);
	conf.retry_ms = 0;
	if ((n->etcd = etcd_new(&conf, err, errsize)) == NULL ||
	    (n->store = store_open(db_path, err, errsize)) == NULL)
		goto fail;
	if ((rc = pthread_create(&n->thread, NULL, etcd_node_main, n)) != 0) {
		snprintf(err, errsize, "etcd: mirror thread: %s", strerror(rc));
		goto fail;
	}
	n->started = 1;
	return n;
fail:
	etcd_node_stop(n);
	return NULL;
}

void
etcd_node_stop(struct etcd_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	if (n->started) {
		etcd_stop(n->etcd);
		pthread_join(n->thread, NULL);
	}
	etcd_free(n->etcd);
	store_close(n->store);
	for (i = 0; i < n->n_seen; i++)
		free(n->seen[i]);
	free(n->seen);
	free(n->prefix);
	pthread_mutex_destroy(&n->mtx);
	free(n);
}

void
etcd_node_status(struct etcd_node *n, struct etcd_node_status *st)
{
	pthread_mutex_lock(&n->mtx);
	*st = n->status;
	pthread_mutex_unlock(&n->mtx);
}
