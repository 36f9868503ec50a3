/*
 * push.h - push this host's profile to the fleet: PUT /v1/hosts/ID on
 * every configured peer, retried with exponential backoff until it is
 * accepted or a newer profile replaces it.
 */
#ifndef MIGCOMPAT_PUSH_H
#define MIGCOMPAT_PUSH_H

#include <stddef.h>
#include <stdint.h>

struct push;

/* Backoff between attempts: PUSH_BACKOFF_MIN doubling up to PUSH_BACKOFF_MAX seconds. */
#define PUSH_BACKOFF_MIN	1
#define PUSH_BACKOFF_MAX	300

/* A fleet pushing to nothing yet. */
struct push *push_new(void);

/* Free everything.  NULL is fine. */
void push_free(struct push *f);

/*
 * Set the peers (base URLs such as "http://fleet:7480") and the bearer
 * token.  A pending profile is kept and pushed to the new peers.
 */
void push_configure(struct push *f, char *const *urls, size_t n, const char *token);

/* Queue json (a profile) for host_id to every peer, due now. */
void push_submit(struct push *f, const char *host_id, const char *json);

/*
 * Push to every peer that is due at now_ns (util_now_ns clock).  count, if
 * not NULL, is called once per attempt with ok nonzero on success.
 */
void push_run(struct push *f, uint64_t now_ns, void (*count)(void *arg, int ok), void *arg);

/*
 * Milliseconds from now_ns until the next push is due (0: now), or -1 if
 * nothing is pending.
 */
int64_t push_next_ms(const struct push *f, uint64_t now_ns);

/*
 * PUT body to url with "Authorization: Bearer token" (token may be NULL)
 * and Content-Type application/json.  Returns the HTTP status, or -1 with
 * a message in err when no answer came.  Shared with the CLI.
 */
long push_put(const char *url, const char *token, const char *body, size_t len,
    char *err, size_t errsize);

#endif
