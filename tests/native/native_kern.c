/*
 * native_kern.c -- the kernel-services interface on real threads.
 *
 * The second, small implementation of stack/sys/ (DESIGN.md section 2):
 * C11 atomics come from atomic.h itself under -DKERN_NATIVE; this file
 * supplies the few calls the lockless library code needs -- assertions,
 * allocation, mutexes and condition variables on pthreads, the calling
 * thread's CPU number -- so pcq, the atomic queue and ptree run unchanged
 * on real cores and under ThreadSanitizer.  It is never linked into
 * bin/netsim.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/condvar.h>

#include "tests/native/native_kern.h"

/* The machine interface this backend implements (stack/sys/README.md). */
_Static_assert(KERN_IFACE_VERSION == 6, "the machine interface changed "
    "(stack/sys/README.md): implement it here, then say so");

struct native_mutex {
	pthread_mutex_t m;
	pthread_t owner;
	int owned;
};
struct native_cv {
	pthread_cond_t c;
	const char *wmesg;
};
_Static_assert(sizeof(struct native_mutex) <= sizeof(kmutex_t), "mutex fits");
_Static_assert(sizeof(struct native_cv) <= sizeof(kcondvar_t), "cv fits");

/* A thread is an LWP: what the library's contract checks ask of one. */
struct lwp {
	u_int id;                       /* from 1; 0: not yet numbered */
	char name[16];
};

static __thread struct lwp native_lwp;
static u_int native_lwp_ids;
static __thread unsigned native_cpu;
static __thread uint64_t native_rng = 0x9e3779b97f4a7c15ULL;
static unsigned native_ncpu = 1;
static uint64_t native_allocs;

void
native_set_cpu(unsigned cpu, unsigned ncpus)
{
	native_cpu = cpu;
	native_ncpu = ncpus;
	native_rng ^= (uint64_t)(cpu + 1) * 0xbf58476d1ce4e5b9ULL;
}

uint64_t
native_kmem_allocs(void)
{
	return __atomic_load_n(&native_allocs, __ATOMIC_RELAXED);
}

int
native_pin(unsigned core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void
kern_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "native: assertion \"%s\" failed at %s:%d\n",
	    expr, file, line);
	abort();
}

void
kern_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "native: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

u_int
cpu_number(void)
{
	return native_cpu;
}

lwp_t *
kern_curlwp(void)
{
	struct lwp *l = &native_lwp;

	if (l->id == 0) {
		l->id = __atomic_add_fetch(&native_lwp_ids, 1, __ATOMIC_RELAXED);
		snprintf(l->name, sizeof(l->name), "thread.%u", l->id);
	}
	return l;
}

u_int
lwp_id(const lwp_t *l)
{
	return l->id;
}

const char *
lwp_name(const lwp_t *l)
{
	return l->name;
}

u_int
kern_ncpu(void)
{
	return native_ncpu;
}

int
kern_hz(void)
{
	return 1000;
}

