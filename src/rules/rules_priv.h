/*
 * rules_priv.h - internals shared by the modules of the rules engine
 * (rules.c, rules_vmx.c, rules_evmcs.c, rules_cpuid.c, rules_msr.c,
 * rules_host.c, rules_libvirt.c, rules_explain.c).  Not an interface for other areas.
 */
#ifndef MIGCOMPAT_RULES_PRIV_H
#define MIGCOMPAT_RULES_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "evmcs.h"
#include "profile.h"
#include "rules.h"
#include "vmspec.h"

/*
 * The layers, in the order rules_eval() runs them: the index of a row of
 * rules_layers[] (rules.c) and the "layer" of a reason.  A new layer is a
 * value here and a row there.
 */
enum rules_layer {
	RULES_LAYER_LIBVIRT = 0,	/* first: what QEMU on dst cannot even start */
	RULES_LAYER_VMX,
	RULES_LAYER_EVMCS,
	RULES_LAYER_CPUID,
	RULES_LAYER_FEATURE_MSR,	/* "feature_msrs": 0x10A, 0xCF, 0x345 */
	RULES_LAYER_KVM,
	RULES_LAYER_TSC,
	RULES_LAYER_NUM,
};

/*
 * Every rule a reason can cite, with its name in the answer: one list, from
 * which enum rules_rule and rules_explain_rule() are made.
 */
#define RULES_RULE_LIST(X) \
	X(ALLOWED1, "allowed-1-subset")		/* src allowed-1 must be in dst allowed-1 */ \
	X(MUSTBE1, "must-be-1-subset")		/* dst must-be-1 must be in src must-be-1 */ \
	X(SUBSET, "subset")			/* src bit must be set on dst */ \
	X(BASIC_32BIT, "basic-32bit-only")	/* BASIC bit 48 set on src */ \
	X(BASIC_REVISION, "vmcs-revision-equal") \
	X(BASIC_SIZE, "vmcs-size") \
	X(MISC_CR3, "misc-cr3-targets") \
	X(MISC_MAXMSR, "misc-max-msr-list") \
	X(MISC_MSEG, "mseg-revision-equal") \
	X(MISC_TIMER_RATE, "preemption-timer-rate-equal") \
	X(FIXED0, "fixed0-subset")		/* dst FIXED0 bit must be set on src */ \
	X(VM_REQUIRES, "vm-requires")		/* a vmx-* feature the VM enables, not on dst */ \
	X(NESTED_UNAVAILABLE, "nested-unavailable") \
	X(EVMCS_HIDDEN, "evmcs-hidden") \
	X(EVMCS_HOST_NARROWED, "evmcs-host-narrowed") \
	X(EVMCS_PV_NOT_HONOURED, "evmcs-pv-not-honoured") \
	X(EVMCS_PV_UNKNOWN, "evmcs-pv-unknown") \
	X(EVMCS_UNSUPPORTED, "evmcs-unsupported") \
	X(EVMCS_VIEW_UNKNOWN, "evmcs-view-unknown") \
	X(EVMCS_BACKPORT, "evmcs-backport-dependent")	/* hidden or not depending on backports */ \
	X(VENDOR, "vendor") \
	X(CPUID_MISSING, "cpuid-subset") \
	X(CPUID_REQUIRED, "cpuid-required") \
	X(CPUID_FORBIDDEN, "cpuid-forbidden")	/* a flag the VM forbids, present on dst */ \
	X(FEATURE_NAME, "feature-name")	/* a feature the VM names, unknown to dst's QEMU or libvirt */ \
	X(FEATURE_UNKNOWN, "feature-unknown") \
	X(CAP_MISSING, "kvm-cap") \
	X(HV_PASSTHROUGH, "hyperv-passthrough") \
	X(TSC_FREQ, "tsc-frequency") \
	X(INVTSC_UNPINNED, "invtsc-unpinned") \
	X(LAYER_MISSING, "layer-missing") \
	X(MSR_MISSING, "msr-subset")		/* feature-MSR bit on src, not on dst */ \
	X(MSR_REQUIRED, "msr-required")		/* feature-MSR bit the VM requires, not on dst */ \
	X(MSR_FIELD, "msr-field-equal")		/* numeric feature-MSR field differs (LBR format) */ \
	X(MACHINE, "machine-type")		/* machine type not offered by dst's QEMU */ \
	X(CPU_MODEL, "cpu-model-usable")	/* CPU model not usable on dst */ \
	X(HV_OFFERED, "hyperv-offered")		/* enlightenment dst's libvirt does not offer */ \
	X(KVM_MODEL, "kvm-model")		/* a hardware VMX layer the KVM model cannot judge */ \
	X(KVM_UNCONFIRMED, "kvm-model-unconfirmed")	/* a bit decided by an unconfirmed model row */

