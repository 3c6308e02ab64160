/*
 * in_pcb.c -- Internet PCB tables for fast demultiplexing (in_pcb.h).
 *
 * The hash scheme: a PCB hangs in the bucket of its local port, and only
 * there, whether it is bound or connected.  Demux finds it with ONE bucket
 * lookup: it read-locks the bucket of the packet's destination port and
 * picks, among that port's PCBs, the best match -- connected to exactly
 * the packet's source (best), bound to the packet's destination address,
 * or bound to the wildcard address.  Because every PCB of a port is in
 * one bucket, bind's EADDRINUSE check reads one bucket too.  A port holds
 * few PCBs for UDP and raw sockets (one per local address at most); TCP,
 * whose accepted connections all share the listening port, will want a
 * second hash on the four-tuple for connected PCBs.
 *
 * Ephemeral ports come from a per-table counter walking 49152..65535
 * (IANA's dynamic range) from where it last stopped, skipping ports in
 * use: deterministic, and each brane has its own sequence.
 *
 * Locking.  Demux takes only a bucket's reader lock and hands the packet
 * to the socket with it held (so a PCB cannot be freed under it).  Every
 * change to the table -- bind, connect, free -- first takes the table's
 * inpt_portlock, which serialises them (so a check and the change it
 * guards are atomic), then the writer lock of the one bucket it changes.
 * Lock order: inpt_portlock, then a bucket's ib_lock; never two buckets.
 * Nothing here takes a socket lock.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>

#include <kern/ksocket.h>

#include <netinet/in.h>
#include <netinet/in_pcb.h>
#include <netinet/in_var.h>
#include <netinet/route.h>

#define IPPORT_ANONMIN  49152
#define IPPORT_ANONMAX  65535
#define INP_NOBUCKET    (~0u)

/* Match scores of in_pcblookup_deliver, best last. */
#define INP_MATCH_NONE          0
#define INP_MATCH_WILD          1       /* bound to INADDR_ANY */
#define INP_MATCH_LADDR         2       /* bound to the destination */
#define INP_MATCH_CONNECTED     3       /* connected to the source */

static u_int
in_pcbhash(const struct inpcbtable *t, in_port_t lport)
{
	uint32_t p = ntohs(lport);

	/* Ports are dense and sequential: fold the high byte in. */
	return (p ^ (p >> 7)) & (t->inpt_nbuckets - 1);
}

int
in_pcbtable_init(struct inpcbtable *t, u_int nbuckets)
{
	KASSERT(nbuckets > 0 && (nbuckets & (nbuckets - 1)) == 0);
	t->inpt_nbuckets = nbuckets;
	t->inpt_buckets = kmem_zalloc(nbuckets * sizeof(*t->inpt_buckets),
	    KM_SLEEP);
	for (u_int i = 0; i < nbuckets; i++)
		rw_init(&t->inpt_buckets[i].ib_lock);
	mutex_init(&t->inpt_portlock, MUTEX_DEFAULT, IPL_NONE);
	t->inpt_lastport = htons(IPPORT_ANONMIN - 1);
	return 0;
}

void
in_pcbtable_fini(struct inpcbtable *t)
{
	for (u_int i = 0; i < t->inpt_nbuckets; i++) {
		KASSERTMSG(t->inpt_buckets[i].ib_head == NULL,
		    "PCB table freed with PCBs in bucket %u", i);
		rw_destroy(&t->inpt_buckets[i].ib_lock);
	}
	mutex_destroy(&t->inpt_portlock);
	kmem_free(t->inpt_buckets, t->inpt_nbuckets * sizeof(*t->inpt_buckets));
	t->inpt_buckets = NULL;
}

/*
 * A PCB for so, not yet in any bucket (demux cannot find it until it is
 * bound or connected).
 */
struct inpcb *
in_pcballoc(struct inpcbtable *t, struct socket *so)
{
	struct inpcb *inp = kmem_zalloc(sizeof(*inp), KM_SLEEP);

	inp->inp_socket = so;
	inp->inp_table = t;
	inp->inp_bucket = INP_NOBUCKET;
	inp->inp_laddr.s_addr = INADDR_ANY;
	inp->inp_faddr.s_addr = INADDR_ANY;
	return inp;
}

