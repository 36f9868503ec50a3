/*
 * test-cpunames.c - the QEMU/libvirt name, dependency, model and machine
 * tables: facts confirmed in QEMU's and libvirt's sources, the tables'
 * structure, and agreement with the QEMU and libvirt installed here
 * (qemu-system-x86_64 -cpu help / -machine help, /usr/share/libvirt/cpu_map),
 * each skipped with the reason when absent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpunames.h"
#include "msrfeat.h"
#include "tap.h"
#include "vmxbits.h"

static int
has(const struct cpunames_set *s, const char *name)
{
	const struct cpunames_entry *e = cpunames_find(name);

	return e != NULL && cpunames_set_has(s, e);
}

static void
test_names(void)
{
	const struct cpunames_entry *a = cpunames_find("pclmuldq"), *b = cpunames_find("pclmulqdq");
	const struct cpunames_entry *e;

	tap_ok(a != NULL && a == b && a->index == 1 && strcmp(a->reg, "ecx") == 0 && a->bit == 1,
	    "pclmuldq and pclmulqdq are CPUID 1.ECX[1]");
	tap_ok(a != NULL && strcmp(cpunames_qemu_name(a, "7.2"), "pclmulqdq") == 0 &&
	    strcmp(cpunames_libvirt_name(a, "9.0.0"), "pclmuldq") == 0, "QEMU says pclmulqdq, libvirt pclmuldq");
	e = cpunames_find("tsc-adjust");
	tap_ok(e != NULL && e == cpunames_find("tsc_adjust") && strcmp(e->libvirt, "tsc_adjust") == 0 &&
	    e->index == 7 && strcmp(e->reg, "ebx") == 0 && e->bit == 1, "tsc_adjust is libvirt's spelling of 7.0.EBX[1]");
	tap_ok(cpunames_qemu_knows("tsc_adjust", "7.2") && cpunames_qemu_knows("tsc-adjust", "7.2") &&
	    cpunames_libvirt_knows("tsc_adjust", "9.0") && !cpunames_libvirt_knows("tsc-adjust", "9.0"),
	    "QEMU accepts both spellings of tsc-adjust, libvirt only its own");
	e = cpunames_find("cqm");
	tap_ok(e != NULL && e == cpunames_find("cmt") && strcmp(e->kind, "none") == 0 && e->qemu == NULL,
	    "cmt (alias cqm) is libvirt-only and not compared");
	e = cpunames_find("mbm_total");
	tap_ok(e != NULL && e->index == 0xf && e->subleaf == 1 && strcmp(e->kind, "none") == 0,
	    "mbm_total is 0xF.1.EDX, marked none");
	e = cpunames_find("osxsave");
	tap_ok(e != NULL && strcmp(e->kind, "none") == 0 && e->bit == 27, "osxsave is marked none");
	e = cpunames_find("pbe");
	tap_ok(e != NULL && e->index == 1 && strcmp(e->reg, "edx") == 0 && e->bit == 31 &&
	    cpunames_libvirt_knows("pbe", "9.0"), "pbe is 1.EDX[31], known to libvirt 9.0");
	e = cpunames_find("succor");
	tap_ok(e != NULL && e->index == 0x80000007 && strcmp(e->reg, "ebx") == 0 && e->bit == 1 &&
	    !cpunames_qemu_knows("succor", "7.2") && cpunames_qemu_knows("succor", "9.1"),
	    "succor is 0x80000007.EBX[1], new in QEMU 9.1");
	e = cpunames_find("perfmon-v2");
	tap_ok(e != NULL && e->index == 0x80000022 && e->bit == 0 && !cpunames_libvirt_knows("perfmon-v2", "9.0"),
	    "perfmon-v2 is 0x80000022.EAX[0], unknown to libvirt 9.0");
	e = cpunames_find("amd-psfd");
	tap_ok(e != NULL && e->index == 0x80000008 && e->bit == 28 && strcmp(e->qemu_since, "8.1") == 0,
	    "amd-psfd is 0x80000008.EBX[28], QEMU 8.1");
	e = cpunames_find("gds-no");
	tap_ok(e != NULL && strcmp(e->kind, "msr") == 0 && e->index == 0x10a && e->bit == 26 &&
	    !cpunames_qemu_knows("gds-no", "7.2") && cpunames_qemu_knows("gds-no", "8.2.0"),
	    "gds-no is ARCH_CAPABILITIES[26], QEMU 8.2");
	e = cpunames_find("rfds-no");
	tap_ok(e != NULL && e->index == 0x10a && e->bit == 27 && strcmp(e->qemu_since, "9.1") == 0,
	    "rfds-no is ARCH_CAPABILITIES[27], QEMU 9.1");
	e = cpunames_find("vmx-invvpid-single-context");
	tap_ok(e != NULL && strcmp(e->kind, "vmx") == 0 && e->index == 0x48c && e->bit == 41 &&
	    strcmp(e->qemu, "vmx-invept-single-context") == 0,
	    "libvirt's vmx-invvpid-single-context is 0x48C[41], QEMU's second vmx-invept-single-context bit");
	tap_ok(cpunames_find("vmx-invept-single-context")->bit == 25, "vmx-invept-single-context finds bit 25 first");
	e = cpunames_find("amx-movrs");
	tap_ok(e != NULL && e->index == 0x1e && e->subleaf == 1 && strcmp(e->reg, "eax") == 0 && e->bit == 8 &&
	    !cpunames_qemu_knows("amx-movrs", "10.2") && cpunames_qemu_knows("amx-movrs", "11.1") &&
	    cpunames_qemu_knows("amx-movrs", NULL) && !cpunames_libvirt_knows("amx-movrs", "11.3") &&
	    cpunames_libvirt_knows("amx-movrs", "12.8") && cpunames_libvirt_knows("amx-movrs", NULL),
	    "amx-movrs is 0x1E.1.EAX[8], after QEMU 10.2, after libvirt 11.3, in libvirt 12.8");
	tap_ok(cpunames_lookup("cpuid", 7, 0, "ecx", 7) == cpunames_find("cet-ss") &&
	    cpunames_lookup("cpuid", 7, 0, "edx", 20) == cpunames_find("cet-ibt") &&
	    cpunames_lookup("cpuid", 0x29, 0, "ebx", 0) == cpunames_find("apx-nci-ndd-nf") &&
	    cpunames_lookup("vmx", 0x48b, 0, NULL, 22) == cpunames_find("vmx-mbec") &&
	    cpunames_lookup("vmx", 0x48f, 0, NULL, 28) == cpunames_find("vmx-exit-save-cet") &&
	    cpunames_lookup("vmx", 0x490, 0, NULL, 20) == cpunames_find("vmx-entry-load-cet") &&
	    cpunames_lookup("cpuid", 7, 1, "edx", 21) == cpunames_find("apxf") &&
	    cpunames_lookup("cpuid", 0x24, 1, "ecx", 2) == cpunames_find("avx10-vnni-int") &&
	    cpunames_lookup("cpuid", 7, 1, "eax", 31) == cpunames_find("movrs") &&
	    cpunames_lookup("cpuid", 0x1e, 1, "eax", 0) == cpunames_find("amx-int8-alias") &&
	    cpunames_lookup("cpuid", 0x1e, 1, "eax", 3) == cpunames_find("amx-fp16-alias") &&
	    cpunames_find("cet-ss") != NULL && cpunames_find("amx-int8-alias") != NULL &&
	    !cpunames_qemu_knows("amx-int8-alias", "10.2") && cpunames_qemu_knows("amx-int8-alias", "11.1"),
	    "the CET, APX, AVX10, MBEC and amx-*-alias names of the QEMU 11.1 tree find their bits");
	e = cpunames_find("gmet");
	tap_ok(e != NULL && e->index == 0x8000000a && strcmp(e->reg, "edx") == 0 && e->bit == 17 && e->qemu == NULL &&
	    !cpunames_libvirt_knows("gmet", "11.3") && cpunames_libvirt_knows("gmet", "12.8") &&
	    cpunames_libvirt_knows("xstore", "12.8") && !cpunames_libvirt_knows("xstore", "11.3") &&
	    cpunames_qemu_knows("xstore", "7.2"),
	    "libvirt 12.8 adds gmet (0x8000000A.EDX[17], no QEMU name) and QEMU's old PadLock names");
	tap_ok(cpunames_find("SSE4_1") == cpunames_find("sse4.1") && cpunames_find("no-such-feature") == NULL,
	    "loose spelling matches; an unknown name gives NULL");
	tap_ok(cpunames_lookup("cpuid", 7, 0, "ebx", 14) == cpunames_find("mpx") &&
	    cpunames_lookup("msr", 0x10a, 0, NULL, 0) == cpunames_find("rdctl-no") &&
	    cpunames_lookup("vmx", 0x48b, 0, NULL, 16) == cpunames_find("vmx-rdseed-exit"),
	    "lookup by location");
}

static void
test_versions(void)
{
	static const char *const vmx_after_72[] = { "vmx-any-errcode", "vmx-enable-user-wait-pause",
		"vmx-nested-exception", "vmx-exit-secondary-ctls", "vmx-entry-load-fred" };
	static const char *const vmx_since[] = { "8.2", "8.2", "9.1", "9.2", "9.2" };
	size_t i, nvmx = 0, lv90 = 0;
	int ok = 1;

	tap_ok(cpunames_vercmp("7.2.0", "7.2") == 0 && cpunames_vercmp("8.2", "10.0") < 0 &&
	    cpunames_vercmp("9.10", "9.9") > 0 && cpunames_vercmp("11.3", NULL) < 0, "versions compare numerically");
	for (i = 0; i < sizeof(vmx_after_72) / sizeof(vmx_after_72[0]); i++) {
		const struct cpunames_entry *e = cpunames_find(vmx_after_72[i]);

		tap_ok(e != NULL && !cpunames_qemu_knows(vmx_after_72[i], "7.2.0") &&
		    strcmp(e->qemu_since, vmx_since[i]) == 0, "QEMU 7.2 lacks %s (first in %s)", vmx_after_72[i],
		    vmx_since[i]);
	}
	tap_ok(cpunames_qemu_knows("vmx-tsc-scaling", "7.2") && !cpunames_qemu_knows("vmx-tsc-scaling", "6.0") &&
	    cpunames_qemu_knows("vmx-exit-load-pkrs", "6.0") && !cpunames_qemu_knows("vmx-exit-load-pkrs", "5.2"),
	    "vmx-tsc-scaling from QEMU 6.1, vmx-exit-load-pkrs from 6.0");
	for (i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (e->libvirt != NULL && cpunames_libvirt_knows(e->libvirt, "9.0"))
			lv90++;
		if (e->libvirt == NULL || strncmp(e->libvirt, "vmx-", 4) != 0)
			continue;
		nvmx++;
		if (cpunames_libvirt_name(e, "9.0") != NULL ||
		    (cpunames_libvirt_name(e, "9.10") == NULL && cpunames_vercmp(e->libvirt_since, "9.10") == 0))
			ok = 0;
	}
	tap_ok(ok && nvmx > 90, "libvirt 9.0 knows none of the %zu vmx-* names; 9.10 is the first with them", nvmx);
	tap_ok(lv90 == 212, "libvirt 9.0 knows 212 x86 feature names (got %zu)", lv90);
}

static void
test_deps(void)
{
	struct cpunames_set s, dropped;
	size_t n;

	cpunames_set_clear(&s);
	cpunames_set_clear(&dropped);
	cpunames_set_add_name(&s, "vmx");
	cpunames_set_add_name(&s, "lm");
	cpunames_set_add_name(&s, "vmx-exit-clear-bndcfgs");
	cpunames_set_add_name(&s, "vmx-entry-load-bndcfgs");
	cpunames_set_add_name(&s, "vmx-entry-ia32e-mode");
	n = cpunames_dep_closure(&s, "7.2", &dropped);
	tap_ok(n == 2 && has(&dropped, "vmx-exit-clear-bndcfgs") && has(&dropped, "vmx-entry-load-bndcfgs") &&
	    has(&s, "vmx-entry-ia32e-mode"), "mpx off drops vmx-exit-clear-bndcfgs and vmx-entry-load-bndcfgs");
	cpunames_set_clear(&s);
	cpunames_set_clear(&dropped);
	cpunames_set_add_name(&s, "vmx-secondary-ctls");
	cpunames_set_add_name(&s, "vmx-ept");
	cpunames_set_add_name(&s, "vmx-eptad");
	cpunames_set_add_name(&s, "vmx-ept-wb");
	cpunames_set_add_name(&s, "vmx-true-ctls");
	cpunames_set_add_name(&s, "rdseed");
	cpunames_set_add_name(&s, "vmx-rdseed-exit");
	n = cpunames_dep_closure(&s, "10.2", &dropped);
	tap_ok(cpunames_set_count(&s) == 1 && has(&s, "rdseed") && n == 6 && has(&dropped, "vmx-ept-wb"),
	    "without vmx every VMX word goes, in one ordered pass (EPT caps through vmx-ept)");
	cpunames_set_clear(&s);
	cpunames_set_add_name(&s, "vmx");
	cpunames_set_add_name(&s, "vmx-secondary-ctls");
	cpunames_set_add_name(&s, "vmx-rdseed-exit");
	cpunames_set_add_name(&s, "rdctl-no");
	n = cpunames_dep_closure(&s, "7.2", NULL);
	tap_ok(n == 2 && !has(&s, "vmx-rdseed-exit") && !has(&s, "rdctl-no"),
	    "rdseed off drops vmx-rdseed-exit; arch-capabilities off drops rdctl-no");
	cpunames_set_clear(&s);
	cpunames_set_add_name(&s, "vmx");
	cpunames_set_add_name(&s, "vmx-secondary-ctls");
	cpunames_set_add_name(&s, "vmx-enable-user-wait-pause");
	tap_ok(cpunames_dep_closure(&s, "7.2", NULL) == 0 && cpunames_dep_closure(&s, "10.2", NULL) == 1,
	    "the waitpkg entry is not in 7.2's list, is in 10.2's");
	cpunames_set_clear(&s);
	cpunames_set_add_name(&s, "avx10-vnni-int");
	cpunames_set_add_name(&s, "apx-nci-ndd-nf");
	tap_ok(cpunames_dep_closure(&s, "10.2", NULL) == 0 && cpunames_dep_closure(&s, NULL, NULL) == 2 &&
	    cpunames_set_count(&s) == 0, "without avx10 and apxf the 11.1 tree drops avx10-vnni-int and apx-nci-ndd-nf");
}

static void
test_models(void)
{
	struct cpunames_set s;
	const char *vendor;
	unsigned v = 0;

	tap_ok(cpunames_qemu_model_features("Cascadelake-Server-v2", "7.2", &s) == 0 && has(&s, "rdctl-no") &&
	    has(&s, "arch-capabilities") && has(&s, "avx512vnni") && !has(&s, "xsaves"), "Cascadelake-Server-v2 has rdctl-no");
	tap_ok(cpunames_qemu_model_features("Cascadelake-Server", "7.2", &s) == 0 && !has(&s, "rdctl-no") &&
	    has(&s, "hle"), "unversioned Cascadelake-Server is v1");
	tap_ok(cpunames_qemu_model("Cascadelake-Server-noTSX", "7.2", &v) != NULL && v == 3 &&
	    cpunames_qemu_model_features("Cascadelake-Server-noTSX", "7.2", &s) == 0 && !has(&s, "hle") &&
	    has(&s, "rdctl-no"), "Cascadelake-Server-noTSX is v3, without hle, with rdctl-no");
	tap_ok(cpunames_qemu_model_features("Icelake-Server-v6", "7.2", &s) == 0 && has(&s, "vmx-page-walk-5") &&
	    !has(&s, "vmx"), "Icelake-Server-v6 has vmx-page-walk-5 but not vmx");
	tap_ok(cpunames_qemu_model("EPYC-Genoa", "7.2", NULL) == NULL && cpunames_qemu_model("EPYC-Genoa", "8.1", NULL) &&
	    cpunames_qemu_model("EPYC-Milan", "7.2", NULL) != NULL && cpunames_qemu_model("EPYC-Milan-v2", "7.2", NULL) == NULL &&
	    cpunames_qemu_model("EPYC-Milan-v2", "8.1", NULL) != NULL && cpunames_qemu_model("EPYC-Turin", "10.0", NULL) == NULL &&
	    cpunames_qemu_model("Skylake-Server-v99", NULL, NULL) == NULL, "model names per QEMU release");
	tap_ok(cpunames_qemu_model("GraniteRapids-v4", "10.2", NULL) == NULL &&
	    cpunames_qemu_model_features("GraniteRapids-v4", NULL, &s) == 0 && has(&s, "cet-ss") &&
	    has(&s, "cet-ibt") && has(&s, "vmx-entry-load-cet") && has(&s, "avx10-512") && has(&s, "amx-fp16") &&
	    cpunames_qemu_model_features("ClearwaterForest-v2", "11.1", &s) == 0 && has(&s, "vmx-exit-save-cet"),
	    "GraniteRapids-v4 (after 10.2) is v3 with CET; ClearwaterForest-v2 too");
	tap_ok(cpunames_libvirt_model_features("Cascadelake-Server", "9.0", &s, &vendor) == 0 && vendor != NULL &&
	    strcmp(vendor, "Intel") == 0 && has(&s, "pclmuldq") && !has(&s, "vmx-ept"),
	    "libvirt 9.0 Cascadelake-Server: Intel, libvirt spellings, no vmx-*");
	tap_ok(cpunames_libvirt_model_features("Cascadelake-Server", "11.3", &s, NULL) == 0 && has(&s, "vmx-ept"),
	    "libvirt 11.3 Cascadelake-Server lists vmx-ept");
	tap_ok(cpunames_libvirt_model_features("Cascadelake-Server-v2", "9.0", &s, NULL) < 0 &&
	    cpunames_libvirt_model_features("Cascadelake-Server-v2", "11.3", &s, NULL) == 0 && has(&s, "rdctl-no"),
	    "libvirt has Cascadelake-Server-v2 from 10.10, with rdctl-no");
	tap_ok(cpunames_libvirt_model_features("YongFeng", "11.3", &s, NULL) < 0 &&
	    cpunames_libvirt_model_features("YongFeng-v3", "12.8", &s, &vendor) == 0 && strcmp(vendor, "Zhaoxin") == 0 &&
	    has(&s, "xstore") && cpunames_libvirt_model_features("GraniteRapids-v4", "12.8", &s, NULL) == 0 &&
	    has(&s, "cet-ss") && has(&s, "vmx-exit-save-cet") && !has(&s, "its-no") &&
	    cpunames_libvirt_model_features("EPYC-Turin", "12.8", &s, &vendor) == 0 && strcmp(vendor, "AMD") == 0,
	    "libvirt 12.8 adds YongFeng (Zhaoxin), EPYC-Turin and the CET versions of the Intel models");
	tap_ok(cpunames_libvirt_model_features("EPYC-Genoa", "9.0", &s, NULL) < 0 &&
	    cpunames_libvirt_model_features("EPYC-Genoa", "9.8", &s, &vendor) == 0 && strcmp(vendor, "AMD") == 0,
	    "libvirt EPYC-Genoa is AMD, from 9.8");
	tap_ok(cpunames_machine_known("pc-q35-7.2", "7.2.0") && !cpunames_machine_known("pc-q35-8.0", "7.2") &&
	    !cpunames_machine_known("pc-q35-99.0", "7.2") && !cpunames_machine_known("pc-q35-99.0", NULL) &&
	    cpunames_machine_known("pc-i440fx-1.4", "7.2") && !cpunames_machine_known("pc-i440fx-1.4", "8.2") &&
	    cpunames_machine_known("pc-q35-4.0.1", "10.2") && cpunames_default_version("pc-q35-7.2") == 1,
	    "machine types per QEMU release");
	tap_ok(cpunames_machine_known("pc-q35-11.0", "11.0") && !cpunames_machine_known("pc-q35-11.0", "10.2") &&
	    !cpunames_machine_known("pc-i440fx-11.1", "11.0") && cpunames_machine_known("pc-i440fx-11.1", "11.1") &&
	    cpunames_machine_known("pc-i440fx-2.12", "10.2") && !cpunames_machine_known("pc-i440fx-2.12", "11.0") &&
	    !cpunames_machine_known("pc-q35-5.0", "11.1") && cpunames_machine_known("pc-q35-5.2", "11.1") &&
	    cpunames_default_version("pc-q35-11.0") == 1,
	    "11.0 adds pc-*-11.0 and drops the types up to 5.0; the 11.1 tree has 5.2 and newer");
}

static void
test_structure(void)
{
	size_t i, j, bad = 0;
	struct cpunames_set s;

	tap_ok(cpunames_table_count <= CPUNAMES_SET_MAX, "the set holds every row");
	for (i = 0; i < cpunames_table_count; i++)
		for (j = i + 1; j < cpunames_table_count; j++) {
			const struct cpunames_entry *a = &cpunames_table[i], *b = &cpunames_table[j];

			if (a->qemu != NULL && b->qemu != NULL && strcmp(a->qemu, b->qemu) == 0 &&
			    (a->index != b->index || a->reg != b->reg ||
			    (strcmp(a->qemu, "kvmclock") != 0 && strcmp(a->qemu, "vmx-invept-single-context") != 0)))
				bad++;
			if (a->libvirt != NULL && b->libvirt != NULL && strcmp(a->libvirt, b->libvirt) == 0)
				bad++;
			if (a->index == b->index && a->bit == b->bit && a->subleaf == b->subleaf &&
			    (a->reg == NULL) == (b->reg == NULL) && (a->reg == NULL || strcmp(a->reg, b->reg) == 0))
				bad++;
		}
	tap_ok(bad == 0, "names unique (but QEMU's two-bit kvmclock and vmx-invept-single-context), bits unique");
	for (bad = 0, i = 0; i < cpunames_table_count; i++) {
		const struct cpunames_entry *e = &cpunames_table[i];

		if (e->qemu == NULL && e->libvirt == NULL)
			bad++;
		if ((e->qemu != NULL) != (e->qemu_since != NULL) || (e->libvirt != NULL) != (e->libvirt_since != NULL))
			bad++;
		if (strcmp(e->kind, "vmx") == 0 && vmxbits_lookup(e->index, e->bit) == NULL)
			bad++;
		/* data/msr-features.tsv follows QEMU 10.0: later names may be missing there */
		if (strcmp(e->kind, "msr") == 0 && msrfeat_lookup(e->index, e->bit) == NULL &&
		    cpunames_vercmp(e->qemu_since, "10.0") <= 0)
			bad++;
	}
	tap_ok(bad == 0, "every row has a name, a release per name, and its key in vmx-bits.tsv / msr-features.tsv");
	for (bad = 0, i = 0; i < cpunames_qmodels_count; i++) {
		const struct cpunames_qmodel *m = &cpunames_qmodels[i];
		char name[128];

		snprintf(name, sizeof(name), "%s-v%u", m->model, m->version);
		if (cpunames_qemu_model_features(name, NULL, &s) < 0 || cpunames_set_count(&s) == 0)
			bad++;
	}
	tap_ok(bad == 0, "every QEMU model version resolves, every feature to a row (%zu)", cpunames_qmodels_count);
	for (bad = 0, i = 0; i < cpunames_lvmodels_count; i++)
		if (cpunames_libvirt_model_features(cpunames_lvmodels[i].model, NULL, &s, NULL) < 0 ||
		    cpunames_set_count(&s) == 0)
			bad++;
	tap_ok(bad == 0, "every libvirt model resolves, every feature to a row (%zu)", cpunames_lvmodels_count);
	for (bad = 0, i = 0; i < cpunames_deps_count; i++) {
		const struct cpunames_dep *d = &cpunames_deps[i];
		const char *p;
		char buf[64];
		size_t n, hits = 0;

		for (p = d->from; *p; p += n + (p[n] == ',')) {
			n = strcspn(p, ",");
			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			if (cpunames_find(buf) == NULL || cpunames_find(buf)->qemu == NULL)
				bad++;
		}
		cpunames_set_clear(&s);
		for (j = 0; j < cpunames_table_count; j++)
			cpunames_set_add(&s, &cpunames_table[j]);
		for (p = d->from; *p; p += n + (p[n] == ',')) {
			n = strcspn(p, ",");
			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			for (j = 0; j < cpunames_table_count; j++)
				if (cpunames_table[j].qemu != NULL && strcmp(cpunames_table[j].qemu, buf) == 0)
					cpunames_set_del(&s, &cpunames_table[j]);
		}
		hits = cpunames_dep_closure(&s, NULL, NULL);
		if (hits == 0)
			bad++;
	}
	tap_ok(bad == 0, "every dependency's ends resolve to rows (%zu entries)", cpunames_deps_count);
	for (bad = 0, i = 0; i < cpunames_machines_count; i++)
		if (!cpunames_machine_known(cpunames_machines[i].machine, cpunames_machines[i].first))
			bad++;
	tap_ok(bad == 0, "every machine type is offered by its first release (%zu)", cpunames_machines_count);
}


