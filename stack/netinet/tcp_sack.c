/*
 * tcp_sack.c -- SACK blocks for the receiver (RFC 2018) and the
 * sender's scoreboard (RFC 6675), bounded and allocation-free.
 *
 * The one idea: both sides keep a short array of blocks, and every
 * question RFC 6675 asks byte by byte is answered by walking it once.
 * The sender's blocks are kept sorted and merged, as offsets from
 * snd_una they are small numbers (the window is below 2^30), so every
 * comparison is a plain unsigned one and wrap-around of the sequence
 * space never shows.  "Lost" is monotone -- a byte is lost when enough
 * SACKed data lies above it, and more lies above any lower byte -- so
 * IsLost reduces to one threshold offset, L: an unSACKed byte below L is
 * lost, one at or above it is not.  With DupThresh = 3 (D):
 *
 *	L = max(the offset where more than (D - 1) * SMSS SACKed bytes
 *	        start to lie above, the start of the D-th highest block)
 *
 * (RFC 6675's "DupThresh discontiguous SACKed sequences above" is
 * counted as SACKed blocks wholly above the byte.)  Then, in bytes,
 *
 *	pipe = unSACKed bytes in [L, snd_max) + unSACKed bytes in
 *	       [snd_una, high_rxt)
 *
 * which is SetPipe's sum of "not lost" and "retransmitted" over every
 * unSACKed byte, and NextSeg's rules 1 to 4 look for the first unSACKed
 * byte at or above high_rxt below L and below the highest block (rule
 * 1), new data (2), any unSACKed byte below the highest block (3), or
 * the last unSACKed byte below the recovery point for the rescue (4).
 * A retransmission never crosses into SACKed data: it ends at the
 * hole's end or after SMSS.
 *
 * Limits: TCP_SACK_SB_MAX blocks inline; a window with more holes
 * makes the board take an array from kmem (KM_NOSLEEP), doubling up to
 * its limit (TCP_SACK_SB_LIMIT), and give it back once its blocks fit
 * inline again.  Until 2026-12 the eight inline blocks were all: at a
 * 200 ms RTT one CUBIC episode (tcp-share's) resent 48 segments, 44 of
 * which the receiver held, because each new hole beyond the eighth
 * made the board forget a SACKed block.  Beyond the limit, or when
 * kmem refuses, a further block makes the board forget its smallest
 * block other than the highest (the highest carries HighSACK and most
 * of IsLost's evidence).  Forgetting only removes knowledge of data
 * the receiver holds: such data may be sent again or counted in
 * flight, never skipped.  The receiver keeps TCP_SACK_RCV_MAX blocks
 * and forgets its least recent.  The receiver's side never allocates;
 * the board only for room (tcp_sack_sb_create is for a core that takes
 * the board itself from kmem only while SACK blocks are outstanding);
 * neither takes locks: the core's connection lock covers them.
 */
#include <sys/kern.h>
#include <sys/kmem.h>

#include <string.h>

#include <netinet/tcp_sack.h>

#define TCP_SACK_SB_MAGIC       0x5b

CTASSERT(sizeof(struct tcp_sack_sb) <= 128);
CTASSERT(TCP_SACK_SB_LIMIT >= TCP_SACK_SB_MAX &&
    TCP_SACK_SB_LIMIT <= UINT16_MAX / 2);
CTASSERT(sizeof(struct tcp_sack_rcv) <= 64);

/* ---- receiver ------------------------------------------------------ */

void
tcp_sack_rcv_init(struct tcp_sack_rcv *r)
{
	KASSERT(r != NULL);
	r->nblk = 0;
}

static void
rcv_remove(struct tcp_sack_rcv *r, int i)
{
	KASSERT(i >= 0 && i < r->nblk);
	for (int j = i; j + 1 < r->nblk; j++)
		r->blk[j] = r->blk[j + 1];
	r->nblk--;
}

/*
 * tcp_sack_rcv_add(r, rcv_nxt, start, end) -- an out-of-order segment
 * holding [start, end) was queued.
 * => start > rcv_nxt (in-order data advances rcv_nxt instead)
 * => the block holding it becomes the first one reported; the least
 *    recent block is forgotten when there is no room
 */
