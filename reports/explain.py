#!/usr/bin/env python3
"""Why a run failed, as a picture: the happens-before slice that led to
it, drawn by Graphviz.  `netsim explain` runs it; by hand:

    explain.py --db RUN.db --run ID --trace TRACE --out FILE.svg
               [--last K] [--replay CMD] [--scenario PATH] [--policy P]
               [--format svg|dot]

TRACE is the run's trace with the kernel-service column (`netsim
explain` writes it; sim/cli/sched_trace.h has the format), RUN.db the
run recorded (its violations, lock_order, and a races table when the
detector of the exploration build wrote one).

What is drawn.  One lane (a column) a context involved: each context
that made a marked point, the one that failed, and every other that
touched a marked object (the counter, the locks of the cycle).  A lane
shows the last K scheduling points of its context up to its last marked
point (or, for a lane with none, up to the failure), and every marked
point; gaps say how many points they leave out.  Down a lane is program
order; an arrow between lanes is a synchronisation the trace shows --
a mutex's exit to the next enter of the same mutex, a condvar's signal
or broadcast to the woken waiter's return, a thread's creation to its
first point, its exit to the join's return -- so everything above a
point along arrows happened before it.

What is marked, in red: "the two accesses", from whichever source has
them, all that apply:
  * a races row (the data-race detector): its access and the earlier
    one it is not ordered after;
  * a lock cycle (the lock-order checker's edges on a cycle): for each
    edge, the acquisition of the held lock and the acquisition of the
    other while holding it, at the lines the edge names;
  * a lost update (a plain load and store of one object by a context
    with another context's store between them): the interleaved
    load/store pairs, the last such before the failure.
A new source is a function returning Marks, added to mark_sources().
The caption says what failed (the violation's message), the seed, the
policy, and the command that replays it.

Determinism: the picture is a function of the trace and the database
alone, and Graphviz lays out the same source the same way, so the same
seed gives the same SVG, byte for byte.
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
from collections import namedtuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lockgraph import on_cycles, _quote  # noqa: E402

Point = namedtuple("Point", "n t host cpu ctx kind obj where svc")
Mark = namedtuple("Mark", "n text")

LAST_DEFAULT = 6
LAST_MAX = 200
ENTERS = ("kern_mutex_enter", "kern_mutex_tryenter", "kern_rw_enter",
          "kern_rw_tryenter")
EXITS = ("kern_mutex_exit", "kern_rw_exit")
CV_WAITS = ("cv_block", "kern_cv_wait", "kern_cv_timedwait")
CV_WAKES = {"cv_signal": False, "cv_broadcast": True, "cv_wake": False}


class Trouble(Exception):
    """Something the user must hear about: exit 2 with the message."""


def read_trace(path):
    """The trace's scheduling points (events left out), in order."""
    pts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 9:
                raise Trouble(f"{path}: not a trace with the service "
                              f"column (netsim explain writes one)")
            if c[5] == "event":
                continue
            pts.append(Point(int(c[0]), int(c[1]), c[2], c[3], c[4], c[5],
                             c[6], c[7], c[8]))
    return pts


def ctx_name(ctx):
    """'counter.1#3' -> 'counter.1'."""
    return ctx.rsplit("#", 1)[0]


def where_file_line(where):
    """'stack/apps/counter.c:75 (counter_worker)' -> 'stack/...:75'."""
    return where.split(" ", 1)[0]


# --- what failed ------------------------------------------------------------

Failure = namedtuple("Failure", "kind message where lwp t_ns status")


def read_failure(con, rid):
    """The run's first violation, else its status and message; None when
    the run ended ok with nothing reported."""
    row = con.execute("SELECT status, message FROM runs WHERE id = ?",
                      (rid,)).fetchone()
    if row is None:
        raise Trouble(f"no run {rid} in the database")
    status, message = row
    v = con.execute("SELECT kind, file, line, lwp, t_ns, message FROM "
                    "violations WHERE run_id = ? ORDER BY t_ns, rowid "
                    "LIMIT 1", (rid,)).fetchone()
    if v is not None:
        kind, file, line, lwp, t_ns, msg = v
        return Failure(kind, msg, f"{file}:{line}" if file else "", lwp,
                       t_ns, status)
    if status == "ok":
        return None
    first = (message or status).splitlines()[0]
    return Failure(status, first, "", None, None, status)


