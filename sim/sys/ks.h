/*
 * ks.h -- the kernel-services implementation's own entry points: what the
 * rest of sim/ (the devices, the world builder, tests) calls in the files
 * that implement stack/sys/ on the simulated machine (ks_*.c).
 *
 * The stack never sees these; it calls the stack/sys/ functions they sit
 * behind.
 */
#ifndef SIM_KS_H
#define SIM_KS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sched/machine.h"

/*
 * Interrupt contexts (ks_intr.c).  sim_isrc_new returns NULL only outside
 * a context when out of memory (the run is then stopping).
 */
struct sim_isrc;
void	sim_intr_post(struct cpu_info *, struct sim_isrc *, uint64_t at);
void	sim_intr_fini_host(struct sim_host *);
struct sim_isrc *sim_isrc_new(struct sim_host *, u_int level,
	    void (*fn)(void *), void *arg);

/*
 * The CPU's high-resolution timer went off for l, asleep in kpause_until
 * (ks_thread.c) and bound to that CPU: the timer's interrupt, posted at
 * `at`, wakes l, and the CPU pays for the interrupt and the wakeup.
 */
void	sim_hrtimer_expire(struct lwp *l, uint64_t at);

/* A timeout on a tick boundary, timo ticks ahead (ks_thread.c). */
void	sim_lwp_arm_timeout(struct lwp *, int timo);
/* Every LWP left is blocked and nothing is pending: say who waits on what. */
void	sim_report_deadlock(struct sim_machine *);

/*
 * The lock-order checker (ks_witness.c; the README's "Lock order and
 * contracts").  Each lock keeps a sim_witness_lock; ks_sync.c makes one
 * call when an LWP asks for a lock (or got it by trying) and one when it
 * lets it go.  None of these is a scheduling point or charges anything:
 * a run checked is the run unchecked.
 */
struct sim_witness_lock {
	const char *file;               /* where it was initialised: its */
	int line;                       /* class */
	uint16_t cls;                   /* the class's number + 1; 0: not yet */
	uint8_t kind;                   /* enum sim_lock_kind */
	uint8_t ipl;                    /* a spin mutex's level */
	/*
	 * What the checker last knew of the class, for sim_witness_acquire's
	 * common case: its least level held at (SIM_WITNESS_UNSEEN: none
	 * yet), the highest priority that takes it without news, a class
	 * (+ 1; 0: none) whose lock it has been taken while holding, and two
	 * classes (+ 1), outer first, whose locks it has been taken while
	 * holding both.  A class's level only goes down, its priority up and
	 * its edges stay, so an acquisition these pass would pass the class's
	 * own checks.
	 */
	uint8_t ok_ipl;
	uint8_t ok_prio;
	uint16_t ok_under;
	uint16_t ok_under2[2];
};

#define SIM_WITNESS_TRY 0x01            /* got by trying: orders nothing */
#define SIM_WITNESS_UNSEEN UINT8_MAX    /* ok_ipl of a lock never checked */

/*
 * ci's LWP asks for lock (wl in it) at file:line, or got it by trying:
 * check the order against every lock it holds, then count it as held.
 * => may report (and the run goes on), or stop the run for a contract
 *    broken (a lock taken twice, too many held)
 */
void	sim_witness_acquire_check(struct cpu_info *ci,
	    struct sim_witness_lock *wl, const void *lock, u_int flags,
	    const char *file, int line);
/* Whether wl's copy knows the order from the n locks l holds to wl's. */
static inline bool
sim_witness_known_under(const struct lwp *l, u_int n,
    const struct sim_witness_lock *wl, const void *lock)
{
	const struct sim_held *h = l->held;

	if (__predict_true(n == 0))
		return true;
	if (n == 1)
		return h[0].cls + 1u == wl->ok_under && h[0].lock != lock;
	return n == 2 && h[0].cls + 1u == wl->ok_under2[0] &&
	    h[1].cls + 1u == wl->ok_under2[1] && h[0].lock != lock &&
	    h[1].lock != lock;
}
/*
 * sim_witness_acquire's common case alone: => true, the lock counted as
 * held; false, nothing done, the caller to call sim_witness_acquire_check
 * (for a caller that must call nothing on its fast path).
 * => kind == wl->kind: the constant where the caller knows it (an rwlock)
 */
