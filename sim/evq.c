/*
 * evq.c -- the event queue (placeholder: a plain binary heap on (time, seq);
 * to be replaced by the structure the engine benchmarks choose).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/evq.h"

struct sim_evq_impl {
	struct sim_event *a;
	size_t cap;
};

static inline int
ev_less(const struct sim_event *x, const struct sim_event *y)
{
	return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

void
sim_evq_init(struct sim_evq *q)
{
	q->impl = calloc(1, sizeof(*q->impl));
	if (q->impl == NULL)
		abort();
	q->size = 0;
}

void
sim_evq_fini(struct sim_evq *q)
{
	if (q->impl != NULL)
		free(q->impl->a);
	free(q->impl);
	q->impl = NULL;
}

void
sim_evq_push(struct sim_evq *q, const struct sim_event *ev)
{
	struct sim_evq_impl *h = q->impl;
	size_t i = q->size++;

	if (q->size > h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->a = realloc(h->a, h->cap * sizeof(*h->a));
		if (h->a == NULL)
			abort();
	}
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(ev, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = *ev;
}

bool
sim_evq_pop(struct sim_evq *q, struct sim_event *out)
{
	struct sim_evq_impl *h = q->impl;
	struct sim_event last;
	size_t i = 0, n;

	if (q->size == 0)
		return false;
	*out = h->a[0];
	n = --q->size;
	if (n == 0)
		return true;
	last = h->a[n];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!ev_less(&h->a[c], &last))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = last;
	return true;
}

bool
sim_evq_peek_time(struct sim_evq *q, uint64_t *time)
{
	if (q->size == 0)
		return false;
	*time = q->impl->a[0].time;
	return true;
}
