/*
 * etcd_priv.h - what the files of the etcd client share: the client
 * structure, the request loop (etcd.c), the JSON and base64 helpers
 * (etcd_json.c) and the watch stream parser (etcd_watch.c).  Not for
 * callers outside src/etcd/etcd*.c.
 */
#ifndef MIGCOMPAT_ETCD_PRIV_H
#define MIGCOMPAT_ETCD_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "etcd.h"
#include "httpx.h"

/* Largest answer buffered, and longest line of a watch stream. */
#define ETCD_MAX_BODY		(256u * 1024 * 1024)

/* gRPC status codes the gateway reports in "code". */
#define GRPC_INVALID_ARGUMENT	3
#define GRPC_DEADLINE_EXCEEDED	4
#define GRPC_NOT_FOUND		5
#define GRPC_PERMISSION_DENIED	7
#define GRPC_RESOURCE_EXHAUSTED	8
#define GRPC_ABORTED		10
#define GRPC_OUT_OF_RANGE	11
#define GRPC_INTERNAL		13
#define GRPC_UNAVAILABLE	14
#define GRPC_UNAUTHENTICATED	16

/* What to do after an exchange. */
enum etcd_outcome {
	ETCD_DONE = 0,
	ETCD_RETRY,		/* try the next endpoint, with backoff */
	ETCD_REAUTH,		/* the token expired: authenticate again */
	ETCD_FAIL,		/* final; errno and err are set */
};

/* Where the write callback puts what it receives. */
enum etcd_mode {
	ETCD_MODE_BUFFER = 0,
	ETCD_MODE_WATCH,
};

/* The state of one streaming watch. */
struct etcd_watch_state {
	int (*fn)(const struct etcd_event *ev, void *arg);
	void *arg;
	int64_t next;		/* revision to resume from */
	int created;
	int compacted;		/* compact revision reported */
	int failed;		/* fn returned -1 */
	int unbatched;		/* events handed over since the last ETCD_EVENT_BATCH */
	int error;		/* errno of a stream error, 0 none */
	char msg[256];
};

struct etcd {
	char *endpoints[ETCD_MAX_ENDPOINTS];
	size_t n_endpoints;
	size_t cur;
	size_t last_ok;		/* endpoint of the last answer, for log lines */
	char *cacert, *cert, *key, *user, *password;
	unsigned connect_timeout_ms, request_timeout_ms;
	unsigned backoff_min_ms, backoff_max_ms, retry_ms;
	char *token;
	struct httpx *http;	/* connections kept between requests */
	int stop;		/* set with __atomic builtins */
	uint64_t down_since;	/* etcd_unreachable_since; __atomic builtins */

	enum etcd_mode mode;
	struct httpx_resp resp;	/* answer (body, len), or the unparsed tail of a stream */
	struct etcd_watch_state *watch;
};

/* The retry state of one call. */
struct etcd_retry {
	uint64_t start_ns;
	unsigned tries;
	unsigned delay_ms;
	int reauth;
	int warned;
};


/* Set errno and a message; returns -1. */
int etcd_err(char *err, size_t errsize, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Nonzero once etcd_stop() was called. */
int etcd_stopping(const struct etcd *e);

/*
 * Make one request: POST req to path until an endpoint answers.  Returns
 * 0 with the parsed answer in *resp (caller puts), or -1.
 */
int etcd_call(struct etcd *e, const char *path, struct json_object *req, struct json_object **resp,
    char *err, size_t errsize);

/*
 * etcd_call for the calls that build a request for it: req is put in any
 * case; the answer goes to *resp if resp is not NULL (caller puts), its
 * header.revision to *rev if rev is not NULL.  0 or -1.
 */
int etcd_rpc(struct etcd *e, const char *path, struct json_object *req, struct json_object **resp,
    int64_t *rev, char *err, size_t errsize);

/*
 * What follows a failed exchange of a call (out not ETCD_DONE, message in
 * err): ETCD_REAUTH drops the token (at most twice a call), ETCD_RETRY
 * moves on (etcd_retry_next).  Returns 0 to try again, or -1 to give up.
 */
int etcd_retry_after(struct etcd *e, struct etcd_retry *r, enum etcd_outcome out,
    char *err, size_t errsize);

/*
 * One HTTP POST of body to the current endpoint.  Returns 0 with the
 * status in *status and the answer in e->resp, or -1 on a transport failure
 * with a message in err (errno ECANCELED if stopped).
 */
int etcd_http(struct etcd *e, const char *path, const char *body, long *status,
    char *err, size_t errsize);

/* The outcome of an error answer (errno and err set). */
enum etcd_outcome etcd_classify(struct etcd *e, long status, char *err, size_t errsize);

/* Get a token with the user and password.  ETCD_DONE, ETCD_RETRY or ETCD_FAIL. */
enum etcd_outcome etcd_authenticate(struct etcd *e, char *err, size_t errsize);

/* The retry state of a call: start, an answer arrived, a failure (0: try again). */
void etcd_retry_start(struct etcd *e, struct etcd_retry *r);
void etcd_answered(struct etcd *e, struct etcd_retry *r);
int etcd_retry_next(struct etcd *e, struct etcd_retry *r, char *err, size_t errsize);

/* Handle one line of a watch stream (etcd_watch.c).  Returns -1 to end the stream. */
int etcd_watch_line(struct etcd *e, char *line, size_t len);

/* The end of a chunk of the watch stream: tell the caller (etcd_watch.c). */
int etcd_watch_chunk(struct etcd *e);

/*
 * JSON helpers (etcd_json.c).
 */

/* A 64-bit field, sent as a string or a number; 0 when absent. */
int64_t etcd_json_i64(struct json_object *o, const char *name);

/* header.revision of an answer; 0 when absent. */
int64_t etcd_json_header_rev(struct json_object *o);

/* A 64-bit number as the gateway wants it (a JSON string). */
struct json_object *etcd_json_i64_new(int64_t v);

/* Add name: base64 of data[len]. */
void etcd_json_add_bytes(struct json_object *o, const char *name, const void *data, size_t len);

/* The end of the range of keys that start with prefix ("\0": all keys); caller frees. */
char *etcd_json_prefix_end(const char *prefix, size_t *len);

/* Add "key" and "range_end" for every key under prefix. */
void etcd_json_add_prefix(struct json_object *req, const char *prefix);

/* Decode a base64 field into an allocated buffer ("" when absent).  0 or -1. */
int etcd_json_bytes(struct json_object *o, const char *name, char **out, size_t *len);

/* Fill kv from a KeyValue message; free *keybuf and *valbuf afterwards.  0 or -1. */
int etcd_json_kv(struct json_object *o, struct etcd_kv *kv, char **keybuf, char **valbuf);

/*
 * Call fn for each KeyValue message of the array kvs (not an array: none),
 * in order.  -1 with EPROTO for a bad one (what names the listing in the
 * message), ECANCELED if fn returned -1.
 */
int etcd_json_each_kv(struct json_object *kvs, int (*fn)(const struct etcd_kv *kv, void *arg),
    void *arg, const char *what, char *err, size_t errsize);

/*
 * Standard base64 (RFC 4648 section 4, padded), with nettle.  Encode
 * returns an allocated NUL-terminated string, never NULL.  Decode takes
 * canonical base64 only (padding, no white space, zero unused bits) and
 * returns an allocated buffer with a NUL after the *outlen bytes, or NULL
 * with errno EINVAL.
 */
char *etcd_json_b64_encode(const void *data, size_t len);
char *etcd_json_b64_decode(const char *text, size_t *outlen);

#endif
