/*
 * test_wire.c -- drives links, the switch, captures and the frame
 * generator for tests/test_wire.py, which checks what this prints
 * against hand calculations.
 *
 *   test_wire link [key=value...]
 *	one link from a probe endpoint A to a sink B.  keys: rate (bit/s,
 *	default 1e9), delay (ns, 10000), mtu (1500), loss, reorder
 *	(probabilities), reorder_delay (ns, 10000), seed (1); then either
 *	sizes=L1,L2,...  frames A sends in order, each as soon as the
 *	                 transmitter is free (at=T1,T2,... : not before Ti)
 *	or    count=N len=L [pps=R | bps=R]  a frame generator on A.
 *	prints "sent SEQ LEN T" for each frame A starts, "recv SEQ LEN T"
 *	for each frame B gets, "ebusy N" (sends A tried while busy) and
 *	"counters ab KEY=V..." for the link's a->b direction.  quiet=1
 *	leaves out the per-frame lines.
 *   test_wire switch [aging=NS]
 *	four endpoints E0..E3 on ports 0..3 of a 4-port switch (latency
 *	1us, 1 Gbit/s links with 1us delay) play a fixed script (see
 *	script[] below); prints "recv T E<at> seq=S" for every frame and
 *	the switch's counters.
 *   test_wire queue
 *	E1 (1 Gbit/s) makes itself known, then E0 (10 Gbit/s) sends ten
 *	1514-byte frames back to back to E1 through a switch with queue=4,
 *	latency 0; prints what E1 got and port 1's counters.
 *   test_wire pcap DIR
 *	link l0 (1 Gbit/s, 10us) between two generators -- a: 5 frames of
 *	60 bytes back to back from t=1s; b: 3 frames of 1514 bytes at 1000
 *	frames/s from t=1s+500ns -- and link l1 (loss 0.5) with 100 frames
 *	one way; captured to DIR/l0.pcap and DIR/l1.pcap.  Prints each
 *	link's counters.
 *   test_wire cpu
 *	an LWP on a fresh machine (testhook.h) charges its CPU 5 us, then
 *	sends a 60-byte frame over a 1 Gbit/s link with 10 us delay; prints
 *	"cpu_send T" (the CPU's clock) and the "recv" line of the frame.
 *   test_wire scenario FILE [--db DB] [--pcap DIR] [gen=SRC:DST:N:LEN:PPS]...
 *	netsim run FILE, with a generator on each NIC named SRC (HOST.NIC)
 *	sending N frames of LEN bytes at PPS frames/s (0: back to back) to
 *	the MAC of the NIC named DST, and a counting sink on every other
 *	NIC's port; what they count goes to the database as gen.HOST.NIC.*
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/cli/run.h"
#include "sim/wire/switch.h"
#include "sim/world/testhook.h"
#include "sim/wire/topology.h"

#define MAX_FRAMES      4096
#define NS_PER_S        1000000000ULL

static int quiet;

/* --- a machine with nothing on it but wires -------------------------------- */

static struct scenario wire_sc;
static struct sc_host wire_host;

static void
wire_machine(struct sim_machine *m, uint64_t seed)
{
	memset(&wire_sc, 0, sizeof(wire_sc));
	memset(&wire_host, 0, sizeof(wire_host));
	snprintf(wire_sc.name, sizeof(wire_sc.name), "test_wire");
	wire_sc.file = "(test_wire)";
	wire_sc.seed = seed;
	wire_sc.duration_ns = 100ULL * NS_PER_S;
	wire_sc.interleaving.window_ns = 16;
	snprintf(wire_host.name, sizeof(wire_host.name), "box");
	wire_host.cpus = 1;
	wire_host.tick_hz = 1000;
	wire_host.quantum_ns = 10000000;
	sim_cost_defaults(&wire_host.cost);
	wire_sc.nhosts = 1;
	wire_sc.hosts = &wire_host;
	if (sim_world_build(m, &wire_sc, seed) != 0) {
		fprintf(stderr, "test_wire: machine set-up failed\n");
		exit(2);
	}
}

