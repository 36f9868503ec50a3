/*
 * main.c - migcompatd(8): collect this host's profile on a schedule, store
 * profiles, serve the HTTP API and push to the fleet.
 *
 * This thread handles signals and runs the collection (with its own SQLite
 * connection); the API serves from threads of its own (see api.h), fleet
 * pushes run on the push thread (push.h) and etcd on its own threads, so
 * no peer can delay a signal or a reload here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "api.h"
#include "collect.h"
#include "collector.h"
#include "conf.h"
#include "etcd.h"
#include "etcd_agent.h"
#include "etcd_node.h"
#include "etcd_upload.h"
#include "hostid.h"
#include "listen.h"
#include "log.h"
#include "profile.h"
#include "push.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define MAIN_DEFAULT_CONFIG	SYSCONFDIR "/migcompat/migcompatd.conf"

struct main_state {
	struct conf cli;		/* options from the command line */
	struct conf conf;		/* in effect: file merged with cli */
	const char *config_path;
	int config_given;
	int verbose;			/* -v/-d given: overrides log_level */
	char host_id[128];
	struct store *store;
	struct api *api;
	struct push *push;
	struct etcd_agent *etcd_agent;	/* store = etcd, collecting: publishes */
	struct etcd_node *etcd_node;	/* store = etcd, fleet node: mirrors */
	struct etcd_upload *etcd_upload;	/* store = etcd: where uploads go */
	struct api_collection coll;
	char last_failure[256];		/* logged once until it changes */
	int sigfd;
	int collect_req[2];		/* API -> main: collect now */
	int stop_pending;		/* SIGTERM/SIGINT seen during a collection */
	int reload_pending;		/* SIGHUP seen during a collection */
	uint64_t next_collect_ns;
};

/* The options that are no configuration key; --help prints them first. */
static const struct conf_optdesc main_opts[] = {
	{ NULL, "config", 'f', "FILE", "configuration file (default " MAIN_DEFAULT_CONFIG
	    "; a missing default file is no error)", NULL },
	{ NULL, NULL, 'n', NULL, "check the configuration and exit (with -v: print it)", NULL },
	{ NULL, "verbose", 'v', NULL, "log debug messages, whatever --log-level says", NULL },
	{ NULL, "debug", 'd', NULL, "the same as -v", NULL },
	{ NULL, "help", 'h', NULL, "print this help and exit", NULL },
	/* The only one without a short form: getopt_long gives 'V', which is not in "df:hnv". */
	{ NULL, "version", 0, NULL, "print the version and exit", NULL },
};
#define MAIN_NOPTS	(sizeof(main_opts) / sizeof(main_opts[0]))

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: migcompatd [-dnv] [-f FILE | --config FILE] [OPTION...]\n"
	    "Every option but the general ones is also a key of migcompatd.conf(5);\n"
	    "the command line wins over the file.\n");
	conf_help(f, main_opts, MAIN_NOPTS);
}

