/*
 * device.c -- bus_space, bus_dma and device_t on the simulated machine.
 *
 * Register accesses are scheduling points priced per access and per byte
 * (pio_read, pio_write, pio_byte) and then handed to the device model at
 * the accessing CPU's clock.  Interrupt lines are level-triggered and go
 * through the machine's interrupt contexts (ks_intr.c).  Never decides
 * anything by pointer value: devices are kept in scenario order.
 *
 * For the exploration build's race detector the device is a context of
 * its own (its DMA is checked like a CPU's stores, sim/nic/): a register
 * write or a bus_dmamap_sync PREREAD/PREWRITE hands the driver's memory
 * to it, a register read or a POSTREAD/POSTWRITE takes back what it
 * wrote.  An interrupt orders nothing by itself: a driver that reads a
 * descriptor the card wrote without the POST sync races with the card.
 *
 * What the stack calls runs in a CPU's context and asserts with KASSERT,
 * which reports through the machine; what building the world and the
 * device models call (sim_device_*, sim_irq_set) may run outside any,
 * in an engine event, and uses assert().
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sys/ks.h"
#include "sim/sys/ks_device.h"
#include "stack/sys/intr.h"
#include "stack/sys/kmem.h"

static struct cpu_info *
dev_cpu(void)
{
	struct cpu_info *ci = sim_cur_cpu;

	if (ci == NULL)
		abort();        /* only stack code touches devices */
	return ci;
}

struct device *
sim_device_add(struct sim_host *h, const struct sim_device_ops *ops,
    const char *xname, const uint8_t mac[6], const struct device_config *cfg,
    void *model)
{
	struct device *dev = calloc(1, sizeof(*dev)), **pp;

	/* The bus calls these without looking. */
	assert(ops != NULL && ops->model != NULL && ops->read != NULL &&
	    ops->write != NULL);
	if (dev == NULL)
		return NULL;
	dev->host = h;
	dev->ops = ops;
	snprintf(dev->xname, sizeof(dev->xname), "%s", xname);
	memcpy(dev->mac, mac, 6);
	dev->cfg = *cfg;
	dev->model = model;
	dev->bs.dev = dev;
	dev->dmat.dev = dev;
	for (pp = &h->devices; *pp != NULL; pp = &(*pp)->next)
		continue;
	*pp = dev;
	dev->index = h->ndevices++;
	return dev;
}

void
sim_device_fini_host(struct sim_host *h)
{
	struct device *dev, *next;

	for (dev = h->devices; dev != NULL; dev = next) {
		next = dev->next;
		if (dev->ops->fini != NULL)
			dev->ops->fini(dev);
		free(dev);
	}
	h->devices = NULL;
	h->ndevices = 0;
}

void
sim_device_sample_all(struct sim_machine *m, uint64_t t_ns)
{
	for (u_int i = 0; i < m->nhosts; i++)
		for (struct device *d = m->hosts[i].devices; d; d = d->next)
			if (d->ops->sample != NULL)
				d->ops->sample(d, t_ns);
}

/* --- device_t ------------------------------------------------------------------ */

device_t
device_lookup(u_int i)
{
	struct device *dev = dev_cpu()->host->devices;

	while (dev != NULL && i-- > 0)
		dev = dev->next;
	return dev;
}

const char *
device_xname(device_t dev)
{
	return dev->xname;
}

const char *
device_model(device_t dev)
{
	return dev->ops->model;
}

const struct device_config *
device_config(device_t dev)
{
	return &dev->cfg;
}

void
device_macaddr(device_t dev, uint8_t mac[6])
{
	memcpy(mac, dev->mac, 6);
}

bus_space_tag_t
device_bus_tag(device_t dev)
{
	return &dev->bs;
}

bus_space_handle_t
device_bus_handle(device_t dev)
{
	(void)dev;
	return 0;
}

bus_dma_tag_t
device_dma_tag(device_t dev)
{
	return &dev->dmat;
}

/* --- interrupt lines --------------------------------------------------------------- */

static void
irq_post(struct device *dev, uint64_t t)
{
	struct sim_irq *irq = &dev->irq;

	if (irq->src != NULL && irq->asserted && !irq->masked)
		sim_intr_post(irq->ci, irq->src, t);
}

