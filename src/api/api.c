/*
 * api.c - the HTTP server of migcompatd: listeners, the poll loop of the
 * API thread, request bodies and limits, authentication, the route table
 * and JSON replies.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "api.h"
#include "acache.h"
#include "api_priv.h"
#include "fleet.h"
#include "jsonu.h"
#include "log.h"
#include "pcache.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

const struct api_route api_routes[] = {
	{ "GET", "/healthz", api_metrics_healthz, API_OPEN },
	{ "GET", "/metrics", api_metrics_get, 0 },
	{ "GET", "/v1/hosts", api_hosts_list, 0 },
	{ "POST", "/v1/hosts", api_hosts_post, API_AUTH | API_BODY },
	{ "GET", "/v1/hosts/{id}", api_hosts_get, 0 },
	{ "PUT", "/v1/hosts/{id}", api_hosts_put, API_AUTH | API_BODY },
	{ "GET", "/v1/hosts/{id}/history", api_hosts_history, 0 },
	{ "GET", "/v1/hosts/{id}/diff", api_hosts_diff, 0 },
	{ "GET", "/v1/compat", api_compat_get, 0 },
	{ "POST", "/v1/compat", api_compat_post, API_BODY },
	{ "POST", "/v1/collect", api_metrics_collect, API_AUTH },
	{ "GET", "/v1/hosts/{id}/targets", api_fleet_targets, 0 },
	{ "POST", "/v1/hosts/{id}/targets", api_fleet_targets, API_BODY },
	{ "GET", "/v1/groups", api_fleet_groups, 0 },
	{ "POST", "/v1/baseline", api_fleet_baseline, API_BODY },
	{ "GET", "/v1/fleet/changes", api_fleet_changes, 0 },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

/* Header space per connection: request line, headers and MHD's buffers. */
#define API_CONN_MEMORY		(64 * 1024)

/* ---- replies ---- */

void
api_reply(struct api_req *r, unsigned status, struct json_object *o)
{
	json_object_put(r->resp);
	free(r->text);
	r->text = NULL;
	r->resp = o;
	r->status = status;
}