static void
mac_of(unsigned n, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0xee, 0 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)n;
}

/* --- the probe: an endpoint that sends a list and logs what it gets -------- */

struct probe {
	struct sim_port *port;
	unsigned id;                    /* E<id> */
	uint8_t mac[6];
	/* What to send, in order; each not before at_ns. */
	unsigned n, next;
	unsigned seq[MAX_FRAMES];
	uint32_t len[MAX_FRAMES];
	uint64_t at_ns[MAX_FRAMES];
	uint8_t dst[MAX_FRAMES][6];
	uint8_t src[MAX_FRAMES][6];
	uint64_t ebusy;
};

static void probe_pump(struct probe *, uint64_t now);

static void
probe_due(void *arg)
{
	struct probe *p = arg;

	probe_pump(p, p->port->topo->m->eng.now);
}

/* Send what is due while the transmitter takes it. */
static void
probe_pump(struct probe *p, uint64_t now)
{
	while (p->next < p->n && p->at_ns[p->next] <= now) {
		struct sim_frame *f;
		unsigned i = p->next;
		int r;

		f = sim_frame_alloc(&p->port->topo->pool, p->len[i]);
		if (f == NULL) {
			fprintf(stderr, "test_wire: out of frames\n");
			exit(2);
		}
		sim_frame_set_header(f, p->dst[i], p->src[i], 0x88b5);
		memset(f->data + 14, 0, f->len - 14);
		f->data[14] = (uint8_t)(p->seq[i] >> 8);
		f->data[15] = (uint8_t)p->seq[i];
		r = sim_port_send(p->port, f);
		if (r == EBUSY) {
			sim_frame_free(f);
			p->ebusy++;
			return;         /* tx_ready pumps again */
		}
		if (r != 0) {
			fprintf(stderr, "test_wire: send: error %d\n", r);
			exit(2);
		}
		if (!quiet && p->id == 0 && p->port->tx != NULL)
			printf("sent %u %u %llu\n", p->seq[i], p->len[i],
			    (unsigned long long)now);
		p->next++;
	}
	if (p->next < p->n && p->at_ns[p->next] > now)
		sim_machine_at(p->port->topo->m, p->at_ns[p->next], probe_due, p);
}

static void
probe_rx(struct sim_port *port, struct sim_frame *f, uint64_t t)
{
	struct probe *p = port->softc;
	unsigned seq = (unsigned)f->data[14] << 8 | f->data[15];

	if (!quiet)
		printf("recv %u %u %llu E%u\n", seq, f->len,
		    (unsigned long long)t, p->id);
	sim_frame_free(f);
}

static void
probe_tx_ready(struct sim_port *port, uint64_t t)
{
	probe_pump(port->softc, t);
}

static const struct sim_port_ops probe_ops = {
	.rx = probe_rx,
	.tx_ready = probe_tx_ready,
};

static struct probe *
probe_new(struct sim_port *port, unsigned id)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		exit(2);
	p->port = port;
	p->id = id;
	mac_of(id, p->mac);
	sim_port_attach(port, &probe_ops, p, id);
	return p;
}

static void
probe_add(struct probe *p, unsigned seq, uint32_t len, uint64_t at,
    const uint8_t *dst, const uint8_t *src)
{
	if (p->n == MAX_FRAMES)
		exit(2);
	p->seq[p->n] = seq;
	p->len[p->n] = len;
	p->at_ns[p->n] = at;
	memcpy(p->dst[p->n], dst, 6);
	memcpy(p->src[p->n], src != NULL ? src : p->mac, 6);
	p->n++;
}

static void
probe_start(struct probe *p)
{
	if (p->n > 0)
		sim_machine_at(p->port->topo->m, p->at_ns[0], probe_due, p);
}

/* --- printing -------------------------------------------------------------- */

