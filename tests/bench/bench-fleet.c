/*
 * bench-fleet.c - the fleet benchmark: a synthetic fleet of full host
 * profiles (fixture dumps x kernel releases x CPUID/KVM variations),
 * in-process pairwise checks, targets, groups and baseline on it, the
 * import of the fleet into a running migcompatd over HTTP, and
 * virConnectCompareHypervisorCPU in a loop for comparison.
 *
 *   bench-fleet inproc [HOSTS]
 *   bench-fleet import URL TOKEN_FILE [HOSTS]
 *   bench-fleet hostid N            print the id of host N
 *   bench-fleet libvirt URI CPU_XML SECONDS
 *
 * Everything is deterministic (seeded PRNG); results go to stdout as
 * "name value unit" lines that run.sh collects.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#ifdef HAVE_LIBVIRT
#include <libvirt/libvirt.h>
#endif

#include "baseline.h"
#include "fleet.h"
#include "jbuf.h"
#include "log.h"
#include "profile.h"
#include "rules.h"
#include "synth.h"
#include "util.h"
#include "vmspec.h"
#include "xmalloc.h"

#define BENCH_KERNELS	3
#define BENCH_VARIANTS	2

struct bench_fleet {
	struct profile **cls;		/* class profiles */
	size_t ncls;
	size_t *host_cls;		/* class of each host */
	size_t nhosts;
};

static double
bench_sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void
bench_build(struct bench_fleet *bf, size_t nhosts)
{
	const char *dir = getenv("MIGCOMPAT_FIXTURES");
	struct profile **dumps;
	uint64_t seed = 0xbe4c4;
	int nd, d, k, v;
	size_t i;

	if (dir == NULL)
		dir = FIXTURES_DIR;
	if ((nd = synth_load_dumps(dir, &dumps)) <= 0)
		fatalx("no fixture dumps under %s (set MIGCOMPAT_FIXTURES)", dir);
	bf->ncls = (size_t)nd * BENCH_KERNELS * BENCH_VARIANTS;
	bf->cls = xcalloc(bf->ncls, sizeof(*bf->cls));
	i = 0;
	for (d = 0; d < nd; d++)
		for (k = 0; k < BENCH_KERNELS; k++)
			for (v = 0; v < BENCH_VARIANTS; v++) {
				bf->cls[i] = profile_new();
				synth_build(bf->cls[i], dumps[d], synth_kernels[k], v);
				i++;
			}
	synth_free_dumps(dumps, nd);
	bf->nhosts = nhosts;
	bf->host_cls = xcalloc(nhosts, sizeof(*bf->host_cls));
	for (i = 0; i < nhosts; i++)
		bf->host_cls[i] = synth_rand(&seed) % bf->ncls;
	printf("fleet_hosts %zu hosts\nfleet_classes %zu classes (%d CPUs x %d kernels x %d variations)\n",
	    nhosts, bf->ncls, nd, BENCH_KERNELS, BENCH_VARIANTS);
}

static void
bench_hostid(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "host-%06zu", i);
}

/* CPU time of the process (every thread), in nanoseconds. */
static uint64_t
bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
bench_u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Checks per second of rules_verdict_of over the given pairs for about a second. */
static double
bench_rate(struct profile **cls, const size_t *pairs, size_t npairs, const struct vmspec *vm,
    enum rules_policy policy, int *all_ok)
{
	uint64_t t0 = util_now_ns(), n = 0, dt;
	size_t i;
	int bad = 0;

	do {
		for (i = 0; i < npairs; i++)
			bad |= rules_verdict_of(cls[pairs[2 * i]], cls[pairs[2 * i + 1]], vm, policy) !=
			    RULES_COMPATIBLE;
		n += npairs;
		dt = util_now_ns() - t0;
	} while (dt < 1000000000ull);
	*all_ok = !bad;
	return (double)n / bench_sec(dt);
}

/*
 * The same profiles with their VMX layer the hardware's and kernel 6.12:
 * prepared, the KVM model is applied once per profile, so the checks run
 * as fast as on KVM's values.  The profiles are restored afterwards.
 */
