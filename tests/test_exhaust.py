"""Running out of a real resource is not an invariant violation.

A user's claims checked here:
  * when the netsim process runs out of LWP stacks -- against its address
    space limit (`ulimit -v`) or against vm.max_map_count (two mappings a
    stack) -- the run stops with exit status 2 and a message naming the
    resource, the limit and how many stacks were in use; no KASSERT, no
    replay line, no violation row, and the run's row agrees;
  * kernel memory that the real process cannot map stops the run the same
    way, while a host using up its own (simulated) kernel memory stays
    what it was: NULL for KM_NOSLEEP, a replayable panic for KM_SLEEP;
  * setting the machine up under any address-space limit either works or
    stops with exit 2 and says what ran out; it never crashes, and what
    was built is torn down (no stack, mapping or address space left);
  * a host's kernel memory arena takes address space as it is used, not
    16 GiB up front: scenarios run under a modest `ulimit -v`, and 10,000
    hosts' arenas fit in well under a GiB; blocks land at the very offsets
    (hence share cache lines exactly as) one flat region gave them.

The limits are applied to a subprocess only (RLIMIT_AS, small), so
nothing here depends on the machine's size or speed.  AddressSanitizer
reserves terabytes of address space up front, so `netsim run` under
`ulimit -v` is for release builds; the C cases limit the address space
relative to what the process already holds and run in every variant.
"""
import json
import os
import re
import resource
import sqlite3

import pytest

import dbcheck
from harness import VARIANT, ROOT, run

MIB = 1 << 20
KIB = 1 << 10

needs_plain_address_space = pytest.mark.skipif(
    VARIANT != "release",
    reason="sanitizers reserve terabytes of address space: no ulimit -v")


def limited(kib):
    """A preexec_fn: the child's address space limited to kib KiB."""
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (kib * KIB, kib * KIB))
    return apply


def netsim_cmd(netsim, *args, kib=None):
    """netsim ARGS..., its address space limited to kib KiB if given."""
    return run([netsim, *map(str, args)],
               preexec_fn=limited(kib) if kib else None)


def asan_env():
    """malloc returns NULL under the limit instead of ASan dying."""
    env = dict(os.environ)
    opts = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + \
        "allocator_may_return_null=1"
    return env


def exhaust(test_bin, *args, check=0):
    return run([test_bin("test_exhaust"), *map(str, args)], check=check,
               env=asan_env())


def assert_not_a_violation(p):
    assert "replay" not in p.stderr and "KASSERT" not in p.stderr, p.stderr
    assert "panic" not in p.stderr, p.stderr
    assert "the real process ran out, not the simulated machine" in p.stderr


def many_lwps(tmp_path, programs=2):
    """Counters with 1024 LWPs each: more stacks than 160 MiB holds."""
    sc = {"name": "many-lwps", "duration": "1s",
          "hosts": [{"name": "box", "cpus": 1}],
          "workload": [{"program": "counter", "lwps": 1024, "iterations": 1,
                        "method": "atomic"}] * programs}
    path = tmp_path / "many-lwps.json"
    path.write_text(json.dumps(sc))
    return path


@needs_plain_address_space
def test_lwp_stacks_running_out_stops_with_exit_2_naming_the_limit(
        netsim, tmp_path):
    """Before: the counter's KASSERT (exit 3, a replay line, a violation
    row) -- or, under any ulimit -v, a crash setting the machine up."""
    db = tmp_path / "r.db"
    p = netsim_cmd(netsim, "run", many_lwps(tmp_path), "--db", db, kib=160 * 1024)
    assert p.returncode == 2, p.stderr
    m = re.search(r"^netsim: out of LWP stacks: host box could not get a "
                  r"stack for LWP counter\S* \((\d+) KiB with its guard "
                  r"page\) with (\d+) stacks in use: .* more wanted, the "
                  r"limit RLIMIT_AS \(ulimit -v\) is 160\.0 MiB "
                  r"\(163840 KiB\)$", p.stderr, re.M)
    assert m, p.stderr
    assert 100 < int(m[2]) * int(m[1]) * KIB < 160 * MIB
    assert_not_a_violation(p)
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT status, exit_status, message FROM runs")
        (status, exit_status, message), = rows.fetchall()
        assert c.execute("SELECT count(*) FROM violations").fetchone() == (0,)
    assert (status, exit_status) == ("error", 2)
    assert message.startswith("out of LWP stacks: host box")


@needs_plain_address_space
def test_a_scenario_runs_under_a_modest_address_space_limit(netsim):
    """Before: every host reserved 16 GiB, so any ulimit -v below that
    failed ("out of memory setting up the machine") and then crashed in
    sim_intr_fini_host (exit 139).  Now default.json runs in 256 MiB, to
    the same fingerprint."""
    free = netsim_cmd(netsim, "run", "scenarios/default.json", "--quiet")
    tight = netsim_cmd(netsim, "run", "scenarios/default.json", "--quiet",
                       kib=256 * 1024)
    assert free.returncode == 0, free.stderr
    assert tight.returncode == 0, tight.stderr
    assert tight.stdout == free.stdout


