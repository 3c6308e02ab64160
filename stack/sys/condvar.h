/*
 * condvar.h -- condition variables (NetBSD's condvar(9)).
 *
 * Waiters are woken in the order they began to wait: cv_signal wakes the
 * longest waiter, cv_broadcast wakes all of them in that order.  A woken
 * LWP takes the mutex again before cv_wait returns.  Waiting, signalling
 * and broadcasting are scheduling points.
 */
#ifndef _STACK_SYS_CONDVAR_H_
#define _STACK_SYS_CONDVAR_H_

#include <sys/kern.h>
#include <sys/mutex.h>

typedef struct kcondvar {
	uint64_t cv_opaque[8];
} __aligned(8) kcondvar_t;

/* wmesg names the wait in deadlock reports; it must outlive the cv. */
void	cv_init(kcondvar_t *, const char *wmesg);
void	cv_destroy(kcondvar_t *);
void	kern_cv_wait(kcondvar_t *, kmutex_t *, const char *file, int line);
/* Returns 0 when signalled, EWOULDBLOCK when timo ticks passed first. */
int	kern_cv_timedwait(kcondvar_t *, kmutex_t *, int timo,
	    const char *file, int line);
void	cv_signal(kcondvar_t *);
void	cv_broadcast(kcondvar_t *);
bool	cv_has_waiters(kcondvar_t *);

#define cv_wait(cv, m)          kern_cv_wait((cv), (m), __FILE__, __LINE__)
#define cv_wait_sig(cv, m)      (cv_wait((cv), (m)), 0)
#define cv_timedwait(cv, m, t) \
	kern_cv_timedwait((cv), (m), (t), __FILE__, __LINE__)
#define cv_timedwait_sig(cv, m, t) cv_timedwait((cv), (m), (t))

#endif /* _STACK_SYS_CONDVAR_H_ */
