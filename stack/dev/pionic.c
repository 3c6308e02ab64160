/*
 * pionic.c -- the poll-mode driver of the pionic programmed-I/O Ethernet
 * card (dev/pionicreg.h), after the proposal's recipe for PIO devices:
 * if_poll keeps mbufs pre-allocated on a queue in the softc; the
 * interrupt routine takes one, fills it, queues it as completed and
 * defers to the interface's continuation.
 *
 * The interrupt routine reads every waiting frame out of the card's FIFO,
 * word by word, into an mbuf it takes from the free queue, and puts it on
 * the completed queue; then ether_defer().  It never allocates (that is a
 * KASSERT on this machine).  The poll routine (if_poll, a continuation at
 * soft-network level) hands completed frames to if_input, then tops the
 * free queue up to the pre-allocation target, which it adapts:
 *
 *   grow   when the interrupt routine ran out: by the frames it dropped,
 *          the frames still waiting in the FIFO (RXCOUNT, one register
 *          read) and prealloc_low -- what the burst needed beyond the
 *          target, plus headroom, so the same burst fits next time;
 *          after a near miss (fewer than prealloc_low left when the pass
 *          came): by the shortfall.  Never above prealloc_max.
 *   shrink slowly: after PIONIC_SHRINK_NS of passes with no drop and no
 *          near miss, by half the smallest spare seen above prealloc_low,
 *          at most an eighth of the target, never below rx_ring (the
 *          first pre-allocation).  So the target settles at the largest
 *          burst seen recently plus prealloc_low.
 *
 * Out of mbufs, the interrupt routine tells the card to skip the frame
 * (RXDONE without reading: one posted write, not the frame's worth of
 * reads), counts the drop (rx_drop_nombuf), masks its line and defers:
 * the frames behind it wait in the FIFO until the poll routine has
 * refilled and unmasks.  Reading and dropping frame after frame instead
 * would spend the CPU on frames it cannot keep, and at high rates would
 * never leave the interrupt routine (receive livelock).
 *
 * Mitigation: when if_intr_mitigate() says the line interrupts too often,
 * the poll routine masks it and polls once a clock tick, reading the FIFO
 * itself (it may allocate, so it needs no free queue).  A PIO card's FIFO
 * is small: whatever arrives beyond fifo bytes in one tick is dropped by
 * the card (fifo_overflow).  That is the trade-off a DMA ring does not have.
 *
 * The legacy model (the host's rx_model "legacy"): the interrupt routine
 * reads the same way but queues each frame with if_legacy_enqueue (the
 * big-lock softint does the rest); the poll continuation only refills.
 *
 * Locking.  The interrupt routine and the poll continuation run on the
 * same CPU (the NIC's intr_cpu); the interrupt preempts the poll, never
 * the reverse.  No lock guards the receive path:
 *   - sc_free: one consumer, the interrupt routine; one producer, poll.
 *   - sc_done: one producer, the interrupt routine; one consumer, poll.
 *   - sc_nfree: atomic; poll adds before it puts, the interrupt routine
 *     subtracts after it gets, so a get that finds the queue empty while
 *     sc_nfree > 0 has met a put still in progress, not an empty queue.
 *   - the FIFO registers: the interrupt routine's while the line is
 *     unmasked; poll's while sc_rxpoll (the line masked).  An interrupt
 *     that finds sc_rxpoll or sc_stalled set (it raced with the masking)
 *     masks the line and leaves the FIFO alone.
 *   - transmit: sc_txlock (an adaptive mutex), held while a frame is
 *     written to the card, so senders on several CPUs do not interleave.
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

#include <kern/mbuf.h>
#include <kern/pcq.h>

#include <net/if.h>
#include <net/if_ether.h>
#include <dev/pionicreg.h>
#include <dev/pionicvar.h>

#define PIONIC_HDR_LEN          14      /* an Ethernet header: the least */
#define PIONIC_POLL_BUDGET      64      /* frames per poll pass */
#define PIONIC_SHRINK_NS        1000000000ULL   /* 1 s of slack */

/*
 * Legend: c = constant after attach; a = atomic; i = written by the
 * interrupt routine only (poll reads); p = the poll routine's; m = written
 * by whichever routine owns the FIFO (see Locking); t = sc_txlock.
 */
struct pionic_softc {
	struct ifnet sc_if;
	device_t sc_dev;                        /* c */
	bus_space_tag_t sc_bst;                 /* c */
	bus_space_handle_t sc_bsh;              /* c */
	void *sc_ih;                            /* c: the interrupt line */
	bool sc_legacy;                         /* c */
	u_int sc_target_min;                    /* c: rx_ring */
	u_int sc_low;                           /* c: prealloc_low */
	u_int sc_max;                           /* c: prealloc_max */

