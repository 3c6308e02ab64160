/*
 * run.h -- one run of a scenario: machine, database, report, fingerprint.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario/scenario.h"

struct sim_machine;
struct sim_record_bframe;

#define NETSIM_VERSION "0.1.0"

/* The default cap on what one run writes to the database (--db-max). */
#define SIM_RUN_DB_MAX_DEFAULT  (1ULL << 30)

/* The progress display on stderr (wall clock only; never in results). */
enum sim_progress {
	SIM_PROGRESS_OFF = 0,   /* never */
	SIM_PROGRESS_AUTO,      /* after SIM_RUN_PROGRESS_AFTER_S of a run */
	SIM_PROGRESS_ON,        /* from the start */
};
#define SIM_RUN_PROGRESS_AFTER_S 2      /* a run is "long" past this */
#define SIM_RUN_PROGRESS_TTY_S  1       /* a line this often to a terminal */
#define SIM_RUN_PROGRESS_LOG_S  10      /* and this often to a file or pipe */

/* How a run ended, for a caller that runs many (netsim explore). */
struct sim_run_result {
	int status;             /* the exit status (enum sim_exit) */
	bool finished;          /* the machine ran: the fields below are set */
	uint64_t fingerprint;
	uint64_t end_ns;        /* virtual */
	uint64_t points, events;
	int64_t run_id;         /* its row in the database, or -1 */
	char reason[512];       /* why it stopped, one line; "" when ok */
};

struct sim_run_opts {
	const char *db_path;    /* NULL: no database */
	bool quiet;             /* only the fingerprint line on stdout */
	bool seed_set;          /* seed overrides the scenario's */
	uint64_t seed;
	enum sim_progress progress;
	uint64_t db_max_bytes;  /* cap on the run's rows (bytes); 0: none */
	uint64_t db_wait_ms;    /* bound on a busy wait; 0: the default */
	const char *pcap_dir;   /* capture every link to DIR/<link>.pcap */
	bool all_races;         /* the exploration build: report every race
				   once and run on (exit 3 if any) */
	/* For C test programs: attach devices to the machine before boot. */
	void (*setup)(struct sim_machine *, void *arg);
	void *setup_arg;
	struct sim_run_result *result;  /* filled as the run ends, or NULL */
	/* A point of a campaign: its row gets campaign_id and run_params. */
	int64_t campaign_id;            /* 0: a run of its own */
	const struct sc_set *params;    /* the point's values */
	unsigned nparams;
	/*
	 * The real-time edge.  With realtime (netsim run of a scenario with
	 * "realtime"), the run is paced to the wall clock and meets Linux
	 * through its bridges (sim/edge/).  Otherwise such a scenario's
	 * bridges get the frames replay_frames says (in order), at their
	 * virtual times -- none unless this is a replay of a real-time run
	 * (replay_bridge) -- and the run is deterministic.
	 */
	bool realtime;
	bool replay_bridge;
	int64_t replay_run;             /* the run replayed */
	const struct sim_record_bframe *replay_frames;
	size_t nreplay_frames;
};

/* Run sc; returns the exit status (see enum sim_exit). */
int	sim_run(const struct scenario *sc, const struct sim_run_opts *opts);

#endif /* SIM_RUN_H */
