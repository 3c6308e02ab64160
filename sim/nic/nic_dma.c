/*
 * nic_dma.c -- the DMA NIC's model: descriptor rings in host memory, one
 * DMA engine per direction, interrupt coalescing (stack/dev/dmanicreg.h
 * is its datasheet).
 *
 * The one idea: the card does nothing by itself except at engine events
 * it schedules -- a received frame's transfer completing, a transmit
 * frame's fetch completing, the coalescing timer -- and at register
 * accesses, which arrive at the accessing CPU's clock.  A DMA transfer of
 * b bytes starts when its engine is free (engines do one transfer at a
 * time, back to back) and completes
 *
 *	dma_latency + ceil(8 * b * 10^9 / dma_rate) ns
 *
 * after it starts: the engine is busy for the second term, and the
 * first covers the bus round trip and the descriptor write-back.  The
 * receive engine's transfers complete in the order they started, so the
 * frames in flight are a FIFO and each completion event takes the head.
 *
 * Memory the card writes (buffers, descriptors) is marked with
 * sim_lines_device_write, so the driver's next access to it costs a cache
 * miss; in the exploration build every descriptor and buffer the card
 * reads or writes is checked by the race detector as the card's own
 * access (nic_dma_access), so a driver that touches a descriptor it gave
 * the card, or reads one back without bus_dmamap_sync, races with it.  Descriptor and buffer addresses must lie in the host's kernel
 * memory, and a transmit descriptor is the card's from TDT to its
 * write-back (the driver must not change its length meanwhile); anything
 * else stops the run as a violation naming the NIC.
 *
 * Faults (nic.h) may make transfers complete late -- still in order,
 * one never overtaking another -- and raise the line with nothing
 * written (a storm).
 *
 * Never allocates per frame beyond the topology's frame pool, never
 * decides anything by pointer value.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race.h"
#include "sim/sys/ks_device.h"
#include "sim/wire/frame.h"
#include "sim/sched/machine.h"
#include "sim/sys/ks.h"
#include "sim/nic/nic.h"
#include "sim/nic/nic_dma.h"
#include "sim/record/trace.h"
#include "sim/wire/port.h"
#include "sim/record/record.h"
#include "stack/dev/dmanicreg.h"

#define NS_PER_S        1000000000ULL
#define NIC_VOID        UINT64_MAX      /* a frame a reset abandoned */

/*
 * Spans of host memory [lo, hi) -- arena chunks -- that a direction's
 * DMA addresses were last found in, newest first; empty (0, 0) until
 * then.  A direction's buffers come from one or two chunks (receive:
 * the clusters'; transmit: the mbufs' and the clusters'), so nearly
 * every check ends at the first or second.
 */
#define NIC_SPANS       2

struct nic_spans {
	struct {
		uintptr_t lo, hi;
	} s[NIC_SPANS];
};

/* One direction's DMA engine. */
struct nic_engine {
	uint64_t free_ns;               /* when its last transfer's bytes end */
	uint64_t done_ns;               /* when its last transfer completes */
};

/* A transmit frame the card has taken descriptors for. */
struct nic_txjob {
	uint32_t first;                 /* its first descriptor */
	uint32_t ndesc;
	uint32_t bytes;
	bool fetched;                   /* the transfer has completed */
	bool error;                     /* malformed: written back TXS_ERR */
	bool abandoned;                 /* by a reset */
	struct sim_frame *f;            /* the bytes, once fetched */
};

#define NIC_TRACE_MAX   1024    /* frames noted between interrupts */

/*
 * The frames noted for record.packets: 20 KiB a NIC, allocated when the
 * first is noted, so a run that traces nothing (or a NIC that takes no
 * traced frame) does not hold it for each of thousands of hosts.
 */
struct nic_trace {
	uint64_t ids[NIC_TRACE_MAX];
	uint64_t t[NIC_TRACE_MAX];              /* when written back */
	uint32_t desc[NIC_TRACE_MAX];
};

/*
 * A DMA NIC.  What a frame touches comes first, packed into the first
 * six cache lines of a 64-byte aligned block (noted per line below):
 * with a thousand hosts a NIC's state is cold whenever a frame comes,
 * and its fields were spread over eleven lines, each a miss (bench/
 * README.md, "Thousands of hosts, fifth pass").  The rest is set-up,
 * faults and the record's.
 */
struct nic_dma {
	/* line 0 */
	struct device *dev;
	struct sim_host *host;
	struct sim_machine *m;
	struct sim_port *port;          /* NULL: no port at all */
	uint32_t ctrl, icr, ims;        /* registers, as all to tdt */
	uint32_t pending;               /* write-backs not yet signalled */
	uint32_t rdlen, rdh, rdt;
	uint32_t tdlen;
	/* line 1 */
	uint32_t tdh, tdt;
	/* Transmit: jobs in order, [tx_head, tx_head + tx_n) mod FIFO. */
	uint32_t tx_head, tx_n;
	uint32_t tx_fetch;              /* jobs whose fetch has completed */
	uint32_t itr_frames;
	uint32_t itr_ns;
	uint32_t rxbufsz;
	/* Receive: frames whose transfer is in flight, oldest first. */
	struct sim_frame *rx_head, *rx_tail;
	sim_nic_dma_observer_fn obs;    /* tests: see nic_dma.h */
	bool fired;                     /* coalescing fired since ICR read */
	bool line;                      /* the line is up */
	uint8_t mac[6];
	/* line 2 */
	struct nic_engine rx_eng, tx_eng;       /* each direction's */
	uint64_t rdba, tdba;
	uint64_t dma_rate_bps;
	uint64_t timer_seq;             /* the armed coalescing event, or 0 */
	/* line 3 */
	struct nic_spans rx_spans, tx_spans;    /* nic_mem's, a direction */
	/* lines 4 and 5 */
	uint64_t dma_latency_ns;
	unsigned ndelays;               /* in delays[] */
	/*
	 * nic_dma's last transfer on each engine (0 receive, 1 transmit):
	 * xfer_bytes[k] took xfer_ns[k] ns (0 take 0: the zeroed start is
	 * a true entry; a time past 32 bits is not kept).
	 */
	uint32_t xfer_bytes[2];
	uint32_t xfer_ns[2];
	uint64_t stat[DMANIC_NSTATS];

