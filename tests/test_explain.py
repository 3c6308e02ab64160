"""netsim explain: a failing seed drawn as the happens-before slice that
led to it (Graphviz SVG) -- the lanes of the contexts involved, the
racing accesses or the lock cycle marked with their file:lines, the
failure and how to replay it said in words -- the same picture every
time; and a run's lock-order graph by the same command.
"""
import json
import re
import xml.etree.ElementTree as ET

import pytest

from harness import COUNTER_LOAD_LINE as LOAD_LINE
from harness import COUNTER_STORE_LINE as STORE_LINE
from harness import ROOT, run

LOST = ROOT / "scenarios" / "races" / "lost-update.json"
ABBA = ROOT / "scenarios" / "races" / "abba-deadlock.json"
SEED18_FP = "1907e2f4514fe7e4"     # lost-update at seed 18 (a lost update)
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path):
    """The SVG's text, one string a <text> element, parsed as XML."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def group_texts(path, marked):
    """The text of each node, as one string a node (marked: only those
    drawn in red)."""
    root = ET.parse(path).getroot()
    out = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shape = next(iter(g.findall(f"{SVG}path") + g.findall(
            f"{SVG}polygon")), None)
        red = (shape is not None and shape.get("stroke") == "red" and
               shape.get("fill") != "red")     # not the failure itself
        if red or not marked:
            out.append(" ".join(t.text or "" for t in g.iter(f"{SVG}text")))
    return out


@pytest.fixture
def dotted(netsim):
    if run(["dot", "-V"]).returncode != 0:
        pytest.skip("Graphviz (dot) is not installed")
    return netsim


def test_lost_update_slice_marks_the_interleaved_loads_and_stores(
        dotted, tmp_path):
    """Both workers' lanes, the four lines of the lost update in red with
    their file:lines, the failure's message, seed, policy and replay
    command.  Before: no explain command (exit 2, unknown command)."""
    out = tmp_path / "lost.svg"
    p = run([dotted, "explain", LOST, "--seed", 18, "-o", out], check=0)
    assert p.stdout.startswith(f"fingerprint {SEED18_FP}\n")
    assert re.search(r"^  #196 42356 ns box cpu 1 counter\.1#3 load "
                     rf"kmem\+0x25c0 stack/apps/counter\.c:{LOAD_LINE} "
                     r"\(counter_worker\)$", p.stdout, re.M), p.stdout
    assert p.stdout.endswith(f"3 contexts, 4 marked points, 3 "
                             f"synchronisation edges -> {out}\n")
    text = "\n".join(svg_texts(out))
    for lane in ("counter.0#2 (host box)", "counter.1#3 (host box)"):
        assert lane in text
    assert "counter: 1 of 40 updates lost" in text
    assert "seed 18, policy time" in text
    assert (f"replay: netsim replay {LOST} --seed 18 --expect {SEED18_FP}"
            in text)
    marked = group_texts(out, marked=True)
    load, store = f"counter.c:{LOAD_LINE}", f"counter.c:{STORE_LINE}"
    want = [("#196", "load", load), ("#197", "load", load),
            ("#198", "store", store), ("#200", "store", store)]
    assert len(marked) == 4, marked
    for (n, kind, line), node in zip(want, sorted(marked)):
        assert node.startswith(n + ",") and f"{kind} kmem+0x25c0" in node
        assert f"stack/apps/{line} (counter_worker)" in node


def test_explain_is_deterministic(dotted, tmp_path):
    """Two explains of one seed: byte-identical SVGs."""
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    run([dotted, "explain", LOST, "--seed", 18, "-o", a, "--last", 3],
        check=0)
    run([dotted, "explain", LOST, "--seed", 18, "-o", b, "--last", 3],
        check=0)
    assert a.read_bytes() == b.read_bytes()


def test_lock_cycle_at_a_seed_that_does_not_deadlock(dotted, tmp_path):
    """abba, reversed, holding its first lock 1.9 us: seed 1 finishes (the
    lock-order checker reports the reversal, exit 3 for run).  explain
    marks the cycle's two edges, each acquisition with its file:line, in
    the two players' lanes, with the mutex hand-overs between them."""
    doc = json.loads(ABBA.read_text())
    doc["hosts"][0]["cost"]["probes"]["abba:holding_one"] = "1900ns"
    sc = tmp_path / "abba.json"
    sc.write_text(json.dumps(doc))
    r = run([dotted, "run", sc, "--seed", 1], check=3)
    assert "no deadlock" in r.stdout and "deadlock:" not in r.stderr
    out = tmp_path / "abba.svg"
    p = run([dotted, "explain", sc, "--seed", 1, "-o", out], check=0)
    assert "lock order: a lock-order cycle" in p.stdout
    text = "\n".join(svg_texts(out))
    assert "abba.0#2 (host box)" in text and "abba.1#3 (host box)" in text
    assert "mutex_exit -> mutex_enter kmem+0x" in text
    marked = " | ".join(group_texts(out, marked=True))
    for a, b in (("68", "69"), ("69", "68")):
        assert (f"edge mutex stack/apps/abba.c:{a} -> mutex "
                f"stack/apps/abba.c:{b}" in marked), marked
    assert marked.count("stack/apps/abba.c:51 (abba_player)") == 2
    assert marked.count("stack/apps/abba.c:53 (abba_player)") == 2


