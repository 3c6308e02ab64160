/*
 * tcp_var.h -- TCP in one brane: the connection block (tcpcb), the
 * brane's TCP state, the counters.
 *
 * Every segment handed to tcp_input ends in exactly one of hdrops,
 * badoff, noport (a reset sent or, for a reset, dropped), badsum_noport,
 * fullpcq or delivered; every delivered one is taken from its socket's
 * PCQ by lazy_lwp, lazy_kcont, demux_ack (the immediate-ACK path) or
 * closed, and then ends in badsum, badopt, dropped or processed.  A
 * handshake's ACK that carries data or a FIN is processed by the
 * listener and then handed on to the new connection's socket: it counts
 * as received and delivered once more, as if it came again:
 *
 *	received = hdrops + badoff + noport + badsum_noport + fullpcq
 *	    + delivered
 *	delivered = lazy_lwp + lazy_kcont + demux_ack + closed (+ those
 *	    still queued)
 *	lazy_lwp + lazy_kcont + demux_ack = badsum + badopt + dropped
 *	    + processed
 *
 * (A segment a listener took that belongs to the connection its
 * handshake's ACK, queued just before it, has made since is processed
 * by the listener by queueing it to that connection, and counted again,
 * received and delivered, as if it had arrived again:
 * tcp_listen_handoff.)
 *
 * Connections: connattempt (active opens) + accepts (SYNs a listener
 * answered) = connects (reached ESTABLISHED) + conndrops (given up
 * before: reset, timed out, the listener closed) + those still opening;
 * tcbfreed counts connection blocks freed.
 */
#ifndef _STACK_NETINET_TCP_VAR_H_
#define _STACK_NETINET_TCP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/mutex.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/kcont.h>

#include <netinet/in_pcb.h>
#include <netinet/tcp_cc.h>
#include <netinet/tcp_sack.h>
#include <netinet/tcp_seq.h>

struct brane;
struct ifnet;
struct mbuf;
struct socket;
struct sockaddr;
struct sockopt;

#define TCPSTAT_LIST(X)                                                 \
	X(received, "segments handed to tcp_input")                    \
	X(delivered, "queued to a socket's receive PCQ")               \
	X(hdrops, "shorter than a TCP header")                         \
	X(badoff, "data offset out of the segment")                    \
	X(noport, "no connection: reset sent (or reset dropped)")      \
	X(badsum_noport, "no connection, bad checksum: dropped")       \
	X(fullpcq, "the socket's receive PCQ was full (demux)")        \
	X(closed, "left in a socket's receive PCQ when it closed")     \
	X(lazy_lwp, "processed by the waiting LWP (lazy receive)")     \
	X(lazy_kcont, "processed by the socket's continuation")        \
	X(demux_ack, "processed by demux to ACK at once (socket free)") \
	X(badsum, "bad checksum")                                      \
	X(badopt, "malformed options")                                 \
	X(dropped, "dropped by the state machine (old, out of window)") \
	X(processed, "processed by the state machine")                 \
	X(sndtotal, "segments sent")                                   \
	X(sndbyte, "data bytes sent (first time)")                     \
	X(sndrexmitpack, "segments sent again")                        \
	X(sndrexmitbyte, "data bytes sent again")                      \
	X(sndacks, "pure ACKs sent")                                   \
	X(delack, "ACKs sent by the delayed-ACK timer")                \
	X(sndrst, "resets sent")                                       \
	X(rcvbyte, "in-order data bytes received")                     \
	X(rcvoopack, "out-of-order segments queued")                   \
	X(rcvduppack, "data segments it held already (duplicates)")    \
	X(rcvdupack, "duplicate ACKs received")                        \
	X(rcvrst, "resets received (accepted)")                        \
	X(rexmttimeo, "retransmission timeouts")                       \
	X(fastrexmt, "fast retransmits")                               \
	X(persisttimeo, "persist probes")                              \
	X(keepprobe, "keepalive probes")                               \
	X(keepdrops, "connections dropped by keepalive")               \
	X(timeoutdrop, "connections dropped after too many timeouts")  \
	X(connattempt, "active opens (SYN sent)")                      \
	X(accepts, "passive opens (SYN received by a listener)")       \
	X(listendrop, "SYNs dropped: the listen queue was full")       \
	X(listenbcast, "to a listener, from or to a broadcast or multicast address: dropped") \
	X(connects, "connections established")                         \
	X(conndrops, "connections closed before established")          \
	X(pawsdrop, "segments dropped by PAWS")                        \
	X(rttupdated, "RTT samples")                                   \
	X(tcbfreed, "connection blocks freed")                         \
	X(sack_recovery_episodes, "loss recoveries run by SACK (RFC 6675)") \
	X(sack_rexmits, "segments sent again by SACK recovery")        \
	X(sack_blocks_rcvd, "SACK blocks received on ACKs")            \
	X(sack_blocks_sent, "SACK blocks sent on ACKs")                \
	X(tlp_probes, "tail-loss probes sent (RFC 8985)")              \
	X(tlp_recoveries, "tail losses a probe repaired or revealed, " \
	    "without a timeout")

