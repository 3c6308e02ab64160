/*
 * trace.h -- per-packet records: which probes are stages of a packet's
 * life, and writing a packet's passage through one.
 *
 * With record.packets on, every firing of a stage probe whose second
 * argument (the packet id, by the stack's convention: first the bytes,
 * for pricing, then the id) is not 0 becomes a packet_stages row.  Device
 * models note the stages they see themselves (a frame's DMA into host
 * memory) with sim_trace_packet.  Flows -- who sends the packets with
 * ids flow << 32 | n -- are recorded when the programs start.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include "sim/sched/machine.h"

/* Set up tracing for a run (no-op unless record.packets). */
void	sim_trace_init(struct sim_machine *);
/* Record the scenario's programs as flows. */
void	sim_trace_flows(struct sim_machine *);
/* A packet reached stage on host at t (cpu -1 for a device). */
void	sim_trace_packet(struct sim_machine *, uint64_t pkt_id,
	    const char *stage, const struct sim_host *, int cpu, uint64_t t);

#endif /* SIM_TRACE_H */
