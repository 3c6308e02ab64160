/*
 * sim_tcp.c -- TCP through a router on the full machine: DMA NICs,
 * drivers, IPv4 forwarding, the TCP of stack/netinet, programs, and every
 * kernel-service call priced by the default cost table.
 *
 *   tcp_bulk_router_virtual_s_per_wall_s
 *                              bench/scenarios/tcp-bulk-router.json:
 *                              client - router - server over 1 Gbit/s,
 *                              5 us links, 2 CPUs a host; a tcp_stream
 *                              fills the path for 500 ms of virtual time
 *                              into a tcp_server (discard).  The stream's
 *                              500 ms over the wall time of the whole
 *                              run, boot included (the server must have
 *                              taken >= 900 Mbit/s of it)
 *   tcp_bulk_router_ns3_virtual_s_per_wall_s
 *                              ns-3's side (bench/ns3/ns3_tcp_bulk.cc,
 *                              built by make bench into bin/ns3/): the
 *                              same path, BulkSendApplication to a
 *                              PacketSink for 500 ms, NewReno, 1448-byte
 *                              segments.  Its runs alternate with
 *                              netsim's, one each in turn, so that both
 *                              see the same load
 *   tcp_bulk_router_ns3_ratio  netsim's figure over ns-3's, run by run
 *   tcp_bulk_router_points_per_segment
 *   tcp_bulk_router_events_per_segment
 *                              scheduling points and engine events of a
 *                              bulk run over the data segments the server
 *                              took (its bytes / 1448; deterministic: the
 *                              last run's, runs=1)
 *   tcp_connections_per_s      bench/scenarios/tcp-conns-router.json: the
 *                              same path; a tcp_client (conns) makes 2,000
 *                              connections, one every 500 us of virtual
 *                              time, each connect, one 64-byte request,
 *                              its 64-byte response, close, to a
 *                              tcp_server (rr).  Connections that
 *                              succeeded / wall second
 *   tcp_idle_conn_bytes        kernel memory per established idle
 *   tcp_idle_conn_server_bytes connection, the connecting side's (client
 *                              host) and the accepting side's (server
 *                              host): K tcp_servers (rr) on ports 6000 +
 *                              i and K tcp_clients, each one request and
 *                              then idle (linger); each host's arena
 *                              bytes in use (kmem.inuse_bytes) read at
 *                              0.9 ms (every program started, buffers
 *                              allocated, no connection yet) and at 100
 *                              ms (all K established and idle), for K =
 *                              32 and K = 128: the growth of the
 *                              difference over the 96 connections more,
 *                              so that one-off costs (ARP, the first
 *                              connection's tables) drop out.  Arena
 *                              bytes are whole blocks of power-of-two
 *                              size classes.  Deterministic: one run
 *                              each (runs=1)
 *
 * The figures count the servers' work (tcp_server is a daemon; a
 * client's counters go with it when it exits).  Each timed run is a
 * child process (fork), so that no run inherits
 * another's warm allocator.  Loading the scenario and building the machine
 * are outside the timed region; booting it is inside.  Every run checks
 * that the work was done (the stream sent, the connections all
 * succeeded, every idle client connected); one that did not fails the
 * bench.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/scenario/scenario.h"

#define RUNS            5
#define TCP_BULK_NS     500e6           /* tcp-bulk-router.json's stream */
#define TCP_BULK_S      "0.5"           /* ns-3's seconds, the same */
#define TCP_MSS         1448            /* a full segment's data bytes */
#define TCP_CONNS       2000            /* tcp-conns-router.json's count */
#define IDLE_K1         32
#define IDLE_K2         128
/*
 * Before any connect (the first starts at 1 ms), after every tcp_server
 * has made its first worker: at 0.5 ms 128 of them had not all, and the
 * workers made later (a thread each, the program's, not a connection's)
 * counted 19 KB a connection.
 */
#define IDLE_T0_NS      900000ULL
#define IDLE_T1_NS      100000000ULL    /* all established, idle */

