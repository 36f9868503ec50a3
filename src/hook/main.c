/*
 * main.c - migcompat-hook(8): the libvirt qemu hook that stops a migration
 * this host cannot accept.
 *
 * libvirt runs it as "50-migcompat DOMAIN OPERATION SUBOPERATION EXTRA" with
 * the domain XML on stdin.  On "migrate begin" and "restore begin" it asks
 * the local migcompatd over its Unix socket and exits 1 with one line on
 * stderr when the domain cannot run here; an unknown verdict goes by
 * on_unknown, no answer at all by on_error; every other call exits 0 at
 * once.
 * It never writes to stdout (libvirt would take that as a new domain XML),
 * never calls back into libvirt (that deadlocks) and never runs longer
 * than HOOK_DEADLINE_S.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <curl/curl.h>

#include "conf.h"
#include "domxml.h"
#include "hookreq.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define HOOK_DEFAULT_CONFIG	SYSCONFDIR "/migcompat/migcompatd.conf"
/* Hard limit of the whole run, in seconds (alarm). */
#define HOOK_DEADLINE_S		2
/* What the daemon request may take, in milliseconds, within the limit above. */
#define HOOK_REQUEST_MS		1500L

/* on_error as the SIGALRM handler sees it: 1 deny, 0 allow. */
static volatile sig_atomic_t hook_deny_on_error;

static void
hook_usage(FILE *f)
{
	fprintf(f, "usage: migcompat-hook DOMAIN OPERATION SUB-OPERATION EXTRA < domain.xml\n"
	    "(installed as a libvirt qemu hook; see migcompat-hook(8))\n");
}

/* The hard deadline passed: say so and apply on_error, async-signal-safely. */
static void
hook_alarm(int sig)
{
	static const char allow[] = "migcompat-hook: no answer within 2 s; on_error = allow: "
	    "letting the domain through unchecked\n";
	static const char deny[] = "migcompat-hook: no answer within 2 s; on_error = deny: "
	    "refusing the domain\n";

	if (hook_deny_on_error) {
		(void)!write(STDERR_FILENO, deny, sizeof(deny) - 1);
		_exit(1);
	}
	(void)!write(STDERR_FILENO, allow, sizeof(allow) - 1);
	_exit(0);
}

/*
 * Read stdin to the end, keeping at most max bytes (more is an error).
 * Returns the buffer (caller frees) or NULL with a message in err.
 */
static char *
hook_read_stdin(size_t max, size_t *len, char *err, size_t errsize)
{
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap + 1);
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap > max) {
				snprintf(err, errsize, "the domain XML on stdin is larger than %zu bytes", max);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		if ((r = read(STDIN_FILENO, buf + n, cap - n)) == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsize, "stdin: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	if (n > max) {
		snprintf(err, errsize, "the domain XML on stdin is larger than %zu bytes", max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Drain stdin so that libvirt's write of the XML never meets a closed pipe. */
static void
hook_drain_stdin(void)
{
	char buf[8192];

	if (isatty(STDIN_FILENO))
		return;
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

/* Keep stdout empty whatever a library might print: libvirt reads it as XML. */
static void
hook_close_stdout(void)
{
	int fd;

	fflush(stdout);
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		dup2(fd, STDOUT_FILENO);
		if (fd != STDOUT_FILENO)
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	struct conf conf;
	const char *path, *domain;
	char err[1024], msg[1024], vis[4 * sizeof(msg)], visdom[1024];
	enum hookreq_result r;
	char *xml = NULL;
	size_t len = 0;
	int ret;

	log_init("migcompat-hook", LOG_LEVEL_WARNING);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		hook_usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("migcompat-hook %s\n", PACKAGE_VERSION);
		return 0;
	}
	hook_close_stdout();
	if (argc != 5) {
		hook_usage(stderr);
		return 2;
	}
	domain = argv[1];
	if (!hookreq_wants(argv[2], argv[3])) {
		hook_drain_stdin();
		return 0;
	}

	signal(SIGALRM, hook_alarm);
	alarm(HOOK_DEADLINE_S);
	conf_init(&conf);
	if ((path = getenv("MIGCOMPAT_CONFIG")) == NULL || path[0] == '\0')
		path = HOOK_DEFAULT_CONFIG;
	if (conf_load(&conf, path, 0, err, sizeof(err)) == -1)
		log_warnx("%s; going on with the defaults of the keys not read", err);
	if (conf_finish(&conf, err, sizeof(err)) == -1)
		log_warnx("%s: %s", path, err);
	hook_deny_on_error = conf.on_error == CONF_ON_ERROR_DENY;

	if ((xml = hook_read_stdin(DOMXML_MAX_SIZE, &len, msg, sizeof(msg))) != NULL) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		r = hookreq_ask(conf.socket, xml, len, HOOK_REQUEST_MS, domain, msg, sizeof(msg));
	} else
		r = HOOKREQ_ERROR;

	/*
	 * The message and the domain name are escaped as the log escapes, so
	 * that what a profile or a name holds (a newline, an escape sequence)
	 * cannot split the one line libvirt reports or reach a terminal.
	 */
	log_vis(vis, sizeof(vis), msg);
	log_vis(visdom, sizeof(visdom), domain);
	domain = visdom;
	/* Exit 0 leaves no trace in libvirt's log: the system log keeps one. */
	openlog("migcompat-hook", LOG_PID, LOG_DAEMON);
	switch (r) {
	case HOOKREQ_ALLOW:
		ret = 0;
		break;
	case HOOKREQ_DENY:
		/* The one line libvirt puts into the migration error. */
		fprintf(stderr, "%s\n", vis);
		syslog(LOG_WARNING, "%s", vis);
		ret = 1;
		break;
	case HOOKREQ_UNKNOWN:
		/* Data is missing: on_unknown decides, and says so either way. */
		if (conf.on_unknown == CONF_ON_ERROR_DENY) {
			fprintf(stderr, "%s; on_unknown = deny: refusing it\n", vis);
			syslog(LOG_WARNING, "%s; on_unknown = deny: refusing it", vis);
			ret = 1;
		} else {
			fprintf(stderr, "%s; on_unknown = allow: letting it through\n", vis);
			syslog(LOG_WARNING, "%s; on_unknown = allow: letting it through", vis);
			ret = 0;
		}
		break;
	case HOOKREQ_ERROR:
	default:
		if (hook_deny_on_error) {
			fprintf(stderr, "migcompat-hook: cannot check %s: %s; on_error = deny: refusing it\n",
			    domain, vis);
			syslog(LOG_ERR, "cannot check %s: %s; on_error = deny: refusing it", domain, vis);
			ret = 1;
		} else {
			fprintf(stderr, "migcompat-hook: WARNING: cannot check %s: %s; on_error = allow: "
			    "letting it through unchecked\n", domain, vis);
			syslog(LOG_WARNING, "cannot check %s: %s; on_error = allow: letting it through "
			    "unchecked", domain, vis);
			ret = 0;
		}
		break;
	}
	closelog();
	alarm(0);
	free(xml);
	conf_clear(&conf);
	return ret;
}
