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
 * becomes a requests row; TCP's loss recovery probes (tcp:recovery_*,
 * tcp:rto, tcp:rexmit) become tcp_events rows.
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
 * A probe whose arguments the tracer takes (m->trace_probe[id]) fired on
 * host at t: a request-response program (ping, rpc_client) took the
 * response to a request, or TCP's recovery changed (sdt_probes.h says
 * what a0..a3 are).
 */
void	sim_trace_probe(struct sim_machine *, enum sdt_probe_id id,
	    const struct sim_host *, uint64_t t, uint64_t a0, uint64_t a1,
	    uint64_t a2, uint64_t a3);

#endif /* SIM_TRACE_H */
