/*
 * fault.h -- the scenario's faults on the machine: interrupt storms,
 * bursts, link loss and flaps, late DMA, memory refused, busy CPUs.
 *
 * A fault strikes one part of the machine (README "Faults"), from its
 * start to its end or for count strikes.  This room builds each from
 * the scenario and hangs it on the hook its target offers: a timed
 * window judged by the link (sim/wire/port.h), the DMA NIC
 * (sim/nic/nic.h) or the host's kmem (sim/sys/ks.h) as frames,
 * transfers and allocations pass -- no event of its own -- or, for what
 * strikes by itself, engine events at a pace (storms, bursts) and a busy
 * thread (a hog).  Every random draw comes from the fault's own streams,
 * "fault.<index>.<kind>[.<direction>]", so adding a fault never moves
 * another's draws or the machine's, and a scenario without faults runs
 * exactly as it would without this room.
 *
 * What each did is kept as it goes: sampled over time as counters
 * "fault.<index>.<what>" (with the target's host) and written at the end
 * as rows of fault_effects; the faults themselves are rows of faults,
 * written when the machine has booted (sim/record/record.h).
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdint.h>

struct sim_machine;

/*
 * Build the faults of m->sc on a built machine (hosts, wires, NICs) and
 * hang them on their targets.  Returns 0, or -1 with errno when the real
 * process is out of memory, or (errno 0) a target has no room for
 * another window (a message on stderr).
 */
int	sim_faults_build(struct sim_machine *);
/*
 * Every host has booted: write the faults' rows (with a database) and
 * start what strikes by itself -- storms, bursts and hogs -- at its start.
 */
void	sim_faults_start(struct sim_machine *);
/* The faults' counters as of t (a sampler: sim_machine_add_sampler). */
void	sim_faults_sample(struct sim_machine *, uint64_t t_ns);
/* The run ended at t_end: write what each fault did (fault_effects). */
void	sim_faults_record_end(struct sim_machine *, uint64_t t_end);
/* Free them; safe on a machine without faults or half built. */
void	sim_faults_destroy(struct sim_machine *);

#endif /* SIM_FAULT_H */
