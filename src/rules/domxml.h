/*
 * domxml.h - libvirt domain XML as a VM spec: the CPU mode, model and
 * features (including vmx-*), the Hyper-V enlightenments, the pinned TSC
 * frequency, the machine type and the UUID of a domain.
 *
 * The XML comes from outside (the libvirt hook, POST /v1/compat, a file
 * given to the CLI), so the parser is strict: no network, no DTD, no
 * entities of any kind, a size limit, libxml2's default depth limit.
 */
#ifndef MIGCOMPAT_DOMXML_H
#define MIGCOMPAT_DOMXML_H

#include <stddef.h>

#include "vmspec.h"

/* Largest domain XML document accepted, in bytes. */
#define DOMXML_MAX_SIZE	(1024u * 1024)

/*
 * Fill spec from len bytes of libvirt domain XML (need not be
 * NUL-terminated).  spec is initialised here; nothing of its previous
 * contents survives.  Documents larger than DOMXML_MAX_SIZE, not
 * well-formed, carrying a DOCTYPE (libvirt never writes one, and refusing it
 * is what keeps entities from ever being declared, let alone resolved), or
 * missing what libvirt itself requires (<domain>, <name>, <os><type>) are
 * refused.  Returns 0, or -1 with a one-line message naming the element in
 * err.  Safe to call from several threads at once.
 */
int domxml_parse(const char *xml, size_t len, struct vmspec *spec, char *err, size_t errsize);

#endif
