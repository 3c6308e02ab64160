/*
 * if_vpair.h -- virtual Ethernet pairs: two interfaces cabled together.
 *
 * A frame transmitted on one end arrives on the other, through a lockless
 * queue and the receiving end's poll continuation (the same if_poll path a
 * NIC takes, without the hardware).  Put the two ends in different branes
 * and one host holds a whole network -- which is what tests of the
 * protocols do before (and besides) real NICs.
 */
#ifndef _STACK_NET_IF_VPAIR_H_
#define _STACK_NET_IF_VPAIR_H_

#include <sys/kern.h>

#include <net/if.h>

/*
 * Create a pair named a and b (e.g. "vp0a", "vp0b"), polled on CPU ci
 * (NULL: CPU 0).  MAC addresses are derived from the host's pair count.
 * => 0, or ENOMEM
 */
int	vpair_create(const char *a, const char *b, struct cpu_info *ci,
	    struct ifnet **ifa, struct ifnet **ifb);

#endif /* _STACK_NET_IF_VPAIR_H_ */
