/*
 * test_explore.c -- netsim explore's seeds that take the process down.
 * Driven by tests/test_explore.py.
 *
 *   test_explore EXPLORE-ARGS...
 *	runs `netsim explore EXPLORE-ARGS...` in this process, with a hook
 *	that every seed's run calls before its machine boots: seeds 3 and
 *	10 crash the process (SIGSEGV, as a wild pointer would), seed 5
 *	hangs (it never returns, as a livelock in the real process would);
 *	the other seeds run as `netsim run` would.  The explorer must
 *	report the first two as crashes and, with --timeout, the third as a
 *	timeout, and go on exploring.
 */
#include <signal.h>
#include <unistd.h>

#include "sim/cli/cmd.h"
#include "sim/sched/machine.h"

static void
misbehave(struct sim_machine *m, void *arg)
{
	(void)arg;
	if (m->seed == 3 || m->seed == 10)
		raise(SIGSEGV);
	if (m->seed == 5)
		for (;;)
			pause();
}

int
main(int argc, char **argv)
{
	const struct sim_explore_hooks hooks = { .setup = misbehave };

	return sim_cmd_explore(argc - 1, argv + 1, argv[0], &hooks);
}
