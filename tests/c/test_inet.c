/*
 * test_inet.c -- IPv4 in branes: ARP and nexthop caches, ICMP, routes,
 * forwarding, brane isolation, and a fuzz of if_input (IPv4, ARP, TCP),
 * run as stack code on the simulated machine (sim/world/testhook.h).
 *
 *   test_inet CASE [SEED [N]]
 *
 * Cases:
 *   arp              two branes joined by a vpair: one ARP exchange, an
 *                    echo and its reply (checked byte by byte on a tap)
 *   route            A -- router -- B over two vpairs: forwarding (TTL,
 *                    checksum), net and host unreachable, time exceeded,
 *                    EMSGSIZE, needfrag, EHOSTUNREACH, sends to ourselves
 *   smp SEED N       4 LWPs on 4 CPUs each send N pings through a
 *                    router whose pairs are polled on CPUs 1 and 2
 *   lpm SEED N       N insertion orders of overlapping prefixes checked
 *                    against a brute-force longest match, deletes, and
 *                    connected routes following addresses
 *   nhlimits         hold queues, failure and its hold-down (EHOSTDOWN),
 *                    aging (stale entries asked for again), a full cache
 *                    and recycling of failed entries
 *   isolation        two pairs of branes with the same addresses: neither
 *                    pair sees the other's routes, neighbours or packets
 *   fuzz SEED N      N random and mutated frames into if_input, half of
 *                    them TCP (to a listener and to connections whose
 *                    peer the fuzzer plays): every one dropped and
 *                    counted by reason or handled; counters add up
 *                    (TCP's identities too); no mbuf, PCB or tcpcb left
 *   tcp SEED N       malformed TCP to a listener and to a closed port
 *                    (short, bad data offset, bad options, bad checksum),
 *                    then N random headers and option soups with valid
 *                    checksums: every segment counted by outcome, the
 *                    counters add up (tcp_var.h), no mbuf left
 *   tcpregress       the frames the TCP part of the fuzz found bugs with,
 *                    each checked for its counters and leaks
 *   scenario FILE    boot a scenario's hosts (net_boot from the scenario's
 *                    keys) and check what it configured; ping across it
 *
 * Each case prints "ok CASE key=value ..." and exits 0, or stops the run
 * with a report (KASSERT/panic) and prints the command to replay.  This
 * file is machine-side code: its statics hold what the taps saw.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/world.h"
#include "sim/engine/rng.h"
#include "sim/sys/ks_netconf.h"
#include "sim/world/testhook.h"
#include "stack/sys/evcnt.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"
#include "stack/sys/netconf.h"
#include "stack/kern/endian.h"
#include "stack/kern/ksocket.h"
#include "stack/kern/mbuf.h"
#include "stack/kern/proc.h"
#include "stack/kern/protosw.h"
#include "stack/kern/ptree.h"
#include "stack/kern/ptree_inet.h"
#include "stack/apps/apps.h"
#include "stack/net/brane.h"
#include "stack/net/if.h"
#include "stack/net/if_ether.h"
#include "stack/net/if_vpair.h"
#include "stack/netinet/in.h"
#include "stack/netinet/in_var.h"
#include "stack/netinet/ip.h"
#include "stack/netinet/ip_icmp.h"
#include "stack/netinet/ip_var.h"
#include "stack/netinet/nexthop.h"
#include "stack/netinet/raw_ip_var.h"
#include "stack/netinet/route.h"
#include "stack/netinet/tcp.h"
#include "stack/netinet/tcp_syncache.h"
#include "stack/netinet/tcp_var.h"
#include "stack/netinet/in_cksum.h"
#include "stack/netinet/udp_var.h"

#define FAIL(...)       panic(__VA_ARGS__)
#define CHECK(e, ...)   do { if (!(e)) FAIL(__VA_ARGS__); } while (0)

static uint64_t seed = 1;
static long nrounds = 0;

/* ------------------------------------------------------------------ */
/* Small tools                                                          */

static uint32_t
rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(sim_splitmix64(s) % n);
}

/* RFC 1071 by the book, as the reference the stack is checked against. */
static uint16_t
ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static struct in_addr
ip4(const char *s)
{
	unsigned a, b, c, d;
	struct in_addr x;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		FAIL("bad address %s", s);
	x.s_addr = IN_ADDR(a, b, c, d);
	return x;
}

static const char *
ntoa(struct in_addr a, char *buf)
{
	uint32_t h = ntohl(a.s_addr);

	snprintf(buf, 16, "%u.%u.%u.%u", h >> 24, (h >> 16) & 255,
	    (h >> 8) & 255, h & 255);
	return buf;
}

static void
wait_ms(int ms)
{
	(void)kpause("test", false, mstohz(ms), NULL);
}

static uint64_t
ipstat(struct brane *br, enum ipstat_id i)
{
	return br->br_inet->ib_ipstat[i].ev_count;
}

static uint64_t
icmpstat(struct brane *br, enum icmpstat_id i)
{
	return br->br_inet->ib_icmpstat[i].ev_count;
}

static uint64_t
nhstat(struct ifnet *ifp, enum nhstat_id i)
{
	return ifp->if_nh4->nc_stat[i].ev_count;
}

#define IPS(br, n)      ipstat((br), IPSTAT_##n)
#define ICMPS(br, n)    icmpstat((br), ICMPSTAT_##n)
#define NHS(ifp, n)     nhstat((ifp), NHSTAT_##n)

static uint64_t
mbufs_live(void)
{
	struct mbstat ms;

	mbstat_get(&ms);
	return ms.ms_mbuf.pcs_get - ms.ms_mbuf.pcs_put;
}

/* ------------------------------------------------------------------ */
/* Taps: what an interface received, copied before the stack sees it.  */

#define TAPS            4
#define TAP_FRAMES      32
#define TAP_BYTES       2048

struct tap {
	struct ifnet *ifp;
	int n;                          /* frames seen (may exceed TAP_FRAMES) */
	int len[TAP_FRAMES];
	uint8_t frame[TAP_FRAMES][TAP_BYTES];
};

static struct tap taps[TAPS];

static void
tap_input(struct ifnet *ifp, struct mbuf *m)
{
	for (int i = 0; i < TAPS; i++) {
		struct tap *t = &taps[i];
		int len = m->m_pkthdr.len;

		if (t->ifp != ifp)
			continue;
		if (t->n < TAP_FRAMES) {
			t->len[t->n] = len < TAP_BYTES ? len : TAP_BYTES;
			m_copydata(m, 0, t->len[t->n], t->frame[t->n]);
		}
		t->n++;
		break;
	}
	ether_input(ifp, m);
}

static struct tap *
tap_on(struct ifnet *ifp)
{
	for (int i = 0; i < TAPS; i++) {
		if (taps[i].ifp == NULL) {
			memset(&taps[i], 0, sizeof(taps[i]));
			taps[i].ifp = ifp;
			ifp->if_input = tap_input;
			return &taps[i];
		}
	}
	FAIL("out of taps");
}

/* Frame k of the tap, which must be IPv4; returns its IP header. */
static const struct ip *
tap_ip(const struct tap *t, int k)
{
	const uint8_t *f = t->frame[k];

	CHECK(k < t->n && k < TAP_FRAMES, "tap %s: no frame %d (%d seen)",
	    t->ifp->if_xname, k, t->n);
	CHECK(be16dec(f + 12) == ETHERTYPE_IP, "tap %s frame %d: type %04x",
	    t->ifp->if_xname, k, be16dec(f + 12));
	CHECK(ref_cksum(f + 14, IP_HL((const struct ip *)(f + 14))) == 0,
	    "tap %s frame %d: bad IP header checksum", t->ifp->if_xname, k);
	return (const struct ip *)(f + 14);
}

/* The n-th IPv4 frame of the tap carrying ICMP, or NULL. */
static const struct ip *
tap_icmp(const struct tap *t, int n)
{
	for (int k = 0; k < t->n && k < TAP_FRAMES; k++) {
		if (be16dec(t->frame[k] + 12) != ETHERTYPE_IP)
			continue;
		const struct ip *ip = tap_ip(t, k);

		if (ip->ip_p == IPPROTO_ICMP && n-- == 0)
			return ip;
	}
	return NULL;
}

static const struct icmp *
icmp_of(const struct ip *ip)
{
	const uint8_t *p = (const uint8_t *)ip + IP_HL(ip);

	CHECK(ref_cksum(p, ntohs(ip->ip_len) - IP_HL(ip)) == 0,
	    "bad ICMP checksum");
	return (const struct icmp *)p;
}

/* ------------------------------------------------------------------ */
/* Building a little network                                           */

static struct brane *
mkbrane(const char *name)
{
	struct brane *br = brane_create(name);

	CHECK(br != NULL && strcmp(br->br_name, name) == 0, "brane %s", name);
	return br;
}

static void
mkpair(const char *a, struct brane *bra, const char *b, struct brane *brb,
    struct ifnet **ifa, struct ifnet **ifb)
{
	CHECK(vpair_create(a, b, NULL, ifa, ifb) == 0, "vpair %s", a);
	if (bra != NULL)
		brane_attach_ifnet(bra, *ifa);
	if (brb != NULL)
		brane_attach_ifnet(brb, *ifb);
}

static void
addr(struct brane *br, struct ifnet *ifp, const char *a, u_int plen)
{
	int error = in_addr_add(br, ifp, ip4(a), plen);

	CHECK(error == 0, "in_addr_add %s/%u on %s: error %d", a, plen,
	    ifp->if_xname, error);
}

static void
route(struct brane *br, const char *dst, u_int plen, const char *gw)
{
	int error = rt_add(br, ip4(dst), plen, ip4(gw), NULL, 0);

	CHECK(error == 0, "rt_add %s/%u via %s: error %d", dst, plen, gw,
	    error);
}

/*
 * An ICMP echo request from src (0.0.0.0: let ip_output choose) to dst
 * with datalen bytes of pattern data, sent with ip_output.
 */
static int
ping(struct brane *br, const char *src, const char *dst, uint16_t id,
    uint16_t seq, int datalen, int ttl, bool df)
{
	int len = (int)sizeof(struct ip) + ICMP_MINLEN + datalen;
	struct mbuf *m = m_gethdr(M_WAIT, MT_DATA);
	uint8_t *buf = malloc((size_t)len);
	struct ip *ip = (struct ip *)buf;
	struct icmp *icp = (struct icmp *)(ip + 1);
	int error;

	CHECK(buf != NULL, "malloc");
	memset(buf, 0, (size_t)len);
	ip->ip_len = htons((uint16_t)len);
	ip->ip_p = IPPROTO_ICMP;
	ip->ip_off = df ? htons(IP_DF) : 0;
	ip->ip_src = ip4(src);
	ip->ip_dst = ip4(dst);
	icp->icmp_type = ICMP_ECHO;
	icp->icmp_id = htons(id);
	icp->icmp_seq = htons(seq);
	for (int i = 0; i < datalen; i++)
		((uint8_t *)(icp + 1))[i] = (uint8_t)(i * 7 + seq);
	be16enc(&icp->icmp_cksum, ref_cksum((uint8_t *)icp,
	    (size_t)(ICMP_MINLEN + datalen)));
	if (len <= MHLEN)
		m_align(m, len);
	CHECK(m_copyback(m, 0, len, buf) == 0, "m_copyback");
	free(buf);
	if (m->m_len < (int)sizeof(struct ip))
		m = m_pullup(m, sizeof(struct ip));
	error = ip_output(br, m, ttl);
	return error;
}

/* The reply to ping(..., id, seq, datalen) is ip, from `from`. */
static void
check_echo_reply(const struct ip *ip, const char *from, const char *to,
    uint16_t id, uint16_t seq, int datalen)
{
	const struct icmp *icp = icmp_of(ip);
	const uint8_t *data = (const uint8_t *)(icp + 1);
	char b1[16], b2[16];

	CHECK(ip->ip_src.s_addr == ip4(from).s_addr &&
	    ip->ip_dst.s_addr == ip4(to).s_addr, "reply %s -> %s",
	    ntoa(ip->ip_src, b1), ntoa(ip->ip_dst, b2));
	CHECK(icp->icmp_type == ICMP_ECHOREPLY && icp->icmp_code == 0,
	    "reply type %d code %d", icp->icmp_type, icp->icmp_code);
	CHECK(ntohs(icp->icmp_id) == id && ntohs(icp->icmp_seq) == seq,
	    "reply id %u seq %u, sent %u %u", ntohs(icp->icmp_id),
	    ntohs(icp->icmp_seq), id, seq);
	CHECK(ntohs(ip->ip_len) == (int)sizeof(struct ip) + ICMP_MINLEN +
	    datalen, "reply length %u", ntohs(ip->ip_len));
	for (int i = 0; i < datalen; i++)
		CHECK(data[i] == (uint8_t)(i * 7 + seq), "reply data byte %d", i);
}

/* ip is an ICMP error type/code quoting a packet from qsrc to qdst. */
static const struct icmp *
check_error(const struct ip *ip, int type, int code, const char *qsrc,
    const char *qdst)
{
	const struct icmp *icp;
	const struct ip *q;
	char b1[16], b2[16];

	CHECK(ip != NULL, "no ICMP error (type %d code %d) came back", type,
	    code);
	icp = icmp_of(ip);
	CHECK(icp->icmp_type == type && icp->icmp_code == code,
	    "ICMP type %d code %d, expected %d/%d", icp->icmp_type,
	    icp->icmp_code, type, code);
	q = (const struct ip *)((const uint8_t *)icp + ICMP_MINLEN);
	CHECK(q->ip_src.s_addr == ip4(qsrc).s_addr &&
	    q->ip_dst.s_addr == ip4(qdst).s_addr, "quoted %s -> %s",
	    ntoa(q->ip_src, b1), ntoa(q->ip_dst, b2));
	CHECK(ntohs(ip->ip_len) == (int)sizeof(struct ip) + ICMP_MINLEN +
	    IP_HL(q) + 8, "error length %u", ntohs(ip->ip_len));
	return icp;
}

/* ------------------------------------------------------------------ */
/* arp                                                                  */

static void
case_arp(void *arg)
{
	struct brane *a = mkbrane("a"), *b = mkbrane("b");
	struct ifnet *ifa, *ifb;
	struct tap *ta;
	uint8_t hdr[NH_LLHDR_LEN];
	enum nh_state st;
	const struct ip *ip;

	(void)arg;
	mkpair("vp0a", a, "vp0b", b, &ifa, &ifb);
	addr(a, ifa, "10.0.0.1", 24);
	addr(b, ifb, "10.0.0.2", 24);
	ta = tap_on(ifa);
	CHECK(ping(a, "0.0.0.0", "10.0.0.2", 0x1234, 7, 56, 0, false) == 0,
	    "ping");
	wait_ms(10);

	CHECK(NHS(ifa, req_out) == 1 && NHS(ifb, req_in) == 1 &&
	    NHS(ifb, rep_out) == 1 && NHS(ifa, rep_in) == 1 &&
	    NHS(ifb, req_out) == 0 && NHS(ifa, resolved) == 1,
	    "ARP: a req_out %llu rep_in %llu, b req_in %llu rep_out %llu "
	    "req_out %llu", (unsigned long long)NHS(ifa, req_out),
	    (unsigned long long)NHS(ifa, rep_in),
	    (unsigned long long)NHS(ifb, req_in),
	    (unsigned long long)NHS(ifb, rep_out),
	    (unsigned long long)NHS(ifb, req_out));
	CHECK(nh4_query(ifa, ip4("10.0.0.2"), &st, hdr) && st == NH_REACHABLE,
	    "a has no REACHABLE entry for 10.0.0.2");
	CHECK(memcmp(hdr, ifb->if_lladdr, 6) == 0 &&
	    memcmp(hdr + 6, ifa->if_lladdr, 6) == 0 &&
	    be16dec(hdr + 12) == ETHERTYPE_IP, "a's header for 10.0.0.2");
	CHECK(nh4_query(ifb, ip4("10.0.0.1"), &st, hdr) && st == NH_REACHABLE &&
	    memcmp(hdr, ifa->if_lladdr, 6) == 0,
	    "b did not learn 10.0.0.1 from the request");
	CHECK(nh4_count(ifa) == 1 && nh4_count(ifb) == 1, "cache sizes");

	/* What a received: the ARP reply, then the echo reply. */
	CHECK(ta->n == 2, "a received %d frames, expected 2", ta->n);
	CHECK(be16dec(ta->frame[0] + 12) == ETHERTYPE_ARP &&
	    be16dec(ta->frame[0] + 14 + 6) == 2, "first frame: not an ARP reply");
	CHECK(memcmp(ta->frame[0], ifa->if_lladdr, 6) == 0,
	    "ARP reply not unicast to a");
	ip = tap_ip(ta, 1);
	check_echo_reply(ip, "10.0.0.2", "10.0.0.1", 0x1234, 7, 56);
	CHECK(ip->ip_ttl == IPDEFTTL, "reply TTL %d", ip->ip_ttl);
	CHECK(ICMPS(b, in_echo) == 1 && ICMPS(b, out_echoreply) == 1 &&
	    ICMPS(a, in_echoreply) == 1, "ICMP counters");

	/* Again: the cache answers, no more ARP. */
	CHECK(ping(a, "10.0.0.1", "10.0.0.2", 0x1234, 8, 0, 0, false) == 0,
	    "ping 2");
	wait_ms(10);
	CHECK(NHS(ifa, req_out) == 1 && ta->n == 3, "second ping: %llu "
	    "requests, %d frames", (unsigned long long)NHS(ifa, req_out), ta->n);
	check_echo_reply(tap_ip(ta, 2), "10.0.0.2", "10.0.0.1", 0x1234, 8, 0);
	/* All zero but the type: the reply's checksum is -0, not +0. */
	CHECK(ping(a, "10.0.0.1", "10.0.0.2", 0, 0, 0, 0, false) == 0, "ping 3");
	wait_ms(10);
	check_echo_reply(tap_ip(ta, 3), "10.0.0.2", "10.0.0.1", 0, 0, 0);
	CHECK(IPS(a, sent) == 3 && IPS(b, received) == 3 &&
	    IPS(b, delivered) == 3 && IPS(a, delivered) == 3, "IP counters");
	printf("ok arp req_out=%llu rep_in=%llu frames=%d\n",
	    (unsigned long long)NHS(ifa, req_out),
	    (unsigned long long)NHS(ifa, rep_in), ta->n);
}

