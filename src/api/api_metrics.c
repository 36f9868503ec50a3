/*
 * api_metrics.c - /metrics (Prometheus text), /healthz and /v1/collect:
 * what the daemon itself is doing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acache.h"
#include "api_priv.h"
#include "log.h"
#include "pcache.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Upper bounds of the latency histogram, in seconds. */
static const double api_metrics_bounds[API_NBUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1,
};

static const char *const api_metrics_states[] = {
	[API_COLLECT_DISABLED] = "disabled",
	[API_COLLECT_NEVER] = "never",
	[API_COLLECT_OK] = "ok",
	[API_COLLECT_FAILED] = "failed",
};

void
api_metrics_record(struct api *a, int route, unsigned status, double seconds)
{
	struct api_route_stats *st = &a->stats[route < 0 ? api_nroutes : (size_t)route];
	size_t i;

	pthread_mutex_lock(&a->mu);
	for (i = 0; i < API_NSTATUS; i++) {
		if (st->status[i] == status || st->status[i] == 0) {
			st->status[i] = status;
			st->count[i]++;
			break;
		}
	}
	/* More distinct statuses than slots: count in the last one as "other". */
	if (i == API_NSTATUS)
		st->count[API_NSTATUS - 1]++;
	for (i = 0; i < API_NBUCKETS && seconds > api_metrics_bounds[i]; i++)
		;
	st->bucket[i]++;
	st->sum += seconds;
	st->n++;
	pthread_mutex_unlock(&a->mu);
}

/* A growing text buffer. */
struct api_metrics_buf {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
api_metrics_printf(struct api_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		b->s = xreallocarray(b->s, b->cap, 1);
	}
}

static void
api_metrics_route(struct api_metrics_buf *b, const struct api_route_stats *st, const char *method,
    const char *route, int part)
{
	uint64_t cum = 0;
	size_t i;

	if (st->n == 0)
		return;
	if (part == 0) {
		for (i = 0; i < API_NSTATUS && st->status[i] != 0; i++)
			api_metrics_printf(b, "migcompat_http_requests_total{method=\"%s\",route=\"%s\","
			    "status=\"%u\"} %llu\n", method, route, st->status[i],
			    (unsigned long long)st->count[i]);
		return;
	}
	for (i = 0; i < API_NBUCKETS; i++) {
		cum += st->bucket[i];
		api_metrics_printf(b, "migcompat_http_request_duration_seconds_bucket{method=\"%s\","
		    "route=\"%s\",le=\"%g\"} %llu\n", method, route, api_metrics_bounds[i],
		    (unsigned long long)cum);
	}
	cum += st->bucket[API_NBUCKETS];
	api_metrics_printf(b, "migcompat_http_request_duration_seconds_bucket{method=\"%s\","
	    "route=\"%s\",le=\"+Inf\"} %llu\n", method, route, (unsigned long long)cum);
	api_metrics_printf(b, "migcompat_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
	    method, route, st->sum);
	api_metrics_printf(b, "migcompat_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
	    method, route, (unsigned long long)st->n);
}

/* Fill fs from the fleet store's callback; call with a->mu held.  Returns 0 if there is none. */
static int
api_metrics_fleet_store(struct api *a, struct api_fleet_store *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (a->fs_fn == NULL)
		return 0;
	a->fs_fn(a->fs_arg, fs);
	return 1;
}

void
api_set_fleet_store(struct api *a, void (*fn)(void *arg, struct api_fleet_store *st), void *arg)
{
	pthread_mutex_lock(&a->mu);
	a->fs_fn = fn;
	a->fs_arg = arg;
	pthread_mutex_unlock(&a->mu);
}

