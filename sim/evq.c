/*
 * evq.c -- the event queue: a radix heap on the events' times.
 *
 * The one idea (the radix heap of Ahuja, Mehlhorn, Orlin and Tarjan,
 * 1990): virtual time never runs backwards, so every pending time t is
 * >= `last', the time of the last event popped, and t can be filed by the
 * highest bit in which it differs from `last'.  Bucket 0 holds the events
 * at exactly `last'; bucket k (1..64) those whose highest differing bit is
 * bit k - 1.  A push appends to its bucket.  A pop takes the front of
 * bucket 0; when bucket 0 is empty, the lowest non-empty bucket k holds
 * the least time, which becomes the new `last', and k's events are
 * redistributed relative to it -- each lands in a bucket below k, because
 * it agrees with the new `last' on every bit from k - 1 up.  Buckets above
 * k stay valid: the new `last' agrees with the old one on bits k and up.
 * An event moves down a few times in its life, each move a sequential
 * scan or append: no comparisons against other events, and little cache
 * traffic even with a million events pending.  bench/README.md has the
 * measurements against comparison heaps.
 *
 * Equal times leave in push order (FIFO) without comparing seqs, because
 * every bucket keeps its events in seq order:
 *  - a push appends the largest seq so far to the end of its bucket;
 *  - a redistribution empties bucket k, scanning it front to back, into
 *    buckets below k, and those are all empty at that moment (k is the
 *    lowest non-empty bucket and bucket 0 was drained first), so each of
 *    them receives an in-order subsequence of k's run, and later pushes
 *    append larger seqs behind it;
 *  - bucket 0 holds only events at time `last' and is popped from its
 *    front.
 * tests/c/test_evq.c checks this against a reference sorted by (time, seq).
 *
 * Each bucket also keeps the least time it holds, so peeking never
 * reorganises anything (a peek must not move `last': the caller may still
 * push an event earlier than the one peeked at) and a redistribution is a
 * single pass.
 *
 * Must never look at a pointer's value, and must never move `last' past
 * the time of an event actually popped.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/evq.h"

#define EVQ_NBUCKETS    65      /* bucket 0, and one per bit of a time */
#define EVQ_MIN_CAP     16      /* events in a bucket's first allocation */

struct evq_bucket {
	struct sim_event *ev;   /* ev[head..len) are pending, in seq order */
	uint32_t head;          /* first pending (moves only in bucket 0) */
	uint32_t len;
	uint32_t cap;
	uint64_t min_time;      /* least pending time; UINT64_MAX if empty */
};

struct sim_evq_impl {
	uint64_t last;          /* time of the last event popped (0 at start) */
	uint64_t last_seq;      /* seq of the last event pushed (0 at start) */
	uint64_t nonempty;      /* bit k - 1 set iff bucket k (1..64) has events */
	struct evq_bucket b[EVQ_NBUCKETS];
};

/* The bucket of time t relative to last: bits in (t ^ last). */
static inline unsigned
evq_bucket_of(uint64_t t, uint64_t last)
{
	uint64_t x = t ^ last;

	return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

static void
evq_grow(struct evq_bucket *b)
{
	size_t cap = b->cap ? (size_t)b->cap * 2 : EVQ_MIN_CAP;
	struct sim_event *ev;

	if (cap > SIM_EVQ_MAX_EVENTS) {
		fprintf(stderr, "sim_evq: more than %lu events pending\n",
		    (unsigned long)SIM_EVQ_MAX_EVENTS);
		abort();
	}
	ev = realloc(b->ev, cap * sizeof(*ev));
	if (ev == NULL) {
		fprintf(stderr, "sim_evq: out of memory growing a bucket to "
		    "%zu events\n", cap);
		abort();
	}
	b->ev = ev;
	b->cap = (uint32_t)cap;
}

/* Append ev to bucket k, keeping its least time. */
static inline void
evq_append(struct sim_evq_impl *h, unsigned k, const struct sim_event *ev)
{
	struct evq_bucket *b = &h->b[k];

	if (__builtin_expect(b->len == b->cap, 0))
		evq_grow(b);
	b->ev[b->len++] = *ev;
	if (ev->time < b->min_time)
		b->min_time = ev->time;
	if (k != 0)
		h->nonempty |= 1ULL << (k - 1);
}

static void
evq_bucket_clear(struct sim_evq_impl *h, unsigned k)
{
	struct evq_bucket *b = &h->b[k];

	b->head = 0;
	b->len = 0;
	b->min_time = UINT64_MAX;
	if (k != 0)
		h->nonempty &= ~(1ULL << (k - 1));
}

/*
 * Bucket 0 is empty: make the least pending time the new `last' and
 * redistribute the lowest non-empty bucket, whose events all go below it.
 * => at least one event is pending
 */
static void
evq_refill(struct sim_evq_impl *h)
{
	unsigned k, j;
	struct evq_bucket *b;
	uint64_t last;

	assert(h->b[0].head == h->b[0].len && h->nonempty != 0);
	k = (unsigned)__builtin_ctzll(h->nonempty) + 1;
	b = &h->b[k];
	last = b->min_time;
	assert(last > h->last && evq_bucket_of(last, h->last) == k);
	h->last = last;
	for (uint32_t i = 0; i < b->len; i++) {
		j = evq_bucket_of(b->ev[i].time, last);
		assert(j < k);
		evq_append(h, j, &b->ev[i]);
	}
	evq_bucket_clear(h, k);
	assert(h->b[0].len > 0);
}

void
sim_evq_init(struct sim_evq *q)
{
	q->impl = calloc(1, sizeof(*q->impl));
	if (q->impl == NULL) {
		fprintf(stderr, "sim_evq: out of memory\n");
		abort();
	}
	for (unsigned k = 0; k < EVQ_NBUCKETS; k++)
		q->impl->b[k].min_time = UINT64_MAX;
	q->size = 0;
}

void
sim_evq_fini(struct sim_evq *q)
{
	if (q->impl != NULL) {
		for (unsigned k = 0; k < EVQ_NBUCKETS; k++)
			free(q->impl->b[k].ev);
	}
	free(q->impl);
	q->impl = NULL;
	q->size = 0;
}

void
sim_evq_push(struct sim_evq *q, const struct sim_event *ev)
{
	struct sim_evq_impl *h = q->impl;

	assert(ev->time >= h->last);
	assert(ev->seq > h->last_seq);
	assert(q->size < SIM_EVQ_MAX_EVENTS);
	h->last_seq = ev->seq;
	evq_append(h, evq_bucket_of(ev->time, h->last), ev);
	q->size++;
}

bool
sim_evq_pop(struct sim_evq *q, struct sim_event *out)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_bucket *b0 = &h->b[0];

	if (q->size == 0)
		return false;
	if (b0->head == b0->len)
		evq_refill(h);
	assert(b0->ev[b0->head].time == h->last);
	*out = b0->ev[b0->head++];
	if (b0->head == b0->len)
		evq_bucket_clear(h, 0);
	q->size--;
	return true;
}

bool
sim_evq_peek_time(struct sim_evq *q, uint64_t *time)
{
	struct sim_evq_impl *h = q->impl;

	if (q->size == 0)
		return false;
	if (h->b[0].head < h->b[0].len)
		*time = h->last;
	else
		*time = h->b[__builtin_ctzll(h->nonempty) + 1].min_time;
	return true;
}
