/*
 * test_sock.c -- sockets, UDP, raw IP and the network programs, run as
 * stack code on the simulated machine (sim/world/testhook.h).
 *
 *   test_sock CASE [SEED]
 *
 * One host whose branes are joined by virtual Ethernet pairs (vpairs):
 * "pair" is brane a (vp0a 10.0.0.1/24) -- brane b (vp0b 10.0.0.2/24);
 * "router" is brane a (10.0.1.1/24) -- brane r (10.0.1.2, 10.0.2.2,
 * forwarding) -- brane b (10.0.2.1/24), a and b routing everything else
 * through r.  Cases:
 *
 *   udp        datagrams of many sizes intact between two branes, with
 *              their sender; EMSGSIZE, EADDRINUSE, EADDRNOTAVAIL,
 *              ephemeral ports, non-blocking receives, a receive timeout
 *   badsum     UDP built by hand through a raw socket: good, bad and no
 *              checksum, a bad length, a short header
 *   refused    a connected socket hears ECONNREFUSED (blocked in receive,
 *              and on the next send); an unconnected one does not
 *   lazy       receive work by the waiting LWP, on its CPU, then by the
 *              continuation when nobody waits; the counters add up
 *   nolock     demux delivers while a reader holds the socket lock
 *   tcpburst   a burst of BURST_K TCP segments back to back into one
 *              connection whose reader holds the socket lock (a Linux
 *              peer's window to a server echoing): demux queues every
 *              one, most behind the stream's small PCQ, and the reader
 *              then takes them all, in order, none sent again
 *   branes     identical addresses and ports in two brane pairs never
 *              meet; chbrane moves new sockets, old ones stay
 *   flood N R  udp_send -> udp_echo across the router: N datagrams at R
 *              packets a second; prints every counter of the host
 *   ping       ping across the router with a cost table that prices only
 *              probes (RTT by hand), to an unrouted address, and from a
 *              brane with no route at all; udp_send to a closed port
 *
 * Each case prints "ok CASE key=value ..." (and what the programs print)
 * and exits 0, or stops the run with a report; the last line printed is
 * then the command that replays it.  Observations are kept in this
 * file's statics: the body runs on the simulated machine, but this file
 * is machine-side code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/atomic.h"
#include "stack/sys/condvar.h"
#include "stack/sys/evcnt.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/sys/sdt.h"
#include "stack/kern/ksocket.h"
#include "stack/kern/mbuf.h"
#include "stack/kern/pcq.h"
#include "stack/kern/proc.h"
#include "stack/apps/apps.h"
#include "stack/net/brane.h"
#include "stack/net/if.h"
#include "stack/net/if_vpair.h"
#include "stack/netinet/in.h"
#include "stack/netinet/in_var.h"
#include "stack/netinet/ip.h"
#include "stack/netinet/ip_var.h"
#include "stack/netinet/raw_ip_var.h"
#include "stack/netinet/route.h"
#include "stack/netinet/tcp.h"
#include "stack/netinet/tcp_var.h"
#include "stack/netinet/udp.h"
#include "stack/netinet/udp_var.h"

#define FAIL(...)       panic(__VA_ARGS__)
#define CHECK(e, ...)   do { if (!(e)) FAIL(__VA_ARGS__); } while (0)
#define CHECK_ERR(call, want) do {                                      \
	int e_ = (call);                                                \
	if (e_ != (want))                                               \
		FAIL("%s: error %d, expected %d", #call, e_, (want));   \
} while (0)

#define TICK_NS         1000000ULL      /* hz = 1000 */

static uint64_t seed = 1;
static const char *case_name;
static char result[4096];               /* the "ok" line's key=values */
static long flood_count = 100000, flood_rate = 100000;

static void
say(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static void
say(const char *fmt, ...)
{
	size_t n = strlen(result);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result + n, sizeof(result) - n, fmt, ap);
	va_end(ap);
}

/* --- addresses, branes, pairs -------------------------------------------- */

#define A4(a, b, c, d)  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))

static struct in_addr
ina(uint32_t host_order)
{
	struct in_addr a = { htonl(host_order) };

	return a;
}

static struct sockaddr_in
sin4(uint32_t host_order, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_len = sizeof(s);
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr = ina(host_order);
	return s;
}

#define SA(s)   ((const struct sockaddr *)(s))
#define SAW(s)  ((struct sockaddr *)(s))

static void
addr_add(struct brane *br, struct ifnet *ifp, uint32_t a, u_int plen)
{
	int error = in_addr_add(br, ifp, ina(a), plen);

	CHECK(error == 0, "in_addr_add %s: error %d", ifp->if_xname, error);
}

/* A vpair between two branes, polled on CPU cpu, with addresses. */
static void
mkpair(const char *an, struct brane *ba, uint32_t aa, const char *bn,
    struct brane *bb, uint32_t ab, u_int plen, u_int cpu)
{
	struct ifnet *ia, *ib;

	CHECK(vpair_create(an, bn, cpu_lookup(cpu % kern_ncpu()), &ia, &ib) ==
	    0, "vpair_create %s", an);
	brane_attach_ifnet(ba, ia);
	brane_attach_ifnet(bb, ib);
	addr_add(ba, ia, aa, plen);
	addr_add(bb, ib, ab, plen);
}

static void
route_add(struct brane *br, uint32_t dst, u_int plen, uint32_t gw)
{
	int error = rt_add(br, ina(dst), plen, ina(gw), NULL, 0);

	CHECK(error == 0, "rt_add in %s: error %d", br->br_name, error);
}

static struct brane *br_a, *br_b, *br_r;
static struct proc proc_a, proc_b, proc_r;

static void
mkproc(struct proc *p, const char *name, struct brane *br)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->p_comm, sizeof(p->p_comm), "%s", name);
	p->p_brane = br;
}

/* The pair, polled on CPU cpu. */
static void
topo_pair_on(u_int cpu)
{
	br_a = brane_create("a");
	br_b = brane_create("b");
	mkpair("vp0a", br_a, A4(10, 0, 0, 1), "vp0b", br_b, A4(10, 0, 0, 2),
	    24, cpu);
	mkproc(&proc_a, "pa", br_a);
	mkproc(&proc_b, "pb", br_b);
}

