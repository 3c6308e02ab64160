/*
 * native_pcq.c -- PCQ throughput on the real cores, against a mutex-
 * protected ring and against NetBSD's design, in one invocation.
 *
 * Figures (items per second through a 1,024-slot queue; 20,000,000 items
 * per measurement, all queues measured in turn within each run so that
 * machine noise hits them alike):
 *
 *	pcq_1p1c_items_per_s          our PCQ, 1 producer + 1 consumer
 *	mutex_ring_1p1c_items_per_s   a ring under one kmutex_t (pthreads)
 *	pcq_2p1c_items_per_s          our PCQ, 2 producers + 1 consumer
 *	netbsd_pcq_1p1c_items_per_s   NetBSD's design, re-implemented here:
 *	                              both indices in one 32-bit word moved
 *	                              by CAS, NULL marking an empty slot
 *	pcq_vs_mutex_ring_ratio       pcq_1p1c / mutex_ring_1p1c, per run
 *	pcq_vs_netbsd_pcq_ratio       pcq_1p1c / netbsd_pcq_1p1c, per run
 *
 * Threads are pinned: with one producer, producer on core 0 and consumer
 * on core 1; with two, one producer per core and the consumer sharing
 * core 1 with the second producer.  A thread that finds the queue full
 * (or empty) spins briefly, then yields the core.  The consumer checks it
 * got every item (count and sum) and the run fails otherwise.
 *
 *	native_pcq [name-prefix]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>

#include <kern/pcq.h>

#include "bench/bench.h"
#include "tests/native/native_kern.h"

#define NB_SLOTS        1024
#ifndef NB_ITEMS
#define NB_ITEMS        20000000ULL
#endif
#define NB_RUNS         5
#define NB_SPINS        64      /* pauses before a yield */

enum nb_kind { NB_PCQ, NB_MUTEX_RING, NB_NETBSD_PCQ };

/* The comparison ring: one lock around everything. */
struct nb_ring {
	kmutex_t lock;
	unsigned head, count;           /* l */
	void *slots[NB_SLOTS];          /* l */
};

/*
 * NetBSD's pcq design: producer index in the high half of one word,
 * consumer index in the low half; a put CASes the producer index forward
 * and then stores its item, a get takes a non-NULL item, clears the slot
 * and CASes the consumer index forward.  One slot stays unused to tell
 * full from empty.
 */
#define NB_NB_SLOTS     (NB_SLOTS + 1)
struct nb_netbsd {
	volatile uint32_t pc;           /* producer << 16 | consumer */
	char pad[__CACHE_LINE_SIZE];
	void *volatile items[NB_NB_SLOTS];
};

struct nb_shared {
	enum nb_kind kind;
	pcq_t *pcq;
	struct nb_ring *ring;
	struct nb_netbsd *netbsd;
	uint64_t per_producer;
	unsigned producers;
	pthread_barrier_t start;
	uint64_t got, sum;              /* consumer's result */
};

struct nb_thread {
	struct nb_shared *s;
	unsigned core;
};

