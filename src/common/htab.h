/*
 * htab.h - a string-keyed hash table: open addressing with linear probing,
 * doubling when three quarters full, removal by shifting the rest of the
 * probe run back (no tombstones, so lookups never slow down with churn).
 *
 * The table borrows its keys: a key must stay valid and unchanged while it
 * is in the table (typically it lives in the value).  Values are opaque
 * pointers, or small integers through htab_put_idx/htab_get_idx.  Not
 * locked: callers that share a table between threads hold their own lock
 * around every call.  An empty table holds no memory; a zeroed struct htab
 * is an empty table.
 */
#ifndef MIGCOMPAT_HTAB_H
#define MIGCOMPAT_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab {
	struct htab_slot {
		const char *key;	/* NULL: empty */
		uint32_t h;		/* low 32 bits of the key's hash */
		union {
			void *ptr;
			size_t idx;
		} v;
	} *slot;
	size_t cap;			/* 0 or a power of two */
	size_t n;			/* keys held */
};

/* An empty table (the same as zeroing it). */
void htab_init(struct htab *t);

/* Free the slots and leave t empty; keys and values are the caller's. */
void htab_free(struct htab *t);

/* Keys held. */
size_t htab_count(const struct htab *t);

/* The value stored under key, or NULL when absent. */
void *htab_get(const struct htab *t, const char *key);

/* 0 with the index stored under key in *idx, or -1 when absent. */
int htab_get_idx(const struct htab *t, const char *key, size_t *idx);

/* Store val under key, replacing the value of an equal key (and its key pointer). */
void htab_put(struct htab *t, const char *key, void *val);

/* Store the index idx under key, replacing the value of an equal key. */
void htab_put_idx(struct htab *t, const char *key, size_t idx);

/*
 * Remove key: 0 if it was there, -1 if not.  Iteration positions taken
 * before a removal are no longer valid.
 */
int htab_del(struct htab *t, const char *key);

/*
 * Iterate: start with *pos = 0; each call gives the next key and its slot
 * (read its value as s->v.ptr or s->v.idx) and returns 0, then -1 at the
 * end.  The order is the table's, unrelated to insertion.  The table must
 * not change during an iteration.
 */
int htab_next(const struct htab *t, size_t *pos, const struct htab_slot **s);

#endif
