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

#endif /* SIM_NIC_H */
