/*
 * sim_scale.c -- thousands of hosts in one run: what a host costs and
 * whether the per-packet cost holds as hosts are added.
 *
 * The scenario is scripts/gen_scale.py N: N end hosts (one CPU, one DMA
 * NIC each) in broadcast domains of 8 on a switch, the domains joined by
 * a ring of routers (one per domain), one UDP flow a host (host i to host
 * i+1) of datagrams of 64 payload bytes.
 *
 * What "packets per wall second at N hosts" means here: every host does
 * the same thing at every N -- it sends 200 datagrams at 200 a second
 * (one virtual second) -- so the model's work a datagram (its scheduling
 * points and events, printed for each N) is the same at every N, and the
 * ratio of two N's figures measures what N costs: the memory and caches
 * that thousands of hosts' state takes, not a change of workload.  The
 * 10,000-host run sends 20 datagrams a host at the same rate (200,000 in
 * all) to stay within a minute or two.  A user asking "how fast does
 * netsim run my network of N hosts" gets the answer for hosts that each
 * do this much.
 *
 * The senders are out of step (gen_scale.py --stagger: host i starts i/N
 * of an interval after host 0), as independent hosts are: in step, all N
 * hosts send at the same instants, so every 5 ms a burst of N datagrams
 * goes through the machine phase by phase -- N senders, then N NICs, N
 * switches, routers, receivers -- each phase evicting what the next needs
 * from the caches, and the heap of runnable CPUs holds most of the N
 * (820 at N = 1,000): a workload whose burst grows with N, not the same
 * work a host at every N.  SCALE_LOCKSTEP=1 gives that workload (the
 * figures before 2026-12-06's third entry).
 *
 * SCALE_FIXED_TOTAL=1 gives the old workload instead, for comparing with
 * the figures before 2026-12-06's second entry: 200,000 datagrams in all
 * over one virtual second whatever N (20,000 a host at N = 10, 20 at
 * 10,000), so the points a datagram grow with N (fewer datagrams a host
 * at a lower rate: less batching) and the N-to-N ratio mixes that change
 * of workload with the cost of scale.  For N = 10, 100, 1000 and 10000:
 *
 *   scale_<N>_hosts_packets_per_s  datagrams the sinks took / wall second
 *                                  of the run after boot (the programs,
 *                                  from their start to the end)
 *   scale_<N>_hosts_setup_s        wall seconds to build the machine and
 *                                  boot every host (sim_world_build to
 *                                  the moment the programs start); the
 *                                  JSON's loading is not in it
 *   scale_<N>_hosts_load_s         wall seconds to load the scenario
 *                                  file (sim_scenario_load: parse and
 *                                  check it), which a user waits for too
 *   scale_<N>_hosts_peak_rss_mb    the run's peak resident set
 *   scale_<N>_hosts_bytes_per_host (peak RSS - RSS once the scenario is
 *                                  loaded) / hosts, routers included:
 *                                  what a simulated host costs
 *
 * and for N = 10, 100 and 1000, what a long run sees:
 *
 *   scale_<N>_hosts_steady_packets_per_s  the same hosts sending 300
 *                                  datagrams each and then 300,000
 *                                  more in all (at least 300 a host:
 *                                  30,300 a host at N = 10, 600 at
 *                                  1,000), timed from the stamp an
 *                                  event takes at 300 a host (the wall
 *                                  clock and the sinks' count) to the
 *                                  end
 *   ns3_scale_<N>_hosts_steady_packets_per_s  ns-3's copy of the same
 *                                  (bench/ns3/ns3_scale.cc), run after
 *                                  each of netsim's runs
 *   scale_<N>_hosts_steady_ns3_ratio  netsim's over ns-3's, run by run
 *
 * In the first 200 a host every frame lands in a receive cluster never
 * touched before (a ring holds 256): each costs its page's first touch,
 * microseconds on some guests and the same at every N, so it is much of
 * the 10-host figure and dilutes the N-to-N ratio.  Past 300 every ring
 * has gone round, and the ratio of the steady figures is what N costs a
 * datagram in a long run: the caches and TLB, nothing else.
 *
 * Each run is a child process (fork), so its peak RSS is its own.  Every
 * run checks the books as sim_udp_e2e does: datagrams sent = taken by
 * the sinks + the drops the hosts counted; a run that does not add up
 * fails the bench.  Each N also prints (to stderr) the scheduling points
 * and events a datagram took: the model's work, apart from the wall time
 * a point takes.  SCALE_GEN_ARGS adds arguments to gen_scale.py's after
 * the bench's own, so they override them (such as "--count 20", or
 * "--total 20000" with SCALE_FIXED_TOTAL); SCALE_DEBUG prints where a
 * host's memory goes.  N = 10 and 100 are run five times (they take a
 * fraction of a second), 1,000 three times, and 10,000 once: it takes
 * some 4 GB and a minute or more on a loaded machine.
 *
 * `sim_scale --once FILE` runs a scenario gen_scale.py wrote once, in
 * this process, and prints "delivered points events wall user sys": under
 * cachegrind, two such runs at two counts a host give the instructions
 * (and simulated misses) a datagram at that N, set-up dropping out; the
 * last three are the run's seconds after boot, by the clock and of CPU
 * in user mode and in the kernel -- on a loaded machine, user seconds
 * compare two builds better than wall seconds do.  SCALE_DEBUG also says
 * how much of the hot pool, up to its cut, is not resident: what huge
 * pages there would add.
 */
