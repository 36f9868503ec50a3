/*
 * api_priv.h - internals of the API shared by its route handlers (and by
 * tests and fuzzers that drive the router in-process).
 */
#ifndef MIGCOMPAT_API_PRIV_H
#define MIGCOMPAT_API_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "pcache.h"
#include "rules.h"
#include "store.h"
#include "util.h"
#include "vmspec.h"

struct json_object;
struct MHD_Connection;
struct MHD_Daemon;
struct api_req;
struct fleet;

#define API_MAX_PARAMS		2
#define API_NBUCKETS		12
#define API_NSTATUS		16

/* Route flags. */
#define API_AUTH	0x1		/* a write: needs the bearer token on TCP */
#define API_BODY	0x2		/* reads a request body */
#define API_OPEN	0x4		/* never needs authentication (/healthz) */
#define API_WRITE	0x8		/* served by the writer thread, off the read path */

/*
 * Slots of the compat answer cache (answers of at most 64 KiB each) and the
 * bytes it keeps unless answer_cache says otherwise: about 25 000 of the
 * ~5 KB answers a failing nested pair gets (48 MiB held half of 20 000
 * distinct pairs, and each answer not held costs the rules engine again).
 */
#define API_ANSWER_SLOTS	65536
#define API_ANSWER_BYTES	(128u * 1024 * 1024)

/* Writes waiting for the writer thread; one more is answered 503. */
#define API_WRITE_QUEUE		64
/*
 * The last connection a listener takes (its max_connections-th) is answered
 * 503 and closed at once rather than served: clients over the limit hear
 * so and retry, instead of stalling in the backlog behind busy ones.
 */
/* The nice value of the writer thread (Linux: per thread). */
#define API_WRITER_NICE		5
/* Seconds a 503 asks the client to wait (Retry-After). */
#define API_RETRY_AFTER		"1"
/* Most threads serving the TCP listeners. */
#define API_MAX_THREADS		16
/* How often the writer thread looks for writes of other connections, ms. */
#define API_SYNC_MS		100

/* Most hosts in one POST /v1/hosts. */
#define API_BATCH_MAX	10000
/* A batch of at least this many hosts is parsed on two threads. */
#define API_BATCH_THREADED	16

struct api_route {
	const char *method;
	const char *pattern;		/* "/v1/hosts/{id}/history": {x} is one segment */
	void (*fn)(struct api_req *r);
	unsigned flags;
};

extern const struct api_route api_routes[];
extern const size_t api_nroutes;

struct api_listener {
	struct api *api;
	struct MHD_Daemon *mhd;
	int fd;
	int is_unix;
	char name[160];
	unsigned nconn;			/* open connections (atomic) */
};

/* Per-route request counts and latency histogram; guarded by api.mu. */
struct api_route_stats {
	unsigned status[API_NSTATUS];	/* distinct statuses seen */
	uint64_t count[API_NSTATUS];
	uint64_t bucket[API_NBUCKETS + 1];
	double sum;
	uint64_t n;
};

/*
 * The threads: each listener is a libmicrohttpd daemon with threads of its
 * own (the Unix socket one, each TCP listener a pool sized to the CPUs);
 * every such thread reads through its own SQLite connection (api_thread_store).
 * Writes (API_WRITE routes) are suspended there and handed to the writer
 * thread, which owns the write connection and keeps the fleet index in
 * line with the store.  The parsed-profile and answer caches and the fleet
 * index are shared and lock internally.
 */
struct api {
	struct api_listener *l;
	size_t n_l;
	char *db_path;
	pthread_key_t tkey;		/* a reading thread's struct store */
	int has_tkey;
	struct pcache *cache;		/* shared, locks inside */
	struct acache *answers;		/* compat answers by hashes, VM spec, policy; shared */
	struct fleet *fleet;		/* the fleet index, shared */
	char *self_id;
	int collect_fd;
	char *tls_cert, *tls_key, *tls_ca;	/* PEM texts MHD keeps pointers to */
	int auth_reads;
	unsigned max_connections;
	unsigned soft_connections;	/* more open connections than this: 503 */
	unsigned threads;		/* per TCP listener */

