/*
 * arrival.c -- traffic sources' arrival processes (see arrival.h).
 *
 * Pure arithmetic on virtual nanoseconds (picoseconds for Poisson's
 * running sum), with one exception: a Poisson gap is a draw from the
 * program's own named stream, so a source's randomness never perturbs
 * another's.  Every due time is computed from the start and a count,
 * never by adding rounded gaps, so a long constant run does not drift.
 */
#include <sys/kern.h>

#include "arrival.h"

const char *const app_pattern_names[] = {
	[APP_PATTERN_CONSTANT] = "constant",
	[APP_PATTERN_POISSON] = "poisson",
	[APP_PATTERN_ONOFF] = "onoff",
	[APP_PATTERN_FLOOD] = "flood",
	NULL,
};

#define NS_PER_S        1000000000ULL
#define PS_PER_S        1000000000000ULL

void
app_arrival_init(struct app_arrival *a, enum app_pattern pattern,
    uint64_t start_ns, uint64_t rate_pps, uint64_t on_ns, uint64_t off_ns,
    const uint64_t *times_ns, uint64_t ntimes, const char *name)
{
	KASSERT(pattern <= APP_PATTERN_TRACE);
	KASSERT(rate_pps > 0 || pattern == APP_PATTERN_FLOOD ||
	    pattern == APP_PATTERN_TRACE);
	KASSERT(pattern != APP_PATTERN_ONOFF || on_ns > 0);
	KASSERT(pattern != APP_PATTERN_TRACE || times_ns != NULL ||
	    ntimes == 0);
	a->pattern = pattern;
	a->start_ns = start_ns;
	a->rate_pps = rate_pps;
	a->on_ns = on_ns;
	a->off_ns = off_ns;
	a->times_ns = times_ns;
	a->ntimes = ntimes;
	a->n = 0;
	a->phase_ns = start_ns;
	a->phase_n = 0;
	a->next_ps = 0;
	if (pattern == APP_PATTERN_POISSON)
		cprng_stream_init(&a->rng, name);
}

/* Packet k of a constant stream: k / rate after t0, rounded up. */
static uint64_t
arrival_even(uint64_t t0, uint64_t k, uint64_t rate_pps)
{
	return t0 + (uint64_t)howmany((unsigned __int128)k * NS_PER_S,
	    rate_pps);
}

static uint64_t
arrival_onoff(struct app_arrival *a)
{
	uint64_t due = arrival_even(a->phase_ns, a->phase_n, a->rate_pps);

	/* Past the burst: the next one starts after the silence. */
	if (due - a->phase_ns >= a->on_ns && a->phase_n > 0) {
		a->phase_ns += a->on_ns + a->off_ns;
		a->phase_n = 0;
		due = a->phase_ns;
	}
	a->phase_n++;
	return due;
}

static uint64_t
arrival_poisson(struct app_arrival *a)
{
	uint64_t mean_ps = (PS_PER_S + a->rate_pps / 2) / a->rate_pps;

	KASSERT(mean_ps > 0);
	a->next_ps += cprng_stream_exp(&a->rng, mean_ps);
	return a->start_ns + howmany(a->next_ps, 1000);
}

uint64_t
app_arrival_next(struct app_arrival *a)
{
	uint64_t k = a->n++;

	switch (a->pattern) {
	case APP_PATTERN_CONSTANT:
		return arrival_even(a->start_ns, k, a->rate_pps);
	case APP_PATTERN_POISSON:
		return arrival_poisson(a);
	case APP_PATTERN_ONOFF:
		return arrival_onoff(a);
	case APP_PATTERN_FLOOD:
		return 0;
	case APP_PATTERN_TRACE:
		KASSERTMSG(k < a->ntimes, "arrival: packet %llu of a trace of "
		    "%llu", (unsigned long long)k,
		    (unsigned long long)a->ntimes);
		KASSERT(k == 0 || a->times_ns[k] >= a->times_ns[k - 1]);
		return a->start_ns + a->times_ns[k];
	}
	panic("arrival: pattern %d", (int)a->pattern);
}