	bool stat_recorded;
	uint64_t stat_last[DMANIC_NSTATS];      /* last written to the db */
	struct nic_txjob tx[DMANIC_TX_FIFO];
	void *obs_arg;
	char name[SC_NAME_MAX];         /* the scenario's NIC name */

	/* Faults: windows of late completion (nic.h), in order added. */
	struct sim_nic_delay *delays[SIM_NIC_DELAYS_MAX];

	/*
	 * record.packets: frames written back and not yet announced by an
	 * interrupt nor handed back by the driver (RDT moving past their
	 * descriptor: harvested by a poll, with no interrupt), in ring order.
	 */
	struct nic_trace *trace;        /* NULL until a frame is noted */
	uint32_t trace_n;
} __attribute__((__aligned__(64)));

static void nic_rx_done(void *);
static void nic_dma_access(struct nic_dma *, const void *, size_t, int);
static void nic_trace_returned(struct nic_dma *, uint32_t new_rdt);
static void nic_trace_drop(struct nic_dma *, uint32_t k);
static void nic_tx_fetched(void *);
static void nic_tx_pump(struct nic_dma *, uint64_t now);

/* --- faults ------------------------------------------------------------------ */

/*
 * The driver gave the card something no card could use (an address
 * outside host memory): stop the run as a violation, from a CPU context
 * like a panic, from an event with the machine's own report.
 */
static void __attribute__((__format__(__printf__, 2, 3)))
nic_fault(struct nic_dma *nic, const char *fmt, ...)
{
	struct sim_machine *m = nic->m;
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s: ", nic->dev->xname);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m->running != NULL)
		sim_context_stop("device fault", __FILE__, __LINE__, msg);
	fprintf(stderr, "netsim: device fault: %s\n  seed %llu, virtual time "
	    "%llu ns, host %s\n  replay: %s\n", msg,
	    (unsigned long long)m->seed, (unsigned long long)m->eng.now,
	    nic->host->sc->name, m->replay);
	if (m->rec != NULL)
		sim_record_violation(m->rec, m->eng.now, nic->host->sc->name, -1,
		    NULL, "device fault", __FILE__, __LINE__, msg);
	sim_machine_stop(m, SIM_EXIT_VIOLATION, "device fault: %s", msg);
}

/*
 * nic_mem's slow way: both ends of [a, a + len) in the arena, the span
 * found for the first end kept in sp; NULL after a fault if not.
 */
static void * __attribute__((__noinline__))
nic_mem_lookup(struct nic_dma *nic, struct nic_spans *sp, uint64_t a,
    uint64_t len, const char *what)
{
	const struct sim_arena *ar = &nic->host->arena;
	const char *p = (const char *)(uintptr_t)a;
	uintptr_t lo, hi;

	if (a != 0 && len > 0 && a + len > a &&
	    sim_arena_span(ar, p, &lo, &hi)) {
		if (lo != sp->s[0].lo)
			memmove(&sp->s[1], &sp->s[0],
			    (NIC_SPANS - 1) * sizeof(sp->s[0]));
		sp->s[0].lo = lo;
		sp->s[0].hi = hi;
		if (a + len <= hi || sim_arena_owns(ar, p + len - 1))
			return (void *)(uintptr_t)a;
	}
	nic_fault(nic, "%s at bus address %#llx (%llu bytes) is not in host "
	    "memory", what, (unsigned long long)a, (unsigned long long)len);
	return NULL;
}

/*
 * Host memory at bus address a, len bytes; NULL (after a fault) if not.
 * Nearly every buffer lies in one of the spans sp (its direction's) kept
 * from the last lookups, which then says yes in a few comparisons; a
 * span is the arena's for the whole run, so the answer is the one the
 * lookup would give.
 */
static inline void *
nic_mem(struct nic_dma *nic, struct nic_spans *sp, uint64_t a, uint64_t len,
    const char *what)
{
	/* A span starts above 0, so a inside one is not 0. */
	if (len > 0 && a + len > a)
		for (int i = 0; i < NIC_SPANS; i++)
			if (a >= sp->s[i].lo && a + len <= sp->s[i].hi)
				return (void *)(uintptr_t)a;
	return nic_mem_lookup(nic, sp, a, len, what);
}

static bool
nic_stopped(const struct nic_dma *nic)
{
	return nic->m->stop_status >= 0;
}

/* --- the DMA engines ------------------------------------------------------------ */

/* What the delay windows open at now add to a transfer asked for then. */
static uint64_t
nic_dma_delay(struct nic_dma *nic, uint64_t now)
{
	uint64_t extra = 0;

	for (unsigned i = 0; i < nic->ndelays; i++) {
		struct sim_nic_delay *d = nic->delays[i];

		if (now < d->start_ns || now >= d->end_ns ||
		    (d->count != 0 && d->delayed >= d->count))
			continue;
		d->delayed++;
		extra += d->delay_ns;
	}
	return extra;
}

/*
 * A transfer of bytes from now: when it completes.  Transfers complete
 * in the order they were asked for (the frames in flight are a FIFO):
 * without a delay window that is so by itself, and a delayed one holds
 * back those behind it.
 */
static inline uint64_t
nic_dma(struct nic_dma *nic, struct nic_engine *e, uint64_t now,
    uint64_t bytes)
{
	uint64_t start = now > e->free_ns ? now : e->free_ns, done, xfer;
	unsigned k = e == &nic->tx_eng;

	assert(bytes <= SIM_FRAME_BYTES_MAX);
	assert(e == &nic->rx_eng || e == &nic->tx_eng);
	/*
	 * An engine's frames are mostly of one length (a flow's data one
	 * way, its acks the other): the last one's time, not a 64-bit
	 * division (tens of cycles) per transfer.
	 */
	if (__builtin_expect(bytes == nic->xfer_bytes[k], 1))
		xfer = nic->xfer_ns[k];
	else {
		/* bytes <= SIM_FRAME_BYTES_MAX: 8e9 times that fits in 64 bits. */
		xfer = (bytes * 8 * NS_PER_S + nic->dma_rate_bps - 1) /
		    nic->dma_rate_bps;
		if (xfer <= UINT32_MAX) {
			nic->xfer_bytes[k] = (uint32_t)bytes;
			nic->xfer_ns[k] = (uint32_t)xfer;
		}
	}

	e->free_ns = start + xfer;
	nic->stat[DMANIC_STAT_DMA_XFERS]++;
	done = e->free_ns + nic->dma_latency_ns;
	if (__builtin_expect(nic->ndelays > 0, 0))
		done += nic_dma_delay(nic, now);
	if (done < e->done_ns)
		done = e->done_ns;
	e->done_ns = done;
	return done;
}

