/*
 * switch.c -- the learning switch (the model is in switch.h).
 *
 * The one idea: every decision that reaches the wire is made from a
 * lookup by key or from port order, never from the order of the MAC
 * table's slots.  The table is open addressing with linear probing on a
 * hash of the 48-bit MAC; it is only ever walked whole to rebuild it
 * without its aged entries, which changes where entries sit but not what
 * any lookup answers.
 *
 * A frame in the switch is on exactly one list at a time, linked through
 * f->next: its ingress port's pipeline (waiting out the latency, one
 * event per frame, FIFO because the latency is the same for all) or an
 * egress port's output queue.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "sim/record/record.h"
#include "sim/wire/switch.h"
#include "sim/wire/topology.h"

struct sw_entry {
	uint64_t key;                   /* MAC | SW_USED, or 0: empty */
	uint64_t seen_ns;               /* last frame from it */
	unsigned port;
};

#define SW_USED (1ULL << 63)

struct sw_fifo {
	struct sim_frame *head, *tail;
	unsigned len;
};

struct sw_port {
	struct sim_port port;
	struct sim_switch *sw;
	struct sw_fifo pipe;            /* waiting out the latency */
	struct sw_fifo outq;            /* waiting for the transmitter */
	struct sim_switch_port_counters c;
};

struct sim_switch {
	struct sim_topology *topo;
	char name[SC_NAME_MAX];
	struct sim_switch_params p;
	struct sw_port *ports;
	struct sw_entry *table, *spare; /* spare: for rebuilding */
	unsigned table_bits;
	unsigned table_n;               /* entries in use, aged or not */
	struct sim_switch_counters c;
};

/* --- FIFOs ---------------------------------------------------------------- */

static void
fifo_put(struct sw_fifo *q, struct sim_frame *f)
{
	assert(f->next == NULL && !f->is_free);    /* on no other list */
	if (q->tail != NULL)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
	q->len++;
}

static struct sim_frame *
fifo_get(struct sw_fifo *q)
{
	struct sim_frame *f = q->head;

	assert(f != NULL && q->len > 0);
	q->head = f->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->len--;
	assert((q->head == NULL) == (q->len == 0));
	f->next = NULL;
	return f;
}

/* --- the MAC table ------------------------------------------------------- */

static unsigned
sw_slot(const struct sim_switch *sw, uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ULL) >> (64 - sw->table_bits));
}

/* The slot holding key, or the empty slot where it would go. */
static struct sw_entry *
sw_find(const struct sim_switch *sw, struct sw_entry *table, uint64_t key)
{
	unsigned mask = (1u << sw->table_bits) - 1;
	unsigned i = sw_slot(sw, key);

	/* At most half full: the probe always meets an empty slot. */
	while (table[i].key != 0 && table[i].key != key)
		i = (i + 1) & mask;
	return &table[i];
}

static bool
sw_live(const struct sim_switch *sw, const struct sw_entry *e, uint64_t t)
{
	return e->key != 0 &&
	    (sw->p.aging_ns == 0 || t - e->seen_ns < sw->p.aging_ns);
}

int
sim_switch_lookup(const struct sim_switch *sw, const uint8_t *mac,
    uint64_t t)
{
	const struct sw_entry *e = sw_find(sw, sw->table,
	    sim_ether_key(mac) | SW_USED);

	return sw_live(sw, e, t) ? (int)e->port : -1;
}

/* Rebuild the table without the entries aged out at t. */
static void
sw_sweep(struct sim_switch *sw, uint64_t t)
{
	size_t n = (size_t)1 << sw->table_bits;
	struct sw_entry *old = sw->table;

	memset(sw->spare, 0, n * sizeof(*sw->spare));
	sw->table = sw->spare;
	sw->spare = old;
	sw->table_n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!sw_live(sw, &old[i], t))
			continue;
		*sw_find(sw, sw->table, old[i].key) = old[i];
		sw->table_n++;
	}
}

static void
sw_learn(struct sim_switch *sw, const uint8_t *mac, unsigned port, uint64_t t)
{
	uint64_t key = sim_ether_key(mac) | SW_USED;
	struct sw_entry *e = sw_find(sw, sw->table, key);

	if (e->key == 0 && sw->table_n >= sw->p.table_max) {
		if (sw->p.aging_ns != 0)
			sw_sweep(sw, t);
		e = sw_find(sw, sw->table, key);
		if (sw->table_n >= sw->p.table_max) {
			sw->c.table_full++;
			return;
		}
	}
	if (e->key == 0) {
		e->key = key;
		e->port = port;
		sw->table_n++;
		sw->c.learned++;
		assert(sw->table_n <= sw->p.table_max);
	} else if (e->port != port) {
		if (sw_live(sw, e, t))
			sw->c.moved++;
		e->port = port;
	}
	e->seen_ns = t;
}

