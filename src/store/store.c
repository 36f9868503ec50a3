/*
 * store.c - the SQLite profile store: opening, schema migrations, the
 * statement cache, counts, metadata, stale marks and domains.  Writes of
 * profiles are in store_put.c, reads of hosts and history in store_get.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "log.h"
#include "profile.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Forward migrations: entry i takes the schema from version i to i + 1.
 * Each runs in its own transaction together with the user_version update.
 * Never edit a released entry; append a new one.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1: blobs, hosts, versions. */
	"CREATE TABLE blobs ("
	"  hash TEXT PRIMARY KEY,"
	"  json TEXT NOT NULL,"
	"  stored_at INTEGER NOT NULL"
	");"
	"CREATE TABLE hosts ("
	"  id TEXT PRIMARY KEY,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  current INTEGER NOT NULL"
	");"
	"CREATE TABLE versions ("
	"  host_id TEXT NOT NULL REFERENCES hosts(id),"
	"  version INTEGER NOT NULL,"
	"  hash TEXT NOT NULL REFERENCES blobs(hash),"
	"  collected_at INTEGER NOT NULL,"
	"  stored_at INTEGER NOT NULL,"
	"  hostname TEXT NOT NULL,"
	"  kernel TEXT NOT NULL,"
	"  cpu TEXT NOT NULL,"
	"  PRIMARY KEY (host_id, version)"
	");"
	"CREATE INDEX versions_stored_at ON versions(stored_at);"
	"CREATE INDEX versions_hash ON versions(hash);",
	/*
	 * 1 -> 2: the domains each host runs.  They change as guests come
	 * and go without changing the profile hash, so they are kept per
	 * host, outside the shared blobs.
	 */
	"CREATE TABLE domains ("
	"  host_id TEXT NOT NULL REFERENCES hosts(id),"
	"  uuid TEXT NOT NULL COLLATE NOCASE,"
	"  PRIMARY KEY (host_id, uuid)"
	");"
	"CREATE INDEX domains_uuid ON domains(uuid);",
	/* 2 -> 3: stale hosts (their fleet-store lease expired) and key-value state. */
	"ALTER TABLE hosts ADD COLUMN stale_since INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");",
	/* 3 -> 4: retired hosts (taken out of the fleet by an operator, history kept). */
	"ALTER TABLE hosts ADD COLUMN retired_at INTEGER NOT NULL DEFAULT 0;",
};

#define STORE_NMIGRATIONS	(sizeof(store_migrations) / sizeof(store_migrations[0]))

int
store_err(struct store *s, char *err, size_t errsize, const char *what)
{
	snprintf(err, errsize, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	errno = EIO;
	return -1;
}

int
store_exec(struct store *s, const char *sql, char *err, size_t errsize)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsize, "%s: %s", s->path, msg != NULL ? msg : "SQL error");
		sqlite3_free(msg);
		errno = EIO;
		return -1;
	}
	return 0;
}

int
store_query(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
    char *err, size_t errsize)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_err(s, err, errsize, what);
	return 0;
}

int
store_done(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errsize)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_err(s, err, errsize, what);
	return 0;
}

int
store_row(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errsize,
    const char *fmt, ...)
{
	va_list ap;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_err(s, err, errsize, what);
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	errno = ENOENT;
	return -1;
}

static int
store_user_version(struct store *s, int *v, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_err(s, err, errsize, "reading the schema version");
		goto cleanup;
	}
	*v = sqlite3_column_int(st, 0);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

static int
store_migrate(struct store *s, char *err, size_t errsize)
{
	char sql[64];
	int v;

	if (store_user_version(s, &v, err, errsize) == -1)
		return -1;
	if (v < 0 || (size_t)v > STORE_NMIGRATIONS) {
		snprintf(err, errsize, "%s: schema version %d is newer than this migcompat "
		    "understands (%zu); refusing to touch it", s->path, v, STORE_NMIGRATIONS);
		return -1;
	}
	for (; (size_t)v < STORE_NMIGRATIONS; v++) {
		if (store_exec(s, "BEGIN IMMEDIATE", err, errsize) == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, store_migrations[v], err, errsize) == -1 ||
		    store_exec(s, sql, err, errsize) == -1) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (store_exec(s, "COMMIT", err, errsize) == -1)
			return -1;
		log_info("%s: schema migrated to version %d", s->path, v + 1);
	}
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errsize)
{
	struct store *s = xcalloc(1, sizeof(*s));
	char *mode = NULL;
	sqlite3_stmt *st = NULL;

	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (s->db != NULL)
			store_err(s, err, errsize, "open");
		else
			snprintf(err, errsize, "%s: cannot open database", path);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_err(s, err, errsize, "setting WAL mode");
		goto fail;
	}
	mode = xstrdup((const char *)sqlite3_column_text(st, 0));
	if (strcmp(mode, "wal") != 0) {
		snprintf(err, errsize, "%s: cannot use WAL mode (journal mode is %s)", path, mode);
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* FULL: a committed upload survives a power loss, not just a crash. */
	if (store_exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err, errsize) == -1 ||
	    store_migrate(s, err, errsize) == -1)
		goto fail;
	free(mode);
	return s;
