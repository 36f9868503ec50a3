/*
 * push.c - push the local profile to fleet peers with libcurl, on a thread
 * of its own: a curl multi handle and curl_multi_poll, woken by
 * curl_multi_wakeup when the configuration or the profile changes or the
 * daemon stops.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "push.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Longest wait in curl_multi_poll between looks at the clock, ms. */
#define PUSH_POLL_MS	1000

struct push_peer {
	char *url;
	int pending;
	uint64_t due_ns;
	unsigned backoff;		/* seconds before the next retry */
	int failing;			/* the last attempt failed (logged once) */
	CURL *easy;			/* transfer in flight, NULL none */
	struct curl_slist *hdr;
	char *body;			/* what the transfer sends (its own copy) */
	char err[CURL_ERROR_SIZE];
};

struct push {
	pthread_t thread;
	int started;
	CURLM *multi;
	void (*count)(void *arg, int ok);
	void *count_arg;

	/* The push thread only: the peers and their transfers. */
	struct push_peer *peer;
	size_t n;
	char *token;
	char *host_id;
	char *json;
	uint64_t applied;		/* the last change taken from below */

	pthread_mutex_t mu;		/* guards the fields below (any thread) */
	char **new_urls;		/* peers to configure, with new_n and new_token */
	size_t new_n;
	char *new_token;
	int reconfigure;
	char *new_host_id, *new_json;	/* a profile submitted */
	uint64_t changes;		/* counts configure and submit calls */
	int stopping;
};

static size_t
push_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

/* Abandon the transfer of p, if any (the push thread). */
static void
push_peer_abort(struct push *f, struct push_peer *p)
{
	if (p->easy != NULL) {
		curl_multi_remove_handle(f->multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
	}
	curl_slist_free_all(p->hdr);
	p->hdr = NULL;
	free(p->body);
	p->body = NULL;
}

static void
push_peers_free(struct push *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		push_peer_abort(f, &f->peer[i]);
		free(f->peer[i].url);
	}
	free(f->peer);
	f->peer = NULL;
	f->n = 0;
}

