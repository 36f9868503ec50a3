/*
 * store_priv.h - what the files of the store share: the connection with
 * its statement cache, and the helpers around SQLite calls.
 */
#ifndef MIGCOMPAT_STORE_PRIV_H
#define MIGCOMPAT_STORE_PRIV_H

#include <stddef.h>

#include <sqlite3.h>

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

/* Fill err with "path: what: SQLite message" and set errno to EIO.  Returns -1. */
int store_err(struct store *s, char *err, size_t errsize, const char *what);

/* Run sql (no rows).  Returns 0, or -1 with a message in err. */
int store_exec(struct store *s, const char *sql, char *err, size_t errsize);

/*
 * The prepared statement for sql, kept for the life of the connection: an
 * upload runs the same few statements for every host of a batch.  Give it
 * back with store_release, never sqlite3_finalize.  Returns an SQLite code.
 */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);

/* Reset a statement of store_prepare for its next use.  NULL is fine. */
void store_release(struct store *s, sqlite3_stmt *st);

/*
 * Prepare sql for one use (give it back with sqlite3_finalize).  Returns 0,
 * or -1 with "path: what: SQLite message" in err (store_err).
 */
int store_query(struct store *s, const char *sql, sqlite3_stmt **st, const char *what,
    char *err, size_t errsize);

/* Step st, a statement without rows: 0, or -1 as store_err(what). */
int store_done(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errsize);

/*
 * Step st, a query of one row at most.  Returns 0 on its row; -1 when
 * there is none, with errno ENOENT and the printf-style message fmt in err;
 * -1 on an SQLite error, with "path: what: SQLite message" (store_err).
 */
int store_row(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errsize,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Bind v (not copied: it must outlive the step) to parameter i. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Copy text column col of the current row into buf ("" for NULL). */
void store_copy_col(sqlite3_stmt *st, int col, char *buf, size_t bufsize);

#endif
