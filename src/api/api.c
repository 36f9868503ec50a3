/*
 * api.c - the route table, routing, authentication and JSON replies of
 * migcompatd's API (the server and its threads: api_http.c).
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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
	{ "POST", "/v1/hosts", api_hosts_post, API_AUTH | API_BODY | API_WRITE },
	{ "GET", "/v1/hosts/{id}", api_hosts_get, 0 },
	{ "PUT", "/v1/hosts/{id}", api_hosts_put, API_AUTH | API_BODY | API_WRITE },
	{ "DELETE", "/v1/hosts/{id}", api_hosts_delete, API_AUTH | API_WRITE },
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
	{ "POST", "/v1/whatif", api_whatif, API_BODY },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

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

int
api_scenario_arg(struct api_req *r, const char *s, enum vmspec_scenario *sc)
{
	if (s != NULL && vmspec_scenario_parse(s, sc) == -1) {
		api_error(r, 400, "scenario: \"%.32s\" is not plain, nested, evmcs or evmcs-pv", s);
		return -1;
	}
	return 0;
}

int
api_policy_arg(struct api_req *r, const char *s, enum rules_policy *policy)
{
	if (s != NULL && rules_policy_parse(s, policy) == -1) {
		api_error(r, 400, "policy: \"%.32s\" is not strict or effective", s);
		return -1;
	}
	return 0;
}

/* The optional string key of body into buf; -1 after replying 400. */
static int
api_body_str(struct api_req *r, struct json_object *body, const char *key, char *buf, size_t bufsize,
    const char **out)
{
	struct json_object *v;
	char err[512];

	*out = NULL;
	if (!json_object_object_get_ex(body, key, &v))
		return 0;
	if (jsonu_str(v, key, buf, bufsize, err, sizeof(err)) == -1) {
		api_error(r, 400, "%s", err);
		return -1;
	}
	*out = buf;
	return 0;
}

int
api_body_scenario(struct api_req *r, struct json_object *body, enum vmspec_scenario *sc)
{
	const char *s;
	char buf[32];

	if (api_body_str(r, body, "scenario", buf, sizeof(buf), &s) == -1)
		return -1;
	return api_scenario_arg(r, s, sc);
}

int
api_body_policy(struct api_req *r, struct json_object *body, enum rules_policy *policy)
{
	const char *s;
	char buf[32];

	if (api_body_str(r, body, "policy", buf, sizeof(buf), &s) == -1)
		return -1;
	return api_policy_arg(r, s, policy);
}

int
api_body_vm(struct api_req *r, struct json_object *body, enum vmspec_scenario sc,
    struct vmspec *vm)
{
	struct json_object *v;
	char err[512];

	if (json_object_object_get_ex(body, "vm", &v)) {
		if (vmspec_from_json(v, vm, err, sizeof(err)) == -1) {
			api_error(r, 400, "vm: %s", err);
			return -1;
		}
		return 0;
	}
	if (api_body_scenario(r, body, &sc) == -1)
		return -1;
	vmspec_init(vm, sc);
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
void
api_route_find(struct api_req *r)
{
	static const char *const names[] = { "GET", "PUT", "POST", "DELETE" };
	unsigned methods = 0;
	size_t i, k, n;

	r->route = -1;
	for (i = 0; i < api_nroutes; i++) {
		if (!api_match(api_routes[i].pattern, r->url, r))
			continue;
		if (strcmp(api_routes[i].method, r->method) == 0) {
			r->route = (int)i;
			return;
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(api_routes[i].method, names[k]) == 0)
				methods |= 1u << k;
		for (; r->nparam > 0; r->nparam--) {
			free(r->param[r->nparam - 1]);
			r->param[r->nparam - 1] = NULL;
		}
	}
	if (methods == 0)
		return;
	/* "GET, PUT, DELETE": in the order of names. */
	r->allow_buf[0] = '\0';
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (!(methods & (1u << k)))
			continue;
		n = strlen(r->allow_buf);
		snprintf(r->allow_buf + n, sizeof(r->allow_buf) - n, "%s%s", n > 0 ? ", " : "",
		    names[k]);
	}
	r->allow = r->allow_buf;
}

/*
 * Compare the presented token with the configured one in time independent
 * of where they differ: both are hashed and the digests compared whole.
 * Returns 0 (no token configured), 1 (match) or -1 (mismatch).
 */
static int
api_token_check(struct api *a, const char *token)
{
	unsigned char d[UTIL_SHA256_SIZE], want[UTIL_SHA256_SIZE];
	unsigned diff = 0;
	size_t i;
	int has;

	pthread_mutex_lock(&a->mu);
	has = a->has_token;
	memcpy(want, a->token_digest, sizeof(want));
	pthread_mutex_unlock(&a->mu);
	if (!has)
		return 0;
	util_sha256(token, strlen(token), d);
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
int
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
int
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
api_who(struct api_req *r, char *buf, size_t bufsize)
{
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN + 8] = "an unknown address";
	const struct sockaddr *sa;

	if (r->l == NULL || r->conn == NULL) {
		snprintf(buf, bufsize, "an in-process caller");
		return;
	}
	if (r->l->is_unix) {
		snprintf(buf, bufsize, "the Unix socket %s", r->l->name);
		return;
	}
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && (sa = ci->client_addr) != NULL) {
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			    addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			    addr, sizeof(addr));
	}
	snprintf(buf, bufsize, "%s with %s", addr, api_client_cert_ok(r) ? "a client certificate" :
	    api_header(r, MHD_HTTP_HEADER_AUTHORIZATION) != NULL ? "the token" : "no credentials");
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
	/* Journal fields of what the handler logs: the host of the path, the route. */
	log_set_context(strstr(api_routes[r->route].pattern, "{id}") != NULL && r->nparam > 0 ?
	    r->param[0] : NULL, api_routes[r->route].pattern);
	api_routes[r->route].fn(r);
	if (r->status == 0)
		api_error(r, 500, "handler gave no answer");
	log_set_context(NULL, NULL);
}
