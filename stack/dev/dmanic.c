/*
 * dmanic.c -- the driver of the DMA NIC (dev/dmanicreg.h), in the two
 * receive models the host may run.
 *
 * Poll model (the proposal's).  The interrupt handler only reads and
 * clears the cause, masks the line, counts the interrupt and calls
 * ether_defer: it touches no ring and allocates nothing.  The interface's
 * continuation then calls dmanic_poll, which harvests up to a batch of
 * received frames -- a small frame copied into a fresh header mbuf, its
 * cluster left in the ring; a large one handed up in its cluster, which
 * a freshly allocated one replaces; with no mbuf to be had, the buffer
 * recycled and the frame counted as dropped -- reaps finished
 * transmissions, and asks to be called again at once when it stopped at
 * the batch limit.  When it is done it unmasks the line, or, if
 * if_intr_mitigate() finds the line has used up its interrupts for now,
 * leaves it masked and has itself polled at the next clock tick.
 *
 * Legacy model (BSD's, for comparison).  The interrupt handler does the
 * receive work itself: it swaps each filled buffer for one from a list of
 * spare mbufs allocated beforehand, queues the frame for the netisr soft
 * interrupt (if_legacy_enqueue), and reaps transmissions.  It allocates
 * nothing either: when the spares run out it recycles the buffer and
 * counts the frame as dropped, and when they run low it has the
 * continuation refill them (dmanic_poll, outside interrupt context).  The
 * line is never masked; only the card's coalescing limits interrupts.
 *
 * The driver talks to the card only through bus_space (registers) and
 * bus_dma (rings and buffers); it never includes anything of the machine.
 *
 * Locking.  Legend on the softc: c = constant after attach, r = the
 * receive side's one context (poll model: the continuation, bound to the
 * interrupt's CPU; legacy: the interrupt handler), s = sc_spare_lock,
 * t = sc_txlock.  Both locks are spin mutexes at IPL_NET (the legacy
 * handler takes them) and are never held together.  No mbuf is freed
 * with a lock held.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/bus.h>
#include <sys/device.h>
#include <sys/evcnt.h>
#include <sys/intr.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/mbuf.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>

#include <dev/dmanic.h>
#include <dev/dmanicreg.h>

/* Frames one poll pass harvests before it asks to be called again. */
#define DMANIC_RX_BATCH         64
/* Frames up to this long are copied out of their cluster (poll model). */
#define DMANIC_RX_COPYBREAK     MHLEN

struct dmanic_softc {
	struct ifnet sc_if;                     /* the interface */
	const struct device_config *sc_cfg;     /* c */
	bus_space_tag_t sc_st;                  /* c */
	bus_space_handle_t sc_sh;               /* c */
	bus_dma_tag_t sc_dmat;                  /* c */
	void *sc_ih;                            /* c: the interrupt */
	bool sc_legacy;                         /* c */

	/* Receive. */
	u_int sc_nrx;                           /* c: descriptors */
	struct dmanic_rxdesc *sc_rxd;           /* c: the ring */
	bus_dmamap_t sc_rxring;                 /* c: its map */
	struct mbuf **sc_rxm;                   /* r: each slot's buffer */
	bus_dmamap_t *sc_rxmap;                 /* r: and its map */
	u_int sc_rxnext;                        /* r: next slot to harvest */

	/*
	 * Legacy: spare buffers for the interrupt handler, by m_nextpkt.
	 * The handler uses its own list and, when that is empty, swaps in
	 * the list the continuation refilled: no walk, one lock a swap.
	 */
	struct mbuf *sc_spare;                  /* r: the handler's */
	u_int sc_nspare;                        /* r */
	kmutex_t sc_spare_lock;
	struct mbuf *sc_refill;                 /* s: the continuation's */
	u_int sc_nrefill;                       /* s */
	u_int sc_spare_target;                  /* c: refill up to this */

	/* Transmit. */
	kmutex_t sc_txlock;
	u_int sc_ntx;                           /* c: descriptors */
	struct dmanic_txdesc *sc_txd;           /* c: the ring */
	bus_dmamap_t sc_txring;                 /* c */
	struct mbuf **sc_txm;                   /* t: at a frame's last slot */
	bus_dmamap_t *sc_txmap;                 /* t */
	u_int sc_txnext;                        /* t: next free slot */
	u_int sc_txdirty;                       /* t: oldest not reaped */
	u_int sc_txfree;                        /* t: free slots, <= ntx - 1 */

