/*
 * api_http.c - the server of migcompatd's API: libmicrohttpd daemons with
 * their own threads (one for the Unix socket, a pool per TCP listener),
 * request bodies and limits, the writer thread, start and stop.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "api.h"
#include "acache.h"
#include "api_priv.h"
#include "fleet.h"
#include "log.h"
#include "pcache.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Header space per connection: request line, headers and MHD's buffers. */
#define API_CONN_MEMORY		(64 * 1024)

/* ---- per-thread connections ---- */

static void
api_thread_store_free(void *p)
{
	store_close(p);
}

struct store *
api_thread_store(struct api *a, char *err, size_t errsize)
{
	struct store *s = pthread_getspecific(a->tkey);

	if (s != NULL)
		return s;
	if ((s = store_open(a->db_path, err, errsize)) == NULL)
		return NULL;
	pthread_setspecific(a->tkey, s);
	return s;
}

/* ---- libmicrohttpd callbacks ---- */

static void
api_req_free(struct api_req *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < API_MAX_PARAMS; i++)
		free(r->param[i]);
	free(r->body);
	json_object_put(r->resp);
	free(r->text);
	free(r);
}

static enum MHD_Result
api_send(struct api_req *r)
{
	struct MHD_Response *resp;
	char *buf;
	size_t n;
	enum MHD_Result ret;

	if (r->resp != NULL) {
		buf = api_json_text(r->resp, r->pretty);
		n = strlen(buf);
		r->ctype = "application/json";
	} else {
		buf = r->text != NULL ? r->text : xstrdup("");
		r->text = NULL;
		n = strlen(buf);
	}
	resp = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->status == 405 && r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (r->status == 503) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, API_RETRY_AFTER);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	}
	if (r->compat_from[0] != '\0')
		MHD_add_response_header(resp, "Migcompat-From", r->compat_from);
	if (r->compat_to[0] != '\0')
		MHD_add_response_header(resp, "Migcompat-To", r->compat_to);
	if (r->retired_at[0] != '\0')
		MHD_add_response_header(resp, "Migcompat-Retired-At", r->retired_at);
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->queued = 1;
	return ret;
}

/* Answer 503 with Retry-After and count it. */
static void
api_overloaded(struct api_req *r, const char *what)
{
	pthread_mutex_lock(&r->api->mu);
	r->api->overloaded++;
	pthread_mutex_unlock(&r->api->mu);
	api_error(r, 503, "overloaded: %s; retry in %s s", what, API_RETRY_AFTER);
}

/*
 * Hand a write to the writer thread: the connection is suspended (its
 * thread goes on serving others) until the writer resumes it.  Returns 0,
 * -1 when the queue is full or -2 when the daemon is stopping (r untouched).
 */
static int
api_hand_write(struct api_req *r)
{
	struct api *a = r->api;

	pthread_mutex_lock(&a->wq_mu);
	if (a->wq_len >= API_WRITE_QUEUE || a->wq_stop) {
		pthread_mutex_unlock(&a->wq_mu);
		return a->wq_stop ? -2 : -1;
	}
	r->handed = 1;
	MHD_suspend_connection(r->conn);
	r->next = NULL;
	if (a->wq_tail != NULL)
		a->wq_tail->next = r;
	else
		a->wq_head = r;
	a->wq_tail = r;
	a->wq_len++;
	pthread_cond_signal(&a->wq_cv);
	pthread_mutex_unlock(&a->wq_mu);
	log_debug("%s %s: handed to the writer (%zu bytes)", r->method, r->url, r->len);
	return 0;
}

/* Route a complete request: a read here, a write to the writer thread. */
static enum MHD_Result
api_serve(struct api_req *r)
{
	char err[512];

	if (r->too_big) {
		api_error(r, 413, "request body over the limit of %llu bytes",
		    (unsigned long long)r->max_body);
		return api_send(r);
	}
	if (r->route >= 0 && (api_routes[r->route].flags & API_WRITE) &&
	    !(api_needs_auth(r) && api_auth(r) == -1)) {
		switch (api_hand_write(r)) {
		case 0:
			return MHD_YES;
		case -2:
			return MHD_NO;	/* stopping: close, nothing was stored */
		default:
			api_overloaded(r, "too many writes waiting");
			return api_send(r);
		}
	}
	if (r->status == 0) {
		if ((r->store = api_thread_store(r->api, err, sizeof(err))) == NULL)
			api_error(r, 500, "%s", err);
		else
			api_dispatch(r);
	}
	return api_send(r);
}

