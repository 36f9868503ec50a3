/*
 * etcdtest.h - what the etcd tests share: a real cluster of three etcd
 * members started on free loopback ports in a directory of its own, killed
 * (and the directory removed) on every exit, and clients of its members.
 */
#ifndef MIGCOMPAT_ETCDTEST_H
#define MIGCOMPAT_ETCDTEST_H

#include <sys/types.h>

#include "etcd.h"

#define ETCDTEST_MEMBERS	3

struct etcdtest_member {
	unsigned cport, pport;
	pid_t pid;			/* 0: not running */
};

extern struct etcdtest_member etcdtest_members[ETCDTEST_MEMBERS];
/* The cluster's directory: members' data and logs (mN.etcd, mN.log). */
extern char etcdtest_dir[256];
/* The client URL of each member. */
extern char etcdtest_endpoint[ETCDTEST_MEMBERS][64];
/* Another process of the test (an extra member) killed with the cluster; 0: none. */
extern pid_t etcdtest_tls_pid;

/* Nonzero when etcd and etcdctl are installed. */
int etcdtest_have_etcd(void);

/*
 * Make the directory ($TMPDIR/NAME.XXXXXX), arrange the cleanup at exit and
 * a bail-out after seconds, ignore SIGPIPE, pick the ports and start every
 * member.  Dies when there is no directory.
 */
void etcdtest_start(const char *name, unsigned seconds);

/* Start member i again (same ports, same data).  Returns 0 or -1. */
int etcdtest_member_start(int i);

/* Kill every member and wait for them. */
void etcdtest_kill_all(void);

/* A loopback port nobody listens on now, or 0. */
unsigned etcdtest_free_port(void);

/* A client configuration of the members listed in which ("012", "2"). */
void etcdtest_conf(struct etcd_conf *c, const char *which);

/* A client of the members in which that retries for retry_ms; dies on failure. */
struct etcd *etcdtest_client(const char *which, unsigned retry_ms);

void etcdtest_sleep_ms(unsigned ms);

#endif