/* Parse the command line into s->cli.  Returns 0, 1 (exit 0: help, version) or -1. */
static int
main_args(struct main_state *s, int argc, char **argv, int *check_only)
{
	struct option *lo = xcalloc(conf_nopts + MAIN_NOPTS + 1, sizeof(*lo));
	struct conf_optdesc d;
	char err[512];
	size_t i, n = 0;
	int c, ret = -1;

	for (i = 0; i < conf_nopts; i++) {
		conf_describe(i, &d);
		lo[n].name = d.flag;
		lo[n].has_arg = d.arg != NULL ? required_argument : no_argument;
		lo[n].val = 1000 + (int)i;
		n++;
	}
	for (i = 0; i < MAIN_NOPTS; i++) {
		if (main_opts[i].flag == NULL)
			continue;
		lo[n].name = main_opts[i].flag;
		lo[n].has_arg = main_opts[i].arg != NULL ? required_argument : no_argument;
		lo[n].val = main_opts[i].short_flag != 0 ? main_opts[i].short_flag : 'V';
		n++;
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	while ((c = getopt_long(argc, argv, "df:hnv", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'v':
			s->verbose++;
			break;
		case 'f':
			s->config_path = optarg;
			s->config_given = 1;
			break;
		case 'n':
			*check_only = 1;
			break;
		case 'h':
			main_usage(stdout);
			ret = 1;
			goto cleanup;
		case 'V':
			printf("migcompatd %s\n", PACKAGE_VERSION);
			ret = 1;
			goto cleanup;
		default:
			if (c < 1000 || (size_t)(c - 1000) >= conf_nopts) {
				/* getopt_long has said which option. */
				fprintf(stderr, "migcompatd --help lists the options\n");
				goto cleanup;
			}
			conf_describe((size_t)(c - 1000), &d);
			if (conf_set(&s->cli, d.key, d.arg != NULL ? optarg : "no", err,
			    sizeof(err)) == -1) {
				log_warnx("--%s: %s", d.flag, err);
				goto cleanup;
			}
		}
	}
	if (optind != argc) {
		log_warnx("unexpected argument \"%s\" (options start with --; "
		    "migcompatd --help lists them)", argv[optind]);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(lo);
	return ret;
}

/* util_read_token, with a warning when others may read the file. */
static char *
main_read_token(const char *path, char *err, size_t errsize)
{
	struct stat st;
	char *t;

	if ((t = util_read_token(path, err, errsize)) == NULL)
		return NULL;
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("%s: the token file is world-readable; chmod o-r it", path);
	return t;
}

/*
 * Read a PEM file of the TLS configuration ("" gives NULL).  Returns 0, or
 * -1 with a message in err.
 */
static int
main_read_pem(const char *key, const char *path, int secret, char **out, char *err, size_t errsize)
{
	struct stat st;

	*out = NULL;
	if (path[0] == '\0')
		return 0;
	if ((*out = util_read_file(path, 1024 * 1024, NULL)) == NULL) {
		snprintf(err, errsize, "%s %s: %s", key, path, strerror(errno));
		return -1;
	}
	if (strstr(*out, "-----BEGIN ") == NULL) {
		snprintf(err, errsize, "%s %s: not a PEM file", key, path);
		free(*out);
		*out = NULL;
		return -1;
	}
	if (secret && stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("%s: the private key is world-readable; chmod o-r it", path);
	return 0;
}

/*
 * Load the configuration file, merge the command line over it and apply
 * defaults.  Returns 0 with *out filled, or -1 with a message in err.
 */
static int
main_load_conf(struct main_state *s, struct conf *out, char *err, size_t errsize)
{
	conf_init(out);
	if (conf_load(out, s->config_path, s->config_given, err, errsize) == -1)
		goto fail;
	conf_merge(out, &s->cli);
	if (conf_finish(out, err, errsize) == -1)
		goto fail;
	return 0;
fail:
	conf_clear(out);
	return -1;
}

/* Apply what can change without a restart: log level, tokens, fleet, interval, limits. */
static int
main_apply(struct main_state *s, char *err, size_t errsize)
{
	const char *ftf;
	char *tok = NULL, *ftok = NULL;
	int ret = -1;

	if (!s->verbose)
		log_set_level((enum log_level)s->conf.log_level);
	if (s->conf.token_file[0] != '\0' &&
	    (tok = main_read_token(s->conf.token_file, err, errsize)) == NULL)
		goto cleanup;
	ftf = s->conf.fleet_token_file[0] != '\0' ? s->conf.fleet_token_file : s->conf.token_file;
	if (s->conf.n_fleet > 0 && ftf[0] != '\0' && (ftok = main_read_token(ftf, err, errsize)) == NULL)
		goto cleanup;
	if (s->api != NULL) {
		api_set_token(s->api, tok);
		api_set_max_body(s->api, s->conf.max_body);
	}
	push_configure(s->push, s->conf.fleet, s->conf.n_fleet, ftok, s->conf.fleet_cacert,
	    s->conf.fleet_cert, s->conf.fleet_key);
	ret = 0;
cleanup:
	if (tok != NULL)
		explicit_bzero(tok, strlen(tok));
	if (ftok != NULL)
		explicit_bzero(ftok, strlen(ftok));
	free(tok);
	free(ftok);
	return ret;
}

static void
main_reload(struct main_state *s)
{
	struct conf nc, old;
	char err[512];

	if (main_load_conf(s, &nc, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	if (strcmp(nc.db, s->conf.db) != 0 || strcmp(nc.socket, s->conf.socket) != 0 ||
	    nc.n_listen != s->conf.n_listen || nc.max_connections != s->conf.max_connections ||
	    nc.max_per_client != s->conf.max_per_client || nc.threads != s->conf.threads ||
	    nc.answer_cache != s->conf.answer_cache ||
	    nc.timeout != s->conf.timeout)
		log_warnx("reload: db, listen, socket, max_connections, max_per_client, threads, "
		    "answer_cache and timeout change only on restart");
	if (strcmp(nc.store, s->conf.store) != 0 || strcmp(nc.etcd_prefix, s->conf.etcd_prefix) != 0 ||
	    nc.n_etcd_endpoints != s->conf.n_etcd_endpoints ||
	    (strcmp(s->conf.store, "etcd") == 0 && nc.collect != s->conf.collect))
		log_warnx("reload: store and the etcd keys change only on restart, and so "
		    "does publishing (collect) or mirroring (no collect) with etcd");
	old = s->conf;
	s->conf = nc;
	if (main_apply(s, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		s->conf = old;
		conf_clear(&nc);
		main_apply(s, err, sizeof(err));
		return;
	}
	conf_clear(&old);
	s->next_collect_ns = util_now_ns() + (uint64_t)s->conf.interval * 1000000000ull;
	log_info("configuration reloaded from %s", s->config_path);
}

static void
main_count_push(void *arg, int ok)
{
	struct main_state *s = arg;

	if (s->api != NULL)
		api_count_push(s->api, ok);
}

/*
 * A signal arrived while the probe runs: stop at once on SIGTERM/SIGINT,
 * leave a reload for after the collection.
 */
static int
main_collect_cancel(void *arg)
{
	struct main_state *s = arg;
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			s->reload_pending = 1;
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			s->stop_pending = (int)si.ssi_signo;
	}
	return s->stop_pending != 0;
}

/* Run the probe once, store a changed profile and queue the fleet push. */
static void
main_collect(struct main_state *s)
{
	struct collector_result res;
	struct store_put_item it;
	struct profile p;
	char err[512], when[32], *json = NULL;
	int64_t version;
	int created, ok = 0;

	memset(&it, 0, sizeof(it));
	profile_init(&p);
	log_debug("collecting with %s", s->conf.probe);
	if (collector_run(s->conf.probe, s->host_id, s->conf.libvirt_uri, s->conf.probe_timeout, s->sigfd,
	    main_collect_cancel, s, &res) == -1) {
		util_strlcpy(err, res.message, sizeof(err));
		goto done;
	}
	if (profile_parse(res.out, res.len, &p, err, sizeof(err)) == -1) {
		snprintf(err, sizeof(err), "%s printed no valid profile", s->conf.probe);
		goto done;
	}
	util_strlcpy(p.host_id, s->host_id, sizeof(p.host_id));
	it.host_id = s->host_id;
	it.p = &p;
	if (store_put_batch(s->store, &it, 1, (int64_t)time(NULL), err, sizeof(err)) == -1)
		goto done;
	version = it.version;
	created = it.created;
	if (it.was_retired != 0) {
		util_format_time(it.was_retired, when, sizeof(when));
		log_info("host %s was retired at %s; collected again, it is back in the fleet",
		    s->host_id, when);
	}
	if (created)
		log_info("collected a new profile: version %lld (%s)", (long long)version, p.hash);
	else
		log_debug("collected profile unchanged (version %lld)", (long long)version);
	s->coll.version = version;
	if ((created || it.was_retired != 0) && s->api != NULL)
		api_store_changed(s->api);
	json = profile_to_string(&p, 0);
	push_submit(s->push, s->host_id, json);
	if (s->etcd_agent != NULL)
		etcd_agent_publish(s->etcd_agent, json, strlen(json));
	ok = 1;
done:
	s->coll.runs++;
	s->coll.exit_status = res.exit_status;
	s->coll.duration = res.duration;
	s->coll.last_at = (int64_t)time(NULL);
	if (ok) {
		if (s->coll.state == API_COLLECT_FAILED)
			log_info("collection works again");
		s->coll.state = API_COLLECT_OK;
		s->coll.message[0] = '\0';
		s->last_failure[0] = '\0';
	} else {
		s->coll.state = API_COLLECT_FAILED;
		s->coll.failures++;
		util_strlcpy(s->coll.message, err, sizeof(s->coll.message));
		/* Log a failure once; the same failure again only at debug level. */
		if (strcmp(s->last_failure, err) != 0) {
			log_warnx("collection failed: %s; serving stored data, retrying every %u s",
			    err, s->conf.interval);
			util_strlcpy(s->last_failure, err, sizeof(s->last_failure));
		} else {
			log_debug("collection failed again: %s", err);
		}
	}
	if (s->api != NULL)
		api_set_collection(s->api, &s->coll);
	s->next_collect_ns = util_now_ns() + (uint64_t)s->conf.interval * 1000000000ull;
	collector_result_clear(&res);
	free(json);
	profile_clear(&p);
}

/*
 * With store = etcd: a collecting daemon publishes its profile under a
 * lease of three intervals; a fleet node (collect = no) mirrors the fleet
 * store into its database and takes part in its housekeeping; uploads to
 * either go to etcd.  Returns 0 or -1.
 */
static int
main_etcd_start(struct main_state *s, char *err, size_t errsize)
{
	struct etcd_conf ec;
	char list[CONF_MAX_LIST * 4200] = "", *password = NULL;
	size_t i;
	int ret = -1;

	if (strcmp(s->conf.store, "etcd") != 0)
		return 0;
	memset(&ec, 0, sizeof(ec));
	for (i = 0; i < s->conf.n_etcd_endpoints; i++) {
		strcat(list, s->conf.etcd_endpoints[i]);
		strcat(list, " ");
	}
	if (etcd_conf_endpoints(&ec, list, err, errsize) == -1)
		goto cleanup;
	ec.cacert = s->conf.etcd_cacert;
	ec.cert = s->conf.etcd_cert;
	ec.key = s->conf.etcd_key;
	if (s->conf.etcd_user[0] != '\0') {
		if ((password = main_read_token(s->conf.etcd_password_file, err, errsize)) == NULL)
			goto cleanup;
		ec.user = s->conf.etcd_user;
		ec.password = password;
	}
	if (s->conf.collect)
		s->etcd_agent = etcd_agent_new(&ec, s->conf.etcd_prefix, s->host_id,
		    s->conf.interval * 3, err, errsize);
	else
		s->etcd_node = etcd_node_start(&ec, s->conf.etcd_prefix, s->conf.db, s->host_id,
		    s->conf.etcd_gc_interval, err, errsize);
	if (s->etcd_agent == NULL && s->etcd_node == NULL)
		goto cleanup;
	if ((s->etcd_upload = etcd_upload_new(&ec, s->conf.etcd_prefix, 0, err, errsize)) == NULL)
		goto cleanup;
	log_info("fleet store: etcd at %s%s under %s (%s)", ec.endpoints[0],
	    ec.n_endpoints > 1 ? " and others" : "", s->conf.etcd_prefix,
	    s->conf.collect ? "publishing this host" : "mirroring the fleet");
	ret = 0;
cleanup:
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return ret;
}

/* The fleet store's status for /healthz and /metrics (called by the API thread). */
static void
main_fleet_store(void *arg, struct api_fleet_store *st)
{
	struct main_state *s = arg;
	struct etcd_node_status ns;
	struct etcd_agent_status as;

	if (s->etcd_node != NULL) {
		etcd_node_status(s->etcd_node, &ns);
		st->mirroring = 1;
		st->ok = ns.synced;
		st->revision = ns.revision;
		st->puts = ns.puts;
		st->deletes = ns.deletes;
		st->listings = ns.listings;
		st->errors = ns.errors;
		st->unreachable_ms = ns.unreachable_ms;
	} else if (s->etcd_agent != NULL) {
		etcd_agent_status(s->etcd_agent, &as);
		st->ok = as.published;
		st->revision = as.revision;
		st->lease = as.lease;
	}
}

static void
main_notify(const char *what)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, what);
#else
	(void)what;
#endif
}

/* The event loop of the main thread.  Returns the exit status. */
static int
main_loop(struct main_state *s)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	char buf[64];
	int64_t ms;
	uint64_t now;

	for (;;) {
		if (s->stop_pending) {
			log_info("stopping on signal %d", s->stop_pending);
			return 0;
		}
		if (s->reload_pending) {
			s->reload_pending = 0;
			main_notify("RELOADING=1");
			main_reload(s);
			main_notify("READY=1");
		}
		now = util_now_ns();
		ms = -1;
		if (s->conf.collect)
			ms = s->next_collect_ns <= now ? 0 : (int64_t)((s->next_collect_ns - now) / 1000000 + 1);
		pfd[0].fd = s->sigfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->collect_req[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, ms > 3600000 ? 3600000 : (int)ms) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				main_notify("RELOADING=1");
				main_reload(s);
				main_notify("READY=1");
			} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				log_info("stopping on signal %u", si.ssi_signo);
				return 0;
			}
			continue;
		}
		if (pfd[1].revents & POLLIN) {
			while (read(s->collect_req[0], buf, sizeof(buf)) > 0)
				;
			if (s->conf.collect)
				main_collect(s);
			continue;
		}
		now = util_now_ns();
		if (s->conf.collect && s->next_collect_ns <= now)
			main_collect(s);
	}
}

