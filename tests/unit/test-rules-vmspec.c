/*
 * test-rules-vmspec.c - scenarios and the JSON VM spec of
 * migcompat-vmspec(5): parsing, errors naming the field, the JSON form.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "tap.h"
#include "vmspec.h"

static int
parse(const char *text, struct vmspec *vm, char *err, size_t errsize)
{
	err[0] = '\0';
	return vmspec_parse(text, strlen(text), vm, err, errsize);
}

static void
test_scenarios(void)
{
	static const char *names[] = { "plain", "nested", "evmcs", "evmcs-pv" };
	enum vmspec_scenario sc;
	struct vmspec vm;
	int i;

	for (i = 0; i < 4; i++) {
		tap_ok(vmspec_scenario_parse(names[i], &sc) == 0 && (int)sc == i &&
		    strcmp(vmspec_scenario_name(sc), names[i]) == 0, "scenario %s", names[i]);
		vmspec_init(&vm, sc);
		tap_ok(vm.nested == (i > 0) && vm.evmcs == (i >= 2) && vm.evmcs_pv == (i == 3) &&
		    vmspec_scenario_of(&vm) == sc && vm.cpu_mode == VMSPEC_CPU_HOST_PASSTHROUGH,
		    "vmspec_init(%s) sets the flags", names[i]);
	}
	tap_ok(vmspec_scenario_parse("evmcs_pv", &sc) == -1 && vmspec_scenario_parse("", &sc) == -1,
	    "unknown scenario names are refused");
}

static void
test_parse(void)
{
	static const char doc[] =
	    "{\"cpu\": {\"mode\": \"custom\", \"model\": \"Skylake-Server-v4\","
	    " \"features\": {\"avx512f\": true, \"vmx-tsc-scaling\": false, \"hv-relaxed\": true}},"
	    " \"nested\": true, \"evmcs\": true, \"evmcs_pv\": true,"
	    " \"hyperv\": [\"vapic\", \"hv-time\"], \"tsc_khz\": 2400000, \"invtsc\": true,"
	    " \"machine\": \"pc-q35-7.2\", \"uuid\": \"4dea22b3-1d52-d8f3-2516-782e98ab3fa0\"}";
	struct json_object *o;
	struct vmspec vm, back;
	char err[256];
	const char *s;

	tap_ok(parse(doc, &vm, err, sizeof(err)) == 0, "full spec parses (%s)", err);
	tap_ok(vm.cpu_mode == VMSPEC_CPU_CUSTOM && strcmp(vm.cpu_model, "Skylake-Server-v4") == 0 &&
	    vm.n_features == 2 && strcmp(vm.features[0].name, "avx512f") == 0 && vm.features[0].enabled &&
	    strcmp(vm.features[1].name, "vmx-tsc-scaling") == 0 && !vm.features[1].enabled,
	    "cpu mode, model and features");
	tap_ok(vm.scenario == VMSPEC_EVMCS_PV && vmspec_has_hyperv(&vm, "relaxed") &&
	    vmspec_has_hyperv(&vm, "hv-vapic") && vmspec_has_hyperv(&vm, "time") &&
	    vmspec_has_hyperv(&vm, "evmcs"), "scenario evmcs-pv; hv-* features and hyperv[] merged, evmcs added");
	tap_ok(vm.tsc_khz == 2400000 && vm.invtsc && strcmp(vm.machine, "pc-q35-7.2") == 0 &&
	    strcmp(vm.uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0") == 0, "TSC, machine, uuid");
	o = vmspec_to_json(&vm);
	s = json_object_to_json_string(o);
	tap_ok(parse(s, &back, err, sizeof(err)) == 0 && back.scenario == vm.scenario &&
	    back.n_features == vm.n_features && back.n_hyperv == vm.n_hyperv && back.tsc_khz == vm.tsc_khz &&
	    back.cpu_mode == vm.cpu_mode && strcmp(back.machine, vm.machine) == 0,
	    "the JSON form parses back to the same spec (%s)", err);
	json_object_put(o);

	tap_ok(parse("{}", &vm, err, sizeof(err)) == 0 && vm.scenario == VMSPEC_NESTED,
	    "empty spec: nested, the default scenario");
	tap_ok(parse("{\"scenario\": \"plain\"}", &vm, err, sizeof(err)) == 0 && !vm.nested, "scenario shorthand");
	tap_ok(parse("{\"scenario\": \"nested\", \"evmcs\": true}", &vm, err, sizeof(err)) == 0 &&
	    vm.scenario == VMSPEC_EVMCS, "fields refine the scenario");
	tap_ok(parse("{\"hyperv\": [\"evmcs\"]}", &vm, err, sizeof(err)) == 0 && vm.scenario == VMSPEC_EVMCS,
	    "hv-evmcs in use means the evmcs scenario");
}

static void
test_errors(void)
{
	static const struct {
		const char *doc, *field;
	} bad[] = {
		{ "{\"nestd\": true}", "nestd: unknown field" },
		{ "{\"cpu\": {\"mode\": \"host\"}}", "cpu.mode:" },
		{ "{\"cpu\": {\"modle\": \"x\"}}", "cpu.modle: unknown field" },
		{ "{\"cpu\": {\"features\": {\"avx\": 1}}}", "cpu.features.avx:" },
		{ "{\"cpu\": []}", "cpu:" },
		{ "{\"evmcs_pv\": true}", "evmcs_pv:" },
		{ "{\"nested\": false, \"evmcs\": true}", "evmcs:" },
		{ "{\"tsc_khz\": -1}", "tsc_khz:" },
		{ "{\"hyperv\": [1]}", "hyperv[0]:" },
		{ "{\"scenario\": \"nestd\"}", "scenario:" },
		{ "[]", "" },
		{ "{", "" },
	};
	struct vmspec vm;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(parse(bad[i].doc, &vm, err, sizeof(err)) == -1 && err[0] != '\0' &&
		    strncmp(err, bad[i].field, strlen(bad[i].field)) == 0,
		    "%s refused: %s", bad[i].doc, err);
}

int
main(void)
{
	test_scenarios();
	test_parse();
	test_errors();
	return tap_done();
}
