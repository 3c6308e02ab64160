"""Scenario files: what the loader accepts, how it refuses, and the schema.

A user's claims checked here:
  * a mistake in a scenario gets exactly one line that names the file, the
    line and column of the offending value (or key), the JSON path, what
    was expected and what was found;
  * units mean exactly what they say ("1.5ms" is 1500000 ns, no rounding);
  * schema/scenario.schema.json and the README's key and program tables
    are generated from the loader's own tables, so an editor that
    validates with the schema agrees with netsim, and neither can be
    edited by hand out of step;
  * every scenario shipped under scenarios/ loads and validates, and
    `netsim validate scenarios/*.json` says so.

Fixtures live in tests/scenarios/{ok,bad}/.  Columns count characters
(UTF-8 code points), as Jansson does for its own syntax errors.
"""
import json
import pathlib
import sys

import jsonschema
import pytest

from harness import ROOT, run

FIXTURES = ROOT / "tests" / "scenarios"
SCHEMA_PATH = ROOT / "schema" / "scenario.schema.json"
GEN_SCHEMA = ROOT / "scripts" / "gen_schema.py"


@pytest.fixture
def loader(test_bin):
    """The command that validates a scenario file: exit 0 and a JSON dump of
    what was understood, or exit 2 and one error line on stderr.

    When `netsim validate FILE` exists, this line is the only one to change.
    """
    return [test_bin("test_scenario_load")]


@pytest.fixture
def tables(test_bin):
    p = run([test_bin("test_scenario_load"), "--dump-tables"], check=0)
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def schema():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return s


def rel(path):
    """The path as the tests pass it: relative to the worktree if inside."""
    path = pathlib.Path(path)
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def load_ok(loader, path):
    p = run(loader + [rel(path)], check=0)
    return json.loads(p.stdout)


def load_error(loader, path):
    """Load a file that must be refused; return its one error line."""
    p = run(loader + [rel(path)], check=2)
    assert p.stdout == "", f"a refused scenario printed:\n{p.stdout}"
    lines = p.stderr.split("\n")
    assert len(lines) == 2 and lines[1] == "", (
        f"expected exactly one error line, got:\n{p.stderr}")
    return lines[0]


def line_col(text, snippet):
    """1-based line and column (in characters) of snippet's first occurrence."""
    off = text.index(snippet)
    before = text[:off]
    return before.count("\n") + 1, off - (before.rfind("\n") + 1) + 1


# --- Loading what is right --------------------------------------------------

def test_minimal_scenario_gets_every_default(loader, tables):
    d = load_ok(loader, FIXTURES / "ok" / "minimal.json")
    assert d["name"] == "minimal"
    assert d["description"] is None
    assert d["seed"] == 1
    assert d["duration_ns"] == 1_000_000_000
    assert d["record"] == {"interval_ns": 1_000_000, "counters": True}
    assert d["limits"] == {"events": 0, "points": 0}
    assert d["interleaving"] == {"policy": "time"}
    assert d["workload"] == []
    assert (d["switches"], d["links"]) == ([], []), "no wires unless given"
    [h] = d["hosts"]
    assert h["nics"] == []
    assert (h["name"], h["cpus"], h["hz"], h["quantum_ns"]) == (
        "a", 1, 1000, 10_000_000)
    for c in tables["costs"]:
        assert h["cost"][c["name"]] == c["default_ns"], c["name"]
    for p in tables["probes"]:
        assert h["cost"]["probes"][p["name"]] == {"fixed_ps": 0,
                                                  "per_unit_ps": 0}


def test_full_scenario_resolves_units_programs_and_instances(loader, tables):
    d = load_ok(loader, FIXTURES / "ok" / "full.json")
    default_ns = {c["name"]: c["default_ns"] for c in tables["costs"]}
    assert d["description"].endswith("Grüße, 日本語 🎉")
    assert d["seed"] == 2**63 - 1
    assert d["duration_ns"] == 2_500_000
    a, b = d["hosts"]
    assert (a["cpus"], a["hz"], a["quantum_ns"]) == (4, 100, 1_500_000)
    assert (b["cpus"], b["hz"], b["quantum_ns"]) == (64, 100000, 10**10)
    assert a["cost"]["load_miss"] == 80
    assert a["cost"]["rmw_remote"] == 120
    assert a["cost"]["ctx_switch"] == 1200
    assert a["cost"]["probes"]["counter:iteration"] == {
        "fixed_ps": 500, "per_unit_ps": 0}
    assert a["cost"]["probes"]["pingpong:hit"] == {
        "fixed_ps": 1000, "per_unit_ps": 120}
    assert b["cost"]["load_miss"] == default_ns["load_miss"], \
        "a host's costs are its own"
    w = d["workload"]
    assert [(p["program"], p["host_index"], p["instance"]) for p in w] == [
        ("counter", 0, 0), ("counter", 1, 1), ("pingpong", 0, 0),
        ("counter", 0, 2)]
    assert all(p["desc_matches"] for p in w)
    assert w[0]["args"] == {"lwps": 8, "iterations": 100, "method": "plain"}
    assert w[0]["v"] == [8, 100, 2], "an enum's value is its index"
    assert w[1]["args"] == {"lwps": 4, "iterations": 1000, "method": "mutex"}
    assert w[3]["v"][2] == 1
    assert w[2]["args"] == {"rounds": 10}
    assert d["record"] == {"interval_ns": 0, "counters": False}
    assert d["limits"] == {"events": 1_000_000, "points": 0}


def test_network_programs_get_addresses_ids_and_defaults(loader):
    d = load_ok(loader, FIXTURES / "ok" / "net_programs.json")
    echo, ping, send, send2 = d["workload"]
    assert echo["args"] == {"port": 9}
    assert ping["args"]["dst"] == "10.0.2.1"
    assert ping["v"][0] == 0x0a000201, "an address's value is host order"
    assert (ping["args"]["interval"], ping["args"]["size"]) == (10**7, 1024)
    assert send["args"]["dst"] == "255.255.255.255"
    assert send["v"][0] == 0xffffffff
    assert (send["args"]["rate"], send["args"]["echo"]) == (100000, False)
    assert send2["args"]["dst"] == "0.0.0.0"
    assert (send2["args"]["port"], send2["args"]["count"]) == (7, 100)
    # Flows, which number the programs' packet ids: the workload's order.
    assert [p["flow"] for p in d["workload"]] == [1, 2, 3, 4]