static void
print_link(const struct sim_link *l, enum sim_link_dirn d)
{
	const struct sim_link_counters *c = sim_link_counters(l, d);

	printf("counters %s %s tx_frames=%llu tx_bytes=%llu rx_frames=%llu "
	    "rx_bytes=%llu drops_mtu=%llu drops_loss=%llu "
	    "drops_unattached=%llu reordered=%llu\n", sim_link_name(l),
	    d == SIM_LINK_AB ? "ab" : "ba",
	    (unsigned long long)c->tx_frames, (unsigned long long)c->tx_bytes,
	    (unsigned long long)c->rx_frames, (unsigned long long)c->rx_bytes,
	    (unsigned long long)c->drops_mtu, (unsigned long long)c->drops_loss,
	    (unsigned long long)c->drops_unattached,
	    (unsigned long long)c->reordered);
}

static void
print_switch(const struct sim_switch *sw)
{
	const struct sim_switch_counters *c = sim_switch_counters(sw);

	printf("switch learned=%llu moved=%llu flooded=%llu filtered=%llu "
	    "drops_nobuf=%llu table_full=%llu\n",
	    (unsigned long long)c->learned, (unsigned long long)c->moved,
	    (unsigned long long)c->flooded, (unsigned long long)c->filtered,
	    (unsigned long long)c->drops_nobuf,
	    (unsigned long long)c->table_full);
	for (unsigned i = 0; i < sim_switch_nports(sw); i++) {
		const struct sim_switch_port_counters *pc =
		    sim_switch_port_counters(sw, i);

		printf("port %u rx_frames=%llu rx_bytes=%llu tx_frames=%llu "
		    "tx_bytes=%llu drops_queue=%llu queue_hw=%llu\n", i,
		    (unsigned long long)pc->rx_frames,
		    (unsigned long long)pc->rx_bytes,
		    (unsigned long long)pc->tx_frames,
		    (unsigned long long)pc->tx_bytes,
		    (unsigned long long)pc->drops_queue,
		    (unsigned long long)pc->queue_hw);
	}
}

static void
print_gen(const struct sim_gen *g)
{
	const struct sim_gen_counters *c = sim_gen_counters(g);

	printf("gen %s tx_frames=%llu tx_bytes=%llu nobuf=%llu rx_frames=%llu "
	    "rx_bytes=%llu done=%d\n", sim_gen_name(g),
	    (unsigned long long)c->tx_frames, (unsigned long long)c->tx_bytes,
	    (unsigned long long)c->nobuf, (unsigned long long)c->rx_frames,
	    (unsigned long long)c->rx_bytes, sim_gen_done(g));
}

static void
run_machine(struct sim_machine *m)
{
	sim_machine_run(m);
	if (m->stop_status >= 0) {
		fprintf(stderr, "test_wire: run stopped: %s\n", m->stop_reason);
		exit(1);
	}
	printf("end %llu events %llu\n",
	    (unsigned long long)sim_machine_end_time(m),
	    (unsigned long long)m->eng.executed);
}

/* --- link ------------------------------------------------------------------- */

struct opts {
	const char *key[32];
	const char *val[32];
	int n;
};

static const char *
opt(const struct opts *o, const char *key, const char *def)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], key) == 0)
			return o->val[i];
	return def;
}

static uint64_t
opt_u(const struct opts *o, const char *key, uint64_t def)
{
	const char *v = opt(o, key, NULL);

	return v != NULL ? strtoull(v, NULL, 0) : def;
}

static void
parse_opts(struct opts *o, int argc, char **argv)
{
	o->n = 0;
	for (int i = 0; i < argc && o->n < 32; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			fprintf(stderr, "test_wire: expected key=value, got %s\n",
			    argv[i]);
			exit(2);
		}
		*eq = '\0';
		o->key[o->n] = argv[i];
		o->val[o->n++] = eq + 1;
	}
}

/* "a,b,c" into v[], at most max; returns how many. */
static unsigned
parse_list(const char *s, uint64_t *v, unsigned max)
{
	unsigned n = 0;

	while (s != NULL && *s != '\0' && n < max) {
		char *end;

		v[n++] = strtoull(s, &end, 0);
		s = *end == ',' ? end + 1 : NULL;
	}
	return n;
}

