/*
 * vmspec.h - what a VM uses, as far as migration compatibility goes: the
 * rules engine's second input besides the two host profiles.  Built from a
 * scenario name, a JSON VM spec (migcompat-vmspec(5)) or libvirt domain XML.
 */
#ifndef MIGCOMPAT_VMSPEC_H
#define MIGCOMPAT_VMSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "vmx.h"

struct json_object;

enum vmspec_scenario {
	VMSPEC_PLAIN = 0,	/* no nested virtualization */
	VMSPEC_NESTED,		/* nested VMX (or SVM) */
	VMSPEC_EVMCS,		/* nested + eVMCS, PV bit 0x4000000A.EBX[0] clear (QEMU) */
	VMSPEC_EVMCS_PV,	/* nested + eVMCS with the PV bit set */
};

enum vmspec_cpu_mode {
	VMSPEC_CPU_HOST_PASSTHROUGH = 0,
	VMSPEC_CPU_HOST_MODEL,
	VMSPEC_CPU_CUSTOM,
	VMSPEC_CPU_MAXIMUM,
};

#define VMSPEC_MAX_FEATURES	256
#define VMSPEC_FEATURE_LEN	48

/* libvirt's feature policies (optional is not a pinned state and is not listed). */
enum vmspec_policy {
	VMSPEC_POLICY_REQUIRE = 0,
	VMSPEC_POLICY_FORCE,
	VMSPEC_POLICY_DISABLE,
	VMSPEC_POLICY_FORBID,	/* off, and a host that has the feature cannot run the VM */
	VMSPEC_POLICY_DEPENDENCY,	/* not in the configuration: off because QEMU drops it
					   for a dependency the spec turns off (vmcpu.h) */
};

struct vmspec_feature {
	char name[VMSPEC_FEATURE_LEN];	/* "vmx-tsc-scaling", "avx512f", "hv-evmcs" */
	int enabled;			/* 1 require/force, 0 disable/forbid */
	enum vmspec_policy policy;	/* agrees with enabled; JSON specs: require or disable */
};

/*
 * The flags nested, evmcs and evmcs_pv are authoritative: the rules engine
 * reads them, and scenario is kept in step by vmspec_set_scenario() and the
 * parsers (vmspec_scenario_of() recomputes it).  Features are QEMU/libvirt
 * names: CPUID flags ("avx512f", "sse4.2") and vmx-* controls; hv-*
 * names go to hyperv[] without the prefix.
 */
struct vmspec {
	enum vmspec_scenario scenario;	/* derived: nested/evmcs/pv below agree with it */
	enum vmspec_cpu_mode cpu_mode;
	char cpu_model[64];		/* custom/host-model model name, "" none */
	int nested;			/* VMX/SVM exposed to the guest */
	int evmcs;			/* Hyper-V enlightened VMCS on */
	int evmcs_pv;			/* 0x4000000A.EBX[0] set in guest CPUID */
	struct vmspec_feature features[VMSPEC_MAX_FEATURES];	/* CPU and vmx-* features */
	size_t n_features;
	char hyperv[VMSPEC_MAX_FEATURES / 4][32];	/* Hyper-V enlightenments in use ("relaxed", "evmcs") */
	size_t n_hyperv;
	int hyperv_passthrough;		/* <hyperv mode='passthrough'> */
	uint32_t tsc_khz;		/* pinned TSC frequency, 0 none */
	int invtsc;
	char machine[64];		/* machine type ("pc-q35-7.2"), "" unknown */
	char uuid[40];			/* domain UUID when known, "" otherwise */
};

/* Initialise spec to the given scenario with host-passthrough CPU. */
void vmspec_init(struct vmspec *spec, enum vmspec_scenario sc);

/* Set the scenario and the nested/evmcs/evmcs_pv flags that define it. */
void vmspec_set_scenario(struct vmspec *spec, enum vmspec_scenario sc);

/* The scenario the nested/evmcs/evmcs_pv flags describe. */
enum vmspec_scenario vmspec_scenario_of(const struct vmspec *spec);

/*
 * Add or update a CPU or vmx-* feature (enabled 1: required/forced, 0:
 * disabled/forbidden).  Returns 0, or -1 when the name is empty or too long
 * or the list is full.
 */
int vmspec_add_feature(struct vmspec *spec, const char *name, int enabled);

/*
 * Add a Hyper-V enlightenment ("evmcs" or "hv-evmcs"; stored without the
 * prefix; adding "evmcs" also sets nested and evmcs).  Duplicates are
 * ignored.  Returns 0, or -1 when empty, too long, still "hv-" after the
 * prefix is removed ("hv-hv-evmcs"), or the list is full.
 */
int vmspec_add_hyperv(struct vmspec *spec, const char *name);

/* Nonzero when the enlightenment (with or without "hv-") is in use. */
int vmspec_has_hyperv(const struct vmspec *spec, const char *name);

/* Parse "plain", "nested", "evmcs" or "evmcs-pv".  Returns 0 or -1. */
int vmspec_scenario_parse(const char *s, enum vmspec_scenario *sc);

/* The name of a scenario ("evmcs-pv"). */
const char *vmspec_scenario_name(enum vmspec_scenario sc);

/*
 * Fill spec from a JSON VM spec object (migcompat-vmspec(5)).  Returns 0,
 * or -1 with a one-line message naming the field in err.
 */
int vmspec_from_json(struct json_object *obj, struct vmspec *spec, char *err, size_t errsize);

/* Parse a JSON VM spec document of len bytes.  Same contract. */
int vmspec_parse(const char *text, size_t len, struct vmspec *spec, char *err, size_t errsize);

/* The JSON form of spec (new object, caller puts it). */
struct json_object *vmspec_to_json(const struct vmspec *spec);

#endif