static void
topo_pair(void)
{
	topo_pair_on(0);
}

static void
topo_router(void)
{
	br_a = brane_create("a");
	br_r = brane_create("r");
	br_b = brane_create("b");
	mkpair("vp0a", br_a, A4(10, 0, 1, 1), "vp0b", br_r, A4(10, 0, 1, 2),
	    24, 1);
	mkpair("vp1a", br_r, A4(10, 0, 2, 2), "vp1b", br_b, A4(10, 0, 2, 1),
	    24, 2);
	route_add(br_a, 0, 0, A4(10, 0, 1, 2));
	route_add(br_b, 0, 0, A4(10, 0, 2, 2));
	br_r->br_inet->ib_forwarding = true;
	mkproc(&proc_a, "pa", br_a);
	mkproc(&proc_b, "pb", br_b);
	mkproc(&proc_r, "pr", br_r);
}

/* A UDP (or raw) socket in p's brane, bound if port != 0. */
static struct socket *
mksock(struct proc *p, int type, int proto, uint32_t addr, uint16_t port)
{
	struct socket *so;
	struct sockaddr_in s = sin4(addr, port);

	proc_adopt(p);
	CHECK_ERR(socreate(AF_INET, &so, type, proto), 0);
	proc_adopt(NULL);
	CHECK(so->so_brane == p->p_brane, "socket in brane %s, not %s",
	    so->so_brane->br_name, p->p_brane->br_name);
	if (port != 0)
		CHECK_ERR(sobind(so, SA(&s)), 0);
	return so;
}

static uint64_t
udpstat(struct brane *br, enum udpstat_id id)
{
	return br->br_udp->ub_stat[id].ev_count;
}

static void
fill(uint8_t *p, size_t n, uint32_t tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(tag * 31 + i * 7);
}

/* Receive one datagram (blocking, 100 ms at most) and check it. */
static void
expect_dgram(struct socket *so, const uint8_t *want, size_t wantlen,
    uint32_t from_addr, uint16_t from_port)
{
	static uint8_t buf[SO_SEND_MAX];
	struct sockaddr_in from;
	uint64_t timeo = 100 * TICK_NS;
	size_t len = sizeof(buf);

	CHECK_ERR(sosetopt(so, SOL_SOCKET, SO_RCVTIMEO, &timeo, sizeof(timeo)),
	    0);
	memset(&from, 0, sizeof(from));
	CHECK_ERR(soreceive(so, SAW(&from), buf, &len, 0), 0);
	CHECK(len == wantlen, "datagram of %zu bytes, expected %zu", len,
	    wantlen);
	CHECK(memcmp(buf, want, len) == 0, "datagram of %zu bytes changed",
	    len);
	CHECK(from.sin_family == AF_INET && from.sin_len == sizeof(from) &&
	    ntohl(from.sin_addr.s_addr) == from_addr &&
	    ntohs(from.sin_port) == from_port, "sender %08x:%u, expected "
	    "%08x:%u", ntohl(from.sin_addr.s_addr), ntohs(from.sin_port),
	    from_addr, from_port);
}

/* Send a string to 10.0.0.2:port. */
static void
send_str(struct socket *so, uint16_t port, const char *s)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), port);

	CHECK_ERR(sosend(so, SA(&to), s, strlen(s), 0), 0);
}

static void
expect_none(struct socket *so)
{
	uint8_t buf[16];
	size_t len = sizeof(buf);

	CHECK_ERR(soreceive(so, NULL, buf, &len, MSG_DONTWAIT), EWOULDBLOCK);
}

/* --- udp --------------------------------------------------------------------- */

static void
udp_sizes(struct socket *s1, struct socket *s2)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 100, 119, 120, 121, 183,
	    184, 500, 1000, 1471, 1472 };
	static uint8_t buf[1500];
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);

	for (u_int i = 0; i < __arraycount(sizes); i++) {
		fill(buf, sizes[i], i);
		CHECK_ERR(sosend(s1, SA(&to), buf, sizes[i], 0), 0);
		expect_dgram(s2, buf, sizes[i], A4(10, 0, 0, 1), 5000);
	}
	say(" sizes=%u", (u_int)__arraycount(sizes));
	/* Larger than the MTU: no fragmentation.  Larger than UDP can be. */
	CHECK_ERR(sosend(s1, SA(&to), buf, 1473, 0), EMSGSIZE);
	CHECK_ERR(sosend(s1, SA(&to), buf, SO_SEND_MAX + 1, 0), EMSGSIZE);
}

static void
udp_binds(void)
{
	struct sockaddr_in s;
	struct socket *x;

	/* b holds *:7 already: its address and the wildcard are taken. */
	x = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	s = sin4(A4(10, 0, 0, 2), 7);
	CHECK_ERR(sobind(x, SA(&s)), EADDRINUSE);
	s = sin4(0, 7);
	CHECK_ERR(sobind(x, SA(&s)), EADDRINUSE);
	/* a's address is not b's. */
	s = sin4(A4(10, 0, 0, 1), 8);
	CHECK_ERR(sobind(x, SA(&s)), EADDRNOTAVAIL);
	s = sin4(A4(10, 0, 0, 2), 8);
	CHECK_ERR(sobind(x, SA(&s)), 0);
	CHECK_ERR(sobind(x, SA(&s)), EINVAL);   /* bound already */
	soclose(x);
	/* Closed: the port is free again. */
	x = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 2), 8);
	soclose(x);
	say(" binds=ok");
}

static void
udp_ephemeral(struct socket *s2)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);
	struct socket *e1, *e2;
	uint8_t b = 42;

	e1 = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	e2 = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	CHECK_ERR(sosend(e1, SA(&to), &b, 1, 0), 0);
	expect_dgram(s2, &b, 1, A4(10, 0, 0, 1), 49152);
	CHECK_ERR(sosend(e2, SA(&to), &b, 1, 0), 0);
	expect_dgram(s2, &b, 1, A4(10, 0, 0, 1), 49153);
	soclose(e1);
	soclose(e2);
	say(" ephemeral=49152,49153");
}

