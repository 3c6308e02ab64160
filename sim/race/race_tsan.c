/*
 * race_tsan.c -- ThreadSanitizer's compiler interface, routed to netsim's
 * race detector instead of libtsan.
 *
 * gcc and clang with -fsanitize=thread call __tsan_read4(addr) before a
 * 4-byte load, __tsan_write8 before an 8-byte store, __tsan_read_range
 * for an odd-sized copy, and replace every __atomic builtin by
 * __tsan_atomicN_<op>(addr, ..., memory order), which must perform the
 * operation itself (the interface is LLVM's tsan_interface.h and gcc's
 * sanitizer builtins; read there, written here).  Only stack/ is compiled
 * so (Makefile, VARIANT=explore); its calls to libc's memcpy, memset and
 * memmove are renamed to __tsan_memcpy and friends when it is built.
 *
 * Each hook finds the running context and hands the access, with the
 * address of the instruction after the call (its PC, for the report), to
 * the detector; outside any context (the machine building or tearing
 * down a world) it only does what the code asked.  The machine has one
 * real thread, so an "atomic" operation here is the plain operation: it
 * is atomic because nothing else runs, and ordered because its
 * scheduling point (atomic.h's kern_mem_point) came first.
 *
 * Memory orders: an acquire load (or the read of an acquire RMW) takes
 * what was released on the word; a release store sets it, a release RMW
 * adds to it (a release sequence); a relaxed store ends the release
 * sequence -- unless the context passed a release fence, whose clock it
 * then carries -- and a relaxed load remembers what it saw for a later
 * acquire fence.
 */
#include <stdint.h>
#include <string.h>

#include "sim/race/race_impl.h"

/* interleaving.plain_points of the running machine, 0: none. */
uint64_t race_plain_point_ns;

/*
 * Only the exploration build defines the hooks: nothing else calls them,
 * and gcc's sanitizer builtins (declared under -fsanitize=address too)
 * would clash with these definitions' C types.
 */
#ifdef KERN_EXPLORE

#define RACE_PC()       ((uintptr_t)__builtin_return_address(0))

/* --- plain accesses -------------------------------------------------------- */

/*
 * A plain access as a scheduling point of its own (wait for the turn,
 * charge), so another CPU may run between two of them.  Only where it
 * could race: memory the detector shadows; and not while the machine
 * boots, when every price is 0 (a CPU paying for its plain accesses
 * would let one spinning for its lock, paying nothing, run forever).
 */
static void __attribute__((__noinline__))
plain_point(struct sim_race_ctx *x, uintptr_t a)
{
	struct cpu_info *ci = sim_cur->running;

	if (x->cpu != ci || sim_cur->after_boot != NULL ||
	    race_shadow(a) == NULL)
		return;
	sim_cpu_turn_for(ci, PT_PLAIN, (const volatile void *)a);
	sim_cpu_point_count(ci);
	sim_cpu_charge(ci, race_plain_point_ns);
	sim_cpu_maybe_preempt(ci);
}

static inline void
plain(uintptr_t a, unsigned len, unsigned flags, uintptr_t pc)
{
	struct sim_race_ctx *x = race_current();

	if (x == NULL)
		return;
	if (__predict_false(race_plain_point_ns != 0))
		plain_point(x, a);
	race_access(x, a, len, flags, pc);
}

#define RACE_PLAIN(n)                                                   \
void __tsan_read##n(void *);                                            \
void __tsan_write##n(void *);                                           \
void __tsan_unaligned_read##n(void *);                                  \
void __tsan_unaligned_write##n(void *);                                 \
void __tsan_volatile_read##n(void *);                                   \
void __tsan_volatile_write##n(void *);                                  \
void __tsan_read##n(void *a) { plain((uintptr_t)a, n, 0, RACE_PC()); }  \
void __tsan_write##n(void *a)                                           \
{ plain((uintptr_t)a, n, RACE_M_WRITE, RACE_PC()); }                    \
void __tsan_unaligned_read##n(void *a)                                  \
{ plain((uintptr_t)a, n, 0, RACE_PC()); }                               \
void __tsan_unaligned_write##n(void *a)                                 \
{ plain((uintptr_t)a, n, RACE_M_WRITE, RACE_PC()); }                    \
void __tsan_volatile_read##n(void *a)                                   \
{ plain((uintptr_t)a, n, 0, RACE_PC()); }                               \
void __tsan_volatile_write##n(void *a)                                  \
{ plain((uintptr_t)a, n, RACE_M_WRITE, RACE_PC()); }

