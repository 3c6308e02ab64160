/*
 * ksocket.h -- sockets, and the socket calls simulated programs make.
 *
 * The receive path follows the proposal's fast demultiplexing and lazy
 * receive processing:
 *
 *   demux (protocol input, any CPU): find the PCB under a reader lock of
 *     its hash bucket; pcq_put the packet on the socket's receive PCQ;
 *     schedule the socket's continuation with a small delay; take the
 *     socket's cv mutex (never the socket lock: demux must not block on a
 *     socket); set "PCQ needs processing"; cv_signal; drop the cv mutex.
 *   lazy receive: an LWP blocked in soreceive wakes and does the pending
 *     protocol work for its own socket, on its own CPU time (pr_rcvd),
 *     then takes its datagram.  Only when nobody waits does the socket's
 *     continuation do that work.  Which context did it is counted
 *     (so_ev_lazy_lwp, so_ev_lazy_kcont).
 *
 * The calls below are the program-facing API (NetBSD's in-kernel socket
 * routines, with a buffer instead of a uio).  A socket lives in the brane
 * of the process that created it.
 *
 * Lock order: so_lock before so_cvlock; demux takes only a bucket's reader
 * lock and so_cvlock.
 */
#ifndef _STACK_SYS_KSOCKET_H_
#define _STACK_SYS_KSOCKET_H_

#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/kcont.h>
#include <sys/mutex.h>

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

/* Options (level SOL_SOCKET). */
#define SOL_SOCKET      0xffff
#define SO_RCVTIMEO     0x1006  /* uint64_t nanoseconds, 0 = forever */
#define SO_RCVBUF       0x1002  /* int bytes */
#define SO_NBIO         0x1100  /* netsim: int, non-zero = non-blocking */

struct sockopt {
	int sopt_level;
	int sopt_name;
	void *sopt_data;
	size_t sopt_size;
};

/* A received datagram waiting in so_rcv: data chain and its sender. */
struct sockbuf {
	struct mbuf *sb_head;           /* s: packets, linked by m_nextpkt */
	struct mbuf *sb_tail;           /* s */
	u_int sb_cc;                    /* s: bytes queued */
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
	struct pcq *so_rcvpcq;          /* a: packets from demux */
	volatile uint32_t so_pending;   /* a: the PCQ needs processing */
	u_int so_waiters;               /* v: LWPs waiting in soreceive */
	struct sockbuf so_rcv;          /* s: processed, ready to read */
	kcont_t so_kc;                  /* does pr_rcvd when nobody waits */
	const struct protosw *so_proto; /* c */
	struct brane *so_brane;         /* c */
	void *so_pcb;                   /* c: the protocol's control block */
	int so_type;                    /* c */
	int so_error;                   /* s: to report on the next call */
	bool so_nbio;                   /* s */
	uint64_t so_rcvtimeo_ns;        /* s: 0 = forever */
	uint64_t so_rcvdrops;           /* s: dropped, receive buffer full */
};

/*
 * The calls.  Each returns 0 or an errno: EWOULDBLOCK (non-blocking, or a
 * receive timeout), EMSGSIZE, ECONNREFUSED (an ICMP port unreachable came
 * back), EHOSTUNREACH, ENETUNREACH, EADDRINUSE, ...
 */
int	socreate(int family, struct socket **, int type, int proto);
int	sobind(struct socket *, const struct sockaddr *);
int	soconnect(struct socket *, const struct sockaddr *);
/* Send len bytes of buf as one datagram to `to` (NULL: the connected peer). */
int	sosend(struct socket *, const struct sockaddr *to, const void *buf,
	    size_t len, int flags);
/*
 * Receive one datagram: at most *lenp bytes into buf (the rest is
 * discarded), its length in *lenp, its sender in *from if not NULL.
 */
int	soreceive(struct socket *, struct sockaddr *from, void *buf,
	    size_t *lenp, int flags);
int	sosetopt(struct socket *, int level, int name, const void *, size_t);
int	sogetopt(struct socket *, int level, int name, void *, size_t *);
int	soclose(struct socket *);

/*
 * For protocols.  Demux: queue m (its sender in its packet header's
 * context, see the protocol) on the socket's receive PCQ and wake a
 * reader; never blocks.  Returns false if the PCQ is full (m not taken).
 */
bool	so_deliver(struct socket *, struct mbuf *);
/* Append a processed datagram to so_rcv.  => so_lock held */
bool	sbappend_dgram(struct socket *, struct mbuf *);

#endif /* _STACK_SYS_KSOCKET_H_ */
