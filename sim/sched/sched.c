/*
 * machine.c -- the scheduler: which CPU runs next, and when events run.
 *
 * The one idea: everything that happens is ordered by virtual time.  The
 * runnable CPUs sit in a min-heap keyed by (local clock, tiebreak); the
 * engine's events by (time, seq).  The loop takes whichever is earliest --
 * an event at time t before a CPU whose clock is t -- and runs it: an
 * event to completion, a CPU until its context reaches a scheduling point
 * at which something else is earlier.  The context then switches back
 * here, and the loop goes on -- or, when all the loop would do next is
 * run the events due and give the next CPU its context, the leaving
 * context does that itself, step for step as the loop would, and
 * switches straight to the next (sim_sched_leave): the loop's own
 * context runs only when it has something of its own to do.
 *
 * That is the policy "time".  Once every host has booted, a policy but
 * time (policy.c ranks the CPUs) takes over the choice: at each
 * scheduling point of the running CPU, and whenever the loop must pick,
 * every runnable CPU that may act next is ranked and the best acts.  May
 * act: its clock is within the skew bound of the earliest runnable
 * CPU's, and it is before the next event and the duration.  The frontier
 * is the engine's `now': the time of the latest thing that happened (an
 * event, or a CPU's turn).  A CPU picked whose clock is behind it is
 * moved up to it first and the difference counted as its skew, so every
 * action happens at a time no earlier than any before it: the memory
 * order is still the order of the clocks, and nothing happens before an
 * event that came earlier.  The runnable CPUs are then a plain set in
 * the heap's array (no order kept: every decision looks at them all).
 *
 * This file must never decide anything by wall-clock time or pointer
 * value: time's tiebreaks come from each CPU's own stream, salted from
 * the seeded stream "cpu.tiebreak" (sched_tie_next); the other policies draw
 * from their own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/exhaust.h"
#include "sim/sched/machine.h"
#include "stack/sys/intr.h"

struct sim_machine *sim_cur;
struct cpu_info *sim_cur_cpu;

/* What one step of the loop did. */
enum step {
	STEP_RAN,               /* a CPU or an event ran */
	STEP_BOOTED,            /* every host has booted: programs started */
	STEP_END,               /* the run is over */
};

/* Policies but time (at the end of the file). */
static void pol_begin(struct sim_machine *);
static void pol_enqueue(struct sim_machine *, struct cpu_info *);
static void pol_turn(struct cpu_info *, const volatile void *obj, int op);
static void pol_leave(struct sim_machine *, struct sim_coro *from);
static enum step pol_step(struct sim_machine *);
static void pol_check_clocks(const struct sim_machine *);
static inline void machine_loop_clock(struct sim_machine *);
static bool machine_over(struct sim_machine *);
static void machine_checkpoint_reached(struct sim_machine *);

/* The run has executed its limits.events (0: no limit). */
static inline bool
machine_events_reached(const struct sim_machine *m)
{
	return m->max_events != 0 && m->eng.executed >= m->max_events;
}
static bool cpu_dispatch_first(struct sim_machine *, struct cpu_info *);
static bool cpu_dispatch_top(struct sim_machine *);

/* --- the runnable heap ------------------------------------------------ */

/*
 * The heap holds keys inline, so sifting never touches a cpu_info; a CPU
 * only knows whether it is in the heap (in_heap), not where.  The sifts
 * are inlined where they are used: the heap is small (only runnable CPUs,
 * a handful in most runs), so a sift is a step or two, and a call would
 * cost as much again.
 */
