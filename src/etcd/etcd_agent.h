/*
 * etcd_agent.h - a host's side of the fleet store on etcd: publish this
 * host's profile under PREFIX/hosts/ID with a lease and keep the lease
 * alive while the agent runs.
 *
 * The agent has its own thread and its own etcd client.  A published
 * profile is put until etcd acknowledges it, however long etcd is away; a
 * newer profile replaces one not yet acknowledged.  If the lease expired
 * anyway (etcd unreachable for longer than the TTL), the agent grants a new
 * one and puts the profile again.  The keep-alive runs every third of the
 * TTL, and each request to a member gets at most a sixth of it (1 to 5 s)
 * before the next member is tried.  Stopping the agent leaves the lease to
 * expire, so a quick restart does not make the host stale.
 */
#ifndef MIGCOMPAT_ETCD_AGENT_H
#define MIGCOMPAT_ETCD_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

struct etcd_agent;

/*
 * Start the agent of host_id under prefix with a lease of ttl seconds
 * (at least 2).  c is copied; its retry_ms is ignored (the agent retries
 * until it is freed).  Returns NULL with a message on a bad configuration.
 */
struct etcd_agent *etcd_agent_new(const struct etcd_conf *c, const char *prefix,
    const char *host_id, unsigned ttl, char *err, size_t errsize);

/*
 * Stop the agent thread (within about a second, even with etcd away) and
 * free it.  NULL is fine.
 */
void etcd_agent_free(struct etcd_agent *a);

/*
 * Hand the agent a new profile JSON (copied).  Returns at once with the
 * generation number of this profile, for etcd_agent_wait().
 */
uint64_t etcd_agent_publish(struct etcd_agent *a, const char *json, size_t len);

/*
 * Wait up to timeout_ms for generation gen (or a later one) to be
 * acknowledged by etcd.  Returns 0 and the revision of the write in *rev
 * (if not NULL), or -1 with errno ETIMEDOUT.
 */
int etcd_agent_wait(struct etcd_agent *a, uint64_t gen, unsigned timeout_ms, int64_t *rev);

/* The current lease id (0: none yet or expired). */
int64_t etcd_agent_lease(struct etcd_agent *a);

struct etcd_agent_status {
	int published;		/* the latest profile is acknowledged */
	int64_t revision;	/* of the last acknowledged write, 0 none */
	int64_t lease;		/* 0: none yet or expired */
};

/* Copy the current status. */
void etcd_agent_status(struct etcd_agent *a, struct etcd_agent_status *st);

#endif
