/*
 * bench-ioctl.c - the floor for a collection: a bare program that issues
 * the KVM ioctls migcompat-probe issues (without the probe guest and
 * libvirt) and nothing else: no JSON, no sysfs, no profile.
 *
 *   bench-ioctl [PATH]     (default /dev/kvm)
 *
 * Prints one line with what it read; exits 1 if the device cannot be
 * opened.  The benchmark times it against "migcompat-probe --no-guest
 * --no-libvirt" in the same run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#define BENCH_MAX_CAP	512

static struct kvm_cpuid2 *
bench_cpuid(int fd, unsigned long req)
{
	struct kvm_cpuid2 *c = NULL;
	unsigned n;

	for (n = 64; n <= 4096; n *= 2) {
		free(c);
		if ((c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]))) == NULL)
			return NULL;
		c->nent = n;
		if (ioctl(fd, req, c) == 0)
			return c;
		if (errno != E2BIG)
			break;
	}
	free(c);
	return NULL;
}

static int
bench_msr(int fd, uint32_t index, uint64_t *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	if (ioctl(fd, KVM_GET_MSRS, &m) != 1)
		return -1;
	*v = m.e.data;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/kvm";
	struct kvm_msr_list probe, *list = NULL;
	struct kvm_cpuid2 *cpuid = NULL, *hv = NULL;
	unsigned cap, i, ncaps = 0, nmsrs = 0, nvmx = 0;
	int fd, vmfd = -1, vcpufd = -1, has_vmx = 0, khz = -1;
	uint64_t v;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		fprintf(stderr, "bench-ioctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ioctl(fd, KVM_GET_API_VERSION, 0);
	if ((vmfd = ioctl(fd, KVM_CREATE_VM, 0UL)) >= 0)
		vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0UL);
	for (cap = 0; cap < BENCH_MAX_CAP; cap++) {
		ncaps += ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap) > 0;
		if (vmfd >= 0)
			ioctl(vmfd, KVM_CHECK_EXTENSION, (unsigned long)cap);
	}
	cpuid = bench_cpuid(fd, KVM_GET_SUPPORTED_CPUID);
	if (ioctl(fd, KVM_CHECK_EXTENSION, 191UL) > 0)
		hv = bench_cpuid(fd, KVM_GET_SUPPORTED_HV_CPUID);
	else if (ioctl(fd, KVM_CHECK_EXTENSION, 167UL) > 0 && vcpufd >= 0)
		hv = bench_cpuid(vcpufd, KVM_GET_SUPPORTED_HV_CPUID);
	memset(&probe, 0, sizeof(probe));
	if ((ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe) == 0 || errno == E2BIG) &&
	    (list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]))) != NULL) {
		list->nmsrs = probe.nmsrs;
		if (ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list) == 0)
			for (i = 0; i < list->nmsrs; i++)
				nmsrs += bench_msr(fd, list->indices[i], &v) == 0;
	}
	if (cpuid != NULL)
		for (i = 0; i < cpuid->nent; i++)
			if (cpuid->entries[i].function == 1 && (cpuid->entries[i].ecx & (1u << 5)))
				has_vmx = 1;
	if (has_vmx && vcpufd >= 0 && ioctl(vcpufd, KVM_SET_CPUID2, cpuid) == 0)
		for (i = 0x480; i <= 0x492; i++)
			nvmx += bench_msr(vcpufd, i, &v) == 0;
	if (vcpufd >= 0)
		khz = ioctl(vcpufd, KVM_GET_TSC_KHZ, 0UL);
	printf("%u capabilities, %u CPUID entries, %u Hyper-V CPUID entries, %u feature MSRs, "
	    "%u vCPU VMX MSRs, TSC %d kHz\n", ncaps, cpuid != NULL ? cpuid->nent : 0,
	    hv != NULL ? hv->nent : 0, nmsrs, nvmx, khz);
	free(cpuid);
	free(hv);
	free(list);
	if (vcpufd >= 0)
		close(vcpufd);
	if (vmfd >= 0)
		close(vmfd);
	close(fd);
	return 0;
}