static void
gen_rx_log(void *arg, struct sim_gen *g, const struct sim_frame *f,
    uint64_t t)
{
	(void)arg;
	(void)g;
	if (!quiet)
		printf("recv %llu %u %llu\n",
		    (unsigned long long)sim_gen_frame_seq(f), f->len,
		    (unsigned long long)t);
}

static int
cmd_link(int argc, char **argv)
{
	static uint64_t sizes[MAX_FRAMES], at[MAX_FRAMES];
	struct sim_machine m;
	struct sim_link_params p;
	struct sim_port *a, *b;
	struct sim_link *l;
	struct probe *pa = NULL, *pb;
	struct opts o;
	unsigned n, nat;

	parse_opts(&o, argc, argv);
	quiet = (int)opt_u(&o, "quiet", 0);
	wire_machine(&m, opt_u(&o, "seed", 1));
	memset(&p, 0, sizeof(p));
	p.rate_bps = opt_u(&o, "rate", 1000000000);
	p.delay_ns = opt_u(&o, "delay", 10000);
	p.mtu = (uint32_t)opt_u(&o, "mtu", 1500);
	p.loss = strtod(opt(&o, "loss", "0"), NULL);
	p.reorder = strtod(opt(&o, "reorder", "0"), NULL);
	p.reorder_delay_ns = opt_u(&o, "reorder_delay", 10000);
	a = sim_topology_port_create(m.topo, "A");
	b = sim_topology_port_create(m.topo, "B");
	l = sim_link_create(m.topo, "l0", a, b, &p, &p);
	if (a == NULL || b == NULL || l == NULL)
		return 2;
	n = parse_list(opt(&o, "sizes", NULL), sizes, MAX_FRAMES);
	nat = parse_list(opt(&o, "at", NULL), at, MAX_FRAMES);
	if (n > 0) {
		pa = probe_new(a, 0);
		for (unsigned i = 0; i < n; i++)
			probe_add(pa, i, (uint32_t)sizes[i], i < nat ? at[i] : 0,
			    (const uint8_t[6]){ 2, 0, 0, 0, 0xee, 1 }, NULL);
		probe_start(pa);
		pb = probe_new(b, 1);
	} else {
		struct sim_gen_params gp = {
			.frame_len = (uint32_t)opt_u(&o, "len", 60),
			.count = opt_u(&o, "count", 1),
			.rate_pps = opt_u(&o, "pps", 0),
			.rate_bps = opt_u(&o, "bps", 0),
			.dst = { 2, 0, 0, 0, 0xee, 1 },
			.src = { 2, 0, 0, 0, 0xee, 0 },
		};
		struct sim_gen *gb;

		if (sim_gen_create(m.topo, "A", a, &gp) == NULL ||
		    (gb = sim_gen_create(m.topo, "B", b, NULL)) == NULL)
			return 2;
		sim_gen_set_rx(gb, gen_rx_log, NULL);
		pb = NULL;
	}
	run_machine(&m);
	printf("ebusy %llu\n", pa != NULL ? (unsigned long long)pa->ebusy : 0);
	print_link(l, SIM_LINK_AB);
	printf("pool in_use=%llu\n", (unsigned long long)m.topo->pool.in_use);
	free(pa);
	free(pb);
	sim_world_destroy(&m);
	return 0;
}

/* --- switch ------------------------------------------------------------------- */

/* One step of the switch script: at t, E<from> sends to a MAC. */
struct step {
	uint64_t t_us;
	unsigned from;
	int to;                 /* E<to>, or -1: broadcast, -2: multicast,
				   -3: an unknown MAC, -4: the fake MAC X */
	int src;                /* -1: its own MAC, else the fake MAC X (99)
				   or E<src>'s (a station that moved) */
};

