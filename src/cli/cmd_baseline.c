/*
 * cmd_baseline.c - "migcompat baseline": the most capable configuration
 * every given host accepts, offline on profile files.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "baseline.h"
#include "cli.h"
#include "fleetload.h"
#include "httpc.h"
#include "jsonu.h"
#include "log.h"
#include "rules.h"
#include "vmspec.h"

static int cmd_baseline_run(int argc, char **argv);

const struct cli_cmd cmd_baseline_entry = {
	"baseline",
	"[--scenario S] [--policy P] [--qemu-version V] [--libvirt-version V] "
	"[--json | --libvirt | --qemu | --msrs | --profile] FILE... | " HTTPC_USAGE_DAEMON " HOST...",
	"the configuration every given host accepts (libvirt <cpu>, QEMU -cpu, VMX MSRs)",
	cmd_baseline_run,
};

enum cmd_baseline_out {
	CMD_BASELINE_TEXT = 0,
	CMD_BASELINE_JSON,
	CMD_BASELINE_LIBVIRT,
	CMD_BASELINE_QEMU,
	CMD_BASELINE_MSRS,
	CMD_BASELINE_PROFILE,
};

static const char *
cmd_baseline_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/*
 * The version an installed client prints for "CMD --version" (the first
 * "N.N" or "N.N.N" in its output) into buf.  0, or -1 when it is not
 * installed or prints none.
 */
static int
cmd_baseline_installed(const char *cmd, char *buf, size_t bufsize)
{
	char line[256], *p;
	size_t n;
	FILE *f;
	int ret = -1;

	buf[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (ret == -1 && fgets(line, sizeof(line), f) != NULL) {
		for (p = line; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || (p > line && p[-1] != ' ' && p[-1] != 'v'))
				continue;
			n = strspn(p, "0123456789.");
			if (n < 3 || memchr(p, '.', n) == NULL || n >= bufsize)
				continue;
			memcpy(buf, p, n);
			buf[n] = '\0';
			ret = 0;
			break;
		}
	}
	pclose(f);
	return ret;
}

/* Say on stderr which releases the CPU was rendered for. */
static void
cmd_baseline_versions(struct json_object *o)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "versions", &v))
		return;
	log_warnx("CPU rendered for QEMU %s (%s) and libvirt %s (%s)", cmd_baseline_str(v, "qemu"),
	    cmd_baseline_str(v, "qemu_from"), cmd_baseline_str(v, "libvirt"),
	    cmd_baseline_str(v, "libvirt_from"));
}

static void
cmd_baseline_text(struct json_object *o)
{
	struct json_object *check, *notes, *msrs, *fails;
	size_t i;

	json_object_object_get_ex(o, "check", &check);
	printf("baseline of %s hosts, scenario %s: %s\n", cmd_baseline_str(o, "n_hosts"),
	    cmd_baseline_str(o, "scenario"), cmd_baseline_str(o, "hash"));
	printf("checked as source against every host (%s policy): %s compatible, %s incompatible, "
	    "%s unknown\n", cmd_baseline_str(o, "policy"), cmd_baseline_str(check, "compatible"),
	    cmd_baseline_str(check, "incompatible"), cmd_baseline_str(check, "unknown"));
	json_object_object_get_ex(check, "failures", &fails);
	for (i = 0; i < jsonu_len(fails); i++)
		printf("  FAILS on %s\n", cmd_baseline_str(json_object_array_get_idx(fails, i), "host"));
	json_object_object_get_ex(o, "notes", &notes);
	for (i = 0; i < jsonu_len(notes); i++)
		printf("note: %s\n", json_object_get_string(json_object_array_get_idx(notes, i)));
	json_object_object_get_ex(o, "vmx_msrs", &msrs);
	if (json_object_is_type(msrs, json_type_object) && json_object_object_length(msrs) > 0) {
		printf("VMX MSRs:\n");
		json_object_object_foreach(msrs, k, v)
			printf("  %s = %s\n", k, json_object_get_string(v));
	}
	printf("QEMU: -cpu %s\nlibvirt:\n%s", cmd_baseline_str(o, "qemu_cpu"),
	    cmd_baseline_str(o, "libvirt_cpu"));
}

