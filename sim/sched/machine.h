/*
 * machine.h -- the simulated machine: hosts, their CPUs, LWPs, and the
 * loop that interleaves them with the engine's events.
 *
 * Each CPU has a local clock.  The machine always resumes the runnable CPU
 * with the smallest (clock, tiebreak) key, where the tiebreak is drawn
 * from the CPU's own seeded stream when it gets in line or its host's
 * CPUs overtake it, so CPUs whose clocks are equal go in an order the
 * seed decides -- but a CPU of another host only once it is the
 * lookahead behind (sched.c).  An event due at time
 * t runs before any CPU whose clock has reached t.  A running context
 * keeps its CPU until its next scheduling point finds some other CPU or
 * event earlier than its own clock; then it yields.  Idle CPUs do not
 * advance: when something wakes them their clock jumps forward.
 *
 * At a scheduling point the order is always: wait for the turn, act, then
 * charge the cost.  So every access to shared state happens when the
 * acting CPU's clock is the earliest of all: the memory order of the run
 * is the order of the clocks, ties broken by the seed.
 *
 * That is the interleaving policy "time".  The others (policy.c: random,
 * pct, pos) take over once every host has booted and choose at each
 * scheduling point which runnable CPU acts next, among those within a
 * skew bound of the earliest; a CPU that acts after another has acted
 * later in time is first moved up to that time (cpu.skew_ns), so the
 * memory order is still the order of the clocks.
 *
 * The stack's struct cpu_info and struct lwp are defined here: stack code
 * sees them only as opaque pointers through stack/sys/.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sched/coro.h"
#include "sim/sched/cost.h"
#include "sim/engine/engine.h"
#include "sim/sched/lines.h"
#include "sim/sched/kmem_arena.h"
#include "sim/engine/rng.h"
#include "stack/sys/kern.h"
#include "stack/sys/kernvar.h"

struct sim_machine;
struct sim_host;
struct scenario;
struct sc_host;
struct sim_policy;
struct sim_recorder;
struct sim_topology;
struct sim_netconf;
struct sim_tracer;
struct sim_kmem_fault;
struct sim_faults;
struct sim_witness;
struct evcnt;
struct sim_race;
struct sim_race_host;
struct sim_race_ctx;

/* Bytes of the replay command a failure report prints. */
#define SIM_REPLAY_MAX 512

/* Samplers a machine can hold (sim_machine_add_sampler). */
#define SIM_SAMPLERS_MAX 8

/* Priorities of contexts on a CPU: 0 for threads, the IPL for interrupts. */
#define SIM_NPRIO       8

/*
 * A CPU's interrupt context for one level: the daemon LWP that runs the
 * level's pending sources, made on first use (sim/sys/ks_intr.c), and
 * their queue.  In the CPU, two to a cache line: a post reads it, and
 * at a thousand hosts a context of its own was one more cold line.
 */
struct sim_intr_ctx {
	struct lwp *l;                  /* NULL until first posted */
	struct sim_isrc *head, *tail;   /* pending, in the order posted */
	u_int level;
} __attribute__((__aligned__(32)));

typedef unsigned __int128 sim_key_t;    /* (window << 64) | tiebreak */

enum lwp_state {
	LWP_RUNNABLE,           /* on its CPU's run queue */
	LWP_ONCPU,              /* its CPU's current LWP */
	LWP_SLEEP,              /* waiting for a wake-up */
	LWP_ZOMBIE,             /* exited, not yet joined */
	LWP_FREE,               /* on the host's free list */
};

enum lwp_wait {
	WAIT_NONE,
	WAIT_INTR,              /* an interrupt context with nothing to do */
	WAIT_MUTEX,
	WAIT_RWLOCK,
	WAIT_CV,
	WAIT_JOIN,
	WAIT_PAUSE,
};

/* Locks one LWP may hold at once (sim/sys/ks_witness.c says so beyond). */
#define SIM_HELD_MAX    16

/* What a lock is, for the checks on it (sim/sys/ks_witness.c). */
enum sim_lock_kind {
	SIM_LOCK_MUTEX,         /* an adaptive mutex: its waiters sleep */
	SIM_LOCK_SPIN,          /* a spin mutex: raises the level, never sleeps */
	SIM_LOCK_RWLOCK,        /* a reader/writer lock: its waiters sleep */
};

/*
 * One lock an LWP holds, or is waiting to take (it is pushed when the
 * LWP asks for it): the lock-order checker's record, innermost last.
 */
struct sim_held {
	const void *lock;               /* the kmutex_t or krwlock_t */
	const char *file;               /* where it was taken */
	int line;
	uint16_t cls;                   /* its lock class (ks_witness.c) */
	uint8_t kind;                   /* enum sim_lock_kind */
	uint8_t ipl;                    /* the CPU's level while it is held */
};

struct lwp {
	/*
	 * The first two cache lines (an LWP is line-aligned: sim_hot_alloc)
	 * hold what a wake-up, a sleep, a dispatch, an interrupt's post, a
	 * hand-over and a lock's bookkeeping touch, with the coroutine's
	 * saved stack pointer; the rest is for creation, reports, deadlocks
	 * and the exploration build.  (At 16 hosts a datagram finds its
	 * hosts' LWPs cold: each line here is a miss.)
	 */
	struct sim_host *host;
	struct cpu_info *cpu;           /* the CPU it is bound to */
	struct lwp *link;               /* run queue or wait queue */
	uint64_t ready_at;              /* may preempt its CPU from this time */
	uint64_t slice_start;           /* clock when it got the CPU */
	uint64_t wait_timer_seq;        /* seq of a pending timeout, or 0 */
	enum lwp_state state;
	enum lwp_wait wait;             /* what it waits on (below) */
	u_int prio;                     /* 0 thread, else its interrupt level */
	int ipl;                        /* spl level while off the CPU */
	u_int spin_held;                /* spin mutexes held */
	u_int nopreempt;                /* kpreempt_disable depth */
	u_int nheld;                    /* locks in held[] */
	bool interrupted;               /* preempted by higher priority work */
	bool wake_pending;              /* woken before it got to sleep */
	bool in_kcont;                  /* runs a continuation (cpu_kcont_enter) */
	bool daemon;
	bool wait_timer_nap;            /* that timeout is a daemon's nap */
	bool nap_woken;                 /* woken by its nap, not yet asleep */
	u_int id;                       /* unique on the host, from 1 */
	void *proc;                     /* the stack's struct proc, or NULL */
	uint32_t flow;                  /* the workload program it belongs to
					   (its flow, from 1; 0: the kernel's),
					   inherited by the threads it makes */
	struct sim_coro coro;           /* its saved stack pointer first */
	struct sim_held held[SIM_HELD_MAX];     /* locks held, innermost last */

