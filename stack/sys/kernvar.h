/*
 * kernvar.h -- where a kernel's "globals" live in netsim: one struct
 * kern_globals per simulated host, one struct cpu_data per CPU.
 *
 * A real kernel keeps its subsystems' roots (the mbuf pools, the
 * continuation queues, the list of network stacks) in global variables
 * and per-CPU data.  Stack code here has no mutable globals: it reaches
 * the same roots through kern_globals() and cpu_data(ci), which the
 * machine provides for the calling host.  Both start zeroed; the
 * subsystems fill them in kern_boot() (init_main.c), which the machine
 * runs on every host before any program starts, at virtual time 0 and
 * free of charge.  Network-stack state proper lives in branes, not here.
 */
#ifndef _STACK_SYS_KERNVAR_H_
#define _STACK_SYS_KERNVAR_H_

#include <sys/kern.h>

struct mbuf_sys;        /* uipc_mbuf.c */
struct kcont_sys;       /* kern_kcont.c */
struct kcont_cpu;
struct net_sys;         /* the network stack: branes, interfaces */

/* Per host.  Legend: c = set in kern_boot, then constant. */
struct kern_globals {
	struct mbuf_sys *kg_mbuf;       /* c */
	struct kcont_sys *kg_kcont;     /* c */
	struct net_sys *kg_net;         /* c */
};

/* Per CPU (NetBSD's struct cpu_data). */
struct cpu_data {
	struct kcont_cpu *cd_kcont;     /* c */
};

struct kern_globals *kern_globals(void);
struct cpu_data *cpu_data(struct cpu_info *);

/* The kernel's start: initialise every subsystem of this host. */
void	kern_boot(void);

#endif /* _STACK_SYS_KERNVAR_H_ */
