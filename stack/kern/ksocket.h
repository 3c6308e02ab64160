/*
 * ksocket.h -- sockets, and the socket calls simulated programs make.
 *
 * The receive path follows the proposal's fast demultiplexing and lazy
 * receive processing:
 *
 *   demux (protocol input, any CPU): find the PCB under a reader lock of
 *     its hash bucket; pcq_put the packet on the socket's receive PCQ (a
 *     stream's is small, with a list of mbufs behind it: uipc_socket.c);
 *     take the socket's cv mutex (never the socket lock: demux must not
 *     block on a socket); set "PCQ needs processing"; schedule the
 *     socket's continuation with a small delay (a stream's: at once,
 *     unless an LWP waits on a connection); cv_signal; drop the cv
 *     mutex.
 *   lazy receive: an LWP blocked in soreceive wakes and does the pending
 *     protocol work for its own socket, on its own CPU time (pr_rcvd),
 *     then takes its datagram.  Only when nobody waits does the socket's
 *     continuation do that work.  Which context did it is counted by the
 *     protocol (udp.<brane>.lazy_lwp / lazy_kcont): pr_rcvd is told the
 *     LWP doing the work, or NULL for the continuation.
 *
 * The calls below are the program-facing API (NetBSD's in-kernel socket
 * routines, with a buffer instead of a uio).  A socket lives in the brane
 * of the process that created it.
 *
 * Lock order: so_lock before so_cvlock; demux takes only a bucket's reader
 * lock and so_cvlock.
 */
#ifndef _STACK_KERN_KSOCKET_H_
#define _STACK_KERN_KSOCKET_H_

#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/mutex.h>

#include <kern/kcont.h>

struct mbuf;
struct pcq;
struct protosw;
struct brane;

/* Address families and socket types (NetBSD's values). */
#define AF_UNSPEC       0
#define AF_INET         2
#define SOCK_STREAM     1
#define SOCK_DGRAM      2
#define SOCK_RAW        3

struct sockaddr {
	uint8_t sa_len;
	uint8_t sa_family;
	char sa_data[14];
};

/* Flags to sosend/soreceive. */
#define MSG_DONTWAIT    0x80    /* this call does not block */

/* soshutdown's how. */
#define SHUT_RD         0
#define SHUT_WR         1
#define SHUT_RDWR       2

/* Options (level SOL_SOCKET). */
#define SOL_SOCKET      0xffff
#define SO_RCVTIMEO     0x1006  /* uint64_t nanoseconds, 0 = forever */
#define SO_KEEPALIVE    0x0008  /* int: stream: probe an idle peer */
#define SO_SNDBUF       0x1001  /* int bytes in so_snd (stream) */
#define SO_RCVBUF       0x1002  /* int bytes */
#define SO_SNDTIMEO     0x1005  /* uint64_t ns, 0 = forever: how long a
				   stream's connect or send blocks */
#define SO_ERROR        0x1007  /* int, get only: the pending error, cleared */
#define SO_NBIO         0x1100  /* netsim: int, non-zero = non-blocking */
#define SO_PKTID        0x1101  /* netsim: uint64_t, the packet id (ph_id)
				   the next datagram sent gets; each send
				   takes one and adds 1; 0 = untraced */

/* Limits. */
#define SO_PCQ_MAXLEN   512     /* packets demux may queue on one socket */
#define SO_PCQ_STREAM   2       /* of them in a stream's PCQ (256 bytes
				   with its header), the rest in its
				   overflow list (uipc_socket.c) */
#define SO_RCVBUF_DEFAULT 65536 /* bytes in so_rcv (SO_RCVBUF changes it) */
#define SO_RCVBUF_MAX   (4 << 20)
#define SO_SEND_MAX     65507   /* datagram payload: IP_MAXPACKET - 28 */
#define SO_SNDBUF_DEFAULT 65536 /* stream: bytes in so_snd */
#define SOMAXCONN       128     /* largest listen backlog */

struct sockopt {
	int sopt_level;
	int sopt_name;
	void *sopt_data;
	size_t sopt_size;
};

/*
 * Received datagrams waiting in so_rcv.  Each record is an MT_SONAME mbuf
 * holding the sender's address (m_len = its sa_len), whose m_next is the
 * data, a chain with a packet header (NetBSD's sbappendaddr layout).
 * sb_cc counts both, so even empty datagrams fill the buffer.
 *
 * A stream socket's buffers (so_rcv, so_snd) are instead one chain of
 * bytes, linked by m_next, without records or addresses: sb_head is its
 * first mbuf, sb_tail its last, sb_cc its bytes.
 */
