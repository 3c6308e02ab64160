/*
 * evq.c -- the event queue: a radix heap on the events' times, 256 ways
 * per level.
 *
 * The one idea (the radix heap of Ahuja, Mehlhorn, Orlin and Tarjan,
 * 1990, with bytes for digits): virtual time never runs backwards, so
 * every pending time t is >= `last', the time of the last event popped,
 * and t can be filed by how it differs from `last'.  An event lives at
 * level L = the index of the highest byte in which t differs from `last'
 * (0 if t == last), in slot v = byte L of t.  A slot is a FIFO of events.
 *
 *  - Level 0 slots hold single times: t agrees with `last' on bytes 1..7
 *    and byte 0 is the slot.  They are popped from, in slot order.
 *  - When level 0 is empty, the lowest slot of the lowest non-empty level
 *    L holds the least times; its least time (kept per slot) becomes
 *    `last', and the slot's events are redistributed relative to it: each
 *    lands on a level below L, because it agrees with the new `last' on
 *    bytes L and up.  Every other pending event keeps its place: the new
 *    `last' agrees with the old one on bytes L + 1 and up and is below
 *    every other slot of level L.
 *
 * An event moves at most once per byte of its delay (in the hold model,
 * about once), each move a sequential read and append: no comparisons
 * between events, and little cache traffic even with a million events
 * pending.  bench/README.md has the measurements against binary and 4-ary
 * heaps, a pairing heap and the one-bit radix heap.
 *
 * Equal times leave in push order (FIFO) without comparing seqs, because
 * every slot keeps its events in seq order:
 *  - a push appends the largest seq so far to the end of its slot;
 *  - a redistribution empties one slot of level L, front to back, into
 *    levels below L, which are all empty at that moment (L is the lowest
 *    non-empty level), so each receiving slot gets an in-order
 *    subsequence, and later pushes append larger seqs behind it;
 *  - a level 0 slot holds one time and is popped from its front.
 * tests/c/test_evq.c checks this against a reference sorted by (time, seq).
 *
 * Slots are chains of fixed-size chunks taken from a free list that the
 * queue refills a slab at a time and never shrinks, so memory is about
 * the most events ever pending plus one partial chunk per non-empty slot,
 * and a chunk emptied by a redistribution is the next one filled.
 *
 * Must never look at a pointer's value for ordering, and must never move
 * `last' past the time of an event actually popped: a peek changes
 * nothing, since the caller may still push a time before the one peeked.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/engine/evq.h"

#define EVQ_LEVELS              8       /* bytes in a time */
#define EVQ_SLOTS               256     /* values of a byte */
#define EVQ_MASK_WORDS          (EVQ_SLOTS / 64)
#define EVQ_CHUNK_EVENTS        63      /* a chunk is 2 KiB */
#define EVQ_SLAB_CHUNKS         64      /* chunks allocated at once */
#define EVQ_RESERVE_CHUNKS      4       /* kept for running out of memory */

struct evq_chunk {
	struct sim_event ev[EVQ_CHUNK_EVENTS];
	struct evq_chunk *next; /* next in the slot, or in the free list */
	uint64_t pad_[3];
};

_Static_assert(sizeof(struct evq_chunk) == 2048, "a chunk is 2 KiB");
_Static_assert(EVQ_MASK_WORDS <= 8, "a level's words fit word_mask");

struct evq_slab {
	struct evq_chunk chunk[EVQ_SLAB_CHUNKS];
	struct evq_slab *next;
};

/* A FIFO of events: head->ev[head_i] .. tail->ev[tail_n - 1]. */
struct evq_slot {
	struct evq_chunk *head; /* NULL iff the slot is empty */
	struct evq_chunk *tail;
	uint32_t head_i;        /* next event to pop in head */
	uint32_t tail_n;        /* events written in tail */
	uint64_t min_time;      /* least time pending here */
};

struct sim_evq_impl {
	uint64_t last;          /* time of the last event popped (0 at start) */
	uint64_t last_pop_seq;  /* its seq */
	uint64_t last_seq;      /* seq of the last event pushed (0 at start) */
	uint32_t level_mask;    /* bit L set iff level L has events */
	uint8_t word_mask[EVQ_LEVELS];  /* bit w set iff slot_mask[L][w] != 0 */
	uint64_t slot_mask[EVQ_LEVELS][EVQ_MASK_WORDS]; /* slots with events */
	struct evq_slot slot[EVQ_LEVELS][EVQ_SLOTS];
	struct evq_chunk *free; /* chunks not in any slot */
	struct evq_slab *slabs; /* every allocation, for sim_evq_fini */
	size_t chunks;          /* chunks allocated */
	bool reserve_used;      /* reserve went to the free list */
	struct evq_chunk reserve[EVQ_RESERVE_CHUNKS];
};

