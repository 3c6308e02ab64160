/*
 * world.c -- build, boot and tear down the machine a scenario describes
 * (see world.h).
 *
 * The one idea: every object is made in scenario order (hosts, then each
 * host's CPUs, then the wires, then the NICs), so its place in memory and
 * every name derived from it are the same in every run.  This file never
 * schedules anything itself; it hands the scheduler a finished machine.
 *
 * What it must never do: leave a half-built machine that cannot be torn
 * down.  Every step can fail for want of memory, address space or
 * mappings in the real process; the build then says which and stops
 * (sim/sched/exhaust.h), and sim_world_destroy frees whatever exists.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world/world.h"
#include "sim/fault/fault.h"
#include "sim/nic/nic.h"
#include "sim/race/race.h"
#include "sim/sched/exhaust.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/sys/ks.h"
#include "sim/sys/ks_device.h"
#include "sim/sys/ks_netconf.h"
#include "sim/wire/topology.h"
#include "stack/apps/apps.h"
#include "stack/sys/intr.h"
#include "stack/sys/kern.h"

/*
 * Setting up `part` (want bytes of it) failed with err: stop the machine
 * with a message naming the limit the real process hit.  => returns -1
 */
static int
world_exhausted(struct sim_machine *m, int err, size_t want,
    const char *fmt, ...)
{
	char part[SC_NAME_MAX + 128], why[SIM_EXHAUST_WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	sim_exhaust_why(err, want, why, sizeof(why));
	sim_machine_exhausted(m, "out of memory setting up the machine (%s): "
	    "%s", part, why);
	return -1;
}

static int
host_init(struct sim_machine *m, struct sim_host *h, u_int index,
    const struct sc_host *sc)
{
	char stream[SC_NAME_MAX + 32];
	struct sim_line *slots;
	size_t hot;

	KASSERT(h->cpus == NULL && h->arena.nchunks == 0);
	memset(h, 0, sizeof(*h));
	h->m = m;
	h->index = index;
	h->owner = &m->eng.owners[1 + index];
	h->sc = sc;
	memcpy(h->run_cost, sc->cost.ns, sizeof(h->run_cost));
	h->run_probe_cost = sc->cost.probe;
	/*
	 * Hosts priced alike read one probe table (the previous host's or
	 * the first's, when it holds the same prices): every probe a
	 * datagram fires reads its price, and a table a host, each in its
	 * sc_host kilobytes from the next, cost a cache miss a probe at a
	 * thousand hosts (bench/README.md, "Thousands of hosts, fourth
	 * pass").  The prices read are the same either way.
	 */
	for (u_int k = 0; k < 2 && index > 0; k++) {
		const struct sim_probe_cost *t =
		    m->hosts[k == 0 ? index - 1 : 0].run_probe_cost;

		if (memcmp(t, sc->cost.probe, sizeof(sc->cost.probe)) == 0) {
			h->run_probe_cost = t;
			break;
		}
	}
	memcpy(h->cost, h->run_cost, sizeof(h->cost));
	h->tick_ns = 1000000000ULL / (uint64_t)sc->tick_hz;
	h->quantum_ns = sc->quantum_ns;
	h->ncpu = sc->cpus;
	h->next_lwp_id = 1;
	h->next_boot_id = 0x8000;
	snprintf(stream, sizeof(stream), "host.%s.cprng", sc->name);
	sim_rng_init(&h->cprng, m->seed, stream);
	/*
	 * The host's hot state side by side in the machine's hot pool: its
	 * CPUs, its cache-line table's first slots, the first chunk of its
	 * small kernel memory (the hot pool's essay in kmem_arena.h).  The
	 * exploration build's detector shadows kernel memory a chunk at a
	 * time by pages of their own: its arenas map their chunks as before.
	 */
	hot = h->ncpu * sizeof(*h->cpus) + SIM_LINES_FIRST * sizeof(*slots) +
	    (SIM_RACE ? 0 : SIM_ARENA_FIRST_CHUNK) + 2 * 64;
	if (sim_hot_reserve(&m->hot, hot) != 0)
		return world_exhausted(m, errno, hot, "host %s's hot state",
		    sc->name);
	if ((h->cpus = sim_hot_alloc(&m->hot, h->ncpu *
	    sizeof(*h->cpus))) == NULL)
		return world_exhausted(m, errno, h->ncpu * sizeof(*h->cpus),
		    "host %s's CPUs", sc->name);
	if ((slots = sim_hot_alloc(&m->hot, SIM_LINES_FIRST *
	    sizeof(*slots))) == NULL)
		return world_exhausted(m, errno, SIM_LINES_FIRST *
		    sizeof(*slots), "host %s's cache lines", sc->name);
	sim_lines_init_in(&h->lines, slots);
	if (sim_arena_init_hot(&h->arena, SIM_ARENA_LIMIT, SIM_RACE ? NULL :
	    &m->hot) != 0)
		return world_exhausted(m, errno, SIM_ARENA_FIRST_CHUNK,
		    "host %s's kernel memory", sc->name);
	if ((h->netconf = sim_netconf_build(sc)) == NULL)
		return world_exhausted(m, errno, 0, "host %s's network "
		    "configuration", sc->name);
	for (u_int i = 0; i < h->ncpu; i++) {
		struct cpu_info *ci = &h->cpus[i];

		ci->m = m;
		ci->host = h;
		ci->index = i;
		ci->line_bit = 1ULL << i;
		ci->gindex = m->ncpus;
		/* Its tie stream (sched.c, sched_tie_next): salted in the
		   order CPUs are made. */
		ci->tie_salt = sim_rng_next(&m->tiebreak_rng);
		ci->idle = true;
		sim_cpu_set_ipl(ci, IPL_NONE);
		snprintf(stream, sizeof(stream), "cpu.%s.%u.jitter", sc->name, i);
		sim_rng_init(&ci->jitter_rng, m->seed, stream);
		m->cpus[m->ncpus++] = ci;
	}
	sim_host_set_probe_cost(h, h->run_probe_cost);
	if (SIM_RACE && sim_race_host_init(h) != 0)
		return world_exhausted(m, errno, 0, "host %s's race detector",
		    sc->name);
	return 0;
}

int
sim_shell_quote(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return -1;
	if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._/-+,:@%=") == strlen(s))
		return snprintf(buf, len, "%s", s) < (int)len ? 0 : -1;
	/* '...' with each ' written as '\'' */
	if (len < 3)
		return -1;
	buf[n++] = '\'';
	for (const char *p = s; *p != '\0'; p++) {
		if (n + 5 >= len)
			return -1;
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else
			buf[n++] = *p;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

int
sim_shell_append(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf), at = n;

	if (n > 0 && n + 1 < len)
		buf[at++] = ' ';
	if (at >= len || sim_shell_quote(word, buf + at, len - at) != 0) {
		buf[n] = '\0';
		return -1;
	}
	return 0;
}

/*
 * The command that replays the run: "netsim run FILE --seed N", with FILE
 * quoted for a POSIX shell when it needs it, and the policy when it is
 * not time or came from the command line (pct's depth too), so the line
 * replays the run from the command line alone whatever the file says.
 * The command line may add to it (sim/cli).
 */
static void
world_replay(struct sim_machine *m, const struct scenario *sc, uint64_t seed)
{
	char q[SIM_REPLAY_MAX], tail[128];
	int t;

	t = snprintf(tail, sizeof(tail), "--seed %llu", (unsigned long long)seed);
	if (sc->interleaving.policy != SC_POLICY_TIME ||
	    sc->interleaving.policy_given)
		t += snprintf(tail + t, sizeof(tail) - (size_t)t, " --policy %s",
		    sc_policy_names[sc->interleaving.policy]);
	if (sc->interleaving.policy == SC_POLICY_PCT)
		snprintf(tail + t, sizeof(tail) - (size_t)t, " --depth %u",
		    (unsigned)sc->interleaving.depth);
	if (sim_shell_quote(sc->file, q, sizeof(q)) != 0 ||
	    snprintf(m->replay, sizeof(m->replay), "netsim run %s %s", q,
	    tail) >= (int)sizeof(m->replay))
		snprintf(m->replay, sizeof(m->replay), "netsim run SCENARIO "
		    "%s (the file's name is too long to show)", tail);
}

uint64_t
sim_world_count_points(const struct scenario *sc, uint64_t seed)
{
	struct scenario tsc = *sc;
	struct sim_machine m;
	uint64_t k = 0;

	tsc.interleaving.policy = SC_POLICY_TIME;
	if (sim_world_build(&m, &tsc, seed) == 0) {
		m.no_reports = true;
		m.report_deadlock = NULL;
		sim_world_boot(&m);
		sim_machine_run(&m);
		k = m.points - m.pol.boot_points;
	}
	sim_world_destroy(&m);
	return k;
}

/*
 * The policy's parameters: which policy, its skew bound, and pct's d and
 * k -- k from interleaving.steps, else limits.points, else a first pass
 * of the same seed under time.
 */
static void
world_policy(const struct scenario *sc, uint64_t seed,
    struct sim_sched_params *sp)
{
	sp->policy = sim_policy_find(sc_policy_names[sc->interleaving.policy]);
	assert(sp->policy != NULL);
	sp->skew_ns = sc->interleaving.skew_ns;
	sp->depth = sc->interleaving.depth;
	if (sc->interleaving.policy != SC_POLICY_PCT)
		return;
	if (sc->interleaving.steps != 0) {
		sp->steps = sc->interleaving.steps;
		sp->steps_from = "interleaving.steps";
	} else if (sc->limits.max_points != 0) {
		sp->steps = sc->limits.max_points;
		sp->steps_from = "limits.points";
	} else {
		sp->steps = sim_world_count_points(sc, seed);
		sp->steps_from = "a first pass of this seed under time";
	}
}

/*
 * The lookahead (interleaving.lookahead): the least delay of any link --
 * a frame from one host reaches another no sooner than that after its
 * sender's CPU acted (through a switch, two links' worth).  None when off,
 * when there is no link, or a link has no delay or is bridged to Linux
 * (its frames come when Linux sends them).
 */
static uint64_t
world_lookahead(const struct scenario *sc)
{
	uint64_t least = UINT64_MAX;

	if (!sc->interleaving.lookahead || sc->nlinks == 0)
		return 0;
	for (u_int i = 0; i < sc->nlinks; i++) {
		const struct sc_link *l = &sc->links[i];

		if (l->a.kind == SC_EP_BRIDGE || l->b.kind == SC_EP_BRIDGE)
			return 0;
		if (l->delay_ns < least)
			least = l->delay_ns;
	}
	return least;
}

int
sim_world_build(struct sim_machine *m, const struct scenario *sc,
    uint64_t seed)
{
	const struct sim_race_opts ro = {
		.plain_point_ns = sc->interleaving.plain_point_ns,
		.stop = sim_context_stop,
	};
	struct sim_sched_params sp = {
		.seed = seed,
		.end_ns = sc->duration_ns,
		.window_ns = sc->interleaving.window_ns,
		.lookahead_ns = world_lookahead(sc),
		.jitter_q16 = sc->interleaving.jitter_q16,
		.sample_interval_ns = sc->record.interval_ns,
		.max_points = sc->limits.max_points,
		.max_events = sc->limits.max_events,
	};
	u_int total = 0;

	CTASSERT(SC_PCT_DEPTH_MAX == SIM_PCT_DEPTH_MAX);
	CTASSERT(SC_PCT_DEPTH_DEFAULT == SIM_PCT_DEPTH_DEFAULT);
	world_policy(sc, seed, &sp);
	sim_sched_init(m, &sp);
	m->sc = sc;
	world_replay(m, sc, seed);
	if (m->eng.q.impl == NULL || m->eng.owners == NULL)
		return world_exhausted(m, ENOMEM, 0, "the event queue");
	if (SIM_RACE && sim_race_init(m, &ro) != 0)
		return world_exhausted(m, errno, 0, "the race detector");
	m->report_deadlock = sim_report_deadlock;
	m->fingerprint_results = sim_evcnt_fingerprint;
	sim_machine_add_sampler(m, sim_evcnt_sample_all);
	sim_machine_add_sampler(m, sim_topology_sample);
	sim_machine_add_sampler(m, sim_device_sample_all);

	for (u_int i = 0; i < sc->nhosts; i++)
		total += sc->hosts[i].cpus;
	m->cpus = calloc(total, sizeof(*m->cpus));
	m->heap = calloc(total, sizeof(*m->heap));
	m->hosts = calloc(sc->nhosts, sizeof(*m->hosts));
	if (m->cpus == NULL || m->heap == NULL || m->hosts == NULL)
		return world_exhausted(m, errno, 0, "the table of %u hosts "
		    "and %u CPUs", sc->nhosts, total);
	m->nhosts = sc->nhosts;
	/* Owner 0 the events', 1 + i host i's (engine.h, struct sim_owner). */
	if (sim_engine_owners(&m->eng, 1 + sc->nhosts) != 0)
		return world_exhausted(m, errno, 0, "the fingerprint chains of "
		    "%u hosts", sc->nhosts);
	for (u_int i = 0; i < sc->nhosts; i++)
		if (host_init(m, &m->hosts[i], i, &sc->hosts[i]) != 0)
			return -1;
	KASSERT(m->ncpus == total);
	if ((m->topo = sim_topology_create(m)) == NULL ||
	    sim_topology_build(m->topo, sc) != 0)
		return world_exhausted(m, errno, 0, "the wires");
	/* A NIC model not built in says so and leaves errno alone. */
	errno = 0;
	if (sim_nics_create(m) != 0) {
		if (errno == 0) {
			sim_machine_stop(m, SIM_EXIT_USAGE, "a NIC model is "
			    "not built into this netsim");
			return -1;
		}
		return world_exhausted(m, errno, 0, "the NICs");
	}
	/* A target without room for another window says so itself. */
	errno = 0;
	if (sim_faults_build(m) != 0) {
		if (errno == 0) {
			sim_machine_stop(m, SIM_EXIT_USAGE, "a fault's target "
			    "has no room for it");
			return -1;
		}
		return world_exhausted(m, errno, 0, "the faults");
	}
	if (m->faults != NULL)
		sim_machine_add_sampler(m, sim_faults_sample);
	/* Last: a build that only just fits is not failed by it. */
	sim_exhaust_reserve(m);
	return 0;
}

/* Free what host h holds; safe on one host_init never saw or left half-made. */
static void
host_destroy(struct sim_host *h)
{
	struct lwp *l, *next;

	SIM_RACE_HOOK(sim_race_host_fini(h));
	sim_device_fini_host(h);
	sim_intr_fini_host(h);
	/* The LWPs' and CPUs' structures go with the machine's hot pool. */
	for (l = h->all_head; l != NULL; l = next) {
		next = l->all_next;
		sim_coro_destroy(&l->coro);
	}
	h->all_head = h->all_tail = h->free_lwps = NULL;
	free(h->evcnts);
	free(h->evlast);
	h->evcnts = NULL;
	h->evlast = NULL;
	h->cpus = NULL;
	sim_lines_fini(&h->lines);
	sim_arena_fini(&h->arena);
	sim_netconf_free(h->netconf);
	h->netconf = NULL;
}

void
sim_world_destroy(struct sim_machine *m)
{
	if (m->hosts != NULL)
		for (u_int i = 0; i < m->nhosts; i++)
			host_destroy(&m->hosts[i]);
	/* After the devices: they may hand frames back to its pool. */
	sim_topology_destroy(m->topo);
	m->topo = NULL;
	/* After what their windows hang on. */
	sim_faults_destroy(m);
	free(m->hosts);
	free(m->cpus);
	free(m->heap);
	m->hosts = NULL;
	m->cpus = NULL;
	m->heap = NULL;
	m->nhosts = m->ncpus = 0;
	SIM_RACE_HOOK(sim_race_fini(m));
	sim_engine_fini(&m->eng);
	sim_witness_fini(m);
	sim_exhaust_unreserve(m);
	/* Last: every host's CPUs, LWPs and small kernel memory are here. */
	sim_hot_fini(&m->hot);
	if (sim_cur == m)
		sim_cur = NULL;
}

/* Prices while a host boots: nothing costs anything. */
static const struct sim_probe_cost boot_probe_cost[SDT_NPROBES];

static void
boot_main(void *arg)
{
	(void)arg;
	kern_boot();
}

/* Every host has booted: the faults begin, then the programs start. */
static void
world_booted(struct sim_machine *m)
{
	sim_faults_start(m);
	sim_world_start_programs(m);
}

void
sim_world_boot(struct sim_machine *m)
{
	if (m->after_boot == NULL)
		m->after_boot = world_booted;
	for (u_int i = 0; i < m->nhosts; i++) {
		struct sim_host *h = &m->hosts[i];
		struct lwp *l;

		memset(h->cost, 0, sizeof(h->cost));
		sim_host_set_probe_cost(h, boot_probe_cost);
		h->booting = true;
		l = sim_lwp_create(h, &h->cpus[0], boot_main, h, false, "boot");
		if (l == NULL) {
			/* Stops the machine: sim_machine_run returns at once. */
			sim_lwp_exhausted(h, "boot", errno);
			return;
		}
		m->hosts_booting++;
		/* Boot is LWP 0; it took a boot id, so programs' start at 1. */
		l->boot = true;
		l->id = 0;
	}
}

void
sim_world_start_programs(struct sim_machine *m)
{
	const struct scenario *sc = m->sc;

	/* What boot did happens before everything the programs do. */
	SIM_RACE_HOOK(sim_race_booted(m));
	for (u_int i = 0; i < sc->nprograms; i++) {
		const struct sc_program *p = &sc->programs[i];
		struct lwp *l;
		char name[32];

		if (p->args.instance == 0)
			snprintf(name, sizeof(name), "%s", p->app->name);
		else
			snprintf(name, sizeof(name), "%s%u", p->app->name,
			    p->args.instance);
		if ((l = sim_lwp_create(&m->hosts[p->host], NULL, app_run,
		    (void *)&p->args, false, name)) == NULL) {
			/* The scheduler's own context: the run stops here. */
			sim_lwp_exhausted(&m->hosts[p->host], name, errno);
			return;
		}
		l->flow = p->args.flow;         /* its packets' records */
	}
}
