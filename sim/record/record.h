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
 * loss may also lose the last committed batches; see record.c.)  Many
 * netsim processes may write one database at once: each waits for the
 * others' batches, up to a bound (sim_record_opts.wait_ms), saying so
 * while it waits.
 *
 * Nothing is lost silently: a write that finally fails (a full disk, a
 * lock held past the bound, an insert a trigger refuses) stops the
 * recorder, tells its owner at once (opts.stop) and counts every row it
 * could not write; the run's row then stays 'unfinished', or says
 * 'error' if that much can still be written (sim_record_run_fail).
 *
 * Tables (`sqlite3 DB .schema` shows every column with its meaning):
 *   runs(id, scenario, scenario_file, scenario_text, seed, fingerprint,
 *        version, start_ns, end_ns, exit_status, status, message)
 *     status is 'unfinished' until the run ends, then 'ok', 'violation',
 *     'deadlock', 'limit' or 'error' (the run's output could not all be
 *     written: a capture, its rows); fingerprint, end_ns and exit_status
 *     are NULL until then.  fingerprint is 16 lowercase hex digits.
 *   counters(run_id, name, host, cpu, t_ns, value)
 *     a time series; host NULL for a run-wide counter, cpu NULL when the
 *     counter is not per-CPU.
 *   violations(run_id, t_ns, host, cpu, lwp, kind, file, line, message)
 *   faults(run_id, fault_id, kind, target, start_ns, end_ns, count,
 *        parameters), fault_effects(run_id, fault_id, name, value)
 *     the scenario's faults and what each did (schema version 8)
 *   races(run_id, t_ns, host, object, offset, size, access, cpu, context,
 *        file, line, func, prev_t_ns, prev_access, prev_cpu, prev_context,
 *        prev_file, prev_line, prev_func, replay)
 *     data races the exploration build found (sim/race/): the second
 *     access, then the earlier one it is not ordered after
 * Views:
 *   run_summary(id, scenario, seed, fingerprint, status, exit_status,
 *        end_ns, counter_sample_count, violation_count, message)
 *   counter_last(run_id, name, host, cpu, t_ns, value)
 *     each counter's last sample (largest t_ns, then the later row)
 *   violation_kinds(run_id, kind, violation_count, first_t_ns)
 *   lock_order(run_id, from_class, to_class, held_lock, held_at,
 *        taken_lock, taken_at, host, cpu, lwp, t_ns)
 *     each lock-order edge with its classes by name ("mutex FILE:LINE")
 *   fault_windows(run_id, fault_id, kind, target, start_ns, end_ns, count,
 *        parameters): each fault's window as it happened
 * Tables of the lock-order checker (schema version 9):
 *   lock_classes(run_id, class, kind, file, line, ipl)
 *   lock_edges(run_id, from_class, to_class, held_file, held_line,
 *        taken_file, taken_line, t_ns, host, cpu, lwp)
 * Indexes: runs_by_seed (version 5), and the child tables' by run.
 * The schema's version is in PRAGMA user_version; an older file is
 * brought up to date when opened, and opening a newer one fails with a
 * message that says which.
 *
 * Every time is virtual (nanoseconds of the simulated clock): nothing in
 * the database depends on the wall clock, so the same run appends the
 * same rows -- but for a real-time run's (runs.mode 'realtime', schema
 * version 13), which met the outside world and says so.
 */
#ifndef SIM_RECORD_H
#define SIM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_RECORD_SCHEMA_VERSION 19     /* 13: the real-time edge, 14: TCP, 15: short connections, kmem, 16: TCP recovery, 17: the edge's writer thread, 18: tail-loss probes in tcp_events, 19: counter_summary in one pass */
#define SIM_RECORD_ROWS_MAX	16384	/* rows buffered before a flush */
#define SIM_RECORD_STRING_MAX	4096	/* bytes kept of one string */
#define SIM_RECORD_WAIT_MS	60000	/* default bound on one busy wait */
#define SIM_RECORD_WAIT_MAX_MS	(24ULL * 3600 * 1000)	/* largest bound */
#define SIM_RECORD_ASYNC_BATCHES 16	/* full batches the writer may hold */

struct sim_recorder;
struct sim_writer;

