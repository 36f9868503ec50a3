/*
 * test-htab.c - the string-keyed hash table: insert, replace, lookup,
 * removal (with the probe runs it shifts back), growth, colliding keys,
 * index values and iteration, checked against a plain array of the keys.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "tap.h"
#include "util.h"

#define NKEYS	5000

static char keys[NKEYS][16];
static int present[NKEYS];

/* Every key present is found with its value, every other one is not; the count agrees. */
static int
htab_agrees(const struct htab *t, const char *what)
{
	size_t i, n = 0, idx;
	int bad = 0;

	for (i = 0; i < NKEYS; i++) {
		if (present[i]) {
			n++;
			if (htab_get(t, keys[i]) != (void *)keys[i])
				bad++;
		} else if (htab_get(t, keys[i]) != NULL || htab_get_idx(t, keys[i], &idx) == 0) {
			bad++;
		}
	}
	return tap_ok(bad == 0 && htab_count(t) == n, "%s: %zu keys found, the others absent (%d wrong)",
	    what, n, bad);
}

/* Keys of the same slot in a table of cap slots as key 0 (their low bits agree). */
static size_t
same_home(size_t cap, size_t *out, size_t max)
{
	uint32_t home = (uint32_t)util_hash_str(keys[0]) & (cap - 1);
	size_t i, n = 0;

	for (i = 0; i < NKEYS && n < max; i++)
		if (((uint32_t)util_hash_str(keys[i]) & (cap - 1)) == home)
			out[n++] = i;
	return n;
}

int
main(void)
{
	struct htab t = { 0 }, u;
	const struct htab_slot *s;
	size_t i, n, pos, idx, run[8], seen_n;
	unsigned char *seen;
	int bad;

	for (i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "host-%zu", i);

	/* Empty. */
	tap_ok(htab_count(&t) == 0 && htab_get(&t, "x") == NULL && htab_del(&t, "x") == -1 &&
	    htab_get_idx(&t, "x", &idx) == -1, "an empty table finds nothing and removes nothing");
	pos = 0;
	tap_ok(htab_next(&t, &pos, &s) == -1, "an empty table iterates over nothing");
	htab_init(&u);
	tap_ok(u.slot == NULL && u.cap == 0 && htab_count(&u) == 0, "htab_init gives an empty table");

	/* Insert, growing from 64 slots to many. */
	for (i = 0; i < NKEYS; i++) {
		htab_put(&t, keys[i], keys[i]);
		present[i] = 1;
	}
	htab_agrees(&t, "after inserting all");
	tap_ok(t.cap >= NKEYS * 4 / 3 && (t.cap & (t.cap - 1)) == 0,
	    "grown to %zu slots, a power of two, at most three quarters full", t.cap);

	/* Replace: same count, new value, the new key pointer kept. */
	{
		char copy[16];

		memcpy(copy, keys[7], sizeof(copy));
		htab_put(&t, copy, keys[8]);
		tap_ok(htab_count(&t) == NKEYS && htab_get(&t, keys[7]) == (void *)keys[8],
		    "putting an equal key replaces its value");
		htab_put(&t, keys[7], keys[7]);
		tap_ok(htab_get(&t, copy) == (void *)keys[7], "and once more back");
	}

	/* Remove every third key, then check every key. */
	bad = 0;
	for (i = 0; i < NKEYS; i += 3) {
		if (htab_del(&t, keys[i]) != 0)
			bad++;
		present[i] = 0;
	}
	tap_ok(bad == 0, "removing present keys answers 0");
	tap_ok(htab_del(&t, keys[0]) == -1 && htab_del(&t, "absent") == -1,
	    "removing an absent key answers -1");
	htab_agrees(&t, "after removing a third");

	/* Iterate: each present key exactly once. */
	seen = calloc(NKEYS, 1);
	pos = 0;
	seen_n = 0;
	bad = 0;
	while (htab_next(&t, &pos, &s) == 0) {
		i = (size_t)((const char (*)[16])s->v.ptr - keys);
		if (i >= NKEYS || !present[i] || seen[i]++ || strcmp(s->key, keys[i]) != 0)
			bad++;
		seen_n++;
	}
	tap_ok(bad == 0 && seen_n == htab_count(&t), "iteration gives each of the %zu keys once",
	    seen_n);
	free(seen);

	/* Remove all: empty again, and usable again. */
	for (i = 0; i < NKEYS; i++) {
		if (present[i])
			htab_del(&t, keys[i]);
		present[i] = 0;
	}
	htab_agrees(&t, "after removing all");
	htab_put(&t, keys[1], keys[1]);
	present[1] = 1;
	htab_agrees(&t, "one key put back");
	htab_free(&t);
	tap_ok(t.slot == NULL && htab_count(&t) == 0 && htab_get(&t, keys[1]) == NULL,
	    "htab_free leaves an empty table");
	present[1] = 0;

	/*
	 * Collisions: keys sharing a home slot of a 64-slot table form one
	 * probe run; removing from its head, middle and end must shift the
	 * rest back so that every one is still found.
	 */
	n = same_home(64, run, 8);
	tap_ok(n == 8, "8 keys share a home slot in 64 slots");
	for (i = 0; i < n; i++) {
		htab_put(&t, keys[run[i]], keys[run[i]]);
		present[run[i]] = 1;
	}
	tap_ok(t.cap == 64, "still 64 slots with %zu keys", n);
	htab_agrees(&t, "a run of colliding keys");
	htab_del(&t, keys[run[0]]);
	present[run[0]] = 0;
	htab_agrees(&t, "its head removed");
	htab_del(&t, keys[run[4]]);
	present[run[4]] = 0;
	htab_agrees(&t, "its middle removed");
	htab_del(&t, keys[run[7]]);
	present[run[7]] = 0;
	htab_agrees(&t, "its end removed");

	/* A run wrapping past the last slot: keys whose home is slot 63. */
	for (i = 0; i < NKEYS; i++)
		if (present[i]) {
			htab_del(&t, keys[i]);
			present[i] = 0;
		}
	for (i = n = 0; i < NKEYS && n < 6; i++) {
		if (((uint32_t)util_hash_str(keys[i]) & 63) >= 62) {
			htab_put(&t, keys[i], keys[i]);
			present[i] = 1;
			run[n++] = i;
		}
	}
	tap_ok(n == 6 && t.cap == 64, "6 keys homed in the last two slots wrap to the first");
	htab_agrees(&t, "a wrapping run");
	htab_del(&t, keys[run[1]]);
	present[run[1]] = 0;
	htab_agrees(&t, "a wrapping run, one removed");
	htab_del(&t, keys[run[0]]);
	present[run[0]] = 0;
	htab_agrees(&t, "a wrapping run, two removed");
	htab_free(&t);
	memset(present, 0, sizeof(present));

	/* Index values, 0 included. */
	for (i = 0; i < 1000; i++)
		htab_put_idx(&t, keys[i], i);
	bad = 0;
	for (i = 0; i < 1000; i++)
		if (htab_get_idx(&t, keys[i], &idx) != 0 || idx != i)
			bad++;
	tap_ok(bad == 0 && htab_get_idx(&t, keys[1000], &idx) == -1,
	    "index values come back, 0 included; an absent key is -1");
	htab_free(&t);
	return tap_done();
}