/*
 * Give a PCB that is in its port's bucket new addresses (its port stays),
 * in place under the bucket's writer lock: demux sees the old or the new
 * ones, never no PCB.  => portlock held
 */
static void
in_pcbsetaddrs(struct inpcb *inp, struct in_addr laddr, struct in_addr faddr,
    in_port_t fport)
{
	struct inpcbtable *t = inp->inp_table;
	struct inpcb_bucket *b;

	KASSERT(mutex_owned(&t->inpt_portlock));
	KASSERT(inp->inp_bucket != INP_NOBUCKET);
	b = &t->inpt_buckets[inp->inp_bucket];
	rw_enter(&b->ib_lock, RW_WRITER);
	inp->inp_laddr = laddr;
	inp->inp_faddr = faddr;
	inp->inp_fport = fport;
	rw_exit(&b->ib_lock);
}

/* Hang inp in the bucket of its (new) local port.  => portlock held */
static void
in_pcblink(struct inpcb *inp, struct in_addr laddr, in_port_t lport)
{
	struct inpcbtable *t = inp->inp_table;
	u_int h = in_pcbhash(t, lport);
	struct inpcb_bucket *b = &t->inpt_buckets[h];
	struct inpcb **pp;

	KASSERT(mutex_owned(&t->inpt_portlock));
	KASSERT(inp->inp_bucket == INP_NOBUCKET && lport != 0);
	rw_enter(&b->ib_lock, RW_WRITER);
	/* At the tail: a bucket's order is the order of binding. */
	for (pp = &b->ib_head; *pp != NULL; pp = &(*pp)->inp_hnext)
		continue;
	inp->inp_laddr = laddr;
	inp->inp_lport = lport;
	inp->inp_bucket = h;
	inp->inp_hnext = NULL;
	*pp = inp;
	rw_exit(&b->ib_lock);
}

/* Take inp out of its bucket; demux no longer finds it.  => portlock held */
static void
in_pcbunlink(struct inpcb *inp)
{
	struct inpcbtable *t = inp->inp_table;
	struct inpcb_bucket *b;
	struct inpcb **pp;

	KASSERT(mutex_owned(&t->inpt_portlock));
	if (inp->inp_bucket == INP_NOBUCKET)
		return;
	b = &t->inpt_buckets[inp->inp_bucket];
	/* The writer lock waits out every demux still delivering to it. */
	rw_enter(&b->ib_lock, RW_WRITER);
	for (pp = &b->ib_head; *pp != inp; pp = &(*pp)->inp_hnext)
		KASSERTMSG(*pp != NULL, "PCB not in its bucket %u",
		    inp->inp_bucket);
	*pp = inp->inp_hnext;
	inp->inp_hnext = NULL;
	inp->inp_bucket = INP_NOBUCKET;
	rw_exit(&b->ib_lock);
}

void
in_pcbfree(struct inpcb *inp)
{
	struct inpcbtable *t = inp->inp_table;

	mutex_enter(&t->inpt_portlock);
	in_pcbunlink(inp);
	mutex_exit(&t->inpt_portlock);
	kmem_free(inp, sizeof(*inp));
}

/*
 * Whether a PCB other than self holds lport at laddr: the same address,
 * or either of them the wildcard.  => portlock held
 */
static bool
in_pcbinuse(struct inpcbtable *t, const struct inpcb *self,
    struct in_addr laddr, in_port_t lport)
{
	struct inpcb_bucket *b = &t->inpt_buckets[in_pcbhash(t, lport)];
	bool used = false;

	KASSERT(mutex_owned(&t->inpt_portlock));
	rw_enter(&b->ib_lock, RW_READER);
	for (struct inpcb *inp = b->ib_head; inp != NULL; inp = inp->inp_hnext) {
		if (inp == self || inp->inp_lport != lport)
			continue;
		if (inp->inp_laddr.s_addr == laddr.s_addr ||
		    inp->inp_laddr.s_addr == INADDR_ANY ||
		    laddr.s_addr == INADDR_ANY) {
			used = true;
			break;
		}
	}
	rw_exit(&b->ib_lock);
	return used;
}

