/*
 * link.c -- full-duplex point-to-point links and the ports at their ends
 * (the model is in port.h).
 *
 * The one idea: a direction of a link is a transmitter plus a pipe.  The
 * transmitter is busy from a frame's first bit to its last; the exact
 * instant its last bit leaves is kept as a whole nanosecond (end_ns)
 * minus a fraction of a nanosecond in units of 1/rate_bps, so a frame
 * sent back to back starts at the exact instant and rounding never piles
 * up.  Each frame in the pipe is one event at its arrival time; the
 * engine orders events by (time, seq), so frames that arrive in the same
 * nanosecond arrive in the order they were sent.
 *
 * The end of a frame is a moment among events (its own seq, taken when
 * the frame starts), but an event only if someone waits for it: a sender
 * that finds the transmitter busy is told at that moment (tx_ready), and
 * most frames' ends, which pass before the next frame is offered, cost
 * no event -- two a datagram through a router, some 4 % of netsim's
 * instructions (bench/README.md, "A frame's end without an event").
 * A run computes what it did with an event at every end (checked at
 * every seed pinned, bench/README.md), but for what counts events: the
 * fingerprint, which folds each, limits.events, and the policies but
 * time, which let CPUs act only before the next event.
 *
 * Every random draw comes from the direction's own named streams, and a
 * stream is drawn from only when its probability is above zero.  Every
 * frame the transmitter takes is folded into the run's fingerprint, bytes
 * and all, lost or not.  A duplicate (a fault's) is a copy made as the
 * original goes on the wire and scheduled after it: it takes no
 * transmitter time (it models a copy made on the way, such as a
 * retransmitting layer 2 hop), but is a frame of its own at the far end.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "sim/wire/pcap.h"
#include "sim/wire/port.h"
#include "sim/record/record.h"
#include "sim/engine/rng.h"
#include "sim/wire/topology.h"

#define NS_PER_S        1000000000ULL

struct sim_link_dir {
	struct sim_link *link;
	struct sim_port *from, *to;
	const char *tag;                /* "ab" or "ba" */
	struct sim_link_params p;
	/*
	 * The last frame's end: passed (or known to be), an event pending
	 * (link_tx_done), or lazy -- no event, end_seq the seq it would have
	 * had: it passes unseen unless the sender finds the transmitter busy
	 * before it (link_dir_busy).
	 */
	enum { END_PASSED, END_EVENT, END_LAZY } end;
	/*
	 * link_serialise's last frame that started on a free wire: div_bits
	 * took div_q ns (0 bits: none).  In the holes the struct had: a
	 * larger sim_link moved every later heap block, and 15 hosts' lines
	 * then aliased into 20 more L1 misses a datagram (bench/README.md).
	 */
	uint32_t div_bits;
	uint64_t end_ns;                /* when the last frame's last bit left, */
	uint64_t end_frac;              /* ... less end_frac / rate_bps ns */
	uint64_t end_seq;               /* see end */
	struct sim_loss loss;           /* its own loss: Bernoulli */
	struct sim_rng reorder_rng;
	struct sim_link_counters c;
	struct sim_link_fault *faults[SIM_LINK_FAULTS_MAX];   /* in order added */
	uint16_t nfaults;
	uint16_t ndups;                 /* of them, duplicating ones */
	uint32_t div_q;                 /* see div_bits */
};

struct sim_link {
	struct sim_topology *topo;
	char name[SC_NAME_MAX];
	struct sim_link_dir dir[2];
	struct sim_pcap *pcap;          /* NULL: not captured */
};

static const char *const dir_tag[2] = { "ab", "ba" };

static bool link_dir_busy(struct sim_link_dir *);

/* --- ports ---------------------------------------------------------------- */

void
sim_port_init(struct sim_port *port, struct sim_topology *topo,
    const char *name)
{
	memset(port, 0, sizeof(*port));
	snprintf(port->name, sizeof(port->name), "%s", name);
	port->topo = topo;
}

void
sim_port_attach(struct sim_port *port, const struct sim_port_ops *ops,
    void *softc, unsigned index)
{
	assert(port->ops == NULL);
	assert(ops != NULL && ops->rx != NULL);
	port->ops = ops;
	port->softc = softc;
	port->index = index;
}

