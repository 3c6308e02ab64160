/*
 * test_pcq.c -- the PCQ's promises, on real threads (native backend).
 *
 *	test_pcq sequential          exact single-threaded checks
 *	test_pcq fill P              P producers fill a PCQ whose consumer
 *	                             is stopped: exactly maxlen puts succeed
 *	test_pcq stress P [N]        P producers x N items, one consumer at
 *	                             a time (1, then 2 taking turns under a
 *	                             kmutex): every item exactly once, each
 *	                             producer's items in order
 *	test_pcq badlen LEN          pcq_create(LEN) must stop with a message
 *
 * An item is not a pointer to anything: it encodes (producer, sequence)
 * as a non-NULL integer, which the PCQ never looks inside.  Producers
 * retry a failed put, so producer p's items enter in sequence order and
 * the consumer must see 0, 1, 2, ... from each -- one comparison checks
 * both "exactly once" and "FIFO per producer".
 *
 * Run under ThreadSanitizer by `make tsan`.  On failure the program
 * prints what failed and the command line to replay it (a threaded run is
 * not deterministic; the replay runs the same workload again).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>

#include <kern/pcq.h>

#include "tests/native/native_kern.h"
#include "tests/native/native_test.h"

#define TP_PRODUCERS_MAX        64
#define TP_SEQ_BITS             40

static void *
tp_item(unsigned producer, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)(producer + 1) << TP_SEQ_BITS) |
	    (seq + 1));
}

static unsigned
tp_producer(void *item)
{
	return (unsigned)(((uintptr_t)item >> TP_SEQ_BITS) - 1);
}

static uint64_t
tp_seq(void *item)
{
	return ((uintptr_t)item & (((uint64_t)1 << TP_SEQ_BITS) - 1)) - 1;
}

/* ---- sequential ---------------------------------------------------- */

/* Fill to the brim, check full, drain, check empty, for one capacity. */
static void
tp_fill_drain(size_t cap, unsigned rounds)
{
	pcq_t *q = pcq_create(cap, KM_SLEEP);
	uint64_t allocs = native_kmem_allocs();
	uint64_t seq = 0;

	CHECK(pcq_maxitems(q) == cap, "maxitems %zu, want %zu",
	    pcq_maxitems(q), cap);
	for (unsigned r = 0; r < rounds; r++) {
		CHECK(pcq_get(q) == NULL && pcq_peek(q) == NULL,
		    "cap %zu round %u: not empty at start", cap, r);
		for (size_t i = 0; i < cap; i++)
			CHECK(pcq_put(q, tp_item(0, seq + i)),
			    "cap %zu round %u: put %zu of %zu failed", cap, r,
			    i + 1, cap);
		CHECK(!pcq_put(q, tp_item(1, 0)),
		    "cap %zu round %u: put into a full PCQ succeeded", cap, r);
		CHECK(pcq_peek(q) == tp_item(0, seq),
		    "cap %zu round %u: peek is not the oldest item", cap, r);
		for (size_t i = 0; i < cap; i++, seq++) {
			void *it = pcq_get(q);

			CHECK(it == tp_item(0, seq), "cap %zu round %u: "
			    "get %zu gave %p, want %p", cap, r, i, it,
			    tp_item(0, seq));
			/* Room again after the first get: a put recovers. */
			if (i == 0) {
				CHECK(pcq_put(q, tp_item(2, r)),
				    "cap %zu: put after a get failed", cap);
				CHECK(!pcq_put(q, tp_item(2, r)),
				    "cap %zu: full again, put succeeded", cap);
			}
		}
		CHECK(pcq_get(q) == tp_item(2, r),
		    "cap %zu round %u: late item missing", cap, r);
		CHECK(pcq_get(q) == NULL, "cap %zu: get on empty", cap);
	}
	CHECK(native_kmem_allocs() == allocs,
	    "put/get allocated memory (%llu allocations)",
	    (unsigned long long)(native_kmem_allocs() - allocs));
	pcq_destroy(q);
}

