/*
 * uipc_mbuf.c -- mbufs and clusters (mbuf.h).
 *
 * Two pool caches per host back everything here: "mbpl" for MSIZE-byte
 * mbufs and "mclpl" for MCLBYTES-byte clusters.  Both live in the host's
 * struct mbuf_sys, reached through kern_globals(); nothing here is global.
 *
 * The one subtle part is the cluster reference count.  The mbuf a cluster
 * was first attached to is its owner: m_ext.ext_refcnt in the owner counts
 * the mbufs using the cluster, and every sharer's m_ext.ext_ref points at
 * the owner.  Freeing a sharer drops the count; the mbuf that drops it to
 * zero frees the cluster and the owner.  An owner freed while copies
 * remain is marked MT_FREE but kept, so their ext_ref stays valid.  No
 * separate allocation, no lock: one atomic per share and per free.
 *
 * Everything else is NetBSD's chain manipulation, written with two rules:
 * never read or write outside [m_storage_start, m_storage_end) of an mbuf,
 * and never write into a shared cluster (KASSERT).  Routines that may
 * run out of mbufs take what they need first, so a failure leaves the
 * chain as it was.
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/intr.h>
#include <sys/kernvar.h>
#include <sys/kmem.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/mbuf.h>
#include <kern/pool.h>

CTASSERT(sizeof(struct mbuf) == MSIZE);

/*
 * An mbuf handed to a routine here is in use: a type an mbuf in use has.
 * A freed one is MT_FREE (an owner kept for its cluster's sharers) or
 * its pool's poison (subr_pool.c), whose type is no type at all: so a
 * double free or a use after free through these routines stops here,
 * before the freed mbuf's pointers are followed.
 */
#define M_ASSERT_LIVE(m, what) \
	KASSERTMSG((m)->m_type > MT_FREE && (m)->m_type < NMBTYPES, \
	    "%s: mbuf freed twice or used after free, type %d", (what), \
	    (m)->m_type)
CTASSERT(MHLEN >= 14 + 60 + 60);        /* Ethernet + IPv4 + TCP, maximal */

/* The host's mbuf system.  Legend: c = constant after mbinit. */
struct mbuf_sys {
	pool_cache_t mb_mbpool;         /* c: "mbpl" */
	pool_cache_t mb_clpool;         /* c: "mclpl" */
};

static inline struct mbuf_sys *
mbuf_sys(void)
{
	struct mbuf_sys *mb = kern_globals()->kg_mbuf;

	KASSERTMSG(mb != NULL, "mbufs used before mbinit()");
	return mb;
}

void
mbinit(void)
{
	struct kern_globals *kg = kern_globals();
	struct mbuf_sys *mb;

	KASSERT(kg->kg_mbuf == NULL);
	mb = kmem_zalloc(sizeof(*mb), KM_SLEEP);
	/* Freed from network interrupts (transmit completion): IPL_NET. */
	mb->mb_mbpool = pool_cache_init(MSIZE, __CACHE_LINE_SIZE, "mbpl",
	    IPL_NET, NULL, NULL, NULL);
	mb->mb_clpool = pool_cache_init(MCLBYTES, __CACHE_LINE_SIZE, "mclpl",
	    IPL_NET, NULL, NULL, NULL);
	kg->kg_mbuf = mb;
}

void
mb_sethardlimits(int mbufs_max, int clusters_max)
{
	struct mbuf_sys *mb = mbuf_sys();

	KASSERT(mbufs_max >= 0 && clusters_max >= 0);
	pool_cache_sethardlimit(mb->mb_mbpool, mbufs_max,
	    "WARNING: mbpl limit reached", 60);
	pool_cache_sethardlimit(mb->mb_clpool, clusters_max,
	    "WARNING: mclpl limit reached", 60);
}

void
mbstat_get(struct mbstat *ms)
{
	struct mbuf_sys *mb = mbuf_sys();

	pool_cache_stats(mb->mb_mbpool, &ms->ms_mbuf);
	pool_cache_stats(mb->mb_clpool, &ms->ms_cluster);
}

