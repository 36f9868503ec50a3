/*
 * etcd_node.h - a fleet node's mirror of the fleet store on etcd into its
 * SQLite store.
 *
 * A thread with its own store connection and etcd client runs etcd_sync:
 * each put becomes store_put (a new version when the profile changed),
 * each delete (an expired lease) and each host missing from a full listing
 * becomes store_set_stale, history kept.  The revision applied is kept in
 * the store, so a restarted node resumes the watch from it and lists
 * everything only when etcd has compacted that revision away.
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
};

/*
 * Start mirroring PREFIX/hosts/ into the database at db_path.  c is
 * copied (its retry_ms is ignored: the mirror retries until stopped).
 * Returns NULL with a message if the store cannot be opened.
 */
struct etcd_node *etcd_node_start(const struct etcd_conf *c, const char *prefix,
    const char *db_path, char *err, size_t errsize);

/* Stop the thread (within about a second) and free everything.  NULL is fine. */
void etcd_node_stop(struct etcd_node *n);

/* Copy the current status. */
void etcd_node_status(struct etcd_node *n, struct etcd_node_status *st);

#endif
