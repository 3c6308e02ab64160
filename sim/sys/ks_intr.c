/*
 * ks_intr.c -- interrupt contexts on the simulated machine: soft
 * interrupts (softint(9)), the CPUs' one-shot timers (intr.h) and their
 * high-resolution timer interrupt, which wakes LWPs in kpause_until.
 *
 * Each CPU has, for each interrupt level in use, one interrupt context: a
 * daemon LWP of that priority that runs the level's pending sources in the
 * order they were posted, then sleeps.  Posting a source makes the context
 * runnable; being of higher priority than threads (and than lower levels),
 * it takes the CPU at the running context's first scheduling point from
 * the posting time on -- or at once on an idle CPU -- unless spl holds it
 * off.  So an interrupt is an LWP like the others, and everything the
 * machine knows about LWPs (points, costs, reports) applies to it.
 *
 * For the exploration build's race detector a handler's run begins by
 * acquiring what was released on its source -- by establishing it,
 * scheduling a softint, arming a timer -- and holds its CPU's level for
 * its run (sim/race/race.c says what holding a level means).
 *
 * Never decides anything by pointer value: queues are FIFO.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sys/ks.h"
#include "sim/sched/machine.h"
#include "stack/sys/intr.h"

/*
 * An interrupt source: a softint handle or a timer.  A post and a run read
 * all of it, with its link for the CPU: at a thousand hosts each was a
 * cold line, and a source with its pending flags and links in three
 * blocks of the hot pool cost three.  So the flags are bits and the
 * links follow the source in its own block (intr_src_alloc): a softint of
 * a host of one or two CPUs is one line, a timer two.
 */
struct sim_isrc {
	struct sim_host *host;
	void (*fn)(void *);
	void *arg;
	struct sim_isrc **next;         /* [ncpu] link in the CPU's queue */
	uint64_t pending;               /* bit c: queued on CPU c */
	u_int level;
	bool dead;                      /* disestablished */
};

/* A CPU timer (the stack's ktimer_t points at one): one line, then links. */
struct sim_ktimer {
	struct sim_isrc src;
	struct cpu_info *ci;
	uint64_t seq;                   /* the armed event, or 0 */
};

CTASSERT(sizeof(struct sim_ktimer) <= 64);

CTASSERT(sizeof(struct sim_ktimer *) <= sizeof(ktimer_t));

static const char *const level_names[SIM_NPRIO] = {
	"thread", "softclock", "softbio", "softnet", "softserial", "intr-vm",
	"intr-sched", "intr-high",
};

static void
intr_ctx_main(void *arg)
{
	struct sim_intr_ctx *ctx = arg;
	struct lwp *l = ctx->l;
	u_int c = l->cpu->index;

	for (;;) {
		struct sim_isrc *src;

		while ((src = ctx->head) != NULL) {
			ctx->head = src->next[c];
			if (ctx->head == NULL)
				ctx->tail = NULL;
			src->next[c] = NULL;
			src->pending &= ~(1ULL << c);
			sim_point(PT_INTR, SIM_COST_call);
			SIM_RACE_HOOK(sim_race_intr_enter(src, ctx->level));
			src->fn(src->arg);
			SIM_RACE_HOOK(sim_race_intr_exit(ctx->level));
			KASSERTMSG(l->cpu->ipl == (int)ctx->level, "%s handler "
			    "returned at spl %d", level_names[ctx->level],
			    l->cpu->ipl);
			if (__predict_false(l->nheld != 0))
				kern_panic(l->held[l->nheld - 1].file,
				    l->held[l->nheld - 1].line, "%s handler "
				    "returned holding %u lock%s, the innermost "
				    "taken here", level_names[ctx->level],
				    l->nheld, l->nheld == 1 ? "" : "s");
		}
		l->wait = WAIT_INTR;
		sim_lwp_sleep(l);
	}
}

/*
 * n zeroed bytes of the host's hot state (the machine's hot pool,
 * kmem_arena.h): interrupt sources are touched by every interrupt, so
 * they lie beside the host's CPUs (which hold the contexts) and LWPs.
 * Freed with the machine.  => NULL with errno
 */
static void *
intr_zalloc(struct sim_host *h, size_t n)
{
	return sim_hot_alloc(&h->m->hot, n);
}

/*
 * ci's interrupt context for level, made on first use.
 * => NULL when the real process has no memory or stack for it: the run is
 *    stopping (sim/sched/exhaust.h); inside a context never returns then
 */