/* Read the whole output of cmd into a malloc'ed string, or NULL. */
static char *
run(const char *cmd)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	FILE *f = popen(cmd, "r");

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len - 1, f)) == 0)
			break;
		len += n;
	}
	if (pclose(f) != 0 || buf == NULL || len == 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* 1 if the whitespace-separated word w occurs in text. */
static int
has_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = text; (p = strstr(p, w)) != NULL; p += n)
		if ((p == text || strchr(" \t\n", p[-1]) != NULL) && (p[n] == '\0' || strchr(" \t\n", p[n]) != NULL))
			return 1;
	return 0;
}

/* Compare the installed QEMU's -cpu help and -machine help with the tables. */
static void
test_host_qemu(void)
{
	const char *qemu = getenv("QEMU_SYSTEM");
	char cmd[512], ver[32], name[128], *out, *flags, *p;
	size_t i, missing = 0, extra = 0, n = 0;
	int major, minor;

	if (qemu == NULL || *qemu == '\0')
		qemu = "qemu-system-x86_64";
	snprintf(cmd, sizeof(cmd), "%s --version 2>/dev/null", qemu);
	if ((out = run(cmd)) == NULL || (p = strstr(out, "version ")) == NULL ||
	    sscanf(p, "version %d.%d", &major, &minor) != 2) {
		free(out);
		tap_skip("no %s here: QEMU flags, models and machine types not cross-checked", qemu);
		tap_skip("no QEMU here");
		tap_skip("no QEMU here");
		return;
	}
	free(out);
	snprintf(ver, sizeof(ver), "%d.%d", major, minor);
	if (cpunames_vercmp(ver, CPUNAMES_QEMU_NEWEST) > 0) {
		tap_skip("QEMU %s is newer than the tables (%s)", ver, CPUNAMES_QEMU_NEWEST);
		tap_skip("QEMU %s is newer than the tables", ver);
		tap_skip("QEMU %s is newer than the tables", ver);
		return;
	}
	tap_diag("cross-checking QEMU %s (%s)", ver, qemu);
	snprintf(cmd, sizeof(cmd), "%s -cpu help 2>/dev/null", qemu);
	out = run(cmd);
	flags = out != NULL ? strstr(out, "Recognized CPUID flags:") : NULL;
	if (flags == NULL) {
		tap_ok(0, "%s -cpu help lists CPUID flags", qemu);
		tap_ok(0, "%s -cpu help lists models", qemu);
	} else {
		*flags = '\0';
		flags += strlen("Recognized CPUID flags:");
		for (i = 0; i < cpunames_table_count; i++) {
			const char *q = cpunames_qemu_name(&cpunames_table[i], ver);

			if (q != NULL && !has_word(flags, q) && ++missing <= 5)
				tap_diag("table says QEMU %s has %s; -cpu help does not", ver, q);
		}
		for (p = strtok(flags, " \t\n"); p != NULL; p = strtok(NULL, " \t\n"), n++)
			if (!cpunames_qemu_knows(p, ver) && ++extra <= 5)
				tap_diag("-cpu help has %s; table says QEMU %s lacks it", p, ver);
		tap_ok(missing == 0 && extra == 0 && n > 100, "QEMU %s -cpu help flags == table names (%zu flags)", ver, n);
		missing = extra = n = 0;
		for (p = out; (p = strstr(p, "\nx86 ")) != NULL; p++) {
			if (sscanf(p + 5, "%127s", name) != 1 || strcmp(name, "base") == 0 || strcmp(name, "host") == 0 ||
			    strcmp(name, "max") == 0)
				continue;
			n++;
			if (cpunames_qemu_model(name, ver, NULL) == NULL && ++extra <= 5)
				tap_diag("-cpu help has model %s; table says QEMU %s lacks it", name, ver);
		}
		for (i = 0; i < cpunames_qmodels_count; i++) {
			const struct cpunames_qmodel *m = &cpunames_qmodels[i];

			snprintf(name, sizeof(name), " %s-v%u ", m->model, m->version);
			if (cpunames_vercmp(m->since, ver) <= 0 && strstr(out, name) == NULL && ++missing <= 5)
				tap_diag("table says QEMU %s has %s; -cpu help does not", ver, name);
		}
		tap_ok(missing == 0 && extra == 0 && n > 50, "QEMU %s -cpu help models == table (%zu names)", ver, n);
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "%s -machine help 2>/dev/null", qemu);
	out = run(cmd);
	missing = extra = n = 0;
	for (p = out; p != NULL && (p = strstr(p, "\npc-")) != NULL; p++) {
		if (sscanf(p + 1, "%127s", name) != 1)
			continue;
		n++;
		if (!cpunames_machine_known(name, ver) && ++extra <= 5)
			tap_diag("-machine help has %s; table says QEMU %s lacks it", name, ver);
	}
	for (i = 0; out != NULL && i < cpunames_machines_count; i++) {
		snprintf(name, sizeof(name), "\n%s ", cpunames_machines[i].machine);
		if (cpunames_machine_known(cpunames_machines[i].machine, ver) && strstr(out, name) == NULL &&
		    ++missing <= 5)
			tap_diag("table says QEMU %s has %s; -machine help does not", ver, name + 1);
	}
	tap_ok(out != NULL && missing == 0 && extra == 0 && n > 10, "QEMU %s -machine help == table (%zu types)", ver, n);
	free(out);
}

