#!/usr/bin/env python3
"""Draw the house: which room includes which, from the #include lines.

One box a room (a folder of sim/ or stack/), one arrow a room that
includes another, labelled with how many #include lines make it.  The
sim/ rooms stand in their layers (scripts/rooms.py, SIM_LAYERS), the
bottom layer lowest, so every allowed arrow points down; the stack/
rooms likewise, with stack/sys -- the machine interface, which sim/
implements -- at the bottom.  An include that breaks a rule of
scripts/rooms.py is a red arrow, drawn against the layering: it points
up, or sideways between rooms of one level.  `make lint` fails on the
same includes; this picture shows where they are.

Usage: include_graph.py [--root DIR] [--out DIR] [--format svg|png]
Writes OUT/rooms.dot and OUT/rooms.FORMAT (default build/graph/rooms.svg)
with Graphviz's dot, and prints the picture's path.
"""
import argparse
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import rooms  # noqa: E402

SIM_ABOUT = {
    "engine": "event queue, engine, rng",
    "sched": "CPUs, LWPs, coroutines, scheduler",
    "scenario": "scenario loader",
    "record": "SQLite recorder, trace",
    "sys": "kernel services:\nimplements stack/sys",
    "wire": "frames, links, switch, pcap",
    "nic": "NIC models",
    "world": "building the machine",
    "cli": "command line",
}
STACK_ABOUT = {
    "sys": "THE MACHINE INTERFACE\n(sim/ implements it)",
    "kern": "library: pcq, ptree, mbuf,\nkcont, pool, sockets, boot",
    "net": "interfaces, Ethernet,\nbranes, vpairs",
    "netinet": "IPv4, ARP, nexthops,\nICMP, UDP, raw IP",
    "dev": "drivers",
    "apps": "programs",
}


def stack_level(room):
    name = room.split("/", 1)[1]
    for level, names in enumerate(rooms.STACK_LAYERS):
        if name in names:
            return level
    return len(rooms.STACK_LAYERS)


def node_id(room):
    return room.replace("/", "_")


def room_node(room, about, extra=""):
    name = room.split("/", 1)[1]
    label = f"{name}\\n{about.get(name, '')}".replace("\n", "\\n")
    return f'    {node_id(room)} [label="{label}"{extra}];'


def layered(prefix, layers, about, present, special=None):
    """The nodes of one tree, one rank per layer, top layer first."""
    out = []
    for names in reversed(layers):
        row = [f"{prefix}/{n}" for n in names if f"{prefix}/{n}" in present]
        if not row:
            continue
        out.append("    { rank=same; " +
                   " ".join(node_id(r) for r in row) + "; }")
        for r in row:
            out.append(room_node(r, about, (special or {}).get(r, "")))
    # Invisible arrows hold the layers in order where no include does.
    tops = [[f"{prefix}/{n}" for n in names if f"{prefix}/{n}" in present]
            for names in layers]
    tops = [t for t in tops if t]
    for upper, lower in zip(tops[1:], tops):
        out.append(f"    {node_id(upper[0])} -> {node_id(lower[0])} "
                   "[style=invis];")
    known = {f"{prefix}/{n}" for names in layers for n in names}
    for r in sorted(present - known):
        if r.startswith(prefix + "/"):
            out.append(room_node(r, about, ', color="red"'))
    return out


def dot_source(root):
    incs = rooms.includes(root)
    present = {r for i in incs for r in (i.src_room, i.dst_room) if r}
    present |= {rooms.room_of(p.relative_to(root).as_posix())
                for p in rooms.sources(root)} - {None}
    lines = [
        "digraph rooms {",
        '  rankdir=TB; newrank=true; nodesep=0.35; ranksep=0.45;',
        '  node [shape=box, style="rounded,filled", fillcolor="white", '
        'fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8, color="gray40"];',
        '  label="netsim: which room includes which, and how many '
        '#include lines make each arrow\\nred: against the rules of '
        'scripts/rooms.py; dashed blue: the machine and the stack; dotted '
        'orange: allowed, against the layers"; labelloc=t; '
        'fontname="Helvetica";',
        '  subgraph cluster_sim {',
        '    label="sim/ -- the machine, in layers (a room includes only '
        'rooms below it)"; color="gray60";',
    ]
    lines += layered("sim", rooms.SIM_LAYERS, SIM_ABOUT, present)
    lines += ["  }", "  subgraph cluster_stack {",
              '    label="stack/ -- the network stack"; color="gray60";']
    lines += layered("stack", rooms.STACK_LAYERS, STACK_ABOUT, present,
                     {"stack/sys": ', fillcolor="lightyellow", penwidth=2'})
    lines.append("  }")
    bad = 0
    for (a, b), incs_ab in sorted(rooms.edges(incs).items()):
        why = next((rooms.violation(i) for i in incs_ab
                    if rooms.violation(i)), None)
        attrs = [f'label="{len(incs_ab)}"']
        if why:
            bad += 1
            attrs += ['color="red"', 'fontcolor="red"', "penwidth=2",
                      "constraint=false"]
        elif a.startswith("stack/") and b.startswith("stack/") and \
                stack_level(b) >= stack_level(a):
            # Allowed, but against the drawing's layers: kern's boot and
            # domain table reach up to the protocols they start.
            attrs += ['style="dotted"', 'color="darkorange"',
                      'fontcolor="darkorange"', "constraint=false"]
        elif a.split("/")[0] != b.split("/")[0]:
            # The machine implementing (or reading) the stack's side.
            attrs += ['style="dashed"', 'color="steelblue"',
                      "constraint=false"]
        lines.append(f"  {node_id(a)} -> {node_id(b)} "
                     f"[{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n", bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=pathlib.Path,
                    default=pathlib.Path(__file__).resolve().parent.parent)
    ap.add_argument("--out", type=pathlib.Path, default=None)
    ap.add_argument("--format", choices=("svg", "png"), default="svg")
    a = ap.parse_args()
    out = a.out if a.out is not None else a.root / "build" / "graph"
    out.mkdir(parents=True, exist_ok=True)
    src, bad = dot_source(a.root.resolve())
    dot = out / "rooms.dot"
    dot.write_text(src, encoding="utf-8")
    pic = out / f"rooms.{a.format}"
    subprocess.run(["dot", f"-T{a.format}", "-o", str(pic), str(dot)],
                   check=True)
    print(f"{pic}" + (f" ({bad} arrow(s) against the rules, in red)"
                      if bad else ""))


if __name__ == "__main__":
    main()
