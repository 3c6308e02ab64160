/*
 * testhook.c -- a machine for one test function (see testhook.h).
 *
 * Builds the same machine a scenario would, from defaults; never used by
 * bin/netsim itself.
 */
#include <errno.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "sim/sys/ks.h"
#include "sim/world/world.h"
#include "sim/world/testhook.h"

static void (*test_fn)(void *);
static void *test_arg;

static void
test_start(struct sim_machine *m)
{
	SIM_RACE_HOOK(sim_race_booted(m));
	if (sim_lwp_create(&m->hosts[0], &m->hosts[0].cpus[0], test_fn,
	    test_arg, false, "test") == NULL)
		sim_lwp_exhausted(&m->hosts[0], "test", errno);
}

int
sim_test_run(const struct sim_test_opts *o, void (*fn)(void *), void *arg,
    struct sim_test_result *res)
{
	struct scenario sc;
	struct sc_host host;
	struct sim_machine m;
	int status;

	memset(&sc, 0, sizeof(sc));
	memset(&host, 0, sizeof(host));
	snprintf(sc.name, sizeof(sc.name), "test");
	sc.file = "(test)";
	sc.seed = o->seed ? o->seed : 1;
	sc.duration_ns = o->duration_ns ? o->duration_ns : 10000000000ULL;
	sc.interleaving.window_ns = o->window_ns ? o->window_ns : 16;
	sc.interleaving.jitter_q16 = (uint64_t)(o->jitter * 65536.0);
	sc.interleaving.plain_point_ns = o->plain_point_ns;
	snprintf(host.name, sizeof(host.name), "host");
	host.cpus = o->cpus ? o->cpus : 1;
	host.tick_hz = 1000;
	host.quantum_ns = o->quantum_ns ? o->quantum_ns : 10000000;
	if (o->cost != NULL)
		host.cost = *o->cost;
	else
		sim_cost_defaults(&host.cost);
	sc.nhosts = 1;
	sc.hosts = &host;
	if (sim_world_build(&m, &sc, sc.seed) != 0) {
		sim_world_destroy(&m);
		return SIM_EXIT_USAGE;
	}
	snprintf(m.replay, sizeof(m.replay), "%s", o->replay != NULL ?
	    o->replay : "(a test machine) run the test program again with the "
	    "same arguments");
	m.log = o->quiet ? NULL : stdout;
	test_fn = fn;
	test_arg = arg;
	m.after_boot = test_start;
	sim_world_boot(&m);
	sim_machine_run(&m);
	status = m.stop_status < 0 ? SIM_EXIT_OK : m.stop_status;
	if (res != NULL) {
		struct sim_race_stats rs;

		sim_race_get_stats(&m, &rs);
		res->races = rs.races;
		res->status = status;
		res->end_ns = sim_machine_end_time(&m);
		res->points = m.points;
		res->fingerprint = sim_engine_fingerprint(&m.eng);
	}
	if (status == SIM_EXIT_LIMIT)
		fprintf(stderr, "netsim: limit: %s\n", m.stop_reason);
	sim_world_destroy(&m);
	return status;
}
