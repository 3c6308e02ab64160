/*
 * sim_pionic.c -- how many frames a wall-clock second go through the PIO
 * NIC model, its driver and the stack's counting sink.
 *
 *	dev_pio_poll_frames_per_s     the poll model: interrupt routine reads
 *	                              the FIFO into pre-allocated mbufs,
 *	                              if_poll hands them to if_input
 *	dev_pio_legacy_frames_per_s   the legacy model: the interrupt routine
 *	                              queues to ipintrq, a softint drains it
 *	                              under the big network lock
 *
 * One host with 4 CPUs and one pionic NIC (mitigation off, so every frame
 * takes the whole interrupt -> poll path; default FIFO and pre-allocation).
 * A frame generator outside the host floods it with PIO_FRAMES 60-byte
 * frames at 50k a second, which the simulated CPU sustains (~64% busy), so
 * every frame must reach the sink or the bench fails.  Setting the
 * machine up is outside the timed region; booting and the run are in it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/wire/topology.h"

#define PIO_FRAMES      300000
#define PIO_PPS         50000
#define PIO_RUNS        5

static struct scenario sc;
static struct sc_host host;
static struct sc_nic nic;

static void
bench_scenario(enum sc_rx_model model)
{
	bench_sim_scenario(&sc, &host, "bench_pionic", "box", 4, 1000);
	memset(&nic, 0, sizeof(nic));
	snprintf(nic.name, sizeof(nic.name), "pio0");
	nic.type = SC_NIC_PIO;
	sc_nic_default_mac(0, 0, nic.mac);
	nic.rx_ring = 256;
	nic.tx_ring = 256;
	nic.mitigation = false;
	nic.prealloc_low = 32;
	nic.prealloc_max = 4096;
	nic.fifo_bytes = 16384;
	host.rx_model = model;
	host.nnics = 1;
	host.nics = &nic;
}

/* After boot (an event pending earlier would hold boot open). */
static void
bench_flood(struct sim_machine *m)
{
	static const struct sim_link_params gbit = {
		.rate_bps = 1000000000ULL, .mtu = 1500,
	};
	struct sim_gen_params gp = { .frame_len = 60, .count = PIO_FRAMES,
	    .rate_pps = PIO_PPS, .src = { 2, 0, 0xee, 0xee, 0, 1 } };
	struct sim_port *port = sim_topology_port_create(m->topo, "gen");

	memcpy(gp.dst, nic.mac, 6);
	if (port == NULL ||
	    sim_link_create(m->topo, "flood", port,
	    sim_topology_nic_port(m, 0, 0), &gbit, &gbit) == NULL ||
	    sim_gen_create(m->topo, "flood", port, &gp) == NULL)
		exit(1);
}

static double
bench_run(enum sc_rx_model model)
{
	struct sim_machine m;
	uint64_t got;
	double t0, t1;

	bench_scenario(model);
	if (sim_world_build(&m, &sc, 1) != 0)
		exit(1);
	m.after_boot = bench_flood;
	t0 = bench_now_s();
	sim_world_boot(&m);
	sim_machine_run(&m);
	t1 = bench_now_s();
	got = bench_sim_counter(&m, "pio0", "rx_sink");
	if (m.stop_status >= 0 || got != PIO_FRAMES) {
		fprintf(stderr, "sim_pionic: %llu frames reached the sink, not "
		    "%d (stop status %d)\n", (unsigned long long)got,
		    PIO_FRAMES, m.stop_status);
		exit(1);
	}
	sim_world_destroy(&m);
	return PIO_FRAMES / (t1 - t0);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum sc_rx_model model;
	} figs[] = {
		{ "dev_pio_poll_frames_per_s", SC_RX_POLL },
		{ "dev_pio_legacy_frames_per_s", SC_RX_LEGACY },
	};
	double v[PIO_RUNS];

	bench_init(argc, argv);
	for (size_t k = 0; k < sizeof(figs) / sizeof(figs[0]); k++) {
		if (!bench_wanted(figs[k].name))
			continue;
		for (int i = 0; i < PIO_RUNS; i++)
			v[i] = bench_run(figs[k].model);
		bench_report(figs[k].name, "frames/s", v, PIO_RUNS);
	}
	return 0;
}
