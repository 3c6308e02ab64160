/*
 * kern_kcont.c -- kernel continuations (see kcont.h): callouts, softints
 * and workqueues as one cheap object.
 *
 * Each CPU has, under one spin mutex at IPL_SCHED (kcc_lock):
 *   - a ready queue per soft level: continuations due now, drained in
 *     FIFO order by that level's soft interrupt on that CPU;
 *   - a timer heap: delayed continuations in a pairing heap ordered by
 *     (due time, sequence), intrusive, so inserting never allocates;
 *   - the CPU's one-shot timer, armed for the heap's earliest entry.  Its
 *     handler (hardware interrupt) moves what is due to the ready queues
 *     or the worker queue and re-arms.
 * The host has a worker queue under its own spin mutex (ks_wlock) and a
 * pool of worker LWPs, one per CPU, any of which takes the next item.
 *
 * A continuation's "home lock" is the lock of whatever queue holds it, or
 * would: kc_lock points at it and is re-read after locking (kcont_lock),
 * because the timer handler moves due worker items from a CPU's heap to
 * the worker queue.  Lock order: a CPU's kcc_lock before ks_wlock; two
 * CPUs' locks are never held together.
 *
 * A continuation never runs on two CPUs at once.  Scheduled again while
 * it runs, it may land in another CPU's queue, or the worker queue where
 * another worker looks; whoever takes it from there while it still runs
 * leaves it to its runner (KCS_AGAIN), which puts it back in the same
 * queue when its run is over (kcont_finish).  Until then it counts as
 * pending: a stop or halt cancels it, a schedule moves it.
 *
 * Each run of a continuation is a context of its own for the exploration
 * build's race detector (kern_ctx_enter, <sys/race.h>): two runs one
 * soft interrupt or worker makes in turn are ordered only by what they
 * synchronise on, as they would be on two CPUs; kcont_halt returns after
 * the run it waited for (kern_hb_acquire).  The machine is told of each
 * run too (cpu_kcont_enter, <sys/intr.h>), so that a CPU's continuation
 * time is counted apart from its soft interrupts' and threads'.
 *
 * Nothing here allocates after kcont_sysinit, and there is no mutable
 * global: the roots hang off kern_globals() and cpu_data().
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/intr.h>
#include <sys/kernvar.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/kcont.h>

#define KCONT_MAGIC     0x6b636e74u     /* "kcnt" */

/* kc_state bits, under the home lock. */
#define KCS_PENDING     0x01    /* in a ready, timer or worker queue */
#define KCS_TIMED       0x02    /* in a CPU's timer heap */
#define KCS_RUNNING     0x04    /* its function is executing */
#define KCS_HALTWAIT    0x08    /* someone sleeps in kcont_halt */
#define KCS_AGAIN       0x10    /* taken from a queue while running
				   elsewhere: its runner queues it again */
#define KCS_QUEUED      (KCS_PENDING | KCS_AGAIN)       /* will run */

struct kcont_q {
	kcont_t *head, *tail;
};

/* Per CPU.  Legend: c = constant after sysinit, l = kcc_lock. */
struct kcont_cpu {
	kmutex_t kcc_lock;
	struct cpu_info *kcc_ci;                        /* c */
	struct kcont_q kcc_ready[KCONT_NLEVELS];        /* l */
	kcont_t *kcc_heap;                              /* l */
	uint64_t kcc_armed;                             /* l: 0 = not armed */
	uint64_t kcc_seq;                               /* l */
	ktimer_t kcc_timer;                             /* c */
	struct evcnt kcc_ev_scheduled;                  /* l */
	struct evcnt kcc_ev_ran;                        /* this CPU only */
	struct evcnt kcc_ev_timer;                      /* l */
};

/* Per host.  Legend: c = constant after sysinit, w = ks_wlock. */
struct kcont_sys {
	kmutex_t ks_wlock;
	kcondvar_t ks_wcv;                              /* w: work arrived */
	kcondvar_t ks_donecv;                           /* a run finished */
	struct kcont_q ks_work;                         /* w */
	void *ks_si[KCONT_NLEVELS];                     /* c */
	struct evcnt ks_ev_worker_ran;                  /* w */
};

