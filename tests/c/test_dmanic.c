/*
 * test_dmanic.c -- drives the DMA NIC model and its driver for
 * tests/test_dmanic.py, which checks what this prints against hand
 * calculations and against itself.
 *
 *   test_dmanic flood [key=value...]
 *	host "dut" (cpus=4, hz=1000, legacy=0) with one DMA NIC "dm0"
 *	(rx_ring=256, tx_ring=256, mitigation=1, intr_max=20000,
 *	coalesce_frames=8, coalesce=20000 ns, dma_latency=500 ns,
 *	dma_rate=64e9 bit/s, intr_cpu=0) cabled to a free-standing port
 *	"src" (rate=10e9 bit/s, delay=1000 ns, mtu=1500).  Once the host
 *	has booted (printed: "start T", when the first frame is due),
 *	a frame generator on "src" sends count=1000 frames of len=60 bytes
 *	at pps frames/s (0: back to back) from start=10000 ns after boot
 *	to dst= nic (the NIC's MAC, default), other (a unicast MAC that is
 *	not the NIC's) or bcast.  seed=1, jitter=0 (interleaving).
 *	starve=NS: when the flood starts, an LWP on the interrupt's CPU
 *	caps mbufs and clusters at mbuf_max=1024, takes every one it can
 *	get and holds them NS nanoseconds (mbuf exhaustion).  trace=1
 *	prints "rxdone SEQ LEN T" for every frame written to host memory.
 *   test_dmanic pair [key=value...]
 *	hosts "a" and "b" with a DMA NIC each, cabled (rate=1e9, delay=
 *	10000 ns; nolink=1: not cabled).  Once booted, an LWP on a sends
 *	one frame of each of sizes=60,508,1514 to b, gap=100000 ns apart;
 *	prints "doorbell T" and "wire SEQ LEN T" for a's card, "rxdone SEQ
 *	LEN T" for b's, and a's statistics as "nic_a K=V...".
 *   test_dmanic fault bad-ring|ring-while-enabled|tx-desc-grown|
 *	    tx-buf-past-span|tx-buf-outside
 *	after boot an LWP programs host dut's card wrongly through
 *	bus_space: a receive ring outside host memory, RDBA rewritten
 *	while receive runs, a transmit descriptor's length raised
 *	after TDT handed it to the card (before its fetch completes), or,
 *	after two good frames from a buffer in host memory, a transmit
 *	buffer that runs past the end of the arena's stretch holding that
 *	one, or lies outside the arena (printed: "bad buffer ADDR").
 *	The card must stop the run (exit status 3).
 *   test_dmanic intr-alloc
 *	a CPU timer's handler (hardware interrupt context) asks for an
 *	mbuf: the run must stop with a KASSERT (exit status 3).
 *
 * Both traffic modes end with one line each:
 *	nic K=V...       the card's statistics registers (dmanicreg.h)
 *	ev K=V...        every counter of the host, summed over CPUs
 *	link K=V...      the src->NIC direction of the link
 *	gen K=V...       what the generator sent
 *	cpu I busy=.. intr=.. softint=..   per CPU of the receiving host
 *	end t=.. status=.. fingerprint=..
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sys/ks.h"
#include "sim/scenario/scenario.h"
#include "sim/sys/ks_device.h"
#include "sim/wire/framegen.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/nic/nic_dma.h"
#include "sim/world/testhook.h"
#include "sim/wire/topology.h"
#include "stack/dev/dmanicreg.h"
#include "stack/net/if.h"
#include "stack/sys/bus.h"
#include "stack/sys/device.h"
#include "stack/sys/evcnt.h"
#include "stack/sys/intr.h"
#include "stack/sys/kmem.h"
#include "stack/kern/mbuf.h"

#define NS_PER_S        1000000000ULL
#define MAX_SIZES       16

/* --- options ------------------------------------------------------------------ */

struct opts {
	uint64_t cpus, hz, legacy, rx_ring, tx_ring, mitigation, intr_max;
	uint64_t coalesce_frames, coalesce, dma_latency, dma_rate, intr_cpu;
	uint64_t rate, delay, count, len, pps, start, seed, trace, mbuf_max;
	uint64_t starve, nolink;
	uint64_t gap, mtu;
	double jitter;
	char dst[16];
	uint32_t sizes[MAX_SIZES];
	unsigned nsizes;
};

