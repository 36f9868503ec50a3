/*
 * synth.c - synthetic full host profiles from the fixture dumps.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmcs.h"
#include "profile.h"
#include "synth.h"
#include "util.h"
#include "xmalloc.h"

const char *const synth_kernels[] = {
	"5.15.0-91-generic",	/* eVMCS filter before the v6.1 PV bit */
	"6.1.0-13-amd64",	/* PV bit honoured */
	"6.8.0-45-generic",	/* the inverted "supported" masks */
	"5.4.0-150-generic",
};
const size_t synth_nkernels = sizeof(synth_kernels) / sizeof(synth_kernels[0]);

/* A Skylake-server-like CPUID template: leaf, subleaf, eax, ebx, ecx, edx. */
static const struct profile_cpuid synth_cpuid[] = {
	{ 0x0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 0x1, 0, 0, 0x50654, 0x00000800, 0xfffab223, 0x0f8bfbff },
	{ 0x7, 0, 1, 0, 0xd19f4fbb, 0x0000000c, 0xbc000400 },
	{ 0xd, 1, 1, 0xf, 0, 0, 0 },
	{ 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d },
	{ 0x40000001, 0, 0, 0x01007afb, 0, 0, 0 },
	{ 0x80000001, 0, 0, 0, 0, 0x00000121, 0x2c100800 },
	{ 0x80000007, 0, 0, 0, 0, 0, 0x00000100 },
	{ 0x80000008, 0, 0, 0x3030, 0x00000200, 0, 0 },
};

/* KVM capabilities (id, value) every synthetic kernel reports. */
static const struct profile_cap synth_caps[] = {
	{ 1, 1 }, { 73, 1 }, { 96, 1 }, { 123, 1 }, { 135, 1 }, { 155, 1 }, { 157, 0x5080 },
	{ 161, 1 }, { 163, 1 }, { 164, 1 }, { 175, 1 }, { 199, 1 },
};

static int
synth_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
synth_load_dir(const char *dir, struct profile ***out, int *n)
{
	char **names = NULL, *path, err[512];
	struct dirent *de;
	size_t nn = 0, i, len;
	int k, dup;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || de->d_name[0] == '_' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		names = xreallocarray(names, nn + 1, sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(*names), synth_namecmp);
	for (i = 0; i < nn; i++) {
		struct profile *p = profile_new();

		path = xasprintf("%s/%s", dir, names[i]);
		if (profile_load_file(path, p, err, sizeof(err)) == -1 || !profile_layer_ok(&p->vmx)) {
			profile_free(p);
			free(path);
			continue;
		}
		free(path);
		for (k = 0, dup = 0; k < *n && !dup; k++)
			dup = memcmp(&(*out)[k]->vmx_raw, &p->vmx_raw, sizeof(p->vmx_raw)) == 0;
		if (dup) {
			profile_free(p);
			continue;
		}
		*out = xreallocarray(*out, (size_t)*n + 1, sizeof(**out));
		(*out)[(*n)++] = p;
	}
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return 0;
}

int
synth_load_dumps(const char *dir, struct profile ***out)
{
	char *sub;
	int n = 0;

	*out = NULL;
	sub = xasprintf("%s/instlatx64", dir);
	if (synth_load_dir(sub, out, &n) == -1) {
		free(sub);
		return -1;
	}
	free(sub);
	sub = xasprintf("%s/vbox", dir);
	synth_load_dir(sub, out, &n);
	free(sub);
	return n;
}

void
synth_free_dumps(struct profile **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		profile_free(v[i]);
	free(v);
}

void
synth_build(struct profile *p, const struct profile *dump, const char *kernel, int variant)
{
	struct profile_cpuid e;
	size_t i;
	int pv;

	profile_clear(p);
	util_strlcpy(p->kernel, kernel, sizeof(p->kernel));
	util_strlcpy(p->cpu.vendor, "GenuineIntel", sizeof(p->cpu.vendor));
	util_strlcpy(p->cpu.model_name, dump->cpu.model_name, sizeof(p->cpu.model_name));
	p->cpu.family = dump->cpu.family;
	p->cpu.model = dump->cpu.model;
	p->cpu.stepping = dump->cpu.stepping;

	profile_layer_set(&p->kvm, LAYER_MEASURED, "synthetic");
	p->api_version = 12;
	for (i = 0; i < sizeof(synth_caps) / sizeof(synth_caps[0]); i++) {
		if (variant == 1 && synth_caps[i].id == 199)
			continue;
		profile_add_cap(p, 0, synth_caps[i].id, synth_caps[i].value);
	}

	profile_layer_set(&p->cpuid, LAYER_MEASURED, "synthetic");
	for (i = 0; i < sizeof(synth_cpuid) / sizeof(synth_cpuid[0]); i++) {
		e = synth_cpuid[i];
		if (variant == 1 && e.function == 7) {
			/* TSX (hle 4, rtm 11) and AVX-512 (16, 17, 28, 30, 31) off. */
			e.ebx &= ~(1u << 4 | 1u << 11 | 1u << 16 | 1u << 17 | 1u << 28 | 1u << 30 | 1u << 31);
		}
		profile_add_cpuid(p, 0, &e);
	}

	p->vmx_raw = dump->vmx_raw;
	profile_layer_set(&p->vmx, LAYER_MEASURED, "synthetic: MSR dump of %s", dump->cpu.model_name);

	profile_layer_set(&p->tsc, LAYER_MEASURED, "synthetic");
	p->tsc_khz = 2100000 + (uint32_t)(dump->vmx_raw.val[0] % 5) * 100000;
	p->tsc_scaling = variant != 2 &&
	    (vmx_msr_get(&dump->vmx_raw, MSR_VMX_PROCBASED2) >> (32 + 25) & 1);

	for (pv = 0; pv < 2; pv++) {
		enum evmcs_view vw = pv ? EVMCS_VIEW_EVMCS_PV : EVMCS_VIEW_EVMCS;

		if (evmcs_emulate(&p->vmx_raw, kernel, pv, &p->evmcs_emulated.view[vw],
		    p->evmcs_emulated.rules, sizeof(p->evmcs_emulated.rules)) == 0)
			p->evmcs_emulated.views_present |= 1u << vw;
	}
	if (p->evmcs_emulated.views_present != 0) {
		p->evmcs_emulated.view[EVMCS_VIEW_PLAIN] = p->vmx_raw;
		p->evmcs_emulated.views_present |= 1u << EVMCS_VIEW_PLAIN;
		p->evmcs_emulated.pv_bit_honoured = evmcs_kernel_honours_pv_bit(kernel) == 1 ?
		    PROFILE_YES : PROFILE_NO;
		profile_layer_set(&p->evmcs_emulated.layer, LAYER_EMULATED, "synthetic: kernel %s",
		    kernel);
	}
	profile_layer_set(&p->params, LAYER_MEASURED, "synthetic");
	profile_add_param(p, "kvm_intel", "nested", "Y");
	profile_update_hash(p);
}
