/*
 * native_calibrate.c -- measure, on the real machine, what each entry of
 * the simulator's cost table (sim/sched/cost.h, SIM_COST_LIST) costs, so that
 * the defaults are measured figures rather than guesses.
 *
 * The one idea: every entry is priced by the smallest honest experiment
 * that isolates it, repeated many times, and reported as a median with
 * its spread.  Loops of a cheap operation are timed as a batch and divided;
 * rare, expensive events (a wake-up, a thread creation) are timed one by
 * one.  Two-CPU experiments pin one thread to core 0 and one to core 1;
 * experiments that need one CPU pin both threads to core 0.  A pinning
 * failure is printed as a '#' line and the figure is still measured.
 *
 * Figures (all in ns; `bench calib_<entry>_ns ...` for each cost entry,
 * plus a few calib_x_* lines that the README uses to explain them):
 *
 *	load_hit	dependent load chain on one L1-resident line
 *	store_hit	stores to an owned L1 line (throughput)
 *	load_miss	dependent load chain through lines just written on
 *			the other core (each load a cache-to-cache transfer)
 *	store_miss	a store made visible (a locked op waits for it) to a
 *			line the other core just wrote, less the same on an
 *			owned line; each address depends on the last
 *	rmw_local	lock cmpxchg on an owned line, back to back
 *	rmw_remote	dependent chain of lock cmpxchg on lines the other
 *			core just wrote
 *	membar		lock addq $0,-8(%rsp) (NetBSD's membar_sync), back
 *			to back
 *	spin		one iteration of load-test-pause (median of bursts)
 *	call		an out-of-line call doing a little bookkeeping
 *	ctx_switch	futex hand-off between two threads on one core,
 *			per switch, less the futex system calls
 *	wakeup		FUTEX_WAKE of a sleeper on the same, busy core
 *			(waker side), less one null futex call
 *	ipi		FUTEX_WAKE on core 0 until the sleeper runs on an
 *			idle core 1 (and, as calib_x_ipi_busy, on a core 1
 *			kept busy by an idle-priority spinner)
 *	kmem_alloc/free	malloc/free of 64..512 B from a warm thread cache
 *	lwp_create	pthread_create, as the creator pays it (the child's
 *			first run, and create + run + exit + join, are
 *			calib_x_lwp_first_run and calib_x_lwp_create_join)
 *
 * This is a measurement tool, not stack code: it may use pthreads, raw
 * futexes, inline assembly and the clock.  Nothing it reads ever reaches a
 * simulation; the numbers reach sim/sched/cost.h only by a person copying them
 * (bench/README.md, "Cost table calibration").  The whole run takes a few
 * seconds.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "bench/bench.h"
#include "tests/native/native_kern.h"

#define CALIB_RUNS	31	/* samples of a batched figure */
#define CALIB_WARMUP	3	/* samples thrown away before them */
#define CALIB_EVENTS	301	/* samples of a one-at-a-time figure */
#define CALIB_LINES	256	/* lines in a two-core transfer sample */
#define CALIB_STRIDE	192	/* bytes between them: 3 lines, all L1 sets */
#define CALIB_SAMPLES_MAX 512

#define CALIB_LINE	64
#define CALIB_ALIGNED	__attribute__((aligned(CALIB_LINE)))

/* A word alone on its cache line. */
struct calib_word {
	uint64_t v CALIB_ALIGNED;
	char pad[CALIB_LINE - sizeof(uint64_t)];
};

/* A figure being gathered: its samples, in ns. */
struct calib_fig {
	const char *name;
	double v[CALIB_SAMPLES_MAX];
	int n;
};

static double calib_clock_ns;	/* cost of one bench_now_s(), ns */
static double calib_tsc_per_ns;	/* rdtsc ticks per ns */
static double calib_syscall_ns;	/* one futex call that does nothing */
static double calib_tsc_overhead_;	/* ticks of an empty timed region */

/* ---------------------------------------------------------------- */
/* Small tools: time, pinning, futexes, figures. */

static inline double
calib_now_ns(void)
{
	return bench_now_s() * 1e9;
}

static inline uint64_t
calib_tsc(void)
{
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
}

static double
calib_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_);
	return (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Ticks an empty timed region costs. */
static double
calib_tsc_overhead(void)
{
	double v[CALIB_RUNS];

	for (int i = 0; i < CALIB_RUNS; i++) {
		uint64_t c0 = calib_tsc();

		v[i] = (double)(calib_tsc() - c0);
	}
	return calib_median(v, CALIB_RUNS);
}

static void
calib_fig_add(struct calib_fig *f, double ns)
{
	if (f->n < CALIB_SAMPLES_MAX)
		f->v[f->n++] = ns;
}

static void
calib_fig_print(struct calib_fig *f)
{
	if (f->n == 0) {
		printf("# %s: no valid samples\n", f->name);
		return;
	}
	bench_report(f->name, "ns", f->v, f->n);
}

static void
calib_pin(unsigned core, const char *who)
{
	int err = native_pin(core);

	if (err != 0)
		printf("# calib: pinning %s to core %u failed (%s); "
		    "its figures are unpinned\n", who, core, strerror(err));
}

static long
calib_futex(uint64_t *word, int op, uint32_t val)
{
	/* A futex is 32 bits: the low half of the (little-endian) word. */
	return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

static void
calib_futex_wait(uint64_t *word, uint32_t val)
{
	(void)calib_futex(word, FUTEX_WAIT_PRIVATE, val);
}

static long
calib_futex_wake(uint64_t *word)
{
	return calib_futex(word, FUTEX_WAKE_PRIVATE, 1);
}

static inline uint64_t
calib_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
calib_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Spin until *p == v. */
static void
calib_await(const uint64_t *p, uint64_t v)
{
	while (calib_load(p) != v)
		_mm_pause();
}

/* Busy-wait for about ns nanoseconds. */
static void
calib_busy_ns(double ns)
{
	double end = calib_now_ns() + ns;

	while (calib_now_ns() < end)
		_mm_pause();
}

/* Zeroed memory aligned to align (a power of two), or exit. */
static void *
calib_alloc(size_t align, size_t size)
{
	size_t rounded = (size + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align, rounded);

	if (p == NULL) {
		fprintf(stderr, "calib: out of memory (%zu bytes)\n", rounded);
		exit(1);
	}
	memset(p, 0, rounded);
	return p;
}

static pthread_t
calib_spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, fn, arg);

	if (err != 0) {
		fprintf(stderr, "calib: pthread_create: %s\n", strerror(err));
		exit(1);
	}
	return t;
}

