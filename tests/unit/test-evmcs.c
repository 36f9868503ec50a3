/*
 * test-evmcs.c - the per-kernel eVMCS filter table and its emulation,
 * checked against the hex masks of the KVM reference (sections 1.5, 1.6
 * and 7) and a real MSR dump.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "evmcs.h"
#include "tap.h"
#include "vmx.h"

/* Row name for a release, "none" (< v4.20) or "unknown". */
static const char *
test_row_of(const char *rel)
{
	const struct evmcs_row *r;

	switch (evmcs_kernel_classify(rel, &r)) {
	case EVMCS_KERNEL_ROW:
		return r->row;
	case EVMCS_KERNEL_NONE:
		return "none";
	default:
		return "unknown";
	}
}

static void
test_classify(void)
{
	static const struct {
		const char *rel, *row;
	} c[] = {
		{ "4.19.0-25-amd64", "none" }, { "3.10.0", "none" },
		{ "4.20.0", "4.20" }, { "5.0.21", "4.20" }, { "5.5.19", "4.20" },
		{ "5.6.0", "5.6" }, { "5.7.19", "5.6" }, { "5.8.0", "5.6" }, { "5.10.0-26-amd64", "5.6" },
		{ "5.13.19", "5.6" }, { "5.15.0-91-generic", "5.15" },
		/* Upstream stable sublevels decide the backports (data/evmcs-stable.tsv). */
		{ "5.10", "5.6" }, { "5.10.70", "5.6" }, { "5.10.71", "5.15" }, { "5.10.220", "5.15" },
		{ "5.14.9", "5.6" }, { "5.14.10", "5.15" }, { "5.14.21", "5.15" },
		{ "5.15.23", "5.15" }, { "5.15.24", "5.17" }, { "5.15.167+", "5.17" },
		{ "5.16.9", "5.15" }, { "5.16.10", "5.17" }, { "5.16.20", "5.17" },
		{ "5.15.24-arch1-1", "5.17" }, { "5.10.71_custom", "5.15" },
		/* A distribution's real sublevel is a floor: 5.16.10 or later is in. */
		{ "5.16.10-200.fc35.x86_64", "5.17" }, { "5.14.21-150500.55.39-default", "5.15" },
		{ "5.15.24-051524-generic", "5.17" },
		{ "5.17.15", "5.17" }, { "5.18.0", "5.18" }, { "5.19.0-46-generic", "5.18" },
		{ "6.0.12", "5.18" }, { "6.1.0-13-amd64", "6.1" }, { "6.2.16", "6.2" },
		{ "6.3.0", "6.3" }, { "6.8.0-45-generic", "6.3" }, { "6.14.2-arch1-1", "6.3" },
		{ "", "unknown" }, { "linux", "unknown" }, { "6", "unknown" },
		{ "4.18.0-513.5.1.el8_9.x86_64", "unknown" }, { "5.14.0-362.8.1.el9_3.x86_64", "unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		tap_ok(strcmp(test_row_of(c[i].rel), c[i].row) == 0, "kernel \"%s\" -> row %s (got %s)",
		    c[i].rel, c[i].row, test_row_of(c[i].rel));
	tap_ok(strcmp(test_row_of(NULL), "unknown") == 0, "NULL kernel is unknown");
}

/* What the release string leaves open: distribution kernels below a backport's sublevel. */
static void
test_kinfo(void)
{
	static const struct {
		const char *rel;
		int distro;
		const char *row, *open_row, *commits;
	} c[] = {
		{ "5.10.0-26-amd64", 1, "5.6", "5.15", "8d68bad6d869" },
		{ "5.10.70", 0, "5.6", NULL, NULL },
		{ "5.10.71", 0, "5.15", NULL, NULL },
		{ "5.14.0-1-generic", 1, "5.6", "5.15", "8d68bad6d869" },
		{ "5.15.0-91-generic", 1, "5.15", "5.17", "7a601e2cf615,f80ae0ef089a" },
		{ "5.15.23-1-custom", 1, "5.15", "5.17", "7a601e2cf615,f80ae0ef089a" },
		{ "5.15.23", 0, "5.15", NULL, NULL },
		{ "5.16.0-1-amd64", 1, "5.15", "5.17", "7a601e2cf615,f80ae0ef089a" },
		{ "5.16.10-200.fc35.x86_64", 1, "5.17", NULL, NULL },
		/* Series without stable backports of the filter: nothing open. */
		{ "5.8.0-63-generic", 1, "5.6", NULL, NULL },
		{ "5.13.0-52-generic", 1, "5.6", NULL, NULL },
		{ "5.4.0-150-generic", 1, "4.20", NULL, NULL },
		{ "6.1.0-13-amd64", 1, "6.1", NULL, NULL },
	};
	struct evmcs_kinfo ki;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		evmcs_kernel_info(c[i].rel, &ki);
		tap_ok(ki.kind == EVMCS_KERNEL_ROW && ki.distro == c[i].distro && !ki.vendor &&
		    strcmp(ki.row->row, c[i].row) == 0 && ki.nopen == (c[i].open_row != NULL) &&
		    (ki.nopen == 0 || (strcmp(ki.open_row[0]->row, c[i].open_row) == 0 &&
		    strcmp(ki.open[0]->commits, c[i].commits) == 0)),
		    "%s: %s row %s%s%s%s%s", c[i].rel, c[i].distro ? "distribution" : "upstream", c[i].row,
		    c[i].open_row != NULL ? ", open: " : "", c[i].commits != NULL ? c[i].commits : "",
		    c[i].open_row != NULL ? " -> " : "", c[i].open_row != NULL ? c[i].open_row : "");
	}
	evmcs_kernel_info("5.14.0-362.8.1.el9_3.x86_64", &ki);
	tap_ok(ki.kind == EVMCS_KERNEL_UNKNOWN && ki.vendor && ki.row == NULL && ki.nopen == 0,
	    "el9: a vendor kernel, no row, nothing to open");
	evmcs_kernel_info(NULL, &ki);
	tap_ok(ki.kind == EVMCS_KERNEL_UNKNOWN && !ki.vendor, "NULL: unknown");
}