/* --- allocation and freeing ----------------------------------------------- */

struct mbuf *
m_get(int how, int type)
{
	struct mbuf *m;

	KASSERTMSG(type > MT_FREE && type < NMBTYPES, "m_get: bad type %d",
	    type);
	if ((m = pool_cache_get(mbuf_sys()->mb_mbpool, how)) == NULL)
		return NULL;
	m->m_next = NULL;
	m->m_nextpkt = NULL;
	m->m_data = m->m_dat;
	m->m_len = 0;
	m->m_flags = 0;
	m->m_type = (short)type;
	SDT_PROBE1(mbuf, get, 1);
	return m;
}

struct mbuf *
m_gethdr(int how, int type)
{
	struct mbuf *m;

	if ((m = m_get(how, type)) == NULL)
		return NULL;
	m->m_flags = M_PKTHDR;
	m->m_data = m->m_pktdat;
	memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
	return m;
}

void
m_clget(struct mbuf *m, int how)
{
	char *buf;

	KASSERT(m != NULL);
	M_ASSERT_LIVE(m, "m_clget");
	KASSERTMSG((m->m_flags & M_EXT) == 0, "m_clget: mbuf has a cluster");
	KASSERTMSG(m->m_len == 0, "m_clget: mbuf holds %d bytes", m->m_len);
	if ((buf = pool_cache_get(mbuf_sys()->mb_clpool, how)) == NULL)
		return;
	m->m_ext.ext_buf = buf;
	m->m_ext.ext_size = MCLBYTES;
	m->m_ext.ext_ref = m;
	m->m_ext.ext_refcnt = 1;
	m->m_data = buf;
	m->m_flags |= M_EXT;
	SDT_PROBE1(mbuf, clget, 1);
}

struct mbuf *
m_getcl(int how, int type, int flags)
{
	struct mbuf *m;

	KASSERT((flags & ~M_PKTHDR) == 0);
	m = (flags & M_PKTHDR) ? m_gethdr(how, type) : m_get(how, type);
	if (m == NULL)
		return NULL;
	m_clget(m, how);
	if ((m->m_flags & M_EXT) == 0) {
		m_free(m);
		return NULL;
	}
	return m;
}

/*
 * Drop m's reference to its cluster.  The last reference frees the
 * cluster and the owner; an owner with copies left is kept (MT_FREE).
 */
static void
m_ext_free(struct mbuf_sys *mb, struct mbuf *m)
{
	struct mbuf *owner = m->m_ext.ext_ref;

	/* Our own reference keeps it above 0 whatever the others do. */
	KASSERT(data_race(owner->m_ext.ext_refcnt > 0,
	    "our reference holds it up; a stale count is still > 0"));
	/* Our writes to the cluster before the count falls, and ... */
	membar_release();
	if (atomic_dec_32_nv(&owner->m_ext.ext_refcnt) == 0) {
		/* ... the other sharers' writes before we free it. */
		membar_acquire();
		pool_cache_put(mb->mb_clpool, owner->m_ext.ext_buf);
		if (owner != m)
			pool_cache_put(mb->mb_mbpool, owner);
		pool_cache_put(mb->mb_mbpool, m);
	} else if (owner != m)
		pool_cache_put(mb->mb_mbpool, m);
}

struct mbuf *
m_free(struct mbuf *m)
{
	struct mbuf_sys *mb = mbuf_sys();
	struct mbuf *n;

	KASSERT(m != NULL);
	M_ASSERT_LIVE(m, "m_free");
	n = m->m_next;
	m->m_type = MT_FREE;
	m->m_next = NULL;
	SDT_PROBE1(mbuf, free, 1);
	if (m->m_flags & M_EXT)
		m_ext_free(mb, m);
	else
		pool_cache_put(mb->mb_mbpool, m);
	return n;
}

void
m_freem(struct mbuf *m)
{
	while (m != NULL)
		m = m_free(m);
}

/* --- one mbuf's storage and header ----------------------------------------- */

