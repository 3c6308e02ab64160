/*
 * readfile.h -- read a whole file into memory, with a size limit.
 *
 * Kept apart from the loaders that use it because it needs the host's
 * <errno.h>, whose values differ from the stack's (stack/sys/kern.h uses
 * NetBSD's numbers); no file may include both.
 */
#ifndef SIM_READFILE_H
#define SIM_READFILE_H

#include <stddef.h>

/*
 * Read the file at path into a new NUL-terminated buffer (free() it).
 * Returns 0 and sets *textp, *lenp (bytes, not counting the NUL), or -1
 * with "PATH: cannot read: REASON" in err.
 * => a file of more than max bytes is refused, not truncated
 */
int	sim_read_file(const char *path, size_t max, char **textp, size_t *lenp,
	    char *err, size_t errlen);

#endif /* SIM_READFILE_H */
