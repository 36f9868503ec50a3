/*
 * etcd.h - a client of etcd v3 through its JSON gateway (etcd 3.4 and
 * later): keys, leases and watches as HTTP POSTs of JSON with libcurl.
 * Keys and values travel base64-encoded; 64-bit numbers as JSON strings.
 *
 * A struct etcd holds an endpoint list, TLS and authentication settings and
 * one libcurl handle.  It is used by one thread at a time: a second thread
 * opens its own.  etcd_stop() is the exception and may be called from any
 * thread or a signal handler.
 *
 * Every request goes to the current endpoint.  A transport failure, or an
 * answer that says the cluster cannot serve it now (no leader, timeout,
 * overload), moves to the next endpoint; after a full round without an
 * answer the client waits, doubling the wait from backoff_min_ms up to
 * backoff_max_ms.  A request is retried so until etcd answers it, until
 * etcd_stop() is called, or until retry_ms have passed (0: no limit).  A
 * write is reported done (0) only once etcd acknowledged it.
 *
 * Functions that can fail return 0, or -1 with errno and a one-line
 * message in err:
 *	ECANCELED	etcd_stop() was called
 *	ETIMEDOUT	retry_ms passed without an answer
 *	ENOENT		no such key or lease (an expired or revoked lease)
 *	ERANGE		the revision asked for has been compacted
 *	EACCES		authentication failed or permission denied
 *	EPROTO		the answer was not etcd's JSON
 *	EIO		any other error etcd reported
 */
#ifndef MIGCOMPAT_ETCD_H
#define MIGCOMPAT_ETCD_H

#include <stddef.h>
#include <stdint.h>

/* Most endpoints a client takes. */
#define ETCD_MAX_ENDPOINTS	16

struct etcd_conf {
	/* Client URLs, "http://127.0.0.1:2379" or "https://...". */
	const char *endpoints[ETCD_MAX_ENDPOINTS];
	size_t n_endpoints;
	const char *cacert;		/* PEM CA file for https; NULL: system CAs */
	const char *cert;		/* PEM client certificate; NULL: none */
	const char *key;		/* PEM key of cert */
	const char *user;		/* NULL: no authentication */
	const char *password;
	unsigned connect_timeout_ms;	/* 0: 1000 */
	unsigned request_timeout_ms;	/* one request; 0: 5000 */
	unsigned backoff_min_ms;	/* 0: 100 */
	unsigned backoff_max_ms;	/* 0: 5000 */
	unsigned retry_ms;		/* 0: retry until answered or stopped */
};

/* A key-value pair; key and value point into the client's buffers. */
struct etcd_kv {
	const char *key;		/* NUL-terminated after key_len bytes */
	size_t key_len;
	const char *value;		/* NUL-terminated after value_len bytes */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;		/* DELETE events: the revision of the delete */
	int64_t version;
	int64_t lease;			/* 0: none */
};

enum etcd_event_type {
	ETCD_EVENT_PUT = 0,
	ETCD_EVENT_DELETE,
	/* The watch has seen everything up to revision (no kv). */
	ETCD_EVENT_PROGRESS,
	/*
	 * The events so far are all that has arrived: a point to commit
	 * them (no kv, no revision).  Many at once come as one batch.
	 */
	ETCD_EVENT_BATCH,
};

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv;
	int64_t revision;		/* PROGRESS: the revision reached */
};

struct etcd;

/*
 * Parse a comma- or space-separated endpoint list into c (pointers into
 * the modified text).  Returns 0, or -1 with a message (empty, too many,
 * not http:// or https://).
 */
int etcd_conf_endpoints(struct etcd_conf *c, char *list, char *err, size_t errsize);

/*
 * A new client.  c and the strings it points to are copied.  Returns
 * NULL with a message if c is unusable (no endpoints, bad URL, user
 * without password).
 */
struct etcd *etcd_new(const struct etcd_conf *c, char *err, size_t errsize);

/*
 * A new client with the configuration of e (endpoints, TLS, user, timeouts,
 * retry_ms), for another thread.  NULL with a message on failure.
 */
struct etcd *etcd_dup(const struct etcd *e, char *err, size_t errsize);

/* Free the client.  NULL is fine. */
void etcd_free(struct etcd *e);

/*
 * Make the request in progress and every later one fail with ECANCELED
 * within about a second.  Async-signal-safe; callable from any thread.
 */
void etcd_stop(struct etcd *e);

/* Change retry_ms for the requests that follow. */
void etcd_set_retry(struct etcd *e, unsigned retry_ms);

/*
 * When (util_now_ns) the client last went a full round of its endpoints
 * without an answer, or 0 if an endpoint has answered since.  Callable from
 * any thread.
 */
uint64_t etcd_unreachable_since(const struct etcd *e);

/* The endpoint that answered last (or is tried next). */
const char *etcd_endpoint(const struct etcd *e);

/*
 * Put value under key, attached to lease (0: none).  *rev, if not NULL,
 * receives the revision of the write.
 */
int etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
    int64_t *rev, char *err, size_t errsize);

/*
 * Put value under key (lease 0: none) only if key does not exist, in one
 * transaction.  *created receives 1 if it was put, 0 if key was there.
 */
int etcd_put_new(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
    int *created, char *err, size_t errsize);

/*
 * Get key.  On success *value is an allocated NUL-terminated copy of the
 * value (caller frees) and *len its length; kv, if not NULL, receives the
 * revisions and lease (its key and value pointers are cleared).  -1 with
 * ENOENT if the key does not exist.
 */
