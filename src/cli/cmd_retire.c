/*
 * cmd_retire.c - "migcompat retire": take hosts out of a daemon's fleet
 * (DELETE /v1/hosts/ID); their history stays, their next upload brings
 * them back.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "hostid.h"
#include "httpc.h"
#include "log.h"

static int cmd_retire_run(int argc, char **argv);

const struct cli_cmd cmd_retire_entry = {
	"retire", "[--json] " HTTPC_USAGE " HOST...",
	"retire hosts: no longer migration targets, history kept", cmd_retire_run,
};

/* The string member key of o, "-" when absent or not a string. */
static const char *
cmd_retire_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "-";
	return json_object_get_string(v);
}

/* Retire one host; prints what the daemon did.  Returns 0 or -1 (logged). */
static int
cmd_retire_one(const struct httpc *h, const char *id, struct json_object *all)
{
	struct json_object *o = NULL, *v;
	char path[256], err[1024];
	long status;
	int ret = -1;

	if (!hostid_valid(id)) {
		log_warnx("\"%s\" is not a valid host id", id);
		return -1;
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s", id);
	if (httpc_json(h, "DELETE", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", id, err);
		goto cleanup;
	}
	if (all != NULL) {
		json_object_array_add(all, json_object_get(o));
	} else {
		json_object_object_get_ex(o, "already_retired", &v);
		printf("%s: %s at ", id, json_object_get_boolean(v) ? "retired already" : "retired");
		log_vis_print(stdout, cmd_retire_str(o, "retired_at"), 0);
		putchar('\n');
	}
	ret = 0;
cleanup:
	json_object_put(o);
	return ret;
}

static int
cmd_retire_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { .server = NULL };
	struct json_object *all = NULL, *o;
	int json = 0, c, r, i, failed = 0, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
			continue;
		}
		if ((r = httpc_option(&h, c, optarg)) != 1) {
			if (r == 0)
				cli_usage(&cmd_retire_entry);
			goto cleanup;
		}
	}
	if (httpc_options_check(&h) == -1)
		goto cleanup;
	if (optind == argc) {
		cli_usage(&cmd_retire_entry);
		goto cleanup;
	}
	if (json)
		all = json_object_new_array();
	/* Every host is tried; one that fails does not stop the others. */
	for (i = optind; i < argc; i++)
		if (cmd_retire_one(&h, argv[i], all) == -1)
			failed = 1;
	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "hosts", json_object_get(all));
		cli_print_json(o);
		json_object_put(o);
	}
	ret = failed ? CLI_EXIT_USAGE : CLI_EXIT_OK;
cleanup:
	json_object_put(all);
	httpc_clear(&h);
	return ret;
}