def first_loading_limit(netsim):
    """The least limit (KiB, in 256 KiB steps) under which netsim loads
    at all: below it the dynamic loader fails before netsim's main runs
    (exit 127, or, when even the loader cannot map the binary, a crash of
    the loader itself: a signal, with nothing printed by netsim).  Once
    loaded, validate says 0 or, out of memory, 2."""
    for kib in range(1024, 64 * 1024, 256):
        p = netsim_cmd(netsim, "validate", "scenarios/default.json", kib=kib)
        if p.returncode in (0, 2):
            return kib
    pytest.fail("netsim never loaded under 64 MiB")


@needs_plain_address_space
def test_netsim_run_under_any_address_space_limit_never_crashes(
        netsim, tmp_path):
    """From the least limit that loads netsim, up to one the run fits
    in: every run ends 0 or 2, a 2 says what ran out, and no database row
    says violation.  Before: a crash (exit 139) at every limit."""
    low = first_loading_limit(netsim)
    # Setting the machine up fails over a window of a few hundred KiB
    # that a larger schema moves: fine steps over the first 4 MiB.
    limits = list(range(low, low + 4 * 1024, 32)) + \
        list(range(low + 4 * 1024, low + 64 * 1024, 512))
    seen = set()
    for kib in limits:
        db = tmp_path / f"{kib}.db"
        p = netsim_cmd(netsim, "run", "scenarios/net/router.json", "--db", db,
                       kib=kib)
        assert p.returncode in (0, 2), (kib, p.returncode, p.stderr[-2000:])
        if p.returncode == 0:
            break
        assert re.search(r"^(netsim: |scenarios/net/router.json: )",
                         p.stderr, re.M), (kib, p.stderr)
        assert "replay" not in p.stderr, (kib, p.stderr)
        seen.update(re.findall(r"^netsim: (out of [^:(]*)", p.stderr, re.M))
        if re.search(r"^netsim: results database .*: out of memory$",
                     p.stderr, re.M):
            seen.add("database")
        # The file may be there without tables: out of memory creating them.
        if db.exists() and dbcheck.check_db(db):
            with sqlite3.connect(db) as c:
                # Out of memory creating the tables leaves the file as it
                # was: no schema at all (a later run creates it).
                if c.execute("SELECT count(*) FROM sqlite_master WHERE "
                             "name = 'runs'").fetchone() == (0,):
                    assert c.execute("SELECT count(*) FROM sqlite_master"
                                     ).fetchone() == (0,), kib
                    continue
                assert c.execute("SELECT count(*) FROM runs WHERE status = "
                                 "'violation'").fetchone() == (0,)
    else:
        pytest.fail(f"router.json never ran under {limits[-1]} KiB")
    # The lowest limits fail at whichever comes first, the results
    # database's buffers (about 7 MiB of rows at schema 17) or the
    # machine's set-up (every stage of which the C sweep below fails in
    # turn); then the kernel memory and the LWP stacks.
    assert {"out of memory setting up the machine ", "database"} & seen, seen
    assert "out of LWP stacks" in seen, seen


# --- the C cases ---------------------------------------------------------------


@pytest.mark.parametrize("scenario", [
    "scenarios/default.json", "scenarios/net/router.json",
    "scenarios/nic-pio-prealloc.json", "scenarios/nic-dma-flood.json"])
def test_every_setup_failure_stops_cleanly_and_frees_what_was_built(
        test_bin, scenario):
    """Build and boot under a limit one page larger per attempt: each
    failure is exit 2 with an "out of ..." reason, and the teardown of the
    half-built machine leaves nothing behind.  Before: the first failure
    crashed in sim_intr_fini_host."""
    p = exhaust(test_bin, "setup_sweep", scenario)
    stages = re.findall(r"^stage (.*)$", p.stdout, re.M)
    assert "out of memory setting up the machine (the event queue)" in stages
    assert "out of LWP stacks" in stages
    # Which allocations in between get their turn to fail depends on how
    # much slack malloc's heap has left after the one before (the host's
    # kernel memory, its CPUs, its cache lines, ...): each that does is
    # an "out of memory" naming what, and there are some.
    between = [s for s in stages if s not in (
        "out of memory setting up the machine (the event queue)",
        "out of LWP stacks")]
    assert between, stages
    assert all(re.fullmatch(r"out of memory setting up the machine \(.+\)",
                            s) for s in between), stages
    m = re.search(r"^ok setup_sweep attempts=(\d+) failures=(\d+) "
                  r"stacks_left=(\d+) maps_grown=(-?\d+) vm_grown=(-?\d+)$",
                  p.stdout, re.M)
    assert m, p.stdout
    assert int(m[2]) == int(m[1]) - 1 > len(stages)
    assert int(m[3]) == 0
    if VARIANT == "release":    # ASan's quarantine holds freed memory
        assert int(m[4]) <= 0 and int(m[5]) < MIB, m[0]
    assert "the run stops (exit 2)" in p.stderr


