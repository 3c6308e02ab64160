/*
 * scenario.h -- a scenario file, loaded and checked.
 *
 * sim_scenario_load() reads a JSON scenario with Jansson, checks every key
 * against what the machine understands, converts units ("250us",
 * "10Gbit", "100kpps", "64KiB") and fills a struct scenario.  It either
 * succeeds completely or fails with one line that names the file, line,
 * column and JSON path and says what was expected: a run never starts from
 * a half-understood scenario.  The format is documented in the README and
 * in scenarios/schema.json; a test keeps the three in step.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cost.h"
#include "stack/apps/apps.h"

#define SC_NAME_MAX     64
#define SC_HOSTS_MAX    256
#define SC_CPUS_MAX     64
#define SC_PROGRAMS_MAX 1024

enum sc_policy {
	SC_POLICY_TIME,         /* time order, ties broken by the seed */
};

struct sc_host {
	char name[SC_NAME_MAX];
	unsigned cpus;                  /* 1..SC_CPUS_MAX, default 1 */
	int hz;                         /* clock ticks per second, default 1000 */
	uint64_t quantum_ns;            /* time slice, default 10ms */
	struct sim_cost cost;           /* defaults with the file's overrides */
};

struct sc_program {
	const struct app_desc *app;
	unsigned host;                  /* index into hosts[] */
	struct app_args args;
};

struct scenario {
	char *file;                     /* as given on the command line */
	char *text;                     /* the file's whole text, for the runs table */
	char name[SC_NAME_MAX];
	char *description;              /* may be NULL */
	uint64_t seed;                  /* default 1 */
	uint64_t duration_ns;           /* virtual time cap, default 1s */

	unsigned nhosts;
	struct sc_host *hosts;

	unsigned nprograms;
	struct sc_program *programs;

	struct {
		uint64_t interval_ns;   /* counter sampling period; 0 = only at the end */
		bool counters;          /* write the counters time series (default true) */
	} record;

	struct {
		uint64_t max_events;    /* 0 = no cap */
		uint64_t max_points;    /* 0 = no cap */
	} limits;

	struct {
		enum sc_policy policy;
		/*
		 * CPUs whose clocks fall in the same window of this many ns
		 * are tied and ordered by the seed: timing on real hardware
		 * does not order events closer than a few ns.  A power of
		 * two; 1 (or 0) means only equal clocks tie.  Default 16.
		 */
		uint64_t window_ns;
		/*
		 * Timing drift: every charge is stretched by a random 0 ..
		 * jitter of itself (a fraction 0..1, in 1/65536ths).
		 * Default 0: costs exactly as the cost table says.
		 */
		uint64_t jitter_q16;
	} interleaving;
};

/*
 * Load and check a scenario file.  On success returns 0 and *out (free with
 * sim_scenario_free).  On failure returns -1 and writes one line to err:
 * "FILE:LINE:COL: at JSON.PATH: expected ..., got ...".
 */
int	sim_scenario_load(const char *path, struct scenario **out,
	    char *err, size_t errlen);
void	sim_scenario_free(struct scenario *);

/*
 * Unit parsers, shared with the command line.  Each accepts a JSON-style
 * string with a unit ("250us") and returns 0, or -1 with a reason in err.
 * Durations: ns us ms s (ps allowed where noted); rates: bit kbit Mbit
 * Gbit (per second), pps kpps Mpps; sizes: B KB MB GB (1000s) KiB MiB GiB.
 */
int	sim_parse_duration_ps(const char *s, uint64_t *ps, char *err, size_t len);
int	sim_parse_duration_ns(const char *s, uint64_t *ns, char *err, size_t len);
int	sim_parse_rate_bps(const char *s, uint64_t *bps, char *err, size_t len);
int	sim_parse_rate_pps(const char *s, uint64_t *pps, char *err, size_t len);
int	sim_parse_size(const char *s, uint64_t *bytes, char *err, size_t len);

#endif /* SIM_SCENARIO_H */