/* Compare the installed libvirt's cpu_map x86_features.xml with the table. */
static void
test_host_libvirt(void)
{
	const char *dir = getenv("MIGCOMPAT_CPU_MAP");
	char path[512], ver[32], name[128], *out, *xml, *p;
	size_t i, missing = 0, extra = 0, n = 0;
	int major, minor;

	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/libvirt/cpu_map";
	snprintf(path, sizeof(path), "cat %s/x86_features.xml 2>/dev/null", dir);
	if ((xml = run(path)) == NULL) {
		tap_skip("no %s/x86_features.xml here: libvirt names not cross-checked", dir);
		return;
	}
	if ((out = run("virsh -v 2>/dev/null")) == NULL || sscanf(out, "%d.%d", &major, &minor) != 2) {
		free(out);
		free(xml);
		tap_skip("no virsh here to tell the libvirt release of %s", dir);
		return;
	}
	free(out);
	snprintf(ver, sizeof(ver), "%d.%d", major, minor);
	if (strcmp(ver, "7.0") != 0 && strcmp(ver, "9.0") != 0 && strcmp(ver, CPUNAMES_LIBVIRT_NEWEST) != 0) {
		free(xml);
		tap_skip("libvirt %s: the table's libvirt releases are exact for 7.0, 9.0 and %s only", ver,
		    CPUNAMES_LIBVIRT_NEWEST);
		return;
	}
	tap_diag("cross-checking libvirt %s (%s)", ver, dir);
	for (p = xml; (p = strstr(p, "<feature name='")) != NULL; p++) {
		if (sscanf(p + 15, "%127[^']", name) != 1)
			continue;
		n++;
		if (!cpunames_libvirt_knows(name, ver) && ++extra <= 5)
			tap_diag("%s has %s; table says libvirt %s lacks it", dir, name, ver);
	}
	for (i = 0; i < cpunames_table_count; i++) {
		const char *l = cpunames_libvirt_name(&cpunames_table[i], ver);

		snprintf(name, sizeof(name), "<feature name='%s'", l != NULL ? l : "");
		if (l != NULL && strstr(xml, name) == NULL && ++missing <= 5)
			tap_diag("table says libvirt %s has %s; %s does not", ver, l, dir);
	}
	tap_ok(missing == 0 && extra == 0 && n > 100, "libvirt %s x86_features.xml == table names (%zu)", ver, n);
	free(xml);
}

static void
test_host(void)
{
	test_host_qemu();
	test_host_libvirt();
}

int
main(void)
{
	test_names();
	test_versions();
	test_deps();
	test_models();
	test_structure();
	test_host();
	return tap_done();
}
