/*
 * uipc_socket.c -- sockets: the calls simulated programs make, and the
 * receive path of fast demultiplexing and lazy receive (ksocket.h).
 *
 * The one idea: demux never waits for a socket.  It puts the packet on
 * the socket's receive PCQ (lockless, bounded), notes "PCQ needs
 * processing" (so_pending), schedules the socket's continuation one clock
 * tick ahead and signals a reader -- under so_cvlock only, which nobody
 * holds for long.  The protocol's receive work (checksum, taking the
 * headers off, queueing in so_rcv) is done later by pr_rcvd with the
 * socket lock held, by whoever needs it first:
 *
 *   - an LWP in soreceive does it for its own socket, on its own CPU
 *     (lazy receive); demux's signal is what wakes it;
 *   - otherwise the socket's continuation does it when it fires.  It is
 *     scheduled 1 tick ahead (KCONT_SOFTNET), so it runs at the next
 *     clock tick -- within 1 ms at the default hz.  Ticks because the
 *     kcont interface counts ticks; one because that gives an LWP busy
 *     elsewhere (sending, say) time to come back to soreceive and do the
 *     work itself, while a socket nobody reads still gets its packets
 *     checked and queued within a tick.  It does nothing if an LWP waits
 *     or the work is done.  It is scheduled only when so_pending goes
 *     from 0 to 1, so a stream of packets cannot keep pushing it back.
 *     A stream's runs at once (so_stream_init), and a connection's is
 *     not scheduled at all while an LWP waits on it: that LWP, woken,
 *     does the work (in a bulk transfer nearly every segment finds one
 *     waiting, and the continuation ran once a segment to find the
 *     work done).  A listener's is (so_deliver says why).
 *
 * so_pending protocol: demux sets it (atomic swap, under so_cvlock) after
 * its pcq_put; the consumer clears it (atomic swap, under so_lock) BEFORE
 * draining the PCQ.  A put that the drain missed therefore sets it again
 * afterwards, and a reader checks it under so_cvlock before sleeping, so
 * no packet is left behind without someone being woken for it.
 *
 * The overflow.  A stream's PCQ is small (SO_PCQ_STREAM slots, as many
 * as the simulated TCP scenarios ever queue at once: an idle connection
 * holds little more than its socket, PCB and tcpcb), but a peer may send
 * a window's worth of segments back to back while the socket's owner
 * holds so_lock (a Linux peer does, to a server echoing), and a segment
 * demux cannot queue is lost.  So behind the PCQ each stream has a list
 * of the mbufs themselves, linked by m_nextpkt: no memory of its own,
 * none taken in demux, bounded by so_rcvovfl_max (the PCQ and the list
 * hold so_pcqlen packets together, as one PCQ did).  Demux pushes on
 * it (a CAS on its head: a push-only stack has no ABA) when the PCQ is
 * full, and also whenever the list is not empty, so that nothing it
 * queues overtakes what waits there.  The consumer (so_rcvq_get) takes
 * its batch, oldest first, then the PCQ, and takes the list (one swap,
 * reversed) only when the PCQ gives nothing: the PCQ's packets were
 * queued before the list's first, the batch's before anything the PCQ
 * took since the swap.  So each producer's packets come out in its
 * order -- except if a producer stalls between its PCQ reservation and
 * its publication (pcq.h) just as the PCQ fills: the list's packets may
 * then pass the ones behind the stalled slot, which TCP takes as
 * reordering.
 *
 * Lock order: so_lock, then so_cvlock (ksocket.h); so_lock comes before
 * every lock of the protocols below (PCB table, routes, interfaces).
 * Demux holds a PCB bucket's reader lock when it takes so_cvlock; nothing
 * takes a bucket lock with so_cvlock held.  Never allocates in demux.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/condvar.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include <kern/kcont.h>
#include <kern/ksocket.h>
#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/proc.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>

/*
 * An idle connection's kernel memory is mostly its blocks (issue 13's
 * 2 KiB, tests/test_tcp_idle.py): a socket is one 512-byte block.
 */
CTASSERT(sizeof(struct socket) <= 512);

/* How long the continuation waits before doing the work itself. */
#define SO_KCONT_DELAY_TICKS    1
/* Room kept in front of a datagram for Ethernet, IPv4 and UDP headers. */
#define SO_HDRSPACE             64

/* The brane a socket created now belongs to: the caller's process's. */
static struct brane *
so_brane_of_caller(void)
{
	struct proc *p = curproc();

	if (p != NULL && p->p_brane != NULL)
		return p->p_brane;
	return brane_default();         /* a kernel thread */
}

static void
so_free(struct socket *so)
{
	KASSERT(so->so_rcv.sb_head == NULL && so->so_rcv.sb_cc == 0);
	KASSERT(so->so_snd.sb_head == NULL && so->so_snd.sb_cc == 0);
	KASSERT(so->so_q == NULL);
	KASSERT(so->so_rcvpcq == NULL || pcq_peek(so->so_rcvpcq) == NULL);
	KASSERT(so->so_rcvovfl == NULL && so->so_rcvbatch == NULL);
	KASSERT(so->so_rcvovfl_n == 0);
	kcont_destroy(&so->so_kc);
	if (so->so_rcvpcq != NULL)
		pcq_destroy(so->so_rcvpcq);
	cv_destroy(&so->so_cv);
	mutex_destroy(&so->so_cvlock);
	mutex_destroy(&so->so_lock);
	kmem_free(so, sizeof(*so));
}

/* Do the protocol work pending for the socket.  => so_lock held */
static void
so_dorcvd(struct socket *so, lwp_t *l)
{
	KASSERT(mutex_owned(&so->so_lock));
	/* Cleared before draining: a put the drain misses sets it again. */
	if (atomic_swap_32(&so->so_pending, 0) != 0)
		(*so->so_proto->pr_rcvd)(so, l);
}

