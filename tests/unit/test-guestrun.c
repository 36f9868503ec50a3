/*
 * test-guestrun.c - the probe guest's watchdog: a child that hangs in a
 * real system call is killed and reaped within the deadline plus one
 * second, twenty times over, leaving no child and no descriptor behind;
 * children that succeed, fail, crash or flood the pipe are told apart.
 * The whole guest path on a descriptor that is not KVM (/dev/null) fails
 * at its first step and says so in the layers.  With a usable /dev/kvm the
 * real probe guest runs twenty times the same way; without one that part
 * is skipped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guestprobe.h"
#include "guestrun.h"
#include "kvmdev.h"
#include "tap.h"
#include "util.h"

static int
count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Nonzero when this process has no child at all, reaped or not. */
static int
no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static int
child_ok(void *arg, int wfd)
{
	return write(wfd, "hello", 5) == 5 ? 0 : -1;
}

static int
child_fail(void *arg, int wfd)
{
	(void)!write(wfd, "KVM_CREATE_VM: Cannot allocate memory", 37);
	return -1;
}

static int
child_signal(void *arg, int wfd)
{
	raise(SIGTERM);
	return 0;
}

/* Block every signal it can and sleep in a real system call forever. */
static int
child_hang(void *arg, int wfd)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;)
		pause();
	return 0;
}

/* Close the pipe first (the parent sees EOF), then hang in read(2). */
static int
child_close_and_hang(void *arg, int wfd)
{
	int p[2];
	char c;

	close(wfd);
	if (pipe(p) == -1)
		return -1;
	for (;;)
		(void)!read(p[0], &c, 1);
	return 0;
}

static int
child_flood(void *arg, int wfd)
{
	char buf[4096];
	int i;

	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 16; i++)
		if (write(wfd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	return 0;
}

static void
test_hang_repeated(unsigned timeout_ms, int rounds)
{
	uint8_t buf[64];
	char err[256], want[64];
	size_t len;
	uint64_t t0, worst = 0;
	int i, fds_before, fds_after, bad = 0, st;

	snprintf(want, sizeof(want), "probe guest timed out after %g s", timeout_ms / 1000.0);
	fds_before = count_fds();
	for (i = 0; i < rounds; i++) {
		t0 = util_now_ns();
		st = guestrun_child(child_hang, NULL, timeout_ms, buf, sizeof(buf), &len, err, sizeof(err));
		t0 = util_now_ns() - t0;
		if (t0 > worst)
			worst = t0;
		if (st != GUESTRUN_TIMEOUT || strcmp(err, want) != 0 || !no_children() ||
		    t0 < (uint64_t)timeout_ms * 1000000u || t0 > (uint64_t)(timeout_ms + 1000) * 1000000u) {
			tap_diag("round %d: status %d, %.3f s, \"%s\"", i, st, t0 / 1e9, err);
			bad++;
		}
	}
	fds_after = count_fds();
	tap_ok(bad == 0, "%d hanging children killed after %u ms, each back within deadline + 1 s "
	    "(slowest %.3f s) with \"%s\"", rounds, timeout_ms, worst / 1e9, want);
	tap_ok(no_children(), "no child process left (zombie or running)");
	tap_ok(fds_before > 0 && fds_before == fds_after, "no descriptor leaked (%d before, %d after)",
	    fds_before, fds_after);
}

/* The guest path on /dev/null: the child's first ioctl fails, the layers say which. */
static void
test_not_kvm(void)
{
	static const uint32_t msrs[] = { 0x480 };
	struct profile_cpuid leaf1;
	struct guestrun_spec s;
	struct guestrun_result r;
	struct profile p;
	int fd, fds_before;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		tap_skip("/dev/null: %s", strerror(errno));
		return;
	}
	memset(&leaf1, 0, sizeof(leaf1));
	leaf1.function = 1;
	leaf1.ecx = 1u << 5;
	memset(&s, 0, sizeof(s));
	s.kvmfd = fd;
	s.cpuid = &leaf1;
	s.ncpuid = 1;
	s.msrs = msrs;
	s.nmsrs = 1;
	s.timeout_ms = 2000;
	fds_before = count_fds();
	guestrun_guest(&s, &r);
	tap_ok(r.status == GUESTRUN_FAILED && strcmp(r.reason, "KVM_CREATE_VM: Inappropriate ioctl for device") == 0 &&
	    r.elapsed_ns < 2000000000ull && no_children() && count_fds() == fds_before,
	    "not a KVM device: the run fails at its first step (\"%s\"), nothing left behind", r.reason);

	profile_init(&p);
	guestprobe_collect(fd, 2000, &p);
	tap_ok(p.guest.status == LAYER_UNAVAILABLE && strstr(p.guest.reason, "supported CPUID") != NULL &&
	    p.evmcs_measured.layer.status == LAYER_UNAVAILABLE,
	    "no CPUID layer: the guest is not run (%s)", p.guest.reason);
	profile_add_cpuid(&p, 0, &leaf1);
	profile_layer_set(&p.cpuid, LAYER_MEASURED, "test");
	guestprobe_collect(fd, 2000, &p);
	tap_ok(p.guest.status == LAYER_UNAVAILABLE &&
	    strcmp(p.guest.reason, "KVM_CREATE_VM: Inappropriate ioctl for device") == 0 &&
	    p.evmcs_measured.layer.status == LAYER_UNAVAILABLE &&
	    strstr(p.evmcs_measured.layer.reason, "the plain probe guest did not run: KVM_CREATE_VM") != NULL &&
	    p.evmcs_measured.views_present == 0,
	    "a failed plain run: guest and evmcs_measured unavailable with the step (%s)",
	    p.evmcs_measured.layer.reason);
	guestprobe_skip(&p, "probe guest not run (--no-guest)");
	tap_ok(strcmp(p.guest.reason, "probe guest not run (--no-guest)") == 0 &&
	    strcmp(p.evmcs_measured.layer.reason, "probe guest not run (--no-guest)") == 0,
	    "--no-guest: both layers say so");
	profile_clear(&p);
	close(fd);
}

