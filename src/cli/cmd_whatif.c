/*
 * cmd_whatif.c - "migcompat whatif": ask a daemon what its fleet's
 * targets and groups become if some hosts ran another kernel
 * (POST /v1/whatif).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "httpc.h"
#include "jsonu.h"
#include "log.h"
#include "xmalloc.h"

static int cmd_whatif_run(int argc, char **argv);

const struct cli_cmd cmd_whatif_entry = {
	"whatif", "[--kernel K] [--param kvm_intel.NAME=VALUE]... [--scenario S] [--policy P] [--json] "
	    "(--class N | HOST...) " HTTPC_USAGE_DAEMON,
	"what the daemon's fleet loses and gains in targets and groups if HOSTs ran kernel K",
	cmd_whatif_run,
};

static const char *
cmd_whatif_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : "";
}

/* The string member key of o, or instead when it is absent or empty. */
static const char *
cmd_whatif_or(struct json_object *o, const char *key, const char *instead)
{
	const char *s = cmd_whatif_str(o, key);

	return s[0] != '\0' ? s : instead;
}

static void
cmd_whatif_hosts(struct json_object *o)
{
	struct json_object *a;
	size_t i;

	if (!json_object_object_get_ex(o, "hosts", &a) || !json_object_is_type(a, json_type_array))
		return;
	for (i = 0; i < jsonu_len(a); i++) {
		fputs(i > 0 ? " " : "", stdout);
		log_vis_print(stdout, json_object_get_string(json_object_array_get_idx(a, i)), 0);
	}
}

/* One lost or gained target: its class and hosts, and for a lost one its reasons. */
static void
cmd_whatif_target(struct json_object *t, int lost)
{
	struct json_object *v, *r;
	size_t i;

	json_object_object_get_ex(t, "class", &v);
	printf("    %s class %s (", lost ? "loses" : "gains", json_object_get_string(v));
	cmd_whatif_hosts(t);
	printf(")");
	if (!lost) {
		printf("\n");
		return;
	}
	printf(": %s\n", cmd_whatif_str(t, "verdict"));
	if (json_object_object_get_ex(t, "reasons", &r))
		for (i = 0; i < jsonu_len(r); i++) {
			printf("      %s", strcmp(cmd_whatif_str(json_object_array_get_idx(r, i), "effect"),
			    "unknown") == 0 ? "unknown: " : "");
			log_vis_print(stdout, cmd_whatif_str(json_object_array_get_idx(r, i), "message"), 0);
			putchar('\n');
		}
	if (json_object_object_get_ex(t, "notes", &r))
		for (i = 0; i < jsonu_len(r); i++) {
			printf("      note: ");
			log_vis_print(stdout, json_object_get_string(json_object_array_get_idx(r, i)), 0);
			putchar('\n');
		}
}

