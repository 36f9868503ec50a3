/*
 * plibvirt.h - the libvirt layer of a host profile: libvirt and QEMU
 * versions, the domain capabilities of the default emulator (host-model CPU,
 * usable CPU models, machine types, Hyper-V enlightenments offered) and the
 * UUIDs of the domains running on the host.  JSON key layers.libvirt.
 */
#ifndef MIGCOMPAT_PLIBVIRT_H
#define MIGCOMPAT_PLIBVIRT_H

#include <stddef.h>

struct json_object;

/* A list of strings the profile owns. */
struct plibvirt_list {
	char **v;
	size_t n;
};

struct plibvirt {
	int domcaps;			/* 0: no domain capabilities (no right to ask); the
					   fields from them (virttype, host_model*, cpu_models,
					   hyperv_features) are empty, not "none offered" */
	char libvirt_version[32];	/* "9.0.0" */
	char qemu_version[32];		/* "7.2.0", "" unknown */
	char virttype[16];		/* "kvm", or "qemu" when KVM is not usable by libvirt */
	char arch[16];			/* "x86_64" */
	char machine[64];		/* the default machine type, canonical name */
	struct plibvirt_list machines;	/* every machine type incl. aliases, sorted */
	char host_model[64];		/* host-model CPU model, "" not supported */
	char host_model_vendor[16];	/* "Intel", "AMD", "" */
	struct plibvirt_list host_model_features;	/* policy require */
	struct plibvirt_list host_model_disabled;	/* policy disable */
	struct plibvirt_list cpu_models;	/* custom models usable on this host, sorted */
	struct plibvirt_list hyperv_features;	/* <hyperv> enlightenments offered, sorted */
	struct plibvirt_list domains;	/* UUIDs of running domains, sorted; not hashed */
};

/* Append a copy of s. */
void plibvirt_list_add(struct plibvirt_list *l, const char *s);

/* Nonzero when l holds s (case-insensitive when nocase). */
int plibvirt_list_has(const struct plibvirt_list *l, const char *s, int nocase);

/* Sort l and drop duplicates. */
void plibvirt_list_sort(struct plibvirt_list *l);

/* Free what l owns and empty it.  NULL is fine. */
void plibvirt_list_clear(struct plibvirt_list *l);

/* Free what lv owns and zero it.  NULL is fine. */
void plibvirt_clear(struct plibvirt *lv);

/*
 * Fill dst with a copy of src that owns its own lists (dst's previous
 * contents are not freed).
 */
void plibvirt_copy(struct plibvirt *dst, const struct plibvirt *src);

/*
 * Add the layer's fields (everything but status and reason) to the JSON
 * object o.  "domains" changes as guests come and go: profile_content
 * leaves it out of a profile's content.
 */
void plibvirt_to_json(const struct plibvirt *lv, struct json_object *o);

/*
 * Fill lv (cleared by the caller) from the layers.libvirt object o.
 * Returns 0, or -1 with a message naming the field in err.
 */
int plibvirt_from_json(struct json_object *o, struct plibvirt *lv, char *err, size_t errsize);

#endif
