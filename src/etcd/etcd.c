/*
 * etcd.c - etcd v3 over its JSON gateway with libcurl: failover across
 * endpoints, backoff, TLS, user/password tokens, streaming watches.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "base64.h"
#include "etcd.h"
#include "jsonu.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Largest answer buffered, and longest line of a watch stream. */
#define ETCD_MAX_BODY		(256u * 1024 * 1024)
/* Keys per page of a prefix listing. */
#define ETCD_PAGE		64

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
	CURL *curl;
	int stop;		/* set with __atomic builtins */

	enum etcd_mode mode;
	char *buf;		/* answer, or the unparsed tail of a stream */
	size_t len, cap;
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

static pthread_once_t etcd_once = PTHREAD_ONCE_INIT;
static CURLcode etcd_global_rc;

static void
etcd_global_init(void)
{
	etcd_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int __attribute__((format(printf, 4, 5)))
etcd_err(char *err, size_t errsize, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

static int
etcd_stopping(const struct etcd *e)
{
	return __atomic_load_n(&e->stop, __ATOMIC_RELAXED);
}

int
etcd_conf_endpoints(struct etcd_conf *c, char *list, char *err, size_t errsize)
{
	char *tok, *save = NULL;

	c->n_endpoints = 0;
	for (tok = strtok_r(list, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		if (strncmp(tok, "http://", 7) != 0 && strncmp(tok, "https://", 8) != 0)
			return etcd_err(err, errsize, EINVAL,
			    "etcd endpoint %s: not an http:// or https:// URL", tok);
		if (c->n_endpoints == ETCD_MAX_ENDPOINTS)
			return etcd_err(err, errsize, EINVAL, "more than %d etcd endpoints",
			    ETCD_MAX_ENDPOINTS);
		c->endpoints[c->n_endpoints++] = tok;
	}
	if (c->n_endpoints == 0)
		return etcd_err(err, errsize, EINVAL, "no etcd endpoint");
	return 0;
}

static char *
etcd_strdup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

static size_t
etcd_write_cb(char *data, size_t size, size_t nmemb, void *arg);
static int
etcd_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow);

struct etcd *
etcd_new(const struct etcd_conf *c, char *err, size_t errsize)
{
	struct etcd *e = NULL;
	size_t i, n;
	int ok = 0;

	pthread_once(&etcd_once, etcd_global_init);
	if (etcd_global_rc != CURLE_OK) {
		etcd_err(err, errsize, EIO, "libcurl: %s", curl_easy_strerror(etcd_global_rc));
		goto cleanup;
	}
	if (c->n_endpoints == 0 || c->n_endpoints > ETCD_MAX_ENDPOINTS) {
		etcd_err(err, errsize, EINVAL, "etcd: %zu endpoints (1 to %d)", c->n_endpoints,
		    ETCD_MAX_ENDPOINTS);
		goto cleanup;
	}
	if (c->user != NULL && *c->user != '\0' && c->password == NULL) {
		etcd_err(err, errsize, EINVAL, "etcd: user %s has no password", c->user);
		goto cleanup;
	}
	e = xcalloc(1, sizeof(*e));
	for (i = 0; i < c->n_endpoints; i++) {
		if (strncmp(c->endpoints[i], "http://", 7) != 0 &&
		    strncmp(c->endpoints[i], "https://", 8) != 0) {
			etcd_err(err, errsize, EINVAL, "etcd endpoint %s: not an http:// or https:// URL",
			    c->endpoints[i]);
			goto cleanup;
		}
		e->endpoints[i] = xstrdup(c->endpoints[i]);
		n = strlen(e->endpoints[i]);
		while (n > 0 && e->endpoints[i][n - 1] == '/')
			e->endpoints[i][--n] = '\0';
	}
	e->n_endpoints = c->n_endpoints;
	e->cacert = etcd_strdup_or_null(c->cacert);
	e->cert = etcd_strdup_or_null(c->cert);
	e->key = etcd_strdup_or_null(c->key);
	e->user = etcd_strdup_or_null(c->user);
	e->password = c->password != NULL ? xstrdup(c->password) : NULL;
	e->connect_timeout_ms = c->connect_timeout_ms ? c->connect_timeout_ms : 1000;
	e->request_timeout_ms = c->request_timeout_ms ? c->request_timeout_ms : 5000;
	e->backoff_min_ms = c->backoff_min_ms ? c->backoff_min_ms : 100;
	e->backoff_max_ms = c->backoff_max_ms ? c->backoff_max_ms : 5000;
	if (e->backoff_max_ms < e->backoff_min_ms)
		e->backoff_max_ms = e->backoff_min_ms;
	e->retry_ms = c->retry_ms;

	if ((e->curl = curl_easy_init()) == NULL) {
		etcd_err(err, errsize, ENOMEM, "curl_easy_init failed");
		goto cleanup;
	}
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, etcd_write_cb);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, etcd_progress_cb);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, e);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)e->connect_timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e->curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (e->cacert != NULL)
		curl_easy_setopt(e->curl, CURLOPT_CAINFO, e->cacert);
	if (e->cert != NULL)
		curl_easy_setopt(e->curl, CURLOPT_SSLCERT, e->cert);
	if (e->key != NULL)
		curl_easy_setopt(e->curl, CURLOPT_SSLKEY, e->key);
	ok = 1;
