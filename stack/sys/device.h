/*
 * device.h -- the devices of a host, as a driver sees them.
 *
 * The machine builds each host's devices from its scenario (a NIC of model
 * "dmanic" or "pionic", ...).  At boot, autoconfiguration (subr_autoconf.c)
 * walks them with device_lookup() and attaches the driver whose name
 * matches device_model().  A driver reaches its device only through the
 * handles here: registers by bus_space, host memory by bus_dma, an
 * interrupt line it establishes on a CPU, and the settings the scenario
 * gave the device (device_config).
 */
#ifndef _STACK_SYS_DEVICE_H_
#define _STACK_SYS_DEVICE_H_

#include <sys/kern.h>
#include <sys/bus.h>

struct device;
typedef struct device *device_t;

/*
 * What the scenario says about a device, for its driver.  Legend: every
 * field is constant.  Units in the names.
 */
struct device_config {
	u_int rx_ring;                  /* rx descriptors / PIO prealloc start */
	u_int tx_ring;                  /* tx descriptors */
	bool mitigation;                /* interrupt mitigation on */
	uint64_t intr_max_per_s;        /* above this a line stays masked */
	u_int coalesce_frames;          /* DMA NIC: interrupt after n frames */
	uint64_t coalesce_ns;           /* ... or this long after the first */
	u_int prealloc_low;             /* PIO: refill below this many mbufs */
	u_int prealloc_max;             /* PIO: never pre-allocate more */
	bool legacy;                    /* the host's rx model is "legacy" */
	u_int intr_cpu;                 /* CPU the interrupt line goes to */
};

/* The calling host's i-th device, or NULL past the last. */
device_t device_lookup(u_int i);
const char *device_xname(device_t);     /* "wm0" */
const char *device_model(device_t);     /* "dmanic", "pionic" */
const struct device_config *device_config(device_t);
void	device_macaddr(device_t, uint8_t mac[6]);
bus_space_tag_t device_bus_tag(device_t);
bus_space_handle_t device_bus_handle(device_t);
bus_dma_tag_t device_dma_tag(device_t);

/*
 * Attach fn(arg) to the device's interrupt line, delivered to ci at
 * level ipl.  fn runs in hardware interrupt context and returns non-zero
 * if the interrupt was its device's.  Returns a handle for intr_mask.
 */
void	*device_intr_establish(device_t, int ipl, struct cpu_info *ci,
	    int (*fn)(void *), void *arg);

#endif /* _STACK_SYS_DEVICE_H_ */
