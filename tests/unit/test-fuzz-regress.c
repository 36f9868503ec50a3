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
#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
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

/*
 * The rule behind the one reason of the check of a dump against itself, or
 * NULL when the check gives no reason or more than one.
 */
static const char *
self_reason(const char *dump, enum vmspec_scenario sc, enum rules_verdict *self,
    enum rules_verdict *unknown_src)
{
	static char rule[64];
	struct json_object *o, *reasons, *v;
	struct profile p;
	struct vmspec vm;
	const char *ret = NULL;
	char err[512];

	profile_init(&p);
	vmspec_init(&vm, sc);
	if (profile_parse(dump, strlen(dump), &p, err, sizeof(err)) != 0)
		goto cleanup;
	*self = rules_verdict_of(&p, &p, &vm, RULES_POLICY_STRICT);
	*unknown_src = rules_verdict_of(NULL, &p, &vm, RULES_POLICY_STRICT);
	o = rules_check_json(&p, &p, &vm, RULES_POLICY_STRICT);
	if (o != NULL && json_object_object_get_ex(o, "reasons", &reasons) &&
	    json_object_array_length(reasons) == 1 &&
	    json_object_object_get_ex(json_object_array_get_idx(reasons, 0), "rule", &v)) {
		snprintf(rule, sizeof(rule), "%s", json_object_get_string(v));
		ret = rule;
	}
	json_object_put(o);
cleanup:
	profile_clear(&p);
	return ret;
}

/* An i7-6700K dump (VirtualBox CPU database) with BASIC bit 48 as asked. */
#define DUMP_6700K(basic) "{\"cpu\":\"i7-6700K\",\"msrs\":{\"0x480\":\"" basic "\"," \
	"\"0x481\":\"0x7f00000016\",\"0x482\":\"0xfff9fffe0401e172\"," \
	"\"0x483\":\"0x1ffffff00036dff\",\"0x484\":\"0x3ffff000011ff\"," \
	"\"0x485\":\"0x7004c1e7\",\"0x486\":\"0x80000021\",\"0x487\":\"0xffffffff\"," \
	"\"0x488\":\"0x2000\",\"0x489\":\"0x3727ff\",\"0x48a\":\"0x2e\"," \
	"\"0x48b\":\"0x1ffcff00000000\",\"0x48c\":\"0xf0106334141\"," \
	"\"0x48d\":\"0x7f00000016\",\"0x48e\":\"0xfff9fffe04006172\"," \
	"\"0x48f\":\"0x1ffffff00036dfb\",\"0x490\":\"0x3ffff000011fb\",\"0x491\":\"0x1\"}}"

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

	/*
	 * fuzz-rules, 2026-12-04: a dump whose IA32_VMX_BASIC has bit 48 set
	 * (32-bit physical addresses only) is refused against itself, which
	 * the self-compatibility property took for a pairwise bug.  KVM
	 * refuses that bit in any value the VMM writes, so the source alone
	 * blocks; the unknown-source check of the hook cannot see it.
	 */
	{
		enum rules_verdict self, unk;
		const char *rule;

		/*
		 * The unknown-source check answers unknown: a dump has no KVM
		 * layer, so the capabilities a nested guest needs there
		 * (KVM_CAP_NESTED_STATE, KVM_CAP_EXCEPTION_PAYLOAD) cannot be
		 * checked (it answered compatible before, with "kvm" only
		 * listed as not checked).
		 */
		rule = self_reason(DUMP_6700K("0xda040000000004"), VMSPEC_NESTED, &self, &unk);
		tap_ok(self == RULES_COMPATIBLE && unk == RULES_UNKNOWN && rule == NULL,
		    "i7-6700K dump against itself: compatible, no reason");
		rule = self_reason(DUMP_6700K("0xdb040000000004"), VMSPEC_NESTED, &self, &unk);
		tap_ok(self == RULES_INCOMPATIBLE && rule != NULL &&
		    strcmp(rule, "basic-32bit-only") == 0,
		    "BASIC bit 48 set: incompatible with itself, one reason basic-32bit-only (got %s)",
		    rule != NULL ? rule : "none");
		tap_ok(unk == RULES_UNKNOWN,
		    "BASIC bit 48 set: the unknown-source check judges the destination alone "
		    "(unknown: no KVM layer, as above)");
		rule = self_reason(DUMP_6700K("0xdb040000000004"), VMSPEC_PLAIN, &self, &unk);
		tap_ok(self == RULES_COMPATIBLE, "BASIC bit 48 set: a plain guest is not affected");
	}

	/*
	 * fuzz-rules, 2026-12-04: a profile without the VMX layer whose stored
	 * emulated eVMCS view shows PERF_GLOBAL_CTRL, which its own filter row
	 * (4.20) hides, blocked against itself.  A stored view is now taken
	 * for what its row can show.  The input is in the rules corpus.
	 */
	{
		const char *top = getenv("top_srcdir");
		char path[1024], err[512], *text, *nul;
		struct profile p;
		struct vmspec vm;
		size_t len;
		int sc, pol, ok = 1;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/rules/stored-evmcs-view-self",
		    top != NULL ? top : ".");
		if ((text = util_read_file(path, 1 << 20, &len)) == NULL) {
			tap_ok(0, "read %s", path);
		} else {
			nul = memchr(text, '\0', len);
			profile_init(&p);
			if (profile_parse(text, nul != NULL ? (size_t)(nul - text) : len, &p, err,
			    sizeof(err)) != 0) {
				tap_ok(0, "%s parses: %s", path, err);
			} else {
				for (sc = VMSPEC_PLAIN; sc <= VMSPEC_EVMCS_PV; sc++) {
					vmspec_init(&vm, (enum vmspec_scenario)sc);
					for (pol = RULES_POLICY_STRICT; pol <= RULES_POLICY_EFFECTIVE; pol++)
						if (rules_verdict_of(&p, &p, &vm, (enum rules_policy)pol) ==
						    RULES_INCOMPATIBLE &&
						    rules_verdict_of(NULL, &p, &vm, (enum rules_policy)pol) !=
						    RULES_INCOMPATIBLE)
							ok = 0;
				}
				tap_ok(ok, "a stored eVMCS view that shows what its row hides: "
				    "never incompatible with itself");
			}
			profile_clear(&p);
			free(text);
		}
	}
	return tap_done();
}
