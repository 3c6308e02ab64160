/*
 * lwp.c -- LWPs: creation, sleeping and waking, exit.
 *
 * An LWP is bound to one CPU and runs there as a coroutine.  Sleeping
 * gives the CPU to the next LWP on its run queue (or leaves it idle);
 * waking puts the LWP at the back of its CPU's run queue and, if that CPU
 * was idle, makes its clock jump to the waker's time plus the IPI delay.
 * Run queues and wait queues are FIFO, so who runs next never depends on
 * anything but the order things happened in.  The stack reaches these
 * through kthread(9) and the locks (sim/sys/); nothing here is a
 * scheduling point of its own except an LWP's return from its function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "stack/sys/intr.h"

static void
lwp_entry(void *arg)
{
	struct lwp *l = arg;

	l->func(l->arg);
	/* Returning is exiting, at the price of kthread_exit's call. */
	sim_point(PT_THREAD, SIM_COST_call);
	sim_lwp_exit(l->cpu);
}

static void
host_list_append(struct sim_host *h, struct lwp *l)
{
	l->all_next = NULL;
	l->all_prev = h->all_tail;
	if (h->all_tail != NULL)
		h->all_tail->all_next = l;
	else
		h->all_head = l;
	h->all_tail = l;
}

static void
host_list_remove(struct sim_host *h, struct lwp *l)
{
	if (l->all_prev != NULL)
		l->all_prev->all_next = l->all_next;
	else
		h->all_head = l->all_next;
	if (l->all_next != NULL)
		l->all_next->all_prev = l->all_prev;
	else
		h->all_tail = l->all_prev;
}

/*
 * Append to the CPU's run queue; an idle CPU wakes at time `at`, a busy
 * one is preempted at its first scheduling point from `at` on if l has
 * the higher priority.
 */
static void
lwp_make_runnable(struct lwp *l, uint64_t at)
{
	struct cpu_info *ci = l->cpu;

	l->ready_at = at;
	sim_rq_push(ci, l, false);
	if (ci->idle && ci->m->running != ci)
		sim_cpu_wake_idle(ci, at);
}

struct lwp *
sim_lwp_alloc(struct sim_host *h, struct cpu_info *ci, void (*func)(void *),
    void *arg, const char *name)
{
	struct sim_machine *m = h->m;
	struct lwp *l;
	int err;

	KASSERT(ci == NULL || ci->host == h);
	/* From the host's hot state, kept on its free list when done. */
	if ((l = h->free_lwps) != NULL)
		h->free_lwps = l->link;
	else if ((l = sim_hot_alloc(&m->hot, sizeof(*l))) == NULL)
		return NULL;
	memset(l, 0, sizeof(*l));
	if (sim_coro_create(&l->coro, m->stack_size, lwp_entry, l) != 0) {
		err = errno;
		l->state = LWP_FREE;
		l->link = h->free_lwps;
		h->free_lwps = l;
		errno = err;
		return NULL;
	}
	if (ci == NULL)
		ci = &h->cpus[h->next_cpu++ % h->ncpu];
	l->host = h;
	l->cpu = ci;
	/* Kernel threads started at boot are numbered apart from programs'. */
	l->id = h->booting ? h->next_boot_id++ : h->next_lwp_id++;
	l->func = func;
	l->arg = arg;
	l->state = LWP_SLEEP;
	snprintf(l->name, sizeof(l->name), "%s", name);
	host_list_append(h, l);
	h->live++;
	KASSERT(l->coro.map != NULL);
	return l;
}

struct lwp *
sim_lwp_create(struct sim_host *h, struct cpu_info *ci, void (*func)(void *),
    void *arg, bool mustjoin, const char *name)
{
	struct sim_machine *m = h->m;
	struct cpu_info *self = m->running;
	struct lwp *l;
	uint64_t at;

	if ((l = sim_lwp_alloc(h, ci, func, arg, name)) == NULL)
		return NULL;
	l->mustjoin = mustjoin;
	/* Created by a running LWP: it starts when its creator's clock says. */
	at = self != NULL ? self->clock : m->eng.now;
	if (self != NULL && self != l->cpu)
		at += h->cost[SIM_COST_ipi];
	lwp_make_runnable(l, at);
	return l;
}

void
sim_lwp_free(struct lwp *l)
{
	struct sim_host *h = l->host;

	KASSERT(l->state == LWP_ZOMBIE);
	/* pct demotes the context granted last: never a freed one. */
	if (h->m->pol.last == l)
		h->m->pol.last = NULL;
	host_list_remove(h, l);
	sim_coro_destroy(&l->coro);
	l->state = LWP_FREE;
	l->link = h->free_lwps;
	h->free_lwps = l;
}

/*
 * l's pending timeout goes: fired (the event is running) or made stale
 * (l was woken otherwise; the event will find wait_timer_seq changed).
 */
static void
lwp_timeout_gone(struct lwp *l, bool fired)
{
	struct sim_machine *m = l->host->m;

	KASSERT(l->wait_timer_seq != 0);
	if (!fired)
		sim_event_stale(m);
	if (l->wait_timer_nap) {
		KASSERT(m->naps > 0);
		m->naps--;
		if (!m->naps_recount && l->nap_t <= m->act_t) {
			KASSERT(m->naps_stale > 0);
			m->naps_stale--;
		}
	}
	l->wait_timer_seq = 0;
	l->wait_timer_nap = false;
}

void
sim_lwp_timeout_armed(struct lwp *l, uint64_t seq)
{
	struct sim_machine *m = l->host->m;

	KASSERT(l->wait_timer_seq == 0);
	KASSERT(seq != 0);
	l->wait_timer_seq = seq;
	l->wait_timer_nap = l->daemon;
	if (l->daemon) {
		l->nap_t = l->cpu->clock;
		m->naps++;
		if (!m->naps_recount && l->nap_t <= m->act_t)
			m->naps_stale++;
	}
}