RACE_PLAIN(1)
RACE_PLAIN(2)
RACE_PLAIN(4)
RACE_PLAIN(8)

/* 16 bytes: two granules' worth. */
void	__tsan_read16(void *);
void	__tsan_write16(void *);
void	__tsan_unaligned_read16(void *);
void	__tsan_unaligned_write16(void *);

static inline void
plain_range(uintptr_t a, size_t len, unsigned flags, uintptr_t pc)
{
	struct sim_race_ctx *x = race_current();

	if (x == NULL || len == 0)
		return;
	if (__predict_false(race_plain_point_ns != 0))
		plain_point(x, a);
	race_access_range(x, a, len, flags, pc);
}

void __tsan_read16(void *a) { plain_range((uintptr_t)a, 16, 0, RACE_PC()); }
void __tsan_write16(void *a)
{ plain_range((uintptr_t)a, 16, RACE_M_WRITE, RACE_PC()); }
void __tsan_unaligned_read16(void *a)
{ plain_range((uintptr_t)a, 16, 0, RACE_PC()); }
void __tsan_unaligned_write16(void *a)
{ plain_range((uintptr_t)a, 16, RACE_M_WRITE, RACE_PC()); }

void	__tsan_read_range(void *, unsigned long);
void	__tsan_write_range(void *, unsigned long);

void
__tsan_read_range(void *a, unsigned long len)
{
	plain_range((uintptr_t)a, len, 0, RACE_PC());
}

void
__tsan_write_range(void *a, unsigned long len)
{
	plain_range((uintptr_t)a, len, RACE_M_WRITE, RACE_PC());
}

/* The copies stack/ calls instead of libc's (renamed by objcopy). */
void	*__tsan_memcpy(void *, const void *, size_t);
void	*__tsan_memmove(void *, const void *, size_t);
void	*__tsan_memset(void *, int, size_t);

void *
__tsan_memcpy(void *dst, const void *src, size_t len)
{
	plain_range((uintptr_t)src, len, 0, RACE_PC());
	plain_range((uintptr_t)dst, len, RACE_M_WRITE, RACE_PC());
	return memcpy(dst, src, len);
}

void *
__tsan_memmove(void *dst, const void *src, size_t len)
{
	plain_range((uintptr_t)src, len, 0, RACE_PC());
	plain_range((uintptr_t)dst, len, RACE_M_WRITE, RACE_PC());
	return memmove(dst, src, len);
}

void *
__tsan_memset(void *dst, int c, size_t len)
{
	plain_range((uintptr_t)dst, len, RACE_M_WRITE, RACE_PC());
	return memset(dst, c, len);
}

/* Not instrumented (Makefile), but a compiler may still call them. */
void	__tsan_init(void);
void	__tsan_func_entry(void *);
void	__tsan_func_exit(void);

void __tsan_init(void) { }
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) { }

/* --- atomics ------------------------------------------------------------------ */

enum { MO_RELAXED, MO_CONSUME, MO_ACQUIRE, MO_RELEASE, MO_ACQ_REL,
       MO_SEQ_CST };

static inline bool
mo_acquires(int mo)
{
	mo &= 0xffff;                   /* gcc's HLE hint bits */
	return mo == MO_CONSUME || mo == MO_ACQUIRE || mo == MO_ACQ_REL ||
	    mo == MO_SEQ_CST;
}