/* Runs in the interrupt context of the line's level. */
static void
irq_dispatch(void *arg)
{
	struct device *dev = arg;
	struct sim_irq *irq = &dev->irq;

	KASSERT(irq->ci == sim_running_cpu());  /* the line's CPU takes it */
	irq->taken++;
	if (dev->ops->intr_taken != NULL && dev->host->m->tracing)
		dev->ops->intr_taken(dev, (int)irq->ci->index, irq->ci->clock);
	(void)irq->fn(irq->arg);
	/* Level-triggered: still up after the handler means again. */
	irq_post(dev, irq->ci->clock);
}

void *
device_intr_establish(device_t dev, int ipl, struct cpu_info *ci,
    int (*fn)(void *), void *arg)
{
	struct sim_irq *irq = &dev->irq;

	sim_point(PT_INTR, SIM_COST_call);
	KASSERT(ipl >= IPL_VM && ipl <= IPL_HIGH);
	KASSERT(fn != NULL);            /* called at the first interrupt */
	KASSERTMSG(irq->src == NULL, "%s: interrupt established twice",
	    dev->xname);
	if (ci == NULL)
		ci = dev_cpu();
	KASSERT(ci->host == dev->host);
	irq->ci = ci;
	irq->fn = fn;
	irq->arg = arg;
	irq->src = sim_isrc_new(dev->host, (u_int)ipl, irq_dispatch, dev);
	SIM_RACE_HOOK(sim_race_release(irq->src));
	irq_post(dev, ci->clock);
	return dev;
}

void
intr_mask(void *ih)
{
	struct device *dev = ih;

	sim_point(PT_INTR, SIM_COST_call);
	if (!dev->irq.masked)
		dev->irq.masks++;
	dev->irq.masked = true;
}

void
intr_unmask(void *ih)
{
	struct device *dev = ih;

	sim_point(PT_INTR, SIM_COST_call);
	dev->irq.masked = false;
	irq_post(dev, dev_cpu()->clock);
}

bool
intr_masked(void *ih)
{
	return ((struct device *)ih)->irq.masked;
}

void
sim_irq_set(struct device *dev, bool asserted, uint64_t t)
{
	bool was = dev->irq.asserted;

	dev->irq.asserted = asserted;
	if (asserted && !was)
		irq_post(dev, t);
}

/* --- bus_space -------------------------------------------------------------------- */

static uint64_t
bus_pio_read(bus_space_tag_t t, bus_size_t off, int size)
{
	struct cpu_info *ci;

	sim_point(PT_PIO, SIM_COST_pio_read);
	ci = dev_cpu();
	sim_cpu_charge(ci, ci->host->cost[SIM_COST_pio_byte] * (uint64_t)size);
	SIM_RACE_HOOK(sim_race_dev_acquire(t->dev->host, &t->dev->race,
	    t->dev->xname));
	return t->dev->ops->read(t->dev, off, size);
}

static void
bus_pio_write(bus_space_tag_t t, bus_size_t off, uint64_t v, int size)
{
	struct cpu_info *ci;

	sim_point(PT_PIO, SIM_COST_pio_write);
	ci = dev_cpu();
	sim_cpu_charge(ci, ci->host->cost[SIM_COST_pio_byte] * (uint64_t)size);
	SIM_RACE_HOOK(sim_race_dev_release(t->dev->host, &t->dev->race,
	    t->dev->xname));
	t->dev->ops->write(t->dev, off, v, size);
}

uint8_t
bus_space_read_1(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off)
{
	(void)h;
	return (uint8_t)bus_pio_read(t, off, 1);
}

uint16_t
bus_space_read_2(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off)
{
	(void)h;
	return (uint16_t)bus_pio_read(t, off, 2);
}

uint32_t
bus_space_read_4(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off)
{
	(void)h;
	return (uint32_t)bus_pio_read(t, off, 4);
}

uint64_t
bus_space_read_8(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off)
{
	(void)h;
	return bus_pio_read(t, off, 8);
}

void
bus_space_write_1(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off,
    uint8_t v)
{
	(void)h;
	bus_pio_write(t, off, v, 1);
}

void
bus_space_write_2(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off,
    uint16_t v)
{
	(void)h;
	bus_pio_write(t, off, v, 2);
}

