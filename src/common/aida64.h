/*
 * aida64.h - AIDA64 CPUID+MSR text dumps (as InstLatx64 publishes them)
 * converted to host profiles.
 *
 * A dump has, per logical CPU, lines such as
 *
 *	CPUID 00000004: 3C004121-01C0003F-0000003F-00000000 [SL 00]
 *	MSR 00000480: 00DA-0400-0000-0004
 *	MSR 00000049: < FAILED >
 *
 * in sections headed "------[ Logical CPU #0 ]------",
 * "------[ CPUID Registers / Logical CPU #0 ]------", "------[ MSR
 * Registers ]------" or "------[ MSR Registers / Logical CPU #3 ]------".
 * Some files have no headers: their CPUs are separated by "CPU#000
 * AffMask: ..." or "Group: 0x00 Affinity mask: ..." lines, or only by the
 * next leaf 0.
 */
#ifndef MIGCOMPAT_AIDA64_H
#define MIGCOMPAT_AIDA64_H

#include <stddef.h>

#include "profile.h"

/* Largest dump accepted, in bytes (the profile limit). */
#define AIDA64_MAX_SIZE		PROFILE_MAX_SIZE
/* Most CPUID entries kept for logical CPU #0; highest CPU number accepted. */
#define AIDA64_MAX_CPUID	1024
#define AIDA64_MAX_CPU		65535u

/*
 * Fill p (initialised by the caller) from len bytes of an AIDA64 dump (need
 * not be NUL-terminated); host_id (may be NULL or "") becomes p->host_id.
 *
 * The result is a schema-1 profile with source "msr-dump" (p->is_dump set):
 *  - cpu: vendor from leaf 0, family/model/stepping from leaf 1 EAX,
 *    model_name from leaves 0x80000002-4, microcode from MSR 0x8B where
 *    dumped (Intel: bits 63:32; AMD's patch level: bits 31:0);
 *  - cpuid (measured): logical CPU #0's leaves and subleaves, the APIC IDs
 *    zeroed as the probe does (CPUID.1:EBX[31:24], EDX of 0xB and 0x1F).
 *    KVM_CPUID_FLAG_SIGNIFCANT_INDEX is set for KVM's indexed leaves and for
 *    any leaf the dump shows with a subleaf other than 0.  Old AIDA64
 *    versions print repeated leaves without "[SL nn]": their subleaves are
 *    taken from the order (leaf 0xD: the first is subleaf 0, a following
 *    one with EAX < 0x20 is 1, others by their standard XSAVE offset);
 *  - feature_msrs: 0x10A, 0x345 and 0xC0011029 of CPU #0 where dumped,
 *    unavailable when none was;
 *  - vmx: the VMX MSRs 0x480-0x493 of CPU #0 (unavailable without them);
 *  - hw_msrs: with VMX MSRs only, the reference CPU's values and how the
 *    other dumped CPUs differ (one MSR section: cpus = 1).
 * For MSRs the last line of an index within a CPU's section counts
 * ("[S200]" samples); "< FAILED >" makes the MSR absent.
 *
 * Returns 0, or -1 with a one-line message in err ("line N: ..." where a
 * line is at fault) and p cleared.
 */
int aida64_parse(const char *text, size_t len, const char *host_id, struct profile *p,
    char *err, size_t errsize);

/*
 * A host id from a file name: the base name without its last extension,
 * characters the store refuses replaced by '_', at most 127 characters.
 * Returns 0, or -1 when nothing is left.
 */
int aida64_host_id(const char *path, char *buf, size_t bufsize);

#endif
