/*
 * record.c -- the results database: runs, counters and violations in
 * SQLite.
 *
 * The one idea: the file only ever changes by whole transactions, and a
 * run's row is committed before anything else of the run is.  So at any
 * moment the file holds some prefix of the committed transactions, a
 * process killed in the middle of a run leaves that run's row with status
 * 'unfinished' (and whatever batches it had committed), and a run is
 * 'ok', 'violation', 'deadlock', 'limit' or 'error' only together with
 * all of its rows, because the last batch and the final update of the
 * row are one transaction.  (A run that could not write its rows may
 * still be marked 'error' by itself: its row then says so.)
 *
 * Samples and violations are not written one by one: they are copied into
 * buffers allocated at open (rows and their strings), and a flush writes
 * the whole buffer with prepared statements inside one transaction.  That
 * is what makes a million samples take seconds rather than minutes.
 *
 * A write that finds the database busy (another netsim's batch) waits
 * and retries, for at most opts.wait_ms of wall-clock time each time,
 * telling its owner when the wait gets long; the wall clock bounds that
 * wait and nothing else.  A write that finally fails stops the recorder
 * for good, and every row offered after that is counted as lost, so the
 * owner can say exactly what is missing.  The cap on a run's size
 * (opts.bytes_max) is measured in estimated bytes computed from the rows
 * themselves, never from the file, so the same run reaches it at the
 * same row whatever else writes the file.
 *
 * Never: let the wall clock, a process id or anything else that differs
 * between two runs of the same (binary, scenario, seed) into a row; the
 * same run appends the same rows.  (The one exception says so in its
 * row: a real-time run, runs.mode 'realtime', met the outside world.)  Never leave a transaction open
 * between calls.
 */
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/record/record.h"
#include "sim/record/writer.h"

/*
 * The schema.  Comments inside a CREATE statement are kept by SQLite, so
 * `sqlite3 DB .schema` shows every column with its meaning and unit.
 * Changing anything here means bumping SIM_RECORD_SCHEMA_VERSION.
 *
 * The runs table and the view on it are macros so that version 4 can
 * build the table beside an older one (SQLite cannot change a CHECK in
 * place).
 */
#define REC_RUNS_TABLE(name) \
"CREATE TABLE " name " (\n" \
"  id INTEGER PRIMARY KEY,     -- run id, referenced by run_id elsewhere\n" \
"  scenario TEXT NOT NULL,     -- the scenario's name\n" \
"  scenario_file TEXT,         -- the file as given on the command line\n" \
"  scenario_text TEXT,         -- the file's whole text, to replay the run\n" \
"  seed INTEGER NOT NULL       -- the run's seed\n" \
"    CHECK (typeof(seed) = 'integer' AND seed >= 0),\n" \
"  fingerprint TEXT            -- 16 lowercase hex digits; NULL until finished\n" \
"    CHECK (fingerprint IS NULL OR (length(fingerprint) = 16\n" \
"      AND fingerprint NOT GLOB '*[^0-9a-f]*')),\n" \
"  version TEXT,               -- the netsim version that ran it\n" \
"  start_ns INTEGER NOT NULL,  -- virtual time at the start (not a wall clock)\n" \
"  end_ns INTEGER,             -- virtual time at the end; NULL until finished\n" \
"  exit_status INTEGER,        -- netsim's exit status; NULL until finished\n" \
"  status TEXT NOT NULL DEFAULT 'unfinished'\n" \
"    CHECK (status IN ('unfinished', 'ok', 'violation', 'deadlock', 'limit',\n" \
"      'error')),              -- error: output not all written\n" \
"  message TEXT,               -- why it ended that way, one line; may be NULL\n" \
"  CHECK ((status = 'unfinished') = (fingerprint IS NULL AND end_ns IS NULL\n" \
"    AND exit_status IS NULL))  -- finished exactly when these are set\n" \
");\n"

#define REC_RUN_SUMMARY_VIEW \
"CREATE VIEW run_summary AS    -- one row per run, what to look at first\n" \
"SELECT r.id, r.scenario, r.seed, r.fingerprint, r.status, r.exit_status,\n" \
"  r.end_ns,\n" \
"  (SELECT count(*) FROM counters c WHERE c.run_id = r.id)\n" \
"    AS counter_sample_count,\n" \
"  (SELECT count(*) FROM violations v WHERE v.run_id = r.id)\n" \
"    AS violation_count,\n" \
"  r.message\n" \
"FROM runs r;\n"

static const char rec_schema_sql[] =
REC_RUNS_TABLE("runs")
"CREATE TABLE counters (       -- a time series: one row per sample\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  name TEXT NOT NULL,         -- 'group.name' (evcnt) or a machine counter\n"
"  host TEXT,                  -- the host's name; NULL for the whole run\n"
"  cpu INTEGER,                -- the CPU index; NULL when not per-CPU\n"
"  t_ns INTEGER NOT NULL,      -- virtual time of the sample\n"
"  value INTEGER NOT NULL      -- the counter's value at t_ns\n"
");\n"
"CREATE INDEX counters_by_run_name ON counters (run_id, name, t_ns);\n"
"CREATE TABLE violations (     -- broken invariants: KASSERT, panic, checkers\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  t_ns INTEGER NOT NULL,      -- virtual time it was detected\n"
"  host TEXT,                  -- NULL when not on a host\n"
"  cpu INTEGER,                -- NULL when not on a CPU\n"
"  lwp TEXT,                   -- the LWP's name; NULL when none ran\n"
"  kind TEXT NOT NULL,         -- 'kassert', 'panic', a checker's name...\n"
"  file TEXT,                  -- source file of the check; may be NULL\n"
"  line INTEGER,               -- its line; NULL when file is\n"
"  message TEXT                -- what broke, one line\n"
");\n"
"CREATE INDEX violations_by_run ON violations (run_id, t_ns);\n"
REC_RUN_SUMMARY_VIEW
"CREATE VIEW counter_last AS   -- each counter's last sample per run/host/cpu\n"
"SELECT run_id, name, host, cpu, t_ns, value FROM (\n"
"  SELECT run_id, name, host, cpu, t_ns, value,\n"
"    row_number() OVER (PARTITION BY run_id, name, host, cpu\n"
"      ORDER BY t_ns DESC, rowid DESC) AS nth   -- a tie: the later row\n"
"  FROM counters)\n"
"WHERE nth = 1;\n"
"CREATE VIEW violation_kinds AS  -- per run and kind: how many, first when\n"
"SELECT run_id, kind, count(*) AS violation_count,\n"
"  min(t_ns) AS first_t_ns\n"
"FROM violations GROUP BY run_id, kind;\n";

/*
 * Version 2 adds per-packet records (record.packets): these tables, and
 * the views below.  A version 1 file is brought up to date by running
 * just this part and the next.
 */
static const char rec_schema_v2_sql[] =
"CREATE TABLE IF NOT EXISTS packet_stages (  -- a traced packet passed a stage\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  pkt_id INTEGER NOT NULL,    -- the packet's id: flow_id << 32 | sequence\n"
"  stage TEXT NOT NULL,        -- 'app_send', 'nic_rx', 'ip_input', ...\n"
"  host TEXT,                  -- where it was\n"
"  cpu INTEGER,                -- on which CPU; NULL for a device\n"
"  t_ns INTEGER NOT NULL       -- virtual time it got there\n"
");\n"
"CREATE INDEX IF NOT EXISTS packet_stages_by_pkt\n"
"  ON packet_stages (run_id, pkt_id, t_ns);\n"
"CREATE TABLE IF NOT EXISTS flows (  -- who sends the packets of a flow\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  flow_id INTEGER NOT NULL,   -- packet ids of the flow are flow_id << 32 | n\n"
"  host TEXT,                  -- the sending program's host\n"
"  program TEXT,               -- its name\n"
"  description TEXT            -- its parameters, for people\n"
");\n";


/*
 * The flow_latency view's percentiles (nearest rank over the delivered,
 * latency_ns ascending), over a FROM of (run_id, flow_id, delivered,
 * latency_ns) that follows it: the packets view in version 3, each
 * flow's own latency in version 6.
 */
#define REC_FLOW_LATENCY_HEAD \
"CREATE VIEW flow_latency AS  -- nearest-rank percentiles of delivered ones\n" \
"SELECT run_id, flow_id, count(*) AS packets, sum(delivered) AS delivered,\n" \
"  min(CASE WHEN rk >= (n * 50 + 99) / 100 THEN latency_ns END) AS p50_ns,\n" \
"  min(CASE WHEN rk >= (n * 90 + 99) / 100 THEN latency_ns END) AS p90_ns,\n" \
"  min(CASE WHEN rk >= (n * 99 + 99) / 100 THEN latency_ns END) AS p99_ns,\n" \
"  min(CASE WHEN rk >= (n * 999 + 999) / 1000 THEN latency_ns END)\n" \
"    AS p999_ns,\n" \
"  max(latency_ns) AS max_ns, avg(latency_ns) AS mean_ns\n" \
"FROM (SELECT run_id, flow_id, delivered, latency_ns,\n" \
"    row_number() OVER (PARTITION BY run_id, flow_id, delivered\n" \
"      ORDER BY latency_ns) AS rk,\n" \
"    sum(delivered) OVER (PARTITION BY run_id, flow_id) AS n\n"

/*
 * Version 3 redefines the packet views: a packet is delivered when it
 * reached app_recv, its latency runs from its first stage to that, and
 * a flow's percentiles are over its delivered packets only (a packet
 * dropped on the way is counted, not timed).  Older files get the new
 * views when opened.
 */
static const char rec_schema_v3_sql[] =
"DROP VIEW IF EXISTS packets;\n"
"DROP VIEW IF EXISTS stage_deltas;\n"
"DROP VIEW IF EXISTS flow_latency;\n"
"CREATE VIEW packets AS  -- per packet: its stages, delivered or where lost\n"
"SELECT run_id, pkt_id, pkt_id >> 32 AS flow_id, count(*) AS stages,\n"
"  min(t_ns) AS first_ns, max(t_ns) AS last_ns,\n"
"  max(stage = 'app_recv') AS delivered,\n"
"  max(CASE WHEN stage = 'app_recv' THEN t_ns END) - min(t_ns)\n"
"    AS latency_ns,            -- NULL unless delivered\n"
"  (SELECT s.stage FROM packet_stages s WHERE s.run_id = p.run_id\n"
"    AND s.pkt_id = p.pkt_id ORDER BY s.t_ns DESC, s.rowid DESC LIMIT 1)\n"
"    AS last_stage\n"
"FROM packet_stages p GROUP BY run_id, pkt_id;\n"
"CREATE VIEW stage_deltas AS  -- time from the previous stage\n"
"SELECT run_id, pkt_id, pkt_id >> 32 AS flow_id, stage, host, cpu, t_ns,\n"
"  t_ns - lag(t_ns) OVER (PARTITION BY run_id, pkt_id\n"
"    ORDER BY t_ns, rowid) AS since_prev_ns\n"
"FROM packet_stages;\n"
REC_FLOW_LATENCY_HEAD
"  FROM packets)\n"
"GROUP BY run_id, flow_id;\n";

/*
 * Version 4 adds the status 'error' (the run's output could not all be
 * written).  An older file's runs table is rebuilt with the new CHECK:
 * copied whole, with its ids, so every run_id elsewhere still points at
 * its run.  The view on it goes while the table is replaced.
 */
static const char rec_schema_v4_sql[] =
REC_RUNS_TABLE("runs_v4")
"INSERT INTO runs_v4 (id, scenario, scenario_file, scenario_text, seed,\n"
"  fingerprint, version, start_ns, end_ns, exit_status, status, message)\n"
"SELECT id, scenario, scenario_file, scenario_text, seed, fingerprint,\n"
"  version, start_ns, end_ns, exit_status, status, message FROM runs;\n"
"DROP VIEW IF EXISTS run_summary;\n"
"DROP VIEW IF EXISTS fault_windows;  -- on runs too; version 5 remakes it\n"
"DROP TABLE runs;\n"
"ALTER TABLE runs_v4 RENAME TO runs;\n"
REC_RUN_SUMMARY_VIEW;

/*
 * Version 5 (netsim explore and merge) indexes the runs by seed: merge
 * looks for a run it is about to copy among those of its seed, and
 * people ask for a seed's runs.  Every file gets it when opened, after
 * version 4's rebuild of the runs table (which drops the table's
 * indexes).
 */
static const char rec_schema_v5_sql[] =
"CREATE INDEX IF NOT EXISTS runs_by_seed ON runs (seed);\n";

/*
 * ---- Version 6 (issue 12): latency means one thing per flow. ----
 *
 * Each receive belongs to its receiving program: packet_stages.by_flow
 * names the program (its flow) whose LWP a stage happened in, so when two
 * programs take the same packet (two pings on one host both get each
 * echo reply) each app_recv is told apart.  flows.latency says what a
 * flow's latency is: 'one_way' for a datagram flow, from the send to the
 * first program that takes it; 'request' for a request-response program
 * (ping, rpc_client), whose responses carry the request's packet id: from
 * its request to the response it took itself, as the program measured it
 * (the requests table, one row a response, from the program's own
 * probe).  The packets and flow_latency views follow.  An older file
 * gets the columns (NULL in its old rows: one-way, any receiver), the
 * table and the views when opened (the columns unless it has them).
 */
/*
 * Where a packet (stage p, of flow f) is received: a datagram at its
 * program's receive (a request's response at the requester's own); a TCP
 * segment when its connection takes it (tcp_input: version 16 -- the
 * bytes reach the program later, in reads that are not per segment).
 */
#define REC_RECEIVED \
"(p.stage = 'app_recv' AND (f.latency IS NOT 'request'\n" \
"      OR p.by_flow = p.pkt_id >> 32) OR p.stage = 'tcp_input')"

static const char rec_schema_v6_cols_sql[] =
"ALTER TABLE packet_stages ADD COLUMN by_flow INTEGER  /* the program\n"
"  (its flow) whose LWP the packet was in: the sender at app_send, the\n"
"  receiver at app_recv; NULL in interrupts, the kernel, devices */;\n"
"ALTER TABLE flows ADD COLUMN latency TEXT  /* what the flow's latency\n"
"  is: 'one_way' (send to first receive) or 'request' (request to its\n"
"  response, at the sender: the requests table) */;\n";
static const char rec_schema_v6_sql[] =
"CREATE TABLE IF NOT EXISTS requests (  -- a request got its response\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  req_id INTEGER NOT NULL,    -- the request's packet id (flow << 32 | n)\n"
"  flow_id INTEGER NOT NULL,   -- the requesting program's flow\n"
"  sent_ns INTEGER NOT NULL,   -- when it sent the request (its clock)\n"
"  done_ns INTEGER NOT NULL    -- when it took the response\n"
");\n"
"CREATE INDEX IF NOT EXISTS requests_by_id ON requests (run_id, req_id);\n"
"CREATE INDEX IF NOT EXISTS flows_by_id ON flows (run_id, flow_id);\n"
"DROP VIEW IF EXISTS packets;\n"
"DROP VIEW IF EXISTS flow_latency;\n"
"CREATE VIEW packets AS  -- per packet: its stages, delivered or where lost\n"
"SELECT run_id, pkt_id, flow_id, stages, first_ns, last_ns,\n"
"  recv_ns IS NOT NULL AS delivered,\n"
"  recv_ns - first_ns AS latency_ns,  -- NULL unless delivered\n"
"  (SELECT s.stage FROM packet_stages s WHERE s.run_id = x.run_id\n"
"    AND s.pkt_id = x.pkt_id ORDER BY s.t_ns DESC, s.rowid DESC LIMIT 1)\n"
"    AS last_stage\n"
"FROM (SELECT p.run_id, p.pkt_id, p.pkt_id >> 32 AS flow_id,\n"
"    count(*) AS stages, min(p.t_ns) AS first_ns, max(p.t_ns) AS last_ns,\n"
"    min(CASE WHEN " REC_RECEIVED " THEN p.t_ns END)\n"
"      AS recv_ns               -- reached its receiver: for a request, the\n"
"                               -- response back at the requester; for a\n"
"                               -- TCP segment, its connection\n"
"  FROM packet_stages p LEFT JOIN flows f ON f.run_id = p.run_id\n"
"    AND f.flow_id = p.pkt_id >> 32\n"
"  GROUP BY p.run_id, p.pkt_id) x;\n"
REC_FLOW_LATENCY_HEAD
"  FROM (SELECT k.run_id, k.flow_id,\n"
"      -- one_way: the packet's own; request: its requests row's\n"
"      CASE WHEN f.latency = 'request' THEN q.req_id IS NOT NULL\n"
"        ELSE k.delivered END AS delivered,\n"
"      CASE WHEN f.latency = 'request' THEN q.done_ns - q.sent_ns\n"
"        ELSE k.latency_ns END AS latency_ns\n"
"    FROM packets k LEFT JOIN flows f ON f.run_id = k.run_id\n"
"      AND f.flow_id = k.flow_id\n"
"    LEFT JOIN requests q ON q.run_id = k.run_id AND q.req_id = k.pkt_id))\n"
"GROUP BY run_id, flow_id;\n";