/*
 * Time fn over runs samples after warm-up; each sample returns ns per
 * operation.
 */
static void
calib_batch(const char *name, double (*fn)(void))
{
	struct calib_fig f = { .name = name };

	if (!bench_wanted(name))
		return;
	for (int i = 0; i < CALIB_WARMUP; i++)
		(void)fn();
	for (int i = 0; i < CALIB_RUNS; i++)
		calib_fig_add(&f, fn());
	calib_fig_print(&f);
}

/* ---------------------------------------------------------------- */
/* The clock itself, and one CPU cycle. */

static void
calib_measure_clock(void)
{
	double v[CALIB_RUNS];
	double t0, t1, s0;
	uint64_t c0;

	for (int i = 0; i < CALIB_RUNS; i++) {
		t0 = calib_now_ns();
		for (int k = 0; k < 1000; k++)
			(void)bench_now_s();
		t1 = calib_now_ns();
		v[i] = (t1 - t0) / 1000;
	}
	calib_clock_ns = calib_median(v, CALIB_RUNS);

	/* rdtsc against the clock over 20 ms. */
	s0 = calib_now_ns();
	c0 = calib_tsc();
	calib_busy_ns(20e6);
	calib_tsc_per_ns = (double)(calib_tsc() - c0) / (calib_now_ns() - s0);
	calib_tsc_overhead_ = calib_tsc_overhead();
	printf("# calib: clock read %.1f ns, tsc %.3f GHz\n", calib_clock_ns,
	    calib_tsc_per_ns);
}

#define CALIB_CHAIN_OPS	(1 << 20)

/* A chain of dependent 1-cycle adds: the core's clock period. */
static double
calib_cycle_once(void)
{
	uint64_t x = 0;
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_CHAIN_OPS / 8; i++)
		__asm__ volatile(
		    "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
		    "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
		    : "+r"(x));
	return (calib_now_ns() - t0) / CALIB_CHAIN_OPS;
}

/* ---------------------------------------------------------------- */
/* One CPU, no sharing: load_hit, store_hit, rmw_local, membar, spin, call. */

static struct calib_word calib_own[8];

static double
calib_load_hit_once(void)
{
	void *p = &calib_own[0].v;
	double t0;

	calib_own[0].v = (uint64_t)(uintptr_t)&calib_own[0].v;
	t0 = calib_now_ns();
	for (int i = 0; i < CALIB_CHAIN_OPS / 8; i++)
		__asm__ volatile(
		    "mov (%0), %0\n\tmov (%0), %0\n\tmov (%0), %0\n\t"
		    "mov (%0), %0\n\tmov (%0), %0\n\tmov (%0), %0\n\t"
		    "mov (%0), %0\n\tmov (%0), %0"
		    : "+r"(p) : : "memory");
	return (calib_now_ns() - t0) / CALIB_CHAIN_OPS;
}

static double
calib_store_hit_once(void)
{
	uint64_t *line = &calib_own[1].v;
	double t0 = calib_now_ns();

	for (uint64_t i = 0; i < CALIB_CHAIN_OPS / 8; i++)
		__asm__ volatile(
		    "mov %1, 0(%0)\n\tmov %1, 8(%0)\n\tmov %1, 16(%0)\n\t"
		    "mov %1, 24(%0)\n\tmov %1, 32(%0)\n\tmov %1, 40(%0)\n\t"
		    "mov %1, 48(%0)\n\tmov %1, 56(%0)"
		    : : "r"(line), "r"(i) : "memory");
	return (calib_now_ns() - t0) / CALIB_CHAIN_OPS;
}

#define CALIB_RMW_OPS	(1 << 18)

static double
calib_rmw_local_once(void)
{
	uint64_t *w = &calib_own[2].v;
	uint64_t expect = *w;
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_RMW_OPS; i++) {
		uint64_t e = expect;

		/* lock cmpxchg; always succeeds, each depends on the last. */
		__atomic_compare_exchange_n(w, &e, e + 1, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST);
		expect = e + 1;
	}
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

static double
calib_rmw_xadd_once(void)
{
	uint64_t *w = &calib_own[3].v;
	uint64_t sum = 0;
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_RMW_OPS; i++)
		sum += __atomic_fetch_add(w, sum & 1, __ATOMIC_SEQ_CST);
	__asm__ volatile("" : : "r"(sum));
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

