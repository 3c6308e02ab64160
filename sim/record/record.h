/*
 * record.h -- the results database (SQLite).
 *
 * One database holds many runs.  A run's row is written and committed
 * before the machine starts, with status 'unfinished'; everything the run
 * produces is buffered and committed in batches inside transactions; the
 * row gets its fingerprint, end time and exit status only when the run
 * ends, in the same transaction as the run's last batch.  The database is
 * in WAL mode, so a process killed at any moment leaves a database that
 * passes PRAGMA integrity_check and shows the run as 'unfinished'.  (Power
 * loss may also lose the last committed batches; see record.c.)  Two
 * netsim processes may write one database at once: each waits for the
 * other's batch.
 *
 * Tables (`sqlite3 DB .schema` shows every column with its meaning):
 *   runs(id, scenario, scenario_file, scenario_text, seed, fingerprint,
 *        version, start_ns, end_ns, exit_status, status, message)
 *     status is 'unfinished' until the run ends, then 'ok', 'violation',
 *     'deadlock' or 'limit'; fingerprint, end_ns and exit_status are NULL
 *     until then.  fingerprint is 16 lowercase hex digits.
 *   counters(run_id, name, host, cpu, t_ns, value)
 *     a time series; host NULL for a run-wide counter, cpu NULL when the
 *     counter is not per-CPU.
 *   violations(run_id, t_ns, host, cpu, lwp, kind, file, line, message)
 * Views:
 *   run_summary(id, scenario, seed, fingerprint, status, exit_status,
 *        end_ns, counter_sample_count, violation_count, message)
 *   counter_last(run_id, name, host, cpu, t_ns, value)
 *     each counter's last sample (largest t_ns, then the later row)
 *   violation_kinds(run_id, kind, violation_count, first_t_ns)
 * The schema's version is in PRAGMA user_version; opening a file of
 * another version fails with a message that says which.
 *
 * Every time is virtual (nanoseconds of the simulated clock): nothing in
 * the database depends on the wall clock, so the same run appends the
 * same rows.
 */
#ifndef SIM_RECORD_H
#define SIM_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define SIM_RECORD_SCHEMA_VERSION 3
#define SIM_RECORD_ROWS_MAX	16384	/* rows buffered before a flush */
#define SIM_RECORD_STRING_MAX	4096	/* bytes kept of one string */

struct sim_recorder;

/*
 * Open (creating if need be) the database at path and make sure the schema
 * is there.  Returns NULL and writes a one-line reason to err on failure:
 * "results database PATH: REASON" (a missing directory, a read-only file
 * or directory, a file that is not a database, another schema version).
 * => err may be NULL
 */
struct sim_recorder *sim_record_open(const char *path, char *err, size_t len);

/*
 * Commit whatever is buffered and close.  Accepts NULL.  A run that was
 * begun and not ended stays 'unfinished'.
 */
void	sim_record_close(struct sim_recorder *);

/*
 * Why the recorder stopped writing, or NULL if it has not.  After the
 * first failed write (disk full, another process holding the database
 * past the busy timeout) every later call is a no-op and the open run
 * stays 'unfinished'; the caller should print this and exit non-zero.
 */
const char *sim_record_error(const struct sim_recorder *);

/*
 * Insert and commit the run's row (status 'unfinished', start_ns 0).
 * Returns the run id, or -1 (with err) if the database refused or the
 * seed does not fit SQLite's INTEGER (0 to 2^63-1).
 * => no run is open on this recorder
 * => scenario_name is not NULL; the other strings may be
 */
int64_t	sim_record_run_begin(struct sim_recorder *, const char *scenario_name,
	    const char *scenario_file, const char *scenario_text, uint64_t seed,
	    const char *version, char *err, size_t len);

/*
 * Buffer one sample of a counter.  host may be NULL, cpu -1 for none.
 * Strings are copied (at most SIM_RECORD_STRING_MAX bytes of each).
 * Flushes when SIM_RECORD_ROWS_MAX rows are buffered.
 * => a run is open; t_ns < 2^63
 */
void	sim_record_counter(struct sim_recorder *, const char *name,
	    const char *host, int cpu, uint64_t t_ns, int64_t value);

/*
 * Buffer an invariant violation (KASSERT, panic, checker).  host, lwp,
 * file and message may be NULL, cpu -1 for none; line is stored only with
 * a file and when positive.
 * => a run is open; kind is not NULL; t_ns < 2^63
 */
void	sim_record_violation(struct sim_recorder *, uint64_t t_ns,
	    const char *host, int cpu, const char *lwp, const char *kind,
	    const char *file, int line, const char *message);

/*
 * Per-packet records (record.packets): packet pkt_id reached a stage at
 * t_ns on host/cpu (cpu -1: a device).  A flow says who sends the packets
 * whose ids are flow_id << 32 | n.
 */
void	sim_record_packet_stage(struct sim_recorder *, uint64_t pkt_id,
	    const char *stage, const char *host, int cpu, uint64_t t_ns);
void	sim_record_flow(struct sim_recorder *, uint64_t flow_id,
	    const char *host, const char *program, const char *description);

/* Commit what is buffered, in one transaction (the machine calls it). */
void	sim_record_flush(struct sim_recorder *);

/*
 * Finish the run: commit what is buffered and set fingerprint (16 hex
 * digits), end time, exit status and status ('ok', 'violation',
 * 'deadlock', 'limit'), all in one transaction.  message may be NULL.
 * => a run is open; afterwards none is
 */
void	sim_record_run_end(struct sim_recorder *, uint64_t fingerprint,
	    uint64_t end_ns, int exit_status, const char *status,
	    const char *message);

#endif /* SIM_RECORD_H */
