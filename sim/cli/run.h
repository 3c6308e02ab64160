/*
 * run.h -- one run of a scenario: machine, database, report, fingerprint.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario/scenario.h"

struct sim_machine;

#define NETSIM_VERSION "0.1.0"

struct sim_run_opts {
	const char *db_path;    /* NULL: no database */
	bool quiet;             /* only the fingerprint line on stdout */
	bool seed_set;          /* seed overrides the scenario's */
	uint64_t seed;
	bool progress;          /* a one-line progress indicator on stderr */
	const char *pcap_dir;   /* capture every link to DIR/<link>.pcap */
	/* For C test programs: attach devices to the machine before boot. */
	void (*setup)(struct sim_machine *, void *arg);
	void *setup_arg;
};

/* Run sc; returns the exit status (see enum sim_exit). */
int	sim_run(const struct scenario *sc, const struct sim_run_opts *opts);

#endif /* SIM_RUN_H */
