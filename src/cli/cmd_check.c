/*
 * cmd_check.c - "migcompat check": can a VM migrate from one host to
 * another, and if not, why.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "domxml.h"
#include "httpc.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"

/* Largest VM spec file accepted, in bytes. */
#define CMD_CHECK_MAX_SPEC	(1024u * 1024)

static int cmd_check_run(int argc, char **argv);

const struct cli_cmd cmd_check_entry = {
	"check", "[--json] [--scenario S] [--policy P] [--vm FILE | --domain XML] " HTTPC_USAGE " SRC DST",
	"can a VM migrate from host profile SRC to DST (exit 0 yes, 1 no, 3 unknown)", cmd_check_run,
};

/*
 * Load a VM spec file: JSON (migcompat-vmspec(5)) or libvirt domain XML,
 * told apart by the first character.  Returns 0, or -1 with "FILE: field:
 * message" logged.
 */
static int
cmd_check_load_vm(const char *path, struct vmspec *vm)
{
	char err[512];
	const char *s;
	char *text;
	size_t len;
	int ret = -1;

	if ((text = util_read_file(path, CMD_CHECK_MAX_SPEC, &len)) == NULL) {
		log_warn("%s", path);
		goto cleanup;
	}
	for (s = text; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	if ((*s == '<' ? domxml_parse(text, len, vm, err, sizeof(err)) :
	    vmspec_parse(text, len, vm, err, sizeof(err))) == -1) {
		log_warnx("%s: %s", path, err);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(text);
	return ret;
}

static int
cmd_check_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "scenario", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, 'v' },
		{ "domain", required_argument, NULL, 'v' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	struct profile *src = NULL, *dst = NULL;
	struct json_object *ans = NULL;
	enum vmspec_scenario sc = VMSPEC_NESTED;
	enum rules_policy policy = RULES_POLICY_STRICT;
	enum rules_verdict v;
	struct vmspec *vm = NULL;
	const char *vmfile = NULL;
	char err[768];
	int json = 0, have_sc = 0, c, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:p:v:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 's':
			if (vmspec_scenario_parse(optarg, &sc) == -1) {
				log_warnx("--scenario: expected plain, nested, evmcs or evmcs-pv, got \"%s\"",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			have_sc = 1;
			break;
		case 'p':
			if (rules_policy_parse(optarg, &policy) == -1) {
				log_warnx("--policy: expected strict or effective, got \"%s\"", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'v':
			vmfile = optarg;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_check_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (argc - optind != 2)
		return cli_usage(&cmd_check_entry);
	if (have_sc && vmfile != NULL) {
		log_warnx("--scenario and --vm exclude each other: give the scenario in the VM spec");
		return CLI_EXIT_USAGE;
	}
	/* Against a daemon SRC and DST are host ids. */
	if (h->remote)
		return httpc_check(h, argv[optind], argv[optind + 1], vmfile,
		    have_sc ? vmspec_scenario_name(sc) : NULL, rules_policy_name(policy), json);

	vm = calloc(1, sizeof(*vm));
	src = profile_new();
	dst = profile_new();
	if (vm == NULL) {
		log_warn("calloc");
		goto cleanup;
	}
	vmspec_init(vm, sc);
	if (vmfile != NULL && cmd_check_load_vm(vmfile, vm) == -1)
		goto cleanup;
	if (profile_load_file(argv[optind], src, err, sizeof(err)) == -1 ||
	    profile_load_file(argv[optind + 1], dst, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	rules_prepare(src);
	rules_prepare(dst);
	if (json) {
		ans = rules_check_json(src, dst, vm, policy);
		cli_print_json(ans);
		v = rules_verdict_of(src, dst, vm, policy);
	} else {
		v = rules_check_print(stdout, src, dst, vm, policy);
	}
	ret = v == RULES_COMPATIBLE ? CLI_EXIT_OK : v == RULES_INCOMPATIBLE ? CLI_EXIT_INCOMPATIBLE :
	    CLI_EXIT_UNKNOWN;
cleanup:
	json_object_put(ans);
	profile_free(src);
	profile_free(dst);
	free(vm);
	return ret;
}

static int
cmd_check_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_check_main);
}
