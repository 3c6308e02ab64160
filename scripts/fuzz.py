#!/usr/bin/env python3
"""libFuzzer on each fuzz target (`make fuzz [FUZZ_TIME=seconds]`).

Each target bin/fuzz/fuzz/fuzz_NAME (tests/fuzz/fuzz_NAME.c) runs for
--time seconds from its corpus: build/fuzz/corpus/NAME/ (where libFuzzer
writes what it finds new: kept between runs), the corpus kept in the
tree (tests/fuzz/corpus/NAME/) and the target's examples (the scenario
loader's: every shipped scenario, good and bad).  The scenario loader's
dictionary is every key and every fixed value of the scenario's JSON
Schema, so mutations speak the format.

A breach of a target's contract (an abort, an ASan or UBSan report, a
leak) stops it and leaves its input as build/fuzz/NAME-crash-*: replay
it with the target (`bin/fuzz/fuzz/fuzz_NAME FILE`) or with the driver
build (`bin/release/fuzz/fuzz_NAME FILE`), and keep it, fixed, in
tests/fuzz/corpus/NAME/ so that make test replays it from then on.
Exits 1 if any target breached.
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "bin" / "fuzz" / "fuzz"
OUT = ROOT / "build" / "fuzz"

# A target's examples besides its corpus: directories, recursively.
EXAMPLES = {
    "scenario": ["scenarios", "bench/scenarios", "tests/scenarios"],
}


def schema_tokens():
    """Every property name and every enum value of the scenario schema,
    as JSON strings."""
    out = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.get("properties", {}).items():
                out.add(json.dumps(k))
                walk(v)
            for v in node.get("enum", []):
                out.add(json.dumps(v))
            for k, v in node.items():
                if k != "properties":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads((ROOT / "schema" / "scenario.schema.json").read_text()))
    return sorted(out)


def dictionary(name):
    """The target's libFuzzer dictionary file, or None."""
    if name != "scenario":
        return None
    path = OUT / "scenario.dict"
    path.write_text("".join(
        f"k{i}={json.dumps(t)}\n" for i, t in enumerate(schema_tokens())))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=int, default=60,
                    help="seconds a target (default 60)")
    args = ap.parse_args()
    targets = sorted(BIN.glob("fuzz_*"))
    if not targets:
        sys.exit(f"fuzz: no targets in {BIN} (make VARIANT=fuzz all)")
    breached = []
    for exe in targets:
        name = exe.name[len("fuzz_"):]
        corpus = OUT / "corpus" / name
        corpus.mkdir(parents=True, exist_ok=True)
        seeds = [ROOT / "tests" / "fuzz" / "corpus" / name] + \
            [ROOT / d for d in EXAMPLES.get(name, [])]
        cmd = [str(exe), f"-max_total_time={args.time}",
               f"-artifact_prefix={OUT}/{name}-", "-print_final_stats=1",
               str(corpus)] + [str(d) for d in seeds if d.is_dir()]
        d = dictionary(name)
        if d is not None:
            cmd.insert(1, f"-dict={d}")
        print(f"fuzz: {name}: {' '.join(cmd)}", flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            breached.append(name)
    if breached:
        sys.exit(f"fuzz: breached: {', '.join(breached)} (inputs in "
                 f"{OUT}/)")
    print(f"fuzz: {len(targets)} target(s), {args.time} s each: no breach")


if __name__ == "__main__":
    main()