/* --- output --------------------------------------------------------------- */

/* Hand queued frames to the transmitter while it takes them. */
static void
sw_kick(struct sw_port *sp)
{
	while (sp->outq.len > 0 && !sim_port_tx_busy(&sp->port)) {
		struct sim_frame *f = fifo_get(&sp->outq);
		uint32_t len = f->len;
		int r = sim_port_send(&sp->port, f);

		assert(r == 0);
		sp->c.tx_frames++;
		sp->c.tx_bytes += len;
	}
}

static void
sw_enqueue(struct sw_port *sp, struct sim_frame *f)
{
	assert(sp->port.tx != NULL);
	if (sp->outq.len >= sp->sw->p.queue &&
	    (sp->outq.len > 0 || sim_port_tx_busy(&sp->port))) {
		sp->c.drops_queue++;
		sim_frame_free(f);
		return;
	}
	fifo_put(&sp->outq, f);
	sw_kick(sp);
	assert(sp->outq.len <= sp->sw->p.queue);   /* the frame sent not counted */
	if (sp->outq.len > sp->c.queue_hw)
		sp->c.queue_hw = sp->outq.len;
}

static void
sw_flood(struct sim_switch *sw, unsigned in, struct sim_frame *f)
{
	int last = -1;

	sw->c.flooded++;
	for (unsigned i = 0; i < sw->p.ports; i++)
		if (i != in && sw->ports[i].port.tx != NULL)
			last = (int)i;
	for (unsigned i = 0; i < sw->p.ports && (int)i < last; i++) {
		struct sim_frame *c;

		if (i == in || sw->ports[i].port.tx == NULL)
			continue;
		if ((c = sim_frame_copy(f)) == NULL) {
			sw->c.drops_nobuf++;
			continue;
		}
		sw_enqueue(&sw->ports[i], c);
	}
	if (last < 0)
		sim_frame_free(f);
	else
		sw_enqueue(&sw->ports[last], f);
}

/* Learn, look up, queue: the frame has waited out the latency. */
static void
sw_forward(struct sim_switch *sw, unsigned in, struct sim_frame *f,
    uint64_t t)
{
	const uint8_t *dst = sim_frame_dst(f);
	int out;

	if (!sim_ether_is_group(sim_frame_src(f)))
		sw_learn(sw, sim_frame_src(f), in, t);
	if (sim_ether_is_group(dst) ||
	    (out = sim_switch_lookup(sw, dst, t)) < 0) {
		sw_flood(sw, in, f);
		return;
	}
	assert((unsigned)out < sw->p.ports);      /* learnt from a port */
	if ((unsigned)out == in) {
		sw->c.filtered++;
		sim_frame_free(f);
		return;
	}
	sw_enqueue(&sw->ports[out], f);
}

/* --- port callbacks and events ------------------------------------------- */

static void
sw_latency_done(void *arg)
{
	struct sw_port *sp = arg;

	sw_forward(sp->sw, sp->port.index, fifo_get(&sp->pipe),
	    sp->sw->topo->m->eng.now);
}

static void
sw_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct sw_port *sp = port->softc;
	struct sim_switch *sw = sp->sw;

	sp->c.rx_frames++;
	sp->c.rx_bytes += f->len;
	if (sw->p.latency_ns == 0) {
		sw_forward(sw, port->index, f, t);
		return;
	}
	fifo_put(&sp->pipe, f);
	sim_machine_at(sw->topo->m, t + sw->p.latency_ns, sw_latency_done, sp);
}

static void
sw_tx_ready(struct sim_port *port, uint64_t t)
{
	(void)t;
	sw_kick(port->softc);
}

static const struct sim_port_ops sw_port_ops = {
	.rx = sw_rx,
	.tx_ready = sw_tx_ready,
};

/* --- life ------------------------------------------------------------------ */

