/*
 * ks_race.c -- race.h on the simulated machine: what the stack tells the
 * exploration build's race detector (sim/race/) about contexts and
 * happens-before of its own making.
 *
 * Only the exploration build's stack calls these (elsewhere race.h's
 * macros compile to nothing); none is a scheduling point or charged, so
 * the schedule is the release build's.  Each is one call into the
 * detector, which does nothing outside a context.
 */
#include "sim/race/race.h"
#include "sim/sched/machine.h"
#include "stack/sys/race.h"

#if defined(KERN_EXPLORE)

void
kern_race_ctx_enter(const void *obj, const void *fn)
{
	sim_race_ctx_enter(obj, fn);
}

void
kern_race_ctx_exit(const void *obj)
{
	sim_race_ctx_exit(obj);
}

void
kern_race_hb_release(const void *obj)
{
	sim_race_release(obj);
}

void
kern_race_hb_acquire(const void *obj)
{
	sim_race_acquire(obj);
}

void
kern_race_ignore(int begin)
{
	sim_race_ignore(begin != 0);
}

#endif /* KERN_EXPLORE */
