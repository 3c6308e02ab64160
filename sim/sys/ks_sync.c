/*
 * ks_sync.c -- mutexes, reader/writer locks and condition variables on the
 * simulated machine (mutex.h, rwlock.h, condvar.h).
 *
 * Each lock's state lives in the opaque storage of the stack's kmutex_t,
 * krwlock_t or kcondvar_t; the lock word is the object's first word, so
 * every acquire and release is priced by that cache line like an atomic.
 * Waiters queue first-come first-served and are woken in that order.
 * Misuse -- entering a lock one holds, releasing one one does not hold,
 * using one never initialised, sleeping with a spin mutex held -- stops
 * the run with a KASSERT report.
 *
 * The lock-order checker (ks_witness.c) hears of every lock an LWP asks
 * for and lets go: one call each, marked "witness", and the sim_witness_lock
 * in each lock's state.  It never adds a scheduling point.
 *
 * In the exploration build each acquire and release also tells the race
 * detector (one SIM_RACE_HOOK line at each, sim/race/race.h): a lock's
 * release happens before its next acquire, a cv_signal before the wake-up
 * it causes, and a spin mutex moves the CPU's interrupt level like spl.
 */
#include <stdio.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sys/ks.h"
#include "sim/sched/machine.h"
#include "stack/sys/atomic.h"
#include "stack/sys/condvar.h"
#include "stack/sys/mutex.h"
#include "stack/sys/rwlock.h"

#define MUTEX_MAGIC     0x6d757478u     /* "mutx" */
#define RW_MAGIC        0x72776c6bu     /* "rwlk" */
#define CV_MAGIC        0x63766172u     /* "cvar" */
#define RW_HANDED_OVER  (-1)            /* wait_rw_op of a woken holder */
/*
 * After a call to a continuation that must not become a jump: the tracer
 * names a point's kernel service by the outermost function of sim/sys/ on
 * the stack (sim/cli/sched_trace.c), so kern_mutex_exit and kern_rw_exit
 * keep their frame while their continuations take points (free there:
 * nothing is live after the call).
 */
#define KS_FRAME_KEPT() __asm__ __volatile__("")

struct sim_mutex {
	struct lwp *owner;              /* the lock word */
	struct sim_lwpq waiters;
	struct sim_witness_lock w;      /* where mutex_init was called, ipl */
	uint32_t magic;
	uint8_t spin;
	uint32_t line_hint;             /* the lock word's line's slot, last
					   found (sim_lines_first_at) */
};

struct sim_rwlock {
	struct lwp *writer;             /* the lock word */
	u_int readers;
	u_int writers_waiting;
	struct sim_lwpq waiters;
	struct sim_witness_lock w;      /* where rw_init was called */
	uint32_t magic;
	uint32_t line_hint;             /* as a mutex's */
};

struct sim_cv {
	struct sim_lwpq waiters;
	const char *wmesg;
	uint32_t magic;
};

CTASSERT(sizeof(struct sim_mutex) <= sizeof(kmutex_t));
CTASSERT(sizeof(struct sim_rwlock) <= sizeof(krwlock_t));
CTASSERT(sizeof(struct sim_cv) <= sizeof(kcondvar_t));

/* --- wait queues ------------------------------------------------------------ */

/* Take l out of q wherever it stands (a timeout); false if not there. */
static bool
lwpq_remove(struct sim_lwpq *q, struct lwp *l)
{
	struct lwp **pp, *prev = NULL;

	for (pp = &q->head; *pp != NULL; prev = *pp, pp = &(*pp)->link) {
		if (*pp != l)
			continue;
		*pp = l->link;
		if (q->tail == l)
			q->tail = prev;
		l->link = NULL;
		return true;
	}
	return false;
}

static void
sync_sleep(struct lwp *l, enum lwp_wait why, const void *obj,
    const char *file, int line)
{
	l->wait = why;
	l->wait_obj = obj;
	l->wait_file = file;
	l->wait_line = line;
	sim_lwp_sleep(l);
}

/* --- mutexes ----------------------------------------------------------------- */