static const struct step script[] = {
	{ 0, 0, 1, -1 },        /* unknown: flood to E1 E2 E3 */
	{ 100, 1, 0, -1 },      /* E0 was learned: only E0 */
	{ 200, 0, 1, -1 },      /* E1 was learned: only E1 */
	{ 300, 2, -1, -1 },     /* broadcast: E0 E1 E3 */
	{ 400, 3, -2, -1 },     /* multicast: E0 E1 E2 */
	{ 500, 0, 2, -1 },      /* E2 learned at 300: only E2 */
	{ 600, 0, -3, -1 },     /* unknown MAC: E1 E2 E3 */
	{ 700, 3, 0, 1 },       /* E3 sends as E1: E1 moved to port 3 */
	{ 800, 0, 1, -1 },      /* to E1's MAC: port 3, E3 gets it */
	{ 900, 0, 1, 99 },      /* X is behind port 0 */
	{ 1000, 1, -4, -1 },    /* to X: only E0 */
	{ 1100, 0, -4, -1 },    /* E0 to X, behind its own port: filtered */
};

static void
script_dst(int to, uint8_t mac[6])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	if (to >= 0)
		mac_of((unsigned)to, mac);
	else if (to == -1)
		memcpy(mac, bcast, 6);
	else if (to == -2)
		memcpy(mac, mcast, 6);
	else
		mac_of(to == -3 ? 77 : 99, mac);
}

static struct sim_switch *
switch_with_probes(struct sim_machine *m, const struct sim_switch_params *sp,
    const uint64_t *rate_bps, struct probe **pr)
{
	struct sim_switch *sw = sim_switch_create(m->topo, "sw0", sp);

	if (sw == NULL)
		exit(2);
	for (unsigned i = 0; i < sp->ports; i++) {
		struct sim_link_params lp = {
			.rate_bps = rate_bps[i],
			.delay_ns = 1000,
			.mtu = 1500,
		};
		char name[16];
		struct sim_port *e;

		snprintf(name, sizeof(name), "E%u", i);
		e = sim_topology_port_create(m->topo, name);
		snprintf(name, sizeof(name), "l%u", i);
		if (e == NULL || sim_link_create(m->topo, name, e,
		    sim_switch_port(sw, i), &lp, &lp) == NULL)
			exit(2);
		pr[i] = probe_new(e, i);
	}
	return sw;
}

static int
cmd_switch(int argc, char **argv)
{
	static const uint64_t rates[4] = { 1000000000, 1000000000, 1000000000,
	    1000000000 };
	struct sim_switch_params sp = { .ports = 4, .latency_ns = 1000,
	    .queue = 16 };
	struct sim_machine m;
	struct probe *pr[4];
	struct sim_switch *sw;
	struct opts o;
	uint8_t dst[6], src[6];

	parse_opts(&o, argc, argv);
	sp.aging_ns = opt_u(&o, "aging", 0);
	wire_machine(&m, 1);
	sw = switch_with_probes(&m, &sp, rates, pr);
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		const struct step *s = &script[i];

		script_dst(s->to, dst);
		if (s->src >= 0)
			mac_of((unsigned)s->src, src);
		/* The frame's seq is its step in the script. */
		probe_add(pr[s->from], (unsigned)i, 60, s->t_us * 1000, dst,
		    s->src >= 0 ? src : NULL);
	}
	for (int i = 0; i < 4; i++)
		probe_start(pr[i]);
	run_machine(&m);
	print_switch(sw);
	for (int i = 0; i < 4; i++)
		free(pr[i]);
	sim_world_destroy(&m);
	return 0;
}

/* --- queue ---------------------------------------------------------------------- */

static int
cmd_queue(void)
{
	static const uint64_t rates[2] = { 10000000000ULL, 1000000000 };
	struct sim_switch_params sp = { .ports = 2, .latency_ns = 0, .queue = 4 };
	struct sim_machine m;
	struct probe *pr[2];
	struct sim_switch *sw;

	wire_machine(&m, 1);
	sw = switch_with_probes(&m, &sp, rates, pr);
	probe_add(pr[1], 100, 60, 0, pr[0]->mac, NULL);
	for (int i = 0; i < 10; i++)
		probe_add(pr[0], (unsigned)i, 1514, 100000, pr[1]->mac, NULL);
	probe_start(pr[0]);
	probe_start(pr[1]);
	run_machine(&m);
	print_switch(sw);
	free(pr[0]);
	free(pr[1]);
	sim_world_destroy(&m);
	return 0;
}

