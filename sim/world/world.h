/*
 * world.h -- building the simulated world a scenario describes: the
 * machine's hosts with their CPUs, memory and network configuration, the
 * wires, the NICs; booting it; starting its programs; tearing it down.
 *
 * The scheduler (sim/sched/) runs whatever it is given; this room is the
 * one place that reads a scenario to decide what the machine holds.  It
 * copies what the scheduler needs (the time cap, the tie window, limits,
 * the sample interval) into the machine, and registers the samplers that
 * read counters at each sample (kernel counters, wires, devices, in that
 * order), so the scheduler calls nothing above it.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdint.h>

struct sim_machine;
struct scenario;

/*
 * Build the machine for sc with the given seed.  Returns 0, or -1 with
 * the machine partly built: sim_world_destroy frees what there is.
 */
int	sim_world_build(struct sim_machine *, const struct scenario *sc,
	    uint64_t seed);
/* Free everything the machine holds; safe on a partly built one. */
void	sim_world_destroy(struct sim_machine *);
/*
 * Boot every host (kern_boot, free of charge, at time 0); once all have
 * booted, m->after_boot runs -- by default sim_world_start_programs,
 * which starts the scenario's programs, each as an LWP of its host.
 */
void	sim_world_boot(struct sim_machine *);
void	sim_world_start_programs(struct sim_machine *);

#endif /* SIM_WORLD_H */