def test_wires_resolve_endpoints_macs_and_defaults(loader):
    d = load_ok(loader, FIXTURES / "ok" / "wires.json")
    a, b, c, dd = d["hosts"]
    assert a["nics"] == [
        {"name": "wm0", "type": "dma", "mac": "02:00:00:00:00:01",
         "mac_given": False, "addr": None, "brane": "default"},
        {"name": "wm1", "type": "pio", "mac": "02:aa:00:00:00:01",
         "mac_given": True, "addr": None, "brane": "default"}]
    assert b["nics"][0]["mac"] == "02:00:00:01:00:01", \
        "a default MAC is 02:00, the host's index, 00, the NIC's index + 1"
    assert c["nics"][0]["mac"] == "02:00:00:02:00:01"
    assert dd["nics"] == []
    assert d["switches"] == [
        {"name": "sw0", "ports": 8, "latency_ns": 1000, "queue": 256,
         "aging_ns": 300 * 10**9},
        {"name": "sw.1", "ports": 2, "latency_ns": 1000, "queue": 256,
         "aging_ns": 300 * 10**9}]
    l0, l1, l2, trunk = d["links"]
    assert (l0["a"], l0["b"]) == (
        {"name": "a.wm0", "kind": "nic", "index": 0, "sub": 0},
        {"name": "sw0.0", "kind": "switch", "index": 0, "sub": 0})
    assert (l0["rate_bps"], l0["delay_ns"], l0["mtu"], l0["pcap"]) == (
        10**10, 10_000, 1500, "l0.pcap")
    assert l1 == {"name": "l1",
                  "a": {"name": "b.wm0", "kind": "nic", "index": 1, "sub": 0},
                  "b": {"name": "sw0.7", "kind": "switch", "index": 0,
                        "sub": 7},
                  "rate_bps": 10**9, "delay_ns": 0, "mtu": 1500, "loss": 0.0,
                  "reorder": 0.0, "reorder_delay_ns": 10_000, "pcap": None}
    assert (l2["a"]["name"], l2["b"]["name"]) == ("sw.1.1", "c.lab.em0"), \
        "names with dots split at the last one"
    assert (l2["rate_bps"], l2["delay_ns"], l2["mtu"], l2["loss"],
            l2["reorder"], l2["reorder_delay_ns"]) == (
        2_500_000_000, 1500, 9000, 0.001, 0.25, 2500)
    assert (trunk["a"]["name"], trunk["b"]["name"]) == ("sw0.3", "sw.1.0")


def test_network_keys_give_branes_addresses_routes_and_pairs(loader):
    d = load_ok(loader, FIXTURES / "ok" / "net.json")
    a, b = d["hosts"]
    assert [(n["name"], n["addr"], n["brane"]) for n in a["nics"]] == [
        ("wm0", "10.0.0.1/24", "default"), ("wm1", "10.1.0.1/24", "r")]
    assert a["vpairs"] == [
        {"a": {"name": "vp0a", "addr": "192.168.1.1/24", "brane": "left"},
         "b": {"name": "vp0b", "addr": "192.168.1.2/24", "brane": "r"}},
        {"a": {"name": "vp1a", "addr": None, "brane": "default"},
         "b": {"name": "vp1b", "addr": None, "brane": "default"}}], \
        "a pair's end may be just a name: no address, the default brane"
    assert [br["name"] for br in a["branes"]] == ["default", "r", "left"], \
        "default comes first wherever the file lists it"
    default, r, left = a["branes"]
    assert default == {"name": "default", "forwarding": False, "routes": [
        {"dst": "10.2.0.0/16", "via": "10.0.0.254", "dev": None}]}
    assert r["forwarding"] and not left["forwarding"]
    assert r["routes"] == [
        {"dst": "0.0.0.0/0", "via": "10.1.0.254", "dev": None},
        {"dst": "10.9.0.0/16", "via": "192.168.1.1", "dev": "vp0b"},
        {"dst": "172.16.0.0/12", "via": None, "dev": "wm1"}]
    assert b["branes"] == [{"name": "default", "forwarding": False,
                            "routes": []}], "every host has a default brane"
    assert (b["nics"], b["vpairs"]) == ([], [])
    w = d["workload"]
    assert [(p["program"], p["brane"]) for p in w] == [
        ("pingpong", "left"), ("counter", "default")]
    assert all(p["args_brane_matches"] for p in w)


def test_programs_references_resolve_to_interfaces_macs_and_ports(loader):
    d = load_ok(loader, FIXTURES / "ok" / "programs_refer.json")
    w = d["workload"]
    # dev: the interface's place in attach order (NICs, then each pair's
    # a and b); dst: the NIC's own MAC, given or default.
    assert (w[0]["args"]["dev"], w[0]["args"]["dst"]) == (
        1, "02:aa:bb:cc:dd:ee")
    assert (w[1]["args"]["dev"], w[1]["args"]["dst"]) == (
        3, "02:00:00:01:00:02")
    assert w[2]["args"]["dst"] == "broadcast", "broadcast by default"
    assert (w[0]["args"]["rate"], w[1]["args"]["rate"]) == (1000000, 0)
    # The same port bound in another brane or on another host is fine.
    assert [(p["host"], p["brane"], p["args"]["port"]) for p in w[3:6]] == [
        ("src", "default", 7), ("src", "left", 7), ("dut", "default", 7)]


def test_program_runs_on_the_only_host_when_none_is_named(loader):
    d = load_ok(loader, FIXTURES / "ok" / "one_host_default.json")
    assert d["workload"][0]["host"] == "solo"
    assert d["duration_ns"] == 1000, "a plain integer duration is in ns"
    assert d["hosts"][0]["quantum_ns"] == 1000
    assert d["record"]["interval_ns"] == 0


# --- Refusing what is wrong -------------------------------------------------

