/*
 * bench_sim.h -- what the benchmarks on the simulated machine
 * (bench/sim_*.c) share besides bench.h: a scenario of one host built in
 * code, and a host counter looked up by name once the run is over.
 *
 * Only set-up and read-out live here: nothing in this file runs inside a
 * timed region.
 */
#ifndef BENCH_BENCH_SIM_H
#define BENCH_BENCH_SIM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "stack/sys/evcnt.h"

/*
 * A scenario of one host, cpus CPUs at tick_hz, with what every bench
 * takes as given: seed 1, an hour of virtual time as the cap, a 16 ns tie
 * window, a 10 ms time slice and the default cost table; no NICs, no
 * programs.  The caller adds those, and keeps sc and host alive for as
 * long as a machine runs from them.
 */
static inline void
bench_sim_scenario(struct scenario *sc, struct sc_host *host,
    const char *name, const char *host_name, unsigned cpus, int tick_hz)
{
	memset(sc, 0, sizeof(*sc));
	memset(host, 0, sizeof(*host));
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->file = "(bench)";
	sc->seed = 1;
	sc->duration_ns = 3600ULL * 1000000000ULL;
	sc->interleaving.window_ns = 16;
	snprintf(host->name, sizeof(host->name), "%s", host_name);
	host->cpus = cpus;
	host->tick_hz = tick_hz;
	host->quantum_ns = 10000000;
	sim_cost_defaults(&host->cost);
	sc->nhosts = 1;
	sc->hosts = host;
}

/*
 * The counters called name whose group starts with group_prefix, summed
 * over every host and CPU of the machine ("dm0" for an interface's own,
 * "udp." for UDP's in every brane).
 */
static inline uint64_t
bench_sim_counter(const struct sim_machine *m, const char *group_prefix,
    const char *name)
{
	size_t plen = strlen(group_prefix);
	uint64_t sum = 0;

	for (u_int h = 0; h < m->nhosts; h++)
		for (u_int i = 0; i < m->hosts[h].nevcnts; i++) {
			const struct evcnt *ev = m->hosts[h].evcnts[i];

			if (strncmp(ev->ev_group, group_prefix, plen) == 0 &&
			    strcmp(ev->ev_name, name) == 0)
				sum += ev->ev_count;
		}
	return sum;
}

#endif /* BENCH_BENCH_SIM_H */
