/*
 * run.c -- one run of a scenario, from the database row to the fingerprint.
 *
 * Order matters for the promise "bad input loses nothing": the scenario is
 * fully checked before this is called, and the run's row is committed
 * before the machine starts, so a run that dies half-way is visible as
 * 'unfinished' and never as a result.  The last line on stdout is always
 * "fingerprint <16 hex digits>": scripts rely on it.
 *
 * Nothing lost silently, nothing claimed that did not happen: a database
 * write that finally fails stops the machine at once (the recorder's
 * stop hook), and the run exits 2 saying how many of its rows were not
 * written; a capture that could not be written makes the run's row say
 * 'error' with exit status 2, as the process does; "database: FILE (run
 * N)" is printed only once the run's rows and verdict are committed.
 * The same hook ends a run whose rows reach the cap (--db-max): status
 * 'limit', exit 5, like the scenario's own limits.
 *
 * Progress goes to stderr, from the wall clock, through the machine's
 * progress hook; it reads the machine and never changes it, so it cannot
 * change a fingerprint.
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/fault/fault.h"
#include "sim/record/record.h"
#include "sim/cli/run.h"
#include "sim/race/race.h"
#include "sim/record/trace.h"
#include "sim/record/writer.h"
#include "sim/scenario/units.h"
#include "sim/wire/bridge.h"
#include "sim/wire/topology.h"
#include "sim/edge/edge.h"

static const char *const status_names[] = {
	[SIM_EXIT_OK] = "ok",
	/*
	 * 2 during a run: output that could not be written, or the real
	 * process ran out of something the machine needed (exhaust.h).
	 */
	[SIM_EXIT_USAGE] = "error",
	[SIM_EXIT_VIOLATION] = "violation",
	[SIM_EXIT_DEADLOCK] = "deadlock",
	[SIM_EXIT_LIMIT] = "limit",
};

/* Warn of a recording of more samples than this, whatever the cap. */
#define RUN_SAMPLES_WARN        10000000ULL
/* The record.interval suggested instead: duration / this. */
#define RUN_SAMPLES_SUGGESTED   100000ULL

/* What the hooks of one run share (one run at a time in a process). */
struct run_state {
	struct sim_machine *m;
	const struct scenario *sc;
	const struct sim_run_opts *o;
	struct sim_recorder *rec;
	struct sim_edge *edge;  /* a real-time run's, or NULL */
	struct sim_writer *writer;      /* a real-time run's: its writes */
	bool running;           /* the machine runs: a stop reaches it */
	bool tty;               /* stderr is a terminal: one line, redrawn */
	bool line_open;         /* a redrawn line is on the terminal */
	double next_s;          /* wall clock: the next progress line */
	double start_s;         /* wall clock: the start */
};

/* The run the machine's progress hook serves. */
static struct run_state *run_cur;

/* Wall-clock time, for the progress line only. */
static double
run_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "1.5 GiB": an estimated size, for people. */
static void
run_format_bytes(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	unsigned i = 0;

	while (bytes >= 1024.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024.0;
		i++;
	}
	snprintf(buf, len, i == 0 ? "%.0f %s" : "%.1f %s", bytes, units[i]);
}

/* "1.2 M": a count or a rate, for people. */
static void
run_format_count(double n, char *buf, size_t len)
{
	static const char *const units[] = { "", " k", " M", " G", " T" };
	unsigned i = 0;

	while (n >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1000.0;
		i++;
	}
	snprintf(buf, len, i == 0 ? "%.0f%s" : "%.1f%s", n, units[i]);
}

/* "76 s", "12 min 40 s", "3 h 12 min": wall-clock seconds, for people. */
static void
run_format_secs(double s, char *buf, size_t len)
{
	uint64_t n = s < 0 ? 0 : s > 1e9 ? 1000000000 : (uint64_t)(s + 0.5);

	if (n < 100)
		snprintf(buf, len, "%llu s", (unsigned long long)n);
	else if (n < 6000)
		snprintf(buf, len, "%llu min %02llu s",
		    (unsigned long long)(n / 60), (unsigned long long)(n % 60));
	else
		snprintf(buf, len, "%llu h %02llu min",
		    (unsigned long long)(n / 3600),
		    (unsigned long long)(n / 60 % 60));
}

