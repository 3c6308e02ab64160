/*
 * ks_thread.c -- LWPs on the simulated machine: creation, sleeping and
 * waking, exit and join (kthread.h), kpause, and the deadlock report.
 *
 * An LWP is bound to one CPU and runs there as a coroutine.  Sleeping
 * gives the CPU to the next LWP on its run queue (or leaves it idle);
 * waking puts the LWP at the back of its CPU's run queue and, if that CPU
 * was idle, makes its clock jump to the waker's time plus the IPI delay.
 * Run queues and wait queues are FIFO, so who runs next never depends on
 * anything but the order things happened in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/machine.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/sys/intr.h"
#include "stack/sys/proc.h"

static void
lwp_entry(void *arg)
{
	struct lwp *l = arg;

	l->func(l->arg);
	kthread_exit(0);
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

	if ((l = h->free_lwps) != NULL)
		h->free_lwps = l->link;
	else if ((l = malloc(sizeof(*l))) == NULL)
		return NULL;
	memset(l, 0, sizeof(*l));
	if (sim_coro_create(&l->coro, m->stack_size, lwp_entry, l) != 0) {
		free(l);
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
	host_list_remove(h, l);
	sim_coro_destroy(&l->coro);
	l->state = LWP_FREE;
	l->link = h->free_lwps;
	h->free_lwps = l;
}

void
sim_lwp_sleep(struct lwp *l)
{
	struct cpu_info *ci = l->cpu;

	KASSERT(ci->cur == l);
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
	l->state = LWP_SLEEP;
	l->ipl = ci->ipl;
	ci->ipl = IPL_NONE;
	ci->cur = NULL;
	sim_cpu_release(ci);
	sim_sched_leave(ci, &l->coro);
	KASSERT(l->state == LWP_ONCPU);
}

void
sim_lwp_wake(struct lwp *l, uint64_t at)
{
	struct cpu_info *waker = l->host->m->running;

	l->wait_timer_seq = 0;          /* a pending timeout is now stale */
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

/* --- kthread(9) ------------------------------------------------------------ */

int
kthread_create(pri_t pri, int flags, struct cpu_info *ci,
    void (*func)(void *), void *arg, lwp_t **lp, const char *fmt, ...)
{
	struct cpu_info *self;
	char name[32];
	struct lwp *l;
	va_list ap;

	(void)pri;
	sim_point(PT_THREAD, SIM_COST_lwp_create);
	self = sim_running_cpu();
	KASSERT(ci == NULL || ci->host == self->host);
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	l = sim_lwp_create(self->host, ci, func, arg,
	    (flags & KTHREAD_MUSTJOIN) != 0, name);
	if (l == NULL)
		return ENOMEM;
	if (flags & KTHREAD_DAEMON)
		lwp_set_daemon(l);
	l->proc = self->cur->proc;      /* threads share their process */
	if (lp != NULL)
		*lp = l;
	return 0;
}

void
kthread_exit(int ecode)
{
	struct cpu_info *ci;
	struct lwp *l;

	(void)ecode;
	sim_point(PT_THREAD, SIM_COST_call);
	ci = sim_running_cpu();
	l = ci->cur;
	KASSERT(l->spin_held == 0);
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
	ci->ipl = IPL_NONE;
	ci->cur = NULL;
	sim_cpu_release(ci);
	ci->m->running = NULL;
	sim_coro_exit_to(&l->coro, &ci->m->sched);
}

int
kthread_join(lwp_t *l)
{
	struct lwp *self;

	sim_point(PT_THREAD, SIM_COST_call);
	self = kern_curlwp();
	KASSERT(l->mustjoin);
	KASSERT(l != self);
	KASSERT(l->joiner == NULL);
	if (l->state != LWP_ZOMBIE) {
		l->joiner = self;
		self->wait = WAIT_JOIN;
		self->wait_obj = l;
		sim_lwp_sleep(self);
	}
	KASSERT(l->state == LWP_ZOMBIE);
	sim_lwp_free(l);
	return 0;
}

void *
lwp_getproc(lwp_t *l)
{
	return l->proc;
}

void
lwp_setproc(lwp_t *l, void *p)
{
	l->proc = p;
}

/* --- kpause ------------------------------------------------------------------ */

static void
pause_timeout(void *arg)
{
	struct lwp *l = arg;
	struct sim_machine *m = l->host->m;

	if (l->state == LWP_FREE || l->wait_timer_seq != sim_engine_cur_seq(&m->eng))
		return;         /* woken otherwise, or gone: a stale timer */
	l->wait_result = EWOULDBLOCK;
	sim_sync_cancel_wait(l);
	sim_lwp_wake(l, m->eng.now);
}

/* The time timo ticks from now, on a tick boundary like a callout. */
static uint64_t
ticks_from_now(const struct cpu_info *ci, int timo)
{
	uint64_t tick = ci->host->tick_ns;

	return (ci->clock / tick + (uint64_t)timo) * tick;
}

/* Arm a timeout that wakes l with EWOULDBLOCK timo ticks from now. */
void
sim_lwp_arm_timeout(struct lwp *l, int timo)
{
	struct sim_machine *m = l->host->m;

	KASSERT(timo > 0);
	l->wait_result = 0;
	l->wait_timer_seq = sim_machine_at(m, ticks_from_now(l->cpu, timo),
	    pause_timeout, l);
}

int
kpause(const char *wmesg, bool intr, int timo, struct kmutex *mtx)
{
	struct lwp *l;

	(void)intr;
	sim_point(PT_CALL, SIM_COST_call);
	l = kern_curlwp();
	KASSERT(timo > 0);
	if (mtx != NULL)
		mutex_exit(mtx);
	l->wait = WAIT_PAUSE;
	l->wait_obj = wmesg;
	sim_lwp_arm_timeout(l, timo);
	sim_lwp_sleep(l);
	if (mtx != NULL)
		mutex_enter(mtx);
	return EWOULDBLOCK;
}

/* --- the deadlock report ------------------------------------------------------ */

void
sim_report_deadlock(struct sim_machine *m)
{
	uint64_t t = sim_machine_end_time(m);
	char why[256];

	fprintf(stderr, "netsim: deadlock: every LWP is blocked and nothing is "
	    "pending\n  seed %llu, virtual time %llu ns\n",
	    (unsigned long long)m->seed, (unsigned long long)t);
	for (u_int i = 0; i < m->nhosts; i++) {
		struct sim_host *h = &m->hosts[i];

		for (struct lwp *l = h->all_head; l != NULL; l = l->all_next) {
			if (l->state != LWP_SLEEP || l->daemon)
				continue;
			fprintf(stderr, "  host %s, cpu %u: lwp %s (id %u) %s\n",
			    h->sc->name, l->cpu->index, l->name, l->id,
			    sim_sync_describe(l, why, sizeof(why)));
		}
	}
	fprintf(stderr, "  replay: netsim run %s --seed %llu\n", m->sc->file,
	    (unsigned long long)m->seed);
	sim_machine_stop(m, SIM_EXIT_DEADLOCK, "deadlock at %llu ns: every "
	    "LWP is blocked and nothing is pending", (unsigned long long)t);
}