def failure_point(pts, fail):
    """The index of the last point the failing context made by the time
    of the failure; the trace's last point when that cannot be told."""
    if fail.lwp is not None:
        for i in range(len(pts) - 1, -1, -1):
            p = pts[i]
            if ctx_name(p.ctx) == fail.lwp and (fail.t_ns is None or
                                                p.t <= fail.t_ns):
                return i
    return len(pts) - 1


# --- the marks --------------------------------------------------------------

def marks_from_races(con, rid, pts, upto):
    """A data race the detector recorded: its two accesses."""
    cols = {r[1] for r in con.execute("PRAGMA table_info(races)")}
    need = {"t_ns", "cpu", "context", "file", "line", "prev_t_ns",
            "prev_cpu", "prev_context", "prev_file", "prev_line"}
    if not need <= cols:
        return [], ""
    row = con.execute("SELECT t_ns, cpu, context, file, line, prev_t_ns, "
                      "prev_cpu, prev_context, prev_file, prev_line, "
                      "object FROM races WHERE run_id = ? ORDER BY t_ns "
                      "LIMIT 1" if "object" in cols else
                      "SELECT t_ns, cpu, context, file, line, prev_t_ns, "
                      "prev_cpu, prev_context, prev_file, prev_line, NULL "
                      "FROM races WHERE run_id = ? ORDER BY t_ns LIMIT 1",
                      (rid,)).fetchone()
    if row is None:
        return [], ""
    t, cpu, ctx, file, line, pt, pcpu, pctx, pfile, pline, obj = row

    def find(t_ns, cpu, context, at):
        m = re.search(r"(\S+) \(id (\d+)\)", context or "")
        want = f"{m.group(1)}#{m.group(2)}" if m else None
        best = None
        for i, p in enumerate(pts[:upto + 1]):
            if where_file_line(p.where) != at or p.t > t_ns:
                continue
            if want is not None and p.ctx != want:
                continue
            if cpu is not None and p.cpu != str(cpu):
                continue
            best = i
        return best

    out = []
    a = find(pt, pcpu, pctx, f"{pfile}:{pline}")
    b = find(t, cpu, ctx, f"{file}:{line}")
    if a is not None:
        out.append(Mark(pts[a].n, "racing access (the earlier)"))
    if b is not None:
        out.append(Mark(pts[b].n, "racing access: not ordered after the "
                        "earlier one"))
    return out, (f"a data race on {obj or 'one object'} between "
                 f"{pfile}:{pline} and {file}:{line}")


def marks_from_lock_cycle(con, rid, pts, upto):
    """The lock-order checker's cycle: for each of its edges, where the
    held lock was taken and where the other was taken while holding it."""
    edges = con.execute(
        "SELECT from_class, to_class, held_lock, held_at, taken_lock, "
        "taken_at, lwp, t_ns FROM lock_order WHERE run_id = ? "
        "ORDER BY t_ns, from_class, to_class", (rid,)).fetchall()
    if not edges:
        return [], ""
    nodes = sorted({e[0] for e in edges} | {e[1] for e in edges})
    cycle = on_cycles(nodes, [(e[0], e[1]) for e in edges])
    out, said = [], []
    for a, b, held_lock, held_at, taken_lock, taken_at, lwp, t_ns in edges:
        if a not in cycle or b not in cycle:
            continue
        taken = None
        for i, p in enumerate(pts[:upto + 1]):
            if (ctx_name(p.ctx) == lwp and p.svc in ENTERS and
                    where_file_line(p.where) == taken_at and p.t >= t_ns):
                taken = i
                break
        if taken is None:
            continue
        held = None
        for i in range(taken - 1, -1, -1):
            p = pts[i]
            if (p.ctx == pts[taken].ctx and p.svc in ENTERS and
                    where_file_line(p.where) == held_at and
                    p.obj != pts[taken].obj):
                held = i
                break
        if held is not None:
            out.append(Mark(pts[held].n, f"takes {held_lock}, holds it"))
        out.append(Mark(pts[taken].n, f"takes {taken_lock} while "
                        f"holding it: edge {held_lock} -> {taken_lock}"))
        said.append(f"{lwp} took {taken_lock} at {taken_at} while holding "
                    f"{held_lock} (taken at {held_at})")
    if not said:
        return [], ""
    return out, "a lock-order cycle: " + "; ".join(said)


