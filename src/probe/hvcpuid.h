/*
 * hvcpuid.h - the Hyper-V CPUID leaves 0x40000000-0x4000000A as QEMU builds
 * them for a guest with hv-evmcs (and hv-vapic, which it depends on), and
 * the guest CPUID of the probe guest's three runs.
 *
 * KVM reads two things from them: 0x40000001.EAX == "Hv#1" turns Hyper-V
 * emulation on for the vCPU (and with it the eVMCS filter of guest VMX MSR
 * reads, since v6.1), and 0x4000000A.EBX bit 0 is the PV bit that un-hides
 * the PERF_GLOBAL_CTRL VM-entry/exit controls (v6.1 on).  QEMU never sets
 * the PV bit.
 */
#ifndef MIGCOMPAT_HVCPUID_H
#define MIGCOMPAT_HVCPUID_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define HVCPUID_VENDOR_MAX		0x40000000u
#define HVCPUID_INTERFACE		0x40000001u
#define HVCPUID_VERSION			0x40000002u
#define HVCPUID_FEATURES		0x40000003u
#define HVCPUID_ENLIGHTMENT_INFO	0x40000004u
#define HVCPUID_IMPLEMENT_LIMITS	0x40000005u
#define HVCPUID_NESTED_FEATURES		0x4000000au
#define HVCPUID_NLEAVES			11

#define HVCPUID_SIGNATURE_EAX		0x31237648u	/* "Hv#1" */
/* 0x40000003.EAX */
#define HVCPUID_APIC_ACCESS_AVAILABLE	(1u << 4)
#define HVCPUID_HYPERCALL_AVAILABLE	(1u << 5)
/* 0x40000003.EDX: QEMU always sets it for CPU hotplug in Windows. */
#define HVCPUID_CPU_DYNAMIC_PARTITIONING (1u << 3)
/* 0x40000004.EAX */
#define HVCPUID_APIC_ACCESS_RECOMMENDED	(1u << 3)
#define HVCPUID_EVMCS_RECOMMENDED	(1u << 14)
/* 0x4000000A.EAX: bits 7:0 lowest, 15:8 highest eVMCS version. */
#define HVCPUID_NESTED_DIRECT_FLUSH	(1u << 17)
#define HVCPUID_NESTED_MSR_BITMAP	(1u << 19)
/* 0x4000000A.EBX */
#define HVCPUID_NESTED_PERF_GLOBAL_CTRL	(1u << 0)

/* QEMU's DEFAULT_EVMCS_VERSION: versions 1 to 1. */
#define HVCPUID_DEFAULT_EVMCS_VERSION	0x0101u

/* Options of hvcpuid_build(), QEMU property in parentheses. */
#define HVCPUID_OPT_PV_BIT		0x1u	/* 0x4000000A.EBX[0] (none: QEMU never sets it) */
#define HVCPUID_OPT_DIRECT_FLUSH	0x2u	/* 0x4000000A.EAX[17] (hv-tlbflush-direct) */
#define HVCPUID_OPT_MSR_BITMAP		0x4u	/* 0x4000000A.EAX[19] (hv-emsr-bitmap) */

/*
 * Write the eleven leaves 0x40000000-0x4000000A (index 0, no flags) into
 * out: vendor "Microsoft Hv" with maximum leaf 0x4000000A, interface
 * "Hv#1", QEMU's default version (build 14393, 10.0), hypercall and APIC
 * access available, APIC access and eVMCS recommended, spinlock retries
 * never, no VP limit, zeroed 0x40000006-9, and 0x4000000A.EAX = the eVMCS
 * version range evmcs_version (low byte lowest, high byte highest) with
 * the option bits.  Returns HVCPUID_NLEAVES.
 */
size_t hvcpuid_build(uint16_t evmcs_version, unsigned opts, struct profile_cpuid out[HVCPUID_NLEAVES]);

/*
 * The guest CPUID of a probe-guest run: the supported CPUID base (n
 * entries) with, when hv is nonzero, every leaf of the hypervisor range
 * 0x40000000-0x400000FF (KVM's own signature) replaced by the Hyper-V
 * leaves of hvcpuid_build(evmcs_version, opts).  Returns an allocated
 * array (caller frees) of *nout entries.
 */
struct profile_cpuid *hvcpuid_guest_cpuid(const struct profile_cpuid *base, size_t n, int hv,
    uint16_t evmcs_version, unsigned opts, size_t *nout);

#endif
