/*
 * test_pcq_stall.c -- a producer stopped in the middle of pcq_put blocks
 * nobody (the progress claim of <kern/pcq.h>), on real threads.
 *
 * This program compiles its own copy of stack/kern/subr_pcq.c with the
 * test seam PCQ_TEST_RESERVED, under renamed symbols (stall_pcq_*) so it
 * does not clash with the ordinary copy linked into every native program.
 * The seam stops the chosen producer after it has reserved its slot and
 * before it publishes the item -- the worst place to be preempted.
 *
 * While it is stopped:
 *   - other producer threads go on putting, concurrently, until exactly
 *     maxlen - 1 puts have succeeded between them, and then see "full"
 *     and return: nobody waits for the stopped one;
 *   - the consumer's get and peek return NULL at once (the oldest slot is
 *     unpublished), without spinning;
 * and once it resumes, the consumer gets its item first and then every
 * other producer's items in order.
 *
 *	test_pcq_stall P      P other producers (1..16), maxlen 1, 2, 8, 100
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCQ_TEST_BUILD          1
#define PCQ_TEST_RESERVED(pcq, pos)     stall_reserved()
#define pcq_create              stall_pcq_create
#define pcq_destroy             stall_pcq_destroy
#define pcq_put                 stall_pcq_put
#define pcq_get                 stall_pcq_get
#define pcq_peek                stall_pcq_peek
#define pcq_maxitems            stall_pcq_maxitems

static void stall_reserved(void);

#include "stack/kern/subr_pcq.c"

#include "tests/native/native_test.h"

#define STALL_OTHERS_MAX        16

static __thread int stall_me;   /* this thread stops in the seam */
static sem_t stall_reached;     /* posted by the stopped producer */
static sem_t stall_resume;      /* posted to let it go on */

static void
stall_reserved(void)
{
	if (!stall_me)
		return;
	sem_post(&stall_reached);
	sem_wait(&stall_resume);
}

/* Items encode (producer, sequence); producer 0 is the stopped one. */
static void *
stall_item(unsigned producer, unsigned seq)
{
	return (void *)(uintptr_t)(((uint64_t)(producer + 1) << 32) | (seq + 1));
}

struct stall_run {
	pcq_t *q;
	unsigned ok[STALL_OTHERS_MAX + 1];  /* successful puts per producer */
};

struct stall_arg {
	struct stall_run *run;
	unsigned id;
};

static void *
stall_stopped_producer(void *argp)
{
	struct stall_run *r = argp;

	stall_me = 1;
	CHECK(pcq_put(r->q, stall_item(0, 0)),
	    "the stopped producer's put failed");
	r->ok[0] = 1;
	return NULL;
}

static void *
stall_other_producer(void *argp)
{
	struct stall_arg *a = argp;
	struct stall_run *r = a->run;

	while (pcq_put(r->q, stall_item(a->id, r->ok[a->id])))
		r->ok[a->id]++;
	return NULL;
}

static void
stall_once(unsigned nothers, size_t cap)
{
	pthread_t stopped, others[STALL_OTHERS_MAX];
	struct stall_arg args[STALL_OTHERS_MAX];
	struct stall_run r = { .q = pcq_create(cap, KM_SLEEP) };
	unsigned total = 0, next[STALL_OTHERS_MAX + 1] = { 0 };
	void *it;

	pthread_create(&stopped, NULL, stall_stopped_producer, &r);
	sem_wait(&stall_reached);
	/* Producer 0 holds the oldest slot, reserved and unpublished. */
	for (unsigned i = 1; i <= nothers; i++) {
		args[i - 1] = (struct stall_arg){ &r, i };
		pthread_create(&others[i - 1], NULL, stall_other_producer,
		    &args[i - 1]);
	}
	for (unsigned i = 0; i < nothers; i++)
		pthread_join(others[i], NULL);
	for (unsigned i = 1; i <= nothers; i++)
		total += r.ok[i];
	CHECK(total == cap - 1, "cap %zu: other producers put %u items "
	    "while one was stopped, want %zu", cap, total, cap - 1);
	CHECK(!pcq_put(r.q, stall_item(nothers + 1, 0)),
	    "cap %zu: put into a full PCQ succeeded", cap);
	CHECK(pcq_peek(r.q) == NULL && pcq_get(r.q) == NULL,
	    "cap %zu: consumer got an item past the unpublished slot", cap);

	sem_post(&stall_resume);
	pthread_join(stopped, NULL);
	CHECK(pcq_get(r.q) == stall_item(0, 0),
	    "cap %zu: the resumed producer's item is not first", cap);
	for (unsigned i = 0; i < total; i++) {
		unsigned p;

		it = pcq_get(r.q);
		CHECK(it != NULL, "cap %zu: item %u of %u missing", cap,
		    i, total);
		p = (unsigned)((uintptr_t)it >> 32) - 1;
		CHECK(p >= 1 && p <= nothers &&
		    (unsigned)(uintptr_t)it - 1 == next[p],
		    "cap %zu: got %p out of order", cap, it);
		next[p]++;
	}
	CHECK(pcq_get(r.q) == NULL, "cap %zu: extra items", cap);
	CHECK(pcq_put(r.q, stall_item(0, 1)) &&
	    pcq_get(r.q) == stall_item(0, 1), "cap %zu: no recovery", cap);
	pcq_destroy(r.q);
}

int
main(int argc, char **argv)
{
	static const size_t caps[] = { 1, 2, 8, 100 };
	unsigned nothers;

	native_test_init("test_pcq_stall", argc, argv);
	nothers = argc == 2 ? (unsigned)atoi(argv[1]) : 0;
	if (nothers < 1 || nothers > STALL_OTHERS_MAX) {
		fprintf(stderr, "usage: test_pcq_stall PRODUCERS (1..%d)\n",
		    STALL_OTHERS_MAX);
		return 2;
	}
	sem_init(&stall_reached, 0, 0);
	sem_init(&stall_resume, 0, 0);
	for (size_t c = 0; c < __arraycount(caps); c++)
		for (unsigned round = 0; round < 20; round++)
			stall_once(nothers, caps[c]);
	printf("stall: %u producers went on past a stopped one: ok\n",
	    nothers);
	return 0;
}
