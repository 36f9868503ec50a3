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
 * Parse the leading "MAJOR.MINOR[.SUBLEVEL]" of a kernel release into
 * major*1000+minor and the sublevel (0 when absent); *tail points past
 * them.  Returns 0 or -1.
 */
static int
evmcs_parse_release(const char *rel, unsigned *code, unsigned *sub, const char **tail)
{
	unsigned long maj, min, sl = 0;
	char *end;

	if (rel == NULL || !isdigit((unsigned char)rel[0]))
		return -1;
	maj = strtoul(rel, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -1;
	min = strtoul(end + 1, &end, 10);
	if (*end == '.' && isdigit((unsigned char)end[1]))
		sl = strtoul(end + 1, &end, 10);
	if (maj == 0 || maj > 99 || min > 999 || sl > 99999)
		return -1;
	if (*end != '\0' && *end != '.' && *end != '-' && *end != '+' && *end != '_')
		return -1;
	*code = (unsigned)(maj * 1000 + min);
	*sub = (unsigned)sl;
	*tail = end;
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

/* The stable series "X.Y" as major*1000+minor, or 0. */
static unsigned
evmcs_series_code(const char *series)
{
	const char *tail;
	unsigned code, sub;

	return evmcs_parse_release(series, &code, &sub, &tail) == 0 ? code : 0;
}

void
evmcs_kernel_info(const char *kernel_release, struct evmcs_kinfo *ki)
{
	const struct evmcs_row *r;
	const char *tail;
	unsigned code, sub;
	size_t i;

	memset(ki, 0, sizeof(*ki));
	ki->kind = EVMCS_KERNEL_UNKNOWN;
	if (kernel_release == NULL || evmcs_parse_release(kernel_release, &code, &sub, &tail) == -1)
		return;
	if (evmcs_is_backport_kernel(kernel_release)) {
		ki->vendor = 1;
		return;
	}
	ki->distro = tail[0] == '-' && isdigit((unsigned char)tail[1]);
	for (i = 0; i < evmcs_rows_count; i++)
		if (code >= evmcs_rows[i].from && code <= evmcs_rows[i].to)
			ki->row = &evmcs_rows[i];
	if (ki->row == NULL) {
		if (evmcs_rows_count > 0 && code < evmcs_rows[0].from)
			ki->kind = EVMCS_KERNEL_NONE;
		return;
	}
	ki->kind = EVMCS_KERNEL_ROW;
	/* Stable backports of the series, in table order. */
	for (i = 0; i < evmcs_stable_rows_count; i++) {
		if (evmcs_series_code(evmcs_stable_rows[i].series) != code ||
		    (r = evmcs_row_find(evmcs_stable_rows[i].row)) == NULL)
			continue;
		if (ki->nopen == 0 && sub >= evmcs_stable_rows[i].first) {
			ki->row = r;
		} else if (ki->distro && ki->nopen < EVMCS_OPEN_MAX) {
			ki->open[ki->nopen] = &evmcs_stable_rows[i];
			ki->open_row[ki->nopen++] = r;
		}
	}
}

enum evmcs_kernel
evmcs_kernel_classify(const char *kernel_release, const struct evmcs_row **row)
{
	struct evmcs_kinfo ki;

	evmcs_kernel_info(kernel_release, &ki);
	if (row != NULL)
		*row = ki.row;
	return ki.kind;
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
