/*
 * fixture.h - loading the test data's profiles in the C unit tests.
 *
 * fixture_load(path) reads one profile file; fixture_instlatx64(name) one
 * of tests/fixtures/instlatx64 (under tap_fixtures()).  Both return a
 * profile to free with profile_free(), or NULL after a TAP diagnostic.
 */
#ifndef MIGCOMPAT_FIXTURE_H
#define MIGCOMPAT_FIXTURE_H

#include <stdio.h>

#include "profile.h"
#include "tap.h"

__attribute__((unused)) static struct profile *
fixture_load(const char *path)
{
	struct profile *p = profile_new();
	char err[512];

	if (profile_load_file(path, p, err, sizeof(err)) == -1) {
		tap_diag("%s", err);
		profile_free(p);
		return NULL;
	}
	return p;
}

__attribute__((unused)) static struct profile *
fixture_instlatx64(const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/instlatx64/%s", tap_fixtures(), name);
	return fixture_load(path);
}

#endif
