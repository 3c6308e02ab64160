#!/usr/bin/env python3
"""Generate the scenario format's JSON Schema and the README's key and
program tables from the loader's own tables.

The loader's tables (sim/scenario/format.c: every object and key; the
cost table; the probes; the programs' parameters) are the one source of
the format.  `test_scenario_load --dump-tables` prints them; this script
turns them into

    schema/scenario.schema.json   the JSON Schema, for editors
    README.md, between its "generated" markers: the key table and the
    programs table

so a key cannot exist in one and not the others.  Usage:

    make schema                  rewrite both (builds first)
    gen_schema.py --check        exit 1, saying what differs, if either is
                                 out of step (the suite runs this)
    gen_schema.py --dump FILE    read the tables from FILE, not the binary

The syntax of the text values (units, names, addresses) is described
here, in TEXT_DEFS; what each key takes, its range, default and meaning
come from the tables only.
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema" / "scenario.schema.json"
README = ROOT / "README.md"
DUMPER = ROOT / "bin" / "release" / "tests" / "test_scenario_load"

OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = f"({OCTET}\\.){{3}}{OCTET}"
UNIT_TEXT = {"duration_ns": "duration_text", "duration_ps": "duration_text",
             "size": "size_text", "rate_bps": "rate_bps_text",
             "rate_pps": "rate_pps_text"}
UNIT_WORD = {"duration_ns": "duration", "duration_ps": "duration",
             "size": "size", "rate_bps": "bit rate",
             "rate_pps": "packet rate"}
# Program parameter types with a unit, and the unit.
PARAM_UNIT = {"duration": "duration_ns", "size": "size",
              "rate_bps": "rate_bps", "rate_pps": "rate_pps"}


def text_defs(names):
    """The schema's definitions of text values: units, names, addresses."""
    def pattern(p, doc):
        return {"type": "string", "pattern": p, "description": doc}
    return {
        "name": pattern(
            "^[A-Za-z0-9._-]{1,%d}$" % names["name_max"],
            "a name: letters, digits, \".\", \"_\" and \"-\", 1 to %d "
            "characters" % names["name_max"]),
        "nic_name": pattern(
            "^[A-Za-z0-9_-]{1,%d}$" % names["name_max"],
            "like a name, without \".\": links write a NIC as HOST.NIC"),
        "ifname": pattern(
            "^[A-Za-z0-9_-]{1,%d}$" % names["ifname_max"],
            "an interface name: like a NIC name, at most %d characters "
            "(IFNAMSIZ)" % names["ifname_max"]),
        "brane_name": pattern(
            "^[A-Za-z0-9._-]{1,%d}$" % names["brane_name_max"],
            "a brane's name, at most %d characters"
            % names["brane_name_max"]),
        "duration_text": pattern(
            "^([0-9]+|[0-9]+(\\.[0-9]+)?(ps|ns|us|µs|μs|ms|s))$",
            "a decimal number and a unit (\"250us\", \"1.5ms\"), or digits "
            "alone for nanoseconds; fractions must come out whole in the "
            "key's precision (ns, or ps for probe costs)"),
        "size_text": pattern(
            "^([0-9]+|[0-9]+(\\.[0-9]+)?(B|kB|KB|MB|GB|KiB|MiB|GiB))$",
            "bytes: \"1500B\", \"64KiB\"; kB, MB, GB are powers of 1000, "
            "KiB, MiB, GiB of 1024"),
        "rate_bps_text": pattern(
            "^([0-9]+|[0-9]+(\\.[0-9]+)?(bit|kbit|Mbit|Gbit|Tbit)(/s)?)$",
            "bits per second: \"10Gbit\" or \"10Gbit/s\""),
        "rate_pps_text": pattern(
            "^([0-9]+|[0-9]+(\\.[0-9]+)?(pps|kpps|Mpps))$",
            "packets per second: \"100kpps\""),
        "ipv4": pattern(f"^{IPV4}$", "an IPv4 address in dotted decimal, "
                        "no leading zeros"),
        "prefix": pattern(f"^{IPV4}/(3[0-2]|[12]?[0-9])$",
                          "an IPv4 prefix: address/length, length 0 to 32"),
        "ifaddr": {"$ref": "#/$defs/prefix",
                   "description": "an interface address: a unicast host "
                   "address (not its subnet's network or broadcast "
                   "address) and a prefix length from 1 to 32"},
        "mac": pattern(
            "^[0-9A-Fa-f][02468aceACE](:[0-9A-Fa-f]{2}){5}$",
            "a unicast MAC address, six two-digit hex bytes joined by "
            "colons, the first byte even; not 00:00:00:00:00:00"),
        "endpoint": pattern(
            "^[A-Za-z0-9._-]{1,%d}\\.[A-Za-z0-9_-]{1,%d}$"
            % (names["name_max"], names["name_max"]),
            "a host's NIC, \"HOST.NIC\", or a switch's port, "
            "\"SWITCH.PORT\" (from 0)"),
    }


