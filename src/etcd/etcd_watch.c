/*
 * etcd_watch.c - streaming watches, resumed across endpoints.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "etcd_priv.h"
#include "jsonu.h"
#include "xmalloc.h"

/* Handle one message of the watch stream.  Returns -1 to end the stream. */
int
etcd_watch_line(struct etcd *e, char *line, size_t len)
{
	struct etcd_watch_state *w = e->watch;
	struct json_object *o = NULL, *res, *evs, *ev, *v;
	struct etcd_event event;
	char *kb = NULL, *vb = NULL, perr[128];
	size_t i, n;
	int64_t crev, from;
	int ret = -1;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (len == 0)
		return 0;
	if (jsonu_parse(line, len, &o, perr, sizeof(perr)) == -1 ||
	    !json_object_is_type(o, json_type_object)) {
		w->error = EPROTO;
		snprintf(w->msg, sizeof(w->msg), "watch stream: not JSON: %s", perr);
		goto cleanup;
	}
	if (json_object_object_get_ex(o, "error", &v)) {
		struct json_object *m = NULL, *c = NULL;

		if (json_object_is_type(v, json_type_object)) {
			json_object_object_get_ex(v, "message", &m);
			json_object_object_get_ex(v, "grpc_code", &c);
		}
		w->error = c != NULL && json_object_get_int(c) == GRPC_UNAUTHENTICATED ? EACCES : EIO;
		snprintf(w->msg, sizeof(w->msg), "watch stream error: %s",
		    m != NULL ? json_object_get_string(m) : json_object_to_json_string(v));
		goto cleanup;
	}
	if (!json_object_object_get_ex(o, "result", &res)) {
		w->error = EPROTO;
		snprintf(w->msg, sizeof(w->msg), "watch stream: no result");
		goto cleanup;
	}
	if ((crev = etcd_json_i64(res, "compact_revision")) > 0) {
		w->compacted = 1;
		snprintf(w->msg, sizeof(w->msg), "revision %lld compacted (oldest kept %lld)",
		    (long long)w->next, (long long)crev);
		goto cleanup;
	}
	if (json_object_object_get_ex(res, "canceled", &v) && json_object_get_boolean(v)) {
		w->error = EIO;
		json_object_object_get_ex(res, "cancel_reason", &v);
		snprintf(w->msg, sizeof(w->msg), "watch canceled: %s",
		    v != NULL ? json_object_get_string(v) : "no reason given");
		goto cleanup;
	}
	if (json_object_object_get_ex(res, "created", &v) && json_object_get_boolean(v)) {
		w->created = 1;
		/* Streaming: etcd answers (etcd_answered follows when the stream ends). */
		__atomic_store_n(&e->down_since, 0, __ATOMIC_RELAXED);
		/* Watching from now: events start after the current revision. */
		if (w->next == 0)
			w->next = etcd_json_header_rev(res) + 1;
		ret = 0;
		goto cleanup;
	}
	n = 0;
	if (json_object_object_get_ex(res, "events", &evs) && json_object_is_type(evs, json_type_array))
		n = json_object_array_length(evs);
	if (n == 0) {
		/* A progress notification: nothing before header.revision is pending. */
		memset(&event, 0, sizeof(event));
		event.type = ETCD_EVENT_PROGRESS;
		event.revision = etcd_json_header_rev(res);
		if (event.revision >= w->next) {
			w->next = event.revision + 1;
			if (w->fn(&event, w->arg) == -1) {
				w->failed = 1;
				goto cleanup;
			}
		}
		ret = 0;
		goto cleanup;
	}
	from = w->next;
	for (i = 0; i < n; i++) {
		ev = json_object_array_get_idx(evs, i);
		memset(&event, 0, sizeof(event));
		event.type = ETCD_EVENT_PUT;
		if (json_object_object_get_ex(ev, "type", &v) &&
		    strcmp(json_object_get_string(v), "DELETE") == 0)
			event.type = ETCD_EVENT_DELETE;
		if (!json_object_object_get_ex(ev, "kv", &v) ||
		    etcd_json_kv(v, &event.kv, &kb, &vb) == -1) {
			w->error = EPROTO;
			snprintf(w->msg, sizeof(w->msg), "watch stream: bad event");
			goto cleanup;
		}
		event.revision = event.kv.mod_revision;
		/*
		 * After a resume etcd may repeat nothing, but be sure.  A
		 * transaction's events share one revision and one message: all
		 * of them count, not only the first.
		 */
		if (event.revision >= from) {
			if (w->fn(&event, w->arg) == -1) {
				w->failed = 1;
				goto cleanup;
			}
			if (event.revision + 1 > w->next)
				w->next = event.revision + 1;
			w->unbatched = 1;
		}
		free(kb);
		free(vb);
		kb = vb = NULL;
	}
	ret = 0;
cleanup:
	free(kb);
	free(vb);
	json_object_put(o);
	return ret;
}

