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
	char *token;			/* bearer token for writes, NULL none */
};

/*
 * Read the bearer token from path (first line) into h->token.  Returns 0,
 * or -1 with a message in err.
 */
int httpc_load_token(struct httpc *h, const char *path, char *err, size_t errsize);

/* Free what h owns. */
void httpc_clear(struct httpc *h);

/*
 * Send one request.  path starts with "/" and is appended to the server
 * URL; ctype (may be NULL) and body (may be NULL) describe the request
 * body.  On an answer returns 0 with *status set and the body in *resp
 * (allocated, NUL-terminated; caller frees).  Returns -1 with a message in
 * err when the daemon cannot be reached.
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
