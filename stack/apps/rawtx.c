/*
 * rawtx.c -- send raw Ethernet frames through one of the host's
 * interfaces, in bursts: a traffic source inside the simulated machine,
 * for tests and scenarios that need one (the sim side has framegen.h for
 * floods from outside).
 *
 * From `start` on, every interval it hands `burst` frames, back to back,
 * to the interface's if_transmit, until `count` have been offered; start
 * and interval are slept with kpause, so they round up to clock ticks.
 * Each
 * frame is laid out like a framegen frame: destination, the interface's
 * own address, the ethertype (0x88b5, which receivers count in their
 * sink), the frame's number from 0 as 8 bytes big-endian, the virtual
 * time it was made as 8 bytes big-endian, then filler bytes 0, 1, 2, ...
 * The destination is broadcast, or the default address of another
 * host's NIC (02:00:HH:HH:00:NN, scenario.h).
 *
 * A frame the driver refuses (its transmit buffer full) is not retried:
 * the interface counts it (tx_drop_ring) and so does the final line.
 */
#include <sys/kern.h>
#include <sys/mbuf.h>

#include <net/if.h>

#include "apps.h"

enum { RAWTX_NIC, RAWTX_COUNT, RAWTX_LEN, RAWTX_BURST, RAWTX_INTERVAL,
    RAWTX_DST_HOST, RAWTX_DST_NIC, RAWTX_ETHERTYPE, RAWTX_START };

#define RAWTX_LEN_MIN   APP_FRAME_HEAD  /* header, number, time */
#define RAWTX_LEN_MAX   2048

static const struct app_param rawtx_params[] = {
	[RAWTX_NIC] = { "nic", APP_INT, 0, 0, 15, NULL,
	    "which of the host's interfaces sends, in attach order", false },
	[RAWTX_COUNT] = { "count", APP_INT, 1000, 1, 1000000000, NULL,
	    "frames to send", false },
	[RAWTX_LEN] = { "len", APP_SIZE, 60, RAWTX_LEN_MIN, RAWTX_LEN_MAX,
	    NULL, "bytes a frame, without the FCS", false },
	[RAWTX_BURST] = { "burst", APP_INT, 1, 1, 65536, NULL,
	    "frames sent back to back each interval", false },
	[RAWTX_INTERVAL] = { "interval", APP_DURATION, 1000000, 0,
	    10000000000LL, NULL, "time between bursts, rounded up to clock "
	    "ticks; 0: no pause", false },
	[RAWTX_DST_HOST] = { "dst_host", APP_INT, -1, -1, 65535, NULL,
	    "destination: -1 broadcast, else the index of the host whose "
	    "NIC dst_nic's default MAC the frames go to", false },
	[RAWTX_DST_NIC] = { "dst_nic", APP_INT, 0, 0, 15, NULL,
	    "the NIC of dst_host", false },
	[RAWTX_ETHERTYPE] = { "ethertype", APP_INT, 0x88b5, 0x600, 0xffff,
	    NULL, "the frames' ethertype (default: the receivers' sink)",
	    false },
	[RAWTX_START] = { "start", APP_DURATION, 0, 0, 10000000000LL, NULL,
	    "wait this long before the first burst, rounded up to clock "
	    "ticks", false },
};

/* Frame number seq, as the header says. */
static struct mbuf *
rawtx_frame(struct ifnet *ifp, const uint8_t *dst, uint16_t type, int len,
    uint64_t seq)
{
	struct mbuf *m = m_getcl(M_WAIT, MT_DATA, M_PKTHDR);
	uint8_t *p = mtod(m, uint8_t *);

	KASSERT(len >= RAWTX_LEN_MIN && len <= MCLBYTES);
	app_frame_head(p, ifp, dst, type, seq);
	for (int i = RAWTX_LEN_MIN; i < len; i++)
		p[i] = (uint8_t)(i - RAWTX_LEN_MIN);
	m->m_len = len;
	m->m_pkthdr.len = len;
	return m;
}

/* Clock ticks covering ns, rounded up. */
static int
rawtx_ticks(int64_t ns)
{
	return (int)howmany((uint64_t)ns * (uint64_t)hz, 1000000000ULL);
}

static void
rawtx_main(void *argp)
{
	const struct app_args *args = argp;
	struct ifnet *ifp = app_ifnet((u_int)args->v[RAWTX_NIC]);
	uint64_t count = (uint64_t)args->v[RAWTX_COUNT];
	uint64_t burst = (uint64_t)args->v[RAWTX_BURST];
	int ticks = rawtx_ticks(args->v[RAWTX_INTERVAL]);
	int start = rawtx_ticks(args->v[RAWTX_START]);
	uint64_t sent = 0, refused = 0;
	uint8_t dst[ETHER_ADDR_LEN];

	if (ifp == NULL)
		panic("rawtx: the host has no interface number %lld",
		    (long long)args->v[RAWTX_NIC]);
	app_nic_mac(args->v[RAWTX_DST_HOST], args->v[RAWTX_DST_NIC], dst);
	if (start > 0)
		(void)kpause("rawtx", false, start, NULL);
	for (uint64_t seq = 0; seq < count;) {
		for (uint64_t b = 0; b < burst && seq < count; b++, seq++) {
			struct mbuf *m = rawtx_frame(ifp, dst,
			    (uint16_t)args->v[RAWTX_ETHERTYPE],
			    (int)args->v[RAWTX_LEN], seq);

			if ((*ifp->if_transmit)(ifp, m) == 0)
				sent++;
			else
				refused++;
		}
		if (seq < count && ticks > 0)
			(void)kpause("rawtx", false, ticks, NULL);
	}
	kern_printf("rawtx: %s: %llu frames sent, %llu refused by the "
	    "driver\n", ifp->if_xname, (unsigned long long)sent,
	    (unsigned long long)refused);
}

const struct app_desc app_rawtx_desc = {
	.name = "rawtx",
	.doc = "sends raw Ethernet frames (ethertype 0x88b5 by default) "
	    "through one of the host's interfaces, in bursts",
	.params = rawtx_params,
	.nparams = __arraycount(rawtx_params),
	.main = rawtx_main,
};
