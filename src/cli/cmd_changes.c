/*
 * cmd_changes.c - "migcompat changes": the profile versions a daemon
 * stored since a time, each distinct change diffed once.
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
#include "pdiff.h"

static int cmd_changes_run(int argc, char **argv);

const struct cli_cmd cmd_changes_entry = {
	"changes", "[--json] " HTTPC_USAGE " --since TIME",
	"list the profile changes a migcompatd stored since TIME (RFC 3339 UTC or UNIX seconds)",
	cmd_changes_run,
};

/* The string member key of o, dflt when absent or null. */
static const char *
cmd_changes_str(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return dflt;
	return json_object_get_string(v);
}

/* Print the answer of GET /v1/fleet/changes as text. */
static void
cmd_changes_print(struct json_object *o)
{
	struct json_object *a, *e, *d;
	size_t i, n;

	printf("since %s: %s change(s)\n", cmd_changes_str(o, "since", "?"),
	    cmd_changes_str(o, "n_changes", "0"));
	if (json_object_object_get_ex(o, "changes", &a) && jsonu_len(a) > 0) {
		printf("%-20s %7s  %10s  %s\n", "TIME", "VERSION", "TRANSITION", "HOST");
		n = jsonu_len(a);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(a, i);
			printf("%-20s %7s  %10s  ", cmd_changes_str(e, "time", "-"),
			    cmd_changes_str(e, "version", "-"), cmd_changes_str(e, "transition", "-"));
			log_vis_print(stdout, cmd_changes_str(e, "host", "-"), 0);
			putchar('\n');
		}
	}
	if (!json_object_object_get_ex(o, "transitions", &a))
		return;
	n = jsonu_len(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		printf("\ntransition %zu: %.12s -> %.12s (%s host(s))\n", i,
		    cmd_changes_str(e, "from", "(new host)"), cmd_changes_str(e, "to", "?"),
		    cmd_changes_str(e, "hosts", "?"));
		if (json_object_object_get_ex(e, "diff", &d) && d != NULL)
			pdiff_print(stdout, d);
	}
}

static int
cmd_changes_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { .server = NULL };
	struct json_object *o = NULL;
	const char *since = NULL;
	char path[512], q[384], err[1024];
	long status;
	int json = 0, c, r, ret = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 's') {
			since = optarg;
		} else if ((r = httpc_option(&h, c, optarg)) != 1) {
			if (r == 0)
				cli_usage(&cmd_changes_entry);
			goto cleanup;
		}
	}
	if (httpc_options_check(&h) == -1)
		goto cleanup;
	if (optind != argc || since == NULL) {
		cli_usage(&cmd_changes_entry);
		goto cleanup;
	}
	if (httpc_escape(since, q, sizeof(q)) == NULL) {
		log_warnx("--since: too long");
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/v1/fleet/changes?since=%s", q);
	if (httpc_json(&h, "GET", path, NULL, NULL, 0, &status, &o, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (json)
		cli_print_json(o);
	else
		cmd_changes_print(o);
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	httpc_clear(&h);
	return ret;
}
