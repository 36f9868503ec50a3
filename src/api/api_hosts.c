/*
 * api_hosts.c - /v1/hosts: list, profile, upload, retirement, history and diff.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "api_priv.h"
#include "fleet.h"
#include "hostid.h"
#include "log.h"
#include "pcache.h"
#include "pdiff.h"
#include "plibvirt.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static struct json_object *
api_hosts_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return NULL;
	util_format_time(t, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static struct json_object *
api_hosts_version_json(const struct store_version *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_int64(v->version));
	json_object_object_add(o, "hash", json_object_new_string(v->hash));
	json_object_object_add(o, "hostname", json_object_new_string(v->hostname));
	json_object_object_add(o, "kernel", json_object_new_string(v->kernel));
	json_object_object_add(o, "cpu", json_object_new_string(v->cpu));
	json_object_object_add(o, "collected_at", api_hosts_time(v->collected_at));
	json_object_object_add(o, "stored_at", api_hosts_time(v->stored_at));
	return o;
}

/* Reply 400 and return -1 if the {id} is not a valid host id. */
static int
api_hosts_id(struct api_req *r, const char **id)
{
	*id = r->nparam > 0 ? r->param[0] : "";
	if (!hostid_valid(*id)) {
		api_error(r, 400, "invalid host id: 1 to 127 characters of A-Z a-z 0-9 . _ : -");
		return -1;
	}
	return 0;
}

/* Parse a version query argument: absent is 0 (current). */
static int
api_hosts_version_arg(struct api_req *r, const char *name, int64_t *v)
{
	const char *s = api_query(r, name);
	uint64_t u;

	*v = 0;
	if (s == NULL)
		return 0;
	if (util_parse_u64(s, INT64_MAX, &u) == -1 || u == 0 || s[0] == '0') {
		api_error(r, 400, "%s: \"%.32s\" is not a version number (1, 2, ...)", name, s);
		return -1;
	}
	*v = (int64_t)u;
	return 0;
}

const struct profile *
api_hosts_profile(struct api_req *r, const char *id, int64_t version, struct store_version *v)
{
	const struct profile *p;
	struct store_version tmp;
	char err[512];

	if (v == NULL)
		v = &tmp;
	if (store_get_version(r->store, id, version, v, err, sizeof(err)) == -1) {
		if (errno == ENOENT)
			api_error(r, 404, "%s", err);
		else
			api_error(r, 500, "%s", err);
		return NULL;
	}
	if ((p = pcache_get(r->api->cache, r->store, v->hash, err, sizeof(err))) == NULL) {
		api_error(r, 500, "%s", err);
		return NULL;
	}
	return p;
}

/* Which hosts GET /v1/hosts lists. */
enum api_hosts_which {
	API_HOSTS_ACTIVE = 0,		/* retired=exclude (the default) */
	API_HOSTS_ALL,			/* retired=include */
	API_HOSTS_RETIRED,		/* retired=only */
};

struct api_hosts_listing {
	struct json_object *a;
	enum api_hosts_which which;
};

static int
api_hosts_list_one(const struct store_host *h, void *arg)
{
	struct api_hosts_listing *ls = arg;
	struct json_object *o;

	if ((ls->which == API_HOSTS_ACTIVE && h->retired_at != 0) ||
	    (ls->which == API_HOSTS_RETIRED && h->retired_at == 0))
		return 0;
	o = api_hosts_version_json(&h->cur);
	json_object_object_add(o, "id", json_object_new_string(h->id));
	json_object_object_add(o, "first_seen", api_hosts_time(h->first_seen));
	json_object_object_add(o, "last_seen", api_hosts_time(h->last_seen));
	/* Stale: the fleet store (etcd) lost it, its lease expired; history stays. */
	json_object_object_add(o, "stale", json_object_new_boolean(h->stale_since != 0));
	if (h->stale_since != 0)
		json_object_object_add(o, "stale_since", api_hosts_time(h->stale_since));
	/* Retired: an operator took it out of the fleet (DELETE); history stays. */
	json_object_object_add(o, "retired", json_object_new_boolean(h->retired_at != 0));
	if (h->retired_at != 0)
		json_object_object_add(o, "retired_at", api_hosts_time(h->retired_at));
	json_object_array_add(ls->a, o);
	return 0;
}

