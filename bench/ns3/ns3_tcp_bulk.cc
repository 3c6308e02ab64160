/*
 * ns3_tcp_bulk.cc -- ns-3's side of tcp_bulk_router_virtual_s_per_wall_s
 * (bench/sim_tcp.c runs it alternately with netsim's own runs and prints
 * the ratio).
 *
 *	ns3_tcp_bulk SECONDS
 *
 * builds client - router - server: two 1 Gbit/s, 5 us point-to-point
 * links (ns-3's default 100-packet drop-tail queue on each device), IPv4
 * with global routing, as bench/scenarios/tcp-bulk-router.json has them.
 * The client runs a BulkSendApplication (no byte limit) to a PacketSink
 * on the server for SECONDS of virtual time: TCP NewReno, segments of
 * 1448 bytes, delayed ACKs every second segment, ns-3's default socket
 * buffers (128 KiB).
 *
 * Prints one line: the bytes the sink received, the wall seconds
 * Simulator::Run took (building the topology and the routing tables is
 * outside it; netsim's figure counts its boot in), the virtual seconds it
 * simulated, and the events ns-3 executed.
 *
 * Our own code against ns-3's public API; compiled by `make bench` when
 * Debian's libns3-dev is installed (scripts/setup-deps bench).
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

using namespace ns3;

int
main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: ns3_tcp_bulk SECONDS\n");
		return 2;
	}
	double secs = std::strtod(argv[1], nullptr);
	if (!(secs > 0 && secs <= 3600)) {
		std::fprintf(stderr, "ns3_tcp_bulk: SECONDS in (0, 3600]\n");
		return 2;
	}

	Config::SetDefault("ns3::TcpL4Protocol::SocketType",
	    TypeIdValue(TcpNewReno::GetTypeId()));
	Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
	Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));

	NodeContainer n;
	n.Create(3);                    /* client, router, server */
	InternetStackHelper inet;
	inet.Install(n);

	PointToPointHelper p2p;
	p2p.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
	p2p.SetChannelAttribute("Delay", StringValue("5us"));
	NetDeviceContainer d1 = p2p.Install(n.Get(0), n.Get(1));
	NetDeviceContainer d2 = p2p.Install(n.Get(1), n.Get(2));
	Ipv4AddressHelper addr;
	addr.SetBase("10.0.1.0", "255.255.255.0");
	addr.Assign(d1);
	addr.SetBase("10.0.2.0", "255.255.255.0");
	Ipv4InterfaceContainer i2 = addr.Assign(d2);
	Ipv4GlobalRoutingHelper::PopulateRoutingTables();

	PacketSinkHelper sink("ns3::TcpSocketFactory",
	    InetSocketAddress(Ipv4Address::GetAny(), 5001));
	ApplicationContainer sa = sink.Install(n.Get(2));
	sa.Start(Seconds(0));
	BulkSendHelper bulk("ns3::TcpSocketFactory",
	    InetSocketAddress(i2.GetAddress(1), 5001));
	bulk.SetAttribute("MaxBytes", UintegerValue(0));
	bulk.SetAttribute("SendSize", UintegerValue(16384));
	ApplicationContainer ca = bulk.Install(n.Get(0));
	ca.Start(MilliSeconds(1));
	ca.Stop(Seconds(secs));
	Simulator::Stop(Seconds(secs));

	auto t0 = std::chrono::steady_clock::now();
	Simulator::Run();
	auto t1 = std::chrono::steady_clock::now();
	uint64_t rx = DynamicCast<PacketSink>(sa.Get(0))->GetTotalRx();
	double virt = Simulator::Now().GetSeconds();
	uint64_t events = Simulator::GetEventCount();
	Simulator::Destroy();
	std::printf("%llu %.6f %.6f %llu\n", (unsigned long long)rx,
	    std::chrono::duration<double>(t1 - t0).count(), virt,
	    (unsigned long long)events);
	return 0;
}