/*
 * Version 7: the report's views (`netsim report` reads only these and
 * the tables; sqlite3 answers the same questions with them).  Where a
 * delivered packet's time went, by segment of its path; the spread of a
 * flow's latency; where lost packets were last seen; each CPU's time and
 * each counter's rate between samples (cpu_time: version 11's, below).
 * Views only, and the table of segments they read, so an older file gets
 * them when opened and keeps every row.
 *
 * A packet's ns (its time since the stage before, as stage_deltas has
 * it, ties broken by insertion order) over its stages up to its receive
 * (the one packets counts: for a request, the requester's own) add up to
 * its latency_ns in packets exactly: the first stage has none, every
 * other counts in the segment stage_segments names for the stage
 * reached.
 *
 * Counters are written only when they changed, so a sample's rise
 * happened within one sample interval before it: the rates and CPU
 * times below spread a rise over [max(previous sample, t - interval),
 * t], the interval being the shortest gap between a CPU's cpu.busy_ns
 * samples (sample_intervals), and leave the rest of a longer gap at
 * zero (idle, for a CPU).
 */
static const char rec_schema_v7_drop_sql[] =   /* first: v4 renames runs */
"DROP VIEW IF EXISTS flow_breakdown;\n"
"DROP VIEW IF EXISTS packet_breakdown;\n"
"DROP VIEW IF EXISTS flow_losses;\n"
"DROP VIEW IF EXISTS flow_latency_cdf;\n"
"DROP VIEW IF EXISTS flow_latency_histogram;\n"
"DROP VIEW IF EXISTS cpu_time;\n"
"DROP VIEW IF EXISTS counter_rates;\n"
"DROP VIEW IF EXISTS sample_intervals;\n"
"DROP VIEW IF EXISTS counter_summary;\n";
static const char rec_schema_v7_sql[] =
"CREATE TABLE IF NOT EXISTS stage_segments (  -- where a packet's time went\n"
"  stage TEXT PRIMARY KEY,     -- a stage in packet_stages\n"
"  segment TEXT NOT NULL,      -- what the time since the stage before was\n"
"  segment_order INTEGER NOT NULL  -- the segments' order, for stacking\n"
") WITHOUT ROWID;\n"
"INSERT OR IGNORE INTO stage_segments (stage, segment, segment_order)\n"
"VALUES ('wire_rx', 'wire', 1),  -- serialisation, propagation, switches\n"
"  ('wire_tx', 'NIC and DMA', 2),  -- driver ring, descriptor and data DMA\n"
"  ('nic_rx', 'NIC and DMA', 2),   -- the receiving card's DMA write\n"
"  ('intr', 'interrupt', 3),       -- coalescing, moderation, taking it\n"
"  ('ether_input', 'poll', 4),     -- until the poll (or softint) got to it\n"
"  ('ip_input', 'IP', 5), ('ip_forward', 'IP', 5),\n"
"  ('ip_output', 'IP', 5),         -- also a send's socket and UDP output\n"
"  ('demux', 'demux', 6),          -- UDP/raw input to the socket's queue\n"
"  ('socket_wake', 'socket queue', 7), ('receive_lwp', 'socket queue', 7),\n"
"  ('receive_kcont', 'socket queue', 7),  -- waiting for the receive work\n"
"  ('app_recv', 'application', 8),  -- until the program's receive took it\n"
"  ('app_send', 'application', 8),\n"
"  -- version 16: TCP's stages.  tcp_output is a segment's first stage;\n"
"  -- tcp_rexmit (a resend) follows it at once; tcp_input is the\n"
"  -- connection's receive work taking it, as receive_lwp a datagram.\n"
"  ('tcp_output', 'application', 8), ('tcp_rexmit', 'IP', 5),\n"
"  ('tcp_input', 'socket queue', 7);\n"
"CREATE VIEW packet_breakdown AS  -- a delivered packet's stages, timed\n"
"SELECT s.run_id, s.pkt_id, s.pkt_id >> 32 AS flow_id, s.stage, s.host,\n"
"  s.cpu, s.t_ns,\n"
"  s.ns,                       -- since the stage before; NULL for the first\n"
"  coalesce(g.segment, 'other') AS segment,  -- where those ns count\n"
"  coalesce(g.segment_order, 9) AS segment_order\n"
"FROM (SELECT p.run_id, p.pkt_id, p.stage, p.host, p.cpu, p.t_ns,\n"
"    p.t_ns - lag(p.t_ns) OVER w AS ns,\n"
"    min(CASE WHEN " REC_RECEIVED " THEN p.t_ns END) OVER (w ROWS\n"
"      BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS end_ns\n"
"  FROM packet_stages p LEFT JOIN flows f ON f.run_id = p.run_id\n"
"    AND f.flow_id = p.pkt_id >> 32\n"
"  WINDOW w AS (PARTITION BY p.run_id, p.pkt_id ORDER BY p.t_ns, p.rowid)) s\n"
"LEFT JOIN stage_segments g ON g.stage = s.stage\n"
"WHERE s.t_ns <= s.end_ns;     -- delivered, up to its receive (packets)\n"
"CREATE VIEW flow_breakdown AS  -- per flow: where its latency went\n"
"SELECT run_id, flow_id, segment, segment_order,\n"
"  sum(firsts) OVER (PARTITION BY run_id, flow_id) AS packets,  -- delivered\n"
"  total_ns,                   -- all its delivered packets' ns there\n"
"  total_ns * 1.0 / sum(firsts) OVER (PARTITION BY run_id, flow_id)\n"
"    AS mean_ns                -- a packet's mean; they add up to mean_ns\n"
"FROM (SELECT run_id, flow_id, segment, min(segment_order) AS segment_order,\n"
"    count(*) - count(ns) AS firsts, coalesce(sum(ns), 0) AS total_ns\n"
"  FROM packet_breakdown GROUP BY run_id, flow_id, segment);\n"
"CREATE VIEW flow_losses AS  -- undelivered packets by where last seen\n"
"SELECT p.run_id, p.pkt_id >> 32 AS flow_id, s.stage AS last_stage,\n"
"  s.host AS last_host, count(*) AS packets\n"
"FROM (SELECT run_id, pkt_id FROM packets WHERE NOT delivered) p\n"
"JOIN packet_stages s ON s.rowid = (SELECT x.rowid FROM packet_stages x\n"
"  WHERE x.run_id = p.run_id AND x.pkt_id = p.pkt_id\n"
"  ORDER BY x.t_ns DESC, x.rowid DESC LIMIT 1)\n"
"GROUP BY p.run_id, flow_id, last_stage, last_host;\n"
"CREATE VIEW flow_latency_cdf AS  -- each delivered packet's rank in its flow\n"
"SELECT run_id, flow_id, latency_ns,\n"
"  row_number() OVER w AS rank,  -- 1 for the fastest\n"
"  count(*) OVER f AS delivered,\n"
"  row_number() OVER w * 1.0 / count(*) OVER f AS fraction  -- at most this\n"
"FROM packets WHERE delivered\n"
"WINDOW f AS (PARTITION BY run_id, flow_id),\n"
"  w AS (PARTITION BY run_id, flow_id ORDER BY latency_ns);\n"
"CREATE VIEW flow_latency_histogram AS  -- 50 logarithmic bins a decade\n"
"SELECT run_id, flow_id, bin, pow(10, bin / 50.0) AS lo_ns,\n"
"  pow(10, (bin + 1) / 50.0) AS hi_ns,  -- lo_ns <= latency < hi_ns\n"
"  count(*) AS packets\n"
"FROM (SELECT run_id, flow_id,\n"
"    CAST(floor(log10(max(latency_ns, 1)) * 50) AS INTEGER) AS bin\n"
"  FROM packets WHERE delivered)\n"
"GROUP BY run_id, flow_id, bin;\n"
"CREATE VIEW sample_intervals AS  -- each run's sample interval, as seen\n"
"SELECT run_id, min(dt) AS interval_ns\n"
"FROM (SELECT c.run_id, c.t_ns - lag(c.t_ns) OVER (PARTITION BY c.run_id,\n"
"    c.host, c.cpu ORDER BY c.t_ns) AS dt\n"
"  FROM counters c WHERE c.name = 'cpu.busy_ns'\n"
"    AND c.t_ns IS NOT (SELECT end_ns FROM runs WHERE id = c.run_id))\n"
"WHERE dt > 0 GROUP BY run_id;\n"
"CREATE VIEW counter_rates AS  -- each counter's rise between samples\n"
"SELECT run_id, name, host, cpu, from_ns, t_ns AS to_ns, delta,\n"
"  delta * 1e9 / (t_ns - from_ns) AS per_s  -- over [from_ns, to_ns]\n"
"FROM (SELECT c.run_id, c.name, c.host, c.cpu, c.t_ns,\n"
"    c.value - lag(c.value, 1, 0) OVER w AS delta,\n"
"    max(coalesce(lag(c.t_ns) OVER w, r.start_ns),\n"
"      c.t_ns - coalesce(i.interval_ns, c.t_ns)) AS from_ns\n"
"  FROM counters c JOIN runs r ON r.id = c.run_id\n"
"  LEFT JOIN sample_intervals i ON i.run_id = c.run_id\n"
"  WINDOW w AS (PARTITION BY c.run_id, c.name, c.host, c.cpu\n"
"    ORDER BY c.t_ns, c.rowid))\n"
"WHERE t_ns > from_ns;\n"
"CREATE VIEW counter_summary AS  -- each counter of a run: range, last\n"
"SELECT run_id, name, host, cpu, samples, min_value, max_value,\n"
"  value AS last_value FROM (   -- one pass: as counter_last's\n"
"  SELECT run_id, name, host, cpu, value,\n"
"    count(*) OVER c AS samples, min(value) OVER c AS min_value,\n"
"    max(value) OVER c AS max_value,\n"
"    row_number() OVER (PARTITION BY run_id, name, host, cpu\n"
"      ORDER BY t_ns DESC, rowid DESC) AS nth   -- a tie: the later row\n"
"  FROM counters WINDOW c AS (PARTITION BY run_id, name, host, cpu))\n"
"WHERE nth = 1;\n";

/*
 * ---- Schema version 8 (faults): the tables and view below, and their
 * rows (sim_record_fault, sim_record_fault_effect).  An older file gets
 * them when opened. ----
 */
static const char rec_schema_v8_sql[] =
"CREATE TABLE IF NOT EXISTS faults (  -- the scenario's faults, one row each\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  fault_id INTEGER NOT NULL,  -- its place in the scenario's faults, from 0\n"
"  kind TEXT NOT NULL,         -- 'intr_storm', 'burst', 'loss', 'flap', ...\n"
"  target TEXT NOT NULL,       -- what it strikes, as the scenario names it\n"
"  start_ns INTEGER NOT NULL,  -- when its window opens (virtual time)\n"
"  end_ns INTEGER,             -- when it closes; NULL: no end given\n"
"  count INTEGER,              -- strikes it stops after; NULL: no limit\n"
"  parameters TEXT             -- its other keys, as a JSON object\n"
");\n"
"CREATE TABLE IF NOT EXISTS fault_effects (  -- what a fault did, at the end\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  fault_id INTEGER NOT NULL,  -- faults.fault_id\n"
"  name TEXT NOT NULL,         -- 'raised', 'frames', 'lost', 'first_ns', ...\n"
"  value INTEGER NOT NULL      -- how many (or a virtual time, for *_ns)\n"
");\n"
"CREATE INDEX IF NOT EXISTS fault_effects_by_fault\n"
"  ON fault_effects (run_id, fault_id);\n"
"DROP VIEW IF EXISTS fault_windows;\n"
"CREATE VIEW fault_windows AS  -- each fault's window as it happened\n"
"SELECT f.run_id, f.fault_id, f.kind, f.target, f.start_ns,\n"
"  min(coalesce(f.end_ns,\n"
"      (SELECT e.value + 1 FROM fault_effects e WHERE e.run_id = f.run_id\n"
"        AND e.fault_id = f.fault_id AND e.name = 'last_ns'),\n"
"      r.end_ns), coalesce(r.end_ns, f.end_ns)) AS end_ns,\n"
"  -- the end given, or just after its last strike, or the run's end\n"
"  f.count, f.parameters\n"
"FROM faults f JOIN runs r ON r.id = f.run_id;\n";

/*
 * Version 9 adds the lock-order checker's record (sim/sys/ks_witness.c):
 * the lock classes a run's edges name, the edges of its lock order, and
 * a view that reads them by name.  Older files get them when opened.
 * (The lock-order schema change: everything of it is in this block, the
 * rec_lock rows and sim_record_lock_*.)
 */
static const char rec_schema_v9_sql[] =
"CREATE TABLE IF NOT EXISTS lock_classes (  -- the locks initialised at one line\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  class INTEGER NOT NULL,     -- its number in the run, from 1\n"
"  kind TEXT NOT NULL,         -- 'mutex', 'spin mutex' or 'rwlock'\n"
"  file TEXT NOT NULL,         -- where they are initialised (mutex_init...)\n"
"  line INTEGER NOT NULL,\n"
"  ipl INTEGER                 -- a spin mutex's interrupt level, else NULL\n"
");\n"
"CREATE TABLE IF NOT EXISTS lock_edges (  -- the lock order, as first seen\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  from_class INTEGER NOT NULL,  -- held (lock_classes.class) ...\n"
"  to_class INTEGER NOT NULL,  -- ... while one of this class was taken\n"
"  held_file TEXT NOT NULL,    -- where the held lock had been taken\n"
"  held_line INTEGER NOT NULL,\n"
"  taken_file TEXT NOT NULL,   -- where the other was taken\n"
"  taken_line INTEGER NOT NULL,\n"
"  t_ns INTEGER NOT NULL,      -- virtual time, the first time\n"
"  host TEXT,                  -- where and by whom, the first time\n"
"  cpu INTEGER,\n"
"  lwp TEXT\n"
");\n"
"CREATE INDEX IF NOT EXISTS lock_edges_by_run ON lock_edges (run_id);\n"
"DROP VIEW IF EXISTS lock_order;\n"
"CREATE VIEW lock_order AS  -- each edge, its classes by name\n"
"SELECT e.run_id, e.from_class, e.to_class,\n"
"  f.kind || ' ' || f.file || ':' || f.line AS held_lock,\n"
"  e.held_file || ':' || e.held_line AS held_at,\n"
"  t.kind || ' ' || t.file || ':' || t.line AS taken_lock,\n"
"  e.taken_file || ':' || e.taken_line AS taken_at,\n"
"  e.host, e.cpu, e.lwp, e.t_ns\n"
"FROM lock_edges e\n"
"  JOIN lock_classes f ON f.run_id = e.run_id AND f.class = e.from_class\n"
"  JOIN lock_classes t ON t.run_id = e.run_id AND t.class = e.to_class;\n";

/*
 * ---- Version 10: data races (the exploration build's detector). ----
 * One row a race: the access that found it and the earlier one it is not
 * ordered after.  Older files get the table when opened.
 */
