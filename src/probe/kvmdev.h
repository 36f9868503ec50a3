/*
 * kvmdev.h - thin wrappers around the /dev/kvm ioctls the probe uses.
 *
 * Every function returns 0 on success and -1 on failure with errno kept;
 * none of them logs (the caller knows which step failed and says so in the
 * layer's reason).
 */
#ifndef MIGCOMPAT_KVMDEV_H
#define MIGCOMPAT_KVMDEV_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Open the KVM device read-write, close-on-exec.  Returns an fd or -1. */
int kvmdev_open(const char *path);

/* KVM_GET_API_VERSION.  Returns the version or -1. */
int kvmdev_api_version(int fd);

/* KVM_CHECK_EXTENSION on a system or VM fd.  Returns the value (>= 0) or -1. */
int kvmdev_check_extension(int fd, unsigned cap);

/* KVM_CREATE_VM (default type).  Returns a VM fd or -1. */
int kvmdev_create_vm(int fd);

/* KVM_CREATE_VCPU id 0.  Returns a vCPU fd or -1. */
int kvmdev_create_vcpu(int vmfd);

/*
 * KVM_GET_SUPPORTED_CPUID (hv == 0, on the system fd) or
 * KVM_GET_SUPPORTED_HV_CPUID (hv != 0, on a system or vCPU fd): an
 * allocated array in *out (caller frees) of *n entries.
 */
int kvmdev_supported_cpuid(int fd, int hv, struct profile_cpuid **out, size_t *n);

/* KVM_SET_CPUID2 on a vCPU fd. */
int kvmdev_set_cpuid(int vcpufd, const struct profile_cpuid *ent, size_t n);

/*
 * KVM_GET_MSR_FEATURE_INDEX_LIST on the system fd: allocated indices in
 * *out (caller frees), *n of them.
 */
int kvmdev_feature_msr_list(int fd, uint32_t **out, size_t *n);

/*
 * KVM_GET_MSRS for one index on a system fd (feature MSRs) or a vCPU fd.
 * Returns 0 and *value, or -1 (errno ENOENT when KVM did not return it).
 */
int kvmdev_get_msr(int fd, uint32_t index, uint64_t *value);

/* KVM_GET_TSC_KHZ on a vCPU fd.  Returns kHz or -1. */
int kvmdev_tsc_khz(int vcpufd);

#endif