static struct kcont_sys *
kcont_sys(void)
{
	struct kcont_sys *ks = kern_globals()->kg_kcont;

	KASSERTMSG(ks != NULL, "kcont used before kcont_sysinit");
	return ks;
}

static struct kcont_cpu *
kcont_cpu(struct cpu_info *ci)
{
	struct kcont_cpu *kcc = cpu_data(ci)->cd_kcont;

	KASSERT(kcc != NULL && kcc->kcc_ci == ci);
	return kcc;
}

/*
 * Who runs a continuation, for the contract checks: the calling
 * context's lwp_id + 1 (0 is nobody).  Not a scheduling point.
 */
static inline uint32_t
kcont_me(void)
{
	return lwp_id(curlwp) + 1;
}

/* --- FIFO queues (doubly linked: a stop unlinks in O(1)) ------------------ */

static void
q_append(struct kcont_q *q, kcont_t *kc)
{
	kc->kc_next = NULL;
	kc->kc_prev = q->tail;
	if (q->tail != NULL)
		q->tail->kc_next = kc;
	else
		q->head = kc;
	q->tail = kc;
}

static void
q_remove(struct kcont_q *q, kcont_t *kc)
{
	if (kc->kc_prev != NULL)
		kc->kc_prev->kc_next = kc->kc_next;
	else
		q->head = kc->kc_next;
	if (kc->kc_next != NULL)
		kc->kc_next->kc_prev = kc->kc_prev;
	else
		q->tail = kc->kc_prev;
	kc->kc_next = kc->kc_prev = NULL;
}

/* --- the timer heap: an intrusive pairing heap on (when, seq) ------------ */

/*
 * kc_parent is the previous sibling, or the parent of a first child, so a
 * node can be cut out in O(1).
 */
static inline bool
kc_before(const kcont_t *a, const kcont_t *b)
{
	return a->kc_when < b->kc_when ||
	    (a->kc_when == b->kc_when && a->kc_seq < b->kc_seq);
}

/* Meld two heaps whose roots have no parent and no sibling. */
static kcont_t *
ph_meld(kcont_t *a, kcont_t *b)
{
	kcont_t *t;

	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	if (kc_before(b, a)) {
		t = a;
		a = b;
		b = t;
	}
	b->kc_sibling = a->kc_child;
	if (a->kc_child != NULL)
		a->kc_child->kc_parent = b;
	b->kc_parent = a;
	a->kc_child = b;
	return a;
}

/* Two-pass merge of a sibling list into one heap. */
static kcont_t *
ph_merge_pairs(kcont_t *first)
{
	kcont_t *acc = NULL, *root = NULL;

	while (first != NULL) {
		kcont_t *a = first, *b = a->kc_sibling, *m;

		first = b != NULL ? b->kc_sibling : NULL;
		a->kc_sibling = a->kc_parent = NULL;
		if (b != NULL)
			b->kc_sibling = b->kc_parent = NULL;
		m = ph_meld(a, b);
		m->kc_sibling = acc;            /* a stack of the pairs */
		acc = m;
	}
	while (acc != NULL) {
		kcont_t *next = acc->kc_sibling;

		acc->kc_sibling = NULL;
		root = ph_meld(root, acc);
		acc = next;
	}
	return root;
}

static kcont_t *
ph_insert(kcont_t *root, kcont_t *kc)
{
	kc->kc_child = kc->kc_sibling = kc->kc_parent = NULL;
	return ph_meld(root, kc);
}

