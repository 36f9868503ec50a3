/*
 * profile.h - the host profile: everything migcompat knows about one KVM
 * host, its JSON form (schema documented in migcompat-profile(5)) and the
 * MSR dump format of the test fixtures, which is accepted wherever a
 * profile is.
 */
#ifndef MIGCOMPAT_PROFILE_H
#define MIGCOMPAT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "plibvirt.h"
#include "vmx.h"

#define PROFILE_SCHEMA_VERSION	1
/* Largest profile or dump file accepted, in bytes. */
#define PROFILE_MAX_SIZE	(4u * 1024 * 1024)
/* Size of the rules engine's per-profile cache, in 64-bit words. */
#define PROFILE_RULES_CACHE_WORDS	96

struct json_object;

/*
 * How a layer was obtained.  LAYER_ABSENT means the profile does not carry
 * the layer at all (a bare MSR dump has no CPUID layer); LAYER_UNAVAILABLE
 * means collection was attempted and failed, with a reason.
 */
enum layer_status {
	LAYER_ABSENT = 0,
	LAYER_UNAVAILABLE,
	LAYER_MEASURED,
	LAYER_EMULATED,
};

struct layer {
	enum layer_status status;
	char reason[256];
};

/*
 * Where the values of the VMX layer come from (layers.vmx.source).
 * PROFILE_VMX_SRC_UNSET: the profile does not say (written before the
 * field existed); it is read as PROFILE_VMX_SRC_KVM and written without
 * the field, so that such a profile keeps its hash.
 */
enum profile_vmx_source {
	PROFILE_VMX_SRC_UNSET = 0,
	PROFILE_VMX_SRC_KVM,		/* read from KVM on the host (the probe) */
	PROFILE_VMX_SRC_HARDWARE,	/* the silicon's values (a dump, migcompat convert) */
	PROFILE_VMX_SRC_EMULATED,	/* computed for a kernel (migcompat emulate) */
};

/* A KVM_CHECK_EXTENSION result. */
struct profile_cap {
	uint32_t id;
	int64_t value;
};

/* One CPUID entry as KVM reports it (struct kvm_cpuid_entry2). */
struct profile_cpuid {
	uint32_t function;
	uint32_t index;
	uint32_t flags;
	uint32_t eax, ebx, ecx, edx;
};

/* One model-specific register value. */
struct profile_msr {
	uint32_t index;
	uint64_t value;
};

/* A kernel module parameter from /sys/module/MODULE/parameters/NAME. */
struct profile_param {
	char *module;
	char *name;
	char *value;
};

/* The three guest views of the VMX MSRs. */
enum evmcs_view {
	EVMCS_VIEW_PLAIN = 0,	/* no Hyper-V: the unfiltered guest view */
	EVMCS_VIEW_EVMCS,	/* eVMCS, PV bit 0x4000000A.EBX[0] clear (QEMU) */
	EVMCS_VIEW_EVMCS_PV,	/* eVMCS with the PV bit set */
	EVMCS_VIEW_NUM,
};

/* Tri-state for "does the kernel honour the eVMCS PERF_GLOBAL_CTRL PV bit". */
enum profile_tristate {
	PROFILE_UNKNOWN = -1,
	PROFILE_NO = 0,
	PROFILE_YES = 1,
};

/* An MSR whose measured eVMCS view differs from the emulated one. */
struct profile_evmcs_mismatch {
	enum evmcs_view view;
	uint32_t msr;
	uint64_t measured;		/* 0 when absent */
	uint64_t emulated;		/* 0 when absent */
};

struct profile_evmcs {
	struct layer layer;
	struct vmx_msrs view[EVMCS_VIEW_NUM];
	uint32_t views_present;		/* bit per enum evmcs_view */
	enum profile_tristate pv_bit_honoured;
	uint16_t version_range;		/* low byte min, high byte max; 0 unknown */
	char rules[32];			/* emulated: kernel rules row used ("6.1") */
	/* Measured only: the cross-check against the emulated views. */
	int crosschecked;		/* both existed and were compared */
	struct profile_evmcs_mismatch *mismatch;
	size_t n_mismatch;
};

