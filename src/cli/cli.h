/*
 * cli.h - the subcommands of migcompat(1).  Each lives in cmd_NAME.c and
 * exports one descriptor.
 */
#ifndef MIGCOMPAT_CLI_H
#define MIGCOMPAT_CLI_H

#include "rules.h"

/* Exit statuses shared by every subcommand. */
#define CLI_EXIT_OK		0
#define CLI_EXIT_INCOMPATIBLE	1
#define CLI_EXIT_USAGE		2	/* bad usage, bad input, no KVM */
#define CLI_EXIT_UNKNOWN	3

struct cli_cmd {
	const char *name;
	const char *usage;		/* arguments after the name */
	const char *help;		/* one line */
	/* argv[0] is the subcommand name.  Returns an exit status. */
	int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cmd_collect_entry;
extern const struct cli_cmd cmd_show_entry;
extern const struct cli_cmd cmd_hosts_entry;
extern const struct cli_cmd cmd_diff_entry;
extern const struct cli_cmd cmd_import_entry;
extern const struct cli_cmd cmd_check_entry;
extern const struct cli_cmd cmd_targets_entry;
extern const struct cli_cmd cmd_groups_entry;
extern const struct cli_cmd cmd_baseline_entry;
extern const struct cli_cmd cmd_convert_entry;
extern const struct cli_cmd cmd_emulate_entry;
extern const struct cli_cmd cmd_history_entry;
extern const struct cli_cmd cmd_changes_entry;
extern const struct cli_cmd cmd_retire_entry;
extern const struct cli_cmd cmd_whatif_entry;

struct httpc;
struct json_object;

/*
 * Run fn, a subcommand that may talk to a daemon, with empty client
 * options, and clear them (the token read with --token-file) on its way
 * out, whichever it takes.  Returns fn's exit status.
 */
int cli_with_httpc(int argc, char **argv, int (*fn)(int argc, char **argv, struct httpc *h));

/* Parse a --policy argument, or log that it is unknown and return -1. */
int cli_policy(const char *arg, enum rules_policy *policy);

/* Print o as indented JSON, "/" unescaped, and a newline on stdout. */
void cli_print_json(struct json_object *o);

/* Flush stdout: 0, or -1 after logging why (a full disk, a closed pipe). */
int cli_flush(void);

/* Print "migcompat NAME: usage: migcompat NAME USAGE" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli_cmd *cmd);

#endif
