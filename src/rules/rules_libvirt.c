/*
 * rules_libvirt.c - the libvirt layer: what the destination's libvirt and
 * QEMU offer the VM (layers.libvirt of its profile): machine types, usable
 * CPU models, Hyper-V enlightenments.  Only the destination matters: the VM
 * runs there with what it names, whatever the source had.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

/* What a libvirt reason is about (rules_reason.sub). */
enum rules_libvirt_what {
	RULES_LV_MACHINE = 0,
	RULES_LV_MODEL,
	RULES_LV_HYPERV,
};

/* Why the destination's layer cannot answer (rules_reason.msr of a layer-missing reason). */
enum rules_libvirt_cause {
	RULES_LV_ABSENT = 0,		/* no layers.libvirt */
	RULES_LV_UNAVAILABLE,		/* collection failed */
	RULES_LV_NO_DOMCAPS,		/* domain_capabilities false */
	RULES_LV_EMPTY,			/* the list is empty */
};

/*
 * The family prefix of a machine type: "pc-q35-" for "pc-q35-7.2" and for
 * the aliases "q35" and "pc-q35"; NULL for a name without one.  *alias is
 * set when name is an alias QEMU resolves to the newest of the family.
 */
static const char *
rules_libvirt_family(const char *name, char *buf, size_t bufsize, int *alias)
{
	const char *dash = strrchr(name, '-');
	size_t n;

	*alias = 1;
	if (strcmp(name, "q35") == 0 || strcmp(name, "pc-q35") == 0)
		return "pc-q35-";
	if (strcmp(name, "pc") == 0 || strcmp(name, "pc-i440fx") == 0)
		return "pc-i440fx-";
	*alias = 0;
	if (dash == NULL || dash[1] < '0' || dash[1] > '9' || (n = (size_t)(dash - name) + 1) >= bufsize)
		return NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

/* Compare the dotted versions after a family prefix numerically. */
static int
rules_libvirt_vercmp(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;

	for (;;) {
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea != '.' || *eb != '.')
			return (*ea == '.') - (*eb == '.');
		a = ea + 1;
		b = eb + 1;
	}
}

/* The newest machine type of the family prefix on the destination, or NULL. */
static const char *
rules_libvirt_newest(const struct plibvirt *lv, const char *family)
{
	size_t i, n = strlen(family);
	const char *best = NULL;

	for (i = 0; i < lv->machines.n; i++) {
		const char *m = lv->machines.v[i];

		if (strncmp(m, family, n) != 0 || m[n] < '0' || m[n] > '9')
			continue;
		if (best == NULL || rules_libvirt_vercmp(m + n, best + n) > 0)
			best = m;
	}
	return best;
}

/* The libvirt name of an enlightenment the VM uses, or NULL if libvirt has none. */
static const char *
rules_libvirt_hv_name(const char *name)
{
	const struct rules_hv *hv = rules_hv_find(name);

	return hv != NULL ? hv->libvirt : NULL;
}

/* Record a reason about what (machine type, model, enlightenment) named name. */
static int
rules_libvirt_note(struct rules_ctx *c, uint8_t rule, int blocking, enum rules_libvirt_what what,
    enum rules_libvirt_cause cause, const char *name)
{
	struct rules_reason r;

	memset(&r, 0, sizeof(r));
	r.layer = RULES_LAYER_LIBVIRT;
	r.rule = rule;
	r.blocking = (uint8_t)blocking;
	r.side = RULES_SIDE_DST;
	r.bit = -1;
	r.sub = what;
	r.msr = cause;
	r.ref = name;
	return rules_add(c, &r);
}

/* Why the destination's layer cannot answer for a list (-1: it can). */
static int
rules_libvirt_cause(const struct profile *p, int needs_domcaps, const struct plibvirt_list *l)
{
	if (p->libvirt.status == LAYER_ABSENT)
		return RULES_LV_ABSENT;
	if (!profile_layer_ok(&p->libvirt))
		return RULES_LV_UNAVAILABLE;
	if (needs_domcaps && !p->lv.domcaps)
		return RULES_LV_NO_DOMCAPS;
	return l->n == 0 ? RULES_LV_EMPTY : -1;
}

