/*
 * fuzz_http.c - libFuzzer target: the HTTP request path of migcompatd,
 * in-process: the real API (api_start) with libmicrohttpd's parser, the
 * router, query strings, headers, authentication, body limits and every
 * route handler, on a real SQLite file in /dev/shm.
 *
 * The first byte of the input picks the listener (even: TCP on 127.0.0.1,
 * where writes need the bearer token "fuzz-token"; odd: the Unix socket),
 * the rest is sent as it is, then the client half-closes and reads the
 * answer.  An answer the API built (application/json) must be one JSON
 * object, and an error status must come with {"error": {"code": status}}.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api.h"
#include "log.h"

#define FUZZ_HTTP_TOKEN		"fuzz-token"
#define FUZZ_HTTP_MAX_ANSWER	(4 * 1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api *fuzz_http_api;
static struct sockaddr_in fuzz_http_tcp;
static struct sockaddr_un fuzz_http_unix;
static char *fuzz_http_answer;

static void
fuzz_http_cleanup(void)
{
	char path[200];

	api_stop(fuzz_http_api);
	snprintf(path, sizeof(path), "/dev/shm/migcompat-fuzz-http-%ld.db", (long)getpid());
	unlink(path);
	strncat(path, "-wal", sizeof(path) - strlen(path) - 1);
	unlink(path);
	path[strlen(path) - 4] = '\0';
	strncat(path, "-shm", sizeof(path) - strlen(path) - 1);
	unlink(path);
	unlink(fuzz_http_unix.sun_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct api_listener_fd l[2];
	struct api_conf c;
	socklen_t sl = sizeof(fuzz_http_tcp);
	char db[200], err[512];
	int fd;

	signal(SIGPIPE, SIG_IGN);
	log_init("fuzz-http", LOG_LEVEL_ERR);
	snprintf(db, sizeof(db), "/dev/shm/migcompat-fuzz-http-%ld.db", (long)getpid());
	unlink(db);

	memset(&fuzz_http_tcp, 0, sizeof(fuzz_http_tcp));
	fuzz_http_tcp.sin_family = AF_INET;
	fuzz_http_tcp.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&fuzz_http_tcp, sizeof(fuzz_http_tcp)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&fuzz_http_tcp, &sl) == -1 || listen(fd, 64) == -1) {
		perror("fuzz-http: tcp listener");
		exit(1);
	}
	l[0].fd = fd;
	l[0].is_unix = 0;
	snprintf(l[0].name, sizeof(l[0].name), "127.0.0.1:%u", ntohs(fuzz_http_tcp.sin_port));

	memset(&fuzz_http_unix, 0, sizeof(fuzz_http_unix));
	fuzz_http_unix.sun_family = AF_UNIX;
	snprintf(fuzz_http_unix.sun_path, sizeof(fuzz_http_unix.sun_path),
	    "/dev/shm/migcompat-fuzz-http-%ld.sock", (long)getpid());
	unlink(fuzz_http_unix.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&fuzz_http_unix, sizeof(fuzz_http_unix)) == -1 ||
	    listen(fd, 64) == -1) {
		perror("fuzz-http: unix listener");
		exit(1);
	}
	l[1].fd = fd;
	l[1].is_unix = 1;
	snprintf(l[1].name, sizeof(l[1].name), "%s", fuzz_http_unix.sun_path);

	memset(&c, 0, sizeof(c));
	c.listeners = l;
	c.n_listeners = 2;
	c.db_path = db;
	c.self_id = "fuzz-self";
	c.max_body = 256 * 1024;
	c.max_connections = 32;
	c.timeout = 2;
	c.collect_fd = -1;
	if ((fuzz_http_api = api_start(&c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz-http: %s\n", err);
		exit(1);
	}
	api_set_token(fuzz_http_api, FUZZ_HTTP_TOKEN);
	fuzz_http_answer = malloc(FUZZ_HTTP_MAX_ANSWER + 1);
	atexit(fuzz_http_cleanup);
	return 0;
}

/* Check one answer of the API (NUL-terminated, n bytes). */
static void
fuzz_http_check(const char *ans, size_t n)
{
	struct json_object *o, *e, *code;
	const char *hdr_end, *body, *p;
	char *copy;
	unsigned status;
	size_t blen;
	int json = 0;

	if (n == 0)
		return;		/* MHD closed: a parse error or a half-closed request */
	if (n < 12 || strncmp(ans, "HTTP/1.", 7) != 0 || sscanf(ans + 9, "%3u", &status) != 1)
		abort();
	if ((hdr_end = strstr(ans, "\r\n\r\n")) == NULL)
		abort();
	for (p = ans; p < hdr_end; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, "Content-Type: application/json", 30) == 0)
			json = 1;
	if (!json)
		return;
	body = hdr_end + 4;
	blen = n - (size_t)(body - ans);
	/* Only the first answer of a pipeline: its Content-Length bounds it. */
	for (p = ans; p < hdr_end; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			blen = strtoul(p + 15, NULL, 10);
	if (blen > n - (size_t)(body - ans))
		return;		/* cut short: the client gave up first */
	copy = strndup(body, blen);
	o = json_tokener_parse(copy);
	free(copy);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		abort();
	if (status >= 400) {
		if (!json_object_object_get_ex(o, "error", &e) ||
		    !json_object_object_get_ex(e, "code", &code) ||
		    json_object_get_int(code) != (int)status)
			abort();
	}
	json_object_put(o);
}

