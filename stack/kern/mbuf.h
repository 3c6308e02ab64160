/*
 * mbuf.h -- packet buffers (NetBSD's mbuf(9)).
 *
 * A packet is a chain of mbufs linked by m_next; packets are linked into
 * queues by the first mbuf's m_nextpkt.  Each mbuf holds m_len bytes at
 * m_data, either in its own storage (MLEN bytes, MHLEN when it carries the
 * packet header) or in an external 2 KiB cluster (M_EXT).  The first mbuf
 * of a packet carries the packet header (M_PKTHDR): the packet's length,
 * the interface it arrived on, checksum-offload flags and a packet id for
 * per-packet tracing.
 *
 * MSIZE is 256 bytes (FreeBSD's and NetBSD's classic size; NetBSD/amd64
 * now uses 512).  MHLEN, 184 bytes, holds every header this stack builds
 * -- Ethernet 14 + IPv4 60 + TCP 60 at their largest -- with room to
 * prepend; anything longer goes in clusters.  256 also keeps an mbuf at
 * four cache lines and the kmem arena's size class exact, so the
 * simulated machine's cache-line accounting stays plain; 512 would only
 * let small payloads (up to ~440 bytes) skip the cluster, at twice the
 * memory per mbuf.
 *
 * Clusters are shared by reference, not copied: m_copym gives the copy a
 * pointer to the same cluster and counts the reference in the cluster's
 * first mbuf (its owner, m_ext.ext_ref), which stays allocated until the
 * last reference goes.  Shared storage is read-only (M_READONLY); write
 * through m_makewritable or m_copyback_cow, which copy first.
 *
 * The pools behind mbufs and clusters ("mbpl", "mclpl") are per host,
 * created by mbinit() from kern_boot().  M_WAIT (PR_WAITOK) never returns
 * NULL; M_DONTWAIT (PR_NOWAIT) returns NULL when a pool is at its hard
 * limit, counted as the pool's "fail".  Getting an mbuf in interrupt
 * context is a KASSERT: interrupt routines use what if_poll allocated.
 *
 * Lengths and offsets are ints, as in NetBSD; negative ones, and reads or
 * writes past the end of a chain, are caller bugs and stop the run with a
 * KASSERT.  Truncated packets are not bugs: m_pullup frees them and
 * returns NULL, in4_cksum returns -1.
 */
#ifndef _STACK_KERN_MBUF_H_
#define _STACK_KERN_MBUF_H_

#include <sys/kern.h>

#include <kern/pool.h>

struct ifnet;

#define MSIZE           256     /* bytes in an mbuf */
#define MCLSHIFT        11
#define MCLBYTES        (1 << MCLSHIFT) /* bytes in a cluster */

/* The header every mbuf has. */
struct m_hdr {
	struct mbuf *mh_next;           /* next mbuf of this packet */
	struct mbuf *mh_nextpkt;        /* next packet in a queue */
	char *mh_data;                  /* where the data starts */
	int mh_len;                     /* bytes of data in this mbuf */
	int mh_flags;                   /* M_* */
	short mh_type;                  /* MT_* */
};

/* The packet header, in the first mbuf of a packet (M_PKTHDR). */
struct pkthdr {
	struct ifnet *rcvif;            /* arrived on; opaque here */
	uint64_t ph_id;                 /* packet id for tracing; 0 = none */
	int len;                        /* bytes in the whole chain */
	int csum_flags;                 /* M_CSUM_* */
	uint32_t csum_data;             /* offload data, e.g. a partial sum */
};

/* External storage: a cluster. */
struct _m_ext {
	char *ext_buf;                  /* the cluster */
	struct mbuf *ext_ref;           /* the owner, which counts references */
	u_int ext_size;                 /* MCLBYTES */
	volatile uint32_t ext_refcnt;   /* in the owner only: mbufs sharing it */
};

#define MLEN            ((int)(MSIZE - sizeof(struct m_hdr)))
#define MHLEN           ((int)(MLEN - sizeof(struct pkthdr)))
/* Data longer than this goes in a cluster rather than a chain of mbufs. */
#define MINCLSIZE       (MLEN + 1)