def ref(name, **more):
    return {"$ref": f"#/$defs/{name}", **more}


def unit_value(unit, lo, hi):
    """An integer in the base unit (ns for both durations) or a text."""
    if unit == "duration_ps":
        lo, hi = -(-lo // 1000), hi // 1000
    return {"anyOf": [{"type": "integer", "minimum": lo, "maximum": hi},
                      ref(UNIT_TEXT[unit])]}


# A sweep's key: a JSON path into the scenario (load_sweep.c's grammar).
SWEEP_PATH = (r"^(\$\.)?[A-Za-z0-9_-]+(\[[0-9]+\])*"
              r"(\.[A-Za-z0-9_-]+(\[[0-9]+\])*)*$")


def key_value(k):
    """The schema of a key's value, by its kind."""
    kind = k["kind"]
    if kind == "int":
        return {"type": "integer", "minimum": k["min"], "maximum": k["max"]}
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "unit":
        return unit_value(k["unit"], k["min"], k["max"])
    if kind == "choice":
        return {"enum": k["choices"]}
    if kind == "prob":
        return {"type": "number", "minimum": 0, "maximum": 1}
    if kind == "window":
        powers = [0] + [1 << i for i in range(k["max"].bit_length())]
        return {"anyOf": [{"type": "integer", "enum": powers},
                          ref("duration_text")]}
    if kind == "text":
        return {"type": "string", "maxLength": k["max"]}
    if kind == "path":
        return {"type": "string", "minLength": 1, "maxLength": k["max"]}
    if kind in ("name", "nic_name", "ifname", "brane_name", "ipv4",
                "prefix", "ifaddr", "mac", "endpoint", "cost", "probes",
                "probe_cost"):
        return ref(kind)
    if kind in ("object", "ifend"):
        return ref(k["object"])
    if kind in ("array", "programs"):
        out = {"type": "array"}
        if k["min"] > 0:
            out["minItems"] = k["min"]
        out["maxItems"] = k["max"]
        out["items"] = ref(k["object"])
        return out
    if kind == "sweep":
        # JSON paths into the scenario, each with its values; "seeds".
        return {"type": "object", "minProperties": 1,
                "properties": {"seeds": {
                    "type": "array", "minItems": 1,
                    "items": {"type": "integer", "minimum": 0}}},
                "patternProperties": {SWEEP_PATH: {
                    "type": "array", "minItems": k["min"],
                    "maxItems": k["max"],
                    "items": {"type": ["string", "number", "boolean"]}}},
                "additionalProperties": False}
    raise ValueError(f"key {k['name']}: kind {kind} has no schema")


def key_schema(k):
    out = key_value(k)
    if k["default"] is not None:
        out["default"] = k["default"]
    out["description"] = k["doc"]
    return out


def object_schema(o):
    out = {"type": "object", "additionalProperties": False}
    required = [k["name"] for k in o["keys"] if k["required"]]
    if required:
        out["required"] = required
    if o["any_of"]:
        out["anyOf"] = [{"required": [k]} for k in o["any_of"]]
    out["properties"] = {k["name"]: key_schema(k) for k in o["keys"]}
    out["description"] = o["doc"]
    return out


def param_schema(p):
    t, doc = p["type"], p["doc"]
    if t == "inaddr":
        out = ref("ipv4")
    elif t == "int":
        out = {"type": "integer", "minimum": p["min"], "maximum": p["max"]}
    elif t == "bool":
        out = {"type": "boolean"}
    elif t == "enum":
        out = {"enum": p["choices"]}
    elif t in PARAM_UNIT:
        out = unit_value(PARAM_UNIT[t], p["min"], p["max"])
    elif t == "iface":
        out = ref("ifname")
    elif t == "ether":
        out = {"anyOf": [{"const": "broadcast"},
                         ref("endpoint", description="a NIC, HOST.NIC")]}
    elif t == "udp_bind":
        out = {"type": "integer", "minimum": p["min"], "maximum": p["max"]}
    elif t == "times":
        out = {"type": "string", "minLength": 1}
    else:
        raise ValueError(f"parameter {p['name']}: type {t} has no schema")
    if not p["required"] and t != "times":
        out["default"] = p["default_text"]
    out["description"] = doc
    return out


def program_schema(prog, own):
    """One program's workload entry: the entry's own keys, its parameters."""
    props = {}
    for k in own["keys"]:
        props[k["name"]] = ({"const": prog["name"]} if k["name"] == "program"
                            else key_schema(k))
    for p in prog["params"]:
        assert p["name"] not in props, \
            f"{prog['name']}: {p['name']} would hide a key of every entry"
        props[p["name"]] = param_schema(p)
    required = [k["name"] for k in own["keys"] if k["required"]] + \
        [p["name"] for p in prog["params"] if p["required"]]
    out = {"type": "object", "additionalProperties": False,
           "required": required, "properties": props,
           "description": prog["doc"]}
    if prog["exclusive"]:
        out["not"] = {"anyOf": [{"required": [a, b]}
                                for a, b, _ in prog["exclusive"]]}
    return out


def cost_schemas(t):
    cost_ns = {"anyOf": [{"type": "integer", "minimum": 0,
                          "maximum": t["names"]["cost_max_ns"]},
                         ref("duration_text")],
               "description": "a cost in whole nanoseconds, at most 1s"}
    costs = {c["name"]: ref("cost_ns", default=c["default_text"],
                            description=c["doc"]) for c in t["costs"]}
    costs["probes"] = ref("probes")
    probe_obj = object_schema(objects(t)["probe_cost"])
    fixed = probe_obj["properties"]["fixed"]
    return {
        "cost_ns": cost_ns,
        "cost": {"type": "object", "additionalProperties": False,
                 "properties": costs,
                 "description": "what each kernel-service operation costs "
                 "this host's CPUs; entries left out keep their defaults"},
        "probes": {"type": "object", "additionalProperties": False,
                   "properties": {p["name"]: ref("probe_cost",
                                                 description=p["doc"])
                                  for p in t["probes"]},
                   "description": "costs charged when a static probe "
                   "fires, keyed provider:name"},
        "probe_cost": {"oneOf": [{"anyOf": fixed["anyOf"],
                                  "description": "the fixed cost"},
                                 probe_obj],
                       "description": probe_obj["description"]},
    }


def objects(t):
    return {o["name"]: o for o in t["objects"]}


def schema(t):
    objs = objects(t)
    top = objs.pop("scenario")
    own = objs.pop("program")
    objs.pop("probe_cost")
    defs = text_defs(t["names"])
    defs.update(cost_schemas(t))
    for name, o in objs.items():
        defs[name] = object_schema(o)
    defs["vpair_end"] = {"anyOf": [ref("ifname"), defs["vpair_end"]],
                         "description": defs["vpair_end"].pop("description")}
    defs["program"] = {"oneOf": [program_schema(p, own)
                                 for p in t["programs"]]}
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$comment": "Generated by scripts/gen_schema.py from the "
           "loader's tables (sim/scenario/format.c); do not edit: run "
           "`make schema`.",
           "title": "netsim scenario"}
    out.update(object_schema(top))
    out["$defs"] = defs
    return out


