/*
 * test_machine.c -- runs the built-in programs on a machine described on
 * the command line, without a scenario file or database, and prints what
 * the tests check: status, fingerprint, end time, per-CPU busy time.
 *
 *   test_machine PROGRAM CPUS SEED [key=value ...]
 *
 * keys: any parameter of the program (integers; enums by index), and
 * cost.<entry>=NS to override the cost table.  Used by tests that need a
 * machine set up exactly, e.g. to check busy time against a hand
 * calculation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/machine.h"

static int
set_param(struct scenario *sc, const char *kv)
{
	const char *eq = strchr(kv, '=');
	const struct app_desc *app = sc->programs[0].app;
	size_t n;

	if (eq == NULL)
		return -1;
	n = (size_t)(eq - kv);
	if (strncmp(kv, "cost.", 5) == 0) {
		for (int i = 0; i < SIM_NCOSTS; i++)
			if (strlen(sim_cost_table[i].name) == n - 5 &&
			    strncmp(sim_cost_table[i].name, kv + 5, n - 5) == 0) {
				sc->hosts[0].cost.ns[i] = strtoull(eq + 1, NULL, 0);
				return 0;
			}
		return -1;
	}
	if (strncmp(kv, "probe.", 6) == 0) {
		for (int i = 0; i < SDT_NPROBES; i++) {
			char full[64];

			snprintf(full, sizeof(full), "%s:%s", sdt_probe_provider[i],
			    sdt_probe_name[i]);
			if (strlen(full) == n - 6 && strncmp(full, kv + 6, n - 6) == 0) {
				sc->hosts[0].cost.probe[i].fixed_ps =
				    strtoull(eq + 1, NULL, 0);
				return 0;
			}
		}
		return -1;
	}
	if (strncmp(kv, "jitter", n) == 0 && n == 6) {
		sc->interleaving.jitter_q16 = (uint64_t)(strtod(eq + 1, NULL) * 65536);
		return 0;
	}
	if (strncmp(kv, "window", n) == 0 && n == 6) {
		sc->interleaving.window_ns = strtoull(eq + 1, NULL, 0);
		return 0;
	}
	if (strncmp(kv, "duration", n) == 0 && n == 8) {
		sc->duration_ns = strtoull(eq + 1, NULL, 0);
		return 0;
	}
	for (u_int i = 0; i < app->nparams; i++)
		if (strlen(app->params[i].name) == n &&
		    strncmp(app->params[i].name, kv, n) == 0) {
			sc->programs[0].args.v[i] = strtoll(eq + 1, NULL, 0);
			return 0;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	struct scenario sc;
	struct sc_host host;
	struct sc_program prog;
	struct sim_machine m;
	uint64_t t_end;
	int status;

	if (argc < 4) {
		fprintf(stderr, "usage: test_machine PROGRAM CPUS SEED [k=v...]\n");
		return 2;
	}
	memset(&sc, 0, sizeof(sc));
	memset(&host, 0, sizeof(host));
	memset(&prog, 0, sizeof(prog));
	snprintf(sc.name, sizeof(sc.name), "test_machine");
	sc.file = "(test_machine)";
	sc.seed = strtoull(argv[3], NULL, 0);
	sc.duration_ns = 10ULL * 1000 * 1000 * 1000;
	sc.interleaving.window_ns = 16;
	snprintf(host.name, sizeof(host.name), "box");
	host.cpus = (unsigned)atoi(argv[2]);
	host.tick_hz = 1000;
	host.quantum_ns = 10 * 1000 * 1000;
	sim_cost_defaults(&host.cost);
	sc.nhosts = 1;
	sc.hosts = &host;
	prog.app = app_lookup(argv[1]);
	if (prog.app == NULL) {
		fprintf(stderr, "no program %s\n", argv[1]);
		return 2;
	}
	prog.args.desc = prog.app;
	for (u_int i = 0; i < prog.app->nparams; i++)
		prog.args.v[i] = prog.app->params[i].def;
	sc.nprograms = 1;
	sc.programs = &prog;
	for (int i = 4; i < argc; i++)
		if (set_param(&sc, argv[i]) != 0) {
			fprintf(stderr, "bad setting %s\n", argv[i]);
			return 2;
		}

	if (sim_machine_init(&m, &sc, sc.seed) != 0)
		return 2;
	m.log = stdout;
	sim_machine_boot(&m);
	sim_machine_run(&m);
	status = m.stop_status < 0 ? 0 : m.stop_status;
	t_end = sim_machine_end_time(&m);
	printf("status %d\n", status);
	if (status != 0)
		printf("reason %s\n", m.stop_reason);
	printf("end_ns %llu\n", (unsigned long long)t_end);
	printf("points %llu\n", (unsigned long long)m.points);
	for (u_int i = 0; i < m.ncpus; i++)
		printf("cpu%u busy_ns %llu points %llu dispatches %llu\n", i,
		    (unsigned long long)m.cpus[i]->busy_ns,
		    (unsigned long long)m.cpus[i]->points,
		    (unsigned long long)m.cpus[i]->dispatches);
	printf("fingerprint %016llx\n", (unsigned long long)m.eng.fingerprint);
	sim_machine_fini(&m);
	return status;
}