void
bus_space_write_4(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off,
    uint32_t v)
{
	(void)h;
	bus_pio_write(t, off, v, 4);
}

void
bus_space_write_8(bus_space_tag_t t, bus_space_handle_t h, bus_size_t off,
    uint64_t v)
{
	(void)h;
	bus_pio_write(t, off, v, 8);
}

void
bus_space_read_multi_4(bus_space_tag_t t, bus_space_handle_t h,
    bus_size_t off, uint32_t *buf, bus_size_t count)
{
	(void)h;
	for (bus_size_t i = 0; i < count; i++)
		buf[i] = (uint32_t)bus_pio_read(t, off, 4);
}

void
bus_space_write_multi_4(bus_space_tag_t t, bus_space_handle_t h,
    bus_size_t off, const uint32_t *buf, bus_size_t count)
{
	(void)h;
	for (bus_size_t i = 0; i < count; i++)
		bus_pio_write(t, off, buf[i], 4);
}

/* --- bus_dma (identity-mapped) ----------------------------------------------------- */

/* The bytes of a map of nsegs segments. */
static size_t
ks_dmamap_size(int nsegs)
{
	return offsetof(struct bus_dmamap, dm_segs) +
	    (size_t)nsegs * sizeof(bus_dma_segment_t);
}

int
bus_dmamap_create(bus_dma_tag_t t, bus_size_t size, int nsegs,
    bus_size_t maxsegsz, bus_size_t boundary, int flags, bus_dmamap_t *mapp)
{
	struct bus_dmamap *map;

	(void)t; (void)maxsegsz; (void)boundary;
	KASSERT(nsegs >= 1 && nsegs <= BUS_DMA_MAXSEGS);
	/* As NetBSD's: the header and nsegs segments, no more (64 bytes). */
	map = kmem_zalloc(ks_dmamap_size(nsegs), (flags & BUS_DMA_NOWAIT) ?
	    KM_NOSLEEP : KM_SLEEP);
	if (map == NULL)
		return ENOMEM;
	map->dm_maxsize = size;
	map->dm_maxsegs = nsegs;
	*mapp = map;
	return 0;
}

void
bus_dmamap_destroy(bus_dma_tag_t t, bus_dmamap_t map)
{
	(void)t;
	kmem_free(map, ks_dmamap_size(map->dm_maxsegs));
}

int
bus_dmamap_load(bus_dma_tag_t t, bus_dmamap_t map, void *buf, bus_size_t len,
    void *proc, int flags)
{
	(void)t; (void)proc; (void)flags;
	sim_point(PT_DMA, SIM_COST_call);
	if (len > map->dm_maxsize)
		return EFBIG;
	SIM_RACE_HOOK(sim_race_write(map, ks_dmamap_size(map->dm_maxsegs),
	    (uintptr_t)__builtin_return_address(0)));
	map->dm_nsegs = 1;
	map->dm_mapsize = len;
	map->dm_segs[0].ds_addr = (bus_addr_t)(uintptr_t)buf;
	map->dm_segs[0].ds_len = len;
	return 0;
}

void
bus_dmamap_unload(bus_dma_tag_t t, bus_dmamap_t map)
{
	(void)t;
	SIM_RACE_HOOK(sim_race_write(map, ks_dmamap_size(map->dm_maxsegs),
	    (uintptr_t)__builtin_return_address(0)));
	map->dm_nsegs = 0;
	map->dm_mapsize = 0;
}

void
bus_dmamap_sync(bus_dma_tag_t t, bus_dmamap_t map, bus_size_t off,
    bus_size_t len, int ops)
{
	(void)map; (void)off; (void)len;
	sim_point(PT_DMA, SIM_COST_dma_sync);
	if (ops & (BUS_DMASYNC_PREREAD | BUS_DMASYNC_PREWRITE))
		SIM_RACE_HOOK(sim_race_dev_release(t->dev->host, &t->dev->race,
		    t->dev->xname));
	if (ops & (BUS_DMASYNC_POSTREAD | BUS_DMASYNC_POSTWRITE))
		SIM_RACE_HOOK(sim_race_dev_acquire(t->dev->host, &t->dev->race,
		    t->dev->xname));
}