/* ------------------------------------------------------------------ */
/* route: A (10.0.1.1) -- R (10.0.1.254 | 10.0.2.254) -- B (10.0.2.1)   */

struct net3 {
	struct brane *a, *r, *b;
	struct ifnet *a0, *r0, *r1, *b1;
	struct tap *ta, *tb;
};

static void
net3_build(struct net3 *n)
{
	n->a = mkbrane("a");
	n->r = mkbrane("r");
	n->b = mkbrane("b");
	mkpair("vp0a", n->a, "vp0b", n->r, &n->a0, &n->r0);
	mkpair("vp1a", n->r, "vp1b", n->b, &n->r1, &n->b1);
	addr(n->a, n->a0, "10.0.1.1", 24);
	addr(n->r, n->r0, "10.0.1.254", 24);
	addr(n->r, n->r1, "10.0.2.254", 24);
	addr(n->b, n->b1, "10.0.2.1", 24);
	route(n->a, "0.0.0.0", 0, "10.0.1.254");
	route(n->b, "0.0.0.0", 0, "10.0.2.254");
	n->r->br_inet->ib_forwarding = true;
	n->ta = tap_on(n->a0);
	n->tb = tap_on(n->b1);
}

static void
route_forward(struct net3 *n)
{
	const struct ip *ip;

	CHECK(ping(n->a, "0.0.0.0", "10.0.2.1", 1, 1, 100, 0, false) == 0,
	    "ping b");
	wait_ms(10);
	ip = tap_icmp(n->tb, 0);
	CHECK(ip != NULL, "b saw no echo request");
	CHECK(ip->ip_ttl == IPDEFTTL - 1, "forwarded TTL %d", ip->ip_ttl);
	CHECK(icmp_of(ip)->icmp_type == ICMP_ECHO, "b saw type %d",
	    icmp_of(ip)->icmp_type);
	ip = tap_icmp(n->ta, 0);
	CHECK(ip != NULL, "a got no reply");
	check_echo_reply(ip, "10.0.2.1", "10.0.1.1", 1, 1, 100);
	CHECK(ip->ip_ttl == IPDEFTTL - 1, "reply TTL %d", ip->ip_ttl);
	CHECK(IPS(n->r, forwarded) == 2 && IPS(n->r, delivered) == 0,
	    "router forwarded %llu", (unsigned long long)IPS(n->r, forwarded));
}

static void
route_unreach(struct net3 *n)
{
	const struct icmp *icp;
	uint64_t t0;
	int before = n->ta->n;

	/* No route at the router: host unreachable from 10.0.1.254. */
	CHECK(ping(n->a, "0.0.0.0", "10.9.9.9", 2, 1, 8, 0, false) == 0,
	    "ping 10.9.9.9");
	wait_ms(10);
	check_error(tap_icmp(n->ta, 1), ICMP_UNREACH, ICMP_UNREACH_HOST,
	    "10.0.1.1", "10.9.9.9");
	CHECK(tap_icmp(n->ta, 1)->ip_src.s_addr == ip4("10.0.1.254").s_addr,
	    "host unreachable not from the router's address on a's subnet");
	CHECK(IPS(n->r, noroute) == 1 && ICMPS(n->a, in_unreach) == 1,
	    "noroute %llu", (unsigned long long)IPS(n->r, noroute));

	/* Nobody at 10.0.2.77: three requests, then host unreachable. */
	t0 = getnanouptime();
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.77", 3, 1, 8, 0, false) == 0,
	    "ping 10.0.2.77");
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 100);
	CHECK(NHS(n->r1, timeouts) == 1, "router timeouts %llu",
	    (unsigned long long)NHS(n->r1, timeouts));
	CHECK(NHS(n->r1, req_out) == 1 + NH_ASK_MAX, "router sent %llu "
	    "requests (1 for b, %d for .77)",
	    (unsigned long long)NHS(n->r1, req_out), NH_ASK_MAX);
	check_error(tap_icmp(n->ta, 2), ICMP_UNREACH, ICMP_UNREACH_HOST,
	    "10.0.1.1", "10.0.2.77");
	CHECK(IPS(n->r, hostdown) == 1, "hostdown %llu",
	    (unsigned long long)IPS(n->r, hostdown));
	(void)t0;
	/* While it is down, the next packet fails at once. */
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.77", 3, 2, 8, 0, false) == 0,
	    "ping 10.0.2.77 again");
	wait_ms(10);
	check_error(tap_icmp(n->ta, 3), ICMP_UNREACH, ICMP_UNREACH_HOST,
	    "10.0.1.1", "10.0.2.77");
	CHECK(IPS(n->r, hostdown) == 2 && NHS(n->r1, req_out) == 1 + NH_ASK_MAX,
	    "down entry: hostdown %llu", (unsigned long long)IPS(n->r, hostdown));

	/* TTL 1 at the router: time exceeded. */
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.1", 4, 1, 8, 1, false) == 0,
	    "ping ttl 1");
	wait_ms(10);
	icp = check_error(tap_icmp(n->ta, 4), ICMP_TIMXCEED,
	    ICMP_TIMXCEED_INTRANS, "10.0.1.1", "10.0.2.1");
	(void)icp;
	CHECK(IPS(n->r, timxceed) == 1 && ICMPS(n->r, out_timxceed) == 1,
	    "timxceed");
	CHECK(n->ta->n - before == 4, "a received %d frames",
	    n->ta->n - before);
}

static void
route_mtu(struct net3 *n)
{
	const struct icmp *icp;
	int before;

	/* Larger than a's own MTU: EMSGSIZE, nothing sent. */
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.1", 5, 1, 1500, 0, false) ==
	    EMSGSIZE, "oversize send did not fail with EMSGSIZE");
	CHECK(IPS(n->a, out_toobig) == 1, "a out_toobig");

	/* The router's way to b takes 1000 bytes: DF gets needfrag. */
	n->r1->if_mtu = 1000;
	before = tap_icmp(n->ta, 5) == NULL ? 0 : 1;
	CHECK(before == 0, "stray ICMP before the MTU test");
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.1", 5, 2, 1172, 0, true) == 0,
	    "ping DF 1200");
	wait_ms(10);
	icp = check_error(tap_icmp(n->ta, 5), ICMP_UNREACH,
	    ICMP_UNREACH_NEEDFRAG, "10.0.1.1", "10.0.2.1");
	CHECK(ntohs(icp->icmp_nextmtu) == 1000, "next-hop MTU %u",
	    ntohs(icp->icmp_nextmtu));
	/* Without DF it is dropped: no fragmentation here. */
	CHECK(ping(n->a, "0.0.0.0", "10.0.2.1", 5, 3, 1172, 0, false) == 0,
	    "ping 1200");
	wait_ms(10);
	CHECK(tap_icmp(n->ta, 6) == NULL, "an answer to an oversize packet");
	CHECK(IPS(n->r, toobig) == 2 && ICMPS(n->r, out_unreach) == 4,
	    "router toobig %llu", (unsigned long long)IPS(n->r, toobig));
	n->r1->if_mtu = ETHERMTU;
}

static void
route_local(struct net3 *n)
{
	struct brane *c = mkbrane("c");
	struct ifnet *c0, *c1;
	int wire = n->ta->n;

	/* No route at the sender: EHOSTUNREACH. */
	mkpair("vp2a", c, "vp2b", NULL, &c0, &c1);
	addr(c, c0, "192.168.7.1", 24);
	CHECK(ping(c, "0.0.0.0", "192.168.9.9", 6, 1, 8, 0, false) ==
	    EHOSTUNREACH && IPS(c, out_noroute) == 1, "unrouted send");

	/* To our own address: never on the wire, back through the loop. */
	CHECK(ping(n->a, "0.0.0.0", "10.0.1.1", 7, 1, 8, 0, false) == 0,
	    "ping self");
	wait_ms(10);
	CHECK(ICMPS(n->a, in_echo) == 1 && ICMPS(n->a, in_echoreply) == 2 &&
	    IPS(n->a, looped) == 2 && n->ta->n == wire, "self ping: echo %llu "
	    "replies %llu looped %llu", (unsigned long long)ICMPS(n->a, in_echo),
	    (unsigned long long)ICMPS(n->a, in_echoreply),
	    (unsigned long long)IPS(n->a, looped));
	/* A broadcast echo is not answered. */
	CHECK(ping(n->b, "0.0.0.0", "10.0.2.255", 8, 1, 8, 0, false) == 0,
	    "ping broadcast");
	wait_ms(10);
	CHECK(ICMPS(n->r, bcastecho) == 1 && ICMPS(n->r, out_echoreply) == 0,
	    "broadcast echo answered");
}

static void
case_route(void *arg)
{
	struct net3 n;

	(void)arg;
	net3_build(&n);
	route_forward(&n);
	route_unreach(&n);
	route_mtu(&n);
	route_local(&n);
	printf("ok route forwarded=%llu noroute=%llu hostdown=%llu "
	    "timxceed=%llu toobig=%llu\n",
	    (unsigned long long)IPS(n.r, forwarded),
	    (unsigned long long)IPS(n.r, noroute),
	    (unsigned long long)IPS(n.r, hostdown),
	    (unsigned long long)IPS(n.r, timxceed),
	    (unsigned long long)IPS(n.r, toobig));
}

/* ------------------------------------------------------------------ */
/* nhlimits: hold queues, failure and its hold-down, aging, a full cache */

static void
nh_hold_and_fail(struct brane *a, struct ifnet *ifa)
{
	struct in_addr nobody = ip4("10.0.0.9");
	enum nh_state st;

	for (uint16_t k = 1; k <= NH_HOLD_MAX + 2; k++)
		CHECK(ping(a, "0.0.0.0", "10.0.0.9", 10, k, 8, 0, false) == 0,
		    "ping %u to an unresolved neighbour", k);
	CHECK(NHS(ifa, held) == NH_HOLD_MAX + 2 && NHS(ifa, hold_drops) == 2 &&
	    IPS(a, nobufs) == 2 && NHS(ifa, req_out) == 1,
	    "hold: held %llu drops %llu requests %llu",
	    (unsigned long long)NHS(ifa, held),
	    (unsigned long long)NHS(ifa, hold_drops),
	    (unsigned long long)NHS(ifa, req_out));
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 100);
	CHECK(NHS(ifa, timeouts) == 1 && IPS(a, hostdown) == NH_HOLD_MAX &&
	    NHS(ifa, req_out) == NH_ASK_MAX, "failure: timeouts %llu hostdown "
	    "%llu requests %llu", (unsigned long long)NHS(ifa, timeouts),
	    (unsigned long long)IPS(a, hostdown),
	    (unsigned long long)NHS(ifa, req_out));
	CHECK(nh4_query(ifa, nobody, &st, NULL) && st == NH_FAILED, "not FAILED");
	/* Down: sends fail at once, without asking. */
	CHECK(ping(a, "0.0.0.0", "10.0.0.9", 10, 9, 8, 0, false) == EHOSTDOWN,
	    "send to a failed neighbour did not fail with EHOSTDOWN");
	CHECK(NHS(ifa, req_out) == NH_ASK_MAX, "asked while down");
	/* After the hold-down it is asked for again. */
	wait_ms((int)(NH_DOWN_NS / 1000000));
	CHECK(ping(a, "0.0.0.0", "10.0.0.9", 10, 10, 8, 0, false) == 0,
	    "send after the hold-down");
	CHECK(NHS(ifa, req_out) == NH_ASK_MAX + 1 &&
	    nh4_query(ifa, nobody, &st, NULL) && st == NH_INCOMPLETE,
	    "not asked again after the hold-down");
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 100);
}

static void
nh_aging(struct brane *a, struct ifnet *ifa)
{
	uint64_t req0, stale0 = NHS(ifa, stale), res0;
	struct in_addr peer = ip4("10.0.0.2");
	enum nh_state st;

	CHECK(ping(a, "0.0.0.0", "10.0.0.2", 11, 1, 8, 0, false) == 0, "ping");
	wait_ms(10);
	CHECK(nh4_query(ifa, peer, &st, NULL) && st == NH_REACHABLE, "resolve");
	req0 = NHS(ifa, req_out);
	res0 = NHS(ifa, resolved);
	wait_ms((int)(NH_REACHABLE_NS / 1000000) + 1000);
	/* Stale: the packet goes out on the old header, and we ask again. */
	CHECK(ping(a, "0.0.0.0", "10.0.0.2", 11, 2, 8, 0, false) == 0, "ping 2");
	CHECK(NHS(ifa, stale) == stale0 + 1 && NHS(ifa, req_out) == req0 + 1,
	    "stale entry: stale %llu requests %llu",
	    (unsigned long long)NHS(ifa, stale),
	    (unsigned long long)NHS(ifa, req_out));
	wait_ms(10);
	CHECK(ICMPS(a, in_echoreply) == 2 && NHS(ifa, resolved) == res0 + 1 &&
	    nh4_query(ifa, peer, &st, NULL) && st == NH_REACHABLE,
	    "stale entry not confirmed again");
}

static void
nh_full(struct brane *a, struct ifnet *ifa)
{
	u_int n0 = nh4_count(ifa), refused = 0, ok = 0;
	char dst[16];

	/* More neighbours than an interface keeps: the rest are refused. */
	for (u_int k = 0; k < NH_ENTRIES_MAX + 50; k++) {
		snprintf(dst, sizeof(dst), "10.0.%u.%u", 1 + k / 250, 1 + k % 250);
		if (ping(a, "0.0.0.0", dst, 12, 1, 0, 0, false) == ENOBUFS)
			refused++;
	}
	/* (The failed entry of nh_hold_and_fail was recycled.) */
	CHECK(nh4_count(ifa) == NH_ENTRIES_MAX && refused == n0 + 50 - 1 &&
	    NHS(ifa, full) == refused && NHS(ifa, evicted) == 1,
	    "full cache: %u entries, %u refused, %llu recycled", nh4_count(ifa),
	    refused, (unsigned long long)NHS(ifa, evicted));
	/* Once they failed, new neighbours take failed entries' places. */
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 500);
	for (u_int k = 0; k < 20; k++) {
		snprintf(dst, sizeof(dst), "10.0.3.%u", 100 + k);
		if (ping(a, "0.0.0.0", dst, 12, 2, 0, 0, false) == 0)
			ok++;
	}
	CHECK(ok == 20 && NHS(ifa, evicted) == 1 + 20 &&
	    nh4_count(ifa) == NH_ENTRIES_MAX, "recycling: %u sent, %llu evicted",
	    ok, (unsigned long long)NHS(ifa, evicted));
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 500);
}

static void
case_nhlimits(void *arg)
{
	struct brane *a = mkbrane("a"), *b = mkbrane("b");
	struct ifnet *ifa, *ifb;

	(void)arg;
	mkpair("vp0a", a, "vp0b", b, &ifa, &ifb);
	addr(a, ifa, "10.0.0.1", 22);
	addr(b, ifb, "10.0.0.2", 22);
	nh_hold_and_fail(a, ifa);
	nh_aging(a, ifa);
	nh_full(a, ifa);
	CHECK(mbufs_live() == 0, "%llu mbufs still out",
	    (unsigned long long)mbufs_live());
	printf("ok nhlimits held=%llu hold_drops=%llu timeouts=%llu stale=%llu "
	    "full=%llu evicted=%llu\n", (unsigned long long)NHS(ifa, held),
	    (unsigned long long)NHS(ifa, hold_drops),
	    (unsigned long long)NHS(ifa, timeouts),
	    (unsigned long long)NHS(ifa, stale),
	    (unsigned long long)NHS(ifa, full),
	    (unsigned long long)NHS(ifa, evicted));
}

/* ------------------------------------------------------------------ */
/* smp: pings from LWPs on four CPUs through a router polled elsewhere  */

#define SMP_LWPS        4

struct smp_sender {
	struct net3 *n;
	u_int index;
	int pings;
	int failed;
};

static void
smp_send(void *arg)
{
	struct smp_sender *ss = arg;

	for (int k = 0; k < ss->pings; k++) {
		if (ping(ss->n->a, "0.0.0.0", "10.0.2.1", (uint16_t)ss->index,
		    (uint16_t)k, 8 + (k % 64), 0, false) != 0)
			ss->failed++;
		if (k % 8 == 7)
			wait_ms(1);
	}
}

