/*
 * log_journal.c - log lines sent to the journal with structured fields.
 *
 * Kept out of log.c so that only migcompatd, which calls log_use_journal,
 * links libsystemd: the hook and the probe start without it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "log.h"

#ifdef HAVE_SYSTEMD
/* One "NAME=value" field into iov; value escaped as log_vis() does. */
static size_t
log_journal_field(struct iovec *iov, char *buf, size_t bufsize, const char *name,
    const char *value)
{
	size_t n = strlen(name);

	if (n + 2 > bufsize)
		return 0;
	memcpy(buf, name, n);
	buf[n++] = '=';
	n += log_vis(buf + n, bufsize - n, value);
	iov->iov_base = buf;
	iov->iov_len = n;
	return 1;
}

static int
log_journal_sink(enum log_level level, const char *msg, const char *host, const char *route)
{
	char m[4200], prio[16], ident[96], h[320], rt[320];
	struct iovec iov[5];
	size_t n = 0;
	int k;

	k = snprintf(m, sizeof(m), "MESSAGE=%s", msg);
	iov[n].iov_base = m;
	iov[n++].iov_len = k > 0 && (size_t)k < sizeof(m) ? (size_t)k : sizeof(m) - 1;
	k = snprintf(prio, sizeof(prio), "PRIORITY=%d", (int)level);
	iov[n].iov_base = prio;
	iov[n++].iov_len = (size_t)k;
	n += log_journal_field(&iov[n], ident, sizeof(ident), "SYSLOG_IDENTIFIER", log_get_tag());
	if (host != NULL)
		n += log_journal_field(&iov[n], h, sizeof(h), "MIGCOMPAT_HOST", host);
	if (route != NULL)
		n += log_journal_field(&iov[n], rt, sizeof(rt), "MIGCOMPAT_ROUTE", route);
	return sd_journal_sendv(iov, (int)n) < 0 ? -1 : 0;
}
#endif

int
log_use_journal(void)
{
#ifdef HAVE_SYSTEMD
	if (log_journal_stream(getenv("JOURNAL_STREAM"), STDERR_FILENO)) {
		log_set_sink(log_journal_sink);
		return 1;
	}
#endif
	return 0;
}
