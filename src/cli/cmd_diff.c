/*
 * cmd_diff.c - "migcompat diff": what differs, layer by layer (features lost
 * and gained, values changed), between two profile files, two hosts or two
 * versions of a host in a daemon.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "httpc.h"
#include "log.h"
#include "pdiff.h"
#include "profile.h"
#include "util.h"

static int cmd_diff_run(int argc, char **argv);

const struct cli_cmd cmd_diff_entry = {
	"diff", "[--json] OLD_FILE NEW_FILE | [--json] " HTTPC_USAGE_DAEMON " HOST [FROM [TO]] | HOST_A HOST_B",
	"list what differs, layer by layer, between two profiles, two hosts or two versions of a host",
	cmd_diff_run,
};

static void
cmd_diff_print(struct json_object *d, int json)
{
	if (json)
		printf("%s\n", json_object_to_json_string_ext(d, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		pdiff_print(stdout, d);
}

static int
cmd_diff_files(const char *a, const char *b, int json)
{
	struct profile pa, pb;
	struct json_object *d = NULL;
	char err[768];
	int ret = CLI_EXIT_USAGE;

	profile_init(&pa);
	profile_init(&pb);
	if (profile_load_file(a, &pa, err, sizeof(err)) == -1 ||
	    profile_load_file(b, &pb, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	d = pdiff_json(&pa, &pb);
	cmd_diff_print(d, json);
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(d);
	profile_clear(&pa);
	profile_clear(&pb);
	return ret;
}

/* The current profiles of hosts a and b of a daemon, diffed as two files are. */
static int
cmd_diff_hosts(const struct httpc *h, const char *a, const char *b, int json)
{
	struct profile pa, pb;
	struct json_object *d = NULL;
	char err[768];
	int ret = CLI_EXIT_USAGE;

	profile_init(&pa);
	profile_init(&pb);
	if (httpc_profile(h, a, &pa, err, sizeof(err)) == -1 ||
	    httpc_profile(h, b, &pb, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	d = pdiff_json(&pa, &pb);
	cmd_diff_print(d, json);
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(d);
	profile_clear(&pa);
	profile_clear(&pb);
	return ret;
}

static int
cmd_diff_server(const struct httpc *h, int argc, char **argv, int json)
{
	struct json_object *d = NULL, *v, *f;
	char path[512], id[400], err[1024];
	uint64_t n;
	long status;
	int i, ret = CLI_EXIT_USAGE;

	if (httpc_escape(argv[0], id, sizeof(id)) == NULL) {
		log_warnx("host id too long");
		return CLI_EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (util_parse_u64(argv[i], INT64_MAX, &n) == -1 || n == 0) {
			log_warnx("\"%s\" is not a version number", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	snprintf(path, sizeof(path), "/v1/hosts/%s/diff%s%s%s%s", id, argc > 1 ? "?from=" : "",
	    argc > 1 ? argv[1] : "", argc > 2 ? "&to=" : "", argc > 2 ? argv[2] : "");
	if (httpc_json(h, "GET", path, NULL, NULL, 0, &status, &d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (!json) {
		json_object_object_get_ex(d, "from", &f);
		json_object_object_get_ex(d, "to", &v);
		if (f != NULL && v != NULL) {
			struct json_object *fv = NULL, *tv = NULL, *fk = NULL, *tk = NULL;

			json_object_object_get_ex(f, "version", &fv);
			json_object_object_get_ex(v, "version", &tv);
			json_object_object_get_ex(f, "kernel", &fk);
			json_object_object_get_ex(v, "kernel", &tk);
			printf("host %s: version %s (", argv[0], json_object_get_string(fv));
			log_vis_print(stdout, json_object_get_string(fk), 0);
			printf(") -> version %s (", json_object_get_string(tv));
			log_vis_print(stdout, json_object_get_string(tk), 0);
			printf(")\n");
		}
	}
	cmd_diff_print(d, json);
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(d);
	return ret;
}

static int
cmd_diff_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	int json = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		default:
			if ((r = httpc_option(h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_diff_entry);
		}
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (h->remote) {
		if (argc - optind < 1 || argc - optind > 3)
			return cli_usage(&cmd_diff_entry);
		/* HOST_A HOST_B, unless the second is a version number of HOST. */
		if (argc - optind == 2 && argv[optind + 1][strspn(argv[optind + 1], "0123456789")] != '\0')
			return cmd_diff_hosts(h, argv[optind], argv[optind + 1], json);
		return cmd_diff_server(h, argc - optind, argv + optind, json);
	}
	if (argc - optind != 2)
		return cli_usage(&cmd_diff_entry);
	return cmd_diff_files(argv[optind], argv[optind + 1], json);
}

static int
cmd_diff_run(int argc, char **argv)
{
	struct httpc h = { .server = NULL };
	int ret;

	ret = cmd_diff_main(argc, argv, &h);
	httpc_clear(&h);
	return ret;
}
