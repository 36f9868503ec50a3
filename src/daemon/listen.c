/*
 * listen.c - bind the daemon's TCP and Unix sockets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "api.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static int listen_created_unix;

/* "ADDR:PORT" of a bound socket, for logs (the real port when 0 was asked). */
static void
listen_name(int fd, char *buf, size_t bufsize)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(buf, bufsize, "fd %d", fd);
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, bufsize, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, bufsize, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		snprintf(buf, bufsize, "%s", sun->sun_path[0] != '\0' ? sun->sun_path : "unix");
	} else {
		snprintf(buf, bufsize, "fd %d", fd);
	}
}

static int
listen_tcp(const char *addr, struct api_listener_fd *out, size_t *n, size_t max,
    char *err, size_t errsize)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[8];
	unsigned p;
	int fd = -1, one = 1, rc, ret = -1;

	if (conf_split_listen(addr, host, sizeof(host), &p) == -1) {
		snprintf(err, errsize, "listen: bad address \"%s\"", addr);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errsize, "listen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (*n >= max) {
			snprintf(err, errsize, "listen: too many sockets");
			goto cleanup;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			snprintf(err, errsize, "listen %s: socket: %s", addr, strerror(errno));
			goto cleanup;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, SOMAXCONN) == -1) {
			snprintf(err, errsize, "listen %s: %s", addr, strerror(errno));
			close(fd);
			goto cleanup;
		}
		out[*n].fd = fd;
		out[*n].is_unix = 0;
		listen_name(fd, out[*n].name, sizeof(out[*n].name));
		(*n)++;
		/* A wildcard ":PORT" binds IPv4 and IPv6; a named host its first address. */
		if (host[0] != '\0')
			break;
	}
	ret = 0;
cleanup:
	freeaddrinfo(res);
	return ret;
}

static int
listen_unix(const struct conf *c, struct api_listener_fd *out, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct stat st;
	struct group *gr;
	char *dir = NULL, *slash;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (util_strlcpy(sun.sun_path, c->socket, sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		snprintf(err, errsize, "socket: path too long: %s", c->socket);
		return -1;
	}
	/*
	 * Without systemd's RuntimeDirectory= the directory may be missing:
	 * create it when its parent exists and we may, else say what to pass.
	 */
	dir = xstrdup(c->socket);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errsize, "socket %s: cannot create %s: %s; pass --socket PATH "
			    "(or socket = none)", c->socket, dir, strerror(errno));
			free(dir);
			return -1;
		}
	}
	free(dir);
	if (lstat(c->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsize, "socket: %s exists and is not a socket", c->socket);
			return -1;
		}
		unlink(c->socket);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errsize, "socket %s: %s; pass --socket PATH (or socket = none)",
		    c->socket, strerror(errno));
		goto fail;
	}
	listen_created_unix = 1;
	if (chmod(c->socket, c->socket_mode) == -1) {
		snprintf(err, errsize, "socket %s: chmod: %s", c->socket, strerror(errno));
		goto fail;
	}
	if (c->socket_group[0] != '\0') {
		if ((gr = getgrnam(c->socket_group)) == NULL) {
			snprintf(err, errsize, "socket_group: no group \"%s\"", c->socket_group);
			goto fail;
		}
		if (chown(c->socket, (uid_t)-1, gr->gr_gid) == -1) {
			snprintf(err, errsize, "socket %s: chown: %s", c->socket, strerror(errno));
			goto fail;
		}
	}
	if (listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errsize, "socket %s: listen: %s", c->socket, strerror(errno));
		goto fail;
	}
	out->fd = fd;
	out->is_unix = 1;
	util_strlcpy(out->name, c->socket, sizeof(out->name));
	return 0;
fail:
	if (fd != -1)
		close(fd);
	listen_unlink(c);
	return -1;
}

int
listen_open(const struct conf *c, struct api_listener_fd **out, size_t *n,
    char *err, size_t errsize)
{
	size_t max = 2 * CONF_MAX_LIST + 1 + 16, i;
	struct api_listener_fd *l = xcalloc(max, sizeof(*l));
	int k, nfds = 0;

	*n = 0;
#ifdef HAVE_SYSTEMD
	nfds = sd_listen_fds(1);
	if (nfds < 0) {
		log_warnx("sd_listen_fds: %s", strerror(-nfds));
		nfds = 0;
	}
#endif
	if (nfds > 0) {
		/* Socket activation: the unit's sockets replace listen and socket. */
		for (k = 0; k < nfds && *n < max; k++) {
			int fd = 3 + k, fl;
			struct sockaddr_storage ss;
			socklen_t len = sizeof(ss);

			fl = fcntl(fd, F_GETFL);
			if (fl != -1)
				fcntl(fd, F_SETFL, fl | O_NONBLOCK);
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			l[*n].fd = fd;
			l[*n].is_unix = getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
			    ss.ss_family == AF_UNIX;
			listen_name(fd, l[*n].name, sizeof(l[*n].name));
			(*n)++;
		}
		*out = l;
		return 0;
	}
	for (i = 0; i < c->n_listen; i++)
		if (listen_tcp(c->listen[i], l, n, max, err, errsize) == -1)
			goto fail;
	if (c->socket[0] != '\0') {
		if (listen_unix(c, &l[*n], err, errsize) == -1)
			goto fail;
		(*n)++;
	}
	*out = l;
	return 0;
fail:
	for (i = 0; i < *n; i++)
		close(l[i].fd);
	if (c->socket[0] != '\0')
		listen_unlink(c);
	free(l);
	*n = 0;
	return -1;
}

void
listen_unlink(const struct conf *c)
{
	if (listen_created_unix && c->socket[0] != '\0') {
		unlink(c->socket);
		listen_created_unix = 0;
	}
}