static kcont_t *
ph_remove(kcont_t *root, kcont_t *kc)
{
	kcont_t *sub;

	if (kc == root) {
		root = ph_merge_pairs(kc->kc_child);
	} else {
		KASSERT(kc->kc_parent != NULL);
		if (kc->kc_parent->kc_child == kc)
			kc->kc_parent->kc_child = kc->kc_sibling;
		else
			kc->kc_parent->kc_sibling = kc->kc_sibling;
		if (kc->kc_sibling != NULL)
			kc->kc_sibling->kc_parent = kc->kc_parent;
		sub = ph_merge_pairs(kc->kc_child);
		root = ph_meld(root, sub);
	}
	kc->kc_child = kc->kc_sibling = kc->kc_parent = NULL;
	return root;
}

/* --- the home lock ---------------------------------------------------------- */

static kmutex_t *
kcont_lock(kcont_t *kc)
{
	for (;;) {
		/* Pairs with the release stores that move a continuation. */
		kmutex_t *lock = atomic_load_acquire(&kc->kc_lock);

		mutex_spin_enter(lock);
		if (atomic_load_relaxed(&kc->kc_lock) == lock)
			return lock;
		mutex_spin_exit(lock);
	}
}

/* Take kc out of whatever queue holds it.  => home lock held */
static bool
kcont_unlink(kcont_t *kc)
{
	uint32_t s = kc->kc_state;

	if (s & KCS_AGAIN) {
		/* In no queue: its runner would have queued it again. */
		kc->kc_state = s & ~KCS_AGAIN;
		return true;
	}
	if ((s & KCS_PENDING) == 0)
		return false;
	if (s & KCS_TIMED) {
		struct kcont_cpu *kcc = kcont_cpu(kc->kc_cpu);

		kcc->kcc_heap = ph_remove(kcc->kcc_heap, kc);
	} else if (kc->kc_flags & KCONT_WORKER) {
		q_remove(&kcont_sys()->ks_work, kc);
	} else {
		q_remove(&kcont_cpu(kc->kc_cpu)->kcc_ready[kc->kc_flags &
		    KCONT_LVLMASK], kc);
	}
	kc->kc_state = s & ~(KCS_PENDING | KCS_TIMED);
	return true;
}

/*
 * A continuation left kcc's timer heap for good (stopped, not moved):
 * with nothing left to time, the CPU's clock interrupt is disarmed, so a
 * host at rest has nothing pending.  => kcc_lock held
 */
static void
kcont_timer_idle(struct kcont_cpu *kcc)
{
	KASSERT(mutex_owned(&kcc->kcc_lock));
	if (kcc->kcc_heap == NULL && kcc->kcc_armed != 0) {
		kcc->kcc_armed = 0;
		ktimer_disarm(&kcc->kcc_timer);
	}
}

/*
 * Make newlock kc's home.  => oldlock held and kc not pending; returns
 * with newlock held instead.
 */
static void
kcont_rehome(kcont_t *kc, kmutex_t *oldlock, kmutex_t *newlock)
{
	KASSERT((kc->kc_state & KCS_QUEUED) == 0);
	if (oldlock == newlock)
		return;
	/* Orders the unlink above before anyone locking the new home. */
	atomic_store_release(&kc->kc_lock, newlock);
	mutex_spin_exit(oldlock);
	mutex_spin_enter(newlock);
}

/* --- the public routines ---------------------------------------------------- */

void
kcont_init(kcont_t *kc, void (*func)(void *), void *arg, u_int flags)
{
	KASSERT(func != NULL);
	KASSERT((flags & ~(KCONT_LVLMASK | KCONT_WORKER)) == 0);
	KASSERT((flags & KCONT_LVLMASK) < KCONT_NLEVELS);
	kc->kc_func = func;
	kc->kc_arg = arg;
	kc->kc_next = kc->kc_prev = NULL;
	kc->kc_child = kc->kc_sibling = kc->kc_parent = NULL;
	kc->kc_when = kc->kc_seq = 0;
	kc->kc_bound = NULL;
	kc->kc_cpu = curcpu();
	kc->kc_state = 0;
	kc->kc_flags = flags;
	kc->kc_magic = KCONT_MAGIC;
	kc->kc_runner = 0;
	atomic_store_release(&kc->kc_lock, &kcont_cpu(kc->kc_cpu)->kcc_lock);
}

