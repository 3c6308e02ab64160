/*
 * bridge.c -- the device on a link's bridged end (see bridge.h).
 *
 * The one idea: frames from outside go through two FIFOs.  "Pending"
 * holds those injected for a virtual time not yet reached, each with an
 * event at its time; since injection times never go back, the event at
 * the head's time is the head's, and events at one time run in the
 * order they were scheduled, so the bridge needs no lookup.  "Ready"
 * holds those due while the transmitter was busy, sent one by one at
 * tx_ready.  Both are bounded; what does not fit is dropped and counted.
 *
 * Never: read a clock, or decide anything the injections did not say.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/record/record.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/wire/bridge.h"
#include "sim/wire/topology.h"

struct frame_fifo {
	struct sim_frame *head, *tail;
	unsigned n;
};

struct sim_bridge {
	char name[SC_NAME_MAX];         /* c: its link's */
	char tap[16];                   /* c: the TAP device's name */
	struct sim_topology *topo;      /* c */
	struct sim_port *port;          /* c: the link's bridged end */
	struct frame_fifo pending;      /* injected, not yet due */
	struct frame_fifo ready;        /* due, waiting for the transmitter */
	uint64_t last_t;                /* the latest injection time */
	struct sim_bridge_counters c;
	sim_bridge_out_fn out;
	void *out_arg;
};

static void
fifo_put(struct frame_fifo *q, struct sim_frame *f)
{
	assert(f->next == NULL);
	if (q->tail != NULL)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
	q->n++;
}

static struct sim_frame *
fifo_get(struct frame_fifo *q)
{
	struct sim_frame *f = q->head;

	if (f == NULL)
		return NULL;
	assert(q->n > 0);
	q->head = f->next;
	if (q->head == NULL)
		q->tail = NULL;
	f->next = NULL;
	q->n--;
	return f;
}

static void
fifo_free(struct frame_fifo *q)
{
	struct sim_frame *f;

	while ((f = fifo_get(q)) != NULL)
		sim_frame_free(f);
}

/*
 * The transmitter is free -- the caller asked sim_port_tx_busy (which,
 * had it been busy, would have armed tx_ready) -- so f goes onto the link.
 */
static void
bridge_xmit(struct sim_bridge *br, struct sim_frame *f)
{
	uint32_t len = f->len;
	int e;

	e = sim_port_send(br->port, f);
	assert(e == 0);         /* on its link, and the transmitter is free */
	(void)e;
	br->c.in_frames++;
	br->c.in_bytes += len;
}

/* A frame is due: onto the link, or behind those waiting for it. */
static void
bridge_send(struct sim_bridge *br, struct sim_frame *f)
{
	if (br->ready.n == 0 && !sim_port_tx_busy(br->port)) {
		bridge_xmit(br, f);
		return;
	}
	if (br->ready.n >= SIM_BRIDGE_QUEUE_MAX) {
		br->c.in_drops++;
		sim_frame_free(f);
		return;
	}
	fifo_put(&br->ready, f);
}

/* The head of pending is due now. */
static void
bridge_due(void *arg)
{
	struct sim_bridge *br = arg;
	struct sim_frame *f = fifo_get(&br->pending);

	assert(f != NULL);
	assert(f->tag == br->topo->m->eng.now);
	f->tag = 0;
	bridge_send(br, f);
}

static void
bridge_tx_ready(struct sim_port *port, uint64_t t)
{
	struct sim_bridge *br = port->softc;

	(void)t;
	/* The head of the line goes first; the next asks, to be told. */
	while (br->ready.n > 0 && !sim_port_tx_busy(br->port))
		bridge_xmit(br, fifo_get(&br->ready));
}

static void
bridge_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct sim_bridge *br = port->softc;

	br->c.out_frames++;
	br->c.out_bytes += f->len;
	if (br->out != NULL)
		br->out(br->out_arg, br, f, t);
	sim_frame_free(f);
}

static const struct sim_port_ops bridge_ops = {
	.rx = bridge_rx,
	.tx_ready = bridge_tx_ready,
};

struct sim_bridge *
sim_bridge_create(struct sim_topology *t, const char *name, const char *tap)
{
	struct sim_bridge *br;
	char pname[SIM_PORT_NAME_MAX];

	assert(strlen(tap) < sizeof(br->tap));
	if ((br = calloc(1, sizeof(*br))) == NULL)
		return NULL;
	snprintf(br->name, sizeof(br->name), "%s", name);
	snprintf(br->tap, sizeof(br->tap), "%s", tap);
	snprintf(pname, sizeof(pname), "tap.%s", tap);
	br->topo = t;
	if ((br->port = sim_topology_port_create(t, pname)) == NULL ||
	    sim_topology_add_bridge(t, br) != 0) {
		free(br);
		return NULL;
	}
	sim_port_attach(br->port, &bridge_ops, br, 0);
	return br;
}

void
sim_bridge_destroy(struct sim_bridge *br)
{
	if (br == NULL)
		return;
	fifo_free(&br->pending);
	fifo_free(&br->ready);
	free(br);
}

void
sim_bridge_set_out(struct sim_bridge *br, sim_bridge_out_fn fn, void *arg)
{
	br->out = fn;
	br->out_arg = arg;
}

int
sim_bridge_inject(struct sim_bridge *br, uint64_t t, const void *data,
    size_t len)
{
	struct sim_frame *f;

	assert(len >= SIM_ETHER_HDR_LEN && len <= SIM_FRAME_BYTES_MAX);
	assert(t >= br->last_t);        /* injections never go back */
	if (br->pending.n >= SIM_BRIDGE_QUEUE_MAX ||
	    (f = sim_port_frame_alloc(br->port, (uint32_t)len)) == NULL) {
		br->c.in_drops++;
		return -1;
	}
	memcpy(f->data, data, len);
	f->len = (uint32_t)len;
	f->tag = t;
	br->last_t = t;
	fifo_put(&br->pending, f);
	sim_machine_at(br->topo->m, t, bridge_due, br);
	return 0;
}

const char *
sim_bridge_name(const struct sim_bridge *br)
{
	return br->name;
}

const char *
sim_bridge_tap(const struct sim_bridge *br)
{
	return br->tap;
}

struct sim_port *
sim_bridge_port(struct sim_bridge *br)
{
	return br->port;
}

const struct sim_bridge_counters *
sim_bridge_counters(const struct sim_bridge *br)
{
	return &br->c;
}

void
sim_bridge_sample(const struct sim_bridge *br, struct sim_recorder *rec,
    uint64_t t)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "in_frames", br->c.in_frames },
		{ "in_bytes", br->c.in_bytes },
		{ "in_drops", br->c.in_drops },
		{ "out_frames", br->c.out_frames },
		{ "out_bytes", br->c.out_bytes },
	};
	char name[SC_NAME_MAX + 32];

	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		snprintf(name, sizeof(name), "bridge.%s.%s", br->name,
		    f[k].name);
		sim_record_counter(rec, name, NULL, -1, t, (int64_t)f[k].v);
	}
}