	/* The writer thread and its queue. */
	pthread_t writer;
	int started;
	struct store *wstore;		/* the writer thread's connection */
	int64_t fleet_dv;		/* wstore's data_version the index was synced at */
	int fleet_synced;
	uint64_t fleet_next_ns;		/* no sync before (util_now_ns), see api_fleet_sync */
	pthread_mutex_t wq_mu;
	pthread_cond_t wq_cv;
	struct api_req *wq_head, *wq_tail;
	size_t wq_len;
	int wq_stop;
	int wq_sync;			/* a sync was asked for (api_store_changed) */
	int (*upload)(void *arg, const char *const *ids, const struct profile *const *ps,
	    size_t n, size_t *committed, char *err, size_t errsize);	/* api_conf.upload */
	void *upload_arg;
	int (*retire)(void *arg, const struct store_host *h, int64_t at, char *err,
	    size_t errsize);			/* api_conf.retire */
	void *retire_arg;

	pthread_mutex_t mu;		/* guards the fields below */
	unsigned char token_digest[UTIL_SHA256_SIZE];
	int has_token;
	uint64_t max_body;
	struct api_collection coll;
	uint64_t push_ok, push_failed;
	uint64_t overloaded;		/* 503 answers */
	void (*fs_fn)(void *arg, struct api_fleet_store *st);	/* NULL: no fleet store */
	void *fs_arg;
	/* The last slot is for requests that matched no route. */
	struct api_route_stats *stats;
};

struct api_req {
	struct api *api;
	struct api_listener *l;
	struct store *store;		/* the serving thread's connection */
	struct api_req *next;		/* in the writer's queue */
	int handed;			/* given to the writer thread */
	int done;			/* the writer thread answered it */
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	int route;			/* index in api_routes, -1 none */
	char *param[API_MAX_PARAMS];	/* {x} segments of the pattern, in order */
	size_t nparam;
	char *body;
	size_t len, cap;
	uint64_t max_body;
	uint64_t start_ns;
	unsigned status;		/* of the queued response, 0 none yet */
	int queued;
	struct json_object *resp;	/* to send (owned), or */
	char *text;			/* a text body (owned) with */
	const char *ctype;		/* its content type */
	const char *allow;		/* Allow header of a 405 */
	char allow_buf[32];		/* its text */
	int pretty;			/* format resp as "migcompat check --json" does */
	int too_big;			/* the body went over max_body: being discarded */
	char compat_from[128];		/* Migcompat-From header of a compat answer, "" none */
	char compat_to[128];		/* Migcompat-To header, "" none */
	char retired_at[32];		/* Migcompat-Retired-At header, "" none */
};

/* Reply with a JSON object (taken over) and status. */
void api_reply(struct api_req *r, unsigned status, struct json_object *o);

/* Reply with a text body (taken over) of the given content type. */
void api_reply_text(struct api_req *r, unsigned status, char *text, const char *ctype);

/* The text a JSON reply sends: compact, or pretty as "migcompat check --json", and a newline. */
char *api_json_text(struct json_object *o, int pretty);