void
kcont_bind(kcont_t *kc, struct cpu_info *ci)
{
	kmutex_t *lock;

	KASSERT(kc->kc_magic == KCONT_MAGIC);
	lock = kcont_lock(kc);
	KASSERTMSG((kc->kc_state & KCS_QUEUED) == 0, "kcont_bind of a "
	    "pending continuation");
	kc->kc_bound = ci;
	mutex_spin_exit(lock);
}

bool
kcont_schedule(kcont_t *kc, int ticks)
{
	struct kcont_sys *ks = kcont_sys();
	struct cpu_info *ci;
	struct kcont_cpu *kcc;
	kmutex_t *lock, *home;
	u_int lvl = kc->kc_flags & KCONT_LVLMASK;
	bool was, softint = false;

	KASSERT(kc->kc_magic == KCONT_MAGIC);
	KASSERT(ticks >= 0);
	lock = kcont_lock(kc);
	was = kcont_unlink(kc);
	ci = kc->kc_bound != NULL ? kc->kc_bound : curcpu();
	kcc = kcont_cpu(ci);
	home = (ticks == 0 && (kc->kc_flags & KCONT_WORKER)) ? &ks->ks_wlock
	    : &kcc->kcc_lock;
	kcont_rehome(kc, lock, home);
	kc->kc_cpu = ci;
	if (ticks > 0) {
		uint64_t tick_ns = 1000000000ULL / (uint64_t)hz;

		/* Due on a tick boundary, as a callout is. */
		kc->kc_when = (getnanouptime() / tick_ns + (uint64_t)ticks) *
		    tick_ns;
		kc->kc_seq = kcc->kcc_seq++;
		kcc->kcc_heap = ph_insert(kcc->kcc_heap, kc);
		kc->kc_state |= KCS_PENDING | KCS_TIMED;
		if (kcc->kcc_armed == 0 || kc->kc_when < kcc->kcc_armed) {
			kcc->kcc_armed = kc->kc_when;
			ktimer_arm(&kcc->kcc_timer, kc->kc_when);
		}
	} else if (kc->kc_flags & KCONT_WORKER) {
		q_append(&ks->ks_work, kc);
		kc->kc_state |= KCS_PENDING;
		cv_signal(&ks->ks_wcv);
	} else {
		q_append(&kcc->kcc_ready[lvl], kc);
		kc->kc_state |= KCS_PENDING;
		softint = true;
	}
	if (home == &kcc->kcc_lock)
		kcc->kcc_ev_scheduled.ev_count++;
	SDT_PROBE2(kcont, schedule, 1, ticks);
	mutex_spin_exit(home);
	if (softint)
		softint_schedule_cpu(ks->ks_si[lvl], ci);
	return was;
}

bool
kcont_stop(kcont_t *kc)
{
	kmutex_t *lock;
	bool was, timed;

	KASSERT(kc->kc_magic == KCONT_MAGIC);
	lock = kcont_lock(kc);
	timed = (kc->kc_state & KCS_TIMED) != 0;
	was = kcont_unlink(kc);
	/* A timer armed for others fires, finds nothing due and re-arms. */
	if (timed)
		kcont_timer_idle(kcont_cpu(kc->kc_cpu));
	mutex_spin_exit(lock);
	return was;
}