struct tcp_result {
	double wall_s;
	uint64_t bytes_in, accepted, responses;
	uint64_t points, events;
	uint64_t inuse[2][2];           /* [client, server][t0, t1] */
	int64_t mbufs[2][2];            /* mbufs + clusters out, the same */
};

static char scen_dir[PATH_MAX];
static const char *once_dur;           /* --once: the stream's duration */
static char ns3_bin[PATH_MAX];         /* bin/ns3/ns3_tcp_bulk, if built */

/* The idle sampler: each host's arena in use at IDLE_T0_NS, IDLE_T1_NS. */
static struct tcp_result *idle_r;
static int idle_client = -1, idle_server = -1;

/* Host h's mbufs and clusters out now: the pools' gets less puts. */
static int64_t
idle_mbufs(const struct sim_machine *m, int h)
{
	int64_t n = 0;

	for (u_int i = 0; i < m->hosts[h].nevcnts; i++) {
		const struct evcnt *ev = m->hosts[h].evcnts[i];

		if (strcmp(ev->ev_group, "mbpl") != 0 &&
		    strcmp(ev->ev_group, "mclpl") != 0)
			continue;
		if (strcmp(ev->ev_name, "get") == 0)
			n += (int64_t)ev->ev_count;
		else if (strcmp(ev->ev_name, "put") == 0)
			n -= (int64_t)ev->ev_count;
	}
	return n;
}

static void
idle_pace(struct sim_machine *m, uint64_t t)
{
	int k = m->pace_ns == IDLE_T0_NS ? 0 : 1;

	(void)t;
	idle_r->inuse[0][k] = m->hosts[idle_client].arena.inuse;
	idle_r->inuse[1][k] = m->hosts[idle_server].arena.inuse;
	idle_r->mbufs[0][k] = idle_mbufs(m, idle_client);
	idle_r->mbufs[1][k] = idle_mbufs(m, idle_server);
	m->pace_ns = k == 0 ? IDLE_T1_NS : UINT64_MAX;
}

/*
 * The idle scenario: the client - router - server path of
 * tcp-bulk-router.json, k servers and k clients that each make one
 * request and stay connected for a second: the first at 1 ms, the rest
 * from 2 ms on, 10 us apart (ARP holds one packet a destination: SYNs
 * all at once before the first answer would be dropped, and retried only
 * a second later).  Malloc'ed text.
 */
static char *
idle_text(int k, size_t *lenp)
{
	static const char head[] =
	    "{\"name\": \"tcp-idle\", \"duration\": \"200ms\",\n"
	    " \"hosts\": [\n"
	    "  {\"name\": \"client\", \"cpus\": 2, \"nics\": [{\"name\": \"wm0\","
	    " \"type\": \"dma\", \"addr\": \"10.0.1.1/24\"}],\n"
	    "   \"branes\": [{\"name\": \"default\", \"routes\": [{\"dst\": "
	    "\"0.0.0.0/0\", \"via\": \"10.0.1.254\"}]}]},\n"
	    "  {\"name\": \"router\", \"cpus\": 2, \"nics\": [{\"name\": \"wm0\","
	    " \"type\": \"dma\", \"addr\": \"10.0.1.254/24\"}, {\"name\": "
	    "\"wm1\", \"type\": \"dma\", \"addr\": \"10.0.2.254/24\"}],\n"
	    "   \"branes\": [{\"name\": \"default\", \"forwarding\": true}]},\n"
	    "  {\"name\": \"server\", \"cpus\": 2, \"nics\": [{\"name\": \"wm0\","
	    " \"type\": \"dma\", \"addr\": \"10.0.2.1/24\"}],\n"
	    "   \"branes\": [{\"name\": \"default\", \"routes\": [{\"dst\": "
	    "\"0.0.0.0/0\", \"via\": \"10.0.2.254\"}]}]}],\n"
	    " \"links\": [\n"
	    "  {\"name\": \"l1\", \"a\": \"client.wm0\", \"b\": \"router.wm0\", "
	    "\"rate\": \"1Gbit\", \"delay\": \"5us\"},\n"
	    "  {\"name\": \"l2\", \"a\": \"router.wm1\", \"b\": \"server.wm0\", "
	    "\"rate\": \"1Gbit\", \"delay\": \"5us\"}],\n"
	    " \"workload\": [\n";
	size_t cap = sizeof(head) + (size_t)k * 512, len;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	len = (size_t)snprintf(s, cap, "%s", head);
	for (int i = 0; i < k; i++)
		len += (size_t)snprintf(s + len, cap - len,
		    "  {\"program\": \"tcp_server\", \"host\": \"server\", "
		    "\"port\": %d, \"mode\": \"rr\"},\n", 6000 + i);
	for (int i = 0; i < k; i++)
		len += (size_t)snprintf(s + len, cap - len,
		    "  {\"program\": \"tcp_client\", \"host\": \"client\", "
		    "\"dst\": \"10.0.2.1\", \"port\": %d, \"mode\": \"rr\", "
		    "\"count\": 1, \"linger\": \"1s\", \"start\": \"%dus\"}"
		    "%s\n", 6000 + i, i == 0 ? 1000 : 2000 + 10 * i,
		    i + 1 < k ? "," : "");
	len += (size_t)snprintf(s + len, cap - len, " ]}\n");
	if (len >= cap) {
		free(s);
		return NULL;
	}
	*lenp = len;
	return s;
}

