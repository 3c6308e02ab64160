"""Where the machine's loop runs its events does not change the run.

The scheduler runs the events due before the next CPU in the context
that gives its CPU up, without going back to the loop's own context
(sim/sched/sched.c, sim_sched_leave), but only while the loop would have
done nothing else first.  limits.events is one of the loop's own tests
after every step: the run must stop after the same event, with the same
fingerprint, whichever context ran it.  The pinned fingerprints were the
loop's (main before events ran outside it), taken again when the
fingerprint became one chain per host (the lookahead), and again when a
frame's end stopped being an event unless a sender waits for it
(sim/wire/link.c; checked against a run with a tracer, whose every
point is a checkpoint); a version that let a context run on past
the limit gives others.
"""
import json

import pytest

from harness import ROOT, binary, run

# limits.events -> the fingerprint of router.json stopped there (20 ms).
PINNED = {
    3000: "9a892bc621ad1f77",
    3111: "1383d7e6747365a8",
    3148: "f918a39c4a4b563d",
}


def stopped_run(tmp_path, limit, n):
    """router.json for 20 ms with limits.<limit> = n: the run, stopped."""
    doc = json.loads((ROOT / "scenarios" / "net" / "router.json").read_text())
    doc["limits"] = {limit: n}
    path = tmp_path / f"router-{limit}.json"
    path.write_text(json.dumps(doc))
    return run([binary("netsim"), "run", path,
                "--no-progress", "--set", "duration=20ms"], check=5)


@pytest.mark.parametrize("events", sorted(PINNED))
def test_event_limit_stops_after_the_same_event(tmp_path, events):
    p = stopped_run(tmp_path, "events", events)
    assert f"limit of {events} events" in p.stderr
    assert f"fingerprint {PINNED[events]}" in p.stdout + p.stderr


# limits.points -> the fingerprint of router.json stopped there (20 ms),
# pinned at main before a point's fast path folded its tests into one
# compare (sim/sched/machine.h, sim_cpu_has_turn): on a plain run the
# fast path no longer stops at the points checkpoint, so a run with
# limits.points must keep every point on the whole path, and stop at the
# limit's point exactly (65536 is also the first checkpoint's).  Taken
# again, as above, when a frame's end stopped being an event.
PINNED_POINTS = {
    65536: "c6b5aa0fa66d30f2",
    150001: "a5b6bc60dd33b0c1",
    300007: "08d5d5674b4aad73",
}


@pytest.mark.parametrize("points", sorted(PINNED_POINTS))
def test_points_limit_stops_at_the_same_point(tmp_path, points):
    p = stopped_run(tmp_path, "points", points)
    assert f"limit of {points} scheduling points" in p.stderr
    assert f" {points} scheduling points" in p.stdout
    assert f"fingerprint {PINNED_POINTS[points]}" in p.stdout + p.stderr
