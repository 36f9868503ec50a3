/*
 * api_compat.c - /v1/compat: the rules engine's answer for a pair of hosts,
 * exactly as "migcompat check --json" prints it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acache.h"
#include "api_priv.h"
#include "hostid.h"
#include "jsonu.h"
#include "log.h"
#include "pcache.h"
#include "profile.h"
#include "rules.h"
#include "store.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

#if defined(__has_include)
#if __has_include("domxml.h")
#include "domxml.h"
#define API_HAVE_DOMXML 1
#endif
#endif

/* The scenario when a request names none: the same default as "migcompat check". */
#define API_COMPAT_DEFAULT_SCENARIO	VMSPEC_NESTED

/*
 * Look a host id up; reply 400/404 (410 for a retired host) and return
 * NULL on failure.
 */
static const struct profile *
api_compat_host(struct api_req *r, const char *what, const char *id)
{
	const struct profile *p;

	if (!hostid_valid(id)) {
		api_error(r, 400, "%s: invalid host id", what);
		return NULL;
	}
	if ((p = api_hosts_profile(r, id, 0, NULL)) == NULL)
		return NULL;
	/* Retired: its profile is history, not a host to migrate from or to. */
	if (api_hosts_gone(r, id))
		return NULL;
	return p;
}

/*
 * Byte for byte what "migcompat check --json" prints for the same profiles.
 * The answer depends on the two profiles (content-addressed by hash), the
 * VM spec and the policy alone, so it is kept by those.
 */
static void
api_compat_answer(struct api_req *r, const struct profile *src, const struct profile *dst,
    const struct vmspec *vm, enum rules_policy policy)
{
	struct json_object *spec;
	char *key, *text, *hit;

	spec = vmspec_to_json(vm);
	key = xasprintf("%s|%s|%d|%s", src != NULL ? src->hash : "-", dst->hash, (int)policy,
	    json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN));
	json_object_put(spec);
	if ((hit = acache_get(r->api->answers, key)) != NULL) {
		api_reply_text(r, 200, hit, "application/json");
	} else {
		spec = rules_check_json(src, dst, vm, policy);
		text = api_json_text(spec, 1);
		json_object_put(spec);
		acache_put(r->api->answers, key, text);
		api_reply_text(r, 200, text, "application/json");
	}
	free(key);
}

void
api_compat_get(struct api_req *r)
{
	static const char *const q[] = { "from", "to", "scenario", "policy", NULL };
	const struct profile *src, *dst;
	enum vmspec_scenario sc = API_COMPAT_DEFAULT_SCENARIO;
	enum rules_policy policy = RULES_POLICY_STRICT;
	const char *from, *to;
	struct vmspec vm;

	if (api_query_only(r, q) == -1)
		return;
	from = api_query(r, "from");
	to = api_query(r, "to");
	if (from == NULL || to == NULL) {
		api_error(r, 400, "from and to are required (host ids)");
		return;
	}
	if (api_scenario_arg(r, api_query(r, "scenario"), &sc) == -1 ||
	    api_policy_arg(r, api_query(r, "policy"), &policy) == -1)
		return;
	if ((src = api_compat_host(r, "from", from)) == NULL ||
	    (dst = api_compat_host(r, "to", to)) == NULL)
		return;
	vmspec_init(&vm, sc);
	api_compat_answer(r, src, dst, &vm, policy);
}

