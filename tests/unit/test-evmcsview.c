/*
 * test-evmcsview.c - emulated eVMCS views from a real dump (Alder Lake)
 * for several kernels, the PV-bit verdict from measured views, and the
 * cross-check of measured against emulated with its JSON round trip.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evmcsview.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

#define ALLOWED1(m, idx)	(vmx_msr_get((m), (idx)) >> 32)

static int
load(struct profile *p, const char *kernel)
{
	const char *fx = tap_fixtures();
	char path[1024], err[512];

	snprintf(path, sizeof(path), "%s/instlatx64/GenuineIntel0090672_AlderLake_01_LC_BC_CPUID.json",
	    fx);
	profile_init(p);
	if (profile_load_file(path, p, err, sizeof(err)) == -1) {
		tap_diag("%s", err);
		return -1;
	}
	util_strlcpy(p->kernel, kernel, sizeof(p->kernel));
	return 0;
}

static void
test_emulate(void)
{
	struct profile p;
	const struct vmx_msrs *ev, *pv, *pl;

	if (load(&p, "6.1.0-13-amd64") == -1)
		exit(1);
	tap_ok(profile_layer_ok(&p.vmx), "the dump's raw VMX layer is there (%s)", p.vmx.reason);
	evmcsview_emulate(&p);
	tap_ok(p.evmcs_emulated.layer.status == LAYER_EMULATED &&
	    strncmp(p.evmcs_emulated.layer.reason, "emulated (kernel 6.1 rules)", 27) == 0,
	    "6.1: %s", p.evmcs_emulated.layer.reason);
	tap_ok(strcmp(p.evmcs_emulated.rules, "6.1") == 0 && p.evmcs_emulated.views_present == 7,
	    "rules row 6.1, three views");
	pl = &p.evmcs_emulated.view[EVMCS_VIEW_PLAIN];
	ev = &p.evmcs_emulated.view[EVMCS_VIEW_EVMCS];
	pv = &p.evmcs_emulated.view[EVMCS_VIEW_EVMCS_PV];
	tap_ok(memcmp(pl, &p.vmx_raw, sizeof(*pl)) == 0, "plain view = the raw MSRs");
	tap_ok((ALLOWED1(&p.vmx_raw, 0x490) & (1u << 13)) && !(ALLOWED1(ev, 0x490) & (1u << 13)) &&
	    (ALLOWED1(pv, 0x490) & (1u << 13)),
	    "entry LOAD_PERF_GLOBAL_CTRL: in raw, hidden without the PV bit, back with it");
	tap_ok(p.evmcs_emulated.pv_bit_honoured == PROFILE_YES, "6.1 honours the PV bit");
	tap_ok(evmcsview_pv_honoured(pl, ev, pv) == PROFILE_YES, "the verdict from these views is yes too");
	profile_clear(&p);

	load(&p, "5.15.0-91-generic");
	evmcsview_emulate(&p);
	tap_ok(p.evmcs_emulated.layer.status == LAYER_EMULATED && strcmp(p.evmcs_emulated.rules, "5.15") == 0 &&
	    p.evmcs_emulated.pv_bit_honoured == PROFILE_NO, "5.15: emulated, PV bit not honoured");
	tap_ok(evmcsview_pv_honoured(&p.evmcs_emulated.view[0], &p.evmcs_emulated.view[1],
	    &p.evmcs_emulated.view[2]) == PROFILE_NO, "the verdict from 5.15's views is no");
	profile_clear(&p);

	load(&p, "4.19.0-25-amd64");
	evmcsview_emulate(&p);
	tap_ok(p.evmcs_emulated.layer.status == LAYER_UNAVAILABLE &&
	    strstr(p.evmcs_emulated.layer.reason, "older than v4.20") != NULL,
	    "4.19: unavailable (%s)", p.evmcs_emulated.layer.reason);
	profile_clear(&p);

	load(&p, "4.18.0-513.el8.x86_64");
	evmcsview_emulate(&p);
	tap_ok(p.evmcs_emulated.layer.status == LAYER_UNAVAILABLE && p.evmcs_emulated.views_present == 0,
	    "a vendor backport kernel: unavailable (%s)", p.evmcs_emulated.layer.reason);
	profile_clear(&p);

	profile_init(&p);
	util_strlcpy(p.kernel, "6.1.0", sizeof(p.kernel));
	evmcsview_emulate(&p);
	tap_ok(p.evmcs_emulated.layer.status == LAYER_UNAVAILABLE &&
	    strstr(p.evmcs_emulated.layer.reason, "no raw VMX") != NULL,
	    "no VMX layer: unavailable (%s)", p.evmcs_emulated.layer.reason);
	profile_clear(&p);
}

static void
test_pv_unknown(void)
{
	struct vmx_msrs plain, ev;

	memset(&plain, 0, sizeof(plain));
	vmx_msr_set(&plain, MSR_VMX_TRUE_EXIT, 0x0003efff00036dfbull);	/* no bit 12 */
	vmx_msr_set(&plain, MSR_VMX_TRUE_ENTRY, 0x0000d1ff000011fbull);	/* no bit 13 */
	ev = plain;
	tap_ok(evmcsview_pv_honoured(&plain, &ev, &ev) == PROFILE_UNKNOWN,
	    "hardware without the PERF_GLOBAL_CTRL controls: unknown");
}

