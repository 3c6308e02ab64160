/*
 * nic_dma.h -- what tests and tools may see of the DMA NIC model
 * (nic_dma.c) beyond its registers: an observer of the moments a frame's
 * life on the card is defined by.
 *
 *   SIM_NIC_DMA_DOORBELL  the driver wrote TDT (data: none)
 *   SIM_NIC_DMA_TX_WIRE   a transmit frame went onto the wire (its bytes)
 *   SIM_NIC_DMA_RX_DONE   a received frame and its descriptor are in host
 *                         memory: the receive DMA transfer completed
 *
 * The observer runs inside the model, at the event's virtual time; it may
 * only look (no machine calls).
 */
#ifndef SIM_NIC_DMA_H
#define SIM_NIC_DMA_H

#include <stdint.h>

struct device;

enum sim_nic_dma_event {
	SIM_NIC_DMA_DOORBELL,
	SIM_NIC_DMA_TX_WIRE,
	SIM_NIC_DMA_RX_DONE,
};

typedef void (*sim_nic_dma_observer_fn)(void *arg, struct device *,
	    enum sim_nic_dma_event, const uint8_t *data, uint32_t len,
	    uint64_t t_ns);

/*
 * Call fn for every event of the card from now on (NULL: stop).
 * => dev is a DMA NIC (device_model(dev) is "dmanic")
 */
void	sim_nic_dma_observe(struct device *dev, sim_nic_dma_observer_fn fn,
	    void *arg);

#endif /* SIM_NIC_DMA_H */