/* Random puts, gets and peeks against a ring model. */
static void
tp_model(size_t cap, unsigned ops, uint64_t seed)
{
	pcq_t *q = pcq_create(cap, KM_SLEEP);
	void **model = calloc(cap, sizeof(*model));
	size_t head = 0, count = 0;
	uint64_t x = seed, seq = 0;

	for (unsigned op = 0; op < ops; op++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		if (x % 3 != 0) {               /* put, a bit more often */
			bool ok = pcq_put(q, tp_item(0, seq));

			CHECK(ok == (count < cap), "seed %llu op %u: put "
			    "returned %d with %zu of %zu queued",
			    (unsigned long long)seed, op, ok, count, cap);
			if (ok)
				model[(head + count++) % cap] = tp_item(0, seq++);
		} else {
			void *want = count ? model[head] : NULL;
			void *peek = pcq_peek(q), *got = pcq_get(q);

			CHECK(peek == want && got == want, "seed %llu op %u:"
			    " peek %p get %p, want %p", (unsigned long long)seed,
			    op, peek, got, want);
			if (count) {
				head = (head + 1) % cap;
				count--;
			}
		}
	}
	free(model);
	pcq_destroy(q);
}

static void
tp_sequential(void)
{
	static const size_t caps[] = { 1, 2, 3, 5, 64, 1000, PCQ_MAXLEN };
	pcq_t *q;
	int x;

	for (size_t i = 0; i < __arraycount(caps); i++) {
		tp_fill_drain(caps[i], caps[i] > 1000 ? 3 : 50);
		tp_model(caps[i], 200000, 1 + i);
	}
	/* The same item twice is two insertions; the item is untouched. */
	q = pcq_create(4, KM_SLEEP);
	x = 42;
	CHECK(pcq_put(q, &x) && pcq_put(q, &x), "put same item twice");
	CHECK(pcq_get(q) == &x && pcq_get(q) == &x && pcq_get(q) == NULL,
	    "same item twice: not delivered twice");
	CHECK(x == 42, "the PCQ modified an item");
	pcq_destroy(q);
	pcq_destroy(NULL);
	printf("sequential: ok\n");
}

/* ---- fill: concurrent producers, stopped consumer -------------------- */

struct tp_fill {
	pcq_t *q;
	pthread_barrier_t start, done;
	unsigned rounds;
	uint64_t ok[TP_PRODUCERS_MAX];  /* per producer, this round */
	uint64_t next[TP_PRODUCERS_MAX];
};

struct tp_arg {
	void *shared;
	unsigned id;
};

static void *
tp_fill_producer(void *argp)
{
	struct tp_arg *a = argp;
	struct tp_fill *f = a->shared;

	for (unsigned r = 0; r < f->rounds; r++) {
		pthread_barrier_wait(&f->start);
		f->ok[a->id] = 0;
		while (pcq_put(f->q, tp_item(a->id, f->next[a->id]))) {
			f->next[a->id]++;
			f->ok[a->id]++;
		}
		pthread_barrier_wait(&f->done);
	}
	return NULL;
}

/* The consumer's side of one round: count, then drain in order. */
static void
tp_fill_check(struct tp_fill *f, unsigned np, size_t cap, uint64_t *seen)
{
	uint64_t total = 0;
	void *it;

	for (unsigned p = 0; p < np; p++)
		total += f->ok[p];
	CHECK(total == cap, "%u producers filled a PCQ of %zu with %llu "
	    "items", np, cap, (unsigned long long)total);
	CHECK(!pcq_put(f->q, tp_item(np, 0)), "full PCQ took a put");
	for (size_t i = 0; i < cap; i++) {
		it = pcq_get(f->q);
		CHECK(it != NULL, "drain: item %zu of %zu missing", i, cap);
		CHECK(tp_producer(it) < np &&
		    tp_seq(it) == seen[tp_producer(it)],
		    "drain: got producer %u seq %llu, want seq %llu",
		    tp_producer(it), (unsigned long long)tp_seq(it),
		    (unsigned long long)seen[tp_producer(it) % np]);
		seen[tp_producer(it)]++;
	}
	CHECK(pcq_get(f->q) == NULL, "drain: more than %zu items", cap);
}

