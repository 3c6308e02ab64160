/*
 * evq_alt_pairing.h -- candidate event queue: a pairing heap (Fredman,
 * Sedgewick, Sleator and Tarjan, 1986) on (time, seq) with two-pass
 * merging.  Push is one comparison; pop pays for the structure.  Nodes
 * come from one growing array and a free list, linked by index, so the
 * order never depends on where a node sits in memory.
 */
#ifndef BENCH_EVQ_ALT_PAIRING_H
#define BENCH_EVQ_ALT_PAIRING_H

#include "bench/evq_alt.h"

struct pairing_node {
	struct sim_event ev;
	uint32_t child;         /* first child; 0 is none */
	uint32_t sib;           /* next sibling, or next free node */
};

struct pairing {
	struct pairing_node *n; /* n[0] is unused: index 0 means none */
	uint32_t cap;
	uint32_t used;          /* n[1..used) have been handed out */
	uint32_t free_head;
	uint32_t root;
};

static void *
pairing_create(void)
{
	struct pairing *h = evq_alt_xzalloc(sizeof(*h));

	h->used = 1;
	return h;
}

static void
pairing_destroy(void *q)
{
	struct pairing *h = q;

	free(h->n);
	free(h);
}

/* The root of a and b melded; both are roots without siblings. */
static inline uint32_t
pairing_meld(struct pairing_node *n, uint32_t a, uint32_t b)
{
	uint32_t t;

	if (evq_alt_less(&n[b].ev, &n[a].ev)) {
		t = a;
		a = b;
		b = t;
	}
	n[b].sib = n[a].child;
	n[a].child = b;
	return a;
}

static void
pairing_push(void *q, const struct sim_event *ev)
{
	struct pairing *h = q;
	uint32_t x;

	if (h->free_head != 0) {
		x = h->free_head;
		h->free_head = h->n[x].sib;
	} else {
		if (h->used >= h->cap) {
			h->cap = h->cap ? h->cap * 2 : 1024;
			h->n = evq_alt_xrealloc(h->n,
			    (size_t)h->cap * sizeof(*h->n));
		}
		x = h->used++;
	}
	h->n[x].ev = *ev;
	h->n[x].child = 0;
	h->n[x].sib = 0;
	h->root = h->root ? pairing_meld(h->n, h->root, x) : x;
}

static bool
pairing_pop(void *q, struct sim_event *out)
{
	struct pairing *h = q;
	struct pairing_node *n = h->n;
	uint32_t r = h->root, c, acc = 0, a, b, next;

	if (r == 0)
		return false;
	*out = n[r].ev;
	c = n[r].child;
	n[r].sib = h->free_head;
	h->free_head = r;
	/* First pass, left to right: meld pairs, stacking the results. */
	while (c != 0) {
		a = c;
		b = n[a].sib;
		if (b == 0) {
			n[a].sib = acc;
			acc = a;
			break;
		}
		next = n[b].sib;
		n[a].sib = n[b].sib = 0;
		a = pairing_meld(n, a, b);
		n[a].sib = acc;
		acc = a;
		c = next;
	}
	/* Second pass, right to left: meld the stack into one tree. */
	r = acc;
	if (r != 0) {
		acc = n[r].sib;
		n[r].sib = 0;
		while (acc != 0) {
			next = n[acc].sib;
			n[acc].sib = 0;
			r = pairing_meld(n, r, acc);
			acc = next;
		}
	}
	h->root = r;
	return true;
}

static const struct evq_alt_ops evq_alt_pairing = {
	"pairing", pairing_create, pairing_destroy, pairing_push, pairing_pop,
};

#endif /* BENCH_EVQ_ALT_PAIRING_H */
