/*
 * etcdtest.c - a real three-member etcd cluster on loopback for the etcd
 * tests (etcdtest.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etcdtest.h"
#include "log.h"
#include "xmalloc.h"

struct etcdtest_member etcdtest_members[ETCDTEST_MEMBERS];
char etcdtest_dir[256];
char etcdtest_endpoint[ETCDTEST_MEMBERS][64];
pid_t etcdtest_tls_pid;

static char etcdtest_cluster[512];
static volatile sig_atomic_t etcdtest_cleaning;

int
etcdtest_have_etcd(void)
{
	return system("command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1") == 0;
}

void
etcdtest_kill_all(void)
{
	int i;

	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		if (etcdtest_members[i].pid > 0) {
			kill(etcdtest_members[i].pid, SIGKILL);
			waitpid(etcdtest_members[i].pid, NULL, 0);
			etcdtest_members[i].pid = 0;
		}
}

static void
etcdtest_cleanup(void)
{
	char cmd[512];

	if (etcdtest_cleaning)
		return;
	etcdtest_cleaning = 1;
	etcdtest_kill_all();
	if (etcdtest_tls_pid > 0) {
		kill(etcdtest_tls_pid, SIGKILL);
		waitpid(etcdtest_tls_pid, NULL, 0);
	}
	if (etcdtest_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", etcdtest_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", etcdtest_dir);
	}
}

static void
etcdtest_on_alarm(int sig)
{
	static const char msg[] = "Bail out! test-etcd ran out of time\n";
	int i;

	(void)sig;
	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		if (etcdtest_members[i].pid > 0)
			kill(etcdtest_members[i].pid, SIGKILL);
	if (etcdtest_tls_pid > 0)
		kill(etcdtest_tls_pid, SIGKILL);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

unsigned
etcdtest_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned port = 0;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int
etcdtest_member_start(int i)
{
	char name[16], dir[300], log[300], curl[64], purl[64], token[64];
	int fd;
	pid_t pid;

	snprintf(name, sizeof(name), "m%d", i);
	snprintf(dir, sizeof(dir), "%s/%s.etcd", etcdtest_dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", etcdtest_dir, name);
	snprintf(curl, sizeof(curl), "http://127.0.0.1:%u", etcdtest_members[i].cport);
	snprintf(purl, sizeof(purl), "http://127.0.0.1:%u", etcdtest_members[i].pport);
	snprintf(token, sizeof(token), "migcompat-test-%d", (int)getpid());
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* Even if the test dies without cleaning up, its members die with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("etcd", "etcd", "--name", name, "--data-dir", dir,
		    "--listen-client-urls", curl, "--advertise-client-urls", curl,
		    "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
		    "--initial-cluster", etcdtest_cluster, "--initial-cluster-state", "new",
		    "--initial-cluster-token", token,
		    "--heartbeat-interval", "50", "--election-timeout", "500",
		    "--auth-token", "simple", "--auth-token-ttl", "2",
		    "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
		    (char *)NULL);
		_exit(127);
	}
	etcdtest_members[i].pid = pid;
	return 0;
}

void
etcdtest_start(const char *name, unsigned seconds)
{
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *path;
	int i;

	snprintf(etcdtest_dir, sizeof(etcdtest_dir), "%s/%s.XXXXXX", base, name);
	if (mkdtemp(etcdtest_dir) == NULL)
		fatal("mkdtemp");
	atexit(etcdtest_cleanup);
	signal(SIGALRM, etcdtest_on_alarm);
	alarm(seconds);
	signal(SIGPIPE, SIG_IGN);
	etcdtest_cluster[0] = '\0';
	for (i = 0; i < ETCDTEST_MEMBERS; i++) {
		etcdtest_members[i].cport = etcdtest_free_port();
		etcdtest_members[i].pport = etcdtest_free_port();
		snprintf(etcdtest_endpoint[i], sizeof(etcdtest_endpoint[i]), "http://127.0.0.1:%u",
		    etcdtest_members[i].cport);
		path = xasprintf("%sm%d=http://127.0.0.1:%u", i ? "," : "", i,
		    etcdtest_members[i].pport);
		strcat(etcdtest_cluster, path);
		free(path);
	}
	for (i = 0; i < ETCDTEST_MEMBERS; i++)
		etcdtest_member_start(i);
}

void
etcdtest_conf(struct etcd_conf *c, const char *which)
{
	memset(c, 0, sizeof(*c));
	for (; *which != '\0'; which++)
		c->endpoints[c->n_endpoints++] = etcdtest_endpoint[*which - '0'];
	c->backoff_min_ms = 50;
	c->backoff_max_ms = 500;
	c->connect_timeout_ms = 500;
	c->request_timeout_ms = 3000;
}

struct etcd *
etcdtest_client(const char *which, unsigned retry_ms)
{
	struct etcd_conf c;
	struct etcd *e;
	char err[256];

	etcdtest_conf(&c, which);
	c.retry_ms = retry_ms;
	if ((e = etcd_new(&c, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	return e;
}

void
etcdtest_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}
