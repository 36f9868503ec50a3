/*
 * aida64.c - AIDA64 CPUID+MSR text dumps converted to host profiles.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aida64.h"
#include "util.h"
#include "xmalloc.h"

#define AIDA64_LINE_MAX		512
#define AIDA64_MSR_MICROCODE	0x8bu
/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
#define AIDA64_FLAG_INDEXED	1u

/* The MSRs of KVM's feature-MSR list that AIDA64 dumps. */
static const uint32_t aida64_feat_idx[] = { 0x10au, 0x345u, 0xc0011029u };
#define AIDA64_NFEAT	(sizeof(aida64_feat_idx) / sizeof(aida64_feat_idx[0]))

/* Leaves KVM reports with KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
static const uint32_t aida64_indexed[] = {
	0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24,
	0x8000001du, 0x80000020u, 0x80000026u,
};

/* Standard (non-compacted) XSAVE components: subleaf, size, offset. */
static const struct {
	uint32_t subleaf, size, offset;
} aida64_xsave[] = {
	{ 2, 0x100, 0x240 }, { 3, 0x40, 0x3c0 }, { 4, 0x40, 0x400 }, { 5, 0x40, 0x440 },
	{ 6, 0x200, 0x480 }, { 7, 0x400, 0x680 }, { 9, 0x8, 0xa80 },
};

enum aida64_ctx {
	AIDA64_CTX_NONE = 0,	/* a section of no interest */
	AIDA64_CTX_CPUID,
	AIDA64_CTX_MSR,
};

enum aida64_val {
	AIDA64_VAL_NONE = 0,	/* not dumped */
	AIDA64_VAL_SET,
	AIDA64_VAL_FAILED,	/* "< FAILED >" */
};

/* One logical CPU's MSR section. */
struct aida64_cpu {
	uint32_t cpu;
	struct vmx_msrs vmx;
};

struct aida64_state {
	size_t line;
	enum aida64_ctx ctx;
	int implicit;			/* CPUID lines without a section header */
	int in_cpu0;			/* CPUID lines belong to logical CPU #0 */
	struct profile_cpuid *ent;	/* logical CPU #0's leaves */
	size_t n_ent;
	size_t n_inferred;		/* subleaves taken from the order */
	size_t n_dropped;		/* untagged 0xD subleaves not identified */
	struct aida64_cpu *cpus;	/* MSR sections */
	size_t n_cpus, cur;
	int per_cpu;			/* "MSR Registers / Logical CPU #n" seen */
	/* Logical CPU #0's MSRs outside the VMX range. */
	enum aida64_val microcode_st;
	uint64_t microcode;
	enum aida64_val feat_st[AIDA64_NFEAT];
	uint64_t feat[AIDA64_NFEAT];
};