static struct sim_intr_ctx *
intr_ctx(struct cpu_info *ci, u_int level)
{
	struct sim_intr_ctx *ctx = &ci->ictx[level];
	struct sim_host *h = ci->host;
	char name[32];
	u_int id;
	int err;

	if (ctx->l != NULL)
		return ctx;
	KASSERT(level < SIM_NPRIO);
	snprintf(name, sizeof(name), "%s/%u", level_names[level], ci->index);
	id = h->next_lwp_id;
	ctx->l = sim_lwp_alloc(h, ci, intr_ctx_main, ctx, name);
	if (ctx->l == NULL) {
		err = errno;
		sim_lwp_exhausted(h, name, err);
		return NULL;
	}
	/* Not numbered among the programs' LWPs; never counted as live. */
	h->next_lwp_id = id;
	ctx->l->id = 0x10000 + ci->index * SIM_NPRIO + level;
	lwp_set_daemon(ctx->l);
	ctx->l->prio = level;
	ctx->l->ipl = (int)level;
	ctx->l->wait = WAIT_INTR;
	ctx->level = level;
	return ctx;
}

void
sim_intr_post(struct cpu_info *ci, struct sim_isrc *src, uint64_t at)
{
	struct sim_intr_ctx *ctx;
	u_int c = ci->index;

	KASSERT(ci->host == src->host);
	if ((src->pending & (1ULL << c)) != 0 || src->dead)
		return;
	if ((ctx = intr_ctx(ci, src->level)) == NULL)
		return;         /* the run is stopping: out of stacks */
	src->pending |= 1ULL << c;
	src->next[c] = NULL;
	if (ctx->tail != NULL)
		ctx->tail->next[c] = src;
	else
		ctx->head = src;
	ctx->tail = src;
	/*
	 * Only an idle context: one asleep on a mutex its handler wants
	 * (soft interrupts may take adaptive mutexes) is woken by the
	 * mutex, and runs this source after the handler it is in.
	 */
	if (ctx->l->state == LWP_SLEEP && ctx->l->wait == WAIT_INTR)
		sim_lwp_wake(ctx->l, at);
}

/* Take src off ci's queue if it is pending there. */
static void
intr_unpost(struct cpu_info *ci, struct sim_isrc *src)
{
	struct sim_intr_ctx *ctx = &ci->ictx[src->level];
	u_int c = ci->index;
	struct sim_isrc **pp, *prev = NULL;

	if ((src->pending & (1ULL << c)) == 0 || ctx->l == NULL)
		return;
	for (pp = &ctx->head; *pp != NULL; prev = *pp, pp = &(*pp)->next[c]) {
		if (*pp != src)
			continue;
		*pp = src->next[c];
		if (ctx->tail == src)
			ctx->tail = prev;
		src->next[c] = NULL;
		src->pending &= ~(1ULL << c);
		return;
	}
}

/*
 * A zeroed block of size bytes for a source (a struct sim_isrc first, or
 * a struct that begins with one) with its links for h's CPUs after it,
 * in the hot pool.  => the block, or NULL with errno
 */
static void *
intr_src_alloc(struct sim_host *h, size_t size)
{
	struct sim_isrc *src;

	KASSERT(h->ncpu >= 1 && h->ncpu <= 64);        /* pending's bits */
	src = intr_zalloc(h, size + h->ncpu * sizeof(*src->next));
	if (src != NULL)
		src->next = (struct sim_isrc **)(void *)((char *)src + size);
	return src;
}

static void
isrc_init(struct sim_isrc *src, struct sim_host *h, u_int level,
    void (*fn)(void *), void *arg)
{
	src->host = h;
	src->fn = fn;
	src->arg = arg;
	src->level = level;
}

struct sim_isrc *
sim_isrc_new(struct sim_host *h, u_int level, void (*fn)(void *), void *arg)
{
	struct sim_isrc *src = intr_src_alloc(h, sizeof(*src));

	if (src == NULL) {
		sim_host_malloc_failed(h, "interrupt sources", sizeof(*src));
		return NULL;
	}
	isrc_init(src, h, level, fn, arg);
	return src;
}

/*
 * Free every source of a host (machine teardown); nothing runs now.
 * => safe on a host set up only in part (no CPUs yet)
 */
void
sim_intr_fini_host(struct sim_host *h)
{
	/* Their memory goes with the machine's hot pool. */
	for (u_int i = 0; h->cpus != NULL && i < h->ncpu; i++)
		for (u_int lv = 0; lv < SIM_NPRIO; lv++)
			memset(&h->cpus[i].ictx[lv], 0,
			    sizeof(h->cpus[i].ictx[lv]));
}

/* --- softint(9) --------------------------------------------------------------- */

void *
softint_establish(u_int flags, void (*func)(void *), void *arg)
{
	struct sim_isrc *src;
	struct cpu_info *ci;
	u_int level = IPL_SOFTCLOCK + (flags & SOFTINT_LVLMASK);

	sim_point(PT_INTR, SIM_COST_call);
	ci = sim_running_cpu();
	KASSERTMSG(level <= IPL_SOFTSERIAL, "softint_establish: bad level in "
	    "flags %#x", flags);
	src = intr_src_alloc(ci->host, sizeof(*src));
	if (src == NULL) {
		/* In a context: stops the run, never returns. */
		sim_host_malloc_failed(ci->host, "soft interrupts",
		    sizeof(*src));
	}
	KASSERT(src != NULL);
	isrc_init(src, ci->host, level, func, arg);
	SIM_RACE_HOOK(sim_race_release(src));
	return src;
}

