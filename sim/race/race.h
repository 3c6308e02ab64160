/*
 * race.h -- the exploration build's data-race detector: what the rest of
 * sim/ tells it.
 *
 * In the exploration build (make explore, -DKERN_EXPLORE) stack/ is
 * compiled with -fsanitize=thread, and the compiler's hooks (__tsan_read4,
 * __tsan_atomic64_compare_exchange_strong, ...; race_tsan.c) come here
 * instead of to libtsan.  Every load and store of stack code is checked
 * against the earlier accesses to the same bytes: two accesses of
 * different contexts, at least one a write and not both atomic, that no
 * chain of synchronisation orders are a data race (FastTrack's vector
 * clocks with epochs, Flanagan and Freund, PLDI 2009; shadow cells as in
 * ThreadSanitizer).  The synchronisation is the machine's own: this
 * header is the list of it, and the kernel-services implementation
 * (sim/sys/) calls one hook at each place it happens.
 *
 * Contexts are the LWPs (interrupt contexts are LWPs too), a
 * continuation's runs (stack/sys/race.h) and the devices, whose DMA into
 * host memory is checked like a CPU's stores.  Vector clocks and shadow
 * are per host: hosts share no memory.
 *
 * In every other build SIM_RACE is 0 and each hook, written
 * SIM_RACE_HOOK(sim_race_x(...)), compiles to nothing: the release
 * build's machine is the same code as before, with no cost.  The
 * detector only observes: it never changes what runs when, so the
 * exploration build gives the release build's fingerprints -- unless a
 * race stops the run, or the scenario asks for plain accesses to be
 * scheduling points (interleaving.plain_points).
 */
#ifndef SIM_RACE_H
#define SIM_RACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sched/machine.h"

#ifdef KERN_EXPLORE
#define SIM_RACE 1
#else
#define SIM_RACE 0
#endif

/* One hook: a call in the exploration build, nothing in the others. */
#define SIM_RACE_HOOK(call) do {                                        \
	if (SIM_RACE)                                                   \
		call;                                                   \
} while (0)

struct sim_race_ctx;

struct sim_race_opts {
	/*
	 * Every checked plain access of stack code is also a scheduling
	 * point that costs this much (interleaving.plain_points); 0: it
	 * is not one.
	 */
	uint64_t plain_point_ns;
	/* Report each pair of racing code locations once and run on. */
	bool keep_going;
	/*
	 * Stop the run from inside the running context: report, record,
	 * never return (the machine's KASSERT path, sim/sys/ks.h).
	 */
	void	(*stop)(const char *kind, const char *file, int line,
		    const char *msg) __attribute__((__noreturn__));
};

/* What a run's detector did, for the end of run and the benchmarks. */
struct sim_race_stats {
	uint64_t races;                 /* reported (keep_going: distinct) */
	uint64_t races_seen;            /* found, repeats too */
	uint64_t contexts;              /* every host's, ever */
	uint64_t shadow_bytes;          /* shadow mapped now */
};

/*
 * Machine and hosts.  sim_race_init before the hosts are built; a host's
 * state with sim_race_host_init once its CPUs exist (it shadows their
 * cpu_data and the host's kern_globals), freed by sim_race_host_fini
 * before the host's memory is.  => each returns 0, or -1 with errno
 */
int	sim_race_init(struct sim_machine *, const struct sim_race_opts *);
void	sim_race_fini(struct sim_machine *);
int	sim_race_host_init(struct sim_host *);
void	sim_race_host_fini(struct sim_host *);
void	sim_race_get_stats(const struct sim_machine *, struct sim_race_stats *);
/* Report each pair of racing code locations once and run on (opts). */
void	sim_race_set_keep_going(struct sim_machine *, bool);
/*
 * Every host has booted and rests: what boot did happens before the
 * programs and everything after (a context made from now on starts with
 * all of it).
 */
void	sim_race_booted(struct sim_machine *);

/*
 * Memory.  The shadow covers each host's kernel memory (its arena's
 * chunks, registered as kmem maps them), its kern_globals and its CPUs'
 * cpu_data: all the memory the stack shares.  kmem_free checks the block
 * as a write (a use racing with the free) and, with kmem_alloc, orders
 * the block's last owner before its next.  pc: the stack's call.
 */
void	sim_race_kmem_alloc(struct sim_host *, void *p, size_t size,
	    uintptr_t pc);
void	sim_race_kmem_free(struct sim_host *, void *p, size_t size,
	    uintptr_t pc);
/* The machine wrote [p, p + len) for the running context (bus_dmamap_load). */
void	sim_race_write(const void *p, size_t len, uintptr_t pc);

/*
 * Synchronisation by the running context on the object at obj (a lock, a
 * condvar, an interrupt source, any address): a release makes what it
 * did so far happen before whatever follows a later acquire of obj.
 * sync_init forgets obj's past (a lock initialised again).  A rwlock's
 * readers acquire only what writers released, and a writer what both did.
 */
void	sim_race_acquire(const void *obj);
void	sim_race_release(const void *obj);
void	sim_race_sync_init(const void *obj);
void	sim_race_rw_acquire(const void *obj, bool writer);
void	sim_race_rw_release(const void *obj, bool writer);

/*
 * spl: the running context moved ci's level from `from` to `to` (splraise,
 * splx, a spin mutex).  Holding a level keeps the CPU's contexts of that
 * level and below off the CPU: it orders their accesses with the
 * holder's, as a lock would (README, "Hunting data races").
 */
void	sim_race_spl(struct cpu_info *, int from, int to);

/* Threads: the running context made child, or joined it (before its free). */
void	sim_race_fork(struct lwp *child);
void	sim_race_join(struct lwp *child);

/*
 * An interrupt context runs the handler of the source at src, at its
 * level: entry acquires what was released on src (establish, schedule,
 * arm) and the CPU's level; exit releases the level.
 */
void	sim_race_intr_enter(const void *src, u_int level);
void	sim_race_intr_exit(u_int level);

/*
 * A context of its own on the running LWP (stack/sys/race.h's
 * kern_ctx_enter: a continuation's run); its exit releases on obj.
 */
void	sim_race_ctx_enter(const void *obj, const void *fn);
void	sim_race_ctx_exit(const void *obj);
/* data_race(): the running context's accesses are not checked (nests). */
void	sim_race_ignore(bool begin);

/*
 * Devices.  *dev is the device's context (made on first use, named
 * name).  A register access or a bus_dmamap_sync PRE* by the running
 * context hands its memory to the device (dev_release); a register read
 * or a POST* sync takes back what the device wrote (dev_acquire).  The
 * device's own DMA is checked like a context's accesses (dev_access).
 */
void	sim_race_dev_release(struct sim_host *, struct sim_race_ctx **dev,
	    const char *name);
void	sim_race_dev_acquire(struct sim_host *, struct sim_race_ctx **dev,
	    const char *name);
void	sim_race_dev_access(struct sim_host *, struct sim_race_ctx **dev,
	    const char *name, const void *p, size_t len, bool write);
/*
 * The device hands a descriptor back by writing its status word at p
 * last: an atomic release store, which an acquire load of the word
 * (atomic_load_acquire in the driver) pairs with.
 */
void	sim_race_dev_publish(struct sim_host *, struct sim_race_ctx **dev,
	    const char *name, const void *p, size_t len);

#endif /* SIM_RACE_H */
