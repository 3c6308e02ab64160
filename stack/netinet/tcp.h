/*
 * tcp.h -- the TCP header (RFC 9293 3.1), its flags and option kinds,
 * and the TCP socket options (level IPPROTO_TCP).
 */
#ifndef _STACK_NETINET_TCP_H_
#define _STACK_NETINET_TCP_H_

#include <sys/kern.h>

#include <netinet/tcp_seq.h>

struct tcphdr {
	uint16_t th_sport;
	uint16_t th_dport;
	tcp_seq th_seq;                 /* network byte order */
	tcp_seq th_ack;                 /* network byte order */
	uint8_t th_off;                 /* data offset << 4 (32-bit words) */
	uint8_t th_flags;
	uint16_t th_win;
	uint16_t th_sum;
	uint16_t th_urp;
} __packed;

#define TH_OFF(th)      (((th)->th_off >> 4) << 2)      /* header bytes */

#define TH_FIN          0x01
#define TH_SYN          0x02
#define TH_RST          0x04
#define TH_PUSH         0x08
#define TH_ACK          0x10
#define TH_URG          0x20
#define TH_ECE          0x40
#define TH_CWR          0x80

/* Option kinds and lengths. */
#define TCPOPT_EOL              0
#define TCPOPT_NOP              1
#define TCPOPT_MAXSEG           2
#define TCPOLEN_MAXSEG          4
#define TCPOPT_WINDOW           3
#define TCPOLEN_WINDOW          3
#define TCPOPT_SACK_PERMITTED   4
#define TCPOLEN_SACK_PERMITTED  2
#define TCPOPT_SACK             5
#define TCPOPT_TIMESTAMP        8
#define TCPOLEN_TIMESTAMP       10

#define TCP_MAXOLEN     40              /* option bytes a header holds */
#define TCP_MAXWIN      65535           /* the window field's largest */
#define TCP_MAX_WINSHIFT 14             /* RFC 7323 */
#define TCP_MSS_DEFAULT 536             /* RFC 9293 3.7.1 */

/* Socket options, level IPPROTO_TCP (the BSD numbers). */
#define TCP_NODELAY     0x01    /* int: no Nagle: send small segments now */
#define TCP_MAXSEG      0x02    /* int: the largest segment to send */
#define TCP_KEEPIDLE    0x03    /* int seconds idle before the first probe */
#define TCP_KEEPINTVL   0x05    /* int seconds between probes */
#define TCP_CONGESTION  0x20    /* char[TCP_CC_NAME_MAX]: the controller */
#define TCP_INFO        0x21    /* struct tcp_info, get only */
#define TCP_SACK        0x22    /* int: offer and use SACK (default 1);
				   set before connect or listen */
#define TCP_TLP         0x23    /* int: tail-loss probes (RFC 8985, with
				   SACK; default 1); a listener's go to
				   the connections it accepts */

/* What TCP_INFO gives (a small subset of Linux's). */
struct tcp_info {
	uint32_t tcpi_state;            /* TCPS_* */
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_snd_cwnd;         /* bytes */
	uint32_t tcpi_snd_ssthresh;     /* bytes */
	uint32_t tcpi_rto_us;
	uint32_t tcpi_rtt_us;           /* smoothed */
	uint32_t tcpi_rttvar_us;
	uint32_t tcpi_snd_wscale, tcpi_rcv_wscale;
	uint32_t tcpi_options;          /* TCPI_OPT_* */
	uint64_t tcpi_rexmits;          /* segments sent again */
	uint64_t tcpi_timeouts;         /* retransmission timeouts */
};

#define TCPI_OPT_TIMESTAMPS     0x01
#define TCPI_OPT_SACK           0x02
#define TCPI_OPT_WSCALE         0x04

#endif /* _STACK_NETINET_TCP_H_ */
