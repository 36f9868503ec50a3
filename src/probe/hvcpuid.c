/*
 * hvcpuid.c - the Hyper-V CPUID leaves of the probe guest.
 */
#include "config.h"

#include <string.h>

#include "hvcpuid.h"
#include "xmalloc.h"

/* QEMU's defaults for hv-version-id-build, -major and -minor. */
#define HVCPUID_QEMU_BUILD		14393u
#define HVCPUID_QEMU_MAJOR_MINOR	((10u << 16) | 0u)
/* hv-spinlocks default: never notify. */
#define HVCPUID_SPINLOCK_NEVER		0xffffffffu
/* x-hv-max-vps default (-1) and QEMU's fixed maximum logical processors. */
#define HVCPUID_MAX_VPS			0xffffffffu
#define HVCPUID_MAX_LPS			0x40u

static uint32_t
hvcpuid_sig(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
	    (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

size_t
hvcpuid_build(uint16_t evmcs_version, unsigned opts, struct profile_cpuid out[HVCPUID_NLEAVES])
{
	size_t i;

	memset(out, 0, HVCPUID_NLEAVES * sizeof(out[0]));
	for (i = 0; i < HVCPUID_NLEAVES; i++)
		out[i].function = HVCPUID_VENDOR_MAX + (uint32_t)i;

	out[0].eax = HVCPUID_NESTED_FEATURES;
	out[0].ebx = hvcpuid_sig("Micr");
	out[0].ecx = hvcpuid_sig("osof");
	out[0].edx = hvcpuid_sig("t Hv");

	out[1].eax = HVCPUID_SIGNATURE_EAX;

	out[2].eax = HVCPUID_QEMU_BUILD;
	out[2].ebx = HVCPUID_QEMU_MAJOR_MINOR;

	out[3].eax = HVCPUID_HYPERCALL_AVAILABLE | HVCPUID_APIC_ACCESS_AVAILABLE;
	out[3].edx = HVCPUID_CPU_DYNAMIC_PARTITIONING;

	out[4].eax = HVCPUID_APIC_ACCESS_RECOMMENDED | HVCPUID_EVMCS_RECOMMENDED;
	out[4].ebx = HVCPUID_SPINLOCK_NEVER;

	out[5].eax = HVCPUID_MAX_VPS;
	out[5].ebx = HVCPUID_MAX_LPS;

	/* 0x40000006-0x40000009 stay zero, as QEMU creates them. */

	out[10].eax = evmcs_version;
	if (opts & HVCPUID_OPT_DIRECT_FLUSH)
		out[10].eax |= HVCPUID_NESTED_DIRECT_FLUSH;
	if (opts & HVCPUID_OPT_MSR_BITMAP)
		out[10].eax |= HVCPUID_NESTED_MSR_BITMAP;
	if (opts & HVCPUID_OPT_PV_BIT)
		out[10].ebx |= HVCPUID_NESTED_PERF_GLOBAL_CTRL;
	return HVCPUID_NLEAVES;
}

struct profile_cpuid *
hvcpuid_guest_cpuid(const struct profile_cpuid *base, size_t n, int hv, uint16_t evmcs_version,
    unsigned opts, size_t *nout)
{
	struct profile_cpuid *out;
	size_t i, o = 0;

	out = xcalloc(n + HVCPUID_NLEAVES, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (hv && base[i].function >= HVCPUID_VENDOR_MAX && base[i].function <= 0x400000ffu)
			continue;
		out[o++] = base[i];
	}
	if (hv)
		o += hvcpuid_build(evmcs_version, opts, out + o);
	*nout = o;
	return out;
}
