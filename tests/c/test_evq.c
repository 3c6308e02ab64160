/*
 * test_evq.c -- the event queue pops events in (time, seq) order: least
 * time first, equal times in the order they were pushed.
 *
 *	test_evq CASE SEED
 *
 * Every pop is checked two ways.  The oracle: each event's time is
 * remembered by seq, and the popped sequence must be strictly increasing
 * in (time, seq) and, once drained, hold every pushed event exactly once
 * -- together that means each pop returned the least event then pending
 * (a smaller one left behind could never come out later).  The reference,
 * where the queue stays small enough: an array kept sorted by (time, seq),
 * whose front must equal every pop.  Every pop is preceded by a peek, which
 * must give the popped time, and size is checked throughout.
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

/* Pending events at most where the sorted reference is kept (memmove). */
#define REF_PENDING_MAX 1000

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

/* The queue under test, its oracle, and optionally the sorted reference. */
struct checker {
	struct sim_evq q;
	uint64_t next_seq;      /* seq of the next push; seqs start at 1 */
	uint64_t seq_max;       /* pushes allowed: seq <= seq_max */
	uint64_t *time_of;      /* [seq]: the time pushed */
	uint8_t *popped;        /* [seq]: popped yet */
	uint64_t last_time;     /* the last event popped */
	uint64_t last_seq;
	uint64_t pops;
	bool use_ref;
	struct sim_event *ref;  /* ref[head..len) sorted by (time, seq) */
	size_t ref_head;
	size_t ref_len;
};

static void
ck_init(struct checker *c, uint64_t seq_max, bool use_ref)
{
	memset(c, 0, sizeof(*c));
	sim_evq_init(&c->q);
	c->next_seq = 1;
	c->seq_max = seq_max;
	c->time_of = xcalloc(seq_max + 1, sizeof(*c->time_of));
	c->popped = xcalloc(seq_max + 1, sizeof(*c->popped));
	c->use_ref = use_ref;
	if (use_ref)
		c->ref = xcalloc(seq_max + 1, sizeof(*c->ref));
}

static void
ck_fini(struct checker *c)
{
	sim_evq_fini(&c->q);
	free(c->time_of);
	free(c->popped);
	free(c->ref);
}

static size_t
ck_pending(const struct checker *c)
{
	return (size_t)(c->next_seq - 1 - c->pops);
}

