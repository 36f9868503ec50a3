/*
 * api.h - the HTTP/JSON API of migcompatd (libmicrohttpd + json-c).
 *
 * The Unix socket (the libvirt hook, the local CLI) is served by a thread
 * of its own, each TCP listener by a pool of threads sized to the CPUs;
 * every serving thread reads through its own SQLite connection, so a read
 * never waits for another.  Writes (uploads, batch imports) are handed to
 * one writer thread with its own connection, which also keeps the
 * in-memory fleet index in line with the store.  Parsed profiles, compat
 * answers and the fleet index are shared in memory.  Every request is
 * answered with JSON (GET /metrics: Prometheus text); too many
 * connections or waiting writes get 503 with Retry-After.  The routes are
 * documented in migcompatd(8).
 *
 * The daemon's main thread talks to it only through the functions below,
 * which are safe to call from any thread.
 */
#ifndef MIGCOMPAT_API_H
#define MIGCOMPAT_API_H

#include <stddef.h>
#include <stdint.h>

struct api;
struct profile;
struct store_host;

/* A listening socket, bound and listening already. */
struct api_listener_fd {
	int fd;
	int is_unix;			/* writes need no token: file modes guard it */
	char name[160];			/* "127.0.0.1:7480", "/run/migcompat/..." for logs */
};

struct api_conf {
	const struct api_listener_fd *listeners;
	size_t n_listeners;
	const char *db_path;		/* the API opens its own connection */
	const char *self_id;		/* this host's id: default destination */
	uint64_t max_body;		/* bytes */
	unsigned max_connections;	/* per listener; more get 503 */
	unsigned max_per_client;	/* TCP connections per client address, 0 no limit */
	uint64_t answer_cache;		/* bytes of compat answers kept, 0 API_ANSWER_BYTES */
	unsigned threads;		/* per TCP listener, 0: one per CPU */
	unsigned timeout;		/* seconds of inactivity */
	int collect_fd;			/* a byte written here asks for a collection; -1 none */
	const char *tls_cert;		/* PEM text: TCP listeners speak HTTPS; NULL plain HTTP */
	const char *tls_key;		/* PEM text of its private key */
	const char *tls_client_ca;	/* PEM text: client certificates these CAs sign may
					   write (and read); NULL none */
	int auth_reads;			/* on TCP every route but /healthz needs a token or a
					   client certificate */
	/*
	 * NULL, or where uploads go before the local store (store = etcd):
	 * called by the writer thread with the parsed hosts, returns 0 once
	 * they are committed there, else -1 with a message and in *committed
	 * how many of the first hosts are committed all the same (the upload
	 * is answered 503 naming them, and only they are stored here).
	 */
	int (*upload)(void *arg, const char *const *ids, const struct profile *const *ps,
	    size_t n, size_t *committed, char *err, size_t errsize);
	void *upload_arg;
	/*
	 * NULL, or where a retirement goes before the local store (store =
	 * etcd): called by the writer thread with the host as the local
	 * store has it and the time of the retirement, returns 0 once it is
	 * committed there, else -1 with a message (answered 503, the host
	 * is not retired here).
	 */
	int (*retire)(void *arg, const struct store_host *h, int64_t at, char *err, size_t errsize);
	void *retire_arg;
};

/* The last collection, as /healthz and /metrics show it. */
enum api_collect_state {
	API_COLLECT_DISABLED = 0,	/* --no-collect */
	API_COLLECT_NEVER,		/* not run yet */
	API_COLLECT_OK,
	API_COLLECT_FAILED,
};

struct api_collection {
	enum api_collect_state state;
	int exit_status;		/* of the probe; -1 killed or not started */
	char message[256];		/* why it failed */
	int64_t last_at;		/* UNIX seconds of the last run's end */
	double duration;		/* seconds */
	uint64_t runs, failures;
	int64_t version;		/* stored version after the last success */
};

/*
 * Start serving.  Takes ownership of the listener fds (closed by
 * api_stop, also on failure).  Returns NULL with a message in err.
 */
struct api *api_start(const struct api_conf *c, char *err, size_t errsize);

/* Stop the thread, close the listeners and free everything.  NULL is fine. */
void api_stop(struct api *a);

/*
 * Set the bearer token TCP writes need (NULL or "": none, TCP writes are
 * refused with 403).  The API keeps a digest, never the token.
 */
void api_set_token(struct api *a, const char *token);

/* Change the body size limit (config reload). */
void api_set_max_body(struct api *a, uint64_t max_body);

/* Publish the state of the last collection. */
void api_set_collection(struct api *a, const struct api_collection *c);

/* The fleet store on etcd as this daemon uses it (store = etcd). */
struct api_fleet_store {
	int mirroring;			/* 1: a fleet node mirroring; 0: publishing */
	int ok;				/* mirror synced, or latest profile published */
	int64_t revision;		/* last etcd revision applied or written */
	int64_t lease;			/* publishing: the lease, 0 none */
	uint64_t puts, deletes, listings, errors;	/* mirroring */
	int64_t unreachable_ms;		/* mirroring: ms without an answer from etcd, 0 none */
};

/*
 * Have /healthz and /metrics report the fleet store: fn fills st when
 * asked, from a thread of the API, with the API's lock held (so fn must not call
 * back into the API).  fn NULL stops it; once this returns, fn is not
 * running and will not be called.
 */
void api_set_fleet_store(struct api *a, void (*fn)(void *arg, struct api_fleet_store *st),
    void *arg);

/*
 * Another connection wrote to the store (a collection): have the fleet
 * index catch up now rather than at its next look (within 100 ms).
 */
void api_store_changed(struct api *a);

/* Count one fleet push attempt (ok nonzero: accepted by the peer). */
void api_count_push(struct api *a, int ok);

#endif