	pcq_t *sc_free;                         /* c: pre-allocated mbufs */
	pcq_t *sc_done;                         /* c: received frames */
	volatile uint32_t sc_nfree;             /* a: on (or going on) sc_free */
	volatile bool sc_stalled;               /* i sets, p clears (masked) */
	volatile bool sc_rxpoll;                /* p: masked, poll reads FIFO */

	u_int sc_target;                        /* p: pre-allocation target */
	uint64_t sc_drops_seen;                 /* p: rx_drop_nombuf seen */
	uint64_t sc_period_ns;                  /* p: shrink period start */
	u_int sc_period_minleft;                /* p: fewest left at a pass */
	bool sc_period_tight;                   /* p: grew in this period */

	kmutex_t sc_txlock;
	uint32_t sc_txbuf[PIONIC_TXBUF_BYTES / 4];      /* t */

	struct evcnt sc_ev_target;              /* p: the target (a gauge) */
	struct evcnt sc_ev_grow;                /* p: times it grew */
	struct evcnt sc_ev_shrink;              /* p: times it shrank */
	struct evcnt sc_ev_alloc;               /* p: mbufs pre-allocated */
	struct evcnt sc_ev_allocfail;           /* p: allocations refused */
	struct evcnt sc_ev_stall;               /* i: masked for want of mbufs */
	struct evcnt sc_ev_toolong;             /* m: frames over a cluster */
	struct evcnt sc_ev_rxpoll;              /* p: ticks polled masked */
	struct evcnt sc_ev_txbad;               /* t: bad length, not sent */
};

CTASSERT(PIONIC_TXBUF_BYTES <= MCLBYTES);

static inline uint32_t
pionic_read(struct pionic_softc *sc, bus_size_t reg)
{
	return bus_space_read_4(sc->sc_bst, sc->sc_bsh, reg);
}

static inline void
pionic_write(struct pionic_softc *sc, bus_size_t reg, uint32_t v)
{
	bus_space_write_4(sc->sc_bst, sc->sc_bsh, reg, v);
}

/* --- receive: reading the FIFO ------------------------------------------- */

/*
 * Read the head frame (len bytes) into m's cluster and release it from
 * the FIFO.
 * => the caller owns the FIFO (see Locking); len <= MCLBYTES
 */
static void
pionic_rx_read(struct pionic_softc *sc, struct mbuf *m, uint32_t len)
{
	KASSERT(len >= 1 && len <= MCLBYTES);
	KASSERT((m->m_flags & (M_EXT | M_PKTHDR)) == (M_EXT | M_PKTHDR));
	KASSERT(m->m_len == 0 && ((uintptr_t)m->m_data & 3) == 0);
	bus_space_read_multi_4(sc->sc_bst, sc->sc_bsh, PIONIC_RXDATA,
	    mtod(m, uint32_t *), howmany(len, 4));
	pionic_write(sc, PIONIC_RXDONE, 1);
	m->m_len = (int)len;
	m->m_pkthdr.len = (int)len;
	m->m_pkthdr.rcvif = &sc->sc_if;
}

/* Frames too long for one cluster are skipped and counted. */
static bool
pionic_rx_toolong(struct pionic_softc *sc, uint32_t len)
{
	if (len <= MCLBYTES)
		return false;
	pionic_write(sc, PIONIC_RXDONE, 1);
	sc->sc_ev_toolong.ev_count++;
	return true;
}

/*
 * Nowhere to put the head frame: skip it and count the drop, unless a
 * refill is half done (sc_nfree > 0: the frame just waits); either way
 * mask the line until poll has refilled.
 */
static void
pionic_rx_stall(struct pionic_softc *sc)
{
	struct ifnet *ifp = &sc->sc_if;

	if (atomic_load_relaxed(&sc->sc_nfree) == 0) {
		pionic_write(sc, PIONIC_RXDONE, 1);
		ifp->if_ev_iqdrops.ev_count++;
	}
	sc->sc_stalled = true;
	sc->sc_ev_stall.ev_count++;
	intr_mask(sc->sc_ih);
}

/* Hand a frame read by the interrupt routine on. */
static void
pionic_rx_done(struct pionic_softc *sc, struct mbuf *m)
{
	struct ifnet *ifp = &sc->sc_if;

	if (sc->sc_legacy) {
		ifp->if_ev_ipackets.ev_count++;
		ifp->if_ev_ibytes.ev_count += (uint64_t)m->m_pkthdr.len;
		if_legacy_enqueue(ifp, m);
	} else {
		bool ok = pcq_put(sc->sc_done, m);

		/* Never full: it holds at most the target's mbufs. */
		KASSERT(ok);
	}
}