static struct sim_mutex *
mutex_state(const kmutex_t *mtx, const char *file, int line)
{
	struct sim_mutex *m = (struct sim_mutex *)(uintptr_t)mtx;

	if (__predict_false(m->magic != MUTEX_MAGIC))
		kern_assert_fail("mutex initialised (mutex_init) before use",
		    file, line);
	return m;
}

void
kern_mutex_init(kmutex_t *mtx, kmutex_type_t type, int ipl,
    const char *file, int line)
{
	struct sim_mutex *m = (struct sim_mutex *)mtx;

	KASSERT(ipl >= IPL_NONE && ipl <= IPL_HIGH);    /* kept in a byte */
	memset(mtx, 0, sizeof(*mtx));
	m->magic = MUTEX_MAGIC;
	m->w.file = file;
	m->w.line = line;
	m->spin = type == MUTEX_SPIN || ipl > IPL_NONE;
	m->w.kind = m->spin ? SIM_LOCK_SPIN : SIM_LOCK_MUTEX;
	m->w.ipl = (uint8_t)ipl;
	m->w.ok_ipl = SIM_WITNESS_UNSEEN;
	SIM_RACE_HOOK(sim_race_sync_init(mtx));
}

void
mutex_destroy(kmutex_t *mtx)
{
	struct sim_mutex *m = mutex_state(mtx, __FILE__, __LINE__);

	KASSERTMSG(m->owner == NULL, "mutex_destroy of a held mutex "
	    "(initialised at %s:%d)", m->w.file, m->w.line);
	KASSERT(m->waiters.head == NULL);
	m->magic = 0;
}

/*
 * A spin mutex raises the CPU's level to its ipl; the level before the
 * outermost one is restored when the last is released (NetBSD's rule).
 */
static void
mutex_acquired(struct sim_mutex *m, struct lwp *l)
{
	struct cpu_info *ci = l->cpu;

	m->owner = l;
	SIM_RACE_HOOK(sim_race_acquire(m));
	if (m->spin) {
		l->spin_held++;
		if (ci->spin_count++ == 0)
			ci->spin_oldspl = ci->ipl;
		if (m->w.ipl > ci->ipl) {
			SIM_RACE_HOOK(sim_race_spl(ci, ci->ipl, m->w.ipl));
			sim_cpu_set_ipl(ci, m->w.ipl);
		}
	}
}

/*
 * The mutex was held at the CAS (kern_mutex_enter's point): spin or sleep
 * until it is not, each time a CAS again.
 */
static __attribute__((__noinline__)) void
mutex_enter_contended(struct cpu_info *ci, kmutex_t *mtx, struct sim_mutex *m,
    const char *file, int line)
{
	struct lwp *l = ci->cur;
	const uint64_t *cost;

	for (uint64_t spins = 0;; spins++) {
		/*
		 * Spin mutexes spin.  Adaptive ones spin while the owner runs,
		 * but no longer than a context switch would cost (spinning
		 * longer cannot pay off), then sleep: two LWPs each spinning
		 * on a lock the other holds would otherwise spin forever.
		 */
		cost = l->host->cost;
		if (m->spin || (m->owner->state == LWP_ONCPU &&
		    spins * cost[SIM_COST_spin] < cost[SIM_COST_ctx_switch])) {
			sim_point(PT_SPIN, SIM_COST_spin);
		} else {
			sim_lwpq_append(&m->waiters, l);
			sync_sleep(l, WAIT_MUTEX, m, file, line);
			spins = 0;              /* 1 at the next turn, as ever */
		}
		sim_mem_point_ci(ci, mtx, KERN_MEM_RMW);        /* the CAS */
		if (m->owner == NULL) {
			mutex_acquired(m, l);
			return;
		}
	}
}

/* After the CAS's point: take the mutex, or wait for it. */
static inline __attribute__((__always_inline__)) void
mutex_enter_cas_done(struct cpu_info *ci, kmutex_t *mtx, struct sim_mutex *m,
    const char *file, int line)
{
	if (__predict_true(m->owner == NULL)) {
		mutex_acquired(m, ci->cur);
		return;
	}
	mutex_enter_contended(ci, mtx, m, file, line);
}

/* kern_mutex_enter from its CAS's point, when the point is not plain. */
static __attribute__((__noinline__)) void
kern_mutex_enter__point(struct cpu_info *ci, struct sim_mutex *m,
    const char *file, int line)
{
	sim_mem_point_slow(m, KERN_MEM_RMW, ci);
	mutex_enter_cas_done(ci, (kmutex_t *)m, m, file, line);
}