/*
 * Connect fd to the TCP or Unix listener.  libFuzzer's -timeout alarm can
 * interrupt a connect that waits for the backlog: try again (a TCP
 * connect then reports EALREADY until it is done, then EISCONN), for 15 s
 * at most.  Returns 0 or -1.
 */
static int
fuzz_http_connect(int fd, int is_unix)
{
	const struct sockaddr *sa = is_unix ? (const struct sockaddr *)&fuzz_http_unix :
	    (const struct sockaddr *)&fuzz_http_tcp;
	socklen_t len = is_unix ? sizeof(fuzz_http_unix) : sizeof(fuzz_http_tcp);
	struct pollfd pfd;
	int tries;

	for (tries = 0; tries < 1500; tries++) {
		if (connect(fd, sa, len) == 0 || errno == EISCONN)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EALREADY && errno != EINPROGRESS)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, 10);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* Nonzero once ans (n bytes) holds a whole answer: headers and Content-Length. */
static int
fuzz_http_complete(const char *ans, size_t n)
{
	const char *hdr_end, *p;
	size_t blen = 0;

	if ((hdr_end = strstr(ans, "\r\n\r\n")) == NULL)
		return 0;
	for (p = ans; p < hdr_end; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			blen = strtoul(p + 15, NULL, 10);
	return n >= (size_t)(hdr_end + 4 - ans) + blen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pollfd pfd;
	size_t off = 0, n = 0;
	ssize_t k;
	int fd, is_unix, rc, half_closed = 0;

	if (size < 1)
		return 0;
	is_unix = data[0] & 1;
	data++;
	size--;
	fd = socket(is_unix ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		abort();
	if (fuzz_http_connect(fd, is_unix) == -1) {
		perror("fuzz-http: connect");
		abort();
	}
	while (off < size) {
		k = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;		/* the server closed on us: fine */
		off += (size_t)k;
	}
	/*
	 * Read until one whole answer is in.  A request left incomplete gets
	 * no answer: the client then half-closes (a new event for the server,
	 * which must then answer or close) and reads on.
	 */
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		rc = poll(&pfd, 1, half_closed ? 15000 : 50);
		if (rc == -1 && errno == EINTR)
			continue;	/* libFuzzer's -timeout alarm */
		if (rc == 0 && !half_closed) {
			shutdown(fd, SHUT_WR);
			half_closed = 1;
			continue;
		}
		if (rc != 1) {
			fprintf(stderr, "fuzz-http: no answer and no close within 15 s\n");
			abort();
		}
		k = read(fd, fuzz_http_answer + n, FUZZ_HTTP_MAX_ANSWER - n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		fuzz_http_answer[n] = '\0';
		if (n == FUZZ_HTTP_MAX_ANSWER || fuzz_http_complete(fuzz_http_answer, n))
			break;
	}
	close(fd);
	fuzz_http_answer[n] = '\0';
	fuzz_http_check(fuzz_http_answer, n);
	return 0;
}
