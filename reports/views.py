"""What a report reads: every query, each over a view or table of the
results database that `sqlite3` reads the same way (README, "Reading a
report").

The one idea: SQL aggregates, Python only formats.  A view over the
per-packet records (packet_stages) costs a pass over all of its rows,
and SQLite 3.40 does not push a `run_id = ?` filter down through a
window or an aggregate, so each function here asks for all the runs of
a report in one query and sorts the answer out by run: a report of
twenty runs makes as many passes as a report of one.

Never loop over packet rows here: what comes back is a row a flow, a
bin, a segment, a sample or a counter.  Tables other features add
(faults, campaigns, run_params) are read only when present; `has()`
says whether they are.
"""
import json
import sqlite3

# Counters that count a drop, by the last part of their name: the IP and
# ICMP drop reasons (stack/netinet/ip_var.h), the sockets' (fullpcq,
# fullsock, ...), the cards' and interfaces' (drops_*, rx_drop_*,
# fifo_overflow, ...) and the links' (drops_loss, ...).
DROP_WORDS = ("drop", "nobuf", "overflow", "full", "bad", "tooshort",
              "toobig", "noport", "noroute", "noproto", "nosock",
              "notforus", "hostdown", "timxceed", "fragment", "lost",
              "loss", "hdrops", "fail")


class Db:
    """A read-only connection and what the file holds."""

    def __init__(self, path):
        self.path = path
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.con.row_factory = sqlite3.Row
        # The views sort and window a big run's counters (590,000 rows
        # at 3,000 hosts) in index order: with SQLite's 2 MiB page cache
        # every query reads its pages again from the file (4 s a query
        # then, 0.5 s with room).  Up to 256 MiB, taken only as used.
        self.con.execute("PRAGMA cache_size = -262144")
        self.con.execute("PRAGMA temp_store = MEMORY")
        self.objects = {r[0]: r[1] for r in self.con.execute(
            "SELECT name, type FROM sqlite_master "
            "WHERE type IN ('table', 'view')")}

    def has(self, name, *columns):
        """Whether a table or view name exists with these columns."""
        if name not in self.objects:
            return False
        have = {r[1] for r in self.con.execute(
            f"PRAGMA table_info({name})")}
        return all(c in have for c in columns)

    def rows(self, sql, args=()):
        return [dict(r) for r in self.con.execute(sql, args)]


def _in(ids):
    """SQL text for `run_id IN (...)` over integer ids."""
    assert ids and all(isinstance(i, int) for i in ids)
    return "(" + ", ".join(str(i) for i in ids) + ")"


def _counters(db, ids):
    """The counters table to read the samples of runs ids from, not by
    their index when they are every run the file has: the rows are then
    the whole table, read in order, where the index would look each up
    (at 11,250 hosts, two million samples: 0.3 s against 2.5)."""
    have = {r[0] for r in db.con.execute("SELECT id FROM runs")}
    return "counters NOT INDEXED" if have <= set(ids) else "counters"


def _by_run(rows):
    out = {}
    for r in rows:
        out.setdefault(r["run_id"], []).append(r)
    return out


# --- runs ---------------------------------------------------------------


def run_rows(db, ids):
    """{id: runs row}; an id not there is missing from the dict."""
    return {r["id"]: r for r in db.rows(
        f"SELECT * FROM runs WHERE id IN {_in(ids)}")}


def newest_run(db):
    r = db.rows("SELECT max(id) AS id FROM runs")
    return r[0]["id"] if r else None


def scenario(run):
    """The run's scenario as parsed JSON, or None."""
    try:
        return json.loads(run.get("scenario_text") or "")
    except ValueError:
        return None


# --- campaigns (tables a sweep writes; see README "Reading a report") ---


def campaign_of(db):
    """Where a run's campaign is recorded: ('runs' | 'run_params', column)
    or None when this file has no campaigns."""
    if not db.has("campaigns", "id"):
        return None
    if db.has("runs", "campaign_id"):
        return "runs"
    if db.has("run_params", "run_id", "campaign_id"):
        return "run_params"
    return None


def campaigns(db):
    if campaign_of(db) is None:
        return []
    return db.rows("SELECT * FROM campaigns ORDER BY id")


def campaign_runs(db, campaign_id):
    where = campaign_of(db)
    if where == "runs":
        sql = "SELECT id FROM runs WHERE campaign_id = ? ORDER BY id"
    elif where == "run_params":
        sql = ("SELECT DISTINCT run_id AS id FROM run_params "
               "WHERE campaign_id = ? ORDER BY run_id")
    else:
        return []
    return [r["id"] for r in db.rows(sql, (campaign_id,))]


