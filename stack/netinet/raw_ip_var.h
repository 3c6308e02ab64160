/*
 * raw_ip_var.h -- raw IPv4 sockets in one brane (SOCK_RAW).
 *
 * A raw socket of protocol p gets a copy of every IPv4 packet of protocol
 * p its brane hands to rip_input -- whole, IPv4 header first -- filtered
 * by its bound and connected addresses, like BSD's raw sockets; ping reads
 * ICMP this way.  It sends what the program writes behind an IPv4 header
 * of protocol p.  Counters "rip.<brane>.<name>"; every packet handed to
 * rip_input is counted once more by nosock or, for each socket that
 * wanted it, by exactly one of delivered, fullpcq or nobufs:
 *
 *	delivered = lazy_lwp + lazy_kcont + closed
 *	lazy_lwp + lazy_kcont = queued + fullsock
 */
#ifndef _STACK_NETINET_RAW_IP_VAR_H_
#define _STACK_NETINET_RAW_IP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/race.h>
#include <sys/rwlock.h>

#include <netinet/in.h>

struct brane;
struct ifnet;
struct mbuf;
struct socket;
struct sockaddr;

#define RIPSTAT_LIST(X)                                                 \
	X(received, "packets handed to rip_input")                     \
	X(nosock, "no raw socket wanted it")                           \
	X(delivered, "copies queued to a raw socket's receive PCQ")    \
	X(fullpcq, "copies dropped: the socket's receive PCQ was full") \
	X(nobufs, "copies not made: out of mbufs")                     \
	X(fullsock, "the socket's receive buffer was full")            \
	X(queued, "appended to a socket's receive buffer")             \
	X(closed, "left in a socket's receive PCQ when it closed")     \
	X(lazy_lwp, "received by the waiting LWP (lazy receive)")      \
	X(lazy_kcont, "received by the socket's continuation")         \
	X(sent, "packets handed to ip_output")

enum ripstat_id {
#define RIPSTAT_ENUM_(n, d) RIPSTAT_##n,
	RIPSTAT_LIST(RIPSTAT_ENUM_)
#undef RIPSTAT_ENUM_
	RIPSTAT_N
};

/*
 * A raw socket's control block.  Legend: c = constant after attach,
 * b = rb_lock as writer and the socket's lock (either reads it).
 */
struct rawcb {
	struct socket *rcb_socket;      /* c */
	int rcb_proto;                  /* c: IPPROTO_*, 0 = every one */
	struct in_addr rcb_laddr;       /* b: INADDR_ANY, or bound */
	struct in_addr rcb_faddr;       /* b: INADDR_ANY, or connected */
	struct rawcb *rcb_next;         /* b: the brane's list */
};

/* Legend: c = constant after rip_init, e = counter (plain increments). */
struct rip_brane {
	krwlock_t rb_lock;              /* the list; demux reads it */
	struct rawcb *rb_head;          /* in the order of creation */
	char rb_group[24];              /* c: "rip.<brane>" */
	struct evcnt rb_stat[RIPSTAT_N];        /* e */
};

/* Plain increments from every CPU, racy by design as UDP's (udp_var.h). */
#define RIPSTAT_INC(rb, n)      ((void)data_race(                      \
	(rb)->rb_stat[RIPSTAT_##n].ev_count++, "statistics; no point in ++"))

/* The protosw row's entry points (in_proto.c), raw_ip.c. */
int	rip_init(void *brane);
int	rip_fini(void *brane);
/* Packets for raw sockets, m starting with the IPv4 header of off bytes. */
void	rip_input(struct ifnet *, struct mbuf *, int off);
int	rip_attach(struct socket *, int proto);
void	rip_detach(struct socket *);
int	rip_bind(struct socket *, const struct sockaddr *);
int	rip_connect(struct socket *, const struct sockaddr *);
int	rip_disconnect(struct socket *);
int	rip_send(struct socket *, struct mbuf *, const struct sockaddr *to);
void	rip_rcvd(struct socket *, lwp_t *l);

#endif /* _STACK_NETINET_RAW_IP_VAR_H_ */
