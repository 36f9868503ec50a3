/*
 * rules_evmcs.c - the eVMCS layer: what an eVMCS-enabled L1 guest sees of
 * the VMX controls on each side, measured by the probe guest or emulated
 * with the per-kernel filter (evmcs.h), and whether the destination
 * kernel keeps showing everything the guest saw on the source.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rules_priv.h"
#include "vmxbits.h"

const uint32_t rules_ev_slot_msr[RULES_E_NUM] = {
	[RULES_E_PIN] = MSR_VMX_TRUE_PINBASED,
	[RULES_E_PROC] = MSR_VMX_TRUE_PROCBASED,
	[RULES_E_PROC2] = MSR_VMX_PROCBASED2,
	[RULES_E_EXIT] = MSR_VMX_TRUE_EXIT,
	[RULES_E_ENTRY] = MSR_VMX_TRUE_ENTRY,
	[RULES_E_VMFUNC] = MSR_VMX_VMFUNC,
};

/* The raw VMX slot of each eVMCS slot. */
static const int rules_evmcs_vslot[RULES_E_NUM] = {
	RULES_V_PIN, RULES_V_PROC, RULES_V_PROC2, RULES_V_EXIT, RULES_V_ENTRY, RULES_V_VMFUNC,
};

/* The six filtered values of a VMX MSR set, TRUE MSRs standing in for their twins. */
static void
rules_evmcs_slots(const struct vmx_msrs *m, uint64_t *out)
{
	out[RULES_E_PIN] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_PINBASED);
	out[RULES_E_PROC] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_PROCBASED);
	out[RULES_E_PROC2] = vmx_msr_get(m, MSR_VMX_PROCBASED2);
	out[RULES_E_EXIT] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_EXIT);
	out[RULES_E_ENTRY] = vmx_msr_true_ctl(m, MSR_VMX_TRUE_ENTRY);
	out[RULES_E_VMFUNC] = vmx_msr_get(m, MSR_VMX_VMFUNC);
}

/* The half of a slot's value the filter works on. */
static inline uint32_t
rules_evmcs_half(int i, uint64_t v)
{
	return i == RULES_E_VMFUNC ? (uint32_t)v : (uint32_t)(v >> 32);
}

/* The keep masks of a row for the six slots. */
static void
rules_evmcs_keep(const struct evmcs_row *row, int pv, uint32_t *keep)
{
	int i;

	for (i = 0; i < RULES_E_NUM; i++)
		keep[i] = evmcs_keep_mask(row, rules_ev_slot_msr[i], pv);
}

/*
 * The keep masks of the prepared row and of the rows the open stable
 * backports may have made of it: narrow keeps what every variant keeps,
 * wide what any variant keeps.
 */
static void
rules_evmcs_keep_chain(const struct rules_prep *out, int pv, uint32_t *narrow, uint32_t *wide)
{
	uint32_t k[RULES_E_NUM];
	int i, j;

	rules_evmcs_keep(out->ev_row, pv, narrow);
	memcpy(wide, narrow, sizeof(k));
	for (j = 0; j < out->ev_nopen; j++) {
		rules_evmcs_keep(out->ev_open_row[j], pv, k);
		for (i = 0; i < RULES_E_NUM; i++) {
			narrow[i] &= k[i];
			wide[i] |= k[i];
		}
	}
}

