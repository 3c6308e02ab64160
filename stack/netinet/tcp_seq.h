/*
 * tcp_seq.h -- TCP sequence numbers and their modular comparisons.
 *
 * Sequence space is 2^32 bytes, compared modulo 2^32 (RFC 9293 3.4):
 * a < b when the signed difference a - b is negative, which holds for
 * any two numbers less than 2^31 apart.  Shared by the TCP core and
 * its helpers (SACK scoreboard, syncache) so they agree on the order.
 */
#ifndef _STACK_NETINET_TCP_SEQ_H_
#define _STACK_NETINET_TCP_SEQ_H_

#include <sys/kern.h>

typedef uint32_t tcp_seq;

#define SEQ_LT(a, b)    ((int32_t)((tcp_seq)(a) - (tcp_seq)(b)) < 0)
#define SEQ_LEQ(a, b)   ((int32_t)((tcp_seq)(a) - (tcp_seq)(b)) <= 0)
#define SEQ_GT(a, b)    ((int32_t)((tcp_seq)(a) - (tcp_seq)(b)) > 0)
#define SEQ_GEQ(a, b)   ((int32_t)((tcp_seq)(a) - (tcp_seq)(b)) >= 0)
#define SEQ_MIN(a, b)   (SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b)   (SEQ_GT(a, b) ? (a) : (b))

#endif /* _STACK_NETINET_TCP_SEQ_H_ */
