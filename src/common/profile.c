/*
 * profile.c - the host profile: construction, layers, look-ups.  Its JSON
 * form is written by profile_json.c and read by profile_parse.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonu.h"
#include "log.h"
#include "profile.h"
#include "profile_priv.h"
#include "util.h"
#include "xmalloc.h"

const char *const profile_view_names[EVMCS_VIEW_NUM] = {
	"plain", "evmcs", "evmcs_pv",
};

static const struct {
	uint32_t id;
	const char *name;
} profile_cap_names[] = {
	{ 60, "tsc_control" },
	{ 61, "get_tsc_khz" },
	{ 116, "disable_quirks" },
	{ 153, "get_msr_features" },
	{ 155, "hyperv_tlbflush" },
	{ 157, "nested_state" },
	{ 159, "msr_platform_info" },
	{ 161, "hyperv_send_ipi" },
	{ 163, "hyperv_enlightened_vmcs" },
	{ 164, "exception_payload" },
	{ 167, "hyperv_cpuid" },
	{ 175, "hyperv_direct_tlbflush" },
	{ 188, "x86_user_space_msr" },
	{ 189, "x86_msr_filter" },
	{ 190, "enforce_pv_feature_cpuid" },
	{ 191, "sys_hyperv_cpuid" },
	{ 193, "x86_bus_lock_exit" },
	{ 199, "hyperv_enforce_cpuid" },
	{ 200, "sregs2" },
	{ 208, "xsave2" },
	{ 209, "sys_attributes" },
	{ 212, "pmu_capability" },
	{ 213, "disable_quirks2" },
	{ 214, "vm_tsc_control" },
	{ 218, "x86_triple_fault_event" },
	{ 219, "x86_notify_vmexit" },
	{ 220, "vm_disable_nx_huge_pages" },
};

const char *
profile_cap_name(uint32_t id)
{
	size_t i;

	for (i = 0; i < sizeof(profile_cap_names) / sizeof(profile_cap_names[0]); i++)
		if (profile_cap_names[i].id == id)
			return profile_cap_names[i].name;
	return NULL;
}

static void
profile_evmcs_init(struct profile_evmcs *e)
{
	memset(e, 0, sizeof(*e));
	e->pv_bit_honoured = PROFILE_UNKNOWN;
}

void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->schema_version = PROFILE_SCHEMA_VERSION;
	p->cpu.family = p->cpu.model = p->cpu.stepping = -1;
	profile_evmcs_init(&p->evmcs_measured);
	profile_evmcs_init(&p->evmcs_emulated);
}

void
profile_clear(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->caps_sys);
	free(p->caps_vm);
	free(p->cpuid_ent);
	free(p->hv_cpuid_ent);
	free(p->msrs);
	for (i = 0; i < p->n_param; i++) {
		free(p->param[i].module);
		free(p->param[i].name);
		free(p->param[i].value);
	}
	free(p->param);
	free(p->evmcs_measured.mismatch);
	free(p->evmcs_emulated.mismatch);
	free(p->hw_diff);
	plibvirt_clear(&p->lv);
	json_object_put(p->extra_layers);
	profile_init(p);
}

struct profile *
profile_new(void)
{
	struct profile *p = xmalloc(sizeof(*p));

	profile_init(p);
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	profile_clear(p);
	free(p);
}

/* A copy of the n elements of size size at v (NULL when there are none). */
static void *
profile_dup_array(const void *v, size_t n, size_t size)
{
	void *r;

	if (n == 0)
		return NULL;
	r = xreallocarray(NULL, n, size);
	memcpy(r, v, n * size);
	return r;
}

static void
profile_evmcs_copy(struct profile_evmcs *dst, const struct profile_evmcs *src)
{
	dst->mismatch = profile_dup_array(src->mismatch, src->n_mismatch, sizeof(*src->mismatch));
}