/*
 * The interrupt routine: hardware interrupt context, no allocation.
 * Reads every waiting frame into a pre-allocated mbuf.
 */
static int
pionic_intr(void *arg)
{
	struct pionic_softc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;
	u_int taken = 0;
	uint32_t len;

	KASSERT(cpu_intr_p());
	/* Volatile flags of poll's, which this interrupt preempts on its CPU. */
	if (data_race(sc->sc_rxpoll || sc->sc_stalled, "one CPU: poll's "
	    "volatile stores come before any interrupt that preempts it")) {
		/* Raced with poll masking the line: the FIFO is poll's. */
		intr_mask(sc->sc_ih);
		return 1;
	}
	if_intr_count(ifp);
	while ((len = pionic_read(sc, PIONIC_RXLEN)) != 0) {
		struct mbuf *m;

		if (pionic_rx_toolong(sc, len))
			continue;
		if ((m = pcq_get(sc->sc_free)) == NULL) {
			pionic_rx_stall(sc);
			break;
		}
		atomic_dec_32(&sc->sc_nfree);
		pionic_rx_read(sc, m, len);
		pionic_rx_done(sc, m);
		taken++;
	}
	if (taken > 0 || sc->sc_stalled)
		ether_defer(ifp);
	return 1;
}

/* --- receive: the poll routine ------------------------------------------- */

/* Hand up to a budget of completed frames up; true if some are left. */
static bool
pionic_deliver(struct pionic_softc *sc)
{
	struct ifnet *ifp = &sc->sc_if;

	for (u_int n = 0; n < PIONIC_POLL_BUDGET; n++) {
		struct mbuf *m = pcq_get(sc->sc_done);

		if (m == NULL)
			return false;
		ifp->if_ev_ipackets.ev_count++;
		ifp->if_ev_ibytes.ev_count += (uint64_t)m->m_pkthdr.len;
		(*ifp->if_input)(ifp, m);
	}
	return true;
}

/*
 * The line is masked by mitigation: read the FIFO here, into mbufs
 * allocated now (this is not interrupt context).  True if frames are left.
 */
static bool
pionic_rxpoll(struct pionic_softc *sc)
{
	struct ifnet *ifp = &sc->sc_if;

	KASSERT(!cpu_intr_p() && intr_masked(sc->sc_ih));
	for (u_int n = 0; n < PIONIC_POLL_BUDGET; n++) {
		uint32_t len = pionic_read(sc, PIONIC_RXLEN);
		struct mbuf *m;

		if (len == 0)
			return false;
		if (pionic_rx_toolong(sc, len))
			continue;
		if ((m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) == NULL) {
			sc->sc_ev_allocfail.ev_count++;
			pionic_write(sc, PIONIC_RXDONE, 1);
			ifp->if_ev_iqdrops.ev_count++;
			continue;
		}
		pionic_rx_read(sc, m, len);
		ifp->if_ev_ipackets.ev_count++;
		ifp->if_ev_ibytes.ev_count += len;
		(*ifp->if_input)(ifp, m);
	}
	return true;
}

/* --- the pre-allocation target ------------------------------------------ */

static void
pionic_grow(struct pionic_softc *sc, uint64_t by)
{
	uint64_t t = (uint64_t)sc->sc_target + by;

	KASSERT(by > 0);
	sc->sc_period_tight = true;
	if (sc->sc_target >= sc->sc_max)
		return;
	sc->sc_target = t < sc->sc_max ? (u_int)t : sc->sc_max;
	sc->sc_ev_grow.ev_count++;
	sc->sc_ev_target.ev_count = sc->sc_target;
}

/* After a quiet period, give back half the spare seen above the low mark. */
static void
pionic_shrink(struct pionic_softc *sc, u_int left)
{
	uint64_t now = getnanouptime();
	u_int spare, by;

	if (left < sc->sc_period_minleft)
		sc->sc_period_minleft = left;
	if (now - sc->sc_period_ns < PIONIC_SHRINK_NS)
		return;
	if (!sc->sc_period_tight && sc->sc_target > sc->sc_target_min &&
	    sc->sc_period_minleft > sc->sc_low) {
		spare = sc->sc_period_minleft - sc->sc_low;
		by = MIN(spare / 2, sc->sc_target / 8);
		by = MIN(by, sc->sc_target - sc->sc_target_min);
		if (by > 0) {
			sc->sc_target -= by;
			sc->sc_ev_shrink.ev_count++;
			sc->sc_ev_target.ev_count = sc->sc_target;
		}
	}
	sc->sc_period_ns = now;
	sc->sc_period_minleft = UINT32_MAX;
	sc->sc_period_tight = false;
}

