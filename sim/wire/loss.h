/*
 * loss.h -- how a direction of a link loses frames: the Bernoulli model
 * (each frame lost independently with probability loss) and the
 * Gilbert-Elliott model (a channel with a good and a bad state).
 *
 * Gilbert-Elliott, exactly: the channel is in state good or bad; a frame
 * is lost with probability loss_good or loss_bad by the state it meets;
 * after each frame, good turns bad with probability to_bad and bad turns
 * good with probability to_good.  The chain starts good.  In the long
 * run it is bad a fraction to_bad / (to_bad + to_good) of the frames,
 * so it loses
 *
 *	loss = (to_good * loss_good + to_bad * loss_bad) / (to_bad + to_good)
 *
 * of them, and with loss_good = 0, loss_bad = 1 (Gilbert's own model)
 * frames are lost in runs of 1 / to_good frames on average, geometric.
 * Bernoulli is the case of one state.
 *
 * Every draw comes from the model's own stream, and a probability of 0
 * or 1 draws nothing, so a link whose loss is 0 draws as it always did.
 */
#ifndef SIM_LOSS_H
#define SIM_LOSS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/rng.h"

enum sim_loss_model {
	SIM_LOSS_BERNOULLI,
	SIM_LOSS_GILBERT,
};

struct sim_loss {
	enum sim_loss_model model;
	double loss;                    /* bernoulli: per frame */
	double to_bad, to_good;         /* gilbert: per-frame transitions */
	double loss_good, loss_bad;     /* gilbert: loss in each state */
	bool bad;                       /* gilbert: the state the next frame meets */
	struct sim_rng rng;
};

/* A Bernoulli model of probability loss, on stream name of seed. */
void	sim_loss_init_bernoulli(struct sim_loss *, double loss, uint64_t seed,
	    const char *stream);
/* A Gilbert-Elliott model, starting good.  => probabilities in 0..1 */
void	sim_loss_init_gilbert(struct sim_loss *, double to_bad, double to_good,
	    double loss_good, double loss_bad, uint64_t seed,
	    const char *stream);
/* sim_loss_draw's Gilbert-Elliott chain (out of line). */
bool	sim_loss_draw_gilbert(struct sim_loss *);

/*
 * Is the next frame lost?  (Advances the chain.)  Inline: every frame a
 * link takes asks, nearly always of a Bernoulli model of 0 (no draw).
 */
static inline bool
sim_loss_draw(struct sim_loss *l)
{
	if (l->model == SIM_LOSS_BERNOULLI)
		return sim_rng_chance(&l->rng, l->loss);
	return sim_loss_draw_gilbert(l);
}
/* The long-run fraction of frames lost (see above). */
double	sim_loss_rate(const struct sim_loss *);

#endif /* SIM_LOSS_H */
