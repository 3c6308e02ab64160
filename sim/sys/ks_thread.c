/*
 * ks_thread.c -- kthread(9) on the simulated machine: creation, exit and
 * join of kernel threads, kpause, timeouts, and the deadlock report.
 *
 * The LWPs themselves (creation, sleeping, waking, exit) are the
 * scheduler's (sim/sched/lwp.c); this file gives them the stack's API, a
 * scheduling point for every call, and the report of who waits on what
 * when every LWP is blocked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sched/exhaust.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/sys/ks.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/sys/intr.h"

/* --- kthread(9) ------------------------------------------------------------ */

void
sim_lwp_exhausted(struct sim_host *h, const char *name, int err)
{
	struct sim_machine *m = h->m;
	size_t len = sim_coro_map_len(m->stack_size);
	char why[SIM_EXHAUST_WHY_MAX];

	sim_exhaust_why(err, len, why, sizeof(why));
	sim_machine_exhausted(m, "out of LWP stacks: host %s could not get a "
	    "stack for LWP %s (%zu KiB with its guard page) with %zu stacks "
	    "in use: %s", h->sc->name, name, len / 1024, sim_coro_stacks(),
	    why);
}

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
	/*
	 * No stack for it stops the run (exit 2) and never returns here: it
	 * is the real process that ran out, not the simulated kernel, so
	 * the stack must not see an error it would rightly call a bug.
	 */
	l = sim_lwp_create(self->host, ci, func, arg,
	    (flags & KTHREAD_MUSTJOIN) != 0, name);
	if (l == NULL)
		sim_lwp_exhausted(self->host, name, errno);
	KASSERT(l != NULL);
	SIM_RACE_HOOK(sim_race_fork(l));
	if (flags & KTHREAD_DAEMON)
		lwp_set_daemon(l);
	l->proc = self->cur->proc;      /* threads share their process */
	l->flow = self->cur->flow;      /* and belong to its program */
	if (lp != NULL)
		*lp = l;
	return 0;
}

void
kthread_exit(int ecode)
{
	(void)ecode;
	sim_point(PT_THREAD, SIM_COST_call);
	sim_lwp_exit(sim_running_cpu());
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
	SIM_RACE_HOOK(sim_race_join(l));
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

	if (l->state == LWP_FREE ||
	    l->wait_timer_seq != sim_engine_cur_seq(&m->eng)) {
		sim_event_stale_ran(m);
		return;         /* woken otherwise, or gone: a stale timer */
	}
	sim_lwp_timeout_fired(l);
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
	sim_lwp_timeout_armed(l, sim_machine_at(m, ticks_from_now(l->cpu,
	    timo), pause_timeout, l));
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

/*
 * A kpause_until deadline came: the CPU's high-resolution timer goes off
 * (ks_intr.c), and its interrupt wakes l.
 */
static void
pause_until_timeout(void *arg)
{
	struct lwp *l = arg;
	struct sim_machine *m = l->host->m;

	if (l->state == LWP_FREE ||
	    l->wait_timer_seq != sim_engine_cur_seq(&m->eng)) {
		sim_event_stale_ran(m);
		return;         /* gone: a stale timer */
	}
	KASSERT(l->state == LWP_SLEEP && l->wait == WAIT_PAUSE);
	sim_lwp_timeout_fired(l);
	l->wait_result = EWOULDBLOCK;
	sim_hrtimer_expire(l, m->eng.now);
}

int
kpause_until(const char *wmesg, bool intr, uint64_t deadline_ns,
    struct kmutex *mtx)
{
	struct lwp *l;

	(void)intr;
	sim_point(PT_CALL, SIM_COST_call);
	l = kern_curlwp();
	if (deadline_ns <= l->cpu->clock)
		return 0;
	if (mtx != NULL)
		mutex_exit(mtx);
	l->wait = WAIT_PAUSE;
	l->wait_obj = wmesg;
	l->wait_result = 0;
	/* The event never goes back in time: past the clock it is now. */
	sim_lwp_timeout_armed(l, sim_machine_at(l->host->m, deadline_ns,
	    pause_until_timeout, l));
	sim_lwp_sleep(l);
	KASSERT(l->wait_result == EWOULDBLOCK);
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
	fprintf(stderr, "  replay: %s\n", m->replay);
}