static struct opts o = {
	.cpus = 4, .hz = 1000, .rx_ring = 256, .tx_ring = 256,
	.mitigation = 1, .intr_max = 20000, .coalesce_frames = 8,
	.coalesce = 20000, .dma_latency = 500, .dma_rate = 64000000000ULL,
	.rate = 10000000000ULL, .delay = 1000, .count = 1000, .len = 60,
	.start = 10000, .seed = 1, .gap = 100000, .dst = "nic",
	.mbuf_max = 1024, .mtu = 1500,
	.sizes = { 60, 508, 1514 }, .nsizes = 3,
};

static void
parse_sizes(const char *v)
{
	char *end;

	o.nsizes = 0;
	while (*v != '\0' && o.nsizes < MAX_SIZES) {
		o.sizes[o.nsizes++] = (uint32_t)strtoul(v, &end, 10);
		v = *end == ',' ? end + 1 : end;
		if (end == v && *v != '\0')
			break;
	}
}

static void
parse_opts(int argc, char **argv)
{
	static const struct {
		const char *key;
		uint64_t *v;
	} keys[] = {
		{ "cpus", &o.cpus }, { "hz", &o.hz }, { "legacy", &o.legacy },
		{ "rx_ring", &o.rx_ring }, { "tx_ring", &o.tx_ring },
		{ "mitigation", &o.mitigation }, { "intr_max", &o.intr_max },
		{ "coalesce_frames", &o.coalesce_frames },
		{ "coalesce", &o.coalesce }, { "dma_latency", &o.dma_latency },
		{ "dma_rate", &o.dma_rate }, { "intr_cpu", &o.intr_cpu },
		{ "rate", &o.rate }, { "delay", &o.delay }, { "count", &o.count },
		{ "len", &o.len }, { "pps", &o.pps }, { "start", &o.start },
		{ "seed", &o.seed }, { "trace", &o.trace },
		{ "mbuf_max", &o.mbuf_max }, { "gap", &o.gap },
		{ "starve", &o.starve }, { "mtu", &o.mtu },
		{ "nolink", &o.nolink },
	};

	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t k;

		if (eq == NULL)
			goto bad;
		*eq = '\0';
		if (strcmp(argv[i], "dst") == 0) {
			snprintf(o.dst, sizeof(o.dst), "%s", eq + 1);
			continue;
		}
		if (strcmp(argv[i], "sizes") == 0) {
			parse_sizes(eq + 1);
			continue;
		}
		if (strcmp(argv[i], "jitter") == 0) {
			o.jitter = strtod(eq + 1, NULL);
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(argv[i], keys[k].key) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			goto bad;
		*keys[k].v = strtoull(eq + 1, NULL, 0);
		continue;
bad:
		fprintf(stderr, "test_dmanic: bad argument %s\n", argv[i]);
		exit(2);
	}
}

/* --- a machine of hosts with one DMA NIC each ----------------------------------- */

static struct scenario sc;
static struct sc_host hosts[2];
static struct sc_nic nics[2];

static void
host_setup(unsigned i, const char *name)
{
	struct sc_host *h = &hosts[i];
	struct sc_nic *n = &nics[i];

	memset(h, 0, sizeof(*h));
	memset(n, 0, sizeof(*n));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->cpus = (unsigned)o.cpus;
	h->tick_hz = (int)o.hz;
	h->quantum_ns = 10000000;
	sim_cost_defaults(&h->cost);
	h->rx_model = o.legacy ? SC_RX_LEGACY : SC_RX_POLL;
	snprintf(n->name, sizeof(n->name), "dm0");
	n->type = SC_NIC_DMA;
	sc_nic_default_mac(i, 0, n->mac);
	n->rx_ring = (unsigned)o.rx_ring;
	n->tx_ring = (unsigned)o.tx_ring;
	n->mitigation = o.mitigation != 0;
	n->intr_max = o.intr_max;
	n->coalesce_frames = (unsigned)o.coalesce_frames;
	n->coalesce_ns = o.coalesce;
	n->dma_latency_ns = o.dma_latency;
	n->dma_rate_bps = o.dma_rate;
	n->intr_cpu = (unsigned)o.intr_cpu;
	n->intr_cpu_given = true;
	h->nnics = 1;
	h->nics = n;
}

