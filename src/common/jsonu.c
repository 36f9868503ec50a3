/*
 * jsonu.c - json-c helpers.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonu.h"
#include "util.h"

int
jsonu_err(char *err, size_t errsize, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err != NULL && errsize > 0) {
		if (path != NULL && *path != '\0')
			snprintf(err, errsize, "%s: %s", path, msg);
		else
			snprintf(err, errsize, "%s", msg);
	}
	return -1;
}

/*
 * The offset of the first byte that is not well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing over U+10FFFF), or len.  json-c's
 * own check lets overlong forms and surrogates through.
 */
static size_t
jsonu_utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned char lo, hi;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;
			else if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			if (s[i] == 0xf0)
				lo = 0x90;
			else if (s[i] == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (i + n >= len || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

int
jsonu_parse(const char *text, size_t len, struct json_object **out, char *err, size_t errsize)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t i;
	int ret = -1;

	*out = NULL;
	if (len > INT32_MAX) {
		jsonu_err(err, errsize, NULL, "document too large");
		goto cleanup;
	}
	if ((tok = json_tokener_new_ex(JSONU_MAX_DEPTH)) == NULL) {
		jsonu_err(err, errsize, NULL, "out of memory");
		goto cleanup;
	}
	if ((i = jsonu_utf8_bad((const unsigned char *)text, len)) < len) {
		jsonu_err(err, errsize, NULL, "not JSON: invalid utf-8 string at offset %zu", i);
		goto cleanup;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue || (obj == NULL && jerr == json_tokener_success)) {
		jsonu_err(err, errsize, NULL, "not JSON: unexpected end of input");
		goto cleanup;
	}
	if (jerr != json_tokener_success) {
		jsonu_err(err, errsize, NULL, "not JSON: %s at offset %zu",
		    json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
		goto cleanup;
	}
	for (i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
			jsonu_err(err, errsize, NULL, "not JSON: trailing data at offset %zu", i);
			goto cleanup;
		}
	}
	*out = obj;
	obj = NULL;
	ret = 0;
cleanup:
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return ret;
}

struct json_object *
jsonu_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

int
jsonu_want(struct json_object *o, const char *path, enum json_type t, char *err, size_t errsize)
{
	if (json_object_get_type(o) == t)
		return 0;
	return jsonu_err(err, errsize, path, "expected %s, got %s", json_type_to_name(t),
	    o == NULL ? "null" : json_type_to_name(json_object_get_type(o)));
}

/* The string o holds and its length; no string, or one with a NUL byte, is an error. */
static int
jsonu_string(struct json_object *o, const char *path, const char **s, size_t *n,
    char *err, size_t errsize)
{
	if (jsonu_want(o, path, json_type_string, err, errsize) == -1)
		return -1;
	*s = json_object_get_string(o);
	*n = (size_t)json_object_get_string_len(o);
	if (strlen(*s) != *n)
		return jsonu_err(err, errsize, path, "string contains a NUL byte");
	return 0;
}

int
jsonu_hex64(struct json_object *o, const char *path, uint64_t *v, char *err, size_t errsize)
{
	const char *s;
	size_t n;

	if (jsonu_string(o, path, &s, &n, err, errsize) == -1)
		return -1;
	if (util_parse_hex64(s, v) == 0)
		return 0;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && n > 2) {
		size_t i;
		int allhex = 1;

		for (i = 2; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			    (s[i] >= 'A' && s[i] <= 'F')))
				allhex = 0;
		if (allhex)
			return jsonu_err(err, errsize, path, "hex value \"%.40s\" overflows 64 bits", s);
	}
	return jsonu_err(err, errsize, path, "expected a hex string like \"0x1f\", got \"%.40s\"", s);
}

int
jsonu_uint(struct json_object *o, const char *path, uint64_t max, uint64_t *v,
    char *err, size_t errsize)
{
	if (json_object_is_type(o, json_type_string)) {
		if (jsonu_hex64(o, path, v, err, errsize) == -1)
			return -1;
	} else if (json_object_is_type(o, json_type_int)) {
		int64_t i = json_object_get_int64(o);

		if (i < 0)
			return jsonu_err(err, errsize, path, "negative value %" PRId64, i);
		if (i == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
			*v = json_object_get_uint64(o);
		else
			*v = (uint64_t)i;
	} else {
		return jsonu_err(err, errsize, path, "expected an unsigned integer, got %s",
		    o == NULL ? "null" : json_type_to_name(json_object_get_type(o)));
	}
	if (*v > max)
		return jsonu_err(err, errsize, path, "value %" PRIu64 " out of range (max %" PRIu64 ")",
		    *v, max);
	return 0;
}

int
jsonu_int(struct json_object *o, const char *path, int64_t min, int64_t max, int64_t *v,
    char *err, size_t errsize)
{
	if (jsonu_want(o, path, json_type_int, err, errsize) == -1)
		return -1;
	*v = json_object_get_int64(o);
	if (*v < min || *v > max)
		return jsonu_err(err, errsize, path, "value %" PRId64 " out of range [%" PRId64
		    ", %" PRId64 "]", *v, min, max);
	return 0;
}

int
jsonu_bool(struct json_object *o, const char *path, int *v, char *err, size_t errsize)
{
	if (jsonu_want(o, path, json_type_boolean, err, errsize) == -1)
		return -1;
	*v = json_object_get_boolean(o) ? 1 : 0;
	return 0;
}

int
jsonu_str(struct json_object *o, const char *path, char *buf, size_t bufsize,
    char *err, size_t errsize)
{
	const char *s;
	size_t n;

	if (jsonu_string(o, path, &s, &n, err, errsize) == -1)
		return -1;
	if (n >= bufsize)
		return jsonu_err(err, errsize, path, "string longer than %zu bytes", bufsize - 1);
	memcpy(buf, s, n + 1);
	return 0;
}

int
jsonu_member(struct json_object *o, const char *path, const char *key, struct json_object **v,
    char *fpath, size_t fpathsize, char *err, size_t errsize)
{
	snprintf(fpath, fpathsize, "%s.%s", path, key);
	if (!json_object_object_get_ex(o, key, v))
		return jsonu_err(err, errsize, fpath, "missing");
	return 0;
}

int
jsonu_each_object(struct json_object *a, const char *path,
    int (*fn)(struct json_object *e, const char *epath, void *arg, char *err, size_t errsize),
    void *arg, char *err, size_t errsize)
{
	struct json_object *e;
	char epath[512];
	size_t i, n;

	if (jsonu_want(a, path, json_type_array, err, errsize) == -1)
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
		if (jsonu_want(e, epath, json_type_object, err, errsize) == -1 ||
		    fn(e, epath, arg, err, errsize) == -1)
			return -1;
	}
	return 0;
}

size_t
jsonu_len(struct json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}