def test_lock_order_graph_is_one_command(dotted, tmp_path):
    out = tmp_path / "order.svg"
    p = run([dotted, "explain", LOST.parent / "abba-deadlock.json", "--seed",
             1, "--lock-order", "-o", out], check=0)
    assert p.stdout.endswith(f"2 lock classes, 2 edges -> {out}\n")
    text = "\n".join(svg_texts(out))
    assert "stack/apps/abba.c:51" in text and "stack/apps/abba.c:53" in text


def test_a_seed_that_did_not_fail_has_nothing_to_explain(dotted, tmp_path):
    out = tmp_path / "none.svg"
    p = run([dotted, "explain", LOST, "--seed", 1, "-o", out], check=1)
    assert "did not fail: nothing to explain" in p.stdout
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    ([], "explain needs a scenario file"),
    ([LOST], "explain needs --seed N"),
    ([LOST, "--seed", "x"], "--seed needs a number"),
    ([LOST, "--seed", 18, "--last", 0], "--last needs"),
    ([LOST, "--seed", 18, "--last", "201"], "--last needs"),
    ([LOST, "--seed", 18, "--lock-order", "--last", 3], "--last is for"),
    ([LOST, "--seed", 18, "--policy", "nope"], "nope"),
    ([LOST, "--seed", 18, "--frobnicate"], "unknown option"),
    ([LOST, LOST, "--seed", 18], "one scenario"),
    ([LOST, "--seed"], "--seed needs a value"),
])
def test_bad_usage(netsim, args, message, tmp_path):
    p = run([netsim, "explain", *args], check=2, cwd=tmp_path)
    assert message in p.stderr
    assert list(tmp_path.iterdir()) == []


# Each catalogue race, the seed pct first finds it at in 1..40, and what
# the explanation must say happened (regex on its "explain:" line).
CATALOGUE = [
    ("pcq-load-store", r"a lost update of kmem\+0x[0-9a-f]+: .* at "
     r"stack/kern/subr_pcq\.c:\d+"),
    ("missed-wakeup", r"a lost wake-up: handoff\.poster\S* signalled "
     r"kmem\+0x[0-9a-f]+ at stack/apps/handoff\.c:\d+ before "
     r"handoff\.waiter\S* waited on it at stack/apps/handoff\.c:\d+"),
    ("intr-no-spl", r"a lost update of kmem\+0x[0-9a-f]+: .* at "
     r"stack/apps/intr_shared\.c:\d+"),
    ("demux-close-uaf", r"demux_close\.demux\S* read kmem\+0x[0-9a-f]+ at "
     r"stack/apps/demux_close\.c:\d+, last written by demux_close\.closer"
     r"\S* at stack/apps/demux_close\.c:\d+"),
]


@pytest.mark.parametrize("race, said", CATALOGUE)
def test_every_catalogue_race_is_explained(dotted, tmp_path, race, said):
    """The failing seed explore finds is drawn with both sides marked, by
    file:line.  Before: the missed wake-up and the use after free had no
    marks ("no racing accesses or lock cycle found")."""
    scenario = ROOT / "scenarios" / "races" / f"{race}.json"
    p = run([dotted, "explore", scenario, "--seeds", "1..40", "--policy",
             "pct"], check=3)
    seed = re.search(r"^seed (\d+):", p.stdout, re.M).group(1)
    out = tmp_path / f"{race}.svg"
    p = run([dotted, "explain", scenario, "--seed", seed, "--policy", "pct",
             "-o", out], check=0)
    line = re.search(r"^explain: .*$", p.stdout, re.M).group(0)
    assert re.search(said, line), line
    marked = group_texts(out, marked=True)
    assert len(marked) >= 2, marked
    assert all(re.search(r"stack/\S+\.c:\d+", t) for t in marked), marked
