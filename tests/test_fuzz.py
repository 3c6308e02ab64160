"""The fuzz targets (tests/fuzz/fuzz_*.c) replayed in this build: the
corpus kept in the tree -- inputs libFuzzer found that reach new code,
and every input that once broke a target -- and the target's examples.
Under `make asan` AddressSanitizer and UBSan watch every one.  `make
fuzz` is the exploration that finds new ones (scripts/fuzz.py)."""

from harness import ROOT, binary, run

CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def _inputs(*dirs):
    return sum(1 for d in dirs for p in d.rglob("*")
               if p.is_file() and not any(part.startswith(".")
                                          for part in p.relative_to(d).parts))


def test_the_scenario_loader_keeps_its_contract_on_any_bytes_it_was_given():
    """Each input loads or fails with one line naming the file, frees
    everything, and a sweep's first points load again with their values
    (fuzz_scenario.c says what is checked); the corpus holds the inputs
    that once broke it."""
    dirs = [CORPUS / "scenario", ROOT / "scenarios",
            ROOT / "bench" / "scenarios", ROOT / "tests" / "scenarios"]
    p = run([binary("fuzz", "fuzz_scenario"), *dirs], check=0)
    n = _inputs(*dirs)
    assert p.stdout == f"{n} inputs\n"
    assert _inputs(CORPUS / "scenario") >= 1
    assert n > 100
