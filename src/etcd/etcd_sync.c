/*
 * etcd_sync.c - list in pages, then watch, the hosts of the fleet store on etcd.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "log.h"
#include "xmalloc.h"

struct etcd_sync_state {
	const struct etcd_sync_ops *ops;
	void *arg;
	const char *dir;	/* PREFIX/hosts/ */
	size_t plen;		/* its length */
	char *blobs;		/* PREFIX/profiles/ */
	size_t blen;
	int64_t last;		/* last revision handed over completely */
	int failed;		/* a callback returned -1 */
};

char *
etcd_sync_hosts_prefix(const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	return xasprintf("%.*s/hosts/", (int)n, prefix);
}

char *
etcd_sync_host_key(const char *prefix, const char *host_id)
{
	char *dir, *key;

	dir = etcd_sync_hosts_prefix(prefix);
	key = xasprintf("%s%s", dir, host_id);
	free(dir);
	return key;
}

/* The host id of a key, or NULL if the key is not a host's. */
static const char *
etcd_sync_id(struct etcd_sync_state *st, const struct etcd_kv *kv)
{
	const char *id = kv->key + st->plen;

	if (kv->key_len <= st->plen || memcmp(kv->key, st->dir, st->plen) != 0 ||
	    strlen(id) != kv->key_len - st->plen || strchr(id, '/') != NULL) {
		log_debug("etcd: ignoring key %s", kv->key);
		return NULL;
	}
	return id;
}

static int
etcd_sync_list_kv(const struct etcd_kv *kv, void *arg)
{
	struct etcd_sync_state *st = arg;
	const char *id;

	if (kv == NULL) {
		/* The end of a page. */
		if (st->ops->batch != NULL && st->ops->batch(st->arg) == -1) {
			st->failed = 1;
			return -1;
		}
		return 0;
	}
	if ((id = etcd_sync_id(st, kv)) == NULL)
		return 0;
	if (st->ops->put(st->arg, id, kv->value, kv->value_len, kv->mod_revision) == -1) {
		st->failed = 1;
		return -1;
	}
	return 0;
}

static int
etcd_sync_event(const struct etcd_event *ev, void *arg)
{
	struct etcd_sync_state *st = arg;
	const char *id;
	int rc = 0;

	switch (ev->type) {
	case ETCD_EVENT_PUT:
		if (st->blobs != NULL && ev->kv.key_len > st->blen &&
		    memcmp(ev->kv.key, st->blobs, st->blen) == 0) {
			rc = st->ops->blob(st->arg, ev->kv.key + st->blen, ev->kv.value,
			    ev->kv.value_len, ev->revision);
			break;
		}
		if ((id = etcd_sync_id(st, &ev->kv)) != NULL)
			rc = st->ops->put(st->arg, id, ev->kv.value, ev->kv.value_len, ev->revision);
		break;
	case ETCD_EVENT_DELETE:
		if ((id = etcd_sync_id(st, &ev->kv)) != NULL)
			rc = st->ops->del(st->arg, id, ev->revision);
		break;
	case ETCD_EVENT_PROGRESS:
		rc = st->ops->synced(st->arg, ev->revision, 0);
		break;
	case ETCD_EVENT_BATCH:
		if (st->ops->batch != NULL && st->ops->batch(st->arg) == -1) {
			st->failed = 1;
			return -1;
		}
		return 0;
	}
	if (rc == -1) {
		st->failed = 1;
		return -1;
	}
	/*
	 * Events of one revision may span callbacks; the revision before is
	 * complete once one of a later revision arrives.
	 */
	if (ev->type == ETCD_EVENT_PROGRESS)
		st->last = ev->revision;
	else if (ev->revision - 1 > st->last)
		st->last = ev->revision - 1;
	return 0;
}

int
etcd_sync(struct etcd *e, const char *prefix, int64_t from, const struct etcd_sync_ops *ops,
    void *arg, int64_t *last, char *err, size_t errsize)
{
	struct etcd_range_opts ro = { 0, ETCD_SYNC_PAGE, 0, 1 };
	struct etcd_sync_state st;
	char *dir, *root = NULL;
	int64_t rev, next;
	int list = from <= 0, ret = -1;

	memset(&st, 0, sizeof(st));
	st.ops = ops;
	st.arg = arg;
	st.last = from > 0 ? from : 0;
	dir = etcd_sync_hosts_prefix(prefix);
	st.dir = dir;
	st.plen = strlen(dir);
	if (ops->blob != NULL) {
		st.blobs = etcd_record_profiles_prefix(prefix);
		st.blen = strlen(st.blobs);
		root = etcd_record_root(prefix);
	}
	next = from + 1;
	for (;;) {
		if (list) {
			log_info("etcd: listing %s", dir);
			if (ops->begin(arg) == -1) {
				snprintf(err, errsize, "etcd: listing of %s stopped", dir);
				errno = EINTR;
				goto cleanup;
			}
			if (etcd_range_ahead(e, dir, &ro, 2, etcd_sync_list_kv, &st, &rev, err,
			    errsize) == -1) {
				if (st.failed)
					errno = EINTR;
				/* A page of the listing was compacted away: list again. */
				if (errno == ERANGE)
					continue;
				goto cleanup;
			}
			if (ops->synced(arg, rev, 1) == -1) {
				snprintf(err, errsize, "etcd: listing of %s stopped", dir);
				errno = EINTR;
				goto cleanup;
			}
			st.last = rev;
			next = rev + 1;
			list = 0;
		}
		if (etcd_watch(e, root != NULL ? root : dir, next, etcd_sync_event, &st, &next, err,
		    errsize) == 0)
			continue;
		if (errno != ERANGE)
			goto cleanup;
		log_info("etcd: %s; listing again", err);
		list = 1;
	}
cleanup:
	if (last != NULL)
		*last = st.last;
	free(dir);
	free(root);
	free(st.blobs);
	return ret;
}
