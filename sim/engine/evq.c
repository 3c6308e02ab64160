/*
 * evq.c -- the event queue: a radix heap on the events' times, 8192 ways
 * at the lowest level and 256 at each above.
 *
 * The one idea (the radix heap of Ahuja, Mehlhorn, Orlin and Tarjan,
 * 1990, with wide digits): virtual time never runs backwards, so every
 * pending time t is >= `last', the time of the last event popped, and t
 * can be filed by how it differs from `last'.  A time's digits are its
 * low 13 bits (digit 0), then a byte each (digits 1 to 6) and the 3 bits
 * left (digit 7).  An event lives at level L = the index of the highest
 * digit in which t differs from `last' (0 if t == last), in slot v =
 * digit L of t.  A slot is a FIFO of events.
 *
 *  - Level 0 slots hold single times: t agrees with `last' on digits
 *    1..7 and digit 0 is the slot.  They are popped from, in slot order.
 *  - When level 0 is empty, the lowest slot of the lowest non-empty level
 *    L holds the least times; its least time (kept per slot) becomes
 *    `last', and the slot's events are redistributed relative to it: each
 *    lands on a level below L, because it agrees with the new `last' on
 *    digits L and up.  Every other pending event keeps its place: the new
 *    `last' agrees with the old one on digits L + 1 and up and is below
 *    every other slot of level L.
 *
 * An event moves at most once per digit of its delay (in the hold model,
 * about once), each move a sequential read and append: no comparisons
 * between events, and little cache traffic even with a million events
 * pending.  Digit 0 is 13 bits rather than a byte because the machine's
 * own delays (a DMA transfer, a link's 5 us, a timer tick) are mostly a
 * few microseconds: filed straight into level 0 when they fall in the
 * same 8.192 us window as `last', they never move (udp_e2e: 0.92 moves an
 * event with a byte, 0.35 with 13 bits).  bench/README.md has the
 * measurements against binary and 4-ary heaps, a pairing heap and the
 * one-bit radix heap.
 *
 * Equal times leave least seq first, for any unique seqs pushed in any
 * order.  Only a level-0 slot holds a single time, and only level 0 is
 * popped from: a slot above it is redistributed event by event, each
 * filed by its time alone, so the order of its FIFO never matters and
 * only level-0 slots keep seq order:
 *  - an append into a slot above level 0, a push's or a
 *    redistribution's, compares nothing and marks nothing;
 *  - an append into a level-0 slot behind another event (a push in the
 *    window of `last', or an event a redistribution brings down)
 *    compares its seq with the tail's and, if below, marks the slot
 *    EVQ_UNSORTED.  Every event reaches a level-0 slot by one of these
 *    appends or into the empty slot, always at the tail, so a slot never
 *    marked is in seq order.  Behind another event means at an equal
 *    time: with seqs in increasing order (one counter for the whole
 *    machine) or hosts' events at distinct times, nothing is marked;
 *  - a level 0 slot holds one time.  Popped from while in order, it gives
 *    its front; the first pop from an unsorted one moves its events into
 *    the queue's heap, a binary heap on seq, and the slot stays
 *    EVQ_HEAPED until that heap is empty: its pops take the heap's least,
 *    and pushes at its time (t == last, possibly below seqs waiting
 *    there) go into the heap.  Only the slot of time `last' is ever
 *    heaped, so one heap serves the queue.
 * So an event costs O(1) as before unless its time is shared out of
 * order, and then O(log n) compares for n events pending at that time
 * (10,000 hosts' ticks at one ns, each pushing below the others waiting:
 * some 14 steps a push and a pop); nothing is quadratic.  The heap is
 * grown by doubling and never shrunk: room for about the most events
 * once pending at one out-of-order time.  tests/c/test_evq.c checks all
 * this against a reference heap on (time, seq), with seqs in push order,
 * scrambled, and as owner << 44 | count.
 *
 * The common case is a slot that holds one event (a datagram's events
 * are microseconds apart, nanoseconds being the unit): so a slot is one
 * 64-byte line holding its front event itself, and only the events
 * behind it go to chunks.  A push into an empty slot and the pop that
 * empties it touch that one line and the masks, no chunk, no free list.
 * The rest are chains of fixed-size chunks taken from a free list that
 * the queue refills a slab at a time and never shrinks, so memory is
 * about the most events ever pending plus one partial chunk per slot
 * with more than one, and a chunk emptied by a pop is the next one
 * filled.
 *
 * The least pending time is kept at all times (q->min_time): a push
 * lowers it, and the pop that empties a slot finds the next (the next
 * set bit of level 0: two words' ctz).  So a peek reads a
 * field, and a pop goes straight to the least time's slot: at level 0
 * its low digit, above it the slot to redistribute.
 *
 * Must never look at a pointer's value for ordering, and must never move
 * `last' past the time of an event actually popped: a peek changes
 * nothing, since the caller may still push a time before the one peeked.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/engine/evq.h"

/*
 * The digits of a time: level 0 is its low EVQ_BITS0 bits, level L >= 1
 * the byte above bit EVQ_BITS0 + 8 (L - 1); the last level has the 3
 * bits left.
 */