void
rules_evmcs_prepare(const struct profile *p, struct rules_prep *out)
{
	static const enum evmcs_view views[2] = { EVMCS_VIEW_EVMCS, EVMCS_VIEW_EVMCS_PV };
	const struct profile_evmcs *me = &p->evmcs_measured, *em = &p->evmcs_emulated;
	const struct evmcs_row *row;
	struct evmcs_kinfo ki;
	uint32_t wide[RULES_E_NUM];
	int pv, i, ranged;

	evmcs_kernel_info(p->kernel, &ki);
	out->ev_kernel = (int8_t)ki.kind;
	out->ev_vendor = (uint8_t)ki.vendor;
	out->ev_nopen = 0;
	row = ki.row;
	if (row == NULL && profile_layer_ok(&em->layer))
		row = evmcs_row_find(em->rules);
	else
		for (i = 0; i < ki.nopen; i++) {
			out->ev_open[out->ev_nopen] = ki.open[i];
			out->ev_open_row[out->ev_nopen++] = ki.open_row[i];
		}
	out->ev_row = row;
	out->ev_host = row != NULL && row->host;
	out->ev_pv = row != NULL ? (row->pv ? 1 : 0) : out->ev_kernel == EVMCS_KERNEL_NONE ? 0 : -1;
	if (profile_layer_ok(&me->layer) && me->pv_bit_honoured != PROFILE_UNKNOWN)
		out->ev_pv = me->pv_bit_honoured == PROFILE_YES ? 1 : 0;

	for (pv = 0; pv < 2; pv++) {
		ranged = 0;
		out->ev_kind[pv] = RULES_EV_NONE;
		if (row != NULL)
			rules_evmcs_keep_chain(out, pv, out->ev_keep[pv], out->ev_keep_wide[pv]);
		memcpy(wide, out->ev_keep_wide[pv], sizeof(wide));
		if (profile_layer_ok(&me->layer) && (me->views_present & (1u << views[pv]))) {
			rules_evmcs_slots(&me->view[views[pv]], out->ev_view[pv]);
			out->ev_kind[pv] = RULES_EV_MEASURED;
		} else if (row != NULL && profile_layer_ok(&p->vmx)) {
			/* As a source, the widest view any variant of the kernel gives. */
			ranged = 1;
			rules_evmcs_slots(&p->vmx_raw, out->ev_view[pv]);
			for (i = 0; i < RULES_E_NUM; i++) {
				out->ev_view_narrow[pv][i] = rules_evmcs_half(i, out->ev_view[pv][i]) &
				    out->ev_keep[pv][i];
				out->ev_view[pv][i] &= i == RULES_E_VMFUNC ?
				    0xffffffff00000000ull | wide[i] : ((uint64_t)wide[i] << 32) | 0xffffffffull;
			}
			out->ev_kind[pv] = RULES_EV_EMULATED;
		} else if (row != NULL && profile_layer_ok(&em->layer) &&
		    (em->views_present & (1u << views[pv]))) {
			/*
			 * A stored emulated view without the raw MSRs: what
			 * the row's filter can show of it, ranged like the
			 * views computed above (a stored view never shows
			 * more than its own row keeps).
			 */
			ranged = 1;
			rules_evmcs_slots(&em->view[views[pv]], out->ev_view[pv]);
			for (i = 0; i < RULES_E_NUM; i++) {
				out->ev_view[pv][i] &= i == RULES_E_VMFUNC ?
				    0xffffffff00000000ull | wide[i] : ((uint64_t)wide[i] << 32) | 0xffffffffull;
				out->ev_view_narrow[pv][i] = rules_evmcs_half(i, out->ev_view[pv][i]) &
				    out->ev_keep[pv][i];
			}
			out->ev_kind[pv] = RULES_EV_EMULATED;
		}
		/* Measured or stored views are what they are: no range. */
		if (!ranged)
			for (i = 0; i < RULES_E_NUM; i++)
				out->ev_view_narrow[pv][i] = rules_evmcs_half(i, out->ev_view[pv][i]);
	}
}

/*
 * What a v4.20-v5.5 destination (ev_host) leaves of the vCPU's own MSR i
 * once eVMCS is enabled: its measured guest view where there is one (those
 * kernels narrow the vCPU values themselves, so the guest reads them),
 * otherwise its kernel's filter.
 */
static uint32_t
rules_evmcs_host_keep(const struct rules_prep *d, int pv, int i)
{
	if (d->ev_kind[pv] == RULES_EV_MEASURED)
		return rules_evmcs_half(i, d->ev_view[pv][i]);
	return d->ev_keep[pv][i];
}

/* A reason without a bit. */
static int
rules_evmcs_note(struct rules_ctx *c, uint8_t rule, int blocking, uint8_t side)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_EVMCS;
	r.rule = rule;
	r.blocking = (uint8_t)blocking;
	r.side = side;
	r.bit = -1;
	return rules_add(c, &r);
}

