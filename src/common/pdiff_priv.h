/*
 * pdiff_priv.h - what pdiff.c and pdiff_layers.c share: the lists a diff
 * fills and the helpers that append to them.
 */
#ifndef MIGCOMPAT_PDIFF_PRIV_H
#define MIGCOMPAT_PDIFF_PRIV_H

#include <stdint.h>

#include "profile.h"
#include "vmx.h"

struct json_object;

struct pdiff {
	struct json_object *lost, *gained, *changed;
};

/* Append {"layer", "name", "from", "to"} to changed; takes from and to. */
void pdiff_change(struct pdiff *d, const char *layer, const char *name, struct json_object *from,
    struct json_object *to);

/* The same when the values differ: strings, integers, hex ("0x1f"). */
void pdiff_change_str(struct pdiff *d, const char *layer, const char *name, const char *from,
    const char *to);
void pdiff_change_int(struct pdiff *d, const char *layer, const char *name, int64_t from, int64_t to);
void pdiff_change_hex(struct pdiff *d, const char *layer, const char *name, uint64_t from, uint64_t to);

/* Append {"layer", "name"} to lost (gained == 0) or gained; returns it to add fields. */
struct json_object *pdiff_item(struct pdiff *d, int gained, const char *layer, const char *name);

/*
 * Every VMX MSR of a set: controls, EPT/VPID and VM functions bit by bit,
 * the flags and numbers of BASIC and MISC, the other MSRs as values, and
 * MSRs present in one set only.
 */
void pdiff_vmx(struct pdiff *d, const char *layer, const struct vmx_msrs *a,
    const struct vmx_msrs *b);

/* pdiff_layers.c: the status of every layer, and the layers below. */
void pdiff_layers_status(struct pdiff *d, const struct profile *a, const struct profile *b);
void pdiff_layers_msrs(struct pdiff *d, const struct profile *a, const struct profile *b);
void pdiff_layers_hw(struct pdiff *d, const struct profile *a, const struct profile *b);
void pdiff_layers_params(struct pdiff *d, const struct profile *a, const struct profile *b);
void pdiff_layers_libvirt(struct pdiff *d, const struct plibvirt *a, const struct plibvirt *b);
void pdiff_layers_extra(struct pdiff *d, const struct profile *a, const struct profile *b);

#endif
