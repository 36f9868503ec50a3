/*
 * log.h - the one logging API of migcompat.
 *
 * Lines go to stderr, each in one write(2) (threads never tear a line).
 * When stderr is connected to the journal (systemd sets JOURNAL_STREAM),
 * each line carries a "<N>" syslog priority prefix so journald records the
 * right level.  The message is escaped as log_vis() does, so a line is
 * always exactly one line of printable ASCII whatever a client sent.  The *_warn variants append
 * strerror(errno); the *x variants do not.
 */
#ifndef MIGCOMPAT_LOG_H
#define MIGCOMPAT_LOG_H

#include <stdarg.h>
#include <stddef.h>

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

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at ERR level and exit(1).  Only for start-up failures and broken invariants. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
