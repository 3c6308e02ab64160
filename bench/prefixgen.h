/*
 * prefixgen.h -- a deterministic, BGP-like set of IPv4 prefixes for the
 * routing-table benchmarks.
 *
 * The prefix lengths follow the shape of a full Internet table: about 58%
 * /24, 10% /23, 12% /22, 5% /21, 5% /20, 3% /19, 2% /16, and the last 5%
 * spread over /8../18 and /25../32 (few short ones: there are only so
 * many /8s).  Addresses are uniform over unicast space, 1.0.0.0 through
 * 223.255.255.255, host bits cleared; no prefix appears twice.  The
 * default route is not included: add it yourself.
 *
 * Everything comes from splitmix64 and the seed: the same (n, seed) gives
 * the same prefixes in the same order, on every machine.
 */
#ifndef BENCH_PREFIXGEN_H
#define BENCH_PREFIXGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct prefixgen_prefix {
	uint32_t	pg_addr;	/* host byte order, host bits zero */
	uint8_t		pg_plen;
};

/* Weights per 100,000 prefixes, by length 0..32. */
static const uint32_t prefixgen_weight_[33] = {
	[8] = 20, [9] = 30, [10] = 60, [11] = 100, [12] = 200, [13] = 350,
	[14] = 600, [15] = 900, [16] = 2000, [17] = 1000, [18] = 1000,
	[19] = 3000, [20] = 5000, [21] = 5000, [22] = 12000, [23] = 10000,
	[24] = 58000, [25] = 100, [26] = 100, [27] = 80, [28] = 80,
	[29] = 80, [30] = 100, [31] = 50, [32] = 150,
};

static inline uint64_t
prefixgen_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint32_t
prefixgen_mask(unsigned plen)
{
	return plen == 0 ? 0 : ~(uint32_t)0 << (32 - plen);
}

static inline unsigned
prefixgen_plen(uint64_t *state)
{
	uint32_t r = (uint32_t)(prefixgen_next(state) % 100000);
	unsigned plen;

	for (plen = 0; plen < 32; plen++) {
		if (r < prefixgen_weight_[plen])
			return plen;
		r -= prefixgen_weight_[plen];
	}
	return 32;
}

/*
 * Fill out[0..n-1] with distinct prefixes.  Returns 0, or -1 if memory
 * for the duplicate check ran out.
 */
static inline int
prefixgen_bgp(struct prefixgen_prefix *out, size_t n, uint64_t seed)
{
	uint64_t state = seed, key, *set, h;
	size_t cap = 4, i = 0;
	uint32_t addr;
	unsigned plen;

	while (cap < 2 * n)
		cap *= 2;
	/* Open addressing on (addr << 8 | plen) + 1; 0 is empty. */
	if ((set = calloc(cap, sizeof(*set))) == NULL)
		return -1;
	while (i < n) {
		plen = prefixgen_plen(&state);
		/* 1.0.0.0 .. 223.255.255.255 */
		addr = (uint32_t)(0x01000000u +
		    prefixgen_next(&state) % (0xe0000000u - 0x01000000u));
		addr &= prefixgen_mask(plen);
		if (addr < 0x01000000u)
			continue;
		key = ((uint64_t)addr << 8 | plen) + 1;
		h = (key * 0x9e3779b97f4a7c15ULL) >> 20;
		for (;;) {
			h &= cap - 1;
			if (set[h] == 0 || set[h] == key)
				break;
			h++;
		}
		if (set[h] == key)
			continue;
		set[h] = key;
		out[i].pg_addr = addr;
		out[i].pg_plen = (uint8_t)plen;
		i++;
	}
	free(set);
	return 0;
}

#endif /* BENCH_PREFIXGEN_H */
