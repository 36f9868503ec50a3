/*
 * fleet.h - the fleet index: every known host mapped to its equivalence
 * class, the set of hosts whose profiles are identical in everything that
 * matters for compatibility (the profile hash is exactly that key).
 *
 * Fleet-wide questions work on classes, not hosts: a fleet of 100 000
 * hosts collapses into tens or hundreds of classes, so a targets query runs
 * the rules engine once per class and the groups answer (the partition and
 * the partial order between classes) is computed once per change and
 * cached.  The index lives in memory only and is updated incrementally: a
 * host's new profile moves it to another class, and a class whose last host
 * leaves is dropped.
 *
 * Every function takes an internal lock, so one fleet may be shared by the
 * threads of a server.  Answers are returned as allocated JSON text.
 */
#ifndef MIGCOMPAT_FLEET_H
#define MIGCOMPAT_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "rules.h"
#include "vmspec.h"

struct fleet;

/* A new, empty fleet.  Free with fleet_free(). */
struct fleet *fleet_new(void);

/* Free the fleet and every class profile it holds.  NULL is fine. */
void fleet_free(struct fleet *f);

/*
 * Make p the current profile of host_id.  p->hash must be set (profile
 * parsing does).  The fleet keeps its own copy of one profile per class,
 * without host identity; p stays the caller's.  Returns 1 when the host is
 * new or changed class, 0 when its class is the same, -1 with a message
 * in err.
 */
int fleet_set_host(struct fleet *f, const char *host_id, const struct profile *p,
    char *err, size_t errsize);

/* Forget a host.  Returns 0, or -1 if it is unknown. */
int fleet_remove_host(struct fleet *f, const char *host_id);

/* The number of hosts and of classes. */
size_t fleet_host_count(struct fleet *f);
size_t fleet_class_count(struct fleet *f);

/*
 * A counter that changes whenever the partition changes (a host added,
 * removed or moved to another class).
 */
uint64_t fleet_generation(struct fleet *f);

/*
 * Copy the class hash of host_id into hash (at least 80 bytes).  Returns 0,
 * or -1 if the host is unknown.
 */
int fleet_host_hash(struct fleet *f, const char *host_id, char *hash, size_t hashsize);

/*
 * Call fn with the class profile of each listed host, all under the lock
 * (the profiles must not be kept past the call).  profiles[i] belongs to
 * host_ids[i].  Returns fn's result, or -1 with "unknown host ID" in err
 * without calling fn.
 */
int fleet_with_profiles(struct fleet *f, const char *const *host_ids, size_t n,
    int (*fn)(const struct profile *const *profiles, size_t n, void *arg), void *arg,
    char *err, size_t errsize);

/*
 * Every host a VM described by vm can migrate to under policy, from the
 * host src_id (its current profile is the source; the host itself is not
 * listed), as JSON text (caller frees; *len receives its length; each
 * class keeps the JSON of its host ids written, so listing them is a copy):
 * {"source", "source_hash", "scenario", "policy", "hosts", "classes",
 *  "targets": [ID...], "n_targets", "target_classes",
 *  "blocked": [{"layer", "msr", "bit", "name", "rule", "message",
 *               "hosts", "classes"}...],	(by first reason, most hosts first)
 *  "unknown": {"hosts", "classes", "reasons": [...]}}.
 * The rules engine runs once per class (the fast path), and its full answer
 * once for each class that fails.  Returns NULL with a message in err if
 * src_id is unknown.
 */
char *fleet_targets(struct fleet *f, const char *src_id, const struct vmspec *vm,
    enum rules_policy policy, size_t *len, char *err, size_t errsize);

/*
 * The same with an explicit source profile (not necessarily a fleet
 * member); exclude_id, if not NULL, is left out of the targets.
 */
char *fleet_targets_of(struct fleet *f, const struct profile *src, const char *exclude_id,
    const struct vmspec *vm, enum rules_policy policy, size_t *len);

/*
 * The partition of the fleet and the partial order between its classes for
 * every scenario, as JSON text (caller frees):
 * {"generation", "policy", "hosts", "n_classes",
 *  "classes": [{"class", "hash", "cpu", "kernel", "hosts", "host_ids"}...],
 *  "order": {"plain": [{"class", "to": [CLASS...], "unknown": [CLASS...]}...],
 *            "nested": ..., "evmcs": ..., "evmcs-pv": ...}}.
 * Classes are numbered 0..n-1, most hosts first; "to" lists the other
 * classes a VM of that scenario can migrate into.  host_ids are listed
 * only if with_hosts.  The order is computed on the first call after a
 * change (on every CPU this machine has) without holding the lock other
 * calls need, and cached per policy, as is the JSON text.
 */
char *fleet_groups(struct fleet *f, enum rules_policy policy, int with_hosts, size_t *len);

#endif