static void
udp_nonblocking(struct socket *s2)
{
	int on = 1, off = 0;
	uint8_t buf[8];
	size_t len = sizeof(buf);

	CHECK_ERR(soreceive(s2, NULL, buf, &len, MSG_DONTWAIT), EWOULDBLOCK);
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_NBIO, &on, sizeof(on)), 0);
	CHECK_ERR(soreceive(s2, NULL, buf, &len, 0), EWOULDBLOCK);
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_NBIO, &off, sizeof(off)), 0);
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_NBIO, &on, 2), EINVAL);
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, 0x7777, &on, sizeof(on)),
	    ENOPROTOOPT);
	say(" nonblocking=ok");
}

/* A 5 ms receive timeout from a time that is not on a tick. */
static void
udp_timeout(struct socket *s2)
{
	uint64_t timeo = 5 * TICK_NS, start, end, want;
	uint8_t buf[8];
	size_t len = sizeof(buf);

	(void)kpause("align", false, 1, NULL);
	/* 300 us into a tick: the timeout ends on the tick after 5 ms. */
	for (start = getnanouptime(); start % TICK_NS < 300000;
	    start = getnanouptime())
		preempt_point();
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_RCVTIMEO, &timeo, sizeof(timeo)),
	    0);
	start = getnanouptime();
	CHECK_ERR(soreceive(s2, NULL, buf, &len, 0), EWOULDBLOCK);
	end = getnanouptime();
	want = (start + timeo + TICK_NS - 1) / TICK_NS * TICK_NS;
	say(" timeout_start=%" PRIu64 " timeout_end=%" PRIu64
	    " timeout_tick=%" PRIu64, start, end, want);
	CHECK(end >= want && end - want < 20000, "receive timeout of 5 ms "
	    "from %" PRIu64 " ended at %" PRIu64 ", expected just after %"
	    PRIu64, start, end, want);
}

/* SO_RCVBUF: 200 bytes hold one 100-byte datagram (with its address). */
static void
udp_rcvbuf(struct socket *s1, struct socket *s2)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);
	uint64_t full0 = udpstat(br_b, UDPSTAT_fullsock);
	int small = 200, dflt = SO_RCVBUF_DEFAULT, got;
	size_t gsz = sizeof(got);
	uint8_t buf[100];

	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)),
	    0);
	CHECK_ERR(sogetopt(s2, SOL_SOCKET, SO_RCVBUF, &got, &gsz), 0);
	CHECK(got == small, "SO_RCVBUF reads %d", got);
	fill(buf, sizeof(buf), 77);
	for (int i = 0; i < 3; i++)
		CHECK_ERR(sosend(s1, SA(&to), buf, sizeof(buf), 0), 0);
	(void)kpause("rcvbuf", false, 3, NULL);
	expect_dgram(s2, buf, sizeof(buf), A4(10, 0, 0, 1), 5000);
	expect_none(s2);
	CHECK(udpstat(br_b, UDPSTAT_fullsock) - full0 == 2 &&
	    s2->so_rcvdrops == 2, "fullsock %" PRIu64 ", so_rcvdrops %" PRIu64,
	    udpstat(br_b, UDPSTAT_fullsock) - full0, s2->so_rcvdrops);
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_RCVBUF, &dflt, sizeof(dflt)), 0);
	small = 0;
	CHECK_ERR(sosetopt(s2, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)),
	    EINVAL);
	say(" rcvbuf_drops=2");
}

/* To one of the brane's own addresses: looped back, never on the wire. */
static void
udp_loop(struct socket *s1)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 1), 5001);
	struct socket *l;
	uint8_t buf[10];

	l = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 1), 5001);
	fill(buf, sizeof(buf), 9);
	CHECK_ERR(sosend(s1, SA(&to), buf, sizeof(buf), 0), 0);
	expect_dgram(l, buf, sizeof(buf), A4(10, 0, 0, 1), 5000);
	soclose(l);
	say(" loop=ok");
}

static void
case_udp(void *arg)
{
	struct socket *s1, *s2;

	(void)arg;
	topo_pair();
	s1 = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 1), 5000);
	s2 = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, 0, 7);
	udp_sizes(s1, s2);
	udp_binds();
	udp_ephemeral(s2);
	udp_nonblocking(s2);
	udp_timeout(s2);
	udp_rcvbuf(s1, s2);
	udp_loop(s1);
	soclose(s1);
	soclose(s2);
	say(" queued=%" PRIu64 " noport=%" PRIu64,
	    udpstat(br_b, UDPSTAT_queued), udpstat(br_b, UDPSTAT_noport));
}

/* --- badsum ------------------------------------------------------------------ */