static int
aida64_err(struct aida64_state *s, char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
aida64_err(struct aida64_state *s, char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (s != NULL && s->line > 0)
		n = snprintf(err, errsize, "line %zu: ", s->line);
	if (n < 0 || (size_t)n >= errsize)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
aida64_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly n hex digits at s into *v.  Returns 0 or -1. */
static int
aida64_hex(const char *s, size_t n, uint64_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((d = aida64_hexdigit(s[i])) < 0)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return 0;
}

/* A decimal number of at most max at s; *end is set past it.  Returns 0 or -1. */
static int
aida64_dec(const char *s, uint32_t max, uint32_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return -1;
		p++;
	}
	if (p == s)
		return -1;
	*v = (uint32_t)x;
	*end = p;
	return 0;
}

static int
aida64_is_indexed(uint32_t fn)
{
	size_t i;

	for (i = 0; i < sizeof(aida64_indexed) / sizeof(aida64_indexed[0]); i++)
		if (aida64_indexed[i] == fn)
			return 1;
	return 0;
}

/* The index of CPU cpu's MSR section, added when new; -1 past the limit. */
static int
aida64_msr_cpu(struct aida64_state *s, uint32_t cpu)
{
	size_t i;

	for (i = 0; i < s->n_cpus; i++)
		if (s->cpus[i].cpu == cpu) {
			s->cur = i;
			return 0;
		}
	if (s->n_cpus > AIDA64_MAX_CPU)
		return -1;
	s->cpus = xreallocarray(s->cpus, s->n_cpus + 1, sizeof(*s->cpus));
	memset(&s->cpus[s->n_cpus], 0, sizeof(s->cpus[0]));
	s->cpus[s->n_cpus].cpu = cpu;
	s->cur = s->n_cpus++;
	return 0;
}

/* "------[ TITLE ]------": switch sections. */
static int
aida64_header(struct aida64_state *s, const char *title, char *err, size_t errsize)
{
	static const char lcpu[] = "Logical CPU #", cpuid[] = "CPUID Registers / ";
	static const char msr[] = "MSR Registers", msr_cpu[] = "MSR Registers / Logical CPU #";
	const char *end;
	uint32_t n;

	if (strncmp(title, cpuid, sizeof(cpuid) - 1) == 0)
		title += sizeof(cpuid) - 1;
	if (strncmp(title, lcpu, sizeof(lcpu) - 1) == 0 &&
	    aida64_dec(title + sizeof(lcpu) - 1, AIDA64_MAX_CPU, &n, &end) == 0 && *end == '\0') {
		s->ctx = AIDA64_CTX_CPUID;
		s->implicit = 0;
		s->in_cpu0 = n == 0;
		return 0;
	}
	if (strcmp(title, msr) == 0)
		n = 0;
	else if (strncmp(title, msr_cpu, sizeof(msr_cpu) - 1) == 0) {
		/* "MSR Registers / Logical CPU # Clock (TSC),3094 MHz": same section. */
		if (aida64_dec(title + sizeof(msr_cpu) - 1, AIDA64_MAX_CPU, &n, &end) == -1 || *end != '\0')
			return 0;
		s->per_cpu = 1;
	} else {
		s->ctx = AIDA64_CTX_NONE;
		return 0;
	}
	if (aida64_msr_cpu(s, n) == -1)
		return aida64_err(s, err, errsize, "more than %u MSR sections", AIDA64_MAX_CPU);
	s->ctx = AIDA64_CTX_MSR;
	return 0;
}

/* The subleaf of a repeated leaf 0xD printed without "[SL nn]", or -1. */
static int64_t
aida64_xsave_subleaf(size_t nprev, const uint32_t r[4])
{
	size_t i;

	if (nprev == 1 && r[0] < 0x20)
		return 1;
	for (i = 0; i < sizeof(aida64_xsave) / sizeof(aida64_xsave[0]); i++)
		if (r[0] == aida64_xsave[i].size && r[1] == aida64_xsave[i].offset)
			return aida64_xsave[i].subleaf;
	return -1;
}

/* Record one leaf of logical CPU #0. */
static int
aida64_add_cpuid(struct aida64_state *s, uint32_t fn, int tagged, uint32_t sl, const uint32_t r[4],
    char *err, size_t errsize)
{
	struct profile_cpuid e;
	size_t i, nprev = 0;
	int64_t idx = tagged ? sl : 0;

	for (i = 0; i < s->n_ent; i++) {
		if (s->ent[i].function != fn)
			continue;
		nprev++;
		/* Printed twice (AIDA64 repeats 0x80000002-8 after the caches): keep the first. */
		if ((tagged && s->ent[i].index == sl) || (!tagged && s->ent[i].eax == r[0] &&
		    s->ent[i].ebx == r[1] && s->ent[i].ecx == r[2] && s->ent[i].edx == r[3]))
			return 0;
	}
	if (!tagged && nprev > 0) {
		idx = fn == 0xd ? aida64_xsave_subleaf(nprev, r) : (int64_t)nprev;
		for (i = 0; idx >= 0 && i < s->n_ent; i++)
			if (s->ent[i].function == fn && s->ent[i].index == (uint32_t)idx)
				idx = -1;
		if (idx < 0) {
			s->n_dropped++;
			return 0;
		}
		s->n_inferred++;
	}
	if (s->n_ent >= AIDA64_MAX_CPUID)
		return aida64_err(s, err, errsize, "more than %d CPUID entries for logical CPU #0",
		    AIDA64_MAX_CPUID);
	memset(&e, 0, sizeof(e));
	e.function = fn;
	e.index = (uint32_t)idx;
	e.eax = r[0];
	e.ebx = r[1];
	e.ecx = r[2];
	e.edx = r[3];
	/* The APIC ID of the CPU read, recorded as 0 as the probe does. */
	if (fn == 1)
		e.ebx &= 0x00ffffffu;
	else if (fn == 0xb || fn == 0x1f)
		e.edx = 0;
	s->ent = xreallocarray(s->ent, s->n_ent + 1, sizeof(*s->ent));
	s->ent[s->n_ent++] = e;
	return 0;
}

/* "CPUID 00000004: 3C004121-01C0003F-0000003F-00000000 [SL 00] ..." */
static int
aida64_cpuid_line(struct aida64_state *s, const char *line, char *err, size_t errsize)
{
	uint64_t fn, v, sl = 0;
	uint32_t r[4];
	const char *p;
	int i, tagged = 0;

	if (aida64_hex(line + 6, 8, &fn) == -1)
		return 0;	/* "CPUID Manufacturer: ..." of the CPU Info section */
	if (line[14] == ' ' || line[14] == '\t')
		return aida64_err(s, err, errsize, "\"CPUID %.8s\" without ':' is AIDA64's report layout, "
		    "not its CPUID dump (\"CPUID %.8s: EAX-EBX-ECX-EDX\")", line + 6, line + 6);
	if (line[14] != ':')
		return 0;
	p = line + 15;
	while (*p == ' ')
		p++;
	for (i = 0; i < 4; i++) {
		if (aida64_hex(p, 8, &v) == -1 || (i < 3 && p[8] != '-'))
			return aida64_err(s, err, errsize, "malformed CPUID line: expected "
			    "\"CPUID %.8s: EAX-EBX-ECX-EDX\" with 8 hex digits per register", line + 6);
		r[i] = (uint32_t)v;
		p += i < 3 ? 9 : 8;
	}
	if (*p != '\0' && *p != ' ' && *p != '\t')
		return aida64_err(s, err, errsize, "malformed CPUID line: junk after EDX");
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "[SL ", 4) == 0) {
		for (p += 4, i = 0; aida64_hexdigit(*p) >= 0 && i < 8; p++, i++)
			sl = sl << 4 | (uint64_t)aida64_hexdigit(*p);
		if (i == 0 || *p != ']')
			return aida64_err(s, err, errsize, "malformed subleaf: expected \"[SL nn]\"");
		tagged = 1;
	}
	if (s->ctx != AIDA64_CTX_CPUID)
		return 0;
	/* Without headers, the next leaf 0 starts the next CPU. */
	if (s->implicit && fn == 0 && s->n_ent > 0)
		s->in_cpu0 = 0;
	if (!s->in_cpu0)
		return 0;
	return aida64_add_cpuid(s, (uint32_t)fn, tagged, (uint32_t)sl, r, err, errsize);
}