static const char rec_schema_v10_sql[] =
"CREATE TABLE IF NOT EXISTS races (  -- data races: make explore's detector\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  t_ns INTEGER NOT NULL,      -- virtual time of the access that found it\n"
"  host TEXT,                  -- the host whose memory it is\n"
"  object TEXT,                -- what the address is (kmem+0x.., the block)\n"
"  offset INTEGER,             -- its offset in the host's kmem; NULL: none\n"
"  size INTEGER,               -- bytes of that access\n"
"  access TEXT NOT NULL,       -- 'write of 8 bytes', 'atomic read of 4 ..'\n"
"  cpu INTEGER,                -- its CPU; NULL for a device\n"
"  context TEXT,               -- 'lwp counter.1 (id 3)', a continuation..\n"
"  file TEXT,                  -- its source file and line\n"
"  line INTEGER,\n"
"  func TEXT,                  -- its function\n"
"  prev_t_ns INTEGER,          -- the earlier access, not ordered before it\n"
"  prev_access TEXT,\n"
"  prev_cpu INTEGER,\n"
"  prev_context TEXT,\n"
"  prev_file TEXT,\n"
"  prev_line INTEGER,\n"
"  prev_func TEXT,\n"
"  replay TEXT                 -- the command that replays the run\n"
");\n"
"CREATE INDEX IF NOT EXISTS races_by_run ON races (run_id, t_ns);\n";

/*
 * ---- Schema version 11 (campaigns): a sweep's runs as one campaign
 * (sim_record_campaign_*), the run's point in run_params and
 * runs.campaign_id (added to an older runs table when missing: see
 * rec_create_schema).  What netsim report --campaign and netsim runs
 * read. ----
 */
static const char rec_schema_v11_cols_sql[] =
"ALTER TABLE runs ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id)\n"
"  /* the campaign this run is a point of; NULL: a run of its own */;\n";

static const char rec_schema_v11_sql[] =
"CREATE TABLE IF NOT EXISTS campaigns (  -- a sweep run by one netsim run\n"
"  id INTEGER PRIMARY KEY,     -- runs.campaign_id, run_params.campaign_id\n"
"  scenario TEXT NOT NULL,     -- the scenario's name\n"
"  scenario_file TEXT,         -- the file as given on the command line\n"
"  scenario_text TEXT,         -- the file's whole text, its sweep included\n"
"  command TEXT,               -- the command line that ran the campaign\n"
"  grid TEXT,                  -- the sweep as run: {\"path\": [values], \"seeds\": [..]}\n"
"  points INTEGER NOT NULL,    -- points in the grid (seeds included)\n"
"  fingerprint TEXT,           -- every point's fingerprint folded in point\n"
"                              -- order; NULL until finished\n"
"  status TEXT                 -- 'ok', 'failed' (a point did); NULL until\n"
"                              -- finished\n"
");\n"
"CREATE TABLE IF NOT EXISTS run_params (  -- a campaign's run: its point\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),\n"
"  name TEXT NOT NULL,         -- the JSON path swept: 'workload[1].rate'\n"
"  value TEXT NOT NULL         -- its value at the point, as --set writes it\n"
");\n"
"CREATE INDEX IF NOT EXISTS run_params_by_run ON run_params (run_id);\n"
"CREATE TABLE IF NOT EXISTS campaign_points (  -- each point, run or not\n"
"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,\n"
"  point INTEGER NOT NULL,     -- from 0: the first path varies slowest,\n"
"                              -- the seeds fastest\n"
"  seed INTEGER NOT NULL,\n"
"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,  -- NULL: its\n"
"                              -- process made no run\n"
"  status TEXT NOT NULL,       -- the run's, or 'crash', 'timeout'\n"
"  exit_status INTEGER,        -- the run's exit status; NULL: none\n"
"  fingerprint TEXT,           -- NULL: the run did not end\n"
"  command TEXT NOT NULL,      -- the netsim run that runs this point alone\n"
"  message TEXT,               -- why it failed, one line\n"
"  PRIMARY KEY (campaign_id, point)\n"
");\n";

/*
 * ---- Version 12: continuation time (machine interface 5). ----
 * cpu_time gains kcont_ns, the CPU time kernel continuations took
 * (cpu.kcont_ns), whether a soft interrupt or a worker LWP ran them;
 * softint_ns and thread_ns are net of it, so intr + softint + kcont +
 * thread + idle is the interval.  Since version 12 cpu.softint_ns is
 * soft interrupts' own time; an older file has no cpu.kcont_ns (its
 * continuations are in softint_ns and thread_ns, kcont_ns is 0) and gets
 * the view when opened.  (Everything of it is here and in ks_mem.c's
 * evcnt_record_levels.)
 */
static const char rec_schema_v12_sql[] =
"DROP VIEW IF EXISTS cpu_time;\n"
"CREATE VIEW cpu_time AS  -- where each CPU's time went between samples\n"
"SELECT run_id, host, cpu, from_ns, to_ns, to_ns - from_ns AS interval_ns,\n"
"  intr_ns,                    -- hardware interrupts, entry included\n"
"  softint_ns,                 -- soft interrupts, their continuations not\n"
"  kcont_ns,                   -- continuations, in soft interrupts or LWPs\n"
"  busy_ns - intr_ns - softint_ns - kcont_ns AS thread_ns,  -- LWPs' own\n"
"  to_ns - from_ns - busy_ns AS idle_ns\n"
"FROM (SELECT run_id, host, cpu, t_ns AS to_ns,\n"
"    max(coalesce(lag(t_ns) OVER (PARTITION BY run_id, host, cpu\n"
"      ORDER BY t_ns), min(start_ns)), t_ns - coalesce(min(interval_ns),\n"
"      t_ns)) AS from_ns,\n"
"    coalesce(sum(CASE name WHEN 'cpu.busy_ns' THEN delta END), 0)\n"
"      AS busy_ns,\n"
"    coalesce(sum(CASE name WHEN 'cpu.intr_ns' THEN delta END), 0)\n"
"      AS intr_ns,\n"
"    coalesce(sum(CASE name WHEN 'cpu.softint_ns' THEN delta END), 0)\n"
"      AS softint_ns,\n"
"    coalesce(sum(CASE name WHEN 'cpu.kcont_ns' THEN delta END), 0)\n"
"      AS kcont_ns\n"
"  FROM (SELECT c.run_id, c.host, c.cpu, c.name, c.t_ns, r.start_ns,\n"
"      i.interval_ns, c.value - lag(c.value, 1, 0) OVER (PARTITION BY\n"
"        c.run_id, c.host, c.cpu, c.name ORDER BY c.t_ns, c.rowid) AS delta\n"
"    FROM counters c JOIN runs r ON r.id = c.run_id\n"
"    LEFT JOIN sample_intervals i ON i.run_id = c.run_id\n"
"    WHERE c.name IN ('cpu.busy_ns', 'cpu.intr_ns', 'cpu.softint_ns',\n"
"      'cpu.kcont_ns', 'cpu.idle_ns') AND c.cpu IS NOT NULL)\n"
"  GROUP BY run_id, host, cpu, t_ns);\n";

/*
 * ---- Version 13: the real-time edge (sim/edge/, netsim run --realtime
 * and --replay-bridge).  The lead renumbers at merge: everything of
 * version 13 is here, in rec_create_schema's v13 lines, and in the
 * functions under "Version 13" below. ----
 * runs.mode says whether a run is reproducible; a real-time run's row
 * in realtime says how far it lagged the wall clock; bridge_frames
 * keeps what Linux sent it, with the virtual arrival times, so that
 * --replay-bridge can run it again without Linux.
 */
static const char rec_schema_v13_cols_sql[] =
"ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'deterministic'\n"
"  CHECK (mode IN ('deterministic', 'realtime', 'replay-bridge'))\n"
"  /* realtime: paced to the wall clock, meeting Linux: not reproducible,\n"
"     its fingerprint claims nothing; replay-bridge: a realtime run's\n"
"     frames from Linux injected again at their times, reproducible */;\n";

static const char rec_schema_v13_sql[] =
"CREATE TABLE IF NOT EXISTS realtime (  -- a real-time run's pacing\n"
"  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,\n"
"  lag_max_ns INTEGER NOT NULL,  -- the most virtual time lagged the wall\n"
"                              -- clock (wall-clock ns)\n"
"  lag_p99_ns INTEGER NOT NULL,  -- the lag's 99th percentile (an upper\n"
"                              -- bound within 1/16)\n"
"  lag_samples INTEGER NOT NULL, -- how many times it was measured\n"
"  behind INTEGER NOT NULL,    -- samples over 10 ms late: not keeping up\n"
"  frames_in INTEGER NOT NULL,   -- frames from Linux, injected\n"
"  frames_out INTEGER NOT NULL,  -- frames written to Linux\n"
"  drops_in INTEGER NOT NULL,    -- from Linux, not injected\n"
"  drops_out INTEGER NOT NULL,   -- to Linux, not written (TAP queue full)\n"
"  not_kept INTEGER NOT NULL     -- injected, not in bridge_frames (over\n"
"                              -- its cap): a replay lacks them\n"
");\n"
"CREATE TABLE IF NOT EXISTS bridge_frames (  -- what Linux sent, to replay\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  n INTEGER NOT NULL,         -- from 0, in arrival order\n"
"  link TEXT NOT NULL,         -- the bridged link it came in on\n"
"  t_ns INTEGER NOT NULL,      -- virtual arrival time\n"
"  frame BLOB NOT NULL,        -- its bytes: dst MAC first, no FCS\n"
"  PRIMARY KEY (run_id, n)\n"
");\n";

/*
 * ---- Version 14: TCP connections (issue 13).  THE TCP CORE'S SCHEMA
 * CHANGE, all of it: one view over the counters tcp_client leaves, a
 * row per client (program instance) of a run: how long its connect and
 * its transfer took, the bytes each way, whether it checked out, and
 * the goodput of what it sent.  An older file gets the view when opened.
 */
static const char rec_schema_v14_sql[] =
"DROP VIEW IF EXISTS tcp_connections;\n"
"CREATE VIEW tcp_connections AS  -- each tcp_client: connect, transfer\n"
"SELECT run_id, host, program,\n"
"  max(CASE field WHEN 'connect_ns' THEN value END) AS connect_ns,\n"
"  max(CASE field WHEN 'transfer_ns' THEN value END) AS transfer_ns,\n"
"  max(CASE field WHEN 'bytes_out' THEN value END) AS bytes_out,\n"
"  max(CASE field WHEN 'bytes_in' THEN value END) AS bytes_in,\n"
"  max(CASE field WHEN 'requests' THEN value END) AS requests,\n"
"  max(CASE field WHEN 'ok' THEN value END) AS ok,\n"
"  max(CASE field WHEN 'bytes_out' THEN value END) * 8e9 /\n"
"    nullif(max(CASE field WHEN 'transfer_ns' THEN value END), 0)\n"
"    AS goodput_bps               -- what it sent, over the transfer\n"
"FROM (SELECT run_id, host, substr(name, 1, instr(name, '.') - 1)\n"
"    AS program, substr(name, instr(name, '.') + 1) AS field, value\n"
"  FROM counter_last WHERE (name GLOB 'tcp_client*.*' OR\n"
"    name GLOB 'tcp_stream*.*') AND cpu IS NULL)\n"
"GROUP BY run_id, host, program;\n";

/*
 * ---- Version 15: short connections and kernel memory (issue 13's
 * SYN-flood study; the whole of it is here). ----
 * kmem_usage: each host's kernel memory in use (the machine's sampled
 * kmem.inuse_bytes: its arena's blocks out), its range and last value.
 * tcp_conns: per run, the connections tcp_client's conns mode made --
 * offered = ok + failed + missed, ok a second over the run's virtual
 * time -- and
 * its connect times (nearest-rank percentiles each client computed over
 * its own connects: with several clients, the largest; the mean over
 * all).  Views only: an older file gets them when opened (dropped first,
 * with version 7's, for version 4's rebuild of runs).
 */
static const char rec_schema_v15_drop_sql[] =  /* first: v4 renames runs */
"DROP VIEW IF EXISTS kmem_usage;\n"
"DROP VIEW IF EXISTS tcp_conns;\n";
static const char rec_schema_v15_sql[] =
"CREATE VIEW kmem_usage AS  -- each host's kernel memory in use, bytes\n"
"SELECT k.run_id, k.host, k.min_bytes, k.peak_bytes, l.value AS last_bytes\n"
"FROM (SELECT run_id, host, min(value) AS min_bytes, max(value) AS peak_bytes\n"
"    FROM counters WHERE name = 'kmem.inuse_bytes' GROUP BY run_id, host) k\n"
"  JOIN counter_last l ON l.run_id = k.run_id AND l.host = k.host\n"
"    AND l.name = 'kmem.inuse_bytes';\n"
"CREATE VIEW tcp_conns AS  -- per run: tcp_client's short connections\n"
"SELECT c.run_id, c.ok + c.failed + c.missed AS offered, c.ok, c.failed,\n"
"  c.missed,\n"
"  (c.ok + c.failed + c.missed) * 1e9 / nullif(r.end_ns - r.start_ns, 0)\n"
"    AS offered_per_s,\n"
"  c.ok * 1e9 / nullif(r.end_ns - r.start_ns, 0) AS ok_per_s,\n"
"  c.connects, c.connect_sum_ns / nullif(c.connects, 0) AS connect_mean_ns,\n"
"  -- NULL when no connect succeeded\n"
"  CASE WHEN c.connects > 0 THEN c.p50 END AS connect_p50_ns,\n"
"  CASE WHEN c.connects > 0 THEN c.p90 END AS connect_p90_ns,\n"
"  CASE WHEN c.connects > 0 THEN c.p99 END AS connect_p99_ns,\n"
"  CASE WHEN c.connects > 0 THEN c.max END AS connect_max_ns\n"
"FROM (SELECT run_id,\n"
"    sum(CASE WHEN name GLOB 'tcp_client*.conns_ok' THEN value END) AS ok,\n"
"    sum(CASE WHEN name GLOB 'tcp_client*.conns_failed' THEN value END)\n"
"      AS failed,\n"
"    sum(CASE WHEN name GLOB 'tcp_client*.conns_missed' THEN value END)\n"
"      AS missed,\n"
"    sum(CASE WHEN name GLOB 'tcp_client*.connects' THEN value END)\n"
"      AS connects,\n"
"    sum(CASE WHEN name GLOB 'tcp_client*.connect_sum_ns' THEN value END)\n"
"      AS connect_sum_ns,\n"
"    max(CASE WHEN name GLOB 'tcp_client*.connect_p50_ns' THEN value END)\n"
"      AS p50,\n"
"    max(CASE WHEN name GLOB 'tcp_client*.connect_p90_ns' THEN value END)\n"
"      AS p90,\n"
"    max(CASE WHEN name GLOB 'tcp_client*.connect_p99_ns' THEN value END)\n"
"      AS p99,\n"
"    max(CASE WHEN name GLOB 'tcp_client*.connect_max_ns' THEN value END)\n"
"      AS max\n"
"  FROM counter_last WHERE name GLOB 'tcp_client*.conn*'\n"
"  GROUP BY run_id) c\n"
"  JOIN runs r ON r.id = c.run_id\n"
"WHERE c.ok IS NOT NULL;\n";

/*
 * ---- Version 16: TCP's loss recovery (issue 13; all of it is here, in
 * rec_create_schema's v16 lines and under "Version 16" below). ----
 * tcp_events: what the tcp:* recovery probes saw, a row each, numbered
 * in order (n) within the run; with record.packets only, as the packets
 * they name.  tcp_recovery: one row per episode, from its start event
 * to the first exit of the same connection after it.  Its retransmitted
 * segments are the rexmit events between (tcp_recovery_packets, whose
 * pkt_id leads to packet_stages, where each has a 'tcp_rexmit' stage).
 * An older file gets the table and the views when opened.
 */