static enum MHD_Result
api_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api_listener *l = cls;
	struct api_req *r = *con_cls;
	const char *cl;
	uint64_t clen;

	if (r == NULL) {
		/* Headers are complete: set the request up and check what can be checked. */
		r = xcalloc(1, sizeof(*r));
		r->api = l->api;
		r->l = l;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->start_ns = util_now_ns();
		pthread_mutex_lock(&l->api->mu);
		r->max_body = l->api->max_body;
		pthread_mutex_unlock(&l->api->mu);
		*con_cls = r;
		api_route_find(r);
		/* Over the connection limit: say so at once rather than stall. */
		if (__atomic_load_n(&l->nconn, __ATOMIC_RELAXED) > l->api->soft_connections) {
			api_overloaded(r, "too many connections");
			return api_send(r);
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && (util_parse_u64(cl, UINT64_MAX, &clen) == -1 || clen > r->max_body)) {
			api_error(r, 413, "request body over the limit of %llu bytes",
			    (unsigned long long)r->max_body);
			return api_send(r);
		}
		/* Refuse unauthorised writes before reading their bodies. */
		if (r->route >= 0 && api_needs_auth(r) && api_auth(r) == -1)
			return api_send(r);
		return MHD_YES;
	}
	if (r->queued) {
		/* An early answer went out; drop what the client still sends. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->handed) {
		/* Resumed by the writer thread with its answer. */
		return r->done ? api_send(r) : MHD_YES;
	}
	if (*upload_data_size != 0) {
		/*
		 * A body without Content-Length (chunked) that grows over the
		 * limit: drop the rest and answer 413 when it ends (MHD sends
		 * no answer queued in the middle of an upload).
		 */
		if (r->too_big || r->len + *upload_data_size > r->max_body) {
			r->too_big = 1;
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (r->len + *upload_data_size + 1 > r->cap) {
			r->cap = r->cap == 0 ? 4096 : r->cap;
			while (r->cap < r->len + *upload_data_size + 1)
				r->cap *= 2;
			r->body = xreallocarray(r->body, r->cap, 1);
		}
		memcpy(r->body + r->len, upload_data, *upload_data_size);
		r->len += *upload_data_size;
		r->body[r->len] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}
	return api_serve(r);
}

static void
api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api_listener *l = cls;
	struct api_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->queued)
		api_metrics_record(l->api, r->route, r->status,
		    (double)(util_now_ns() - r->start_ns) / 1e9);
	api_req_free(r);
	*con_cls = NULL;
}

static void
api_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct api_listener *l = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		__atomic_add_fetch(&l->nconn, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&l->nconn, 1, __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 0)))
api_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

/*
 * Decode %HH escapes in the path and query of a request, except %00: a NUL
 * would cut "/v1/hosts/a%00b" to the host "a" where the client named
 * another.  It stays "%00", which no host id, route or parameter accepts.
 */
static size_t
api_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *h, *l;
	size_t r, w;

	for (r = w = 0; s[r] != '\0'; r++, w++) {
		if (s[r] == '%' && s[r + 1] != '\0' && s[r + 2] != '\0' &&
		    (h = strchr(hex, tolower((unsigned char)s[r + 1]))) != NULL &&
		    (l = strchr(hex, tolower((unsigned char)s[r + 2]))) != NULL &&
		    (h != hex || l != hex)) {
			s[w] = (char)((h - hex) << 4 | (l - hex));
			r += 2;
		} else {
			s[w] = s[r];
		}
	}
	s[w] = '\0';
	return w;
}

/* ---- the writer thread ---- */

