/*
 * test-aida64.c - AIDA64 CPUID+MSR text dumps converted to profiles, on the
 * hand-made samples in tests/data/aida64/.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aida64.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

static char err[768];

/* Convert tests/data/aida64/NAME into p.  Returns aida64_parse's result, -2 unreadable. */
static int
convert_file(const char *name, struct profile *p)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	char *text;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/tests/data/aida64/%s", top != NULL ? top : ".", name);
	if ((text = util_read_file(path, AIDA64_MAX_SIZE, &len)) == NULL) {
		snprintf(err, sizeof(err), "%.400s: %s", path, strerror(errno));
		return -2;
	}
	err[0] = '\0';
	ret = aida64_parse(text, len, "test-host", p, err, sizeof(err));
	free(text);
	return ret;
}

static int
convert_text(const char *text, size_t len, struct profile *p)
{
	err[0] = '\0';
	return aida64_parse(text, len, NULL, p, err, sizeof(err));
}

static int
has_err(const char *what)
{
	return strstr(err, what) != NULL;
}

static void
test_hybrid(void)
{
	const struct profile_cpuid *e;
	struct profile p, q;
	char *s;

	profile_init(&p);
	profile_init(&q);
	if (!tap_ok(convert_file("hybrid-percpu.txt", &p) == 0, "hybrid-percpu.txt converts (%s)", err)) {
		profile_clear(&p);
		return;
	}
	tap_ok(p.is_dump && strcmp(p.host_id, "test-host") == 0 && p.hash[0] != '\0',
	    "a dump profile with the host id and a hash");
	tap_ok(strcmp(p.cpu.vendor, "GenuineIntel") == 0 && p.cpu.family == 6 && p.cpu.model == 138 &&
	    p.cpu.stepping == 1, "leaf 1 EAX 0x806a1: family 6 model 138 stepping 1 (%s %d %d %d)",
	    p.cpu.vendor, p.cpu.family, p.cpu.model, p.cpu.stepping);
	tap_ok(strcmp(p.cpu.model_name, "Intel(R) Test CPU L16 @ 1.40GHz") == 0,
	    "brand string of 0x80000002-4, trimmed (\"%s\")", p.cpu.model_name);
	tap_ok(p.cpu.has_microcode && p.cpu.microcode == 0x24000022u, "Intel microcode: MSR 0x8B bits 63:32");
	tap_ok(p.n_cpuid == 16, "16 leaves of logical CPU #0, CPU #1 not mixed in (%zu)", p.n_cpuid);
	e = profile_cpuid_find(&p, 0, 1, 0);
	tap_ok(e != NULL && e->ebx == 0x00100800u && e->flags == 0, "CPUID.1:EBX APIC ID 4 zeroed");
	e = profile_cpuid_find(&p, 0, 0xb, 1);
	tap_ok(e != NULL && e->index == 1 && e->flags == 1 && e->eax == 4 && e->edx == 0,
	    "leaf 0xB subleaf 1: indexed, x2APIC ID in EDX zeroed");
	e = profile_cpuid_find(&p, 0, 0xd, 8);
	tap_ok(e != NULL && e->index == 8 && e->eax == 0x80, "leaf 0xD [SL 08] kept as subleaf 8");
	e = profile_cpuid_find(&p, 0, 0x1b, 1);
	tap_ok(e != NULL && e->index == 1 && e->flags == 1 && e->edx == 4,
	    "leaf 0x1B (not on KVM's list) dumped with subleaf 1: indexed");
	e = profile_cpuid_find(&p, 0, 0x80000000u, 0);
	tap_ok(e != NULL && e->flags == 0, "leaf 0x80000000 not indexed");
	tap_ok(p.cpuid.status == LAYER_MEASURED && strstr(p.cpuid.reason, "hardware CPUID") != NULL &&
	    strstr(p.cpuid.reason, "KVM_GET_SUPPORTED_CPUID") != NULL, "cpuid layer says what it is");

	tap_ok(p.vmx.status == LAYER_MEASURED && vmx_msr_get(&p.vmx_raw, 0x480) == 0x00da050000000013ull,
	    "0x480 from four 16-bit groups");
	tap_ok(vmx_msr_get(&p.vmx_raw, 0x482) == 0xfff9fffe0401e172ull, "[S200] samples: the last line counts");
	tap_ok(vmx_msr_get(&p.vmx_raw, 0x48b) == 0x035d6fff00000000ull, "0x48B of the reference CPU #0");
	tap_ok(!vmx_msr_has(&p.vmx_raw, 0x491) && strstr(p.vmx.reason, "0x491") != NULL,
	    "0x491 < FAILED >: absent, named in the reason");
	tap_ok(p.feature_msrs.status == LAYER_MEASURED && p.n_msrs == 1 && p.msrs[0].index == 0x10a &&
	    p.msrs[0].value == 0x8000002bull, "feature MSRs: 0x10A only (0x345 failed)");
	tap_ok(strstr(p.feature_msrs.reason, "0x345") != NULL, "the reason names the unreadable 0x345");

	tap_ok(p.hw.status == LAYER_MEASURED && p.hw_ncpus == 3 && p.hw_cpu == 0,
	    "hw_msrs: 3 CPUs, reference CPU #0 (%u, %u)", p.hw_ncpus, p.hw_cpu);
	tap_ok(p.n_hw_diff == 1 && p.hw_diff[0].cpu == 2 && p.hw_diff[0].msrs.present == 1u << (0x48b - 0x480) &&
	    vmx_msr_get(&p.hw_diff[0].msrs, 0x48b) == 0x435d6fff00000000ull && p.hw_diff[0].absent == 0,
	    "hybrid: CPU 2 differs in 0x48B only");
	tap_ok(strstr(p.hw.reason, "CPU 2 differs") != NULL, "the reason names CPU 2 (%s)", p.hw.reason);

	s = profile_to_string(&p, 1);
	tap_ok(profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0 && strcmp(p.hash, q.hash) == 0 &&
	    q.is_dump && q.n_hw_diff == 1 && q.n_cpuid == p.n_cpuid, "the JSON form reads back with the same hash");
	tap_ok(p.vmx_source == PROFILE_VMX_SRC_HARDWARE && q.vmx_source == PROFILE_VMX_SRC_HARDWARE,
	    "the VMX layer of a dump is the hardware's, and says so after a round trip");
	free(s);
	profile_clear(&q);
	profile_clear(&p);
}

