"""Interleaving policies (issue 11, item 1): time, random, pct and pos.

A policy is chosen by the scenario (interleaving.policy) or by --policy.
Each is a pure function of the seed; the ones but time reorder the CPUs
within a skew bound once every host has booted, and keep virtual time
consistent: a CPU held back while another acted later has its clock
moved up, and that time is counted (cpu.skew_ns), so every CPU's busy,
idle and held-back time add up to the run's length.  README, "How the
policies reorder", says exactly what each may and may not reorder.
"""
import json
import re
import sqlite3

import pytest

from harness import ROOT, run

POLICIES = ("random", "pct", "pos")
LOST = ROOT / "scenarios" / "races" / "lost-update.json"
DEFAULT = ROOT / "scenarios" / "default.json"
TWO_HOSTS = ROOT / "scenarios" / "net" / "two-hosts.json"


def outcome(netsim, path, *args, check=None):
    """(exit status, fingerprint, stderr) of one quiet run."""
    cmd = [netsim, "run", path, "--quiet", *args]
    p = run(cmd, timeout=120)
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    assert last.startswith("fingerprint "), (
        f"exit {p.returncode}, no fingerprint line last on stdout: "
        f"{' '.join(map(str, cmd))}\n{p.stdout[-1000:]}\n{p.stderr[-2000:]}")
    if check is not None:
        assert p.returncode == check, (
            f"exit {p.returncode}, expected {check}: "
            f"{' '.join(map(str, cmd))}\n{p.stderr[-2000:]}")
    return p.returncode, last.split()[1], p.stderr