static const char rec_schema_v16_sql[] =
"CREATE TABLE IF NOT EXISTS tcp_events (  -- TCP's loss recovery, per event\n"
"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
"  n INTEGER NOT NULL,         -- 1, 2, ... in the order they happened\n"
"  t_ns INTEGER NOT NULL,      -- virtual time\n"
"  host TEXT NOT NULL,         -- whose connection\n"
"  local TEXT NOT NULL,        -- the connection: 'addr:port' on host\n"
"  remote TEXT NOT NULL,       -- and the peer's\n"
"  event TEXT NOT NULL CHECK (event IN ('fast', 'rto', 'exit_ack',\n"
"    'exit_timeout', 'exit_dropped', 'timeout', 'rexmit', 'tlp')),\n"
"    -- fast: fast retransmit on three duplicate ACKs, rto: a\n"
"    -- retransmission timeout, each starts an episode; exit_ack: its\n"
"    -- recovery point was acked, exit_timeout: fast recovery timed out\n"
"    -- (an rto episode follows), exit_dropped: the connection gave up;\n"
"    -- timeout: the retransmission timer expired; rexmit: data resent;\n"
"    -- tlp (version 18): a tail-loss probe went out (RFC 8985 7.3)\n"
"  snd_una INTEGER,            -- the oldest unacked sequence number (exit:\n"
"                              -- the ACK that ended it); NULL for rexmit\n"
"  seq INTEGER,                -- start, exit: the recovery point (snd_max\n"
"                              -- at the start); timeout: snd_max; rexmit,\n"
"                              -- tlp: the segment's sequence number\n"
"  count INTEGER,              -- timeout: timeouts in a row; rexmit: bytes;\n"
"                              -- tlp: 1 if it resends data (the rexmit\n"
"                              -- row before it), NULL if it sends new data\n"
"  pkt_id INTEGER              -- rexmit: the segment's packet id\n"
");\n"
"CREATE INDEX IF NOT EXISTS tcp_events_by_conn\n"
"  ON tcp_events (run_id, host, local, remote, n);\n"
"DROP VIEW IF EXISTS tcp_recovery_packets;\n"
"DROP VIEW IF EXISTS tcp_recovery;\n"
"CREATE VIEW tcp_recovery AS  -- one row per loss recovery episode\n"
"SELECT e.run_id, e.n AS episode,  -- its start's n in tcp_events\n"
"  e.host, e.local, e.remote, e.event AS kind,  -- 'fast' or 'rto'\n"
"  e.t_ns AS start_ns, x.t_ns AS end_ns,  -- NULL: the run ended first\n"
"  x.t_ns - e.t_ns AS duration_ns, e.snd_una, e.seq AS recover,\n"
"  (SELECT count(*) FROM tcp_events r WHERE r.run_id = e.run_id\n"
"    AND r.host = e.host AND r.local = e.local AND r.remote = e.remote\n"
"    AND r.n > e.n AND r.n < coalesce(e.end_n, 1 << 62)\n"
"    AND r.event = 'rexmit') AS rexmits,  -- segments resent in it\n"
"  (SELECT count(*) FROM tcp_events r WHERE r.run_id = e.run_id\n"
"    AND r.host = e.host AND r.local = e.local AND r.remote = e.remote\n"
"    AND r.n > e.n AND r.n < coalesce(e.end_n, 1 << 62)\n"
"    AND r.event = 'timeout') AS timeouts,\n"
"  coalesce(substr(x.event, 6), 'open') AS ended,  -- 'ack', 'timeout',\n"
"                              -- 'dropped', or 'open' at the run's end\n"
"  e.end_n                     -- its exit's n in tcp_events\n"
"FROM (SELECT s.*, (SELECT min(x.n) FROM tcp_events x\n"
"      WHERE x.run_id = s.run_id AND x.host = s.host\n"
"        AND x.local = s.local AND x.remote = s.remote AND x.n > s.n\n"
"        AND x.event GLOB 'exit_*') AS end_n\n"
"    FROM tcp_events s WHERE s.event IN ('fast', 'rto')) e\n"
"  LEFT JOIN tcp_events x ON x.run_id = e.run_id AND x.n = e.end_n;\n"
"CREATE VIEW tcp_recovery_packets AS  -- the segments an episode resent\n"
"SELECT k.run_id, k.episode, k.kind, r.n, r.t_ns, r.seq, r.count AS bytes,\n"
"  r.pkt_id                    -- packet_stages.pkt_id: its stages\n"
"FROM tcp_recovery k JOIN tcp_events r ON r.run_id = k.run_id\n"
"  AND r.host = k.host AND r.local = k.local AND r.remote = k.remote\n"
"  AND r.n > k.episode AND r.n < coalesce(k.end_n, 1 << 62)\n"
"  AND r.event = 'rexmit';\n";

/*
 * ---- Version 17: the real-time edge's writer thread.  THE WRITER'S
 * SCHEMA CHANGE, all of it: two columns of the realtime table, how often
 * the loop had to wait for the writer thread (its queue of batches and
 * chunks full) and for how long.  An older file gets them when opened.
 */
static const char rec_schema_v17_cols_sql[] =
"ALTER TABLE realtime ADD COLUMN writer_waits INTEGER NOT NULL DEFAULT 0\n"
"  /* times the loop waited for the writer thread (the database's and\n"
"     captures' writes): its queue was full */;\n"
"ALTER TABLE realtime ADD COLUMN writer_wait_ns INTEGER NOT NULL DEFAULT 0\n"
"  /* the wall-clock time those waits took */;\n";

/*
 * ---- Version 18: tail-loss probes in tcp_events (issue 13; all of it
 * is here, in the v16 table's CHECK and the two pieces below). ----
 * A probe is a 'tlp' row.  SQLite cannot change a CHECK constraint in
 * place, so a file of version 16 or 17 moves its table aside before the
 * v16 lines make the new one, and copies its rows back after: the rows,
 * their order and their numbers stay as they were.
 */
static const char rec_schema_v18_aside_sql[] =
"DROP VIEW IF EXISTS tcp_recovery_packets;\n"
"DROP VIEW IF EXISTS tcp_recovery;\n"
"DROP INDEX IF EXISTS tcp_events_by_conn;\n"
"ALTER TABLE tcp_events RENAME TO tcp_events_v17;\n";
static const char rec_schema_v18_back_sql[] =
"INSERT INTO tcp_events SELECT * FROM tcp_events_v17 ORDER BY rowid;\n"
"DROP TABLE tcp_events_v17;\n";

/*
 * ---- Version 19: counter_summary in one pass (v7's view, which every
 * older file gets again when opened).  It looked each counter's last
 * value up by a subquery that read every host's samples of that name: a
 * 1,000-host run's summary took 146 s, now 0.9 s.  Same rows. ----
 */

/*
 * What a row costs in the database beyond its strings: SQLite's record
 * header, the integers, the index entry, page fill.  An estimate, for
 * the cap and the progress line only; on the shipped scenarios (counters
 * and packet stages) it came within 5% of the file's growth.
 */
#define REC_COUNTER_BYTES	40
#define REC_VIOLATION_BYTES	40
#define REC_STAGE_BYTES		48
#define REC_FLOW_BYTES		32
#define REC_REQUEST_BYTES	48
#define REC_FAULT_BYTES		48
#define REC_FAULT_ROWS		512	/* fault rows batched (few a run) */
#define REC_LOCK_BYTES		48
#define REC_LOCKS_MAX		256	/* lock rows buffered: they are few */
#define REC_RACE_BYTES		64
#define REC_TCP_BYTES		64

#define REC_NOTICE_MS		1000	/* tell of a busy wait after this */
#define REC_RENOTICE_MS		10000	/* and again this often */
#define REC_SLEEP_MAX_MS	100	/* longest nap while waiting */
#define REC_STRS_BYTES		(1024 * 1024)	/* string arena per batch */
#define REC_NO_STR		UINT32_MAX	/* a NULL string */

struct rec_counter {
	uint32_t name;                  /* offset in strs */
	uint32_t host;                  /* offset in strs, or REC_NO_STR */
	int32_t cpu;                    /* -1: not per-CPU */
	uint64_t t_ns;
	int64_t value;
};

struct rec_violation {
	uint64_t t_ns;
	int32_t cpu;                    /* -1: none */
	int32_t line;                   /* <= 0: none */
	uint32_t host, lwp, kind, file, message;    /* offsets or REC_NO_STR */
};

struct rec_stage {
	uint64_t pkt_id;
	uint64_t t_ns;
	int32_t cpu;                    /* -1: a device */
	uint32_t stage, host;           /* offsets in strs */
	uint32_t by_flow;               /* 0: none (NULL) */
};

struct rec_flow {
	uint64_t flow_id;
	uint32_t host, program, description, latency;
};

struct rec_request {
	uint64_t req_id;
	uint64_t sent_ns, done_ns;
};

/* A faults row, or (effect) a fault_effects row. */
struct rec_fault {
	bool effect;
	uint32_t fault_id;
	uint32_t kind, target, params;  /* a fault: offsets in strs */
	uint64_t start_ns, end_ns;      /* end_ns UINT64_MAX: NULL */
	uint64_t count;                 /* 0: NULL */
	uint32_t name;                  /* an effect: offset in strs */
	int64_t value;
};

/* A lock class (to == 0) or a lock-order edge (schema version 5). */
struct rec_lock {
	uint64_t t_ns;
	uint32_t from, to;              /* a class: from its number, to 0 */
	int32_t held_line, taken_line;  /* a class: its line in taken_line */
	int32_t cpu;                    /* -1: none; a class: its ipl or -1 */
	uint32_t held_file, taken_file; /* a class: its kind, its file */
	uint32_t host, lwp;
};

/* A tcp_events row (version 16). */
struct rec_tcp {
	uint64_t n, t_ns, seq, count, pkt_id;   /* count, pkt_id 0: NULL */
	int64_t snd_una;                /* -1: NULL */
	uint32_t host, local, remote, event;    /* offsets in strs */
};

struct rec_race {
	uint64_t t_ns, prev_t_ns;
	int64_t offset;                 /* -1: none */
	int32_t size, cpu, line, prev_cpu, prev_line;   /* cpu -1, line 0: none */
	uint32_t host, object, access, context, file, func;
	uint32_t prev_access, prev_context, prev_file, prev_func, replay;
};

struct sim_recorder {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *ins_counter;
	sqlite3_stmt *ins_violation;
	sqlite3_stmt *ins_stage;
	sqlite3_stmt *ins_flow;
	sqlite3_stmt *ins_request;
	sqlite3_stmt *ins_fault, *ins_effect;
	sqlite3_stmt *ins_lock_class;
	sqlite3_stmt *ins_lock_edge;
	sqlite3_stmt *ins_race;
	sqlite3_stmt *ins_tcp;
	int64_t run_id;                 /* the open run, or -1 */

	/* The batch: rows and their strings, sized at open. */
	struct rec_counter *counters;
	unsigned ncounters;
	struct rec_violation *violations;
	unsigned nviolations;
	struct rec_stage *stages;
	unsigned nstages;
	struct rec_flow *flows;
	unsigned nflows;
	struct rec_request *requests;
	unsigned nrequests;
	struct rec_fault *faults;
	unsigned nfaults;
	struct rec_lock *locks;
	unsigned nlocks;
	struct rec_race *races;
	unsigned nraces;
	struct rec_tcp *tcps;
	unsigned ntcps;
	uint64_t tcp_n;                 /* tcp_events rows of the run so far */
	char *strs;
	size_t strs_len;

	/* What the owner asked for (sim_record_opts), fixed at open. */
	uint64_t wait_ms;               /* bound on one busy wait */
	uint64_t bytes_max;             /* cap on a run's bytes; 0: none */
	void (*stop)(void *, bool);
	void (*notice)(void *, const char *);
	void *arg;
	uint64_t test_stall_ms;         /* the next batch write's, once */

	/* The current (or last) run's rows: rows = written + lost + batch. */
	uint64_t rows;                  /* offered by the run */
	uint64_t bytes;                 /* their estimated size */
	uint64_t written;               /* committed */
	uint64_t lost;                  /* dropped: the recorder had failed */
	bool stop_told;                 /* stop() called for this run */

	/* The busy wait in progress (wall clock, never in a row). */
	uint64_t wait_start_ms;
	uint64_t wait_told_ms;          /* when the owner was last told */
	bool waited_out;                /* the last wait hit wait_ms */
	bool timed_out;                 /* the failure was such a wait */

	bool failed;                    /* sticky: no more writes */
	char error[512];

	/* A real-time run's writer thread (see "The writer", below). */
	struct rec_async *async;
};

static void rec_async_flush(struct sim_recorder *);

static const char *const rec_statuses[] = {
	"ok", "violation", "deadlock", "limit", "error", NULL
};

/* Write "results database PATH: REASON" to err (which may be NULL). */
static void __attribute__((format(printf, 4, 5)))
rec_errf(char *err, size_t len, const char *path, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(err, len, "results database %s: %s", path, reason);
}

/* "60 s", "1.5 s": a wait bound, for people. */
static void
rec_format_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(buf, len, "%.3g s", (double)ms / 1000.0);
}

/*
 * Record the first failure of an open recorder (later writes are dropped
 * and counted) and tell the owner, once.
 */
static void __attribute__((format(printf, 2, 3)))
rec_failf(struct sim_recorder *r, const char *fmt, ...)
{
	char reason[768];
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	rec_errf(r->error, sizeof(r->error), r->path, "%s", reason);
	if (r->stop != NULL)
		r->stop(r->arg, true);
	assert(r->failed);
}

/* The same for a statement SQLite refused: what, then SQLite's reason. */
static void
rec_fail(struct sim_recorder *r, const char *what)
{
	char bound[32];

	rec_format_ms(r->wait_ms, bound, sizeof(bound));
	if ((sqlite3_extended_errcode(r->db) & 0xff) == SQLITE_BUSY &&
	    r->waited_out && !r->failed) {
		r->timed_out = true;
		rec_failf(r, "%s: %s (another process held it for longer "
		    "than the %s wait)", what, sqlite3_errmsg(r->db), bound);
	} else
		rec_failf(r, "%s: %s", what, sqlite3_errmsg(r->db));
}

/* Wall-clock milliseconds, to bound a busy wait; never in a row. */
static uint64_t
rec_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * SQLite's busy handler: another connection holds a lock this one needs
 * (another netsim's batch, someone's open transaction).  Nap and ask to
 * be retried, until wait_ms has passed since the first call of this
 * wait, telling the owner after REC_NOTICE_MS and every REC_RENOTICE_MS.
 * Returns 0 to give up: SQLite then fails the statement with
 * SQLITE_BUSY.  A failed recorder does not wait (sim_record_run_fail
 * tries once).
 */
static int
rec_busy(void *arg, int count)
{
	struct sim_recorder *r = arg;
	uint64_t now = rec_wall_ms(), waited, nap;
	char line[SIM_RECORD_STRING_MAX], bound[32];

	assert(count >= 0 && r->wait_ms > 0);
	if (count == 0) {
		r->wait_start_ms = now;
		r->wait_told_ms = 0;
		r->waited_out = false;
	}
	waited = now - r->wait_start_ms;
	if (r->failed || waited >= r->wait_ms) {
		r->waited_out = true;
		return 0;
	}
	if (r->notice != NULL && waited >= REC_NOTICE_MS &&
	    (r->wait_told_ms == 0 ||
	    waited - r->wait_told_ms >= REC_RENOTICE_MS)) {
		rec_format_ms(r->wait_ms, bound, sizeof(bound));
		if (r->wait_told_ms == 0)
			snprintf(line, sizeof(line), "results database %s: "
			    "locked by another process; waiting up to %s",
			    r->path, bound);
		else
			snprintf(line, sizeof(line), "results database %s: "
			    "still locked after %" PRIu64 " s; waiting up to "
			    "%s", r->path, waited / 1000, bound);
		r->wait_told_ms = waited;
		r->notice(r->arg, line);
	}
	nap = count < 7 ? 1u << count : REC_SLEEP_MAX_MS;
	if (nap > r->wait_ms - waited)
		nap = r->wait_ms - waited;
	sqlite3_sleep((int)nap);
	assert(nap <= REC_SLEEP_MAX_MS);
	return 1;
}

static int
rec_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The directory part of path, in buf. */
static const char *
rec_dirname(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	return dirname(buf);
}

/*
 * Say why path cannot be opened for writing, before SQLite gives a
 * vaguer reason.  Returns 0 if nothing is visibly wrong.
 */