/*
 * Every backport row names a row of the filter table later than its
 * series' own, and sublevels above 0: a typo there would silently
 * change answers.
 */
static void
test_stable_table(void)
{
	const struct evmcs_row *base, *to;
	char rel[32];
	size_t i;
	int bad = 0;

	for (i = 0; i < evmcs_stable_rows_count; i++) {
		const struct evmcs_stable *st = &evmcs_stable_rows[i];

		to = evmcs_row_find(st->row);
		snprintf(rel, sizeof(rel), "%s", st->series);
		if (to == NULL || st->first == 0 || evmcs_kernel_classify(rel, &base) != EVMCS_KERNEL_ROW ||
		    base->from >= to->from || strlen(st->commits) < 12) {
			tap_diag("stable row %s.%u -> %s is inconsistent", st->series, st->first, st->row);
			bad++;
		}
	}
	tap_ok(bad == 0 && evmcs_stable_rows_count > 0, "%zu stable backport rows, each to a later row",
	    evmcs_stable_rows_count);
}

static void
test_pv(void)
{
	tap_ok(evmcs_kernel_honours_pv_bit("6.1.0-13-amd64") == 1, "6.1 honours the PV bit");
	tap_ok(evmcs_kernel_honours_pv_bit("6.8.0") == 1, "6.8 honours the PV bit");
	tap_ok(evmcs_kernel_honours_pv_bit("5.19.0-46-generic") == 0, "5.19 does not honour the PV bit");
	tap_ok(evmcs_kernel_honours_pv_bit("4.9.0") == 0, "4.9 (no eVMCS) does not honour it");
	tap_ok(evmcs_kernel_honours_pv_bit("") == -1, "empty kernel: unknown");
	tap_ok(evmcs_kernel_honours_pv_bit("5.14.0-1.el9") == -1, "el9 kernel: unknown");
}

/* Expected keep masks (allowed-1 bits kept) for one kernel and PV setting. */
struct test_masks {
	const char *rel;
	int pv;
	uint32_t pin, tpin, proc, proc2, exit, entry, vmfunc;
};