/* --- interrupts --------------------------------------------------------------- */

/* The line follows: coalescing fired and an enabled cause is set. */
static inline void
nic_line(struct nic_dma *nic, uint64_t now)
{
	bool up = nic->fired && (nic->icr & nic->ims) != 0;

	if (up == nic->line)
		return;
	nic->line = up;
	if (up)
		nic->stat[DMANIC_STAT_INTRS]++;
	sim_irq_set(nic->dev, up, now);
}

static void
nic_fire(struct nic_dma *nic, uint64_t now)
{
	nic->pending = 0;
	nic->timer_seq = 0;             /* a pending timer event is stale */
	nic->fired = true;
	nic_line(nic, now);
}

static void
nic_coalesce_timer(void *arg)
{
	struct nic_dma *nic = arg;

	if (nic->timer_seq != sim_engine_cur_seq(&nic->m->eng))
		return;                 /* fired or acknowledged since */
	nic->timer_seq = 0;
	if (nic->pending > 0)
		nic_fire(nic, nic->m->eng.now);
}

/* A descriptor write-back of kind cause at now: count it towards an interrupt. */
static void
nic_writeback(struct nic_dma *nic, uint32_t cause, uint64_t now)
{
	nic->icr |= cause;
	if (++nic->pending >= nic->itr_frames || nic->itr_ns == 0) {
		nic_fire(nic, now);
		return;
	}
	if (nic->pending == 1)
		nic->timer_seq = sim_machine_at(nic->m, now + nic->itr_ns,
		    nic_coalesce_timer, nic);
	/* Already fired and not yet acknowledged: the line may rise now. */
	nic_line(nic, now);
}

/* --- rings ------------------------------------------------------------------ */

/*
 * Ring arithmetic without a division (a ring's size is any of
 * DMANIC_RING_MIN to DMANIC_RING_MAX, and a frame's descriptors took
 * two or three 32-bit divisions of tens of cycles each).
 */

/* The slot after s in a ring of n. */
static inline uint32_t
nic_ring_next(uint32_t s, uint32_t n)
{
	assert(s < n);
	return s + 1 == n ? 0 : s + 1;
}

/* The slot i after first in a ring of n.  => i < n */
static inline uint32_t
nic_ring_add(uint32_t first, uint32_t i, uint32_t n)
{
	uint32_t s = first + i;

	assert(first < n && i < n);
	return s >= n ? s - n : s;
}

/* --- receive ------------------------------------------------------------------ */

static bool
nic_rx_accept(const struct nic_dma *nic, const struct sim_frame *f)
{
	const uint8_t *dst = sim_frame_dst(f);

	return (nic->ctrl & DMANIC_CTRL_PROMISC) || sim_ether_is_group(dst) ||
	    memcmp(dst, nic->mac, 6) == 0;
}

/* A frame has fully arrived on the port. */
static void
nic_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct nic_dma *nic = port->softc;
	int drop = -1;

	if (!(nic->ctrl & DMANIC_CTRL_RXEN))
		drop = DMANIC_STAT_RX_OFF;
	else if (!nic_rx_accept(nic, f))
		drop = DMANIC_STAT_RX_MAC_FILTER;
	else if (f->len > nic->rxbufsz)
		drop = DMANIC_STAT_RX_TOO_LONG;
	else if (nic->rdh == nic->rdt)
		drop = DMANIC_STAT_RX_RING_FULL;
	/* It reached this card (a frame for another one did not). */
	if (nic->m->tracing && drop != DMANIC_STAT_RX_MAC_FILTER)
		sim_trace_packet(nic->m, f->pkt_id, "wire_rx", nic->host, -1, t, 0);
	if (drop >= 0) {
		nic->stat[drop]++;
		sim_frame_free(f);
		return;
	}
	/* RXEN implies a checked ring (nic_write_ctrl): RDH is in it. */
	assert(nic->rdlen >= DMANIC_RING_MIN && nic->rdh < nic->rdlen);
	f->tag = nic->rdh;
	nic->rdh = nic_ring_next(nic->rdh, nic->rdlen);
	f->next = NULL;
	if (nic->rx_tail != NULL)
		nic->rx_tail->next = f;
	else
		nic->rx_head = f;
	nic->rx_tail = f;
	sim_machine_at(nic->m, nic_dma(nic, &nic->rx_eng, t, f->len),
	    nic_rx_done, nic);
}

/*
 * A descriptor of a ring the card has checked: RXEN/TXEN are only set
 * for a ring in host memory (nic_write_ctrl), and a ring's base and size
 * cannot change while its direction is enabled.
 */
/* How the card touches host memory, for the race detector. */
enum { NIC_DMA_READ, NIC_DMA_WRITE, NIC_DMA_PUBLISH };

/*
 * The card reads or writes [p, p + len) of host memory: in the
 * exploration build, a checked access of the card's own context.  A
 * status word written last (NIC_DMA_PUBLISH: DD) is an atomic release,
 * as the write that hands a descriptor back is: a driver that sees DD
 * with an acquire load sees the rest of the descriptor.
 */
static void
nic_dma_access(struct nic_dma *nic, const void *p, size_t len, int how)
{
	if (how == NIC_DMA_PUBLISH)
		SIM_RACE_HOOK(sim_race_dev_publish(nic->host, &nic->dev->race,
		    nic->dev->xname, p, len));
	else
		SIM_RACE_HOOK(sim_race_dev_access(nic->host, &nic->dev->race,
		    nic->dev->xname, p, len, how == NIC_DMA_WRITE));
}

static struct dmanic_rxdesc *
nic_rxdesc(struct nic_dma *nic, uint32_t slot)
{
	assert(slot < nic->rdlen);
	return (struct dmanic_rxdesc *)(uintptr_t)nic->rdba + slot;
}

