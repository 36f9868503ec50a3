/*
 * guestrun.h - run the probe guest in a throwaway KVM VM, in a child
 * process under a watchdog.
 *
 * Some KVMs never return from KVM_RUN for such a guest (a PVM-based KVM
 * does exactly that), so every run happens in a child with a deadline:
 * when it passes, the child is killed and reaped and the run reports a
 * timeout.  The VM and vCPU belong to the child and die with it.  fork()
 * is used without exec: call these from a single-threaded process.
 */
#ifndef MIGCOMPAT_GUESTRUN_H
#define MIGCOMPAT_GUESTRUN_H

#include <stddef.h>
#include <stdint.h>

#include "guestimg.h"
#include "profile.h"

enum guestrun_status {
	GUESTRUN_OK = 0,
	GUESTRUN_FAILED,	/* the child failed a step, crashed or wrote garbage */
	GUESTRUN_TIMEOUT,	/* the deadline passed; the child was killed */
};

/* Default deadline of one guest run, in milliseconds. */
#define GUESTRUN_DEFAULT_TIMEOUT_MS	2000
/* How long the watchdog waits for a killed child to be reaped. */
#define GUESTRUN_REAP_MS		1000

/*
 * Run fn(arg, wfd) in a child process: fn writes its result to wfd and
 * returns 0, or writes a one-line message and returns -1.  The parent
 * collects at most bufsize bytes into buf (*len of them) until the child
 * exits or timeout_ms pass.  Returns GUESTRUN_OK when the child exited 0;
 * otherwise a one-line message in err: the child's own message, how it
 * died, or "probe guest timed out after N s".  The child is always reaped
 * (within GUESTRUN_REAP_MS after SIGKILL) and no descriptor is left open.
 */
enum guestrun_status guestrun_child(int (*fn)(void *arg, int wfd), void *arg,
    unsigned timeout_ms, uint8_t *buf, size_t bufsize, size_t *len, char *err, size_t errsize);

/* What one probe-guest run needs. */
struct guestrun_spec {
	int kvmfd;				/* open /dev/kvm */
	const struct profile_cpuid *cpuid;	/* the guest CPUID, set with KVM_SET_CPUID2 */
	size_t ncpuid;
	int enable_evmcs;			/* KVM_ENABLE_CAP(KVM_CAP_HYPERV_ENLIGHTENED_VMCS) */
	const uint32_t *msrs;			/* MSRs the guest reads */
	size_t nmsrs;				/* at most GUESTIMG_MAX_MSRS */
	unsigned timeout_ms;
};

/* The outcome of one run. */
struct guestrun_result {
	enum guestrun_status status;
	char reason[256];			/* why, unless GUESTRUN_OK */
	uint16_t evmcs_version;			/* from KVM_ENABLE_CAP, 0 if not asked */
	struct guestimg_msr msr[GUESTIMG_MAX_MSRS];
	size_t n;
	uint64_t elapsed_ns;
};

/*
 * Create a VM and a vCPU in a child, load the probe guest with the MSR
 * list, set the CPUID (and enable eVMCS first if asked), run it until it
 * halts and parse its report into r.  Never fails as a function: the
 * outcome, with the failed step and errno, is in r.
 */
void guestrun_guest(const struct guestrun_spec *s, struct guestrun_result *r);

#endif