/* A PUT of the profile to p, on an easy handle with the options push_put uses. */
static CURL *
push_easy(const char *url, const char *token, const char *body, size_t len,
    struct curl_slist **hdr, char *errbuf)
{
	struct curl_slist *h = NULL;
	char *auth;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	if (token != NULL && token[0] != '\0') {
		auth = xasprintf("Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
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
	if (errbuf != NULL) {
		errbuf[0] = '\0';
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	}
	*hdr = h;
	return c;
}

long
push_put(const char *url, const char *token, const char *body, size_t len,
    char *err, size_t errsize)
{
	struct curl_slist *h = NULL;
	CURLcode rc;
	CURL *c;
	long status = -1;

	if ((c = push_easy(url, token, body, len, &h, NULL)) == NULL) {
		snprintf(err, errsize, "cannot initialise libcurl");
		return -1;
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK)
		snprintf(err, errsize, "%s", curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* Start a transfer to every due peer that has none (the push thread). */
static void
push_start_due(struct push *f, uint64_t now)
{
	struct push_peer *p;
	char *url;
	size_t i, n;

	if (f->json == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		p = &f->peer[i];
		if (!p->pending || p->easy != NULL || p->due_ns > now)
			continue;
		n = strlen(p->url);
		while (n > 0 && p->url[n - 1] == '/')
			n--;
		url = xasprintf("%.*s/v1/hosts/%s", (int)n, p->url, f->host_id);
		p->body = xstrdup(f->json);
		p->easy = push_easy(url, f->token, p->body, strlen(p->body), &p->hdr, p->err);
		free(url);
		if (p->easy == NULL) {
			push_peer_abort(f, p);
			p->due_ns = now + 1000000000ull;
			continue;
		}
		curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
		curl_multi_add_handle(f->multi, p->easy);
	}
}

/* Record the end of p's transfer (the push thread). */
static void
push_done(struct push *f, struct push_peer *p, CURLcode rc, int *ok)
{
	char err[CURL_ERROR_SIZE + 64];
	long st = -1;

	if (rc == CURLE_OK)
		curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &st);
	*ok = st == 200 || st == 201;
	if (*ok) {
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
		else
			snprintf(err, sizeof(err), "%s", p->err[0] != '\0' ? p->err : curl_easy_strerror(rc));
		if (!p->failing)
			log_warnx("fleet %s: push failed: %s; retrying with backoff", p->url, err);
		else
			log_debug("fleet %s: push failed again: %s (next in %u s)", p->url, err, p->backoff);
		p->failing = 1;
		p->due_ns = util_now_ns() + (uint64_t)p->backoff * 1000000000ull;
		p->backoff = p->backoff * 2 > PUSH_BACKOFF_MAX ? PUSH_BACKOFF_MAX : p->backoff * 2;
	}
	push_peer_abort(f, p);
}

/* Milliseconds until the next peer is due, at most PUSH_POLL_MS (the push thread). */
static int
push_wait_ms(const struct push *f, uint64_t now)
{
	uint64_t ms, best = PUSH_POLL_MS;
	size_t i;

	if (f->json == NULL)
		return PUSH_POLL_MS;
	for (i = 0; i < f->n; i++) {
		if (!f->peer[i].pending || f->peer[i].easy != NULL)
			continue;
		ms = f->peer[i].due_ns <= now ? 0 : (f->peer[i].due_ns - now) / 1000000 + 1;
		if (ms < best)
			best = ms;
	}
	return (int)best;
}

static void
push_strings_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; *v != NULL && i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static void
push_token_free(char **t)
{
	if (*t != NULL)
		explicit_bzero(*t, strlen(*t));
	free(*t);
	*t = NULL;
}

/*
 * Take over what push_configure and push_submit left (the push thread,
 * with the lock held): new peers abandon the old ones' transfers, and a new
 * profile replaces a transfer of the old one and is due now everywhere.
 */
static void
push_apply(struct push *f)
{
	uint64_t now = util_now_ns();
	size_t i;

	if (f->applied == f->changes)
		return;
	f->applied = f->changes;
	if (f->reconfigure) {
		push_peers_free(f);
		f->peer = xcalloc(f->new_n == 0 ? 1 : f->new_n, sizeof(*f->peer));
		f->n = f->new_n;
		for (i = 0; i < f->n; i++) {
			f->peer[i].url = f->new_urls[i];
			f->peer[i].pending = f->json != NULL || f->new_json != NULL;
			f->peer[i].due_ns = now;
			f->peer[i].backoff = PUSH_BACKOFF_MIN;
		}
		free(f->new_urls);
		f->new_urls = NULL;
		f->new_n = 0;
		push_token_free(&f->token);
		f->token = f->new_token;
		f->new_token = NULL;
		f->reconfigure = 0;
	}
	if (f->new_json != NULL) {
		free(f->host_id);
		free(f->json);
		f->host_id = f->new_host_id;
		f->json = f->new_json;
		f->new_host_id = f->new_json = NULL;
		for (i = 0; i < f->n; i++) {
			push_peer_abort(f, &f->peer[i]);
			f->peer[i].pending = 1;
			f->peer[i].due_ns = now;
			f->peer[i].backoff = PUSH_BACKOFF_MIN;
		}
	}
}

static void *
push_main(void *arg)
{
	struct push *f = arg;
	struct push_peer *p;
	CURLMsg *m;
	int running, left, ok, wait;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		if (f->stopping) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		push_apply(f);
		push_start_due(f, util_now_ns());
		curl_multi_perform(f->multi, &running);
		while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			p = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
			if (p == NULL)
				continue;
			push_done(f, p, m->data.result, &ok);
			if (f->count != NULL)
				f->count(f->count_arg, ok);
		}
		wait = push_wait_ms(f, util_now_ns());
		pthread_mutex_unlock(&f->mu);
		curl_multi_poll(f->multi, NULL, 0, wait, NULL);
	}
	return NULL;
}

struct push *
push_new(void (*count)(void *arg, int ok), void *arg, char *err, size_t errsize)
{
	struct push *f = xcalloc(1, sizeof(*f));
	sigset_t all, old;

	pthread_mutex_init(&f->mu, NULL);
	f->count = count;
	f->count_arg = arg;
	if ((f->multi = curl_multi_init()) == NULL) {
		snprintf(err, errsize, "cannot initialise libcurl");
		goto fail;
	}
	/* The thread takes no signals: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&f->thread, NULL, push_main, f) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errsize, "cannot start the fleet push thread");
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	f->started = 1;
	return f;
fail:
	push_free(f);
	return NULL;
}

void
push_free(struct push *f)
{
	if (f == NULL)
		return;
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->stopping = 1;
		pthread_mutex_unlock(&f->mu);
		curl_multi_wakeup(f->multi);
		pthread_join(f->thread, NULL);
	}
	push_peers_free(f);
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	pthread_mutex_destroy(&f->mu);
	push_strings_free(&f->new_urls, &f->new_n);
	push_token_free(&f->token);
	push_token_free(&f->new_token);
	free(f->host_id);
	free(f->json);
	free(f->new_host_id);
	free(f->new_json);
	free(f);
}

void
push_configure(struct push *f, char *const *urls, size_t n, const char *token)
{
	size_t i;

	pthread_mutex_lock(&f->mu);
	push_strings_free(&f->new_urls, &f->new_n);
	push_token_free(&f->new_token);
	f->new_urls = xcalloc(n == 0 ? 1 : n, sizeof(*f->new_urls));
	for (i = 0; i < n; i++)
		f->new_urls[i] = xstrdup(urls[i]);
	f->new_n = n;
	f->new_token = token != NULL ? xstrdup(token) : NULL;
	f->reconfigure = 1;
	f->changes++;
	pthread_mutex_unlock(&f->mu);
	curl_multi_wakeup(f->multi);
}

void
push_submit(struct push *f, const char *host_id, const char *json)
{
	pthread_mutex_lock(&f->mu);
	free(f->new_host_id);
	free(f->new_json);
	f->new_host_id = xstrdup(host_id);
	f->new_json = xstrdup(json);
	f->changes++;
	pthread_mutex_unlock(&f->mu);
	curl_multi_wakeup(f->multi);
}
