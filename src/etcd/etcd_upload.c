/*
 * etcd_upload.c - uploads and retirements as lease-less host records on etcd.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "etcd_upload.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

struct etcd_upload {
	struct etcd *e;
	char *prefix;
};

struct etcd_upload *
etcd_upload_new(const struct etcd_conf *c, const char *prefix, unsigned retry_ms,
    char *err, size_t errsize)
{
	struct etcd_upload *u = xcalloc(1, sizeof(*u));
	struct etcd_conf conf = *c;

	conf.retry_ms = retry_ms ? retry_ms : 10000;
	if ((u->e = etcd_new(&conf, err, errsize)) == NULL) {
		free(u);
		return NULL;
	}
	u->prefix = xstrdup(prefix);
	return u;
}

void
etcd_upload_free(struct etcd_upload *u)
{
	if (u == NULL)
		return;
	etcd_free(u->e);
	free(u->prefix);
	free(u);
}

/* One host with its blob if absent. */
static int
etcd_upload_one(struct etcd_upload *u, const char *id, const struct profile *p,
    char *err, size_t errsize)
{
	struct etcd_record r;
	char *blob = store_blob_json(p);
	int ret;

	etcd_record_from_profile(&r, p);
	ret = etcd_record_publish(u->e, u->prefix, id, &r, blob, strlen(blob), 0, NULL,
	    err, errsize);
	etcd_record_clear(&r);
	free(blob);
	return ret;
}

/*
 * Hosts [from, to) whose blobs etcd has (they were just published): their
 * records in one transaction that holds if every blob is still there.
 * Returns 0 (*ok 0 if a blob went meanwhile), or -1.
 */
static int
etcd_upload_chunk(struct etcd_upload *u, const char *const *ids, const struct profile *const *ps,
    size_t from, size_t to, int *ok, char *err, size_t errsize)
{
	struct etcd_cmp cmp[ETCD_UPLOAD_TXN_HOSTS];
	struct etcd_op ops[ETCD_UPLOAD_TXN_HOSTS];
	struct etcd_record r;
	char *keys[2 * ETCD_UPLOAD_TXN_HOSTS];
	size_t i, k, ncmp = 0, nkeys = 0, nops = 0;
	int ret;

	memset(cmp, 0, sizeof(cmp));
	memset(ops, 0, sizeof(ops));
	for (i = from; i < to; i++) {
		for (k = from; k < i && strcmp(ps[k]->hash, ps[i]->hash) != 0; k++)
			;
		if (k == i) {
			keys[nkeys] = etcd_record_profile_key(u->prefix, ps[i]->hash);
			cmp[ncmp].key = keys[nkeys++];
			cmp[ncmp].target = ETCD_CMP_CREATE;
			cmp[ncmp].result = ETCD_CMP_GREATER;
			cmp[ncmp].value = 0;
			ncmp++;
		}
		etcd_record_from_profile(&r, ps[i]);
		keys[nkeys] = etcd_record_json(&r);
		etcd_record_clear(&r);
		ops[nops].type = ETCD_OP_PUT;
		ops[nops].value = keys[nkeys];
		ops[nops].len = strlen(keys[nkeys++]);
		keys[nkeys] = etcd_sync_host_key(u->prefix, ids[i]);
		ops[nops].key = keys[nkeys++];
		nops++;
	}
	ret = etcd_txn(u->e, cmp, ncmp, ops, nops, NULL, 0, ok, NULL, err, errsize);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	return ret;
}

int
etcd_upload_hosts(struct etcd_upload *u, const char *const *ids,
    const struct profile *const *ps, size_t n, char *err, size_t errsize)
{
	char **done = NULL;
	size_t i, k, to, n_done = 0;
	int ok, ret = -1;

	/* Each distinct profile with its first host: the blob is there after it. */
	done = xcalloc(n ? n : 1, sizeof(*done));
	for (i = 0; i < n; i++) {
		for (k = 0; k < n_done && strcmp(done[k], ps[i]->hash) != 0; k++)
			;
		if (k < n_done)
			continue;
		if (etcd_upload_one(u, ids[i], ps[i], err, errsize) == -1)
			goto cleanup;
		done[n_done++] = (char *)ps[i]->hash;
	}
	if (n_done == n) {
		ret = 0;
		goto cleanup;
	}
	/* Then every host (the first ones again: the same record). */
	for (i = 0; i < n; i = to) {
		to = n - i < ETCD_UPLOAD_TXN_HOSTS ? n : i + ETCD_UPLOAD_TXN_HOSTS;
		if (etcd_upload_chunk(u, ids, ps, i, to, &ok, err, errsize) == -1)
			goto cleanup;
		/* A blob collected meanwhile: one by one, each with its blob. */
		for (k = i; !ok && k < to; k++)
			if (etcd_upload_one(u, ids[k], ps[k], err, errsize) == -1)
				goto cleanup;
	}
	ret = 0;
cleanup:
	free(done);
	return ret;
}

int
etcd_upload_retire(struct etcd_upload *u, const struct store_host *h, int64_t at,
    char *err, size_t errsize)
{
	struct etcd_record r;
	char *key, *json;
	int ret;

	memset(&r, 0, sizeof(r));
	util_strlcpy(r.hash, h->cur.hash, sizeof(r.hash));
	r.collected_at = h->cur.collected_at;
	util_strlcpy(r.hostname, h->cur.hostname, sizeof(r.hostname));
	util_strlcpy(r.kernel, h->cur.kernel, sizeof(r.kernel));
	util_strlcpy(r.cpu, h->cur.cpu, sizeof(r.cpu));
	r.retired_at = at;
	key = etcd_sync_host_key(u->prefix, h->id);
	json = etcd_record_json(&r);
	/* No lease: the record stays when an agent's lease expires. */
	ret = etcd_put(u->e, key, json, strlen(json), 0, NULL, err, errsize);
	free(key);
	free(json);
	return ret;
}

int
etcd_upload_retire_api(void *arg, const struct store_host *h, int64_t at, char *err,
    size_t errsize)
{
	return etcd_upload_retire(arg, h, at, err, errsize);
}

int
etcd_upload_api(void *arg, const char *const *ids, const struct profile *const *ps,
    size_t n, char *err, size_t errsize)
{
	return etcd_upload_hosts(arg, ids, ps, n, err, errsize);
}
