/*
 * etcd_record.c - content-addressed profiles and host records on etcd.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "jsonu.h"
#include "util.h"
#include "xmalloc.h"

#define ETCD_RECORD_HASH_PREFIX	"sha256:"

static char *
etcd_record_dir(const char *prefix, const char *dir)
{
	size_t n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s/", (int)n, prefix, dir);
}

char *
etcd_record_root(const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	return xasprintf("%.*s/", (int)n, prefix);
}

char *
etcd_record_profiles_prefix(const char *prefix)
{
	return etcd_record_dir(prefix, "profiles");
}

char *
etcd_record_profile_key(const char *prefix, const char *hash)
{
	char *dir = etcd_record_profiles_prefix(prefix), *key;

	if (strncmp(hash, ETCD_RECORD_HASH_PREFIX, strlen(ETCD_RECORD_HASH_PREFIX)) == 0)
		hash += strlen(ETCD_RECORD_HASH_PREFIX);
	key = xasprintf("%s%s", dir, hash);
	free(dir);
	return key;
}

char *
etcd_record_gc_key(const char *prefix, const char *name)
{
	char *dir = etcd_record_dir(prefix, "gc"), *key;

	key = xasprintf("%s%s", dir, name);
	free(dir);
	return key;
}

void
etcd_record_from_profile(struct etcd_record *r, const struct profile *p)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	util_strlcpy(r->hash, p->hash, sizeof(r->hash));
	r->collected_at = p->collected_at;
	util_strlcpy(r->hostname, p->hostname, sizeof(r->hostname));
	util_strlcpy(r->kernel, p->kernel, sizeof(r->kernel));
	util_strlcpy(r->cpu, p->cpu.model_name, sizeof(r->cpu));
	if (profile_layer_ok(&p->libvirt) && p->lv.domains.n > 0) {
		r->domains = xcalloc(p->lv.domains.n, sizeof(*r->domains));
		for (i = 0; i < p->lv.domains.n; i++)
			r->domains[i] = xstrdup(p->lv.domains.v[i]);
		r->n_domains = p->lv.domains.n;
	}
}

void
etcd_record_clear(struct etcd_record *r)
{
	size_t i;

	for (i = 0; i < r->n_domains; i++)
		free(r->domains[i]);
	free(r->domains);
	memset(r, 0, sizeof(*r));
}

int
etcd_record_changed(const struct etcd_record *a, const struct etcd_record *b)
{
	size_t i;

	if (strcmp(a->hash, b->hash) != 0 || strcmp(a->hostname, b->hostname) != 0 ||
	    strcmp(a->kernel, b->kernel) != 0 || strcmp(a->cpu, b->cpu) != 0 ||
	    a->n_domains != b->n_domains)
		return 1;
	for (i = 0; i < a->n_domains; i++)
		if (strcmp(a->domains[i], b->domains[i]) != 0)
			return 1;
	return 0;
}

char *
etcd_record_json(const struct etcd_record *r)
{
	struct json_object *o = json_object_new_object(), *a;
	char *s;
	size_t i;

	/* "record" first: etcd_record_parse tells the layouts apart by it. */
	json_object_object_add(o, "record", json_object_new_int(1));
	json_object_object_add(o, "hash", json_object_new_string(r->hash));
	json_object_object_add(o, "collected_at", json_object_new_int64(r->collected_at));
	json_object_object_add(o, "hostname", json_object_new_string(r->hostname));
	json_object_object_add(o, "kernel", json_object_new_string(r->kernel));
	json_object_object_add(o, "cpu", json_object_new_string(r->cpu));
	if (r->retired_at != 0)
		json_object_object_add(o, "retired_at", json_object_new_int64(r->retired_at));
	if (r->n_domains > 0) {
		a = json_object_new_array();
		for (i = 0; i < r->n_domains; i++)
			json_object_array_add(a, json_object_new_string(r->domains[i]));
		json_object_object_add(o, "domains", a);
	}
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static int
etcd_record_str(struct json_object *o, const char *name, char *buf, size_t size, int need)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return need ? -1 : 0;
	if (!json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= size)
		return -1;
	util_strlcpy(buf, json_object_get_string(v), size);
	return 0;
}

