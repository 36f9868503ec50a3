/*
 * pdiff.h - what changed between two profiles of a host: the features lost
 * and gained, by name, layer by layer.  Pure: two profiles in, JSON out.
 * The API's history diff, the CLI's "migcompat diff" and fleet change
 * queries share it.
 */
#ifndef MIGCOMPAT_PDIFF_H
#define MIGCOMPAT_PDIFF_H

#include <stdio.h>

#include "profile.h"

struct json_object;

/*
 * The difference from a (older) to b (newer) as a new JSON object (caller
 * puts it):
 * {"lost": [ITEM...], "gained": [ITEM...], "changed": [CHANGE...]}.
 * An ITEM names a capability present in one profile only:
 * {"layer": "vmx"|"vmx_vcpu"|"hw_msrs"|"<evmcs layer>/<view>"|"cpuid"|
 *  "hv_cpuid"|"kvm"|"libvirt", "name": ..., plus "msr"/"bit"/"kind" (VMX),
 *  "function"/"index"/"register"/"bit" (CPUID), "cap" (KVM) or
 *  "list"/"value" (libvirt: machines, cpu_models, host_model_features,
 *  host_model_disabled, hyperv_features)}.  A CHANGE is a value that
 * differs: {"layer", "name", "from", "to"}: a layer's "status" (every
 * layer), the host's kernel, CPU and signature, and within layers both
 * profiles have: numbers and missing leaves of CPUID, feature MSRs, VMX
 * MSRs compared by value or present on one side, eVMCS views and their
 * filter, per-CPU hardware MSRs, TSC, module parameters, libvirt versions
 * and defaults, and layers this version does not model (their JSON text).
 * MSR values, CPUID registers and revisions are hex strings ("0x2e"), a
 * missing one "absent".  Running domains are not compared.
 */
struct json_object *pdiff_json(const struct profile *a, const struct profile *b);

/*
 * Print a diff object made by pdiff_json as text, one line per item:
 * changes ("~ LAYER NAME: FROM -> TO"), then lost ("- LAYER NAME") and
 * gained ("+"); "no changes" when all three are empty.  Layers, names and
 * values are escaped as log_vis_print() escapes them: what a profile says
 * can neither add a line nor reach the terminal as control sequences.
 */
void pdiff_print(FILE *f, struct json_object *diff);

#endif
