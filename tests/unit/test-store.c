/*
 * test-store.c - the SQLite store on a real database file: versions,
 * content addressing, history, persistence, schema versions, host ids.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "plibvirt.h"
#include "profile.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-store.XXXXXX";

static int
load(const char *name, struct profile *p)
{
	char path[1024], err[512];
	const char *fx = tap_fixtures();

	snprintf(path, sizeof(path), "%s/%s", fx, name);
	profile_init(p);
	if (profile_load_file(path, p, err, sizeof(err)) == -1) {
		tap_diag("%s", err);
		return -1;
	}
	return 0;
}

static int
count_versions(const struct store_version *v, void *arg)
{
	int64_t *last = arg;

	/* Newest first. */
	if (*last != 0 && v->version >= *last)
		*last = -1000;
	else
		*last = v->version;
	return 0;
}

static int
count_hosts(const struct store_host *h, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	struct profile a, b, back;
	struct store *s;
	struct store_host h;
	struct store_version v;
	char db[256], err[512], host[128], *json;
	int64_t version, hosts, versions, blobs, last = 0;
	size_t len;
	int created, n = 0;
	sqlite3 *raw;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/m.db", dir);
	if (load("vbox/vbox_cpudb_i7-6700K.json", &a) == -1 ||
	    load("vbox/vboxlog_ivybridge_i7-3770_cachyos.json", &b) == -1) {
		tap_ok(0, "fixtures load");
		return tap_done();
	}

	s = store_open(db, err, sizeof(err));
	tap_ok(s != NULL, "store_open creates %s", db);
	if (s == NULL) {
		tap_diag("%s", err);
		return tap_done();
	}
	tap_ok(store_schema_version(s) == STORE_SCHEMA_VERSION, "schema version %d", STORE_SCHEMA_VERSION);

	tap_ok(store_put(s, "h1", &a, 1000, &version, &created, err, sizeof(err)) == 0 &&
	    created == 1 && version == 1, "first upload is version 1");
	tap_ok(store_put(s, "h1", &a, 1001, &version, &created, err, sizeof(err)) == 0 &&
	    created == 0 && version == 1, "same profile again changes nothing");
	tap_ok(store_put(s, "h1", &b, 1002, &version, &created, err, sizeof(err)) == 0 &&
	    created == 1 && version == 2, "changed profile is version 2");
	tap_ok(store_put(s, "h2", &a, 1003, &version, &created, err, sizeof(err)) == 0 &&
	    created == 1 && version == 1, "second host, first version");
	tap_ok(store_put(s, "../x", &a, 1003, &version, &created, err, sizeof(err)) == -1 &&
	    errno == EINVAL, "invalid host id refused");

	hosts = versions = blobs = -1;
	if (store_counts(s, &hosts, NULL, &versions, &blobs, err, sizeof(err)) == -1)
		tap_diag("%s", err);
	tap_ok(hosts == 2 && versions == 3 && blobs == 2,
	    "2 hosts, 3 versions, 2 blobs (content-addressed): %lld %lld %lld",
	    (long long)hosts, (long long)versions, (long long)blobs);

	tap_ok(store_get_host(s, "h1", &h, err, sizeof(err)) == 0 && h.cur.version == 2 &&
	    strcmp(h.cur.hash, b.hash) == 0 && h.first_seen == 1000 && h.last_seen == 1002,
	    "h1 current version, hash and times");
	tap_ok(store_get_version(s, "h1", 1, &v, err, sizeof(err)) == 0 &&
	    strcmp(v.hash, a.hash) == 0 && v.stored_at == 1000, "h1 version 1 kept");
	tap_ok(store_get_version(s, "h1", 3, &v, err, sizeof(err)) == -1 && errno == ENOENT,
	    "missing version is ENOENT");
	tap_ok(store_get_host(s, "nope", &h, err, sizeof(err)) == -1 && errno == ENOENT,
	    "missing host is ENOENT");
	tap_ok(store_each_version(s, "h1", count_versions, &last, err, sizeof(err)) == 0 && last == 1,
	    "history newest first");
	tap_ok(store_each_version(s, "nope", count_versions, &last, err, sizeof(err)) == -1 &&
	    errno == ENOENT, "history of a missing host is ENOENT");
	tap_ok(store_each_host(s, count_hosts, &n, err, sizeof(err)) == 0 && n == 2, "two hosts listed");

	json = store_get_blob(s, a.hash, &len, err, sizeof(err));
	tap_ok(json != NULL && strstr(json, "\"id\":\"\"") != NULL, "blob stored without host identity");
	profile_init(&back);
	tap_ok(json != NULL && profile_parse(json, len, &back, err, sizeof(err)) == 0 &&
	    strcmp(back.hash, a.hash) == 0, "blob parses back to the same hash");
	profile_clear(&back);
	free(json);
	tap_ok(store_get_blob(s, "sha256:none", &len, err, sizeof(err)) == NULL && errno == ENOENT,
	    "missing blob is ENOENT");

	/* Running domains are per host and follow the latest upload. */
	profile_layer_set(&a.libvirt, LAYER_MEASURED, "%s", "");
	plibvirt_list_add(&a.lv.domains, "11111111-2222-3333-4444-555555555555");
	tap_ok(store_put(s, "h2", &a, 1004, &version, &created, err, sizeof(err)) == 0 && created == 0,
	    "domains do not make a new version");
	tap_ok(store_domain_host(s, "11111111-2222-3333-4444-555555555555", NULL, host, sizeof(host),
	    err, sizeof(err)) == 0 && strcmp(host, "h2") == 0, "domain found on h2");
	tap_ok(store_domain_host(s, "11111111-2222-3333-4444-555555555555", "h2", host, sizeof(host),
	    err, sizeof(err)) == -1 && errno == ENOENT, "skip excludes the destination");
	json = store_get_blob(s, a.hash, &len, err, sizeof(err));
	tap_ok(json != NULL && strstr(json, "11111111-2222") == NULL, "domains stay out of the shared blob");
	free(json);
	plibvirt_list_clear(&a.lv.domains);
	tap_ok(store_put(s, "h2", &a, 1005, &version, &created, err, sizeof(err)) == 0 &&
	    store_domain_host(s, "11111111-2222-3333-4444-555555555555", NULL, host, sizeof(host),
	    err, sizeof(err)) == -1 && errno == ENOENT, "a new upload replaces the domain list");

	/* Retiring: history kept, the first time kept, gone from domain lookups, back on upload. */
	{
		struct store_put_item one = { "h2", &a, 0, 0, 0 };
		int64_t since = 0;
		int already = -1;

		plibvirt_list_add(&a.lv.domains, "11111111-2222-3333-4444-555555555555");
		store_put(s, "h2", &a, 1006, &version, &created, err, sizeof(err));
		tap_ok(store_retire(s, "h2", 1007, &since, &already, err, sizeof(err)) == 0 &&
		    since == 1007 && already == 0, "h2 retired at 1007");
		tap_ok(store_get_host(s, "h2", &h, err, sizeof(err)) == 0 && h.retired_at == 1007 &&
		    h.cur.version == 1 && store_each_version(s, "h2", count_versions, &last, err,
		    sizeof(err)) == 0, "a retired host and its history are still read, marked retired");
		tap_ok(store_retire(s, "h2", 1008, &since, &already, err, sizeof(err)) == 0 &&
		    since == 1007 && already == 1, "retired again: already, the first time kept");
		tap_ok(store_retire(s, "nope", 1008, &since, &already, err, sizeof(err)) == -1 &&
		    errno == ENOENT, "retiring an unknown host is ENOENT");
		tap_ok(store_domain_host(s, "11111111-2222-3333-4444-555555555555", NULL, host,
		    sizeof(host), err, sizeof(err)) == -1 && errno == ENOENT,
		    "a retired host's domains are not looked up");
		plibvirt_list_clear(&a.lv.domains);
		tap_ok(store_put_batch(s, &one, 1, 1009, err, sizeof(err)) == 0 && one.was_retired == 1007 &&
		    !one.created && store_get_host(s, "h2", &h, err, sizeof(err)) == 0 && h.retired_at == 0,
		    "an upload brings a retired host back and says since when it was retired");
		one.was_retired = -1;
		tap_ok(store_put_batch(s, &one, 1, 1010, err, sizeof(err)) == 0 && one.was_retired == 0,
		    "the next upload is an ordinary one");
	}

	/* A batch: every host in one transaction, or none. */
	{
		struct store_put_item it[4] = {
			{ "b1", &a, 0, 0, 0 }, { "b2", &b, 0, 0, 0 }, { "b1", &b, 0, 0, 0 }, { "h1", &b, 0, 0, 0 },
		};
		struct store_put_item bad[2] = { { "b3", &a, 0, 0, 0 }, { "b/4", &a, 0, 0, 0 } };
		int64_t h0, v0, bl0;

		tap_ok(store_put_batch(s, it, 4, 2000, err, sizeof(err)) == 0 &&
		    it[0].created && it[0].version == 1 && it[1].created && it[1].version == 1 &&
		    it[2].created && it[2].version == 2 && !it[3].created && it[3].version == 2,
		    "batch: new hosts, a host named twice gets two versions, an unchanged one none");
		store_counts(s, &h0, NULL, &v0, &bl0, err, sizeof(err));
		tap_ok(h0 == 4 && v0 == 6 && bl0 == 2, "batch: 4 hosts, 6 versions, still 2 blobs "
		    "(%lld %lld %lld)", (long long)h0, (long long)v0, (long long)bl0);
		tap_ok(store_put_batch(s, bad, 2, 2001, err, sizeof(err)) == -1 &&
		    strstr(err, "b/4") != NULL && !bad[0].created,
		    "batch with a bad host id refused, naming it (%s)", err);
		tap_ok(store_get_host(s, "b3", &h, err, sizeof(err)) == -1 && errno == ENOENT,
		    "batch refused: its good host was not stored either");
		store_counts(s, &hosts, NULL, &versions, &blobs, err, sizeof(err));
		tap_ok(hosts == h0 && versions == v0 && blobs == bl0, "batch refused: nothing changed");
	}

	/* A stale host that uploads again is fresh, whether its profile changed or not. */
	tap_ok(store_set_stale(s, "h2", 3000, err, sizeof(err)) == 0 &&
	    store_set_stale(s, "h2", 3001, err, sizeof(err)) == 0 &&
	    store_get_host(s, "h2", &h, err, sizeof(err)) == 0 && h.stale_since == 3000,
	    "a stale host keeps the time it became stale (%lld)", (long long)h.stale_since);
	tap_ok(store_put(s, "h2", &a, 3002, &version, &created, err, sizeof(err)) == 0 && created == 0 &&
	    store_get_host(s, "h2", &h, err, sizeof(err)) == 0 && h.stale_since == 0 &&
	    h.last_seen == 3002, "the same profile uploaded again makes a stale host fresh (%lld)",
	    (long long)h.stale_since);
	tap_ok(store_set_stale(s, "h2", 3003, err, sizeof(err)) == 0 &&
	    store_put(s, "h2", &b, 3004, &version, &created, err, sizeof(err)) == 0 && created == 1 &&
	    store_get_host(s, "h2", &h, err, sizeof(err)) == 0 && h.stale_since == 0,
	    "a changed profile makes a stale host fresh (%lld)", (long long)h.stale_since);
	store_close(s);

	/* Everything survives a reopen. */
	s = store_open(db, err, sizeof(err));
	tap_ok(s != NULL && store_get_host(s, "h1", &h, err, sizeof(err)) == 0 && h.cur.version == 2,
	    "reopen keeps hosts and versions");
	store_close(s);

	/* A database from a newer migcompat is refused, not touched. */
	if (sqlite3_open(db, &raw) == SQLITE_OK) {
		sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
		sqlite3_close(raw);
	}
	s = store_open(db, err, sizeof(err));
	tap_ok(s == NULL && strstr(err, "newer") != NULL, "newer schema refused: %s", err);
	store_close(s);

	profile_clear(&a);
	profile_clear(&b);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		tap_diag("cleanup of %s failed", dir);
	return tap_done();
}