static inline bool
mo_releases(int mo)
{
	mo &= 0xffff;
	return mo == MO_RELEASE || mo == MO_ACQ_REL || mo == MO_SEQ_CST;
}

/* The read side of an atomic on a: acquire, or remember for a fence. */
static void
atomic_read_sync(struct sim_race_ctx *x, uintptr_t a, int mo)
{
	struct race_sync *s = race_sync_get(x->rh, a, false);

	if (s == NULL || s->vc.n == 0)
		return;
	if (mo_acquires(mo))
		race_acquire_sync(x, s);
	else
		race_vc_join(&x->acq_pending, &s->vc);
}

/* The write side: store (a plain store's) or add (an RMW's) a release. */
static void
atomic_write_sync(struct sim_race_ctx *x, uintptr_t a, int mo, bool rmw)
{
	struct race_sync *s;

	if (mo_releases(mo)) {
		race_release_sync(x, race_sync_get(x->rh, a, true), !rmw);
		return;
	}
	s = race_sync_get(x->rh, a, x->rel_fenced);
	if (s == NULL)
		return;
	if (x->rel_fenced) {
		if (rmw)
			race_vc_join(&s->vc, &x->rel_fence);
		else
			race_vc_copy(&s->vc, &x->rel_fence);
		s->version++;
	} else if (!rmw) {
		s->vc.n = 0;    /* a relaxed store ends the release sequence */
	}
}

/* The access itself, checked: atomic, a write for stores and RMWs. */
static inline struct sim_race_ctx *
atomic_begin(const volatile void *a, unsigned len, bool write, uintptr_t pc)
{
	struct sim_race_ctx *x = race_current();

	if (x != NULL)
		race_access(x, (uintptr_t)a, len, RACE_M_ATOMIC |
		    (write ? RACE_M_WRITE : 0), pc);
	return x;
}

#define RACE_ATOMIC(n, T)                                               \
T __tsan_atomic##n##_load(const volatile T *, int);                     \
void __tsan_atomic##n##_store(volatile T *, T, int);                    \
T __tsan_atomic##n##_exchange(volatile T *, T, int);                    \
T __tsan_atomic##n##_fetch_add(volatile T *, T, int);                   \
T __tsan_atomic##n##_fetch_sub(volatile T *, T, int);                   \
T __tsan_atomic##n##_fetch_and(volatile T *, T, int);                   \
T __tsan_atomic##n##_fetch_or(volatile T *, T, int);                    \
T __tsan_atomic##n##_fetch_xor(volatile T *, T, int);                   \
T __tsan_atomic##n##_fetch_nand(volatile T *, T, int);                  \
int __tsan_atomic##n##_compare_exchange_strong(volatile T *, T *, T,    \
    int, int);                                                          \
int __tsan_atomic##n##_compare_exchange_weak(volatile T *, T *, T,      \
    int, int);                                                          \
T __tsan_atomic##n##_compare_exchange_val(volatile T *, T, T, int, int);\
                                                                        \
T                                                                       \
__tsan_atomic##n##_load(const volatile T *a, int mo)                    \
{                                                                       \
	struct sim_race_ctx *x = atomic_begin(a, sizeof(T), false,      \
	    RACE_PC());                                                 \
                                                                        \
	if (x != NULL)                                                  \
		atomic_read_sync(x, (uintptr_t)a, mo);                  \
	return *a;                                                      \
}                                                                       \
                                                                        \
void                                                                    \
__tsan_atomic##n##_store(volatile T *a, T v, int mo)                    \
{                                                                       \
	struct sim_race_ctx *x = atomic_begin(a, sizeof(T), true,       \
	    RACE_PC());                                                 \
                                                                        \
	if (x != NULL)                                                  \
		atomic_write_sync(x, (uintptr_t)a, mo, false);          \
	*a = v;                                                         \
}                                                                       \
                                                                        \