void
api_hosts_list(struct api_req *r)
{
	static const char *const q[] = { "retired", NULL };
	struct api_hosts_listing ls = { NULL, API_HOSTS_ACTIVE };
	const char *w = api_query(r, "retired");
	struct json_object *o;
	char err[512];

	if (api_query_only(r, q) == -1)
		return;
	if (w != NULL) {
		if (strcmp(w, "exclude") == 0 || strcmp(w, "0") == 0) {
			ls.which = API_HOSTS_ACTIVE;
		} else if (strcmp(w, "include") == 0 || strcmp(w, "1") == 0) {
			ls.which = API_HOSTS_ALL;
		} else if (strcmp(w, "only") == 0) {
			ls.which = API_HOSTS_RETIRED;
		} else {
			api_error(r, 400, "retired: \"%.16s\" is not exclude, include or only", w);
			return;
		}
	}
	ls.a = json_object_new_array();
	if (store_each_host(r->store, api_hosts_list_one, &ls, err, sizeof(err)) == -1) {
		json_object_put(ls.a);
		api_error(r, 500, "%s", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "hosts", ls.a);
	api_reply(r, 200, o);
}

/* The 410 of a retired host: {"error": {"code", "message", "host", "retired_at"}}. */
static void
api_hosts_gone_reply(struct api_req *r, const char *id, int64_t at)
{
	struct json_object *e;
	char when[32];

	util_format_time(at, when, sizeof(when));
	api_error(r, 410, "host %s was retired at %s", id, when);
	if (json_object_object_get_ex(r->resp, "error", &e)) {
		json_object_object_add(e, "host", json_object_new_string(id));
		json_object_object_add(e, "retired_at", json_object_new_string(when));
	}
}

int
api_hosts_gone(struct api_req *r, const char *id)
{
	struct store_host h;
	char err[512];

	if (store_get_host(r->store, id, &h, err, sizeof(err)) == -1 || h.retired_at == 0)
		return 0;
	api_hosts_gone_reply(r, id, h.retired_at);
	return 1;
}

static int
api_hosts_domain_one(const char *uuid, void *arg)
{
	plibvirt_list_add(arg, uuid);
	return 0;
}

void
api_hosts_get(struct api_req *r)
{
	static const char *const q[] = { "version", NULL };
	const struct profile *p;
	struct store_version v;
	struct store_host h;
	struct profile *tmp;
	char err[512];
	const char *id;
	int64_t version;

	if (api_query_only(r, q) == -1 || api_hosts_id(r, &id) == -1 ||
	    api_hosts_version_arg(r, "version", &version) == -1)
		return;
	if ((p = api_hosts_profile(r, id, version, &v)) == NULL)
		return;
	/* A retired host is still served, marked so in a header. */
	if (store_get_host(r->store, id, &h, err, sizeof(err)) == 0 && h.retired_at != 0)
		util_format_time(h.retired_at, r->retired_at, sizeof(r->retired_at));
	/* The cached profile is content only: give a copy this host's identity. */
	tmp = profile_copy(p);
	util_strlcpy(tmp->host_id, id, sizeof(tmp->host_id));
	util_strlcpy(tmp->hostname, v.hostname, sizeof(tmp->hostname));
	tmp->collected_at = v.collected_at;
	/* The domains it runs now (kept per host, not in the blob). */
	plibvirt_list_clear(&tmp->lv.domains);
	if (store_each_domain(r->store, id, api_hosts_domain_one, &tmp->lv.domains,
	    err, sizeof(err)) == -1) {
		api_error(r, 500, "%s", err);
		goto cleanup;
	}
	api_reply(r, 200, profile_to_json(tmp));
cleanup:
	profile_free(tmp);
}

/* Nonzero if the layer holds data: measured or emulated. */
static int
api_hosts_has(const struct layer *l)
{
	return l->status == LAYER_MEASURED || l->status == LAYER_EMULATED;
}

/*
 * The door of every upload: a profile must carry data the rules engine
 * compares, or it would be judged compatible with everything (a bare
 * {"schema_version": 1}) or fail on every VMX bit ({"msrs": {}}).  Returns
 * 0, or -1 with what is missing in err.
 */
int
api_hosts_usable(const struct profile *p, char *err, size_t errsize)
{
	static const uint32_t need[] = { 0x480 };
	char miss[128] = "";
	size_t i, n;
	int vmx_ok = 0;

	if (api_hosts_has(&p->vmx)) {
		for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
			if (vmx_msr_has(&p->vmx_raw, need[i]))
				continue;
			n = strlen(miss);
			snprintf(miss + n, sizeof(miss) - n, "%s0x%x", n > 0 ? " " : "", need[i]);
		}
		vmx_ok = miss[0] == '\0';
	}
	if (vmx_ok ||
	    (api_hosts_has(&p->cpuid) && p->n_cpuid > 0) ||
	    (api_hosts_has(&p->feature_msrs) && p->n_msrs > 0) ||
	    (api_hosts_has(&p->vmx_vcpu) && p->vmx_vcpu_msrs.present != 0) ||
	    (api_hosts_has(&p->evmcs_measured.layer) && p->evmcs_measured.views_present != 0) ||
	    (api_hosts_has(&p->evmcs_emulated.layer) && p->evmcs_emulated.views_present != 0) ||
	    (api_hosts_has(&p->hw) && p->hw_msrs.present != 0))
		return 0;
	if (p->is_dump) {
		snprintf(err, errsize, "msrs: the MSR dump lacks IA32_VMX_BASIC (0x480): "
		    "no VMX capability MSRs to compare");
		return -1;
	}
	if (miss[0] != '\0')
		snprintf(err, errsize, "layers.vmx lacks IA32_VMX_BASIC (0x480) and no other layer "
		    "the rules compare (cpuid, feature_msrs, vmx_vcpu, evmcs, hw_msrs) has data");
	else
		snprintf(err, errsize, "no layer the rules compare has data: a measured or emulated "
		    "cpuid, feature_msrs, vmx, vmx_vcpu, evmcs or hw_msrs layer is required");
	return -1;
}

