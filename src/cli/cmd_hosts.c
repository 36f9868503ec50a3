/*
 * cmd_hosts.c - "migcompat hosts": list the hosts a daemon knows.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "clitable.h"
#include "httpc.h"
#include "log.h"

static int cmd_hosts_run(int argc, char **argv);

const struct cli_cmd cmd_hosts_entry = {
	"hosts", "[--json] [--retired | --all] " HTTPC_USAGE,
	"list the hosts a migcompatd knows, with their current profile", cmd_hosts_run,
};

/* The columns of the text table: title and the member each row shows. */
static const struct clitable_col cmd_hosts_cols[] = {
	{ "HOST", "id" },
	{ "VERSION", "version" },
	{ "KERNEL", "kernel" },
	{ "STORED", "stored_at" },
	{ "LAST SEEN", "last_seen" },
	{ "STALE SINCE", "stale_since" },
	{ "RETIRED", "retired_at" },
	{ "CPU", "cpu" },
};
#define CMD_HOSTS_NCOLS	(sizeof(cmd_hosts_cols) / sizeof(cmd_hosts_cols[0]))

/*
 * Print the hosts of array a as a table (clitable_print: nothing cut,
 * profile text escaped).  A stale host (lost by the fleet store) has the
 * time it went stale, a retired one (--retired, --all) when it was retired.
 */
static void
cmd_hosts_table(struct json_object *a, int retired)
{
	struct clitable_col col[CMD_HOSTS_NCOLS];
	size_t k, nc = 0;

	/* The RETIRED column only when retired hosts are asked for. */
	for (k = 0; k < CMD_HOSTS_NCOLS; k++)
		if (retired || strcmp(cmd_hosts_cols[k].key, "retired_at") != 0)
			col[nc++] = cmd_hosts_cols[k];
	clitable_print(stdout, col, nc, a);
}

static int
cmd_hosts_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "retired", no_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	struct json_object *o = NULL, *a;
	char err[1024];
	long status;
	const char *path = "/v1/hosts";
	int json = 0, c, nsel = 0, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'r':
			path = "/v1/hosts?retired=only";
			nsel++;
			break;
		case 'a':
			path = "/v1/hosts?retired=include";
			nsel++;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_hosts_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (optind != argc)
		return cli_usage(&cmd_hosts_entry);
	if (nsel > 1) {
		log_warnx("--retired and --all: give one of them");
		return CLI_EXIT_USAGE;
	}
	if (httpc_json(h, "GET", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (json) {
		cli_print_json(o);
		ret = CLI_EXIT_OK;
		goto cleanup;
	}
	if (!json_object_object_get_ex(o, "hosts", &a) || !json_object_is_type(a, json_type_array)) {
		log_warnx("the daemon's host list has no \"hosts\" array");
		goto cleanup;
	}
	cmd_hosts_table(a, strcmp(path, "/v1/hosts") != 0);
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	return ret;
}

static int
cmd_hosts_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_hosts_main);
}
