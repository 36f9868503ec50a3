/*
 * hookreq.h - what migcompat-hook asks the local daemon and how it reads the
 * answer.  The hook itself (main.c) only adds argv, stdin, the config and
 * the hard timeout.
 */
#ifndef MIGCOMPAT_HOOKREQ_H
#define MIGCOMPAT_HOOKREQ_H

#include <stddef.h>

/* What the hook does with a migration or restore. */
enum hookreq_result {
	HOOKREQ_ALLOW = 0,	/* compatible: exit 0 */
	HOOKREQ_DENY,		/* incompatible: exit 1 with the reason */
	HOOKREQ_ERROR,		/* no verdict (daemon down, bad answer): on_error decides */
	HOOKREQ_UNKNOWN,	/* the verdict unknown (data missing): on_unknown decides */
};

/*
 * Nonzero when libvirt's operation and sub-operation ($2 $3) are ones the
 * hook checks: "migrate begin" (incoming migration, on the destination) and
 * "restore begin".  Every other call is answered 0 at once.
 */
int hookreq_wants(const char *op, const char *subop);

/*
 * Ask the daemon on the Unix socket at sock: POST /v1/compat with the
 * domain XML (len bytes) as application/xml, within timeout_ms.  Fills msg
 * with one line for stderr (the reasons, or why there is no verdict) and
 * returns the result.  domain ($1) names the guest in the message.  When
 * the domain is denied or its verdict unknown, the XML is written (mode
 * 0600, replacing an earlier one) to hookreq_xml_path's file, which the
 * line's command reads; a compatible domain's file is removed.
 */
enum hookreq_result hookreq_ask(const char *sock, const char *xml, size_t len, long timeout_ms,
    const char *domain, char *msg, size_t msgsize);

/*
 * The "migcompat check" command the line names, to see every reason: what
 * it is given.  NULL members give placeholders (SOCKET, DOMAIN.xml,
 * DESTINATION); without a source host the command names '' (no source, as
 * the hook asked).
 */
struct hookreq_cmd {
	const char *sock;		/* the daemon's Unix socket */
	const char *xml;		/* a file holding the domain XML */
	const char *xml_error;		/* with xml NULL: why there is no such file */
	const char *from, *to;		/* the hosts the daemon compared */
};

/*
 * Read the daemon's answer: HTTP status and body (len bytes, the rules
 * JSON {"compatible", "verdict", "reasons": [{"message", ...}]} or
 * {"error": {"message"}}).  Incompatible gives HOOKREQ_DENY and a line
 * naming the first reasons, blocking ones first, how many more there are
 * ("(+15 more: 12 blocking, 3 unknown)") and, whole, the command that shows
 * them all ("; all reasons: migcompat check --socket SOCK --domain FILE
 * FROM TO", each word quoted for a POSIX shell where it needs to be; FROM
 * and TO default to the answer's "from" and "to"); unknown gives
 * HOOKREQ_UNKNOWN and the same line for the unknown reasons; compatible
 * HOOKREQ_ALLOW; anything else HOOKREQ_ERROR with what went wrong.
 * Reasons block when their "effect" is "blocks" (without "effect": when
 * the verdict is incompatible).  cmd may be NULL.
 */
enum hookreq_result hookreq_answer(long status, const char *body, size_t len, const char *domain,
    const struct hookreq_cmd *cmd, char *msg, size_t msgsize);

/*
 * Where hookreq_ask keeps the XML of a domain it could not let through:
 * "hook-NAME.xml" beside the socket, NAME the domain's name with every
 * byte but A-Z a-z 0-9 . _ - as "_".  Returns 0, or -1 when it does not fit.
 */
int hookreq_xml_path(const char *sock, const char *domain, char *out, size_t outsize);

#endif