bool
kcont_halt(kcont_t *kc)
{
	struct kcont_sys *ks = kcont_sys();
	kmutex_t *lock;
	bool was, timed;

	KASSERTMSG(!cpu_intr_p(), "kcont_halt may sleep: not in interrupts");
	KASSERT(kc->kc_magic == KCONT_MAGIC);
	lock = kcont_lock(kc);
	KASSERTMSG(kc->kc_runner != kcont_me(), "kcont_halt in the "
	    "continuation's own function would wait for itself for ever");
	timed = (kc->kc_state & KCS_TIMED) != 0;
	was = kcont_unlink(kc);
	if (timed)
		kcont_timer_idle(kcont_cpu(kc->kc_cpu));
	while (kc->kc_state & KCS_RUNNING) {
		kc->kc_state |= KCS_HALTWAIT;
		cv_wait(&ks->ks_donecv, lock);
		if (atomic_load_relaxed(&kc->kc_lock) != lock) {
			mutex_spin_exit(lock);
			lock = kcont_lock(kc);
		}
	}
	/* What the runs we waited for did happens before our return. */
	kern_hb_acquire(kc);
	/* The contract: no run in progress once halt returns. */
	KASSERTMSG((kc->kc_state & KCS_RUNNING) == 0 && kc->kc_runner == 0,
	    "kcont_halt returns while lwp id %u runs the continuation",
	    kc->kc_runner - 1);
	mutex_spin_exit(lock);
	return was;
}

bool
kcont_pending(kcont_t *kc)
{
	KASSERT(kc->kc_magic == KCONT_MAGIC);
	return (atomic_load_relaxed(&kc->kc_state) & KCS_QUEUED) != 0;
}

bool
kcont_running(kcont_t *kc)
{
	KASSERT(kc->kc_magic == KCONT_MAGIC);
	return (atomic_load_relaxed(&kc->kc_state) & KCS_RUNNING) != 0;
}

void
kcont_destroy(kcont_t *kc)
{
	KASSERT(kc->kc_magic == KCONT_MAGIC);
	KASSERTMSG((kc->kc_state & (KCS_QUEUED | KCS_RUNNING)) == 0 &&
	    kc->kc_runner == 0,
	    "kcont_destroy of a pending or running continuation");
	kc->kc_magic = 0;
}

/* --- running them ---------------------------------------------------------- */

/* What kcont_finish leaves its caller to do once the home lock is let go. */
#define KF_WAKE         0x01    /* wake those in kcont_halt */
#define KF_SOFTINT      0x02    /* kc is back in kc_cpu's ready queue */

/*
 * A run of kc is over: clear RUNNING, and put kc back in its queue if it
 * was taken from there meanwhile (KCS_AGAIN).  Returns KF_* for the
 * caller.  => home lock held
 */
static u_int
kcont_finish(kcont_t *kc)
{
	struct kcont_sys *ks;
	u_int r = (kc->kc_state & KCS_HALTWAIT) != 0 ? KF_WAKE : 0;

	KASSERT((kc->kc_state & KCS_RUNNING) != 0 && kc->kc_runner != 0);
	kc->kc_state &= ~(KCS_RUNNING | KCS_HALTWAIT);
	kc->kc_runner = 0;
	if ((kc->kc_state & KCS_AGAIN) == 0)
		return r;
	kc->kc_state = (kc->kc_state & ~KCS_AGAIN) | KCS_PENDING;
	ks = kcont_sys();
	if (kc->kc_flags & KCONT_WORKER) {
		KASSERT(atomic_load_relaxed(&kc->kc_lock) == &ks->ks_wlock);
		q_append(&ks->ks_work, kc);
		cv_signal(&ks->ks_wcv);
	} else {
		q_append(&kcont_cpu(kc->kc_cpu)->kcc_ready[kc->kc_flags &
		    KCONT_LVLMASK], kc);
		r |= KF_SOFTINT;
	}
	return r;
}

/* The same, taking the home lock, and what it leaves to do. */
static void
kcont_ran(struct kcont_sys *ks, kcont_t *kc)
{
	kmutex_t *lock = kcont_lock(kc);
	struct cpu_info *ci = kc->kc_cpu;
	u_int r = kcont_finish(kc);

	mutex_spin_exit(lock);
	if (r & KF_SOFTINT)
		softint_schedule_cpu(ks->ks_si[kc->kc_flags & KCONT_LVLMASK],
		    ci);
	if (r & KF_WAKE)
		cv_broadcast(&ks->ks_donecv);
}

/*
 * Take kc off a queue to run it; false if it still runs elsewhere: then
 * its runner queues it again when done.  => its queue's lock held (home)
 */