enum tcpstat_id {
#define TCPSTAT_ENUM_(n, d) TCPSTAT_##n,
	TCPSTAT_LIST(TCPSTAT_ENUM_)
#undef TCPSTAT_ENUM_
	TCPSTAT_N
};

/* States (RFC 9293 3.3.2), in the BSD order. */
#define TCPS_CLOSED             0
#define TCPS_LISTEN             1
#define TCPS_SYN_SENT           2
#define TCPS_SYN_RECEIVED       3
#define TCPS_ESTABLISHED        4
#define TCPS_CLOSE_WAIT         5
#define TCPS_FIN_WAIT_1         6
#define TCPS_CLOSING            7
#define TCPS_LAST_ACK           8
#define TCPS_FIN_WAIT_2         9
#define TCPS_TIME_WAIT          10
#define TCP_NSTATES             11

#define TCPS_HAVERCVDSYN(s)     ((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s) ((s) >= TCPS_ESTABLISHED)
#define TCPS_HAVERCVDFIN(s)     ((s) == TCPS_CLOSE_WAIT || \
	(s) == TCPS_CLOSING || (s) == TCPS_LAST_ACK || (s) == TCPS_TIME_WAIT)

/* Timers: deadlines in ticks (getticks()), 0 = off. */
#define TCPT_REXMT      0       /* retransmission (and SYN) */
#define TCPT_PERSIST    1       /* zero-window probes */
#define TCPT_KEEP       2       /* connection establishment, keepalive */
#define TCPT_2MSL       3       /* TIME_WAIT, FIN_WAIT_2 */
#define TCPT_DELACK     4
#define TCPT_NTIMERS    5

/* t_flags */
#define TF_ACKNOW       0x0001  /* send an ACK now */
#define TF_DELACK       0x0002  /* an ACK is owed (delayed) */
#define TF_NODELAY      0x0004  /* TCP_NODELAY: no Nagle */
#define TF_SENTFIN      0x0008  /* the FIN was sent */
#define TF_RCVD_SCALE   0x0010  /* the peer sent window scale */
#define TF_REQ_SCALE    0x0020  /* we offer window scale */
#define TF_RCVD_TSTMP   0x0040  /* timestamps in use */
#define TF_REQ_TSTMP    0x0080  /* we offer timestamps */
#define TF_FASTRECOVERY 0x0100  /* NewReno recovery (RFC 6582) */
#define TF_FORCE        0x0200  /* send one byte into a zero window */
#define TF_DEAD         0x0400  /* closed: with the reaper, or to be */
#define TF_WANTFIN      0x0800  /* the owner closed the sending side */
#define TF_PREVVALID    0x1000  /* snd_*_prev hold a retransmit's undo */
#define TF_REQ_SACK     0x2000  /* we offer SACK (TCP_SACK) */
#define TF_SACK_PERMIT  0x4000  /* both sides offered SACK: in use */
#define TF_SACKRECOVERY 0x8000  /* the recovery (TF_FASTRECOVERY) is
				   RFC 6675's, run from t_sack */
#define TF_RTORECOVERY  0x10000  /* since a timeout, until snd_recover is
				   acked: a tcp:recovery_enter episode */
