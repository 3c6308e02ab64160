"""netsim builds and reports alike with gcc and clang, and builds
warning-free at other optimisation levels; the suite itself runs
anywhere.

A user's claims checked here:
  * a report names the file:line of the KASSERT, KASSERTMSG or panic that
    stopped the run -- the line of the macro's name -- whichever compiler
    built netsim (within a call spanning lines, gcc's __LINE__ is the
    first line and clang's the last);
  * the whole program builds warning-free (-Werror) with gcc at
    -O3 -march=native; clang's build is made and tested by `make test`
    itself (bin/clang; its fingerprints are checked against the table);
  * the tests import their helpers from harness.py, a plain module, and
    run Python programs with the interpreter that runs the suite.
"""
import ast
import os
import re
import shutil

import pytest

from harness import ROOT, run

COMPILERS = ["gcc", "clang"]

# A program with KASSERT, KASSERTMSG and panic calls over several lines;
# kern_assert_fail and kern_panic print the file:line they are given.
LINES_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/kern.h>

void
kern_assert_fail(const char *expr, const char *file, int line)
{
	printf("%s:%d %s\n", file, line, expr);
	exit(0);
}

void
kern_panic(const char *file, int line, const char *fmt, ...)
{
	printf("%s:%d %s\n", file, line, fmt);
	exit(0);
}

static int
lines_check(int what)
{
	if (what == 1)
		KASSERT(what ==
		    2);                                 /* @kassert */
	else if (what == 2)
		KASSERTMSG(what == 3,
		    "what is %d",
		    what);                              /* @kassertmsg */
	else if (what == 3)
		panic("what is %d",
		    what);                              /* @panic */
	return what;
}

int
main(int argc, char **argv)
{
	(void)argc;
	return lines_check(atoi(argv[1]));
}
"""


def macro_line(source, tag):
    """The 1-based line of the macro name of the call marked @tag."""
    lines = source.splitlines()
    end = next(i for i, l in enumerate(lines) if f"/* @{tag} */" in l)
    start = next(i for i in range(end, -1, -1)
                 if re.search(r"\b(KASSERT|KASSERTMSG|panic)\(", lines[i]))
    return start + 1


def compiler(name):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (scripts/setup-deps)")
    return name


@pytest.mark.parametrize("cc", COMPILERS)
def test_kassert_kassertmsg_and_panic_name_the_line_of_their_name(
        tmp_path, cc):
    src = tmp_path / "lines.c"
    src.write_text(LINES_PROGRAM)
    exe = tmp_path / "lines"
    run([compiler(cc), "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
         "-Wshadow", "-I", ROOT / "stack", "-D_GNU_SOURCE", "-o", exe, src],
        check=0)
    for what, tag in [(1, "kassert"), (2, "kassertmsg"), (3, "panic")]:
        p = run([exe, what], check=0)
        want = f"{src}:{macro_line(LINES_PROGRAM, tag)} "
        assert p.stdout.startswith(want), (
            f"{cc}: {tag} reported {p.stdout!r}, want the line of its name")


def test_a_violation_report_names_one_line_whichever_compiler_built_netsim(
        tmp_path):
    # stack/apps/selftest.c's deliberate panic call spans two lines.
    built = [ROOT / "bin" / v / "netsim" for v in ("release", "clang")]
    missing = [str(b) for b in built if not b.exists()]
    if missing:
        pytest.skip(f"not built: {missing} (make test builds both)")
    source = (ROOT / "stack" / "apps" / "selftest.c").read_text()
    want = 1 + next(i for i, l in enumerate(source.splitlines())
                    if re.match(r'\s*panic\("selftest: a deliberate', l))
    sc = tmp_path / "selftest.json"
    sc.write_text('{"name": "st", "hosts": [{"name": "h", "cpus": 2}], '
                  '"workload": [{"program": "selftest", "fault": "panic"}]}')
    for netsim in built:
        p = run([netsim, "run", sc, "--seed", "5"], check=3)
        assert f"at stack/apps/selftest.c:{want}\n" in p.stderr, (
            f"{netsim}: {p.stderr}")


def test_gcc_O3_march_native_builds_without_a_warning(tmp_path):
    # Every object of bin/netsim, into a directory of its own; -Werror is
    # in the build's flags, so a warning fails the build.  No debug
    # information (-g0): it changes no warning and costs time.  Nor the
    # profile (PGO=0): what is tested is the objects' C at -O3, and the
    # counting compilation of every object would double the time.  The
    # jobserver of a `make test` that runs this
    # suite is not ours to use.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = run(["make", "--no-print-directory", "-j2", "CC=gcc", "PGO=0",
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


@pytest.mark.skipif(os.environ.get("NETSIM_VARIANT", "release") != "release",
                    reason="checks the release build that make test made")
def test_a_second_make_rebuilds_nothing():
    """After `make`, a plain `make` compiles and links nothing: the objects
    are kept (they are intermediate files of pattern rules, which make
    would otherwise delete after the first build)."""
    p = run(["make", "-n", "VARIANT=release", "all"], check=0)
    work = [line for line in p.stdout.splitlines()
            if re.search(r"\s-c\s|\s-o\s|\bar rcs\b", line)]
    assert not work, "make would rebuild:\n" + "\n".join(work[:20])
