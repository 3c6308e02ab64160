/*
 * lines.h -- who holds which cache line, per host.
 *
 * The machine prices every access that stack code makes visible to it
 * (atomics, lock words) by the state of the 64-byte line holding the
 * word, a MESI-like model reduced to what costs time:
 *
 *   load:   a hit if this CPU holds a copy (or nobody has touched the line
 *           yet), a miss if another CPU wrote it since this CPU last read;
 *           either way this CPU now holds a copy;
 *   store and read-modify-write: local if this CPU is the only holder (or
 *           the line is untouched), remote otherwise; afterwards this CPU
 *           is the only holder and the last writer.
 *
 * Lines are found by address in an open-addressing table.  The address
 * only decides which entry is looked at; nothing is ever ordered or
 * iterated by it, and memory the stack uses comes from page-aligned
 * regions (kmem arena, LWP stacks), so which words share a line is the
 * same from run to run.
 */
#ifndef SIM_LINES_H
#define SIM_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cost.h"
#include "stack/sys/atomic.h"

struct sim_line {
	uintptr_t tag;          /* address >> 6, or 0 for an empty slot */
	uint64_t holders;       /* bit i: CPU i of the host holds a copy */
	bool device;            /* last written by a device (DMA) */
};

struct sim_lines {
	struct sim_line *slot;
	size_t mask;            /* slots - 1 */
	size_t used;
};

int	sim_lines_init(struct sim_lines *);
void	sim_lines_fini(struct sim_lines *);
/*
 * Record an access by CPU cpu (host index) to the word at p and return
 * its cost in ns from the host's cost table.
 */
uint64_t sim_lines_access(struct sim_lines *, const uint64_t *cost,
	    unsigned cpu, const volatile void *p, enum kern_mem_op op);

/*
 * A device wrote [p, p + len) by DMA: every CPU's copy of those lines is
 * gone, so the next access from any CPU misses.
 */
void	sim_lines_device_write(struct sim_lines *, const volatile void *p,
	    size_t len);

#endif /* SIM_LINES_H */
