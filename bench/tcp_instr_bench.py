#!/usr/bin/env python3
"""Instructions per TCP segment delivered, netsim's tcp_bulk_router against
ns-3's BulkSendApplication.

Run by `make bench` (bench/run.py runs bench/*_bench.py with the name
prefix); by hand:

    /usr/bin/python3 bench/tcp_instr_bench.py [prefix]

As bench/instr_per_packet_bench.py does for UDP: valgrind's cachegrind
(`--cache-sim=no`) counts the instructions of two runs of each side, a
saturated bulk transfer through the router for 50 ms and for 150 ms of
virtual time, and the figure is the difference of the instructions over
the difference of the data segments the server took (its bytes / 1448,
the MSS on both sides): set-up (loading, building, booting; ns-3's
topology and routing tables), the connect and the end of the run drop
out, and each segment carries its share of the ACKs.  Instruction counts
do not depend on the machine's load, so one run of each is the figure
(runs=1).

    tcp_bulk_router_instructions_per_segment      bin/release/bench/sim_tcp
                                                  --once '"<D>ms"'
    tcp_bulk_router_ns3_instructions_per_segment  bin/ns3/ns3_tcp_bulk <D/1000>
    tcp_bulk_router_ns3_instructions_ratio        ns-3's over netsim's

The three lines are printed together whenever one is asked for.  Needs
valgrind and bin/ns3/ns3_tcp_bulk (`make bench` builds it); without them
the script says so and prints nothing.
"""
import os
import pathlib
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cachegrind  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
NETSIM = ROOT / "bin" / "release" / "bench" / "sim_tcp"
NS3 = ROOT / "bin" / "ns3" / "ns3_tcp_bulk"
MSS = 1448
DURATIONS_MS = (50, 150)
NAMES = ["tcp_bulk_router_instructions_per_segment",
         "tcp_bulk_router_ns3_instructions_per_segment",
         "tcp_bulk_router_ns3_instructions_ratio"]


def counted(cmd):
    """(instructions, bytes the server took) of one run of cmd."""
    return cachegrind.counted(cmd, "tcp_instr")


def per_segment(cmd_of):
    """Instructions per data segment delivered between the two runs."""
    (i1, b1), (i2, b2) = (counted(cmd_of(d)) for d in DURATIONS_MS)
    if b2 <= b1:
        sys.exit("tcp_instr: a longer transfer delivered no more bytes")
    return (i2 - i1) / ((b2 - b1) / MSS)


def line(name, value, unit):
    v = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    print(f"bench {name} {v} {unit} min={v} max={v} runs=1", flush=True)


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    if not any(n.startswith(prefix) for n in NAMES):
        return
    if (shutil.which("valgrind") is None or not os.access(NS3, os.X_OK)
            or not os.access(NETSIM, os.X_OK)):
        print("tcp_instr: needs valgrind, bin/release/bench/sim_tcp and "
              "bin/ns3/ns3_tcp_bulk (make bench): skipped", file=sys.stderr)
        return
    ours = per_segment(lambda d: [str(NETSIM), "--once", f'"{d}ms"'])
    theirs = per_segment(lambda d: [str(NS3), f"{d / 1000:g}"])
    line(NAMES[0], ours, "instructions")
    line(NAMES[1], theirs, "instructions")
    line(NAMES[2], theirs / ours, "ratio")


if __name__ == "__main__":
    main()