#define EVQ_LEVELS              8
#define EVQ_BITS0               13
#define EVQ_SLOTS0              (1U << EVQ_BITS0)       /* 8192 ns */
#define EVQ_SLOTS               256     /* values of a byte */
#define EVQ_SLOTS_ALL           (EVQ_SLOTS0 + (EVQ_LEVELS - 1) * EVQ_SLOTS)
#define EVQ_MASK_WORDS          (EVQ_SLOTS_ALL / 64)
#define EVQ_CHUNK_EVENTS        63      /* a chunk is 2 KiB */
#define EVQ_SLAB_CHUNKS         64      /* chunks allocated at once */
#define EVQ_RESERVE_CHUNKS      4       /* kept for running out of memory */
#define EVQ_LINE                64      /* a slot's alignment */

/* Its link first: a chunk's first event shares the link's line. */
struct evq_chunk {
	struct evq_chunk *next; /* next in the slot, or in the free list */
	uint64_t pad_[3];
	struct sim_event ev[EVQ_CHUNK_EVENTS];
};

_Static_assert(sizeof(struct evq_chunk) == 2048, "a chunk is 2 KiB");
_Static_assert(EVQ_SLOTS0 <= 64 * 128, "a level's words fit word_mask");
_Static_assert(EVQ_BITS0 + 8 * (EVQ_LEVELS - 1) >= 64, "levels hold a time");

struct evq_slab {
	struct evq_chunk chunk[EVQ_SLAB_CHUNKS];
	struct evq_slab *next;
};

/* A slot's state: bits, 0 iff the slot is empty or holds chunks only. */
#define EVQ_FIRST       1U      /* `first' holds the front event */
#define EVQ_UNSORTED    2U      /* level 0: an event follows a larger seq */
#define EVQ_HEAPED      4U      /* its events are in the heap (level 0) */

/*
 * A FIFO of events: `first' if EVQ_FIRST, then head->ev[head_i] ..
 * tail->ev[tail_n - 1] if head is not NULL; or, EVQ_HEAPED, neither and
 * the events are in the queue's heap.  Empty iff head is NULL and state
 * 0.  A push into an empty slot fills `first'; into any other, the
 * chunks (or the heap).  At level 0, in seq order unless EVQ_UNSORTED;
 * above it, in no order looked at.
 */
struct evq_slot {
	struct sim_event first; /* the front event, if EVQ_FIRST */
	struct evq_chunk *head; /* NULL iff no event behind `first' */
	struct evq_chunk *tail;
	uint16_t head_i;        /* next event to pop in head */
	uint16_t tail_n;        /* events written in tail */
	uint32_t state;         /* EVQ_FIRST, EVQ_UNSORTED, EVQ_HEAPED */
	uint64_t min_time;      /* least time pending here */
};

_Static_assert(sizeof(struct evq_slot) == EVQ_LINE, "a slot is a line");
_Static_assert(EVQ_CHUNK_EVENTS < UINT16_MAX, "head_i and tail_n fit");

