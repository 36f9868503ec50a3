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

#include "domxml.h"
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

/*
 * The fuzz-domxml property: the spec of an accepted domain reads back the
 * same through its JSON form.
 */
static int
domxml_roundtrip(const char *xml, int *accepted)
{
	struct json_object *ja, *jb;
	const char *sa;
	char err[512];
	int ok;

	*accepted = domxml_parse(xml, strlen(xml), &a, err, sizeof(err)) == 0;
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

#define DOM(hv)	"<domain type='kvm'><name>d</name><os><type>hvm</type></os>" \
	"<features><hyperv mode='custom'>" hv "</hyperv></features></domain>"

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

	/*
	 * fuzz-domxml, 2026-11-25: <hv-cs state='on'/> was kept as "hv-cs",
	 * which reads back as "cs"; a repeated element was kept twice and
	 * reads back once.
	 */
	tap_ok(domxml_roundtrip(DOM("<relaxed state='on'/><hv-cs state='on'/>"), &acc) && !acc,
	    "domain XML: <hv-cs> in <hyperv> is refused");
	tap_ok(domxml_roundtrip(DOM("<relaxed state='on'/><vapic state='on'/><relaxed state='on'/>"),
	    &acc) && acc && a.n_hyperv == 2, "domain XML: a repeated enlightenment is kept once");
	tap_ok(domxml_roundtrip(DOM("<hv-relaxed state='off'/><evmcs state='on'/>"), &acc) && acc,
	    "domain XML: an enlightenment that is off is not looked at");

	/*
	 * fuzz-domxml, 2026-11-25: eVMCS through <hyperv mode='passthrough'>
	 * set the flag without listing "evmcs", which the JSON form adds.
	 */
	tap_ok(domxml_roundtrip("<domain type='kvm'><name>d</name><os><type>hvm</type></os>"
	    "<cpu mode='host-passthrough'/><features><hyperv mode='passthrough'/></features></domain>",
	    &acc) && acc && a.evmcs && vmspec_has_hyperv(&a, "evmcs"),
	    "domain XML: eVMCS from Hyper-V passthrough is listed as in use");

	/*
	 * fuzz-domxml, 2026-11-25: a CPU feature named "hv-..." stayed a CPU
	 * feature, where the JSON form makes it an enlightenment.
	 */
	tap_ok(domxml_roundtrip("<domain type='kvm'><name>d</name><os><type>hvm</type></os>"
	    "<cpu mode='custom'><model>Skylake-Server</model><feature policy='disable' name='hv--x'/>"
	    "<feature policy='require' name='hv-relaxed'/></cpu></domain>", &acc) && acc &&
	    a.n_features == 0 && vmspec_has_hyperv(&a, "relaxed"),
	    "domain XML: hv- CPU features are enlightenments, as in JSON specs");
	return tap_done();
}
