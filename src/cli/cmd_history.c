/*
 * cmd_history.c - "migcompat history": the profile versions a daemon
 * stored for a host.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "clitable.h"
#include "hostid.h"
#include "httpc.h"
#include "log.h"

static int cmd_history_run(int argc, char **argv);

const struct cli_cmd cmd_history_entry = {
	"history", "[--json] " HTTPC_USAGE " HOST",
	"list the profile versions a migcompatd stored for a host", cmd_history_run,
};

/* The columns of the text table: title and the member each version shows. */
static const struct clitable_col cmd_history_cols[] = {
	{ "VERSION", "version" },
	{ "STORED", "stored_at" },
	{ "COLLECTED", "collected_at" },
	{ "KERNEL", "kernel" },
	{ "CPU", "cpu" },
};

static int
cmd_history_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { .server = NULL };
	struct json_object *o = NULL, *a, *e;
	char path[256], err[1024];
	long status;
	int json = 0, c, r, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
			continue;
		}
		if ((r = httpc_option(&h, c, optarg)) != 1) {
			if (r == 0)
				cli_usage(&cmd_history_entry);
			goto cleanup;
		}
	}
	if (httpc_options_check(&h) == -1)
		goto cleanup;
	if (argc - optind != 1) {
		cli_usage(&cmd_history_entry);
		goto cleanup;
	}
	if (!hostid_valid(argv[optind])) {
		log_warnx("\"%s\" is not a valid host id", argv[optind]);
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s/history", argv[optind]);
	if (httpc_json(&h, "GET", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", argv[optind], err);
		goto cleanup;
	}
	if (json) {
		cli_print_json(o);
		ret = CLI_EXIT_OK;
		goto cleanup;
	}
	if (!json_object_object_get_ex(o, "versions", &a) || !json_object_is_type(a, json_type_array)) {
		log_warnx("%s: the daemon's history has no \"versions\" array", argv[optind]);
		goto cleanup;
	}
	clitable_print(stdout, cmd_history_cols, sizeof(cmd_history_cols) / sizeof(cmd_history_cols[0]),
	    a);
	if (json_object_object_get_ex(o, "retired_at", &e) && json_object_is_type(e, json_type_string))
		printf("retired at %s\n", json_object_get_string(e));
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	httpc_clear(&h);
	return ret;
}