	struct evcnt sc_ev_tx_errors;           /* t: frames the card refused */
	struct evcnt sc_ev_rx_batch;            /* r: passes at the batch limit */
	struct evcnt sc_ev_refills;             /* legacy: spare refills */
};

static inline uint32_t
dmanic_read(struct dmanic_softc *sc, bus_size_t reg)
{
	return bus_space_read_4(sc->sc_st, sc->sc_sh, reg);
}

static inline void
dmanic_write(struct dmanic_softc *sc, bus_size_t reg, uint32_t v)
{
	bus_space_write_4(sc->sc_st, sc->sc_sh, reg, v);
}

/*
 * The slot after i in a ring of n, without a division: each frame moved
 * a ring index or two by % of a size known only at run time, a 32-bit
 * division of tens of cycles.
 */
static inline u_int
dmanic_next(u_int i, u_int n)
{
	KASSERT(i < n);
	return i + 1 == n ? 0 : i + 1;
}

/* The slot before i in a ring of n. */
static inline u_int
dmanic_prev(u_int i, u_int n)
{
	KASSERT(i < n);
	return i == 0 ? n - 1 : i - 1;
}

static void
dmanic_freelist(struct mbuf *m)
{
	while (m != NULL) {
		struct mbuf *next = m->m_nextpkt;

		m->m_nextpkt = NULL;
		m_freem(m);
		m = next;
	}
}

/* --- receive ------------------------------------------------------------------ */

/* Slot i's buffer goes back to the card as it is (its map stays loaded). */
static void
dmanic_rx_repost(struct dmanic_softc *sc, u_int i)
{
	bus_dmamap_sync(sc->sc_dmat, sc->sc_rxmap[i], 0, MCLBYTES,
	    BUS_DMASYNC_PREREAD);
	sc->sc_rxd[i].rd_len = 0;
	sc->sc_rxd[i].rd_status = 0;
}

/*
 * Give slot i a new buffer (sc_rxm[i]): load its map, write the
 * descriptor.  The card sees it once RDT passes the slot.
 */
static void
dmanic_rx_post(struct dmanic_softc *sc, u_int i)
{
	struct mbuf *m = sc->sc_rxm[i];
	bus_dmamap_t map = sc->sc_rxmap[i];
	int error;

	KASSERT(m != NULL && (m->m_flags & M_EXT));
	m->m_data = m->m_ext.ext_buf;
	error = bus_dmamap_load(sc->sc_dmat, map, m->m_data, MCLBYTES, NULL,
	    BUS_DMA_NOWAIT);
	KASSERTMSG(error == 0, "%s: rx map load: error %d",
	    sc->sc_if.if_xname, error);
	sc->sc_rxd[i].rd_addr = map->dm_segs[0].ds_addr;
	dmanic_rx_repost(sc, i);
}

/* Legacy: the handler's next spare buffer, or NULL when none is left. */
static struct mbuf *
dmanic_spare_get(struct dmanic_softc *sc)
{
	struct mbuf *m;

	if (sc->sc_spare == NULL) {
		mutex_spin_enter(&sc->sc_spare_lock);
		sc->sc_spare = sc->sc_refill;
		sc->sc_nspare = sc->sc_nrefill;
		sc->sc_refill = NULL;
		sc->sc_nrefill = 0;
		mutex_spin_exit(&sc->sc_spare_lock);
		if (sc->sc_spare == NULL)
			return NULL;
	}
	m = sc->sc_spare;
	sc->sc_spare = m->m_nextpkt;
	sc->sc_nspare--;
	m->m_nextpkt = NULL;
	return m;
}

/* A replacement buffer: a spare (legacy) or freshly allocated. */
static struct mbuf *
dmanic_rx_newbuf(struct dmanic_softc *sc)
{
	if (sc->sc_legacy)
		return dmanic_spare_get(sc);
	return m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
}

