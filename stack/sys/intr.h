/*
 * intr.h -- interrupt priority levels and, with the devices issue,
 * interrupt establishment, masking and spl(9).
 *
 * Today it holds only the priority levels that mutex_init(9) takes; the
 * rest of the interface (splnet/splx, intr_establish, cpu_intr_p, masking
 * a device's line) arrives with the simulated devices.
 */
#ifndef _STACK_SYS_INTR_H_
#define _STACK_SYS_INTR_H_

#include <sys/kern.h>

/* Interrupt priority levels, lowest first (NetBSD's names). */
#define IPL_NONE        0
#define IPL_SOFTCLOCK   1
#define IPL_SOFTBIO     2
#define IPL_SOFTNET     3
#define IPL_SOFTSERIAL  4
#define IPL_VM          5
#define IPL_NET         IPL_VM
#define IPL_SCHED       6
#define IPL_HIGH        7

#endif /* _STACK_SYS_INTR_H_ */
