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
 * returns the result.  domain ($1) names the guest in the message.
 */
enum hookreq_result hookreq_ask(const char *sock, const char *xml, size_t len, long timeout_ms,
    const char *domain, char *msg, size_t msgsize);

/*
 * Read the daemon's answer: HTTP status and body (len bytes, the rules
 * JSON {"compatible", "verdict", "reasons": [{"message", ...}]} or
 * {"error": {"message"}}), and the hosts it compared (its Migcompat-From
 * and Migcompat-To headers; NULL or "" unknown).  Incompatible gives
 * HOOKREQ_DENY and a line naming the first reasons, blocking ones first,
 * how many more there are ("(+15 more: 12 blocking, 3 unknown)") and the
 * "migcompat check" command that shows them all; unknown gives
 * HOOKREQ_UNKNOWN and the same line for the unknown reasons; compatible
 * HOOKREQ_ALLOW; anything else HOOKREQ_ERROR with what went wrong.
 * Reasons block when their "effect" is "blocks" (without "effect": when
 * the verdict is incompatible).
 */
enum hookreq_result hookreq_answer(long status, const char *body, size_t len, const char *domain,
    const char *from, const char *to, char *msg, size_t msgsize);

#endif
