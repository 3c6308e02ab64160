"""Where the machine's loop runs its events does not change the run.

The scheduler runs the events due before the next CPU in the context
that gives its CPU up, without going back to the loop's own context
(sim/sched/sched.c, sim_sched_leave), but only while the loop would have
done nothing else first.  limits.events is one of the loop's own tests
after every step: the run must stop after the same event, with the same
fingerprint, whichever context ran it.  The pinned fingerprints are the
loop's (main before events ran outside it); a version that let a context
run on past the limit gives others.
"""
import json

import pytest

from harness import ROOT, binary, run

# limits.events -> the fingerprint of router.json stopped there (20 ms).
PINNED = {
    3000: "0dbda7c6c6562d4c",
    3111: "9439d71ffd13b09d",
    3148: "5a70daa07ab61de6",
}


@pytest.mark.parametrize("events", sorted(PINNED))
def test_event_limit_stops_after_the_same_event(tmp_path, events):
    doc = json.loads((ROOT / "scenarios" / "net" / "router.json").read_text())
    doc["limits"] = {"events": events}
    path = tmp_path / "router-limit.json"
    path.write_text(json.dumps(doc))
    p = run([binary("netsim"), "run", path,
             "--no-progress", "--set", "duration=20ms"], check=5)
    assert f"limit of {events} events" in p.stderr
    assert f"fingerprint {PINNED[events]}" in p.stdout + p.stderr
