/*
 * hookreq.c - the hook's question to the local daemon (POST /v1/compat over
 * its Unix socket, httpx) and the reading of the answer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hookreq.h"
#include "httpx.h"
#include "jsonu.h"
#include "util.h"

/* Largest answer read from the daemon. */
#define HOOKREQ_MAX_ANSWER	(1024u * 1024)
/* Reasons quoted in the one stderr line. */
#define HOOKREQ_MAX_REASONS	3
/* Longest quoted reason. */
#define HOOKREQ_REASON_LEN	200

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

/* Append word to s (of size n), in single quotes unless it needs none. */
static void
hookreq_quote(char *s, size_t n, const char *word)
{
	size_t len = strlen(s), i;

	if (word[0] != '\0' && word[strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._/:@%+=,-")] == '\0') {
		snprintf(s + len, n - len, "%s", word);
		return;
	}
	if (len + 1 < n)
		s[len++] = '\'';
	for (i = 0; word[i] != '\0' && len + 5 < n; i++) {
		if (word[i] == '\'') {
			memcpy(s + len, "'\\''", 4);
			len += 4;
		} else {
			s[len++] = (unsigned char)word[i] < 0x20 || word[i] == 0x7f ? '?' : word[i];
		}
	}
	if (len + 1 < n)
		s[len++] = '\'';
	s[len] = '\0';
}

/*
 * The command that shows every reason, after "; all reasons: ", into hint:
 * runnable as it stands when cmd names the socket and the saved XML.
 */
static void
hookreq_hint(struct json_object *ans, const char *domain, const struct hookreq_cmd *cmd, char *hint,
    size_t hintsize)
{
	const char *from = cmd != NULL ? cmd->from : NULL, *to = cmd != NULL ? cmd->to : NULL;
	size_t len;

	if (from == NULL || from[0] == '\0')
		from = hookreq_str(ans, "from");
	if (to == NULL || to[0] == '\0')
		to = hookreq_str(ans, "to");
	snprintf(hint, hintsize, "; all reasons: migcompat check --socket ");
	if (cmd != NULL && cmd->sock != NULL)
		hookreq_quote(hint, hintsize, cmd->sock);
	else
		hookreq_quote(hint, hintsize, "SOCKET");
	len = strlen(hint);
	snprintf(hint + len, hintsize - len, " --domain ");
	if (cmd != NULL && cmd->xml != NULL) {
		hookreq_quote(hint, hintsize, cmd->xml);
	} else {
		len = strlen(hint);
		snprintf(hint + len, hintsize - len, "%s.xml", domain);
	}
	len = strlen(hint);
	snprintf(hint + len, hintsize - len, " ");
	/* No source host known: '' asks about what the domain pins alone, as the hook did. */
	hookreq_quote(hint, hintsize, from != NULL ? from : "");
	len = strlen(hint);
	snprintf(hint + len, hintsize - len, " ");
	hookreq_quote(hint, hintsize, to != NULL ? to : "DESTINATION");
	if (cmd != NULL && cmd->xml == NULL && cmd->xml_error != NULL) {
		len = strlen(hint);
		snprintf(hint + len, hintsize - len, " (with the domain's XML: %s)", cmd->xml_error);
	}
}

/* The reasons of ans, then the whole hint: the reasons give way when the line is full. */
static void
hookreq_reasons_hint(struct json_object *ans, int incompatible, const char *domain,
    const struct hookreq_cmd *cmd, char *msg, size_t msgsize)
{
	char hint[768];
	size_t hl;

	hookreq_hint(ans, domain, cmd, hint, sizeof(hint));
	hl = strlen(hint);
	hookreq_reasons(ans, incompatible, msg, msgsize > hl + 64 ? msgsize - hl : 64);
	hookreq_append(msg, msgsize, hint, sizeof(hint));
}

enum hookreq_result
hookreq_answer(long status, const char *body, size_t len, const char *domain,
    const struct hookreq_cmd *cmd, char *msg, size_t msgsize)
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
		hookreq_reasons_hint(ans, 1, domain, cmd, msg, msgsize);
		ret = HOOKREQ_DENY;
		goto cleanup;
	}
	if (strcmp(verdict, "unknown") == 0) {
		snprintf(msg, msgsize, "migcompat: %s: verdict unknown on this host: ", domain);
		hookreq_reasons_hint(ans, 0, domain, cmd, msg, msgsize);
		ret = HOOKREQ_UNKNOWN;
		goto cleanup;
	}
	snprintf(msg, msgsize, "verdict %s: ", verdict);
	hookreq_reasons(ans, 0, msg, msgsize);
