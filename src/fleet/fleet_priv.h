/*
 * fleet_priv.h - what the files of the fleet index share: its structures
 * (fleet.c the hosts and classes, fleet_targets.c the targets cache,
 * fleet_groups.c the order) and the helpers one file gives another.
 */
#ifndef MIGCOMPAT_FLEET_PRIV_H
#define MIGCOMPAT_FLEET_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "htab.h"
#include "profile.h"

#define FLEET_NSCENARIOS	4
#define FLEET_NPOLICIES		2
#define FLEET_MAX_THREADS	8
/*
 * Targets answers kept per (source class, VM, policy), least recently used
 * replaced.  Enough for the source classes a busy fleet asks about in turn:
 * with fewer entries than distinct questions asked in a cycle, LRU misses
 * every time (32 against the benchmark's 41 hosts did).  Each holds a
 * verdict byte and at most one reason per class.
 */
#define FLEET_TCACHE		64

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
	struct htab host_map;		/* host id -> index into hosts */
	struct htab class_map;		/* profile hash -> class slot */
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

/*
 * The JSON of the host ids of class slot ("a","b"), written once per change
 * of its hosts and kept; its length in *len.  The caller holds the lock.
 */
const char *fleet_class_ids(struct fleet *f, size_t slot, size_t *len);

/*
 * The order of the classes for policy (fleet_groups.c), computed if the
 * partition changed: class number i is slot o->slot[i], and
 * o->verdict[(sc * n + i) * n + j] the verdict of scenario sc from class i
 * to class j.  The caller holds order_mu and the lock; the lock is dropped
 * and taken again while the rules engine runs.
 */
struct fleet_order *fleet_groups_order(struct fleet *f, enum rules_policy policy);

/* Free what a targets cache entry holds and zero it. */
void fleet_targets_clear(struct fleet_tentry *e);

#endif