struct profile *
profile_copy(const struct profile *p)
{
	struct profile *q = xmalloc(sizeof(*q));
	size_t i;

	/* Every value at once, then a copy of everything p points to. */
	memcpy(q, p, sizeof(*q));
	q->caps_sys = profile_dup_array(p->caps_sys, p->n_caps_sys, sizeof(*p->caps_sys));
	q->caps_vm = profile_dup_array(p->caps_vm, p->n_caps_vm, sizeof(*p->caps_vm));
	q->cpuid_ent = profile_dup_array(p->cpuid_ent, p->n_cpuid, sizeof(*p->cpuid_ent));
	q->hv_cpuid_ent = profile_dup_array(p->hv_cpuid_ent, p->n_hv_cpuid, sizeof(*p->hv_cpuid_ent));
	q->msrs = profile_dup_array(p->msrs, p->n_msrs, sizeof(*p->msrs));
	q->param = profile_dup_array(p->param, p->n_param, sizeof(*p->param));
	for (i = 0; i < p->n_param; i++) {
		q->param[i].module = xstrdup(p->param[i].module);
		q->param[i].name = xstrdup(p->param[i].name);
		q->param[i].value = xstrdup(p->param[i].value);
	}
	profile_evmcs_copy(&q->evmcs_measured, &p->evmcs_measured);
	profile_evmcs_copy(&q->evmcs_emulated, &p->evmcs_emulated);
	q->hw_diff = profile_dup_array(p->hw_diff, p->n_hw_diff, sizeof(*p->hw_diff));
	plibvirt_copy(&q->lv, &p->lv);
	q->extra_layers = NULL;
	if (p->extra_layers != NULL && json_object_deep_copy(p->extra_layers, &q->extra_layers,
	    NULL) != 0)
		fatalx("out of memory copying a profile");
	return q;
}

struct profile *
profile_content(const struct profile *p)
{
	struct profile *q = profile_copy(p);

	q->host_id[0] = '\0';
	q->hostname[0] = '\0';
	q->collected_at = 0;
	plibvirt_list_clear(&q->lv.domains);
	return q;
}

void
profile_layer_set(struct layer *l, enum layer_status st, const char *fmt, ...)
{
	va_list ap;

	l->status = st;
	if (fmt == NULL) {
		l->reason[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(l->reason, sizeof(l->reason), fmt, ap);
	va_end(ap);
}

const char *
profile_status_name(enum layer_status st)
{
	switch (st) {
	case LAYER_MEASURED:
		return "measured";
	case LAYER_EMULATED:
		return "emulated";
	case LAYER_UNAVAILABLE:
		return "unavailable";
	case LAYER_ABSENT:
		break;
	}
	return "absent";
}

const char *
profile_vmx_source_name(enum profile_vmx_source s)
{
	switch (s) {
	case PROFILE_VMX_SRC_HARDWARE:
		return "hardware";
	case PROFILE_VMX_SRC_EMULATED:
		return "emulated";
	case PROFILE_VMX_SRC_UNSET:
	case PROFILE_VMX_SRC_KVM:
		break;
	}
	return "kvm";
}

int
profile_vmx_source_parse(const char *s, enum profile_vmx_source *out)
{
	if (strcmp(s, "kvm") == 0)
		*out = PROFILE_VMX_SRC_KVM;
	else if (strcmp(s, "hardware") == 0)
		*out = PROFILE_VMX_SRC_HARDWARE;
	else if (strcmp(s, "emulated") == 0)
		*out = PROFILE_VMX_SRC_EMULATED;
	else
		return -1;
	return 0;
}

void
profile_add_cap(struct profile *p, int vm, uint32_t id, int64_t value)
{
	struct profile_cap **arr = vm ? &p->caps_vm : &p->caps_sys;
	size_t *n = vm ? &p->n_caps_vm : &p->n_caps_sys;

	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].id = id;
	(*arr)[*n].value = value;
	(*n)++;
}

void
profile_add_cpuid(struct profile *p, int hv, const struct profile_cpuid *e)
{
	struct profile_cpuid **arr = hv ? &p->hv_cpuid_ent : &p->cpuid_ent;
	size_t *n = hv ? &p->n_hv_cpuid : &p->n_cpuid;

	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n] = *e;
	(*n)++;
}

