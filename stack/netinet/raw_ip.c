/*
 * raw_ip.c -- raw IPv4 sockets (raw_ip_var.h): what ping reads and
 * writes ICMP through.
 *
 * Demux (rip_input, called by ICMP input and for protocols nobody else
 * takes) walks the brane's list of raw sockets under its reader lock and
 * hands each socket that wants the packet a copy -- the last one the
 * packet itself -- with so_deliver, which never blocks.  The receive work
 * (rip_rcvd) only queues the packet whole in so_rcv with its sender:
 * raw sockets see the IPv4 header, as in BSD.
 *
 * Locking: rb_lock (reader: demux; writer: attach, bind, connect,
 * detach).  Socket entry points run with so_lock held; so_lock comes
 * before rb_lock.  Nothing here takes a socket lock from demux.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/ip.h>
#include <netinet/ip_var.h>
#include <netinet/raw_ip_var.h>

static const char *const ripstat_names[RIPSTAT_N] = {
#define RIPSTAT_NAME_(n, d) #n,
	RIPSTAT_LIST(RIPSTAT_NAME_)
#undef RIPSTAT_NAME_
};

static struct rip_brane *
rip_brane(const struct brane *br)
{
	KASSERTMSG(br->br_rip != NULL, "brane %s has no raw IP", br->br_name);
	return br->br_rip;
}

int
rip_init(void *arg)
{
	struct brane *br = arg;
	struct rip_brane *rb;

	KASSERT(br->br_rip == NULL);
	rb = kmem_zalloc(sizeof(*rb), KM_SLEEP);
	rw_init(&rb->rb_lock);
	CTASSERT(sizeof(rb->rb_group) >= sizeof("rip.") + BRANE_NAMESZ - 1);
	brane_group(br, "rip.", rb->rb_group, sizeof(rb->rb_group));
	for (u_int i = 0; i < RIPSTAT_N; i++)
		evcnt_attach_dynamic(&rb->rb_stat[i], EVCNT_TYPE_MISC, NULL,
		    rb->rb_group, ripstat_names[i]);
	br->br_rip = rb;
	return 0;
}

int
rip_fini(void *arg)
{
	struct brane *br = arg;
	struct rip_brane *rb = rip_brane(br);

	KASSERTMSG(rb->rb_head == NULL, "brane %s: raw sockets left",
	    br->br_name);
	for (u_int i = 0; i < RIPSTAT_N; i++)
		evcnt_detach(&rb->rb_stat[i]);
	rw_destroy(&rb->rb_lock);
	br->br_rip = NULL;
	kmem_free(rb, sizeof(*rb));
	return 0;
}

/* --- demux ----------------------------------------------------------------- */

static bool
rip_wants(const struct rawcb *rcb, const struct ip *ip)
{
	if (rcb->rcb_proto != 0 && rcb->rcb_proto != ip->ip_p)
		return false;
	if (rcb->rcb_laddr.s_addr != INADDR_ANY &&
	    rcb->rcb_laddr.s_addr != ip->ip_dst.s_addr)
		return false;
	if (rcb->rcb_faddr.s_addr != INADDR_ANY &&
	    rcb->rcb_faddr.s_addr != ip->ip_src.s_addr)
		return false;
	return true;
}

