/*
 * cost.h -- the cost table: what each kernel-service operation costs a
 * simulated CPU, in virtual nanoseconds.
 *
 * One list, SIM_COST_LIST, names every entry with its default and what it
 * prices; the scenario loader, schema/scenario.schema.json (generated),
 * the README and the machine all derive from it.  A host's "cost" object
 * overrides entries by name.  Where the defaults come from is written in
 * the README ("Where the default costs come from"); the figures behind
 * them are `make bench BENCH=calib` (bench/native_calibrate.c), recorded
 * in bench/README.md ("Cost table calibration").
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#include <stdint.h>

#include "stack/sys/sdt.h"

/* X(name, default_ns, what it prices) */
#define SIM_COST_LIST(X)                                                   \
	X(load_hit, 1, "a load from a line this CPU holds")                 \
	X(load_miss, 28, "a load from a line last written by another CPU")  \
	X(store_hit, 1, "a store to a line this CPU owns")                  \
	X(store_miss, 25, "a store to a line another CPU holds")            \
	X(rmw_local, 3, "an atomic read-modify-write on a line this CPU owns") \
	X(rmw_remote, 31, "an atomic read-modify-write on a line another CPU holds") \
	X(membar, 2, "a full memory barrier (membar_sync)")               \
	X(spin, 26, "one iteration of a spin-wait loop")                    \
	X(call, 2, "any other kernel-service call (time, random, preempt_point)") \
	X(ctx_switch, 2000, "switching a CPU from one LWP to another")      \
	X(wakeup, 1400, "making a sleeping LWP runnable (charged to the waker)") \
	X(ipi, 20000, "delay before an idle CPU runs an LWP woken from another CPU") \
	X(kmem_alloc, 4, "kmem_alloc/kmem_zalloc")                        \
	X(kmem_free, 8, "kmem_free")                                       \
	X(lwp_create, 8000, "kthread_create")                              \
	X(intr, 2000, "taking a hardware interrupt: entry, dispatch and return") \
	X(softint, 300, "dispatching a soft interrupt")                     \
	X(pio_read, 600, "a device register read across the bus (bus_space_read_*)") \
	X(pio_write, 60, "a device register write, posted (bus_space_write_*)") \
	X(pio_byte, 2, "each byte moved by a register access")            \
	X(dma_sync, 10, "bus_dmamap_sync")

enum sim_cost_id {
#define SIM_COST_ENUM_(name, def, doc) SIM_COST_##name,
	SIM_COST_LIST(SIM_COST_ENUM_)
#undef SIM_COST_ENUM_
	SIM_NCOSTS
};

struct sim_cost_entry {
	const char *name;
	uint64_t def_ns;
	const char *doc;
};
extern const struct sim_cost_entry sim_cost_table[SIM_NCOSTS];

/* A probe's price: fixed + per_unit * (first argument), picoseconds. */
struct sim_probe_cost {
	uint64_t fixed_ps;
	uint64_t per_unit_ps;
};

/* One host's prices. */
struct sim_cost {
	uint64_t ns[SIM_NCOSTS];
	struct sim_probe_cost probe[SDT_NPROBES];
};

void	sim_cost_defaults(struct sim_cost *);

#endif /* SIM_COST_H */