/*
 * The frame in slot i, len bytes, as an mbuf to hand up; NULL if it had
 * to be dropped for want of a buffer.  The slot is ready for the card
 * again either way.  Small frames are copied into a header mbuf and the
 * cluster stays in the ring ("copybreak": an mbuf costs half a cluster
 * and its map need not be reloaded); the legacy handler, which may not
 * allocate, always swaps in a spare cluster.
 */
static struct mbuf *
dmanic_rx_take(struct dmanic_softc *sc, u_int i, int len)
{
	struct mbuf *m = sc->sc_rxm[i], *n;

	if (!sc->sc_legacy && len <= DMANIC_RX_COPYBREAK) {
		if ((n = m_gethdr(M_DONTWAIT, MT_DATA)) != NULL) {
			memcpy(mtod(n, void *), mtod(m, const void *),
			    (size_t)len);
			SDT_PROBE1(mbuf, copy, len);
		}
		dmanic_rx_repost(sc, i);
		return n;
	}
	if ((n = dmanic_rx_newbuf(sc)) == NULL) {
		dmanic_rx_repost(sc, i);
		return NULL;
	}
	sc->sc_rxm[i] = n;
	dmanic_rx_post(sc, i);
	return m;
}

/*
 * Harvest up to limit filled slots, oldest first, and give them back to
 * the card with one RDT write.  Returns the frames, linked by m_nextpkt,
 * and *np how many slots were harvested.  A frame with no buffer to be
 * had is dropped and counted (rx_drop_nombuf).
 */
static struct mbuf *
dmanic_rx_harvest(struct dmanic_softc *sc, u_int limit, u_int *np)
{
	struct ifnet *ifp = &sc->sc_if;
	struct mbuf *head = NULL, **tailp = &head;
	u_int n = 0, i = sc->sc_rxnext;

	bus_dmamap_sync(sc->sc_dmat, sc->sc_rxring, 0,
	    sc->sc_nrx * sizeof(struct dmanic_rxdesc), BUS_DMASYNC_POSTREAD);
	for (; n < limit; n++, i = dmanic_next(i, sc->sc_nrx)) {
		struct dmanic_rxdesc *d = &sc->sc_rxd[i];
		struct mbuf *m;
		uint64_t tag;
		int len;

		/* Acquire: the card wrote the rest before DD (dma_rmb). */
		if (!(atomic_load_acquire(&d->rd_status) & DMANIC_RXS_DD))
			break;
		len = d->rd_len;
		tag = d->rd_tag;
		KASSERT(len > 0 && len <= MCLBYTES);
		bus_dmamap_sync(sc->sc_dmat, sc->sc_rxmap[i], 0, (bus_size_t)len,
		    BUS_DMASYNC_POSTREAD);
		if ((m = dmanic_rx_take(sc, i, len)) == NULL) {
			ifp->if_ev_iqdrops.ev_count++;
			continue;
		}
		m->m_len = m->m_pkthdr.len = len;
		m->m_pkthdr.rcvif = ifp;
		m->m_pkthdr.ph_id = tag;
		*tailp = m;
		tailp = &m->m_nextpkt;
		ifp->if_ev_ipackets.ev_count++;
		ifp->if_ev_ibytes.ev_count += (uint64_t)len;
	}
	if (n > 0) {
		sc->sc_rxnext = i;
		bus_dmamap_sync(sc->sc_dmat, sc->sc_rxring, 0,
		    sc->sc_nrx * sizeof(struct dmanic_rxdesc),
		    BUS_DMASYNC_PREWRITE);
		/* Keep one slot back: the one before the next to harvest. */
		dmanic_write(sc, DMANIC_RDT, dmanic_prev(i, sc->sc_nrx));
	}
	if (n == limit)
		sc->sc_ev_rx_batch.ev_count++;
	*np = n;
	return head;
}

/* --- legacy spares ------------------------------------------------------------ */

/*
 * Allocate spares up to the target.  Outside interrupt context only:
 * the continuation, or attach.
 */
