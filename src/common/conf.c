/*
 * conf.c - migcompatd configuration: one table of options, parsed from the
 * file and the command line alike.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "xmalloc.h"

enum conf_type {
	CONF_STR,
	CONF_LIST,
	CONF_UINT,
	CONF_BOOL,
	CONF_MODE,
	CONF_SIZE,
	CONF_LEVEL,
	CONF_ONERR,
};

/* The groups of --help, in the order printed. */
enum conf_group {
	CONF_G_ACCESS,
	CONF_G_STORE,
	CONF_G_COLLECT,
	CONF_G_FLEET,
	CONF_G_ETCD,
	CONF_G_LIMITS,
	CONF_G_LOG,
	CONF_G_NUM,
};

static const char *const conf_group_titles[CONF_G_NUM] = {
	[CONF_G_ACCESS] = "listening and access",
	[CONF_G_STORE] = "storage",
	[CONF_G_COLLECT] = "collection",
	[CONF_G_FLEET] = "pushing to fleet nodes",
	[CONF_G_ETCD] = "the fleet store on etcd",
	[CONF_G_LIMITS] = "limits",
	[CONF_G_LOG] = "logging and migcompat-hook",
};

struct conf_opt {
	const char *key;
	enum conf_type type;
	size_t off;			/* of the field in struct conf */
	size_t countoff;		/* CONF_LIST: of the count */
	uint64_t min, max;		/* CONF_UINT, CONF_SIZE */
	const char *def;		/* default as text, NULL none */
	enum conf_group group;
	const char *flag;		/* the command-line option, "token-file" */
	const char *arg;		/* placeholder of its value; NULL: takes none (sets "no") */
	const char *help;		/* one line for --help */
};

#define CONF_OFF(f)	offsetof(struct conf, f)