/* Reply {"error": {"code": status, "message": ...}}. */
void api_error(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A query argument, or NULL. */
const char *api_query(struct api_req *r, const char *name);

/* A request header, or NULL. */
const char *api_header(struct api_req *r, const char *name);

/*
 * Check that every query argument is one of the NULL-terminated names;
 * otherwise reply 400 and return -1.
 */
int api_query_only(struct api_req *r, const char *const *names);

/*
 * Parse the request body as JSON (Content-Type must be absent or
 * application/json).  Returns 0 with *out owned by the caller, or -1 after
 * replying 400 or 415.
 */
int api_body_json(struct api_req *r, struct json_object **out);

/*
 * Parse a scenario or a policy argument s (NULL: *out unchanged).  Returns
 * 0, or -1 after replying 400 naming the values allowed.
 */
int api_scenario_arg(struct api_req *r, const char *s, enum vmspec_scenario *sc);
int api_policy_arg(struct api_req *r, const char *s, enum rules_policy *policy);

/* The optional "scenario" or "policy" string of a JSON body, parsed as above. */
int api_body_scenario(struct api_req *r, struct json_object *body, enum vmspec_scenario *sc);
int api_body_policy(struct api_req *r, struct json_object *body, enum rules_policy *policy);

/*
 * The VM of a JSON body: its "vm" (a VM spec), or else that of its
 * "scenario" (sc when there is none).  Returns 0, or -1 after replying 400.
 */
int api_body_vm(struct api_req *r, struct json_object *body, enum vmspec_scenario sc,
    struct vmspec *vm);

/* Nonzero if the Content-Type is (or starts with) type. */
int api_ctype_is(struct api_req *r, const char *type);

/* Route handlers. */
void api_hosts_list(struct api_req *r);
void api_hosts_get(struct api_req *r);
void api_hosts_put(struct api_req *r);
void api_hosts_delete(struct api_req *r);
void api_hosts_post(struct api_req *r);
void api_hosts_history(struct api_req *r);
void api_hosts_diff(struct api_req *r);
void api_compat_get(struct api_req *r);
void api_compat_post(struct api_req *r);
void api_metrics_get(struct api_req *r);
void api_metrics_healthz(struct api_req *r);
void api_metrics_collect(struct api_req *r);
void api_fleet_targets(struct api_req *r);
void api_fleet_groups(struct api_req *r);
void api_fleet_baseline(struct api_req *r);
void api_fleet_changes(struct api_req *r);
/* POST /v1/whatif (api_whatif.c). */
void api_whatif(struct api_req *r);

/*
 * Bring the fleet index in line with the store through s (hosts written by
 * other connections: the collector, the etcd mirror).  The writer thread
 * only (and api_start before it).  Returns 0 or -1.
 */
int api_fleet_sync(struct api *a, struct store *s, char *err, size_t errsize);

/*
 * Check an uploaded profile: 0 if it carries a layer with
 * data the rules compare (measured or emulated CPUID, feature MSRs, VMX
 * MSRs with IA32_VMX_BASIC, vCPU VMX, eVMCS views,
 * hardware MSRs; a dump needs its VMX MSRs), else -1 with what is missing
 * in err.
 */
int api_hosts_usable(const struct profile *p, char *err, size_t errsize);

/*
 * If host id is known and retired, reply 410 ("host ID was retired at T",
 * with its retired_at) and return 1; else 0 without replying (a host that
 * is unknown, active, or cannot be read now).
 */
int api_hosts_gone(struct api_req *r, const char *id);

/* Who sent r, for the log: "the Unix socket", "ADDR with the token", ... */
void api_who(struct api_req *r, char *buf, size_t bufsize);

/* Record an upload in the fleet index. */
void api_fleet_update(struct api *a, const char *id, const struct profile *p);

/* Record a finished request in the route's statistics. */
void api_metrics_record(struct api *a, int route, unsigned status, double seconds);

/*
 * Look a host up and return its current (version 0) or given version's
 * profile from the cache; replies 404/500 and returns NULL on failure.
 * v, if not NULL, receives the version row.
 */
const struct profile *api_hosts_profile(struct api_req *r, const char *id, int64_t version,
    struct store_version *v);

/* Process one request completely (the router); used by the MHD callbacks and fuzzers. */
void api_dispatch(struct api_req *r);

/* Find the route of r->method and r->url: r->route (-1 none), params, r->allow. */
void api_route_find(struct api_req *r);

/* Nonzero if the route of r needs authentication. */
int api_needs_auth(const struct api_req *r);

/* Reply 401/403 unless r may go on (see api.c); returns 0 if it may. */
int api_auth(struct api_req *r);

/*
 * The SQLite connection of the calling thread (a libmicrohttpd thread),
 * opened on its first request and closed when the thread ends.  NULL with
 * a message in err if it cannot be opened.
 */
struct store *api_thread_store(struct api *a, char *err, size_t errsize);

#endif