#define TF_TLP          0x20000  /* tail-loss probes on (TCP_TLP) */
#define TF_TLP_PTO      0x40000  /* TCPT_REXMT's deadline is a probe
				   timeout, not the RTO */
#define TF_TLP_OUT      0x80000  /* a probe is out: t_tlp_high is its
				   end; none more until it is acked */
#define TF_TLP_RXT      0x100000 /* that probe resent data */

/*
 * An embryonic connection: a SYN a listener answered, waiting for the
 * handshake's ACK (SYN_RECEIVED).  The listener keeps these itself, so
 * no socket exists before the handshake completes.  THE SYNCACHE PLUGS
 * IN HERE (issue 13 part 3): it would keep these per brane, in a hash,
 * with SYN cookies when full.
 */
struct tcp_embryo {
	struct tcp_embryo *te_next;
	struct in_addr te_laddr, te_faddr;
	in_port_t te_fport;
	uint16_t te_mss;                /* the peer's MSS option, or 0 */
	tcp_seq te_iss, te_irs;
	uint32_t te_tsrecent;           /* the peer's timestamp */
	uint32_t te_win;                /* the peer's window (unscaled) */
	int te_deadline;                /* ticks: resend the SYN-ACK */
	uint8_t te_rexmits;
	int8_t te_wscale;               /* the peer's, or -1: none */
	bool te_ts;                     /* the peer offered timestamps */
	bool te_sackok;                 /* the peer offered SACK and the
					   listener uses it */
};

/*
 * A connection.  Legend: s = its socket's so_lock (every field but
 * these: c = constant after attach).  Times in ns unless named.
 */
struct tcpcb {
	struct inpcb *t_inp;            /* c */
	struct socket *t_so;            /* c */
	struct tcp_brane *t_tb;         /* c */
	kcont_t t_kc;                   /* the timers' continuation */
	const struct tcp_cc_ops *t_cc;  /* the congestion controller */
	struct tcp_ccv t_ccv;           /* its view of the connection */
	struct mbuf *t_segq;            /* out-of-order segments, by seq */
	struct tcp_embryo *t_embryos;   /* a listener's SYN_RECEIVEDs */
	struct tcpcb *t_reapnext;       /* the reaper's list */
	struct tcp_sackcb *t_sack;      /* SACK's state while it has
					   any (tcp_sackcb), or NULL */
	struct mbuf *t_sndptr;          /* the send buffer's mbuf that held
					   the last segment's last byte, or
					   NULL: the head (tcp_segdata) */
	u_int t_sndptroff;              /* its first byte's offset there */
	int t_timer[TCPT_NTIMERS];
	int t_kcdue;                    /* the tick t_kc is due at, or
					   later; 0: not scheduled */
	uint32_t t_flags;               /* TF_* */
	uint8_t t_state;                /* TCPS_* */
	uint8_t t_rxtshift;             /* timeouts in a row */
	uint8_t t_dupacks;
	uint8_t t_nembryos;
	uint8_t snd_scale, rcv_scale;   /* window shifts in use */
	uint8_t request_r_scale;        /* the shift we offer */
	uint8_t t_keepcnt;              /* unanswered keepalive probes */
	uint16_t t_maxseg;              /* bytes of data a segment carries */
	uint16_t t_peermss;             /* the peer's MSS option */
	tcp_seq iss, irs;
	tcp_seq snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2, snd_recover;
	tcp_seq snd_nxt_prev;
	tcp_seq t_tlp_high;             /* TF_TLP_OUT: the probe's end */
	tcp_seq rcv_nxt, rcv_adv;
	uint32_t snd_wnd, max_sndwnd;
	uint32_t rcv_wnd;               /* window last advertised */
	uint32_t ts_recent;             /* the peer's last timestamp */
	tcp_seq last_ack_sent;
	tcp_seq t_rtseq;                /* the segment timed (no timestamps) */
	uint64_t t_rtttime;             /* when it was sent, 0: none timed */
	uint64_t t_rttvar;              /* RFC 6298 RTTVAR */
	uint32_t t_rto_ms;              /* RTO before backoff */
	uint32_t t_keepidle_ms;         /* TCP_KEEPIDLE; 0: the brane's */
	uint32_t t_keepintvl_ms;        /* TCP_KEEPINTVL; 0: the brane's */
	uint32_t t_idle_ticks;          /* getticks() of the last segment in */
	uint64_t t_nrexmits, t_ntimeouts;
	uint64_t t_estab_ns;            /* when it was established: no
					   TSecr that acks new data is older */
};

