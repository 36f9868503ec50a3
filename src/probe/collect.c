/*
 * collect.c - collect this host's profile from /dev/kvm, sysfs and procfs.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "evmcsview.h"
#include "guestprobe.h"
#include "guestrun.h"
#include "hwmsr.h"
#include "kvmdev.h"
#ifdef HAVE_LIBVIRT
#include "lv.h"
#endif
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define COLLECT_MAX_CAP		512
#define CAP_TSC_CONTROL		60
#define CAP_GET_TSC_KHZ		61
#define CAP_GET_MSR_FEATURES	153
#define CAP_HYPERV_CPUID	167
#define CAP_SYS_HYPERV_CPUID	191
#define CAP_VM_TSC_CONTROL	214

static const char *
collect_path(const char *v, const char *def)
{
	return v != NULL ? v : def;
}

static void
collect_trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static void
collect_cpuinfo(const char *path, struct profile *p)
{
	char line[512], *colon, *val;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		log_warn("%s", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '\n')
			break;		/* first processor only */
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ')
			val++;
		collect_trim(line);
		collect_trim(val);
		if (strcmp(line, "vendor_id") == 0)
			util_strlcpy(p->cpu.vendor, val, sizeof(p->cpu.vendor));
		else if (strcmp(line, "model name") == 0)
			util_strlcpy(p->cpu.model_name, val, sizeof(p->cpu.model_name));
		else if (strcmp(line, "cpu family") == 0)
			p->cpu.family = atoi(val);
		else if (strcmp(line, "model") == 0)
			p->cpu.model = atoi(val);
		else if (strcmp(line, "stepping") == 0)
			p->cpu.stepping = atoi(val);
		else if (strcmp(line, "microcode") == 0) {
			uint64_t mc;

			if (util_parse_u64(val, UINT64_MAX, &mc) == 0) {
				p->cpu.microcode = mc;
				p->cpu.has_microcode = 1;
			}
		}
	}
	fclose(f);
}

void
collect_identity(const struct collect_opts *o, struct profile *p)
{
	struct utsname u;
	char *id;

	if (o->host_id != NULL)
		util_strlcpy(p->host_id, o->host_id, sizeof(p->host_id));
	else if ((id = util_read_file(collect_path(o->machine_id_path, "/etc/machine-id"), 4096, NULL)) != NULL) {
		collect_trim(id);
		util_strlcpy(p->host_id, id, sizeof(p->host_id));
		free(id);
	}
	if (gethostname(p->hostname, sizeof(p->hostname)) == -1)
		p->hostname[0] = '\0';
	p->hostname[sizeof(p->hostname) - 1] = '\0';
	if (p->host_id[0] == '\0')
		util_strlcpy(p->host_id, p->hostname, sizeof(p->host_id));
	p->collected_at = (int64_t)time(NULL);
	if (uname(&u) == 0)
		util_strlcpy(p->kernel, u.release, sizeof(p->kernel));
	collect_cpuinfo(collect_path(o->cpuinfo_path, "/proc/cpuinfo"), p);
}

static int
collect_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of a directory (caller frees), or NULL. */
static char **
collect_listdir(const char *path, size_t *n)
{
	struct dirent *de;
	char **names = NULL;
	DIR *d;

	*n = 0;
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), collect_namecmp);
	return names;
}