static bool
kcont_take(kcont_t *kc)
{
	KASSERT(kc->kc_state & KCS_PENDING);
	KASSERT((kc->kc_state & KCS_TIMED) == 0);
	if (kc->kc_state & KCS_RUNNING) {
		kc->kc_state = (kc->kc_state & ~KCS_PENDING) | KCS_AGAIN;
		return false;
	}
	/* The contract: never running on two CPUs at once. */
	KASSERTMSG(kc->kc_runner == 0, "a continuation taken to run while "
	    "lwp id %u runs it: it would run on two CPUs at once",
	    kc->kc_runner - 1);
	kc->kc_state = (kc->kc_state & ~KCS_PENDING) | KCS_RUNNING;
	kc->kc_runner = kcont_me();
	return true;
}

/*
 * Run a taken continuation's function once, in the calling soft interrupt
 * or worker: a context of its own to the race detector, and continuation
 * time, not the runner's, to the machine (cpu_kcont_enter: free, no
 * scheduling point).
 */
static void
kcont_run(kcont_t *kc)
{
	cpu_kcont_enter();
	kern_ctx_enter(kc, kc->kc_func);
	(*kc->kc_func)(kc->kc_arg);
	kern_ctx_exit(kc);
	cpu_kcont_exit();
}

/*
 * The soft interrupt of one level: run this CPU's ready continuations.
 * The lock taken to pop the next one also finishes the last one's run
 * when it is still at home here, as it almost always is.
 */
static void
kcont_softintr(void *arg)
{
	u_int lvl = (u_int)(uintptr_t)arg;
	struct kcont_sys *ks = kcont_sys();
	struct kcont_cpu *kcc = kcont_cpu(curcpu());
	kcont_t *kc, *done = NULL;
	bool wake = false;

	mutex_spin_enter(&kcc->kcc_lock);
	for (;;) {
		if (done != NULL) {
			if (atomic_load_relaxed(&done->kc_lock) == &kcc->kcc_lock) {
				/* Queued again, it is ours: the loop runs it. */
				wake |= (kcont_finish(done) & KF_WAKE) != 0;
			} else {
				mutex_spin_exit(&kcc->kcc_lock);
				kcont_ran(ks, done);
				mutex_spin_enter(&kcc->kcc_lock);
			}
			done = NULL;
		}
		if ((kc = kcc->kcc_ready[lvl].head) == NULL)
			break;
		q_remove(&kcc->kcc_ready[lvl], kc);
		if (!kcont_take(kc))
			continue;       /* running elsewhere: its runner's */
		mutex_spin_exit(&kcc->kcc_lock);
		SDT_PROBE2(kcont, run, 1, lvl);
		kcont_run(kc);
		kcc->kcc_ev_ran.ev_count++;
		done = kc;
		mutex_spin_enter(&kcc->kcc_lock);
	}
	mutex_spin_exit(&kcc->kcc_lock);
	if (wake)
		cv_broadcast(&ks->ks_donecv);
}

/* A worker LWP: take the next item, whoever scheduled it, and run it. */
static void
kcont_worker(void *arg)
{
	struct kcont_sys *ks = arg;
	kcont_t *kc;

	mutex_spin_enter(&ks->ks_wlock);
	for (;;) {
		while ((kc = ks->ks_work.head) == NULL)
			cv_wait(&ks->ks_wcv, &ks->ks_wlock);
		q_remove(&ks->ks_work, kc);
		if (!kcont_take(kc))
			continue;       /* running in another worker: its */
		ks->ks_ev_worker_ran.ev_count++;
		mutex_spin_exit(&ks->ks_wlock);
		SDT_PROBE2(kcont, run, 1, KCONT_NLEVELS);
		kcont_run(kc);
		kcont_ran(ks, kc);
		mutex_spin_enter(&ks->ks_wlock);
	}
}

/*
 * The CPU's clock interrupt: move what is due from the timer heap to the
 * ready queues (or the worker queue), then re-arm for the next.
 */
