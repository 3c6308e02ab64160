#!/usr/bin/env python3
"""Write a scenario of N hosts for scale runs: `gen_scale.py N [options]`.

The topology, as a new user would build a big network: the N end hosts
(h0 .. hN-1, one CPU and one DMA NIC each) sit in small broadcast domains
of --domain hosts, each domain a switch with its hosts and one router.
Domain k is the subnet 10.(k/256).(k%256).0/24: its hosts are .1, .2, ...
and its router is .254, their default route.  The routers (r0 .. rK-1)
form a ring of point-to-point links (router k's "up" to router k+1's
"dn", each link a /30 of 100.64.0.0/10), and router k has one route: to
domain k+1, through router k+1.  So ARP broadcasts stay in a domain, and
no table grows with N.

Every NIC is a DMA NIC with the default rings (256 descriptors each way)
unless --ring says otherwise.  One UDP flow a host: host i sends datagrams
of 64 payload bytes to host i+1 (the last to host 0), to a udp_sink on
port 9: --count of them at --rate a second (the same for every N), or,
without --count, --total/N (rounded up) spread over --span of virtual
time (the old fixed total: fewer datagrams a host, at a lower rate, as N
grows).  A flow from the last host of a
domain crosses two routers; the others stay on their switch.  With one
domain there are no routers.

Every sender starts at time 0 unless --stagger spreads their starts
evenly over one interval (host i at i/N of it): then the hosts send out
of step, as independent hosts do, instead of all N in one burst at the
same instants, a burst that grows with N.

The scenario goes to stdout, or to --out FILE.  Everything in it follows
from the arguments: the same arguments write the same bytes.
"""
import argparse
import json
import sys


def domain_net(k):
    return f"10.{k // 256}.{k % 256}"


def p2p_addr(k, side):
    """Router k's up (side 1) or router k+1's dn (side 2) on link k."""
    v = (100 << 24) | (64 << 16) | (4 * k + side)
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}/30"


def nic(name, addr, ring):
    d = {"name": name, "addr": addr}
    if ring:
        d["rx_ring"] = d["tx_ring"] = ring
    return d


def scenario(n, domain, total, span_s, duration_s, ring=None, count=None,
             rate=None, stagger=False):
    ndomains = (n + domain - 1) // domain
    assert ndomains <= 65536, "at most 65536 domains"
    if count is None:
        count = (total + n - 1) // n
    if rate is None:
        rate = max(1, round(count / span_s))
    hosts, switches, links, workload = [], [], [], []
    for k in range(ndomains):
        members = range(k * domain, min(n, (k + 1) * domain))
        ports = len(members) + (1 if ndomains > 1 else 0)
        switches.append({"name": f"s{k}", "ports": ports})
        for p, i in enumerate(members):
            host = {"name": f"h{i}",
                    "nics": [nic("wm0", f"{domain_net(k)}.{p + 1}/24",
                                 ring)]}
            if ndomains > 1:
                host["branes"] = [{"name": "default", "routes": [
                    {"dst": "0.0.0.0/0", "via": f"{domain_net(k)}.254"}]}]
            hosts.append(host)
            links.append({"name": f"l{i}", "a": f"h{i}.wm0",
                          "b": f"s{k}.{p}"})
    if ndomains > 1:
        for k in range(ndomains):
            nxt = (k + 1) % ndomains
            hosts.append({
                "name": f"r{k}",
                "nics": [
                    nic("lan", f"{domain_net(k)}.254/24", ring),
                    nic("up", p2p_addr(k, 1), ring),
                    nic("dn", p2p_addr((k - 1) % ndomains, 2), ring),
                ],
                "branes": [{"name": "default", "forwarding": True,
                            "routes": [{
                                "dst": f"{domain_net(nxt)}.0/24",
                                "via": p2p_addr(k, 2).split("/")[0]}]}]})
            last = min(n, (k + 1) * domain) - k * domain
            links.append({"name": f"lan{k}", "a": f"r{k}.lan",
                          "b": f"s{k}.{last}"})
            links.append({"name": f"ring{k}", "a": f"r{k}.up",
                          "b": f"r{nxt}.dn"})
    addrs = {}
    for k in range(ndomains):
        for p, i in enumerate(range(k * domain, min(n, (k + 1) * domain))):
            addrs[i] = f"{domain_net(k)}.{p + 1}"
    for i in range(n):
        workload.append({"program": "udp_sink", "host": f"h{i}",
                         "port": 9})
    for i in range(n):
        send = {"program": "udp_send", "host": f"h{i}",
                "dst": addrs[(i + 1) % n], "port": 9,
                "rate": f"{rate}pps", "size": 64, "count": count,
                "echo": False}
        if stagger:
            # Host i starts i/N of an interval after host 0.
            send["start"] = f"{i * 1000000000 // (rate * n)}ns"
        workload.append(send)
    return {
        "name": f"scale-{n}",
        "description": f"gen_scale.py {n}: {n} hosts in domains of "
                       f"{domain} joined by a ring of {ndomains} routers"
                       if ndomains > 1 else
                       f"gen_scale.py {n}: {n} hosts on one switch",
        "duration": f"{duration_s}s",
        "hosts": hosts,
        "switches": switches,
        "links": links,
        "workload": workload,
        "record": {"interval": "0s"},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="end hosts, 2 or more")
    ap.add_argument("--domain", type=int, default=8,
                    help="end hosts per broadcast domain (default 8)")
    ap.add_argument("--total", type=int, default=200000,
                    help="datagrams in all (default 200000)")
    ap.add_argument("--span", type=float, default=1.0,
                    help="virtual seconds the sending takes (default 1)")
    ap.add_argument("--count", type=int,
                    help="datagrams a host sends (instead of --total/N)")
    ap.add_argument("--rate", type=int,
                    help="datagrams a second a host sends (default: its "
                    "count over --span)")
    ap.add_argument("--duration", type=int, default=10,
                    help="the run's virtual time cap in s (default 10)")
    ap.add_argument("--ring", type=int,
                    help="every NIC's rx_ring and tx_ring (default: the "
                    "NIC's, 256)")
    ap.add_argument("--stagger", action="store_true",
                    help="spread the senders' starts over one interval "
                    "(default: every host sends at the same instants)")
    ap.add_argument("--out", help="write here, not to stdout")
    a = ap.parse_args()
    if a.n < 2 or a.domain < 1 or a.domain > 253 or a.total < 1:
        ap.error("need N >= 2, 1 <= --domain <= 253, --total >= 1")
    if (a.count is not None and a.count < 1) or \
            (a.rate is not None and a.rate < 1):
        ap.error("need --count >= 1 and --rate >= 1")
    text = json.dumps(scenario(a.n, a.domain, a.total, a.span, a.duration,
                               a.ring, a.count, a.rate, a.stagger),
                      indent=1) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
