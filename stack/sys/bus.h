/*
 * bus.h -- how drivers touch devices (NetBSD's bus_space(9), bus_dma(9)).
 *
 * Planned, arrives with the devices issue: bus_space_read/write_{1,2,4}
 * (PIO, charged per access and per byte) and bus_dma maps and syncs (DMA
 * into host memory the driver posted).  Drivers in stack/dev/ reach their
 * hardware through nothing else.
 */
#ifndef _STACK_SYS_BUS_H_
#define _STACK_SYS_BUS_H_

#include <sys/kern.h>

#endif /* _STACK_SYS_BUS_H_ */