/*
 * The next free ephemeral port, walking on from the last one given.
 * => portlock held; 0 if the whole range is in use
 */
static in_port_t
in_pcbephemeral(struct inpcbtable *t)
{
	const u_int range = IPPORT_ANONMAX - IPPORT_ANONMIN + 1;
	struct in_addr any = { INADDR_ANY };
	u_int p = ntohs(t->inpt_lastport);

	KASSERT(mutex_owned(&t->inpt_portlock));
	for (u_int tries = 0; tries < range; tries++) {
		p = (p >= IPPORT_ANONMAX || p < IPPORT_ANONMIN) ?
		    IPPORT_ANONMIN : p + 1;
		/* Unique on every address: so any local address may use it. */
		if (!in_pcbinuse(t, NULL, any, htons((in_port_t)p))) {
			t->inpt_lastport = htons((in_port_t)p);
			return htons((in_port_t)p);
		}
	}
	return 0;
}

int
in_pcbbind(struct inpcb *inp, struct brane *br, const struct sockaddr_in *sin)
{
	struct inpcbtable *t = inp->inp_table;
	struct in_addr laddr = { INADDR_ANY };
	in_port_t lport = 0;
	int error = 0;

	if (sin != NULL) {
		KASSERT(sin->sin_family == AF_INET);
		laddr = sin->sin_addr;
		lport = sin->sin_port;
	}
	/* Only the brane's own addresses: another brane's are not ours. */
	if (laddr.s_addr != INADDR_ANY && in_ifaddr_lookup(br, laddr) == NULL)
		return EADDRNOTAVAIL;
	mutex_enter(&t->inpt_portlock);
	if (inp->inp_lport != 0)
		error = EINVAL;
	else if (lport == 0 && (lport = in_pcbephemeral(t)) == 0)
		error = EAGAIN;
	else if (in_pcbinuse(t, inp, laddr, lport))
		error = EADDRINUSE;
	else
		in_pcblink(inp, laddr, lport);
	mutex_exit(&t->inpt_portlock);
	return error;
}

/*
 * Whether another PCB is connected with exactly this four-tuple.
 * => portlock held
 */
static bool
in_pcbconnected_dup(struct inpcbtable *t, const struct inpcb *self,
    struct in_addr laddr, in_port_t lport, struct in_addr faddr,
    in_port_t fport)
{
	struct inpcb_bucket *b = &t->inpt_buckets[in_pcbhash(t, lport)];
	bool dup = false;

	rw_enter(&b->ib_lock, RW_READER);
	for (struct inpcb *inp = b->ib_head; inp != NULL; inp = inp->inp_hnext) {
		if (inp != self && inp->inp_lport == lport &&
		    inp->inp_laddr.s_addr == laddr.s_addr &&
		    inp->inp_faddr.s_addr == faddr.s_addr &&
		    inp->inp_fport == fport) {
			dup = true;
			break;
		}
	}
	rw_exit(&b->ib_lock);
	return dup;
}

/*
 * Connect inp to sin: an unbound PCB gets an ephemeral port, one bound to
 * the wildcard gets the source address of the route to sin.  Connecting
 * again changes the peer.
 * => EADDRNOTAVAIL (no peer address or port), EHOSTUNREACH / ENETUNREACH
 *    (no route to choose a source address by), EADDRINUSE
 */