static void
case_smp(void *arg)
{
	static struct smp_sender ss[SMP_LWPS];
	struct net3 n;
	lwp_t *l[SMP_LWPS];
	int pings = nrounds > 0 ? (int)nrounds : 200, total = 0;

	(void)arg;
	n.a = mkbrane("a");
	n.r = mkbrane("r");
	n.b = mkbrane("b");
	/* Each pair polled on its own CPU. */
	CHECK(vpair_create("vp0a", "vp0b", cpu_lookup(1), &n.a0, &n.r0) == 0 &&
	    vpair_create("vp1a", "vp1b", cpu_lookup(2), &n.r1, &n.b1) == 0,
	    "vpairs");
	brane_attach_ifnet(n.a, n.a0);
	brane_attach_ifnet(n.r, n.r0);
	brane_attach_ifnet(n.r, n.r1);
	brane_attach_ifnet(n.b, n.b1);
	addr(n.a, n.a0, "10.0.1.1", 24);
	addr(n.r, n.r0, "10.0.1.254", 24);
	addr(n.r, n.r1, "10.0.2.254", 24);
	addr(n.b, n.b1, "10.0.2.1", 24);
	route(n.a, "0.0.0.0", 0, "10.0.1.254");
	route(n.b, "0.0.0.0", 0, "10.0.2.254");
	n.r->br_inet->ib_forwarding = true;
	/* Resolve first: concurrent senders would overflow a hold queue. */
	CHECK(ping(n.a, "0.0.0.0", "10.0.2.1", 99, 0, 8, 0, false) == 0, "ping");
	wait_ms(10);
	for (u_int i = 0; i < SMP_LWPS; i++) {
		ss[i] = (struct smp_sender){ &n, i, pings, 0 };
		CHECK(kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(i),
		    smp_send, &ss[i], &l[i], "send%u", i) == 0, "kthread");
	}
	for (u_int i = 0; i < SMP_LWPS; i++) {
		kthread_join(l[i]);
		CHECK(ss[i].failed == 0, "sender %u: %d sends failed", i,
		    ss[i].failed);
		total += pings;
	}
	wait_ms(50);
	CHECK(ICMPS(n.b, in_echo) == (uint64_t)total + 1 &&
	    ICMPS(n.a, in_echoreply) == (uint64_t)total + 1 &&
	    IPS(n.r, forwarded) == 2 * ((uint64_t)total + 1),
	    "echo %llu replies %llu forwarded %llu, sent %d + 1",
	    (unsigned long long)ICMPS(n.b, in_echo),
	    (unsigned long long)ICMPS(n.a, in_echoreply),
	    (unsigned long long)IPS(n.r, forwarded), total);
	CHECK(NHS(n.a0, req_out) == 1 && NHS(n.r1, req_out) == 1 &&
	    n.a0->if_ev_oqdrops.ev_count == 0, "ARP asked again or drops");
	CHECK(mbufs_live() == 0, "%llu mbufs still out",
	    (unsigned long long)mbufs_live());
	printf("ok smp pings=%d forwarded=%llu\n", total,
	    (unsigned long long)IPS(n.r, forwarded));
}

/* ------------------------------------------------------------------ */
/* lpm                                                                  */

struct pfx {
	const char *dst;
	u_int plen;
	const char *gw;
};

static const struct pfx lpm_pfx[] = {
	{ "0.0.0.0", 0, "192.168.0.10" },
	{ "10.0.0.0", 8, "192.168.0.11" },
	{ "10.1.0.0", 16, "192.168.0.12" },
	{ "10.1.2.0", 24, "192.168.0.13" },
	{ "10.1.2.128", 25, "192.168.0.14" },
	{ "10.1.2.3", 32, "192.168.0.15" },
	{ "10.128.0.0", 9, "192.168.0.16" },
	{ "11.0.0.0", 8, "192.168.0.17" },
	{ "10.1.3.0", 24, "192.168.0.18" },
	{ "10.1.2.0", 23, "192.168.0.19" },
	{ "128.0.0.0", 1, "192.168.0.20" },
};
#define NPFX    __arraycount(lpm_pfx)

/* The model: the longest present prefix holding a, else -1. */
static int
lpm_model(const bool *present, struct in_addr a)
{
	int best = -1;

	for (u_int i = 0; i < NPFX; i++) {
		uint32_t m = ntohl(in_plen2mask(lpm_pfx[i].plen));

		if (!present[i] ||
		    (ntohl(a.s_addr) & m) != (ntohl(ip4(lpm_pfx[i].dst).s_addr) & m))
			continue;
		if (best < 0 || lpm_pfx[i].plen > lpm_pfx[best].plen)
			best = (int)i;
	}
	return best;
}

static struct in_addr
lpm_addr(uint64_t *s)
{
	struct in_addr a;
	uint32_t h;

	if (rnd(s, 4) == 0) {
		a.s_addr = (in_addr_t)sim_splitmix64(s);
		return a;
	}
	/* Near a prefix: its address with some low bits changed. */
	h = ntohl(ip4(lpm_pfx[rnd(s, NPFX)].dst).s_addr);
	h ^= (uint32_t)sim_splitmix64(s) & ((1u << rnd(s, 32)) - 1);
	a.s_addr = htonl(h);
	return a;
}

static void
lpm_check(struct brane *br, const bool *present, uint64_t *s, int n)
{
	struct rtresult rr;
	char b1[16], b2[16];

	ptree_check(&br->br_inet->ib_routes);
	for (int k = 0; k < n; k++) {
		struct in_addr a = lpm_addr(s);
		int want = lpm_model(present, a), error = rt_lookup(br, a, &rr);

		/* 192.168.0.0/24 is connected: the model ignores it. */
		if ((ntohl(a.s_addr) >> 8) == 0xc0a800) {
			CHECK(error == 0 && rr.rr_nexthop.s_addr == a.s_addr &&
			    (rr.rr_flags & RTF_CONNECTED), "connected %s",
			    ntoa(a, b1));
			continue;
		}
		if (want < 0) {
			CHECK(error == EHOSTUNREACH, "%s: found a route via %s, "
			    "none expected", ntoa(a, b1), ntoa(rr.rr_nexthop, b2));
			continue;
		}
		CHECK(error == 0 && rr.rr_nexthop.s_addr ==
		    ip4(lpm_pfx[want].gw).s_addr && (rr.rr_flags & RTF_GATEWAY),
		    "%s: expected %s/%u via %s, got error %d via %s", ntoa(a, b1),
		    lpm_pfx[want].dst, lpm_pfx[want].plen, lpm_pfx[want].gw, error,
		    error ? "-" : ntoa(rr.rr_nexthop, b2));
		CHECK(rr.rr_src.s_addr == ip4("192.168.0.1").s_addr,
		    "source %s", ntoa(rr.rr_src, b1));
	}
}

static void
lpm_orders(struct brane *br, uint64_t *s, long orders)
{
	u_int order[NPFX];
	bool present[NPFX];

	for (long k = 0; k < orders; k++) {
		for (u_int i = 0; i < NPFX; i++)
			order[i] = i;
		for (u_int i = NPFX - 1; i > 0; i--) {
			u_int j = rnd(s, i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		memset(present, 0, sizeof(present));
		for (u_int i = 0; i < NPFX; i++) {
			const struct pfx *p = &lpm_pfx[order[i]];

			route(br, p->dst, p->plen, p->gw);
			present[order[i]] = true;
			CHECK(rt_add(br, ip4(p->dst), p->plen, ip4(p->gw), NULL,
			    0) == EEXIST, "second %s/%u added", p->dst, p->plen);
			lpm_check(br, present, s, 50);
		}
		lpm_check(br, present, s, 1000);
		/* Delete in another order. */
		for (u_int i = 0; i < NPFX; i++) {
			u_int j = order[(i * 7 + k) % NPFX];
			const struct pfx *p = &lpm_pfx[j];

			CHECK(rt_delete(br, ip4(p->dst), p->plen) == 0,
			    "rt_delete %s/%u", p->dst, p->plen);
			CHECK(rt_delete(br, ip4(p->dst), p->plen) == ESRCH,
			    "second rt_delete %s/%u", p->dst, p->plen);
			present[j] = false;
			lpm_check(br, present, s, 50);
		}
		CHECK(ptree_count(&br->br_inet->ib_routes) == 1,
		    "%zu routes left", ptree_count(&br->br_inet->ib_routes));
	}
}

static void
lpm_connected(struct brane *br, struct ifnet *ifp)
{
	struct rtresult rr;

	/* An address brings its subnet; a gateway route may then use it. */
	CHECK(rt_lookup(br, ip4("172.16.9.9"), &rr) == EHOSTUNREACH,
	    "172.16/16 routed before its address");
	CHECK(rt_add(br, ip4("172.20.0.0"), 16, ip4("172.16.0.254"), NULL, 0) ==
	    ENETUNREACH, "gateway off every connected subnet accepted");
	addr(br, ifp, "172.16.5.1", 16);
	CHECK(rt_lookup(br, ip4("172.16.9.9"), &rr) == 0 &&
	    rr.rr_nexthop.s_addr == ip4("172.16.9.9").s_addr &&
	    rr.rr_src.s_addr == ip4("172.16.5.1").s_addr &&
	    rr.rr_ifp == ifp && (rr.rr_flags & RTF_CONNECTED),
	    "connected route of 172.16.5.1/16");
	route(br, "172.20.0.0", 16, "172.16.0.254");
	CHECK(rt_lookup(br, ip4("172.20.1.1"), &rr) == 0 &&
	    rr.rr_src.s_addr == ip4("172.16.5.1").s_addr, "route via 172.16");
	CHECK(in_addr_add(br, ifp, ip4("172.16.5.1"), 16) == EEXIST,
	    "address added twice");
	/* Taking the address away takes its routes. */
	CHECK(in_addr_delete(br, ip4("172.16.5.1")) == 0, "in_addr_delete");
	CHECK(in_addr_delete(br, ip4("172.16.5.1")) == ENOENT, "deleted twice");
	CHECK(rt_lookup(br, ip4("172.16.9.9"), &rr) == EHOSTUNREACH &&
	    rt_lookup(br, ip4("172.20.1.1"), &rr) == EHOSTUNREACH,
	    "routes outlived their address");
	CHECK(in_ifaddr_lookup(br, ip4("172.16.5.1")) == NULL, "address kept");
	CHECK(ptree_count(&br->br_inet->ib_routes) == 1, "routes left: %zu",
	    ptree_count(&br->br_inet->ib_routes));
}

static void
case_lpm(void *arg)
{
	struct brane *br = mkbrane("lpm");
	struct ifnet *ifp, *peer;
	uint64_t s = seed;

	(void)arg;
	mkpair("vp0a", br, "vp0b", NULL, &ifp, &peer);
	addr(br, ifp, "192.168.0.1", 24);
	lpm_connected(br, ifp);
	lpm_orders(br, &s, nrounds > 0 ? nrounds : 50);
	printf("ok lpm orders=%ld prefixes=%u\n", nrounds > 0 ? nrounds : 50L,
	    (u_int)NPFX);
}

/* ------------------------------------------------------------------ */
/* addrs: a brane's addresses against a brute-force model                */

#define ADDRS_POOL      96      /* candidate addresses */
#define ADDRS_IFS       3
#define ADDRS_CHECKS    12      /* candidates checked a round, and the one changed */

/* The model: which candidates are added, on which interface. */
struct addrs_model {
	struct in_addr a[ADDRS_POOL];
	u_int plen[ADDRS_POOL];
	int on[ADDRS_POOL];             /* interface index, or -1 */
};

static struct in_addr
addrs_bcast(const struct addrs_model *mo, u_int i)
{
	struct in_addr b;
	in_addr_t mask = in_plen2mask(mo->plen[i]);

	b.s_addr = mo->plen[i] >= 31 ? INADDR_BROADCAST :
	    (mo->a[i].s_addr & mask) | ~mask;
	return b;
}

/* What in_ours, in_broadcast and in_ifaddr_lookup must say of q. */
static void
addrs_check(struct brane *br, struct ifnet *const *ifs,
    const struct addrs_model *mo, struct in_addr q)
{
	char buf[16];

	for (int k = -1; k < ADDRS_IFS; k++) {
		struct ifnet *ifp = k < 0 ? NULL : ifs[k];
		bool ours = q.s_addr == INADDR_BROADCAST, bc = ours, found = false;

		for (u_int i = 0; i < ADDRS_POOL; i++) {
			if (mo->on[i] < 0)
				continue;
			if (mo->a[i].s_addr == q.s_addr)
				ours = found = true;
			if (mo->on[i] == k &&
			    addrs_bcast(mo, i).s_addr == q.s_addr)
				ours = bc = true;
		}
		CHECK(in_ours(br, ifp, q) == ours, "in_ours(%s, %s): %d",
		    k < 0 ? "NULL" : ifp->if_xname, ntoa(q, buf), !ours);
		CHECK(in_broadcast(br, ifp, q) == bc, "in_broadcast(%s, %s): %d",
		    k < 0 ? "NULL" : ifp->if_xname, ntoa(q, buf), !bc);
		CHECK((in_ifaddr_lookup(br, q) != NULL) == found,
		    "in_ifaddr_lookup(%s): %d", ntoa(q, buf), !found);
	}
}

/*
 * Random adds and deletes of up to ADDRS_POOL addresses on three
 * interfaces -- prefixes of 8 to 32 bits, some sharing a subnet and so
 * a directed broadcast -- and after each, the candidate changed and
 * ADDRS_CHECKS others, their broadcasts, the addresses after them and
 * the limited broadcast asked of in_ours,
 * in_broadcast and in_ifaddr_lookup on every interface, against a walk
 * of the model.
 */
static void
case_addrs(void *arg)
{
	static const u_int plens[] = { 8, 16, 24, 24, 28, 30, 31, 32 };
	struct brane *br = mkbrane("addrs");
	struct ifnet *ifs[ADDRS_IFS], *peer;
	struct addrs_model mo;
	uint64_t s = seed;
	long rounds = nrounds > 0 ? nrounds : 300, adds = 0, dels = 0;

	(void)arg;
	for (u_int k = 0; k < ADDRS_IFS; k++) {
		char a[8], b[8];

		snprintf(a, sizeof(a), "va%ua", k);
		snprintf(b, sizeof(b), "va%ub", k);
		mkpair(a, br, b, NULL, &ifs[k], &peer);
	}
	for (u_int i = 0; i < ADDRS_POOL; i++) {
		/* Few subnets, so that broadcasts and subnets are shared. */
		mo.a[i].s_addr = IN_ADDR(10, rnd(&s, 3), rnd(&s, 4),
		    1 + rnd(&s, 254));
		mo.plen[i] = plens[rnd(&s, __arraycount(plens))];
		mo.on[i] = -1;
	}
	for (long r = 0; r < rounds; r++) {
		u_int i = rnd(&s, ADDRS_POOL);

		if (mo.on[i] < 0) {
			int k = (int)rnd(&s, ADDRS_IFS), dup = -1, error;

			for (u_int j = 0; j < ADDRS_POOL; j++)
				if (mo.on[j] >= 0 && mo.a[j].s_addr ==
				    mo.a[i].s_addr)
					dup = (int)j;
			error = in_addr_add(br, ifs[k], mo.a[i], mo.plen[i]);
			CHECK(error == (dup >= 0 ? EEXIST : 0),
			    "in_addr_add: error %d", error);
			if (error == 0) {
				mo.on[i] = k;
				adds++;
			}
		} else {
			CHECK(in_addr_delete(br, mo.a[i]) == 0,
			    "in_addr_delete");
			mo.on[i] = -1;
			dels++;
		}
		for (u_int c = 0; c <= ADDRS_CHECKS; c++) {
			u_int j = c == 0 ? i : rnd(&s, ADDRS_POOL);
			struct in_addr n = { htonl(ntohl(mo.a[j].s_addr) + 1) };

			addrs_check(br, ifs, &mo, mo.a[j]);
			addrs_check(br, ifs, &mo, addrs_bcast(&mo, j));
			addrs_check(br, ifs, &mo, n);
		}
		addrs_check(br, ifs, &mo, (struct in_addr){ INADDR_BROADCAST });
	}
	printf("ok addrs rounds=%ld adds=%ld deletes=%ld\n", rounds, adds, dels);
}

/* ------------------------------------------------------------------ */
/* isolation                                                            */

static uint64_t
brane_traffic(struct brane *br)
{
	uint64_t sum = 0;

	for (u_int i = 0; i < IPSTAT_N; i++)
		sum += br->br_inet->ib_ipstat[i].ev_count;
	for (u_int i = 0; i < ICMPSTAT_N; i++)
		sum += br->br_inet->ib_icmpstat[i].ev_count;
	return sum;
}

static uint64_t
if_arp_traffic(struct ifnet *ifp)
{
	uint64_t sum = 0;

	for (u_int i = 0; i < NHSTAT_N; i++)
		sum += ifp->if_nh4->nc_stat[i].ev_count;
	return sum;
}

static void
case_isolation(void *arg)
{
	struct brane *x = mkbrane("x"), *y = mkbrane("y");
	struct brane *x2 = mkbrane("x2"), *y2 = mkbrane("y2");
	struct ifnet *xi, *yi, *x2i, *y2i;
	struct rtresult rr;

	(void)arg;
	mkpair("vp0a", x, "vp0b", y, &xi, &yi);
	mkpair("vp1a", x2, "vp1b", y2, &x2i, &y2i);
	addr(x, xi, "10.0.0.1", 24);
	addr(y, yi, "10.0.0.2", 24);
	addr(x2, x2i, "10.0.0.1", 24);
	addr(y2, y2i, "10.0.0.2", 24);
	route(x, "10.9.0.0", 16, "10.0.0.2");

	CHECK(ping(x, "0.0.0.0", "10.0.0.2", 9, 1, 16, 0, false) == 0, "ping");
	wait_ms(10);
	CHECK(ICMPS(y, in_echo) == 1 && ICMPS(x, in_echoreply) == 1,
	    "x and y did not talk");
	CHECK(brane_traffic(x2) == 0 && brane_traffic(y2) == 0,
	    "the other pair counted traffic: x2 %llu y2 %llu",
	    (unsigned long long)brane_traffic(x2),
	    (unsigned long long)brane_traffic(y2));
	CHECK(nh4_count(x2i) == 0 && nh4_count(y2i) == 0 &&
	    if_arp_traffic(x2i) == 0 && if_arp_traffic(y2i) == 0,
	    "the other pair saw ARP");
	CHECK(x2i->if_ev_ipackets.ev_count == 0 &&
	    y2i->if_ev_ipackets.ev_count == 0, "the other pair got frames");
	/* Routes are the brane's own. */
	CHECK(ptree_count(&x->br_inet->ib_routes) == 2 &&
	    ptree_count(&x2->br_inet->ib_routes) == 1, "route counts");
	CHECK(rt_lookup(x2, ip4("10.9.1.1"), &rr) == EHOSTUNREACH,
	    "x2 sees x's route");
	CHECK(rt_lookup(x2, ip4("10.0.0.2"), &rr) == 0 && rr.rr_ifp == x2i,
	    "x2's connected route");
	CHECK(in_ifaddr_lookup(x2, ip4("10.0.0.1"))->ia_ifp == x2i,
	    "x2's address is on x2's interface");

	/* And the other way round. */
	CHECK(ping(y2, "0.0.0.0", "10.0.0.1", 9, 2, 16, 0, false) == 0, "ping 2");
	wait_ms(10);
	CHECK(ICMPS(x2, in_echo) == 1 && ICMPS(y2, in_echoreply) == 1 &&
	    ICMPS(x, in_echo) == 0 && ICMPS(x, in_echoreply) == 1 &&
	    IPS(x, received) == 1 && IPS(y, received) == 1,
	    "traffic crossed pairs");
	CHECK(nh4_count(xi) == 1 && nh4_count(x2i) == 1, "cache sizes");
	printf("ok isolation x=%llu x2=%llu\n",
	    (unsigned long long)brane_traffic(x),
	    (unsigned long long)brane_traffic(x2));
}

/* ------------------------------------------------------------------ */
/* tcp: malformed segments                                              */

#define TCPS(tb, n)     ((tb)->tb_stat[TCPSTAT_##n].ev_count)

/*
 * Send from a (10.0.0.1) to b (10.0.0.2) an IPv4 packet whose payload is
 * the len bytes at tcp (a TCP header and what follows), its checksum
 * made right first (unless badsum) when the header is whole.
 */
static void
tcp_raw(struct brane *a, uint8_t *tcp, int len, bool badsum)
{
	int tot = (int)sizeof(struct ip) + len;
	struct mbuf *m = m_gethdr(M_WAIT, MT_DATA);
	uint8_t buf[sizeof(struct ip) + 128];
	struct ip *ip = (struct ip *)buf;
	uint16_t sum;

	CHECK(len >= 0 && len <= 128, "tcp_raw: %d bytes", len);
	memset(buf, 0, sizeof(struct ip));
	memcpy(buf + sizeof(struct ip), tcp, (size_t)len);
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)tot);
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = ip4("10.0.0.1");
	ip->ip_dst = ip4("10.0.0.2");
	m_align(m, tot);
	CHECK(m_copyback(m, 0, tot, buf) == 0, "m_copyback");
	if (len >= 18) {
		struct tcphdr *th = (struct tcphdr *)(mtod(m, uint8_t *) +
		    sizeof(struct ip));

		th->th_sum = 0;
		sum = (uint16_t)in4_cksum(m, IPPROTO_TCP, sizeof(struct ip),
		    len);
		th->th_sum = badsum ? (uint16_t)(sum ^ 0x5a5a) : sum;
	}
	CHECK(ip_output(a, m, 0) == 0, "ip_output");
}

