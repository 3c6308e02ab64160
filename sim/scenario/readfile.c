/*
 * readfile.c -- read a whole file into memory (see readfile.h).
 *
 * Reads in growing chunks up to the limit plus one byte, so a file that
 * is too big is detected without reading all of it, and a file whose size
 * changes while it is read (or that has no size: a pipe) is still read
 * correctly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/readfile.h"

int
sim_read_file(const char *path, size_t max, char **textp, size_t *lenp,
    char *err, size_t errlen)
{
	size_t len = 0, cap = 0, got;
	char *text = NULL, *bigger;
	FILE *f;
	int e = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap == 0 ? 65536 : 2 * cap;
			if (cap > max + 1)
				cap = max + 1;
			if ((bigger = realloc(text, cap + 1)) == NULL) {
				e = ENOMEM;
				break;
			}
			text = bigger;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len <= max);
	if (e == 0 && ferror(f))
		e = errno != 0 ? errno : EIO;
	fclose(f);
	if (e != 0)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
	else if (len > max)
		snprintf(err, errlen, "%s: cannot read: larger than %zu bytes",
		    path, max);
	if (e != 0 || len > max) {
		free(text);
		return -1;
	}
	text[len] = '\0';
	*textp = text;
	*lenp = len;
	return 0;
}
