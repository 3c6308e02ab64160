/*
 * lines.c -- the cache-line holder table (see lines.h).
 *
 * Never iterates the table for anything a run reports.
 */
#include <stdlib.h>

#include "sim/lines.h"

#define LINES_INITIAL 1024

int
sim_lines_init(struct sim_lines *t)
{
	t->slot = calloc(LINES_INITIAL, sizeof(*t->slot));
	if (t->slot == NULL)
		return -1;
	t->mask = LINES_INITIAL - 1;
	t->used = 0;
	return 0;
}

void
sim_lines_fini(struct sim_lines *t)
{
	free(t->slot);
	t->slot = NULL;
}

static inline size_t
lines_hash(uintptr_t tag, size_t mask)
{
	return (size_t)((tag * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
}

static void
lines_grow(struct sim_lines *t)
{
	size_t n = (t->mask + 1) * 2;
	struct sim_line *s = calloc(n, sizeof(*s));

	if (s == NULL)
		abort();
	for (size_t i = 0; i <= t->mask; i++) {
		size_t j;

		if (t->slot[i].tag == 0)
			continue;
		j = lines_hash(t->slot[i].tag, n - 1);
		while (s[j].tag != 0)
			j = (j + 1) & (n - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->mask = n - 1;
}

static struct sim_line *
lines_lookup(struct sim_lines *t, uintptr_t tag)
{
	size_t i = lines_hash(tag, t->mask);

	for (;;) {
		struct sim_line *l = &t->slot[i];

		if (l->tag == tag)
			return l;
		if (l->tag == 0) {
			if (2 * (t->used + 1) > t->mask + 1) {
				lines_grow(t);
				return lines_lookup(t, tag);
			}
			l->tag = tag;
			l->holders = 0;
			l->device = false;
			t->used++;
			return l;
		}
		i = (i + 1) & t->mask;
	}
}

void
sim_lines_device_write(struct sim_lines *t, const volatile void *p, size_t len)
{
	uintptr_t first = (uintptr_t)p >> 6;
	uintptr_t last = ((uintptr_t)p + (len ? len : 1) - 1) >> 6;

	for (uintptr_t tag = first; tag <= last; tag++) {
		struct sim_line *l = lines_lookup(t, tag + 1);

		l->holders = 0;
		l->device = true;
	}
}

uint64_t
sim_lines_access(struct sim_lines *t, const uint64_t *cost, unsigned cpu,
    const volatile void *p, enum kern_mem_op op)
{
	uint64_t me = 1ULL << cpu;
	struct sim_line *l;
	bool alone;

	if (op == KERN_MEM_BARRIER)
		return cost[SIM_COST_membar];
	/* +1 keeps the tag of line 0 distinct from an empty slot. */
	l = lines_lookup(t, ((uintptr_t)p >> 6) + 1);
	if (op == KERN_MEM_LOAD) {
		bool held = !l->device &&
		    (l->holders == 0 || (l->holders & me) != 0);

		l->holders |= me;
		l->device = false;
		return held ? cost[SIM_COST_load_hit] : cost[SIM_COST_load_miss];
	}
	alone = !l->device && (l->holders & ~me) == 0;
	l->holders = me;
	l->device = false;
	if (op == KERN_MEM_STORE)
		return alone ? cost[SIM_COST_store_hit] : cost[SIM_COST_store_miss];
	return alone ? cost[SIM_COST_rmw_local] : cost[SIM_COST_rmw_remote];
}
