/*
 * httpx.c - an HTTP request with libcurl: the options every client sets,
 * the answer into a growing buffer, libcurl's result as a failure kind and
 * a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpx.h"
#include "log.h"
#include "xmalloc.h"

struct httpx {
	CURL *curl;
	struct curl_slist *hdr;		/* the request's headers, until the next one */
	struct httpx_req req;		/* the request in flight (its callbacks) */
	struct httpx_resp *resp;
	int overflow;			/* the answer went past max_body */
	int stopped;			/* on_body asked to stop */
	char errbuf[CURL_ERROR_SIZE];
};

void
httpx_resp_clear(struct httpx_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int
httpx_fail_transient(enum httpx_fail fail)
{
	return fail == HTTPX_DROPPED;
}

char *
httpx_url(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, base, path);
}

static size_t
httpx_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct httpx *h = arg;
	struct httpx_resp *b = h->resp;
	size_t n = size * nmemb, old = b->len;
	size_t max = h->req.max_body != 0 ? h->req.max_body : HTTPX_MAX_BODY;

	if (n > max || b->len > max - n) {
		h->overflow = 1;
		return 0;	/* libcurl ends the transfer: a write error */
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap == 0 ? 16384 : b->cap;
		while (b->cap < b->len + n + 1)
			b->cap *= 2;
		b->body = xreallocarray(b->body, b->cap, 1);
	}
	memcpy(b->body + b->len, ptr, n);
	b->len += n;
	b->body[b->len] = '\0';
	if (h->req.on_body != NULL && h->req.on_body(h->req.arg, b, old) == -1) {
		h->stopped = 1;
		return 0;
	}
	return n;
}

static size_t
httpx_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct httpx *h = arg;

	h->req.on_header(h->req.arg, ptr, size * nmemb);
	return size * nmemb;
}

static int
httpx_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct httpx *h = arg;

	return h->req.cancel(h->req.arg) ? 1 : 0;
}

struct httpx *
httpx_new(void)
{
	struct httpx *h;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->curl = c;
	return h;
}

void
httpx_free(struct httpx *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->hdr);
	free(h);
}

/*
 * Append line to h->hdr.  libcurl returns NULL when it cannot allocate and
 * the list is then lost: out of memory ends the program, as xmalloc does,
 * rather than sending the request without its token.
 */
static void
httpx_add_line(struct httpx *h, const char *line)
{
	struct curl_slist *l;

	if ((l = curl_slist_append(h->hdr, line)) == NULL)
		fatalx("out of memory adding a request header");
	h->hdr = l;
}

/* "Name: value" into h->hdr; the copy made of a secret is wiped. */
static void
httpx_add_header(struct httpx *h, const char *name, const char *value, int secret)
{
	char *line = xasprintf("%s: %s", name, value);

	httpx_add_line(h, line);
	if (secret)
		explicit_bzero(line, strlen(line));
	free(line);
}

/* "Authorization: Bearer TOKEN" into h->hdr. */
static void
httpx_add_token(struct httpx *h, const char *token)
{
	char *value = xasprintf("Bearer %s", token);

	httpx_add_header(h, "Authorization", value, 1);
	explicit_bzero(value, strlen(value));
	free(value);
}

CURL *
httpx_start(struct httpx *h, const struct httpx_req *r, struct httpx_resp *resp, char *err,
    size_t errsize)
{
	CURL *c = h->curl;
	size_t i;

	curl_easy_reset(c);
	curl_slist_free_all(h->hdr);
	h->hdr = NULL;
	h->req = *r;
	h->resp = resp;
	h->overflow = 0;
	h->stopped = 0;
	h->errbuf[0] = '\0';
	resp->status = 0;
	resp->len = 0;
	if (resp->body != NULL)
		resp->body[0] = '\0';
	resp->retry_after = 0;
	resp->fail = HTTPX_OK;
	resp->oserr = 0;
	if (r->url == NULL) {
		snprintf(err, errsize, "no URL");
		return NULL;
	}

	if (r->ctype != NULL)
		httpx_add_header(h, "Content-Type", r->ctype, 0);
	if (r->token != NULL && r->token[0] != '\0')
		httpx_add_token(h, r->token);
	for (i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
		httpx_add_line(h, r->headers[i]);
	/* No "Expect: 100-continue" round trip before a body. */
	httpx_add_line(h, "Expect:");

	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (r->socket != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, r->socket);
	if (r->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->hdr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (r->connect_ms > 0)
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
	if (r->total_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->total_ms);
	if (r->keepalive_s > 0) {
		curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, r->keepalive_s);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, r->keepalive_s / 2 > 0 ? r->keepalive_s / 2 : 1L);
	}
	if (r->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
	if (r->cert != NULL) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, r->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, r->key != NULL ? r->key : r->cert);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpx_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	if (r->on_body != NULL)	/* a stream: a busy one arrives in large pieces */
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
	if (r->on_header != NULL) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, httpx_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	}
	if (r->cancel != NULL) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, httpx_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	return c;
}

/* What rc means for the caller. */
static enum httpx_fail
httpx_classify(const struct httpx *h, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return HTTPX_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTPX_CONNECT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return HTTPX_DROPPED;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPX_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return HTTPX_TLS;
	case CURLE_WRITE_ERROR:
		return h->overflow ? HTTPX_TOOBIG : h->stopped ? HTTPX_CANCELED : HTTPX_OTHER;
	case CURLE_ABORTED_BY_CALLBACK:
		return HTTPX_CANCELED;
	default:
		return HTTPX_OTHER;
	}
}

int
httpx_done(struct httpx *h, CURLcode rc, char *err, size_t errsize)
{
	struct httpx_resp *resp = h->resp;
	curl_off_t retry_after = 0;
	long oserr = 0;

	resp->fail = httpx_classify(h, rc);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &oserr);
		resp->oserr = (int)oserr;
		if (resp->fail == HTTPX_TOOBIG)
			snprintf(err, errsize, "answer over %zu bytes",
			    h->req.max_body != 0 ? h->req.max_body : (size_t)HTTPX_MAX_BODY);
		else if (resp->fail == HTTPX_CANCELED)
			snprintf(err, errsize, "request cancelled");
		else if (resp->fail == HTTPX_CONNECT && h->req.socket != NULL && oserr != 0)
			/* libcurl's words would name the URL's host and port. */
			snprintf(err, errsize, "%s", strerror((int)oserr));
		else
			snprintf(err, errsize, "%s", h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
		resp->retry_after = retry_after > 0x7fffffff ? 0x7fffffff : (long)retry_after;
	if (resp->body == NULL) {
		resp->cap = 1;
		resp->body = xcalloc(1, 1);
	}
	return 0;
}

int
httpx_perform(struct httpx *h, const struct httpx_req *r, struct httpx_resp *resp, char *err,
    size_t errsize)
{
	if (httpx_start(h, r, resp, err, errsize) == NULL) {
		resp->fail = HTTPX_OTHER;
		return -1;
	}
	return httpx_done(h, curl_easy_perform(h->curl), err, errsize);
}

int
httpx_request(const struct httpx_req *r, struct httpx_resp *resp, char *err, size_t errsize)
{
	struct httpx *h;
	int ret;

	if ((h = httpx_new()) == NULL) {
		snprintf(err, errsize, "cannot initialise libcurl");
		resp->fail = HTTPX_OTHER;
		return -1;
	}
	ret = httpx_perform(h, r, resp, err, errsize);
	httpx_free(h);
	return ret;
}
