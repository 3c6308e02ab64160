/*
 * ns3_scale.cc -- ns-3's side of the steady scale figures (bench/sim_scale.c
 * runs it beside its own steady runs and prints both).
 *
 *	ns3_scale N COUNT RATE WARM
 *
 * builds what scripts/gen_scale.py N --stagger builds, in ns-3's terms:
 * the N hosts in broadcast domains of 8, each domain a switch (a node
 * with a BridgeNetDevice over one CSMA link a port, 10 Gbit/s, no delay)
 * with its hosts and one router; the routers in a ring of 10 Gbit/s
 * point-to-point links; IPv4 with global routing.  Host i runs a
 * UdpServer on port 9 and a UdpClient that sends COUNT datagrams of 64
 * payload bytes at RATE a second to host i+1 (the last to host 0),
 * starting i/N of an interval after host 0.  (With one domain there are
 * no routers; global routing picks the shorter way round the ring where
 * gen_scale.py's routes always go one way: a flow from a domain's last
 * host crosses at most two routers either way.)
 *
 * A stamp WARM datagrams' time into the sending takes the wall clock and
 * the servers' count; the run ends when nothing is left to do.  Prints
 * one line: the datagrams the servers received, the wall seconds of
 * Simulator::Run, the events ns-3 executed, and the datagrams a wall
 * second from the stamp to the end (what sim_scale's steady figure
 * measures).
 *
 * Our own code against ns-3's public API; compiled by `make bench` when
 * Debian's libns3-dev is installed (scripts/setup-deps bench).
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ns3/applications-module.h"
#include "ns3/bridge-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include "ns3_flows.h"

using namespace ns3;

static const long DOMAIN_HOSTS = 8;

static std::vector<Ptr<UdpServer>> servers;
static std::chrono::steady_clock::time_point warm_at;
static uint64_t warm_received;

static void
stamp(void)
{
	warm_at = std::chrono::steady_clock::now();
	warm_received = ns3_received(servers);
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		std::fprintf(stderr, "usage: ns3_scale N COUNT RATE WARM\n");
		return 2;
	}
	long n = std::strtol(argv[1], nullptr, 10);
	long count = std::strtol(argv[2], nullptr, 10);
	long rate = std::strtol(argv[3], nullptr, 10);
	long warm = std::strtol(argv[4], nullptr, 10);
	if (n < 2 || n > 100000 || count < 1 || rate < 1 || warm < 1 ||
	    warm >= count) {
		std::fprintf(stderr, "ns3_scale: N 2 to 100000, COUNT and "
		    "RATE positive, 1 <= WARM < COUNT\n");
		return 2;
	}
	long ndomains = (n + DOMAIN_HOSTS - 1) / DOMAIN_HOSTS;

	NodeContainer hosts, switches, routers;
	hosts.Create(n);
	switches.Create(ndomains);
	if (ndomains > 1)
		routers.Create(ndomains);
	InternetStackHelper inet;
	inet.Install(hosts);
	if (ndomains > 1)
		inet.Install(routers);

	CsmaHelper csma;
	csma.SetChannelAttribute("DataRate", StringValue("10Gbps"));
	csma.SetChannelAttribute("Delay", TimeValue(NanoSeconds(0)));
	PointToPointHelper p2p;
	p2p.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
	p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(0)));
	BridgeHelper bridge;
	Ipv4AddressHelper addr;
	std::vector<Ipv4Address> host_addr(n);
	char net[32];

	for (long k = 0; k < ndomains; k++) {
		NetDeviceContainer ports, ends;
		NodeContainer members;

		for (long i = k * DOMAIN_HOSTS; i < n &&
		    i < (k + 1) * DOMAIN_HOSTS; i++)
			members.Add(hosts.Get(i));
		if (ndomains > 1)
			members.Add(routers.Get(k));
		for (uint32_t j = 0; j < members.GetN(); j++) {
			NetDeviceContainer d = csma.Install(NodeContainer(
			    members.Get(j), switches.Get(k)));
			ends.Add(d.Get(0));
			ports.Add(d.Get(1));
		}
		bridge.Install(switches.Get(k), ports);
		std::snprintf(net, sizeof(net), "10.%ld.%ld.0", k / 256,
		    k % 256);
		addr.SetBase(net, "255.255.255.0");
		Ipv4InterfaceContainer ifs = addr.Assign(ends);
		for (long i = k * DOMAIN_HOSTS, j = 0; i < n &&
		    i < (k + 1) * DOMAIN_HOSTS; i++, j++)
			host_addr[i] = ifs.GetAddress(j);
	}
	if (ndomains > 1) {
		addr.SetBase("100.64.0.0", "255.255.255.252");
		for (long k = 0; k < ndomains; k++) {
			addr.Assign(p2p.Install(routers.Get(k),
			    routers.Get((k + 1) % ndomains)));
			addr.NewNetwork();
		}
	}
	Ipv4GlobalRoutingHelper::PopulateRoutingTables();

	long interval_ns = 1000000000L / rate;
	for (long i = 0; i < n; i++)
		servers.push_back(ns3_udp_flow(hosts.Get(i),
		    host_addr[(i + 1) % n], count, interval_ns,
		    NanoSeconds(i * interval_ns / n)));
	Simulator::Schedule(NanoSeconds(warm * interval_ns), &stamp);

	struct ns3_run r = ns3_run_all(servers);
	std::printf("%llu %.6f %llu %.0f\n", (unsigned long long)r.received,
	    ns3_seconds(r.start, r.end), (unsigned long long)r.events,
	    (double)(r.received - warm_received) / ns3_seconds(warm_at, r.end));
	return 0;
}