# (fixture, JSON path, what the position points at, words the message needs)
# The position is the first occurrence of the snippet in the file.
BAD = [
    ("typo_key", "$.hosts[0].cpu", '"cpu"',
     ['unknown key "cpu"', 'did you mean "cpus"?',
      "expected one of name, cpus, hz, quantum, cost"]),
    ("wrong_type", "$.hosts[0].cpus", '"two"',
     ["expected an integer from 1 to 64", 'got "two"']),
    ("bad_unit", "$.duration", '"10 parsecs"',
     ['expected a duration such as "250us"', "units ps, ns, us, ms, s",
      'got "10 parsecs"', 'unknown unit "parsecs"']),
    ("out_of_range", "$.hosts[1].cpus", "0}",
     ["expected an integer from 1 to 64", "got 0"]),
    ("missing_name", "$.hosts[1]", '{"cpus"',
     ['missing required key "name"']),
    ("missing_hosts", "$", "{",
     ['missing required key "hosts"', "an array of 1 to 65536 hosts"]),
    ("unknown_program", "$.workload[1].program", '"countr"',
     ['expected one of "counter", "pingpong"', 'got "countr"',
      'did you mean "counter"?']),
    ("unknown_host", "$.workload[0].host", '"alpah"',
     ["expected the name of a host (one of alpha, beta)", 'got "alpah"',
      'did you mean "alpha"?']),
    ("ambiguous_host", "$.workload[1]", '{"program": "counter"',
     ['missing key "host"', "2 hosts (alpha, beta)",
      "must name the host it runs on"]),
    ("bad_probe", '$.hosts[0].cost.probes["counter:iter"]', '"counter:iter"',
     ['unknown probe "counter:iter"', 'did you mean "counter:iteration"?',
      "expected one of ", "counter:iteration, pingpong:hit"]),
    ("fractional_ns", "$.hosts[0].cost.load_hit", '"0.5ns"',
     ["expected a whole number of nanoseconds", 'got "0.5ns"']),
    ("overflow", "$.duration", '"99999999999999999999s"',
     ["fits in 64 bits", 'got "99999999999999999999s"']),
    ("unicode", "$.seed", "-1",
     ["expected an integer of 0 or more", "got -1"]),
    ("unicode_name", "$.hosts[0].name", '"ünï"',
     ["expected a host name", "A-Z a-z 0-9 . _ -", 'got "ünï"',
      '"ü" is not allowed']),
    ("deep_path",
     '$.hosts[2].cost.probes["counter:iteration"].per_unit', '"2 parsecs"',
     ["expected a duration", 'got "2 parsecs"']),
    ("escaped_key", '$.hosts[0].cost.probes["counter:iteration"].fixed',
     '"-1ns"', ["expected a duration of 0 or more", 'got "-1ns"']),
    ("bad_enum", "$.workload[0].method", '"atomc"',
     ['expected one of "mutex", "atomic", "plain"', 'got "atomc"',
      'did you mean "atomic"?']),
    ("duplicate_host", "$.hosts[2].name", '"a"}]',
     ["expected a name no other host has", 'got "a"', "$.hosts[0]"]),
    ("param_range", "$.workload[0].lwps", "0}",
     ["expected an integer from 1 to 1024", "got 0"]),
    ("param_typo", "$.workload[0].iteratons", '"iteratons"',
     ['unknown key "iteratons"', 'did you mean "iterations"?',
      "expected one of program, host, brane, lwps, iterations, method"]),
    ("not_object", "$", "[",
     ["expected an object with keys name,", "got an array"]),
    ("zero_duration", "$.duration", "0,",
     ["expected a duration from 1ns to 86400s", "got 0"]),
    ("too_long_duration", "$.duration", '"86400.000000001s"',
     ["expected a duration from 1ns to 86400s"]),
    ("bad_policy", "$.interleaving.policy", '"fastest"',
     ['expected one of "time", "random", "pct", "pos"', 'got "fastest"']),
    ("bad_window", "$.interleaving.window", '"24ns"',
     ["expected a power of two nanoseconds", "got 24ns"]),
    ("bad_jitter", "$.interleaving.jitter", "1.5",
     ["expected a number from 0 to 1", "got 1.5"]),
    ("program_not_object", "$.workload[0]", '"counter"',
     ["expected a program object", 'got "counter"']),
    ("empty_hosts", "$.hosts", "[]",
     ["expected an array of 1 to 65536 host objects", "got an empty array"]),
    ("quantum_range", "$.hosts[0].quantum", '"20s"',
     ["expected a duration from 1us to 10s", 'got "20s"']),
    ("record_bool", "$.record.counters", '"yes"',
     ["expected true or false", 'got "yes"']),
    ("param_bad_inaddr", "$.workload[0].dst", '"10.0.0.256"',
     ['expected an IPv4 address such as "10.0.0.1"', 'got "10.0.0.256"']),
    ("param_inaddr_number", "$.workload[0].dst", "167772161",
     ['expected an IPv4 address such as "10.0.0.1"', "got 167772161"]),
    ("param_inaddr_leading_zero", "$.workload[0].dst", '"10.0.0.01"',
     ['expected an IPv4 address', 'got "10.0.0.01"']),
    ("param_missing_required", "$.workload[1]", '{"program": "ping"',
     ['missing required key "dst"', "the address to ping"]),
    ("misspelt_required", "$.workload[0].progam", '"progam"',
     ['unknown key "progam"', 'did you mean "program"?',
      '"program" is required']),
    # The wires: NICs, switches, links.
    ("nic_typo_key", "$.hosts[0].nics[0].typ", '"typ"',
     ['unknown key "typ"', 'did you mean "type"?',
      "expected one of name, type, mac"]),
    ("nic_bad_type", "$.hosts[0].nics[0].type", '"dmx"',
     ['expected one of "dma", "pio"', 'got "dmx"', 'did you mean "dma"?']),
    ("nic_bad_mac", "$.hosts[0].nics[0].mac", '"02:00:00:00:01"',
     ['expected a MAC address such as "02:00:00:00:00:01"',
      'got "02:00:00:00:01"']),
    ("nic_multicast_mac", "$.hosts[0].nics[0].mac", '"01:00:5e',
     ["expected a unicast MAC address", "first byte even",
      'got "01:00:5e:00:00:01"']),
    ("nic_zero_mac", "$.hosts[0].nics[0].mac", '"00:00',
     ["expected a MAC address other than 00:00:00:00:00:00"]),
    ("nic_duplicate_mac", "$.hosts[1].nics[0].mac", '"02:00:00:00:00:AA"',
     ["expected a MAC address no other NIC has", 'got "02:00:00:00:00:aa"',
      "(the MAC of $.hosts[0].nics[0], a.wm0, too)"]),
    ("nic_mac_is_a_default", "$.hosts[0].nics[0].mac", '"02:00:00:01:00:01"',
     ["expected a MAC address no other NIC has",
      "the default MAC of $.hosts[1].nics[0], b.wm0"]),
    ("nic_dot_name", "$.hosts[0].nics[0].name", '"wm.0"',
     ['expected a NIC name without "."', 'got "wm.0"']),
    ("nic_duplicate_name", "$.hosts[0].nics[1].name", '"wm0", "type"',
     ["expected a name no other NIC of host a has", 'got "wm0"']),
    ("nics_not_array", "$.hosts[0].nics", '{"name": "wm0"}',
     ["expected an array of at most 16 NIC objects", "got an object"]),
    ("switch_missing_ports", "$.switches[0]", '{"name": "sw0"',
     ['missing required key "ports"', "1 to 1024"]),
    ("switch_name_is_a_host", "$.switches[0].name", '"sw0", "ports"',
     ["expected a name no host or other switch has", 'got "sw0"',
      "$.hosts[1]"]),
    ("switch_ports_range", "$.switches[0].ports", "1025",
     ["expected an integer from 1 to 1024", "got 1025"]),
    ("switch_bad_latency", "$.switches[0].latency", '"2s"',
     ["expected a duration from 0s to 1s", 'got "2s"']),
    ("link_unknown_host", "$.links[0].b", '"bb.wm0"',
     ['expected an endpoint "HOST.NIC" or "SWITCH.PORT"', 'got "bb.wm0"',
      'no host or switch is named "bb"', 'did you mean "b"?']),
    ("link_unknown_nic", "$.links[0].a", '"a.wm1"',
     ["expected a NIC of host a (one of a.wm0)", 'got "a.wm1"',
      'did you mean "a.wm0"?']),
    ("link_host_without_nics", "$.links[0].b", '"b.wm0"',
     ["expected a NIC of host b", "host b has no NICs"]),
    ("link_bad_port", "$.links[0].b", '"sw0.8"',
     ["expected a port of switch sw0 (sw0.0 to sw0.7)", 'got "sw0.8"']),
    ("link_endpoint_twice", "$.links[1].a", '"sw0.1", "b": "b',
     ["expected a NIC or switch port no other link uses", 'got "sw0.1"',
      "(the b end of $.links[0], l0, too)"]),
    ("link_to_itself", "$.links[0].b", '"sw0.2"}',
     ["expected an endpoint other than this link's a", 'got "sw0.2"']),
    ("link_no_dot", "$.links[0].a", '"a", "b"',
     ['expected an endpoint "HOST.NIC" or "SWITCH.PORT", such as "a.wm0"',
      'got "a"']),
    ("link_missing_b", "$.links[0]", '{"name": "l0"',
     ['missing required key "b"', 'an endpoint "HOST.NIC"']),
    ("link_loss_range", "$.links[0].loss", "1.5",
     ["expected a probability from 0 to 1", "got 1.5"]),
    ("link_rate_range", "$.links[0].rate", '"100bit"',
     ["expected a bit rate from 1kbit to 1600Gbit", 'got "100bit"']),
    ("link_mtu_range", "$.links[0].mtu", "9217",
     ["expected an integer from 68 to 9216", "got 9217"]),
    ("link_duplicate_pcap", "$.links[1].pcap", '"same.pcap"}]',
     ["expected a file no other link captures to", 'got "same.pcap"',
      "(the pcap of $.links[0], l0, too)"]),
    ("link_duplicate_name", "$.links[1].name", '"l0", "a": "a.wm1"',
     ["expected a name no other link has", 'got "l0"']),
    ("link_typo_key", "$.links[0].dealy", '"dealy"',
     ['unknown key "dealy"', 'did you mean "delay"?']),
    ("link_empty_pcap", "$.links[0].pcap", '""',
     ['expected a file name such as "l0.pcap"', 'got ""']),
    # The network: addresses, branes, routes, virtual pairs.
    ("net_bad_addr", "$.hosts[0].nics[0].addr", '"10.0.0.256/24"',
     ['expected an address with its prefix length such as "10.0.0.1/24"',
      'got "10.0.0.256/24"']),
    ("net_addr_no_len", "$.hosts[0].nics[0].addr", '"10.0.0.1"',
     ["expected an address with its prefix length", 'got "10.0.0.1"']),
    ("net_addr_leading_zero", "$.hosts[0].nics[0].addr", '"10.0.0.01/24"',
     ["expected an address with its prefix length", 'got "10.0.0.01/24"']),
    ("net_addr_network", "$.hosts[0].nics[0].addr", '"10.0.0.0/24"',
     ["expected a host address", 'got "10.0.0.0/24"',
      "the network address of its subnet"]),
    ("net_addr_multicast", "$.hosts[0].nics[0].addr", '"224.0.0.5/24"',
     ["expected a unicast address", 'got "224.0.0.5/24"']),
    ("net_unknown_brane", "$.hosts[0].nics[0].brane", '"rigth"',
     ["expected a brane of host a (one of default, right)", 'got "rigth"',
      'did you mean "right"?', 'declared in the host\'s "branes"']),
    ("net_long_brane", "$.hosts[0].branes[0].name", '"a_very_long_brane"',
     ["expected a brane name of at most 15 characters", "(17 characters)"]),
    ("net_dup_brane", "$.hosts[0].branes[1].name", '"r"}]',
     ["expected a name no other brane of host a has", 'got "r"',
      "$.hosts[0].branes[0]"]),
    ("net_gw_off_subnet", "$.hosts[0].branes[0].routes[0].via", '"10.5.0.1"',
     ["expected a gateway on a connected subnet of brane default "
      "(10.0.0.0/24 on wm0)", 'got "10.5.0.1"']),
    ("net_gw_no_addr", "$.hosts[0].branes[0].routes[0].via", '"10.5.0.1"',
     ["expected a gateway on a connected subnet of brane default",
      "the brane has no address"]),
    ("net_gw_self", "$.hosts[0].branes[0].routes[0].via", '"10.0.0.1"}',
     ["expected a gateway other than this brane's own address",
      "(the address of wm0)"]),
    ("net_dst_host_bits", "$.hosts[0].branes[0].routes[0].dst",
     '"10.9.1.0/16"', ["expected a prefix with no bits set past its length",
                       'did you mean "10.9.0.0/16"?']),
    ("net_dup_route", "$.hosts[0].branes[0].routes[1].dst",
     '"10.9.0.0/16", "via": "10.0.0.253"',
     ["expected a prefix no other route of brane default has",
      "$.hosts[0].branes[0].routes[0]"]),
    ("net_route_connected", "$.hosts[0].branes[0].routes[0].dst",
     '"10.0.0.0/24", "via"',
     ["expected a prefix other than a connected subnet of brane default",
      "wm0's address routes it already"]),
    ("net_route_no_via_dev", "$.hosts[0].branes[0].routes[0]",
     '{"dst": "0.0.0.0/0"}',
     ['expected "via", "dev" or both']),
    ("net_route_dev_other_brane", "$.hosts[0].branes[1].routes[0].dev",
     '"vp0b"}', ["expected an interface of brane default", 'got "vp0b"',
                 "which is in brane r"]),
    ("net_route_dev_unknown", "$.hosts[0].branes[0].routes[0].dev",
     '"wm9"', ["expected an interface of host a (one of wm0, vp0a, vp0b)",
               'did you mean "wm0"?']),
    ("net_route_dev_no_addr", "$.hosts[0].branes[0].routes[0].dev",
     '"wm0"}]}]', ["expected an interface with an address", "which has none"]),
    ("net_route_typo", "$.hosts[0].branes[0].routes[0].gw", '"gw"',
     ['unknown key "gw"', "expected one of dst, via, dev"]),
    ("net_vpair_dup_name", "$.hosts[0].vpairs[0].b", '"wm0"}]}]}',
     ["expected a name no NIC or other interface of host a has",
      "(the name of $.hosts[0].nics[0] too)"]),
    ("net_vpair_long_name", "$.hosts[0].vpairs[0].a", '"vp0a_is_too_long"',
     ["expected an interface name of at most 15 characters"]),
    ("net_vpair_missing_b", "$.hosts[0].vpairs[0]", '{"a"',
     ['missing required key "b"']),
    ("net_vpair_typo", "$.hosts[0].vpairs[0].a.adr", '"adr"',
     ['unknown key "adr"', 'did you mean "addr"?']),
    ("net_dup_addr", "$.hosts[0].vpairs[0].a.addr", '"10.0.0.1/16"',
     ["expected an address no other interface of brane default has",
      "(the address of $.hosts[0].nics[0], wm0, too)"]),
    ("net_program_brane", "$.workload[0].brane", '"lfet"',
     ["expected a brane of host a (one of default, left)", 'got "lfet"',
      'did you mean "left"?']),
    # Programs' references to the rest of the scenario, caught before a
    # run (which would panic on them).
    ("prog_port_twice", "$.workload[1].port", "7}]",
     ["expected a UDP port no other program of brane default on host a "
      "binds", "got 7", "(udp_echo, $.workload[0], binds it too)"]),
    ("prog_port_default_twice", "$.workload[2]",
     '{"program": "udp_sink", "brane": "left"}]',
     ["no other program of brane left on host a binds",
      "got port 9, its default (udp_sink, $.workload[0], binds it too)",
      "give one of them another port"]),
    ("prog_port_ephemeral", "$.workload[0].port", "50000",
     ["expected a port from 1 to 49151 to bind", "got 50000",
      "sockets that send unbound"]),
    ("rawsend_unknown_dev", "$.workload[0].dev", '"dm1"',
     ["expected an interface of host src (one of dm0, vp0a, vp0b)",
      'got "dm1"', 'did you mean "dm0"?']),
    ("rawsend_dev_no_interfaces", "$.workload[0].dev", '"dm0"',
     ["expected an interface of host src", "but it has none"]),
    ("rawsend_missing_dev", "$.workload[0]", '{"program": "rawsend"',
     ['missing required key "dev"', "the interface it sends through"]),
    ("rawsend_dst_unknown_host", "$.workload[0].dst", '"dtu.dm0"',
     ['expected "HOST.NIC" (that NIC\'s MAC address) or "broadcast"',
      'got "dtu.dm0"', 'no host is named "dtu"', 'did you mean "dut"?']),
    ("rawsend_dst_unknown_nic", "$.workload[0].dst", '"dut.dm1"',
     ["expected a NIC of host dut (one of dut.dm0)", 'got "dut.dm1"']),
    ("rawsend_dst_not_endpoint", "$.workload[0].dst", '"ff:ff',
     ['expected "HOST.NIC"', 'got "ff:ff:ff:ff:ff:ff"']),
    ("rawsend_rate_and_burst", "$.workload[0].burst", '"burst"',
     ['expected "rate" or "burst", not both',
      "with a rate, frames go out as they fall due"]),
]