def test_lwp_stacks_against_vm_max_map_count(test_bin):
    """The mappings filled to 300 short of vm.max_map_count, an LWP makes
    joinable threads until no stack can be mapped.  Before: kthread_create
    returned ENOMEM, which the counter app turned into a KASSERT."""
    p = exhaust(test_bin, "stacks_maps")
    if p.stdout.startswith("skip"):
        pytest.skip(p.stdout.strip())
    assert "status 2" in p.stdout.splitlines(), p.stdout
    m = re.search(r"^netsim: out of LWP stacks: host host could not get a "
                  r"stack for LWP worker\d+ \(\d+ KiB with its guard page\) "
                  r"with (\d+) stacks in use: (\d+) memory mappings in use, "
                  r"the limit vm.max_map_count is (\d+)$", p.stderr, re.M)
    assert m, p.stderr
    assert 50 < int(m[1]) < 300
    assert int(m[2]) + 4 >= int(m[3])
    assert_not_a_violation(p)


def test_kernel_memory_the_process_cannot_map_stops_with_exit_2(test_bin):
    """1 MiB blocks under RLIMIT_AS of 48 MiB more than the process holds:
    some are handed out, then the arena cannot grow."""
    p = exhaust(test_bin, "kmem_grow")
    assert "status 2" in p.stdout.splitlines(), p.stdout
    assert int(re.search(r"^blocks (\d+)$", p.stdout, re.M)[1]) >= 8
    assert re.search(r"^netsim: out of address space for kernel memory: "
                     r"host host holds \d+ KiB in \d+ chunks and could not "
                     r"map more for kmem_alloc\(1048576\): .* the limit "
                     r"RLIMIT_AS \(ulimit -v\) is ", p.stderr, re.M), p.stderr
    assert_not_a_violation(p)


def test_a_host_using_up_its_own_kernel_memory_is_still_the_kernel_s(
        test_bin):
    """More than a host's 16 GiB: KM_NOSLEEP gets NULL (the stack handles
    it), KM_SLEEP panics with a replay line, as before."""
    p = exhaust(test_bin, "kmem_limit")
    assert "nosleep null" in p.stdout.splitlines(), p.stdout
    assert "status 3" in p.stdout.splitlines(), p.stdout
    assert "is out of kernel memory" in p.stderr and "replay" in p.stderr


def test_arena_blocks_keep_the_offsets_of_one_flat_region(test_bin):
    """6,000 allocations and frees of 1 B to 64 KiB over many chunks: every
    block at the offset, line phase and contiguity one flat region gave,
    so which blocks share a 64-byte line is unchanged."""
    p = exhaust(test_bin, "arena_offsets")
    m = re.search(r"^ok arena_offsets allocs=(\d+) chunks=(\d+) used=(\d+) "
                  r"mapped=(\d+)$", p.stdout, re.M)
    assert m, p.stdout
    allocs, chunks, used, mapped = map(int, m.groups())
    assert allocs > 3000 and chunks >= 6
    assert used <= mapped < 2 * used + 64 * KIB


def test_zeroed_kernel_memory_leaves_new_pages_untouched(test_bin):
    """kmem_zalloc of memory the arena never handed out writes nothing (it
    is zero from mmap), so a host's rings and slabs cost resident memory
    only as they are used; a reused block is zeroed."""
    p = exhaust(test_bin, "arena_zalloc")
    m = re.search(r"^ok arena_zalloc resident_pages=(\d+)$", p.stdout, re.M)
    assert m, p.stdout
    assert int(m.group(1)) == 0


def test_sixty_thousand_stacks_fit_in_the_mappings(test_bin):
    """10,000 hosts take some 60,000 LWP stacks; with a guard page each
    they took two mappings apiece and vm.max_map_count (65,530 by
    default) stopped a run near 5,400 hosts.  Past the first 4,096, which
    keep their guards, stacks share mappings of 64."""
    p = exhaust(test_bin, "many_stacks", 60000)
    m = re.search(r"^ok many_stacks stacks=60000 maps_grown=(\d+) left=0$",
                  p.stdout, re.M)
    assert m, p.stdout + p.stderr
    assert int(m.group(1)) <= 2 * 4096 + 60000 // 64 + 64


def test_ten_thousand_hosts_arenas_fit_in_under_a_gib(test_bin):
    """Before: 16 GiB a host, so about 8,000 hosts filled the 128 TiB of a
    process's address space, and any ulimit -v failed at the first."""
    p = exhaust(test_bin, "arena_hosts", 10000)
    m = re.search(r"^ok arena_hosts hosts=10000 mapped_per_host=(\d+) "
                  r"vm_per_host=(\d+)$", p.stdout, re.M)
    assert m, p.stdout
    # The first chunk for small blocks; the big ones' (4 KiB blocks here)
    # take chunks as they come, doubling.
    assert int(m[1]) <= 96 * KIB
    assert int(m[2]) <= 112 * KIB
