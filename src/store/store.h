/*
 * store.h - the profile store: one SQLite database in WAL mode.
 *
 * Profiles are content-addressed: a blob holds the JSON of a profile with
 * its host identity removed, keyed by the profile hash, so hosts that share
 * a configuration share a blob.  Each host has a history of versions, each
 * pointing at a blob, with the time it was collected and stored.  Every
 * write runs in one transaction; the schema is versioned (PRAGMA
 * user_version) and migrated forward on open.  The domains a host runs
 * change without changing its profile, so they are kept per host.
 *
 * A struct store is one SQLite connection and must be used by one thread
 * only; a second thread opens its own.  Functions that can fail return 0 or
 * -1 with a one-line message in err; "not found" is -1 with errno ENOENT.
 */
#ifndef MIGCOMPAT_STORE_H
#define MIGCOMPAT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* The schema version this build creates and understands. */
#define STORE_SCHEMA_VERSION	4

struct store;

/* One version of a host's profile. */
struct store_version {
	int64_t version;		/* 1, 2, ... per host */
	char hash[80];
	int64_t collected_at;		/* as the profile says, 0 unknown */
	int64_t stored_at;		/* when this version was stored */
	char hostname[256];
	char kernel[128];
	char cpu[128];
};

/* A host and its current version. */
struct store_host {
	char id[128];
	int64_t first_seen;
	int64_t last_seen;		/* last upload, changed or not */
	struct store_version cur;
	int64_t stale_since;		/* 0, or when its fleet-store lease expired */
	int64_t retired_at;		/* 0, or when an operator retired it */
};

/*
 * Open (creating if needed) the database at path and migrate its schema.
 * A database with a newer schema than this build knows is refused.
 * Returns the handle or NULL with a message in err.
 */
struct store *store_open(const char *path, char *err, size_t errsize);

/* Close the connection.  NULL is fine. */
void store_close(struct store *s);

/*
 * How this connection's commits reach the disk.  full (the default of
 * store_open): each commit is synced before it returns, so it survives a
 * power loss.  0: synced at the WAL's checkpoints only, so a power loss
 * may undo the last commits (whole ones, never a part: the database stays
 * consistent) - for a store that mirrors another and can fetch them again.
 */
int store_set_durable(struct store *s, int full, char *err, size_t errsize);

/* The schema version of the open database. */
int store_schema_version(struct store *s);

/*
 * The JSON of a profile's blob, as stored: the profile without its host
 * identity (id, hostname, collection time) and running domains.  Its
 * profile_parse gives p->hash again.  Allocated; never NULL.
 */
char *store_blob_json(const struct profile *p);

/*
 * Store p as the current profile of host_id at time now (UNIX seconds).
 * p->hash must be set (profile_parse does).  If the host's current version
 * has the same hash, only last_seen changes and *created is 0; otherwise a
 * new version is added and *created is 1.  *version receives the current
 * version number.  A retired host is brought back (retired_at cleared).
 * One transaction.  The blob is formatted from p only
 * when the store lacks it: a caller that knows it is stored may pass a
 * profile with only the hash, the identity, kernel, cpu.model_name and the
 * libvirt layer's domains set.
 */
int store_put(struct store *s, const char *host_id, const struct profile *p, int64_t now,
    int64_t *version, int *created, char *err, size_t errsize);

/* One host of a batch upload. */
struct store_put_item {
	const char *host_id;		/* in */
	const struct profile *p;	/* in: p->hash set */
	int64_t version;		/* out: its current version */
	int created;			/* out: 1 if a new version was added */
	int64_t was_retired;		/* out: the host had been retired at this time
					   and this upload brought it back; 0 not */
};

/*
 * Store n profiles, each as store_put does, in one transaction: every one
 * is stored, or (-1, with a message in err naming the host that failed)
 * none is.  A host named twice gets both, in order.  One fsync for the
 * whole batch is what makes a bulk import fast.
 */
int store_put_batch(struct store *s, struct store_put_item *items, size_t n, int64_t now,
    char *err, size_t errsize);

/*
 * Look up host_id.  Returns 0 and fills h, or -1 (errno ENOENT: no such
 * host).
 */
int store_get_host(struct store *s, const char *host_id, struct store_host *h,
    char *err, size_t errsize);

/*
 * Look up one version of a host (version 0: the current one).  Returns 0
 * and fills v, or -1 (errno ENOENT: no such host or version).
 */
int store_get_version(struct store *s, const char *host_id, int64_t version,
    struct store_version *v, char *err, size_t errsize);

/*
 * The stored JSON of the blob with this hash (host identity empty), as an
 * allocated NUL-terminated string the caller frees; *len receives its
 * length if len is not NULL.  Returns NULL with errno ENOENT if absent.
 */
char *store_get_blob(struct store *s, const char *hash, size_t *len, char *err, size_t errsize);

/*
 * Call fn for every host in id order; fn returns 0 to go on or -1 to stop
 * (the call then returns -1 without a message).
 */
int store_each_host(struct store *s, int (*fn)(const struct store_host *h, void *arg), void *arg,
    char *err, size_t errsize);

/*
 * Call fn for every version of host_id, newest first.  -1 with errno
 * ENOENT if the host does not exist.
 */
int store_each_version(struct store *s, const char *host_id,
    int (*fn)(const struct store_version *v, void *arg), void *arg, char *err, size_t errsize);

/*
 * Mark host_id stale as of since (UNIX seconds): the fleet store no longer
 * has it, its history stays.  since 0 clears the mark; store_put clears it
 * too.  A host already stale keeps its first time.  An unknown host is not
 * an error.
 */
int store_set_stale(struct store *s, const char *host_id, int64_t since, char *err, size_t errsize);

/*
 * Retire host_id as of at (UNIX seconds): it leaves the fleet (no
 * migration target, in no group), its history and profile stay readable,
 * and its next upload (store_put) brings it back.  Returns 0 with *since
 * the time it is retired since and *already nonzero if it was retired
 * before (its first time is kept), or -1 (errno ENOENT: no such host).
 */
int store_retire(struct store *s, const char *host_id, int64_t at, int64_t *since, int *already,
    char *err, size_t errsize);

/*
 * Small named state kept with the data (the fleet store's revision).
 * store_meta_get copies the value into buf; -1 with ENOENT if unset.
 */
int store_meta_get(struct store *s, const char *key, char *buf, size_t bufsize,
    char *err, size_t errsize);
int store_meta_set(struct store *s, const char *key, const char *value, char *err, size_t errsize);

/*
 * SQLite's data_version of this connection: it changes whenever another
 * connection commits a write, so a cache can tell it is stale.  -1 on error.
 */
int64_t store_data_version(struct store *s);

/*
 * The host (other than skip, which may be NULL, and not retired) whose
 * latest upload lists the running domain uuid (case-insensitive), into host.  Returns 0, or -1
 * (errno ENOENT: no such host).
 */
int store_domain_host(struct store *s, const char *uuid, const char *skip, char *host, size_t hostsize,
    char *err, size_t errsize);

/* Call fn for every domain host_id runs (as of its latest upload), in UUID order. */
int store_each_domain(struct store *s, const char *host_id, int (*fn)(const char *uuid, void *arg),
    void *arg, char *err, size_t errsize);

/*
 * Count the hosts not retired, versions (of every host) and distinct blobs;
 * the retired hosts in *retired unless it is NULL.
 */
int store_counts(struct store *s, int64_t *hosts, int64_t *retired, int64_t *versions,
    int64_t *blobs, char *err, size_t errsize);

#endif
