"""The machine a run simulated, drawn by Graphviz from the scenario text
the run stored (runs.scenario_text).

Each host is a box holding its CPUs (one cell each), its branes (the
network stacks, with their routes), its NICs and virtual pairs and the
programs it runs (with the flow id their packets carry); links join
NICs and switch ports, labelled with their rate and delay.  Defaults
are the loader's (README, "Scenario files"): a NIC is a DMA card in
brane "default" whose interrupt goes to CPU index mod cpus.

Never guess what a scenario does not say beyond those defaults, and
never fail a report over a drawing: a scenario this cannot read, or a
missing `dot`, gives a sentence instead of a picture.
"""
import html
import re
import shutil
import subprocess

# More hosts than this are not drawn: dot takes seconds a thousand hosts
# (6 s for 1,125, growing faster than the hosts) for a picture nobody can
# read.
DRAW_HOSTS_MAX = 256
DOT_TIMEOUT_S = 60


def _q(s):
    """A dot ID in quotes.  A backslash stays (labels use \\n for a new
    line); the loader allows none in the names and values drawn."""
    return '"' + str(s).replace('"', '\\"') + '"'


def _h(s):
    return html.escape(str(s), quote=True)


def _nic_label(nic, cpus, index):
    kind = nic.get("type", "dma")
    rows = [f"<B>{_h(nic.get('name', '?'))}</B> {_h(kind)}"]
    if "addr" in nic:
        rows.append(_h(nic["addr"]))
    cpu = nic.get("intr_cpu", index % max(1, cpus))
    rows.append(f"interrupt to cpu{_h(cpu)}")
    return "<" + "<BR/>".join(rows) + ">"


def _brane_label(b):
    rows = [f"<B>brane {_h(b['name'])}</B>"]
    if b.get("forwarding"):
        rows.append("forwarding")
    for r in b.get("routes", [])[:6]:
        via = f" via {r['via']}" if "via" in r else ""
        dev = f" dev {r['dev']}" if "dev" in r else ""
        rows.append(_h(f"{r.get('dst', '?')}{via}{dev}"))
    if len(b.get("routes", [])) > 6:
        rows.append(_h(f"... {len(b['routes']) - 6} more routes"))
    return "<" + "<BR/>".join(rows) + ">"


def _program_label(flow, p):
    what = p.get("program", "?")
    extra = []
    for k in ("dst", "port", "rate", "count"):
        if k in p:
            extra.append(f"{k} {p[k]}")
    rows = [f"<B>flow {flow}</B>: {_h(what)}"]
    if extra:
        rows.append(_h(", ".join(extra)))
    return "<" + "<BR/>".join(rows) + ">"


def _cpus_label(name, n):
    shown = min(n, 16)
    cells = "".join(f"<TD>cpu{i}</TD>" for i in range(shown))
    if n > shown:
        cells += f"<TD>... {n - shown} more</TD>"
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="3"><TR>{cells}</TR></TABLE>>')


