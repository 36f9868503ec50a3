/*
 * store.c - the SQLite profile store: schema migrations, content-addressed
 * blobs, hosts and their version history.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "log.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Statements of the upload path, prepared once per connection. */
#define STORE_STMT_CACHE	16

struct store {
	sqlite3 *db;
	char *path;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STORE_STMT_CACHE];
	size_t ncache;
};

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
};

#define STORE_NMIGRATIONS	(sizeof(store_migrations) / sizeof(store_migrations[0]))

static int
store_err(struct store *s, char *err, size_t errsize, const char *what)
{
	snprintf(err, errsize, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	errno = EIO;
	return -1;
}

static int
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

int
store_host_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 127 || id[0] == '.' || id[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if ((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '.' || id[i] == '_' ||
		    id[i] == ':' || id[i] == '-')
			continue;
		return 0;
	}
	return 1;
}

char *
store_blob_json(const struct profile *p)
{
	struct profile *tmp = xmalloc(sizeof(*tmp));
	struct json_object *o;
	char *s;

	/* A shallow copy is enough: profile_to_json only reads. */
	memcpy(tmp, p, sizeof(*tmp));
	tmp->host_id[0] = '\0';
	tmp->hostname[0] = '\0';
	tmp->collected_at = 0;
	/* Running domains belong to the host, not to the shared blob. */
	tmp->lv.domains.v = NULL;
	tmp->lv.domains.n = 0;
	o = profile_to_json(tmp);
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(tmp);
	return s;
}

static void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/*
 * The prepared statement for sql, kept for the life of the connection: an
 * upload runs the same few statements for every host of a batch.  Give it
 * back with store_release, never sqlite3_finalize.  Returns an SQLite code.
 */
static int
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

/* Reset a statement from store_prepare for its next use (finalize one the cache had no room for). */
static void
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
store_blob_exists(struct store *s, const char *hash)
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
    int64_t *version, int *created, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	char *blob = NULL;
	int64_t cur = 0;
	int ret = -1, rc, same = 0, have;

	*created = 0;
	if (!store_host_id_valid(host_id) || p->hash[0] == '\0') {
		snprintf(err, errsize, "invalid host id or profile without hash");
		errno = EINVAL;
		return -1;
	}
	if (store_prepare(s, "SELECT h.current, v.hash FROM hosts h JOIN versions v "
	    "ON v.host_id = h.id AND v.version = h.current WHERE h.id = ?", &st) != SQLITE_OK)
		goto sqlerr;
	store_bind_text(st, 1, host_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cur = sqlite3_column_int64(st, 0);
		same = strcmp((const char *)sqlite3_column_text(st, 1), p->hash) == 0;
	} else if (rc != SQLITE_DONE)
		goto sqlerr;
	store_release(s, st);
	st = NULL;

	if (same) {
		if (store_prepare(s, "UPDATE hosts SET last_seen = ?, stale_since = 0 WHERE id = ?",
		    &st) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_int64(st, 1, now);
		store_bind_text(st, 2, host_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlerr;
		*version = cur;
	} else {
		/* Hosts of one configuration share a blob: format it only once. */
		if ((have = store_blob_exists(s, p->hash)) == -1)
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
		    "stale_since = 0", &st) != SQLITE_OK)
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
	if (ret == -1)
		*created = 0;
	return ret;
}

int
store_put(struct store *s, const char *host_id, const struct profile *p, int64_t now,
    int64_t *version, int *created, char *err, size_t errsize)
{
	struct store_put_item it = { host_id, p, 0, 0 };

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

	for (i = 0; i < n; i++)
		items[i].created = 0;
	if (store_exec(s, "BEGIN IMMEDIATE", err, errsize) == -1)
		goto cleanup;
	intx = 1;
	for (i = 0; i < n; i++) {
		if (store_put_one(s, items[i].host_id, items[i].p, now, &items[i].version,
		    &items[i].created, msg, sizeof(msg)) == -1) {
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
		for (i = 0; i < n; i++)
			items[i].created = 0;
	return ret;
}

static void
store_copy_col(sqlite3_stmt *st, int col, char *buf, size_t bufsize)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	util_strlcpy(buf, t != NULL ? (const char *)t : "", bufsize);
}

/* Columns: version, hash, collected_at, stored_at, hostname, kernel, cpu from offset. */
static void
store_row_version(sqlite3_stmt *st, int off, struct store_version *v)
{
	memset(v, 0, sizeof(*v));
	v->version = sqlite3_column_int64(st, off);
	store_copy_col(st, off + 1, v->hash, sizeof(v->hash));
	v->collected_at = sqlite3_column_int64(st, off + 2);
	v->stored_at = sqlite3_column_int64(st, off + 3);
	store_copy_col(st, off + 4, v->hostname, sizeof(v->hostname));
	store_copy_col(st, off + 5, v->kernel, sizeof(v->kernel));
	store_copy_col(st, off + 6, v->cpu, sizeof(v->cpu));
}

#define STORE_VERSION_COLS "v.version, v.hash, v.collected_at, v.stored_at, v.hostname, v.kernel, v.cpu"
#define STORE_HOST_SELECT "SELECT h.id, h.first_seen, h.last_seen, " STORE_VERSION_COLS \
	", h.stale_since FROM hosts h JOIN versions v ON v.host_id = h.id AND v.version = h.current"

static void
store_row_host(sqlite3_stmt *st, struct store_host *h)
{
	memset(h, 0, sizeof(*h));
	store_copy_col(st, 0, h->id, sizeof(h->id));
	h->first_seen = sqlite3_column_int64(st, 1);
	h->last_seen = sqlite3_column_int64(st, 2);
	store_row_version(st, 3, &h->cur);
	h->stale_since = sqlite3_column_int64(st, 10);
}

int
store_get_host(struct store *s, const char *host_id, struct store_host *h,
    char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	if (store_prepare(s, STORE_HOST_SELECT " WHERE h.id = ?", &st) != SQLITE_OK) {
		store_err(s, err, errsize, "reading a host");
		goto cleanup;
	}
	store_bind_text(st, 1, host_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(err, errsize, "no host \"%s\"", host_id);
		errno = ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_err(s, err, errsize, "reading a host");
		goto cleanup;
	}
	store_row_host(st, h);
	ret = 0;
cleanup:
	store_release(s, st);
	return ret;
}

int
store_get_version(struct store *s, const char *host_id, int64_t version,
    struct store_version *v, char *err, size_t errsize)
{
	struct store_host h;
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	if (version == 0) {
		if (store_get_host(s, host_id, &h, err, errsize) == -1)
			return -1;
		*v = h.cur;
		return 0;
	}
	if (store_prepare(s, "SELECT " STORE_VERSION_COLS " FROM versions v "
	    "WHERE v.host_id = ? AND v.version = ?", &st) != SQLITE_OK) {
		store_err(s, err, errsize, "reading a version");
		goto cleanup;
	}
	store_bind_text(st, 1, host_id);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(err, errsize, "host \"%s\" has no version %lld", host_id, (long long)version);
		errno = ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_err(s, err, errsize, "reading a version");
		goto cleanup;
	}
	store_row_version(st, 0, v);
	ret = 0;
cleanup:
	store_release(s, st);
	return ret;
}

char *
store_get_blob(struct store *s, const char *hash, size_t *len, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	char *ret = NULL;
	int rc, n;

	if (sqlite3_prepare_v2(s->db, "SELECT json FROM blobs WHERE hash = ?", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "reading a profile");
		goto cleanup;
	}
	store_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(err, errsize, "no profile %s", hash);
		errno = ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_err(s, err, errsize, "reading a profile");
		goto cleanup;
	}
	n = sqlite3_column_bytes(st, 0);
	ret = xmalloc((size_t)n + 1);
	memcpy(ret, sqlite3_column_text(st, 0), (size_t)n);
	ret[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_each_host(struct store *s, int (*fn)(const struct store_host *h, void *arg), void *arg,
    char *err, size_t errsize)
{
	struct store_host h;
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	if (sqlite3_prepare_v2(s->db, STORE_HOST_SELECT " ORDER BY h.id", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "listing hosts");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_host(st, &h);
		if (fn(&h, arg) == -1) {
			snprintf(err, errsize, "stopped");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		store_err(s, err, errsize, "listing hosts");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_each_version(struct store *s, const char *host_id,
    int (*fn)(const struct store_version *v, void *arg), void *arg, char *err, size_t errsize)
{
	struct store_version v;
	sqlite3_stmt *st = NULL;
	int ret = -1, rc, n = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT " STORE_VERSION_COLS " FROM versions v "
	    "WHERE v.host_id = ? ORDER BY v.version DESC", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "reading history");
		goto cleanup;
	}
	store_bind_text(st, 1, host_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_version(st, 0, &v);
		n++;
		if (fn(&v, arg) == -1) {
			snprintf(err, errsize, "stopped");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		store_err(s, err, errsize, "reading history");
		goto cleanup;
	}
	if (n == 0) {
		snprintf(err, errsize, "no host \"%s\"", host_id);
		errno = ENOENT;
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
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
store_counts(struct store *s, int64_t *hosts, int64_t *versions, int64_t *blobs,
    char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM hosts), "
	    "(SELECT count(*) FROM versions), (SELECT count(*) FROM blobs)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		store_err(s, err, errsize, "counting");
		goto cleanup;
	}
	*hosts = sqlite3_column_int64(st, 0);
	*versions = sqlite3_column_int64(st, 1);
	*blobs = sqlite3_column_int64(st, 2);
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
	if (sqlite3_prepare_v2(s->db, since != 0 ?
	    "UPDATE hosts SET stale_since = ?1 WHERE id = ?2 AND stale_since = 0" :
	    "UPDATE hosts SET stale_since = 0 WHERE id = ?2", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "marking a host stale");
		goto cleanup;
	}
	sqlite3_bind_int64(st, 1, since);
	store_bind_text(st, 2, host_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_err(s, err, errsize, "marking a host stale");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int
store_meta_get(struct store *s, const char *key, char *buf, size_t bufsize, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "reading state");
		goto cleanup;
	}
	store_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(err, errsize, "no state \"%s\"", key);
		errno = ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_err(s, err, errsize, "reading state");
		goto cleanup;
	}
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

	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = ?2", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "writing state");
		goto cleanup;
	}
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_err(s, err, errsize, "writing state");
		goto cleanup;
	}
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
	int ret = -1, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT host_id FROM domains WHERE uuid = ? AND host_id != ? "
	    "ORDER BY host_id LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "looking a domain up");
		goto cleanup;
	}
	store_bind_text(st, 1, uuid);
	store_bind_text(st, 2, skip != NULL ? skip : "");
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(err, errsize, "no host runs domain %s", uuid);
		errno = ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		store_err(s, err, errsize, "looking a domain up");
		goto cleanup;
	}
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

	if (sqlite3_prepare_v2(s->db, "SELECT uuid FROM domains WHERE host_id = ? ORDER BY uuid",
	    -1, &st, NULL) != SQLITE_OK) {
		store_err(s, err, errsize, "listing domains");
		goto cleanup;
	}
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
