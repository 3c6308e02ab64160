/*
 * evq_alt_heap2.h -- candidate event queue: the binary min-heap on
 * (time, seq) that sim/engine/evq.c started as, events stored inline.  The
 * baseline every other candidate is compared with.
 */
#ifndef BENCH_EVQ_ALT_HEAP2_H
#define BENCH_EVQ_ALT_HEAP2_H

#include "bench/evq_alt.h"

struct heap2 {
	struct sim_event *a;
	size_t n;
	size_t cap;
};

static void *
heap2_create(void)
{
	return evq_alt_xzalloc(sizeof(struct heap2));
}

static void
heap2_destroy(void *q)
{
	struct heap2 *h = q;

	free(h->a);
	free(h);
}

static void
heap2_push(void *q, const struct sim_event *ev)
{
	struct heap2 *h = q;
	size_t i = h->n++;

	if (h->n > h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->a = evq_alt_xrealloc(h->a, h->cap * sizeof(*h->a));
	}
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!evq_alt_less(ev, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = *ev;
}

static bool
heap2_pop(void *q, struct sim_event *out)
{
	struct heap2 *h = q;
	struct sim_event last;
	size_t i = 0, n;

	if (h->n == 0)
		return false;
	*out = h->a[0];
	n = --h->n;
	if (n == 0)
		return true;
	last = h->a[n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && evq_alt_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!evq_alt_less(&h->a[c], &last))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = last;
	return true;
}

static const struct evq_alt_ops evq_alt_heap2 = {
	"heap2", heap2_create, heap2_destroy, heap2_push, heap2_pop,
};

#endif /* BENCH_EVQ_ALT_HEAP2_H */
