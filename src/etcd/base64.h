/*
 * base64.h - standard base64 (RFC 4648 section 4, with padding), as the
 * etcd JSON gateway encodes keys and values.
 */
#ifndef MIGCOMPAT_BASE64_H
#define MIGCOMPAT_BASE64_H

#include <stddef.h>

/*
 * Encode len bytes of data.  Returns an allocated NUL-terminated string
 * the caller frees; never NULL.
 */
char *base64_encode(const void *data, size_t len);

/*
 * Decode a NUL-terminated base64 string (padding required, no white
 * space).  Returns an allocated buffer with a NUL after the *outlen bytes
 * of data, which the caller frees, or NULL with errno EINVAL if the text
 * is not base64.
 */
char *base64_decode(const char *text, size_t *outlen);

#endif