static void
machine_setup(struct sim_machine *m, unsigned nhosts, const char *const *names)
{
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test_dmanic");
	sc.file = "(test_dmanic)";
	sc.seed = o.seed;
	sc.duration_ns = 100ULL * NS_PER_S;
	sc.interleaving.window_ns = 16;
	sc.interleaving.jitter_q16 = (uint64_t)(o.jitter * 65536.0);
	for (unsigned i = 0; i < nhosts; i++)
		host_setup(i, names[i]);
	sc.nhosts = nhosts;
	sc.hosts = hosts;
	if (sim_world_build(m, &sc, o.seed) != 0) {
		fprintf(stderr, "test_dmanic: machine set-up failed\n");
		exit(2);
	}
}

static const struct sim_link_params *
link_params(void)
{
	static struct sim_link_params p;

	p.rate_bps = o.rate;
	p.delay_ns = o.delay;
	p.mtu = (uint32_t)o.mtu;
	return &p;
}

/* --- what the cards see ----------------------------------------------------------- */

static const char *const stat_names[DMANIC_NSTATS] = {
	"rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "drops_ring_full",
	"drops_mac_filter", "drops_too_long", "drops_rx_off",
	"tx_drops_no_link", "tx_errors", "intrs", "dma_transfers",
};

static uint64_t
frame_seq(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;

	if (len < SIM_GEN_LEN_MIN)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | data[SIM_ETHER_HDR_LEN + i];
	return v;
}

static void
observe(void *arg, struct device *dev, enum sim_nic_dma_event ev,
    const uint8_t *data, uint32_t len, uint64_t t)
{
	(void)arg;
	(void)dev;
	switch (ev) {
	case SIM_NIC_DMA_DOORBELL:
		printf("doorbell %llu\n", (unsigned long long)t);
		break;
	case SIM_NIC_DMA_TX_WIRE:
		printf("wire %llu %u %llu\n",
		    (unsigned long long)frame_seq(data, len), len,
		    (unsigned long long)t);
		break;
	case SIM_NIC_DMA_RX_DONE:
		printf("rxdone %llu %u %llu\n",
		    (unsigned long long)frame_seq(data, len), len,
		    (unsigned long long)t);
		break;
	}
}

/* --- reports ---------------------------------------------------------------------- */

static void
print_nic(const char *prefix, struct device *dev)
{
	printf("%s", prefix);
	for (int i = 0; i < DMANIC_NSTATS; i++)
		printf(" %s=%llu", stat_names[i], (unsigned long long)
		    dev->ops->read(dev, DMANIC_STAT(i), 8));
	printf("\n");
}

/* Every counter of the host, GROUP.NAME=V, summed over CPUs (first seen order). */
static void
print_evcnts(struct sim_host *h)
{
	printf("ev");
	for (u_int i = 0; i < h->nevcnts; i++) {
		const struct evcnt *ev = h->evcnts[i];
		uint64_t sum = 0;
		bool seen = false;

		for (u_int j = 0; j < i && !seen; j++)
			seen = strcmp(h->evcnts[j]->ev_group, ev->ev_group) == 0 &&
			    strcmp(h->evcnts[j]->ev_name, ev->ev_name) == 0;
		if (seen)
			continue;
		for (u_int j = i; j < h->nevcnts; j++)
			if (strcmp(h->evcnts[j]->ev_group, ev->ev_group) == 0 &&
			    strcmp(h->evcnts[j]->ev_name, ev->ev_name) == 0)
				sum += h->evcnts[j]->ev_count;
		printf(" %s.%s=%llu", ev->ev_group, ev->ev_name,
		    (unsigned long long)sum);
	}
	printf("\n");
}

static void
print_cpus(struct sim_host *h)
{
	for (u_int c = 0; c < h->ncpu; c++) {
		const struct cpu_info *ci = &h->cpus[c];
		uint64_t intr, soft;

		sim_cpu_intr_ns(ci, &intr, &soft);
		printf("cpu %u busy=%llu intr=%llu softint=%llu\n", c,
		    (unsigned long long)sim_cpu_busy(ci), (unsigned long long)intr,
		    (unsigned long long)soft);
	}
}

static void
print_link(const struct sim_link *l, enum sim_link_dirn d)
{
	const struct sim_link_counters *c = sim_link_counters(l, d);

	printf("link tx_frames=%llu rx_frames=%llu drops_loss=%llu "
	    "drops_mtu=%llu\n", (unsigned long long)c->tx_frames,
	    (unsigned long long)c->rx_frames, (unsigned long long)c->drops_loss,
	    (unsigned long long)c->drops_mtu);
}