int
etcd_record_parse(const char *value, size_t len, struct etcd_record *r)
{
	static const char mark[] = "{\"record\":";
	struct json_object *o = NULL, *v, *d;
	size_t i, n;
	int ret = -1;

	if (len < sizeof(mark) - 1 || memcmp(value, mark, sizeof(mark) - 1) != 0)
		return 1;
	if (jsonu_parse(value, len, &o, NULL, 0) == -1 || !json_object_is_type(o, json_type_object))
		goto cleanup;
	if (!json_object_object_get_ex(o, "record", &v) || json_object_get_int(v) != 1 ||
	    etcd_record_str(o, "hash", r->hash, sizeof(r->hash), 1) == -1 ||
	    strncmp(r->hash, ETCD_RECORD_HASH_PREFIX, strlen(ETCD_RECORD_HASH_PREFIX)) != 0 ||
	    strlen(r->hash) != strlen(ETCD_RECORD_HASH_PREFIX) + 64 ||
	    strspn(r->hash + 7, "0123456789abcdef") != 64 ||
	    etcd_record_str(o, "hostname", r->hostname, sizeof(r->hostname), 0) == -1 ||
	    etcd_record_str(o, "kernel", r->kernel, sizeof(r->kernel), 0) == -1 ||
	    etcd_record_str(o, "cpu", r->cpu, sizeof(r->cpu), 0) == -1)
		goto cleanup;
	if (json_object_object_get_ex(o, "collected_at", &v))
		r->collected_at = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "retired_at", &v) &&
	    (!json_object_is_type(v, json_type_int) || (r->retired_at = json_object_get_int64(v)) <= 0))
		goto cleanup;
	if (json_object_object_get_ex(o, "domains", &d)) {
		if (!json_object_is_type(d, json_type_array))
			goto cleanup;
		n = json_object_array_length(d);
		r->domains = xcalloc(n ? n : 1, sizeof(*r->domains));
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(d, i);
			if (!json_object_is_type(v, json_type_string))
				goto cleanup;
			r->domains[r->n_domains++] = xstrdup(json_object_get_string(v));
		}
	}
	ret = 0;
cleanup:
	json_object_put(o);
	return ret;
}

void
etcd_record_profile(struct profile *out, const struct profile *blob,
    const struct etcd_record *r, const char *id)
{
	if (blob != NULL) {
		memcpy(out, blob, sizeof(*out));
	} else {
		profile_init(out);
		util_strlcpy(out->hash, r->hash, sizeof(out->hash));
		util_strlcpy(out->kernel, r->kernel, sizeof(out->kernel));
		util_strlcpy(out->cpu.model_name, r->cpu, sizeof(out->cpu.model_name));
	}
	util_strlcpy(out->host_id, id, sizeof(out->host_id));
	util_strlcpy(out->hostname, r->hostname, sizeof(out->hostname));
	out->collected_at = r->collected_at;
	out->lv.domains.v = r->domains;
	out->lv.domains.n = r->n_domains;
	if (r->n_domains > 0 && !profile_layer_ok(&out->libvirt))
		out->libvirt.status = LAYER_MEASURED;
}

int
etcd_record_publish(struct etcd *e, const char *prefix, const char *id,
    const struct etcd_record *r, const char *blob, size_t blob_len, int64_t lease,
    int64_t *rev, char *err, size_t errsize)
{
	struct etcd_cmp cmp;
	struct etcd_op ops[2];
	char *pkey, *hkey, *json;
	int ok, ret;

	pkey = etcd_record_profile_key(prefix, r->hash);
	hkey = etcd_sync_host_key(prefix, id);
	json = etcd_record_json(r);
	/* The blob only if absent: a blob is written once and never changes. */
	memset(&cmp, 0, sizeof(cmp));
	cmp.key = pkey;
	cmp.target = ETCD_CMP_CREATE;
	cmp.result = ETCD_CMP_EQUAL;
	cmp.value = 0;
	memset(ops, 0, sizeof(ops));
	ops[0].type = ETCD_OP_PUT;
	ops[0].key = hkey;
	ops[0].value = json;
	ops[0].len = strlen(json);
	ops[0].lease = lease;
	ops[1].type = ETCD_OP_PUT;
	ops[1].key = pkey;
	ops[1].value = blob;
	ops[1].len = blob_len;
	ret = etcd_txn(e, &cmp, 1, ops, 2, ops, 1, &ok, rev, err, errsize);
	free(pkey);
	free(hkey);
	free(json);
	return ret;
}

int
etcd_record_get_blob(struct etcd *e, const char *prefix, const char *hash, struct profile *p,
    char *err, size_t errsize)
{
	char *key, *value = NULL;
	size_t len = 0;
	int ret = -1;

	key = etcd_record_profile_key(prefix, hash);
	if (etcd_get(e, key, &value, &len, NULL, err, errsize) == -1)
		goto cleanup;
	if (profile_parse(value, len, p, err, errsize) == -1) {
		errno = EPROTO;
		goto cleanup;
	}
	if (strcmp(p->hash, hash) != 0) {
		snprintf(err, errsize, "etcd: %s holds a profile of hash %s", key, p->hash);
		errno = EPROTO;
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(key);
	free(value);
	return ret;
}
