/*
 * atomic_queue.h -- a lockless intrusive queue of items of one type,
 * pushed at the head (LIFO use) or at the tail (FIFO use), removed at the
 * head only.
 *
 * Items are linked through an atomic_queue_link_t member at the same
 * offset in every item; atomic_qinit is given that offset.  The queue is
 * not LIFO or FIFO by itself: the order is decided by how each item was
 * pushed.  Exactly:
 *
 *	queue = [items pushed at the head, newest first]
 *	        ++ [items pushed at the tail, oldest first]
 *
 * and atomic_qpop_head removes the first item of that sequence.  So items
 * pushed only at the head come out LIFO, items pushed only at the tail
 * FIFO, and a head push always jumps ahead of every tail-pushed item.
 *
 * Construction (subr_atomic_queue.c): two lockless stacks of links and a
 * list private to the remover.  A head push is a CAS onto the head stack;
 * a tail push a CAS onto the tail stack.  The remover pops the head stack
 * by CAS; when it is empty it takes from its private list, which it
 * refills by swapping the whole tail stack out (one atomic swap) and
 * reversing it, oldest first.  Pushes are lock-free (a CAS fails only
 * because another push or a pop succeeded); a pop is lock-free too, and
 * O(1) amortised.  No push is ever half done as far as the remover can
 * see: an item becomes visible with its link already written.
 *
 * ABA.  A CAS pop can be fooled only if the top of the head stack is
 * removed and pushed again between the remover's read of it and its CAS.
 * Only the remover removes, and it is the one in the middle of the pop;
 * an item still in the queue cannot be pushed again (see below).  So the
 * top can change only by pushes on top of it, which make the CAS fail,
 * and the next link the remover read is still the right one.  The swap of
 * the tail stack compares nothing, so it has no ABA.
 *
 * What callers must guarantee:
 *   - one remover at a time (callers serialize atomic_qpop_head and
 *     atomic_qempty with a lock of their own, or have one remover thread);
 *   - an item is in at most one queue at a time, and in it at most once:
 *     it is pushed again only after it has been popped;
 *   - an item is not freed, and its link is not touched, while queued;
 *   - items are not NULL; every item has its link at the given offset.
 * The queue never reads or writes an item outside its link.
 */
#ifndef _STACK_KERN_ATOMIC_QUEUE_H_
#define _STACK_KERN_ATOMIC_QUEUE_H_

#include <sys/kern.h>

/* The member each item embeds.  Private to the queue. */
typedef struct atomic_queue_link {
	struct atomic_queue_link *volatile aql_next;
} atomic_queue_link_t;

/*
 * The queue, embedded in its owner.  Legend: c = constant after
 * atomic_qinit, a = atomic (pushers and remover), r = remover only.
 * Private to subr_atomic_queue.c.
 */
typedef struct atomic_queue {
	atomic_queue_link_t *volatile aq_head;  /* a: pushed at head, newest first */
	atomic_queue_link_t *volatile aq_tail;  /* a: pushed at tail, newest first */
	atomic_queue_link_t *aq_taken;          /* r: taken from aq_tail, oldest first */
	size_t aq_offset;                       /* c: of the link in an item */
} atomic_queue_t;

/*
 * Make q an empty queue of items whose link is offset bytes from their
 * start.
 * => offset is a multiple of the link's alignment
 * => no one else may use q yet
 */
void	atomic_qinit(atomic_queue_t *q, size_t offset);

/*
 * Push item at the head: it becomes the next item popped (LIFO use).
 * => item != NULL and not in any queue
 * => any number of concurrent pushers; never sleeps, never allocates
 */
void	atomic_qpush_head(atomic_queue_t *q, void *item);

/*
 * Push item at the tail: it comes out after everything now queued (FIFO
 * use).
 * => item != NULL and not in any queue
 * => any number of concurrent pushers; never sleeps, never allocates
 */
void	atomic_qpush_tail(atomic_queue_t *q, void *item);

/*
 * Remove and return the item at the head, or NULL if the queue is empty.
 * => one remover at a time (see above); concurrent pushes are fine
 */
void	*atomic_qpop_head(atomic_queue_t *q);

/*
 * Whether the queue is empty.  Exact for the remover when no push runs
 * concurrently; otherwise a hint that was true at some moment of the call.
 * => one remover at a time, as for atomic_qpop_head
 */
bool	atomic_qempty(atomic_queue_t *q);

#endif /* _STACK_KERN_ATOMIC_QUEUE_H_ */
