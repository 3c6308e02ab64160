/*
 * pool.h -- object caches (NetBSD's pool_cache(9), reduced to what the
 * stack needs).
 *
 * A pool cache hands out fixed-size objects of one kind -- mbufs,
 * clusters, PCBs -- without calling the general allocator on the fast
 * path.  Each CPU keeps two small magazines of free objects in front of a
 * shared depot; a get or put that its CPU's magazines can serve takes no
 * lock and touches no shared cache line.  Only when both magazines are
 * empty (get) or full (put) does it move a magazine's worth of objects to
 * or from the depot under the depot's mutex.  When the depot is empty the
 * pool grows by a slab of objects from kmem_alloc(9); it never gives
 * memory back before pool_cache_destroy.
 *
 * Allocation is forbidden in interrupt context (a KASSERT); freeing is
 * allowed at up to the pool's ipl.
 *
 * What is dropped from NetBSD's interface: the pool_allocator (backing
 * memory always comes from kmem), align_offset and creation flags --
 * pool_cache_init keeps the order of its other arguments -- physical
 * addresses (pool_cache_get_paddr), low/high water marks, priming, and
 * reclaiming idle memory.  What is added: pool_cache_stats().
 */
#ifndef _STACK_KERN_POOL_H_
#define _STACK_KERN_POOL_H_

#include <sys/kern.h>

typedef struct pool_cache *pool_cache_t;

/*
 * Flags of pool_cache_get; exactly one of PR_WAITOK and PR_NOWAIT.
 * PR_LIMITFAIL makes a PR_WAITOK get fail at the hard limit instead of
 * waiting for an object to come back.
 */
#define PR_WAITOK       0x01
#define PR_NOWAIT       0x02
#define PR_LIMITFAIL    0x04

/*
 * What the pool's event counters say, summed over the CPUs.  The same
 * counters are attached with evcnt(9) under the pool's name ("mbpl.get",
 * "mbpl.hit", ...; get, put and hit once per CPU), so a run's database
 * has them too.
 */
struct pool_cache_stats {
	uint64_t pcs_get;       /* objects handed out */
	uint64_t pcs_put;       /* objects given back */
	uint64_t pcs_hit;       /* gets served by the CPU's own magazines */
	uint64_t pcs_fail;      /* gets that returned NULL */
	uint64_t pcs_refill;    /* magazine refills from the depot */
	uint64_t pcs_flush;     /* magazines (or objects) flushed to the depot */
	uint64_t pcs_grow;      /* slabs taken from kmem */
	uint64_t pcs_wait;      /* PR_WAITOK gets that slept at the limit */
	u_int pcs_nobj;         /* objects the pool owns, out or free */
	u_int pcs_ndepot;       /* free objects in the depot */
	u_int pcs_hardlimit;    /* the most objects it may own; 0: no limit */
};

/*
 * Create a cache of objects of `size` bytes aligned to `align` (0 or a
 * power of two up to the cache line size).  ctor, if not NULL, runs once
 * on each object as the pool first acquires it (flags: PR_WAITOK or
 * PR_NOWAIT, as the get that made the pool grow); it must return 0 or,
 * for PR_NOWAIT only, an error that makes that get fail.  dtor runs on
 * each object at pool_cache_destroy.  Objects are handed out and must be
 * put back in the constructed state.
 *
 * ipl is the highest interrupt level pool_cache_put may be called from;
 * the per-CPU magazines are guarded by raising the level to
 * max(ipl, IPL_VM) -- NetBSD's splvm() -- which also keeps other LWPs off
 * the CPU.  name must outlive the pool: the counters are attached under it.
 *
 * => never fails (kmem_alloc KM_SLEEP); not in interrupt context
 */
pool_cache_t pool_cache_init(size_t size, u_int align, const char *name,
	    int ipl, int (*ctor)(void *arg, void *obj, int flags),
	    void (*dtor)(void *arg, void *obj), void *arg);

/*
 * Destroy the cache and give its memory back.
 * => every object must have been put back; a missing one is a KASSERT
 * => nothing may use the pool concurrently; NULL is allowed
 */
void	pool_cache_destroy(pool_cache_t);

/*
 * Get an object.
 * => never in interrupt context (KASSERT)
 * => PR_WAITOK: never returns NULL; sleeps at the hard limit until an
 *    object reaches the depot (not a CPU's own magazine: see subr_pool.c)
 * => PR_NOWAIT, or PR_WAITOK|PR_LIMITFAIL: NULL at the hard limit, counted
 *    as a failure
 */
void	*pool_cache_get(pool_cache_t, int flags);

/*
 * Give an object back.
 * => at up to the pool's ipl; never sleeps
 */
void	pool_cache_put(pool_cache_t, void *obj);

/*
 * Limit the number of objects the pool may own (out or cached) to n;
 * 0 means no limit.  When a get first finds the limit reached, and then at
 * most once every ratecap seconds of virtual time, warnmess (if not NULL;
 * it must outlive the pool) is printed to the run's log.
 * => objects beyond a lowered limit are kept, not destroyed
 */
void	pool_cache_sethardlimit(pool_cache_t, int n, const char *warnmess,
	    int ratecap);

/*
 * A snapshot of the pool's counters.
 * => exact when nothing else uses the pool meanwhile
 */
void	pool_cache_stats(pool_cache_t, struct pool_cache_stats *);

#endif /* _STACK_KERN_POOL_H_ */
