"""The README's examples are true: every command it shows runs, and says
what the README says it says.

The README's examples are blocks indented by four spaces.  A block whose
first line starts with "$ " is a transcript: each "$ " line is a command
(run by bash in one scratch folder for the whole README, with bin/,
scenarios/ and the rest of the tree linked in, so results/ starts empty),
and the lines after it, up to the next "$ " line, are what it prints,
stdout and stderr together, line by line.  In the expected lines, "..."
alone stands for any number of lines and "..." within a line for any
text (a line of "..." may be indented like its neighbours); every
other line must match exactly, in order, and the last
expected line must be the last line printed unless a "..." line ends the
block.  Blocks of plain commands (sqlite3, bin/netsim, python3 ...) are
run too and must exit 0.  A command of the exploration build
(bin/explore/, `make explore`) is skipped when that build is not there.
"""
import os
import re
import shutil
import subprocess

import pytest

from harness import ROOT, binary

README = ROOT / "README.md"
RUNNABLE = ("sqlite3 ", "bin/netsim ", "python3 ")
# The tree a command may name, linked into the scratch folder.
LINKED = ("bin", "scenarios", "schema", "stack", "sim", "tests", "reports",
          "scripts", "bench")


def blocks(text):
    """(first line number, [lines]) of each 4-space-indented block."""
    out, cur, start = [], [], 0
    prev_blank = True
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("    ") and (cur or prev_blank):
            if not cur:
                start = n
            cur.append(line[4:])
        elif cur and line.strip() == "":
            cur.append("")
        else:
            if cur:
                out.append((start, cur))
            cur = []
        prev_blank = line.strip() == ""
    if cur:
        out.append((start, cur))
    return [(s, _rstrip_blank(b)) for s, b in out]


def _rstrip_blank(lines):
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


def steps(text):
    """Every runnable step of the README in order: (line, command,
    expected lines or None for "must exit 0")."""
    out = []
    for start, lines in blocks(text):
        if lines[0].startswith("$ "):
            cmd, expect, at = None, [], start
            for i, line in enumerate(lines):
                if line.startswith("$ "):
                    if cmd is not None:
                        out.append((at, cmd, _rstrip_blank(expect)))
                    cmd, expect, at = line[2:], [], start + i
                else:
                    expect.append(line)
            out.append((at, cmd, _rstrip_blank(expect)))
        elif lines[0].startswith(RUNNABLE):
            # A command may go on over indented lines.
            cmd, at = None, start
            for i, line in enumerate(lines):
                if line.startswith(RUNNABLE):
                    if cmd is not None:
                        out.append((at, cmd, None))
                    cmd, at = line, start + i
                elif line.startswith("    "):
                    cmd += "\n" + line
            out.append((at, cmd, None))
    return out


def _line_re(expected):
    parts = [re.escape(p) for p in expected.split("...")]
    return re.compile("^" + ".*".join(parts) + "$")


def matches(expect, got):
    """None if the lines got match the lines expected, else a sentence."""
    def walk(i, j):
        if i == len(expect):
            return j == len(got)
        if expect[i].strip() == "...":
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and bool(_line_re(expect[i]).match(got[j])) \
            and walk(i + 1, j + 1)
    if walk(0, 0):
        return None
    return "expected:\n  " + "\n  ".join(expect) + "\ngot:\n  " + \
        "\n  ".join(got)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    binary("netsim")
    d = tmp_path_factory.mktemp("readme")
    for name in LINKED:
        os.symlink(ROOT / name, d / name)
    return d


def run_step(cwd, cmd):
    # Line-buffered stdio so stdout and stderr interleave as on a terminal.
    env = dict(os.environ, NETSIM_VARIANT="release")
    return subprocess.run(["stdbuf", "-oL", "-eL", "bash", "-c", cmd],
                          cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)


def test_readme_has_examples_to_check():
    found = steps(README.read_text())
    assert len([s for s in found if s[2] is not None]) >= 4, found


def test_readme_examples_say_what_they_show(scratch):
    if shutil.which("stdbuf") is None:
        pytest.skip("stdbuf (coreutils) is not installed")
    failures = []
    explore = (ROOT / "bin" / "explore" / "netsim").exists()
    for line, cmd, expect in steps(README.read_text()):
        if "bin/explore/" in cmd and not explore:
            continue
        p = run_step(scratch, cmd)
        got = p.stdout.splitlines()
        if expect is None:
            if p.returncode != 0:
                failures.append(f"README.md:{line}: `{cmd}` exited "
                                f"{p.returncode}:\n{p.stdout[-2000:]}")
            continue
        why = matches(expect, got)
        if why is not None:
            failures.append(f"README.md:{line}: `{cmd}`\n{why}")
    assert not failures, "\n\n".join(failures)


def test_matching_rules():
    assert matches(["a", "...", "z"], ["a", "b", "c", "z"]) is None
    assert matches(["a ... c"], ["a b c"]) is None
    assert matches(["a"], ["a", "b"]) is not None
    assert matches(["a", "..."], ["a", "b"]) is None
    assert matches(["b"], ["a"]) is not None
