"""The house rules of DESIGN.md section 2 hold, and the checker can fail."""
import shutil
import subprocess
import sys

from harness import ROOT, run

LINT = ROOT / "scripts" / "lint.py"


def test_stack_keeps_the_house_rules(netsim):
    # netsim fixture: the build exists, so nm has objects to read.
    p = run([sys.executable, LINT], check=None)
    assert p.returncode == 0, p.stdout + p.stderr


def test_lint_catches_a_sim_include_a_libc_call_and_a_global(tmp_path):
    stack = tmp_path / "stack"
    shutil.copytree(ROOT / "stack" / "sys", stack / "sys")
    (stack / "kern").mkdir()
    bad = stack / "kern" / "bad.c"
    bad.write_text('#include "../../sim/sched/machine.h"\n#include <stdio.h>\n'
                   "int counter_total;\n"
                   "void f(void) { printf(\"x\"); counter_total++; }\n")
    objdir = tmp_path / "build" / "stack" / "kern"
    objdir.mkdir(parents=True)
    (tmp_path / "g.c").write_text("int counter_total;\nstatic int hidden;\n"
                                  "int *p(void) { return &hidden; }\n")
    subprocess.run(["gcc", "-c", "-O0", "-fno-pie", tmp_path / "g.c", "-o",
                    objdir / "g.o"], check=True)
    p = run([sys.executable, LINT, "--root", tmp_path, "--objdir",
             tmp_path / "build"], check=1)
    out = p.stdout
    assert "stack/kern/bad.c:1: includes ../../sim/sched/machine.h" in out
    assert "stack/kern/bad.c:2: <stdio.h> is not allowed" in out
    assert "stack/kern/bad.c:4: calls printf()" in out
    assert "writable global counter_total" in out
    assert "writable global hidden" in out


def fake_tree(tmp_path, files):
    """A tree of the given {path: text} under tmp_path, for lint --root."""
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def lint_fake(tmp_path, files):
    root = fake_tree(tmp_path, files)
    return run([sys.executable, LINT, "--root", root, "--objdir",
                root / "build"], check=None)


def test_lint_catches_a_sim_room_including_one_above_or_beside_it(tmp_path):
    p = lint_fake(tmp_path, {
        "sim/engine/engine.h": "int sim_engine_now(void);\n",
        "sim/sched/sched.c": '#include "sim/engine/engine.h"\n'
                             '#include "sim/world/world.h"\n',
        "sim/world/world.h": "void sim_world_build(void);\n",
        "sim/wire/link.c": '#include "sim/sys/ks.h"\n'
                           '#include "sim/sched/machine.h"\n',
        "sim/sys/ks.h": "void ks_init(void);\n",
        "sim/sched/machine.h": "struct machine;\n",
    })
    assert p.returncode == 1, p.stdout
    out = p.stdout
    # Down is allowed: sched -> engine, wire -> sched.
    assert "sim/sched/sched.c:1:" not in out
    assert "sim/wire/link.c:2:" not in out
    assert ("sim/sched/sched.c:2: includes sim/world/world.h: sim/world is "
            "above sim/sched") in out
    assert ("sim/wire/link.c:1: includes sim/sys/ks.h: sim/wire and sim/sys "
            "are on one level") in out


def test_lint_keeps_libev_and_tap_devices_in_the_real_time_edge(tmp_path):
    p = lint_fake(tmp_path, {
        "sim/edge/edge.c": "#include <ev.h>\n#include <linux/if_tun.h>\n",
        "sim/sched/sched.c": "#include <ev.h>\n",
        "sim/cli/run.c": "#include <linux/if_tun.h>\n#include <time.h>\n",
        "stack/kern/x.c": "#include <ev.h>\n",
    })
    assert p.returncode == 1, p.stdout
    out = p.stdout
    assert "sim/edge/edge.c" not in out
    assert ("sim/sched/sched.c:1: includes ev.h: libev paces a run to the "
            "wall clock: only sim/edge/ (the real-time edge) may include "
            "it") in out
    assert ("sim/cli/run.c:1: includes linux/if_tun.h: TAP devices are the "
            "outside world") in out
    assert "sim/cli/run.c:2" not in out
    assert "stack/kern/x.c:1: includes ev.h" in out


def test_lint_judges_objects_by_their_place_in_the_build_not_the_checkout(
        tmp_path):
    # A checkout in a folder named "stack" (or any path with /stack/ in
    # it): the simulator's objects may hold state, only stack/'s may not.
    root = tmp_path / "stack"
    objdir = root / "build" / "release" / "sim" / "cli"
    objdir.mkdir(parents=True)
    (root / "stack" / "sys").mkdir(parents=True)
    (tmp_path / "g.c").write_text("int progress_last;\n")
    subprocess.run(["gcc", "-c", "-O0", "-fno-pie", tmp_path / "g.c", "-o",
                    objdir / "run.o"], check=True)
    p = run([sys.executable, LINT, "--root", root, "--objdir",
             root / "build" / "release"], check=None)
    assert p.returncode == 0, p.stdout


