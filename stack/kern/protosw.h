/*
 * protosw.h -- protocol switch entries and domains, revamped after the
 * proposal.
 *
 * Explicit entry points replace dispatch through pr_usrreq(PRU_*);
 * pr_getopt/pr_setopt replace pr_ctloutput.  Every protocol keeps its state
 * per brane: pr_init(dsc) and pr_fini(dsc) get the brane being created or
 * destroyed and set up or tear down the protocol's part of it.  pr_drain
 * only schedules a continuation.
 *
 * The tables (domains[], each domain's protosw[] and Ethernet types) are
 * constant: adding a protocol is adding a row, not registering at run
 * time.
 */
#ifndef _STACK_KERN_PROTOSW_H_
#define _STACK_KERN_PROTOSW_H_

#include <sys/kern.h>

struct brane;
struct mbuf;
struct socket;
struct sockaddr;
struct sockopt;
struct ifnet;
struct ether_proto;     /* net/if_ether.h */

/* pr_flags */
#define PR_ATOMIC       0x01    /* exchange atomic messages only */
#define PR_ADDR         0x02    /* addresses given with messages */
#define PR_CONNREQUIRED 0x04    /* connection required by protocol */

struct protosw {
	int pr_type;                    /* SOCK_DGRAM, SOCK_RAW, ... */
	int pr_protocol;                /* IPPROTO_UDP, ... (0: any) */
	int pr_flags;
	const char *pr_name;

	/* Per brane (dsc is the struct brane *). */
	int	(*pr_init)(void *dsc);
	int	(*pr_fini)(void *dsc);
	void	(*pr_drain)(void *dsc);         /* schedules a continuation */

	/* From below: the network layer hands up a packet. */
	void	(*pr_input)(struct ifnet *, struct mbuf *, int off);
	/* An ICMP error about a packet this protocol sent (a plain call). */
	void	(*pr_ctlinput)(struct brane *, int cmd, const struct sockaddr *,
		    const void *hdr);

	/* From sockets: explicit entry points. */
	int	(*pr_attach)(struct socket *, int proto);
	void	(*pr_detach)(struct socket *);
	int	(*pr_bind)(struct socket *, const struct sockaddr *);
	int	(*pr_connect)(struct socket *, const struct sockaddr *);
	int	(*pr_disconnect)(struct socket *);
	/* Send m (all of it) to `to`, or to the connected peer if NULL. */
	int	(*pr_send)(struct socket *, struct mbuf *, const struct sockaddr *to);
	/*
	 * Do the protocol work pending for this socket: move what demux put
	 * on its receive PCQ into its receive buffer.  Called by the LWP that
	 * waits on the socket (lazy receive; l is that LWP) or by the
	 * socket's continuation when nobody waits (l is NULL), as NetBSD's
	 * pr_rcvd is told its lwp.  => socket lock held
	 */
	void	(*pr_rcvd)(struct socket *, lwp_t *l);
	int	(*pr_getopt)(struct socket *, struct sockopt *);
	/* Streams: listen; the owner took data (a window update); FIN. */
	int	(*pr_listen)(struct socket *, int backlog);
	void	(*pr_usrread)(struct socket *);
	int	(*pr_shutdown)(struct socket *);
	/* The local (peer false) or the peer's address. */
	int	(*pr_sockaddr)(struct socket *, struct sockaddr *, bool peer);
	int	(*pr_setopt)(struct socket *, struct sockopt *);
};

struct domain {
	int dom_family;                 /* AF_INET, ... */
	const char *dom_name;
	const struct protosw *dom_protosw;
	u_int dom_nprotosw;

	/*
	 * What the link layer asks of the domain; both optional.  The
	 * Ethernet types its protocols take, with their input routines:
	 * ether_input dispatches by these rows and names no protocol.
	 * And the setup of its per-interface state, which if_attach runs
	 * for every interface (IPv4: the nexthop cache).
	 */
	const struct ether_proto *dom_ether;
	u_int dom_nether;
	void	(*dom_ifattach)(struct ifnet *);
};

/* Every domain, NULL-terminated (uipc_domain.c). */
extern const struct domain *const domains[];

const struct protosw *pffindproto(int family, int protocol, int type);
const struct protosw *pffindtype(int family, int type);

/* pr_ctlinput commands */
#define PRC_UNREACH_HOST        1
#define PRC_UNREACH_PORT        2
#define PRC_TIMXCEED_INTRANS    3
#define PRC_MSGSIZE             4

#endif /* _STACK_KERN_PROTOSW_H_ */