/* The oldest receive transfer has completed: frame and descriptor written. */
static void
nic_rx_done(void *arg)
{
	struct nic_dma *nic = arg;
	struct sim_frame *f = nic->rx_head;
	uint64_t now = nic->m->eng.now;
	struct dmanic_rxdesc *d;
	void *buf;

	if ((nic->rx_head = f->next) == NULL)
		nic->rx_tail = NULL;
	f->next = NULL;
	if (f->tag == NIC_VOID || nic_stopped(nic)) {
		/* Receive was turned off (or reset) while it was in flight. */
		nic->stat[DMANIC_STAT_RX_OFF]++;
		sim_frame_free(f);
		return;
	}
	d = nic_rxdesc(nic, (uint32_t)f->tag);
	nic_dma_access(nic, &d->rd_addr, sizeof(d->rd_addr), NIC_DMA_READ);
	if ((buf = nic_mem(nic, &nic->rx_spans, d->rd_addr, f->len,
	    "rx buffer")) == NULL) {
		sim_frame_free(f);
		return;
	}
	memcpy(buf, f->data, f->len);
	if (nic->obs != NULL)
		nic->obs(nic->obs_arg, nic->dev, SIM_NIC_DMA_RX_DONE, f->data,
		    f->len, now);
	d->rd_len = (uint16_t)f->len;
	d->rd_errors = 0;
	d->rd_tag = f->pkt_id;
	d->rd_status = DMANIC_RXS_DD | DMANIC_RXS_EOP;
	if (nic->m->tracing && f->pkt_id != 0) {
		sim_trace_packet(nic->m, f->pkt_id, "nic_rx", nic->host, -1, now,
		    0);
		if (nic->trace == NULL &&
		    (nic->trace = malloc(sizeof(*nic->trace))) == NULL)
			sim_host_malloc_failed(nic->host, "packet trace",
			    sizeof(*nic->trace));
		else if (nic->trace_n < NIC_TRACE_MAX) {
			nic->trace->ids[nic->trace_n] = f->pkt_id;
			nic->trace->t[nic->trace_n] = now;
			nic->trace->desc[nic->trace_n++] = (uint32_t)f->tag;
		}
	}
	sim_lines_device_write(&nic->host->lines, buf, f->len);
	sim_lines_device_write(&nic->host->lines, d, sizeof(*d));
	nic_dma_access(nic, buf, f->len, NIC_DMA_WRITE);
	nic_dma_access(nic, &d->rd_len, sizeof(d->rd_len), NIC_DMA_WRITE);
	nic_dma_access(nic, &d->rd_errors, sizeof(d->rd_errors),
	    NIC_DMA_WRITE);
	nic_dma_access(nic, &d->rd_tag, sizeof(d->rd_tag), NIC_DMA_WRITE);
	nic_dma_access(nic, &d->rd_status, sizeof(d->rd_status),
	    NIC_DMA_PUBLISH);
	nic->stat[DMANIC_STAT_RX_FRAMES]++;
	nic->stat[DMANIC_STAT_RX_BYTES] += f->len;
	sim_frame_free(f);
	nic_writeback(nic, DMANIC_INTR_RXT, now);
}

/* --- transmit ------------------------------------------------------------------ */

static struct nic_txjob *
nic_txjob(struct nic_dma *nic, uint32_t i)
{
	/* The modulo would hide an overrun: job i would alias another. */
	assert(i < DMANIC_TX_FIFO);
	return &nic->tx[(nic->tx_head + i) % DMANIC_TX_FIFO];
}

/* A descriptor of the checked transmit ring (see nic_rxdesc). */
static struct dmanic_txdesc *
nic_txdesc(struct nic_dma *nic, uint32_t slot)
{
	assert(slot < nic->tdlen);
	return (struct dmanic_txdesc *)(uintptr_t)nic->tdba + slot;
}

/*
 * Take the next frame's descriptors from TDH, if they are all there (up
 * to one with EOP before TDT).  Returns false when there is none yet.
 */
static bool
nic_tx_take(struct nic_dma *nic, struct nic_txjob *j)
{
	uint32_t s = nic->tdh, n = 0, bytes = 0;
	bool eop = false;

	while (s != nic->tdt && n < DMANIC_TX_MAXSEGS && !eop) {
		const struct dmanic_txdesc *d = nic_txdesc(nic, s);

		nic_dma_access(nic, d, offsetof(struct dmanic_txdesc, td_status),
		    NIC_DMA_READ);
		bytes += d->td_len;
		eop = (d->td_cmd & DMANIC_TXC_EOP) != 0;
		n++;
		s = nic_ring_next(s, nic->tdlen);
	}
	if (!eop && n < DMANIC_TX_MAXSEGS)
		return false;           /* the rest is not posted yet */
	memset(j, 0, sizeof(*j));
	j->first = nic->tdh;
	j->ndesc = n;
	j->bytes = bytes;
	j->error = !eop || bytes < SIM_ETHER_HDR_LEN ||
	    bytes > SIM_FRAME_BYTES_MAX;
	nic->tdh = s;
	return true;
}

/* The doorbell or room in the FIFO: start fetching what is posted. */
static void
nic_tx_start(struct nic_dma *nic, uint64_t now)
{
	while ((nic->ctrl & DMANIC_CTRL_TXEN) && nic->tx_n < DMANIC_TX_FIFO &&
	    nic->tdh != nic->tdt && !nic_stopped(nic)) {
		struct nic_txjob *j = nic_txjob(nic, nic->tx_n);

		if (!nic_tx_take(nic, j))
			return;
		nic->tx_n++;
		sim_machine_at(nic->m, nic_dma(nic, &nic->tx_eng, now,
		    j->error ? 0 : j->bytes), nic_tx_fetched, nic);
	}
}

/*
 * Gather a job's bytes from host memory into a frame.  The frame was
 * sized when TDT gave the descriptors to the card (nic_tx_take); one the
 * driver wrote since -- it is the card's -- is a fault, since copying by
 * the new length would write past the frame or leave bytes unwritten.
 */
