/*
 * hostid.c - host ids: what a host may be called.
 */
#include "config.h"

#include <string.h>

#include "hostid.h"

int
hostid_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 127 || id[0] == '.' || id[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if ((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '.' || id[i] == '_' ||
		    id[i] == ':' || id[i] == '-')
			continue;
		return 0;
	}
	return 1;
}