/* => rb_lock read-held: hand over, never block.  Consumes m. */
static void
rip_deliver(struct rip_brane *rb, struct rawcb *rcb, struct mbuf *m)
{
	SDT_PROBE2(rip, demux, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if (so_deliver(rcb->rcb_socket, m))
		RIPSTAT_INC(rb, delivered);
	else {
		RIPSTAT_INC(rb, fullpcq);
		m_freem(m);
	}
}

void
rip_input(struct ifnet *ifp, struct mbuf *m, int off)
{
	struct rip_brane *rb = rip_brane(ifp->if_brane);
	const struct ip *ip;
	struct rawcb *last = NULL;
	struct mbuf *n;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERT(off >= (int)sizeof(struct ip) && m->m_len >= off);
	RIPSTAT_INC(rb, received);
	SDT_PROBE2(rip, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	ip = mtod(m, const struct ip *);
	rw_enter(&rb->rb_lock, RW_READER);
	for (struct rawcb *rcb = rb->rb_head; rcb != NULL;
	    rcb = rcb->rcb_next) {
		if (!rip_wants(rcb, ip))
			continue;
		/* Every socket but the last gets a copy. */
		if (last != NULL) {
			if ((n = m_copym(m, 0, M_COPYALL, M_DONTWAIT)) != NULL)
				rip_deliver(rb, last, n);
			else
				RIPSTAT_INC(rb, nobufs);
		}
		last = rcb;
	}
	if (last != NULL)
		rip_deliver(rb, last, m);
	rw_exit(&rb->rb_lock);
	if (last == NULL) {
		RIPSTAT_INC(rb, nosock);
		m_freem(m);
	}
}

/* --- lazy receive ------------------------------------------------------------ */

void
rip_rcvd(struct socket *so, lwp_t *l)
{
	struct rip_brane *rb = rip_brane(so->so_brane);
	struct sockaddr_in from;
	struct mbuf *m;

	KASSERT(mutex_owned(&so->so_lock));
	while ((m = pcq_get(so->so_rcvpcq)) != NULL) {
		if (l != NULL)
			RIPSTAT_INC(rb, lazy_lwp);
		else
			RIPSTAT_INC(rb, lazy_kcont);
		sockaddr_in_init(&from, mtod(m, const struct ip *)->ip_src, 0);
		if (sbappend_dgram(so, (const struct sockaddr *)&from, m))
			RIPSTAT_INC(rb, queued);
		else
			RIPSTAT_INC(rb, fullsock);
	}
}

/* --- the socket's entry points ------------------------------------------------ */

static struct rawcb *
rip_pcb(const struct socket *so)
{
	KASSERT(mutex_owned(&so->so_lock));
	KASSERT(so->so_pcb != NULL);
	return so->so_pcb;
}

int
rip_attach(struct socket *so, int proto)
{
	struct rip_brane *rb = rip_brane(so->so_brane);
	struct rawcb *rcb, **pp;

	KASSERT(mutex_owned(&so->so_lock) && so->so_pcb == NULL);
	if (proto < 0 || proto >= IPPROTO_RAW)
		return EPROTONOSUPPORT;
	rcb = kmem_zalloc(sizeof(*rcb), KM_SLEEP);
	rcb->rcb_socket = so;
	rcb->rcb_proto = proto;
	rw_enter(&rb->rb_lock, RW_WRITER);
	for (pp = &rb->rb_head; *pp != NULL; pp = &(*pp)->rcb_next)
		continue;
	*pp = rcb;
	rw_exit(&rb->rb_lock);
	so->so_pcb = rcb;
	return 0;
}

void
rip_detach(struct socket *so)
{
	struct rip_brane *rb = rip_brane(so->so_brane);
	struct rawcb *rcb = rip_pcb(so), **pp;

	/* The writer lock waits out every demux delivering to it. */
	rw_enter(&rb->rb_lock, RW_WRITER);
	for (pp = &rb->rb_head; *pp != rcb; pp = &(*pp)->rcb_next)
		KASSERT(*pp != NULL);
	*pp = rcb->rcb_next;
	rw_exit(&rb->rb_lock);
	so->so_pcb = NULL;
	kmem_free(rcb, sizeof(*rcb));
	rb->rb_stat[RIPSTAT_closed].ev_count += so_rcvpcq_flush(so);
}

/* Set an address of the control block as the list's writer. */
static void
rip_setaddr(struct socket *so, struct in_addr *field, struct in_addr a)
{
	struct rip_brane *rb = rip_brane(so->so_brane);

	rw_enter(&rb->rb_lock, RW_WRITER);
	*field = a;
	rw_exit(&rb->rb_lock);
}

int
rip_bind(struct socket *so, const struct sockaddr *nam)
{
	struct rawcb *rcb = rip_pcb(so);
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	if (sin->sin_addr.s_addr != INADDR_ANY &&
	    in_ifaddr_lookup(so->so_brane, sin->sin_addr) == NULL)
		return EADDRNOTAVAIL;
	rip_setaddr(so, &rcb->rcb_laddr, sin->sin_addr);
	return 0;
}

int
rip_connect(struct socket *so, const struct sockaddr *nam)
{
	struct rawcb *rcb = rip_pcb(so);
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	if (sin->sin_addr.s_addr == INADDR_ANY)
		return EADDRNOTAVAIL;
	rip_setaddr(so, &rcb->rcb_faddr, sin->sin_addr);
	return 0;
}

int
rip_disconnect(struct socket *so)
{
	struct rawcb *rcb = rip_pcb(so);
	struct in_addr any = { INADDR_ANY };

	if (rcb->rcb_faddr.s_addr == INADDR_ANY)
		return ENOTCONN;
	rip_setaddr(so, &rcb->rcb_faddr, any);
	return 0;
}

/* Send m (the protocol's header and data) behind an IPv4 header.  Consumes m. */
int
rip_send(struct socket *so, struct mbuf *m, const struct sockaddr *to)
{
	struct rawcb *rcb = rip_pcb(so);
	const struct sockaddr_in *sin;
	struct in_addr dst = rcb->rcb_faddr;
	struct ip *ip;
	int error, len = m->m_pkthdr.len;

	if (to != NULL) {
		if ((error = sockaddr_in_check(to, &sin)) != 0)
			goto fail;
		dst = sin->sin_addr;
	}
	if (dst.s_addr == INADDR_ANY) {
		error = ENOTCONN;
		goto fail;
	}
	if (rcb->rcb_proto == 0) {
		error = EINVAL;         /* no protocol to put in the header */
		goto fail;
	}
	if (len > IP_MAXPACKET - (int)sizeof(*ip)) {
		error = EMSGSIZE;
		goto fail;
	}
	M_PREPEND(m, sizeof(*ip), M_DONTWAIT);
	if (m == NULL)
		return ENOBUFS;
	ip = mtod(m, struct ip *);
	memset(ip, 0, sizeof(*ip));
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)(sizeof(*ip) + (size_t)len));
	ip->ip_p = (uint8_t)rcb->rcb_proto;
	ip->ip_src = rcb->rcb_laddr;    /* INADDR_ANY: ip_output chooses */
	ip->ip_dst = dst;
	RIPSTAT_INC(rip_brane(so->so_brane), sent);
	return ip_output(so->so_brane, m, 0);
fail:
	m_freem(m);
	return error;
}
