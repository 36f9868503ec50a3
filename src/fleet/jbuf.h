/*
 * jbuf.h - a growable text buffer for writing large JSON documents without
 * building a json-c tree: fleet answers list up to every host id of the
 * fleet, and a tree of 100 000 strings costs more than writing them.
 */
#ifndef MIGCOMPAT_JBUF_H
#define MIGCOMPAT_JBUF_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

struct jbuf {
	char *s;
	size_t len, cap;
};

/* Initialise an empty buffer. */
void jbuf_init(struct jbuf *b);

/* Free the text.  NULL is fine. */
void jbuf_free(struct jbuf *b);

/* Append len bytes, a C string, or printf-style text. */
void jbuf_add(struct jbuf *b, const char *s, size_t len);
void jbuf_puts(struct jbuf *b, const char *s);
void jbuf_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append s as a JSON string literal, quoted and escaped. */
void jbuf_str(struct jbuf *b, const char *s);

/* Append the compact text of a json-c value. */
void jbuf_json(struct jbuf *b, struct json_object *o);

/*
 * Hand the NUL-terminated text to the caller (who frees it) and reset the
 * buffer.  *len, if not NULL, receives its length.
 */
char *jbuf_steal(struct jbuf *b, size_t *len);

#endif
