/*
 * dmanic.h -- the DMA NIC driver's entry point, for the driver table
 * (devsw.c).  Its hardware is in dmanicreg.h.
 */
#ifndef _STACK_DEV_DMANIC_H_
#define _STACK_DEV_DMANIC_H_

#include <sys/kern.h>
#include <sys/device.h>

/*
 * Attach the driver to a "dmanic" device: rings, buffers, the interface,
 * the interrupt.  From config_attach_all at boot.
 * => returns 0 (allocation at boot sleeps rather than fails)
 */
int	dmanic_attach(device_t);

#endif /* _STACK_DEV_DMANIC_H_ */
