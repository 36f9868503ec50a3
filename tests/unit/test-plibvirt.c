/*
 * test-plibvirt.c - the libvirt layer of a profile: JSON round trip,
 * running-domain lookup, and the content hash leaving the domains out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "profile.h"
#include "tap.h"
#include "util.h"

static void
fill(struct profile *p)
{
	profile_init(p);
	util_strlcpy(p->host_id, "host-a", sizeof(p->host_id));
	profile_layer_set(&p->libvirt, LAYER_MEASURED, "qemu:///system: libvirt 9.0.0, QEMU 7.2.0, virttype kvm");
	p->lv.domcaps = 1;
	util_strlcpy(p->lv.libvirt_version, "9.0.0", sizeof(p->lv.libvirt_version));
	util_strlcpy(p->lv.qemu_version, "7.2.0", sizeof(p->lv.qemu_version));
	util_strlcpy(p->lv.virttype, "kvm", sizeof(p->lv.virttype));
	util_strlcpy(p->lv.arch, "x86_64", sizeof(p->lv.arch));
	util_strlcpy(p->lv.machine, "pc-i440fx-7.2", sizeof(p->lv.machine));
	plibvirt_list_add(&p->lv.machines, "q35");
	plibvirt_list_add(&p->lv.machines, "pc-q35-7.2");
	plibvirt_list_add(&p->lv.machines, "q35");
	plibvirt_list_sort(&p->lv.machines);
	util_strlcpy(p->lv.host_model, "Cascadelake-Server", sizeof(p->lv.host_model));
	util_strlcpy(p->lv.host_model_vendor, "Intel", sizeof(p->lv.host_model_vendor));
	plibvirt_list_add(&p->lv.host_model_features, "vmx");
	plibvirt_list_add(&p->lv.host_model_features, "vmx-posted-intr");
	plibvirt_list_add(&p->lv.host_model_disabled, "hle");
	plibvirt_list_add(&p->lv.cpu_models, "Skylake-Server-IBRS");
	plibvirt_list_add(&p->lv.hyperv_features, "evmcs");
	plibvirt_list_add(&p->lv.hyperv_features, "relaxed");
	plibvirt_list_add(&p->lv.domains, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10");
}

int
main(void)
{
	struct profile a, b;
	char err[512], hash[80];
	const char *j;
	char *s;
	int r;

	fill(&a);
	tap_ok(a.lv.machines.n == 2 && strcmp(a.lv.machines.v[0], "pc-q35-7.2") == 0,
	    "lists sort and drop duplicates");
	tap_ok(profile_update_hash(&a) == 0, "hash");
	tap_ok(profile_has_domain(&a, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10"), "running domain found");
	tap_ok(profile_has_domain(&a, "4F0C2A71-9D3E-4B8A-A6C1-2E5D8F9B7C10"), "UUID lookup ignores case");
	tap_ok(!profile_has_domain(&a, "8c1e3f52-0b7a-4d6e-9f21-7a3b5c9d1e04"), "other domain not found");

	s = profile_to_string(&a, 0);
	profile_init(&b);
	r = profile_parse(s, strlen(s), &b, err, sizeof(err));
	tap_ok(r == 0, "profile with a libvirt layer parses back (%s)", r == 0 ? "" : err);
	tap_ok(b.libvirt.status == LAYER_MEASURED && strcmp(b.libvirt.reason, a.libvirt.reason) == 0,
	    "layer status and reason survive");
	tap_ok(strcmp(b.lv.qemu_version, "7.2.0") == 0 && strcmp(b.lv.virttype, "kvm") == 0 &&
	    strcmp(b.lv.machine, "pc-i440fx-7.2") == 0 && strcmp(b.lv.host_model, "Cascadelake-Server") == 0 &&
	    strcmp(b.lv.host_model_vendor, "Intel") == 0 && b.lv.domcaps == 1, "scalar fields survive");
	tap_ok(b.lv.machines.n == 2 && b.lv.host_model_features.n == 2 && b.lv.host_model_disabled.n == 1 &&
	    b.lv.cpu_models.n == 1 && b.lv.hyperv_features.n == 2 && b.lv.domains.n == 1,
	    "lists survive");
	tap_ok(b.extra_layers == NULL, "the libvirt layer is modeled, not kept verbatim");
	tap_ok(strcmp(a.hash, b.hash) == 0, "hash is the same after the round trip");
	tap_ok(profile_has_domain(&b, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10"), "running domain found after the trip");
	free(s);

	/* Domains come and go without changing the content hash; capabilities change it. */
	util_strlcpy(hash, a.hash, sizeof(hash));
	plibvirt_list_add(&a.lv.domains, "8c1e3f52-0b7a-4d6e-9f21-7a3b5c9d1e04");
	profile_update_hash(&a);
	tap_ok(strcmp(hash, a.hash) == 0, "a new running domain leaves the hash alone");
	plibvirt_list_add(&a.lv.hyperv_features, "tlbflush");
	profile_update_hash(&a);
	tap_ok(strcmp(hash, a.hash) != 0, "a new Hyper-V feature changes the hash");

	/* An unavailable layer carries its reason and no data. */
	profile_clear(&a);
	profile_layer_set(&a.libvirt, LAYER_UNAVAILABLE, "qemu:///system: Failed to connect socket");
	plibvirt_list_add(&a.lv.domains, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10");
	tap_ok(!profile_has_domain(&a, "4f0c2a71-9d3e-4b8a-a6c1-2e5d8f9b7c10"),
	    "an unavailable layer answers no domain");
	s = profile_to_string(&a, 0);
	tap_ok(strstr(s, "\"libvirt\":{\"status\":\"unavailable\"") != NULL && strstr(s, "domains") == NULL,
	    "unavailable layer: status and reason only");
	free(s);

	/* Without the right to read domain capabilities: says so, survives the trip. */
	profile_layer_set(&a.libvirt, LAYER_MEASURED, "no domain capabilities: machine types and running domains only");
	a.lv.domcaps = 0;
	s = profile_to_string(&a, 0);
	profile_clear(&b);
	tap_ok(strstr(s, "\"domain_capabilities\":false") != NULL &&
	    profile_parse(s, strlen(s), &b, err, sizeof(err)) == 0 && b.lv.domcaps == 0,
	    "domain_capabilities false survives the trip");
	free(s);

	/* Bad input names the field. */
	profile_clear(&b);
	j = "{\"schema_version\":1,\"layers\":{\"libvirt\":{\"status\":\"measured\","
	    "\"reason\":\"\",\"machines\":[\"pc\",7]}}}";
	r = profile_parse(j, strlen(j), &b, err, sizeof(err));
	tap_ok(r == -1 && strstr(err, "layers.libvirt.machines[1]") != NULL, "bad list item named (%s)", err);
	j = "{\"schema_version\":1,\"layers\":{\"libvirt\":{\"status\":\"measured\","
	    "\"reason\":\"\",\"host_model\":[]}}}";
	r = profile_parse(j, strlen(j), &b, err, sizeof(err));
	tap_ok(r == -1 && strstr(err, "layers.libvirt.host_model") != NULL, "bad host_model named (%s)", err);

	profile_clear(&a);
	profile_clear(&b);
	return tap_done();
}
