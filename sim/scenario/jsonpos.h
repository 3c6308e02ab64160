/*
 * jsonpos.h -- where a value sits in a JSON text, and how to name it.
 *
 * Jansson parses a scenario into a tree but keeps no positions, yet every
 * error a person reads must say FILE:LINE:COL.  The loader therefore
 * remembers the JSON path it is checking ($.hosts[2].cost.probes[...]),
 * and when something is wrong asks this module to walk the original text
 * along that path to the value (or to its key) and turn the byte offset
 * into a line and a column.
 *
 * Lines count from 1 and end at '\n'.  Columns count from 1 in characters
 * (UTF-8 code points), the way Jansson counts the column of its own syntax
 * errors, so both kinds of message point alike; a tab is one character.
 *
 * The walk trusts nothing: the text should be JSON that Jansson accepted,
 * but every step is bounds-checked and a path that is not there is
 * reported as not found, never read past.
 */
#ifndef SIM_JSONPOS_H
#define SIM_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

/* One step of a JSON path: an object member (key != NULL) or an index. */
struct sim_jsonpath_step {
	const char *key;        /* UTF-8, NUL-terminated; NULL for an index */
	size_t index;           /* array index when key == NULL */
};

/*
 * Find the value at path in text[0..len).  With at_key, find instead the
 * opening quote of the last step's key (the last step must be a key).
 * Returns true and the byte offset, or false if the path is not there.
 */
bool	sim_jsonpos_find(const char *text, size_t len,
	    const struct sim_jsonpath_step *path, size_t depth, bool at_key,
	    size_t *offset);

/* Line and column (both from 1, column in characters) of a byte offset. */
void	sim_jsonpos_linecol(const char *text, size_t len, size_t offset,
	    unsigned *line, unsigned *col);

/*
 * Write the path as "$", ".name" for keys that look like identifiers,
 * "[\"provider:name\"]" for other keys and "[3]" for indices.  Always
 * NUL-terminates buf; a path too long for buf ends in "...".
 */
void	sim_jsonpath_format(const struct sim_jsonpath_step *path, size_t depth,
	    char *buf, size_t len);

/*
 * Write s as a JSON string literal for a message: quotes, backslash
 * escapes for quotes, backslashes and control characters, UTF-8 kept.
 * At most maxchars characters of s are shown; a longer s is cut at a
 * character boundary and followed by "...".  Always NUL-terminates buf.
 */
void	sim_json_quote(const char *s, size_t maxchars, char *buf, size_t len);

#endif /* SIM_JSONPOS_H */
