/*
 * kvmnested.c - KVM's nested VMX capability MSRs per kernel release, from
 * the host's hardware VMX MSRs and the kvm_intel module parameters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmnested.h"

#define HW_ALLOWED1(hw, msr)	((uint32_t)(vmx_msr_get((hw), (msr)) >> 32))

void
kvmnested_params_default(struct kvmnested_params *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->nested = pp->ept = pp->unrestricted_guest = pp->vpid = 1;
	pp->flexpriority = pp->eptad = pp->enable_apicv = 1;
	pp->enable_pml = pp->enable_shadow_vmcs = pp->enable_ipiv = 1;
	pp->pt_mode = 0;
}

static int *
kvmnested_param_field(struct kvmnested_params *pp, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "nested", offsetof(struct kvmnested_params, nested) },
		{ "ept", offsetof(struct kvmnested_params, ept) },
		{ "unrestricted_guest", offsetof(struct kvmnested_params, unrestricted_guest) },
		{ "vpid", offsetof(struct kvmnested_params, vpid) },
		{ "flexpriority", offsetof(struct kvmnested_params, flexpriority) },
		{ "eptad", offsetof(struct kvmnested_params, eptad) },
		{ "enable_apicv", offsetof(struct kvmnested_params, enable_apicv) },
		{ "pml", offsetof(struct kvmnested_params, enable_pml) },
		{ "enable_pml", offsetof(struct kvmnested_params, enable_pml) },
		{ "enable_shadow_vmcs", offsetof(struct kvmnested_params, enable_shadow_vmcs) },
		{ "enable_ipiv", offsetof(struct kvmnested_params, enable_ipiv) },
		{ "pt_mode", offsetof(struct kvmnested_params, pt_mode) },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncmp(names[i].name, name, len) == 0)
			return (int *)((char *)pp + names[i].off);
	return NULL;
}

int
kvmnested_param_set(struct kvmnested_params *pp, const char *assign, char *err, size_t errsize)
{
	const char *name = assign, *eq = strchr(assign, '=');
	int *field;
	char *end;
	long v;

	if (strncmp(name, "kvm_intel.", 10) == 0)
		name += 10;
	if (eq == NULL || eq == name) {
		snprintf(err, errsize, "%s: expected kvm_intel.NAME=VALUE", assign);
		return -1;
	}
	field = kvmnested_param_field(pp, name, (size_t)(eq - name));
	if (field == NULL) {
		snprintf(err, errsize, "%s: unknown kvm_intel parameter", assign);
		return -1;
	}
	eq++;
	if (strcmp(eq, "Y") == 0 || strcmp(eq, "y") == 0) {
		*field = 1;
		return 0;
	}
	if (strcmp(eq, "N") == 0 || strcmp(eq, "n") == 0) {
		*field = 0;
		return 0;
	}
	v = strtol(eq, &end, 10);
	if (*eq == '\0' || *end != '\0' || v < 0 || v > 1) {
		snprintf(err, errsize, "%s: expected 0, 1, Y or N", assign);
		return -1;
	}
	*field = (int)v;
	return 0;
}

int
kvmnested_release(const char *kernel, int *major, int *minor, int *sublevel)
{
	const char *s = kernel;
	char *end;
	long a, b, c = -1;

	if (s == NULL)
		return -1;
	if (*s == 'v')
		s++;
	a = strtol(s, &end, 10);
	if (end == s || *end != '.' || a < 2 || a > 99)
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || b < 0 || b > 99)
		return -1;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
		s = end + 1;
		c = strtol(s, &end, 10);
		if (c > 9999)
			return -1;
	}
	*major = (int)a;
	*minor = (int)b;
	*sublevel = (int)c;
	return 0;
}

/* Release "X.Y" as X * 1000 + Y; -1 when unparsable. */
static int
kvmnested_key(const char *rel)
{
	int a, b, c;

	if (kvmnested_release(rel, &a, &b, &c) == -1)
		return -1;
	return a * 1000 + b;
}

/*
 * The effective module parameters: KVM turns a parameter off when the
 * hardware lacks what it needs (vmx.c hardware_setup()).
 */
struct kvmnested_eff {
	int ept, unrestricted_guest, vpid, flexpriority, eptad, enable_apicv;
};

static void
kvmnested_effective(const struct vmx_msrs *hw, const struct kvmnested_params *pp,
    struct kvmnested_eff *e)
{
	uint32_t proc = HW_ALLOWED1(hw, MSR_VMX_PROCBASED);
	uint32_t sec = (proc & 0x80000000u) ? HW_ALLOWED1(hw, MSR_VMX_PROCBASED2) : 0;
	uint32_t pin = HW_ALLOWED1(hw, MSR_VMX_PINBASED);
	uint64_t ev = vmx_msr_get(hw, MSR_VMX_EPT_VPID);

