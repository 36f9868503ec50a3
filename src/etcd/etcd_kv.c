/*
 * etcd_kv.c - keys and values: put, get, paged listings, delete, compaction.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "etcd_priv.h"
#include "xmalloc.h"

/* Keys per page of a listing. */
#define ETCD_PAGE		256

int
etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
    int64_t *rev, char *err, size_t errsize)
{
	struct json_object *req;

	req = json_object_new_object();
	etcd_json_add_bytes(req, "key", key, strlen(key));
	etcd_json_add_bytes(req, "value", value, len);
	if (lease != 0)
		json_object_object_add(req, "lease", etcd_json_i64_new(lease));
	return etcd_rpc(e, "/v3/kv/put", req, NULL, rev, err, errsize);
}

int
etcd_put_new(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
    int *created, char *err, size_t errsize)
{
	struct etcd_cmp cmp;
	struct etcd_op op;

	memset(&cmp, 0, sizeof(cmp));
	cmp.key = key;
	cmp.target = ETCD_CMP_CREATE;
	cmp.result = ETCD_CMP_EQUAL;
	memset(&op, 0, sizeof(op));
	op.type = ETCD_OP_PUT;
	op.key = key;
	op.value = value;
	op.len = len;
	op.lease = lease;
	return etcd_txn(e, &cmp, 1, &op, 1, NULL, 0, created, NULL, err, errsize);
}

int
etcd_get(struct etcd *e, const char *key, char **value, size_t *len, struct etcd_kv *kv,
    char *err, size_t errsize)
{
	struct json_object *resp = NULL, *req, *kvs, *k;
	struct etcd_kv tmp;
	char *kb = NULL, *vb = NULL;
	int ret = -1;

	*value = NULL;
	req = json_object_new_object();
	etcd_json_add_bytes(req, "key", key, strlen(key));
	if (etcd_rpc(e, "/v3/kv/range", req, &resp, NULL, err, errsize) == -1)
		goto cleanup;
	if (!json_object_object_get_ex(resp, "kvs", &kvs) || !json_object_is_type(kvs, json_type_array) ||
	    json_object_array_length(kvs) == 0) {
		etcd_err(err, errsize, ENOENT, "etcd: %s: no such key", key);
		goto cleanup;
	}
	k = json_object_array_get_idx(kvs, 0);
	if (etcd_json_kv(k, &tmp, &kb, &vb) == -1) {
		etcd_err(err, errsize, EPROTO, "etcd: %s: bad key-value in the answer", key);
		goto cleanup;
	}
	*value = vb;
	vb = NULL;
	if (len != NULL)
		*len = tmp.value_len;
	if (kv != NULL) {
		*kv = tmp;
		kv->key = kv->value = NULL;
	}
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	json_object_put(resp);
	return ret;
}

int
etcd_range_prefix(struct etcd *e, const char *prefix, int64_t revision,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize)
{
	struct etcd_range_opts o = { revision, 0, 0, 0 };

	return etcd_range(e, prefix, &o, fn, arg, rev, err, errsize);
}

int
etcd_range(struct etcd *e, const char *prefix, const struct etcd_range_opts *o,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, int64_t *rev,
    char *err, size_t errsize)
{
	static const struct etcd_range_opts defaults = { 0, 0, 0, 0 };
	struct json_object *req, *resp = NULL, *kvs = NULL, *more;
	int64_t revision;
	unsigned page;
	char *from = NULL, *end;
	size_t n, from_len = 0, end_len;
	int ret = -1;

	if (o == NULL)
		o = &defaults;
	revision = o->revision;
	page = o->page ? o->page : ETCD_PAGE;
	end = etcd_json_prefix_end(prefix, &end_len);
	from = xstrdup(prefix);
	from_len = strlen(prefix);
	for (;;) {
		json_object_put(resp);
		req = json_object_new_object();
		etcd_json_add_bytes(req, "key", from, from_len);
		etcd_json_add_bytes(req, "range_end", end, end_len);
		json_object_object_add(req, "limit", json_object_new_int((int)page));
		if (o->keys_only)
			json_object_object_add(req, "keys_only", json_object_new_boolean(1));
		if (revision != 0)
			json_object_object_add(req, "revision", etcd_json_i64_new(revision));
		if (etcd_rpc(e, "/v3/kv/range", req, &resp, NULL, err, errsize) == -1)
			goto cleanup;
		/* Every further page reads the revision of the first. */
		if (revision == 0)
			revision = etcd_json_header_rev(resp);
		n = 0;
		if (json_object_object_get_ex(resp, "kvs", &kvs) && json_object_is_type(kvs, json_type_array))
			n = json_object_array_length(kvs);
		if (etcd_json_each_kv(kvs, fn, arg, prefix, err, errsize) == -1)
			goto cleanup;
		if (n > 0) {
			/* The next page starts just after the last key. */
			free(from);
			if (etcd_json_bytes(json_object_array_get_idx(kvs, n - 1), "key", &from,
			    &from_len) == -1) {
				from = NULL;
				etcd_err(err, errsize, EPROTO, "etcd: bad key-value in %s", prefix);
				goto cleanup;
			}
			/* With its NUL: the smallest key after it. */
			from_len++;
		}
		if (o->page_end && n > 0 && fn(NULL, arg) == -1) {
			etcd_err(err, errsize, ECANCELED, "etcd: %s stopped", prefix);
			goto cleanup;
		}
		if (n == 0 || !json_object_object_get_ex(resp, "more", &more) ||
		    !json_object_get_boolean(more))
			break;
	}
	if (rev != NULL)
		*rev = revision;
	ret = 0;
cleanup:
	free(from);
	free(end);
	json_object_put(resp);
	return ret;
}