/* One reason per bit of bits, for slot i (control bits for controls, low half for VMFUNC). */
static int
rules_evmcs_bits(struct rules_ctx *c, uint8_t rule, int blocking, int i, uint32_t bits, uint64_t src,
    uint64_t dst)
{
	struct rules_reason r;
	unsigned b;

	for (b = 0; bits != 0; b++, bits >>= 1) {
		if ((bits & 1) == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.layer = RULES_LAYER_EVMCS;
		r.rule = rule;
		r.blocking = (uint8_t)blocking;
		r.side = RULES_SIDE_BOTH;
		r.msr = rules_ev_slot_msr[i];
		r.bit = (int16_t)b;
		r.half = i == RULES_E_VMFUNC ? RULES_HALF_NONE : RULES_HALF_ALLOWED1;
		r.src = src;
		r.dst = dst;
		if (rules_add(c, &r))
			return 1;
	}
	return 0;
}

int
rules_evmcs_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	int pv = c->vm->evmcs_pv ? 1 : 0;
	uint32_t sv, dv, viol;
	uint64_t dfull;
	int i;

	if (!c->vm->nested || !c->vm->evmcs)
		return 0;
	if (d->vendor == RULES_VENDOR_AMD || d->vendor == RULES_VENDOR_OTHER)
		return rules_evmcs_note(c, RULES_R_EVMCS_UNSUPPORTED, 1, RULES_SIDE_DST);
	if (d->ev_kind[pv] == RULES_EV_NONE) {
		if (d->ev_kernel == EVMCS_KERNEL_NONE)
			return rules_evmcs_note(c, RULES_R_EVMCS_UNSUPPORTED, 1, RULES_SIDE_DST);
		if (rules_evmcs_note(c, RULES_R_EVMCS_VIEW_UNKNOWN, 0, RULES_SIDE_DST))
			return 1;
	}
	if (pv && c->policy == RULES_POLICY_STRICT) {
		if (d->ev_pv == 0 && rules_evmcs_note(c, RULES_R_EVMCS_PV_NOT_HONOURED, 1, RULES_SIDE_DST))
			return 1;
		if (d->ev_pv < 0 && rules_evmcs_note(c, RULES_R_EVMCS_PV_UNKNOWN, 0, RULES_SIDE_DST))
			return 1;
	}
	if (s == NULL)
		return 0;
	if (s->ev_kind[pv] == RULES_EV_NONE)
		return rules_evmcs_note(c, RULES_R_EVMCS_VIEW_UNKNOWN, 0, RULES_SIDE_SRC);
	if (d->ev_kind[pv] == RULES_EV_NONE)
		return 0;
	/*
	 * Emulated on both sides from the same kernel release: whichever
	 * backports it has, it filters alike on both, and the VM keeps what it
	 * saw.
	 */
	if (s->ev_kind[pv] == RULES_EV_EMULATED && d->ev_kind[pv] == RULES_EV_EMULATED &&
	    c->srcp->kernel[0] != '\0' && strcmp(c->srcp->kernel, c->dstp->kernel) == 0)
		return 0;

	/*
	 * What the guest saw on the source must stay visible on the
	 * destination: the destination's own measured view, or its kernel's
	 * filter applied to the same VM values.  A bit every variant of the
	 * source kernel shows and no variant of the destination's keeps
	 * blocks; one only some combination of stable backports hides makes
	 * the answer unknown.
	 */
	for (i = 0; i < RULES_E_NUM; i++) {
		uint32_t sure, dwide, unc;

		sv = rules_evmcs_half(i, s->ev_view[pv][i]);
		if (d->ev_kind[pv] == RULES_EV_MEASURED) {
			dfull = d->ev_view[pv][i];
			dv = dwide = rules_evmcs_half(i, dfull);
		} else {
			dv = d->ev_keep[pv][i];
			dwide = d->ev_keep_wide[pv][i];
			dfull = i == RULES_E_VMFUNC ? (s->ev_view[pv][i] & (0xffffffff00000000ull | dv)) :
			    (s->ev_view[pv][i] & (((uint64_t)dv << 32) | 0xffffffffull));
		}
		viol = sv & ~dv;
		sure = s->ev_view_narrow[pv][i] & ~dwide;
		/* Bits the source shows only by an unconfirmed row of the KVM model: unknown. */
		unc = viol & rules_evmcs_half(i, s->vmx_unk[rules_evmcs_vslot[i]]);
		viol &= ~unc;
		if ((viol & sure) != 0 &&
		    rules_evmcs_bits(c, RULES_R_EVMCS_HIDDEN, 1, i, viol & sure, s->ev_view[pv][i], dfull))
			return 1;
		if ((viol & ~sure) != 0 &&
		    rules_evmcs_bits(c, RULES_R_EVMCS_BACKPORT, 0, i, viol & ~sure, s->ev_view[pv][i], dfull))
			return 1;
		if (unc != 0 &&
		    rules_evmcs_bits(c, RULES_R_KVM_UNCONFIRMED, 0, i, unc, s->ev_view[pv][i], dfull))
			return 1;
	}
	/*
	 * v4.20-v5.5 narrow the vCPU's own MSRs when eVMCS is enabled, so the
	 * VMM's restore of the source values fails for bits the guest never
	 * saw too (bits already reported as hidden are not repeated).  A
	 * source kernel that narrows alike ran the VM with narrowed values.
	 */
	if (d->ev_host && !s->ev_host) {
		for (i = 0; i < RULES_E_NUM; i++) {
			uint32_t unc;

			viol = rules_evmcs_half(i, s->vmx[rules_evmcs_vslot[i]]) &
			    ~rules_evmcs_host_keep(d, pv, i) & ~rules_evmcs_half(i, s->ev_view[pv][i]);
			/* A source bit only an unconfirmed row of the KVM model gives: unknown. */
			unc = viol & rules_evmcs_half(i, s->vmx_unk[rules_evmcs_vslot[i]]);
			viol &= ~unc;
			if (viol != 0 && rules_evmcs_bits(c, RULES_R_EVMCS_HOST_NARROWED, 1, i, viol,
			    s->vmx[rules_evmcs_vslot[i]], d->vmx[rules_evmcs_vslot[i]]))
				return 1;
			if (unc != 0 && rules_evmcs_bits(c, RULES_R_KVM_UNCONFIRMED, 0, i, unc,
			    s->vmx[rules_evmcs_vslot[i]], d->vmx[rules_evmcs_vslot[i]]))
				return 1;
		}
	}
	return 0;
}