/* A TCP header at p: ports, flags, data offset in words; 20 bytes. */
static void
tcp_hdr(uint8_t *p, uint16_t dport, int flags, int off_words)
{
	struct tcphdr *th = (struct tcphdr *)p;

	memset(th, 0, sizeof(*th));
	th->th_sport = htons(40000);
	th->th_dport = htons(dport);
	th->th_seq = htonl(1000);
	th->th_off = (uint8_t)(off_words << 4);
	th->th_flags = (uint8_t)flags;
	th->th_win = htons(8192);
}

static void
tcp_check_sums(struct tcp_brane *tb, uint64_t sent)
{
	uint64_t rcvd = TCPS(tb, received), dl = TCPS(tb, delivered);
	uint64_t worked = TCPS(tb, lazy_lwp) + TCPS(tb, lazy_kcont) +
	    TCPS(tb, demux_ack);

	CHECK(rcvd == sent, "tcp received %llu of %llu",
	    (unsigned long long)rcvd, (unsigned long long)sent);
	CHECK(rcvd == TCPS(tb, hdrops) + TCPS(tb, badoff) + TCPS(tb, noport) +
	    TCPS(tb, badsum_noport) + TCPS(tb, fullpcq) + dl,
	    "received %llu != its outcomes", (unsigned long long)rcvd);
	CHECK(dl == worked + TCPS(tb, closed), "delivered %llu != taken %llu "
	    "+ closed %llu", (unsigned long long)dl,
	    (unsigned long long)worked,
	    (unsigned long long)TCPS(tb, closed));
	CHECK(worked == TCPS(tb, badsum) + TCPS(tb, badopt) +
	    TCPS(tb, dropped) + TCPS(tb, processed), "taken %llu != its "
	    "outcomes", (unsigned long long)worked);
}

static void
case_tcp(void *arg)
{
	struct brane *a = mkbrane("a"), *b = mkbrane("b");
	struct ifnet *ifa, *ifb;
	struct proc *p = proc_create("tcpfuzz", b);
	struct socket *lso;
	struct sockaddr_in sin;
	struct tcp_brane *tb;
	uint64_t s = seed, sent = 0, before;
	uint8_t seg[128];
	long n = nrounds > 0 ? nrounds : 10000;

	(void)arg;
	mkpair("vp0a", a, "vp0b", b, &ifa, &ifb);
	addr(a, ifa, "10.0.0.1", 24);
	addr(b, ifb, "10.0.0.2", 24);
	CHECK(ping(a, "10.0.0.1", "10.0.0.2", 1, 1, 0, 0, false) == 0, "ping");
	wait_ms(10);
	proc_adopt(p);
	CHECK(socreate(AF_INET, &lso, SOCK_STREAM, IPPROTO_TCP) == 0,
	    "socreate");
	proc_adopt(NULL);
	sockaddr_in_init(&sin, (struct in_addr){ INADDR_ANY }, htons(80));
	CHECK(sobind(lso, (const struct sockaddr *)&sin) == 0, "bind");
	CHECK(solisten(lso, 8) == 0, "listen");
	tb = tcp_brane_peek(b);
	CHECK(tb != NULL, "no TCP state in brane b");

	/* Shorter than a header. */
	tcp_hdr(seg, 80, TH_ACK, 5);
	tcp_raw(a, seg, 12, false), sent++;
	/* Data offsets: below 5 words, beyond the segment. */
	tcp_hdr(seg, 80, TH_ACK, 4);
	tcp_raw(a, seg, 20, false), sent++;
	tcp_hdr(seg, 80, TH_ACK, 15);
	tcp_raw(a, seg, 40, false), sent++;
	wait_ms(10);
	CHECK(TCPS(tb, hdrops) == 1 && TCPS(tb, badoff) == 2,
	    "hdrops %llu badoff %llu", (unsigned long long)TCPS(tb, hdrops),
	    (unsigned long long)TCPS(tb, badoff));
	/* Bad checksums: to the listener (lazily) and to a closed port. */
	tcp_hdr(seg, 80, TH_SYN, 5);
	tcp_raw(a, seg, 20, true), sent++;
	tcp_hdr(seg, 81, TH_SYN, 5);
	tcp_raw(a, seg, 20, true), sent++;
	/* Options: length 0, past the header, MSS of the wrong length. */
	tcp_hdr(seg, 80, TH_SYN, 6);
	memcpy(seg + 20, (uint8_t[]){ TCPOPT_MAXSEG, 0, 1, 2 }, 4);
	tcp_raw(a, seg, 24, false), sent++;
	memcpy(seg + 20, (uint8_t[]){ TCPOPT_NOP, TCPOPT_TIMESTAMP, 10, 0 },
	    4);
	tcp_raw(a, seg, 24, false), sent++;
	memcpy(seg + 20, (uint8_t[]){ TCPOPT_MAXSEG, 3, 1, 0 }, 4);
	tcp_raw(a, seg, 24, false), sent++;
	/* A SYN to a closed port: a reset. */
	tcp_hdr(seg, 81, TH_SYN, 5);
	tcp_raw(a, seg, 20, false), sent++;
	wait_ms(10);
	CHECK(TCPS(tb, badsum) == 1 && TCPS(tb, badsum_noport) == 1,
	    "badsum %llu badsum_noport %llu",
	    (unsigned long long)TCPS(tb, badsum),
	    (unsigned long long)TCPS(tb, badsum_noport));
	CHECK(TCPS(tb, badopt) == 3, "badopt %llu",
	    (unsigned long long)TCPS(tb, badopt));
	CHECK(TCPS(tb, noport) == 1 && TCPS(tb, sndrst) == 1,
	    "noport %llu sndrst %llu", (unsigned long long)TCPS(tb, noport),
	    (unsigned long long)TCPS(tb, sndrst));
	tcp_check_sums(tb, sent);

	/* Random headers and option soups, valid checksums. */
	before = TCPS(tb, received);
	for (long i = 0; i < n; i++) {
		int optw = (int)rnd(&s, 11), len = 20 + 4 * optw;
		int off = rnd(&s, 8) == 0 ? (int)rnd(&s, 16) : 5 + optw;

		for (int k = 0; k < len; k++)
			seg[k] = (uint8_t)rnd(&s, 256);
		tcp_hdr(seg, rnd(&s, 2) ? 80 : 81, (int)rnd(&s, 256), off);
		((struct tcphdr *)seg)->th_seq = htonl((uint32_t)
		    sim_splitmix64(&s));
		((struct tcphdr *)seg)->th_ack = htonl((uint32_t)
		    sim_splitmix64(&s));
		/* Options from kinds that matter, lengths any. */
		for (int k = 20; k < len; k++)
			if (rnd(&s, 3) == 0)
				seg[k] = (uint8_t)rnd(&s, 9);
		if (rnd(&s, 4) == 0)
			len += (int)rnd(&s, 32);        /* some data */
		tcp_raw(a, seg, MIN(len, 128), false), sent++;
		if (i % 64 == 63)
			wait_ms(1);
	}
	wait_ms(50);
	CHECK(TCPS(tb, received) - before == (uint64_t)n, "fuzz: %llu of %ld "
	    "received", (unsigned long long)(TCPS(tb, received) - before), n);
	tcp_check_sums(tb, sent);
	printf("ok tcp segments=%llu hdrops=%llu badoff=%llu badopt=%llu "
	    "badsum=%llu noport=%llu processed=%llu dropped=%llu",
	    (unsigned long long)sent, (unsigned long long)TCPS(tb, hdrops),
	    (unsigned long long)TCPS(tb, badoff),
	    (unsigned long long)TCPS(tb, badopt),
	    (unsigned long long)TCPS(tb, badsum),
	    (unsigned long long)TCPS(tb, noport),
	    (unsigned long long)TCPS(tb, processed),
	    (unsigned long long)TCPS(tb, dropped));
	CHECK(soclose(lso) == 0, "soclose");
	wait_ms(3000);          /* the reaper; half-open ones time out */
	CHECK(TCPS(tb, tcbfreed) == 1, "listener not freed");
	CHECK(TCPS(tb, accepts) == TCPS(tb, connects) + TCPS(tb, conndrops),
	    "accepts %llu != connects %llu + conndrops %llu",
	    (unsigned long long)TCPS(tb, accepts),
	    (unsigned long long)TCPS(tb, connects),
	    (unsigned long long)TCPS(tb, conndrops));
	CHECK(mbufs_live() == 0, "%llu mbufs still out after the TCP fuzz",
	    (unsigned long long)mbufs_live());
	printf(" tcbfreed=%llu\n", (unsigned long long)TCPS(tb, tcbfreed));
}

/* ------------------------------------------------------------------ */
/* fuzz                                                                 */

#define FZ_MAX  1600

/* Kinds of frames (the report's kind.*). */
enum { FZK_RANDOM, FZK_SHORT, FZK_TYPE, FZK_IP, FZK_IPMUT, FZK_ARP,
    FZK_ARPMUT, FZK_TCP, FZK_TCPCONN, FZK_TCPLISTEN, FZK_TCPMUT, FZK_TCPHS,
    FZK_N };

static const char *const fz_kind_names[FZK_N] = { "random", "short", "type",
    "ip", "ipmut", "arp", "arpmut", "tcp", "tcpconn", "tcplisten",
    "tcpmut", "tcphs" };

#define FZ_NCONN        4

/* A slot: free, a handshake under way, or a connection. */
struct fz_conn {
	struct socket *so;              /* the accepted socket, or NULL */
	struct in_addr faddr;           /* the fuzzer's end */
	uint16_t fport;                 /* host order; 0: free */
	uint16_t lastwin;               /* the window the fuzzer last sent */
	uint32_t tsval;                 /* the fuzzer's timestamp clock */
	int tends;                      /* tends since the SYN (handshake) */
};

struct fz {
	uint64_t s;
	struct brane *f;
	struct ifnet *if0, *if1;        /* injection points */
	uint64_t frames;                /* every frame injected */
	uint64_t kinds[FZK_N];
	/* TCP: the listener, the connections to it (fuzz_tcp below). */
	struct socket *lso;
	struct tcp_brane *tb;           /* f's TCP (read without a call:
					   a snapshot of the counters is
					   taken with no sim point in it) */
	struct fz_conn conn[FZ_NCONN];
	uint16_t nextport;              /* the fuzzer's next port */
	uint64_t accepted, rcvd, sent;
};

static const uint8_t fz_peer_mac[6] = { 0x02, 0, 0, 0, 0xfa, 0x02 };

/* A plausible IPv4 address for the fuzz: ours, neighbours, others. */
static struct in_addr
fz_addr(struct fz *z)
{
	static const char *const pool[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3",
	    "10.0.0.255", "10.1.0.1", "10.1.0.2", "10.2.3.4", "255.255.255.255",
	    "224.0.0.1", "0.0.0.0", "127.0.0.1", "10.1.0.255", "10.0.0.0" };
	struct in_addr a;

	if (rnd(&z->s, 5) == 0) {
		a.s_addr = (in_addr_t)sim_splitmix64(&z->s);
		return a;
	}
	return ip4(pool[rnd(&z->s, __arraycount(pool))]);
}

/* An IPv4 packet at p (options, payload); returns its length. */
static int
fz_ip(struct fz *z, uint8_t *p, int room)
{
	static const uint8_t protos[] = { IPPROTO_ICMP, IPPROTO_ICMP,
	    IPPROTO_ICMP, IPPROTO_UDP, IPPROTO_TCP, 0, 99, 255 };
	struct ip *ip = (struct ip *)p;
	int hlen = 20 + 4 * (int)(rnd(&z->s, 4) == 0 ? rnd(&z->s, 11) : 0);
	int plen = (int)rnd(&z->s, 4) == 0 ? (int)rnd(&z->s, 1530) :
	    (int)rnd(&z->s, 64);
	int len = hlen + plen;
	uint8_t *q = p + hlen;

	if (len > room)
		len = room, plen = len - hlen;
	memset(p, 0, (size_t)len);
	ip->ip_vhl = IP_VHL(4, hlen);
	ip->ip_tos = (uint8_t)rnd(&z->s, 256);
	ip->ip_len = htons((uint16_t)len);
	ip->ip_id = (uint16_t)rnd(&z->s, 65536);
	ip->ip_off = rnd(&z->s, 8) == 0 ? (uint16_t)sim_splitmix64(&z->s) :
	    rnd(&z->s, 2) ? htons(IP_DF) : 0;
	ip->ip_ttl = (uint8_t)(rnd(&z->s, 4) == 0 ? rnd(&z->s, 3) : 64);
	ip->ip_p = protos[rnd(&z->s, sizeof(protos))];
	ip->ip_src = fz_addr(z);
	ip->ip_dst = fz_addr(z);
	for (int i = 20; i < hlen; i++)         /* option soup */
		p[i] = (uint8_t)(rnd(&z->s, 3) == 0 ? rnd(&z->s, 4) :
		    sim_splitmix64(&z->s));
	for (int i = 0; i < plen; i++)
		q[i] = (uint8_t)sim_splitmix64(&z->s);
	if (ip->ip_p == IPPROTO_ICMP && plen >= 8) {
		static const uint8_t types[] = { ICMP_ECHO, ICMP_ECHO,
		    ICMP_ECHOREPLY, ICMP_UNREACH, ICMP_TIMXCEED, 13, 5, 42 };

		q[0] = types[rnd(&z->s, sizeof(types))];
		q[1] = (uint8_t)rnd(&z->s, 6);
		q[2] = q[3] = 0;
		if ((q[0] == ICMP_UNREACH || q[0] == ICMP_TIMXCEED) &&
		    plen >= 8 + 28 && rnd(&z->s, 2)) {
			struct ip *qi = (struct ip *)(q + 8);

			qi->ip_vhl = rnd(&z->s, 4) ? IP_VHL(4, 20) :
			    (uint8_t)sim_splitmix64(&z->s);
			qi->ip_p = protos[rnd(&z->s, sizeof(protos))];
		}
		be16enc(q + 2, ref_cksum(q, (size_t)plen));
	}
	be16enc(&ip->ip_sum, ref_cksum(p, (size_t)hlen));
	return len;
}

