/*
 * mutex.h -- kernel mutexes (NetBSD's mutex(9)).
 *
 * Adaptive mutexes (MUTEX_DEFAULT at IPL_NONE) spin while the owner is
 * running on another CPU and sleep otherwise; spin mutexes (MUTEX_SPIN, or
 * any ipl above IPL_NONE) always spin and are charged per spin.  Sleepers
 * are woken first-come first-served, so the order is deterministic.
 *
 * The lock word is the first word of the kmutex_t: the simulated machine
 * prices each acquire and release by that cache line's owner, like any
 * atomic.  Entering, leaving and trying are scheduling points.
 *
 * The storage is opaque to the stack; each machine lays out its own state
 * in it.  Every call that takes, tries or releases a mutex passes its
 * call site (the macros below), which deadlock, panic and lock-order
 * reports print: a report of a bad release names the line that made it.
 */
#ifndef _STACK_SYS_MUTEX_H_
#define _STACK_SYS_MUTEX_H_

#include <sys/kern.h>
#include <sys/intr.h>

typedef enum kmutex_type_t {
	MUTEX_DEFAULT = 0,
	MUTEX_ADAPTIVE = 1,
	MUTEX_SPIN = 2,
} kmutex_type_t;

typedef struct kmutex {
	uint64_t mtx_opaque[8];
} __aligned(8) kmutex_t;

void	kern_mutex_init(kmutex_t *, kmutex_type_t, int ipl,
	    const char *file, int line);
void	kern_mutex_enter(kmutex_t *, const char *file, int line);
void	kern_mutex_exit(kmutex_t *, const char *file, int line);
bool	kern_mutex_tryenter(kmutex_t *, const char *file, int line);
void	mutex_destroy(kmutex_t *);
/* True if the calling LWP (or CPU, for a spin mutex) holds the mutex. */
bool	mutex_owned(const kmutex_t *);

#define mutex_init(m, type, ipl) \
	kern_mutex_init((m), (type), (ipl), __FILE__, __LINE__)
#define mutex_enter(m)          kern_mutex_enter((m), __FILE__, __LINE__)
#define mutex_exit(m)           kern_mutex_exit((m), __FILE__, __LINE__)
#define mutex_tryenter(m)       kern_mutex_tryenter((m), __FILE__, __LINE__)
#define mutex_spin_enter(m)     mutex_enter(m)
#define mutex_spin_exit(m)      mutex_exit(m)

#endif /* _STACK_SYS_MUTEX_H_ */
