/*
 * lines.c -- the cache-line holder table (see lines.h).
 *
 * Never iterates the table for anything a run reports.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "sim/sched/exhaust.h"
#include "sim/sched/lines.h"
#include "sim/sched/machine.h"

#define LINES_INITIAL 1024

int
sim_lines_init(struct sim_lines *t)
{
	t->slot = calloc(LINES_INITIAL, sizeof(*t->slot));
	if (t->slot == NULL)
		return -1;
	t->mask = LINES_INITIAL - 1;
	t->shift = 64 - __builtin_ctzll(LINES_INITIAL);
	t->used = 0;
	t->lent = false;
	return 0;
}

void
sim_lines_init_in(struct sim_lines *t, struct sim_line *slots)
{
	CTASSERT((SIM_LINES_FIRST & (SIM_LINES_FIRST - 1)) == 0);
	KASSERT(slots != NULL && slots[0].tag == 0);
	t->slot = slots;
	t->mask = SIM_LINES_FIRST - 1;
	t->shift = 64 - __builtin_ctzll(SIM_LINES_FIRST);
	t->used = 0;
	t->lent = true;
}

void
sim_lines_fini(struct sim_lines *t)
{
	if (!t->lent)
		free(t->slot);
	t->slot = NULL;
	t->lent = false;
}

/* Where a line goes when the table is full and cannot grow: the run stops. */
static struct sim_line lines_spill;

/* Double the table.  => -1 (the table as it was) when out of memory */
static int
lines_grow(struct sim_lines *t)
{
	size_t n = (t->mask + 1) * 2, moved = 0;
	struct sim_line *s = calloc(n, sizeof(*s));

	if (s == NULL)
		return -1;
	for (size_t i = 0; i <= t->mask; i++) {
		size_t j;

		if (t->slot[i].tag == 0)
			continue;
		moved++;
		j = sim_lines_hash_(t->slot[i].tag & ~SIM_LINE_DEVICE,
		    t->shift - 1);
		while (s[j].tag != 0)
			j = (j + 1) & (n - 1);
		s[j] = t->slot[i];
	}
	assert(moved == t->used);       /* no line's holders lost */
	if (!t->lent)
		free(t->slot);
	t->lent = false;
	t->slot = s;
	t->mask = n - 1;
	t->shift--;
	return 0;
}

/*
 * The table could not grow: the real process is out of memory.  Stop the
 * run (in a context this never returns); the scheduler's own context
 * (a device's event) goes on with the table as it is, which still has
 * room, until the loop sees the stop.
 */
static void
lines_exhausted(struct sim_lines *t)
{
	size_t want = 2 * (t->mask + 1) * sizeof(*t->slot);
	char why[SIM_EXHAUST_WHY_MAX];

	if (sim_cur == NULL)
		abort();
	sim_exhaust_why(ENOMEM, want, why, sizeof(why));
	sim_machine_exhausted(sim_cur, "out of memory for the cache-line "
	    "table (%zu lines): %s", t->used, why);
}

/* A new entry for tag, whose probe ended at the empty slot i. */
static struct sim_line *
lines_insert(struct sim_lines *t, uint64_t tag, size_t i)
{
	struct sim_line *l;

	/* Tags stay below 2^58: the device bit is never part of one. */
	assert(tag != 0 && (tag & SIM_LINE_DEVICE) == 0);
	if (2 * (t->used + 1) > t->mask + 1) {
		if (lines_grow(t) != 0) {
			lines_exhausted(t);
			/* Keep a free slot: every probe must end. */
			if (t->used + 2 > t->mask + 1) {
				lines_spill.tag = tag;
				lines_spill.holders = 0;
				return &lines_spill;
			}
		}
		i = sim_lines_hash_(tag, t->shift);
		while (t->slot[i].tag != 0)
			i = (i + 1) & t->mask;
	}
	l = &t->slot[i];
	assert(l->tag == 0);            /* else another line's state is lost */
	l->tag = tag;
	l->holders = 0;
	t->used++;
	return l;
}

/* The entry of the line with this tag, made if new, from slot i on. */
static inline struct sim_line *
lines_find(struct sim_lines *t, uint64_t tag, size_t i)
{
	for (;;) {
		struct sim_line *l = &t->slot[i];

		if ((l->tag & ~SIM_LINE_DEVICE) == tag)
			return l;
		if (l->tag == 0)
			return lines_insert(t, tag, i);
		i = (i + 1) & t->mask;
	}
}

struct sim_line *
sim_lines_find_from_(struct sim_lines *t, uint64_t tag, size_t i)
{
	return lines_find(t, tag, i);
}

void
sim_lines_device_write_(struct sim_lines *t, const volatile void *p,
    size_t len)
{
	uintptr_t first = (uintptr_t)p >> 6;
	uintptr_t last = ((uintptr_t)p + (len ? len : 1) - 1) >> 6;

	for (uintptr_t tag = first; tag <= last; tag++) {
		struct sim_line *l = lines_find(t, tag + 1,
		    sim_lines_hash_(tag + 1, t->shift));

		l->holders = 0;
		l->tag |= SIM_LINE_DEVICE;
	}
}