/* "MSR 00000480: 00DA-0400-0000-0004 [...]" or "MSR 00000049: < FAILED >" */
static int
aida64_msr_line(struct aida64_state *s, const char *line, char *err, size_t errsize)
{
	struct aida64_cpu *c;
	uint64_t idx, v = 0, g;
	enum aida64_val st;
	size_t i;

	if (aida64_hex(line + 4, 8, &idx) == -1 || line[12] != ':')
		return 0;
	if (strncmp(line + 13, " < FAILED >", 11) == 0)
		st = AIDA64_VAL_FAILED;
	else {
		for (i = 0; i < 4; i++) {
			if (line[13 + 5 * i] != (i == 0 ? ' ' : '-') || aida64_hex(line + 14 + 5 * i, 4, &g) == -1)
				return aida64_err(s, err, errsize, "malformed MSR line: expected "
				    "\"MSR %.8s: HHHH-HHHH-HHHH-HHHH\" or \"< FAILED >\"", line + 4);
			v = v << 16 | g;
		}
		if (line[33] != '\0' && line[33] != ' ' && line[33] != '\t')
			return aida64_err(s, err, errsize, "malformed MSR line: junk after the value");
		st = AIDA64_VAL_SET;
	}
	if (s->ctx != AIDA64_CTX_MSR)
		return 0;
	c = &s->cpus[s->cur];
	/* Repeated "[S200]" samples: the last line counts. */
	if (vmx_msr_valid((uint32_t)idx)) {
		if (st == AIDA64_VAL_SET)
			vmx_msr_set(&c->vmx, (uint32_t)idx, v);
		else
			c->vmx.present &= ~(1u << (idx - VMX_MSR_FIRST));
	}
	if (c->cpu != 0)
		return 0;
	if (idx == AIDA64_MSR_MICROCODE) {
		s->microcode_st = st;
		s->microcode = v;
	}
	for (i = 0; i < AIDA64_NFEAT; i++)
		if (idx == aida64_feat_idx[i]) {
			s->feat_st[i] = st;
			s->feat[i] = v;
		}
	return 0;
}

