/*
 * framegen.c -- the raw frame source and sink (see framegen.h).
 *
 * The one idea: one pump, run whenever something changes (the start, the
 * due timer, the transmitter coming free), that sends the waiting frame
 * if it can and makes the next one if it is due.  At most one frame
 * waits, and at most one timer is pending.  The due time is kept like
 * the link's transmitter: a whole nanosecond less a fraction in units of
 * 1/den, so the average rate is exact.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/record/record.h"
#include "sim/wire/topology.h"

#define NS_PER_S        1000000000ULL

struct sim_gen {
	struct sim_topology *topo;
	char name[SC_NAME_MAX];
	struct sim_gen_params p;
	struct sim_port *port;
	struct sim_rng rng;             /* "gen.<name>": Poisson gaps */
	bool started;
	bool stopped;                   /* on no link: nothing more to do */
	bool timer;                     /* a due event is pending */
	uint64_t made;                  /* frames made: the next's number */
	struct sim_pace pace;           /* when the next is due */
	struct sim_frame *waiting;      /* made, not yet taken by the link */
	struct sim_gen_counters c;
	sim_gen_rx_fn rx_fn;
	void *rx_arg;
};

static void gen_pump(struct sim_gen *, uint64_t now);

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t
sim_gen_frame_seq(const struct sim_frame *f)
{
	assert(f->len >= SIM_GEN_LEN_MIN);
	return get64(f->data + SIM_ETHER_HDR_LEN);
}

uint64_t
sim_gen_frame_made_ns(const struct sim_frame *f)
{
	assert(f->len >= SIM_GEN_LEN_MIN);
	return get64(f->data + SIM_ETHER_HDR_LEN + 8);
}

void
sim_pace_init(struct sim_pace *pc, uint64_t start_ns, uint64_t step,
    uint64_t den)
{
	assert(den > 0);
	*pc = (struct sim_pace){ .due_ns = start_ns, .step = step, .den = den };
}

void
sim_pace_advance(struct sim_pace *pc)
{
	__int128 num = (__int128)pc->step - pc->due_frac, q;

	q = num > 0 ? (num + pc->den - 1) / pc->den : 0;
	pc->due_ns += (uint64_t)q;
	pc->due_frac = (uint64_t)(q * pc->den - num);
	assert(pc->due_frac < pc->den);   /* less than a nanosecond owed */
}

/* The gap's fraction: from the rate asked for, or the link's. */
static void
gen_set_rate(struct sim_gen *g)
{
	const struct sim_link_params *lp = sim_port_tx_params(g->port);

	if (g->p.rate_pps != 0) {
		sim_pace_init(&g->pace, g->p.start_ns, NS_PER_S, g->p.rate_pps);
		return;
	}
	sim_pace_init(&g->pace, g->p.start_ns,
	    8 * (uint64_t)SIM_FRAME_WIRE_BYTES(g->p.frame_len) * NS_PER_S,
	    g->p.rate_bps != 0 ? g->p.rate_bps : lp != NULL ? lp->rate_bps : 1);
}

/* Move the due time one gap on. */
static void
gen_advance(struct sim_gen *g)
{
	if (g->p.poisson) {
		g->pace.due_ns += sim_rng_exp(&g->rng, (double)g->pace.step /
		    (double)g->pace.den);
		g->pace.due_frac = 0;
		return;
	}
	sim_pace_advance(&g->pace);
}

struct sim_frame *
sim_gen_frame(struct sim_frame_pool *pool, const struct sim_gen_params *p,
    uint64_t seq, uint64_t now)
{
	struct sim_frame *f = sim_frame_alloc(pool, p->frame_len);
	uint8_t *pay;

	if (f == NULL)
		return NULL;
	assert(f->len >= SIM_GEN_LEN_MIN && f->len <= f->cap);
	sim_frame_set_header(f, p->dst, p->src,
	    p->ethertype ? p->ethertype : SIM_GEN_ETHERTYPE);
	pay = f->data + SIM_ETHER_HDR_LEN;
	put64(pay, seq);
	put64(pay + 8, now);
	for (uint32_t i = SIM_GEN_LEN_MIN; i < f->len; i++)
		f->data[i] = (uint8_t)(i - SIM_GEN_LEN_MIN);
	f->tag = seq;
	return f;
}

static void
gen_due(void *arg)
{
	struct sim_gen *g = arg;

	assert(g->timer);
	g->timer = false;
	gen_pump(g, g->topo->m->eng.now);
}

