/*
 * fleet_groups.c - the partial order of the classes (fleet_groups):
 * computed on up to FLEET_MAX_THREADS threads without the index's lock,
 * then swapped in and kept until the partition changes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <json-c/json.h>

#include "fleet.h"
#include "fleet_priv.h"
#include "jbuf.h"
#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

/* The nice value of the threads computing the order. */
#define FLEET_GROUPS_NICE	10

struct fleet_work {
	const struct profile *const *prof;	/* by class number */
	size_t n;
	unsigned char *verdict;
	enum rules_policy policy;
	size_t first, step;
};

static void *
fleet_groups_worker(void *arg)
{
	struct fleet_work *w = arg;
	struct vmspec vm;
	size_t sc, i, j, n = w->n;

	for (sc = 0; sc < FLEET_NSCENARIOS; sc++) {
		vmspec_init(&vm, (enum vmspec_scenario)sc);
		for (i = w->first; i < n; i += w->step) {
			unsigned char *row = w->verdict + (sc * n + i) * n;

			for (j = 0; j < n; j++)
				row[j] = (unsigned char)rules_verdict_of(w->prof[i], w->prof[j], &vm,
				    w->policy);
		}
	}
	return NULL;
}

/*
 * A worker thread: the order is a bulk computation (~100 ms on 366
 * classes), so it yields the CPUs to the threads answering single
 * questions, the hook's first.  Linux nices threads one by one; failing to
 * is harmless.
 */
static void *
fleet_groups_thread(void *arg)
{
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), FLEET_GROUPS_NICE);
	return fleet_groups_worker(arg);
}

/*
 * What the class order sorts on, copied per class: qsort takes no context,
 * and a what-if computes the order of another fleet at the same time.
 */
struct fleet_groups_key {
	size_t n;		/* hosts */
	const char *hash;
	size_t slot;
};

static int
fleet_groups_key_cmp(const void *a, const void *b)
{
	const struct fleet_groups_key *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->hash, y->hash);
}

/* The verdicts of every class pair for every scenario, on every CPU. */
static void
fleet_groups_compute(const struct profile *const *prof, size_t n, unsigned char *verdict,
    enum rules_policy policy)
{
	struct fleet_work work[FLEET_MAX_THREADS];
	pthread_t tid[FLEET_MAX_THREADS];
	size_t t, nthreads;
	long ncpu;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nthreads = ncpu < 1 ? 1 : ncpu > FLEET_MAX_THREADS ? FLEET_MAX_THREADS : (size_t)ncpu;
	if (nthreads > n)
		nthreads = n > 0 ? n : 1;
	for (t = 0; t < nthreads; t++) {
		work[t].prof = prof;
		work[t].n = n;
		work[t].verdict = verdict;
		work[t].policy = policy;
		work[t].first = t;
		work[t].step = nthreads;
	}
	/* Every share on a worker of lower priority; the caller waits. */
	for (t = 0; t < nthreads; t++) {
		if (pthread_create(&tid[t], NULL, fleet_groups_thread, &work[t]) != 0) {
			/* Do that share here instead. */
			fleet_groups_worker(&work[t]);
			tid[t] = 0;
		}
	}
	for (t = 0; t < nthreads; t++)
		if (tid[t] != 0)
			pthread_join(tid[t], NULL);
}

/*
 * Compute the order for policy if the partition changed.  Called with the
 * lock held and returns with it held, but drops it while the rules engine
 * runs: readers (targets, host look-ups) never wait for a first groups
 * computation.  Class profiles dropped meanwhile are kept alive (retired)
 * until it ends; the order is taken only if the partition did not change,
 * else computed again (under the lock after a few tries).
 */