/*
 * Top the free queue up to the target.  M_DONTWAIT: this runs at
 * soft-network level, where sleeping for memory is not allowed.
 */
static void
pionic_refill(struct pionic_softc *sc)
{
	while (atomic_load_relaxed(&sc->sc_nfree) < sc->sc_target) {
		struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		bool ok;

		if (m == NULL) {
			sc->sc_ev_allocfail.ev_count++;
			return;
		}
		/* Counted before it is visible: see pionic_rx_stall. */
		atomic_inc_32(&sc->sc_nfree);
		ok = pcq_put(sc->sc_free, m);
		KASSERT(ok);    /* the queue holds prealloc_max >= target */
		sc->sc_ev_alloc.ev_count++;
	}
}

/* Adapt the target to what the last interval needed, then refill. */
static void
pionic_prealloc(struct pionic_softc *sc)
{
	struct ifnet *ifp = &sc->sc_if;
	uint64_t drops = ifp->if_ev_iqdrops.ev_count;
	uint64_t d = drops - sc->sc_drops_seen;
	u_int left = atomic_load_relaxed(&sc->sc_nfree);

	KASSERT(drops >= sc->sc_drops_seen);
	sc->sc_drops_seen = drops;
	if (sc->sc_stalled)
		d += pionic_read(sc, PIONIC_RXCOUNT);
	if (d > 0)
		pionic_grow(sc, d + sc->sc_low);
	else if (left < sc->sc_low)
		pionic_grow(sc, sc->sc_low - left);
	else
		pionic_shrink(sc, left);
	pionic_refill(sc);
}

/*
 * End of a pass with nothing left to do: decide the line.  Masked while
 * stalled (no mbufs yet) or mitigating (polled per tick); else unmasked.
 */
static void
pionic_intr_policy(struct pionic_softc *sc)
{
	struct ifnet *ifp = &sc->sc_if;
	bool mask;

	if (sc->sc_stalled && atomic_load_relaxed(&sc->sc_nfree) > 0)
		sc->sc_stalled = false;
	if (!sc->sc_legacy && ifp->if_intr_max_per_s != 0) {
		sc->sc_rxpoll = if_intr_mitigate(ifp);
		if (sc->sc_rxpoll) {
			sc->sc_ev_rxpoll.ev_count++;
			ether_defer_tick(ifp);
		}
	}
	mask = sc->sc_stalled || sc->sc_rxpoll;
	if (mask && !intr_masked(sc->sc_ih))
		intr_mask(sc->sc_ih);
	else if (!mask && intr_masked(sc->sc_ih))
		intr_unmask(sc->sc_ih);
	if (sc->sc_stalled)
		ether_defer_tick(ifp);  /* allocation failed: try again */
}

/* if_poll: deliver, read the FIFO if masked, refill; true: call again. */
static bool
pionic_poll(struct ifnet *ifp)
{
	struct pionic_softc *sc = ifp->if_softc;
	bool more = false;

	KASSERT(!cpu_intr_p());
	if (!sc->sc_legacy)
		more = pionic_deliver(sc);
	if (sc->sc_rxpoll && pionic_rxpoll(sc))
		more = true;
	pionic_prealloc(sc);
	if (more)
		return true;
	pionic_intr_policy(sc);
	return false;
}

/* --- transmit ------------------------------------------------------------ */

/*
 * if_transmit: write the frame to the card word by word and send it, or
 * drop it: tx_drop_ring if the card's transmit buffer is still full,
 * tx_bad if it is shorter than a header or longer than the buffer.
 * => thread or soft interrupt context; frees m either way
 * => 0, ENOBUFS or EMSGSIZE
 */
static int
pionic_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct pionic_softc *sc = ifp->if_softc;
	int len = m->m_pkthdr.len;
	int error = 0;

	KASSERT(m->m_flags & M_PKTHDR);
	mutex_enter(&sc->sc_txlock);
	if (len < PIONIC_HDR_LEN || len > PIONIC_TXBUF_BYTES) {
		sc->sc_ev_txbad.ev_count++;
		error = EMSGSIZE;
	} else if ((pionic_read(sc, PIONIC_STATUS) &
	    PIONIC_STATUS_TXRDY) == 0) {
		ifp->if_ev_oqdrops.ev_count++;
		error = ENOBUFS;
	} else {
		m_copydata(m, 0, len, sc->sc_txbuf);
		bus_space_write_multi_4(sc->sc_bst, sc->sc_bsh, PIONIC_TXDATA,
		    sc->sc_txbuf, howmany(len, 4));
		pionic_write(sc, PIONIC_TXLEN, (uint32_t)len);
		ifp->if_ev_opackets.ev_count++;
		ifp->if_ev_obytes.ev_count += (uint64_t)len;
	}
	mutex_exit(&sc->sc_txlock);
	m_freem(m);
	return error;
}