struct sim_evq_impl {
	/* The slots first, the allocation aligned to a line (sim_evq_init). */
	struct evq_slot slot[EVQ_SLOTS_ALL];
	uint64_t last;          /* time of the last event popped (0 at start) */
	uint32_t level_mask;    /* bit L set iff level L has events */
	/* bit w set iff level L's word w of slot_mask is not 0 */
	uint64_t word_mask[EVQ_LEVELS][2];
	/*
	 * Every level's slots in one array, level 0's first, then 256 a
	 * level (evq_base), and a bit a slot: set iff it has events.
	 */
	uint64_t slot_mask[EVQ_MASK_WORDS];
	struct evq_chunk *free; /* chunks not in any slot */
	struct evq_slab *slabs; /* every allocation, for sim_evq_fini */
	size_t chunks;          /* chunks allocated */
	void *alloc;            /* what calloc gave, for free */
	bool reserve_used;      /* reserve went to the free list */
	/*
	 * The events of the EVQ_HEAPED slot, if any (all at time `last'),
	 * a binary heap on seq: heap[0] the least.
	 */
	struct sim_event *heap;
	size_t heap_n;
	size_t heap_cap;
	struct sim_event heap_out;      /* the last event popped from it */
	struct evq_chunk reserve[EVQ_RESERVE_CHUNKS];
};

/* The level of time t: its highest digit that differs from last. */
static inline unsigned
evq_level_of(uint64_t t, uint64_t last)
{
	/*
	 * The highest bit that differs, at least EVQ_BITS0 - 8 (so t == last
	 * is level 0, and clz(0), undefined, is never asked).
	 */
	unsigned b = 63 ^ (unsigned)__builtin_clzll((t ^ last) |
	    1ULL << (EVQ_BITS0 - 8));

	return (b - (EVQ_BITS0 - 8)) >> 3;
}

/* Level L's first slot in slot[] (a multiple of 64). */
static inline unsigned
evq_base(unsigned L)
{
	return L == 0 ? 0 : EVQ_SLOTS0 + (L - 1) * EVQ_SLOTS;
}

/* Where time t lives on level L: its slot's index in slot[]. */
static inline unsigned
evq_index_of(uint64_t t, unsigned L)
{
	if (L == 0)
		return (unsigned)t & (EVQ_SLOTS0 - 1);
	return EVQ_SLOTS0 + (L - 1) * EVQ_SLOTS +
	    ((unsigned)(t >> (EVQ_BITS0 + 8 * (L - 1))) & (EVQ_SLOTS - 1));
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

/*
 * A chunk from the free list, which is never empty between operations
 * (so the per-event paths take one without a test, and refill last).
 */
static inline struct evq_chunk *
evq_chunk_take(struct sim_evq_impl *h)
{
	struct evq_chunk *c = h->free;

	assert(c != NULL);
	h->free = c->next;
	c->next = NULL;
	return c;
}

/* evq_chunk_take, refilling at once (the redistribution's). */
static inline struct evq_chunk *
evq_chunk_get(struct sim_evq *q)
{
	struct evq_chunk *c = evq_chunk_take(q->impl);

	if (__builtin_expect(q->impl->free == NULL, 0))
		evq_slab_add(q);
	return c;
}

static inline void
evq_chunk_put(struct sim_evq_impl *h, struct evq_chunk *c)
{
	c->next = h->free;
	h->free = c;
}

/* Mark slot x of level L non-empty. */
static inline void
evq_slot_mark(struct sim_evq_impl *h, unsigned L, unsigned x)
{
	unsigned w = (x - evq_base(L)) / 64;

	h->slot_mask[x / 64] |= 1ULL << (x % 64);
	h->word_mask[L][w / 64] |= 1ULL << (w % 64);
	h->level_mask |= 1U << L;
}

/*
 * The seq of slot s's last event.
 * => s has events in `first' or its chunks (not in the heap)
 */
static inline uint64_t
evq_tail_seq(const struct evq_slot *s)
{
	if (s->tail == NULL) {
		assert((s->state & EVQ_FIRST) != 0);
		return s->first.seq;
	}
	return s->tail->ev[s->tail_n - 1].seq;
}

/*
 * Append ev behind the events of slot s, which has some: the
 * redistribution's (a push's is evq_add_behind, which refills last).
 * Compares seqs only if `check' (s is of level 0).
 */
static inline __attribute__((__always_inline__)) void
evq_append_behind(struct sim_evq *q, struct evq_slot *s,
    const struct sim_event *ev, bool check)
{
	struct evq_chunk *c = s->tail;

	assert((s->state & EVQ_FIRST) != 0 || s->head != NULL);
	if (check && ev->seq < evq_tail_seq(s))
		s->state |= EVQ_UNSORTED;
	if (c == NULL) {
		c = evq_chunk_get(q);
		s->head = s->tail = c;
		s->head_i = s->tail_n = 0;
	} else if (s->tail_n == EVQ_CHUNK_EVENTS) {
		c->next = evq_chunk_get(q);
		c = s->tail = c->next;
		s->tail_n = 0;
	}
	c->ev[s->tail_n++] = *ev;
	if (ev->time < s->min_time)
		s->min_time = ev->time;
}

/*
 * Append ev to slot x (an index in slot[]) of level L (redistributing),
 * comparing seqs behind another event at level 0.
 */
static inline __attribute__((__always_inline__)) void
evq_append(struct sim_evq *q, unsigned L, unsigned x,
    const struct sim_event *ev)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_slot *s = &h->slot[x];

	if (s->head == NULL && s->state == 0) {
		s->first = *ev;
		s->state = EVQ_FIRST;
		s->min_time = ev->time;
		evq_slot_mark(h, L, x);
		return;
	}
	evq_append_behind(q, s, ev, L == 0);
}