struct mbuf {
	struct m_hdr m_hdr;
	union {
		struct {
			struct pkthdr MH_pkthdr;
			union {
				struct _m_ext MH_ext;
				char MH_databuf[MHLEN];
			} MH_dat;
		} MH;
		char M_databuf[MLEN];
	} M_dat;
};

#define m_next          m_hdr.mh_next
#define m_nextpkt       m_hdr.mh_nextpkt
#define m_data          m_hdr.mh_data
#define m_len           m_hdr.mh_len
#define m_flags         m_hdr.mh_flags
#define m_type          m_hdr.mh_type
#define m_pkthdr        M_dat.MH.MH_pkthdr
#define m_ext           M_dat.MH.MH_dat.MH_ext
#define m_pktdat        M_dat.MH.MH_dat.MH_databuf
#define m_dat           M_dat.M_databuf

/* m_flags */
#define M_EXT           0x0001  /* storage is a cluster */
#define M_PKTHDR        0x0002  /* first mbuf of a packet */
#define M_EOR           0x0004  /* end of a record */
#define M_PROTO1        0x0008  /* for the protocol's use */
#define M_BCAST         0x0100  /* received as link-level broadcast */
#define M_MCAST         0x0200  /* received as link-level multicast */
/* What a copy of the packet header keeps. */
#define M_COPYFLAGS     (M_PKTHDR | M_EOR | M_PROTO1 | M_BCAST | M_MCAST)

/* m_type */
#define MT_FREE         0       /* on a free list: a use is a bug */
#define MT_DATA         1
#define MT_HEADER       2
#define MT_SONAME       3
#define MT_SOOPTS       4
#define MT_FTABLE       5
#define MT_CONTROL      6
#define MT_OOBDATA      7
#define NMBTYPES        8

/* m_pkthdr.csum_flags (NetBSD's values) */
#define M_CSUM_TCPv4            0x00000001
#define M_CSUM_UDPv4            0x00000002
#define M_CSUM_TCP_UDP_BAD      0x00000004
#define M_CSUM_DATA             0x00000008
#define M_CSUM_IPv4             0x00000040
#define M_CSUM_IPv4_BAD         0x00000080

/* How to wait for an mbuf: exactly one of these. */
#define M_WAITOK        PR_WAITOK
#define M_NOWAIT        PR_NOWAIT
#define M_WAIT          M_WAITOK
#define M_DONTWAIT      M_NOWAIT

/* The length that means "to the end of the chain" for m_copym, m_dup. */
#define M_COPYALL       1000000000

#define mtod(m, t)      ((t)((m)->m_data))

/* --- allocation -------------------------------------------------------- */

/*
 * An mbuf with no data (m_len 0) of the given type; m_gethdr's carries an
 * empty packet header.  how: M_WAIT or M_DONTWAIT.
 * => NULL only for M_DONTWAIT at the pool's hard limit
 * => not in interrupt context
 */
struct mbuf *m_get(int how, int type);
struct mbuf *m_gethdr(int how, int type);
/*
 * Attach a cluster to an empty mbuf (m_len 0): m_data then points at
 * MCLBYTES of storage.  On failure M_EXT stays clear.
 */
void	m_clget(struct mbuf *m, int how);
/* An mbuf with a cluster; flags M_PKTHDR for a packet header.  Or NULL. */
struct mbuf *m_getcl(int how, int type, int flags);

/* Free one mbuf; returns its m_next.  A second free is a KASSERT. */
struct mbuf *m_free(struct mbuf *m);
/* Free a chain (following m_next, not m_nextpkt).  NULL is allowed. */
void	m_freem(struct mbuf *m);

#define MGET(m, how, type)      ((m) = m_get((how), (type)))
#define MGETHDR(m, how, type)   ((m) = m_gethdr((how), (type)))
#define MCLGET(m, how)          m_clget((m), (how))

/* --- the storage of one mbuf -------------------------------------------- */

/* The mbuf's storage: the cluster, or its own buffer after any header. */
static inline char *
m_storage_start(const struct mbuf *m)
{
	if (m->m_flags & M_EXT)
		return m->m_ext.ext_buf;
	if (m->m_flags & M_PKTHDR)
		return (char *)(uintptr_t)m->m_pktdat;
	return (char *)(uintptr_t)m->m_dat;
}