static inline __attribute__((__always_inline__)) bool
sim_witness_acquire_known(struct cpu_info *ci, struct sim_witness_lock *wl,
    enum sim_lock_kind kind, const void *lock, u_int flags, const char *file,
    int line)
{
	struct lwp *l = ci->cur;
	u_int n = l->nheld;
	uint8_t ipl = (uint8_t)ci->ipl;
	struct sim_held *h;

	if (kind == SIM_LOCK_SPIN && wl->ipl > ipl)
		ipl = wl->ipl;
	/*
	 * The common case: the class known at this level and priority; got
	 * by trying (which orders nothing), or holding nothing, or one or
	 * two locks of the classes this lock was last taken under (not this
	 * lock).  All else, the checks themselves.
	 */
	if (__predict_false(ipl < wl->ok_ipl || l->prio > wl->ok_prio ||
	    ((flags & SIM_WITNESS_TRY) != 0 ? n == SIM_HELD_MAX :
	    !sim_witness_known_under(l, n, wl, lock))))
		return false;
	h = &l->held[n];
	l->nheld = n + 1;
	h->lock = lock;
	h->file = file;
	h->line = line;
	h->cls = (uint16_t)(wl->cls - 1u);
	h->kind = (uint8_t)kind;
	h->ipl = ipl;
	return true;
}
static inline void
sim_witness_acquire(struct cpu_info *ci, struct sim_witness_lock *wl,
    const void *lock, u_int flags, const char *file, int line)
{
	if (__predict_false(!sim_witness_acquire_known(ci, wl,
	    (enum sim_lock_kind)wl->kind, lock, flags, file, line)))
		sim_witness_acquire_check(ci, wl, lock, flags, file, line);
}
/* ci's LWP lets lock go.  => false if it did not hold it */
bool	sim_witness_release_search(struct cpu_info *ci, const void *lock);
/* Whether lock is the innermost ci's LWP holds (then let go of it). */
static inline __attribute__((__always_inline__)) bool
sim_witness_release_top(struct cpu_info *ci, const void *lock)
{
	struct lwp *l = ci->cur;
	u_int n = l->nheld;

	if (__predict_true(n != 0 && l->held[n - 1].lock == lock)) {
		l->nheld = n - 1;
		return true;
	}
	return false;
}
static inline bool
sim_witness_release(struct cpu_info *ci, const void *lock)
{
	/* Almost always the innermost. */
	if (__predict_true(sim_witness_release_top(ci, lock)))
		return true;
	return sim_witness_release_search(ci, lock);
}
/*
 * ci's level was lowered (splx) while its LWP may hold locks.
 * => stops the run if a held spin mutex's level is given up
 */
void	sim_witness_spl_lowered(struct cpu_info *ci);
static inline void
sim_witness_spl(struct cpu_info *ci)
{
	const struct lwp *l = ci->cur;

	/* Almost always held at this level or lower before. */
	for (u_int i = 0; i < l->nheld; i++)
		if (__predict_false(ci->ipl < l->held[i].ipl)) {
			sim_witness_spl_lowered(ci);
			return;
		}
}
/*
 * kmem_free(p, size) by ci's LWP.  => stops the run if the memory holds
 * a lock the LWP holds
 */
void	sim_witness_free(struct cpu_info *ci, const void *p, size_t size);
/* Free the checker's state (machine teardown); accepts none. */
void	sim_witness_fini(struct sim_machine *);

/*
 * A memory access (atomic.h's kern_mem_point) by ci's context, the
 * running one: for kernel services that have found their CPU (the lock
 * words of ks_sync.c) and for kern_mem_point itself.  The common case in
 * line, calling nothing but last (ks_kern.c says which); anything else
 * takes sim_mem_point_slow, the whole point from the turn on.  Either
 * way the same point, the same line, the same price.  (The slow path
 * takes the CPU last, so kern_mem_point's p and op reach it in the
 * registers they came in.)
 */
void	sim_mem_point_slow(const volatile void *p, enum kern_mem_op op,
	    struct cpu_info *ci);
static inline __attribute__((__always_inline__)) void
sim_mem_point_ci(struct cpu_info *ci, const volatile void *p,
    enum kern_mem_op op)
{
	struct sim_host *h = ci->host;
	struct sim_line *l = sim_lines_first(&h->lines, sim_lines_tag(p));

	if (__predict_false(!sim_cpu_has_turn(ci) || l == NULL ||
	    op == KERN_MEM_BARRIER)) {
		sim_mem_point_slow(p, op, ci);
		return;
	}
	sim_cpu_point_count(ci);
	ci->clock += sim_lines_take(l, h->cost, ci->line_bit, op, false);
	sim_cpu_maybe_preempt(ci);
}