static void
test_old_layout(void)
{
	const struct profile_cpuid *e;
	struct profile p;

	profile_init(&p);
	if (!tap_ok(convert_file("old-single.txt", &p) == 0, "old-single.txt converts (%s)", err)) {
		profile_clear(&p);
		return;
	}
	tap_ok(p.cpu.family == 6 && p.cpu.model == 58 && p.cpu.stepping == 9, "0x306a9: family 6 model 58 stepping 9");
	tap_ok(p.cpu.microcode == 0x44, "microcode 0x44");
	tap_ok(p.n_cpuid == 14, "14 leaves of \"Logical CPU #0\" (%zu)", p.n_cpuid);
	e = profile_cpuid_find(&p, 0, 4, 2);
	tap_ok(e != NULL && e->index == 2 && e->eax == 0x1c004143u && e->flags == 1,
	    "untagged third leaf 4: subleaf 2");
	e = profile_cpuid_find(&p, 0, 0xd, 1);
	tap_ok(e != NULL && e->eax == 1, "untagged leaf 0xD with EAX < 0x20 after subleaf 0: subleaf 1");
	e = profile_cpuid_find(&p, 0, 0xd, 2);
	tap_ok(e != NULL && e->eax == 0x100 && e->ebx == 0x240, "untagged leaf 0xD size 0x100 at 0x240: subleaf 2");
	e = profile_cpuid_find(&p, 0, 0xb, 1);
	tap_ok(e != NULL && e->eax == 4 && e->edx == 0, "untagged second leaf 0xB: subleaf 1, EDX zeroed");
	e = profile_cpuid_find(&p, 0, 1, 0);
	tap_ok(e != NULL && e->ebx == 0x00100800u, "APIC ID 3 zeroed");
	tap_ok(vmx_msr_get(&p.vmx_raw, 0x480) == 0x001a040000000007ull && !vmx_msr_has(&p.vmx_raw, 0x48b),
	    "single MSR section: 0x480, no 0x48B");
	tap_ok(p.hw.status == LAYER_MEASURED && p.hw_ncpus == 1 && p.n_hw_diff == 0 &&
	    strstr(p.hw.reason, "per-CPU values were not dumped") != NULL, "hw_msrs: cpus 1, per-CPU not dumped");
	tap_ok(p.feature_msrs.status == LAYER_UNAVAILABLE && strstr(p.feature_msrs.reason, "none of") != NULL,
	    "no feature MSR: unavailable with the reason");
	profile_clear(&p);
}