/* kern_mutex_enter after its CAS's point, when a context waits on the CPU. */
static __attribute__((__noinline__)) void
kern_mutex_enter__preempt(struct cpu_info *ci, struct sim_mutex *m,
    const char *file, int line)
{
	sim_cpu_maybe_preempt_(ci);
	mutex_enter_cas_done(ci, (kmutex_t *)m, m, file, line);
}

/* kern_mutex_enter from the witness, when its common case does not hold. */
static __attribute__((__noinline__)) void
kern_mutex_enter__witness(struct cpu_info *ci, struct sim_mutex *m,
    const char *file, int line)
{
	sim_witness_acquire_check(ci, &m->w, m, 0, file, line);
	sim_mem_point_ci(ci, m, KERN_MEM_RMW);                  /* the CAS */
	mutex_enter_cas_done(ci, (kmutex_t *)m, m, file, line);
}

/*
 * As kern_rw_enter: the common case (the witness's, the CAS's point plain,
 * nobody to preempt, the mutex free) calls nothing; every other case goes
 * on by a tail call from where this one stopped (named as kern_rw_enter's
 * are, for the tracer).
 */
void
kern_mutex_enter(kmutex_t *mtx, const char *file, int line)
{
	struct sim_mutex *m = mutex_state(mtx, file, line);
	struct cpu_info *ci = sim_running_cpu();
	struct lwp *l = ci->cur;

	/* (Read as volatile: as kern_rw_enter's.) */
	if (__predict_false(*(struct lwp *volatile *)&m->owner == l))
		kern_panic(file, line, "mutex_enter: locking against myself "
		    "(mutex initialised at %s:%d)", m->w.file, m->w.line);
	if (__predict_false(!sim_witness_acquire_known(ci, &m->w,
	    (enum sim_lock_kind)m->w.kind, mtx, 0, file, line))) {
		kern_mutex_enter__witness(ci, m, file, line);
		return;
	}
	if (__predict_false(!sim_mem_point_try(ci, mtx, KERN_MEM_RMW,
	    &m->line_hint))) {
		kern_mutex_enter__point(ci, m, file, line);
		return;
	}
	if (__predict_false(sim_cpu_preempt_may(ci))) {
		kern_mutex_enter__preempt(ci, m, file, line);
		return;
	}
	mutex_enter_cas_done(ci, mtx, m, file, line);
}

bool
kern_mutex_tryenter(kmutex_t *mtx, const char *file, int line)
{
	struct sim_mutex *m = mutex_state(mtx, file, line);
	struct cpu_info *ci = sim_cpu_current();

	sim_mem_point_ci(ci, mtx, KERN_MEM_RMW);
	if (m->owner != NULL)
		return false;
	mutex_acquired(m, ci->cur);
	sim_witness_acquire(ci, &m->w, mtx, SIM_WITNESS_TRY, file,
	    line);                                              /* witness */
	return true;
}

/*
 * Release without a scheduling point (the caller just had one).  whole:
 * as it comes; else only as far as calling nothing (an adaptive mutex
 * the innermost lock its LWP holds, nobody waiting), the rest by a call
 * to the whole.
 */
static __attribute__((__noinline__)) void mutex_exit_whole(struct cpu_info *,
    struct sim_mutex *, const char *, int);
