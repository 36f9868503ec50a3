/*
 * guestprobe.c - the probe guest's plain, eVMCS and eVMCS+PV runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmcsview.h"
#include "guestprobe.h"
#include "guestrun.h"
#include "hvcpuid.h"
#include "log.h"
#include "xmalloc.h"

#define GUESTPROBE_CAP_HYPERV_ENLIGHTENED_VMCS	163
#define GUESTPROBE_CAP_HYPERV_CPUID		167
#define GUESTPROBE_CAP_SYS_HYPERV_CPUID		191

/* The guest's view of the VMX MSRs from one run's records. */
static void
guestprobe_view(const struct guestrun_result *r, struct vmx_msrs *m, size_t *absent)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	*absent = 0;
	for (i = 0; i < r->n; i++) {
		if (!vmx_msr_valid(r->msr[i].index))
			continue;
		if (r->msr[i].present)
			vmx_msr_set(m, r->msr[i].index, r->msr[i].value);
		else
			(*absent)++;
	}
}

/* One run: mode 0 plain, 1 eVMCS, 2 eVMCS with the PV bit. */
static void
guestprobe_run(int kvmfd, unsigned timeout_ms, const struct profile *p, int mode,
    struct guestrun_result *r)
{
	uint32_t msrs[VMX_MSR_NUM];
	struct guestrun_spec s;
	struct profile_cpuid *cpuid;
	size_t n, i;

	for (i = 0; i < VMX_MSR_NUM; i++)
		msrs[i] = VMX_MSR_FIRST + (uint32_t)i;
	cpuid = hvcpuid_guest_cpuid(p->cpuid_ent, p->n_cpuid, mode != 0, HVCPUID_DEFAULT_EVMCS_VERSION,
	    mode == 2 ? HVCPUID_OPT_PV_BIT : 0, &n);
	memset(&s, 0, sizeof(s));
	s.kvmfd = kvmfd;
	s.cpuid = cpuid;
	s.ncpuid = n;
	s.enable_evmcs = mode != 0;
	s.msrs = msrs;
	s.nmsrs = VMX_MSR_NUM;
	s.timeout_ms = timeout_ms;
	guestrun_guest(&s, r);
	free(cpuid);
	log_debug("probe guest run %d: %s after %.3f s%s%s", mode + 1,
	    r->status == GUESTRUN_OK ? "ok" : r->status == GUESTRUN_TIMEOUT ? "timeout" : "failed",
	    r->elapsed_ns / 1e9, r->status == GUESTRUN_OK ? "" : ": ", r->reason);
}

void
guestprobe_skip(struct profile *p, const char *why)
{
	profile_layer_set(&p->guest, LAYER_UNAVAILABLE, "%s", why);
	profile_layer_set(&p->evmcs_measured.layer, LAYER_UNAVAILABLE, "%s", why);
}

void
guestprobe_collect(int kvmfd, unsigned timeout_ms, struct profile *p)
{
	struct profile_evmcs *e = &p->evmcs_measured;
	struct guestrun_result *r;
	const struct profile_cpuid *leaf1;
	size_t absent;

	if (!profile_layer_ok(&p->cpuid)) {
		guestprobe_skip(p, "supported CPUID could not be read: no guest CPUID to set");
		return;
	}
	r = xcalloc(1, sizeof(*r));

	/* (1) No Hyper-V: can this KVM run a guest at all, and the unfiltered view. */
	guestprobe_run(kvmfd, timeout_ms, p, 0, r);
	if (r->status != GUESTRUN_OK) {
		profile_layer_set(&p->guest, LAYER_UNAVAILABLE, "%s", r->reason);
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "the plain probe guest did not run: %s",
		    r->reason);
		goto cleanup;
	}
	guestprobe_view(r, &e->view[EVMCS_VIEW_PLAIN], &absent);
	/* No duration here: the reason is part of the content hash. */
	profile_layer_set(&p->guest, LAYER_MEASURED, "probe guest ran: %zu VMX MSRs read, %zu absent",
	    VMX_MSR_NUM - absent, absent);

	leaf1 = profile_cpuid_find(p, 0, 1, 0);
	if (leaf1 == NULL || !(leaf1->ecx & (1u << 5))) {
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "no VMX in KVM_GET_SUPPORTED_CPUID: "
		    "the guest has no VMX MSRs to filter");
		goto cleanup;
	}
	e->views_present = 1u << EVMCS_VIEW_PLAIN;
	if (profile_cap(p, GUESTPROBE_CAP_HYPERV_ENLIGHTENED_VMCS) <= 0) {
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "KVM lacks KVM_CAP_HYPERV_ENLIGHTENED_VMCS "
		    "(163): Hyper-V support compiled out (CONFIG_KVM_HYPERV=n) or not kvm_intel; "
		    "plain view only");
		goto cleanup;
	}
	if (profile_cap(p, GUESTPROBE_CAP_HYPERV_CPUID) <= 0 &&
	    profile_cap(p, GUESTPROBE_CAP_SYS_HYPERV_CPUID) <= 0) {
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "KVM lacks Hyper-V CPUID support "
		    "(capabilities 167 and 191 absent); plain view only");
		goto cleanup;
	}

	/* (2) Hyper-V leaves and eVMCS enabled, PV bit clear: what QEMU's hv-evmcs gives. */
	guestprobe_run(kvmfd, timeout_ms, p, 1, r);
	if (r->status != GUESTRUN_OK) {
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "eVMCS run: %s; plain view only", r->reason);
		goto cleanup;
	}
	guestprobe_view(r, &e->view[EVMCS_VIEW_EVMCS], &absent);
	e->views_present |= 1u << EVMCS_VIEW_EVMCS;
	e->version_range = r->evmcs_version;

	/* (3) The same with 0x4000000A.EBX[0]. */
	guestprobe_run(kvmfd, timeout_ms, p, 2, r);
	if (r->status != GUESTRUN_OK) {
		profile_layer_set(&e->layer, LAYER_MEASURED, "probe guest: plain and eVMCS views, eVMCS "
		    "versions 0x%04x; eVMCS+PV run: %s", e->version_range, r->reason);
		goto cleanup;
	}
	guestprobe_view(r, &e->view[EVMCS_VIEW_EVMCS_PV], &absent);
	e->views_present |= 1u << EVMCS_VIEW_EVMCS_PV;
	e->pv_bit_honoured = evmcsview_pv_honoured(&e->view[EVMCS_VIEW_PLAIN], &e->view[EVMCS_VIEW_EVMCS],
	    &e->view[EVMCS_VIEW_EVMCS_PV]);
	profile_layer_set(&e->layer, LAYER_MEASURED, "probe guest: plain, eVMCS and eVMCS+PV views; "
	    "eVMCS versions 0x%04x", e->version_range);
cleanup:
	free(r);
}
