/*
 * bench-etcd-agents.c - what N agents write to the fleet store on etcd,
 * with the project's publishing code: one lease per agent and its host
 * record under it, each distinct profile blob once (etcd_record_publish
 * for the first host of a profile, then the records in transactions of
 * 60, the same keys, values and leases an agent writes).
 *
 *	bench-etcd-agents load ENDPOINTS STATE N TTL
 *		grant N leases, publish host000000 ... with 400 profiles (the
 *		266 fixtures and 134 with another kernel: some fixtures are
 *		the same profile); lease ids to STATE
 *	bench-etcd-agents wave ENDPOINTS STATE N PERCENT [ROUND]
 *		every (100 / PERCENT)th host moves to its profile with an
 *		upgraded kernel (6.12.ROUND-1, so each round of a run is a
 *		new profile; default 1); prints when it started writing and
 *		the last host each thread wrote, with its new hash
 *	bench-etcd-agents keepalive ENDPOINTS STATE N SECONDS
 *		renew every lease once, spread over SECONDS (what N agents
 *		do in a third of their TTL)
 *
 * Eight threads, each with its own client.  Not a test.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "etcd_record.h"
#include "etcd_sync.h"
#include "log.h"
#include "profile.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define PREFIX		"/migcompat/v1"
#define NPROFILES	400
#define THREADS		8
#define CHUNK		60

static struct etcd_conf conf;
static struct profile prof[NPROFILES], wave[NPROFILES];
static char *blob[NPROFILES], *wave_blob[NPROFILES];
static int64_t *leases;
static size_t nhosts;
static unsigned every;		/* wave: every Nth host */
static int mode;		/* 0 load, 1 wave, 2 keepalive */
static unsigned ttl, seconds;
static unsigned wave_round = 1;	/* wave: which upgrade */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_profiles(void)
{
	char *dir = xasprintf("%s/instlatx64", FIXTURES_DIR), *names[512], *path, *text, err[256];
	struct dirent *de;
	size_t n = 0, i, len;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		fatal("%s", dir);
	while ((de = readdir(d)) != NULL && n < 512)
		if (strlen(de->d_name) > 5 && strcmp(de->d_name + strlen(de->d_name) - 5, ".json") == 0 &&
		    de->d_name[0] != '_')
			names[n++] = xstrdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	if (n < 100)
		fatalx("%zu fixtures in %s", n, dir);
	for (i = 0; i < NPROFILES; i++) {
		path = xasprintf("%s/%s", dir, names[i % n]);
		if ((text = util_read_file(path, PROFILE_MAX_SIZE, &len)) == NULL)
			fatal("%s", path);
		profile_init(&prof[i]);
		profile_init(&wave[i]);
		if (profile_parse(text, len, &prof[i], err, sizeof(err)) == -1 ||
		    profile_parse(text, len, &wave[i], err, sizeof(err)) == -1)
			fatalx("%s: %s", path, err);
		if (i >= n) {
			snprintf(prof[i].kernel, sizeof(prof[i].kernel), "6.1.0-%zu-amd64", i / n);
			profile_update_hash(&prof[i]);
		}
		snprintf(wave[i].kernel, sizeof(wave[i].kernel), "6.12.%u-%zu-upgrade", wave_round - 1,
		    i / n);
		profile_update_hash(&wave[i]);
		blob[i] = store_blob_json(&prof[i]);
		wave_blob[i] = store_blob_json(&wave[i]);
		free(path);
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(dir);
}

static size_t
profile_of(size_t h)
{
	return (size_t)(((uint64_t)h * 2654435761u) % NPROFILES);
}

/* Records of hosts [from, to) (those the wave moves, in wave mode) in transactions of CHUNK. */
static void
write_records(struct etcd *e, size_t from, size_t to)
{
	struct etcd_op ops[CHUNK];
	struct etcd_record r;
	char *keys[CHUNK], *vals[CHUNK], id[32], err[512];
	size_t h, n = 0, i;
	int ok;

	for (h = from; h <= to; h++) {
		if (h < to && (mode == 0 || h % every == 0)) {
			snprintf(id, sizeof(id), "host%06zu", h);
			etcd_record_from_profile(&r, mode == 0 ? &prof[profile_of(h)] : &wave[profile_of(h)]);
			r.collected_at = 1765000000;
			snprintf(r.hostname, sizeof(r.hostname), "%s.bench", id);
			keys[n] = etcd_sync_host_key(PREFIX, id);
			vals[n] = etcd_record_json(&r);
			etcd_record_clear(&r);
			memset(&ops[n], 0, sizeof(ops[n]));
			ops[n].type = ETCD_OP_PUT;
			ops[n].key = keys[n];
			ops[n].value = vals[n];
			ops[n].len = strlen(vals[n]);
			ops[n].lease = leases[h];
			n++;
		}
		if (n == CHUNK || (h == to && n > 0)) {
			if (etcd_txn(e, NULL, 0, ops, n, NULL, 0, &ok, NULL, err, sizeof(err)) == -1)
				fatalx("txn: %s", err);
			for (i = 0; i < n; i++) {
				free(keys[i]);
				free(vals[i]);
			}
			n = 0;
		}
	}
}

struct part {
	size_t from, to;
};

static size_t first[NPROFILES], nfirst;
static int phase;

/* Host i, the first of its profile: its lease (load) and record with the blob. */
static void
publish_first(struct etcd *e, size_t i)
{
	struct etcd_record r;
	const struct profile *p = mode == 0 ? &prof[profile_of(i)] : &wave[profile_of(i)];
	const char *b = mode == 0 ? blob[profile_of(i)] : wave_blob[profile_of(i)];
	char id[32], err[512];

	if (mode == 0 && etcd_lease_grant(e, ttl, &leases[i], NULL, err, sizeof(err)) == -1)
		fatalx("lease: %s", err);
	snprintf(id, sizeof(id), "host%06zu", i);
	etcd_record_from_profile(&r, p);
	r.collected_at = 1765000000;
	snprintf(r.hostname, sizeof(r.hostname), "%s.bench", id);
	if (etcd_record_publish(e, PREFIX, id, &r, b, strlen(b), leases[i], NULL, err,
	    sizeof(err)) == -1)
		fatalx("publish: %s", err);
	etcd_record_clear(&r);
}

static void *
worker(void *arg)
{
	struct part *pt = arg;
	struct etcd *e;
	char err[512];
	size_t h;
	uint64_t start = util_now_ns(), due;

	if ((e = etcd_new(&conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (phase == 1) {
		for (h = pt->from; h < pt->to; h++)
			publish_first(e, first[h]);
	} else if (mode == 0) {
		for (h = pt->from; h < pt->to; h++)
			if (leases[h] == 0 && etcd_lease_grant(e, ttl, &leases[h], NULL, err,
			    sizeof(err)) == -1)
				fatalx("lease: %s", err);
		write_records(e, pt->from, pt->to);
	} else if (mode == 1) {
		write_records(e, pt->from, pt->to);
	} else {
		for (h = pt->from; h < pt->to; h++) {
			/* Evenly over the period, as agents would. */
			due = start + (uint64_t)seconds * 1000000000ull * (h - pt->from) /
			    (pt->to - pt->from);
			while (util_now_ns() < due) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
			if (etcd_lease_keepalive(e, leases[h], NULL, err, sizeof(err)) == -1)
				fatalx("keepalive: %s", err);
		}
	}
	etcd_free(e);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct part pt[THREADS];
	pthread_t th[THREADS];
	struct timespec start;
	struct etcd *e;
	char err[512], *eps;
	size_t i, done[NPROFILES];
	double t0;
	FILE *f;
	int k;

	log_init("bench-etcd-agents", LOG_LEVEL_WARNING);
	mode = argc < 2 ? 0 : strcmp(argv[1], "load") == 0 ? 0 : strcmp(argv[1], "wave") == 0 ? 1 : 2;
	if (argc != 6 && !(argc == 7 && mode == 1))
		fatalx("usage: bench-etcd-agents load|wave|keepalive ENDPOINTS STATE N ARG [ROUND]");
	if (argc == 7 && (wave_round = (unsigned)atoi(argv[6])) == 0)
		fatalx("round %s: not a number from 1", argv[6]);
	eps = xstrdup(argv[2]);
	if (etcd_conf_endpoints(&conf, eps, err, sizeof(err)) == -1)
		fatalx("%s", err);
	conf.request_timeout_ms = 30000;
	nhosts = strtoul(argv[4], NULL, 10);
	leases = xcalloc(nhosts, sizeof(*leases));
	if (mode == 0)
		ttl = (unsigned)atoi(argv[5]);
	else if (mode == 1)
		every = 100 / (unsigned)atoi(argv[5]);
	else
		seconds = (unsigned)atoi(argv[5]);
	if (mode != 0) {
		if ((f = fopen(argv[3], "rb")) == NULL || fread(leases, sizeof(*leases), nhosts, f) != nhosts)
			fatal("%s", argv[3]);
		fclose(f);
	}
	if (mode != 2)
		load_profiles();
	if ((e = etcd_new(&conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	clock_gettime(CLOCK_REALTIME, &start);
	t0 = (double)util_now_ns() / 1e9;
	/* Each distinct profile's first host publishes it (record and blob), ... */
	memset(done, 0, sizeof(done));
	for (i = 0; mode != 2 && i < nhosts; i++) {
		if (done[profile_of(i)] || (mode == 1 && i % every != 0))
			continue;
		done[profile_of(i)] = 1;
		first[nfirst++] = i;
	}
	phase = 1;
	for (k = 0; mode != 2 && k < THREADS; k++) {
		pt[k].from = nfirst * (size_t)k / THREADS;
		pt[k].to = nfirst * (size_t)(k + 1) / THREADS;
		pthread_create(&th[k], NULL, worker, &pt[k]);
	}
	for (k = 0; mode != 2 && k < THREADS; k++)
		pthread_join(th[k], NULL);
	/* ... then every host writes its record, as agents do at once. */
	phase = 2;
	for (k = 0; k < THREADS; k++) {
		pt[k].from = nhosts * (size_t)k / THREADS;
		pt[k].to = nhosts * (size_t)(k + 1) / THREADS;
		pthread_create(&th[k], NULL, worker, &pt[k]);
	}
	for (k = 0; k < THREADS; k++)
		pthread_join(th[k], NULL);
	if (mode == 0) {
		if ((f = fopen(argv[3], "wb")) == NULL || fwrite(leases, sizeof(*leases), nhosts, f) != nhosts)
			fatal("%s", argv[3]);
		fclose(f);
	}
	printf("%s %zu hosts in %.1f s (from %lld%09ld ns)", argv[1], nhosts,
	    (double)util_now_ns() / 1e9 - t0, (long long)start.tv_sec, start.tv_nsec);
	printf("\n");
	/* The last host of each thread's share: written last by each. */
	for (k = 0; mode == 1 && k < THREADS; k++) {
		for (i = pt[k].to - 1; i > pt[k].from && i % every != 0; i--)
			;
		if (i % every == 0)
			printf("host%06zu %s\n", i, wave[profile_of(i)].hash);
	}
	etcd_free(e);
	return 0;
}
