/*
 * whatif.c - a fleet under another kernel: the changed hosts' profiles
 * (whatif_profile), a copy of the fleet index holding them, and the
 * targets and groups of both compared (whatif_json).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet.h"
#include "fleet_priv.h"
#include "htab.h"
#include "jbuf.h"
#include "jsonu.h"
#include "kvmnested.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "whatif.h"
#include "xmalloc.h"

/* ---- the fleet ---- */

/* A host of the snapshot. */
struct whatif_host {
	char *id;
	size_t old_cls, new_cls;	/* class numbers before and after */
	int selected;
};

/* A selected class's outcome. */
struct whatif_change {
	size_t cls;
	enum whatif_outcome outcome;
	char why[512];
	char new_hash[80];
	size_t *hosts;			/* indices of the selected hosts */
	size_t n;
};

/* A cell: the hosts of one class before and one class after. */
struct whatif_cell {
	size_t old_cls, new_cls;
	size_t first, n;		/* in the sorted host index */
};

/* Information on one class of either fleet. */
struct whatif_class {
	char hash[80];
	char cpu[128];
	char kernel[128];
	const struct profile *p;	/* the new fleet's profile (NULL for old classes) */
};

struct whatif_state {
	struct whatif_host *h;
	size_t nh;
	size_t *sorted;			/* host indices by (old_cls, new_cls) */
	struct whatif_cell *cell;
	size_t ncell;
	struct whatif_class *oldc, *newc;
	size_t nold, nnew;
	unsigned char *vold, *vnew;	/* [sc][i][j] */
	struct whatif_change *chg;
	size_t nchg;
	struct fleet *g;		/* the modified copy */
};

/* What the hosts are sorted on, copied: qsort takes no context and requests run at once. */
struct whatif_key {
	size_t old_cls, new_cls;
	const char *id;
	size_t idx;
};

