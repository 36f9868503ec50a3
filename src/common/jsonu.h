/*
 * jsonu.h - json-c helpers: bounded parsing and typed field access with
 * error messages that name the offending field.
 */
#ifndef MIGCOMPAT_JSONU_H
#define MIGCOMPAT_JSONU_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Deepest nesting accepted in any JSON input. */
#define JSONU_MAX_DEPTH 32

/*
 * Parse exactly one JSON value from len bytes of text (well-formed UTF-8,
 * no overlong forms or surrogates; at most JSONU_MAX_DEPTH deep; nothing
 * but white space after it).  Returns 0 with *out owned by the caller, or
 * -1 with a message in err.
 */
/*
 * The length of array a, or 0 when a is NULL or not an array (a member
 * an answer lacks or has of another type reads as empty).
 */
size_t jsonu_len(struct json_object *a);

int jsonu_parse(const char *text, size_t len, struct json_object **out, char *err, size_t errsize);

/* Write "path: message" into err (path may be NULL).  Returns -1. */
int jsonu_err(char *err, size_t errsize, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A new JSON string "0x..." in lower-case hex. */
struct json_object *jsonu_hex(uint64_t v);

/*
 * Read a hex string ("0x1f") into *v.  Errors name path: not a string,
 * not hex, overflows 64 bits.  Returns 0 or -1.
 */
int jsonu_hex64(struct json_object *o, const char *path, uint64_t *v, char *err, size_t errsize);

/*
 * Read a non-negative integer no larger than max, given as a JSON integer
 * or a hex string.  Returns 0 or -1.
 */
int jsonu_uint(struct json_object *o, const char *path, uint64_t max, uint64_t *v,
    char *err, size_t errsize);

/* Read a JSON integer in [min, max].  Returns 0 or -1. */
int jsonu_int(struct json_object *o, const char *path, int64_t min, int64_t max, int64_t *v,
    char *err, size_t errsize);

/* Read a boolean.  Returns 0 or -1. */
int jsonu_bool(struct json_object *o, const char *path, int *v, char *err, size_t errsize);

/*
 * Copy a string of at most bufsize-1 bytes into buf.  Returns 0 or -1
 * (not a string, too long, embedded NUL).
 */
int jsonu_str(struct json_object *o, const char *path, char *buf, size_t bufsize,
    char *err, size_t errsize);

/* Check that o has type t; otherwise an error naming path and the type wanted. */
int jsonu_want(struct json_object *o, const char *path, enum json_type t, char *err, size_t errsize);

/*
 * The member key of the object o, which must be there: *v set, fpath filled
 * with "path.key" (for the errors of the caller's typed read).  Returns 0,
 * or -1 with "path.key: missing".
 */
int jsonu_member(struct json_object *o, const char *path, const char *key, struct json_object **v,
    char *fpath, size_t fpathsize, char *err, size_t errsize);

/*
 * Call fn on each element of a, an array of objects (or an error naming
 * path, or "path[i]" for an element that is no object), with the
 * element's path "path[i]".  fn returns 0, or -1 with its message in err.
 * Returns 0 or -1.
 */
int jsonu_each_object(struct json_object *a, const char *path,
    int (*fn)(struct json_object *e, const char *epath, void *arg, char *err, size_t errsize),
    void *arg, char *err, size_t errsize);

#endif
