/*
 * pcache.c - parsed profiles by hash (a common/htab.h table of entries).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "log.h"
#include "pcache.h"
#include "profile.h"
#include "rules.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

struct pcache_entry {
	struct profile p;		/* p.hash is the key */
};

struct pcache {
	pthread_mutex_t mu;		/* guards the table; parsing runs outside it */
	struct htab tab;		/* p.hash -> struct pcache_entry */
};

struct pcache *
pcache_new(void)
{
	struct pcache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	htab_init(&c->tab);
	return c;
}

void
pcache_free(struct pcache *c)
{
	const struct htab_slot *s;
	struct pcache_entry *e;
	size_t pos = 0;

	if (c == NULL)
		return;
	while (htab_next(&c->tab, &pos, &s) == 0) {
		e = s->v.ptr;
		profile_clear(&e->p);
		free(e);
	}
	htab_free(&c->tab);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const struct profile *
pcache_get(struct pcache *c, struct store *s, const char *hash, char *err, size_t errsize)
{
	struct pcache_entry *e, *have;
	char *json = NULL;
	size_t len;

	pthread_mutex_lock(&c->mu);
	e = htab_get(&c->tab, hash);
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
	if ((have = htab_get(&c->tab, hash)) != NULL) {
		/* Another thread parsed it first: keep one. */
		pthread_mutex_unlock(&c->mu);
		profile_clear(&e->p);
		free(e);
		return &have->p;
	}
	htab_put(&c->tab, e->p.hash, e);
	pthread_mutex_unlock(&c->mu);
	return &e->p;
}

size_t
pcache_count(struct pcache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = htab_count(&c->tab);
	pthread_mutex_unlock(&c->mu);
	return n;
}