void
sim_port_detach(struct sim_port *port)
{
	port->ops = NULL;
	port->softc = NULL;
}

struct sim_frame *
sim_port_frame_alloc(struct sim_port *port, uint32_t len)
{
	return sim_frame_alloc(&port->topo->pool, len);
}

bool
sim_port_tx_busy(struct sim_port *port)
{
	return port->tx != NULL && link_dir_busy(port->tx);
}

const struct sim_link_params *
sim_port_tx_params(const struct sim_port *port)
{
	return port->tx != NULL ? &port->tx->p : NULL;
}

const struct sim_link_params *
sim_port_rx_params(const struct sim_port *port)
{
	return port->rx != NULL ? &port->rx->p : NULL;
}

int
sim_port_inject(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	assert(f != NULL && !f->is_free && f->on == NULL && f->next == NULL);
	assert(f->len >= SIM_ETHER_HDR_LEN && f->len <= f->cap);
	if (port->ops == NULL) {
		sim_frame_free(f);
		return ENOTCONN;
	}
	if (f->len < SIM_ETHER_MIN_LEN) {
		memset(f->data + f->len, 0, SIM_ETHER_MIN_LEN - f->len);
		f->len = SIM_ETHER_MIN_LEN;
	}
	/* What reaches a device is part of what the run computed. */
	sim_fp_mix_bytes(&port->topo->m->eng, f->data, f->len);
	port->ops->rx(port, f, t);
	return 0;
}

/* --- events ------------------------------------------------------------- */

/* The last bit of the direction's frame has left: the transmitter is free. */
static void
link_tx_done(void *arg)
{
	struct sim_link_dir *d = arg;
	struct sim_port *from = d->from;

	assert(d->end == END_EVENT);
	assert(d->end_ns == d->link->topo->m->eng.now);
	d->end = END_PASSED;
	if (from->ops != NULL && from->ops->tx_ready != NULL)
		from->ops->tx_ready(from, d->end_ns);
}

/*
 * Is d's transmitter still sending?  The sender that asks (or sends) is
 * told when it is free: a frame's end that had no event gets one now,
 * at the place among events it would have had (end_seq), so tx_ready
 * comes as it always did.  A sender that never finds it busy needs no
 * event at all: most frames, whose end passes before the next send.
 */
static bool
link_dir_busy(struct sim_link_dir *d)
{
	struct sim_machine *m;

	if (d->end != END_LAZY)
		return d->end == END_EVENT;
	m = d->link->topo->m;
	/* A lazy end is asked about by events only (link_end_lazy). */
	assert(m->running == NULL);
	if (sim_engine_passed(&m->eng, d->end_ns, d->end_seq)) {
		d->end = END_PASSED;
		return false;
	}
	d->end = END_EVENT;
	sim_machine_at_seq(m, d->end_ns, d->end_seq, link_tx_done, d);
	return true;
}

/*
 * May the end of a frame sent now go without an event?  When an event
 * sends it, ahead of its end (so sim_engine_passed can tell), on a port
 * whose device sends from events alone: a CPU context that asked would
 * see the transmitter as of its last scheduling point, which only an
 * event at the end can show it (the CPU gives way to it there).
 */
static inline bool
link_end_lazy(const struct sim_link_dir *d, const struct sim_machine *m)
{
	return m->running == NULL && d->end_ns > m->eng.now &&
	    d->from->ops != NULL && !d->from->ops->tx_from_cpu;
}

/* A frame's last bit has arrived at the far end. */
static void
link_deliver(void *arg)
{
	struct sim_frame *f = arg;
	struct sim_link_dir *d = f->on;
	struct sim_port *to;
	uint64_t t;

	assert(d != NULL && !f->is_free && f->next == NULL);
	assert(f->len >= SIM_ETHER_MIN_LEN && f->len <= f->cap);
	to = d->to;
	t = d->link->topo->m->eng.now;
	f->on = NULL;
	d->c.rx_frames++;
	d->c.rx_bytes += f->len;
	if (d->link->pcap != NULL)
		sim_pcap_write(d->link->pcap, t, f->data, f->len);
	if (to->ops == NULL) {
		d->c.drops_unattached++;
		sim_frame_free(f);
		return;
	}
	to->ops->rx(to, f, t);
}