void
tcp_sack_rcv_add(struct tcp_sack_rcv *r, tcp_seq rcv_nxt, tcp_seq start,
    tcp_seq end)
{
	struct tcp_sack_block nb = { start, end };

	KASSERT(r->nblk <= TCP_SACK_RCV_MAX);
	KASSERT(SEQ_GT(start, rcv_nxt) && SEQ_LT(start, end));
	KASSERT(end - rcv_nxt <= TCP_SACK_WIN_MAX);
	for (int i = 0; i < r->nblk;) {
		struct tcp_sack_block *b = &r->blk[i];

		if (SEQ_LEQ(b->start, nb.end) && SEQ_GEQ(b->end, nb.start)) {
			nb.start = SEQ_MIN(nb.start, b->start);
			nb.end = SEQ_MAX(nb.end, b->end);
			rcv_remove(r, i);
		} else {
			i++;
		}
	}
	if (r->nblk == TCP_SACK_RCV_MAX)
		r->nblk--;
	for (int j = r->nblk; j > 0; j--)
		r->blk[j] = r->blk[j - 1];
	r->blk[0] = nb;
	r->nblk++;
	KASSERT(r->nblk >= 1 && r->nblk <= TCP_SACK_RCV_MAX);
}

/*
 * tcp_sack_rcv_update(r, rcv_nxt) -- rcv_nxt advanced (in-order data,
 * or the reassembly queue drained into the socket).
 * => forgets every block at or below rcv_nxt, and a block rcv_nxt
 *    reached into (its data was not all delivered: under-reporting is
 *    safe, reporting data at rcv_nxt as SACKed is not)
 */
void
tcp_sack_rcv_update(struct tcp_sack_rcv *r, tcp_seq rcv_nxt)
{
	KASSERT(r->nblk <= TCP_SACK_RCV_MAX);
	for (int i = 0; i < r->nblk;) {
		if (SEQ_LEQ(r->blk[i].start, rcv_nxt))
			rcv_remove(r, i);
		else
			i++;
	}
	for (int i = 0; i < r->nblk; i++)
		KASSERT(SEQ_GT(r->blk[i].start, rcv_nxt));
}

/*
 * tcp_sack_rcv_blocks(r, rcv_nxt, out, room) -- the blocks for an
 * outgoing segment's SACK option, most recent first.
 * => room: blocks the option has room for, 0..TCP_SACK_OPT_MAX (3 with
 *    timestamps)
 * => rcv_nxt as last given to tcp_sack_rcv_update (or older)
 * => returns the count written to out; every block lies above rcv_nxt
 */
int
tcp_sack_rcv_blocks(const struct tcp_sack_rcv *r, tcp_seq rcv_nxt,
    struct tcp_sack_block *out, int room)
{
	int n = MIN(room, (int)r->nblk);

	KASSERT(room >= 0 && room <= TCP_SACK_OPT_MAX);
	KASSERT(r->nblk <= TCP_SACK_RCV_MAX);
	for (int i = 0; i < n; i++) {
		out[i] = r->blk[i];
		KASSERT(SEQ_GT(out[i].start, rcv_nxt));
		KASSERT(SEQ_LT(out[i].start, out[i].end));
	}
	return n;
}

/* ---- sender's scoreboard ------------------------------------------- */

/* A block as offsets from snd_una: [s, e). */
struct sb_span {
	uint32_t s, e;
};

static struct sb_span
sb_span(const struct tcp_sack_sb *sb, int i, tcp_seq una)
{
	struct sb_span sp = { sb->blk[i].start - una, sb->blk[i].end - una };

	return sp;
}

/* The board's invariants against [una, una + win]. */
static void
sb_check(const struct tcp_sack_sb *sb, tcp_seq una, uint32_t win)
{
	uint32_t sum = 0, prev_e = 0;

	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	KASSERT(sb->nblk <= sb->cap && sb->cap <= sb->limit);
	KASSERT((sb->blk == sb->inl) == (sb->cap == TCP_SACK_SB_MAX));
	for (int i = 0; i < sb->nblk; i++) {
		struct sb_span sp = sb_span(sb, i, una);

		KASSERTMSG(sp.s < sp.e && sp.e <= win,
		    "SACK block %d [%u, %u) outside [0, %u]", i, sp.s, sp.e,
		    win);
		KASSERT(i == 0 || prev_e < sp.s);
		sum += sp.e - sp.s;
		prev_e = sp.e;
	}
	KASSERT(sum == sb->sacked);
}

