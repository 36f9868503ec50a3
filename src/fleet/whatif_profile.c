/*
 * whatif_profile.c - one host's profile under another kernel
 * (whatif_profile, whatif.h): the hardware VMX MSRs it records, judged
 * through the KVM model of the new release, with the asked kvm_intel
 * parameters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmnested.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "whatif.h"

const char *
whatif_param_split(const char *assign, char *name, size_t namesize)
{
	const char *eq = strchr(assign, '=');
	size_t n;

	if (strncmp(assign, "kvm_intel.", 10) == 0)
		assign += 10;
	if (eq == NULL || eq < assign)
		return NULL;
	n = (size_t)(eq - assign);
	if (n >= namesize)
		return NULL;
	memcpy(name, assign, n);
	name[n] = '\0';
	return eq + 1;
}

/* 1, 0 for the boolean spellings, -1 otherwise. */
static int
whatif_bool(const char *v)
{
	if (strcmp(v, "Y") == 0 || strcmp(v, "y") == 0 || strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "N") == 0 || strcmp(v, "n") == 0 || strcmp(v, "0") == 0)
		return 0;
	return -1;
}

/* Nonzero when every parameter of params has that value in p already. */
static int
whatif_params_same(const struct profile *p, const char *const *params, size_t n)
{
	const char *v, *cur;
	char name[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v = whatif_param_split(params[i], name, sizeof(name))) == NULL)
			return 0;
		if ((cur = profile_param_get(p, "kvm_intel", name)) == NULL)
			return 0;
		if (strcmp(cur, v) != 0 && (whatif_bool(cur) < 0 || whatif_bool(cur) != whatif_bool(v)))
			return 0;
	}
	return 1;
}

static struct profile *
whatif_copy(const struct profile *p)
{
	struct profile *q = profile_new();
	char err[256], *s = profile_to_string(p, 0);

	if (profile_parse(s, strlen(s), q, err, sizeof(err)) == -1) {
		/* A profile's own JSON form always parses again. */
		log_warnx("what-if: copy of %s: %s", p->hash, err);
		profile_free(q);
		q = NULL;
	}
	free(s);
	return q;
}

/* Drop what belonged to the old kernel: the eVMCS views and the per-vCPU values. */
static void
whatif_drop_kernel_layers(struct profile *q)
{
	free(q->evmcs_measured.mismatch);
	free(q->evmcs_emulated.mismatch);
	memset(&q->evmcs_measured, 0, sizeof(q->evmcs_measured));
	memset(&q->evmcs_emulated, 0, sizeof(q->evmcs_emulated));
	q->evmcs_measured.pv_bit_honoured = PROFILE_UNKNOWN;
	q->evmcs_emulated.pv_bit_honoured = PROFILE_UNKNOWN;
	memset(&q->vmx_vcpu, 0, sizeof(q->vmx_vcpu));
	memset(&q->vmx_vcpu_msrs, 0, sizeof(q->vmx_vcpu_msrs));
}

enum whatif_outcome
whatif_profile(const struct profile *p, const char *kernel, const char *const *params, size_t n_params,
    struct profile **out, char *why, size_t whysize)
{
	const struct vmx_msrs *hw = NULL;
	const char *from, *v;
	struct profile *q;
	char name[64], err[256];
	uint32_t differ;
	size_t i;
	int same = whatif_params_same(p, params, n_params);

	*out = NULL;
	why[0] = '\0';
	if (kernel == NULL)
		kernel = p->kernel;
	if (strcmp(p->kernel, kernel) == 0 && same)
		return WHATIF_UNCHANGED;
	if (kvmnested_covers(kernel, err, sizeof(err)) == -1) {
		snprintf(why, whysize, "its kernel %s: %s", kernel[0] != '\0' ? kernel : "is not recorded", err);
		return WHATIF_UNKNOWN;
	}
	if (profile_vmx_source(p) == PROFILE_VMX_SRC_HARDWARE && profile_layer_ok(&p->vmx))
		hw = &p->vmx_raw;
	else if (profile_layer_ok(&p->hw))
		hw = &p->hw_msrs;
	if (hw == NULL) {
		if (!profile_layer_ok(&p->vmx)) {
			snprintf(why, whysize, "no VMX layer (%s): the kernel model covers Intel VMX only",
			    p->vmx.reason[0] != '\0' ? p->vmx.reason : profile_status_name(p->vmx.status));
			return WHATIF_UNKNOWN;
		}
		from = profile_vmx_source(p) == PROFILE_VMX_SRC_EMULATED ? p->vmx_kernel : p->kernel;
		if (from[0] == '\0') {
			snprintf(why, whysize, "its VMX values are what KVM reported, its profile records no "
			    "kernel and it has no hardware values (hw_msrs): they cannot be mapped back");
			return WHATIF_UNKNOWN;
		}
		if (kvmnested_rows_differ(from, kernel, &differ, err, sizeof(err)) == -1) {
			snprintf(why, whysize, "its VMX values are what KVM %s reported and it has no hardware "
			    "values (hw_msrs): %s", from, err);
			return WHATIF_UNKNOWN;
		}
		if (differ != 0) {
			snprintf(why, whysize, "its VMX values are what KVM %s reported and it has no hardware "
			    "values (hw_msrs); the KVM model's rows for %s and %s differ (MSR mask 0x%x, bit i = "
			    "0x480+i): they cannot be mapped back exactly", from, from, kernel, differ);
			return WHATIF_UNKNOWN;
		}
		if (!same) {
			snprintf(why, whysize, "its VMX values are what KVM %s reported with its own kvm_intel "
			    "parameters and it has no hardware values (hw_msrs): other parameters cannot be "
			    "mapped back exactly", from);
			return WHATIF_UNKNOWN;
		}
	}
	if ((q = whatif_copy(p)) == NULL) {
		snprintf(why, whysize, "its profile cannot be copied");
		return WHATIF_UNKNOWN;
	}
	util_strlcpy(q->kernel, kernel, sizeof(q->kernel));
	if (hw != NULL) {
		q->vmx_raw = *hw;
		q->vmx_source = PROFILE_VMX_SRC_HARDWARE;
		q->vmx_kernel[0] = '\0';
		profile_layer_set(&q->vmx, LAYER_MEASURED, "the hardware VMX MSRs (%s), as KVM %s reports them",
		    hw == &p->vmx_raw ? "its VMX layer" : "its hw_msrs layer", kernel);
	} else if (q->vmx_source == PROFILE_VMX_SRC_EMULATED) {
		/* The same values under a release whose rows are the same. */
		util_strlcpy(q->vmx_kernel, kernel, sizeof(q->vmx_kernel));
	}
	if (n_params > 0 && q->params.status == LAYER_ABSENT)
		profile_layer_set(&q->params, LAYER_MEASURED, "as asked");
	for (i = 0; i < n_params; i++)
		if ((v = whatif_param_split(params[i], name, sizeof(name))) != NULL)
			profile_set_param(q, "kvm_intel", name, v);
	whatif_drop_kernel_layers(q);
	profile_update_hash(q);
	*out = q;
	return WHATIF_CHANGED;
}

