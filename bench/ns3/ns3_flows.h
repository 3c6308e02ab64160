/*
 * ns3_flows.h -- what ns-3's two UDP benchmarks (ns3_star, ns3_scale)
 * share: the flow they give every node -- a UdpServer on port 9, and a
 * UdpClient sending count datagrams of 64 payload bytes, one every
 * interval_ns from start, to dst's port 9 (ns3_udp_flow returns the
 * server) --, the servers' count (ns3_received) and the timed run
 * (ns3_run_all).
 */
#ifndef NS3_FLOWS_H
#define NS3_FLOWS_H

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <chrono>
#include <vector>

static inline ns3::Ptr<ns3::UdpServer>
ns3_udp_flow(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address dst, long count,
    long interval_ns, ns3::Time start)
{
	using namespace ns3;

	UdpServerHelper sh(9);
	ApplicationContainer a = sh.Install(node);
	a.Start(Seconds(0));

	UdpClientHelper ch(dst, 9);
	ch.SetAttribute("MaxPackets", UintegerValue(count));
	ch.SetAttribute("Interval", TimeValue(NanoSeconds(interval_ns)));
	ch.SetAttribute("PacketSize", UintegerValue(64));
	ApplicationContainer c = ch.Install(node);
	c.Start(start);
	return DynamicCast<UdpServer>(a.Get(0));
}

/* The datagrams the servers have received so far, all together. */
static inline uint64_t
ns3_received(const std::vector<ns3::Ptr<ns3::UdpServer>> &servers)
{
	uint64_t n = 0;

	for (auto &s : servers)
		n += s->GetReceived();
	return n;
}

/* What ns3_run_all measured. */
struct ns3_run {
	uint64_t received;      /* the servers' datagrams, at the end */
	uint64_t events;        /* the events ns-3 executed */
	std::chrono::steady_clock::time_point start, end;      /* of Run */
};

/*
 * Simulator::Run, timed by the wall clock (building the topology and the
 * routing tables stays outside), then the servers' count and the events,
 * and Simulator::Destroy.
 */
static inline struct ns3_run
ns3_run_all(const std::vector<ns3::Ptr<ns3::UdpServer>> &servers)
{
	struct ns3_run r;

	r.start = std::chrono::steady_clock::now();
	ns3::Simulator::Run();
	r.end = std::chrono::steady_clock::now();
	r.received = ns3_received(servers);
	r.events = ns3::Simulator::GetEventCount();
	ns3::Simulator::Destroy();
	return r;
}

/* Wall seconds from a to b. */
static inline double
ns3_seconds(std::chrono::steady_clock::time_point a,
    std::chrono::steady_clock::time_point b)
{
	return std::chrono::duration<double>(b - a).count();
}

#endif