/* Every key, its option, its default and its help: migcompatd.conf(5), migcompatd(8). */
static const struct conf_opt conf_opts[] = {
	{ "listen", CONF_LIST, CONF_OFF(listen), CONF_OFF(n_listen), 0, 0, "127.0.0.1:7480",
	    CONF_G_ACCESS, "listen", "ADDR:PORT", "TCP address of the HTTP API, repeatable; none: Unix socket only" },
	{ "socket", CONF_STR, CONF_OFF(socket), 0, 0, 0, RUNSTATEDIR "/migcompat/migcompatd.sock",
	    CONF_G_ACCESS, "socket", "PATH", "Unix socket of the CLI and the hook; none: no socket" },
	{ "socket_mode", CONF_MODE, CONF_OFF(socket_mode), 0, 0, 0777, "0660",
	    CONF_G_ACCESS, "socket-mode", "MODE", "octal mode of the Unix socket" },
	{ "socket_group", CONF_STR, CONF_OFF(socket_group), 0, 0, 0, "",
	    CONF_G_ACCESS, "socket-group", "GROUP", "group of the Unix socket; none keeps the daemon's" },
	{ "token_file", CONF_STR, CONF_OFF(token_file), 0, 0, 0, "",
	    CONF_G_ACCESS, "token-file", "FILE", "bearer token that writes over TCP need" },
	{ "tls_cert", CONF_STR, CONF_OFF(tls_cert), 0, 0, 0, "",
	    CONF_G_ACCESS, "tls-cert", "FILE", "PEM certificate chain: TCP listeners speak HTTPS" },
	{ "tls_key", CONF_STR, CONF_OFF(tls_key), 0, 0, 0, "",
	    CONF_G_ACCESS, "tls-key", "FILE", "PEM private key of --tls-cert" },
	{ "tls_client_ca", CONF_STR, CONF_OFF(tls_client_ca), 0, 0, 0, "",
	    CONF_G_ACCESS, "tls-client-ca", "FILE", "PEM CAs whose client certificates may write" },
	{ "auth_reads", CONF_BOOL, CONF_OFF(auth_reads), 0, 0, 0, "no",
	    CONF_G_ACCESS, "auth-reads", "yes|no", "reads over TCP need the token or a certificate too" },
	{ "db", CONF_STR, CONF_OFF(db), 0, 0, 0, LOCALSTATEDIR "/lib/migcompat/migcompat.db",
	    CONF_G_STORE, "db", "PATH", "the SQLite database" },
	{ "store", CONF_STR, CONF_OFF(store), 0, 0, 0, "sqlite",
	    CONF_G_STORE, "store", "sqlite|etcd", "where the fleet is kept" },
	{ "collect", CONF_BOOL, CONF_OFF(collect), 0, 0, 0, "yes",
	    CONF_G_COLLECT, "no-collect", NULL, "do not run the probe: a fleet node" },
	{ "interval", CONF_UINT, CONF_OFF(interval), 0, 1, 7 * 86400, "600",
	    CONF_G_COLLECT, "interval", "SECONDS", "seconds between collections" },
	{ "probe", CONF_STR, CONF_OFF(probe), 0, 0, 0, SBINDIR "/migcompat-probe",
	    CONF_G_COLLECT, "probe", "PATH", "the probe program" },
	{ "probe_timeout", CONF_UINT, CONF_OFF(probe_timeout), 0, 1, 3600, "60",
	    CONF_G_COLLECT, "probe-timeout", "SECONDS", "seconds after which the probe is killed" },
	{ "libvirt_uri", CONF_STR, CONF_OFF(libvirt_uri), 0, 0, 0, "qemu:///system",
	    CONF_G_COLLECT, "libvirt-uri", "URI", "libvirt connection of the probe; none: no libvirt layer" },
	{ "host_id", CONF_STR, CONF_OFF(host_id), 0, 0, 0, "",
	    CONF_G_COLLECT, "host-id", "ID", "this host's id; none reads /etc/machine-id" },
	{ "fleet", CONF_LIST, CONF_OFF(fleet), CONF_OFF(n_fleet), 0, 0, NULL,
	    CONF_G_FLEET, "fleet", "URL", "fleet node that receives this host's profile, repeatable" },
	{ "fleet_token_file", CONF_STR, CONF_OFF(fleet_token_file), 0, 0, 0, "",
	    CONF_G_FLEET, "fleet-token-file", "FILE", "token for the fleet nodes; none uses --token-file" },
	{ "fleet_cacert", CONF_STR, CONF_OFF(fleet_cacert), 0, 0, 0, "",
	    CONF_G_FLEET, "fleet-cacert", "FILE", "PEM CAs verifying https:// fleet nodes; none: the system's" },
	{ "fleet_cert", CONF_STR, CONF_OFF(fleet_cert), 0, 0, 0, "",
	    CONF_G_FLEET, "fleet-cert", "FILE", "PEM client certificate presented to the fleet nodes" },
	{ "fleet_key", CONF_STR, CONF_OFF(fleet_key), 0, 0, 0, "",
	    CONF_G_FLEET, "fleet-key", "FILE", "PEM private key of --fleet-cert" },
	{ "etcd_endpoints", CONF_LIST, CONF_OFF(etcd_endpoints), CONF_OFF(n_etcd_endpoints), 0, 0,
	    "http://127.0.0.1:2379",
	    CONF_G_ETCD, "etcd-endpoints", "URL", "etcd client URL, repeatable" },
	{ "etcd_prefix", CONF_STR, CONF_OFF(etcd_prefix), 0, 0, 0, "/migcompat/v1",
	    CONF_G_ETCD, "etcd-prefix", "PREFIX", "key prefix of the fleet store" },
	{ "etcd_cacert", CONF_STR, CONF_OFF(etcd_cacert), 0, 0, 0, "",
	    CONF_G_ETCD, "etcd-cacert", "FILE", "PEM CAs of etcd; none trusts the system's" },
	{ "etcd_cert", CONF_STR, CONF_OFF(etcd_cert), 0, 0, 0, "",
	    CONF_G_ETCD, "etcd-cert", "FILE", "PEM client certificate for etcd" },
	{ "etcd_key", CONF_STR, CONF_OFF(etcd_key), 0, 0, 0, "",
	    CONF_G_ETCD, "etcd-key", "FILE", "PEM private key of --etcd-cert" },
	{ "etcd_user", CONF_STR, CONF_OFF(etcd_user), 0, 0, 0, "",
	    CONF_G_ETCD, "etcd-user", "NAME", "etcd user; none: no authentication" },
	{ "etcd_password_file", CONF_STR, CONF_OFF(etcd_password_file), 0, 0, 0, "",
	    CONF_G_ETCD, "etcd-password-file", "FILE", "password of --etcd-user" },
	{ "etcd_gc_interval", CONF_UINT, CONF_OFF(etcd_gc_interval), 0, 0, 7 * 86400, "600",
	    CONF_G_ETCD, "etcd-gc-interval", "SECONDS", "fleet node: housekeeping of etcd, 0 never" },
	{ "max_body", CONF_SIZE, CONF_OFF(max_body), 0, 1024, PROFILE_MAX_SIZE * 4ull, "1M",
	    CONF_G_LIMITS, "max-body", "SIZE", "largest request body, suffix K, M or G" },
	{ "max_connections", CONF_UINT, CONF_OFF(max_connections), 0, 1, 65536, "256",
	    CONF_G_LIMITS, "max-connections", "N", "connections per listening socket" },
	{ "max_per_client", CONF_UINT, CONF_OFF(max_per_client), 0, 0, 65536, "64",
	    CONF_G_LIMITS, "max-per-client", "N", "TCP connections per client address, 0 no limit" },
	{ "answer_cache", CONF_SIZE, CONF_OFF(answer_cache), 0, 1024 * 1024, 1ull << 34, "128M",
	    CONF_G_LIMITS, "answer-cache", "SIZE", "bytes of compat answers kept in memory, suffix K, M or G" },
	{ "threads", CONF_UINT, CONF_OFF(threads), 0, 0, 256, "0",
	    CONF_G_LIMITS, "threads", "N", "threads per TCP listener, 0 one per CPU" },
	{ "timeout", CONF_UINT, CONF_OFF(timeout), 0, 1, 3600, "10",
	    CONF_G_LIMITS, "timeout", "SECONDS", "seconds of idleness that close a connection" },
	{ "log_level", CONF_LEVEL, CONF_OFF(log_level), 0, 0, 0, "info",
	    CONF_G_LOG, "log-level", "LEVEL", "error, warning, info or debug" },
	{ "on_error", CONF_ONERR, CONF_OFF(on_error), 0, 0, 0, "allow",
	    CONF_G_LOG, "on-error", "allow|deny", "the hook's answer when the daemon cannot answer" },
	{ "on_unknown", CONF_ONERR, CONF_OFF(on_unknown), 0, 0, 0, "allow",
	    CONF_G_LOG, "on-unknown", "allow|deny", "the hook's answer on the verdict unknown" },
};