/* --- sending ------------------------------------------------------------ */

/*
 * The transmitter takes a frame of wire_bits at now: set when its last
 * bit leaves (end_ns - end_frac / rate, see the file comment).
 */
static void
link_serialise(struct sim_link_dir *d, uint64_t now, uint64_t wire_bits)
{
	uint64_t rate = d->p.rate_bps;
	/* Back to back: start at the exact instant the last frame ended. */
	uint64_t carry = now == d->end_ns ? d->end_frac : 0;
	/* A jumbo frame's 74,064 bits times 10^9 fits in 64 bits. */
	uint64_t bits_ns = wire_bits * NS_PER_S;
	uint64_t q;

	assert(wire_bits <= UINT64_MAX / NS_PER_S);
	assert(now >= d->end_ns && carry < rate);
	if (bits_ns <= carry) {
		/* Within the fraction left over: ends in the same ns. */
		q = 0;
		d->end_frac = carry - bits_ns;
	} else {
		/*
		 * q = ceil(num / rate), num = bits_ns - carry > 0; q * rate - num
		 * is in [0, rate), so its 64-bit wrap-around is exact.
		 */
		uint64_t num = bits_ns - carry;

		/*
		 * A frame as long as the last one, both started on a free
		 * wire, has its quotient: no 64-bit division (tens of
		 * cycles), the common case of a flow of equal frames.
		 * wire_bits > 0 here, and div_bits starts 0.
		 */
		if (carry == 0 && wire_bits == d->div_bits)
			q = d->div_q;
		else {
			q = (num - 1) / rate + 1;
			if (carry == 0 && q <= UINT32_MAX) {
				d->div_bits = (uint32_t)wire_bits;
				d->div_q = (uint32_t)q;
			}
		}
		d->end_frac = q * rate - num;
	}
	d->end_ns = now + q;
	assert(d->end_frac < d->p.rate_bps);
}

/* --- faults --------------------------------------------------------------- */

/* A flap at t >= start: has it had its count of down periods? */
static bool
link_flap_spent(const struct sim_link_fault *lf, uint64_t t)
{
	assert(lf->flap && t >= lf->start_ns);
	return lf->count != 0 &&
	    (t - lf->start_ns) / (lf->down_ns + lf->up_ns) >= lf->count;
}

bool
sim_link_fault_down(const struct sim_link_fault *lf, uint64_t t)
{
	assert(lf->flap && lf->down_ns > 0);
	if (t < lf->start_ns || t >= lf->end_ns || link_flap_spent(lf, t))
		return false;
	return (t - lf->start_ns) % (lf->down_ns + lf->up_ns) < lf->down_ns;
}

/* lf's verdict on a frame starting at now; false outside its window. */
static bool
link_fault_judge(struct sim_link_fault *lf, uint64_t now)
{
	bool lost;

	if (lf->dup || now < lf->start_ns || now >= lf->end_ns)
		return false;
	if (lf->flap) {
		if (link_flap_spent(lf, now))
			return false;
		lost = sim_link_fault_down(lf, now);
	} else {
		if (lf->count != 0 && lf->seen >= lf->count)
			return false;
		lost = sim_loss_draw(&lf->loss);
	}
	lf->seen++;
	if (!lost) {
		lf->run = 0;
		return false;
	}
	lf->lost++;
	if (++lf->run == 1)
		lf->runs++;
	if (lf->run > lf->run_max)
		lf->run_max = lf->run;
	return true;
}

/*
 * Every fault of d judges the frame (each keeps its own count).  Out of
 * line, as link_faults_dup: only a link with faults calls them, and
 * sim_port_send, which every frame passes, stays small.
 */
static bool __attribute__((__noinline__, __cold__))
link_faults_judge(struct sim_link_dir *d, uint64_t now)
{
	bool lost = false;

	for (unsigned i = 0; i < d->nfaults; i++)
		lost |= link_fault_judge(d->faults[i], now);
	return lost;
}

/*
 * The duplicating faults of d judge a frame that will arrive at arrive:
 * a copy of f for each that strikes, dup_delay_ns (or a serialisation
 * time, ser_ns) after it.
 */
