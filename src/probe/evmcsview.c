/*
 * evmcsview.c - emulated eVMCS views and the measured/emulated cross-check.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmcs.h"
#include "evmcsview.h"
#include "log.h"

static const char *const evmcsview_names[EVMCS_VIEW_NUM] = { "plain", "evmcs", "evmcs_pv" };

void
evmcsview_emulate(struct profile *p)
{
	struct profile_evmcs *e = &p->evmcs_emulated;
	const struct vmx_msrs *base;
	const char *what;
	char row[32] = "", row_pv[32] = "";
	int honours;

	if (profile_layer_ok(&p->vmx_vcpu)) {
		base = &p->vmx_vcpu_msrs;
		what = "per-vCPU VMX MSRs";
	} else if (profile_layer_ok(&p->vmx)) {
		base = &p->vmx_raw;
		what = "system VMX feature MSRs";
	} else {
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "no raw VMX MSRs to filter (VMX layer %s)",
		    profile_status_name(p->vmx.status));
		return;
	}
	switch (evmcs_kernel_classify(p->kernel, NULL)) {
	case EVMCS_KERNEL_NONE:
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "kernel %s is older than v4.20: no eVMCS "
		    "for L1 guests", p->kernel);
		return;
	case EVMCS_KERNEL_UNKNOWN:
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "kernel \"%s\": no row of the eVMCS filter "
		    "table applies (unparseable or vendor backport release)", p->kernel);
		return;
	case EVMCS_KERNEL_ROW:
		break;
	}
	if (evmcs_emulate(base, p->kernel, 0, &e->view[EVMCS_VIEW_EVMCS], row, sizeof(row)) == -1 ||
	    evmcs_emulate(base, p->kernel, 1, &e->view[EVMCS_VIEW_EVMCS_PV], row_pv, sizeof(row_pv)) == -1) {
		memset(e->view, 0, sizeof(e->view));
		profile_layer_set(&e->layer, LAYER_UNAVAILABLE, "kernel %s: eVMCS filter emulation failed",
		    p->kernel);
		return;
	}
	e->view[EVMCS_VIEW_PLAIN] = *base;
	e->views_present = 1u << EVMCS_VIEW_PLAIN | 1u << EVMCS_VIEW_EVMCS | 1u << EVMCS_VIEW_EVMCS_PV;
	snprintf(e->rules, sizeof(e->rules), "%s", row);
	honours = evmcs_kernel_honours_pv_bit(p->kernel);
	e->pv_bit_honoured = honours > 0 ? PROFILE_YES : honours == 0 ? PROFILE_NO : PROFILE_UNKNOWN;
	profile_layer_set(&e->layer, LAYER_EMULATED, "emulated (kernel %s rules) from the %s", row, what);
}

enum profile_tristate
evmcsview_pv_honoured(const struct vmx_msrs *plain, const struct vmx_msrs *evmcs,
    const struct vmx_msrs *evmcs_pv)
{
	uint64_t mask_exit = EVMCSVIEW_EXIT_PERF_GLOBAL, mask_entry = EVMCSVIEW_ENTRY_PERF_GLOBAL;
	uint64_t hw_exit, hw_entry, off_exit, off_entry, on_exit, on_entry;

	hw_exit = vmx_msr_true_ctl(plain, MSR_VMX_TRUE_EXIT) & mask_exit;
	hw_entry = vmx_msr_true_ctl(plain, MSR_VMX_TRUE_ENTRY) & mask_entry;
	if (hw_exit == 0 && hw_entry == 0)
		return PROFILE_UNKNOWN;
	off_exit = vmx_msr_true_ctl(evmcs, MSR_VMX_TRUE_EXIT) & mask_exit;
	off_entry = vmx_msr_true_ctl(evmcs, MSR_VMX_TRUE_ENTRY) & mask_entry;
	on_exit = vmx_msr_true_ctl(evmcs_pv, MSR_VMX_TRUE_EXIT) & mask_exit;
	on_entry = vmx_msr_true_ctl(evmcs_pv, MSR_VMX_TRUE_ENTRY) & mask_entry;
	if ((on_exit & ~off_exit) != 0 || (on_entry & ~off_entry) != 0)
		return PROFILE_YES;
	return PROFILE_NO;
}

size_t
evmcsview_crosscheck(struct profile *p)
{
	struct profile_evmcs *m = &p->evmcs_measured;
	const struct profile_evmcs *e = &p->evmcs_emulated;
	const struct vmx_msrs *a, *b;
	uint32_t idx;
	int v;

	free(m->mismatch);
	m->mismatch = NULL;
	m->n_mismatch = 0;
	m->crosschecked = 0;
	/* Measured views count even when the layer is unavailable for the others. */
	if (m->views_present == 0 || !profile_layer_ok(&e->layer))
		return 0;
	for (v = 0; v < EVMCS_VIEW_NUM; v++) {
		if (!(m->views_present & e->views_present & (1u << v)))
			continue;
		m->crosschecked = 1;
		a = &m->view[v];
		b = &e->view[v];
		for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
			/*
			 * An absent MSR reports no capability, the same as 0: a
			 * KVM with ignore_msrs=1 answers 0 where others raise #GP.
			 */
			if (vmx_msr_get(a, idx) == vmx_msr_get(b, idx))
				continue;
			profile_add_evmcs_mismatch(m, (enum evmcs_view)v, idx, vmx_msr_get(a, idx),
			    vmx_msr_get(b, idx));
			log_warnx("eVMCS view %s, MSR 0x%x: measured %s0x%" PRIx64 ", emulated (kernel %s "
			    "rules) %s0x%" PRIx64 ": a backport or a kernel newer than the filter table; "
			    "the measured value counts", evmcsview_names[v], idx,
			    vmx_msr_has(a, idx) ? "" : "absent ", vmx_msr_get(a, idx), e->rules,
			    vmx_msr_has(b, idx) ? "" : "absent ", vmx_msr_get(b, idx));
		}
	}
	return m->n_mismatch;
}
