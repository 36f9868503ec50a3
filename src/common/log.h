/*
 * log.h - the one logging API of migcompat.
 *
 * Lines go to stderr, each in one write(2) (threads never tear a line).
 * When stderr is connected to the journal (systemd's JOURNAL_STREAM names
 * its device and inode), each line carries a "<N>" syslog priority prefix
 * so journald records the right level; migcompatd sends its lines with
 * sd_journal_send instead (log_use_journal), with fields naming the
 * request.  The message is escaped as log_vis() does, so a line is
 * always exactly one line of printable ASCII whatever a client sent.  The *_warn variants append
 * strerror(errno); the *x variants do not.
 */
#ifndef MIGCOMPAT_LOG_H
#define MIGCOMPAT_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Set the program tag and the most verbose level printed (default INFO). */
void log_init(const char *tag, enum log_level max_level);
/* Change the most verbose level printed. */
void log_set_level(enum log_level max_level);

/*
 * Copy src into dst escaped vis(3)-style (VIS_CSTYLE | VIS_OCTAL | VIS_TAB |
 * VIS_NL): \n \r \t and \\ as such, other control characters and bytes
 * over 0x7e as \ooo.  Stops before an escape that would not fit; dst is
 * always NUL-terminated (dstsize > 0).  Returns the length written.
 */
size_t log_vis(char *dst, size_t dstsize, const char *src);

/* The length of src escaped as log_vis() escapes it, all of it (NULL: as "(null)"). */
size_t log_vis_len(const char *src);

/*
 * Write all of src to f escaped as log_vis() does, then spaces up to width
 * columns (0: none); NULL is written "(null)", as printf writes it.  For
 * text a host profile or a client chose, printed to a terminal: it can
 * neither break a line nor carry control sequences, and it takes as many
 * columns as log_vis_len() says.
 */
void log_vis_print(FILE *f, const char *src, size_t width);

/*
 * 1 if env (JOURNAL_STREAM, "DEVICE:INODE" in decimal) names the file open
 * on fd, else 0 (NULL, malformed, another file).
 */
int log_journal_stream(const char *env, int fd);

/*
 * Where lines go instead of stderr: fn gets the level, the message escaped
 * as log_vis() does (with the strerror text of the *_warn variants) and
 * the calling thread's context (NULL each when unset); it returns 0, or -1
 * to have the line written to stderr after all.  NULL: stderr.  Set it
 * before other threads log.
 */
typedef int (*log_sink_fn)(enum log_level level, const char *msg, const char *host,
    const char *route);
void log_set_sink(log_sink_fn fn);

/*
 * The request the calling thread serves, for the sink: a host id and a
 * route pattern ("/v1/hosts/{id}"), NULL each for none.  The strings must
 * outlive the context; clear it with NULL, NULL when done.
 */
void log_set_context(const char *host, const char *route);

/* The program tag of log_init. */
const char *log_get_tag(void);

/*
 * log_journal.c (links libsystemd; only migcompatd calls it): when stderr
 * is the journal stream, send every line with sd_journal_send, with
 * PRIORITY, SYSLOG_IDENTIFIER, MIGCOMPAT_HOST and MIGCOMPAT_ROUTE (when the
 * thread serves a request); otherwise, or without libsystemd, nothing
 * changes.  Call after log_init, before threads start.  Returns 1 if the
 * journal is used, 0 if not.
 */
int log_use_journal(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at ERR level and exit(1).  Only for start-up failures and broken invariants. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
