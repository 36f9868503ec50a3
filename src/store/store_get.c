/*
 * store_get.c - reading hosts, versions and blobs: one at a time
 * (store_get_*) or all in turn (store_each_host, store_each_version).
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
#include "store_priv.h"
#include "util.h"
#include "xmalloc.h"

/* Columns: version, hash, collected_at, stored_at, hostname, kernel, cpu from offset. */
static void
store_get_row_version(sqlite3_stmt *st, int off, struct store_version *v)
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
	", h.stale_since, h.retired_at FROM hosts h JOIN versions v ON v.host_id = h.id AND v.version = h.current"

static void
store_get_row_host(sqlite3_stmt *st, struct store_host *h)
{
	memset(h, 0, sizeof(*h));
	store_copy_col(st, 0, h->id, sizeof(h->id));
	h->first_seen = sqlite3_column_int64(st, 1);
	h->last_seen = sqlite3_column_int64(st, 2);
	store_get_row_version(st, 3, &h->cur);
	h->stale_since = sqlite3_column_int64(st, 10);
	h->retired_at = sqlite3_column_int64(st, 11);
}

int
store_get_host(struct store *s, const char *host_id, struct store_host *h,
    char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (store_prepare(s, STORE_HOST_SELECT " WHERE h.id = ?", &st) != SQLITE_OK) {
		store_err(s, err, errsize, "reading a host");
		goto cleanup;
	}
	store_bind_text(st, 1, host_id);
	if (store_row(s, st, "reading a host", err, errsize, "no host \"%s\"", host_id) == -1)
		goto cleanup;
	store_get_row_host(st, h);
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
	int ret = -1;

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
	if (store_row(s, st, "reading a version", err, errsize, "host \"%s\" has no version %lld",
	    host_id, (long long)version) == -1)
		goto cleanup;
	store_get_row_version(st, 0, v);
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
	int n;

	if (store_query(s, "SELECT json FROM blobs WHERE hash = ?", &st, "reading a profile", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, hash);
	if (store_row(s, st, "reading a profile", err, errsize, "no profile %s", hash) == -1)
		goto cleanup;
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

	if (store_query(s, STORE_HOST_SELECT " ORDER BY h.id", &st, "listing hosts", err, errsize) == -1)
		goto cleanup;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_get_row_host(st, &h);
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

	if (store_query(s, "SELECT " STORE_VERSION_COLS " FROM versions v "
	    "WHERE v.host_id = ? ORDER BY v.version DESC", &st, "reading history", err, errsize) == -1)
		goto cleanup;
	store_bind_text(st, 1, host_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_get_row_version(st, 0, &v);
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
