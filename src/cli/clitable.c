/*
 * clitable.c - text tables of daemon answers, escaped and sized from the data.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clitable.h"
#include "jsonu.h"
#include "log.h"
#include "xmalloc.h"

const char *
clitable_cell(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "-";
	s = json_object_get_string(v);
	return s != NULL && s[0] != '\0' ? s : "-";
}

void
clitable_print(FILE *f, const struct clitable_col *cols, size_t nc, struct json_object *rows)
{
	size_t *w = NULL, i, k, len, n = jsonu_len(rows);

	if (nc == 0)
		return;
	w = xcalloc(nc, sizeof(*w));
	for (k = 0; k < nc; k++)
		w[k] = log_vis_len(cols[k].title);
	for (i = 0; i < n; i++)
		for (k = 0; k < nc; k++)
			if ((len = log_vis_len(clitable_cell(json_object_array_get_idx(rows, i),
			    cols[k].key))) > w[k])
				w[k] = len;
	for (k = 0; k < nc; k++)
		log_vis_print(f, cols[k].title, k + 1 < nc ? w[k] + 2 : 0);
	putc('\n', f);
	for (i = 0; i < n; i++) {
		for (k = 0; k < nc; k++)
			log_vis_print(f, clitable_cell(json_object_array_get_idx(rows, i), cols[k].key),
			    k + 1 < nc ? w[k] + 2 : 0);
		putc('\n', f);
	}
	free(w);
}
