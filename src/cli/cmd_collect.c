/*
 * cmd_collect.c - "migcompat collect": collect this host's profile and print it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "collect.h"
#include "httpc.h"
#include "log.h"
#include "profile.h"
#include "report.h"

static int cmd_collect_run(int argc, char **argv);

const struct cli_cmd cmd_collect_entry = {
	"collect", "[--json | --text] [--kvm PATH] [--host-id ID] [--libvirt-uri URI | --no-libvirt] [--no-guest] [--push " HTTPC_USAGE "]",
	"collect this host's KVM profile and print it", cmd_collect_run,
};

static int
cmd_collect_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "text", no_argument, NULL, 't' },
		{ "kvm", required_argument, NULL, 'k' },
		{ "host-id", required_argument, NULL, 'i' },
		{ "libvirt-uri", required_argument, NULL, 'L' },
		{ "no-libvirt", no_argument, NULL, 'N' },
		{ "no-guest", no_argument, NULL, 'G' },
		{ "push", no_argument, NULL, 'P' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { .server = NULL };
	int r;
	int push = 0;
	struct collect_opts o;
	struct profile p;
	char err[512];
	int json = 0, c, ret = CLI_EXIT_USAGE;
	char *s;

	memset(&o, 0, sizeof(o));
	profile_init(&p);
	optind = 1;
	while ((c = getopt_long(argc, argv, "jt", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 't':
			json = 0;
			break;
		case 'k':
			o.kvm_path = optarg;
			break;
		case 'i':
			o.host_id = optarg;
			break;
		case 'L':
			o.libvirt_uri = optarg;
			break;
		case 'N':
			o.no_libvirt = 1;
			break;
		case 'G':
			o.no_guest = 1;
			break;
		case 'P':
			push = 1;
			break;
		default:
			if ((r = httpc_option(&h, c, optarg)) == 1)
				break;
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_collect_entry);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_collect_entry);
	if (httpc_options_check(&h) == -1)
		goto cleanup;
	if (collect_host(&o, &p, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (push) {
		/* Upload to the daemon (PUT /v1/hosts/ID) instead of printing. */
		s = profile_to_string(&p, 0);
		ret = httpc_put_profile(&h, p.host_id, s, strlen(s)) == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		free(s);
		goto cleanup;
	}
	if (json) {
		s = profile_to_string(&p, 1);
		printf("%s\n", s);
		free(s);
	} else {
		report_profile(stdout, &p, NULL);
	}
	ret = CLI_EXIT_OK;
cleanup:
	httpc_clear(&h);
	profile_clear(&p);
	return ret;
}
