/*
 * push.h - push this host's profile to the fleet: PUT /v1/hosts/ID on
 * every configured peer, retried with exponential backoff until it is
 * accepted or a newer profile replaces it.  The pushes run on a thread of
 * their own, so an unreachable peer never delays the daemon's main loop
 * (signals, reloads, collection).
 */
#ifndef MIGCOMPAT_PUSH_H
#define MIGCOMPAT_PUSH_H

#include <stddef.h>
#include <stdint.h>

struct push;

/* Backoff between attempts: PUSH_BACKOFF_MIN doubling up to PUSH_BACKOFF_MAX seconds. */
#define PUSH_BACKOFF_MIN	1
#define PUSH_BACKOFF_MAX	300

/*
 * A fleet pushing to nothing yet, with its own thread: every transfer runs
 * there (libcurl multi in its own poll), never on the caller's.  count, if
 * not NULL, is called from that thread once per attempt with ok nonzero on
 * success.  Returns NULL with a message in err.
 */
struct push *push_new(void (*count)(void *arg, int ok), void *arg, char *err, size_t errsize);

/*
 * Stop the thread, abandoning transfers in flight (at once, whatever the
 * peers do), and free everything.  NULL is fine.
 */
void push_free(struct push *f);

/*
 * Set the peers (base URLs such as "http://fleet:7480" or "https://..."),
 * the bearer token, the CA file that verifies HTTPS peers (NULL or "": the
 * system's CAs) and a client certificate and its key (NULL or "": none).
 * A pending profile is kept and pushed to the new peers; transfers in
 * flight to the old peers are abandoned.  Any thread.
 */
void push_configure(struct push *f, char *const *urls, size_t n, const char *token,
    const char *cacert, const char *cert, const char *key);

/* Queue json (a profile) for host_id to every peer, due now.  Any thread. */
void push_submit(struct push *f, const char *host_id, const char *json);

#endif