struct sim_switch *
sim_switch_create(struct sim_topology *topo, const char *name,
    const struct sim_switch_params *p)
{
	struct sim_switch *sw;
	size_t slots;
	char pname[SIM_PORT_NAME_MAX];

	assert(p->ports >= 1 && p->ports <= SIM_SWITCH_PORTS_MAX);
	assert(p->table_max <= SIM_SWITCH_TABLE_MAX);
	if ((sw = calloc(1, sizeof(*sw))) == NULL)
		return NULL;
	sw->topo = topo;
	snprintf(sw->name, sizeof(sw->name), "%s", name);
	sw->p = *p;
	if (sw->p.table_max == 0)
		sw->p.table_max = SIM_SWITCH_TABLE_DEFAULT;
	sw->table_bits = 1;
	while ((1u << sw->table_bits) < 2 * sw->p.table_max)
		sw->table_bits++;
	slots = (size_t)1 << sw->table_bits;
	sw->ports = calloc(p->ports, sizeof(*sw->ports));
	sw->table = calloc(slots, sizeof(*sw->table));
	sw->spare = calloc(slots, sizeof(*sw->spare));
	if (sw->ports == NULL || sw->table == NULL || sw->spare == NULL ||
	    sim_topology_add_switch(topo, sw) != 0)
		goto fail;
	for (unsigned i = 0; i < p->ports; i++) {
		struct sw_port *sp = &sw->ports[i];

		snprintf(pname, sizeof(pname), "%s.%u", sw->name, i);
		sim_port_init(&sp->port, topo, pname);
		sp->sw = sw;
		sim_port_attach(&sp->port, &sw_port_ops, sp, i);
	}
	return sw;
fail:
	free(sw->ports);
	free(sw->table);
	free(sw->spare);
	free(sw);
	return NULL;
}

void
sim_switch_destroy(struct sim_switch *sw)
{
	if (sw == NULL)
		return;
	/* Frames still queued belong to the pool, which frees them. */
	free(sw->ports);
	free(sw->table);
	free(sw->spare);
	free(sw);
}

struct sim_port *
sim_switch_port(struct sim_switch *sw, unsigned i)
{
	assert(i < sw->p.ports);
	return &sw->ports[i].port;
}

unsigned
sim_switch_nports(const struct sim_switch *sw)
{
	return sw->p.ports;
}

const char *
sim_switch_name(const struct sim_switch *sw)
{
	return sw->name;
}

const struct sim_switch_counters *
sim_switch_counters(const struct sim_switch *sw)
{
	return &sw->c;
}

const struct sim_switch_port_counters *
sim_switch_port_counters(const struct sim_switch *sw, unsigned i)
{
	assert(i < sw->p.ports);
	return &sw->ports[i].c;
}

unsigned
sim_switch_queue_len(const struct sim_switch *sw, unsigned i)
{
	assert(i < sw->p.ports);
	return sw->ports[i].outq.len;
}

static void
sw_record(struct sim_recorder *rec, uint64_t t, int64_t v, const char *fmt,
    ...) __attribute__((__format__(__printf__, 4, 5)));

static void
sw_record(struct sim_recorder *rec, uint64_t t, int64_t v, const char *fmt,
    ...)
{
	char name[SIM_PORT_NAME_MAX + 48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	sim_record_counter(rec, name, NULL, -1, t, v);
}

void
sim_switch_sample(const struct sim_switch *sw, struct sim_recorder *rec,
    uint64_t t)
{
	const struct sim_switch_counters *c = &sw->c;
	const char *n = sw->name;

	sw_record(rec, t, (int64_t)c->learned, "switch.%s.learned", n);
	sw_record(rec, t, (int64_t)c->moved, "switch.%s.moved", n);
	sw_record(rec, t, (int64_t)c->flooded, "switch.%s.flooded", n);
	sw_record(rec, t, (int64_t)c->filtered, "switch.%s.filtered", n);
	sw_record(rec, t, (int64_t)c->drops_nobuf, "switch.%s.drops_nobuf", n);
	sw_record(rec, t, (int64_t)c->table_full, "switch.%s.table_full", n);
	for (unsigned i = 0; i < sw->p.ports; i++) {
		const struct sim_switch_port_counters *pc = &sw->ports[i].c;

		sw_record(rec, t, (int64_t)pc->rx_frames, "switch.%s.%u.rx_frames",
		    n, i);
		sw_record(rec, t, (int64_t)pc->rx_bytes, "switch.%s.%u.rx_bytes",
		    n, i);
		sw_record(rec, t, (int64_t)pc->tx_frames, "switch.%s.%u.tx_frames",
		    n, i);
		sw_record(rec, t, (int64_t)pc->tx_bytes, "switch.%s.%u.tx_bytes",
		    n, i);
		sw_record(rec, t, (int64_t)pc->drops_queue,
		    "switch.%s.%u.drops_queue", n, i);
		sw_record(rec, t, (int64_t)pc->queue_hw, "switch.%s.%u.queue_hw",
		    n, i);
	}
}