def marks_from_lost_update(con, rid, pts, upto):
    """A plain load and store of one object by one context with another
    context's store between them: the last such before the failure."""
    last_load = {}          # (ctx, obj) -> index of its latest load
    stores = {}             # obj -> indices of its stores
    found = None
    for i, p in enumerate(pts[:upto + 1]):
        if p.kind not in ("load", "store") or "kmem+" not in p.obj:
            continue        # a context's own stack is no one else's
        if p.kind == "load":
            last_load[(p.ctx, p.obj)] = i
            continue
        j = last_load.pop((p.ctx, p.obj), None)
        between = [k for k in stores.get(p.obj, ()) if j is not None and
                   k > j and pts[k].ctx != p.ctx]
        stores.setdefault(p.obj, []).append(i)
        if between:
            found = (j, between[-1], i)
    if found is None:
        return [], ""
    j, k, i = found
    a, b = pts[j], pts[k]
    out = [Mark(a.n, f"{a.ctx} loads {a.obj}")]
    bl = [x for x in range(j + 1, k) if pts[x].ctx == b.ctx and
          pts[x].obj == b.obj and pts[x].kind == "load"]
    if bl:
        out.append(Mark(pts[bl[-1]].n, f"{b.ctx} loads {b.obj} too"))
    out.append(Mark(b.n, f"{b.ctx} stores {b.obj}"))
    out.append(Mark(pts[i].n, f"{a.ctx} stores over it: {b.ctx}'s "
                    f"update is lost"))
    return out, (f"a lost update of {a.obj}: {a.ctx} loaded it at "
                 f"{where_file_line(a.where)}, {b.ctx} stored it at "
                 f"{where_file_line(b.where)}, and {a.ctx} stored over "
                 f"that at {where_file_line(pts[i].where)}")


def marks_from_lost_wakeup(con, rid, pts, upto):
    """A deadlock whose sleepers wait on condvars: for each, the last
    signal of its condvar by another context before it went to sleep --
    sent when nobody waited, so lost -- and the wait that never ends;
    unless the sleeper made a condvar call of its own in between (it then
    waits in a later round, for a signal that never came)."""
    row = con.execute("SELECT status FROM runs WHERE id = ?",
                      (rid,)).fetchone()
    if row is None or row[0] != "deadlock":
        return [], ""
    last = {}
    for i, p in enumerate(pts):
        last[p.ctx] = i
    out, said = [], []
    for ctx, w in sorted(last.items(), key=lambda kv: kv[1]):
        wait = pts[w]
        if wait.svc not in CV_WAITS or not wait.obj:
            continue
        sig = None
        for i in range(w - 1, -1, -1):
            p = pts[i]
            if p.svc in CV_WAKES and p.obj == wait.obj and p.ctx != ctx:
                sig = i
                break
        if sig is None:
            continue
        # The waiter went on to another round (a condvar call of its
        # own) after that signal: it was not the one it lost.
        if any(pts[k].ctx == ctx and (pts[k].svc in CV_WAKES or
                                      pts[k].svc in CV_WAITS)
               for k in range(sig + 1, w)):
            continue
        s = pts[sig]
        out.append(Mark(s.n, f"{s.ctx} signals {s.obj}: nobody waits on "
                        f"it yet, so the wake-up is lost"))
        out.append(Mark(wait.n, f"{wait.ctx} waits on {wait.obj} for "
                        f"good: no signal comes after"))
        said.append(f"{s.ctx} signalled {s.obj} at "
                    f"{where_file_line(s.where)} before {wait.ctx} waited "
                    f"on it at {where_file_line(wait.where)}")
    if not said:
        return [], ""
    return out, "a lost wake-up: " + "; ".join(said)