static void
dmanic_spare_fill(struct dmanic_softc *sc, int how)
{
	struct mbuf *list = NULL, *last = NULL;
	u_int have, n = 0;

	KASSERT(!cpu_intr_p());
	/*
	 * The handler's own count is read without its context: a stale
	 * value only makes this refill a little more or less.
	 */
	mutex_spin_enter(&sc->sc_spare_lock);
	have = sc->sc_nrefill + sc->sc_nspare;
	mutex_spin_exit(&sc->sc_spare_lock);
	for (; have + n < sc->sc_spare_target; n++) {
		struct mbuf *m = m_getcl(how, MT_DATA, M_PKTHDR);

		if (m == NULL)
			break;
		if (last == NULL)
			last = m;
		m->m_nextpkt = list;
		list = m;
	}
	if (n == 0)
		return;
	sc->sc_ev_refills.ev_count++;
	mutex_spin_enter(&sc->sc_spare_lock);
	last->m_nextpkt = sc->sc_refill;
	sc->sc_refill = list;
	sc->sc_nrefill += n;
	mutex_spin_exit(&sc->sc_spare_lock);
}

/* --- transmit ------------------------------------------------------------------ */

/*
 * Reap finished transmissions; their mbufs go on *freep for the caller to
 * free once the lock is dropped.
 */
static void
dmanic_txeof_locked(struct dmanic_softc *sc, struct mbuf **freep)
{
	KASSERT(mutex_owned(&sc->sc_txlock));
	if (sc->sc_txfree == sc->sc_ntx - 1)
		return;
	bus_dmamap_sync(sc->sc_dmat, sc->sc_txring, 0,
	    sc->sc_ntx * sizeof(struct dmanic_txdesc), BUS_DMASYNC_POSTREAD);
	while (sc->sc_txfree < sc->sc_ntx - 1) {
		u_int i = sc->sc_txdirty;
		struct dmanic_txdesc *d = &sc->sc_txd[i];
		/* Acquire: the card's reads of the frame came before DD. */
		uint8_t status = atomic_load_acquire(&d->td_status);
		struct mbuf *m;

		if (!(status & DMANIC_TXS_DD))
			break;
		bus_dmamap_unload(sc->sc_dmat, sc->sc_txmap[i]);
		if ((m = sc->sc_txm[i]) != NULL) {
			sc->sc_txm[i] = NULL;
			if (status & DMANIC_TXS_ERR)
				sc->sc_ev_tx_errors.ev_count++;
			m->m_nextpkt = *freep;
			*freep = m;
		}
		sc->sc_txdirty = dmanic_next(i, sc->sc_ntx);
		sc->sc_txfree++;
	}
}

static void
dmanic_txeof(struct dmanic_softc *sc)
{
	struct mbuf *done = NULL;

	/*
	 * Nothing outstanding: skip the lock.  A racy read; a frame queued
	 * meanwhile is reaped by the next pass or its own interrupt.
	 */
	if (data_race(sc->sc_txfree == sc->sc_ntx - 1,
	    "a stale count only delays the reap"))
		return;
	mutex_spin_enter(&sc->sc_txlock);
	dmanic_txeof_locked(sc, &done);
	mutex_spin_exit(&sc->sc_txlock);
	dmanic_freelist(done);
}

/* Segments of a chain with data in them. */
static u_int
dmanic_tx_nsegs(const struct mbuf *m)
{
	u_int n = 0;

	for (; m != NULL; m = m->m_next)
		if (m->m_len > 0)
			n++;
	return n;
}

/* Put m's segments in the ring from sc_txnext; returns the next free slot. */
static u_int
dmanic_tx_fill(struct dmanic_softc *sc, struct mbuf *m)
{
	u_int i = sc->sc_txnext, last = i;

	KASSERT(mutex_owned(&sc->sc_txlock));
	for (struct mbuf *n = m; n != NULL; n = n->m_next) {
		bus_dmamap_t map = sc->sc_txmap[i];
		struct dmanic_txdesc *d = &sc->sc_txd[i];
		int error;

		if (n->m_len == 0)
			continue;
		error = bus_dmamap_load(sc->sc_dmat, map, mtod(n, void *),
		    (bus_size_t)n->m_len, NULL, BUS_DMA_NOWAIT);
		KASSERTMSG(error == 0, "%s: tx map load: error %d",
		    sc->sc_if.if_xname, error);
		bus_dmamap_sync(sc->sc_dmat, map, 0, (bus_size_t)n->m_len,
		    BUS_DMASYNC_PREWRITE);
		d->td_addr = map->dm_segs[0].ds_addr;
		d->td_len = (uint16_t)n->m_len;
		d->td_cmd = 0;
		d->td_status = 0;
		d->td_tag = 0;
		last = i;
		i = dmanic_next(i, sc->sc_ntx);
	}
	sc->sc_txd[last].td_cmd = DMANIC_TXC_EOP;
	sc->sc_txd[last].td_tag = m->m_pkthdr.ph_id;
	sc->sc_txm[last] = m;
	return i;
}