def run_params(db, ids):
    """{run_id: {param: value}} from run_params (name, value)."""
    if not db.has("run_params", "run_id", "name", "value"):
        return {}
    out = {}
    for r in db.rows(f"SELECT run_id, name, value FROM run_params WHERE "
                     f"run_id IN {_in(ids)} ORDER BY run_id, name"):
        out.setdefault(r["run_id"], {})[r["name"]] = r["value"]
    return out


# --- short connections and kernel memory (the SYN-flood study) ----------


def tcp_conns(db, ids):
    """{run: tcp_conns row}: tcp_client's conns mode, per run (offered,
    ok, failed, missed, their rates, connect percentiles)."""
    if not db.has("tcp_conns", "run_id", "ok_per_s"):
        return {}
    return {r["run_id"]: r for r in db.rows(
        f"SELECT * FROM tcp_conns WHERE run_id IN {_in(ids)}")}


def server_kmem(db, ids):
    """{run: kmem_usage row} of the host that runs a tcp_server (the
    first by name if several): its kernel memory in use."""
    if not db.has("kmem_usage", "run_id", "peak_bytes"):
        return {}
    rows = db.rows(
        "SELECT k.* FROM kmem_usage k WHERE k.run_id IN "
        f"{_in(ids)} AND k.host IN (SELECT host FROM counter_last c "
        "WHERE c.run_id = k.run_id AND c.name GLOB 'tcp_server*.accepted') "
        "ORDER BY k.run_id, k.host")
    out = {}
    for r in rows:
        out.setdefault(r["run_id"], r)
    return out


# --- flows and latency ----------------------------------------------------


def flows(db, ids):
    """{run: [flow rows]}: flows joined with flow_latency (latency
    percentiles of delivered packets, nearest rank)."""
    if not db.has("flow_latency"):
        return {}
    return _by_run(db.rows(
        "SELECT l.*, f.host, f.program, f.description FROM flow_latency l "
        "LEFT JOIN flows f ON f.run_id = l.run_id AND f.flow_id = l.flow_id "
        f"WHERE l.run_id IN {_in(ids)} ORDER BY l.run_id, l.flow_id"))


def losses(db, ids):
    """{run: [(flow_id, last_stage, last_host, packets)]}."""
    if not db.has("flow_losses"):
        return {}
    return _by_run(db.rows(
        f"SELECT * FROM flow_losses WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, flow_id, packets DESC, last_stage, last_host"))


def cdf(db, ids, points=400):
    """{run: [(flow_id, latency_ns, fraction)]}: about `points` points a
    flow (every k-th rank, and the first and last)."""
    if not db.has("flow_latency_cdf"):
        return {}
    return _by_run(db.rows(
        "SELECT run_id, flow_id, latency_ns, fraction FROM flow_latency_cdf "
        f"WHERE run_id IN {_in(ids)} AND (rank = 1 OR rank = delivered OR "
        "rank % max(1, delivered / ?) = 0) ORDER BY run_id, flow_id, rank",
        (points,)))


def histogram(db, ids):
    if not db.has("flow_latency_histogram"):
        return {}
    return _by_run(db.rows(
        "SELECT * FROM flow_latency_histogram "
        f"WHERE run_id IN {_in(ids)} ORDER BY run_id, flow_id, bin"))


def breakdown(db, ids):
    """{run: [flow_breakdown rows]}: mean ns a segment, per flow."""
    if not db.has("flow_breakdown"):
        return {}
    return _by_run(db.rows(
        f"SELECT * FROM flow_breakdown WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, flow_id, segment_order, segment"))


# --- the machine over time ------------------------------------------------


def cpu_totals(db, ids):
    """{run: {(host, cpu): {name: last value}}} of the cpu.* counters."""
    out = {}
    for r in db.rows(
            "SELECT run_id, host, cpu, name, value FROM counter_last "
            f"WHERE run_id IN {_in(ids)} AND name GLOB 'cpu.*' "
            "AND cpu IS NOT NULL ORDER BY run_id, host, cpu"):
        out.setdefault(r["run_id"], {}).setdefault(
            (r["host"], r["cpu"]), {})[r["name"]] = r["value"]
    return out


def cpu_time(db, ids):
    if not db.has("cpu_time"):
        return {}
    return _by_run(db.rows(
        f"SELECT * FROM cpu_time WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, host, cpu, to_ns"))


# The last part of a counter's name (SQL over `name`), as `tail`.
TAIL = "substr(name, length(rtrim(name, " \
       "'abcdefghijklmnopqrstuvwxyz0123456789_-')) + 1)"