static int
aida64_line(struct aida64_state *s, const char *line, char *err, size_t errsize)
{
	const char *t;
	size_t n;

	if (strncmp(line, "------[ ", 8) == 0 && (t = strstr(line + 8, " ]------")) != NULL) {
		char title[AIDA64_LINE_MAX];

		n = (size_t)(t - (line + 8));
		memcpy(title, line + 8, n);
		title[n] = '\0';
		return aida64_header(s, title, err, errsize);
	}
	/* Header-less files: "CPU#000 AffMask: ..." or "Group: 0x00 Affinity mask: ...". */
	if ((strncmp(line, "CPU#", 4) == 0 && strstr(line, " AffMask:") != NULL) ||
	    (strncmp(line, "Group: ", 7) == 0 && strstr(line, " Affinity mask:") != NULL)) {
		s->ctx = AIDA64_CTX_CPUID;
		s->implicit = 1;
		s->in_cpu0 = s->n_ent == 0;
		return 0;
	}
	if (strncmp(line, "CPUID ", 6) == 0 && strlen(line) >= 15)
		return aida64_cpuid_line(s, line, err, errsize);
	if (strncmp(line, "MSR ", 4) == 0 && strlen(line) >= 13)
		return aida64_msr_line(s, line, err, errsize);
	return 0;
}

static const struct profile_cpuid *
aida64_leaf(const struct aida64_state *s, uint32_t fn)
{
	size_t i;

	for (i = 0; i < s->n_ent; i++)
		if (s->ent[i].function == fn && s->ent[i].index == 0)
			return &s->ent[i];
	return NULL;
}