@pytest.mark.parametrize("name,path,at,words", BAD, ids=[b[0] for b in BAD])
def test_mistake_gets_one_line_with_position_path_and_reason(
        loader, name, path, at, words):
    f = FIXTURES / "bad" / f"{name}.json"
    text = f.read_text(encoding="utf-8")
    line, col = line_col(text, at)
    msg = load_error(loader, f)
    head = f"{rel(f)}:{line}:{col}: at {path}: "
    assert msg.startswith(head), f"expected the line to start with\n  {head}\ngot\n  {msg}"
    for w in words:
        assert w in msg, f"{w!r} missing from\n  {msg}"


# Syntax errors: Jansson's message and position (it points at the end of the
# token it could not take).
BROKEN = [
    ("unterminated", 4, 1, ["invalid JSON", "']' expected near end of file"]),
    ("trailing_comma", 4, 1, ["invalid JSON", "'}' expected near '}'"]),
    ("duplicate_key", 3, 43, ["invalid JSON", "duplicate object key",
                              '"cpus"']),
    ("big_seed", 3, 30, ["invalid JSON", "too big integer"]),
    ("empty", 1, 1, ["invalid JSON", "expected near end of file"]),
]


@pytest.mark.parametrize("name,line,col,words", BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_broken_json_gets_jansson_message_with_position(
        loader, name, line, col, words):
    f = FIXTURES / "bad" / f"{name}.json"
    msg = load_error(loader, f)
    assert msg.startswith(f"{rel(f)}:{line}:{col}: invalid JSON: "), msg
    for w in words:
        assert w in msg, f"{w!r} missing from\n  {msg}"


def test_first_unknown_key_in_file_order_is_the_one_reported(loader,
                                                             tmp_path):
    f = tmp_path / "order.json"
    f.write_text('{"zz": 1, "aa": 2, "name": "x", "hosts": [{"name": "a"}]}')
    assert load_error(loader, f).startswith(f'{f}:1:2: at $.zz: ')


def test_missing_file_says_cannot_read(loader, tmp_path):
    f = tmp_path / "nope.json"
    p = run(loader + [f], check=2)
    assert p.stderr == f"{f}: cannot read: No such file or directory\n"


def test_directory_says_cannot_read(loader, tmp_path):
    p = run(loader + [tmp_path], check=2)
    assert p.stderr.startswith(f"{tmp_path}: cannot read: ")
    assert p.stderr.count("\n") == 1


def test_control_characters_in_values_stay_on_one_line(loader, tmp_path):
    f = tmp_path / "ctl.json"
    f.write_text('{"name": "x",\n"hosts": [{"name": "a\\nb\\u0007"}]}')
    msg = load_error(loader, f)
    assert msg.startswith(f"{f}:2:20: at $.hosts[0].name: "), msg
    assert 'got "a\\nb\\u0007"' in msg


def test_bytes_that_are_not_utf8_get_a_readable_line(loader, tmp_path):
    f = tmp_path / "latin1.json"
    f.write_bytes(b'{"name": "caf\xe9", "hosts": [{"name": "a"}]}')
    msg = load_error(loader, f)      # decodes as UTF-8, or the run fails
    assert msg.startswith(f"{f}:1:"), msg
    assert "invalid JSON" in msg


def test_long_values_are_cut_in_messages(loader, tmp_path):
    f = tmp_path / "long.json"
    f.write_text(json.dumps({"name": "n" * 500, "hosts": [{"name": "a"}]}))
    msg = load_error(loader, f)
    assert "(500 characters)" in msg
    assert len(msg) < 400


def test_odd_keys_are_quoted_in_the_path(loader, tmp_path):
    f = tmp_path / "odd.json"
    f.write_text('{"name": "x", "hosts": [{"name": "a"}],\n'
                 ' "odd \\"key\\"": 1}')
    msg = load_error(loader, f)
    assert msg.startswith(f'{f}:2:2: at $["odd \\"key\\""]: '
                          'unknown key "odd \\"key\\""'), msg


# --- Units --------------------------------------------------------------------

UNITS_OK = [
    ("duration_ns", "1.5ms", 1_500_000),
    ("duration_ns", "250us", 250_000),
    ("duration_ns", "250µs", 250_000),
    ("duration_ns", "1s", 10**9),
    ("duration_ns", "0.1ms", 100_000),
    ("duration_ns", "1000ps", 1),
    ("duration_ns", "0", 0),
    ("duration_ns", "42", 42),
    ("duration_ns", "18446744073709551615", 2**64 - 1),
    ("duration_ps", "0.12ns", 120),
    ("duration_ps", "0.5ns", 500),
    ("duration_ps", "7ps", 7),
    ("duration_ps", "2", 2000),
    ("duration_ps", "1.000000000001s", 10**12 + 1),
    ("rate_bps", "10Gbit", 10_000_000_000),
    ("rate_bps", "10Gbit/s", 10_000_000_000),
    ("rate_bps", "1.5kbit", 1500),
    ("rate_bps", "2Tbit", 2 * 10**12),
    ("rate_bps", "9600", 9600),
    ("rate_pps", "100kpps", 100_000),
    ("rate_pps", "1.25Mpps", 1_250_000),
    ("rate_pps", "30pps", 30),
    ("size", "64KiB", 65536),
    ("size", "1.5KiB", 1536),
    ("size", "1500B", 1500),
    ("size", "1kB", 1000),
    ("size", "1KB", 1000),
    ("size", "2MiB", 2 * 2**20),
    ("size", "1GB", 10**9),
    ("size", "1GiB", 2**30),
    ("size", "0.0009765625KiB", 1),
]


@pytest.mark.parametrize("kind,text,value", UNITS_OK)
def test_unit_parses_exactly(test_bin, kind, text, value):
    p = run([test_bin("test_scenario_load"), "--parse", kind, text], check=0)
    assert p.stdout == f"{value}\n"


UNITS_BAD = [
    ("duration_ns", "0.5ns", "expected a whole number of nanoseconds"),
    ("duration_ns", "1.0001ns", "expected a whole number of nanoseconds"),
    ("duration_ps", "0.0001ns", "expected a whole number of picoseconds"),
    ("duration_ns", "99999999999999999999s", "fits in 64 bits"),
    ("duration_ns", "18446744073709551616", "fits in 64 bits"),
    ("duration_ps", "18446744073709552s", "fits in 64 bits"),
    ("duration_ns", "-5ms", "expected a duration of 0 or more"),
    ("duration_ns", "", 'expected a duration such as "250us"'),
    ("duration_ns", "ms", 'expected a duration such as "250us"'),
    ("duration_ns", "1.5", "a number with a fraction needs a unit"),
    ("duration_ns", ".5ms", 'expected a duration such as "250us"'),
    ("duration_ns", "5.ms", 'expected a duration such as "250us"'),
    ("duration_ns", "10 ms", 'write no space between the number and the '
                             'unit: "10ms"'),
    ("duration_ns", "10 parsecs", 'unknown unit "parsecs"'),
    ("duration_ns", "1e3ns", 'unknown unit "e3ns"'),
    ("duration_ns", "10MS", 'did you mean "ms"?'),
    ("duration_ns", "0.00000000000000000001s", "at most 19 significant"),
    ("rate_bps", "10gbit", 'did you mean "Gbit"?'),
    ("rate_bps", "0.5bit", "expected a whole number of bits per second"),
    ("rate_bps", "10Gbps", "units bit, kbit, Mbit, Gbit, Tbit"),
    ("rate_pps", "100kbit", "units pps, kpps, Mpps"),
    ("rate_pps", "0.5pps", "whole number of packets per second"),
    ("size", "1.5B", "expected a whole number of bytes"),
    ("size", "10mb", 'did you mean "MB"?'),
    ("size", "17179869184GiB", "fits in 64 bits"),
]


@pytest.mark.parametrize("kind,text,words", UNITS_BAD)
def test_unit_refuses_with_reason(test_bin, kind, text, words):
    p = run([test_bin("test_scenario_load"), "--parse", kind, text], check=2)
    assert p.stdout.startswith("error: expected "), p.stdout
    assert p.stdout.count("\n") == 1
    assert words in p.stdout
    assert json.dumps(text, ensure_ascii=False) in p.stdout, \
        "the message shows what was given"


def test_trailing_zeros_in_fractions_do_not_count_as_precision(test_bin):
    p = run([test_bin("test_scenario_load"), "--parse", "duration_ns",
             "1.500000000000000000000000000000ms"], check=0)
    assert p.stdout == "1500000\n"


# --- The schema and the README, generated from the loader's tables -----------

def test_schema_and_readme_tables_are_generated_from_the_loader(netsim):
    """schema/scenario.schema.json and the README's key and programs tables
    are exactly what scripts/gen_schema.py makes of the loader's tables."""
    p = run([sys.executable, GEN_SCHEMA, "--check"], check=None)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("target", ["schema", "readme"])
def test_a_hand_edit_of_a_generated_file_is_caught(netsim, tmp_path, target):
    schema_copy, readme_copy = tmp_path / "s.json", tmp_path / "README.md"
    schema_copy.write_text(SCHEMA_PATH.read_text("utf-8"), "utf-8")
    readme_copy.write_text((ROOT / "README.md").read_text("utf-8"), "utf-8")
    if target == "schema":
        s = json.loads(schema_copy.read_text("utf-8"))
        s["$defs"]["host"]["properties"]["cpus"]["maximum"] = 128
        schema_copy.write_text(json.dumps(s, indent=2), "utf-8")
        edited = schema_copy
    else:
        text = readme_copy.read_text("utf-8")
        readme_copy.write_text(text.replace("| `record.packets` |",
                                            "| `record.pakets` |"), "utf-8")
        edited = readme_copy
    p = run([sys.executable, GEN_SCHEMA, "--check", "--schema", schema_copy,
             "--readme", readme_copy], check=1)
    assert f"{edited} is out of step with the loader's tables" in p.stdout


def readme_key_rows():
    text = (ROOT / "README.md").read_text("utf-8")
    body = text.split("<!-- generated: scenario keys -->")[1].split(
        "<!-- end generated: scenario keys -->")[0]
    return [line.split("|")[1].strip().strip("`") for line in
            body.splitlines() if line.startswith("| `")]


def format_paths(tables):
    """Every key path of the format: the loader's objects, walked."""
    objs = {o["name"]: o for o in tables["objects"]}
    seen, out = set(), []

    def walk(o, prefix):
        for k in o["keys"]:
            out.append(prefix + k["name"])
            sub = k.get("object")
            if sub is not None and sub not in seen:
                seen.add(sub)
                walk(objs[sub], out[-1] + ("[]." if k["kind"] in (
                    "array", "programs") else "."))
    walk(objs["scenario"], "")
    return out


def test_readme_key_table_lists_every_key_once(tables):
    rows = readme_key_rows()
    assert sorted(rows) == sorted(format_paths(tables))
    assert len(rows) == len(set(rows)), "a key listed twice"
    assert "record.packets" in rows and rows.count("hosts") == 1
    assert "hosts[].nics[].rx_ring" in rows


def test_schema_knows_every_program_and_parameter(schema, tables):
    entries = schema["$defs"]["program"]["oneOf"]
    got = {e["properties"]["program"]["const"]: set(e["properties"])
           for e in entries}
    want = {p["name"]: {"program", "host", "brane"} |
            {q["name"] for q in p["params"]} for p in tables["programs"]}
    assert got == want


def test_schema_forbids_unknown_keys_everywhere(schema):
    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                assert node.get("additionalProperties") is False, where
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")
    walk(schema, "$")


def ok_fixtures():
    return sorted((FIXTURES / "ok").glob("*.json"))


@pytest.mark.parametrize("path", ok_fixtures(),
                         ids=[p.name for p in ok_fixtures()])
def test_schema_accepts_what_the_loader_accepts(schema, loader, path):
    load_ok(loader, path)
    jsonschema.Draft202012Validator(schema).validate(
        json.loads(path.read_text(encoding="utf-8")))


# Refused fixtures that the schema refuses too.  The others need the loader:
# ranges of values written with units, unique and known host names, one
# host or a named one, whole nanoseconds, 64-bit overflow, duplicate keys,
# endpoints that exist and are used once, unique MACs, NIC, switch, link
# and capture names.
SCHEMA_REFUSES = {"typo_key", "wrong_type", "bad_unit", "out_of_range",
                  "missing_name", "missing_hosts", "unknown_program",
                  "bad_probe", "unicode", "unicode_name", "deep_path",
                  "escaped_key", "bad_enum", "param_range", "param_typo",
                  "not_object", "bad_policy", "program_not_object",
                  "empty_hosts", "record_bool", "misspelt_required",
                  "zero_duration", "big_seed", "bad_jitter",
                  "nic_typo_key", "nic_bad_type", "nic_bad_mac",
                  "nic_multicast_mac", "nic_dot_name", "nics_not_array",
                  "switch_missing_ports", "switch_ports_range",
                  "link_no_dot", "link_missing_b", "link_loss_range",
                  "link_mtu_range", "link_typo_key", "link_empty_pcap",
                  "param_bad_inaddr", "param_inaddr_number",
                  "param_inaddr_leading_zero", "param_missing_required",
                  "net_bad_addr", "net_addr_no_len", "net_addr_leading_zero",
                  "net_long_brane", "net_route_no_via_dev", "net_route_typo",
                  "net_vpair_long_name", "net_vpair_missing_b",
                  "net_vpair_typo", "prog_port_ephemeral",
                  "rawsend_missing_dev", "rawsend_dst_not_endpoint",
                  "rawsend_rate_and_burst"}


def parseable_bad_fixtures():
    out = []
    for p in sorted((FIXTURES / "bad").glob("*.json")):
        try:
            out.append((p.stem, json.loads(p.read_text(encoding="utf-8"))))
        except ValueError:
            pass            # broken JSON: only the loader's concern
    return out


@pytest.mark.parametrize("name,doc", parseable_bad_fixtures(),
                         ids=[n for n, _ in parseable_bad_fixtures()])
def test_schema_refuses_exactly_what_it_can_describe(schema, name, doc):
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    if name in SCHEMA_REFUSES:
        assert errors, f"the schema accepts bad/{name}.json"
    else:
        assert not errors, (f"the schema now refuses bad/{name}.json; add it "
                            f"to SCHEMA_REFUSES: {errors[0].message}")


def shipped_scenarios():
    return sorted(list((ROOT / "scenarios").glob("**/*.json")) +
                  list((ROOT / "bench" / "scenarios").glob("*.json")))


@pytest.mark.parametrize("path", shipped_scenarios(),
                         ids=[rel(p) for p in shipped_scenarios()])
def test_shipped_scenario_loads_and_matches_the_schema(schema, loader, path):
    load_ok(loader, path)
    jsonschema.Draft202012Validator(schema).validate(
        json.loads(path.read_text(encoding="utf-8")))


def test_validate_accepts_every_shipped_scenario_by_glob(netsim):
    """`netsim validate scenarios/*.json scenarios/*/*.json`, as the README
    says: the schema is not among them (it lives in schema/), so the globs
    are all scenarios."""
    files = sorted(str(p.relative_to(ROOT)) for pattern in
                   ("*.json", "*/*.json") for p in
                   (ROOT / "scenarios").glob(pattern))
    p = run([netsim, "validate"] + files, cwd=ROOT, check=None)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(": ok (scenario ") == len(files)


@pytest.mark.parametrize("name", ["prog_port_twice", "rawsend_unknown_dev",
                                  "rawsend_dst_unknown_nic"])
def test_a_dangling_reference_is_refused_before_anything_runs(
        netsim, tmp_path, name):
    """Two programs binding one port, or a program naming an interface or
    a NIC that is not there: `netsim validate` says so (exit 2, one line
    with the position) and `netsim run` runs nothing and records nothing
    -- no panic, no "violation" row, no replay line."""
    f = FIXTURES / "bad" / f"{name}.json"
    v = run([netsim, "validate", f], check=2)
    assert v.stdout == "" and v.stderr.count("\n") == 1
    assert v.stderr.startswith(f"{f}:"), v.stderr
    db = tmp_path / "r.db"
    r = run([netsim, "run", f, "--db", db], check=2)
    assert r.stderr == v.stderr
    assert "replay" not in r.stderr and "panic" not in r.stderr
    assert not db.exists()


def test_validate_says_a_json_schema_is_not_a_scenario(netsim):
    p = run([netsim, "validate", SCHEMA_PATH], check=2)
    assert p.stderr.count("\n") == 1
    assert p.stderr.startswith(f'{SCHEMA_PATH}:2:3: at $["$schema"]: '), \
        p.stderr
    assert "is a JSON Schema" in p.stderr and "not a scenario" in p.stderr


# --- Robustness: mutated scenarios never crash the loader ---------------------

def mutate(rng, node, depth=0):
    """Return a copy of a JSON tree with one random change somewhere."""
    if isinstance(node, dict) and node and (depth == 0 or rng.random() < 0.7):
        node = dict(node)
        key = rng.choice(sorted(node))
        r = rng.random()
        if r < 0.15:
            del node[key]
        elif r < 0.3:
            pos = rng.randrange(len(key) + 1)
            node[key[:pos] + rng.choice("xé_:") + key[pos:]] = node.pop(key)
        else:
            node[key] = mutate(rng, node[key], depth + 1)
        return node
    if isinstance(node, list) and node and rng.random() < 0.7:
        node = list(node)
        i = rng.randrange(len(node))
        node[i] = mutate(rng, node[i], depth + 1)
        return node
    return rng.choice([None, True, -1, 0, 2**63 - 1, 1.5, "", "x", "1.5ms",
                       "0.5ns", "10 parsecs", "ünï", "18446744073709551616s",
                       [], {}, [1], {"name": "a"}])


def test_mutated_scenarios_get_a_result_or_one_positioned_line(
        loader, tmp_path):
    import random
    seed = 20240601
    rng = random.Random(seed)
    base = json.loads((FIXTURES / "ok" / "full.json").read_text("utf-8"))
    refused = 0
    for i in range(150):
        doc = mutate(rng, base)
        f = tmp_path / f"mutant{i}.json"
        f.write_text(json.dumps(doc, indent=rng.choice([None, 1, 4]),
                                ensure_ascii=rng.random() < 0.5), "utf-8")
        p = run(loader + [f])
        replay = (f"seed {seed}, mutant {i}: {' '.join(map(str, loader))} "
                  f"{f}\n{f.read_text('utf-8')[:2000]}\n{p.stderr}")
        assert p.returncode in (0, 2), replay
        if p.returncode == 2:
            refused += 1
            assert p.stderr.count("\n") == 1, replay
            assert p.stderr.startswith(f"{f}:"), replay
            if ": at $" in p.stderr:
                head = p.stderr.split(": at $")[0]
                assert head.count(":") == 2 and \
                    head.split(":")[1].isdigit() and \
                    head.split(":")[2].isdigit(), \
                    "an error at a JSON path has a line and column\n" + replay
    assert refused > 50, "the mutations should mostly be mistakes"
