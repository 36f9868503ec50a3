/*
 * collector.c - run the probe in a child process under a timeout.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "profile.h"
#include "util.h"
#include "xmalloc.h"

void
collector_result_clear(struct collector_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	res->out = NULL;
	res->len = 0;
}

int
collector_run(const char *probe, const char *host_id, const char *libvirt_uri, unsigned timeout, int cancel_fd,
    int (*cancel)(void *arg), void *arg, struct collector_result *res)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct pollfd pfd[2];
	sigset_t none, def;
	char *argv[8];
	uint64_t start = util_now_ns(), deadline;
	size_t cap = 65536;
	pid_t pid = -1;
	int pipefd[2] = { -1, -1 }, status, ret = -1, killed = 0, n, ms, sprc;
	ssize_t r;

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	argv[0] = (char *)probe;
	argv[1] = "--compact";
	n = 2;
	if (host_id != NULL && host_id[0] != '\0') {
		argv[n++] = "--host-id";
		argv[n++] = (char *)host_id;
	}
	if (libvirt_uri != NULL && strcmp(libvirt_uri, "none") == 0) {
		argv[n++] = "--no-libvirt";
	} else if (libvirt_uri != NULL && libvirt_uri[0] != '\0') {
		argv[n++] = "--libvirt-uri";
		argv[n++] = (char *)libvirt_uri;
	}
	argv[n] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		snprintf(res->message, sizeof(res->message), "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	/*
	 * Nothing else of the daemon reaches the probe, whether or not a
	 * library opened it close-on-exec (libcurl's wakeup socket pair).
	 */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	sprc = posix_spawn(&pid, probe, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (sprc != 0) {
		snprintf(res->message, sizeof(res->message), "%s: %s", probe, strerror(sprc));
		pid = -1;
		goto cleanup;
	}

	res->out = xmalloc(cap + 1);
	deadline = start + (uint64_t)timeout * 1000000000ull;
	for (;;) {
		uint64_t now = util_now_ns();

		if (now >= deadline) {
			snprintf(res->message, sizeof(res->message), "%s: timed out after %u s", probe, timeout);
			killed = 1;
			break;
		}
		ms = (int)((deadline - now) / 1000000 + 1);
		pfd[0].fd = pipefd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = cancel_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, cancel_fd != -1 ? 2 : 1, ms) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(res->message, sizeof(res->message), "poll: %s", strerror(errno));
			killed = 1;
			break;
		}
		if (cancel_fd != -1 && (pfd[1].revents & POLLIN) && (cancel == NULL || cancel(arg))) {
			snprintf(res->message, sizeof(res->message), "%s: cancelled", probe);
			killed = 1;
			break;
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (res->len == cap) {
			if (cap >= PROFILE_MAX_SIZE) {
				snprintf(res->message, sizeof(res->message), "%s: output over %u bytes",
				    probe, PROFILE_MAX_SIZE);
				killed = 1;
				break;
			}
			cap *= 2;
			res->out = xreallocarray(res->out, cap + 1, 1);
		}
		r = read(pipefd[0], res->out + res->len, cap - res->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		res->len += (size_t)r;
	}
	res->out[res->len] = '\0';
	if (killed)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(res->message, sizeof(res->message), "waitpid: %s", strerror(errno));
			goto cleanup;
		}
	}
	if (killed)
		goto cleanup;
	if (WIFEXITED(status)) {
		res->exit_status = WEXITSTATUS(status);
		if (res->exit_status != 0) {
			snprintf(res->message, sizeof(res->message), "%s exited with status %d%s", probe,
			    res->exit_status, res->exit_status == 2 ?
			    " (no usable KVM on this host, see its log)" : "");
			goto cleanup;
		}
	} else {
		snprintf(res->message, sizeof(res->message), "%s killed by signal %d", probe,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		goto cleanup;
	}
	if (res->len == 0) {
		snprintf(res->message, sizeof(res->message), "%s printed nothing", probe);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (pipefd[0] != -1)
		close(pipefd[0]);
	res->duration = (double)(util_now_ns() - start) / 1e9;
	if (ret == -1)
		collector_result_clear(res);
	return ret;
}