void
m_align(struct mbuf *m, int len)
{
	int room = (int)(m_storage_end(m) - m_storage_start(m));

	KASSERT(m->m_len == 0 && m->m_data == m_storage_start(m));
	KASSERTMSG(len >= 0 && len <= room, "m_align: %d bytes in %d", len,
	    room);
	m->m_data += (room - len) & ~(int)(sizeof(uint64_t) - 1);
}

void
m_copy_pkthdr(struct mbuf *to, const struct mbuf *from)
{
	KASSERT(to != NULL && from != NULL && to != from);
	KASSERTMSG(from->m_flags & M_PKTHDR, "m_copy_pkthdr: no header");
	KASSERTMSG(to->m_len == 0, "m_copy_pkthdr: target holds data");
	to->m_pkthdr = from->m_pkthdr;
	to->m_flags = (from->m_flags & M_COPYFLAGS) | (to->m_flags & M_EXT);
	if ((to->m_flags & M_EXT) == 0)
		to->m_data = to->m_pktdat;
}

void
m_move_pkthdr(struct mbuf *to, struct mbuf *from)
{
	m_copy_pkthdr(to, from);
	from->m_flags &= ~M_PKTHDR;
}

/* --- reading and writing chains -------------------------------------------- */

u_int
m_length(const struct mbuf *m)
{
	u_int len = 0;

	for (; m != NULL; m = m->m_next)
		len += (u_int)m->m_len;
	return len;
}

/* The mbuf holding byte *offp of the chain; *offp becomes its offset in it. */
static struct mbuf *
m_seek(const struct mbuf *m, int *offp)
{
	while (m != NULL && *offp >= m->m_len) {
		*offp -= m->m_len;
		m = m->m_next;
	}
	return (struct mbuf *)(uintptr_t)m;
}

void
m_copydata(const struct mbuf *m, int off, int len, void *vp)
{
	char *cp = vp;
	int count, left = len;

	KASSERTMSG(off >= 0 && len >= 0, "m_copydata: off %d len %d", off, len);
	M_ASSERT_LIVE(m, "m_copydata");
	m = m_seek(m, &off);
	while (left > 0) {
		KASSERTMSG(m != NULL, "m_copydata: %d bytes past the end of the "
		    "chain", left);
		count = MIN(m->m_len - off, left);
		memcpy(cp, mtod(m, char *) + off, (size_t)count);
		cp += count;
		left -= count;
		off = 0;
		m = m->m_next;
	}
	if (len > 0)
		SDT_PROBE1(mbuf, copy, len);
}

/* The last mbuf of a chain. */
static struct mbuf *
m_last(struct mbuf *m)
{
	while (m->m_next != NULL)
		m = m->m_next;
	return m;
}

/* A chain of empty mbufs, of the given type, with room for len bytes. */
static struct mbuf *
m_getspace(int len, int how, int type)
{
	struct mbuf *top = NULL, **mp = &top, *n;

	while (len > 0) {
		n = len >= MINCLSIZE ? m_getcl(how, type, 0) : m_get(how, type);
		if (n == NULL) {
			m_freem(top);
			return NULL;
		}
		len -= (int)(m_storage_end(n) - n->m_data);
		*mp = n;
		mp = &n->m_next;
	}
	return top;
}

/*
 * n bytes from cp to dst, or n zero bytes if cp is NULL.  Returns where
 * the source goes on (NULL: still zeros).
 */
static const char *
m_fill(char *dst, const char *cp, int n)
{
	if (cp == NULL) {
		memset(dst, 0, (size_t)n);
		return NULL;
	}
	memcpy(dst, cp, (size_t)n);
	return cp + n;
}

/*
 * Grow the chain by len bytes at its tail (and m_pkthdr.len with it),
 * copied from cp, or zeros if cp is NULL: into the last mbuf's writable
 * room, then new mbufs.  Fires no probe: the callers account the copy.
 * => 0, or ENOBUFS with the chain unchanged
 */
