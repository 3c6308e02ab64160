"""The catalogue of races (scenarios/races/, README "The catalogue"):
for each race `netsim explore` finds it, the replay line it prints
reproduces the run with the same fingerprint and the same failure, the
failure names the two sides by file:line where the checker can know
them, and the same scenario with the fix is flagged by no policy in 200
seeds.
"""
import json
import re
import shlex

import pytest

from harness import ROOT, run

RACES = ROOT / "scenarios" / "races"
POLICIES = ["time", "random", "pct", "pos"]
FILE_LINE = r"stack/apps/{}:\d+"

# name: (policy that finds it fast, exit status, the fix (key, value),
#        what the failure says, as a regex)
CATALOGUE = {
    "pcq-load-store": (
        "random", 3, ("producer", "cas"),
        r"pcq_stress: \d+ of 40 items lost: item \d+ of producer \d, put at "
        + FILE_LINE.format("pcq_stress.c") + r", never came out"),
    "missed-wakeup": (
        "pct", 4, ("wait", "loop"),
        r"lwp handoff.waiter \(id \d+\) waits at "
        + FILE_LINE.format("handoff.c") + r' on condvar "posted"\n'
        r".*lwp handoff.poster \(id \d+\) waits at "
        + FILE_LINE.format("handoff.c") + r' on condvar "acked"'),
    "intr-no-spl": (
        "pct", 3, ("spl", "splnet"),
        r"intr_shared: \d+ of \d+ updates lost \(count \d+, spl none\): "
        r"the softint's update at " + FILE_LINE.format("intr_shared.c")
        + r" ran between the LWP's load at "
        + FILE_LINE.format("intr_shared.c") + r" and its store at "
        + FILE_LINE.format("intr_shared.c")),
    "demux-close-uaf": (
        "random", 3, ("close", "unhook_first"),
        r"demux_close: use after free: the demux at "
        + FILE_LINE.format("demux_close.c") + r" delivers to endpoint \d, "
        r"which the closer freed at " + FILE_LINE.format("demux_close.c")
        + r" before unhooking it"),
}


def first_failure(stdout):
    """(seed, kind, replay words) of the first failure explore printed."""
    m = re.search(r"^seed (\d+): ([a-z ]+): .*\n  replay: (.*)$", stdout,
                  re.M)
    assert m, stdout
    return int(m[1]), m[2], shlex.split(m[3])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_explore_finds_it_and_the_replay_reproduces_it(netsim, name):
    policy, status, _, says = CATALOGUE[name]
    sc = RACES / f"{name}.json"
    p = run([netsim, "explore", sc, "--seeds", "1..40", "--policy", policy,
             "--jobs", "2", "--no-progress"], check=3)
    seed, kind, words = first_failure(p.stdout)
    assert kind == {3: "violation", 4: "deadlock"}[status]
    assert words[:5] == ["netsim", "replay", str(sc), "--seed", str(seed)]
    fp = words[words.index("--expect") + 1]
    r = run([netsim, *words[1:]], check=status)
    assert r.stdout.endswith(f"fingerprint {fp}\nfingerprint matches: {fp} "
                             "is the run expected\n")
    assert re.search(says, r.stderr, re.S), r.stderr
    # Once more: the same failure, word for word.
    again = run([netsim, *words[1:]], check=status)
    assert again.stderr == r.stderr


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_fixed_variant_is_flagged_by_no_policy(netsim, tmp_path, name):
    _, _, (key, value), _ = CATALOGUE[name]
    doc = json.loads((RACES / f"{name}.json").read_text())
    doc["workload"][0][key] = value
    sc = tmp_path / f"{name}-fixed.json"
    sc.write_text(json.dumps(doc))
    for policy in POLICIES:
        p = run([netsim, "explore", sc, "--seeds", "1..200", "--policy",
                 policy, "--jobs", "2", "--no-progress"], check=0)
        assert "200 seeds explored (1..200): 200 ok, 0 failed" in p.stdout
