/*
 * nic_pio.c -- the model of the "pionic" programmed-I/O card
 * (stack/dev/pionicreg.h is its datasheet).
 *
 * The one idea: the card is a FIFO of whole frames between the port and
 * the registers.  Frames from the wire go in at the time their last bit
 * arrives (an engine event); the driver takes them out word by word at its
 * CPU's clock (register accesses, device.c).  Because the machine runs
 * every event due before a CPU's clock before that CPU's next access, the
 * driver always sees exactly the frames that have arrived by its own time.
 *
 * The FIFO holds fifo bytes (the NIC's "fifo" key); a frame costs
 * PIONIC_FIFO_ENTRY(len) of them and one that does not fit is dropped and
 * counted -- the card never blocks the wire.  Transmit has a one-frame
 * buffer: a frame committed while the wire is busy waits there and goes
 * out when the wire frees; one committed while that buffer is full is
 * dropped and counted (tx_busy).  A NIC on no link drops what it sends
 * (tx_nolink).
 *
 * Counters (sampled as nic.<name>.<counter> with the host's name): every
 * frame the link delivers ends in exactly one of rx_frames (into the
 * FIFO), fifo_overflow, filtered or rx_disabled; every frame in the FIFO
 * leaves it by rx_done (the driver's RXDONE).  fifo_hw is the most bytes
 * the FIFO ever held.  Nothing here reads a clock other than the machine's
 * or orders anything by pointer.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sys/ks_device.h"
#include "sim/sched/machine.h"
#include "sim/nic/nic.h"
#include "sim/record/record.h"
#include "stack/dev/pionicreg.h"

/* TXLEN takes at most the buffer: more than a frame holds would abort. */
_Static_assert(PIONIC_TXBUF_BYTES <= SIM_FRAME_BYTES_MAX,
    "a committed frame fits a frame of the pool");

struct nic_pio_counters {
	uint64_t rx_frames, rx_bytes;   /* put in the FIFO */
	uint64_t fifo_overflow;         /* dropped: no room in the FIFO */
	uint64_t filtered;              /* dropped: another station's */
	uint64_t rx_disabled;           /* dropped: CTRL.RXEN clear */
	uint64_t rx_done;               /* taken out of the FIFO (RXDONE) */
	uint64_t rx_overread;           /* RXDATA reads past a frame or FIFO */
	uint64_t fifo_hw;               /* most bytes the FIFO held */
	uint64_t tx_frames, tx_bytes;   /* handed to the wire */
	uint64_t tx_busy;               /* dropped: transmit buffer full */
	uint64_t tx_nolink;             /* dropped: the NIC is on no link */
	uint64_t tx_bad;                /* bad TXLEN or TXDATA overrun */
	uint64_t tx_nobuf;              /* the frame pool refused */
};

struct nic_pio {
	struct device *dev;             /* c */
	struct sim_port *port;          /* c */
	uint64_t fifo_bytes;            /* c */

	struct sim_frame *rx_head;      /* the FIFO, oldest first */
	struct sim_frame *rx_tail;
	uint32_t rx_count;              /* frames in the FIFO */
	uint64_t fifo_used;             /* bytes, by PIONIC_FIFO_ENTRY */
	uint32_t rx_off;                /* bytes of the head frame read */

	uint8_t tx_buf[PIONIC_TXBUF_BYTES];     /* the frame being written */
	uint32_t tx_fill;               /* bytes written to it */
	struct sim_frame *tx_wait;      /* committed, waiting for the wire */
	bool tx_cause;                  /* ICR.TX latch */

	uint32_t imr, ctrl;
	struct nic_pio_counters c;
};

static uint32_t
pio_icr(const struct nic_pio *p)
{
	return (p->rx_head != NULL ? PIONIC_INTR_RX : 0) |
	    (p->tx_cause ? PIONIC_INTR_TX : 0);
}

/* The line follows (ICR & IMR): level-triggered. */
static void
pio_irq_update(struct nic_pio *p, uint64_t t)
{
	sim_irq_set(p->dev, (pio_icr(p) & p->imr) != 0, t);
}

/* --- receive -------------------------------------------------------------- */

static bool
pio_accepts(const struct nic_pio *p, const struct sim_frame *f)
{
	const uint8_t *dst = sim_frame_dst(f);

	return (p->ctrl & PIONIC_CTRL_PROMISC) != 0 ||
	    sim_ether_is_group(dst) ||
	    memcmp(dst, p->dev->mac, SIM_ETHER_ADDR_LEN) == 0;
}

static void
pio_port_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct nic_pio *p = port->softc;
	uint64_t need = PIONIC_FIFO_ENTRY((uint64_t)f->len);

	assert(f->next == NULL && port == p->port);
	assert((p->rx_head == NULL) == (p->rx_count == 0));
	if ((p->ctrl & PIONIC_CTRL_RXEN) == 0) {
		p->c.rx_disabled++;
		sim_frame_free(f);
		return;
	}
	if (!pio_accepts(p, f)) {
		p->c.filtered++;
		sim_frame_free(f);
		return;
	}
	if (p->fifo_used + need > p->fifo_bytes) {
		p->c.fifo_overflow++;
		sim_frame_free(f);
		return;
	}
	if (p->rx_tail != NULL)
		p->rx_tail->next = f;
	else
		p->rx_head = f;
	p->rx_tail = f;
	p->rx_count++;
	p->fifo_used += need;
	assert(p->fifo_used <= p->fifo_bytes);
	if (p->fifo_used > p->c.fifo_hw)
		p->c.fifo_hw = p->fifo_used;
	p->c.rx_frames++;
	p->c.rx_bytes += f->len;
	pio_irq_update(p, t);
}