void
sim_lwp_timeout_fired(struct lwp *l)
{
	KASSERT(l->wait_timer_seq == sim_engine_cur_seq(&l->host->m->eng));
	l->nap_woken = l->wait_timer_nap;
	lwp_timeout_gone(l, true);
}

/*
 * The running context of l stops (sleeps or exits).  Unless it was a
 * daemon woken by its nap, this is activity: something happened that
 * every daemon asleep on a nap may want to see, so each gets one more
 * wake-up before the run may end (sim_machine_run).
 */
static void
lwp_stops(struct lwp *l)
{
	struct sim_machine *m = l->host->m;

	if (l->nap_woken) {
		l->nap_woken = false;
		return;
	}
	if (l->cpu->clock > m->act_t) {
		m->act_t = l->cpu->clock;
		m->naps_recount = true;
	}
}

/* The innermost spin mutex l holds (for reports), or NULL. */
static const struct sim_held *
lwp_held_spin(const struct lwp *l)
{
	for (u_int i = l->nheld; i-- > 0;)
		if (l->held[i].kind == SIM_LOCK_SPIN)
			return &l->held[i];
	return NULL;
}

void
sim_lwp_sleep(struct lwp *l)
{
	struct cpu_info *ci = l->cpu;
	const struct sim_held *h;

	KASSERT(ci->cur == l);
	if (__predict_false(l->spin_held != 0) &&
	    (h = lwp_held_spin(l)) != NULL)
		kern_panic(h->file, h->line, "lwp %s sleeps holding a spin "
		    "mutex (taken here)", l->name);
	KASSERTMSG(l->spin_held == 0, "lwp %s sleeps holding a spin mutex",
	    l->name);
	KASSERTMSG(ci->ipl == (int)l->prio, "lwp %s sleeps at spl %d",
	    l->name, ci->ipl);
	KASSERTMSG(l->prio < IPL_VM || l->wait == WAIT_INTR, "lwp %s sleeps "
	    "in a hardware interrupt handler", l->name);
	KASSERTMSG(l->prio == 0 || l->wait == WAIT_INTR ||
	    l->wait == WAIT_MUTEX || l->wait == WAIT_RWLOCK, "lwp %s sleeps "
	    "in a soft interrupt (only waiting for a lock is allowed there)",
	    l->name);
	KASSERTMSG(l->nopreempt == 0, "lwp %s sleeps with preemption "
	    "disabled", l->name);
	if (l->wake_pending) {
		/* Woken between joining a wait queue and getting here. */
		l->wake_pending = false;
		l->wait = WAIT_NONE;
		return;
	}
	lwp_stops(l);
	l->state = LWP_SLEEP;
	l->ipl = ci->ipl;
	sim_cpu_set_ipl(ci, IPL_NONE);
	sim_cpu_account(ci);
	ci->cur = NULL;
	sim_cpu_release(ci);
	sim_sched_leave(ci, &l->coro);
	KASSERT(l->state == LWP_ONCPU);
}

void
sim_lwp_wake(struct lwp *l, uint64_t at)
{
	struct cpu_info *waker = l->host->m->running;

	if (l->wait_timer_seq != 0)
		lwp_timeout_gone(l, false);     /* woken otherwise: stale */
	if (l->state == LWP_ONCPU) {
		/* It queued itself and has not gone to sleep yet. */
		l->wake_pending = true;
		return;
	}
	KASSERT(l->state == LWP_SLEEP);
	l->wait = WAIT_NONE;
	if (waker != NULL && waker != l->cpu)
		at += l->host->cost[SIM_COST_ipi];
	lwp_make_runnable(l, at);
}

void
sim_lwp_wakeup(struct cpu_info *waker, struct lwp *l)
{
	KASSERT(waker == waker->m->running);
	sim_cpu_charge(waker, waker->host->cost[SIM_COST_wakeup]);
	sim_lwp_wake(l, waker->clock);
}

/*
 * The running LWP on ci exits: a zombie until joined (mustjoin) or freed
 * by the scheduler once off its stack.  => never returns
 */
void
sim_lwp_exit(struct cpu_info *ci)
{
	struct lwp *l = ci->cur;

	KASSERT(ci == ci->m->running);
	/* What it holds is held for good: whoever waits for it, forever. */
	if (__predict_false(l->nheld != 0))
		kern_panic(l->held[l->nheld - 1].file,
		    l->held[l->nheld - 1].line, "lwp %s exits holding %u "
		    "lock%s, the innermost taken here", l->name, l->nheld,
		    l->nheld == 1 ? "" : "s");
	KASSERT(l->spin_held == 0);
	KASSERTMSG(ci->ipl == (int)l->prio, "lwp %s exits at spl %d: a "
	    "splraise without its splx", l->name, ci->ipl);
	KASSERT(l->wait_timer_seq == 0);
	lwp_stops(l);
	l->state = LWP_ZOMBIE;
	if (!l->daemon)
		l->host->live--;
	if (l->boot) {
		l->host->booting = false;
		ci->m->hosts_booting--;
	}
	if (l->joiner != NULL)
		sim_lwp_wakeup(ci, l->joiner);
	if (!l->mustjoin)
		ci->m->reap = l;       /* freed once off its stack */
	if (l->host->run_lwp == l)
		/* never compared with another */
		sim_fp_host_run_end(ci->m, l->host);
	sim_cpu_set_ipl(ci, IPL_NONE);
	sim_cpu_account(ci);
	ci->cur = NULL;
	sim_cpu_release(ci);
	sim_machine_set_running(ci->m, NULL);
	sim_coro_exit_to(&l->coro, &ci->m->sched);
}
