/*
 * acache.c - compat answers by profile hashes, VM spec and policy.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acache.h"
#include "util.h"
#include "xmalloc.h"

struct acache_slot {
	char *key;			/* NULL: empty */
	char *text;
};

struct acache {
	struct acache_slot *slot;
	size_t n;
	unsigned long long hits, lookups;
};

struct acache *
acache_new(size_t nslots)
{
	struct acache *c = xcalloc(1, sizeof(*c));

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
	free(c);
}

const char *
acache_get(struct acache *c, const char *key)
{
	struct acache_slot *s = &c->slot[util_hash_str(key) % c->n];

	c->lookups++;
	if (s->key == NULL || strcmp(s->key, key) != 0)
		return NULL;
	c->hits++;
	return s->text;
}

void
acache_put(struct acache *c, const char *key, const char *text)
{
	struct acache_slot *s = &c->slot[util_hash_str(key) % c->n];

	if (strlen(text) > ACACHE_MAX_TEXT)
		return;
	free(s->key);
	free(s->text);
	s->key = xstrdup(key);
	s->text = xstrdup(text);
}

void
acache_stats(const struct acache *c, unsigned long long *hits, unsigned long long *lookups)
{
	*hits = c->hits;
	*lookups = c->lookups;
}