/* The UDP checksum of hdr+data from src to dst, as it goes in the header. */
static uint16_t
udp_sum(uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	uint8_t ph[12];

	memcpy(ph, &(uint32_t){ htonl(src) }, 4);
	memcpy(ph + 4, &(uint32_t){ htonl(dst) }, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	for (size_t i = 0; i < 12; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < len ? p[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return htons(sum == 0 ? 0xffff : (uint16_t)sum);
}

/* Send a hand-made UDP datagram (header + data) from a to b:7 by raw IP. */
static void
raw_udp(struct socket *raw, uint16_t ulen, int sum_kind, size_t len,
    uint32_t tag)
{
	static uint8_t pkt[600];
	struct udphdr *uh = (struct udphdr *)pkt;
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);
	uint16_t sum;

	CHECK(len <= sizeof(pkt), "raw_udp: too long");
	fill(pkt, len, tag);
	if (len >= sizeof(*uh)) {
		uh->uh_sport = htons(1234);
		uh->uh_dport = htons(7);
		uh->uh_ulen = htons(ulen);
		uh->uh_sum = 0;
		/* Over the bytes the header claims, as the receiver sums. */
		sum = udp_sum(A4(10, 0, 0, 1), A4(10, 0, 0, 2), pkt,
		    MIN(len, (size_t)ulen));
		if (sum_kind == 1)
			sum ^= 0x0101;          /* corrupted */
		else if (sum_kind == 2)
			sum = 0;                /* none */
		uh->uh_sum = sum;
	}
	CHECK_ERR(sosend(raw, SA(&to), pkt, len, 0), 0);
}

static void
case_badsum(void *arg)
{
	struct socket *raw, *s2;
	static uint8_t want[600];

	(void)arg;
	topo_pair();
	raw = mksock(&proc_a, SOCK_RAW, IPPROTO_UDP, A4(10, 0, 0, 1), 0);
	s2 = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, 0, 7);
	raw_udp(raw, 108, 0, 108, 1);                   /* good */
	fill(want, 108, 1);
	expect_dgram(s2, want + 8, 100, A4(10, 0, 0, 1), 1234);
	raw_udp(raw, 208, 1, 208, 2);                   /* corrupted */
	raw_udp(raw, 58, 2, 58, 3);                     /* no checksum */
	fill(want, 58, 3);
	expect_dgram(s2, want + 8, 50, A4(10, 0, 0, 1), 1234);
	CHECK(udpstat(br_b, UDPSTAT_badsum) == 1, "badsum %" PRIu64,
	    udpstat(br_b, UDPSTAT_badsum));
	raw_udp(raw, 300, 0, 200, 4);                   /* says 300 bytes */
	raw_udp(raw, 0, 0, 4, 5);                       /* half a header */
	raw_udp(raw, 30, 0, 40, 6);                     /* trailing bytes */
	fill(want, 40, 6);
	expect_dgram(s2, want + 8, 22, A4(10, 0, 0, 1), 1234);
	(void)kpause("settle", false, 3, NULL);
	expect_none(s2);
	say(" received=%" PRIu64 " queued=%" PRIu64 " badsum=%" PRIu64
	    " badlen=%" PRIu64 " hdrops=%" PRIu64,
	    udpstat(br_b, UDPSTAT_received), udpstat(br_b, UDPSTAT_queued),
	    udpstat(br_b, UDPSTAT_badsum), udpstat(br_b, UDPSTAT_badlen),
	    udpstat(br_b, UDPSTAT_hdrops));
	CHECK(udpstat(br_b, UDPSTAT_badlen) == 1 &&
	    udpstat(br_b, UDPSTAT_hdrops) == 1 &&
	    udpstat(br_b, UDPSTAT_queued) == 3, "drops counted wrongly");
	soclose(raw);
	soclose(s2);
}

/* --- refused ----------------------------------------------------------------- */

static void
case_refused(void *arg)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 9999);
	uint64_t timeo = 100 * TICK_NS;
	struct socket *c, *u;
	uint8_t b = 1, buf[8];
	size_t len = sizeof(buf);
	int err;
	size_t esz = sizeof(err);

	(void)arg;
	topo_pair();
	c = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	CHECK_ERR(soconnect(c, SA(&to)), 0);
	CHECK_ERR(sosetopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeo, sizeof(timeo)),
	    0);
	CHECK_ERR(sosend(c, NULL, &b, 1, 0), 0);
	/* Blocked in receive: the ICMP error wakes it. */
	CHECK_ERR(soreceive(c, NULL, buf, &len, 0), ECONNREFUSED);
	CHECK_ERR(sosend(c, NULL, &b, 1, 0), 0);
	(void)kpause("icmp", false, 2, NULL);
	/* Reported on the next call, once. */
	CHECK_ERR(sosend(c, NULL, &b, 1, 0), ECONNREFUSED);
	CHECK_ERR(sosend(c, NULL, &b, 1, 0), 0);
	(void)kpause("icmp", false, 2, NULL);
	CHECK_ERR(sogetopt(c, SOL_SOCKET, SO_ERROR, &err, &esz), 0);
	CHECK(err == ECONNREFUSED, "SO_ERROR %d", err);
	CHECK_ERR(sogetopt(c, SOL_SOCKET, SO_ERROR, &err, &esz), 0);
	CHECK(err == 0, "SO_ERROR %d after it was taken", err);
	CHECK_ERR(sosend(c, SA(&to), &b, 1, 0), EISCONN);
	/* Unconnected: an ICMP error has nobody to tell. */
	u = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	CHECK_ERR(sosend(u, SA(&to), &b, 1, 0), 0);
	(void)kpause("icmp", false, 2, NULL);
	CHECK_ERR(sosend(u, SA(&to), &b, 1, 0), 0);
	CHECK_ERR(sosend(u, NULL, &b, 1, 0), ENOTCONN);
	(void)kpause("icmp", false, 2, NULL);
	say(" noport=%" PRIu64 " in_unreach=%" PRIu64,
	    udpstat(br_b, UDPSTAT_noport),
	    br_a->br_inet->ib_icmpstat[ICMPSTAT_in_unreach].ev_count);
	CHECK(udpstat(br_b, UDPSTAT_noport) == 5, "noport %" PRIu64,
	    udpstat(br_b, UDPSTAT_noport));
	soclose(c);
	soclose(u);
}

/* --- lazy -------------------------------------------------------------------- */

#define LAZY_N          20      /* read by the waiting LWP */
#define LAZY_M          30      /* processed by the continuation */
#define LAZY_SIZE       1000
#define LAZY_READER_CPU 2
#define LAZY_DEMUX_CPU  1

static struct {
	kmutex_t lock;
	kcondvar_t cv;
	struct socket *so;
	u_int got;                      /* lock */
	bool go_kcont;                  /* lock: read the continuation's */
	uint64_t busy0, busy2;          /* CPU busy time during phase 1 */
} lz;

static uint64_t
cpu_busy(u_int cpu)
{
	return sim_cpu_busy(&sim_cur->hosts[0].cpus[cpu]);
}

static void
lazy_reader(void *arg)
{
	static uint8_t buf[LAZY_SIZE];
	size_t len;

	(void)arg;
	for (u_int i = 0; i < LAZY_N; i++) {
		len = sizeof(buf);
		CHECK_ERR(soreceive(lz.so, NULL, buf, &len, 0), 0);
		mutex_enter(&lz.lock);
		lz.got++;
		cv_broadcast(&lz.cv);
		mutex_exit(&lz.lock);
	}
	mutex_enter(&lz.lock);
	while (!lz.go_kcont)
		cv_wait(&lz.cv, &lz.lock);
	mutex_exit(&lz.lock);
	for (u_int i = 0; i < LAZY_M; i++) {
		len = sizeof(buf);
		CHECK_ERR(soreceive(lz.so, NULL, buf, &len, MSG_DONTWAIT), 0);
	}
	expect_none(lz.so);
}

