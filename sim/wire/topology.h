/*
 * topology.h -- the wires of the simulated world, built from a scenario:
 * switches, the ports of hosts' NICs, the links between them, their
 * captures and their counters.
 *
 * The machine builds its topology when it is set up
 * (sim_world_build calls sim_topology_build), samples its counters with
 * the CPUs' (sim_topology_sample, at every record interval and at the
 * end) and destroys it with itself.  A NIC model finds the port it
 * drives with sim_topology_nic_port() and attaches to it (port.h); C
 * tests make free-standing ports, links, switches and frame generators
 * of their own with the same calls the builder uses.
 *
 * Everything is kept in creation order -- for a scenario, file order --
 * and sampled and freed in that order; nothing is ever looked up by
 * pointer value.
 */
#ifndef SIM_TOPOLOGY_H
#define SIM_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/wire/frame.h"
#include "sim/wire/port.h"

struct sim_machine;
struct sim_switch;
struct sim_gen;
struct sim_bridge;
struct scenario;

struct sim_topology {
	struct sim_machine *m;          /* c */
	struct sim_frame_pool pool;     /* every frame of the run */

	struct sim_link **links;        /* creation order */
	unsigned nlinks, links_cap;
	unsigned sc_nlinks;             /* the first ones: the scenario's */
	struct sim_switch **switches;
	unsigned nswitches, switches_cap;
	struct sim_gen **gens;
	unsigned ngens, gens_cap;
	struct sim_bridge **bridges;    /* the scenario's bridged link ends */
	unsigned nbridges, bridges_cap;
	struct sim_port **ports;        /* free-standing, made by port_create */
	unsigned nports, ports_cap;

	struct sim_port **nic_ports;    /* [host][nic], for the NIC models */
	unsigned nhosts;
};

/* An empty topology on machine m, or NULL if out of memory. */
struct sim_topology *sim_topology_create(struct sim_machine *m);
/*
 * Make the scenario's switches, one port for each NIC of each host, a
 * bridge (bridge.h) for each bridged link end, and the links; no
 * captures yet (sim_topology_pcap_open).  Returns -1 if
 * out of memory.
 * => the scenario passed the loader's checks; called once, on an empty
 *    topology
 */
int	sim_topology_build(struct sim_topology *, const struct scenario *);
/* Frees everything, frames in flight too; closes captures.  Accepts NULL. */
void	sim_topology_destroy(struct sim_topology *);

/*
 * The port of NIC nic of host host, which the link naming it in the
 * scenario (if any) is connected to: where that NIC's model attaches.
 * => host < number of hosts, nic < that host's number of NICs
 */
struct sim_port *sim_topology_nic_port(struct sim_machine *, unsigned host,
	    unsigned nic);

/* A port of no device on no link, owned by the topology; NULL if no memory. */
struct sim_port *sim_topology_port_create(struct sim_topology *,
	    const char *name);

struct sim_link *sim_topology_link(const struct sim_topology *,
	    const char *name);
struct sim_switch *sim_topology_switch(const struct sim_topology *,
	    const char *name);

/*
 * Open the captures: with dir == NULL, each scenario link's own "pcap"
 * file (a relative name counts from the scenario file's folder); with a
 * dir (created, with its missing parents, if need be), DIR/<link>.pcap
 * for every link instead.  Returns -1 with a one-line reason if a file
 * cannot be made.
 */
int	sim_topology_pcap_open(struct sim_topology *, const char *dir,
	    char *err, size_t errlen);
/*
 * A real-time run: every open capture's writes go to the writer thread
 * w (sim_pcap_async), which must outlive the captures' close.
 */
struct sim_writer;
void	sim_topology_pcap_async(struct sim_topology *, struct sim_writer *w);
/*
 * Close every capture.  Returns -1 with the first file's reason if a
 * write failed.
 */
int	sim_topology_pcap_close(struct sim_topology *, char *err,
	    size_t errlen);

/* Every link's, switch's and generator's counters, as of t_ns. */
void	sim_topology_sample(struct sim_machine *, uint64_t t_ns);

/* For the devices' create functions: keep obj in the topology. */
int	sim_topology_add_link(struct sim_topology *, struct sim_link *);
int	sim_topology_add_switch(struct sim_topology *, struct sim_switch *);
int	sim_topology_add_gen(struct sim_topology *, struct sim_gen *);
int	sim_topology_add_bridge(struct sim_topology *, struct sim_bridge *);

/* "Now" for a device: the running CPU's clock, else the event's time. */
uint64_t sim_topology_now(const struct sim_topology *);

#endif /* SIM_TOPOLOGY_H */