	bool mustjoin;
	bool boot;                      /* runs kern_boot (id 0) */
	char name[32];
	void (*func)(void *);
	void *arg;
	struct lwp *all_prev, *all_next;        /* host's live LWPs, by id */

	/* What it waits on, with wait (for wake-ups and deadlock reports). */
	const void *wait_obj;
	const char *wait_file;
	int wait_line;
	uint64_t nap_t;                 /* its CPU's clock when its nap
					   began (struct sim_machine's
					   act_t) */
	int wait_result;                /* 0, or EWOULDBLOCK on timeout */
	int wait_rw_op;                 /* RW_READER / RW_WRITER */
	struct lwp *joiner;

	uint64_t pol_prio;              /* pct: its priority, 0 until it
					   first takes part (policy.c) */
	/* The exploration build: its race-detector context (sim/race/). */
	struct sim_race_ctx *race;
};

/*
 * A FIFO of LWPs linked through l->link: a CPU's run queue at one
 * priority, or the waiters of a lock or condvar (ks_sync.c).  An LWP is
 * on at most one at a time.
 */
struct sim_lwpq {
	struct lwp *head, *tail;        /* NULL, NULL when empty */
};

static inline void
sim_lwpq_append(struct sim_lwpq *q, struct lwp *l)
{
	l->link = NULL;
	if (q->tail != NULL)
		q->tail->link = l;
	else
		q->head = l;
	q->tail = l;
}

static inline void
sim_lwpq_prepend(struct sim_lwpq *q, struct lwp *l)
{
	l->link = q->head;
	q->head = l;
	if (q->tail == NULL)
		q->tail = l;
}

/* The first LWP, taken off; NULL if the queue is empty. */
static inline struct lwp *
sim_lwpq_pop(struct sim_lwpq *q)
{
	struct lwp *l = q->head;

	if (l != NULL) {
		q->head = l->link;
		if (q->head == NULL)
			q->tail = NULL;
		l->link = NULL;
	}
	return l;
}

struct cpu_info {
	struct sim_machine *m;
	struct sim_host *host;
	u_int index;                    /* within its host */
	u_int gindex;                   /* across the machine */
	uint64_t clock;                 /* local virtual clock, ns */
	uint64_t tiebreak;              /* odd, drawn when it got in line
					   or its host overtook it
					   (sched.c, sched_tie_next) */
	uint64_t tie_salt;              /* its tie stream's counter, from
					   "cpu.tiebreak" */
	bool in_heap;                   /* waiting in the runnable heap */
	bool idle;                      /* nothing to run: clock stands still */
	/* Touched at every point and dispatch: beside the clock. */
	bool probes_priced;             /* its host's probes are not all free
					   (sim_host_set_probe_cost) */
	int ipl;                        /* spl(9) level */
	struct lwp *cur;                /* the LWP on the CPU, or NULL */
	uint64_t line_bit;              /* 1 << index: its bit in a cache
					   line's holders (lines.h) */
	u_int spin_count;               /* spin mutexes held */
	int spin_oldspl;                /* level before the first of them */
	uint64_t frac_ps;               /* picoseconds not yet charged */
	uint64_t points;                /* scheduling points taken, up to
					   the end of its last run (struct
					   sim_host's run_ci: a point
					   counts only m->points) */
	uint64_t dispatches;            /* LWPs put on the CPU */
	/* Runnable contexts bound here, FIFO per priority (0 = threads). */
	struct sim_lwpq rq[SIM_NPRIO];
	uint32_t rq_mask;               /* bit p: rq[p] is not empty */
	uint32_t preempt_min;           /* the least rq_mask that may preempt
					   at the level ipl (sim_cpu_set_ipl) */
	/* The high-resolution timer (kpause_until, sim/sys/ks_intr.c): its
	   interrupt source, made on first use, and the sleepers it is due
	   to wake, in the order their deadlines came. */
	struct sim_isrc *hrtimer;
	struct sim_lwpq hrtimer_due;
	/*
	 * The clock is busy + idle_ns + skew_ns: busy time is not counted
	 * as it is charged but derived (sim_cpu_busy), and split by level
	 * lazily -- what was charged since acct_mark (the busy time at the
	 * last change of context or of continuation) is the current
	 * context's, added in by sim_cpu_account before the context changes
	 * and by the readers (sim_cpu_prio_ns, sim_cpu_kcont_ns).  A charge
	 * is then one addition to the clock.
	 */
	uint64_t idle_ns;               /* time jumped over while idle */
	uint64_t skew_ns;               /* time held back while other CPUs
					   acted later (policies but time) */
	uint64_t acct_mark;             /* busy time accounted below */
	/* Busy time by the priority of the context charged, up to
	   acct_mark: 0 threads, 1-4 soft interrupts, IPL_VM and up
	   hardware interrupts. */
	uint64_t prio_ns[SIM_NPRIO];
	/* Of prio_ns, what continuations took: [0] run by threads, [1] by
	   soft interrupts (struct lwp's in_kcont), up to acct_mark. */
	uint64_t kcont_ns[2];
	uint64_t intr_last, softint_last; /* cpu.{intr,softint}_ns last written */
	uint64_t kcont_last;            /* cpu.kcont_ns last written */
	struct sim_rng jitter_rng;      /* "cpu.<host>.<index>.jitter" */
	struct cpu_data cd;             /* the stack's per-CPU roots */
	uint64_t busy_last;             /* cpu.busy_ns last written */
	bool busy_recorded;
	/*
	 * Policies but time: what its context waits at its turn to do -- an
	 * access of kind pend_op (enum kern_mem_op) to pend_obj, or NULL for
	 * anything else -- and pos's priority for that action.
	 */
	const volatile void *pend_obj;
	uint64_t pol_prio;
	int pend_op;
	/* The point waiting for its turn in sim_cpu_yield, for a tracer. */
	unsigned turn_kind;
	const volatile void *turn_obj;
	/*
	 * Interrupt contexts by level, last.  Level 0 is the threads', and
	 * the array starts half a line in (CTASSERT below), so that the
	 * levels a datagram posts to -- soft clock, soft net, the NIC's, the
	 * timers' -- share lines in pairs (1-2, 3-4, 5-6).
	 */
	struct sim_intr_ctx ictx[SIM_NPRIO];
};

