"""The rooms of the house, and who may include whom.

A room is a folder with one purpose (DESIGN.md section 7): sim/engine,
sim/sched, ..., stack/sys, stack/kern, stack/net, ...  This module is the
one place that says which rooms there are and which includes between them
the house allows; scripts/lint.py enforces it and scripts/include_graph.py
draws it, from the same data.

The rules:

  sim/    layered, bottom to top, as SIM_LAYERS lists them.  A room
          includes only rooms strictly below it (and itself); rooms on one
          level (sys and wire) do not include each other.  So nothing
          runs back up: the scheduler calls nothing above it.
  stack/  never includes sim/; net/ never includes netinet/ (the link
          layer serves protocols it does not know: they list what they
          need in their domain's row, as NetBSD's domains do).
  the machine interface
          stack/sys/ is the machine's interface (netsim's rumpuser.h;
          stack/sys/README.md is its contract): it declares only what a
          machine implements (and UPCALLS, what the stack provides).  The
          machine -- sim/ and the native backend tests/native/native_* --
          reaches the stack only through it, plus the few stack/ headers
          MACHINE_READS names.

Includes are resolved as the compiler does with -I. -Istack: "x" first
beside the including file, then from the root, then from stack/; <x>
from the root, then stack/, else it is a system header (no room).
"""
import collections
import pathlib
import re

# sim/ rooms, bottom to top; rooms in one tuple share a level.
# race (the exploration build's race detector) sits under sys and nic,
# which tell it of every synchronisation, and over record, where its
# reports go; it reads the machine (sched) and nothing else.
# edge (the real-time edge: libev, the OS clock, TAP devices) sits over
# everything that makes a run and under the CLI alone, which starts it
# for netsim run --realtime: no room of the deterministic machine may
# include it, so none can reach the wall clock or libev through it.
SIM_LAYERS = (("engine",), ("sched",), ("scenario",), ("record",),
              ("race",), ("sys", "wire"), ("nic",), ("fault",), ("world",),
              ("edge",), ("cli",))
# stack/ rooms, bottom to top, for drawing: the rules are STACK_FORBIDDEN.
STACK_LAYERS = (("sys",), ("kern",), ("net",), ("netinet", "dev"),
                ("apps",))
