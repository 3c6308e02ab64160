/*
 * udp_var.h -- UDP in one brane.
 *
 * Every datagram handed to udp_input ends in exactly one of hdrops,
 * badlen, badsum, noport, noportbcast, fullpcq, fullsock, queued or
 * closed, so the counters add up:
 *
 *	received = hdrops + badlen + badsum + noport + noportbcast
 *	    + fullpcq + fullsock + queued + closed
 *	delivered = lazy_lwp + lazy_kcont + closed
 *
 * Demux (udp_input) checks only the header and the length; the checksum
 * is verified by pr_rcvd, lazily, on the CPU of whoever does the socket's
 * receive work -- except for a datagram no socket wants, which is checked
 * before a port unreachable is sent about it.
 */
#ifndef _STACK_NETINET_UDP_VAR_H_
#define _STACK_NETINET_UDP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/race.h>

#include <netinet/in_pcb.h>

struct brane;
struct ifnet;
struct mbuf;
struct socket;
struct sockaddr;

#define UDPSTAT_LIST(X)                                                 \
	X(received, "datagrams handed to udp_input")                   \
	X(delivered, "queued to a socket's receive PCQ")               \
	X(sent, "datagrams handed to ip_output")                       \
	X(hdrops, "shorter than a UDP header")                         \
	X(badlen, "length field wrong for the IP packet")              \
	X(badsum, "bad checksum")                                      \
	X(noport, "no socket: port unreachable sent")                  \
	X(noportbcast, "no socket, broadcast: dropped")                \
	X(fullpcq, "the socket's receive PCQ was full (demux)")        \
	X(fullsock, "the socket's receive buffer was full")            \
	X(queued, "appended to a socket's receive buffer")             \
	X(closed, "left in a socket's receive PCQ when it closed")     \
	X(lazy_lwp, "received by the waiting LWP (lazy receive)")      \
	X(lazy_kcont, "received by the socket's continuation")

enum udpstat_id {
#define UDPSTAT_ENUM_(n, d) UDPSTAT_##n,
	UDPSTAT_LIST(UDPSTAT_ENUM_)
#undef UDPSTAT_ENUM_
	UDPSTAT_N
};

#define UDP_PCBHASHSIZE 128     /* buckets of a brane's UDP PCB table */

/*
 * Legend: c = constant after pr_init, e = counter, incremented plainly
 * (the simulated machine runs a context alone between scheduling points,
 * so a plain increment is never torn here; a real kernel would keep them
 * per CPU).
 */
struct udp_brane {
	struct inpcbtable ub_table;
	char ub_group[24];              /* c: "udp.<brane>" */
	struct evcnt ub_stat[UDPSTAT_N];        /* e */
};

/* Racy by design (the legend above): data_race() for make explore. */
#define UDPSTAT_INC(ub, n)      ((void)data_race(                      \
	(ub)->ub_stat[UDPSTAT_##n].ev_count++, "statistics; no point in ++"))

/* The protosw row's entry points (in_proto.c), udp_usrreq.c. */
int	udp_init(void *brane);
int	udp_fini(void *brane);
void	udp_input(struct ifnet *, struct mbuf *, int off);
void	udp_ctlinput(struct brane *, int cmd, const struct sockaddr *,
	    const void *hdr);
int	udp_attach(struct socket *, int proto);
void	udp_detach(struct socket *);
int	udp_bind(struct socket *, const struct sockaddr *);
int	udp_connect(struct socket *, const struct sockaddr *);
int	udp_disconnect(struct socket *);
int	udp_send(struct socket *, struct mbuf *, const struct sockaddr *to);
void	udp_rcvd(struct socket *, lwp_t *l);

#endif /* _STACK_NETINET_UDP_VAR_H_ */