void
tcp_sack_sb_init(struct tcp_sack_sb *sb)
{
	KASSERT(sb != NULL);
	sb->blk = sb->inl;
	sb->cap = TCP_SACK_SB_MAX;
	sb->limit = TCP_SACK_SB_LIMIT;
	sb->nblk = 0;
	sb->sacked = 0;
	sb->forgotten = 0;
	sb->magic = TCP_SACK_SB_MAGIC;
}

/*
 * tcp_sack_sb_set_limit(sb, limit) -- grow to at most limit blocks.
 * => TCP_SACK_SB_MAX <= limit <= TCP_SACK_SB_LIMIT; the board is inline
 */
void
tcp_sack_sb_set_limit(struct tcp_sack_sb *sb, u_int limit)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	KASSERT(limit >= TCP_SACK_SB_MAX && limit <= TCP_SACK_SB_LIMIT);
	KASSERT(sb->blk == sb->inl);
	sb->limit = (uint16_t)limit;
}

/* Back to the inline blocks, giving the array back.  => they fit */
static void
sb_shrink(struct tcp_sack_sb *sb)
{
	struct tcp_sack_block *ext = sb->blk;

	KASSERT(sb->nblk <= TCP_SACK_SB_MAX);
	if (ext == sb->inl)
		return;
	memcpy(sb->inl, ext, sb->nblk * sizeof(*ext));
	sb->blk = sb->inl;
	kmem_free(ext, sb->cap * sizeof(*ext));
	sb->cap = TCP_SACK_SB_MAX;
}

/* Twice the room, up to the limit; false if at it or kmem refuses. */
static bool
sb_grow(struct tcp_sack_sb *sb)
{
	u_int cap = MIN(2u * sb->cap, (u_int)sb->limit);
	struct tcp_sack_block *ext;

	if (cap <= sb->cap)
		return false;
	if ((ext = kmem_alloc(cap * sizeof(*ext), KM_NOSLEEP)) == NULL)
		return false;
	memcpy(ext, sb->blk, sb->nblk * sizeof(*ext));
	if (sb->blk != sb->inl)
		kmem_free(sb->blk, sb->cap * sizeof(*ext));
	sb->blk = ext;
	sb->cap = (uint16_t)cap;
	return true;
}

/*
 * tcp_sack_sb_fini(sb) -- the board is no longer used.
 * => its array, if it has one, goes back to kmem; a later use panics
 *    until init
 */
void
tcp_sack_sb_fini(struct tcp_sack_sb *sb)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	sb->nblk = 0;
	sb->sacked = 0;
	sb_shrink(sb);
	sb->magic = 0;
}

/*
 * tcp_sack_sb_create(flags) -- a board from kmem, initialised.
 * => KM_NOSLEEP may return NULL: the core then runs without SACK
 *    information (NewReno's recovery), which is always safe
 */
struct tcp_sack_sb *
tcp_sack_sb_create(km_flag_t flags)
{
	struct tcp_sack_sb *sb = kmem_alloc(sizeof(*sb), flags);

	KASSERT(sb != NULL || (flags & KM_NOSLEEP) != 0);
	if (sb != NULL)
		tcp_sack_sb_init(sb);
	return sb;
}

void
tcp_sack_sb_destroy(struct tcp_sack_sb *sb)
{
	if (sb == NULL)
		return;
	tcp_sack_sb_fini(sb);
	kmem_free(sb, sizeof(*sb));
}

/*
 * tcp_sack_sb_clear(sb) -- forget every block (after a timeout: RFC
 * 2018 lets the receiver renege, so SACKed data is sent again).
 */
void
tcp_sack_sb_clear(struct tcp_sack_sb *sb)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	sb->nblk = 0;
	sb->sacked = 0;
	sb_shrink(sb);
}

/* Drop what snd_una passed; trim a block it reached into. */
static void
sb_prune(struct tcp_sack_sb *sb, tcp_seq una)
{
	int n = 0;

	for (int i = 0; i < sb->nblk; i++) {
		struct tcp_sack_block b = sb->blk[i];

		if (SEQ_LEQ(b.end, una))
			continue;
		if (SEQ_LT(b.start, una))
			b.start = una;
		sb->blk[n++] = b;
	}
	sb->nblk = (uint16_t)n;
	if (n <= TCP_SACK_SB_MAX)
		sb_shrink(sb);
}

