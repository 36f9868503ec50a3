/*
 * rules_libvirt.c - the libvirt layer: what the destination's libvirt and
 * QEMU offer the VM (layers.libvirt of its profile).
 */
#include "config.h"

#include "rules_priv.h"

int
rules_libvirt_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	(void)s;
	(void)d;
	/* Profiles carry no machine types the rules compare. */
	if (c->vm->machine[0] != '\0')
		c->not_checked |= RULES_NC_MACHINE;
	return 0;
}