#ifdef API_HAVE_DOMXML
/* Domain XML (the migration hook): the source from fleet data by the domain UUID. */
static void
api_compat_xml(struct api_req *r)
{
	static const char *const q[] = { "from", "to", "policy", NULL };
	const struct profile *src = NULL, *dst;
	enum rules_policy policy = RULES_POLICY_STRICT;
	const char *from, *to, *s;
	char found[128];
	struct vmspec vm;
	char err[512];

	if (api_query_only(r, q) == -1)
		return;
	if ((s = api_query(r, "policy")) != NULL && rules_policy_parse(s, &policy) == -1) {
		api_error(r, 400, "policy: \"%.32s\" is not strict or effective", s);
		return;
	}
	if (domxml_parse(r->body, r->len, &vm, err, sizeof(err)) == -1) {
		api_error(r, 400, "domain XML: %s", err);
		return;
	}
	if ((to = api_query(r, "to")) == NULL)
		to = r->api->self_id;
	if ((dst = api_compat_host(r, "to", to)) == NULL)
		return;
	from = api_query(r, "from");
	if (from == NULL && vm.uuid[0] != '\0') {
		/* An indexed lookup: hosts report the UUIDs of the domains they run. */
		if (store_domain_host(r->store, vm.uuid, to, found, sizeof(found),
		    err, sizeof(err)) == 0) {
			from = found;
			log_debug("domain %s runs on %s", vm.uuid, from);
		} else if (errno != ENOENT) {
			api_error(r, 500, "%s", err);
			return;
		}
	}
	if (from != NULL && (src = api_compat_host(r, "from", from)) == NULL)
		return;
	/* The body is the rules engine's answer alone: the hosts go in headers. */
	util_strlcpy(r->compat_to, to, sizeof(r->compat_to));
	if (from != NULL)
		util_strlcpy(r->compat_from, from, sizeof(r->compat_from));
	api_compat_answer(r, src, dst, &vm, policy);
}
#endif

void
api_compat_post(struct api_req *r)
{
	static const char *const q[] = { "from", "to", "policy", NULL };
	const struct profile *src = NULL, *dst;
	enum vmspec_scenario sc = API_COMPAT_DEFAULT_SCENARIO;
	enum rules_policy policy = RULES_POLICY_STRICT;
	struct json_object *body = NULL, *v;
	char from[128] = "", to[128] = "", err[512];
	struct vmspec vm;

	if (api_ctype_is(r, "application/xml") || api_ctype_is(r, "text/xml")) {
#ifdef API_HAVE_DOMXML
		api_compat_xml(r);
#else
		api_error(r, 415, "domain XML is not supported by this build yet; POST a JSON VM spec");
#endif
		return;
	}
	if (api_query_only(r, q) == -1 || api_body_json(r, &body) == -1)
		goto cleanup;
	if (!json_object_is_type(body, json_type_object)) {
		api_error(r, 400, "the body must be a JSON object {\"from\", \"to\", \"vm\", \"policy\"}");
		goto cleanup;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "from") != 0 && strcmp(key, "to") != 0 && strcmp(key, "vm") != 0 &&
		    strcmp(key, "scenario") != 0 && strcmp(key, "policy") != 0) {
			api_error(r, 400, "unknown field \"%.64s\"", key);
			goto cleanup;
		}
	}
	if (json_object_object_get_ex(body, "from", &v) &&
	    jsonu_str(v, "from", from, sizeof(from), err, sizeof(err)) == -1) {
		api_error(r, 400, "%s", err);
		goto cleanup;
	}
	if (json_object_object_get_ex(body, "to", &v) &&
	    jsonu_str(v, "to", to, sizeof(to), err, sizeof(err)) == -1) {
		api_error(r, 400, "%s", err);
		goto cleanup;
	}
	if (api_body_policy(r, body, &policy) == -1)
		goto cleanup;
	/* Query arguments fill what the body leaves out. */
	if (from[0] == '\0' && api_query(r, "from") != NULL)
		util_strlcpy(from, api_query(r, "from"), sizeof(from));
	if (to[0] == '\0' && api_query(r, "to") != NULL)
		util_strlcpy(to, api_query(r, "to"), sizeof(to));
	if (to[0] == '\0')
		util_strlcpy(to, r->api->self_id, sizeof(to));
	if (api_body_vm(r, body, sc, &vm) == -1)
		goto cleanup;
	if (to[0] == '\0') {
		api_error(r, 400, "to: no destination host given and this daemon has no host id");
		goto cleanup;
	}
	if ((dst = api_compat_host(r, "to", to)) == NULL)
		goto cleanup;
	if (from[0] != '\0' && (src = api_compat_host(r, "from", from)) == NULL)
		goto cleanup;
	api_compat_answer(r, src, dst, &vm, policy);
cleanup:
	json_object_put(body);
}
