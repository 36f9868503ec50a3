/*
 * cmd_show.c - "migcompat show": print the summary of saved profiles or dumps.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "httpc.h"
#include "log.h"
#include "profile.h"
#include "report.h"

static int cmd_show_run(int argc, char **argv);

const struct cli_cmd cmd_show_entry = {
	"show", "[--json] FILE... | [--json] " HTTPC_USAGE_DAEMON " HOST...",
	"print the summary of saved profiles or MSR dumps, or of hosts in a daemon", cmd_show_run,
};

static int
cmd_show_main(int argc, char **argv, struct httpc *h)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int r;
	struct profile p;
	char err[768];
	int json = 0, c, i, ret = CLI_EXIT_OK;
	char *s;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		/* Against a daemon the arguments are host ids. */
		if ((r = httpc_option(h, c, optarg)) == 1)
			continue;
		if (r == -1)
			return CLI_EXIT_USAGE;
		if (c != 'j')
			return cli_usage(&cmd_show_entry);
		json = 1;
	}
	if (httpc_options_check(h) == -1)
		return CLI_EXIT_USAGE;
	if (optind >= argc)
		return cli_usage(&cmd_show_entry);
	profile_init(&p);
	for (i = optind; i < argc; i++) {
		if ((h->remote ? httpc_profile(h, argv[i], &p, err, sizeof(err)) :
		    profile_load_file(argv[i], &p, err, sizeof(err))) == -1) {
			log_warnx("%s", err);
			ret = CLI_EXIT_USAGE;
			continue;
		}
		if (i > optind && !json)
			printf("\n");
		if (json) {
			s = profile_to_string(&p, 1);
			printf("%s\n", s);
			free(s);
		} else {
			report_profile(stdout, &p, argv[i]);
		}
		profile_clear(&p);
	}
	return ret;
}

static int
cmd_show_run(int argc, char **argv)
{
	return cli_with_httpc(argc, argv, cmd_show_main);
}
