/*
 * rawsend.c -- send raw Ethernet frames through one of the host's
 * interfaces: a traffic source inside the simulated machine, for tests
 * and scenarios that need one (the sim side has framegen.h for floods
 * from outside).
 *
 * count frames go out in one of two rhythms.  With a rate, frame k is
 * due k / rate seconds after the start: the program sends what is due,
 * then sleeps to the next clock tick (bursts of rate / hz frames), and a
 * frame the interface refuses (its ring is full) is made again after the
 * next tick, so every frame goes out; rawsend.sent and rawsend.refused
 * count them.  Without a rate, every interval it hands burst frames back
 * to back to the interface, and one it refuses is lost: the interface
 * counts it (tx_drop_ring), and so does the final line.  start and
 * interval are slept with kpause, so they round up to clock ticks.
 *
 * Each frame is laid out like a framegen frame: the destination (a NIC's
 * MAC, which the scenario loader found from "HOST.NIC", or broadcast),
 * the interface's own address, the ethertype (0x88b5 by default, which
 * receivers count in their sink), the frame's number from 0 and the
 * virtual time it was made, 8 bytes big-endian each, then filler bytes
 * 0, 1, 2, ...
 *
 * The two rhythms are the two programs this one replaced, kept call for
 * call: a paced frame is built in an mbuf of its own when it fits and a
 * burst's always in a cluster, and only the paced sender allocates state
 * and counters.  Every kernel-service call is a scheduling point, so any
 * other mix would move the pinned runs of scenarios/nic-*.json.  Written
 * against stack/sys/ and the interface layer only.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>

#include <kern/endian.h>
#include <kern/mbuf.h>

#include <net/if.h>
#include <net/if_ether.h>

#include "apps.h"

enum { RS_DEV, RS_DST, RS_SIZE, RS_COUNT, RS_RATE, RS_BURST, RS_INTERVAL,
    RS_START, RS_ETHERTYPE };

#define RS_SIZE_MIN     APP_FRAME_HEAD  /* header, number, time */
#define RS_SIZE_MAX     MCLBYTES

static const struct app_param rawsend_params[] = {
	[RS_DEV] = { "dev", APP_IFACE, 0, 0, 0, NULL,
	    "the interface it sends through: a NIC or a virtual pair's end of "
	    "its host", true },
	[RS_DST] = { "dst", APP_ETHER, APP_ETHER_BROADCAST, 0,
	    APP_ETHER_BROADCAST, NULL, "where the frames go: \"HOST.NIC\" "
	    "(that NIC's MAC) or \"broadcast\"", false },
	[RS_SIZE] = { "size", APP_SIZE, 60, RS_SIZE_MIN, RS_SIZE_MAX, NULL,
	    "bytes a frame, header included, FCS not", false },
	[RS_COUNT] = { "count", APP_INT, 1000, 1, 1000000000, NULL,
	    "frames to send", false },
	[RS_RATE] = { "rate", APP_RATE_PPS, 0, 0, 100000000, NULL,
	    "frames a second, sent a clock tick's worth at a time, a refused "
	    "one again after the next tick; 0: in bursts instead", false },
	[RS_BURST] = { "burst", APP_INT, 1, 1, 65536, NULL,
	    "without a rate: frames handed to the interface back to back each "
	    "interval; one it refuses is lost", false },
	[RS_INTERVAL] = { "interval", APP_DURATION, 1000000, 0,
	    10000000000LL, NULL, "without a rate: the time between bursts, "
	    "rounded up to clock ticks; 0: no pause", false },
	[RS_START] = { "start", APP_DURATION, 0, 0, 10000000000LL, NULL,
	    "wait this long before the first frame, rounded up to clock "
	    "ticks", false },
	[RS_ETHERTYPE] = { "ethertype", APP_INT, ETHERTYPE_EXPERIMENTAL,
	    0x600, 0xffff, NULL, "the frames' ethertype (default 0x88b5: the "
	    "receivers' sink)", false },
};

static const struct app_excl rawsend_excl[] = {
	{ "rate", "burst", "with a rate, frames go out as they fall due, not "
	  "in bursts" },
	{ "rate", "interval", "with a rate, frames go out as they fall due, "
	  "not every interval" },
};

/* What a frame needs; legend: c = constant after start. */
struct rawsend_frame {
	struct ifnet *ifp;              /* c */
	uint8_t dst[ETHER_ADDR_LEN];    /* c */
	uint16_t type;                  /* c */
	int size;                       /* c */
	bool cluster;                   /* c: always in a cluster */
};

/* The paced sender's state: its counters outlive its LWP. */
struct rawsend {
	struct rawsend_frame f;
	char group[16];                 /* c: "rawsend" or "rawsendN" */
	struct evcnt ev_sent;
	struct evcnt ev_refused;
};

/* Frame number seq of f, made now. */
static struct mbuf *
rawsend_frame(const struct rawsend_frame *f, uint64_t seq)
{
	struct mbuf *m = f->cluster || f->size > MHLEN ?
	    m_getcl(M_WAITOK, MT_DATA, M_PKTHDR) : m_gethdr(M_WAITOK, MT_DATA);
	uint8_t *p = mtod(m, uint8_t *);

	KASSERT(f->size >= RS_SIZE_MIN && f->size <= MCLBYTES);
	app_frame_head(p, f->ifp, f->dst, f->type, seq);
	for (int i = RS_SIZE_MIN; i < f->size; i++)
		p[i] = (uint8_t)(i - RS_SIZE_MIN);
	m->m_len = m->m_pkthdr.len = f->size;
	return m;
}

