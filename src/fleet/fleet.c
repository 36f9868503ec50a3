/*
 * fleet.c - the fleet index: hosts, their equivalence classes, and the
 * fleet-wide targets and groups answers computed on classes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleet.h"
#include "jbuf.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

#define FLEET_NSCENARIOS	4
#define FLEET_NPOLICIES		2
#define FLEET_MAX_THREADS	8
/* Targets answers kept per (source class, VM, policy), most recent first. */
#define FLEET_TCACHE		32

/* A string-keyed open-addressing index (linear probing). */
struct fleet_map {
	struct fleet_slot {
		const char *key;	/* NULL: empty */
		uint32_t h;
		size_t idx;
	} *slot;
	size_t cap, n;
};

struct fleet_host {
	char *id;
	size_t cls;		/* class slot */
	size_t pos;		/* position in the class's host list */
};

struct fleet_class {
	struct profile *p;	/* NULL: free slot */
	size_t *hosts;		/* indices into fleet.hosts */
	size_t n, cap;
	char *ids;		/* its host ids as JSON ("a","b"), NULL: to be written */
	size_t ids_len;
};

/* The cached partial order for one policy. */
struct fleet_order {
	uint64_t generation;	/* 0: not computed */
	size_t n;		/* classes */
	size_t *slot;		/* output order: class number -> class slot */
	unsigned char *verdict;	/* [scenario][i][j] enum rules_verdict */
	char *text[2];		/* the JSON answer without and with host ids, or NULL */
	size_t len[2];
};

/*
 * The per-class verdicts and first reasons of one targets question, valid
 * for one generation of the partition: repeated questions (every VM on the
 * hosts of one class) skip the rules engine.
 */
struct fleet_tentry {
	char src[80];			/* source profile hash, "" unused */
	uint64_t vmkey;			/* hash of the VM spec's JSON form */
	int policy;
	uint64_t generation;
	size_t n;			/* class slots covered */
	unsigned char *verdict;		/* per slot */
	struct json_object **reason;	/* per failing slot: the first reason (owned) */
	uint64_t used;			/* LRU clock */
};

struct fleet {
	pthread_mutex_t lock;
	struct fleet_host *hosts;
	size_t n_hosts, cap_hosts;
	struct fleet_class *classes;
	size_t n_slots, cap_slots, n_classes;
	size_t *free_slots;
	size_t n_free;
	struct fleet_map host_map, class_map;
	uint64_t generation;
	struct fleet_order order[FLEET_NPOLICIES];
	struct fleet_tentry tcache[FLEET_TCACHE];
	uint64_t tclock;
	/*
	 * The order is computed without the lock: class profiles dropped
	 * meanwhile wait here until no computation runs.
	 */
	int computing;
	struct profile **retired;
	size_t n_retired;
	pthread_mutex_t order_mu;	/* one order computation at a time */
};

/* ---- the string index ---- */

/* The 32 bits of the string hash the index keeps. */
static uint32_t
fleet_hash_str(const char *s)
{
	return (uint32_t)util_hash_str(s);
}