#define CONF_NOPTS	(sizeof(conf_opts) / sizeof(conf_opts[0]))

const size_t conf_nopts = CONF_NOPTS;

void
conf_describe(size_t i, struct conf_optdesc *d)
{
	const struct conf_opt *o = &conf_opts[i];

	memset(d, 0, sizeof(*d));
	d->key = o->key;
	d->flag = o->flag;
	d->arg = o->arg;
	d->help = o->help;
	d->def = o->def;
}

/* "  -f, --config FILE", "  -n" or "  --token-file FILE" into buf. */
static void
conf_help_option(const struct conf_optdesc *d, char *buf, size_t bufsize)
{
	char s[8] = "";

	if (d->short_flag != 0)
		snprintf(s, sizeof(s), "-%c%s", d->short_flag, d->flag != NULL ? ", " : "");
	snprintf(buf, bufsize, "  %s%s%s%s%s", s, d->flag != NULL ? "--" : "",
	    d->flag != NULL ? d->flag : "", d->arg != NULL ? " " : "", d->arg != NULL ? d->arg : "");
}

static void
conf_help_line(FILE *f, const struct conf_optdesc *d, int width)
{
	char opt[128];

	conf_help_option(d, opt, sizeof(opt));
	fprintf(f, "%-*s  %s", width, opt, d->help);
	if (d->key == NULL)
		fprintf(f, "\n");
	else if (d->arg == NULL)
		fprintf(f, " (config key %s = no)\n", d->key);
	else if (d->def == NULL)
		fprintf(f, " (no default; config key %s)\n", d->key);
	else
		fprintf(f, " (default %s; config key %s)\n", d->def[0] != '\0' ? d->def : "none", d->key);
}