char *
api_json_text(struct json_object *o, int pretty)
{
	const char *s;
	char *buf;
	size_t n;

	s = json_object_to_json_string_ext(o, (pretty ? JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	buf = xmalloc(n + 2);
	memcpy(buf, s, n);
	buf[n++] = '\n';
	buf[n] = '\0';
	return buf;
}

void
api_reply_text(struct api_req *r, unsigned status, char *text, const char *ctype)
{
	json_object_put(r->resp);
	r->resp = NULL;
	free(r->text);
	r->text = text;
	r->ctype = ctype;
	r->status = status;
}

void
api_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(e, "code", json_object_new_int((int)status));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	api_reply(r, status, o);
	if (status >= 500)
		log_warnx("%s %s: %u %s", r->method, r->url, status, msg);
	else
		log_debug("%s %s: %u %s", r->method, r->url, status, msg);
}

const char *
api_query(struct api_req *r, const char *name)
{
	if (r->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
api_header(struct api_req *r, const char *name)
{
	if (r->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct api_query_check {
	const char *const *names;
	const char *bad;
};

static enum MHD_Result
api_query_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct api_query_check *q = cls;
	size_t i;

	for (i = 0; q->names[i] != NULL; i++)
		if (strcmp(q->names[i], key) == 0)
			return MHD_YES;
	q->bad = key;
	return MHD_NO;
}

int
api_query_only(struct api_req *r, const char *const *names)
{
	struct api_query_check q = { names, NULL };

	if (r->conn == NULL)
		return 0;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, api_query_iter, &q);
	if (q.bad != NULL) {
		api_error(r, 400, "unknown query parameter \"%.64s\"", q.bad);
		return -1;
	}
	return 0;
}

int
api_ctype_is(struct api_req *r, const char *type)
{
	const char *ct = api_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(type);

	return ct != NULL && strncasecmp(ct, type, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int
api_body_json(struct api_req *r, struct json_object **out)
{
	char err[512];

	if (api_header(r, MHD_HTTP_HEADER_CONTENT_TYPE) != NULL && !api_ctype_is(r, "application/json")) {
		api_error(r, 415, "Content-Type must be application/json");
		return -1;
	}
	if (r->len == 0) {
		api_error(r, 400, "empty request body");
		return -1;
	}
	if (jsonu_parse(r->body, r->len, out, err, sizeof(err)) == -1) {
		api_error(r, 400, "malformed JSON: %s", err);
		return -1;
	}
	return 0;
}

/* ---- routing ---- */

/*
 * Match path against pattern; on success the {x} segments are copied into
 * r->param.  Returns 1 on a match, 0 otherwise.
 */
static int
api_match(const char *pattern, const char *path, struct api_req *r)
{
	const char *p = pattern, *s = path, *pe, *se;
	size_t n = 0, i;

	for (;;) {
		if (*p != '/' || *s != '/')
			break;
		p++;
		s++;
		pe = strchrnul(p, '/');
		se = strchrnul(s, '/');
		if (*p == '{') {
			if (se == s || n >= API_MAX_PARAMS)
				goto nomatch;
			r->param[n++] = strndup(s, (size_t)(se - s));
			if (r->param[n - 1] == NULL)
				goto nomatch;
		} else if (pe - p != se - s || memcmp(p, s, (size_t)(pe - p)) != 0) {
			goto nomatch;
		}
		p = pe;
		s = se;
		if (*p == '\0' && *s == '\0') {
			r->nparam = n;
			return 1;
		}
	}
nomatch:
	for (i = 0; i < n; i++) {
		free(r->param[i]);
		r->param[i] = NULL;
	}
	return 0;
}

/* Find the route of a request; sets r->route, or r->allow for a 405. */
static void
api_route_find(struct api_req *r)
{
	static const char *const allow[] = { "GET", "PUT", "GET, PUT", "POST", "GET, POST" };
	unsigned methods = 0;
	size_t i;

	r->route = -1;
	for (i = 0; i < api_nroutes; i++) {
		if (!api_match(api_routes[i].pattern, r->url, r))
			continue;
		if (strcmp(api_routes[i].method, r->method) == 0) {
			r->route = (int)i;
			return;
		}
		methods |= strcmp(api_routes[i].method, "GET") == 0 ? 1 :
		    strcmp(api_routes[i].method, "PUT") == 0 ? 2 : 4;
		for (; r->nparam > 0; r->nparam--) {
			free(r->param[r->nparam - 1]);
			r->param[r->nparam - 1] = NULL;
		}
	}
	if (methods != 0)
		r->allow = methods == 1 ? allow[0] : methods == 2 ? allow[1] : methods == 3 ?
		    allow[2] : methods == 4 ? allow[3] : allow[4];
}

/*
 * Compare the presented token with the configured one in time independent
 * of where they differ: both are hashed and the digests compared whole.
 * Returns 0 (no token configured), 1 (match) or -1 (mismatch).
 */
static int
api_token_check(struct api *a, const char *token)
{
	unsigned char d[32], want[32];
	unsigned diff = 0;
	size_t i;
	int has;

	pthread_mutex_lock(&a->mu);
	has = a->has_token;
	memcpy(want, a->token_digest, sizeof(want));
	pthread_mutex_unlock(&a->mu);
	if (!has)
		return 0;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
		return -1;
	for (i = 0; i < sizeof(d); i++)
		diff |= (unsigned)(d[i] ^ want[i]);
	return diff == 0 ? 1 : -1;
}

/*
 * Nonzero if the TLS client presented a certificate that verifies against
 * tls_client_ca (libmicrohttpd asks for one only when that is set, and
 * loads those CAs as the session's trust).
 */
static int
api_client_cert_ok(struct api_req *r)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t session;
	unsigned status = 0, n = 0;

	if (r->api->tls_ca == NULL || r->l == NULL || r->l->is_unix)
		return 0;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return 0;
	session = (gnutls_session_t)ci->tls_session;
	if (gnutls_certificate_get_peers(session, &n) == NULL || n == 0)
		return 0;
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
		return 0;
	return 1;
}

/* Nonzero if the route of r needs authentication. */
static int
api_needs_auth(const struct api_req *r)
{
	unsigned flags = api_routes[r->route].flags;

	if (flags & API_OPEN)
		return 0;
	return (flags & API_AUTH) || r->api->auth_reads;
}

/*
 * Reply 401/403 unless the request may go on: the Unix socket (its file
 * mode guards it), a client certificate signed by tls_client_ca, or the
 * bearer token.  Returns 0 if it may.
 */
static int
api_auth(struct api_req *r)
{
	const char *h;
	int rc;

	if (r->l != NULL && r->l->is_unix)
		return 0;
	if (api_client_cert_ok(r))
		return 0;
	h = api_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		api_error(r, 401, "this request needs \"Authorization: Bearer <token>\"");
		return -1;
	}
	rc = api_token_check(r->api, h + 7);
	if (rc == 0) {
		api_error(r, 403, "%s over TCP are disabled: the daemon has no token_file",
		    (api_routes[r->route].flags & API_AUTH) ? "writes" : "reads");
		return -1;
	}
	if (rc == -1) {
		api_error(r, 403, "wrong token");
		return -1;
	}
	return 0;
}

void
api_dispatch(struct api_req *r)
{
	if (r->route < 0) {
		if (r->allow != NULL)
			api_error(r, 405, "method %s not allowed here (allowed: %s)", r->method, r->allow);
		else
			api_error(r, 404, "no such route: %s %.200s", r->method, r->url);
		return;
	}
	if (api_needs_auth(r) && api_auth(r) == -1)
		return;
	api_routes[r->route].fn(r);
	if (r->status == 0)
		api_error(r, 500, "handler gave no answer");
}

/* ---- libmicrohttpd callbacks ---- */

static void
api_req_free(struct api_req *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < API_MAX_PARAMS; i++)
		free(r->param[i]);
	free(r->body);
	json_object_put(r->resp);
	free(r->text);
	free(r);
}

static enum MHD_Result
api_send(struct api_req *r)
{
	struct MHD_Response *resp;
	char *buf;
	size_t n;
	enum MHD_Result ret;

	if (r->resp != NULL) {
		buf = api_json_text(r->resp, r->pretty);
		n = strlen(buf);
		r->ctype = "application/json";
	} else {
		buf = r->text != NULL ? r->text : xstrdup("");
		r->text = NULL;
		n = strlen(buf);
	}
	resp = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->status == 405 && r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (r->compat_from[0] != '\0')
		MHD_add_response_header(resp, "Migcompat-From", r->compat_from);
	if (r->compat_to[0] != '\0')
		MHD_add_response_header(resp, "Migcompat-To", r->compat_to);
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->queued = 1;
	return ret;
}

static enum MHD_Result
api_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api_listener *l = cls;
	struct api_req *r = *con_cls;
	const char *cl;
	uint64_t clen;

	if (r == NULL) {
		/* Headers are complete: set the request up and check what can be checked. */
		r = xcalloc(1, sizeof(*r));
		r->api = l->api;
		r->l = l;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->start_ns = util_now_ns();
		pthread_mutex_lock(&l->api->mu);
		r->max_body = l->api->max_body;
		pthread_mutex_unlock(&l->api->mu);
		*con_cls = r;
		api_route_find(r);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && (util_parse_u64(cl, UINT64_MAX, &clen) == -1 || clen > r->max_body)) {
			api_error(r, 413, "request body over the limit of %llu bytes",
			    (unsigned long long)r->max_body);
			return api_send(r);
		}
		/* Refuse unauthorised writes before reading their bodies. */
		if (r->route >= 0 && api_needs_auth(r) && api_auth(r) == -1)
			return api_send(r);
		return MHD_YES;
	}
	if (r->queued) {
		/* An early answer went out; drop what the client still sends. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		/*
		 * A body without Content-Length (chunked) that grows over the
		 * limit: drop the rest and answer 413 when it ends (MHD sends
		 * no answer queued in the middle of an upload).
		 */
		if (r->too_big || r->len + *upload_data_size > r->max_body) {
			r->too_big = 1;
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (r->len + *upload_data_size + 1 > r->cap) {
			r->cap = r->cap == 0 ? 4096 : r->cap;
			while (r->cap < r->len + *upload_data_size + 1)
				r->cap *= 2;
			r->body = xreallocarray(r->body, r->cap, 1);
		}
		memcpy(r->body + r->len, upload_data, *upload_data_size);
		r->len += *upload_data_size;
		r->body[r->len] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		api_error(r, 413, "request body over the limit of %llu bytes",
		    (unsigned long long)r->max_body);
	else
		api_dispatch(r);
	return api_send(r);
}

static void
api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api_listener *l = cls;
	struct api_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->queued)
		api_metrics_record(l->api, r->route, r->status,
		    (double)(util_now_ns() - r->start_ns) / 1e9);
	api_req_free(r);
	*con_cls = NULL;
}

