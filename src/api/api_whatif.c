/*
 * api_whatif.c - POST /v1/whatif: what the fleet's targets and groups
 * become if some hosts ran another kernel (whatif.h), on the fleet index
 * the other fleet routes answer from.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api_priv.h"
#include "fleet.h"
#include "hostid.h"
#include "jsonu.h"
#include "vmspec.h"
#include "whatif.h"
#include "xmalloc.h"

/* Most hosts and parameters a request may name. */
#define API_WHATIF_MAX_HOSTS	100000
#define API_WHATIF_MAX_PARAMS	32

#define API_WHATIF_USAGE	"the body must be {\"hosts\": [ID...] or \"class\": N, \"kernel\": K, " \
				"\"params\": {\"kvm_intel.NAME\": VALUE}, \"scenario\": S, \"policy\": P}"

/* "kvm_intel.NAME=VALUE" of one member of "params" (VALUE a string, number or boolean). */
static int
api_whatif_param(struct api_req *r, const char *key, struct json_object *val, char **out)
{
	const char *name = strncmp(key, "kvm_intel.", 10) == 0 ? key + 10 : key;
	char buf[64];

	if (strchr(key, '.') != NULL && name == key) {
		api_error(r, 400, "params.%.64s: only kvm_intel parameters are modelled", key);
		return -1;
	}
	switch (json_object_get_type(val)) {
	case json_type_string:
		/* Cut or ended at a NUL, a bad value could read as a good one. */
		if (json_object_get_string_len(val) >= (int)sizeof(buf) ||
		    strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val)) {
			api_error(r, 400, "params.%.64s: value too long or with a NUL", key);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(val));
		break;
	case json_type_int:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(val));
		break;
	case json_type_boolean:
		snprintf(buf, sizeof(buf), "%s", json_object_get_boolean(val) ? "Y" : "N");
		break;
	default:
		api_error(r, 400, "params.%.64s: expected a string, number or boolean", key);
		return -1;
	}
	if (strlen(name) > 64) {
		api_error(r, 400, "params: parameter name too long");
		return -1;
	}
	*out = xasprintf("kvm_intel.%s=%s", name, buf);
	return 0;
}

void
api_whatif(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct whatif_req req;
	struct json_object *body = NULL, *v, *hosts = NULL;
	enum vmspec_scenario sc;
	const char **ids = NULL;
	char **params = NULL, kernel[128], cls[96], buf[32], err[768], *text;
	unsigned status;
	size_t i, n, len;

	memset(&req, 0, sizeof(req));
	req.scenario = -1;
	req.policy = RULES_POLICY_STRICT;
	if (api_query_only(r, q) == -1 || api_body_json(r, &body) == -1)
		goto cleanup;
	if (!json_object_is_type(body, json_type_object)) {
		api_error(r, 400, API_WHATIF_USAGE);
		goto cleanup;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "hosts") != 0 && strcmp(key, "class") != 0 && strcmp(key, "kernel") != 0 &&
		    strcmp(key, "params") != 0 && strcmp(key, "scenario") != 0 && strcmp(key, "policy") != 0) {
			api_error(r, 400, "unknown field \"%.64s\"; %s", key, API_WHATIF_USAGE);
			goto cleanup;
		}
	}
	if (json_object_object_get_ex(body, "kernel", &v)) {
		if (jsonu_str(v, "kernel", kernel, sizeof(kernel), err, sizeof(err)) == -1) {
			api_error(r, 400, "%s", err);
			goto cleanup;
		}
		req.kernel = kernel;
	}
	if (json_object_object_get_ex(body, "hosts", &hosts)) {
		if (!json_object_is_type(hosts, json_type_array) || (n = json_object_array_length(hosts)) == 0 ||
		    n > API_WHATIF_MAX_HOSTS) {
			api_error(r, 400, "hosts: give an array of 1 to %d host ids", API_WHATIF_MAX_HOSTS);
			goto cleanup;
		}
		ids = xcalloc(n, sizeof(*ids));
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(hosts, i);
			if (!json_object_is_type(v, json_type_string) ||
			    !hostid_valid(json_object_get_string(v))) {
				api_error(r, 400, "hosts[%zu]: not a valid host id", i);
				goto cleanup;
			}
			ids[i] = json_object_get_string(v);
		}
		req.hosts = ids;
		req.n_hosts = n;
	}
	if (json_object_object_get_ex(body, "class", &v)) {
		if (hosts != NULL) {
			api_error(r, 400, "give hosts or class, not both");
			goto cleanup;
		}
		if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
			snprintf(cls, sizeof(cls), "%lld", (long long)json_object_get_int64(v));
		} else if (jsonu_str(v, "class", cls, sizeof(cls), err, sizeof(err)) == -1) {
			api_error(r, 400, "class: expected a class number of /v1/groups or a class hash");
			goto cleanup;
		}
		req.class_sel = cls;
	}
	if (json_object_object_get_ex(body, "params", &v)) {
		if (!json_object_is_type(v, json_type_object) ||
		    json_object_object_length(v) > API_WHATIF_MAX_PARAMS) {
			api_error(r, 400, "params: expected an object of at most %d kvm_intel parameters",
			    API_WHATIF_MAX_PARAMS);
			goto cleanup;
		}
		params = xcalloc(API_WHATIF_MAX_PARAMS, sizeof(*params));
		json_object_object_foreach(v, pk, pv) {
			if (api_whatif_param(r, pk, pv, &params[req.n_params]) == -1)
				goto cleanup;
			req.n_params++;
		}
		req.params = (const char *const *)params;
	}
	if (json_object_object_get_ex(body, "scenario", &v)) {
		if (api_body_scenario(r, body, &sc) == -1)
			goto cleanup;
		req.scenario = (int)sc;
	}
	if (json_object_object_get_ex(body, "policy", &v)) {
		if (jsonu_str(v, "policy", buf, sizeof(buf), err, sizeof(err)) == -1 ||
		    rules_policy_parse(buf, &req.policy) == -1) {
			api_error(r, 400, "policy: expected strict or effective");
			goto cleanup;
		}
	}
	if ((text = whatif_json(r->api->fleet, &req, &len, &status, err, sizeof(err))) == NULL) {
		/* A host the fleet lacks because it was retired is 410, as on the other routes. */
		for (i = 0; status == 404 && i < req.n_hosts; i++)
			if (api_hosts_gone(r, req.hosts[i]))
				goto cleanup;
		api_error(r, status, "%s", err);
		goto cleanup;
	}
	api_reply_text(r, 200, text, "application/json");
cleanup:
	if (params != NULL)
		for (i = 0; i < API_WHATIF_MAX_PARAMS; i++)
			free(params[i]);
	free(params);
	free(ids);
	json_object_put(body);
}
