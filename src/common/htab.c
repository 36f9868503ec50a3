/*
 * htab.c - a string-keyed hash table (open addressing, linear probing).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "util.h"
#include "xmalloc.h"

#define HTAB_MIN_CAP	64

void
htab_init(struct htab *t)
{
	t->slot = NULL;
	t->cap = t->n = 0;
}

void
htab_free(struct htab *t)
{
	free(t->slot);
	htab_init(t);
}

size_t
htab_count(const struct htab *t)
{
	return t->n;
}

/* The hash bits the table keeps. */
static uint32_t
htab_hash(const char *key)
{
	return (uint32_t)util_hash_str(key);
}

/* The slot holding key, or the empty slot where it would go.  t->cap > 0. */
static struct htab_slot *
htab_probe(const struct htab *t, const char *key, uint32_t h)
{
	size_t i = h & (t->cap - 1);

	for (;;) {
		struct htab_slot *s = &t->slot[i];

		if (s->key == NULL || (s->h == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (t->cap - 1);
	}
}

static void
htab_grow(struct htab *t)
{
	struct htab_slot *old = t->slot;
	size_t oldcap = t->cap, i;

	t->cap = oldcap == 0 ? HTAB_MIN_CAP : oldcap * 2;
	t->slot = xcalloc(t->cap, sizeof(*t->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*htab_probe(t, old[i].key, old[i].h) = old[i];
	free(old);
}

/* The slot of key, made if absent (its value then unset).  */
static struct htab_slot *
htab_slot_for(struct htab *t, const char *key)
{
	uint32_t h = htab_hash(key);
	struct htab_slot *s;

	if ((t->n + 1) * 4 > t->cap * 3)
		htab_grow(t);
	s = htab_probe(t, key, h);
	if (s->key == NULL)
		t->n++;
	s->key = key;
	s->h = h;
	return s;
}

static const struct htab_slot *
htab_lookup(const struct htab *t, const char *key)
{
	const struct htab_slot *s;

	if (t->n == 0)
		return NULL;
	s = htab_probe(t, key, htab_hash(key));
	return s->key != NULL ? s : NULL;
}

void *
htab_get(const struct htab *t, const char *key)
{
	const struct htab_slot *s = htab_lookup(t, key);

	return s != NULL ? s->v.ptr : NULL;
}

int
htab_get_idx(const struct htab *t, const char *key, size_t *idx)
{
	const struct htab_slot *s = htab_lookup(t, key);

	if (s == NULL)
		return -1;
	*idx = s->v.idx;
	return 0;
}

void
htab_put(struct htab *t, const char *key, void *val)
{
	htab_slot_for(t, key)->v.ptr = val;
}

void
htab_put_idx(struct htab *t, const char *key, size_t idx)
{
	htab_slot_for(t, key)->v.idx = idx;
}

int
htab_del(struct htab *t, const char *key)
{
	size_t i, j, home, mask = t->cap - 1;
	struct htab_slot *s;

	if (t->n == 0)
		return -1;
	s = htab_probe(t, key, htab_hash(key));
	if (s->key == NULL)
		return -1;
	i = (size_t)(s - t->slot);
	t->slot[i].key = NULL;
	t->n--;
	for (j = (i + 1) & mask; t->slot[j].key != NULL; j = (j + 1) & mask) {
		home = t->slot[j].h & mask;
		/* Move j back into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			t->slot[j].key = NULL;
			i = j;
		}
	}
	return 0;
}

int
htab_next(const struct htab *t, size_t *pos, const struct htab_slot **s)
{
	for (; *pos < t->cap; (*pos)++) {
		if (t->slot[*pos].key != NULL) {
			*s = &t->slot[(*pos)++];
			return 0;
		}
	}
	return -1;
}