#include <assert.h>
#include <errno.h>
#include <libgen.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/fault/fault.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

#define SCALE_RUNS      5       /* at most */
#define SCALE_COUNT     200     /* datagrams a host sends, N <= 1000 */
#define SCALE_COUNT_10K 20      /* ... at N = 10,000 */
#define SCALE_RATE      200     /* datagrams a second a host sends */
#define SCALE_TOTAL     200000  /* SCALE_FIXED_TOTAL: datagrams in all */
#define SCALE_WARM      300     /* steady: a host's datagrams before the stamp */
#define SCALE_STEADY    300000  /* steady: datagrams timed, at least */

struct scale_result {
	double load_s, setup_s, run_s;
	double run_user_s, run_sys_s;   /* CPU seconds the run took */
	uint64_t sent, delivered, dropped;
	uint64_t points, events;
	double warm_s;                  /* steady: wall from the stamp to the end */
	uint64_t warm_delivered;        /* steady: the sinks' count then */
	unsigned hosts;
	long base_rss_kb;               /* after loading, before building */
	long maxrss_kb;                 /* filled in by the parent */
};

static char gen_path[PATH_MAX];
static double scale_booted_at;
static double scale_booted_user;        /* CPU seconds at boot's end */
static double scale_booted_sys;
static bool scale_text;                 /* --once: the result as text */
static uint64_t scale_warm_ns;          /* steady: the stamp after start */
static struct scale_result *scale_cur;  /* the run's, for the stamp */

/* The resident set now, from /proc/self/statm (kB), or 0. */
static long
scale_rss_kb(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Whether [lo, hi) overlaps one of m's hosts' arena chunks. */
static int
scale_in_arena(const struct sim_machine *m, uintptr_t lo, uintptr_t hi)
{
	for (u_int h = 0; h < m->nhosts; h++) {
		const struct sim_arena *a = &m->hosts[h].arena;

		for (unsigned c = 0; c < a->nchunks; c++) {
			uintptr_t b = (uintptr_t)a->chunk[c].base;

			if (b < hi && b + a->chunk[c].len > lo)
				return 1;
		}
	}
	return 0;
}

/*
 * SCALE_DEBUG: where a host's memory goes, to stderr: its kernel memory
 * (arena) handed out and mapped, and the resident set of the mappings
 * holding arena chunks against the rest (from /proc/self/smaps; the
 * kernel merges neighbouring mappings, so this is close, not exact).
 */
static void
scale_where(const struct sim_machine *m)
{
	double used = 0, mapped = 0, res_arena = 0, res_other = 0;
	unsigned long lo = 0, hi = 0, kb;
	int arena = 0;
	char line[512];
	FILE *f;

	double small = 0, small_mapped = 0, lines = 0, slots = 0;

	for (u_int h = 0; h < m->nhosts; h++) {
		used += (double)m->hosts[h].arena.used;
		mapped += (double)m->hosts[h].arena.mapped;
		small += (double)m->hosts[h].arena.bump[0];
		small_mapped += (double)m->hosts[h].arena.run_mapped[0];
		lines += (double)m->hosts[h].lines.used;
		slots += (double)m->hosts[h].lines.mask + 1;
	}
	fprintf(stderr, "sim_scale: a host's cache-line table: %.0f lines in "
	    "%.0f slots\n", lines / m->nhosts, slots / m->nhosts);
	fprintf(stderr, "sim_scale: a host's small blocks: %.0f bytes cut, "
	    "%.0f mapped\n", small / m->nhosts, small_mapped / m->nhosts);
	{
		/* The pool up to its cut, page by page: resident or not. */
		size_t page = (size_t)sysconf(_SC_PAGESIZE), cut = 0, res = 0;

		for (unsigned r = 0; r < m->hot.nregions; r++) {
			size_t len = r + 1 == m->hot.nregions ? m->hot.cut :
			    m->hot.region[r].len;
			size_t np = (len + page - 1) / page;
			unsigned char *v = malloc(np ? np : 1);

			cut += np * page;
			if (v != NULL && mincore(m->hot.region[r].base,
			    np * page, v) == 0)
				for (size_t i = 0; i < np; i++)
					res += (v[i] & 1) * page;
			free(v);
		}
		fprintf(stderr, "sim_scale: the hot pool: %zu bytes in regions "
		    "up to the cut, %zu resident (%.0f a host)\n", cut, res,
		    (double)(cut - res) / m->nhosts);
	}
	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			arena = scale_in_arena(m, lo, hi);
		else if (sscanf(line, "Rss: %lu kB", &kb) == 1) {
			if (arena)
				res_arena += (double)kb * 1024;
			else
				res_other += (double)kb * 1024;
		}
	}
	fclose(f);
	fprintf(stderr, "sim_scale: %u hosts; a host's kernel memory: %.0f "
	    "bytes handed out, %.0f mapped; resident a host: %.0f in its "
	    "arena, %.0f elsewhere\n", m->nhosts, used / m->nhosts,
	    mapped / m->nhosts, res_arena / m->nhosts, res_other / m->nhosts);
}

