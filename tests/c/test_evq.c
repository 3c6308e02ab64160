/*
 * test_evq.c -- the event queue pops events in (time, seq) order: least
 * time first, equal times least seq first, whatever order the seqs are
 * pushed in.
 *
 *	test_evq CASE SEED
 *
 * Every pop is checked two ways.  The oracle: each event's time and seq
 * are remembered by its push (its argument says which push), and the
 * popped sequence must be strictly increasing in (time, seq) and, once
 * drained, hold every pushed event exactly once -- together that means
 * each pop returned the least event then pending (a smaller one left
 * behind could never come out later).  One exception: a push at the time
 * just popped with a smaller seq than the event popped; the next pop must
 * be the least such push.  The reference, in most cases: a binary heap on
 * (time, seq), whose least must equal every pop.  Every pop is preceded
 * by a peek, which must give the popped time, and size is checked
 * throughout.
 *
 * Seqs come in push order (the engine's single counter), scrambled (any
 * unique seqs, in any order), or as the lookahead scheduler makes them,
 * an owner in the top bits and that owner's count below; cases named
 * *_scrambled and *_owner run a case's pushes with those.
 *
 * Exits 0 on success; on failure prints the case, the seed, the operation
 * and the line to replay, and exits 1.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/evq.h"
#include "sim/engine/rng.h"

/* Pending events at most in the random cases. */
#define REF_PENDING_MAX 1000
/* An owner's number in a SEQ_OWNER seq: above its count's 44 bits. */
#define SEQ_OWNER_SHIFT 44
#define SEQ_OWNERS      15      /* as many as udp-router15's hosts */

static const char *test_case = "?";
static unsigned long long test_seed;

static void __attribute__((format(printf, 2, 3), noreturn))
fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_evq: case %s seed %llu: line %d: ", test_case,
	    test_seed, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nreplay: bin/release/tests/test_evq %s %llu\n",
	    test_case, test_seed);
	exit(1);
}

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond))                                            \
			fail(__LINE__, __VA_ARGS__);                    \
	} while (0)

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "test_evq: out of memory\n");
		exit(2);
	}
	return p;
}

static void
event_fn(void *arg)
{
	(void)arg;
}

/* How a checker's pushes draw their seqs (ck_push). */
enum seq_kind {
	SEQ_PUSH,               /* the push's number: increasing */
	SEQ_SCRAMBLED,          /* a bijection of it: unique, in any order */
	SEQ_OWNER,              /* a random owner's, owner << 44 | its count */
};

/* The queue under test, its oracle, and optionally the reference. */
struct checker {
	struct sim_evq q;
	struct sim_rng *r;      /* SEQ_OWNER's owners */
	enum seq_kind kind;
	uint64_t owner_n[SEQ_OWNERS];   /* SEQ_OWNER: seqs given an owner */
	uint64_t next_id;       /* the next push's number (its argument) */
	uint64_t id_max;        /* pushes allowed: id <= id_max */
	uint64_t *time_of;      /* [id]: the time pushed */
	uint64_t *seq_of;       /* [id]: the seq pushed */
	uint8_t *popped;        /* [id]: popped yet */
	uint64_t last_time;     /* the last event popped */
	uint64_t last_seq;
	bool below;             /* pushed since: last_time, a seq below it */
	uint64_t below_seq;     /* the least such */
	uint64_t pops;
	bool use_ref;
	struct sim_event *ref;  /* a binary heap on (time, seq), ref[0] least */
	size_t ref_n;
};

static void
ck_init(struct checker *c, uint64_t id_max, bool use_ref, struct sim_rng *r,
    enum seq_kind kind)
{
	memset(c, 0, sizeof(*c));
	sim_evq_init(&c->q);
	c->r = r;
	c->kind = kind;
	c->next_id = 1;
	c->id_max = id_max;
	c->time_of = xcalloc(id_max + 1, sizeof(*c->time_of));
	c->seq_of = xcalloc(id_max + 1, sizeof(*c->seq_of));
	c->popped = xcalloc(id_max + 1, sizeof(*c->popped));
	c->use_ref = use_ref;
	if (use_ref)
		c->ref = xcalloc(id_max + 1, sizeof(*c->ref));
}