static int
m_extend(struct mbuf *m0, int len, const char *cp, int how)
{
	struct mbuf *last = m_last(m0), *n;
	int take, room = m_trailingspace(last);

	KASSERT(len >= 0);
	n = NULL;
	if (len > room && (n = m_getspace(len - room, how, last->m_type)) ==
	    NULL)
		return ENOBUFS;
	if (m0->m_flags & M_PKTHDR)
		m0->m_pkthdr.len += len;
	take = MIN(len, room);
	cp = m_fill(mtod(last, char *) + last->m_len, cp, take);
	last->m_len += take;
	len -= take;
	last->m_next = n;
	for (; n != NULL; n = n->m_next) {
		take = MIN(len, (int)(m_storage_end(n) - n->m_data));
		cp = m_fill(mtod(n, char *), cp, take);
		n->m_len = take;
		len -= take;
	}
	KASSERT(len == 0);
	return 0;
}

/* Write len bytes at off into a chain that holds them, all writable. */
static void
m_write(struct mbuf *m, int off, int len, const char *cp)
{
	int count, left = len;

	m = m_seek(m, &off);
	while (left > 0) {
		KASSERT(m != NULL);
		count = MIN(m->m_len - off, left);
		KASSERTMSG(count == 0 || !M_READONLY(m), "m_copyback into "
		    "read-only (shared) storage: use m_copyback_cow or "
		    "m_makewritable first");
		memcpy(mtod(m, char *) + off, cp, (size_t)count);
		cp += count;
		left -= count;
		off = 0;
		m = m->m_next;
	}
	if (len > 0)
		SDT_PROBE1(mbuf, copy, len);
}

int
m_copyback(struct mbuf *m0, int off, int len, const void *cp)
{
	int total;

	KASSERT(m0 != NULL);
	M_ASSERT_LIVE(m0, "m_copyback");
	KASSERTMSG(off >= 0 && len >= 0, "m_copyback: off %d len %d", off, len);
	total = (int)m_length(m0);
	if (off + len > total &&
	    m_extend(m0, off + len - total, NULL, M_DONTWAIT) != 0)
		return ENOBUFS;
	m_write(m0, off, len, cp);
	return 0;
}

int
m_copyback_cow(struct mbuf **mp, int off, int len, const void *cp, int how)
{
	int error, total;

	KASSERT(mp != NULL && *mp != NULL);
	KASSERTMSG(off >= 0 && len >= 0, "m_copyback_cow: off %d len %d", off,
	    len);
	total = (int)m_length(*mp);
	if (off < total &&
	    (error = m_makewritable(mp, off, MIN(len, total - off), how)) != 0)
		return error;
	return m_copyback(*mp, off, len, cp);
}

/* A writable copy of one mbuf's data (and header), at the same offset. */
static struct mbuf *
m_dupone(struct mbuf *m, int how)
{
	struct mbuf *n;
	int lead = (int)(m->m_data - m_storage_start(m));

	n = (m->m_flags & M_PKTHDR) ? m_gethdr(how, m->m_type) :
	    m_get(how, m->m_type);
	if (n == NULL)
		return NULL;
	if (m->m_flags & M_PKTHDR)
		m_copy_pkthdr(n, m);
	if (m->m_len > m_storage_end(n) - n->m_data) {
		m_clget(n, how);
		if ((n->m_flags & M_EXT) == 0) {
			m_free(n);
			return NULL;
		}
	}
	if (lead + m->m_len <= m_storage_end(n) - n->m_data)
		n->m_data += lead;
	memcpy(mtod(n, char *), mtod(m, char *), (size_t)m->m_len);
	n->m_len = m->m_len;
	SDT_PROBE1(mbuf, copy, m->m_len);
	return n;
}

