/*
 * subr_pcq.c -- the producer/consumer queue: many producers, one
 * consumer, FIFO, no locks (the contract is in <kern/pcq.h>).
 *
 * The one idea: a ring of slots, each slot stamped with whose turn it is.
 * A position names one use of one slot: pos = lap << 16 | index.  For the
 * slot at index i the stamp moves through, lap after lap,
 *
 *	(L, i)          free: the producer that reserves position (L, i)
 *	                may write the item;
 *	(L, i) + 1      full: the item of lap L is published; the consumer
 *	                may take it;
 *	(L + 1, i)      the consumer took it: free for the next lap.
 *
 * A slot holds its stamp less its index i (pcq_stamp), so a slot all zero
 * bytes is free for lap 0: pcq_create writes no slot, and a queue of
 * thousands of slots costs memory only for the slots it has used.
 *
 * Producers share the tail (the next position to reserve) and move it on
 * with one CAS; the winner owns the slot until it stores the "full" stamp.
 * The consumer owns the head: it never reads the tail, only the stamp of
 * the slot at its head.  So the tail's cache line is written only by
 * producers, the head's only by the consumer, and the two meet only in
 * the slots they hand over -- no shared count, no word holding both ends.
 *
 * A producer finds the queue full when the slot at the tail still holds
 * (or is still being filled with) the item of the previous lap: its stamp
 * is older than the tail position.  It returns false at once: nothing was
 * reserved, nothing needs undoing.  The capacity is exactly the number of
 * slots, so any maxlen up to PCQ_MAXLEN works; positions wrap at 2^64,
 * and the tail returns to the same value only after 2^48 laps (more than
 * 2^48 puts), which bounds the ABA exposure of the tail CAS: a producer
 * would have to stall between reading the tail and its CAS for that many
 * puts by others.
 *
 * Every access to a word another context may touch at the same time goes
 * through <sys/atomic.h>: on the simulated machine each is a scheduling
 * point, which is what lets the simulator interleave producers and
 * consumer at every step and find races.  The consumer's head is touched
 * only under the consumer's lock and is a plain field.
 *
 * This file must never lock, sleep, allocate outside pcq_create, or look
 * inside an item.
 *
 * Test seams.  A test program that compiles this file itself (it
 * #includes it, defining PCQ_TEST_BUILD) may define
 *	PCQ_MUTANT_NO_CAS             reserve with a plain load and store
 *	                              instead of the CAS (a race the
 *	                              simulator's race hunt must catch);
 *	PCQ_TEST_RESERVED(pcq, pos)   run between a producer's reservation
 *	                              and its publication (to stall it).
 * Neither is ever defined for the ordinary library build: the library's
 * pcq that the stack uses has neither.  (stack/apps/pcq_stress.c compiles
 * a renamed, private copy with the mutant, which a scenario selects.)
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>

#include <kern/pcq.h>

#if (defined(PCQ_MUTANT_NO_CAS) || defined(PCQ_TEST_RESERVED)) && \
    !defined(PCQ_TEST_BUILD)
#error "subr_pcq.c test seams are only for test programs (PCQ_TEST_BUILD)"
#endif
#ifndef PCQ_TEST_RESERVED
#define PCQ_TEST_RESERVED(pcq, pos)     ((void)0)
#endif

#define PCQ_INDEX_BITS  16
#define PCQ_INDEX_MASK  ((uint64_t)PCQ_MAXLEN)
#define PCQ_LAP         ((uint64_t)1 << PCQ_INDEX_BITS)
CTASSERT(PCQ_MAXLEN == (1 << PCQ_INDEX_BITS) - 1);

/*
 * One slot.  Both fields are handed between producer and consumer by the
 * stamp (see above); the item is meaningful only while the stamp says full.
 */
struct pcq_slot {
	volatile uint64_t ps_stamp;     /* a: whose turn, less the index */
	void *volatile ps_item;         /* a: written by the reserving producer */
};

/*
 * Legend: c = constant after pcq_create, a = atomic (producers and
 * consumer), s = consumer only (under the lock of the embedding
 * structure).  The padding keeps the constants, the tail and the head on
 * three different cache lines whatever the allocation's alignment.
 */