/* What an upload stored: {"host", "version", "hash", "created"}. */
static struct json_object *
api_hosts_stored_json(const char *id, int64_t version, const char *hash, int created)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "host", json_object_new_string(id));
	json_object_object_add(o, "version", json_object_new_int64(version));
	json_object_object_add(o, "hash", json_object_new_string(hash));
	json_object_object_add(o, "created", json_object_new_boolean(created));
	return o;
}

/*
 * With a fleet store: hand the hosts to it first; acknowledged means
 * committed there.  Returns 0, or -1 after replying 503 (with Retry-After)
 * whose error names in "committed" the first *committed hosts the fleet
 * store took all the same (a batch it needed several transactions for).
 */
static int
api_hosts_upload(struct api_req *r, const char *const *ids, const struct profile *ps, size_t n,
    size_t *committed)
{
	struct json_object *e, *a;
	const struct profile **pp;
	char err[768];
	size_t i;
	int rc;

	*committed = n;
	if (r->api->upload == NULL)
		return 0;
	pp = xcalloc(n, sizeof(*pp));
	for (i = 0; i < n; i++)
		pp[i] = &ps[i];
	*committed = 0;
	rc = r->api->upload(r->api->upload_arg, ids, pp, n, committed, err, sizeof(err));
	free(pp);
	if (rc == -1) {
		if (*committed > n)
			*committed = 0;
		log_warnx("upload of %zu hosts to the fleet store: %s", n, err);
		api_error(r, 503, "fleet store unavailable: %s; retry in %s s", err, API_RETRY_AFTER);
		if (json_object_object_get_ex(r->resp, "error", &e)) {
			a = json_object_new_array();
			for (i = 0; i < *committed; i++)
				json_object_array_add(a, json_object_new_string(ids[i]));
			json_object_object_add(e, "committed", a);
		}
	}
	return rc;
}

/* Log a retired host an upload brought back. */
static void
api_hosts_back(struct api_req *r, const struct store_put_item *it)
{
	char when[32], who[128];

	if (it->was_retired == 0)
		return;
	util_format_time(it->was_retired, when, sizeof(when));
	api_who(r, who, sizeof(who));
	log_info("host %s, retired at %s, is back: uploaded again from %s", it->host_id, when, who);
}

