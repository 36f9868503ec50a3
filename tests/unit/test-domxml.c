/*
 * test-domxml.c - libvirt domain XML to VM spec: the kinds of domain XML
 * libvirt itself writes (tests/data/domains), and hostile or broken
 * documents that must be refused without resolving anything.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpunames.h"
#include "domxml.h"
#include "vmcpu.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

static struct vmspec spec;
static char err[512];

/* Parse a NUL-terminated document. */
static int
parse(const char *xml)
{
	err[0] = '\0';
	return domxml_parse(xml, strlen(xml), &spec, err, sizeof(err));
}

/* Parse tests/data/domains/NAME. */
static int
parse_file(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	char *text;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/tests/data/domains/%s", top != NULL ? top : ".", name);
	if ((text = util_read_file(path, 4u << 20, &len)) == NULL) {
		snprintf(err, sizeof(err), "%.400s: %s", path, strerror(errno));
		return -2;
	}
	err[0] = '\0';
	ret = domxml_parse(text, len, &spec, err, sizeof(err));
	free(text);
	return ret;
}

/* The state of feature name: 1 enabled, 0 disabled, -1 not in the spec. */
static int
feature(const char *name)
{
	size_t i;

	for (i = 0; i < spec.n_features; i++)
		if (strcmp(spec.features[i].name, name) == 0)
			return spec.features[i].enabled;
	return -1;
}

static int
has_hyperv(const char *name)
{
	size_t i;

	for (i = 0; i < spec.n_hyperv; i++)
		if (strcmp(spec.hyperv[i], name) == 0)
			return 1;
	return 0;
}

static size_t
count_vmx_features(void)
{
	size_t i, n = 0;

	for (i = 0; i < spec.n_features; i++)
		if (strncmp(spec.features[i].name, "vmx-", 4) == 0 &&
		    spec.features[i].policy != VMSPEC_POLICY_DEPENDENCY)
			n++;
	return n;
}

/*
 * The features the domain itself lists: the parser also adds, as
 * dependency-disabled, what QEMU drops for a feature the domain turns off
 * (vmcpu_spec_dependencies), which the counts below leave out on purpose.
 */
static size_t
count_configured(void)
{
	size_t i, n = 0;

	for (i = 0; i < spec.n_features; i++)
		if (spec.features[i].policy != VMSPEC_POLICY_DEPENDENCY)
			n++;
	return n;
}

/* Expect refusal with an error containing want. */
static void
refused(const char *xml, const char *want, const char *what)
{
	int r = parse(xml);

	tap_ok(r == -1 && strstr(err, want) != NULL, "%s: refused (%s)", what, err);
}

