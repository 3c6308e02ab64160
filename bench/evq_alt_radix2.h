/*
 * evq_alt_radix2.h -- candidate event queue: the classic (one bit per
 * bucket) radix heap of Ahuja, Mehlhorn, Orlin and Tarjan (1990) on the
 * events' times.
 *
 * `last' is the time of the last event popped; an event at time t lives
 * in bucket 0 if t == last, else in bucket k = 1 + the index of the
 * highest bit in which t differs from last.  Push appends to a growing
 * array per bucket.  Pop takes the front of bucket 0; when it is empty,
 * the lowest non-empty bucket k is emptied into the buckets below it,
 * relative to its least time (kept per bucket), which becomes `last'.
 * FIFO among equal times holds for the reason sim/engine/evq.c gives: every
 * bucket stays in seq order because a redistribution only fills buckets
 * that are empty at that moment, and later pushes carry larger seqs.
 *
 * It lost to sim/engine/evq.c's 256-way version: with one bit per bucket an
 * event moves down several times before it is popped; see bench/README.md.
 */
#ifndef BENCH_EVQ_ALT_RADIX2_H
#define BENCH_EVQ_ALT_RADIX2_H

#include "bench/evq_alt.h"

#define RADIX2_NBUCKETS 65

struct radix2_bucket {
	struct sim_event *ev;   /* ev[head..len) are pending, in seq order */
	uint32_t head;          /* first pending (moves only in bucket 0) */
	uint32_t len;
	uint32_t cap;
	uint64_t min_time;      /* least pending time; UINT64_MAX if empty */
};

struct radix2 {
	uint64_t last;
	uint64_t nonempty;      /* bit k - 1 set iff bucket k (1..64) has events */
	struct radix2_bucket b[RADIX2_NBUCKETS];
};

static inline unsigned
radix2_bucket_of(uint64_t t, uint64_t last)
{
	uint64_t x = t ^ last;

	return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

static void *
radix2_create(void)
{
	struct radix2 *h = evq_alt_xzalloc(sizeof(*h));

	for (unsigned k = 0; k < RADIX2_NBUCKETS; k++)
		h->b[k].min_time = UINT64_MAX;
	return h;
}

static void
radix2_destroy(void *q)
{
	struct radix2 *h = q;

	for (unsigned k = 0; k < RADIX2_NBUCKETS; k++)
		free(h->b[k].ev);
	free(h);
}

static inline void
radix2_append(struct radix2 *h, unsigned k, const struct sim_event *ev)
{
	struct radix2_bucket *b = &h->b[k];

	if (__builtin_expect(b->len == b->cap, 0)) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->ev = evq_alt_xrealloc(b->ev, (size_t)b->cap * sizeof(*b->ev));
	}
	b->ev[b->len++] = *ev;
	if (ev->time < b->min_time)
		b->min_time = ev->time;
	if (k != 0)
		h->nonempty |= 1ULL << (k - 1);
}

static void
radix2_clear(struct radix2 *h, unsigned k)
{
	h->b[k].head = 0;
	h->b[k].len = 0;
	h->b[k].min_time = UINT64_MAX;
	if (k != 0)
		h->nonempty &= ~(1ULL << (k - 1));
}

static void
radix2_push(void *q, const struct sim_event *ev)
{
	struct radix2 *h = q;

	radix2_append(h, radix2_bucket_of(ev->time, h->last), ev);
}

static bool
radix2_pop(void *q, struct sim_event *out)
{
	struct radix2 *h = q;
	struct radix2_bucket *b0 = &h->b[0], *b;
	unsigned k;

	if (b0->head == b0->len) {
		if (h->nonempty == 0)
			return false;
		k = (unsigned)__builtin_ctzll(h->nonempty) + 1;
		b = &h->b[k];
		h->last = b->min_time;
		for (uint32_t i = 0; i < b->len; i++)
			radix2_append(h, radix2_bucket_of(b->ev[i].time,
			    h->last), &b->ev[i]);
		radix2_clear(h, k);
	}
	*out = b0->ev[b0->head++];
	if (b0->head == b0->len)
		radix2_clear(h, 0);
	return true;
}

static const struct evq_alt_ops evq_alt_radix2 = {
	"radix2", radix2_create, radix2_destroy, radix2_push, radix2_pop,
};

#endif /* BENCH_EVQ_ALT_RADIX2_H */
