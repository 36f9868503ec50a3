/*
 * plibvirt.c - the libvirt layer of a host profile and its JSON form.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "plibvirt.h"
#include "xmalloc.h"


/* Longest string accepted in any field of the layer. */
#define PLIBVIRT_STR_MAX	256

void
plibvirt_list_add(struct plibvirt_list *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

int
plibvirt_list_has(const struct plibvirt_list *l, const char *s, int nocase)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if ((nocase ? strcasecmp(l->v[i], s) : strcmp(l->v[i], s)) == 0)
			return 1;
	return 0;
}

static int
plibvirt_list_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
plibvirt_list_sort(struct plibvirt_list *l)
{
	size_t i, j;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), plibvirt_list_cmp);
	for (i = 1, j = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[j - 1]) == 0)
			free(l->v[i]);
		else
			l->v[j++] = l->v[i];
	}
	l->n = j;
}

void
plibvirt_list_clear(struct plibvirt_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
plibvirt_clear(struct plibvirt *lv)
{
	if (lv == NULL)
		return;
	plibvirt_list_clear(&lv->machines);
	plibvirt_list_clear(&lv->host_model_features);
	plibvirt_list_clear(&lv->host_model_disabled);
	plibvirt_list_clear(&lv->cpu_models);
	plibvirt_list_clear(&lv->hyperv_features);
	plibvirt_list_clear(&lv->domains);
	memset(lv, 0, sizeof(*lv));
}

static void
plibvirt_list_copy(struct plibvirt_list *dst, const struct plibvirt_list *src)
{
	size_t i;

	dst->v = NULL;
	dst->n = 0;
	for (i = 0; i < src->n; i++)
		plibvirt_list_add(dst, src->v[i]);
}

void
plibvirt_copy(struct plibvirt *dst, const struct plibvirt *src)
{
	*dst = *src;
	plibvirt_list_copy(&dst->machines, &src->machines);
	plibvirt_list_copy(&dst->host_model_features, &src->host_model_features);
	plibvirt_list_copy(&dst->host_model_disabled, &src->host_model_disabled);
	plibvirt_list_copy(&dst->cpu_models, &src->cpu_models);
	plibvirt_list_copy(&dst->hyperv_features, &src->hyperv_features);
	plibvirt_list_copy(&dst->domains, &src->domains);
}

static struct json_object *
plibvirt_list_json(const struct plibvirt_list *l)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	return a;
}

void
plibvirt_to_json(const struct plibvirt *lv, struct json_object *o)
{
	struct json_object *hm;

	json_object_object_add(o, "domain_capabilities", json_object_new_boolean(lv->domcaps));
	json_object_object_add(o, "libvirt_version", json_object_new_string(lv->libvirt_version));
	json_object_object_add(o, "qemu_version", json_object_new_string(lv->qemu_version));
	json_object_object_add(o, "virttype", json_object_new_string(lv->virttype));
	json_object_object_add(o, "arch", json_object_new_string(lv->arch));
	json_object_object_add(o, "machine", json_object_new_string(lv->machine));
	json_object_object_add(o, "machines", plibvirt_list_json(&lv->machines));
	hm = json_object_new_object();
	json_object_object_add(hm, "model", json_object_new_string(lv->host_model));
	json_object_object_add(hm, "vendor", json_object_new_string(lv->host_model_vendor));
	json_object_object_add(hm, "features", plibvirt_list_json(&lv->host_model_features));
	json_object_object_add(hm, "disabled", plibvirt_list_json(&lv->host_model_disabled));
	json_object_object_add(o, "host_model", hm);
	json_object_object_add(o, "cpu_models", plibvirt_list_json(&lv->cpu_models));
	json_object_object_add(o, "hyperv_features", plibvirt_list_json(&lv->hyperv_features));
	json_object_object_add(o, "domains", plibvirt_list_json(&lv->domains));
}

/* Read an optional string field of o into buf. */
static int
plibvirt_str(struct json_object *o, const char *key, const char *path, char *buf, size_t bufsize,
    char *err, size_t errsize)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return jsonu_str(v, path, buf, bufsize, err, errsize);
}

/* Read an optional array of strings of o into l. */
static int
plibvirt_list_parse(struct json_object *o, const char *key, const char *path, struct plibvirt_list *l,
    char *err, size_t errsize)
{
	struct json_object *a;
	char fpath[128], buf[PLIBVIRT_STR_MAX];
	size_t i, n;

	if (!json_object_object_get_ex(o, key, &a))
		return 0;
	if (jsonu_want(a, path, json_type_array, err, errsize) == -1)
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		snprintf(fpath, sizeof(fpath), "%s[%zu]", path, i);
		if (jsonu_str(json_object_array_get_idx(a, i), fpath, buf, sizeof(buf), err, errsize) == -1)
			return -1;
		plibvirt_list_add(l, buf);
	}
	return 0;
}

int
plibvirt_from_json(struct json_object *o, struct plibvirt *lv, char *err, size_t errsize)
{
	struct json_object *hm, *v;

#define P "layers.libvirt."
	lv->domcaps = 1;
	if (json_object_object_get_ex(o, "domain_capabilities", &v) &&
	    jsonu_bool(v, P "domain_capabilities", &lv->domcaps, err, errsize) == -1)
		return -1;
	if (plibvirt_str(o, "libvirt_version", P "libvirt_version", lv->libvirt_version,
	    sizeof(lv->libvirt_version), err, errsize) == -1 ||
	    plibvirt_str(o, "qemu_version", P "qemu_version", lv->qemu_version,
	    sizeof(lv->qemu_version), err, errsize) == -1 ||
	    plibvirt_str(o, "virttype", P "virttype", lv->virttype, sizeof(lv->virttype), err, errsize) == -1 ||
	    plibvirt_str(o, "arch", P "arch", lv->arch, sizeof(lv->arch), err, errsize) == -1 ||
	    plibvirt_str(o, "machine", P "machine", lv->machine, sizeof(lv->machine), err, errsize) == -1 ||
	    plibvirt_list_parse(o, "machines", P "machines", &lv->machines, err, errsize) == -1 ||
	    plibvirt_list_parse(o, "cpu_models", P "cpu_models", &lv->cpu_models, err, errsize) == -1 ||
	    plibvirt_list_parse(o, "hyperv_features", P "hyperv_features", &lv->hyperv_features,
	    err, errsize) == -1 ||
	    plibvirt_list_parse(o, "domains", P "domains", &lv->domains, err, errsize) == -1)
		return -1;
	if (!json_object_object_get_ex(o, "host_model", &hm))
		return 0;
	if (jsonu_want(hm, P "host_model", json_type_object, err, errsize) == -1 ||
	    plibvirt_str(hm, "model", P "host_model.model", lv->host_model, sizeof(lv->host_model),
	    err, errsize) == -1 ||
	    plibvirt_str(hm, "vendor", P "host_model.vendor", lv->host_model_vendor,
	    sizeof(lv->host_model_vendor), err, errsize) == -1 ||
	    plibvirt_list_parse(hm, "features", P "host_model.features", &lv->host_model_features,
	    err, errsize) == -1 ||
	    plibvirt_list_parse(hm, "disabled", P "host_model.disabled", &lv->host_model_disabled,
	    err, errsize) == -1)
		return -1;
#undef P
	return 0;
}