static void
test_kvm(void)
{
	static const uint32_t msrs[] = { 0x480, 0x48b, 0x491, 0x10 };
	struct guestrun_spec s;
	struct guestrun_result r;
	struct profile_cpuid *cpuid = NULL;
	size_t ncpuid = 0;
	int fd, i, fds_before, fds_after, bad = 0, ok = 0, timeouts = 0;

	if ((fd = kvmdev_open("/dev/kvm")) == -1) {
		tap_skip("real probe guest under /dev/kvm: %s (this machine has no usable KVM device)",
		    strerror(errno));
		return;
	}
	if (kvmdev_supported_cpuid(fd, 0, &cpuid, &ncpuid) == -1) {
		tap_skip("real probe guest: KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		close(fd);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.kvmfd = fd;
	s.cpuid = cpuid;
	s.ncpuid = ncpuid;
	s.msrs = msrs;
	s.nmsrs = sizeof(msrs) / sizeof(msrs[0]);
	s.timeout_ms = 1000;
	fds_before = count_fds();
	for (i = 0; i < 20; i++) {
		guestrun_guest(&s, &r);
		if (r.status == GUESTRUN_OK)
			ok++;
		else if (r.status == GUESTRUN_TIMEOUT)
			timeouts++;
		if (r.status == GUESTRUN_FAILED || r.elapsed_ns > 2000000000ull || !no_children() ||
		    (r.status == GUESTRUN_OK && r.n != s.nmsrs)) {
			tap_diag("KVM round %d: status %d after %.3f s: %s", i, r.status, r.elapsed_ns / 1e9,
			    r.reason);
			bad++;
		}
	}
	fds_after = count_fds();
	tap_ok(bad == 0, "real probe guest 20 times under /dev/kvm: %d completed, %d timed out, "
	    "each within deadline + 1 s", ok, timeouts);
	tap_ok(fds_before == fds_after && no_children(), "no descriptor, VM or process left behind");
	free(cpuid);
	close(fd);
}

int
main(void)
{
	uint8_t buf[64];
	char err[256];
	size_t len;
	uint64_t t0;
	int st;

	st = guestrun_child(child_ok, NULL, 2000, buf, sizeof(buf), &len, err, sizeof(err));
	tap_ok(st == GUESTRUN_OK && len == 5 && memcmp(buf, "hello", 5) == 0,
	    "a child that writes its result and exits 0 is ok");

	st = guestrun_child(child_fail, NULL, 2000, buf, sizeof(buf), &len, err, sizeof(err));
	tap_ok(st == GUESTRUN_FAILED && strcmp(err, "KVM_CREATE_VM: Cannot allocate memory") == 0,
	    "a failing child's message comes back as the reason (\"%s\")", err);

	st = guestrun_child(child_signal, NULL, 2000, buf, sizeof(buf), &len, err, sizeof(err));
	tap_ok(st == GUESTRUN_FAILED && strstr(err, "signal 15") != NULL,
	    "a child killed by a signal is a failure naming it (\"%s\")", err);

	st = guestrun_child(child_flood, NULL, 2000, buf, sizeof(buf), &len, err, sizeof(err));
	tap_ok(st == GUESTRUN_FAILED && strstr(err, "more than") != NULL && no_children(),
	    "a child that writes too much is a failure (\"%s\")", err);

	t0 = util_now_ns();
	st = guestrun_child(child_close_and_hang, NULL, 300, buf, sizeof(buf), &len, err, sizeof(err));
	t0 = util_now_ns() - t0;
	tap_ok(st == GUESTRUN_TIMEOUT && t0 < 1300000000ull && no_children(),
	    "a child that closes its pipe and then hangs still times out (%.3f s)", t0 / 1e9);

	test_hang_repeated(300, 20);

	t0 = util_now_ns();
	st = guestrun_child(child_hang, NULL, GUESTRUN_DEFAULT_TIMEOUT_MS, buf, sizeof(buf), &len, err,
	    sizeof(err));
	t0 = util_now_ns() - t0;
	tap_ok(st == GUESTRUN_TIMEOUT && strcmp(err, "probe guest timed out after 2 s") == 0 &&
	    t0 >= 2000000000ull && t0 < 3000000000ull && no_children(),
	    "default deadline: \"%s\" after %.3f s", err, t0 / 1e9);

	test_not_kvm();
	test_kvm();
	return tap_done();
}
