/*
 * collect.h - collect this host's profile: identity, CPU, and every KVM
 * layer that /dev/kvm and sysfs expose.
 */
#ifndef MIGCOMPAT_COLLECT_H
#define MIGCOMPAT_COLLECT_H

#include <stddef.h>

#include "profile.h"

struct collect_opts {
	const char *kvm_path;		/* NULL: /dev/kvm */
	const char *sysfs_module_dir;	/* NULL: /sys/module */
	const char *cpuinfo_path;	/* NULL: /proc/cpuinfo */
	const char *machine_id_path;	/* NULL: /etc/machine-id */
	const char *host_id;		/* NULL: read machine_id_path */
	const char *libvirt_uri;	/* NULL: qemu:///system */
	int no_libvirt;			/* leave the libvirt layer out */
	const char *msr_dir;		/* NULL: /dev/cpu (the msr driver's nodes) */
	unsigned guest_timeout_ms;	/* deadline of one probe-guest run, 0: 2000 */
	int no_guest;			/* do not run the probe guest */
};

/*
 * Fill p (initialised by the caller) with this host's profile.  Layers that
 * cannot be collected are marked unavailable with the reason.  Returns -1
 * with a message in err only when the KVM device cannot be opened or
 * answers nothing (no KVM, no permission): the caller exits with status 2.
 */
int collect_host(const struct collect_opts *o, struct profile *p, char *err, size_t errsize);

/* Fill the identity, kernel and CPU fields only.  Never fails. */
void collect_identity(const struct collect_opts *o, struct profile *p);

/*
 * Fill the libvirt layer (domain capabilities, running domains) through a
 * read-only connection to o->libvirt_uri; unavailable with the reason when
 * libvirt is absent, refuses, or migcompat was built without it; absent
 * with o->no_libvirt.  Never fails.
 */
void collect_libvirt(const struct collect_opts *o, struct profile *p);

/* Read the kvm, kvm_intel, kvm_amd (and other kvm*) module parameters. */
void collect_params(const struct collect_opts *o, struct profile *p);

#endif