fail:
	sqlite3_finalize(st);
	free(mode);
	store_close(s);
	return NULL;
}

int
store_set_durable(struct store *s, int full, char *err, size_t errsize)
{
	return store_exec(s, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
	    err, errsize);
}

void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

int
store_schema_version(struct store *s)
{
	char err[256];
	int v;

	if (store_user_version(s, &v, err, sizeof(err)) == -1)
		return -1;
	return v;
}

char *
store_blob_json(const struct profile *p)
{
	struct profile *c = profile_content(p);
	char *s = profile_to_string(c, 0);

	profile_free(c);
	return s;
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void
store_copy_col(sqlite3_stmt *st, int col, char *buf, size_t bufsize)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	util_strlcpy(buf, t != NULL ? (const char *)t : "", bufsize);
}

int
store_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	size_t i;
	int rc;

	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].sql == sql || strcmp(s->cache[i].sql, sql) == 0) {
			*st = s->cache[i].st;
			return SQLITE_OK;
		}
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc == SQLITE_OK && s->ncache < STORE_STMT_CACHE) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache].st = *st;
		s->ncache++;
	}
	return rc;
}

/* Finalizes a statement the cache had no room for. */
void
store_release(struct store *s, sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

int64_t
store_data_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_counts(struct store *s, int64_t *hosts, int64_t *retired, int64_t *versions,
    int64_t *blobs, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM hosts WHERE retired_at = 0), "
	    "(SELECT count(*) FROM hosts WHERE retired_at != 0), "
	    "(SELECT count(*) FROM versions), (SELECT count(*) FROM blobs)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_err(s, err, errsize, "counting");
		goto cleanup;
	}
	*hosts = sqlite3_column_int64(st, 0);
	if (retired != NULL)
		*retired = sqlite3_column_int64(st, 1);
	*versions = sqlite3_column_int64(st, 2);
	*blobs = sqlite3_column_int64(st, 3);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_set_stale(struct store *s, const char *host_id, int64_t since, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	/* A host already stale keeps the time it became so. */
	if (store_query(s, since != 0 ?
	    "UPDATE hosts SET stale_since = ?1 WHERE id = ?2 AND stale_since = 0" :
	    "UPDATE hosts SET stale_since = 0 WHERE id = ?2", &st, "marking a host stale", err, errsize) == -1)
		goto cleanup;
	sqlite3_bind_int64(st, 1, since);
	store_bind_text(st, 2, host_id);
	if (store_done(s, st, "marking a host stale", err, errsize) == -1)
		goto cleanup;
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_retire(struct store *s, const char *host_id, int64_t at, int64_t *since, int *already,
    char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	*already = 0;
	*since = 0;
	/* A host retired before keeps its first time. */
	if (store_query(s, "UPDATE hosts SET retired_at = ?1 WHERE id = ?2 AND retired_at = 0", &st,
	    "retiring a host", err, errsize) == -1)
		goto cleanup;
	sqlite3_bind_int64(st, 1, at);
	store_bind_text(st, 2, host_id);
	if (store_done(s, st, "retiring a host", err, errsize) == -1)
		goto cleanup;
	if (sqlite3_changes(s->db) > 0) {
		*since = at;
		ret = 0;
		goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Nothing changed: retired already, or unknown. */
	if (store_query(s, "SELECT retired_at FROM hosts WHERE id = ?", &st, "retiring a host",
	    err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, host_id);
	if (store_row(s, st, "retiring a host", err, errsize, "no host \"%s\"", host_id) == -1)
		goto cleanup;
	*since = sqlite3_column_int64(st, 0);
	*already = 1;
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_meta_get(struct store *s, const char *key, char *buf, size_t bufsize, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (store_query(s, "SELECT value FROM meta WHERE key = ?", &st, "reading state", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, key);
	if (store_row(s, st, "reading state", err, errsize, "no state \"%s\"", key) == -1)
		goto cleanup;
	store_copy_col(st, 0, buf, bufsize);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_meta_set(struct store *s, const char *key, const char *value, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (store_query(s, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = ?2", &st, "writing state", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	if (store_done(s, st, "writing state", err, errsize) == -1)
		goto cleanup;
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_domain_host(struct store *s, const char *uuid, const char *skip, char *host, size_t hostsize,
    char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	/* A retired host runs nothing the fleet knows of. */
	if (store_query(s, "SELECT d.host_id FROM domains d JOIN hosts h ON h.id = d.host_id "
	    "WHERE d.uuid = ? AND d.host_id != ? AND h.retired_at = 0 ORDER BY d.host_id LIMIT 1",
	    &st, "looking a domain up", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, skip != NULL ? skip : "");
	if (store_row(s, st, "looking a domain up", err, errsize, "no host runs domain %s", uuid) == -1)
		goto cleanup;
	store_copy_col(st, 0, host, hostsize);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_each_domain(struct store *s, const char *host_id, int (*fn)(const char *uuid, void *arg),
    void *arg, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	if (store_query(s, "SELECT uuid FROM domains WHERE host_id = ? ORDER BY uuid", &st, "listing domains", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, host_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn((const char *)sqlite3_column_text(st, 0), arg) == -1) {
			snprintf(err, errsize, "stopped");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		store_err(s, err, errsize, "listing domains");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}