static void __attribute__((__noinline__, __cold__))
link_faults_dup(struct sim_link_dir *d, const struct sim_frame *f,
    uint64_t now, uint64_t arrive, uint64_t ser_ns)
{
	struct sim_machine *m = d->link->topo->m;

	for (unsigned i = 0; i < d->nfaults; i++) {
		struct sim_link_fault *lf = d->faults[i];
		struct sim_frame *c;

		if (!lf->dup || now < lf->start_ns || now >= lf->end_ns ||
		    (lf->count != 0 && lf->seen >= lf->count))
			continue;
		lf->seen++;
		if (!sim_loss_draw(&lf->loss))
			continue;
		if ((c = sim_frame_copy(f)) == NULL) {
			d->c.drops_dup_nomem++;
			continue;
		}
		lf->duplicated++;
		d->c.duplicated++;
		c->on = d;
		sim_machine_at(m, arrive + (lf->dup_delay_ns != 0 ?
		    lf->dup_delay_ns : ser_ns), link_deliver, c);
	}
}

int
sim_link_add_fault(struct sim_link *l, enum sim_link_dirn i,
    struct sim_link_fault *lf)
{
	struct sim_link_dir *d = &l->dir[i];

	assert(i == SIM_LINK_AB || i == SIM_LINK_BA);
	assert(lf->start_ns < lf->end_ns);
	assert(!lf->flap || lf->down_ns > 0);
	assert(!(lf->flap && lf->dup));
	if (d->nfaults == SIM_LINK_FAULTS_MAX)
		return -1;
	d->faults[d->nfaults++] = lf;
	d->ndups += lf->dup;
	return 0;
}

int
sim_port_send(struct sim_port *port, struct sim_frame *f)
{
	struct sim_link_dir *d = port->tx;
	struct sim_machine *m;
	uint64_t now, arrive, wire_bits;
	bool lost;

	assert(f != NULL && !f->is_free && f->on == NULL && f->next == NULL);
	assert(f->len >= SIM_ETHER_HDR_LEN && f->len <= f->cap);
	if (d == NULL)
		return ENOTCONN;
	assert(d->from == port);        /* the writer of port->tx agrees */
	if (link_dir_busy(d))
		return EBUSY;
	if (f->len < SIM_ETHER_MIN_LEN) {
		memset(f->data + f->len, 0, SIM_ETHER_MIN_LEN - f->len);
		f->len = SIM_ETHER_MIN_LEN;
	}
	if (f->len - SIM_ETHER_HDR_LEN > d->p.mtu) {
		d->c.drops_mtu++;
		sim_frame_free(f);
		return 0;
	}
	m = d->link->topo->m;
	/* What crosses the wire is part of what the run computed. */
	sim_fp_mix_bytes(&m->eng, f->data, f->len);
	now = sim_topology_now(d->link->topo);
	wire_bits = 8 * (uint64_t)SIM_FRAME_WIRE_BYTES(f->len);
	link_serialise(d, now, wire_bits);
	/* The end's place among events, an event now or when asked. */
	d->end_seq = sim_engine_seq_take(&m->eng);
	if (link_end_lazy(d, m))
		d->end = END_LAZY;
	else {
		d->end = END_EVENT;
		sim_machine_at_seq(m, d->end_ns, d->end_seq, link_tx_done, d);
	}
	d->c.tx_frames++;
	d->c.tx_bytes += f->len;
	/* The link's own draw first, made whatever the faults say. */
	lost = sim_loss_draw(&d->loss);
	if (__builtin_expect(d->nfaults > 0, 0) &&
	    link_faults_judge(d, now) && !lost) {
		d->c.drops_fault++;
		sim_frame_free(f);
		return 0;
	}
	if (lost) {
		d->c.drops_loss++;
		sim_frame_free(f);
		return 0;
	}
	arrive = d->end_ns + d->p.delay_ns;
	if (sim_rng_chance(&d->reorder_rng, d->p.reorder)) {
		d->c.reordered++;
		arrive += d->p.reorder_delay_ns;
	}
	if (__builtin_expect(d->ndups > 0, 0))
		link_faults_dup(d, f, now, arrive, (uint64_t)(((__int128)
		    wire_bits * NS_PER_S + d->p.rate_bps - 1) / d->p.rate_bps));
	f->on = d;
	sim_machine_at(m, arrive, link_deliver, f);
	return 0;
}