static void
fleet_map_free(struct fleet_map *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static struct fleet_slot *
fleet_map_probe(const struct fleet_map *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	for (;;) {
		struct fleet_slot *s = &m->slot[i];

		if (s->key == NULL || (s->h == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static int
fleet_map_get(const struct fleet_map *m, const char *key, size_t *idx)
{
	struct fleet_slot *s;

	if (m->cap == 0)
		return -1;
	s = fleet_map_probe(m, key, fleet_hash_str(key));
	if (s->key == NULL)
		return -1;
	*idx = s->idx;
	return 0;
}

static void
fleet_map_grow(struct fleet_map *m)
{
	struct fleet_slot *old = m->slot, *s;
	size_t oldcap = m->cap, i;

	m->cap = oldcap == 0 ? 64 : oldcap * 2;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = fleet_map_probe(m, old[i].key, old[i].h);
		*s = old[i];
	}
	free(old);
}

/* Insert or update key (which must stay valid while it is in the map). */
static void
fleet_map_put(struct fleet_map *m, const char *key, size_t idx)
{
	struct fleet_slot *s;
	uint32_t h = fleet_hash_str(key);

	if ((m->n + 1) * 4 > m->cap * 3)
		fleet_map_grow(m);
	s = fleet_map_probe(m, key, h);
	if (s->key == NULL)
		m->n++;
	s->key = key;
	s->h = h;
	s->idx = idx;
}

/* Remove key, shifting later entries of its probe run back. */
static void
fleet_map_del(struct fleet_map *m, const char *key)
{
	struct fleet_slot *s;
	size_t i, j, home;

	if (m->cap == 0)
		return;
	s = fleet_map_probe(m, key, fleet_hash_str(key));
	if (s->key == NULL)
		return;
	i = (size_t)(s - m->slot);
	m->slot[i].key = NULL;
	m->n--;
	for (j = (i + 1) & (m->cap - 1); m->slot[j].key != NULL; j = (j + 1) & (m->cap - 1)) {
		home = m->slot[j].h & (m->cap - 1);
		/* Move j back into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->slot[i] = m->slot[j];
			m->slot[j].key = NULL;
			i = j;
		}
	}
}

/* ---- the targets cache ---- */

static void
fleet_tentry_clear(struct fleet_tentry *e)
{
	size_t i;

	if (e->reason != NULL)
		for (i = 0; i < e->n; i++)
			json_object_put(e->reason[i]);
	free(e->reason);
	free(e->verdict);
	memset(e, 0, sizeof(*e));
}

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
	fleet_map_free(&f->host_map);
	fleet_map_free(&f->class_map);
	for (i = 0; i < FLEET_NPOLICIES; i++) {
		free(f->order[i].slot);
		free(f->order[i].verdict);
		free(f->order[i].text[0]);
		free(f->order[i].text[1]);
	}
	for (i = 0; i < FLEET_TCACHE; i++)
		fleet_tentry_clear(&f->tcache[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* A copy of p without host identity, by way of its JSON form. */
static struct profile *
fleet_copy_profile(const struct profile *p, char *err, size_t errsize)
{
	struct json_object *o = profile_to_json(p);
	struct profile *q = profile_new();

	if (profile_from_json(o, q, err, errsize) == -1) {
		profile_free(q);
		q = NULL;
		goto cleanup;
	}
	q->host_id[0] = '\0';
	q->hostname[0] = '\0';
	q->collected_at = 0;
	if (strcmp(q->hash, p->hash) != 0) {
		jsonu_err(err, errsize, NULL, "profile hash %s does not survive a JSON round trip", p->hash);
		profile_free(q);
		q = NULL;
	}
cleanup:
	json_object_put(o);
	return q;
}

/* The slot of the class for p, created if new.  Returns 0 or -1. */
static int
fleet_class_get(struct fleet *f, const struct profile *p, size_t *slot, char *err, size_t errsize)
{
	struct profile *q;
	size_t s;

	if (fleet_map_get(&f->class_map, p->hash, slot) == 0)
		return 0;
	if ((q = fleet_copy_profile(p, err, errsize)) == NULL)
		return -1;
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
	fleet_map_put(&f->class_map, q->hash, s);
	f->n_classes++;
	*slot = s;
	return 0;
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
	fleet_map_del(&f->class_map, c->p->hash);
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

/* The JSON of the host ids of class slot, written once per change of its hosts. */
static const char *
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
	if (fleet_map_get(&f->host_map, host_id, &h) == 0 &&
	    strcmp(f->classes[f->hosts[h].cls].p->hash, p->hash) == 0) {
		ret = 0;
		goto cleanup;
	}
	if (fleet_class_get(f, p, &slot, err, errsize) == -1)
		goto cleanup;
	if (fleet_map_get(&f->host_map, host_id, &h) == 0) {
		fleet_class_unlink(f, h);
	} else {
		if (f->n_hosts == f->cap_hosts) {
			f->cap_hosts = f->cap_hosts == 0 ? 64 : f->cap_hosts * 2;
			f->hosts = xreallocarray(f->hosts, f->cap_hosts, sizeof(*f->hosts));
		}
		h = f->n_hosts++;
		f->hosts[h].id = xstrdup(host_id);
		fleet_map_put(&f->host_map, f->hosts[h].id, h);
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
	if (fleet_map_get(&f->host_map, host_id, &h) == -1)
		goto cleanup;
	fleet_class_unlink(f, h);
	fleet_map_del(&f->host_map, f->hosts[h].id);
	free(f->hosts[h].id);
	last = --f->n_hosts;
	if (h != last) {
		/* Move the last host into the hole and repoint its references. */
		f->hosts[h] = f->hosts[last];
		f->classes[f->hosts[h].cls].hosts[f->hosts[h].pos] = h;
		fleet_map_put(&f->host_map, f->hosts[h].id, h);
	}
	f->generation++;
	ret = 0;
cleanup:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

size_t
fleet_host_count(struct fleet *f)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = f->n_hosts;
	pthread_mutex_unlock(&f->lock);
	return n;
}

size_t
fleet_class_count(struct fleet *f)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = f->n_classes;
	pthread_mutex_unlock(&f->lock);
	return n;
}

uint64_t
fleet_generation(struct fleet *f)
{
	uint64_t g;

	pthread_mutex_lock(&f->lock);
	g = f->generation;
	pthread_mutex_unlock(&f->lock);
	return g;
}

int
fleet_host_hash(struct fleet *f, const char *host_id, char *hash, size_t hashsize)
{
	size_t h;
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	if (fleet_map_get(&f->host_map, host_id, &h) == 0) {
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
		if (fleet_map_get(&f->host_map, host_ids[i], &h) == -1) {
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

/* Hosts and classes that fail for one first reason. */
struct fleet_block {
	char *key;
	struct json_object *reason;
	size_t hosts, classes;
};

struct fleet_blocks {
	struct fleet_block *v;
	size_t n;
};

static void
fleet_blocks_free(struct fleet_blocks *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->v[i].key);
		json_object_put(b->v[i].reason);
	}
	free(b->v);
}

static const char *
fleet_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/*
 * The first reason of a full rules answer (a new reference), else its
 * first layer not checked, else NULL.
 */
static struct json_object *
fleet_first_reason(struct json_object *check)
{
	struct json_object *reasons, *r = NULL;

	if (json_object_object_get_ex(check, "reasons", &reasons) &&
	    json_object_is_type(reasons, json_type_array) && json_object_array_length(reasons) > 0)
		r = json_object_array_get_idx(reasons, 0);
	if (r == NULL && json_object_object_get_ex(check, "not_checked", &reasons) &&
	    json_object_is_type(reasons, json_type_array) && json_object_array_length(reasons) > 0)
		r = json_object_array_get_idx(reasons, 0);
	return r != NULL ? json_object_get(r) : NULL;
}

/* Count a class that fails under its first reason r (may be NULL). */
static void
fleet_blocks_add(struct fleet_blocks *b, struct json_object *r, size_t hosts)
{
	char *key;
	size_t i;

	if (r != NULL && json_object_is_type(r, json_type_object))
		key = xasprintf("%s|%s|%s|%s|%s", fleet_field(r, "layer"), fleet_field(r, "msr"),
		    fleet_field(r, "bit"), fleet_field(r, "name"), fleet_field(r, "rule"));
	else if (r != NULL)
		key = xasprintf("%s", json_object_get_string(r));
	else
		key = xstrdup("");
	for (i = 0; i < b->n; i++) {
		if (strcmp(b->v[i].key, key) == 0) {
			b->v[i].hosts += hosts;
			b->v[i].classes++;
			free(key);
			return;
		}
	}
	b->v = xreallocarray(b->v, b->n + 1, sizeof(*b->v));
	b->v[b->n].key = key;
	b->v[b->n].reason = r != NULL ? json_object_get(r) : NULL;
	b->v[b->n].hosts = hosts;
	b->v[b->n].classes = 1;
	b->n++;
}

static int
fleet_block_cmp(const void *a, const void *b)
{
	const struct fleet_block *x = a, *y = b;

	if (x->hosts != y->hosts)
		return x->hosts > y->hosts ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Write a blocks list as JSON: each first reason with its counts. */
static void
fleet_blocks_write(struct jbuf *out, struct fleet_blocks *b)
{
	size_t i;

	if (b->n > 1)	/* b->v is NULL when nothing blocks: qsort wants an array. */
		qsort(b->v, b->n, sizeof(*b->v), fleet_block_cmp);
	jbuf_puts(out, "[");
	for (i = 0; i < b->n; i++) {
		struct json_object *o;

		if (b->v[i].reason != NULL && json_object_is_type(b->v[i].reason, json_type_object)) {
			o = json_object_new_object();
			json_object_object_foreach(b->v[i].reason, k, v)
				json_object_object_add(o, k, json_object_get(v));
		} else {
			o = json_object_new_object();
			json_object_object_add(o, "message", b->v[i].reason != NULL ?
			    json_object_get(b->v[i].reason) : json_object_new_string("no reason given"));
		}
		json_object_object_add(o, "hosts", json_object_new_int64((int64_t)b->v[i].hosts));
		json_object_object_add(o, "classes", json_object_new_int64((int64_t)b->v[i].classes));
		if (i > 0)
			jbuf_puts(out, ",");
		jbuf_json(out, o);
		json_object_put(o);
	}
	jbuf_puts(out, "]");
}

/* Marks a slot of a cache entry not evaluated yet. */
#define FLEET_TV_NONE	0xff

/*
 * The cache entry for this question, emptied if it is new or the
 * partition changed since it was filled (the least recently used entry is
 * reused).  The caller holds the lock.
 */
static struct fleet_tentry *
fleet_tentry_get(struct fleet *f, const struct profile *src, const struct vmspec *vm,
    enum rules_policy policy)
{
	struct json_object *vj = vmspec_to_json(vm);
	const char *vs = json_object_to_json_string_ext(vj, JSON_C_TO_STRING_PLAIN);
	struct fleet_tentry *e = NULL;
	uint64_t key = 14695981039346656037ull;
	size_t i;

	for (; *vs != '\0'; vs++) {
		key ^= (unsigned char)*vs;
		key *= 1099511628211ull;
	}
	json_object_put(vj);
	for (i = 0; i < FLEET_TCACHE; i++) {
		struct fleet_tentry *t = &f->tcache[i];

		if (t->vmkey == key && t->policy == (int)policy && strcmp(t->src, src->hash) == 0) {
			e = t;
			break;
		}
		if (e == NULL || t->used < e->used)
			e = t;	/* the least recently used so far */
	}
	if (i == FLEET_TCACHE || e->generation != f->generation || e->n != f->n_slots) {
		fleet_tentry_clear(e);
		util_strlcpy(e->src, src->hash, sizeof(e->src));
		e->vmkey = key;
		e->policy = (int)policy;
		e->generation = f->generation;
		e->n = f->n_slots;
		e->verdict = xmalloc(e->n ? e->n : 1);
		memset(e->verdict, FLEET_TV_NONE, e->n ? e->n : 1);
		e->reason = xcalloc(e->n ? e->n : 1, sizeof(*e->reason));
	}
	e->used = ++f->tclock;
	return e;
}

/* The targets answer; the caller holds the lock. */
static char *
fleet_targets_locked(struct fleet *f, const struct profile *src, const char *exclude_id,
    const struct vmspec *vm, enum rules_policy policy, size_t *len)
{
	struct fleet_blocks blocked = { NULL, 0 }, unknown = { NULL, 0 };
	unsigned char *verdict = xcalloc(f->n_slots ? f->n_slots : 1, 1);
	size_t s, i, n_targets = 0, n_tclasses = 0, n_unknown = 0, n_uclasses = 0, nh;
	size_t excl = SIZE_MAX;
	struct fleet_tentry *e;
	struct jbuf out;
	int first = 1;

	if (exclude_id != NULL && fleet_map_get(&f->host_map, exclude_id, &excl) == -1)
		excl = SIZE_MAX;
	e = fleet_tentry_get(f, src, vm, policy);
	for (s = 0; s < f->n_slots; s++) {
		struct fleet_class *c = &f->classes[s];

		if (c->p == NULL)
			continue;
		nh = c->n - (excl != SIZE_MAX && f->hosts[excl].cls == s ? 1 : 0);
		if (e->verdict[s] == FLEET_TV_NONE) {
			struct json_object *check;

			/* Not asked yet for this class: the fast path, then the first reason. */
			e->verdict[s] = (unsigned char)rules_verdict_of(src, c->p, vm, policy);
			if (e->verdict[s] != RULES_COMPATIBLE) {
				check = rules_check_json(src, c->p, vm, policy);
				e->reason[s] = fleet_first_reason(check);
				json_object_put(check);
			}
		}
		verdict[s] = e->verdict[s];
		if (verdict[s] == RULES_COMPATIBLE) {
			n_targets += nh;
			n_tclasses += nh > 0;
			continue;
		}
		if (nh == 0)
			continue;
		if (verdict[s] == RULES_UNKNOWN) {
			fleet_blocks_add(&unknown, e->reason[s], nh);
			n_unknown += nh;
			n_uclasses++;
		} else {
			fleet_blocks_add(&blocked, e->reason[s], nh);
		}
	}

	jbuf_init(&out);
	jbuf_puts(&out, "{\"source\":");
	if (exclude_id != NULL)
		jbuf_str(&out, exclude_id);
	else
		jbuf_puts(&out, "null");
	jbuf_puts(&out, ",\"source_hash\":");
	jbuf_str(&out, src->hash);
	jbuf_printf(&out, ",\"scenario\":\"%s\",\"policy\":\"%s\",\"hosts\":%zu,\"classes\":%zu,"
	    "\"n_targets\":%zu,\"target_classes\":%zu,\"targets\":[",
	    vmspec_scenario_name(vm->scenario), rules_policy_name(policy), f->n_hosts, f->n_classes,
	    n_targets, n_tclasses);
	for (s = 0; s < f->n_slots; s++) {
		struct fleet_class *c = &f->classes[s];
		const char *ids;
		size_t idlen;

		if (c->p == NULL || verdict[s] != RULES_COMPATIBLE || c->n == 0)
			continue;
		if (excl == SIZE_MAX || f->hosts[excl].cls != s) {
			/* The class's ids are kept written: the answer is a concatenation. */
			ids = fleet_class_ids(f, s, &idlen);
			if (!first)
				jbuf_add(&out, ",", 1);
			jbuf_add(&out, ids, idlen);
			first = 0;
			continue;
		}
		for (i = 0; i < c->n; i++) {
			if (c->hosts[i] == excl)
				continue;
			if (!first)
				jbuf_add(&out, ",", 1);
			first = 0;
			jbuf_str(&out, f->hosts[c->hosts[i]].id);
		}
	}
	jbuf_puts(&out, "],\"blocked\":");
	fleet_blocks_write(&out, &blocked);
	jbuf_printf(&out, ",\"unknown\":{\"hosts\":%zu,\"classes\":%zu,\"reasons\":", n_unknown,
	    n_uclasses);
	fleet_blocks_write(&out, &unknown);
	jbuf_puts(&out, "}}");
	fleet_blocks_free(&blocked);
	fleet_blocks_free(&unknown);
	free(verdict);
	return jbuf_steal(&out, len);
}

char *
fleet_targets(struct fleet *f, const char *src_id, const struct vmspec *vm,
    enum rules_policy policy, size_t *len, char *err, size_t errsize)
{
	char *s = NULL;
	size_t h;

	pthread_mutex_lock(&f->lock);
	if (fleet_map_get(&f->host_map, src_id, &h) == -1) {
		jsonu_err(err, errsize, NULL, "unknown host ID \"%s\"", src_id);
		goto cleanup;
	}
	s = fleet_targets_locked(f, f->classes[f->hosts[h].cls].p, src_id, vm, policy, len);
cleanup:
	pthread_mutex_unlock(&f->lock);
	return s;
}

char *
fleet_targets_of(struct fleet *f, const struct profile *src, const char *exclude_id,
    const struct vmspec *vm, enum rules_policy policy, size_t *len)
{
	char *s;

	pthread_mutex_lock(&f->lock);
	s = fleet_targets_locked(f, src, exclude_id, vm, policy, len);
	pthread_mutex_unlock(&f->lock);
	return s;
}

/* ---- groups ---- */

struct fleet_work {
	const struct profile *const *prof;	/* by class number */
	size_t n;
	unsigned char *verdict;
	enum rules_policy policy;
	size_t first, step;
};

static void *
fleet_order_worker(void *arg)
{
	struct fleet_work *w = arg;
	struct vmspec vm;
	size_t sc, i, j, n = w->n;

	for (sc = 0; sc < FLEET_NSCENARIOS; sc++) {
		vmspec_init(&vm, (enum vmspec_scenario)sc);
		for (i = w->first; i < n; i += w->step) {
			unsigned char *row = w->verdict + (sc * n + i) * n;

			for (j = 0; j < n; j++)
				row[j] = (unsigned char)rules_verdict_of(w->prof[i], w->prof[j], &vm,
				    w->policy);
		}
	}
	return NULL;
}

/* Sorting context for the class order (qsort has no argument; used under the lock). */
static const struct fleet *fleet_sort_ctx;

static int
fleet_slot_cmp(const void *a, const void *b)
{
	const struct fleet_class *x = &fleet_sort_ctx->classes[*(const size_t *)a];
	const struct fleet_class *y = &fleet_sort_ctx->classes[*(const size_t *)b];

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->p->hash, y->p->hash);
}

/* The verdicts of every class pair for every scenario, on every CPU. */
static void
fleet_order_compute(const struct profile *const *prof, size_t n, unsigned char *verdict,
    enum rules_policy policy)
{
	struct fleet_work work[FLEET_MAX_THREADS];
	pthread_t tid[FLEET_MAX_THREADS];
	size_t t, nthreads;
	long ncpu;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nthreads = ncpu < 1 ? 1 : ncpu > FLEET_MAX_THREADS ? FLEET_MAX_THREADS : (size_t)ncpu;
	if (nthreads > n)
		nthreads = n > 0 ? n : 1;
	for (t = 0; t < nthreads; t++) {
		work[t].prof = prof;
		work[t].n = n;
		work[t].verdict = verdict;
		work[t].policy = policy;
		work[t].first = t;
		work[t].step = nthreads;
	}
	for (t = 1; t < nthreads; t++) {
		if (pthread_create(&tid[t], NULL, fleet_order_worker, &work[t]) != 0) {
			/* Do that share here instead. */
			fleet_order_worker(&work[t]);
			tid[t] = 0;
		}
	}
	fleet_order_worker(&work[0]);
	for (t = 1; t < nthreads; t++)
		if (tid[t] != 0)
			pthread_join(tid[t], NULL);
}

/*
 * Compute the order for policy if the partition changed.  Called with the
 * lock held and returns with it held, but drops it while the rules engine
 * runs: readers (targets, host look-ups) never wait for a first groups
 * computation.  Class profiles dropped meanwhile are kept alive (retired)
 * until it ends; the order is taken only if the partition did not change,
 * else computed again (under the lock after a few tries).
 */
static struct fleet_order *
fleet_order_get(struct fleet *f, enum rules_policy policy)
{
	struct fleet_order *o = &f->order[policy == RULES_POLICY_EFFECTIVE ? 1 : 0];
	const struct profile **prof;
	unsigned char *verdict;
	size_t s, n, i, *slot;
	uint64_t gen;
	int tries;

	for (tries = 0; o->generation != f->generation; tries++) {
		slot = xcalloc(f->n_classes ? f->n_classes : 1, sizeof(*slot));
		for (s = n = 0; s < f->n_slots; s++)
			if (f->classes[s].p != NULL)
				slot[n++] = s;
		fleet_sort_ctx = f;
		qsort(slot, n, sizeof(*slot), fleet_slot_cmp);
		prof = xcalloc(n ? n : 1, sizeof(*prof));
		for (i = 0; i < n; i++)
			prof[i] = f->classes[slot[i]].p;
		verdict = xcalloc(FLEET_NSCENARIOS * n * n + 1, 1);
		gen = f->generation;
		if (tries < 3) {
			f->computing++;
			pthread_mutex_unlock(&f->lock);
			fleet_order_compute(prof, n, verdict, policy);
			pthread_mutex_lock(&f->lock);
			if (--f->computing == 0) {
				for (i = 0; i < f->n_retired; i++)
					profile_free(f->retired[i]);
				f->n_retired = 0;
			}
		} else {
			fleet_order_compute(prof, n, verdict, policy);
		}
		free(prof);
		if (gen != f->generation) {
			/* The partition changed meanwhile: the slots may be stale. */
			free(slot);
			free(verdict);
			continue;
		}
		free(o->slot);
		free(o->verdict);
		free(o->text[0]);
		free(o->text[1]);
		o->text[0] = o->text[1] = NULL;
		o->slot = slot;
		o->verdict = verdict;
		o->n = n;
		o->generation = gen;
	}
	return o;
}

char *
fleet_groups(struct fleet *f, enum rules_policy policy, int with_hosts, size_t *len)
{
	struct fleet_order *o;
	struct jbuf out;
	size_t i, j, k, sc, n;
	char *text;
	int first;

	/* One computation at a time; the fleet's lock is dropped while it runs. */
	pthread_mutex_lock(&f->order_mu);
	pthread_mutex_lock(&f->lock);
	o = fleet_order_get(f, policy);
	n = o->n;
	with_hosts = with_hosts != 0;
	if (o->text[with_hosts] != NULL) {
		/* Written before for this partition: a copy is all it takes. */
		text = xmalloc(o->len[with_hosts] + 1);
		memcpy(text, o->text[with_hosts], o->len[with_hosts] + 1);
		if (len != NULL)
			*len = o->len[with_hosts];
		pthread_mutex_unlock(&f->lock);
		pthread_mutex_unlock(&f->order_mu);
		return text;
	}
	jbuf_init(&out);
	jbuf_printf(&out, "{\"generation\":%" PRIu64 ",\"policy\":\"%s\",\"hosts\":%zu,"
	    "\"n_classes\":%zu,\"classes\":[", f->generation, rules_policy_name(policy), f->n_hosts, n);
	for (i = 0; i < n; i++) {
		const struct fleet_class *c = &f->classes[o->slot[i]];

		jbuf_printf(&out, "%s{\"class\":%zu,\"hash\":", i > 0 ? "," : "", i);
		jbuf_str(&out, c->p->hash);
		jbuf_puts(&out, ",\"cpu\":");
		jbuf_str(&out, c->p->cpu.model_name);
		jbuf_puts(&out, ",\"kernel\":");
		jbuf_str(&out, c->p->kernel);
		jbuf_printf(&out, ",\"hosts\":%zu", c->n);
		if (with_hosts) {
			jbuf_puts(&out, ",\"host_ids\":[");
			for (k = 0; k < c->n; k++) {
				if (k > 0)
					jbuf_add(&out, ",", 1);
				jbuf_str(&out, f->hosts[c->hosts[k]].id);
			}
			jbuf_puts(&out, "]");
		}
		jbuf_puts(&out, "}");
	}
	jbuf_puts(&out, "],\"order\":{");
	for (sc = 0; sc < FLEET_NSCENARIOS; sc++) {
		jbuf_printf(&out, "%s\"%s\":[", sc > 0 ? "," : "",
		    vmspec_scenario_name((enum vmspec_scenario)sc));
		for (i = 0; i < n; i++) {
			const unsigned char *row = o->verdict + (sc * n + i) * n;

			jbuf_printf(&out, "%s{\"class\":%zu,\"to\":[", i > 0 ? "," : "", i);
			first = 1;
			for (j = 0; j < n; j++) {
				if (j == i || row[j] != RULES_COMPATIBLE)
					continue;
				jbuf_printf(&out, first ? "%zu" : ",%zu", j);
				first = 0;
			}
			jbuf_puts(&out, "],\"unknown\":[");
			first = 1;
			for (j = 0; j < n; j++) {
				if (j == i || row[j] != RULES_UNKNOWN)
					continue;
				jbuf_printf(&out, first ? "%zu" : ",%zu", j);
				first = 0;
			}
			jbuf_puts(&out, "]}");
		}
		jbuf_puts(&out, "]");
	}
	jbuf_puts(&out, "}}");
	o->text[with_hosts] = jbuf_steal(&out, &o->len[with_hosts]);
	text = xmalloc(o->len[with_hosts] + 1);
	memcpy(text, o->text[with_hosts], o->len[with_hosts] + 1);
	if (len != NULL)
		*len = o->len[with_hosts];
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_unlock(&f->order_mu);
	return text;
}
