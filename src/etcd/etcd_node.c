/*
 * etcd_node.c - apply the fleet store's changes to the local SQLite store,
 * in batches, fetching each profile blob once.
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
#include "etcd_gc.h"
#include "etcd_node.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "hostid.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Hosts applied in one SQLite transaction, and new blobs held until then. */
#define ETCD_NODE_BATCH		1000
#define ETCD_NODE_BATCH_BLOBS	32
/*
 * Seconds from the start to the first housekeeping pass (old layout
 * converted): after a cold listing of 100 000 hosts, not in its way.
 */
#define ETCD_NODE_GC_FIRST	30

/* A host waiting for the next commit. */
struct etcd_node_item {
	char *id;
	struct etcd_record rec;		/* the record (new layout) */
	struct profile *whole;		/* or the whole profile (old layout) */
	const struct profile *blob;	/* set at the commit: the blob, when the store lacks it */
};

struct etcd_node {
	struct etcd *etcd;		/* the watch */
	struct etcd *fetch;		/* blobs, while the watch streams */
	struct store *store;
	char *prefix;
	char meta_key[300];	/* where the revision is kept */
	pthread_t thread;
	int started;
	struct etcd_gc *gc;	/* the garbage collector's thread, NULL none */

	/* Host ids named by the listing in progress, sorted at its end. */
	char **seen;
	size_t n_seen, cap_seen, n_listed;
	int listing;
	int64_t saved;		/* revision last written to the store */
	int64_t applied;	/* revision complete once the batch is committed */