static int
finish(struct sim_machine *m)
{
	int status = m->stop_status < 0 ? SIM_EXIT_OK : m->stop_status;

	if (status != SIM_EXIT_OK)
		fprintf(stderr, "test_dmanic: %s\n", m->stop_reason);
	printf("end t=%llu status=%d points=%llu events=%llu "
	    "fingerprint=%016llx\n",
	    (unsigned long long)sim_machine_end_time(m), status,
	    (unsigned long long)m->points, (unsigned long long)m->eng.executed,
	    (unsigned long long)sim_engine_fingerprint(&m->eng));
	return status;
}

/* --- flood: a generator on the far end of the link -------------------------------- */

static struct sim_port *flood_src;
static struct sim_gen *flood_gen;

/* Mbuf exhaustion: cap the pools, take everything, hold it, give it back. */
static void
flood_hog(void *arg)
{
	struct mbuf *held = NULL, *m;
	int ticks = (int)((o.starve * o.hz + NS_PER_S - 1) / NS_PER_S);

	(void)arg;
	mb_sethardlimits((int)o.mbuf_max, (int)o.mbuf_max);
	while ((m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) != NULL) {
		m->m_nextpkt = held;
		held = m;
	}
	kpause("hog", false, MAX(ticks, 1), NULL);
	while ((m = held) != NULL) {
		held = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m_freem(m);
	}
}

static void
flood_start(struct sim_machine *m)
{
	struct sim_gen_params gp = { 0 };
	static const uint8_t other[6] = { 0x02, 0xee, 0, 0, 0, 0x99 };

	gp.frame_len = (uint32_t)o.len;
	gp.count = o.count;
	gp.rate_pps = o.pps;
	gp.start_ns = m->eng.now + o.start;
	gp.src[0] = 0x02;
	gp.src[1] = 0xee;
	gp.src[5] = 0x01;
	if (strcmp(o.dst, "bcast") == 0)
		memset(gp.dst, 0xff, 6);
	else if (strcmp(o.dst, "other") == 0)
		memcpy(gp.dst, other, 6);
	else
		memcpy(gp.dst, nics[0].mac, 6);
	flood_gen = sim_gen_create(m->topo, "src", flood_src, &gp);
	if (flood_gen == NULL)
		exit(2);
	printf("start %llu\n", (unsigned long long)gp.start_ns);
	if (o.starve != 0)
		sim_lwp_create(&m->hosts[0], &m->hosts[0].cpus[o.intr_cpu],
		    flood_hog, NULL, false, "hog");
}

static void
print_gen(void)
{
	const struct sim_gen_counters *c = sim_gen_counters(flood_gen);

	printf("gen tx_frames=%llu nobuf=%llu\n",
	    (unsigned long long)c->tx_frames, (unsigned long long)c->nobuf);
}

static int
cmd_flood(int argc, char **argv)
{
	static const char *const names[] = { "dut" };
	struct sim_machine m;
	struct sim_link *l;
	int status;

	parse_opts(argc, argv);
	machine_setup(&m, 1, names);
	flood_src = sim_topology_port_create(m.topo, "src");
	if (flood_src == NULL || (l = sim_link_create(m.topo, "l0", flood_src,
	    sim_topology_nic_port(&m, 0, 0), link_params(),
	    link_params())) == NULL)
		exit(2);
	if (o.trace)
		sim_nic_dma_observe(m.hosts[0].devices, observe, NULL);
	m.after_boot = flood_start;
	sim_world_boot(&m);
	sim_machine_run(&m);
	print_nic("nic", m.hosts[0].devices);
	print_evcnts(&m.hosts[0]);
	print_link(l, SIM_LINK_AB);
	print_gen();
	print_cpus(&m.hosts[0]);
	status = finish(&m);
	sim_world_destroy(&m);
	return status;
}

/* --- pair: a simulated program sends through one card to the other --------------- */

