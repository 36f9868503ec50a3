/*
 * util.h - small helpers shared by every binary: number parsing, files,
 * kernel release strings.
 */
#ifndef MIGCOMPAT_UTIL_H
#define MIGCOMPAT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a 64-bit unsigned value written as "0x" followed by 1 to 16 hex
 * digits (upper or lower case).  Anything else, including overflow past 64
 * bits, leading or trailing junk and an empty digit string, fails.
 * Returns 0 and sets *out, or -1.
 */
int util_parse_hex64(const char *s, uint64_t *out);

/*
 * Parse an unsigned decimal, or hex with "0x", no larger than max.
 * Returns 0 and sets *out, or -1.
 */
int util_parse_u64(const char *s, uint64_t max, uint64_t *out);

/*
 * Read a whole file into an allocated NUL-terminated buffer (caller frees).
 * Files larger than max_size fail with errno EFBIG.  *len, if not NULL,
 * receives the length without the NUL.  Returns NULL with errno set.
 */
char *util_read_file(const char *path, size_t max_size, size_t *len);

/*
 * Read a secret from a file: its first line without trailing blanks, at
 * most 4 KiB.  Returns an allocated string, or NULL with a message in err
 * (unreadable, or an empty first line).
 */
char *util_read_token(const char *path, char *err, size_t errsize);

/*
 * Copy src into dst of size dstsize, always NUL-terminating.  Returns the
 * length of src (like strlcpy).
 */
size_t util_strlcpy(char *dst, const char *src, size_t dstsize);

/*
 * Nonzero when two feature names are the same name as QEMU, libvirt and
 * Linux spell it: case ignored, '-', '_' and '.' taken alike
 * ("tsc_adjust", "tsc-adjust", "SSE4.1", "sse4-1").
 */
int util_name_eq(const char *a, const char *b);

/*
 * Extract major.minor from a kernel release string ("6.1.0-13-amd64",
 * "5.15.0-91-generic", "v6.3").  Returns 0 and sets *major, *minor, or -1
 * if the string does not start with a version.
 */
int util_kernel_version(const char *release, unsigned *major, unsigned *minor);

/* Current time in nanoseconds from CLOCK_MONOTONIC. */
uint64_t util_now_ns(void);

/* FNV-1a (64 bits) of a C string: for in-memory hash tables, not for content addressing. */
uint64_t util_hash_str(const char *s);

/* The SHA-256 digest of len bytes at data into out (UTIL_SHA256_SIZE bytes). */
#define UTIL_SHA256_SIZE	32
void util_sha256(const void *data, size_t len, unsigned char out[UTIL_SHA256_SIZE]);

/* Format a UNIX time as RFC 3339 UTC ("2026-11-25T00:35:26Z") into buf. */
void util_format_time(int64_t t, char *buf, size_t bufsize);

/* Parse an RFC 3339 UTC time as written by util_format_time.  Returns 0 or -1. */
int util_parse_time(const char *s, int64_t *t);

#endif