/*
 * if_transmit: put the frame on the ring and ring the doorbell.
 * => any context but hardware interrupts; consumes m
 * => ENOBUFS (counted in tx_drop_ring) when the ring is full; EMSGSIZE
 *    for a frame the card cannot take
 */
static int
dmanic_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct dmanic_softc *sc = ifp->if_softc;
	struct mbuf *done = NULL;
	u_int nsegs = dmanic_tx_nsegs(m);
	int len = m->m_pkthdr.len;

	KASSERT(m->m_flags & M_PKTHDR);
	if (nsegs == 0 || nsegs > MIN(DMANIC_TX_MAXSEGS, sc->sc_ntx - 1) ||
	    len < ETHER_HDR_LEN ||
	    len > (int)(ifp->if_mtu + ETHER_HDR_LEN)) {
		sc->sc_ev_tx_errors.ev_count++;
		m_freem(m);
		return EMSGSIZE;
	}
	mutex_spin_enter(&sc->sc_txlock);
	if (sc->sc_txfree < nsegs + sc->sc_ntx / 4)
		dmanic_txeof_locked(sc, &done);
	if (sc->sc_txfree < nsegs) {
		ifp->if_ev_oqdrops.ev_count++;
		mutex_spin_exit(&sc->sc_txlock);
		dmanic_freelist(done);
		m_freem(m);
		return ENOBUFS;
	}
	sc->sc_txnext = dmanic_tx_fill(sc, m);
	sc->sc_txfree -= nsegs;
	ifp->if_ev_opackets.ev_count++;
	ifp->if_ev_obytes.ev_count += (uint64_t)len;
	bus_dmamap_sync(sc->sc_dmat, sc->sc_txring, 0,
	    sc->sc_ntx * sizeof(struct dmanic_txdesc), BUS_DMASYNC_PREWRITE);
	dmanic_write(sc, DMANIC_TDT, sc->sc_txnext);
	mutex_spin_exit(&sc->sc_txlock);
	dmanic_freelist(done);
	return 0;
}

/* --- interrupts and polling ------------------------------------------------------ */

/* Poll model: acknowledge, mask, defer.  Nothing else. */
static int
dmanic_intr(void *arg)
{
	struct dmanic_softc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;

	KASSERT(cpu_intr_p() && !sc->sc_legacy);
	if (dmanic_read(sc, DMANIC_ICR) == 0)
		return 0;
	intr_mask(sc->sc_ih);
	if_intr_count(ifp);
	ether_defer(ifp);
	return 1;
}

/* Legacy model: the handler receives, with the spares it was given. */
static int
dmanic_intr_legacy(void *arg)
{
	struct dmanic_softc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;
	struct mbuf *m;
	u_int n;

	KASSERT(cpu_intr_p() && sc->sc_legacy);
	if (dmanic_read(sc, DMANIC_ICR) == 0)
		return 0;
	if_intr_count(ifp);
	m = dmanic_rx_harvest(sc, sc->sc_nrx, &n);
	while (m != NULL) {
		struct mbuf *next = m->m_nextpkt;

		m->m_nextpkt = NULL;
		if_legacy_enqueue(ifp, m);
		m = next;
	}
	dmanic_txeof(sc);
	if (sc->sc_nspare < sc->sc_spare_target / 2)
		ether_defer(ifp);       /* dmanic_poll refills */
	return 1;
}

/*
 * if_poll.  Poll model: harvest a batch, hand it up, reap; true to be
 * called again at once.  Legacy: refill the spares and reap.
 */