	struct etcd_node_item batch[ETCD_NODE_BATCH];
	size_t n_batch;
	char *want[ETCD_NODE_BATCH_BLOBS];	/* hashes of the batch the store lacks */
	size_t n_want;
	/* Fetched for the batch, or seen in the watch and kept until a batch uses them. */
	struct profile *blobs[ETCD_NODE_BATCH_BLOBS];
	int used[ETCD_NODE_BATCH_BLOBS];	/* an item of the batch carries it */
	size_t n_blobs;
	char **known;		/* hashes the store has a blob of, sorted */
	size_t n_known, cap_known;

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
etcd_node_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Nonzero if the store is known to have the blob of hash. */
static int
etcd_node_known(struct etcd_node *n, const char *hash)
{
	return n->n_known > 0 &&
	    bsearch(&hash, n->known, n->n_known, sizeof(*n->known), etcd_node_strcmp) != NULL;
}

static void
etcd_node_add_known(struct etcd_node *n, const char *hash)
{
	size_t i;

	if (etcd_node_known(n, hash))
		return;
	if (n->n_known == n->cap_known) {
		n->cap_known = n->cap_known ? n->cap_known * 2 : 64;
		n->known = xreallocarray(n->known, n->cap_known, sizeof(*n->known));
	}
	for (i = n->n_known; i > 0 && strcmp(n->known[i - 1], hash) > 0; i--)
		n->known[i] = n->known[i - 1];
	n->known[i] = xstrdup(hash);
	n->n_known++;
}

/* Drop blob i of the batch's blobs. */
static void
etcd_node_drop_blob(struct etcd_node *n, size_t i)
{
	profile_clear(n->blobs[i]);
	free(n->blobs[i]);
	memmove(&n->blobs[i], &n->blobs[i + 1], (n->n_blobs - i - 1) * sizeof(*n->blobs));
	memmove(&n->used[i], &n->used[i + 1], (n->n_blobs - i - 1) * sizeof(*n->used));
	n->n_blobs--;
}

/*
 * Forget the batch: its hosts, what it wanted and the blobs it used (all
 * of them unless keep: those no item used wait for the next batch).
 */
static void
etcd_node_clear_batch(struct etcd_node *n, int keep)
{
	size_t i;

	for (i = 0; i < n->n_batch; i++) {
		free(n->batch[i].id);
		etcd_record_clear(&n->batch[i].rec);
		if (n->batch[i].whole != NULL) {
			profile_clear(n->batch[i].whole);
			free(n->batch[i].whole);
		}
	}
	n->n_batch = 0;
	for (i = n->n_blobs; i > 0; i--) {
		if (keep && !n->used[i - 1] && !etcd_node_known(n, n->blobs[i - 1]->hash))
			continue;
		etcd_node_drop_blob(n, i - 1);
	}
	for (i = 0; i < n->n_want; i++)
		free(n->want[i]);
	n->n_want = 0;
}

/* Index of the blob of hash among the batch's blobs, or -1. */
static int
etcd_node_blob_index(struct etcd_node *n, const char *hash)
{
	size_t i;

	for (i = 0; i < n->n_blobs; i++)
		if (strcmp(n->blobs[i]->hash, hash) == 0)
			return (int)i;
	return -1;
}

/*
 * A blob from etcd (value[len] under the key of hex): parse it, check it
 * is the profile its key names and keep it for the batch.  When the blobs
 * are many already, the oldest unused one goes (fetched again if needed).
 */
static void
etcd_node_add_blob(struct etcd_node *n, const char *hex, const char *value, size_t len)
{
	struct profile *p;
	char err[512], hash[80];
	size_t i;

	snprintf(hash, sizeof(hash), "sha256:%s", hex);
	if (etcd_node_known(n, hash) || etcd_node_blob_index(n, hash) != -1)
		return;
	p = xmalloc(sizeof(*p));
	profile_init(p);
	if (profile_parse(value, len, p, err, sizeof(err)) == -1 || strcmp(p->hash, hash) != 0) {
		log_warnx("etcd: the blob under profiles/%s is not the profile its key names", hex);
		etcd_node_count(n, &n->status.errors);
		profile_clear(p);
		free(p);
		return;
	}
	for (i = 0; n->n_blobs == ETCD_NODE_BATCH_BLOBS && i < n->n_blobs; i++)
		if (!n->used[i])
			etcd_node_drop_blob(n, i);
	if (n->n_blobs == ETCD_NODE_BATCH_BLOBS) {
		profile_clear(p);
		free(p);
		return;
	}
	n->used[n->n_blobs] = 0;
	n->blobs[n->n_blobs++] = p;
}

/* A blob etcd answered to a fetch. */
static int
etcd_node_blob_kv(const struct etcd_kv *kv, void *arg)
{
	const char *hex = strrchr(kv->key, '/');

	if (hex != NULL)
		etcd_node_add_blob(arg, hex + 1, kv->value, kv->value_len);
	return 0;
}

/* A blob put in etcd, seen by the watch: the records written with it follow. */
static int
etcd_node_blob(void *arg, const char *hex, const char *value, size_t len, int64_t rev)
{
	struct etcd_node *n = arg;

	if (!n->listing)
		n->applied = rev - 1;
	etcd_node_add_blob(n, hex, value, len);
	return 0;
}

/*
 * The blobs the batch needs and the store lacks, in one request.  Returns
 * 0 (those etcd lacks are missing from n->blobs), or -1 when stopped.
 */
static int
etcd_node_fetch(struct etcd_node *n)
{
	const char *keys[ETCD_NODE_BATCH_BLOBS];
	char err[512], *json;
	size_t i, nk = 0;
	int ret;

	for (i = 0; i < n->n_want; i++) {
		if (etcd_node_blob_index(n, n->want[i]) != -1)
			continue;
		if ((json = store_get_blob(n->store, n->want[i], NULL, err, sizeof(err))) != NULL) {
			free(json);
			etcd_node_add_known(n, n->want[i]);
			continue;
		}
		keys[nk++] = etcd_record_profile_key(n->prefix, n->want[i]);
	}
	ret = nk == 0 ? 0 : etcd_get_many(n->fetch, keys, nk, etcd_node_blob_kv, n, err,
	    sizeof(err));
	if (ret == -1)
		log_warnx("etcd: fetching %zu profiles: %s", nk, err);
	pthread_mutex_lock(&n->mtx);
	n->status.blob_fetches += nk;
	pthread_mutex_unlock(&n->mtx);
	for (i = 0; i < nk; i++)
		free((char *)keys[i]);
	return ret;
}

/* The blob of hash fetched for the batch, for its first host only; NULL if none. */
static const struct profile *
etcd_node_fetched(struct etcd_node *n, const char *hash, int *found)
{
	int i;

	*found = etcd_node_known(n, hash);
	if (*found || (i = etcd_node_blob_index(n, hash)) == -1)
		return NULL;
	*found = 1;
	if (n->used[i])
		return NULL;
	n->used[i] = 1;
	return n->blobs[i];
}

/* Commit the hosts waiting, in one transaction, and the revision they complete. */
static int
etcd_node_flush(struct etcd_node *n)
{
	struct store_put_item *items = NULL;
	struct profile *ps = NULL;
	struct etcd_node_item *it;
	char err[512], when[32];
	size_t i, k = 0;
	int ret = -1, found;

	if (n->n_batch == 0) {
		ret = n->listing ? 0 : etcd_node_save(n, n->applied, 0);
		goto cleanup;
	}
	if (etcd_node_fetch(n) == -1)
		goto cleanup;
	items = xcalloc(n->n_batch, sizeof(*items));
	ps = xcalloc(n->n_batch, sizeof(*ps));
	for (i = 0, k = 0; i < n->n_batch; i++) {
		it = &n->batch[i];
		if (it->whole != NULL) {
			memcpy(&ps[k], it->whole, sizeof(ps[k]));
		} else {
			it->blob = etcd_node_fetched(n, it->rec.hash, &found);
			if (!found) {
				/* Gone already (collected after a later change): skip. */
				log_warnx("etcd: skipping host %s: etcd has no profile %s", it->id,
				    it->rec.hash);
				etcd_node_count(n, &n->status.errors);
				continue;
			}
			etcd_record_profile(&ps[k], it->blob, &it->rec, it->id);
		}
		items[k].host_id = it->id;
		items[k].p = &ps[k];
		k++;
	}
	if (k > 0 && store_put_batch(n->store, items, k, (int64_t)time(NULL), err,
	    sizeof(err)) == -1) {
		log_warnx("etcd: storing %zu hosts: %s", k, err);
		etcd_node_count(n, &n->status.errors);
		goto cleanup;
	}
	for (i = 0; i < k; i++) {
		if (items[i].was_retired != 0) {
			util_format_time(items[i].was_retired, when, sizeof(when));
			log_info("etcd: host %s, retired at %s, is back", items[i].host_id, when);
		}
		if (items[i].created)
			log_debug("etcd: host %s version %lld (%s)", items[i].host_id,
			    (long long)items[i].version, ps[i].hash);
		etcd_node_add_known(n, ps[i].hash);
	}
	pthread_mutex_lock(&n->mtx);
	n->status.puts += k;
	pthread_mutex_unlock(&n->mtx);
	ret = n->listing ? 0 : etcd_node_save(n, n->applied, 0);
cleanup:
	etcd_node_clear_batch(n, 1);
	free(items);
	free(ps);
	return ret;
}

static int
etcd_node_begin(void *arg)
{
	struct etcd_node *n = arg;
	size_t i;

	etcd_node_clear_batch(n, 0);
	for (i = 0; i < n->n_seen; i++)
		free(n->seen[i]);
	n->n_seen = 0;
	n->listing = 1;
	etcd_node_count(n, &n->status.listings);
	return 0;
}

/*
 * A retired host's record (DELETE /v1/hosts/ID on some node): after what
 * came before it, mark the host retired, history kept.  A host this node
 * never stored has nothing to mark.
 */
static int
etcd_node_retire(struct etcd_node *n, const char *id, int64_t at, int64_t rev)
{
	char err[512], when[32];
	int64_t since;
	int already;

	if (etcd_node_flush(n) == -1)
		return -1;
	if (store_retire(n->store, id, at, &since, &already, err, sizeof(err)) == -1) {
		if (errno != ENOENT) {
			log_warnx("etcd: %s", err);
			etcd_node_count(n, &n->status.errors);
			return -1;
		}
		log_debug("etcd: host %s was retired, and never stored here", id);
	} else if (!already) {
		util_format_time(since, when, sizeof(when));
		log_info("etcd: host %s was retired at %s", id, when);
	}
	etcd_node_count(n, &n->status.deletes);
	if (n->listing)
		return 0;
	n->applied = rev - 1;
	return etcd_node_save(n, rev - 1, 0);
}

static int
etcd_node_put(void *arg, const char *id, const char *value, size_t len, int64_t rev)
{
	struct etcd_node *n = arg;
	struct etcd_node_item *it;
	struct etcd_record rec;
	char err[512];
	int64_t at;
	size_t i;
	int kind;

	if (n->listing)
		etcd_node_add_seen(n, id);
	else
		n->applied = rev - 1;
	/* A bad entry is skipped, not fatal: the rest of the fleet still counts. */
	if (!hostid_valid(id)) {
		log_warnx("etcd: skipping host id \"%s\": not valid", id);
		etcd_node_count(n, &n->status.errors);
		return 0;
	}
	it = &n->batch[n->n_batch];
	memset(it, 0, sizeof(*it));
	kind = etcd_record_parse(value, len, &it->rec);
	if (kind == 0 && it->rec.retired_at != 0) {
		at = it->rec.retired_at;
		etcd_record_clear(&it->rec);
		return etcd_node_retire(n, id, at, rev);
	}
	if (kind == 1) {
		/* The layout of before: the whole profile. */
		it->whole = xmalloc(sizeof(*it->whole));
		profile_init(it->whole);
		if (profile_parse(value, len, it->whole, err, sizeof(err)) == -1)
			kind = -1;
		else
			util_strlcpy(it->whole->host_id, id, sizeof(it->whole->host_id));
	} else if (kind == 0 && !etcd_node_known(n, it->rec.hash)) {
		/*
		 * A blob to fetch at the commit, with the others the batch
		 * needs, unless the watch brings it (or brought it) meanwhile.
		 */
		for (i = 0; i < n->n_want && strcmp(n->want[i], it->rec.hash) != 0; i++)
			;
		if (i == n->n_want && n->n_want == ETCD_NODE_BATCH_BLOBS) {
			memcpy(&rec, &it->rec, sizeof(rec));
			if (etcd_node_flush(n) == -1) {
				etcd_record_clear(&rec);
				return -1;
			}
			it = &n->batch[0];
			memset(it, 0, sizeof(*it));
			memcpy(&it->rec, &rec, sizeof(rec));
			i = 0;
		}
		if (i == n->n_want)
			n->want[n->n_want++] = xstrdup(it->rec.hash);
	}
	if (kind == -1) {
		log_warnx("etcd: skipping host %s: neither a host record nor a profile", id);
		etcd_record_clear(&it->rec);
		if (it->whole != NULL) {
			profile_clear(it->whole);
			free(it->whole);
		}
		etcd_node_count(n, &n->status.errors);
		return 0;
	}
	it->id = xstrdup(id);
	n->n_batch++;
	if (n->n_batch == ETCD_NODE_BATCH)
		return etcd_node_flush(n);
	return 0;
}

static int
etcd_node_del(void *arg, const char *id, int64_t rev)
{
	struct etcd_node *n = arg;
	char err[512];

	/* In order: what came before the delete first. */
	if (etcd_node_flush(n) == -1)
		return -1;
	if (store_set_stale(n->store, id, (int64_t)time(NULL), err, sizeof(err)) == -1) {
		log_warnx("etcd: %s", err);
		etcd_node_count(n, &n->status.errors);
		return -1;
	}
	log_info("etcd: host %s is stale (its lease expired or it was removed)", id);
	etcd_node_count(n, &n->status.deletes);
	n->applied = rev - 1;
	return etcd_node_save(n, rev - 1, 0);
}

static int
etcd_node_batch(void *arg)
{
	return etcd_node_flush(arg);
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
	    bsearch(&id, n->seen, n->n_listed, sizeof(*n->seen), etcd_node_strcmp) == NULL))
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

	if (etcd_node_flush(n) == -1)
		return -1;
	if (!full) {
		n->applied = rev;
		return etcd_node_save(n, rev, 1);
	}
	n->n_listed = n->n_seen;
	if (n->n_listed > 0)
		qsort(n->seen, n->n_listed, sizeof(*n->seen), etcd_node_strcmp);
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
	n->applied = rev;
	n->listing = 0;
	ret = etcd_node_save(n, rev, 1);