CTASSERT(offsetof(struct cpu_info, ictx) % 64 == 32);

/* The last value of a counter written to the database. */
struct sim_evlast {
	uint64_t value;
	bool valid;
};

/*
 * What a point and the stack's common paths read of their host comes
 * first, side by side: the prices, the probe table, the cache-line table,
 * the stack's roots.  At a thousand hosts each line of it a datagram
 * reads is a cache miss (the cache-line table and the roots were
 * kilobytes past the prices, after the boot prices and the arena).
 */
struct sim_host {
	struct sim_machine *m;
	u_int index;
	u_int ncpu;
	uint64_t cost[SIM_NCOSTS];      /* ns: now (free while booting) */
	const struct sim_probe_cost *probe_cost;
	struct sim_lines lines;         /* who holds which cache line */
	struct cpu_info *cpus;
	struct sim_owner *owner;        /* its context's (engine.h): the
					   chain and count its CPUs use */
	struct kern_globals kg;         /* the stack's per-host roots */
	bool booting;                   /* kern_boot still running */
	uint64_t tick_ns;               /* 1e9 / hz */
	uint64_t quantum_ns;            /* a thread's time slice */
	const struct sc_host *sc;
	uint64_t run_cost[SIM_NCOSTS];  /* ns, the scenario's, after boot */
	const struct sim_probe_cost *run_probe_cost;
	struct sim_arena arena;         /* kmem */
	struct sim_rng cprng;
	u_int next_lwp_id;
	u_int next_boot_id;             /* from 0x8000, for boot's threads */
	u_int next_cpu;                 /* round-robin placement */
	struct lwp *all_head, *all_tail;
	struct lwp *free_lwps;
	u_int live;                     /* LWPs not yet exited, not daemons */

	struct evcnt **evcnts;          /* attached, in attach order */
	struct sim_evlast *evlast;      /* last value written, same order */
	u_int nevcnts, evcnts_cap;
	struct sim_evlast kmem_last;    /* kmem.inuse_bytes last written */

	/*
	 * The run of scheduling points its fingerprint chain is folding: the
	 * points one of its contexts took with no other context of the host
	 * taking one between them (another host's may: hosts interleave as
	 * the lookahead lets them, and no host's chain may depend on that).
	 * It begins when one of its CPUs is given a context other than
	 * run_lwp (sched.c, sched_run) and ends, folded in as one entry, when
	 * the next one begins, when its LWP exits or when the machine stops
	 * (sim_fp_run_end).  No run: run_ci NULL.  run_n: its points, up to
	 * the last time the machine's current stretch (struct sim_machine's
	 * run_host) moved to another host.
	 */
	struct cpu_info *run_ci;        /* its CPU */
	struct lwp *run_lwp;            /* its context */
	uint64_t run_n;

	struct device *devices;         /* in scenario order */
	u_int ndevices;
	struct sim_netconf *netconf;    /* <sys/netconf.h>, from sc */
	struct sim_kmem_fault *kmem_faults;     /* refusals (sim/sys/ks.h) */
	struct sim_race_host *race;     /* the exploration build's detector */
};

/*
 * Host h's probes are priced by table t (SDT_NPROBES entries) from now
 * on.  Whether any of them costs anything is noted in each of its CPUs
 * (probes_priced), beside the clock: a probe tests that one byte of the
 * CPU it already has, not the host's table (kern_sdt_fire).
 */
static inline void
sim_host_set_probe_cost(struct sim_host *h, const struct sim_probe_cost *t)
{
	bool priced = false;

	for (u_int i = 0; i < SDT_NPROBES; i++)
		if ((t[i].fixed_ps | t[i].per_unit_ps) != 0)
			priced = true;
	h->probe_cost = t;
	for (u_int i = 0; i < h->ncpu; i++)
		h->cpus[i].probes_priced = priced;
}

/*
 * An interleaving policy: a pure function of the seed (SQLite-VFS style;
 * the table is in policy.c).  "time" is the scheduler's own order: the
 * runnable CPU with the least (tie window, tiebreak) key acts next, each
 * tiebreak drawn from the CPU's own stream, salted from "cpu.tiebreak"
 * (sched.c) -- the only order while
 * hosts boot, whatever the policy.  The others rank the CPUs that may
 * act next (sched.c says which may: README, "How the policies reorder")
 * and the best ranked acts.
 */
struct sim_policy {
	const char *name;
	/* All NULL for time.  Set up, once every host has booted. */
	void	(*start)(struct sim_machine *);
	/* A decision is about to be made (pct: change points). */
	void	(*decide)(struct sim_machine *);
	/* ci's rank at this decision: the highest acts. */
	uint64_t (*rank)(struct sim_machine *, struct cpu_info *);
	/* ci got in line with a new pending action (pos: its priority). */
	void	(*pending)(struct sim_machine *, struct cpu_info *);
	/* ci's pending action runs now (pos: re-rank the ones it races). */
	void	(*granted)(struct sim_machine *, struct cpu_info *);
	/* One line on what the run did, for stderr (pct: n, k, d, bound). */
	void	(*report)(const struct sim_machine *, char *buf, size_t len);
};

