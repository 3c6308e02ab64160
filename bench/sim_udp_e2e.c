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

/* Every drop the hosts counted, each packet once. */
static uint64_t
e2e_drops(const struct sim_machine *m)
{
	uint64_t sum = 0;

	for (u_int h = 0; h < m->nhosts; h++)
		for (u_int i = 0; i < m->hosts[h].nevcnts; i++) {
			const struct evcnt *ev = m->hosts[h].evcnts[i];

			/* ip's nobufs counts the ARP hold drops again. */
			if (strcmp(ev->ev_name, "nobufs") == 0)
				continue;
			if (strstr(ev->ev_name, "drop") != NULL ||
			    strncmp(ev->ev_name, "full", 4) == 0)
				sum += ev->ev_count;
		}
	return sum;
}

/* In the child: one run of the scenario, the result to fd. */
static void
e2e_child(const char *file, uint64_t delay_ns, int fd)
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
	r.dropped = e2e_drops(&m);
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
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static struct e2e_result
e2e_run(const char *file, uint64_t delay_ns)
{
	struct e2e_result r;
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror("sim_udp_e2e");
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		e2e_child(file, delay_ns, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		fprintf(stderr, "sim_udp_e2e: %s: the run failed\n", file);
		exit(1);
	}
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("sim_udp_e2e: wait4");
			exit(1);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		exit(1);
	r.maxrss_kb = ru.ru_maxrss;
	if (r.sent == 0 || r.sent != r.delivered + r.dropped) {
		fprintf(stderr, "sim_udp_e2e: %s: %llu sent, %llu taken, %llu "
		    "dropped: the books do not add up\n", file,
		    (unsigned long long)r.sent,
		    (unsigned long long)r.delivered,
		    (unsigned long long)r.dropped);
		exit(1);
	}
	return r;
}

static void
e2e_throughput(const char *name, const char *file, struct e2e_result *last)
{
	double v[RUNS], rss[RUNS];

	for (int i = 0; i < RUNS; i++) {
		*last = e2e_run(file, 0);
		v[i] = (double)last->delivered / last->wall_s;
		rss[i] = (double)last->maxrss_kb / 1024.0;
	}
	bench_report(name, "packets/s", v, RUNS);
	if (strcmp(file, "udp-router.json") == 0 &&
	    bench_wanted("udp_e2e_router_peak_rss_mb"))
		bench_report("udp_e2e_router_peak_rss_mb", "MB", rss, RUNS);
}

/*
 * One run of file by the exploration build's copy of this program: its
 * wall seconds (or a negative number if it could not be run).
 */
static double
e2e_explore_run(const char *self_dir, const char *file, uint64_t *races)
{
	char cmd[2 * PATH_MAX + 64], line[128];
	double wall = -1;
	FILE *f;

	/* bin/release/bench -> bin/explore/bench */
	snprintf(cmd, sizeof(cmd), "%s/../../explore/bench/sim_udp_e2e --time "
	    "%s", self_dir, file);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "%lf %" SCNu64, &wall, races) != 2)
		wall = -1;
	if (pclose(f) != 0)
		wall = -1;
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
	bench_init(argc, argv);
	if (!SIM_RACE && bench_wanted("explore_build_slowdown") &&
	    e2e_slowdown(self_dir) != 0)
		return 1;

	memset(&r, 0, sizeof(r));
	if (bench_wanted("udp_e2e_router_packets_per_s") ||
	    bench_wanted("udp_e2e_router_peak_rss_mb"))
		e2e_throughput("udp_e2e_router_packets_per_s",
		    "udp-router.json", &r);
	if (bench_wanted("udp_e2e_router15_packets_per_s"))
		e2e_throughput("udp_e2e_router15_packets_per_s",
		    "udp-router15.json", &far);
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
