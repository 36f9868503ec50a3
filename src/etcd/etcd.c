/*
 * etcd.c - etcd v3 over its JSON gateway (httpx): failover across
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

#include "etcd.h"
#include "etcd_priv.h"
#include "jsonu.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static pthread_once_t etcd_once = PTHREAD_ONCE_INIT;
static CURLcode etcd_global_rc;

static void
etcd_global_init(void)
{
	etcd_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
etcd_err(char *err, size_t errsize, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

int
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

	if ((e->http = httpx_new()) == NULL) {
		etcd_err(err, errsize, ENOMEM, "libcurl cannot start");
		goto cleanup;
	}
	ok = 1;
cleanup:
	if (!ok) {
		etcd_free(e);
		e = NULL;
	}
	return e;
}

struct etcd *
etcd_dup(const struct etcd *e, char *err, size_t errsize)
{
	struct etcd_conf c;
	size_t i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < e->n_endpoints; i++)
		c.endpoints[i] = e->endpoints[i];
	c.n_endpoints = e->n_endpoints;
	c.cacert = e->cacert;
	c.cert = e->cert;
	c.key = e->key;
	c.user = e->user;
	c.password = e->password;
	c.connect_timeout_ms = e->connect_timeout_ms;
	c.request_timeout_ms = e->request_timeout_ms;
	c.backoff_min_ms = e->backoff_min_ms;
	c.backoff_max_ms = e->backoff_max_ms;
	c.retry_ms = e->retry_ms;
	return etcd_new(&c, err, errsize);
}

void
etcd_free(struct etcd *e)
{
	size_t i;

	if (e == NULL)
		return;
	httpx_free(e->http);
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
	httpx_resp_clear(&e->resp);
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

uint64_t
etcd_unreachable_since(const struct etcd *e)
{
	return __atomic_load_n(&e->down_since, __ATOMIC_RELAXED);
}

const char *
etcd_endpoint(const struct etcd *e)
{
	return e->endpoints[e->cur];
}

/*
 * Transport.
 */

/* httpx's cancel: etcd_stop() was called. */
static int
etcd_cancel(void *arg)
{
	return etcd_stopping(arg);
}

/*
 * httpx's on_body for a watch: the gateway writes one JSON message per
 * line; what was kept is the start of a line, so its end is looked for in
 * the new data only (from old).  Whole lines are handed to
 * etcd_watch_line and dropped from the buffer.
 */
static int
etcd_watch_body(void *arg, struct httpx_resp *b, size_t old)
{
	struct etcd *e = arg;
	size_t start = 0, i;

	for (i = old; i < b->len; i++) {
		if (b->body[i] != '\n')
			continue;
		b->body[i] = '\0';
		if (etcd_watch_line(e, b->body + start, i - start) == -1)
			return -1;
		start = i + 1;
	}
	if (etcd_watch_chunk(e) == -1)
		return -1;
	memmove(b->body, b->body + start, b->len - start);
	b->len -= start;
	b->body[b->len] = '\0';
	return 0;
}

/*
 * One HTTP POST of body to the current endpoint.  Returns 0 with the
 * status in *status and the answer in e->resp, or -1 on a transport failure
 * with a message in err (errno ECANCELED if stopped).
 */