void
api_hosts_put(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct store_put_item it;
	struct profile p;
	char err[512];
	const char *id;
	size_t committed;

	profile_init(&p);
	memset(&it, 0, sizeof(it));
	if (api_query_only(r, q) == -1 || api_hosts_id(r, &id) == -1)
		goto cleanup;
	if (api_header(r, "Content-Type") != NULL && !api_ctype_is(r, "application/json")) {
		api_error(r, 415, "Content-Type must be application/json");
		goto cleanup;
	}
	if (r->len == 0) {
		api_error(r, 400, "empty request body: expected a profile or an MSR dump");
		goto cleanup;
	}
	if (profile_parse(r->body, r->len, &p, err, sizeof(err)) == -1) {
		api_error(r, 400, "not a profile or MSR dump: %s", err);
		goto cleanup;
	}
	if (api_hosts_usable(&p, err, sizeof(err)) == -1) {
		api_error(r, 400, "profile refused: %s", err);
		goto cleanup;
	}
	util_strlcpy(p.host_id, id, sizeof(p.host_id));
	if (api_hosts_upload(r, &id, &p, 1, &committed) == -1)
		goto cleanup;
	it.host_id = id;
	it.p = &p;
	if (store_put_batch(r->store, &it, 1, (int64_t)time(NULL), err, sizeof(err)) == -1) {
		api_error(r, 500, "%s", err);
		goto cleanup;
	}
	api_hosts_back(r, &it);
	if (it.created)
		log_info("host %s: version %lld (%s)", id, (long long)it.version, p.hash);
	api_fleet_update(r->api, id, &p);
	api_reply(r, it.created ? 201 : 200, api_hosts_stored_json(id, it.version, p.hash,
	    it.created));
cleanup:
	profile_clear(&p);
}

/* A share of the profiles of a batch to parse. */
struct api_hosts_part {
	struct json_object *list;
	struct store_put_item *items;
	struct profile *ps;
	size_t from, to;		/* entries [from, to) */
	size_t bad;			/* the first that failed, to if none */
	char err[512];
};

static void *
api_hosts_parse_part(void *arg)
{
	struct api_hosts_part *pt = arg;
	struct json_object *v;
	char msg[480];
	size_t i;

	pt->bad = pt->to;
	for (i = pt->from; i < pt->to; i++) {
		json_object_object_get_ex(json_object_array_get_idx(pt->list, i), "profile", &v);
		if (profile_from_json(v, &pt->ps[i], msg, sizeof(msg)) == -1) {
			snprintf(pt->err, sizeof(pt->err), "not a profile or MSR dump: %s", msg);
			pt->bad = i;
			break;
		}
		if (api_hosts_usable(&pt->ps[i], msg, sizeof(msg)) == -1) {
			snprintf(pt->err, sizeof(pt->err), "profile refused: %s", msg);
			pt->bad = i;
			break;
		}
		util_strlcpy(pt->ps[i].host_id, pt->items[i].host_id, sizeof(pt->ps[i].host_id));
		pt->items[i].p = &pt->ps[i];
	}
	return NULL;
}

/*
 * Parse the profile of every entry (ids already checked) into ps, on two
 * threads for a large batch: parsing and hashing is most of an import, and
 * the parsed tree is only read.  Returns 0, or -1 with the first bad entry
 * in *bad and why in err.
 */
static int
api_hosts_parse_all(struct json_object *list, struct store_put_item *items, struct profile *ps,
    size_t n, size_t *bad, char *err, size_t errsize)
{
	struct api_hosts_part pt[2];
	pthread_t th;
	int threaded = 0, k;

	memset(pt, 0, sizeof(pt));
	for (k = 0; k < 2; k++) {
		pt[k].list = list;
		pt[k].items = items;
		pt[k].ps = ps;
	}
	pt[0].from = 0;
	pt[0].to = pt[1].from = n >= API_BATCH_THREADED ? n / 2 : n;
	pt[1].to = n;
	pt[0].bad = pt[0].to;
	pt[1].bad = pt[1].to;
	if (pt[1].from < n && pthread_create(&th, NULL, api_hosts_parse_part, &pt[1]) == 0)
		threaded = 1;
	api_hosts_parse_part(&pt[0]);
	if (threaded)
		pthread_join(th, NULL);
	else if (pt[1].from < n)
		api_hosts_parse_part(&pt[1]);
	for (k = 0; k < 2; k++) {
		if (pt[k].bad < pt[k].to) {
			*bad = pt[k].bad;
			snprintf(err, errsize, "%s", pt[k].err);
			return -1;
		}
	}
	return 0;
}

/*
 * POST /v1/hosts: {"hosts": [{"id": ID, "profile": {...}}, ...]}, each
 * entry as PUT /v1/hosts/ID would store it, all in one transaction: every
 * host is stored or, on the first bad entry, none is.
 */
