/*
 * etcd_record.h - the fleet store's layout on etcd: content-addressed
 * profiles and small host records.
 *
 *	PREFIX/profiles/HEX	a profile blob: the JSON store_blob_json()
 *				writes (no host identity, no domains), whose
 *				profile hash is "sha256:HEX".  Written only
 *				if absent, never changed; no lease.
 *	PREFIX/hosts/ID		the host record, a few hundred bytes:
 *				{"record":1,"hash":"sha256:HEX",
 *				"collected_at":N,"hostname":S,"kernel":S,
 *				"cpu":S,"domains":[UUID,...]}; an agent's is
 *				under its lease, an upload's has none.  A
 *				retired host's (DELETE /v1/hosts/ID) is its
 *				last record without domains and with
 *				"retired_at":N, without a lease: unlike a
 *				key deleted when a lease expires (the host
 *				turns stale), it says the host was retired.
 *	PREFIX/gc/lock		the lock of the garbage collector (a lease).
 *	PREFIX/gc/state		what the last collection saw (its revision).
 *
 * The layout of before (PREFIX/hosts/ID holding the whole profile JSON)
 * is read too: etcd_record_parse() says which one a value is.
 */
#ifndef MIGCOMPAT_ETCD_RECORD_H
#define MIGCOMPAT_ETCD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "profile.h"

/* The host record. */
struct etcd_record {
	char hash[80];			/* "sha256:<64 hex>" */
	int64_t collected_at;		/* when this content was first collected */
	char hostname[256];
	char kernel[128];
	char cpu[128];			/* model name */
	char **domains;			/* running domain UUIDs, sorted */
	size_t n_domains;
	int64_t retired_at;		/* 0, or when the host was retired */
};

/* "PREFIX/", the root of the layout; caller frees. */
char *etcd_record_root(const char *prefix);

/* "PREFIX/profiles/" and "PREFIX/profiles/HEX" of hash "sha256:HEX"; caller frees. */
char *etcd_record_profiles_prefix(const char *prefix);
char *etcd_record_profile_key(const char *prefix, const char *hash);

/* "PREFIX/gc/lock", "PREFIX/gc/state"; caller frees. */
char *etcd_record_gc_key(const char *prefix, const char *name);

/* The record of p (copies; etcd_record_clear frees). */
void etcd_record_from_profile(struct etcd_record *r, const struct profile *p);

/* Free what r holds and zero it. */
void etcd_record_clear(struct etcd_record *r);

/* Nonzero if a and b differ in more than collected_at. */
int etcd_record_changed(const struct etcd_record *a, const struct etcd_record *b);

/* The record's JSON; caller frees. */
char *etcd_record_json(const struct etcd_record *r);

/*
 * Parse a value of PREFIX/hosts/ID into r (initialised to zero by the
 * caller; etcd_record_clear afterwards).  Returns 0 for a record, 1 for
 * the old layout (the value is a whole profile), -1 if neither.
 */
int etcd_record_parse(const char *value, size_t len, struct etcd_record *r);

/*
 * A profile to store for host id from its record: the blob's profile
 * (shallow-copied, so blob must outlive *out and *out must not be
 * cleared) or, with blob NULL, only what the record says (see
 * store_put).  out's domains point into r.
 */
void etcd_record_profile(struct profile *out, const struct profile *blob,
    const struct etcd_record *r, const char *id);

/*
 * Publish host id's record r and, if etcd lacks it, its blob (the JSON
 * of store_blob_json of a profile with hash r->hash), in one transaction:
 * a record is never written without its blob.  lease 0: none.  *rev
 * receives the revision.  ENOENT if the lease expired.
 */
int etcd_record_publish(struct etcd *e, const char *prefix, const char *id,
    const struct etcd_record *r, const char *blob, size_t blob_len, int64_t lease,
    int64_t *rev, char *err, size_t errsize);

/*
 * The blob of hash from etcd, parsed and checked against hash, into p
 * (initialised by the caller).  ENOENT if absent, EPROTO if its content
 * does not hash to its key.
 */
int etcd_record_get_blob(struct etcd *e, const char *prefix, const char *hash, struct profile *p,
    char *err, size_t errsize);

#endif