/* Mutate a packet of len bytes at p; returns the new length. */
static int
fz_mutate(struct fz *z, uint8_t *p, int len, int room)
{
	switch (rnd(&z->s, 7)) {
	case 0:                                 /* truncate */
		return (int)rnd(&z->s, (uint32_t)len + 1);
	case 1:                                 /* flip bytes */
		for (int k = (int)rnd(&z->s, 4) + 1; k > 0 && len > 0; k--)
			p[rnd(&z->s, (uint32_t)len)] ^= (uint8_t)(1 +
			    rnd(&z->s, 255));
		return len;
	case 2:                                 /* bad ip_len */
		if (len >= 4)
			be16enc(p + 2, (uint16_t)rnd(&z->s, 65536));
		return len;
	case 3:                                 /* bad header length */
		if (len >= 1)
			p[0] = (uint8_t)(0x40 | rnd(&z->s, 16));
		return len;
	case 4:                                 /* pad */
		{
			int pad = (int)rnd(&z->s, 64);

			if (len + pad > room)
				pad = room - len;
			memset(p + len, 0xee, (size_t)pad);
			return len + pad;
		}
	case 5:                                 /* version */
		if (len >= 1)
			p[0] = (uint8_t)((rnd(&z->s, 16) << 4) | (p[0] & 15));
		return len;
	default:                                /* bad checksum */
		if (len >= 12)
			p[10] ^= 0x5a;
		return len;
	}
}