/* --- attach --------------------------------------------------------------- */

#define PIONIC_EVCNT(sc, ev, name) \
	evcnt_attach_dynamic(&(sc)->ev, EVCNT_TYPE_MISC, NULL, \
	    (sc)->sc_if.if_xname, name)

static void
pionic_attach_evcnts(struct pionic_softc *sc)
{
	PIONIC_EVCNT(sc, sc_ev_target, "prealloc_target");
	PIONIC_EVCNT(sc, sc_ev_grow, "prealloc_grow");
	PIONIC_EVCNT(sc, sc_ev_shrink, "prealloc_shrink");
	PIONIC_EVCNT(sc, sc_ev_alloc, "prealloc_mbufs");
	PIONIC_EVCNT(sc, sc_ev_allocfail, "prealloc_fail");
	PIONIC_EVCNT(sc, sc_ev_stall, "rx_stall");
	PIONIC_EVCNT(sc, sc_ev_toolong, "rx_toolong");
	PIONIC_EVCNT(sc, sc_ev_rxpoll, "rx_tick_polls");
	PIONIC_EVCNT(sc, sc_ev_txbad, "tx_bad");
	sc->sc_ev_target.ev_count = sc->sc_target;
}

static void
pionic_macaddr(struct pionic_softc *sc, uint8_t mac[ETHER_ADDR_LEN])
{
	uint32_t lo = pionic_read(sc, PIONIC_MAC0);
	uint32_t hi = pionic_read(sc, PIONIC_MAC1);

	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
}

static void
pionic_ifinit(struct pionic_softc *sc, const struct device_config *cfg)
{
	struct ifnet *ifp = &sc->sc_if;

	if_initname(ifp, device_xname(sc->sc_dev));
	ifp->if_softc = sc;
	ifp->if_poll = pionic_poll;
	ifp->if_transmit = pionic_transmit;
	/* 0 when the scenario turned mitigation off. */
	ifp->if_intr_max_per_s = cfg->intr_max_per_s;
	if (cfg->legacy)
		ifp->if_flags |= IFF_LEGACY;
}

/*
 * Attach: the interface, the queues, the first pre-allocation (rx_ring
 * mbufs), the interrupt line on intr_cpu, then receive on.
 * => from autoconfiguration at boot (thread context); 0 or an errno
 */
int
pionic_attach(device_t dev)
{
	const struct device_config *cfg = device_config(dev);
	struct pionic_softc *sc;
	struct cpu_info *ci = cpu_lookup(cfg->intr_cpu);
	uint8_t mac[ETHER_ADDR_LEN];

	KASSERT(!cpu_intr_p());
	if (ci == NULL)
		return EINVAL;
	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	sc->sc_dev = dev;
	sc->sc_bst = device_bus_tag(dev);
	sc->sc_bsh = device_bus_handle(dev);
	sc->sc_legacy = cfg->legacy;
	sc->sc_max = MIN(MAX(cfg->prealloc_max, 1u), (u_int)PCQ_MAXLEN);
	sc->sc_target = MIN(MAX(cfg->rx_ring, 1u), sc->sc_max);
	sc->sc_target_min = sc->sc_target;
	sc->sc_low = cfg->prealloc_low;
	sc->sc_period_minleft = UINT32_MAX;
	sc->sc_free = pcq_create(sc->sc_max, KM_SLEEP);
	sc->sc_done = pcq_create(sc->sc_max, KM_SLEEP);
	mutex_init(&sc->sc_txlock, MUTEX_DEFAULT, IPL_NONE);

	pionic_ifinit(sc, cfg);
	pionic_macaddr(sc, mac);
	if_attach(&sc->sc_if, ci);
	ether_ifattach(&sc->sc_if, mac);
	pionic_attach_evcnts(sc);
	pionic_refill(sc);

	sc->sc_ih = device_intr_establish(dev, IPL_NET, ci, pionic_intr, sc);
	pionic_write(sc, PIONIC_CTRL, PIONIC_CTRL_RXEN);
	pionic_write(sc, PIONIC_IMR, PIONIC_INTR_RX);
	return 0;
}
