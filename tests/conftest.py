"""Shared fixtures: where the binaries of the variant under test live.

NETSIM_VARIANT selects the build (release, asan, tsan); `make test` uses
release, `make asan` and `make tsan` set it.  NETSIM_BINDIR overrides the
directory outright (a build made with `make O=... B=...`).  Every C test program is run
through these helpers so a failing test prints the command that replays it;
ok_summary reads the "ok CASE key=value ..." line of a case that passed.
"""
import os
import re
import subprocess
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VARIANT = os.environ.get("NETSIM_VARIANT", "release")
BIN = pathlib.Path(os.environ.get("NETSIM_BINDIR", ROOT / "bin" / VARIANT))


def binary(*parts):
    path = BIN.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not built for variant {VARIANT}")
    return path


def run(cmd, timeout=300, check=None, **kw):
    """Run a command, returning CompletedProcess with text output.

    check: an expected exit status; on mismatch the assertion message shows
    the command line (to replay) and both streams.
    """
    cmd = [str(c) for c in cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       cwd=kw.pop("cwd", ROOT), **kw)
    if check is not None:
        assert p.returncode == check, (
            f"exit {p.returncode}, expected {check}\n"
            f"replay: {' '.join(cmd)}\n"
            f"--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}")
    return p


def ok_summary(p, name, ints=False):
    """The key=value words of the "ok NAME ..." line a C test case prints
    when it passes, as a dict of strings (ints: numbers as ints)."""
    m = re.search(rf"^ok {name}\b(.*)$", p.stdout, re.M)
    assert m, f"no 'ok {name}' line in:\n{p.stdout[-3000:]}"
    pairs = (kv.split("=", 1) for kv in m.group(1).split())
    return {k: int(v) if ints and v.isdigit() else v for k, v in pairs}


@pytest.fixture
def netsim():
    return binary("netsim")


@pytest.fixture
def test_bin():
    return lambda name: binary("tests", name)


@pytest.fixture
def native_bin():
    return lambda name: binary("native", name)


@pytest.fixture
def small_fs(tmp_path):
    """A 200 KiB tmpfs: a file system that fills up (needs root)."""
    d = tmp_path / "small"
    d.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs",
                        str(d)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a small tmpfs to fill (mount -t tmpfs "
                    f"needs root): {p.stderr.strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=True)
