/*
 * rules_priv.h - internals shared by the modules of the rules engine
 * (rules.c, rules_vmx.c, rules_evmcs.c, rules_cpuid.c, rules_msr.c,
 * rules_host.c, rules_explain.c).  Not an interface for other areas.
 */
#ifndef MIGCOMPAT_RULES_PRIV_H
#define MIGCOMPAT_RULES_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "evmcs.h"
#include "profile.h"
#include "rules.h"
#include "vmspec.h"

enum rules_layer {
	RULES_LAYER_VMX = 0,
	RULES_LAYER_EVMCS,
	RULES_LAYER_CPUID,
	RULES_LAYER_KVM,
	RULES_LAYER_TSC,
	RULES_LAYER_LIBVIRT,
	RULES_LAYER_FEATURE_MSR,	/* "feature_msrs": 0x10A, 0xCF, 0x345 */
	RULES_LAYER_NUM,
};

/* Every rule a reason can cite.  Names in rules_explain.c. */
enum rules_rule {
	RULES_R_ALLOWED1 = 0,		/* src allowed-1 must be in dst allowed-1 */
	RULES_R_MUSTBE1,		/* dst must-be-1 must be in src must-be-1 */
	RULES_R_SUBSET,			/* src bit must be set on dst */
	RULES_R_BASIC_32BIT,		/* BASIC bit 48 set on src */
	RULES_R_BASIC_REVISION,
	RULES_R_BASIC_SIZE,
	RULES_R_MISC_CR3,
	RULES_R_MISC_MAXMSR,
	RULES_R_MISC_MSEG,
	RULES_R_MISC_TIMER_RATE,
	RULES_R_FIXED0,			/* dst FIXED0 bit must be set on src */
	RULES_R_VM_REQUIRES,		/* a vmx-* feature the VM enables, not on dst */
	RULES_R_NESTED_UNAVAILABLE,
	RULES_R_EVMCS_HIDDEN,
	RULES_R_EVMCS_HOST_NARROWED,
	RULES_R_EVMCS_PV_NOT_HONOURED,
	RULES_R_EVMCS_PV_UNKNOWN,
	RULES_R_EVMCS_UNSUPPORTED,
	RULES_R_EVMCS_VIEW_UNKNOWN,
	RULES_R_EVMCS_BACKPORT,		/* hidden or not depending on stable backports */
	RULES_R_VENDOR,
	RULES_R_CPUID_MISSING,
	RULES_R_CPUID_REQUIRED,
	RULES_R_FEATURE_UNKNOWN,
	RULES_R_CAP_MISSING,
	RULES_R_HV_PASSTHROUGH,
	RULES_R_TSC_FREQ,
	RULES_R_INVTSC_UNPINNED,
	RULES_R_LAYER_MISSING,
	RULES_R_MSR_MISSING,		/* feature-MSR bit on src, not on dst */
	RULES_R_MSR_REQUIRED,		/* feature-MSR bit the VM requires, not on dst */
	RULES_R_MSR_FIELD,		/* numeric feature-MSR field differs (LBR format) */
	RULES_R_NUM,
};

/* Items of the "not_checked" list, one bit each. */
enum rules_nc {
	RULES_NC_VMX = 1u << 0,
	RULES_NC_EVMCS = 1u << 1,
	RULES_NC_CPUID = 1u << 2,
	RULES_NC_KVM = 1u << 3,
	RULES_NC_TSC = 1u << 4,
	RULES_NC_VMFUNC = 1u << 5,	/* a dump that does not report 0x491 */
	RULES_NC_CPU_MODEL = 1u << 6,	/* custom CPU model: only listed features */
	RULES_NC_MACHINE = 1u << 7,	/* profiles carry no machine types */
	RULES_NC_HV_CPUID = 1u << 8,	/* enlightenments without a KVM capability */
	RULES_NC_FEATURE_MSRS = 1u << 9,	/* a side without layers.feature_msrs */
};

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
	unsigned not_checked;		/* enum rules_nc bits */
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
 * What the rules derive from one profile, computed once by rules_prepare()
 * (stored in profile->rules_cache) or on the stack per check.  Pointers
 * point into static tables only, so the structure may be copied freely.
 */
struct __attribute__((may_alias)) rules_prep {
	uint32_t magic;
	uint8_t vendor;			/* enum rules_vendor */
	uint8_t has_vmx, has_cpuid, has_kvm, has_tsc;
	uint8_t vmfunc_unreported;
	uint64_t vmx[RULES_V_NUM];

	int8_t ev_kernel;		/* enum evmcs_kernel */
	int8_t ev_pv;			/* PV bit honoured: 1, 0, -1 unknown */
	uint8_t ev_kind[2];		/* per PV bit setting: enum rules_ev_kind */
	uint8_t ev_host;		/* the row narrows the host view too */
	const struct evmcs_row *ev_row;	/* kernel (or stored) row, or NULL */
	/*
	 * Per PV bit setting: the guest's view as a source (measured, or the
	 * widest any variant of the kernel row gives, stable backports
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

/* The per-layer parts of rules_prep_fill(). */
void rules_vmx_prepare(const struct profile *p, struct rules_prep *out);
void rules_evmcs_prepare(const struct profile *p, struct rules_prep *out);
void rules_cpuid_prepare(const struct profile *p, struct rules_prep *out);
void rules_host_prepare(const struct profile *p, struct rules_prep *out);
void rules_msr_prepare(const struct profile *p, struct rules_prep *out);

/*
 * The per-layer checks.  s is NULL when the source is unknown.  Each
 * returns nonzero when the evaluation should stop.
 */
int rules_vmx_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
int rules_evmcs_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
int rules_cpuid_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
/* The vendor rule (never across vendors), run before every other layer. */
int rules_cpuid_vendor(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
int rules_host_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);
/*
 * The feature-MSR layer.  host-passthrough and maximum CPUs with a known
 * source need every named bit of the source on the destination; every CPU
 * mode needs the bits of the table names the VM requires.  A side without
 * the layer leaves the comparison not checked (RULES_NC_FEATURE_MSRS); a
 * required name and a destination without the layer answer unknown.
 */
int rules_msr_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d);

/* Text of a reason, one line without newline, into buf. */
const char *rules_explain_text(const struct rules_ctx *c, const struct rules_reason *r, char *buf,
    size_t bufsize);

/* JSON object for a reason (new object). */
struct json_object *rules_explain_json(const struct rules_ctx *c, const struct rules_reason *r);

/* Names. */
const char *rules_explain_layer(unsigned layer);
const char *rules_explain_rule(unsigned rule);

#endif
