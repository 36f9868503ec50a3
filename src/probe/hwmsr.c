/*
 * hwmsr.c - hardware VMX MSRs through /dev/cpu/N/msr.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwmsr.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Largest CPU number accepted in a directory entry. */
#define HWMSR_MAX_CPU	65535u

static int
hwmsr_cpucmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The CPU numbers under dir, sorted (caller frees), or NULL with errno. */
static uint32_t *
hwmsr_cpus(const char *dir, size_t *n)
{
	struct dirent *de;
	uint32_t *cpus = NULL;
	uint64_t v;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name) ||
		    util_parse_u64(de->d_name, HWMSR_MAX_CPU, &v) == -1)
			continue;
		cpus = xreallocarray(cpus, *n + 1, sizeof(*cpus));
		cpus[(*n)++] = (uint32_t)v;
	}
	closedir(d);
	if (*n > 1)
		qsort(cpus, *n, sizeof(*cpus), hwmsr_cpucmp);
	if (*n == 0)
		errno = ENOENT;
	return cpus;
}

/*
 * Read one CPU's VMX MSRs into m.  Returns 0, 1 when the CPU is offline,
 * or -1 with errno and the failed step in *step.
 */
static int
hwmsr_read_cpu(const char *dir, uint32_t cpu, struct vmx_msrs *m, const char **step)
{
	char path[4096];
	struct stat st;
	uint32_t idx;
	uint64_t v;
	off_t scale = 1;
	ssize_t r;
	int fd, saved;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%u/msr", dir, cpu);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENXIO || errno == EIO)
			return 1;
		*step = "open";
		return -1;
	}
	/* A regular file is a saved MSR image: each MSR at byte offset 8 * index. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		scale = (off_t)sizeof(v);
	for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
		r = pread(fd, &v, sizeof(v), (off_t)idx * scale);
		if (r == (ssize_t)sizeof(v))
			vmx_msr_set(m, idx, v);
		else if ((r == -1 && errno == EIO) || r == 0)
			continue;	/* #GP on this CPU (or a hole in a fake tree): absent */
		else {
			saved = r == -1 ? errno : EIO;
			close(fd);
			errno = saved;
			*step = "read";
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* Record how cpu's MSRs m differ from the reference ref. */
static void
hwmsr_diff(struct profile *p, uint32_t cpu, const struct vmx_msrs *ref, const struct vmx_msrs *m)
{
	struct profile_hw_cpu d;
	uint32_t idx;

	memset(&d, 0, sizeof(d));
	d.cpu = cpu;
	for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
		if (vmx_msr_has(m, idx)) {
			if (!vmx_msr_has(ref, idx) || vmx_msr_get(ref, idx) != vmx_msr_get(m, idx))
				vmx_msr_set(&d.msrs, idx, vmx_msr_get(m, idx));
		} else if (vmx_msr_has(ref, idx))
			d.absent |= 1u << (idx - VMX_MSR_FIRST);
	}
	if (d.msrs.present == 0 && d.absent == 0)
		return;
	profile_add_hw_cpu(p, &d);
}

/* "CPU 4: 0x48b; CPU 5: 0x48b, 0x491 absent" into buf, "..." when it does not fit. */
static void
hwmsr_finding(const struct profile *p, char *buf, size_t bufsize)
{
	const struct profile_hw_cpu *d;
	size_t i, len = 0;
	uint32_t idx, bit;
	int n;

	buf[0] = '\0';
	for (i = 0; i < p->n_hw_diff; i++) {
		d = &p->hw_diff[i];
		n = snprintf(buf + len, bufsize - len, "%sCPU %u:", i > 0 ? "; " : "", d->cpu);
		for (idx = VMX_MSR_FIRST; n >= 0 && (size_t)n < bufsize - len && idx <= VMX_MSR_LAST; idx++) {
			bit = 1u << (idx - VMX_MSR_FIRST);
			if (d->msrs.present & bit)
				n += snprintf(buf + len + n, bufsize - len - n, " 0x%x", idx);
			else if (d->absent & bit)
				n += snprintf(buf + len + n, bufsize - len - n, " 0x%x absent", idx);
		}
		if (n < 0 || (size_t)n >= bufsize - len) {
			if (bufsize > 4)
				memcpy(buf + bufsize - 4, "...", 4);
			return;
		}
		len += (size_t)n;
	}
}

int
hwmsr_collect(const char *dir, struct profile *p)
{
	struct vmx_msrs ref, m;
	uint32_t *cpus = NULL;
	size_t ncpus = 0, i, offline = 0, read = 0;
	const char *step = NULL;
	char finding[200] = "";
	int r, have_ref = 0, ret = -1;

	if (dir == NULL)
		dir = HWMSR_DEFAULT_DIR;
	if ((cpus = hwmsr_cpus(dir, &ncpus)) == NULL) {
		profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s: %s: no per-CPU device nodes "
		    "(the msr module is not loaded, or this is not Linux on x86)", dir, strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < ncpus; i++) {
		r = hwmsr_read_cpu(dir, cpus[i], have_ref ? &m : &ref, &step);
		if (r == 1) {
			offline++;
			continue;
		}
		if (r == -1) {
			if (errno == ENOENT)
				profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s/%u/msr: %s: the msr module "
				    "is not loaded (modprobe msr)", dir, cpus[i], strerror(errno));
			else if (errno == EPERM || errno == EACCES)
				profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s/%u/msr: %s: reading MSRs "
				    "needs CAP_SYS_RAWIO (run as root)", dir, cpus[i], strerror(errno));
			else
				profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s/%u/msr: %s: %s", dir,
				    cpus[i], step, strerror(errno));
			goto cleanup;
		}
		read++;
		if (!have_ref) {
			have_ref = 1;
			p->hw_cpu = cpus[i];
			continue;
		}
		hwmsr_diff(p, cpus[i], &ref, &m);
	}
	if (!have_ref) {
		profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s: no online CPU could be read", dir);
		goto cleanup;
	}
	if (ref.present == 0) {
		profile_layer_set(&p->hw, LAYER_UNAVAILABLE, "%s/%u/msr: no VMX capability MSR is "
		    "readable (not a VMX CPU)", dir, p->hw_cpu);
		goto cleanup;
	}
	p->hw_msrs = ref;
	p->hw_ncpus = (uint32_t)read;
	if (p->n_hw_diff == 0)
		profile_layer_set(&p->hw, LAYER_MEASURED, "%s/N/msr: %zu online CPUs%s, identical VMX MSRs",
		    dir, read, offline > 0 ? " (some offline)" : "");
	else {
		hwmsr_finding(p, finding, sizeof(finding));
		profile_layer_set(&p->hw, LAYER_MEASURED, "%s/N/msr: %zu online CPUs; per-CPU "
		    "differences from CPU %u: %s", dir, read, p->hw_cpu, finding);
		log_warnx("hardware VMX MSRs differ between CPUs (hybrid part?): %s", finding);
	}
	ret = 0;
cleanup:
	free(cpus);
	return ret;
}
