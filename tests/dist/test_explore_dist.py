"""An exploration split across processes and machines finds what one local
exploration finds: the chunks of `netsim explore --print-commands` run by
GNU parallel, and a Slurm job array of scripts/explore.sbatch on a cluster
of one node, each merged with `netsim merge`, give the same failing seeds
(with the same fingerprints) as `netsim explore` over the whole range.

Run by `make explore-dist`, not `make test`: the cluster is started here,
from Debian's slurm-wlm and munge (scripts/setup-deps dist installs them),
with a configuration of its own in a temporary directory -- munged on its
own socket and key, slurmctld and slurmd on free ports -- and stopped at
the end; it needs root.  The test skips only when the daemons cannot be
started, and says why.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest

import dbcheck
from harness import ROOT, binary, run

LOST = ROOT / "scenarios" / "races" / "lost-update.json"
SEEDS = "1..200"
DAEMON_WAIT_S = 30
JOB_WAIT_S = 300


def failing(db):
    return dbcheck.query(db, "SELECT seed, fingerprint, status FROM runs "
                         "WHERE status != 'ok' ORDER BY seed")


def seeds(db):
    return [s for (s,) in dbcheck.query(db, "SELECT seed FROM runs ORDER "
                                        "BY seed")]


@pytest.fixture(scope="module")
def netsim_bin():
    return binary("netsim")


@pytest.fixture(scope="module")
def local(tmp_path_factory, netsim_bin):
    """The reference: one local exploration of the whole range."""
    db = tmp_path_factory.mktemp("local") / "local.db"
    p = run([netsim_bin, "explore", LOST, "--seeds", SEEDS, "--keep-going",
             "--db", db], check=3)
    assert failing(db), p.stdout
    return db


def test_gnu_parallel_runs_the_printed_chunks(netsim_bin, local, tmp_path):
    if shutil.which("parallel") is None:
        pytest.skip("GNU parallel is not installed (scripts/setup-deps "
                    "dist installs it)")
    db = tmp_path / "par.db"
    cmds = run([netsim_bin, "explore", LOST, "--seeds", SEEDS,
                "--keep-going", "--jobs", "1", "--db", db,
                "--print-commands", "4"], check=0).stdout
    assert len(cmds.splitlines()) == 4
    p = subprocess.run(["parallel", "--will-cite", "--jobs", "4"],
                       input=cmds, capture_output=True, text=True,
                       timeout=JOB_WAIT_S)
    # Each chunk exits 3 when it found a failing seed; parallel counts them.
    assert p.returncode == sum(
        1 for k in range(4) if failing(tmp_path / f"par.{k}.db")), p.stderr
    run([netsim_bin, "merge", db,
         *[tmp_path / f"par.{k}.db" for k in range(4)]], check=0)
    dbcheck.check_db(db)
    assert seeds(db) == list(range(1, 201))
    assert failing(db) == failing(local)


# --- a one-node Slurm cluster ----------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=15):
    try:
        return "".join(open(path).readlines()[-n:])
    except OSError:
        return f"({path} not written)"


class Cluster:
    """munged, slurmctld and slurmd, started in directory d."""

    def __init__(self, d):
        self.d = d
        self.procs = []
        self.env = dict(os.environ, SLURM_CONF=str(d / "slurm.conf"))

    def write_config(self):
        d = self.d
        for sub in ("state", "spool", "log"):
            (d / sub).mkdir()
        key = d / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        node = socket.gethostname().split(".")[0]
        self.node = node
        (d / "slurm.conf").write_text(f"""\
ClusterName=netsimtest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={d}/munge.socket
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
NodeName={node} NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")

    def start(self, cmd):
        log = open(self.d / "log" / (os.path.basename(cmd[0]) + ".out"),
                   "w")
        self.procs.append(subprocess.Popen(cmd, stdout=log,
                                           stderr=subprocess.STDOUT,
                                           env=self.env))

    def up(self):
        """Start the daemons; None, or why the cluster cannot be had."""
        d = self.d
        self.write_config()
        self.start(["munged", "--foreground", "--force",
                    f"--socket={d}/munge.socket", f"--key-file={d}/munge.key",
                    f"--pid-file={d}/munged.pid",
                    f"--log-file={d}/log/munged.log",
                    f"--seed-file={d}/munged.seed"])
        self.start(["slurmctld", "-D", "-c", "-f", str(d / "slurm.conf")])
        self.start(["slurmd", "-D", "-f", str(d / "slurm.conf"), "-N",
                    self.node])
        deadline = time.monotonic() + DAEMON_WAIT_S
        while time.monotonic() < deadline:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                return (f"{dead[0].args[0]} exited {dead[0].returncode}:\n"
                        + tail(d / "log" / (dead[0].args[0] + ".out"))
                        + tail(d / "log" / "slurmctld.log")
                        + tail(d / "log" / "slurmd.log"))
            p = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env,
                               capture_output=True, text=True)
            if p.returncode == 0 and p.stdout.strip() == "idle":
                return None
            time.sleep(0.2)
        return (f"the node is not idle after {DAEMON_WAIT_S} s:\n"
                + tail(d / "log" / "slurmctld.log")
                + tail(d / "log" / "slurmd.log"))

    def down(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = [c for c in ("munged", "slurmctld", "slurmd", "sbatch",
                           "squeue", "sinfo") if shutil.which(c) is None]
    if missing:
        pytest.skip(f"no {', '.join(missing)}: Debian's slurm-wlm and munge "
                    "are not installed (scripts/setup-deps dist installs "
                    "them)")
    if os.geteuid() != 0:
        pytest.skip("starting munged, slurmctld and slurmd as their own "
                    "users needs root")
    # (munged's socket path must fit in sun_path: pytest's are short.)
    d = tmp_path_factory.mktemp("slurm")
    c = Cluster(d)
    try:
        why = c.up()
        if why is not None:
            c.down()
            pytest.skip(f"the Slurm cluster could not be started: {why}")
        yield c
    finally:
        c.down()


def test_a_slurm_job_array_finds_what_one_exploration_finds(
        cluster, netsim_bin, local, tmp_path):
    db = tmp_path / "slurm.db"
    p = subprocess.run(
        ["sbatch", "--parsable", "--array=0-3", f"--chdir={ROOT}",
         f"--output={tmp_path}/task-%a.out",
         str(ROOT / "scripts" / "explore.sbatch"), str(LOST), "--seeds",
         SEEDS, "--keep-going", "--db", str(db)],
        env=dict(cluster.env, NETSIM=str(netsim_bin)), capture_output=True,
        text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    job = p.stdout.strip().split(";")[0]
    deadline = time.monotonic() + JOB_WAIT_S
    while time.monotonic() < deadline:
        q = subprocess.run(["squeue", "-h", "-j", job], env=cluster.env,
                           capture_output=True, text=True)
        if q.returncode == 0 and q.stdout.strip() == "":
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"job {job} still queued after {JOB_WAIT_S} s:\n"
                    + tail(cluster.d / "log" / "slurmctld.log"))
    outs = [(tmp_path / f"task-{k}.out").read_text() for k in range(4)]
    for k, out in enumerate(outs):
        assert f"chunk {k} of 4" in out, out
        assert " seeds explored (" in out, out
    chunks = [tmp_path / f"slurm.{k}.db" for k in range(4)]
    m = run([netsim_bin, "merge", db, *chunks], check=0)
    assert "200 runs added" in m.stdout
    dbcheck.check_db(db)
    assert seeds(db) == list(range(1, 201))
    assert failing(db) == failing(local)