static struct sim_frame *
nic_tx_gather(struct nic_dma *nic, const struct nic_txjob *j)
{
	struct sim_frame *f;
	uint32_t off = 0;

	assert(!j->error && j->ndesc >= 1 && j->ndesc <= DMANIC_TX_MAXSEGS);
	if (nic->port == NULL)
		return NULL;
	if ((f = sim_port_frame_alloc(nic->port, j->bytes)) == NULL)
		return NULL;
	for (uint32_t i = 0; i < j->ndesc; i++) {
		uint32_t slot = nic_ring_add(j->first, i, nic->tdlen);
		const struct dmanic_txdesc *d = nic_txdesc(nic, slot);
		const void *src;

		if (d->td_len > j->bytes - off) {
			nic_fault(nic, "tx descriptor %u changed after TDT gave "
			    "it to the card (the frame was %u bytes)", slot,
			    j->bytes);
			goto fail;
		}
		src = d->td_len == 0 ? f->data :
		    nic_mem(nic, &nic->tx_spans, d->td_addr, d->td_len,
		    "tx buffer");
		if (src == NULL)
			goto fail;
		nic_dma_access(nic, d, offsetof(struct dmanic_txdesc, td_status),
		    NIC_DMA_READ);
		if (d->td_cmd & DMANIC_TXC_EOP)
			nic_dma_access(nic, &d->td_tag, sizeof(d->td_tag),
			    NIC_DMA_READ);
		if (d->td_len != 0)
			nic_dma_access(nic, src, d->td_len, NIC_DMA_READ);
		memcpy(f->data + off, src, d->td_len);
		off += d->td_len;
		if (d->td_cmd & DMANIC_TXC_EOP)
			f->pkt_id = d->td_tag;
	}
	if (off != j->bytes) {
		nic_fault(nic, "tx descriptors from %u changed after TDT gave "
		    "them to the card (the frame was %u bytes, now %u)",
		    j->first, j->bytes, off);
		goto fail;
	}
	assert(f->len == j->bytes && f->len <= f->cap);
	return f;
fail:
	sim_frame_free(f);
	return NULL;
}

/* The oldest fetch in flight has completed. */
static void
nic_tx_fetched(void *arg)
{
	struct nic_dma *nic = arg;
	struct nic_txjob *j = nic_txjob(nic, nic->tx_fetch);

	assert(nic->tx_fetch < nic->tx_n && !j->fetched);
	nic->tx_fetch++;
	j->fetched = true;
	if (j->abandoned || nic_stopped(nic))
		return;
	if (!j->error && (j->f = nic_tx_gather(nic, j)) == NULL)
		j->error = true;
	nic_tx_pump(nic, nic->m->eng.now);
}

/* Write DD (and ERR) into every descriptor of the head job, retire it. */
static void
nic_tx_retire(struct nic_dma *nic, uint64_t now)
{
	struct nic_txjob *j = nic_txjob(nic, 0);

	/* Only a fetched job, its frame gone to the wire or freed. */
	assert(nic->tx_n > 0 && nic->tx_fetch > 0);
	assert(j->fetched && j->f == NULL);
	for (uint32_t i = 0; i < j->ndesc && !j->abandoned; i++) {
		struct dmanic_txdesc *d = nic_txdesc(nic,
		    nic_ring_add(j->first, i, nic->tdlen));

		d->td_status = DMANIC_TXS_DD | (j->error ? DMANIC_TXS_ERR : 0);
		sim_lines_device_write(&nic->host->lines, d, sizeof(*d));
		nic_dma_access(nic, &d->td_status, sizeof(d->td_status),
		    NIC_DMA_PUBLISH);
	}
	nic->tx_head = (nic->tx_head + 1) % DMANIC_TX_FIFO;
	nic->tx_n--;
	nic->tx_fetch--;
	if (!j->abandoned)
		nic_writeback(nic, DMANIC_INTR_TXDW, now);
}

/* Send fetched frames, in order, while the wire takes them. */
static void
nic_tx_pump(struct nic_dma *nic, uint64_t now)
{
	while (nic->tx_fetch > 0 && !nic_stopped(nic)) {
		struct nic_txjob *j = nic_txjob(nic, 0);

		if (j->abandoned || j->error) {
			if (!j->abandoned)
				nic->stat[DMANIC_STAT_TX_ERRORS]++;
		} else {
			struct sim_frame *f = j->f;
			uint64_t pkt_id = f->pkt_id;
			uint32_t len = f->len;
			int r;

			if (nic->obs != NULL && nic->port != NULL &&
			    sim_port_tx_params(nic->port) != NULL &&
			    !sim_port_tx_busy(nic->port))
				nic->obs(nic->obs_arg, nic->dev,
				    SIM_NIC_DMA_TX_WIRE, f->data, len, now);
			r = nic->port != NULL ? sim_port_send(nic->port, f) :
			    ENOTCONN;

			if (r == EBUSY)
				return;         /* tx_ready pumps again */
			if (r == ENOTCONN) {
				sim_frame_free(j->f);
				nic->stat[DMANIC_STAT_TX_NO_LINK]++;
			} else {
				nic->stat[DMANIC_STAT_TX_FRAMES]++;
				nic->stat[DMANIC_STAT_TX_BYTES] += len;
				if (nic->m->tracing)
					sim_trace_packet(nic->m, pkt_id,
					    "wire_tx", nic->host, -1, now, 0);
			}
			j->f = NULL;
		}
		nic_tx_retire(nic, now);
	}
	if (nic->tdh != nic->tdt)       /* else nic_tx_start has nothing */
		nic_tx_start(nic, now);
}

static void
nic_tx_ready(struct sim_port *port, uint64_t t)
{
	struct nic_dma *nic = port->softc;

	/*
	 * The wire is free after every frame: mostly nothing fetched waits
	 * for it and nothing new is posted, and nic_tx_pump would do
	 * nothing (one test here instead of two calls).
	 */
	if (nic->tx_fetch == 0 && nic->tdh == nic->tdt)
		return;
	nic_tx_pump(nic, t);
}

static const struct sim_port_ops nic_port_ops = {
	.rx = nic_rx,
	.tx_ready = nic_tx_ready,
};

/* --- registers ------------------------------------------------------------------ */

/* Receive stops: frames in flight will not be written. */
static void
nic_rx_abandon(struct nic_dma *nic)
{
	for (struct sim_frame *f = nic->rx_head; f != NULL; f = f->next)
		f->tag = NIC_VOID;
}