int
etcd_delete(struct etcd *e, const char *key, int prefix, int64_t *deleted, int64_t *rev,
    char *err, size_t errsize)
{
	struct json_object *req, *resp;

	req = json_object_new_object();
	if (prefix)
		etcd_json_add_prefix(req, key);
	else
		etcd_json_add_bytes(req, "key", key, strlen(key));
	if (etcd_rpc(e, "/v3/kv/deleterange", req, &resp, rev, err, errsize) == -1)
		return -1;
	if (deleted != NULL)
		*deleted = etcd_json_i64(resp, "deleted");
	json_object_put(resp);
	return 0;
}

int
etcd_compact(struct etcd *e, int64_t revision, char *err, size_t errsize)
{
	struct json_object *req;

	req = json_object_new_object();
	json_object_object_add(req, "revision", etcd_json_i64_new(revision));
	json_object_object_add(req, "physical", json_object_new_boolean(1));
	return etcd_rpc(e, "/v3/kv/compaction", req, NULL, NULL, err, errsize);
}


static const char *const etcd_kv_targets[] = { "CREATE", "MOD", "VERSION" };
static const char *const etcd_kv_target_fields[] = { "create_revision", "mod_revision", "version" };
static const char *const etcd_kv_results[] = { "EQUAL", "GREATER", "LESS", "NOT_EQUAL" };

static struct json_object *
etcd_kv_ops_json(const struct etcd_op *ops, size_t n)
{
	struct json_object *a = json_object_new_array(), *op, *r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = json_object_new_object();
		op = json_object_new_object();
		etcd_json_add_bytes(r, "key", ops[i].key, strlen(ops[i].key));
		if (ops[i].type == ETCD_OP_PUT) {
			etcd_json_add_bytes(r, "value", ops[i].value, ops[i].len);
			if (ops[i].lease != 0)
				json_object_object_add(r, "lease", etcd_json_i64_new(ops[i].lease));
			json_object_object_add(op, "request_put", r);
		} else {
			json_object_object_add(op, "request_delete_range", r);
		}
		json_object_array_add(a, op);
	}
	return a;
}

int
etcd_txn(struct etcd *e, const struct etcd_cmp *cmp, size_t ncmp,
    const struct etcd_op *then, size_t nthen, const struct etcd_op *otherwise, size_t notherwise,
    int *succeeded, int64_t *rev, char *err, size_t errsize)
{
	struct json_object *req, *resp, *a, *c, *v;
	char *end;
	size_t i, n;

	req = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < ncmp; i++) {
		c = json_object_new_object();
		json_object_object_add(c, "result",
		    json_object_new_string(etcd_kv_results[cmp[i].result]));
		json_object_object_add(c, "target",
		    json_object_new_string(etcd_kv_targets[cmp[i].target]));
		etcd_json_add_bytes(c, "key", cmp[i].key, strlen(cmp[i].key));
		if (cmp[i].prefix) {
			end = etcd_json_prefix_end(cmp[i].key, &n);
			etcd_json_add_bytes(c, "range_end", end, n);
			free(end);
		}
		json_object_object_add(c, etcd_kv_target_fields[cmp[i].target],
		    etcd_json_i64_new(cmp[i].value));
		json_object_array_add(a, c);
	}
	json_object_object_add(req, "compare", a);
	json_object_object_add(req, "success", etcd_kv_ops_json(then, nthen));
	json_object_object_add(req, "failure", etcd_kv_ops_json(otherwise, notherwise));
	if (etcd_rpc(e, "/v3/kv/txn", req, &resp, rev, err, errsize) == -1)
		return -1;
	*succeeded = json_object_object_get_ex(resp, "succeeded", &v) && json_object_get_boolean(v);
	json_object_put(resp);
	return 0;
}

int
etcd_get_many(struct etcd *e, const char *const *keys, size_t n,
    int (*fn)(const struct etcd_kv *kv, void *arg), void *arg, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *ops, *op, *r, *rs, *kvs;
	size_t i;
	int ret = -1;

	req = json_object_new_object();
	ops = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = json_object_new_object();
		etcd_json_add_bytes(r, "key", keys[i], strlen(keys[i]));
		op = json_object_new_object();
		json_object_object_add(op, "request_range", r);
		json_object_array_add(ops, op);
	}
	json_object_object_add(req, "success", ops);
	if (etcd_rpc(e, "/v3/kv/txn", req, &resp, NULL, err, errsize) == -1)
		goto cleanup;
	if (!json_object_object_get_ex(resp, "responses", &rs) ||
	    !json_object_is_type(rs, json_type_array)) {
		ret = n == 0 ? 0 : etcd_err(err, errsize, EPROTO, "etcd: no responses in the answer");
		goto cleanup;
	}
	for (i = 0; i < json_object_array_length(rs); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(rs, i), "response_range", &r) ||
		    !json_object_object_get_ex(r, "kvs", &kvs))
			continue;
		if (etcd_json_each_kv(kvs, fn, arg, "the answer", err, errsize) == -1)
			goto cleanup;
	}
	ret = 0;
cleanup:
	json_object_put(resp);
	return ret;
}
