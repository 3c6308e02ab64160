/*
 * record.h -- the results database (SQLite).
 *
 * One database holds many runs.  A run's row is written and committed
 * before the machine starts, with status 'unfinished'; everything the run
 * produces is buffered and committed in batches inside transactions; the
 * row gets its fingerprint, end time and exit status only when the run
 * ends.  The database is in WAL mode, so a process killed at any moment
 * leaves a database that passes PRAGMA integrity_check and shows the run
 * as 'unfinished'.
 *
 * Tables (see the README for every column):
 *   runs(id, scenario, scenario_file, scenario_text, seed, fingerprint,
 *        version, start_ns, end_ns, exit_status, status, message)
 *   counters(run_id, name, host, cpu, t_ns, value)
 *   violations(run_id, t_ns, host, cpu, lwp, kind, file, line, message)
 */
#ifndef SIM_RECORD_H
#define SIM_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct sim_recorder;

/*
 * Open (creating if need be) the database at path and make sure the schema
 * is there.  Returns NULL and writes a one-line reason to err on failure.
 */
struct sim_recorder *sim_record_open(const char *path, char *err, size_t len);
/* Commit whatever is buffered and close.  Accepts NULL. */
void	sim_record_close(struct sim_recorder *);

/*
 * Insert and commit the run's row (status 'unfinished').  Returns the run
 * id, or -1 (with err) if the database refused.
 */
int64_t	sim_record_run_begin(struct sim_recorder *, const char *scenario_name,
	    const char *scenario_file, const char *scenario_text, uint64_t seed,
	    const char *version, char *err, size_t len);

/* Buffer one sample of a counter.  host may be NULL, cpu -1 for none. */
void	sim_record_counter(struct sim_recorder *, const char *name,
	    const char *host, int cpu, uint64_t t_ns, int64_t value);

/* Buffer an invariant violation (KASSERT, panic, checker). */
void	sim_record_violation(struct sim_recorder *, uint64_t t_ns,
	    const char *host, int cpu, const char *lwp, const char *kind,
	    const char *file, int line, const char *message);

/* Commit what is buffered (the machine calls it now and then). */
void	sim_record_flush(struct sim_recorder *);

/*
 * Finish the run: commit what is buffered and set fingerprint (16 hex
 * digits), end time, exit status and status ('ok', 'violation',
 * 'deadlock', 'limit').
 */
void	sim_record_run_end(struct sim_recorder *, uint64_t fingerprint,
	    uint64_t end_ns, int exit_status, const char *status,
	    const char *message);

#endif /* SIM_RECORD_H */
