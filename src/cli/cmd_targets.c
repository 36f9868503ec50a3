/*
 * cmd_targets.c - "migcompat targets": every host of a fleet a VM can
 * migrate to from a source host, offline on profile files.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cli.h"
#include "fleet.h"
#include "fleetload.h"
#include "httpc.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"

static int cmd_targets_run(int argc, char **argv);

const struct cli_cmd cmd_targets_entry = {
	"targets",
	"[--scenario S] [--policy P] [--vm SPEC.json | --domain DOM.xml] [--json] "
	"SOURCE FLEET... | " HTTPC_USAGE_DAEMON " SOURCE",
	"list the hosts a VM can migrate to from SOURCE (a host ID of FLEET or a profile file)",
	cmd_targets_run,
};

/* Print the answer as text. */
static void
cmd_targets_print(const char *text, size_t len)
{
	struct json_object *o = NULL, *v, *t, *r;
	char err[256];
	size_t i, n;

	if (jsonu_parse(text, len, &o, err, sizeof(err)) == -1) {
		log_warnx("internal error: %s", err);
		return;
	}
	json_object_object_get_ex(o, "n_targets", &v);
	printf("%s target hosts", json_object_get_string(v));
	json_object_object_get_ex(o, "hosts", &v);
	printf(" of %s", json_object_get_string(v));
	json_object_object_get_ex(o, "classes", &v);
	printf(" (%s classes)", json_object_get_string(v));
	json_object_object_get_ex(o, "scenario", &v);
	printf(", scenario %s", json_object_get_string(v));
	json_object_object_get_ex(o, "policy", &v);
	printf(", policy %s:\n", json_object_get_string(v));
	json_object_object_get_ex(o, "targets", &t);
	n = jsonu_len(t);
	for (i = 0; i < n; i++) {
		printf("  ");
		log_vis_print(stdout, json_object_get_string(json_object_array_get_idx(t, i)), 0);
		putchar('\n');
	}
	json_object_object_get_ex(o, "blocked", &t);
	n = jsonu_len(t);
	if (n > 0)
		printf("blocked, by first reason:\n");
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(t, i);
		json_object_object_get_ex(r, "hosts", &v);
		printf("  %6s hosts: ", json_object_get_string(v));
		json_object_object_get_ex(r, "message", &v);
		log_vis_print(stdout, v != NULL ? json_object_get_string(v) : "(no message)", 0);
		putchar('\n');
	}
	json_object_object_get_ex(o, "unknown", &t);
	json_object_object_get_ex(t, "hosts", &v);
	if (json_object_get_int64(v) > 0)
		printf("unknown (missing data): %s hosts\n", json_object_get_string(v));
	json_object_put(o);
}

/* Ask a daemon: GET (scenario) or POST (VM spec, domain XML) /v1/hosts/ID/targets. */
static int
cmd_targets_remote(const struct httpc *h, const char *src, const char *scenario, const char *policy,
    const char *vm_file, const char *dom_file, int json)
{
	struct json_object *o = NULL, *body = NULL, *spec;
	char path[512], esc[400], err[768], *text = NULL;
	const char *s;
	size_t len;
	long status;
	int ret = CLI_EXIT_USAGE;

	if (httpc_escape(src, esc, sizeof(esc)) == NULL) {
		log_warnx("host id too long");
		return CLI_EXIT_USAGE;
	}
	if (dom_file != NULL) {
		if ((text = util_read_file(dom_file, 1u << 20, &len)) == NULL) {
			log_warn("%s", dom_file);
			goto cleanup;
		}
		snprintf(path, sizeof(path), "/v1/hosts/%s/targets?policy=%s", esc, policy);
		if (httpc_json(h, "POST", path, "application/xml", text, len, &status, &o, err,
		    sizeof(err)) == -1)
			goto fail;
	} else if (vm_file != NULL) {
		if ((spec = json_object_from_file(vm_file)) == NULL) {
			log_warnx("%s: not a JSON VM spec", vm_file);
			goto cleanup;
		}
		body = json_object_new_object();
		json_object_object_add(body, "vm", spec);
		json_object_object_add(body, "policy", json_object_new_string(policy));
		s = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		snprintf(path, sizeof(path), "/v1/hosts/%s/targets", esc);
		if (httpc_json(h, "POST", path, "application/json", s, strlen(s), &status, &o, err,
		    sizeof(err)) == -1)
			goto fail;
	} else {
		snprintf(path, sizeof(path), "/v1/hosts/%s/targets?scenario=%s&policy=%s", esc,
		    scenario != NULL ? scenario : "nested", policy);
		if (httpc_json(h, "GET", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1)
			goto fail;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (json)
		printf("%s\n", s);
	else
		cmd_targets_print(s, strlen(s));
	ret = CLI_EXIT_OK;
	goto cleanup;
fail:
	log_warnx("%s", err);
cleanup:
	json_object_put(o);
	json_object_put(body);
	free(text);
	return ret;
}

static int
cmd_targets_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, 'v' },
		{ "domain", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *scenario = NULL, *vm_file = NULL, *dom_file = NULL, *src_arg;
	enum rules_policy policy = RULES_POLICY_STRICT;
	struct fleetload fl, srcl;
	struct fleet *f = NULL;
	struct vmspec vm;
	struct stat st;
	char err[512], *text = NULL;
	size_t i, len;
	int c, r, json = 0, ret = CLI_EXIT_USAGE;

	fleetload_init(&fl);
	fleetload_init(&srcl);
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:v:d:j", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			scenario = optarg;
			break;
		case 'p':
			if (cli_policy(optarg, &policy) == -1)
				return CLI_EXIT_USAGE;
			break;
		case 'v':
			vm_file = optarg;
			break;
		case 'd':
			dom_file = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_targets_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (h->remote) {
		if (argc - optind != 1)
			return cli_usage(&cmd_targets_entry);
		if (scenario != NULL && vmspec_scenario_parse(scenario, &vm.scenario) == -1) {
			log_warnx("unknown scenario \"%s\" (plain, nested, evmcs, evmcs-pv)", scenario);
			return CLI_EXIT_USAGE;
		}
		return cmd_targets_remote(h, argv[optind], scenario, rules_policy_name(policy), vm_file,
		    dom_file, json);
	}
	if (argc - optind < 2)
		return cli_usage(&cmd_targets_entry);
	if (fleetload_vmspec(scenario, vm_file, dom_file, &vm) == -1)
		goto cleanup;
	src_arg = argv[optind];
	for (i = (size_t)optind + 1; i < (size_t)argc; i++)
		if (fleetload_add(&fl, argv[i]) == -1)
			goto cleanup;
	if ((f = fleetload_fleet(&fl)) == NULL)
		goto cleanup;
	if (stat(src_arg, &st) == 0 && !S_ISDIR(st.st_mode)) {
		if (fleetload_add(&srcl, src_arg) == -1)
			goto cleanup;
		rules_prepare(srcl.p[0]);
		text = fleet_targets_of(f, srcl.p[0], srcl.names[0], &vm, policy, &len);
	} else if ((text = fleet_targets(f, src_arg, &vm, policy, &len, err, sizeof(err))) == NULL) {
		log_warnx("%s (neither a profile file nor a host of the fleet)", err);
		goto cleanup;
	}
	if (json)
		printf("%s\n", text);
	else
		cmd_targets_print(text, len);
	ret = CLI_EXIT_OK;
cleanup:
	free(text);
	fleet_free(f);
	fleetload_free(&fl);
	fleetload_free(&srcl);
	return ret;
}

static int
cmd_targets_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_targets_main);
}