int
m_makewritable(struct mbuf **mp, int off, int len, int how)
{
	struct mbuf *m, *n, **link;
	int pos = 0;

	KASSERT(mp != NULL && *mp != NULL);
	M_ASSERT_LIVE(*mp, "m_makewritable");
	/* The first mbuf holding the range proves the chain long enough. */
	KASSERTMSG(off >= 0 && len >= 0 && (off + len <= (*mp)->m_len ||
	    off + len <= (int)m_length(*mp)),
	    "m_makewritable: off %d len %d in a chain of %u bytes", off, len,
	    m_length(*mp));
	if (len == 0)
		return 0;
	/* Nearly always: a header in a first mbuf nobody shares. */
	if (off + len <= (*mp)->m_len && !M_READONLY(*mp))
		return 0;
	for (link = mp; (m = *link) != NULL && pos < off + len;
	    link = &m->m_next) {
		if (pos + m->m_len > off && M_READONLY(m)) {
			if ((n = m_dupone(m, how)) == NULL)
				return ENOBUFS;
			n->m_next = m->m_next;
			*link = n;
			m->m_next = NULL;
			m_free(m);
			m = n;
		}
		pos += m->m_len;
	}
	return 0;
}

/* --- copies ----------------------------------------------------------------- */

/* One step of m_copym: n gets up to len bytes of m from off. */
static void
m_copym_one(struct mbuf *n, struct mbuf *m, int off, int len)
{
	int room = (int)(m_storage_end(n) - n->m_data);

	n->m_len = MIN(len, m->m_len - off);
	if (m->m_flags & M_EXT) {
		/* Share the cluster: our count, in the owner. */
		/*
		 * Field by field: the owner's count (in m if m is the owner)
		 * is written atomically by other sharers' frees meanwhile.
		 */
		n->m_ext.ext_buf = m->m_ext.ext_buf;
		n->m_ext.ext_ref = m->m_ext.ext_ref;
		n->m_ext.ext_size = m->m_ext.ext_size;
		n->m_ext.ext_refcnt = 0;        /* only the owner's counts */
		atomic_inc_32(&m->m_ext.ext_ref->m_ext.ext_refcnt);
		n->m_flags |= M_EXT;
		n->m_data = mtod(m, char *) + off;
	} else {
		n->m_len = MIN(n->m_len, room);
		memcpy(mtod(n, char *), mtod(m, char *) + off,
		    (size_t)n->m_len);
		SDT_PROBE1(mbuf, copy, n->m_len);
	}
}

struct mbuf *
m_copym(struct mbuf *m0, int off0, int len, int how)
{
	struct mbuf *m, *n, *top = NULL, **np = &top;
	bool copyhdr;
	int off = off0;

	M_ASSERT_LIVE(m0, "m_copym");
	copyhdr = off0 == 0 && (m0->m_flags & M_PKTHDR) != 0;
	KASSERTMSG(off0 >= 0 && (len == M_COPYALL || len >= 0), "m_copym: off "
	    "%d len %d", off0, len);
	/*
	 * The chain's length only for M_COPYALL: TCP copies a segment
	 * from a send buffer of dozens of mbufs, once a segment.  That
	 * off0 and len lie within the chain is checked on the way.
	 */
	if (len == M_COPYALL)
		len = (int)m_length(m0) - off0;
	m = m_seek(m0, &off);
	KASSERTMSG(m != NULL || off == 0, "m_copym: off %d past the end of the "
	    "chain", off0);
	do {
		n = copyhdr ? m_gethdr(how, m0->m_type) : m_get(how, m0->m_type);
		if (n == NULL) {
			m_freem(top);
			return NULL;
		}
		if (copyhdr) {
			m_copy_pkthdr(n, m0);
			n->m_pkthdr.len = len;
			copyhdr = false;
		}
		*np = n;
		np = &n->m_next;
		if (len == 0)
			break;
		KASSERTMSG(m != NULL, "m_copym: off %d: %d bytes past the end "
		    "of the chain", off0, len);
		m_copym_one(n, m, off, len);
		len -= n->m_len;
		off += n->m_len;
		m = m_seek(m, &off);    /* on past m, and empty mbufs, when done */
	} while (len > 0);
	return top;
}