	/* EPT: the control, 4-level walk, WB paging structures and INVEPT. */
	e->ept = pp->ept && (sec & 0x2) && (ev & 0x40) && (ev & 0x4000) && (ev & 0x100000);
	e->unrestricted_guest = pp->unrestricted_guest && e->ept && (sec & 0x80);
	e->eptad = pp->eptad && e->ept && (ev & 0x200000);
	/* VPID: the control, INVVPID and its single- or all-context type. */
	e->vpid = pp->vpid && (sec & 0x20) && (ev >> 32 & 0x1) && (ev >> 32 & 0x600);
	/* FlexPriority: TPR shadow and APIC-access virtualisation. */
	e->flexpriority = pp->flexpriority && (proc & 0x200000) && (sec & 0x1);
	/* APICv: register virtualisation, virtual interrupt delivery, posted interrupts. */
	e->enable_apicv = pp->enable_apicv && (sec & 0x100) && (sec & 0x200) && (pin & 0x80);
}

/* Nonzero when every item of the row's condition holds. */
static int
kvmnested_cond(const char *cond, const struct vmx_msrs *hw, const struct kvmnested_eff *e)
{
	const char *s = cond;

	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, ",");
		int ok = 0;

		if (len > 3 && strncmp(s, "hw:", 3) == 0) {
			char *end;
			unsigned long msr = strtoul(s + 3, &end, 16);
			unsigned long bit = (*end == ':') ? strtoul(end + 1, NULL, 10) : 64;

			ok = bit < 64 && (vmx_msr_get(hw, (uint32_t)msr) >> bit & 1);
		} else if (len == 3 && strncmp(s, "ept", 3) == 0) {
			ok = e->ept;
		} else if (len == 18 && strncmp(s, "unrestricted_guest", 18) == 0) {
			ok = e->unrestricted_guest;
		} else if (len == 4 && strncmp(s, "vpid", 4) == 0) {
			ok = e->vpid;
		} else if (len == 12 && strncmp(s, "flexpriority", 12) == 0) {
			ok = e->flexpriority;
		} else if (len == 5 && strncmp(s, "eptad", 5) == 0) {
			ok = e->eptad;
		} else if (len == 12 && strncmp(s, "enable_apicv", 12) == 0) {
			ok = e->enable_apicv;
		}
		if (!ok)
			return 0;
		s += len;
		if (*s == ',')
			s++;
	}
	return 1;
}

/*
 * "X.Y" into buf (16 bytes; X and Y are at most 99), without the printf
 * family: the rules engine computes releases while checking unprepared
 * profiles, where nothing is formatted.
 */
static void
kvmnested_format_release(char *buf, int a, int b)
{
	char *p = buf;

	if (a >= 10)
		*p++ = (char)('0' + a / 10);
	*p++ = (char)('0' + a % 10);
	*p++ = '.';
	if (b >= 10)
		*p++ = (char)('0' + b / 10);
	*p++ = (char)('0' + b % 10);
	*p = '\0';
}

/* Every bit of the MSRs in mask (bit i = MSR 0x480 + i) is unconfirmed. */
static void
kvmnested_unconfirm_all(struct kvmnested_result *res, uint32_t mask)
{
	size_t i;

	for (i = 0; i < VMX_MSR_NUM; i++)
		if (mask >> i & 1)
			res->unconfirmed_bits[i] = ~0ull;
}

/* The hardware MSR a control row reads: the non-TRUE twin of a TRUE index. */
static uint32_t
kvmnested_hw_index(uint32_t msr)
{
	if (msr >= MSR_VMX_TRUE_PINBASED && msr <= MSR_VMX_TRUE_ENTRY)
		return msr - (MSR_VMX_TRUE_PINBASED - MSR_VMX_PINBASED);
	return msr;
}

