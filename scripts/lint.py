#!/usr/bin/env python3
"""The house rules of DESIGN.md section 2, checked on a tree.

  1. stack/ includes only the machine interface (<sys/...> from
     stack/sys/), the stack's own headers (<kern/...>, <net/...>, ...;
     "apps.h" in its own room), and a few freestanding libc headers;
     never anything from sim/.
  2. stack/ calls no libc I/O, allocator, clock, random or pthreads
     function: it asks the machine through stack/sys/.
  3. stack/ objects hold no writable data (nm shows no B, D, C, S symbols):
     a network stack's state lives in the brane, the CPU, the interface or
     the object, never in a global.  Nor do stack/net/ objects use a
     symbol stack/netinet/ defines (rule 5, as links).
  4. No stack/sys/ header shares a name with a system <sys/...> header.
  5. The rooms keep their layering (scripts/rooms.py says which rooms
     there are and draws them: scripts/include_graph.py, `make graph`):
     a sim/ room includes only rooms below it (engine < sched < scenario
     < record < sys = wire < nic < world < cli), and the machine (sim/,
     the native backend) reaches the stack only through stack/sys/.
  6. stack/sys/ is the machine interface and nothing else
     (stack/sys/README.md): headers only, each in README.md's table,
     including only each other and freestanding libc, declaring no
     function that stack/ defines (the stack's library lives in
     stack/kern/) but kern_boot; README.md states kern.h's
     KERN_IFACE_VERSION.

Usage: lint.py [--root DIR] [--objdir DIR]...  Prints one line a problem
and exits 1 if there is any.
"""
import argparse
import pathlib
import re
import subprocess
import sys

import rooms

ALLOWED_LIBC = {"stddef.h", "stdint.h", "stdbool.h", "stdarg.h", "string.h",
                "errno.h", "limits.h"}
FORBIDDEN_CALLS = re.compile(
    r"\b(malloc|calloc|realloc|free|printf|fprintf|sprintf|snprintf|puts|"
    r"fopen|fwrite|rand|srand|random|time|gettimeofday|clock_gettime|abort|"
    r"exit|pthread_[a-z_]+)\s*\(")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
WRITABLE = set("BbDdCSs")
# Rooms of stack/ whose headers stack code includes as <room/name.h>.
STACK_ROOMS = {"kern", "net", "netinet", "dev", "apps"}
INSTRUMENTATION = ("__asan", "__ubsan", "__tsan", "__gcov",
                   "__llvm", ".L")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check_sources(root):
    problems = []
    stack = root / "stack"
    sys_headers = {p.name for p in (stack / "sys").glob("*.h")}
    for path in sorted(stack.rglob("*.[ch]")):
        rel = path.relative_to(root)
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            if "sim/" in name:
                problems.append(f"{rel}:{n}: includes {name}: stack/ reaches "
                                "the machine only through stack/sys/")
            elif kind == "<" and name.startswith("sys/"):
                if name[4:] not in sys_headers:
                    problems.append(f"{rel}:{n}: <{name}> is not a "
                                    "kernel-services header (stack/sys/)")
            elif kind == "<" and name.split("/")[0] in STACK_ROOMS:
                if not (stack / name).exists():
                    problems.append(f"{rel}:{n}: <{name}> is not a header "
                                    f"of stack/{name.split('/')[0]}/")
            elif kind == "<" and name not in ALLOWED_LIBC:
                problems.append(f"{rel}:{n}: <{name}> is not allowed in "
                                f"stack/ (only {', '.join(sorted(ALLOWED_LIBC))})")
            elif kind == '"' and not (path.parent / name).exists():
                problems.append(f"{rel}:{n}: \"{name}\" is not a header of "
                                "this room")
        code = strip_comments(text)
        for n, line in enumerate(code.splitlines(), 1):
            m = FORBIDDEN_CALLS.search(line)
            if m and not line.lstrip().startswith("#define"):
                problems.append(f"{rel}:{n}: calls {m.group(1)}(): ask the "
                                "machine through stack/sys/ instead")
    return problems


def check_objects(root, objdirs):
    problems = []
    for objdir in objdirs:
        objdir = pathlib.Path(objdir)
        # Objects of stack/ sources: build/<variant>/stack/... or
        # build/<variant>/native/stack/... (judged below objdir, so a
        # checkout that lives in a folder named "stack" is no exception).
        objs = [o for o in sorted(objdir.rglob("*.o"))
                if "stack" in o.relative_to(objdir).parts[:-1] and
                not stale(root, objdir, o)]
        if not objs:
            continue
        out = subprocess.run(["nm", "-A", *map(str, objs)],
                             capture_output=True, text=True, check=True).stdout
        defined, used = {}, []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            obj, kind, sym = parts[0].rstrip(":").split(":")[0], *parts[-2:]
            room = object_room(objdir, obj)
            if kind == "U":
                used.append((obj, room, sym))
            elif kind.isupper():
                defined[(room, sym)] = obj
            if kind not in WRITABLE or sym.startswith(INSTRUMENTATION):
                continue
            problems.append(f"{obj}: writable global {sym} ({kind}): "
                            "state belongs in the brane, the CPU or the object")
        # The forbidden includes, as links: no call or data reference
        # either (an extern declaration would dodge the include rule).
        for obj, room, sym in used:
            for (a, b), why in sorted(rooms.STACK_FORBIDDEN.items()):
                if room == a and (b, sym) in defined:
                    problems.append(f"{obj}: uses {sym}, defined in "
                                    f"{defined[(b, sym)]}: {why}")
    return problems


