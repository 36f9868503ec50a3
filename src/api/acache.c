/*
 * acache.c - compat answers by profile hashes, VM spec and policy.
 *
 * Two-way: a key may sit in the slot its hash names or the next one, and
 * a new answer replaces the one of the two used least recently, so two
 * answers asked in turn whose hashes meet do not push each other out.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acache.h"
#include "util.h"
#include "xmalloc.h"

struct acache_slot {
	char *key;			/* NULL: empty */
	char *text;
	size_t len;
	unsigned long long used;	/* lookups count at its last hit or put */
};

struct acache {
	pthread_mutex_t mu;		/* guards everything below */
	struct acache_slot *slot;
	size_t n;
	size_t bytes, max_bytes;	/* texts kept, and their budget */
	unsigned long long hits, lookups;
};

struct acache *
acache_new(size_t nslots, size_t max_bytes)
{
	struct acache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	c->n = nslots > 0 ? nslots : 1;
	c->slot = xcalloc(c->n, sizeof(*c->slot));
	return c;
}

void
acache_free(struct acache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->slot[i].key);
		free(c->slot[i].text);
	}
	free(c->slot);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* The slot of the pair for key holding it, or NULL.  The caller holds the lock. */
static struct acache_slot *
acache_find(struct acache *c, const char *key, size_t i)
{
	struct acache_slot *s = &c->slot[i], *t = &c->slot[(i + 1) % c->n];

	if (s->key != NULL && strcmp(s->key, key) == 0)
		return s;
	if (t->key != NULL && strcmp(t->key, key) == 0)
		return t;
	return NULL;
}

char *
acache_get(struct acache *c, const char *key)
{
	size_t i = util_hash_str(key) % c->n;
	struct acache_slot *s;
	char *text = NULL;

	pthread_mutex_lock(&c->mu);
	c->lookups++;
	if ((s = acache_find(c, key, i)) != NULL) {
		c->hits++;
		s->used = c->lookups;
		text = xmalloc(s->len + 1);
		memcpy(text, s->text, s->len + 1);
	}
	pthread_mutex_unlock(&c->mu);
	return text;
}

void
acache_put(struct acache *c, const char *key, const char *text)
{
	size_t i = util_hash_str(key) % c->n, len = strlen(text);
	struct acache_slot *s, *u;
	char *k, *t;

	if (len > ACACHE_MAX_TEXT)
		return;
	k = xstrdup(key);
	t = xmalloc(len + 1);
	memcpy(t, text, len + 1);
	pthread_mutex_lock(&c->mu);
	if ((s = acache_find(c, key, i)) == NULL) {
		/* An empty slot of the two, else the one used least recently. */
		s = &c->slot[i];
		u = &c->slot[(i + 1) % c->n];
		if (s->key != NULL && (u->key == NULL || u->used < s->used))
			s = u;
	}
	if (c->bytes - (s->key != NULL ? s->len : 0) + len > c->max_bytes) {
		/* Over the budget: keep what is there. */
		pthread_mutex_unlock(&c->mu);
		free(k);
		free(t);
		return;
	}
	if (s->key != NULL)
		c->bytes -= s->len;
	free(s->key);
	free(s->text);
	s->key = k;
	s->text = t;
	s->len = len;
	s->used = c->lookups;
	c->bytes += len;
	pthread_mutex_unlock(&c->mu);
}

void
acache_stats(struct acache *c, unsigned long long *hits, unsigned long long *lookups)
{
	pthread_mutex_lock(&c->mu);
	*hits = c->hits;
	*lookups = c->lookups;
	pthread_mutex_unlock(&c->mu);
}