static bool
dmanic_poll(struct ifnet *ifp)
{
	struct dmanic_softc *sc = ifp->if_softc;
	struct mbuf *m;
	u_int n;

	KASSERT(!cpu_intr_p());
	if (sc->sc_legacy) {
		dmanic_spare_fill(sc, M_DONTWAIT);
		dmanic_txeof(sc);
		return false;
	}
	m = dmanic_rx_harvest(sc, DMANIC_RX_BATCH, &n);
	while (m != NULL) {
		struct mbuf *next = m->m_nextpkt;

		m->m_nextpkt = NULL;
		(*ifp->if_input)(ifp, m);
		m = next;
	}
	dmanic_txeof(sc);
	if (n == DMANIC_RX_BATCH)
		return true;
	if (if_intr_mitigate(ifp)) {
		ether_defer_tick(ifp);  /* stays masked: polled per tick */
		return false;
	}
	intr_unmask(sc->sc_ih);
	return false;
}

/* --- attach ------------------------------------------------------------------- */

/* A ring of n descriptors in kernel memory, and its loaded map. */
static void *
dmanic_ring_alloc(struct dmanic_softc *sc, u_int n, bus_dmamap_t *mapp)
{
	size_t size = (size_t)n * sizeof(struct dmanic_rxdesc);

	CTASSERT(sizeof(struct dmanic_rxdesc) == sizeof(struct dmanic_txdesc));
	void *ring = kmem_zalloc(size, KM_SLEEP);
	int error;

	error = bus_dmamap_create(sc->sc_dmat, size, 1, size, 0,
	    BUS_DMA_WAITOK, mapp);
	if (error == 0)
		error = bus_dmamap_load(sc->sc_dmat, *mapp, ring, size, NULL,
		    BUS_DMA_WAITOK);
	KASSERTMSG(error == 0, "%s: ring map: error %d", sc->sc_if.if_xname,
	    error);
	return ring;
}

static void
dmanic_rx_init(struct dmanic_softc *sc)
{
	u_int n = sc->sc_nrx;

	sc->sc_rxd = dmanic_ring_alloc(sc, n, &sc->sc_rxring);
	sc->sc_rxm = kmem_zalloc(n * sizeof(*sc->sc_rxm), KM_SLEEP);
	sc->sc_rxmap = kmem_zalloc(n * sizeof(*sc->sc_rxmap), KM_SLEEP);
	for (u_int i = 0; i < n; i++) {
		int error = bus_dmamap_create(sc->sc_dmat, MCLBYTES, 1,
		    MCLBYTES, 0, BUS_DMA_WAITOK, &sc->sc_rxmap[i]);

		KASSERT(error == 0);
		sc->sc_rxm[i] = m_getcl(M_WAITOK, MT_DATA, M_PKTHDR);
		dmanic_rx_post(sc, i);
	}
	sc->sc_rxnext = 0;
	dmanic_write(sc, DMANIC_RXBUFSZ, MCLBYTES);
	bus_space_write_8(sc->sc_st, sc->sc_sh, DMANIC_RDBA,
	    sc->sc_rxring->dm_segs[0].ds_addr);
	dmanic_write(sc, DMANIC_RDLEN, n);
	dmanic_write(sc, DMANIC_RDT, n - 1);    /* all but one posted */
}

static void
dmanic_tx_init(struct dmanic_softc *sc)
{
	u_int n = sc->sc_ntx;

	sc->sc_txd = dmanic_ring_alloc(sc, n, &sc->sc_txring);
	sc->sc_txm = kmem_zalloc(n * sizeof(*sc->sc_txm), KM_SLEEP);
	sc->sc_txmap = kmem_zalloc(n * sizeof(*sc->sc_txmap), KM_SLEEP);
	for (u_int i = 0; i < n; i++) {
		int error = bus_dmamap_create(sc->sc_dmat, MCLBYTES, 1,
		    MCLBYTES, 0, BUS_DMA_WAITOK, &sc->sc_txmap[i]);

		KASSERT(error == 0);
	}
	sc->sc_txnext = sc->sc_txdirty = 0;
	sc->sc_txfree = n - 1;
	mutex_init(&sc->sc_txlock, MUTEX_SPIN, IPL_NET);
	bus_space_write_8(sc->sc_st, sc->sc_sh, DMANIC_TDBA,
	    sc->sc_txring->dm_segs[0].ds_addr);
	dmanic_write(sc, DMANIC_TDLEN, n);     /* TDH = TDT = 0 */
}