struct sockbuf {
	struct mbuf *sb_head;           /* s: records, linked by m_nextpkt */
	struct mbuf *sb_tail;           /* s */
	u_int sb_cc;                    /* s: bytes queued (address + data) */
	u_int sb_hiwat;                 /* s: limit */
};

/*
 * Legend: c = constant after creation, s = so_lock, v = so_cvlock,
 * a = atomic.
 */
struct socket {
	kmutex_t so_lock;               /* the socket lock */
	kmutex_t so_cvlock;             /* guards so_cv's waiting */
	kcondvar_t so_cv;               /* readers wait for data here */
	struct pcq *so_rcvpcq;          /* a: packets from demux; a stream's
					   is NULL until it connects or
					   listens (set under so_lock) */
	/*
	 * A stream's receive queue behind its (small) PCQ: what demux
	 * queued while the PCQ was full or this list was not empty,
	 * newest first, linked by m_nextpkt (uipc_socket.c, "The
	 * overflow"); so_rcvbatch: the consumer's, oldest first.
	 */
	struct mbuf *so_rcvovfl;        /* a */
	struct mbuf *so_rcvbatch;       /* s */
	volatile uint32_t so_rcvovfl_n; /* a: packets in so_rcvovfl */
	uint32_t so_rcvovfl_max;        /* c: its limit (0: none); set
					   before so_rcvpcq is published */
	volatile uint32_t so_pending;   /* a: the PCQ needs processing */
	u_int so_waiters;               /* v: LWPs waiting in soreceive */
	struct sockbuf so_rcv;          /* s: processed, ready to read */
	kcont_t so_kc;                  /* does pr_rcvd when nobody waits */
	const struct protosw *so_proto; /* c */
	struct brane *so_brane;         /* c */
	void *so_pcb;                   /* s: the protocol's control block,
					   NULL after pr_detach */
	int so_type;                    /* c */
	volatile uint32_t so_error;     /* a: to report on the next call; set
					   by pr_ctlinput (so_seterror), taken
					   with an atomic swap under so_lock */
	bool so_nbio;                   /* s */
	bool so_waitwork;               /* c: a connected stream's: an LWP
					   waiting does the work demux
					   queues, no continuation runs for
					   it (set as so_rcvovfl_max) */
	uint64_t so_rcvtimeo_ns;        /* s: 0 = forever */
	uint64_t so_rcvdrops;           /* s: dropped, receive buffer full */
	uint64_t so_pktid;              /* s: ph_id of the next datagram sent */
	/* Streams (SOCK_STREAM) only; zero for the others. */
	struct sockbuf so_snd;          /* s: sent but not yet acked, and
					   not yet sent */
	u_int so_state;                 /* s: SS_* */
	int so_options;                 /* s: SO_KEEPALIVE */
	int so_kcdelay;                 /* c: ticks demux delays so_kc */
	uint64_t so_sndtimeo_ns;        /* s: 0 = forever */
	/* A listening socket's connections, complete, not yet accepted. */
	struct socket *so_q;            /* s: first, linked by so_qnext */
	struct socket *so_qtail;        /* s */
	struct socket *so_qnext;        /* the listener's s */
	u_int so_qlen;                  /* s */
	u_int so_qlimit;                /* s: the backlog; 0 = not listening */
};

/* so_state */
#define SS_ISCONNECTED  0x01    /* connected to a peer */
#define SS_ISCONNECTING 0x02    /* a connect is under way */
#define SS_CANTSENDMORE 0x04    /* no more data to send (shutdown, FIN) */
#define SS_CANTRCVMORE  0x08    /* no more data to come (the peer's FIN) */
#define SS_NOFDREF      0x10    /* closed by its owner; the protocol frees
				   it (sofree) when it is done with it */
#define SS_ISLISTENING  0x20

/*
 * The calls.  Each returns 0 or an errno: EWOULDBLOCK (non-blocking, or a
 * receive timeout), EMSGSIZE, ECONNREFUSED (an ICMP port unreachable came
 * back), EHOSTUNREACH, ENETUNREACH, EADDRINUSE, ...
 */
int	socreate(int family, struct socket **, int type, int proto);
int	sobind(struct socket *, const struct sockaddr *);
int	soconnect(struct socket *, const struct sockaddr *);
/*
 * Send len bytes of buf as one datagram to `to` (NULL: the connected
 * peer).  It gets the packet id SO_PKTID says.  => EMSGSIZE above
 * SO_SEND_MAX or the interface MTU (no fragmentation)
 */
int	sosend(struct socket *, const struct sockaddr *to, const void *buf,
	    size_t len, int flags);
