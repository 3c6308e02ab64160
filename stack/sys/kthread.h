/*
 * kthread.h -- kernel threads (NetBSD's kthread(9)).
 *
 * An LWP runs func(arg) on its own stack.  With a cpu_info it is bound to
 * that CPU; with NULL the machine places it on the host's CPUs in turn.
 * Returning from func is kthread_exit(0).  With KTHREAD_MUSTJOIN the LWP
 * lingers after exit until kthread_join collects it.
 */
#ifndef _STACK_SYS_KTHREAD_H_
#define _STACK_SYS_KTHREAD_H_

#include <sys/kern.h>

typedef int pri_t;
#define PRI_NONE        (-1)

#define KTHREAD_MPSAFE  0x01
#define KTHREAD_MUSTJOIN 0x02
#define KTHREAD_DAEMON  0x04    /* netsim: see lwp_set_daemon() */

int	kthread_create(pri_t pri, int flags, struct cpu_info *ci,
	    void (*func)(void *), void *arg, lwp_t **lp, const char *fmt, ...)
	    __printflike(7, 8);
void	kthread_exit(int ecode) __noreturn;
int	kthread_join(lwp_t *l);

/*
 * One pointer per LWP that the machine keeps for the stack and never
 * reads: the stack's struct proc (kern/proc.h).  A thread created by
 * kthread_create starts with its creator's.  Not scheduling points.
 */
void	*lwp_getproc(lwp_t *);
void	lwp_setproc(lwp_t *, void *);

#endif /* _STACK_SYS_KTHREAD_H_ */