/*
 * Create the database's directory when it is missing (no StateDirectory=)
 * and its parent exists; else say what to pass.  Returns 0 or -1.
 */
static int
main_db_dir(const char *db, char *err, size_t errsize)
{
	char *dir = xstrdup(db), *slash;
	int ret = 0;

	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
			snprintf(err, errsize, "db %s: cannot create %s: %s; pass --db PATH",
			    db, dir, strerror(errno));
			ret = -1;
		}
	}
	free(dir);
	return ret;
}

int
main(int argc, char **argv)
{
	struct main_state s;
	struct api_listener_fd *lfd = NULL;
	struct api_conf ac;
	struct profile idp;
	char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
	struct collect_opts co;
	sigset_t mask;
	char err[1024];
	size_t nl = 0;
	int check_only = 0, ret = 1, rc;

	log_init("migcompatd", LOG_LEVEL_INFO);
	log_use_journal();
	memset(&s, 0, sizeof(s));
	s.sigfd = -1;
	s.collect_req[0] = s.collect_req[1] = -1;
	s.config_path = MAIN_DEFAULT_CONFIG;
	conf_init(&s.cli);
	conf_init(&s.conf);
	if ((rc = main_args(&s, argc, argv, &check_only)) != 0) {
		ret = rc == 1 ? 0 : 2;
		goto cleanup;
	}
	if (s.verbose)
		log_set_level(LOG_LEVEL_DEBUG);
	if (main_load_conf(&s, &s.conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		ret = 2;
		goto cleanup;
	}
	if ((s.push = push_new(main_count_push, &s, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (main_apply(&s, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		ret = 2;
		goto cleanup;
	}
	if (s.conf.host_id[0] != '\0') {
		util_strlcpy(s.host_id, s.conf.host_id, sizeof(s.host_id));
	} else {
		memset(&co, 0, sizeof(co));
		profile_init(&idp);
		collect_identity(&co, &idp);
		util_strlcpy(s.host_id, idp.host_id, sizeof(s.host_id));
		profile_clear(&idp);
	}
	if (!hostid_valid(s.host_id)) {
		log_warnx("host id \"%s\" is not valid: set host_id", s.host_id);
		ret = 2;
		goto cleanup;
	}
	if (check_only) {
		if (conf_check_files(&s.conf, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			ret = 2;
			goto cleanup;
		}
		if (s.verbose) {
			printf("config = %s\n", s.config_path);
			conf_dump(&s.conf, stdout);
		}
		printf("configuration OK (host id %s)\n", s.host_id);
		ret = 0;
		goto cleanup;
	}

	/* Signals arrive through a signalfd; every thread blocks them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		log_warn("signalfd");
		goto cleanup;
	}
	if (pipe2(s.collect_req, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("pipe");
		goto cleanup;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (main_db_dir(s.conf.db, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if ((s.store = store_open(s.conf.db, err, sizeof(err))) == NULL) {
		log_warnx("%s; pass --db PATH", err);
		goto cleanup;
	}
	log_info("database %s (schema version %d)", s.conf.db, store_schema_version(s.store));
	if (listen_open(&s.conf, &lfd, &nl, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (main_etcd_start(&s, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	memset(&ac, 0, sizeof(ac));
	ac.upload = s.etcd_upload != NULL ? etcd_upload_api : NULL;
	ac.upload_arg = s.etcd_upload;
	ac.retire = s.etcd_upload != NULL ? etcd_upload_retire_api : NULL;
	ac.retire_arg = s.etcd_upload;
	ac.listeners = lfd;
	ac.n_listeners = nl;
	ac.db_path = s.conf.db;
	ac.self_id = s.host_id;
	ac.max_body = s.conf.max_body;
	ac.max_connections = s.conf.max_connections;
	ac.max_per_client = s.conf.max_per_client;
	ac.answer_cache = s.conf.answer_cache;
	ac.threads = s.conf.threads;
	ac.timeout = s.conf.timeout;
	ac.collect_fd = s.conf.collect ? s.collect_req[1] : -1;
	ac.auth_reads = s.conf.auth_reads;
	if (main_read_pem("tls_cert", s.conf.tls_cert, 0, &tls_cert, err, sizeof(err)) == -1 ||
	    main_read_pem("tls_key", s.conf.tls_key, 1, &tls_key, err, sizeof(err)) == -1 ||
	    main_read_pem("tls_client_ca", s.conf.tls_client_ca, 0, &tls_ca, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	ac.tls_cert = tls_cert;
	ac.tls_key = tls_key;
	ac.tls_client_ca = tls_ca;
	s.api = api_start(&ac, err, sizeof(err));
	free(tls_cert);
	if (tls_key != NULL)
		explicit_bzero(tls_key, strlen(tls_key));
	free(tls_key);
	free(tls_ca);
	tls_cert = tls_key = tls_ca = NULL;
	if (s.api == NULL) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (main_apply(&s, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (s.etcd_agent != NULL || s.etcd_node != NULL)
		api_set_fleet_store(s.api, main_fleet_store, &s);
	s.coll.state = s.conf.collect ? API_COLLECT_NEVER : API_COLLECT_DISABLED;
	s.coll.exit_status = -1;
	api_set_collection(s.api, &s.coll);
	log_info("migcompatd %s started: host %s, %s", PACKAGE_VERSION, s.host_id,
	    s.conf.collect ? "collecting" : "fleet node (no collection)");
	if (s.conf.collect)
		main_collect(&s);
	main_notify("READY=1");
	ret = main_loop(&s);
	main_notify("STOPPING=1");
cleanup:
	/* First the thread that reports into the API. */
	push_free(s.push);
	s.push = NULL;
	if (s.api != NULL)
		api_set_fleet_store(s.api, NULL, NULL);
	etcd_agent_free(s.etcd_agent);
	etcd_node_stop(s.etcd_node);
	api_stop(s.api);
	etcd_upload_free(s.etcd_upload);
	if (s.conf.socket != NULL)
		listen_unlink(&s.conf);
	free(lfd);
	free(tls_cert);
	free(tls_key);
	free(tls_ca);
	store_close(s.store);
	if (s.sigfd != -1)
		close(s.sigfd);
	if (s.collect_req[0] != -1)
		close(s.collect_req[0]);
	if (s.collect_req[1] != -1)
		close(s.collect_req[1]);
	conf_clear(&s.conf);
	conf_clear(&s.cli);
	return ret;
}