/* cpu: vendor, signature, brand string, microcode. */
static int
aida64_cpu_info(struct aida64_state *s, struct profile *p, char *err, size_t errsize)
{
	const struct profile_cpuid *l0 = aida64_leaf(s, 0), *l1 = aida64_leaf(s, 1), *b;
	char name[49];
	uint32_t fn;
	size_t i, n = 0, start;

	if (l0 == NULL || l1 == NULL)
		return aida64_err(NULL, err, errsize, "logical CPU #0 has no CPUID leaf %s",
		    l0 == NULL ? "0 (vendor)" : "1 (signature)");
	memcpy(p->cpu.vendor, &l0->ebx, 4);
	memcpy(p->cpu.vendor + 4, &l0->edx, 4);
	memcpy(p->cpu.vendor + 8, &l0->ecx, 4);
	p->cpu.vendor[12] = '\0';
	profile_cpu_signature(p, l1->eax);
	for (fn = 0x80000002u; fn <= 0x80000004u; fn++) {
		if ((b = aida64_leaf(s, fn)) == NULL) {
			n = 0;
			break;
		}
		memcpy(name + n, &b->eax, 4);
		memcpy(name + n + 4, &b->ebx, 4);
		memcpy(name + n + 8, &b->ecx, 4);
		memcpy(name + n + 12, &b->edx, 4);
		n += 16;
	}
	name[n] = '\0';
	for (i = 0; i < n; i++)
		if (name[i] != '\0' && (name[i] < 0x20 || name[i] > 0x7e))
			name[i] = ' ';
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		name[--n] = '\0';
	for (start = 0; name[start] == ' '; start++)
		;
	util_strlcpy(p->cpu.model_name, name + start, sizeof(p->cpu.model_name));
	if (s->microcode_st == AIDA64_VAL_SET) {
		/* Intel: the revision in bits 63:32; AMD's patch level: bits 31:0. */
		p->cpu.microcode = strcmp(p->cpu.vendor, "AuthenticAMD") == 0 ?
		    s->microcode & 0xffffffffu : s->microcode >> 32;
		p->cpu.has_microcode = 1;
	}
	return 0;
}

static void
aida64_cpuid_layer(struct aida64_state *s, struct profile *p)
{
	size_t i, j;
	uint32_t flags;

	for (i = 0; i < s->n_ent; i++) {
		flags = aida64_is_indexed(s->ent[i].function) ? AIDA64_FLAG_INDEXED : 0;
		for (j = 0; flags == 0 && j < s->n_ent; j++)
			if (s->ent[j].function == s->ent[i].function && s->ent[j].index != 0)
				flags = AIDA64_FLAG_INDEXED;
		s->ent[i].flags = flags;
	}
	for (i = 0; i < s->n_ent; i++)
		profile_add_cpuid(p, 0, &s->ent[i]);
	profile_layer_set(&p->cpuid, LAYER_MEASURED, "hardware CPUID of logical CPU #0 from an AIDA64 dump, "
	    "%zu entries (not what KVM_GET_SUPPORTED_CPUID would report)%s%s", s->n_ent,
	    s->n_inferred > 0 ? "; subleaves of repeated leaves without [SL] taken from their order" : "",
	    s->n_dropped > 0 ? "; unidentified 0xD subleaves left out" : "");
}

/* Append ", 0x..." of the feature MSRs in state st to buf. */
static void
aida64_feat_names(const struct aida64_state *s, enum aida64_val st, char *buf, size_t bufsize)
{
	size_t i, len;

	buf[0] = '\0';
	for (i = 0; i < AIDA64_NFEAT; i++) {
		if (s->feat_st[i] != st)
			continue;
		len = strlen(buf);
		snprintf(buf + len, bufsize - len, "%s0x%x", len > 0 ? ", " : "", aida64_feat_idx[i]);
	}
}