static inline T                                                         \
rmw##n(volatile T *a, T v, int mo, int op, uintptr_t pc)                \
{                                                                       \
	struct sim_race_ctx *x = atomic_begin(a, sizeof(T), true, pc);  \
	T old = *a;                                                     \
                                                                        \
	if (x != NULL) {                                                \
		atomic_read_sync(x, (uintptr_t)a, mo);                  \
		atomic_write_sync(x, (uintptr_t)a, mo, true);           \
	}                                                               \
	switch (op) {                                                   \
	case 0: *a = v; break;                                          \
	case 1: *a = (T)(old + v); break;                               \
	case 2: *a = (T)(old - v); break;                               \
	case 3: *a = (T)(old & v); break;                               \
	case 4: *a = (T)(old | v); break;                               \
	case 5: *a = (T)(old ^ v); break;                               \
	default: *a = (T)~(old & v); break;                             \
	}                                                               \
	return old;                                                     \
}                                                                       \
                                                                        \
T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo)               \
{ return rmw##n(a, v, mo, 0, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_add(volatile T *a, T v, int mo)              \
{ return rmw##n(a, v, mo, 1, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_sub(volatile T *a, T v, int mo)              \
{ return rmw##n(a, v, mo, 2, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_and(volatile T *a, T v, int mo)              \
{ return rmw##n(a, v, mo, 3, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_or(volatile T *a, T v, int mo)               \
{ return rmw##n(a, v, mo, 4, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_xor(volatile T *a, T v, int mo)              \
{ return rmw##n(a, v, mo, 5, RACE_PC()); }                              \
T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo)             \
{ return rmw##n(a, v, mo, 6, RACE_PC()); }                              \
                                                                        \
/* A CAS that fails is a load with the failure order. */               \
static inline int                                                       \
cas##n(volatile T *a, T *c, T v, int mo, int fmo, uintptr_t pc)         \
{                                                                       \
	T old = *a;                                                     \
	bool ok = old == *c;                                            \
	struct sim_race_ctx *x = atomic_begin(a, sizeof(T), ok, pc);    \
                                                                        \
	if (x != NULL) {                                                \
		atomic_read_sync(x, (uintptr_t)a, ok ? mo : fmo);       \
		if (ok)                                                 \
			atomic_write_sync(x, (uintptr_t)a, mo, true);   \
	}                                                               \
	if (ok)                                                         \
		*a = v;                                                 \
	else                                                            \
		*c = old;                                               \
	return ok;                                                      \
}                                                                       \
                                                                        \
int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c,     \
    T v, int mo, int fmo)                                               \
{ return cas##n(a, c, v, mo, fmo, RACE_PC()); }                         \
int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c,       \
    T v, int mo, int fmo)                                               \
{ return cas##n(a, c, v, mo, fmo, RACE_PC()); }                         \
T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v,      \
    int mo, int fmo)                                                    \
{                                                                       \
	(void)cas##n(a, &c, v, mo, fmo, RACE_PC());                     \
	return c;                                                       \
}

RACE_ATOMIC(8, uint8_t)
RACE_ATOMIC(16, uint16_t)
RACE_ATOMIC(32, uint32_t)
RACE_ATOMIC(64, uint64_t)

void	__tsan_atomic_thread_fence(int mo);
void	__tsan_atomic_signal_fence(int mo);

/*
 * An acquire fence takes what the relaxed loads before it saw; a release
 * fence lets the relaxed stores after it carry the clock it had.
 */
void
__tsan_atomic_thread_fence(int mo)
{
	struct sim_race_ctx *x = race_current();

	if (x == NULL)
		return;
	if (mo_acquires(mo) && x->acq_pending.n != 0)
		race_vc_join(&x->vc, &x->acq_pending);
	if (mo_releases(mo)) {
		race_vc_copy(&x->rel_fence, &x->vc);
		x->rel_fenced = true;
		race_tick(x);
	}
}

void
__tsan_atomic_signal_fence(int mo)
{
	(void)mo;
}

#endif /* KERN_EXPLORE */