static inline void
nb_relax(unsigned *spins)
{
	if (++*spins < NB_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	*spins = 0;
	sched_yield();
}

static inline unsigned
nb_netbsd_next(unsigned i)
{
	return i + 1 == NB_NB_SLOTS ? 0 : i + 1;
}

static bool
nb_netbsd_put(struct nb_netbsd *q, void *item)
{
	uint32_t v, nv;
	unsigned p;

	do {
		v = atomic_load_relaxed(&q->pc);
		p = v >> 16;
		if (nb_netbsd_next(p) == (v & 0xffff))
			return false;
		nv = (uint32_t)nb_netbsd_next(p) << 16 | (v & 0xffff);
	} while (atomic_cas_32(&q->pc, v, nv) != v);
	atomic_store_release(&q->items[p], item);
	return true;
}

static void *
nb_netbsd_get(struct nb_netbsd *q)
{
	uint32_t v, nv;
	unsigned c;
	void *item;

	v = atomic_load_relaxed(&q->pc);
	c = v & 0xffff;
	item = atomic_load_acquire(&q->items[c]);
	if (item == NULL)
		return NULL;
	atomic_store_relaxed(&q->items[c], NULL);
	do {
		v = atomic_load_relaxed(&q->pc);
		nv = (v & 0xffff0000) | nb_netbsd_next(c);
	} while (atomic_cas_32(&q->pc, v, nv) != v);
	return item;
}

static bool
nb_ring_put(struct nb_ring *r, void *item)
{
	bool ok;

	mutex_enter(&r->lock);
	ok = r->count < NB_SLOTS;
	if (ok)
		r->slots[(r->head + r->count++) % NB_SLOTS] = item;
	mutex_exit(&r->lock);
	return ok;
}

static void *
nb_ring_get(struct nb_ring *r)
{
	void *item = NULL;

	mutex_enter(&r->lock);
	if (r->count > 0) {
		item = r->slots[r->head];
		r->head = (r->head + 1) % NB_SLOTS;
		r->count--;
	}
	mutex_exit(&r->lock);
	return item;
}

static inline bool
nb_put(struct nb_shared *s, void *item)
{
	switch (s->kind) {
	case NB_PCQ:
		return pcq_put(s->pcq, item);
	case NB_MUTEX_RING:
		return nb_ring_put(s->ring, item);
	default:
		return nb_netbsd_put(s->netbsd, item);
	}
}

static inline void *
nb_get(struct nb_shared *s)
{
	switch (s->kind) {
	case NB_PCQ:
		return pcq_get(s->pcq);
	case NB_MUTEX_RING:
		return nb_ring_get(s->ring);
	default:
		return nb_netbsd_get(s->netbsd);
	}
}

static void *
nb_producer(void *arg)
{
	struct nb_thread *t = arg;
	struct nb_shared *s = t->s;
	unsigned spins = 0;

	native_pin(t->core);
	pthread_barrier_wait(&s->start);
	for (uint64_t i = 1; i <= s->per_producer; i++) {
		while (!nb_put(s, (void *)(uintptr_t)i))
			nb_relax(&spins);
	}
	return NULL;
}

static void *
nb_consumer(void *arg)
{
	struct nb_thread *t = arg;
	struct nb_shared *s = t->s;
	uint64_t want = s->per_producer * s->producers, got = 0, sum = 0;
	unsigned spins = 0;
	void *item;

	native_pin(t->core);
	pthread_barrier_wait(&s->start);
	while (got < want) {
		item = nb_get(s);
		if (item == NULL) {
			nb_relax(&spins);
			continue;
		}
		got++;
		sum += (uintptr_t)item;
	}
	s->got = got;
	s->sum = sum;
	return NULL;
}

/* One measurement: items per second for kind with np producers. */
static double
nb_measure(enum nb_kind kind, unsigned np)
{
	struct nb_shared s = { .kind = kind, .producers = np,
	    .per_producer = NB_ITEMS / np };
	struct nb_thread th[3];
	pthread_t tid[3];
	uint64_t n = s.per_producer;
	double t0, t1;

	s.pcq = pcq_create(NB_SLOTS, KM_SLEEP);
	s.ring = kmem_zalloc(sizeof(*s.ring), KM_SLEEP);
	mutex_init(&s.ring->lock, MUTEX_DEFAULT, IPL_NONE);
	s.netbsd = kmem_zalloc(sizeof(*s.netbsd), KM_SLEEP);
	pthread_barrier_init(&s.start, NULL, np + 2);
	/* Producer i on core i; the consumer on core 1. */
	for (unsigned i = 0; i <= np; i++) {
		th[i] = (struct nb_thread){ &s, i < np ? i % 2 : 1 };
		pthread_create(&tid[i], NULL, i < np ? nb_producer :
		    nb_consumer, &th[i]);
	}
	pthread_barrier_wait(&s.start);
	t0 = bench_now_s();
	for (unsigned i = 0; i <= np; i++)
		pthread_join(tid[i], NULL);
	t1 = bench_now_s();
	if (s.got != n * np || s.sum != np * (n * (n + 1) / 2)) {
		fprintf(stderr, "native_pcq: kind %d lost items: got %llu\n",
		    kind, (unsigned long long)s.got);
		exit(1);
	}
	pthread_barrier_destroy(&s.start);
	mutex_destroy(&s.ring->lock);
	kmem_free(s.netbsd, sizeof(*s.netbsd));
	kmem_free(s.ring, sizeof(*s.ring));
	pcq_destroy(s.pcq);
	return (double)(n * np) / (t1 - t0);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum nb_kind kind;
		unsigned producers;
	} figs[] = {
		{ "pcq_1p1c_items_per_s", NB_PCQ, 1 },
		{ "mutex_ring_1p1c_items_per_s", NB_MUTEX_RING, 1 },
		{ "pcq_2p1c_items_per_s", NB_PCQ, 2 },
		{ "netbsd_pcq_1p1c_items_per_s", NB_NETBSD_PCQ, 1 },
	};
	double v[__arraycount(figs)][NB_RUNS] = { { 0 } };
	double r_mutex[NB_RUNS], r_netbsd[NB_RUNS];
	bool want[__arraycount(figs)];
	bool want_rm = false, want_rn = false;

	bench_init(argc, argv);
	want_rm = bench_wanted("pcq_vs_mutex_ring_ratio");
	want_rn = bench_wanted("pcq_vs_netbsd_pcq_ratio");
	for (size_t f = 0; f < __arraycount(figs); f++)
		want[f] = bench_wanted(figs[f].name);
	/* A ratio needs both of its figures. */
	want[0] |= want_rm || want_rn;
	want[1] |= want_rm;
	want[3] |= want_rn;
	for (int run = 0; run < NB_RUNS; run++) {
		for (size_t f = 0; f < __arraycount(figs); f++)
			if (want[f])
				v[f][run] = nb_measure(figs[f].kind,
				    figs[f].producers);
		r_mutex[run] = v[0][run] / v[1][run];
		r_netbsd[run] = v[0][run] / v[3][run];
	}
	for (size_t f = 0; f < __arraycount(figs); f++)
		if (want[f] && bench_wanted(figs[f].name))
			bench_report(figs[f].name, "items/s", v[f], NB_RUNS);
	if (want_rm)
		bench_report("pcq_vs_mutex_ring_ratio", "x", r_mutex, NB_RUNS);
	if (want_rn)
		bench_report("pcq_vs_netbsd_pcq_ratio", "x", r_netbsd, NB_RUNS);
	return 0;
}
