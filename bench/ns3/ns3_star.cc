/*
 * ns3_star.cc -- ns-3's side of the udp_e2e benchmark (bench/sim_udp_e2e.c
 * runs it alternately with netsim's own runs and prints the ratio).
 *
 *	ns3_star LEAVES COUNT INTERVAL_NS
 *
 * builds a star: LEAVES leaf nodes, each joined to one router node by its
 * own 10 Gbit/s, 5 us point-to-point link (ns-3's default 100-packet
 * drop-tail queue on each device), IPv4 with global routing.  Every leaf
 * runs a UdpServer on port 9 and a UdpClient that sends COUNT datagrams
 * of 64 payload bytes, one every INTERVAL_NS, to the next leaf (leaf i to
 * leaf i+1, the last to the first: with 2 leaves each sends to the
 * other, as udp-router.json's client and server do).  The run ends when
 * nothing is left to do.
 *
 * Prints one line: the datagrams the servers received, the wall seconds
 * Simulator::Run took (building the topology and the routing tables is
 * outside it; netsim's figure counts its boot in), and the events ns-3
 * executed.  bench/instr_per_packet_bench.py runs it under cachegrind at
 * two counts, so that set-up drops out.
 *
 * Our own code against ns-3's public API; compiled by `make bench` when
 * Debian's libns3-dev is installed (scripts/setup-deps bench).
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include "ns3_flows.h"

using namespace ns3;

int
main(int argc, char **argv)
{
	if (argc != 4) {
		std::fprintf(stderr, "usage: ns3_star LEAVES COUNT "
		    "INTERVAL_NS\n");
		return 2;
	}
	long leaves = std::strtol(argv[1], nullptr, 10);
	long count = std::strtol(argv[2], nullptr, 10);
	long interval_ns = std::strtol(argv[3], nullptr, 10);
	if (leaves < 2 || leaves > 250 || count < 1 || count > 100000000 ||
	    interval_ns < 1) {
		std::fprintf(stderr, "ns3_star: LEAVES 2 to 250, COUNT and "
		    "INTERVAL_NS positive\n");
		return 2;
	}

	NodeContainer router, leaf;
	router.Create(1);
	leaf.Create(leaves);
	InternetStackHelper inet;
	inet.Install(router);
	inet.Install(leaf);

	PointToPointHelper p2p;
	p2p.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
	p2p.SetChannelAttribute("Delay", StringValue("5us"));
	Ipv4AddressHelper addr;
	std::vector<Ipv4Address> leaf_addr;
	for (long i = 0; i < leaves; i++) {
		NetDeviceContainer d = p2p.Install(leaf.Get(i), router.Get(0));
		char net[32];
		std::snprintf(net, sizeof(net), "10.0.%ld.0", i + 1);
		addr.SetBase(net, "255.255.255.0");
		Ipv4InterfaceContainer ifs = addr.Assign(d);
		leaf_addr.push_back(ifs.GetAddress(0));
	}
	Ipv4GlobalRoutingHelper::PopulateRoutingTables();

	std::vector<Ptr<UdpServer>> servers;
	for (long i = 0; i < leaves; i++)
		servers.push_back(ns3_udp_flow(leaf.Get(i),
		    leaf_addr[(i + 1) % leaves], count, interval_ns, Seconds(0)));

	struct ns3_run r = ns3_run_all(servers);
	std::printf("%llu %.6f %llu\n", (unsigned long long)r.received,
	    ns3_seconds(r.start, r.end), (unsigned long long)r.events);
	return 0;
}
