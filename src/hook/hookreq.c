/*
 * hookreq.c - the hook's question to the local daemon (POST /v1/compat over
 * its Unix socket with libcurl) and the reading of the answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "hookreq.h"
#include "jsonu.h"
#include "util.h"

/* Largest answer read from the daemon. */
#define HOOKREQ_MAX_ANSWER	(1024u * 1024)
/* Reasons quoted in the one stderr line. */
#define HOOKREQ_MAX_REASONS	3
/* Longest quoted reason. */
#define HOOKREQ_REASON_LEN	200

struct hookreq_buf {
	char *data;
	size_t len;
};

int
hookreq_wants(const char *op, const char *subop)
{
	return (strcmp(op, "migrate") == 0 || strcmp(op, "restore") == 0) && strcmp(subop, "begin") == 0;
}

/* Append to s (of size n) the printable part of text, at most max bytes of it. */
static void
hookreq_append(char *s, size_t n, const char *text, size_t max)
{
	size_t len = strlen(s), i;

	for (i = 0; text[i] != '\0' && i < max && len + 1 < n; i++)
		s[len++] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
	if (text[i] != '\0' && i == max && len + 4 < n) {
		memcpy(s + len, "...", 3);
		len += 3;
	}
	s[len] = '\0';
}

/* The string member key of o, or NULL. */
static const char *
hookreq_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Whether reason r blocks: its "effect", else what the verdict says
 * (an incompatible answer's reasons block, an unknown one's do not).
 */
static int
hookreq_blocks(struct json_object *r, int incompatible)
{
	const char *e = hookreq_str(r, "effect");

	if (e == NULL)
		return incompatible;
	return strcmp(e, "blocks") == 0;
}

/*
 * Append "R1; R2; R3 (+N more ...)" from the reasons array of ans to msg:
 * the blocking reasons first, then the unknown ones, and how many of each
 * are left out.
 */