void
api_hosts_post(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct json_object *body = NULL, *list, *e, *v, *o, *a;
	struct store_put_item *items = NULL;
	struct profile *ps = NULL;
	const char **ids = NULL;
	char err[512];
	size_t i, n = 0, nparsed = 0, ncreated = 0, bad = 0, committed;

	if (api_query_only(r, q) == -1 || api_body_json(r, &body) == -1)
		goto cleanup;
	if (!json_object_is_type(body, json_type_object) ||
	    !json_object_object_get_ex(body, "hosts", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		api_error(r, 400, "expected {\"hosts\": [{\"id\": ID, \"profile\": {...}}, ...]}");
		goto cleanup;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "hosts") != 0) {
			api_error(r, 400, "unknown member \"%.32s\" (only \"hosts\")", key);
			goto cleanup;
		}
	}
	n = json_object_array_length(list);
	if (n == 0) {
		api_error(r, 400, "hosts: empty list");
		goto cleanup;
	}
	if (n > API_BATCH_MAX) {
		api_error(r, 413, "hosts: %zu entries, at most %d in one request", n, API_BATCH_MAX);
		goto cleanup;
	}
	items = xcalloc(n, sizeof(*items));
	ps = xcalloc(n, sizeof(*ps));
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &v) || !json_object_is_type(v, json_type_string) ||
		    !hostid_valid(json_object_get_string(v)) ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
			api_error(r, 400, "hosts[%zu].id: a host id of 1 to 127 characters of "
			    "A-Z a-z 0-9 . _ : -", i);
			goto cleanup;
		}
		items[i].host_id = json_object_get_string(v);
		if (!json_object_object_get_ex(e, "profile", &v)) {
			api_error(r, 400, "hosts[%zu].profile: missing (host %s)", i, items[i].host_id);
			goto cleanup;
		}
	}
	for (i = 0; i < n; i++)
		profile_init(&ps[i]);
	nparsed = n;
	if (api_hosts_parse_all(list, items, ps, n, &bad, err, sizeof(err)) == -1) {
		api_error(r, 400, "hosts[%zu].profile (host %s): %s", bad,
		    items[bad].host_id, err);
		goto cleanup;
	}
	if (r->api->upload != NULL) {
		ids = xcalloc(n, sizeof(*ids));
		for (i = 0; i < n; i++)
			ids[i] = items[i].host_id;
		if (api_hosts_upload(r, ids, ps, n, &committed) == -1) {
			/* What the fleet store took is stored here too, as the fleet serves it. */
			if (committed > 0 && store_put_batch(r->store, items, committed,
			    (int64_t)time(NULL), err, sizeof(err)) == -1) {
				log_warnx("batch upload: storing the %zu hosts etcd took: %s",
				    committed, err);
				committed = 0;
			}
			for (i = 0; i < committed; i++)
				api_fleet_update(r->api, items[i].host_id, &ps[i]);
			goto cleanup;
		}
	}
	if (store_put_batch(r->store, items, n, (int64_t)time(NULL), err, sizeof(err)) == -1) {
		api_error(r, 500, "%s", err);
		goto cleanup;
	}
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		api_hosts_back(r, &items[i]);
		api_fleet_update(r->api, items[i].host_id, &ps[i]);
		ncreated += items[i].created != 0;
		json_object_array_add(a, api_hosts_stored_json(items[i].host_id, items[i].version,
		    ps[i].hash, items[i].created));
	}
	log_info("batch upload: %zu hosts, %zu new versions", n, ncreated);
	o = json_object_new_object();
	json_object_object_add(o, "hosts", a);
	json_object_object_add(o, "created", json_object_new_int64((int64_t)ncreated));
	json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)(n - ncreated)));
	api_reply(r, 200, o);
cleanup:
	for (i = 0; i < nparsed; i++)
		profile_clear(&ps[i]);
	free(ps);
	free(ids);
	free(items);
	json_object_put(body);
}

/*
 * DELETE /v1/hosts/{id}: retire the host.  Its history stays; it is no
 * migration target and in no group until its next upload.  200 with
 * {"host", "retired_at", "already_retired"}; retiring it again changes
 * nothing and says when it was retired.  With a fleet store the
 * retirement is committed there first, so every node sees it.
 */
