/*
 * pcache.h - parsed profiles by hash, so a query does not parse JSON.
 *
 * Profiles are immutable per hash, so entries never go stale, and are
 * never evicted.  Shared by the threads of the API: every function locks
 * inside, and a profile is read and parsed outside the lock (through the
 * calling thread's own store connection).
 */
#ifndef MIGCOMPAT_PCACHE_H
#define MIGCOMPAT_PCACHE_H

#include <stddef.h>

#include "profile.h"
#include "store.h"

struct pcache;

/* A new, empty cache. */
struct pcache *pcache_new(void);

/* Free the cache and every profile in it.  NULL is fine. */
void pcache_free(struct pcache *c);

/*
 * The profile with this hash, parsed from the store on first use.  The
 * profile is borrowed (valid until pcache_free) and has no host identity.
 * Returns NULL with a message in err (errno ENOENT: no such blob).
 */
const struct profile *pcache_get(struct pcache *c, struct store *s, const char *hash,
    char *err, size_t errsize);

/* Number of cached profiles. */
size_t pcache_count(struct pcache *c);

#endif
