/*
 * etcd_ahead.c - a paged listing whose next pages a second thread reads
 * while the caller handles the current one.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "etcd_priv.h"
#include "xmalloc.h"

/* One page as read: copies of its key-values. */
struct etcd_ahead_page {
	struct etcd_kv *kvs;
	size_t n, cap;
	struct etcd_ahead_page *next;
};

struct etcd_ahead {
	struct etcd *main;		/* the caller's client: its stop stops us */
	struct etcd *reader;
	const char *prefix;
	struct etcd_range_opts o;
	unsigned ahead;

	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct etcd_ahead_page *head, *tail, *cur;
	size_t queued;
	int done;			/* the reader finished: rc, err, rev */
	int quit;			/* the caller stopped: the reader ends */
	int rc, err_no;
	int64_t rev;
	char err[512];
};

static void
etcd_ahead_free_page(struct etcd_ahead_page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free((char *)p->kvs[i].key);
		free((char *)p->kvs[i].value);
	}
	free(p->kvs);
	free(p);
}

static char *
etcd_ahead_copy(const char *s, size_t len)
{
	char *d = xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* The reader's callback: copy, and queue each page at its end. */
static int
etcd_ahead_kv(const struct etcd_kv *kv, void *arg)
{
	struct etcd_ahead *a = arg;
	struct etcd_ahead_page *p;
	struct etcd_kv *c;

	if (a->cur == NULL)
		a->cur = xcalloc(1, sizeof(*a->cur));
	p = a->cur;
	if (kv != NULL) {
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 256;
			p->kvs = xreallocarray(p->kvs, p->cap, sizeof(*p->kvs));
		}
		c = &p->kvs[p->n++];
		*c = *kv;
		c->key = etcd_ahead_copy(kv->key, kv->key_len);
		c->value = etcd_ahead_copy(kv->value, kv->value_len);
		return 0;
	}
	pthread_mutex_lock(&a->mtx);
	while (a->queued >= a->ahead && !a->quit)
		pthread_cond_wait(&a->cond, &a->mtx);
	if (a->quit) {
		pthread_mutex_unlock(&a->mtx);
		return -1;
	}
	if (a->tail != NULL)
		a->tail->next = p;
	else
		a->head = p;
	a->tail = p;
	a->queued++;
	a->cur = NULL;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->mtx);
	return 0;
}

static void *
etcd_ahead_main(void *arg)
{
	struct etcd_ahead *a = arg;
	char err[512] = "";
	int64_t rev = 0;
	int rc;

	rc = etcd_range(a->reader, a->prefix, &a->o, etcd_ahead_kv, a, &rev, err, sizeof(err));
	pthread_mutex_lock(&a->mtx);
	a->rc = rc;
	a->err_no = errno;
	a->rev = rev;
	snprintf(a->err, sizeof(a->err), "%s", err);
	a->done = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->mtx);
	return NULL;
}

int
etcd_range_ahead(struct etcd *e, const char *prefix, const struct etcd_range_opts *o,
    unsigned ahead, int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize)
{
	struct etcd_ahead a;
	struct etcd_ahead_page *p = NULL;
	struct timespec ts;
	pthread_t th;
	size_t i;
	int ret = -1, started = 0, stopped = 0;

	memset(&a, 0, sizeof(a));
	a.main = e;
	a.prefix = prefix;
	if (o != NULL)
		a.o = *o;
	/* Every page is queued; the caller asked for page ends or not. */
	a.o.page_end = 1;
	a.ahead = ahead ? ahead : 2;
	pthread_mutex_init(&a.mtx, NULL);
	pthread_cond_init(&a.cond, NULL);
	if ((a.reader = etcd_dup(e, err, errsize)) == NULL)
		goto cleanup;
	if (pthread_create(&th, NULL, etcd_ahead_main, &a) != 0) {
		etcd_err(err, errsize, EAGAIN, "etcd: cannot start a listing thread");
		goto cleanup;
	}
	started = 1;
	for (;;) {
		pthread_mutex_lock(&a.mtx);
		while (a.head == NULL && !a.done && !etcd_stopping(e)) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&a.cond, &a.mtx, &ts);
		}
		if ((p = a.head) != NULL) {
			a.head = p->next;
			if (a.head == NULL)
				a.tail = NULL;
			a.queued--;
			pthread_cond_broadcast(&a.cond);
		}
		pthread_mutex_unlock(&a.mtx);
		if (p == NULL) {
			if (etcd_stopping(e)) {
				stopped = 1;
				etcd_err(err, errsize, ECANCELED, "etcd: stopped");
				goto cleanup;
			}
			break;		/* done, nothing left */
		}
		for (i = 0; i < p->n; i++) {
			if (fn(&p->kvs[i], arg) == -1)
				break;
		}
		if (i < p->n || (o != NULL && o->page_end && p->n > 0 && fn(NULL, arg) == -1)) {
			etcd_err(err, errsize, ECANCELED, "etcd: listing of %s stopped", prefix);
			goto cleanup;
		}
		etcd_ahead_free_page(p);
		p = NULL;
	}
	if (a.rc == -1) {
		etcd_err(err, errsize, a.err_no, "%s", a.err);
		goto cleanup;
	}
	if (rev != NULL)
		*rev = a.rev;
	ret = 0;
cleanup:
	etcd_ahead_free_page(p);
	if (started) {
		pthread_mutex_lock(&a.mtx);
		a.quit = 1;
		pthread_cond_broadcast(&a.cond);
		pthread_mutex_unlock(&a.mtx);
		if (stopped || ret == -1)
			etcd_stop(a.reader);
		pthread_join(th, NULL);
	}
	while ((p = a.head) != NULL) {
		a.head = p->next;
		etcd_ahead_free_page(p);
	}
	etcd_ahead_free_page(a.cur);
	etcd_free(a.reader);
	pthread_cond_destroy(&a.cond);
	pthread_mutex_destroy(&a.mtx);
	if (ret == -1 && stopped)
		errno = ECANCELED;
	return ret;
}
