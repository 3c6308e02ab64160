"""The fuzz targets (tests/fuzz/fuzz_*.c) replayed in this build: the
corpus kept in the tree -- inputs libFuzzer found that reach new code,
and every input that once broke a target -- and the target's examples
(scripts/fuzz.py's EXAMPLES, which `make fuzz` starts from too).  Under
`make asan` AddressSanitizer and UBSan watch every one.  `make fuzz` is
the exploration that finds new ones.

fuzz_scenario: each input loads or fails with one line naming the file,
frees everything, and a sweep's first points load again with their
values (fuzz_scenario.c says what is checked)."""
import sys

import pytest

from harness import ROOT, binary, run

sys.path.insert(0, str(ROOT / "scripts"))
import fuzz  # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"
TARGETS = sorted(p.stem[len("fuzz_"):]
                 for p in (ROOT / "tests" / "fuzz").glob("fuzz_*.c"))


def _inputs(*dirs):
    """The files the driver runs: every file under dirs, but those under
    a name that starts with a dot."""
    return sum(1 for d in dirs for p in d.rglob("*")
               if p.is_file() and not any(part.startswith(".")
                                          for part in p.relative_to(d).parts))


@pytest.mark.parametrize("name", TARGETS)
def test_a_fuzz_target_keeps_its_contract_on_its_corpus_and_examples(name):
    dirs = [CORPUS / name] + [ROOT / d for d in fuzz.EXAMPLES.get(name, [])]
    assert _inputs(CORPUS / name) >= 1, f"no kept corpus for {name}"
    p = run([binary("fuzz", f"fuzz_{name}"), *dirs], check=0)
    assert p.stdout == f"{_inputs(*dirs)} inputs\n"


def test_the_scenario_loader_is_a_fuzz_target_with_every_shipped_example():
    assert "scenario" in TARGETS
    assert _inputs(*(ROOT / d for d in fuzz.EXAMPLES["scenario"])) > 100
