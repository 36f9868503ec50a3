/*
 * fleetload.h - what the fleet subcommands (targets, groups, baseline)
 * share offline: loading many profiles from files and directories, and
 * the VM spec options.
 */
#ifndef MIGCOMPAT_FLEETLOAD_H
#define MIGCOMPAT_FLEETLOAD_H

#include <stddef.h>

#include "profile.h"
#include "vmspec.h"

struct fleet;

/* Loaded profiles and the host id of each. */
struct fleetload {
	struct profile **p;
	char **names;
	size_t n;
};

/* Initialise an empty set. */
void fleetload_init(struct fleetload *l);

/* Free every profile and name.  NULL is fine. */
void fleetload_free(struct fleetload *l);

/*
 * Add the profile or MSR dump at path, or every *.json profile or dump in
 * the directory path (files that are neither are skipped with a warning).
 * The host id is the profile's own, else the file name without ".json".
 * Returns 0, or -1 after logging why.
 */
int fleetload_add(struct fleetload *l, const char *path);

/*
 * The fleet index of the loaded profiles, or NULL after logging which one
 * it refused.  Free with fleet_free().
 */
struct fleet *fleetload_fleet(const struct fleetload *l);

/*
 * Build the VM spec from the options: a scenario name (NULL: nested), a
 * JSON VM spec file and a domain XML file (either may be NULL; a file wins
 * over the scenario).  Returns 0, or -1 after logging why.
 */
int fleetload_vmspec(const char *scenario, const char *vm_file, const char *domain_file,
    struct vmspec *vm);

#endif