/* Transmit stops: frames taken will not be sent nor written back. */
static void
nic_tx_abandon(struct nic_dma *nic)
{
	for (uint32_t i = 0; i < nic->tx_n; i++) {
		struct nic_txjob *j = nic_txjob(nic, i);

		j->abandoned = true;
		sim_frame_free(j->f);
		j->f = NULL;
	}
}

/* Power-on and CTRL_RST: everything in flight is abandoned. */
static void
nic_reset(struct nic_dma *nic, uint64_t now)
{
	nic_rx_abandon(nic);
	nic_tx_abandon(nic);
	nic->ctrl = 0;
	nic->icr = 0;
	nic->ims = 0;
	nic->itr_frames = 1;
	nic->itr_ns = 0;
	nic->rxbufsz = 2048;
	memcpy(nic->mac, nic->dev->mac, 6);
	nic->rdba = nic->tdba = 0;
	nic->rdlen = nic->rdh = nic->rdt = 0;
	nic->tdlen = nic->tdh = nic->tdt = 0;
	nic->pending = 0;
	nic->fired = false;
	nic->timer_seq = 0;
	nic_line(nic, now);
}

static const char *const nic_stat_names[DMANIC_NSTATS] = {
	[DMANIC_STAT_RX_FRAMES] = "rx_frames",
	[DMANIC_STAT_RX_BYTES] = "rx_bytes",
	[DMANIC_STAT_TX_FRAMES] = "tx_frames",
	[DMANIC_STAT_TX_BYTES] = "tx_bytes",
	[DMANIC_STAT_RX_RING_FULL] = "drops_ring_full",
	[DMANIC_STAT_RX_MAC_FILTER] = "drops_mac_filter",
	[DMANIC_STAT_RX_TOO_LONG] = "drops_too_long",
	[DMANIC_STAT_RX_OFF] = "drops_rx_off",
	[DMANIC_STAT_TX_NO_LINK] = "tx_drops_no_link",
	[DMANIC_STAT_TX_ERRORS] = "tx_errors",
	[DMANIC_STAT_INTRS] = "intrs",
	[DMANIC_STAT_DMA_XFERS] = "dma_transfers",
};

/* A register's size: 8 for the 64-bit ones, else 4. */
static int
nic_reg_size(bus_size_t off)
{
	if (off == DMANIC_RDBA || off == DMANIC_TDBA ||
	    (off >= DMANIC_STAT(0) && off < DMANIC_REGS_SIZE))
		return 8;
	return 4;
}

static uint64_t
nic_read(struct device *dev, bus_size_t off, int size)
{
	struct nic_dma *nic = dev->model;
	uint64_t now = sim_device_now(dev), v;

	if (size != nic_reg_size(off)) {
		nic_fault(nic, "%d-byte read of register %#llx", size,
		    (unsigned long long)off);
		return 0;
	}
	switch (off) {
	case DMANIC_CTRL:       return nic->ctrl;
	case DMANIC_STATUS:
		return nic->port != NULL && sim_port_tx_params(nic->port) ?
		    DMANIC_STATUS_LINK : 0;
	case DMANIC_ICR:
		v = nic->icr;
		nic->icr = 0;
		nic->fired = false;
		nic->pending = 0;
		nic->timer_seq = 0;
		nic_line(nic, now);
		return v;
	case DMANIC_IMS:        return nic->ims;
	case DMANIC_ITR_FRAMES: return nic->itr_frames;
	case DMANIC_ITR_NS:     return nic->itr_ns;
	case DMANIC_RXBUFSZ:    return nic->rxbufsz;
	case DMANIC_RAL:
		return (uint32_t)nic->mac[0] | (uint32_t)nic->mac[1] << 8 |
		    (uint32_t)nic->mac[2] << 16 | (uint32_t)nic->mac[3] << 24;
	case DMANIC_RAH:
		return (uint32_t)nic->mac[4] | (uint32_t)nic->mac[5] << 8;
	case DMANIC_RDBA:       return nic->rdba;
	case DMANIC_RDLEN:      return nic->rdlen;
	case DMANIC_RDH:        return nic->rdh;
	case DMANIC_RDT:        return nic->rdt;
	case DMANIC_TDBA:       return nic->tdba;
	case DMANIC_TDLEN:      return nic->tdlen;
	case DMANIC_TDH:        return nic->tdh;
	case DMANIC_TDT:        return nic->tdt;
	}
	if (off >= DMANIC_STAT(0) && off < DMANIC_REGS_SIZE &&
	    (off - DMANIC_STAT(0)) % 8 == 0)
		return nic->stat[(off - DMANIC_STAT(0)) / 8];
	nic_fault(nic, "read of register %#llx: no such register",
	    (unsigned long long)off);
	return 0;
}

/* A ring's base and size: the ring must lie in host memory. */
static bool
nic_ring_ok(struct nic_dma *nic, struct nic_spans *sp, uint64_t base,
    uint32_t len, const char *what)
{
	if (len < DMANIC_RING_MIN || len > DMANIC_RING_MAX) {
		nic_fault(nic, "%s of %u descriptors (the card takes %d to %d)",
		    what, len, DMANIC_RING_MIN, DMANIC_RING_MAX);
		return false;
	}
	if (base % 16 != 0) {
		nic_fault(nic, "%s at %#llx is not 16-byte aligned", what,
		    (unsigned long long)base);
		return false;
	}
	return nic_mem(nic, sp, base,
	    (uint64_t)len * sizeof(struct dmanic_rxdesc), what) != NULL;
}