def stale(root, objdir, obj):
    """Whether obj (.../stack/<room>/<source>.o) was compiled from a source
    that is gone -- moved or deleted since: not part of the build."""
    parts = obj.relative_to(objdir).parts
    if not obj.name.endswith((".c.o", ".S.o")):
        return False
    src = pathlib.Path(*parts[parts.index("stack"):])
    return not (root / src.with_name(obj.name[:-2])).exists()


def object_room(objdir, obj):
    """The stack/ room an object was compiled from ("stack/net")."""
    parts = pathlib.Path(obj).relative_to(objdir).parts
    i = parts.index("stack")
    return f"stack/{parts[i + 1]}" if i + 2 < len(parts) else None


def check_header_names(root):
    problems = []
    for d in ("/usr/include/sys", "/usr/include/x86_64-linux-gnu/sys",
              "/usr/include/aarch64-linux-gnu/sys"):
        system = {p.name for p in pathlib.Path(d).glob("*.h")}
        for p in sorted((root / "stack" / "sys").glob("*.h")):
            if p.name in system:
                problems.append(f"stack/sys/{p.name}: shares its name with "
                                f"the system's {d}/{p.name}")
    return problems


def check_rooms(root):
    problems = []
    for inc in rooms.includes(root):
        why = rooms.violation(inc)
        if why is None:
            continue
        if (inc.src.startswith("stack/") and inc.dst_room is not None and
                inc.dst_room.startswith("sim/")):
            continue                    # check_sources says it already
        problems.append(f"{inc.src}:{inc.line}: includes {inc.name}: {why}")
    return problems


def check_interface(root):
    problems = []
    sysdir = root / "stack" / "sys"
    if not sysdir.is_dir():
        return problems
    readme = sysdir / "README.md"
    doc = readme.read_text(encoding="utf-8") if readme.exists() else ""
    defined = {}
    for c in sorted((root / "stack").rglob("*.c")):
        rel = c.relative_to(root).as_posix()
        if c.parent == sysdir:
            problems.append(f"{rel}: stack/sys/ holds the machine interface's "
                            "headers only; the machine implements them "
                            "(sim/sys/)")
        text = c.read_text(encoding="utf-8", errors="replace")
        for fn in rooms.defined_functions(text):
            defined.setdefault(fn, rel)
    for h in sorted(sysdir.glob("*.h")):
        rel = h.relative_to(root).as_posix()
        text = h.read_text(encoding="utf-8", errors="replace")
        for fn in sorted(rooms.declared_functions(text)):
            if fn in defined and fn not in rooms.UPCALLS:
                problems.append(
                    f"{rel}: declares {fn}(), which {defined[fn]} defines: "
                    "stack/sys/ is what the machine implements; the stack's "
                    "own library header belongs beside its code (stack/kern/)")
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if m and not (m.group(1) == "<" and (
                    m.group(2).startswith("sys/") or
                    m.group(2) in ALLOWED_LIBC)):
                problems.append(f"{rel}:{n}: includes {m.group(2)}: the "
                                "machine interface includes only stack/sys/ "
                                "and freestanding libc")
        if f"`{h.name}`" not in doc:
            problems.append(f"{rel}: missing from stack/sys/README.md, the "
                            "machine interface's one document")
    kern_h = sysdir / "kern.h"
    if kern_h.exists():
        m = re.search(r"#define\s+KERN_IFACE_VERSION\s+(\d+)",
                      kern_h.read_text(encoding="utf-8"))
        if m and not re.search(rf"\bversion {m.group(1)}\b", doc):
            problems.append(f"stack/sys/README.md: does not state version "
                            f"{m.group(1)} (KERN_IFACE_VERSION in kern.h)")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent,
                    type=pathlib.Path)
    ap.add_argument("--objdir", action="append", default=None)
    a = ap.parse_args()
    objdirs = a.objdir if a.objdir is not None else [
        a.root / "build" / v for v in ("release", "asan", "tsan", "clang",
                                       "fuzz")]
    problems = (check_sources(a.root) + check_objects(a.root, objdirs) +
                check_header_names(a.root) + check_rooms(a.root) +
                check_interface(a.root))
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("lint: the house keeps its rules")


if __name__ == "__main__":
    main()