cleanup:
	json_object_put(ans);
	return ret;
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

static void
hookreq_header(void *arg, const char *line, size_t n)
{
	struct hookreq_hosts *h = arg;

	if (n > 15 && strncasecmp(line, "Migcompat-From:", 15) == 0)
		hookreq_host_header(line + 15, n - 15, h->from, sizeof(h->from));
	else if (n > 13 && strncasecmp(line, "Migcompat-To:", 13) == 0)
		hookreq_host_header(line + 13, n - 13, h->to, sizeof(h->to));
}

int
hookreq_xml_path(const char *sock, const char *domain, char *out, size_t outsize)
{
	const char *slash = strrchr(sock, '/');
	size_t dl = slash != NULL ? (size_t)(slash - sock) + 1 : 0, i, n = strlen(domain);
	int w;

	if (n == 0 || n > 200)
		return -1;
	w = snprintf(out, outsize, "%.*shook-%s.xml", (int)dl, sock, domain);
	if (w < 0 || (size_t)w >= outsize)
		return -1;
	for (i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
		    out[dl + 5 + i]) == NULL)
			out[dl + 5 + i] = '_';
	return 0;
}

/* Write xml to path through a temporary file beside it (mode 0600).  Returns 0, or -1 with why. */
static int
hookreq_save(const char *path, const char *xml, size_t len, char *why, size_t whysize)
{
	char tmp[4200];
	size_t off = 0;
	ssize_t w;
	int fd, ret = -1;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(why, whysize, "cannot write beside %s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, xml + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(why, whysize, "writing %s: %s", tmp, strerror(errno));
			goto cleanup;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(why, whysize, "writing %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(why, whysize, "renaming to %s: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (fd != -1)
		close(fd);
	if (ret == -1)
		unlink(tmp);
	return ret;
}

enum hookreq_result
hookreq_ask(const char *sock, const char *xml, size_t len, long timeout_ms, const char *domain,
    char *msg, size_t msgsize)
{
	struct hookreq_hosts hosts = { "", "" };
	struct hookreq_cmd cmd = { NULL, NULL, NULL, NULL, NULL };
	struct httpx_resp resp = { 0 };
	struct httpx_req r;
	char path[4096], why[4400], err[512];
	enum hookreq_result ret = HOOKREQ_ERROR;

	if (sock == NULL || sock[0] == '\0') {
		snprintf(msg, msgsize, "no daemon socket configured (socket = none)");
		return HOOKREQ_ERROR;
	}
	memset(&r, 0, sizeof(r));
	r.url = "http://localhost/v1/compat";
	r.socket = sock;
	r.body = xml;
	r.len = len;
	r.ctype = "application/xml";
	r.connect_ms = timeout_ms;
	r.total_ms = timeout_ms;
	r.max_body = HOOKREQ_MAX_ANSWER;
	r.on_header = hookreq_header;
	r.arg = &hosts;
	if (httpx_request(&r, &resp, err, sizeof(err)) == -1) {
		if (resp.fail == HTTPX_CONNECT && resp.oserr != 0)
			snprintf(msg, msgsize, "cannot connect to the daemon on %s: %s", sock, strerror(resp.oserr));
		else
			snprintf(msg, msgsize, "the daemon on %s did not answer: %s", sock, err);
		goto cleanup;
	}
	cmd.sock = sock;
	cmd.from = hosts.from;
	cmd.to = hosts.to;
	if (hookreq_xml_path(sock, domain, path, sizeof(path)) == 0)
		cmd.xml = path;
	else
		cmd.xml_error = "the domain name makes no file name";
	ret = hookreq_answer(resp.status, resp.body, resp.len, domain, &cmd, msg, msgsize);
	if (cmd.xml != NULL && ret == HOOKREQ_ALLOW) {
		unlink(path);
	} else if (cmd.xml != NULL && (ret == HOOKREQ_DENY || ret == HOOKREQ_UNKNOWN) &&
	    hookreq_save(path, xml, len, why, sizeof(why)) == -1) {
		cmd.xml = NULL;
		cmd.xml_error = why;
		ret = hookreq_answer(resp.status, resp.body, resp.len, domain, &cmd, msg, msgsize);
	}
cleanup:
	httpx_resp_clear(&resp);
	return ret;
}
