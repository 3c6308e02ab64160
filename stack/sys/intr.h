/*
 * intr.h -- interrupt priority levels and, with the devices issue,
 * interrupt establishment, masking and spl(9).
 *
 * The priority levels that mutex_init(9) takes, spl(9) and preemption
 * control.  Raising the level keeps lower-priority work (interrupts at or
 * below it, other LWPs) off this CPU until it is lowered again; sleeping
 * with it raised is a KASSERT failure.  Soft interrupts, the CPU timer,
 * and masking a device's interrupt line are here too; establishing a
 * device's line is in device.h.
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

/*
 * Soft interrupts (NetBSD's softint(9)).  A handler runs in the soft
 * interrupt context of its level on the CPU that scheduled it, after any
 * hardware interrupt and before any thread; it may take adaptive mutexes
 * (and so block briefly) but must not sleep otherwise.  Scheduling one that
 * is already pending on that CPU does nothing.  Handlers of one level on
 * one CPU run in the order they were scheduled.
 */
#define SOFTINT_CLOCK   0x0000
#define SOFTINT_BIO     0x0001
#define SOFTINT_NET     0x0002
#define SOFTINT_SERIAL  0x0003
#define SOFTINT_LVLMASK 0x00ff
#define SOFTINT_MPSAFE  0x0100

void	*softint_establish(u_int flags, void (*func)(void *), void *arg);
void	softint_disestablish(void *cookie);
/* => may be called from any context, hardware interrupts included */
void	softint_schedule(void *cookie);
void	softint_schedule_cpu(void *cookie, struct cpu_info *ci);

/*
 * The CPU's one-shot timer (a TSC-deadline-style clock interrupt): at
 * virtual time when_ns the machine interrupts the timer's CPU at IPL_SCHED
 * and calls fn(arg) in hardware interrupt context.  Arming again replaces
 * the deadline; a deadline in the past fires at once.  This is the clock
 * the kernel builds its timeouts on; there is no periodic tick to pay for.
 */
typedef struct ktimer {
	uint64_t kt_opaque[4];
} ktimer_t;

void	ktimer_init(ktimer_t *, struct cpu_info *ci, void (*fn)(void *),
	    void *arg);
void	ktimer_arm(ktimer_t *, uint64_t when_ns);
void	ktimer_disarm(ktimer_t *);
void	ktimer_destroy(ktimer_t *);

/*
 * Mask and unmask an interrupt line at the interrupt controller (the
 * handle from device_intr_establish).  While masked the line's interrupts
 * are held, not lost: unmasking a line the device still asserts delivers
 * one.  intr_masked tells whether it is masked now.
 */
void	intr_mask(void *ih);
void	intr_unmask(void *ih);
bool	intr_masked(void *ih);

/*
 * The calling context starts (cpu_kcont_enter) or ends (cpu_kcont_exit)
 * running one kernel continuation (kern/kcont.h), in a soft interrupt or
 * in a thread.  The machine counts the CPU time charged in between as
 * continuation time rather than the context's own (cpu.kcont_ns).
 * Accounting only: neither is a scheduling point nor charged, so the
 * schedule is the same without them.
 * => the calling context is a soft interrupt or a thread
 * => runs do not nest: enter, then exit, in the same context
 */
void	cpu_kcont_enter(void);
void	cpu_kcont_exit(void);

/* Keep the calling LWP on its CPU (no preemption) until enabled again. */
void	kpreempt_disable(void);
void	kpreempt_enable(void);
bool	kpreempt_disabled(void);

#endif /* _STACK_SYS_INTR_H_ */