def test_include_graph_draws_every_room_and_no_arrow_against_the_rules(
        tmp_path):
    if shutil.which("dot") is None:
        import pytest
        pytest.skip("Graphviz dot is not installed")
    graph = ROOT / "scripts" / "include_graph.py"
    p = run([sys.executable, graph, "--out", tmp_path], check=0)
    assert "against the rules" not in p.stdout, p.stdout
    dot = (tmp_path / "rooms.dot").read_text()
    for room in ("sim_engine", "sim_sched", "sim_sys", "sim_wire", "sim_cli",
                 "stack_sys", "stack_kern", "stack_net", "stack_netinet"):
        assert f"{room} [label=" in dot, room
    assert 'color="red"' not in dot
    assert (tmp_path / "rooms.svg").stat().st_size > 0


def test_lint_catches_a_library_header_in_the_machine_interface(tmp_path):
    # stack/sys/ is what the machine implements: a header there that
    # declares the stack's own code, or includes the stack's library, or
    # the machine reading a library header, each breaks the boundary.
    shutil.copytree(ROOT / "stack" / "sys", tmp_path / "stack" / "sys")
    p = lint_fake(tmp_path, {
        "stack/sys/pcq.h": "#include <sys/kern.h>\n#include <kern/pool.h>\n"
                           "typedef struct pcq pcq_t;\n"
                           "pcq_t\t*pcq_create(u_int, int);\n",
        "stack/kern/pool.h": "struct pool;\n",
        "stack/kern/subr_pcq.c": "#include <sys/pcq.h>\n\npcq_t *\n"
                                 "pcq_create(u_int n, int flags)\n"
                                 "{\n\treturn 0;\n}\n",
        "stack/kern/mbuf.h": "struct mbuf;\n",
        "sim/wire/link.c": '#include "stack/sys/kern.h"\n'
                           '#include "stack/kern/mbuf.h"\n',
    })
    assert p.returncode == 1, p.stdout
    out = p.stdout
    assert ("stack/sys/pcq.h: declares pcq_create(), which "
            "stack/kern/subr_pcq.c defines") in out
    assert ("stack/sys/pcq.h:2: includes kern/pool.h: the machine interface "
            "includes only stack/sys/") in out
    assert "stack/sys/pcq.h: missing from stack/sys/README.md" in out
    assert ("sim/wire/link.c:2: includes stack/kern/mbuf.h: the machine "
            "reads stack/kern/mbuf.h") in out
    assert "sim/wire/link.c:1:" not in out
    # kern_boot is declared in stack/sys/ and defined by the stack on
    # purpose: the machine's one call into the stack.
    assert "kern_boot" not in out


def test_lint_catches_net_reaching_up_into_netinet(tmp_path):
    # The link layer serves protocols it does not know: neither an
    # include of netinet/ nor a call into it (an extern declaration
    # dodging the include) may appear in stack/net/.
    shutil.copytree(ROOT / "stack" / "sys", tmp_path / "stack" / "sys")
    p = lint_fake(tmp_path, {
        "stack/netinet/ip_var.h": "void ip_input(void);\n",
        "stack/net/if_ethersubr.c": "#include <sys/kern.h>\n"
                                    "#include <netinet/ip_var.h>\n",
        "stack/netinet/ip_input.c": "#include <sys/kern.h>\n",
    })
    assert p.returncode == 1, p.stdout
    assert ("stack/net/if_ethersubr.c:2: includes netinet/ip_var.h: net/ "
            "never includes netinet/") in p.stdout
    assert "stack/netinet/ip_input.c" not in p.stdout

    objs = tmp_path / "build" / "release" / "stack"
    for room, src in (("net", "void ip_input(void);\n"
                              "void ether_input(void) { ip_input(); }\n"),
                      ("netinet", "void ip_input(void) {}\n")):
        (objs / room).mkdir(parents=True)
        c = tmp_path / f"{room}.c"
        c.write_text(src)
        subprocess.run(["gcc", "-c", "-O0", "-fno-pie", c, "-o",
                        objs / room / "x.o"], check=True)
    (tmp_path / "stack" / "net" / "if_ethersubr.c").write_text(
        "#include <sys/kern.h>\n")
    p = run([sys.executable, LINT, "--root", tmp_path, "--objdir",
             tmp_path / "build" / "release"], check=1)
    assert "net/x.o: uses ip_input, defined in" in p.stdout, p.stdout
    assert "if_ethersubr.c" not in p.stdout
    assert len(p.stdout.splitlines()) == 1, p.stdout
