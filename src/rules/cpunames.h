/*
 * cpunames.h - the x86 CPU feature names of QEMU and libvirt, by release:
 * which bit each name is, which QEMU and libvirt releases know it, QEMU's
 * feature dependencies, the named CPU models of both, and the machine types
 * of each QEMU release.  Generated at build time from data/cpu-names.tsv,
 * data/qemu-deps.tsv, data/qemu-models.tsv, data/libvirt-models.tsv and
 * data/qemu-machines.tsv.  Pure look-ups: no I/O, no allocation.
 *
 * Releases are version strings compared numerically component by component
 * ("7.2", "7.2.0" and "7.2.22" all mean 7.2 here: only major.minor counts,
 * since the tables record x.y releases).  A NULL release means "the newest
 * release the tables know".
 */
#ifndef MIGCOMPAT_CPUNAMES_H
#define MIGCOMPAT_CPUNAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * One bit and its names (a row of data/cpu-names.tsv).  kind is "cpuid",
 * "msr", "vmx" or "none" (a name with no bit the rules compare; index,
 * subleaf, reg and bit still say where the bit is).  For cpuid: index is
 * the leaf, reg "eax".."edx"; for msr and vmx: index is the MSR (control
 * MSRs under their TRUE index, bit = control bit), reg NULL.  qemu is
 * QEMU's canonical name, qemu_aliases and libvirt_aliases comma lists; any
 * of the names may be NULL.  qemu_since and libvirt_since are the first
 * releases with the name (NULL: that project lacks it).
 */
struct cpunames_entry {
	const char *kind;
	uint32_t index;
	uint32_t subleaf;
	const char *reg;
	unsigned bit;
	const char *qemu;
	const char *qemu_aliases;
	const char *libvirt;
	const char *libvirt_aliases;
	const char *qemu_since;
	const char *libvirt_since;
};

/* One feature_dependencies[] entry (data/qemu-deps.tsv); until NULL: current. */
struct cpunames_dep {
	const char *from;
	const char *to;
	const char *since;
	const char *until;
};

/* One QEMU model version (data/qemu-models.tsv); alias and vendor may be NULL. */
struct cpunames_qmodel {
	const char *model;
	unsigned version;
	const char *alias;
	const char *vendor;
	const char *since;
	const char *features;
};

/* One libvirt model (data/libvirt-models.tsv); vendor and base may be NULL. */
struct cpunames_lvmodel {
	const char *model;
	const char *vendor;
	const char *since;
	const char *base;
	const char *features;
};

/* One machine type (data/qemu-machines.tsv); last NULL: still offered. */
struct cpunames_machine {
	const char *machine;
	const char *first;
	const char *last;
};

extern const struct cpunames_entry cpunames_table[];
extern const size_t cpunames_table_count;
extern const struct cpunames_dep cpunames_deps[];
extern const size_t cpunames_deps_count;
extern const struct cpunames_qmodel cpunames_qmodels[];
extern const size_t cpunames_qmodels_count;
extern const struct cpunames_lvmodel cpunames_lvmodels[];
extern const size_t cpunames_lvmodels_count;
extern const struct cpunames_machine cpunames_machines[];
extern const size_t cpunames_machines_count;

/* The newest QEMU and libvirt releases the tables were built from. */
#define CPUNAMES_QEMU_NEWEST	"10.2"
#define CPUNAMES_LIBVIRT_NEWEST	"12.8"

/*
 * Compare two dotted version strings numerically on their first two
 * components ("8.2" < "10.0"; "7.2.0" == "7.2"): <0, 0 or >0.  A NULL
 * string is newer than every release.
 */
int cpunames_vercmp(const char *a, const char *b);

/*
 * The entry named name in any spelling: QEMU canonical name or alias,
 * libvirt name or alias ("pclmuldq", "pclmulqdq", "tsc_adjust",
 * "tsc-adjust", "cqm").  An exact match wins; otherwise '-', '_' and '.'
 * are treated alike and case is ignored.  A name QEMU gives two bits
 * ("kvmclock", "vmx-invept-single-context") returns the lower bit's entry.
 * NULL if no table row has the name: the caller reports it as unknown.
 */
const struct cpunames_entry *cpunames_find(const char *name);

/*
 * The entry at a location: kind "cpuid" with leaf/subleaf/reg/bit, or
 * "msr"/"vmx" with index/bit (subleaf and reg ignored).  NULL if none.
 */
const struct cpunames_entry *cpunames_lookup(const char *kind, uint32_t index, uint32_t subleaf,
    const char *reg, unsigned bit);

