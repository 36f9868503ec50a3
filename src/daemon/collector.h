/*
 * collector.h - run migcompat-probe as a child process and capture the
 * profile it prints.  The daemon itself never touches /dev/kvm.
 */
#ifndef MIGCOMPAT_COLLECTOR_H
#define MIGCOMPAT_COLLECTOR_H

#include <stddef.h>

struct collector_result {
	int exit_status;		/* 0..255, -1 killed, timed out or not started */
	char *out;			/* what the probe printed (allocated, NUL-terminated) */
	size_t len;
	double duration;		/* seconds */
	char message[256];		/* why it failed */
};

/*
 * Run probe --compact [--host-id ID] [--libvirt-uri URI | --no-libvirt]
 * (libvirt_uri NULL or "": the probe's default; "none": --no-libvirt) with stdin on /dev/null, stdout
 * captured (at most PROFILE_MAX_SIZE bytes), stderr inherited, a minimal
 * environment and default signal dispositions.  It is killed after
 * timeout seconds.  When cancel_fd (if not -1) becomes readable, cancel(arg)
 * is called: nonzero kills the probe at once, 0 lets it run on (cancel
 * must consume what made the fd readable; NULL means always cancel).
 * Returns 0 if it exited 0 having printed something, otherwise -1 with
 * res->message set.  res->out must be freed with collector_result_clear().
 */
int collector_run(const char *probe, const char *host_id, const char *libvirt_uri, unsigned timeout,
    int cancel_fd, int (*cancel)(void *arg), void *arg, struct collector_result *res);

/* Free what res owns.  NULL is fine. */
void collector_result_clear(struct collector_result *res);

#endif