/* The CPU time this process has taken in user mode (sys: in the kernel), s. */
static double
scale_cpu_s(bool sys)
{
	struct rusage ru;
	const struct timeval *tv = sys ? &ru.ru_stime : &ru.ru_utime;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/*
 * The steady run's stamp, an event SCALE_WARM datagrams' time into the
 * sending: by then every host's receive ring has gone round once, so
 * each cluster a frame lands in after it has been touched before.
 */
static void
scale_warm(void *arg)
{
	const struct sim_machine *m = arg;

	scale_cur->warm_s = bench_now_s();
	scale_cur->warm_delivered = bench_sim_counter(m, "udp_sink",
	    "received");
}

/* Boot is over: stamp the time, then start the faults and programs. */
static void
scale_booted(struct sim_machine *m)
{
	scale_booted_at = bench_now_s();
	scale_booted_user = scale_cpu_s(false);
	scale_booted_sys = scale_cpu_s(true);
	if (scale_warm_ns != 0)
		sim_machine_at(m, m->eng.now + scale_warm_ns, scale_warm, m);
	sim_faults_start(m);
	sim_world_start_programs(m);
}

static void
scale_child(const char *file, int fd)
{
	char err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	struct scale_result r;
	double t0, t1;

	memset(&r, 0, sizeof(r));
	t0 = bench_now_s();
	if (sim_scenario_load(file, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "sim_scale: %s\n", err);
		_exit(1);
	}
	r.load_s = bench_now_s() - t0;
	scale_cur = &r;
	r.base_rss_kb = scale_rss_kb();
	t0 = bench_now_s();
	if (sim_world_build(&m, sc, sc->seed) != 0)
		_exit(1);
	m.no_reports = true;
	m.after_boot = scale_booted;
	sim_world_boot(&m);
	sim_machine_run(&m);
	t1 = bench_now_s();
	r.run_user_s = scale_cpu_s(false) - scale_booted_user;
	r.run_sys_s = scale_cpu_s(true) - scale_booted_sys;
	r.setup_s = scale_booted_at - t0;
	if (r.warm_s != 0)
		r.warm_s = t1 - r.warm_s;
	r.run_s = t1 - scale_booted_at;
	r.sent = bench_sim_counter(&m, "udp.", "sent");
	r.delivered = bench_sim_counter(&m, "udp_sink", "received");
	r.dropped = bench_sim_drops(&m);
	r.hosts = m.nhosts;
	r.points = m.points;
	r.events = m.eng.executed;
	if (getenv("SCALE_DEBUG") != NULL)
		scale_where(&m);
	if (m.stop_status >= 0) {
		fprintf(stderr, "sim_scale: %s stopped: %s\n", file,
		    m.stop_reason);
		_exit(1);
	}
	if (scale_text) {
		printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %.3f %.3f %.3f\n",
		    r.delivered, r.points, r.events, r.run_s, r.run_user_s,
		    r.run_sys_s);
		fflush(stdout);
	} else if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static void
scale_in_child(void *arg, int fd)
{
	scale_child(arg, fd);
}

static struct scale_result
scale_run(const char *file)
{
	struct scale_result r;

	r.maxrss_kb = bench_sim_in_child("sim_scale", file, scale_in_child,
	    (void *)file, &r, sizeof(r));
	bench_sim_books("sim_scale", file, r.sent, r.delivered, r.dropped);
	return r;
}

/*
 * scripts/gen_scale.py n into a temporary file, count datagrams a host
 * (0: the bench's own workload); its name to path.
 */
static void
scale_generate(unsigned n, unsigned count, char *path, size_t len)
{
	char cmd[2 * PATH_MAX + 128], work[64];
	int fd;

	snprintf(path, len, "/tmp/netsim-scale-%u-XXXXXX", n);
	if ((fd = mkstemp(path)) < 0) {
		perror("sim_scale: mkstemp");
		exit(1);
	}
	close(fd);
	if (count != 0)
		snprintf(work, sizeof(work), "--count %u --rate %d "
		    "--duration %u", count, SCALE_RATE, count / SCALE_RATE + 10);
	else if (getenv("SCALE_FIXED_TOTAL") != NULL)
		snprintf(work, sizeof(work), "--total %d", SCALE_TOTAL);
	else
		snprintf(work, sizeof(work), "--count %d --rate %d",
		    n >= 10000 ? SCALE_COUNT_10K : SCALE_COUNT, SCALE_RATE);
	if (getenv("SCALE_LOCKSTEP") == NULL)
		strncat(work, " --stagger", sizeof(work) - strlen(work) - 1);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %u --out %s %s %.64s",
	    gen_path, n, path, work, getenv("SCALE_GEN_ARGS") != NULL ?
	    getenv("SCALE_GEN_ARGS") : "");
	if (system(cmd) != 0) {
		fprintf(stderr, "sim_scale: %s failed\n", cmd);
		unlink(path);
		exit(1);
	}
}

