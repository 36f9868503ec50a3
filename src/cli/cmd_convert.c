/*
 * cmd_convert.c - "migcompat convert": an AIDA64 CPUID+MSR text dump
 * converted to a host profile, printed as JSON.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aida64.h"
#include "cli.h"
#include "hostid.h"
#include "log.h"
#include "profile.h"
#include "util.h"

static int cmd_convert_run(int argc, char **argv);

const struct cli_cmd cmd_convert_entry = {
	"convert", "[--source REPO:PATH@COMMIT] [--host-id ID] FILE|-",
	"convert an AIDA64 CPUID+MSR dump (as InstLatx64 publishes them) to a profile", cmd_convert_run,
};

/* Where a dump came from: "REPO:PATH@COMMIT". */
struct cmd_convert_source {
	char repo[256];
	char path[1024];
	char commit[41];
};

/* Split "REPO:PATH@COMMIT".  Returns 0, or -1 with the reason in err. */
static int
cmd_convert_source_parse(const char *arg, struct cmd_convert_source *src, char *err, size_t errsize)
{
	const char *colon = strchr(arg, ':'), *at = strrchr(arg, '@');
	size_t i;

	if (colon == NULL || at == NULL || at < colon || colon == arg || at == colon + 1) {
		snprintf(err, errsize, "--source %s: expected REPO:PATH@COMMIT", arg);
		return -1;
	}
	if ((size_t)(colon - arg) >= sizeof(src->repo) || (size_t)(at - colon - 1) >= sizeof(src->path)) {
		snprintf(err, errsize, "--source: repository or path too long");
		return -1;
	}
	if (strlen(at + 1) != 40 || strspn(at + 1, "0123456789abcdefABCDEF") != 40) {
		snprintf(err, errsize, "--source %s: COMMIT must be 40 hex digits", arg);
		return -1;
	}
	memcpy(src->repo, arg, (size_t)(colon - arg));
	src->repo[colon - arg] = '\0';
	memcpy(src->path, colon + 1, (size_t)(at - colon - 1));
	src->path[at - colon - 1] = '\0';
	for (i = 0; i < 40; i++)
		src->commit[i] = (char)(at[1 + i] >= 'A' && at[1 + i] <= 'F' ? at[1 + i] + 32 : at[1 + i]);
	src->commit[40] = '\0';
	return 0;
}

static int
cmd_convert_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "host-id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_convert_source src;
	const char *source = NULL, *host_id = NULL, *file;
	struct json_object *o = NULL, *prov;
	struct profile p;
	char err[768], id[128];
	char *text = NULL;
	size_t len;
	int c, ret = CLI_EXIT_USAGE;

	profile_init(&p);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 's')
			source = optarg;
		else if (c == 'i')
			host_id = optarg;
		else
			return cli_usage(&cmd_convert_entry);
	}
	if (optind != argc - 1)
		return cli_usage(&cmd_convert_entry);
	file = argv[optind];
	if (source != NULL && cmd_convert_source_parse(source, &src, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (host_id == NULL) {
		/* The file's name, or the source path's when reading stdin. */
		if (aida64_host_id(strcmp(file, "-") != 0 ? file : source != NULL ? src.path : "",
		    id, sizeof(id)) == -1) {
			log_warnx("%s: no host id can be derived from the file name: give --host-id",
			    strcmp(file, "-") != 0 ? file : "stdin");
			goto cleanup;
		}
		host_id = id;
	}
	if (!hostid_valid(host_id)) {
		log_warnx("--host-id %s: use 1-127 of A-Z a-z 0-9 . _ : - (not starting with . or -)", host_id);
		goto cleanup;
	}
	if ((text = util_read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, AIDA64_MAX_SIZE, &len)) == NULL) {
		log_warnx("%s: %s", file, errno == EFBIG ? "file larger than the 4 MiB limit" : strerror(errno));
		goto cleanup;
	}
	if (aida64_parse(text, len, host_id, &p, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", strcmp(file, "-") == 0 ? "stdin" : file, err);
		goto cleanup;
	}
	o = profile_to_json(&p);
	if (source != NULL) {
		/* Provenance only: readers ignore it, it is not part of the hash. */
		prov = json_object_new_object();
		json_object_object_add(prov, "repository", json_object_new_string(src.repo));
		json_object_object_add(prov, "path", json_object_new_string(src.path));
		json_object_object_add(prov, "commit", json_object_new_string(src.commit));
		json_object_object_add(prov, "tool", json_object_new_string("AIDA64"));
		json_object_object_add(o, "provenance", prov);
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	if (cli_flush() == -1)
		goto cleanup;
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	free(text);
	profile_clear(&p);
	return ret;
}