static void __attribute__((format(printf, 2, 0)))
api_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

/*
 * Decode %HH escapes in the path and query of a request, except %00: a NUL
 * would cut "/v1/hosts/a%00b" to the host "a" where the client named
 * another.  It stays "%00", which no host id, route or parameter accepts.
 */
static size_t
api_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *h, *l;
	size_t r, w;

	for (r = w = 0; s[r] != '\0'; r++, w++) {
		if (s[r] == '%' && s[r + 1] != '\0' && s[r + 2] != '\0' &&
		    (h = strchr(hex, tolower((unsigned char)s[r + 1]))) != NULL &&
		    (l = strchr(hex, tolower((unsigned char)s[r + 2]))) != NULL &&
		    (h != hex || l != hex)) {
			s[w] = (char)((h - hex) << 4 | (l - hex));
			r += 2;
		} else {
			s[w] = s[r];
		}
	}
	s[w] = '\0';
	return w;
}

/* ---- the API thread ---- */

/*
 * One round of a daemon's work.  At its connection limit MHD takes the
 * listening socket out of its epoll set and puts it back only at the start
 * of a later round, so when a round closed connections, run another:
 * otherwise connections waiting in the backlog would wake nobody.
 */
static void
api_run(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;
	unsigned before;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	before = info != NULL ? info->num_connections : 0;
	MHD_run(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	if (info != NULL && info->num_connections < before)
		MHD_run(d);
}

static void *
api_loop(void *arg)
{
	struct api *a = arg;
	struct pollfd *pfd = xcalloc(a->n_l + 1, sizeof(*pfd));
	MHD_UNSIGNED_LONG_LONG to;
	char buf[64];
	size_t i;
	int timeout, stop;

	for (;;) {
		timeout = -1;
		for (i = 0; i < a->n_l; i++) {
			pfd[i].fd = MHD_get_daemon_info(a->l[i].mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
			pfd[i].events = POLLIN;
			if (MHD_get_timeout(a->l[i].mhd, &to) == MHD_YES &&
			    (timeout == -1 || to < (MHD_UNSIGNED_LONG_LONG)timeout))
				timeout = to > 60000 ? 60000 : (int)to;
		}
		pfd[a->n_l].fd = a->wake[0];
		pfd[a->n_l].events = POLLIN;
		if (poll(pfd, a->n_l + 1, timeout) == -1 && errno != EINTR) {
			log_warn("api: poll");
			continue;
		}
		if (pfd[a->n_l].revents & POLLIN) {
			while (read(a->wake[0], buf, sizeof(buf)) > 0)
				;
			pthread_mutex_lock(&a->mu);
			stop = a->stopping;
			pthread_mutex_unlock(&a->mu);
			if (stop)
				break;
		}
		for (i = 0; i < a->n_l; i++)
			api_run(a->l[i].mhd);
	}
	free(pfd);
	return NULL;
}

struct api *
api_start(const struct api_conf *c, char *err, size_t errsize)
{
	struct api *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;
	size_t i;

	pthread_mutex_init(&a->mu, NULL);
	a->wake[0] = a->wake[1] = -1;
	a->collect_fd = c->collect_fd;
	a->max_body = c->max_body;
	a->auth_reads = c->auth_reads;
	if (c->tls_cert != NULL) {
		a->tls_cert = xstrdup(c->tls_cert);
		a->tls_key = xstrdup(c->tls_key != NULL ? c->tls_key : "");
		if (c->tls_client_ca != NULL)
			a->tls_ca = xstrdup(c->tls_client_ca);
	}
	a->self_id = xstrdup(c->self_id != NULL ? c->self_id : "");
	a->stats = xcalloc(api_nroutes + 1, sizeof(*a->stats));
	a->coll.state = API_COLLECT_DISABLED;
	a->l = xcalloc(c->n_listeners, sizeof(*a->l));
	for (i = 0; i < c->n_listeners; i++) {
		a->l[i].api = a;
		a->l[i].fd = c->listeners[i].fd;
		a->l[i].is_unix = c->listeners[i].is_unix;
		util_strlcpy(a->l[i].name, c->listeners[i].name, sizeof(a->l[i].name));
	}
	a->n_l = c->n_listeners;
	if (pipe2(a->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((a->store = store_open(c->db_path, err, errsize)) == NULL)
		goto fail;
	a->cache = pcache_new();
	a->answers = acache_new(API_ANSWER_SLOTS);
	a->fleet = fleet_new();
	if (api_fleet_sync(a, err, errsize) == -1)
		goto fail;
	for (i = 0; i < a->n_l; i++) {
		struct MHD_OptionItem tls[4];
		unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
		size_t nt = 0;

		if (a->tls_cert != NULL && !a->l[i].is_unix) {
			flags |= MHD_USE_TLS;
			tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, a->tls_cert };
			tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, a->tls_key };
			if (a->tls_ca != NULL)
				tls[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, a->tls_ca };
		}
		tls[nt] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
		a->l[i].mhd = MHD_start_daemon(flags,
		    0, NULL, NULL, api_access, &a->l[i],
		    MHD_OPTION_ARRAY, tls,
		    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, a->l[i].fd,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
		    MHD_OPTION_NOTIFY_COMPLETED, api_completed, &a->l[i],
		    MHD_OPTION_UNESCAPE_CALLBACK, api_unescape, NULL,
		    MHD_OPTION_END);
		if (a->l[i].mhd == NULL) {
			snprintf(err, errsize, "%s: cannot start the HTTP%s server%s", a->l[i].name,
			    nt > 0 ? "S" : "", nt > 0 ? " (is tls_key the key of tls_cert?)" : "");
			goto fail;
		}
		a->l[i].fd = -1;	/* MHD owns it now */
	}
	/* The API thread takes no signals: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&a->thread, NULL, api_loop, a) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errsize, "cannot start the API thread");
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	a->started = 1;
	for (i = 0; i < a->n_l; i++)
		log_info("listening on %s%s", a->l[i].name, a->tls_cert != NULL && !a->l[i].is_unix ?
		    a->tls_ca != NULL ? " (HTTPS, client certificates accepted)" : " (HTTPS)" : "");
	return a;
fail:
	api_stop(a);
	return NULL;
}

void
api_stop(struct api *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		a->stopping = 1;
		pthread_mutex_unlock(&a->mu);
		if (write(a->wake[1], "x", 1) == -1)
			log_warn("api: wake");
		pthread_join(a->thread, NULL);
	}
	for (i = 0; i < a->n_l; i++) {
		if (a->l[i].mhd != NULL)
			MHD_stop_daemon(a->l[i].mhd);
		else if (a->l[i].fd != -1)
			close(a->l[i].fd);
	}
	if (a->wake[0] != -1)
		close(a->wake[0]);
	if (a->wake[1] != -1)
		close(a->wake[1]);
	fleet_free(a->fleet);
	pcache_free(a->cache);
	acache_free(a->answers);
	store_close(a->store);
	pthread_mutex_destroy(&a->mu);
	free(a->l);
	free(a->stats);
	free(a->self_id);
	free(a->tls_cert);
	if (a->tls_key != NULL) {
		explicit_bzero(a->tls_key, strlen(a->tls_key));
		free(a->tls_key);
	}
	free(a->tls_ca);
	free(a);
}

void
api_set_token(struct api *a, const char *token)
{
	unsigned char d[32];
	int has = token != NULL && token[0] != '\0';

	if (has && gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
		has = 0;
	pthread_mutex_lock(&a->mu);
	a->has_token = has;
	if (has)
		memcpy(a->token_digest, d, sizeof(d));
	pthread_mutex_unlock(&a->mu);
}

void
api_set_max_body(struct api *a, uint64_t max_body)
{
	pthread_mutex_lock(&a->mu);
	a->max_body = max_body;
	pthread_mutex_unlock(&a->mu);
}

void
api_set_collection(struct api *a, const struct api_collection *c)
{
	pthread_mutex_lock(&a->mu);
	a->coll = *c;
	pthread_mutex_unlock(&a->mu);
}

void
api_count_push(struct api *a, int ok)
{
	pthread_mutex_lock(&a->mu);
	if (ok)
		a->push_ok++;
	else
		a->push_failed++;
	pthread_mutex_unlock(&a->mu);
}