/* Mark slot x of level L empty. */
static inline void
evq_slot_clear(struct sim_evq_impl *h, unsigned L, unsigned x)
{
	uint64_t *m = &h->slot_mask[x / 64], *wm = h->word_mask[L];
	unsigned w;

	h->slot[x].head = h->slot[x].tail = NULL;
	h->slot[x].state = 0;
	if ((*m &= ~(1ULL << (x % 64))) != 0)
		return;
	w = (x - evq_base(L)) / 64;
	wm[w / 64] &= ~(1ULL << (w % 64));
	if ((wm[0] | wm[1]) == 0)
		h->level_mask &= ~(1U << L);
}

/* The lowest non-empty slot of level L, an index in slot[]. */
static inline unsigned
evq_lowest_slot(const struct sim_evq_impl *h, unsigned L)
{
	const uint64_t *wm = h->word_mask[L];
	unsigned w;

	assert((wm[0] | wm[1]) != 0);   /* => level L has events */
	w = wm[0] != 0 ? (unsigned)__builtin_ctzll(wm[0]) :
	    64 + (unsigned)__builtin_ctzll(wm[1]);
	w += evq_base(L) / 64;
	assert(h->slot_mask[w] != 0);
	return w * 64 + (unsigned)__builtin_ctzll(h->slot_mask[w]);
}

/*
 * Move a slot's chunked events, c->ev[i] .. tail->ev[tail_n - 1], to the
 * levels below L, all empty but for what this redistribution moved
 * there, relative to the new `last' t.
 */
static inline __attribute__((__always_inline__)) void
evq_move(struct sim_evq *q, unsigned L, uint64_t t, struct evq_chunk *c,
    uint32_t i, const struct evq_chunk *tail, uint32_t tail_n)
{
	struct evq_chunk *next;
	uint32_t end;
	unsigned k;

	for (; c != NULL; c = next, i = 0) {
		end = c == tail ? tail_n : EVQ_CHUNK_EVENTS;
		for (; i < end; i++) {
			k = evq_level_of(c->ev[i].time, t);
			assert(k < L);
			evq_append(q, k, evq_index_of(c->ev[i].time, k),
			    &c->ev[i]);
		}
		next = c->next;
		evq_chunk_put(q->impl, c);
	}
}