void
profile_add_msr(struct profile *p, uint32_t index, uint64_t value)
{
	p->msrs = xreallocarray(p->msrs, p->n_msrs + 1, sizeof(*p->msrs));
	p->msrs[p->n_msrs].index = index;
	p->msrs[p->n_msrs].value = value;
	p->n_msrs++;
}

void
profile_add_evmcs_mismatch(struct profile_evmcs *e, enum evmcs_view view, uint32_t msr,
    uint64_t measured, uint64_t emulated)
{
	e->mismatch = xreallocarray(e->mismatch, e->n_mismatch + 1, sizeof(*e->mismatch));
	e->mismatch[e->n_mismatch].view = view;
	e->mismatch[e->n_mismatch].msr = msr;
	e->mismatch[e->n_mismatch].measured = measured;
	e->mismatch[e->n_mismatch].emulated = emulated;
	e->n_mismatch++;
}

void
profile_add_hw_cpu(struct profile *p, const struct profile_hw_cpu *c)
{
	p->hw_diff = xreallocarray(p->hw_diff, p->n_hw_diff + 1, sizeof(*p->hw_diff));
	p->hw_diff[p->n_hw_diff++] = *c;
}

void
profile_add_param(struct profile *p, const char *module, const char *name, const char *value)
{
	p->param = xreallocarray(p->param, p->n_param + 1, sizeof(*p->param));
	p->param[p->n_param].module = xstrdup(module);
	p->param[p->n_param].name = xstrdup(name);
	p->param[p->n_param].value = xstrdup(value);
	p->n_param++;
}

void
profile_set_param(struct profile *p, const char *module, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < p->n_param; i++) {
		if (strcmp(p->param[i].module, module) == 0 && strcmp(p->param[i].name, name) == 0) {
			free(p->param[i].value);
			p->param[i].value = xstrdup(value);
			return;
		}
	}
	profile_add_param(p, module, name, value);
}

int64_t
profile_cap(const struct profile *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_caps_sys; i++)
		if (p->caps_sys[i].id == id)
			return p->caps_sys[i].value;
	for (i = 0; i < p->n_caps_vm; i++)
		if (p->caps_vm[i].id == id)
			return p->caps_vm[i].value;
	return -1;
}

const struct profile_cpuid *
profile_cpuid_find(const struct profile *p, int hv, uint32_t function, uint32_t index)
{
	const struct profile_cpuid *arr = hv ? p->hv_cpuid_ent : p->cpuid_ent;
	size_t i, n = hv ? p->n_hv_cpuid : p->n_cpuid;

	for (i = 0; i < n; i++) {
		/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX is bit 0 of flags. */
		if (arr[i].function == function && ((arr[i].flags & 1u) == 0 || arr[i].index == index))
			return &arr[i];
	}
	return NULL;
}

const char *
profile_param_get(const struct profile *p, const char *module, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_param; i++)
		if (strcmp(p->param[i].module, module) == 0 && strcmp(p->param[i].name, name) == 0)
			return p->param[i].value;
	return NULL;
}

void
profile_cpu_signature(struct profile *p, uint32_t sig)
{
	unsigned fam = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;

	if (fam == 0xf)
		fam += (sig >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		model |= ((sig >> 16) & 0xf) << 4;
	p->cpu.family = (int)fam;
	p->cpu.model = (int)model;
	p->cpu.stepping = (int)(sig & 0xf);
}

int
profile_has_domain(const struct profile *p, const char *uuid)
{
	return profile_layer_ok(&p->libvirt) && plibvirt_list_has(&p->lv.domains, uuid, 1);
}
