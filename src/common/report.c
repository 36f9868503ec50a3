/*
 * report.c - the human-readable summary of a profile.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "report.h"
#include "util.h"
#include "vmxbits.h"

static const uint32_t report_ctl_msrs[][2] = {
	/* TRUE index, non-TRUE twin (0 when none) */
	{ MSR_VMX_TRUE_PINBASED, MSR_VMX_PINBASED },
	{ MSR_VMX_TRUE_PROCBASED, MSR_VMX_PROCBASED },
	{ MSR_VMX_PROCBASED2, 0 },
	{ MSR_VMX_TRUE_EXIT, MSR_VMX_EXIT },
	{ MSR_VMX_TRUE_ENTRY, MSR_VMX_ENTRY },
};

static void
report_layer(FILE *f, const char *name, const struct layer *l)
{
	if (l->status == LAYER_ABSENT)
		return;
	fprintf(f, "  %-16s %-12s ", name, profile_status_name(l->status));
	log_vis_print(f, l->reason, 0);
	fputc('\n', f);
}

static void
report_controls(FILE *f, const struct vmx_msrs *m, uint32_t true_msr, uint32_t twin, const char *indent)
{
	uint64_t tv, lv;
	uint32_t shown;
	unsigned bit;
	char name[64];

	if (vmx_msr_has(m, true_msr))
		shown = true_msr;
	else if (twin != 0 && vmx_msr_has(m, twin))
		shown = twin;
	else
		return;
	tv = vmx_msr_get(m, shown);
	lv = twin != 0 && vmx_msr_has(m, twin) ? vmx_msr_get(m, twin) : tv;
	fprintf(f, "%s%s (%s 0x%x = 0x%016" PRIx64 ")\n", indent, vmxbits_msr_title(shown),
	    vmxbits_msr_name(shown), shown, tv);
	for (bit = 0; bit < 32; bit++) {
		const struct vmxbits_entry *e = vmxbits_lookup(true_msr, bit);
		int allowed1 = (tv >> (32 + bit)) & 1, must1 = (tv >> bit) & 1;
		int legacy_must1 = (lv >> bit) & 1;
		const char *state;

		if (e == NULL || (e->linux_name == NULL && e->qemu_name == NULL && !allowed1))
			continue;
		if (e->linux_name == NULL && e->qemu_name == NULL)
			continue;	/* reserved default-1 bits */
		if (!allowed1)
			state = "no";
		else if (must1)
			state = "forced";
		else if (legacy_must1)
			state = "default";
		else
			state = "yes";
		vmxbits_name(true_msr, bit, name, sizeof(name));
		fprintf(f, "%s  %-46s %-34s %s\n", indent, e->desc, name, state);
	}
}

static void
report_bits64(FILE *f, const struct vmx_msrs *m, uint32_t msr, const char *indent)
{
	uint64_t v = vmx_msr_get(m, msr);
	unsigned bit;
	char name[64];

	for (bit = 0; bit < 64; bit++) {
		const struct vmxbits_entry *e = vmxbits_lookup(msr, bit);

		if (e == NULL)
			continue;
		vmxbits_name(msr, bit, name, sizeof(name));
		fprintf(f, "%s  %-46s %-34s %s\n", indent, e->desc, name, (v >> bit) & 1 ? "yes" : "no");
	}
}

