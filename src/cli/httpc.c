/*
 * httpc.c - talk to migcompatd (httpx), over TCP or its Unix socket: the
 * retries, the messages, the subcommands' requests.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "domxml.h"
#include "hostid.h"
#include "httpc.h"
#include "httpx.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

/* Largest answer accepted: a host list of a big fleet. */
#define HTTPC_MAX_RESPONSE	(256u * 1024 * 1024)
/* Attempts of one request when the daemon is overloaded or drops the connection. */
#define HTTPC_ATTEMPTS		4
/* Limits of one attempt, ms: to connect, in all. */
#define HTTPC_CONNECT_MS	5000L
#define HTTPC_TOTAL_MS		120000L

int
httpc_option(struct httpc *h, int c, const char *arg)
{
	switch (c) {
	case HTTPC_OPT_SERVER:
		h->server = arg;
		h->remote = 1;
		return 1;
	case HTTPC_OPT_SOCKET:
		h->socket = arg;
		h->remote = 1;
		return 1;
	case HTTPC_OPT_TOKEN_FILE:
		h->token_file = arg;
		return 1;
	case HTTPC_OPT_CACERT:
		h->cacert = arg;
		return 1;
	case HTTPC_OPT_CERT:
		h->cert = arg;
		return 1;
	case HTTPC_OPT_KEY:
		h->key = arg;
		return 1;
	default:
		return 0;
	}
}

int
httpc_options_check(struct httpc *h)
{
	char err[1024];

	if (h->key != NULL && h->cert == NULL) {
		log_warnx("--key goes with --cert");
		return -1;
	}
	if ((h->cacert != NULL || h->cert != NULL) && h->server == NULL) {
		log_warnx("--cacert, --cert and --key go with --server https://...");
		return -1;
	}
	if (h->token_file != NULL && h->token == NULL &&
	    (h->token = util_read_token(h->token_file, err, sizeof(err))) == NULL) {
		log_warnx("--token-file: %s", err);
		return -1;
	}
	return 0;
}

void
httpc_clear(struct httpc *h)
{
	if (h->token != NULL) {
		explicit_bzero(h->token, strlen(h->token));
		free(h->token);
	}
	h->token = NULL;
}

char *
httpc_escape(const char *s, char *buf, size_t bufsize)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			if (o + 1 >= bufsize)
				return NULL;
			buf[o++] = (char)c;
		} else {
			if (o + 3 >= bufsize)
				return NULL;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (o >= bufsize)
		return NULL;
	buf[o] = '\0';
	return buf;
}

/*
 * One attempt of httpc_request().  *again is set when another attempt may
 * succeed: the daemon answered 503 (overloaded; *wait_ms from its
 * Retry-After) or closed the connection without an answer (a connection
 * limit, a daemon restarting).
 */
static int
httpc_once(const struct httpc *h, const char *method, const char *path, const char *ctype,
    const char *body, size_t len, long *status, char **resp, int *again, long *wait_ms, char *err,
    size_t errsize)
{
	struct httpx_resp r = { 0 };
	struct httpx_req q;
	char *url, xerr[512];
	int ret = -1;

	*resp = NULL;
	*status = 0;
	memset(&q, 0, sizeof(q));
	if (h->server != NULL) {
		url = httpx_url(h->server, path);
		q.cacert = h->cacert;
		q.cert = h->cert;
		q.key = h->key;
	} else {
		q.socket = h->socket != NULL ? h->socket : HTTPC_DEFAULT_SOCKET;
		url = xasprintf("http://localhost%s", path);
	}
	q.url = url;
	q.method = method;
	q.body = body;
	q.len = len;
	q.ctype = ctype;
	q.token = h->token;
	q.connect_ms = HTTPC_CONNECT_MS;
	q.total_ms = HTTPC_TOTAL_MS;
	q.max_body = HTTPC_MAX_RESPONSE;
	if (httpx_request(&q, &r, xerr, sizeof(xerr)) == -1) {
		*again = httpx_fail_transient(r.fail);
		if (r.fail == HTTPX_TOOBIG)
			snprintf(err, errsize, "%s: answer over %u bytes", url, HTTPC_MAX_RESPONSE);
		else if (h->server != NULL)
			snprintf(err, errsize, "%s: %s", h->server, xerr);
		else
			snprintf(err, errsize, "%s: %s (is migcompatd running?)", q.socket, xerr);
		goto cleanup;
	}
	*status = r.status;
	if (r.status == 503) {
		/* Without Retry-After (0), the backoff of a dropped connection. */
		*again = 1;
		if (r.retry_after > 0)
			*wait_ms = r.retry_after > 5 ? 5000 : r.retry_after * 1000;
	}
	*resp = r.body;
	r.body = NULL;
	ret = 0;
cleanup:
	httpx_resp_clear(&r);
	free(url);
	return ret;
}