static int
rec_check_path(const char *path, char *err, size_t len)
{
	char dbuf[4096];
	const char *dir = rec_dirname(path, dbuf, sizeof(dbuf));
	struct stat st;

	if (path[0] == '\0') {
		snprintf(err, len, "results database: the path is empty");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rec_errf(err, len, path, "is a directory");
			return -1;
		}
		if (access(path, R_OK) != 0) {
			rec_errf(err, len, path, "the file cannot be read (%s)",
			    strerror(errno));
			return -1;
		}
		if (access(path, W_OK) != 0) {
			rec_errf(err, len, path, "the file is read-only (%s)",
			    strerror(errno));
			return -1;
		}
		if (access(dir, W_OK) != 0) {
			rec_errf(err, len, path, "directory %s is not writable "
			    "(%s), and SQLite must create %s-wal and %s-shm "
			    "beside the database", dir, strerror(errno), path,
			    path);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		rec_errf(err, len, path, "%s", strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			rec_errf(err, len, path, "directory %s does not exist",
			    dir);
		else
			rec_errf(err, len, path, "directory %s cannot be "
			    "reached (%s)", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		rec_errf(err, len, path, "%s is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK) != 0) {
		rec_errf(err, len, path, "cannot create it: directory %s is not "
		    "writable (%s)", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Read the schema version and whether the file holds any schema at all.
 * Fails (with err) on a file that is not an SQLite database.
 */
static int
rec_read_version(sqlite3 *db, const char *path, int *version, int *nobjects,
    char *err, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM "
	    "pragma_user_version), (SELECT count(*) FROM sqlite_master)", -1,
	    &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			rec_errf(err, len, path, "not an SQLite database "
			    "(is it the right file?)");
		else
			rec_errf(err, len, path, "cannot read it: %s",
			    sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	*version = sqlite3_column_int(st, 0);
	*nobjects = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	return 0;
}

/* Say what is wrong with a file's schema version, or return 0. */
static int
rec_check_version(const char *path, int version, int nobjects, char *err,
    size_t len)
{
	if (version == SIM_RECORD_SCHEMA_VERSION || (version == 0 &&
	    nobjects == 0) || (version >= 1 &&
	    version < SIM_RECORD_SCHEMA_VERSION))      /* upgraded */
		return 0;
	if (version == 0)
		rec_errf(err, len, path, "an SQLite database, but not a netsim "
		    "results database (it has tables and no schema version)");
	else if (version < SIM_RECORD_SCHEMA_VERSION)
		rec_errf(err, len, path, "written by an older netsim (schema "
		    "version %d); this netsim reads version %d only: use a new "
		    "database file", version, SIM_RECORD_SCHEMA_VERSION);
	else
		rec_errf(err, len, path, "written by a newer netsim (schema "
		    "version %d); this netsim reads version %d only", version,
		    SIM_RECORD_SCHEMA_VERSION);
	return -1;
}

/*
 * Journal and sync settings.
 *
 * WAL: a transaction appends its pages to PATH-wal and ends with a commit
 * frame; readers and a recovering opener ignore frames after the last
 * commit frame, and pages reach the main file only by a checkpoint that
 * copies committed frames.  A process killed at any moment (SIGKILL, a
 * crash, an abort) therefore leaves the last committed state: what it
 * wrote with write() is in the OS's page cache, which outlives it.
 *
 * synchronous=NORMAL: the WAL is fsync'ed at checkpoints, not at every
 * commit.  On power loss or an OS crash the database still opens and
 * passes integrity_check (the checkpoint syncs the WAL before writing the
 * main file), but the last committed transactions may be gone: a finished
 * run can come back as 'unfinished', or vanish if its first commit was
 * lost.  Durability across power loss is not promised; FULL would cost an
 * fsync per batch.
 */
/*
 * Ask for WAL mode; *wal says whether the file is in it now.  Returns an
 * SQLite result code.  Switching needs the file to itself, and SQLite
 * reports a busy file at once instead of calling the busy handler, so
 * the caller retries.
 */
static int
rec_set_wal(sqlite3 *db, bool *wal)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*wal = strcmp((const char *)sqlite3_column_text(st, 0),
		    "wal") == 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int
rec_configure(sqlite3 *db, const char *path, uint64_t wait_ms, char *err,
    size_t len)
{
	bool wal = false;
	uint64_t tries = 0;
	int rc;

	while ((rc = rec_set_wal(db, &wal)) != SQLITE_OK &&
	    (rc & 0xff) == SQLITE_BUSY && tries++ < wait_ms / 10)
		sqlite3_sleep(10);
	if (rc != SQLITE_OK) {
		rec_errf(err, len, path, "cannot switch to WAL mode: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (!wal) {
		rec_errf(err, len, path, "the file system refuses WAL mode "
		    "(a network file system?)");
		return -1;
	}
	/*
	 * foreign_keys stays off in the writer: the only parent it could
	 * check is its own run, and checking it costs a third of the insert
	 * time.  The REFERENCES clauses document the links, and cascade
	 * deletes for a reader that turns the pragma on.
	 */
	if (rec_exec(db, "PRAGMA synchronous=NORMAL; "
	    "PRAGMA cache_size=-16384") != SQLITE_OK) {
		rec_errf(err, len, path, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Whether table (if it exists) has column: *has.  A file faked to an
 * older version may have the newer columns already.  Returns an SQLite
 * result code, SQLITE_OK (0) on success.
 */
static int
rec_has_column(sqlite3 *db, const char *table, const char *column, bool *has)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*has = false;
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1) "
	    "WHERE name = ?2", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*has = sqlite3_column_int(st, 0) > 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Create the schema if the file has none.  The check is repeated inside
 * the write transaction: another netsim may have created it meanwhile.
 */
static int
rec_create_schema(sqlite3 *db, const char *path, char *err, size_t len)
{
	char sql[sizeof(rec_schema_sql) + sizeof(rec_schema_v2_sql) +
	    sizeof(rec_schema_v3_sql) + sizeof(rec_schema_v4_sql) +
	    sizeof(rec_schema_v5_sql) + sizeof(rec_schema_v6_cols_sql) +
	    sizeof(rec_schema_v6_sql) + sizeof(rec_schema_v7_drop_sql) +
	    sizeof(rec_schema_v7_sql) + sizeof(rec_schema_v8_sql) +
	    sizeof(rec_schema_v9_sql) + sizeof(rec_schema_v10_sql) +
	    sizeof(rec_schema_v11_cols_sql) + sizeof(rec_schema_v11_sql) +
	    sizeof(rec_schema_v12_sql) + sizeof(rec_schema_v13_cols_sql) +
	    sizeof(rec_schema_v13_sql) + sizeof(rec_schema_v14_sql) +
	    sizeof(rec_schema_v15_drop_sql) + sizeof(rec_schema_v15_sql) +
	    sizeof(rec_schema_v16_sql) + sizeof(rec_schema_v17_cols_sql) +
	    sizeof(rec_schema_v18_aside_sql) + sizeof(rec_schema_v18_back_sql) +
	    64];
	int version, nobjects;
	bool cols, cols11 = false, cols13 = false, cols17 = false, tcp17;

	if (rec_exec(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		rec_errf(err, len, path, "cannot lock it to create the "
		    "tables: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (rec_read_version(db, path, &version, &nobjects, err, len) != 0 ||
	    rec_check_version(path, version, nobjects, err, len) != 0)
		goto fail;
	if (rec_has_column(db, "packet_stages", "by_flow", &cols) != 0 ||
	    (version > 0 && rec_has_column(db, "runs", "campaign_id",
	    &cols11) != 0) ||
	    (version > 0 && rec_has_column(db, "runs", "mode", &cols13) != 0) ||
	    (version > 0 && rec_has_column(db, "realtime", "writer_waits",
	    &cols17) != 0)) {
		rec_errf(err, len, path, "cannot read its tables: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	/* A tcp_events table of version 16 or 17 lacks the 'tlp' event. */
	tcp17 = version >= 16 && version < 18;
	/* Version 4's rebuild of runs (from 1 to 3) drops campaign_id. */
	if (version >= 1 && version <= 3)
		cols11 = cols13 = false;
	/*
	 * A new file gets the whole schema; an older one what it lacks (the
	 * v5 to v11 parts may run again: they replace views and create
	 * only what is missing).  The report's views go first (v4 renames
	 * runs) and come back last (they read the packets view of v6).
	 */
	snprintf(sql, sizeof(sql), "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"
	    "%s%sPRAGMA user_version=%d;",
	    version == 0 ? rec_schema_sql : "",
	    version < 3 ? rec_schema_v2_sql : "",
	    version < 3 ? rec_schema_v3_sql : "", rec_schema_v7_drop_sql,
	    rec_schema_v15_drop_sql,
	    version >= 1 && version <= 3 ? rec_schema_v4_sql : "",
	    rec_schema_v5_sql, cols ? "" : rec_schema_v6_cols_sql,
	    rec_schema_v6_sql, rec_schema_v7_sql, rec_schema_v8_sql,
	    rec_schema_v9_sql, rec_schema_v10_sql, rec_schema_v11_sql,
	    cols11 ? "" : rec_schema_v11_cols_sql, rec_schema_v12_sql,
	    cols13 ? "" : rec_schema_v13_cols_sql, rec_schema_v13_sql,
	    rec_schema_v14_sql, rec_schema_v15_sql, tcp17 ?
	    rec_schema_v18_aside_sql : "", rec_schema_v16_sql,
	    tcp17 ? rec_schema_v18_back_sql : "",
	    cols17 ? "" : rec_schema_v17_cols_sql, SIM_RECORD_SCHEMA_VERSION);
	if ((version < SIM_RECORD_SCHEMA_VERSION &&
	    rec_exec(db, sql) != SQLITE_OK) ||
	    rec_exec(db, "COMMIT") != SQLITE_OK) {
		rec_errf(err, len, path, "cannot create the tables: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	rec_exec(db, "ROLLBACK");
	return -1;
}

/* Open the file and bring it to a usable schema. */
static int
rec_open_db(struct sim_recorder *r, char *err, size_t len)
{
	const char *path = r->path;
	int version, nobjects;

	/*
	 * NOMUTEX: one recorder is used by one thread at a time (the
	 * engine's; in a real-time run the writer's while it holds
	 * batches: sim_record_async).
	 */
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rec_errf(err, len, path, "%s", r->db ? sqlite3_errmsg(r->db) :
		    "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_handler(r->db, rec_busy, r);
	if (sqlite3_db_readonly(r->db, "main") == 1) {
		rec_errf(err, len, path, "the file is read-only");
		return -1;
	}
	/* Identify the file before changing anything in it. */
	if (rec_read_version(r->db, path, &version, &nobjects, err, len) != 0 ||
	    rec_check_version(path, version, nobjects, err, len) != 0)
		return -1;
	if (rec_configure(r->db, path, r->wait_ms, err, len) != 0)
		return -1;
	if (version != SIM_RECORD_SCHEMA_VERSION &&
	    rec_create_schema(r->db, path, err, len) != 0)
		return -1;
	return 0;
}

static int
rec_prepare(struct sim_recorder *r, char *err, size_t len)
{
	static const char ins_c[] = "INSERT INTO counters (run_id, name, "
	    "host, cpu, t_ns, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char ins_v[] = "INSERT INTO violations (run_id, t_ns, "
	    "host, cpu, lwp, kind, file, line, message) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	static const char ins_s[] = "INSERT INTO packet_stages (run_id, "
	    "pkt_id, stage, host, cpu, t_ns, by_flow) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)";
	static const char ins_f[] = "INSERT INTO flows (run_id, flow_id, "
	    "host, program, description, latency) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6)";
	static const char ins_q[] = "INSERT INTO requests (run_id, req_id, "
	    "flow_id, sent_ns, done_ns) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char ins_x[] = "INSERT INTO faults (run_id, fault_id, "
	    "kind, target, start_ns, end_ns, count, parameters) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	static const char ins_e[] = "INSERT INTO fault_effects (run_id, "
	    "fault_id, name, value) VALUES (?1, ?2, ?3, ?4)";
	static const char ins_lc[] = "INSERT INTO lock_classes (run_id, "
	    "class, kind, file, line, ipl) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char ins_le[] = "INSERT INTO lock_edges (run_id, "
	    "from_class, to_class, held_file, held_line, taken_file, "
	    "taken_line, t_ns, host, cpu, lwp) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	static const char ins_r[] = "INSERT INTO races (run_id, t_ns, host, "
	    "object, offset, size, access, cpu, context, file, line, func, "
	    "prev_t_ns, prev_access, prev_cpu, prev_context, prev_file, "
	    "prev_line, prev_func, replay) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
	    "?20)";
	static const char ins_t[] = "INSERT INTO tcp_events (run_id, n, t_ns, "
	    "host, local, remote, event, snd_una, seq, count, pkt_id) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

	if (sqlite3_prepare_v3(r->db, ins_c, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_counter, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_v, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_violation, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_s, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_stage, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_f, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_flow, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_q, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_request, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_x, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_fault, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_e, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_effect, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_lc, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_lock_class, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_le, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_lock_edge, NULL) != SQLITE_OK ||

	    sqlite3_prepare_v3(r->db, ins_r, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_race, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(r->db, ins_t, -1, SQLITE_PREPARE_PERSISTENT,
	    &r->ins_tcp, NULL) != SQLITE_OK) {
		rec_errf(err, len, r->path, "%s", sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

/*
 * Allocate the batch's rows and strings (the faults' rows come with the
 * first fault); 0, or -1 out of memory (rec_batch_free frees the rest).
 * => r's batch pointers are overwritten, not freed (a new recorder's,
 *    or a copy's: rec_shell_make)
 */
static int
rec_batch_alloc(struct sim_recorder *r)
{
	r->counters = NULL;
	r->violations = NULL;
	r->stages = NULL;
	r->flows = NULL;
	r->requests = NULL;
	r->faults = NULL;
	r->locks = NULL;
	r->races = NULL;
	r->tcps = NULL;
	r->strs = NULL;
	if ((r->counters = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->counters))) == NULL ||
	    (r->violations = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->violations))) == NULL ||
	    (r->stages = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->stages))) == NULL ||
	    (r->flows = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->flows))) == NULL ||
	    (r->requests = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->requests))) == NULL ||
	    (r->locks = calloc(REC_LOCKS_MAX, sizeof(*r->locks))) == NULL ||
	    (r->races = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->races))) == NULL ||
	    (r->tcps = calloc(SIM_RECORD_ROWS_MAX,
	    sizeof(*r->tcps))) == NULL ||
	    (r->strs = malloc(REC_STRS_BYTES)) == NULL)
		return -1;
	return 0;
}

static void
rec_batch_free(struct sim_recorder *r)
{
	free(r->strs);
	free(r->violations);
	free(r->stages);
	free(r->flows);
	free(r->requests);
	free(r->faults);
	free(r->locks);
	free(r->races);
	free(r->tcps);
	free(r->counters);
}

struct sim_recorder *
sim_record_open(const char *path, char *err, size_t len)
{
	return sim_record_open_opts(path, NULL, err, len);
}

struct sim_recorder *
sim_record_open_opts(const char *path, const struct sim_record_opts *opts,
    char *err, size_t len)
{
	static const struct sim_record_opts defaults;
	struct sim_recorder *r;
	char ignored[1];

	assert(path != NULL);
	if (opts == NULL)
		opts = &defaults;
	assert(opts->wait_ms <= SIM_RECORD_WAIT_MAX_MS);
	if (err == NULL) {
		err = ignored;
		len = sizeof(ignored);
	}
	if (rec_check_path(path, err, len) != 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = strdup(path)) == NULL ||
	    rec_batch_alloc(r) != 0) {
		rec_errf(err, len, path, "out of memory");
		goto fail;
	}
	r->run_id = -1;
	r->wait_ms = opts->wait_ms != 0 ? opts->wait_ms : SIM_RECORD_WAIT_MS;
	r->bytes_max = opts->bytes_max;
	r->stop = opts->stop;
	r->notice = opts->notice;
	r->arg = opts->arg;
	r->test_stall_ms = opts->test_stall_ms;
	if (rec_open_db(r, err, len) != 0 || rec_prepare(r, err, len) != 0)
		goto fail;
	return r;
fail:
	sim_record_close(r);
	return NULL;
}

void
sim_record_close(struct sim_recorder *r)
{
	if (r == NULL)
		return;
	sim_record_async(r, NULL);
	if (r->db != NULL && r->run_id >= 0)
		sim_record_flush(r);    /* the run stays 'unfinished' */
	sqlite3_finalize(r->ins_counter);
	sqlite3_finalize(r->ins_violation);
	sqlite3_finalize(r->ins_stage);
	sqlite3_finalize(r->ins_flow);
	sqlite3_finalize(r->ins_request);
	sqlite3_finalize(r->ins_fault);
	sqlite3_finalize(r->ins_effect);
	sqlite3_finalize(r->ins_lock_class);
	sqlite3_finalize(r->ins_lock_edge);
	sqlite3_finalize(r->ins_race);
	sqlite3_finalize(r->ins_tcp);
	/* Every statement is finalized, so this cannot be refused. */
	if (sqlite3_close(r->db) != SQLITE_OK)
		assert(!"sqlite3_close refused: a statement leaked");
	rec_batch_free(r);
	free(r->path);
	free(r);
}

const char *
sim_record_error(const struct sim_recorder *r)
{
	assert(r != NULL);
	return r->failed ? r->error : NULL;
}

bool
sim_record_timed_out(const struct sim_recorder *r)
{
	assert(r != NULL);
	return r->failed && r->timed_out;
}

void
sim_record_stats(const struct sim_recorder *r, uint64_t *rows,
    uint64_t *bytes, uint64_t *written, uint64_t *lost)
{
	assert(r != NULL);
	assert(r->written + r->lost <= r->rows);
	if (rows != NULL)
		*rows = r->rows;
	if (bytes != NULL)
		*bytes = r->bytes;
	if (written != NULL)
		*written = r->written;
	if (lost != NULL)
		*lost = r->lost;
}

int64_t
sim_record_run_begin(struct sim_recorder *r, const char *scenario_name,
    const char *scenario_file, const char *scenario_text, uint64_t seed,
    const char *version, char *err, size_t len)
{
	sqlite3_stmt *st = NULL;
	int64_t id;

	assert(r != NULL && scenario_name != NULL);
	assert(r->run_id < 0 && r->ncounters == 0 && r->nviolations == 0 &&
	    r->nstages == 0 && r->nflows == 0 && r->nrequests == 0 &&
	    r->nfaults == 0 && r->nlocks == 0);
	if (r->failed) {
		snprintf(err, len, "%s", r->error);
		return -1;
	}
	if (seed > (uint64_t)INT64_MAX) {
		rec_errf(err, len, r->path, "seed %" PRIu64 " is out of range "
		    "(0 to %" PRId64 ")", seed, INT64_MAX);
		return -1;
	}
	/* One statement outside BEGIN is its own committed transaction. */
	if (sqlite3_prepare_v2(r->db, "INSERT INTO runs (scenario, "
	    "scenario_file, scenario_text, seed, version, start_ns) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, 0)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, scenario_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scenario_file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scenario_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)seed);
	sqlite3_bind_text(st, 5, version, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(r->db);
	assert(id > 0);
	r->run_id = id;
	r->rows = r->bytes = r->written = r->lost = 0;
	r->tcp_n = 0;
	r->stop_told = false;
	return id;
fail:
	rec_errf(err, len, r->path, "cannot add the run: %s",
	    sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return -1;
}

/*
 * Copy s into the batch's strings; returns its offset, or REC_NO_STR for
 * NULL.  Longer strings are cut at SIM_RECORD_STRING_MAX bytes.
 * => the caller made room for SIM_RECORD_STRING_MAX + 1 bytes
 */
static uint32_t
rec_str(struct sim_recorder *r, const char *s)
{
	size_t n;
	uint32_t off;

	if (s == NULL)
		return REC_NO_STR;
	n = strnlen(s, SIM_RECORD_STRING_MAX);
	assert(r->strs_len + n + 1 <= REC_STRS_BYTES);
	off = (uint32_t)r->strs_len;
	memcpy(r->strs + off, s, n);
	r->strs[off + n] = '\0';
	r->strs_len += n + 1;
	return off;
}

static const char *
rec_get_str(const struct sim_recorder *r, uint32_t off)
{
	assert(off == REC_NO_STR || off < r->strs_len);
	return off == REC_NO_STR ? NULL : r->strs + off;
}

static unsigned
rec_batch_rows(const struct sim_recorder *r)
{
	return r->ncounters + r->nviolations + r->nstages + r->nflows +
	    r->nrequests + r->nfaults + r->nlocks +
	    r->nraces + r->ntcps;
}

/* Bytes a string adds to a row (as stored: cut at SIM_RECORD_STRING_MAX). */
static uint64_t
rec_slen(const char *s)
{
	return s == NULL ? 0 : strnlen(s, SIM_RECORD_STRING_MAX);
}

/*
 * Count one row of about `bytes` bytes of database, tell the owner when
 * the run's rows reach the cap, and make room in the batch for the row
 * and its nstr strings, flushing the batch when full.  Returns false if
 * the recorder has failed: the row is dropped and counted as lost.
 */
static bool
rec_take(struct sim_recorder *r, unsigned nstr, uint64_t bytes)
{
	size_t need = nstr * (SIM_RECORD_STRING_MAX + 1);

	assert(r->run_id >= 0);
	r->rows++;
	r->bytes += bytes;
	if (r->bytes_max != 0 && r->bytes >= r->bytes_max) {
		if (!r->stop_told) {
			r->stop_told = true;
			if (r->stop != NULL)
				r->stop(r->arg, false);
		}
		if (r->bytes / 2 > r->bytes_max)
			rec_failf(r, "the run's rows passed twice the cap of "
			    "%" PRIu64 " bytes and it did not stop",
			    r->bytes_max);
	}
	if (!r->failed && (rec_batch_rows(r) >= SIM_RECORD_ROWS_MAX ||
	    r->strs_len + need > REC_STRS_BYTES))
		sim_record_flush(r);
	if (r->failed) {
		r->lost++;
		return false;
	}
	assert(rec_batch_rows(r) < SIM_RECORD_ROWS_MAX);
	return true;
}

uint64_t
sim_record_counter_bytes(const char *name, const char *host)
{
	assert(name != NULL);
	/* The name is in the index too. */
	return REC_COUNTER_BYTES + 2 * rec_slen(name) + rec_slen(host);
}

void
sim_record_counter(struct sim_recorder *r, const char *name,
    const char *host, int cpu, uint64_t t_ns, int64_t value)
{
	struct rec_counter *c;

	assert(r != NULL && name != NULL && cpu >= -1);
	assert(t_ns <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 2, sim_record_counter_bytes(name, host)))
		return;
	c = &r->counters[r->ncounters++];
	c->name = rec_str(r, name);
	c->host = rec_str(r, host);
	c->cpu = cpu;
	c->t_ns = t_ns;
	c->value = value;
}

void
sim_record_violation(struct sim_recorder *r, uint64_t t_ns, const char *host,
    int cpu, const char *lwp, const char *kind, const char *file, int line,
    const char *message)
{
	struct rec_violation *v;

	assert(r != NULL && kind != NULL && cpu >= -1);
	assert(t_ns <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 5, REC_VIOLATION_BYTES + rec_slen(host) +
	    rec_slen(lwp) + rec_slen(kind) + rec_slen(file) +
	    rec_slen(message)))
		return;
	v = &r->violations[r->nviolations++];
	v->t_ns = t_ns;
	v->cpu = cpu;
	v->line = file != NULL && line > 0 ? line : 0;
	v->host = rec_str(r, host);
	v->lwp = rec_str(r, lwp);
	v->kind = rec_str(r, kind);
	v->file = rec_str(r, file);
	v->message = rec_str(r, message);
}

static void
rec_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
rec_bind_int_or_null(sqlite3_stmt *st, int i, int v, int none)
{
	if (v == none)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v);
}

/* Insert the batch's counter rows.  => inside a write transaction */
static int
rec_write_counters(struct sim_recorder *r)
{
	sqlite3_stmt *st = r->ins_counter;

	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->ncounters; i++) {
		const struct rec_counter *c = &r->counters[i];

		rec_bind_str(st, 2, rec_get_str(r, c->name));
		rec_bind_str(st, 3, rec_get_str(r, c->host));
		rec_bind_int_or_null(st, 4, c->cpu, -1);
		sqlite3_bind_int64(st, 5, (int64_t)c->t_ns);
		sqlite3_bind_int64(st, 6, c->value);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

/* Insert the batch's violation rows.  => inside a write transaction */
static int
rec_write_violations(struct sim_recorder *r)
{
	sqlite3_stmt *st = r->ins_violation;

	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->nviolations; i++) {
		const struct rec_violation *v = &r->violations[i];

		sqlite3_bind_int64(st, 2, (int64_t)v->t_ns);
		rec_bind_str(st, 3, rec_get_str(r, v->host));
		rec_bind_int_or_null(st, 4, v->cpu, -1);
		rec_bind_str(st, 5, rec_get_str(r, v->lwp));
		rec_bind_str(st, 6, rec_get_str(r, v->kind));
		rec_bind_str(st, 7, rec_get_str(r, v->file));
		rec_bind_int_or_null(st, 8, v->line, 0);
		rec_bind_str(st, 9, rec_get_str(r, v->message));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

/* Insert the batch's packet stages and flows.  => in a write transaction */
static int
rec_write_packets(struct sim_recorder *r)
{
	sqlite3_stmt *st = r->ins_stage;

	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->nstages; i++) {
		const struct rec_stage *g = &r->stages[i];

		sqlite3_bind_int64(st, 2, (int64_t)g->pkt_id);
		rec_bind_str(st, 3, rec_get_str(r, g->stage));
		rec_bind_str(st, 4, rec_get_str(r, g->host));
		rec_bind_int_or_null(st, 5, g->cpu, -1);
		sqlite3_bind_int64(st, 6, (int64_t)g->t_ns);
		if (g->by_flow != 0)
			sqlite3_bind_int64(st, 7, g->by_flow);
		else
			sqlite3_bind_null(st, 7);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	st = r->ins_flow;
	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->nflows; i++) {
		const struct rec_flow *f = &r->flows[i];

		sqlite3_bind_int64(st, 2, (int64_t)f->flow_id);
		rec_bind_str(st, 3, rec_get_str(r, f->host));
		rec_bind_str(st, 4, rec_get_str(r, f->program));
		rec_bind_str(st, 5, rec_get_str(r, f->description));
		rec_bind_str(st, 6, rec_get_str(r, f->latency));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	st = r->ins_request;
	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->nrequests; i++) {
		const struct rec_request *q = &r->requests[i];

		sqlite3_bind_int64(st, 2, (int64_t)q->req_id);
		sqlite3_bind_int64(st, 3, (int64_t)(q->req_id >> 32));
		sqlite3_bind_int64(st, 4, (int64_t)q->sent_ns);
		sqlite3_bind_int64(st, 5, (int64_t)q->done_ns);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

void
sim_record_packet_stage(struct sim_recorder *r, uint64_t pkt_id,
    const char *stage, const char *host, int cpu, uint64_t t_ns,
    uint32_t by_flow)
{
	struct rec_stage *g;

	assert(r != NULL && stage != NULL && cpu >= -1);
	assert(t_ns <= (uint64_t)INT64_MAX && pkt_id <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 2, REC_STAGE_BYTES + rec_slen(stage) +
	    rec_slen(host)))
		return;
	g = &r->stages[r->nstages++];
	g->pkt_id = pkt_id;
	g->t_ns = t_ns;
	g->cpu = cpu;
	g->stage = rec_str(r, stage);
	g->host = rec_str(r, host);
	g->by_flow = by_flow;
}

void
sim_record_flow(struct sim_recorder *r, uint64_t flow_id, const char *host,
    const char *program, const char *description, const char *latency)
{
	struct rec_flow *f;

	assert(r != NULL && flow_id <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 4, REC_FLOW_BYTES + rec_slen(host) +
	    rec_slen(program) + rec_slen(description) + rec_slen(latency)))
		return;
	f = &r->flows[r->nflows++];
	f->flow_id = flow_id;
	f->host = rec_str(r, host);
	f->program = rec_str(r, program);
	f->description = rec_str(r, description);
	f->latency = rec_str(r, latency);
}

void
sim_record_request(struct sim_recorder *r, uint64_t req_id, uint64_t sent_ns,
    uint64_t done_ns)
{
	struct rec_request *q;

	assert(r != NULL && req_id != 0 && req_id <= (uint64_t)INT64_MAX);
	assert(sent_ns <= done_ns && done_ns <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 0, REC_REQUEST_BYTES))
		return;
	q = &r->requests[r->nrequests++];
	q->req_id = req_id;
	q->sent_ns = sent_ns;
	q->done_ns = done_ns;
}

/* ---- Version 16: TCP's loss recovery. ---- */

/* Insert the batch's tcp_events rows.  => in a write transaction */
static int
rec_write_tcp(struct sim_recorder *r)
{
	sqlite3_stmt *st = r->ins_tcp;

	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->ntcps; i++) {
		const struct rec_tcp *e = &r->tcps[i];

		sqlite3_bind_int64(st, 2, (int64_t)e->n);
		sqlite3_bind_int64(st, 3, (int64_t)e->t_ns);
		rec_bind_str(st, 4, rec_get_str(r, e->host));
		rec_bind_str(st, 5, rec_get_str(r, e->local));
		rec_bind_str(st, 6, rec_get_str(r, e->remote));
		rec_bind_str(st, 7, rec_get_str(r, e->event));
		if (e->snd_una >= 0)
			sqlite3_bind_int64(st, 8, e->snd_una);
		else
			sqlite3_bind_null(st, 8);
		sqlite3_bind_int64(st, 9, (int64_t)e->seq);
		if (e->count != 0)
			sqlite3_bind_int64(st, 10, (int64_t)e->count);
		else
			sqlite3_bind_null(st, 10);
		if (e->pkt_id != 0)
			sqlite3_bind_int64(st, 11, (int64_t)e->pkt_id);
		else
			sqlite3_bind_null(st, 11);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

void
sim_record_tcp_event(struct sim_recorder *r, const struct sim_tcp_event *ev)
{
	struct rec_tcp *e;

	assert(r != NULL && ev != NULL && ev->host != NULL &&
	    ev->local != NULL && ev->remote != NULL && ev->event != NULL);
	assert(ev->t_ns <= (uint64_t)INT64_MAX &&
	    ev->pkt_id <= (uint64_t)INT64_MAX && ev->snd_una >= -1 &&
	    ev->seq <= UINT32_MAX && ev->count <= (uint64_t)INT64_MAX);
	/* Numbered as offered: a row lost to a failed recorder keeps its n. */
	r->tcp_n++;
	if (!rec_take(r, 4, REC_TCP_BYTES + rec_slen(ev->host) +
	    rec_slen(ev->local) + rec_slen(ev->remote) + rec_slen(ev->event)))
		return;
	e = &r->tcps[r->ntcps++];
	e->n = r->tcp_n;
	e->t_ns = ev->t_ns;
	e->snd_una = ev->snd_una;
	e->seq = ev->seq;
	e->count = ev->count;
	e->pkt_id = ev->pkt_id;
	e->host = rec_str(r, ev->host);
	e->local = rec_str(r, ev->local);
	e->remote = rec_str(r, ev->remote);
	e->event = rec_str(r, ev->event);
}

/* ---- Schema version 5: faults and what they did. ---- */

/*
 * Room for one more fault row: the rows are allocated with the first (a
 * run without faults has none), and flushed when full.  False (the row
 * counted as lost, as rec_take would) if there is no memory for them.
 */
static bool
rec_fault_room(struct sim_recorder *r)
{
	if (r->faults == NULL &&
	    (r->faults = calloc(REC_FAULT_ROWS, sizeof(*r->faults))) == NULL) {
		rec_failf(r, "out of memory for the faults' rows");
		r->rows++;
		r->lost++;
		return false;
	}
	if (r->nfaults == REC_FAULT_ROWS && !r->failed)
		sim_record_flush(r);
	return true;
}

void
sim_record_fault(struct sim_recorder *r, unsigned fault_id, const char *kind,
    const char *target, uint64_t start_ns, uint64_t end_ns, uint64_t count,
    const char *parameters)
{
	struct rec_fault *x;

	assert(r != NULL && kind != NULL && target != NULL);
	assert(start_ns <= (uint64_t)INT64_MAX && count <= (uint64_t)INT64_MAX);
	assert(end_ns == UINT64_MAX || end_ns <= (uint64_t)INT64_MAX);
	if (!rec_fault_room(r) || !rec_take(r, 3, REC_FAULT_BYTES +
	    rec_slen(kind) + rec_slen(target) + rec_slen(parameters)))
		return;
	x = &r->faults[r->nfaults++];
	*x = (struct rec_fault){ .fault_id = fault_id, .start_ns = start_ns,
	    .end_ns = end_ns, .count = count, .name = REC_NO_STR };
	x->kind = rec_str(r, kind);
	x->target = rec_str(r, target);
	x->params = rec_str(r, parameters);
}

void
sim_record_fault_effect(struct sim_recorder *r, unsigned fault_id,
    const char *name, int64_t value)
{
	struct rec_fault *x;

	assert(r != NULL && name != NULL);
	if (!rec_fault_room(r) || !rec_take(r, 1, REC_FAULT_BYTES +
	    rec_slen(name)))
		return;
	x = &r->faults[r->nfaults++];
	*x = (struct rec_fault){ .effect = true, .fault_id = fault_id,
	    .value = value, .kind = REC_NO_STR, .target = REC_NO_STR,
	    .params = REC_NO_STR };
	x->name = rec_str(r, name);
}

/* One faults or fault_effects row.  => inside a write transaction */
static int
rec_write_fault(struct sim_recorder *r, const struct rec_fault *x)
{
	sqlite3_stmt *st = x->effect ? r->ins_effect : r->ins_fault;
	int rc;

	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_int64(st, 2, x->fault_id);
	if (x->effect) {
		rec_bind_str(st, 3, rec_get_str(r, x->name));
		sqlite3_bind_int64(st, 4, x->value);
	} else {
		rec_bind_str(st, 3, rec_get_str(r, x->kind));
		rec_bind_str(st, 4, rec_get_str(r, x->target));
		sqlite3_bind_int64(st, 5, (int64_t)x->start_ns);
		if (x->end_ns == UINT64_MAX)
			sqlite3_bind_null(st, 6);
		else
			sqlite3_bind_int64(st, 6, (int64_t)x->end_ns);
		if (x->count == 0)
			sqlite3_bind_null(st, 7);
		else
			sqlite3_bind_int64(st, 7, (int64_t)x->count);
		rec_bind_str(st, 8, rec_get_str(r, x->params));
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Insert the batch's fault rows.  => inside a write transaction */
static int
rec_write_faults(struct sim_recorder *r)
{
	for (unsigned i = 0; i < r->nfaults; i++)
		if (rec_write_fault(r, &r->faults[i]) != 0)
			return -1;
	return 0;
}

/* Insert the batch's lock classes and edges.  => in a write transaction */
static int
rec_write_locks(struct sim_recorder *r)
{
	for (unsigned i = 0; i < r->nlocks; i++) {
		const struct rec_lock *k = &r->locks[i];
		sqlite3_stmt *st = k->to == 0 ? r->ins_lock_class :
		    r->ins_lock_edge;

		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int64(st, 2, k->from);
		if (k->to == 0) {
			rec_bind_str(st, 3, rec_get_str(r, k->held_file));
			rec_bind_str(st, 4, rec_get_str(r, k->taken_file));
			sqlite3_bind_int(st, 5, k->taken_line);
			rec_bind_int_or_null(st, 6, k->cpu, -1);
		} else {
			sqlite3_bind_int64(st, 3, k->to);
			rec_bind_str(st, 4, rec_get_str(r, k->held_file));
			sqlite3_bind_int(st, 5, k->held_line);
			rec_bind_str(st, 6, rec_get_str(r, k->taken_file));
			sqlite3_bind_int(st, 7, k->taken_line);
			sqlite3_bind_int64(st, 8, (int64_t)k->t_ns);
			rec_bind_str(st, 9, rec_get_str(r, k->host));
			rec_bind_int_or_null(st, 10, k->cpu, -1);
			rec_bind_str(st, 11, rec_get_str(r, k->lwp));
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

void
sim_record_lock_class(struct sim_recorder *r, unsigned cls, const char *kind,
    const char *file, int line, int ipl)
{
	struct rec_lock *k;

	assert(r != NULL && cls > 0 && kind != NULL && file != NULL);
	assert(ipl >= -1);
	if (r->nlocks == REC_LOCKS_MAX)
		sim_record_flush(r);
	if (!rec_take(r, 2, REC_LOCK_BYTES + rec_slen(kind) + rec_slen(file)))
		return;
	k = &r->locks[r->nlocks++];
	memset(k, 0, sizeof(*k));
	k->from = cls;
	k->to = 0;
	k->held_file = rec_str(r, kind);
	k->taken_file = rec_str(r, file);
	k->taken_line = line;
	k->cpu = ipl;
}

void
sim_record_lock_edge(struct sim_recorder *r, unsigned from, unsigned to,
    const char *held_file, int held_line, const char *taken_file,
    int taken_line, uint64_t t_ns, const char *host, int cpu,
    const char *lwp)
{
	struct rec_lock *k;

	assert(r != NULL && from > 0 && to > 0 && cpu >= -1);
	assert(held_file != NULL && taken_file != NULL);
	assert(t_ns <= (uint64_t)INT64_MAX);
	if (r->nlocks == REC_LOCKS_MAX)
		sim_record_flush(r);
	if (!rec_take(r, 4, REC_LOCK_BYTES + rec_slen(held_file) +
	    rec_slen(taken_file) + rec_slen(host) + rec_slen(lwp)))
		return;
	k = &r->locks[r->nlocks++];
	k->t_ns = t_ns;
	k->from = from;
	k->to = to;
	k->held_line = held_line;
	k->taken_line = taken_line;
	k->cpu = cpu;
	k->held_file = rec_str(r, held_file);
	k->taken_file = rec_str(r, taken_file);
	k->host = rec_str(r, host);
	k->lwp = rec_str(r, lwp);
}

void
sim_record_race(struct sim_recorder *r, const struct sim_record_race *x)
{
	struct rec_race *g;

	assert(r != NULL && x->access != NULL);
	assert(x->t_ns <= (uint64_t)INT64_MAX &&
	    x->prev_t_ns <= (uint64_t)INT64_MAX);
	if (!rec_take(r, 11, REC_RACE_BYTES + rec_slen(x->host) +
	    rec_slen(x->object) + rec_slen(x->access) + rec_slen(x->context) +
	    rec_slen(x->file) + rec_slen(x->func) + rec_slen(x->prev_access) +
	    rec_slen(x->prev_context) + rec_slen(x->prev_file) +
	    rec_slen(x->prev_func) + rec_slen(x->replay)))
		return;
	g = &r->races[r->nraces++];
	g->t_ns = x->t_ns;
	g->prev_t_ns = x->prev_t_ns;
	g->offset = x->offset;
	g->size = x->size;
	g->cpu = x->cpu;
	g->line = x->line;
	g->prev_cpu = x->prev_cpu;
	g->prev_line = x->prev_line;
	g->host = rec_str(r, x->host);
	g->object = rec_str(r, x->object);
	g->access = rec_str(r, x->access);
	g->context = rec_str(r, x->context);
	g->file = rec_str(r, x->file);
	g->func = rec_str(r, x->func);
	g->prev_access = rec_str(r, x->prev_access);
	g->prev_context = rec_str(r, x->prev_context);
	g->prev_file = rec_str(r, x->prev_file);
	g->prev_func = rec_str(r, x->prev_func);
	g->replay = rec_str(r, x->replay);
}

/* Insert the batch's races.  => inside a write transaction */
static int
rec_write_races(struct sim_recorder *r)
{
	sqlite3_stmt *st = r->ins_race;

	sqlite3_bind_int64(st, 1, r->run_id);
	for (unsigned i = 0; i < r->nraces; i++) {
		const struct rec_race *g = &r->races[i];

		sqlite3_bind_int64(st, 2, (int64_t)g->t_ns);
		rec_bind_str(st, 3, rec_get_str(r, g->host));
		rec_bind_str(st, 4, rec_get_str(r, g->object));
		if (g->offset < 0)
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_int64(st, 5, g->offset);
		sqlite3_bind_int(st, 6, g->size);
		rec_bind_str(st, 7, rec_get_str(r, g->access));
		rec_bind_int_or_null(st, 8, g->cpu, -1);
		rec_bind_str(st, 9, rec_get_str(r, g->context));
		rec_bind_str(st, 10, rec_get_str(r, g->file));
		rec_bind_int_or_null(st, 11, g->line, 0);
		rec_bind_str(st, 12, rec_get_str(r, g->func));
		sqlite3_bind_int64(st, 13, (int64_t)g->prev_t_ns);
		rec_bind_str(st, 14, rec_get_str(r, g->prev_access));
		rec_bind_int_or_null(st, 15, g->prev_cpu, -1);
		rec_bind_str(st, 16, rec_get_str(r, g->prev_context));
		rec_bind_str(st, 17, rec_get_str(r, g->prev_file));
		rec_bind_int_or_null(st, 18, g->prev_line, 0);
		rec_bind_str(st, 19, rec_get_str(r, g->prev_func));
		rec_bind_str(st, 20, rec_get_str(r, g->replay));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

static void
rec_clear_batch(struct sim_recorder *r)
{
	r->ncounters = 0;
	r->nviolations = 0;
	r->nstages = 0;
	r->nflows = 0;
	r->nrequests = 0;
	r->nfaults = 0;
	r->nlocks = 0;
	r->nraces = 0;
	r->ntcps = 0;
	r->strs_len = 0;
}

/* Drop the batch, counting its rows as lost (the recorder has failed). */
static void
rec_drop_batch(struct sim_recorder *r)
{
	assert(r->failed);
	r->lost += rec_batch_rows(r);
	rec_clear_batch(r);
}

/*
 * Begin a write transaction and insert the batch.  On failure the
 * transaction is rolled back, the recorder marked failed and the batch
 * counted as lost.
 * => no transaction open; on success one is, for the caller to commit
 *    (rec_commit) or roll back (then the caller counts the batch lost)
 */
static int
rec_begin_and_write(struct sim_recorder *r)
{
	assert(sqlite3_get_autocommit(r->db));
	assert(!r->failed);
	if (__builtin_expect(r->test_stall_ms > 0, 0)) {
		sqlite3_sleep((int)r->test_stall_ms);
		r->test_stall_ms = 0;
	}
	/* IMMEDIATE: take the write lock now, waiting (rec_busy) for
	 * another netsim's batch, rather than fail when upgrading later. */
	if (rec_exec(r->db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		rec_fail(r, "cannot begin a transaction");
		rec_drop_batch(r);
		return -1;
	}
	if (rec_write_counters(r) != 0 || rec_write_violations(r) != 0 ||
	    rec_write_packets(r) != 0 || rec_write_faults(r) != 0 ||
	    rec_write_locks(r) != 0 || rec_write_races(r) != 0 ||
	    rec_write_tcp(r) != 0) {
		rec_fail(r, "cannot write the run's rows");
		rec_exec(r->db, "ROLLBACK");
		rec_drop_batch(r);
		return -1;
	}
	return 0;
}

/* Commit the batch written by rec_begin_and_write and clear it. */
static int
rec_commit(struct sim_recorder *r)
{
	unsigned n = rec_batch_rows(r);

	if (rec_exec(r->db, "COMMIT") != SQLITE_OK) {
		rec_fail(r, "cannot commit");
		rec_exec(r->db, "ROLLBACK");
		rec_drop_batch(r);
		return -1;
	}
	assert(sqlite3_get_autocommit(r->db));
	r->written += n;
	rec_clear_batch(r);
	return 0;
}

void
sim_record_flush(struct sim_recorder *r)
{
	assert(r != NULL);
	if (r->async != NULL) {
		rec_async_flush(r);
		return;
	}
	if (r->failed) {
		rec_drop_batch(r);
		return;
	}
	if (rec_batch_rows(r) == 0)
		return;
	assert(r->run_id >= 0);
	if (rec_begin_and_write(r) == 0)
		(void)rec_commit(r);
}

static bool
rec_status_valid(const char *status)
{
	for (int i = 0; rec_statuses[i] != NULL; i++)
		if (strcmp(status, rec_statuses[i]) == 0)
			return true;
	return false;
}

/*
 * Set the run row's final columns.  On failure the recorder is marked
 * failed and the caller rolls back.
 * => inside a write transaction
 */
static int
rec_update_run(struct sim_recorder *r, uint64_t fingerprint, uint64_t end_ns,
    int exit_status, const char *status, const char *message)
{
	sqlite3_stmt *st = NULL;
	char fp[17];
	int rc;

	snprintf(fp, sizeof(fp), "%016" PRIx64, fingerprint);
	rc = sqlite3_prepare_v2(r->db, "UPDATE runs SET fingerprint = ?1, "
	    "end_ns = ?2, exit_status = ?3, status = ?4, message = ?5 "
	    "WHERE id = ?6 AND status = 'unfinished'", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)end_ns);
		sqlite3_bind_int(st, 3, exit_status);
		sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
		rec_bind_str(st, 5, message);
		sqlite3_bind_int64(st, 6, r->run_id);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		rec_fail(r, "cannot finish the run's row");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(r->db) != 1) {
		rec_failf(r, "run %" PRId64 " is no longer there or no longer "
		    "unfinished", r->run_id);
		return -1;
	}
	return 0;
}

int
sim_record_run_end(struct sim_recorder *r, uint64_t fingerprint,
    uint64_t end_ns, int exit_status, const char *status, const char *message)
{
	assert(r->async == NULL);   /* the writer is stopped first */
	assert(r != NULL && r->run_id >= 0);
	assert(status != NULL && rec_status_valid(status));
	assert(end_ns <= (uint64_t)INT64_MAX);
	if (!rec_status_valid(status))
		rec_failf(r, "run status '%s' is not ok, violation, deadlock, "
		    "limit or error", status);
	if (r->failed) {
		rec_drop_batch(r);
		return -1;
	}
	/* The last batch and the run's verdict: one transaction. */
	if (rec_begin_and_write(r) != 0)
		return -1;
	if (rec_update_run(r, fingerprint, end_ns, exit_status, status,
	    message) != 0) {
		rec_exec(r->db, "ROLLBACK");
		rec_drop_batch(r);
		return -1;
	}
	if (rec_commit(r) != 0)
		return -1;
	r->run_id = -1;
	return 0;
}

/* ---- Schema version 9: campaigns. ---- */

int64_t
sim_record_campaign_begin(struct sim_recorder *r, const char *name,
    const char *file, const char *text, const char *command,
    const char *grid, uint64_t points, char *err, size_t len)
{
	sqlite3_stmt *st = NULL;
	int64_t id;

	assert(r != NULL && name != NULL && r->run_id < 0);
	assert(points > 0 && points <= (uint64_t)INT64_MAX);
	if (r->failed) {
		snprintf(err, len, "%s", r->error);
		return -1;
	}
	if (sqlite3_prepare_v2(r->db, "INSERT INTO campaigns (scenario, "
	    "scenario_file, scenario_text, command, grid, points) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, grid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)points);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(r->db);
	assert(id > 0);
	return id;
fail:
	rec_errf(err, len, r->path, "cannot add the campaign: %s",
	    sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return -1;
}

int
sim_record_run_campaign(struct sim_recorder *r, int64_t id,
    const char *const *names, const char *const *values, unsigned n)
{
	sqlite3_stmt *up = NULL, *ins = NULL;
	bool ok;

	assert(r != NULL && r->run_id >= 0 && id > 0);
	if (r->failed)
		return -1;
	if (rec_exec(r->db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		rec_fail(r, "cannot record the run's point");
		return -1;
	}
	ok = sqlite3_prepare_v2(r->db, "UPDATE runs SET campaign_id = ?1 "
	    "WHERE id = ?2", -1, &up, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(r->db, "INSERT INTO run_params (run_id, "
	    "campaign_id, name, value) VALUES (?1, ?2, ?3, ?4)", -1, &ins,
	    NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_int64(up, 1, id);
		sqlite3_bind_int64(up, 2, r->run_id);
		ok = sqlite3_step(up) == SQLITE_DONE;
	}
	for (unsigned i = 0; ok && i < n; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, r->run_id);
		sqlite3_bind_int64(ins, 2, id);
		sqlite3_bind_text(ins, 3, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, values[i], -1, SQLITE_STATIC);
		ok = sqlite3_step(ins) == SQLITE_DONE;
	}
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	if (!ok || rec_exec(r->db, "COMMIT") != SQLITE_OK) {
		rec_fail(r, "cannot record the run's point");
		rec_exec(r->db, "ROLLBACK");
		return -1;
	}
	return 0;
}

int
sim_record_campaign_point(struct sim_recorder *r, int64_t id, uint64_t point,
    uint64_t seed, int64_t run_id, const char *status, int exit_status,
    const uint64_t *fingerprint, const char *command, const char *message)
{
	sqlite3_stmt *st = NULL;
	char fp[17];
	bool ok;

	assert(r != NULL && id > 0 && status != NULL && command != NULL);
	if (r->failed)
		return -1;
	ok = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO campaign_points "
	    "(campaign_id, point, seed, run_id, status, exit_status, "
	    "fingerprint, command, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9)", -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)point);
		sqlite3_bind_int64(st, 3, (int64_t)seed);
		if (run_id > 0)
			sqlite3_bind_int64(st, 4, run_id);
		sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
		if (exit_status >= 0)
			sqlite3_bind_int(st, 6, exit_status);
		if (fingerprint != NULL) {
			snprintf(fp, sizeof(fp), "%016" PRIx64, *fingerprint);
			sqlite3_bind_text(st, 7, fp, -1, SQLITE_STATIC);
		}
		sqlite3_bind_text(st, 8, command, -1, SQLITE_STATIC);
		if (message != NULL && message[0] != '\0')
			sqlite3_bind_text(st, 9, message, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok) {
		rec_fail(r, "cannot record a point of the campaign");
		return -1;
	}
	return 0;
}

int
sim_record_campaign_end(struct sim_recorder *r, int64_t id,
    uint64_t fingerprint, const char *status)
{
	sqlite3_stmt *st = NULL;
	char fp[17];
	bool ok;

	assert(r != NULL && id > 0 && status != NULL);
	if (r->failed)
		return -1;
	snprintf(fp, sizeof(fp), "%016" PRIx64, fingerprint);
	ok = sqlite3_prepare_v2(r->db, "UPDATE campaigns SET fingerprint = ?1, "
	    "status = ?2 WHERE id = ?3", -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok) {
		rec_fail(r, "cannot finish the campaign's row");
		return -1;
	}
	return 0;
}

int
sim_record_run_fail(struct sim_recorder *r, uint64_t fingerprint,
    uint64_t end_ns, int exit_status, const char *message)
{
	bool was_failed;
	int rc = -1;

	assert(r != NULL && r->run_id >= 0 && r->async == NULL);
	assert(end_ns <= (uint64_t)INT64_MAX);
	assert(sqlite3_get_autocommit(r->db));
	/* Failed, the recorder tries once (rec_busy) and keeps no rows. */
	was_failed = r->failed;
	r->failed = true;
	rec_drop_batch(r);
	if (rec_exec(r->db, "BEGIN IMMEDIATE") == SQLITE_OK) {
		if (rec_update_run(r, fingerprint, end_ns, exit_status, "error",
		    message) == 0 && rec_exec(r->db, "COMMIT") == SQLITE_OK)
			rc = 0;
		else
			rec_exec(r->db, "ROLLBACK");
	}
	r->failed = was_failed;
	r->run_id = -1;
	assert(sqlite3_get_autocommit(r->db));
	return rc;
}

/* --- reading a run back ----------------------------------------------------- */

static char *
rec_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? strdup((const char *)t) : NULL;
}

int
sim_record_read_run(const char *path, int64_t id, struct sim_record_run *out,
    char *err, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *fp;
	int version, nobjects, rc;

	memset(out, 0, sizeof(*out));
	if (access(path, R_OK) != 0) {
		rec_errf(err, len, path, "%s", strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rec_errf(err, len, path, "%s", db ? sqlite3_errmsg(db) :
		    "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, SIM_RECORD_WAIT_MS);
	if (rec_read_version(db, path, &version, &nobjects, err, len) != 0)
		goto fail;
	if (version < 1 || version > SIM_RECORD_SCHEMA_VERSION) {
		(void)rec_check_version(path, version, nobjects, err, len);
		goto fail;
	}
	rc = sqlite3_prepare_v2(db, version >= 13 ? "SELECT scenario, "
	    "scenario_text, seed, fingerprint, status, scenario_file, mode "
	    "FROM runs WHERE id = ?1" : "SELECT scenario, scenario_text, seed, "
	    "fingerprint, status, scenario_file, '' FROM runs WHERE id = ?1",
	    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE) {
		rec_errf(err, len, path, "has no run %" PRId64, id);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		rec_errf(err, len, path, "cannot read run %" PRId64 ": %s", id,
		    sqlite3_errmsg(db));
		goto fail;
	}
	out->id = id;
	out->scenario = rec_column_dup(st, 0);
	out->scenario_text = rec_column_dup(st, 1);
	out->seed = (uint64_t)sqlite3_column_int64(st, 2);
	fp = (const char *)sqlite3_column_text(st, 3);
	if (fp != NULL) {
		out->has_fingerprint = true;
		out->fingerprint = strtoull(fp, NULL, 16);
	}
	snprintf(out->status, sizeof(out->status), "%s",
	    (const char *)sqlite3_column_text(st, 4));
	out->scenario_file = rec_column_dup(st, 5);
	snprintf(out->mode, sizeof(out->mode), "%s",
	    (const char *)sqlite3_column_text(st, 6));
	if (out->scenario == NULL) {
		rec_errf(err, len, path, "out of memory");
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	sim_record_run_free(out);
	return -1;
}

void
sim_record_run_free(struct sim_record_run *r)
{
	free(r->scenario);
	free(r->scenario_file);
	free(r->scenario_text);
	r->scenario = r->scenario_file = r->scenario_text = NULL;
}

/* ---- Version 13: the real-time edge. ---- */

int
sim_record_run_mode(struct sim_recorder *r, const char *mode)
{
	sqlite3_stmt *up = NULL;
	bool ok;

	assert(r != NULL && r->run_id >= 0);
	assert(strcmp(mode, "deterministic") == 0 ||
	    strcmp(mode, "realtime") == 0 || strcmp(mode, "replay-bridge") == 0);
	if (r->failed)
		return -1;
	ok = sqlite3_prepare_v2(r->db, "UPDATE runs SET mode = ?1 WHERE id = "
	    "?2", -1, &up, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(up, 1, mode, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, r->run_id);
		ok = sqlite3_step(up) == SQLITE_DONE;
	}
	sqlite3_finalize(up);
	if (!ok) {
		rec_fail(r, "cannot record the run's mode");
		return -1;
	}
	return 0;
}

int
sim_record_realtime(struct sim_recorder *r,
    const struct sim_record_realtime *rt, const struct sim_record_bframe *f,
    size_t n)
{
	sqlite3_stmt *row = NULL, *ins = NULL;
	bool ok;

	assert(r != NULL && r->run_id >= 0 && r->async == NULL);
	assert(n == 0 || f != NULL);
	if (r->failed)
		return -1;
	if (rec_exec(r->db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		rec_fail(r, "cannot record the real-time run");
		return -1;
	}
	ok = sqlite3_prepare_v2(r->db, "INSERT INTO realtime (run_id, "
	    "lag_max_ns, lag_p99_ns, lag_samples, behind, frames_in, frames_out, "
	    "drops_in, drops_out, not_kept, writer_waits, writer_wait_ns) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", -1,
	    &row, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(r->db, "INSERT INTO bridge_frames (run_id, n, "
	    "link, t_ns, frame) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &ins,
	    NULL) == SQLITE_OK;
	if (ok) {
		const uint64_t v[] = { rt->lag_max_ns, rt->lag_p99_ns,
		    rt->lag_samples, rt->behind, rt->frames_in, rt->frames_out,
		    rt->drops_in, rt->drops_out, rt->not_kept,
		    rt->writer_waits, rt->writer_wait_ns };

		sqlite3_bind_int64(row, 1, r->run_id);
		for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
			sqlite3_bind_int64(row, i + 2, (int64_t)v[i]);
		ok = sqlite3_step(row) == SQLITE_DONE;
	}
	for (size_t i = 0; ok && i < n; i++) {
		assert(f[i].t_ns < (1ULL << 63));
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, r->run_id);
		sqlite3_bind_int64(ins, 2, (int64_t)i);
		sqlite3_bind_text(ins, 3, f[i].link, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, (int64_t)f[i].t_ns);
		sqlite3_bind_blob(ins, 5, f[i].data, (int)f[i].len,
		    SQLITE_STATIC);
		ok = sqlite3_step(ins) == SQLITE_DONE;
	}
	sqlite3_finalize(row);
	sqlite3_finalize(ins);
	if (!ok || rec_exec(r->db, "COMMIT") != SQLITE_OK) {
		rec_fail(r, "cannot record the real-time run");
		rec_exec(r->db, "ROLLBACK");
		return -1;
	}
	return 0;
}

void
sim_record_bframes_free(struct sim_record_bframe *f, size_t n)
{
	for (size_t i = 0; f != NULL && i < n; i++) {
		free(f[i].link);
		free(f[i].data);
	}
	free(f);
}

/* The next row of st into *f (link, t_ns, frame); -1 if out of memory. */
static int
rec_bframe_row(sqlite3_stmt *st, struct sim_record_bframe *f)
{
	int len = sqlite3_column_bytes(st, 2);
	const void *p = sqlite3_column_blob(st, 2);

	f->link = rec_column_dup(st, 0);
	f->t_ns = (uint64_t)sqlite3_column_int64(st, 1);
	f->len = (uint32_t)len;
	f->data = malloc(len > 0 ? (size_t)len : 1);
	if (f->link == NULL || f->data == NULL)
		return -1;
	if (len > 0)
		memcpy(f->data, p, (size_t)len);
	return 0;
}

int
sim_record_read_bframes(const char *path, int64_t id,
    struct sim_record_bframe **out, size_t *nout, char *err, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct sim_record_bframe *f = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rec_errf(err, len, path, "%s", db ? sqlite3_errmsg(db) :
		    "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, SIM_RECORD_WAIT_MS);
	rc = sqlite3_prepare_v2(db, "SELECT link, t_ns, frame FROM "
	    "bridge_frames WHERE run_id = ?1 ORDER BY n", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rec_errf(err, len, path, "cannot read the frames of run %"
		    PRId64 ": %s", id, sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct sim_record_bframe *g = realloc(f, ncap *
			    sizeof(*g));

			if (g == NULL)
				break;
			f = g;
			cap = ncap;
		}
		memset(&f[n], 0, sizeof(f[n]));
		if (rec_bframe_row(st, &f[n++]) != 0)
			break;
	}
	if (rc != SQLITE_DONE) {
		rec_errf(err, len, path, "cannot read the frames of run %"
		    PRId64 ": %s", id, rc == SQLITE_ROW ? "out of memory" :
		    sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	*out = f;
	*nout = n;
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	sim_record_bframes_free(f, n);
	return -1;
}

/*
 * ---- The writer: a real-time run's batches, written on a thread of
 * their own (sim/record/writer.h).  THE WRITER'S PART OF THE RECORDER,
 * all of it but the field r->async and the one test in sim_record_flush.
 *
 * A batch that is full is not written by the loop: its rows and strings
 * are swapped into a shell -- a copy of the recorder (the same
 * connection and statements, a batch of its own) -- and the shell is
 * handed to the writer, which writes it in one transaction exactly as
 * sim_record_flush would.  The loop fills the shell's empty batch
 * meanwhile.  Shells come back (sim_writer_get, sim_writer_reap) with
 * what they wrote and lost and whether they failed, which the recorder
 * then counts as its own; after a failure every later shell is dropped
 * (counted as lost), as the recorder's rows are after its failure.  At
 * most SIM_RECORD_ASYNC_BATCHES batches wait; past that the loop waits
 * for the writer, and the writer's statistics say so.
 *
 * The connection belongs to the writer while any shell is queued: the
 * recorder's other calls (the run's end, its realtime row) come after
 * sim_record_async(r, NULL), which waits for them all.  A busy database
 * is waited for (rec_busy, the shell's) but not told of as it happens:
 * the loop is not the one waiting.
 */
struct rec_async {
	struct sim_writer *w;
	struct sim_writer_pool pool;    /* of shells */
	bool failed;                    /* a shell failed: the writer's own
					   (jobs run one at a time) */
};

/* Swap the batches (rows, strings, their counts) of a and b. */
static void
rec_batch_swap(struct sim_recorder *a, struct sim_recorder *b)
{
#define REC_SWAP(f) do {						\
	__typeof__(a->f) t_ = a->f;					\
	a->f = b->f;							\
	b->f = t_;							\
} while (0)
	REC_SWAP(counters); REC_SWAP(ncounters);
	REC_SWAP(violations); REC_SWAP(nviolations);
	REC_SWAP(stages); REC_SWAP(nstages);
	REC_SWAP(flows); REC_SWAP(nflows);
	REC_SWAP(requests); REC_SWAP(nrequests);
	REC_SWAP(faults); REC_SWAP(nfaults);
	REC_SWAP(locks); REC_SWAP(nlocks);
	REC_SWAP(races); REC_SWAP(nraces);
	REC_SWAP(tcps); REC_SWAP(ntcps);
	REC_SWAP(strs); REC_SWAP(strs_len);
#undef REC_SWAP
}

/* A shell of r: its connection and statements, a batch of its own. */
static struct sim_recorder *
rec_shell_make(struct sim_recorder *r)
{
	struct sim_recorder *s = malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	*s = *r;
	r->test_stall_ms = 0;           /* the first shell's, once */
	rec_clear_batch(s);
	if (rec_batch_alloc(s) != 0) {
		rec_batch_free(s);
		free(s);
		return NULL;
	}
	s->stop = NULL;
	s->notice = NULL;
	s->arg = NULL;
	s->bytes_max = 0;
	s->rows = s->bytes = s->written = s->lost = 0;
	s->failed = s->timed_out = s->waited_out = false;
	s->error[0] = '\0';
	return s;
}

/* The writer's job: write shell s's batch, as sim_record_flush does. */
static void
rec_shell_write(void *arg)
{
	struct sim_recorder *s = arg;

	assert(s->async != NULL && !s->failed);
	if (s->async->failed) {
		s->failed = true;       /* an earlier shell failed */
		rec_drop_batch(s);
		return;
	}
	sqlite3_busy_handler(s->db, rec_busy, s);
	if (rec_begin_and_write(s) == 0)
		(void)rec_commit(s);
	if (s->failed)
		s->async->failed = true;
	assert(rec_batch_rows(s) == 0);
}

/* A shell is back from the writer: count what it did as r's. */
static void
rec_shell_back(void *buf, void *arg)
{
	struct sim_recorder *s = buf, *r = arg;

	r->written += s->written;
	r->lost += s->lost;
	if (s->failed && !r->failed) {
		r->failed = true;
		r->timed_out = s->timed_out;
		snprintf(r->error, sizeof(r->error), "%s", s->error);
		if (r->stop != NULL)
			r->stop(r->arg, true);
	}
	s->written = s->lost = 0;
	s->failed = s->timed_out = s->waited_out = false;
	assert(rec_batch_rows(s) == 0);
}

/* sim_record_flush, with a writer: hand the batch over. */
static void
rec_async_flush(struct sim_recorder *r)
{
	struct rec_async *a = r->async;
	struct sim_recorder *s = NULL;

	assert(a != NULL && r->run_id >= 0);
	sim_writer_reap(a->w, &a->pool, false, rec_shell_back, r);
	if (!r->failed && rec_batch_rows(r) > 0 &&
	    (s = sim_writer_get(a->w, &a->pool, rec_shell_back, r)) == NULL &&
	    (s = rec_shell_make(r)) == NULL)
		rec_failf(r, "out of memory for the writer's batches");
	if (r->failed) {
		/* (A shell that came back failed while this one was got.) */
		if (s != NULL)
			sim_writer_keep(&a->pool, s);
		rec_drop_batch(r);
		return;
	}
	if (rec_batch_rows(r) == 0)
		return;
	assert(s != NULL && rec_batch_rows(s) == 0 && s->strs_len == 0);
	rec_batch_swap(r, s);
	/* Every batch array is swapped: a new one must be in the swap. */
	assert(rec_batch_rows(r) == 0 && r->strs_len == 0);
	s->run_id = r->run_id;
	s->async = a;
	sim_writer_hand(a->w, &a->pool, rec_shell_write, s);
}

int
sim_record_async(struct sim_recorder *r, struct sim_writer *w)
{
	struct rec_async *a = r->async;
	struct sim_recorder *s;

	assert(r != NULL);
	if (w != NULL) {
		assert(a == NULL && sqlite3_get_autocommit(r->db));
		if ((a = calloc(1, sizeof(*a))) == NULL)
			return -1;
		a->w = w;
		a->pool.max = SIM_RECORD_ASYNC_BATCHES;
		r->async = a;
		return 0;
	}
	if (a == NULL)
		return 0;
	/* Every shell back, the connection the loop's again. */
	sim_writer_reap(a->w, &a->pool, true, rec_shell_back, r);
	while ((s = sim_writer_spare(&a->pool)) != NULL) {
		rec_batch_free(s);
		free(s);
	}
	sqlite3_busy_handler(r->db, rec_busy, r);
	r->async = NULL;
	free(a);
	return 0;
}
