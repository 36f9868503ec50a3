/*
 * test-httpx.c - requests with httpx against a real libmicrohttpd server on
 * loopback (TCP and a Unix socket), and against sockets that refuse, hang
 * or close without an answer: status and body, what the server received,
 * the size cap, the time limit, the failure kinds, streaming, cancelling,
 * and a client used for many requests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "httpx.h"
#include "tap.h"
#include "util.h"

/* What the server saw of the last request (the handler writes, the test reads after the answer). */
static char seen_method[16], seen_ctype[128], seen_auth[128], seen_extra[64];
static char seen_body[256];
static size_t seen_len;

struct upload {
	char buf[256];
	size_t len;
};

static void
copy_header(struct MHD_Connection *c, const char *name, char *out, size_t outsize)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	util_strlcpy(out, v != NULL ? v : "", outsize);
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *body, size_t len, const char *hdr,
    const char *val)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (hdr != NULL)
		MHD_add_response_header(r, hdr, val);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * /echo: 200 with "METHOD BODY"; /big: 100 000 bytes; /busy: 503 with
 * Retry-After 3; /lines: 1000 lines of 100 bytes; anything else 404.
 */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **state)
{
	struct upload *u = *state;
	static char big[100000];
	char out[512];

	if (u == NULL) {
		*state = calloc(1, sizeof(*u));
		return *state != NULL ? MHD_YES : MHD_NO;
	}
	if (*size > 0) {
		size_t n = *size < sizeof(u->buf) - 1 - u->len ? *size : sizeof(u->buf) - 1 - u->len;

		memcpy(u->buf + u->len, data, n);
		u->len += n;
		*size = 0;
		return MHD_YES;
	}
	util_strlcpy(seen_method, method, sizeof(seen_method));
	copy_header(c, "Content-Type", seen_ctype, sizeof(seen_ctype));
	copy_header(c, "Authorization", seen_auth, sizeof(seen_auth));
	copy_header(c, "X-Extra", seen_extra, sizeof(seen_extra));
	memcpy(seen_body, u->buf, u->len + 1);
	seen_len = u->len;
	if (strcmp(url, "/echo") == 0) {
		snprintf(out, sizeof(out), "%s %s", method, u->buf);
		return answer(c, 200, out, strlen(out), "X-Answer", "echo");
	}
	if (strcmp(url, "/big") == 0) {
		memset(big, 'x', sizeof(big));
		return answer(c, 200, big, sizeof(big), NULL, NULL);
	}
	if (strcmp(url, "/lines") == 0) {
		static char lines[100000];
		size_t i;

		memset(lines, 'y', sizeof(lines));
		for (i = 99; i < sizeof(lines); i += 100)
			lines[i] = '\n';
		return answer(c, 200, lines, sizeof(lines), NULL, NULL);
	}
	if (strcmp(url, "/busy") == 0)
		return answer(c, 503, "{}", 2, "Retry-After", "3");
	return answer(c, 404, "no", 2, NULL, NULL);
}

static void
completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode toe)
{
	free(*state);
	*state = NULL;
}

static struct MHD_Daemon *
serve(int fd)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, handler,
	    NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
}