/*
 * Receive one datagram: at most *lenp bytes into buf (the rest is
 * discarded), the bytes copied in *lenp, its sender in *from if not NULL.
 * Blocks until one comes, for at most SO_RCVTIMEO (rounded up to the
 * next clock tick, as callouts are), unless non-blocking.  A raw socket's
 * datagram is the whole IPv4 packet, header first.
 */
int	soreceive(struct socket *, struct sockaddr *from, void *buf,
	    size_t *lenp, int flags);
int	sosetopt(struct socket *, int level, int name, const void *, size_t);
int	sogetopt(struct socket *, int level, int name, void *, size_t *);
int	soclose(struct socket *);
/*
 * Streams.  solisten: accept connections, at most backlog (1 to
 * SOMAXCONN) complete ones waiting.  soaccept: the next one (blocks,
 * bounded by SO_RCVTIMEO), its peer in *from if not NULL.  soconnect on a
 * stream blocks until the connection is up, refused (ECONNREFUSED) or
 * SO_SNDTIMEO passes (ETIMEDOUT).  sosend on a stream queues all len
 * bytes, blocking while the send buffer is full (SO_SNDTIMEO: then
 * EWOULDBLOCK); EPIPE after shutdown.  soreceive on a stream takes up to
 * *lenp bytes of what has come, in order; *lenp = 0 with 0 at the end of
 * the stream (the peer's FIN).  soshutdown(SHUT_WR) sends the FIN.
 */
int	solisten(struct socket *, int backlog);
int	soaccept(struct socket *, struct socket **, struct sockaddr *from);
int	soshutdown(struct socket *, int how);

/*
 * For protocols.  Demux: queue m (its sender in its packet header's
 * context, see the protocol) on the socket's receive PCQ and wake a
 * reader; never blocks.  Returns false if the PCQ is full (m not taken).
 */
bool	so_deliver(struct socket *, struct mbuf *);
/*
 * so_deliver's two halves.  so_rcvq_put queues m (false: full, m not
 * taken) and tells nobody; so_rcvq_notify then does the rest (marks the
 * work pending, schedules the continuation, wakes the waiters).  A
 * protocol may skip the notify if, after its put, it takes so_lock
 * itself (mutex_tryenter: demux never waits) and drains the queue: the
 * work it does wakes whoever waits for what it changes, and a put it
 * missed (another producer's, half done) is that producer's to notify.
 * => demux, as so_deliver
 */
bool	so_rcvq_put(struct socket *, struct mbuf *);
void	so_rcvq_notify(struct socket *);
/*
 * The consumer's side of what so_deliver queued: the next packet, in
 * the order demux queued it (a stream's overflow list included), or
 * NULL.  => so_lock held
 */
struct mbuf *so_rcvq_get(struct socket *);
/*
 * Append a processed datagram to so_rcv: m is the data (a packet header
 * first), from its sender.  => so_lock held; returns false if it does
 * not fit under sb_hiwat or no mbuf for the address: then m is freed and
 * counted in so_rcvdrops.  Either way m is taken.
 */
bool	sbappend_dgram(struct socket *, const struct sockaddr *from,
	    struct mbuf *m);
/*
 * Free what waits on the socket's receive PCQ (the protocol's detach,
 * after its PCB left the table); returns how many packets.
 * => so_lock held
 */
u_int	so_rcvpcq_flush(struct socket *);
/*
 * Post an asynchronous error (an ICMP error about what the socket sent)
 * and wake its readers; the next call returns it.  Like so_deliver it
 * never takes the socket lock.  => called with the PCB's bucket read-locked
 */
void	so_seterror(struct socket *, int error);

/*
 * For stream protocols.  so_wakeup: wake every LWP waiting on the socket
 * (state changed: data, room, connected, an error).  => so_lock held.
 * sbappend_stream: add m's bytes to sb's tail; sbdrop: free sb's first
 * len bytes (len <= sb_cc); sbflush: all of them.  => so_lock held.
 * so_newconn: a new socket of head's kind for a connection head accepts
 * (head's buffer sizes and options; head's so_lock held; the new one is
 * unlocked and not yet reachable); the protocol attaches it and, once
 * connected, so_enqueue puts it on head's queue (=> head's so_lock).
 * sofree: free a socket its owner closed (SS_NOFDREF) once the protocol
 * is done with it (so_pcb NULL, unlocked; may sleep).
 */
void	so_wakeup(struct socket *);
void	sbappend_stream(struct sockbuf *, struct mbuf *m);
void	sbdrop(struct sockbuf *, u_int len);
void	sbflush(struct sockbuf *);
struct socket *so_newconn(struct socket *head);
void	so_enqueue(struct socket *head, struct socket *so);
void	sofree(struct socket *);

#endif /* _STACK_KERN_KSOCKET_H_ */
