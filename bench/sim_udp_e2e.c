/*
 * sim_udp_e2e.c -- UDP end to end through a router on the full machine:
 * DMA NICs, drivers in poll mode, IPv4 forwarding, sockets, programs, and
 * every kernel-service call priced by the default cost table.
 *
 *   udp_e2e_router_packets_per_s     bench/scenarios/udp-router.json: client
 *                                    - router - server over 10 Gbit/s links,
 *                                    4 CPUs a host; each leaf sends 200,000
 *                                    datagrams of 64 payload bytes to a
 *                                    udp_sink on the other, both at once.
 *                                    Datagrams the sinks took / wall second
 *   udp_e2e_router15_packets_per_s   bench/scenarios/udp-router15.json:
 *                                    15 clients x 30,000 datagrams through
 *                                    one router (16 NICs) to one server
 *   ns3_star2_packets_per_s          ns-3's side (bench/ns3/ns3_star.cc, built
 *   ns3_star15_packets_per_s         by make bench into bin/ns3/ns3_star): a star
 *                                    of 2 (15) leaves on 10 Gbit/s 5 us links into
 *                                    one router, each leaf sending as many
 *                                    datagrams of 64 bytes as a udp-router
 *                                    (udp-router15) sender, at its rate, to the
 *                                    next leaf.  Its runs alternate with
 *                                    netsim's, one each in turn, so that both
 *                                    see the same load
 *   udp_e2e_router_ns3_ratio         netsim's packets/s over ns-3's, run by run
 *   udp_e2e_router15_ns3_ratio       (each netsim run against the ns-3 run
 *                                    right after it)
 *   udp_e2e_router_peak_rss_mb       the peak resident set of a process
 *                                    that runs udp-router.json once
 *   udp_e2e_router_bytes_per_packet_in_flight
 *                                    what one more packet in flight costs:
 *                                    the same run with 20 ms links (some
 *                                    16,000 frames on the wires at once)
 *                                    against 5 us links, the difference of
 *                                    peak RSS over the difference of the
 *                                    frames' high-water mark
 *   udp_e2e_router_points_per_packet scheduling points and engine events
 *   udp_e2e_router_events_per_packet per delivered datagram (deterministic:
 *                                    one run)
 *   explore_build_slowdown           the exploration build (make explore:
 *                                    every load and store of the stack
 *                                    checked by the race detector) against
 *                                    this one on udp-router.json: the
 *                                    median of RUNS pairs of runs' wall
 *                                    times, explore / release.  The explore
 *                                    build's own copy of this program
 *                                    (bin/explore/bench/sim_udp_e2e --time
 *                                    FILE) times its runs; the detector
 *                                    reports each race once and goes on,
 *                                    so both builds run the same schedule.
 *
 * Each run is a child process (fork), so its peak RSS is its own and no
 * run inherits another's warm allocator.  Loading the scenario and
 * building the machine are outside the timed region; booting it is inside.
 * Every run checks the books: datagrams UDP sent = taken by the sinks + the
 * drops the hosts counted (any counter named *drop* or full* or nobufs,
 * less the ARP hold drops that ip also counts as nobufs); a run that does
 * not add up fails the bench.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/race/race.h"
#include "sim/wire/frame.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/scenario/scenario.h"
#include "sim/wire/topology.h"
#include "stack/sys/evcnt.h"

#define RUNS            5

struct e2e_result {
	double wall_s;
	uint64_t sent, delivered, dropped;
	uint64_t points, events;
	uint64_t frames_hw;
	uint64_t races;                 /* the exploration build's, distinct */
	long maxrss_kb;                 /* filled in by the parent */
};

static char scen_dir[PATH_MAX];

/*
 * Every udp_send of sc sends count datagrams instead (bench/
 * instr_per_packet.py runs two counts so that set-up drops out).
 */
