/*
 * atomic.h -- atomic memory operations and memory barriers (NetBSD's
 * atomic_ops(3) and membar_ops(3) names).
 *
 * On the simulated machine every operation here is a scheduling point:
 * the machine first lets any CPU whose local clock is earlier run, then
 * performs the access, then charges its cost from the host's cost table.
 * The cost depends on who last wrote the cache line holding the word: a
 * read-modify-write on a line this CPU owns is cheap (rmw_local), on a line
 * last written by another CPU dear (rmw_remote).  The machine tracks that
 * ownership per 64-byte line for every address passed here and to the lock
 * primitives.
 *
 * With -DKERN_NATIVE the same names compile to GCC's __atomic builtins with
 * sequentially consistent (or the named) ordering, for the native stress
 * tests and benchmarks.
 *
 * The memory orders, on every machine: the read-modify-writes (cas, swap,
 * add, or, and) are sequentially consistent; atomic_load_acquire and
 * _consume acquire, atomic_store_release releases, the _relaxed forms
 * order nothing; membar_acquire/consumer, membar_release/producer and
 * membar_sync are acquire, release and full fences.  (NetBSD's own
 * atomic_ops(3) promise no order at all; the stack's lockless code is
 * written to the stronger rule above, which its comments cite.)  The
 * simulated machine is sequentially consistent at its scheduling points
 * whatever the order says; in the exploration build (-DKERN_EXPLORE) the
 * access itself is the __atomic builtin of that order, which
 * -fsanitize=thread hands to the race detector (sim/race/), so an order
 * too weak for what the code relies on is reported as a data race.
 */
#ifndef _STACK_SYS_ATOMIC_H_
#define _STACK_SYS_ATOMIC_H_

#include <sys/kern.h>

#ifndef KERN_NATIVE

/* What an access does to its cache line; the cost table prices each. */
enum kern_mem_op {
	KERN_MEM_LOAD,          /* read */
	KERN_MEM_STORE,         /* plain write */
	KERN_MEM_RMW,           /* locked read-modify-write (CAS, swap, add) */
	KERN_MEM_BARRIER,       /* a full memory barrier; p is ignored */
};

/*
 * The machine's hook: a scheduling point for an access of kind op to the
 * word at p, charged by the state of p's cache line.  Implemented by sim/.
 */
void	kern_mem_point(const volatile void *p, enum kern_mem_op op);

/*
 * The access after the scheduling point.  In the exploration build it is
 * an __atomic builtin of the operation's order (the header's comment);
 * elsewhere a plain access, which the machine's one real thread makes
 * atomic at its scheduling point.
 */
#ifdef KERN_EXPLORE
/* A fence, as -fsanitize=thread calls it (sim/race/race_tsan.c). */
void	__tsan_atomic_thread_fence(int mo);
#define KERN_RMW_MO_            __ATOMIC_SEQ_CST
#define KERN_LOAD_(p, mo)       __atomic_load_n((p), (mo))
#define KERN_STORE_(p, v, mo)   __atomic_store_n((p), (v), (mo))
#define KERN_CAS_(p, e, n) __extension__ ({                             \
	__typeof__(e) kern_cas_seen_ = (e);                              \
	(void)__atomic_compare_exchange_n((p), &kern_cas_seen_, (n), 0,  \
	    KERN_RMW_MO_, KERN_RMW_MO_);                                 \
	kern_cas_seen_;                                                  \
})
#define KERN_SWAP_(p, v)        __atomic_exchange_n((p), (v), KERN_RMW_MO_)
#define KERN_ADD_NV_(p, d)      __atomic_add_fetch((p), (d), KERN_RMW_MO_)
#define KERN_OR_NV_(p, b)       __atomic_or_fetch((p), (b), KERN_RMW_MO_)
#define KERN_AND_NV_(p, b)      __atomic_and_fetch((p), (b), KERN_RMW_MO_)
#define KERN_FENCE_(mo)         __tsan_atomic_thread_fence(mo)
#else
#define KERN_LOAD_(p, mo)       (*(p))
#define KERN_STORE_(p, v, mo)   (*(p) = (v))
#define KERN_CAS_(p, e, n) __extension__ ({                             \
	__typeof__(e) kern_cas_seen_ = *(p);                             \
	if (kern_cas_seen_ == (e))                                       \
		*(p) = (n);                                              \
	kern_cas_seen_;                                                  \
})
#define KERN_SWAP_(p, v) __extension__ ({                               \
	__typeof__(v) kern_swap_old_ = *(p);                             \
	*(p) = (v);                                                      \
	kern_swap_old_;                                                  \
})
#define KERN_ADD_NV_(p, d)      (*(p) += (d))
#define KERN_OR_NV_(p, b)       (*(p) |= (b))
#define KERN_AND_NV_(p, b)      (*(p) &= (b))
#define KERN_FENCE_(mo)         ((void)0)
#endif