/* A CPU whose hardware VMX MSRs differ from the reference CPU's. */
struct profile_hw_cpu {
	uint32_t cpu;
	struct vmx_msrs msrs;		/* the differing values only */
	uint32_t absent;		/* bit per MSR the reference has and this CPU lacks */
};

struct profile {
	int schema_version;
	int is_dump;			/* loaded from a fixture-format dump */

	/* Identity: not part of the content (profile_content). */
	char host_id[128];
	char hostname[256];
	int64_t collected_at;		/* UNIX seconds, 0 unknown */
	char hash[80];			/* "sha256:<64 hex>" of the relevant part */

	char kernel[128];		/* kernel release, "" unknown */
	struct {
		char vendor[16];	/* "GenuineIntel", "AuthenticAMD", "" */
		char model_name[128];
		int family, model, stepping;	/* -1 unknown */
		uint64_t microcode;
		int has_microcode;
	} cpu;

	struct layer kvm;
	int api_version;
	struct profile_cap *caps_sys;
	size_t n_caps_sys;
	struct profile_cap *caps_vm;
	size_t n_caps_vm;

	struct layer cpuid;
	struct profile_cpuid *cpuid_ent;
	size_t n_cpuid;

	struct layer hv_cpuid;
	struct profile_cpuid *hv_cpuid_ent;
	size_t n_hv_cpuid;

	struct layer feature_msrs;
	struct profile_msr *msrs;
	size_t n_msrs;

	/* Raw VMX MSRs: what the VMM reads (system KVM_GET_MSRS) or a dump. */
	struct layer vmx;
	struct vmx_msrs vmx_raw;
	enum profile_vmx_source vmx_source;
	char vmx_kernel[128];		/* emulated: the kernel release computed for */

	/* Per-vCPU host-initiated VMX MSRs after KVM_SET_CPUID2. */
	struct layer vmx_vcpu;
	struct vmx_msrs vmx_vcpu_msrs;

	/* eVMCS-filtered guest views: read by the probe guest, and emulated. */
	struct profile_evmcs evmcs_measured;
	struct profile_evmcs evmcs_emulated;

	/* Whether a plain guest runs at all on this KVM (the probe guest). */
	struct layer guest;

	/* Hardware VMX MSRs through /dev/cpu/N/msr: the lowest online CPU's. */
	struct layer hw;
	struct vmx_msrs hw_msrs;
	uint32_t hw_cpu;		/* the reference CPU */
	uint32_t hw_ncpus;		/* online CPUs read */
	struct profile_hw_cpu *hw_diff;	/* CPUs that differ from the reference */
	size_t n_hw_diff;

	struct layer tsc;
	uint32_t tsc_khz;		/* 0 unknown */
	int tsc_scaling;		/* KVM_CAP_TSC_CONTROL or VM TSC control */

	struct layer params;
	struct profile_param *param;
	size_t n_param;

	/* libvirt's domain capabilities and running domains (layers.libvirt). */
	struct layer libvirt;
	struct plibvirt lv;

	/* Layers this version does not model are kept verbatim (json-c objects). */
	struct json_object *extra_layers;

	/*
	 * What the rules engine derives from this profile, filled by
	 * rules_prepare() (rules.h); opaque here, not part of the JSON form or
	 * the hash.  All zero means "not prepared".
	 */
	uint64_t rules_cache[PROFILE_RULES_CACHE_WORDS];
};

/* Initialise an empty profile (schema version set, every layer absent). */
void profile_init(struct profile *p);

/* Free everything a profile owns and reinitialise it.  NULL is fine. */
void profile_clear(struct profile *p);

/* Allocate an empty profile.  Free with profile_free(). */
struct profile *profile_new(void);
void profile_free(struct profile *p);

/*
 * A deep copy of p: it owns everything it points to and outlives p.  Free
 * with profile_free().  Never NULL.
 */
struct profile *profile_copy(const struct profile *p);

/*
 * The content of p: what is hashed (profile_update_hash), stored once per
 * configuration and grouped into classes, as a deep copy that owns its
 * data (free with profile_free(); never NULL).  It is p without what belongs
 * to one host rather than to its configuration: the host's identity
 * (host_id, hostname, collected_at) and the domains it runs (lv.domains).
 * The hash is kept.  A new per-host field is left out here, and only here.
 */
