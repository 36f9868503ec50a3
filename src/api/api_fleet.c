/*
 * api_fleet.c - fleet-wide answers: /v1/hosts/{id}/targets, /v1/groups,
 * /v1/baseline and /v1/fleet/changes, served from the fleet index
 * (fleet.h) kept in memory: uploads through the API are in it before they
 * are acknowledged, writes of other connections (collection, the etcd
 * mirror) within API_SYNC_MS (the writer thread syncs it).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api_priv.h"
#include "baseline.h"
#include "changes.h"
#include "domxml.h"
#include "fleet.h"
#include "hostid.h"
#include "jsonu.h"
#include "log.h"
#include "pcache.h"
#include "profile.h"
#include "rules.h"
#include "store.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

/* Most hosts a baseline request may name. */
#define API_FLEET_MAX_BASELINE	100000

struct api_fleet_load {
	struct api *a;
	struct store *s;
};

static int
api_fleet_load_one(const struct store_host *h, void *arg)
{
	struct api_fleet_load *ld = arg;
	struct api *a = ld->a;
	const struct profile *p;
	char err[512], hash[80];

	/*
	 * A stale host (its fleet-store lease expired) or a retired one is no
	 * target and in no group.
	 */
	if (h->stale_since != 0 || h->retired_at != 0) {
		fleet_remove_host(a->fleet, h->id);
		return 0;
	}
	if (fleet_host_hash(a->fleet, h->id, hash, sizeof(hash)) == 0 && strcmp(hash, h->cur.hash) == 0)
		return 0;
	if ((p = pcache_get(a->cache, ld->s, h->cur.hash, err, sizeof(err))) == NULL) {
		log_warnx("fleet: host %s: %s", h->id, err);
		return 0;
	}
	if (fleet_set_host(a->fleet, h->id, p, err, sizeof(err)) == -1)
		log_warnx("fleet: host %s: %s", h->id, err);
	return 0;
}

int
api_fleet_sync(struct api *a, struct store *s, char *err, size_t errsize)
{
	struct api_fleet_load ld = { a, s };
	uint64_t t0;
	int64_t dv;

	/* Uploads through this API update the index directly; others show in data_version. */
	dv = store_data_version(s);
	if (a->fleet_synced && dv == a->fleet_dv)
		return 0;
	/*
	 * A sync reads every host: while another connection writes on and on
	 * (a fleet node listing etcd), sync at most once per 4 times the
	 * last one took, so that it takes no more than a fifth of a CPU.
	 */
	t0 = util_now_ns();
	if (a->fleet_synced && t0 < a->fleet_next_ns)
		return 0;
	if (store_each_host(s, api_fleet_load_one, &ld, err, errsize) == -1)
		return -1;
	a->fleet_next_ns = util_now_ns() + 4 * (util_now_ns() - t0);
	a->fleet_dv = dv;
	a->fleet_synced = 1;
	log_debug("fleet: %zu hosts in %zu classes", fleet_host_count(a->fleet),
	    fleet_class_count(a->fleet));
	return 0;
}

void
api_fleet_update(struct api *a, const char *id, const struct profile *p)
{
	char err[512];

	if (fleet_set_host(a->fleet, id, p, err, sizeof(err)) == -1)
		log_warnx("fleet: host %s: %s", id, err);
}

/*
 * The VM of a POSTed targets request: domain XML, or a JSON object
 * {"vm": {...}} or {"scenario": S}, with an optional "policy".
 */
static int
api_fleet_vm_body(struct api_req *r, struct vmspec *vm, enum rules_policy *policy)
{
	struct json_object *body = NULL;
	char err[512];
	int ret = -1;

	if (api_ctype_is(r, "application/xml") || api_ctype_is(r, "text/xml")) {
		if (domxml_parse(r->body, r->len, vm, err, sizeof(err)) == -1) {
			api_error(r, 400, "domain XML: %s", err);
			return -1;
		}
		return 0;
	}
	if (api_body_json(r, &body) == -1)
		return -1;
	if (!json_object_is_type(body, json_type_object)) {
		api_error(r, 400, "the body must be a JSON object {\"vm\", \"scenario\", \"policy\"}");
		goto cleanup;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "vm") != 0 && strcmp(key, "scenario") != 0 && strcmp(key, "policy") != 0) {
			api_error(r, 400, "unknown field \"%.64s\"", key);
			goto cleanup;
		}
	}
	if (api_body_policy(r, body, policy) == -1 || api_body_vm(r, body, VMSPEC_NESTED, vm) == -1)
		goto cleanup;
	ret = 0;