struct pcq {
	uint32_t pcq_nslots;            /* c: capacity, maxlen of pcq_create */
	size_t pcq_size_bytes;          /* c: what pcq_create allocated */
	char pcq_pad0[__CACHE_LINE_SIZE];
	volatile uint64_t pcq_tail;     /* a: next position to reserve */
	char pcq_pad1[__CACHE_LINE_SIZE];
	uint64_t pcq_head;              /* s: next position to take */
	lwp_t *pcq_consumer;            /* s: in pcq_get/pcq_peek now, or
					   NULL (the one-consumer check) */
	char pcq_pad2[__CACHE_LINE_SIZE - sizeof(lwp_t *)];
	struct pcq_slot pcq_slots[];    /* a: pcq_nslots of them */
};

/*
 * The contract: one consumer at a time.  A consumer marks the queue
 * while it is inside pcq_get or pcq_peek (which take scheduling points:
 * another context can run meanwhile), so a second one that comes in is
 * caught there, naming both.  Plain stores of the consumer's own field:
 * not scheduling points, no cost.
 */
static inline lwp_t *
pcq_consumer_enter(pcq_t *pcq, const char *what)
{
	lwp_t *me = kern_curlwp();

	KASSERTMSG(pcq->pcq_consumer == NULL, "%s by lwp %s while lwp %s "
	    "takes from the same pcq: a pcq has one consumer at a time",
	    what, lwp_name(me), lwp_name(pcq->pcq_consumer));
	pcq->pcq_consumer = me;
	return me;
}

static inline void
pcq_consumer_exit(pcq_t *pcq, lwp_t *me)
{
	KASSERT(pcq->pcq_consumer == me);
	pcq->pcq_consumer = NULL;
}

/* The position after pos: the next index, or index 0 of the next lap. */
static inline uint64_t
pcq_next(const pcq_t *pcq, uint64_t pos)
{
	if ((pos & PCQ_INDEX_MASK) + 1 < pcq->pcq_nslots)
		return pos + 1;
	return (pos | PCQ_INDEX_MASK) + 1;
}

static inline struct pcq_slot *
pcq_slot(pcq_t *pcq, uint64_t pos)
{
	uint64_t i = pos & PCQ_INDEX_MASK;

	KASSERT(i < pcq->pcq_nslots);
	return &pcq->pcq_slots[i];
}

/* The stamp of the slot of position pos (acquire). */
static inline uint64_t
pcq_stamp(struct pcq_slot *slot, uint64_t pos)
{
	return atomic_load_acquire(&slot->ps_stamp) + (pos & PCQ_INDEX_MASK);
}

/* Stamp the slot of position pos with stamp (release). */
static inline void
pcq_stamp_set(struct pcq_slot *slot, uint64_t pos, uint64_t stamp)
{
	atomic_store_release(&slot->ps_stamp, stamp - (pos & PCQ_INDEX_MASK));
}

/*
 * The producers' only synchronisation: move the tail from pos to the
 * position after it.  Returns the tail as found; the caller owns position
 * pos if that equals pos.
 */
static inline uint64_t
pcq_reserve(pcq_t *pcq, uint64_t pos)
{
	uint64_t next = pcq_next(pcq, pos);
#ifdef PCQ_MUTANT_NO_CAS
	/* The mutant: another producer may reserve pos between these two. */
	uint64_t seen = atomic_load_relaxed(&pcq->pcq_tail);

	if (seen == pos)
		atomic_store_relaxed(&pcq->pcq_tail, next);
	return seen;
#else
	return atomic_cas_64(&pcq->pcq_tail, pos, next);
#endif
}

pcq_t *
pcq_create(size_t maxlen, km_flag_t kmflags)
{
	size_t size_bytes;
	pcq_t *pcq;

	KASSERTMSG(maxlen >= 1 && maxlen <= PCQ_MAXLEN,
	    "pcq_create: maxlen %zu is not in 1..%u", maxlen, PCQ_MAXLEN);
	size_bytes = sizeof(*pcq) + maxlen * sizeof(pcq->pcq_slots[0]);
	pcq = kmem_zalloc(size_bytes, kmflags);
	if (pcq == NULL)
		return NULL;
	pcq->pcq_nslots = (uint32_t)maxlen;
	pcq->pcq_size_bytes = size_bytes;
	pcq->pcq_tail = 0;
	pcq->pcq_head = 0;
	pcq->pcq_consumer = NULL;
	/* Lap 0: every slot, all zero, is free for position (0, i). */
	return pcq;
}