/*
 * Forget one of the board's blocks or [os, oe), which touches none of
 * them, to make room: the smallest of them all but the highest.
 * => true if it forgot [os, oe), else the board has room for it now
 */
static bool
sb_forget(struct tcp_sack_sb *sb, tcp_seq una, uint32_t os, uint32_t oe)
{
	int n = sb->nblk, k = -1;
	uint32_t len = 0;
	bool new_high = sb_span(sb, n - 1, una).s < os;

	KASSERT(n == sb->cap && n >= 2);
	sb->forgotten++;
	/* The smallest old block but the highest of all (later on ties). */
	for (int i = 0; i < (new_high ? n : n - 1); i++) {
		struct sb_span b = sb_span(sb, i, una);

		if (k < 0 || b.e - b.s <= len) {
			k = i;
			len = b.e - b.s;
		}
	}
	KASSERT(k >= 0);
	if (!new_high && oe - os <= len)
		return true;
	sb->sacked -= sb->blk[k].end - sb->blk[k].start;
	memmove(&sb->blk[k], &sb->blk[k + 1], (size_t)(n - k - 1) *
	    sizeof(sb->blk[0]));
	sb->nblk = (uint16_t)(n - 1);
	return false;
}

/* Add [os, oe) (offsets from una), merging what it touches. */
static void
sb_insert(struct tcp_sack_sb *sb, tcp_seq una, uint32_t os, uint32_t oe)
{
	uint32_t ms = os, me = oe, sum = 0;
	int n = sb->nblk, i0, i1;

	KASSERT(os < oe);
	/* [i0, i1): the blocks it overlaps or touches (adjacent). */
	for (i0 = 0; i0 < n && sb_span(sb, i0, una).e < os; i0++)
		continue;
	for (i1 = i0; i1 < n && sb_span(sb, i1, una).s <= oe; i1++)
		continue;
	if (i1 > i0) {
		ms = MIN(os, sb_span(sb, i0, una).s);
		me = MAX(oe, sb_span(sb, i1 - 1, una).e);
		memmove(&sb->blk[i0 + 1], &sb->blk[i1], (size_t)(n - i1) *
		    sizeof(sb->blk[0]));
		n -= i1 - i0 - 1;
	} else {
		if (n == sb->cap && !sb_grow(sb)) {
			if (sb_forget(sb, una, os, oe))
				return;
			sb_insert(sb, una, os, oe);     /* now it has room */
			return;
		}
		KASSERT(n < sb->cap);
		memmove(&sb->blk[i0 + 1], &sb->blk[i0], (size_t)(n - i0) *
		    sizeof(sb->blk[0]));
		n++;
	}
	sb->blk[i0].start = una + ms;
	sb->blk[i0].end = una + me;
	sb->nblk = (uint16_t)n;
	for (int i = 0; i < n; i++)
		sum += sb->blk[i].end - sb->blk[i].start;
	sb->sacked = sum;
}

/*
 * tcp_sack_sb_update(sb, snd_una, snd_max, blk, nblk, nbogus) -- an ACK
 * arrived; snd_una is after its cumulative acknowledgment, blk its
 * SACK blocks as received.
 * => snd_una <= snd_max, at most TCP_SACK_WIN_MAX apart
 * => a block is ignored (and counted in *nbogus, if not NULL) unless
 *    snd_una <= start < end <= snd_max: below snd_una is a D-SACK or a
 *    stale report, beyond snd_max or inverted is bogus
 * => returns the bytes the board learned as SACKed (0 when forgetting
 *    for room cost as much as was learnt)
 */
uint32_t
tcp_sack_sb_update(struct tcp_sack_sb *sb, tcp_seq snd_una, tcp_seq snd_max,
    const struct tcp_sack_block *blk, int nblk, int *nbogus)
{
	uint32_t win = snd_max - snd_una, before;
	int bogus = 0;

	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	KASSERT(win <= TCP_SACK_WIN_MAX);
	KASSERT(nblk >= 0 && nblk <= TCP_SACK_OPT_MAX);
	sb_prune(sb, snd_una);
	sb->sacked = 0;
	for (int i = 0; i < sb->nblk; i++)
		sb->sacked += sb->blk[i].end - sb->blk[i].start;
	sb_check(sb, snd_una, win);
	before = sb->sacked;
	for (int i = 0; i < nblk; i++) {
		uint32_t os = blk[i].start - snd_una, oe = blk[i].end - snd_una;

		if (!(os < oe && oe <= win)) {
			bogus++;
			continue;
		}
		sb_insert(sb, snd_una, os, oe);
	}
	if (nbogus != NULL)
		*nbogus = bogus;
	sb_check(sb, snd_una, win);
	return sb->sacked > before ? sb->sacked - before : 0;
}