static void
test_masks(void)
{
	static const struct test_masks m[] = {
		/* v4.20-v5.5: EVMCS1_UNSUPPORTED_* cleared at cap enable. */
		{ "5.4.0", 0, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x1000u, ~0x2000u, ~0x1u },
		/* v5.6-v5.14: only the known problematic bits. */
		{ "5.10.0", 0, ~0u, ~0u, ~0u, ~0x1u, ~0x1000u, ~0x2000u, ~0u },
		/* v5.15: full lists, pin only on 0x481. */
		{ "5.15.0", 0, ~0xc0u, ~0u, ~0u, ~0x02026701u, ~0x1000u, ~0x2000u, ~0x1u },
		/* v5.17: + SAVE_VMX_PREEMPTION_TIMER, pin on 0x48d too. */
		{ "5.17.0", 0, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x401000u, ~0x2000u, ~0x1u },
		/* v5.19: as 5.17; the PV bit changes nothing. */
		{ "5.19.0", 0, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x401000u, ~0x2000u, ~0x1u },
		{ "5.19.0", 1, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x401000u, ~0x2000u, ~0x1u },
		/* v6.1/v6.2: PERF_GLOBAL_CTRL hidden only without the PV bit. */
		{ "6.1.0", 0, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x401000u, ~0x2000u, ~0x1u },
		{ "6.1.0", 1, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x400000u, ~0u, ~0x1u },
		{ "6.2.0", 1, ~0xc0u, ~0xc0u, ~0u, ~0x02026701u, ~0x400000u, ~0u, ~0x1u },
		/* v6.3 on: SUPPORTED masks, TSC scaling (bit 25) hidden. */
		{ "6.3.0", 1, 0x3f, 0x3f, 0xfff9fffe, 0xc51998fe, 0x03bfffff, 0x0007f3ff, 0 },
		{ "6.6.0", 0, 0x3f, 0x3f, 0xfff9fffe, 0xc51998fe, 0x03bfefff, 0x0007d3ff, 0 },
	};
	const struct evmcs_row *r;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (!tap_ok(evmcs_kernel_classify(m[i].rel, &r) == EVMCS_KERNEL_ROW, "%s has a row", m[i].rel))
			continue;
		tap_ok(evmcs_keep_mask(r, MSR_VMX_PINBASED, m[i].pv) == m[i].pin &&
		    evmcs_keep_mask(r, MSR_VMX_TRUE_PINBASED, m[i].pv) == m[i].tpin &&
		    evmcs_keep_mask(r, MSR_VMX_PROCBASED, m[i].pv) == m[i].proc &&
		    evmcs_keep_mask(r, MSR_VMX_TRUE_PROCBASED, m[i].pv) == m[i].proc &&
		    evmcs_keep_mask(r, MSR_VMX_PROCBASED2, m[i].pv) == m[i].proc2 &&
		    evmcs_keep_mask(r, MSR_VMX_EXIT, m[i].pv) == m[i].exit &&
		    evmcs_keep_mask(r, MSR_VMX_TRUE_EXIT, m[i].pv) == m[i].exit &&
		    evmcs_keep_mask(r, MSR_VMX_ENTRY, m[i].pv) == m[i].entry &&
		    evmcs_keep_mask(r, MSR_VMX_TRUE_ENTRY, m[i].pv) == m[i].entry &&
		    evmcs_keep_mask(r, MSR_VMX_VMFUNC, m[i].pv) == m[i].vmfunc,
		    "keep masks of %s (row %s) with PV bit %d", m[i].rel, r->row, m[i].pv);
		tap_ok(evmcs_keep_mask(r, MSR_VMX_BASIC, m[i].pv) == ~0u &&
		    evmcs_keep_mask(r, MSR_VMX_EPT_VPID, m[i].pv) == ~0u &&
		    evmcs_keep_mask(r, MSR_VMX_PROCBASED3, m[i].pv) == ~0u,
		    "%s: BASIC, EPT/VPID and tertiary controls untouched", m[i].rel);
	}
}