int
rules_libvirt_check(struct rules_ctx *c, const struct rules_prep *s, const struct rules_prep *d)
{
	const struct vmspec *vm = c->vm;
	const struct profile *p = c->dstp;
	const struct plibvirt *lv = &p->lv;
	const char *family, *hv;
	char buf[64];
	int cause, alias;
	size_t i;

	if (vm->machine[0] == '\0' && vm->cpu_model[0] == '\0' && vm->n_hyperv == 0)
		return 0;

	/* The machine type: listed, or an alias of a family the destination has. */
	if (vm->machine[0] != '\0') {
		cause = rules_libvirt_cause(p, 0, &lv->machines);
		family = rules_libvirt_family(vm->machine, buf, sizeof(buf), &alias);
		if (cause >= 0) {
			if (rules_libvirt_note(c, RULES_R_LAYER_MISSING, 0, RULES_LV_MACHINE,
			    (enum rules_libvirt_cause)cause, vm->machine))
				return 1;
		} else if (!plibvirt_list_has(&lv->machines, vm->machine, 0) &&
		    !(alias && rules_libvirt_newest(lv, family) != NULL)) {
			if (rules_libvirt_note(c, RULES_R_MACHINE, 1, RULES_LV_MACHINE, 0, vm->machine))
				return 1;
		}
	}

	/* A named CPU model (custom, or host-model's): usable on the destination. */
	if (vm->cpu_model[0] != '\0' &&
	    (vm->cpu_mode == VMSPEC_CPU_CUSTOM || vm->cpu_mode == VMSPEC_CPU_HOST_MODEL)) {
		if ((cause = rules_libvirt_cause(p, 1, &lv->cpu_models)) >= 0) {
			if (rules_libvirt_note(c, RULES_R_LAYER_MISSING, 0, RULES_LV_MODEL,
			    (enum rules_libvirt_cause)cause, vm->cpu_model))
				return 1;
		} else if (!plibvirt_list_has(&lv->cpu_models, vm->cpu_model, 0)) {
			if (rules_libvirt_note(c, RULES_R_CPU_MODEL, 1, RULES_LV_MODEL, 0, vm->cpu_model))
				return 1;
		}
	}

	/*
	 * Hyper-V: where the destination's libvirt lists what it offers.  An
	 * empty or missing list is older libvirt or no domain capabilities; the
	 * KVM layer's capability checks still apply then.
	 */
	if (rules_libvirt_cause(p, 1, &lv->hyperv_features) >= 0)
		return 0;
	for (i = 0; i < vm->n_hyperv; i++) {
		if ((hv = rules_libvirt_hv_name(vm->hyperv[i])) == NULL ||
		    plibvirt_list_has(&lv->hyperv_features, hv, 0))
			continue;
		if (rules_libvirt_note(c, RULES_R_HV_OFFERED, 1, RULES_LV_HYPERV, 0, vm->hyperv[i]))
			return 1;
	}
	return 0;
}

const char *
rules_libvirt_explain(const struct rules_ctx *c, const struct rules_reason *r, char *buf, size_t bufsize)
{
	static const char *const what[] = { "machine type", "CPU model", "Hyper-V enlightenment" };
	const struct profile *p = c->dstp;
	const char *name = r->ref != NULL ? r->ref : "?", *family, *newest;
	char fam[64], why[320];
	int alias;

	switch (r->rule) {
	case RULES_R_MACHINE:
		family = rules_libvirt_family(name, fam, sizeof(fam), &alias);
		newest = family != NULL ? rules_libvirt_newest(&p->lv, family) : NULL;
		snprintf(buf, bufsize, "libvirt: machine type %s is not offered on the destination (QEMU %s%s%s)",
		    name, p->lv.qemu_version[0] != '\0' ? p->lv.qemu_version : "of unknown version",
		    newest != NULL ? "; its newest of the family is " : "", newest != NULL ? newest : "");
		break;
	case RULES_R_CPU_MODEL:
		snprintf(buf, bufsize, "libvirt: CPU model %s is not usable on the destination (not among "
		    "the usable models of its domain capabilities)", name);
		break;
	case RULES_R_HV_OFFERED:
		snprintf(buf, bufsize, "Hyper-V: the VM uses the %s enlightenment, which libvirt on the "
		    "destination does not offer", name);
		break;
	case RULES_R_LAYER_MISSING:
		switch (r->msr) {
		case RULES_LV_ABSENT:
			snprintf(why, sizeof(why), "the destination profile has no libvirt layer");
			break;
		case RULES_LV_UNAVAILABLE:
			snprintf(why, sizeof(why), "the destination's libvirt layer is unavailable (%s)",
			    p->libvirt.reason[0] != '\0' ? p->libvirt.reason : "no reason given");
			break;
		case RULES_LV_NO_DOMCAPS:
			snprintf(why, sizeof(why), "the destination's libvirt layer has no domain capabilities "
			    "(the probe had no right to read them)");
			break;
		default:
			snprintf(why, sizeof(why), "the destination's libvirt layer lists no %s",
			    r->sub == RULES_LV_MACHINE ? "machine types" : "usable CPU models");
			break;
		}
		snprintf(buf, bufsize, "libvirt: %s %s cannot be checked: %s", r->sub < 3 ? what[r->sub] : "?",
		    name, why);
		break;
	default:
		return NULL;
	}
	return buf;
}
