/*
 * udp.h -- the UDP header (RFC 768).
 */
#ifndef _STACK_NETINET_UDP_H_
#define _STACK_NETINET_UDP_H_

#include <sys/kern.h>

struct udphdr {
	uint16_t uh_sport;
	uint16_t uh_dport;
	uint16_t uh_ulen;               /* header + data */
	uint16_t uh_sum;                /* 0: none */
} __packed;

#endif /* _STACK_NETINET_UDP_H_ */