static void
nic_write_ctrl(struct nic_dma *nic, uint32_t v, uint64_t now)
{
	const uint32_t en = DMANIC_CTRL_RXEN | DMANIC_CTRL_TXEN;

	if (v & DMANIC_CTRL_RST) {
		nic_reset(nic, now);
		return;
	}
	if ((v & DMANIC_CTRL_RXEN) &&
	    !nic_ring_ok(nic, &nic->rx_spans, nic->rdba, nic->rdlen,
	    "rx ring"))
		return;
	if ((v & DMANIC_CTRL_TXEN) &&
	    !nic_ring_ok(nic, &nic->tx_spans, nic->tdba, nic->tdlen,
	    "tx ring"))
		return;
	if ((nic->ctrl & DMANIC_CTRL_RXEN) && !(v & DMANIC_CTRL_RXEN))
		nic_rx_abandon(nic);
	if ((nic->ctrl & DMANIC_CTRL_TXEN) && !(v & DMANIC_CTRL_TXEN))
		nic_tx_abandon(nic);
	nic->ctrl = v & (en | DMANIC_CTRL_PROMISC);
	/* What nic_rxdesc and nic_txdesc rely on. */
	assert(!(nic->ctrl & DMANIC_CTRL_RXEN) ||
	    (nic->rdba != 0 && nic->rdlen >= DMANIC_RING_MIN));
	assert(!(nic->ctrl & DMANIC_CTRL_TXEN) ||
	    (nic->tdba != 0 && nic->tdlen >= DMANIC_RING_MIN));
	nic_tx_start(nic, now);
}

/* A ring index register: below the ring's size. */
static bool
nic_index_ok(struct nic_dma *nic, uint64_t v, uint32_t len, const char *what)
{
	if (v < len)
		return true;
	nic_fault(nic, "%s set to %llu in a ring of %u descriptors", what,
	    (unsigned long long)v, len);
	return false;
}

/* A ring register written while its direction runs: a driver bug. */
static bool
nic_ring_busy(struct nic_dma *nic, uint32_t en, const char *reg)
{
	if (!(nic->ctrl & en))
		return false;
	nic_fault(nic, "%s written while %s is enabled", reg,
	    en == DMANIC_CTRL_RXEN ? "receive" : "transmit");
	return true;
}

/* What a register write did. */
enum nic_wr { NIC_WR_OK, NIC_WR_RANGE, NIC_WR_NONE };

/* The ring registers. */
static enum nic_wr
nic_write_ring(struct nic_dma *nic, bus_size_t off, uint64_t v, uint64_t now)
{
	bool rx = off < DMANIC_TDBA;
	uint32_t en = rx ? DMANIC_CTRL_RXEN : DMANIC_CTRL_TXEN;

	switch (off) {
	case DMANIC_RDBA:
	case DMANIC_TDBA:
		if (!nic_ring_busy(nic, en, rx ? "RDBA" : "TDBA"))
			*(rx ? &nic->rdba : &nic->tdba) = v;
		return NIC_WR_OK;
	case DMANIC_RDLEN:
	case DMANIC_TDLEN:
		if (nic_ring_busy(nic, en, rx ? "RDLEN" : "TDLEN"))
			return NIC_WR_OK;
		if (v < DMANIC_RING_MIN || v > DMANIC_RING_MAX)
			return NIC_WR_RANGE;
		if (rx) {
			nic->rdlen = (uint32_t)v;
			nic->rdh = nic->rdt = 0;
		} else {
			nic->tdlen = (uint32_t)v;
			nic->tdh = nic->tdt = 0;
		}
		return NIC_WR_OK;
	case DMANIC_RDT:
		if (nic_index_ok(nic, v, nic->rdlen, "RDT")) {
			nic_trace_returned(nic, (uint32_t)v);
			nic->rdt = (uint32_t)v;
		}
		return NIC_WR_OK;
	case DMANIC_TDT:
		if (!nic_index_ok(nic, v, nic->tdlen, "TDT"))
			return NIC_WR_OK;
		nic->tdt = (uint32_t)v;
		if (nic->obs != NULL)
			nic->obs(nic->obs_arg, nic->dev, SIM_NIC_DMA_DOORBELL,
			    NULL, 0, now);
		nic_tx_start(nic, now);
		return NIC_WR_OK;
	}
	return NIC_WR_NONE;
}

/* Everything but the rings. */
static enum nic_wr
nic_write_misc(struct nic_dma *nic, bus_size_t off, uint64_t v, uint64_t now)
{
	switch (off) {
	case DMANIC_CTRL:
		nic_write_ctrl(nic, (uint32_t)v, now);
		return NIC_WR_OK;
	case DMANIC_IMS:
	case DMANIC_IMC:
		if (off == DMANIC_IMS)
			nic->ims |= (uint32_t)v;
		else
			nic->ims &= ~(uint32_t)v;
		nic_line(nic, now);
		return NIC_WR_OK;
	case DMANIC_ITR_FRAMES:
		if (v < 1 || v > DMANIC_ITR_FRAMES_MAX)
			return NIC_WR_RANGE;
		nic->itr_frames = (uint32_t)v;
		return NIC_WR_OK;
	case DMANIC_ITR_NS:
		nic->itr_ns = (uint32_t)v;
		return NIC_WR_OK;
	case DMANIC_RXBUFSZ:
		if (v < DMANIC_RXBUFSZ_MIN || v > DMANIC_RXBUFSZ_MAX)
			return NIC_WR_RANGE;
		nic->rxbufsz = (uint32_t)v;
		return NIC_WR_OK;
	case DMANIC_RAL:
		for (int i = 0; i < 4; i++)
			nic->mac[i] = (uint8_t)(v >> (8 * i));
		return NIC_WR_OK;
	case DMANIC_RAH:
		nic->mac[4] = (uint8_t)v;
		nic->mac[5] = (uint8_t)(v >> 8);
		return NIC_WR_OK;
	}
	return NIC_WR_NONE;
}

static void
nic_write(struct device *dev, bus_size_t off, uint64_t v, int size)
{
	struct nic_dma *nic = dev->model;
	uint64_t now = sim_device_now(dev);
	enum nic_wr r;

	if (size != nic_reg_size(off)) {
		nic_fault(nic, "%d-byte write of register %#llx", size,
		    (unsigned long long)off);
		return;
	}
	r = off >= DMANIC_RDBA && off < DMANIC_STAT(0) ?
	    nic_write_ring(nic, off, v, now) : nic_write_misc(nic, off, v, now);
	if (r == NIC_WR_NONE)
		nic_fault(nic, "write of %#llx to register %#llx: no such "
		    "register, or read-only", (unsigned long long)v,
		    (unsigned long long)off);
	else if (r == NIC_WR_RANGE)
		nic_fault(nic, "write of %llu to register %#llx: out of the "
		    "card's range", (unsigned long long)v,
		    (unsigned long long)off);
}