/*
 * Level 0 is empty: make t, the least time pending (the least of its
 * slot at level L), the new `last' and move its slot's events, front
 * to back, to the levels below L.  They are all empty: what lands
 * behind another event at level 0 is compared with it there
 * (evq_append), nothing else.
 */
static void __attribute__((__noinline__))
evq_redistribute(struct sim_evq *q, uint64_t t)
{
	struct sim_evq_impl *h = q->impl;
	unsigned L = evq_level_of(t, h->last), v = evq_index_of(t, L), k;
	struct evq_slot *s = &h->slot[v];
	struct evq_chunk *c = s->head, *tail = s->tail;
	uint32_t i = s->head_i, tail_n = s->tail_n;
	bool first = (s->state & EVQ_FIRST) != 0;
	struct sim_event ev;

	/* => t is the least time: L the lowest level, v its lowest slot */
	assert(L > 0 && t > h->last && s->min_time == t);
	/* => level 0 is empty: no slot in the heap; above it none unsorted */
	assert(h->heap_n == 0 && (s->state & ~EVQ_FIRST) == 0);
	assert(L == (unsigned)__builtin_ctz(h->level_mask));
	assert(v == evq_lowest_slot(h, L));
	h->last = t;
	if (first)
		ev = s->first;
	evq_slot_clear(h, L, v);
	if (first) {
		/* The first moved: into an empty slot, nothing to compare. */
		k = evq_level_of(ev.time, t);
		assert(k < L);
		evq_append(q, k, evq_index_of(ev.time, k), &ev);
	}
	evq_move(q, L, t, c, i, tail, tail_n);
	/* The least time moved to level 0 (it equals the new `last'). */
	assert((h->level_mask & 1) != 0);
	assert((h->slot_mask[(t % EVQ_SLOTS0) / 64] &
	    1ULL << (t % 64)) != 0);
}

void
sim_evq_init(struct sim_evq *q)
{
	struct sim_evq_impl *h = NULL;
	void *p;

	/*
	 * With room for its first slab of events, so that a machine short of
	 * memory fails while it is set up, where the caller checks (NULL:
	 * sim_world_build), rather than at its first event.  calloc, with a
	 * line's slack for aligning the slots, so that the pages of slots
	 * never used are never touched.
	 */
	p = calloc(1, sizeof(*h) + EVQ_LINE);
	if (p != NULL) {
		h = (struct sim_evq_impl *)(((uintptr_t)p + EVQ_LINE - 1) &
		    ~(uintptr_t)(EVQ_LINE - 1));
		h->alloc = p;
		if (evq_slab_alloc(h) != 0) {
			free(p);
			h = NULL;
		}
	}
	q->impl = h;
	q->size = 0;
	q->min_time = 0;
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
		free(q->impl->heap);
		free(q->impl->alloc);
	}
	q->impl = NULL;
	q->size = 0;
}

/*
 * Room for one more event in the heap: twice as much.  Out of memory
 * aborts: the events are in the queue already (the chunks they leave
 * go to the free list), so only a machine at its very limit gets here.
 */
static void __attribute__((__noinline__, __cold__))
evq_heap_grow(struct sim_evq_impl *h)
{
	size_t cap = h->heap_cap == 0 ? EVQ_CHUNK_EVENTS + 1 :
	    2 * h->heap_cap;
	struct sim_event *p = NULL;

	if (cap <= SIZE_MAX / sizeof(*p))
		p = realloc(h->heap, cap * sizeof(*p));
	if (p == NULL) {
		fprintf(stderr, "sim_evq: out of memory growing the heap of "
		    "%zu events at time %llu\n", h->heap_n,
		    (unsigned long long)h->last);
		abort();
	}
	h->heap = p;
	h->heap_cap = cap;
}

/* Add ev to the heap. */
static void
evq_heap_push(struct sim_evq_impl *h, const struct sim_event *ev)
{
	size_t i, up;

	if (h->heap_n == h->heap_cap)
		evq_heap_grow(h);
	/* Up from the new leaf past every parent of larger seq. */
	for (i = h->heap_n++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (h->heap[up].seq < ev->seq)
			break;
		h->heap[i] = h->heap[up];
	}
	h->heap[i] = *ev;
}