def marks_from_last_write(con, rid, pts, upto, fail):
    """When nothing else explains it: the failing context's last read of
    shared memory that another context wrote last -- the value it went
    wrong on and where that came from (a use after free reads the
    freeing side's poison, say)."""
    if fail.lwp is None:
        return [], ""
    for i in range(upto, -1, -1):
        p = pts[i]
        if (ctx_name(p.ctx) != fail.lwp or p.kind not in ("load", "rmw")
                or "kmem+" not in p.obj):
            continue
        for j in range(i - 1, -1, -1):
            q = pts[j]
            if q.obj != p.obj or q.kind not in ("store", "rmw"):
                continue
            if q.ctx == p.ctx:
                break       # its own write: look at an earlier read
            return ([Mark(q.n, f"{q.ctx} writes {q.obj}"),
                     Mark(p.n, f"{p.ctx} reads what {q.ctx} wrote, and "
                          f"fails")],
                    f"{p.ctx} read {p.obj} at {where_file_line(p.where)}, "
                    f"last written by {q.ctx} at "
                    f"{where_file_line(q.where)}")
    return [], ""


def mark_sources(con):
    """The sources of marks this database can feed, in order."""
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    out = []
    if "races" in tables:
        out.append(marks_from_races)
    if "lock_order" in tables:
        out.append(marks_from_lock_cycle)
    out.append(marks_from_lost_update)
    out.append(marks_from_lost_wakeup)
    return out


# --- synchronisation ---------------------------------------------------------

def sync_edges(pts, upto):
    """(from index, to index, label) for each synchronisation the trace
    shows up to the failure, in trace order."""
    out = []
    last_exit = {}              # obj -> index of the latest release
    cv_waiting = {}             # cv obj -> [(ctx, index)] in order
    woken = {}                  # ctx -> (index of the wake, label)
    created = {}                # host -> [index of kthread_create] FIFO
    creator = {}                # ctx -> index of its creation
    seen = set()
    last_of = {}                # ctx -> index of its latest point
    exited = {}                 # ctx -> index of its exit point
    for i, p in enumerate(pts[:upto + 1]):
        if p.ctx not in seen:
            seen.add(p.ctx)
            q = created.get(p.host)
            if q and not p.ctx.startswith("boot#"):
                c = q.pop(0)
                creator[p.ctx] = c
                out.append((c, i, "create"))
        if p.ctx in woken:
            w, label = woken.pop(p.ctx)
            out.append((w, i, label))
        prev = last_of.get(p.ctx)
        for child, e in list(exited.items()):
            # The join returns: the creator's first point after the exit,
            # when it was in kthread_join.
            c = creator.get(child)
            if (c is not None and pts[c].ctx == p.ctx and prev is not None
                    and pts[prev].svc == "kthread_join" and e > prev):
                out.append((e, i, "exit -> join"))
                del exited[child]
        if p.svc in ENTERS and p.obj in last_exit:
            e = last_exit.pop(p.obj)
            if pts[e].ctx != p.ctx:
                out.append((e, i, f"{pts[e].svc.replace('kern_', '')} -> "
                               f"{p.svc.replace('kern_', '')} {p.obj}"))
        elif p.svc in EXITS:
            last_exit[p.obj] = i
        elif p.svc in CV_WAITS and p.kind == "cv":
            cv_waiting.setdefault(p.obj, []).append(p.ctx)
        elif p.svc in CV_WAKES and p.kind == "cv":
            q = cv_waiting.get(p.obj, [])
            for ctx in (q[:] if CV_WAKES[p.svc] else q[:1]):
                woken[ctx] = (i, f"{p.svc} {p.obj} -> return from "
                                 f"cv_wait")
                q.remove(ctx)
        elif p.svc == "kthread_create" and p.kind == "thread":
            created.setdefault(p.host, []).append(i)
        elif p.kind == "thread" and p.svc == "-" and "lwp_entry" in p.where:
            exited[p.ctx] = i
        last_of[p.ctx] = i
    return out


# --- the slice ---------------------------------------------------------------