int
etcd_http(struct etcd *e, const char *path, const char *body, long *status,
    char *err, size_t errsize)
{
	const char *hdr[3];
	struct httpx_req r;
	char url[1024], *auth = NULL, xerr[512];
	size_t n = 0;
	int ret = -1;

	snprintf(url, sizeof(url), "%s%s", e->endpoints[e->cur], path);
	/*
	 * gRPC metadata "hasleader": a member cut off from the leader fails
	 * requests and cancels watches instead of serving stale data, so the
	 * client moves to another member.
	 */
	hdr[n++] = "Grpc-Metadata-hasleader: true";
	if (e->token != NULL && *e->token != '\0' && strcmp(path, "/v3/auth/authenticate") != 0) {
		auth = xasprintf("Authorization: %s", e->token);
		hdr[n++] = auth;
	}
	hdr[n] = NULL;
	memset(&r, 0, sizeof(r));
	r.url = url;
	r.body = body;
	r.len = strlen(body);
	r.ctype = "application/json";
	r.headers = hdr;
	r.connect_ms = (long)e->connect_timeout_ms;
	r.total_ms = e->mode == ETCD_MODE_WATCH ? 0L : (long)e->request_timeout_ms;
	r.keepalive_s = 10;
	r.cacert = e->cacert;
	r.cert = e->cert;
	r.key = e->key;
	r.max_body = ETCD_MAX_BODY;
	r.arg = e;
	r.cancel = etcd_cancel;
	if (e->mode == ETCD_MODE_WATCH)
		r.on_body = etcd_watch_body;
	if (httpx_perform(e->http, &r, &e->resp, xerr, sizeof(xerr)) == -1) {
		if (etcd_stopping(e))
			etcd_err(err, errsize, ECANCELED, "etcd: stopped");
		else
			etcd_err(err, errsize, EIO, "%s: %s", e->endpoints[e->cur], xerr);
		goto cleanup;
	}
	*status = e->resp.status;
	ret = 0;
cleanup:
	free(auth);
	return ret;
}

/*
 * The outcome of an error answer: the gateway's {"error", "code",
 * "message"} or, from a proxy, anything else.
 */
enum etcd_outcome
etcd_classify(struct etcd *e, long status, char *err, size_t errsize)
{
	struct json_object *o = NULL, *v;
	enum etcd_outcome out;
	const char *msg = NULL;
	int code = -1;

	if (jsonu_parse(e->resp.body != NULL ? e->resp.body : "", e->resp.len, &o, NULL, 0) == 0 &&
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

void
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
int
etcd_retry_next(struct etcd *e, struct etcd_retry *r, char *err, size_t errsize)
{
	uint64_t elapsed_ms;
	char last[512];

	util_strlcpy(last, err, sizeof(last));
	log_debug("etcd: %s", last);
	e->cur = (e->cur + 1) % e->n_endpoints;
	r->tries++;
	if (r->tries % e->n_endpoints == 0) {
		if (__atomic_load_n(&e->down_since, __ATOMIC_RELAXED) == 0)
			__atomic_store_n(&e->down_since, util_now_ns(), __ATOMIC_RELAXED);
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

int
etcd_retry_after(struct etcd *e, struct etcd_retry *r, enum etcd_outcome out,
    char *err, size_t errsize)
{
	switch (out) {
	case ETCD_DONE:
		return 0;
	case ETCD_FAIL:
		return -1;
	case ETCD_REAUTH:
		free(e->token);
		e->token = NULL;
		if (e->user == NULL || ++r->reauth > 2)
			return -1;
		return 0;
	case ETCD_RETRY:
		return etcd_retry_next(e, r, err, errsize);
	}
	return -1;
}

void
etcd_answered(struct etcd *e, struct etcd_retry *r)
{
	if (e->last_ok != e->cur || r->warned)
		log_info("etcd: using %s", e->endpoints[e->cur]);
	__atomic_store_n(&e->down_since, 0, __ATOMIC_RELAXED);
	e->last_ok = e->cur;
}

/* Get a token with the user and password.  ETCD_DONE, ETCD_RETRY or ETCD_FAIL. */
enum etcd_outcome
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
	if (jsonu_parse(e->resp.body, e->resp.len, &resp, NULL, 0) == -1 ||
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
int
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
				if (jsonu_parse(e->resp.body != NULL ? e->resp.body : "", e->resp.len, resp, perr,
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
		if (out != ETCD_DONE && etcd_retry_after(e, &r, out, err, errsize) == -1)
			return -1;
	}
}

int
etcd_rpc(struct etcd *e, const char *path, struct json_object *req, struct json_object **resp,
    int64_t *rev, char *err, size_t errsize)
{
	struct json_object *answer = NULL;
	int ret = -1;

	if (resp != NULL)
		*resp = NULL;
	if (etcd_call(e, path, req, &answer, err, errsize) == -1)
		goto cleanup;
	if (rev != NULL)
		*rev = etcd_json_header_rev(answer);
	if (resp != NULL) {
		*resp = answer;
		answer = NULL;
	}
	ret = 0;
cleanup:
	json_object_put(req);
	json_object_put(answer);
	return ret;
}