int
etcd_watch_chunk(struct etcd *e)
{
	struct etcd_watch_state *w = e->watch;
	struct etcd_event event;

	if (w == NULL || !w->unbatched)
		return 0;
	w->unbatched = 0;
	memset(&event, 0, sizeof(event));
	event.type = ETCD_EVENT_BATCH;
	if (w->fn(&event, w->arg) == -1) {
		w->failed = 1;
		return -1;
	}
	return 0;
}

int
etcd_watch(struct etcd *e, const char *prefix, int64_t start,
    int (*fn)(const struct etcd_event *ev, void *arg), void *arg, int64_t *next,
    char *err, size_t errsize)
{
	struct json_object *req = NULL, *create;
	struct etcd_watch_state w;
	struct etcd_retry r;
	enum etcd_outcome out;
	long status;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	w.next = start;
	etcd_retry_start(e, &r);
	for (;;) {
		if (etcd_stopping(e)) {
			etcd_err(err, errsize, ECANCELED, "etcd: stopped");
			goto cleanup;
		}
		out = ETCD_DONE;
		if (e->user != NULL && e->token == NULL)
			out = etcd_authenticate(e, err, errsize);
		if (out == ETCD_DONE) {
			json_object_put(req);
			req = json_object_new_object();
			create = json_object_new_object();
			etcd_json_add_prefix(create, prefix);
			if (w.next > 0)
				json_object_object_add(create, "start_revision", etcd_json_i64_new(w.next));
			json_object_object_add(create, "progress_notify", json_object_new_boolean(1));
			json_object_object_add(req, "create_request", create);
			w.created = w.compacted = w.failed = w.error = 0;
			w.msg[0] = '\0';
			e->watch = &w;
			e->mode = ETCD_MODE_WATCH;
			if (etcd_http(e, "/v3/watch", json_object_to_json_string_ext(req,
			    JSON_C_TO_STRING_PLAIN), &status, err, errsize) == -1) {
				out = errno == ECANCELED ? ETCD_FAIL : ETCD_RETRY;
				status = 200;
			}
			e->mode = ETCD_MODE_BUFFER;
			e->watch = NULL;
			if (w.created) {
				etcd_answered(e, &r);
				etcd_retry_start(e, &r);
			}
			if (w.failed) {
				etcd_err(err, errsize, EINTR, "etcd: watch of %s ended by its caller", prefix);
				goto cleanup;
			}
			if (w.compacted) {
				etcd_err(err, errsize, ERANGE, "etcd: watch of %s: %s", prefix, w.msg);
				goto cleanup;
			}
			if (etcd_stopping(e)) {
				etcd_err(err, errsize, ECANCELED, "etcd: stopped");
				goto cleanup;
			}
			if (w.error == EACCES) {
				out = ETCD_REAUTH;
				snprintf(err, errsize, "%s: %s", e->endpoints[e->cur], w.msg);
			} else if (w.error != 0) {
				out = ETCD_RETRY;
				snprintf(err, errsize, "%s: %s", e->endpoints[e->cur], w.msg);
			} else if (out == ETCD_DONE && status != 200)
				out = etcd_classify(e, status, err, errsize);
			else if (out == ETCD_DONE) {
				/* The stream ended: resume on the next endpoint. */
				snprintf(err, errsize, "%s: watch stream closed", e->endpoints[e->cur]);
				out = ETCD_RETRY;
			}
		}
		if (out != ETCD_DONE && etcd_retry_after(e, &r, out, err, errsize) == -1)
			goto cleanup;
	}
cleanup:
	e->resp.len = 0;
	if (next != NULL)
		*next = w.next;
	json_object_put(req);
	return ret;
}