#define RULES_RULE_ENUM(id, name)	RULES_R_##id,
enum rules_rule {
	RULES_RULE_LIST(RULES_RULE_ENUM)
	RULES_R_NUM,
};
#undef RULES_RULE_ENUM

/*
 * Items of the "not_checked" list: up to RULES_NC_PER_LAYER per layer, bit
 * k of a layer's group naming rules_layers[layer].nc[k].  The list is
 * printed in layer order.
 */
#define RULES_NC_PER_LAYER	4
#define RULES_NC_BIT(layer, k)	(1ull << ((layer) * RULES_NC_PER_LAYER + (k)))
#define RULES_NC_VMX		RULES_NC_BIT(RULES_LAYER_VMX, 0)
#define RULES_NC_VMFUNC		RULES_NC_BIT(RULES_LAYER_VMX, 1)	/* a dump without 0x491 */
#define RULES_NC_EVMCS		RULES_NC_BIT(RULES_LAYER_EVMCS, 0)
#define RULES_NC_CPUID		RULES_NC_BIT(RULES_LAYER_CPUID, 0)
#define RULES_NC_CPU_MODEL	RULES_NC_BIT(RULES_LAYER_CPUID, 1)	/* custom model: only listed features */
#define RULES_NC_FEATURE_MSRS	RULES_NC_BIT(RULES_LAYER_FEATURE_MSR, 0)	/* a side without the layer */
#define RULES_NC_KVM		RULES_NC_BIT(RULES_LAYER_KVM, 0)
#define RULES_NC_HV_CPUID	RULES_NC_BIT(RULES_LAYER_KVM, 1)	/* enlightenments without a KVM capability */
#define RULES_NC_TSC		RULES_NC_BIT(RULES_LAYER_TSC, 0)

/* Halves of a control MSR. */
enum rules_half {
	RULES_HALF_NONE = 0,
	RULES_HALF_ALLOWED1,
	RULES_HALF_MUSTBE1,
};

/* Sides, for reasons that concern one profile. */
enum rules_side {
	RULES_SIDE_NONE = 0,
	RULES_SIDE_SRC,
	RULES_SIDE_DST,
	RULES_SIDE_BOTH,
};

/*
 * One reason, recorded without any formatting: the explanation is built
 * from it by rules_explain.c.  msr is the VMX or feature MSR index, the
 * CPUID leaf or the KVM capability; bit is the control bit (half != NONE),
 * the bit in the 64-bit MSR (the lowest of a field), the CPUID bit, or -1.
 */
struct rules_reason {
	uint8_t layer;
	uint8_t rule;
	uint8_t half;
	uint8_t side;
	uint8_t blocking;		/* 1 blocks, 0 makes the verdict unknown */
	int16_t bit;
	uint32_t msr;
	uint32_t sub;			/* CPUID subleaf */
	uint8_t reg;			/* CPUID register index */
	uint64_t src, dst;
	const void *ref;		/* cpuidfeat entry, feature name, ... */
};

#define RULES_MAX_REASONS	512

/* The state of one evaluation. */
struct rules_ctx {
	const struct vmspec *vm;
	enum rules_policy policy;
	const struct profile *srcp, *dstp;	/* srcp may be NULL */
	struct rules_reason *r;		/* NULL: fast mode, stop at the first block */
	size_t cap, n, dropped;
	int blocked, unknown, stop;
	uint64_t not_checked;		/* RULES_NC_BIT()s */
	unsigned notes;			/* RULES_NOTE_* */
	int field_doubt;		/* VMX field rules in doubt: unknown, not blocking */
};

/* Notes: facts an answer states without changing the verdict. */
#define RULES_NOTE_HW_SRC	1u	/* source VMX layer hardware, no kernel: compared as is */
#define RULES_NOTE_HW_DST	2u

/* How a profile's VMX values were taken (rules_model.c). */
enum rules_model {
	RULES_MODEL_NONE = 0,		/* as KVM reported them (kvm, emulated) */
	RULES_MODEL_APPLIED,		/* hardware, through the model of its kernel */
	RULES_MODEL_RAW,		/* hardware without a kernel: compared as they are */
	RULES_MODEL_FAILED,		/* hardware, its kernel outside the model */
};

/* Vendor classes. */
enum rules_vendor {
	RULES_VENDOR_UNKNOWN = 0,
	RULES_VENDOR_INTEL,
	RULES_VENDOR_AMD,
	RULES_VENDOR_OTHER,
};