cleanup:
	for (i = 0; i < n->n_seen; i++)
		free(n->seen[i]);
	n->n_seen = n->n_listed = 0;
	n->listing = 0;
	return ret;
}

static const struct etcd_sync_ops etcd_node_ops = {
	etcd_node_begin, etcd_node_put, etcd_node_del, etcd_node_synced, etcd_node_batch,
	etcd_node_blob,
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
    const char *owner, unsigned gc_interval, char *err, size_t errsize)
{
	struct etcd_node *n = xcalloc(1, sizeof(*n));
	struct etcd_conf conf = *c;
	int rc;

	pthread_mutex_init(&n->mtx, NULL);
	n->prefix = xstrdup(prefix);
	snprintf(n->meta_key, sizeof(n->meta_key), "etcd_revision %s", prefix);
	conf.retry_ms = 0;
	if ((n->etcd = etcd_new(&conf, err, errsize)) == NULL ||
	    (n->fetch = etcd_new(&conf, err, errsize)) == NULL ||
	    (n->store = store_open(db_path, err, errsize)) == NULL ||
	    store_set_durable(n->store, 0, err, errsize) == -1)
		goto fail;
	if ((rc = pthread_create(&n->thread, NULL, etcd_node_main, n)) != 0) {
		snprintf(err, errsize, "etcd: mirror thread: %s", strerror(rc));
		goto fail;
	}
	n->started = 1;
	if (gc_interval > 0 && (n->gc = etcd_gc_start(&conf, prefix, owner, gc_interval,
	    gc_interval < ETCD_NODE_GC_FIRST ? gc_interval : ETCD_NODE_GC_FIRST, err, errsize)) == NULL)
		goto fail;
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
	etcd_gc_stop(n->gc);
	if (n->started) {
		etcd_stop(n->etcd);
		etcd_stop(n->fetch);
		pthread_join(n->thread, NULL);
	}
	etcd_node_clear_batch(n, 0);
	for (i = 0; i < n->n_known; i++)
		free(n->known[i]);
	free(n->known);
	etcd_free(n->etcd);
	etcd_free(n->fetch);
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
	uint64_t since = etcd_unreachable_since(n->etcd), now = util_now_ns();

	pthread_mutex_lock(&n->mtx);
	*st = n->status;
	pthread_mutex_unlock(&n->mtx);
	st->unreachable_ms = since != 0 && now > since ? (int64_t)((now - since) / 1000000) : 0;
}