static void
scale_bench(unsigned n, int runs)
{
	char names[5][64], path[PATH_MAX];
	double pps[SCALE_RUNS], rss[SCALE_RUNS], bph[SCALE_RUNS];
	double setup[SCALE_RUNS], load[SCALE_RUNS];
	struct scale_result last = { 0 };
	int any = 0;

	assert(runs >= 1 && runs <= SCALE_RUNS);
	snprintf(names[0], sizeof(names[0]), "scale_%u_hosts_packets_per_s", n);
	snprintf(names[1], sizeof(names[1]), "scale_%u_hosts_peak_rss_mb", n);
	snprintf(names[2], sizeof(names[2]), "scale_%u_hosts_bytes_per_host",
	    n);
	snprintf(names[3], sizeof(names[3]), "scale_%u_hosts_setup_s", n);
	snprintf(names[4], sizeof(names[4]), "scale_%u_hosts_load_s", n);
	for (int i = 0; i < 5; i++)
		any |= bench_wanted(names[i]);
	if (!any)
		return;
	scale_generate(n, 0, path, sizeof(path));
	for (int i = 0; i < runs; i++) {
		struct scale_result r = scale_run(path);

		last = r;
		pps[i] = (double)r.delivered / r.run_s;
		rss[i] = (double)r.maxrss_kb / 1024.0;
		bph[i] = (double)(r.maxrss_kb - r.base_rss_kb) * 1024.0 /
		    (double)r.hosts;
		setup[i] = r.setup_s;
		load[i] = r.load_s;
	}
	unlink(path);
	/* The model's work a datagram, for reading the wall figures. */
	fprintf(stderr, "sim_scale: %u hosts: %.1f points and %.2f events a "
	    "datagram taken\n", n, (double)last.points / (double)last.delivered,
	    (double)last.events / (double)last.delivered);
	if (bench_wanted(names[0]))
		bench_report(names[0], "packets/s", pps, runs);
	if (bench_wanted(names[1]))
		bench_report(names[1], "MB", rss, runs);
	if (bench_wanted(names[2]))
		bench_report(names[2], "bytes", bph, runs);
	if (bench_wanted(names[3]))
		bench_report(names[3], "s", setup, runs);
	if (bench_wanted(names[4]))
		bench_report(names[4], "s", load, runs);
}

static char ns3_bin[PATH_MAX];         /* bin/ns3/ns3_scale, if built */

/*
 * One run of ns-3's copy of the steady workload at n hosts
 * (bench/ns3/ns3_scale.cc): its datagrams a wall second from the stamp
 * to the end, or a negative number if it could not be run or did not
 * deliver what was sent.
 */