/* The i7-9750H dump (vbox and InstLatx64 agree on it). */
static void
test_load_9750h(struct vmx_msrs *m)
{
	memset(m, 0, sizeof(*m));
	vmx_msr_set(m, 0x480, 0xda040000000004ull);
	vmx_msr_set(m, 0x481, 0x7f00000016ull);
	vmx_msr_set(m, 0x482, 0xfff9fffe0401e172ull);
	vmx_msr_set(m, 0x483, 0x1ffffff00036dffull);
	vmx_msr_set(m, 0x484, 0x3ffff000011ffull);
	vmx_msr_set(m, 0x485, 0x7004c1e7ull);
	vmx_msr_set(m, 0x486, 0x80000021ull);
	vmx_msr_set(m, 0x487, 0xffffffffull);
	vmx_msr_set(m, 0x488, 0x2000ull);
	vmx_msr_set(m, 0x489, 0x3727ffull);
	vmx_msr_set(m, 0x48a, 0x2eull);
	vmx_msr_set(m, 0x48b, 0x5fbcff00000000ull);
	vmx_msr_set(m, 0x48c, 0xf0106734141ull);
	vmx_msr_set(m, 0x48d, 0x7f00000016ull);
	vmx_msr_set(m, 0x48e, 0xfff9fffe04006172ull);
	vmx_msr_set(m, 0x48f, 0x1ffffff00036dfbull);
	vmx_msr_set(m, 0x490, 0x3ffff000011fbull);
	vmx_msr_set(m, 0x491, 0x1ull);
}

