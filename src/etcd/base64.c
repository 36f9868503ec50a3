/*
 * base64.c - standard base64 with padding.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "xmalloc.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out, *o;
	uint32_t v;
	size_t i;

	out = xmalloc((len + 2) / 3 * 4 + 1);
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = base64_alphabet[v >> 18 & 63];
		*o++ = base64_alphabet[v >> 12 & 63];
		*o++ = base64_alphabet[v >> 6 & 63];
		*o++ = base64_alphabet[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = base64_alphabet[v >> 18 & 63];
		*o++ = base64_alphabet[v >> 12 & 63];
		*o++ = i + 1 < len ? base64_alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *
base64_decode(const char *text, size_t *outlen)
{
	size_t len, i, n = 0, pad = 0;
	unsigned char *out = NULL;
	uint32_t v = 0;
	int d, j, ok = 0;

	len = strlen(text);
	if (len % 4 != 0)
		goto cleanup;
	if (len > 0 && text[len - 1] == '=')
		pad++;
	if (len > 1 && text[len - 2] == '=')
		pad++;
	out = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + 4 == len && j >= 4 - (int)pad) {
				if (text[i + j] != '=')
					goto cleanup;
				d = 0;
			} else if ((d = base64_value(text[i + j])) < 0)
				goto cleanup;
			v = v << 6 | (uint32_t)d;
		}
		out[n++] = v >> 16 & 0xff;
		out[n++] = v >> 8 & 0xff;
		out[n++] = v & 0xff;
	}
	n -= pad;
	/* Non-canonical encodings (stray bits in the last symbol) are refused. */
	if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
		goto cleanup;
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	ok = 1;
cleanup:
	if (!ok) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	return (char *)out;
}