static void
kcont_clock(void *arg)
{
	struct kcont_cpu *kcc = arg;
	struct kcont_sys *ks = kcont_sys();
	uint64_t now = getnanouptime();
	bool softint[KCONT_NLEVELS] = { false };
	kcont_t *kc;

	KASSERT(curcpu() == kcc->kcc_ci);
	mutex_spin_enter(&kcc->kcc_lock);
	kcc->kcc_armed = 0;
	kcc->kcc_ev_timer.ev_count++;
	while ((kc = kcc->kcc_heap) != NULL && kc->kc_when <= now) {
		kcc->kcc_heap = ph_remove(kc, kc);
		kc->kc_state &= ~KCS_TIMED;
		if (kc->kc_flags & KCONT_WORKER) {
			mutex_spin_enter(&ks->ks_wlock);
			q_append(&ks->ks_work, kc);
			/* Publishes the move to kcont_lock's re-check. */
			atomic_store_release(&kc->kc_lock, &ks->ks_wlock);
			cv_signal(&ks->ks_wcv);
			mutex_spin_exit(&ks->ks_wlock);
		} else {
			u_int lvl = kc->kc_flags & KCONT_LVLMASK;

			q_append(&kcc->kcc_ready[lvl], kc);
			softint[lvl] = true;
		}
	}
	if ((kc = kcc->kcc_heap) != NULL) {
		kcc->kcc_armed = kc->kc_when;
		ktimer_arm(&kcc->kcc_timer, kc->kc_when);
	}
	mutex_spin_exit(&kcc->kcc_lock);
	for (u_int lvl = 0; lvl < KCONT_NLEVELS; lvl++)
		if (softint[lvl])
			softint_schedule(ks->ks_si[lvl]);
}

/* --- set-up ---------------------------------------------------------------- */

void
kcont_sysinit(void)
{
	struct kern_globals *kg = kern_globals();
	struct kcont_sys *ks;

	KASSERT(kg->kg_kcont == NULL);
	ks = kmem_zalloc(sizeof(*ks), KM_SLEEP);
	mutex_init(&ks->ks_wlock, MUTEX_SPIN, IPL_SCHED);
	cv_init(&ks->ks_wcv, "kcontwk");
	cv_init(&ks->ks_donecv, "kconthlt");
	for (u_int lvl = 0; lvl < KCONT_NLEVELS; lvl++)
		ks->ks_si[lvl] = softint_establish((SOFTINT_CLOCK + lvl) |
		    SOFTINT_MPSAFE, kcont_softintr, (void *)(uintptr_t)lvl);
	evcnt_attach_dynamic(&ks->ks_ev_worker_ran, EVCNT_TYPE_MISC, NULL,
	    "kcont", "worker_ran");
	kg->kg_kcont = ks;

	for (u_int i = 0; i < ncpu; i++) {
		struct cpu_info *ci = cpu_lookup(i);
		struct kcont_cpu *kcc = kmem_zalloc(sizeof(*kcc), KM_SLEEP);

		mutex_init(&kcc->kcc_lock, MUTEX_SPIN, IPL_SCHED);
		kcc->kcc_ci = ci;
		ktimer_init(&kcc->kcc_timer, ci, kcont_clock, kcc);
		evcnt_attach_cpu(&kcc->kcc_ev_scheduled, EVCNT_TYPE_MISC, i,
		    "kcont", "scheduled");
		evcnt_attach_cpu(&kcc->kcc_ev_ran, EVCNT_TYPE_MISC, i, "kcont",
		    "ran");
		evcnt_attach_cpu(&kcc->kcc_ev_timer, EVCNT_TYPE_INTR, i,
		    "kcont", "timer");
		cpu_data(ci)->cd_kcont = kcc;
	}
	for (u_int i = 0; i < ncpu; i++) {
		int error = kthread_create(PRI_NONE, KTHREAD_MPSAFE |
		    KTHREAD_DAEMON, cpu_lookup(i), kcont_worker, ks, NULL,
		    "kcontwk/%u", i);
		KASSERT(error == 0);
	}
}