static inline uint32_t
atomic_cas_32(volatile uint32_t *p, uint32_t expected, uint32_t newval)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_CAS_(p, expected, newval);
}

static inline uint64_t
atomic_cas_64(volatile uint64_t *p, uint64_t expected, uint64_t newval)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_CAS_(p, expected, newval);
}

static inline void *
atomic_cas_ptr(volatile void *p, void *expected, void *newval)
{
	void *volatile *pp = (void *volatile *)p;

	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_CAS_(pp, expected, newval);
}

static inline uint32_t
atomic_swap_32(volatile uint32_t *p, uint32_t v)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_SWAP_(p, v);
}

static inline uint64_t
atomic_swap_64(volatile uint64_t *p, uint64_t v)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_SWAP_(p, v);
}

static inline void *
atomic_swap_ptr(volatile void *p, void *v)
{
	void *volatile *pp = (void *volatile *)p;

	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_SWAP_(pp, v);
}

static inline uint32_t
atomic_add_32_nv(volatile uint32_t *p, int32_t d)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_ADD_NV_(p, (uint32_t)d);
}

static inline uint64_t
atomic_add_64_nv(volatile uint64_t *p, int64_t d)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_ADD_NV_(p, (uint64_t)d);
}

static inline uint32_t
atomic_or_32_nv(volatile uint32_t *p, uint32_t bits)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_OR_NV_(p, bits);
}

static inline uint32_t
atomic_and_32_nv(volatile uint32_t *p, uint32_t bits)
{
	kern_mem_point(p, KERN_MEM_RMW);
	return KERN_AND_NV_(p, bits);
}

static inline void
membar_sync(void)
{
	kern_mem_point(NULL, KERN_MEM_BARRIER);
	KERN_FENCE_(__ATOMIC_SEQ_CST);
}

/*
 * Type-generic loads and stores (NetBSD's atomic_loadstore(9)).  The value
 * of a store is computed before the scheduling point, as a CPU computes it
 * into a register before the store instruction.
 */
#define atomic_load_relaxed(p) __extension__ ({                         \
	kern_mem_point((p), KERN_MEM_LOAD);                              \
	KERN_LOAD_(p, __ATOMIC_RELAXED);                                 \
})
#define atomic_load_acquire(p) __extension__ ({                         \
	kern_mem_point((p), KERN_MEM_LOAD);                              \
	KERN_LOAD_(p, __ATOMIC_ACQUIRE);                                 \
})
#define atomic_load_consume(p)  atomic_load_acquire(p)
#define atomic_store_relaxed(p, v) do {                                  \
	__typeof__(*(p)) atomic_store_v_ = (v);                          \
	kern_mem_point((p), KERN_MEM_STORE);                             \
	KERN_STORE_(p, atomic_store_v_, __ATOMIC_RELAXED);               \
} while (0)
#define atomic_store_release(p, v) do {                                  \
	__typeof__(*(p)) atomic_store_v_ = (v);                          \
	kern_mem_point((p), KERN_MEM_STORE);                             \
	KERN_STORE_(p, atomic_store_v_, __ATOMIC_RELEASE);               \
} while (0)

/*
 * On the simulated machine memory is sequentially consistent at scheduling
 * points, so ordering barriers other than membar_sync only cost time; the
 * machine charges them nothing beyond the access they order.  The
 * exploration build's detector still sees them as the fences they are.
 */