/*
 * The socket's continuation: the receive work when nobody waits to do
 * it (soft interrupt, may take adaptive mutexes).
 */
static void
so_kcont(void *arg)
{
	struct socket *so = arg;
	u_int waiters;

	mutex_enter(&so->so_lock);
	mutex_enter(&so->so_cvlock);
	waiters = so->so_waiters;
	mutex_exit(&so->so_cvlock);
	/* A waiting LWP was signalled for the work: leave it to it. */
	if (waiters == 0)
		so_dorcvd(so, NULL);
	mutex_exit(&so->so_lock);
}

/*
 * The receive queue's length.  A datagram socket's PCQ holds
 * SO_PCQ_MAXLEN packets.  A stream's queue holds what its receive
 * window lets a peer send at once in segments of 1 KiB or more (64 for
 * the default 64 KiB buffer), at least 16: a peer never has more than a
 * window in flight.  A stream gets its queue when it connects or
 * listens (so_rcvpcq_make); until then demux finds none and drops what
 * comes, as the protocol would.
 *
 * Not less: demux drains a connection's queue itself when the socket
 * lock is free (tcp_deliver), and in the simulated-only TCP scenarios
 * no more than 2 segments are ever queued at once; but a Linux peer
 * across the real-time bridge sends a window in a burst while the
 * server's LWP holds the lock echoing, and with 16 places the demux
 * dropped thousands of segments of tests/test_realtime.py's clean
 * transfers (fullpcq, then retransmissions).  Only SO_PCQ_STREAM of
 * them are PCQ slots, though; the rest is the overflow list (above),
 * which costs no memory while it is empty.
 */
static size_t
so_pcqlen(int type, u_int rcvhiwat)
{
	size_t n = 16;

	if (type != SOCK_STREAM)
		return SO_PCQ_MAXLEN;
	while (n < SO_PCQ_MAXLEN && n * 1024 < rcvhiwat)
		n *= 2;
	return n;
}

/*
 * A stream's receive queue for a receive buffer of rcvhiwat bytes: a
 * PCQ of at most SO_PCQ_STREAM slots, and the overflow list's limit
 * set (so_rcvovfl_max), so_pcqlen places in all.  Not yet published.
 */
static pcq_t *
so_stream_rcvq(struct socket *so, u_int rcvhiwat)
{
	size_t n = so_pcqlen(SOCK_STREAM, rcvhiwat);
	size_t ring = MIN(n, (size_t)SO_PCQ_STREAM);

	KASSERT(so->so_type == SOCK_STREAM && so->so_rcvpcq == NULL);
	KASSERT(so->so_rcvovfl == NULL && so->so_rcvovfl_n == 0);
	so->so_rcvovfl_max = (uint32_t)(n - ring);
	return pcq_create(ring, KM_SLEEP);
}

/*
 * A stream about to connect or listen gets its receive PCQ, published
 * for demux (which reads it with an acquire); one that has one keeps it.
 * => so_lock held
 */
static void
so_rcvpcq_make(struct socket *so, bool listening)
{
	KASSERT(mutex_owned(&so->so_lock));
	if (so->so_rcvpcq != NULL)
		return;
	KASSERT(so->so_type == SOCK_STREAM);     /* the others have one */
	so->so_waitwork = !listening;
	/* Release: so_rcvovfl_max, so_waitwork before the PCQ. */
	atomic_store_release(&so->so_rcvpcq, so_stream_rcvq(so,
	    so->so_rcv.sb_hiwat));
}

/*
 * A stream's defaults: a send buffer, and its continuation run as soon
 * as demux queues a segment (ACKs free the send buffer and clock out
 * data: a tick's delay would stall a sender that is not blocked).
 */
static void
so_stream_init(struct socket *so)
{
	so->so_kcdelay = SO_KCONT_DELAY_TICKS;
	if (so->so_type != SOCK_STREAM)
		return;
	so->so_snd.sb_hiwat = SO_SNDBUF_DEFAULT;
	so->so_kcdelay = 0;
}

int
socreate(int family, struct socket **sop, int type, int proto)
{
	const struct protosw *pr;
	struct socket *so;
	struct brane *br;
	int error;

	*sop = NULL;
	pr = proto != 0 ? pffindproto(family, proto, type) :
	    pffindtype(family, type);
	if (pr == NULL)
		return pffindtype(family, type) != NULL ? EPROTONOSUPPORT :
		    EAFNOSUPPORT;
	KASSERT(pr->pr_attach != NULL && pr->pr_rcvd != NULL);
	if ((br = so_brane_of_caller()) == NULL)
		return ENETDOWN;        /* the network was never booted */
	so = kmem_zalloc(sizeof(*so), KM_SLEEP);
	mutex_init(&so->so_lock, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&so->so_cvlock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&so->so_cv, "sorecv");
	so->so_rcv.sb_hiwat = SO_RCVBUF_DEFAULT;
	if (type != SOCK_STREAM)        /* a stream's: so_rcvpcq_make */
		so->so_rcvpcq = pcq_create(so_pcqlen(type,
		    so->so_rcv.sb_hiwat), KM_SLEEP);
	kcont_init(&so->so_kc, so_kcont, so, KCONT_SOFTNET);
	so->so_proto = pr;
	so->so_brane = br;
	so->so_type = type;
	so_stream_init(so);
	mutex_enter(&so->so_lock);
	error = (*pr->pr_attach)(so, proto);
	mutex_exit(&so->so_lock);
	if (error != 0) {
		so_free(so);
		return error;
	}
	*sop = so;
	return 0;
}