static inline __attribute__((__always_inline__)) void
mutex_release(struct cpu_info *ci, struct sim_mutex *m, const char *file,
    int line, bool whole)
{
	struct lwp *l = ci->cur, *w;
	bool held;

	if (!whole && __predict_false(m->owner != l || m->spin ||
	    m->waiters.head != NULL || !sim_witness_release_top(ci, m))) {
		mutex_exit_whole(ci, m, file, line);
		KS_FRAME_KEPT();
		return;
	}
	if (whole && __predict_false(m->owner != l))
		kern_panic(file, line, "mutex_exit of a mutex not held by lwp "
		    "%s (initialised at %s:%d, held by %s)", l->name,
		    m->w.file, m->w.line, m->owner != NULL ? m->owner->name :
		    "nobody");
	if (whole) {
		held = sim_witness_release(ci, m);              /* witness */
		KASSERT(held);
	}
	m->owner = NULL;
	SIM_RACE_HOOK(sim_race_release(m));
	if (!whole)
		return;
	if (m->spin) {
		/* Else the level before the outermost is never restored. */
		KASSERT(ci->spin_count > 0);
		l->spin_held--;
		if (--ci->spin_count == 0) {
			SIM_RACE_HOOK(sim_race_spl(ci, ci->ipl,
			    ci->spin_oldspl));
			sim_cpu_set_ipl(ci, ci->spin_oldspl);
			if (l->nheld != 0)
				sim_witness_spl(ci);            /* witness */
		}
	}
	if ((w = sim_lwpq_pop(&m->waiters)) != NULL)
		sim_lwp_wakeup(ci, w);
}

static void
mutex_exit_whole(struct cpu_info *ci, struct sim_mutex *m, const char *file,
    int line)
{
	mutex_release(ci, m, file, line, true);
}

/* kern_mutex_exit from its point, when the point is not plain. */
static __attribute__((__noinline__)) void
mutex_exit_point(struct cpu_info *ci, struct sim_mutex *m, const char *file,
    int line)
{
	sim_mem_point_slow(m, KERN_MEM_RMW, ci);
	mutex_release(ci, m, file, line, true);
}

/* kern_mutex_exit after its point, when a context waits on the CPU. */
static __attribute__((__noinline__)) void
mutex_exit_preempt(struct cpu_info *ci, struct sim_mutex *m,
    const char *file, int line)
{
	sim_cpu_maybe_preempt_(ci);
	mutex_release(ci, m, file, line, true);
}

/* As kern_rw_exit: the common case calls nothing, the rest continuations. */
void
kern_mutex_exit(kmutex_t *mtx, const char *file, int line)
{
	struct sim_mutex *m = mutex_state(mtx, file, line);
	struct cpu_info *ci = sim_cpu_current();

	if (__predict_false(!sim_mem_point_try(ci, mtx, KERN_MEM_RMW,
	    &m->line_hint))) {
		mutex_exit_point(ci, m, file, line);
		KS_FRAME_KEPT();
		return;
	}
	if (__predict_false(sim_cpu_preempt_may(ci))) {
		mutex_exit_preempt(ci, m, file, line);
		KS_FRAME_KEPT();
		return;
	}
	mutex_release(ci, m, file, line, false);
}

bool
mutex_owned(const kmutex_t *mtx)
{
	const struct sim_mutex *m = mutex_state(mtx, __FILE__, __LINE__);
	struct cpu_info *ci = sim_running_cpu();

	return ci != NULL && m->owner != NULL && m->owner == ci->cur;
}

/* --- reader/writer locks ---------------------------------------------------- */

static struct sim_rwlock *
rw_state(const krwlock_t *rwl, const char *file, int line)
{
	struct sim_rwlock *rw = (struct sim_rwlock *)(uintptr_t)rwl;

	if (__predict_false(rw->magic != RW_MAGIC))
		kern_assert_fail("rwlock initialised (rw_init) before use",
		    file, line);
	return rw;
}

void
kern_rw_init(krwlock_t *rwl, const char *file, int line)
{
	struct sim_rwlock *rw = (struct sim_rwlock *)rwl;

	memset(rwl, 0, sizeof(*rwl));
	rw->magic = RW_MAGIC;
	rw->w.file = file;
	rw->w.line = line;
	rw->w.kind = SIM_LOCK_RWLOCK;
	rw->w.ok_ipl = SIM_WITNESS_UNSEEN;
	SIM_RACE_HOOK(sim_race_sync_init(rwl));
}

void
rw_destroy(krwlock_t *rwl)
{
	struct sim_rwlock *rw = rw_state(rwl, __FILE__, __LINE__);

	KASSERT(rw->writer == NULL && rw->readers == 0);
	KASSERT(rw->waiters.head == NULL);
	rw->magic = 0;
}

/* Whether op can take the lock now; a waiting writer bars new readers. */
static bool
rw_can_take(const struct sim_rwlock *rw, krw_t op)
{
	if (op == RW_WRITER)
		return rw->writer == NULL && rw->readers == 0;
	return rw->writer == NULL && rw->writers_waiting == 0;
}

