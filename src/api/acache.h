/*
 * acache.h - compat answers by what decides them: the JSON text of the
 * rules engine's answer, keyed by both profile hashes, the VM spec and the
 * policy.  Profiles are content-addressed, so an entry never goes stale;
 * the cache is a fixed number of slots (a new answer replaces the one in
 * its slot), so memory stays bounded.  Owned by one thread (the API
 * thread).
 */
#ifndef MIGCOMPAT_ACACHE_H
#define MIGCOMPAT_ACACHE_H

#include <stddef.h>

/* Answers longer than this are not kept. */
#define ACACHE_MAX_TEXT	(64u * 1024)

struct acache;

/* A new, empty cache of nslots slots (at least 1). */
struct acache *acache_new(size_t nslots);

/* Free the cache.  NULL is fine. */
void acache_free(struct acache *c);

/* The text stored under key, borrowed until the next acache_put, or NULL. */
const char *acache_get(struct acache *c, const char *key);

/* Keep a copy of text under key (unless it is over ACACHE_MAX_TEXT). */
void acache_put(struct acache *c, const char *key, const char *text);

/* Lookups answered from the cache, and all lookups. */
void acache_stats(const struct acache *c, unsigned long long *hits, unsigned long long *lookups);

#endif