/* How a recorder waits, how much it may write, whom it tells. */
struct sim_record_opts {
	/*
	 * How long one write may wait for another process that holds the
	 * database (wall-clock milliseconds, 1 to SIM_RECORD_WAIT_MAX_MS);
	 * 0 means SIM_RECORD_WAIT_MS.  Past it the write fails.
	 */
	uint64_t wait_ms;
	/*
	 * The cap on a run's rows, in (estimated) bytes of database: when a
	 * run's rows reach it, stop(arg, false) is called, once a run; rows
	 * are still kept after that, but past twice the cap the recorder
	 * fails.  0: no cap.
	 */
	uint64_t bytes_max;
	/*
	 * Called when the owner should end the run soon: failed = false when
	 * the run's rows reached bytes_max; failed = true once a write has
	 * finally failed (sim_record_error says why), after which the
	 * recorder takes no more rows.  May be NULL.
	 */
	void	(*stop)(void *arg, bool failed);
	/*
	 * Told, as one line without a newline, when a write has waited a
	 * while for a busy database and is waiting on.  May be NULL.
	 */
	void	(*notice)(void *arg, const char *line);
	void	*arg;
	/*
	 * A test hook: the first batch write sleeps this many wall-clock
	 * milliseconds before it begins, as on a disk that blocks.  0: none.
	 */
	uint64_t test_stall_ms;
};

/*
 * Open (creating if need be) the database at path and make sure the schema
 * is there.  Returns NULL and writes a one-line reason to err on failure:
 * "results database PATH: REASON" (a missing directory, a read-only file
 * or directory, a file that is not a database, another schema version).
 * => err may be NULL
 */
struct sim_recorder *sim_record_open(const char *path, char *err, size_t len);
/*
 * The same with options; opts NULL is the defaults (sim_record_open:
 * wait SIM_RECORD_WAIT_MS, no cap, tell nobody).
 * => opts->wait_ms <= SIM_RECORD_WAIT_MAX_MS
 */
struct sim_recorder *sim_record_open_opts(const char *path,
	    const struct sim_record_opts *opts, char *err, size_t len);

/*
 * Commit whatever is buffered and close.  Accepts NULL.  A run that was
 * begun and not ended stays 'unfinished'.
 */
void	sim_record_close(struct sim_recorder *);

/*
 * Why the recorder stopped writing, or NULL if it has not.  After the
 * first failed write (disk full, another process holding the database
 * past the wait bound, an insert refused) every later row is dropped and
 * counted, and the open run stays 'unfinished' unless the caller ends it
 * with sim_record_run_fail; the caller should print this and exit
 * non-zero.
 */
const char *sim_record_error(const struct sim_recorder *);
/* Whether that failure was a wait for a busy database that hit its bound. */
bool	sim_record_timed_out(const struct sim_recorder *);

/*
 * What the current (or last) run has given the recorder: rows, their
 * estimated size in the database in bytes (the measure bytes_max caps),
 * how many were committed, and how many were not written because the
 * recorder had failed.  rows == written + lost + what is buffered.
 * => any pointer may be NULL
 */
void	sim_record_stats(const struct sim_recorder *, uint64_t *rows,
	    uint64_t *bytes, uint64_t *written, uint64_t *lost);

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
 * The estimated bytes of database one counter row takes (what the cap
 * and sim_record_stats count), for estimates before a run.
 */
uint64_t sim_record_counter_bytes(const char *name, const char *host);

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
 * t_ns on host/cpu (cpu -1: a device), in an LWP of the program whose
 * flow is by_flow (0: none).  A flow says who sends the packets whose ids
 * are flow_id << 32 | n, and what its latency is: "one_way" or
 * "request".  A request (id req_id, of flow req_id >> 32) was sent at
 * sent_ns and answered at done_ns, by the requester's clock.
 */
void	sim_record_packet_stage(struct sim_recorder *, uint64_t pkt_id,
	    const char *stage, const char *host, int cpu, uint64_t t_ns,
	    uint32_t by_flow);
void	sim_record_flow(struct sim_recorder *, uint64_t flow_id,
	    const char *host, const char *program, const char *description,
	    const char *latency);
void	sim_record_request(struct sim_recorder *, uint64_t req_id,
	    uint64_t sent_ns, uint64_t done_ns);

/*
 * ---- Schema version 16: TCP's loss recovery (issue 13). ----
 * One tcp_events row: what happened to a connection's loss recovery
 * (the table's comments say what each field means for each event).
 * Rows are numbered in the order they are given, from 1 in each run.
 */
struct sim_tcp_event {
	uint64_t t_ns;
	const char *host;               /* the host's name */
	const char *local, *remote;     /* "a.b.c.d:port" */
	const char *event;              /* 'fast', 'rto', 'exit_ack', ... */
	int64_t snd_una;                /* a sequence number; -1: NULL */
	uint64_t seq;                   /* a sequence number */
	uint64_t count;                 /* 0: NULL */
	uint64_t pkt_id;                /* 0: NULL */
};
/* => a run is open; strings not NULL; t_ns, pkt_id < 2^63 */
void	sim_record_tcp_event(struct sim_recorder *,
	    const struct sim_tcp_event *);

/*
 * Faults (schema version 8): fault fault_id of the scenario, of kind on
 * target, from start_ns to end_ns (UINT64_MAX: none given) or count
 * strikes (0: none given); parameters is its other keys as a JSON
 * object, or NULL.  An effect is one thing it did by the run's end
 * (name, value), written with the run's last rows.
 */