/*
 * sim_mem_point_ci's common case alone, for a kernel service that goes on
 * after the point and so must call nothing on its fast path (ks_sync.c's
 * lock functions, whose every other step is a tail call): => true, the
 * point counted and charged, the caller then asking sim_cpu_preempt_may
 * itself; false, nothing done, the caller to take the whole point
 * (sim_mem_point_slow).  *hint: where the caller's word's line was last
 * found in ci's host's table (sim_lines_first_at), kept with the word.
 */
static inline __attribute__((__always_inline__)) bool
sim_mem_point_try(struct cpu_info *ci, const volatile void *p,
    enum kern_mem_op op, uint32_t *hint)
{
	struct sim_host *h = ci->host;
	struct sim_line *l = sim_lines_first_at(&h->lines, sim_lines_tag(p),
	    hint);

	if (__predict_false(!sim_cpu_has_turn(ci) || l == NULL ||
	    op == KERN_MEM_BARRIER))
		return false;
	sim_cpu_point_count(ci);
	ci->clock += sim_lines_take(l, h->cost, ci->line_bit, op, false);
	return true;
}

/* Wait queues (ks_sync.c). */
void	sim_sync_cancel_wait(struct lwp *);
const char *sim_sync_describe(const struct lwp *, char *buf, size_t len);

/*
 * A window in which host memory refuses KM_NOSLEEP allocations (a fault,
 * sim/fault/): each kmem_alloc(..., KM_NOSLEEP) asked for at a clock in
 * [start_ns, end_ns), until count (if not 0) were refused, returns NULL
 * with probability fail, drawn from rng (never while the host boots:
 * that is the machine's set-up).  KM_SLEEP ones would wait for
 * memory, and get it.  So the pools (mbufs, clusters) cannot grow in the
 * window, and gets fail once what they hold is in use.  Fields: c = set
 * by the maker, k = kmem's.
 */
struct sim_kmem_fault {
	uint64_t start_ns, end_ns;      /* c: end_ns UINT64_MAX: none */
	uint64_t count;                 /* c: 0: no limit */
	double fail;                    /* c: 0..1 */
	struct sim_rng rng;             /* c, then k */
	uint64_t asked, refused;        /* k: KM_NOSLEEP allocations judged,
					   refused */
	struct sim_kmem_fault *next;    /* k: the host's list, in order added */
};

/* Judge host h's KM_NOSLEEP allocations by f from now on (ks_mem.c). */
void	sim_kmem_add_fault(struct sim_host *h, struct sim_kmem_fault *f);

/* Counter sampling (ks_mem.c): a sampler (sim_machine_add_sampler). */
void	sim_evcnt_sample_all(struct sim_machine *, uint64_t t_ns);
/*
 * Fold every attached counter's value into the fingerprint, hosts in
 * order, counters in attach order (the machine's fingerprint_results).
 */
void	sim_evcnt_fingerprint(struct sim_machine *);
/*
 * Where a CPU's busy time went: hardware interrupts (IPL_VM and up: entry
 * and handlers) and soft interrupts (softints, continuations), ns; the
 * rest of busy_ns is threads.  Of these, continuations took sim_cpu_kcont_ns
 * (cpu_kcont_enter): [1] within softint_ns, [0] within the threads'.
 */
void	sim_cpu_intr_ns(const struct cpu_info *, uint64_t *intr_ns,
	    uint64_t *softint_ns);

/*
 * The real process ran out while working for host h (sim/sched/exhaust.h):
 * no stack for a new LWP called name (err: sim_lwp_alloc's errno;
 * ks_thread.c), or no memory for bytes more of the machine's own record
 * of the host's `what` (ks_mem.c).  Each says so, naming the limit, and
 * stops the run with exit 2.
 * => inside a context never returns; outside one returns, and the caller
 *    gives up what it was doing
 */
void	sim_lwp_exhausted(struct sim_host *, const char *name, int err);
void	sim_host_malloc_failed(struct sim_host *, const char *what,
	    size_t bytes);

/* Stop from inside a context: report, record, never return (ks_kern.c). */
void	sim_context_stop(const char *kind, const char *file, int line,
	    const char *msg) __attribute__((__noreturn__));
/*
 * Report a violation from inside a context and record it, without
 * stopping: "netsim: KIND: MSG", where (file:line), when and who, then
 * detail (lines that each start with two spaces and end in a newline;
 * may be NULL), then the replay command.  (ks_kern.c)
 */
void	sim_context_report(const char *kind, const char *file, int line,
	    const char *msg, const char *detail);

#endif /* SIM_KS_H */
