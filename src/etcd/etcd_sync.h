/*
 * etcd_sync.h - the fleet store on etcd: its key layout and the fleet
 * node's side, which mirrors the host profiles into a local store.
 *
 * Layout (etcd_record.h): PREFIX/hosts/ID holds the record of host ID,
 * put by the host's agent with a lease whose TTL is three collection
 * intervals and which the agent keeps alive while it runs, or by an upload
 * without a lease.  When the agent stops, the lease expires, etcd deletes
 * the key, and a fleet node marks the host stale (it keeps its history).
 * A retired host's key holds a retired record instead, without a lease.
 * The listing reads pages of ETCD_SYNC_PAGE hosts at one revision.
 */
#ifndef MIGCOMPAT_ETCD_SYNC_H
#define MIGCOMPAT_ETCD_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

/* Hosts per page of a listing: records of a few hundred bytes, about 1 MB. */
#define ETCD_SYNC_PAGE		1000

/* The default key prefix (etcd_prefix in migcompatd.conf). */
#define ETCD_SYNC_DEFAULT_PREFIX	"/migcompat/v1"

/* "PREFIX/hosts/" with exactly one '/' between; caller frees. */
char *etcd_sync_hosts_prefix(const char *prefix);

/* "PREFIX/hosts/ID"; caller frees. */
char *etcd_sync_host_key(const char *prefix, const char *host_id);

/*
 * What a fleet node does with the fleet's changes.  Each callback returns
 * 0, or -1 to end etcd_sync() (which then returns -1 with errno EINTR).
 */
struct etcd_sync_ops {
	/*
	 * A full listing begins (no revision to resume from, or it was
	 * compacted): every host that gets no put() before the next
	 * synced(..., full = 1) is no longer in etcd.
	 */
	int (*begin)(void *arg);
	/*
	 * Host id has this value (value[len], NUL-terminated: a record or, in
	 * the old layout, a profile) since rev.
	 */
	int (*put)(void *arg, const char *id, const char *value, size_t len, int64_t rev);
	/* The key of host id was deleted at rev: its lease expired or it was removed. */
	int (*del)(void *arg, const char *id, int64_t rev);
	/*
	 * Every change up to rev has been handed over; full is 1 at the end
	 * of a listing and 0 on a progress report of the watch.  A caller
	 * that keeps rev can resume from it with etcd_sync(..., from = rev).
	 */
	int (*synced)(void *arg, int64_t rev, int full);
	/*
	 * NULL, or called when the changes handed over so far are all there
	 * is for now (a page of the listing, a chunk of the watch stream):
	 * the moment to commit them in one transaction.
	 */
	int (*batch)(void *arg);
	/*
	 * NULL, or the watch covers all of PREFIX/ and each profile blob put
	 * under PREFIX/profiles/HEX comes here (value[len], NUL-terminated)
	 * in revision order with the hosts: the blob a record is published
	 * with arrives in the same transaction's events, before the batch
	 * that carries the record ends.  Other keys are ignored; a listing
	 * reads the hosts only.
	 */
	int (*blob)(void *arg, const char *hex, const char *value, size_t len, int64_t rev);
};

/*
 * Mirror PREFIX/hosts/ (and, with ops->blob, new blobs of
 * PREFIX/profiles/) into ops: if from > 0, watch from revision from + 1
 * (the caller applied everything up to from), else list the hosts first;
 * then watch, resuming across endpoint failures, and list again whenever
 * the revision to resume from has been compacted.  Runs until etcd_stop()
 * (-1, ECANCELED), a callback returns -1 (-1, EINTR) or the client's
 * retry_ms passes without etcd (-1, ETIMEDOUT).  *last, if not NULL,
 * receives the last revision handed over completely.
 */
int etcd_sync(struct etcd *e, const char *prefix, int64_t from, const struct etcd_sync_ops *ops,
    void *arg, int64_t *last, char *err, size_t errsize);

#endif
