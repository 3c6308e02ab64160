/*
 * sdt_probes.h -- the list of every static probe in the stack.
 *
 * One line a probe: X(provider, name, "what it marks").  The list gives
 * each probe a small integer id (SDT_ID(provider, name)), so the machine
 * can find a probe's cost and tracer with an array index, and the scenario
 * loader can refuse a cost for a probe that does not exist.  A scenario
 * names a probe "provider:name".
 *
 * Keep the list grouped by provider; a new probe goes here first.
 */
#ifndef _STACK_SYS_SDT_PROBES_H_
#define _STACK_SYS_SDT_PROBES_H_

#define SDT_PROBE_LIST(X)                                                 \
	X(kcont, schedule, "a continuation was scheduled (kc, ticks)")      \
	X(kcont, run, "a continuation starts to run (kc, level; 4 = worker)") \
	X(counter, iteration, "one pass of the counter test program's loop") \
	X(pingpong, hit, "the pingpong program handed the token over")     \
	X(abba, holding_one, "an abba LWP holds its first lock")

#endif /* _STACK_SYS_SDT_PROBES_H_ */
