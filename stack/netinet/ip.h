/*
 * ip.h -- the IPv4 header (RFC 791).
 */
#ifndef _STACK_NETINET_IP_H_
#define _STACK_NETINET_IP_H_

#include <sys/kern.h>

#include <netinet/in.h>

#define IPVERSION       4
#define IP_MAXPACKET    65535
#define IPDEFTTL        64
#define IP_DF           0x4000          /* don't fragment */
#define IP_MF           0x2000          /* more fragments */
#define IP_OFFMASK      0x1fff

struct ip {
	uint8_t ip_vhl;                 /* version << 4 | header length >> 2 */
	uint8_t ip_tos;
	uint16_t ip_len;                /* total length, network order */
	uint16_t ip_id;
	uint16_t ip_off;                /* flags and fragment offset */
	uint8_t ip_ttl;
	uint8_t ip_p;                   /* protocol */
	uint16_t ip_sum;
	struct in_addr ip_src, ip_dst;
} __packed;

#define IP_VHL(v, hl)   ((uint8_t)((v) << 4 | ((hl) >> 2)))
#define IP_V(ip)        ((ip)->ip_vhl >> 4)
#define IP_HL(ip)       (((ip)->ip_vhl & 0x0f) << 2)    /* bytes */

#endif /* _STACK_NETINET_IP_H_ */