cleanup:
	json_object_put(body);
	return ret;
}

void
api_fleet_targets(struct api_req *r)
{
	static const char *const qget[] = { "scenario", "policy", NULL };
	static const char *const qpost[] = { "policy", NULL };
	enum vmspec_scenario sc = VMSPEC_NESTED;
	enum rules_policy policy = RULES_POLICY_STRICT;
	struct vmspec *vm = xmalloc(sizeof(*vm));
	const char *id = r->param[0];
	char err[512], *text;
	size_t len;

	if (strcmp(r->method, "POST") == 0) {
		if (api_query_only(r, qpost) == -1 ||
		    api_policy_arg(r, api_query(r, "policy"), &policy) == -1 ||
		    api_fleet_vm_body(r, vm, &policy) == -1)
			goto cleanup;
	} else {
		if (api_query_only(r, qget) == -1 ||
		    api_scenario_arg(r, api_query(r, "scenario"), &sc) == -1 ||
		    api_policy_arg(r, api_query(r, "policy"), &policy) == -1)
			goto cleanup;
		vmspec_init(vm, sc);
	}
	if (!hostid_valid(id)) {
		api_error(r, 400, "invalid host id");
		goto cleanup;
	}
	if ((text = fleet_targets(r->api->fleet, id, vm, policy, &len, err, sizeof(err))) == NULL) {
		if (!api_hosts_gone(r, id))
			api_error(r, 404, "%s", err);
		goto cleanup;
	}
	api_reply_text(r, 200, text, "application/json");
cleanup:
	free(vm);
}

void
api_fleet_groups(struct api_req *r)
{
	static const char *const q[] = { "policy", "hosts", NULL };
	enum rules_policy policy = RULES_POLICY_STRICT;
	const char *h = api_query(r, "hosts");
	int with_hosts = 1;
	size_t len;

	if (api_query_only(r, q) == -1 || api_policy_arg(r, api_query(r, "policy"), &policy) == -1)
		return;
	if (h != NULL) {
		if (strcmp(h, "0") == 0 || strcmp(h, "false") == 0) {
			with_hosts = 0;
		} else if (strcmp(h, "1") != 0 && strcmp(h, "true") != 0) {
			api_error(r, 400, "hosts: \"%.16s\" is not 0, 1, false or true", h);
			return;
		}
	}
	api_reply_text(r, 200, fleet_groups(r->api->fleet, policy, with_hosts, &len), "application/json");
}

struct api_fleet_base {
	const char *const *ids;
	enum vmspec_scenario sc;
	enum rules_policy policy;
	struct json_object *answer;
	char err[768];
};

static int
api_fleet_base_fn(const struct profile *const *profiles, size_t n, void *arg)
{
	struct api_fleet_base *b = arg;

	b->answer = baseline_json(profiles, b->ids, n, b->sc, b->policy, b->err, sizeof(b->err));
	return b->answer != NULL ? 0 : -1;
}

void
api_fleet_baseline(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct api_fleet_base b;
	struct json_object *body = NULL, *hosts, *v;
	const char **ids = NULL;
	size_t i, n;

	memset(&b, 0, sizeof(b));
	b.sc = VMSPEC_NESTED;
	b.policy = RULES_POLICY_STRICT;
	if (api_query_only(r, q) == -1 || api_body_json(r, &body) == -1)
		goto cleanup;
	if (!json_object_is_type(body, json_type_object) ||
	    !json_object_object_get_ex(body, "hosts", &hosts) ||
	    !json_object_is_type(hosts, json_type_array)) {
		api_error(r, 400, "the body must be {\"hosts\": [ID...], \"scenario\": S, \"policy\": P}");
		goto cleanup;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "hosts") != 0 && strcmp(key, "scenario") != 0 && strcmp(key, "policy") != 0) {
			api_error(r, 400, "unknown field \"%.64s\"", key);
			goto cleanup;
		}
	}
	if (api_body_scenario(r, body, &b.sc) == -1 || api_body_policy(r, body, &b.policy) == -1)
		goto cleanup;
	n = json_object_array_length(hosts);
	if (n == 0 || n > API_FLEET_MAX_BASELINE) {
		api_error(r, 400, "hosts: give 1 to %d host ids", API_FLEET_MAX_BASELINE);
		goto cleanup;
	}
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(hosts, i);
		if (!json_object_is_type(v, json_type_string) || !hostid_valid(json_object_get_string(v))) {
			api_error(r, 400, "hosts[%zu]: not a valid host id", i);
			goto cleanup;
		}
		ids[i] = json_object_get_string(v);
	}
	b.ids = ids;
	if (fleet_with_profiles(r->api->fleet, ids, n, api_fleet_base_fn, &b, b.err, sizeof(b.err)) == -1) {
		/* Unknown hosts are 404 (retired ones 410); a set without a common configuration is 409. */
		if (b.answer == NULL && strncmp(b.err, "unknown host", 12) == 0) {
			for (i = 0; i < n; i++)
				if (api_hosts_gone(r, ids[i]))
					goto cleanup;
			api_error(r, 404, "%s", b.err);
		} else {
			api_error(r, 409, "%s", b.err);
		}
		goto cleanup;
	}
	api_reply(r, 200, b.answer);
	b.answer = NULL;