static void
rw_take(struct sim_rwlock *rw, krw_t op, struct lwp *l)
{
	if (op == RW_WRITER)
		rw->writer = l;
	else
		rw->readers++;
	SIM_RACE_HOOK(sim_race_rw_acquire(rw, op == RW_WRITER));
}

/*
 * The rwlock could not be taken at the CAS (kern_rw_enter's point): spin
 * while a writer runs, else sleep until rw_exit hands it over, each spin
 * a CAS again.
 */
static __attribute__((__noinline__)) void
rw_enter_contended(struct cpu_info *ci, struct sim_rwlock *rw, krw_t op,
    const char *file, int line)
{
	krwlock_t *rwl = (krwlock_t *)rw;
	struct lwp *l = ci->cur;

	for (;;) {
		if (rw->writer != NULL && rw->writer->state == LWP_ONCPU) {
			sim_point(PT_SPIN, SIM_COST_spin);
		} else {
			l->wait_rw_op = op;
			if (op == RW_WRITER)
				rw->writers_waiting++;
			sim_lwpq_append(&rw->waiters, l);
			sync_sleep(l, WAIT_RWLOCK, rw, file, line);
			if (l->wait_rw_op == RW_HANDED_OVER) {
				/* rw_exit made us a holder. */
				KASSERT(op == RW_WRITER ? rw->writer == l :
				    rw->writer == NULL && rw->readers > 0);
				SIM_RACE_HOOK(sim_race_rw_acquire(rw,
				    op == RW_WRITER));
				return;
			}
		}
		sim_mem_point_ci(ci, rwl, KERN_MEM_RMW);
		if (rw_can_take(rw, op)) {
			rw_take(rw, op, l);
			return;
		}
	}
}

/* After the CAS's point: take the lock, or wait for it. */
static inline __attribute__((__always_inline__)) void
rw_enter_cas_done(struct cpu_info *ci, struct sim_rwlock *rw, krw_t op,
    const char *file, int line)
{
	if (__predict_true(rw_can_take(rw, op))) {
		rw_take(rw, op, ci->cur);
		return;
	}
	rw_enter_contended(ci, rw, op, file, line);
}

/* kern_rw_enter from its CAS's point, when the point is not plain. */
static __attribute__((__noinline__)) void
kern_rw_enter__point(struct cpu_info *ci, struct sim_rwlock *rw, krw_t op,
    const char *file, int line)
{
	sim_mem_point_slow(rw, KERN_MEM_RMW, ci);
	rw_enter_cas_done(ci, rw, op, file, line);
}

/* kern_rw_enter after its CAS's point, when a context waits on the CPU. */
static __attribute__((__noinline__)) void
kern_rw_enter__preempt(struct cpu_info *ci, struct sim_rwlock *rw,
    krw_t op, const char *file, int line)
{
	sim_cpu_maybe_preempt_(ci);
	rw_enter_cas_done(ci, rw, op, file, line);
}

/* kern_rw_enter from the witness, when its common case does not hold. */
static __attribute__((__noinline__)) void
kern_rw_enter__witness(struct cpu_info *ci, struct sim_rwlock *rw,
    krw_t op, const char *file, int line)
{
	sim_witness_acquire_check(ci, &rw->w, rw, 0, file, line);
	sim_mem_point_ci(ci, rw, KERN_MEM_RMW);
	rw_enter_cas_done(ci, rw, op, file, line);
}

/*
 * The common case calls nothing (so saves no registers): the witness's
 * common case, the CAS's point plain, nobody to preempt, the lock free.
 * Every other case goes on in a function of its own, by a tail call, from
 * where this one stopped: kern_rw_enter__point, __preempt, __witness.
 * (The tracer names a point's kernel service by the outermost function of
 * sim/sys/ on the stack, what comes before a "__" in its name
 * (sim/cli/sched_trace.c), so each is still kern_rw_enter; by a tail
 * call, so that the wait is reached by one too, as it always was.)
 */
