/*
 * test-hvcpuid.c - the Hyper-V CPUID leaves of the probe guest against the
 * bit layout of the reference (kvm-nested-vmx-evmcs.md §1.3, §2.2, §6.1)
 * and QEMU's defaults.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hvcpuid.h"
#include "tap.h"

static void
regs_string(const struct profile_cpuid *e, char out[13])
{
	uint32_t r[3] = { e->ebx, e->ecx, e->edx };
	int i;

	for (i = 0; i < 12; i++)
		out[i] = (char)(r[i / 4] >> (8 * (i % 4)));
	out[12] = '\0';
}

static const struct profile_cpuid *
find(const struct profile_cpuid *e, size_t n, uint32_t function)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].function == function)
			return &e[i];
	return NULL;
}

static size_t
count(const struct profile_cpuid *e, size_t n, uint32_t function)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += e[i].function == function;
	return c;
}

int
main(void)
{
	struct profile_cpuid l[HVCPUID_NLEAVES], pv[HVCPUID_NLEAVES], fl[HVCPUID_NLEAVES];
	struct profile_cpuid base[5], *g;
	char sig[13], eax[5];
	size_t i, n;
	int ok;

	tap_ok(hvcpuid_build(HVCPUID_DEFAULT_EVMCS_VERSION, 0, l) == 11, "eleven leaves");
	for (ok = 1, i = 0; i < HVCPUID_NLEAVES; i++)
		ok &= l[i].function == 0x40000000u + i && l[i].index == 0 && l[i].flags == 0;
	tap_ok(ok, "functions 0x40000000 to 0x4000000A in order, index 0, no flags");

	regs_string(&l[0], sig);
	tap_ok(l[0].eax == 0x4000000au, "0x40000000.EAX: maximum leaf 0x4000000A (nested features present)");
	tap_ok(strcmp(sig, "Microsoft Hv") == 0, "0x40000000.EBX:ECX:EDX: \"%s\"", sig);

	memcpy(eax, &l[1].eax, 4);
	eax[4] = '\0';
	tap_ok(strcmp(eax, "Hv#1") == 0 && l[1].eax == 0x31237648u && l[1].ebx == 0 && l[1].ecx == 0 &&
	    l[1].edx == 0, "0x40000001.EAX: \"Hv#1\", the rest zero (what makes KVM enable Hyper-V)");

	tap_ok(l[2].eax == 14393 && l[2].ebx == 0x000a0000u,
	    "0x40000002: QEMU's default version, build 14393, 10.0");
	tap_ok((l[3].eax & (1u << 5)) && (l[3].eax & (1u << 4)) && (l[3].edx & (1u << 3)),
	    "0x40000003: hypercall and APIC access available (hv-vapic), dynamic partitioning");
	tap_ok((l[4].eax & (1u << 14)) != 0, "0x40000004.EAX bit 14: ENLIGHTENED_VMCS_RECOMMENDED");
	tap_ok((l[4].eax & (1u << 3)) != 0 && l[4].ebx == 0xffffffffu,
	    "0x40000004: APIC access recommended, spinlock retries never");
	tap_ok(l[5].eax == 0xffffffffu && l[5].ebx == 0x40, "0x40000005: QEMU's limits");
	for (ok = 1, i = 6; i <= 9; i++)
		ok &= l[i].eax == 0 && l[i].ebx == 0 && l[i].ecx == 0 && l[i].edx == 0;
	tap_ok(ok, "0x40000006 to 0x40000009 are zero, as QEMU creates them");

	tap_ok(l[10].eax == 0x0101, "0x4000000A.EAX = 0x0101 (QEMU's DEFAULT_EVMCS_VERSION)");
	tap_ok((l[10].eax & 0xff) == 1 && ((l[10].eax >> 8) & 0xff) == 1,
	    "0x4000000A.EAX[7:0] lowest version 1, [15:8] highest version 1");
	tap_ok(l[10].ebx == 0 && l[10].ecx == 0 && l[10].edx == 0,
	    "0x4000000A.EBX bit 0 (PERF_GLOBAL_CTRL PV bit) clear: QEMU never sets it");

	hvcpuid_build(HVCPUID_DEFAULT_EVMCS_VERSION, HVCPUID_OPT_PV_BIT, pv);
	tap_ok(pv[10].ebx == 1 && pv[10].eax == 0x0101, "with the PV bit: 0x4000000A.EBX = 1, EAX unchanged");
	tap_ok(memcmp(pv, l, 10 * sizeof(l[0])) == 0, "the PV bit changes nothing but 0x4000000A.EBX");

	hvcpuid_build(HVCPUID_DEFAULT_EVMCS_VERSION, HVCPUID_OPT_DIRECT_FLUSH | HVCPUID_OPT_MSR_BITMAP, fl);
	tap_ok(fl[10].eax == (0x0101u | 1u << 17 | 1u << 19) && fl[10].ebx == 0,
	    "hv-tlbflush-direct and hv-emsr-bitmap: EAX bits 17 and 19 (0x%x)", fl[10].eax);
	hvcpuid_build(0x0201, 0, fl);
	tap_ok(fl[10].eax == 0x0201, "another version range goes into EAX[15:0] as given");

	/* The guest CPUID: KVM's own signature leaves give way to Hyper-V's. */
	memset(base, 0, sizeof(base));
	base[0].function = 0;
	base[0].eax = 0xd;
	base[1].function = 1;
	base[1].ecx = 1u << 5;
	base[2].function = 0x40000000u;
	base[2].eax = 0x40000001u;
	base[2].ebx = 0x4b4d564b;
	base[3].function = 0x40000001u;
	base[3].eax = 0x01007afb;
	base[4].function = 0x80000000u;
	g = hvcpuid_guest_cpuid(base, 5, 0, HVCPUID_DEFAULT_EVMCS_VERSION, 0, &n);
	tap_ok(n == 5 && memcmp(g, base, sizeof(base)) == 0, "plain run: the supported CPUID unchanged");
	free(g);
	g = hvcpuid_guest_cpuid(base, 5, 1, HVCPUID_DEFAULT_EVMCS_VERSION, HVCPUID_OPT_PV_BIT, &n);
	tap_ok(n == 3 + HVCPUID_NLEAVES, "eVMCS run: %zu entries (5 - 2 KVM leaves + 11)", n);
	tap_ok(count(g, n, 0x40000000u) == 1 && count(g, n, 0x40000001u) == 1 &&
	    find(g, n, 0x40000001u)->eax == 0x31237648u && find(g, n, 0x40000000u)->ebx != 0x4b4d564b,
	    "eVMCS run: one 0x40000000 and one 0x40000001, both Hyper-V's");
	tap_ok(find(g, n, 1) != NULL && find(g, n, 1)->ecx == 1u << 5 && find(g, n, 0x80000000u) != NULL,
	    "eVMCS run: the other leaves (VMX in leaf 1) are kept");
	tap_ok(find(g, n, 0x4000000au) != NULL && find(g, n, 0x4000000au)->ebx == 1,
	    "eVMCS+PV run: 0x4000000A.EBX bit 0 set");
	free(g);
	return tap_done();
}