/*
 * A connection's SACK state (RFC 2018 blocks it tells, RFC 6675's
 * scoreboard of blocks it was told), taken from kmem only while there
 * is some: out-of-order data held, SACKed data unacknowledged, or a SACK
 * recovery running.  An idle connection has none (tcp_sack_trim).
 * sc_high_rxt, sc_rescue_rxt, sc_rescue_valid: RFC 6675's HighRxt and
 * RescueRxt of the recovery running (TF_SACKRECOVERY); sc_rxt_fence
 * tells a lost retransmission (tcp_input.c's tcp_sack_rxt_lost).
 * Legend: s.
 */
struct tcp_sackcb {
	struct tcp_sack_rcv sc_rcv;
	struct tcp_sack_sb sc_sb;
	tcp_seq sc_high_rxt, sc_rescue_rxt;
	tcp_seq sc_rxt_fence;           /* snd_max when a segment was last
					   sent again (so at or after
					   snd_una's last resend) */
	bool sc_rescue_valid;
};

/* The brane's TCP settings; defaults in tcp_subr.c. */
struct tcp_conf {
	uint32_t msl_ms;                /* TIME_WAIT lasts 2 * msl */
	uint32_t rto_min_ms, rto_max_ms, rto_init_ms;
	uint32_t delack_ms;
	uint32_t keepidle_ms, keepintvl_ms, keepcnt;
	uint32_t maxrexmits;            /* timeouts before dropping */
	uint32_t synrexmits;            /* SYN / SYN-ACK tries */
	char cc_default[TCP_CC_NAME_MAX];
};

#define TCP_PCBHASHSIZE 256     /* buckets of a brane's TCP PCB table */
#define TCP_EMBRYOS_MAX 255     /* a listener's SYN_RECEIVEDs */

/*
 * Legend: c = constant after setup, e = counter, incremented plainly
 * (udp_var.h says why), r = tb_reaplock.
 */
struct tcp_brane {
	struct brane *tb_brane;         /* c */
	struct inpcbtable tb_table;
	struct tcp_conf tb_conf;        /* c */
	uint64_t tb_secret;             /* c: ISN secret (RFC 6528) */
	kmutex_t tb_reaplock;
	struct tcpcb *tb_reap;          /* r: closed, to be freed */
	kcont_t tb_reaper;              /* frees them (a worker) */
	struct syncache *tb_syncache;   /* c: NULL: none (tcp_syncache.h) */
	char tb_group[24];              /* c: "tcp.<brane>" */
	struct evcnt tb_stat[TCPSTAT_N];        /* e */
};

