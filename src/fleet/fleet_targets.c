/*
 * fleet_targets.c - where a host's VMs may go (fleet_targets): each class
 * judged once per question and kept per (source, VM, policy) until the
 * partition changes; the answer concatenates each class's host ids.
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
#include "fleet_priv.h"
#include "jbuf.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

void
fleet_targets_clear(struct fleet_tentry *e)
{
	size_t i;

	if (e->reason != NULL)
		for (i = 0; i < e->n; i++)
			json_object_put(e->reason[i]);
	free(e->reason);
	free(e->verdict);
	memset(e, 0, sizeof(*e));
}

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
fleet_targets_blocks_free(struct fleet_blocks *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->v[i].key);
		json_object_put(b->v[i].reason);
	}
	free(b->v);
}

static const char *
fleet_targets_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/* Count a class that fails under its first reason r (may be NULL). */
static void
fleet_targets_blocks_add(struct fleet_blocks *b, struct json_object *r, size_t hosts)
{
	char *key;
	size_t i;

	if (r != NULL && json_object_is_type(r, json_type_object))
		key = xasprintf("%s|%s|%s|%s|%s", fleet_targets_field(r, "layer"), fleet_targets_field(r, "msr"),
		    fleet_targets_field(r, "bit"), fleet_targets_field(r, "name"), fleet_targets_field(r, "rule"));
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
fleet_targets_block_cmp(const void *a, const void *b)
{
	const struct fleet_block *x = a, *y = b;

	if (x->hosts != y->hosts)
		return x->hosts > y->hosts ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Write a blocks list as JSON: each first reason with its counts. */
static void
fleet_targets_blocks_write(struct jbuf *out, struct fleet_blocks *b)
{
	size_t i;

	if (b->n > 1)	/* b->v is NULL when nothing blocks: qsort wants an array. */
		qsort(b->v, b->n, sizeof(*b->v), fleet_targets_block_cmp);
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
fleet_targets_entry_get(struct fleet *f, const struct profile *src, const struct vmspec *vm,
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
		fleet_targets_clear(e);
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

	if (exclude_id != NULL && htab_get_idx(&f->host_map, exclude_id, &excl) == -1)
		excl = SIZE_MAX;
	e = fleet_targets_entry_get(f, src, vm, policy);
	for (s = 0; s < f->n_slots; s++) {
		struct fleet_class *c = &f->classes[s];

		if (c->p == NULL)
			continue;
		nh = c->n - (excl != SIZE_MAX && f->hosts[excl].cls == s ? 1 : 0);
		if (e->verdict[s] == FLEET_TV_NONE) {
			/* Not asked yet for this class: the fast path, then the first reason. */
			e->verdict[s] = (unsigned char)rules_verdict_of(src, c->p, vm, policy);
			if (e->verdict[s] != RULES_COMPATIBLE)
				e->reason[s] = rules_first_reason_json(src, c->p, vm, policy);
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
			fleet_targets_blocks_add(&unknown, e->reason[s], nh);
			n_unknown += nh;
			n_uclasses++;
		} else {
			fleet_targets_blocks_add(&blocked, e->reason[s], nh);
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
	fleet_targets_blocks_write(&out, &blocked);
	jbuf_printf(&out, ",\"unknown\":{\"hosts\":%zu,\"classes\":%zu,\"reasons\":", n_unknown,
	    n_uclasses);
	fleet_targets_blocks_write(&out, &unknown);
	jbuf_puts(&out, "}}");
	fleet_targets_blocks_free(&blocked);
	fleet_targets_blocks_free(&unknown);
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
	if (htab_get_idx(&f->host_map, src_id, &h) == -1) {
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