#define membar_acquire()        KERN_FENCE_(__ATOMIC_ACQUIRE)
#define membar_release()        KERN_FENCE_(__ATOMIC_RELEASE)
#define membar_producer()       KERN_FENCE_(__ATOMIC_RELEASE)
#define membar_consumer()       KERN_FENCE_(__ATOMIC_ACQUIRE)

#else /* KERN_NATIVE */

#define KERN_SEQ_ __ATOMIC_SEQ_CST

static inline uint32_t
atomic_cas_32(volatile uint32_t *p, uint32_t expected, uint32_t newval)
{
	__atomic_compare_exchange_n(p, &expected, newval, false,
	    KERN_SEQ_, KERN_SEQ_);
	return expected;
}

static inline uint64_t
atomic_cas_64(volatile uint64_t *p, uint64_t expected, uint64_t newval)
{
	__atomic_compare_exchange_n(p, &expected, newval, false,
	    KERN_SEQ_, KERN_SEQ_);
	return expected;
}

static inline void *
atomic_cas_ptr(volatile void *p, void *expected, void *newval)
{
	__atomic_compare_exchange_n((void *volatile *)p, &expected, newval,
	    false, KERN_SEQ_, KERN_SEQ_);
	return expected;
}

static inline uint32_t
atomic_swap_32(volatile uint32_t *p, uint32_t v)
{
	return __atomic_exchange_n(p, v, KERN_SEQ_);
}

static inline uint64_t
atomic_swap_64(volatile uint64_t *p, uint64_t v)
{
	return __atomic_exchange_n(p, v, KERN_SEQ_);
}

static inline void *
atomic_swap_ptr(volatile void *p, void *v)
{
	return __atomic_exchange_n((void *volatile *)p, v, KERN_SEQ_);
}

static inline uint32_t
atomic_add_32_nv(volatile uint32_t *p, int32_t d)
{
	return __atomic_add_fetch(p, (uint32_t)d, KERN_SEQ_);
}

static inline uint64_t
atomic_add_64_nv(volatile uint64_t *p, int64_t d)
{
	return __atomic_add_fetch(p, (uint64_t)d, KERN_SEQ_);
}

static inline uint32_t
atomic_or_32_nv(volatile uint32_t *p, uint32_t bits)
{
	return __atomic_or_fetch(p, bits, KERN_SEQ_);
}

static inline uint32_t
atomic_and_32_nv(volatile uint32_t *p, uint32_t bits)
{
	return __atomic_and_fetch(p, bits, KERN_SEQ_);
}

static inline void
membar_sync(void)
{
	__atomic_thread_fence(KERN_SEQ_);
}

#define atomic_load_relaxed(p)  __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_load_acquire(p)  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_consume(p)  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define membar_acquire()        __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define membar_release()        __atomic_thread_fence(__ATOMIC_RELEASE)
#define membar_producer()       __atomic_thread_fence(__ATOMIC_RELEASE)
#define membar_consumer()       __atomic_thread_fence(__ATOMIC_ACQUIRE)

#endif /* KERN_NATIVE */

#define membar_enter()          membar_acquire()
#define membar_exit()           membar_release()

/* The forms without a new value, and increments, derive from the above. */
#define atomic_add_32(p, d)     ((void)atomic_add_32_nv((p), (d)))
#define atomic_add_64(p, d)     ((void)atomic_add_64_nv((p), (d)))
#define atomic_inc_32(p)        ((void)atomic_add_32_nv((p), 1))
#define atomic_inc_64(p)        ((void)atomic_add_64_nv((p), 1))
#define atomic_dec_32(p)        ((void)atomic_add_32_nv((p), -1))
#define atomic_dec_64(p)        ((void)atomic_add_64_nv((p), -1))
#define atomic_inc_32_nv(p)     atomic_add_32_nv((p), 1)
#define atomic_inc_64_nv(p)     atomic_add_64_nv((p), 1)
#define atomic_dec_32_nv(p)     atomic_add_32_nv((p), -1)
#define atomic_dec_64_nv(p)     atomic_add_64_nv((p), -1)
#define atomic_or_32(p, b)      ((void)atomic_or_32_nv((p), (b)))
#define atomic_and_32(p, b)     ((void)atomic_and_32_nv((p), (b)))

#endif /* _STACK_SYS_ATOMIC_H_ */