void
api_hosts_delete(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct json_object *o;
	struct store_host h;
	char err[512], when[32], who[128];
	const char *id;
	int64_t now = (int64_t)time(NULL), since;
	int already;

	if (api_query_only(r, q) == -1 || api_hosts_id(r, &id) == -1)
		return;
	if (store_get_host(r->store, id, &h, err, sizeof(err)) == -1) {
		api_error(r, errno == ENOENT ? 404 : 500, "%s", err);
		return;
	}
	if (h.retired_at == 0 && r->api->retire != NULL &&
	    r->api->retire(r->api->retire_arg, &h, now, err, sizeof(err)) == -1) {
		log_warnx("retiring host %s in the fleet store: %s", id, err);
		api_error(r, 503, "fleet store: %s", err);
		return;
	}
	if (store_retire(r->store, id, now, &since, &already, err, sizeof(err)) == -1) {
		api_error(r, errno == ENOENT ? 404 : 500, "%s", err);
		return;
	}
	/*
	 * With a fleet store, this node's own watch may have applied the
	 * retirement committed above before store_retire ran: what counts is
	 * whether the host was retired when asked.
	 */
	if (r->api->retire != NULL)
		already = h.retired_at != 0;
	fleet_remove_host(r->api->fleet, id);
	util_format_time(since, when, sizeof(when));
	api_who(r, who, sizeof(who));
	if (already)
		log_info("host %s: retired already (at %s); asked again by %s", id, when, who);
	else
		log_info("host %s retired by %s (version %lld, %s, %s)", id, who,
		    (long long)h.cur.version, h.cur.hostname[0] != '\0' ? h.cur.hostname : "no hostname",
		    h.cur.hash);
	o = json_object_new_object();
	json_object_object_add(o, "host", json_object_new_string(id));
	json_object_object_add(o, "retired_at", json_object_new_string(when));
	json_object_object_add(o, "already_retired", json_object_new_boolean(already));
	api_reply(r, 200, o);
}

static int
api_hosts_history_one(const struct store_version *v, void *arg)
{
	json_object_array_add(arg, api_hosts_version_json(v));
	return 0;
}

void
api_hosts_history(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct json_object *o, *a;
	struct store_host h;
	char err[512];
	const char *id;

	if (api_query_only(r, q) == -1 || api_hosts_id(r, &id) == -1)
		return;
	if (store_get_host(r->store, id, &h, err, sizeof(err)) == -1) {
		api_error(r, errno == ENOENT ? 404 : 500, "%s", err);
		return;
	}
	a = json_object_new_array();
	if (store_each_version(r->store, id, api_hosts_history_one, a, err, sizeof(err)) == -1) {
		json_object_put(a);
		api_error(r, errno == ENOENT ? 404 : 500, "%s", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "host", json_object_new_string(id));
	json_object_object_add(o, "retired", json_object_new_boolean(h.retired_at != 0));
	if (h.retired_at != 0)
		json_object_object_add(o, "retired_at", api_hosts_time(h.retired_at));
	json_object_object_add(o, "versions", a);
	api_reply(r, 200, o);
}

void
api_hosts_diff(struct api_req *r)
{
	static const char *const q[] = { "from", "to", NULL };
	const struct profile *pa, *pb;
	struct store_version va, vb;
	struct json_object *o, *d;
	const char *id;
	int64_t from, to;

	if (api_query_only(r, q) == -1 || api_hosts_id(r, &id) == -1 ||
	    api_hosts_version_arg(r, "from", &from) == -1 ||
	    api_hosts_version_arg(r, "to", &to) == -1)
		return;
	/* Defaults: the current version against the one before it. */
	if ((pb = api_hosts_profile(r, id, to, &vb)) == NULL)
		return;
	if (from == 0)
		from = vb.version > 1 ? vb.version - 1 : vb.version;
	if ((pa = api_hosts_profile(r, id, from, &va)) == NULL)
		return;
	d = pdiff_json(pa, pb);
	o = json_object_new_object();
	json_object_object_add(o, "host", json_object_new_string(id));
	json_object_object_add(o, "from", api_hosts_version_json(&va));
	json_object_object_add(o, "to", api_hosts_version_json(&vb));
	json_object_object_foreach(d, key, val)
		json_object_object_add(o, key, json_object_get(val));
	json_object_put(d);
	api_reply(r, 200, o);
}