# (from, to): why that include is not allowed.
STACK_FORBIDDEN = {
    ("stack/net", "stack/netinet"):
        "net/ never includes netinet/: a protocol tells the link layer "
        "what it needs through its domain's row (dom_ether, dom_ifattach "
        "in kern/protosw.h); the link layer names no protocol",
}
# The stack headers the machine may read besides stack/sys/: the
# devices' register layouts (the datasheets a NIC model implements) and
# the program table (the user land the machine starts).
MACHINE_READS = (
    ("stack/dev/", "reg.h"),
    ("stack/apps/apps.h", ""),
)
# The outside world's headers, and the one room that may include them:
# the real-time edge.  The deterministic machine never sees libev (which
# reads the OS clock) nor a TAP device; it meets them only through the
# machine's pace hook and the wire's bridges, which the edge drives.
EDGE_ROOM = "sim/edge"
EDGE_ONLY = {
    "ev.h": "libev paces a run to the wall clock",
    "linux/if_tun.h": "TAP devices are the outside world",
}
# Rooms that are the machine: all of sim/, and the native backend.
MACHINE_FILES = re.compile(r"^(sim/|tests/native/native_)")
# What stack/ provides to the machine, though declared in stack/sys/.
UPCALLS = {"kern_boot"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_GLOBS = ("sim/*/*.[chS]", "stack/*/*.[ch]", "tests/native/*.[ch]",
                "tests/c/*.[ch]", "bench/*.[ch]")

Include = collections.namedtuple(
    "Include", "src line kind name target src_room dst_room")


def sim_level(room):
    """The level of a sim/ room ("sim/wire"), or None if it has none."""
    name = room.split("/", 1)[1]
    for level, names in enumerate(SIM_LAYERS):
        if name in names:
            return level
    return None


def sim_order():
    """The layering in words: engine < sched < ... < sys = wire < ..."""
    return " < ".join(" = ".join(names) for names in SIM_LAYERS)


def room_of(rel):
    """The room of a path relative to the root ("sim/wire/link.c" ->
    "sim/wire"), or None outside sim/ and stack/."""
    parts = pathlib.PurePosixPath(rel).parts
    if len(parts) >= 3 and parts[0] in ("sim", "stack"):
        return f"{parts[0]}/{parts[1]}"
    return None


def resolve(root, src, kind, name):
    """The root-relative path an include names, or None (system)."""
    dirs = [root, root / "stack"]
    if kind == '"':
        dirs.insert(0, (root / src).parent)
    for d in dirs:
        p = d / name
        if p.is_file():
            try:
                return p.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                return None
    # Not found: a room-relative name still says where it points.
    if kind == '"' and name.startswith(("sim/", "stack/")):
        return name
    return None


def machine_may_read(target):
    return any(target.startswith(pre) and target.endswith(suf)
               for pre, suf in MACHINE_READS)


def sources(root):
    out = set()
    for g in SOURCE_GLOBS:
        out.update(p for p in root.glob(g) if p.is_file())
    return sorted(out)


def includes(root, files=None):
    """Every #include of the tree, resolved: a list of Include."""
    root = pathlib.Path(root)
    found = []
    for path in files if files is not None else sources(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            target = resolve(root, rel, kind, name)
            found.append(Include(rel, n, kind, name, target, room_of(rel),
                                 room_of(target) if target else None))
    return found


def violation(inc):
    """Why an include breaks the room rules, or None."""
    a, b = inc.src_room, inc.dst_room
    if inc.kind == "<" and inc.name in EDGE_ONLY and a != EDGE_ROOM:
        return (f"{EDGE_ONLY[inc.name]}: only {EDGE_ROOM}/ (the real-time "
                "edge) may include it")
    if (MACHINE_FILES.match(inc.src) and inc.target is not None and
            inc.target.startswith("stack/") and
            not inc.target.startswith("stack/sys/") and
            not machine_may_read(inc.target)):
        return (f"the machine reads {inc.target}: it reaches the stack "
                "only through stack/sys/, the machine interface")
    if a is None or b is None or a == b:
        return None
    if a.startswith("sim/") and b.startswith("sim/"):
        la, lb = sim_level(a), sim_level(b)
        if la is None or lb is None:
            return (f"{a if la is None else b} is not a room of sim/ "
                    f"({sim_order()}): give it a level in scripts/rooms.py")
        if lb == la:
            return (f"{a} and {b} are on one level and must not include "
                    f"each other ({sim_order()})")
        if lb > la:
            return (f"{b} is above {a}: a room includes only rooms below "
                    f"it ({sim_order()})")
        return None
    if a.startswith("stack/") and b.startswith("sim/"):
        return "stack/ reaches the machine only through stack/sys/"
    return STACK_FORBIDDEN.get((a, b))


def edges(incs):
    """{(from room, to room): [Include, ...]} between different rooms."""
    out = collections.defaultdict(list)
    for inc in incs:
        if inc.src_room and inc.dst_room and inc.src_room != inc.dst_room:
            out[(inc.src_room, inc.dst_room)].append(inc)
    return out


# --- the machine interface: what stack/sys/ declares --------------------

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
PROTOTYPE = re.compile(
    r"^(?!static\b|typedef\b|return\b)(?:extern\s+)?(?:const\s+)?"
    r"(?:struct\s+|enum\s+|unsigned\s+)?\w+[\s*]+\**(\w+)\s*\(", re.M)
DEFINITION = re.compile(r"^(\w+)\((?![^\n]*;[ \t]*$)", re.M)


def strip_cpp(text):
    """Text without comments and preprocessor lines (continued too)."""
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    out, cont = [], False
    for line in text.splitlines():
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def declared_functions(header_text):
    """Names of the functions a header declares (KNF: at column 0)."""
    return set(PROTOTYPE.findall(strip_cpp(header_text)))


def defined_functions(c_text):
    """Names of the functions a .c file defines (KNF: name at column 0)."""
    return set(DEFINITION.findall(strip_cpp(c_text)))
