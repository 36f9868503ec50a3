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

#include "httpx.h"
#include "log.h"
#include "push.h"
#include "util.h"
#include "xmalloc.h"

/* Longest wait in curl_multi_poll between looks at the clock, ms. */
#define PUSH_POLL_MS	1000
/* Limits of one push: to connect, in all (ms), and the answer kept. */
#define PUSH_CONNECT_MS	5000L
#define PUSH_TOTAL_MS	30000L
#define PUSH_MAX_ANSWER	(64u * 1024)

struct push_peer {
	char *url;
	int pending;
	uint64_t due_ns;
	unsigned backoff;		/* seconds before the next retry */
	int failing;			/* the last attempt failed (logged once) */
	struct httpx *x;		/* transfer in flight, NULL none */
	CURL *easy;			/* its handle in the multi handle */
	char *put_url;			/* what it sends and where (its own copies) */
	char *body;
	struct httpx_resp resp;
};

/* Where and how the peers are reached: the token and the TLS files. */
struct push_auth {
	char *token;			/* NULL none */
	char *cacert;			/* NULL: the system's CAs */
	char *cert, *key;		/* client certificate and key, NULL none */
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
	struct push_auth auth;
	char *host_id;
	char *json;
	uint64_t applied;		/* the last change taken from below */

	pthread_mutex_t mu;		/* guards the fields below (any thread) */
	char **new_urls;		/* peers to configure, with new_n and new_auth */
	size_t new_n;
	struct push_auth new_auth;
	int reconfigure;
	char *new_host_id, *new_json;	/* a profile submitted */
	uint64_t changes;		/* counts configure and submit calls */
	int stopping;
};

/* Abandon the transfer of p, if any (the push thread). */
static void
push_peer_abort(struct push *f, struct push_peer *p)
{
	if (p->x != NULL) {
		curl_multi_remove_handle(f->multi, p->easy);
		httpx_free(p->x);
		p->x = NULL;
		p->easy = NULL;
	}
	free(p->put_url);
	p->put_url = NULL;
	free(p->body);
	p->body = NULL;
	httpx_resp_clear(&p->resp);
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

/* Start a transfer to every due peer that has none (the push thread). */
static void
push_start_due(struct push *f, uint64_t now)
{
	struct httpx_req r;
	struct push_peer *p;
	char path[256], err[256];
	size_t i;

	if (f->json == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		p = &f->peer[i];
		if (!p->pending || p->x != NULL || p->due_ns > now)
			continue;
		snprintf(path, sizeof(path), "/v1/hosts/%s", f->host_id);
		p->put_url = httpx_url(p->url, path);
		p->body = xstrdup(f->json);
		memset(&r, 0, sizeof(r));
		r.url = p->put_url;
		r.method = "PUT";
		r.body = p->body;
		r.len = strlen(p->body);
		r.ctype = "application/json";
		r.token = f->auth.token;
		r.connect_ms = PUSH_CONNECT_MS;
		r.total_ms = PUSH_TOTAL_MS;
		r.cacert = f->auth.cacert;
		r.cert = f->auth.cert;
		r.key = f->auth.key;
		r.max_body = PUSH_MAX_ANSWER;
		if ((p->x = httpx_new()) == NULL ||
		    (p->easy = httpx_start(p->x, &r, &p->resp, err, sizeof(err))) == NULL) {
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

	if (httpx_done(p->x, rc, err, sizeof(err)) == 0)
		st = p->resp.status;
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
		if (!f->peer[i].pending || f->peer[i].x != NULL)
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
push_auth_free(struct push_auth *a)
{
	if (a->token != NULL)
		explicit_bzero(a->token, strlen(a->token));
	free(a->token);
	free(a->cacert);
	free(a->cert);
	free(a->key);
	memset(a, 0, sizeof(*a));
}

/* An allocated copy of s, NULL for NULL or "". */
static char *
push_strdup(const char *s)
{
	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
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
		push_auth_free(&f->auth);
		f->auth = f->new_auth;
		memset(&f->new_auth, 0, sizeof(f->new_auth));
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
	push_auth_free(&f->auth);
	push_auth_free(&f->new_auth);
	free(f->host_id);
	free(f->json);
	free(f->new_host_id);
	free(f->new_json);
	free(f);
}

void
push_configure(struct push *f, char *const *urls, size_t n, const char *token, const char *cacert,
    const char *cert, const char *key)
{
	size_t i;

	pthread_mutex_lock(&f->mu);
	push_strings_free(&f->new_urls, &f->new_n);
	push_auth_free(&f->new_auth);
	f->new_urls = xcalloc(n == 0 ? 1 : n, sizeof(*f->new_urls));
	for (i = 0; i < n; i++)
		f->new_urls[i] = xstrdup(urls[i]);
	f->new_n = n;
	f->new_auth.token = push_strdup(token);
	f->new_auth.cacert = push_strdup(cacert);
	f->new_auth.cert = push_strdup(cert);
	f->new_auth.key = push_strdup(key);
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
