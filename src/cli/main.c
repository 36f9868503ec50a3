/*
 * main.c - migcompat(1): the command-line interface.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "httpc.h"
#include "log.h"
#include "rules.h"

static const struct cli_cmd *const cli_cmds[] = {
	&cmd_collect_entry,
	&cmd_show_entry,
	&cmd_hosts_entry,
	&cmd_history_entry,
	&cmd_changes_entry,
	&cmd_diff_entry,
	&cmd_import_entry,
	&cmd_retire_entry,
	&cmd_check_entry,
	&cmd_targets_entry,
	&cmd_groups_entry,
	&cmd_baseline_entry,
	&cmd_convert_entry,
	&cmd_emulate_entry,
	&cmd_whatif_entry,
};

int
cli_usage(const struct cli_cmd *cmd)
{
	fprintf(stderr, "usage: migcompat %s %s\n", cmd->name, cmd->usage);
	return CLI_EXIT_USAGE;
}

int
cli_with_httpc(int argc, char **argv, int (*fn)(int argc, char **argv, struct httpc *h))
{
	struct httpc h = { .server = NULL };
	int ret;

	ret = fn(argc, argv, &h);
	httpc_clear(&h);
	return ret;
}

int
cli_policy(const char *arg, enum rules_policy *policy)
{
	if (rules_policy_parse(arg, policy) == -1) {
		log_warnx("unknown policy \"%s\" (strict, effective)", arg);
		return -1;
	}
	return 0;
}

void
cli_print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int
cli_flush(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return -1;
	}
	return 0;
}

static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: migcompat COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cli_cmds[i]->name, cli_cmds[i]->help);
	fprintf(f, "\nmigcompat COMMAND --help for the arguments; see migcompat(1).\n");
}

int
main(int argc, char **argv)
{
	size_t i;
	int ret;

	log_init("migcompat", LOG_LEVEL_INFO);
	if (argc < 2) {
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("migcompat %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++) {
		if (strcmp(argv[1], cli_cmds[i]->name) != 0)
			continue;
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: migcompat %s %s\n  %s\n", cli_cmds[i]->name, cli_cmds[i]->usage,
			    cli_cmds[i]->help);
			return CLI_EXIT_OK;
		}
		ret = cli_cmds[i]->run(argc - 1, argv + 1);
		/* What a command printed and stdout did not take is an error, not success. */
		if (cli_flush() == -1 && ret == CLI_EXIT_OK)
			ret = CLI_EXIT_USAGE;
		return ret;
	}
	fprintf(stderr, "migcompat: unknown command \"%s\"\n", argv[1]);
	main_usage(stderr);
	return CLI_EXIT_USAGE;
}