static void
bench_pairwise_hw(struct bench_fleet *bf, size_t *pairs)
{
	enum profile_vmx_source *src = xcalloc(bf->ncls ? bf->ncls : 1, sizeof(*src));
	char (*kernel)[128] = xcalloc(bf->ncls ? bf->ncls : 1, sizeof(*kernel));
	struct vmspec vm;
	size_t i, j, np = 0;
	uint64_t t0;
	double r;
	int ok;

	t0 = util_now_ns();
	for (i = 0; i < bf->ncls; i++) {
		src[i] = bf->cls[i]->vmx_source;
		memcpy(kernel[i], bf->cls[i]->kernel, sizeof(kernel[i]));
		bf->cls[i]->vmx_source = PROFILE_VMX_SRC_HARDWARE;
		util_strlcpy(bf->cls[i]->kernel, "6.12.0", sizeof(bf->cls[i]->kernel));
		rules_prepare(bf->cls[i]);
	}
	printf("prepare_hardware_6.12 %.1f us/profile (%zu profiles, the KVM model applied)\n",
	    (double)(util_now_ns() - t0) / 1000.0 / (double)(bf->ncls ? bf->ncls : 1), bf->ncls);
	vmspec_init(&vm, VMSPEC_NESTED);
	for (i = 0; i < bf->ncls; i++)
		for (j = 0; j < bf->ncls; j++)
			if (rules_verdict_of(bf->cls[i], bf->cls[j], &vm, RULES_POLICY_STRICT) == RULES_COMPATIBLE) {
				pairs[2 * np] = i;
				pairs[2 * np + 1] = j;
				np++;
			}
	r = bench_rate(bf->cls, pairs, np, &vm, RULES_POLICY_STRICT, &ok);
	printf("pairwise_nested_prepared_hardware %.0f checks/s (%zu passing pairs of %zu%s)\n", r, np,
	    bf->ncls * bf->ncls, ok ? "" : ", VERDICT CHANGED");
	for (i = 0; i < bf->ncls; i++) {
		bf->cls[i]->vmx_source = src[i];
		memcpy(bf->cls[i]->kernel, kernel[i], sizeof(kernel[i]));
		rules_prepare(bf->cls[i]);
	}
	free(kernel);
	free(src);
}

static void
bench_pairwise(struct bench_fleet *bf)
{
	static const enum vmspec_scenario scs[] = { VMSPEC_NESTED, VMSPEC_EVMCS, VMSPEC_PLAIN };
	struct vmspec vm;
	size_t *pairs, np, i, j, s;
	double r;
	int ok, prep;

	pairs = xcalloc(2 * bf->ncls * bf->ncls, sizeof(*pairs));
	for (prep = 0; prep < 2; prep++) {
		if (prep)
			for (i = 0; i < bf->ncls; i++)
				rules_prepare(bf->cls[i]);
		for (s = 0; s < sizeof(scs) / sizeof(scs[0]); s++) {
			vmspec_init(&vm, scs[s]);
			np = 0;
			for (i = 0; i < bf->ncls; i++)
				for (j = 0; j < bf->ncls; j++)
					if (rules_verdict_of(bf->cls[i], bf->cls[j], &vm, RULES_POLICY_STRICT) ==
					    RULES_COMPATIBLE) {
						pairs[2 * np] = i;
						pairs[2 * np + 1] = j;
						np++;
					}
			r = bench_rate(bf->cls, pairs, np, &vm, RULES_POLICY_STRICT, &ok);
			printf("pairwise_%s_%s %.0f checks/s (%zu passing pairs of %zu%s)\n",
			    vmspec_scenario_name(scs[s]), prep ? "prepared" : "unprepared", r, np,
			    bf->ncls * bf->ncls, ok ? "" : ", VERDICT CHANGED");
		}
	}
	/* Failing pairs (the fast path stops at the first blocking rule). */
	vmspec_init(&vm, VMSPEC_NESTED);
	np = 0;
	for (i = 0; i < bf->ncls; i++)
		for (j = 0; j < bf->ncls; j++)
			if (rules_verdict_of(bf->cls[i], bf->cls[j], &vm, RULES_POLICY_STRICT) != RULES_COMPATIBLE) {
				pairs[2 * np] = i;
				pairs[2 * np + 1] = j;
				np++;
			}
	{
		uint64_t t0 = util_now_ns(), n = 0;

		do {
			for (i = 0; i < np; i++)
				(void)rules_verdict_of(bf->cls[pairs[2 * i]], bf->cls[pairs[2 * i + 1]], &vm,
				    RULES_POLICY_STRICT);
			n += np;
		} while (util_now_ns() - t0 < 1000000000ull);
		printf("pairwise_nested_failing_prepared %.0f checks/s (%zu failing pairs)\n",
		    (double)n / bench_sec(util_now_ns() - t0), np);
	}
	bench_pairwise_hw(bf, pairs);
	free(pairs);
}

