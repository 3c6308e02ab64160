/*
 * if_ether.h -- Ethernet: frames, the protocol dispatch table, and the
 * <iftype>_input/_defer/_poll routines of the proposal's receive path
 * (if.h draws it).
 */
#ifndef _STACK_NET_IF_ETHER_H_
#define _STACK_NET_IF_ETHER_H_

#include <sys/kern.h>

#include <net/if.h>

#define ETHER_HDR_LEN   14
#define ETHER_MIN_LEN   60      /* without the FCS, as frames are here */
#define ETHER_MAX_LEN   1514
#define ETHERMTU        1500

#define ETHERTYPE_IP            0x0800
#define ETHERTYPE_ARP           0x0806
#define ETHERTYPE_IPV6          0x86dd
#define ETHERTYPE_EXPERIMENTAL  0x88b5  /* IEEE local experimental: the sink */

struct ether_header {
	uint8_t ether_dhost[ETHER_ADDR_LEN];
	uint8_t ether_shost[ETHER_ADDR_LEN];
	uint16_t ether_type;            /* network byte order */
} __packed;

/*
 * A row of the dispatch table: frames of one type go to its input, the
 * Ethernet header stripped.  A domain lists the rows of its protocols
 * (struct domain's dom_ether, kern/protosw.h); the link layer keeps only
 * its own, the counting sink.
 */
struct ether_proto {
	uint16_t ep_type;               /* host byte order */
	void (*ep_input)(struct ifnet *, struct mbuf *);
};

/* Ethernet: if_input = ether_input, the link-level address. */
void	ether_ifattach(struct ifnet *, const uint8_t *lla);

/*
 * Decode the header and hand the frame to the protocol of its type, by
 * table (the link layer's own rows, then each domain's); a frame of no
 * protocol's type is counted (rx_noproto) and freed.  Consumes m.
 */
void	ether_input(struct ifnet *, struct mbuf *);

/*
 * <iftype>_defer: have the interface polled as soon as possible (from the
 * interrupt handler) or at the next clock tick (mitigation).
 * => any context; never allocates
 */
void	ether_defer(struct ifnet *);
void	ether_defer_tick(struct ifnet *);
/*
 * <iftype>_poll: the interface's continuation (if_attach sets it up):
 * runs the driver's if_poll, again at once while it asks to be.
 */
void	ether_poll(void *ifp);

#endif /* _STACK_NET_IF_ETHER_H_ */
