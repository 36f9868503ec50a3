/*
 * log.c - the one logging API of migcompat.
 *
 * A line is formatted whole, its message escaped vis(3)-style (as tmux and
 * the OpenBSD daemons do), and written with one write(2): lines of
 * concurrent threads never interleave, and text a client chose (a URL, a
 * host id) cannot start a line of its own or carry terminal escapes.  A
 * sink (the journal, log_journal.c) may take the escaped message instead.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"

static const char *log_tag = "migcompat";
static enum log_level log_max = LOG_LEVEL_INFO;
static int log_journal = -1;
static log_sink_fn log_sink;
/* The request a thread is serving, for the sink's fields. */
static __thread const char *log_ctx_host, *log_ctx_route;

void
log_init(const char *tag, enum log_level max_level)
{
	log_tag = tag;
	log_max = max_level;
	log_journal = log_journal_stream(getenv("JOURNAL_STREAM"), STDERR_FILENO);
}

void
log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void
log_set_context(const char *host, const char *route)
{
	log_ctx_host = host;
	log_ctx_route = route;
}

const char *
log_get_tag(void)
{
	return log_tag;
}

int
log_journal_stream(const char *env, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (env == NULL || sscanf(env, "%llu:%llu%n", &dev, &ino, &n) != 2 || env[n] != '\0')
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_set_level(enum log_level max_level)
{
	/* Threads read it on every line: a relaxed atomic, no lock. */
	__atomic_store_n(&log_max, max_level, __ATOMIC_RELAXED);
}

/* The escape of byte c as log_vis() writes it, into e (no NUL); returns its length (1 to 4). */
static size_t
log_vis_byte(unsigned char c, char e[4])
{
	static const char oct[] = "01234567";
	size_t el = 0;

	switch (c) {
	case '\n': e[el++] = '\\'; e[el++] = 'n'; break;
	case '\r': e[el++] = '\\'; e[el++] = 'r'; break;
	case '\t': e[el++] = '\\'; e[el++] = 't'; break;
	case '\\': e[el++] = '\\'; e[el++] = '\\'; break;
	default:
		if (c < 0x20 || c >= 0x7f) {
			e[el++] = '\\';
			e[el++] = oct[c >> 6];
			e[el++] = oct[(c >> 3) & 7];
			e[el++] = oct[c & 7];
		} else {
			e[el++] = (char)c;
		}
	}
	return el;
}

size_t
log_vis(char *dst, size_t dstsize, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	char e[4];
	size_t n = 0, k, el;

	if (dstsize == 0)
		return 0;
	for (; *s != '\0'; s++) {
		el = log_vis_byte(*s, e);
		if (n + el >= dstsize)
			break;
		for (k = 0; k < el; k++)
			dst[n++] = e[k];
	}
	dst[n] = '\0';
	return n;
}

size_t
log_vis_len(const char *src)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "(null)");
	char e[4];
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += log_vis_byte(*s, e);
	return n;
}

void
log_vis_print(FILE *f, const char *src, size_t width)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "(null)");
	char e[4];
	size_t n = 0, el;

	for (; *s != '\0'; s++) {
		el = log_vis_byte(*s, e);
		fwrite(e, 1, el, f);
		n += el;
	}
	for (; n < width; n++)
		putc(' ', f);
}

static void __attribute__((format(printf, 3, 0)))
log_vemit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[1024], line[4200];
	size_t n = 0, off;
	ssize_t w;
	int k;

	if (level > __atomic_load_n(&log_max, __ATOMIC_RELAXED))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL) {
		char esc[sizeof(line) - 256];

		n = log_vis(esc, sizeof(esc) - 1, msg);
		if (errnum != 0)
			snprintf(esc + n, sizeof(esc) - n, ": %s", strerror(errnum));
		if (log_sink(level, esc, log_ctx_host, log_ctx_route) == 0)
			return;
		n = 0;
	}
	if (log_journal == 1)
		n = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
	k = snprintf(line + n, sizeof(line) - n, "%s: ", log_tag);
	n += k > 0 ? (size_t)k : 0;
	n += log_vis(line + n, sizeof(line) - n - 2, msg);
	if (errnum != 0) {
		k = snprintf(line + n, sizeof(line) - n - 1, ": %s", strerror(errnum));
		n += k > 0 && (size_t)k < sizeof(line) - n - 1 ? (size_t)k : 0;
	}
	line[n++] = '\n';
	/* One write(2) per line; a short write to a pipe is finished, not interleaved. */
	for (off = 0; off < n; off += (size_t)w) {
		w = write(STDERR_FILENO, line + off, n - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0)
			break;
	}
}

void
log_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_WARNING, errnum, fmt, ap);
	va_end(ap);
	errno = errnum;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_ERR, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
