/*
 * subr_atomic_queue.c -- the lockless head/tail queue of <kern/atomic_queue.h>.
 *
 * The queue is [head stack, newest first] ++ [taken list] ++ [tail stack,
 * reversed].  The head and tail stacks are Treiber stacks that any number
 * of pushers extend with a CAS; the taken list belongs to the remover and
 * holds tail-pushed items already swapped out of the tail stack, oldest
 * first.  The remover
 *
 *   1. pops the head stack if it is not empty (CAS; only pushes can make
 *      it fail, and only the remover removes, so there is no ABA);
 *   2. else takes the first item of its taken list;
 *   3. else swaps the tail stack out whole, reverses it into the taken
 *      list, and starts again at 1 -- a head push that landed meanwhile
 *      belongs in front of every tail-pushed item.
 *
 * Why the answers are right although the remover reads three words at
 * different moments: only the remover shrinks the head stack and the tail
 * stack, so between two of its reads each can only have grown.  A pop
 * that returns the taken list's first item saw the head stack empty at
 * its load, and the taken list is the queue's front at that moment.  A
 * pop that returns NULL saw the head stack empty at its load (t0) and
 * the tail stack empty at its later swap (t1); the tail stack cannot have
 * shrunk in between, so at t0 all three parts were empty.
 *
 * Every access to a link or to the stacks' tops goes through
 * <sys/atomic.h> (scheduling points on the simulated machine).  This file
 * must never lock, sleep, allocate, or touch an item outside its link.
 *
 * Test seam.  A test program that compiles this file itself (it
 * #includes it, defining AQ_TEST_BUILD) may define
 *	AQ_MUTANT_PLAIN_PUSH          push with a relaxed load and store
 *	                              instead of the CAS: pushes can be
 *	                              lost, and nothing orders the item's
 *	                              contents before the remover's pop (a
 *	                              race the exploration build must catch).
 * It is never defined for bin/netsim or the ordinary library build.
 */
#include <sys/kern.h>
#include <sys/atomic.h>

#include <kern/atomic_queue.h>

#if defined(AQ_MUTANT_PLAIN_PUSH) && !defined(AQ_TEST_BUILD)
#error "subr_atomic_queue.c test seams are only for test programs"
#endif

static inline atomic_queue_link_t *
atomic_q_link(const atomic_queue_t *q, void *item)
{
	return (atomic_queue_link_t *)(void *)((char *)item + q->aq_offset);
}

static inline void *
atomic_q_item(const atomic_queue_t *q, atomic_queue_link_t *link)
{
	return (char *)link - q->aq_offset;
}

void
atomic_qinit(atomic_queue_t *q, size_t offset)
{
	KASSERTMSG(offset % _Alignof(atomic_queue_link_t) == 0,
	    "atomic_qinit: link offset %zu is not a multiple of %zu",
	    offset, (size_t)_Alignof(atomic_queue_link_t));
	q->aq_head = NULL;
	q->aq_tail = NULL;
	q->aq_taken = NULL;
	q->aq_offset = offset;
}

/* Push link onto the stack whose top is *top (lock-free). */
static void
atomic_q_push(atomic_queue_link_t *volatile *top, atomic_queue_link_t *link)
{
	atomic_queue_link_t *old, *seen;

	old = atomic_load_relaxed(top);
	for (;;) {
		KASSERT(old != link);   /* pushed twice without a pop */
		atomic_store_relaxed(&link->aql_next, old);
#ifdef AQ_MUTANT_PLAIN_PUSH
		/* The mutant: no CAS, so no release either. */
		seen = atomic_load_relaxed(top);
		if (seen == old)
			atomic_store_relaxed(top, link);
#else
		/* The CAS publishes the link written just above (seq_cst). */
		seen = atomic_cas_ptr(top, old, link);
#endif
		if (seen == old)
			return;
		old = seen;
	}
}

void
atomic_qpush_head(atomic_queue_t *q, void *item)
{
	KASSERT(item != NULL);
	atomic_q_push(&q->aq_head, atomic_q_link(q, item));
}

void
atomic_qpush_tail(atomic_queue_t *q, void *item)
{
	KASSERT(item != NULL);
	atomic_q_push(&q->aq_tail, atomic_q_link(q, item));
}

/*
 * Move the whole tail stack into the (empty) taken list, oldest first.
 * Returns false if the tail stack was empty.
 */
static bool
atomic_q_take_tail(atomic_queue_t *q)
{
	atomic_queue_link_t *link, *next, *taken = NULL;

	KASSERT(q->aq_taken == NULL);
	/* The swap acquires the links the pushers wrote before their CAS. */
	link = atomic_swap_ptr(&q->aq_tail, NULL);
	if (link == NULL)
		return false;
	while (link != NULL) {
		next = atomic_load_relaxed(&link->aql_next);
		atomic_store_relaxed(&link->aql_next, taken);
		taken = link;
		link = next;
	}
	q->aq_taken = taken;
	return true;
}

/*
 * Lock-free: a trip round the loop that does not return either lost its
 * CAS to a head push or refilled the taken list, after which the next
 * trip returns unless a head push landed again.
 */
void *
atomic_qpop_head(atomic_queue_t *q)
{
	atomic_queue_link_t *top, *next;

	for (;;) {
		/* Acquire: the link the pusher wrote before its CAS. */
		top = atomic_load_acquire(&q->aq_head);
		if (top != NULL) {
			next = atomic_load_relaxed(&top->aql_next);
			if (atomic_cas_ptr(&q->aq_head, top, next) == top)
				return atomic_q_item(q, top);
			continue;
		}
		/* The head stack was empty: the taken list is the front. */
		top = q->aq_taken;
		if (top != NULL) {
			q->aq_taken = atomic_load_relaxed(&top->aql_next);
			return atomic_q_item(q, top);
		}
		if (!atomic_q_take_tail(q))
			return NULL;
	}
}

bool
atomic_qempty(atomic_queue_t *q)
{
	/* Head first, then tail: see the NULL case in the opening comment. */
	if (atomic_load_acquire(&q->aq_head) != NULL)
		return false;
	if (q->aq_taken != NULL)
		return false;
	return atomic_load_acquire(&q->aq_tail) == NULL;
}
