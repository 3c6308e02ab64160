/*
 * tcp_sack.h -- selective acknowledgments: the receiver's SACK blocks
 * (RFC 2018) and the sender's scoreboard (RFC 6675), on sequence
 * numbers only.
 *
 * Both halves are small fixed-size structs the TCP core may keep inline
 * in its connection or take from a pool while they are in use; neither
 * allocates, and neither knows the core's structures: they take tcp_seq
 * values and blocks [start, end) (end exclusive, as on the wire).
 *
 * Receiver: tcp_sack_rcv remembers up to TCP_SACK_RCV_MAX out-of-order
 * blocks, the most recently extended first; tcp_sack_rcv_blocks fills
 * an outgoing option in that order (the block holding the segment that
 * triggered the ACK first, then the most recent others), never with
 * data at or below rcv_nxt.  A core that drops out-of-order data it
 * held (reneging, RFC 2018 section 8) calls tcp_sack_rcv_init to stop
 * reporting it.  D-SACK (RFC 2883) is not done: duplicates are not
 * reported, and the sender ignores D-SACK blocks it receives.
 *
 * Sender: tcp_sack_sb remembers the SACKed blocks above snd_una: up to
 * TCP_SACK_SB_MAX inline, and while it needs more (a window with many
 * holes) in an array from kmem that grows by doubling up to its limit
 * (TCP_SACK_SB_LIMIT unless set lower) and is given back when the
 * blocks fit inline again (or at clear and fini): a board without
 * holes to tell holds no memory beyond the struct.  Beyond its limit,
 * or when kmem refuses, it forgets a block (the smallest other than
 * the highest): the board then knows less than the receiver said,
 * never more, so it may retransmit data the receiver holds or count it
 * in the pipe, but it never takes unreceived data for received, and
 * never offers data below snd_una or at or beyond snd_max to
 * retransmit.  Everything is exact (IsLost, pipe, NextSeg as RFC 6675
 * defines them, in bytes) while no block has been forgotten.
 */
#ifndef _STACK_NETINET_TCP_SACK_H_
#define _STACK_NETINET_TCP_SACK_H_

#include <sys/kern.h>
#include <sys/kmem.h>

#include <netinet/tcp_seq.h>

#define TCP_SACK_OPT_MAX        4       /* blocks in an option (3 with
					   timestamps: 40 option bytes) */
#define TCP_SACK_RCV_MAX        6       /* blocks the receiver remembers */
#define TCP_SACK_SB_MAX         8       /* blocks the sender keeps inline */
#define TCP_SACK_SB_LIMIT       1024    /* ...and at most, from kmem: the
					   holes of a 4 MiB window (the
					   largest buffer) in 1448-byte
					   segments, every other lost */
#define TCP_SACK_DUPTHRESH      3       /* RFC 6675 DupThresh */
#define TCP_SACK_WIN_MAX        (1u << 30) /* widest [snd_una, snd_max) */

struct tcp_sack_block {
	tcp_seq start;                  /* first byte */
	tcp_seq end;                    /* one past the last byte */
};

/* ---- receiver (RFC 2018) ------------------------------------------ */

struct tcp_sack_rcv {
	struct tcp_sack_block blk[TCP_SACK_RCV_MAX]; /* most recent first;
					   disjoint, not adjacent */
	uint8_t nblk;
};

void	tcp_sack_rcv_init(struct tcp_sack_rcv *);
void	tcp_sack_rcv_add(struct tcp_sack_rcv *, tcp_seq rcv_nxt,
	    tcp_seq start, tcp_seq end);
void	tcp_sack_rcv_update(struct tcp_sack_rcv *, tcp_seq rcv_nxt);
int	tcp_sack_rcv_blocks(const struct tcp_sack_rcv *, tcp_seq rcv_nxt,
	    struct tcp_sack_block *out, int room);

/* ---- sender's scoreboard (RFC 6675) ------------------------------- */

struct tcp_sack_sb {
	struct tcp_sack_block *blk;     /* inl, or cap blocks from kmem;
					   ascending; disjoint, not
					   adjacent; within [snd_una,
					   snd_max].  Never copy a board */
	struct tcp_sack_block inl[TCP_SACK_SB_MAX];
	uint32_t sacked;                /* bytes in blk[] */
	uint32_t forgotten;             /* blocks dropped for room */
	uint16_t nblk;
	uint16_t cap;                   /* blk's room, in blocks */
	uint16_t limit;                 /* most blocks blk may grow to */
	uint8_t magic;                  /* TCP_SACK_SB_MAGIC while live */
};

/* What NextSeg says to send (RFC 6675 section 4). */
enum tcp_sack_next {
	TCP_SACK_NONE = 0,              /* nothing: wait for an ACK */
	TCP_SACK_RXT,                   /* rule 1 (lost) or 3: retransmit
					   [seq, seq + len); then
					   high_rxt = seq + len */
	TCP_SACK_NEW,                   /* rule 2: send new data at snd_max */
	TCP_SACK_RESCUE,                /* rule 4: retransmit [seq, seq +
					   len); then rescue_rxt =
					   recovery_point, high_rxt kept */
};

struct tcp_sack_sendstate {
	tcp_seq snd_una;
	tcp_seq snd_max;                /* one past the highest byte sent */
	tcp_seq high_rxt;               /* one past the highest byte
					   retransmitted in this recovery
					   (snd_una at its start) */
	tcp_seq rescue_rxt;             /* RFC 6675 RescueRxt */
	tcp_seq recovery_point;
	bool rescue_valid;              /* RescueRxt is defined */
	uint32_t mss;
	uint32_t new_ok;                /* bytes of new data the window and
					   the send buffer allow now */
};

struct tcp_sack_seg {
	enum tcp_sack_next what;
	int rule;                       /* 1..4, 0 for NONE */
	tcp_seq seq;
	uint32_t len;
};

void	tcp_sack_sb_init(struct tcp_sack_sb *);
void	tcp_sack_sb_set_limit(struct tcp_sack_sb *, u_int limit);
void	tcp_sack_sb_fini(struct tcp_sack_sb *);
struct tcp_sack_sb *tcp_sack_sb_create(km_flag_t);
void	tcp_sack_sb_destroy(struct tcp_sack_sb *);
void	tcp_sack_sb_clear(struct tcp_sack_sb *);
uint32_t tcp_sack_sb_update(struct tcp_sack_sb *, tcp_seq snd_una,
	    tcp_seq snd_max, const struct tcp_sack_block *blk, int nblk,
	    int *nbogus);
bool	tcp_sack_sb_empty(const struct tcp_sack_sb *);
uint32_t tcp_sack_sb_sacked(const struct tcp_sack_sb *);
tcp_seq	tcp_sack_sb_high(const struct tcp_sack_sb *, tcp_seq snd_una);
bool	tcp_sack_sb_is_sacked(const struct tcp_sack_sb *, tcp_seq snd_una,
	    tcp_seq seq);
bool	tcp_sack_is_lost(const struct tcp_sack_sb *, tcp_seq snd_una,
	    tcp_seq seq, uint32_t mss);
uint32_t tcp_sack_pipe(const struct tcp_sack_sb *, tcp_seq snd_una,
	    tcp_seq snd_max, tcp_seq high_rxt, uint32_t mss);
void	tcp_sack_nextseg(const struct tcp_sack_sb *,
	    const struct tcp_sack_sendstate *, struct tcp_sack_seg *);

#endif /* _STACK_NETINET_TCP_SACK_H_ */
