/*
 * util.c - small helpers shared by every binary.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"

static int
util_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_parse_hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t ndig = 0;
	int d;

	if (s == NULL || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	s += 2;
	while (*s == '0' && util_hexval(s[1]) >= 0)
		s++;		/* leading zeros do not count against the 16 digits */
	for (; *s != '\0'; s++) {
		if ((d = util_hexval(*s)) < 0)
			return -1;
		if (++ndig > 16)
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	if (ndig == 0)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (util_parse_hex64(s, &v) == -1)
			return -1;
	} else {
		for (; *s != '\0'; s++) {
			if (*s < '0' || *s > '9')
				return -1;
			if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return -1;
			v = v * 10 + (uint64_t)(*s - '0');
		}
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

char *
util_read_file(const char *path, size_t max_size, size_t *len)
{
	char *buf = NULL, *ret = NULL;
	size_t used = 0, cap = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - used < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		n = read(fd, buf + used, cap - used);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto cleanup;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max_size) {
			errno = EFBIG;
			goto cleanup;
		}
	}
	if (buf == NULL)
		buf = xmalloc(1);
	buf[used] = '\0';
	if (len != NULL)
		*len = used;
	ret = buf;
	buf = NULL;
cleanup:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return ret;
}

int
util_name_eq(const char *a, const char *b)
{
	int ca, cb;

	for (;; a++, b++) {
		ca = tolower((unsigned char)*a);
		cb = tolower((unsigned char)*b);
		if (ca == '_' || ca == '.')
			ca = '-';
		if (cb == '_' || cb == '.')
			cb = '-';
		if (ca != cb)
			return 0;
		if (ca == '\0')
			return 1;
	}
}

char *
util_read_token(const char *path, char *err, size_t errsize)
{
	char *t;
	size_t n;

	if ((t = util_read_file(path, 4096, NULL)) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t[strcspn(t, "\r\n")] = '\0';
	n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = '\0';
	if (n == 0) {
		snprintf(err, errsize, "%s: empty token", path);
		free(t);
		return NULL;
	}
	return t;
}

size_t
util_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t n = strlen(src);

	if (dstsize > 0) {
		size_t c = n < dstsize - 1 ? n : dstsize - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
util_kernel_version(const char *release, unsigned *major, unsigned *minor)
{
	unsigned long ma, mi;
	char *end;

	if (release == NULL)
		return -1;
	if (*release == 'v')
		release++;
	if (*release < '0' || *release > '9')
		return -1;
	ma = strtoul(release, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	mi = strtoul(end + 1, &end, 10);
	if (ma > 1000 || mi > 1000)
		return -1;
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return 0;
}

uint64_t
util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
util_format_time(int64_t t, char *buf, size_t bufsize)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, bufsize, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
util_parse_time(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

uint64_t
util_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}
