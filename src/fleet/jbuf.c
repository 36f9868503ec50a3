/*
 * jbuf.c - a growable text buffer for large JSON documents.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jbuf.h"
#include "xmalloc.h"

void
jbuf_init(struct jbuf *b)
{
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}

void
jbuf_free(struct jbuf *b)
{
	if (b == NULL)
		return;
	free(b->s);
	jbuf_init(b);
}

/* Make room for n more bytes and the terminating NUL. */
static void
jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t cap;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

void
jbuf_add(struct jbuf *b, const char *s, size_t len)
{
	jbuf_reserve(b, len);
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void
jbuf_puts(struct jbuf *b, const char *s)
{
	jbuf_add(b, s, strlen(s));
}

void
jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	jbuf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
jbuf_str(struct jbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t run;

	jbuf_reserve(b, strlen(s) + 2);
	b->s[b->len++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; ) {
		/* Copy the longest run that needs no escape in one go. */
		for (run = 0; p[run] >= 0x20 && p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > 0) {
			jbuf_add(b, (const char *)p, run);
			p += run;
			continue;
		}
		jbuf_reserve(b, 6);
		b->s[b->len++] = '\\';
		switch (*p) {
		case '"':
		case '\\':
			b->s[b->len++] = (char)*p;
			break;
		case '\n':
			b->s[b->len++] = 'n';
			break;
		case '\t':
			b->s[b->len++] = 't';
			break;
		case '\r':
			b->s[b->len++] = 'r';
			break;
		default:
			b->s[b->len++] = 'u';
			b->s[b->len++] = '0';
			b->s[b->len++] = '0';
			b->s[b->len++] = hex[*p >> 4];
			b->s[b->len++] = hex[*p & 0xf];
			break;
		}
		p++;
	}
	jbuf_reserve(b, 1);
	b->s[b->len++] = '"';
	b->s[b->len] = '\0';
}

void
jbuf_json(struct jbuf *b, struct json_object *o)
{
	jbuf_puts(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

char *
jbuf_steal(struct jbuf *b, size_t *len)
{
	char *s;

	jbuf_reserve(b, 0);
	s = b->s;
	if (len != NULL)
		*len = b->len;
	jbuf_init(b);
	return s;
}