static void
tp_fill(unsigned np)
{
	static const size_t caps[] = { 1, 7, 256 };
	pthread_t th[TP_PRODUCERS_MAX];
	struct tp_arg args[TP_PRODUCERS_MAX];
	uint64_t seen[TP_PRODUCERS_MAX];

	for (size_t c = 0; c < __arraycount(caps); c++) {
		struct tp_fill f = { .rounds = 100 };

		f.q = pcq_create(caps[c], KM_SLEEP);
		memset(seen, 0, sizeof(seen));
		pthread_barrier_init(&f.start, NULL, np + 1);
		pthread_barrier_init(&f.done, NULL, np + 1);
		for (unsigned p = 0; p < np; p++) {
			args[p] = (struct tp_arg){ &f, p };
			pthread_create(&th[p], NULL, tp_fill_producer, &args[p]);
		}
		for (unsigned r = 0; r < f.rounds; r++) {
			pthread_barrier_wait(&f.start);
			pthread_barrier_wait(&f.done);
			tp_fill_check(&f, np, caps[c], seen);
		}
		for (unsigned p = 0; p < np; p++)
			pthread_join(th[p], NULL);
		pthread_barrier_destroy(&f.start);
		pthread_barrier_destroy(&f.done);
		pcq_destroy(f.q);
	}
	printf("fill: %u producers: ok\n", np);
}

/* ---- stress: concurrent producers and consumers ---------------------- */

/*
 * Producers that find the PCQ full and consumers that find it empty wait
 * at a gate (native_test.h), not in a yield loop: the test must finish on
 * a machine with more runnable threads than cores.
 */
struct tp_stress {
	pcq_t *q;
	uint64_t items;                 /* per producer */
	unsigned producers;
	volatile uint32_t done;         /* a: producers finished */
	volatile uint64_t full;         /* a: failed puts */
	struct native_gate room;        /* producers wait here when full */
	struct native_gate work;        /* consumers wait here when empty */
	kmutex_t lock;                  /* the consumer's lock */
	uint64_t next[TP_PRODUCERS_MAX]; /* l: next seq expected */
	uint64_t got;                   /* l */
	uint64_t empty;                 /* l: gets that found nothing */
};

/* A producer's put, as a gate's ready(). */
struct tp_put {
	struct tp_stress *s;
	void *item;
};

static bool
tp_stress_put(void *argp)
{
	struct tp_put *put = argp;

	if (pcq_put(put->s->q, put->item))
		return true;
	atomic_inc_64(&put->s->full);
	return false;
}

static void *
tp_stress_producer(void *argp)
{
	struct tp_arg *a = argp;
	struct tp_stress *s = a->shared;
	struct tp_put put = { .s = s };

	for (uint64_t i = 0; i < s->items; i++) {
		put.item = tp_item(a->id, i);
		native_gate_wait(&s->room, tp_stress_put, &put);
		native_gate_open(&s->work, false);
	}
	atomic_inc_32(&s->done);
	native_gate_open(&s->work, true);
	return NULL;
}

/* What one get under the consumer's lock found. */
enum tp_take { TP_TOOK, TP_EMPTY, TP_FINISHED };

static enum tp_take
tp_stress_take(struct tp_stress *s)
{
	void *peek, *it;
	unsigned p;
	bool finished;

	mutex_enter(&s->lock);
	/* Read "all done" first: an empty get after that is really empty. */
	finished = atomic_load_acquire(&s->done) == s->producers;
	peek = pcq_peek(s->q);
	it = pcq_get(s->q);
	CHECK(peek == NULL || peek == it, "peek %p but get %p", peek, it);
	if (it != NULL) {
		p = tp_producer(it);
		CHECK(p < s->producers, "item %p: no such producer", it);
		CHECK(tp_seq(it) == s->next[p], "producer %u: got seq %llu,"
		    " want %llu (lost, duplicated or reordered)", p,
		    (unsigned long long)tp_seq(it),
		    (unsigned long long)s->next[p]);
		s->next[p]++;
		s->got++;
	} else {
		s->empty++;
	}
	mutex_exit(&s->lock);
	if (it != NULL)
		return TP_TOOK;
	return finished ? TP_FINISHED : TP_EMPTY;
}