def _drop_where():
    """A counter is a drop counter when the last part of its name holds
    one of DROP_WORDS (SQL over `tail`)."""
    return "(" + " OR ".join(f"instr(tail, '{w}') > 0"
                             for w in DROP_WORDS) + ")"


RATE_KINDS = {
    # kind: (SQL over name and tail, what it is)
    "interrupts": ("(name GLOB '*.intrs' OR name GLOB '*.intr_masked') "
                   "AND name NOT GLOB 'nic.*'",
                   "interrupts taken and times the line was left masked, "
                   "per interface"),
    "polls": ("name GLOB '*.polls' OR name GLOB '*.rx_tick_polls'",
              "poll passes, per interface"),
    "drops": (_drop_where(), "drops, by counter (the reason is the "
              "counter's name)"),
}


def rates(db, ids):
    """{kind: {run: [counter_rates rows]}}: for each of RATE_KINDS, its
    counters that rose at least once in the run.  The names of any kind
    first (a kind's test made once a name, and only on names some counter
    of which was ever above 0, which a rise needs: a run of thousands of
    hosts has some 400,000 names and millions of counters), then their
    rows, the names given as values: SQLite takes a list of values, not
    a subquery, into counter_rates' window, so only those names' samples
    are read (at 11,250 hosts: 1.2 s where every sample's rise, made and
    then thrown away, took 10)."""
    if not db.has("counter_rates"):
        return {k: {} for k in RATE_KINDS}
    anyk = " OR ".join(RATE_KINDS)
    kinds = {r["name"]: r for r in db.rows(
        f"WITH tails AS MATERIALIZED (SELECT name, {TAIL} AS tail FROM "
        f"(SELECT DISTINCT name FROM {_counters(db, ids)} "
        f"WHERE run_id IN {_in(ids)} "
        "AND value > 0)), named AS MATERIALIZED (SELECT name, " +
        ", ".join(f"({w}) AS {k}" for k, (w, _) in RATE_KINDS.items()) +
        f" FROM tails) SELECT * FROM named WHERE {anyk}")}
    names, rows = sorted(kinds), []
    for i in range(0, len(names), NAMES_MAX):
        part = names[i:i + NAMES_MAX]
        rows += db.rows(
            "SELECT run_id, name, host, cpu, from_ns, to_ns, delta, per_s "
            "FROM (SELECT *, max(delta) OVER (PARTITION BY run_id, name, "
            "host, cpu) AS rose FROM counter_rates "
            f"WHERE run_id IN {_in(ids)} AND name IN "
            f"({', '.join('?' * len(part))})) WHERE rose > 0 "
            "ORDER BY run_id, name, host, cpu, to_ns", part)
    return {k: _by_run([r for r in rows if kinds[r["name"]][k]])
            for k in RATE_KINDS}


# Values in one statement: SQLite's limit on them is 32,766.
NAMES_MAX = 10000


def faults(db, ids):
    """{run: [fault rows]}: each fault's window as it happened
    (fault_windows: run_id, kind, target, start_ns, end_ns)."""
    if not db.has("fault_windows", "run_id", "kind", "start_ns", "end_ns"):
        return {}
    return _by_run(db.rows(
        f"SELECT * FROM fault_windows WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, start_ns, fault_id"))


# --- TCP's loss recovery (schema version 16) -----------------------------


def tcp_recovery(db, ids):
    """{run: [tcp_recovery rows]}: each loss recovery episode of a TCP
    connection, by start."""
    if not db.has("tcp_recovery", "run_id", "kind", "start_ns"):
        return {}
    return _by_run(db.rows(
        f"SELECT * FROM tcp_recovery WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, start_ns, episode"))


def tcp_sent(db, ids):
    """{run: [counter_rates rows]}: each host's new TCP data sent
    (tcp.<brane>.sndbyte) between samples."""
    if not db.has("counter_rates"):
        return {}
    return _by_run(db.rows(
        "SELECT run_id, name, host, from_ns, to_ns, delta, per_s "
        f"FROM counter_rates WHERE run_id IN {_in(ids)} AND name GLOB "
        "'tcp.*.sndbyte' AND cpu IS NULL ORDER BY run_id, host, name, to_ns"))


# --- counters and violations ---------------------------------------------


def counters(db, ids):
    """{run: [counter_summary rows]}; a counter whose samples were all 0
    never changed."""
    return _by_run(db.rows(
        f"SELECT * FROM counter_summary WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, name, host, cpu"))


def violations(db, ids):
    return _by_run(db.rows(
        f"SELECT * FROM violations WHERE run_id IN {_in(ids)} "
        "ORDER BY run_id, t_ns"))