void
conf_help(FILE *f, const struct conf_optdesc *general, size_t ngeneral)
{
	struct conf_optdesc d;
	char opt[128];
	size_t i;
	int g, width = 0;

	for (i = 0; i < ngeneral + CONF_NOPTS; i++) {
		if (i < ngeneral)
			d = general[i];
		else
			conf_describe(i - ngeneral, &d);
		conf_help_option(&d, opt, sizeof(opt));
		if ((int)strlen(opt) > width)
			width = (int)strlen(opt);
	}
	fprintf(f, "general:\n");
	for (i = 0; i < ngeneral; i++)
		conf_help_line(f, &general[i], width);
	for (g = 0; g < CONF_G_NUM; g++) {
		fprintf(f, "%s:\n", conf_group_titles[g]);
		for (i = 0; i < CONF_NOPTS; i++) {
			if ((int)conf_opts[i].group != g)
				continue;
			conf_describe(i, &d);
			conf_help_line(f, &d, width);
		}
	}
}

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
}

void
conf_clear(struct conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < CONF_NOPTS; i++) {
		const struct conf_opt *o = &conf_opts[i];
		char *base = (char *)c + o->off;

		if (o->type == CONF_STR) {
			free(*(char **)base);
		} else if (o->type == CONF_LIST) {
			size_t n = *(size_t *)((char *)c + o->countoff);

			for (j = 0; j < n; j++)
				free(((char **)base)[j]);
		}
	}
	conf_init(c);
}

static const struct conf_opt *
conf_find(const char *key, size_t *idx)
{
	char norm[64];
	size_t i;

	if (util_strlcpy(norm, key, sizeof(norm)) >= sizeof(norm))
		return NULL;
	for (i = 0; norm[i] != '\0'; i++)
		if (norm[i] == '-')
			norm[i] = '_';
	for (i = 0; i < CONF_NOPTS; i++) {
		if (strcmp(conf_opts[i].key, norm) == 0) {
			*idx = i;
			return &conf_opts[i];
		}
	}
	return NULL;
}

/* Parse "1048576", "512K", "1M", "1G". */
static int
conf_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mul = 1, v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K':
		mul = 1024;
		break;
	case 'm': case 'M':
		mul = 1024 * 1024;
		break;
	case 'g': case 'G':
		mul = 1024 * 1024 * 1024;
		break;
	default:
		break;
	}
	if (mul != 1)
		num[n - 1] = '\0';
	if (util_parse_u64(num, UINT64_MAX / mul, &v) == -1)
		return -1;
	*out = v * mul;
	return 0;
}

static int
conf_parse_bool(const char *s, int *v)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0 ||
	    strcmp(s, "1") == 0)
		*v = 1;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "off") == 0 ||
	    strcmp(s, "0") == 0)
		*v = 0;
	else
		return -1;
	return 0;
}

int
conf_split_listen(const char *s, char *host, size_t hostsize, unsigned *port)
{
	const char *colon, *end;
	uint64_t p;
	size_t n;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -1;
		n = (size_t)(end - s - 1);
		colon = end + 1;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n >= hostsize)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (util_parse_u64(colon + 1, 65535, &p) == -1)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int