# --- The README's tables --------------------------------------------------

# How the README names a key's value, by kind (the ranged kinds below).
VALUE_WORDS = {
    "bool": "true or false", "prob": "number, 0 to 1", "path": "file name",
    "name": "name", "nic_name": "name without `.`",
    "ifname": "interface name", "brane_name": "brane name",
    "ipv4": "IPv4 address", "prefix": "IPv4 prefix",
    "ifaddr": "address/length", "mac": "MAC address",
    "endpoint": '`"HOST.NIC"` or `"SWITCH.PORT"`', "object": "object",
    "cost": "object", "ifend": "interface name or object",
    "sweep": "object: JSON path to an array of values; `seeds`",
}


def value_text(k):
    """What a key takes, in words, for the README."""
    kind = k["kind"]
    if kind == "int" and k["max"] >= 2**63 - 1:
        return f"integer, {k['min']} or more"
    if kind == "int":
        return f"integer, {k['min']} to {k['max']}"
    if kind == "unit":
        return f"{UNIT_WORD[k['unit']]}, {k['min_text']} to {k['max_text']}"
    if kind == "window":
        return f"duration: 0 or a power of two ns up to {k['max_text']}"
    if kind == "choice":
        return " or ".join(f'`"{c}"`' for c in k["choices"])
    if kind == "text":
        return f"string of up to {k['max']} characters"
    if kind in ("array", "programs"):
        return f"array, {k['min'] or 'up'} to {k['max']}"
    return VALUE_WORDS[kind]


def shown(d):
    """A default as the README shows it: a JSON string in code quotes."""
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, str) and d != "0":
        return f'`"{d}"`'
    return f"{d}"


def default_text(k):
    if k["required"]:
        return "required"
    if k["default_text"] is not None:
        return k["default_text"]
    return shown(k["default"])


def md(s):
    return s.replace("|", "\\|")


