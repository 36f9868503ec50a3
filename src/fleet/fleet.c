/*
 * fleet.c - the fleet index: hosts and their equivalence classes.  The
 * answers computed on classes are in fleet_targets.c and fleet_groups.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "fleet.h"
#include "fleet_priv.h"
#include "htab.h"
#include "jbuf.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

/* ---- hosts and classes ---- */

struct fleet *
fleet_new(void)
{
	struct fleet *f = xcalloc(1, sizeof(*f));

	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->order_mu, NULL);
	f->generation = 1;
	return f;
}

void
fleet_free(struct fleet *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_hosts; i++)
		free(f->hosts[i].id);
	free(f->hosts);
	for (i = 0; i < f->n_slots; i++) {
		profile_free(f->classes[i].p);
		free(f->classes[i].hosts);
		free(f->classes[i].ids);
	}
	for (i = 0; i < f->n_retired; i++)
		profile_free(f->retired[i]);
	free(f->retired);
	pthread_mutex_destroy(&f->order_mu);
	free(f->classes);
	free(f->free_slots);
	htab_free(&f->host_map);
	htab_free(&f->class_map);
	for (i = 0; i < FLEET_NPOLICIES; i++) {
		free(f->order[i].slot);
		free(f->order[i].verdict);
		free(f->order[i].text[0]);
		free(f->order[i].text[1]);
	}
	for (i = 0; i < FLEET_TCACHE; i++)
		fleet_targets_clear(&f->tcache[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* The slot of the class for p, created if new. */
static size_t
fleet_class_get(struct fleet *f, const struct profile *p)
{
	struct profile *q;
	size_t s;

	if (htab_get_idx(&f->class_map, p->hash, &s) == 0)
		return s;
	q = profile_content(p);
	/* Every check of the class uses its derived data: compute it once. */
	rules_prepare(q);
	if (f->n_free > 0) {
		s = f->free_slots[--f->n_free];
	} else {
		if (f->n_slots == f->cap_slots) {
			f->cap_slots = f->cap_slots == 0 ? 16 : f->cap_slots * 2;
			f->classes = xreallocarray(f->classes, f->cap_slots, sizeof(*f->classes));
		}
		s = f->n_slots++;
		memset(&f->classes[s], 0, sizeof(f->classes[s]));
	}
	f->classes[s].p = q;
	f->classes[s].n = 0;
	htab_put_idx(&f->class_map, q->hash, s);
	f->n_classes++;
	return s;
}

/* Take host h out of its class, dropping the class if it empties. */
static void
fleet_class_unlink(struct fleet *f, size_t h)
{
	struct fleet_class *c = &f->classes[f->hosts[h].cls];
	size_t pos = f->hosts[h].pos, last;

	last = c->hosts[--c->n];
	c->hosts[pos] = last;
	f->hosts[last].pos = pos;
	free(c->ids);
	c->ids = NULL;
	if (c->n > 0)
		return;
	(void)htab_del(&f->class_map, c->p->hash);
	if (f->computing > 0) {
		f->retired = xreallocarray(f->retired, f->n_retired + 1, sizeof(*f->retired));
		f->retired[f->n_retired++] = c->p;
	} else {
		profile_free(c->p);
	}
	c->p = NULL;
	f->free_slots = xreallocarray(f->free_slots, f->n_free + 1, sizeof(*f->free_slots));
	f->free_slots[f->n_free++] = f->hosts[h].cls;
	f->n_classes--;
}

static void
fleet_class_link(struct fleet *f, size_t h, size_t slot)
{
	struct fleet_class *c = &f->classes[slot];

	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 4 : c->cap * 2;
		c->hosts = xreallocarray(c->hosts, c->cap, sizeof(*c->hosts));
	}
	f->hosts[h].cls = slot;
	f->hosts[h].pos = c->n;
	c->hosts[c->n++] = h;
	free(c->ids);
	c->ids = NULL;
}

const char *
fleet_class_ids(struct fleet *f, size_t slot, size_t *len)
{
	struct fleet_class *c = &f->classes[slot];
	struct jbuf b;
	size_t i;

	if (c->ids == NULL) {
		jbuf_init(&b);
		for (i = 0; i < c->n; i++) {
			if (i > 0)
				jbuf_add(&b, ",", 1);
			jbuf_str(&b, f->hosts[c->hosts[i]].id);
		}
		c->ids = jbuf_steal(&b, &c->ids_len);
	}
	*len = c->ids_len;
	return c->ids;
}

int
fleet_set_host(struct fleet *f, const char *host_id, const struct profile *p,
    char *err, size_t errsize)
{
	size_t h, slot;
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	if (host_id == NULL || host_id[0] == '\0') {
		jsonu_err(err, errsize, NULL, "empty host ID");
		goto cleanup;
	}
	if (strncmp(p->hash, "sha256:", 7) != 0) {
		jsonu_err(err, errsize, NULL, "profile of %s has no hash", host_id);
		goto cleanup;
	}
	if (htab_get_idx(&f->host_map, host_id, &h) == 0 &&
	    strcmp(f->classes[f->hosts[h].cls].p->hash, p->hash) == 0) {
		ret = 0;
		goto cleanup;
	}
	slot = fleet_class_get(f, p);
	if (htab_get_idx(&f->host_map, host_id, &h) == 0) {
		fleet_class_unlink(f, h);
	} else {
		if (f->n_hosts == f->cap_hosts) {
			f->cap_hosts = f->cap_hosts == 0 ? 64 : f->cap_hosts * 2;
			f->hosts = xreallocarray(f->hosts, f->cap_hosts, sizeof(*f->hosts));
		}
		h = f->n_hosts++;
		f->hosts[h].id = xstrdup(host_id);
		htab_put_idx(&f->host_map, f->hosts[h].id, h);
	}
	fleet_class_link(f, h, slot);
	f->generation++;
	ret = 1;
cleanup:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

int
fleet_remove_host(struct fleet *f, const char *host_id)
{
	size_t h, last;
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	if (htab_get_idx(&f->host_map, host_id, &h) == -1)
		goto cleanup;
	fleet_class_unlink(f, h);
	(void)htab_del(&f->host_map, f->hosts[h].id);
	free(f->hosts[h].id);
	last = --f->n_hosts;
	if (h != last) {
		/* Move the last host into the hole and repoint its references. */
		f->hosts[h] = f->hosts[last];
		f->classes[f->hosts[h].cls].hosts[f->hosts[h].pos] = h;
		htab_put_idx(&f->host_map, f->hosts[h].id, h);
	}
	f->generation++;
	ret = 0;
cleanup:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* f's counts, read together under its lock (NULL: not wanted). */
static void
fleet_counts(struct fleet *f, size_t *hosts, size_t *classes, uint64_t *generation)
{
	pthread_mutex_lock(&f->lock);
	if (hosts != NULL)
		*hosts = f->n_hosts;
	if (classes != NULL)
		*classes = f->n_classes;
	if (generation != NULL)
		*generation = f->generation;
	pthread_mutex_unlock(&f->lock);
}

size_t
fleet_host_count(struct fleet *f)
{
	size_t n;

	fleet_counts(f, &n, NULL, NULL);
	return n;
}

size_t
fleet_class_count(struct fleet *f)
{
	size_t n;

	fleet_counts(f, NULL, &n, NULL);
	return n;
}

uint64_t
fleet_generation(struct fleet *f)
{
	uint64_t g;

	fleet_counts(f, NULL, NULL, &g);
	return g;
}

int
fleet_host_hash(struct fleet *f, const char *host_id, char *hash, size_t hashsize)
{
	size_t h;
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	if (htab_get_idx(&f->host_map, host_id, &h) == 0) {
		util_strlcpy(hash, f->classes[f->hosts[h].cls].p->hash, hashsize);
		ret = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

int
fleet_with_profiles(struct fleet *f, const char *const *host_ids, size_t n,
    int (*fn)(const struct profile *const *profiles, size_t n, void *arg), void *arg,
    char *err, size_t errsize)
{
	const struct profile **v = xcalloc(n, sizeof(*v));
	size_t i, h;
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < n; i++) {
		if (htab_get_idx(&f->host_map, host_ids[i], &h) == -1) {
			jsonu_err(err, errsize, NULL, "unknown host ID \"%s\"", host_ids[i]);
			goto cleanup;
		}
		v[i] = f->classes[f->hosts[h].cls].p;
	}
	ret = fn(v, n, arg);
cleanup:
	pthread_mutex_unlock(&f->lock);
	free(v);
	return ret;
}

/* ---- targets ---- */
