#!/usr/bin/env python3
"""Rewrite the parts of scenarios/schema.json that mirror the C tables.

The cost entries, the probe names and the programs with their parameters
are generated from `test_scenario_load --dump-tables`, by the same
functions tests/test_scenario.py checks the schema with, so after adding a
cost, a probe or a program:

    make && python3 scripts/update_schema.py

The rest of the schema (structure, limits, units) is written by hand.
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import test_scenario as t  # noqa: E402  (the one definition of the fragments)


def main():
    dump = ROOT / "bin" / "release" / "tests" / "test_scenario_load"
    tables = json.loads(subprocess.run([dump, "--dump-tables"], check=True,
                                       capture_output=True, text=True).stdout)
    path = ROOT / "scenarios" / "schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["$defs"]["cost"]["properties"] = t.expected_costs(tables)
    schema["$defs"]["probes"]["properties"] = t.expected_probes(tables)
    schema["$defs"]["program"]["oneOf"] = t.expected_programs(tables)
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    print(f"update_schema: {path.relative_to(ROOT)} follows the C tables")


if __name__ == "__main__":
    main()
