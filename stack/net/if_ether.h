/*
 * if_ether.h -- Ethernet frames and the link layer's protocol table.
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

/* An entry of the dispatch table: frames of one type go to its input. */
struct ether_proto {
	uint16_t ep_type;               /* host byte order */
	void (*ep_input)(struct ifnet *, struct mbuf *);
};

/* The table (constant), searched by type; the protocols fill it. */
extern const struct ether_proto ether_protos[];

#endif /* _STACK_NET_IF_ETHER_H_ */