void	sim_record_fault(struct sim_recorder *, unsigned fault_id,
	    const char *kind, const char *target, uint64_t start_ns,
	    uint64_t end_ns, uint64_t count, const char *parameters);
void	sim_record_fault_effect(struct sim_recorder *, unsigned fault_id,
	    const char *name, int64_t value);

/*
 * The lock-order checker's record (sim/sys/ks_witness.c).  A lock class
 * is the set of locks initialised at one line (kind "mutex", "spin
 * mutex" or "rwlock"; ipl a spin mutex's level, else -1), written once,
 * before the first edge that names it.  An edge says a lock of class to
 * was taken at taken_file:taken_line while one of class from, taken at
 * held_file:held_line, was held -- the first time, at t_ns, by lwp on
 * host/cpu.  Classes are numbered from 1.
 */
void	sim_record_lock_class(struct sim_recorder *, unsigned cls,
	    const char *kind, const char *file, int line, int ipl);
void	sim_record_lock_edge(struct sim_recorder *, unsigned from, unsigned to,
	    const char *held_file, int held_line, const char *taken_file,
	    int taken_line, uint64_t t_ns, const char *host, int cpu,
	    const char *lwp);

/*
 * A data race (the exploration build's detector, sim/race/): the access
 * found racing (t_ns, access, cpu, context, file:line, func) and the
 * earlier one (prev_*), on the object at the arena offset (-1: none).
 * cpu -1: none (a device); strings may be NULL but access.
 */
struct sim_record_race {
	uint64_t t_ns;
	const char *host, *object;
	int64_t offset;
	int size;
	const char *access, *context, *file, *func;
	int cpu, line;
	uint64_t prev_t_ns;
	const char *prev_access, *prev_context, *prev_file, *prev_func;
	int prev_cpu, prev_line;
	const char *replay;
};
void	sim_record_race(struct sim_recorder *, const struct sim_record_race *);

/* Commit what is buffered, in one transaction (the machine calls it). */
void	sim_record_flush(struct sim_recorder *);

/*
 * A real-time run's writes off the loop (sim/record/writer.h): with w,
 * every batch that fills is handed to w's thread to be written, up to
 * SIM_RECORD_ASYNC_BATCHES at once (past that the loop waits for the
 * writer, which counts it); the rows and their order in the file are
 * the same.  With NULL: wait for every batch handed over, and write on
 * the caller's thread again -- before the run's end and its realtime row
 * (sim_record_run_end, sim_record_realtime), which need the connection.
 * Returns 0, or -1 out of memory (nothing changed).
 * => no transaction is open; a run is, or w is NULL
 */
int	sim_record_async(struct sim_recorder *, struct sim_writer *w);

/*
 * Finish the run: commit what is buffered and set fingerprint (16 hex
 * digits), end time, exit status and status ('ok', 'violation',
 * 'deadlock', 'limit', 'error'), all in one transaction.  message may be
 * NULL.  Returns 0, or -1 if the recorder has failed (now or before):
 * then nothing of this call is in the file and the run is still open,
 * for sim_record_run_fail.
 * => a run is open; afterwards none is, unless -1 was returned
 */
int	sim_record_run_end(struct sim_recorder *, uint64_t fingerprint,
	    uint64_t end_ns, int exit_status, const char *status,
	    const char *message);

/*
 * ---- Schema version 9 (campaigns): a sweep's runs as one campaign. ----
 *
 * Add a campaign (`netsim run` of a scenario with a "sweep") before its
 * points run; returns its id, or -1 with the reason in err.  grid is the
 * sweep as run, a JSON object; command the campaign's command line.
 */
int64_t	sim_record_campaign_begin(struct sim_recorder *, const char *name,
	    const char *file, const char *text, const char *command,
	    const char *grid, uint64_t points, char *err, size_t len);
/*
 * The open run is point `point` of campaign id, at the values names[i] =
 * values[i] (JSON paths, values as --set writes them): its row gets
 * campaign_id, run_params a row a value.  Committed at once.
 * => a run is open; 0, or -1 (the recorder has failed: see its error)
 */
int	sim_record_run_campaign(struct sim_recorder *, int64_t id,
	    const char *const *names, const char *const *values, unsigned n);
/*
 * What became of a point: its seed, its run (or -1 when its process
 * made none), status ('ok', 'violation', ..., 'crash', 'timeout'), exit
 * status (-1: none), fingerprint (NULL: none), the command that runs it
 * alone, and a message (may be NULL).
 */
int	sim_record_campaign_point(struct sim_recorder *, int64_t id,
	    uint64_t point, uint64_t seed, int64_t run_id, const char *status,
	    int exit_status, const uint64_t *fingerprint, const char *command,
	    const char *message);