static void
e2e_set_count(struct scenario *sc, int64_t count)
{
	for (u_int i = 0; i < sc->nprograms; i++) {
		const struct app_desc *app = sc->programs[i].app;

		if (strcmp(app->name, "udp_send") != 0)
			continue;
		for (u_int k = 0; k < app->nparams; k++)
			if (strcmp(app->params[k].name, "count") == 0)
				sc->programs[i].args.v[k] = count;
	}
}

static int64_t e2e_count;               /* > 0: --once's datagrams a sender */

/*
 * In the child (or, with --once, in the process itself): one run of the
 * scenario, the result to fd; as text ("delivered points events") if
 * text.
 */
static void
e2e_child(const char *file, uint64_t delay_ns, int fd, bool text)
{
	char path[PATH_MAX + 64], err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	struct e2e_result r;
	double t0;

	snprintf(path, sizeof(path), "%s/%s", scen_dir, file);
	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "sim_udp_e2e: %s\n", err);
		_exit(1);
	}
	if (e2e_count > 0)
		e2e_set_count(sc, e2e_count);
	if (delay_ns != 0)
		for (u_int i = 0; i < sc->nlinks; i++)
			sc->links[i].delay_ns = delay_ns;
	if (sim_world_build(&m, sc, sc->seed) != 0)
		_exit(1);
	m.no_reports = true;
	SIM_RACE_HOOK(sim_race_set_keep_going(&m, true));
	t0 = bench_now_s();
	sim_world_boot(&m);
	sim_machine_run(&m);
	memset(&r, 0, sizeof(r));
	r.wall_s = bench_now_s() - t0;
	r.sent = bench_sim_counter(&m, "udp.", "sent");
	r.delivered = bench_sim_counter(&m, "udp_sink", "received");
	r.dropped = bench_sim_drops(&m);
	r.points = m.points;
	r.events = m.eng.executed;
	r.frames_hw = m.topo->pool.in_use_hw;
	if (SIM_RACE) {
		struct sim_race_stats st;

		sim_race_get_stats(&m, &st);
		r.races = st.races;
	}
	if (m.stop_status >= 0) {
		fprintf(stderr, "sim_udp_e2e: %s stopped: %s\n", file,
		    m.stop_reason);
		_exit(1);
	}
	if (text) {
		printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", r.delivered,
		    r.points, r.events);
		fflush(stdout);
	} else if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

struct e2e_args {
	const char *file;
	uint64_t delay_ns;
};

static void
e2e_in_child(void *arg, int fd)
{
	const struct e2e_args *a = arg;

	e2e_child(a->file, a->delay_ns, fd, false);
}

static struct e2e_result
e2e_run(const char *file, uint64_t delay_ns)
{
	struct e2e_args a = { file, delay_ns };
	struct e2e_result r;

	r.maxrss_kb = bench_sim_in_child("sim_udp_e2e", file, e2e_in_child,
	    &a, &r, sizeof(r));
	bench_sim_books("sim_udp_e2e", file, r.sent, r.delivered, r.dropped);
	return r;
}

static char ns3_bin[PATH_MAX];         /* bin/ns3/ns3_star, if built */

/*
 * One run of ns-3's star of leaves leaves, each sending count datagrams
 * one every interval_ns: its datagrams received per wall second (of
 * Simulator::Run), or a negative number if it could not be run.
 */
static double
e2e_ns3_run(u_int leaves, u_int count, u_int interval_ns)
{
	char cmd[PATH_MAX + 64], line[128];
	unsigned long long got, events;
	double wall;

	snprintf(cmd, sizeof(cmd), "%s %u %u %u", ns3_bin, leaves, count,
	    interval_ns);
	if (bench_run_line(cmd, line, sizeof(line)) != 0 ||
	    sscanf(line, "%llu %lf %llu", &got, &wall, &events) != 3 ||
	    got != (unsigned long long)leaves * count || wall <= 0)
		return -1;
	return (double)got / wall;
}

