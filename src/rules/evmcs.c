/*
 * evmcs.c - emulation of KVM's eVMCS filter of the VMX capability MSRs,
 * driven by the per-kernel table generated from data/evmcs-filter.tsv.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evmcs.h"

/*
 * Parse the leading "MAJOR.MINOR" of a kernel release into major*1000+minor.
 * Returns 0 or -1.
 */
static int
evmcs_parse_release(const char *rel, unsigned *code)
{
	unsigned long maj, min;
	char *end;

	if (rel == NULL || !isdigit((unsigned char)rel[0]))
		return -1;
	maj = strtoul(rel, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	min = strtoul(end + 1, &end, 10);
	if (maj == 0 || maj > 99 || min > 999)
		return -1;
	if (*end != '\0' && *end != '.' && *end != '-' && *end != '+' && *end != '_')
		return -1;
	*code = (unsigned)(maj * 1000 + min);
	return 0;
}

/* Nonzero for vendor kernels whose KVM is backported wholesale (".el9_3"). */
static int
evmcs_is_backport_kernel(const char *rel)
{
	const char *p;

	for (p = strstr(rel, ".el"); p != NULL; p = strstr(p + 1, ".el"))
		if (isdigit((unsigned char)p[3]))
			return 1;
	return 0;
}

enum evmcs_kernel
evmcs_kernel_classify(const char *kernel_release, const struct evmcs_row **row)
{
	unsigned code;
	size_t i;

	if (row != NULL)
		*row = NULL;
	if (kernel_release == NULL || evmcs_parse_release(kernel_release, &code) == -1 ||
	    evmcs_is_backport_kernel(kernel_release))
		return EVMCS_KERNEL_UNKNOWN;
	for (i = 0; i < evmcs_rows_count; i++) {
		if (code >= evmcs_rows[i].from && code <= evmcs_rows[i].to) {
			if (row != NULL)
				*row = &evmcs_rows[i];
			return EVMCS_KERNEL_ROW;
		}
	}
	if (evmcs_rows_count > 0 && code < evmcs_rows[0].from)
		return EVMCS_KERNEL_NONE;
	return EVMCS_KERNEL_UNKNOWN;
}

/* Turn a row mask into a keep mask according to the row's kind. */
static uint32_t
evmcs_row_keep(const struct evmcs_row *r, uint32_t mask)
{
	return strcmp(r->kind, "keep") == 0 ? mask : ~mask;
}

uint32_t
evmcs_keep_mask(const struct evmcs_row *r, uint32_t msr, int pv_bit)
{
	int pv = pv_bit && r->pv;

	switch (msr) {
	case MSR_VMX_PINBASED:
		return evmcs_row_keep(r, r->pin);
	case MSR_VMX_TRUE_PINBASED:
		return evmcs_row_keep(r, r->tpin);
	case MSR_VMX_PROCBASED:
	case MSR_VMX_TRUE_PROCBASED:
		return evmcs_row_keep(r, r->proc);
	case MSR_VMX_PROCBASED2:
		return evmcs_row_keep(r, r->proc2);
	case MSR_VMX_EXIT:
	case MSR_VMX_TRUE_EXIT:
		return evmcs_row_keep(r, r->exit) & (pv ? ~0u : ~r->pvexit);
	case MSR_VMX_ENTRY:
	case MSR_VMX_TRUE_ENTRY:
		return evmcs_row_keep(r, r->entry) & (pv ? ~0u : ~r->pventry);
	case MSR_VMX_VMFUNC:
		return evmcs_row_keep(r, r->vmfunc);
	default:
		return ~0u;
	}
}

void
evmcs_apply(const struct evmcs_row *r, const struct vmx_msrs *raw, int pv_bit, struct vmx_msrs *out)
{
	static const uint32_t ctl[] = {
		MSR_VMX_PINBASED, MSR_VMX_PROCBASED, MSR_VMX_EXIT, MSR_VMX_ENTRY,
		MSR_VMX_PROCBASED2, MSR_VMX_TRUE_PINBASED, MSR_VMX_TRUE_PROCBASED,
		MSR_VMX_TRUE_EXIT, MSR_VMX_TRUE_ENTRY,
	};
	uint64_t v;
	size_t i;

	if (out != raw)
		*out = *raw;
	for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		if (!vmx_msr_has(out, ctl[i]))
			continue;
		v = vmx_msr_get(out, ctl[i]);
		v &= ((uint64_t)evmcs_keep_mask(r, ctl[i], pv_bit) << 32) | 0xffffffffull;
		vmx_msr_set(out, ctl[i], v);
	}
	if (vmx_msr_has(out, MSR_VMX_VMFUNC)) {
		v = vmx_msr_get(out, MSR_VMX_VMFUNC);
		v &= 0xffffffff00000000ull | evmcs_keep_mask(r, MSR_VMX_VMFUNC, pv_bit);
		vmx_msr_set(out, MSR_VMX_VMFUNC, v);
	}
}

int
evmcs_emulate(const struct vmx_msrs *raw, const char *kernel_release, int pv_bit,
    struct vmx_msrs *out, char *row, size_t rowsize)
{
	const struct evmcs_row *r;

	if (evmcs_kernel_classify(kernel_release, &r) != EVMCS_KERNEL_ROW)
		return -1;
	evmcs_apply(r, raw, pv_bit, out);
	if (row != NULL && rowsize > 0)
		snprintf(row, rowsize, "%s", r->row);
	return 0;
}

const struct evmcs_row *
evmcs_row_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return NULL;
	for (i = 0; i < evmcs_rows_count; i++)
		if (strcmp(evmcs_rows[i].row, name) == 0)
			return &evmcs_rows[i];
	return NULL;
}

const struct evmcs_row *
evmcs_row_alt(const struct evmcs_row *r)
{
	return r->alt != NULL ? evmcs_row_find(r->alt) : NULL;
}

int
evmcs_kernel_honours_pv_bit(const char *kernel_release)
{
	const struct evmcs_row *r;

	switch (evmcs_kernel_classify(kernel_release, &r)) {
	case EVMCS_KERNEL_ROW:
		return r->pv ? 1 : 0;
	case EVMCS_KERNEL_NONE:
		return 0;
	default:
		return -1;
	}
}