#define TCPSTAT_INC(tb, n)      ((void)data_race(                      \
	(tb)->tb_stat[TCPSTAT_##n].ev_count++, "statistics; no point in ++"))
#define TCPSTAT_ADD(tb, n, v)   ((void)data_race(                      \
	(tb)->tb_stat[TCPSTAT_##n].ev_count += (v), "statistics"))

/* The protosw row's entry points (in_proto.c). */
int	tcp_init(void *brane);
int	tcp_fini(void *brane);
void	tcp_input(struct ifnet *, struct mbuf *, int off);
void	tcp_ctlinput(struct brane *, int cmd, const struct sockaddr *,
	    const void *hdr);
int	tcp_attach(struct socket *, int proto);
void	tcp_detach(struct socket *);
int	tcp_bind(struct socket *, const struct sockaddr *);
int	tcp_listen(struct socket *, int backlog);
int	tcp_connect(struct socket *, const struct sockaddr *);
int	tcp_disconnect(struct socket *);
int	tcp_send(struct socket *, struct mbuf *, const struct sockaddr *to);
void	tcp_rcvd(struct socket *, lwp_t *l);
void	tcp_usrread(struct socket *);
int	tcp_shutdown(struct socket *);
int	tcp_sockaddr(struct socket *, struct sockaddr *, bool peer);
int	tcp_getopt(struct socket *, struct sockopt *);
int	tcp_setopt(struct socket *, struct sockopt *);

/* Inside TCP. */
struct tcp_brane *tcp_brane(struct brane *);    /* set up if need be */
struct tcp_brane *tcp_brane_peek(const struct brane *); /* or NULL */
struct tcpcb *tcp_newtcpcb(struct tcp_brane *, struct socket *,
	    struct inpcb *);
tcp_seq	tcp_new_iss(struct tcp_brane *, struct in_addr laddr,
	    in_port_t lport, struct in_addr faddr, in_port_t fport);
void	tcp_mss_init(struct tcpcb *, uint16_t peermss);
void	tcp_established(struct tcpcb *);
void	tcp_close(struct tcpcb *);              /* to the reaper */
void	tcp_drop(struct tcpcb *, int error);    /* RST, then close */
int	tcp_output(struct tcpcb *);
/* Free the send buffer's first len bytes (acked).  => so_lock held */
void	tcp_sbdrop(struct tcpcb *, u_int len);
/*
 * A segment not of a connection: flags (TH_RST, TH_ACK...), seq, ack, to
 * faddr:fport from laddr:lport.  Any context that may call ip_output.
 */
void	tcp_respond(struct tcp_brane *, struct in_addr laddr,
	    in_port_t lport, struct in_addr faddr, in_port_t fport,
	    tcp_seq seq, tcp_seq ack, int flags);
/* Options written into a header being built; returns their length. */
struct tcp_opts {
	uint16_t to_mss;
	int8_t to_wscale;               /* -1: none */
	bool to_ts;
	uint32_t to_tsval, to_tsecr;
	bool to_sackok;
	uint8_t to_nsack;               /* SACK blocks (not on a SYN) */
	struct tcp_sack_block to_sack[TCP_SACK_OPT_MAX]; /* host order */
};
int	tcp_opts_parse(const uint8_t *cp, int len, bool syn,
	    struct tcp_opts *);
/* A parsed segment: host byte order. */
struct tcp_seg {
	struct in_addr src, dst;
	in_port_t sport, dport;         /* network byte order */
	tcp_seq seq, ack;
	uint32_t win;                   /* unscaled */
	int flags;
	int tlen;                       /* data bytes */
	struct tcp_opts to;
};
void	tcp_timer_arm(struct tcpcb *, int which, uint32_t ms);
void	tcp_timer_disarm(struct tcpcb *, int which);
void	tcp_timers_kcont(void *tp);
uint32_t tcp_rto_ms(const struct tcpcb *);      /* with backoff */
uint32_t tcp_keepidle_ms(const struct tcpcb *);
uint32_t tcp_keepintvl_ms(const struct tcpcb *);
void	tcp_xmit_timer(struct tcpcb *, uint64_t rtt_ns);
/*
 * Tail-loss probes (RFC 8985 7, tcp_timer.c).  tcp_rexmt_arm arms
 * TCPT_REXMT with data out: for a probe timeout when one may be sent,
 * else for the RTO.  tcp_tlp_ack: an ACK of new data up to ack (before
 * snd_una moves), which may end the probe's episode.  tcp_tlp_una_lost:
 * the probe arrived (SACKed) while snd_una has not: what is below it
 * is lost (RACK's rule, for the probe alone).  tcp_tlp_recovered: fast
 * recovery begins; a probe out revealed the loss.  => so_lock held
 */
void	tcp_rexmt_arm(struct tcpcb *);
void	tcp_tlp_ack(struct tcpcb *, tcp_seq ack);
bool	tcp_tlp_una_lost(const struct tcpcb *);
void	tcp_tlp_recovered(struct tcpcb *);
uint32_t tcp_ts_now(void);              /* timestamp clock: microseconds */
void	tcp_canceltimers(struct tcpcb *);
void	tcp_seterror(struct tcpcb *, int error);
void	tcp_embryos_timer(struct tcpcb *);
void	tcp_embryos_free(struct tcpcb *);
/*
 * The passive open's parts the syncache (tcp_syncache.c) shares.  The
 * SYN-ACK for te from lport, offering shift rscale and window win.
 * => any context that may call ip_output; no lock needed
 */
void	tcp_synack_output(struct tcp_brane *, const struct tcp_embryo *te,
	    in_port_t lport, uint8_t rscale, u_int win);
/*
 * The handshake's ACK m (parsed: sg) for te: make the connection's
 * socket in ESTABLISHED and queue it on listener lp.  Consumes m.
 * => lp's so_lock held; the caller counted the segment processed
 */
void	tcp_embryo_complete(struct tcpcb *lp, const struct tcp_embryo *te,
	    struct mbuf *m, const struct tcp_seg *sg);
/*
 * A segment to listener lp that belongs to a connection made since demux
 * queued it (the handshake's ACK and the data right behind it both went
 * to the listener's PCQ): queue it to that connection (counted processed
 * here, and received and delivered again: tcp_var.h).
 * => lp's so_lock held; true if m was consumed, false: no such
 *    connection, m untouched
 */
bool	tcp_listen_handoff(struct tcpcb *lp, struct mbuf *m,
	    const struct tcp_seg *sg);
/*
 * SACK's state (struct tcp_sackcb): tcp_sack_get gives it, taking it
 * from kmem if need be (NULL when there is no memory: the connection
 * then goes on without, as if the peer had not offered SACK);
 * tcp_sack_trim frees it when it holds nothing; tcp_sack_free always.
 * => so_lock held
 */
struct tcp_sackcb *tcp_sack_get(struct tcpcb *);
void	tcp_sack_trim(struct tcpcb *);
void	tcp_sack_free(struct tcpcb *);
/*
 * RFC 6675's loss recovery sending: while cwnd - pipe >= SMSS, what
 * NextSeg says (tcp_output.c).  => so_lock held; TF_SACKRECOVERY
 */
void	tcp_sack_output(struct tcpcb *);
uint32_t tcp_sack_send(struct tcpcb *, tcp_seq seq, uint32_t len);

/* The largest window shift a buffer of hiwat bytes needs. */
uint8_t	tcp_rscale(u_int hiwat);

/*
 * A connection as the tcp:* probes name it (sdt_probes.h): ADDRS, and
 * PORTS with v in its low 32 bits.
 */
CTASSERT(sizeof(uintptr_t) >= sizeof(uint64_t));
static inline uint64_t
tcp_probe_addrs(const struct tcpcb *tp)
{
	return (uint64_t)ntohl(tp->t_inp->inp_laddr.s_addr) << 32 |
	    ntohl(tp->t_inp->inp_faddr.s_addr);
}

static inline uint64_t
tcp_probe_ports(const struct tcpcb *tp, uint32_t v)
{
	return (uint64_t)ntohs(tp->t_inp->inp_lport) << 48 |
	    (uint64_t)ntohs(tp->t_inp->inp_fport) << 32 | v;
}

/* Recovery episodes for the records (tcp:recovery_*, sdt_probes.h). */
#define TCP_RECOVERY_FAST       0       /* three duplicate ACKs */
#define TCP_RECOVERY_RTO        1       /* a retransmission timeout */
#define TCP_RECOVERY_FULLACK    0       /* exit: the recovery point acked */
#define TCP_RECOVERY_TIMEOUT    1       /* exit: fast recovery timed out */
#define TCP_RECOVERY_DROPPED    2       /* exit: the connection dropped */

static inline void
tcp_recovery_enter(const struct tcpcb *tp, uint32_t kind)
{
	SDT_PROBE4(tcp, recovery_enter, 1, tcp_probe_addrs(tp),
	    tcp_probe_ports(tp, kind), (uint64_t)tp->snd_una << 32 |
	    tp->snd_recover);
}

static inline void
tcp_recovery_exit(const struct tcpcb *tp, uint32_t how, tcp_seq ack)
{
	SDT_PROBE4(tcp, recovery_exit, 1, tcp_probe_addrs(tp),
	    tcp_probe_ports(tp, how), (uint64_t)ack << 32 | tp->snd_recover);
}

#endif /* _STACK_NETINET_TCP_VAR_H_ */