int etcd_get(struct etcd *e, const char *key, char **value, size_t *len, struct etcd_kv *kv,
    char *err, size_t errsize);

/*
 * Get the n keys in one request (a transaction of range requests: n at
 * most --max-txn-ops, 128 by default, and the answer within the gateway's
 * message size) at one revision, and call fn for each that exists, in the
 * order of keys.  fn returns 0 to go on or -1 to stop (ECANCELED).
 */
int etcd_get_many(struct etcd *e, const char *const *keys, size_t n,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, char *err, size_t errsize);

/*
 * Call fn for every key under prefix, in key order, as of revision
 * (0: now), reading in pages at one consistent revision, which *rev
 * receives.  fn returns 0 to go on or -1 to stop (the call then returns
 * -1 with errno ECANCELED).  ERANGE if revision has been compacted.
 */
int etcd_range_prefix(struct etcd *e, const char *prefix, int64_t revision,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize);

/* How etcd_range() reads. */
struct etcd_range_opts {
	int64_t revision;		/* 0: now */
	unsigned page;			/* keys per request; 0: 256 */
	int keys_only;			/* values are left empty (value_len 0) */
	int page_end;			/* fn is also called with kv NULL after each page */
};

/*
 * etcd_range_prefix with options: pages of o->page keys (each answer
 * must stay within the gateway's message size: 1000 keys of a few hundred
 * bytes are about 1 MB), only keys and revisions if o->keys_only, and a
 * call fn(NULL, arg) after each page if o->page_end (a point to commit
 * what the page brought).  o NULL: the defaults.
 */
int etcd_range(struct etcd *e, const char *prefix, const struct etcd_range_opts *o,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize);

/*
 * etcd_range with the next pages read ahead by a thread with a client of
 * its own (etcd_dup): at most ahead pages (0: 2) wait while fn handles
 * one, so etcd and the caller work at the same time.  Same contract as
 * etcd_range; an etcd_stop(e) stops both.
 */
int etcd_range_ahead(struct etcd *e, const char *prefix, const struct etcd_range_opts *o,
    unsigned ahead, int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize);

/* What a transaction compares: a key's revisions or version. */
enum etcd_cmp_target {
	ETCD_CMP_CREATE = 0,		/* create_revision: 0 when the key is absent */
	ETCD_CMP_MOD,			/* mod_revision */
	ETCD_CMP_VERSION,
};

enum etcd_cmp_result {
	ETCD_CMP_EQUAL = 0,
	ETCD_CMP_GREATER,
	ETCD_CMP_LESS,
	ETCD_CMP_NOT_EQUAL,
};

/*
 * One comparison: target of key (prefix nonzero: of every existing key
 * under key, each must hold) result value.
 */
struct etcd_cmp {
	const char *key;
	int prefix;
	enum etcd_cmp_target target;
	enum etcd_cmp_result result;
	int64_t value;
};

enum etcd_op_type {
	ETCD_OP_PUT = 0,
	ETCD_OP_DELETE,
};

/* One operation of a transaction: put value[len] under key (lease 0: none), or delete key. */
struct etcd_op {
	enum etcd_op_type type;
	const char *key;
	const void *value;
	size_t len;
	int64_t lease;
};

/*
 * A transaction: if every comparison holds, the then operations, else the
 * otherwise ones, atomically at one revision.  *succeeded receives 1 if
 * the comparisons held; *rev, if not NULL, the revision.  etcd refuses
 * more than --max-txn-ops (default 128) operations and requests over
 * --max-request-bytes (default 1.5 MiB).  ENOENT if a put names a lease
 * that expired.
 */
int etcd_txn(struct etcd *e, const struct etcd_cmp *cmp, size_t ncmp,
    const struct etcd_op *then, size_t nthen, const struct etcd_op *otherwise, size_t notherwise,
    int *succeeded, int64_t *rev, char *err, size_t errsize);

/*
 * Delete key, or every key under it if prefix is nonzero.  *deleted and
 * *rev, if not NULL, receive the number of keys deleted and the revision.
 */
int etcd_delete(struct etcd *e, const char *key, int prefix, int64_t *deleted, int64_t *rev,
    char *err, size_t errsize);

/*
 * Grant a lease of ttl seconds.  *id receives its id; *granted, if not
 * NULL, the TTL etcd granted (it may raise small ones).
 */
int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id, int64_t *granted,
    char *err, size_t errsize);

/* Renew lease id; *ttl, if not NULL, receives its TTL.  ENOENT if it expired. */
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, char *err, size_t errsize);

/* Revoke lease id and delete its keys.  ENOENT if it had expired. */
int etcd_lease_revoke(struct etcd *e, int64_t id, char *err, size_t errsize);

/* Compact the key-value history up to revision (physically). */
int etcd_compact(struct etcd *e, int64_t revision, char *err, size_t errsize);

/*
 * Watch every key under prefix from revision start (0: from now) and call
 * fn for each event in revision order, and with ETCD_EVENT_PROGRESS when
 * etcd reports the watch has caught up.  A broken stream is resumed on the
 * next endpoint after the last revision seen, so fn sees each revision
 * once.  Runs until fn returns -1 (-1, errno EINTR), etcd_stop()
 * (ECANCELED), the revision to resume from has been compacted (ERANGE) or
 * retry_ms passed without a stream (ETIMEDOUT).  *next, if not NULL,
 * receives the revision to resume from.
 */
int etcd_watch(struct etcd *e, const char *prefix, int64_t start,
    int (*fn)(const struct etcd_event *ev, void *arg), void *arg, int64_t *next,
    char *err, size_t errsize);

#endif
