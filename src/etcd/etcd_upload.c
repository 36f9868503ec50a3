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

/* A transaction that finds a blob gone is tried again this many times. */
#define ETCD_UPLOAD_TRIES	3

struct etcd_upload {
	struct etcd *e;
	char *prefix;
	unsigned retry_ms;
};

struct etcd_upload *
etcd_upload_new(const struct etcd_conf *c, const char *prefix, unsigned retry_ms,
    char *err, size_t errsize)
{
	struct etcd_upload *u = xcalloc(1, sizeof(*u));
	struct etcd_conf conf = *c;

	u->retry_ms = retry_ms ? retry_ms : 10000;
	conf.retry_ms = u->retry_ms;
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

/*
 * How long the next request may wait: after one that found etcd
 * unreachable, one round of the endpoints, not the whole wait, before the
 * client hears 503.
 */
static void
etcd_upload_arm(struct etcd_upload *u)
{
	etcd_set_retry(u->e, etcd_unreachable_since(u->e) != 0 ? ETCD_UPLOAD_RETRY_DOWN_MS :
	    u->retry_ms);
}

/* The blob of p under its hash, if etcd lacks it. */
static int
etcd_upload_blob(struct etcd_upload *u, const struct profile *p, char *err, size_t errsize)
{
	char *key, *blob;
	int created, ret;

	key = etcd_record_profile_key(u->prefix, p->hash);
	blob = store_blob_json(p);
	ret = etcd_put_new(u->e, key, blob, strlen(blob), 0, &created, err, errsize);
	free(key);
	free(blob);
	return ret;
}

/* Index of the first of ps[from, i) with the hash of ps[i], or i. */
static size_t
etcd_upload_first(const struct profile *const *ps, size_t from, size_t i)
{
	size_t k;

	for (k = from; k < i && strcmp(ps[k]->hash, ps[i]->hash) != 0; k++)
		;
	return k;
}

/*
 * The hosts from *from on that fit one transaction: at most
 * ETCD_UPLOAD_TXN_HOSTS, about ETCD_UPLOAD_TXN_BYTES of keys and values
 * (as base64, more than etcd counts).  *to receives the end; keys[2 * k],
 * keys[2 * k + 1] the record's key and JSON of host from + k.
 */
static void
etcd_upload_fit(struct etcd_upload *u, const char *const *ids, const struct profile *const *ps,
    size_t from, size_t n, size_t *to, char **keys)
{
	struct etcd_record r;
	size_t i, bytes = 0, one;

	for (i = from; i < n && i - from < ETCD_UPLOAD_TXN_HOSTS; i++) {
		etcd_record_from_profile(&r, ps[i]);
		keys[2 * (i - from)] = etcd_sync_host_key(u->prefix, ids[i]);
		keys[2 * (i - from) + 1] = etcd_record_json(&r);
		etcd_record_clear(&r);
		/* The record, and the comparison on its blob. */
		one = (strlen(keys[2 * (i - from)]) + strlen(keys[2 * (i - from) + 1])) * 4 / 3 +
		    strlen(u->prefix) * 2 + 200;
		if (i > from && bytes + one > ETCD_UPLOAD_TXN_BYTES) {
			free(keys[2 * (i - from)]);
			free(keys[2 * (i - from) + 1]);
			keys[2 * (i - from)] = keys[2 * (i - from) + 1] = NULL;
			break;
		}
		bytes += one;
	}
	*to = i;
}

/*
 * Hosts [from, to) (keys from etcd_upload_fit): their records in one
 * transaction that holds if every blob they name is there.  Returns 0
 * (*ok 0 if a blob went meanwhile: nothing written), or -1.
 */
static int
etcd_upload_chunk(struct etcd_upload *u, const struct profile *const *ps, size_t from,
    size_t to, char **keys, int *ok, char *err, size_t errsize)
{
	struct etcd_cmp *cmp;
	struct etcd_op *ops;
	char **pkeys;
	size_t i, ncmp = 0;
	int ret;

	cmp = xcalloc(to - from, sizeof(*cmp));
	ops = xcalloc(to - from, sizeof(*ops));
	pkeys = xcalloc(to - from, sizeof(*pkeys));
	for (i = from; i < to; i++) {
		if (etcd_upload_first(ps, from, i) == i) {
			pkeys[ncmp] = etcd_record_profile_key(u->prefix, ps[i]->hash);
			cmp[ncmp].key = pkeys[ncmp];
			cmp[ncmp].target = ETCD_CMP_CREATE;
			cmp[ncmp].result = ETCD_CMP_GREATER;
			cmp[ncmp].value = 0;
			ncmp++;
		}
		ops[i - from].type = ETCD_OP_PUT;
		ops[i - from].key = keys[2 * (i - from)];
		ops[i - from].value = keys[2 * (i - from) + 1];
		ops[i - from].len = strlen(keys[2 * (i - from) + 1]);
	}
	ret = etcd_txn(u->e, cmp, ncmp, ops, to - from, NULL, 0, ok, NULL, err, errsize);
	for (i = 0; i < ncmp; i++)
		free(pkeys[i]);
	free(pkeys);
	free(cmp);
	free(ops);
	return ret;
}

/* Write the blobs of hosts [from, to) etcd lacks, each profile once. */
static int
etcd_upload_blobs(struct etcd_upload *u, const struct profile *const *ps, size_t from,
    size_t to, char *err, size_t errsize)
{
	size_t i;

	for (i = from; i < to; i++)
		if (etcd_upload_first(ps, from, i) == i &&
		    etcd_upload_blob(u, ps[i], err, errsize) == -1)
			return -1;
	return 0;
}

int
etcd_upload_hosts(struct etcd_upload *u, const char *const *ids,
    const struct profile *const *ps, size_t n, size_t *committed, char *err, size_t errsize)
{
	char *keys[2 * ETCD_UPLOAD_TXN_HOSTS], msg[512];
	size_t i, from, to, txns = 0;
	int ok, tries, ret = -1;

	*committed = 0;
	memset(keys, 0, sizeof(keys));
	etcd_upload_arm(u);
	/*
	 * First the blobs: content-addressed and harmless where the records
	 * never follow (the housekeeping deletes blobs no record names).
	 */
	if (etcd_upload_blobs(u, ps, 0, n, msg, sizeof(msg)) == -1)
		goto fail;
	/* Then the records, in as few transactions as etcd takes. */
	for (from = 0; from < n; from = to) {
		etcd_upload_fit(u, ids, ps, from, n, &to, keys);
		for (tries = 0;; tries++) {
			if (etcd_upload_chunk(u, ps, from, to, keys, &ok, msg, sizeof(msg)) == -1)
				goto fail;
			if (ok)
				break;
			/* A blob collected meanwhile: write it again. */
			if (tries + 1 == ETCD_UPLOAD_TRIES) {
				snprintf(msg, sizeof(msg), "the profiles of hosts %s to %s were deleted "
				    "from etcd %d times while they were written", ids[from], ids[to - 1],
				    ETCD_UPLOAD_TRIES);
				errno = EAGAIN;
				goto fail;
			}
			if (etcd_upload_blobs(u, ps, from, to, msg, sizeof(msg)) == -1)
				goto fail;
		}
		for (i = 0; i < 2 * (to - from); i++) {
			free(keys[i]);
			keys[i] = NULL;
		}
		*committed = to;
		txns++;
	}
	if (txns > 1)
		log_info("etcd: %zu hosts uploaded in %zu transactions", n, txns);
	ret = 0;
	goto cleanup;
fail:
	if (*committed == 0)
		snprintf(err, errsize, "%s; none of the %zu hosts was stored", msg, n);
	else
		snprintf(err, errsize, "%s; the first %zu of the %zu hosts were stored (%s to %s), "
		    "the others not", msg, *committed, n, ids[0], ids[*committed - 1]);
cleanup:
	for (i = 0; i < 2 * ETCD_UPLOAD_TXN_HOSTS; i++)
		free(keys[i]);
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
	etcd_upload_arm(u);
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
    size_t n, size_t *committed, char *err, size_t errsize)
{
	return etcd_upload_hosts(arg, ids, ps, n, committed, err, errsize);
}
