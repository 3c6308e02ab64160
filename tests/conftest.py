"""Fixtures: the binaries of the variant under test.  The helpers behind
them live in harness.py, which test files import; nothing imports this
file (pytest loads it as a plugin)."""
import pytest

from harness import binary


@pytest.fixture
def netsim():
    return binary("netsim")


@pytest.fixture
def test_bin():
    return lambda name: binary("tests", name)


@pytest.fixture
def native_bin():
    return lambda name: binary("native", name)
