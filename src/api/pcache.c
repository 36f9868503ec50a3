/*
 * pcache.c - parsed profiles by hash: a chained hash table that grows.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pcache.h"
#include "profile.h"
#include "rules.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

struct pcache_entry {
	struct pcache_entry *next;
	struct profile p;		/* p.hash is the key */
};

struct pcache {
	pthread_mutex_t mu;		/* guards the table; parsing runs outside it */
	struct pcache_entry **bucket;
	size_t nbuckets;		/* a power of two */
	size_t count;
};

struct pcache *
pcache_new(void)
{
	struct pcache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	c->nbuckets = 64;
	c->bucket = xcalloc(c->nbuckets, sizeof(*c->bucket));
	return c;
}

void
pcache_free(struct pcache *c)
{
	struct pcache_entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++) {
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			profile_clear(&e->p);
			free(e);
		}
	}
	free(c->bucket);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void
pcache_grow(struct pcache *c)
{
	struct pcache_entry **nb, *e, *next;
	size_t i, n = c->nbuckets * 2, h;

	nb = xcalloc(n, sizeof(*nb));
	for (i = 0; i < c->nbuckets; i++) {
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			h = util_hash_str(e->p.hash) & (n - 1);
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(c->bucket);
	c->bucket = nb;
	c->nbuckets = n;
}

/* The entry for hash, or NULL.  The caller holds the lock. */
static struct pcache_entry *
pcache_find(struct pcache *c, const char *hash)
{
	struct pcache_entry *e;

	for (e = c->bucket[util_hash_str(hash) & (c->nbuckets - 1)]; e != NULL; e = e->next)
		if (strcmp(e->p.hash, hash) == 0)
			return e;
	return NULL;
}

const struct profile *
pcache_get(struct pcache *c, struct store *s, const char *hash, char *err, size_t errsize)
{
	struct pcache_entry *e, *have;
	char *json = NULL;
	size_t h, len;

	pthread_mutex_lock(&c->mu);
	e = pcache_find(c, hash);
	pthread_mutex_unlock(&c->mu);
	if (e != NULL)
		return &e->p;
	/* Read and parse without the lock: other threads go on meanwhile. */
	if ((json = store_get_blob(s, hash, &len, err, errsize)) == NULL)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	profile_init(&e->p);
	if (profile_parse(json, len, &e->p, err, errsize) == -1) {
		log_warnx("stored profile %s does not parse: %s", hash, err);
		profile_clear(&e->p);
		free(e);
		free(json);
		errno = EIO;
		return NULL;
	}
	free(json);
	/* The key is the stored hash, whatever the parser recomputes. */
	if (strcmp(e->p.hash, hash) != 0)
		log_warnx("stored profile %s hashes to %s now", hash, e->p.hash);
	util_strlcpy(e->p.hash, hash, sizeof(e->p.hash));
	/* Derive the rules engine's per-profile data once, not per check. */
	rules_prepare(&e->p);
	pthread_mutex_lock(&c->mu);
	if ((have = pcache_find(c, hash)) != NULL) {
		/* Another thread parsed it first: keep one. */
		pthread_mutex_unlock(&c->mu);
		profile_clear(&e->p);
		free(e);
		return &have->p;
	}
	if (c->count + 1 > c->nbuckets * 2)
		pcache_grow(c);
	h = util_hash_str(hash) & (c->nbuckets - 1);
	e->next = c->bucket[h];
	c->bucket[h] = e;
	c->count++;
	pthread_mutex_unlock(&c->mu);
	return &e->p;
}

size_t
pcache_count(struct pcache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}