uint64_t
getnanouptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC to the nanosecond, as getnanouptime reads it. */
int
kpause_until(const char *wmesg, bool intr, uint64_t deadline_ns,
    kmutex_t *mtx)
{
	struct timespec ts;

	(void)wmesg;
	(void)intr;
	if (deadline_ns <= getnanouptime())
		return 0;
	if (mtx != NULL)
		mutex_exit(mtx);
	ts.tv_sec = (time_t)(deadline_ns / 1000000000ULL);
	ts.tv_nsec = (long)(deadline_ns % 1000000000ULL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		continue;       /* a signal: sleep on to the deadline */
	if (mtx != NULL)
		mutex_enter(mtx);
	return EWOULDBLOCK;
}

uint64_t
cprng_fast64(void)
{
	/* xorshift64*, per thread: plenty for test data. */
	native_rng ^= native_rng >> 12;
	native_rng ^= native_rng << 25;
	native_rng ^= native_rng >> 27;
	return native_rng * 0x2545f4914f6cdd1dULL;
}

uint32_t
cprng_fast32(void)
{
	return (uint32_t)(cprng_fast64() >> 32);
}

/* A named stream: splitmix64 over the name's FNV-1a hash; plenty for tests. */
void
cprng_stream_init(cprng_stream_t *cs, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *c = name; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	memset(cs, 0, sizeof(*cs));
	cs->cs_opaque[0] = h;
}

uint64_t
cprng_stream64(cprng_stream_t *cs)
{
	uint64_t z = (cs->cs_opaque[0] += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
cprng_stream_exp(cprng_stream_t *cs, uint64_t mean)
{
	double u = (double)(cprng_stream64(cs) >> 11) * 0x1.0p-53;

	return (uint64_t)llround(-(double)mean * log(1.0 - u));
}

void
preempt_point(void)
{
}

void
kern_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void *
kmem_alloc(size_t size, km_flag_t flags)
{
	void *p;

	(void)flags;
	__atomic_add_fetch(&native_allocs, 1, __ATOMIC_RELAXED);
	p = malloc(size ? size : 1);
	if (p == NULL)
		kern_panic(__FILE__, __LINE__, "out of memory");
	return p;
}

void *
kmem_zalloc(size_t size, km_flag_t flags)
{
	void *p = kmem_alloc(size, flags);

	memset(p, 0, size);
	return p;
}

void
kmem_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

void
kern_mutex_init(kmutex_t *mtx, kmutex_type_t type, int ipl,
    const char *file, int line)
{
	struct native_mutex *m = (struct native_mutex *)mtx;

	(void)type; (void)ipl; (void)file; (void)line;
	memset(mtx, 0, sizeof(*mtx));
	pthread_mutex_init(&m->m, NULL);
}

void
kern_mutex_enter(kmutex_t *mtx, const char *file, int line)
{
	struct native_mutex *m = (struct native_mutex *)mtx;

	(void)file; (void)line;
	pthread_mutex_lock(&m->m);
	m->owner = pthread_self();
	m->owned = 1;
}

bool
kern_mutex_tryenter(kmutex_t *mtx, const char *file, int line)
{
	struct native_mutex *m = (struct native_mutex *)mtx;

	(void)file; (void)line;
	if (pthread_mutex_trylock(&m->m) != 0)
		return false;
	m->owner = pthread_self();
	m->owned = 1;
	return true;
}

void
kern_mutex_exit(kmutex_t *mtx, const char *file, int line)
{
	struct native_mutex *m = (struct native_mutex *)mtx;

	if (!mutex_owned(mtx))
		kern_panic(file, line, "mutex_exit of a mutex not held");
	m->owned = 0;
	pthread_mutex_unlock(&m->m);
}

bool
mutex_owned(const kmutex_t *mtx)
{
	const struct native_mutex *m = (const struct native_mutex *)mtx;

	/* Only meaningful for the owner asking, as in NetBSD. */
	return m->owned && pthread_equal(m->owner, pthread_self());
}

void
mutex_destroy(kmutex_t *mtx)
{
	pthread_mutex_destroy(&((struct native_mutex *)mtx)->m);
}

void
cv_init(kcondvar_t *cv, const char *wmesg)
{
	struct native_cv *c = (struct native_cv *)cv;

	memset(cv, 0, sizeof(*cv));
	pthread_cond_init(&c->c, NULL);
	c->wmesg = wmesg;
}

void
cv_destroy(kcondvar_t *cv)
{
	pthread_cond_destroy(&((struct native_cv *)cv)->c);
}

void
kern_cv_wait(kcondvar_t *cv, kmutex_t *mtx, const char *file, int line)
{
	struct native_mutex *m = (struct native_mutex *)mtx;

	(void)file; (void)line;
	m->owned = 0;
	pthread_cond_wait(&((struct native_cv *)cv)->c, &m->m);
	m->owner = pthread_self();
	m->owned = 1;
}

void
cv_signal(kcondvar_t *cv)
{
	pthread_cond_signal(&((struct native_cv *)cv)->c);
}

void
cv_broadcast(kcondvar_t *cv)
{
	pthread_cond_broadcast(&((struct native_cv *)cv)->c);
}
