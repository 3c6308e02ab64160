/*
 * test_scale.c -- where a host's hot state lies.  Driven by
 * tests/test_scale.py.
 *
 *   test_scale hot FILE
 *	builds, boots and runs the machine of scenario FILE, then looks at
 *	where each host's hot structures lie: its CPUs, the first slots of
 *	its cache-line table and the first chunk of its small kernel
 *	memory, made one after another when the host is built, should lie
 *	side by side; every structure of an LWP and every small-block chunk
 *	should lie in the machine's hot pool.  Prints "ok hot hosts=N
 *	span_max=B outside=K": the largest span of one host's three (bytes
 *	from the lowest start to the highest end), and how many LWP
 *	structures and small-block chunks lie outside the pool.
 *
 *   test_scale probes FILE
 *	builds the machine of scenario FILE and prints "ok probes hosts=N
 *	tables=T": how many distinct probe price tables its hosts read
 *	(hosts priced alike share one).
 *
 * Addresses are only measured here, never used to decide anything in a
 * run: what a run computes does not depend on where its hosts lie.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "test_scale: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* Widen [*lo, *hi) to take in [p, p + len). */
static void
span_add(uintptr_t *lo, uintptr_t *hi, const void *p, size_t len)
{
	uintptr_t u = (uintptr_t)p;

	if (u < *lo)
		*lo = u;
	if (u + len > *hi)
		*hi = u + len;
}

/* LWP structures and small-block chunks of h outside the hot pool. */
static unsigned
host_outside(const struct sim_machine *m, const struct sim_host *h)
{
	const struct lwp *l;
	unsigned n = 0;

	for (l = h->all_head; l != NULL; l = l->all_next)
		n += !sim_hot_owns(&m->hot, l);
	for (l = h->free_lwps; l != NULL; l = l->link)
		n += !sim_hot_owns(&m->hot, l);
	for (unsigned c = 0; c < h->arena.nchunks; c++)
		if (h->arena.chunk[c].lo < h->arena.limit)
			n += !sim_hot_owns(&m->hot, h->arena.chunk[c].base);
	return n;
}

static int
case_hot(const char *file)
{
	char err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	size_t span_max = 0;
	unsigned outside = 0;

	if (sim_scenario_load(file, &sc, err, sizeof(err)) != 0)
		die("%s", err);
	if (sim_world_build(&m, sc, sc->seed) != 0)
		die("%s: the machine was not built", file);
	m.no_reports = true;
	sim_world_boot(&m);
	sim_machine_run(&m);
	if (m.stop_status >= 0)
		die("the run stopped: %s", m.stop_reason);
	for (u_int i = 0; i < m.nhosts; i++) {
		const struct sim_host *h = &m.hosts[i];
		uintptr_t lo = UINTPTR_MAX, hi = 0;

		span_add(&lo, &hi, h->cpus, h->ncpu * sizeof(*h->cpus));
		if (h->lines.mask + 1 == SIM_LINES_FIRST)
			span_add(&lo, &hi, h->lines.slot,
			    SIM_LINES_FIRST * sizeof(*h->lines.slot));
		span_add(&lo, &hi, h->arena.chunk[0].base,
		    h->arena.chunk[0].len);
		if (hi - lo > span_max)
			span_max = hi - lo;
		outside += host_outside(&m, h);
	}
	printf("ok hot hosts=%u span_max=%zu outside=%u\n", m.nhosts,
	    span_max, outside);
	sim_world_destroy(&m);
	sim_scenario_free(sc);
	return 0;
}

static int
case_probes(const char *file)
{
	char err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	unsigned tables = 0;

	if (sim_scenario_load(file, &sc, err, sizeof(err)) != 0)
		die("%s", err);
	if (sim_world_build(&m, sc, sc->seed) != 0)
		die("%s: the machine was not built", file);
	for (u_int i = 0; i < m.nhosts; i++) {
		u_int j;

		for (j = 0; j < i; j++)
			if (m.hosts[j].run_probe_cost ==
			    m.hosts[i].run_probe_cost)
				break;
		tables += j == i;
	}
	printf("ok probes hosts=%u tables=%u\n", m.nhosts, tables);
	sim_world_destroy(&m);
	sim_scenario_free(sc);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(c, "hot") == 0 && argc > 2)
		return case_hot(argv[2]);
	if (strcmp(c, "probes") == 0 && argc > 2)
		return case_probes(argv[2]);
	fprintf(stderr, "usage: test_scale hot|probes FILE\n");
	return 2;
}
