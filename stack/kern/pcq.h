/*
 * pcq.h -- producer/consumer queue (NetBSD's pcq(9)).
 *
 * A PCQ is a bounded FIFO of opaque, non-NULL pointers with any number of
 * producers and ONE consumer at a time.  Producers never lock: a put
 * reserves a slot with a compare-and-swap and then publishes the item in
 * it.  The consumer is serialized by the lock of the structure the PCQ is
 * embedded in (the socket lock for a socket's receive PCQ, the ifnet lock
 * for an interface's queue); the PCQ itself takes no lock and checks none.
 * The queue never reads, writes or frees an item, and does not notice an
 * item inserted twice: each insertion is delivered once.
 *
 * The capacity (1 .. PCQ_MAXLEN items) is fixed at creation, which is the
 * only allocation: put and get never allocate, never sleep, and may be
 * called from interrupt context.
 *
 * Design (subr_pcq.c has the details).  Every slot carries a sequence
 * stamp that says whose turn it is: "producer of lap L may write" or
 * "consumer may read lap L".  The producers share one tail position and
 * reserve a slot by a CAS on it; the consumer keeps its head position to
 * itself and reads only slot stamps, so producers and consumer touch
 * different cache lines except for the slots they hand over.  There is no
 * shared item count.
 *
 * Progress.  pcq_get and pcq_peek are wait-free (no loop).  pcq_put is
 * lock-free: its CAS fails only because another put succeeded, and it
 * never waits for anyone -- when the slot it needs is still held it
 * returns false (full).  A producer preempted between its reservation and
 * its publication (a few instructions) blocks nobody: other producers go
 * on reserving and publishing the slots after it until the ring is full,
 * and the consumer does not spin -- pcq_get returns NULL while the oldest
 * reserved slot is unpublished, exactly as if the queue were empty, and
 * delivers it and everything behind it once that producer runs again.
 * Hence the wakeup rule below.
 *
 * Order: items come out in the order their reservations succeeded, so
 * each producer's items come out in the order it put them.
 */
#ifndef _STACK_KERN_PCQ_H_
#define _STACK_KERN_PCQ_H_

#include <sys/kern.h>
#include <sys/kmem.h>

typedef struct pcq pcq_t;

/* The largest capacity a PCQ can have (as in NetBSD). */
#define PCQ_MAXLEN      0xffff

/*
 * Create a PCQ holding at most maxlen items.
 * => 1 <= maxlen <= PCQ_MAXLEN
 * => the only call that allocates; KM_SLEEP never fails, KM_NOSLEEP may
 *    return NULL
 */
pcq_t	*pcq_create(size_t maxlen, km_flag_t kmflags);

/*
 * Free the PCQ.  Items still in it are forgotten, not freed.
 * => no producer or consumer may be using it; accepts NULL
 */
void	pcq_destroy(pcq_t *pcq);

/*
 * Append item at the tail.
 * => item != NULL
 * => any number of concurrent callers; never sleeps, never allocates
 * => returns false, changing nothing, if the PCQ is full
 * => a producer should wake the consumer after every successful put: a
 *    get that ran while this put was half done may have returned NULL
 */
bool	pcq_put(pcq_t *pcq, void *item);

/*
 * Remove and return the item at the head.
 * => called by the one consumer, with the lock of the structure the PCQ
 *    is embedded in held (socket lock, ifnet lock)
 * => returns NULL if the PCQ is empty, or if the oldest put is still
 *    between its reservation and its publication (that producer's wakeup
 *    follows)
 */
void	*pcq_get(pcq_t *pcq);

/*
 * The item pcq_get would return now, without removing it.
 * => the consumer's lock held, as for pcq_get
 */
void	*pcq_peek(pcq_t *pcq);

/* The capacity given to pcq_create. */
size_t	pcq_maxitems(pcq_t *pcq);

#endif /* _STACK_KERN_PCQ_H_ */