void
kern_rw_enter(krwlock_t *rwl, krw_t op, const char *file, int line)
{
	struct sim_rwlock *rw = rw_state(rwl, file, line);
	struct cpu_info *ci = sim_running_cpu();
	struct lwp *l = ci->cur;

	/*
	 * (Read as volatile: else the compiler keeps the value in a register
	 * for rw_can_take, after the point, and saves registers for it.)
	 */
	if (__predict_false(*(struct lwp *volatile *)&rw->writer == l))
		kern_panic(file, line, "rw_enter: locking against myself "
		    "(rwlock initialised at %s:%d)", rw->w.file, rw->w.line);
	if (__predict_false(!sim_witness_acquire_known(ci, &rw->w,
	    SIM_LOCK_RWLOCK, rwl, 0, file, line))) {
		kern_rw_enter__witness(ci, rw, op, file, line);
		return;
	}
	if (__predict_false(!sim_mem_point_try(ci, rwl, KERN_MEM_RMW,
	    &rw->line_hint))) {
		kern_rw_enter__point(ci, rw, op, file, line);
		return;
	}
	if (__predict_false(sim_cpu_preempt_may(ci))) {
		kern_rw_enter__preempt(ci, rw, op, file, line);
		return;
	}
	if (__predict_true(rw_can_take(rw, op))) {
		rw_take(rw, op, l);
		return;
	}
	rw_enter_contended(ci, rw, op, file, line);
}

bool
kern_rw_tryenter(krwlock_t *rwl, krw_t op, const char *file, int line)
{
	struct sim_rwlock *rw = rw_state(rwl, file, line);
	struct cpu_info *ci = sim_cpu_current();

	sim_mem_point_ci(ci, rwl, KERN_MEM_RMW);
	if (!rw_can_take(rw, op))
		return false;
	rw_take(rw, op, ci->cur);
	sim_witness_acquire(ci, &rw->w, rwl, SIM_WITNESS_TRY, file,
	    line);                                              /* witness */
	return true;
}

/*
 * Free: hand it to the first waiter, or to every reader at the front; they
 * hold it when they wake, so nobody can barge in.
 * => rw neither read- nor write-held
 */
static __attribute__((__noinline__)) void
rw_exit_hand_over(struct cpu_info *ci, struct sim_rwlock *rw)
{
	struct lwp *w;

	while ((w = rw->waiters.head) != NULL) {
		if (w->wait_rw_op == RW_WRITER) {
			if (rw->readers > 0)
				break;
			sim_lwpq_pop(&rw->waiters);
			/* Else it wraps, and readers are barred for good. */
			KASSERT(rw->writers_waiting > 0);
			rw->writers_waiting--;
			rw->writer = w;
			w->wait_rw_op = RW_HANDED_OVER;
			sim_lwp_wakeup(ci, w);
			break;
		}
		sim_lwpq_pop(&rw->waiters);
		rw->readers++;
		w->wait_rw_op = RW_HANDED_OVER;
		sim_lwp_wakeup(ci, w);
	}
}

/*
 * ci's LWP lets rw go (kern_rw_exit after its point).  whole: as it
 * comes; else only as far as calling nothing (the lock the innermost its
 * LWP holds, nobody waiting), the rest by a call to the whole.
 */
static __attribute__((__noinline__)) void rw_exit_whole(struct cpu_info *,
    struct sim_rwlock *, const char *, int);
static inline __attribute__((__always_inline__)) void
rw_release(struct cpu_info *ci, struct sim_rwlock *rw, const char *file,
    int line, bool whole)
{
	struct lwp *l = ci->cur;
	bool held = rw->writer != NULL ? rw->writer == l : rw->readers > 0;

	if (!whole && __predict_false(!held ||
	    !sim_witness_release_top(ci, rw))) {
		rw_exit_whole(ci, rw, file, line);
		KS_FRAME_KEPT();
		return;
	}
	if (whole && __predict_false(!held ||
	    !sim_witness_release(ci, rw)))                     /* witness */
		kern_panic(file, line, "rw_exit by lwp %s of the rwlock "
		    "initialised at %s:%d, which it does not hold (%s)",
		    l->name, rw->w.file, rw->w.line, rw->writer != NULL ?
		    "write-held by another" : rw->readers > 0 ? "read-held "
		    "by others" : "not held");
	if (rw->writer != NULL) {
		rw->writer = NULL;
		SIM_RACE_HOOK(sim_race_rw_release(rw, true));
	} else {
		rw->readers--;
		SIM_RACE_HOOK(sim_race_rw_release(rw, false));
	}
	if (__predict_false(rw->readers == 0 && rw->waiters.head != NULL))
		rw_exit_hand_over(ci, rw);
}

