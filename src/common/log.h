/*
 * log.h - the one logging API of migcompat.
 *
 * Lines go to stderr.  When stderr is connected to the journal (systemd
 * sets JOURNAL_STREAM), each line carries a "<N>" syslog priority prefix so
 * journald records the right level.  The *_warn variants append
 * strerror(errno); the *x variants do not.
 */
#ifndef MIGCOMPAT_LOG_H
#define MIGCOMPAT_LOG_H

#include <stdarg.h>

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

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at ERR level and exit(1).  Only for start-up failures and broken invariants. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
