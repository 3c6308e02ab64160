/*
 * ns3_flows.h -- the flow both of ns-3's UDP benchmarks give every node:
 * a UdpServer on port 9, and a UdpClient sending count datagrams of 64
 * payload bytes, one every interval_ns from start, to dst's port 9.
 * Returns the server, whose count of datagrams received is the figure
 * (ns3_received sums them).
 */
#ifndef NS3_FLOWS_H
#define NS3_FLOWS_H

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

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

#endif
