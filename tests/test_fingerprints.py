"""The pinned fingerprints (tests/fingerprints.tsv) still hold.

Every shipped scenario at seeds 1-20 (the benchmarks' at seed 1) must end with the exit status and
fingerprint the table pins.  A change that moves one rewrites the table
with `make fingerprints` in the same commit and says why in its message;
so "fingerprints unchanged" in a commit message is a checked fact.
"""
import sys

import pytest

from harness import ROOT, binary

sys.path.insert(0, str(ROOT / "scripts"))
import fingerprints  # noqa: E402


def test_every_shipped_scenario_is_pinned():
    pinned = {s for s, _ in fingerprints.read_table()}
    missing = sorted(set(fingerprints.scenarios()) - pinned)
    assert not missing, ("scenarios without pinned fingerprints (run `make "
                         f"fingerprints`): {missing}")


@pytest.mark.skipif(sys.platform != "linux", reason="pinned on Linux x86-64")
def test_pinned_fingerprints_hold():
    got = fingerprints.measure(str(binary("netsim")), fingerprints.all_cases())
    diff = fingerprints.differences(fingerprints.read_table(), got)
    assert not diff, "\n".join(diff)
