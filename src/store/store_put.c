/*
 * store_put.c - writing profiles: one host (store_put) or a batch in one
 * transaction (store_put_batch), each blob stored once by its hash.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "hostid.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"
#include "xmalloc.h"

/* Replace the list of domains host_id runs with the profile's (same transaction). */
static int
store_put_domains(struct store *s, const char *host_id, const struct profile *p)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int ret = -1;

	if (store_prepare(s, "DELETE FROM domains WHERE host_id = ?", &st) != SQLITE_OK)
		goto cleanup;
	store_bind_text(st, 1, host_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto cleanup;
	store_release(s, st);
	st = NULL;
	if (profile_layer_ok(&p->libvirt) && p->lv.domains.n > 0) {
		if (store_prepare(s, "INSERT OR IGNORE INTO domains (host_id, uuid) VALUES (?, ?)",
		    &st) != SQLITE_OK)
			goto cleanup;
		for (i = 0; i < p->lv.domains.n; i++) {
			sqlite3_reset(st);
			store_bind_text(st, 1, host_id);
			store_bind_text(st, 2, p->lv.domains.v[i]);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto cleanup;
		}
	}
	ret = 0;
cleanup:
	store_release(s, st);
	return ret;
}

/* Nonzero if the blob of hash is stored already; -1 on an SQLite error. */
static int
store_put_blob_exists(struct store *s, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (store_prepare(s, "SELECT 1 FROM blobs WHERE hash = ?", &st) != SQLITE_OK)
		return -1;
	store_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	store_release(s, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The body of store_put, inside a transaction the caller opened: on -1 the
 * caller rolls back.
 */
static int
store_put_one(struct store *s, const char *host_id, const struct profile *p, int64_t now,
    int64_t *version, int *created, int64_t *was_retired, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	char *blob = NULL;
	int64_t cur = 0;
	int ret = -1, rc, same = 0, have;

	*created = 0;
	*was_retired = 0;
	if (!hostid_valid(host_id) || p->hash[0] == '\0') {
		snprintf(err, errsize, "invalid host id or profile without hash");
		errno = EINVAL;
		return -1;
	}
	if (store_prepare(s, "SELECT h.current, v.hash, h.retired_at FROM hosts h JOIN versions v "
	    "ON v.host_id = h.id AND v.version = h.current WHERE h.id = ?", &st) != SQLITE_OK)
		goto sqlerr;
	store_bind_text(st, 1, host_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cur = sqlite3_column_int64(st, 0);
		same = strcmp((const char *)sqlite3_column_text(st, 1), p->hash) == 0;
		*was_retired = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE)
		goto sqlerr;
	store_release(s, st);
	st = NULL;

	if (same) {
		if (store_prepare(s, "UPDATE hosts SET last_seen = ?, stale_since = 0, "
		    "retired_at = 0 WHERE id = ?",
		    &st) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_int64(st, 1, now);
		store_bind_text(st, 2, host_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlerr;
		*version = cur;
	} else {
		/* Hosts of one configuration share a blob: format it only once. */
		if ((have = store_put_blob_exists(s, p->hash)) == -1)
			goto sqlerr;
		if (!have) {
			blob = store_blob_json(p);
			if (store_prepare(s, "INSERT INTO blobs (hash, json, stored_at) "
			    "VALUES (?, ?, ?)", &st) != SQLITE_OK)
				goto sqlerr;
			store_bind_text(st, 1, p->hash);
			store_bind_text(st, 2, blob);
			sqlite3_bind_int64(st, 3, now);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto sqlerr;
			store_release(s, st);
			st = NULL;
		}

		if (store_prepare(s, "INSERT INTO hosts (id, first_seen, last_seen, current) "
		    "VALUES (?1, ?2, ?2, ?3) ON CONFLICT(id) DO UPDATE SET last_seen = ?2, current = ?3, "
		    "stale_since = 0, retired_at = 0", &st) != SQLITE_OK)
			goto sqlerr;
		store_bind_text(st, 1, host_id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, cur + 1);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlerr;
		store_release(s, st);
		st = NULL;

		if (store_prepare(s, "INSERT INTO versions (host_id, version, hash, "
		    "collected_at, stored_at, hostname, kernel, cpu) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    &st) != SQLITE_OK)
			goto sqlerr;
		store_bind_text(st, 1, host_id);
		sqlite3_bind_int64(st, 2, cur + 1);
		store_bind_text(st, 3, p->hash);
		sqlite3_bind_int64(st, 4, p->collected_at);
		sqlite3_bind_int64(st, 5, now);
		store_bind_text(st, 6, p->hostname);
		store_bind_text(st, 7, p->kernel);
		store_bind_text(st, 8, p->cpu.model_name);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlerr;
		*version = cur + 1;
		*created = 1;
	}
	store_release(s, st);
	st = NULL;
	if (store_put_domains(s, host_id, p) == -1)
		goto sqlerr;
	ret = 0;
	goto cleanup;
sqlerr:
	store_err(s, err, errsize, "storing a profile");
cleanup:
	store_release(s, st);
	free(blob);
	if (ret == -1) {
		*created = 0;
		*was_retired = 0;
	}
	return ret;
}

int
store_put(struct store *s, const char *host_id, const struct profile *p, int64_t now,
    int64_t *version, int *created, char *err, size_t errsize)
{
	struct store_put_item it = { host_id, p, 0, 0, 0 };

	if (store_put_batch(s, &it, 1, now, err, errsize) == -1) {
		*created = 0;
		return -1;
	}
	*version = it.version;
	*created = it.created;
	return 0;
}

int
store_put_batch(struct store *s, struct store_put_item *items, size_t n, int64_t now,
    char *err, size_t errsize)
{
	char msg[512];
	size_t i;
	int ret = -1, intx = 0;

	for (i = 0; i < n; i++) {
		items[i].created = 0;
		items[i].was_retired = 0;
	}
	if (store_exec(s, "BEGIN IMMEDIATE", err, errsize) == -1)
		goto cleanup;
	intx = 1;
	for (i = 0; i < n; i++) {
		if (store_put_one(s, items[i].host_id, items[i].p, now, &items[i].version,
		    &items[i].created, &items[i].was_retired, msg, sizeof(msg)) == -1) {
			if (n == 1)
				snprintf(err, errsize, "%s", msg);
			else
				snprintf(err, errsize, "host %s: %s", items[i].host_id, msg);
			goto cleanup;
		}
	}
	if (store_exec(s, "COMMIT", err, errsize) == -1)
		goto cleanup;
	intx = 0;
	ret = 0;
cleanup:
	if (intx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (ret == -1)
		for (i = 0; i < n; i++) {
			items[i].created = 0;
			items[i].was_retired = 0;
		}
	return ret;
}