/* The campaign's end: its combined fingerprint and status ('ok', 'failed'). */
int	sim_record_campaign_end(struct sim_recorder *, int64_t id,
	    uint64_t fingerprint, const char *status);

/*
 * End a run whose rows could not all be written: drop what is buffered
 * (counted as lost) and try, once and without waiting, to set the row's
 * status to 'error' with the other final columns and message.  Returns 0
 * if the row now says 'error', -1 if it stays 'unfinished' (the file
 * cannot take even that).
 * => a run is open; afterwards none is
 */
int	sim_record_run_fail(struct sim_recorder *, uint64_t fingerprint,
	    uint64_t end_ns, int exit_status, const char *message);

/*
 * ---- Schema version 13: the real-time edge (sim/edge/). ----
 *
 * The open run's mode (runs.mode): "deterministic" (every run's, by
 * default), "realtime" (paced to the wall clock, meeting Linux: its
 * fingerprint claims nothing) or "replay-bridge" (a realtime run's
 * frames from Linux injected again, without Linux).  Committed at once.
 * => a run is open; 0, or -1 (the recorder has failed: see its error)
 */
int	sim_record_run_mode(struct sim_recorder *, const char *mode);

/* A real-time run's pacing and traffic (the realtime table). */
struct sim_record_realtime {
	uint64_t lag_max_ns, lag_p99_ns, lag_samples, behind;
	uint64_t frames_in, frames_out, drops_in, drops_out, not_kept;
	uint64_t writer_waits, writer_wait_ns;  /* version 16: the loop
						   waited for the writer */
};

/* A frame from Linux: its bridged link, virtual arrival time, bytes. */
struct sim_record_bframe {
	char *link;
	uint64_t t_ns;
	uint32_t len;
	void *data;
};

/*
 * The open run's realtime row and its frames from Linux (bridge_frames,
 * numbered from 0 in the order given), in one transaction.
 * => a run is open; 0, or -1 (the recorder has failed: see its error)
 */
int	sim_record_realtime(struct sim_recorder *,
	    const struct sim_record_realtime *,
	    const struct sim_record_bframe *frames, size_t n);
/*
 * Read run id's frames from Linux, in order, from the database at path
 * (read-only).  Returns 0 with *frames (free with
 * sim_record_bframes_free) and *n, or -1 with a sentence in err.
 */
int	sim_record_read_bframes(const char *path, int64_t id,
	    struct sim_record_bframe **frames, size_t *n, char *err,
	    size_t len);
void	sim_record_bframes_free(struct sim_record_bframe *, size_t n);

/* A run's row, as netsim replay reads it back. */
struct sim_record_run {
	int64_t id;
	char *scenario;                 /* the scenario's name */
	char *scenario_file;            /* the file as given then, or NULL */
	char mode[16];                  /* "deterministic", "realtime", ...
					   ("" before schema version 13) */
	char *scenario_text;            /* the file's text then, or NULL */
	uint64_t seed;
	bool has_fingerprint;           /* false while 'unfinished' */
	uint64_t fingerprint;
	char status[16];                /* 'ok', 'violation', ... */
};

/*
 * Read run id's row from the database at path, opened read-only (an
 * older schema version is read as it is).  Returns 0, or -1 with a
 * sentence in err: no such file, not a results database, no such run.
 * Free the row's strings with sim_record_run_free.
 */
int	sim_record_read_run(const char *path, int64_t id,
	    struct sim_record_run *out, char *err, size_t len);
void	sim_record_run_free(struct sim_record_run *);

/* What netsim merge did (sim_record_merge, merge.c). */
struct sim_merge_stats {
	uint64_t added;                 /* runs copied into OUT */
	uint64_t renumbered;            /* of them, under a new id */
	uint64_t duplicates;            /* runs OUT held already */
	uint64_t rows;                  /* rows copied with them */
};

/*
 * Copy every run of each database in[0..nin-1] into the database at out
 * (created if missing), each with all its rows: a run whose id out
 * already uses gets the next free id, and every table's run_id follows
 * it; a run out holds already -- every column but the id the same, and
 * as many rows in every table -- is not copied again.  Everything
 * happens in one transaction: on failure nothing of it is in out.
 * Inputs of an older schema version are brought up to date first (as
 * any netsim does when it opens one).
 * => returns 0, or -1 with a sentence in err
 */
int	sim_record_merge(const char *out, const char *const *in, int nin,
	    struct sim_merge_stats *st, char *err, size_t len);

/*
 * Print the runs of the results database at path (and its campaigns,
 * when it has a campaigns table) as a table on out: `netsim runs`.
 * => opens the file read-only and never writes it
 * => returns 0, or -1 with a sentence naming the file in err
 */
int	sim_record_list_runs(const char *path, FILE *out, char *err,
	    size_t len);

#endif /* SIM_RECORD_H */