/* Remove the heap's least seq into heap_out.  => the heap has events */
static const struct sim_event *
evq_heap_pop(struct sim_evq_impl *h)
{
	struct sim_event *a = h->heap;
	size_t n, i, c;

	assert(h->heap_n > 0);
	h->heap_out = a[0];
	n = --h->heap_n;
	/* The last leaf, a[n], down from the root past smaller children. */
	for (i = 0; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && a[c + 1].seq < a[c].seq)
			c++;
		if (a[n].seq < a[c].seq)
			break;
		a[i] = a[c];
	}
	a[i] = a[n];
	assert(n == 0 || h->heap_out.seq < a[0].seq);
	return &h->heap_out;
}

/*
 * The first pop from slot s of level 0, unsorted: its events go into the
 * heap (a pass of O(1) each while they come in order) and its chunks to
 * the free list; the slot is EVQ_HEAPED until the heap is empty.
 */
static void __attribute__((__noinline__))
evq_heap_fill(struct sim_evq_impl *h, struct evq_slot *s)
{
	struct evq_chunk *c, *next;
	uint32_t i, end;

	assert(h->heap_n == 0 && (s->state & EVQ_UNSORTED) != 0);
	assert((s->state & EVQ_HEAPED) == 0);
	if ((s->state & EVQ_FIRST) != 0)
		evq_heap_push(h, &s->first);
	for (c = s->head, i = s->head_i; c != NULL; c = next, i = 0) {
		end = c == s->tail ? s->tail_n : EVQ_CHUNK_EVENTS;
		for (; i < end; i++)
			evq_heap_push(h, &c->ev[i]);
		next = c->next;
		evq_chunk_put(h, c);
	}
	s->head = s->tail = NULL;
	s->state = EVQ_HEAPED;
}

/*
 * A push at the time being popped, whose slot is in the heap.  Called
 * last from evq_add_behind, which then saves no register.
 */
static void __attribute__((__noinline__))
evq_heap_add(struct sim_evq_impl *h, uint64_t t, uint64_t seq,
    sim_event_fn fn, void *arg)
{
	assert(t == h->last && h->heap_n > 0);
	evq_heap_push(h, &(struct sim_event){ t, seq, fn, arg });
}

/*
 * Append (t, seq, fn, arg) behind the events of slot s, as they are:
 * the tail of both pushes behind another event.
 */
static inline __attribute__((__always_inline__)) void
evq_push_behind(struct sim_evq *q, struct evq_slot *s, uint64_t t,
    uint64_t seq, sim_event_fn fn, void *arg)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_chunk *c = s->tail, *n;

	if (c == NULL || s->tail_n == EVQ_CHUNK_EVENTS) {
		n = evq_chunk_take(h);
		if (c == NULL) {
			s->head = n;
			s->head_i = 0;
		} else
			c->next = n;
		s->tail = c = n;
		s->tail_n = 0;
	}
	c->ev[s->tail_n++] = (struct sim_event){ t, seq, fn, arg };
	if (t < s->min_time)
		s->min_time = t;
	if (__builtin_expect(h->free == NULL, 0))
		evq_slab_add(q);
}

/*
 * Append (t, seq, fn, arg) behind the events of level-0 slot s, at their
 * time, marking it unsorted if seq is below the tail's.  Off the fast
 * path, called last, as is the refill here: no register saved.
 */
static void __attribute__((__noinline__))
evq_add_behind(struct sim_evq *q, struct evq_slot *s, uint64_t t,
    uint64_t seq, sim_event_fn fn, void *arg)
{
	struct evq_chunk *c = s->tail;
	uint64_t tail_seq;

	/* The state is read only without chunks: one register fewer. */
	if (c != NULL)
		tail_seq = c->ev[s->tail_n - 1].seq;
	else if (__builtin_expect((s->state & EVQ_FIRST) != 0, 1))
		tail_seq = s->first.seq;
	else {
		/* Not empty, yet neither `first' nor chunks: in the heap. */
		assert(s->state == EVQ_HEAPED);
		evq_heap_add(q->impl, t, seq, fn, arg);
		return;
	}
	if (__builtin_expect(seq < tail_seq, 0))
		s->state |= EVQ_UNSORTED;
	evq_push_behind(q, s, t, seq, fn, arg);
}