static void
cmd_whatif_print(struct json_object *o)
{
	struct json_object *a, *c, *v, *sc, *g;
	size_t i, j;

	printf("kernel ");
	log_vis_print(stdout, cmd_whatif_or(o, "kernel", "unchanged"), 0);
	if (json_object_object_get_ex(o, "params", &v) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, pk, pv) {
			printf(", ");
			log_vis_print(stdout, pk, 0);
			putchar('=');
			log_vis_print(stdout, json_object_get_string(pv), 0);
		}
	}
	printf(": %s hosts change\n", json_object_object_get_ex(o, "hosts", &v) ? json_object_get_string(v) : "0");
	if (json_object_object_get_ex(o, "changes", &a))
		for (i = 0; i < jsonu_len(a); i++) {
			c = json_object_array_get_idx(a, i);
			json_object_object_get_ex(c, "class", &v);
			printf("  class %s (kernel ", json_object_get_string(v));
			log_vis_print(stdout, cmd_whatif_or(c, "kernel", "unknown"), 0);
			printf("): %s", cmd_whatif_str(c, "outcome"));
			if (strcmp(cmd_whatif_str(c, "outcome"), "unknown") == 0) {
				printf(": ");
				log_vis_print(stdout, cmd_whatif_str(c, "reason"), 0);
			}
			printf(": ");
			cmd_whatif_hosts(c);
			printf("\n");
		}
	if (json_object_object_get_ex(o, "classes", &a))
		for (i = 0; i < jsonu_len(a); i++) {
			c = json_object_array_get_idx(a, i);
			json_object_object_get_ex(c, "class", &v);
			printf("class %s, ", json_object_get_string(v));
			log_vis_print(stdout, cmd_whatif_str(c, "cpu"), 0);
			printf(", kernel ");
			log_vis_print(stdout, cmd_whatif_or(c, "kernel", "unknown"), 0);
			printf(" -> ");
			log_vis_print(stdout, cmd_whatif_or(c, "new_kernel", "unknown"), 0);
			printf(" (");
			cmd_whatif_hosts(c);
			printf("):\n");
			if (!json_object_object_get_ex(c, "scenarios", &sc) ||
			    !json_object_is_type(sc, json_type_object))
				continue;
			json_object_object_foreach(sc, name, s) {
				struct json_object *lost, *gained;

				json_object_object_get_ex(s, "lost", &lost);
				json_object_object_get_ex(s, "gained", &gained);
				if (jsonu_len(lost) + jsonu_len(gained) == 0)
					continue;
				printf("  %s VMs:\n", name);
				for (j = 0; j < jsonu_len(lost); j++)
					cmd_whatif_target(json_object_array_get_idx(lost, j), 1);
				for (j = 0; j < jsonu_len(gained); j++)
					cmd_whatif_target(json_object_array_get_idx(gained, j), 0);
			}
		}
	if (json_object_object_get_ex(o, "groups", &g)) {
		json_object_object_get_ex(g, "before", &v);
		printf("groups: %s classes before, ", json_object_get_string(v));
		json_object_object_get_ex(g, "after", &v);
		printf("%s after", json_object_get_string(v));
		json_object_object_get_ex(g, "split", &a);
		printf("; %zu split", jsonu_len(a));
		json_object_object_get_ex(g, "merged", &a);
		printf(", %zu merged\n", jsonu_len(a));
	}
	json_object_object_get_ex(o, "unchanged", &v);
	if (json_object_get_boolean(v))
		printf("nothing changes\n");
}

static int
cmd_whatif_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "param", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'P' },
		{ "class", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *req = json_object_new_object(), *params = json_object_new_object();
	struct json_object *hosts = json_object_new_array(), *o = NULL;
	const char *s, *eq;
	char err[768], *name;
	long status;
	int c, r, json = 0, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			json_object_object_add(req, "kernel", json_object_new_string(optarg));
			break;
		case 'p':
			if ((eq = strchr(optarg, '=')) == NULL || eq == optarg) {
				log_warnx("--param %s: expected kvm_intel.NAME=VALUE", optarg);
				goto cleanup;
			}
			name = xmalloc((size_t)(eq - optarg) + 1);
			memcpy(name, optarg, (size_t)(eq - optarg));
			name[eq - optarg] = '\0';
			json_object_object_add(params, name, json_object_new_string(eq + 1));
			free(name);
			break;
		case 's':
			json_object_object_add(req, "scenario", json_object_new_string(optarg));
			break;
		case 'P':
			json_object_object_add(req, "policy", json_object_new_string(optarg));
			break;
		case 'c':
			json_object_object_add(req, "class", json_object_new_string(optarg));
			break;
		case 'j':
			json = 1;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			ret = r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_whatif_entry);
			goto cleanup;
		}
	}
	if (httpc_options_check(h) == -1)
		goto cleanup;
	if (!h->remote) {
		log_warnx("whatif asks a daemon: give --server URL or --socket PATH");
		goto cleanup;
	}
	if ((optind == argc) == !json_object_object_get_ex(req, "class", NULL)) {
		ret = cli_usage(&cmd_whatif_entry);
		goto cleanup;
	}
	for (; optind < argc; optind++)
		json_object_array_add(hosts, json_object_new_string(argv[optind]));
	if (jsonu_len(hosts) > 0)
		json_object_object_add(req, "hosts", json_object_get(hosts));
	if (json_object_object_length(params) > 0)
		json_object_object_add(req, "params", json_object_get(params));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (httpc_json(h, "POST", "/v1/whatif", "application/json", s, strlen(s), &status, &o, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (json)
		cli_print_json(o);
	else
		cmd_whatif_print(o);
	if (cli_flush() == -1)
		goto cleanup;
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	json_object_put(hosts);
	json_object_put(params);
	json_object_put(req);
	return ret;
}

static int
cmd_whatif_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_whatif_main);
}