static int
fz_arp(struct fz *z, uint8_t *p, struct ifnet *ifp)
{
	struct in_addr spa = fz_addr(z), tpa = fz_addr(z);

	be16enc(p, 1);
	be16enc(p + 2, ETHERTYPE_IP);
	p[4] = 6;
	p[5] = 4;
	be16enc(p + 6, (uint16_t)(1 + rnd(&z->s, 2)));
	for (int i = 0; i < 6; i++)
		p[8 + i] = (uint8_t)sim_splitmix64(&z->s);
	p[8] = (uint8_t)(p[8] & 0xfe);
	if (rnd(&z->s, 16) == 0)
		memcpy(p + 8, ifp->if_lladdr, 6);
	memcpy(p + 14, &spa, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

static int fz_tcp_frame(struct fz *, uint8_t *, uint32_t);

/* One frame into buf (half of them TCP); returns its length. */
static int
fz_frame(struct fz *z, uint8_t *buf, struct ifnet *ifp)
{
	uint32_t kind = rnd(&z->s, 32);
	int len = 14;

	if (rnd(&z->s, 8) == 0)
		memset(buf, 0xff, 6);
	else
		memcpy(buf, ifp->if_lladdr, 6);
	for (int i = 6; i < 12; i++)
		buf[i] = (uint8_t)sim_splitmix64(&z->s);
	buf[6] &= 0xfe;
	if (kind >= 16)
		return fz_tcp_frame(z, buf, kind - 16);
	if (kind == 0) {
		z->kinds[0]++;
		len = (int)rnd(&z->s, 200);
		for (int i = 0; i < len; i++)
			buf[i] = (uint8_t)sim_splitmix64(&z->s);
		return len;
	}
	if (kind == 1) {
		z->kinds[1]++;
		return (int)rnd(&z->s, 14);
	}
	if (kind == 2) {
		z->kinds[2]++;
		be16enc(buf + 12, (uint16_t)sim_splitmix64(&z->s));
		return 14 + (int)rnd(&z->s, 60);
	}
	if (kind <= 10) {
		be16enc(buf + 12, ETHERTYPE_IP);
		len += fz_ip(z, buf + 14, FZ_MAX - 14 - 64);
		if (kind <= 6) {
			z->kinds[3]++;
			return len;
		}
		z->kinds[4]++;
		return 14 + fz_mutate(z, buf + 14, len - 14, FZ_MAX - 14);
	}
	be16enc(buf + 12, ETHERTYPE_ARP);
	len += fz_arp(z, buf + 14, ifp);
	if (kind <= 13) {
		z->kinds[5]++;
		return len;
	}
	z->kinds[6]++;
	return 14 + fz_mutate(z, buf + 14, len - 14, FZ_MAX - 14);
}

/* The frame as an mbuf chain cut at random places. */
static struct mbuf *
fz_chain(struct fz *z, const uint8_t *buf, int len)
{
	struct mbuf *m = m_gethdr(M_WAIT, MT_DATA), *n, *last;
	int first = len == 0 ? 0 : (int)rnd(&z->s, (uint32_t)MIN(len, MHLEN)) + 1;
	int done, seg;

	if (rnd(&z->s, 4) == 0)
		m_clget(m, M_WAIT);
	memcpy(mtod(m, uint8_t *), buf, (size_t)first);
	m->m_len = first;
	m->m_pkthdr.len = len;
	last = m;
	for (done = first; done < len; done += n->m_len) {
		n = m_get(M_WAIT, MT_DATA);
		if (len - done > MLEN || rnd(&z->s, 8) == 0)
			m_clget(n, M_WAIT);
		seg = (int)rnd(&z->s, (uint32_t)MLEN) + 1;
		n->m_len = MIN(len - done, seg);
		memcpy(mtod(n, uint8_t *), buf + done, (size_t)n->m_len);
		last->m_next = n;
		last = n;
	}
	return m;
}

/* ------------------------------------------------------------------ */
/* fuzz: TCP                                                            */

/*
 * The fuzzer plays the peer of a listener (FZ_LOCAL:FZ_LPORT) and of up
 * to FZ_NCONN connections it opened to it: it makes the handshakes
 * itself (its SYN, then the ACK of the SYN-ACK whose ISS it reads from
 * the listener's embryos), and before each in-window segment it reads
 * the connection's rcv_nxt, snd_una and snd_max under the socket's lock,
 * so a share of what it sends is data at the right place, ACKs of what
 * was sent, FINs, resets with the exact number, window updates and
 * duplicate ACKs -- the state machine deep down -- while the rest is
 * near and far from it, with every option well and badly formed.
 */
#define FZ_LPORT        80
#define FZ_LOCAL        "10.0.0.1"
#define FZ_PEER         "10.0.0.2"
/*
 * Long enough for a connection to give up on a silent peer: maxrexmits
 * timeouts at the longest RTO (tcp_subr.c's defaults), and one more.
 */
#define FZ_LINGER_MS    (13 * 60000)

/* What the fuzzer knows of a connection: read under its lock. */
struct fz_tcb {
	uint8_t state;
	tcp_seq rcv_nxt, snd_una, snd_max;
	uint32_t rcv_wnd;
	uint32_t ts_recent;
	uint32_t rto_ms;                /* before backoff */
	bool ts;
	uint16_t lport;                 /* host order */
};

/* A segment to write. */
struct fz_seg {
	struct in_addr src, dst;
	uint16_t sport, dport;          /* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urp;
	uint8_t opt[TCP_MAXOLEN];
	int optlen;
	int dlen;
};

static struct tcp_brane *
fz_tb(struct fz *z)
{
	return z->tb;
}

static uint64_t
fz_tcpstat(struct fz *z, enum tcpstat_id i)
{
	return fz_tb(z)->tb_stat[i].ev_count;
}

static bool
fz_tcb(struct socket *so, struct fz_tcb *t)
{
	const struct inpcb *inp;
	const struct tcpcb *tp;

	mutex_enter(&so->so_lock);
	if ((inp = so->so_pcb) == NULL) {
		mutex_exit(&so->so_lock);
		return false;
	}
	tp = inp->inp_ppcb;
	t->state = tp->t_state;
	t->rcv_nxt = tp->rcv_nxt;
	t->snd_una = tp->snd_una;
	t->snd_max = tp->snd_max;
	t->rcv_wnd = tp->rcv_adv - tp->rcv_nxt;
	t->ts_recent = tp->ts_recent;
	t->rto_ms = tp->t_rto_ms;
	t->ts = (tp->t_flags & TF_RCVD_TSTMP) != 0;
	t->lport = ntohs(inp->inp_lport);
	mutex_exit(&so->so_lock);
	return true;
}

/* The listener's embryo for faddr:fport: its ISS and IRS. */
static bool
fz_embryo(struct fz *z, struct in_addr faddr, uint16_t fport, tcp_seq *iss,
    tcp_seq *irs, bool *ts)
{
	const struct inpcb *inp;
	const struct tcpcb *lp;
	const struct tcp_embryo *te;
	bool found = false;

	mutex_enter(&z->lso->so_lock);
	inp = z->lso->so_pcb;
	lp = inp->inp_ppcb;
	for (te = lp->t_embryos; te != NULL; te = te->te_next)
		if (te->te_faddr.s_addr == faddr.s_addr &&
		    te->te_fport == htons(fport)) {
			*iss = te->te_iss;
			*irs = te->te_irs;
			*ts = te->te_ts;
			found = true;
			break;
		}
	mutex_exit(&z->lso->so_lock);
	return found;
}

/* A random embryo of the listener (for ACKs and resets aimed at it). */
static bool
fz_any_embryo(struct fz *z, struct fz_seg *s)
{
	const struct inpcb *inp;
	const struct tcpcb *lp;
	const struct tcp_embryo *te;
	uint32_t k;
	bool found = false;

	mutex_enter(&z->lso->so_lock);
	inp = z->lso->so_pcb;
	lp = inp->inp_ppcb;
	if (lp->t_nembryos > 0) {
		k = rnd(&z->s, lp->t_nembryos);
		for (te = lp->t_embryos; te != NULL && k > 0; te = te->te_next)
			k--;
		if (te != NULL) {
			s->src = te->te_faddr;
			s->sport = ntohs(te->te_fport);
			s->seq = te->te_irs + 1;
			s->ack = te->te_iss + 1;
			found = true;
		}
	}
	mutex_exit(&z->lso->so_lock);
	return found;
}

/* The TCP checksum of the segment of the IPv4 packet at p. */
static uint16_t
fz_tcpsum(const uint8_t *p, int hlen, int len)
{
	static uint8_t tmp[12 + FZ_MAX];

	KASSERT(len >= hlen && len - hlen <= FZ_MAX);
	memcpy(tmp, p + 12, 8);
	tmp[8] = 0;
	tmp[9] = IPPROTO_TCP;
	be16enc(tmp + 10, (uint16_t)(len - hlen));
	memcpy(tmp + 12, p + hlen, (size_t)(len - hlen));
	return ref_cksum(tmp, (size_t)(12 + len - hlen));
}

/* Set the TCP checksum right (and the IP header's). */
static void
fz_tcp_sums(uint8_t *p, int len)
{
	int hlen = (p[0] & 15) * 4;

	be16enc(p + 10, 0);
	be16enc(p + 10, ref_cksum(p, (size_t)hlen));
	if (len >= hlen + 18) {
		be16enc(p + hlen + 16, 0);
		be16enc(p + hlen + 16, fz_tcpsum(p, hlen, len));
	}
}

/*
 * Options into s->opt: a well-formed SYN set (half the SYNs: MSS,
 * SACK-permitted, timestamps, window scale, as Linux), or a random list
 * of MSS, window scale (shifts up to 255), timestamps, SACK-permitted,
 * SACK blocks (ranges near sackbase, bogus or not, or plausible ones
 * that feed a SACK sender's scoreboard), EOL/NOP runs, unknown kinds, and
 * lengths 0, 1, wrong, or beyond the header.
 */
/* A timestamp option at o; its length. */
static int
fz_opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_TIMESTAMP;
	o[1] = TCPOLEN_TIMESTAMP;
	be32enc(o + 2, tsval);
	be32enc(o + 6, tsecr);
	return TCPOLEN_TIMESTAMP;
}

static void
fz_tcp_opts(struct fz *z, struct fz_seg *s, bool ts, uint32_t tsval,
    uint32_t tsecr, tcp_seq sackbase)
{
	uint8_t *o = s->opt;
	int n = 0, room = (int)rnd(&z->s, 4) == 0 ? TCP_MAXOLEN :
	    (int)rnd(&z->s, TCP_MAXOLEN + 1);

	if ((s->flags & TH_SYN) && rnd(&z->s, 2) == 0) {
		o[n++] = TCPOPT_MAXSEG;
		o[n++] = TCPOLEN_MAXSEG;
		be16enc(o + n, 1460);
		n += 2;
		o[n++] = TCPOPT_SACK_PERMITTED;
		o[n++] = TCPOLEN_SACK_PERMITTED;
		n += fz_opt_ts(o + n, tsval, tsecr);
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WINDOW;
		o[n++] = TCPOLEN_WINDOW;
		o[n++] = (uint8_t)rnd(&z->s, 15);
		s->optlen = n;
		return;
	}
	if (ts && rnd(&z->s, 8) != 0 && room >= 12) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		n += fz_opt_ts(o + n, tsval, tsecr);
	}
	while (n < room && rnd(&z->s, 4) != 0) {
		int left = room - n;

		switch (rnd(&z->s, 12)) {
		case 0:
			if (left < 4)
				break;
			o[n++] = TCPOPT_MAXSEG;
			o[n++] = TCPOLEN_MAXSEG;
			be16enc(o + n, rnd(&z->s, 4) == 0 ?
			    (uint16_t)rnd(&z->s, 3) :
			    (uint16_t)(rnd(&z->s, 2) ? 1460 :
			    sim_splitmix64(&z->s)));
			n += 2;
			break;
		case 1:
			if (left < 3)
				break;
			o[n++] = TCPOPT_WINDOW;
			o[n++] = TCPOLEN_WINDOW;
			o[n++] = (uint8_t)(rnd(&z->s, 2) ? rnd(&z->s, 15) :
			    rnd(&z->s, 256));
			break;
		case 2:
			if (left < 10)
				break;
			o[n++] = TCPOPT_TIMESTAMP;
			o[n++] = TCPOLEN_TIMESTAMP;
			be32enc(o + n, rnd(&z->s, 2) ? tsval :
			    (uint32_t)sim_splitmix64(&z->s));
			be32enc(o + n + 4, rnd(&z->s, 2) ? tsecr : 0);
			n += 8;
			break;
		case 3:
			if (left < 2)
				break;
			o[n++] = TCPOPT_SACK_PERMITTED;
			o[n++] = TCPOLEN_SACK_PERMITTED;
			break;
		case 4: {                       /* SACK blocks */
			/*
			 * Plausible ones (ascending, within 64 KiB above
			 * sackbase: they feed a SACK sender's scoreboard), or
			 * ranges near sackbase, bogus or not.
			 */
			bool plausible = rnd(&z->s, 2) != 0;
			int nb = plausible ? 1 + (int)rnd(&z->s, 4) :
			    (int)rnd(&z->s, 5);
			uint32_t at = sackbase;

			if (left < 2)
				break;
			if (left < 2 + 8 * nb)
				nb = (left - 2) / 8;
			o[n++] = TCPOPT_SACK;
			o[n++] = (uint8_t)(2 + 8 * nb);
			for (int b = 0; b < nb; b++) {
				uint32_t l = sackbase + (uint32_t)(int32_t)
				    (rnd(&z->s, 2) ? (int32_t)rnd(&z->s, 20000) -
				    4000 : (int32_t)sim_splitmix64(&z->s));
				uint32_t r = rnd(&z->s, 4) == 0 ? l -
				    rnd(&z->s, 3000) : l + rnd(&z->s, 3000);

				if (plausible) {
					l = at += 1 + (uint32_t)rnd(&z->s, 8192);
					r = at += 1 + (uint32_t)rnd(&z->s, 8192);
				}
				be32enc(o + n, l);
				be32enc(o + n + 4, r);
				n += 8;
			}
			break;
		}
		case 5:                         /* a NOP run */
			for (int k = (int)rnd(&z->s, 8); k > 0 && n < room; k--)
				o[n++] = TCPOPT_NOP;
			break;
		case 6:                         /* EOL, then anything */
			o[n++] = TCPOPT_EOL;
			while (n < room && rnd(&z->s, 2))
				o[n++] = (uint8_t)sim_splitmix64(&z->s);
			break;
		case 7:                         /* length 0 or 1 */
			o[n++] = (uint8_t)(rnd(&z->s, 2) ? rnd(&z->s, 10) :
			    sim_splitmix64(&z->s));
			if (n < room)
				o[n++] = (uint8_t)rnd(&z->s, 2);
			break;
		case 8:                         /* length beyond the header */
			o[n++] = (uint8_t)rnd(&z->s, 10);
			if (n < room) {
				o[n] = (uint8_t)(room - n + 1 +
				    rnd(&z->s, 40));
				n++;
			}
			break;
		case 9:                         /* a known kind, wrong length */
			if (left < 3)
				break;
			o[n++] = (uint8_t)(2 + rnd(&z->s, 7));
			o[n] = (uint8_t)(2 + rnd(&z->s, (uint32_t)left - 1));
			for (int k = 2; k < o[n]; k++)
				o[n + k - 1] = (uint8_t)sim_splitmix64(&z->s);
			n += o[n] - 1;
			break;
		case 10: {                      /* an unknown kind */
			int l = 2 + (int)rnd(&z->s, 8);

			if (left < l)
				break;
			o[n] = (uint8_t)(9 + rnd(&z->s, 247));
			o[n + 1] = (uint8_t)l;
			for (int k = 2; k < l; k++)
				o[n + k] = (uint8_t)sim_splitmix64(&z->s);
			n += l;
			break;
		}
		default:                        /* raw bytes */
			o[n++] = (uint8_t)sim_splitmix64(&z->s);
			break;
		}
	}
	KASSERT(n <= TCP_MAXOLEN);
	while (n % 4 != 0)                      /* pad (NOPs or EOLs) */
		o[n++] = rnd(&z->s, 2) ? TCPOPT_NOP : TCPOPT_EOL;
	s->optlen = n;
}

/* The IPv4 packet carrying s at p; returns its length. */
static int
fz_tcp_write(struct fz *z, const struct fz_seg *s, uint8_t *p, int room)
{
	struct ip *ip = (struct ip *)p;
	int hlen = 20 + (rnd(&z->s, 16) == 0 ? 4 * (int)rnd(&z->s, 3) : 0);
	int thoff = 20 + s->optlen;
	int dlen = s->dlen;
	uint8_t *th = p + hlen;
	int len;

	if (hlen + thoff + dlen > room)
		dlen = room - hlen - thoff;
	len = hlen + thoff + dlen;
	memset(p, 0, (size_t)(hlen + thoff));
	ip->ip_vhl = IP_VHL(4, hlen);
	ip->ip_len = htons((uint16_t)len);
	ip->ip_id = (uint16_t)rnd(&z->s, 65536);
	ip->ip_off = rnd(&z->s, 2) ? htons(IP_DF) : 0;
	ip->ip_ttl = 64;
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = s->src;
	ip->ip_dst = s->dst;
	for (int i = 20; i < hlen; i++)         /* NOPs, maybe an EOL */
		p[i] = (uint8_t)(rnd(&z->s, 4) == 0 ? 0 : 1);
	be16enc(th, s->sport);
	be16enc(th + 2, s->dport);
	be32enc(th + 4, s->seq);
	be32enc(th + 8, s->ack);
	th[12] = (uint8_t)((thoff / 4) << 4);
	th[13] = s->flags;
	be16enc(th + 14, s->win);
	be16enc(th + 18, s->urp);
	memcpy(th + 20, s->opt, (size_t)s->optlen);
	for (int i = 0; i < dlen; i++)
		th[thoff + i] = (uint8_t)sim_splitmix64(&z->s);
	fz_tcp_sums(p, len);
	return len;
}

static int
fz_dlen(struct fz *z)
{
	switch (rnd(&z->s, 4)) {
	case 0:
	case 1:
		return 0;
	case 2:
		return (int)rnd(&z->s, 64) + 1;
	default:
		return (int)rnd(&z->s, 1460) + 1;
	}
}

/* A random TCP segment: every field drawn, the options raw bytes. */
static void
fz_tcp_random(struct fz *z, struct fz_seg *s)
{
	static const uint16_t ports[] = { FZ_LPORT, FZ_LPORT, 0, 1, 65535,
	    40000 };
	struct fz_conn *c = &z->conn[rnd(&z->s, FZ_NCONN)];

	s->src = rnd(&z->s, 2) ? ip4(FZ_PEER) : fz_addr(z);
	s->dst = rnd(&z->s, 4) ? ip4(FZ_LOCAL) : fz_addr(z);
	s->sport = c->fport != 0 && rnd(&z->s, 2) ? c->fport :
	    (uint16_t)sim_splitmix64(&z->s);
	s->dport = rnd(&z->s, 4) ? ports[rnd(&z->s, __arraycount(ports))] :
	    (uint16_t)sim_splitmix64(&z->s);
	s->seq = (uint32_t)sim_splitmix64(&z->s);
	s->ack = (uint32_t)sim_splitmix64(&z->s);
	s->flags = (uint8_t)sim_splitmix64(&z->s);
	s->win = (uint16_t)sim_splitmix64(&z->s);
	s->urp = (uint16_t)sim_splitmix64(&z->s);
	s->optlen = 4 * (int)rnd(&z->s, 11);
	for (int i = 0; i < s->optlen; i++)
		s->opt[i] = (uint8_t)(rnd(&z->s, 2) ? rnd(&z->s, 10) :
		    sim_splitmix64(&z->s));
	s->dlen = fz_dlen(z);
}

/* To the listener: SYNs with every option, ACKs and resets to embryos. */
static void
fz_tcp_listen(struct fz *z, struct fz_seg *s)
{
	static const uint8_t flags[] = { TH_SYN, TH_SYN, TH_SYN, TH_SYN,
	    TH_SYN | TH_ACK, TH_SYN | TH_FIN, TH_SYN | TH_RST, TH_ACK,
	    TH_RST, TH_FIN, 0, TH_SYN | TH_URG, TH_SYN | TH_ECE | TH_CWR };
	uint32_t tsval = (uint32_t)sim_splitmix64(&z->s);

	/* Few peers: the embryos they make are met again. */
	s->src = rnd(&z->s, 16) ? ip4(FZ_PEER) : fz_addr(z);
	s->dst = rnd(&z->s, 8) ? ip4(FZ_LOCAL) : fz_addr(z);
	s->sport = (uint16_t)(1000 + rnd(&z->s, 16));
	s->dport = rnd(&z->s, 16) ? FZ_LPORT : (uint16_t)rnd(&z->s, 100);
	s->seq = (uint32_t)sim_splitmix64(&z->s);
	s->ack = rnd(&z->s, 2) ? 0 : (uint32_t)sim_splitmix64(&z->s);
	s->flags = rnd(&z->s, 8) ? flags[rnd(&z->s, __arraycount(flags))] :
	    (uint8_t)sim_splitmix64(&z->s);
	if ((s->flags & (TH_ACK | TH_RST)) && !(s->flags & TH_SYN) &&
	    rnd(&z->s, 4) != 0 && fz_any_embryo(z, s)) {
		/* The handshake's ACK (maybe with data or a FIN), or a reset. */
		if (rnd(&z->s, 4) == 0)
			s->seq += (uint32_t)rnd(&z->s, 3) - 1;
		if (rnd(&z->s, 4) == 0)
			s->ack += (uint32_t)rnd(&z->s, 3) - 1;
		if ((s->flags & TH_ACK) && rnd(&z->s, 4) == 0)
			s->flags |= TH_FIN;
	}
	s->win = rnd(&z->s, 4) ? 65535 : (uint16_t)sim_splitmix64(&z->s);
	s->urp = rnd(&z->s, 4) ? 0 : (uint16_t)sim_splitmix64(&z->s);
	fz_tcp_opts(z, s, rnd(&z->s, 2), tsval, 0, s->ack);
	s->dlen = rnd(&z->s, 4) == 0 ? fz_dlen(z) : 0;
}

/* A live connection's slot at random, or NULL. */
static struct fz_conn *
fz_live(struct fz *z)
{
	uint32_t k = rnd(&z->s, FZ_NCONN);

	for (int i = 0; i < FZ_NCONN; i++) {
		struct fz_conn *c = &z->conn[(k + (uint32_t)i) % FZ_NCONN];

		if (c->so != NULL)
			return c;
	}
	return NULL;
}

/*
 * To an established connection: mostly in its window (data at rcv_nxt,
 * ACKs between snd_una and snd_max, duplicate ACKs, FINs, the exact
 * reset, window updates, retransmits), the rest near and far from it.
 */
static bool
fz_tcp_conn(struct fz *z, struct fz_seg *s)
{
	struct fz_conn *c = fz_live(z);
	struct fz_tcb t;
	uint32_t r, inflight;

	if (c == NULL || !fz_tcb(c->so, &t))
		return false;
	s->src = c->faddr;
	s->dst = ip4(FZ_LOCAL);
	s->sport = c->fport;
	s->dport = t.lport;
	switch (rnd(&z->s, 8)) {                /* seq */
	case 0:
		s->seq = t.rcv_nxt - rnd(&z->s, 3000);  /* old, or overlapping */
		break;
	case 1:
		s->seq = t.rcv_nxt + rnd(&z->s, t.rcv_wnd + 2);  /* ahead */
		break;
	case 2:
		s->seq = rnd(&z->s, 2) ? (uint32_t)sim_splitmix64(&z->s) :
		    t.rcv_nxt + 0x80000000u;
		break;
	default:
		s->seq = t.rcv_nxt;
		break;
	}
	inflight = t.snd_max - t.snd_una;
	switch (rnd(&z->s, 8)) {                /* ack */
	case 0:
		s->ack = t.snd_una + rnd(&z->s, inflight + 1);
		break;
	case 1:
		s->ack = t.snd_max;
		break;
	case 2:
		s->ack = rnd(&z->s, 2) ? t.snd_una - rnd(&z->s, 70000) :
		    t.snd_max + 1 + rnd(&z->s, 70000);
		break;
	case 3:
		s->ack = (uint32_t)sim_splitmix64(&z->s);
		break;
	default:
		s->ack = t.snd_una;             /* duplicate ACKs */
		break;
	}
	r = rnd(&z->s, 64);
	if (r < 40)
		s->flags = TH_ACK | (rnd(&z->s, 2) ? TH_PUSH : 0);
	else if (r < 46)
		s->flags = TH_ACK | TH_FIN;
	else if (r < 48)
		s->flags = TH_ACK | TH_URG;
	else if (r < 49) {
		s->flags = TH_RST | (rnd(&z->s, 2) ? TH_ACK : 0);
		if (rnd(&z->s, 8) == 0)
			s->seq = t.rcv_nxt;     /* the exact reset */
	} else if (r < 52)
		s->flags = TH_RST | (rnd(&z->s, 2) ? TH_ACK : 0);
	else if (r < 54)
		s->flags = TH_SYN | (rnd(&z->s, 2) ? TH_ACK : 0);
	else if (r < 55)
		s->flags = TH_SYN | TH_FIN | TH_ACK;
	else if (r < 58)
		s->flags = (uint8_t)(rnd(&z->s, 2) ? 0 : TH_FIN);
	else {
		/* Any flags, but resets rarely: the connection lives on. */
		s->flags = (uint8_t)sim_splitmix64(&z->s);
		if (rnd(&z->s, 16) != 0)
			s->flags &= (uint8_t)~TH_RST;
	}
	if (rnd(&z->s, 4) == 0)
		c->lastwin = rnd(&z->s, 4) == 0 ? 0 :
		    (uint16_t)sim_splitmix64(&z->s);
	s->win = c->lastwin;
	s->urp = (s->flags & TH_URG) ? (uint16_t)rnd(&z->s, 2000) : 0;
	/* Timestamps: mostly advancing, sometimes old (PAWS). */
	c->tsval += rnd(&z->s, 3);
	fz_tcp_opts(z, s, t.ts, rnd(&z->s, 16) == 0 ? c->tsval - 1 -
	    rnd(&z->s, 100000) : c->tsval, t.ts_recent, t.snd_una);
	if (rnd(&z->s, 4) != 0)                 /* mostly just the TS */
		s->optlen = t.ts && rnd(&z->s, 16) != 0 ? 12 : 0;
	s->dlen = fz_dlen(z);
	return true;
}

/* Mutate a TCP packet of len bytes at p (IP header first). */
static int
fz_tcp_mutate(struct fz *z, uint8_t *p, int len, int room)
{
	int hlen = (p[0] & 15) * 4;
	uint8_t *th = p + hlen;
	bool resum = rnd(&z->s, 8) != 0;

	KASSERT(len >= hlen + 20);
	switch (rnd(&z->s, 6)) {
	case 0:                                 /* data offset: any */
		th[12] = (uint8_t)((rnd(&z->s, 16) << 4) | (th[12] & 15));
		break;
	case 1:                                 /* cut short, consistently */
		len = hlen + (int)rnd(&z->s, (uint32_t)(len - hlen) + 1);
		be16enc(p + 2, (uint16_t)len);
		break;
	case 2:                                 /* flip header bytes */
		for (int k = (int)rnd(&z->s, 4) + 1; k > 0; k--)
			th[rnd(&z->s, (uint32_t)MIN(len - hlen, 60))] ^=
			    (uint8_t)(1 + rnd(&z->s, 255));
		break;
	case 3:                                 /* a bad checksum */
		resum = false;
		th[16] ^= (uint8_t)(1 + rnd(&z->s, 255));
		break;
	case 4:                                 /* pad the IP packet */
		{
			int pad = (int)rnd(&z->s, 64);

			if (len + pad > room)
				pad = room - len;
			memset(p + len, 0, (size_t)pad);
			len += pad;
			be16enc(p + 2, (uint16_t)len);
		}
		break;
	default:                                /* flags: any */
		th[13] = (uint8_t)sim_splitmix64(&z->s);
		break;
	}
	if (resum)
		fz_tcp_sums(p, len);
	return len;
}

/*
 * One TCP frame at buf (its Ethernet addresses set) of k, 0..15: random
 * (2 in 16), to a connection (7), to the listener (3), or either of the
 * last two mutated (4).
 */
static int
fz_tcp_frame(struct fz *z, uint8_t *buf, uint32_t k)
{
	struct fz_seg s;
	bool mut = k >= 12;
	int len;

	memset(&s, 0, sizeof(s));
	be16enc(buf + 12, ETHERTYPE_IP);
	if (k <= 1) {
		z->kinds[FZK_TCP]++;
		fz_tcp_random(z, &s);
		len = fz_tcp_write(z, &s, buf + 14, FZ_MAX - 14);
		if (rnd(&z->s, 8) == 0)         /* a bad checksum */
			buf[14 + (buf[14] & 15) * 4 + 16] ^= 0x5a;
		return 14 + len;
	}
	if ((k <= 8 || (mut && rnd(&z->s, 2))) && fz_tcp_conn(z, &s)) {
		if (!mut)
			z->kinds[FZK_TCPCONN]++;
	} else {
		fz_tcp_listen(z, &s);
		if (!mut)
			z->kinds[FZK_TCPLISTEN]++;
	}
	len = fz_tcp_write(z, &s, buf + 14, FZ_MAX - 14 - 64);
	if (mut) {
		z->kinds[FZK_TCPMUT]++;
		return 14 + fz_tcp_mutate(z, buf + 14, len, FZ_MAX - 14);
	}
	if (rnd(&z->s, 16) == 0)                /* a bad checksum */
		buf[14 + (buf[14] & 15) * 4 + 16] ^= 0xa5;
	return 14 + len;
}

/* Into f as if from the wire: one more frame. */
static void
fz_inject(struct fz *z, const uint8_t *buf, int len)
{
	struct mbuf *m = fz_chain(z, buf, len);

	m->m_pkthdr.rcvif = z->if0;
	(*z->if0->if_input)(z->if0, m);
	z->frames++;
}

/* The fuzzer's own segment as the peer (handshakes, the end). */
static void
fz_send_seg(struct fz *z, const struct fz_seg *s)
{
	static uint8_t b[FZ_MAX];

	memcpy(b, z->if0->if_lladdr, 6);
	memcpy(b + 6, fz_peer_mac, 6);
	be16enc(b + 12, ETHERTYPE_IP);
	z->kinds[FZK_TCPHS]++;
	fz_inject(z, b, 14 + fz_tcp_write(z, s, b + 14, FZ_MAX - 14));
}

/* The peer asks for us: f learns the peer's address for its replies. */
static void
fz_send_arp(struct fz *z)
{
	static uint8_t b[64];
	struct in_addr spa = ip4(FZ_PEER), tpa = ip4(FZ_LOCAL);

	memset(b, 0xff, 6);
	memcpy(b + 6, fz_peer_mac, 6);
	be16enc(b + 12, ETHERTYPE_ARP);
	be16enc(b + 14, 1);
	be16enc(b + 16, ETHERTYPE_IP);
	b[18] = 6;
	b[19] = 4;
	be16enc(b + 20, 1);
	memcpy(b + 22, fz_peer_mac, 6);
	memcpy(b + 28, &spa, 4);
	memset(b + 32, 0, 6);
	memcpy(b + 38, &tpa, 4);
	z->kinds[FZK_TCPHS]++;
	fz_inject(z, b, 42);
}

static void
fz_nbio(struct socket *so)
{
	int one = 1;

	CHECK(sosetopt(so, SOL_SOCKET, SO_NBIO, &one, sizeof(one)) == 0,
	    "SO_NBIO");
}

/*
 * Between batches: close what ended, read what came, send some bytes,
 * sometimes shut a side; take what the listener accepted; move each
 * handshake on (the ACK of the SYN-ACK) or start one in a free slot.
 */
static void
fz_tend(struct fz *z)
{
	static uint8_t io[8192];
	struct socket *so;
	struct sockaddr_in from;
	struct fz_tcb t;
	struct fz_seg s;

	for (int i = 0; i < FZ_NCONN; i++) {
		struct fz_conn *c = &z->conn[i];
		size_t n;

		if ((so = c->so) == NULL)
			continue;
		if (!fz_tcb(so, &t) || t.state == TCPS_CLOSED ||
		    t.state == TCPS_TIME_WAIT || rnd(&z->s, 512) == 0) {
			(void)soclose(so);
			memset(c, 0, sizeof(*c));
			continue;
		}
		for (int k = 0; k < 8; k++) {
			n = sizeof(io);
			if (soreceive(so, NULL, io, &n, MSG_DONTWAIT) != 0 ||
			    n == 0)
				break;
			z->rcvd += n;
		}
		if (rnd(&z->s, 2) && (t.state == TCPS_ESTABLISHED ||
		    t.state == TCPS_CLOSE_WAIT)) {
			n = rnd(&z->s, 4) == 0 ? sizeof(io) :
			    rnd(&z->s, 3000);
			if (sosend(so, NULL, io, n, MSG_DONTWAIT) == 0)
				z->sent += n;
		}
		if (rnd(&z->s, 64) == 0)
			(void)soshutdown(so, SHUT_WR);
	}
	while (soaccept(z->lso, &so, (struct sockaddr *)&from) == 0) {
		struct fz_conn *c = NULL;

		z->accepted++;
		fz_nbio(so);
		for (int i = 0; i < FZ_NCONN && c == NULL; i++)
			if (z->conn[i].so == NULL && z->conn[i].fport ==
			    ntohs(from.sin_port) && z->conn[i].faddr.s_addr ==
			    from.sin_addr.s_addr)
				c = &z->conn[i];
		for (int i = 0; i < FZ_NCONN && c == NULL; i++)
			if (z->conn[i].fport == 0)
				c = &z->conn[i];
		if (c == NULL) {
			(void)soclose(so);
			continue;
		}
		c->so = so;
		c->faddr = from.sin_addr;
		c->fport = ntohs(from.sin_port);
		c->lastwin = 65535;
	}
	for (int i = 0; i < FZ_NCONN; i++) {
		struct fz_conn *c = &z->conn[i];
		tcp_seq iss, irs;
		bool ts;

		if (c->so != NULL)
			continue;
		memset(&s, 0, sizeof(s));
		s.src = ip4(FZ_PEER);
		s.dst = ip4(FZ_LOCAL);
		s.dport = FZ_LPORT;
		s.win = 65535;
		if (c->fport != 0 && c->tends++ == 0 &&
		    fz_embryo(z, c->faddr, c->fport, &iss, &irs, &ts)) {
			/* The handshake's ACK, maybe with data. */
			s.sport = c->fport;
			s.seq = irs + 1;
			s.ack = iss + 1;
			s.flags = TH_ACK;
			if (ts) {
				s.opt[0] = s.opt[1] = TCPOPT_NOP;
				s.opt[2] = TCPOPT_TIMESTAMP;
				s.opt[3] = TCPOLEN_TIMESTAMP;
				be32enc(s.opt + 4, ++c->tsval);
				s.optlen = 12;
			}
			s.dlen = rnd(&z->s, 4) == 0 ? fz_dlen(z) : 0;
			fz_send_seg(z, &s);
			continue;
		}
		if (c->fport != 0 && c->tends < 3)
			continue;               /* wait for the accept */
		/* A new handshake: the peer's SYN, its options drawn. */
		if (++z->nextport < 20000)
			z->nextport = 20000;
		c->faddr = s.src;
		c->fport = z->nextport;
		c->tends = 0;
		c->tsval = (uint32_t)sim_splitmix64(&z->s);
		s.sport = c->fport;
		s.seq = (uint32_t)sim_splitmix64(&z->s);
		s.flags = TH_SYN;
		s.opt[0] = TCPOPT_MAXSEG;
		s.opt[1] = TCPOLEN_MAXSEG;
		be16enc(s.opt + 2, (uint16_t)(rnd(&z->s, 4) == 0 ?
		    rnd(&z->s, 2000) : 1460));
		s.optlen = 4;
		if (rnd(&z->s, 2)) {
			s.opt[s.optlen++] = TCPOPT_NOP;
			s.opt[s.optlen++] = TCPOPT_WINDOW;
			s.opt[s.optlen++] = TCPOLEN_WINDOW;
			s.opt[s.optlen++] = (uint8_t)(rnd(&z->s, 4) == 0 ?
			    rnd(&z->s, 256) : rnd(&z->s, 15));
		}
		if (rnd(&z->s, 2)) {
			s.opt[s.optlen++] = TCPOPT_NOP;
			s.opt[s.optlen++] = TCPOPT_NOP;
			s.opt[s.optlen++] = TCPOPT_TIMESTAMP;
			s.opt[s.optlen++] = TCPOLEN_TIMESTAMP;
			be32enc(s.opt + s.optlen, c->tsval);
			be32enc(s.opt + s.optlen + 4, 0);
			s.optlen += 8;
		}
		fz_send_arp(z);
		fz_send_seg(z, &s);
	}
}

/*
 * The end: each connection reset with its exact number (so nothing
 * waits for a peer that will never answer), every socket closed, the
 * listener's embryos with it; then TIME_WAIT and the reaper run out.
 */
static void
fz_tcp_end(struct fz *z)
{
	struct fz_tcb t;
	struct fz_seg s;
	struct socket *so;

	while (soaccept(z->lso, &so, NULL) == 0) {
		z->accepted++;
		(void)soclose(so);
	}
	for (int i = 0; i < FZ_NCONN; i++) {
		struct fz_conn *c = &z->conn[i];

		if (c->so == NULL || !fz_tcb(c->so, &t))
			continue;
		memset(&s, 0, sizeof(s));
		s.src = c->faddr;
		s.dst = ip4(FZ_LOCAL);
		s.sport = c->fport;
		s.dport = t.lport;
		s.seq = t.rcv_nxt;
		s.flags = TH_RST;
		fz_send_seg(z, &s);
	}
	wait_ms(10);
	for (int i = 0; i < FZ_NCONN; i++)
		if (z->conn[i].so != NULL)
			(void)soclose(z->conn[i].so);
	(void)soclose(z->lso);
	z->lso = NULL;
}

struct fz_sums {
	uint64_t ifin, arp, ipin, iploop;
	uint64_t ip[IPSTAT_N], icmp[ICMPSTAT_N], nh[NHSTAT_N];
	uint64_t tcp[TCPSTAT_N], udpin, ripin;
};

static void
fz_sums(struct fz *z, struct fz_sums *t)
{
	struct ifnet *ifs[2] = { z->if0, z->if1 };

	memset(t, 0, sizeof(*t));
	for (int k = 0; k < 2; k++) {
		struct ifnet *ifp = ifs[k];

		t->ifin += ifp->if_ev_ierrors.ev_count +
		    ifp->if_ev_noproto.ev_count + ifp->if_ev_sink.ev_count;
		for (u_int i = 0; i < NHSTAT_N; i++)
			t->nh[i] += ifp->if_nh4->nc_stat[i].ev_count;
	}
	t->arp = t->nh[NHSTAT_bad] + t->nh[NHSTAT_dup] + t->nh[NHSTAT_req_in] +
	    t->nh[NHSTAT_rep_in];
	for (u_int i = 0; i < IPSTAT_N; i++)
		t->ip[i] = z->f->br_inet->ib_ipstat[i].ev_count;
	for (u_int i = 0; i < ICMPSTAT_N; i++)
		t->icmp[i] = z->f->br_inet->ib_icmpstat[i].ev_count;
	t->ipin = t->ip[IPSTAT_received];
	t->iploop = t->ip[IPSTAT_looped];
	for (u_int i = 0; i < TCPSTAT_N && z->tb != NULL; i++)
		t->tcp[i] = fz_tcpstat(z, i);
	if (z->f->br_udp != NULL)
		t->udpin = z->f->br_udp->ub_stat[UDPSTAT_received].ev_count;
	if (z->f->br_rip != NULL)
		t->ripin = z->f->br_rip->rb_stat[RIPSTAT_received].ev_count;
}

#define TS(n)   (t->tcp[TCPSTAT_##n])

/*
 * TCP's counters add up (tcp_var.h): every segment IP delivered to it
 * has one outcome in demux, every one delivered to a socket is taken
 * from its PCQ by a worker or the close and ends in one outcome there.
 * Once everything has drained (final), nothing is left queued.
 */
static void
fz_check_tcp(const struct fz_sums *t, bool final)
{
	uint64_t demux = TS(hdrops) + TS(badoff) + TS(noport) +
	    TS(badsum_noport) + TS(fullpcq) + TS(delivered);
	uint64_t taken = TS(lazy_lwp) + TS(lazy_kcont) + TS(demux_ack);
	uint64_t ends = TS(badsum) + TS(badopt) + TS(dropped) + TS(processed);

	/*
	 * What IP delivered went to ICMP, UDP, TCP or raw IP, and each
	 * counted it (raw IP also gets the ICMP messages ICMP is done
	 * with, TCP counts a handshake's ACK with data twice: hence <=).
	 */
	CHECK(t->ip[IPSTAT_delivered] <=
	    t->icmp[ICMPSTAT_received] + t->udpin + TS(received) + t->ripin,
	    "ip.delivered %llu; ICMP, UDP, TCP and raw IP received %llu + "
	    "%llu + %llu + %llu", (unsigned long long)t->ip[IPSTAT_delivered],
	    (unsigned long long)t->icmp[ICMPSTAT_received],
	    (unsigned long long)t->udpin, (unsigned long long)TS(received),
	    (unsigned long long)t->ripin);
	CHECK(TS(received) == demux, "tcp.received %llu, its demux outcomes "
	    "add to %llu", (unsigned long long)TS(received),
	    (unsigned long long)demux);
	CHECK(taken == ends, "tcp: %llu segments taken from PCQs, their "
	    "outcomes add to %llu", (unsigned long long)taken,
	    (unsigned long long)ends);
	CHECK(final ? TS(delivered) == taken + TS(closed) :
	    TS(delivered) >= taken + TS(closed),
	    "tcp: delivered %llu, taken %llu + closed %llu",
	    (unsigned long long)TS(delivered),
	    (unsigned long long)taken, (unsigned long long)TS(closed));
	if (final)
		CHECK(TS(connattempt) + TS(accepts) == TS(connects) +
		    TS(conndrops), "tcp: connattempt %llu + accepts %llu, "
		    "connects %llu + conndrops %llu",
		    (unsigned long long)TS(connattempt),
		    (unsigned long long)TS(accepts),
		    (unsigned long long)TS(connects),
		    (unsigned long long)TS(conndrops));
}

#undef TS

/* The counters add up: every frame has exactly one outcome. */
static void
fz_check_sums(struct fz *z, uint64_t frames, bool final)
{
	static const enum ipstat_id ipout[] = { IPSTAT_tooshort, IPSTAT_badvers,
	    IPSTAT_badhlen, IPSTAT_badsum, IPSTAT_badlen, IPSTAT_badaddr,
	    IPSTAT_fragment, IPSTAT_noproto, IPSTAT_notforus,
	    IPSTAT_delivered, IPSTAT_forwarded, IPSTAT_noroute,
	    IPSTAT_timxceed, IPSTAT_toobig };
	static const enum icmpstat_id icmpout[] = { ICMPSTAT_badlen,
	    ICMPSTAT_badsum, ICMPSTAT_in_echo, ICMPSTAT_in_echoreply,
	    ICMPSTAT_in_unreach, ICMPSTAT_in_timxceed, ICMPSTAT_unknown };
	struct fz_sums t;
	uint64_t ipsum = 0, icmpsum = 0;

	fz_sums(z, &t);
	for (u_int i = 0; i < __arraycount(ipout); i++)
		ipsum += t.ip[ipout[i]];
	for (u_int i = 0; i < __arraycount(icmpout); i++)
		icmpsum += t.icmp[icmpout[i]];
	/*
	 * No mbuf limit is set: only full hold queues and full caches drop
	 * (a full cache also refuses to learn, without a packet to drop).
	 */
	CHECK(t.ip[IPSTAT_nobufs] >= t.nh[NHSTAT_hold_drops] &&
	    t.ip[IPSTAT_nobufs] <= t.nh[NHSTAT_hold_drops] + t.nh[NHSTAT_full],
	    "nobufs %llu, hold_drops %llu, full %llu",
	    (unsigned long long)t.ip[IPSTAT_nobufs],
	    (unsigned long long)t.nh[NHSTAT_hold_drops],
	    (unsigned long long)t.nh[NHSTAT_full]);
	CHECK(t.ifin + t.arp + t.ipin - t.iploop == frames,
	    "frames %llu, outcomes %llu (link %llu + arp %llu + ip %llu - "
	    "looped %llu)", (unsigned long long)frames,
	    (unsigned long long)(t.ifin + t.arp + t.ipin - t.iploop),
	    (unsigned long long)t.ifin, (unsigned long long)t.arp,
	    (unsigned long long)t.ipin, (unsigned long long)t.iploop);
	CHECK(ipsum == t.ipin, "ip.received %llu, its outcomes add to %llu",
	    (unsigned long long)t.ipin, (unsigned long long)ipsum);
	CHECK(icmpsum == t.icmp[ICMPSTAT_received], "icmp.received %llu, its "
	    "outcomes add to %llu",
	    (unsigned long long)t.icmp[ICMPSTAT_received],
	    (unsigned long long)icmpsum);
	if (ip_proto(IPPROTO_UDP) == NULL && ip_proto(IPPROTO_TCP) == NULL &&
	    rip_proto() == NULL)
		CHECK(t.ip[IPSTAT_delivered] == t.icmp[ICMPSTAT_received],
		    "delivered %llu, ICMP received %llu",
		    (unsigned long long)t.ip[IPSTAT_delivered],
		    (unsigned long long)t.icmp[ICMPSTAT_received]);
	else
		CHECK(t.ip[IPSTAT_delivered] >= t.icmp[ICMPSTAT_received],
		    "delivered < ICMP received");
	if (z->tb != NULL)
		fz_check_tcp(&t, final);
}

static void
fz_report(struct fz *z, uint64_t frames)
{
	struct fz_sums t;

	fz_sums(z, &t);
	printf("ok fuzz frames=%llu raw=%d", (unsigned long long)frames,
	    rip_proto() != NULL);
	for (int i = 0; i < FZK_N; i++)
		printf(" kind.%s=%llu", fz_kind_names[i],
		    (unsigned long long)z->kinds[i]);
	printf(" tcp.accepted=%llu tcp.bytes_in=%llu tcp.bytes_out=%llu",
	    (unsigned long long)z->accepted, (unsigned long long)z->rcvd,
	    (unsigned long long)z->sent);
	for (u_int i = 0; i < TCPSTAT_N && z->tb != NULL; i++)
		printf(" tcp.%s=%llu", fz_tb(z)->tb_stat[i].ev_name,
		    (unsigned long long)t.tcp[i]);
	printf(" link=%llu", (unsigned long long)t.ifin);
	for (u_int i = 0; i < NHSTAT_N; i++)
		printf(" arp.%s=%llu", z->if0->if_nh4->nc_stat[i].ev_name,
		    (unsigned long long)t.nh[i]);
	for (u_int i = 0; i < IPSTAT_N; i++)
		printf(" ip.%s=%llu", z->f->br_inet->ib_ipstat[i].ev_name,
		    (unsigned long long)t.ip[i]);
	for (u_int i = 0; i < ICMPSTAT_N; i++)
		printf(" icmp.%s=%llu", z->f->br_inet->ib_icmpstat[i].ev_name,
		    (unsigned long long)t.icmp[i]);
	printf("\n");
}

/* No PCB is left in the brane's TCP table. */
static u_int
fz_tcp_pcbs(struct fz *z)
{
	struct inpcbtable *tt = &fz_tb(z)->tb_table;
	u_int n = 0;

	for (u_int i = 0; i < tt->inpt_nbuckets; i++)
		for (struct inpcb *inp = tt->inpt_buckets[i].ib_head;
		    inp != NULL; inp = inp->inp_hnext)
			n++;
	return n;
}

/* Brane f, its two interfaces and peers, and the TCP listener. */
static void
fz_setup(struct fz *z)
{
	struct ifnet *p0, *p1;
	struct sockaddr_in sin;
	struct proc *p;

	memset(z, 0, sizeof(*z));
	z->s = seed;
	z->f = mkbrane("f");
	/* The peers are in no brane: what f sends never comes back. */
	mkpair("vp0a", z->f, "vp0b", NULL, &z->if0, &p0);
	mkpair("vp1a", z->f, "vp1b", NULL, &z->if1, &p1);
	addr(z->f, z->if0, "10.0.0.1", 24);
	addr(z->f, z->if1, "10.1.0.1", 24);
	route(z->f, "10.2.0.0", 16, "10.1.0.2");
	z->f->br_inet->ib_forwarding = true;
	/* The listener (its first TCP socket makes f's TCP). */
	p = proc_create("fuzz", z->f);
	proc_adopt(p);
	CHECK(socreate(AF_INET, &z->lso, SOCK_STREAM, IPPROTO_TCP) == 0,
	    "socreate");
	proc_adopt(NULL);
	z->tb = tcp_brane_peek(z->f);
	sockaddr_in_init(&sin, (struct in_addr){ INADDR_ANY }, htons(FZ_LPORT));
	CHECK(sobind(z->lso, (struct sockaddr *)&sin) == 0, "bind");
	CHECK(solisten(z->lso, SOMAXCONN) == 0, "listen");
	fz_nbio(z->lso);
}

/*
 * The end of a TCP case: everything closed and timed out, the counters
 * add up, no PCB, tcpcb or mbuf left.
 */
static void
fz_finish(struct fz *z)
{
	fz_tcp_end(z);
	/*
	 * Let every resolution finish or fail, every queue drain, every
	 * connection closed under a peer that no longer answers time out.
	 */
	wait_ms(NH_ASK_MAX * NH_ASK_INTERVAL_MS + 1000);
	wait_ms(FZ_LINGER_MS);
	fz_check_sums(z, z->frames, true);
	CHECK(fz_tcp_pcbs(z) == 0, "%u TCP PCBs left after the fuzz",
	    fz_tcp_pcbs(z));
	CHECK(fz_tcpstat(z, TCPSTAT_tcbfreed) == 1 + z->accepted,
	    "tcbfreed %llu, but 1 listener + %llu accepted",
	    (unsigned long long)fz_tcpstat(z, TCPSTAT_tcbfreed),
	    (unsigned long long)z->accepted);
	CHECK(mbufs_live() == 0, "%llu mbufs still out after the fuzz",
	    (unsigned long long)mbufs_live());
}

static void
case_fuzz(void *arg)
{
	static struct fz z;
	static uint8_t buf[FZ_MAX];
	long n = nrounds > 0 ? nrounds : 10000;

	(void)arg;
	fz_setup(&z);
	for (long i = 0; i < n; i++) {
		struct ifnet *ifp = rnd(&z.s, 4) == 0 ? z.if1 : z.if0;
		int len = fz_frame(&z, buf, ifp);
		struct mbuf *m;

		CHECK(len >= 0 && len <= FZ_MAX, "frame %ld: %d bytes", i, len);
		m = fz_chain(&z, buf, len);

		m->m_pkthdr.rcvif = ifp;
		(*ifp->if_input)(ifp, m);
		z.frames++;
		if ((i & 255) == 255) {
			wait_ms(1);             /* let the continuations run */
			fz_check_sums(&z, z.frames, false);
			fz_tend(&z);
		}
	}
	fz_finish(&z);
	fz_report(&z, z.frames);
}

/*
 * tcpregress: the frames the TCP fuzz found bugs with, one by one.  The
 * fuzzer's peer (10.0.0.2) makes a connection by hand; each case ends
 * with fz_finish's checks (counters add up, nothing left).
 */

/* A handshake from port fport, its ACK with dlen bytes; the socket. */
static struct socket *
fz_handshake(struct fz *z, uint16_t fport, int dlen, int mss,
    tcp_seq *rcv_nxt)
{
	struct fz_seg s;
	struct socket *so;
	tcp_seq iss, irs;
	bool ts;

	memset(&s, 0, sizeof(s));
	s.src = ip4(FZ_PEER);
	s.dst = ip4(FZ_LOCAL);
	s.sport = fport;
	s.dport = FZ_LPORT;
	s.seq = 1000;
	s.win = 65535;
	s.flags = TH_SYN;
	if (mss >= 0) {                 /* MSS and timestamps offered */
		s.opt[0] = TCPOPT_MAXSEG;
		s.opt[1] = TCPOLEN_MAXSEG;
		be16enc(s.opt + 2, (uint16_t)mss);
		s.opt[4] = s.opt[5] = TCPOPT_NOP;
		s.opt[6] = TCPOPT_TIMESTAMP;
		s.opt[7] = TCPOLEN_TIMESTAMP;
		be32enc(s.opt + 8, 1);
		be32enc(s.opt + 12, 0);
		s.optlen = 16;
	}
	fz_send_arp(z);
	fz_send_seg(z, &s);
	wait_ms(5);
	CHECK(fz_embryo(z, s.src, fport, &iss, &irs, &ts), "no embryo");
	s.seq = irs + 1;
	s.ack = iss + 1;
	s.flags = TH_ACK;
	s.dlen = dlen;
	if (ts) {
		memmove(s.opt, s.opt + 4, 12);
		s.optlen = 12;
	} else
		s.optlen = 0;
	fz_send_seg(z, &s);
	wait_ms(5);
	CHECK(soaccept(z->lso, &so, NULL) == 0, "no connection");
	z->accepted++;
	fz_nbio(so);
	*rcv_nxt = irs + 1 + (uint32_t)dlen;
	return so;
}

/* Segment to the connection from fport: seq, flags, dlen bytes. */
static void
fz_send_to(struct fz *z, struct socket *so, uint16_t fport, tcp_seq seq,
    int flags, int dlen)
{
	struct fz_tcb t;
	struct fz_seg s;

	CHECK(fz_tcb(so, &t), "no connection");
	memset(&s, 0, sizeof(s));
	s.src = ip4(FZ_PEER);
	s.dst = ip4(FZ_LOCAL);
	s.sport = fport;
	s.dport = t.lport;
	s.seq = seq;
	s.ack = t.snd_una;
	s.win = 65535;
	s.flags = (uint8_t)flags;
	s.dlen = dlen;
	fz_send_seg(z, &s);
	wait_ms(5);
}

static void
case_tcpregress(void *arg)
{
	static struct fz z;
	struct socket *so;
	struct fz_seg s;
	tcp_seq nxt;
	int mss = 0;
	uint32_t tsecr_rto[2];
	uint64_t bcast_drops = 0;

	(void)arg;
	fz_setup(&z);
	/*
	 * 1. The handshake's ACK carries 100 bytes: the listener processes
	 * it, then queues it again to the new socket, where it is taken
	 * once more: counted received and delivered again (it was not:
	 * taken from PCQs exceeded delivered).
	 */
	so = fz_handshake(&z, 30001, 100, -1, &nxt);
	fz_check_sums(&z, z.frames, false);
	/*
	 * 2. Two segments out of order wait in the reassembly queue when a
	 * reset ends the connection: the reaper frees both (it freed only
	 * the first: the queue is linked by m_nextpkt, m_freem follows
	 * m_next).
	 */
	fz_send_to(&z, so, 30001, nxt + 100, TH_ACK, 50);
	fz_send_to(&z, so, 30001, nxt + 300, TH_ACK, 50);
	fz_send_to(&z, so, 30001, nxt, TH_RST, 0);
	(void)soclose(so);
	/*
	 * 3. A SYN made an embryo that a reset takes back, and another one
	 * the listener's close frees: both connections were dropped before
	 * they were established (connattempt + accepts = connects +
	 * conndrops).
	 */
	memset(&s, 0, sizeof(s));
	s.src = ip4(FZ_PEER);
	s.dst = ip4(FZ_LOCAL);
	s.sport = 30002;
	s.dport = FZ_LPORT;
	s.seq = 5000;
	s.win = 65535;
	s.flags = TH_SYN;
	fz_send_seg(&z, &s);
	s.sport = 30003;
	fz_send_seg(&z, &s);
	wait_ms(5);
	s.sport = 30002;
	s.seq = 5001;
	s.flags = TH_RST;
	fz_send_seg(&z, &s);
	wait_ms(5);
	/*
	 * 4. SYNs from 0.0.0.0 and to the broadcast address make no
	 * embryo.  The one from 0.0.0.0 did; its handshake's ACK then made a
	 * connection linked with no peer address, which took every later
	 * segment to port 80 from the listener (a new SYN found FIN_WAIT_1).
	 */
	s.src = ip4("0.0.0.0");
	s.sport = 30004;
	s.flags = TH_SYN;
	fz_send_seg(&z, &s);
	s.src = ip4(FZ_PEER);
	s.dst = ip4("255.255.255.255");
	fz_send_seg(&z, &s);
	wait_ms(5);
	{
		tcp_seq iss, irs;
		bool ts;

		CHECK(!fz_embryo(&z, ip4("0.0.0.0"), 30004, &iss, &irs, &ts),
		    "a SYN from 0.0.0.0 made an embryo");
		CHECK(!fz_embryo(&z, ip4(FZ_PEER), 30004, &iss, &irs, &ts),
		    "a SYN to a broadcast address made an embryo");
	}
	/*
	 * 4b. Nor do SYNs to the subnet's directed broadcast (IP takes it
	 * as ours, sent to our link address), or from it, to the listener
	 * or -- the same gate -- to the brane's syncache: each is dropped
	 * and counted in listenbcast (both made an embryo).
	 */
	{
		uint64_t before = fz_tcpstat(&z, TCPSTAT_listenbcast);
		tcp_seq iss, irs;
		bool ts;

		s.src = ip4(FZ_PEER);
		s.dst = ip4("10.0.0.255");
		s.sport = 30008;
		fz_send_seg(&z, &s);
		s.src = ip4("10.0.0.255");
		s.dst = ip4(FZ_LOCAL);
		s.sport = 30009;
		fz_send_seg(&z, &s);
		wait_ms(5);
		CHECK(!fz_embryo(&z, ip4(FZ_PEER), 30008, &iss, &irs, &ts),
		    "a SYN to the directed broadcast made an embryo");
		CHECK(!fz_embryo(&z, ip4("10.0.0.255"), 30009, &iss, &irs, &ts),
		    "a SYN from the directed broadcast made an embryo");
		z.tb->tb_syncache = syncache_create(z.tb);
		s.src = ip4(FZ_PEER);
		s.dst = ip4("10.0.0.255");
		s.sport = 30010;
		fz_send_seg(&z, &s);
		wait_ms(5);
		syncache_destroy(z.tb->tb_syncache);
		z.tb->tb_syncache = NULL;
		bcast_drops = fz_tcpstat(&z, TCPSTAT_listenbcast) - before;
		CHECK(bcast_drops == 3, "%llu of 3 SYNs from or to the directed "
		    "broadcast counted in listenbcast",
		    (unsigned long long)bcast_drops);
		s.dst = ip4(FZ_LOCAL);
	}
	/*
	 * 5. An MSS option of 5 with timestamps: the segment size is 5 - 12
	 * clamped to 64, not 5 - 12 wrapped to 65529 (which no interface
	 * could send).
	 */
	so = fz_handshake(&z, 30005, 0, 5, &nxt);
	{
		size_t len = sizeof(mss);

		CHECK(sogetopt(so, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) == 0,
		    "TCP_MAXSEG");
		CHECK(mss == 64, "MSS 5 with timestamps: segments of %d", mss);
	}
	fz_send_to(&z, so, 30005, nxt, TH_RST, 0);
	(void)soclose(so);
	/*
	 * 6. The peer acks what was sent with a zero window and falls
	 * silent; the owner closes.  The zero-window probes go unanswered:
	 * the connection is dropped once the peer has been silent as long
	 * as maxrexmits timeouts take (it probed forever: fz_finish found
	 * its PCB after 13 minutes).
	 */
	so = fz_handshake(&z, 30006, 0, -1, &nxt);
	{
		static uint8_t data[3000];
		struct fz_tcb t;

		CHECK(sosend(so, NULL, data, sizeof(data), MSG_DONTWAIT) == 0,
		    "send");
		wait_ms(5);
		CHECK(fz_tcb(so, &t), "no connection");
		memset(&s, 0, sizeof(s));
		s.src = ip4(FZ_PEER);
		s.dst = ip4(FZ_LOCAL);
		s.sport = 30006;
		s.dport = FZ_LPORT;
		s.seq = nxt;
		s.ack = t.snd_max;
		s.flags = TH_ACK;
		s.win = 0;
		fz_send_seg(&z, &s);
		wait_ms(5);
		CHECK(sosend(so, NULL, data, sizeof(data), MSG_DONTWAIT) == 0,
		    "send");
		(void)soclose(so);
	}
	/*
	 * 7. With timestamps, the peer acks new data echoing a TSecr that
	 * is none of ours: one from the future, then one from before the
	 * connection began.  Neither is an RTT sample: the RTO stays at
	 * its floor (the first made an RTT of 71 minutes, the RTO its
	 * 60 s ceiling; the second one of seconds).
	 */
	so = fz_handshake(&z, 30007, 0, 1460, &nxt);
	for (int round = 0; round < 2; round++) {
		static const uint8_t data[500];
		struct fz_tcb t;
		uint32_t now = tcp_ts_now();

		CHECK(sosend(so, NULL, data, sizeof(data), MSG_DONTWAIT) == 0,
		    "send");
		wait_ms(5);
		CHECK(fz_tcb(so, &t) && t.ts && t.snd_max != t.snd_una,
		    "no data in flight with timestamps");
		memset(&s, 0, sizeof(s));
		s.src = ip4(FZ_PEER);
		s.dst = ip4(FZ_LOCAL);
		s.sport = 30007;
		s.dport = FZ_LPORT;
		s.seq = nxt;
		s.ack = t.snd_max;
		s.flags = TH_ACK;
		s.win = 65535;
		s.opt[0] = s.opt[1] = TCPOPT_NOP;
		s.opt[2] = TCPOPT_TIMESTAMP;
		s.opt[3] = TCPOLEN_TIMESTAMP;
		be32enc(s.opt + 4, 2 + (uint32_t)round);
		be32enc(s.opt + 8, round == 0 ? now + 1000000000u : 1);
		s.optlen = 12;
		fz_send_seg(&z, &s);
		wait_ms(5);
		CHECK(fz_tcb(so, &t) && t.snd_una == t.snd_max, "not acked");
		tsecr_rto[round] = t.rto_ms;
		CHECK(t.rto_ms == z.tb->tb_conf.rto_min_ms, "TSecr %s: RTO %u "
		    "ms, not the floor (%u ms)", round == 0 ? "from the future" :
		    "from before the connection", t.rto_ms,
		    z.tb->tb_conf.rto_min_ms);
	}
	fz_send_to(&z, so, 30007, nxt, TH_RST, 0);
	(void)soclose(so);
	fz_finish(&z);
	printf("ok tcpregress frames=%llu mss=%d rcvbyte=%llu conndrops=%llu "
	    "rcvoopack=%llu rto_future=%u rto_past=%u listenbcast=%llu\n",
	    (unsigned long long)z.frames, mss,
	    (unsigned long long)fz_tcpstat(&z, TCPSTAT_rcvbyte),
	    (unsigned long long)fz_tcpstat(&z, TCPSTAT_conndrops),
	    (unsigned long long)fz_tcpstat(&z, TCPSTAT_rcvoopack),
	    tsecr_rto[0], tsecr_rto[1], (unsigned long long)bcast_drops);
}

/* ------------------------------------------------------------------ */
/* scenario: what net_boot made of a scenario file's keys               */

static char proc_brane_seen[BRANE_NAMESZ];

static void
proc_probe_main(void *argp)
{
	(void)argp;
	snprintf(proc_brane_seen, sizeof(proc_brane_seen), "%s",
	    curproc()->p_brane->br_name);
}

static const struct app_desc proc_probe_desc = {
	.name = "probe", .doc = "records its brane", .main = proc_probe_main,
};

/* Print the configuration net_boot applied, one line per fact. */
static void
case_scenario_host(void *arg)
{
	const struct netconf *nc = netconf();
	struct app_args args = { .desc = &proc_probe_desc };
	char b1[16];

	(void)arg;
	for (struct brane *br = brane_default(); br != NULL; br = br->br_next) {
		pt_in4_node_t *n;
		struct in_ifaddr *ia;

		printf("brane %s forwarding=%d\n", br->br_name,
		    br->br_inet->ib_forwarding);
		for (struct ifnet *ifp = br->br_ifnets; ifp != NULL;
		    ifp = ifp->if_brane_next)
			printf("  if %s\n", ifp->if_xname);
		for (ia = br->br_inet->ib_addrs; ia != NULL; ia = ia->ia_next)
			printf("  addr %s/%u %s\n", ntoa(ia->ia_addr, b1),
			    ia->ia_plen, ia->ia_ifp->if_xname);
		for (n = ptree_in4_first(&br->br_inet->ib_routes); n != NULL;
		    n = ptree_in4_next(&br->br_inet->ib_routes, n)) {
			struct rtentry *rt = container_of(n, struct rtentry,
			    rt_node);
			char b2[16];

			printf("  route %s/%u %s %s\n", ntoa(rt->rt_dst, b1),
			    rt->rt_plen, rt->rt_flags & RTF_GATEWAY ?
			    ntoa(rt->rt_gateway, b2) : "connected",
			    rt->rt_ifp->if_xname);
		}
	}
	/* A program's process lives in its workload entry's brane. */
	for (u_int i = 0; i < nc->nc_nbranes; i++) {
		args.brane = nc->nc_branes[i].nb_name;
		proc_brane_seen[0] = '\0';
		app_run(&args);
		printf("app brane %s -> %s\n", args.brane, proc_brane_seen);
	}
	args.brane = NULL;
	app_run(&args);
	printf("app brane (none) -> %s\n", proc_brane_seen);
}

/* In a scenario with branes a and b: a pings b's first address. */
static void
case_scenario_ping(void)
{
	struct brane *a = brane_lookup("a"), *b = brane_lookup("b");
	char dst[16];

	if (a == NULL || b == NULL || b->br_inet->ib_addrs == NULL)
		return;
	ntoa(b->br_inet->ib_addrs->ia_addr, dst);
	CHECK(ping(a, "0.0.0.0", dst, 77, 1, 32, 0, false) == 0, "ping %s",
	    dst);
	wait_ms(20);
	printf("ping a->b %s echo=%llu reply=%llu\n", dst,
	    (unsigned long long)ICMPS(b, in_echo),
	    (unsigned long long)ICMPS(a, in_echoreply));
}

static void
case_scenario(void *arg)
{
	case_scenario_host(arg);
	case_scenario_ping();
	printf("ok scenario\n");
}

static void
scenario_after_boot(struct sim_machine *m)
{
	sim_lwp_create(&m->hosts[0], &m->hosts[0].cpus[0], case_scenario, NULL,
	    false, "test");
}

/* Boot a scenario loaded from a file; then run the checks on host 0. */
static int
run_scenario(const char *path)
{
	char err[SC_ERR_MAX];
	struct scenario *sc;
	struct sim_machine m;
	int status;

	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (sim_world_build(&m, sc, sc->seed) != 0) {
		sim_world_destroy(&m);
		sim_scenario_free(sc);
		return 2;
	}
	m.log = stdout;
	m.after_boot = scenario_after_boot;
	sim_world_boot(&m);
	sim_machine_run(&m);
	status = m.stop_status < 0 ? 0 : m.stop_status;
	sim_world_destroy(&m);
	sim_scenario_free(sc);
	return status;
}

/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void *);
	unsigned cpus;
} cases[] = {
	{ "arp", case_arp, 1 },
	{ "route", case_route, 2 },
	{ "nhlimits", case_nhlimits, 1 },
	{ "smp", case_smp, 4 },
	{ "lpm", case_lpm, 1 },
	{ "isolation", case_isolation, 1 },
	{ "addrs", case_addrs, 1 },
	{ "fuzz", case_fuzz, 1 },
	{ "tcp", case_tcp, 2 },
	{ "tcpregress", case_tcpregress, 1 },
	{ "scenario", case_scenario, 1 },
};

