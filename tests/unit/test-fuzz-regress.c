/*
 * test-fuzz-regress.c - every input the fuzzers (tests/fuzz) found to break
 * a property, replayed with the same property checks as the fuzz target
 * that found it.  One case per finding, oldest first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tap.h"
#include "vmspec.h"

static struct vmspec a, b;

/*
 * The fuzz-vmspec property: a document vmspec_parse accepts serialises,
 * parses back and serialises to the same JSON.  Returns 1 if it holds (a
 * refused document holds trivially).
 */
static int
vmspec_roundtrip(const char *doc, int *accepted)
{
	struct json_object *ja, *jb;
	const char *sa;
	char err[512];
	int ok;

	*accepted = vmspec_parse(doc, strlen(doc), &a, err, sizeof(err)) == 0;
	if (!*accepted)
		return 1;
	ja = vmspec_to_json(&a);
	sa = json_object_to_json_string_ext(ja, JSON_C_TO_STRING_PLAIN);
	if (vmspec_parse(sa, strlen(sa), &b, err, sizeof(err)) != 0) {
		json_object_put(ja);
		return 0;
	}
	jb = vmspec_to_json(&b);
	ok = strcmp(sa, json_object_to_json_string_ext(jb, JSON_C_TO_STRING_PLAIN)) == 0;
	json_object_put(ja);
	json_object_put(jb);
	return ok;
}

int
main(void)
{
	int acc;

	/*
	 * fuzz-vmspec, 2026-11-25: the feature "hv-hv-evmcs" was stored as
	 * the enlightenment "hv-evmcs" (one prefix removed), which reads back
	 * as "evmcs": a spec that changed on its way through JSON.
	 */
	tap_ok(vmspec_roundtrip("{\"scenario\":\"evmcs-pv\",\"cpu\":{\"mode\":\"custom\","
	    "\"model\":\"Skylake-Server-v4\",\"features\":{\"hv-hv-evmcs\":true,\"sse4.2\":true}}}",
	    &acc) && !acc, "feature hv-hv-evmcs is refused, not stored as hv-evmcs");
	tap_ok(vmspec_roundtrip("{\"hyperv\":[\"hv-hv-relaxed\"]}", &acc) && !acc,
	    "enlightenment hv-hv-relaxed is refused");
	tap_ok(vmspec_roundtrip("{\"hyperv\":[\"hv-relaxed\",\"evmcs\"]}", &acc) && acc,
	    "hv-relaxed and evmcs are still accepted and read back the same");
	return tap_done();
}