struct mbuf *
m_dup(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *top, *n;
	bool copyhdr;
	int total;

	M_ASSERT_LIVE(m, "m_dup");
	copyhdr = off == 0 && (m->m_flags & M_PKTHDR) != 0;
	total = (int)m_length(m);

	KASSERTMSG(off >= 0 && off <= total && (len == M_COPYALL ||
	    (len >= 0 && len <= total - off)), "m_dup: off %d len %d in a "
	    "chain of %d bytes", off, len, total);
	if (len == M_COPYALL)
		len = total - off;
	top = copyhdr ? m_gethdr(how, m->m_type) : m_get(how, m->m_type);
	if (top == NULL)
		return NULL;
	if (copyhdr) {
		m_copy_pkthdr(top, m);
		top->m_pkthdr.len = 0;          /* m_extend adds len */
	}
	if (m_extend(top, len, NULL, how) != 0) {
		m_freem(top);
		return NULL;
	}
	for (n = top; n != NULL; off += n->m_len, n = n->m_next)
		m_copydata(m, off, n->m_len, mtod(n, char *));
	return top;
}

/* --- reshaping ---------------------------------------------------------- */

/*
 * m_pullup's target: the first mbuf itself if it is writable and its
 * storage has room for len bytes from m_data, else a new first mbuf
 * (with a cluster for len > MHLEN) that takes over the packet header.
 */
static struct mbuf *
m_pullup_target(struct mbuf *m, int len)
{
	int hdr = m->m_flags & M_PKTHDR;
	struct mbuf *n;

	if (!M_READONLY(m) && m_storage_end(m) - mtod(m, char *) >= len)
		return m;
	if (len > MHLEN)
		n = m_getcl(M_DONTWAIT, m->m_type, hdr);
	else
		n = hdr ? m_gethdr(M_DONTWAIT, m->m_type) :
		    m_get(M_DONTWAIT, m->m_type);
	if (n == NULL)
		return NULL;
	if (hdr)
		m_move_pkthdr(n, m);
	n->m_next = m;
	return n;
}

struct mbuf *
m_pullup(struct mbuf *m0, int len)
{
	struct mbuf *m, *n;
	int count;

	KASSERT(m0 != NULL);
	M_ASSERT_LIVE(m0, "m_pullup");
	KASSERTMSG(len >= 0 && len <= MCLBYTES, "m_pullup: %d bytes", len);
	if (m0->m_len >= len)
		return m0;
	if ((int)m_length(m0) < len || (m = m_pullup_target(m0, len)) == NULL) {
		m_freem(m0);
		return NULL;
	}
	for (n = m->m_next; m->m_len < len; ) {
		KASSERT(n != NULL);
		count = MIN(len - m->m_len, n->m_len);
		memcpy(mtod(m, char *) + m->m_len, mtod(n, char *),
		    (size_t)count);
		SDT_PROBE1(mbuf, copy, count);
		m->m_len += count;
		n->m_data += count;
		n->m_len -= count;
		if (n->m_len == 0)
			n = m_free(n);
	}
	m->m_next = n;
	return m;
}

struct mbuf *
m_prepend(struct mbuf *m, int len, int how)
{
	struct mbuf *mn;

	KASSERT(m != NULL);
	M_ASSERT_LIVE(m, "m_prepend");
	KASSERTMSG(len >= 0 && len <= MHLEN, "m_prepend: %d bytes", len);
	if ((mn = m_get(how, m->m_type)) == NULL) {
		m_freem(m);
		return NULL;
	}
	if (m->m_flags & M_PKTHDR)
		m_move_pkthdr(mn, m);
	mn->m_next = m;
	m_align(mn, len);
	mn->m_len = len;
	return mn;
}

/* Trim len bytes from the head of the chain; returns how many it could. */
static int
m_adj_head(struct mbuf *m, int len)
{
	int done = 0, count;

	for (; m != NULL && done < len; m = m->m_next) {
		count = MIN(m->m_len, len - done);
		m->m_len -= count;
		m->m_data += count;
		done += count;
	}
	return done;
}

/* Keep only the first keep bytes of the chain; the rest get m_len 0. */
static void
m_adj_keep(struct mbuf *m, int keep)
{
	for (; m != NULL; m = m->m_next) {
		if (m->m_len > keep)
			m->m_len = keep;
		keep -= m->m_len;
	}
}