static void
test_libvirt_files(void)
{
	int r;

	r = parse_file("host-model-expanded.xml");
	tap_ok(r == 0, "host-model expanded domain parses (%s)", err);
	tap_ok(spec.cpu_mode == VMSPEC_CPU_HOST_MODEL, "host-model: CPU mode");
	tap_ok(strcmp(spec.cpu_model, "Cascadelake-Server") == 0, "host-model: model %s", spec.cpu_model);
	tap_ok(count_configured() == 103, "host-model: 103 features (%zu)", count_configured());
	tap_ok(count_vmx_features() == 79, "host-model: 79 vmx-* features (%zu)", count_vmx_features());
	tap_ok(feature("vmx-posted-intr") == 1 && feature("vmx-tsc-scaling") == 1 &&
	    feature("vmx-exit-load-perf-global-ctrl") == 1, "host-model: vmx-* features required");
	tap_ok(feature("hle") == 0 && feature("rtm") == 0, "host-model: disabled features recorded off");
	tap_ok(spec.nested == 1 && spec.evmcs == 0 && spec.evmcs_pv == 0, "host-model: nested, no eVMCS");
	tap_ok(spec.scenario == VMSPEC_NESTED, "host-model: scenario nested");
	tap_ok(strcmp(spec.machine, "pc-q35-7.2") == 0, "host-model: machine %s", spec.machine);
	tap_ok(strcmp(spec.uuid, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10") == 0, "host-model: uuid %s", spec.uuid);
	tap_ok(spec.tsc_khz == 0 && spec.invtsc == 0 && spec.n_hyperv == 0,
	    "host-model: no TSC pin, no invtsc, no Hyper-V");

	r = parse_file("passthrough-hyperv.xml");
	tap_ok(r == 0, "host-passthrough with Hyper-V passthrough parses (%s)", err);
	tap_ok(spec.cpu_mode == VMSPEC_CPU_HOST_PASSTHROUGH && spec.cpu_model[0] == '\0',
	    "passthrough: CPU mode, no model");
	tap_ok(spec.hyperv_passthrough == 1, "passthrough: Hyper-V mode passthrough");
	tap_ok(spec.nested == 1 && spec.evmcs == 1 && spec.evmcs_pv == 0,
	    "passthrough: nested with eVMCS, PV bit never set");
	tap_ok(spec.scenario == VMSPEC_EVMCS, "passthrough: scenario evmcs");
	tap_ok(has_hyperv("evmcs") && spec.n_hyperv == 1, "passthrough: evmcs listed");
	tap_ok(strcmp(spec.uuid, "8c1e3f52-0b7a-4d6e-9f21-7a3b5c9d1e04") == 0,
	    "passthrough: upper-case UUID normalised (%s)", spec.uuid);
	tap_ok(strcmp(spec.machine, "pc-q35-8.2") == 0, "passthrough: machine %s", spec.machine);
	tap_ok(spec.n_features == 0, "passthrough: no CPU features listed");

	r = parse_file("windows-evmcs.xml");
	tap_ok(r == 0, "Windows Hyper-V L1 with custom enlightenments parses (%s)", err);
	tap_ok(spec.hyperv_passthrough == 0 && spec.n_hyperv == 14,
	    "windows: 14 enlightenments on, avic off not listed (%zu)", spec.n_hyperv);
	tap_ok(has_hyperv("relaxed") && has_hyperv("vapic") && has_hyperv("spinlocks") &&
	    has_hyperv("stimer") && has_hyperv("reenlightenment") && has_hyperv("evmcs") &&
	    !has_hyperv("avic") && !has_hyperv("direct"), "windows: enlightenment names");
	tap_ok(spec.evmcs == 1 && spec.scenario == VMSPEC_EVMCS, "windows: scenario evmcs");
	tap_ok(spec.tsc_khz == 2095078, "windows: TSC 2095078000 Hz -> %u kHz", spec.tsc_khz);
	tap_ok(spec.invtsc == 1 && feature("invtsc") == 1, "windows: invtsc required");

	r = parse_file("custom-vmx-disabled.xml");
	tap_ok(r == 0, "custom model with vmx features disabled parses (%s)", err);
	tap_ok(spec.cpu_mode == VMSPEC_CPU_CUSTOM && strcmp(spec.cpu_model, "Skylake-Server-IBRS") == 0,
	    "custom: mode and model");
	tap_ok(spec.nested == 1 && spec.scenario == VMSPEC_NESTED, "custom: vmx required -> nested");
	tap_ok(feature("vmx-posted-intr") == 0 && feature("vmx-pml") == 0 && feature("vmx-vmfunc") == 0 &&
	    feature("vmx-tsc-scaling") == 0, "custom: disabled and forbidden vmx-* features off");
	tap_ok(feature("vmx-rdseed-exit") == -1, "custom: optional feature not pinned");
	tap_ok(count_configured() == 13, "custom: 13 pinned features (%zu)", count_configured());
	tap_ok(strcmp(spec.machine, "pc-i440fx-5.2") == 0, "custom: machine %s", spec.machine);

	r = parse_file("plain-custom.xml");
	tap_ok(r == 0 && spec.nested == 0 && spec.scenario == VMSPEC_PLAIN && feature("vmx") == 0,
	    "custom with vmx disabled is plain (%s)", err);
	tap_ok(spec.n_features == 1, "spec is reset between parses (%zu features)", spec.n_features);
}

static void
test_inline(void)
{
	tap_ok(parse("<domain type='kvm'><name>a</name><os><type>hvm</type></os></domain>") == 0 &&
	    spec.cpu_mode == VMSPEC_CPU_CUSTOM && spec.nested == 0 && spec.scenario == VMSPEC_PLAIN &&
	    spec.machine[0] == '\0' && spec.uuid[0] == '\0', "minimal domain without <cpu>: plain (%s)", err);
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu mode='maximum'/></domain>") == 0 &&
	    spec.cpu_mode == VMSPEC_CPU_MAXIMUM && spec.nested == 1, "maximum mode is nested");
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu mode='host-passthrough'>"
	    "<feature policy='disable' name='vmx'/></cpu></domain>") == 0 && spec.nested == 0,
	    "host-passthrough with vmx disabled is not nested");
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu mode='host-model'/></domain>") == 0 &&
	    spec.cpu_mode == VMSPEC_CPU_HOST_MODEL && spec.nested == 0,
	    "unexpanded host-model without vmx is not nested");
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu><model>EPYC</model>"
	    "<feature name='svm'/></cpu></domain>") == 0 && spec.nested == 1 && feature("svm") == 1,
	    "svm with the default policy (require) is nested");
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu><model>Skylake-Client</model></cpu>"
	    "<features><hyperv><evmcs state='on'/></hyperv></features></domain>") == 0 &&
	    spec.evmcs == 0 && spec.scenario == VMSPEC_PLAIN, "evmcs without nested VMX does not count");
	tap_ok(parse("<domain><name>a</name><os><type>hvm</type></os><cpu mode='host-passthrough'/>"
	    "<features><hyperv mode='passthrough'><evmcs state='off'/></hyperv></features></domain>") == 0 &&
	    spec.evmcs == 0 && spec.scenario == VMSPEC_NESTED, "Hyper-V passthrough with evmcs off");
	tap_ok(parse("<domain xmlns:x='urn:x'><name>a</name><os><type>hvm</type></os>"
	    "<x:cpu mode='host-passthrough'/></domain>") == 0 && spec.nested == 0,
	    "a <cpu> in another namespace is not the domain's CPU");
	tap_ok(parse("<domain><name>a</name><os><type machine='q35'>hvm</type></os><clock>"
	    "<timer name='tsc' frequency='1000'/></clock></domain>") == 0 && spec.tsc_khz == 1,
	    "TSC frequency of 1000 Hz is 1 kHz");
}