cleanup:
	json_object_put(b.answer);
	free(ids);
	json_object_put(body);
}

/* ---- changes ---- */

struct api_fleet_chg {
	struct api *a;
	struct store *s;
	int64_t since;
	struct changes_entry *e;
	size_t n, cap;
	char *prev;			/* hash of the previous version seen (newest first) */
	const char *host;
	int failed;
	char err[512];
};

static int
api_fleet_chg_version(const struct store_version *v, void *arg)
{
	struct api_fleet_chg *c = arg;

	/* Versions come newest first: the one after this is its successor. */
	if (c->n > 0 && c->e[c->n - 1].old_hash == NULL && strcmp(c->e[c->n - 1].host_id, c->host) == 0)
		c->e[c->n - 1].old_hash = xstrdup(v->hash);
	if (v->stored_at < c->since)
		return -1;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 64 : c->cap * 2;
		c->e = xreallocarray(c->e, c->cap, sizeof(*c->e));
	}
	c->e[c->n].host_id = xstrdup(c->host);
	c->e[c->n].version = v->version;
	c->e[c->n].time = v->stored_at;
	c->e[c->n].old_hash = NULL;
	c->e[c->n].new_hash = xstrdup(v->hash);
	c->n++;
	return 0;
}

static int
api_fleet_chg_host(const struct store_host *h, void *arg)
{
	struct api_fleet_chg *c = arg;

	if (h->cur.stored_at < c->since)
		return 0;
	c->host = h->id;
	/* Stopping at the first version older than since is not an error. */
	store_each_version(c->s, h->id, api_fleet_chg_version, c, c->err, sizeof(c->err));
	return 0;
}

static const struct profile *
api_fleet_chg_lookup(const char *hash, void *arg)
{
	struct api_fleet_chg *c = arg;
	char err[512];

	return pcache_get(c->a->cache, c->s, hash, err, sizeof(err));
}

static int
api_fleet_chg_cmp(const void *x, const void *y)
{
	const struct changes_entry *a = x, *b = y;
	int d;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if ((d = strcmp(a->host_id, b->host_id)) != 0)
		return d;
	return a->version < b->version ? -1 : a->version > b->version;
}

void
api_fleet_changes(struct api_req *r)
{
	static const char *const q[] = { "since", NULL };
	struct api_fleet_chg c;
	const char *s = api_query(r, "since");
	uint64_t u;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.a = r->api;
	c.s = r->store;
	if (api_query_only(r, q) == -1)
		return;
	if (s == NULL) {
		api_error(r, 400, "since is required (RFC 3339 UTC time or UNIX seconds)");
		return;
	}
	if (util_parse_time(s, &c.since) == -1) {
		if (util_parse_u64(s, INT64_MAX, &u) == -1) {
			api_error(r, 400, "since: \"%.40s\" is neither an RFC 3339 UTC time nor UNIX seconds", s);
			return;
		}
		c.since = (int64_t)u;
	}
	if (store_each_host(r->store, api_fleet_chg_host, &c, c.err, sizeof(c.err)) == -1) {
		api_error(r, 500, "%s", c.err);
		goto cleanup;
	}
	if (c.n > 1)	/* c.e is NULL when there is nothing: qsort wants an array. */
		qsort(c.e, c.n, sizeof(*c.e), api_fleet_chg_cmp);
	api_reply(r, 200, changes_json(c.e, c.n, c.since, api_fleet_chg_lookup, &c));
cleanup:
	for (i = 0; i < c.n; i++) {
		free((char *)c.e[i].host_id);
		free((char *)c.e[i].old_hash);
		free((char *)c.e[i].new_hash);
	}
	free(c.e);
}
