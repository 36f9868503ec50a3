/*
 * xmalloc.h - allocation that never returns NULL.
 *
 * Out of memory is not recoverable for migcompat's small allocations: these
 * abort with a log line, and systemd restarts the daemon.
 */
#ifndef MIGCOMPAT_XMALLOC_H
#define MIGCOMPAT_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Allocated, formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