static void
test_broken(void)
{
	char *big, *p;
	size_t i, n;
	clock_t t0;
	int r;

	tap_ok(domxml_parse("", 0, &spec, err, sizeof(err)) == -1 && strstr(err, "empty") != NULL,
	    "empty document refused (%s)", err);
	refused("<domain><name>a</name>", "not well-formed", "unterminated document");
	refused("<domain><name>a</nam></domain>", "not well-formed", "mismatched tags");
	refused("<domain type='kvm'><name>a</name><os><type>hvm</type></os></domain><domain/>",
	    "not well-formed", "two root elements");
	refused("\x89PNG\r\n\x1a\n\x00\x00", "not well-formed", "binary junk");
	refused("<vm><name>a</name></vm>", "root element is <vm>", "wrong root element");
	refused("<domain><os><type>hvm</type></os></domain>", "domain/name: missing", "missing <name>");
	refused("<domain><name> </name><os><type>hvm</type></os></domain>", "domain/name: empty", "empty <name>");
	refused("<domain><name>a</name></domain>", "domain/os/type: missing", "missing <os>");
	refused("<domain><name>a</name><os/></domain>", "domain/os/type: missing", "missing <os><type>");
	refused("<domain><name>a</name><uuid>not-a-uuid</uuid><os><type>hvm</type></os></domain>",
	    "domain/uuid", "malformed UUID");
	refused("<domain><name>a</name><uuid>4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c1</uuid><os><type>hvm</type>"
	    "</os></domain>", "domain/uuid", "UUID one digit short");
	refused("<domain><name>a</name><os><type>hvm</type></os><cpu mode='host-magic'/></domain>",
	    "unknown mode 'host-magic'", "unknown CPU mode");
	refused("<domain><name>a</name><os><type>hvm</type></os><cpu><model>X</model><feature policy='require' name='a'/>"
	    "<feature policy='require'/></cpu></domain>", "cpu/feature[2]: missing name", "feature without a name");
	refused("<domain><name>a</name><os><type>hvm</type></os><cpu><model>X</model>"
	    "<feature policy='please' name='vmx'/></cpu></domain>", "unknown policy 'please'", "unknown policy");
	refused("<domain><name>a</name><os><type>hvm</type></os><cpu><feature name='vmx'/></cpu></domain>",
	    "without a <model>", "custom features without a model");
	refused("<domain><name>a</name><os><type>hvm</type></os><features><hyperv><relaxed/></hyperv>"
	    "</features></domain>", "features/hyperv/relaxed: state", "enlightenment without a state");
	refused("<domain><name>a</name><os><type>hvm</type></os><features><hyperv mode='magic'/>"
	    "</features></domain>", "unknown mode 'magic'", "unknown Hyper-V mode");
	refused("<domain><name>a</name><os><type>hvm</type></os><clock><timer name='tsc' frequency='2.1GHz'/>"
	    "</clock></domain>", "frequency '2.1GHz'", "TSC frequency with a unit");
	refused("<domain><name>a</name><os><type>hvm</type></os><clock><timer name='tsc' frequency='-1'/>"
	    "</clock></domain>", "frequency '-1'", "negative TSC frequency");
	refused("<domain><name>a</name><os><type machine='pc-q35-7.2-this-machine-name-is-far-too-long-"
	    "to-be-a-real-machine-type'>hvm</type></os></domain>", "longer than", "overlong machine type");

	/* More CPU features than a spec holds. */
	n = 64 + (VMSPEC_MAX_FEATURES + 1) * 48;
	big = xmalloc(n);
	p = big + snprintf(big, n, "<domain><name>a</name><os><type>hvm</type></os><cpu><model>X</model>");
	for (i = 0; i <= VMSPEC_MAX_FEATURES; i++)
		p += snprintf(p, n - (size_t)(p - big), "<feature name='f%zu'/>", i);
	snprintf(p, n - (size_t)(p - big), "</cpu></domain>");
	refused(big, "more than", "too many CPU features");
	free(big);

	/* Huge documents: just under the limit parses, one byte over is refused unread. */
	n = DOMXML_MAX_SIZE + 2;
	big = xmalloc(n);
	memset(big, ' ', n);
	p = "<domain><name>a</name><os><type>hvm</type></os><metadata>";
	memcpy(big, p, strlen(p));
	memcpy(big + DOMXML_MAX_SIZE - 20, "</metadata></domain>", 20);
	big[DOMXML_MAX_SIZE] = '\0';
	err[0] = '\0';
	tap_ok(domxml_parse(big, DOMXML_MAX_SIZE, &spec, err, sizeof(err)) == 0,
	    "a document of exactly %u bytes parses (%s)", DOMXML_MAX_SIZE, err);
	big[DOMXML_MAX_SIZE] = ' ';
	r = domxml_parse(big, DOMXML_MAX_SIZE + 1, &spec, err, sizeof(err));
	tap_ok(r == -1 && strstr(err, "larger than") != NULL, "one byte over the limit refused (%s)", err);
	free(big);

	/* Deep nesting: libxml2's depth limit holds (no XML_PARSE_HUGE). */
	n = 100000;
	big = xmalloc(7 * n + 128);
	p = big + sprintf(big, "<domain><name>a</name><os><type>hvm</type></os><metadata>");
	for (i = 0; i < n; i++)
		p += sprintf(p, "<m>");
	for (i = 0; i < n; i++)
		p += sprintf(p, "</m>");
	sprintf(p, "</metadata></domain>");
	refused(big, "not well-formed", "100000 nested elements");
	free(big);

	/* Billion laughs: refused at the DOCTYPE, before any expansion, and fast. */
	t0 = clock();
	refused("<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n<domain><name>&lol9;</name><os><type>hvm</type></os><cpu><model>&lol9;</model></cpu></domain>",
	    "DOCTYPE", "billion laughs");
	tap_ok((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "billion laughs costs no time");
	tap_ok(strstr(spec.cpu_model, "lol") == NULL, "billion laughs: nothing expanded into the spec");

	/* External entities: never resolved, never read. */
	refused("<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<domain><name>a</name><os><type machine='&xxe;'>hvm</type></os>"
	    "<cpu><model>&xxe;</model></cpu></domain>", "DOCTYPE", "external entity file:///etc/passwd");
	tap_ok(strstr(err, "root:") == NULL && strstr(spec.cpu_model, "root") == NULL &&
	    strstr(spec.machine, "root") == NULL, "external entity: /etc/passwd never appears");
	refused("<!DOCTYPE domain [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
	    "<domain><name>a</name><os><type>hvm</type></os></domain>", "DOCTYPE", "external parameter entity");
	tap_ok(strstr(err, "root:") == NULL, "parameter entity: /etc/passwd never appears");
	refused("<!DOCTYPE domain SYSTEM \"file:///etc/passwd\">\n"
	    "<domain><name>a</name><os><type>hvm</type></os></domain>", "DOCTYPE", "external DTD");
	refused("<!DOCTYPE domain SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
	    "<domain><name>a</name><os><type>hvm</type></os></domain>", "DOCTYPE", "network DTD");
	refused("<domain><name>&xxe;</name><os><type>hvm</type></os></domain>", "not well-formed",
	    "undeclared entity without a DOCTYPE");
	tap_ok(parse("<domain xmlns:xi='http://www.w3.org/2001/XInclude'><name>a</name><os><type>hvm</type></os>"
	    "<cpu mode='custom'><model><xi:include href='/etc/passwd' parse='text'/></model></cpu></domain>") == 0 &&
	    strstr(spec.cpu_model, "root") == NULL, "XInclude is not processed (model '%s')", spec.cpu_model);
}

/* The policy of feature name, or -1 if the spec does not have it. */
static int
policy_of(const char *name)
{
	size_t i;

	for (i = 0; i < spec.n_features; i++)
		if (strcmp(spec.features[i].name, name) == 0)
			return (int)spec.features[i].policy;
	return -1;
}

/*
 * The controls QEMU drops with mpx off, and the CPU QEMU and libvirt build
 * from custom models; domains from libvirt's own test suite.
 */
static void
test_effective(void)
{
	static const char *const lv[] = {
		"libvirt/cpu-strict1.xml", "libvirt/cpu-exact1.xml", "libvirt/cpu-host-model-features.xml",
		"libvirt/cpu-host-passthrough-features.xml",
	};
	const struct cpunames_entry *e;
	struct vmcpu c;
	size_t i, k;
	int r;

	r = parse_file("nested-mpx-disabled.xml");
	tap_ok(r == 0 && spec.nested, "mpx disabled, vmx required: parses, nested (%s)", err);
	tap_ok(feature("vmx-exit-clear-bndcfgs") == 0 && feature("vmx-entry-load-bndcfgs") == 0 &&
	    policy_of("vmx-exit-clear-bndcfgs") == VMSPEC_POLICY_DEPENDENCY,
	    "mpx disabled: the BNDCFGS controls QEMU drops are off, marked as dependencies");
	tap_ok(count_configured() == 2, "mpx disabled: 2 features of its own (%zu)", count_configured());

	for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		r = parse_file(lv[i]);
		vmcpu_compute(&spec, "7.2", "9.0", &c);
		tap_ok(r == 0 && c.n_unknown == 0, "%s parses, every feature name known (%s%s)", lv[i], err,
		    c.n_unknown > 0 ? c.unknown[0] : "");
	}
	r = parse_file("libvirt/cpu-strict1.xml");
	tap_ok(r == 0 && policy_of("wdt") == VMSPEC_POLICY_FORBID && policy_of("3dnowext") == VMSPEC_POLICY_FORCE,
	    "cpu-strict1: forbid and force kept");
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	e = cpunames_find("wdt");
	tap_ok(c.model_known && e != NULL && cpunames_set_has(&c.forbid, e) && !cpunames_set_has(&c.on, e),
	    "cpu-strict1: Haswell resolved, wdt forbidden and off");
	e = cpunames_find("avx2");
	tap_ok(e != NULL && cpunames_set_has(&c.on, e), "cpu-strict1: the model's avx2 is on");

	/* A custom model with vmx-* of its own: none without vmx, all kept with it. */
	vmspec_init(&spec, VMSPEC_PLAIN);
	spec.cpu_mode = VMSPEC_CPU_CUSTOM;
	snprintf(spec.cpu_model, sizeof(spec.cpu_model), "Skylake-Server");
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	e = cpunames_find("vmx-ept");
	tap_ok(c.model_version == 1 && e != NULL && cpunames_set_has(&c.model, e) &&
	    !cpunames_set_has(&c.on, e) && cpunames_set_has(&c.dropped, e),
	    "Skylake-Server v1 without vmx: its vmx-ept is dropped");
	vmspec_add_feature(&spec, "vmx", 1);
	vmspec_add_feature(&spec, "mpx", 0);
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	tap_ok(cpunames_set_has(&c.on, e) && !cpunames_set_has(&c.on, cpunames_find("vmx-exit-clear-bndcfgs")),
	    "Skylake-Server with vmx, without mpx: vmx-ept on, the BNDCFGS exit control dropped");
	vmspec_add_feature(&spec, "vmx-exit-clear-bndcfgs", 1);
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	tap_ok(cpunames_set_count(&c.req_dropped) == 1, "a required control whose dependency is off is "
	    "reported as dropped");
	vmspec_add_feature(&spec, "no-such-feature", 1);
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	tap_ok(c.n_unknown == 1 && strcmp(c.unknown[0], "no-such-feature") == 0,
	    "a name no table knows is listed as unknown");
	for (k = 0, i = 0; i < spec.n_features; i++)
		k += strcmp(spec.features[i].name, "pclmuldq") == 0;
	vmspec_add_feature(&spec, "pclmuldq", 1);
	vmspec_add_feature(&spec, "tsc_adjust", 1);
	vmcpu_compute(&spec, "7.2", "9.0", &c);
	tap_ok(k == 0 && c.n_unknown == 1 && cpunames_set_has(&c.on, cpunames_find("tsc-adjust")) &&
	    cpunames_set_has(&c.on, cpunames_find("pclmulqdq")), "libvirt spellings pclmuldq, tsc_adjust known");
}

int
main(void)
{
	test_libvirt_files();
	test_effective();
	test_inline();
	test_broken();
	return tap_done();
}
