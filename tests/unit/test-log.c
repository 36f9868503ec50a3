/*
 * test-log.c - one escaped line per message; the journal is chosen only
 * when JOURNAL_STREAM names stderr; a sink gets the escaped message and the
 * thread's request fields.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char got_msg[1024], got_host[256], got_route[256];
static int got_level, sink_ret;

static int
test_sink(enum log_level level, const char *msg, const char *host, const char *route)
{
	got_level = (int)level;
	snprintf(got_msg, sizeof(got_msg), "%s", msg);
	snprintf(got_host, sizeof(got_host), "%s", host != NULL ? host : "(none)");
	snprintf(got_route, sizeof(got_route), "%s", route != NULL ? route : "(none)");
	return sink_ret;
}

/* Log msg with stderr on a temporary file; the file's text into out. */
static void
capture(const char *msg, char *out, size_t outsize)
{
	FILE *f = tmpfile();
	size_t n;
	int saved = dup(STDERR_FILENO);

	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	log_info("%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, outsize - 1, f);
	out[n] = '\0';
	fclose(f);
}

int
main(void)
{
	char env[64], out[2048];
	struct stat st;
	FILE *f;

	log_init("test", LOG_LEVEL_INFO);

	/* A URL with %0a, %1b (and what %00 would end) is one escaped line. */
	capture("GET /v1/hosts/a\nb\x1b[31m\r\tc\\ \xff: 404", out, sizeof(out));
	tap_ok(strcmp(out, "test: GET /v1/hosts/a\\nb\\033[31m\\r\\tc\\\\ \\377: 404\n") == 0,
	    "control bytes escaped, one line: %s", out);
	tap_ok(strchr(out, '\n') == out + strlen(out) - 1, "exactly one newline, at the end");

	/*
	 * log_vis_print writes what log_vis writes, all of it however long,
	 * padded to the width; log_vis_len is its length.  Every byte.
	 */
	{
		char all[256], big[4096], vis[4 * sizeof(all) + 1], *text = NULL;
		size_t n, len = 0, i;
		FILE *m;

		for (i = 1; i < 256; i++)
			all[i - 1] = (char)i;
		all[255] = '\0';
		n = log_vis(vis, sizeof(vis), all);
		m = open_memstream(&text, &len);
		log_vis_print(m, all, n + 3);
		fclose(m);
		tap_ok(log_vis_len(all) == n && len == n + 3 && memcmp(text, vis, n) == 0 &&
		    strcmp(text + n, "   ") == 0 && strspn(text, " !\"#$%&'()*+,-./0123456789:;<=>?@"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") == len,
		    "log_vis_print: as log_vis, printable ASCII only, padded (%zu of %zu)", len, n);
		free(text);
		memset(big, '\033', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		m = open_memstream(&text, &len);
		log_vis_print(m, big, 10);
		fclose(m);
		tap_ok(len == 4 * (sizeof(big) - 1) && log_vis_len(big) == len &&
		    strncmp(text, "\\033\\033", 8) == 0, "log_vis_print: a long text whole, no padding");
		free(text);
		m = open_memstream(&text, &len);
		log_vis_print(m, NULL, 0);
		fclose(m);
		tap_ok(strcmp(text, "(null)") == 0 && log_vis_len(NULL) == 6, "log_vis_print: NULL as printf");
		free(text);
	}

	/* JOURNAL_STREAM must name the very file on the descriptor. */
	f = tmpfile();
	fstat(fileno(f), &st);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	tap_ok(log_journal_stream(env, fileno(f)) == 1, "JOURNAL_STREAM naming the file: journal");
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	tap_ok(log_journal_stream(env, fileno(f)) == 0, "another inode: not the journal");
	snprintf(env, sizeof(env), "%llu:%llux", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	tap_ok(log_journal_stream(env, fileno(f)) == 0, "trailing junk: not the journal");
	tap_ok(log_journal_stream(NULL, fileno(f)) == 0 && log_journal_stream("", fileno(f)) == 0 &&
	    log_journal_stream("12", fileno(f)) == 0, "unset, empty or malformed: not the journal");
	fclose(f);

	/* stderr is a temporary file here, JOURNAL_STREAM names something else. */
	setenv("JOURNAL_STREAM", "1:1", 1);
	tap_ok(log_use_journal() == 0, "log_use_journal: stderr is not the journal stream");
	capture("plain", out, sizeof(out));
	tap_ok(strcmp(out, "test: plain\n") == 0, "so lines still go to stderr: %s", out);

	/* A sink gets the escaped message and the thread's request. */
	log_set_sink(test_sink);
	log_set_context("host-1", "/v1/hosts/{id}");
	capture("stored\n\x1b", out, sizeof(out));
	tap_ok(out[0] == '\0' && strcmp(got_msg, "stored\\n\\033") == 0 &&
	    got_level == LOG_LEVEL_INFO, "sink: escaped message, level, nothing on stderr");
	tap_ok(strcmp(got_host, "host-1") == 0 && strcmp(got_route, "/v1/hosts/{id}") == 0,
	    "sink: MIGCOMPAT_HOST and MIGCOMPAT_ROUTE of the thread's request");
	log_set_context(NULL, NULL);
	capture("idle", out, sizeof(out));
	tap_ok(strcmp(got_host, "(none)") == 0 && strcmp(got_route, "(none)") == 0,
	    "no request: no fields");
	sink_ret = -1;
	capture("fallback", out, sizeof(out));
	tap_ok(strcmp(out, "test: fallback\n") == 0, "a failing sink: the line goes to stderr");
	log_set_sink(NULL);
	return tap_done();
}
