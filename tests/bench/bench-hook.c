/*
 * bench-hook.c - the hook's latency under load: the very request
 * migcompat-hook sends (hookreq_ask: POST /v1/compat with the domain XML
 * over the daemon's Unix socket, a new connection each time), every
 * INTERVAL_MS for SECONDS (0: until SIGTERM or SIGINT), while the caller
 * loads the daemon otherwise.  Prints p50, p99 and the largest latency,
 * and how many got no verdict.
 *
 *   bench-hook SOCKET DOMAIN_XML SECONDS INTERVAL_MS
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hookreq.h"
#include "util.h"
#include "xmalloc.h"

static volatile sig_atomic_t bench_stop;

static void
bench_on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

static int
bench_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct timespec pause;
	uint64_t *lat, end, t0;
	size_t len, n = 0, cap = 1024, errors = 0;
	char msg[1024], *xml;
	unsigned interval;

	if (argc != 5) {
		fprintf(stderr, "usage: bench-hook SOCKET DOMAIN_XML SECONDS INTERVAL_MS\n");
		return 2;
	}
	if ((xml = util_read_file(argv[2], 1 << 20, &len)) == NULL) {
		perror(argv[2]);
		return 1;
	}
	interval = (unsigned)atoi(argv[4]);
	pause.tv_sec = interval / 1000;
	pause.tv_nsec = (long)(interval % 1000) * 1000000L;
	lat = xcalloc(cap, sizeof(*lat));
	end = atoi(argv[3]) > 0 ? util_now_ns() + (uint64_t)atoi(argv[3]) * 1000000000ull : UINT64_MAX;
	signal(SIGTERM, bench_on_signal);
	signal(SIGINT, bench_on_signal);
	while (!bench_stop && util_now_ns() < end) {
		t0 = util_now_ns();
		if (hookreq_ask(argv[1], xml, len, 10000, "bench", msg, sizeof(msg)) == HOOKREQ_ERROR) {
			if (errors++ == 0)
				fprintf(stderr, "bench-hook: %s\n", msg);
		}
		if (n == cap)
			lat = xreallocarray(lat, cap *= 2, sizeof(*lat));
		lat[n++] = util_now_ns() - t0;
		nanosleep(&pause, NULL);
	}
	if (n == 0)
		return 1;
	qsort(lat, n, sizeof(*lat), bench_cmp);
	printf("hook_p50 %.2f ms\nhook_p99 %.2f ms (max %.2f ms, %zu requests, %zu without a verdict)\n",
	    lat[n / 2] / 1e6, lat[n * 99 / 100] / 1e6, lat[n - 1] / 1e6, n, errors);
	free(lat);
	free(xml);
	return 0;
}