static void
test_crosscheck(void)
{
	struct profile p, q;
	struct profile_evmcs *m;
	char *s, err[512];
	int ok;

	load(&p, "6.1.0-13-amd64");
	evmcsview_emulate(&p);
	m = &p.evmcs_measured;
	memcpy(m->view, p.evmcs_emulated.view, sizeof(m->view));
	m->views_present = p.evmcs_emulated.views_present;
	m->pv_bit_honoured = PROFILE_YES;
	m->version_range = 0x0101;
	profile_layer_set(&m->layer, LAYER_MEASURED, "test");
	tap_ok(evmcsview_crosscheck(&p) == 0 && m->crosschecked && m->n_mismatch == 0,
	    "measured equal to emulated: cross-checked, no mismatch");
	s = profile_to_string(&p, 0);
	tap_ok(strstr(s, "\"mismatches\":[]") != NULL || strstr(s, "\"mismatches\": [ ]") != NULL,
	    "JSON carries an empty mismatches list");
	free(s);

	/* A backport that un-hides LOAD_PERF_GLOBAL_CTRL without the PV bit. */
	vmx_msr_set(&m->view[EVMCS_VIEW_EVMCS], 0x490, vmx_msr_get(&m->view[EVMCS_VIEW_EVMCS], 0x490) |
	    1ull << 45);
	m->crosschecked = 0;
	tap_ok(evmcsview_crosscheck(&p) == 1 && m->n_mismatch == 1 && m->mismatch[0].view == EVMCS_VIEW_EVMCS &&
	    m->mismatch[0].msr == 0x490 && m->mismatch[0].measured != m->mismatch[0].emulated &&
	    (m->mismatch[0].measured ^ m->mismatch[0].emulated) == 1ull << 45,
	    "one differing bit in the eVMCS view of 0x490 is one mismatch, values recorded");

	s = profile_to_string(&p, 0);
	profile_init(&q);
	ok = profile_parse(s, strlen(s), &q, err, sizeof(err)) == 0;
	tap_ok(ok && q.evmcs_measured.crosschecked && q.evmcs_measured.n_mismatch == 1 &&
	    memcmp(q.evmcs_measured.mismatch, m->mismatch, sizeof(*m->mismatch)) == 0 &&
	    q.evmcs_measured.pv_bit_honoured == PROFILE_YES && q.evmcs_measured.version_range == 0x0101,
	    "mismatches survive the JSON round trip%s%s", ok ? "" : ": ", ok ? "" : err);
	profile_clear(&q);
	free(s);

	/* An MSR absent on one side and 0 on the other is no mismatch (ignore_msrs=1). */
	vmx_msr_set(&m->view[EVMCS_VIEW_EVMCS_PV], 0x493, 0);
	tap_ok(!vmx_msr_has(&p.evmcs_emulated.view[EVMCS_VIEW_EVMCS_PV], 0x493) && evmcsview_crosscheck(&p) == 1 &&
	    m->n_mismatch == 1 && m->mismatch[0].msr == 0x490,
	    "absent in the emulated view and 0 in the measured one: no mismatch; a second call replaces the first");

	/* Only the plain view measured (eVMCS runs failed): it is still compared. */
	free(m->mismatch);
	m->mismatch = NULL;
	m->n_mismatch = 0;
	m->crosschecked = 0;
	m->views_present = 1u << EVMCS_VIEW_PLAIN;
	vmx_msr_set(&m->view[EVMCS_VIEW_PLAIN], 0x48b, vmx_msr_get(&m->view[EVMCS_VIEW_PLAIN], 0x48b) ^ 1ull << 62);
	profile_layer_set(&m->layer, LAYER_UNAVAILABLE, "eVMCS run: KVM_ENABLE_CAP: Invalid argument; plain view only");
	tap_ok(evmcsview_crosscheck(&p) == 1 && m->crosschecked && m->mismatch[0].view == EVMCS_VIEW_PLAIN &&
	    m->mismatch[0].msr == 0x48b, "a measured plain view is cross-checked even when the layer is unavailable");

	/* Nothing to compare without any measured view. */
	free(m->mismatch);
	m->mismatch = NULL;
	m->n_mismatch = 0;
	m->crosschecked = 0;
	m->views_present = 0;
	profile_layer_set(&m->layer, LAYER_UNAVAILABLE, "probe guest timed out after 2 s");
	tap_ok(evmcsview_crosscheck(&p) == 0 && !m->crosschecked, "no cross-check without measured views");
	s = profile_to_string(&p, 0);
	tap_ok(strstr(s, "mismatches") == NULL, "and no mismatches key in the JSON");
	free(s);
	profile_clear(&p);
}

int
main(void)
{
	test_emulate();
	test_pv_unknown();
	test_crosscheck();
	return tap_done();
}