/* Hand the waiting frame to the link; false if the link is busy. */
static bool
gen_send(struct sim_gen *g)
{
	uint32_t len = g->waiting->len;
	int r = sim_port_send(g->port, g->waiting);

	if (r == EBUSY)
		return false;
	assert(r == 0 || r == ENOTCONN);        /* else counted as sent */
	if (r == ENOTCONN) {
		sim_frame_free(g->waiting);
		g->stopped = true;
	} else {
		g->c.tx_frames++;
		g->c.tx_bytes += len < SIM_ETHER_MIN_LEN ? SIM_ETHER_MIN_LEN :
		    len;
	}
	g->waiting = NULL;
	return true;
}

static void
gen_pump(struct sim_gen *g, uint64_t now)
{
	if (!g->started) {
		g->started = true;
		gen_set_rate(g);
	}
	while (!g->stopped) {
		if (g->waiting != NULL && !gen_send(g))
			return;         /* tx_ready pumps again */
		if (g->stopped || (g->p.count != 0 && g->made == g->p.count))
			return;
		if (g->pace.due_ns > now) {
			if (!g->timer) {
				g->timer = true;
				sim_machine_at(g->topo->m, g->pace.due_ns, gen_due,
				    g);
			}
			return;
		}
		assert(g->waiting == NULL);     /* at most one frame waits */
		g->waiting = sim_gen_frame(&g->topo->pool, &g->p, g->made,
		    now);
		if (g->waiting == NULL)
			g->c.nobuf++;
		g->made++;
		gen_advance(g);
	}
}

static void
gen_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct sim_gen *g = port->softc;

	g->c.rx_frames++;
	g->c.rx_bytes += f->len;
	if (g->rx_fn != NULL)
		g->rx_fn(g->rx_arg, g, f, t);
	sim_frame_free(f);
}

static void
gen_tx_ready(struct sim_port *port, uint64_t t)
{
	gen_pump(port->softc, t);
}

static const struct sim_port_ops gen_ops = {
	.rx = gen_rx,
	.tx_ready = gen_tx_ready,
};

struct sim_gen *
sim_gen_create(struct sim_topology *topo, const char *name,
    struct sim_port *port, const struct sim_gen_params *p)
{
	struct sim_gen *g;
	char stream[SC_NAME_MAX + 8];

	assert(p == NULL || (p->frame_len >= SIM_GEN_LEN_MIN &&
	    p->frame_len <= SIM_FRAME_BYTES_MAX));
	assert(p == NULL || p->rate_pps == 0 || p->rate_bps == 0);
	assert(port->topo == topo);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->topo = topo;
	snprintf(g->name, sizeof(g->name), "%s", name);
	if (p != NULL)
		g->p = *p;
	g->port = port;
	snprintf(stream, sizeof(stream), "gen.%s", g->name);
	sim_rng_init(&g->rng, topo->m->seed, stream);
	if (sim_topology_add_gen(topo, g) != 0) {
		free(g);
		return NULL;
	}
	sim_port_attach(port, &gen_ops, g, 0);
	if (p == NULL) {
		g->started = g->stopped = true;         /* a sink */
		return g;
	}
	g->timer = true;
	sim_machine_at(topo->m, p->start_ns, gen_due, g);
	return g;
}

void
sim_gen_destroy(struct sim_gen *g)
{
	if (g == NULL)
		return;
	if (g->port->softc == g)
		sim_port_detach(g->port);
	free(g);
}

void
sim_gen_set_rx(struct sim_gen *g, sim_gen_rx_fn fn, void *arg)
{
	g->rx_fn = fn;
	g->rx_arg = arg;
}

const char *
sim_gen_name(const struct sim_gen *g)
{
	return g->name;
}

struct sim_port *
sim_gen_port(struct sim_gen *g)
{
	return g->port;
}

const struct sim_gen_counters *
sim_gen_counters(const struct sim_gen *g)
{
	return &g->c;
}

bool
sim_gen_done(const struct sim_gen *g)
{
	return g->waiting == NULL &&
	    (g->stopped || (g->p.count != 0 && g->made == g->p.count));
}

void
sim_gen_sample(const struct sim_gen *g, struct sim_recorder *rec, uint64_t t)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "tx_frames", g->c.tx_frames },
		{ "tx_bytes", g->c.tx_bytes },
		{ "nobuf", g->c.nobuf },
		{ "rx_frames", g->c.rx_frames },
		{ "rx_bytes", g->c.rx_bytes },
	};
	char name[SC_NAME_MAX + 32];

	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		snprintf(name, sizeof(name), "gen.%s.%s", g->name, f[k].name);
		sim_record_counter(rec, name, NULL, -1, t, (int64_t)f[k].v);
	}
}