int
main(int argc, char **argv)
{
	struct sim_test_opts o;
	struct sim_test_result res;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: test_inet CASE [SEED [N]] | "
		    "test_inet scenario FILE\n");
		return 2;
	}
	if (strcmp(argv[1], "scenario") == 0) {
		if (argc < 3) {
			fprintf(stderr, "usage: test_inet scenario FILE\n");
			return 2;
		}
		status = run_scenario(argv[2]);
		printf("status %d\n", status);
		if (status != 0)
			printf("replay: %s scenario %s\n", argv[0], argv[2]);
		return status;
	}
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	nrounds = argc > 3 ? atol(argv[3]) : 0;
	for (size_t i = 0; i < __arraycount(cases); i++) {
		if (strcmp(cases[i].name, argv[1]) != 0)
			continue;
		memset(&o, 0, sizeof(o));
		o.cpus = cases[i].cpus;
		o.seed = seed;
		o.quiet = 1;
		o.duration_ns = 3600ULL * 1000000000ULL;
		status = sim_test_run(&o, cases[i].fn, NULL, &res);
		printf("status %d fingerprint %016llx end_ns %llu\n", status,
		    (unsigned long long)res.fingerprint,
		    (unsigned long long)res.end_ns);
		if (status != 0)
			printf("replay: %s %s %llu %ld\n", argv[0], argv[1],
			    (unsigned long long)seed, nrounds);
		return status;
	}
	fprintf(stderr, "test_inet: unknown case %s\n", argv[1]);
	return 2;
}
