/*
 * tcp_syncache.h -- a brane's syncache: half-open passive connections
 * kept compactly, and SYN cookies when it is full (RFC 4987 3.3, 3.6).
 *
 * Without it (the default: the seed calls it overkill for a small
 * system) each listener keeps its own SYN_RECEIVEDs (struct tcp_embryo,
 * tcp_input.c), at most its backlog of them, and drops SYNs beyond.
 * With it (the brane's scenario key "syncache": true) a SYN to any
 * listener of the brane becomes an entry in one bounded hash table of
 * the brane; a bucket's continuation resends its entries' SYN-ACKs with
 * backoff and gives up on the silent; the handshake's ACK turns an entry
 * into a socket in ESTABLISHED on the listener's accept queue.  When the
 * table or the SYN's bucket is full the SYN is answered with a cookie
 * instead: no state at all, the ISS encodes what the ACK needs.
 *
 * Counters "tcp.<brane>.sc_<name>" (tcp_syncache.c's list), adding up:
 *
 *	syns = added + dupsyn + cookies_sent + qfull
 *	added = completed + expired + dropped + entries
 *	acks = completed + badack + cookies_ok + cookies_bad + ackqfull
 *
 * (entries is a gauge: those in the table now; it is 0 once the brane
 * is gone, every entry counted dropped then.)
 *
 * Lock order: a listener's so_lock, then a syncache bucket's lock, which
 * is a leaf: nothing is called with it held but kmem and the bucket's
 * continuation's scheduling (a SYN-ACK is sent and a socket made after
 * it is released).
 */
#ifndef _STACK_NETINET_TCP_SYNCACHE_H_
#define _STACK_NETINET_TCP_SYNCACHE_H_

#include <sys/kern.h>

struct brane;
struct mbuf;
struct syncache;
struct tcp_brane;
struct tcp_seg;
struct tcpcb;

#define SYNCACHE_HASHSIZE       64      /* buckets (a power of two) */
#define SYNCACHE_BUCKETLIMIT    16      /* entries a bucket holds */
#define SYNCACHE_LIMIT          512     /* entries the table holds */
#define SYNCACHE_ENTRY_MAX      128     /* bytes an entry may take */

/* Whether the brane's configuration asks for a syncache. */
bool	syncache_wanted(const struct brane *);
/*
 * The syncache of tb's brane, its secret drawn from its own stream
 * ("tcp.sc.<brane>").
 * => may sleep; tb's tb_group is set
 */
struct syncache *syncache_create(struct tcp_brane *tb);
/* Free every entry (counted dropped), stop the continuations.  NULL: no-op. */
void	syncache_destroy(struct syncache *);
/*
 * A segment sg (m, headers still on) to listener lp: a SYN, its ACK or a
 * reset for an entry or cookie.  Consumes m; counts it processed or
 * dropped (tcp_var.h).
 * => lp's so_lock held
 */
void	syncache_segment(struct syncache *, struct tcpcb *lp, struct mbuf *m,
	    const struct tcp_seg *sg);

#endif /* _STACK_NETINET_TCP_SYNCACHE_H_ */
