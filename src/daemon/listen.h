/*
 * listen.h - the daemon's listening sockets: TCP addresses, the Unix
 * socket, or the sockets systemd passes (socket activation).
 */
#ifndef MIGCOMPAT_LISTEN_H
#define MIGCOMPAT_LISTEN_H

#include <stddef.h>

#include "api.h"
#include "conf.h"

/*
 * Open every listening socket of c (close-on-exec, non-blocking): the
 * sockets systemd passed if any, otherwise each listen address and the Unix
 * socket (a stale socket file is replaced; mode and group applied).  On
 * success *out is an allocated array of *n entries (caller frees; the API
 * takes the fds).  Returns 0, or -1 with a message in err and nothing left
 * open.
 */
int listen_open(const struct conf *c, struct api_listener_fd **out, size_t *n,
    char *err, size_t errsize);

/* Remove the Unix socket file of c if this process created it. */
void listen_unlink(const struct conf *c);

#endif
