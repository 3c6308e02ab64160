"""Fixtures: the binaries of the variant under test.  The helpers behind
them live in harness.py, which test files import; nothing imports this
file (pytest loads it as a plugin)."""
import subprocess

import pytest

from harness import binary

# tests/dist starts daemons (a Slurm cluster): `make explore-dist` runs
# it, `make test` does not.
collect_ignore = ["dist"]


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
    """A 512 KiB tmpfs: a file system that fills up (needs root).  Not
    less: a new results database's schema alone is some 40 pages, and
    its first transaction writes them through the WAL (with its 32 KiB
    index) before the file: at 200 KiB, schema 16's table filled it
    before a run could begin."""
    d = tmp_path / "small"
    d.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs",
                        str(d)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a small tmpfs to fill (mount -t tmpfs "
                    f"needs root): {p.stderr.strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=True)