static void
lazy_send(struct socket *s1, u_int n)
{
	static uint8_t buf[LAZY_SIZE];
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);

	fill(buf, sizeof(buf), n);
	CHECK_ERR(sosend(s1, SA(&to), buf, sizeof(buf), 0), 0);
}

static void
case_lazy(void *arg)
{
	struct socket *s1;
	lwp_t *reader;
	uint64_t b0, b2, want;

	(void)arg;
	/* The sender (this LWP) on CPU 0, demux on 1, the reader on 2. */
	topo_pair_on(LAZY_DEMUX_CPU);
	mutex_init(&lz.lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&lz.cv, "lazy");
	s1 = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	lz.so = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, 0, 7);
	CHECK_ERR(kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
	    cpu_lookup(LAZY_READER_CPU), lazy_reader, NULL, &reader, "reader"),
	    0);
	/* Phase 1: the reader waits in soreceive for each datagram. */
	b0 = cpu_busy(LAZY_DEMUX_CPU);
	b2 = cpu_busy(LAZY_READER_CPU);
	for (u_int i = 0; i < LAZY_N; i++) {
		(void)kpause("reader", false, 1, NULL);
		lazy_send(s1, i);
		mutex_enter(&lz.lock);
		while (lz.got <= i)
			cv_wait(&lz.cv, &lz.lock);
		mutex_exit(&lz.lock);
	}
	lz.busy0 = cpu_busy(LAZY_DEMUX_CPU) - b0;
	lz.busy2 = cpu_busy(LAZY_READER_CPU) - b2;
	CHECK(udpstat(br_b, UDPSTAT_lazy_lwp) == LAZY_N &&
	    udpstat(br_b, UDPSTAT_lazy_kcont) == 0, "phase 1: lazy_lwp %"
	    PRIu64 " lazy_kcont %" PRIu64, udpstat(br_b, UDPSTAT_lazy_lwp),
	    udpstat(br_b, UDPSTAT_lazy_kcont));
	/* Phase 2: nobody reads; the continuation does the work. */
	for (u_int i = 0; i < LAZY_M; i++)
		lazy_send(s1, LAZY_N + i);
	(void)kpause("kcont", false, 3, NULL);
	CHECK(udpstat(br_b, UDPSTAT_queued) == LAZY_N + LAZY_M,
	    "phase 2: queued %" PRIu64 " before anyone read",
	    udpstat(br_b, UDPSTAT_queued));
	mutex_enter(&lz.lock);
	lz.go_kcont = true;
	cv_broadcast(&lz.cv);
	mutex_exit(&lz.lock);
	kthread_join(reader);
	/* Each datagram's checksum: 1008 bytes at the per-byte price. */
	want = (uint64_t)LAZY_N * (LAZY_SIZE + 8) * 10;
	say(" lazy_lwp=%" PRIu64 " lazy_kcont=%" PRIu64 " delivered=%" PRIu64
	    " queued=%" PRIu64 " reader_cpu_busy_ns=%" PRIu64
	    " demux_cpu_busy_ns=%" PRIu64 " cksum_ns=%" PRIu64,
	    udpstat(br_b, UDPSTAT_lazy_lwp), udpstat(br_b, UDPSTAT_lazy_kcont),
	    udpstat(br_b, UDPSTAT_delivered), udpstat(br_b, UDPSTAT_queued),
	    lz.busy2, lz.busy0, want);
	CHECK(lz.busy2 >= want && lz.busy0 < want, "the checksums were not "
	    "summed on the reader's CPU: reader %" PRIu64 " ns, demux %"
	    PRIu64 " ns, checksums %" PRIu64 " ns", lz.busy2, lz.busy0, want);
	CHECK(udpstat(br_b, UDPSTAT_lazy_kcont) == LAZY_M,
	    "lazy_kcont %" PRIu64, udpstat(br_b, UDPSTAT_lazy_kcont));
	CHECK(udpstat(br_b, UDPSTAT_lazy_lwp) + udpstat(br_b,
	    UDPSTAT_lazy_kcont) == udpstat(br_b, UDPSTAT_delivered),
	    "lazy_lwp + lazy_kcont != delivered");
	soclose(s1);
	soclose(lz.so);
}

/* --- nolock ------------------------------------------------------------------ */

#define NOLOCK_K        10

static void
nolock_sender(void *arg)
{
	struct socket *s1 = arg;
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);
	uint32_t v;

	for (v = 0; v < NOLOCK_K; v++)
		CHECK_ERR(sosend(s1, SA(&to), &v, sizeof(v), 0), 0);
}

static void
case_nolock(void *arg)
{
	struct socket *s1, *s2;
	lwp_t *sender;
	uint64_t spins = 0;
	uint32_t v;

	(void)arg;
	topo_pair();
	s1 = mksock(&proc_a, SOCK_DGRAM, IPPROTO_UDP, 0, 0);
	s2 = mksock(&proc_b, SOCK_DGRAM, IPPROTO_UDP, 0, 7);
	/* One datagram first, so ARP has resolved: no packet waits for it. */
	send_str(s1, 7, "arp");
	expect_dgram(s2, (const uint8_t *)"arp", 3, A4(10, 0, 0, 1), 49152);
	mutex_enter(&s2->so_lock);
	CHECK_ERR(kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(1),
	    nolock_sender, s1, &sender, "sender"), 0);
	/* Hold the socket lock while every datagram arrives. */
	while (udpstat(br_b, UDPSTAT_delivered) < NOLOCK_K + 1) {
		CHECK(++spins < 100000000, "demux delivered only %" PRIu64
		    " of %d datagrams while the socket lock was held",
		    udpstat(br_b, UDPSTAT_delivered) - 1, NOLOCK_K);
		preempt_point();
	}
	CHECK(pcq_peek(s2->so_rcvpcq) != NULL && s2->so_pending == 1,
	    "delivered, yet nothing waits on the PCQ");
	CHECK(udpstat(br_b, UDPSTAT_queued) == 1, "receive work done under "
	    "a socket lock someone else held");
	say(" delivered_while_locked=%" PRIu64, udpstat(br_b,
	    UDPSTAT_delivered) - 1);
	mutex_exit(&s2->so_lock);
	kthread_join(sender);
	for (uint32_t i = 0; i < NOLOCK_K; i++) {
		v = i;
		expect_dgram(s2, (const uint8_t *)&v, sizeof(v),
		    A4(10, 0, 0, 1), 49152);
	}
	expect_none(s2);
	soclose(s1);
	soclose(s2);
}