void
report_vmx(FILE *f, const struct vmx_msrs *m, const char *indent)
{
	static const char *const memtype[] = { "UC", "WC", "2", "3", "WT", "WP", "WB", "7" };
	uint64_t basic = vmx_msr_get(m, MSR_VMX_BASIC), misc = vmx_msr_get(m, MSR_VMX_MISC);
	size_t i;

	if (vmx_msr_has(m, MSR_VMX_BASIC)) {
		fprintf(f, "%sbasic VMX information (IA32_VMX_BASIC 0x480 = 0x%016" PRIx64 ")\n", indent, basic);
		fprintf(f, "%s  %-46s 0x%" PRIx64 "\n", indent, "VMCS revision", basic & 0x7fffffffu);
		fprintf(f, "%s  %-46s %" PRIu64 "\n", indent, "VMCS size", (basic >> 32) & 0x1fff);
		fprintf(f, "%s  %-46s %s\n", indent, "VMCS memory type", memtype[(basic >> 50) & 0xf & 7]);
		report_bits64(f, m, MSR_VMX_BASIC, indent);
	}
	for (i = 0; i < sizeof(report_ctl_msrs) / sizeof(report_ctl_msrs[0]); i++)
		report_controls(f, m, report_ctl_msrs[i][0], report_ctl_msrs[i][1], indent);
	if (vmx_msr_has(m, MSR_VMX_PROCBASED3)) {
		fprintf(f, "%stertiary controls (IA32_VMX_PROCBASED_CTLS3 0x492 = 0x%016" PRIx64 ")\n", indent,
		    vmx_msr_get(m, MSR_VMX_PROCBASED3));
		report_bits64(f, m, MSR_VMX_PROCBASED3, indent);
	}
	if (vmx_msr_has(m, MSR_VMX_MISC)) {
		fprintf(f, "%smiscellaneous data (IA32_VMX_MISC 0x485 = 0x%016" PRIx64 ")\n", indent, misc);
		fprintf(f, "%s  %-46s %" PRIu64 "\n", indent, "VMX-preemption timer rate (TSC >> N)", misc & 0x1f);
		fprintf(f, "%s  %-46s %" PRIu64 "\n", indent, "number of CR3-target values", (misc >> 16) & 0x1ff);
		fprintf(f, "%s  %-46s %" PRIu64 "\n", indent, "max MSR-list entries", 512 * (((misc >> 25) & 7) + 1));
		fprintf(f, "%s  %-46s 0x%" PRIx64 "\n", indent, "MSEG revision", misc >> 32);
		report_bits64(f, m, MSR_VMX_MISC, indent);
	}
	if (vmx_msr_has(m, MSR_VMX_EPT_VPID)) {
		fprintf(f, "%sEPT and VPID capabilities (IA32_VMX_EPT_VPID_CAP 0x48c = 0x%016" PRIx64 ")\n",
		    indent, vmx_msr_get(m, MSR_VMX_EPT_VPID));
		report_bits64(f, m, MSR_VMX_EPT_VPID, indent);
	}
	if (vmx_msr_has(m, MSR_VMX_VMFUNC)) {
		fprintf(f, "%sVM functions (IA32_VMX_VMFUNC 0x491 = 0x%016" PRIx64 ")\n", indent,
		    vmx_msr_get(m, MSR_VMX_VMFUNC));
		report_bits64(f, m, MSR_VMX_VMFUNC, indent);
	}
	for (i = MSR_VMX_CR0_FIXED0; i <= MSR_VMX_VMCS_ENUM; i++)
		if (vmx_msr_has(m, (uint32_t)i))
			fprintf(f, "%s%-48s 0x%016" PRIx64 "\n", indent, vmxbits_msr_name((uint32_t)i),
			    vmx_msr_get(m, (uint32_t)i));
}

static void
report_evmcs_diff(FILE *f, const struct profile_evmcs *e, const struct vmx_msrs *raw, const char *what)
{
	static const char *const vnames[] = { "no Hyper-V", "eVMCS (PV bit clear, as QEMU)", "eVMCS with PV bit" };
	size_t i;
	int v;

	if (!profile_layer_ok(&e->layer))
		return;
	fprintf(f, "\neVMCS views, %s (", what);
	log_vis_print(f, e->layer.reason, 0);
	fprintf(f, ")\n");
	for (v = 0; v < EVMCS_VIEW_NUM; v++) {
		int any = 0;

		if (!(e->views_present & (1u << v)))
			continue;
		fprintf(f, "  %s: hidden from the guest:", vnames[v]);
		for (i = 0; i < sizeof(report_ctl_msrs) / sizeof(report_ctl_msrs[0]) + 1; i++) {
			uint32_t msr = i < 5 ? report_ctl_msrs[i][0] : MSR_VMX_VMFUNC;
			uint64_t r = msr == MSR_VMX_VMFUNC ? vmx_msr_get(raw, msr) :
			    vmx_msr_true_ctl(raw, msr) >> 32;
			uint64_t g = msr == MSR_VMX_VMFUNC ? vmx_msr_get(&e->view[v], msr) :
			    vmx_msr_true_ctl(&e->view[v], msr) >> 32;
			uint64_t gone = r & ~g & 0xffffffffu;
			unsigned bit;
			char name[64];

			for (bit = 0; bit < 32; bit++) {
				if (!(gone >> bit & 1))
					continue;
				fprintf(f, " %s", vmxbits_name(msr, bit, name, sizeof(name)));
				any = 1;
			}
		}
		fprintf(f, "%s\n", any ? "" : " nothing");
	}
}