/* --- the device ------------------------------------------------------------------ */

static void
nic_sample(struct device *dev, uint64_t t)
{
	struct nic_dma *nic = dev->model;
	struct sim_machine *m = nic->m;
	char name[SC_NAME_MAX + 32];

	if (m->rec == NULL || !m->sc->record.counters)
		return;
	for (int i = 0; i < DMANIC_NSTATS; i++) {
		if (nic->stat_recorded && nic->stat_last[i] == nic->stat[i])
			continue;
		nic->stat_last[i] = nic->stat[i];
		snprintf(name, sizeof(name), "nic.%s.%s", nic->name,
		    nic_stat_names[i]);
		sim_record_counter(m->rec, name, nic->host->sc->name, -1, t,
		    (int64_t)nic->stat[i]);
	}
	nic->stat_recorded = true;
}

static void
nic_fini(struct device *dev)
{
	struct nic_dma *nic = dev->model;

	if (nic != NULL)
		free(nic->trace);
	free(dev->model);
	dev->model = NULL;
}

/* Forget the first k frames noted. */
static void
nic_trace_drop(struct nic_dma *nic, uint32_t k)
{
	assert(k <= nic->trace_n);      /* else a huge memmove */
	if (k == 0)
		return;
	nic->trace_n -= k;
	memmove(nic->trace->ids, nic->trace->ids + k,
	    nic->trace_n * sizeof(nic->trace->ids[0]));
	memmove(nic->trace->t, nic->trace->t + k,
	    nic->trace_n * sizeof(nic->trace->t[0]));
	memmove(nic->trace->desc, nic->trace->desc + k,
	    nic->trace_n * sizeof(nic->trace->desc[0]));
}

/*
 * The driver hands descriptors [rdt, new_rdt) back: it has harvested the
 * frames in them, so no later interrupt announces those (the ones an
 * interrupt announced are gone from the list already).
 */
static void
nic_trace_returned(struct nic_dma *nic, uint32_t new_rdt)
{
	uint32_t back, k = 0;

	assert(nic->rdt < nic->rdlen && new_rdt < nic->rdlen);
	back = (new_rdt + nic->rdlen - nic->rdt) % nic->rdlen;
	while (k < nic->trace_n &&
	    (nic->trace->desc[k] + nic->rdlen - nic->rdt) % nic->rdlen < back)
		k++;
	nic_trace_drop(nic, k);
}

/*
 * The CPU took the line at t (its clock): the frames it announces reach
 * stage "intr" -- those written back by t whose descriptor still holds
 * them, not yet harvested (the driver clears the status when it takes a
 * frame; a poll that ran while the line was masked may have taken some
 * already).  A frame written back after t by the clock (CPUs and
 * devices interleave within the tie window) waits for the next
 * interrupt.  The model looks at the descriptors for its own
 * bookkeeping: no DMA, no time.
 */
static void
nic_intr_taken(struct device *dev, int cpu, uint64_t t)
{
	struct nic_dma *nic = dev->model;
	uint32_t i;

	for (i = 0; i < nic->trace_n && nic->trace->t[i] <= t; i++) {
		const struct dmanic_rxdesc *d;

		if (nic->rdba == 0 || nic->trace->desc[i] >= nic->rdlen) {
			nic->trace_n = 0;       /* the ring was reset */
			return;
		}
		d = nic_rxdesc(nic, nic->trace->desc[i]);
		if ((d->rd_status & DMANIC_RXS_DD) != 0 &&
		    d->rd_tag == nic->trace->ids[i])
			sim_trace_packet(nic->m, nic->trace->ids[i], "intr",
			    nic->host, cpu, t, 0);
	}
	nic_trace_drop(nic, i);
}

static const struct sim_device_ops nic_dma_ops = {
	.model = "dmanic",
	.read = nic_read,
	.write = nic_write,
	.sample = nic_sample,
	.intr_taken = nic_intr_taken,
	.fini = nic_fini,
};

static struct device *
nic_dma_create(struct sim_host *h, const struct sc_nic *n,
    const struct device_config *cfg, struct sim_port *port)
{
	/* Line-aligned, as its layout assumes (struct nic_dma). */
	struct nic_dma *nic = aligned_alloc(64, sizeof(*nic));

	assert(n->dma_rate_bps > 0);    /* nic_dma divides by it */
	if (nic == NULL)
		return NULL;
	memset(nic, 0, sizeof(*nic));
	nic->host = h;
	nic->m = h->m;
	nic->port = port;
	snprintf(nic->name, sizeof(nic->name), "%s", n->name);
	nic->dma_latency_ns = n->dma_latency_ns;
	nic->dma_rate_bps = n->dma_rate_bps;
	nic->dev = sim_device_add(h, &nic_dma_ops, n->name, n->mac, cfg, nic);
	if (nic->dev == NULL) {
		free(nic);
		return NULL;
	}
	nic_reset(nic, 0);
	if (port != NULL)
		sim_port_attach(port, &nic_port_ops, nic, 0);
	return nic->dev;
}

int
sim_nic_dma_add_delay(struct device *dev, struct sim_nic_delay *d)
{
	struct nic_dma *nic = dev->model;

	assert(dev->ops == &nic_dma_ops);
	assert(d->start_ns < d->end_ns && d->delay_ns > 0);
	if (nic->ndelays == SIM_NIC_DELAYS_MAX)
		return -1;
	nic->delays[nic->ndelays++] = d;
	return 0;
}

void
sim_nic_dma_raise(struct device *dev, uint64_t t)
{
	struct nic_dma *nic = dev->model;

	assert(dev->ops == &nic_dma_ops);
	assert(nic->m->running == NULL);
	nic->icr |= DMANIC_INTR_RXT;
	nic_fire(nic, t);
}

void
sim_nic_dma_observe(struct device *dev, sim_nic_dma_observer_fn fn, void *arg)
{
	struct nic_dma *nic = dev->model;

	assert(dev->ops == &nic_dma_ops);
	nic->obs = fn;
	nic->obs_arg = arg;
}

const struct sim_nic_model sim_nic_dma = {
	.type = SC_NIC_DMA,
	.create = nic_dma_create,
};
