/*
 * cmd_import.c - "migcompat import": upload profile or MSR dump files to a
 * daemon as hosts.  Files go in batches (POST /v1/hosts, one transaction
 * each) of at most CMD_IMPORT_BATCH_BYTES, below the daemon's default body
 * limit; a file too large for a batch, or a daemon that refuses the batch
 * size (413), gets one PUT /v1/hosts/ID per file.
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
#include "hostid.h"
#include "httpc.h"
#include "jbuf.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "xmalloc.h"

static int cmd_import_run(int argc, char **argv);

/* A batch's body stays under this many bytes (the daemon's default max_body is 1 MiB). */
#define CMD_IMPORT_BATCH_BYTES	(768 * 1024)
/* And holds at most this many hosts. */
#define CMD_IMPORT_BATCH_HOSTS	1000

/* The files of the batch being built. */
struct cmd_import_batch {
	struct jbuf body;		/* {"hosts":[{"id":...,"profile":...},... */
	char **ids, **texts;
	size_t *lens;
	size_t n;
	int single;			/* the daemon refused a batch: PUT each */
};

const struct cli_cmd cmd_import_entry = {
	"import", HTTPC_USAGE " [--host-id ID] FILE...",
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

static void
cmd_import_batch_reset(struct cmd_import_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->ids[i]);
		free(b->texts[i]);
	}
	b->n = 0;
	jbuf_free(&b->body);
	jbuf_init(&b->body);
}

/* PUT each file of the batch.  Returns 0, or -1 if one failed. */
static int
cmd_import_put_each(const struct httpc *h, struct cmd_import_batch *b)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < b->n; i++)
		if (httpc_put_profile(h, b->ids[i], b->texts[i], b->lens[i]) == -1)
			ret = -1;
	return ret;
}

/* Send the batch and print what the daemon did per host.  Returns 0 or -1. */
static int
cmd_import_flush(const struct httpc *h, struct cmd_import_batch *b)
{
	struct json_object *o = NULL, *a, *e, *v, *c, *ver;
	char err[1024];
	size_t i, n;
	long status;
	int ret = -1;

	if (b->n == 0)
		return 0;
	if (b->single || b->n == 1) {
		ret = cmd_import_put_each(h, b);
		goto cleanup;
	}
	jbuf_puts(&b->body, "]}");
	if (httpc_json(h, "POST", "/v1/hosts", "application/json", b->body.s, b->body.len, &status,
	    &o, err, sizeof(err)) == -1) {
		if (status == 413) {
			/* A daemon with a smaller max_body: one host per request from now on. */
			log_info("the daemon refused a batch of %zu hosts (%s); uploading one by one",
			    b->n, err);
			b->single = 1;
			ret = cmd_import_put_each(h, b);
		} else
			log_warnx("batch of %zu hosts (%s ... %s): %s; none of them was stored",
			    b->n, b->ids[0], b->ids[b->n - 1], err);
		goto cleanup;
	}
	if (!json_object_object_get_ex(o, "hosts", &a) || !json_object_is_type(a, json_type_array)) {
		log_warnx("batch of %zu hosts: the daemon's answer has no host list", b->n);
		goto cleanup;
	}
	n = jsonu_len(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_object_get_ex(e, "host", &v) || !json_object_object_get_ex(e, "created", &c) ||
		    !json_object_object_get_ex(e, "version", &ver))
			continue;
		printf("%s: %s version %s\n", json_object_get_string(v),
		    json_object_get_boolean(c) ? "new" : "unchanged", json_object_get_string(ver));
	}
	ret = 0;
cleanup:
	json_object_put(o);
	cmd_import_batch_reset(b);
	return ret;
}

/*
 * Add a file to the batch (taking text), sending the batch first when the
 * file would not fit.  Returns 0, or -1 if a batch sent failed.
 */
static int
cmd_import_add(const struct httpc *h, struct cmd_import_batch *b, const char *id, char *text,
    size_t len)
{
	int ret = 0;

	if (b->n > 0 && (b->n == CMD_IMPORT_BATCH_HOSTS ||
	    b->body.len + len + strlen(id) + 32 > CMD_IMPORT_BATCH_BYTES))
		ret = cmd_import_flush(h, b);
	if (b->n == 0)
		jbuf_puts(&b->body, "{\"hosts\":[");
	else
		jbuf_puts(&b->body, ",");
	jbuf_puts(&b->body, "{\"id\":");
	jbuf_str(&b->body, id);
	jbuf_puts(&b->body, ",\"profile\":");
	jbuf_add(&b->body, text, len);
	jbuf_puts(&b->body, "}");
	b->ids[b->n] = xstrdup(id);
	b->texts[b->n] = text;
	b->lens[b->n] = len;
	b->n++;
	return ret;
}

static int
cmd_import_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-id", required_argument, NULL, 'i' },
		HTTPC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct httpc h = { .server = NULL };
	int r;
	struct cmd_import_batch b;
	struct profile p;
	const char *host_id = NULL;
	char err[1024], id[128], *text;
	size_t len;
	int c, i, ret = CLI_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			host_id = optarg;
			break;
		default:
			if ((r = httpc_option(&h, c, optarg)) == 1)
				break;
			httpc_clear(&h);
			return r == -1 ? CLI_EXIT_USAGE : cli_usage(&cmd_import_entry);
		}
	}
	if (httpc_options_check(&h) == -1) {
		httpc_clear(&h);
		return CLI_EXIT_USAGE;
	}
	if (optind >= argc || (host_id != NULL && argc - optind != 1)) {
		httpc_clear(&h);
		return cli_usage(&cmd_import_entry);
	}
	memset(&b, 0, sizeof(b));
	jbuf_init(&b.body);
	b.ids = xcalloc(CMD_IMPORT_BATCH_HOSTS, sizeof(*b.ids));
	b.texts = xcalloc(CMD_IMPORT_BATCH_HOSTS, sizeof(*b.texts));
	b.lens = xcalloc(CMD_IMPORT_BATCH_HOSTS, sizeof(*b.lens));
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
			free(text);
		} else {
			cmd_import_id(argv[i], &p, host_id, id, sizeof(id));
			if (!hostid_valid(id)) {
				log_warnx("%s: \"%s\" is not a valid host id (A-Z a-z 0-9 . _ : -, "
				    "1 to 127 characters)", argv[i], id);
				ret = CLI_EXIT_USAGE;
				free(text);
			} else if (cmd_import_add(&h, &b, id, text, len) == -1)
				ret = CLI_EXIT_USAGE;
		}
		profile_clear(&p);
	}
	if (cmd_import_flush(&h, &b) == -1)
		ret = CLI_EXIT_USAGE;
	free(b.ids);
	free(b.texts);
	free(b.lens);
	jbuf_free(&b.body);
	httpc_clear(&h);
	return ret;
}
