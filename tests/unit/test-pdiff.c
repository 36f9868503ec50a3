/*
 * test-pdiff.c - profile diffs name the features lost and gained.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pdiff.h"
#include "profile.h"
#include "tap.h"
#include "vmx.h"

/* Nonzero if list has an item of layer with the given msr ("0x48c") and bit. */
static int
has_item(struct json_object *d, const char *list, const char *msr, int bit)
{
	struct json_object *a, *it, *m, *b;
	size_t i;

	if (!json_object_object_get_ex(d, list, &a))
		return 0;
	for (i = 0; i < json_object_array_length(a); i++) {
		it = json_object_array_get_idx(a, i);
		if (json_object_object_get_ex(it, "msr", &m) && json_object_object_get_ex(it, "bit", &b) &&
		    strcmp(json_object_get_string(m), msr) == 0 && json_object_get_int(b) == bit)
			return 1;
	}
	return 0;
}

static size_t
count(struct json_object *d, const char *list)
{
	struct json_object *a;

	return json_object_object_get_ex(d, list, &a) ? json_object_array_length(a) : 0;
}

int
main(void)
{
	struct profile a, b;
	struct json_object *d;
	char path[1024], err[512];
	const char *fx = tap_fixtures();
	uint64_t v;

	snprintf(path, sizeof(path), "%s/vbox/vbox_cpudb_i7-6700K.json", fx);
	profile_init(&a);
	profile_init(&b);
	if (profile_load_file(path, &a, err, sizeof(err)) == -1 ||
	    profile_load_file(path, &b, err, sizeof(err)) == -1) {
		tap_ok(0, "fixture loads: %s", err);
		return tap_done();
	}
	d = pdiff_json(&a, &b);
	tap_ok(count(d, "lost") == 0 && count(d, "gained") == 0 && count(d, "changed") == 0,
	    "a profile against itself: no difference");
	json_object_put(d);

	/* Drop EPT A/D bits (0x48c bit 21) and allowed-1 of secondary control 1 (EPT). */
	v = vmx_msr_get(&b.vmx_raw, MSR_VMX_EPT_VPID);
	tap_ok((v >> 21 & 1) != 0, "fixture has EPT A/D");
	vmx_msr_set(&b.vmx_raw, MSR_VMX_EPT_VPID, v & ~(1ull << 21));
	v = vmx_msr_get(&b.vmx_raw, MSR_VMX_PROCBASED2);
	vmx_msr_set(&b.vmx_raw, MSR_VMX_PROCBASED2, v & ~(1ull << 33));
	snprintf(b.kernel, sizeof(b.kernel), "6.6.0");
	d = pdiff_json(&a, &b);
	tap_ok(has_item(d, "lost", "0x48c", 21), "EPT A/D bit reported lost");
	tap_ok(has_item(d, "lost", "0x48b", 1), "secondary control bit 1 reported lost");
	tap_ok(count(d, "gained") == 0, "nothing gained");
	tap_ok(count(d, "changed") == 1, "kernel change reported");
	json_object_put(d);

	/* The other direction gains what was lost. */
	d = pdiff_json(&b, &a);
	tap_ok(has_item(d, "gained", "0x48c", 21) && has_item(d, "gained", "0x48b", 1) &&
	    count(d, "lost") == 0, "reverse diff gains them");
	json_object_put(d);
	profile_clear(&a);
	profile_clear(&b);
	return tap_done();
}
