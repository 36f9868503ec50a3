/*
 * test-concurrent.c - the store and the fleet index under concurrent
 * readers and writers in one process, as migcompatd runs them: a writer
 * thread and a second writing connection (the collection) on one SQLite
 * file in WAL mode, readers each on their own connection; writers and
 * readers of targets and groups sharing one fleet index.  Every call must
 * succeed (or say the host is unknown), and the end state must be exactly
 * what was written.  Run under ThreadSanitizer by the tsan pass of
 * tests/run.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleet.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "store.h"
#include "synth.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"

#define TC_PROFILES	12
#define TC_HOSTS	40
#define TC_ROUNDS	60
#define TC_READERS	3

static char dir[] = "/tmp/test-concurrent.XXXXXX";
static char dbpath[1100];
static struct profile *prof[TC_PROFILES];
static struct fleet *fleet;
static int writers_done;	/* atomic */
static int writer_rounds;	/* rounds the writer completed (atomic) */
static uint64_t deadline_ns;	/* writers start no round after this, past round 4 */
static int failures;		/* atomic */

static void
tc_fail(const char *who, const char *err)
{
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	tap_diag("%s: %s", who, err);
}

/*
 * Another round?  At most TC_ROUNDS, and none started past the deadline
 * once four (a batch among them) are done: under valgrind, which runs one
 * thread at a time, the same rounds take minutes.
 */
static int
tc_more(int r)
{
	return r < TC_ROUNDS && (r < 4 || util_now_ns() < deadline_ns);
}

static int
tc_done(void)
{
	return __atomic_load_n(&writers_done, __ATOMIC_ACQUIRE) == 2;
}

/* Host h's profile after round r (the last round decides the end state). */
static const struct profile *
tc_profile(int h, int r)
{
	return prof[(h * 5 + r * 3) % TC_PROFILES];
}