static void
bench_inproc(struct bench_fleet *bf)
{
	struct fleet *f = fleet_new();
	uint64_t t0, c0, *lat, *cpu, seed = 0x7a59e75;
	char id[32], err[512], *text;
	struct vmspec vm;
	size_t i, len = 0, q, nq = 41;

	if (getenv("BENCH_SKIP_PAIRWISE") == NULL)
		bench_pairwise(bf);

	t0 = util_now_ns();
	for (i = 0; i < bf->nhosts; i++) {
		bench_hostid(i, id, sizeof(id));
		if (fleet_set_host(f, id, bf->cls[bf->host_cls[i]], err, sizeof(err)) == -1)
			fatalx("%s", err);
	}
	printf("fleet_index_build %.3f s (%zu hosts, %zu classes)\n", bench_sec(util_now_ns() - t0),
	    fleet_host_count(f), fleet_class_count(f));

	lat = xcalloc(nq, sizeof(*lat));
	cpu = xcalloc(nq, sizeof(*cpu));
	vmspec_init(&vm, VMSPEC_NESTED);
	for (q = 0; q < nq; q++) {
		bench_hostid(synth_rand(&seed) % bf->nhosts, id, sizeof(id));
		t0 = util_now_ns();
		c0 = bench_cpu_ns();
		text = fleet_targets(f, id, &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
		lat[q] = util_now_ns() - t0;
		cpu[q] = bench_cpu_ns() - c0;
		if (text == NULL)
			fatalx("%s", err);
		if (q == 0) {
			struct json_object *o = json_tokener_parse(text), *v;

			json_object_object_get_ex(o, "n_targets", &v);
			printf("targets_sample %s targets, %zu bytes of JSON\n", json_object_get_string(v), len);
			json_object_put(o);
		}
		free(text);
	}
	qsort(lat, nq, sizeof(*lat), bench_u64cmp);
	qsort(cpu, nq, sizeof(*cpu), bench_u64cmp);
	printf("targets_p50 %.2f ms\ntargets_p90 %.2f ms\ntargets_max %.2f ms\n",
	    lat[nq / 2] / 1e6, lat[nq * 9 / 10] / 1e6, lat[nq - 1] / 1e6);
	printf("targets_cpu_p50 %.2f ms (CPU time: what the query costs without waiting for a CPU)\n",
	    cpu[nq / 2] / 1e6);
	/* The same questions again: answered from the per-class cache of the fleet index. */
	seed = 0x7a59e75;
	for (q = 0; q < nq; q++) {
		bench_hostid(synth_rand(&seed) % bf->nhosts, id, sizeof(id));
		t0 = util_now_ns();
		c0 = bench_cpu_ns();
		text = fleet_targets(f, id, &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
		lat[q] = util_now_ns() - t0;
		cpu[q] = bench_cpu_ns() - c0;
		free(text);
	}
	qsort(lat, nq, sizeof(*lat), bench_u64cmp);
	qsort(cpu, nq, sizeof(*cpu), bench_u64cmp);
	printf("targets_repeat_p50 %.2f ms, CPU %.2f ms (the same %zu questions again, cached per "
	    "source class)\n", lat[nq / 2] / 1e6, cpu[nq / 2] / 1e6, nq);

	/* A targets query with a JSON VM spec (one vmx-* feature pinned). */
	vmspec_init(&vm, VMSPEC_EVMCS);
	t0 = util_now_ns();
	text = fleet_targets(f, "host-000001", &vm, RULES_POLICY_STRICT, &len, err, sizeof(err));
	printf("targets_evmcs %.2f ms\n", (util_now_ns() - t0) / 1e6);
	free(text);

	t0 = util_now_ns();
	c0 = bench_cpu_ns();
	text = fleet_groups(f, RULES_POLICY_STRICT, 1, &len);
	printf("groups_first %.1f ms, CPU %.1f ms on all threads (order computed for 4 scenarios, "
	    "%zu bytes with host ids)\n", (util_now_ns() - t0) / 1e6, (bench_cpu_ns() - c0) / 1e6, len);
	free(text);
	t0 = util_now_ns();
	text = fleet_groups(f, RULES_POLICY_STRICT, 1, &len);
	printf("groups_cached %.1f ms\n", (util_now_ns() - t0) / 1e6);
	free(text);
	t0 = util_now_ns();
	text = fleet_groups(f, RULES_POLICY_STRICT, 0, &len);
	printf("groups_cached_no_hosts %.1f ms (%zu bytes)\n", (util_now_ns() - t0) / 1e6, len);
	free(text);

	/* Baseline of the first 1000 hosts of the most common VMCS revision. */
	{
		const struct profile **hp = xcalloc(1000, sizeof(*hp));
		uint64_t rev = vmx_msr_get(&bf->cls[bf->host_cls[0]]->vmx_raw, MSR_VMX_BASIC) & 0x7fffffff;
		struct json_object *o, *c, *v;
		size_t n = 0;

		for (i = 0; i < bf->nhosts && n < 1000; i++) {
			const struct profile *p = bf->cls[bf->host_cls[i]];

			if ((vmx_msr_get(&p->vmx_raw, MSR_VMX_BASIC) & 0x7fffffff) == rev && p->tsc_scaling)
				hp[n++] = p;
		}
		t0 = util_now_ns();
		o = baseline_json(hp, NULL, n, VMSPEC_NESTED, RULES_POLICY_STRICT, err, sizeof(err));
		printf("baseline_%zu_hosts %.1f ms", n, (util_now_ns() - t0) / 1e6);
		if (o != NULL && json_object_object_get_ex(o, "check", &c) &&
		    json_object_object_get_ex(c, "compatible", &v))
			printf(" (compatible with %s of them)\n", json_object_get_string(v));
		else
			printf(" (%s)\n", err);
		json_object_put(o);
		free(hp);
	}
	free(lat);
	free(cpu);
	fleet_free(f);
}

static size_t
bench_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* One request of the import; returns the HTTP status, 0 if none came. */
static long
bench_send(CURL *c, const char *method, const char *url, const char *body, size_t len)
{
	long code = 0;

	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		return 0;
	return code;
}

/*
 * The import as "migcompat import" does it: POST /v1/hosts in batches of
 * at most 768 KiB, over one keep-alive connection.  Then 1000 single
 * PUT /v1/hosts/ID of hosts already stored (what each agent does after a
 * collection): the per-upload cost with one disk flush each.
 */
static void
bench_import(struct bench_fleet *bf, const char *url, const char *token_file)
{
	char **body = xcalloc(bf->ncls, sizeof(*body)), *tok, id[32], full[512], auth[512];
	struct curl_slist *hdr = NULL;
	struct jbuf b;
	uint64_t t0, t, fails = 0, batches = 0, nput;
	size_t i, len, inbatch = 0;
	long code;
	CURL *c;

	if ((tok = util_read_file(token_file, 4096, &len)) == NULL)
		fatal("%s", token_file);
	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
		tok[--len] = '\0';
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	free(tok);
	for (i = 0; i < bf->ncls; i++)
		body[i] = profile_to_string(bf->cls[i], 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bench_discard);
	snprintf(full, sizeof(full), "%s/v1/hosts", url);
	jbuf_init(&b);
	t0 = util_now_ns();
	for (i = 0; i < bf->nhosts; i++) {
		const char *pb = body[bf->host_cls[i]];

		len = strlen(pb);
		if (inbatch > 0 && b.len + len + 64 > 768 * 1024) {
			jbuf_puts(&b, "]}");
			code = bench_send(c, "POST", full, b.s, b.len);
			if (code != 200)
				fails += inbatch;
			batches++;
			jbuf_free(&b);
			jbuf_init(&b);
			inbatch = 0;
		}
		jbuf_puts(&b, inbatch == 0 ? "{\"hosts\":[" : ",");
		bench_hostid(i, id, sizeof(id));
		jbuf_printf(&b, "{\"id\":\"%s\",\"profile\":", id);
		jbuf_add(&b, pb, len);
		jbuf_puts(&b, "}");
		inbatch++;
	}
	if (inbatch > 0) {
		jbuf_puts(&b, "]}");
		if (bench_send(c, "POST", full, b.s, b.len) != 200)
			fails += inbatch;
		batches++;
	}
	jbuf_free(&b);
	t = util_now_ns() - t0;
	printf("import %.1f s (%zu hosts in %" PRIu64 " POST /v1/hosts batches of <= 768 KiB over one "
	    "keep-alive connection, %" PRIu64 " hosts failed)\n", bench_sec(t), bf->nhosts, batches, fails);
	nput = bf->nhosts < 1000 ? bf->nhosts : 1000;
	fails = 0;
	t0 = util_now_ns();
	for (i = 0; i < nput; i++) {
		bench_hostid(i, id, sizeof(id));
		snprintf(full, sizeof(full), "%s/v1/hosts/%s", url, id);
		code = bench_send(c, "PUT", full, body[bf->host_cls[i]], strlen(body[bf->host_cls[i]]));
		if (code != 200 && code != 201)
			fails++;
	}
	t = util_now_ns() - t0;
	printf("upload_put %.2f ms per PUT /v1/hosts/ID (%" PRIu64 " uploads of stored hosts, one "
	    "transaction each, %" PRIu64 " failed)\n", bench_sec(t) * 1000.0 / (double)nput, nput, fails);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	for (i = 0; i < bf->ncls; i++)
		free(body[i]);
	free(body);
}

static void
bench_libvirt(const char *uri, const char *xml_file, const char *seconds)
{
#ifdef HAVE_LIBVIRT
	virConnectPtr conn;
	uint64_t t0, n = 0, dur;
	char *xml;
	int r = 0;

	if ((xml = util_read_file(xml_file, 1 << 20, NULL)) == NULL)
		fatal("%s", xml_file);
	if ((conn = virConnectOpen(uri)) == NULL)
		fatalx("cannot connect to %s", uri);
	dur = (uint64_t)(atof(seconds) * 1e9);
	t0 = util_now_ns();
	do {
		r = virConnectCompareHypervisorCPU(conn, NULL, NULL, NULL, NULL, xml, 0);
		n++;
	} while (util_now_ns() - t0 < dur);
	printf("libvirt_compare_hypervisor_cpu %.1f us/call (%" PRIu64 " calls, result %d)\n",
	    bench_sec(util_now_ns() - t0) * 1e6 / (double)n, n, r);
	virConnectClose(conn);
	free(xml);
#else
	(void)uri;
	(void)xml_file;
	(void)seconds;
	printf("libvirt_compare_hypervisor_cpu - (built without libvirt)\n");
#endif
}

int
main(int argc, char **argv)
{
	struct bench_fleet bf;
	size_t hosts = 100000;

	log_init("bench-fleet", LOG_LEVEL_WARNING);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "inproc") == 0) {
		if (argc >= 3)
			hosts = strtoul(argv[2], NULL, 10);
		bench_build(&bf, hosts);
		bench_inproc(&bf);
	} else if (argc >= 4 && strcmp(argv[1], "import") == 0) {
		if (argc >= 5)
			hosts = strtoul(argv[4], NULL, 10);
		bench_build(&bf, hosts);
		bench_import(&bf, argv[2], argv[3]);
	} else if (argc == 3 && strcmp(argv[1], "hostid") == 0) {
		char id[32];

		bench_hostid(strtoul(argv[2], NULL, 10), id, sizeof(id));
		printf("%s\n", id);
	} else if (argc == 5 && strcmp(argv[1], "libvirt") == 0) {
		bench_libvirt(argv[2], argv[3], argv[4]);
	} else {
		fprintf(stderr, "usage: bench-fleet inproc [HOSTS] | import URL TOKEN_FILE [HOSTS] | "
		    "hostid N | libvirt URI CPU_XML SECONDS\n");
		return 2;
	}
	return 0;
}
