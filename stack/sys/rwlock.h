/*
 * rwlock.h -- reader/writer locks (NetBSD's rwlock(9)).
 *
 * Any number of readers or one writer.  A writer waiting blocks new
 * readers, so writers are not starved; sleepers are woken in arrival order
 * (all the readers at the head of the queue together).  Entering, leaving
 * and trying are scheduling points priced by the lock word's cache line,
 * and pass their call site (the macros below) for the machine's reports.
 */
#ifndef _STACK_SYS_RWLOCK_H_
#define _STACK_SYS_RWLOCK_H_

#include <sys/kern.h>

typedef enum krw_t {
	RW_READER = 0,
	RW_WRITER = 1,
} krw_t;

typedef struct krwlock {
	uint64_t rw_opaque[8];
} __aligned(8) krwlock_t;

void	kern_rw_init(krwlock_t *, const char *file, int line);
void	kern_rw_enter(krwlock_t *, krw_t, const char *file, int line);
bool	kern_rw_tryenter(krwlock_t *, krw_t, const char *file, int line);
void	kern_rw_exit(krwlock_t *, const char *file, int line);
void	rw_destroy(krwlock_t *);
bool	rw_read_held(const krwlock_t *);    /* by anyone, for assertions */
bool	rw_write_held(const krwlock_t *);   /* by the calling LWP */
bool	rw_lock_held(const krwlock_t *);

#define rw_init(rw)             kern_rw_init((rw), __FILE__, __LINE__)
#define rw_enter(rw, op)        kern_rw_enter((rw), (op), __FILE__, __LINE__)
#define rw_tryenter(rw, op) \
	kern_rw_tryenter((rw), (op), __FILE__, __LINE__)
#define rw_exit(rw)             kern_rw_exit((rw), __FILE__, __LINE__)

#endif /* _STACK_SYS_RWLOCK_H_ */