void
report_profile(FILE *f, const struct profile *p, const char *label)
{
	char ts[32];
	size_t i;

	if (label != NULL) {
		fprintf(f, "source      ");
		log_vis_print(f, label, 0);
		fprintf(f, "%s\n", p->is_dump ? " (MSR dump)" : "");
	}
	if (p->host_id[0] != '\0') {
		fprintf(f, "host        ");
		log_vis_print(f, p->host_id, 0);
		fprintf(f, " (");
		log_vis_print(f, p->hostname, 0);
		fprintf(f, ")\n");
	}
	if (p->collected_at != 0) {
		util_format_time(p->collected_at, ts, sizeof(ts));
		fprintf(f, "collected   %s\n", ts);
	}
	fprintf(f, "kernel      ");
	log_vis_print(f, p->kernel[0] != '\0' ? p->kernel : "unknown", 0);
	fprintf(f, "\ncpu         ");
	log_vis_print(f, p->cpu.vendor[0] != '\0' ? p->cpu.vendor : "unknown vendor", 0);
	if (p->cpu.family >= 0)
		fprintf(f, " family %d model %d stepping %d", p->cpu.family, p->cpu.model, p->cpu.stepping);
	if (p->cpu.has_microcode)
		fprintf(f, " microcode 0x%" PRIx64, p->cpu.microcode);
	fprintf(f, "\n");
	if (p->cpu.model_name[0] != '\0') {
		fprintf(f, "            ");
		log_vis_print(f, p->cpu.model_name, 0);
		fputc('\n', f);
	}
	fprintf(f, "hash        ");
	log_vis_print(f, p->hash, 0);
	fputc('\n', f);

	fprintf(f, "\nlayers\n");
	report_layer(f, "kvm", &p->kvm);
	report_layer(f, "cpuid", &p->cpuid);
	report_layer(f, "hv_cpuid", &p->hv_cpuid);
	report_layer(f, "feature_msrs", &p->feature_msrs);
	report_layer(f, "vmx", &p->vmx);
	report_layer(f, "vmx_vcpu", &p->vmx_vcpu);
	report_layer(f, "evmcs_measured", &p->evmcs_measured.layer);
	report_layer(f, "evmcs_emulated", &p->evmcs_emulated.layer);
	report_layer(f, "guest", &p->guest);
	report_layer(f, "hw_msrs", &p->hw);
	report_layer(f, "tsc", &p->tsc);
	report_layer(f, "module_params", &p->params);
	report_layer(f, "libvirt", &p->libvirt);
	if (p->extra_layers != NULL) {
		json_object_object_foreach(p->extra_layers, key, val) {
			struct json_object *st = NULL, *re = NULL;

			json_object_object_get_ex(val, "status", &st);
			json_object_object_get_ex(val, "reason", &re);
			fprintf(f, "  ");
			log_vis_print(f, key, 16);
			fputc(' ', f);
			log_vis_print(f, st != NULL ? json_object_get_string(st) : "?", 12);
			fputc(' ', f);
			log_vis_print(f, re != NULL ? json_object_get_string(re) : "", 0);
			fputc('\n', f);
		}
	}

	if (profile_layer_ok(&p->kvm)) {
		static const uint32_t used[] = { 157, 164, 163, 167, 191, 60, 61, 214, 153 };

		fprintf(f, "\nKVM API version %d; capabilities the rules use:\n", p->api_version);
		for (i = 0; i < sizeof(used) / sizeof(used[0]); i++)
			fprintf(f, "  %-28s (%3u) %" PRId64 "\n", profile_cap_name(used[i]), used[i],
			    profile_cap(p, used[i]) < 0 ? 0 : profile_cap(p, used[i]));
	}
	if (profile_layer_ok(&p->tsc))
		fprintf(f, "\nTSC %u kHz, TSC scaling %s\n", p->tsc_khz, p->tsc_scaling ? "yes" : "no");
	if (profile_layer_ok(&p->vmx)) {
		if (profile_vmx_source(p) == PROFILE_VMX_SRC_HARDWARE) {
			fprintf(f, "\nVMX capability MSRs (the hardware's; the rules judge them as %s",
			    p->kernel[0] != '\0' ? "the KVM of kernel " : "they are: no kernel is recorded");
			log_vis_print(f, p->kernel, 0);
			fprintf(f, ")\n");
		} else if (profile_vmx_source(p) == PROFILE_VMX_SRC_EMULATED) {
			fprintf(f, "\nVMX capability MSRs (emulated for kernel ");
			log_vis_print(f, p->vmx_kernel, 0);
			fprintf(f, ": what its KVM would report)\n");
		} else {
			fprintf(f, "\nVMX capability MSRs (raw: what the VMM reads and writes on the destination)\n");
		}
		report_vmx(f, &p->vmx_raw, "  ");
		report_evmcs_diff(f, &p->evmcs_measured, &p->vmx_raw, "measured by the probe guest");
		report_evmcs_diff(f, &p->evmcs_emulated, &p->vmx_raw, "emulated from the kernel filter table");
	} else if (p->vmx.status == LAYER_UNAVAILABLE) {
		fprintf(f, "\nVMX: unavailable: ");
		log_vis_print(f, p->vmx.reason, 0);
		fputc('\n', f);
	}
}