cleanup:
	if (!ok) {
		etcd_free(e);
		e = NULL;
	}
	return e;
}

void
etcd_free(struct etcd *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->curl != NULL)
		curl_easy_cleanup(e->curl);
	for (i = 0; i < e->n_endpoints; i++)
		free(e->endpoints[i]);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e->user);
	if (e->password != NULL) {
		explicit_bzero(e->password, strlen(e->password));
		free(e->password);
	}
	free(e->token);
	free(e->buf);
	free(e);
}

void
etcd_stop(struct etcd *e)
{
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
}

void
etcd_set_retry(struct etcd *e, unsigned retry_ms)
{
	e->retry_ms = retry_ms;
}

const char *
etcd_endpoint(const struct etcd *e)
{
	return e->endpoints[e->cur];
}

/*
 * Transport.
 */

static int
etcd_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	return etcd_stopping(arg) ? 1 : 0;
}

static int etcd_watch_line(struct etcd *e, char *line, size_t len);

static size_t
etcd_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct etcd *e = arg;
	size_t n = size * nmemb, start, i;

	if (e->len + n + 1 > ETCD_MAX_BODY)
		return 0;
	if (e->len + n + 1 > e->cap) {
		e->cap = e->cap ? e->cap : 4096;
		while (e->cap < e->len + n + 1)
			e->cap *= 2;
		e->buf = xreallocarray(e->buf, 1, e->cap);
	}
	memcpy(e->buf + e->len, data, n);
	e->len += n;
	e->buf[e->len] = '\0';
	if (e->mode != ETCD_MODE_WATCH)
		return n;

	/* The gateway writes one JSON message per line. */
	start = 0;
	for (i = 0; i < e->len; i++) {
		if (e->buf[i] != '\n')
			continue;
		e->buf[i] = '\0';
		if (etcd_watch_line(e, e->buf + start, i - start) == -1)
			return 0;
		start = i + 1;
	}
	memmove(e->buf, e->buf + start, e->len - start);
	e->len -= start;
	e->buf[e->len] = '\0';
	return n;
}

/*
 * One HTTP POST of body to the current endpoint.  Returns 0 with the
 * status in *status and the answer in e->buf, or -1 on a transport failure
 * with a message in err (errno ECANCELED if stopped).
 */
