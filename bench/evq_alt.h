/*
 * evq_alt.h -- what every candidate event queue in bench/evq_alt_*.h
 * provides, so bench/sim_engine.c can run them side by side through one
 * copy of the engine's loop (`make bench BENCH=evqalt').
 *
 * The candidates live only here, on the bench side: sim/ carries exactly
 * one implementation, the one these measurements chose (sim/engine/evq.c).
 * Every candidate keeps sim/engine/evq.h's semantics -- least (time, seq) first,
 * equal times in push order, no decision by pointer value -- and the bench
 * checks that each one executes the very same event sequence (the same
 * fingerprint) as the engine itself.
 */
#ifndef BENCH_EVQ_ALT_H
#define BENCH_EVQ_ALT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/engine/evq.h"

struct evq_alt_ops {
	const char *name;       /* in figure names: evqalt_<name>_... */
	void	*(*create)(void);
	void	(*destroy)(void *q);
	void	(*push)(void *q, const struct sim_event *ev);
	bool	(*pop)(void *q, struct sim_event *out);
};

/* (time, seq) order, as one 128-bit comparison: no branch to mispredict. */
static inline int
evq_alt_less(const struct sim_event *x, const struct sim_event *y)
{
	unsigned __int128 a = (unsigned __int128)x->time << 64 | x->seq;
	unsigned __int128 b = (unsigned __int128)y->time << 64 | y->seq;

	return a < b;
}

static inline void *
evq_alt_xrealloc(void *p, size_t bytes)
{
	p = realloc(p, bytes);
	if (p == NULL) {
		fprintf(stderr, "evqalt: out of memory (%zu bytes)\n", bytes);
		abort();
	}
	return p;
}

static inline void *
evq_alt_xzalloc(size_t bytes)
{
	void *p = calloc(1, bytes);

	if (p == NULL) {
		fprintf(stderr, "evqalt: out of memory (%zu bytes)\n", bytes);
		abort();
	}
	return p;
}

#endif /* BENCH_EVQ_ALT_H */
