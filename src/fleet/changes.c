/*
 * changes.c - fleet changes since a time, one diff per distinct transition.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "changes.h"
#include "pdiff.h"
#include "profile.h"
#include "util.h"

struct json_object *
changes_json(const struct changes_entry *e, size_t n, int64_t since,
    changes_lookup_fn lookup, void *arg)
{
	struct json_object *o = json_object_new_object();
	struct json_object *changes = json_object_new_array(), *trans = json_object_new_array();
	struct json_object *c, *t, *v;
	size_t i, k, nt;
	char ts[32];

	for (i = 0; i < n; i++) {
		const char *from = e[i].old_hash != NULL && e[i].old_hash[0] != '\0' ? e[i].old_hash : NULL;

		/* The transition index: a linear search, as transitions are few. */
		nt = json_object_array_length(trans);
		for (k = 0; k < nt; k++) {
			struct json_object *f, *to;

			t = json_object_array_get_idx(trans, k);
			json_object_object_get_ex(t, "from", &f);
			json_object_object_get_ex(t, "to", &to);
			if (strcmp(json_object_get_string(to), e[i].new_hash) == 0 &&
			    (f == NULL ? from == NULL : from != NULL &&
			    strcmp(json_object_get_string(f), from) == 0))
				break;
		}
		if (k == nt) {
			const struct profile *a = from != NULL ? lookup(from, arg) : NULL;
			const struct profile *b = lookup(e[i].new_hash, arg);

			t = json_object_new_object();
			json_object_object_add(t, "from", from != NULL ? json_object_new_string(from) : NULL);
			json_object_object_add(t, "to", json_object_new_string(e[i].new_hash));
			json_object_object_add(t, "hosts", json_object_new_int64(0));
			json_object_object_add(t, "diff", a != NULL && b != NULL ? pdiff_json(a, b) : NULL);
			json_object_array_add(trans, t);
		}
		json_object_object_get_ex(t, "hosts", &v);
		json_object_set_int64(v, json_object_get_int64(v) + 1);

		c = json_object_new_object();
		json_object_object_add(c, "host", json_object_new_string(e[i].host_id));
		json_object_object_add(c, "version", json_object_new_int64(e[i].version));
		util_format_time(e[i].time, ts, sizeof(ts));
		json_object_object_add(c, "time", json_object_new_string(ts));
		json_object_object_add(c, "from", from != NULL ? json_object_new_string(from) : NULL);
		json_object_object_add(c, "to", json_object_new_string(e[i].new_hash));
		json_object_object_add(c, "transition", json_object_new_int64((int64_t)k));
		json_object_array_add(changes, c);
	}
	util_format_time(since, ts, sizeof(ts));
	json_object_object_add(o, "since", json_object_new_string(ts));
	json_object_object_add(o, "n_changes", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "changes", changes);
	json_object_object_add(o, "transitions", trans);
	return o;
}
