/*
 * nic.c -- build every NIC of the scenario with its model.
 *
 * What the driver will see of the NIC's settings (device_config) is made
 * here from the scenario, once, so drivers and models agree.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/nic/nic.h"
#include "sim/wire/topology.h"

/* Each model adds its line here. */
const struct sim_nic_model *const sim_nic_models[SC_NNICTYPES] = {
	[SC_NIC_DMA] = &sim_nic_dma,
	[SC_NIC_PIO] = &sim_nic_pio,
};

static void
nic_config(const struct sc_host *sh, const struct sc_nic *n, unsigned index,
    struct device_config *cfg)
{
	assert(sh->cpus > 0);
	cfg->rx_ring = n->rx_ring;
	cfg->tx_ring = n->tx_ring;
	cfg->mitigation = n->mitigation;
	cfg->intr_max_per_s = n->mitigation ? n->intr_max : 0;
	cfg->coalesce_frames = n->mitigation ? n->coalesce_frames : 1;
	cfg->coalesce_ns = n->mitigation ? n->coalesce_ns : 0;
	cfg->prealloc_low = n->prealloc_low;
	cfg->prealloc_max = n->prealloc_max;
	cfg->legacy = sh->rx_model == SC_RX_LEGACY;
	cfg->intr_cpu = n->intr_cpu_given ? n->intr_cpu : index % sh->cpus;
	/* The loader checks a given one; a scenario built in C may not. */
	assert(cfg->intr_cpu < sh->cpus);
}

int
sim_nics_create(struct sim_machine *m)
{
	for (unsigned h = 0; h < m->nhosts; h++) {
		const struct sc_host *sh = &m->sc->hosts[h];

		for (unsigned i = 0; i < sh->nnics; i++) {
			const struct sc_nic *n = &sh->nics[i];
			const struct sim_nic_model *model;
			struct device_config cfg = { 0 };

			assert((unsigned)n->type < SC_NNICTYPES);
			model = sim_nic_models[n->type];
			assert(model == NULL || model->type == n->type);
			nic_config(sh, n, i, &cfg);
			if (model == NULL) {
				fprintf(stderr, "netsim: NIC %s.%s: its model "
				    "(type %s) is not built into this netsim\n",
				    sh->name, n->name, sc_nic_type_names[n->type]);
				return -1;
			}
			if (model->create(&m->hosts[h], n, &cfg,
			    sim_topology_nic_port(m, h, i)) == NULL) {
				fprintf(stderr, "netsim: cannot create NIC %s.%s\n",
				    sh->name, n->name);
				return -1;
			}
		}
	}
	return 0;
}

struct device *
sim_nic_device(struct sim_host *h, unsigned nic)
{
	struct device *dev = h->devices;

	assert(nic < h->sc->nnics);
	for (unsigned i = 0; i < nic && dev != NULL; i++)
		dev = dev->next;
	/* Every NIC is a device, made in scenario order (sim_nics_create). */
	assert(dev != NULL && dev->index == nic);
	assert(strcmp(dev->xname, h->sc->nics[nic].name) == 0);
	return dev;
}