/* --- tcpburst ---------------------------------------------------------------- */

#define BURST_K         100     /* segments in the burst */
#define BURST_SEG       64      /* data bytes a segment */
#define BURST_RCVBUF    (128 << 10) /* the server's: 128 places queued */
#define BURST_MIN       64      /* of them demux queues with the lock held */
#define BURST_HOLD_NS   2000000ULL /* how long the reader holds it */

static uint64_t
tcpstat(struct brane *br, enum tcpstat_id id)
{
	struct tcp_brane *tb = tcp_brane_peek(br);

	return tb != NULL ? tb->tb_stat[id].ev_count : 0;
}

/* BURST_K writes of BURST_SEG bytes, TCP_NODELAY: a segment each. */
static void
burst_sender(void *arg)
{
	struct socket *c = arg;
	uint8_t buf[BURST_SEG];

	for (u_int i = 0; i < BURST_K; i++) {
		fill(buf, sizeof(buf), i);
		CHECK_ERR(sosend(c, NULL, buf, sizeof(buf), 0), 0);
	}
}

/* Read the burst: every byte, in order. */
static void
burst_expect(struct socket *s)
{
	static uint8_t got[BURST_K * BURST_SEG], want[BURST_K * BURST_SEG];
	uint64_t timeo = 100 * TICK_NS;
	size_t have = 0, len;

	for (u_int i = 0; i < BURST_K; i++)
		fill(want + i * BURST_SEG, BURST_SEG, i);
	CHECK_ERR(sosetopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeo, sizeof(timeo)),
	    0);
	while (have < sizeof(got)) {
		len = sizeof(got) - have;
		CHECK_ERR(soreceive(s, NULL, got + have, &len, 0), 0);
		CHECK(len > 0, "the stream ended after %zu bytes", have);
		have += len;
	}
	CHECK(memcmp(got, want, sizeof(got)) == 0, "the burst's bytes "
	    "changed");
}

static void
case_tcpburst(void *arg)
{
	struct sockaddr_in to = sin4(A4(10, 0, 0, 2), 7);
	struct socket *l, *c, *s;
	int on = 1, rcvbuf = BURST_RCVBUF;
	uint64_t d0, t0, spins = 0;
	lwp_t *sender;

	(void)arg;
	/* Polled on CPU 2: this LWP spins on 0, the sender writes on 1. */
	topo_pair_on(2);
	l = mksock(&proc_b, SOCK_STREAM, IPPROTO_TCP, 0, 7);
	CHECK_ERR(sosetopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)),
	    0);
	CHECK_ERR(solisten(l, 1), 0);
	c = mksock(&proc_a, SOCK_STREAM, IPPROTO_TCP, 0, 0);
	CHECK_ERR(sosetopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)), 0);
	CHECK_ERR(soconnect(c, SA(&to)), 0);
	CHECK_ERR(soaccept(l, &s, NULL), 0);
	d0 = tcpstat(br_b, TCPSTAT_delivered);
	mutex_enter(&s->so_lock);
	CHECK_ERR(kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(1),
	    burst_sender, c, &sender, "sender"), 0);
	/*
	 * Hold the socket lock for BURST_HOLD_NS while the burst comes: the
	 * pair's poll hands demux BURST_MIN (VPAIR_BATCH) frames a run, and
	 * then waits behind the socket's continuation, which waits for
	 * this lock on the same CPU.
	 */
	t0 = getnanouptime();
	while (getnanouptime() - t0 < BURST_HOLD_NS) {
		CHECK(++spins < 100000000, "spun %" PRIu64 " times", spins);
		preempt_point();
	}
	CHECK(tcpstat(br_b, TCPSTAT_delivered) - d0 >= BURST_MIN, "demux "
	    "delivered only %" PRIu64 " of %d segments while the socket lock "
	    "was held", tcpstat(br_b, TCPSTAT_delivered) - d0, BURST_K);
	CHECK(tcpstat(br_b, TCPSTAT_fullpcq) == 0, "%" PRIu64 " of the %d "
	    "segments found the receive queue full", tcpstat(br_b,
	    TCPSTAT_fullpcq), BURST_K);
	CHECK(tcpstat(br_b, TCPSTAT_lazy_lwp) + tcpstat(br_b,
	    TCPSTAT_lazy_kcont) + tcpstat(br_b, TCPSTAT_demux_ack) ==
	    tcpstat(br_b, TCPSTAT_processed) + tcpstat(br_b, TCPSTAT_dropped),
	    "receive work done under a socket lock someone else held");
	say(" queued_while_locked=%" PRIu64 " pcq=%zu overflow=%u",
	    tcpstat(br_b, TCPSTAT_delivered) - d0, pcq_maxitems(s->so_rcvpcq),
	    s->so_rcvovfl_n);
	mutex_exit(&s->so_lock);
	kthread_join(sender);
	burst_expect(s);
	CHECK(tcpstat(br_b, TCPSTAT_rcvoopack) == 0 &&
	    tcpstat(br_b, TCPSTAT_rcvduppack) == 0 &&
	    tcpstat(br_a, TCPSTAT_sndrexmitpack) == 0, "out of order %" PRIu64
	    ", duplicates %" PRIu64 ", sent again %" PRIu64,
	    tcpstat(br_b, TCPSTAT_rcvoopack), tcpstat(br_b,
	    TCPSTAT_rcvduppack), tcpstat(br_a, TCPSTAT_sndrexmitpack));
	say(" bytes=%d", BURST_K * BURST_SEG);
	soclose(c);
	soclose(s);
	soclose(l);
}

/* --- branes ------------------------------------------------------------------ */