/* RXDATA: the next four bytes of the head frame, zeros past its end. */
static uint32_t
pio_rx_word(struct nic_pio *p)
{
	struct sim_frame *f = p->rx_head;
	uint8_t b[4] = { 0, 0, 0, 0 };
	uint32_t w;

	if (f == NULL || p->rx_off >= f->len) {
		p->c.rx_overread++;
		return 0;
	}
	memcpy(b, f->data + p->rx_off, MIN(4u, f->len - p->rx_off));
	p->rx_off += 4;
	memcpy(&w, b, 4);
	return w;
}

/* RXDONE: the head frame leaves the FIFO. */
static void
pio_rx_done(struct nic_pio *p, uint64_t t)
{
	struct sim_frame *f = p->rx_head;

	if (f == NULL)
		return;
	p->rx_head = f->next;
	if (p->rx_head == NULL)
		p->rx_tail = NULL;
	f->next = NULL;
	assert(p->rx_count > 0);
	p->rx_count--;
	assert(p->fifo_used >= PIONIC_FIFO_ENTRY((uint64_t)f->len));
	p->fifo_used -= PIONIC_FIFO_ENTRY((uint64_t)f->len);
	assert((p->rx_head == NULL) == (p->rx_count == 0));
	assert(p->rx_head != NULL || p->fifo_used == 0);   /* the books add up */
	p->rx_off = 0;
	p->c.rx_done++;
	sim_frame_free(f);
	pio_irq_update(p, t);
}

/* --- transmit ------------------------------------------------------------- */

static void
pio_tx_sent(struct nic_pio *p, uint32_t len)
{
	p->c.tx_frames++;
	p->c.tx_bytes += len;
}

static void
pio_port_tx_ready(struct sim_port *port, uint64_t t)
{
	struct nic_pio *p = port->softc;
	struct sim_frame *f = p->tx_wait;
	uint32_t len;
	int error;

	if (f == NULL)
		return;
	len = f->len;
	p->tx_wait = NULL;
	error = sim_port_send(port, f);
	assert(error == 0);     /* only this card sends on its port */
	(void)error;
	pio_tx_sent(p, len);
	p->tx_cause = true;
	pio_irq_update(p, t);
}

/* TXLEN: send the frame written so far, or keep it for the wire. */
static void
pio_tx_commit(struct nic_pio *p, uint32_t len)
{
	uint32_t fill = p->tx_fill;
	struct sim_frame *f;
	int error;

	assert(fill <= sizeof(p->tx_buf));      /* so len <= fill is in it */
	p->tx_fill = 0;
	if (len < SIM_ETHER_HDR_LEN || len > fill) {
		p->c.tx_bad++;
		return;
	}
	if (p->tx_wait != NULL) {
		p->c.tx_busy++;
		return;
	}
	if ((f = sim_port_frame_alloc(p->port, len)) == NULL) {
		p->c.tx_nobuf++;
		return;
	}
	assert(len <= f->cap);
	memcpy(f->data, p->tx_buf, len);
	f->len = len;
	error = sim_port_send(p->port, f);
	if (error == 0) {
		pio_tx_sent(p, len);
	} else if (error == EBUSY) {
		p->tx_wait = f;
	} else {
		p->c.tx_nolink++;
		sim_frame_free(f);
	}
}

static void
pio_tx_word(struct nic_pio *p, uint32_t w)
{
	if (p->tx_fill + 4 > sizeof(p->tx_buf)) {
		p->c.tx_bad++;
		return;
	}
	memcpy(p->tx_buf + p->tx_fill, &w, 4);
	p->tx_fill += 4;
}

/* --- registers ------------------------------------------------------------ */

static uint32_t
pio_stat(const struct nic_pio *p, bus_size_t off)
{
	switch (off) {
	case PIONIC_STAT_RX_FRAMES:     return (uint32_t)p->c.rx_frames;
	case PIONIC_STAT_RX_OVERFLOW:   return (uint32_t)p->c.fifo_overflow;
	case PIONIC_STAT_RX_FILTERED:   return (uint32_t)p->c.filtered;
	case PIONIC_STAT_RX_DISABLED:   return (uint32_t)p->c.rx_disabled;
	case PIONIC_STAT_TX_FRAMES:     return (uint32_t)p->c.tx_frames;
	case PIONIC_STAT_TX_BUSY:       return (uint32_t)p->c.tx_busy;
	default:                        return 0xffffffffu;
	}
}

