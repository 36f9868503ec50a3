/*
 * fleetload.c - loading profiles and VM specs for the fleet subcommands.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "domxml.h"
#include "fleet.h"
#include "fleetload.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

void
fleetload_init(struct fleetload *l)
{
	l->p = NULL;
	l->names = NULL;
	l->n = 0;
}

void
fleetload_free(struct fleetload *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		profile_free(l->p[i]);
		free(l->names[i]);
	}
	free(l->p);
	free(l->names);
	fleetload_init(l);
}

/* Load one file; quiet makes a file that is no profile a warning only. */
static int
fleetload_file(struct fleetload *l, const char *path, int quiet)
{
	struct profile *p = profile_new();
	const char *base;
	char err[768];
	size_t len;

	if (profile_load_file(path, p, err, sizeof(err)) == -1) {
		profile_free(p);
		log_warnx("%s%s", err, quiet ? " (skipped)" : "");
		return quiet ? 0 : -1;
	}
	l->p = xreallocarray(l->p, l->n + 1, sizeof(*l->p));
	l->names = xreallocarray(l->names, l->n + 1, sizeof(*l->names));
	l->p[l->n] = p;
	if (p->host_id[0] != '\0') {
		l->names[l->n] = xstrdup(p->host_id);
	} else {
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		len = strlen(base);
		if (len > 5 && strcmp(base + len - 5, ".json") == 0)
			len -= 5;
		l->names[l->n] = xasprintf("%.*s", (int)len, base);
		util_strlcpy(p->host_id, l->names[l->n], sizeof(p->host_id));
	}
	l->n++;
	return 0;
}

static int
fleetload_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fleetload_add(struct fleetload *l, const char *path)
{
	struct dirent *de;
	struct stat st;
	char **files = NULL;
	size_t n = 0, i, len;
	DIR *d = NULL;
	int ret = -1;

	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return fleetload_file(l, path, 0);
	if ((d = opendir(path)) == NULL) {
		log_warn("%s", path);
		goto cleanup;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || de->d_name[0] == '_' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		files = xreallocarray(files, n + 1, sizeof(*files));
		files[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	/* Directory order is arbitrary: sort for reproducible answers. */
	qsort(files, n, sizeof(*files), fleetload_namecmp);
	for (i = 0; i < n; i++)
		if (fleetload_file(l, files[i], 1) == -1)
			goto cleanup;
	ret = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (d != NULL)
		closedir(d);
	return ret;
}

struct fleet *
fleetload_fleet(const struct fleetload *l)
{
	struct fleet *f = fleet_new();
	char err[512];
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (fleet_set_host(f, l->names[i], l->p[i], err, sizeof(err)) == -1) {
			log_warnx("%s: %s", l->names[i], err);
			fleet_free(f);
			return NULL;
		}
	}
	return f;
}

int
fleetload_vmspec(const char *scenario, const char *vm_file, const char *domain_file,
    struct vmspec *vm)
{
	enum vmspec_scenario sc = VMSPEC_NESTED;
	char err[512], *text = NULL;
	size_t len;
	int ret = -1;

	if (scenario != NULL && vmspec_scenario_parse(scenario, &sc) == -1) {
		log_warnx("unknown scenario \"%s\" (plain, nested, evmcs, evmcs-pv)", scenario);
		goto cleanup;
	}
	vmspec_init(vm, sc);
	if (vm_file != NULL) {
		if ((text = util_read_file(vm_file, PROFILE_MAX_SIZE, &len)) == NULL) {
			log_warn("%s", vm_file);
			goto cleanup;
		}
		if (vmspec_parse(text, len, vm, err, sizeof(err)) == -1) {
			log_warnx("%s: %s", vm_file, err);
			goto cleanup;
		}
	} else if (domain_file != NULL) {
		if ((text = util_read_file(domain_file, DOMXML_MAX_SIZE, &len)) == NULL) {
			log_warn("%s", domain_file);
			goto cleanup;
		}
		if (domxml_parse(text, len, vm, err, sizeof(err)) == -1) {
			log_warnx("%s: %s", domain_file, err);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(text);
	return ret;
}