/* A TCP socket listening on a free loopback port (*port); -1 on failure. */
static int
tcp_listen(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 || listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accept one connection, read what comes, close without answering. */
static void *
drop_one(void *arg)
{
	char buf[4096];
	int fd = *(int *)arg, c;

	if ((c = accept(fd, NULL, NULL)) != -1) {
		if (read(c, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		close(c);
	}
	return NULL;
}

/* on_body: keep only the last partial line; count the whole ones. */
static size_t stream_lines, stream_peak;

static int
eat_lines(void *arg, struct httpx_resp *r, size_t old)
{
	char *nl;

	if (r->len > stream_peak)
		stream_peak = r->len;
	while ((nl = memchr(r->body, '\n', r->len)) != NULL) {
		size_t n = (size_t)(nl - r->body) + 1;

		stream_lines++;
		memmove(r->body, r->body + n, r->len - n);
		r->len -= n;
		r->body[r->len] = '\0';
	}
	return 0;
}

static int
stop_now(void *arg)
{
	return 1;
}

static char seen_header[64];

static void
grab_header(void *arg, const char *line, size_t n)
{
	if (n > 9 && strncasecmp(line, "X-Answer:", 9) == 0)
		snprintf(seen_header, sizeof(seen_header), "%.*s", (int)(n - 9), line + 9);
}

int
main(void)
{
	static const char *const extra[] = { "X-Extra: one", NULL };
	struct httpx_resp resp = { 0 };
	struct httpx_req r;
	struct sockaddr_un sa;
	struct MHD_Daemon *d, *du;
	struct httpx *h;
	pthread_t th;
	char url[256], err[512], sock[108];
	const char *body = "{\"a\":1}";
	unsigned port, hport, dport;
	uint64_t t0, ms;
	int fd, ufd, hfd, dfd, rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((fd = tcp_listen(&port)) == -1 || (d = serve(fd)) == NULL) {
		printf("Bail out! cannot start a server on loopback: %s\n", strerror(errno));
		return 1;
	}

	/* A PUT with a body, a token and another header. */
	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", port);
	r.url = url;
	r.method = "PUT";
	r.body = body;
	r.len = strlen(body);
	r.ctype = "application/json";
	r.token = "s3cret";
	r.headers = extra;
	r.connect_ms = 2000;
	r.total_ms = 5000;
	r.on_header = grab_header;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && resp.status == 200 && resp.fail == HTTPX_OK, "PUT answered 200 (%d %ld %s)", rc,
	    resp.status, rc == -1 ? err : "");
	tap_ok(rc == 0 && strcmp(resp.body, "PUT {\"a\":1}") == 0 && resp.len == strlen(resp.body),
	    "the answer's body, NUL-terminated: %s", resp.body != NULL ? resp.body : "(null)");
	tap_ok(strcmp(seen_method, "PUT") == 0 && strcmp(seen_ctype, "application/json") == 0 &&
	    strcmp(seen_auth, "Bearer s3cret") == 0 && strcmp(seen_extra, "one") == 0,
	    "the server got the method, Content-Type, bearer token and the extra header");
	tap_ok(seen_len == strlen(body) && memcmp(seen_body, body, seen_len) == 0, "and the body");
	tap_ok(strstr(seen_header, "echo") != NULL, "on_header sees the answer's headers");
	tap_ok(resp.retry_after == 0, "no Retry-After: 0");

	/* No method: POST with a body, GET without. */
	r.method = NULL;
	r.token = NULL;
	r.headers = NULL;
	r.on_header = NULL;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(seen_method, "POST") == 0 && seen_auth[0] == '\0',
	    "no method and a body: POST, without a token no Authorization");
	r.body = NULL;
	r.len = 0;
	r.ctype = NULL;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(seen_method, "GET") == 0 && strcmp(resp.body, "GET ") == 0,
	    "no method, no body: GET");

	/* Statuses are answers: 404, 503 with its Retry-After. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/nothing", port);
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && resp.status == 404 && strcmp(resp.body, "no") == 0, "a 404 is an answer");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/busy", port);
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && resp.status == 503 && resp.retry_after == 3, "503 with Retry-After 3 (%ld)",
	    resp.retry_after);

	/* The size cap. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/big", port);
	r.max_body = 1000;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_TOOBIG && strstr(err, "answer over 1000 bytes") != NULL,
	    "an answer over max_body fails: %s", err);
	r.max_body = 0;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && resp.len == 100000 && resp.cap > resp.len, "within the default cap: %zu bytes",
	    resp.len);

	/* Streaming: on_body consumes whole lines, so a small cap holds. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/lines", port);
	r.max_body = 20000;
	r.on_body = eat_lines;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && stream_lines == 1000 && resp.len == 0,
	    "on_body reads 1000 lines of a 100 000-byte answer under a 20 000-byte cap (%d, %zu lines, "
	    "peak %zu)", rc, stream_lines, stream_peak);
	r.on_body = NULL;
	r.max_body = 0;
	r.cancel = stop_now;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_CANCELED, "cancel ends the request: %s", err);
	r.cancel = NULL;

	/* One client for many requests, one answer buffer. */
	if ((h = httpx_new()) == NULL) {
		printf("Bail out! httpx_new\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/big", port);
	rc = httpx_perform(h, &r, &resp, err, sizeof(err));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", port);
	rc |= httpx_perform(h, &r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && strcmp(resp.body, "GET ") == 0 && resp.len == 4,
	    "a client's second answer replaces the first in the same buffer");
	httpx_free(h);

	/* The Unix socket: the URL's host does not count. */
	snprintf(sock, sizeof(sock), "/tmp/test-httpx-%ld.sock", (long)getpid());
	unlink(sock);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	util_strlcpy(sa.sun_path, sock, sizeof(sa.sun_path));
	if ((ufd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 || bind(ufd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ufd, 16) == -1 || (du = serve(ufd)) == NULL) {
		printf("Bail out! cannot listen on %s: %s\n", sock, strerror(errno));
		return 1;
	}
	r.url = "http://localhost/echo";
	r.socket = sock;
	r.body = "<domain/>";
	r.len = 9;
	r.ctype = "application/xml";
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == 0 && resp.status == 200 && strcmp(resp.body, "POST <domain/>") == 0 &&
	    strcmp(seen_ctype, "application/xml") == 0, "over the Unix socket: %s",
	    rc == 0 ? resp.body : err);
	MHD_stop_daemon(du);
	close(ufd);
	unlink(sock);
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_CONNECT && resp.oserr == ENOENT &&
	    strcmp(err, strerror(ENOENT)) == 0,
	    "no socket: HTTPX_CONNECT, errno ENOENT (%d, %s)", resp.oserr, err);
	r.socket = NULL;
	r.body = NULL;
	r.ctype = NULL;

	/* A port nobody listens on: refused. */
	if ((hfd = tcp_listen(&hport)) == -1) {
		printf("Bail out! tcp_listen\n");
		return 1;
	}
	close(hfd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", hport);
	r.url = url;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_CONNECT && resp.oserr == ECONNREFUSED && resp.status == 0,
	    "refused: HTTPX_CONNECT, ECONNREFUSED: %s", err);

	/* A server that takes the connection and never answers: total_ms holds. */
	if ((hfd = tcp_listen(&hport)) == -1) {
		printf("Bail out! tcp_listen\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", hport);
	r.total_ms = 300;
	t0 = util_now_ns();
	rc = httpx_request(&r, &resp, err, sizeof(err));
	ms = (util_now_ns() - t0) / 1000000;
	tap_ok(rc == -1 && resp.fail == HTTPX_TIMEOUT && ms >= 290 && ms < 3000,
	    "no answer: HTTPX_TIMEOUT after %llu ms (total_ms 300): %s", (unsigned long long)ms, err);
	close(hfd);

	/* A server that closes without an answer: dropped, worth another attempt. */
	if ((dfd = tcp_listen(&dport)) == -1 || pthread_create(&th, NULL, drop_one, &dfd) != 0) {
		printf("Bail out! tcp_listen\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", dport);
	r.total_ms = 5000;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	pthread_join(th, NULL);
	close(dfd);
	tap_ok(rc == -1 && resp.fail == HTTPX_DROPPED && httpx_fail_transient(resp.fail),
	    "closed without an answer: HTTPX_DROPPED, transient: %s", err);
	tap_ok(!httpx_fail_transient(HTTPX_CONNECT) && !httpx_fail_transient(HTTPX_TIMEOUT) &&
	    !httpx_fail_transient(HTTPX_TLS), "refused, timed out and TLS failures are not transient");

	/*
	 * An https URL to the plain server: TLS fails (with time for loading
	 * the system's CAs, slow under valgrind).
	 */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", port);
	r.connect_ms = 60000;
	r.total_ms = 60000;
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_TLS, "https to a plain HTTP server: HTTPX_TLS: %s", err);
	r.cacert = "/nonexistent/ca.pem";
	rc = httpx_request(&r, &resp, err, sizeof(err));
	tap_ok(rc == -1 && resp.fail == HTTPX_TLS, "a CA file that is not there: HTTPX_TLS: %s", err);
	r.cacert = NULL;

	{
		char *u1 = httpx_url("http://a:1//", "/v1/x"), *u2 = httpx_url("http://a:1", "/v1/x");

		tap_ok(strcmp(u1, "http://a:1/v1/x") == 0 && strcmp(u2, u1) == 0,
		    "httpx_url drops the base's trailing slashes: %s", u1);
		free(u1);
		free(u2);
	}

	MHD_stop_daemon(d);
	close(fd);
	httpx_resp_clear(&resp);
	tap_ok(resp.body == NULL && resp.len == 0 && resp.cap == 0, "httpx_resp_clear frees and zeroes");
	curl_global_cleanup();
	return tap_done();
}