/*
 * A push to level 1 and up: behind the slot's events if any, in no
 * order (only level 0 keeps seq order).
 */
static void __attribute__((__noinline__))
evq_add_far(struct sim_evq *q, uint64_t t, uint64_t seq, sim_event_fn fn,
    void *arg)
{
	struct sim_evq_impl *h = q->impl;
	unsigned L = evq_level_of(t, h->last), x = evq_index_of(t, L);
	struct evq_slot *s = &h->slot[x];

	if (s->head != NULL || s->state != 0) {
		evq_push_behind(q, s, t, seq, fn, arg);
		return;
	}
	s->first = (struct sim_event){ t, seq, fn, arg };
	s->state = EVQ_FIRST;
	s->min_time = t;
	evq_slot_mark(h, L, x);
}

void
sim_evq_add(struct sim_evq *q, uint64_t t, uint64_t seq, sim_event_fn fn,
    void *arg)
{
	struct sim_evq_impl *h = q->impl;
	struct evq_slot *s;
	unsigned x;

	assert(t >= h->last);
	assert(q->size < SIM_EVQ_MAX_EVENTS);
	if (q->size++ == 0 || t < q->min_time)
		q->min_time = t;
	if (__builtin_expect((t ^ h->last) >= EVQ_SLOTS0, 0)) {
		evq_add_far(q, t, seq, fn, arg);
		return;
	}
	x = (unsigned)t & (EVQ_SLOTS0 - 1);
	s = &h->slot[x];
	if (__builtin_expect(s->head != NULL || s->state != 0, 0)) {
		evq_add_behind(q, s, t, seq, fn, arg);
		return;
	}
	/* Into an empty slot of level 0: the slot's own line. */
	s->first = (struct sim_event){ t, seq, fn, arg };
	s->state = EVQ_FIRST;
	s->min_time = t;
	evq_slot_mark(h, 0, x);
}

/* Event e at time t is popped; `last' was prev before. */
static inline void
evq_popped(struct sim_evq *q, const struct sim_event *e, uint64_t t,
    uint64_t prev)
{
	struct sim_evq_impl *h = q->impl;

	/* What a misfiled event breaks. */
	assert(e->time == t && t >= prev);
	h->last = t;
	q->size--;
}

/*
 * The pop of e emptied slot x of level 0, whose time was `last': the
 * least time now pending, if any.  Rarely in the same mask word (a
 * datagram's events are microseconds apart): usually the next word of
 * level 0 with events.  => e
 */
static const struct sim_event *
evq_next_min(struct sim_evq *q, unsigned x, const struct sim_event *e)
{
	struct sim_evq_impl *h = q->impl;
	uint64_t *wm = h->word_mask[0];
	uint64_t m = h->slot_mask[x / 64] &= ~(1ULL << (x % 64));
	unsigned w = x / 64, L, v;

	if (m != 0) {
		q->min_time = (h->last & ~(uint64_t)63) |
		    (unsigned)__builtin_ctzll(m);
		return e;
	}
	/* The next word with events, if any (those below w are empty). */
	wm[w / 64] &= ~(1ULL << (w % 64));
	if (wm[0] != 0)
		v = (unsigned)__builtin_ctzll(wm[0]);
	else if (wm[1] != 0)
		v = 64 + (unsigned)__builtin_ctzll(wm[1]);
	else
		goto above;
	m = h->slot_mask[v];
	assert(v > w && m != 0);
	q->min_time = (h->last & ~(uint64_t)(EVQ_SLOTS0 - 1)) |
	    (v * 64 + (unsigned)__builtin_ctzll(m));
	return e;
above:
	h->level_mask &= ~1U;
	if (q->size == 0) {
		/* Empty means empty: no event stranded in a slot. */
		assert(h->level_mask == 0);
		return e;
	}
	assert(h->level_mask != 0);
	L = (unsigned)__builtin_ctz(h->level_mask);
	q->min_time = h->slot[evq_lowest_slot(h, L)].min_time;
	return e;
}

