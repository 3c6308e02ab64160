/*
 * evq_alt_heap4.h -- candidate event queue: an implicit 4-ary min-heap on
 * (time, seq), the 32-byte events stored inline.
 *
 * Half the depth of a binary heap, and the four children of a node are
 * one aligned 128-byte block (two cache lines): the array starts 32 bytes
 * past a 64-byte boundary, so with the root at index 0 the children
 * 4i+1..4i+4 of node i always begin on a line.  A pop moves the hole from
 * the root down to a leaf along the least children, then sifts the old
 * last element up from there (Wegener's bottom-up variant): in a hold
 * model the last element belongs near the bottom, so this saves about
 * one comparison per level.
 */
#ifndef BENCH_EVQ_ALT_HEAP4_H
#define BENCH_EVQ_ALT_HEAP4_H

#include <string.h>

#include "bench/evq_alt.h"

struct heap4 {
	void *mem;              /* the allocation, 64-byte aligned */
	struct sim_event *a;    /* (struct sim_event *)mem + 1 */
	size_t n;
	size_t cap;
};

static void *
heap4_create(void)
{
	return evq_alt_xzalloc(sizeof(struct heap4));
}

static void
heap4_destroy(void *q)
{
	struct heap4 *h = q;

	free(h->mem);
	free(h);
}

static void
heap4_grow(struct heap4 *h)
{
	size_t cap = h->cap ? h->cap * 2 : 1024;
	size_t bytes = (cap + 2) * sizeof(struct sim_event);
	void *mem = aligned_alloc(64, bytes);

	if (mem == NULL) {
		fprintf(stderr, "evqalt: out of memory (%zu bytes)\n", bytes);
		abort();
	}
	if (h->n > 0)
		memcpy((struct sim_event *)mem + 1, h->a, h->n * sizeof(*h->a));
	free(h->mem);
	h->mem = mem;
	h->a = (struct sim_event *)mem + 1;
	h->cap = cap;
}

static void
heap4_push(void *q, const struct sim_event *ev)
{
	struct heap4 *h = q;
	size_t i;

	if (h->n == h->cap)
		heap4_grow(h);
	i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 4;

		if (!evq_alt_less(ev, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = *ev;
}

/* The least of the children c.. of a node, n the heap size. */
static inline size_t
heap4_min_child(const struct sim_event *a, size_t c, size_t n)
{
	size_t m = c;

	if (c + 3 < n) {
		/* A tournament, written for conditional moves. */
		size_t m1 = c + evq_alt_less(&a[c + 1], &a[c]);
		size_t m2 = c + 2 + evq_alt_less(&a[c + 3], &a[c + 2]);

		return evq_alt_less(&a[m2], &a[m1]) ? m2 : m1;
	}
	for (size_t k = c + 1; k < n; k++)
		if (evq_alt_less(&a[k], &a[m]))
			m = k;
	return m;
}

static bool
heap4_pop(void *q, struct sim_event *out)
{
	struct heap4 *h = q;
	struct sim_event last;
	size_t i = 0, n;

	if (h->n == 0)
		return false;
	*out = h->a[0];
	n = --h->n;
	if (n == 0)
		return true;
	last = h->a[n];
	/* Hole to the bottom along least children... */
	for (;;) {
		size_t c = 4 * i + 1;

		if (c >= n)
			break;
		c = heap4_min_child(h->a, c, n);
		h->a[i] = h->a[c];
		i = c;
	}
	/* ...then the old last element up to where it belongs. */
	while (i > 0) {
		size_t p = (i - 1) / 4;

		if (!evq_alt_less(&last, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = last;
	return true;
}

static const struct evq_alt_ops evq_alt_heap4 = {
	"heap4", heap4_create, heap4_destroy, heap4_push, heap4_pop,
};

#endif /* BENCH_EVQ_ALT_HEAP4_H */