void
m_adj(struct mbuf *m, int req_len)
{
	int total, len;

	if (m == NULL)
		return;
	M_ASSERT_LIVE(m, "m_adj");
	KASSERT(req_len > -M_COPYALL && req_len < M_COPYALL);
	/* Nearly always: a header off the front of the first mbuf. */
	if (req_len >= 0 && req_len <= m->m_len) {
		m->m_len -= req_len;
		m->m_data += req_len;
		if (m->m_flags & M_PKTHDR)
			m->m_pkthdr.len -= req_len;
		return;
	}
	total = (int)m_length(m);
	if (req_len >= 0)
		len = m_adj_head(m, req_len);
	else {
		len = MIN(-req_len, total);
		m_adj_keep(m, total - len);
	}
	if (m->m_flags & M_PKTHDR)
		m->m_pkthdr.len -= len;
}

void
m_cat(struct mbuf *m, struct mbuf *n)
{
	KASSERT(m != NULL);
	M_ASSERT_LIVE(m, "m_cat");
	if (n != NULL) {
		M_ASSERT_LIVE(n, "m_cat");
		n->m_flags &= ~M_PKTHDR;
	}
	m = m_last(m);
	while (n != NULL) {
		if ((n->m_flags & M_EXT) || n->m_len > m_trailingspace(m)) {
			/* Just link the rest. */
			m->m_next = n;
			return;
		}
		memcpy(mtod(m, char *) + m->m_len, mtod(n, char *),
		    (size_t)n->m_len);
		if (n->m_len > 0)
			SDT_PROBE1(mbuf, copy, n->m_len);
		m->m_len += n->m_len;
		n = m_free(n);
	}
}

int
m_append(struct mbuf *m, int len, const void *cp)
{
	KASSERT(m != NULL && (cp != NULL || len == 0));
	M_ASSERT_LIVE(m, "m_append");
	KASSERTMSG(len >= 0, "m_append: %d bytes", len);
	/* Straight into the new room: nothing is zeroed to be overwritten. */
	if (m_extend(m, len, cp, M_DONTWAIT) != 0)
		return 0;
	if (len > 0)
		SDT_PROBE1(mbuf, copy, len);
	return 1;
}

/* --- invariants -------------------------------------------------------------- */

#define M_VERIFY_MAX    (1 << 20)       /* mbufs in a chain: a loop beyond */

void
m_verify_packet(const struct mbuf *m0)
{
	const struct mbuf *m;
	u_int n = 0, len = 0;

	KASSERT(m0 != NULL);
	for (m = m0; m != NULL; m = m->m_next, n++) {
		KASSERTMSG(n < M_VERIFY_MAX, "m_verify_packet: a loop in the "
		    "chain");
		KASSERTMSG(m->m_type > MT_FREE && m->m_type < NMBTYPES,
		    "m_verify_packet: mbuf %u has type %d", n, m->m_type);
		KASSERTMSG(m == m0 || (m->m_flags & M_PKTHDR) == 0,
		    "m_verify_packet: mbuf %u has a packet header", n);
		KASSERTMSG(m->m_len >= 0 && m->m_data >= m_storage_start(m) &&
		    m->m_data + m->m_len <= m_storage_end(m),
		    "m_verify_packet: mbuf %u: %d bytes at offset %d of its "
		    "storage of %d", n, m->m_len,
		    (int)(m->m_data - m_storage_start(m)),
		    (int)(m_storage_end(m) - m_storage_start(m)));
		if (m->m_flags & M_EXT)
			KASSERTMSG(m->m_ext.ext_size == MCLBYTES &&
			    m->m_ext.ext_ref->m_ext.ext_refcnt > 0 &&
			    m->m_ext.ext_ref->m_ext.ext_buf == m->m_ext.ext_buf,
			    "m_verify_packet: mbuf %u: bad cluster reference",
			    n);
		len += (u_int)m->m_len;
	}
	if (m0->m_flags & M_PKTHDR)
		KASSERTMSG(m0->m_pkthdr.len == (int)len, "m_verify_packet: "
		    "m_pkthdr.len %d, chain holds %u", m0->m_pkthdr.len, len);
}
