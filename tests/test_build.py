"""netsim builds warning-free at other optimisation levels, and the suite
itself runs anywhere.

A user's claims checked here:
  * the whole program builds warning-free (-Werror) with gcc at
    -O3 -march=native;
  * the tests import their helpers from harness.py, a plain module, and
    run Python programs with the interpreter that runs the suite.
"""
import ast
import os
import re

from harness import ROOT, run


def test_gcc_O3_march_native_builds_without_a_warning(tmp_path):
    # Every object of bin/netsim, into a directory of its own; -Werror is
    # in the build's flags, so a warning fails the build.  No debug
    # information (-g0): it changes no warning and costs time.  The
    # jobserver of a `make test` that runs this suite is not ours to use.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = run(["make", "--no-print-directory", "-j2", "CC=gcc",
             "EXTRA_CFLAGS=-O3 -march=native -g0", f"O={tmp_path}/o",
             f"B={tmp_path}/b", f"{tmp_path}/o/lib.a"], env=env, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]
    assert "warning" not in p.stderr, p.stderr[-5000:]


def test_tests_import_harness_not_conftest_and_run_python_as_sys_executable():
    tests = ROOT / "tests"
    fixed_python = "/usr/bin/" + "python3"
    bad = []
    for path in sorted(tests.glob("*.py")):
        text = path.read_text()
        if re.search(r"^\s*(from conftest import|import conftest)", text,
                     re.M):
            bad.append(f"{path.name} imports conftest (use harness)")
        if fixed_python in text:
            bad.append(f"{path.name} names {fixed_python} (use "
                       "sys.executable)")
    conftest = ast.parse((tests / "conftest.py").read_text())
    for node in conftest.body:
        if isinstance(node, ast.FunctionDef) and not any(
                "fixture" in ast.unparse(d) for d in node.decorator_list):
            bad.append(f"conftest.py defines helper {node.name}() (move it "
                       "to harness.py)")
    assert not bad, "\n".join(bad)
