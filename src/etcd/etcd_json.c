/*
 * etcd_json.c - the JSON of the etcd gateway: 64-bit numbers as strings,
 * keys and values in base64 (nettle), key-value messages.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <nettle/base64.h>

#include "etcd.h"
#include "etcd_priv.h"
#include "xmalloc.h"

/* A 64-bit field, sent as a string or a number; 0 when absent. */
int64_t
etcd_json_i64(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strtoll(json_object_get_string(v), NULL, 10);
	return json_object_get_int64(v);
}

int64_t
etcd_json_header_rev(struct json_object *o)
{
	struct json_object *h;

	if (!json_object_object_get_ex(o, "header", &h))
		return 0;
	return etcd_json_i64(h, "revision");
}

struct json_object *
etcd_json_i64_new(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_object_new_string(buf);
}

void
etcd_json_add_bytes(struct json_object *o, const char *name, const void *data, size_t len)
{
	char *b = etcd_json_b64_encode(data, len);

	json_object_object_add(o, name, json_object_new_string(b));
	free(b);
}

/* The end of the range of keys that start with prefix ("\0": all keys). */
char *
etcd_json_prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = xstrdup(prefix);

	while (n > 0) {
		if ((unsigned char)end[n - 1] != 0xff) {
			end[n - 1]++;
			*len = n;
			return end;
		}
		n--;
	}
	end[0] = '\0';
	*len = 1;
	return end;
}

void
etcd_json_add_prefix(struct json_object *req, const char *prefix)
{
	size_t n;
	char *end = etcd_json_prefix_end(prefix, &n);

	etcd_json_add_bytes(req, "key", prefix, strlen(prefix));
	etcd_json_add_bytes(req, "range_end", end, n);
	free(end);
}

/* Decode a base64 field into an allocated buffer ("" when absent). */
int
etcd_json_bytes(struct json_object *o, const char *name, char **out, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v)) {
		*out = xstrdup("");
		*len = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = etcd_json_b64_decode(json_object_get_string(v), len);
	return *out == NULL ? -1 : 0;
}

/* Fill kv from a KeyValue message; free *keybuf and *valbuf afterwards. */
int
etcd_json_kv(struct json_object *o, struct etcd_kv *kv, char **keybuf, char **valbuf)
{
	memset(kv, 0, sizeof(*kv));
	*keybuf = *valbuf = NULL;
	if (!json_object_is_type(o, json_type_object) ||
	    etcd_json_bytes(o, "key", keybuf, &kv->key_len) == -1 ||
	    etcd_json_bytes(o, "value", valbuf, &kv->value_len) == -1) {
		free(*keybuf);
		*keybuf = NULL;
		return -1;
	}
	kv->key = *keybuf;
	kv->value = *valbuf;
	kv->create_revision = etcd_json_i64(o, "create_revision");
	kv->mod_revision = etcd_json_i64(o, "mod_revision");
	kv->version = etcd_json_i64(o, "version");
	kv->lease = etcd_json_i64(o, "lease");
	return 0;
}


int
etcd_json_each_kv(struct json_object *kvs, int (*fn)(const struct etcd_kv *kv, void *arg),
    void *arg, const char *what, char *err, size_t errsize)
{
	struct etcd_kv kv;
	char *kb = NULL, *vb = NULL;
	size_t i, n;
	int ret = -1;

	n = json_object_is_type(kvs, json_type_array) ? json_object_array_length(kvs) : 0;
	for (i = 0; i < n; i++) {
		if (etcd_json_kv(json_object_array_get_idx(kvs, i), &kv, &kb, &vb) == -1) {
			etcd_err(err, errsize, EPROTO, "etcd: bad key-value in %s", what);
			goto cleanup;
		}
		if (fn(&kv, arg) == -1) {
			etcd_err(err, errsize, ECANCELED, "etcd: %s stopped", what);
			goto cleanup;
		}
		free(kb);
		free(vb);
		kb = vb = NULL;
	}
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	return ret;
}

char *
etcd_json_b64_encode(const void *data, size_t len)
{
	size_t n = BASE64_ENCODE_RAW_LENGTH(len);
	char *out = xmalloc(n + 1);

	base64_encode_raw(out, len, data);
	out[n] = '\0';
	return out;
}

char *
etcd_json_b64_decode(const char *text, size_t *outlen)
{
	struct base64_decode_ctx ctx;
	size_t n = strlen(text), pad = 0, got = 0, i;
	char *out = NULL, *again = NULL;

	/* Canonical only: whole quanta, the alphabet, '=' only at the end. */
	if (n % 4 != 0)
		goto bad;
	while (pad < 2 && pad < n && text[n - 1 - pad] == '=')
		pad++;
	for (i = 0; i < n - pad; i++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
		    text[i]) == NULL || text[i] == '\0')
			goto bad;
	}
	out = xmalloc(BASE64_DECODE_LENGTH(n) + 1);
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &got, (uint8_t *)out, n, text) ||
	    !base64_decode_final(&ctx))
		goto bad;
	out[got] = '\0';
	/* Nonzero unused bits decode too: refuse what does not encode back. */
	again = etcd_json_b64_encode(out, got);
	if (strcmp(again, text) != 0)
		goto bad;
	free(again);
	*outlen = got;
	return out;
bad:
	free(out);
	free(again);
	errno = EINVAL;
	return NULL;
}
