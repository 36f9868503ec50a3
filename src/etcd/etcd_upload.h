/*
 * etcd_upload.h - uploads (PUT and POST /v1/hosts, migcompat import) to a
 * node in etcd mode go to the fleet store, so that every node serves them.
 *
 * Each host gets a record without a lease (no agent keeps it alive, so it
 * never turns stale by itself) and, if etcd lacks it, its profile blob.
 * The blobs go first (content-addressed: a blob whose records never
 * follow is harmless, and the housekeeping deletes it), then the records
 * in as few transactions as etcd takes, each of which holds only if the
 * blobs its records name are there.  A batch that fits one transaction
 * (ETCD_UPLOAD_TXN_HOSTS hosts, the default --max-txn-ops of etcd, and
 * ETCD_UPLOAD_TXN_BYTES) is stored whole or not at all; a larger one in
 * order, a transaction at a time, and a failure says how many of its
 * first hosts were stored.
 */
#ifndef MIGCOMPAT_ETCD_UPLOAD_H
#define MIGCOMPAT_ETCD_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "profile.h"

struct store_host;

/* Records per transaction: etcd's default --max-txn-ops. */
#define ETCD_UPLOAD_TXN_HOSTS	128
/* Bytes of keys and values per transaction: within etcd's default --max-request-bytes, 1.5 MiB. */
#define ETCD_UPLOAD_TXN_BYTES	(1024 * 1024)
/* How long an upload waits once etcd was found unreachable (ms). */
#define ETCD_UPLOAD_RETRY_DOWN_MS	1500

struct etcd_upload;

/*
 * A client for uploads under prefix; c is copied, requests are retried
 * for at most retry_ms (0: 10 s) before an upload fails.  NULL with a
 * message on a bad configuration.
 */
struct etcd_upload *etcd_upload_new(const struct etcd_conf *c, const char *prefix,
    unsigned retry_ms, char *err, size_t errsize);

/* Free it.  NULL is fine. */
void etcd_upload_free(struct etcd_upload *u);

/*
 * Publish the n hosts ids[i] with profiles ps[i] (hash set).  Returns 0
 * once all are committed, or -1 with a message (errno ETIMEDOUT when etcd
 * did not answer within the retry time: right after a request found etcd
 * unreachable, ETCD_UPLOAD_RETRY_DOWN_MS).  *committed receives how many of
 * the first hosts are committed: n, or on failure 0 unless the batch took
 * more than one transaction.  One thread at a time.
 */
int etcd_upload_hosts(struct etcd_upload *u, const char *const *ids,
    const struct profile *const *ps, size_t n, size_t *committed, char *err, size_t errsize);

/*
 * Retire host h as of at (UNIX seconds): its record is replaced by a
 * retired one (etcd_record.h), without a lease, so every fleet node marks
 * it retired.  Returns 0 once etcd committed it, or -1 with a message.
 */
int etcd_upload_retire(struct etcd_upload *u, const struct store_host *h, int64_t at,
    char *err, size_t errsize);

/* For api_conf.retire: arg is a struct etcd_upload. */
int etcd_upload_retire_api(void *arg, const struct store_host *h, int64_t at,
    char *err, size_t errsize);

/* For api_conf.upload: arg is a struct etcd_upload. */
int etcd_upload_api(void *arg, const char *const *ids, const struct profile *const *ps,
    size_t n, size_t *committed, char *err, size_t errsize);

#endif