static void
aida64_feature_layer(struct aida64_state *s, struct profile *p)
{
	char got[64], none[64], failed[64];
	size_t i;

	if (s->n_cpus == 0) {
		profile_layer_set(&p->feature_msrs, LAYER_UNAVAILABLE, "the dump has no MSR section");
		return;
	}
	aida64_feat_names(s, AIDA64_VAL_SET, got, sizeof(got));
	aida64_feat_names(s, AIDA64_VAL_NONE, none, sizeof(none));
	aida64_feat_names(s, AIDA64_VAL_FAILED, failed, sizeof(failed));
	if (got[0] == '\0') {
		profile_layer_set(&p->feature_msrs, LAYER_UNAVAILABLE, "the dump has none of 0x10a, 0x345, "
		    "0xc0011029%s%s", failed[0] != '\0' ? "; unreadable (< FAILED >): " : "", failed);
		return;
	}
	for (i = 0; i < AIDA64_NFEAT; i++)
		if (s->feat_st[i] == AIDA64_VAL_SET)
			profile_add_msr(p, aida64_feat_idx[i], s->feat[i]);
	profile_layer_set(&p->feature_msrs, LAYER_MEASURED, "feature MSRs of logical CPU #0 from an AIDA64 "
	    "dump: %s%s%s%s%s", got, none[0] != '\0' ? "; not dumped: " : "", none,
	    failed[0] != '\0' ? "; unreadable (< FAILED >): " : "", failed);
}

static int
aida64_cpucmp(const void *a, const void *b)
{
	uint32_t x = ((const struct aida64_cpu *)a)->cpu, y = ((const struct aida64_cpu *)b)->cpu;

	return x < y ? -1 : x > y;
}

/* Record how cpu c differs from the reference; names it in buf. */
static void
aida64_diff(struct profile *p, const struct vmx_msrs *ref, const struct aida64_cpu *c, char *buf,
    size_t bufsize)
{
	struct profile_hw_cpu d;
	uint32_t idx;
	size_t len;

	memset(&d, 0, sizeof(d));
	d.cpu = c->cpu;
	for (idx = VMX_MSR_FIRST; idx <= VMX_MSR_LAST; idx++) {
		if (vmx_msr_has(&c->vmx, idx)) {
			if (!vmx_msr_has(ref, idx) || vmx_msr_get(ref, idx) != vmx_msr_get(&c->vmx, idx))
				vmx_msr_set(&d.msrs, idx, vmx_msr_get(&c->vmx, idx));
		} else if (vmx_msr_has(ref, idx))
			d.absent |= 1u << (idx - VMX_MSR_FIRST);
	}
	if (d.msrs.present == 0 && d.absent == 0)
		return;
	profile_add_hw_cpu(p, &d);
	len = strlen(buf);
	if (len + 1 >= bufsize)
		return;
	snprintf(buf + len, bufsize - len, "%s%u", len > 0 ? ", " : "", c->cpu);
}

static void
aida64_vmx_layers(struct aida64_state *s, struct profile *p)
{
	const struct aida64_cpu *ref;
	char differ[96] = "";
	size_t i;

	if (s->n_cpus > 1)
		qsort(s->cpus, s->n_cpus, sizeof(*s->cpus), aida64_cpucmp);
	ref = s->n_cpus > 0 ? &s->cpus[0] : NULL;
	if (ref == NULL || ref->vmx.present == 0) {
		if (strcmp(p->cpu.vendor, "AuthenticAMD") == 0 || strcmp(p->cpu.vendor, "HygonGenuine") == 0)
			profile_layer_set(&p->vmx, LAYER_UNAVAILABLE,
			    "AMD CPU: no VMX; nested SVM is described by CPUID 0x8000000A");
		else if (ref == NULL)
			profile_layer_set(&p->vmx, LAYER_UNAVAILABLE, "the dump has no MSR section");
		else
			profile_layer_set(&p->vmx, LAYER_UNAVAILABLE,
			    "the dump has no VMX MSR (0x480-0x491) for logical CPU #%u", ref->cpu);
		return;
	}
	p->vmx_raw = ref->vmx;
	p->vmx_source = PROFILE_VMX_SRC_HARDWARE;
	profile_layer_set(&p->vmx, LAYER_MEASURED, "hardware VMX MSRs of logical CPU #%u from an AIDA64 dump%s",
	    ref->cpu, vmx_msr_has(&ref->vmx, MSR_VMX_VMFUNC) ? "" :
	    "; AIDA64 does not read 0x491 (VMFUNC): not reported, not absent");

	p->hw_msrs = ref->vmx;
	p->hw_cpu = ref->cpu;
	if (!s->per_cpu) {
		p->hw_ncpus = 1;
		profile_layer_set(&p->hw, LAYER_MEASURED, "hardware VMX MSRs from an AIDA64 dump with one MSR "
		    "section: per-CPU values were not dumped");
		return;
	}
	p->hw_ncpus = (uint32_t)s->n_cpus;
	for (i = 1; i < s->n_cpus; i++)
		aida64_diff(p, &ref->vmx, &s->cpus[i], differ, sizeof(differ));
	if (p->n_hw_diff == 0)
		profile_layer_set(&p->hw, LAYER_MEASURED, "hardware VMX MSRs of %zu logical CPUs from an AIDA64 "
		    "dump: identical", s->n_cpus);
	else
		profile_layer_set(&p->hw, LAYER_MEASURED, "hardware VMX MSRs of %zu logical CPUs from an AIDA64 "
		    "dump: CPU%s %s differ%s from CPU #%u (hybrid part)", s->n_cpus, p->n_hw_diff > 1 ? "s" : "",
		    differ, p->n_hw_diff > 1 ? "" : "s", ref->cpu);
}

