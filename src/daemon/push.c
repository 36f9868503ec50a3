/*
 * push.c - push the local profile to fleet peers with libcurl.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "push.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct push_peer {
	char *url;
	int pending;
	uint64_t due_ns;
	unsigned backoff;		/* seconds before the next retry */
	int failing;			/* the last attempt failed (logged once) */
};

struct push {
	struct push_peer *peer;
	size_t n;
	char *token;
	char *host_id;
	char *json;
};

struct push *
push_new(void)
{
	return xcalloc(1, sizeof(struct push));
}

void
push_free(struct push *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->peer[i].url);
	free(f->peer);
	free(f->token);
	free(f->host_id);
	free(f->json);
	free(f);
}

void
push_configure(struct push *f, char *const *urls, size_t n, const char *token)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->peer[i].url);
	free(f->peer);
	f->peer = xcalloc(n == 0 ? 1 : n, sizeof(*f->peer));
	f->n = n;
	for (i = 0; i < n; i++) {
		f->peer[i].url = xstrdup(urls[i]);
		f->peer[i].pending = f->json != NULL;
		f->peer[i].backoff = PUSH_BACKOFF_MIN;
	}
	free(f->token);
	f->token = token != NULL ? xstrdup(token) : NULL;
}

void
push_submit(struct push *f, const char *host_id, const char *json)
{
	uint64_t now = util_now_ns();
	size_t i;

	free(f->host_id);
	free(f->json);
	f->host_id = xstrdup(host_id);
	f->json = xstrdup(json);
	for (i = 0; i < f->n; i++) {
		f->peer[i].pending = 1;
		f->peer[i].due_ns = now;
		f->peer[i].backoff = PUSH_BACKOFF_MIN;
	}
}

static size_t
push_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

long
push_put(const char *url, const char *token, const char *body, size_t len,
    char *err, size_t errsize)
{
	struct curl_slist *h = NULL;
	char *auth = NULL;
	CURLcode rc;
	CURL *c;
	long status = -1;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsize, "cannot initialise libcurl");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	if (token != NULL && token[0] != '\0') {
		auth = xasprintf("Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, push_discard);
	if ((rc = curl_easy_perform(c)) != CURLE_OK)
		snprintf(err, errsize, "%s", curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	curl_easy_cleanup(c);
	return status;
}

void
push_run(struct push *f, uint64_t now_ns, void (*count)(void *arg, int ok), void *arg)
{
	struct push_peer *p;
	char err[256], *url;
	size_t i, n;
	long st;

	if (f->json == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		p = &f->peer[i];
		if (!p->pending || p->due_ns > now_ns)
			continue;
		n = strlen(p->url);
		while (n > 0 && p->url[n - 1] == '/')
			n--;
		url = xasprintf("%.*s/v1/hosts/%s", (int)n, p->url, f->host_id);
		st = push_put(url, f->token, f->json, strlen(f->json), err, sizeof(err));
		if (st == 200 || st == 201) {
			if (p->failing)
				log_info("fleet %s: push works again", p->url);
			else
				log_debug("fleet %s: pushed (%ld)", p->url, st);
			p->pending = 0;
			p->failing = 0;
			p->backoff = PUSH_BACKOFF_MIN;
		} else {
			if (st > 0)
				snprintf(err, sizeof(err), "HTTP status %ld", st);
			if (!p->failing)
				log_warnx("fleet %s: push failed: %s; retrying with backoff", p->url, err);
			else
				log_debug("fleet %s: push failed again: %s (next in %u s)", p->url, err,
				    p->backoff);
			p->failing = 1;
			p->due_ns = util_now_ns() + (uint64_t)p->backoff * 1000000000ull;
			p->backoff = p->backoff * 2 > PUSH_BACKOFF_MAX ? PUSH_BACKOFF_MAX : p->backoff * 2;
		}
		if (count != NULL)
			count(arg, st == 200 || st == 201);
		free(url);
	}
}

int64_t
push_next_ms(const struct push *f, uint64_t now_ns)
{
	int64_t best = -1, ms;
	size_t i;

	if (f->json == NULL)
		return -1;
	for (i = 0; i < f->n; i++) {
		if (!f->peer[i].pending)
			continue;
		ms = f->peer[i].due_ns <= now_ns ? 0 : (int64_t)((f->peer[i].due_ns - now_ns) / 1000000 + 1);
		if (best == -1 || ms < best)
			best = ms;
	}
	return best;
}