conf_set_one(struct conf *c, const struct conf_opt *o, const char *value, char *err, size_t errsize)
{
	char *base = (char *)c + o->off;
	char host[256];
	unsigned port;
	uint64_t v;
	int b;

	switch (o->type) {
	case CONF_STR:
		if (strlen(value) > 4096 || strchr(value, '\n') != NULL) {
			snprintf(err, errsize, "%s: value too long", o->key);
			return -1;
		}
		free(*(char **)base);
		*(char **)base = xstrdup(value);
		break;
	case CONF_LIST: {
		size_t *n = (size_t *)((char *)c + o->countoff);

		if (*n >= CONF_MAX_LIST) {
			snprintf(err, errsize, "%s: at most %d values", o->key, CONF_MAX_LIST);
			return -1;
		}
		if (strcmp(o->key, "listen") == 0 && strcmp(value, "none") != 0 &&
		    conf_split_listen(value, host, sizeof(host), &port) == -1) {
			snprintf(err, errsize, "listen: \"%s\" is not ADDR:PORT, [ADDR]:PORT or :PORT", value);
			return -1;
		}
		if ((strcmp(o->key, "fleet") == 0 || strcmp(o->key, "etcd_endpoints") == 0) &&
		    strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) {
			snprintf(err, errsize, "%s: \"%s\" is not an http:// or https:// URL", o->key,
			    value);
			return -1;
		}
		((char **)base)[(*n)++] = xstrdup(value);
		break;
	}
	case CONF_UINT:
		if (util_parse_u64(value, o->max, &v) == -1 || v < o->min) {
			snprintf(err, errsize, "%s: \"%s\" is not a number from %llu to %llu", o->key,
			    value, (unsigned long long)o->min, (unsigned long long)o->max);
			return -1;
		}
		*(unsigned *)base = (unsigned)v;
		break;
	case CONF_SIZE:
		if (conf_parse_size(value, &v) == -1 || v < o->min || v > o->max) {
			snprintf(err, errsize, "%s: \"%s\" is not a size from %llu to %llu bytes "
			    "(suffixes K, M, G)", o->key, value, (unsigned long long)o->min,
			    (unsigned long long)o->max);
			return -1;
		}
		*(uint64_t *)base = v;
		break;
	case CONF_BOOL:
		if (conf_parse_bool(value, &b) == -1) {
			snprintf(err, errsize, "%s: \"%s\" is not yes or no", o->key, value);
			return -1;
		}
		*(int *)base = b;
		break;
	case CONF_MODE:
		if (value[0] != '0' || strlen(value) > 4 || strspn(value, "01234567") != strlen(value)) {
			snprintf(err, errsize, "%s: \"%s\" is not an octal mode like 0660", o->key, value);
			return -1;
		}
		v = strtoul(value, NULL, 8);
		*(mode_t *)base = (mode_t)v;
		break;
	case CONF_LEVEL:
		if (strcmp(value, "debug") == 0)
			*(int *)base = LOG_LEVEL_DEBUG;
		else if (strcmp(value, "info") == 0)
			*(int *)base = LOG_LEVEL_INFO;
		else if (strcmp(value, "warning") == 0)
			*(int *)base = LOG_LEVEL_WARNING;
		else if (strcmp(value, "error") == 0)
			*(int *)base = LOG_LEVEL_ERR;
		else {
			snprintf(err, errsize, "%s: \"%s\" is not debug, info, warning or error",
			    o->key, value);
			return -1;
		}
		break;
	case CONF_ONERR:
		if (strcmp(value, "allow") == 0)
			*(enum conf_on_error *)base = CONF_ON_ERROR_ALLOW;
		else if (strcmp(value, "deny") == 0)
			*(enum conf_on_error *)base = CONF_ON_ERROR_DENY;
		else {
			snprintf(err, errsize, "%s: \"%s\" is not allow or deny", o->key, value);
			return -1;
		}
		break;
	}
	return 0;
}

int
conf_set(struct conf *c, const char *key, const char *value, char *err, size_t errsize)
{
	const struct conf_opt *o;
	size_t idx;

	if ((o = conf_find(key, &idx)) == NULL) {
		snprintf(err, errsize, "unknown option \"%s\"", key);
		return -1;
	}
	if (conf_set_one(c, o, value, err, errsize) == -1)
		return -1;
	c->set |= 1ull << idx;
	return 0;
}

