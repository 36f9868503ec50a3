/*
 * etcd_agent.c - publish a host's record (and its profile blob, if new to
 * the fleet) under a lease and keep the lease alive.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "etcd_agent.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "xmalloc.h"

struct etcd_agent {
	struct etcd *etcd;	/* used by the agent thread only */
	char *key;
	char *prefix, *id;
	struct etcd_record rec;	/* last published (agent thread only) */
	int has_rec;
	int64_t rec_rev;
	unsigned ttl;
	pthread_t thread;
	int started;

	pthread_mutex_t mtx;	/* protects what follows */
	pthread_cond_t cond;	/* the agent thread waits on it */
	pthread_cond_t acked_cond;	/* etcd_agent_wait() waits on it */
	int stop;
	char *value;		/* the latest profile */
	size_t len;
	uint64_t gen;		/* generation of value */
	uint64_t acked;		/* last generation etcd acknowledged */
	int64_t acked_rev;
	int64_t lease;
};

static void
etcd_agent_deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int
etcd_agent_past(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/*
 * Grant a lease if there is none and publish the profile value[len]: its
 * record and, if the fleet lacks it, its blob.  A profile whose record
 * says what the last one published said (but for the collection time)
 * writes nothing: the keep-alive is all.  The agent thread only, unlocked.
 */
static int
etcd_agent_put(struct etcd_agent *a, const char *value, size_t len, int64_t *lease,
    int64_t *rev, char *err, size_t errsize)
{
	struct etcd_record r;
	struct profile p;
	int64_t granted = 0;
	char *blob = NULL;
	int ret = -1;

	profile_init(&p);
	memset(&r, 0, sizeof(r));
	if (profile_parse(value, len, &p, err, errsize) == -1) {
		errno = EINVAL;
		goto cleanup;
	}
	etcd_record_from_profile(&r, &p);
	if (a->has_rec && *lease != 0 && !etcd_record_changed(&a->rec, &r)) {
		*rev = a->rec_rev;
		ret = 0;
		goto cleanup;
	}
	if (*lease == 0) {
		if (etcd_lease_grant(a->etcd, a->ttl, lease, &granted, err, errsize) == -1)
			goto cleanup;
		log_info("etcd: lease %llx of %llds for %s", (unsigned long long)*lease,
		    (long long)granted, a->key);
	}
	/* The record says when this content was first collected. */
	if (a->has_rec && !etcd_record_changed(&a->rec, &r))
		r.collected_at = a->rec.collected_at;
	blob = store_blob_json(&p);
	if (etcd_record_publish(a->etcd, a->prefix, a->id, &r, blob, strlen(blob), *lease, rev,
	    err, errsize) == -1) {
		if (errno == ENOENT)
			*lease = 0;	/* expired between grant and put */
		goto cleanup;
	}
	etcd_record_clear(&a->rec);
	a->rec = r;
	memset(&r, 0, sizeof(r));
	a->has_rec = 1;
	a->rec_rev = *rev;
	ret = 0;
cleanup:
	etcd_record_clear(&r);
	profile_clear(&p);
	free(blob);
	return ret;
}

static void *
etcd_agent_main(void *arg)
{
	struct etcd_agent *a = arg;
	struct timespec next_ka, retry_at;
	char err[512], *value;
	uint64_t gen;
	int64_t lease, rev, ttl;
	unsigned interval_ms = a->ttl * 1000 / 3;
	size_t len;
	int rc;

	etcd_agent_deadline(&next_ka, interval_ms);
	etcd_agent_deadline(&retry_at, 0);
	pthread_mutex_lock(&a->mtx);
	while (!a->stop) {
		if (a->gen > a->acked && a->value != NULL && etcd_agent_past(&retry_at)) {
			gen = a->gen;
			len = a->len;
			value = xmalloc(len + 1);
			memcpy(value, a->value, len + 1);
			lease = a->lease;
			pthread_mutex_unlock(&a->mtx);
			rc = etcd_agent_put(a, value, len, &lease, &rev, err, sizeof(err));
			free(value);
			pthread_mutex_lock(&a->mtx);
			/*
			 * Only a new lease restarts the keep-alive clock: a put under
			 * a lease does not renew it, so puts must never postpone the
			 * keep-alive (one per collection would starve it).
			 */
			if (lease != 0 && lease != a->lease)
				etcd_agent_deadline(&next_ka, interval_ms);
			a->lease = lease;
			if (rc == 0) {
				if (gen > a->acked) {
					a->acked = gen;
					a->acked_rev = rev;
				}
				pthread_cond_broadcast(&a->acked_cond);
				log_debug("etcd: %s published at revision %lld", a->key, (long long)rev);
			} else if (errno != ECANCELED && errno != ENOENT) {
				/* A final error (permissions, a refused value): try again later. */
				log_warnx("etcd: publishing %s: %s", a->key, err);
				etcd_agent_deadline(&retry_at, interval_ms);
			}
			continue;
		}
		if (a->lease != 0 && etcd_agent_past(&next_ka)) {
			lease = a->lease;
			pthread_mutex_unlock(&a->mtx);
			rc = etcd_lease_keepalive(a->etcd, lease, &ttl, err, sizeof(err));
			pthread_mutex_lock(&a->mtx);
			if (rc == -1 && errno == ENOENT && a->lease == lease) {
				log_warnx("etcd: lease of %s expired; publishing again", a->key);
				a->lease = 0;
				a->acked = 0;
				etcd_agent_deadline(&retry_at, 0);
			} else if (rc == -1 && errno != ECANCELED)
				log_warnx("etcd: keeping %s alive: %s", a->key, err);
			etcd_agent_deadline(&next_ka, interval_ms);
			continue;
		}
		if (a->gen > a->acked && a->value != NULL)
			pthread_cond_timedwait(&a->cond, &a->mtx, &retry_at);
		else
			pthread_cond_timedwait(&a->cond, &a->mtx, &next_ka);
	}
	pthread_mutex_unlock(&a->mtx);
	return NULL;
}

struct etcd_agent *
etcd_agent_new(const struct etcd_conf *c, const char *prefix, const char *host_id, unsigned ttl,
    char *err, size_t errsize)
{
	struct etcd_agent *a;
	struct etcd_conf conf = *c;
	pthread_condattr_t ca;
	int rc;

	if (ttl < 2) {
		snprintf(err, errsize, "etcd: lease TTL of %us is too short", ttl);
		errno = EINVAL;
		return NULL;
	}
	conf.retry_ms = 0;
	/*
	 * One slow member must not hold a keep-alive past the lease: each
	 * attempt gets at most a sixth of the TTL (at least 1 s) before the
	 * client moves on to the next member.
	 */
	if (conf.request_timeout_ms == 0 || conf.request_timeout_ms > ttl * 1000 / 6)
		conf.request_timeout_ms = ttl * 1000 / 6 > 1000 ? ttl * 1000 / 6 : 1000;
	if (conf.request_timeout_ms > 5000)
		conf.request_timeout_ms = 5000;
	a = xcalloc(1, sizeof(*a));
	if ((a->etcd = etcd_new(&conf, err, errsize)) == NULL) {
		free(a);
		return NULL;
	}
	a->key = etcd_sync_host_key(prefix, host_id);
	a->prefix = xstrdup(prefix);
	a->id = xstrdup(host_id);
	a->ttl = ttl;
	pthread_mutex_init(&a->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_cond_init(&a->acked_cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&a->thread, NULL, etcd_agent_main, a)) != 0) {
		snprintf(err, errsize, "etcd: agent thread: %s", strerror(rc));
		etcd_agent_free(a);
		errno = rc;
		return NULL;
	}
	a->started = 1;
	return a;
}

