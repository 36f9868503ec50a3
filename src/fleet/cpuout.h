/*
 * cpuout.h - a baseline's CPU as the QEMU and libvirt of given releases
 * accept it: the QEMU -cpu string and the libvirt <cpu> element, naming
 * only what those releases know, never a feature whose QEMU dependency is
 * off, and, where libvirt cannot name the VMX controls (before 9.10), a
 * named model whose own VMX set lies within the baseline.
 */
#ifndef MIGCOMPAT_CPUOUT_H
#define MIGCOMPAT_CPUOUT_H

#include <stddef.h>

#include "profile.h"
#include "vmspec.h"

struct json_object;

/*
 * The releases to render for where no host records them: the caller's
 * choice (an option, the installed clients) and where it comes from
 * ("option", "installed").  Any member may be NULL: then the newest
 * release the tables cover.
 */
struct cpuout_clients {
	const char *qemu, *qemu_from;
	const char *libvirt, *libvirt_from;
};

/* The releases rendered for and where each comes from. */
struct cpuout_versions {
	char qemu[32];			/* "7.2.0"; "" the newest the tables cover */
	char libvirt[32];
	char qemu_from[16];		/* "hosts", "option", "installed", "tables" */
	char libvirt_from[16];
};

/*
 * The oldest QEMU and libvirt releases among the n hosts' libvirt layers;
 * hosts that record none count with cl's releases (cl may be NULL).
 */
void cpuout_versions_pick(const struct profile *const *hosts, size_t n, const struct cpuout_clients *cl,
    struct cpuout_versions *out);

/*
 * The answer's "versions" object for v: {"qemu", "qemu_from", "libvirt",
 * "libvirt_from"} (the newest the tables cover where v has none, which
 * is then said in notes, a JSON array; may be NULL).  New object.
 */
struct json_object *cpuout_versions_json(const struct cpuout_versions *v, struct json_object *notes);

/*
 * The QEMU -cpu argument for baseline b in scenario sc for v->qemu
 * ("kvm64,+sse4.2,...,+vmx,-vmx-..."): every feature that release names
 * and the baseline decides, on or off.  What the release cannot name, and
 * what QEMU would drop for a missing dependency, is left off and said in
 * notes (a JSON array; may be NULL).  Allocated; caller frees.
 */
char *cpuout_qemu(const struct profile *b, enum vmspec_scenario sc, const struct cpuout_versions *v,
    struct json_object *notes);

/*
 * The libvirt <cpu> element for baseline b for v->libvirt driving
 * v->qemu: only names both know.  Nested on Intel with a libvirt that has
 * no vmx-* names: the named model (known to both) whose VMX controls are
 * all within the baseline and that keeps the most of them; what is lost
 * is said in notes.  Allocated; caller frees.
 */
char *cpuout_libvirt(const struct profile *b, enum vmspec_scenario sc, const struct cpuout_versions *v,
    struct json_object *notes);

#endif
