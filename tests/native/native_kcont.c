/*
 * native_kcont.c -- what kernel continuations need from the native
 * backend: per-"CPU" roots, soft interrupts run on demand, kernel threads
 * on pthreads.
 *
 * Soft interrupts are not asynchronous here: softint_schedule marks one
 * pending on a CPU and native_softint_run() runs that CPU's pending ones
 * on the calling thread -- enough to measure what scheduling and running
 * a continuation costs on a real core.  There is no clock interrupt:
 * ktimer_arm only records the deadline, so delayed continuations are not
 * run natively (the simulated machine tests them).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/intr.h>
#include <sys/kernvar.h>
#include <sys/kthread.h>
#include <sys/sdt.h>

#include "tests/native/native_kern.h"

#define NATIVE_MAXCPU 64

struct cpu_info {
	u_int index;
	struct cpu_data cd;
	pthread_mutex_t si_lock;
	struct native_si *si_head;      /* pending softints, FIFO */
	struct native_si *si_tail;
};

struct native_si {
	void (*fn)(void *);
	void *arg;
	bool pending[NATIVE_MAXCPU];
	struct native_si *next[NATIVE_MAXCPU];
};

struct native_timer {
	struct cpu_info *ci;
	void (*fn)(void *);
	void *arg;
	uint64_t when;
};
_Static_assert(sizeof(struct native_timer *) <= sizeof(ktimer_t), "fits");

static struct cpu_info native_cpus[NATIVE_MAXCPU];
static struct kern_globals native_globals;
static pthread_once_t native_cpus_once = PTHREAD_ONCE_INIT;
static __thread int native_spl;

static void
native_cpus_init(void)
{
	for (u_int i = 0; i < NATIVE_MAXCPU; i++) {
		native_cpus[i].index = i;
		pthread_mutex_init(&native_cpus[i].si_lock, NULL);
	}
}

struct cpu_info *
cpu_lookup(u_int i)
{
	pthread_once(&native_cpus_once, native_cpus_init);
	return i < kern_ncpu() && i < NATIVE_MAXCPU ? &native_cpus[i] : NULL;
}

struct cpu_info *
curcpu(void)
{
	return cpu_lookup(cpu_number());
}

u_int
cpu_index(const struct cpu_info *ci)
{
	return ci->index;
}

struct kern_globals *
kern_globals(void)
{
	return &native_globals;
}

struct cpu_data *
cpu_data(struct cpu_info *ci)
{
	return &ci->cd;
}

bool
cpu_intr_p(void)
{
	return false;
}

/* Continuation time is the simulated machine's accounting: nothing here. */
void
cpu_kcont_enter(void)
{
}

void
cpu_kcont_exit(void)
{
}

int
splraise(int ipl)
{
	int old = native_spl;

	if (ipl > old)
		native_spl = ipl;
	return old;
}

void
splx(int s)
{
	native_spl = s;
}

void
evcnt_attach_dynamic(struct evcnt *ev, int type, const struct evcnt *parent,
    const char *group, const char *name)
{
	(void)parent;
	ev->ev_type = type;
	ev->ev_group = group;
	ev->ev_name = name;
	ev->ev_cpu = -1;
}

void
evcnt_attach_cpu(struct evcnt *ev, int type, u_int cpu, const char *group,
    const char *name)
{
	evcnt_attach_dynamic(ev, type, NULL, group, name);
	ev->ev_cpu = (int)cpu;
}

void
evcnt_detach(struct evcnt *ev)
{
	(void)ev;
}

void *
softint_establish(u_int flags, void (*func)(void *), void *arg)
{
	struct native_si *si = calloc(1, sizeof(*si));

	(void)flags;
	if (si == NULL)
		abort();
	si->fn = func;
	si->arg = arg;
	return si;
}

void
softint_disestablish(void *cookie)
{
	free(cookie);
}

void
softint_schedule_cpu(void *cookie, struct cpu_info *ci)
{
	struct native_si *si = cookie;
	u_int c = ci->index;

	pthread_mutex_lock(&ci->si_lock);
	if (!si->pending[c]) {
		si->pending[c] = true;
		si->next[c] = NULL;
		if (ci->si_tail != NULL)
			ci->si_tail->next[c] = si;
		else
			ci->si_head = si;
		ci->si_tail = si;
	}
	pthread_mutex_unlock(&ci->si_lock);
}

void
softint_schedule(void *cookie)
{
	softint_schedule_cpu(cookie, curcpu());
}

int
native_softint_run(void)
{
	struct cpu_info *ci = curcpu();
	u_int c = ci->index;
	int n = 0;

	for (;;) {
		struct native_si *si;

		pthread_mutex_lock(&ci->si_lock);
		if ((si = ci->si_head) != NULL) {
			ci->si_head = si->next[c];
			if (ci->si_head == NULL)
				ci->si_tail = NULL;
			si->pending[c] = false;
		}
		pthread_mutex_unlock(&ci->si_lock);
		if (si == NULL)
			return n;
		si->fn(si->arg);
		n++;
	}
}

void
ktimer_init(ktimer_t *kt, struct cpu_info *ci, void (*fn)(void *), void *arg)
{
	struct native_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		abort();
	t->ci = ci;
	t->fn = fn;
	t->arg = arg;
	memset(kt, 0, sizeof(*kt));
	*(struct native_timer **)(void *)kt = t;
}

void
ktimer_arm(ktimer_t *kt, uint64_t when_ns)
{
	(*(struct native_timer **)(void *)kt)->when = when_ns;
}

void
ktimer_disarm(ktimer_t *kt)
{
	(*(struct native_timer **)(void *)kt)->when = 0;
}

void
ktimer_destroy(ktimer_t *kt)
{
	free(*(struct native_timer **)(void *)kt);
}

struct native_thread {
	void (*func)(void *);
	void *arg;
	unsigned cpu;
};

static void *
native_thread_main(void *p)
{
	struct native_thread t = *(struct native_thread *)p;

	free(p);
	native_set_cpu(t.cpu, kern_ncpu());
	t.func(t.arg);
	return NULL;
}

int
kthread_create(pri_t pri, int flags, struct cpu_info *ci,
    void (*func)(void *), void *arg, lwp_t **lp, const char *fmt, ...)
{
	struct native_thread *t = malloc(sizeof(*t));
	pthread_t tid;

	(void)pri; (void)flags; (void)fmt;
	if (t == NULL)
		return ENOMEM;
	t->func = func;
	t->arg = arg;
	t->cpu = ci != NULL ? ci->index : 0;
	if (pthread_create(&tid, NULL, native_thread_main, t) != 0) {
		free(t);
		return ENOMEM;
	}
	pthread_detach(tid);
	if (lp != NULL)
		*lp = NULL;
	return 0;
}

void
kern_sdt_fire(enum sdt_probe_id id, uintptr_t a0, uintptr_t a1, uintptr_t a2,
    uintptr_t a3)
{
	(void)id; (void)a0; (void)a1; (void)a2; (void)a3;
}
