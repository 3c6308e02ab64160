/*
 * sim_dmanic.c -- how many simulated frames a wall-clock second go
 * through the DMA NIC, its driver and the stack's input to the counting
 * sink.
 *
 *	dev_dma_poll_frames_per_s     poll model: a frame generator floods a
 *	                              4-CPU host at line rate over 10 Gbit/s
 *	                              (60-byte frames, 14.88 Mframes/s
 *	                              simulated); hz 10000, a 2048-descriptor
 *	                              ring, the default coalescing and
 *	                              intr_max, so the host keeps up
 *	dev_dma_legacy_frames_per_s   legacy model, the same host and NIC at
 *	                              line rate over 1 Gbit/s (1.49 Mframes/s):
 *	                              at 10 Gbit/s the legacy host livelocks in
 *	                              its interrupt handler and almost nothing
 *	                              reaches the sink, which would measure the
 *	                              livelock rather than the simulator
 *
 * Each run simulates BENCH_FRAMES frames on a fresh machine; building it
 * is outside the timed region, booting the host inside.  The figure is
 * frames that reached the sink / wall seconds; a run that loses a frame
 * fails the bench.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/sys/ks_device.h"
#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/wire/topology.h"

#define BENCH_FRAMES    1000000
#define BENCH_RUNS      5

static struct scenario sc;
static struct sc_host host;
static struct sc_nic nic;
static struct sim_port *src;

static void
bench_machine(struct sim_machine *m, bool legacy)
{
	bench_sim_scenario(&sc, &host, "bench_dmanic", "dut", 4, 10000);
	memset(&nic, 0, sizeof(nic));
	host.rx_model = legacy ? SC_RX_LEGACY : SC_RX_POLL;
	snprintf(nic.name, sizeof(nic.name), "dm0");
	nic.type = SC_NIC_DMA;
	sc_nic_default_mac(0, 0, nic.mac);
	nic.rx_ring = 2048;
	nic.tx_ring = 256;
	nic.mitigation = true;
	nic.intr_max = 20000;
	nic.coalesce_frames = 8;
	nic.coalesce_ns = 20000;
	nic.dma_latency_ns = 500;
	nic.dma_rate_bps = 64000000000ULL;
	host.nnics = 1;
	host.nics = &nic;
	if (sim_world_build(m, &sc, 1) != 0)
		exit(1);
}

/* After boot: the flood, faster than the link, so it runs at line rate. */
static void
bench_start(struct sim_machine *m)
{
	struct sim_gen_params gp = { .frame_len = 60, .count = BENCH_FRAMES,
	    .rate_pps = 100000000, .src = { 2, 0xee, 0, 0, 0, 1 } };

	memcpy(gp.dst, nic.mac, 6);
	gp.start_ns = m->eng.now + 10000;
	if (sim_gen_create(m->topo, "src", src, &gp) == NULL)
		exit(1);
}

static double
bench_run(bool legacy)
{
	struct sim_link_params lp = { .rate_bps = legacy ? 1000000000ULL :
	    10000000000ULL, .delay_ns = 1000, .mtu = 1500 };
	struct sim_machine m;
	uint64_t got;
	double t0, t1;

	bench_machine(&m, legacy);
	src = sim_topology_port_create(m.topo, "src");
	if (src == NULL || sim_link_create(m.topo, "l0", src,
	    sim_topology_nic_port(&m, 0, 0), &lp, &lp) == NULL)
		exit(1);
	m.after_boot = bench_start;
	t0 = bench_now_s();
	sim_world_boot(&m);
	sim_machine_run(&m);
	t1 = bench_now_s();
	got = bench_sim_counter(&m, "dm0", "rx_sink");
	if (m.stop_status >= 0 || got != BENCH_FRAMES) {
		fprintf(stderr, "sim_dmanic: %llu of %d frames reached the sink "
		    "(%s)\n", (unsigned long long)got, BENCH_FRAMES,
		    m.stop_status >= 0 ? m.stop_reason : "run ended");
		exit(1);
	}
	sim_world_destroy(&m);
	return BENCH_FRAMES / (t1 - t0);
}

int
main(int argc, char **argv)
{
	static const char *const names[2] = { "dev_dma_poll_frames_per_s",
	    "dev_dma_legacy_frames_per_s" };
	double v[BENCH_RUNS];

	bench_init(argc, argv);
	for (int k = 0; k < 2; k++) {
		if (!bench_wanted(names[k]))
			continue;
		for (int i = 0; i < BENCH_RUNS; i++)
			v[i] = bench_run(k == 1);
		bench_report(names[k], "frames/s", v, BENCH_RUNS);
	}
	return 0;
}
