"""The house rules of DESIGN.md section 2 hold, and the checker can fail."""
import shutil
import subprocess
import sys

from harness import ROOT, run

LINT = ROOT / "scripts" / "lint.py"


def test_stack_keeps_the_house_rules(netsim):
    # netsim fixture: the build exists, so nm has objects to read.
    p = run([sys.executable, LINT], check=None)
    assert p.returncode == 0, p.stdout + p.stderr


def test_lint_catches_a_sim_include_a_libc_call_and_a_global(tmp_path):
    stack = tmp_path / "stack"
    shutil.copytree(ROOT / "stack" / "sys", stack / "sys")
    (stack / "kern").mkdir()
    bad = stack / "kern" / "bad.c"
    bad.write_text('#include "../../sim/sched/machine.h"\n#include <stdio.h>\n'
                   "int counter_total;\n"
                   "void f(void) { printf(\"x\"); counter_total++; }\n")
    objdir = tmp_path / "build" / "stack" / "kern"
    objdir.mkdir(parents=True)
    (tmp_path / "g.c").write_text("int counter_total;\nstatic int hidden;\n"
                                  "int *p(void) { return &hidden; }\n")
    subprocess.run(["gcc", "-c", "-O0", "-fno-pie", tmp_path / "g.c", "-o",
                    objdir / "g.o"], check=True)
    p = run([sys.executable, LINT, "--root", tmp_path, "--objdir",
             tmp_path / "build"], check=1)
    out = p.stdout
    assert "stack/kern/bad.c:1: includes ../../sim/sched/machine.h" in out
    assert "stack/kern/bad.c:2: <stdio.h> is not allowed" in out
    assert "stack/kern/bad.c:4: calls printf()" in out
    assert "writable global counter_total" in out
    assert "writable global hidden" in out