static void
test_amd(void)
{
	const struct profile_cpuid *e;
	struct profile p;

	profile_init(&p);
	if (!tap_ok(convert_file("amd-zen4.txt", &p) == 0, "amd-zen4.txt converts (%s)", err)) {
		profile_clear(&p);
		return;
	}
	tap_ok(strcmp(p.cpu.vendor, "AuthenticAMD") == 0 && p.cpu.family == 0x19 && p.cpu.model == 0x11 &&
	    p.cpu.stepping == 1, "0xa10f11: family 0x19 model 0x11 stepping 1");
	tap_ok(strcmp(p.cpu.model_name, "AMD EPYC 9654 96-Core Processor") == 0, "trailing spaces trimmed");
	tap_ok(p.cpu.microcode == 0x0a101144u, "AMD patch level: MSR 0x8B bits 31:0");
	tap_ok(p.vmx.status == LAYER_UNAVAILABLE && strstr(p.vmx.reason, "AMD CPU: no VMX") != NULL,
	    "vmx unavailable: AMD");
	tap_ok(p.hw.status == LAYER_ABSENT, "no hw_msrs layer without VMX");
	tap_ok(p.feature_msrs.status == LAYER_UNAVAILABLE && p.n_msrs == 0, "0xC0011029 failed: no feature MSR");
	e = profile_cpuid_find(&p, 0, 0x8000001du, 1);
	tap_ok(e != NULL && e->index == 1 && e->flags == 1, "0x8000001D subleaf 1, indexed");
	e = profile_cpuid_find(&p, 0, 0x8000000au, 0);
	tap_ok(e != NULL && e->edx == 0x101bbcffu, "0x8000000A kept");
	profile_clear(&p);
}

static void
test_no_msr(void)
{
	struct profile p;

	profile_init(&p);
	if (!tap_ok(convert_file("no-msr.txt", &p) == 0, "no-msr.txt (AffMask separators) converts (%s)", err)) {
		profile_clear(&p);
		return;
	}
	tap_ok(p.n_cpuid == 2 && p.cpu.model == 158 && p.cpu.stepping == 10, "CPU#000's two leaves only");
	tap_ok(p.feature_msrs.status == LAYER_UNAVAILABLE &&
	    strcmp(p.feature_msrs.reason, "the dump has no MSR section") == 0, "feature_msrs: no MSR section");
	tap_ok(p.vmx.status == LAYER_UNAVAILABLE && p.hw.status == LAYER_ABSENT && !p.cpu.has_microcode,
	    "no vmx, no hw_msrs, no microcode");
	profile_clear(&p);
}

static void
test_errors(void)
{
	static const char bad_cpuid[] = "CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n"
	    "CPUID 00000001: 000306A9-0310080-7FBAE3FF-BFEBFBFF\n";
	static const char bad_msr[] = "CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n"
	    "CPUID 00000001: 000306A9-03100800-7FBAE3FF-BFEBFBFF\n"
	    "------[ MSR Registers ]------\n\nMSR 00000480: 001A-0400-0000\n";
	static const char no_leaf1[] = "CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n";
	static const char nul[] = "CPUID 00000000: 0000000D-756E6547\0-6C65746E-49656E69\n";
	struct profile p;
	char id[128];

	profile_init(&p);
	tap_ok(convert_file("garbage.txt", &p) == -1 && has_err("not an AIDA64 CPUID dump") && has_err("3 lines"),
	    "garbage: %s", err);
	tap_ok(p.n_cpuid == 0 && p.vmx.status == LAYER_ABSENT, "the profile is left empty");
	tap_ok(convert_file("report-layout.txt", &p) == -1 && has_err("line 2: ") && has_err("report layout"),
	    "report layout: %s", err);
	tap_ok(convert_text(bad_cpuid, sizeof(bad_cpuid) - 1, &p) == -1 && has_err("line 2: malformed CPUID line"),
	    "short register: %s", err);
	tap_ok(convert_text(bad_msr, sizeof(bad_msr) - 1, &p) == -1 && has_err("line 5: malformed MSR line"),
	    "short MSR value: %s", err);
	tap_ok(convert_text(no_leaf1, sizeof(no_leaf1) - 1, &p) == -1 && has_err("no CPUID leaf 1"),
	    "no leaf 1: %s", err);
	tap_ok(convert_text(nul, sizeof(nul) - 1, &p) == -1 && has_err("line 1: NUL byte"), "NUL: %s", err);
	tap_ok(convert_text(no_leaf1, (size_t)AIDA64_MAX_SIZE + 1, &p) == -1 && has_err("larger than"),
	    "over the size limit: %s", err);
	tap_ok(convert_text("", 0, &p) == -1 && has_err("not an AIDA64"), "empty: %s", err);

	tap_ok(aida64_host_id("x/y/GenuineIntel00806A1_Lakefield_CPUID.txt", id, sizeof(id)) == 0 &&
	    strcmp(id, "GenuineIntel00806A1_Lakefield_CPUID") == 0, "host id: the base name without .txt");
	tap_ok(aida64_host_id("-a b+c.d.txt", id, sizeof(id)) == 0 && strcmp(id, "_a_b_c.d") == 0,
	    "host id: refused characters become _ (%s)", id);
	tap_ok(aida64_host_id("dir/", id, sizeof(id)) == -1, "host id: nothing left");
	profile_clear(&p);
}

int
main(void)
{
	test_hybrid();
	test_old_layout();
	test_amd();
	test_no_msr();
	test_errors();
	return tap_done();
}