static inline __attribute__((__always_inline__)) void
heap_up(struct sim_machine *m, u_int i, struct sim_heap_ent e)
{
	struct sim_heap_ent *h = m->heap;

	while (i > 0) {
		u_int p = (i - 1) / 2;
		if (e.key >= h[p].key)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

/* Put e at i, or below it: i's slot is free (its entry left the heap). */
static inline __attribute__((__always_inline__)) void
heap_down(struct sim_machine *m, u_int i, struct sim_heap_ent e)
{
	struct sim_heap_ent *h = m->heap;
	u_int n = m->heap_n;

	for (;;) {
		u_int c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].key < h[c].key)
			c++;
		if (h[c].key >= e.key)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

static void
heap_insert(struct sim_machine *m, struct cpu_info *ci)
{
	struct sim_heap_ent e = { .key = sim_cpu_key(ci), .ci = ci };

	KASSERT(!ci->in_heap);
	KASSERT(m->heap_n < m->ncpus);
	ci->in_heap = true;
	m->heap_n++;
	heap_up(m, m->heap_n - 1, e);
}

/*
 * Pop the least and insert ci, whose key is key, in one sift (a direct
 * switch: the least goes on, ci waits).
 * => ci not in the heap, key == sim_cpu_key(ci)
 */
static inline __attribute__((__always_inline__)) struct cpu_info *
heap_replace_top(struct sim_machine *m, struct cpu_info *ci, sim_key_t key)
{
	struct cpu_info *top = m->heap[0].ci;
	struct sim_heap_ent e = { .key = key, .ci = ci };

	KASSERT(m->heap_n > 0 && !ci->in_heap);
	KASSERT(key == sim_cpu_key(ci));
	top->in_heap = false;
	ci->in_heap = true;
	heap_down(m, 0, e);
	return top;
}

static inline __attribute__((__always_inline__)) struct cpu_info *
heap_pop(struct sim_machine *m)
{
	struct cpu_info *ci = m->heap[0].ci;

	KASSERT(m->heap_n > 0);
	ci->in_heap = false;
	if (--m->heap_n > 0)
		heap_down(m, 0, m->heap[m->heap_n]);
	return ci;
}

/*
 * A CPU's tiebreak: the next draw of its own stream (a counter from a
 * salt drawn for it from "cpu.tiebreak" when it was made, hashed), made
 * odd (so every key is above a limit of 0).  It draws when it gets in
 * line (woken) and when a CPU of its own host overtakes it -- never when
 * a CPU of another host or an event cuts in, nor when the loop pauses it.
 * Both are the same in every order hosts may run in (a host's CPUs keep
 * their order among themselves, and a CPU always stops at its first point
 * past a CPU of its own host), so no pause, sample, checkpoint or tracer
 * moves a tie, and the lookahead can let hosts run in any order
 * (sched_limit_far).  A tie is kept while its CPU runs on, so a CPU that
 * is first keeps going until one of its host's CPUs is truly before it:
 * a tie redrawn every window made two busy CPUs of one host trade places
 * two and a half times as often (bench/README, "Lookahead between hosts,
 * landed").  Every policy's, while the hosts boot; time's order after.
 */
static inline void
sched_tie_next(struct cpu_info *ci)
{
	uint64_t x = (ci->tie_salt += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
	x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	ci->tiebreak = (x ^ (x >> 33)) | 1;
}

/*
 * Whether a runnable CPU of ci's host is before ci (ci was overtaken by
 * its own host).  A host has a few CPUs: looked at directly.
 */
static inline bool
sched_overtaken(const struct cpu_info *ci)
{
	const struct sim_host *h = ci->host;
	sim_key_t k = sim_cpu_key(ci);

	for (u_int i = 0; i < h->ncpu; i++) {
		const struct cpu_info *o = &h->cpus[i];

		if (o->in_heap && sim_cpu_key(o) < k)
			return true;
	}
	return false;
}

/* ci draws its next tie if its own host overtook it (at a cut). */
static inline void
sched_tie_overtaken(struct cpu_info *ci)
{
	if (sched_overtaken(ci))
		sched_tie_next(ci);
}

/*
 * The running CPU's limit is kept as a clock (m->limit_clock): the least
 * clock at which its key is past the least key of what else is due --
 * the next runnable CPU, the next event, what the loop waits for.  Its
 * tiebreak is fixed while it runs, so one compare of its clock at every
 * scheduling point tells.  The clock past a key k, for a CPU whose
 * tiebreak is tb, is a monotone function of k, so the clock past the
 * least of several keys is the least of the clocks past each: the limit
 * is kept and lowered in clocks alone, never as a key.  Whoever changes
 * m->running, or the running CPU's tiebreak, sets the limit after -- and
 * with it the fast path's (turn_clock), always through these two.
 */

/* The running CPU's limit is c now, and the fast path's with it. */
static inline void
sched_limit_set(struct sim_machine *m, uint64_t c)
{
	m->limit_clock = c;
	m->turn_clock = c & m->turn_mask;
}

/* Something due at clock c came: the limit comes down to it, if above. */
static inline void
sched_limit_lower(struct sim_machine *m, uint64_t c)
{
	if (c < m->limit_clock)
		sched_limit_set(m, c);
}

/*
 * The least clock at which the key of ci is past k: its window (clock >>
 * shift) past k's, or equal to it with ci's tiebreak (kept while it runs)
 * past k's.  UINT64_MAX when no clock is (the window would not fit: clocks
 * never come near).
 */
static inline uint64_t
clock_past(const struct sim_machine *m, sim_key_t k, const struct cpu_info *ci)
{
	uint64_t w = (uint64_t)(k >> 64);

	if (ci->tiebreak <= (uint64_t)k) {
		if (w == UINT64_MAX)
			return UINT64_MAX;
		w++;
	}
	if (w > (UINT64_MAX >> m->window_shift))
		return UINT64_MAX;
	return w << m->window_shift;
}

/*
 * The least clock past an event at t, for any CPU: the start of t's tie
 * window (an event sorts before every CPU in its window; tiebreaks are
 * odd, never 0).
 */
static inline uint64_t
event_clock(const struct sim_machine *m, uint64_t t)
{
	return t >> m->window_shift << m->window_shift;
}

/* An event sorts before every CPU in its tie window. */
static inline sim_key_t
event_key(const struct sim_machine *m, uint64_t t)
{
	return (sim_key_t)(t >> m->window_shift) << 64;
}

/*
 * The key at which a runnable CPU whose key is k, of a host other than
 * the running CPU's, comes first: its clock plus the lookahead (struct
 * sim_machine's lookahead_k, a whole number of tie windows, so the order
 * of keys is kept).  Nothing that CPU does can reach another host sooner.
 */
static inline sim_key_t
key_far(const struct sim_machine *m, sim_key_t k)
{
	return k + m->lookahead_k;
}

/*
 * Make a CPU that has something to run wait for its turn.  If a context
 * is running, its yield limit may have to come down.
 */
static void
cpu_enqueue(struct sim_machine *m, struct cpu_info *ci)
{
	if (__predict_false(m->pol.on)) {
		pol_enqueue(m, ci);
		return;
	}
	sched_tie_next(ci);
	ci->idle = false;
	heap_insert(m, ci);
	if (m->running != NULL) {
		sim_key_t k = sim_cpu_key(ci);

		if (m->lookahead_k != 0 && ci->host != m->running->host)
			k = key_far(m, k);
		sched_limit_lower(m, clock_past(m, k, m->running));
	}
}

void
sim_cpu_wake_idle(struct cpu_info *ci, uint64_t at)
{
	KASSERT(ci->idle);
	KASSERT(!ci->in_heap);
	/* Nothing wakes a CPU before the frontier (a policy but time). */
	if (ci->m->pol.on && at < ci->m->eng.now)
		at = ci->m->eng.now;
	if (ci->clock < at) {
		ci->idle_ns += at - ci->clock;
		ci->clock = at;
	}
	cpu_enqueue(ci->m, ci);
}

/*
 * A context is queued at its priority -- or, when an interrupt preempted
 * it with its level raised (spl, a spin mutex), at that level: it must
 * resume before anything its level holds off.  Otherwise a soft interrupt
 * made ready by the interrupt would run first and spin forever on a spin
 * mutex the preempted thread holds.
 */
void
sim_rq_push(struct cpu_info *ci, struct lwp *l, bool front)
{
	u_int p = l->interrupted && l->ipl > (int)l->prio ? (u_int)l->ipl :
	    l->prio;

	KASSERT(p < SIM_NPRIO);
	l->state = LWP_RUNNABLE;
	if (front)
		sim_lwpq_prepend(&ci->rq[p], l);
	else
		sim_lwpq_append(&ci->rq[p], l);
	ci->rq_mask |= 1u << p;
}

/* The first runnable context of the highest priority. */
static struct lwp *
rq_pop(struct cpu_info *ci)
{
	int p = sim_rq_best(ci);
	struct lwp *l;

	KASSERT(p >= 0);
	l = sim_lwpq_pop(&ci->rq[p]);
	if (ci->rq[p].head == NULL)
		ci->rq_mask &= ~(1u << p);
	return l;
}

void
sim_cpu_release(struct cpu_info *ci)
{
	if (ci->cur != NULL || ci->rq_mask != 0)
		cpu_enqueue(ci->m, ci);
	else
		ci->idle = true;
}

void
sim_machine_at_seq(struct sim_machine *m, uint64_t t, uint64_t seq,
    sim_event_fn fn, void *arg)
{
	sim_engine_at_seq(&m->eng, t, seq, fn, arg);
	/* No context running: the limit is set before the next one runs. */
	sched_limit_lower(m, event_clock(m, t));
}

uint64_t
sim_machine_at(struct sim_machine *m, uint64_t t, sim_event_fn fn, void *arg)
{
	uint64_t seq = sim_engine_seq_take(&m->eng);

	/*
	 * A CPU may act a little behind the last event's time when both fall
	 * in one tie window; what it schedules cannot go back in time.
	 */
	if (t < m->eng.now)
		t = m->eng.now;
	sim_machine_at_seq(m, t, seq, fn, arg);
	return seq;
}

/* Every host has booted: real prices from now on, then the programs. */
static void
machine_booted(struct sim_machine *m)
{
	for (u_int i = 0; i < m->nhosts; i++) {
		struct sim_host *h = &m->hosts[i];

		memcpy(h->cost, h->run_cost, sizeof(h->cost));
		sim_host_set_probe_cost(h, h->run_probe_cost);
	}
	m->pol.boot_points = m->points;
	if (m->policy->rank != NULL)
		pol_begin(m);
	m->after_boot(m);
	m->after_boot = NULL;
	machine_loop_clock(m);
}

/* --- set-up ------------------------------------------------------------- */

/* The event queue could not grow: the process ran out (exit 2). */
static void
sched_evq_oom(void *arg, size_t pending)
{
	sim_machine_exhausted(arg, "out of memory for the event queue (%zu "
	    "events pending)", pending);
}

void
sim_sched_init(struct sim_machine *m, const struct sim_sched_params *p)
{
	memset(m, 0, sizeof(*m));
	sim_engine_init(&m->eng);
	m->eng.q.oom = sched_evq_oom;
	m->eng.q.oom_arg = m;
	m->seed = p->seed;
	m->policy = p->policy != NULL ? p->policy : &sim_policy_time;
	sim_rng_init(&m->tiebreak_rng, p->seed, "cpu.tiebreak");
	m->pol.skew_ns = p->skew_ns;
	m->pol.depth = p->depth != 0 ? p->depth : SIM_PCT_DEPTH_DEFAULT;
	KASSERT(m->pol.depth <= SIM_PCT_DEPTH_MAX);
	m->pol.steps = p->steps;
	m->pol.steps_from = p->steps_from;
	m->end_ns = p->end_ns;
	while ((2ULL << m->window_shift) <= p->window_ns)
		m->window_shift++;
	if (m->policy == &sim_policy_time)
		m->lookahead_k = (sim_key_t)(p->lookahead_ns >>
		    m->window_shift) << 64;
	m->jitter_q16 = p->jitter_q16;
	m->sample_interval_ns = p->sample_interval_ns;
	m->max_points = p->max_points;
	m->max_events = p->max_events;
	m->stop_status = -1;
	m->stack_size = sim_coro_default_stack();
	m->next_sample_ns = p->sample_interval_ns ? p->sample_interval_ns
	    : UINT64_MAX;
	m->pace_ns = UINT64_MAX;
	m->loop_ns = m->next_sample_ns;
	machine_loop_clock(m);
	sim_coro_init_main(&m->sched);
}

/* --- scheduling points ---------------------------------------------------- */

void
sim_cpu_current_none(void)
{
	fprintf(stderr, "netsim: internal error: a kernel service was "
	    "called outside any simulated context\n");
	abort();
}

/*
 * Called at the end of every scheduling point.  A context of higher
 * priority than the CPU's level (an interrupt, a soft interrupt) that has
 * become ready takes the CPU; the preempted context goes back to the front
 * of its queue and resumes when the interrupt is done.  Among threads, one
 * that has used up its quantum while others wait goes to the back.
 */
void
sim_cpu_maybe_preempt_(struct cpu_info *ci)
{
	struct lwp *l = ci->cur;
	int best, level;
	bool front;

	KASSERT(ci->rq_mask != 0);
	best = sim_rq_best(ci);
	level = ci->ipl > (int)l->prio ? ci->ipl : (int)l->prio;
	if (best > level) {
		if (ci->clock < ci->rq[best].head->ready_at)
			return;
		front = true;           /* interrupted: resumes first */
		l->interrupted = true;
	} else if (best == 0 && level == 0 && l->spin_held == 0 &&
	    l->nopreempt == 0 &&
	    ci->clock - l->slice_start >= ci->host->quantum_ns) {
		front = false;          /* time slice over: to the back */
	} else {
		return;
	}
	l->ipl = ci->ipl;
	sim_cpu_set_ipl(ci, IPL_NONE);
	sim_rq_push(ci, l, front);
	sim_cpu_account(ci);
	ci->cur = NULL;
	sim_cpu_release(ci);
	sim_sched_leave(ci, &l->coro);
}

void
sim_point_slow(struct cpu_info *ci, enum sim_point_kind kind,
    enum sim_cost_id cost, const volatile void *obj)
{
	sim_cpu_turn_for(ci, kind, obj);
	sim_cpu_point_count(ci);
	sim_cpu_charge(ci, ci->host->cost[cost]);
	sim_cpu_maybe_preempt(ci);
}

/* --- stopping ------------------------------------------------------------- */

void
sim_machine_stop(struct sim_machine *m, int status, const char *fmt, ...)
{
	va_list ap;

	if (m->stop_status >= 0)
		return;         /* the first reason stands */
	m->stop_status = status;
	m->leave_events = 0;
	m->direct_points = 0;
	va_start(ap, fmt);
	vsnprintf(m->stop_reason, sizeof(m->stop_reason), fmt, ap);
	va_end(ap);
}

void
sim_machine_violation(struct sim_machine *m, const char *fmt, ...)
{
	va_list ap;

	if (m->violation_reason[0] != '\0')
		return;         /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(m->violation_reason, sizeof(m->violation_reason), fmt, ap);
	va_end(ap);
	KASSERT(m->violation_reason[0] != '\0');
}

/* The run is over: a violation it went on past decides how it ended. */
static void
machine_verdict(struct sim_machine *m)
{
	if (m->violation_reason[0] == '\0')
		return;
	if (m->stop_status >= 0 && m->stop_status != SIM_EXIT_LIMIT)
		return;         /* a deadlock, a stop: their own status */
	m->stop_status = SIM_EXIT_VIOLATION;
	snprintf(m->stop_reason, sizeof(m->stop_reason), "%s",
	    m->violation_reason);
}

/* --- running ---------------------------------------------------------------- */

/*
 * The clock past the next event (event_clock), or UINT64_MAX when none
 * is pending.
 */
static inline uint64_t
next_event_clock(struct sim_machine *m)
{
	uint64_t t;

	return sim_engine_next_time(&m->eng, &t) ? event_clock(m, t) :
	    UINT64_MAX;
}

/*
 * sched_limit_ec's lookahead: the next runnable CPU is another host's,
 * so ci runs past its key by the lookahead -- unless a runnable CPU of
 * ci's own host (deeper in the heap: looked for among the host's CPUs)
 * comes first.  The other hosts' CPUs in line come after the top, and so
 * do their keys moved by the lookahead.
 */
static __attribute__((__noinline__)) uint64_t
sched_limit_far(const struct sim_machine *m, const struct cpu_info *ci,
    uint64_t ec)
{
	const struct sim_host *h = ci->host;
	uint64_t c = clock_past(m, key_far(m, m->heap[0].key), ci);

	for (u_int i = 0; i < h->ncpu; i++) {
		const struct cpu_info *o = &h->cpus[i];
		uint64_t oc;

		if (!o->in_heap)
			continue;
		oc = clock_past(m, sim_cpu_key(o), ci);
		if (oc < c)
			c = oc;
	}
	return c < ec ? c : ec;
}

/*
 * The clock at which ci (to run, or running) is past the next runnable
 * CPU or the next event (ec, event_clock's): a CPU past it has been
 * overtaken, and only then may it give way.  With a lookahead, a CPU of
 * another host is past only at its key moved by the lookahead
 * (sched_limit_far).
 */
static inline uint64_t
sched_limit_ec(const struct sim_machine *m, const struct cpu_info *ci,
    uint64_t ec)
{
	uint64_t c;

	if (m->heap_n == 0)
		return ec;
	c = clock_past(m, m->heap[0].key, ci);
	if (c >= ec)
		return ec;
	if (m->lookahead_k != 0 && m->heap[0].ci->host != ci->host)
		return sched_limit_far(m, ci, ec);
	return c;
}

/*
 * The clock past the time cap and loop_ns (the next sample, or the wall
 * clock's pace: what the loop itself waits for), kept in m->loop_clock:
 * set whenever loop_ns or end_ns moves (and when boot ends), with the
 * leave's times (struct sim_machine's loop_end_ns, leave_ev_ns).
 */
static inline void
machine_loop_clock(struct sim_machine *m)
{
	m->loop_end_ns = MIN(m->end_ns, m->loop_ns);
	m->leave_ev_ns = m->after_boot != NULL ? 0 : m->loop_end_ns;
	m->loop_clock = event_clock(m, m->loop_end_ns);
}

/*
 * The limit of a CPU whose tiebreak is tb: the scheduling limit, the
 * time cap and the next sample -- a context running alone must still
 * come back to the loop when the duration ends (a CPU spinning with
 * nothing else due would otherwise run forever) and when a sample is
 * due.  The last two only pause it (sim_cpu_yield).
 */
static inline uint64_t
machine_limit_ec(const struct sim_machine *m, const struct cpu_info *ci,
    uint64_t ec)
{
	uint64_t c = sched_limit_ec(m, ci, ec);

	return m->loop_clock < c ? m->loop_clock : c;
}

/*
 * The points taken since run_from go to the run of the host that took
 * them (the machine's current stretch: run_host), and a new stretch
 * begins.
 */
static inline void
sched_stretch_end(struct sim_machine *m)
{
	if (m->run_host != NULL)
		m->run_host->run_n += m->points - m->run_from;
	m->run_from = m->points;
}

/* h's run ends (sim_fp_host_run_end); inlined where a CPU is handed over. */
static inline __attribute__((__always_inline__)) void
sched_run_end(struct sim_host *h)
{
	struct cpu_info *ci = h->run_ci;
	uint64_t n = h->run_n;

	if (ci != NULL && n != 0) {
		KASSERT(h->run_lwp != NULL);
		/* h's chain, whichever owner's context runs (the stop's: 0) */
		sim_owner_mix(h->owner, ci->clock ^ ((uint64_t)ci->gindex << 48));
		sim_owner_mix(h->owner, n ^ ((uint64_t)h->run_lwp->id << 32));
		ci->points += n;
	}
	h->run_ci = NULL;
	h->run_lwp = NULL;
	h->run_n = 0;
}

void
sim_fp_host_run_end(struct sim_machine *m, struct sim_host *h)
{
	if (m->run_host == h)
		sched_stretch_end(m);
	sched_run_end(h);
}

void
sim_fp_run_end(struct sim_machine *m)
{
	sched_stretch_end(m);
	for (u_int i = 0; i < m->nhosts; i++)
		sched_run_end(&m->hosts[i]);
}

/*
 * ci's context runs now.  The points it takes go on its host's run being
 * folded when it took that run's points (it was only paused: a sample,
 * a checkpoint, a tracer, or it was overtaken and no other context of
 * its host took a point); else that run ends and its own begins.  Every
 * place that gives a context its CPU comes through here, so a run never
 * spans two contexts, and where it ends depends on the host's own
 * schedule alone, never on other hosts'.
 */
static inline void
sched_run(struct sim_machine *m, struct cpu_info *ci)
{
	struct sim_host *h = ci->host;

	KASSERT(ci->cur != NULL);
	sim_machine_set_running(m, ci);
	if (m->run_host != h || ci->cur != h->run_lwp) {
		sched_stretch_end(m);
		m->run_host = h;
		if (ci->cur != h->run_lwp) {
			sched_run_end(h);
			h->run_ci = ci;
			h->run_lwp = ci->cur;
		}
	}
}

/*
 * After a switch lands in the loop's context: free the stack of an LWP
 * that just exited.  Only the loop's context needs this: an exiting LWP
 * sets m->reap and switches to the loop (sim_lwp_exit, exhaust.c), and
 * the loop frees it as soon as it is resumed (cpu_run, pol_step), before
 * it resumes any other context -- so a context resumed by another finds
 * it NULL, and a direct switch need not look (sim_cpu_yield).
 */
static inline void
sched_arrived(struct sim_machine *m)
{
	if (__predict_false(m->reap != NULL)) {
		sim_lwp_free(m->reap);
		m->reap = NULL;
	}
}

/*
 * The next CPU, if it can be resumed straight from another context: it
 * has an LWP on it, comes before the next event (ec, event_clock's: the
 * event comes first when the CPU's window is not before the event's),
 * and nothing the loop watches (time cap, sample, limits, progress) is
 * due before it.  Its key's window is its clock's (a key is constant in
 * the heap), and ec is a window's first clock, so comparing the clock
 * with ec compares the windows.
 */
static inline struct cpu_info *
sched_direct_next_ec(struct sim_machine *m, uint64_t ec)
{
	struct cpu_info *ci;

	if (m->heap_n == 0 || m->points >= m->direct_points)
		return NULL;
	ci = m->heap[0].ci;
	if (ci->cur == NULL || ci->clock >= ec || ci->clock >= m->loop_end_ns)
		return NULL;
	return ci;
}

/*
 * The running context gives its CPU up (put back in line or idle): the
 * next context runs, straight from this one when the loop would have
 * nothing else to do first.  Up to that next CPU, what the loop would
 * do step by step happens here, on this context's stack, in the same
 * order and under the same tests (time_step's, and sim_machine_run's
 * after each step): the events due before it run, with no context
 * running (an event wakes LWPs, posts interrupts, schedules events,
 * stops the machine, and never switches), and an empty CPU first in line
 * gets its context (cpu_dispatch_first).  So a batch of events between two contexts costs no
 * round trip through the loop's context.  The loop takes over whenever
 * it has anything else to do: a stop, a limit, the points checkpoint,
 * a sample, the wall clock's pace, the end of boot or of the run.
 *
 * held, when not NULL, is the leaving CPU itself, in line with key hkey
 * but held out of the heap (a yield: sim_cpu_yield): most often the
 * events due run and it comes first again, and then it goes on with no
 * heap insert and pop around them.  It is in line all the same: each
 * decision takes the least of it and the heap's top, as the heap would
 * with it inside (keys are distinct: odd tiebreaks of 64 bits; on a tie
 * the heap's entry first, as a sift would leave it); the next CPU off
 * the heap takes its place there in one sift (heap_replace_top), and it
 * goes in before anything else looks at the heap -- a dispatch's test,
 * the loop.  An event never looks at the heap: it wakes, posts and
 * schedules, and a CPU that runs (not idle) is woken by none.
 */
static inline __attribute__((__always_inline__)) void
sched_leave(struct sim_machine *m, struct cpu_info *held, sim_key_t hkey,
    struct sim_coro *from)
{
	struct cpu_info *next = NULL, *top;
	uint64_t ec = UINT64_MAX, t;
	bool ev;

	KASSERT(held == NULL || (!held->in_heap && held->cur != NULL &&
	    hkey == sim_cpu_key(held)));
	KASSERT(m->reap == NULL);       /* only the loop finds one (sched_arrived) */
	/*
	 * No context runs from here, and none takes a point: the checkpoint
	 * is asked once; a stop comes only from an event, and is asked
	 * after each with limits.events (leave_events).  The time cap, the
	 * loop's moments and boot are asked as loop_end_ns (a CPU's) and
	 * leave_ev_ns (an event's; no event is a time past every limit).
	 */
	sim_machine_set_running(m, NULL);
	if (m->points >= m->direct_points)
		goto loop;
	for (;;) {
		ev = sim_engine_next_time(&m->eng, &t);
		if (!ev)
			t = UINT64_MAX;
		ec = ev ? event_clock(m, t) : UINT64_MAX;
		/*
		 * A CPU is first when one is before the event (its window is:
		 * sim_cpu_key's), and then the first in line is.
		 */
		if ((held != NULL && held->clock < ec) ||
		    (m->heap_n > 0 && m->heap[0].ci->clock < ec)) {
			if (held != NULL && (m->heap_n == 0 ||
			    hkey < m->heap[0].key)) {
				/* The CPU held. */
				if (held->clock >= m->loop_end_ns)
					break;
				next = held;
				held = NULL;
				break;
			}
			/* The top of the heap. */
			top = m->heap[0].ci;
			if (top->clock >= m->loop_end_ns)
				break;
			if (held == NULL && top->cur == NULL) {
				/* An empty CPU: dispatched in its place. */
				if (cpu_dispatch_top(m)) {
					next = top;
					break;
				}
				continue;       /* back in line: decide again */
			}
			if (held != NULL) {
				heap_replace_top(m, held, hkey);
				held = NULL;
			} else
				heap_pop(m);
			if (top->cur != NULL) {
				next = top;
				break;
			}
			if (cpu_dispatch_first(m, top)) {
				next = top;
				break;
			}
			continue;       /* back in line: decide again */
		}
		/* The next event is first, if any, and only it is due. */
		if (t >= m->leave_ev_ns || (m->heap_n == 0 && held == NULL &&
		    machine_over(m)))
			break;
		sim_engine_step(&m->eng);
		/* The loop stops the run here (machine_check_limits). */
		if (m->eng.executed >= m->leave_events)
			break;
	}
loop:
	if (held != NULL)
		heap_insert(m, held);   /* in line for the loop */

	/*
	 * The switch is the last thing done (sim_cpu_yield): resumed, this
	 * context only returns.  A hand-over to the next context switches in
	 * this frame, which holds every register the caller needs already.
	 */
	if (next == NULL) {
		sim_coro_switch(from, &m->sched);
	} else {
		sched_run(m, next);
		sched_limit_set(m, machine_limit_ec(m, next, ec));
		if (&next->cur->coro != from)
			sim_coro_switch_inline(from, &next->cur->coro);
	}
}

/* A yield's leave: its CPU held out of the heap (sched_leave). */
static __attribute__((__noinline__)) void
sched_leave_held(struct sim_machine *m, struct cpu_info *held, sim_key_t hkey,
    struct sim_coro *from)
{
	sched_leave(m, held, hkey, from);
}

void
sim_sched_leave(struct cpu_info *self, struct sim_coro *from)
{
	struct sim_machine *m = self->m;

	if (m->pol.on) {
		pol_leave(m, from);
		return;
	}
	sched_leave(m, NULL, 0, from);
}

/*
 * The running context reached a scheduling point at which something is
 * earlier than its CPU.  The common case -- another CPU with a context on
 * it comes first and nothing else is due -- swaps the two in the heap
 * with one sift and switches straight to the other context.
 *
 * When nothing scheduled is earlier -- only the loop wants control: a
 * sample is due, the duration ended -- the CPU is paused, not overtaken:
 * it goes back in line with the key it had, no tiebreak is drawn, and
 * the loop, having done its part, resumes it.  A CPU draws only when a
 * CPU of its own host overtakes it (sched_tie_next), so no pause moves a
 * tie: recording observes, never steers.  The points checkpoint before
 * the CPU's limit is not even a pause: the loop's part is done here and
 * the CPU goes on, with the limit it had (nothing due goes away while a
 * context runs), as a plain run's fast path goes on past it.
 *
 * Under a policy but time every turn comes here (the limit is 0), and
 * the policy decides (pol_turn); what the context is about to do
 * (ci->turn_kind on ci->turn_obj) is for it and the tracer only.
 */
void
sim_cpu_yield(struct cpu_info *ci)
{
	struct sim_machine *m = ci->m;
	struct cpu_info *next;
	sim_key_t key;
	uint64_t ec;

	KASSERT(sim_cur_cpu == ci);     /* m->running's mirror (sched_run) */
	KASSERT(ci->cur != NULL);
	KASSERT(ci->host->run_lwp == ci->cur);  /* its points are its run's */
	KASSERT(ci->clock >= m->limit_clock ||
	    m->points >= m->checkpoint_points);
	if (m->pol.on) {
		/* A memory access's op for pos; -1 for any other point. */
		unsigned k = ci->turn_kind;
		bool mem = ci->turn_obj != NULL &&
		    k - PT_LOAD <= PT_BARRIER - PT_LOAD;

		/* Only a memory access's object: pos never sees the others. */
		pol_turn(ci, mem ? ci->turn_obj : NULL, mem ? (int)(k - PT_LOAD) :
		    -1);
		goto turn;
	}
	/*
	 * Before its limit the CPU came only for the points checkpoint (every
	 * point's, with a tracer): it goes on, as it would have without the
	 * checkpoint, the loop's part done here.  Through the loop the top of
	 * the heap would come first -- with the lookahead, maybe another
	 * host's CPU within it -- and so a tracer, a limit or the checkpoints'
	 * count would change the order of hosts' stretches, which a run that
	 * a limit stops shows in its fingerprint (netsim replay --trace would
	 * not find the run it replays).
	 */
	if (ci->clock < m->limit_clock && m->stop_status < 0) {
		machine_checkpoint_reached(m);
		if (m->stop_status < 0)
			goto turn;
	}
	/* Nothing below changes the events pending: their clock once. */
	ec = next_event_clock(m);
	if (ci->clock < ec &&
	    (m->heap_n == 0 || sim_cpu_key(ci) < m->heap[0].key)) {
		heap_insert(m, ci);
		KASSERT(m->heap[0].ci == ci);
		sim_machine_set_running(m, NULL);
		sim_coro_switch(&ci->cur->coro, &m->sched);
		sched_arrived(m);
		goto turn;
	}
	/*
	 * Overtaken by its own host: most often by the top of the heap, a
	 * CPU of its host before it (the router's busy CPUs trading turns),
	 * which tells without looking at the others.  Here, not in
	 * sched_overtaken: its other callers seldom meet that case, and the
	 * test there cost udp-router15 140 instructions a datagram more.
	 */
	if (m->heap_n > 0 && m->heap[0].ci->host == ci->host &&
	    m->heap[0].key < sim_cpu_key(ci))
		sched_tie_next(ci);
	else
		sched_tie_overtaken(ci);
	ci->idle = false;
	key = sim_cpu_key(ci);
	/* Never with a tracer: it keeps the points checkpoint at 0. */
	next = sched_direct_next_ec(m, ec);
	if (next != NULL) {
		if (m->heap[0].key < key) {
			heap_replace_top(m, ci, key);
			sched_run(m, next);
			sched_limit_set(m, machine_limit_ec(m, next,
			    ec));
			/*
			 * The last thing done here: resumed, this context
			 * goes straight back to its point, and the stack it
			 * finds cold is the registers this function saved on
			 * entry (no reap to look at: sched_arrived).  The
			 * switch is made in this frame, as those registers
			 * are saved already (sim_coro_switch_inline).
			 */
			sim_coro_switch_inline(&ci->cur->coro,
			    &next->cur->coro);
			return;
		}
		/*
		 * This CPU is first again (its key is not the next CPU's,
		 * which comes before the event): go on, unless the loop
		 * wants control.
		 */
		if (key != m->heap[0].key && ci->clock < m->loop_clock) {
			sched_limit_set(m, machine_limit_ec(m, ci,
			    ec));
			return;
		}
	}
	/*
	 * In line, held out of the heap until something else comes first.
	 * Without a tracer (attached before the run, never after) nothing
	 * follows, so a tail call.
	 */
	if (__predict_true(m->tracer == NULL)) {
		sched_leave_held(m, ci, key, &ci->cur->coro);
		return;
	}
	sched_leave_held(m, ci, key, &ci->cur->coro);
turn:
	/*
	 * The CPU has its turn and the point acts next.  Only the policy,
	 * the checkpoint before the limit, the pause and a traced leave come
	 * here, and with a tracer every point takes one of them (the loop
	 * keeps the points checkpoint at 0), so the tracer sees every point
	 * and the direct switches above pay nothing for it.
	 */
	if (__predict_false(m->tracer != NULL)) {
		KASSERT(m->running == ci);
		m->tracer->point(m->tracer, ci, ci->turn_kind, ci->turn_obj);
		KASSERT(m->running == ci);
	}
}

/*
 * Put the best runnable context on an empty CPU, paying for it: an
 * interrupt context costs an interrupt (hard) or a soft interrupt
 * dispatch; a thread that an interrupt preempted resumes for free (the
 * interrupt's price covers the return); any other thread costs a context
 * switch.
 */
static void
cpu_dispatch(struct cpu_info *ci)
{
	struct lwp *l = rq_pop(ci);
	const uint64_t *cost = ci->host->cost;

	KASSERT(ci->cur == NULL);
	KASSERT(l->state == LWP_RUNNABLE);
	l->state = LWP_ONCPU;
	sim_cpu_account(ci);
	ci->cur = l;
	sim_cpu_set_ipl(ci, l->ipl);
	ci->dispatches++;
	if (l->prio >= IPL_VM)
		sim_cpu_charge(ci, cost[SIM_COST_intr]);
	else if (l->prio > 0)
		sim_cpu_charge(ci, cost[SIM_COST_softint]);
	else if (!l->interrupted)
		sim_cpu_charge(ci, cost[SIM_COST_ctx_switch]);
	l->interrupted = false;
	l->slice_start = ci->clock;
}

/*
 * Dispatch on ci, an empty CPU taken off the heap to run next, with no
 * context running.  The switch took time: others may now come first,
 * and then ci goes back in line (false).  (A sample or the time cap it
 * passed only pauses the context at its first scheduling point.)
 */
static bool
cpu_dispatch_first(struct sim_machine *m, struct cpu_info *ci)
{
	KASSERT(m->running == NULL && !ci->in_heap && !m->pol.on);
	cpu_dispatch(ci);
	if (ci->clock >= next_event_clock(m) || (m->heap_n > 0 &&
	    sim_cpu_key(ci) > m->heap[0].key)) {
		sched_tie_overtaken(ci);
		ci->idle = false;
		heap_insert(m, ci);
		return false;
	}
	return true;
}

/*
 * cpu_dispatch_first for the empty CPU at the top of the heap, without
 * taking it off first: when the switch took it past another CPU or the
 * next event -- nearly always with many CPUs in line: it was woken as
 * the least, and the switch's price is more than their distance -- it
 * gets its key at its new clock and sifts down from where it is, one sift
 * where taking it off and putting it back were two (and an enqueue's
 * call).  The same key, the same CPU first after: only the heap's
 * arrangement differs, and no decision depends on that (keys are
 * distinct).
 * => no context running (no limit to lower), heap[0] empty of context
 * <= true: it is off the heap and runs next; false: back in line
 */
static bool
cpu_dispatch_top(struct sim_machine *m)
{
	struct sim_heap_ent *h = m->heap;
	struct cpu_info *ci = h[0].ci;
	u_int n = m->heap_n, c = 1;

	KASSERT(m->running == NULL && !m->pol.on);
	KASSERT(n > 0 && ci->in_heap && ci->cur == NULL);
	cpu_dispatch(ci);
	/* The least of the others is the lesser of the top's children. */
	if (n > 2 && h[2].key < h[1].key)
		c = 2;
	if (ci->clock >= next_event_clock(m) ||
	    (n > 1 && sim_cpu_key(ci) > h[c].key)) {
		/* Back in line. */
		sched_tie_overtaken(ci);
		ci->idle = false;
		heap_down(m, 0, (struct sim_heap_ent){ .key = sim_cpu_key(ci),
		    .ci = ci });
		return false;
	}
	heap_pop(m);
	return true;
}

/*
 * Give the CPU (taken off the heap) to its context.  Control comes back
 * here when some context finds nothing it can switch to directly; that
 * context has put its own CPU back in line or marked it idle.
 */
static void
cpu_run(struct sim_machine *m, struct cpu_info *ci)
{
	if (ci->cur == NULL && !cpu_dispatch_first(m, ci))
		return;
	sched_run(m, ci);
	sched_limit_set(m, machine_limit_ec(m, ci,
	    next_event_clock(m)));
	sim_coro_switch(&m->sched, &ci->cur->coro);
	KASSERT(m->running == NULL && sim_cur_cpu == NULL);
	sched_arrived(m);
}

void
sim_machine_add_sampler(struct sim_machine *m,
    void (*sample)(struct sim_machine *, uint64_t))
{
	KASSERT(sample != NULL);
	KASSERT(m->nsamplers < SIM_SAMPLERS_MAX);
	m->samplers[m->nsamplers++] = sample;
}

void
sim_machine_sample_all(struct sim_machine *m, uint64_t t)
{
	for (u_int i = 0; i < m->nsamplers; i++)
		m->samplers[i](m, t);
}

/*
 * The next thing to run is at time t: take every periodic sample
 * (record.interval) due at or before t first, each with the values at
 * its own time -- nothing between the last thing run and t changes them.
 */
static inline void
machine_sample_until(struct sim_machine *m, uint64_t t)
{
	if (m->next_sample_ns > t)
		return;
	/* A sampler may stop the run (the database's cap): stop sampling. */
	while (m->next_sample_ns <= t && m->stop_status < 0) {
		KASSERT(m->sample_interval_ns > 0);
		sim_machine_sample_all(m, m->next_sample_ns);
		m->next_sample_ns += m->sample_interval_ns;
	}
	sim_machine_paced(m);
}

void
sim_machine_paced(struct sim_machine *m)
{
	m->loop_ns = MIN(m->next_sample_ns, m->pace_ns);
	machine_loop_clock(m);
}

void
sim_machine_set_pace(struct sim_machine *m,
    void (*pace)(struct sim_machine *, uint64_t), uint64_t pace_ns)
{
	KASSERT(pace != NULL);
	KASSERT(m->policy == &sim_policy_time);
	m->pace = pace;
	m->pace_ns = pace_ns;
	sim_machine_paced(m);
}

/*
 * The loop's part before the next thing, at t, runs: the samples due,
 * and, paced, the wait for the wall clock.  Returns false if the loop
 * must decide again (the wall clock was waited for: the outside world
 * may have scheduled something earlier than t).  Inlined, it is one
 * comparison when nothing is due.
 */
static inline __attribute__((__always_inline__)) bool
machine_due(struct sim_machine *m, uint64_t t)
{
	if (__predict_true(t < m->loop_ns))
		return true;
	if (__predict_false(t >= m->pace_ns)) {
		m->pace(m, t);
		sim_machine_paced(m);
		return false;
	}
	machine_sample_until(m, t);
	return true;
}

static u_int
machine_live(const struct sim_machine *m)
{
	u_int n = 0;

	for (u_int i = 0; i < m->nhosts; i++)
		n += m->hosts[i].live;
	return n;
}

static void
machine_check_limits(struct sim_machine *m)
{
	if (m->max_points && m->points >= m->max_points)
		sim_machine_stop(m, SIM_EXIT_LIMIT, "the run reached its limit "
		    "of %llu scheduling points (limits.points)",
		    (unsigned long long)m->max_points);
	if (machine_events_reached(m))
		sim_machine_stop(m, SIM_EXIT_LIMIT, "the run reached its limit "
		    "of %llu events (limits.events)",
		    (unsigned long long)m->max_events);
}

static void
machine_time_cap(struct sim_machine *m)
{
	u_int live = machine_live(m);

	m->capped = true;
	if (live == 0)
		return;         /* only daemons were left: a normal end */
	sim_machine_stop(m, SIM_EXIT_LIMIT, "the duration (%llu ns) ended "
	    "before the workload did: %u LWP%s still running",
	    (unsigned long long)m->end_ns, live, live == 1 ? "" : "s");
}

/*
 * When the loop's part must next be done (in the loop, or by the CPU
 * that reaches it before its limit: sim_cpu_yield): at once, every
 * point, while a tracer wants to see them (sim_cpu_turn_for).  And
 * whether a point's fast path may take it (struct sim_machine's
 * turn_mask): only on a plain run, where the checkpoint is the progress
 * display's alone -- with limits.points it must stop the run at its
 * point exactly, so every point takes the whole path, as with jitter, a
 * tracer or per-packet records.
 */
static void
machine_checkpoint(struct sim_machine *m)
{
	uint64_t cap = m->max_points;

	m->turn_mask = m->jitter_q16 == 0 && !m->tracing &&
	    m->tracer == NULL && cap == 0 ? UINT64_MAX : 0;
	sched_limit_set(m, m->limit_clock);
	if (__predict_false(m->tracer != NULL)) {
		m->checkpoint_points = m->direct_points = 0;
		return;
	}
	m->checkpoint_points = m->points + (1u << 16);
	if (cap != 0 && cap < m->checkpoint_points)
		m->checkpoint_points = cap;
	m->direct_points = m->stop_status >= 0 ? 0 : m->checkpoint_points;
}

/*
 * The loop's part at the points checkpoint, or when the events' limit may
 * have been reached: the limits, the progress display, the next
 * checkpoint.  The loop's own, and a CPU's that reached the checkpoint
 * before its limit (sim_cpu_yield), which goes on after it.
 */
static void
machine_checkpoint_reached(struct sim_machine *m)
{
	machine_check_limits(m);
	if (m->points < m->checkpoint_points)
		return;
	if (m->progress != NULL)
		m->progress(m);
	machine_checkpoint(m);
}

/* The naps begun at or before act_t, counted again after it rose. */
static __attribute__((__noinline__)) void
machine_naps_recount(struct sim_machine *m)
{
	uint64_t n = 0;

	for (u_int i = 0; i < m->nhosts; i++)
		for (struct lwp *l = m->hosts[i].all_head; l != NULL;
		    l = l->all_next)
			if (l->wait_timer_nap && l->nap_t <= m->act_t)
				n++;
	m->naps_stale = n;
	m->naps_recount = false;
}

/*
 * Nothing is runnable: is the run over?  It is when no pending event can
 * make anything runnable again -- none is pending, or every one pending
 * is a stale timer (it will find its timer cancelled) -- or when the
 * workload is done (no LWP but daemons left) and all that is pending
 * besides are daemons' naps begun after the last activity (in virtual
 * time: struct sim_machine's act_t): a daemon
 * sleeping on a timer (a batch reader, a periodic poller) does not keep
 * a finished workload alive, but each nap begun before something else
 * happened ends once more, so the daemon sees what happened.
 */
static bool
machine_over(struct sim_machine *m)
{
	size_t pending = sim_evq_size(&m->eng.q);

	KASSERT(pending >= m->ev_stale + m->naps);
	if (pending == m->ev_stale)
		return true;
	if (pending != m->ev_stale + m->naps)
		return false;
	if (m->naps_recount)
		machine_naps_recount(m);
	KASSERT(m->naps >= m->naps_stale);
	if (m->naps_stale != 0)
		return false;
	return machine_live(m) == 0;
}

/* Every LWP left is blocked and nothing is pending. */
static void
machine_deadlock(struct sim_machine *m)
{
	if (m->report_deadlock != NULL)
		m->report_deadlock(m);
	sim_machine_stop(m, SIM_EXIT_DEADLOCK, "deadlock at %llu ns: every "
	    "LWP is blocked and nothing is pending",
	    (unsigned long long)sim_machine_end_time(m));
}

/*
 * One step under time: the least of the heap's top and the next event.
 * (Inlined: the loop is as cheap as before there were other policies.)
 */
static inline __attribute__((__always_inline__)) enum step
time_step(struct sim_machine *m)
{
	struct cpu_info *ci;
	uint64_t t;
	bool ev;

	ci = m->heap_n > 0 ? m->heap[0].ci : NULL;
	ev = sim_engine_next_time(&m->eng, &t);
	/*
	 * Boot is over when every kern_boot has returned and what it
	 * started (kernel threads) has settled: nothing runnable and
	 * nothing due now.  Events already set for later (a traffic
	 * source's first frame) wait for the booted machine.
	 */
	if (__predict_false(m->after_boot != NULL) && m->hosts_booting == 0 &&
	    ci == NULL && (!ev || t > m->eng.now)) {
		machine_booted(m);
		return STEP_BOOTED;
	}

	if (ci == NULL && (!ev || machine_over(m)) &&
	    __predict_true(m->pace == NULL)) {
		if (machine_live(m) > 0)
			machine_deadlock(m);
		return STEP_END;
	}
	/* Paced, nothing pending waits for the outside world till the end. */
	if (ci == NULL && !ev) {
		KASSERT(m->pace != NULL);
		if (!machine_due(m, m->end_ns))
			return STEP_RAN;
		machine_time_cap(m);
		return STEP_END;
	}
	if (ci != NULL && (!ev || sim_cpu_key(ci) < event_key(m, t))) {
		if (ci->clock >= m->end_ns) {
			if (m->pace != NULL && !machine_due(m, m->end_ns))
				return STEP_RAN;
			machine_time_cap(m);
			return STEP_END;
		}
		if (!machine_due(m, ci->clock))
			return STEP_RAN;
		heap_pop(m);
		cpu_run(m, ci);
	} else {
		if (t >= m->end_ns) {
			if (m->pace != NULL && !machine_due(m, m->end_ns))
				return STEP_RAN;
			machine_time_cap(m);
			return STEP_END;
		}
		if (!machine_due(m, t))
			return STEP_RAN;
		sim_engine_step(&m->eng);
	}
	return STEP_RAN;
}

/*
 * The loop.  The points limit is checked only at the points checkpoint:
 * it is never past the limit (machine_checkpoint), so a step that reaches
 * the limit reaches the checkpoint too.
 */
void
sim_machine_run(struct sim_machine *m)
{
	uint64_t max_events = m->max_events ? m->max_events : UINT64_MAX;

	sim_cur = m;
	sim_cur_cpu = m->running;
	m->leave_events = m->stop_status >= 0 ? 0 : max_events;
	machine_loop_clock(m);          /* after_boot is set by now */
	machine_checkpoint(m);
	while (m->stop_status < 0) {
		enum step st = m->pol.on ? pol_step(m) : time_step(m);

		if (st == STEP_END)
			break;
		if (st == STEP_BOOTED)
			continue;
		if (__predict_false(m->points >= m->checkpoint_points ||
		    m->eng.executed >= max_events))
			machine_checkpoint_reached(m);
	}
	pol_check_clocks(m);
	machine_verdict(m);
	/* What is folded from here on is the machine's: owner 0's. */
	KASSERT(m->running == NULL && m->eng.ctx == m->eng.owners);
	sim_fp_run_end(m);
	if (m->fingerprint_results != NULL)
		m->fingerprint_results(m);
}

uint64_t
sim_machine_end_time(const struct sim_machine *m)
{
	uint64_t t = m->eng.now;

	if (m->capped)
		return m->end_ns;
	for (u_int i = 0; i < m->ncpus; i++)
		if (m->cpus[i]->clock > t)
			t = m->cpus[i]->clock;
	return t;
}

void
sim_cpu_times(const struct cpu_info *ci, uint64_t t_end, uint64_t *busy,
    uint64_t *idle, uint64_t *skew)
{
	uint64_t b = sim_cpu_busy_ns(ci, t_end);
	uint64_t s = ci->skew_ns < t_end - b ? ci->skew_ns : t_end - b;

	*busy = b;
	*skew = s;
	*idle = t_end - b - s;
}

/*
 * Every CPU's clock is what it did: busy, idle, held back.  Nothing else
 * may move a clock (a test of the whole run's bookkeeping).
 */
static void
pol_check_clocks(const struct sim_machine *m)
{
	for (u_int i = 0; i < m->ncpus; i++) {
		const struct cpu_info *ci = m->cpus[i];

		if (ci->clock < ci->idle_ns + ci->skew_ns ||
		    sim_cpu_busy(ci) < ci->acct_mark) {
			fprintf(stderr, "netsim: internal error: cpu %u's clock "
			    "%llu ns is less than busy %llu (accounted) + idle "
			    "%llu + skew %llu\n",
			    ci->gindex, (unsigned long long)ci->clock,
			    (unsigned long long)ci->acct_mark,
			    (unsigned long long)ci->idle_ns,
			    (unsigned long long)ci->skew_ns);
			abort();
		}
	}
}

/* --- policies but time ---------------------------------------------------- */

/*
 * Under a policy but time the heap's array holds the runnable CPUs as a
 * plain set: no keys, no order but the order of what happened.
 */
static void
set_add(struct sim_machine *m, struct cpu_info *ci)
{
	KASSERT(!ci->in_heap);
	KASSERT(m->heap_n < m->ncpus);
	ci->in_heap = true;
	m->heap[m->heap_n].key = 0;
	m->heap[m->heap_n].ci = ci;
	m->heap_n++;
}

static void
set_remove(struct sim_machine *m, struct cpu_info *ci)
{
	KASSERT(ci->in_heap);
	for (u_int i = 0; i < m->heap_n; i++) {
		if (m->heap[i].ci != ci)
			continue;
		m->heap[i] = m->heap[--m->heap_n];
		ci->in_heap = false;
		return;
	}
	KASSERT(!"set_remove: the CPU is not in the set");
}

/* The earliest a CPU can act: its clock, or the frontier if later. */
static inline uint64_t
pol_eff(const struct sim_machine *m, const struct cpu_info *ci)
{
	return ci->clock > m->eng.now ? ci->clock : m->eng.now;
}

/*
 * Every host has booted and the policy takes over from time: nothing is
 * runnable and nothing runs.  From now on every turn takes the slow path
 * (each key is above a limit of 0: tiebreaks are odd).
 */
static void
pol_begin(struct sim_machine *m)
{
	char stream[64];

	KASSERT(m->heap_n == 0 && m->running == NULL);
	KASSERT(m->policy->rank != NULL);
	snprintf(stream, sizeof(stream), "policy.%s", m->policy->name);
	sim_rng_init(&m->pol.rng, m->seed, stream);
	m->pol.on = true;
	sched_limit_set(m, 0);          /* every clock is past 0 */
	for (u_int i = 0; i < m->ncpus; i++)
		m->cpus[i]->tiebreak |= 1;
	if (m->policy->start != NULL)
		m->policy->start(m);
}

/*
 * Which CPU acts next: the best ranked of those that may, or NULL when
 * none may (the next event comes first, or the duration has come).  r is
 * the running CPU at its turn, a candidate too, or NULL.  May act: its
 * clock is at most the skew bound past the earliest runnable clock
 * (`low'), and the time it would act at -- its clock, or the frontier if
 * later -- is before the next event and before the duration.  The one
 * with the earliest clock can always act unless an event or the duration
 * comes first, so a CPU is never held back more than the bound.
 */
static struct cpu_info *
pol_decide(struct sim_machine *m, struct cpu_info *r)
{
	const struct sim_policy *p = m->policy;
	uint64_t low = r != NULL ? r->clock : UINT64_MAX, lim = m->end_ns;
	uint64_t hi, t, rank, best_rank = 0;
	struct cpu_info *best = NULL;

	for (u_int i = 0; i < m->heap_n; i++)
		if (m->heap[i].ci->clock < low)
			low = m->heap[i].ci->clock;
	if (low == UINT64_MAX)
		return NULL;
	if (sim_engine_next_time(&m->eng, &t) && t < lim)
		lim = t;
	hi = low + m->pol.skew_ns < low ? UINT64_MAX : low + m->pol.skew_ns;
	if (p->decide != NULL)
		p->decide(m);
	for (u_int i = 0; i <= m->heap_n; i++) {
		struct cpu_info *x = i == 0 ? r : m->heap[i - 1].ci;

		if (x == NULL || x->clock > hi || pol_eff(m, x) >= lim)
			continue;
		rank = p->rank(m, x);
		if (best == NULL || rank > best_rank) {
			best = x;
			best_rank = rank;
		}
	}
	if (best != NULL) {
		m->pol.low = low;
		m->pol.decisions++;
		if (best != r)
			m->pol.switches++;
	}
	return best;
}

/*
 * x, taken out of the set (or the running CPU), acts now.  If others
 * have acted later than its clock, it was held back: its clock moves up
 * to the frontier and the difference is its skew.  Then it is the
 * frontier.
 */
static void
pol_grant(struct sim_machine *m, struct cpu_info *x)
{
	uint64_t now = m->eng.now;

	KASSERT(!x->in_heap);
	KASSERT(x->clock >= m->pol.low);
	if (x->clock < now) {
		x->skew_ns += now - x->clock;
		x->clock = now;
		m->pol.overtakes++;
	}
	KASSERT(x->clock < m->end_ns);
	if (x->clock - m->pol.low > m->pol.lead_max_ns)
		m->pol.lead_max_ns = x->clock - m->pol.low;
	m->eng.now = x->clock;
	m->pol.last = sim_cpu_next_lwp(x);
	if (m->policy->granted != NULL)
		m->policy->granted(m, x);
}

/*
 * x may be switched to straight from another context: it has one, and
 * nothing the loop watches (a stop, the points checkpoint, a sample) is
 * due before it acts.
 */
static bool
pol_direct_ok(const struct sim_machine *m, const struct cpu_info *x)
{
	return x->cur != NULL && m->stop_status < 0 &&
	    m->points < m->checkpoint_points &&
	    pol_eff(m, x) < m->next_sample_ns;
}

/* A CPU that has something to run gets in line with a new action. */
static void
pol_enqueue(struct sim_machine *m, struct cpu_info *ci)
{
	ci->idle = false;
	ci->pend_obj = NULL;
	ci->pend_op = -1;
	set_add(m, ci);
	if (m->policy->pending != NULL)
		m->policy->pending(m, ci);
}

/*
 * Go to x (granted) or, with x NULL or not directly reachable, to the
 * loop, which carries out the decision: from is the coroutine leaving.
 */
static void
pol_switch(struct sim_machine *m, struct sim_coro *from, struct cpu_info *x)
{
	if (x != NULL && pol_direct_ok(m, x)) {
		set_remove(m, x);
		pol_grant(m, x);
		sched_run(m, x);
		if (&x->cur->coro != from)
			sim_coro_switch(from, &x->cur->coro);
	} else {
		m->pol.decided = true;
		m->pol.chosen = x;
		sim_machine_set_running(m, NULL);
		sim_coro_switch(from, &m->sched);
	}
	sched_arrived(m);
}

/* The running CPU r at a turn: it goes on, or gives way. */
static void
pol_turn(struct cpu_info *r, const volatile void *obj, int op)
{
	struct sim_machine *m = r->m;
	struct cpu_info *x;

	r->pend_obj = obj;
	r->pend_op = op;
	if (m->policy->pending != NULL)
		m->policy->pending(m, r);
	x = pol_decide(m, r);
	if (x == r && pol_direct_ok(m, r)) {
		pol_grant(m, r);
		return;
	}
	set_add(m, r);
	pol_switch(m, &r->cur->coro, x);
}

/* The running context gave its CPU up (sim_sched_leave). */
static void
pol_leave(struct sim_machine *m, struct sim_coro *from)
{
	pol_switch(m, from, pol_decide(m, NULL));
}

/* One step of the loop: carry out the decision, or run the next event. */
static enum step
pol_step(struct sim_machine *m)
{
	struct cpu_info *x;
	uint64_t t;
	bool ev;

	if (m->pol.decided) {
		x = m->pol.chosen;
		m->pol.decided = false;
		m->pol.chosen = NULL;
	} else
		x = pol_decide(m, NULL);
	if (x != NULL) {
		machine_sample_until(m, pol_eff(m, x));
		set_remove(m, x);
		pol_grant(m, x);
		/* Granted: the dispatch is part of its turn. */
		if (x->cur == NULL)
			cpu_dispatch(x);
		sched_run(m, x);
		sim_coro_switch(&m->sched, &x->cur->coro);
		KASSERT(m->running == NULL && sim_cur_cpu == NULL);
		sched_arrived(m);
		return STEP_RAN;
	}
	ev = sim_engine_next_time(&m->eng, &t);
	if (m->heap_n == 0 && (!ev || machine_over(m))) {
		if (machine_live(m) > 0)
			machine_deadlock(m);
		return STEP_END;
	}
	if (!ev || t >= m->end_ns) {
		machine_time_cap(m);
		return STEP_END;
	}
	machine_sample_until(m, t);
	sim_engine_step(&m->eng);
	return STEP_RAN;
}

bool
sim_policy_report(const struct sim_machine *m, char *buf, size_t len)
{
	uint64_t skew = 0;
	int n;

	if (m->policy->rank == NULL)
		return false;
	if (!m->pol.on) {
		snprintf(buf, len, "policy %s: the run ended before the policy "
		    "took over (it does once every host has booted)",
		    m->policy->name);
		return true;
	}
	for (u_int i = 0; i < m->ncpus; i++)
		skew += m->cpus[i]->skew_ns;
	n = snprintf(buf, len, "policy %s: %llu decisions, %llu for another "
	    "CPU, %llu held one back; the most a CPU acted ahead of the "
	    "earliest runnable one: %llu ns (skew bound %llu ns); held back "
	    "%llu ns in all", m->policy->name,
	    (unsigned long long)m->pol.decisions,
	    (unsigned long long)m->pol.switches,
	    (unsigned long long)m->pol.overtakes,
	    (unsigned long long)m->pol.lead_max_ns,
	    (unsigned long long)m->pol.skew_ns, (unsigned long long)skew);
	if (m->policy->report != NULL && n >= 0 && (size_t)n < len)
		m->policy->report(m, buf + n, len - (size_t)n);
	return true;
}
