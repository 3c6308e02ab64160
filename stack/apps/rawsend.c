/*
 * rawsend.c -- send raw Ethernet frames through an interface: a traffic
 * source a scenario can run on any host with a NIC.
 *
 * count frames of size bytes go out through the host's interface ifindex
 * (in attach order) to the default MAC of NIC dst_nic of host dst_host
 * (02:00:HH:HH:00:NN, the scenario's numbering), or to the broadcast
 * address.  Each is of the IEEE local-experimental type 0x88b5, which the
 * receiving stack counts in its sink, and carries its sequence number and
 * the virtual time it was made (8 bytes big-endian each), then zeros.
 *
 * With a rate, frame k is due k / rate seconds after the start, and the
 * program sends what is due, then sleeps to the next clock tick: bursts
 * of rate / hz frames.  Without one it sends as fast as the interface
 * takes them.  A frame the interface refuses (its ring is full; the
 * driver counts it in tx_drop_ring) is made again and sent after the next
 * clock tick.  Written against stack/sys/ and the interface layer only.
 */
#include <sys/kern.h>
#include <sys/endian.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/mbuf.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>

#include "apps.h"

enum { RS_IFINDEX, RS_DST_HOST, RS_DST_NIC, RS_SIZE, RS_COUNT, RS_RATE };

static const struct app_param rawsend_params[] = {
	[RS_IFINDEX] = { "ifindex", APP_INT, 0, 0, 15, NULL,
	    "the interface to send through: the host's first is 0", false },
	[RS_DST_HOST] = { "dst_host", APP_INT, -1, -1, 65535, NULL,
	    "the host (its index among the scenario's hosts) whose NIC's "
	    "default MAC the frames go to; -1: broadcast", false },
	[RS_DST_NIC] = { "dst_nic", APP_INT, 0, 0, 15, NULL,
	    "that host's NIC, by index", false },
	[RS_SIZE] = { "size", APP_SIZE, 60, 60, 1514, NULL,
	    "bytes a frame, header included, FCS not", false },
	[RS_COUNT] = { "count", APP_INT, 1000, 1, 1000000000, NULL,
	    "frames to send", false },
	[RS_RATE] = { "rate", APP_RATE_PPS, 0, 0, 100000000, NULL,
	    "frames per second, sent a clock tick's worth at a time; 0: as "
	    "fast as the interface takes them", false },
};

/* Legend: c = constant after start; the counters are the LWP's own. */
struct rawsend {
	struct ifnet *ifp;              /* c */
	uint8_t dst[ETHER_ADDR_LEN];    /* c */
	int size;                       /* c */
	char group[16];                 /* c: "rawsend" or "rawsendN" */
	struct evcnt ev_sent;
	struct evcnt ev_refused;
};

/* Frame seq, made now. */
static struct mbuf *
rawsend_frame(const struct rawsend *rs, uint64_t seq)
{
	struct mbuf *m = rs->size <= MHLEN ? m_gethdr(M_WAITOK, MT_DATA) :
	    m_getcl(M_WAITOK, MT_DATA, M_PKTHDR);
	uint8_t *p = mtod(m, uint8_t *);

	app_frame_head(p, rs->ifp, rs->dst, ETHERTYPE_EXPERIMENTAL, seq);
	memset(p + APP_FRAME_HEAD, 0, (size_t)rs->size - APP_FRAME_HEAD);
	m->m_len = m->m_pkthdr.len = rs->size;
	return m;
}

static void
rawsend_setup(struct rawsend *rs, const struct app_args *args)
{
	u_int index = (u_int)args->v[RS_IFINDEX];

	if ((rs->ifp = app_ifnet(index)) == NULL)
		panic("rawsend: the host has no interface %u", index);
	app_nic_mac(args->v[RS_DST_HOST], args->v[RS_DST_NIC], rs->dst);
	rs->size = (int)args->v[RS_SIZE];
	app_group(rs->group, sizeof(rs->group), "rawsend", args->instance);
	evcnt_attach_dynamic(&rs->ev_sent, EVCNT_TYPE_MISC, NULL, rs->group,
	    "sent");
	evcnt_attach_dynamic(&rs->ev_refused, EVCNT_TYPE_MISC, NULL,
	    rs->group, "refused");
}

static void
rawsend_main(void *argp)
{
	const struct app_args *args = argp;
	uint64_t count = (uint64_t)args->v[RS_COUNT];
	uint64_t rate = (uint64_t)args->v[RS_RATE];
	uint64_t start, tick_ns = 1000000000ULL / (uint64_t)hz;
	struct rawsend *rs;

	rs = kmem_zalloc(sizeof(*rs), KM_SLEEP);
	rawsend_setup(rs, args);
	start = getnanouptime();
	for (uint64_t k = 0; k < count;) {
		uint64_t now = getnanouptime();
		struct mbuf *m;
		int error;

		if (rate != 0) {
			uint64_t due = start + k * 1000000000ULL / rate;

			if (due > now) {
				kpause("rawsend", false, (int)((due - now +
				    tick_ns - 1) / tick_ns), NULL);
				continue;
			}
		}
		m = rawsend_frame(rs, k);
		error = (*rs->ifp->if_transmit)(rs->ifp, m);
		if (error == ENOBUFS) {
			rs->ev_refused.ev_count++;
			kpause("txfull", false, 1, NULL);
			continue;
		}
		KASSERTMSG(error == 0, "%s: %s refused a %d-byte frame: error %d",
		    rs->group, rs->ifp->if_xname, rs->size, error);
		rs->ev_sent.ev_count++;
		k++;
	}
	kern_printf("%s: %llu frames of %d bytes sent through %s (%llu "
	    "refused, sent again)\n", rs->group,
	    (unsigned long long)rs->ev_sent.ev_count, rs->size,
	    rs->ifp->if_xname, (unsigned long long)rs->ev_refused.ev_count);
}

const struct app_desc app_rawsend_desc = {
	.name = "rawsend",
	.doc = "sends raw Ethernet frames of the sink's type through an "
	    "interface, at a rate or as fast as it takes them",
	.params = rawsend_params,
	.nparams = __arraycount(rawsend_params),
	.main = rawsend_main,
};