/* Indices of the resolved VMX values in struct rules_prep. */
enum rules_vmx_slot {
	RULES_V_BASIC = 0,
	RULES_V_PIN,			/* TRUE, else non-TRUE twin */
	RULES_V_PROC,
	RULES_V_EXIT,
	RULES_V_ENTRY,
	RULES_V_MISC,
	RULES_V_CR0F0,
	RULES_V_CR4F0,
	RULES_V_PROC2,
	RULES_V_EPT,
	RULES_V_VMFUNC,
	RULES_V_NUM,
};

/* Indices of the eVMCS-filtered controls. */
enum rules_ev_slot {
	RULES_E_PIN = 0,
	RULES_E_PROC,
	RULES_E_PROC2,
	RULES_E_EXIT,
	RULES_E_ENTRY,
	RULES_E_VMFUNC,
	RULES_E_NUM,
};

/* How a profile's eVMCS view was obtained. */
enum rules_ev_kind {
	RULES_EV_NONE = 0,
	RULES_EV_MEASURED,
	RULES_EV_EMULATED,
};

#define RULES_CPUID_WORDS	24
#define RULES_PREP_MAGIC	0x52505245u	/* "ERPR" */

/* The feature MSRs of data/msr-features.tsv, one slot each in rules_prep. */
enum rules_fmsr_slot {
	RULES_M_ARCH = 0,		/* 0x10A IA32_ARCH_CAPABILITIES */
	RULES_M_CORE,			/* 0xCF IA32_CORE_CAPABILITIES */
	RULES_M_PERF,			/* 0x345 IA32_PERF_CAPABILITIES */
	RULES_M_NUM,
};

/* KVM capabilities the rules look at, one bit each in rules_prep.caps. */
enum rules_cap {
	RULES_CAP_HYPERV = 0,		/* 73 */
	RULES_CAP_HYPERV_TIME,		/* 96 */
	RULES_CAP_HYPERV_SYNIC,		/* 123 */
	RULES_CAP_HYPERV_VP_INDEX,	/* 135 */
	RULES_CAP_HYPERV_TLBFLUSH,	/* 155 */
	RULES_CAP_NESTED_STATE,		/* 157 */
	RULES_CAP_HYPERV_SEND_IPI,	/* 161 */
	RULES_CAP_HYPERV_EVMCS,		/* 163 */
	RULES_CAP_EXCEPTION_PAYLOAD,	/* 164 */
	RULES_CAP_HYPERV_DIRECT_TLBFLUSH,	/* 175 */
	RULES_CAP_HYPERV_ENFORCE_CPUID,	/* 199 */
	RULES_CAP_NUM,
};

/*
 * A Hyper-V enlightenment a VM may use: its QEMU name (hv-NAME without the
 * prefix), its name in libvirt's <hyperv> element (NULL: libvirt has none)
 * and the KVM capability it needs (RULES_CAP_NUM: none).
 */
struct rules_hv {
	const char *name;
	const char *libvirt;
	enum rules_cap cap;
};

/* The row of the enlightenment QEMU calls name, or NULL for one not known here. */
const struct rules_hv *rules_hv_find(const char *name);

/*
 * What the rules derive from one profile, computed once by rules_prepare()
 * (stored in profile->rules_cache) or on the stack per check.  Pointers
 * point into static tables only, so the structure may be copied freely.
 */
/* Bytes of the profile's hash (its first hex digits) that key the prepared cache. */
#define RULES_PREP_KEY_OFF	7	/* after "sha256:" */
#define RULES_PREP_KEY_LEN	16

struct __attribute__((may_alias)) rules_prep {
	uint32_t magic;
	char key[RULES_PREP_KEY_LEN];	/* the profile hash it was derived from */
	uint8_t vendor;			/* enum rules_vendor */
	uint8_t has_vmx, has_cpuid, has_kvm, has_tsc;
	uint8_t vmfunc_unreported;
	uint64_t vmx[RULES_V_NUM];