/* --- links -------------------------------------------------------------- */

static void
link_dir_init(struct sim_link *l, int i, struct sim_port *from,
    struct sim_port *to, const struct sim_link_params *p)
{
	struct sim_link_dir *d = &l->dir[i];
	char stream[SC_NAME_MAX + 32];

	assert(p->rate_bps > 0);
	assert(p->loss >= 0 && p->loss <= 1);
	assert(p->reorder >= 0 && p->reorder <= 1);
	d->link = l;
	d->from = from;
	d->to = to;
	d->tag = dir_tag[i];
	d->p = *p;
	snprintf(stream, sizeof(stream), "link.%s.%s.loss", l->name, d->tag);
	sim_loss_init_bernoulli(&d->loss, p->loss, l->topo->m->seed, stream);
	snprintf(stream, sizeof(stream), "link.%s.%s.reorder", l->name, d->tag);
	sim_rng_init(&d->reorder_rng, l->topo->m->seed, stream);
	from->tx = d;
	to->rx = d;
}

struct sim_link *
sim_link_create(struct sim_topology *topo, const char *name,
    struct sim_port *a, struct sim_port *b, const struct sim_link_params *ab,
    const struct sim_link_params *ba)
{
	struct sim_link *l;

	assert(a != b);
	assert(a->topo == topo && b->topo == topo);
	assert(a->tx == NULL && a->rx == NULL && b->tx == NULL && b->rx == NULL);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->topo = topo;
	snprintf(l->name, sizeof(l->name), "%s", name);
	if (sim_topology_add_link(topo, l) != 0) {
		free(l);
		return NULL;
	}
	link_dir_init(l, SIM_LINK_AB, a, b, ab);
	link_dir_init(l, SIM_LINK_BA, b, a, ba);
	return l;
}

void
sim_link_destroy(struct sim_link *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		assert(l->dir[i].from->tx == &l->dir[i]);
		assert(l->dir[i].to->rx == &l->dir[i]);
		l->dir[i].from->tx = NULL;
		l->dir[i].to->rx = NULL;
	}
	free(l);
}

const char *
sim_link_name(const struct sim_link *l)
{
	return l->name;
}

const struct sim_link_counters *
sim_link_counters(const struct sim_link *l, enum sim_link_dirn i)
{
	assert(i == SIM_LINK_AB || i == SIM_LINK_BA);
	return &l->dir[i].c;
}

void
sim_link_set_pcap(struct sim_link *l, struct sim_pcap *pc)
{
	l->pcap = pc;
}

struct sim_pcap *
sim_link_pcap(const struct sim_link *l)
{
	return l->pcap;
}

void
sim_link_sample(const struct sim_link *l, struct sim_recorder *rec,
    uint64_t t)
{
	for (int i = 0; i < 2; i++) {
		const struct sim_link_dir *d = &l->dir[i];
		const struct {
			const char *name;
			uint64_t v;
		} f[] = {
			{ "tx_frames", d->c.tx_frames },
			{ "tx_bytes", d->c.tx_bytes },
			{ "rx_frames", d->c.rx_frames },
			{ "rx_bytes", d->c.rx_bytes },
			{ "drops_mtu", d->c.drops_mtu },
			{ "drops_loss", d->c.drops_loss },
			{ "drops_unattached", d->c.drops_unattached },
			{ "reordered", d->c.reordered },
			{ "drops_fault", d->c.drops_fault },
			{ "duplicated", d->c.duplicated },
			{ "drops_dup_nomem", d->c.drops_dup_nomem },
		};
		char name[SC_NAME_MAX + 48];
		/*
		 * drops_fault only on a direction a fault strikes, the
		 * duplicates only where a duplicate fault does.
		 */
		size_t n = sizeof(f) / sizeof(f[0]) - (d->ndups == 0 ? 2 : 0) -
		    (d->nfaults == 0);

		for (size_t k = 0; k < n; k++) {
			snprintf(name, sizeof(name), "link.%s.%s.%s", l->name,
			    d->tag, f[k].name);
			sim_record_counter(rec, name, NULL, -1, t,
			    (int64_t)f[k].v);
		}
	}
}
