/*
 * fuzz_profile.c - libFuzzer target: the profile / MSR dump JSON parser.
 *
 * Anything the parser accepts must serialise, parse back to the same JSON
 * and keep its content hash.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p, q;
	char err[512], *a, *b;

	profile_init(&p);
	profile_init(&q);
	if (profile_parse((const char *)data, size, &p, err, sizeof(err)) == 0) {
		a = profile_to_string(&p, 0);
		if (profile_parse(a, strlen(a), &q, err, sizeof(err)) != 0)
			abort();
		b = profile_to_string(&q, 0);
		if (strcmp(a, b) != 0 || strcmp(p.hash, q.hash) != 0)
			abort();
		free(a);
		free(b);
	}
	profile_clear(&p);
	profile_clear(&q);
	return 0;
}