/*
 * name's runs of file, and -- when ns3_name is wanted and ns-3's star is
 * built -- ns-3's star of leaves leaves sending count datagrams each one
 * every interval_ns, run by run in turn, and the ratio of the two.
 */
static int
e2e_throughput(const char *name, const char *file, struct e2e_result *last,
    const char *ns3_name, const char *ratio_name, u_int leaves, u_int count,
    u_int interval_ns)
{
	double v[RUNS], rss[RUNS], ns3[RUNS], ratio[RUNS];
	bool with_ns3 = bench_wanted(ns3_name) || bench_wanted(ratio_name);

	if (with_ns3 && access(ns3_bin, X_OK) != 0) {
		fprintf(stderr, "sim_udp_e2e: %s not built (make bench builds "
		    "it with Debian's libns3-dev): no %s\n", ns3_bin, ns3_name);
		with_ns3 = false;
	}
	for (int i = 0; i < RUNS; i++) {
		*last = e2e_run(file, 0);
		v[i] = (double)last->delivered / last->wall_s;
		rss[i] = (double)last->maxrss_kb / 1024.0;
		if (!with_ns3)
			continue;
		ns3[i] = e2e_ns3_run(leaves, count, interval_ns);
		if (ns3[i] <= 0) {
			fprintf(stderr, "sim_udp_e2e: %s %u %u %u failed\n",
			    ns3_bin, leaves, count, interval_ns);
			return 1;
		}
		ratio[i] = v[i] / ns3[i];
	}
	bench_report(name, "packets/s", v, RUNS);
	if (strcmp(file, "udp-router.json") == 0 &&
	    bench_wanted("udp_e2e_router_peak_rss_mb"))
		bench_report("udp_e2e_router_peak_rss_mb", "MB", rss, RUNS);
	if (with_ns3) {
		bench_report(ns3_name, "packets/s", ns3, RUNS);
		bench_report(ratio_name, "ratio", ratio, RUNS);
	}
	return 0;
}

/*
 * One run of file by the exploration build's copy of this program: its
 * wall seconds (or a negative number if it could not be run).
 */
static double
e2e_explore_run(const char *self_dir, const char *file, uint64_t *races)
{
	char cmd[2 * PATH_MAX + 64], line[128];
	double wall;

	/* bin/release/bench -> bin/explore/bench */
	snprintf(cmd, sizeof(cmd), "%s/../../explore/bench/sim_udp_e2e --time "
	    "%s", self_dir, file);
	if (bench_run_line(cmd, line, sizeof(line)) != 0 ||
	    sscanf(line, "%lf %" SCNu64, &wall, races) != 2)
		return -1;
	return wall;
}

