/*
 * test-hwmsr.c - the hardware MSR reader on fake /dev/cpu trees built in a
 * temporary directory: identical CPUs (Alder Lake dump), a hybrid part
 * whose Sunny Cove core reports a different 0x48B (the Lakefield dump's
 * per-CPU section), a CPU lacking an MSR, a tree without msr nodes (no
 * msr module, as on this machine), no VMX at all; the JSON round trip of
 * the layer; and this machine's real /dev/cpu.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hwmsr.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

static char root[256];

/* Write the image of CPU cpu: each present MSR of m at offset 8 * index. */
static void
make_cpu(const char *dir, unsigned cpu, const struct vmx_msrs *m, uint32_t last)
{
	char path[512];
	uint32_t idx;
	uint64_t v;
	int fd;

	snprintf(path, sizeof(path), "%s/%u", dir, cpu);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/msr", dir, cpu);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		perror(path);
		exit(1);
	}
	for (idx = VMX_MSR_FIRST; idx <= last; idx++) {
		v = vmx_msr_get(m, idx);
		if (pwrite(fd, &v, sizeof(v), (off_t)idx * 8) != (ssize_t)sizeof(v)) {
			perror("pwrite");
			exit(1);
		}
	}
	close(fd);
}

static void
rm_tree(const char *dir, unsigned ncpus)
{
	char path[512];
	unsigned i;

	for (i = 0; i < ncpus; i++) {
		snprintf(path, sizeof(path), "%s/%u/msr", dir, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%u", dir, i);
		rmdir(path);
	}
	rmdir(dir);
}

static int
load_fixture(const char *name, struct profile *p)
{
	const char *fx = tap_fixtures();
	char path[1024], err[512];

	snprintf(path, sizeof(path), "%s/instlatx64/%s", fx, name);
	profile_init(p);
	if (profile_load_file(path, p, err, sizeof(err)) == -1) {
		tap_diag("%s", err);
		return -1;
	}
	return 0;
}

/* The Lakefield dump's 0x48B on its Core-type CPU, read from the dump itself. */
static int
lakefield_core_48b(uint64_t *v)
{
	const char *fx = tap_fixtures();
	struct json_object *o, *d, *c, *x;
	char path[1024];
	int ret = -1;

	/* The converted dump's hardware layer: logical CPU 4 differs in 0x48b. */
	snprintf(path, sizeof(path), "%s/instlatx64/GenuineIntel00806A1_Lakefield_CPUID.json",
	    fx);
	if ((o = json_object_from_file(path)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, "layers", &d) && json_object_object_get_ex(d, "hw_msrs", &d) &&
	    json_object_object_get_ex(d, "per_cpu_differences", &d) &&
	    json_object_is_type(d, json_type_array) && json_object_array_length(d) == 1 &&
	    (c = json_object_array_get_idx(d, 0)) != NULL &&
	    json_object_object_get_ex(c, "cpu", &x) && json_object_get_int(x) == 4 &&
	    json_object_object_get_ex(c, "msrs", &c) && json_object_object_get_ex(c, "0x48b", &x) &&
	    util_parse_hex64(json_object_get_string(x), v) == 0)
		ret = 0;
	json_object_put(o);
	return ret;
}

static void
roundtrip(const struct profile *p, const char *what)
{
	struct profile q;
	char *s, err[512];
	size_t i;
	int same;

	s = profile_to_string(p, 0);
	profile_init(&q);
	same = profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0 &&
	    q.hw.status == p->hw.status && strcmp(q.hw.reason, p->hw.reason) == 0 &&
	    q.hw_ncpus == p->hw_ncpus && q.hw_cpu == p->hw_cpu &&
	    memcmp(&q.hw_msrs, &p->hw_msrs, sizeof(q.hw_msrs)) == 0 && q.n_hw_diff == p->n_hw_diff;
	for (i = 0; same && i < p->n_hw_diff; i++)
		same = q.hw_diff[i].cpu == p->hw_diff[i].cpu && q.hw_diff[i].absent == p->hw_diff[i].absent &&
		    memcmp(&q.hw_diff[i].msrs, &p->hw_diff[i].msrs, sizeof(q.hw_diff[i].msrs)) == 0;
	tap_ok(same, "%s: hw_msrs layer survives the JSON round trip", what);
	free(s);
	profile_clear(&q);
}

int
main(void)
{
	struct profile fx, p;
	struct vmx_msrs core;
	char dir[512], *tmp = getenv("TMPDIR");
	uint64_t v48b = 0;
	unsigned i;

	snprintf(root, sizeof(root), "%s/test-hwmsr.XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	/* Identical CPUs. */
	if (load_fixture("GenuineIntel0090672_AlderLake_01_LC_BC_CPUID.json", &fx) == -1)
		return 1;
	snprintf(dir, sizeof(dir), "%s/same", root);
	mkdir(dir, 0755);
	for (i = 0; i < 4; i++)
		make_cpu(dir, i, &fx.vmx_raw, 0x490);
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == 0 && p.hw.status == LAYER_MEASURED, "identical CPUs: measured (%s)",
	    p.hw.reason);
	tap_ok(p.hw_ncpus == 4 && p.hw_cpu == 0 && p.n_hw_diff == 0, "four CPUs read, no differences");
	tap_ok(p.hw_msrs.present == fx.vmx_raw.present &&
	    memcmp(p.hw_msrs.val, fx.vmx_raw.val, sizeof(p.hw_msrs.val)) == 0,
	    "values equal the Alder Lake dump's, 0x480-0x490 present and nothing else");
	tap_ok(strstr(p.hw.reason, "identical") != NULL, "the reason says identical");
	roundtrip(&p, "identical");
	profile_clear(&p);
	rm_tree(dir, 4);
	profile_clear(&fx);

	/* Hybrid: Lakefield, CPUs 0-3 Tremont, CPU 4 Sunny Cove with another 0x48B. */
	if (load_fixture("GenuineIntel00806A1_Lakefield_CPUID.json", &fx) == -1 ||
	    lakefield_core_48b(&v48b) == -1)
		return 1;
	snprintf(dir, sizeof(dir), "%s/hybrid", root);
	mkdir(dir, 0755);
	for (i = 0; i < 4; i++)
		make_cpu(dir, i, &fx.vmx_raw, 0x490);
	core = fx.vmx_raw;
	vmx_msr_set(&core, MSR_VMX_PROCBASED2, v48b);
	make_cpu(dir, 4, &core, 0x490);
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == 0 && p.hw.status == LAYER_MEASURED && p.hw_ncpus == 5,
	    "hybrid: measured, five CPUs (%s)", p.hw.reason);
	tap_ok(p.n_hw_diff == 1 && p.hw_diff[0].cpu == 4 && p.hw_diff[0].absent == 0 &&
	    p.hw_diff[0].msrs.present == 1u << (MSR_VMX_PROCBASED2 - VMX_MSR_FIRST) &&
	    vmx_msr_get(&p.hw_diff[0].msrs, MSR_VMX_PROCBASED2) == 0x435d6fff00000000ull,
	    "CPU 4 differs in 0x48b only, with the dump's 0x435d6fff00000000");
	tap_ok(vmx_msr_get(&p.hw_msrs, MSR_VMX_PROCBASED2) == vmx_msr_get(&fx.vmx_raw, MSR_VMX_PROCBASED2),
	    "the reference values are CPU 0's");
	tap_ok(strstr(p.hw.reason, "CPU 4: 0x48b") != NULL, "the finding is in the reason: %s", p.hw.reason);
	{
		char *s = profile_to_string(&p, 0);
		struct json_object *o = json_tokener_parse(s), *l = NULL, *x = NULL;
		int ok = o != NULL && json_object_object_get_ex(o, "layers", &l) &&
		    json_object_object_get_ex(l, "hw_msrs", &l) &&
		    json_object_object_get_ex(l, "per_cpu_identical", &x) && !json_object_get_boolean(x) &&
		    json_object_object_get_ex(l, "per_cpu_differences", &x) &&
		    json_object_array_length(x) == 1;

		tap_ok(ok, "JSON: per_cpu_identical false, one per_cpu_differences entry");
		json_object_put(o);
		free(s);
	}
	roundtrip(&p, "hybrid");
	profile_clear(&p);
	rm_tree(dir, 5);

	/* CPU 1 lacks 0x490 (its image ends before it). */
	snprintf(dir, sizeof(dir), "%s/short", root);
	mkdir(dir, 0755);
	make_cpu(dir, 0, &fx.vmx_raw, 0x490);
	make_cpu(dir, 1, &fx.vmx_raw, 0x48f);
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == 0 && p.n_hw_diff == 1 && p.hw_diff[0].cpu == 1 &&
	    p.hw_diff[0].absent == 1u << (0x490 - VMX_MSR_FIRST) && p.hw_diff[0].msrs.present == 0,
	    "an MSR missing on one CPU is recorded as absent there (%s)", p.hw.reason);
	roundtrip(&p, "absent");
	profile_clear(&p);
	rm_tree(dir, 2);
	profile_clear(&fx);

	/* No VMX: every image empty. */
	snprintf(dir, sizeof(dir), "%s/novmx", root);
	mkdir(dir, 0755);
	{
		struct vmx_msrs none;

		memset(&none, 0, sizeof(none));
		make_cpu(dir, 0, &none, VMX_MSR_FIRST - 1);
	}
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == -1 && p.hw.status == LAYER_UNAVAILABLE &&
	    strstr(p.hw.reason, "not a VMX CPU") != NULL, "no readable VMX MSR: unavailable (%s)", p.hw.reason);
	profile_clear(&p);
	rm_tree(dir, 1);

	/* CPU directories without msr nodes: the msr module is not loaded. */
	snprintf(dir, sizeof(dir), "%s/nomodule", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/nomodule/0", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/nomodule", root);
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == -1 && p.hw.status == LAYER_UNAVAILABLE &&
	    strstr(p.hw.reason, "modprobe msr") != NULL, "no msr node: unavailable (%s)", p.hw.reason);
	roundtrip(&p, "unavailable");
	profile_clear(&p);
	snprintf(dir, sizeof(dir), "%s/nomodule/0", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/nomodule", root);
	rmdir(dir);

	/* A directory that does not exist. */
	snprintf(dir, sizeof(dir), "%s/absent", root);
	profile_init(&p);
	tap_ok(hwmsr_collect(dir, &p) == -1 && p.hw.status == LAYER_UNAVAILABLE &&
	    strstr(p.hw.reason, "No such file") != NULL, "missing directory: unavailable (%s)", p.hw.reason);
	profile_clear(&p);

	/* This machine's real /dev/cpu. */
	profile_init(&p);
	if (access("/dev/cpu/0/msr", F_OK) == 0) {
		hwmsr_collect(NULL, &p);
		tap_ok(p.hw.status == LAYER_MEASURED || p.hw.status == LAYER_UNAVAILABLE,
		    "real /dev/cpu: %s (%s)", profile_status_name(p.hw.status), p.hw.reason);
	} else {
		tap_ok(hwmsr_collect(NULL, &p) == -1 && p.hw.status == LAYER_UNAVAILABLE &&
		    strstr(p.hw.reason, "msr") != NULL,
		    "real /dev/cpu without the msr module: unavailable (%s)", p.hw.reason);
	}
	profile_clear(&p);

	rmdir(root);
	return tap_done();
}
