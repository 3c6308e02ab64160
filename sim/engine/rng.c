/*
 * rng.c -- seeding and derived distributions for the named streams.
 *
 * Never seeds from anything but the run's seed and the stream's name.
 */
#include <assert.h>
#include <math.h>
#include <stddef.h>

#include "sim/engine/rng.h"

uint64_t
sim_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
sim_rng_init(struct sim_rng *r, uint64_t seed, const char *stream)
{
	uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a offset basis */
	uint64_t st;

	assert(stream != NULL && stream[0] != '\0');   /* names a stream */
	for (const unsigned char *p = (const unsigned char *)stream; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	st = seed ^ sim_splitmix64(&h);
	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&st);
	/* xoshiro's only bad state is all zeroes; splitmix64 cannot give it. */
	assert((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

uint64_t
sim_rng_below(struct sim_rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)sim_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;

	assert(n > 0);                  /* else every "draw" is 0, silently */
	if (lo < n) {
		uint64_t threshold = -n % n;
		while (lo < threshold) {
			m = (unsigned __int128)sim_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
sim_rng_double(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t
sim_rng_exp(struct sim_rng *r, double mean)
{
	/*
	 * 1 - u is in (0, 1], so the log is finite.  A negative or NaN mean
	 * would wrap to a delay of centuries.
	 */
	assert(mean >= 0);
	return (uint64_t)llround(-mean * log(1.0 - sim_rng_double(r)));
}