void
etcd_agent_free(struct etcd_agent *a)
{
	if (a == NULL)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mtx);
		a->stop = 1;
		etcd_stop(a->etcd);
		pthread_cond_signal(&a->cond);
		pthread_mutex_unlock(&a->mtx);
		pthread_join(a->thread, NULL);
	}
	etcd_free(a->etcd);
	pthread_cond_destroy(&a->cond);
	pthread_cond_destroy(&a->acked_cond);
	pthread_mutex_destroy(&a->mtx);
	free(a->key);
	free(a->prefix);
	free(a->id);
	etcd_record_clear(&a->rec);
	free(a->value);
	free(a);
}

uint64_t
etcd_agent_publish(struct etcd_agent *a, const char *json, size_t len)
{
	uint64_t gen;

	pthread_mutex_lock(&a->mtx);
	free(a->value);
	a->value = xmalloc(len + 1);
	memcpy(a->value, json, len);
	a->value[len] = '\0';
	a->len = len;
	gen = ++a->gen;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->mtx);
	return gen;
}

int
etcd_agent_wait(struct etcd_agent *a, uint64_t gen, unsigned timeout_ms, int64_t *rev)
{
	struct timespec ts;
	int ret = -1;

	etcd_agent_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&a->mtx);
	while (a->acked < gen) {
		if (pthread_cond_timedwait(&a->acked_cond, &a->mtx, &ts) == ETIMEDOUT)
			break;
	}
	if (a->acked >= gen) {
		if (rev != NULL)
			*rev = a->acked_rev;
		ret = 0;
	}
	pthread_mutex_unlock(&a->mtx);
	if (ret == -1)
		errno = ETIMEDOUT;
	return ret;
}

int64_t
etcd_agent_lease(struct etcd_agent *a)
{
	int64_t lease;

	pthread_mutex_lock(&a->mtx);
	lease = a->lease;
	pthread_mutex_unlock(&a->mtx);
	return lease;
}

void
etcd_agent_status(struct etcd_agent *a, struct etcd_agent_status *st)
{
	pthread_mutex_lock(&a->mtx);
	st->published = a->gen > 0 && a->acked >= a->gen;
	st->revision = a->acked_rev;
	st->lease = a->lease;
	pthread_mutex_unlock(&a->mtx);
}