/* Position of e in cpunames_table (e must point into it). */
size_t cpunames_index(const struct cpunames_entry *e);

/*
 * The name QEMU release qemu_release uses for e (its canonical name), or
 * NULL if that release has no name for the bit.  NULL release: newest.
 */
const char *cpunames_qemu_name(const struct cpunames_entry *e, const char *qemu_release);

/* Likewise the libvirt name in libvirt release libvirt_release, or NULL. */
const char *cpunames_libvirt_name(const struct cpunames_entry *e, const char *libvirt_release);

/*
 * 1 if QEMU release qemu_release accepts the spelling name on -cpu (the
 * canonical name or one of its aliases, exact spelling), 0 otherwise.
 */
int cpunames_qemu_knows(const char *name, const char *qemu_release);

/* 1 if libvirt release libvirt_release accepts name in <feature name=>, 0 otherwise. */
int cpunames_libvirt_knows(const char *name, const char *libvirt_release);

/* A set of table entries (bit i = cpunames_table[i]). */
#define CPUNAMES_SET_MAX	1024
struct cpunames_set {
	uint64_t w[CPUNAMES_SET_MAX / 64];
};

/* Empty s. */
void cpunames_set_clear(struct cpunames_set *s);
/* Add or remove e; has: 1 if e is in s. */
void cpunames_set_add(struct cpunames_set *s, const struct cpunames_entry *e);
void cpunames_set_del(struct cpunames_set *s, const struct cpunames_entry *e);
int cpunames_set_has(const struct cpunames_set *s, const struct cpunames_entry *e);
/* Number of entries in s. */
size_t cpunames_set_count(const struct cpunames_set *s);

/*
 * Add the feature name to s: every entry QEMU's property of that name sets
 * (both bits for "kvmclock"), or the one entry of a libvirt-only name.
 * 0, or -1 if the name is unknown (s unchanged).
 */
int cpunames_set_add_name(struct cpunames_set *s, const char *name);

/*
 * Resolve a QEMU CPU model name as QEMU release qemu_release does: "Model"
 * (version 1 on every pc machine type, see cpunames_default_version),
 * "Model-vN", or a version alias ("Cascadelake-Server-noTSX").  On success
 * stores the version in *version (if not NULL) and returns the model's
 * version-1 row; NULL if the name, or that version, is unknown to the
 * release.
 */
const struct cpunames_qmodel *cpunames_qemu_model(const char *name, const char *qemu_release,
    unsigned *version);

/*
 * The features of QEMU model name (as cpunames_qemu_model resolves it) in
 * qemu_release: the base definition plus every version's changes up to the
 * resolved version, stored in *out (cleared first).  Before QEMU's
 * dependency pass (see cpunames_dep_closure).  0, or -1 if the model is
 * unknown to the release or the table refers to an unknown name.
 */
int cpunames_qemu_model_features(const char *name, const char *qemu_release, struct cpunames_set *out);

/*
 * The features libvirt release libvirt_release's model name lists (base
 * models and changes resolved), in *out (cleared first).  Features marked
 * as added to an existing model count only from the release that has the
 * feature name and never for libvirt 9.0 or older.  0, or -1 if the model
 * is unknown to the release.  *vendor (if not NULL) gets the vendor or NULL.
 */
int cpunames_libvirt_model_features(const char *name, const char *libvirt_release,
    struct cpunames_set *out, const char **vendor);

/*
 * Apply QEMU release qemu_release's feature_dependencies[] to set once, in
 * QEMU's order: for each entry whose "from" features are not all in set,
 * remove its "to" entries.  The removed entries are added to *dropped (if
 * not NULL; not cleared first).  Returns the number removed.
 */
size_t cpunames_dep_closure(struct cpunames_set *set, const char *qemu_release,
    struct cpunames_set *dropped);

/*
 * 1 if QEMU release qemu_release offers machine type machine ("pc-q35-7.2",
 * "pc-i440fx-2.12"; the aliases "pc" and "q35" always), 0 if not or if the
 * table does not know the machine type.  For releases newer than the newest
 * checked, a type still offered there counts as offered.
 */
int cpunames_machine_known(const char *machine, const char *qemu_release);

/*
 * The model version an unversioned QEMU model name means on machine type
 * machine: 1 on every pc-i440fx/pc-q35 type (4.1 and later set
 * default_cpu_version 1; older types use the legacy definition, which is
 * the same feature set as version 1).
 */
unsigned cpunames_default_version(const char *machine);

#endif
