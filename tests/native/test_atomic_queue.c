/*
 * test_atomic_queue.c -- the atomic head/tail queue's promises, on real
 * threads (native backend).
 *
 * The documented order: queue = [pushed at head, newest first] ++ [pushed
 * at tail, oldest first]; pops take the first.
 *
 *	test_atomic_queue sequential   exact model of that order, random
 *	                               operations, two link offsets
 *	test_atomic_queue rounds P     P producers push concurrently while
 *	                               the remover waits, then it drains:
 *	                               every head item before every tail
 *	                               item, each producer's head items
 *	                               newest first, tail items oldest first
 *	test_atomic_queue stress P [N] P producers push N items each (at head,
 *	                               at tail or mixed) while removers pop
 *	                               (1, then 2 taking turns under a
 *	                               kmutex); items are reused once popped
 *	test_atomic_queue badoffset O  atomic_qinit with a misaligned offset
 *	                               must stop with a message
 *
 * Checks in "stress", for each popped item s of producer p, where w is
 * the number of pushes p had completed when the pop began:
 *   - s was not popped before (exactly once);
 *   - no tail item of p pushed after s came out before s: tail items are
 *     FIFO, and a head item goes in front of every tail item still
 *     queued;
 *   - every head item of p pushed after s and before the pop began has
 *     already been popped: it was in front of s (LIFO, and head before
 *     tail).  Producers reuse each of their K items only after it was
 *     popped, so that is at most K items to look at.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>

#include <kern/atomic_queue.h>

#include "tests/native/native_kern.h"
#include "tests/native/native_test.h"

#define TAQ_PRODUCERS_MAX       64
#define TAQ_POOL                16      /* items per producer in stress */
#define TAQ_ROUND_ITEMS         32      /* items per producer per round */

enum taq_how { TAQ_HEAD, TAQ_TAIL };

struct taq_item {
	uint32_t producer;
	uint32_t how;                   /* enum taq_how */
	uint64_t seq;
	atomic_queue_link_t link;       /* at a non-zero offset */
	volatile uint32_t queued;       /* a: 1 from push until popped */
};

/* The same, link first, for the other offset. */
struct taq_item0 {
	atomic_queue_link_t link;
	uint64_t seq;
};

static void
taq_push(atomic_queue_t *q, void *item, enum taq_how how)
{
	if (how == TAQ_HEAD)
		atomic_qpush_head(q, item);
	else
		atomic_qpush_tail(q, item);
}

/*
 * How producer p pushes its item seq: producers 0, 3, 6.. mix head and
 * tail, 1, 4, 7.. push at head only, 2, 5, 8.. at tail only.  A pure
 * function, so the remover knows how items it has not seen were pushed.
 */
static enum taq_how
taq_how(unsigned p, uint64_t seq)
{
	uint64_t x;

	if (p % 3 == 1)
		return TAQ_HEAD;
	if (p % 3 == 2)
		return TAQ_TAIL;
	x = (seq + 1) * 0x9e3779b97f4a7c15ULL ^ p;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (x >> 62) & 1 ? TAQ_HEAD : TAQ_TAIL;
}

/* ---- sequential ---------------------------------------------------- */

/* Pop and compare with the expected sequence of seqs, then NULL. */
static void
taq_expect(atomic_queue_t *q, const char *what, const int *want, int n)
{
	struct taq_item0 *it;

	CHECK(n == 0 || !atomic_qempty(q), "%s: empty before pops", what);
	for (int i = 0; i < n; i++) {
		it = atomic_qpop_head(q);
		CHECK(it != NULL && it->seq == (uint64_t)want[i],
		    "%s: pop %d gave %lld, want %d", what, i,
		    it ? (long long)it->seq : -1LL, want[i]);
	}
	CHECK(atomic_qpop_head(q) == NULL && atomic_qempty(q),
	    "%s: not empty after %d pops", what, n);
}

