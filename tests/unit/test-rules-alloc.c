/*
 * test-rules-alloc.c - a pairwise verdict allocates nothing and formats
 * nothing.  Linked with -Wl,--wrap for malloc, calloc, realloc and the
 * snprintf family, so that every such call made by libmigcompat.a is
 * counted.  Also reports the rate of checks on full profiles.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "profile.h"
#include "rules.h"
#include "tap.h"
#include "util.h"
#include "vmspec.h"

static unsigned long n_alloc, n_format;
static int counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
int __real_vsnprintf(char *s, size_t n, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
int __wrap_snprintf(char *s, size_t n, const char *fmt, ...);
int __wrap_vsnprintf(char *s, size_t n, const char *fmt, va_list ap);
int __wrap___snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...);
int __wrap___vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap);

void *
__wrap_malloc(size_t n)
{
	n_alloc += counting;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	n_alloc += counting;
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	n_alloc += counting;
	return __real_realloc(p, n);
}

int
__wrap_vsnprintf(char *s, size_t n, const char *fmt, va_list ap)
{
	n_format += counting;
	return __real_vsnprintf(s, n, fmt, ap);
}

int
__wrap_snprintf(char *s, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	n_format += counting;
	va_start(ap, fmt);
	r = __real_vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

int
__wrap___snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	(void)slen;
	n_format += counting;
	va_start(ap, fmt);
	r = __real_vsnprintf(s, n, fmt, ap);
	va_end(ap);
	return r;
}

int
__wrap___vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void)flag;
	(void)slen;
	n_format += counting;
	return __real_vsnprintf(s, n, fmt, ap);
}

/* A full Intel host profile: CPUID, capabilities, TSC, VMX, a measured eVMCS view. */
static struct profile *
full_host(void)
{
	struct profile *p = profile_new();
	struct profile_cpuid e;
	uint32_t i;

	util_strlcpy(p->cpu.vendor, "GenuineIntel", sizeof(p->cpu.vendor));
	util_strlcpy(p->kernel, "6.8.0-45-generic", sizeof(p->kernel));
	profile_layer_set(&p->cpuid, LAYER_MEASURED, "test");
	for (i = 0; i < 40; i++) {
		memset(&e, 0, sizeof(e));
		e.function = i < 24 ? i : 0x80000000u + (i - 24);
		e.eax = 0x12345678u * (i + 1);
		e.ebx = 0xfedcba98u ^ i;
		e.ecx = 0x7ffafbbfu;
		e.edx = 0xbfebfbffu;
		profile_add_cpuid(p, 0, &e);
	}
	profile_layer_set(&p->kvm, LAYER_MEASURED, "test");
	for (i = 1; i < 230; i++)
		profile_add_cap(p, 0, i, 1);
	profile_layer_set(&p->tsc, LAYER_MEASURED, "test");
	p->tsc_khz = 2592000;
	profile_layer_set(&p->vmx, LAYER_MEASURED, "test");
	vmx_msr_set(&p->vmx_raw, 0x480, 0xda040000000004ull);
	vmx_msr_set(&p->vmx_raw, 0x485, 0x7004c1e7ull);
	vmx_msr_set(&p->vmx_raw, 0x486, 0x80000021ull);
	vmx_msr_set(&p->vmx_raw, 0x488, 0x2000ull);
	vmx_msr_set(&p->vmx_raw, 0x48b, 0x5fbcff00000000ull);
	vmx_msr_set(&p->vmx_raw, 0x48c, 0xf0106734141ull);
	vmx_msr_set(&p->vmx_raw, 0x48d, 0x7f00000016ull);
	vmx_msr_set(&p->vmx_raw, 0x48e, 0xfff9fffe04006172ull);
	vmx_msr_set(&p->vmx_raw, 0x48f, 0x1ffffff00036dfbull);
	vmx_msr_set(&p->vmx_raw, 0x490, 0x3ffff000011fbull);
	vmx_msr_set(&p->vmx_raw, 0x491, 0x1ull);
	profile_layer_set(&p->evmcs_measured.layer, LAYER_MEASURED, "test");
	p->evmcs_measured.view[EVMCS_VIEW_EVMCS] = p->vmx_raw;
	p->evmcs_measured.views_present = 1u << EVMCS_VIEW_EVMCS;
	return p;
}

int
main(void)
{
	struct profile *s = full_host(), *d = full_host();
	struct vmspec vm[4];
	unsigned long i, n = 2000000, bad = 0;
	struct timespec t0, t1;
	double secs;
	int sc;

	for (sc = 0; sc < 4; sc++)
		vmspec_init(&vm[sc], (enum vmspec_scenario)sc);

	/* Unprepared profiles: derived on the stack. */
	n_alloc = n_format = 0;
	counting = 1;
	for (sc = 0; sc < 4; sc++)
		bad += rules_verdict_of(s, d, &vm[sc], RULES_POLICY_STRICT) != RULES_COMPATIBLE;
	bad += rules_verdict_of(NULL, d, NULL, RULES_POLICY_STRICT) != RULES_COMPATIBLE;
	counting = 0;
	tap_ok(bad == 0, "full identical profiles are compatible in every scenario");
	tap_ok(n_alloc == 0 && n_format == 0,
	    "unprepared passing checks: %lu allocations, %lu formatting calls", n_alloc, n_format);

	rules_prepare(s);
	rules_prepare(d);
	counting = 1;
	for (sc = 0; sc < 4; sc++)
		bad += rules_verdict_of(s, d, &vm[sc], RULES_POLICY_EFFECTIVE) != RULES_COMPATIBLE;
	counting = 0;
	tap_ok(bad == 0 && n_alloc == 0 && n_format == 0,
	    "prepared passing checks: %lu allocations, %lu formatting calls", n_alloc, n_format);

	/* A failing pair does not format either: explanations belong to rules_check_json. */
	vmx_msr_set(&d->vmx_raw, 0x48b, 0);
	rules_prepare(d);
	counting = 1;
	bad = rules_verdict_of(s, d, NULL, RULES_POLICY_STRICT) != RULES_INCOMPATIBLE;
	counting = 0;
	tap_ok(bad == 0 && n_alloc == 0 && n_format == 0,
	    "failing verdict: incompatible, %lu allocations, %lu formatting calls", n_alloc, n_format);
	/* The counting works: the full answer does allocate and format. */
	counting = 1;
	json_object_put(rules_check_json(s, d, NULL, RULES_POLICY_STRICT));
	counting = 0;
	tap_ok(n_alloc > 0 && n_format > 0, "rules_check_json is seen allocating and formatting (%lu, %lu)",
	    n_alloc, n_format);

	/* Rate on prepared full profiles (reported, not asserted: it depends on the machine). */
	vmx_msr_set(&d->vmx_raw, 0x48b, vmx_msr_get(&s->vmx_raw, 0x48b));
	rules_prepare(d);
	if (getenv("MIGCOMPAT_BENCH_CHECKS") != NULL)
		n = strtoul(getenv("MIGCOMPAT_BENCH_CHECKS"), NULL, 10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		bad += rules_verdict_of(s, d, &vm[VMSPEC_EVMCS], RULES_POLICY_STRICT) != RULES_COMPATIBLE;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	tap_ok(bad == 0, "%lu passing eVMCS checks on full prepared profiles", n);
	tap_diag("%.0f checks/s on one core (%.1f ns each)", secs > 0 ? (double)n / secs : 0.0,
	    n > 0 ? secs * 1e9 / (double)n : 0.0);
	profile_free(s);
	profile_free(d);
	return tap_done();
}
