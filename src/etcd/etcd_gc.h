/*
 * etcd_gc.h - the fleet store's housekeeping on etcd, by one fleet node at
 * a time: conversion of the old layout, garbage collection of profile
 * blobs no host record references, and compaction.
 *
 * The lock: PREFIX/gc/lock, put only if absent under a lease of
 * ETCD_GC_LOCK_TTL seconds that the holder keeps alive and revokes when
 * done.  The lock only saves work: the collection is safe without it.
 *
 * A pass, at one revision R of a listing of PREFIX/hosts/:
 *  1. every host in the old layout (the whole profile) is converted: a
 *     transaction that holds only if the key is unchanged since R puts the
 *     blob and the record (same lease).  A pass that converted anything
 *     deletes nothing (its own writes came after R).
 *  2. the hashes the records name are the referenced set; a blob under
 *     PREFIX/profiles/ that is not in it, that the previous pass found
 *     unreferenced too and that has not changed since (PREFIX/gc/state
 *     keeps the previous pass's R and unreferenced blobs: the grace period
 *     is one pass interval), is deleted by a transaction that also requires every key under
 *     PREFIX/hosts/ to have mod_revision <= R and the blob to be unchanged.
 *     A publisher writes a record and, if absent, its blob in one
 *     transaction, so a record written after R either aborts the delete
 *     (it came first) or finds the blob gone and writes it again.
 *  3. the key-value history is compacted to the previous pass's R, which
 *     fleet nodes that lag less than one interval can still resume from.
 */
#ifndef MIGCOMPAT_ETCD_GC_H
#define MIGCOMPAT_ETCD_GC_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

/* TTL of the lock's lease, seconds. */
#define ETCD_GC_LOCK_TTL	60

/* Blobs deleted per transaction (each also compares its revision). */
#define ETCD_GC_TXN_BLOBS	50

struct etcd_gc_stats {
	int64_t revision;		/* of the listing */
	uint64_t hosts;			/* host keys listed */
	uint64_t old_layout;		/* of them in the old layout */
	uint64_t converted;		/* converted to records */
	uint64_t blobs;			/* blobs listed */
	uint64_t unreferenced;		/* of them no record names */
	uint64_t deleted;		/* blobs deleted */
	int raced;			/* a host record changed: deletion left for later */
	int64_t compacted;		/* revision compacted to, 0 none */
};

/*
 * Take the lock for owner (a name for etcdctl to show).  Returns 0 with
 * the lock's lease in *lease, 1 if another holds it, -1 on an error.
 */
int etcd_gc_lock(struct etcd *e, const char *prefix, const char *owner, int64_t *lease,
    char *err, size_t errsize);

/* Release the lock (revoke its lease).  Errors are ignored: it expires. */
void etcd_gc_unlock(struct etcd *e, int64_t lease);

/*
 * One pass as above.  lease, if nonzero, is kept alive between steps.
 * compact zero: no compaction.  Returns 0 with st filled, or -1.
 */
int etcd_gc_pass(struct etcd *e, const char *prefix, int64_t lease, int compact,
    struct etcd_gc_stats *st, char *err, size_t errsize);

struct etcd_gc;

/*
 * A thread that, every interval seconds (the first time after
 * first_delay_s), takes the lock and runs a pass.  c is copied.  NULL with
 * a message if the client cannot be made.
 */
struct etcd_gc *etcd_gc_start(const struct etcd_conf *c, const char *prefix, const char *owner,
    unsigned interval, unsigned first_delay_s, char *err, size_t errsize);

/* Stop the thread (within about a second) and free it.  NULL is fine. */
void etcd_gc_stop(struct etcd_gc *g);

#endif