/* The station address into the card's filter, and the coalescing. */
static void
dmanic_program(struct dmanic_softc *sc, const uint8_t *mac)
{
	const struct device_config *cfg = sc->sc_cfg;

	dmanic_write(sc, DMANIC_RAL, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
	    (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
	dmanic_write(sc, DMANIC_RAH, (uint32_t)mac[4] | (uint32_t)mac[5] << 8);
	dmanic_write(sc, DMANIC_ITR_FRAMES, MAX(cfg->coalesce_frames, 1));
	dmanic_write(sc, DMANIC_ITR_NS, (uint32_t)MIN(cfg->coalesce_ns,
	    UINT32_MAX));
}

static void
dmanic_counters(struct dmanic_softc *sc)
{
	const char *x = sc->sc_if.if_xname;

	evcnt_attach_dynamic(&sc->sc_ev_tx_errors, EVCNT_TYPE_MISC, NULL, x,
	    "tx_errors");
	evcnt_attach_dynamic(&sc->sc_ev_rx_batch, EVCNT_TYPE_MISC, NULL, x,
	    "rx_batch_limit");
	if (sc->sc_legacy)
		evcnt_attach_dynamic(&sc->sc_ev_refills, EVCNT_TYPE_MISC, NULL,
		    x, "spare_refills");
}

int
dmanic_attach(device_t dev)
{
	const struct device_config *cfg = device_config(dev);
	struct cpu_info *ci = cpu_lookup(cfg->intr_cpu);
	struct dmanic_softc *sc;
	struct ifnet *ifp;
	uint8_t mac[ETHER_ADDR_LEN];

	KASSERTMSG(ci != NULL, "%s: no CPU %u for the interrupt",
	    device_xname(dev), cfg->intr_cpu);
	KASSERT(cfg->rx_ring >= DMANIC_RING_MIN &&
	    cfg->rx_ring <= DMANIC_RING_MAX);
	KASSERT(cfg->tx_ring >= DMANIC_RING_MIN &&
	    cfg->tx_ring <= DMANIC_RING_MAX);
	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	ifp = &sc->sc_if;
	sc->sc_cfg = cfg;
	sc->sc_st = device_bus_tag(dev);
	sc->sc_sh = device_bus_handle(dev);
	sc->sc_dmat = device_dma_tag(dev);
	sc->sc_legacy = cfg->legacy;
	sc->sc_nrx = cfg->rx_ring;
	sc->sc_ntx = cfg->tx_ring;
	if_initname(ifp, device_xname(dev));
	device_macaddr(dev, mac);

	dmanic_write(sc, DMANIC_CTRL, DMANIC_CTRL_RST);
	dmanic_rx_init(sc);
	dmanic_tx_init(sc);
	dmanic_program(sc, mac);
	mutex_init(&sc->sc_spare_lock, MUTEX_SPIN, IPL_NET);
	sc->sc_spare_target = sc->sc_legacy ? sc->sc_nrx : 0;
	if (sc->sc_legacy)
		dmanic_spare_fill(sc, M_WAITOK);

	ifp->if_softc = sc;
	ifp->if_poll = dmanic_poll;
	ifp->if_transmit = dmanic_transmit;
	ifp->if_intr_max_per_s = sc->sc_legacy ? 0 : cfg->intr_max_per_s;
	if (sc->sc_legacy)
		ifp->if_flags |= IFF_LEGACY;
	if_attach(ifp, ci);
	ether_ifattach(ifp, mac);
	dmanic_counters(sc);

	sc->sc_ih = device_intr_establish(dev, IPL_NET, ci,
	    sc->sc_legacy ? dmanic_intr_legacy : dmanic_intr, sc);
	dmanic_write(sc, DMANIC_IMS, DMANIC_INTR_RXT | DMANIC_INTR_TXDW);
	dmanic_write(sc, DMANIC_CTRL, DMANIC_CTRL_RXEN | DMANIC_CTRL_TXEN);
	return 0;
}