	int8_t ev_kernel;		/* enum evmcs_kernel */
	int8_t ev_pv;			/* PV bit honoured: 1, 0, -1 unknown */
	uint8_t ev_kind[2];		/* per PV bit setting: enum rules_ev_kind */
	uint8_t ev_host;		/* the row narrows the host view too */
	uint8_t ev_vendor;		/* a vendor kernel with KVM backported wholesale */
	uint8_t ev_nopen;		/* stable backports the kernel string leaves open */
	const struct evmcs_row *ev_row;	/* kernel (or stored) row, or NULL */
	const struct evmcs_stable *ev_open[EVMCS_OPEN_MAX];	/* those backports */
	const struct evmcs_row *ev_open_row[EVMCS_OPEN_MAX];	/* the rows they make */
	/*
	 * Per PV bit setting: the guest's view as a source (measured, or the
	 * widest any variant of the kernel row gives, open stable backports
	 * included) and the allowed-1 bits every variant keeps, for the
	 * destination side.
	 */
	uint64_t ev_view[2][RULES_E_NUM];
	uint32_t ev_keep[2][RULES_E_NUM];
	/*
	 * The other ends of the backport range: the filtered half of the
	 * narrowest source view, and what any variant keeps.  A bit hidden
	 * between the two ranges blocks for sure; one hidden only by some
	 * combination of variants makes the answer unknown.
	 */
	uint32_t ev_view_narrow[2][RULES_E_NUM];
	uint32_t ev_keep_wide[2][RULES_E_NUM];

	uint8_t nwords;
	uint32_t cpuid[RULES_CPUID_WORDS];
	uint32_t cpuid_nested[RULES_CPUID_WORDS];	/* bits of nested scope */

	uint32_t caps;			/* bit per enum rules_cap */
	uint32_t tsc_khz;
	uint8_t tsc_scaling;

	/*
	 * Feature MSRs: the named flag bits of each slot that the host's KVM
	 * reports and whose gating CPUID flag it has (all of them when the
	 * profile has no CPUID layer), and the LBR format (bits 5:0 of 0x345,
	 * gated the same way).  An MSR the profile does not list counts as 0.
	 */
	uint8_t has_fmsr;
	uint8_t lbr_fmt;
	uint64_t fmsr[RULES_M_NUM];

	/*
	 * A hardware VMX layer (enum rules_model): the release its model was
	 * computed for (X * 1000 + Y) and, per VMX slot, the bits decided by
	 * rows the model marks unconfirmed for it.
	 */
	uint8_t vmx_model;
	uint32_t vmx_release;
	uint64_t vmx_unk[RULES_V_NUM];
};

/* The MSR index a VMX slot reports (the TRUE index for control MSRs). */
extern const uint32_t rules_vmx_slot_msr[RULES_V_NUM];
/* The MSR index an eVMCS slot reports. */
extern const uint32_t rules_ev_slot_msr[RULES_E_NUM];
/* The MSR index of a feature-MSR slot. */
extern const uint32_t rules_fmsr_slot_msr[RULES_M_NUM];
/* KVM capability numbers and names by enum rules_cap. */
extern const struct rules_cap_info {
	uint32_t id;
	const char *name;
} rules_caps[RULES_CAP_NUM];

/*
 * Record a reason.  Returns nonzero when the evaluation should stop (fast
 * mode and the reason blocks).
 */
int rules_add(struct rules_ctx *c, const struct rules_reason *r);

/* The prepared data of p (rules_prepare()), or tmp filled now and returned. */
const struct rules_prep *rules_prep_of(const struct profile *p, struct rules_prep *tmp);

/* Fill a prep from a profile (every field). */
void rules_prep_fill(const struct profile *p, struct rules_prep *out);

/*
 * One layer: a row of rules_layers[], indexed by enum rules_layer and run
 * in that order by rules_prep_fill() and rules_eval(), for the verdict
 * alone (c->r NULL: stop at the first block) and for the explained answer
 * alike, so both are computed by the same check on the same prepared data.
 *
 * name	the "layer" of its reasons in the answer.
 * nc	the not_checked items the layer can report (RULES_NC_BIT(layer, k)
 *	names nc[k]); NULL where unused.
 * prepare	fills the layer's fields of a rules_prep from a profile (the
 *	prep is zeroed first); NULL when it has none.
 * check	records the layer's reasons; s is NULL when the source is
 *	unknown.  Returns nonzero when the evaluation should stop (fast mode
 *	and a blocking reason).  Runs for every VM: it decides itself whether
 *	the VM needs the layer.
 * explain	writes the text of one of the layer's reasons into buf and
 *	returns buf, or NULL for a rule it leaves to the generic text
 *	(rules_explain_text()).
 */
