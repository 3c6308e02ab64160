/*
 * sim_inet.c -- ICMP echoes through a router brane on the simulated
 * machine: what one round trip costs in virtual time under the default
 * cost table (no probe priced), and what simulating it costs in wall time.
 *
 *   inet_sim_echo_rtt_ns        virtual ns from ip_output of the request
 *                               to icmp_input of the reply (A -> R -> B
 *                               and back over two vpairs, caches warm)
 *   inet_sim_echo_points        scheduling points per round trip
 *   inet_sim_echo_wall_us       wall microseconds to simulate one
 *
 * One CPU: the pinger spins on preempt_point for each reply and the pairs'
 * poll continuations preempt it, so the round trip is the stack's work
 * (kernel-service calls at the default prices; probes cost nothing unless
 * priced) plus a few "call" charges of the wait -- no IPI, no idle time.
 */
#include "bench/bench.h"
#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/kthread.h"
#include "stack/kern/mbuf.h"
#include "stack/net/brane.h"
#include "stack/net/if.h"
#include "stack/net/if_vpair.h"
#include "stack/netinet/in.h"
#include "stack/netinet/in_cksum.h"
#include "stack/netinet/in_var.h"
#include "stack/netinet/ip.h"
#include "stack/netinet/ip_icmp.h"
#include "stack/netinet/ip_var.h"
#include "stack/netinet/route.h"

#define RUNS    5
#define N       20000

static uint64_t rtt_ns, points;

static const char *const figures[] = { "inet_sim_echo_rtt_ns",
    "inet_sim_echo_points", "inet_sim_echo_wall_us", NULL };

static struct mbuf *
echo_request(struct in_addr dst, uint16_t seq)
{
	struct mbuf *m = m_gethdr(M_WAIT, MT_DATA);
	int len = (int)sizeof(struct ip) + ICMP_MINLEN;
	struct ip *ip;
	struct icmp *icp;

	m_align(m, len);
	m->m_len = m->m_pkthdr.len = len;
	ip = mtod(m, struct ip *);
	memset(ip, 0, (size_t)len);
	ip->ip_len = htons((uint16_t)len);
	ip->ip_p = IPPROTO_ICMP;
	ip->ip_dst = dst;
	icp = (struct icmp *)(ip + 1);
	icp->icmp_type = ICMP_ECHO;
	icp->icmp_seq = htons(seq);
	icp->icmp_cksum = (uint16_t)in4_cksum(m, 0, sizeof(*ip), ICMP_MINLEN);
	return m;
}

static void
pinger(void *arg)
{
	struct brane *a = arg;
	struct evcnt *replies = &a->br_inet->ib_icmpstat[ICMPSTAT_in_echoreply];
	struct in_addr dst = { IN_ADDR(10, 0, 2, 1) };
	uint64_t t0 = 0, p0 = 0;

	for (int k = 0; k <= N; k++) {
		uint64_t before = replies->ev_count;

		if (k == 1) {           /* the first resolved the caches */
			t0 = getnanouptime();
			p0 = sim_cur->points;
		}
		if (ip_output(a, echo_request(dst, (uint16_t)k), 0) != 0)
			panic("ip_output failed");
		while (replies->ev_count == before)
			preempt_point();
	}
	rtt_ns = (getnanouptime() - t0) / N;
	points = (sim_cur->points - p0) / N;
}

static void
body(void *arg)
{
	struct brane *a = brane_create("a"), *r = brane_create("r");
	struct brane *b = brane_create("b");
	struct ifnet *a0, *r0, *r1, *b1;
	struct in_addr any = { INADDR_ANY };
	lwp_t *l;

	(void)arg;
	vpair_create("vp0a", "vp0b", cpu_lookup(0), &a0, &r0);
	vpair_create("vp1a", "vp1b", cpu_lookup(0), &r1, &b1);
	brane_attach_ifnet(a, a0);
	brane_attach_ifnet(r, r0);
	brane_attach_ifnet(r, r1);
	brane_attach_ifnet(b, b1);
	in_addr_add(a, a0, (struct in_addr){ IN_ADDR(10, 0, 1, 1) }, 24);
	in_addr_add(r, r0, (struct in_addr){ IN_ADDR(10, 0, 1, 254) }, 24);
	in_addr_add(r, r1, (struct in_addr){ IN_ADDR(10, 0, 2, 254) }, 24);
	in_addr_add(b, b1, (struct in_addr){ IN_ADDR(10, 0, 2, 1) }, 24);
	rt_add(a, any, 0, (struct in_addr){ IN_ADDR(10, 0, 1, 254) }, NULL, 0);
	rt_add(b, any, 0, (struct in_addr){ IN_ADDR(10, 0, 2, 254) }, NULL, 0);
	r->br_inet->ib_forwarding = true;
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(0), pinger, a,
	    &l, "pinger");
	kthread_join(l);
}

int
main(int argc, char **argv)
{
	struct sim_test_opts o = { .quiet = 1, .cpus = 1 };
	double rtt[RUNS], pts[RUNS], wall[RUNS];

	bench_init(argc, argv);
	if (!bench_any_wanted(figures))
		return 0;
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now_s();

		o.seed = (uint64_t)r + 1;
		if (sim_test_run(&o, body, NULL, NULL) != 0)
			return 1;
		wall[r] = (bench_now_s() - t0) * 1e6 / N;
		rtt[r] = (double)rtt_ns;
		pts[r] = (double)points;
	}
	if (bench_wanted("inet_sim_echo_rtt_ns"))
		bench_report("inet_sim_echo_rtt_ns", "ns", rtt, RUNS);
	if (bench_wanted("inet_sim_echo_points"))
		bench_report("inet_sim_echo_points", "points", pts, RUNS);
	if (bench_wanted("inet_sim_echo_wall_us"))
		bench_report("inet_sim_echo_wall_us", "us", wall, RUNS);
	return 0;
}