static void *
api_writer(void *arg)
{
	struct api *a = arg;
	struct api_req *r;
	struct timespec ts;
	char err[512];
	int sync;

	/*
	 * Imports are bulk work: under contention the threads answering
	 * questions (the hook's first) go before this one and the parser it
	 * starts (which inherits the nice value).  Failing to is harmless.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), API_WRITER_NICE);
	for (;;) {
		pthread_mutex_lock(&a->wq_mu);
		if (a->wq_head == NULL && !a->wq_stop && !a->wq_sync) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += API_SYNC_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&a->wq_cv, &a->wq_mu, &ts);
		}
		/* Stopping: what was handed over is still stored and answered. */
		if (a->wq_stop && a->wq_head == NULL) {
			pthread_mutex_unlock(&a->wq_mu);
			break;
		}
		if ((r = a->wq_head) != NULL) {
			a->wq_head = r->next;
			if (a->wq_head == NULL)
				a->wq_tail = NULL;
			a->wq_len--;
		}
		sync = a->wq_sync;
		a->wq_sync = 0;
		pthread_mutex_unlock(&a->wq_mu);
		if (r == NULL || sync) {
			/* Writes of other connections: the collector, the etcd mirror. */
			if (api_fleet_sync(a, a->wstore, err, sizeof(err)) == -1)
				log_warnx("fleet index: %s", err);
		}
		if (r == NULL)
			continue;
		r->store = a->wstore;
		api_dispatch(r);
		r->done = 1;
		MHD_resume_connection(r->conn);
	}
	return NULL;
}

/* ---- start and stop ---- */

/* Threads serving each TCP listener: one per CPU, at least 2. */
static unsigned
api_pool_size(unsigned want)
{
	long n;

	if (want > 0)
		return want > API_MAX_THREADS ? API_MAX_THREADS : want;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		n = 2;
	return n > API_MAX_THREADS ? API_MAX_THREADS : (unsigned)n;
}

static int
api_start_listener(struct api *a, struct api_listener *l, const struct api_conf *c,
    char *err, size_t errsize)
{
	struct MHD_OptionItem opt[8];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;
	size_t nt = 0, tls = 0;

	if (a->tls_cert != NULL && !l->is_unix) {
		flags |= MHD_USE_TLS;
		opt[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, a->tls_cert };
		opt[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, a->tls_key };
		if (a->tls_ca != NULL)
			opt[nt++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, a->tls_ca };
		tls = nt;
	}
	if (!l->is_unix) {
		/* The Unix socket (the hook, the local CLI) has a thread of its own. */
		opt[nt++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, a->threads, NULL };
		if (c->max_per_client > 0)
			opt[nt++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			    (intptr_t)c->max_per_client, NULL };
	}
	opt[nt] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	l->mhd = MHD_start_daemon(flags,
	    0, NULL, NULL, api_access, l,
	    MHD_OPTION_ARRAY, opt,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, l->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, api_completed, l,
	    MHD_OPTION_NOTIFY_CONNECTION, api_connection, l,
	    MHD_OPTION_UNESCAPE_CALLBACK, api_unescape, NULL,
	    MHD_OPTION_END);
	if (l->mhd == NULL) {
		snprintf(err, errsize, "%s: cannot start the HTTP%s server%s", l->name,
		    tls > 0 ? "S" : "", tls > 0 ? " (is tls_key the key of tls_cert?)" : "");
		return -1;
	}
	l->fd = -1;	/* MHD owns it now */
	return 0;
}