/* The error an ICMP message left for the socket, taken.  => so_lock held */
static int
so_takeerror(struct socket *so)
{
	KASSERT(mutex_owned(&so->so_lock));
	if (atomic_load_relaxed(&so->so_error) == 0)
		return 0;
	return (int)atomic_swap_32(&so->so_error, 0);
}

int
sobind(struct socket *so, const struct sockaddr *nam)
{
	int error;

	KASSERT(so != NULL);
	if (so->so_proto->pr_bind == NULL)
		return EOPNOTSUPP;
	mutex_enter(&so->so_lock);
	error = (*so->so_proto->pr_bind)(so, nam);
	mutex_exit(&so->so_lock);
	return error;
}

static int so_wait(struct socket *, uint64_t deadline_ns);
static int so_connect_wait(struct socket *);
static int so_send_stream(struct socket *, const void *, size_t, int);
static int so_receive_stream(struct socket *, void *, size_t *, int);

/* Connect to nam; an AF_UNSPEC address disconnects. */
int
soconnect(struct socket *so, const struct sockaddr *nam)
{
	const struct protosw *pr = so->so_proto;
	int error;

	KASSERT(so != NULL && nam != NULL);
	mutex_enter(&so->so_lock);
	if (nam->sa_family == AF_UNSPEC)
		error = pr->pr_disconnect != NULL ?
		    (*pr->pr_disconnect)(so) : EOPNOTSUPP;
	else if (pr->pr_connect != NULL) {
		so_rcvpcq_make(so, false);
		error = (*pr->pr_connect)(so, nam);
	} else
		error = EOPNOTSUPP;
	if (error == 0 && (pr->pr_flags & PR_CONNREQUIRED) != 0)
		error = so_connect_wait(so);
	mutex_exit(&so->so_lock);
	return error;
}

/*
 * One datagram of len bytes from buf, with room for the headers in front:
 * small ones in the packet header mbuf itself, larger ones in clusters
 * behind an empty first mbuf.  NULL when out of mbufs.
 */
static struct mbuf *
so_datagram(const void *buf, size_t len)
{
	struct mbuf *m = m_gethdr(M_WAIT, MT_DATA);

	KASSERT(len <= SO_SEND_MAX);
	m_align(m, len <= (size_t)(MHLEN - SO_HDRSPACE) ? (int)len : 0);
	if (len > 0 && !m_append(m, (int)len, buf)) {
		m_freem(m);
		return NULL;
	}
	KASSERT(m->m_pkthdr.len == (int)len);
	return m;
}

int
sosend(struct socket *so, const struct sockaddr *to, const void *buf,
    size_t len, int flags)
{
	struct mbuf *m;
	uint64_t id;
	int error;

	KASSERT(so != NULL && (buf != NULL || len == 0));
	if (so->so_type == SOCK_STREAM)
		return so_send_stream(so, buf, len, flags);
	/* Datagrams never wait for buffer space here. */
	if (len > SO_SEND_MAX)
		return EMSGSIZE;
	mutex_enter(&so->so_lock);
	if ((error = so_takeerror(so)) != 0)
		goto out;
	/* Every call takes an id, sent or not: ids follow the calls. */
	id = so->so_pktid;
	if (id != 0)
		so->so_pktid++;
	if ((m = so_datagram(buf, len)) == NULL) {
		error = ENOBUFS;
		goto out;
	}
	m->m_pkthdr.ph_id = id;
	SDT_PROBE2(sock, send, len, id);
	error = (*so->so_proto->pr_send)(so, m, to);
out:
	mutex_exit(&so->so_lock);
	return error;
}

/* The reader woke: name the packet that (probably) woke it. */
static void
so_wakeup_probe(struct socket *so)
{
	struct mbuf *m = so->so_rcvbatch;

	if (m == NULL && so->so_rcvpcq != NULL)
		m = pcq_peek(so->so_rcvpcq);

	SDT_PROBE2(sock, wake, m != NULL ? m->m_pkthdr.len : 0,
	    m != NULL ? m->m_pkthdr.ph_id : 0);
}

/*
 * Sleep until demux or an error wakes the socket, or the deadline (0:
 * none).  Drops so_lock while asleep.  => so_lock held; 0 or EWOULDBLOCK
 */
static int
so_wait(struct socket *so, uint64_t deadline_ns)
{
	int error = 0, ticks = 0;

	KASSERT(mutex_owned(&so->so_lock));
	if (deadline_ns != 0 && (ticks = ticks_until(deadline_ns)) == 0)
		return EWOULDBLOCK;
	mutex_enter(&so->so_cvlock);
	/* Checked under so_cvlock, which demux holds to set it: no lost wake. */
	if (atomic_load_relaxed(&so->so_pending) != 0 ||
	    atomic_load_relaxed(&so->so_error) != 0) {
		mutex_exit(&so->so_cvlock);
		return 0;               /* no sleep: no wake-up to report */
	}
	so->so_waiters++;
	mutex_exit(&so->so_lock);
	if (deadline_ns == 0)
		cv_wait(&so->so_cv, &so->so_cvlock);
	else
		error = cv_timedwait(&so->so_cv, &so->so_cvlock, ticks);
	KASSERT(so->so_waiters > 0);
	so->so_waiters--;
	mutex_exit(&so->so_cvlock);
	mutex_enter(&so->so_lock);
	so_wakeup_probe(so);
	return error;
}

/* Unlink sb's first record and take its bytes off sb_cc.  => so_lock held */
static struct mbuf *
sb_dequeue_record(struct sockbuf *sb)
{
	struct mbuf *n = sb->sb_head, *m;
	u_int reclen;

	KASSERT(n != NULL && n->m_type == MT_SONAME);
	m = n->m_next;
	KASSERT(m != NULL && (m->m_flags & M_PKTHDR));
	if ((sb->sb_head = n->m_nextpkt) == NULL)
		sb->sb_tail = NULL;
	n->m_nextpkt = NULL;
	/* The address and the data, as sbappend_dgram counted them. */
	reclen = (u_int)n->m_len + (u_int)m->m_pkthdr.len;
	KASSERT(sb->sb_cc >= reclen);
	sb->sb_cc -= reclen;
	return n;
}

