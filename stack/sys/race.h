/*
 * race.h -- what the exploration build's race detector must be told
 * (the Linux and NetBSD kernels' KCSAN annotations, in netsim's terms).
 *
 * In the exploration build (`make explore`, -DKERN_EXPLORE) every load
 * and store of stack code is checked by a happens-before detector in the
 * machine (sim/race/).  It learns the synchronisation of the machine
 * interface by itself -- locks, atomics and their memory orders, spl,
 * interrupts, threads, devices -- and needs telling only what the stack
 * builds on top of it without a machine call:
 *
 *   kern_ctx_enter(obj, fn) / kern_ctx_exit(obj)
 *	the calling LWP runs work on behalf of obj, an execution context of
 *	its own (a continuation's run: kern_kcont.c).  Its accesses are
 *	that context's: two such runs on one LWP are not ordered by the
 *	LWP having run them one after the other, only by what they
 *	synchronise on.  The context's exit happens before a later
 *	kern_hb_acquire(obj).
 *   kern_hb_release(obj) / kern_hb_acquire(obj)
 *	everything before the release happens before everything after a
 *	later acquire of the same obj (TSan's AnnotateHappensBefore/After).
 *   data_race(expr, reason)
 *	expr's accesses are racy by design; they are neither checked nor
 *	remembered.  reason is a string literal saying why that is fine.
 *
 * Everywhere but the exploration build these compile to nothing (and
 * data_race to expr): no call, no scheduling point, no cost.
 */
#ifndef _STACK_SYS_RACE_H_
#define _STACK_SYS_RACE_H_

#include <sys/kern.h>

#if defined(KERN_EXPLORE) && !defined(KERN_NATIVE)

void	kern_race_ctx_enter(const void *obj, const void *fn);
void	kern_race_ctx_exit(const void *obj);
void	kern_race_hb_release(const void *obj);
void	kern_race_hb_acquire(const void *obj);
void	kern_race_ignore(int begin);

#define kern_ctx_enter(obj, fn)	kern_race_ctx_enter((obj), (const void *)(fn))
#define kern_ctx_exit(obj)	kern_race_ctx_exit(obj)
#define kern_hb_release(obj)	kern_race_hb_release(obj)
#define kern_hb_acquire(obj)	kern_race_hb_acquire(obj)
#define data_race(expr, reason) __extension__ ({			\
	__typeof__(expr) data_race_v_;					\
	kern_race_ignore(1 + 0 * sizeof("" reason ""));			\
	data_race_v_ = (expr);						\
	kern_race_ignore(0);						\
	data_race_v_;							\
})

#else

#define kern_ctx_enter(obj, fn)	((void)(obj), (void)(fn))
#define kern_ctx_exit(obj)	((void)(obj))
#define kern_hb_release(obj)	((void)(obj))
#define kern_hb_acquire(obj)	((void)(obj))
#define data_race(expr, reason)	((void)sizeof("" reason ""), (expr))

#endif

#endif /* _STACK_SYS_RACE_H_ */