int
aida64_parse(const char *text, size_t len, const char *host_id, struct profile *p,
    char *err, size_t errsize)
{
	struct aida64_state s;
	char line[AIDA64_LINE_MAX];
	const char *nl;
	size_t pos = 0, n;
	int ret = -1;

	profile_clear(p);
	memset(&s, 0, sizeof(s));
	s.ctx = AIDA64_CTX_CPUID;	/* until a header says otherwise */
	s.implicit = 1;
	s.in_cpu0 = 1;
	if (len > AIDA64_MAX_SIZE) {
		aida64_err(NULL, err, errsize, "dump larger than %u bytes", AIDA64_MAX_SIZE);
		goto cleanup;
	}
	while (pos < len) {
		s.line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = (nl != NULL ? (size_t)(nl - text) : len) - pos;
		if (memchr(text + pos, '\0', n) != NULL) {
			aida64_err(&s, err, errsize, "NUL byte: not a text dump");
			goto cleanup;
		}
		/* Longer lines are no data lines: their first bytes are enough. */
		memcpy(line, text + pos, n < sizeof(line) ? n : sizeof(line) - 1);
		line[n < sizeof(line) ? n : sizeof(line) - 1] = '\0';
		pos += n + 1;
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (aida64_line(&s, line, err, errsize) == -1)
			goto cleanup;
	}
	if (s.n_ent == 0) {
		aida64_err(NULL, err, errsize, "not an AIDA64 CPUID dump: no line like "
		    "\"CPUID 00000000: EAX-EBX-ECX-EDX\" for logical CPU #0 in %zu lines", s.line);
		goto cleanup;
	}
	p->is_dump = 1;
	if (host_id != NULL)
		util_strlcpy(p->host_id, host_id, sizeof(p->host_id));
	if (aida64_cpu_info(&s, p, err, errsize) == -1)
		goto cleanup;
	aida64_cpuid_layer(&s, p);
	aida64_feature_layer(&s, p);
	aida64_vmx_layers(&s, p);
	if (profile_update_hash(p) == -1) {
		aida64_err(NULL, err, errsize, "cannot compute the profile hash");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret == -1)
		profile_clear(p);
	free(s.ent);
	free(s.cpus);
	return ret;
}

int
aida64_host_id(const char *path, char *buf, size_t bufsize)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t n, i;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	n = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n > 127)
		n = 127;
	if (bufsize == 0 || n == 0)
		return -1;
	if (n >= bufsize)
		n = bufsize - 1;
	for (i = 0; i < n; i++) {
		char c = base[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == ':' || c == '-') || (i == 0 && (c == '.' || c == '-')))
			c = '_';
		buf[i] = c;
	}
	buf[n] = '\0';
	return 0;
}