/* A consumer's get, as a gate's ready(): anything but "empty". */
struct tp_get {
	struct tp_stress *s;
	enum tp_take took;
};

static bool
tp_stress_get(void *argp)
{
	struct tp_get *get = argp;

	get->took = tp_stress_take(get->s);
	return get->took != TP_EMPTY;
}

static void *
tp_stress_consumer(void *argp)
{
	struct tp_arg *a = argp;
	struct tp_get get = { .s = a->shared };

	for (;;) {
		native_gate_wait(&get.s->work, tp_stress_get, &get);
		if (get.took == TP_FINISHED)
			return NULL;
		native_gate_open(&get.s->room, false);
	}
}

static void
tp_stress_run(unsigned np, uint64_t n, size_t cap, unsigned nc)
{
	pthread_t th[TP_PRODUCERS_MAX + 2];
	struct tp_arg args[TP_PRODUCERS_MAX + 2];
	struct tp_stress s = { .items = n, .producers = np };

	s.q = pcq_create(cap, KM_SLEEP);
	mutex_init(&s.lock, MUTEX_DEFAULT, IPL_NONE);
	native_gate_init(&s.room);
	native_gate_init(&s.work);
	for (unsigned c = 0; c < nc; c++) {
		args[np + c] = (struct tp_arg){ &s, c };
		pthread_create(&th[np + c], NULL, tp_stress_consumer,
		    &args[np + c]);
	}
	for (unsigned p = 0; p < np; p++) {
		args[p] = (struct tp_arg){ &s, p };
		pthread_create(&th[p], NULL, tp_stress_producer, &args[p]);
	}
	for (unsigned t = 0; t < np + nc; t++)
		pthread_join(th[t], NULL);
	CHECK(s.got == np * n, "delivered %llu items, want %llu",
	    (unsigned long long)s.got, (unsigned long long)(np * n));
	for (unsigned p = 0; p < np; p++)
		CHECK(s.next[p] == n, "producer %u: %llu of %llu delivered",
		    p, (unsigned long long)s.next[p], (unsigned long long)n);
	CHECK(pcq_get(s.q) == NULL, "items left after the end");
	printf("stress: %u producers x %llu items, capacity %zu, %u "
	    "consumer(s): ok (%llu full puts, %llu empty gets, %llu + %llu "
	    "sleeps)\n", np, (unsigned long long)n, cap, nc,
	    (unsigned long long)s.full, (unsigned long long)s.empty,
	    (unsigned long long)s.room.sleeps,
	    (unsigned long long)s.work.sleeps);
	native_gate_destroy(&s.room);
	native_gate_destroy(&s.work);
	mutex_destroy(&s.lock);
	pcq_destroy(s.q);
}

static void
tp_stress(unsigned np, uint64_t n)
{
	tp_stress_run(np, n, 1, 1);
	tp_stress_run(np, n, 3, 2);
	tp_stress_run(np, n, 64, 1);
	tp_stress_run(np, n, 1024, 2);
}

static void
tp_usage(void)
{
	fprintf(stderr, "usage: test_pcq sequential | fill PRODUCERS | "
	    "stress PRODUCERS [ITEMS] | badlen LEN\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	native_test_init("test_pcq", argc, argv);
	if (argc < 2)
		tp_usage();
	if (strcmp(argv[1], "sequential") == 0 && argc == 2)
		tp_sequential();
	else if (strcmp(argv[1], "fill") == 0 && argc == 3)
		tp_fill((unsigned)native_test_number(argv[2], 1,
		    TP_PRODUCERS_MAX));
	else if (strcmp(argv[1], "stress") == 0 && (argc == 3 || argc == 4))
		tp_stress((unsigned)native_test_number(argv[2], 1,
		    TP_PRODUCERS_MAX), argc == 4 ?
		    native_test_number(argv[3], 1, 1UL << 32) : 20000);
	else if (strcmp(argv[1], "badlen") == 0 && argc == 3)
		pcq_create(native_test_number(argv[2], 0, ~0UL), KM_SLEEP);
	else
		tp_usage();
	return 0;
}
