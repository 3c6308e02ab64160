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

#include "sim/sched/cost.h"
#include "stack/sys/atomic.h"

/* Sixteen bytes, four to a real cache line: the table is on every path. */
struct sim_line {
	uint64_t tag;           /* address >> 6, + 1; 0: an empty slot; with
				   SIM_LINE_DEVICE: last written by a device */
	uint64_t holders;       /* bit i: CPU i of the host holds a copy */
};

#define SIM_LINE_DEVICE (1ULL << 63)    /* tags stay below 2^58 */

struct sim_lines {
	struct sim_line *slot;
	size_t mask;            /* slots - 1 */
	unsigned shift;         /* 64 - log2(slots) */
	size_t used;
	bool lent;              /* slot is the caller's (sim_lines_init_in) */
};

int	sim_lines_init(struct sim_lines *);
/*
 * A table whose first SIM_LINES_FIRST slots are the caller's (zeroed, kept
 * while the table lives: a host's hot pool); it grows into malloc's.
 */
#define SIM_LINES_FIRST 512
void	sim_lines_init_in(struct sim_lines *, struct sim_line *slots);
void	sim_lines_fini(struct sim_lines *);
/*
 * Private to lines.[ch]: the entry of the line with this tag, made if
 * new, looking from slot i of its probe on (sim_lines_access: where the
 * first look did not find it plainly).
 */
struct sim_line *sim_lines_find_from_(struct sim_lines *, uint64_t tag,
	    size_t i);

/*
 * Where a line's probe starts: the top bits of its tag times 2^64 over
 * the golden ratio (Fibonacci hashing), so that lines one after another
 * -- a DMA buffer, an array of counters -- spread evenly over the table
 * instead of gathering into runs the probes have to walk.
 */
static inline size_t
sim_lines_hash_(uint64_t tag, unsigned shift)
{
	return (size_t)((tag * 0x9e3779b97f4a7c15ULL) >> shift);
}

/* The tag of the line holding p: +1 keeps line 0's from an empty slot's. */
static inline uint64_t
sim_lines_tag(const volatile void *p)
{
	return ((uintptr_t)p >> 6) + 1;
}

/*
 * Where the line with this tag most often is: in the slot its hash
 * points at, and not last written by a device.  => that entry, or NULL
 * when it is not there plainly (then sim_lines_access looks further).
 * Reads the table only.
 */
static inline struct sim_line *
sim_lines_first(const struct sim_lines *t, uint64_t tag)
{
	struct sim_line *l = &t->slot[sim_lines_hash_(tag, t->shift)];

	return __builtin_expect(l->tag == tag, 1) ? l : NULL;
}

/*
 * sim_lines_first that also finds the line at its first look when a device
 * wrote it last: => the entry, its mark taken off and *dev set to whether
 * it was there; NULL (the table unchanged) when the line is not there.
 */
static inline struct sim_line *
sim_lines_first_dev(struct sim_lines *t, uint64_t tag, bool *dev)
{
	struct sim_line *l = &t->slot[sim_lines_hash_(tag, t->shift)];

	if (__builtin_expect((l->tag & ~SIM_LINE_DEVICE) != tag, 0))
		return NULL;
	*dev = l->tag != tag;
	l->tag = tag;
	return l;
}

/*
 * sim_lines_first for a caller that keeps where the line was last found:
 * *hint, a slot (any value at first: it is checked against the tag), is
 * looked at first, then the slot the hash points at, which becomes *hint.
 * A line moves only when the table grows, so the hint is most often right
 * and spares the hash.  => the entry, or NULL as sim_lines_first
 */
static inline struct sim_line *
sim_lines_first_at(const struct sim_lines *t, uint64_t tag, uint32_t *hint)
{
	struct sim_line *l = &t->slot[*hint & t->mask];
	size_t i;

	if (__builtin_expect(l->tag == tag, 1))
		return l;
	i = sim_lines_hash_(tag, t->shift);
	l = &t->slot[i];
	if (l->tag != tag)
		return NULL;
	*hint = (uint32_t)i;
	return l;
}

/*
 * Record a load, store or read-modify-write by the CPU whose bit is me
 * to line l (dev: a device wrote it last, and that mark is already
 * taken off it) and return its cost in ns from the host's cost table.
 */
static inline uint64_t
sim_lines_take(struct sim_line *l, const uint64_t *cost, uint64_t me,
    enum kern_mem_op op, bool dev)
{
	bool alone;

	if (op == KERN_MEM_LOAD) {
		bool held = !dev && (l->holders == 0 || (l->holders & me) != 0);

		l->holders |= me;
		return held ? cost[SIM_COST_load_hit] : cost[SIM_COST_load_miss];
	}
	alone = !dev && (l->holders & ~me) == 0;
	l->holders = me;
	if (op == KERN_MEM_STORE)
		return alone ? cost[SIM_COST_store_hit] : cost[SIM_COST_store_miss];
	return alone ? cost[SIM_COST_rmw_local] : cost[SIM_COST_rmw_remote];
}

/*
 * Record an access by the CPU whose bit is me (1 << its host index) to
 * the word at p and return its cost in ns from the host's cost table.
 */
static inline uint64_t
sim_lines_access(struct sim_lines *t, const uint64_t *cost, uint64_t me,
    const volatile void *p, enum kern_mem_op op)
{
	uint64_t tag = sim_lines_tag(p);
	struct sim_line *l;
	bool dev = false;

	if (op == KERN_MEM_BARRIER)
		return cost[SIM_COST_membar];
	/*
	 * Most often one compare finds the line.  Else the probe goes on in
	 * lines.c, and a device's write, noted in the tag, is taken off it.
	 */
	if ((l = sim_lines_first(t, tag)) == NULL) {
		l = sim_lines_find_from_(t, tag,
		    sim_lines_hash_(tag, t->shift));
		dev = (l->tag & SIM_LINE_DEVICE) != 0;
		l->tag &= ~SIM_LINE_DEVICE;
	}
	return sim_lines_take(l, cost, me, op, dev);
}

/*
 * A device wrote [p, p + len) by DMA: every CPU's copy of those lines is
 * gone, so the next access from any CPU misses.  In line while each line
 * is at its first look, marked by a device already or not (a frame, a
 * descriptor written back); from the first that is not, the rest in
 * lines.c (sim_lines_device_write_).
 */
void	sim_lines_device_write_(struct sim_lines *, const volatile void *p,
	    size_t len);
static inline void
sim_lines_device_write(struct sim_lines *t, const volatile void *p,
    size_t len)
{
	uintptr_t first = (uintptr_t)p >> 6;
	uintptr_t last = ((uintptr_t)p + (len ? len : 1) - 1) >> 6;

	for (uintptr_t line = first; line <= last; line++) {
		struct sim_line *l = &t->slot[sim_lines_hash_(line + 1,
		    t->shift)];

		/* At its first look, written by a device before or not. */
		if (__builtin_expect((l->tag | SIM_LINE_DEVICE) !=
		    ((line + 1) | SIM_LINE_DEVICE), 0)) {
			sim_lines_device_write_(t, (const volatile void *)
			    (line << 6), (last - line + 1) << 6);
			return;
		}
		l->holders = 0;
		l->tag |= SIM_LINE_DEVICE;
	}
}

#endif /* SIM_LINES_H */