/* --- pcap ----------------------------------------------------------------------- */

static int
cmd_pcap(const char *dir)
{
	struct sim_link_params p = { .rate_bps = 1000000000, .delay_ns = 10000,
	    .mtu = 1500 };
	struct sim_gen_params ga = { .frame_len = 60, .count = 5,
	    .start_ns = NS_PER_S, .dst = { 2, 0, 0, 0, 0, 2 },
	    .src = { 2, 0, 0, 0, 0, 1 } };
	struct sim_gen_params gb = { .frame_len = 1514, .count = 3,
	    .rate_pps = 1000, .start_ns = NS_PER_S + 500,
	    .dst = { 2, 0, 0, 0, 0, 1 }, .src = { 2, 0, 0, 0, 0, 2 } };
	struct sim_gen_params gc = { .frame_len = 100, .count = 100,
	    .rate_pps = 100000, .dst = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	    .src = { 2, 0, 0, 0, 0, 3 } };
	struct sim_port *port[4];
	struct sim_link *l0, *l1;
	struct sim_gen *g[4];
	struct sim_machine m;
	char err[4200];

	wire_machine(&m, 7);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "P%d", i);
		if ((port[i] = sim_topology_port_create(m.topo, name)) == NULL)
			return 2;
	}
	l0 = sim_link_create(m.topo, "l0", port[0], port[1], &p, &p);
	p.loss = 0.5;
	l1 = sim_link_create(m.topo, "l1", port[2], port[3], &p, &p);
	if (l0 == NULL || l1 == NULL ||
	    sim_topology_pcap_open(m.topo, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_wire: %s\n", l0 && l1 ? err : "no memory");
		return 2;
	}
	g[0] = sim_gen_create(m.topo, "a", port[0], &ga);
	g[1] = sim_gen_create(m.topo, "b", port[1], &gb);
	g[2] = sim_gen_create(m.topo, "c", port[2], &gc);
	g[3] = sim_gen_create(m.topo, "d", port[3], NULL);
	run_machine(&m);
	print_link(l0, SIM_LINK_AB);
	print_link(l0, SIM_LINK_BA);
	print_link(l1, SIM_LINK_AB);
	for (int i = 0; i < 4; i++)
		print_gen(g[i]);
	if (sim_topology_pcap_close(m.topo, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_wire: %s\n", err);
		return 1;
	}
	sim_world_destroy(&m);
	return 0;
}

/* --- cpu: a device acting from a CPU context --------------------------------- */

static struct probe *cpu_sink;

static void
cpu_sender(void *arg)
{
	struct sim_link_params p = { .rate_bps = 1000000000, .delay_ns = 10000,
	    .mtu = 1500 };
	struct sim_topology *t = sim_cur->topo;
	struct sim_port *a = sim_topology_port_create(t, "A");
	struct sim_port *b = sim_topology_port_create(t, "B");
	struct cpu_info *ci = curcpu();
	struct sim_frame *f;
	uint64_t now;

	(void)arg;
	if (a == NULL || b == NULL ||
	    sim_link_create(t, "l0", a, b, &p, &p) == NULL)
		exit(2);
	cpu_sink = probe_new(b, 1);
	sim_cpu_charge(ci, 5000);
	if ((f = sim_port_frame_alloc(a, 60)) == NULL)
		exit(2);
	memset(f->data, 0, f->len);
	now = ci->clock;
	if (sim_port_send(a, f) != 0)
		exit(2);
	printf("cpu_send %llu\n", (unsigned long long)now);
}

static int
cmd_cpu(void)
{
	struct sim_test_opts o = { .quiet = 1 };
	int status = sim_test_run(&o, cpu_sender, NULL, NULL);

	free(cpu_sink);
	return status;
}

/* --- scenario ------------------------------------------------------------------ */

struct gen_spec {
	char src[SIM_PORT_NAME_MAX], dst[SIM_PORT_NAME_MAX];
	uint64_t count, len, pps;
};

struct scen {
	struct gen_spec gens[16];
	int ngens;
	struct sim_gen *g[SC_HOSTS_MAX * SC_NICS_MAX];
	int ng;
};

/* The NIC named "host.nic": host and NIC index; false if none. */
static bool
find_nic(const struct scenario *sc, const char *name, unsigned *h,
    unsigned *n)
{
	char full[SIM_PORT_NAME_MAX];

	for (*h = 0; *h < sc->nhosts; (*h)++)
		for (*n = 0; *n < sc->hosts[*h].nnics; (*n)++) {
			snprintf(full, sizeof(full), "%s.%s", sc->hosts[*h].name,
			    sc->hosts[*h].nics[*n].name);
			if (strcmp(full, name) == 0)
				return true;
		}
	return false;
}

static void
scen_setup(struct sim_machine *m, void *arg)
{
	struct scen *s = arg;
	const struct scenario *sc = m->sc;

	for (unsigned h = 0; h < sc->nhosts; h++)
	for (unsigned n = 0; n < sc->hosts[h].nnics; n++) {
		struct sim_port *port = sim_topology_nic_port(m, h, n);
		struct sim_gen_params gp = { .frame_len = 60 };
		bool sink = true;
		unsigned dh, dn;

		memcpy(gp.src, sc->hosts[h].nics[n].mac, 6);
		for (int i = 0; i < s->ngens; i++) {
			if (strcmp(s->gens[i].src, port->name) != 0)
				continue;
			if (!find_nic(sc, s->gens[i].dst, &dh, &dn)) {
				fprintf(stderr, "test_wire: no NIC %s\n",
				    s->gens[i].dst);
				exit(2);
			}
			memcpy(gp.dst, sc->hosts[dh].nics[dn].mac, 6);
			gp.frame_len = (uint32_t)s->gens[i].len;
			gp.count = s->gens[i].count;
			gp.rate_pps = s->gens[i].pps;
			sink = false;
		}
		/* The generator stands in for the NIC's model on its port. */
		if (port->ops != NULL)
			sim_port_detach(port);
		s->g[s->ng] = sim_gen_create(m->topo, port->name, port,
		    sink ? NULL : &gp);
		if (s->g[s->ng] == NULL)
			exit(2);
		s->ng++;
	}
}

static int
cmd_scenario(int argc, char **argv)
{
	struct sim_run_opts o = { .quiet = true };
	static struct scen s;
	struct scenario *sc;
	char err[SC_ERR_MAX];
	int status;

	for (int i = 1; i < argc; i++) {
		struct gen_spec *g = &s.gens[s.ngens];

		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			o.db_path = argv[++i];
		else if (strcmp(argv[i], "--pcap") == 0 && i + 1 < argc)
			o.pcap_dir = argv[++i];
		else if (s.ngens < 16 && sscanf(argv[i], "gen=%135[^:]:%135[^:]:"
		    "%llu:%llu:%llu", g->src, g->dst,
		    (unsigned long long *)&g->count, (unsigned long long *)&g->len,
		    (unsigned long long *)&g->pps) == 5)
			s.ngens++;
		else {
			fprintf(stderr, "test_wire: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (sim_scenario_load(argv[0], &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	o.setup = scen_setup;
	o.setup_arg = &s;
	status = sim_run(sc, &o);
	sim_scenario_free(sc);
	return status;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc >= 2 && strcmp(argv[1], "link") == 0)
		return cmd_link(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "switch") == 0)
		return cmd_switch(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "queue") == 0)
		return cmd_queue();
	if (argc == 2 && strcmp(argv[1], "cpu") == 0)
		return cmd_cpu();
	if (argc == 3 && strcmp(argv[1], "pcap") == 0)
		return cmd_pcap(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "scenario") == 0)
		return cmd_scenario(argc - 2, argv + 2);
	fprintf(stderr, "usage: test_wire link|switch|queue|cpu|pcap DIR|"
	    "scenario FILE ...\n");
	return 2;
}