def scenario_with(tmp_path, base, name, **interleaving):
    doc = json.loads(base.read_text())
    doc.setdefault("interleaving", {}).update(interleaving)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def pinned(scenario):
    """{seed: (exit, fingerprint)} of a scenario in tests/fingerprints.tsv."""
    out = {}
    for line in (ROOT / "tests" / "fingerprints.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, seed, status, fp = line.split("\t")
        if name == scenario:
            out[int(seed)] = (int(status), fp)
    return out


def test_policy_time_is_exactly_the_pinned_runs(netsim):
    want = pinned("scenarios/races/lost-update.json")
    assert want, "lost-update is not in tests/fingerprints.tsv"
    for seed in (1, 2, 3, 18):
        rc, fp, _ = outcome(netsim, LOST, "--seed", seed, "--policy", "time")
        assert (rc, fp) == want[seed], f"seed {seed}"


def test_each_policy_is_a_pure_function_of_the_seed(netsim):
    for policy in POLICIES:
        for path in (LOST, DEFAULT):
            for seed in (1, 2):
                a = outcome(netsim, path, "--seed", seed, "--policy", policy)
                b = outcome(netsim, path, "--seed", seed, "--policy", policy)
                assert a[:2] == b[:2], (
                    f"{path.name} seed {seed} --policy {policy}: {a[:2]} "
                    f"then {b[:2]}")


def test_policies_explore_different_interleavings(netsim):
    for path in (LOST, DEFAULT):
        at_seed = {p: outcome(netsim, path, "--seed", 1, "--policy", p)[1]
                   for p in ("time",) + POLICIES}
        assert len(set(at_seed.values())) == 4, (path.name, at_seed)
    # And each policy's schedule moves with the seed.
    for policy in POLICIES:
        fps = {outcome(netsim, LOST, "--seed", s, "--policy", policy)[1]
               for s in range(1, 7)}
        assert len(fps) == 6, (policy, fps)


def test_the_scenario_names_a_policy_and_the_option_overrides_it(
        netsim, tmp_path):
    pos = scenario_with(tmp_path, LOST, "pos", policy="pos")
    assert outcome(netsim, pos, "--seed", 4)[:2] == \
        outcome(netsim, LOST, "--seed", 4, "--policy", "pos")[:2]
    assert outcome(netsim, pos, "--seed", 4, "--policy", "time")[:2] == \
        outcome(netsim, LOST, "--seed", 4)[:2]
    deep = scenario_with(tmp_path, LOST, "deep", policy="pct", depth=2)
    assert outcome(netsim, deep, "--seed", 4)[:2] == \
        outcome(netsim, LOST, "--seed", 4, "--policy", "pct",
                "--depth", 2)[:2]


def counters(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT host, cpu, name, value FROM counter_last")
    out = {(h, c, n): v for h, c, n, v in rows}
    end = con.execute("SELECT end_ns FROM runs").fetchone()[0]
    con.close()
    return out, end


@pytest.mark.parametrize("skew_ns", [1000, 200])
def test_no_cpu_acts_more_than_the_skew_bound_ahead(netsim, tmp_path,
                                                    skew_ns):
    reached = 0
    for base in (LOST, DEFAULT):
        path = scenario_with(tmp_path, base, f"{base.stem}-{skew_ns}",
                             skew=skew_ns)
        for policy in POLICIES:
            db = tmp_path / f"{base.stem}-{skew_ns}-{policy}.db"
            rc, _, err = outcome(netsim, path, "--seed", 2, "--policy",
                                 policy, "--db", db)
            c, _ = counters(db)
            lead = c[(None, None, "machine.lead_max_ns")]
            said = re.search(r"the most a CPU acted ahead of the earliest "
                             r"runnable one: (\d+) ns \(skew bound (\d+) ns\)",
                             err)
            assert said, err
            assert (int(said.group(1)), int(said.group(2))) == \
                (lead, skew_ns)
            assert 0 <= lead <= skew_ns, (base.name, policy, lead)
            reached = max(reached, lead)
    # The bound is what limits them: some CPU does act that far ahead.
    assert reached > skew_ns // 2


def test_every_cpu_is_busy_idle_or_held_back_for_the_whole_run(
        netsim, tmp_path):
    for base in (LOST, DEFAULT, TWO_HOSTS):
        for policy in POLICIES:
            db = tmp_path / f"{base.stem}-{policy}.db"
            outcome(netsim, base, "--seed", 3, "--policy", policy,
                    "--db", db)
            c, end = counters(db)
            cpus = {(h, cpu) for h, cpu, n in c if n == "cpu.idle_ns"}
            assert cpus
            held = 0
            for h, cpu in cpus:
                busy = c.get((h, cpu, "cpu.busy_ns"), 0)
                idle = c[(h, cpu, "cpu.idle_ns")]
                skew = c[(h, cpu, "cpu.skew_ns")]
                assert busy + idle + skew == end, (
                    base.name, policy, h, cpu, busy, idle, skew, end)
                held += skew
            assert held > 0, (base.name, policy, "nothing was held back")
    # Under time nothing is held back, and no such counter is written.
    db = tmp_path / "time.db"
    outcome(netsim, LOST, "--seed", 3, "--db", db)
    c, end = counters(db)
    assert not [k for k in c if k[2] in ("cpu.skew_ns",
                                        "machine.lead_max_ns")]


def test_the_summary_adds_up_per_cpu(netsim):
    p = run([netsim, "run", DEFAULT, "--policy", "pos"], check=0)
    end = float(re.search(r"^end: ([\d.]+) ms virtual", p.stdout,
                          re.M).group(1))
    lines = re.findall(r"^  box/cpu\d: busy ([\d.]+) ms, idle ([\d.]+) ms, "
                       r"held back ([\d.]+) ms", p.stdout, re.M)
    assert len(lines) == 4, p.stdout
    for busy, idle, held in lines:
        assert abs(float(busy) + float(idle) + float(held) - end) < 2e-6


def pct_line(err):
    m = re.search(r"pct: n = (\d+) contexts took part, k = (\d+) scheduling "
                  r"points \(([^)]*)\), d = (\d+): a bug of depth d or less "
                  r"shows with probability at least 1/\(n\*k\^\(d-1\)\) = "
                  r"1/(\S+) = (\S+) per run", err)
    assert m, f"no pct line on stderr:\n{err}"
    n, k, src, d = int(m[1]), int(m[2]), m[3], int(m[4])
    return n, k, src, d, float(m[5]), float(m[6])


def test_pct_prints_n_k_d_and_its_bound_on_stderr(netsim, tmp_path):
    rc, fp, err = outcome(netsim, LOST, "--seed", 5, "--policy", "pct")
    n, k, src, d, inv, bound = pct_line(err)
    assert src == "a first pass of this seed under time"
    assert d == 3 and n >= 2 and k > 100
    assert inv == pytest.approx(n * k ** (d - 1), rel=1e-3)
    assert bound == pytest.approx(1 / (n * k ** (d - 1)), rel=1e-2)
    _, _, err2 = outcome(netsim, LOST, "--seed", 5, "--policy", "pct",
                         "--depth", 2)
    n2, k2, _, d2, inv2, _ = pct_line(err2)
    assert (k2, d2) == (k, 2)
    assert inv2 == pytest.approx(n2 * k2, rel=1e-3)
    given = scenario_with(tmp_path, LOST, "steps", steps=500)
    _, _, err3 = outcome(netsim, given, "--seed", 5, "--policy", "pct")
    assert pct_line(err3)[1:3] == (500, "interleaving.steps")
    doc = json.loads(LOST.read_text())
    doc["limits"] = {"points": 100000}
    capped = tmp_path / "capped.json"
    capped.write_text(json.dumps(doc))
    _, _, err4 = outcome(netsim, capped, "--seed", 5, "--policy", "pct")
    assert pct_line(err4)[1:3] == (100000, "limits.points")
    # The other policies say what they did, and pct's line is theirs too.
    for policy in ("random", "pos"):
        _, _, e = outcome(netsim, LOST, "--seed", 5, "--policy", policy)
        assert re.search(rf"^netsim: policy {policy}: \d+ decisions", e, re.M)
        assert "pct:" not in e


def test_a_failing_run_under_a_policy_prints_the_line_that_replays_it(
        netsim):
    rel = LOST.relative_to(ROOT)        # run from ROOT, as a user would
    for policy, extra in (("pct", " --depth 3"), ("pos", ""),
                          ("random", "")):
        for seed in range(1, 30):
            rc, fp, err = outcome(netsim, rel, "--seed", seed, "--policy",
                                  policy)
            if rc == 3:
                break
        else:
            pytest.fail(f"--policy {policy} lost no update in seeds 1-29")
        want = (f"replay: netsim run {rel} --seed {seed} "
                f"--policy {policy}{extra}")
        assert want in err, err
        words = want.split()[3:]
        again = outcome(netsim, *words)
        assert again[:2] == (rc, fp), (policy, seed)


def test_bad_policy_options_are_usage_errors(netsim, tmp_path):
    for args, said in (
            (["--policy", "fast"], '--policy needs one of time, random, pct, '
             'pos; got "fast"'),
            (["--policy"], "--policy needs one of time, random, pct, pos"),
            (["--depth", "0"], '--depth needs a number from 1 to 16, got "0"'),
            (["--depth", "17"], '--depth needs a number from 1 to 16, got '
             '"17"'),
            (["--depth", "2x"], '--depth needs a number from 1 to 16, got '
             '"2x"')):
        p = run([netsim, "run", LOST, *args], check=2)
        assert said in p.stderr, p.stderr
        assert p.stdout == ""
    bad = scenario_with(tmp_path, LOST, "bad", policy="fast")
    p = run([netsim, "validate", bad], check=2)
    assert 'at $.interleaving.policy' in p.stderr, p.stderr
    assert 'expected one of "time", "random", "pct", "pos", got "fast"' in \
        p.stderr, p.stderr


def test_recording_does_not_steer_a_policy(netsim, tmp_path):
    for base in (DEFAULT, TWO_HOSTS):
        doc = json.loads(base.read_text())
        for policy in POLICIES:
            seen = set()
            for interval in (0, "37us"):
                doc.setdefault("record", {})["interval"] = interval
                path = tmp_path / f"{base.stem}-{policy}-{interval}.json"
                path.write_text(json.dumps(doc))
                seen.add(outcome(netsim, path, "--seed", 2, "--policy",
                                 policy, "--db",
                                 tmp_path / f"{path.stem}.db")[:2])
            assert len(seen) == 1, (base.name, policy, seen)


def test_the_replay_line_names_a_policy_the_command_line_chose(
        netsim, tmp_path):
    # The file says pos; the command line says time: replaying by the file
    # alone would run pos, so the line must say time.
    pos = scenario_with(tmp_path, LOST, "pos", policy="pos")
    rc, fp, err = outcome(netsim, pos, "--seed", 18, "--policy", "time",
                          check=3)
    assert f"replay: netsim run {pos} --seed 18 --policy time\n" in err, err
    assert outcome(netsim, pos, "--seed", 18, "--policy", "time")[:2] == \
        (rc, fp)
    assert outcome(netsim, pos, "--seed", 18)[:2] != (rc, fp)
    # Without --policy, time's replay line stays as it was.
    _, _, err = outcome(netsim, LOST.relative_to(ROOT), "--seed", 18,
                        check=3)
    assert ("replay: netsim run scenarios/races/lost-update.json --seed 18\n"
            in err), err
