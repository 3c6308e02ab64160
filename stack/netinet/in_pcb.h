/*
 * in_pcb.h -- Internet protocol control blocks and their tables, built for
 * fast demultiplexing.
 *
 * A table is an array of hash buckets, each with its own reader/writer
 * lock.  Demux looks a PCB up under the reader lock of one bucket and,
 * still holding it, hands the packet to the socket (so_deliver, which
 * never blocks) -- so a PCB cannot be freed under it; it never takes the
 * socket lock.  Binding, connecting and closing take the writer lock of
 * the buckets they change.  Lookup prefers a connected PCB (both
 * addresses and ports match) to a bound one (local port, local address or
 * wildcard).  A PCB hangs in the bucket of its local port (in_pcb.c says
 * why), so a lookup reads one bucket.
 */
#ifndef _STACK_NETINET_IN_PCB_H_
#define _STACK_NETINET_IN_PCB_H_

#include <sys/kern.h>
#include <sys/rwlock.h>
#include <sys/mutex.h>

#include <netinet/in.h>

struct socket;
struct brane;

/* Legend: c = constant after attach, b = the bucket's lock. */
struct inpcb {
	struct socket *inp_socket;      /* c */
	struct in_addr inp_laddr;       /* b */
	struct in_addr inp_faddr;       /* b: INADDR_ANY if not connected */
	in_port_t inp_lport;            /* b: 0 if not bound */
	in_port_t inp_fport;            /* b */
	struct inpcbtable *inp_table;   /* c */
	u_int inp_bucket;               /* b: where it hangs, or ~0 */
	struct inpcb *inp_hnext;        /* b */
	void *inp_ppcb;                 /* c: the protocol's own block (TCP's
					   tcpcb), or NULL */
};

struct inpcb_bucket {
	krwlock_t ib_lock;
	struct inpcb *ib_head;
};

struct inpcbtable {
	u_int inpt_nbuckets;            /* a power of two */
	struct inpcb_bucket *inpt_buckets;
	kmutex_t inpt_portlock;         /* choosing ephemeral ports */
	in_port_t inpt_lastport;
};

int	in_pcbtable_init(struct inpcbtable *, u_int nbuckets);
void	in_pcbtable_fini(struct inpcbtable *);
struct inpcb *in_pcballoc(struct inpcbtable *, struct socket *);
void	in_pcbfree(struct inpcb *);
/*
 * The addresses given to bind and connect were checked by the protocol
 * (sockaddr_in_check); bind's may be NULL (the wildcard, an ephemeral
 * port).
 * => EADDRINUSE, EADDRNOTAVAIL (not one of the brane's addresses)
 */
int	in_pcbbind(struct inpcb *, struct brane *, const struct sockaddr_in *);
/* => EADDRNOTAVAIL, EHOSTUNREACH / ENETUNREACH (no route), EADDRINUSE */
int	in_pcbconnect(struct inpcb *, struct brane *, const struct sockaddr_in *);
void	in_pcbdisconnect(struct inpcb *);
/*
 * Hang a new PCB (not yet in the table) for a connection a listener
 * accepted: bound to the listener's laddr:lport, which it shares, and
 * connected to faddr:fport.  => EADDRINUSE if that four-tuple is taken
 */
int	in_pcbconnect_accepted(struct inpcb *, struct in_addr laddr,
	    in_port_t lport, struct in_addr faddr, in_port_t fport);

/*
 * Find the PCB for a packet and call fn(inp, arg) with its bucket
 * read-locked.  Returns false (fn not called) if none matches.
 */
bool	in_pcblookup_deliver(struct inpcbtable *, struct in_addr src,
	    in_port_t sport, struct in_addr dst, in_port_t dport,
	    void (*fn)(struct inpcb *, void *), void *arg);

#endif /* _STACK_NETINET_IN_PCB_H_ */
