/*
 * conf.h - migcompatd configuration: migcompatd.conf(5) and the command
 * line.
 *
 * The file holds "key = value" lines; '#' starts a comment; list keys
 * (listen, fleet) may repeat and take several space-separated values.  Every
 * key has a command-line option of the same name ("--token-file" for
 * token_file; "--no-collect" for collect = no), described in the same table
 * as the key.  Options given on the command line win over the file.
 * migcompat-hook reads the same file for socket, on_error and on_unknown,
 * which is why it lives in common rather than in the daemon.
 */
#ifndef MIGCOMPAT_CONF_H
#define MIGCOMPAT_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONF_DEFAULT_PORT	7480
#define CONF_MAX_LIST		16

enum conf_on_error {
	CONF_ON_ERROR_ALLOW = 0,
	CONF_ON_ERROR_DENY,
};

struct conf {
	char *listen[CONF_MAX_LIST];	/* "ADDR:PORT", "[V6]:PORT" */
	size_t n_listen;
	char *socket;			/* Unix socket path, "" none */
	mode_t socket_mode;
	char *socket_group;		/* "" keep the default group */
	char *db;
	char *token_file;		/* "" none: TCP writes refused */
	char *fleet[CONF_MAX_LIST];	/* base URLs ("http://fleet:7480") */
	size_t n_fleet;
	char *fleet_token_file;		/* "" use token_file */
	char *fleet_cacert;		/* CAs verifying HTTPS fleet peers, "" the system's */
	char *fleet_cert;		/* client certificate for the peers, "" none */
	char *fleet_key;		/* its private key */
	unsigned interval;		/* seconds between collections */
	int collect;			/* 0: pure fleet node (--no-collect) */
	char *probe;			/* migcompat-probe path */
	unsigned probe_timeout;		/* seconds */
	char *libvirt_uri;		/* the probe's --libvirt-uri; "none": --no-libvirt */
	char *host_id;			/* "" from /etc/machine-id */
	uint64_t max_body;		/* bytes */
	unsigned max_connections;	/* per listener */
	unsigned max_per_client;	/* TCP connections per client address, 0 no limit */
	uint64_t answer_cache;		/* bytes of compat answers kept */
	unsigned threads;		/* serving threads per TCP listener, 0 one per CPU */
	unsigned timeout;		/* seconds of inactivity per connection */
	int log_level;			/* enum log_level */
	enum conf_on_error on_error;	/* the hook's policy without an answer; read by migcompat-hook */
	enum conf_on_error on_unknown;	/* the hook's policy on the verdict unknown; likewise */
	char *store;			/* "sqlite" or "etcd": where the fleet is kept */
	char *etcd_endpoints[CONF_MAX_LIST];	/* etcd client URLs */
	size_t n_etcd_endpoints;
	char *etcd_prefix;		/* key prefix of the fleet store */
	char *etcd_cacert;		/* "" none: system CAs */
	char *etcd_cert;		/* client certificate, "" none */
	char *etcd_key;
	char *etcd_user;		/* "" no authentication */
	char *etcd_password_file;
	unsigned etcd_gc_interval;	/* fleet node: housekeeping every N s, 0 never */
	char *tls_cert;			/* PEM certificate chain, "" plain HTTP on TCP */
	char *tls_key;			/* its PEM private key */
	char *tls_client_ca;		/* PEM CAs whose client certificates may write, "" none */
	int auth_reads;			/* reads on TCP need a token or certificate too */

	uint64_t set;			/* bit per option: set explicitly */
};

/* Initialise c with every option unset (conf_finish applies defaults). */
void conf_init(struct conf *c);

/* Free what c owns and reinitialise it.  NULL is fine. */
void conf_clear(struct conf *c);

/*
 * Set option key (file spelling, "token_file"; "-" is accepted for "_")
 * from text.  List options append.  Returns 0, or -1 with a message in err
 * (unknown key, bad value).
 */
int conf_set(struct conf *c, const char *key, const char *value, char *err, size_t errsize);

/*
 * Parse the file at path into c.  A missing file is an error only if
 * must_exist.  Errors name "path:line".  Returns 0 or -1.
 */
int conf_load(struct conf *c, const char *path, int must_exist, char *err, size_t errsize);

/* Parse text (as in a file) into c; name is used in messages.  Returns 0 or -1. */
int conf_parse(struct conf *c, const char *text, const char *name, char *err, size_t errsize);

/* Copy into dst every option set in src (the command line over the file). */
void conf_merge(struct conf *dst, const struct conf *src);

/* Fill the defaults of every unset option and check the whole.  Returns 0 or -1. */
int conf_finish(struct conf *c, char *err, size_t errsize);

/*
 * Split a listen address "HOST:PORT", "[V6]:PORT" or ":PORT" into host
 * (empty for any) and port.  Returns 0 or -1.
 */
int conf_split_listen(const char *s, char *host, size_t hostsize, unsigned *port);

/*
 * An option of migcompatd: one of the configuration (conf_describe) or, with
 * key NULL, one of main.c's own (-f, -n, --help...).
 */
struct conf_optdesc {
	const char *key;		/* "token_file"; NULL: no configuration key */
	const char *flag;		/* long option, "token-file"; NULL: short only */
	char short_flag;		/* 'f', 0 none */
	const char *arg;		/* placeholder of the value ("FILE"); NULL: takes none */
	const char *help;		/* one line */
	const char *def;		/* default as text; NULL none, "" empty */
};

/* The number of configuration keys. */
extern const size_t conf_nopts;

/*
 * Describe configuration key i (0 <= i < conf_nopts).  Its option takes a
 * value when arg is set; one that takes none (--no-collect) sets the key to
 * "no".
 */
void conf_describe(size_t i, struct conf_optdesc *d);

/*
 * Print --help: the ngeneral options of general first, then every
 * configuration key's option by group, one line each with its default and
 * key.
 */
void conf_help(FILE *f, const struct conf_optdesc *general, size_t ngeneral);

/*
 * Open every file a key names (tls_cert, fleet_cacert, etcd_password_file...:
 * the keys whose value is a FILE) for reading, as this process can
 * (migcompatd -n).  Returns 0, or -1 with the first key, path and error.
 */
int conf_check_files(const struct conf *c, char *err, size_t errsize);

/* Print "key = value" for every option (migcompatd -n -v). */
void conf_dump(const struct conf *c, FILE *f);

#endif