static void
case_branes(void *arg)
{
	struct brane *a1, *b1, *a2, *b2;
	struct proc p1a, p1b, p2a, p2b, mover;
	struct socket *s1, *s2, *r1, *r2, *x1, *x2;

	(void)arg;
	a1 = brane_create("a1");
	b1 = brane_create("b1");
	a2 = brane_create("a2");
	b2 = brane_create("b2");
	/* Two networks with the same addresses, on one host. */
	mkpair("vp0a", a1, A4(10, 0, 0, 1), "vp0b", b1, A4(10, 0, 0, 2), 24, 0);
	mkpair("vp1a", a2, A4(10, 0, 0, 1), "vp1b", b2, A4(10, 0, 0, 2), 24, 0);
	mkproc(&p1a, "p1a", a1);
	mkproc(&p1b, "p1b", b1);
	mkproc(&p2a, "p2a", a2);
	mkproc(&p2b, "p2b", b2);
	s1 = mksock(&p1a, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 1), 5000);
	s2 = mksock(&p2a, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 1), 5000);
	r1 = mksock(&p1b, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 2), 7);
	r2 = mksock(&p2b, SOCK_DGRAM, IPPROTO_UDP, A4(10, 0, 0, 2), 7);
	for (int i = 0; i < 3; i++) {
		send_str(s1, 7, "one");
		send_str(s2, 7, "two");
	}
	for (int i = 0; i < 3; i++) {
		expect_dgram(r1, (const uint8_t *)"one", 3, A4(10, 0, 0, 1),
		    5000);
		expect_dgram(r2, (const uint8_t *)"two", 3, A4(10, 0, 0, 1),
		    5000);
	}
	(void)kpause("settle", false, 2, NULL);
	expect_none(r1);
	expect_none(r2);
	/* chbrane: new sockets follow the process, old ones stay. */
	mkproc(&mover, "mover", b1);
	x1 = mksock(&mover, SOCK_DGRAM, IPPROTO_UDP, 0, 9);
	CHECK_ERR(chbrane(&mover, b2), 0);
	x2 = mksock(&mover, SOCK_DGRAM, IPPROTO_UDP, 0, 9);
	CHECK(x1->so_brane == b1 && x2->so_brane == b2, "chbrane: sockets in "
	    "%s and %s", x1->so_brane->br_name, x2->so_brane->br_name);
	send_str(s1, 9, "to-b1");
	send_str(s2, 9, "to-b2");
	expect_dgram(x1, (const uint8_t *)"to-b1", 5, A4(10, 0, 0, 1), 5000);
	expect_dgram(x2, (const uint8_t *)"to-b2", 5, A4(10, 0, 0, 1), 5000);
	(void)kpause("settle", false, 2, NULL);
	expect_none(x1);
	expect_none(x2);
	say(" b1_queued=%" PRIu64 " b2_queued=%" PRIu64,
	    udpstat(b1, UDPSTAT_queued), udpstat(b2, UDPSTAT_queued));
	CHECK(udpstat(b1, UDPSTAT_queued) == 4 &&
	    udpstat(b2, UDPSTAT_queued) == 4, "datagrams crossed branes");
	soclose(s1);
	soclose(s2);
	soclose(r1);
	soclose(r2);
	soclose(x1);
	soclose(x2);
}

/* --- programs ---------------------------------------------------------------- */

struct prog {
	struct app_args args;
	struct proc *proc;
	lwp_t *l;
};

static const struct app_param *
prog_param(const struct app_desc *d, const char *name, u_int *ip)
{
	for (u_int i = 0; i < d->nparams; i++) {
		if (strcmp(d->params[i].name, name) == 0) {
			*ip = i;
			return &d->params[i];
		}
	}
	FAIL("program %s has no parameter %s", d->name, name);
}

/* A program's arguments: defaults, then name=value pairs (ints). */
static void
prog_args(struct prog *pg, const char *name, u_int index, ...)
{
	const struct app_desc *d = app_lookup(name);
	const char *key;
	va_list ap;
	u_int k;

	CHECK(d != NULL, "no program %s", name);
	memset(&pg->args, 0, sizeof(pg->args));
	pg->args.desc = d;
	pg->args.flow = index + 1;
	for (u_int i = 0; i < d->nparams; i++)
		pg->args.v[i] = d->params[i].def;
	va_start(ap, index);
	while ((key = va_arg(ap, const char *)) != NULL) {
		(void)prog_param(d, key, &k);
		pg->args.v[k] = va_arg(ap, int64_t);
	}
	va_end(ap);
}

static void
prog_lwp(void *arg)
{
	struct prog *pg = arg;

	proc_adopt(pg->proc);
	(*pg->args.desc->main)(&pg->args);
}

static void
prog_start(struct prog *pg, struct proc *p, u_int cpu, bool join)
{
	pg->proc = p;
	CHECK_ERR(kthread_create(PRI_NONE, join ? KTHREAD_MUSTJOIN : 0,
	    cpu_lookup(cpu % kern_ncpu()), prog_lwp, pg, &pg->l, "%s%u",
	    pg->args.desc->name, pg->args.flow), 0);
}

/* Every counter of the host, for the test to add up. */
static void
print_counters(void)
{
	struct sim_host *h = &sim_cur->hosts[0];

	for (u_int i = 0; i < h->nevcnts; i++)
		printf("counter %s.%s %" PRIu64 "\n", h->evcnts[i]->ev_group,
		    h->evcnts[i]->ev_name, h->evcnts[i]->ev_count);
}

static struct prog flood_echo, flood_send;

static void
case_flood(void *arg)
{
	(void)arg;
	topo_router();
	prog_args(&flood_echo, "udp_echo", 0, "port", (int64_t)7, NULL);
	prog_args(&flood_send, "udp_send", 1, "dst", (int64_t)A4(10, 0, 2, 1),
	    "port", (int64_t)7, "rate", (int64_t)flood_rate, "count",
	    (int64_t)flood_count, "size", (int64_t)64, "timeout",
	    (int64_t)(50 * TICK_NS), NULL);
	prog_start(&flood_echo, &proc_b, 3, false);
	prog_start(&flood_send, &proc_a, 0, true);
	kthread_join(flood_send.l);
	/* Let the echo server's socket settle: nothing is in flight now. */
	(void)kpause("settle", false, 5, NULL);
	print_counters();
	say(" count=%ld rate=%ld", flood_count, flood_rate);
}

/* --- ping -------------------------------------------------------------------- */

