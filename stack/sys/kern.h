/*
 * kern.h -- the core of the machine interface: types, assertions, the
 * calling context, virtual time, randomness, the run's log.
 *
 * stack/sys/ is netsim's rumpuser.h: stack code asks the machine for
 * everything through the headers in this folder, and only through them;
 * the simulated machine (sim/sys/) and a small native backend
 * (tests/native/, -DKERN_NATIVE) implement them.  The contract -- who
 * implements what, which calls are scheduling points, the memory model,
 * what the stack provides in return -- and its version are written once,
 * in stack/sys/README.md.
 *
 * Names follow NetBSD where NetBSD has one.
 */
#ifndef _STACK_SYS_KERN_H_
#define _STACK_SYS_KERN_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The version of the machine interface (stack/sys/README.md).  A change
 * a machine must follow bumps it; each machine asserts the version it
 * implements, so it cannot build against another.
 */
#define KERN_IFACE_VERSION      6

typedef unsigned int u_int;
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned long u_long;

typedef struct lwp lwp_t;          /* an execution context that may sleep */
struct cpu_info;                   /* one CPU of the calling host */

#define __unused        __attribute__((__unused__))
#define __noreturn      __attribute__((__noreturn__))
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#define __predict_true(e)  __builtin_expect(!!(e), 1)
#define __predict_false(e) __builtin_expect(!!(e), 0)
#define __aligned(x)    __attribute__((__aligned__(x)))
#define __packed        __attribute__((__packed__))
#define __arraycount(a) (sizeof(a) / sizeof((a)[0]))
#define __CACHE_LINE_SIZE 64
#define __cacheline_aligned __aligned(__CACHE_LINE_SIZE)

#define roundup(x, y)   ((((x) + ((y) - 1)) / (y)) * (y))
#define howmany(x, y)   (((x) + ((y) - 1)) / (y))
#ifndef MIN
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#endif
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/*
 * Error numbers: the host's <errno.h> values (EAGAIN, EMSGSIZE, ENOBUFS,
 * ERESTART, ...).  They never reach the host's libc, so any consistent set
 * would do; sharing the host's keeps sim/ and stack/ in agreement.
 */
#include <errno.h>

/*
 * Assertions and panics stop the whole run with a report that names the
 * seed, virtual time, host, CPU, LWP and file:line; the run exits with
 * status 3.  KASSERT is always compiled in: assertions are documentation
 * that runs.
 */
void	kern_assert_fail(const char *expr, const char *file, int line)
	    __noreturn;
void	kern_panic(const char *file, int line, const char *fmt, ...)
	    __noreturn __printflike(3, 4);

/*
 * The line a report names is the line of the macro's name, whichever
 * compiler built the run.  In a call that spans lines gcc expands
 * __LINE__ to the line of the name and clang to the line of the closing
 * parenthesis, so KASSERT, KASSERTMSG and panic are object-like macros:
 * each takes __LINE__ while it is one token on one line, in a for
 * statement that runs its body once (panic's never ends: the body does
 * not return), and the body is a function-like macro that reads the
 * call's arguments.  So these are statements, never expressions.
 */
#define KERN_AT_LINE_ \
	for (int kern_line_ = __LINE__, kern_once_ = 1; kern_once_; \
	    kern_once_ = 0)
