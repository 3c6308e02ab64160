/*
 * kcont.h -- kernel continuations: one object in place of callout(9),
 * softint(9) and workqueue(9).
 *
 * A continuation is a function and its argument, embedded in the object it
 * works for.  Schedule it to run now or after a number of clock ticks; at
 * a soft interrupt level on a CPU (the one it is bound to, or the one that
 * scheduled it) or in a sleepable worker LWP (any worker of the host takes
 * the next item: items are not bound to workers).
 *
 *	kcont_init(&sc->sc_poll, if_poll_kcont, sc, KCONT_SOFTNET);
 *	kcont_bind(&sc->sc_poll, ci);
 *	kcont_schedule(&sc->sc_poll, 0);        now
 *	kcont_schedule(&sc->sc_poll, 1);        at the next tick
 *	kcont_stop(&sc->sc_poll);
 *	kcont_halt(&sc->sc_poll);               stop, wait if it is running
 *	kcont_destroy(&sc->sc_poll);
 *
 * Scheduling never allocates and costs a spin mutex and a few stores: it
 * may be done from any context, hardware interrupt handlers included.  A
 * delayed continuation runs at a tick boundary (now's tick + ticks), as a
 * callout does; the machine's one-shot CPU timer wakes the CPU exactly
 * then, so there is no periodic tick.
 *
 * => Calls to schedule, bind, stop, halt and destroy of one continuation
 *    must be serialized by the caller (normally by the lock of the object
 *    it is embedded in).  They may run while the function itself runs.
 * => The function may schedule its own continuation again; it must not
 *    destroy it.
 * => At a soft interrupt level the function may take adaptive mutexes but
 *    must not sleep otherwise (kpause, cv_wait: a KASSERT); with
 *    KCONT_WORKER it may sleep.
 */
#ifndef _STACK_KERN_KCONT_H_
#define _STACK_KERN_KCONT_H_

#include <sys/kern.h>

/* Where the function runs (kcont_init flags). */
#define KCONT_SOFTCLOCK 0x00    /* soft interrupt, clock level (default) */
#define KCONT_SOFTBIO   0x01
#define KCONT_SOFTNET   0x02
#define KCONT_SOFTSERIAL 0x03
#define KCONT_LVLMASK   0x0f
#define KCONT_WORKER    0x10    /* a sleepable worker LWP */
#define KCONT_NLEVELS   4

/*
 * The storage, embedded in the caller's object.  Fields are private.
 * Legend: c = constant after init, h = the kcont's home lock.
 */
typedef struct kcont {
	void (*kc_func)(void *);        /* c */
	void *kc_arg;                   /* c */
	struct kcont *kc_next;          /* h: ready or worker queue */
	struct kcont *kc_prev;          /* h */
	struct kcont *kc_child;         /* h: timer heap */
	struct kcont *kc_sibling;       /* h */
	struct kcont *kc_parent;        /* h: previous sibling or parent */
	uint64_t kc_when;               /* h: due time of a delayed one, ns */
	uint64_t kc_seq;                /* h: order among equal due times */
	struct cpu_info *kc_bound;      /* h: bound CPU, or NULL */
	struct kmutex *volatile kc_lock; /* the home lock (see kern_kcont.c) */
	struct cpu_info *kc_cpu;        /* h: CPU whose queues hold it */
	volatile uint32_t kc_state;     /* h: KCS_* */
	uint32_t kc_flags;              /* c: KCONT_* */
	uint32_t kc_magic;              /* c */
	uint32_t kc_runner;             /* h: lwp_id + 1 of the context
					   running it (the checks); 0: none */
} kcont_t;

void	kcont_init(kcont_t *, void (*func)(void *), void *arg, u_int flags);
/* Run on ci from now on (NULL: on the CPU that schedules it). */
void	kcont_bind(kcont_t *, struct cpu_info *ci);
/*
 * Run func once, ticks clock ticks from now (0: as soon as possible).  If
 * it was already pending it is moved to the new time.
 * => returns true if it was pending before
 */
bool	kcont_schedule(kcont_t *, int ticks);
/*
 * Cancel a pending run.  Does not wait for a run in progress.
 * => returns true if a pending run was cancelled
 */
bool	kcont_stop(kcont_t *);
/* kcont_stop, then wait until no run is in progress.  May sleep. */
bool	kcont_halt(kcont_t *);
bool	kcont_pending(kcont_t *);
bool	kcont_running(kcont_t *);
/* => neither pending nor running */
void	kcont_destroy(kcont_t *);

/* Set up the per-host and per-CPU queues and the workers (kern_boot). */
void	kcont_sysinit(void);

#endif /* _STACK_KERN_KCONT_H_ */