static void
test_emulate(void)
{
	struct vmx_msrs raw, out, same;
	char row[16];
	uint32_t idx;
	int untouched;

	test_load_9750h(&raw);

	/* v6.3 without the PV bit: the SUPPORTED masks, TSC scaling hidden. */
	memset(&out, 0xa5, sizeof(out));
	tap_ok(evmcs_emulate(&raw, "6.5.0-1-amd64", 0, &out, row, sizeof(row)) == 0 &&
	    strcmp(row, "6.3") == 0, "6.5 emulates with row 6.3 (%s)", row);
	tap_ok(vmx_msr_get(&out, 0x48b) == ((uint64_t)(0x5fbcffu & 0xc51998feu) << 32),
	    "6.3: 0x48b allowed-1 0x5fbcff & 0xc51998fe (got 0x%llx)",
	    (unsigned long long)vmx_msr_get(&out, 0x48b));
	tap_ok(vmx_msr_get(&out, 0x48d) == 0x3f00000016ull && vmx_msr_get(&out, 0x481) == 0x3f00000016ull,
	    "6.3: pin allowed-1 0x7f -> 0x3f (preemption timer hidden), must-be-1 kept");
	tap_ok(vmx_msr_get(&out, 0x48f) == (((uint64_t)(0x1ffffffu & 0x03bfefffu) << 32) | 0x36dfb),
	    "6.3 without PV: exit loses PERF_GLOBAL_CTRL (12) and preemption-timer save (22)");
	tap_ok(vmx_msr_get(&out, 0x490) == (((uint64_t)(0x3ffffu & 0x0007d3ffu) << 32) | 0x11fb),
	    "6.3 without PV: entry loses PERF_GLOBAL_CTRL (13), SMM (10), dual monitor (11)");
	tap_ok(vmx_msr_get(&out, 0x491) == 0, "6.3: VMFUNC low half cleared");
	tap_ok(vmx_msr_get(&out, 0x48e) == 0xfff9fffe04006172ull, "6.3: primary controls of this CPU pass");
	untouched = 1;
	for (idx = 0x480; idx <= 0x48c; idx++)
		if (idx == 0x480 || (idx >= 0x485 && idx <= 0x48a) || idx == 0x48c)
			untouched &= vmx_msr_get(&out, idx) == vmx_msr_get(&raw, idx);
	tap_ok(untouched, "6.3: BASIC, MISC, FIXED, VMCS_ENUM and EPT/VPID are never filtered");
	tap_ok(!vmx_msr_has(&out, 0x492) && !vmx_msr_has(&out, 0x493) && out.present == raw.present,
	    "absent MSRs stay absent");

	/* v6.3 with the PV bit: PERF_GLOBAL_CTRL visible. */
	tap_ok(evmcs_emulate(&raw, "6.8.0", 1, &out, NULL, 0) == 0 &&
	    (vmx_msr_get(&out, 0x48f) >> 32 & 0x1000) && (vmx_msr_get(&out, 0x490) >> 32 & 0x2000),
	    "6.8 with the PV bit keeps LOAD_IA32_PERF_GLOBAL_CTRL");

	/* v6.1: clear-style masks and the PV bit. */
	tap_ok(evmcs_emulate(&raw, "6.1.0-13-amd64", 1, &out, row, sizeof(row)) == 0 &&
	    vmx_msr_get(&out, 0x48b) == ((uint64_t)(0x5fbcffu & ~0x02026701u) << 32) &&
	    (vmx_msr_get(&out, 0x48f) >> 32 & 0x1000) && !(vmx_msr_get(&out, 0x48f) >> 32 & 0x400000) &&
	    (vmx_msr_get(&out, 0x490) >> 32 & 0x2000) && vmx_msr_get(&out, 0x491) == 0,
	    "6.1 with PV: 2nd & ~0x02026701, exit keeps 0x1000 not 0x400000, entry keeps 0x2000");
	tap_ok(evmcs_emulate(&raw, "6.1.0-13-amd64", 0, &out, row, sizeof(row)) == 0 &&
	    !(vmx_msr_get(&out, 0x48f) >> 32 & 0x1000) && !(vmx_msr_get(&out, 0x490) >> 32 & 0x2000),
	    "6.1 without PV: PERF_GLOBAL_CTRL hidden");

	/* v5.19: PERF_GLOBAL_CTRL hidden whatever the PV bit. */
	tap_ok(evmcs_emulate(&raw, "5.19.0-46-generic", 1, &out, row, sizeof(row)) == 0 &&
	    strcmp(row, "5.18") == 0 &&
	    !(vmx_msr_get(&out, 0x48f) >> 32 & 0x1000) && !(vmx_msr_get(&out, 0x490) >> 32 & 0x2000),
	    "5.19 with PV bit: PERF_GLOBAL_CTRL still hidden (row %s)", row);

	/* v5.15: 0x48d untouched, 0x481 filtered. */
	tap_ok(evmcs_emulate(&raw, "5.15.0-91-generic", 0, &out, NULL, 0) == 0 &&
	    vmx_msr_get(&out, 0x48d) == 0x7f00000016ull && vmx_msr_get(&out, 0x481) == 0x3f00000016ull &&
	    (vmx_msr_get(&out, 0x48f) >> 32 & 0x400000),
	    "5.15: pin filtered on 0x481 only, preemption-timer save still visible");

	/* v5.6-v5.14: only APIC-access virtualization in the secondary controls. */
	tap_ok(evmcs_emulate(&raw, "5.10.0-26-amd64", 0, &out, NULL, 0) == 0 &&
	    vmx_msr_get(&out, 0x48b) == ((uint64_t)(0x5fbcffu & ~1u) << 32) &&
	    vmx_msr_get(&out, 0x491) == 1 && vmx_msr_get(&out, 0x48d) == 0x7f00000016ull,
	    "5.10: 2nd loses bit 0 only, VMFUNC and pin untouched");

	/* In place. */
	same = raw;
	tap_ok(evmcs_emulate(&same, "6.3.0", 0, &same, NULL, 0) == 0 &&
	    vmx_msr_get(&same, 0x491) == 0, "raw and out may be the same object");

	/* No row: -1 and out untouched. */
	memset(&out, 0x5a, sizeof(out));
	same = out;
	tap_ok(evmcs_emulate(&raw, "4.19.0", 0, &out, row, sizeof(row)) == -1 &&
	    memcmp(&out, &same, sizeof(out)) == 0, "4.19: no eVMCS, -1, out untouched");
	tap_ok(evmcs_emulate(&raw, "", 0, &out, row, sizeof(row)) == -1, "unknown kernel: -1");
	tap_ok(evmcs_emulate(&raw, "5.14.0-362.el9", 0, &out, row, sizeof(row)) == -1, "el9 kernel: -1");
}

int
main(void)
{
	test_classify();
	test_kinfo();
	test_stable_table();
	test_pv();
	test_masks();
	test_emulate();
	return tap_done();
}
