/*
 * rules.h - the rules engine: can a VM described by a vmspec migrate from a
 * host with profile src to a host with profile dst, and if not, why.
 *
 * Pure: profiles and a VM spec in, a verdict out.  It never touches the
 * store, the API, the daemon or the probe.  A check of a compatible pair
 * allocates and formats nothing; reasons are built only for failures.
 */
#ifndef MIGCOMPAT_RULES_H
#define MIGCOMPAT_RULES_H

#include <stdio.h>

#include "profile.h"
#include "vmspec.h"

struct json_object;

enum rules_policy {
	RULES_POLICY_STRICT = 0,	/* PV bit given: destination kernel must honour it */
	RULES_POLICY_EFFECTIVE,		/* only effective filtered bits count */
};

enum rules_verdict {
	RULES_COMPATIBLE = 0,
	RULES_INCOMPATIBLE = 1,
	RULES_UNKNOWN = 3,
};

/* Parse "strict" or "effective".  Returns 0 or -1. */
int rules_policy_parse(const char *s, enum rules_policy *p);
const char *rules_policy_name(enum rules_policy p);
const char *rules_verdict_name(enum rules_verdict v);

/*
 * The verdict only, without reasons: the fast path for fleet queries.
 */
enum rules_verdict rules_verdict_of(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

/*
 * The full answer as JSON, exactly as "migcompat check --json" prints it
 * and the API returns it:
 * {"compatible", "verdict", "scenario", "policy", "other_policy_differs",
 *  "reasons": [{"layer", "msr", "bit", "name", "src", "dst", "rule", "message"}],
 *  "not_checked": [...]}.  New object, caller puts it.
 */
struct json_object *rules_check_json(const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

/*
 * The same answer as text, one line per reason, for the CLI.  Returns the
 * verdict.
 */
enum rules_verdict rules_check_print(FILE *f, const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy);

#endif
