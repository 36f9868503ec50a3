/*
 * guestrun.c - run the probe guest in a throwaway VM in a child process
 * under a watchdog.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "guestrun.h"
#include "kvmdev.h"
#include "util.h"

/* Guest-physical memory: the real-mode IVT, the stack and the image. */
#define GUESTRUN_MEM_SIZE	0x10000
/* Where KVM may put the real-mode TSS on Intel hosts (QEMU's choice). */
#define GUESTRUN_TSS_ADDR	0xfffbd000ul
/* More VM exits than any well-behaved probe guest makes. */
#define GUESTRUN_MAX_EXITS	20000
/* Largest report: start record, every MSR record, end record. */
#define GUESTRUN_REPORT_MAX	(3 + GUESTIMG_MAX_MSRS * GUESTIMG_RECORD_SIZE + 1)
#ifndef KVM_CAP_HYPERV_ENLIGHTENED_VMCS
#define KVM_CAP_HYPERV_ENLIGHTENED_VMCS	163
#endif

struct guestrun_ctx {
	const struct guestrun_spec *spec;
	uint8_t img[GUESTIMG_SIZE];
};

/* Write all of buf to fd.  Returns 0 or -1. */
static int
guestrun_write(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Milliseconds left until deadline (ns, CLOCK_MONOTONIC), 0 if past. */
static int
guestrun_left_ms(uint64_t deadline)
{
	uint64_t now = util_now_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999) / 1000000);
}

/*
 * Wait for pid until deadline.  Returns 1 with *status when reaped, 0 when
 * the deadline passed first, -1 on a waitpid error.
 */
static int
guestrun_reap(pid_t pid, uint64_t deadline, int *status)
{
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r == -1 && errno != EINTR)
			return -1;
		if (guestrun_left_ms(deadline) == 0)
			return 0;
		poll(NULL, 0, 2);
	}
}

enum guestrun_status
guestrun_child(int (*fn)(void *arg, int wfd), void *arg, unsigned timeout_ms, uint8_t *buf,
    size_t bufsize, size_t *len, char *err, size_t errsize)
{
	uint64_t deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	enum guestrun_status ret = GUESTRUN_FAILED;
	int p[2] = { -1, -1 }, status = 0, eof = 0, reaped = 0, overflow = 0;
	uint8_t scratch[256];
	struct pollfd pfd;
	pid_t pid;
	ssize_t n;

	*len = 0;
	err[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		return GUESTRUN_FAILED;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		goto cleanup;
	}
	if (pid == 0) {
		close(p[0]);
		_exit(fn(arg, p[1]) == 0 ? 0 : 1);
	}
	close(p[1]);
	p[1] = -1;

	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (!eof && guestrun_left_ms(deadline) > 0) {
		pfd.revents = 0;
		if (poll(&pfd, 1, guestrun_left_ms(deadline)) <= 0)
			continue;	/* timeout or EINTR: the loop condition decides */
		if (*len < bufsize)
			n = read(p[0], buf + *len, bufsize - *len);
		else
			n = read(p[0], scratch, sizeof(scratch));
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			eof = 1;
		} else if (n == 0)
			eof = 1;
		else if (*len < bufsize)
			*len += (size_t)n;
		else
			overflow = 1;
	}
	if (eof)
		reaped = guestrun_reap(pid, deadline, &status);
	if (reaped != 1) {
		kill(pid, SIGKILL);
		if (guestrun_reap(pid, util_now_ns() + GUESTRUN_REAP_MS * 1000000ull, &status) == 1)
			snprintf(err, errsize, "probe guest timed out after %g s", timeout_ms / 1000.0);
		else
			snprintf(err, errsize, "probe guest timed out after %g s; the killed child %ld "
			    "could not be reaped", timeout_ms / 1000.0, (long)pid);
		ret = GUESTRUN_TIMEOUT;
		goto cleanup;
	}
	if (WIFSIGNALED(status)) {
		snprintf(err, errsize, "probe guest process killed by signal %d", WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		/* The child's message: printable text only, one line. */
		size_t i, o = 0;

		for (i = 0; i < *len && o + 1 < errsize; i++)
			err[o++] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? (char)buf[i] : '?';
		err[o] = '\0';
		if (o == 0)
			snprintf(err, errsize, "probe guest process exited with status %d", WEXITSTATUS(status));
		*len = 0;
	} else if (overflow) {
		snprintf(err, errsize, "probe guest process wrote more than %zu bytes", bufsize);
	} else
		ret = GUESTRUN_OK;
cleanup:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return ret;
}

