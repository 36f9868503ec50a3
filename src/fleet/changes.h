/*
 * changes.h - fleet changes since a time: which hosts' capabilities
 * changed, and what each change did, so that an orchestrator sees the
 * kernel upgrade that shrank a class.  Pure: history entries and a way to
 * find profiles by hash in, JSON out.
 */
#ifndef MIGCOMPAT_CHANGES_H
#define MIGCOMPAT_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct json_object;

/* One new version of a host's profile. */
struct changes_entry {
	const char *host_id;
	int64_t version;
	int64_t time;			/* when it was stored, UNIX seconds */
	const char *old_hash;		/* NULL or "": the host is new */
	const char *new_hash;
};

/*
 * Find the profile with the given hash: returns a profile that stays valid
 * until the changes_json call returns, or NULL if unknown.
 */
typedef const struct profile *(*changes_lookup_fn)(const char *hash, void *arg);

/*
 * The changes as a new JSON object (caller puts it):
 * {"since", "n_changes",
 *  "changes": [{"host", "version", "time", "from", "to", "transition"}...],
 *  "transitions": [{"from", "to", "hosts", "diff"}...]}.
 * Entries are listed as given; each distinct (from, to) pair of hashes is
 * diffed once (pdiff_json) and listed in "transitions", which "transition"
 * indexes.  A new host has "from": null and no diff; a hash lookup cannot
 * find has "diff": null.
 */
struct json_object *changes_json(const struct changes_entry *e, size_t n, int64_t since,
    changes_lookup_fn lookup, void *arg);

#endif
