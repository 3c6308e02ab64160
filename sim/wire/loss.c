/*
 * loss.c -- the Bernoulli and Gilbert-Elliott loss models (see loss.h).
 *
 * One draw decides the frame, by the state it meets; a second moves the
 * chain.  Nothing here knows about links or time: a link's direction
 * asks once per frame, and a fault asks only for the frames in its
 * window.
 */
#include <assert.h>

#include "sim/wire/loss.h"

void
sim_loss_init_bernoulli(struct sim_loss *l, double loss, uint64_t seed,
    const char *stream)
{
	assert(loss >= 0 && loss <= 1);
	*l = (struct sim_loss){ .model = SIM_LOSS_BERNOULLI, .loss = loss };
	sim_rng_init(&l->rng, seed, stream);
}

void
sim_loss_init_gilbert(struct sim_loss *l, double to_bad, double to_good,
    double loss_good, double loss_bad, uint64_t seed, const char *stream)
{
	assert(to_bad >= 0 && to_bad <= 1 && to_good >= 0 && to_good <= 1);
	assert(loss_good >= 0 && loss_good <= 1);
	assert(loss_bad >= 0 && loss_bad <= 1);
	*l = (struct sim_loss){ .model = SIM_LOSS_GILBERT, .to_bad = to_bad,
	    .to_good = to_good, .loss_good = loss_good, .loss_bad = loss_bad };
	sim_rng_init(&l->rng, seed, stream);
}

bool
sim_loss_draw_gilbert(struct sim_loss *l)
{
	bool lost;

	assert(l->model == SIM_LOSS_GILBERT);
	lost = sim_rng_chance(&l->rng, l->bad ? l->loss_bad : l->loss_good);
	l->bad = l->bad ? !sim_rng_chance(&l->rng, l->to_good) :
	    sim_rng_chance(&l->rng, l->to_bad);
	return lost;
}

double
sim_loss_rate(const struct sim_loss *l)
{
	double sum;

	if (l->model == SIM_LOSS_BERNOULLI)
		return l->loss;
	sum = l->to_bad + l->to_good;
	if (sum == 0)                   /* never leaves the good state */
		return l->loss_good;
	return (l->to_good * l->loss_good + l->to_bad * l->loss_bad) / sum;
}