static inline char *
m_storage_end(const struct mbuf *m)
{
	if (m->m_flags & M_EXT)
		return m->m_ext.ext_buf + m->m_ext.ext_size;
	return (char *)(uintptr_t)m + MSIZE;
}

/*
 * True if the mbuf's data may not be written: its cluster is shared.
 * A plain read of the count: at 1 nobody else holds a reference that
 * could raise it; above 1 a stale value only errs on the safe side.
 */
static inline bool
m_readonly(const struct mbuf *m)
{
	return (m->m_flags & M_EXT) != 0 &&
	    m->m_ext.ext_ref->m_ext.ext_refcnt > 1;
}

/* Writable room before the data and after it; 0 when read-only. */
static inline int
m_leadingspace(const struct mbuf *m)
{
	return m_readonly(m) ? 0 : (int)(m->m_data - m_storage_start(m));
}

static inline int
m_trailingspace(const struct mbuf *m)
{
	return m_readonly(m) ? 0 :
	    (int)(m_storage_end(m) - (m->m_data + m->m_len));
}

#define M_READONLY(m)           m_readonly(m)
#define M_LEADINGSPACE(m)       m_leadingspace(m)
#define M_TRAILINGSPACE(m)      m_trailingspace(m)

/*
 * Place len bytes of (future) data at the end of an empty mbuf's storage,
 * aligned to 8, so headers can be prepended in place.  M_ALIGN and
 * MH_ALIGN are both this.
 */
void	m_align(struct mbuf *m, int len);
#define M_ALIGN(m, len)         m_align((m), (len))
#define MH_ALIGN(m, len)        m_align((m), (len))

/* --- packet headers ---------------------------------------------------- */

/*
 * Copy from's packet header to to (which must have no data yet), or move
 * it (from loses M_PKTHDR).  The copy keeps the flags in M_COPYFLAGS.
 */
void	m_copy_pkthdr(struct mbuf *to, const struct mbuf *from);
void	m_move_pkthdr(struct mbuf *to, struct mbuf *from);
#define M_COPY_PKTHDR(to, from) m_copy_pkthdr((to), (from))
#define M_MOVE_PKTHDR(to, from) m_move_pkthdr((to), (from))

/* --- chains ----------------------------------------------------------- */

/* Bytes in the chain (sum of m_len). */
u_int	m_length(const struct mbuf *m);

/*
 * Copy len bytes starting off bytes into the chain out to vp.
 * => the chain must hold off + len bytes (KASSERT)
 */
void	m_copydata(const struct mbuf *m, int off, int len, void *vp);

/*
 * Copy len bytes from cp into the chain at off, extending the chain (and
 * m_pkthdr.len) with zeros up to off if needed; new mbufs are taken
 * M_DONTWAIT.  Returns 0, or ENOBUFS with the chain unchanged.
 * => the bytes written must be writable (KASSERT): use m_copyback_cow
 *    when the chain may share clusters
 * NetBSD's returns void and may extend the chain partially.
 */
int	m_copyback(struct mbuf *m, int off, int len, const void *cp);

/*
 * As m_copyback, but first make the bytes written private copies
 * (m_makewritable), so a chain sharing clusters with copies can be
 * written without changing them.  *mp may change.  Returns 0 or ENOBUFS.
 * NetBSD's returns the chain instead.
 */
int	m_copyback_cow(struct mbuf **mp, int off, int len, const void *cp,
	    int how);

/*
 * Make the bytes [off, off + len) of the chain writable, replacing each
 * read-only mbuf holding some of them by a private copy.  *mp may change
 * (if the first mbuf is replaced).  Returns 0, or ENOBUFS: the chain then
 * still holds the same bytes, some of them perhaps made writable.
 */
int	m_makewritable(struct mbuf **mp, int off, int len, int how);

