/*
 * cmd_import.c - "migcompat import": upload profile or MSR dump files to a
 * daemon as hosts (PUT /v1/hosts/ID).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "httpc.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static int cmd_import_run(int argc, char **argv);

const struct cli_cmd cmd_import_entry = {
	"import", "[--server URL | --socket PATH] [--token-file FILE] [--host-id ID] FILE...",
	"upload profiles or MSR dumps to a migcompatd as hosts", cmd_import_run,
};

/* The host id of a file: --host-id, the profile's own, or the file name without ".json". */
static void
cmd_import_id(const char *path, const struct profile *p, const char *given, char *id, size_t idsize)
{
	char *copy, *base, *dot;

	if (given != NULL) {
		util_strlcpy(id, given, idsize);
		return;
	}
	if (p->host_id[0] != '\0') {
		util_strlcpy(id, p->host_id, idsize);
		return;
	}
	copy = xstrdup(path);
	base = basename(copy);
	if ((dot = strrchr(base, '.')) != NULL && strcmp(dot, ".json") == 0)
		*dot = '\0';
	util_strlcpy(id, base, idsize);
	free(copy);
}

static int
cmd_import_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ "host-id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { NULL, NULL, NULL };
	struct profile p;
	const char *host_id = NULL;
	char err[1024], id[128], *text;
	size_t len;
	int c, i, ret = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			h.server = optarg;
			break;
		case 's':
			h.socket = optarg;
			break;
		case 't':
			if (httpc_load_token(&h, optarg, err, sizeof(err)) == -1) {
				log_warnx("%s", err);
				httpc_clear(&h);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'i':
			host_id = optarg;
			break;
		default:
			httpc_clear(&h);
			return cli_usage(&cmd_import_entry);
		}
	}
	if (optind >= argc || (host_id != NULL && argc - optind != 1)) {
		httpc_clear(&h);
		return cli_usage(&cmd_import_entry);
	}
	for (i = optind; i < argc; i++) {
		profile_init(&p);
		if ((text = util_read_file(argv[i], PROFILE_MAX_SIZE, &len)) == NULL) {
			log_warn("%s", argv[i]);
			ret = CLI_EXIT_USAGE;
			continue;
		}
		/* Parse locally first: a clear message, and the profile's own host id. */
		if (profile_parse(text, len, &p, err, sizeof(err)) == -1) {
			log_warnx("%s: %s", argv[i], err);
			ret = CLI_EXIT_USAGE;
		} else {
			cmd_import_id(argv[i], &p, host_id, id, sizeof(id));
			if (httpc_put_profile(&h, id, text, len) == -1)
				ret = CLI_EXIT_USAGE;
		}
		free(text);
		profile_clear(&p);
	}
	httpc_clear(&h);
	return ret;
}