/*
 * The policy called name (time, random, pct, pos).
 * => NULL for a name that is none of them
 */
const struct sim_policy *sim_policy_find(const char *name);
extern const struct sim_policy sim_policy_time;

/* pct's depth: at most this many (d - 1 priority change points). */
#define SIM_PCT_DEPTH_MAX       16
#define SIM_PCT_DEPTH_DEFAULT   3

/* What a policy other than time keeps (sched.c and policy.c). */
struct sim_pol_state {
	bool on;                        /* taken over from time (after boot) */
	uint64_t skew_ns;               /* the skew bound */
	struct sim_rng rng;             /* "policy.<name>" */
	/* A decision the loop is to carry out (chosen may be NULL). */
	bool decided;
	struct cpu_info *chosen;
	uint64_t low;                   /* earliest runnable clock at it */
	uint64_t boot_points;           /* m->points once every host booted */
	uint64_t decisions;             /* made, with at least one CPU able */
	uint64_t switches;              /* decisions for another CPU */
	uint64_t overtakes;             /* grants that moved a clock up */
	uint64_t lead_max_ns;           /* measured: the most a CPU acted
					   ahead of the earliest runnable */
	/* pct */
	struct lwp *last;               /* the context granted last */
	u_int depth;                    /* d */
	uint64_t steps;                 /* k */
	const char *steps_from;         /* where k came from, for the report */
	uint64_t cp_at[SIM_PCT_DEPTH_MAX];      /* change points, in order */
	uint64_t cp_prio[SIM_PCT_DEPTH_MAX];    /* the priority each gives */
	u_int ncp, next_cp;
	u_int contexts;                 /* n: contexts that took part */
};

enum sim_exit {
	SIM_EXIT_OK = 0,
	SIM_EXIT_USAGE = 2,
	SIM_EXIT_VIOLATION = 3,
	SIM_EXIT_DEADLOCK = 4,
	SIM_EXIT_LIMIT = 5,
};

/* A runnable CPU in line, with its key (constant while in the heap). */
struct sim_heap_ent {
	sim_key_t key;
	struct cpu_info *ci;
};

struct sim_machine {
	struct sim_engine eng;
	const struct scenario *sc;
	uint64_t seed;
	const struct sim_policy *policy;
	struct sim_rng tiebreak_rng;    /* "cpu.tiebreak": each CPU's salt
					   as it is made (sched.c, sched_tie_next) */
	struct sim_pol_state pol;       /* policies but time */

	u_int nhosts;
	struct sim_host *hosts;
	/* The hosts' hot state: CPUs, LWPs, cache-line tables, small kmem. */
	struct sim_hot hot;
	u_int ncpus;
	struct cpu_info **cpus;         /* every CPU, by gindex */

	struct sim_heap_ent *heap;      /* runnable CPUs, least key first */
	u_int heap_n;
	struct cpu_info *running;       /* whose context runs now, or NULL */
	/*
	 * The running CPU yields when its clock is at least this: its key
	 * (its tiebreak is fixed while it runs) is then past the least key
	 * of what else is due.  UINT64_MAX: never (no clock gets there).
	 * Kept as a clock alone (sched.c), so the check at every scheduling
	 * point is one 64-bit compare.
	 */
	uint64_t limit_clock;
	/*
	 * The same limit for a point's fast path (sim_cpu_has_turn), or 0
	 * on a run whose every point takes the whole path: limit_clock &
	 * turn_mask, set with it (sched.c).  turn_mask is all ones on a
	 * plain run -- no jitter, no per-packet records, no tracer, no
	 * limits.points -- and 0 otherwise (machine_checkpoint), so the
	 * turn, the jitter and the tracing are one compare.  The points
	 * checkpoint is not in it: on a plain run it only gives the loop
	 * its progress display, which the next yield or slow path brings
	 * (a pause there changes nothing: sim_cpu_yield).
	 */
	uint64_t turn_clock;
	uint64_t turn_mask;
	unsigned window_shift;          /* log2 of the tie window, ns */
	/*
	 * The lookahead (interleaving.lookahead), in tie windows as a key's
	 * increment: a runnable CPU of another host than the running CPU's
	 * cuts its turn only at its clock plus this -- no frame crosses
	 * between hosts faster (sched.c).  0: off, every CPU cuts at its
	 * clock.  Under time alone.
	 */
	sim_key_t lookahead_k;
	uint64_t jitter_q16;            /* interleaving.jitter * 65536 */
	struct sim_coro sched;          /* the scheduler's own context */
	struct lwp *reap;               /* exited LWP whose stack to free */
	size_t stack_size;