/* The writer thread: single puts and batches, the fleet index kept in line. */
static void *
tc_writer(void *arg)
{
	struct store_put_item items[8];
	char err[512], ids[8][32], id[32];
	struct store *s;
	int64_t version;
	int r, h, k, created;

	(void)arg;
	if ((s = store_open(dbpath, err, sizeof(err))) == NULL) {
		tc_fail("writer open", err);
		goto cleanup;
	}
	for (r = 0; tc_more(r); r++) {
		if (r % 4 == 3) {
			for (k = 0; k < 8; k++) {
				h = (r * 8 + k) % TC_HOSTS;
				snprintf(ids[k], sizeof(ids[k]), "h%02d", h);
				items[k] = (struct store_put_item){ ids[k], tc_profile(h, r), 0, 0, 0 };
			}
			if (store_put_batch(s, items, 8, 1000 + r, err, sizeof(err)) == -1)
				tc_fail("writer batch", err);
			for (k = 0; k < 8; k++)
				if (fleet_set_host(fleet, ids[k], items[k].p, err, sizeof(err)) == -1)
					tc_fail("writer fleet", err);
			continue;
		}
		for (h = r % 2; h < TC_HOSTS; h += 2) {
			snprintf(id, sizeof(id), "h%02d", h);
			if (store_put(s, id, tc_profile(h, r), 1000 + r, &version, &created, err,
			    sizeof(err)) == -1)
				tc_fail("writer put", err);
			if (fleet_set_host(fleet, id, tc_profile(h, r), err, sizeof(err)) == -1)
				tc_fail("writer fleet", err);
		}
	}
	__atomic_store_n(&writer_rounds, r, __ATOMIC_RELEASE);
cleanup:
	store_close(s);
	__atomic_add_fetch(&writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The collection: another connection writing this host and marking stale ones. */
static void *
tc_collector(void *arg)
{
	char err[512];
	struct store *s;
	int64_t version;
	int r, created;

	(void)arg;
	if ((s = store_open(dbpath, err, sizeof(err))) == NULL) {
		tc_fail("collector open", err);
		goto cleanup;
	}
	for (r = 0; tc_more(r); r++) {
		if (store_put(s, "self", prof[r % TC_PROFILES], 1000 + r, &version, &created, err,
		    sizeof(err)) == -1)
			tc_fail("collector put", err);
		if (store_meta_set(s, "bench", r % 2 ? "odd" : "even", err, sizeof(err)) == -1)
			tc_fail("collector meta", err);
		if (store_set_stale(s, "h00", r % 2 ? 500 : 0, err, sizeof(err)) == -1)
			tc_fail("collector stale", err);
	}
cleanup:
	store_close(s);
	__atomic_add_fetch(&writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
tc_count_host(const struct store_host *h, void *arg)
{
	(void)h;
	(*(size_t *)arg)++;
	return 0;
}

/* A reader: its own connection, and the shared fleet index. */
static void *
tc_reader(void *arg)
{
	uintptr_t me = (uintptr_t)arg;
	uint64_t seed = 0x5eed + me;
	int64_t hosts, versions, blobs;
	struct store_host h;
	struct store *s;
	struct vmspec vm;
	char err[512], id[32], *text;
	size_t n, len;
	int loops = 0;

	if ((s = store_open(dbpath, err, sizeof(err))) == NULL) {
		tc_fail("reader open", err);
		return NULL;
	}
	vmspec_init(&vm, VMSPEC_NESTED);
	while (!tc_done() || loops < 5) {
		snprintf(id, sizeof(id), "h%02d", (int)(synth_rand(&seed) % TC_HOSTS));
		if (store_get_host(s, id, &h, err, sizeof(err)) == -1 && errno != ENOENT)
			tc_fail("reader get", err);
		n = 0;
		if (store_each_host(s, tc_count_host, &n, err, sizeof(err)) == -1)
			tc_fail("reader each", err);
		if (store_counts(s, &hosts, NULL, &versions, &blobs, err, sizeof(err)) == -1)
			tc_fail("reader counts", err);
		if ((text = store_get_blob(s, prof[me % TC_PROFILES]->hash, &len, err, sizeof(err))) ==
		    NULL && errno != ENOENT)
			tc_fail("reader blob", err);
		free(text);
		/* The fleet index: targets of a host that may not be there yet, groups. */
		text = fleet_targets(fleet, id, &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
		free(text);
		if (me == 0 && (text = fleet_groups(fleet, RULES_POLICY_STRICT, loops % 2, &len)) != NULL)
			free(text);
		else if (me == 0)
			tc_fail("reader groups", "no answer");
		loops++;
		/* Leave the writers room where threads take turns (valgrind). */
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	store_close(s);
	return NULL;
}

int
main(void)
{
	pthread_t w, c, rd[TC_READERS];
	struct profile **dumps = NULL, *tmp;
	struct store_host h;
	struct store *s;
	char err[768], id[32], hash[80], *text;
	int ndumps, i, ok;
	size_t t, len;

	log_init("test-concurrent", LOG_LEVEL_WARNING);
	if ((ndumps = synth_load_dumps(tap_fixtures(), &dumps)) < 4) {
		tap_skip("no fixture dumps under %s", tap_fixtures());
		return tap_done();
	}
	/* Profiles as uploads parse them: hashed. */
	for (i = 0; i < TC_PROFILES; i++) {
		tmp = profile_new();
		synth_build(tmp, dumps[i % ndumps], synth_kernels[i % synth_nkernels], i % SYNTH_NVARIANTS);
		text = profile_to_string(tmp, 0);
		prof[i] = profile_new();
		if (profile_parse(text, strlen(text), prof[i], err, sizeof(err)) == -1)
			tap_diag("profile %d: %s", i, err);
		free(text);
		profile_free(tmp);
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/store.db", dir);
	s = store_open(dbpath, err, sizeof(err));
	tap_ok(s != NULL, "the store opens: %s", s == NULL ? err : "");
	fleet = fleet_new();

	deadline_ns = util_now_ns() + 8000000000ull;
	pthread_create(&w, NULL, tc_writer, NULL);
	pthread_create(&c, NULL, tc_collector, NULL);
	for (t = 0; t < TC_READERS; t++)
		pthread_create(&rd[t], NULL, tc_reader, (void *)(uintptr_t)t);
	pthread_join(w, NULL);
	pthread_join(c, NULL);
	for (t = 0; t < TC_READERS; t++)
		pthread_join(rd[t], NULL);
	tap_ok(__atomic_load_n(&failures, __ATOMIC_RELAXED) == 0,
	    "two writers (%d rounds) and %d readers: every call succeeded",
	    __atomic_load_n(&writer_rounds, __ATOMIC_ACQUIRE), TC_READERS);

	/* The end state is the last round each host was written in. */
	ok = 1;
	for (i = 0; i < TC_HOSTS; i++) {
		int r, last = -1;

		for (r = 0; r < __atomic_load_n(&writer_rounds, __ATOMIC_ACQUIRE); r++)
			if (r % 4 == 3 ? ((i - r * 8 % TC_HOSTS + TC_HOSTS) % TC_HOSTS) < 8 : i % 2 == r % 2)
				last = r;
		snprintf(id, sizeof(id), "h%02d", i);
		if (last < 0)
			continue;
		if (s == NULL || store_get_host(s, id, &h, err, sizeof(err)) == -1 ||
		    strcmp(h.cur.hash, tc_profile(i, last)->hash) != 0 ||
		    fleet_host_hash(fleet, id, hash, sizeof(hash)) == -1 ||
		    strcmp(hash, tc_profile(i, last)->hash) != 0) {
			tap_diag("%s: not the profile of round %d", id, last);
			ok = 0;
		}
	}
	tap_ok(ok, "store and fleet index hold each host's last write");
	text = fleet_groups(fleet, RULES_POLICY_STRICT, 1, &len);
	tap_ok(text != NULL && len > 0, "groups after the writers: %zu bytes", len);
	free(text);

	store_close(s);
	fleet_free(fleet);
	for (i = 0; i < TC_PROFILES; i++)
		profile_free(prof[i]);
	synth_free_dumps(dumps, ndumps);
	snprintf(err, sizeof(err), "%s/store.db", dir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/store.db-wal", dir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/store.db-shm", dir);
	unlink(err);
	rmdir(dir);
	return tap_done();
}