static void
rw_exit_whole(struct cpu_info *ci, struct sim_rwlock *rw, const char *file,
    int line)
{
	rw_release(ci, rw, file, line, true);
}

/* kern_rw_exit from its point, when the point is not plain. */
static __attribute__((__noinline__)) void
rw_exit_point(struct cpu_info *ci, struct sim_rwlock *rw, const char *file,
    int line)
{
	sim_mem_point_slow(rw, KERN_MEM_RMW, ci);
	rw_release(ci, rw, file, line, true);
}

/* kern_rw_exit after its point, when a context waits on the CPU. */
static __attribute__((__noinline__)) void
rw_exit_preempt(struct cpu_info *ci, struct sim_rwlock *rw,
    const char *file, int line)
{
	sim_cpu_maybe_preempt_(ci);
	rw_release(ci, rw, file, line, true);
}

/* As kern_rw_enter: the common case calls nothing, the rest continuations. */
void
kern_rw_exit(krwlock_t *rwl, const char *file, int line)
{
	struct sim_rwlock *rw = rw_state(rwl, file, line);
	struct cpu_info *ci = sim_cpu_current();

	if (__predict_false(!sim_mem_point_try(ci, rwl, KERN_MEM_RMW,
	    &rw->line_hint))) {
		rw_exit_point(ci, rw, file, line);
		KS_FRAME_KEPT();
		return;
	}
	if (__predict_false(sim_cpu_preempt_may(ci))) {
		rw_exit_preempt(ci, rw, file, line);
		KS_FRAME_KEPT();
		return;
	}
	rw_release(ci, rw, file, line, false);
}

bool
rw_read_held(const krwlock_t *rwl)
{
	const struct sim_rwlock *rw = rw_state(rwl, __FILE__, __LINE__);

	return rw->readers > 0;
}

bool
rw_write_held(const krwlock_t *rwl)
{
	const struct sim_rwlock *rw = rw_state(rwl, __FILE__, __LINE__);

	return rw->writer != NULL && rw->writer == sim_running_cpu()->cur;
}

bool
rw_lock_held(const krwlock_t *rwl)
{
	return rw_read_held(rwl) || rw_write_held(rwl);
}

/* --- condition variables ------------------------------------------------------ */

static struct sim_cv *
cv_state(const kcondvar_t *kcv)
{
	struct sim_cv *cv = (struct sim_cv *)(uintptr_t)kcv;

	KASSERTMSG(cv->magic == CV_MAGIC, "condvar used before cv_init");
	return cv;
}

void
cv_init(kcondvar_t *kcv, const char *wmesg)
{
	struct sim_cv *cv = (struct sim_cv *)kcv;

	memset(kcv, 0, sizeof(*kcv));
	cv->magic = CV_MAGIC;
	cv->wmesg = wmesg;
	SIM_RACE_HOOK(sim_race_sync_init(kcv));
}

void
cv_destroy(kcondvar_t *kcv)
{
	struct sim_cv *cv = cv_state(kcv);

	KASSERTMSG(cv->waiters.head == NULL, "cv_destroy of condvar \"%s\" "
	    "with waiters", cv->wmesg);
	cv->magic = 0;
}

/*
 * Queue on the cv and release the mutex in one step after one scheduling
 * point, so no signal can fall between them; then sleep and take the
 * mutex again.
 * => timo > 0: wake with EWOULDBLOCK after timo ticks; else no timeout
 */