static int
cmd_baseline_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, CMD_BASELINE_JSON },
		{ "libvirt", no_argument, NULL, CMD_BASELINE_LIBVIRT },
		{ "qemu", no_argument, NULL, CMD_BASELINE_QEMU },
		{ "msrs", no_argument, NULL, CMD_BASELINE_MSRS },
		{ "profile", no_argument, NULL, CMD_BASELINE_PROFILE },
		{ "qemu-version", required_argument, NULL, 'Q' },
		{ "libvirt-version", required_argument, NULL, 'L' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	struct json_object *req, *ids;
	const char *s;
	long status;
	enum rules_policy policy = RULES_POLICY_STRICT;
	enum vmspec_scenario sc = VMSPEC_NESTED;
	enum cmd_baseline_out out = CMD_BASELINE_TEXT;
	struct json_object *o = NULL, *v, *check;
	struct cpuout_clients cl = { NULL, NULL, NULL, NULL };
	char qver[32], lver[32];
	struct fleetload fl;
	char err[768];
	size_t i;
	int c, ret = CLI_EXIT_USAGE;

	fleetload_init(&fl);
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (vmspec_scenario_parse(optarg, &sc) == -1) {
				log_warnx("unknown scenario \"%s\" (plain, nested, evmcs, evmcs-pv)", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'p':
			if (cli_policy(optarg, &policy) == -1)
				return CLI_EXIT_USAGE;
			break;
		case CMD_BASELINE_JSON:
		case CMD_BASELINE_LIBVIRT:
		case CMD_BASELINE_QEMU:
		case CMD_BASELINE_MSRS:
		case CMD_BASELINE_PROFILE:
			out = (enum cmd_baseline_out)c;
			break;
		case 'Q':
			cl.qemu = optarg;
			cl.qemu_from = "option";
			break;
		case 'L':
			cl.libvirt = optarg;
			cl.libvirt_from = "option";
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_baseline_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (optind >= argc)
		return cli_usage(&cmd_baseline_entry);
	if (h->remote && (cl.qemu != NULL || cl.libvirt != NULL))
		log_warnx("--qemu-version and --libvirt-version apply to profile files; the daemon renders "
		    "for its hosts' recorded releases");
	if (h->remote) {
		/* POST /v1/baseline {"hosts": [...], "scenario", "policy"}: the same answer. */
		req = json_object_new_object();
		ids = json_object_new_array();
		for (i = (size_t)optind; i < (size_t)argc; i++)
			json_object_array_add(ids, json_object_new_string(argv[i]));
		json_object_object_add(req, "hosts", ids);
		json_object_object_add(req, "scenario", json_object_new_string(vmspec_scenario_name(sc)));
		json_object_object_add(req, "policy", json_object_new_string(rules_policy_name(policy)));
		s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
		if (httpc_json(h, "POST", "/v1/baseline", "application/json", s, strlen(s), &status, &o,
		    err, sizeof(err)) == -1) {
			json_object_put(req);
			log_warnx("%s", err);
			/* 409: the hosts have no common configuration. */
			return status == 409 ? CLI_EXIT_INCOMPATIBLE : CLI_EXIT_USAGE;
		}
		json_object_put(req);
		goto answer;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (fleetload_add(&fl, argv[i]) == -1)
			goto cleanup;
	if (fl.n == 0) {
		log_warnx("no profiles given");
		goto cleanup;
	}
	/* Hosts that record no QEMU/libvirt: the options, else what is installed here. */
	if (cl.qemu == NULL && cmd_baseline_installed("qemu-system-x86_64 --version 2>/dev/null", qver,
	    sizeof(qver)) == 0) {
		cl.qemu = qver;
		cl.qemu_from = "installed";
	}
	if (cl.libvirt == NULL && cmd_baseline_installed("virsh --version 2>/dev/null", lver,
	    sizeof(lver)) == 0) {
		cl.libvirt = lver;
		cl.libvirt_from = "installed";
	}
	o = baseline_json_for((const struct profile *const *)fl.p, (const char *const *)fl.names, fl.n, sc,
	    policy, &cl, err, sizeof(err));
	if (o == NULL) {
		log_warnx("%s", err);
		ret = CLI_EXIT_INCOMPATIBLE;
		goto cleanup;
	}
answer:
	if (out != CMD_BASELINE_JSON)
		cmd_baseline_versions(o);
	switch (out) {
	case CMD_BASELINE_TEXT:
		cmd_baseline_text(o);
		break;
	case CMD_BASELINE_JSON:
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED));
		break;
	case CMD_BASELINE_LIBVIRT:
		printf("%s", cmd_baseline_str(o, "libvirt_cpu"));
		break;
	case CMD_BASELINE_QEMU:
		printf("%s\n", cmd_baseline_str(o, "qemu_cpu"));
		break;
	case CMD_BASELINE_MSRS:
		json_object_object_get_ex(o, "vmx_msrs", &v);
		printf("%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED));
		break;
	case CMD_BASELINE_PROFILE:
		json_object_object_get_ex(o, "profile", &v);
		printf("%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED));
		break;
	}
	json_object_object_get_ex(o, "check", &check);
	json_object_object_get_ex(check, "incompatible", &v);
	ret = json_object_get_int64(v) == 0 ? CLI_EXIT_OK : CLI_EXIT_INCOMPATIBLE;
	json_object_object_get_ex(check, "unknown", &v);
	if (ret == CLI_EXIT_OK && json_object_get_int64(v) > 0)
		ret = CLI_EXIT_UNKNOWN;
cleanup:
	json_object_put(o);
	fleetload_free(&fl);
	return ret;
}

static int
cmd_baseline_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_baseline_main);
}
