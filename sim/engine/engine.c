/*
 * engine.c -- the event loop over the event queue.
 *
 * Never reads the wall clock and never orders anything by pointer value.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/engine.h"

void
sim_engine_init(struct sim_engine *e)
{
	sim_evq_init(&e->q);
	e->now = 0;
	e->cur_seq = 0;
	e->executed = 0;
	e->on_event = NULL;
	e->on_event_arg = NULL;
	e->nowners = 0;
	e->owners = NULL;
	e->ctx = NULL;
	if (sim_engine_owners(e, 1) != 0)
		return;
	e->ctx = e->owners;
}

void
sim_engine_fini(struct sim_engine *e)
{
	sim_evq_fini(&e->q);
	free(e->owners);
	e->owners = NULL;
	e->nowners = 0;
}

int
sim_engine_owners(struct sim_engine *e, uint32_t n)
{
	struct sim_owner *o;

	assert(n <= (1U << (64 - SIM_OWNER_SHIFT)));
	assert(e->ctx == NULL || e->ctx == e->owners);
	if (n <= e->nowners)
		return 0;
	if ((o = realloc(e->owners, n * sizeof(*o))) == NULL)
		return -1;
	for (uint32_t i = e->nowners; i < n; i++) {
		/* "netsim", version 3: a chain an owner */
		o[i].fp = sim_fp_step(0x6e657473696d0003ULL, i);
		/* Seq 0 is no event's (timers keep it for "none"). */
		o[i].next_seq = ((uint64_t)i << SIM_OWNER_SHIFT) + 1;
	}
	e->owners = o;
	e->nowners = n;
	e->ctx = o;
	return 0;
}

uint64_t
sim_engine_fingerprint(const struct sim_engine *e)
{
	uint64_t h = 0x6e657473696d0003ULL;

	for (uint32_t i = 0; i < e->nowners; i++)
		h = sim_fp_step(h, e->owners[i].fp);
	return h;
}

/* Eight bytes at p as a little-endian word. */
static inline uint64_t
fp_word(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/*
 * A lane's step inside a block: a multiply by an odd constant is a
 * bijection, so a lane still tells apart any two words at a step; the
 * shift that carries high bits down is left to the fold of the four
 * lanes at the end, a full sim_fp_step each.
 */
static inline uint64_t
fp_lane(uint64_t l, uint64_t w)
{
	return (l ^ w) * 0x9e3779b97f4a7c15ULL;
}

/*
 * The hash runs in locals: the bytes may alias anything, so folding
 * straight into the owner's chain would load and store it for every word.
 * A chain of steps waits on each multiply, so whole 32-byte blocks go
 * through four chains at once, folded together in order at the end of
 * the blocks.  A tail shorter than a word is folded as the last eight
 * bytes, which overlap the word before (the count, folded first, tells
 * them apart).
 */
void
sim_fp_mix_bytes(struct sim_engine *e, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = sim_fp_step(e->ctx->fp, n), w = 0;
	size_t i = 0;

	if (n < 8) {
		for (; i < n; i++)
			w |= (uint64_t)b[i] << (8 * i);
		e->ctx->fp = sim_fp_step(h, w);
		return;
	}
	if (n >= 32) {
		uint64_t l0 = h, l1 = h + 1, l2 = h + 2, l3 = h + 3;

		for (; i + 32 <= n; i += 32) {
			l0 = fp_lane(l0, fp_word(b + i));
			l1 = fp_lane(l1, fp_word(b + i + 8));
			l2 = fp_lane(l2, fp_word(b + i + 16));
			l3 = fp_lane(l3, fp_word(b + i + 24));
		}
		h = sim_fp_step(sim_fp_step(sim_fp_step(sim_fp_step(h, l0), l1),
		    l2), l3);
	}
	for (; i + 8 <= n; i += 8)
		h = sim_fp_step(h, fp_word(b + i));
	if (i < n)
		h = sim_fp_step(h, fp_word(b + n - 8));
	e->ctx->fp = h;
}