void
api_metrics_get(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct api_metrics_buf b = { NULL, 0, 0 };
	struct api_collection c;
	struct api_fleet_store fs;
	struct api_route_stats *stats;
	uint64_t push_ok, push_failed, overloaded;
	int64_t hosts = -1, retired = -1, versions = -1, blobs = -1;
	unsigned long long hits, lookups;
	char err[256];
	size_t i;
	unsigned conns[2] = { 0, 0 };
	int part, has_fs;

	if (api_query_only(r, q) == -1)
		return;
	stats = xcalloc(api_nroutes + 1, sizeof(*stats));
	b.cap = 8192;
	b.s = xmalloc(b.cap);
	b.s[0] = '\0';
	pthread_mutex_lock(&r->api->mu);
	c = r->api->coll;
	push_ok = r->api->push_ok;
	push_failed = r->api->push_failed;
	overloaded = r->api->overloaded;
	memcpy(stats, r->api->stats, (api_nroutes + 1) * sizeof(*stats));
	has_fs = api_metrics_fleet_store(r->api, &fs);
	pthread_mutex_unlock(&r->api->mu);
	if (store_counts(r->store, &hosts, &retired, &versions, &blobs, err, sizeof(err)) == -1)
		log_warnx("metrics: %s", err);
	/* This request is not counted yet: it is recorded when it completes. */
	for (part = 0; part < 2; part++) {
		if (part == 0)
			api_metrics_printf(&b, "# HELP migcompat_http_requests_total HTTP requests "
			    "answered, by route and status.\n# TYPE migcompat_http_requests_total counter\n");
		else
			api_metrics_printf(&b, "# HELP migcompat_http_request_duration_seconds Time from "
			    "request headers to the answer.\n"
			    "# TYPE migcompat_http_request_duration_seconds histogram\n");
		for (i = 0; i < api_nroutes; i++)
			api_metrics_route(&b, &stats[i], api_routes[i].method,
			    api_routes[i].pattern, part);
		api_metrics_route(&b, &stats[api_nroutes], "any", "unmatched", part);
	}
	free(stats);
	api_metrics_printf(&b, "# HELP migcompat_http_overloaded_total Requests answered 503 "
	    "(too many connections or writes waiting).\n"
	    "# TYPE migcompat_http_overloaded_total counter\nmigcompat_http_overloaded_total %llu\n",
	    (unsigned long long)overloaded);
	for (i = 0; i < r->api->n_l; i++)
		conns[r->api->l[i].is_unix ? 1 : 0] +=
		    __atomic_load_n(&r->api->l[i].nconn, __ATOMIC_RELAXED);
	api_metrics_printf(&b, "# HELP migcompat_http_connections Open client connections.\n"
	    "# TYPE migcompat_http_connections gauge\n"
	    "migcompat_http_connections{transport=\"tcp\"} %u\n"
	    "migcompat_http_connections{transport=\"unix\"} %u\n", conns[0], conns[1]);
	api_metrics_printf(&b, "# HELP migcompat_hosts Hosts in the store, not retired.\n"
	    "# TYPE migcompat_hosts gauge\nmigcompat_hosts %lld\n", (long long)hosts);
	api_metrics_printf(&b, "# HELP migcompat_hosts_retired Retired hosts in the store.\n"
	    "# TYPE migcompat_hosts_retired gauge\nmigcompat_hosts_retired %lld\n", (long long)retired);
	api_metrics_printf(&b, "# HELP migcompat_profile_versions Host profile versions in the store.\n"
	    "# TYPE migcompat_profile_versions gauge\nmigcompat_profile_versions %lld\n",
	    (long long)versions);
	api_metrics_printf(&b, "# HELP migcompat_profile_blobs Distinct profiles in the store.\n"
	    "# TYPE migcompat_profile_blobs gauge\nmigcompat_profile_blobs %lld\n", (long long)blobs);
	acache_stats(r->api->answers, &hits, &lookups);
	api_metrics_printf(&b, "# HELP migcompat_compat_answers_total Compat answers given.\n"
	    "# TYPE migcompat_compat_answers_total counter\nmigcompat_compat_answers_total %llu\n"
	    "# HELP migcompat_compat_answers_cached_total Compat answers served from the answer cache.\n"
	    "# TYPE migcompat_compat_answers_cached_total counter\n"
	    "migcompat_compat_answers_cached_total %llu\n", lookups, hits);
	api_metrics_printf(&b, "# HELP migcompat_profile_cache Parsed profiles held in memory.\n"
	    "# TYPE migcompat_profile_cache gauge\nmigcompat_profile_cache %zu\n",
	    pcache_count(r->api->cache));
	api_metrics_printf(&b, "# HELP migcompat_collection_enabled 1 if this daemon collects its "
	    "own profile.\n# TYPE migcompat_collection_enabled gauge\nmigcompat_collection_enabled %d\n",
	    c.state != API_COLLECT_DISABLED);
	api_metrics_printf(&b, "# HELP migcompat_collection_last_success 1 if the last collection "
	    "succeeded.\n# TYPE migcompat_collection_last_success gauge\n"
	    "migcompat_collection_last_success %d\n", c.state == API_COLLECT_OK);
	api_metrics_printf(&b, "# HELP migcompat_collection_last_exit_status Exit status of the last "
	    "probe run (-1: killed or not started).\n# TYPE migcompat_collection_last_exit_status gauge\n"
	    "migcompat_collection_last_exit_status %d\n", c.exit_status);
	api_metrics_printf(&b, "# HELP migcompat_collection_last_duration_seconds Duration of the last "
	    "collection.\n# TYPE migcompat_collection_last_duration_seconds gauge\n"
	    "migcompat_collection_last_duration_seconds %.6f\n", c.duration);
	api_metrics_printf(&b, "# HELP migcompat_collection_last_timestamp_seconds When the last "
	    "collection ended.\n# TYPE migcompat_collection_last_timestamp_seconds gauge\n"
	    "migcompat_collection_last_timestamp_seconds %lld\n", (long long)c.last_at);
	api_metrics_printf(&b, "# HELP migcompat_collections_total Collections run.\n"
	    "# TYPE migcompat_collections_total counter\nmigcompat_collections_total %llu\n",
	    (unsigned long long)c.runs);
	api_metrics_printf(&b, "# HELP migcompat_collection_failures_total Collections that failed.\n"
	    "# TYPE migcompat_collection_failures_total counter\nmigcompat_collection_failures_total %llu\n",
	    (unsigned long long)c.failures);
	api_metrics_printf(&b, "# HELP migcompat_fleet_pushes_total Profile pushes to fleet peers.\n"
	    "# TYPE migcompat_fleet_pushes_total counter\n"
	    "migcompat_fleet_pushes_total{result=\"ok\"} %llu\n"
	    "migcompat_fleet_pushes_total{result=\"error\"} %llu\n",
	    (unsigned long long)push_ok, (unsigned long long)push_failed);
	if (has_fs && fs.mirroring)
		api_metrics_printf(&b, "# HELP migcompat_etcd_synced 1 once the fleet store on etcd "
		    "is mirrored (listed or resumed).\n# TYPE migcompat_etcd_synced gauge\n"
		    "migcompat_etcd_synced %d\n"
		    "# HELP migcompat_etcd_revision Last etcd revision applied to the store.\n"
		    "# TYPE migcompat_etcd_revision gauge\nmigcompat_etcd_revision %lld\n"
		    "# HELP migcompat_etcd_events_total Fleet store changes applied.\n"
		    "# TYPE migcompat_etcd_events_total counter\n"
		    "migcompat_etcd_events_total{type=\"put\"} %llu\n"
		    "migcompat_etcd_events_total{type=\"delete\"} %llu\n"
		    "# HELP migcompat_etcd_listings_total Full listings of the fleet store.\n"
		    "# TYPE migcompat_etcd_listings_total counter\nmigcompat_etcd_listings_total %llu\n"
		    "# HELP migcompat_etcd_errors_total Fleet store entries or writes that failed.\n"
		    "# TYPE migcompat_etcd_errors_total counter\nmigcompat_etcd_errors_total %llu\n"
		    "# HELP migcompat_etcd_reachable 1 while etcd answers the mirror's watch.\n"
		    "# TYPE migcompat_etcd_reachable gauge\nmigcompat_etcd_reachable %d\n",
		    fs.ok, (long long)fs.revision, (unsigned long long)fs.puts,
		    (unsigned long long)fs.deletes, (unsigned long long)fs.listings,
		    (unsigned long long)fs.errors, fs.unreachable_ms == 0);
	else if (has_fs)
		api_metrics_printf(&b, "# HELP migcompat_etcd_published 1 if etcd acknowledged this "
		    "host's latest profile.\n# TYPE migcompat_etcd_published gauge\n"
		    "migcompat_etcd_published %d\n"
		    "# HELP migcompat_etcd_revision etcd revision of this host's last acknowledged write.\n"
		    "# TYPE migcompat_etcd_revision gauge\nmigcompat_etcd_revision %lld\n",
		    fs.ok, (long long)fs.revision);
	api_reply_text(r, 200, b.s, "text/plain; version=0.0.4; charset=utf-8");
}