void
softint_disestablish(void *cookie)
{
	struct sim_isrc *src = cookie;

	sim_point(PT_INTR, SIM_COST_call);
	KASSERTMSG(src->pending == 0, "softint_disestablish of a pending "
	    "softint");
	src->dead = true;       /* freed with the machine */
}

void
softint_schedule_cpu(void *cookie, struct cpu_info *ci)
{
	struct cpu_info *self;

	sim_point(PT_INTR, SIM_COST_call);
	self = sim_running_cpu();
	KASSERT(ci->host == self->host);
	SIM_RACE_HOOK(sim_race_release(cookie));
	sim_intr_post(ci, cookie, self->clock);
}

void
softint_schedule(void *cookie)
{
	softint_schedule_cpu(cookie, sim_running_cpu());
}

/* --- CPU timers ----------------------------------------------------------------- */

static struct sim_ktimer *
ktimer_state(ktimer_t *kt)
{
	struct sim_ktimer *t = *(struct sim_ktimer **)(void *)kt;

	KASSERTMSG(t != NULL, "ktimer used before ktimer_init");
	return t;
}

void
ktimer_init(ktimer_t *kt, struct cpu_info *ci, void (*fn)(void *), void *arg)
{
	struct sim_ktimer *t;
	struct cpu_info *self;

	sim_point(PT_INTR, SIM_COST_call);
	self = sim_running_cpu();
	if (ci == NULL)
		ci = self;
	KASSERT(ci->host == self->host);
	t = intr_src_alloc(ci->host, sizeof(*t));
	if (t == NULL) {
		/* In a context: stops the run, never returns. */
		sim_host_malloc_failed(ci->host, "CPU timers", sizeof(*t));
	}
	KASSERT(t != NULL);
	isrc_init(&t->src, ci->host, IPL_SCHED, fn, arg);
	t->ci = ci;
	SIM_RACE_HOOK(sim_race_release(&t->src));
	memset(kt, 0, sizeof(*kt));
	*(struct sim_ktimer **)(void *)kt = t;
}

/* An armed timer's event will find nothing to do: it is stale. */
static void
ktimer_cancel(struct sim_ktimer *t)
{
	if (t->seq != 0)
		sim_event_stale(t->ci->m);
	t->seq = 0;
}

static void
ktimer_fire(void *arg)
{
	struct sim_ktimer *t = arg;
	struct sim_machine *m = t->ci->m;

	if (t->seq != sim_engine_cur_seq(&m->eng)) {
		sim_event_stale_ran(m);
		return;         /* re-armed or disarmed since */
	}
	t->seq = 0;
	sim_intr_post(t->ci, &t->src, m->eng.now);
}

void
ktimer_arm(ktimer_t *kt, uint64_t when_ns)
{
	struct sim_ktimer *t = ktimer_state(kt);

	sim_point(PT_INTR, SIM_COST_call);
	intr_unpost(t->ci, &t->src);
	ktimer_cancel(t);
	SIM_RACE_HOOK(sim_race_release(&t->src));
	t->seq = sim_machine_at(t->ci->m, when_ns, ktimer_fire, t);
}

void
ktimer_disarm(ktimer_t *kt)
{
	struct sim_ktimer *t = ktimer_state(kt);

	sim_point(PT_INTR, SIM_COST_call);
	ktimer_cancel(t);
	intr_unpost(t->ci, &t->src);
}

void
ktimer_destroy(ktimer_t *kt)
{
	struct sim_ktimer *t = ktimer_state(kt);

	ktimer_cancel(t);
	intr_unpost(t->ci, &t->src);
	t->src.dead = true;     /* freed with the machine */
	memset(kt, 0, sizeof(*kt));
}

/* --- the high-resolution timer (kpause_until) ------------------------------ */

/*
 * The timer's interrupt handler: wake each LWP whose deadline came, in
 * the order they came, charging this CPU a wakeup for each (the entry
 * was charged as the interrupt's).
 */
static void
hrtimer_intr(void *arg)
{
	struct cpu_info *ci = arg;
	struct lwp *l;

	KASSERT(ci == sim_running_cpu());
	while ((l = sim_lwpq_pop(&ci->hrtimer_due)) != NULL) {
		KASSERT(l->cpu == ci);
		KASSERT(l->state == LWP_SLEEP && l->wait == WAIT_PAUSE);
		sim_lwp_wakeup(ci, l);
	}
}

void
sim_hrtimer_expire(struct lwp *l, uint64_t at)
{
	struct cpu_info *ci = l->cpu;

	KASSERT(l->state == LWP_SLEEP && l->wait_timer_seq == 0);
	if (ci->hrtimer == NULL && (ci->hrtimer = sim_isrc_new(ci->host,
	    IPL_SCHED, hrtimer_intr, ci)) == NULL)
		return;         /* out of memory: the run is stopping */
	sim_lwpq_append(&ci->hrtimer_due, l);
	sim_intr_post(ci, ci->hrtimer, at);
}