int
httpc_request(const struct httpc *h, const char *method, const char *path, const char *ctype,
    const char *body, size_t len, long *status, char **resp, char *err, size_t errsize)
{
	struct timespec ts;
	long wait_ms;
	int attempt, again, ret;

	for (attempt = 1;; attempt++) {
		again = 0;
		wait_ms = 100L << attempt;
		ret = httpc_once(h, method, path, ctype, body, len, status, resp, &again, &wait_ms, err,
		    errsize);
		if (!again || attempt == HTTPC_ATTEMPTS)
			return ret;
		if (ret == 0) {
			free(*resp);
			*resp = NULL;
		}
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = wait_ms % 1000 * 1000000L;
		nanosleep(&ts, NULL);
	}
}

int
httpc_json(const struct httpc *h, const char *method, const char *path, const char *ctype,
    const char *body, size_t len, long *status, struct json_object **out, char *err, size_t errsize)
{
	struct json_object *o = NULL, *e, *m;
	char *resp = NULL, perr[256];
	int ret = -1;

	*out = NULL;
	if (httpc_request(h, method, path, ctype, body, len, status, &resp, err, errsize) == -1)
		return -1;
	if (jsonu_parse(resp, strlen(resp), &o, perr, sizeof(perr)) == -1) {
		snprintf(err, errsize, "%s: HTTP %ld with an answer that is not JSON: %s", path, *status, perr);
		goto cleanup;
	}
	if (*status < 200 || *status > 299) {
		if (json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "message", &m))
			snprintf(err, errsize, "%s (HTTP %ld)", json_object_get_string(m), *status);
		else
			snprintf(err, errsize, "%s: HTTP %ld", path, *status);
		goto cleanup;
	}
	*out = o;
	o = NULL;
	ret = 0;
cleanup:
	json_object_put(o);
	free(resp);
	return ret;
}

/* The string member key of o, "" when absent. */
static const char *
httpc_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v != NULL ? json_object_get_string(v) : "";
}

/*
 * Print the answer ans of POST /v1/compat (asked with req) as the offline
 * check does (rules_check_print): the verdict line, the reasons with
 * "unknown: " on those that do not block, the not-checked layers and, when
 * the other policy answers otherwise, its verdict, asked of the daemon.
 */
static void
httpc_check_print(const struct httpc *h, struct json_object *req, struct json_object *ans)
{
	struct json_object *rs, *e, *nc, *v, *o = NULL;
	const char *other, *body;
	char err[1024];
	size_t i, n;
	long status;

	printf("%s (scenario %s, policy %s)\n", httpc_str(ans, "verdict"), httpc_str(ans, "scenario"),
	    httpc_str(ans, "policy"));
	if (json_object_object_get_ex(ans, "reasons", &rs) && json_object_is_type(rs, json_type_array)) {
		n = jsonu_len(rs);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(rs, i);
			fputs(strcmp(httpc_str(e, "effect"), "blocks") == 0 ? "" : "unknown: ", stdout);
			log_vis_print(stdout, httpc_str(e, "message"), 0);
			putchar('\n');
		}
	}
	if (json_object_object_get_ex(ans, "truncated", &v))
		printf("... and %s more reasons\n", json_object_get_string(v));
	if (json_object_object_get_ex(ans, "not_checked", &nc) && json_object_is_type(nc, json_type_array) &&
	    (n = jsonu_len(nc)) > 0) {
		for (i = 0; i < n; i++) {
			fputs(i == 0 ? "not checked: " : ", ", stdout);
			log_vis_print(stdout, json_object_get_string(json_object_array_get_idx(nc, i)), 0);
		}
		putchar('\n');
	}
	if (!json_object_object_get_ex(ans, "other_policy_differs", &v) || !json_object_get_boolean(v))
		return;
	other = strcmp(httpc_str(ans, "policy"), "strict") == 0 ? "effective" : "strict";
	json_object_object_add(req, "policy", json_object_new_string(other));
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (httpc_json(h, "POST", "/v1/compat", "application/json", body, strlen(body), &status, &o,
	    err, sizeof(err)) == -1)
		log_warnx("policy %s: %s", other, err);
	else
		printf("policy %s would answer %s\n", other, httpc_str(o, "verdict"));
	json_object_put(o);
}