struct fleet_order *
fleet_groups_order(struct fleet *f, enum rules_policy policy)
{
	struct fleet_order *o = &f->order[policy == RULES_POLICY_EFFECTIVE ? 1 : 0];
	const struct profile **prof;
	struct fleet_groups_key *key;
	unsigned char *verdict;
	size_t s, n, i, *slot;
	uint64_t gen;
	int tries;

	for (tries = 0; o->generation != f->generation; tries++) {
		slot = xcalloc(f->n_classes ? f->n_classes : 1, sizeof(*slot));
		key = xcalloc(f->n_classes ? f->n_classes : 1, sizeof(*key));
		for (s = n = 0; s < f->n_slots; s++) {
			if (f->classes[s].p == NULL)
				continue;
			key[n].n = f->classes[s].n;
			key[n].hash = f->classes[s].p->hash;
			key[n++].slot = s;
		}
		qsort(key, n, sizeof(*key), fleet_groups_key_cmp);
		for (i = 0; i < n; i++)
			slot[i] = key[i].slot;
		free(key);
		prof = xcalloc(n ? n : 1, sizeof(*prof));
		for (i = 0; i < n; i++)
			prof[i] = f->classes[slot[i]].p;
		verdict = xcalloc(FLEET_NSCENARIOS * n * n + 1, 1);
		gen = f->generation;
		if (tries < 3) {
			f->computing++;
			pthread_mutex_unlock(&f->lock);
			fleet_groups_compute(prof, n, verdict, policy);
			pthread_mutex_lock(&f->lock);
			if (--f->computing == 0) {
				for (i = 0; i < f->n_retired; i++)
					profile_free(f->retired[i]);
				f->n_retired = 0;
			}
		} else {
			fleet_groups_compute(prof, n, verdict, policy);
		}
		free(prof);
		if (gen != f->generation) {
			/* The partition changed meanwhile: the slots may be stale. */
			free(slot);
			free(verdict);
			continue;
		}
		free(o->slot);
		free(o->verdict);
		free(o->text[0]);
		free(o->text[1]);
		o->text[0] = o->text[1] = NULL;
		o->slot = slot;
		o->verdict = verdict;
		o->n = n;
		o->generation = gen;
	}
	return o;
}

/* The comma-separated classes j != i whose verdict in row is want. */
static void
fleet_groups_row(struct jbuf *out, const unsigned char *row, size_t n, size_t i, unsigned char want)
{
	size_t j;
	int first = 1;

	for (j = 0; j < n; j++) {
		if (j == i || row[j] != want)
			continue;
		jbuf_printf(out, first ? "%zu" : ",%zu", j);
		first = 0;
	}
}

char *
fleet_groups(struct fleet *f, enum rules_policy policy, int with_hosts, size_t *len)
{
	struct fleet_order *o;
	struct jbuf out;
	size_t i, k, sc, n;
	char *text;

	/* One computation at a time; the fleet's lock is dropped while it runs. */
	pthread_mutex_lock(&f->order_mu);
	pthread_mutex_lock(&f->lock);
	o = fleet_groups_order(f, policy);
	n = o->n;
	with_hosts = with_hosts != 0;
	/* Written before for this partition, a copy is all it takes. */
	if (o->text[with_hosts] == NULL) {
		jbuf_init(&out);
		jbuf_printf(&out, "{\"generation\":%" PRIu64 ",\"policy\":\"%s\",\"hosts\":%zu,"
		    "\"n_classes\":%zu,\"classes\":[", f->generation, rules_policy_name(policy), f->n_hosts, n);
		for (i = 0; i < n; i++) {
			const struct fleet_class *c = &f->classes[o->slot[i]];

			jbuf_printf(&out, "%s{\"class\":%zu,\"hash\":", i > 0 ? "," : "", i);
			jbuf_str(&out, c->p->hash);
			jbuf_puts(&out, ",\"cpu\":");
			jbuf_str(&out, c->p->cpu.model_name);
			jbuf_puts(&out, ",\"kernel\":");
			jbuf_str(&out, c->p->kernel);
			jbuf_printf(&out, ",\"hosts\":%zu", c->n);
			if (with_hosts) {
				jbuf_puts(&out, ",\"host_ids\":[");
				for (k = 0; k < c->n; k++) {
					if (k > 0)
						jbuf_add(&out, ",", 1);
					jbuf_str(&out, f->hosts[c->hosts[k]].id);
				}
				jbuf_puts(&out, "]");
			}
			jbuf_puts(&out, "}");
		}
		jbuf_puts(&out, "],\"order\":{");
		for (sc = 0; sc < FLEET_NSCENARIOS; sc++) {
			jbuf_printf(&out, "%s\"%s\":[", sc > 0 ? "," : "",
			    vmspec_scenario_name((enum vmspec_scenario)sc));
			for (i = 0; i < n; i++) {
				const unsigned char *row = o->verdict + (sc * n + i) * n;

				jbuf_printf(&out, "%s{\"class\":%zu,\"to\":[", i > 0 ? "," : "", i);
				fleet_groups_row(&out, row, n, i, RULES_COMPATIBLE);
				jbuf_puts(&out, "],\"unknown\":[");
				fleet_groups_row(&out, row, n, i, RULES_UNKNOWN);
				jbuf_puts(&out, "]}");
			}
			jbuf_puts(&out, "]");
		}
		jbuf_puts(&out, "}}");
		o->text[with_hosts] = jbuf_steal(&out, &o->len[with_hosts]);
	}
	text = xmalloc(o->len[with_hosts] + 1);
	memcpy(text, o->text[with_hosts], o->len[with_hosts] + 1);
	if (len != NULL)
		*len = o->len[with_hosts];
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_unlock(&f->order_mu);
	return text;
}
