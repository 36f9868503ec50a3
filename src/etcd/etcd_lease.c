/*
 * etcd_lease.c - leases: grant, keep alive, revoke.
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


int
etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id, int64_t *granted,
    char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *v;
	int ret = -1;

	req = json_object_new_object();
	json_object_object_add(req, "TTL", etcd_json_i64_new(ttl));
	if (etcd_rpc(e, "/v3/lease/grant", req, &resp, NULL, err, errsize) == -1)
		goto cleanup;
	if (json_object_object_get_ex(resp, "error", &v) && json_object_is_type(v, json_type_string) &&
	    *json_object_get_string(v) != '\0') {
		etcd_err(err, errsize, EIO, "etcd: lease grant: %s", json_object_get_string(v));
		goto cleanup;
	}
	*id = etcd_json_i64(resp, "ID");
	if (*id == 0) {
		etcd_err(err, errsize, EPROTO, "etcd: lease grant: no ID in the answer");
		goto cleanup;
	}
	if (granted != NULL)
		*granted = etcd_json_i64(resp, "TTL");
	ret = 0;
cleanup:
	json_object_put(resp);
	return ret;
}

int
etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, char *err, size_t errsize)
{
	struct json_object *req, *resp = NULL, *res;
	int64_t t;
	int ret = -1;

	req = json_object_new_object();
	json_object_object_add(req, "ID", etcd_json_i64_new(id));
	if (etcd_rpc(e, "/v3/lease/keepalive", req, &resp, NULL, err, errsize) == -1)
		goto cleanup;
	/* A stream call: the answer is {"result": LeaseKeepAliveResponse}. */
	if (!json_object_object_get_ex(resp, "result", &res)) {
		etcd_err(err, errsize, EPROTO, "etcd: lease keepalive: no result in the answer");
		goto cleanup;
	}
	t = etcd_json_i64(res, "TTL");
	if (t <= 0) {
		etcd_err(err, errsize, ENOENT, "etcd: lease %llx has expired", (unsigned long long)id);
		goto cleanup;
	}
	if (ttl != NULL)
		*ttl = t;
	ret = 0;
cleanup:
	json_object_put(resp);
	return ret;
}

int
etcd_lease_revoke(struct etcd *e, int64_t id, char *err, size_t errsize)
{
	struct json_object *req;

	req = json_object_new_object();
	json_object_object_add(req, "ID", etcd_json_i64_new(id));
	return etcd_rpc(e, "/v3/lease/revoke", req, NULL, NULL, err, errsize);
}