static void
pair_sender(void *arg)
{
	struct ifnet *ifp = if_first();

	(void)arg;
	KASSERT(ifp != NULL);
	for (unsigned i = 0; i < o.nsizes; i++) {
		struct mbuf *m = m_getcl(M_WAITOK, MT_DATA, M_PKTHDR);
		uint8_t *p = mtod(m, uint8_t *);
		uint32_t len = o.sizes[i];

		KASSERT(len >= SIM_GEN_LEN_MIN && len <= MCLBYTES);
		memset(p, 0, len);
		memcpy(p, nics[1].mac, 6);
		memcpy(p + 6, nics[0].mac, 6);
		p[12] = 0x88;
		p[13] = 0xb5;
		p[SIM_ETHER_HDR_LEN + 7] = (uint8_t)i;
		m->m_len = m->m_pkthdr.len = (int)len;
		if ((*ifp->if_transmit)(ifp, m) != 0)
			panic("pair: transmit failed");
		kpause("gap", false, MAX(1, (int)(o.gap * o.hz / NS_PER_S)),
		    NULL);
	}
}

static void
pair_start(struct sim_machine *m)
{
	sim_lwp_create(&m->hosts[0], &m->hosts[0].cpus[0], pair_sender, NULL,
	    false, "sender");
}

static int
cmd_pair(int argc, char **argv)
{
	static const char *const names[] = { "a", "b" };
	struct sim_machine m;
	struct sim_link *l;
	int status;

	o.rate = 1000000000ULL;
	o.delay = 10000;
	o.cpus = 1;
	parse_opts(argc, argv);
	machine_setup(&m, 2, names);
	if (o.nolink)
		l = NULL;
	else if ((l = sim_link_create(m.topo, "l0",
	    sim_topology_nic_port(&m, 0, 0), sim_topology_nic_port(&m, 1, 0),
	    link_params(), link_params())) == NULL)
		exit(2);
	sim_nic_dma_observe(m.hosts[0].devices, observe, NULL);
	sim_nic_dma_observe(m.hosts[1].devices, observe, NULL);
	m.after_boot = pair_start;
	sim_world_boot(&m);
	sim_machine_run(&m);
	print_nic("nic_a", m.hosts[0].devices);
	print_nic("nic", m.hosts[1].devices);
	print_evcnts(&m.hosts[1]);
	if (l != NULL)
		print_link(l, SIM_LINK_AB);
	print_cpus(&m.hosts[1]);
	status = finish(&m);
	sim_world_destroy(&m);
	return status;
}

/* --- fault: a driver bug the card refuses ------------------------------------------ */

static const char *fault_kind;

/*
 * Post one 60-byte frame on a transmit ring of our own, then, the card
 * owning the descriptor, make it 2000 bytes long: the card must not copy
 * 2000 bytes into a 60-byte frame.
 */
static void
fault_tx_desc_grown(bus_space_tag_t t, bus_space_handle_t h)
{
	const size_t ring = 8 * sizeof(struct dmanic_txdesc);
	struct dmanic_txdesc *d = kmem_zalloc(ring, KM_SLEEP);
	uint8_t *buf = kmem_zalloc(2048, KM_SLEEP);

	bus_space_write_4(t, h, DMANIC_CTRL, 0);
	bus_space_write_8(t, h, DMANIC_TDBA, (uint64_t)(uintptr_t)d);
	bus_space_write_4(t, h, DMANIC_TDLEN, 8);
	bus_space_write_4(t, h, DMANIC_CTRL, DMANIC_CTRL_TXEN);
	d[0].td_addr = (uint64_t)(uintptr_t)buf;
	d[0].td_len = 60;
	d[0].td_cmd = DMANIC_TXC_EOP;
	bus_space_write_4(t, h, DMANIC_TDT, 1);
	d[0].td_len = 2000;             /* the card's now: a driver bug */
	kpause("fetch", false, 2, NULL);
}

/*
 * Send one 60-byte frame from a buffer in host memory (the card now
 * knows the stretch of the arena it lies in), then one whose buffer is
 * not all host memory: past-span, starting in that stretch and running
 * 30 bytes beyond its end; outside, in the test program's own memory.
 * The card must refuse the second however much it has seen the first's.
 */