	uint64_t checkpoint_points;     /* the loop's part at this count */
	uint64_t loop_clock;            /* the clock past end_ns and
					   loop_ns (sched.c) */
	/*
	 * The same moments as times, for sim_sched_leave's tests (sched.c,
	 * machine_loop_clock): the least of end_ns and loop_ns; that, or 0
	 * while the hosts boot, for an event; and the events executed at
	 * which the leave hands over to the loop -- limits.events, or 0
	 * once the machine is stopped.
	 */
	uint64_t loop_end_ns, leave_ev_ns;
	uint64_t leave_events;
	/* checkpoint_points, or 0 once stopped: where direct switches end. */
	uint64_t direct_points;
	u_int hosts_booting;            /* hosts whose kern_boot runs */
	/* Called once every host has booted: starts the programs. */
	void (*after_boot)(struct sim_machine *);
	uint64_t end_ns;                /* the duration: a time cap */
	/*
	 * What pending events are (sim_machine_run's end rule): timer
	 * events that will find their timer cancelled or re-armed, daemons'
	 * naps (sleep timeouts of daemon LWPs), and of the naps those begun
	 * no later (in virtual time) than the last activity, act_t --
	 * activity being any context other than a daemon woken by its nap
	 * going to sleep or exiting.  By virtual time, not by the order
	 * things ran in: hosts run ahead of each other (the lookahead), and
	 * a nap begun on one host at 100 is no less fresh for another host's
	 * activity at 90 having run after it.  naps_stale counts the naps
	 * begun at or before act_t, unless naps_recount: act_t rose since,
	 * and machine_over counts them again.
	 */
	uint64_t ev_stale;
	uint64_t naps, naps_stale;
	uint64_t act_t;
	bool naps_recount;
	uint64_t sample_interval_ns;    /* record.interval, 0: none */
	uint64_t max_points, max_events;        /* limits, 0: none */
	bool capped;                    /* the run ended at end_ns */
	uint64_t points;                /* scheduling points, all CPUs */
	/*
	 * The host whose run of points (struct sim_host's run_ci) the points
	 * taken since m->points was run_from go to; NULL: none.
	 */
	struct sim_host *run_host;
	uint64_t run_from;
	uint64_t next_sample_ns;
	/*
	 * Where the loop must take control back: the least of
	 * next_sample_ns and pace_ns.  A context running alone comes back
	 * to the loop there, paused (its tiebreak kept), as for a sample.
	 */
	uint64_t loop_ns;
	/*
	 * The real-time edge (sim/edge/, netsim run --realtime), or NULL on
	 * every other run.  Nothing at virtual time pace_ns or later runs
	 * before pace(m, t) has been called with the time t of the next
	 * thing to run: it waits for the wall clock (or serves the outside
	 * world, scheduling events at or after the time of the last thing
	 * run) and sets pace_ns past the virtual time the wall clock has
	 * reached.  The loop then decides again what runs next.  While
	 * paced, a run lasts its duration: nothing pending waits for the
	 * outside world until then.  Only the time policy may be paced.
	 */
	void (*pace)(struct sim_machine *, uint64_t t);
	uint64_t pace_ns;               /* UINT64_MAX: not paced */
	/* What reads counters at each sample, in registration order. */
	void (*samplers[SIM_SAMPLERS_MAX])(struct sim_machine *, uint64_t t);
	u_int nsamplers;
	/* Says who waits on what when every LWP is blocked (or NULL). */
	void (*report_deadlock)(struct sim_machine *);
	/* Folds what the run computed into the fingerprint as it ends. */
	void (*fingerprint_results)(struct sim_machine *);
	struct sim_recorder *rec;
	struct sim_topology *topo;      /* the wires (topology.h) */
	struct sim_faults *faults;      /* the scenario's (sim/fault/), or NULL */
	bool no_reports;                /* benchmarks: no violation reports */
	bool tracing;                   /* record.packets, with a database */
	const char *trace_stage[SDT_NPROBES];   /* stage a probe marks, or NULL */
	const char *trace_stage_intr[SDT_NPROBES];      /* the same, fired in
							   an interrupt context */
	bool trace_probe[SDT_NPROBES];  /* the tracer takes the probe's
					   arguments: it closes a request, or
					   is TCP's (sim/record/trace.c) */
	FILE *log;                      /* kern_printf output, or NULL */

	/* The command that replays this run, in every failure report. */
	char replay[SIM_REPLAY_MAX];
	int stop_status;                /* -1 while running */
	char stop_reason[512];
	/*
	 * Address space held back for the end of a run the real process
	 * ran out in (sim_exhaust_reserve): let go when it does, so the
	 * record of its end and the teardown still find room.
	 */
	void *reserve;
	size_t reserve_len;
	/*
	 * A violation the run went on past (sim_machine_violation): the
	 * first one's reason, or "" when there was none.
	 */
	char violation_reason[512];
	struct sim_witness *witness;    /* lock classes and order (sim/sys) */

	/* Wall-clock progress display; never feeds results. */
	void (*progress)(struct sim_machine *);
	/*
	 * Told of every scheduling point (netsim replay), or NULL.  Set
	 * before the run starts; while set, every point takes the slow path
	 * (checkpoint_points stays 0), and a CPU before its limit goes on
	 * after it, so the order is the untraced run's (sim_cpu_yield).
	 */
	struct sim_tracer *tracer;
	/* The exploration build's race detector (sim/race/), or NULL. */
	struct sim_race *race;
};

/*
 * A tracer of scheduling points (netsim replay --trace, --stop-at).
 * point() is called at each one when its CPU has its turn, just before
 * it acts and is counted: kind is enum sim_point_kind in the low 4 bits,
 * a probe's id above them, obj the memory it touches or NULL.  It reads
 * the machine and changes nothing in it, so a run traced or not is the
 * same run.
 * Off, it costs nothing on the fast path: a traced machine sends every
 * point down the slow path (sim_cpu_yield), which calls it, and the
 * fast path never looks.
 */
struct sim_tracer {
	void	(*point)(struct sim_tracer *, struct cpu_info *, unsigned kind,
		    const volatile void *obj);
};

/* The machine whose context is executing (one real thread). */
extern struct sim_machine *sim_cur;
/*
 * Its running CPU (sim_cur->running), or NULL when no context runs: kept
 * beside m->running by whoever hands a CPU over or gives it up
 * (sim_machine_set_running), so every kernel service finds its CPU with
 * one load.  A global of sim/, like sim_cur, and not thread-local: one
 * real thread runs the machine (parallel runs are processes: netsim
 * explore, sweeps), and the stack never sees it.
 */
extern struct cpu_info *sim_cur_cpu;

/* What the scheduler needs to know of a run (the world copies it in). */
struct sim_sched_params {
	uint64_t seed;
	uint64_t end_ns;                /* the duration: a time cap */
	uint64_t window_ns;             /* interleaving.window */
	uint64_t lookahead_ns;          /* the least a frame takes from one
					   host to another; 0: none */
	uint64_t jitter_q16;            /* interleaving.jitter * 65536 */
	const struct sim_policy *policy;        /* NULL: time */
	uint64_t skew_ns;               /* interleaving.skew */
	u_int depth;                    /* interleaving.depth (pct's d) */
	uint64_t steps;                 /* pct's k: 0 = none given */
	const char *steps_from;         /* where k came from */
	uint64_t sample_interval_ns;    /* 0: no periodic samples */
	uint64_t max_points, max_events;        /* 0: no limit */
};