/*
 * Pop the least seq of level-0 slot x, of time t (`last' was prev), out
 * of order or in the heap: the first such pop moves the slot into the
 * heap.  => e
 */
static const struct sim_event * __attribute__((__noinline__))
evq_take_heap(struct sim_evq *q, struct evq_slot *s, unsigned x,
    uint64_t t, uint64_t prev)
{
	struct sim_evq_impl *h = q->impl;
	const struct sim_event *e;

	if ((s->state & EVQ_UNSORTED) != 0)
		evq_heap_fill(h, s);
	assert(s->state == EVQ_HEAPED && s->head == NULL);
	e = evq_heap_pop(h);
	evq_popped(q, e, t, prev);
	if (h->heap_n > 0)
		return e;       /* more at this time: still the least */
	s->state = 0;
	return evq_next_min(q, x, e);
}

/*
 * Pop the front of level-0 slot of time t, the least (`last' was prev):
 * the pop off the fast path, a front in a chunk, or the slot's least
 * seq if it is out of order.  Calls nothing but last: no register saved.
 */
static const struct sim_event * __attribute__((__noinline__))
evq_take_front(struct sim_evq *q, uint64_t t, uint64_t prev)
{
	struct sim_evq_impl *h = q->impl;
	unsigned x = (unsigned)t & (EVQ_SLOTS0 - 1);
	struct evq_slot *s = &h->slot[x];
	const struct sim_event *e;
	struct evq_chunk *c;

	if (__builtin_expect((s->state & (EVQ_UNSORTED | EVQ_HEAPED)) != 0, 0))
		return evq_take_heap(q, s, x, t, prev);
	if (s->state != 0) {            /* EVQ_FIRST */
		e = &s->first;
		s->state = 0;
		evq_popped(q, e, t, prev);
		if (s->head == NULL)
			return evq_next_min(q, x, e);
		return e;
	}
	c = s->head;
	assert(c != NULL);
	e = &c->ev[s->head_i++];
	evq_popped(q, e, t, prev);
	if (c == s->tail) {
		if (s->head_i == s->tail_n) {
			s->head = s->tail = NULL;
			/* The link only: the event stays until a push. */
			evq_chunk_put(h, c);
			return evq_next_min(q, x, e);
		}
	} else if (s->head_i == EVQ_CHUNK_EVENTS) {
		s->head = c->next;
		s->head_i = 0;
		evq_chunk_put(h, c);
	}
	/* More at this time: still the least. */
	assert(q->size > 0);
	return e;
}

/* A pop whose least time is above level 0: redistributed first. */
static const struct sim_event * __attribute__((__noinline__))
evq_take_far(struct sim_evq *q)
{
	uint64_t t = q->min_time, prev = q->impl->last;

	evq_redistribute(q, t);
	return evq_take_front(q, t, prev);
}

const struct sim_event *
sim_evq_take(struct sim_evq *q)
{
	struct sim_evq_impl *h = q->impl;
	uint64_t t = q->min_time, prev = h->last;
	unsigned x = (unsigned)t & (EVQ_SLOTS0 - 1);
	struct evq_slot *s = &h->slot[x];

	assert(q->size > 0);
	/* The front of a level-0 slot, in the slot: all but the fast path. */
	if (__builtin_expect((t ^ prev) >= EVQ_SLOTS0, 0))
		return evq_take_far(q);
	if (__builtin_expect(s->state != EVQ_FIRST, 0))
		return evq_take_front(q, t, prev);
	s->state = 0;
	evq_popped(q, &s->first, t, prev);
	if (s->head == NULL)
		return evq_next_min(q, x, &s->first);
	return &s->first;       /* more at this time: still the least */
}
