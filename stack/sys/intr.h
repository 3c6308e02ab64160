/*
 * intr.h -- interrupt priority levels and, with the devices issue,
 * interrupt establishment, masking and spl(9).
 *
 * The priority levels that mutex_init(9) takes, spl(9) and preemption
 * control.  Raising the level keeps lower-priority work (interrupts at or
 * below it, other LWPs) off this CPU until it is lowered again; sleeping
 * with it raised is a KASSERT failure.  intr_establish and masking a
 * device's line arrive with the simulated devices.
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

/* True when the caller runs in a hardware interrupt handler. */
bool	cpu_intr_p(void);

/*
 * Raise this CPU's priority level to at least ipl; returns the level to
 * give back to splx().  Both are scheduling points.
 */
int	splraise(int ipl);
void	splx(int s);
#define splsoftclock()  splraise(IPL_SOFTCLOCK)
#define splsoftnet()    splraise(IPL_SOFTNET)
#define splnet()        splraise(IPL_NET)
#define splvm()         splraise(IPL_VM)
#define splsched()      splraise(IPL_SCHED)
#define splhigh()       splraise(IPL_HIGH)

/* Keep the calling LWP on its CPU (no preemption) until enabled again. */
void	kpreempt_disable(void);
void	kpreempt_enable(void);
bool	kpreempt_disabled(void);

#endif /* _STACK_SYS_INTR_H_ */
