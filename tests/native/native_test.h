/*
 * native_test.h -- how a native test program (tests/native/test_*.c)
 * reports: a failed check prints "PROG: FAIL: what failed" and the
 * command line that replays it, and exits 1; a bad number on the command
 * line is a message and exit 2.
 *
 * A threaded run is not deterministic: the replay runs the same workload
 * again, it does not promise the same interleaving.
 *
 * It also gives the threads of a test a place to wait (a gate) when they
 * find nothing to do -- a queue full or empty, an item not given back
 * yet.  Spinning on sched_yield() is not enough there: with more runnable
 * threads than cores (a shared CI machine, other jobs' busy loops) each
 * yield hands the core to another thread for a whole time slice, and
 * producers and consumers that hand items to each other take minutes
 * instead of a second.  A thread at a gate sleeps in the kernel until
 * the thread that changed something opens the gate, and the kernel runs
 * a woken thread promptly.
 */
#ifndef TESTS_NATIVE_NATIVE_TEST_H
#define TESTS_NATIVE_NATIVE_TEST_H

#include <pthread.h>

#include <sys/kern.h>

/* Remember the program's name and its command line, for the reports. */
void	native_test_init(const char *prog, int argc, char **argv);
/* Report a failed check with the replay line; never returns. */
void	native_test_fail(const char *fmt, ...) __printflike(1, 2) __noreturn;
/* s as a decimal number in lo..hi, else a message and exit status 2. */
unsigned long native_test_number(const char *s, unsigned long lo,
	    unsigned long hi);

/*
 * A gate.  The waiter retries its operation (ready) a few times, then
 * under the gate's mutex after counting itself in nwaiters, and sleeps
 * until opened; the opener reads nwaiters after its own change.  Both
 * sides touch nwaiters with a read-modify-write, which orders them: the
 * waiter's retry sees the opener's change, or the opener sees the waiter
 * and wakes it.  No wake-up is lost.
 */
struct native_gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	uint32_t nwaiters;              /* a; changed under m */
	uint64_t sleeps;                /* m: times a waiter slept */
};

void	native_gate_init(struct native_gate *);
void	native_gate_destroy(struct native_gate *);
/*
 * Call ready(arg) until it returns true, sleeping at the gate between
 * tries once a few have failed.
 * => ready must do the operation itself (a put, a get), not only look:
 *    it runs under the gate's mutex, so it must not open this gate.
 */
void	native_gate_wait(struct native_gate *, bool (*ready)(void *),
	    void *arg);
/*
 * After a change a waiter may be waiting for: wake one waiter (every
 * waiter wants the same thing, any one of them can use the change) or,
 * with all, every waiter (the change ends the wait of all, such as "the
 * producers are done").
 */
void	native_gate_open(struct native_gate *, bool all);

#define CHECK(e, ...) do { if (!(e)) native_test_fail(__VA_ARGS__); } while (0)

#endif
