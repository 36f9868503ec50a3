/*
 * cmd_emulate.c - "migcompat emulate": the profile a host would report
 * under a given kernel release, its VMX layer computed from the hardware
 * VMX MSRs with the KVM table of that release (kvmnested.h) and its eVMCS
 * views emulated for that release.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "evmcsview.h"
#include "kvmnested.h"
#include "log.h"
#include "profile.h"

static int cmd_emulate_run(int argc, char **argv);

const struct cli_cmd cmd_emulate_entry = {
	"emulate", "--kernel K [--param kvm_intel.NAME=VALUE]... FILE",
	"print the profile FILE's host would report under kernel K (VMX layer emulated)",
	cmd_emulate_run,
};

static int
cmd_emulate_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "param", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmnested_params pp;
	struct kvmnested_result res;
	const struct vmx_msrs *hw;
	const char *kernel = NULL;
	struct json_object *o = NULL;
	struct profile p;
	char err[768];
	int c, ret = CLI_EXIT_USAGE;

	profile_init(&p);
	kvmnested_params_default(&pp);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'k') {
			kernel = optarg;
		} else if (c == 'p') {
			if (kvmnested_param_set(&pp, optarg, err, sizeof(err)) == -1) {
				log_warnx("--param %s", err);
				goto cleanup;
			}
		} else {
			return cli_usage(&cmd_emulate_entry);
		}
	}
	if (kernel == NULL || optind != argc - 1)
		return cli_usage(&cmd_emulate_entry);
	if (profile_load_file(argv[optind], &p, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto cleanup;
	}
	/* The hardware's VMX MSRs: the hw layer, or the VMX layer of a dump. */
	if (profile_layer_ok(&p.hw))
		hw = &p.hw_msrs;
	else if (p.is_dump || p.vmx_source == PROFILE_VMX_SRC_HARDWARE ||
	    (profile_layer_ok(&p.vmx) && !profile_layer_ok(&p.kvm)))
		hw = &p.vmx_raw;
	else {
		log_warnx("%s: no hardware VMX MSRs (neither a hw layer nor a dump's VMX layer)",
		    argv[optind]);
		goto cleanup;
	}
	if (kvmnested_compute(hw, kernel, &pp, &res, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", argv[optind], err);
		goto cleanup;
	}
	snprintf(p.kernel, sizeof(p.kernel), "%s", kernel);
	p.vmx_raw = res.msrs;
	p.vmx_source = PROFILE_VMX_SRC_EMULATED;
	snprintf(p.vmx_kernel, sizeof(p.vmx_kernel), "%s", kernel);
	p.is_dump = 0;
	if (!pp.nested)
		profile_layer_set(&p.vmx, LAYER_UNAVAILABLE, "KVM %s with nested=0 reports no VMX MSRs",
		    res.release);
	else if (res.unconfirmed != 0)
		profile_layer_set(&p.vmx, LAYER_EMULATED, "emulated: KVM %s from the hardware VMX MSRs; "
		    "unconfirmed for this release: MSR mask 0x%x (bit i = 0x480+i)", res.release,
		    res.unconfirmed);
	else
		profile_layer_set(&p.vmx, LAYER_EMULATED, "emulated: KVM %s from the hardware VMX MSRs",
		    res.release);
	/* The per-vCPU values belonged to the measured kernel. */
	p.vmx_vcpu.status = LAYER_ABSENT;
	p.vmx_vcpu.reason[0] = '\0';
	memset(&p.vmx_vcpu_msrs, 0, sizeof(p.vmx_vcpu_msrs));
	evmcsview_emulate(&p);
	if (profile_update_hash(&p) == -1) {
		log_warnx("%s: cannot hash the emulated profile", argv[optind]);
		goto cleanup;
	}
	o = profile_to_json(&p);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	if (cli_flush() == -1)
		goto cleanup;
	ret = CLI_EXIT_OK;
cleanup:
	json_object_put(o);
	profile_clear(&p);
	return ret;
}
