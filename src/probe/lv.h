/*
 * lv.h - the libvirt layer of this host's profile, through a read-only
 * libvirt connection.  Built only with libvirt (HAVE_LIBVIRT).
 */
#ifndef MIGCOMPAT_LV_H
#define MIGCOMPAT_LV_H

#include "profile.h"

/* The connection used when the caller names none. */
#define LV_DEFAULT_URI	"qemu:///system"

/*
 * Fill p->libvirt and p->lv through a read-only connection to uri (NULL:
 * LV_DEFAULT_URI): libvirt and QEMU versions, the domain capabilities of the
 * default emulator and machine for arch x86_64 and virttype kvm (qemu when
 * libvirt cannot use KVM, which the layer's reason then says), the machine
 * types, and the UUIDs of the running domains.  The emulator path is never
 * chosen by the caller.  Returns 0 with the layer measured, or -1 with the
 * layer unavailable and libvirt's own message as the reason.  Prints
 * nothing (libvirt's default error printing is switched off); callers that
 * retry decide themselves how often to log the reason.
 */
int lv_collect(const char *uri, struct profile *p);

#endif