static int
e2e_slowdown(const char *self_dir)
{
	double v[RUNS];
	uint64_t races = 0;

	for (int i = 0; i < RUNS; i++) {
		struct e2e_result r = e2e_run("udp-router.json", 0);
		double x = e2e_explore_run(self_dir, "udp-router.json", &races);

		if (x < 0) {
			fprintf(stderr, "sim_udp_e2e: explore_build_slowdown needs "
			    "the exploration build: make VARIANT=explore\n");
			return 1;
		}
		v[i] = x / r.wall_s;
	}
	bench_report("explore_build_slowdown", "ratio", v, RUNS);
	fprintf(stderr, "sim_udp_e2e: the exploration build reported %" PRIu64
	    " distinct races on udp-router.json\n", races);
	return 0;
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	const char *self_dir;
	struct e2e_result r, far;
	double v[RUNS];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_udp_e2e: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	self_dir = dirname(self);
	/* bin/release/bench/sim_udp_e2e -> bench/scenarios */
	snprintf(scen_dir, sizeof(scen_dir), "%s/../../../bench/scenarios",
	    self_dir);
	/* The exploration build's half of explore_build_slowdown. */
	if (argc == 3 && strcmp(argv[1], "--time") == 0) {
		r = e2e_run(argv[2], 0);
		printf("%.6f %" PRIu64 "\n", r.wall_s, r.races);
		return 0;
	}
	/*
	 * One run of FILE with COUNT datagrams a sender, in this process (so
	 * that valgrind counts it without following a fork): the datagrams
	 * the sinks took, the scheduling points and the events on stdout.
	 * bench/instr_per_packet.py's half.
	 */
	if (argc == 4 && strcmp(argv[1], "--once") == 0) {
		e2e_count = strtoll(argv[3], NULL, 10);
		if (e2e_count <= 0 || e2e_count > 10000000) {
			fprintf(stderr, "sim_udp_e2e: --once FILE COUNT: "
			    "COUNT 1 to 10000000\n");
			return 2;
		}
		e2e_child(argv[2], 0, STDOUT_FILENO, true);
	}
	bench_init(argc, argv);
	if (!SIM_RACE && bench_wanted("explore_build_slowdown") &&
	    e2e_slowdown(self_dir) != 0)
		return 1;

	/* bin/release/bench/sim_udp_e2e -> bin/ns3/ns3_star */
	snprintf(ns3_bin, sizeof(ns3_bin), "%s/../../ns3/ns3_star", self_dir);
	memset(&r, 0, sizeof(r));
	/* udp-router.json: 200,000 datagrams a leaf at 200 kpps. */
	if ((bench_wanted("udp_e2e_router_packets_per_s") ||
	    bench_wanted("udp_e2e_router_peak_rss_mb") ||
	    bench_wanted("ns3_star2_packets_per_s") ||
	    bench_wanted("udp_e2e_router_ns3_ratio")) &&
	    e2e_throughput("udp_e2e_router_packets_per_s", "udp-router.json",
	    &r, "ns3_star2_packets_per_s", "udp_e2e_router_ns3_ratio", 2,
	    200000, 5000) != 0)
		return 1;
	/* udp-router15.json: 30,000 datagrams a client at 50 kpps. */
	if ((bench_wanted("udp_e2e_router15_packets_per_s") ||
	    bench_wanted("ns3_star15_packets_per_s") ||
	    bench_wanted("udp_e2e_router15_ns3_ratio")) &&
	    e2e_throughput("udp_e2e_router15_packets_per_s",
	    "udp-router15.json", &far, "ns3_star15_packets_per_s",
	    "udp_e2e_router15_ns3_ratio", 15, 30000, 20000) != 0)
		return 1;
	if (bench_wanted("udp_e2e_router_bytes_per_packet_in_flight")) {
		for (int i = 0; i < RUNS; i++) {
			struct e2e_result near = e2e_run("udp-router.json", 0);

			far = e2e_run("udp-router.json", 20000000);
			if (far.frames_hw <= near.frames_hw) {
				fprintf(stderr, "sim_udp_e2e: longer links held no "
				    "more frames\n");
				return 1;
			}
			v[i] = (double)(far.maxrss_kb - near.maxrss_kb) * 1024.0 /
			    (double)(far.frames_hw - near.frames_hw);
		}
		bench_report("udp_e2e_router_bytes_per_packet_in_flight",
		    "bytes", v, RUNS);
	}
	if (bench_wanted("udp_e2e_router_points_per_packet") ||
	    bench_wanted("udp_e2e_router_events_per_packet")) {
		if (r.delivered == 0)
			r = e2e_run("udp-router.json", 0);
		v[0] = (double)r.points / (double)r.delivered;
		if (bench_wanted("udp_e2e_router_points_per_packet"))
			bench_report("udp_e2e_router_points_per_packet",
			    "points", v, 1);
		v[0] = (double)r.events / (double)r.delivered;
		if (bench_wanted("udp_e2e_router_events_per_packet"))
			bench_report("udp_e2e_router_events_per_packet",
			    "events", v, 1);
	}
	return 0;
}