def key_rows(t):
    """One row a key, in the order of the tables, each object's keys once."""
    objs, seen, rows = objects(t), set(), []

    def walk(o, prefix):
        for k in o["keys"]:
            path = prefix + k["name"]
            rows.append((path, value_text(k), default_text(k), k["doc"]))
            sub = k.get("object")
            if sub is None or sub in seen:
                continue
            seen.add(sub)
            if k["kind"] in ("array", "programs"):
                walk(objs[sub], path + "[].")
            else:
                walk(objs[sub], path + ".")
    walk(objs["scenario"], "")
    return rows


def keys_table(t):
    lines = ["| key | value | default | meaning |", "|---|---|---|---|"]
    for path, value, default, doc in key_rows(t):
        lines.append(f"| `{path}` | {md(value)} | {md(default)} | "
                     f"{md(doc)} |")
    n = t["names"]
    lines += ["", f"A name is 1 to {n['name_max']} of `A-Z a-z 0-9 . _ -`; "
              f"a NIC's has no `.`; an interface's (a virtual pair's end) "
              f"and a brane's have at most {n['ifname_max']} characters."]
    return "\n".join(lines)


def param_value(p):
    t = p["type"]
    if t == "enum":
        return " or ".join(f'`"{c}"`' for c in p["choices"])
    if t == "bool":
        return "true or false"
    if t == "inaddr":
        return "IPv4 address"
    if t == "iface":
        return "interface name (of its host)"
    if t == "ether":
        return '`"HOST.NIC"` or `"broadcast"`'
    if t == "udp_bind":
        return f"port, {p['min']} to {p['max']}, bound"
    if t == "times":
        return f"file of {p['min']} to {p['max']} durations"
    if t in PARAM_UNIT:
        return f"{UNIT_WORD[PARAM_UNIT[t]]}, {p['min_text']} to " \
            f"{p['max_text']}"
    return f"integer, {p['min']} to {p['max']}"


def param_default(p):
    if p["type"] == "times" and not p["required"]:
        return "none"
    return "required" if p["required"] else shown(p["default_text"])


def exclusions(pairs):
    """"; `rate` excludes `burst` and `interval`", for a program's row."""
    by = {}
    for a, b, _ in pairs:
        by.setdefault(a, []).append(f"`{b}`")
    return "".join(f"; `{a}` excludes {' and '.join(bs)}"
                   for a, bs in by.items())


def programs_table(t):
    lines = ["| program, parameter | value | default | meaning |",
             "|---|---|---|---|"]
    for prog in t["programs"]:
        doc = prog["doc"] + exclusions(prog["exclusive"])
        lines.append(f"| **`{prog['name']}`** | | | {md(doc)} |")
        for p in prog["params"]:
            lines.append(f"| `{p['name']}` | {md(param_value(p))} | "
                         f"{md(param_default(p))} | {md(p['doc'])} |")
    return "\n".join(lines)


def begin(name):
    return f"<!-- generated: {name} -->"


def end(name):
    return f"<!-- end generated: {name} -->"


def splice(text, name, body):
    b, e = begin(name), end(name)
    if text.count(b) != 1 or text.count(e) != 1:
        raise SystemExit(f"gen_schema: README.md needs one pair of "
                         f"markers\n  {b}\n  {e}")
    head, rest = text.split(b)
    _, tail = rest.split(e)
    return f"{head}{b}\n{body}\n{e}{tail}"


def outputs(t, readme_text):
    s = json.dumps(schema(t), indent=2, ensure_ascii=False) + "\n"
    r = splice(readme_text, "scenario keys", keys_table(t))
    r = splice(r, "programs", programs_table(t))
    return s, r


def read_tables(dump):
    if dump is not None:
        return json.loads(pathlib.Path(dump).read_text(encoding="utf-8"))
    p = subprocess.run([DUMPER, "--dump-tables"], check=True,
                       capture_output=True, text=True)
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--readme", default=str(README))
    ap.add_argument("--schema", default=str(SCHEMA))
    args = ap.parse_args()
    readme, schema_path = pathlib.Path(args.readme), pathlib.Path(args.schema)
    want_schema, want_readme = outputs(read_tables(args.dump),
                                       readme.read_text(encoding="utf-8"))
    if args.check:
        stale = [str(p) for p, want in ((schema_path, want_schema),
                                        (readme, want_readme))
                 if not p.exists() or p.read_text(encoding="utf-8") != want]
        for p in stale:
            print(f"gen_schema: {p} is out of step with the loader's "
                  f"tables; run `make schema` (do not edit it by hand)")
        return 1 if stale else 0
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(want_schema, encoding="utf-8")
    readme.write_text(want_readme, encoding="utf-8")
    print(f"gen_schema: wrote {schema_path.relative_to(ROOT)} and the "
          f"tables of {readme.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