static char *
conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
conf_parse(struct conf *c, const char *text, const char *name, char *err, size_t errsize)
{
	char *copy = xstrdup(text), *line, *next, *eq, *key, *val, *tok, *save = NULL;
	char msg[512];
	const struct conf_opt *o;
	size_t idx;
	int lineno = 0, ret = -1;

	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((tok = strchr(line, '#')) != NULL)
			*tok = '\0';
		line = conf_trim(line);
		if (*line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errsize, "%s:%d: expected \"key = value\"", name, lineno);
			goto cleanup;
		}
		*eq = '\0';
		key = conf_trim(line);
		val = conf_trim(eq + 1);
		if ((o = conf_find(key, &idx)) == NULL) {
			snprintf(err, errsize, "%s:%d: unknown option \"%s\"", name, lineno, key);
			goto cleanup;
		}
		if (o->type == CONF_LIST) {
			for (tok = strtok_r(val, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
				if (conf_set(c, key, tok, msg, sizeof(msg)) == -1) {
					snprintf(err, errsize, "%s:%d: %s", name, lineno, msg);
					goto cleanup;
				}
			}
		} else if (conf_set(c, key, val, msg, sizeof(msg)) == -1) {
			snprintf(err, errsize, "%s:%d: %s", name, lineno, msg);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(copy);
	return ret;
}

int
conf_load(struct conf *c, const char *path, int must_exist, char *err, size_t errsize)
{
	char *text;
	int ret;

	if ((text = util_read_file(path, 1024 * 1024, NULL)) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = conf_parse(c, text, path, err, errsize);
	free(text);
	return ret;
}

void
conf_merge(struct conf *dst, const struct conf *src)
{
	size_t i, j;

	for (i = 0; i < CONF_NOPTS; i++) {
		const struct conf_opt *o = &conf_opts[i];
		char *db = (char *)dst + o->off;
		const char *sb = (const char *)src + o->off;

		if (!(src->set >> i & 1))
			continue;
		switch (o->type) {
		case CONF_STR:
			free(*(char **)db);
			*(char **)db = xstrdup(*(char *const *)sb);
			break;
		case CONF_LIST: {
			size_t *dn = (size_t *)((char *)dst + o->countoff);
			size_t sn = *(const size_t *)((const char *)src + o->countoff);

			for (j = 0; j < *dn; j++)
				free(((char **)db)[j]);
			for (j = 0; j < sn; j++)
				((char **)db)[j] = xstrdup(((char *const *)sb)[j]);
			*dn = sn;
			break;
		}
		case CONF_UINT:
			*(unsigned *)db = *(const unsigned *)sb;
			break;
		case CONF_SIZE:
			*(uint64_t *)db = *(const uint64_t *)sb;
			break;
		case CONF_BOOL:
		case CONF_LEVEL:
			*(int *)db = *(const int *)sb;
			break;
		case CONF_MODE:
			*(mode_t *)db = *(const mode_t *)sb;
			break;
		case CONF_ONERR:
			*(enum conf_on_error *)db = *(const enum conf_on_error *)sb;
			break;
		}
		dst->set |= 1ull << i;
	}
}

/* Two keys that go together: -1 with a message when only one is set. */
static int
conf_both(const char *an, const char *a, const char *bn, const char *b, char *err, size_t errsize)
{
	if ((a[0] == '\0') == (b[0] == '\0'))
		return 0;
	snprintf(err, errsize, "%s, %s: give both or neither", an, bn);
	return -1;
}

int
conf_finish(struct conf *c, char *err, size_t errsize)
{
	size_t i;

	for (i = 0; i < CONF_NOPTS; i++) {
		if ((c->set >> i & 1) || conf_opts[i].def == NULL)
			continue;
		if (conf_set_one(c, &conf_opts[i], conf_opts[i].def, err, errsize) == -1)
			return -1;
	}
	if (c->db[0] == '\0') {
		snprintf(err, errsize, "db: a database path is needed");
		return -1;
	}
	if (c->n_listen == 1 && strcmp(c->listen[0], "none") == 0) {
		free(c->listen[0]);
		c->n_listen = 0;
	}
	if (strcmp(c->socket, "none") == 0) {
		free(c->socket);
		c->socket = xstrdup("");
	}
	if (c->n_listen == 0 && c->socket[0] == '\0') {
		snprintf(err, errsize, "listen, socket: nothing to listen on");
		return -1;
	}
	if (strcmp(c->store, "sqlite") != 0 && strcmp(c->store, "etcd") != 0) {
		snprintf(err, errsize, "store: \"%s\" is not sqlite or etcd", c->store);
		return -1;
	}
	if (c->etcd_user[0] != '\0' && c->etcd_password_file[0] == '\0') {
		snprintf(err, errsize, "etcd_user: needs etcd_password_file");
		return -1;
	}
	if (conf_both("etcd_cert", c->etcd_cert, "etcd_key", c->etcd_key, err, errsize) == -1)
		return -1;
	if (conf_both("tls_cert", c->tls_cert, "tls_key", c->tls_key, err, errsize) == -1)
		return -1;
	if (c->tls_client_ca[0] != '\0' && c->tls_cert[0] == '\0') {
		snprintf(err, errsize, "tls_client_ca: client certificates need TLS (tls_cert, tls_key)");
		return -1;
	}
	if (conf_both("fleet_cert", c->fleet_cert, "fleet_key", c->fleet_key, err, errsize) == -1)
		return -1;
	if (c->n_fleet > 0 && c->fleet_token_file[0] == '\0' && c->token_file[0] == '\0' &&
	    c->fleet_cert[0] == '\0') {
		snprintf(err, errsize, "fleet: pushing needs fleet_token_file, token_file or fleet_cert");
		return -1;
	}
	return 0;
}

int
conf_check_files(const struct conf *c, char *err, size_t errsize)
{
	const char *path;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(conf_opts) / sizeof(conf_opts[0]); i++) {
		if (conf_opts[i].type != CONF_STR || conf_opts[i].arg == NULL ||
		    strcmp(conf_opts[i].arg, "FILE") != 0)
			continue;
		path = *(char *const *)((const char *)c + conf_opts[i].off);
		if (path == NULL || path[0] == '\0')
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(err, errsize, "%s: %s: %s", conf_opts[i].key, path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

void
conf_dump(const struct conf *c, FILE *f)
{
	static const char *const lv[] = { [LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARNING] = "warning",
	    [LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug" };
	size_t i, j, n;
	int level;

	for (i = 0; i < CONF_NOPTS; i++) {
		const struct conf_opt *o = &conf_opts[i];
		const char *p = (const char *)c + o->off;

		switch (o->type) {
		case CONF_STR:
			fprintf(f, "%s = %s\n", o->key, *(char *const *)p);
			break;
		case CONF_LIST:
			n = *(const size_t *)((const char *)c + o->countoff);
			for (j = 0; j < n; j++)
				fprintf(f, "%s = %s\n", o->key, ((char *const *)p)[j]);
			break;
		case CONF_UINT:
			fprintf(f, "%s = %u\n", o->key, *(const unsigned *)p);
			break;
		case CONF_SIZE:
			fprintf(f, "%s = %llu\n", o->key, (unsigned long long)*(const uint64_t *)p);
			break;
		case CONF_BOOL:
			fprintf(f, "%s = %s\n", o->key, *(const int *)p ? "yes" : "no");
			break;
		case CONF_MODE:
			fprintf(f, "%s = 0%o\n", o->key, (unsigned)*(const mode_t *)p);
			break;
		case CONF_LEVEL:
			level = *(const int *)p;
			fprintf(f, "%s = %s\n", o->key, level >= 0 && level <= LOG_LEVEL_DEBUG &&
			    lv[level] != NULL ? lv[level] : "?");
			break;
		case CONF_ONERR:
			fprintf(f, "%s = %s\n", o->key,
			    *(const enum conf_on_error *)p == CONF_ON_ERROR_DENY ? "deny" : "allow");
			break;
		}
	}
}
