/*
 * clitable.h - the text tables of the subcommands that list what a daemon
 * answered (hosts, history): one row per object, columns as wide as their
 * widest cell, profile text escaped.
 */
#ifndef MIGCOMPAT_CLITABLE_H
#define MIGCOMPAT_CLITABLE_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

/* A column: its title and the member of each row object it shows. */
struct clitable_col {
	const char *title;
	const char *key;
};

/*
 * The text of member key of object o: "-" when absent, null or empty;
 * other than strings as json-c writes them ("2" for 2).
 */
const char *clitable_cell(struct json_object *o, const char *key);

/*
 * Print to f a title line and one line per object of the array rows, with
 * the nc columns cols, two spaces apart, each as wide as its widest title
 * or cell: nothing is cut, and the last column has no trailing spaces.
 * Cells are escaped as the logs are (log_vis_print: \n, \t, \033, bytes
 * over 0x7e as \ooo), so that what a profile says can neither break a row
 * nor reach the terminal as control sequences, and a cell takes as many
 * columns as it has bytes.
 */
void clitable_print(FILE *f, const struct clitable_col *cols, size_t nc, struct json_object *rows);

#endif