static int
host_index(const struct sim_machine *m, const char *name)
{
	for (u_int h = 0; h < m->nhosts; h++)
		if (strcmp(m->hosts[h].sc->name, name) == 0)
			return (int)h;
	return -1;
}

/* In the child: one run of file (or, idle_k > 0, the idle scenario). */
static void
tcp_child(const char *file, int idle_k, int fd)
{
	char path[PATH_MAX + 64], err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	struct tcp_result r;
	double t0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (idle_k > 0) {
		size_t len;
		char *text = idle_text(idle_k, &len);

		if (text == NULL)
			_exit(1);
		rc = sim_scenario_load_text("(tcp-idle)", text, len, NULL, 0,
		    &sc, err, sizeof(err));
	} else {
		/* tcp-bulk-router.json's stream is workload[1]. */
		struct sc_set set = { "workload[1].duration", once_dur };

		snprintf(path, sizeof(path), "%s/%s", scen_dir, file);
		rc = sim_scenario_load_set(path, &set, once_dur != NULL, &sc,
		    err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "sim_tcp: %s\n", err);
		_exit(1);
	}
	if (sim_world_build(&m, sc, sc->seed) != 0)
		_exit(1);
	m.no_reports = true;
	if (idle_k > 0) {
		idle_r = &r;
		idle_client = host_index(&m, "client");
		idle_server = host_index(&m, "server");
		if (idle_client < 0 || idle_server < 0)
			_exit(1);
		sim_machine_set_pace(&m, idle_pace, IDLE_T0_NS);
	}
	t0 = bench_now_s();
	sim_world_boot(&m);
	sim_machine_run(&m);
	r.wall_s = bench_now_s() - t0;
	/*
	 * The servers' counters: a client's go with it when it exits (the
	 * servers are daemons).
	 */
	r.bytes_in = bench_sim_counter(&m, "tcp_server", "bytes_in");
	r.accepted = bench_sim_counter(&m, "tcp_server", "accepted");
	r.responses = bench_sim_counter(&m, "tcp_server", "responses");
	r.points = m.points;
	r.events = m.eng.executed;
	/* Paced, the idle run lasts its duration: the time cap is its end. */
	if (m.stop_status >= 0 && !(idle_k > 0 && m.capped)) {
		fprintf(stderr, "sim_tcp: %s stopped: %s\n",
		    idle_k > 0 ? "tcp-idle" : file, m.stop_reason);
		_exit(1);
	}
	if (once_dur != NULL) {
		printf("%" PRIu64 "\n", r.bytes_in);
		fflush(stdout);
	} else if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

struct tcp_args {
	const char *file;
	int idle_k;
};

static void
tcp_in_child(void *arg, int fd)
{
	const struct tcp_args *a = arg;

	tcp_child(a->file, a->idle_k, fd);
}

static struct tcp_result
tcp_run(const char *file, int idle_k)
{
	struct tcp_args a = { file, idle_k };
	struct tcp_result r;

	(void)bench_sim_in_child("sim_tcp", idle_k > 0 ? "tcp-idle" : file,
	    tcp_in_child, &a, &r, sizeof(r));
	return r;
}

/*
 * One run of ns-3's bulk transfer: its virtual seconds per wall second
 * (of Simulator::Run), or a negative number if it could not be run.
 */
static double
tcp_ns3_run(void)
{
	char cmd[PATH_MAX + 64], line[160];
	unsigned long long rx, events;
	double wall, virt;

	snprintf(cmd, sizeof(cmd), "%s %s", ns3_bin, TCP_BULK_S);
	if (bench_run_line(cmd, line, sizeof(line)) != 0 ||
	    sscanf(line, "%llu %lf %lf %llu", &rx, &wall, &virt, &events) != 4 ||
	    rx == 0 || wall <= 0)
		return -1;
	return virt / wall;
}

static int
tcp_bulk(void)
{
	double v[RUNS], ns3[RUNS], ratio[RUNS], seg;
	struct tcp_result r;
	bool with_ns3 = bench_wanted("tcp_bulk_router_ns3_virtual_s_per_wall_s") ||
	    bench_wanted("tcp_bulk_router_ns3_ratio");

	if (with_ns3 && access(ns3_bin, X_OK) != 0) {
		fprintf(stderr, "sim_tcp: %s not built (make bench builds it "
		    "with Debian's libns3-dev): no ns-3 figures\n", ns3_bin);
		with_ns3 = false;
	}
	for (int i = 0; i < RUNS; i++) {
		r = tcp_run("tcp-bulk-router.json", 0);

		/* Saturated: at least 900 Mbit/s of the 1 Gbit/s. */
		if ((double)r.bytes_in * 8 < 900e6 * TCP_BULK_NS * 1e-9) {
			fprintf(stderr, "sim_tcp: tcp-bulk-router.json: %" PRIu64
			    " bytes in %.0f ns: not saturated\n", r.bytes_in,
			    TCP_BULK_NS);
			return 1;
		}
		v[i] = TCP_BULK_NS * 1e-9 / r.wall_s;
		if (!with_ns3)
			continue;
		if ((ns3[i] = tcp_ns3_run()) <= 0) {
			fprintf(stderr, "sim_tcp: %s %s failed\n", ns3_bin,
			    TCP_BULK_S);
			return 1;
		}
		ratio[i] = v[i] / ns3[i];
	}
	if (bench_wanted("tcp_bulk_router_virtual_s_per_wall_s"))
		bench_report("tcp_bulk_router_virtual_s_per_wall_s", "s/s", v,
		    RUNS);
	if (with_ns3) {
		if (bench_wanted("tcp_bulk_router_ns3_virtual_s_per_wall_s"))
			bench_report("tcp_bulk_router_ns3_virtual_s_per_wall_s", "s/s",
			    ns3, RUNS);
		if (bench_wanted("tcp_bulk_router_ns3_ratio"))
			bench_report("tcp_bulk_router_ns3_ratio", "ratio", ratio,
			    RUNS);
	}
	/* Deterministic: the last run's, the whole run's over its segments. */
	seg = (double)r.bytes_in / TCP_MSS;
	v[0] = (double)r.points / seg;
	if (bench_wanted("tcp_bulk_router_points_per_segment"))
		bench_report("tcp_bulk_router_points_per_segment", "points", v, 1);
	v[0] = (double)r.events / seg;
	if (bench_wanted("tcp_bulk_router_events_per_segment"))
		bench_report("tcp_bulk_router_events_per_segment", "events", v, 1);
	return 0;
}

static int
tcp_conns(void)
{
	double v[RUNS];

	for (int i = 0; i < RUNS; i++) {
		struct tcp_result r = tcp_run("tcp-conns-router.json", 0);

		if (r.accepted != TCP_CONNS || r.responses != TCP_CONNS) {
			fprintf(stderr, "sim_tcp: tcp-conns-router.json: %" PRIu64
			    " of %d connections accepted, %" PRIu64 " answered\n",
			    r.accepted, TCP_CONNS, r.responses);
			return 1;
		}
		v[i] = (double)r.responses / r.wall_s;
	}
	bench_report("tcp_connections_per_s", "conns/s", v, RUNS);
	return 0;
}

static int
tcp_idle(void)
{
	struct tcp_result a = tcp_run(NULL, IDLE_K1);
	struct tcp_result b = tcp_run(NULL, IDLE_K2);
	const char *names[2] = { "tcp_idle_conn_bytes",
	    "tcp_idle_conn_server_bytes" };
	double v;

	if (a.responses != IDLE_K1 || b.responses != IDLE_K2) {
		fprintf(stderr, "sim_tcp: tcp-idle: %" PRIu64 " of %d, %" PRIu64
		    " of %d clients had their answer\n", a.responses, IDLE_K1,
		    b.responses, IDLE_K2);
		return 1;
	}
	for (int s = 0; s < 2; s++) {
		double da = (double)a.inuse[s][1] - (double)a.inuse[s][0];
		double db = (double)b.inuse[s][1] - (double)b.inuse[s][0];

		fprintf(stderr, "sim_tcp: %s: k=%d +%.0f B (%.0f a conn), "
		    "k=%d +%.0f B (%.0f a conn); mbufs and clusters held "
		    "idle: %+" PRId64 ", %+" PRId64 "\n", names[s], IDLE_K1, da,
		    da / IDLE_K1, IDLE_K2, db, db / IDLE_K2,
		    a.mbufs[s][1] - a.mbufs[s][0], b.mbufs[s][1] - b.mbufs[s][0]);
		v = (db - da) / (IDLE_K2 - IDLE_K1);
		if (bench_wanted(names[s]))
			bench_report(names[s], "bytes", &v, 1);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	const char *self_dir;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_tcp: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	self_dir = dirname(self);
	/* bin/release/bench/sim_tcp -> bench/scenarios, bin/ns3 */
	snprintf(scen_dir, sizeof(scen_dir), "%s/../../../bench/scenarios",
	    self_dir);
	snprintf(ns3_bin, sizeof(ns3_bin), "%s/../../ns3/ns3_tcp_bulk",
	    self_dir);
	/*
	 * One run of tcp-bulk-router.json with the stream's duration set to
	 * DURATION (a JSON value: '"50ms"'), in this process (so that
	 * valgrind counts it without following a fork): the bytes the server
	 * took on stdout.  bench/tcp_instr_bench.py's half.
	 */
	if (argc == 3 && strcmp(argv[1], "--once") == 0) {
		once_dur = argv[2];
		tcp_child("tcp-bulk-router.json", 0, STDOUT_FILENO);
	}
	bench_init(argc, argv);
	if ((bench_wanted("tcp_bulk_router_virtual_s_per_wall_s") ||
	    bench_wanted("tcp_bulk_router_ns3_virtual_s_per_wall_s") ||
	    bench_wanted("tcp_bulk_router_ns3_ratio") ||
	    bench_wanted("tcp_bulk_router_points_per_segment") ||
	    bench_wanted("tcp_bulk_router_events_per_segment")) && tcp_bulk() != 0)
		return 1;
	if (bench_wanted("tcp_connections_per_s") && tcp_conns() != 0)
		return 1;
	if ((bench_wanted("tcp_idle_conn_bytes") ||
	    bench_wanted("tcp_idle_conn_server_bytes")) && tcp_idle() != 0)
		return 1;
	return 0;
}
