/*
 * acache.h - compat answers by what decides them: the JSON text of the
 * rules engine's answer, keyed by both profile hashes, the VM spec and the
 * policy.  Profiles are content-addressed, so an entry never goes stale;
 * the cache is a fixed number of slots (a new answer replaces the one in
 * its slot) within a byte budget, so memory stays bounded.  Shared by the
 * threads of the API: every function locks inside.
 */
#ifndef MIGCOMPAT_ACACHE_H
#define MIGCOMPAT_ACACHE_H

#include <stddef.h>

/* Answers longer than this are not kept. */
#define ACACHE_MAX_TEXT	(64u * 1024)

struct acache;

/* A new, empty cache of nslots slots (at least 1) keeping at most max_bytes of text. */
struct acache *acache_new(size_t nslots, size_t max_bytes);

/* Free the cache.  NULL is fine. */
void acache_free(struct acache *c);

/* A copy of the text stored under key (caller frees), or NULL. */
char *acache_get(struct acache *c, const char *key);

/* Keep a copy of text under key (unless it is over ACACHE_MAX_TEXT). */
void acache_put(struct acache *c, const char *key, const char *text);

/* Lookups answered from the cache, and all lookups. */
void acache_stats(struct acache *c, unsigned long long *hits, unsigned long long *lookups);

#endif