static void
ck_fini(struct checker *c)
{
	sim_evq_fini(&c->q);
	free(c->time_of);
	free(c->seq_of);
	free(c->popped);
	free(c->ref);
}

static size_t
ck_pending(const struct checker *c)
{
	return (size_t)(c->next_id - 1 - c->pops);
}

static bool
ref_less(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Add ev to the reference heap. */
static void
ref_push(struct checker *c, const struct sim_event *ev)
{
	size_t i, up;

	for (i = c->ref_n++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (!ref_less(ev, &c->ref[up]))
			break;
		c->ref[i] = c->ref[up];
	}
	c->ref[i] = *ev;
}

/* Remove the reference heap's least into *out. */
static void
ref_pop(struct checker *c, struct sim_event *out)
{
	struct sim_event *a = c->ref;
	size_t n = --c->ref_n, i, k;

	*out = a[0];
	for (i = 0; (k = 2 * i + 1) < n; i = k) {
		if (k + 1 < n && ref_less(&a[k + 1], &a[k]))
			k++;
		if (!ref_less(&a[k], &a[n]))
			break;
		a[i] = a[k];
	}
	a[i] = a[n];
}

/*
 * A scrambled seq: splitmix64's finalizer, a bijection of 64 bits, so
 * distinct ids give distinct seqs, in no order.
 */
static uint64_t
seq_scramble(uint64_t id)
{
	uint64_t z = id * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The next push's seq, as the checker's kind says. */
static uint64_t
ck_next_seq(struct checker *c)
{
	uint64_t o;

	switch (c->kind) {
	case SEQ_SCRAMBLED:
		return seq_scramble(c->next_id);
	case SEQ_OWNER:
		o = sim_rng_below(c->r, SEQ_OWNERS);
		return o << SEQ_OWNER_SHIFT | ++c->owner_n[o];
	case SEQ_PUSH:
	default:
		return c->next_id;
	}
}

/* A random seq unlike any other: the push's number in its low 20 bits. */
static uint64_t
ck_random_seq(struct checker *c)
{
	CHECK(c->next_id < 1U << 20, "test pushes too many random seqs");
	return sim_rng_next(c->r) << 20 | c->next_id;
}

/*
 * Push one event delay ns after the last popped time with the given seq
 * (unlike every other the test pushes).
 */
static void
ck_push_seq(struct checker *c, uint64_t delay, uint64_t seq)
{
	struct sim_event ev;

	CHECK(c->next_id <= c->id_max, "test pushes more than %llu events",
	    (unsigned long long)c->id_max);
	CHECK(delay <= UINT64_MAX - c->last_time, "test delay overflows");
	ev.time = c->last_time + delay;
	ev.seq = seq;
	ev.fn = event_fn;
	ev.arg = (void *)(uintptr_t)c->next_id;
	c->time_of[c->next_id] = ev.time;
	c->seq_of[c->next_id] = ev.seq;
	c->next_id++;
	if (c->pops > 0 && ev.time == c->last_time && ev.seq < c->last_seq &&
	    (!c->below || ev.seq < c->below_seq)) {
		c->below = true;
		c->below_seq = ev.seq;
	}
	sim_evq_push(&c->q, &ev);
	if (c->use_ref)
		ref_push(c, &ev);
	CHECK(sim_evq_size(&c->q) == ck_pending(c), "size %zu after a push, "
	    "expected %zu", sim_evq_size(&c->q), ck_pending(c));
}

/* Push one event delay ns after the last popped time. */
static void
ck_push(struct checker *c, uint64_t delay)
{
	ck_push_seq(c, delay, ck_next_seq(c));
}

/* Pop one event (peeking first) and check it; false if empty. */
static bool
ck_pop(struct checker *c)
{
	struct sim_event ev;
	uint64_t peek = 0, id;
	bool peeked = sim_evq_peek_time(&c->q, &peek);
	bool got;

	/* Every other pop through sim_evq_take, the engine's. */
	if (peeked && c->pops % 2 == 0) {
		ev = *sim_evq_take(&c->q);
		got = true;
	} else
		got = sim_evq_pop(&c->q, &ev);

	CHECK(peeked == got, "peek says %s, pop says %s",
	    peeked ? "non-empty" : "empty", got ? "non-empty" : "empty");
	if (!got) {
		CHECK(ck_pending(c) == 0, "pop found the queue empty with %zu "
		    "events pending", ck_pending(c));
		return false;
	}
	id = (uintptr_t)ev.arg;
	CHECK(ev.fn == event_fn && id >= 1 && id < c->next_id,
	    "pop %llu: seq %llu lost its callback or argument",
	    (unsigned long long)c->pops, (unsigned long long)ev.seq);
	CHECK(!c->popped[id], "pop %llu: push %llu (seq %llu) popped twice",
	    (unsigned long long)c->pops, (unsigned long long)id,
	    (unsigned long long)ev.seq);
	CHECK(ev.time == c->time_of[id] && ev.seq == c->seq_of[id],
	    "pop %llu: push %llu has (time %llu, seq %llu), pushed with "
	    "(time %llu, seq %llu)", (unsigned long long)c->pops,
	    (unsigned long long)id, (unsigned long long)ev.time,
	    (unsigned long long)ev.seq, (unsigned long long)c->time_of[id],
	    (unsigned long long)c->seq_of[id]);
	if (c->below)
		CHECK(ev.time == c->last_time && ev.seq == c->below_seq,
		    "pop %llu: (time %llu, seq %llu) where seq %llu was pushed "
		    "at that time, below the seq %llu popped before",
		    (unsigned long long)c->pops, (unsigned long long)ev.time,
		    (unsigned long long)ev.seq,
		    (unsigned long long)c->below_seq,
		    (unsigned long long)c->last_seq);
	else
		CHECK(c->pops == 0 || ev.time > c->last_time ||
		    (ev.time == c->last_time && ev.seq > c->last_seq),
		    "pop %llu: (time %llu, seq %llu) after (time %llu, seq "
		    "%llu)", (unsigned long long)c->pops,
		    (unsigned long long)ev.time, (unsigned long long)ev.seq,
		    (unsigned long long)c->last_time,
		    (unsigned long long)c->last_seq);
	CHECK(peek == ev.time, "pop %llu: peek said time %llu, pop gave %llu",
	    (unsigned long long)c->pops, (unsigned long long)peek,
	    (unsigned long long)ev.time);
	if (c->use_ref) {
		struct sim_event r;

		ref_pop(c, &r);
		CHECK(r.seq == ev.seq && r.time == ev.time, "pop %llu: got "
		    "(time %llu, seq %llu), reference has (time %llu, seq %llu)",
		    (unsigned long long)c->pops, (unsigned long long)ev.time,
		    (unsigned long long)ev.seq, (unsigned long long)r.time,
		    (unsigned long long)r.seq);
	}
	c->popped[id] = 1;
	c->last_time = ev.time;
	c->last_seq = ev.seq;
	c->below = false;
	c->pops++;
	CHECK(sim_evq_size(&c->q) == ck_pending(c), "size %zu after a pop, "
	    "expected %zu", sim_evq_size(&c->q), ck_pending(c));
	return true;
}

/* Pop everything; every event pushed must have come out. */
static void
ck_drain(struct checker *c)
{
	while (ck_pop(c))
		continue;
	CHECK(c->pops == c->next_id - 1, "drained %llu of %llu events",
	    (unsigned long long)c->pops, (unsigned long long)c->next_id - 1);
}

enum dist {
	DIST_EXP,               /* exponential, mean `mean' */
	DIST_EQUAL,             /* always `mean' */
	DIST_TWOPOINT,          /* 1 or 1,000,000 */
	DIST_ZERO,              /* at the last popped time */
	DIST_FEW,               /* one of 0, 1, 255, 256, 65536 */
	DIST_WIDE,              /* below 2^(k+1), k uniform below `mean' */
	DIST_COUNT
};

static uint64_t
draw(struct sim_rng *r, enum dist d, uint64_t mean)
{
	static const uint64_t few[] = { 0, 1, 255, 256, 65536 };

	switch (d) {
	case DIST_EXP:
		return sim_rng_exp(r, (double)mean);
	case DIST_EQUAL:
		return mean;
	case DIST_TWOPOINT:
		return (sim_rng_next(r) >> 63) ? 1000000 : 1;
	case DIST_ZERO:
		return 0;
	case DIST_FEW:
		return few[sim_rng_below(r, sizeof(few) / sizeof(few[0]))];
	case DIST_WIDE:
	default:
		return sim_rng_next(r) >> (63 - sim_rng_below(r, mean));
	}
}

/* A new queue is empty, and so is one drained; fini twice is harmless. */
static void
case_empty(struct sim_rng *r, enum seq_kind kind)
{
	struct checker c;
	struct sim_event ev;
	uint64_t t = 7;

	ck_init(&c, 16, true, r, kind);
	CHECK(sim_evq_size(&c.q) == 0, "a new queue has size %zu",
	    sim_evq_size(&c.q));
	CHECK(!sim_evq_peek_time(&c.q, &t) && t == 7, "peek on an empty "
	    "queue said non-empty or wrote its argument");
	CHECK(!sim_evq_pop(&c.q, &ev), "pop on an empty queue gave an event");
	ck_push(&c, 5);
	ck_push(&c, 5);
	ck_drain(&c);
	CHECK(!sim_evq_pop(&c.q, &ev), "pop on a drained queue gave an event");
	ck_push(&c, 0);
	ck_drain(&c);
	sim_evq_fini(&c.q);
	ck_fini(&c);
	/* A queue finished with events pending frees them. */
	ck_init(&c, 4000, false, r, kind);
	for (int i = 0; i < 4000; i++)
		ck_push(&c, (uint64_t)i * 1000);
	ck_fini(&c);
}

/*
 * Random interleavings of pushes and pops against the sorted reference,
 * round after round with a new push probability and delay distribution.
 */
static void
case_random(struct sim_rng *r, enum seq_kind kind)
{
	struct checker c;
	const int rounds = 24, ops = 20000;

	ck_init(&c, (uint64_t)rounds * ops, true, r, kind);
	for (int round = 0; round < rounds; round++) {
		enum dist d = (enum dist)(round % DIST_COUNT);
		uint64_t push_per_1024 = 256 + sim_rng_below(r, 512);
		uint64_t mean = d == DIST_WIDE ? 48 :
		    1 + sim_rng_below(r, 100000);

		for (int i = 0; i < ops; i++) {
			if (ck_pending(&c) == 0 || (ck_pending(&c) <
			    REF_PENDING_MAX && sim_rng_below(r, 1024) <
			    push_per_1024))
				ck_push(&c, draw(r, d, mean));
			else
				ck_pop(&c);
		}
		/* Sometimes drain, sometimes carry the events over. */
		if (sim_rng_below(r, 4) == 0)
			ck_drain(&c);
	}
	ck_drain(&c);
	ck_fini(&c);
}

/*
 * Many events at few times: pushes at the very time just popped, among
 * events of that time pushed earlier, must still come out by seq (after
 * them when seqs rise with every push).
 */
static void
case_fifo(struct sim_rng *r, enum seq_kind kind)
{
	struct checker c;
	const int ops = 200000;

	ck_init(&c, ops, true, r, kind);
	for (int i = 0; i < ops; i++) {
		uint64_t k = sim_rng_below(r, 16);

		if (ck_pending(&c) == 0 || (ck_pending(&c) < REF_PENDING_MAX &&
		    k < 9))
			ck_push(&c, k < 6 ? 0 : k < 8 ? 3 : 100000);
		else
			ck_pop(&c);
	}
	ck_drain(&c);
	ck_fini(&c);
}

/*
 * A slot's front event is held in the slot, those behind it in chunks:
 * slots of one, two, 63, 64 and 130 events at one time, popped from
 * the front while more are pushed behind (at the time just popped, so
 * behind the chunk's, never in the emptied front), and the same filed
 * above level 0 and redistributed; then enough such slots at once to
 * take more chunks than a slab holds.
 */
static void
case_front(struct sim_rng *r, enum seq_kind kind)
{
	static const int sizes[] = { 1, 2, 63, 64, 130 };
	const uint64_t far[] = { 0, 9000, 3000000, 1ULL << 40 };
	struct checker c;

	ck_init(&c, 200000, true, r, kind);
	for (size_t f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			for (int i = 0; i < sizes[k]; i++)
				ck_push(&c, far[f]);
			/* A time in between, and one just after. */
			ck_push(&c, far[f] / 2 + 1);
			ck_push(&c, far[f] + 1);
			for (int i = 0; i < sizes[k] / 2 + 1; i++) {
				ck_pop(&c);
				if (sim_rng_below(r, 2) == 0)
					ck_push(&c, 0);
			}
		}
		ck_drain(&c);
	}
	/* 100 slots of 70 events: 200 chunks, over three slabs. */
	for (int i = 0; i < 100; i++)
		for (int j = 0; j < 70; j++)
			ck_push(&c, 5000 + (uint64_t)i * 100);
	for (int i = 0; i < 3500; i++)
		ck_pop(&c);
	for (int i = 0; i < 100; i++)
		for (int j = 0; j < 2; j++)
			ck_push(&c, (uint64_t)i * 7);
	ck_drain(&c);
	ck_fini(&c);
}

/*
 * The hold model with a million events pending: the bench's workloads
 * (against the reference too when seqs come out of order).
 */
static void
hold(struct sim_rng *r, enum dist d, enum seq_kind kind)
{
	const uint64_t pending = 1000000, steps = 1000000;
	struct checker c;

	ck_init(&c, pending + steps, kind != SEQ_PUSH, r, kind);
	for (uint64_t i = 0; i < pending; i++)
		ck_push(&c, draw(r, d, pending));
	for (uint64_t i = 0; i < steps; i++) {
		ck_pop(&c);
		ck_push(&c, draw(r, d, pending));
	}
	CHECK(sim_evq_size(&c.q) == pending, "hold lost events");
	ck_drain(&c);
	ck_fini(&c);
}

static void
case_hold_exp(struct sim_rng *r, enum seq_kind kind)
{
	hold(r, DIST_EXP, kind);
}

static void
case_hold_equal(struct sim_rng *r, enum seq_kind kind)
{
	hold(r, DIST_EQUAL, kind);
}

static void
case_hold_twopoint(struct sim_rng *r, enum seq_kind kind)
{
	hold(r, DIST_TWOPOINT, kind);
}

/*
 * Times across the whole 64-bit range, up to the very last nanosecond,
 * a million and more pending at once.
 */
static void
case_wide(struct sim_rng *r, enum seq_kind kind)
{
	const uint64_t n = 1200000;
	struct checker c;

	ck_init(&c, n + 8, kind != SEQ_PUSH, r, kind);
	ck_push(&c, 0);
	ck_push(&c, UINT64_MAX);
	for (uint64_t i = 0; i < n; i++)
		ck_push(&c, draw(r, DIST_WIDE, 63));
	for (uint64_t i = 0; i < n / 2; i++)
		ck_pop(&c);
	ck_push(&c, UINT64_MAX - c.last_time);
	ck_push(&c, 0);
	ck_drain(&c);
	CHECK(c.last_time == UINT64_MAX, "the last event was not at the end "
	    "of time");
	ck_push(&c, 0);
	ck_push(&c, 0);
	ck_drain(&c);
	ck_fini(&c);
}

/*
 * Pushes at the time being popped with seqs below those still waiting
 * there, and below the one just popped: they leave first.  By hand, in a
 * slot whose front is in the slot and the rest in a chunk, after the heap
 * has emptied, and in front of 130; then rounds of random seqs at one
 * time, near and far (redistributed), popped among pushes at that time.
 */
static void
case_now_below(struct sim_rng *r, enum seq_kind kind)
{
	static const uint64_t by_hand[] = { 55, 10, 65, 5, 100 };
	struct checker c;

	ck_init(&c, 200000, true, r, kind);
	for (uint64_t s = 50; s <= 90; s += 10)
		ck_push_seq(&c, 100, s);
	ck_pop(&c);
	for (size_t i = 0; i < sizeof(by_hand) / sizeof(by_hand[0]); i++) {
		ck_push_seq(&c, 0, by_hand[i]);
		if (i < 2)
			ck_pop(&c);
	}
	CHECK(c.last_seq == 10, "seq 10, pushed below seq 55 just popped, "
	    "popped as seq %llu", (unsigned long long)c.last_seq);
	ck_drain(&c);
	/* The slot emptied at that time, and again out of order. */
	ck_push_seq(&c, 0, 3);
	ck_push_seq(&c, 0, 1);
	ck_pop(&c);
	ck_push_seq(&c, 0, 2);
	ck_push_seq(&c, 0, 0);
	ck_drain(&c);
	/*
	 * 130 in order, each pop followed by a push of the seq above the
	 * one popped: below all still waiting.
	 */
	for (uint64_t s = 1; s <= 130; s++)
		ck_push_seq(&c, 7, 1000 * s);
	for (int i = 0; i < 130; i++) {
		ck_pop(&c);
		ck_push_seq(&c, 0, c.last_seq + 1);
	}
	CHECK(c.last_seq == 1129, "a push below all waiting left at seq "
	    "%llu, not first", (unsigned long long)c.last_seq);
	ck_drain(&c);
	for (int round = 0; round < 300; round++) {
		uint64_t k = 1 + sim_rng_below(r, 200);
		uint64_t d = round % 3 == 0 ? 1 + sim_rng_below(r, 8000) :
		    8192 + sim_rng_below(r, 1ULL << (14 + round % 40));

		for (uint64_t i = 0; i < k; i++)
			ck_push_seq(&c, d, ck_random_seq(&c));
		while (ck_pending(&c) > 0) {
			ck_pop(&c);
			if (sim_rng_below(r, 3) == 0)
				ck_push_seq(&c, 0, ck_random_seq(&c));
		}
	}
	ck_fini(&c);
}

/*
 * 10,000 owners' events at one ns (their clocks' ticks coincide), pushed
 * in a random order of owners, seq = owner << 44 | 1.  Each, popped,
 * pushes its owner's next at that same ns -- below every other owner's
 * still waiting -- and the one after a ns later.  Once at a time in
 * level 0's window and once far above it (redistributed).  The order is
 * known: owner by owner, each's two events together, then the next ns.
 * A queue that sorted the slot at every such push would take minutes.
 */
static void
case_one_time(struct sim_rng *r, enum seq_kind kind)
{
	const uint64_t owners = 10000, far[] = { 5, 1ULL << 33 };
	uint64_t *order = xcalloc(owners, sizeof(*order));
	struct checker c;

	ck_init(&c, 8 * owners, true, r, kind);
	for (size_t f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
		uint64_t t = c.last_time + far[f];

		for (uint64_t o = 0; o < owners; o++)
			order[o] = o;
		for (uint64_t o = owners - 1; o > 0; o--) {
			uint64_t j = sim_rng_below(r, o + 1), x = order[o];

			order[o] = order[j];
			order[j] = x;
		}
		for (uint64_t o = 0; o < owners; o++)
			ck_push_seq(&c, far[f], order[o] << SEQ_OWNER_SHIFT | 1);
		for (uint64_t i = 0; i < 3 * owners; i++) {
			uint64_t o = i < 2 * owners ? i / 2 : i - 2 * owners;
			uint64_t n = i < 2 * owners ? 1 + i % 2 : 3;

			ck_pop(&c);
			CHECK(c.last_seq == (o << SEQ_OWNER_SHIFT | n) &&
			    c.last_time == t + (n == 3), "pop %llu: (time %llu, "
			    "seq %llx), expected owner %llu's event %llu",
			    (unsigned long long)i,
			    (unsigned long long)c.last_time,
			    (unsigned long long)c.last_seq,
			    (unsigned long long)o, (unsigned long long)n);
			if (n == 1) {
				ck_push_seq(&c, 0, o << SEQ_OWNER_SHIFT | 2);
				ck_push_seq(&c, 1, o << SEQ_OWNER_SHIFT | 3);
			}
		}
		CHECK(ck_pending(&c) == 0, "%zu events left", ck_pending(&c));
	}
	free(order);
	ck_fini(&c);
}

/*
 * Equal times filed above level 0 with their seqs out of order, behind
 * other times of their slot.  Only a level-0 slot keeps seq order, so
 * the order is found as redistributions bring them down: the least time
 * (d) straight to level 0, the groups at d + 9000 and d + 3,000,000
 * through a level between.  Seqs descending in push order, then random;
 * pops among pushes at the time just popped.
 */
static void
case_far_equal(struct sim_rng *r, enum seq_kind kind)
{
	static const uint64_t far[] = { 9000, 3000000, 1ULL << 30, 1ULL << 45 };
	static const uint64_t after[] = { 0, 1, 9000, 3000000 };
	struct checker c;

	ck_init(&c, 100000, true, r, kind);
	for (int round = 0; round < 2; round++) {
		for (size_t f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
			for (int i = 0; i < 400; i++) {
				uint64_t d = far[f] + after[i % 4];

				ck_push_seq(&c, d, round == 0 ?
				    (1ULL << 40) - c.next_id : ck_random_seq(&c));
			}
			while (ck_pending(&c) > 0) {
				ck_pop(&c);
				if (sim_rng_below(r, 4) == 0)
					ck_push_seq(&c, 0, ck_random_seq(&c));
			}
		}
	}
	ck_fini(&c);
}

static const struct {
	const char *name;
	void (*fn)(struct sim_rng *, enum seq_kind);
	enum seq_kind kind;
} cases[] = {
	{ "empty", case_empty, SEQ_PUSH },
	{ "random", case_random, SEQ_PUSH },
	{ "fifo", case_fifo, SEQ_PUSH },
	{ "front", case_front, SEQ_PUSH },
	{ "hold_exp", case_hold_exp, SEQ_PUSH },
	{ "hold_equal", case_hold_equal, SEQ_PUSH },
	{ "hold_twopoint", case_hold_twopoint, SEQ_PUSH },
	{ "wide", case_wide, SEQ_PUSH },
	/* Seqs out of push order. */
	{ "random_scrambled", case_random, SEQ_SCRAMBLED },
	{ "random_owner", case_random, SEQ_OWNER },
	{ "fifo_scrambled", case_fifo, SEQ_SCRAMBLED },
	{ "fifo_owner", case_fifo, SEQ_OWNER },
	{ "front_scrambled", case_front, SEQ_SCRAMBLED },
	{ "front_owner", case_front, SEQ_OWNER },
	{ "hold_twopoint_scrambled", case_hold_twopoint, SEQ_SCRAMBLED },
	{ "wide_scrambled", case_wide, SEQ_SCRAMBLED },
	{ "now_below", case_now_below, SEQ_PUSH },
	{ "one_time", case_one_time, SEQ_PUSH },
	{ "far_equal", case_far_equal, SEQ_PUSH },
};

int
main(int argc, char **argv)
{
	struct sim_rng r;
	char *end;

	if (argc != 3)
		goto usage;
	test_seed = strtoull(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0')
		goto usage;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		test_case = cases[i].name;
		sim_rng_init(&r, test_seed, "test.evq");
		cases[i].fn(&r, cases[i].kind);
		printf("test_evq %s %llu: ok\n", test_case, test_seed);
		return 0;
	}
usage:
	fprintf(stderr, "usage: test_evq CASE SEED, CASE one of:");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	return 2;
}
