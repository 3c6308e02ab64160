/*
 * native_test.c -- the failure reports of the native test programs, and
 * the gates their threads wait at (see native_test.h).  Linked into every
 * native program; only the tests call it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/native/native_test.h"

/*
 * Tries of a waiter's operation before it sleeps at the gate: some tens
 * of microseconds, enough for a peer running on another core; longer
 * spinning only burns time the peer may need.  There is no sched_yield()
 * between tries: with other processes' busy loops on the cores, every
 * yield gives one of them a whole time slice (measured: two yields per
 * wait made a stress case run past 200 s).
 */
#define NATIVE_GATE_SPINS       200

static const char *native_test_prog = "test";
static char native_test_cmdline[256];

void
native_test_init(const char *prog, int argc, char **argv)
{
	size_t len = 0;

	native_test_prog = prog;
	for (int i = 0; i < argc && len < sizeof(native_test_cmdline); i++)
		len += (size_t)snprintf(native_test_cmdline + len,
		    sizeof(native_test_cmdline) - len, "%s%s", i ? " " : "",
		    argv[i]);
}

void
native_test_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: FAIL: ", native_test_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nreplay: %s\n", native_test_cmdline);
	exit(1);
}

unsigned long
native_test_number(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: \"%s\" is not a number in %lu..%lu\n",
		    native_test_prog, s, lo, hi);
		exit(2);
	}
	return v;
}

/* A hint to the core that this is a spin loop (less bus traffic). */
static inline void
native_gate_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void
native_gate_init(struct native_gate *g)
{
	memset(g, 0, sizeof(*g));
	CHECK(pthread_mutex_init(&g->m, NULL) == 0 &&
	    pthread_cond_init(&g->c, NULL) == 0, "gate: init failed");
}

void
native_gate_destroy(struct native_gate *g)
{
	CHECK(__atomic_load_n(&g->nwaiters, __ATOMIC_RELAXED) == 0,
	    "gate: destroyed with %u waiters", g->nwaiters);
	pthread_cond_destroy(&g->c);
	pthread_mutex_destroy(&g->m);
}

void
native_gate_wait(struct native_gate *g, bool (*ready)(void *), void *arg)
{
	for (unsigned i = 0; i < NATIVE_GATE_SPINS; i++) {
		if (ready(arg))
			return;
		native_gate_pause();
	}
	pthread_mutex_lock(&g->m);
	/*
	 * Count in before the next try: an opener whose change this try
	 * misses reads nwaiters after this increment and wakes us.
	 */
	__atomic_add_fetch(&g->nwaiters, 1, __ATOMIC_SEQ_CST);
	while (!ready(arg)) {
		g->sleeps++;
		pthread_cond_wait(&g->c, &g->m);
	}
	CHECK(__atomic_sub_fetch(&g->nwaiters, 1, __ATOMIC_SEQ_CST) !=
	    UINT32_MAX, "gate: waiter count went below zero");
	pthread_mutex_unlock(&g->m);
}

void
native_gate_open(struct native_gate *g, bool all)
{
	/*
	 * A read-modify-write, not a load: it orders the caller's change
	 * before this read against the waiter's increment before its try.
	 */
	if (__atomic_fetch_add(&g->nwaiters, 0, __ATOMIC_SEQ_CST) == 0)
		return;
	pthread_mutex_lock(&g->m);
	if (all)
		pthread_cond_broadcast(&g->c);
	else
		pthread_cond_signal(&g->c);
	pthread_mutex_unlock(&g->m);
}