/* Insert into the reference after every (time, seq) not greater. */
static void
ref_insert(struct checker *c, const struct sim_event *ev)
{
	size_t lo = c->ref_head, hi = c->ref_len, mid;

	/* Every pending seq is smaller: place after all times <= ev->time. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->ref[mid].time <= ev->time)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&c->ref[lo + 1], &c->ref[lo],
	    (c->ref_len - lo) * sizeof(*c->ref));
	c->ref[lo] = *ev;
	c->ref_len++;
}

/* Push one event delay ns after the last popped time. */
static void
ck_push(struct checker *c, uint64_t delay)
{
	struct sim_event ev;

	CHECK(c->next_seq <= c->seq_max, "test pushes more than %llu events",
	    (unsigned long long)c->seq_max);
	CHECK(delay <= UINT64_MAX - c->last_time, "test delay overflows");
	ev.time = c->last_time + delay;
	ev.seq = c->next_seq++;
	ev.fn = event_fn;
	ev.arg = (void *)(uintptr_t)ev.seq;
	c->time_of[ev.seq] = ev.time;
	sim_evq_push(&c->q, &ev);
	if (c->use_ref)
		ref_insert(c, &ev);
	CHECK(sim_evq_size(&c->q) == ck_pending(c), "size %zu after a push, "
	    "expected %zu", sim_evq_size(&c->q), ck_pending(c));
}

/* Pop one event (peeking first) and check it; false if empty. */
static bool
ck_pop(struct checker *c)
{
	struct sim_event ev;
	uint64_t peek = 0;
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
	CHECK(ev.seq >= 1 && ev.seq < c->next_seq, "pop %llu: seq %llu was "
	    "never pushed", (unsigned long long)c->pops,
	    (unsigned long long)ev.seq);
	CHECK(!c->popped[ev.seq], "pop %llu: seq %llu popped twice",
	    (unsigned long long)c->pops, (unsigned long long)ev.seq);
	CHECK(ev.time == c->time_of[ev.seq], "pop %llu: seq %llu has time "
	    "%llu, pushed with %llu", (unsigned long long)c->pops,
	    (unsigned long long)ev.seq, (unsigned long long)ev.time,
	    (unsigned long long)c->time_of[ev.seq]);
	CHECK(ev.fn == event_fn && (uintptr_t)ev.arg == ev.seq,
	    "pop %llu: seq %llu lost its callback or argument",
	    (unsigned long long)c->pops, (unsigned long long)ev.seq);
	CHECK(c->pops == 0 || ev.time > c->last_time ||
	    (ev.time == c->last_time && ev.seq > c->last_seq),
	    "pop %llu: (time %llu, seq %llu) after (time %llu, seq %llu)",
	    (unsigned long long)c->pops, (unsigned long long)ev.time,
	    (unsigned long long)ev.seq, (unsigned long long)c->last_time,
	    (unsigned long long)c->last_seq);
	CHECK(peek == ev.time, "pop %llu: peek said time %llu, pop gave %llu",
	    (unsigned long long)c->pops, (unsigned long long)peek,
	    (unsigned long long)ev.time);
	if (c->use_ref) {
		const struct sim_event *r = &c->ref[c->ref_head++];

		CHECK(r->seq == ev.seq, "pop %llu: got (time %llu, seq %llu), "
		    "reference has (time %llu, seq %llu)",
		    (unsigned long long)c->pops, (unsigned long long)ev.time,
		    (unsigned long long)ev.seq, (unsigned long long)r->time,
		    (unsigned long long)r->seq);
	}
	c->popped[ev.seq] = 1;
	c->last_time = ev.time;
	c->last_seq = ev.seq;
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
	CHECK(c->pops == c->next_seq - 1, "drained %llu of %llu events",
	    (unsigned long long)c->pops, (unsigned long long)c->next_seq - 1);
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
case_empty(struct sim_rng *r)
{
	struct checker c;
	struct sim_event ev;
	uint64_t t = 7;

	(void)r;
	ck_init(&c, 16, true);
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
	ck_init(&c, 4000, false);
	for (int i = 0; i < 4000; i++)
		ck_push(&c, (uint64_t)i * 1000);
	ck_fini(&c);
}

/*
 * Random interleavings of pushes and pops against the sorted reference,
 * round after round with a new push probability and delay distribution.
 */
static void
case_random(struct sim_rng *r)
{
	struct checker c;
	const int rounds = 24, ops = 20000;

	ck_init(&c, (uint64_t)rounds * ops, true);
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
 * events of that time pushed earlier, must still come out after them.
 */
static void
case_fifo(struct sim_rng *r)
{
	struct checker c;
	const int ops = 200000;

	ck_init(&c, ops, true);
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
case_front(struct sim_rng *r)
{
	static const int sizes[] = { 1, 2, 63, 64, 130 };
	const uint64_t far[] = { 0, 9000, 3000000, 1ULL << 40 };
	struct checker c;

	ck_init(&c, 200000, true);
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

/* The hold model with a million events pending: the bench's workloads. */
static void
hold(struct sim_rng *r, enum dist d)
{
	const uint64_t pending = 1000000, steps = 1000000;
	struct checker c;

	ck_init(&c, pending + steps, false);
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
case_hold_exp(struct sim_rng *r)
{
	hold(r, DIST_EXP);
}

static void
case_hold_equal(struct sim_rng *r)
{
	hold(r, DIST_EQUAL);
}

static void
case_hold_twopoint(struct sim_rng *r)
{
	hold(r, DIST_TWOPOINT);
}

/*
 * Times across the whole 64-bit range, up to the very last nanosecond,
 * a million and more pending at once.
 */
static void
case_wide(struct sim_rng *r)
{
	const uint64_t n = 1200000;
	struct checker c;

	ck_init(&c, n + 8, false);
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

static const struct {
	const char *name;
	void (*fn)(struct sim_rng *);
} cases[] = {
	{ "empty", case_empty },
	{ "random", case_random },
	{ "fifo", case_fifo },
	{ "front", case_front },
	{ "hold_exp", case_hold_exp },
	{ "hold_equal", case_hold_equal },
	{ "hold_twopoint", case_hold_twopoint },
	{ "wide", case_wide },
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
		cases[i].fn(&r);
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
