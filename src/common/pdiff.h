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
 * {"layer": "vmx"|"evmcs-<view>"|"cpuid"|"hv_cpuid"|"kvm", "name": ...,
 *  plus "msr"/"bit" (VMX), "function"/"index"/"register"/"bit" (CPUID) or
 *  "cap" (KVM)}.  A CHANGE is a value that differs:
 * {"layer", "name", "from", "to"} (kernel, microcode, TSC, module
 * parameters, numeric VMX fields, KVM capability values).  Layers absent
 * from either profile are not compared.
 */
struct json_object *pdiff_json(const struct profile *a, const struct profile *b);

/* Print a diff object made by pdiff_json as text, one line per item. */
void pdiff_print(FILE *f, struct json_object *diff);

#endif