void
pcq_destroy(pcq_t *pcq)
{
	if (pcq == NULL)
		return;
	KASSERT(pcq->pcq_nslots >= 1 && pcq->pcq_nslots <= PCQ_MAXLEN);
	kmem_free(pcq, pcq->pcq_size_bytes);
}

/*
 * Lock-free: each trip round the loop either returns, or follows a tail
 * that another producer's successful put has moved on.
 */
bool
pcq_put(pcq_t *pcq, void *item)
{
	struct pcq_slot *slot;
	uint64_t pos, stamp, seen;

	KASSERT(item != NULL);
	pos = atomic_load_relaxed(&pcq->pcq_tail);
	for (;;) {
		slot = pcq_slot(pcq, pos);
		/*
		 * Acquire: pairs with the consumer's release of this slot,
		 * so its read of the previous lap's item happens before our
		 * write below.
		 */
		stamp = pcq_stamp(slot, pos);
		if (stamp == pos) {
			seen = pcq_reserve(pcq, pos);
			if (seen == pos)
				break;
			pos = seen;
		} else if ((int64_t)(stamp - pos) < 0) {
			/* The previous lap's item is still here: full. */
			return false;
		} else {
			/* Another producer took pos: catch up. */
			pos = atomic_load_relaxed(&pcq->pcq_tail);
		}
	}
	PCQ_TEST_RESERVED(pcq, pos);
	atomic_store_relaxed(&slot->ps_item, item);
	/* Release: the item, and what it points to, before the full stamp. */
	pcq_stamp_set(slot, pos, pos + 1);
	return true;
}

/*
 * The slot at the head if its item is published, else NULL.  The stamp
 * there can only be "free or being filled for this lap" or "full": a
 * third value means two consumers ran at once.
 */
static inline struct pcq_slot *
pcq_head_slot(pcq_t *pcq)
{
	uint64_t pos = pcq->pcq_head;
	struct pcq_slot *slot = pcq_slot(pcq, pos);
	/* Acquire: pairs with the producer's release of the full stamp. */
	uint64_t stamp = pcq_stamp(slot, pos);

	KASSERTMSG(stamp == pos || stamp == pos + 1,
	    "pcq: stamp %#llx at head %#llx: concurrent consumers?",
	    (unsigned long long)stamp, (unsigned long long)pos);
	return stamp == pos + 1 ? slot : NULL;
}

void *
pcq_get(pcq_t *pcq)
{
	struct pcq_slot *slot;
	uint64_t pos = pcq->pcq_head;
	void *item = NULL;
	lwp_t *me = pcq_consumer_enter(pcq, "pcq_get");

	slot = pcq_head_slot(pcq);
	if (slot == NULL)
		goto out;
	item = atomic_load_relaxed(&slot->ps_item);
	KASSERT(item != NULL);
	/*
	 * Release: our read of the item before the slot is offered to the
	 * producer of the next lap.
	 */
	pcq_stamp_set(slot, pos, pos + PCQ_LAP);
	pcq->pcq_head = pcq_next(pcq, pos);
out:
	pcq_consumer_exit(pcq, me);
	return item;
}

void *
pcq_peek(pcq_t *pcq)
{
	struct pcq_slot *slot;
	void *item = NULL;
	lwp_t *me = pcq_consumer_enter(pcq, "pcq_peek");

	slot = pcq_head_slot(pcq);
	if (slot != NULL) {
		item = atomic_load_relaxed(&slot->ps_item);
		KASSERT(item != NULL);
	}
	pcq_consumer_exit(pcq, me);
	return item;
}

size_t
pcq_maxitems(pcq_t *pcq)
{
	KASSERT(pcq->pcq_nslots >= 1 && pcq->pcq_nslots <= PCQ_MAXLEN);
	return pcq->pcq_nslots;
}