int
in_pcbconnect(struct inpcb *inp, struct brane *br,
    const struct sockaddr_in *sin)
{
	struct inpcbtable *t = inp->inp_table;
	struct in_addr laddr;
	struct rtresult rr;
	in_port_t lport;
	int error = 0;

	KASSERT(sin != NULL && sin->sin_family == AF_INET);
	if (sin->sin_port == 0 || sin->sin_addr.s_addr == INADDR_ANY)
		return EADDRNOTAVAIL;
	mutex_enter(&t->inpt_portlock);
	laddr = inp->inp_laddr;
	lport = inp->inp_lport;
	if (laddr.s_addr == INADDR_ANY) {
		if ((error = rt_lookup(br, sin->sin_addr, &rr)) != 0)
			goto out;
		laddr = rr.rr_src;
	}
	if (lport == 0 && (lport = in_pcbephemeral(t)) == 0) {
		error = EAGAIN;
		goto out;
	}
	if (in_pcbconnected_dup(t, inp, laddr, lport, sin->sin_addr,
	    sin->sin_port)) {
		error = EADDRINUSE;
		goto out;
	}
	if (inp->inp_bucket == INP_NOBUCKET) {
		inp->inp_faddr = sin->sin_addr;
		inp->inp_fport = sin->sin_port;
		in_pcblink(inp, laddr, lport);
	} else
		in_pcbsetaddrs(inp, laddr, sin->sin_addr, sin->sin_port);
out:
	mutex_exit(&t->inpt_portlock);
	return error;
}

int
in_pcbconnect_accepted(struct inpcb *inp, struct in_addr laddr,
    in_port_t lport, struct in_addr faddr, in_port_t fport)
{
	struct inpcbtable *t = inp->inp_table;
	int error = 0;

	KASSERT(inp->inp_bucket == INP_NOBUCKET && lport != 0 && fport != 0);
	mutex_enter(&t->inpt_portlock);
	if (in_pcbconnected_dup(t, inp, laddr, lport, faddr, fport))
		error = EADDRINUSE;
	else {
		inp->inp_faddr = faddr;
		inp->inp_fport = fport;
		in_pcblink(inp, laddr, lport);
	}
	mutex_exit(&t->inpt_portlock);
	return error;
}

/* Forget the peer; the PCB stays bound to its local address and port. */
void
in_pcbdisconnect(struct inpcb *inp)
{
	struct inpcbtable *t = inp->inp_table;
	struct in_addr any = { INADDR_ANY };

	mutex_enter(&t->inpt_portlock);
	if (inp->inp_bucket != INP_NOBUCKET)
		in_pcbsetaddrs(inp, inp->inp_laddr, any, 0);
	mutex_exit(&t->inpt_portlock);
}

/* How well inp matches a packet from src:sport to dst:dport. */
static int
in_pcbmatch(const struct inpcb *inp, struct in_addr src, in_port_t sport,
    struct in_addr dst, in_port_t dport)
{
	if (inp->inp_lport != dport)
		return INP_MATCH_NONE;
	if (inp->inp_laddr.s_addr != INADDR_ANY &&
	    inp->inp_laddr.s_addr != dst.s_addr)
		return INP_MATCH_NONE;
	if (inp->inp_faddr.s_addr != INADDR_ANY) {
		/* Connected: only its peer's packets. */
		if (inp->inp_faddr.s_addr != src.s_addr ||
		    inp->inp_fport != sport)
			return INP_MATCH_NONE;
		return INP_MATCH_CONNECTED;
	}
	return inp->inp_laddr.s_addr == INADDR_ANY ? INP_MATCH_WILD :
	    INP_MATCH_LADDR;
}

bool
in_pcblookup_deliver(struct inpcbtable *t, struct in_addr src,
    in_port_t sport, struct in_addr dst, in_port_t dport,
    void (*fn)(struct inpcb *, void *), void *arg)
{
	struct inpcb_bucket *b = &t->inpt_buckets[in_pcbhash(t, dport)];
	struct inpcb *best = NULL;
	int score, best_score = INP_MATCH_NONE;

	rw_enter(&b->ib_lock, RW_READER);
	for (struct inpcb *inp = b->ib_head; inp != NULL; inp = inp->inp_hnext) {
		score = in_pcbmatch(inp, src, sport, dst, dport);
		/* Ties go to the first bound: the bucket's order. */
		if (score > best_score) {
			best = inp;
			best_score = score;
			if (score == INP_MATCH_CONNECTED)
				break;
		}
	}
	if (best != NULL)
		(*fn)(best, arg);
	rw_exit(&b->ib_lock);
	return best != NULL;
}