static int
etcd_http(struct etcd *e, const char *path, const char *body, long *status,
    char *err, size_t errsize)
{
	struct curl_slist *hdr = NULL;
	char url[1024], *auth = NULL;
	CURLcode rc;
	int ret = -1;

	snprintf(url, sizeof(url), "%s%s", e->endpoints[e->cur], path);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	/*
	 * gRPC metadata "hasleader": a member cut off from the leader fails
	 * requests and cancels watches instead of serving stale data, so the
	 * client moves to another member.
	 */
	hdr = curl_slist_append(hdr, "Grpc-Metadata-hasleader: true");
	if (e->token != NULL && *e->token != '\0' && strcmp(path, "/v3/auth/authenticate") != 0) {
		auth = xasprintf("Authorization: %s", e->token);
		hdr = curl_slist_append(hdr, auth);
	}
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS,
	    e->mode == ETCD_MODE_WATCH ? 0L : (long)e->request_timeout_ms);
	e->len = 0;
	if (e->buf != NULL)
		e->buf[0] = '\0';
	rc = curl_easy_perform(e->curl);
	if (rc != CURLE_OK) {
		if (etcd_stopping(e))
			etcd_err(err, errsize, ECANCELED, "etcd: stopped");
		else
			etcd_err(err, errsize, EIO, "%s: %s", e->endpoints[e->cur],
			    curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
cleanup:
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	free(auth);
	return ret;
}

/*
 * The outcome of an error answer: the gateway's {"error", "code",
 * "message"} or, from a proxy, anything else.
 */
static enum etcd_outcome
etcd_classify(struct etcd *e, long status, char *err, size_t errsize)
{
	struct json_object *o = NULL, *v;
	enum etcd_outcome out;
	const char *msg = NULL;
	int code = -1;

	if (jsonu_parse(e->buf != NULL ? e->buf : "", e->len, &o, NULL, 0) == 0 &&
	    json_object_is_type(o, json_type_object)) {
		if (json_object_object_get_ex(o, "code", &v))
			code = json_object_get_int(v);
		if (json_object_object_get_ex(o, "message", &v) && json_object_is_type(v, json_type_string))
			msg = json_object_get_string(v);
		if ((msg == NULL || *msg == '\0') && json_object_object_get_ex(o, "error", &v) &&
		    json_object_is_type(v, json_type_string))
			msg = json_object_get_string(v);
	}
	if (code == -1) {
		etcd_err(err, errsize, status >= 500 ? EIO : EPROTO, "%s: HTTP status %ld",
		    e->endpoints[e->cur], status);
		out = status >= 500 ? ETCD_RETRY : ETCD_FAIL;
		goto cleanup;
	}
	snprintf(err, errsize, "%s: %s (code %d)", e->endpoints[e->cur],
	    msg != NULL ? msg : "error", code);
	/* Auth is on and the request had no token: as for an expired one. */
	if (code == GRPC_INVALID_ARGUMENT && msg != NULL && strstr(msg, "user name is empty") != NULL)
		code = GRPC_UNAUTHENTICATED;
	switch (code) {
	case GRPC_DEADLINE_EXCEEDED:
	case GRPC_RESOURCE_EXHAUSTED:
	case GRPC_ABORTED:
	case GRPC_INTERNAL:
	case GRPC_UNAVAILABLE:
		errno = EIO;
		out = ETCD_RETRY;
		break;
	case GRPC_UNAUTHENTICATED:
		errno = EACCES;
		out = ETCD_REAUTH;
		break;
	case GRPC_NOT_FOUND:
		errno = ENOENT;
		out = ETCD_FAIL;
		break;
	case GRPC_OUT_OF_RANGE:
		errno = ERANGE;
		out = ETCD_FAIL;
		break;
	case GRPC_PERMISSION_DENIED:
		errno = EACCES;
		out = ETCD_FAIL;
		break;
	default:
		errno = EIO;
		out = ETCD_FAIL;
		break;
	}
cleanup:
	json_object_put(o);
	return out;
}

static void
etcd_retry_start(struct etcd *e, struct etcd_retry *r)
{
	memset(r, 0, sizeof(*r));
	r->start_ns = util_now_ns();
	r->delay_ms = e->backoff_min_ms;
}

/* Sleep ms milliseconds, waking early if stopped. */
static void
etcd_sleep(struct etcd *e, unsigned ms)
{
	struct timespec ts;
	unsigned slice;

	while (ms > 0 && !etcd_stopping(e)) {
		slice = ms < 20 ? ms : 20;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice * 1000000L;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

/*
 * After a failure (message in err): move to the next endpoint and, after
 * a full round, back off.  Returns 0 to try again, or -1 when stopped or
 * out of time (err keeps the last failure).
 */
static int
etcd_retry_next(struct etcd *e, struct etcd_retry *r, char *err, size_t errsize)
{
	uint64_t elapsed_ms;
	char last[512];

	util_strlcpy(last, err, sizeof(last));
	log_debug("etcd: %s", last);
	e->cur = (e->cur + 1) % e->n_endpoints;
	r->tries++;
	if (r->tries % e->n_endpoints == 0) {
		if (!r->warned) {
			log_warnx("etcd: no endpoint answers (last: %s); retrying", last);
			r->warned = 1;
		}
		etcd_sleep(e, r->delay_ms);
		r->delay_ms = r->delay_ms * 2 > e->backoff_max_ms ? e->backoff_max_ms : r->delay_ms * 2;
	}
	if (etcd_stopping(e))
		return etcd_err(err, errsize, ECANCELED, "etcd: stopped (last: %s)", last);
	elapsed_ms = (util_now_ns() - r->start_ns) / 1000000;
	if (e->retry_ms != 0 && elapsed_ms >= e->retry_ms)
		return etcd_err(err, errsize, ETIMEDOUT, "etcd: no answer in %llu ms (last: %s)",
		    (unsigned long long)elapsed_ms, last);
	return 0;
}

static void
etcd_answered(struct etcd *e, struct etcd_retry *r)
{
	if (e->last_ok != e->cur || r->warned)
		log_info("etcd: using %s", e->endpoints[e->cur]);
	e->last_ok = e->cur;
}

/* Get a token with the user and password.  ETCD_DONE, ETCD_RETRY or ETCD_FAIL. */
static enum etcd_outcome
etcd_authenticate(struct etcd *e, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *v;
	enum etcd_outcome out;
	long status = 0;

	req = json_object_new_object();
	json_object_object_add(req, "name", json_object_new_string(e->user));
	json_object_object_add(req, "password", json_object_new_string(e->password));
	if (etcd_http(e, "/v3/auth/authenticate",
	    json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &status, err, errsize) == -1) {
		out = errno == ECANCELED ? ETCD_FAIL : ETCD_RETRY;
		goto cleanup;
	}
	if (status != 200) {
		out = etcd_classify(e, status, err, errsize);
		/* As etcd's own client does: without auth on, go on without a token. */
		if (strstr(err, "authentication is not enabled") != NULL) {
			free(e->token);
			e->token = xstrdup("");
			out = ETCD_DONE;
			goto cleanup;
		}
		if (out == ETCD_REAUTH || (out == ETCD_FAIL && errno != EPROTO)) {
			errno = EACCES;
			out = ETCD_FAIL;
		}
		goto cleanup;
	}
	if (jsonu_parse(e->buf, e->len, &resp, NULL, 0) == -1 ||
	    !json_object_is_type(resp, json_type_object) ||
	    !json_object_object_get_ex(resp, "token", &v) || !json_object_is_type(v, json_type_string)) {
		etcd_err(err, errsize, EPROTO, "%s: no token in the authentication answer",
		    e->endpoints[e->cur]);
		out = ETCD_FAIL;
		goto cleanup;
	}
	free(e->token);
	e->token = xstrdup(json_object_get_string(v));
	out = ETCD_DONE;
cleanup:
	json_object_put(req);
	json_object_put(resp);
	return out;
}

/*
 * Make one request: POST req to path until an endpoint answers.  Returns
 * 0 with the parsed answer in *resp (caller puts), or -1.
 */
static int
etcd_call(struct etcd *e, const char *path, struct json_object *req, struct json_object **resp,
    char *err, size_t errsize)
{
	struct etcd_retry r;
	const char *body;
	enum etcd_outcome out;
	long status;
	char perr[256];

	*resp = NULL;
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	etcd_retry_start(e, &r);
	for (;;) {
		if (etcd_stopping(e))
			return etcd_err(err, errsize, ECANCELED, "etcd: stopped");
		out = ETCD_DONE;
		if (e->user != NULL && e->token == NULL)
			out = etcd_authenticate(e, err, errsize);
		if (out == ETCD_DONE) {
			if (etcd_http(e, path, body, &status, err, errsize) == -1)
				out = errno == ECANCELED ? ETCD_FAIL : ETCD_RETRY;
			else if (status == 200) {
				etcd_answered(e, &r);
				if (jsonu_parse(e->buf != NULL ? e->buf : "", e->len, resp, perr,
				    sizeof(perr)) == -1 || !json_object_is_type(*resp, json_type_object)) {
					json_object_put(*resp);
					*resp = NULL;
					return etcd_err(err, errsize, EPROTO, "%s%s: not etcd's JSON: %s",
					    e->endpoints[e->cur], path, perr);
				}
				return 0;
			} else
				out = etcd_classify(e, status, err, errsize);
		}
		switch (out) {
		case ETCD_DONE:
			break;
		case ETCD_FAIL:
			return -1;
		case ETCD_REAUTH:
			free(e->token);
			e->token = NULL;
			if (e->user == NULL || ++r.reauth > 2)
				return -1;
			break;
		case ETCD_RETRY:
			if (etcd_retry_next(e, &r, err, errsize) == -1)
				return -1;
			break;
		}
	}
}

/*
 * JSON helpers.
 */

/* A 64-bit field, sent as a string or a number; 0 when absent. */
static int64_t
etcd_json_i64(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strtoll(json_object_get_string(v), NULL, 10);
	return json_object_get_int64(v);
}

static int64_t
etcd_json_header_rev(struct json_object *o)
{
	struct json_object *h;

	if (!json_object_object_get_ex(o, "header", &h))
		return 0;
	return etcd_json_i64(h, "revision");
}

static struct json_object *
etcd_json_i64_new(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_object_new_string(buf);
}

static void
etcd_json_add_bytes(struct json_object *o, const char *name, const void *data, size_t len)
{
	char *b = base64_encode(data, len);

	json_object_object_add(o, name, json_object_new_string(b));
	free(b);
}

/* The end of the range of keys that start with prefix ("\0": all keys). */
static char *
etcd_prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = xstrdup(prefix);

	while (n > 0) {
		if ((unsigned char)end[n - 1] != 0xff) {
			end[n - 1]++;
			*len = n;
			return end;
		}
		n--;
	}
	end[0] = '\0';
	*len = 1;
	return end;
}

static void
etcd_json_add_prefix(struct json_object *req, const char *prefix)
{
	size_t n;
	char *end = etcd_prefix_end(prefix, &n);

	etcd_json_add_bytes(req, "key", prefix, strlen(prefix));
	etcd_json_add_bytes(req, "range_end", end, n);
	free(end);
}

/* Decode a base64 field into an allocated buffer ("" when absent). */
static int
etcd_json_bytes(struct json_object *o, const char *name, char **out, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v)) {
		*out = xstrdup("");
		*len = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = base64_decode(json_object_get_string(v), len);
	return *out == NULL ? -1 : 0;
}

/* Fill kv from a KeyValue message; free *keybuf and *valbuf afterwards. */
static int
etcd_json_kv(struct json_object *o, struct etcd_kv *kv, char **keybuf, char **valbuf)
{
	memset(kv, 0, sizeof(*kv));
	*keybuf = *valbuf = NULL;
	if (!json_object_is_type(o, json_type_object) ||
	    etcd_json_bytes(o, "key", keybuf, &kv->key_len) == -1 ||
	    etcd_json_bytes(o, "value", valbuf, &kv->value_len) == -1) {
		free(*keybuf);
		*keybuf = NULL;
		return -1;
	}
	kv->key = *keybuf;
	kv->value = *valbuf;
	kv->create_revision = etcd_json_i64(o, "create_revision");
	kv->mod_revision = etcd_json_i64(o, "mod_revision");
	kv->version = etcd_json_i64(o, "version");
	kv->lease = etcd_json_i64(o, "lease");
	return 0;
}

/*
 * Key-value.
 */

int
etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
    int64_t *rev, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL;
	int ret = -1;

	req = json_object_new_object();
	etcd_json_add_bytes(req, "key", key, strlen(key));
	etcd_json_add_bytes(req, "value", value, len);
	if (lease != 0)
		json_object_object_add(req, "lease", etcd_json_i64_new(lease));
	if (etcd_call(e, "/v3/kv/put", req, &resp, err, errsize) == -1)
		goto cleanup;
	if (rev != NULL)
		*rev = etcd_json_header_rev(resp);
	ret = 0;
cleanup:
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_get(struct etcd *e, const char *key, char **value, size_t *len, struct etcd_kv *kv,
    char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *kvs, *k;
	struct etcd_kv tmp;
	char *kb = NULL, *vb = NULL;
	int ret = -1;

	*value = NULL;
	req = json_object_new_object();
	etcd_json_add_bytes(req, "key", key, strlen(key));
	if (etcd_call(e, "/v3/kv/range", req, &resp, err, errsize) == -1)
		goto cleanup;
	if (!json_object_object_get_ex(resp, "kvs", &kvs) || !json_object_is_type(kvs, json_type_array) ||
	    json_object_array_length(kvs) == 0) {
		etcd_err(err, errsize, ENOENT, "etcd: %s: no such key", key);
		goto cleanup;
	}
	k = json_object_array_get_idx(kvs, 0);
	if (etcd_json_kv(k, &tmp, &kb, &vb) == -1) {
		etcd_err(err, errsize, EPROTO, "etcd: %s: bad key-value in the answer", key);
		goto cleanup;
	}
	*value = vb;
	vb = NULL;
	if (len != NULL)
		*len = tmp.value_len;
	if (kv != NULL) {
		*kv = tmp;
		kv->key = kv->value = NULL;
	}
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_range_prefix(struct etcd *e, const char *prefix, int64_t revision,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize)
{
	struct json_object *req = NULL, *resp = NULL, *kvs, *more;
	struct etcd_kv kv;
	char *kb = NULL, *vb = NULL, *from = NULL, *end;
	size_t n, i, from_len = 0, end_len;
	int ret = -1;

	end = etcd_prefix_end(prefix, &end_len);
	from = xstrdup(prefix);
	from_len = strlen(prefix);
	for (;;) {
		json_object_put(req);
		json_object_put(resp);
		resp = NULL;
		req = json_object_new_object();
		etcd_json_add_bytes(req, "key", from, from_len);
		etcd_json_add_bytes(req, "range_end", end, end_len);
		json_object_object_add(req, "limit", json_object_new_int(ETCD_PAGE));
		if (revision != 0)
			json_object_object_add(req, "revision", etcd_json_i64_new(revision));
		if (etcd_call(e, "/v3/kv/range", req, &resp, err, errsize) == -1)
			goto cleanup;
		/* Every further page reads the revision of the first. */
		if (revision == 0)
			revision = etcd_json_header_rev(resp);
		n = 0;
		if (json_object_object_get_ex(resp, "kvs", &kvs) && json_object_is_type(kvs, json_type_array))
			n = json_object_array_length(kvs);
		for (i = 0; i < n; i++) {
			if (etcd_json_kv(json_object_array_get_idx(kvs, i), &kv, &kb, &vb) == -1) {
				etcd_err(err, errsize, EPROTO, "etcd: bad key-value under %s", prefix);
				goto cleanup;
			}
			if (fn(&kv, arg) == -1) {
				etcd_err(err, errsize, ECANCELED, "etcd: listing of %s stopped", prefix);
				goto cleanup;
			}
			if (i == n - 1) {
				/* The next page starts just after the last key. */
				free(from);
				from = xmalloc(kv.key_len + 1);
				memcpy(from, kv.key, kv.key_len);
				from[kv.key_len] = '\0';
				from_len = kv.key_len + 1;
			}
			free(kb);
			free(vb);
			kb = vb = NULL;
		}
		if (n == 0 || !json_object_object_get_ex(resp, "more", &more) ||
		    !json_object_get_boolean(more))
			break;
	}
	if (rev != NULL)
		*rev = revision;
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	free(from);
	free(end);
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_delete(struct etcd *e, const char *key, int prefix, int64_t *deleted, int64_t *rev,
    char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL;
	int ret = -1;

	req = json_object_new_object();
	if (prefix)
		etcd_json_add_prefix(req, key);
	else
		etcd_json_add_bytes(req, "key", key, strlen(key));
	if (etcd_call(e, "/v3/kv/deleterange", req, &resp, err, errsize) == -1)
		goto cleanup;
	if (deleted != NULL)
		*deleted = etcd_json_i64(resp, "deleted");
	if (rev != NULL)
		*rev = etcd_json_header_rev(resp);
	ret = 0;
cleanup:
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_compact(struct etcd *e, int64_t revision, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL;
	int ret;

	req = json_object_new_object();
	json_object_object_add(req, "revision", etcd_json_i64_new(revision));
	json_object_object_add(req, "physical", json_object_new_boolean(1));
	ret = etcd_call(e, "/v3/kv/compaction", req, &resp, err, errsize);
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

/*
 * Leases.
 */

int
etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id, int64_t *granted,
    char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *v;
	int ret = -1;

	req = json_object_new_object();
	json_object_object_add(req, "TTL", etcd_json_i64_new(ttl));
	if (etcd_call(e, "/v3/lease/grant", req, &resp, err, errsize) == -1)
		goto cleanup;
	if (json_object_object_get_ex(resp, "error", &v) && json_object_is_type(v, json_type_string) &&
	    *json_object_get_string(v) != '\0') {
		etcd_err(err, errsize, EIO, "etcd: lease grant: %s", json_object_get_string(v));
		goto cleanup;
	}
	*id = etcd_json_i64(resp, "ID");
	if (*id == 0) {
		etcd_err(err, errsize, EPROTO, "etcd: lease grant: no ID in the answer");
		goto cleanup;
	}
	if (granted != NULL)
		*granted = etcd_json_i64(resp, "TTL");
	ret = 0;
cleanup:
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *res;
	int64_t t;
	int ret = -1;

	req = json_object_new_object();
	json_object_object_add(req, "ID", etcd_json_i64_new(id));
	if (etcd_call(e, "/v3/lease/keepalive", req, &resp, err, errsize) == -1)
		goto cleanup;
	/* A stream call: the answer is {"result": LeaseKeepAliveResponse}. */
	if (!json_object_object_get_ex(resp, "result", &res)) {
		etcd_err(err, errsize, EPROTO, "etcd: lease keepalive: no result in the answer");
		goto cleanup;
	}
	t = etcd_json_i64(res, "TTL");
	if (t <= 0) {
		etcd_err(err, errsize, ENOENT, "etcd: lease %llx has expired", (unsigned long long)id);
		goto cleanup;
	}
	if (ttl != NULL)
		*ttl = t;
	ret = 0;
cleanup:
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

int
etcd_lease_revoke(struct etcd *e, int64_t id, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL;
	int ret;

	req = json_object_new_object();
	json_object_object_add(req, "ID", etcd_json_i64_new(id));
	ret = etcd_call(e, "/v3/lease/revoke", req, &resp, err, errsize);
	json_object_put(req);
	json_object_put(resp);
	return ret;
}

/*
 * Watch.
 */

/* Handle one message of the watch stream.  Returns -1 to end the stream. */
static int
etcd_watch_line(struct etcd *e, char *line, size_t len)
{
	struct etcd_watch_state *w = e->watch;
	struct json_object *o = NULL, *res, *evs, *ev, *v;
	struct etcd_event event;
	char *kb = NULL, *vb = NULL, perr[128];
	size_t i, n;
	int64_t crev;
	int ret = -1;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (len == 0)
		return 0;
	if (jsonu_parse(line, len, &o, perr, sizeof(perr)) == -1 ||
	    !json_object_is_type(o, json_type_object)) {
		w->error = EPROTO;
		snprintf(w->msg, sizeof(w->msg), "watch stream: not JSON: %s", perr);
		goto cleanup;
	}
	if (json_object_object_get_ex(o, "error", &v)) {
		struct json_object *m = NULL, *c = NULL;

		if (json_object_is_type(v, json_type_object)) {
			json_object_object_get_ex(v, "message", &m);
			json_object_object_get_ex(v, "grpc_code", &c);
		}
		w->error = c != NULL && json_object_get_int(c) == GRPC_UNAUTHENTICATED ? EACCES : EIO;
		snprintf(w->msg, sizeof(w->msg), "watch stream error: %s",
		    m != NULL ? json_object_get_string(m) : json_object_to_json_string(v));
		goto cleanup;
	}
	if (!json_object_object_get_ex(o, "result", &res)) {
		w->error = EPROTO;
		snprintf(w->msg, sizeof(w->msg), "watch stream: no result");
		goto cleanup;
	}
	if ((crev = etcd_json_i64(res, "compact_revision")) > 0) {
		w->compacted = 1;
		snprintf(w->msg, sizeof(w->msg), "revision %lld compacted (oldest kept %lld)",
		    (long long)w->next, (long long)crev);
		goto cleanup;
	}
	if (json_object_object_get_ex(res, "canceled", &v) && json_object_get_boolean(v)) {
		w->error = EIO;
		json_object_object_get_ex(res, "cancel_reason", &v);
		snprintf(w->msg, sizeof(w->msg), "watch canceled: %s",
		    v != NULL ? json_object_get_string(v) : "no reason given");
		goto cleanup;
	}
	if (json_object_object_get_ex(res, "created", &v) && json_object_get_boolean(v)) {
		w->created = 1;
		/* Watching from now: events start after the current revision. */
		if (w->next == 0)
			w->next = etcd_json_header_rev(res) + 1;
		ret = 0;
		goto cleanup;
	}
	n = 0;
	if (json_object_object_get_ex(res, "events", &evs) && json_object_is_type(evs, json_type_array))
		n = json_object_array_length(evs);
	if (n == 0) {
		/* A progress notification: nothing before header.revision is pending. */
		memset(&event, 0, sizeof(event));
		event.type = ETCD_EVENT_PROGRESS;
		event.revision = etcd_json_header_rev(res);
		if (event.revision >= w->next) {
			w->next = event.revision + 1;
			if (w->fn(&event, w->arg) == -1) {
				w->failed = 1;
				goto cleanup;
			}
		}
		ret = 0;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		ev = json_object_array_get_idx(evs, i);
		memset(&event, 0, sizeof(event));
		event.type = ETCD_EVENT_PUT;
		if (json_object_object_get_ex(ev, "type", &v) &&
		    strcmp(json_object_get_string(v), "DELETE") == 0)
			event.type = ETCD_EVENT_DELETE;
		if (!json_object_object_get_ex(ev, "kv", &v) ||
		    etcd_json_kv(v, &event.kv, &kb, &vb) == -1) {
			w->error = EPROTO;
			snprintf(w->msg, sizeof(w->msg), "watch stream: bad event");
			goto cleanup;
		}
		event.revision = event.kv.mod_revision;
		/* After a resume etcd may repeat nothing, but be sure. */
		if (event.revision >= w->next) {
			if (w->fn(&event, w->arg) == -1) {
				w->failed = 1;
				goto cleanup;
			}
			w->next = event.revision + 1;
		}
		free(kb);
		free(vb);
		kb = vb = NULL;
	}
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	json_object_put(o);
	return ret;
}

int
etcd_watch(struct etcd *e, const char *prefix, int64_t start,
    int (*fn)(const struct etcd_event *ev, void *arg), void *arg, int64_t *next,
    char *err, size_t errsize)
{
	struct json_object *req = NULL, *create;
	struct etcd_watch_state w;
	struct etcd_retry r;
	enum etcd_outcome out;
	long status;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	w.next = start;
	etcd_retry_start(e, &r);
	for (;;) {
		if (etcd_stopping(e)) {
			etcd_err(err, errsize, ECANCELED, "etcd: stopped");
			goto cleanup;
		}
		out = ETCD_DONE;
		if (e->user != NULL && e->token == NULL)
			out = etcd_authenticate(e, err, errsize);
		if (out == ETCD_DONE) {
			json_object_put(req);
			req = json_object_new_object();
			create = json_object_new_object();
			etcd_json_add_prefix(create, prefix);
			if (w.next > 0)
				json_object_object_add(create, "start_revision", etcd_json_i64_new(w.next));
			json_object_object_add(create, "progress_notify", json_object_new_boolean(1));
			json_object_object_add(req, "create_request", create);
			w.created = w.compacted = w.failed = w.error = 0;
			w.msg[0] = '\0';
			e->watch = &w;
			e->mode = ETCD_MODE_WATCH;
			if (etcd_http(e, "/v3/watch", json_object_to_json_string_ext(req,
			    JSON_C_TO_STRING_PLAIN), &status, err, errsize) == -1) {
				out = errno == ECANCELED ? ETCD_FAIL : ETCD_RETRY;
				status = 200;
			}
			e->mode = ETCD_MODE_BUFFER;
			e->watch = NULL;
			if (w.created) {
				etcd_answered(e, &r);
				etcd_retry_start(e, &r);
			}
			if (w.failed) {
				etcd_err(err, errsize, EINTR, "etcd: watch of %s ended by its caller", prefix);
				goto cleanup;
			}
			if (w.compacted) {
				etcd_err(err, errsize, ERANGE, "etcd: watch of %s: %s", prefix, w.msg);
				goto cleanup;
			}
			if (etcd_stopping(e)) {
				etcd_err(err, errsize, ECANCELED, "etcd: stopped");
				goto cleanup;
			}
			if (w.error == EACCES) {
				out = ETCD_REAUTH;
				snprintf(err, errsize, "%s: %s", e->endpoints[e->cur], w.msg);
			} else if (w.error != 0) {
				out = ETCD_RETRY;
				snprintf(err, errsize, "%s: %s", e->endpoints[e->cur], w.msg);
			} else if (out == ETCD_DONE && status != 200)
				out = etcd_classify(e, status, err, errsize);
			else if (out == ETCD_DONE) {
				/* The stream ended: resume on the next endpoint. */
				snprintf(err, errsize, "%s: watch stream closed", e->endpoints[e->cur]);
				out = ETCD_RETRY;
			}
		}
		switch (out) {
		case ETCD_DONE:
			break;
		case ETCD_FAIL:
			goto cleanup;
		case ETCD_REAUTH:
			free(e->token);
			e->token = NULL;
			if (e->user == NULL || ++r.reauth > 2)
				goto cleanup;
			break;
		case ETCD_RETRY:
			if (etcd_retry_next(e, &r, err, errsize) == -1)
				goto cleanup;
			break;
		}
	}
cleanup:
	e->len = 0;
	if (next != NULL)
		*next = w.next;
	json_object_put(req);
	return ret;
}