def dot_source(sc):
    """The scenario as a dot graph (text)."""
    out = ["graph topology {", "  rankdir=LR; compound=true;",
           '  graph [fontname="sans-serif", fontsize=10];',
           '  node [fontname="sans-serif", fontsize=9, shape=box, '
           'style="rounded,filled", fillcolor="#ffffff"];',
           '  edge [fontname="sans-serif", fontsize=8];']
    hosts = sc.get("hosts", [])
    only_host = hosts[0]["name"] if len(hosts) == 1 else None
    programs = {}           # host name: [(flow, program)]
    for fi, p in enumerate(sc.get("workload", []), 1):
        programs.setdefault(p.get("host", only_host), []).append((fi, p))
    for hi, h in enumerate(hosts):
        hn = h["name"]
        cpus = h.get("cpus", 1)
        out.append(f"  subgraph {_q('cluster_' + hn)} {{")
        model = h.get("rx_model", "poll")
        out.append(f"    label={_q(f'host {hn} ({cpus} CPU, {model})')};"
                   ' style="rounded"; color="#555555";')
        out.append(f"    {_q(hn + '/cpus')} [shape=plaintext, "
                   f"style=\"\", label={_cpus_label(hn, cpus)}];")
        branes = [{"name": "default"}]
        for b in h.get("branes", []):
            if b.get("name") == "default":
                branes[0] = b
            else:
                branes.append(b)
        for b in branes:
            out.append(f"    {_q(hn + '/brane/' + b['name'])} "
                       f"[shape=ellipse, fillcolor=\"#e8f0fe\", "
                       f"label={_brane_label(b)}];")
        for ni, nic in enumerate(h.get("nics", [])):
            nid = _q(hn + "/nic/" + nic["name"])
            out.append(f"    {nid} [fillcolor=\"#fff3e0\", "
                       f"label={_nic_label(nic, cpus, ni)}];")
            out.append(f"    {nid} -- "
                       f"{_q(hn + '/brane/' + nic.get('brane', 'default'))}"
                       " [style=dashed, color=\"#888888\"];")
        for vp in h.get("vpairs", []):
            ends = []
            for side in ("a", "b"):
                e = vp.get(side)
                e = {"name": e} if isinstance(e, str) else (e or {})
                eid = _q(hn + "/if/" + str(e.get("name", side)))
                label = e.get("name", side) + (
                    f"\\n{e['addr']}" if "addr" in e else "")
                out.append(f"    {eid} [fillcolor=\"#f1f8e9\", "
                           f"label={_q(label)}];")
                out.append(f"    {eid} -- "
                           f"{_q(hn + '/brane/' + e.get('brane', 'default'))}"
                           " [style=dashed, color=\"#888888\"];")
                ends.append(eid)
            out.append(f"    {ends[0]} -- {ends[1]} "
                       "[label=\"virtual pair\", color=\"#33691e\"];")
        for fi, p in programs.get(hn, []):
            pid = _q(f"{hn}/flow/{fi}")
            out.append(f"    {pid} [shape=note, fillcolor=\"#fafafa\", "
                       f"label={_program_label(fi, p)}];")
            out.append(f"    {pid} -- "
                       f"{_q(hn + '/brane/' + p.get('brane', 'default'))}"
                       " [color=\"#bbbbbb\"];")
        out.append("  }")
    for s in sc.get("switches", []):
        out.append(f"  {_q('switch/' + s['name'])} [shape=box3d, "
                   f"fillcolor=\"#eeeeee\", label="
                   f"{_q('switch ' + s['name'] + chr(92) + 'n' + str(s.get('ports', '?')) + ' ports')}];")
    switches = {s["name"] for s in sc.get("switches", [])}
    for link in sc.get("links", []):
        ends = []
        for side in ("a", "b"):
            tap = (link.get("bridge") or {}).get("tap") \
                if side == "b" and isinstance(link.get("bridge"), dict) \
                else None
            if tap is not None:
                # A bridged end (a real-time run): Linux's TAP device.
                tid = _q("linux/tap/" + str(tap))
                out.append(f"  {tid} [shape=box, style=\"rounded,dashed\", "
                           f"label={_q('Linux TAP ' + str(tap))}];")
                ends.append((tid, None))
                continue
            end = str(link.get(side, "?"))
            node, _, port = end.partition(".")
            if node in switches:
                ends.append((_q("switch/" + node), port))
            else:
                ends.append((_q(node + "/nic/" + port), None))
        rate = link.get("rate", "1Gbit")
        delay = link.get("delay", 0)
        label = f"{link.get('name', '')}\\n{rate}, delay {delay}"
        if link.get("loss"):
            label += f", loss {link['loss']}"
        attrs = [f"label={_q(label)}", 'color="#1565c0"', "penwidth=1.6"]
        for (node, port), key in zip(ends, ("taillabel", "headlabel")):
            if port is not None:
                attrs.append(f"{key}={_q('port ' + port)}")
        out.append(f"  {ends[0][0]} -- {ends[1][0]} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def svg(sc, prefix="topo"):
    """The drawing as an <svg> element, or (None, why)."""
    if not isinstance(sc, dict) or not sc.get("hosts"):
        return None, "the run's scenario text is not there or has no hosts"
    if len(sc["hosts"]) > DRAW_HOSTS_MAX:
        return None, (f"{len(sc['hosts']):,} hosts, "
                      f"{len(sc.get('switches', [])):,} switches and "
                      f"{len(sc.get('links', [])):,} links are more than a "
                      f"drawing can show ({DRAW_HOSTS_MAX} hosts at most); "
                      "the scenario is in runs.scenario_text")
    dot = shutil.which("dot")
    if dot is None:
        return None, "Graphviz's dot is not installed (scripts/setup-deps)"
    try:
        src = dot_source(sc)
    except (KeyError, TypeError, AttributeError) as e:
        return None, f"the scenario could not be drawn ({e!r})"
    try:
        p = subprocess.run([dot, "-Tsvg"], input=src, capture_output=True,
                           text=True, timeout=DOT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"dot took more than {DOT_TIMEOUT_S} s"
    if p.returncode != 0:
        return None, f"dot failed: {p.stderr.strip()[:300]}"
    text = p.stdout[p.stdout.index("<svg"):]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"',
                  text)
    return text.strip(), None
