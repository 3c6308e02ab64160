"""The suite itself runs anywhere.

A user's claims checked here:
  * the tests import their helpers from harness.py, a plain module, and
    run Python programs with the interpreter that runs the suite.
"""
import ast
import re

from harness import ROOT


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
