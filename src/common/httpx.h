/*
 * httpx.h - one HTTP request with libcurl, as every client in migcompat
 * makes it: to a URL or over a Unix socket, a method and a body, a bearer
 * token and other headers, connect and total time limits in milliseconds,
 * TLS (a CA file, a client certificate and key), and the answer's status
 * and body in a growing buffer with a size cap.  What to do with the answer
 * (retries, budgets, messages) is the caller's.
 *
 * The program calls curl_global_init() once before it starts threads.
 */
#ifndef MIGCOMPAT_HTTPX_H
#define MIGCOMPAT_HTTPX_H

#include <stddef.h>

#include <curl/curl.h>

/* The largest answer kept when the request names no cap. */
#define HTTPX_MAX_BODY		(1024u * 1024)

struct httpx_resp;

/*
 * A request.  The strings it points to (body included: it is not copied)
 * stay valid until the answer is in (httpx_request, httpx_perform return;
 * httpx_done for a transfer started with httpx_start).
 */
struct httpx_req {
	const char *url;		/* "http(s)://host:port/path"; over socket, "http://localhost/path" */
	const char *socket;		/* Unix socket path, NULL: TCP to the URL's host */
	const char *method;		/* "PUT", ...; NULL: POST with a body, GET without */
	const char *body;		/* NULL none */
	size_t len;			/* of body */
	const char *ctype;		/* Content-Type of body, NULL none */
	const char *token;		/* sent as "Authorization: Bearer TOKEN"; NULL or "" none */
	const char *const *headers;	/* more "Name: value" lines, NULL-terminated; NULL none */
	long connect_ms;		/* connection limit, 0: libcurl's (300 s) */
	long total_ms;			/* limit of the whole request, 0: none */
	long keepalive_s;		/* TCP keepalive probes after this idle time, 0: none */
	const char *cacert;		/* CA file verifying an HTTPS server, NULL: the system's */
	const char *cert;		/* client certificate (PEM), NULL none */
	const char *key;		/* its private key (PEM), NULL: in cert */
	size_t max_body;		/* largest answer, 0: HTTPX_MAX_BODY */

	/* Optional, called from within the transfer with arg. */
	void *arg;
	/* Each header line of the answer (n bytes, CRLF included, not NUL-terminated). */
	void (*on_header)(void *arg, const char *line, size_t n);
	/*
	 * A streamed answer: called after each piece is appended to
	 * resp->body, old being resp->len before it.  It may consume the
	 * start of the buffer (memmove, lower resp->len, keep the NUL), so
	 * that max_body bounds what is pending, not the whole stream.
	 * Returns 0, or -1 to end the transfer (HTTPX_CANCELED).
	 */
	int (*on_body)(void *arg, struct httpx_resp *resp, size_t old);
	/* Polled about once a second and on progress: nonzero ends the transfer (HTTPX_CANCELED). */
	int (*cancel)(void *arg);
};

/* Why no answer came. */
enum httpx_fail {
	HTTPX_OK = 0,		/* an answer, of any status */
	HTTPX_CONNECT,		/* no connection: refused, no such socket, host not found */
	HTTPX_DROPPED,		/* the connection closed or broke before a whole answer */
	HTTPX_TIMEOUT,		/* connect_ms or total_ms ran out */
	HTTPX_TLS,		/* the TLS handshake failed: certificate not trusted, bad files */
	HTTPX_TOOBIG,		/* the answer was larger than max_body */
	HTTPX_CANCELED,		/* cancel or on_body ended it */
	HTTPX_OTHER,
};

/*
 * An answer.  Zero it before its first use; it can be used again (the
 * buffer is kept and reset) and httpx_resp_clear frees it.
 */
struct httpx_resp {
	long status;			/* HTTP status, 0: no answer */
	char *body;			/* the answer, NUL-terminated; NULL when none ever came */
	size_t len, cap;
	long retry_after;		/* its Retry-After in seconds, 0 none */
	enum httpx_fail fail;
	int oserr;			/* errno of a failed connection or transfer, 0 unknown */
};

/*
 * Send r and wait for the answer in resp.  Returns 0 when an answer came,
 * whatever its status, or -1 with resp->fail set and libcurl's words for
 * it in err ("SSL certificate problem: unable to get local issuer
 * certificate"; for a Unix socket that cannot be reached, the system's:
 * "No such file or directory"); the caller says which server or socket it
 * was.
 */
int httpx_request(const struct httpx_req *r, struct httpx_resp *resp, char *err, size_t errsize);

/* Free resp's buffer and zero it. */
void httpx_resp_clear(struct httpx_resp *resp);

/*
 * Nonzero for a failure that another attempt of the same request may not
 * meet: the connection closed without an answer (a connection limit, a
 * server restarting).
 */
int httpx_fail_transient(enum httpx_fail fail);

/*
 * base (a URL, trailing slashes ignored) followed by path, allocated
 * (caller frees).
 */
char *httpx_url(const char *base, const char *path);

/*
 * A client for many requests, one after the other: connections to a
 * server are kept open between them.  Or for a transfer run by the
 * caller's curl multi handle: httpx_start, then httpx_done with its result.
 * One thread at a time.  Returns NULL when libcurl cannot start.
 */
struct httpx *httpx_new(void);

/*
 * Close its connections and free it.  A handle from httpx_start leaves the
 * caller's multi handle first.  NULL is fine.
 */
void httpx_free(struct httpx *h);

/* httpx_request on h's connections. */
int httpx_perform(struct httpx *h, const struct httpx_req *r, struct httpx_resp *resp, char *err,
    size_t errsize);

/*
 * Set up r on h, its answer to go to resp, and return the easy handle for
 * the caller's curl multi handle (NULL with a message in err: nothing to
 * undo).  Its CURLOPT_PRIVATE is the caller's.
 */
CURL *httpx_start(struct httpx *h, const struct httpx_req *r, struct httpx_resp *resp, char *err,
    size_t errsize);

/*
 * The transfer started on h ended with rc (CURLMSG_DONE's result; before
 * the handle leaves the multi handle or after): returns 0 with the answer
 * in resp, or -1 as httpx_request does.
 */
int httpx_done(struct httpx *h, CURLcode rc, char *err, size_t errsize);

#endif
