/*
 * fault_impl.h -- what the fault room's files share (fault.c builds,
 * records and samples; fault_strike.c runs what strikes by itself) and
 * nothing outside sim/fault/ sees.
 */
#ifndef SIM_FAULT_IMPL_H
#define SIM_FAULT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/nic/nic.h"
#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "sim/sys/ks.h"
#include "sim/wire/framegen.h"
#include "sim/wire/port.h"

/* One fault of the scenario, on the machine. */
struct fault {
	const struct sc_fault *sc;      /* what the scenario says */
	unsigned index;                 /* in the scenario's faults */
	struct sim_machine *m;
	struct sim_host *host;          /* its target's host, or NULL (links) */

	/* Hung on its target: the hook that judges as things pass. */
	struct sim_link_fault lf[2];    /* loss: one a direction; flap: lf[0] */
	unsigned nlf;
	struct sim_nic_delay delay;     /* dma_delay */
	struct sim_kmem_fault kmem;     /* mbuf_exhaustion */

	/* Storms and bursts: strikes at a pace, on a NIC's port. */
	struct device *dev;
	struct sim_port *port;
	bool raise;                     /* storm: raise a DMA NIC's line */
	struct sim_gen_params frame;    /* the frames it makes, if any */
	struct sim_pace pace;
	uint64_t strikes;               /* raises (storm), frames (burst) */
	uint64_t frames, dropped;       /* frames made; not delivered */
	uint64_t first_ns, last_ns;     /* its first and last strike */

	/* A hog: CPU time it took. */
	uint64_t busy_ns;

	/* The counters last sampled (written when they change). */
	int64_t last[2];
	bool sampled;
};

struct sim_faults {
	unsigned n;
	struct fault *f;                /* n of them, in scenario order */
};

/* Whether the fault's count is used up. */
bool	fault_spent(const struct fault *);
/* Start a storm, a burst or a hog at its start (fault_strike.c). */
void	fault_strike_start(struct fault *);

#endif /* SIM_FAULT_IMPL_H */