/* One line on stderr, after clearing a progress line left open. */
static void __attribute__((format(printf, 2, 3)))
run_say(struct run_state *rs, const char *fmt, ...)
{
	va_list ap;

	if (rs->line_open) {
		fputs("\r\033[K", stderr);
		rs->line_open = false;
	}
	fputs("netsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/*
 * The machine's progress hook (every 65536 scheduling points): a line on
 * stderr when one is due -- redrawn in place on a terminal every
 * SIM_RUN_PROGRESS_TTY_S, a whole line every SIM_RUN_PROGRESS_LOG_S to a
 * file or pipe.  The rates are over the whole run so far; the ETA is the
 * wall-clock time to the duration at the pace so far (a run whose
 * workload finishes first ends sooner).  Reads the machine, never
 * changes it.
 */
static void
run_progress(struct sim_machine *m)
{
	struct run_state *rs = run_cur;
	double now = run_wall_s(), took;
	uint64_t t = m->eng.now, bytes = 0;
	char line[512], size[32], pts[16], evs[16], eta[32];
	int n;

	assert(rs != NULL && rs->m == m);
	if (now < rs->next_s)
		return;
	rs->next_s = now + (rs->tty ? SIM_RUN_PROGRESS_TTY_S :
	    SIM_RUN_PROGRESS_LOG_S);
	for (u_int i = 0; i < m->ncpus; i++)
		if (m->cpus[i]->clock > t && !m->cpus[i]->idle)
			t = m->cpus[i]->clock;
	t = MIN(t, m->end_ns);
	took = MAX(now - rs->start_s, 1e-3);
	run_format_count((double)m->points / took, pts, sizeof(pts));
	run_format_count((double)m->eng.executed / took, evs, sizeof(evs));
	n = snprintf(line, sizeof(line), "netsim: %s: %.3f of %.3f ms virtual "
	    "(%.1f%%), %llu points (%s/s), %llu events (%s/s)", m->sc->name,
	    (double)t / 1e6, (double)m->end_ns / 1e6, m->end_ns ? 100.0 *
	    (double)t / (double)m->end_ns : 0.0, (unsigned long long)m->points,
	    pts, (unsigned long long)m->eng.executed, evs);
	if (rs->rec != NULL && n > 0 && (size_t)n < sizeof(line)) {
		sim_record_stats(rs->rec, NULL, &bytes, NULL, NULL);
		run_format_bytes((double)bytes, size, sizeof(size));
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ", %s recorded", size);
	}
	if (t > 0)
		run_format_secs(took * (double)(m->end_ns - t) / (double)t, eta,
		    sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "unknown");
	if (n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ", %.0f s, ETA %s "
		    "to the duration", now - rs->start_s, eta);
	if (rs->tty) {
		fprintf(stderr, "\r%s\033[K", line);
		rs->line_open = true;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

/*
 * The recorder's stop hook: a write finally failed (failed), or the run's
 * rows reached --db-max.  Either ends the run at the machine's next step.
 */
static void
run_db_stop(void *arg, bool failed)
{
	struct run_state *rs = arg;
	char cap[64];

	if (!rs->running)
		return;
	if (failed) {
		sim_machine_stop(rs->m, SIM_EXIT_USAGE, "%s",
		    sim_record_error(rs->rec));
		return;
	}
	sim_format_unit(SIM_UNIT_SIZE, rs->o->db_max_bytes, cap, sizeof(cap));
	sim_machine_stop(rs->m, SIM_EXIT_LIMIT, "the run's records reached "
	    "the database cap of %s (--db-max %s); raise it with --db-max "
	    "SIZE, or record less (a longer record.interval)", cap, cap);
}

/* The recorder waits for a busy database: say so. */
static void
run_db_notice(void *arg, const char *line)
{
	run_say(arg, "%s", line);
}

/*
 * Warn before the run when the recording asked for is out of proportion:
 * more than RUN_SAMPLES_WARN samples, or more bytes than the cap even at
 * one row per CPU a sample (what a busy machine writes at the least:
 * cpu.busy_ns).  The run may end long before its duration; this is the
 * most it can ask for.
 */
static void
run_warn_recording(struct run_state *rs)
{
	const struct scenario *sc = rs->sc;
	const struct sim_run_opts *o = rs->o;
	uint64_t samples, ncpus = 0, per_sample = 0, suggest;
	char iv[64], dur[64], size[32], cap[128], sug[64];
	double bytes;

	if (o->db_path == NULL || !sc->record.counters ||
	    sc->record.interval_ns == 0)
		return;
	samples = sc->duration_ns / sc->record.interval_ns;
	for (unsigned i = 0; i < sc->nhosts; i++) {
		ncpus += sc->hosts[i].cpus;
		per_sample += sc->hosts[i].cpus *
		    sim_record_counter_bytes("cpu.busy_ns", sc->hosts[i].name);
	}
	bytes = (double)samples * (double)per_sample;
	if (samples <= RUN_SAMPLES_WARN &&
	    (o->db_max_bytes == 0 || bytes <= (double)o->db_max_bytes))
		return;
	sim_format_unit(SIM_UNIT_DURATION_NS, sc->record.interval_ns, iv,
	    sizeof(iv));
	sim_format_unit(SIM_UNIT_DURATION_NS, sc->duration_ns, dur,
	    sizeof(dur));
	run_format_bytes(bytes, size, sizeof(size));
	cap[0] = '\0';
	if (o->db_max_bytes != 0 && bytes > (double)o->db_max_bytes) {
		char c[32];

		sim_format_unit(SIM_UNIT_SIZE, o->db_max_bytes, c, sizeof(c));
		snprintf(cap, sizeof(cap), ", beyond the --db-max cap of %s "
		    "where the run would stop", c);
	}
	run_say(rs, "warning: record.interval %s over a duration of %s asks "
	    "for up to %llu samples: at one row per CPU a sample (%llu CPUs), "
	    "%.3g rows, about %s of database%s", iv, dur,
	    (unsigned long long)samples, (unsigned long long)ncpus,
	    (double)samples * (double)ncpus, size, cap);
	suggest = sc->duration_ns / RUN_SAMPLES_SUGGESTED;
	if (suggest == 0)
		suggest = 1;
	sim_format_unit(SIM_UNIT_DURATION_NS, suggest, sug, sizeof(sug));
	run_say(rs, "use a longer record.interval (%s gives %llu samples)%s",
	    sug, (unsigned long long)(sc->duration_ns / suggest),
	    cap[0] != '\0' ? ", or raise --db-max" : "");
}

static void
run_record_cpus(struct sim_machine *m, uint64_t t_end)
{
	bool pol = m->policy->rank != NULL;

	for (u_int i = 0; i < m->ncpus; i++) {
		struct cpu_info *ci = m->cpus[i];
		const char *host = ci->host->sc->name;
		uint64_t busy, idle, skew;

		sim_cpu_times(ci, t_end, &busy, &idle, &skew);
		/* cpu.busy_ns at t_end comes with the last sample. */
		sim_record_counter(m->rec, "cpu.idle_ns", host, (int)ci->index,
		    t_end, (int64_t)idle);
		if (pol)
			sim_record_counter(m->rec, "cpu.skew_ns", host,
			    (int)ci->index, t_end, (int64_t)skew);
		sim_record_counter(m->rec, "cpu.points", host, (int)ci->index,
		    t_end, (int64_t)ci->points);
		sim_record_counter(m->rec, "cpu.dispatches", host,
		    (int)ci->index, t_end, (int64_t)ci->dispatches);
	}
	sim_record_counter(m->rec, "machine.points", NULL, -1, t_end,
	    (int64_t)m->points);
	sim_record_counter(m->rec, "machine.events", NULL, -1, t_end,
	    (int64_t)m->eng.executed);
	if (pol)
		sim_record_counter(m->rec, "machine.lead_max_ns", NULL, -1,
		    t_end, (int64_t)m->pol.lead_max_ns);
}

static void
run_summary(const struct sim_machine *m, uint64_t t_end, int status)
{
	printf("end: %.6f ms virtual, %llu scheduling points, %llu events, "
	    "status %s\n", (double)t_end / 1e6, (unsigned long long)m->points,
	    (unsigned long long)m->eng.executed, status_names[status]);
	for (u_int i = 0; i < m->ncpus; i++) {
		const struct cpu_info *ci = m->cpus[i];
		uint64_t busy, idle, skew;
		char held[64] = "";

		sim_cpu_times(ci, t_end, &busy, &idle, &skew);
		if (m->policy->rank != NULL)
			snprintf(held, sizeof(held), ", held back %.6f ms",
			    (double)skew / 1e6);
		printf("  %s/cpu%u: busy %.6f ms, idle %.6f ms%s (%.1f%% busy)\n",
		    ci->host->sc->name, ci->index, (double)busy / 1e6,
		    (double)idle / 1e6, held,
		    t_end ? 100.0 * (double)busy / (double)t_end : 0.0);
	}
}

/*
 * Record the run's end: its last samples and its verdict.  A capture that
 * failed (capture_err not NULL) makes the verdict 'error', exit 2.
 * Returns the exit status: status, or SIM_EXIT_USAGE if the rows could
 * not all be written (said on stderr, with what was lost).
 */
static int
run_record_end(struct run_state *rs, int64_t run_id, uint64_t t_end,
    int status, const char *capture_err)
{
	struct sim_machine *m = rs->m;
	const char *msg = status == SIM_EXIT_USAGE && capture_err != NULL ?
	    capture_err : status != SIM_EXIT_OK ? m->stop_reason : NULL;
	uint64_t rows, lost;
	char what[1024], where[64] = "";
	bool marked;

	assert(rs->rec != NULL && !rs->running);
	sim_machine_sample_all(m, t_end);
	run_record_cpus(m, t_end);
	sim_faults_record_end(m, t_end);
	if (sim_record_error(rs->rec) == NULL &&
	    sim_record_run_end(rs->rec, sim_engine_fingerprint(&m->eng), t_end, status,
	    status_names[status], msg) == 0)
		return status;
	/* Some rows are not in the database: say which, claim nothing. */
	sim_record_stats(rs->rec, &rows, NULL, NULL, &lost);
	snprintf(what, sizeof(what), "%s; %llu of the run's %llu rows were "
	    "not written", sim_record_error(rs->rec), (unsigned long long)lost,
	    (unsigned long long)rows);
	marked = sim_record_run_fail(rs->rec, sim_engine_fingerprint(&m->eng), t_end,
	    SIM_EXIT_USAGE, what) == 0;
	if (m->stop_status == SIM_EXIT_USAGE)
		snprintf(where, sizeof(where), ", and the run was stopped at "
		    "%.6f ms virtual", (double)t_end / 1e6);
	run_say(rs, "%s", sim_record_error(rs->rec));
	if (sim_record_timed_out(rs->rec))
		run_say(rs, "--db-wait TIME waits longer for a busy database");
	run_say(rs, "run %lld is not recorded in full: %llu of its %llu rows "
	    "were not written%s; its row %s", (long long)run_id,
	    (unsigned long long)lost, (unsigned long long)rows, where,
	    marked ? "says 'error'" : "stays 'unfinished'");
	return SIM_EXIT_USAGE;
}

/*
 * Open the database with the run's options and hooks.  A test hook:
 * NETSIM_TEST_DB_STALL_MS=N makes the run's first batch write wait N ms
 * first, as a disk that blocks would (tests/test_realtime.py).
 */
static struct sim_recorder *
run_open_db(struct run_state *rs, char *err, size_t len)
{
	const char *stall = getenv("NETSIM_TEST_DB_STALL_MS");
	struct sim_record_opts ro = {
		.wait_ms = rs->o->db_wait_ms,
		.bytes_max = rs->o->db_max_bytes,
		.stop = run_db_stop,
		.notice = run_db_notice,
		.arg = rs,
		.test_stall_ms = stall != NULL ? strtoull(stall, NULL, 10) : 0,
	};

	return sim_record_open_opts(rs->o->db_path, &ro, err, len);
}

static void
run_start_progress(struct run_state *rs)
{
	const struct sim_run_opts *o = rs->o;

	rs->tty = isatty(STDERR_FILENO);
	rs->start_s = run_wall_s();
	rs->next_s = rs->start_s + (o->progress == SIM_PROGRESS_ON ? 0 :
	    SIM_RUN_PROGRESS_AFTER_S);
	if (o->progress != SIM_PROGRESS_OFF) {
		run_cur = rs;
		rs->m->progress = run_progress;
	}
}

/* Run the machine, the progress display going; clear it after. */
static void
run_machine(struct run_state *rs)
{
	struct sim_machine *m = rs->m;

	assert(!rs->running && run_cur == NULL);
	run_start_progress(rs);
	rs->running = true;
	sim_trace_init(m);
	sim_trace_flows(m);
	sim_world_boot(m);
	if (rs->edge != NULL)
		sim_edge_start(rs->edge);
	sim_machine_run(m);
	sim_edge_stop(rs->edge);        /* its priority, locked memory */
	rs->running = false;
	run_cur = NULL;
	if (rs->line_open) {
		fputs("\r\033[K", stderr);
		rs->line_open = false;
	}
	assert(m->stop_status >= -1);
}

/* What a real-time run got from Linux when its wall clock started. */
static void
run_edge_say_sched(const struct sim_edge_stats *st)
{
	printf("realtime: scheduling: ");
	if (st->rt_priority > 0)
		printf("SCHED_FIFO at priority %d%s", st->rt_priority,
		    st->rt_kept ? " (the process's own)" : "");
	else if (st->rt_errno != 0)
		printf("normal (SCHED_FIFO refused: %s%s)",
		    strerror(st->rt_errno), st->rt_errno == EPERM ? ": it needs "
		    "root or CAP_SYS_NICE" : "");
	else
		printf("normal (NETSIM_REALTIME_PRIORITY=0)");
	if (st->rt_dropped_ns > 0)
		printf(", given back at %.3f ms virtual (over %.0f ms late for "
		    "%.0f ms: it cannot keep up)",
		    (double)st->rt_dropped_ns / 1e6,
		    (double)SIM_EDGE_BEHIND_NS / 1e6,
		    (double)SIM_EDGE_RT_GIVEUP_NS / 1e6);
	if (st->locked)
		printf("; memory locked\n");
	else if (st->lock_errno == EFBIG)
		printf("; memory not locked (the run maps more than 1 GiB)\n");
	else
		printf("; memory not locked (mlockall: %s%s)\n",
		    strerror(st->lock_errno), st->lock_errno == ENOMEM ||
		    st->lock_errno == EPERM ? ": it needs root or CAP_IPC_LOCK, "
		    "or a larger ulimit -l" : "");
}

/* A real-time run's summary on stdout: lag, frames, pacing, writes. */
static void
run_edge_say(const struct run_state *rs, const struct sim_edge_stats *st,
    const struct sim_writer_stats *ws)
{
	printf("realtime: virtual time lagged the wall clock by at most "
	    "%.3f ms (p99 %.3f ms, %llu measurements, %llu over %.0f "
	    "ms)\n", (double)st->lag_max_ns / 1e6,
	    (double)st->lag_p99_ns / 1e6,
	    (unsigned long long)st->lag_samples,
	    (unsigned long long)st->behind,
	    (double)SIM_EDGE_BEHIND_NS / 1e6);
	printf("realtime: lag p50 %.3f ms, p90 %.3f ms, p99.9 %.3f ms; the "
	    "worst at", (double)st->lag_p50_ns / 1e6,
	    (double)st->lag_p90_ns / 1e6, (double)st->lag_p999_ns / 1e6);
	for (unsigned i = 0; i < SIM_EDGE_WORST && st->worst_ns[i] > 0; i++)
		printf("%s %.3f ms virtual (%.3f ms)", i > 0 ? "," : "",
		    (double)st->worst_at_ns[i] / 1e6,
		    (double)st->worst_ns[i] / 1e6);
	printf("%s\n", st->worst_ns[0] == 0 ? " no time: never late" : "");
	printf("realtime: %llu frames from Linux, %llu to Linux "
	    "(dropped: %llu in, %llu out)\n",
	    (unsigned long long)st->frames_in,
	    (unsigned long long)st->frames_out,
	    (unsigned long long)st->drops_in,
	    (unsigned long long)st->drops_out);
	printf("realtime: pacing: the loop came to the edge %llu times "
	    "for %llu events: %llu slept, %llu looked at Linux; %llu clock "
	    "reads\n", (unsigned long long)st->paces,
	    (unsigned long long)rs->m->eng.executed,
	    (unsigned long long)st->sleeps, (unsigned long long)st->polls,
	    (unsigned long long)st->clock_reads);
	run_edge_say_sched(st);
	printf("realtime: %llu writes handed to the writer thread (at "
	    "most %llu queued); the loop waited for it %llu times "
	    "(%.3f ms)\n", (unsigned long long)ws->jobs,
	    (unsigned long long)ws->queued_max,
	    (unsigned long long)ws->waits, (double)ws->wait_ns / 1e6);
}

/*
 * A real-time run's end: what the edge measured and moved, on stdout
 * and (with its frames from Linux) in the database.  Returns -1 if the
 * database refused it (the recorder says why).
 */
static int
run_edge_end(struct run_state *rs)
{
	struct sim_topology *t = rs->m->topo;
	const struct sim_edge_frame *ef;
	struct sim_record_bframe *bf = NULL;
	struct sim_edge_stats st;
	struct sim_writer_stats ws;
	size_t n = sim_edge_frames(rs->edge, &ef);
	int rc = 0;

	sim_edge_stats(rs->edge, &st);
	/* The batches still with the writer first: the rows are in order. */
	if (rs->rec != NULL)
		(void)sim_record_async(rs->rec, NULL);
	sim_writer_stats(rs->writer, &ws);
	if (st.interrupted != 0)
		run_say(rs, "%s: the real-time run ended at %.3f ms virtual, as "
		    "if its duration ended there", st.interrupted == SIGINT ?
		    "interrupted (SIGINT)" : "terminated (SIGTERM)",
		    (double)st.interrupted_ns / 1e6);
	if (!rs->o->quiet)
		run_edge_say(rs, &st, &ws);
	if (ws.waits > 0)
		run_say(rs, "warning: the writer thread fell behind: the "
		    "real-time loop waited %llu times, %.3f ms in all, for "
		    "room in its queue (up to %u database batches of %u rows "
		    "and 8 MiB a capture): its writes took longer than the run "
		    "took to make them (a busy disk, or a busy machine); record "
		    "less (a longer record.interval, record.packets false) or "
		    "capture less",
		    (unsigned long long)ws.waits, (double)ws.wait_ns / 1e6,
		    SIM_RECORD_ASYNC_BATCHES, SIM_RECORD_ROWS_MAX);
	if (st.not_kept > 0)
		run_say(rs, "warning: %llu frames from Linux were not kept for "
		    "--replay-bridge (over %u frames or %u MiB): a replay lacks "
		    "them", (unsigned long long)st.not_kept, SIM_EDGE_FRAMES_MAX,
		    SIM_EDGE_KEPT_BYTES_MAX >> 20);
	if (rs->rec == NULL)
		return 0;
	if (n > 0 && (bf = calloc(n, sizeof(*bf))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		assert(ef[i].bridge < t->nbridges);
		bf[i].link = (char *)sim_bridge_name(t->bridges[ef[i].bridge]);
		bf[i].t_ns = ef[i].t_ns;
		bf[i].len = ef[i].len;
		bf[i].data = ef[i].data;
	}
	{
		struct sim_record_realtime rt = {
			.lag_max_ns = st.lag_max_ns, .lag_p99_ns = st.lag_p99_ns,
			.lag_samples = st.lag_samples, .behind = st.behind,
			.frames_in = st.frames_in, .frames_out = st.frames_out,
			.drops_in = st.drops_in, .drops_out = st.drops_out,
			.not_kept = st.not_kept,
			.writer_waits = ws.waits,
			.writer_wait_ns = ws.wait_ns,
		};

		rc = sim_record_realtime(rs->rec, &rt, bf, n);
	}
	free(bf);
	return rc;
}

/*
 * After the run: the fingerprint, the captures, the database, the
 * report.  Returns the exit status.
 */
static int
run_finish(struct run_state *rs, int64_t run_id)
{
	struct sim_machine *m = rs->m;
	int status = m->stop_status < 0 ? SIM_EXIT_OK : m->stop_status;
	uint64_t t_end = sim_machine_end_time(m);
	char cap_err[SC_PATH_MAX + 512], pol[512];
	bool capture_ok;

	assert(!rs->running);
	if (status == SIM_EXIT_LIMIT)
		run_say(rs, "limit: %s", m->stop_reason);
	/* A policy but time says what it did (pct: n, k, d, its bound). */
	if (sim_policy_report(m, pol, sizeof(pol)))
		run_say(rs, "%s", pol);
	sim_fp_mix(&m->eng, t_end);
	sim_fp_mix(&m->eng, (uint64_t)status);
	/* --all-races: the run went on past them (its fingerprint too). */
	if (SIM_RACE && status == SIM_EXIT_OK) {
		struct sim_race_stats st;

		sim_race_get_stats(m, &st);
		if (st.races > 0) {
			status = SIM_EXIT_VIOLATION;
			snprintf(m->stop_reason, sizeof(m->stop_reason), "%llu "
			    "data race%s (--all-races: each reported above)",
			    (unsigned long long)st.races, st.races == 1 ? "" :
			    "s");
			run_say(rs, "%s", m->stop_reason);
		}
	}
	/* Captures first: a capture that failed is in the run's verdict. */
	capture_ok = sim_topology_pcap_close(m->topo, cap_err,
	    sizeof(cap_err)) == 0;
	if (!capture_ok) {
		run_say(rs, "%s", cap_err);
		if (status == SIM_EXIT_OK)
			status = SIM_EXIT_USAGE;
	}
	if (rs->edge != NULL)
		(void)run_edge_end(rs);         /* a failure: run_record_end */
	if (rs->rec != NULL)
		status = run_record_end(rs, run_id, t_end, status,
		    capture_ok ? NULL : cap_err);
	if (!rs->o->quiet) {
		run_summary(m, t_end, status);
		/* Only a run whose rows are all in says where they are. */
		if (rs->rec != NULL && sim_record_error(rs->rec) == NULL)
			printf("database: %s (run %lld)\n", rs->o->db_path,
			    (long long)run_id);
	}
	if (rs->edge == NULL)
		printf("fingerprint %016llx\n",
		    (unsigned long long)sim_engine_fingerprint(&m->eng));
	else if (rs->rec != NULL)
		printf("no fingerprint: a real-time run is not deterministic; "
		    "run its exchange with Linux again, deterministically: "
		    "netsim run --replay-bridge %lld --db %s\n",
		    (long long)run_id, rs->o->db_path);
	else
		printf("no fingerprint: a real-time run is not deterministic "
		    "(with --db, netsim run --replay-bridge can replay it)\n");
	fflush(stdout);
	if (rs->o->result != NULL) {
		struct sim_run_result *r = rs->o->result;

		r->finished = true;
		r->fingerprint = sim_engine_fingerprint(&m->eng);
		r->end_ns = t_end;
		r->points = m->points;
		r->events = m->eng.executed;
		r->run_id = run_id;
		snprintf(r->reason, sizeof(r->reason), "%.*s",
		    (int)sizeof(r->reason) - 1, status == SIM_EXIT_OK ? "" :
		    rs->rec != NULL && sim_record_error(rs->rec) != NULL ?
		    sim_record_error(rs->rec) : m->stop_reason);
	}
	return status;
}

/*
 * A replay's frames from Linux, fed to their bridges one at a time: an
 * event at each frame's virtual time injects it and sets the next, so
 * however many there are, only one waits in the event queue and none
 * in a bridge before its time.
 */
struct run_feed {
	struct sim_machine *m;
	const struct sim_record_bframe *f;
	struct sim_bridge **to;         /* frame i's bridge */
	size_t n, next;
};

static struct run_feed run_feed;

static void
run_feed_next(void *arg)
{
	struct run_feed *fd = arg;
	const struct sim_record_bframe *f = &fd->f[fd->next];

	assert(fd->next < fd->n && f->t_ns == fd->m->eng.now);
	(void)sim_bridge_inject(fd->to[fd->next], f->t_ns, f->data, f->len);
	if (++fd->next < fd->n)
		sim_machine_at(fd->m, fd->f[fd->next].t_ns, run_feed_next, fd);
}

/* Check a replay's frames and set the first to be fed. */
static int
run_feed_start(struct run_state *rs, char *err, size_t len)
{
	const struct sim_run_opts *o = rs->o;
	struct sim_topology *t = rs->m->topo;
	struct run_feed *fd = &run_feed;

	free(fd->to);
	memset(fd, 0, sizeof(*fd));
	if (o->nreplay_frames == 0)
		return 0;
	if ((fd->to = calloc(o->nreplay_frames, sizeof(*fd->to))) == NULL) {
		snprintf(err, len, "out of memory for run %lld's frames from "
		    "Linux", (long long)o->replay_run);
		return -1;
	}
	for (size_t i = 0; i < o->nreplay_frames; i++) {
		const struct sim_record_bframe *f = &o->replay_frames[i];
		unsigned b;

		for (b = 0; b < t->nbridges; b++)
			if (strcmp(sim_bridge_name(t->bridges[b]), f->link) == 0)
				break;
		if (b == t->nbridges) {
			snprintf(err, len, "run %lld's frame %zu came in on link "
			    "%s, which its scenario bridges to no TAP device",
			    (long long)o->replay_run, i, f->link);
			return -1;
		}
		if (f->len < SIM_ETHER_HDR_LEN || f->len > SIM_FRAME_BYTES_MAX ||
		    (i > 0 && f->t_ns < o->replay_frames[i - 1].t_ns)) {
			snprintf(err, len, "run %lld's frame %zu is not a frame "
			    "netsim kept (%u bytes at %llu ns)",
			    (long long)o->replay_run, i, f->len,
			    (unsigned long long)f->t_ns);
			return -1;
		}
		fd->to[i] = t->bridges[b];
	}
	fd->m = rs->m;
	fd->f = o->replay_frames;
	fd->n = o->nreplay_frames;
	sim_machine_at(rs->m, fd->f[0].t_ns, run_feed_next, fd);
	return 0;
}

/*
 * A real-time scenario: open its edge (TAP devices) -- or, replaying
 * one, feed its bridges the frames Linux sent it, at their times.
 */
static int
run_edge_open(struct run_state *rs, char *err, size_t len)
{
	const struct sim_run_opts *o = rs->o;
	struct sim_machine *m = rs->m;

	if (!rs->sc->realtime)
		return 0;
	if (!o->realtime)
		return run_feed_start(rs, err, len);
	if (m->policy != &sim_policy_time) {
		snprintf(err, len, "a real-time run interleaves by time only, not "
		    "by %s: other policies reorder CPUs against their clocks, "
		    "which the wall clock cannot follow", m->policy->name);
		return -1;
	}
	rs->edge = sim_edge_open(m, err, len);
	return rs->edge != NULL ? 0 : -1;
}

/*
 * A real-time run's writes (the database's batches, the captures) go to
 * a thread of their own, so that a disk that blocks never stalls the
 * pacing loop.
 */
static int
run_writer_start(struct run_state *rs, char *err, size_t len)
{
	if ((rs->writer = sim_writer_start(err, len)) == NULL)
		return -1;
	if (rs->rec != NULL && sim_record_async(rs->rec, rs->writer) != 0) {
		snprintf(err, len, "out of memory for the writer thread");
		return -1;
	}
	sim_topology_pcap_async(rs->m->topo, rs->writer);
	return 0;
}

/* The run is a point of a campaign: say which in its rows. */
static int
run_point(struct run_state *rs)
{
	const struct sim_run_opts *o = rs->o;
	const char *names[SC_SWEEP_AXES_MAX + 16], *values[SC_SWEEP_AXES_MAX + 16];
	unsigned n = 0;

	for (unsigned i = 0; i < o->nparams && n < SC_SWEEP_AXES_MAX + 16; i++) {
		names[n] = o->params[i].path;
		values[n++] = o->params[i].value;
	}
	return sim_record_run_campaign(rs->rec, o->campaign_id, names, values,
	    n);
}

int
sim_run(const struct scenario *sc, const struct sim_run_opts *o)
{
	uint64_t seed = o->seed_set ? o->seed : sc->seed;
	struct run_state rs = { .sc = sc, .o = o };
	struct sim_machine m;
	int64_t run_id = -1;
	char err[SC_PATH_MAX + 512] = "";
	int status;

	rs.m = &m;
	if (o->result != NULL) {
		memset(o->result, 0, sizeof(*o->result));
		o->result->run_id = -1;
	}
	run_warn_recording(&rs);
	if (o->db_path != NULL) {
		rs.rec = run_open_db(&rs, err, sizeof(err));
		if (rs.rec == NULL) {
			fprintf(stderr, "netsim: %s\n", err);
			if (o->result != NULL) {
				o->result->status = SIM_EXIT_USAGE;
				snprintf(o->result->reason,
				    sizeof(o->result->reason), "%.*s",
				    (int)sizeof(o->result->reason) - 1, err);
			}
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
	/* The outside world next: a TAP device refused records no run. */
	if (run_edge_open(&rs, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		goto fail;
	}
	if (rs.rec != NULL) {
		run_id = sim_record_run_begin(rs.rec, sc->name, sc->file,
		    sc->text, seed, NETSIM_VERSION, err, sizeof(err));
		if (run_id < 0) {
			fprintf(stderr, "netsim: %s\n", err);
			goto fail;
		}
		if ((rs.edge != NULL || o->replay_bridge) &&
		    sim_record_run_mode(rs.rec, rs.edge != NULL ? "realtime" :
		    "replay-bridge") != 0) {
			snprintf(err, sizeof(err), "%s", sim_record_error(rs.rec));
			fprintf(stderr, "netsim: %s\n", err);
			goto fail;
		}
		if (o->campaign_id > 0 && run_point(&rs) != 0) {
			snprintf(err, sizeof(err), "%s", sim_record_error(rs.rec));
			fprintf(stderr, "netsim: %s\n", err);
			goto fail;
		}
	}
	if (rs.edge != NULL && run_writer_start(&rs, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		goto fail;
	}
	if (o->setup != NULL)
		o->setup(&m, o->setup_arg);
	SIM_RACE_HOOK(sim_race_set_keep_going(&m, o->all_races));
	m.rec = rs.rec;
	m.log = o->quiet ? NULL : stdout;
	if (!o->quiet) {
		if (rs.rec != NULL)
			printf("netsim %s: run %lld, scenario %s (%s), seed %llu\n",
			    NETSIM_VERSION, (long long)run_id, sc->name,
			    sc->file, (unsigned long long)seed);
		else
			printf("netsim %s: scenario %s (%s), seed %llu, no "
			    "database\n", NETSIM_VERSION, sc->name, sc->file,
			    (unsigned long long)seed);
		fflush(stdout);
	}

	run_machine(&rs);
	status = run_finish(&rs, run_id);
	free(run_feed.to);
	memset(&run_feed, 0, sizeof(run_feed));
	sim_edge_close(rs.edge);
	sim_world_destroy(&m);
	sim_record_close(rs.rec);
	sim_writer_stop(rs.writer);     /* after what it writes for */
	if (o->result != NULL)
		o->result->status = status;
	return status;
fail:
	if (o->result != NULL) {
		o->result->status = SIM_EXIT_USAGE;
		snprintf(o->result->reason, sizeof(o->result->reason), "%.*s",
		    (int)sizeof(o->result->reason) - 1,
		    m.stop_status >= 0 ? m.stop_reason : err);
	}
	free(run_feed.to);
	memset(&run_feed, 0, sizeof(run_feed));
	sim_edge_close(rs.edge);
	sim_world_destroy(&m);
	sim_record_close(rs.rec);
	sim_writer_stop(rs.writer);
	return SIM_EXIT_USAGE;
}