def choose(pts, upto, marks, last, syncs):
    """The lanes (contexts, in order of first appearance) and, for each,
    the indices of the points shown: its last points up to its last mark
    (or the failure), its marks, and where a synchronisation into a point
    shown comes from, when that is in a lane too."""
    by_n = {p.n: i for i, p in enumerate(pts)}
    marked = {by_n[m.n] for m in marks if m.n in by_n}
    objs = {pts[i].obj for i in marked if pts[i].obj != "-"}
    lanes = {pts[upto].ctx}
    lanes |= {pts[i].ctx for i in marked}
    lanes |= {p.ctx for p in pts[:upto + 1] if p.obj in objs}
    order = []
    for p in pts[:upto + 1]:
        if p.ctx in lanes and p.ctx not in order:
            order.append(p.ctx)
    shown = {}
    for ctx in order:
        mine = [i for i in range(upto + 1) if pts[i].ctx == ctx]
        anchor = max((i for i in mine if i in marked), default=mine[-1])
        if ctx == pts[upto].ctx:
            anchor = upto
        upto_anchor = [i for i in mine if i <= anchor]
        keep = set(upto_anchor[-last:]) | {i for i in mine if i in marked}
        shown[ctx] = keep
    shown_set = {i for v in shown.values() for i in v}
    for a, b, _ in syncs:
        if b in shown_set and pts[a].ctx in shown:
            shown[pts[a].ctx].add(a)
    return order, {c: sorted(v) for c, v in shown.items()}, marked


def node_label(p, note):
    svc = p.svc.replace("kern_", "") if p.svc not in ("-", "kern_mem_point",
                                                      "kern_sdt_fire") else ""
    what = f"{p.kind} {p.obj}" if p.obj != "-" else p.kind
    lines = [f"#{p.n}, {p.t} ns, cpu {p.cpu}",
             f"{what}" + (f" ({svc})" if svc else ""), p.where]
    if note:
        lines.append(note)
    return "\n".join(lines)


def dot_source(pts, fail, upto, marks, last, caption):
    """The Graphviz source of the slice; caption is a DOT string."""
    syncs = sync_edges(pts, upto)
    order, shown, marked = choose(pts, upto, marks, last, syncs)
    notes = {}
    for m in marks:
        notes.setdefault(m.n, []).append(m.text)
    shown_set = {i for v in shown.values() for i in v}
    out = ["digraph explain {",
           "  graph [fontname=Helvetica, fontsize=11, labelloc=t, "
           "labeljust=l, nodesep=0.3, ranksep=0.25, newrank=true];",
           f"  label={caption};",
           '  node [shape=box, style="rounded,filled", fillcolor=white, '
           "fontname=Helvetica, fontsize=9];",
           "  edge [fontname=Helvetica, fontsize=8];"]
    for li, ctx in enumerate(order):
        idx = shown[ctx]
        out.append(f"  subgraph cluster_{li} {{")
        out.append(f"    label={_quote(f'{ctx} (host {pts[idx[-1]].host})')};"
                   " style=rounded; color=gray60;")
        prev = None
        for i in idx:
            p = pts[i]
            attrs = [f"label={_quote(node_label(p, '; '.join(notes.get(p.n, []))))}"]
            if i in marked:
                attrs += ["color=red", "fillcolor=mistyrose", "penwidth=2",
                          "fontcolor=red3"]
            out.append(f"    p{p.n} [{', '.join(attrs)}];")
            if prev is not None:
                gap = sum(1 for k in range(prev + 1, i) if pts[k].ctx == ctx)
                attrs = ["color=gray50", "weight=10"]
                if gap:
                    attrs += [f"label={_quote(f'{gap} more points')}",
                              "style=dashed"]
                out.append(f"    p{pts[prev].n} -> p{p.n} "
                           f"[{', '.join(attrs)}];")
            prev = i
        if ctx == pts[upto].ctx:
            flabel = f"FAILURE ({fail.kind})\n{fail.message}" + (
                f"\nat {fail.where}" if fail.where else "")
            out.append(f"    failure [shape=octagon, color=red, "
                       f"fillcolor=red, fontcolor=white, penwidth=2, "
                       f"label={_quote(wrap(flabel, 70))}];")
            out.append(f"    p{pts[upto].n} -> failure [color=red, "
                       f"weight=10];")
        out.append("  }")
    n_sync = 0
    for a, b, label in syncs:
        if a in shown_set and b in shown_set:
            n_sync += 1
            out.append(f"  p{pts[a].n} -> p{pts[b].n} [color=blue, "
                       f"fontcolor=blue, penwidth=1.5, "
                       f"label={_quote(label)}];")
    # The marked points in the order the run took them: the interleaving.
    seq = sorted(i for i in marked if i in shown_set)
    for a, b in zip(seq, seq[1:]):
        if pts[a].ctx != pts[b].ctx:
            out.append(f"  p{pts[a].n} -> p{pts[b].n} [color=red, "
                       f"style=dotted, fontcolor=red, label=\"then\"];")
    out.append("}")
    return "\n".join(out) + "\n", order, n_sync


