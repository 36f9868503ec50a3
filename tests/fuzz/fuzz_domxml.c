/*
 * fuzz_domxml.c - libFuzzer target: libvirt domain XML to a VM spec.
 *
 * No crash, no leak; an accepted document gives a spec whose JSON form the
 * VM spec parser takes back unchanged and whose scenario agrees with its
 * flags; a refused one has a message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "domxml.h"
#include "vmspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmspec a, b;
	struct json_object *ja, *jb;
	char err[512];
	const char *sa, *sb;

	err[0] = '\0';
	if (domxml_parse((const char *)data, size, &a, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (a.n_features > VMSPEC_MAX_FEATURES || a.n_hyperv > VMSPEC_MAX_FEATURES / 4 ||
	    vmspec_scenario_of(&a) != a.scenario)
		abort();
	ja = vmspec_to_json(&a);
	sa = json_object_to_json_string_ext(ja, JSON_C_TO_STRING_PLAIN);
	if (vmspec_parse(sa, strlen(sa), &b, err, sizeof(err)) != 0)
		abort();
	jb = vmspec_to_json(&b);
	sb = json_object_to_json_string_ext(jb, JSON_C_TO_STRING_PLAIN);
	if (strcmp(sa, sb) != 0)
		abort();
	json_object_put(ja);
	json_object_put(jb);
	return 0;
}