void
api_metrics_healthz(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct json_object *o, *co;
	struct api_collection c;
	struct api_fleet_store fs;
	int64_t hosts, versions, blobs;
	char err[256], ts[32], dur[32];
	int db_ok, has_fs;

	if (api_query_only(r, q) == -1)
		return;
	pthread_mutex_lock(&r->api->mu);
	c = r->api->coll;
	has_fs = api_metrics_fleet_store(r->api, &fs);
	pthread_mutex_unlock(&r->api->mu);
	db_ok = store_counts(r->store, &hosts, NULL, &versions, &blobs, err, sizeof(err)) == 0;

	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(!db_ok ? "error" :
	    c.state == API_COLLECT_FAILED || (has_fs && fs.unreachable_ms > 0) ? "degraded" : "ok"));
	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "host_id", json_object_new_string(r->api->self_id));
	json_object_object_add(o, "db", json_object_new_string(db_ok ? "ok" : err));
	if (db_ok)
		json_object_object_add(o, "hosts", json_object_new_int64(hosts));
	co = json_object_new_object();
	json_object_object_add(co, "status", json_object_new_string(api_metrics_states[c.state]));
	if (c.state == API_COLLECT_OK || c.state == API_COLLECT_FAILED) {
		util_format_time(c.last_at, ts, sizeof(ts));
		json_object_object_add(co, "last_at", json_object_new_string(ts));
		snprintf(dur, sizeof(dur), "%.6f", c.duration);
		json_object_object_add(co, "duration_seconds", json_object_new_double_s(c.duration, dur));
		json_object_object_add(co, "exit_status", json_object_new_int(c.exit_status));
	}
	if (c.state == API_COLLECT_OK)
		json_object_object_add(co, "version", json_object_new_int64(c.version));
	if (c.state == API_COLLECT_FAILED)
		json_object_object_add(co, "message", json_object_new_string(c.message));
	json_object_object_add(co, "runs", json_object_new_int64((int64_t)c.runs));
	json_object_object_add(co, "failures", json_object_new_int64((int64_t)c.failures));
	json_object_object_add(o, "collection", co);
	if (has_fs) {
		co = json_object_new_object();
		json_object_object_add(co, "type", json_object_new_string("etcd"));
		json_object_object_add(co, "role", json_object_new_string(fs.mirroring ?
		    "mirroring" : "publishing"));
		json_object_object_add(co, fs.mirroring ? "synced" : "published",
		    json_object_new_boolean(fs.ok));
		json_object_object_add(co, "revision", json_object_new_int64(fs.revision));
		if (fs.mirroring) {
			/* Without etcd the mirror still answers, with what it had. */
			json_object_object_add(co, "reachable",
			    json_object_new_boolean(fs.unreachable_ms == 0));
			json_object_object_add(co, "stale", json_object_new_boolean(fs.unreachable_ms > 0));
			if (fs.unreachable_ms > 0)
				json_object_object_add(co, "unreachable_seconds",
				    json_object_new_int64(fs.unreachable_ms / 1000));
		}
		json_object_object_add(o, "fleet_store", co);
	}
	/* Serving answers even while collection fails: only a broken store is unhealthy. */
	api_reply(r, db_ok ? 200 : 503, o);
}

void
api_metrics_collect(struct api_req *r)
{
	static const char *const q[] = { NULL };
	struct json_object *o;
	enum api_collect_state st;

	if (api_query_only(r, q) == -1)
		return;
	pthread_mutex_lock(&r->api->mu);
	st = r->api->coll.state;
	pthread_mutex_unlock(&r->api->mu);
	if (r->api->collect_fd == -1 || st == API_COLLECT_DISABLED) {
		api_error(r, 409, "collection is disabled on this daemon (--no-collect)");
		return;
	}
	if (write(r->api->collect_fd, "c", 1) == -1 && errno != EAGAIN) {
		api_error(r, 500, "cannot schedule a collection: %s", strerror(errno));
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("scheduled"));
	api_reply(r, 202, o);
}
