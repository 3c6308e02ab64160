/*
 * ip_icmp.h -- ICMP messages (RFC 792) this stack sends and answers.
 */
#ifndef _STACK_NETINET_IP_ICMP_H_
#define _STACK_NETINET_IP_ICMP_H_

#include <sys/kern.h>

#include <netinet/ip.h>

#define ICMP_ECHOREPLY          0
#define ICMP_UNREACH            3
#define ICMP_UNREACH_NET        0
#define ICMP_UNREACH_HOST       1
#define ICMP_UNREACH_PROTOCOL   2
#define ICMP_UNREACH_PORT       3
#define ICMP_UNREACH_NEEDFRAG   4
#define ICMP_SOURCEQUENCH       4       /* errors this stack never sends */
#define ICMP_REDIRECT           5
#define ICMP_ECHO               8
#define ICMP_TIMXCEED           11
#define ICMP_TIMXCEED_INTRANS   0
#define ICMP_PARAMPROB          12

/* Whether a type is an error message (never answered with an error). */
#define ICMP_IS_ERROR(t) \
	((t) == ICMP_UNREACH || (t) == ICMP_SOURCEQUENCH || \
	(t) == ICMP_REDIRECT || (t) == ICMP_TIMXCEED || (t) == ICMP_PARAMPROB)

#define ICMP_MINLEN     8               /* type, code, sum, id, seq */

struct icmp {
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_cksum;
	union {
		struct {
			uint16_t icd_id;
			uint16_t icd_seq;
		} ih_idseq;
		uint32_t ih_void;
		struct {
			uint16_t ipm_void;
			uint16_t ipm_nextmtu;
		} ih_pmtu;
	} icmp_hun;
	/* then: echo data, or the offending IP header + 8 bytes */
} __packed;

#define icmp_id         icmp_hun.ih_idseq.icd_id
#define icmp_seq        icmp_hun.ih_idseq.icd_seq
#define icmp_nextmtu    icmp_hun.ih_pmtu.ipm_nextmtu

#endif /* _STACK_NETINET_IP_ICMP_H_ */