struct profile *profile_content(const struct profile *p);

/* Set a layer's status and printf-style reason. */
void profile_layer_set(struct layer *l, enum layer_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "measured", "emulated", "unavailable" or "absent". */
const char *profile_status_name(enum layer_status st);

/* The effective source of the VMX layer: UNSET reads as KVM. */
static inline enum profile_vmx_source
profile_vmx_source(const struct profile *p)
{
	return p->vmx_source == PROFILE_VMX_SRC_UNSET ? PROFILE_VMX_SRC_KVM : p->vmx_source;
}

/* "kvm", "hardware" or "emulated" (UNSET: "kvm"). */
const char *profile_vmx_source_name(enum profile_vmx_source s);

/* Parse one of those names.  Returns 0 or -1. */
int profile_vmx_source_parse(const char *s, enum profile_vmx_source *out);

/* Nonzero when the layer has data (measured or emulated). */
static inline int
profile_layer_ok(const struct layer *l)
{
	return l->status == LAYER_MEASURED || l->status == LAYER_EMULATED;
}

/* Append entries; the profile copies the values. */
void profile_add_cap(struct profile *p, int vm, uint32_t id, int64_t value);
void profile_add_cpuid(struct profile *p, int hv, const struct profile_cpuid *e);
void profile_add_msr(struct profile *p, uint32_t index, uint64_t value);
void profile_add_param(struct profile *p, const char *module, const char *name, const char *value);
/* Set a module parameter: replace its value, or add it. */
void profile_set_param(struct profile *p, const char *module, const char *name, const char *value);
void profile_add_evmcs_mismatch(struct profile_evmcs *e, enum evmcs_view view, uint32_t msr,
    uint64_t measured, uint64_t emulated);
void profile_add_hw_cpu(struct profile *p, const struct profile_hw_cpu *c);

/*
 * Set p's family, model and stepping from a CPU signature (CPUID.1:EAX),
 * with the extended family and model as Intel and AMD define them.
 */
void profile_cpu_signature(struct profile *p, uint32_t sig);

/* The value of capability id (system fd first, then VM fd), or -1 if unknown. */
int64_t profile_cap(const struct profile *p, uint32_t id);

/* The CPUID entry for function/index, or NULL. */
const struct profile_cpuid *profile_cpuid_find(const struct profile *p, int hv,
    uint32_t function, uint32_t index);

/* The value of a module parameter, or NULL. */
const char *profile_param_get(const struct profile *p, const char *module, const char *name);

/* The name of a KVM capability the rules and reports use, or NULL. */
const char *profile_cap_name(uint32_t id);

/*
 * Recompute p->hash over the JSON form of profile_content(p).  Returns 0
 * or -1.
 */
int profile_update_hash(struct profile *p);

/*
 * Build the JSON form.  Returns a new json-c object (caller puts it), never
 * NULL.
 */
struct json_object *profile_to_json(const struct profile *p);

/*
 * Fill p (initialised by the caller) from a parsed JSON profile or MSR dump.
 * On error returns -1 and writes a one-line message naming the field into
 * err.  A profile's hash is recomputed, not trusted.
 */
int profile_from_json(struct json_object *obj, struct profile *p, char *err, size_t errsize);

/*
 * Parse text (a profile or a dump).  len bytes, need not be NUL-terminated.
 * Same contract as profile_from_json.
 */
int profile_parse(const char *text, size_t len, struct profile *p, char *err, size_t errsize);

/*
 * Load a file.  On error returns -1 with "PATH: message" in err.
 */
int profile_load_file(const char *path, struct profile *p, char *err, size_t errsize);

/* Serialise to an allocated JSON string (pretty if pretty != 0); caller frees. */
char *profile_to_string(const struct profile *p, int pretty);

/*
 * Nonzero when the libvirt layer lists a running domain with this UUID
 * (case-insensitive; the 36-character form libvirt prints).
 */
int profile_has_domain(const struct profile *p, const char *uuid);

#endif
