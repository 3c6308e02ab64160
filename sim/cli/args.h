/*
 * args.h -- what the netsim commands share in reading their arguments:
 * the usage error, seeds and seed ranges, an interleaving policy, a
 * wall-clock bound.  Each command's own options live in its file
 * (run.c's in main.c, explore.c, replay.c, merge.c).
 */
#ifndef SIM_CLI_ARGS_H
#define SIM_CLI_ARGS_H

#include <stdint.h>

struct scenario;

/*
 * Say "netsim: <message>" and "(see netsim --help)" on stderr.
 * => returns SIM_EXIT_USAGE (2), for `return sim_cli_usage(...)`
 */
int	sim_cli_usage(const char *fmt, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

/* A seed, 0 .. 2^63-1 (decimal, or 0x hex).  => 0, or -1 if not one */
int	sim_cli_seed(const char *s, uint64_t *seed);

/*
 * A seed range "A..B" (A <= B), or one seed "A" (A..A).
 * => 0, or -1 if not one
 */
int	sim_cli_seed_range(const char *s, uint64_t *lo, uint64_t *hi);

/*
 * --policy NAME: set sc's interleaving policy to one the loader knows
 * (the names "interleaving.policy" accepts).
 * => 0, or the usage error (2) naming the choices
 */
int	sim_cli_policy(const char *name, struct scenario *sc);

/*
 * --depth D: set sc's pct depth d, 1 to SC_PCT_DEPTH_MAX.
 * => 0, or the usage error (2) saying what it needs
 */
int	sim_cli_depth(const char *s, struct scenario *sc);

/*
 * A wall-clock bound: a duration with its unit ("90s", "500ms") or a
 * plain number of seconds ("30", "0.5"), from 1 ms to a day, in ms.
 * => 0, or -1 if not one
 */
int	sim_cli_wall_ms(const char *s, uint64_t *ms);

#endif /* SIM_CLI_ARGS_H */