const char *
rules_evmcs_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	const char *title = vmxbits_msr_title(r->msr);
	const char *dker = rules_explain_dkernel(c);
	char bit[160], a[320], b[320];

	if (r->rule == RULES_R_KVM_UNCONFIRMED)
		return rules_model_explain(c, r, buf, bufsize);
	if (title == NULL)
		title = "VMX";
	switch (r->rule) {
	case RULES_R_EVMCS_HIDDEN:
		snprintf(buf, bufsize, "eVMCS: %s: %s visible to the eVMCS guest on source (%s), hidden on "
		    "destination (%s)", title, rules_explain_vmxbit(r, bit, sizeof(bit)),
		    rules_explain_evsrc(c, c->srcp, a, sizeof(a)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_BACKPORT:
		snprintf(buf, bufsize, "eVMCS: %s: %s may be visible to the eVMCS guest on source (%s) and "
		    "hidden on destination (%s), depending on which stable backports the kernels carry; a "
		    "measured eVMCS view settles it", title, rules_explain_vmxbit(r, bit, sizeof(bit)),
		    rules_explain_evsrc(c, c->srcp, a, sizeof(a)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_HOST_NARROWED:
		snprintf(buf, bufsize, "eVMCS: %s: %s is stripped from the vCPU's own VMX MSRs when the "
		    "destination (%s) enables eVMCS, so restoring the source's value fails", title,
		    rules_explain_vmxbit(r, bit, sizeof(bit)), rules_explain_evsrc(c, c->dstp, b, sizeof(b)));
		break;
	case RULES_R_EVMCS_PV_NOT_HONOURED:
		snprintf(buf, bufsize, "eVMCS: the VM sets the PV bit 0x4000000A.EBX[0] (PERF_GLOBAL_CTRL) but "
		    "the destination kernel (%s) does not honour it (v6.1 or newer does); policy strict", dker);
		break;
	case RULES_R_EVMCS_PV_UNKNOWN:
		snprintf(buf, bufsize, "eVMCS: whether the destination kernel (%s) honours the PV bit "
		    "0x4000000A.EBX[0] is unknown", dker);
		break;
	case RULES_R_EVMCS_UNSUPPORTED:
		if (strcmp(c->dstp->cpu.vendor, "GenuineIntel") != 0 && c->dstp->cpu.vendor[0] != '\0')
			snprintf(buf, bufsize, "eVMCS: needs Intel VMX, the destination is %s", c->dstp->cpu.vendor);
		else
			snprintf(buf, bufsize, "eVMCS: the destination kernel (%s) predates nested eVMCS (v4.20)",
			    dker);
		break;
	case RULES_R_EVMCS_VIEW_UNKNOWN: {
		const struct profile *p = r->side == RULES_SIDE_SRC ? c->srcp : c->dstp;
		struct evmcs_kinfo ki;

		evmcs_kernel_info(p != NULL ? p->kernel : NULL, &ki);
		snprintf(buf, bufsize, "eVMCS: the %s kernel (\"%s\") is %s and the profile has no measured "
		    "eVMCS view: what the guest sees there is unknown",
		    r->side == RULES_SIDE_SRC ? "source" : "destination", p != NULL ? p->kernel : "",
		    ki.vendor ? "a vendor kernel with KVM backported wholesale, whose version says nothing "
		    "of its filter" : "not in the filter table");
		break;
	}
	default:
		return NULL;
	}
	return buf;
}
