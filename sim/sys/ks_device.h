/*
 * device.h -- devices of the simulated machine: register files behind
 * bus_space, interrupt lines, and the stack's device_t handles.
 *
 * A device model (a NIC) is a table of methods in the SQLite-VFS style:
 * read and write a register, at the virtual time of the CPU that does it.
 * Everything the device does by itself -- DMA, frames on the wire,
 * raising its interrupt line -- happens in engine events it schedules with
 * sim_machine_at.  Its interrupt line is level-triggered: while asserted
 * and unmasked, the handler is run again after each return.
 */
#ifndef SIM_DEVICE_H
#define SIM_DEVICE_H

#include "sim/sched/machine.h"
#include "stack/sys/device.h"

struct device;

struct sim_device_ops {
	const char *model;
	/* A register access by the running CPU (sim_cur->running). */
	uint64_t (*read)(struct device *, bus_size_t off, int size);
	void	(*write)(struct device *, bus_size_t off, uint64_t v, int size);
	/* Counters for the database, sampled with the host's. */
	void	(*sample)(struct device *, uint64_t t_ns);
	/* A CPU began to run the line's handler (per-packet records). */
	void	(*intr_taken)(struct device *, int cpu, uint64_t t_ns);
	void	(*fini)(struct device *);
};

struct sim_irq {
	struct sim_isrc *src;           /* made by device_intr_establish */
	struct cpu_info *ci;
	int (*fn)(void *);
	void *arg;
	bool asserted;                  /* the device holds the line up */
	bool masked;                    /* at the interrupt controller */
	uint64_t taken;                 /* handler runs */
	uint64_t masks;                 /* times masked */
};

struct bus_space {
	struct device *dev;
};

struct bus_dma_tag {
	struct device *dev;
};

/* The stack's device_t. */
struct device {
	struct sim_host *host;
	const struct sim_device_ops *ops;
	u_int index;                    /* in the host's list */
	char xname[16];
	uint8_t mac[6];
	struct device_config cfg;
	struct sim_irq irq;
	struct bus_space bs;
	struct bus_dma_tag dmat;
	void *model;                    /* the model's own state */
	struct device *next;
	struct sim_race_ctx *race;      /* its DMA's context (sim/race/) */
};

/*
 * Add a device to host h (machine set-up, before boot).
 * => NULL when out of memory (the model frees its own state)
 */
struct device *sim_device_add(struct sim_host *h, const struct sim_device_ops *,
	    const char *xname, const uint8_t mac[6],
	    const struct device_config *cfg, void *model);
/* Set the device's interrupt line at time t. */
void	sim_irq_set(struct device *, bool asserted, uint64_t t);
/* Free every device of a host (teardown). */
void	sim_device_fini_host(struct sim_host *h);
/* Sample every device's counters (recording). */
void	sim_device_sample_all(struct sim_machine *, uint64_t t_ns);
/*
 * The time a device action happens at: the running CPU's, or the
 * event's.  Inline: every register access asks.
 */
static inline uint64_t
sim_device_now(const struct device *dev)
{
	const struct sim_machine *m = dev->host->m;

	return m->running != NULL ? m->running->clock : m->eng.now;
}

#endif /* SIM_DEVICE_H */
