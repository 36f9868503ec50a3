/*
 * etcd_node.h - a fleet node's mirror of the fleet store on etcd into its
 * SQLite store.
 *
 * A thread with its own store connection and etcd client runs etcd_sync:
 * host records (or, in the old layout, whole profiles) are stored in
 * batches, one transaction per listing page or chunk of the watch stream
 * (at most 1000 hosts), as store_put would (a new version when the hash
 * changed); a profile blob the store lacks comes with the watch (put in
 * the transaction of its record) or is fetched from etcd once (those a
 * batch lacks, in one request), and is checked against its hash.  Each
 * delete (an expired lease) and each host missing from a full listing
 * becomes store_set_stale, history kept; a retired host's record
 * (etcd_record.h) becomes store_retire.  The revision applied is kept in
 * the store, so a restarted node resumes the watch from it and lists
 * everything only when etcd has compacted that revision away.  The
 * mirror's commits are not synced one by one (store_set_durable): a power
 * loss may take the last ones back, with the revision they completed, and
 * the node fetches them again.
 */
#ifndef MIGCOMPAT_ETCD_NODE_H
#define MIGCOMPAT_ETCD_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

struct etcd_node;

/* What the mirror has done, for health and metrics. */
struct etcd_node_status {
	int64_t revision;	/* last etcd revision applied, 0 none */
	int synced;		/* a listing or resume has completed */
	uint64_t puts, deletes, listings, errors;
	uint64_t blob_fetches;	/* blobs asked from etcd (not those the watch brought) */
	int64_t unreachable_ms;	/* how long no etcd endpoint has answered the watch, 0 if one does */
};

/*
 * Start mirroring PREFIX/hosts/ into the database at db_path.  c is
 * copied (its retry_ms is ignored: the mirror retries until stopped).
 * gc_interval nonzero: this node also takes part in the housekeeping
 * (etcd_gc.h) every gc_interval seconds, as owner, the first time 30
 * seconds after the start.  Returns NULL with a message if the store cannot
 * be opened.
 */
struct etcd_node *etcd_node_start(const struct etcd_conf *c, const char *prefix,
    const char *db_path, const char *owner, unsigned gc_interval, char *err, size_t errsize);

/* Stop the thread (within about a second) and free everything.  NULL is fine. */
void etcd_node_stop(struct etcd_node *n);

/* Copy the current status. */
void etcd_node_status(struct etcd_node *n, struct etcd_node_status *st);

#endif
