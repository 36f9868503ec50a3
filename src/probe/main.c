/*
 * main.c - migcompat-probe(8): collect this host's profile and print it as JSON.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "log.h"
#include "profile.h"

/* Long options without a short form. */
#define OPT_LIBVIRT_URI		0x100
#define OPT_NO_LIBVIRT		0x101
#define OPT_LIBVIRT_ONLY	0x102

static void
usage(FILE *f)
{
	fprintf(f, "usage: migcompat-probe [-v] [--compact] [--kvm PATH] [--host-id ID] [--output FILE]\n"
	    "                       [--libvirt-uri URI] [--no-libvirt] [--libvirt-only]\n"
	    "                       [--guest-timeout SECONDS] [--no-guest] [--msr-dir DIR]\n");
}

/* Parse a deadline in seconds (0.1 to 600, fractions allowed) into milliseconds. */
static int
parse_timeout(const char *s, unsigned *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0.1 || v > 600)
		return -1;
	*ms = (unsigned)(v * 1000 + 0.5);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "compact", no_argument, NULL, 'c' },
		{ "kvm", required_argument, NULL, 'k' },
		{ "host-id", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "guest-timeout", required_argument, NULL, 't' },
		{ "no-guest", no_argument, NULL, 'n' },
		{ "msr-dir", required_argument, NULL, 'm' },
		{ "libvirt-uri", required_argument, NULL, OPT_LIBVIRT_URI },
		{ "no-libvirt", no_argument, NULL, OPT_NO_LIBVIRT },
		{ "libvirt-only", no_argument, NULL, OPT_LIBVIRT_ONLY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct collect_opts o;
	struct profile p;
	const char *output = NULL;
	char err[512];
	int c, compact = 0, libvirt_only = 0, ret = 2;
	char *s = NULL;
	FILE *out = stdout;

	log_init("migcompat-probe", LOG_LEVEL_WARNING);
	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "cvo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			compact = 1;
			break;
		case 'k':
			o.kvm_path = optarg;
			break;
		case 'i':
			o.host_id = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &o.guest_timeout_ms) == -1) {
				log_warnx("--guest-timeout: \"%s\" is not a number of seconds from 0.1 to 600",
				    optarg);
				return 2;
			}
			break;
		case 'n':
			o.no_guest = 1;
			break;
		case 'm':
			o.msr_dir = optarg;
			break;
		case OPT_LIBVIRT_URI:
			o.libvirt_uri = optarg;
			break;
		case OPT_NO_LIBVIRT:
			o.no_libvirt = 1;
			break;
		case OPT_LIBVIRT_ONLY:
			libvirt_only = 1;
			break;
		case 'v':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("migcompat-probe %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	profile_init(&p);
	if (libvirt_only) {
		/* Identity and the libvirt layer only: no /dev/kvm needed. */
		collect_identity(&o, &p);
		collect_libvirt(&o, &p);
		if (profile_update_hash(&p) == -1)
			goto cleanup;
	} else if (collect_host(&o, &p, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	s = profile_to_string(&p, !compact);
	if (output != NULL && (out = fopen(output, "we")) == NULL) {
		log_warn("%s", output);
		goto cleanup;
	}
	if (fprintf(out, "%s\n", s) < 0 || fflush(out) != 0) {
		log_warn("%s", output != NULL ? output : "stdout");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (out != stdout && out != NULL)
		fclose(out);
	free(s);
	profile_clear(&p);
	return ret;
}