static double
scale_ns3_run(unsigned n, unsigned count)
{
	char cmd[PATH_MAX + 64], line[128];
	unsigned long long got, events;
	double wall, pps;

	snprintf(cmd, sizeof(cmd), "%s %u %u %d %d", ns3_bin, n, count,
	    SCALE_RATE, SCALE_WARM);
	if (bench_run_line(cmd, line, sizeof(line)) != 0 ||
	    sscanf(line, "%llu %lf %llu %lf", &got, &wall, &events, &pps) != 4)
		return -1;
	/* A few of the first datagrams wait for ARP in ns-3 too; no more. */
	return got < (unsigned long long)n * count * 999 / 1000 ? -1 : pps;
}

/*
 * The steady figures at n hosts (the file's head says what and why):
 * each host sends SCALE_WARM datagrams and then its share of
 * SCALE_STEADY (but at least SCALE_WARM more), timed from the stamp to
 * the end; with ns-3's copy built, each run is followed by one of
 * ns-3's and the ratio of the two.
 */
static void
scale_steady(unsigned n, int runs)
{
	char name[64], ns3_name[64], ratio_name[64], path[PATH_MAX];
	double pps[SCALE_RUNS], ns3[SCALE_RUNS], ratio[SCALE_RUNS];
	unsigned count = SCALE_WARM + MAX(SCALE_WARM,
	    (SCALE_STEADY + n - 1) / n);
	bool with_ns3;

	assert(runs >= 1 && runs <= SCALE_RUNS);
	snprintf(name, sizeof(name), "scale_%u_hosts_steady_packets_per_s",
	    n);
	snprintf(ns3_name, sizeof(ns3_name),
	    "ns3_scale_%u_hosts_steady_packets_per_s", n);
	snprintf(ratio_name, sizeof(ratio_name),
	    "scale_%u_hosts_steady_ns3_ratio", n);
	with_ns3 = bench_wanted(ns3_name) || bench_wanted(ratio_name);
	if (!bench_wanted(name) && !with_ns3)
		return;
	if (with_ns3 && access(ns3_bin, X_OK) != 0) {
		fprintf(stderr, "sim_scale: %s not built (make bench builds "
		    "it with Debian's libns3-dev): no %s\n", ns3_bin, ns3_name);
		with_ns3 = false;
	}
	scale_generate(n, count, path, sizeof(path));
	scale_warm_ns = (uint64_t)SCALE_WARM * 1000000000 / SCALE_RATE;
	for (int i = 0; i < runs; i++) {
		struct scale_result r = scale_run(path);

		if (r.warm_s == 0 || r.delivered <= r.warm_delivered) {
			fprintf(stderr, "sim_scale: %s: no datagram after the "
			    "stamp\n", path);
			exit(1);
		}
		pps[i] = (double)(r.delivered - r.warm_delivered) / r.warm_s;
		if (!with_ns3)
			continue;
		if ((ns3[i] = scale_ns3_run(n, count)) <= 0) {
			fprintf(stderr, "sim_scale: %s %u %u %d %d failed\n",
			    ns3_bin, n, count, SCALE_RATE, SCALE_WARM);
			exit(1);
		}
		ratio[i] = pps[i] / ns3[i];
	}
	scale_warm_ns = 0;
	unlink(path);
	if (bench_wanted(name))
		bench_report(name, "packets/s", pps, runs);
	if (with_ns3) {
		bench_report(ns3_name, "packets/s", ns3, runs);
		bench_report(ratio_name, "ratio", ratio, runs);
	}
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	const char *dir;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_scale: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	dir = dirname(self);
	/* bin/release/bench/sim_scale -> scripts/gen_scale.py */
	snprintf(gen_path, sizeof(gen_path),
	    "%s/../../../scripts/gen_scale.py", dir);
	/* bin/release/bench/sim_scale -> bin/ns3/ns3_scale */
	snprintf(ns3_bin, sizeof(ns3_bin), "%s/../../ns3/ns3_scale", dir);
	/*
	 * One run of FILE in this process (so that valgrind counts it
	 * without following a fork): the datagrams the sinks took, the
	 * scheduling points, the events and the run's wall, user and
	 * system seconds on stdout.  What the
	 * instructions a datagram at each N are measured with (bench/README
	 * "Thousands of hosts, third pass").
	 */
	if (argc == 3 && strcmp(argv[1], "--once") == 0) {
		scale_text = true;
		scale_child(argv[2], STDOUT_FILENO);
	}
	bench_init(argc, argv);
	scale_bench(10, 5);
	scale_bench(100, 5);
	scale_bench(1000, 3);
	scale_bench(10000, 1);
	scale_steady(10, 5);
	scale_steady(100, 3);
	scale_steady(1000, 3);
	return 0;
}
