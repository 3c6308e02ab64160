/*
 * scenario.h -- a scenario file, loaded and checked.
 *
 * sim_scenario_load() reads a JSON scenario with Jansson, checks every key
 * against what the machine understands, converts units ("250us",
 * "10Gbit", "100kpps", "64KiB") and fills a struct scenario.  It either
 * succeeds completely or fails with one line that names the file, line,
 * column and JSON path and says what was expected: a run never starts from
 * a half-understood scenario.  The format is documented in the README and
 * in scenarios/schema.json; a test keeps the three in step.  The unit
 * parsers, shared with the command line, are in units.h.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cost.h"
#include "sim/units.h"
#include "stack/apps/apps.h"

#define SC_NAME_MAX     64      /* bytes with the NUL: names are 1..63 */
#define SC_HOSTS_MAX    256
#define SC_CPUS_MAX     64
#define SC_PROGRAMS_MAX 1024
#define SC_HZ_MIN       10
#define SC_HZ_MAX       100000
#define SC_QUANTUM_MIN_NS 1000ULL                       /* 1us */
#define SC_QUANTUM_MAX_NS 10000000000ULL                /* 10s */
#define SC_DURATION_MAX_NS (86400ULL * 1000000000ULL)   /* one day */
#define SC_COST_MAX_NS  1000000000ULL   /* 1s: any one cost-table entry */
#define SC_DESCRIPTION_MAX 4096         /* characters */
#define SC_FILE_MAX     (16u << 20)     /* bytes of scenario text */
#define SC_ERR_MAX      1024            /* an err buffer this big holds any message */

enum sc_policy {
	SC_POLICY_TIME,         /* time order, ties broken by the seed */
	SC_NPOLICIES
};

/* "time", ...: the names a scenario writes, indexed by enum sc_policy. */
extern const char *const sc_policy_names[SC_NPOLICIES];

#define SC_WINDOW_DEFAULT_NS    16
#define SC_WINDOW_MAX_NS        1024

struct sc_host {
	char name[SC_NAME_MAX];
	unsigned cpus;                  /* 1..SC_CPUS_MAX, default 1 */
	int tick_hz;                    /* clock ticks per second, default 1000
					   (not "hz": <sys/kern.h> makes that a macro) */
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
 * sim_scenario_free).  On failure returns -1, sets *out to NULL, and
 * writes one line (no newline) to err:
 *	FILE:LINE:COL: at JSON.PATH: expected ..., got ...
 *	FILE:LINE:COL: invalid JSON: <Jansson's message>
 *	FILE: cannot read: <strerror>
 * LINE and COL count from 1, COL in characters (UTF-8 code points); they
 * point at the offending value, at the key of an unknown key, and at the
 * enclosing object for a missing key.
 * => nothing is left allocated on failure
 * => err should hold SC_ERR_MAX bytes; a shorter buffer gets a cut message
 */
int	sim_scenario_load(const char *path, struct scenario **out,
	    char *err, size_t errlen);
void	sim_scenario_free(struct scenario *);

#endif /* SIM_SCENARIO_H */
