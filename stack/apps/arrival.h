/*
 * arrival.h -- when a traffic source sends: its arrival process.
 *
 * A source (udp_send, rpc_client's open loop) asks app_arrival_next for
 * the virtual time its next packet is due, sleeps until then in
 * kpause_until -- to the nanosecond, never in clock ticks -- and sends.
 * The processes, all from a start time:
 *
 *   constant  packet n (from 0) at start + n / rate, rounded up to the ns
 *   poisson   gaps drawn from an exponential of mean 1 / rate, from the
 *             program's own named stream (cprng_stream_exp), the first
 *             one gap after start; kept in picoseconds, so a rate that
 *             does not divide a second does not drift
 *   onoff     on for `on` at a constant rate, then silent for `off`, and
 *             again, starting with on
 *   flood     every packet due at once: as fast as the CPU goes, the
 *             stack refusing what it cannot take
 *   trace     packet n at start + times[n], times read from a file by the
 *             scenario loader (non-decreasing)
 *
 * The parameters are the same for every source that has them, so their
 * documentation is written once, here (APP_ARRIVAL_*_DOC).
 */
#ifndef _STACK_APPS_ARRIVAL_H_
#define _STACK_APPS_ARRIVAL_H_

#include <sys/kern.h>

enum app_pattern {
	APP_PATTERN_CONSTANT,
	APP_PATTERN_POISSON,
	APP_PATTERN_ONOFF,
	APP_PATTERN_FLOOD,
	APP_PATTERN_TRACE,              /* implied by a trace file */
};

/* The choices of a "pattern" parameter, in enum order (not trace). */
extern const char *const app_pattern_names[];

#define APP_ARRIVAL_PATTERN_DOC \
	"constant: evenly spaced at rate; poisson: exponential gaps of mean " \
	"1/rate (a seeded stream of the program's own); onoff: at rate for " \
	"`on`, then silent for `off`, repeating; flood: back to back, as " \
	"fast as the CPU and the stack take them"
#define APP_ARRIVAL_ON_DOC \
	"pattern onoff: how long each burst lasts"
#define APP_ARRIVAL_OFF_DOC \
	"pattern onoff: the silence between two bursts"
#define APP_ARRIVAL_TRACE_DOC \
	"a file of send times, one a line, each a duration after the start " \
	"(\"0\", \"12.5us\"), non-decreasing; # starts a comment; relative " \
	"to the scenario's folder; sends one packet at each, instead of " \
	"rate, count and pattern"

/* Legend: c = constant after init; the rest is the caller's LWP's. */
struct app_arrival {
	enum app_pattern pattern;       /* c */
	uint64_t start_ns;              /* c */
	uint64_t rate_pps;              /* c: constant, poisson, onoff */
	uint64_t on_ns, off_ns;         /* c: onoff */
	const uint64_t *times_ns;       /* c: trace */
	uint64_t ntimes;                /* c: trace */
	uint64_t n;                     /* packets asked for so far */
	uint64_t phase_ns;              /* onoff: the current burst's start */
	uint64_t phase_n;               /* onoff: packets in it so far */
	uint64_t next_ps;               /* poisson: the next, after start */
	cprng_stream_t rng;             /* poisson */
};

/*
 * Set up the process from start_ns.  name names the program's random
 * stream (poisson), e.g. its counter group.
 * => rate_pps > 0 unless the pattern is flood or trace; on_ns > 0 for
 *    onoff; times_ns holds ntimes non-decreasing times for trace
 */
void	app_arrival_init(struct app_arrival *, enum app_pattern,
	    uint64_t start_ns, uint64_t rate_pps, uint64_t on_ns,
	    uint64_t off_ns, const uint64_t *times_ns, uint64_t ntimes,
	    const char *name);

/*
 * The virtual time the next packet is due; counts it asked for.
 * => a scheduling point only for poisson (a draw from its stream)
 * => for trace, at most ntimes calls
 */
uint64_t app_arrival_next(struct app_arrival *);

#endif /* _STACK_APPS_ARRIVAL_H_ */