/*
 * NetBSD's membar_sync on amd64 is a locked add of 0 below the stack
 * pointer (common/lib/libc/arch/x86_64/atomic/atomic.S); adding 0 leaves
 * whatever is there unchanged.
 */
static double
calib_membar_once(void)
{
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_RMW_OPS; i++)
		__asm__ volatile("lock addq $0, -8(%%rsp)" : : : "memory", "cc");
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

/* The same after a store, which it must wait for: membar after real work. */
static double
calib_membar_store_once(void)
{
	uint64_t *line = &calib_own[4].v;
	double t0 = calib_now_ns();

	for (uint64_t i = 0; i < CALIB_RMW_OPS; i++)
		__asm__ volatile("mov %1, (%0)\n\tlock addq $0, -8(%%rsp)"
		    : : "r"(line), "r"(i) : "memory", "cc");
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

/* mfence, the other full barrier, for comparison. */
static double
calib_mfence_once(void)
{
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_RMW_OPS / 4; i++)
		__asm__ volatile("mfence\n\tmfence\n\tmfence\n\tmfence"
		    : : : "memory");
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

#define CALIB_SPIN_BURST	64	/* iterations timed together */
#define CALIB_SPIN_BURSTS	201

/*
 * Spin iterations are timed in short bursts and the median burst kept:
 * under KVM a long run of PAUSEs trips the pause-loop exit every few
 * thousand iterations, which is the hypervisor's cost, not the loop's.
 */
static double
calib_spin_once(void)
{
	const uint64_t *flag = &calib_own[5].v;
	double v[CALIB_SPIN_BURSTS], ovh = calib_tsc_overhead_;

	for (int b = 0; b < CALIB_SPIN_BURSTS; b++) {
		uint64_t c0 = calib_tsc();

		/* The flag never changes: every iteration is load, test, pause. */
		for (int n = 0; n < CALIB_SPIN_BURST; n++) {
			if (calib_load(flag) != 0)
				break;
			_mm_pause();
		}
		v[b] = ((double)(calib_tsc() - c0) - ovh) / CALIB_SPIN_BURST /
		    calib_tsc_per_ns;
	}
	return calib_median(v, CALIB_SPIN_BURSTS);
}

/*
 * What a cheap kernel-service call does: count itself, step a
 * generator, return a value the caller uses.  CALIB_OPAQUE keeps the
 * compiler from inlining or specialising it: gcc's noipa; clang has no
 * noipa, and a function kept by "used" counts as address-taken, which
 * stops its interprocedural constant propagation.
 */
#ifdef __clang__
#define CALIB_OPAQUE    __attribute__((noinline, used))
#else
#define CALIB_OPAQUE    __attribute__((noipa))
#endif
struct calib_svc {
	uint64_t calls;
	uint64_t state;
};
static struct calib_svc calib_svc_state = { 0, 0x9e3779b97f4a7c15ULL };

CALIB_OPAQUE static uint64_t
calib_svc_call(struct calib_svc *s, uint64_t arg)
{
	s->calls++;
	s->state ^= s->state << 13;
	s->state ^= s->state >> 7;
	return s->state + arg;
}

static double
calib_call_once(void)
{
	uint64_t x = 0;
	double t0 = calib_now_ns();

	for (int i = 0; i < CALIB_RMW_OPS; i++)
		x = calib_svc_call(&calib_svc_state, x & 1);
	__asm__ volatile("" : : "r"(x));
	return (calib_now_ns() - t0) / CALIB_RMW_OPS;
}

static void
calib_local(void)
{
	calib_batch("calib_x_cycle_ns", calib_cycle_once);
	calib_batch("calib_load_hit_ns", calib_load_hit_once);
	calib_batch("calib_store_hit_ns", calib_store_hit_once);
	calib_batch("calib_rmw_local_ns", calib_rmw_local_once);
	calib_batch("calib_x_rmw_local_xadd_ns", calib_rmw_xadd_once);
	calib_batch("calib_membar_ns", calib_membar_once);
	calib_batch("calib_x_membar_after_store_ns", calib_membar_store_once);
	calib_batch("calib_x_membar_mfence_ns", calib_mfence_once);
	calib_batch("calib_spin_ns", calib_spin_once);
	calib_batch("calib_call_ns", calib_call_once);
}

/* ---------------------------------------------------------------- */
/*
 * Two CPUs, cache-line transfers: a partner on core 1 writes a set of
 * lines (taking them Modified into its cache), then core 0 touches them
 * and times it.  Lines are CALIB_STRIDE apart and visited in a shuffled
 * order, so neither the stride prefetcher nor the adjacent-line one helps.
 */

#define CALIB_STOP	UINT64_MAX

struct calib_xfer {
	struct calib_word cmd;		/* core 0 -> 1: generation to write */
	struct calib_word done;		/* core 1 -> 0: generation written */
	unsigned char *buf;		/* CALIB_LINES lines */
	uint32_t order[CALIB_LINES];	/* the visiting order */
	uint64_t gen;			/* last generation asked for */
};

static uint64_t *
calib_xfer_line(struct calib_xfer *x, uint32_t k)
{
	return (uint64_t *)(void *)(x->buf + (size_t)k * CALIB_STRIDE);
}

static void *
calib_xfer_partner(void *arg)
{
	struct calib_xfer *x = arg;
	uint64_t last = 0, g;

	calib_pin(1, "transfer partner");
	for (;;) {
		while ((g = calib_load(&x->cmd.v)) == last)
			_mm_pause();
		if (g == CALIB_STOP)
			return NULL;
		for (uint32_t k = 0; k < CALIB_LINES; k++)
			__atomic_store_n(&calib_xfer_line(x, k)[1], g,
			    __ATOMIC_RELAXED);
		last = g;
		calib_store(&x->done.v, g);
	}
}

/* Lay out the lines as a chain in a shuffled (fixed-seed) order. */
static void
calib_xfer_init(struct calib_xfer *x)
{
	uint64_t rng = 0x2545f4914f6cdd1dULL;

	x->buf = calib_alloc(4096, (size_t)CALIB_LINES * CALIB_STRIDE);
	for (uint32_t k = 0; k < CALIB_LINES; k++)
		x->order[k] = k;
	for (uint32_t k = CALIB_LINES - 1; k > 0; k--) {
		uint32_t j, t;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		j = (uint32_t)(rng % (k + 1));
		t = x->order[k], x->order[k] = x->order[j], x->order[j] = t;
	}
	for (uint32_t k = 0; k < CALIB_LINES; k++) {
		uint64_t *from = calib_xfer_line(x, x->order[k]);
		uint64_t *to = calib_xfer_line(x,
		    x->order[(k + 1) % CALIB_LINES]);

		from[0] = (uint64_t)(uintptr_t)to;
	}
}

/* Have core 1 write every line; return the generation it wrote. */
static uint64_t
calib_xfer_dirty(struct calib_xfer *x)
{
	uint64_t g = ++x->gen;

	calib_store(&x->cmd.v, g);
	calib_await(&x->done.v, g);
	return g;
}

/* A dependent load through every line: ns per load. */
static double
calib_xfer_chase(struct calib_xfer *x)
{
	void *p = calib_xfer_line(x, x->order[0]);
	double t0 = calib_now_ns();

	for (int k = 0; k < CALIB_LINES; k++)
		__asm__ volatile("mov (%0), %0" : "+r"(p) : : "memory");
	return (calib_now_ns() - t0) / CALIB_LINES;
}

static struct calib_word calib_zero;	/* core 0's own zero word */

/*
 * A store to every line, each made visible before the next line's address
 * is known: after the store, a locked add of 0 to an owned word completes
 * only once the store has been performed, and its result (0) is added into
 * the next address.  ns per line.
 */
static double
calib_xfer_store_chain(struct calib_xfer *x, uint64_t g)
{
	uint64_t *p = calib_xfer_line(x, x->order[0]);
	double t0 = calib_now_ns();

	for (int k = 0; k < CALIB_LINES; k++) {
		uint64_t z = 0;

		__asm__ volatile("mov %[g], 8(%[p])\n\t"
		    "lock xaddq %[z], (%[zero])\n\t"
		    "mov (%[p]), %[p]\n\t"
		    "add %[z], %[p]"
		    : [p] "+r"(p), [z] "+r"(z)
		    : [g] "r"(g), [zero] "r"(&calib_zero.v)
		    : "memory", "cc");
	}
	return (calib_now_ns() - t0) / CALIB_LINES;
}

/*
 * lock cmpxchg on every line, each address the result of the last: the
 * comparison (with 0) fails, which still takes the line exclusive and
 * returns its first word, the next line's address.  ns per line.
 */
static double
calib_xfer_cas_chain(struct calib_xfer *x)
{
	uint64_t p = (uint64_t)(uintptr_t)calib_xfer_line(x, x->order[0]);
	double t0 = calib_now_ns();

	for (int k = 0; k < CALIB_LINES; k++) {
		uint64_t a = 0;

		__asm__ volatile("lock cmpxchgq %[d], (%[p])"
		    : "+a"(a) : [p] "r"(p), [d] "r"((uint64_t)1)
		    : "memory", "cc");
		p = a;
	}
	return (calib_now_ns() - t0) / CALIB_LINES;
}

static void
calib_transfers(void)
{
	static const char *const names[] = { "calib_load_miss_ns",
	    "calib_store_miss_ns", "calib_x_store_miss_raw_ns",
	    "calib_rmw_remote_ns", NULL };
	struct calib_fig ld = { .name = names[0] }, st = { .name = names[1] };
	struct calib_fig raw = { .name = names[2] }, rmw = { .name = names[3] };
	struct calib_xfer *x;
	pthread_t t;

	if (!bench_any_wanted(names))
		return;
	x = calib_alloc(CALIB_LINE, sizeof(*x));
	calib_xfer_init(x);
	t = calib_spawn(calib_xfer_partner, x);
	for (int i = 0; i < CALIB_WARMUP + 101; i++) {
		int keep = i >= CALIB_WARMUP;
		double remote, local;
		uint64_t g;

		(void)calib_xfer_dirty(x);
		if (keep)
			calib_fig_add(&ld, calib_xfer_chase(x));
		g = calib_xfer_dirty(x);
		remote = calib_xfer_store_chain(x, g);
		local = calib_xfer_store_chain(x, g);
		if (keep) {
			calib_fig_add(&raw, remote);
			calib_fig_add(&st, remote - local);
		}
		(void)calib_xfer_dirty(x);
		if (keep)
			calib_fig_add(&rmw, calib_xfer_cas_chain(x));
	}
	calib_store(&x->cmd.v, CALIB_STOP);
	pthread_join(t, NULL);
	for (int i = 0; names[i] != NULL; i++) {
		struct calib_fig *f[] = { &ld, &st, &raw, &rmw };

		if (bench_wanted(names[i]))
			calib_fig_print(f[i]);
	}
	free(x->buf);
	free(x);
}

/*
 * The classic core-to-core ping-pong, for comparison with published
 * figures: one line bounced with compare-and-swap, and two lines each
 * written by one side and read by the other.  One way = round trip / 2.
 */
#define CALIB_PP_ROUNDS	2000

struct calib_pp {
	struct calib_word flag;		/* CAS test: 0 = ping's turn */
	struct calib_word ping;		/* r/w test: core 0 writes */
	struct calib_word pong;		/* r/w test: core 1 writes */
	uint64_t rounds;
};

static void *
calib_pp_partner(void *arg)
{
	struct calib_pp *pp = arg;

	calib_pin(1, "ping-pong partner");
	for (uint64_t r = 0; r < pp->rounds; r++) {
		uint64_t e = 0;

		while (!__atomic_compare_exchange_n(&pp->flag.v, &e, 1, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			e = 0;
	}
	for (uint64_t r = 1; r <= pp->rounds; r++) {
		while (calib_load(&pp->ping.v) != r)
			;
		calib_store(&pp->pong.v, r);
	}
	return NULL;
}

static double
calib_pp_cas(struct calib_pp *pp)
{
	double t0 = calib_now_ns();

	for (int r = 0; r < CALIB_PP_ROUNDS; r++) {
		uint64_t e = 1;

		while (!__atomic_compare_exchange_n(&pp->flag.v, &e, 0, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			e = 1;
	}
	return (calib_now_ns() - t0) / (2.0 * CALIB_PP_ROUNDS);
}

static double
calib_pp_rw(struct calib_pp *pp, uint64_t *r)
{
	double t0 = calib_now_ns();

	for (int k = 0; k < CALIB_PP_ROUNDS; k++) {
		++*r;
		calib_store(&pp->ping.v, *r);
		while (calib_load(&pp->pong.v) != *r)
			;
	}
	return (calib_now_ns() - t0) / (2.0 * CALIB_PP_ROUNDS);
}

/*
 * Say what the one-way transfer time suggests about where the two CPUs
 * are: a hypervisor may place two vCPUs on SMT siblings of one core (a
 * shared L1/L2), on two cores under one L3, or farther apart -- and may
 * move them between runs.
 */
static void
calib_topology_note(double oneway_ns)
{
	const char *where;

	if (oneway_ns < 15)
		where = "SMT siblings of one core (shared L1/L2)";
	else if (oneway_ns < 50)
		where = "two cores sharing an L3";
	else
		where = "cores on different L3s, dies or sockets";
	printf("# calib: core-to-core one way %.1f ns: CPUs 0 and 1 look like "
	    "%s\n", oneway_ns, where);
}

static void
calib_pingpong(void)
{
	static const char *const names[] = { "calib_x_c2c_cas_oneway_ns",
	    "calib_x_c2c_rw_oneway_ns", NULL };
	struct calib_fig cas = { .name = names[0] }, rw = { .name = names[1] };
	const int samples = CALIB_WARMUP + CALIB_RUNS;
	struct calib_pp *pp;
	uint64_t r = 0;
	pthread_t t;

	if (!bench_any_wanted(names))
		return;
	pp = calib_alloc(CALIB_LINE, sizeof(*pp));
	pp->rounds = (uint64_t)samples * CALIB_PP_ROUNDS;
	t = calib_spawn(calib_pp_partner, pp);
	for (int i = 0; i < samples; i++) {
		double v = calib_pp_cas(pp);

		if (i >= CALIB_WARMUP)
			calib_fig_add(&cas, v);
	}
	for (int i = 0; i < samples; i++) {
		double v = calib_pp_rw(pp, &r);

		if (i >= CALIB_WARMUP)
			calib_fig_add(&rw, v);
	}
	pthread_join(t, NULL);
	calib_topology_note(calib_median(cas.v, cas.n));
	if (bench_wanted(names[0]))
		calib_fig_print(&cas);
	if (bench_wanted(names[1]))
		calib_fig_print(&rw);
	free(pp);
}

/* ---------------------------------------------------------------- */
/* The scheduler: system call, context switch, wake-up, IPI. */

static struct calib_word calib_nobody;	/* a futex nobody waits on */

static double
calib_syscall_once(void)
{
	double t0 = calib_now_ns();

	for (int i = 0; i < 20000; i++)
		(void)calib_futex_wake(&calib_nobody.v);
	return (calib_now_ns() - t0) / 20000;
}

/* The calling thread's context switches so far. */
static uint64_t
calib_thread_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

/*
 * Two threads on core 0 hand a turn back and forth through one futex.
 * Each thread counts its own switches (getrusage) and futex calls; the
 * partner publishes its counts per sample.
 */
#define CALIB_CS_ROUNDS	500

struct calib_cs {
	struct calib_word turn;		/* 0: core-0 main's turn; 1: partner's */
	struct calib_word pub;		/* samples the partner has published */
	int samples;
	uint64_t sw[CALIB_WARMUP + CALIB_RUNS];
	uint64_t calls[CALIB_WARMUP + CALIB_RUNS];
};

static void *
calib_cs_partner(void *arg)
{
	struct calib_cs *cs = arg;

	calib_pin(0, "switch partner");
	for (int s = 0; s < cs->samples; s++) {
		uint64_t r0 = calib_thread_switches(), calls = 0;

		for (int i = 0; i < CALIB_CS_ROUNDS; i++) {
			while (calib_load(&cs->turn.v) != 1) {
				calib_futex_wait(&cs->turn.v, 0);
				calls++;
			}
			calib_store(&cs->turn.v, 0);
			(void)calib_futex_wake(&cs->turn.v);
			calls++;
		}
		cs->sw[s] = calib_thread_switches() - r0;
		cs->calls[s] = calls;
		calib_store(&cs->pub.v, (uint64_t)s + 1);
		(void)calib_futex_wake(&cs->pub.v);
	}
	return NULL;
}

/* One sample: ns per switch raw, and less the futex calls made. */
static void
calib_cs_sample(struct calib_cs *cs, int s, double *raw, double *net)
{
	uint64_t r0 = calib_thread_switches(), calls = 0, sw;
	double t0 = calib_now_ns(), ns;

	for (int i = 0; i < CALIB_CS_ROUNDS; i++) {
		calib_store(&cs->turn.v, 1);
		(void)calib_futex_wake(&cs->turn.v);
		calls++;
		while (calib_load(&cs->turn.v) != 0) {
			calib_futex_wait(&cs->turn.v, 1);
			calls++;
		}
	}
	ns = calib_now_ns() - t0;
	sw = calib_thread_switches() - r0;
	while (calib_load(&cs->pub.v) != (uint64_t)s + 1)
		calib_futex_wait(&cs->pub.v, (uint32_t)s);
	sw += cs->sw[s];
	calls += cs->calls[s];
	*raw = ns / (double)sw;
	*net = (ns - (double)calls * calib_syscall_ns) / (double)sw;
}

static void
calib_ctx_switch(void)
{
	static const char *const names[] = { "calib_ctx_switch_ns",
	    "calib_x_ctx_switch_raw_ns", NULL };
	struct calib_fig net = { .name = names[0] }, raw = { .name = names[1] };
	struct calib_cs *cs;
	pthread_t t;

	if (!bench_any_wanted(names))
		return;
	cs = calib_alloc(CALIB_LINE, sizeof(*cs));
	cs->samples = CALIB_WARMUP + CALIB_RUNS;
	t = calib_spawn(calib_cs_partner, cs);
	for (int s = 0; s < cs->samples; s++) {
		double r, n;

		calib_cs_sample(cs, s, &r, &n);
		if (s >= CALIB_WARMUP) {
			calib_fig_add(&raw, r);
			calib_fig_add(&net, n);
		}
	}
	pthread_join(t, NULL);
	if (bench_wanted(names[0]))
		calib_fig_print(&net);
	if (bench_wanted(names[1]))
		calib_fig_print(&raw);
	free(cs);
}

/*
 * A filler keeps a core from going idle without getting in anyone's way:
 * it runs at SCHED_IDLE, so every other thread preempts it, and yields
 * so that another idle-priority thread (the same-core sleeper) runs too.
 */
struct calib_filler {
	struct calib_word stop;
	unsigned core;
	pthread_t thread;
};

static void *
calib_filler_main(void *arg)
{
	struct calib_filler *f = arg;
	struct sched_param sp = { 0 };

	calib_pin(f->core, "filler");
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
		printf("# calib: SCHED_IDLE refused for the filler\n");
	while (calib_load(&f->stop.v) == 0)
		sched_yield();
	return NULL;
}

static struct calib_filler *
calib_filler_start(unsigned core)
{
	struct calib_filler *f = calib_alloc(CALIB_LINE, sizeof(*f));

	f->core = core;
	f->thread = calib_spawn(calib_filler_main, f);
	return f;
}

static void
calib_filler_stop(struct calib_filler *f)
{
	calib_store(&f->stop.v, 1);
	pthread_join(f->thread, NULL);
	free(f);
}

/*
 * A sleeper blocks in FUTEX_WAIT; the waker (main, core 0) wakes it.
 * Same core: the sleeper is SCHED_IDLE so that waking it does not preempt
 * the waker, the waker naps so the sleeper can reach its wait, and a
 * filler keeps the core from idling (an idle vCPU halts, and the waker
 * would time its own return from halt).  Other core: the waker spins
 * idle_ns first so core 1 is idle (or only its filler runs), and the
 * sleeper stamps when it runs again.
 */
struct calib_wk {
	struct calib_word word;		/* the futex: event number */
	struct calib_word ready;	/* sleeper: about to wait for event n */
	struct calib_word ack;		/* sleeper: ran after event n */
	double ran_ns[CALIB_SAMPLES_MAX];
	unsigned core;
	int idle_policy;
	int events;
};

static void *
calib_wk_sleeper(void *arg)
{
	struct calib_wk *w = arg;
	struct sched_param sp = { 0 };

	calib_pin(w->core, "sleeper");
	if (w->idle_policy &&
	    pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
		printf("# calib: SCHED_IDLE refused; same-core wakeup "
		    "may include a switch\n");
	for (int n = 1; n <= w->events; n++) {
		calib_store(&w->ready.v, (uint64_t)n);
		while (calib_load(&w->word.v) < (uint64_t)n)
			calib_futex_wait(&w->word.v, (uint32_t)n - 1);
		w->ran_ns[n - 1] = calib_now_ns();
		calib_store(&w->ack.v, (uint64_t)n);
	}
	return NULL;
}

static struct calib_wk *
calib_wk_start(unsigned core, int idle_policy, int events, pthread_t *t)
{
	struct calib_wk *w = calib_alloc(CALIB_LINE, sizeof(*w));

	w->core = core;
	w->idle_policy = idle_policy;
	w->events = events;
	*t = calib_spawn(calib_wk_sleeper, w);
	return w;
}

/* Wake event n; return ns the FUTEX_WAKE took, or -1 if nobody slept. */
static double
calib_wk_fire(struct calib_wk *w, int n, double *t0)
{
	long woke;
	double t1;

	*t0 = calib_now_ns();
	calib_store(&w->word.v, (uint64_t)n);
	woke = calib_futex_wake(&w->word.v);
	t1 = calib_now_ns();
	return woke == 1 ? t1 - *t0 - calib_clock_ns : -1;
}

static void
calib_wakeup_local(void)
{
	struct calib_fig f = { .name = "calib_wakeup_ns" };
	struct calib_fig raw = { .name = "calib_x_wakeup_raw_ns" };
	const int events = CALIB_EVENTS + 20;
	struct timespec nap = { 0, 20000 };
	struct calib_filler *fill;
	struct calib_wk *w;
	pthread_t t;
	int missed = 0;

	if (!bench_wanted(f.name) && !bench_wanted(raw.name))
		return;
	(void)prctl(PR_SET_TIMERSLACK, 1UL);
	fill = calib_filler_start(0);
	w = calib_wk_start(0, 1, events, &t);
	for (int n = 1; n <= events; n++) {
		double t0, ns;

		do
			nanosleep(&nap, NULL);
		while (calib_load(&w->ready.v) != (uint64_t)n);
		nanosleep(&nap, NULL);
		ns = calib_wk_fire(w, n, &t0);
		if (ns < 0)
			missed++;
		else if (n > 20) {
			calib_fig_add(&raw, ns);
			calib_fig_add(&f, ns - calib_syscall_ns);
		}
		while (calib_load(&w->ack.v) != (uint64_t)n)
			nanosleep(&nap, NULL);
	}
	pthread_join(t, NULL);
	calib_filler_stop(fill);
	if (missed != 0)
		printf("# calib: %d same-core wakes found no sleeper "
		    "(not counted)\n", missed);
	if (bench_wanted(f.name))
		calib_fig_print(&f);
	if (bench_wanted(raw.name))
		calib_fig_print(&raw);
	free(w);
}

/* Cross-core wake after idle_ns; core 1 idle, or busy with a filler. */
static void
calib_wakeup_remote(struct calib_fig *wake, struct calib_fig *ipi,
    int events, double idle_ns, int busy)
{
	struct calib_filler *fill = busy ? calib_filler_start(1) : NULL;
	struct calib_wk *w;
	pthread_t t;
	int missed = 0;

	w = calib_wk_start(1, 0, events, &t);
	for (int n = 1; n <= events; n++) {
		double t0, ns;

		calib_await(&w->ready.v, (uint64_t)n);
		calib_busy_ns(idle_ns);
		ns = calib_wk_fire(w, n, &t0);
		calib_await(&w->ack.v, (uint64_t)n);
		if (ns < 0) {
			missed++;
			continue;
		}
		if (n <= 5)
			continue;
		if (wake != NULL)
			calib_fig_add(wake, ns);
		calib_fig_add(ipi, w->ran_ns[n - 1] - t0 - calib_clock_ns);
	}
	pthread_join(t, NULL);
	if (fill != NULL)
		calib_filler_stop(fill);
	if (missed != 0)
		printf("# calib: %d cross-core wakes found no sleeper "
		    "(not counted)\n", missed);
	free(w);
}

static void
calib_ipi(void)
{
	static const char *const names[] = { "calib_ipi_ns",
	    "calib_x_wakeup_remote_ns", "calib_x_ipi_idle1ms_ns",
	    "calib_x_ipi_busy_ns", "calib_x_wakeup_remote_busy_ns", NULL };
	struct calib_fig f[] = { { .name = names[0] }, { .name = names[1] },
	    { .name = names[2] }, { .name = names[3] }, { .name = names[4] } };

	if (!bench_any_wanted(names))
		return;
	calib_wakeup_remote(&f[1], &f[0], CALIB_EVENTS + 5, 50e3, 0);
	if (bench_wanted(names[2]))
		calib_wakeup_remote(NULL, &f[2], 51 + 5, 1e6, 0);
	if (bench_wanted(names[3]) || bench_wanted(names[4]))
		calib_wakeup_remote(&f[4], &f[3], CALIB_EVENTS + 5, 50e3, 1);
	for (int i = 0; names[i] != NULL; i++)
		if (bench_wanted(names[i]))
			calib_fig_print(&f[i]);
}

/* ---------------------------------------------------------------- */
/* Allocation and thread creation. */

#define CALIB_KMEM_BATCH	16	/* 4 of each size: within glibc tcache */
#define CALIB_KMEM_ROUNDS	2048

static const size_t calib_kmem_sizes[4] = { 64, 128, 256, 512 };

static void
calib_kmem_once(double ovh, double *alloc_ns, double *free_ns)
{
	void *p[CALIB_KMEM_BATCH];
	uint64_t ta = 0, tf = 0;
	double ops = (double)CALIB_KMEM_ROUNDS * CALIB_KMEM_BATCH;

	for (int r = 0; r < CALIB_KMEM_ROUNDS; r++) {
		uint64_t c0, c1, c2;

		c0 = calib_tsc();
		for (int k = 0; k < CALIB_KMEM_BATCH; k++)
			p[k] = malloc(calib_kmem_sizes[k & 3]);
		c1 = calib_tsc();
		for (int k = 0; k < CALIB_KMEM_BATCH; k++) {
			if (p[k] == NULL) {
				fprintf(stderr, "calib: out of memory\n");
				exit(1);
			}
			*(volatile char *)p[k] = (char)k;
		}
		c2 = calib_tsc();
		for (int k = 0; k < CALIB_KMEM_BATCH; k++)
			free(p[k]);
		tf += calib_tsc() - c2;
		ta += c1 - c0;
	}
	*alloc_ns = ((double)ta - CALIB_KMEM_ROUNDS * ovh) / ops /
	    calib_tsc_per_ns;
	*free_ns = ((double)tf - CALIB_KMEM_ROUNDS * ovh) / ops /
	    calib_tsc_per_ns;
}

static void
calib_kmem(void)
{
	static const char *const names[] = { "calib_kmem_alloc_ns",
	    "calib_kmem_free_ns", NULL };
	struct calib_fig fa = { .name = names[0] }, ff = { .name = names[1] };
	double ovh;

	if (!bench_any_wanted(names))
		return;
	ovh = calib_tsc_overhead_;
	for (int i = 0; i < CALIB_WARMUP + CALIB_RUNS; i++) {
		double a, f;

		calib_kmem_once(ovh, &a, &f);
		if (i >= CALIB_WARMUP) {
			calib_fig_add(&fa, a);
			calib_fig_add(&ff, f);
		}
	}
	if (bench_wanted(names[0]))
		calib_fig_print(&fa);
	if (bench_wanted(names[1]))
		calib_fig_print(&ff);
}

static void *
calib_lwp_child(void *arg)
{
	*(double *)arg = calib_now_ns();
	return NULL;
}

/* Creator on core 0; the child inherits core 0. */
static void
calib_lwp_create(void)
{
	static const char *const names[] = { "calib_lwp_create_ns",
	    "calib_x_lwp_first_run_ns", "calib_x_lwp_create_join_ns", NULL };
	struct calib_fig call = { .name = names[0] };
	struct calib_fig run = { .name = names[1] };
	struct calib_fig all = { .name = names[2] };

	if (!bench_any_wanted(names))
		return;
	for (int i = 0; i < 20 + 201; i++) {
		double t0, t1, t2, ran = 0;
		pthread_t t;

		t0 = calib_now_ns();
		t = calib_spawn(calib_lwp_child, &ran);
		t1 = calib_now_ns();
		pthread_join(t, NULL);
		t2 = calib_now_ns();
		if (i < 20)
			continue;
		calib_fig_add(&all, t2 - t0);
		calib_fig_add(&call, t1 - t0);
		calib_fig_add(&run, ran - t0);
	}
	if (bench_wanted(names[0]))
		calib_fig_print(&call);
	if (bench_wanted(names[1]))
		calib_fig_print(&run);
	if (bench_wanted(names[2]))
		calib_fig_print(&all);
}

/* ---------------------------------------------------------------- */

static const char *const calib_all_names[] = {
	"calib_x_cycle_ns", "calib_load_hit_ns", "calib_store_hit_ns",
	"calib_rmw_local_ns", "calib_x_rmw_local_xadd_ns", "calib_membar_ns",
	"calib_x_membar_after_store_ns", "calib_x_membar_mfence_ns",
	"calib_spin_ns", "calib_call_ns", "calib_load_miss_ns",
	"calib_store_miss_ns", "calib_x_store_miss_raw_ns",
	"calib_rmw_remote_ns", "calib_x_c2c_cas_oneway_ns",
	"calib_x_c2c_rw_oneway_ns", "calib_x_syscall_ns",
	"calib_ctx_switch_ns", "calib_x_ctx_switch_raw_ns", "calib_wakeup_ns",
	"calib_x_wakeup_raw_ns",
	"calib_ipi_ns", "calib_x_wakeup_remote_ns", "calib_x_ipi_idle1ms_ns",
	"calib_x_ipi_busy_ns", "calib_x_wakeup_remote_busy_ns",
	"calib_kmem_alloc_ns", "calib_kmem_free_ns", "calib_lwp_create_ns",
	"calib_x_lwp_first_run_ns", "calib_x_lwp_create_join_ns", NULL
};

int
main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double v[CALIB_RUNS];

	bench_init(argc, argv);
	if (!bench_any_wanted(calib_all_names))
		return 0;
	calib_pin(0, "main thread");
	calib_measure_clock();
	for (int i = 0; i < CALIB_RUNS; i++)
		v[i] = calib_syscall_once();
	calib_syscall_ns = calib_median(v, CALIB_RUNS);
	if (bench_wanted("calib_x_syscall_ns"))
		bench_report("calib_x_syscall_ns", "ns", v, CALIB_RUNS);
	calib_local();
	calib_kmem();
	calib_ctx_switch();
	calib_wakeup_local();
	calib_lwp_create();
	if (ncpu < 2) {
		printf("# calib: %ld CPU online; two-core figures skipped\n",
		    ncpu);
		return 0;
	}
	calib_transfers();
	calib_pingpong();
	calib_ipi();
	return 0;
}