int
httpc_check(const struct httpc *h, const char *src, const char *dst, const char *vmfile,
    const char *scenario, const char *policy, int json)
{
	struct json_object *req = json_object_new_object(), *vm = NULL, *ans = NULL, *v;
	char err[1024], perr[512], *text = NULL;
	const char *body, *verdict;
	size_t len;
	long status;
	int ret = CLI_EXIT_USAGE;

	json_object_object_add(req, "from", json_object_new_string(src));
	json_object_object_add(req, "to", json_object_new_string(dst));
	json_object_object_add(req, "policy", json_object_new_string(policy));
	if (vmfile != NULL) {
		if ((text = util_read_file(vmfile, 1024 * 1024, &len)) == NULL) {
			log_warn("%s", vmfile);
			goto cleanup;
		}
		if (text[strspn(text, " \t\r\n")] == '<') {
			/* Domain XML: sent as the VM spec it means. */
			struct vmspec *spec = xmalloc(sizeof(*spec));
			int r = domxml_parse(text, len, spec, perr, sizeof(perr));

			if (r == 0)
				vm = vmspec_to_json(spec);
			free(spec);
			if (r == -1) {
				log_warnx("%s: %s", vmfile, perr);
				goto cleanup;
			}
		} else if (jsonu_parse(text, len, &vm, perr, sizeof(perr)) == -1) {
			log_warnx("%s: %s", vmfile, perr);
			goto cleanup;
		}
		json_object_object_add(req, "vm", vm);
	} else if (scenario != NULL) {
		json_object_object_add(req, "scenario", json_object_new_string(scenario));
	}
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (httpc_json(h, "POST", "/v1/compat", "application/json", body, strlen(body), &status,
	    &ans, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	verdict = json_object_object_get_ex(ans, "verdict", &v) ? json_object_get_string(v) : "unknown";
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		httpc_check_print(h, req, ans);
	}
	ret = strcmp(verdict, "compatible") == 0 ? CLI_EXIT_OK : strcmp(verdict, "incompatible") == 0 ?
	    CLI_EXIT_INCOMPATIBLE : CLI_EXIT_UNKNOWN;
cleanup:
	json_object_put(req);
	json_object_put(ans);
	free(text);
	return ret;
}

int
httpc_put_profile(const struct httpc *h, const char *id, const char *text, size_t len)
{
	struct json_object *o = NULL, *v;
	char path[256], err[1024];
	long status;
	int ret = -1;

	if (!hostid_valid(id)) {
		log_warnx("\"%s\" is not a valid host id (A-Z a-z 0-9 . _ : -, 1 to 127 characters)", id);
		return -1;
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s", id);
	if (httpc_json(h, "PUT", path, "application/json", text, len, &status, &o, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", id, err);
		goto cleanup;
	}
	printf("%s: %s version %s\n", id, status == 201 ? "new" : "unchanged",
	    json_object_object_get_ex(o, "version", &v) ? json_object_get_string(v) : "?");
	ret = 0;
cleanup:
	json_object_put(o);
	return ret;
}

int
httpc_profile(const struct httpc *h, const char *id, struct profile *p, char *err, size_t errsize)
{
	char path[256], *resp = NULL, perr[512];
	long status;
	int ret = -1;

	if (!hostid_valid(id)) {
		snprintf(err, errsize, "\"%s\" is not a valid host id", id);
		return -1;
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s", id);
	if (httpc_request(h, "GET", path, NULL, NULL, 0, &status, &resp, err, errsize) == -1)
		goto cleanup;
	if (status != 200) {
		struct json_object *o = NULL, *e, *m;

		if (jsonu_parse(resp, strlen(resp), &o, perr, sizeof(perr)) == 0 &&
		    json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "message", &m))
			snprintf(err, errsize, "%s: %s (HTTP %ld)", id, json_object_get_string(m), status);
		else
			snprintf(err, errsize, "%s: HTTP %ld", id, status);
		json_object_put(o);
		goto cleanup;
	}
	if (profile_parse(resp, strlen(resp), p, perr, sizeof(perr)) == -1) {
		snprintf(err, errsize, "%s: the daemon's profile does not parse: %s", id, perr);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(resp);
	return ret;
}
