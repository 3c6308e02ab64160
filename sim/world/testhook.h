/*
 * testhook.h -- run one function as an LWP on a fresh simulated machine.
 *
 * For C test programs of stack code (tests/c/test_*.c): no scenario file,
 * no database; one host with the default cost table.  The function runs
 * in an LWP on CPU 0 and may create more LWPs; the run ends when every
 * LWP has exited (or at the time cap), exactly like `netsim run`.
 */
#ifndef SIM_TESTHOOK_H
#define SIM_TESTHOOK_H

#include <stdint.h>

#include "sim/sched/cost.h"

struct sim_test_opts {
	unsigned cpus;                  /* default 1 */
	uint64_t seed;                  /* default 1 */
	uint64_t duration_ns;           /* default 10 s */
	uint64_t window_ns;             /* tie window, default 16 */
	double jitter;                  /* default 0 */
	uint64_t quantum_ns;            /* LWP time slice, default 10 ms */
	int quiet;                      /* no kern_printf output */
	const struct sim_cost *cost;    /* NULL: the default cost table */
	const char *replay;             /* the command that replays this run,
					   for failure reports; NULL: say to
					   run the test program again */
	uint64_t plain_point_ns;        /* interleaving.plain_points */
};

struct sim_test_result {
	int status;                     /* as `netsim run` would exit */
	uint64_t end_ns;
	uint64_t points;
	uint64_t fingerprint;
	uint64_t races;                 /* data races the exploration build's
					   detector reported (0 elsewhere) */
};

/* Run fn(arg); returns the exit status (also in *res if not NULL). */
int	sim_test_run(const struct sim_test_opts *, void (*fn)(void *), void *arg,
	    struct sim_test_result *res);

#endif /* SIM_TESTHOOK_H */