/* The level of time t: its highest byte that differs from last. */
static inline unsigned
evq_level_of(uint64_t t, uint64_t last)
{
	/* | 1: t == last is level 0, and clz(0) is undefined. */
	return (63 ^ (unsigned)__builtin_clzll((t ^ last) | 1)) >> 3;
}

static inline unsigned
evq_slot_of(uint64_t t, unsigned level)
{
	return (unsigned)(t >> (8 * level)) & (EVQ_SLOTS - 1);
}

/* Room for EVQ_SLAB_CHUNKS more chunks.  => -1 when out of memory */
static int
evq_slab_alloc(struct sim_evq_impl *h)
{
	struct evq_slab *s;

	if (posix_memalign((void **)&s, 64, sizeof(*s)) != 0)
		return -1;
	s->next = h->slabs;
	h->slabs = s;
	for (unsigned i = 0; i < EVQ_SLAB_CHUNKS; i++) {
		s->chunk[i].next = h->free;
		h->free = &s->chunk[i];
	}
	h->chunks += EVQ_SLAB_CHUNKS;
	return 0;
}

/*
 * Out of chunks: a new slab, or else the reserve, once, telling the
 * owner (who stops the run: the process ran out, not the machine).
 * Out of line: the per-event path only tests for it.
 */
static void __attribute__((__noinline__, __cold__))
evq_slab_add(struct sim_evq *q)
{
	struct sim_evq_impl *h = q->impl;

	if (evq_slab_alloc(h) == 0)
		return;
	if (!h->reserve_used && q->oom != NULL) {
		h->reserve_used = true;
		for (unsigned i = 0; i < EVQ_RESERVE_CHUNKS; i++) {
			h->reserve[i].next = h->free;
			h->free = &h->reserve[i];
		}
		q->oom(q->oom_arg, q->size);
		assert(h->free != NULL);
		return;
	}
	fprintf(stderr, "sim_evq: out of memory adding %zu events' "
	    "room to %zu\n", (size_t)EVQ_SLAB_CHUNKS * EVQ_CHUNK_EVENTS,
	    h->chunks * EVQ_CHUNK_EVENTS);
	abort();
}

static inline struct evq_chunk *
evq_chunk_get(struct sim_evq *q)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_chunk *c;

	if (__builtin_expect(h->free == NULL, 0))
		evq_slab_add(q);
	c = h->free;
	h->free = c->next;
	c->next = NULL;
	return c;
}

static inline void
evq_chunk_put(struct sim_evq_impl *h, struct evq_chunk *c)
{
	c->next = h->free;
	h->free = c;
}

/*
 * Append ev to slot v of level L.  Inlined into its two callers (push and
 * the redistribution): as a call it saved and restored registers around
 * a dozen instructions of work.
 */
static inline __attribute__((__always_inline__)) void
evq_append(struct sim_evq *q, unsigned L, unsigned v,
    const struct sim_event *ev)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_slot *s = &h->slot[L][v];
	struct evq_chunk *c = s->tail;

	if (c == NULL) {
		c = evq_chunk_get(q);
		s->head = s->tail = c;
		s->head_i = s->tail_n = 0;
		s->min_time = ev->time;
		h->slot_mask[L][v / 64] |= 1ULL << (v % 64);
		h->word_mask[L] |= (uint8_t)(1U << (v / 64));
		h->level_mask |= 1U << L;
	} else if (s->tail_n == EVQ_CHUNK_EVENTS) {
		c->next = evq_chunk_get(q);
		c = s->tail = c->next;
		s->tail_n = 0;
	}
	c->ev[s->tail_n++] = *ev;
	if (ev->time < s->min_time)
		s->min_time = ev->time;
}

/* Mark slot v of level L empty. */
static inline void
evq_slot_clear(struct sim_evq_impl *h, unsigned L, unsigned v)
{
	uint64_t *m = &h->slot_mask[L][v / 64];

	h->slot[L][v].head = h->slot[L][v].tail = NULL;
	if ((*m &= ~(1ULL << (v % 64))) != 0)
		return;
	h->word_mask[L] &= (uint8_t)~(1U << (v / 64));
	if (h->word_mask[L] == 0)
		h->level_mask &= ~(1U << L);
}

/* The lowest non-empty slot of level L. => level L has events */
static inline unsigned
evq_lowest_slot(const struct sim_evq_impl *h, unsigned L)
{
	unsigned w;

	assert(h->word_mask[L] != 0);
	w = (unsigned)__builtin_ctz(h->word_mask[L]);
	assert(h->slot_mask[L][w] != 0);
	return w * 64 + (unsigned)__builtin_ctzll(h->slot_mask[L][w]);
}