bool
tcp_sack_sb_empty(const struct tcp_sack_sb *sb)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	return sb->nblk == 0;
}

uint32_t
tcp_sack_sb_sacked(const struct tcp_sack_sb *sb)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	return sb->sacked;
}

/*
 * tcp_sack_sb_high(sb, snd_una) -- one past the highest SACKed byte
 * (RFC 6675 HighSACK + 1), or snd_una when nothing is SACKed.
 */
tcp_seq
tcp_sack_sb_high(const struct tcp_sack_sb *sb, tcp_seq snd_una)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	return sb->nblk > 0 ? sb->blk[sb->nblk - 1].end : snd_una;
}

bool
tcp_sack_sb_is_sacked(const struct tcp_sack_sb *sb, tcp_seq snd_una,
    tcp_seq seq)
{
	uint32_t o = seq - snd_una;

	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	for (int i = 0; i < sb->nblk; i++) {
		struct sb_span sp = sb_span(sb, i, snd_una);

		if (sp.s <= o && o < sp.e)
			return true;
	}
	return false;
}

/* L: unSACKed bytes at offsets below it are lost (see the essay). */
static uint32_t
sb_lost_below(const struct tcp_sack_sb *sb, tcp_seq una, uint32_t mss)
{
	uint32_t t = (TCP_SACK_DUPTHRESH - 1) * mss, cum = 0, l = 0;
	int n = sb->nblk;

	KASSERT(mss > 0 && mss <= TCP_SACK_WIN_MAX / TCP_SACK_DUPTHRESH);
	for (int k = n - 1; k >= 0; k--) {
		struct sb_span sp = sb_span(sb, k, una);

		if (cum + (sp.e - sp.s) > t) {
			l = cum + sp.e - 1 - t;
			KASSERT(l >= sp.s && l < sp.e);
			break;
		}
		cum += sp.e - sp.s;
	}
	if (n >= TCP_SACK_DUPTHRESH)
		l = MAX(l, sb_span(sb, n - TCP_SACK_DUPTHRESH, una).s);
	return l;
}

/*
 * tcp_sack_is_lost(sb, snd_una, seq, mss) -- RFC 6675 IsLost(seq).
 * => seq in [snd_una, snd_max)
 */
bool
tcp_sack_is_lost(const struct tcp_sack_sb *sb, tcp_seq snd_una, tcp_seq seq,
    uint32_t mss)
{
	KASSERT(sb->magic == TCP_SACK_SB_MAGIC);
	KASSERT(seq - snd_una < TCP_SACK_WIN_MAX);
	return seq - snd_una < sb_lost_below(sb, snd_una, mss);
}

/* unSACKed bytes at offsets [a, b). */
static uint32_t
sb_unsacked(const struct tcp_sack_sb *sb, tcp_seq una, uint32_t a,
    uint32_t b)
{
	uint32_t n;

	if (a >= b)
		return 0;
	n = b - a;
	for (int i = 0; i < sb->nblk; i++) {
		struct sb_span sp = sb_span(sb, i, una);
		uint32_t lo = MAX(a, sp.s), hi = MIN(b, sp.e);

		if (lo < hi)
			n -= hi - lo;
	}
	KASSERT(n <= b - a);
	return n;
}

/*
 * tcp_sack_pipe(sb, snd_una, snd_max, high_rxt, mss) -- RFC 6675
 * SetPipe, in bytes.
 * => high_rxt: one past the highest retransmitted byte of this
 *    recovery; snd_una (or below) when none
 */
uint32_t
tcp_sack_pipe(const struct tcp_sack_sb *sb, tcp_seq snd_una, tcp_seq snd_max,
    tcp_seq high_rxt, uint32_t mss)
{
	uint32_t win = snd_max - snd_una, h, l, pipe;

	KASSERT(win <= TCP_SACK_WIN_MAX);
	KASSERT(SEQ_LEQ(high_rxt, snd_max));
	sb_check(sb, snd_una, win);
	h = SEQ_LT(high_rxt, snd_una) ? 0 : high_rxt - snd_una;
	l = sb_lost_below(sb, snd_una, mss);
	pipe = sb_unsacked(sb, snd_una, l, win) +
	    sb_unsacked(sb, snd_una, 0, h);
	KASSERT(pipe <= 2 * win);
	return pipe;
}