static void
collect_freenames(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void
collect_params(const struct collect_opts *o, struct profile *p)
{
	const char *root = collect_path(o->sysfs_module_dir, "/sys/module");
	char **mods, **params, path[4096], *val;
	size_t nmods, nparams, i, j, found = 0;

	if ((mods = collect_listdir(root, &nmods)) == NULL) {
		profile_layer_set(&p->params, LAYER_UNAVAILABLE, "%s: %s", root, strerror(errno));
		return;
	}
	for (i = 0; i < nmods; i++) {
		if (strcmp(mods[i], "kvm") != 0 && strncmp(mods[i], "kvm_", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/parameters", root, mods[i]);
		if ((params = collect_listdir(path, &nparams)) == NULL)
			continue;
		found++;
		for (j = 0; j < nparams; j++) {
			snprintf(path, sizeof(path), "%s/%s/parameters/%s", root, mods[i], params[j]);
			if ((val = util_read_file(path, 4096, NULL)) == NULL)
				continue;	/* write-only or root-only parameter */
			collect_trim(val);
			profile_add_param(p, mods[i], params[j], val);
			free(val);
		}
		collect_freenames(params, nparams);
	}
	collect_freenames(mods, nmods);
	if (found == 0)
		profile_layer_set(&p->params, LAYER_UNAVAILABLE, "no kvm module in %s", root);
	else
		profile_layer_set(&p->params, LAYER_MEASURED, NULL);
}

static int
collect_module_loaded(const struct collect_opts *o, const char *mod)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", collect_path(o->sysfs_module_dir, "/sys/module"), mod);
	return access(path, F_OK) == 0;
}

/* Which KVM vendor module is loaded: "kvm_intel", "kvm_amd", another kvm_*, or NULL. */
static const char *
collect_vendor_module(const struct collect_opts *o, struct profile *p)
{
	size_t i;

	if (collect_module_loaded(o, "kvm_intel"))
		return "kvm_intel";
	if (collect_module_loaded(o, "kvm_amd"))
		return "kvm_amd";
	for (i = 0; i < p->n_param; i++)
		if (strncmp(p->param[i].module, "kvm_", 4) == 0)
			return p->param[i].module;
	return NULL;
}

static void
collect_caps(int fd, int vmfd, struct profile *p)
{
	unsigned cap;
	int r;

	for (cap = 0; cap < COLLECT_MAX_CAP; cap++) {
		if ((r = kvmdev_check_extension(fd, cap)) > 0)
			profile_add_cap(p, 0, cap, r);
		if (vmfd >= 0 && (r = kvmdev_check_extension(vmfd, cap)) > 0)
			profile_add_cap(p, 1, cap, r);
	}
}

/*
 * KVM_GET_SUPPORTED_CPUID passes through the APIC ID of whichever CPU the
 * probe ran on (CPUID.1:EBX[31:24], the x2APIC ID in EDX of leaves 0xB and
 * 0x1F).  The VMM sets its own per vCPU, so these say nothing about the
 * host; kept, they would make every collection on another CPU a new
 * profile version.  They are recorded as 0.
 */
static void
collect_cpuid_apic_id(struct profile_cpuid *e)
{
	if (e->function == 1)
		e->ebx &= 0x00ffffffu;
	else if (e->function == 0xb || e->function == 0x1f)
		e->edx = 0;
}

static void
collect_cpuid(int fd, struct profile *p)
{
	struct profile_cpuid *ent = NULL;
	size_t n = 0, i;

	if (kvmdev_supported_cpuid(fd, 0, &ent, &n) == -1) {
		profile_layer_set(&p->cpuid, LAYER_UNAVAILABLE, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		collect_cpuid_apic_id(&ent[i]);
		profile_add_cpuid(p, 0, &ent[i]);
	}
	free(ent);
	profile_layer_set(&p->cpuid, LAYER_MEASURED, "KVM_GET_SUPPORTED_CPUID, %zu entries", n);
}

static void
collect_hv_cpuid(int fd, int vcpufd, struct profile *p)
{
	struct profile_cpuid *ent = NULL;
	size_t n = 0, i;
	int hfd;
	const char *how;

	if (profile_cap(p, CAP_SYS_HYPERV_CPUID) > 0) {
		hfd = fd;
		how = "system ioctl";
	} else if (profile_cap(p, CAP_HYPERV_CPUID) > 0 && vcpufd >= 0) {
		hfd = vcpufd;
		how = "vCPU ioctl";
	} else {
		profile_layer_set(&p->hv_cpuid, LAYER_UNAVAILABLE,
		    "KVM has no Hyper-V CPUID support (capabilities 167 and 191 absent)");
		return;
	}
	if (kvmdev_supported_cpuid(hfd, 1, &ent, &n) == -1) {
		profile_layer_set(&p->hv_cpuid, LAYER_UNAVAILABLE, "KVM_GET_SUPPORTED_HV_CPUID (%s): %s",
		    how, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		profile_add_cpuid(p, 1, &ent[i]);
	free(ent);
	profile_layer_set(&p->hv_cpuid, LAYER_MEASURED, "KVM_GET_SUPPORTED_HV_CPUID (%s)", how);
}

static void
collect_feature_msrs(int fd, struct profile *p)
{
	uint32_t *idx = NULL;
	size_t n = 0, i, got = 0;
	uint64_t v;

	if (profile_cap(p, CAP_GET_MSR_FEATURES) <= 0) {
		profile_layer_set(&p->feature_msrs, LAYER_UNAVAILABLE,
		    "KVM lacks KVM_CAP_GET_MSR_FEATURES (153): kernel older than 4.17");
		return;
	}
	if (kvmdev_feature_msr_list(fd, &idx, &n) == -1) {
		profile_layer_set(&p->feature_msrs, LAYER_UNAVAILABLE, "KVM_GET_MSR_FEATURE_INDEX_LIST: %s",
		    strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (kvmdev_get_msr(fd, idx[i], &v) == -1)
			continue;	/* listed but not readable: e.g. VMX MSRs with nested=0 */
		profile_add_msr(p, idx[i], v);
		got++;
		if (vmx_msr_valid(idx[i]))
			vmx_msr_set(&p->vmx_raw, idx[i], v);
	}
	free(idx);
	profile_layer_set(&p->feature_msrs, LAYER_MEASURED, "%zu of %zu listed feature MSRs read", got, n);
}

/* Nonzero if the supported CPUID has VMX (CPUID.1:ECX[5]). */
static int
collect_has_vmx(const struct profile *p)
{
	const struct profile_cpuid *e = profile_cpuid_find(p, 0, 1, 0);

	return e != NULL && (e->ecx & (1u << 5)) != 0;
}

/* Explain why there is no VMX layer on this host. */
static void
collect_vmx_unavailable(const struct collect_opts *o, struct profile *p, const char *why)
{
	const char *mod = collect_vendor_module(o, p);
	const char *nested = profile_param_get(p, "kvm_intel", "nested");

	if (strcmp(p->cpu.vendor, "AuthenticAMD") == 0 || strcmp(p->cpu.vendor, "HygonGenuine") == 0)
		profile_layer_set(&p->vmx, LAYER_UNAVAILABLE,
		    "%s; this is an AMD host (nested SVM is described by CPUID 0x8000000A), KVM module %s",
		    why, mod != NULL ? mod : "unknown");
	else if (mod == NULL || strcmp(mod, "kvm_intel") != 0)
		profile_layer_set(&p->vmx, LAYER_UNAVAILABLE, "%s; kvm_intel is not loaded (KVM module: %s)",
		    why, mod != NULL ? mod : "none found");
	else if (nested != NULL && (nested[0] == 'N' || nested[0] == '0'))
		profile_layer_set(&p->vmx, LAYER_UNAVAILABLE, "%s; nested virtualization is off (kvm_intel nested=%s)",
		    why, nested);
	else
		profile_layer_set(&p->vmx, LAYER_UNAVAILABLE, "%s", why);
}

static void
collect_vmx(const struct collect_opts *o, int vcpufd, struct profile *p)
{
	uint32_t idx;
	uint64_t v;
	size_t got = 0;

	if (!profile_layer_ok(&p->cpuid)) {
		collect_vmx_unavailable(o, p, "supported CPUID could not be read");
		return;
	}
	if (!collect_has_vmx(p)) {
		collect_vmx_unavailable(o, p, "no VMX in KVM_GET_SUPPORTED_CPUID (CPUID.1:ECX[5] clear)");
		return;
	}
	if (!vmx_msr_has(&p->vmx_raw, MSR_VMX_BASIC)) {
		collect_vmx_unavailable(o, p, "VMX is in supported CPUID but KVM reports no VMX feature MSRs");
		return;
	}
	profile_layer_set(&p->vmx, LAYER_MEASURED, "system KVM_GET_MSRS (feature MSRs)");
	p->vmx_source = PROFILE_VMX_SRC_KVM;

	/* Per-vCPU host-initiated values after KVM_SET_CPUID2 with the supported CPUID. */
	if (vcpufd < 0) {
		profile_layer_set(&p->vmx_vcpu, LAYER_UNAVAILABLE, "no vCPU could be created");
		return;
	}
	if (kvmdev_set_cpuid(vcpufd, p->cpuid_ent, p->n_cpuid) == -1) {
		profile_layer_set(&p->vmx_vcpu, LAYER_UNAVAILABLE, "KVM_SET_CPUID2: %s", strerror(errno));
		return;
	}
	for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
		if (kvmdev_get_msr(vcpufd, idx, &v) == -1)
			continue;
		vmx_msr_set(&p->vmx_vcpu_msrs, idx, v);
		got++;
	}
	if (got == 0)
		profile_layer_set(&p->vmx_vcpu, LAYER_UNAVAILABLE, "vCPU KVM_GET_MSRS returned no VMX MSR");
	else
		profile_layer_set(&p->vmx_vcpu, LAYER_MEASURED, "vCPU KVM_GET_MSRS after KVM_SET_CPUID2");
}

static void
collect_tsc(int vmfd, int vcpufd, struct profile *p)
{
	int khz = -1;

	p->tsc_scaling = profile_cap(p, CAP_TSC_CONTROL) > 0 || profile_cap(p, CAP_VM_TSC_CONTROL) > 0;
	if (profile_cap(p, CAP_GET_TSC_KHZ) > 0) {
		if (vmfd >= 0 && profile_cap(p, CAP_VM_TSC_CONTROL) > 0)
			khz = kvmdev_tsc_khz(vmfd);
		if (khz <= 0 && vcpufd >= 0)
			khz = kvmdev_tsc_khz(vcpufd);
	}
	if (khz > 0) {
		p->tsc_khz = (uint32_t)khz;
		profile_layer_set(&p->tsc, LAYER_MEASURED, "KVM_GET_TSC_KHZ");
	} else if (profile_cap(p, CAP_GET_TSC_KHZ) <= 0) {
		profile_layer_set(&p->tsc, LAYER_UNAVAILABLE, "KVM lacks KVM_CAP_GET_TSC_KHZ (61)");
	} else {
		profile_layer_set(&p->tsc, LAYER_UNAVAILABLE, "KVM_GET_TSC_KHZ: %s",
		    vcpufd < 0 ? "no vCPU could be created" : strerror(errno));
	}
}

void
collect_libvirt(const struct collect_opts *o, struct profile *p)
{
	if (o->no_libvirt)
		return;
#ifdef HAVE_LIBVIRT
	if (lv_collect(o->libvirt_uri, p) == -1)
		log_debug("libvirt layer unavailable: %s", p->libvirt.reason);
#else
	profile_layer_set(&p->libvirt, LAYER_UNAVAILABLE, "migcompat was built without libvirt");
#endif
}

int
collect_host(const struct collect_opts *o, struct profile *p, char *err, size_t errsize)
{
	const char *kvm_path = collect_path(o->kvm_path, "/dev/kvm");
	int fd = -1, vmfd = -1, vcpufd = -1, ret = -1;
	char vmwhy[128] = "";

	collect_identity(o, p);
	collect_params(o, p);
	hwmsr_collect(o->msr_dir, p);

	if ((fd = kvmdev_open(kvm_path)) == -1) {
		if (errno == ENOENT)
			snprintf(err, errsize, "%s: %s: the kvm module is not loaded or this is not a KVM host",
			    kvm_path, strerror(errno));
		else if (errno == EACCES || errno == EPERM)
			snprintf(err, errsize, "%s: %s: run as root or as a member of the group owning it (usually kvm)",
			    kvm_path, strerror(errno));
		else
			snprintf(err, errsize, "%s: %s", kvm_path, strerror(errno));
		goto cleanup;
	}
	if ((p->api_version = kvmdev_api_version(fd)) < 0) {
		snprintf(err, errsize, "%s: KVM_GET_API_VERSION: %s: not a KVM device", kvm_path, strerror(errno));
		goto cleanup;
	}
	if ((vmfd = kvmdev_create_vm(fd)) == -1)
		snprintf(vmwhy, sizeof(vmwhy), "KVM_CREATE_VM: %s", strerror(errno));
	else if ((vcpufd = kvmdev_create_vcpu(vmfd)) == -1)
		log_debug("KVM_CREATE_VCPU: %s", strerror(errno));

	collect_caps(fd, vmfd, p);
	if (vmfd >= 0)
		profile_layer_set(&p->kvm, LAYER_MEASURED, "API version %d; %zu system and %zu VM capabilities",
		    p->api_version, p->n_caps_sys, p->n_caps_vm);
	else
		profile_layer_set(&p->kvm, LAYER_MEASURED, "API version %d; system capabilities only (%s)",
		    p->api_version, vmwhy);
	collect_cpuid(fd, p);
	collect_hv_cpuid(fd, vcpufd, p);
	collect_feature_msrs(fd, p);
	collect_vmx(o, vcpufd, p);
	collect_tsc(vmfd, vcpufd, p);
	collect_libvirt(o, p);
	if (o->no_guest)
		guestprobe_skip(p, "probe guest not run (--no-guest)");
	else
		guestprobe_collect(fd, o->guest_timeout_ms > 0 ? o->guest_timeout_ms :
		    GUESTRUN_DEFAULT_TIMEOUT_MS, p);
	evmcsview_emulate(p);
	evmcsview_crosscheck(p);
	ret = 0;
cleanup:
	if (vcpufd >= 0)
		close(vcpufd);
	if (vmfd >= 0)
		close(vmfd);
	if (fd >= 0)
		close(fd);
	if (ret == 0 && profile_update_hash(p) == -1) {
		snprintf(err, errsize, "cannot compute the profile hash");
		ret = -1;
	}
	return ret;
}