#define KASSERT         KERN_AT_LINE_ KERN_ASSERT_
#define KERN_ASSERT_(e) \
	(__predict_true(e) ? (void)0 : kern_assert_fail(#e, __FILE__, kern_line_))
#define KASSERTMSG      KERN_AT_LINE_ KERN_ASSERTMSG_
#define KERN_ASSERTMSG_(e, ...) \
	(__predict_true(e) ? (void)0 : \
	    kern_panic(__FILE__, kern_line_, __VA_ARGS__))
#define panic           for (int kern_line_ = __LINE__;;) KERN_PANIC_
#define KERN_PANIC_(...) kern_panic(__FILE__, kern_line_, __VA_ARGS__)
#define CTASSERT(e)     _Static_assert(e, #e)

/*
 * The calling context.  cpu_number() is the index of the current CPU within
 * its host (0 .. ncpu-1).  Not scheduling points.
 */
u_int	cpu_number(void);
struct cpu_info *curcpu(void);
lwp_t	*kern_curlwp(void);
u_int	kern_ncpu(void);
int	kern_hz(void);
/*
 * The NetBSD spellings.  The machine's own sources (built with
 * -DKERN_MACHINE_SIDE) use the functions, so their fields may be called
 * hz or ncpu.
 */
#ifndef KERN_MACHINE_SIDE
#define curlwp  kern_curlwp()
#define ncpu    kern_ncpu()
#define hz      kern_hz()
#endif

/* The host's CPU with index i, or NULL past the last. */
struct cpu_info *cpu_lookup(u_int i);
u_int	cpu_index(const struct cpu_info *);

/* A short name of the LWP for reports ("counter.3"). */
const char *lwp_name(const lwp_t *);
/* A stable id of the LWP, unique on its host. */
u_int	lwp_id(const lwp_t *);

/*
 * Virtual time.  getnanouptime() reads the CPU's local clock in
 * nanoseconds since the start of the run; getticks() counts clock ticks
 * (hz per second).  Both are scheduling points.
 */
uint64_t getnanouptime(void);
int	getticks(void);
/* Convert between ticks and milliseconds, rounding up like NetBSD's. */
int	mstohz(int ms);
int	hztoms(int ticks);
/*
 * The timo to give kpause or cv_timedwait to wake at the first clock tick
 * at or after deadline_ns (a scheduling point: it reads the clock).
 * => 0 if the deadline is not in the future (nothing to sleep for); else
 *    at least 1, at most INT32_MAX
 */
int	ticks_until(uint64_t deadline_ns);

/*
 * Random numbers for the stack, from the host's own seeded stream: the same
 * seed gives the same sequence.  Not for cryptography.
 */
uint32_t cprng_fast32(void);
uint64_t cprng_fast64(void);

/*
 * A random stream of the caller's own (a traffic source's arrivals, say),
 * seeded from the run's seed, the host and name: the same draws in every
 * run of the scenario, and none taken from another stream -- the host's
 * cprng_fast* included -- so adding one never perturbs the rest.  The
 * storage is the caller's, its layout the machine's.  Each draw is a
 * scheduling point, priced as a call.
 *   cprng_stream_init: name it (at most 63 bytes count); not a point
 *   cprng_stream64:    a uniform 64-bit draw
 *   cprng_stream_exp:  an exponentially distributed draw of mean `mean`,
 *                      rounded to an integer: the gaps of a Poisson process
 *                      (the simulated machine computes it with the host's
 *                      libm log, the same on every build of a platform)
 */
typedef struct cprng_stream {
	uint64_t cs_opaque[4];
} cprng_stream_t;

void	cprng_stream_init(cprng_stream_t *, const char *name);
uint64_t cprng_stream64(cprng_stream_t *);
uint64_t cprng_stream_exp(cprng_stream_t *, uint64_t mean);

/* An explicit scheduling point: another CPU may run before this returns. */
void	preempt_point(void);

/*
 * Sleep for timo ticks (timo > 0).  Releases mtx (if not NULL) while
 * asleep and takes it again before returning.  wmesg names the wait in
 * deadlock reports.  Returns EWOULDBLOCK when the time has passed.
 */
struct kmutex;
int	kpause(const char *wmesg, bool intr, int timo, struct kmutex *mtx);

/*
 * Sleep until the virtual time deadline_ns (getnanouptime's clock), to
 * the nanosecond: the CPU's one-shot high-resolution timer wakes the
 * caller, not the clock tick -- what a paced sender sleeps on, where
 * kpause would round to ticks and send in bursts.  Releases mtx (if not
 * NULL) while asleep and takes it again before returning; intr and wmesg
 * as for kpause.  The simulated machine charges the caller's CPU what a
 * real one pays: the timer interrupt (cost "intr"), the wakeup it makes
 * ("wakeup") and the switch back to the caller ("ctx_switch"), so on an
 * idle CPU the caller runs their sum after the deadline, every time.
 * => 0 at once, without sleeping, if deadline_ns is not in the future;
 *    else EWOULDBLOCK once the deadline has passed
 */
int	kpause_until(const char *wmesg, bool intr, uint64_t deadline_ns,
	    struct kmutex *mtx);

/*
 * Messages for the run's log, prefixed with virtual time, host, CPU and
 * LWP.  The stack has no other output.
 */
void	kern_printf(const char *fmt, ...) __printflike(1, 2);
void	kern_vprintf(const char *fmt, va_list ap);

/*
 * Mark the calling LWP as a daemon: a daemon blocked forever (a server
 * waiting for requests) does not make a run a deadlock, and one sleeping
 * on a timer (kpause, cv_timedwait) does not keep a run going once the
 * other LWPs are done (README, "When a run ends").
 */
void	lwp_set_daemon(lwp_t *);

#endif /* _STACK_SYS_KERN_H_ */
