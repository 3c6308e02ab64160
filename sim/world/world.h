/*
 * world.h -- building the simulated world a scenario describes: the
 * machine's hosts with their CPUs, memory and network configuration, the
 * wires, the NICs, the faults; booting it; starting its programs;
 * tearing it down.
 *
 * The scheduler (sim/sched/) runs whatever it is given; this room is the
 * one place that reads a scenario to decide what the machine holds.  It
 * copies what the scheduler needs (the time cap, the tie window, limits,
 * the sample interval) into the machine, and registers the samplers that
 * read counters at each sample (kernel counters, wires, devices, faults,
 * in that order), so the scheduler calls nothing above it.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

struct sim_machine;
struct scenario;

/*
 * Build the machine for sc with the given seed.
 * => returns 0, or -1 when the real process ran out of memory, address
 *    space or mappings: the machine is then partly built and stopped
 *    (exit status 2), the reason -- what ran out, its limit, how much
 *    was in use -- said on stderr and kept in m->stop_reason;
 *    sim_world_destroy frees what there is
 */
int	sim_world_build(struct sim_machine *, const struct scenario *sc,
	    uint64_t seed);
/*
 * The scheduling points sc takes after boot at this seed under the policy
 * time: pct's k when the scenario gives none.
 * => a whole run of its own, quietly: no output, no database, no reports
 * => 0 if the machine could not be built
 */
uint64_t sim_world_count_points(const struct scenario *sc, uint64_t seed);
/* Free everything the machine holds; safe on a partly built one. */
void	sim_world_destroy(struct sim_machine *);
/*
 * Boot every host (kern_boot, free of charge, at time 0); once all have
 * booted, m->after_boot runs -- by default the scenario's faults begin
 * (sim/fault/fault.h) and sim_world_start_programs starts its programs,
 * each as an LWP of its host.
 * => an LWP the real process has no stack for stops the machine (exit 2)
 */
void	sim_world_boot(struct sim_machine *);
void	sim_world_start_programs(struct sim_machine *);

/*
 * s as one word for a POSIX shell, in buf: as it is when it holds only
 * characters that need no quoting, else in single quotes.  For the
 * replay commands the machine and the command line print.
 * => returns 0, or -1 when buf is too small (its contents then unusable)
 */
int	sim_shell_quote(const char *s, char *buf, size_t len);
/*
 * Append word to the command line in buf (len bytes), after a space
 * unless buf is empty, quoted as sim_shell_quote does.
 * => 0, or -1 with buf as it was when the word does not fit
 */
int	sim_shell_append(char *buf, size_t len, const char *word);

#endif /* SIM_WORLD_H */