/*
 * Clear the machine and set up its scheduler: the engine, the policy,
 * the tie window.  Hosts, CPUs and devices are the world's to add
 * (sim/world/world.h).
 */
void	sim_sched_init(struct sim_machine *, const struct sim_sched_params *);
/*
 * Run until the run is over (README, "When a run ends"), the time cap, a
 * limit or a stop; then fold its results into the fingerprint
 * (fingerprint_results).
 */
void	sim_machine_run(struct sim_machine *);
/*
 * Pace the run with pace (see struct sim_machine), from pace_ns on.
 * => before sim_machine_run; the policy is time
 */
void	sim_machine_set_pace(struct sim_machine *,
	    void (*pace)(struct sim_machine *, uint64_t t), uint64_t pace_ns);
/* After pace() moved pace_ns: where the loop takes control again. */
void	sim_machine_paced(struct sim_machine *);
/*
 * Add a sampler: sample(m, t) reads its counters into the recorder at
 * every periodic sample and at the end of the run.  => at set-up only
 */
void	sim_machine_add_sampler(struct sim_machine *,
	    void (*sample)(struct sim_machine *, uint64_t t));
/* Call every sampler at time t, in the order they were added. */
void	sim_machine_sample_all(struct sim_machine *, uint64_t t);
/* The virtual time the run ended at (the latest clock or event). */
uint64_t sim_machine_end_time(const struct sim_machine *);
/*
 * What a CPU did up to the run's end t_end, for reports: busy, idle, and
 * held back while other CPUs acted later (policies but time).
 * => *busy + *idle + *skew == t_end (a clock past t_end is cut there)
 */
void	sim_cpu_times(const struct cpu_info *, uint64_t t_end, uint64_t *busy,
	    uint64_t *idle, uint64_t *skew);
/*
 * One line on what a policy but time did -- decisions, CPUs held back,
 * the largest lead; pct's n, k, d and PCT's bound -- into buf.
 * => false under time, buf untouched
 */
bool	sim_policy_report(const struct sim_machine *, char *buf, size_t len);