/* f from the program's parameters. */
static void
rawsend_frame_init(struct rawsend_frame *f, const struct app_args *args,
    bool cluster)
{
	/* The loader checked that the host has this interface. */
	f->ifp = app_ifnet((u_int)args->v[RS_DEV]);
	KASSERTMSG(f->ifp != NULL, "rawsend: no interface %lld",
	    (long long)args->v[RS_DEV]);
	app_ether_addr(args->v[RS_DST], f->dst);
	f->type = (uint16_t)args->v[RS_ETHERTYPE];
	f->size = (int)args->v[RS_SIZE];
	f->cluster = cluster;
}

/* Clock ticks covering ns, rounded up. */
static int
rawsend_ticks(int64_t ns)
{
	return (int)howmany((uint64_t)ns * (uint64_t)hz, 1000000000ULL);
}

static void
rawsend_counters(struct rawsend *rs)
{
	struct evcnt *ev[] = { &rs->ev_sent, &rs->ev_refused };
	static const char *const names[] = { "sent", "refused" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(rs->group, ev, names, __arraycount(ev), true);
}

/* With a rate: each frame when it falls due; a refused one again. */
static void
rawsend_paced(const struct app_args *args)
{
	uint64_t count = (uint64_t)args->v[RS_COUNT];
	uint64_t rate = (uint64_t)args->v[RS_RATE];
	uint64_t start, tick_ns = 1000000000ULL / (uint64_t)hz;
	int delay = rawsend_ticks(args->v[RS_START]);
	struct rawsend *rs;

	KASSERT(rate > 0 && count > 0);
	rs = kmem_zalloc(sizeof(*rs), KM_SLEEP);
	rawsend_frame_init(&rs->f, args, false);
	app_group(rs->group, sizeof(rs->group), "rawsend", args->instance);
	rawsend_counters(rs);
	if (delay > 0)
		(void)kpause("rawsend", false, delay, NULL);
	start = getnanouptime();
	for (uint64_t k = 0; k < count;) {
		uint64_t now = getnanouptime();
		uint64_t due = start + k * 1000000000ULL / rate;
		int error;

		if (due > now) {
			kpause("rawsend", false, (int)((due - now + tick_ns - 1) /
			    tick_ns), NULL);
			continue;
		}
		error = (*rs->f.ifp->if_transmit)(rs->f.ifp,
		    rawsend_frame(&rs->f, k));
		if (error == ENOBUFS) {
			rs->ev_refused.ev_count++;
			kpause("txfull", false, 1, NULL);
			continue;
		}
		KASSERTMSG(error == 0, "%s: %s refused a %d-byte frame: error %d",
		    rs->group, rs->f.ifp->if_xname, rs->f.size, error);
		rs->ev_sent.ev_count++;
		k++;
	}
	kern_printf("%s: %s: %llu frames of %d bytes sent, %llu refused and "
	    "sent again\n", rs->group, rs->f.ifp->if_xname,
	    (unsigned long long)rs->ev_sent.ev_count, rs->f.size,
	    (unsigned long long)rs->ev_refused.ev_count);
}

/* Without a rate: burst frames every interval; a refused one is lost. */
static void
rawsend_bursts(const struct app_args *args)
{
	uint64_t count = (uint64_t)args->v[RS_COUNT];
	uint64_t burst = (uint64_t)args->v[RS_BURST];
	int ticks = rawsend_ticks(args->v[RS_INTERVAL]);
	int delay = rawsend_ticks(args->v[RS_START]);
	uint64_t sent = 0, refused = 0;
	struct rawsend_frame f;
	char group[16];

	KASSERT(burst > 0 && count > 0);
	rawsend_frame_init(&f, args, true);
	app_group(group, sizeof(group), "rawsend", args->instance);
	if (delay > 0)
		(void)kpause("rawsend", false, delay, NULL);
	for (uint64_t seq = 0; seq < count;) {
		for (uint64_t b = 0; b < burst && seq < count; b++, seq++) {
			if ((*f.ifp->if_transmit)(f.ifp,
			    rawsend_frame(&f, seq)) == 0)
				sent++;
			else
				refused++;
		}
		if (seq < count && ticks > 0)
			(void)kpause("rawsend", false, ticks, NULL);
	}
	kern_printf("%s: %s: %llu frames of %d bytes sent, %llu refused by "
	    "the driver\n", group, f.ifp->if_xname, (unsigned long long)sent,
	    f.size, (unsigned long long)refused);
}

static void
rawsend_main(void *argp)
{
	const struct app_args *args = argp;

	if (args->v[RS_RATE] != 0)
		rawsend_paced(args);
	else
		rawsend_bursts(args);
}

const struct app_desc app_rawsend_desc = {
	.name = "rawsend",
	.doc = "sends raw Ethernet frames through one of its host's "
	    "interfaces, at a rate (a refused frame sent again, counted in "
	    "rawsend.sent and rawsend.refused) or in bursts (a refused frame "
	    "lost)",
	.params = rawsend_params,
	.nparams = __arraycount(rawsend_params),
	.main = rawsend_main,
	.excl = rawsend_excl,
	.nexcl = __arraycount(rawsend_excl),
};
