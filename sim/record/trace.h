/*
 * trace.h -- per-packet records: which probes are stages of a packet's
 * life, and writing a packet's passage through one.
 *
 * With record.packets on, every firing of a stage probe whose second
 * argument (the packet id, by the stack's convention: first the bytes,
 * for pricing, then the id) is not 0 becomes a packet_stages row.  Device
 * models note the stages they see themselves (a frame's DMA into host
 * memory) with sim_trace_packet.  Flows -- who sends the packets with
 * ids flow << 32 | n, and what their latency means -- are recorded when
 * the programs start.  A probe that closes a request (trace.c's list)
 * becomes a requests row.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include "sim/sched/machine.h"

/* Set up tracing for a run (no-op unless record.packets). */
void	sim_trace_init(struct sim_machine *);
/* Record the scenario's programs as flows. */
void	sim_trace_flows(struct sim_machine *);
/*
 * A packet reached stage on host at t (cpu -1 for a device), in an LWP of
 * the program whose flow is by_flow (0: a device, an interrupt, the
 * kernel's threads).
 */
void	sim_trace_packet(struct sim_machine *, uint64_t pkt_id,
	    const char *stage, const struct sim_host *, int cpu, uint64_t t,
	    uint32_t by_flow);
/*
 * A request-response program (ping, rpc_client) took the response to
 * its request req_id (the request's packet id): sent at sent_ns by its
 * clock, answered latency_ns later.
 */
void	sim_trace_request(struct sim_machine *, uint64_t req_id,
	    uint64_t sent_ns, uint64_t latency_ns);

#endif /* SIM_TRACE_H */
