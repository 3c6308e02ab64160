/*
 * run.c -- one run of a scenario, from the database row to the fingerprint.
 *
 * Order matters for the promise "bad input loses nothing": the scenario is
 * fully checked before this is called, and the run's row is committed
 * before the machine starts, so a run that dies half-way is visible as
 * 'unfinished' and never as a result.  The last line on stdout is always
 * "fingerprint <16 hex digits>": scripts rely on it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/record/record.h"
#include "sim/cli/run.h"
#include "sim/record/trace.h"
#include "sim/wire/topology.h"

static const char *const status_names[] = {
	[SIM_EXIT_OK] = "ok",
	/* A run stops with 2 when the real process ran out (exhaust.h). */
	[SIM_EXIT_USAGE] = "limit",
	[SIM_EXIT_VIOLATION] = "violation",
	[SIM_EXIT_DEADLOCK] = "deadlock",
	[SIM_EXIT_LIMIT] = "limit",
};

/* Wall-clock time, for the progress line only. */
static double
run_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run_progress_last;

static void
run_progress(struct sim_machine *m)
{
	double now = run_wall_s();
	uint64_t t = m->eng.now;

	if (now - run_progress_last < 0.2)
		return;
	run_progress_last = now;
	for (u_int i = 0; i < m->ncpus; i++)
		if (m->cpus[i]->clock > t && !m->cpus[i]->idle)
			t = m->cpus[i]->clock;
	fprintf(stderr, "\r%s: %.3f of %.3f ms virtual, %llu points, "
	    "%llu events ", m->sc->name, (double)t / 1e6,
	    (double)m->end_ns / 1e6, (unsigned long long)m->points,
	    (unsigned long long)m->eng.executed);
	fflush(stderr);
}

static void
run_record_cpus(struct sim_machine *m, uint64_t t_end)
{
	for (u_int i = 0; i < m->ncpus; i++) {
		struct cpu_info *ci = m->cpus[i];
		const char *host = ci->host->sc->name;
		uint64_t busy = sim_cpu_busy_ns(ci, t_end);

		/* cpu.busy_ns at t_end comes with the last sample. */
		sim_record_counter(m->rec, "cpu.idle_ns", host, (int)ci->index,
		    t_end, (int64_t)(t_end - busy));
		sim_record_counter(m->rec, "cpu.points", host, (int)ci->index,
		    t_end, (int64_t)ci->points);
		sim_record_counter(m->rec, "cpu.dispatches", host,
		    (int)ci->index, t_end, (int64_t)ci->dispatches);
	}
	sim_record_counter(m->rec, "machine.points", NULL, -1, t_end,
	    (int64_t)m->points);
	sim_record_counter(m->rec, "machine.events", NULL, -1, t_end,
	    (int64_t)m->eng.executed);
}

static void
run_summary(const struct sim_machine *m, uint64_t t_end, int status)
{
	printf("end: %.6f ms virtual, %llu scheduling points, %llu events, "
	    "status %s\n", (double)t_end / 1e6, (unsigned long long)m->points,
	    (unsigned long long)m->eng.executed, status_names[status]);
	for (u_int i = 0; i < m->ncpus; i++) {
		const struct cpu_info *ci = m->cpus[i];
		uint64_t busy = sim_cpu_busy_ns(ci, t_end);

		printf("  %s/cpu%u: busy %.6f ms, idle %.6f ms (%.1f%% busy)\n",
		    ci->host->sc->name, ci->index, (double)busy / 1e6,
		    (double)(t_end - busy) / 1e6,
		    t_end ? 100.0 * (double)busy / (double)t_end : 0.0);
	}
}

int
sim_run(const struct scenario *sc, const struct sim_run_opts *o)
{
	uint64_t seed = o->seed_set ? o->seed : sc->seed;
	struct sim_recorder *rec = NULL;
	struct sim_machine m;
	int64_t run_id = -1;
	uint64_t t_end;
	char err[SC_PATH_MAX + 512];
	int status;

	if (o->db_path != NULL) {
		rec = sim_record_open(o->db_path, err, sizeof(err));
		if (rec == NULL) {
			fprintf(stderr, "netsim: %s\n", err);
			return SIM_EXIT_USAGE;
		}
	}
	/* On failure it has said what ran out (its limit, how much in use). */
	if (sim_world_build(&m, sc, seed) != 0)
		goto fail;
	/* Captures before the run's row: a bad directory records no run. */
	if (sim_topology_pcap_open(m.topo, o->pcap_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		goto fail;
	}
	if (rec != NULL) {
		run_id = sim_record_run_begin(rec, sc->name, sc->file, sc->text,
		    seed, NETSIM_VERSION, err, sizeof(err));
		if (run_id < 0) {
			fprintf(stderr, "netsim: %s\n", err);
			goto fail;
		}
	}
	if (o->setup != NULL)
		o->setup(&m, o->setup_arg);
	m.rec = rec;
	m.log = o->quiet ? NULL : stdout;
	if (o->progress) {
		m.progress = run_progress;
	}
	if (!o->quiet) {
		if (rec != NULL)
			printf("netsim %s: run %lld, scenario %s (%s), seed %llu\n",
			    NETSIM_VERSION, (long long)run_id, sc->name,
			    sc->file, (unsigned long long)seed);
		else
			printf("netsim %s: scenario %s (%s), seed %llu, no "
			    "database\n", NETSIM_VERSION, sc->name, sc->file,
			    (unsigned long long)seed);
		fflush(stdout);
	}

	sim_trace_init(&m);
	sim_trace_flows(&m);
	sim_world_boot(&m);
	sim_machine_run(&m);
	if (o->progress)
		fprintf(stderr, "\r\033[K");

	status = m.stop_status < 0 ? SIM_EXIT_OK : m.stop_status;
	if (status == SIM_EXIT_LIMIT)
		fprintf(stderr, "netsim: limit: %s\n", m.stop_reason);
	t_end = sim_machine_end_time(&m);
	sim_fp_mix(&m.eng, t_end);
	sim_fp_mix(&m.eng, (uint64_t)status);
	if (rec != NULL) {
		sim_machine_sample_all(&m, t_end);
		run_record_cpus(&m, t_end);
		sim_record_run_end(rec, m.eng.fingerprint, t_end, status,
		    status_names[status], status ? m.stop_reason : NULL);
	}
	if (!o->quiet) {
		run_summary(&m, t_end, status);
		if (rec != NULL)
			printf("database: %s (run %lld)\n", o->db_path,
			    (long long)run_id);
	}
	/* A capture that could not be written fails the run's exit status. */
	if (sim_topology_pcap_close(m.topo, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		if (status == SIM_EXIT_OK)
			status = SIM_EXIT_USAGE;
	}
	printf("fingerprint %016llx\n", (unsigned long long)m.eng.fingerprint);
	fflush(stdout);
	sim_world_destroy(&m);
	sim_record_close(rec);
	return status;
fail:
	sim_world_destroy(&m);
	sim_record_close(rec);
	return SIM_EXIT_USAGE;
}
