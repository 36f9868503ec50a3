/*
 * kvmdev.c - thin wrappers around the /dev/kvm ioctls the probe uses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmdev.h"
#include "xmalloc.h"

/* Upper bound on entries asked for; KVM reports E2BIG when it has more. */
#define KVMDEV_MAX_CPUID	4096
#define KVMDEV_MAX_MSRS		4096

int
kvmdev_open(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

int
kvmdev_api_version(int fd)
{
	return ioctl(fd, KVM_GET_API_VERSION, 0);
}

int
kvmdev_check_extension(int fd, unsigned cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap);
}

int
kvmdev_create_vm(int fd)
{
	int vmfd;

	do
		vmfd = ioctl(fd, KVM_CREATE_VM, 0UL);
	while (vmfd == -1 && errno == EINTR);
	return vmfd;
}

int
kvmdev_create_vcpu(int vmfd)
{
	return ioctl(vmfd, KVM_CREATE_VCPU, 0UL);
}

int
kvmdev_supported_cpuid(int fd, int hv, struct profile_cpuid **out, size_t *n)
{
	struct kvm_cpuid2 *c = NULL;
	size_t nent = 64, i;
	int ret = -1, saved;

	*out = NULL;
	*n = 0;
	for (;;) {
		free(c);
		c = xcalloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		c->nent = (uint32_t)nent;
		if (ioctl(fd, hv ? KVM_GET_SUPPORTED_HV_CPUID : KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG || nent >= KVMDEV_MAX_CPUID)
			goto cleanup;
		nent *= 2;
	}
	*out = xcalloc(c->nent, sizeof(**out));
	for (i = 0; i < c->nent; i++) {
		(*out)[i].function = c->entries[i].function;
		(*out)[i].index = c->entries[i].index;
		(*out)[i].flags = c->entries[i].flags;
		(*out)[i].eax = c->entries[i].eax;
		(*out)[i].ebx = c->entries[i].ebx;
		(*out)[i].ecx = c->entries[i].ecx;
		(*out)[i].edx = c->entries[i].edx;
	}
	*n = c->nent;
	ret = 0;
cleanup:
	saved = errno;
	free(c);
	errno = saved;
	return ret;
}

int
kvmdev_set_cpuid(int vcpufd, const struct profile_cpuid *ent, size_t n)
{
	struct kvm_cpuid2 *c;
	size_t i;
	int r, saved;

	c = xcalloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	c->nent = (uint32_t)n;
	for (i = 0; i < n; i++) {
		c->entries[i].function = ent[i].function;
		c->entries[i].index = ent[i].index;
		c->entries[i].flags = ent[i].flags;
		c->entries[i].eax = ent[i].eax;
		c->entries[i].ebx = ent[i].ebx;
		c->entries[i].ecx = ent[i].ecx;
		c->entries[i].edx = ent[i].edx;
	}
	r = ioctl(vcpufd, KVM_SET_CPUID2, c);
	saved = errno;
	free(c);
	errno = saved;
	return r == 0 ? 0 : -1;
}

int
kvmdev_feature_msr_list(int fd, uint32_t **out, size_t *n)
{
	struct kvm_msr_list probe, *l = NULL;
	int ret = -1, saved;

	*out = NULL;
	*n = 0;
	memset(&probe, 0, sizeof(probe));
	if (ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe) == -1 && errno != E2BIG)
		return -1;
	if (probe.nmsrs == 0)
		return 0;
	if (probe.nmsrs > KVMDEV_MAX_MSRS) {
		errno = E2BIG;
		return -1;
	}
	l = xcalloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	l->nmsrs = probe.nmsrs;
	if (ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, l) == -1)
		goto cleanup;
	*out = xcalloc(l->nmsrs, sizeof(**out));
	memcpy(*out, l->indices, l->nmsrs * sizeof(**out));
	*n = l->nmsrs;
	ret = 0;
cleanup:
	saved = errno;
	free(l);
	errno = saved;
	return ret;
}

int
kvmdev_get_msr(int fd, uint32_t index, uint64_t *value)
{
	/* struct kvm_msrs followed by room for exactly one entry. */
	union {
		struct kvm_msrs hdr;
		unsigned char buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m;
	struct kvm_msr_entry *ent;
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	ent = (struct kvm_msr_entry *)(m.buf + sizeof(struct kvm_msrs));
	ent->index = index;
	r = ioctl(fd, KVM_GET_MSRS, &m);
	if (r == -1)
		return -1;
	if (r != 1) {
		errno = ENOENT;
		return -1;
	}
	*value = ent->data;
	return 0;
}

int
kvmdev_tsc_khz(int vcpufd)
{
	return ioctl(vcpufd, KVM_GET_TSC_KHZ, 0UL);
}
