/*
 * netsys.h -- a host's network state outside any brane: its interfaces
 * and the legacy model's input queue (kern_globals()->kg_net).
 *
 * Legend: c = constant after if_sysinit, q = ns_inq_lock, l = if_attach
 * (boot only).
 */
#ifndef _STACK_NET_NETSYS_H_
#define _STACK_NET_NETSYS_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/mutex.h>

struct ifnet;
struct mbuf;
struct brane;

#define NET_INQ_MAX     256     /* ipintrq's classic limit (IFQ_MAXLEN 50 x ~5) */

struct net_sys {
	kmutex_t ns_biglock;            /* the legacy model's one big lock */
	kmutex_t ns_inq_lock;           /* spin, IPL_NET */
	struct mbuf *ns_inq_head;       /* q: the legacy input queue */
	struct mbuf *ns_inq_tail;       /* q */
	u_int ns_inq_len;               /* q */
	void *ns_inq_si;                /* c: its SOFTNET soft interrupt */
	struct evcnt ns_ev_inq_drops;   /* q */
	struct evcnt ns_ev_inq_peak;    /* q */
	struct ifnet *ns_ifnets;        /* l */
	struct brane *ns_branes;        /* l: in creation order */
	u_int ns_next_pid;              /* process ids (proc_create: a plain
					   increment, no scheduling point in it) */
	u_int ns_vpairs;                /* l: virtual pairs made */
};

struct net_sys *net_sys(void);

#endif /* _STACK_NET_NETSYS_H_ */