/* Stop the run with an exit status and a one-line reason. */
void	sim_machine_stop(struct sim_machine *, int status, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/*
 * A checker found a violation the run goes on past, so the schedule is
 * the one the run would have had without it (a lock-order cycle found
 * before it ever deadlocks): when the run ends as it would have ended
 * with status ok or limit, it ends as a violation (exit 3) for the
 * first such reason instead.  A deadlock or a stop keeps its own status.
 */
void	sim_machine_violation(struct sim_machine *, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

/* A CPU that was idle has work from time `at`: its clock jumps there. */
void	sim_cpu_wake_idle(struct cpu_info *, uint64_t at);

/* Schedule an event, keeping the running CPU's yield limit right. */
uint64_t sim_machine_at(struct sim_machine *, uint64_t t, sim_event_fn fn,
	    void *arg);
/* The same at (t, seq), seq taken earlier (sim_engine_seq_take). */
void	sim_machine_at_seq(struct sim_machine *, uint64_t t, uint64_t seq,
	    sim_event_fn fn, void *arg);

/*
 * A timer event already scheduled will find its timer cancelled or
 * re-armed when it runs: it no longer keeps the run going.  Its handler
 * calls sim_event_stale_ran when it runs.
 */
static inline void
sim_event_stale(struct sim_machine *m)
{
	m->ev_stale++;
}

static inline void
sim_event_stale_ran(struct sim_machine *m)
{
	KASSERT(m->ev_stale > 0);
	m->ev_stale--;
}

/*
 * LWPs (lwp.c).  sim_lwp_alloc makes one that sleeps until woken.
 * => NULL with errno when the real process cannot give it a stack: the
 *    caller stops the run (sim_lwp_exhausted, sim/sys/ks.h)
 */
struct lwp *sim_lwp_alloc(struct sim_host *, struct cpu_info *ci,
	    void (*func)(void *), void *arg, const char *name);
struct lwp *sim_lwp_create(struct sim_host *, struct cpu_info *ci,
	    void (*func)(void *), void *arg, bool mustjoin, const char *name);
void	sim_lwp_sleep(struct lwp *);
void	sim_lwp_wake(struct lwp *, uint64_t at);
/*
 * l's sleep timeout is the event seq (sim/sys arms it); it fired: that
 * event is running now, and l is about to be woken by it.
 */
void	sim_lwp_timeout_armed(struct lwp *, uint64_t seq);
void	sim_lwp_timeout_fired(struct lwp *);
/* The running context on waker wakes l at its clock and pays for it. */
void	sim_lwp_wakeup(struct cpu_info *waker, struct lwp *l);
void	sim_lwp_free(struct lwp *);
/* The running LWP on its CPU exits.  => never returns */
void	sim_lwp_exit(struct cpu_info *) __attribute__((__noreturn__));

/* Run queues (sched.c). */
void	sim_rq_push(struct cpu_info *, struct lwp *, bool front);
static inline int
sim_rq_best(const struct cpu_info *ci)
{
	return ci->rq_mask ? 31 - __builtin_clz(ci->rq_mask) : -1;
}

/* The context that acts next on ci: its own, or the one it would put on. */
static inline struct lwp *
sim_cpu_next_lwp(const struct cpu_info *ci)
{
	int p;

	if (ci->cur != NULL)
		return ci->cur;
	p = sim_rq_best(ci);
	return p >= 0 ? ci->rq[p].head : NULL;
}


/*
 * The running context gives its CPU up: its CPU has already been put back
 * in line (or marked idle) and from is the context's coroutine.  Runs the
 * events due before the next CPU and dispatches it, as the loop would,
 * then switches straight to its context (or goes on, if that is from);
 * to the scheduler loop when the loop has anything else to do.  Returns
 * when from is resumed.
 */
void	sim_sched_leave(struct cpu_info *, struct sim_coro *from);
/* Put a CPU that still has work back in line, or mark it idle. */
void	sim_cpu_release(struct cpu_info *);
/*
 * The slow path of sim_cpu_turn_for: wait for the CPU's turn -- through
 * the heap and the loop, or as the policy decides -- then tell the
 * tracer, if any, of the point that follows (ci->turn_kind on
 * ci->turn_obj).
 */
void	sim_cpu_yield(struct cpu_info *);

/*
 * A CPU's place in line: its clock's tie window, then its tiebreak.  Two
 * CPUs whose clocks fall in the same window (interleaving.window, a power
 * of two) are tied, and the seed orders them.
 */
static inline sim_key_t
sim_cpu_key(const struct cpu_info *ci)
{
	return ((sim_key_t)(ci->clock >> ci->m->window_shift) << 64) |
	    ci->tiebreak;
}

/*
 * m's running CPU is now ci (NULL: no context runs).
 * => m is the machine running (sim_cur; sim_cpu_yield checks the two)
 */
static inline void
sim_machine_set_running(struct sim_machine *m, struct cpu_info *ci)
{
	m->running = ci;
	sim_cur_cpu = ci;
	/* What it does folds into its host's chain; the loop's, events'. */
	m->eng.ctx = ci != NULL ? ci->host->owner : m->eng.owners;
}

/* A kernel service was called outside any simulated context: abort. */
void	sim_cpu_current_none(void) __attribute__((__noreturn__, __cold__));

/*
 * The CPU whose context is executing, checked: a kernel service called
 * outside any simulated context is an internal error (abort).  Inline:
 * every scheduling point asks.
 */
static inline struct cpu_info *
sim_cpu_current(void)
{
	struct cpu_info *ci = sim_cur_cpu;

	if (__builtin_expect(ci == NULL, 0))
		sim_cpu_current_none();
	return ci;
}

/* The CPU whose context is executing: what a kernel service acts for. */
static inline struct cpu_info *
sim_running_cpu(void)
{
	return sim_cur_cpu;
}

/*
 * Wait until this CPU's clock is the earliest of everything pending --
 * or, under a policy but time, until the policy picks it -- for a
 * scheduling point of kind on obj (NULL: none), which follows at once
 * (pos orders racing accesses by it).  A policy but time sets m->limit_clock
 * to 0, so every turn takes the slow path.
 */
/*
 * Whether the running CPU has its turn and its point is plain -- no
 * jitter stretches its charge, no per-packet record or tracer wants it
 * (struct sim_machine's turn_clock) -- without asking: sim_cpu_turn_for's
 * fast path, one compare.  A point whose CPU has it needs no call but
 * its own, so the hottest points (kern_mem_point, kern_sdt_fire,
 * sim_point_ci) test this first and leave the rest -- the turn, then
 * the whole point -- to a function of their own, called last.
 */
static inline bool
sim_cpu_has_turn(const struct cpu_info *ci)
{
	return __builtin_expect(ci->clock < ci->m->turn_clock, 1);
}

static inline void
sim_cpu_turn_for(struct cpu_info *ci, unsigned kind, const volatile void *obj)
{
	struct sim_machine *m = ci->m;

	/*
	 * Also at the points checkpoint (limits, a tracer: kind and obj are
	 * for it, noted only on the slow path), done in place before the
	 * limit (sim_cpu_yield).
	 */
	if (__builtin_expect(ci->clock >= m->limit_clock ||
	    m->points >= m->checkpoint_points, 0)) {
		ci->turn_kind = kind;
		ci->turn_obj = obj;
		sim_cpu_yield(ci);
	}
}

/*
 * Charge ns of work to the CPU.  With interleaving.jitter > 0 each charge
 * is stretched by a random 0..jitter of itself, from the CPU's own stream:
 * real cores drift against each other, and without drift CPUs running
 * the same loop lock into fixed phases that no seed can shake.
 */
static inline void
sim_cpu_charge(struct cpu_info *ci, uint64_t ns)
{
	if (ci->m->jitter_q16 != 0 && ns != 0) {
		uint64_t r = sim_rng_next(&ci->jitter_rng) >> 48;

		ns += (uint64_t)(((unsigned __int128)ns * ci->m->jitter_q16 * r)
		    >> 32);
	}
	ci->clock += ns;
}

/* A CPU's busy time: what its clock holds that is not idle or skew. */
static inline uint64_t
sim_cpu_busy(const struct cpu_info *ci)
{
	KASSERT(ci->clock - ci->idle_ns >= ci->skew_ns);
	return ci->clock - ci->idle_ns - ci->skew_ns;
}

/*
 * Add the busy time since the last call to the level (and continuation)
 * of the context on the CPU.
 * => before ci->cur changes, and before its in_kcont does
 */
static inline void
sim_cpu_account(struct cpu_info *ci)
{
	uint64_t busy = sim_cpu_busy(ci);
	uint64_t d = busy - ci->acct_mark;
	struct lwp *l = ci->cur;

	KASSERT(busy >= ci->acct_mark);
	ci->acct_mark = busy;
	ci->prio_ns[l != NULL ? l->prio : 0] += d;
	if (l != NULL && l->in_kcont)
		ci->kcont_ns[l->prio != 0] += d;
}

/* Busy time at priority p (0 threads, the IPL for interrupts), so far. */
static inline uint64_t
sim_cpu_prio_ns(const struct cpu_info *ci, u_int p)
{
	const struct lwp *l = ci->cur;

	KASSERT(p < SIM_NPRIO);
	return ci->prio_ns[p] + ((l != NULL ? l->prio : 0) == p ?
	    sim_cpu_busy(ci) - ci->acct_mark : 0);
}

/* Of that, continuations': [0] run by threads, [1] by soft interrupts. */
static inline uint64_t
sim_cpu_kcont_ns(const struct cpu_info *ci, u_int soft)
{
	const struct lwp *l = ci->cur;

	KASSERT(soft < 2);
	return ci->kcont_ns[soft] + (l != NULL && l->in_kcont &&
	    (l->prio != 0) == soft ? sim_cpu_busy(ci) - ci->acct_mark : 0);
}

/*
 * A CPU's busy time up to time t, as recorded and reported: its clock may
 * have run ahead of t, and it never claims more than t.
 */
static inline uint64_t
sim_cpu_busy_ns(const struct cpu_info *ci, uint64_t t)
{
	uint64_t busy = sim_cpu_busy(ci);

	return busy < t ? busy : t;
}

/*
 * Count one scheduling point.  The fingerprint takes it with the rest of
 * its run (struct sim_host's run_ci), and so does its CPU's count when
 * the run ends: a point costs one addition.
 */
static inline void
sim_cpu_point_count(struct cpu_info *ci)
{
	ci->m->points++;
}

/*
 * h's run of points being folded ends: it goes into h's chain as one
 * entry -- its CPU and that CPU's clock now, its context's id, how many
 * points it took -- its points into its CPU's count, and no run is open.
 * Nothing when none is.
 */
void	sim_fp_host_run_end(struct sim_machine *, struct sim_host *h);
/* Every host's run ends (sim_fp_host_run_end), in host order: the stop. */
void	sim_fp_run_end(struct sim_machine *);

/* Kinds of scheduling point, for the tracer and the policies. */
enum sim_point_kind {
	PT_LOAD, PT_STORE, PT_RMW, PT_BARRIER, PT_CALL, PT_PROBE, PT_MUTEX,
	PT_RWLOCK, PT_CV, PT_SPIN, PT_KMEM, PT_THREAD, PT_INTR, PT_PIO, PT_DMA,
	PT_PLAIN,               /* a plain access (interleaving.plain_points) */
};

/*
 * ci's spl is ipl now, and with it the least run-queue mask that may
 * preempt its context (sim_cpu_preempt_may): at level 0 anything
 * waiting, above it some context waiting above the level -- a mask whose
 * bits above ipl are worth more than 1, that is, at least 2 << ipl.
 * Every change of a CPU's level goes through here.
 */
static inline void
sim_cpu_set_ipl(struct cpu_info *ci, int ipl)
{
	/* By a table: a load where the shift and the test were five. */
	static const uint32_t min_at[SIM_NPRIO] = {
		1, 2 << 1, 2 << 2, 2 << 3, 2 << 4, 2 << 5, 2 << 6, 2 << 7,
	};

	ci->ipl = ipl;
	ci->preempt_min = min_at[(u_int)ipl & (SIM_NPRIO - 1)];
}

/* sim_cpu_maybe_preempt's work, once some context waits.  => rq_mask != 0 */
void	sim_cpu_maybe_preempt_(struct cpu_info *);

/*
 * Whether the running context may have to give its CPU up now: the
 * common cases are tested inline -- nothing waits on the CPU, or only
 * contexts at or below its spl (a thread waits behind an interrupt) --
 * and only a context above the spl, or anything waiting behind a thread
 * (the quantum), needs sim_cpu_maybe_preempt_ to decide.
 */
static inline bool
sim_cpu_preempt_may(const struct cpu_info *ci)
{
	/*
	 * The level is the larger of the spl and the context's priority,
	 * and the spl is never below the priority (an interrupt runs at its
	 * level and splx may not go lower: ks_kern.c), so the spl stands
	 * for the level without reading the context; were it ever lower,
	 * the test below only calls more often, and the call decides
	 * exactly.  So: a thread (level 0) with anything waiting; above
	 * that, some context waiting above the level ((mask >> ipl) > 1),
	 * one compare with the bound kept with the level (sim_cpu_set_ipl).
	 */
	return __predict_false(ci->rq_mask >= ci->preempt_min);
}

/*
 * Preempt the running LWP if a context above its level is ready, or its
 * quantum is used up and others wait.  Called at the end of every
 * scheduling point.
 */
static inline void
sim_cpu_maybe_preempt(struct cpu_info *ci)
{
	if (sim_cpu_preempt_may(ci))
		sim_cpu_maybe_preempt_(ci);
}

/* sim_point_ci's whole point: the turn, the count, the charge. */
void	sim_point_slow(struct cpu_info *, enum sim_point_kind,
	    enum sim_cost_id, const volatile void *obj);

/*
 * A plain scheduling point on ci, the running CPU: sim_point_on for a
 * kernel service that has found its CPU already.  With the turn had and
 * the point plain (sim_cpu_has_turn) it is the count, the charge and the
 * preemption test in line; else sim_point_slow, the same point whole.
 */
static inline void
sim_point_ci(struct cpu_info *ci, enum sim_point_kind kind,
    enum sim_cost_id cost, const volatile void *obj)
{
	if (__predict_false(!sim_cpu_has_turn(ci))) {
		sim_point_slow(ci, kind, cost, obj);
		return;
	}
	sim_cpu_point_count(ci);
	ci->clock += ci->host->cost[cost];
	sim_cpu_maybe_preempt(ci);
}

/*
 * A plain scheduling point on a synchronisation object (a condvar): obj
 * is for the tracer only -- the policies see the objects of memory
 * accesses alone, and the fingerprint none -- so it names which object
 * a point is on.  In line, as sim_point_ci: the common point calls
 * nothing.
 */
static inline void
sim_point_on(enum sim_point_kind kind, enum sim_cost_id cost,
    const volatile void *obj)
{
	sim_point_ci(sim_cpu_current(), kind, cost, obj);
}

/* A plain scheduling point priced at one cost-table entry. */
static inline void
sim_point(enum sim_point_kind kind, enum sim_cost_id cost)
{
	sim_point_on(kind, cost, NULL);
}

#endif /* SIM_MACHINE_H */