/* Take so_rcv's first record into the caller's buffer.  => so_lock held */
static void
so_takerecord(struct socket *so, struct sockaddr *from, void *buf,
    size_t *lenp)
{
	struct mbuf *n, *m;
	size_t copy;

	KASSERT(mutex_owned(&so->so_lock));
	n = sb_dequeue_record(&so->so_rcv);
	m = n->m_next;
	if (from != NULL)
		memcpy(from, mtod(n, void *), MIN((size_t)n->m_len,
		    sizeof(*from)));
	copy = MIN(*lenp, (size_t)m->m_pkthdr.len);
	if (copy > 0)
		m_copydata(m, 0, (int)copy, buf);
	*lenp = copy;
	SDT_PROBE2(sock, recv, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	m_freem(n);             /* the address and, through m_next, the data */
}

int
soreceive(struct socket *so, struct sockaddr *from, void *buf, size_t *lenp,
    int flags)
{
	bool nbio, timedout = false;
	uint64_t deadline_ns = 0;
	int error = 0;

	KASSERT(so != NULL && lenp != NULL && (buf != NULL || *lenp == 0));
	if (so->so_type == SOCK_STREAM) {
		if (from != NULL)
			memset(from, 0, sizeof(*from));
		return so_receive_stream(so, buf, lenp, flags);
	}
	mutex_enter(&so->so_lock);
	nbio = so->so_nbio || (flags & MSG_DONTWAIT) != 0;
	if (!nbio && so->so_rcvtimeo_ns != 0)
		deadline_ns = getnanouptime() + so->so_rcvtimeo_ns;
	for (;;) {
		/* Lazy receive: this LWP does its socket's pending work. */
		so_dorcvd(so, curlwp);
		if (so->so_rcv.sb_head != NULL)
			break;
		if ((error = so_takeerror(so)) != 0)
			goto out;
		if (nbio || timedout) {
			error = EWOULDBLOCK;
			goto out;
		}
		timedout = so_wait(so, deadline_ns) == EWOULDBLOCK;
	}
	so_takerecord(so, from, buf, lenp);
out:
	mutex_exit(&so->so_lock);
	return error;
}

/* The option's value, of exactly the size expected. */
static int
so_optval(const void *val, size_t size, void *out, size_t want)
{
	if (val == NULL || size != want)
		return EINVAL;
	memcpy(out, val, want);
	return 0;
}

static int
so_setopt_locked(struct socket *so, int name, const void *val, size_t size)
{
	uint64_t u64;
	int error, i;

	switch (name) {
	case SO_RCVTIMEO:
		if ((error = so_optval(val, size, &u64, sizeof(u64))) == 0)
			so->so_rcvtimeo_ns = u64;
		return error;
	case SO_NBIO:
		if ((error = so_optval(val, size, &i, sizeof(i))) == 0)
			so->so_nbio = i != 0;
		return error;
	case SO_RCVBUF:
		if ((error = so_optval(val, size, &i, sizeof(i))) != 0)
			return error;
		if (i <= 0 || i > SO_RCVBUF_MAX)
			return EINVAL;
		so->so_rcv.sb_hiwat = (u_int)i;
		return 0;
	case SO_PKTID:
		if ((error = so_optval(val, size, &u64, sizeof(u64))) == 0)
			so->so_pktid = u64;
		return error;
	case SO_SNDTIMEO:
		if ((error = so_optval(val, size, &u64, sizeof(u64))) == 0)
			so->so_sndtimeo_ns = u64;
		return error;
	case SO_SNDBUF:
		if ((error = so_optval(val, size, &i, sizeof(i))) != 0)
			return error;
		if (so->so_type != SOCK_STREAM)
			return ENOPROTOOPT;
		if (i <= 0 || i > SO_RCVBUF_MAX)
			return EINVAL;
		so->so_snd.sb_hiwat = (u_int)i;
		return 0;
	case SO_KEEPALIVE:
		if ((error = so_optval(val, size, &i, sizeof(i))) != 0)
			return error;
		if (so->so_type != SOCK_STREAM)
			return ENOPROTOOPT;
		so->so_options = i != 0 ? SO_KEEPALIVE : 0;
		return 0;
	default:
		return ENOPROTOOPT;
	}
}

int
sosetopt(struct socket *so, int level, int name, const void *val, size_t size)
{
	struct sockopt sopt = { level, name, (void *)(uintptr_t)val, size };
	int error;

	KASSERT(so != NULL);
	mutex_enter(&so->so_lock);
	if (level == SOL_SOCKET)
		error = so_setopt_locked(so, name, val, size);
	else if (so->so_proto->pr_setopt != NULL)
		error = (*so->so_proto->pr_setopt)(so, &sopt);
	else
		error = ENOPROTOOPT;
	mutex_exit(&so->so_lock);
	return error;
}

/* Copy an option's value out, if the caller's buffer is its size. */
static int
so_optout(void *val, size_t *sizep, const void *in, size_t have)
{
	if (val == NULL || sizep == NULL || *sizep != have)
		return EINVAL;
	memcpy(val, in, have);
	return 0;
}

static int
so_getopt_locked(struct socket *so, int name, void *val, size_t *sizep)
{
	int i;

	switch (name) {
	case SO_RCVTIMEO:
		return so_optout(val, sizep, &so->so_rcvtimeo_ns, sizeof(uint64_t));
	case SO_NBIO:
		i = so->so_nbio;
		return so_optout(val, sizep, &i, sizeof(i));
	case SO_RCVBUF:
		i = (int)so->so_rcv.sb_hiwat;
		return so_optout(val, sizep, &i, sizeof(i));
	case SO_PKTID:
		return so_optout(val, sizep, &so->so_pktid, sizeof(uint64_t));
	case SO_SNDTIMEO:
		return so_optout(val, sizep, &so->so_sndtimeo_ns,
		    sizeof(uint64_t));
	case SO_SNDBUF:
		i = (int)so->so_snd.sb_hiwat;
		return so_optout(val, sizep, &i, sizeof(i));
	case SO_KEEPALIVE:
		i = (so->so_options & SO_KEEPALIVE) != 0;
		return so_optout(val, sizep, &i, sizeof(i));
	case SO_ERROR:
		if (val == NULL || sizep == NULL || *sizep != sizeof(int))
			return EINVAL;
		i = so_takeerror(so);
		memcpy(val, &i, sizeof(i));
		return 0;
	default:
		return ENOPROTOOPT;
	}
}

int
sogetopt(struct socket *so, int level, int name, void *val, size_t *sizep)
{
	struct sockopt sopt = { level, name, val, sizep ? *sizep : 0 };
	int error;

	KASSERT(so != NULL);
	mutex_enter(&so->so_lock);
	if (level == SOL_SOCKET)
		error = so_getopt_locked(so, name, val, sizep);
	else if (so->so_proto->pr_getopt != NULL) {
		error = (*so->so_proto->pr_getopt)(so, &sopt);
		if (error == 0 && sizep != NULL)
			*sizep = sopt.sopt_size;
	} else
		error = ENOPROTOOPT;
	mutex_exit(&so->so_lock);
	return error;
}

/*
 * Close: the protocol detaches (its PCB leaves the table, so demux can no
 * longer reach the socket, and it drains the PCQ), the continuation is
 * halted, what so_rcv holds is freed.  A stream protocol may keep the
 * socket (so_pcb still set: a FIN to send, TIME_WAIT): it is then
 * marked SS_NOFDREF and the protocol frees it later (sofree).  A
 * listener's connections nobody accepted are closed after it.
 * => no other LWP may be using the socket
 */
int
soclose(struct socket *so)
{
	struct socket *q, *next;

	KASSERT(so != NULL);
	mutex_enter(&so->so_lock);
	mutex_enter(&so->so_cvlock);
	KASSERTMSG(so->so_waiters == 0, "soclose: %u LWPs still wait in "
	    "soreceive", so->so_waiters);
	mutex_exit(&so->so_cvlock);
	(*so->so_proto->pr_detach)(so);
	/* Taken after the detach: no connection can be queued any more. */
	q = so->so_q;
	so->so_q = so->so_qtail = NULL;
	so->so_qlen = 0;
	if (so->so_pcb != NULL) {
		/* The protocol keeps it; the owner's data is dropped. */
		so->so_state |= SS_NOFDREF;
		sbflush(&so->so_rcv);
		mutex_exit(&so->so_lock);
		goto children;
	}
	mutex_exit(&so->so_lock);
	/* Not under so_lock: a run in progress may be waiting for it. */
	kcont_halt(&so->so_kc);
	mutex_enter(&so->so_lock);
	KASSERT(so->so_rcvpcq == NULL || pcq_peek(so->so_rcvpcq) == NULL);
	while (so->so_rcv.sb_head != NULL) {
		if (so->so_type == SOCK_STREAM) {
			sbflush(&so->so_rcv);
			break;
		}
		m_freem(sb_dequeue_record(&so->so_rcv));
		so->so_rcvdrops++;
	}
	sbflush(&so->so_snd);
	mutex_exit(&so->so_lock);
	so_free(so);
children:
	/* One socket lock at a time: the listener's is no longer held. */
	for (; q != NULL; q = next) {
		next = q->so_qnext;
		q->so_qnext = NULL;
		(void)soclose(q);
	}
	return 0;
}

/* --- for protocols ------------------------------------------------------- */

/*
 * Push m on the stream's overflow list, if it is not at its limit.
 * => demux (so_deliver); m not yet reachable by anyone else
 */
static bool
so_rcvovfl_push(struct socket *so, struct mbuf *m)
{
	uint32_t n, seen, max = so->so_rcvovfl_max;
	struct mbuf *head, *was;

	KASSERT(m->m_nextpkt == NULL);
	KASSERT(max > 0 && max <= SO_PCQ_MAXLEN);
	/* Count it in first: the list never holds more than max. */
	n = atomic_load_relaxed(&so->so_rcvovfl_n);
	for (;;) {
		if (n >= max)
			return false;
		if ((seen = atomic_cas_32(&so->so_rcvovfl_n, n, n + 1)) == n)
			break;
		n = seen;
	}
	head = atomic_load_relaxed(&so->so_rcvovfl);
	for (;;) {
		m->m_nextpkt = head;
		/* The CAS (seq_cst) publishes m and its link to the swap. */
		if ((was = atomic_cas_ptr(&so->so_rcvovfl, head, m)) == head)
			return true;
		head = was;
	}
}

bool
so_rcvq_put(struct socket *so, struct mbuf *m)
{
	/* A stream's is published once, later (so_rcvpcq_make). */
	pcq_t *pcq = so->so_type == SOCK_STREAM ?
	    atomic_load_acquire(&so->so_rcvpcq) : so->so_rcvpcq;
	bool put;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERTMSG(!mutex_owned(&so->so_lock), "demux holds the socket lock");
	if (pcq == NULL)
		return false;
	/*
	 * From here a reader may take m at once: m is not touched again.
	 * Into the PCQ only while the overflow list is empty (nothing
	 * passes what waits there).
	 */
	if (so->so_rcvovfl_max == 0)
		put = pcq_put(pcq, m);
	else
		put = (atomic_load_relaxed(&so->so_rcvovfl) == NULL &&
		    pcq_put(pcq, m)) || so_rcvovfl_push(so, m);
	return put;
}

void
so_rcvq_notify(struct socket *so)
{
	KASSERTMSG(!mutex_owned(&so->so_lock), "demux holds the socket lock");
	mutex_enter(&so->so_cvlock);
	/*
	 * The continuation, unless an LWP waits on a connection: woken
	 * below, it does the work (so_wait_until's loop begins with
	 * so_dorcvd), so the continuation would only find it done.  A
	 * listener's runs even so: under a SYN flood its LWP, waiting in
	 * soaccept, runs behind the soft interrupts, and the handshakes
	 * then wait for it (syn-flood.json's connects took 1.14 ms instead
	 * of 0.30).  A datagram socket's is a tick ahead and stands down
	 * itself if it finds a waiter.
	 */
	if (atomic_swap_32(&so->so_pending, 1) == 0 &&
	    (so->so_waiters == 0 || !so->so_waitwork))
		kcont_schedule(&so->so_kc, so->so_kcdelay);
	/* A stream may have a reader and a writer waiting: wake both. */
	if (so->so_waiters > 0 && so->so_type == SOCK_STREAM)
		cv_broadcast(&so->so_cv);
	else if (so->so_waiters > 0)
		cv_signal(&so->so_cv);
	mutex_exit(&so->so_cvlock);
}

bool
so_deliver(struct socket *so, struct mbuf *m)
{
	if (!so_rcvq_put(so, m))
		return false;
	so_rcvq_notify(so);
	return true;
}

void
so_seterror(struct socket *so, int error)
{
	KASSERT(error > 0);
	KASSERTMSG(!mutex_owned(&so->so_lock), "so_seterror under so_lock");
	atomic_swap_32(&so->so_error, (uint32_t)error);
	mutex_enter(&so->so_cvlock);
	if (so->so_waiters > 0)
		cv_broadcast(&so->so_cv);
	mutex_exit(&so->so_cvlock);
}

struct mbuf *
so_rcvq_get(struct socket *so)
{
	struct mbuf *m, *list, *next;
	uint32_t n = 0;

	KASSERT(mutex_owned(&so->so_lock));
	if (so->so_rcvpcq == NULL)
		return NULL;
	if ((m = so->so_rcvbatch) != NULL) {
		so->so_rcvbatch = m->m_nextpkt;
		m->m_nextpkt = NULL;
		return m;
	}
	if ((m = pcq_get(so->so_rcvpcq)) != NULL || so->so_rcvovfl_max == 0)
		return m;
	/* The PCQ gave nothing: now the list's turn (newest first). */
	if (atomic_load_relaxed(&so->so_rcvovfl) == NULL)
		return NULL;
	list = atomic_swap_ptr(&so->so_rcvovfl, NULL);
	for (; list != NULL; list = next, n++) {
		next = list->m_nextpkt;
		list->m_nextpkt = m;
		m = list;
	}
	KASSERT(m != NULL && n >= 1 && n <= so->so_rcvovfl_max);
	atomic_add_32(&so->so_rcvovfl_n, -(int32_t)n);
	so->so_rcvbatch = m->m_nextpkt;
	m->m_nextpkt = NULL;
	return m;
}

u_int
so_rcvpcq_flush(struct socket *so)
{
	struct mbuf *m;
	u_int n = 0;

	KASSERT(mutex_owned(&so->so_lock));
	atomic_swap_32(&so->so_pending, 0);
	while ((m = so_rcvq_get(so)) != NULL) {
		m_freem(m);
		n++;
	}
	KASSERT(so->so_rcvbatch == NULL);
	return n;
}

bool
sbappend_dgram(struct socket *so, const struct sockaddr *from, struct mbuf *m)
{
	struct sockbuf *sb = &so->so_rcv;
	struct mbuf *n;
	u_int reclen;

	KASSERT(mutex_owned(&so->so_lock));
	KASSERT(m != NULL && (m->m_flags & M_PKTHDR) && m->m_nextpkt == NULL);
	KASSERT(from->sa_len > 0 && from->sa_len <= MLEN);
	reclen = from->sa_len + (u_int)m->m_pkthdr.len;
	if (sb->sb_cc + reclen > sb->sb_hiwat ||
	    (n = m_get(M_DONTWAIT, MT_SONAME)) == NULL) {
		so->so_rcvdrops++;
		m_freem(m);
		return false;
	}
	memcpy(mtod(n, void *), from, from->sa_len);
	n->m_len = from->sa_len;
	n->m_next = m;
	if (sb->sb_tail != NULL)
		sb->sb_tail->m_nextpkt = n;
	else
		sb->sb_head = n;
	sb->sb_tail = n;
	sb->sb_cc += reclen;
	SDT_PROBE2(sock, rcvd, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	return true;
}

/* --- streams ---------------------------------------------------------------- */

void
so_wakeup(struct socket *so)
{
	KASSERT(mutex_owned(&so->so_lock));
	mutex_enter(&so->so_cvlock);
	if (so->so_waiters > 0)
		cv_broadcast(&so->so_cv);
	mutex_exit(&so->so_cvlock);
}

/*
 * Append m's bytes.  A small mbuf whose bytes fit in the room of the
 * tail (a small mbuf too) is copied there and freed (BSD's sbcompress),
 * so many small writes do not make a chain of many small mbufs: the
 * bytes a segment takes stay in few of them (a NIC takes a frame in a
 * few DMA segments only).
 */
void
sbappend_stream(struct sockbuf *sb, struct mbuf *m)
{
	struct mbuf *n, *t;

	KASSERT(m != NULL);
	for (n = m; n != NULL; n = m) {
		m = n->m_next;
		n->m_next = NULL;
		KASSERT(n->m_len >= 0);
		n->m_flags &= ~M_PKTHDR;        /* the stream has no records */
		sb->sb_cc += (u_int)n->m_len;
		t = sb->sb_tail;
		/*
		 * Only into a tail of its own storage: a cluster's may be
		 * shared with segments in flight, whose frees on other CPUs
		 * change the count M_TRAILINGSPACE would read.
		 */
		if (t != NULL && ((n->m_flags | t->m_flags) & M_EXT) == 0 &&
		    M_TRAILINGSPACE(t) >= n->m_len) {
			memcpy(mtod(t, char *) + t->m_len, mtod(n, char *),
			    (size_t)n->m_len);
			t->m_len += n->m_len;
			m_free(n);
			continue;
		}
		if (t != NULL)
			t->m_next = n;
		else
			sb->sb_head = n;
		sb->sb_tail = n;
	}
}

void
sbdrop(struct sockbuf *sb, u_int len)
{
	struct mbuf *m;

	KASSERTMSG(len <= sb->sb_cc, "sbdrop %u of %u", len, sb->sb_cc);
	sb->sb_cc -= len;
	while (len > 0 || (sb->sb_head != NULL && sb->sb_head->m_len == 0)) {
		m = sb->sb_head;
		KASSERT(m != NULL);
		if ((u_int)m->m_len > len) {
			m->m_data += len;
			m->m_len -= (int)len;
			break;
		}
		len -= (u_int)m->m_len;
		sb->sb_head = m_free(m);
	}
	if (sb->sb_head == NULL)
		sb->sb_tail = NULL;
}

void
sbflush(struct sockbuf *sb)
{
	m_freem(sb->sb_head);
	sb->sb_head = sb->sb_tail = NULL;
	sb->sb_cc = 0;
}

/*
 * Wait, doing the pending protocol work, until done(so) or an error;
 * 0, the error, EWOULDBLOCK (non-blocking or timed out).  => so_lock
 */
static int
so_wait_until(struct socket *so, bool (*done)(struct socket *), bool nbio,
    uint64_t timeo_ns)
{
	uint64_t deadline_ns = 0;
	bool timedout = false;
	int error;

	KASSERT(mutex_owned(&so->so_lock));
	if (!nbio && timeo_ns != 0)
		deadline_ns = getnanouptime() + timeo_ns;
	for (;;) {
		so_dorcvd(so, curlwp);
		if ((*done)(so))
			return 0;
		if ((error = so_takeerror(so)) != 0)
			return error;
		if (nbio || timedout)
			return EWOULDBLOCK;
		timedout = so_wait(so, deadline_ns) == EWOULDBLOCK;
	}
}

static bool
so_connect_done(struct socket *so)
{
	return (so->so_state & SS_ISCONNECTING) == 0;
}

static int
so_connect_wait(struct socket *so)
{
	int error;

	error = so_wait_until(so, so_connect_done, so->so_nbio,
	    so->so_sndtimeo_ns);
	if (error == EWOULDBLOCK && !so->so_nbio)
		error = ETIMEDOUT;
	if (error == 0 && (so->so_state & SS_ISCONNECTED) == 0 &&
	    (error = so_takeerror(so)) == 0)
		error = ECONNREFUSED;
	return error;
}

int
solisten(struct socket *so, int backlog)
{
	int error;

	KASSERT(so != NULL);
	if (so->so_proto->pr_listen == NULL)
		return EOPNOTSUPP;
	if (backlog < 1 || backlog > SOMAXCONN)
		return EINVAL;
	mutex_enter(&so->so_lock);
	so_rcvpcq_make(so, true);
	if ((error = (*so->so_proto->pr_listen)(so, backlog)) == 0) {
		so->so_qlimit = (u_int)backlog;
		so->so_state |= SS_ISLISTENING;
	}
	mutex_exit(&so->so_lock);
	return error;
}

struct socket *
so_newconn(struct socket *head)
{
	struct socket *so;

	KASSERT(mutex_owned(&head->so_lock));
	KASSERT(head->so_type == SOCK_STREAM);
	so = kmem_zalloc(sizeof(*so), KM_SLEEP);
	mutex_init(&so->so_lock, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&so->so_cvlock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&so->so_cv, "sorecv");
	so->so_type = head->so_type;
	/* Not reachable yet: published by the protocol's table insert. */
	so->so_rcvpcq = so_stream_rcvq(so, head->so_rcv.sb_hiwat);
	so->so_waitwork = true;
	kcont_init(&so->so_kc, so_kcont, so, KCONT_SOFTNET);
	so->so_proto = head->so_proto;
	so->so_brane = head->so_brane;
	so_stream_init(so);
	so->so_rcv.sb_hiwat = head->so_rcv.sb_hiwat;
	so->so_snd.sb_hiwat = head->so_snd.sb_hiwat;
	so->so_options = head->so_options;
	so->so_sndtimeo_ns = head->so_sndtimeo_ns;
	return so;
}

void
so_enqueue(struct socket *head, struct socket *so)
{
	KASSERT(mutex_owned(&head->so_lock));
	KASSERT(so->so_qnext == NULL);
	if (head->so_qtail != NULL)
		head->so_qtail->so_qnext = so;
	else
		head->so_q = so;
	head->so_qtail = so;
	head->so_qlen++;
	so_wakeup(head);
}

static bool
so_accept_done(struct socket *so)
{
	return so->so_q != NULL;
}

int
soaccept(struct socket *head, struct socket **sop, struct sockaddr *from)
{
	struct socket *so = NULL;
	int error;

	KASSERT(head != NULL && sop != NULL);
	*sop = NULL;
	mutex_enter(&head->so_lock);
	if ((head->so_state & SS_ISLISTENING) == 0) {
		error = EINVAL;
		goto out;
	}
	error = so_wait_until(head, so_accept_done, head->so_nbio,
	    head->so_rcvtimeo_ns);
	if (error != 0)
		goto out;
	so = head->so_q;
	if ((head->so_q = so->so_qnext) == NULL)
		head->so_qtail = NULL;
	so->so_qnext = NULL;
	head->so_qlen--;
out:
	mutex_exit(&head->so_lock);
	if (so != NULL) {
		mutex_enter(&so->so_lock);
		if (from != NULL && (*so->so_proto->pr_sockaddr)(so, from,
		    true) != 0)
			memset(from, 0, sizeof(*from));
		mutex_exit(&so->so_lock);
		*sop = so;
	}
	return error;
}

/* Build an mbuf chain of len bytes of buf, in clusters. */
static struct mbuf *
so_stream_chain(const uint8_t *buf, size_t len)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	size_t n;

	while (len > 0) {
		m = len >= (size_t)MINCLSIZE ? m_getcl(M_WAIT, MT_DATA, 0) :
		    m_get(M_WAIT, MT_DATA);
		if (m == NULL) {
			m_freem(top);
			return NULL;
		}
		n = MIN(len, (size_t)M_TRAILINGSPACE(m));
		memcpy(mtod(m, uint8_t *), buf, n);
		m->m_len = (int)n;
		buf += n;
		len -= n;
		*mp = m;
		mp = &m->m_next;
	}
	return top;
}

static bool
so_send_room(struct socket *so)
{
	return so->so_snd.sb_cc < so->so_snd.sb_hiwat ||
	    (so->so_state & (SS_CANTSENDMORE | SS_ISCONNECTED)) !=
	    SS_ISCONNECTED;
}

static int
so_send_stream(struct socket *so, const void *buf, size_t len, int flags)
{
	const uint8_t *p = buf;
	bool nbio;
	size_t n;
	struct mbuf *m;
	int error = 0;

	mutex_enter(&so->so_lock);
	nbio = so->so_nbio || (flags & MSG_DONTWAIT) != 0;
	while (len > 0) {
		error = so_wait_until(so, so_send_room, nbio,
		    so->so_sndtimeo_ns);
		if (error != 0)
			break;
		/* A reset or a timeout says more than EPIPE. */
		if ((error = so_takeerror(so)) != 0)
			break;
		if ((so->so_state & SS_CANTSENDMORE) != 0) {
			error = EPIPE;
			break;
		}
		if ((so->so_state & SS_ISCONNECTED) == 0) {
			error = ENOTCONN;
			break;
		}
		n = MIN(len, (size_t)(so->so_snd.sb_hiwat - so->so_snd.sb_cc));
		if ((m = so_stream_chain(p, n)) == NULL) {
			error = ENOBUFS;
			break;
		}
		SDT_PROBE2(sock, send, n, 0);
		if ((error = (*so->so_proto->pr_send)(so, m, NULL)) != 0)
			break;
		p += n;
		len -= n;
	}
	mutex_exit(&so->so_lock);
	return error;
}

static bool
so_recv_ready(struct socket *so)
{
	return so->so_rcv.sb_cc > 0 ||
	    (so->so_state & SS_CANTRCVMORE) != 0;
}

static int
so_receive_stream(struct socket *so, void *buf, size_t *lenp, int flags)
{
	size_t n;
	bool nbio;
	int error;

	mutex_enter(&so->so_lock);
	nbio = so->so_nbio || (flags & MSG_DONTWAIT) != 0;
	if (so->so_rcv.sb_cc == 0 && (so->so_state & (SS_ISCONNECTED |
	    SS_ISCONNECTING | SS_CANTRCVMORE)) == 0) {
		error = ENOTCONN;
		goto out;
	}
	error = so_wait_until(so, so_recv_ready, nbio, so->so_rcvtimeo_ns);
	if (error != 0) {
		/* Data that came with the error (a reset) is still read. */
		goto out;
	}
	n = MIN(*lenp, (size_t)so->so_rcv.sb_cc);
	/* The end of the stream: a reset or a timeout, if that ended it. */
	if (n == 0 && (error = so_takeerror(so)) != 0)
		goto out;
	if (n > 0) {
		m_copydata(so->so_rcv.sb_head, 0, (int)n, buf);
		sbdrop(&so->so_rcv, (u_int)n);
		SDT_PROBE2(sock, recv, n, 0);
		if (so->so_proto->pr_usrread != NULL && so->so_pcb != NULL)
			(*so->so_proto->pr_usrread)(so);
	}
	*lenp = n;
out:
	if (error != 0)
		*lenp = 0;
	mutex_exit(&so->so_lock);
	return error;
}

int
soshutdown(struct socket *so, int how)
{
	int error = 0;

	KASSERT(so != NULL);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return EINVAL;
	mutex_enter(&so->so_lock);
	if (how != SHUT_WR) {
		so->so_state |= SS_CANTRCVMORE;
		sbflush(&so->so_rcv);
	}
	if (how != SHUT_RD) {
		if (so->so_proto->pr_shutdown == NULL)
			error = EOPNOTSUPP;
		else
			error = (*so->so_proto->pr_shutdown)(so);
	}
	so_wakeup(so);
	mutex_exit(&so->so_lock);
	return error;
}

void
sofree(struct socket *so)
{
	KASSERT(so->so_pcb == NULL);
	KASSERT((so->so_state & SS_NOFDREF) != 0);
	kcont_halt(&so->so_kc);
	mutex_enter(&so->so_lock);
	(void)so_rcvpcq_flush(so);
	sbflush(&so->so_rcv);
	sbflush(&so->so_snd);
	mutex_exit(&so->so_lock);
	so_free(so);
}
