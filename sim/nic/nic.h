/*
 * nic.h -- NIC models: which model a scenario's "type" builds, and how.
 *
 * Each model (nic_dma.c, nic_pio.c) is a device (device.h) with its own
 * register file, attached to the port of the link its NIC is cabled to
 * (topology.h; NULL for a NIC with no link: it receives nothing and what
 * it sends is dropped and counted).  sim_nics_create() builds every NIC
 * of every host, in scenario order, when the machine is set up.
 */
#ifndef SIM_NIC_H
#define SIM_NIC_H

#include "sim/sys/ks_device.h"
#include "sim/wire/port.h"
#include "sim/scenario/scenario.h"

struct sim_nic_model {
	enum sc_nic_type type;
	struct device *(*create)(struct sim_host *, const struct sc_nic *,
	    const struct device_config *, struct sim_port *);
};

/* The DMA NIC (nic_dma.c). */
extern const struct sim_nic_model sim_nic_dma;

/* The models, one per sc_nic_type (nic.c). */
extern const struct sim_nic_model *const sim_nic_models[SC_NNICTYPES];
extern const struct sim_nic_model sim_nic_pio;          /* nic_pio.c */

int	sim_nics_create(struct sim_machine *);
/* NIC nic of host h (scenario order).  => it exists */
struct device *sim_nic_device(struct sim_host *h, unsigned nic);

/* ---- What faults (sim/fault/) do to a DMA NIC. ---- */

#define SIM_NIC_DELAYS_MAX      8       /* delay windows per NIC */

/*
 * A window in which the DMA NIC's transfers complete late: each transfer
 * asked for in [start_ns, end_ns), until count (if not 0) of them,
 * completes delay_ns later than it would -- and never before one asked
 * for earlier, since the engine completes in order.  Fields: c = set by
 * the maker, n = the NIC's.
 */
struct sim_nic_delay {
	uint64_t start_ns, end_ns;      /* c: end_ns UINT64_MAX: none */
	uint64_t count;                 /* c: 0: no limit */
	uint64_t delay_ns;              /* c */
	uint64_t delayed;               /* n: transfers it delayed */
};

/*
 * Delay the DMA NIC dev's transfers in d's window from now on.  Returns
 * -1 if it has SIM_NIC_DELAYS_MAX already.
 * => dev is a DMA NIC; d outlives the machine's run
 */
int	sim_nic_dma_add_delay(struct device *dev, struct sim_nic_delay *d);
/*
 * The DMA NIC dev raises its line at t with a receive cause, as if a
 * frame had been written back, though none was (an interrupt storm):
 * the driver finds nothing new in the ring.
 * => dev is a DMA NIC; outside any CPU context (an engine event)
 */
void	sim_nic_dma_raise(struct device *dev, uint64_t t);

#endif /* SIM_NIC_H */