struct api *
api_start(const struct api_conf *c, char *err, size_t errsize)
{
	struct api *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;
	size_t i;
	int rc;

	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->wq_mu, NULL);
	pthread_cond_init(&a->wq_cv, NULL);
	a->collect_fd = c->collect_fd;
	a->max_body = c->max_body;
	a->auth_reads = c->auth_reads;
	a->upload = c->upload;
	a->upload_arg = c->upload_arg;
	a->retire = c->retire;
	a->retire_arg = c->retire_arg;
	a->max_connections = c->max_connections;
	a->soft_connections = c->max_connections > 1 ? c->max_connections - 1 : 1;
	a->threads = api_pool_size(c->threads);
	a->db_path = xstrdup(c->db_path);
	if (c->tls_cert != NULL) {
		a->tls_cert = xstrdup(c->tls_cert);
		a->tls_key = xstrdup(c->tls_key != NULL ? c->tls_key : "");
		if (c->tls_client_ca != NULL)
			a->tls_ca = xstrdup(c->tls_client_ca);
	}
	a->self_id = xstrdup(c->self_id != NULL ? c->self_id : "");
	a->stats = xcalloc(api_nroutes + 1, sizeof(*a->stats));
	a->coll.state = API_COLLECT_DISABLED;
	a->l = xcalloc(c->n_listeners, sizeof(*a->l));
	for (i = 0; i < c->n_listeners; i++) {
		a->l[i].api = a;
		a->l[i].fd = c->listeners[i].fd;
		a->l[i].is_unix = c->listeners[i].is_unix;
		util_strlcpy(a->l[i].name, c->listeners[i].name, sizeof(a->l[i].name));
	}
	a->n_l = c->n_listeners;
	if (pthread_key_create(&a->tkey, api_thread_store_free) != 0) {
		snprintf(err, errsize, "pthread_key_create failed");
		goto fail;
	}
	a->has_tkey = 1;
	if ((a->wstore = store_open(c->db_path, err, errsize)) == NULL)
		goto fail;
	a->cache = pcache_new();
	a->answers = acache_new(API_ANSWER_SLOTS, c->answer_cache > 0 ? (size_t)c->answer_cache :
	    API_ANSWER_BYTES);
	a->fleet = fleet_new();
	if (api_fleet_sync(a, a->wstore, err, errsize) == -1)
		goto fail;
	/* The API's threads take no signals: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&a->writer, NULL, api_writer, a);
	if (rc == 0)
		a->started = 1;
	for (i = 0; rc == 0 && i < a->n_l; i++)
		if (api_start_listener(a, &a->l[i], c, err, errsize) == -1)
			rc = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!a->started)
		snprintf(err, errsize, "cannot start the API writer thread");
	if (rc != 0)
		goto fail;
	for (i = 0; i < a->n_l; i++)
		log_info("listening on %s%s%s", a->l[i].name, a->tls_cert != NULL && !a->l[i].is_unix ?
		    a->tls_ca != NULL ? " (HTTPS, client certificates accepted)" : " (HTTPS)" : "",
		    a->l[i].is_unix ? " (own thread)" : "");
	log_debug("api: %u threads per TCP listener", a->threads);
	return a;
fail:
	api_stop(a);
	return NULL;
}

void
api_stop(struct api *a)
{
	size_t i;

	if (a == NULL)
		return;
	/*
	 * Stop the writer first, once it has stored and answered what it was
	 * handed (suspended connections must be resumed before MHD stops).
	 */
	if (a->started) {
		pthread_mutex_lock(&a->wq_mu);
		a->wq_stop = 1;
		pthread_cond_signal(&a->wq_cv);
		pthread_mutex_unlock(&a->wq_mu);
		pthread_join(a->writer, NULL);
	}
	for (i = 0; i < a->n_l; i++) {
		if (a->l[i].mhd != NULL)
			MHD_stop_daemon(a->l[i].mhd);
		else if (a->l[i].fd != -1)
			close(a->l[i].fd);
	}
	fleet_free(a->fleet);
	pcache_free(a->cache);
	acache_free(a->answers);
	store_close(a->wstore);
	if (a->has_tkey)
		pthread_key_delete(a->tkey);
	pthread_cond_destroy(&a->wq_cv);
	pthread_mutex_destroy(&a->wq_mu);
	pthread_mutex_destroy(&a->mu);
	free(a->l);
	free(a->stats);
	free(a->self_id);
	free(a->db_path);
	free(a->tls_cert);
	if (a->tls_key != NULL) {
		explicit_bzero(a->tls_key, strlen(a->tls_key));
		free(a->tls_key);
	}
	free(a->tls_ca);
	free(a);
}

void
api_store_changed(struct api *a)
{
	pthread_mutex_lock(&a->wq_mu);
	a->wq_sync = 1;
	pthread_cond_signal(&a->wq_cv);
	pthread_mutex_unlock(&a->wq_mu);
}

void
api_set_token(struct api *a, const char *token)
{
	unsigned char d[UTIL_SHA256_SIZE];
	int has = token != NULL && token[0] != '\0';

	if (has)
		util_sha256(token, strlen(token), d);
	pthread_mutex_lock(&a->mu);
	a->has_token = has;
	if (has)
		memcpy(a->token_digest, d, sizeof(d));
	pthread_mutex_unlock(&a->mu);
}

void
api_set_max_body(struct api *a, uint64_t max_body)
{
	pthread_mutex_lock(&a->mu);
	a->max_body = max_body;
	pthread_mutex_unlock(&a->mu);
}

void
api_set_collection(struct api *a, const struct api_collection *c)
{
	pthread_mutex_lock(&a->mu);
	a->coll = *c;
	pthread_mutex_unlock(&a->mu);
}

void
api_count_push(struct api *a, int ok)
{
	pthread_mutex_lock(&a->mu);
	if (ok)
		a->push_ok++;
	else
		a->push_failed++;
	pthread_mutex_unlock(&a->mu);
}
