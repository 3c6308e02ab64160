/*
 * rng.h -- named, independent, seeded random streams.
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018); a stream's
 * 256-bit state is seeded by splitmix64 from the run's seed mixed with a
 * hash (FNV-1a) of the stream's name, so "cpu.tiebreak" and
 * "host.a.cprng" are independent: adding a draw to one never perturbs
 * another.  Every random choice in netsim comes from such a stream.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void	sim_rng_init(struct sim_rng *, uint64_t seed, const char *stream);
/* splitmix64 step: also a good 64-bit mixing function. */
uint64_t sim_splitmix64(uint64_t *state);

static inline uint64_t
sim_rng_rotl_(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sim_rng_rotl_(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rng_rotl_(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's method). */
uint64_t sim_rng_below(struct sim_rng *, uint64_t n);
/* Uniform in [0, 1). */
double	sim_rng_double(struct sim_rng *);
/* Exponentially distributed with the given mean, rounded to an integer. */
uint64_t sim_rng_exp(struct sim_rng *, double mean);

/* True with probability p; a p of 0 or 1 draws nothing. */
static inline bool
sim_rng_chance(struct sim_rng *r, double p)
{
	return p > 0 && (p >= 1 || sim_rng_double(r) < p);
}

#endif /* SIM_RNG_H */