/*
 * A copy of len bytes (or M_COPYALL: to the end) of the chain from off.
 * Clusters are shared, not copied; data in mbufs' own storage is copied.
 * The copy has a packet header if off is 0 and m has one.  An empty copy
 * is one mbuf with m_len 0.
 * => NULL only for M_DONTWAIT when out of mbufs
 * => the chain must hold off + len bytes (KASSERT)
 */
struct mbuf *m_copym(struct mbuf *m, int off, int len, int how);

/* As m_copym, but a deep copy: shares nothing, all of it writable. */
struct mbuf *m_dup(struct mbuf *m, int off, int len, int how);

/*
 * Make the first len bytes of the chain contiguous in the first mbuf
 * (len up to MCLBYTES); returns the (possibly new) first mbuf.
 * => if the chain holds fewer than len bytes it is freed and NULL is
 *    returned: how protocol input drops a truncated packet without
 *    reading past its end; NULL too when out of mbufs (M_DONTWAIT)
 * => the first mbuf's data may be moved or copied; later mbufs lose the
 *    bytes pulled up (and are freed when emptied)
 */
struct mbuf *m_pullup(struct mbuf *m, int len);

/*
 * Put a new mbuf with len (<= MHLEN) bytes of room at the front of the
 * chain, moving the packet header to it; m_pkthdr.len is not changed
 * (M_PREPEND does that).  On failure the chain is freed and NULL returned.
 */
struct mbuf *m_prepend(struct mbuf *m, int len, int how);

/*
 * M_PREPEND(m, plen, how): make room for plen (<= MHLEN) bytes before
 * the data, in place if the first mbuf has writable leading space, else
 * in a new mbuf; adds plen to m_pkthdr.len.  m is NULL afterwards if that
 * failed (the chain is then freed).
 */
static inline struct mbuf *
m_prepend_space_(struct mbuf *m, int plen, int how)
{
	KASSERT(m != NULL && plen >= 0 && plen <= MHLEN);
	if (m_leadingspace(m) >= plen) {
		m->m_data -= plen;
		m->m_len += plen;
	} else if ((m = m_prepend(m, plen, how)) == NULL)
		return NULL;
	if (m->m_flags & M_PKTHDR)
		m->m_pkthdr.len += plen;
	return m;
}
#define M_PREPEND(m, plen, how) ((m) = m_prepend_space_((m), (plen), (how)))

/*
 * Trim req_len bytes from the head of the chain (req_len > 0) or -req_len
 * from its tail (req_len < 0); at most the whole chain, whose mbufs are
 * kept with m_len 0.  Updates m_pkthdr.len.
 */
void	m_adj(struct mbuf *m, int req_len);

/*
 * Append chain n to chain m, copying n's data into m's last mbuf where it
 * fits and is writable.  n's packet header, if any, is dropped; m's
 * m_pkthdr.len is NOT updated (as in NetBSD: the caller knows the sum).
 */
void	m_cat(struct mbuf *m, struct mbuf *n);

/*
 * Append len bytes from cp to the chain, in new mbufs or clusters taken
 * M_DONTWAIT where the last mbuf has no room; updates m_pkthdr.len.
 * Returns 1, or 0 (out of mbufs) with the chain unchanged.
 */
int	m_append(struct mbuf *m, int len, const void *cp);

/*
 * Check a chain's invariants -- data inside each mbuf's storage, a packet
 * header only in the first, m_pkthdr.len equal to the chain's length,
 * live reference counts -- and stop the run with a report if one fails.
 */
void	m_verify_packet(const struct mbuf *m);

/* --- the host's mbuf system ------------------------------------------ */

/* Create the pools; once per host, from kern_boot(). */
void	mbinit(void);

/*
 * Limit the mbufs and clusters in existence on this host (0: no limit),
 * e.g. to make a scenario run out of mbufs.
 */
void	mb_sethardlimits(int mbufs_max, int clusters_max);

struct mbstat {
	struct pool_cache_stats ms_mbuf;        /* pool "mbpl" */
	struct pool_cache_stats ms_cluster;     /* pool "mclpl" */
};
/* The pools' counters (a snapshot; see pool_cache_stats). */
void	mbstat_get(struct mbstat *);

#endif /* _STACK_KERN_MBUF_H_ */