def wrap(text, width):
    """text with its long lines broken at spaces, for a label."""
    out = []
    for line in text.split("\n"):
        while len(line) > width and " " in line[:width]:
            cut = line.rfind(" ", 0, width)
            out.append(line[:cut])
            line = line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--run", type=int, required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--last", type=int, default=LAST_DEFAULT)
    ap.add_argument("--replay", default="")
    ap.add_argument("--scenario", default="")
    ap.add_argument("--policy", default="")
    ap.add_argument("--format", choices=("svg", "dot"), default="svg")
    a = ap.parse_args()
    if not 1 <= a.last <= LAST_MAX:
        sys.exit(f"explain: --last needs 1 to {LAST_MAX}, got {a.last}")
    try:
        con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
        scenario, seed = con.execute("SELECT scenario, seed FROM runs "
                                     "WHERE id = ?", (a.run,)).fetchone()
        fail = read_failure(con, a.run)
        if fail is None:
            print(f"explain: {scenario}, seed {seed}: the run did not fail:"
                  f" nothing to explain (no file written)")
            return 1
        pts = read_trace(a.trace)
        if not pts:
            raise Trouble("the trace has no scheduling points")
        upto = failure_point(pts, fail)
        marks, summary = [], []
        for source in mark_sources(con):
            m, s = source(con, a.run, pts, upto)
            marks += m
            if s:
                summary.append(s)
        if not marks:
            marks, s = marks_from_last_write(con, a.run, pts, upto, fail)
            if s:
                summary.append(s)
    except (Trouble, sqlite3.Error, OSError, TypeError) as e:
        print(f"explain: {e}", file=sys.stderr)
        return 2
    happened = "; ".join(summary) if summary else (
        "no racing accesses or lock cycle found in the trace: the "
        "failing context's last points")
    caption = "\n".join([
        f"netsim explain: {scenario}, seed {seed}, policy "
        f"{a.policy or '?'}",
        wrap(f"failure: {fail.kind}" + (f" at {fail.where}" if fail.where
                                         else "") + f": {fail.message}",
             140),
        wrap(f"what happened: {happened}", 140),
        f"replay: {a.replay}" if a.replay else "",
        "red: the marked accesses (dotted: the order the run took them);"
        " blue: synchronisation (happens before); gray: program order, "
        "down each lane"]).replace("\n\n", "\n")
    # Left-justified lines: \\l ends each.
    caption = _quote(caption)[:-1].replace("\\n", "\\l") + '\\l"'
    src, lanes, n_sync = dot_source(pts, fail, upto, marks, a.last, caption)
    if a.format == "dot":
        pic = src.encode()
    else:
        try:
            p = subprocess.run(["dot", "-Tsvg"], input=src.encode(),
                               capture_output=True, check=False)
        except OSError as e:
            print(f"explain: cannot run dot (Graphviz): {e}",
                  file=sys.stderr)
            return 2
        if p.returncode != 0:
            print(f"explain: dot -Tsvg failed: {p.stderr.decode()}",
                  file=sys.stderr)
            return 2
        pic = p.stdout
    with open(a.out, "wb") as f:
        f.write(pic)
    print(f"explain: {scenario}, seed {seed}: {fail.kind}: {happened}")
    by_n = {p.n: p for p in pts}
    for m in marks:
        p = by_n[m.n]
        print(f"  #{p.n} {p.t} ns {p.host} cpu {p.cpu} {p.ctx} {p.kind} "
              f"{p.obj} {p.where}")
    print(f"{len(lanes)} contexts, {len(marks)} marked points, {n_sync} "
          f"synchronisation edges -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