struct rules_layer_def {
	const char *name;
	const char *nc[RULES_NC_PER_LAYER];
	void (*prepare)(const struct profile *p, struct rules_prep *out);
	int (*check)(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
	const char *(*explain)(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
	    size_t bufsize);
};

extern const struct rules_layer_def rules_layers[RULES_LAYER_NUM];

/* rules_vmx.c: the raw VMX MSRs (nested guests on Intel). */
void rules_vmx_prepare(const struct profile *p, struct rules_prep *out);
int rules_vmx_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_vmx_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/*
 * rules_model.c: a hardware VMX layer judged as KVM reports it.
 * rules_model_apply() runs first in rules_prep_fill(): for a profile whose
 * VMX layer is the hardware's and which records a kernel, it returns tmp,
 * a shallow copy of p whose VMX values are that release's KVM model of
 * them (the kvm_intel parameters of p's module_params, defaults for the
 * others), and records the unconfirmed bits in out; otherwise p.  tmp
 * must not be freed.  rules_model_check() (run by the VMX layer for
 * nested VMs) adds the notes of hardware layers without a kernel and the
 * unknown reasons of layers the model cannot judge.
 */
const struct profile *rules_model_apply(const struct profile *p, struct profile *tmp,
    struct rules_prep *out);
int rules_model_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_model_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);
/* The text of one RULES_NOTE_* bit, or NULL. */
const char *rules_model_note(unsigned note);
struct kvmnested_params;
/* The kvm_intel parameters p records (module_params), the module's defaults for the others. */
void rules_model_params(const struct profile *p, struct kvmnested_params *pp);

/* rules_evmcs.c: the eVMCS-filtered guest view (eVMCS guests). */
void rules_evmcs_prepare(const struct profile *p, struct rules_prep *out);
int rules_evmcs_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_evmcs_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/* rules_cpuid.c: vendor and CPUID feature flags. */
void rules_cpuid_prepare(const struct profile *p, struct rules_prep *out);
int rules_cpuid_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_cpuid_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);
/* The vendor rule (never across vendors), run by rules_eval() before every layer. */
int rules_cpuid_vendor(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);

/*
 * rules_msr.c: the feature-MSR layer.  host-passthrough and maximum CPUs
 * with a known source need every named bit of the source on the
 * destination; every CPU mode needs the bits of the table names the VM
 * requires.  A side without the layer leaves the comparison not checked
 * (RULES_NC_FEATURE_MSRS); a required name and a destination without the
 * layer answer unknown.
 */
void rules_msr_prepare(const struct profile *p, struct rules_prep *out);
int rules_msr_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_msr_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/* rules_host.c: the KVM capabilities and the TSC, two layers. */
void rules_host_kvm_prepare(const struct profile *p, struct rules_prep *out);
int rules_host_kvm_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_host_kvm_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);
void rules_host_tsc_prepare(const struct profile *p, struct rules_prep *out);
int rules_host_tsc_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_host_tsc_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/*
 * rules_libvirt.c: what the destination's libvirt and QEMU offer
 * (layers.libvirt of its profile, read at check time: no prepared data).
 * The VM's machine type must be one of the destination's (an alias "pc",
 * "q35", "pc-i440fx" or "pc-q35" is any of its family, as QEMU resolves it
 * to its newest), a named custom or host-model CPU model must be among its
 * usable models, and the Hyper-V enlightenments the VM uses must be among
 * those libvirt offers there when its profile lists them.  A machine type
 * or model the destination's layer cannot answer for (absent, unavailable,
 * without domain capabilities, an empty list) makes the answer unknown,
 * with one reason each.
 */
int rules_libvirt_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
const char *rules_libvirt_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/* Text of a reason, one line without newline, into buf. */
const char *rules_explain_text(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/* JSON object for a reason (new object). */
struct json_object *rules_explain_json(const struct rules_ctx *c, const struct rules_reason *r);

/* Names. */
const char *rules_explain_layer(unsigned layer);
const char *rules_explain_rule(unsigned rule);

/* Pieces of reason texts shared by the layers (rules_explain.c). */
/* "TSC scaling (bit 25 of IA32_VMX_PROCBASED_CTLS2)" for a VMX or eVMCS reason. */
const char *rules_explain_vmxbit(const struct rules_reason *r, char *buf, size_t bufsize);
/* "avx512f (CPUID.(EAX=0x7,ECX=0):EBX bit 16)" for a CPUID reason. */
const char *rules_explain_cpuidbit(const struct rules_reason *r, char *buf, size_t bufsize);
/* "feature MSR 0x10a bit 5 mds-no" for a feature-MSR reason. */
const char *rules_explain_msrbit(const struct rules_reason *r, char *buf, size_t bufsize);
/* The name of KVM capability id ("KVM_CAP_NESTED_STATE"), or "capability". */
const char *rules_explain_cap(uint32_t id);
/* The kernel row or "measured" that gave a side's eVMCS view (p NULL: "unknown"). */
const char *rules_explain_evsrc(const struct rules_ctx *c, const struct profile *p, char *buf,
    size_t bufsize);
/* The kernel release of the destination, or "unknown". */
const char *rules_explain_dkernel(const struct rules_ctx *c);

#endif
