/*
 * sim_wire.c -- how many frames a wall-clock second the wires carry.
 *
 *	wire_link_frames_per_s     a generator sends 60-byte frames back to
 *	                           back over one 10 Gbit/s link to a sink
 *	wire_switch_frames_per_s   the same through a 4-port switch (1us
 *	                           latency) to a learned destination: three
 *	                           events a frame more (latency, second link)
 *
 * Each run simulates WIRE_FRAMES frames on a fresh machine with nothing
 * else on it; setting the machine up is outside the timed region.  The
 * figure is frames / wall seconds; a run must deliver every frame, or the
 * bench fails.
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
#include "sim/wire/switch.h"
#include "sim/wire/topology.h"

#define WIRE_FRAMES     1000000
#define WIRE_RUNS       5

static struct scenario sc;
static struct sc_host host;

static void
bench_machine(struct sim_machine *m)
{
	bench_sim_scenario(&sc, &host, "bench_wire", "box", 1, 1000);
	if (sim_world_build(m, &sc, 1) != 0)
		exit(1);
}

static const struct sim_link_params ten_gbit = {
	.rate_bps = 10000000000ULL, .delay_ns = 1000, .mtu = 1500,
};

/* A source of WIRE_FRAMES frames on a, a sink on b; returns the sink. */
static struct sim_gen *
bench_pair(struct sim_topology *t, struct sim_port *a, struct sim_port *b)
{
	struct sim_gen_params gp = { .frame_len = 60, .count = WIRE_FRAMES,
	    .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 } };
	struct sim_gen_params hello = { .frame_len = 60, .count = 1,
	    .dst = { 2, 0, 0, 0, 0, 1 }, .src = { 2, 0, 0, 0, 0, 2 } };
	struct sim_gen *sink;

	/* The sink says hello first, so a switch learns where it is. */
	if (sim_gen_create(t, "src", a, &gp) == NULL ||
	    (sink = sim_gen_create(t, "sink", b, &hello)) == NULL)
		exit(1);
	return sink;
}

static double
bench_run(int through_switch)
{
	struct sim_machine m;
	struct sim_port *a, *b;
	struct sim_gen *sink;
	double t0, t1;

	bench_machine(&m);
	a = sim_topology_port_create(m.topo, "a");
	b = sim_topology_port_create(m.topo, "b");
	if (a == NULL || b == NULL)
		exit(1);
	if (through_switch) {
		struct sim_switch_params sp = { .ports = 4, .latency_ns = 1000,
		    .queue = 256, .aging_ns = 0 };
		struct sim_switch *sw = sim_switch_create(m.topo, "sw", &sp);

		if (sw == NULL ||
		    sim_link_create(m.topo, "la", a, sim_switch_port(sw, 0),
		    &ten_gbit, &ten_gbit) == NULL ||
		    sim_link_create(m.topo, "lb", b, sim_switch_port(sw, 1),
		    &ten_gbit, &ten_gbit) == NULL)
			exit(1);
	} else if (sim_link_create(m.topo, "l", a, b, &ten_gbit,
	    &ten_gbit) == NULL)
		exit(1);
	sink = bench_pair(m.topo, a, b);
	t0 = bench_now_s();
	sim_machine_run(&m);
	t1 = bench_now_s();
	if (sim_gen_counters(sink)->rx_frames != WIRE_FRAMES) {
		fprintf(stderr, "sim_wire: %llu frames arrived, not %d\n",
		    (unsigned long long)sim_gen_counters(sink)->rx_frames,
		    WIRE_FRAMES);
		exit(1);
	}
	sim_world_destroy(&m);
	return WIRE_FRAMES / (t1 - t0);
}

int
main(int argc, char **argv)
{
	static const char *const names[2] = { "wire_link_frames_per_s",
	    "wire_switch_frames_per_s" };
	double v[WIRE_RUNS];

	bench_init(argc, argv);
	for (int k = 0; k < 2; k++) {
		if (!bench_wanted(names[k]))
			continue;
		for (int i = 0; i < WIRE_RUNS; i++)
			v[i] = bench_run(k);
		bench_report(names[k], "frames/s", v, WIRE_RUNS);
	}
	return 0;
}