static void
hookreq_reasons(struct json_object *ans, int incompatible, char *msg, size_t msgsize)
{
	struct json_object *reasons, *r;
	const char *m;
	size_t i, n, shown = 0, more[2] = { 0, 0 };
	int pass, blocks;
	char buf[64];

	if (!json_object_object_get_ex(ans, "reasons", &reasons) ||
	    !json_object_is_type(reasons, json_type_array) || (n = json_object_array_length(reasons)) == 0) {
		hookreq_append(msg, msgsize, "no reason given", HOOKREQ_REASON_LEN);
		return;
	}
	/* Pass 0: blocking reasons, pass 1: the others. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			r = json_object_array_get_idx(reasons, i);
			blocks = hookreq_blocks(r, incompatible);
			if (blocks != (pass == 0))
				continue;
			if (shown == HOOKREQ_MAX_REASONS ||
			    ((m = hookreq_str(r, "message")) == NULL && (m = hookreq_str(r, "rule")) == NULL)) {
				more[pass]++;
				continue;
			}
			if (shown > 0)
				hookreq_append(msg, msgsize, "; ", 2);
			hookreq_append(msg, msgsize, m, HOOKREQ_REASON_LEN);
			shown++;
		}
	}
	if (shown == 0)
		hookreq_append(msg, msgsize, "reasons without a message", HOOKREQ_REASON_LEN);
	if (more[0] > 0 && more[1] > 0)
		snprintf(buf, sizeof(buf), " (+%zu more: %zu blocking, %zu unknown)", more[0] + more[1], more[0],
		    more[1]);
	else if (more[0] > 0 || more[1] > 0)
		snprintf(buf, sizeof(buf), " (+%zu more %s)", more[0] + more[1], more[0] > 0 ? "blocking" : "unknown");
	else
		return;
	hookreq_append(msg, msgsize, buf, sizeof(buf));
}

/* Append "; all reasons: migcompat check --domain DOMAIN.xml FROM TO" to msg. */
static void
hookreq_hint(struct json_object *ans, const char *domain, const char *from, const char *to, char *msg,
    size_t msgsize)
{
	char hint[256];

	if (from == NULL || from[0] == '\0')
		from = hookreq_str(ans, "from");
	if (to == NULL || to[0] == '\0')
		to = hookreq_str(ans, "to");
	snprintf(hint, sizeof(hint), "; all reasons: migcompat check --domain %s.xml %s %s",
	    domain, from != NULL ? from : "SOURCE", to != NULL ? to : "DESTINATION");
	hookreq_append(msg, msgsize, hint, sizeof(hint));
}

enum hookreq_result
hookreq_answer(long status, const char *body, size_t len, const char *domain, const char *from,
    const char *to, char *msg, size_t msgsize)
{
	struct json_object *ans = NULL, *e;
	enum hookreq_result ret = HOOKREQ_ERROR;
	const char *verdict, *m;
	char err[256];

	msg[0] = '\0';
	if (len == 0 || jsonu_parse(body, len, &ans, err, sizeof(err)) == -1 ||
	    !json_object_is_type(ans, json_type_object)) {
		snprintf(msg, msgsize, "the daemon's answer (HTTP %ld) is not a JSON object", status);
		goto cleanup;
	}
	if (json_object_object_get_ex(ans, "error", &e)) {
		snprintf(msg, msgsize, "the daemon could not check (HTTP %ld): ", status);
		m = hookreq_str(e, "message");
		hookreq_append(msg, msgsize, m != NULL ? m : "no message", HOOKREQ_REASON_LEN);
		goto cleanup;
	}
	if (status != 200) {
		snprintf(msg, msgsize, "the daemon answered HTTP %ld without an error message", status);
		goto cleanup;
	}
	if ((verdict = hookreq_str(ans, "verdict")) == NULL) {
		snprintf(msg, msgsize, "the daemon's answer has no verdict");
		goto cleanup;
	}
	if (strcmp(verdict, "compatible") == 0) {
		snprintf(msg, msgsize, "%s: compatible", domain);
		ret = HOOKREQ_ALLOW;
		goto cleanup;
	}
	if (strcmp(verdict, "incompatible") == 0) {
		snprintf(msg, msgsize, "migcompat: %s cannot run on this host: ", domain);
		hookreq_reasons(ans, 1, msg, msgsize);
		hookreq_hint(ans, domain, from, to, msg, msgsize);
		ret = HOOKREQ_DENY;
		goto cleanup;
	}
	if (strcmp(verdict, "unknown") == 0) {
		snprintf(msg, msgsize, "migcompat: %s: verdict unknown on this host: ", domain);
		hookreq_reasons(ans, 0, msg, msgsize);
		hookreq_hint(ans, domain, from, to, msg, msgsize);
		ret = HOOKREQ_UNKNOWN;
		goto cleanup;
	}
	snprintf(msg, msgsize, "verdict %s: ", verdict);
	hookreq_reasons(ans, 0, msg, msgsize);
cleanup:
	json_object_put(ans);
	return ret;
}

static size_t
hookreq_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct hookreq_buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (n > HOOKREQ_MAX_ANSWER - b->len)
		return 0;	/* curl reports a write error */
	if ((p = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	b->data = p;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* The hosts the daemon compared, from its Migcompat-From and Migcompat-To headers. */
struct hookreq_hosts {
	char from[128];
	char to[128];
};

/* Copy a header value that is a host id (A-Z a-z 0-9 . _ : -); anything else is ignored. */
static void
hookreq_host_header(const char *v, size_t n, char *out, size_t outsize)
{
	size_t i;

	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	if (n == 0 || n >= outsize)
		return;
	for (i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-", v[i]) == NULL)
			return;
	memcpy(out, v, n);
	out[n] = '\0';
}

static size_t
hookreq_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct hookreq_hosts *h = arg;
	size_t n = size * nmemb;

	if (n > 15 && strncasecmp(ptr, "Migcompat-From:", 15) == 0)
		hookreq_host_header(ptr + 15, n - 15, h->from, sizeof(h->from));
	else if (n > 13 && strncasecmp(ptr, "Migcompat-To:", 13) == 0)
		hookreq_host_header(ptr + 13, n - 13, h->to, sizeof(h->to));
	return n;
}

enum hookreq_result
hookreq_ask(const char *sock, const char *xml, size_t len, long timeout_ms, const char *domain,
    char *msg, size_t msgsize)
{
	struct hookreq_buf b = { NULL, 0 };
	struct hookreq_hosts hosts = { "", "" };
	struct curl_slist *hdr = NULL;
	enum hookreq_result ret = HOOKREQ_ERROR;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;
	CURL *c;

	if (sock == NULL || sock[0] == '\0') {
		snprintf(msg, msgsize, "no daemon socket configured (socket = none)");
		return HOOKREQ_ERROR;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(msg, msgsize, "libcurl cannot start");
		return HOOKREQ_ERROR;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/xml");
	hdr = curl_slist_append(hdr, "Expect:");	/* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v1/compat");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, xml);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hookreq_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hookreq_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hosts);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		long oserr = 0;

		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
		if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
			snprintf(msg, msgsize, "cannot connect to the daemon on %s: %s", sock, strerror((int)oserr));
		else
			snprintf(msg, msgsize, "the daemon on %s did not answer: %s", sock,
			    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret = hookreq_answer(status, b.data != NULL ? b.data : "", b.len, domain, hosts.from, hosts.to,
	    msg, msgsize);
cleanup:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.data);
	return ret;
}