static void
fault_tx_buf(bus_space_tag_t t, bus_space_handle_t h, bool past_span)
{
	static uint8_t outside[64];
	const struct sim_arena *ar = &sim_running_cpu()->host->arena;
	const size_t ring = 8 * sizeof(struct dmanic_txdesc);
	struct dmanic_txdesc *d = kmem_zalloc(ring, KM_SLEEP);
	uint8_t *buf = kmem_zalloc(2048, KM_SLEEP);
	uintptr_t lo, hi;

	if (!sim_arena_span(ar, buf, &lo, &hi))
		panic("kmem_zalloc's block is not in the arena");
	/* Else running past the span would still be host memory. */
	if (sim_arena_owns(ar, (const void *)hi))
		panic("the arena goes on past the block's span");
	bus_space_write_4(t, h, DMANIC_CTRL, 0);
	bus_space_write_8(t, h, DMANIC_TDBA, (uint64_t)(uintptr_t)d);
	bus_space_write_4(t, h, DMANIC_TDLEN, 8);
	bus_space_write_4(t, h, DMANIC_CTRL, DMANIC_CTRL_TXEN);
	for (int i = 0; i < 2; i++) {
		d[i].td_addr = (uint64_t)(uintptr_t)buf;
		d[i].td_len = 60;
		d[i].td_cmd = DMANIC_TXC_EOP;
		bus_space_write_4(t, h, DMANIC_TDT, (uint32_t)i + 1);
		kpause("fetch", false, 2, NULL);
		if (!(d[i].td_status & DMANIC_TXS_DD))
			panic("frame %d not sent", i);
	}
	d[2].td_addr = past_span ? (uint64_t)(hi - 30) :
	    (uint64_t)(uintptr_t)outside;
	d[2].td_len = 60;
	d[2].td_cmd = DMANIC_TXC_EOP;
	printf("bad buffer %#llx\n", (unsigned long long)d[2].td_addr);
	fflush(stdout);
	bus_space_write_4(t, h, DMANIC_TDT, 3);
	kpause("fetch", false, 2, NULL);
}

static void
fault_main(void *arg)
{
	device_t dev = device_lookup(0);
	bus_space_tag_t t = device_bus_tag(dev);
	bus_space_handle_t h = device_bus_handle(dev);

	(void)arg;
	if (strcmp(fault_kind, "tx-desc-grown") == 0) {
		fault_tx_desc_grown(t, h);
	} else if (strncmp(fault_kind, "tx-buf-", 7) == 0) {
		fault_tx_buf(t, h, strcmp(fault_kind, "tx-buf-past-span") == 0);
	} else if (strcmp(fault_kind, "bad-ring") == 0) {
		bus_space_write_4(t, h, DMANIC_CTRL, DMANIC_CTRL_TXEN);
		bus_space_write_8(t, h, DMANIC_RDBA, 0x1000);
		bus_space_write_4(t, h, DMANIC_CTRL, DMANIC_CTRL_RXEN);
	} else {
		bus_space_write_8(t, h, DMANIC_RDBA, 0x1000);
	}
	panic("the card took a bad ring");
}

static void
fault_start(struct sim_machine *m)
{
	sim_lwp_create(&m->hosts[0], &m->hosts[0].cpus[0], fault_main, NULL,
	    false, "fault");
}

static int
cmd_fault(const char *kind)
{
	static const char *const names[] = { "dut" };
	struct sim_machine m;
	int status;

	fault_kind = kind;
	machine_setup(&m, 1, names);
	m.after_boot = fault_start;
	sim_world_boot(&m);
	sim_machine_run(&m);
	status = finish(&m);
	sim_world_destroy(&m);
	return status;
}

/* --- intr-alloc: the KASSERT that keeps allocation out of interrupts ---------------- */

static ktimer_t alloc_timer;

static void
alloc_in_intr(void *arg)
{
	(void)arg;
	m_freem(m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR));
}

static void
alloc_main(void *arg)
{
	(void)arg;
	ktimer_init(&alloc_timer, NULL, alloc_in_intr, NULL);
	ktimer_arm(&alloc_timer, getnanouptime() + 1000);
	kpause("wait", false, 2, NULL);
}

static int
cmd_intr_alloc(void)
{
	struct sim_test_opts to = { .quiet = 1 };

	return sim_test_run(&to, alloc_main, NULL, NULL);
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc >= 2 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "pair") == 0)
		return cmd_pair(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "intr-alloc") == 0)
		return cmd_intr_alloc();
	if (argc == 3 && strcmp(argv[1], "fault") == 0)
		return cmd_fault(argv[2]);
	fprintf(stderr, "usage: test_dmanic flood|pair [key=value...] | "
	    "intr-alloc | fault bad-ring|ring-while-enabled|tx-desc-grown|"
	    "tx-buf-past-span|tx-buf-outside\n");
	return 2;
}