int
kvmnested_compute(const struct vmx_msrs *hw, const char *kernel,
    const struct kvmnested_params *pp, struct kvmnested_result *res, char *err, size_t errsize)
{
	uint64_t val[VMX_MSR_NUM] = { 0 };
	uint32_t listed = 0, lo[VMX_MSR_NUM] = { 0 }, hi[VMX_MSR_NUM] = { 0 };
	struct kvmnested_eff e;
	int a, b, c, key;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (kvmnested_release(kernel, &a, &b, &c) == -1) {
		snprintf(err, errsize, "%s: not a kernel release", kernel ? kernel : "(none)");
		return -1;
	}
	key = a * 1000 + b;
	if (key < 4020) {
		snprintf(err, errsize, "%d.%d: the KVM table starts at 4.20", a, b);
		return -1;
	}
	if (!vmx_msr_has(hw, MSR_VMX_BASIC)) {
		snprintf(err, errsize, "the hardware VMX MSRs have no IA32_VMX_BASIC");
		return -1;
	}
	kvmnested_format_release(res->release, a, b);
	if (!pp->nested)
		return 0;
	kvmnested_effective(hw, pp, &e);

	for (i = 0; i < kvmnested_table_count; i++) {
		const struct kvmnested_row *r = &kvmnested_table[i];
		uint32_t ix = r->msr - VMX_MSR_FIRST;

		if (key < kvmnested_key(r->first) || (r->last != NULL && key > kvmnested_key(r->last)))
			continue;
		if (strcmp(r->op, "range") == 0) {
			res->unconfirmed |= (uint32_t)r->mask;
			kvmnested_unconfirm_all(res, (uint32_t)r->mask);
			continue;
		}
		if (!vmx_msr_valid(r->msr) || !kvmnested_cond(r->cond, hw, &e))
			continue;
		if (strcmp(r->op, "list") == 0)
			listed |= (uint32_t)r->mask;
		else if (strcmp(r->op, "hw") == 0)
			hi[ix] |= HW_ALLOWED1(hw, kvmnested_hw_index(r->msr)) & (uint32_t)r->mask;
		else if (strcmp(r->op, "set") == 0)
			hi[ix] |= (uint32_t)r->mask;
		else if (strcmp(r->op, "low") == 0)
			lo[ix] = (uint32_t)r->mask;
		else if (strcmp(r->op, "hwval") == 0)
			val[ix] |= vmx_msr_get(hw, r->msr) & r->mask;
		else if (strcmp(r->op, "val") == 0)
			val[ix] |= r->mask;
		if (r->status != NULL && strcmp(r->status, "confirmed") != 0) {
			res->unconfirmed |= (strcmp(r->op, "list") == 0) ? (uint32_t)r->mask : 1u << ix;
			if (strcmp(r->op, "list") == 0)
				kvmnested_unconfirm_all(res, (uint32_t)r->mask);
			else if (strcmp(r->op, "hw") == 0 || strcmp(r->op, "set") == 0)
				res->unconfirmed_bits[ix] |= (r->mask & 0xffffffffu) << 32;
			else if (strcmp(r->op, "low") == 0)
				res->unconfirmed_bits[ix] |= 0xffffffffu;
			else
				res->unconfirmed_bits[ix] |= r->mask;
		}
	}

	for (i = 0; i < VMX_MSR_NUM; i++) {
		uint32_t msr = VMX_MSR_FIRST + (uint32_t)i;

		if (!(listed >> i & 1))
			continue;
		if (msr == MSR_VMX_PROCBASED2 || (msr >= MSR_VMX_TRUE_PINBASED && msr <= MSR_VMX_TRUE_ENTRY))
			val[i] = (uint64_t)hi[i] << 32 | lo[i];
		vmx_msr_set(&res->msrs, msr, val[i]);
	}
	/* The non-TRUE twins: the TRUE value with the default-1 controls forced on. */
	{
		static const uint32_t always[4] = {
			VMX_PIN_ALWAYSON, VMX_PROC_ALWAYSON, VMX_EXIT_ALWAYSON, VMX_ENTRY_ALWAYSON,
		};

		for (i = 0; i < 4; i++) {
			uint32_t t = MSR_VMX_TRUE_PINBASED + (uint32_t)i;

			if (vmx_msr_has(&res->msrs, t) && (listed >> (MSR_VMX_PINBASED + i - VMX_MSR_FIRST) & 1)) {
				vmx_msr_set(&res->msrs, MSR_VMX_PINBASED + (uint32_t)i,
				    vmx_msr_get(&res->msrs, t) | always[i]);
				if (res->unconfirmed >> (t - VMX_MSR_FIRST) & 1)
					res->unconfirmed |= 1u << (MSR_VMX_PINBASED + i - VMX_MSR_FIRST);
				res->unconfirmed_bits[MSR_VMX_PINBASED + i - VMX_MSR_FIRST] |=
				    res->unconfirmed_bits[t - VMX_MSR_FIRST];
			}
		}
	}
	res->unconfirmed &= res->msrs.present;
	for (i = 0; i < VMX_MSR_NUM; i++)
		if (!(res->unconfirmed >> i & 1))
			res->unconfirmed_bits[i] = 0;
	return 0;
}

int
kvmnested_covers(const char *kernel, char *err, size_t errsize)
{
	int a, b, c;

	if (kvmnested_release(kernel, &a, &b, &c) == -1) {
		snprintf(err, errsize, "\"%s\" is not a kernel release like 6.8 or 6.8.0-45-generic",
		    kernel != NULL ? kernel : "");
		return -1;
	}
	if (a * 1000 + b < 4020) {
		snprintf(err, errsize, "%d.%d: the KVM table starts at 4.20", a, b);
		return -1;
	}
	return 0;
}

int
kvmnested_rows_differ(const char *k1, const char *k2, uint32_t *msrs, char *err, size_t errsize)
{
	int x, y;
	size_t i;

	*msrs = 0;
	if (kvmnested_covers(k1, err, errsize) == -1 || kvmnested_covers(k2, err, errsize) == -1)
		return -1;
	x = kvmnested_key(k1);
	y = kvmnested_key(k2);
	for (i = 0; i < kvmnested_table_count; i++) {
		const struct kvmnested_row *r = &kvmnested_table[i];
		int lo = kvmnested_key(r->first), hi = r->last != NULL ? kvmnested_key(r->last) : 1 << 30;
		int in1 = x >= lo && x <= hi, in2 = y >= lo && y <= hi;

		if (in1 == in2)
			continue;
		if (strcmp(r->op, "range") == 0 || strcmp(r->op, "list") == 0)
			*msrs |= (uint32_t)r->mask;
		else if (vmx_msr_valid(r->msr))
			*msrs |= 1u << (r->msr - VMX_MSR_FIRST);
	}
	return 0;
}