static struct prog ping_ok, ping_unrouted, ping_noroute, send_closed;
static struct proc proc_lonely;

static void
case_ping(void *arg)
{
	struct brane *lonely;
	struct ifnet *ia, *ib;

	(void)arg;
	topo_router();
	/* A brane with an address but no route off its subnet. */
	lonely = brane_create("lonely");
	CHECK(vpair_create("vp9a", "vp9b", cpu_lookup(0), &ia, &ib) == 0,
	    "vpair");
	brane_attach_ifnet(lonely, ia);
	brane_attach_ifnet(br_r, ib);
	addr_add(lonely, ia, A4(10, 0, 9, 1), 24);
	mkproc(&proc_lonely, "lonely", lonely);

	prog_args(&ping_ok, "ping", 0, "dst", (int64_t)A4(10, 0, 2, 1),
	    "count", (int64_t)4, "interval", (int64_t)(10 * TICK_NS), "size",
	    (int64_t)56, "timeout", (int64_t)(50 * TICK_NS), NULL);
	prog_start(&ping_ok, &proc_a, 0, true);
	kthread_join(ping_ok.l);
	/* r has no route to 192.168.7.7: it answers host unreachable. */
	prog_args(&ping_unrouted, "ping", 1, "dst",
	    (int64_t)A4(192, 168, 7, 7), "count", (int64_t)2, "interval",
	    (int64_t)(10 * TICK_NS), "timeout", (int64_t)(50 * TICK_NS), NULL);
	prog_start(&ping_unrouted, &proc_a, 0, true);
	kthread_join(ping_unrouted.l);
	/* No route at all: the send fails at once. */
	prog_args(&ping_noroute, "ping", 2, "dst",
	    (int64_t)A4(10, 0, 2, 1), "count", (int64_t)2, "interval",
	    (int64_t)(10 * TICK_NS), "timeout", (int64_t)(50 * TICK_NS), NULL);
	prog_start(&ping_noroute, &proc_lonely, 0, true);
	kthread_join(ping_noroute.l);
	/* UDP to a port nobody listens on. */
	prog_args(&send_closed, "udp_send", 3, "dst", (int64_t)A4(10, 0, 2, 1),
	    "port", (int64_t)9, "count", (int64_t)5, "rate", (int64_t)100,
	    "timeout", (int64_t)(50 * TICK_NS), NULL);
	prog_start(&send_closed, &proc_a, 0, true);
	kthread_join(send_closed.l);
	print_counters();
}

/* --- main -------------------------------------------------------------------- */

/* The ping case's prices: only probes cost anything (see test_sock.py). */
static void
ping_costs(struct sim_cost *c)
{
	static const struct { enum sdt_probe_id id; uint64_t ns; } p[] = {
		{ SDT_ID(sock, send), 100 },
		{ SDT_ID(ip, output), 200 },
		{ SDT_ID(ip, input), 1000 },
		{ SDT_ID(ip, forward), 300 },
		{ SDT_ID(icmp, input), 500 },
		{ SDT_ID(rip, input), 50 },
		{ SDT_ID(rip, demux), 20 },
		{ SDT_ID(sock, wake), 7 },
		{ SDT_ID(sock, rcvd), 3 },
		{ SDT_ID(sock, recv), 1 },
	};

	memset(c, 0, sizeof(*c));
	for (u_int i = 0; i < __arraycount(p); i++) {
		c->probe[p[i].id].fixed_ps = p[i].ns * 1000;
		printf("cost %s:%s %" PRIu64 "\n", sdt_probe_provider[p[i].id],
		    sdt_probe_name[p[i].id], p[i].ns);
	}
}

static const struct {
	const char *name;
	void (*fn)(void *);
	unsigned cpus;
} cases[] = {
	{ "udp", case_udp, 2 },
	{ "badsum", case_badsum, 2 },
	{ "refused", case_refused, 2 },
	{ "lazy", case_lazy, 4 },
	{ "nolock", case_nolock, 4 },
	{ "tcpburst", case_tcpburst, 4 },
	{ "branes", case_branes, 2 },
	{ "flood", case_flood, 4 },
	{ "ping", case_ping, 3 },
};

int
main(int argc, char **argv)
{
	struct sim_test_opts o;
	struct sim_test_result res;
	struct sim_cost cost;
	int status = -1;

	if (argc < 2) {
		fprintf(stderr, "usage: test_sock CASE [SEED] [COUNT RATE]\n");
		return 2;
	}
	case_name = argv[1];
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);
	if (argc > 4) {
		flood_count = strtol(argv[3], NULL, 0);
		flood_rate = strtol(argv[4], NULL, 0);
	}
	memset(&o, 0, sizeof(o));
	o.seed = seed;
	o.duration_ns = 60ULL * 1000000000ULL;
	sim_cost_defaults(&cost);
	if (strcmp(case_name, "lazy") == 0)
		cost.probe[SDT_ID(cksum, bytes)].per_unit_ps = 10000;
	if (strcmp(case_name, "ping") == 0)
		ping_costs(&cost);
	/* Receive work at 3 us a datagram: the echo server falls behind. */
	if (strcmp(case_name, "flood") == 0)
		cost.probe[SDT_ID(sock, rcvd)].fixed_ps = 3000000;
	o.cost = &cost;
	for (u_int i = 0; i < __arraycount(cases); i++) {
		if (strcmp(cases[i].name, case_name) != 0)
			continue;
		o.cpus = cases[i].cpus;
		status = sim_test_run(&o, cases[i].fn, NULL, &res);
		break;
	}
	if (status < 0) {
		fprintf(stderr, "test_sock: no case %s\n", case_name);
		return 2;
	}
	if (status == 0)
		printf("ok %s%s\n", case_name, result);
	printf("fingerprint %016" PRIx64 " end_ns %" PRIu64 " status %d\n",
	    res.fingerprint, res.end_ns, status);
	if (status != 0 && argc > 4)
		printf("replay: %s %s %" PRIu64 " %ld %ld\n", argv[0], case_name,
		    seed, flood_count, flood_rate);
	else if (status != 0)
		printf("replay: %s %s %" PRIu64 "\n", argv[0], case_name, seed);
	return status;
}