static int
whatif_key_cmp(const void *a, const void *b)
{
	const struct whatif_key *x = a, *y = b;

	if (x->old_cls != y->old_cls)
		return x->old_cls < y->old_cls ? -1 : 1;
	if (x->new_cls != y->new_cls)
		return x->new_cls < y->new_cls ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void
whatif_state_free(struct whatif_state *st)
{
	size_t i;

	for (i = 0; i < st->nh; i++)
		free(st->h[i].id);
	free(st->h);
	free(st->sorted);
	free(st->cell);
	free(st->oldc);
	free(st->newc);
	free(st->vold);
	free(st->vnew);
	for (i = 0; i < st->nchg; i++)
		free(st->chg[i].hosts);
	free(st->chg);
	fleet_free(st->g);
}

static void
whatif_class_info(struct whatif_class *c, const struct profile *p)
{
	util_strlcpy(c->hash, p->hash, sizeof(c->hash));
	util_strlcpy(c->cpu, p->cpu.model_name, sizeof(c->cpu));
	util_strlcpy(c->kernel, p->kernel, sizeof(c->kernel));
}

/*
 * Under f's locks: the order of f, the selection, a snapshot of the hosts
 * with their class profiles.  The profiles stay alive after the lock is
 * dropped (f->computing) until whatif_release().
 */
static int
whatif_snapshot(struct fleet *f, const struct whatif_req *req, struct whatif_state *st,
    const struct profile ***prof_of_host, unsigned *status, char *err, size_t errsize)
{
	struct fleet_order *o;
	size_t i, k, h, slot, *cls_of_slot = NULL, n;
	int ret = -1;

	pthread_mutex_lock(&f->order_mu);
	pthread_mutex_lock(&f->lock);
	o = fleet_groups_order(f, req->policy);
	n = o->n;
	st->nold = n;
	st->oldc = xcalloc(n ? n : 1, sizeof(*st->oldc));
	st->vold = xmalloc(FLEET_NSCENARIOS * n * n + 1);
	memcpy(st->vold, o->verdict, FLEET_NSCENARIOS * n * n);
	cls_of_slot = xcalloc(f->n_slots ? f->n_slots : 1, sizeof(*cls_of_slot));
	for (i = 0; i < n; i++) {
		cls_of_slot[o->slot[i]] = i;
		whatif_class_info(&st->oldc[i], f->classes[o->slot[i]].p);
	}
	st->nh = f->n_hosts;
	st->h = xcalloc(st->nh ? st->nh : 1, sizeof(*st->h));
	*prof_of_host = xcalloc(st->nh ? st->nh : 1, sizeof(**prof_of_host));
	for (h = 0; h < st->nh; h++) {
		st->h[h].id = xstrdup(f->hosts[h].id);
		st->h[h].old_cls = cls_of_slot[f->hosts[h].cls];
		(*prof_of_host)[h] = f->classes[f->hosts[h].cls].p;
	}
	for (i = 0; i < req->n_hosts; i++) {
		if (htab_get_idx(&f->host_map, req->hosts[i], &h) == -1) {
			*status = 404;
			jsonu_err(err, errsize, NULL, "unknown host ID \"%s\"", req->hosts[i]);
			goto cleanup;
		}
		st->h[h].selected = 1;
	}
	if (req->class_sel != NULL) {
		uint64_t num;

		if (strncmp(req->class_sel, "sha256:", 7) == 0) {
			if (htab_get_idx(&f->class_map, req->class_sel, &slot) == -1) {
				*status = 404;
				jsonu_err(err, errsize, NULL, "no class with hash %s", req->class_sel);
				goto cleanup;
			}
		} else if (util_parse_u64(req->class_sel, SIZE_MAX, &num) == 0) {
			if (num >= n) {
				*status = 404;
				jsonu_err(err, errsize, NULL, "no class %s: the groups answer numbers %zu "
				    "classes from 0", req->class_sel, n);
				goto cleanup;
			}
			slot = o->slot[num];
		} else {
			*status = 400;
			jsonu_err(err, errsize, NULL, "class: \"%.40s\" is neither a class number nor a "
			    "class hash (sha256:...)", req->class_sel);
			goto cleanup;
		}
		for (k = 0; k < f->classes[slot].n; k++)
			st->h[f->classes[slot].hosts[k]].selected = 1;
	}
	f->computing++;
	ret = 0;
cleanup:
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_unlock(&f->order_mu);
	free(cls_of_slot);
	return ret;
}

/* The snapshot's profiles are no longer used. */
static void
whatif_release(struct fleet *f)
{
	size_t i;

	pthread_mutex_lock(&f->lock);
	if (--f->computing == 0) {
		for (i = 0; i < f->n_retired; i++)
			profile_free(f->retired[i]);
		f->n_retired = 0;
	}
	pthread_mutex_unlock(&f->lock);
}

/* The outcome of a selected host's class, computed once per class. */
static struct whatif_change *
whatif_change_of(struct whatif_state *st, const struct whatif_req *req, size_t cls,
    const struct profile *p, struct profile **q)
{
	struct whatif_change *c;
	size_t i;

	for (i = 0; i < st->nchg; i++)
		if (st->chg[i].cls == cls)
			return &st->chg[i];
	st->chg = xreallocarray(st->chg, st->nchg + 1, sizeof(*st->chg));
	c = &st->chg[st->nchg++];
	memset(c, 0, sizeof(*c));
	c->cls = cls;
	c->outcome = whatif_profile(p, req->kernel, req->params, req->n_params, q, c->why, sizeof(c->why));
	if (*q != NULL)
		util_strlcpy(c->new_hash, (*q)->hash, sizeof(c->new_hash));
	return c;
}

/* The copy of the fleet with the selected hosts changed, and its order. */
static int
whatif_build(struct whatif_state *st, const struct whatif_req *req, const struct profile **prof,
    char *err, size_t errsize)
{
	struct profile **newp = xcalloc(st->nold ? st->nold : 1, sizeof(*newp));
	struct fleet_order *o;
	struct whatif_change *c;
	size_t h, i, gh, n, *cls_of_slot = NULL;
	int ret = -1;

	st->g = fleet_new();
	for (h = 0; h < st->nh; h++) {
		const struct profile *use = prof[h];

		if (st->h[h].selected) {
			c = whatif_change_of(st, req, st->h[h].old_cls, prof[h], &newp[st->h[h].old_cls]);
			c->hosts = xreallocarray(c->hosts, c->n + 1, sizeof(*c->hosts));
			c->hosts[c->n++] = h;
			if (c->outcome == WHATIF_CHANGED)
				use = newp[st->h[h].old_cls];
		}
		if (fleet_set_host(st->g, st->h[h].id, use, err, errsize) == -1)
			goto cleanup;
	}
	pthread_mutex_lock(&st->g->order_mu);
	pthread_mutex_lock(&st->g->lock);
	o = fleet_groups_order(st->g, req->policy);
	n = st->nnew = o->n;
	st->newc = xcalloc(n ? n : 1, sizeof(*st->newc));
	st->vnew = xmalloc(FLEET_NSCENARIOS * n * n + 1);
	memcpy(st->vnew, o->verdict, FLEET_NSCENARIOS * n * n);
	cls_of_slot = xcalloc(st->g->n_slots ? st->g->n_slots : 1, sizeof(*cls_of_slot));
	for (i = 0; i < n; i++) {
		cls_of_slot[o->slot[i]] = i;
		whatif_class_info(&st->newc[i], st->g->classes[o->slot[i]].p);
		/* The copy is this answer's alone: its profiles stay put. */
		st->newc[i].p = st->g->classes[o->slot[i]].p;
	}
	for (h = 0; h < st->nh; h++) {
		if (htab_get_idx(&st->g->host_map, st->h[h].id, &gh) == 0)
			st->h[h].new_cls = cls_of_slot[st->g->hosts[gh].cls];
	}
	pthread_mutex_unlock(&st->g->lock);
	pthread_mutex_unlock(&st->g->order_mu);
	ret = 0;
cleanup:
	for (i = 0; i < st->nold; i++)
		profile_free(newp[i]);
	free(newp);
	free(cls_of_slot);
	return ret;
}

/* Sort the hosts by (old class, new class) and cut the cells. */
static void
whatif_cells(struct whatif_state *st)
{
	struct whatif_key *key = xcalloc(st->nh ? st->nh : 1, sizeof(*key));
	size_t i;

	for (i = 0; i < st->nh; i++) {
		key[i].old_cls = st->h[i].old_cls;
		key[i].new_cls = st->h[i].new_cls;
		key[i].id = st->h[i].id;
		key[i].idx = i;
	}
	if (st->nh > 1)
		qsort(key, st->nh, sizeof(*key), whatif_key_cmp);
	st->sorted = xcalloc(st->nh ? st->nh : 1, sizeof(*st->sorted));
	for (i = 0; i < st->nh; i++)
		st->sorted[i] = key[i].idx;
	free(key);
	st->cell = xcalloc(st->nh ? st->nh : 1, sizeof(*st->cell));
	for (i = 0; i < st->nh; i++) {
		const struct whatif_host *x = &st->h[st->sorted[i]];

		if (st->ncell == 0 || st->cell[st->ncell - 1].old_cls != x->old_cls ||
		    st->cell[st->ncell - 1].new_cls != x->new_cls) {
			st->cell[st->ncell].old_cls = x->old_cls;
			st->cell[st->ncell].new_cls = x->new_cls;
			st->cell[st->ncell].first = i;
			st->ncell++;
		}
		st->cell[st->ncell - 1].n++;
	}
}

static void
whatif_ids(struct jbuf *b, const struct whatif_state *st, const struct whatif_cell *c)
{
	size_t i;

	jbuf_puts(b, "[");
	for (i = 0; i < c->n; i++) {
		if (i > 0)
			jbuf_add(b, ",", 1);
		jbuf_str(b, st->h[st->sorted[c->first + i]].id);
	}
	jbuf_puts(b, "]");
}

static const char *
whatif_outcome_name(enum whatif_outcome o)
{
	return o == WHATIF_CHANGED ? "changed" : o == WHATIF_UNKNOWN ? "unknown" : "unchanged";
}

/* The changes of the selected classes, and the unknown ones again with their reasons. */
static void
whatif_write_changes(struct jbuf *b, const struct whatif_state *st)
{
	size_t i, k;
	int first = 1;

	jbuf_puts(b, ",\"changes\":[");
	for (i = 0; i < st->nchg; i++) {
		const struct whatif_change *c = &st->chg[i];

		jbuf_printf(b, "%s{\"class\":%zu,\"hash\":", i > 0 ? "," : "", c->cls);
		jbuf_str(b, st->oldc[c->cls].hash);
		jbuf_puts(b, ",\"kernel\":");
		jbuf_str(b, st->oldc[c->cls].kernel);
		jbuf_printf(b, ",\"outcome\":\"%s\"", whatif_outcome_name(c->outcome));
		if (c->outcome == WHATIF_UNKNOWN) {
			jbuf_puts(b, ",\"reason\":");
			jbuf_str(b, c->why);
		}
		if (c->outcome == WHATIF_CHANGED) {
			jbuf_puts(b, ",\"new_hash\":");
			jbuf_str(b, c->new_hash);
		}
		jbuf_puts(b, ",\"hosts\":[");
		for (k = 0; k < c->n; k++) {
			if (k > 0)
				jbuf_add(b, ",", 1);
			jbuf_str(b, st->h[c->hosts[k]].id);
		}
		jbuf_puts(b, "]}");
	}
	jbuf_puts(b, "],\"unknown\":[");
	for (i = 0; i < st->nchg; i++) {
		const struct whatif_change *c = &st->chg[i];

		if (c->outcome != WHATIF_UNKNOWN)
			continue;
		jbuf_printf(b, "%s{\"hosts\":[", first ? "" : ",");
		first = 0;
		for (k = 0; k < c->n; k++) {
			if (k > 0)
				jbuf_add(b, ",", 1);
			jbuf_str(b, st->h[c->hosts[k]].id);
		}
		jbuf_puts(b, "],\"reason\":");
		jbuf_str(b, c->why);
		jbuf_puts(b, "}");
	}
	jbuf_puts(b, "]");
}

/* A target cell of a lost or gained entry: its classes and hosts. */
static void
whatif_write_target(struct jbuf *b, const struct whatif_state *st, const struct whatif_cell *t)
{
	jbuf_printf(b, "{\"class\":%zu,\"hash\":", t->old_cls);
	jbuf_str(b, st->oldc[t->old_cls].hash);
	jbuf_puts(b, ",\"new_hash\":");
	jbuf_str(b, st->newc[t->new_cls].hash);
	jbuf_puts(b, ",\"hosts\":");
	whatif_ids(b, st, t);
}

/*
 * The targets class a loses (lost != 0: compatible before, not after; each
 * with the rules' answer after) or gains (not before, compatible after) in
 * scenario sc, as array entries.  Returns how many.
 */
static size_t
whatif_write_changed(struct jbuf *b, const struct whatif_state *st, const struct whatif_cell *a,
    int sc, const struct vmspec *vm, enum rules_policy policy, int lost)
{
	static const char *const members[] = { "verdict", "reasons", "notes" };
	size_t no = st->nold, nn = st->nnew, j, k, n = 0;
	struct json_object *ans, *v;

	for (j = 0; j < st->ncell; j++) {
		const struct whatif_cell *t = &st->cell[j];
		int was, is;

		if (t == a)
			continue;
		was = st->vold[((size_t)sc * no + a->old_cls) * no + t->old_cls] == RULES_COMPATIBLE;
		is = st->vnew[((size_t)sc * nn + a->new_cls) * nn + t->new_cls] == RULES_COMPATIBLE;
		if (lost ? !(was && !is) : !(is && !was))
			continue;
		if (n++ > 0)
			jbuf_add(b, ",", 1);
		whatif_write_target(b, st, t);
		if (lost) {
			ans = rules_check_json(st->newc[a->new_cls].p, st->newc[t->new_cls].p, vm, policy);
			for (k = 0; k < sizeof(members) / sizeof(members[0]); k++) {
				if (!json_object_object_get_ex(ans, members[k], &v))
					continue;
				jbuf_puts(b, ",\"");
				jbuf_puts(b, members[k]);
				jbuf_puts(b, "\":");
				jbuf_json(b, v);
			}
			json_object_put(ans);
		}
		jbuf_puts(b, "}");
	}
	return n;
}

/*
 * The targets source cell a loses and gains in scenario sc, into b.
 * Returns the number of entries written; *nlost and *ngained count them.
 */
static size_t
whatif_write_scenario(struct jbuf *b, const struct whatif_state *st, const struct whatif_cell *a,
    int sc, const struct vmspec *vm, enum rules_policy policy, size_t *nlost, size_t *ngained)
{
	size_t lost, gained;

	jbuf_puts(b, "{\"lost\":[");
	lost = whatif_write_changed(b, st, a, sc, vm, policy, 1);
	jbuf_puts(b, "],\"gained\":[");
	gained = whatif_write_changed(b, st, a, sc, vm, policy, 0);
	jbuf_puts(b, "]}");
	*nlost += lost;
	*ngained += gained;
	return lost + gained;
}

/* Every source cell whose targets change, per scenario. */
static void
whatif_write_classes(struct jbuf *out, const struct whatif_state *st, const struct whatif_req *req,
    size_t *nlost, size_t *ngained)
{
	struct vmspec *vm = xmalloc(sizeof(*vm));
	struct jbuf b;
	size_t i, n;
	int sc, first = 1;
	char *text;

	jbuf_puts(out, ",\"classes\":[");
	for (i = 0; i < st->ncell; i++) {
		const struct whatif_cell *a = &st->cell[i];

		jbuf_init(&b);
		jbuf_printf(&b, "{\"class\":%zu,\"hash\":", a->old_cls);
		jbuf_str(&b, st->oldc[a->old_cls].hash);
		jbuf_puts(&b, ",\"cpu\":");
		jbuf_str(&b, st->oldc[a->old_cls].cpu);
		jbuf_puts(&b, ",\"kernel\":");
		jbuf_str(&b, st->oldc[a->old_cls].kernel);
		jbuf_puts(&b, ",\"new_hash\":");
		jbuf_str(&b, st->newc[a->new_cls].hash);
		jbuf_puts(&b, ",\"new_kernel\":");
		jbuf_str(&b, st->newc[a->new_cls].kernel);
		jbuf_puts(&b, ",\"hosts\":");
		whatif_ids(&b, st, a);
		jbuf_puts(&b, ",\"scenarios\":{");
		n = 0;
		for (sc = 0; sc < FLEET_NSCENARIOS; sc++) {
			if (req->scenario >= 0 && sc != req->scenario)
				continue;
			vmspec_init(vm, (enum vmspec_scenario)sc);
			jbuf_printf(&b, "%s\"%s\":", n > 0 || (req->scenario < 0 && sc > 0) ? "," : "",
			    vmspec_scenario_name((enum vmspec_scenario)sc));
			n += whatif_write_scenario(&b, st, a, sc, vm, req->policy, nlost, ngained);
		}
		jbuf_puts(&b, "}}");
		text = jbuf_steal(&b, NULL);
		if (n > 0) {
			if (!first)
				jbuf_add(out, ",", 1);
			first = 0;
			jbuf_puts(out, text);
		}
		free(text);
	}
	jbuf_puts(out, "]");
	free(vm);
}

/* Classes whose hosts part ways, and classes that take in hosts of several. */
static size_t
whatif_write_groups(struct jbuf *b, const struct whatif_state *st)
{
	size_t i, j, k, n, found = 0;
	int first;

	jbuf_printf(b, ",\"groups\":{\"before\":%zu,\"after\":%zu,\"split\":[", st->nold, st->nnew);
	first = 1;
	for (i = 0; i < st->ncell; i = j) {
		for (j = i + 1; j < st->ncell && st->cell[j].old_cls == st->cell[i].old_cls; j++)
			;
		if (j - i < 2)
			continue;
		found++;
		jbuf_printf(b, "%s{\"class\":%zu,\"hash\":", first ? "" : ",", st->cell[i].old_cls);
		first = 0;
		jbuf_str(b, st->oldc[st->cell[i].old_cls].hash);
		jbuf_puts(b, ",\"into\":[");
		for (k = i; k < j; k++) {
			jbuf_puts(b, k > i ? ",{\"hash\":" : "{\"hash\":");
			jbuf_str(b, st->newc[st->cell[k].new_cls].hash);
			jbuf_puts(b, ",\"hosts\":");
			whatif_ids(b, st, &st->cell[k]);
			jbuf_puts(b, "}");
		}
		jbuf_puts(b, "]}");
	}
	jbuf_puts(b, "],\"merged\":[");
	first = 1;
	for (j = 0; j < st->nnew; j++) {
		for (i = n = 0; i < st->ncell; i++)
			n += st->cell[i].new_cls == j;
		if (n < 2)
			continue;
		found++;
		jbuf_puts(b, first ? "{\"hash\":" : ",{\"hash\":");
		first = 0;
		jbuf_str(b, st->newc[j].hash);
		jbuf_puts(b, ",\"from\":[");
		for (i = k = 0; i < st->ncell; i++) {
			if (st->cell[i].new_cls != j)
				continue;
			jbuf_printf(b, "%s{\"class\":%zu,\"hash\":", k++ > 0 ? "," : "", st->cell[i].old_cls);
			jbuf_str(b, st->oldc[st->cell[i].old_cls].hash);
			jbuf_puts(b, ",\"hosts\":");
			whatif_ids(b, st, &st->cell[i]);
			jbuf_puts(b, "}");
		}
		jbuf_puts(b, "]}");
	}
	jbuf_puts(b, "]}");
	return found;
}

/* The request's own checks: kernel, parameters, selection. */
static int
whatif_check_req(const struct whatif_req *req, char *err, size_t errsize)
{
	struct kvmnested_params pp;
	char msg[256];
	size_t i;

	if ((req->kernel == NULL || req->kernel[0] == '\0') && req->n_params == 0)
		return jsonu_err(err, errsize, "kernel", "missing: give the kernel release the hosts would "
		    "run, or kvm_intel parameters");
	if (req->kernel != NULL && kvmnested_covers(req->kernel, msg, sizeof(msg)) == -1)
		return jsonu_err(err, errsize, "kernel", "%s", msg);
	kvmnested_params_default(&pp);
	for (i = 0; i < req->n_params; i++)
		if (kvmnested_param_set(&pp, req->params[i], msg, sizeof(msg)) == -1)
			return jsonu_err(err, errsize, "params", "%s", msg);
	if (req->n_hosts == 0 && req->class_sel == NULL)
		return jsonu_err(err, errsize, NULL, "give the hosts (a list of host ids) or a class");
	if (req->scenario >= FLEET_NSCENARIOS)
		return jsonu_err(err, errsize, "scenario", "out of range");
	return 0;
}

char *
whatif_json(struct fleet *f, const struct whatif_req *req, size_t *len, unsigned *status,
    char *err, size_t errsize)
{
	const struct profile **prof = NULL;
	struct whatif_state st;
	struct jbuf b;
	size_t i, nsel = 0, nlost = 0, ngained = 0, ngroups;
	char *text = NULL, name[64];
	const char *v;
	int sc, first;

	memset(&st, 0, sizeof(st));
	*status = 400;
	if (whatif_check_req(req, err, errsize) == -1)
		return NULL;
	if (whatif_snapshot(f, req, &st, &prof, status, err, errsize) == -1)
		goto cleanup;
	if (whatif_build(&st, req, prof, err, errsize) == -1) {
		whatif_release(f);
		*status = 500;
		goto cleanup;
	}
	whatif_release(f);
	whatif_cells(&st);
	for (i = 0; i < st.nh; i++)
		nsel += st.h[i].selected != 0;

	jbuf_init(&b);
	jbuf_puts(&b, "{\"kernel\":");
	if (req->kernel != NULL)
		jbuf_str(&b, req->kernel);
	else
		jbuf_puts(&b, "null");
	jbuf_puts(&b, ",\"params\":{");
	for (i = 0; i < req->n_params; i++) {
		if ((v = whatif_param_split(req->params[i], name, sizeof(name))) == NULL)
			continue;
		jbuf_puts(&b, i > 0 ? ",\"kvm_intel." : "\"kvm_intel.");
		jbuf_puts(&b, name);
		jbuf_puts(&b, "\":");
		jbuf_str(&b, v);
	}
	jbuf_printf(&b, "},\"policy\":\"%s\",\"scenarios\":[", rules_policy_name(req->policy));
	for (sc = 0, first = 1; sc < FLEET_NSCENARIOS; sc++) {
		if (req->scenario >= 0 && sc != req->scenario)
			continue;
		jbuf_printf(&b, "%s\"%s\"", first ? "" : ",", vmspec_scenario_name((enum vmspec_scenario)sc));
		first = 0;
	}
	jbuf_printf(&b, "],\"hosts\":%zu", nsel);
	whatif_write_changes(&b, &st);
	whatif_write_classes(&b, &st, req, &nlost, &ngained);
	ngroups = whatif_write_groups(&b, &st);
	jbuf_printf(&b, ",\"lost\":%zu,\"gained\":%zu,\"unchanged\":%s}", nlost, ngained,
	    nlost == 0 && ngained == 0 && ngroups == 0 ? "true" : "false");
	text = jbuf_steal(&b, len);
	*status = 200;
cleanup:
	free(prof);
	whatif_state_free(&st);
	return text;
}