static int
cv_block(kcondvar_t *kcv, kmutex_t *mtx, int timo, const char *file, int line)
{
	struct sim_cv *cv = cv_state(kcv);
	struct sim_mutex *m = mutex_state(mtx, file, line);
	struct cpu_info *ci;
	struct lwp *l;
	int result;

	sim_point_on(PT_CV, SIM_COST_call, kcv);
	ci = sim_running_cpu();
	l = ci->cur;
	KASSERTMSG(m->owner == l, "cv_wait on \"%s\" without holding the "
	    "mutex, at %s:%d", cv->wmesg, file, line);
	sim_lwpq_append(&cv->waiters, l);
	sim_cpu_charge(ci, sim_lines_access(&ci->host->lines, ci->host->cost,
	    ci->line_bit, mtx, KERN_MEM_RMW));
	mutex_release(ci, m, file, line, true);
	if (timo > 0)
		sim_lwp_arm_timeout(l, timo);
	else
		l->wait_result = 0;
	sync_sleep(l, WAIT_CV, cv, file, line);
	result = l->wait_result;
	KASSERT(result == 0 || (timo > 0 && result == EWOULDBLOCK));
	if (result == 0)
		SIM_RACE_HOOK(sim_race_acquire(kcv));   /* the signal's */
	kern_mutex_enter(mtx, file, line);
	return result;
}

void
kern_cv_wait(kcondvar_t *kcv, kmutex_t *mtx, const char *file, int line)
{
	(void)cv_block(kcv, mtx, 0, file, line);
}

int
kern_cv_timedwait(kcondvar_t *kcv, kmutex_t *mtx, int timo, const char *file,
    int line)
{
	return cv_block(kcv, mtx, timo, file, line);
}

/* Wake the first waiter, or (all) every waiter, in the order they came. */
static void
cv_wake(kcondvar_t *kcv, bool all)
{
	struct sim_cv *cv = cv_state(kcv);
	struct cpu_info *ci;
	struct lwp *w;

	sim_point_on(PT_CV, SIM_COST_call, kcv);
	ci = sim_running_cpu();
	SIM_RACE_HOOK(sim_race_release(kcv));
	while ((w = sim_lwpq_pop(&cv->waiters)) != NULL) {
		sim_lwp_wakeup(ci, w);
		if (!all)
			break;
	}
}

void
cv_signal(kcondvar_t *kcv)
{
	cv_wake(kcv, false);
}

void
cv_broadcast(kcondvar_t *kcv)
{
	cv_wake(kcv, true);
}

bool
cv_has_waiters(kcondvar_t *kcv)
{
	struct sim_cv *cv = cv_state(kcv);

	sim_point_on(PT_CV, SIM_COST_call, kcv);
	return cv->waiters.head != NULL;
}

/* A timeout fired: take l off the queue it waits in, if any. */
void
sim_sync_cancel_wait(struct lwp *l)
{
	switch (l->wait) {
	case WAIT_CV:
		lwpq_remove(&((struct sim_cv *)(uintptr_t)l->wait_obj)->waiters, l);
		break;
	default:
		break;
	}
}

/* --- what an LWP waits on, for the deadlock report ---------------------------- */

const char *
sim_sync_describe(const struct lwp *l, char *buf, size_t len)
{
	const struct sim_mutex *m;
	const struct sim_rwlock *rw;
	const struct sim_cv *cv;

	switch (l->wait) {
	case WAIT_MUTEX:
		m = l->wait_obj;
		snprintf(buf, len, "waits at %s:%d for the mutex initialised at "
		    "%s:%d, held by lwp %s (id %u)", l->wait_file, l->wait_line,
		    m->w.file, m->w.line, m->owner ? m->owner->name : "-",
		    m->owner ? m->owner->id : 0);
		break;
	case WAIT_RWLOCK:
		rw = l->wait_obj;
		snprintf(buf, len, "waits at %s:%d to %s the rwlock initialised "
		    "at %s:%d (%s)", l->wait_file, l->wait_line,
		    l->wait_rw_op == RW_WRITER ? "write" : "read", rw->w.file,
		    rw->w.line, rw->writer ? "write-held" : "read-held");
		break;
	case WAIT_CV:
		cv = l->wait_obj;
		snprintf(buf, len, "waits at %s:%d on condvar \"%s\"",
		    l->wait_file, l->wait_line, cv->wmesg);
		break;
	case WAIT_JOIN:
		snprintf(buf, len, "waits to join lwp %s",
		    ((const struct lwp *)l->wait_obj)->name);
		break;
	case WAIT_PAUSE:
		snprintf(buf, len, "sleeps in kpause \"%s\"",
		    (const char *)l->wait_obj);
		break;
	default:
		snprintf(buf, len, "sleeps");
		break;
	}
	return buf;
}
