#!/usr/bin/env python3
"""Instructions per delivered packet, netsim's udp_e2e against ns-3's star.

Run by `make bench` (bench/run.py runs bench/*_bench.py with the name
prefix); by hand:

    /usr/bin/python3 bench/instr_per_packet_bench.py [prefix]

This guest has no hardware counters for `perf stat`, so the instructions
are counted by valgrind's cachegrind (`--cache-sim=no`: instructions
only).  Each side runs twice, at two packet counts, and the figure is the
difference of the instructions over the difference of the datagrams
delivered: set-up (loading, building, booting; ns-3's topology and routing
tables) and the end of the run drop out.  Instruction counts do not depend
on the machine's load, so one run of each is the figure (runs=1).

    udp_e2e_router_instructions_per_packet    bin/release/bench/sim_udp_e2e
                                              --once udp-router.json N
    ns3_star2_instructions_per_packet         bin/ns3/ns3_star 2 N 5000
    udp_e2e_router_ns3_instructions_ratio     ns-3's over netsim's
    udp_e2e_router15_instructions_per_packet  --once udp-router15.json N
    ns3_star15_instructions_per_packet        bin/ns3/ns3_star 15 N 20000
    udp_e2e_router15_ns3_instructions_ratio   ns-3's over netsim's

(N is datagrams a sender: 5,000 and 15,000 for the two-leaf pair, 1,000
and 3,000 for the fifteen: 20,000 and 30,000 datagrams between the two
runs, enough that the figure moves by less than 1% with more.)  The ns-3 lines are printed whenever their
netsim counterpart is asked for: the two are one comparison.  Needs
valgrind and bin/ns3/ns3_star (`make bench` builds it; scripts/setup-deps
bench installs both); without them the script says so and prints nothing.
"""
import os
import pathlib
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cachegrind  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
NETSIM = ROOT / "bin" / "release" / "bench" / "sim_udp_e2e"
NS3 = ROOT / "bin" / "ns3" / "ns3_star"

# name, scenario, its ns-3 star: leaves, interval (ns); the two counts
PAIRS = [
    ("udp_e2e_router", "udp-router.json", "ns3_star2", 2, 5000,
     (5000, 15000)),
    ("udp_e2e_router15", "udp-router15.json", "ns3_star15", 15, 20000,
     (1000, 3000)),
]


def counted(cmd):
    """(instructions, datagrams delivered) of one run of cmd."""
    return cachegrind.counted(cmd, "instr_per_packet")


def per_packet(cmd_of):
    """Instructions per delivered datagram between the two counts."""
    (i1, d1), (i2, d2) = (counted(cmd_of(n)) for n in cmd_of.counts)
    if d2 <= d1:
        sys.exit("instr_per_packet: more datagrams sent, no more delivered")
    return (i2 - i1) / (d2 - d1)


def line(name, value, unit):
    v = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    print(f"bench {name} {v} {unit} min={v} max={v} runs=1", flush=True)


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, scen, ns3name, leaves, interval, counts in PAIRS:
        names = [f"{name}_instructions_per_packet",
                 f"{ns3name}_instructions_per_packet",
                 f"{name}_ns3_instructions_ratio"]
        if not any(n.startswith(prefix) for n in names):
            continue
        if shutil.which("valgrind") is None or not os.access(NS3, os.X_OK):
            print("instr_per_packet: needs valgrind and bin/ns3/ns3_star "
                  "(make bench): skipped", file=sys.stderr)
            return

        def netsim(n):
            return [str(NETSIM), "--once", scen, str(n)]

        def ns3(n):
            return [str(NS3), str(leaves), str(n), str(interval)]
        netsim.counts = ns3.counts = counts
        ours = per_packet(netsim)
        theirs = per_packet(ns3)
        line(names[0], ours, "instructions")
        line(names[1], theirs, "instructions")
        line(names[2], theirs / ours, "ratio")


if __name__ == "__main__":
    main()
