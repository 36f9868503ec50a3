/*
 * httpc.h - the CLI's client of the migcompatd API, over TCP (--server
 * URL) or the daemon's Unix socket (--socket PATH), with libcurl.
 */
#ifndef MIGCOMPAT_HTTPC_H
#define MIGCOMPAT_HTTPC_H

#include <stddef.h>

struct json_object;
struct profile;

/* The default Unix socket of the daemon. */
#define HTTPC_DEFAULT_SOCKET	RUNSTATEDIR "/migcompat/migcompatd.sock"

struct httpc {
	const char *server;		/* "http://host:7480", NULL: use socket */
	const char *socket;		/* Unix socket path, NULL: the default */
	const char *token_file;		/* --token-file, read by httpc_options_check */
	char *token;			/* bearer token, sent on every request; NULL none */
	const char *cacert;		/* CA file to verify an HTTPS server, NULL: the system's */
	const char *cert;		/* client certificate (PEM), NULL none */
	const char *key;		/* its private key (PEM), NULL: in cert */
	int remote;			/* --server or --socket given */
};

/*
 * The options every subcommand that talks to a daemon takes, for its
 * getopt_long table (codes above any character), and their usage text.
 */
enum {
	HTTPC_OPT_SERVER = 0x100,
	HTTPC_OPT_SOCKET,
	HTTPC_OPT_TOKEN_FILE,
	HTTPC_OPT_CACERT,
	HTTPC_OPT_CERT,
	HTTPC_OPT_KEY,
};
#define HTTPC_LONGOPTS \
	{ "server", required_argument, NULL, HTTPC_OPT_SERVER }, \
	{ "socket", required_argument, NULL, HTTPC_OPT_SOCKET }, \
	{ "token-file", required_argument, NULL, HTTPC_OPT_TOKEN_FILE }, \
	{ "cacert", required_argument, NULL, HTTPC_OPT_CACERT }, \
	{ "cert", required_argument, NULL, HTTPC_OPT_CERT }, \
	{ "key", required_argument, NULL, HTTPC_OPT_KEY }
#define HTTPC_USAGE_TLS	"[--token-file FILE] [--cacert FILE] [--cert FILE [--key FILE]]"
#define HTTPC_USAGE	"[--server URL | --socket PATH] " HTTPC_USAGE_TLS
#define HTTPC_USAGE_DAEMON "--server URL|--socket PATH " HTTPC_USAGE_TLS

/*
 * Take getopt_long's code c with its argument arg if it is one of
 * HTTPC_LONGOPTS: returns 1 (recorded in h; nothing is allocated, so a
 * command may stop with a usage error before httpc_options_check), or 0
 * when c is not one of them.
 */
int httpc_option(struct httpc *h, int c, const char *arg);

/*
 * After the options: -1 after logging why when they do not go together
 * (--key without --cert, TLS files without --server) or the token file
 * is unreadable or empty, else 0 with the token read into h->token (free
 * it with httpc_clear).
 */
int httpc_options_check(struct httpc *h);

/* Free what h owns. */
void httpc_clear(struct httpc *h);

/*
 * Send one request.  path starts with "/" and is appended to the server
 * URL; ctype (may be NULL) and body (may be NULL) describe the request
 * body.  On an answer returns 0 with *status set and the body in *resp
 * (allocated, NUL-terminated; caller frees).  Returns -1 with a message in
 * err when the daemon cannot be reached.  A 503 (the daemon is overloaded:
 * after its Retry-After, at most 5 s) or a connection closed without an
 * answer is tried again, four attempts in all; every route is safe to
 * repeat (uploads of an unchanged profile change nothing).
 */
int httpc_request(const struct httpc *h, const char *method, const char *path, const char *ctype,
    const char *body, size_t len, long *status, char **resp, char *err, size_t errsize);

/*
 * Like httpc_request, and the answer must be 2xx JSON: returns 0 with *out
 * (caller puts) and *status, or -1 with the daemon's error message (or why
 * the answer is unusable) in err; *status is 0 if no answer came.
 */
int httpc_json(const struct httpc *h, const char *method, const char *path, const char *ctype,
    const char *body, size_t len, long *status, struct json_object **out, char *err, size_t errsize);

/*
 * Percent-encode s for a query value into buf.  Returns buf, or NULL when
 * it does not fit.
 */
char *httpc_escape(const char *s, char *buf, size_t bufsize);

/*
 * "migcompat check" against a daemon: POST /v1/compat for hosts src and
 * dst with the VM spec file vmfile (or the scenario name, or neither) and
 * the policy name; print the answer as JSON (exactly as the daemon and the
 * offline check give it) or as text.  Returns the check's exit status.
 */
int httpc_check(const struct httpc *h, const char *src, const char *dst, const char *vmfile,
    const char *scenario, const char *policy, int json);

/*
 * PUT len bytes of text (a profile or dump) as host id and print what the
 * daemon did ("ID: new version N").  Returns 0, or -1 after logging why.
 */
int httpc_put_profile(const struct httpc *h, const char *id, const char *text, size_t len);

/*
 * GET the current profile of host id into p (initialised by the caller).
 * Returns 0, or -1 with a message in err.
 */
int httpc_profile(const struct httpc *h, const char *id, struct profile *p, char *err, size_t errsize);

#endif