static uint64_t
card_reg_read(struct device *dev, bus_size_t off, int size)
{
	struct nic_pio *p = dev->model;
	const uint8_t *mac = dev->mac;
	uint32_t v;

	(void)size;
	switch (off) {
	case PIONIC_STATUS:
		return (p->rx_head != NULL ? PIONIC_STATUS_RXRDY : 0) |
		    (p->tx_wait == NULL ? PIONIC_STATUS_TXRDY : 0);
	case PIONIC_RXLEN:
		return p->rx_head != NULL ? p->rx_head->len : 0;
	case PIONIC_RXDATA:
		return pio_rx_word(p);
	case PIONIC_IMR:
		return p->imr;
	case PIONIC_ICR:
		v = pio_icr(p);
		p->tx_cause = false;
		pio_irq_update(p, sim_device_now(dev));
		return v;
	case PIONIC_CTRL:
		return p->ctrl;
	case PIONIC_FIFOSZ:
		return (uint32_t)p->fifo_bytes;
	case PIONIC_MAC0:
		return (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
		    (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	case PIONIC_MAC1:
		return (uint32_t)mac[4] | (uint32_t)mac[5] << 8;
	case PIONIC_RXCOUNT:
		return p->rx_count;
	default:
		/* Statistics, or nothing there: all ones, as on a real bus. */
		return pio_stat(p, off);
	}
}

static void
card_reg_write(struct device *dev, bus_size_t off, uint64_t v, int size)
{
	struct nic_pio *p = dev->model;

	(void)size;
	switch (off) {
	case PIONIC_RXDONE:
		pio_rx_done(p, sim_device_now(dev));
		break;
	case PIONIC_TXDATA:
		pio_tx_word(p, (uint32_t)v);
		break;
	case PIONIC_TXLEN:
		pio_tx_commit(p, (uint32_t)v);
		break;
	case PIONIC_IMR:
		p->imr = (uint32_t)v & (PIONIC_INTR_RX | PIONIC_INTR_TX);
		pio_irq_update(p, sim_device_now(dev));
		break;
	case PIONIC_CTRL:
		p->ctrl = (uint32_t)v & (PIONIC_CTRL_RXEN | PIONIC_CTRL_PROMISC);
		break;
	default:
		break;          /* read-only or nothing there: ignored */
	}
}

/* --- the device ----------------------------------------------------------- */

static void
pio_sample(struct device *dev, uint64_t t)
{
	struct nic_pio *p = dev->model;
	struct sim_machine *m = dev->host->m;
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "rx_frames", p->c.rx_frames },
		{ "rx_bytes", p->c.rx_bytes },
		{ "fifo_overflow", p->c.fifo_overflow },
		{ "filtered", p->c.filtered },
		{ "rx_disabled", p->c.rx_disabled },
		{ "rx_done", p->c.rx_done },
		{ "rx_overread", p->c.rx_overread },
		{ "fifo_hw", p->c.fifo_hw },
		{ "tx_frames", p->c.tx_frames },
		{ "tx_bytes", p->c.tx_bytes },
		{ "tx_busy", p->c.tx_busy },
		{ "tx_nolink", p->c.tx_nolink },
		{ "tx_bad", p->c.tx_bad },
		{ "tx_nobuf", p->c.tx_nobuf },
	};
	char name[sizeof(dev->xname) + 32];

	if (m->rec == NULL || !m->sc->record.counters)
		return;
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		snprintf(name, sizeof(name), "nic.%s.%s", dev->xname, f[k].name);
		sim_record_counter(m->rec, name, dev->host->sc->name, -1, t,
		    (int64_t)f[k].v);
	}
}

static void
pio_fini(struct device *dev)
{
	struct nic_pio *p = dev->model;
	struct sim_frame *f, *next;

	for (f = p->rx_head; f != NULL; f = next) {
		next = f->next;
		f->next = NULL;
		sim_frame_free(f);
	}
	sim_frame_free(p->tx_wait);
	sim_port_detach(p->port);
	free(p);
}

static const struct sim_device_ops nic_pio_ops = {
	.model = "pionic",
	.read = card_reg_read,
	.write = card_reg_write,
	.sample = pio_sample,
	.fini = pio_fini,
};

static const struct sim_port_ops nic_pio_port_ops = {
	.rx = pio_port_rx,
	.tx_ready = pio_port_tx_ready,
	.tx_from_cpu = true,            /* pio_tx_commit: a TXLEN write */
};

static struct device *
nic_pio_create(struct sim_host *h, const struct sc_nic *n,
    const struct device_config *cfg, struct sim_port *port)
{
	struct nic_pio *p = calloc(1, sizeof(*p));

	assert(port != NULL && n->type == SC_NIC_PIO);
	if (p == NULL)
		return NULL;
	p->port = port;
	p->fifo_bytes = n->fifo_bytes;
	p->dev = sim_device_add(h, &nic_pio_ops, n->name, n->mac, cfg, p);
	if (p->dev == NULL) {
		free(p);
		return NULL;
	}
	sim_port_attach(port, &nic_pio_port_ops, p, 0);
	return p->dev;
}

const struct sim_nic_model sim_nic_pio = {
	.type = SC_NIC_PIO,
	.create = nic_pio_create,
};