/*
 * Level 0 is empty: make the least time of slot v of level L the new
 * `last' and move the slot's events, in order, to the levels below L.
 * => L is the lowest non-empty level, v its lowest non-empty slot
 */
static void
evq_redistribute(struct sim_evq *q, unsigned L, unsigned v)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_slot *s = &h->slot[L][v];
	struct evq_chunk *c = s->head, *tail = s->tail, *next;
	uint32_t i = s->head_i, end, tail_n = s->tail_n;
	uint64_t last = s->min_time;
	unsigned k;

	assert(L > 0 && c != NULL && last > h->last);
	assert(evq_level_of(last, h->last) == L);
	h->last = last;
	evq_slot_clear(h, L, v);
	for (; c != NULL; c = next, i = 0) {
		end = c == tail ? tail_n : EVQ_CHUNK_EVENTS;
		for (; i < end; i++) {
			k = evq_level_of(c->ev[i].time, last);
			assert(k < L);
			evq_append(q, k, evq_slot_of(c->ev[i].time, k), &c->ev[i]);
		}
		next = c->next;
		evq_chunk_put(h, c);
	}
	/* The least time moved to level 0 (it equals the new `last'). */
	assert((h->level_mask & 1) != 0);
}

void
sim_evq_init(struct sim_evq *q)
{
	/*
	 * With room for its first slab of events, so that a machine short of
	 * memory fails while it is set up, where the caller checks (NULL:
	 * sim_world_build), rather than at its first event.
	 */
	q->impl = calloc(1, sizeof(*q->impl));
	if (q->impl != NULL && evq_slab_alloc(q->impl) != 0) {
		free(q->impl);
		q->impl = NULL;
	}
	q->size = 0;
	q->min_valid = false;
}

void
sim_evq_fini(struct sim_evq *q)
{
	struct evq_slab *s, *next;

	if (q->impl != NULL) {
		for (s = q->impl->slabs; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	}
	free(q->impl);
	q->impl = NULL;
	q->size = 0;
	q->min_valid = false;
}

void
sim_evq_push(struct sim_evq *q, const struct sim_event *ev)
{
	struct sim_evq_impl *h = q->impl;
	unsigned L = evq_level_of(ev->time, h->last);

	assert(ev->time >= h->last);
	assert(ev->seq > h->last_seq);
	assert(q->size < SIM_EVQ_MAX_EVENTS);
	h->last_seq = ev->seq;
	evq_append(q, L, evq_slot_of(ev->time, L), ev);
	if (q->size++ == 0 || ev->time < q->min_time) {
		q->min_time = ev->time;
		q->min_valid = true;
	}
}

bool
sim_evq_pop(struct sim_evq *q, struct sim_event *out)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_slot *s;
	struct evq_chunk *c;
	uint64_t prev = h->last;        /* a redistribution moves h->last */
	unsigned L, v;

	if (q->size == 0)
		return false;
	assert(h->level_mask != 0);
	L = (unsigned)__builtin_ctz(h->level_mask);
	v = evq_lowest_slot(h, L);
	if (L > 0) {
		evq_redistribute(q, L, v);
		v = evq_slot_of(h->last, 0);
	}
	s = &h->slot[0][v];
	c = s->head;
	assert(c != NULL && c->ev[s->head_i].time >= h->last);
	*out = c->ev[s->head_i++];
	/* Equal times leave in push order: what a misfiled event breaks. */
	assert(out->time != prev || out->seq > h->last_pop_seq);
	h->last = out->time;
	h->last_pop_seq = out->seq;
	q->size--;
	if (c == s->tail && s->head_i == s->tail_n) {
		evq_slot_clear(h, 0, v);
		evq_chunk_put(h, c);
		q->min_valid = false;
		/* Empty means empty: no event stranded in a slot. */
		assert(q->size != 0 || h->level_mask == 0);
		return true;
	}
	if (s->head_i == EVQ_CHUNK_EVENTS) {
		s->head = c->next;
		s->head_i = 0;
		evq_chunk_put(h, c);
	}
	/* More at this time: still the least (found without a search). */
	assert(q->size > 0);
	q->min_time = out->time;
	q->min_valid = true;
	return true;
}

void
sim_evq_find_min_(struct sim_evq *q)
{
	struct sim_evq_impl *h = q->impl;
	unsigned L;

	assert(q->size > 0);
	L = (unsigned)__builtin_ctz(h->level_mask);
	q->min_time = h->slot[L][evq_lowest_slot(h, L)].min_time;
	q->min_valid = true;
	/* A peek never offers a time before one already popped. */
	assert(q->min_time >= h->last);
}
