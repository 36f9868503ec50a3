/*
 * etcd_upload.h - uploads (PUT and POST /v1/hosts, migcompat import) to a
 * node in etcd mode go to the fleet store, so that every node serves them.
 *
 * Each host gets a record without a lease (no agent keeps it alive, so it
 * never turns stale by itself) and, if etcd lacks it, its profile blob;
 * a record is written only in a transaction that finds its blob (or
 * writes it).  A call returns 0 only once etcd committed every host.
 */
#ifndef MIGCOMPAT_ETCD_UPLOAD_H
#define MIGCOMPAT_ETCD_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "profile.h"

struct store_host;

/* Records per transaction (with one comparison per distinct blob). */
#define ETCD_UPLOAD_TXN_HOSTS	60

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
 * Publish the n hosts ids[i] with profiles ps[i] (hash set).  One
 * transaction per ETCD_UPLOAD_TXN_HOSTS hosts, so a failure may leave the
 * first ones stored.  Returns 0 once all are committed, or -1 with a
 * message.  One thread at a time.
 */
int etcd_upload_hosts(struct etcd_upload *u, const char *const *ids,
    const struct profile *const *ps, size_t n, char *err, size_t errsize);

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
    size_t n, char *err, size_t errsize);

#endif