/* The documented order on small hand-written cases. */
static void
taq_examples(void)
{
	struct taq_item0 it[8];
	atomic_queue_t q;

	for (int i = 0; i < 8; i++)
		it[i].seq = (uint64_t)i;
	atomic_qinit(&q, offsetof(struct taq_item0, link));
	CHECK(atomic_qempty(&q) && atomic_qpop_head(&q) == NULL,
	    "a new queue is not empty");

	atomic_qpush_head(&q, &it[1]);
	atomic_qpush_head(&q, &it[2]);
	atomic_qpush_head(&q, &it[3]);
	taq_expect(&q, "head pushes are LIFO", (const int[]){ 3, 2, 1 }, 3);

	atomic_qpush_tail(&q, &it[1]);
	atomic_qpush_tail(&q, &it[2]);
	atomic_qpush_tail(&q, &it[3]);
	taq_expect(&q, "tail pushes are FIFO", (const int[]){ 1, 2, 3 }, 3);

	atomic_qpush_tail(&q, &it[1]);
	atomic_qpush_head(&q, &it[2]);
	atomic_qpush_tail(&q, &it[3]);
	atomic_qpush_head(&q, &it[4]);
	taq_expect(&q, "head items before tail items",
	    (const int[]){ 4, 2, 1, 3 }, 4);

	/* Tail items already taken by the remover, then more of each. */
	atomic_qpush_tail(&q, &it[1]);
	atomic_qpush_tail(&q, &it[2]);
	CHECK(((struct taq_item0 *)atomic_qpop_head(&q))->seq == 1,
	    "first tail item");
	atomic_qpush_tail(&q, &it[3]);
	atomic_qpush_head(&q, &it[4]);
	atomic_qpush_tail(&q, &it[1]);
	taq_expect(&q, "mixed, after a partial drain",
	    (const int[]){ 4, 2, 3, 1 }, 4);
}

/* Random pushes and pops against a deque model. */
static void
taq_model(unsigned ops, uint64_t seed)
{
	enum { M = 64 };
	struct taq_item items[M];
	int model[M], free_ids[M];
	int head = 0, count = 0, nfree = M;
	atomic_queue_t q;
	uint64_t x = seed;

	for (int i = 0; i < M; i++)
		free_ids[i] = i;
	atomic_qinit(&q, offsetof(struct taq_item, link));
	for (unsigned op = 0; op < ops; op++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		if (nfree > 0 && x % 5 < 3) {
			int id = free_ids[--nfree];
			enum taq_how how = (x >> 8) & 1 ? TAQ_HEAD : TAQ_TAIL;

			taq_push(&q, &items[id], how);
			if (how == TAQ_HEAD) {
				head = (head + M - 1) % M;
				model[head] = id;
			} else {
				model[(head + count) % M] = id;
			}
			count++;
		} else {
			struct taq_item *it = atomic_qpop_head(&q);
			struct taq_item *want = count ? &items[model[head]] : NULL;

			CHECK(it == want, "seed %llu op %u: popped item %ld, "
			    "want %ld", (unsigned long long)seed, op,
			    it ? (long)(it - items) : -1L,
			    want ? (long)(want - items) : -1L);
			if (count) {
				free_ids[nfree++] = model[head];
				head = (head + 1) % M;
				count--;
			}
		}
		CHECK(atomic_qempty(&q) == (count == 0),
		    "seed %llu op %u: empty() wrong with %d queued",
		    (unsigned long long)seed, op, count);
	}
}

static void
taq_sequential(void)
{
	uint64_t allocs = native_kmem_allocs();

	taq_examples();
	for (uint64_t seed = 1; seed <= 5; seed++)
		taq_model(100000, seed);
	CHECK(native_kmem_allocs() == allocs, "the queue allocated");
	printf("sequential: ok\n");
}

/* ---- rounds: concurrent pushes, remover waits ------------------------ */

struct taq_rounds {
	atomic_queue_t q;
	pthread_barrier_t start, done;
	unsigned rounds;
	struct taq_item items[TAQ_PRODUCERS_MAX][TAQ_ROUND_ITEMS];
};