/* The first unSACKed offset at or above x, and the end of its hole. */
static uint32_t
sb_hole_from(const struct tcp_sack_sb *sb, tcp_seq una, uint32_t x,
    uint32_t win, uint32_t *hole_end)
{
	*hole_end = win;
	for (int i = 0; i < sb->nblk; i++) {
		struct sb_span sp = sb_span(sb, i, una);

		if (x < sp.s) {
			*hole_end = sp.s;
			break;
		}
		if (x < sp.e)
			x = sp.e;
	}
	return x;
}

static void
sb_seg(struct tcp_sack_seg *out, enum tcp_sack_next what, int rule,
    tcp_seq seq, uint32_t len)
{
	out->what = what;
	out->rule = rule;
	out->seq = seq;
	out->len = len;
}

/*
 * tcp_sack_nextseg(sb, st, out) -- RFC 6675 NextSeg(): what to send
 * next in loss recovery, when cwnd - pipe >= SMSS.
 * => a retransmission lies in [snd_una, snd_max), starts on an
 *    unSACKed byte and holds no SACKed byte; at most SMSS bytes
 * => the rescue (rule 4) lies below st->recovery_point: none when that
 *    is at or below snd_una
 */
void
tcp_sack_nextseg(const struct tcp_sack_sb *sb,
    const struct tcp_sack_sendstate *st, struct tcp_sack_seg *out)
{
	uint32_t win = st->snd_max - st->snd_una, h, l, top, x, he;
	tcp_seq una = st->snd_una;
	int n = sb->nblk;

	KASSERT(win <= TCP_SACK_WIN_MAX && st->mss > 0);
	KASSERT(SEQ_LEQ(st->high_rxt, st->snd_max));
	sb_check(sb, una, win);
	h = SEQ_LT(st->high_rxt, una) ? 0 : st->high_rxt - una;
	top = n > 0 ? sb_span(sb, n - 1, una).s : 0;
	l = sb_lost_below(sb, una, st->mss);
	x = sb_hole_from(sb, una, h, win, &he);
	/* Rule 1: the first lost unSACKed byte above HighRxt. */
	if (x < MIN(l, top)) {
		sb_seg(out, TCP_SACK_RXT, 1, una + x, MIN(st->mss, he - x));
		goto done;
	}
	/* Rule 2: new data. */
	if (st->new_ok > 0) {
		sb_seg(out, TCP_SACK_NEW, 2, st->snd_max,
		    MIN(st->mss, st->new_ok));
		return;
	}
	/* Rule 3: any unSACKed byte above HighRxt below HighSACK. */
	if (x < top) {
		sb_seg(out, TCP_SACK_RXT, 3, una + x, MIN(st->mss, he - x));
		goto done;
	}
	/*
	 * Rule 4: the rescue retransmission, once per recovery: the last
	 * unSACKed segment below the recovery point.  What was sent above
	 * it went out in this recovery (rule 2) and is in flight, not
	 * lost: resending it would be spurious, and its loss is a new
	 * congestion event.
	 */
	if (!st->rescue_valid || SEQ_GT(una, st->rescue_rxt)) {
		uint32_t end, hs;
		int k = n - 1;

		end = SEQ_GT(st->recovery_point, una) ?
		    MIN(win, st->recovery_point - una) : 0;
		for (; k >= 0; k--) {
			struct sb_span sp = sb_span(sb, k, una);

			if (sp.e < end)
				break;
			end = MIN(end, sp.s);
		}
		hs = k >= 0 ? sb_span(sb, k, una).e : 0;
		if (end > 0) {
			KASSERT(hs < end);
			x = end - MIN(st->mss, end - hs);
			he = end;
			sb_seg(out, TCP_SACK_RESCUE, 4, una + x, end - x);
			goto done;
		}
	}
	sb_seg(out, TCP_SACK_NONE, 0, st->snd_max, 0);
	return;
done:
	KASSERT(out->len > 0 && out->len <= st->mss);
	KASSERT(x + out->len <= he && he <= win);
	KASSERT(!tcp_sack_sb_is_sacked(sb, una, out->seq));
}
