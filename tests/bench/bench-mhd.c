/*
 * bench-mhd.c - the ceiling for the HTTP benchmark: a trivial
 * libmicrohttpd server that answers every request with a constant JSON
 * body (given as a file), with the same threading as migcompatd's TCP
 * listeners: a pool of THREADS epoll threads (default 1).
 *
 *   bench-mhd PORT BODY_FILE [THREADS]
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "util.h"

static char *bench_body;
static size_t bench_len;

static enum MHD_Result
bench_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	resp = MHD_create_response_from_buffer(bench_len, bench_body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bench-mhd PORT BODY_FILE [THREADS]\n");
		return 2;
	}
	if ((bench_body = util_read_file(argv[2], 1 << 24, &bench_len)) == NULL) {
		perror(argv[2]);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
	    (uint16_t)atoi(argv[1]), NULL, NULL, bench_answer, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_THREAD_POOL_SIZE, argc == 4 ? (unsigned)atoi(argv[3]) : 1u, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench-mhd: cannot listen on port %s\n", argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	free(bench_body);
	return 0;
}