struct taq_arg {
	void *shared;
	unsigned id;
};

static void *
taq_rounds_producer(void *argp)
{
	struct taq_arg *a = argp;
	struct taq_rounds *r = a->shared;
	uint64_t seq = 0;

	for (unsigned round = 0; round < r->rounds; round++) {
		pthread_barrier_wait(&r->start);
		for (unsigned i = 0; i < TAQ_ROUND_ITEMS; i++, seq++) {
			struct taq_item *it = &r->items[a->id][i];

			it->producer = a->id;
			it->seq = seq;
			it->how = taq_how(a->id, seq);
			taq_push(&r->q, it, it->how);
		}
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

/* Drain after a round and check the documented order. */
static void
taq_rounds_check(struct taq_rounds *r, unsigned np, unsigned round)
{
	int64_t last_head[TAQ_PRODUCERS_MAX], last_tail[TAQ_PRODUCERS_MAX];
	unsigned n = 0;
	bool tail_seen = false;
	struct taq_item *it;

	for (unsigned p = 0; p < np; p++)
		last_head[p] = last_tail[p] = -1;
	while ((it = atomic_qpop_head(&r->q)) != NULL) {
		unsigned p = it->producer;
		int64_t s = (int64_t)it->seq;

		CHECK(p < np && n < np * TAQ_ROUND_ITEMS,
		    "round %u: bad item or too many", round);
		if (it->how == TAQ_HEAD) {
			CHECK(!tail_seen, "round %u: head item %u/%lld "
			    "after a tail item", round, p, (long long)s);
			CHECK(last_head[p] < 0 || s < last_head[p],
			    "round %u: producer %u head items not LIFO "
			    "(%lld after %lld)", round, p, (long long)s,
			    (long long)last_head[p]);
			last_head[p] = s;
		} else {
			tail_seen = true;
			CHECK(s > last_tail[p], "round %u: producer %u tail "
			    "items not FIFO (%lld after %lld)", round, p,
			    (long long)s, (long long)last_tail[p]);
			last_tail[p] = s;
		}
		n++;
	}
	CHECK(n == np * TAQ_ROUND_ITEMS, "round %u: %u items, want %u",
	    round, n, np * TAQ_ROUND_ITEMS);
	CHECK(atomic_qempty(&r->q), "round %u: not empty", round);
}

static void
taq_rounds(unsigned np)
{
	static struct taq_rounds r;
	pthread_t th[TAQ_PRODUCERS_MAX];
	struct taq_arg args[TAQ_PRODUCERS_MAX];

	r.rounds = 300;
	atomic_qinit(&r.q, offsetof(struct taq_item, link));
	pthread_barrier_init(&r.start, NULL, np + 1);
	pthread_barrier_init(&r.done, NULL, np + 1);
	for (unsigned p = 0; p < np; p++) {
		args[p] = (struct taq_arg){ &r, p };
		pthread_create(&th[p], NULL, taq_rounds_producer, &args[p]);
	}
	for (unsigned round = 0; round < r.rounds; round++) {
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		taq_rounds_check(&r, np, round);
	}
	for (unsigned p = 0; p < np; p++)
		pthread_join(th[p], NULL);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);
	printf("rounds: %u producers x %u rounds: ok\n", np, r.rounds);
}

/* ---- stress: concurrent pushes and pops ------------------------------ */

/*
 * A producer waiting for one of its items to come back and a remover
 * that finds the queue empty wait at a gate (native_test.h), not in a
 * yield loop: the test must finish on a machine with more runnable
 * threads than cores.  Each producer has its own gate, as each waits
 * for its own item.
 */
struct taq_stress {
	atomic_queue_t q;
	unsigned producers;
	uint64_t items;                         /* per producer */
	volatile uint32_t done;                 /* a: producers finished */
	volatile uint64_t pushed[TAQ_PRODUCERS_MAX]; /* a: pushes completed */
	struct taq_item pool[TAQ_PRODUCERS_MAX][TAQ_POOL];
	struct native_gate back[TAQ_PRODUCERS_MAX]; /* an item was popped */
	struct native_gate work;                /* removers wait here */
	kmutex_t lock;                          /* the removers' lock */
	uint8_t *popped[TAQ_PRODUCERS_MAX];     /* l: per seq */
	int64_t last_tail[TAQ_PRODUCERS_MAX];   /* l: last tail seq popped */
	uint64_t got, empty;                    /* l */
};

/* The producer's item is free to reuse, as a gate's ready(). */
static bool
taq_stress_free(void *argp)
{
	struct taq_item *it = argp;

	/* Acquire: the remover is done with the item. */
	return atomic_load_acquire(&it->queued) == 0;
}

static void *
taq_stress_producer(void *argp)
{
	struct taq_arg *a = argp;
	struct taq_stress *s = a->shared;

	for (uint64_t seq = 0; seq < s->items; seq++) {
		struct taq_item *it = &s->pool[a->id][seq % TAQ_POOL];

		native_gate_wait(&s->back[a->id], taq_stress_free, it);
		it->producer = a->id;
		it->seq = seq;
		it->how = taq_how(a->id, seq);
		atomic_store_relaxed(&it->queued, 1);
		taq_push(&s->q, it, it->how);
		atomic_store_release(&s->pushed[a->id], seq + 1);
		native_gate_open(&s->work, false);
	}
	atomic_inc_32(&s->done);
	native_gate_open(&s->work, true);
	return NULL;
}

/* The checks of the opening comment, for item it; w = pushes before. */
static void
taq_stress_check(struct taq_stress *s, struct taq_item *it, uint64_t w)
{
	unsigned p = it->producer;
	uint64_t seq = it->seq;

	CHECK(atomic_load_relaxed(&it->queued) == 1,
	    "popped an item that was not queued");
	CHECK(p < s->producers && seq < s->items,
	    "popped item %u/%llu was never pushed", p,
	    (unsigned long long)seq);
	CHECK(it->how == (uint32_t)taq_how(p, seq), "item corrupted");
	CHECK(!s->popped[p][seq], "item %u/%llu popped twice", p,
	    (unsigned long long)seq);
	s->popped[p][seq] = 1;
	CHECK((int64_t)seq > s->last_tail[p], "producer %u: %s item %llu "
	    "came out after tail item %lld, pushed later", p,
	    it->how == TAQ_HEAD ? "head" : "tail", (unsigned long long)seq,
	    (long long)s->last_tail[p]);
	if (it->how == TAQ_TAIL)
		s->last_tail[p] = (int64_t)seq;
	CHECK(w <= seq + TAQ_POOL, "producer %u ran %llu items ahead",
	    p, (unsigned long long)(w - seq));
	for (uint64_t t = seq + 1; t < w; t++)
		CHECK(taq_how(p, t) != TAQ_HEAD || s->popped[p][t],
		    "producer %u: item %llu came out before head item %llu, "
		    "pushed later but before the pop", p,
		    (unsigned long long)seq, (unsigned long long)t);
}

/* What one pop under the removers' lock found. */
enum taq_take { TAQ_TOOK, TAQ_EMPTY, TAQ_FINISHED };

/* A remover's pop, as a gate's ready(): anything but "empty". */
struct taq_take_arg {
	struct taq_stress *s;
	enum taq_take took;
	unsigned producer;              /* TAQ_TOOK: whose item */
};

static bool
taq_stress_take(void *argp)
{
	struct taq_take_arg *ta = argp;
	struct taq_stress *s = ta->s;
	uint64_t w[TAQ_PRODUCERS_MAX];
	struct taq_item *it;
	bool finished;

	mutex_enter(&s->lock);
	finished = atomic_load_acquire(&s->done) == s->producers;
	for (unsigned p = 0; p < s->producers; p++)
		w[p] = atomic_load_acquire(&s->pushed[p]);
	it = atomic_qpop_head(&s->q);
	if (it != NULL) {
		taq_stress_check(s, it, w[it->producer % s->producers]);
		s->got++;
		ta->producer = it->producer;
		/* Release: our reads of the item before its reuse. */
		atomic_store_release(&it->queued, 0);
	} else {
		s->empty++;
	}
	mutex_exit(&s->lock);
	ta->took = it != NULL ? TAQ_TOOK : finished ? TAQ_FINISHED :
	    TAQ_EMPTY;
	return ta->took != TAQ_EMPTY;
}

static void *
taq_stress_remover(void *argp)
{
	struct taq_arg *a = argp;
	struct taq_take_arg ta = { .s = a->shared };

	for (;;) {
		native_gate_wait(&ta.s->work, taq_stress_take, &ta);
		if (ta.took == TAQ_FINISHED)
			return NULL;
		native_gate_open(&ta.s->back[ta.producer], false);
	}
}

static void
taq_stress_run(unsigned np, uint64_t n, unsigned nremovers)
{
	static struct taq_stress s;
	pthread_t th[TAQ_PRODUCERS_MAX + 2];
	struct taq_arg args[TAQ_PRODUCERS_MAX + 2];
	uint64_t sleeps = 0;

	memset(&s, 0, sizeof(s));
	s.producers = np;
	s.items = n;
	atomic_qinit(&s.q, offsetof(struct taq_item, link));
	mutex_init(&s.lock, MUTEX_DEFAULT, IPL_NONE);
	native_gate_init(&s.work);
	for (unsigned p = 0; p < np; p++) {
		s.popped[p] = calloc(n, 1);
		s.last_tail[p] = -1;
		native_gate_init(&s.back[p]);
	}
	for (unsigned t = 0; t < np + nremovers; t++) {
		args[t] = (struct taq_arg){ &s, t };
		pthread_create(&th[t], NULL, t < np ? taq_stress_producer :
		    taq_stress_remover, &args[t]);
	}
	for (unsigned t = 0; t < np + nremovers; t++)
		pthread_join(th[t], NULL);
	CHECK(s.got == np * n, "popped %llu items, want %llu",
	    (unsigned long long)s.got, (unsigned long long)(np * n));
	CHECK(atomic_qempty(&s.q), "items left at the end");
	for (unsigned p = 0; p < np; p++) {
		sleeps += s.back[p].sleeps;
		native_gate_destroy(&s.back[p]);
		free(s.popped[p]);
	}
	printf("stress: %u producers x %llu items, %u remover(s): ok "
	    "(%llu empty pops, %llu + %llu sleeps)\n", np,
	    (unsigned long long)n, nremovers, (unsigned long long)s.empty,
	    (unsigned long long)sleeps, (unsigned long long)s.work.sleeps);
	native_gate_destroy(&s.work);
	mutex_destroy(&s.lock);
}

static void
taq_usage(void)
{
	fprintf(stderr, "usage: test_atomic_queue sequential | rounds "
	    "PRODUCERS | stress PRODUCERS [ITEMS] | badoffset OFFSET\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	atomic_queue_t q;

	native_test_init("test_atomic_queue", argc, argv);
	if (argc < 2)
		taq_usage();
	if (strcmp(argv[1], "sequential") == 0 && argc == 2) {
		taq_sequential();
	} else if (strcmp(argv[1], "rounds") == 0 && argc == 3) {
		taq_rounds((unsigned)native_test_number(argv[2], 1,
		    TAQ_PRODUCERS_MAX));
	} else if (strcmp(argv[1], "stress") == 0 && (argc == 3 || argc == 4)) {
		unsigned np = (unsigned)native_test_number(argv[2], 1,
		    TAQ_PRODUCERS_MAX);
		uint64_t n = argc == 4 ?
		    native_test_number(argv[3], 1, 1UL << 32) : 20000;

		taq_stress_run(np, n, 1);
		taq_stress_run(np, n, 2);
	} else if (strcmp(argv[1], "badoffset") == 0 && argc == 3) {
		atomic_qinit(&q, native_test_number(argv[2], 0, 4096));
	} else {
		taq_usage();
	}
	return 0;
}
