/*
 * cmd_groups.c - "migcompat groups": the equivalence classes of a fleet
 * and the partial order between them, offline on profile files.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "fleet.h"
#include "fleetload.h"
#include "httpc.h"
#include "jsonu.h"
#include "log.h"
#include "rules.h"
#include "xmalloc.h"

static int cmd_groups_run(int argc, char **argv);

const struct cli_cmd cmd_groups_entry = {
	"groups", "[--policy P] [--json] [--no-hosts] FLEET... | " HTTPC_USAGE_DAEMON,
	"partition a fleet into classes of identical profiles and order them by migratability",
	cmd_groups_run,
};

static void
cmd_groups_print(const char *text, size_t len)
{
	struct json_object *o = NULL, *classes, *order, *c, *v, *ids, *to;
	char err[256];
	size_t i, j, n;

	if (jsonu_parse(text, len, &o, err, sizeof(err)) == -1) {
		log_warnx("internal error: %s", err);
		return;
	}
	json_object_object_get_ex(o, "classes", &classes);
	json_object_object_get_ex(o, "hosts", &v);
	printf("%zu classes of %s hosts:\n", jsonu_len(classes), json_object_get_string(v));
	for (i = 0; i < jsonu_len(classes); i++) {
		c = json_object_array_get_idx(classes, i);
		json_object_object_get_ex(c, "hosts", &v);
		printf("  class %zu: %s hosts", i, json_object_get_string(v));
		json_object_object_get_ex(c, "cpu", &v);
		printf(", ");
		log_vis_print(stdout, json_object_get_string(v), 0);
		json_object_object_get_ex(c, "kernel", &v);
		if (json_object_get_string_len(v) > 0) {
			printf(", kernel ");
			log_vis_print(stdout, json_object_get_string(v), 0);
		}
		if (json_object_object_get_ex(c, "host_ids", &ids)) {
			printf(":");
			for (j = 0; j < jsonu_len(ids); j++) {
				putchar(' ');
				log_vis_print(stdout, json_object_get_string(json_object_array_get_idx(ids, j)), 0);
			}
		}
		printf("\n");
	}
	/* An answer without an order object (another daemon's) prints none. */
	if (!json_object_object_get_ex(o, "order", &order) || !json_object_is_type(order, json_type_object))
		order = json_object_new_object();
	else
		json_object_get(order);
	json_object_object_foreach(order, scenario, rows) {
		printf("%s: class -> classes it can migrate into\n", scenario);
		n = jsonu_len(rows);
		for (i = 0; i < n; i++) {
			c = json_object_array_get_idx(rows, i);
			json_object_object_get_ex(c, "to", &to);
			printf("  %zu ->", i);
			if (jsonu_len(to) == 0)
				printf(" (none)");
			for (j = 0; j < jsonu_len(to); j++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(to, j)));
			printf("\n");
		}
	}
	json_object_put(order);
	json_object_put(o);
}

static int
cmd_groups_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-hosts", no_argument, NULL, 'n' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	struct json_object *o = NULL;
	char path[128];
	long status;
	enum rules_policy policy = RULES_POLICY_STRICT;
	struct fleetload fl;
	struct fleet *f = NULL;
	char err[512], *text = NULL;
	size_t i, len;
	int c, json = 0, hosts = 1, ret = CLI_EXIT_USAGE;

	fleetload_init(&fl);
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:jn", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_policy(optarg, &policy) == -1)
				return CLI_EXIT_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		case 'n':
			hosts = 0;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_groups_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (h->remote) {
		if (optind != argc)
			return cli_usage(&cmd_groups_entry);
		snprintf(path, sizeof(path), "/v1/groups?policy=%s&hosts=%d", rules_policy_name(policy), hosts);
		if (httpc_json(h, "GET", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			return CLI_EXIT_USAGE;
		}
		text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		len = strlen(text);
		goto print;
	}
	if (optind >= argc)
		return cli_usage(&cmd_groups_entry);
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (fleetload_add(&fl, argv[i]) == -1)
			goto cleanup;
	if ((f = fleetload_fleet(&fl)) == NULL)
		goto cleanup;
	text = fleet_groups(f, policy, hosts, &len);
print:
	if (json)
		printf("%s\n", text);
	else
		cmd_groups_print(text, len);
	ret = CLI_EXIT_OK;
cleanup:
	free(text);
	fleet_free(f);
	fleetload_free(&fl);
	return ret;
}

static int
cmd_groups_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_groups_main);
}