/* In the child: report "step: strerror(errno)" and return -1. */
static int
guestrun_fail(int wfd, const char *step)
{
	char msg[256];
	int len;

	len = snprintf(msg, sizeof(msg), "%s: %s", step, strerror(errno));
	if (len > 0)
		(void)guestrun_write(wfd, msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
	return -1;
}

static int
guestrun_failx(int wfd, const char *msg)
{
	(void)guestrun_write(wfd, msg, strlen(msg));
	return -1;
}

static void
guestrun_realmode_seg(struct kvm_segment *s)
{
	s->selector = 0;
	s->base = 0;
}

/*
 * The child: build the VM, run the guest, write the eVMCS version (2 bytes
 * LE) and the guest's report.  Everything it opens dies with it.
 */
static int
guestrun_vm(void *arg, int wfd)
{
	struct guestrun_ctx *c = arg;
	const struct guestrun_spec *s = c->spec;
	struct kvm_userspace_memory_region mr;
	struct kvm_enable_cap cap;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t out[2 + GUESTRUN_REPORT_MAX], *mem, *data;
	size_t olen = 2, n;
	uint16_t version = 0;
	int vmfd, vcpufd, mmap_size, exits;
	char msg[128];

	if ((vmfd = kvmdev_create_vm(s->kvmfd)) == -1)
		return guestrun_fail(wfd, "KVM_CREATE_VM");
	/* Needed for real mode on Intel hosts without unrestricted guest; harmless elsewhere. */
	(void)ioctl(vmfd, KVM_SET_TSS_ADDR, GUESTRUN_TSS_ADDR);
	mem = mmap(NULL, GUESTRUN_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return guestrun_fail(wfd, "mmap guest memory");
	memcpy(mem + GUESTIMG_LOAD, c->img, GUESTIMG_SIZE);
	memset(&mr, 0, sizeof(mr));
	mr.slot = 0;
	mr.guest_phys_addr = 0;
	mr.memory_size = GUESTRUN_MEM_SIZE;
	mr.userspace_addr = (uint64_t)(uintptr_t)mem;
	if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &mr) == -1)
		return guestrun_fail(wfd, "KVM_SET_USER_MEMORY_REGION");
	if ((vcpufd = kvmdev_create_vcpu(vmfd)) == -1)
		return guestrun_fail(wfd, "KVM_CREATE_VCPU");
	if ((mmap_size = ioctl(s->kvmfd, KVM_GET_VCPU_MMAP_SIZE, 0UL)) <= 0)
		return guestrun_fail(wfd, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run == MAP_FAILED)
		return guestrun_fail(wfd, "mmap kvm_run");
	if (s->enable_evmcs) {
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS;
		cap.args[0] = (uint64_t)(uintptr_t)&version;
		if (ioctl(vcpufd, KVM_ENABLE_CAP, &cap) == -1)
			return guestrun_fail(wfd, "KVM_ENABLE_CAP(KVM_CAP_HYPERV_ENLIGHTENED_VMCS)");
	}
	if (kvmdev_set_cpuid(vcpufd, s->cpuid, s->ncpuid) == -1)
		return guestrun_fail(wfd, "KVM_SET_CPUID2");
	if (ioctl(vcpufd, KVM_GET_SREGS, &sregs) == -1)
		return guestrun_fail(wfd, "KVM_GET_SREGS");
	guestrun_realmode_seg(&sregs.cs);
	guestrun_realmode_seg(&sregs.ds);
	guestrun_realmode_seg(&sregs.es);
	guestrun_realmode_seg(&sregs.fs);
	guestrun_realmode_seg(&sregs.gs);
	guestrun_realmode_seg(&sregs.ss);
	if (ioctl(vcpufd, KVM_SET_SREGS, &sregs) == -1)
		return guestrun_fail(wfd, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUESTIMG_LOAD;
	regs.rsp = GUESTIMG_LOAD;
	regs.rflags = 0x2;
	if (ioctl(vcpufd, KVM_SET_REGS, &regs) == -1)
		return guestrun_fail(wfd, "KVM_SET_REGS");

	for (exits = 0; exits < GUESTRUN_MAX_EXITS; exits++) {
		if (ioctl(vcpufd, KVM_RUN, 0UL) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return guestrun_fail(wfd, "KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT)
				continue;
			if (run->io.port == GUESTIMG_DONE_PORT)
				goto done;
			if (run->io.port != GUESTIMG_PORT)
				continue;
			data = (uint8_t *)run + run->io.data_offset;
			n = (size_t)run->io.size * run->io.count;
			if (n > sizeof(out) - olen)
				return guestrun_failx(wfd, "probe guest wrote more than a report");
			memcpy(out + olen, data, n);
			olen += n;
			continue;
		case KVM_EXIT_HLT:
			goto done;
		case KVM_EXIT_INTR:
			continue;
		case KVM_EXIT_SHUTDOWN:
			return guestrun_failx(wfd, "probe guest shut down (triple fault)");
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(msg, sizeof(msg), "KVM_RUN: VM entry failed, hardware reason 0x%llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return guestrun_failx(wfd, msg);
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(msg, sizeof(msg), "KVM_RUN: KVM internal error, suberror %u",
			    run->internal.suberror);
			return guestrun_failx(wfd, msg);
		default:
			snprintf(msg, sizeof(msg), "KVM_RUN: unexpected exit reason %u", run->exit_reason);
			return guestrun_failx(wfd, msg);
		}
	}
	return guestrun_failx(wfd, "probe guest did not halt");
done:
	out[0] = (uint8_t)version;
	out[1] = (uint8_t)(version >> 8);
	return guestrun_write(wfd, out, olen);
}

void
guestrun_guest(const struct guestrun_spec *s, struct guestrun_result *r)
{
	struct guestrun_ctx c;
	uint8_t buf[2 + GUESTRUN_REPORT_MAX];
	size_t len = 0;
	uint64_t start = util_now_ns();
	int n;

	memset(r, 0, sizeof(*r));
	c.spec = s;
	if (guestimg_build(s->msrs, s->nmsrs, c.img) == -1) {
		r->status = GUESTRUN_FAILED;
		snprintf(r->reason, sizeof(r->reason), "probe guest image: %zu MSRs, at most %d fit",
		    s->nmsrs, (int)GUESTIMG_MAX_MSRS);
		return;
	}
	r->status = guestrun_child(guestrun_vm, &c, s->timeout_ms, buf, sizeof(buf), &len,
	    r->reason, sizeof(r->reason));
	r->elapsed_ns = util_now_ns() - start;
	if (r->status != GUESTRUN_OK)
		return;
	if (len < 2) {
		r->status = GUESTRUN_FAILED;
		snprintf(r->reason, sizeof(r->reason), "probe guest process wrote no result");
		return;
	}
	r->evmcs_version = (uint16_t)(buf[0] | buf[1] << 8);
	if ((n = guestimg_parse(buf + 2, len - 2, r->msr, GUESTIMG_MAX_MSRS, r->reason,
	    sizeof(r->reason))) == -1) {
		r->status = GUESTRUN_FAILED;
		return;
	}
	r->n = (size_t)n;
}
