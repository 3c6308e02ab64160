# netsim -- build, run, test, benchmark.
#
#   make            build bin/netsim, the C test programs and benchmarks
#   make run        set up, build, run scenarios/default.json, write a
#                   report and print its path
#   make test       set up, build, run the whole suite (what CI runs), and
#                   a part of it plus every pinned fingerprint on a clang
#                   build; the race tests on the exploration build
#   make asan       the suite again on an AddressSanitizer+UBSan build
#   make tsan       the native lockless tests under ThreadSanitizer
#   make hunt       every shipped scenario under every policy, SEEDS
#                   (1..200) seeds each, on the exploration build
#   make explore    the exploration build (bin/explore: stack/ compiled with
#                   the ThreadSanitizer hooks, routed to netsim's own race
#                   detector, sim/race/) and its tests
#   make explore-dist  netsim explore across processes and machines: GNU
#                   parallel, and a Slurm job array on a one-node cluster
#                   the test starts (root; not part of make test)
#   make bench      every benchmark (BENCH=prefix for a subset), with ns-3
#                   beside udp_e2e and tcp_bulk_router (bin/ns3, from
#                   bench/ns3/)
#   make lint       the house rules of DESIGN.md section 2 and the rooms'
#                   layering (scripts/rooms.py)
#   make graph      draw which room includes which: build/graph/rooms.svg
#   make fingerprints  rewrite the pinned fingerprints after a change that
#                   moves them (tests/fingerprints.tsv)
#   make schema     regenerate schema/scenario.schema.json and the README's
#                   key and program tables from the loader's tables
#   make clean
#
# VARIANT=release (the default, gcc -O2), clang (clang -O2), asan, tsan or
# explore picks the build; each has its own build/VARIANT and bin/VARIANT, so all
# coexist.  CC=... and EXTRA_CFLAGS=... change a variant's compiler and
# flags; its objects are rebuilt when they change.
#
# The release build of the machine and the stack is optimised from a
# profile of netsim itself (gcc's -fprofile-use: what the field does for
# a program whose speed is its point, as CPython's --enable-optimizations
# does).  A build of the machine and the stack with gcc's counters
# (build/release/pgogen) runs the scenarios of PGO_TRAIN; their counts
# (build/release/pgogen/data, one file an object) decide the release
# objects' layout, inlining and branch order.  It changes no result: the
# same C, the same fingerprints (the clang build, which has none, is
# checked against the same pins).  13-20 % less time a packet than plain
# -O2 (bench/README.md, "Profile and link-time optimisation"; link-time
# optimisation on top bought nothing more and is not used).  The profile
# is retaken when a file of the machine or the stack changes.  PGO=0
# builds without it: quicker builds while working, slower binaries.
#
# Files are found by convention, so a new file needs no edit here:
#   sim/*/*.c sim/*/*.S stack/*/*.c   the simulator (one room a folder) and
#                                 the stack (bin/netsim)
#   tests/c/test_*.c              C test programs on the simulated machine
#   tests/native/test_*.c         native (pthreads) tests of the lockless code
#   bench/sim_*.c                 benchmarks on the simulated machine
#   bench/native_*.c              native benchmarks of the lockless code
#   tests/fuzz/fuzz_*.c           fuzz targets (libFuzzer's entry point):
#                                 in every build a driver that runs them
#                                 on files (the suite replays the corpus);
#                                 `make fuzz` explores with libFuzzer

VARIANT ?= release
NPROC   := $(shell nproc 2>/dev/null || echo 2)

# Build in parallel unless the caller chose -j itself.  (A make started by
# this one shares its jobs: it sees no -j while it reads this file.)
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(NPROC)
endif
# gcc unless the caller names another compiler (make's own default is cc).
ifeq ($(origin CC),default)
  CC    := gcc
endif
PYTHON  ?= /usr/bin/python3
DB      ?= results/netsim.db
REPORT  ?= results/report.html
# The suite runs on every core (pytest-xdist); PYTEST_JOBS= runs it serially.
PYTEST_JOBS ?= -n $(NPROC)

WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wno-sign-compare
CPPFLAGS := -I. -Istack -D_GNU_SOURCE
BASEFLAGS := -std=gnu11 -g $(WARN) -MMD -MP
# libev: the real-time edge only (sim/edge/, netsim run --realtime).
LIBS    := -ljansson -lsqlite3 -lev -lm

ifeq ($(VARIANT),release)
  OPTFLAGS := -O2
  PGO ?= 1
else ifeq ($(VARIANT),clang)
  OPTFLAGS := -O2
  ifneq ($(origin CC),command line)
    CC  := clang
  endif
else ifeq ($(VARIANT),asan)
  OPTFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
else ifeq ($(VARIANT),tsan)
  OPTFLAGS := -O1 -fsanitize=thread
else ifeq ($(VARIANT),explore)
  OPTFLAGS := -O2
  CPPFLAGS += -DKERN_EXPLORE
else ifeq ($(VARIANT),fuzz)
  # libFuzzer's coverage, AddressSanitizer and UBSan (make fuzz).
  OPTFLAGS := -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined
  ifneq ($(origin CC),command line)
    CC  := clang
  endif
else
  $(error VARIANT must be release, clang, asan, tsan, explore or fuzz)
endif

# The exploration build.  stack/ (and the race tests, which hold stack
# code of their own) is compiled with the ThreadSanitizer hooks: every
# load and store calls __tsan_read4 and friends, every __atomic builtin
# __tsan_atomic*.  The link has no libtsan: sim/race/ defines those
# symbols, the machine's own race detector (README, "Hunting data races").
# The calls into libc's memcpy, memset and memmove are renamed in the
# objects to the detector's checked copies; function entry and exit are
# not instrumented (the reports symbolise the access itself).  gcc 12 and
# clang 14 both build it (CC=clang VARIANT=explore).
ifeq ($(VARIANT),explore)
  ifneq ($(findstring clang,$(CC)),)
    RACE_CFLAGS := -fsanitize=thread -mllvm -tsan-instrument-func-entry-exit=0
  else
    RACE_CFLAGS := -fsanitize=thread --param=tsan-instrument-func-entry-exit=0
  endif
  RACE_SYMS := --redefine-sym memcpy=__tsan_memcpy \
               --redefine-sym memset=__tsan_memset \
               --redefine-sym memmove=__tsan_memmove
endif

# Not position-independent: constant tables of pointers then live in
# .rodata, not .data.rel.ro, so nm shows stack/ objects as holding no
# writable data -- the "no mutable globals" rule checks exactly that.
CFLAGS  := $(BASEFLAGS) $(OPTFLAGS) -fno-pie $(EXTRA_CFLAGS)
LDFLAGS := $(OPTFLAGS) -no-pie

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
  Q :=
  say = @:
else
  Q := @
  say = @printf '  %-6s %s\n' $(1) $(2)
endif

O       := build/$(VARIANT)
B       := bin/$(VARIANT)

# The profile (release): the objects of the machine and the stack are
# compiled twice from the same flags, first with gcc's counters into
# $(PGO_O) (PGO_GEN), then from the counts the counting netsim left in
# $(PGO_O)/data (PGO_USE).  gcc finds a file's counts, and tells a static
# function's from another file's, by the object's name: both compilations
# give it the same one, the source's path (PGO_NAME).  An object whose
# code the counting netsim never ran has no counts (-Wno-missing-profile);
# counts that no longer match their source stop the build
# (-Wcoverage-mismatch).
ifeq ($(PGO),1)
  PGO_O     := $(O)/pgogen
  PGO_GEN   := -fprofile-generate=$(abspath $(PGO_O))/data \
               -fprofile-update=atomic
  PGO_USE   := -fprofile-use=$(abspath $(PGO_O))/data \
               -fprofile-partial-training -Wno-missing-profile
endif

ifeq ($(VARIANT),explore)
# (test_race% with the stem ".c.o": a stem is never empty.)
$(O)/stack/%.c.o $(O)/tests/c/test_race%: CFLAGS += $(RACE_CFLAGS)
endif

# What the objects of this build were made with, kept in $(O)/flags and
# rewritten when it changes: every object depends on it, so
# `make CC=clang` or `make EXTRA_CFLAGS=-O3` after a plain make rebuilds
# instead of keeping objects from another compiler.
FLAGS_FILE := $(O)/flags
FLAGS_NOW  := $(strip $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(LIBS) \
              $(RACE_CFLAGS) $(RACE_SYMS) $(PGO_GEN) $(PGO_USE))
ifeq ($(filter clean,$(MAKECMDGOALS)),)
  ifneq ($(FLAGS_NOW),$(strip $(file <$(FLAGS_FILE))))
    $(shell mkdir -p $(O))
    $(file >$(FLAGS_FILE),$(FLAGS_NOW))
  endif
endif

# The machine's side of the kernel-services interface (everything but
# stack/) sees the functions behind curlwp, ncpu and hz, not the macros.
# (private: an object's flags are its own, not those of what it waits for
# -- the release objects wait for the profile, whose objects are built
# with flags of their own.)
$(O)/sim/%: private CPPFLAGS += -DKERN_MACHINE_SIDE
$(PGO_O)/sim/%: private CPPFLAGS += -DKERN_MACHINE_SIDE
$(O)/tests/c/%: CPPFLAGS += -DKERN_MACHINE_SIDE
$(O)/bench/%: CPPFLAGS += -DKERN_MACHINE_SIDE

# stack/ holds constant tables only.  ASan's global redzones would give
# each an "ODR indicator", a writable byte that nm shows as state in
# stack/; gcc 12 cannot keep the redzones without it, so stack/ objects
# go without them.  Out-of-bounds indexing of those tables is still
# caught by UBSan's bounds check.
ifeq ($(VARIANT),asan)
$(O)/stack/%: CFLAGS += --param=asan-globals=0
$(O)/native/stack/%: CFLAGS += --param=asan-globals=0
endif
# The fuzz build instruments the machine's side only (the fuzz targets
# exercise sim/: the loader reads no more of stack/ than its constant
# tables of programs).  Clang's UBSan source locations and libFuzzer's
# coverage tables are writable data, which stack/ objects may not hold
# (make lint), so stack/ is compiled plain.
ifeq ($(VARIANT),fuzz)
$(O)/stack/%: CFLAGS := $(BASEFLAGS) -O1 -fno-pie $(EXTRA_CFLAGS)
endif

SIM_SRC     := $(filter-out sim/cli/main.c,$(wildcard sim/*/*.c)) $(wildcard sim/*/*.S)
STACK_SRC   := $(wildcard stack/*/*.c)
LIB_OBJ     := $(patsubst %,$(O)/%.o,$(SIM_SRC) $(STACK_SRC))
TEST_SRC    := $(wildcard tests/c/test_*.c)
TEST_BIN    := $(patsubst tests/c/%.c,$(B)/tests/%,$(TEST_SRC))
SBENCH_SRC  := $(wildcard bench/sim_*.c)
SBENCH_BIN  := $(patsubst bench/%.c,$(B)/bench/%,$(SBENCH_SRC))

# The lockless library code, also built against the native backend.
NATIVE_STACK := $(wildcard stack/kern/subr_pcq.c stack/kern/subr_atomic_queue.c \
                           stack/kern/subr_ptree.c stack/kern/ptree_inet.c \
                           stack/kern/kern_kcont.c)
NATIVE_SUP   := $(wildcard tests/native/native_*.c)
NATIVE_OBJ   := $(patsubst %,$(O)/native/%.o,$(NATIVE_STACK) $(NATIVE_SUP))
NTEST_SRC    := $(wildcard tests/native/test_*.c)
NTEST_BIN    := $(patsubst tests/native/%.c,$(B)/native/%,$(NTEST_SRC))
NBENCH_SRC   := $(wildcard bench/native_*.c)
NBENCH_BIN   := $(patsubst bench/%.c,$(B)/bench/%,$(NBENCH_SRC))
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

ALL := $(B)/netsim $(TEST_BIN) $(NTEST_BIN) $(SBENCH_BIN) $(NBENCH_BIN) \
       $(FUZZ_BIN)
ifeq ($(VARIANT),tsan)
  ALL := $(NTEST_BIN)
endif
ifeq ($(VARIANT),fuzz)
  ALL := $(FUZZ_BIN)
endif
# The exploration build: netsim, the race tests, and the bench that
# weighs it against the release build.
ifeq ($(VARIANT),explore)
  ALL := $(B)/netsim $(filter $(B)/tests/test_race%,$(TEST_BIN)) \
         $(B)/bench/sim_udp_e2e
endif

.PHONY: all setup run test asan tsan explore explore-dist hunt fuzz bench \
        lint graph fingerprints schema clean
# Objects are intermediate files of the pattern rules; keep them, so a
# second make rebuilds nothing that did not change.
.SECONDARY:
.DEFAULT_GOAL := all

all: $(ALL)
ifeq ($(VARIANT),release)
	@ln -sfn $(VARIANT)/netsim bin/netsim
endif

$(O)/%.c.o: %.c Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PGO_NAME) -c $< -o $@

# Instrumented objects of the exploration build: compiled, then their
# calls to libc's copies renamed to the checked ones.  (-MF/-MT: the
# dependencies are the object's, as for every other object, not the
# temporary file's.)
ifeq ($(VARIANT),explore)
define race_cc
	@mkdir -p $(dir $@)
	$(call say,CC-RACE,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	$(Q)objcopy $(RACE_SYMS) $@.tmp $@ && rm -f $@.tmp
endef
$(O)/stack/%.c.o: stack/%.c Makefile $(FLAGS_FILE)
	$(race_cc)
$(O)/tests/c/test_race%.o: tests/c/test_race% Makefile $(FLAGS_FILE)
	$(race_cc)
endif

$(O)/%.S.o: %.S Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(O)/native/%.c.o: %.c Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,CC-NAT,$<)
	$(Q)$(CC) $(CPPFLAGS) -DKERN_NATIVE -pthread $(CFLAGS) -c $< -o $@

ifeq ($(PGO),1)
PGO_OBJ := $(patsubst %,$(PGO_O)/%.o,sim/cli/main.c $(SIM_SRC) $(STACK_SRC))
$(PGO_OBJ) $(LIB_OBJ) $(O)/sim/cli/main.c.o: \
    private PGO_NAME = -dumpdir $(abspath $(PGO_O))/ -dumpbase $<
$(LIB_OBJ) $(O)/sim/cli/main.c.o: private CFLAGS += $(PGO_USE)
$(LIB_OBJ) $(O)/sim/cli/main.c.o: $(PGO_O)/trained

$(PGO_O)/%.c.o: %.c Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,CC-PGO,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PGO_GEN) $(PGO_NAME) -c $< -o $@

$(PGO_O)/%.S.o: %.S Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(PGO_O)/netsim: $(PGO_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $(PGO_GEN) -o $@ $^ $(LIBS)
	$(Q)rm -f $^

# The counts: the counting netsim run over PGO_TRAIN -- UDP and TCP
# through a router, the router scenario of the real-time bench, the
# default scenario with its database.
PGO_TRAIN := bench/scenarios/udp-router.json \
             bench/scenarios/tcp-bulk-router.json \
             scenarios/net/router.json scenarios/net/tcp-router.json \
             scenarios/default.json
$(PGO_O)/trained: $(PGO_O)/netsim $(PGO_TRAIN)
	$(call say,PGO,"profile of $(words $(PGO_TRAIN)) scenarios")
	$(Q)rm -rf $(PGO_O)/data $(PGO_O)/train.db
	$(Q)for s in $(PGO_TRAIN); do \
	  $(PGO_O)/netsim run $$s --no-progress \
	      --db $(PGO_O)/train.db >/dev/null || exit 1; \
	  rm -f $(PGO_O)/train.db; \
	done
	$(Q)touch $@

# The counting objects are a means to the counting netsim only: its link
# deletes them (they hold gcc's counters, writable globals, and no object
# of the stack's may keep any), and as intermediate files make makes them
# again only when a source of theirs (their .d files stay) is newer than
# that netsim.
.INTERMEDIATE: $(PGO_OBJ)
endif

$(O)/lib.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(B)/netsim: $(O)/sim/cli/main.c.o $(O)/lib.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(O)/tests/c/%.c.o $(O)/lib.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A fuzz target: libFuzzer's main in the fuzz build, the file driver in
# every other.
ifeq ($(VARIANT),fuzz)
$(B)/fuzz/%: $(O)/tests/fuzz/%.c.o $(O)/lib.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)
else
$(B)/fuzz/%: $(O)/tests/fuzz/%.c.o $(O)/tests/fuzz/driver.c.o $(O)/lib.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
endif

$(B)/bench/sim_%: $(O)/bench/sim_%.c.o $(O)/lib.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/native/%: $(O)/native/tests/native/%.c.o $(NATIVE_OBJ)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $^ -lm

$(B)/bench/native_%: $(O)/native/bench/native_%.c.o $(NATIVE_OBJ)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $^ -lm

setup:
	@./scripts/setup-deps

run: setup
	@$(MAKE) --no-print-directory all
	@mkdir -p $(dir $(DB)) $(dir $(REPORT))
	bin/netsim run scenarios/default.json --db $(DB)
	bin/netsim report $(DB) -o $(REPORT)
	@echo "report: $(abspath $(REPORT))"

# The clang build runs every pinned fingerprint, which must be gcc's
# exactly -- every shipped scenario, so every part of the machine and the
# stack -- and the tests of what a compiler could change beneath them:
# the machine, the lockless code on the simulated machine and on real
# threads, the event queue, mbufs, continuations, checksums.  The run
# next to busy loops tests the tests, so it is gcc's alone.
CLANG_TESTS := test_fingerprints test_machine test_lockless_sim \
               test_native_lockless test_evq test_mbuf test_kcont \
               test_cksum

test: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory VARIANT=clang all
	@$(MAKE) --no-print-directory VARIANT=explore all
	$(PYTHON) -m pytest -q $(PYTEST_JOBS) tests
	NETSIM_VARIANT=clang $(PYTHON) -m pytest -q $(PYTEST_JOBS) \
	    -k 'not busy_loops' $(patsubst %,tests/%.py,$(CLANG_TESTS))

# (The release build too: the README's transcripts and the schema's
# generator run bin/netsim whichever build the suite checks.)
asan: setup
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory VARIANT=asan all
	NETSIM_VARIANT=asan $(PYTHON) -m pytest -q $(PYTEST_JOBS) tests

tsan: setup
	@$(MAKE) --no-print-directory VARIANT=tsan all
	NETSIM_VARIANT=tsan $(PYTHON) -m pytest -q tests -k native

# The race tests (tests/test_race.py) on the exploration build; quick:
# long hunts are netsim explore's.
explore: setup
	@$(MAKE) --no-print-directory VARIANT=explore all
	NETSIM_VARIANT=explore $(PYTHON) -m pytest -q $(PYTEST_JOBS) \
	    tests/test_race.py

# libFuzzer on every fuzz target for FUZZ_TIME seconds each, from the
# corpus kept in the tree (tests/fuzz/corpus/NAME/) and the shipped
# examples; what it finds new goes to build/fuzz/corpus/NAME/, a breach's
# input to build/fuzz/ (scripts/fuzz.py).  Not part of make test, which
# replays the kept corpus in the release and asan builds.
FUZZ_TIME ?= 60
fuzz: setup
	@./scripts/setup-deps fuzz
	@$(MAKE) --no-print-directory VARIANT=fuzz all
	$(PYTHON) scripts/fuzz.py --time $(FUZZ_TIME)

# The product's own stack hunted: every shipped scenario under every
# interleaving policy, SEEDS seeds each, on the exploration build (hours
# of CPU at the default 1..200: not part of make test).
SEEDS ?= 1..200
hunt: setup
	@$(MAKE) --no-print-directory VARIANT=explore all
	$(PYTHON) scripts/hunt.py --seeds $(SEEDS)

# The chunks of an exploration run by GNU parallel and by a Slurm job
# array (scripts/explore.sbatch) on a cluster of one node that the test
# starts and stops (munged, slurmctld, slurmd: root), merged, against one
# local exploration.  Seconds of daemons' start-up: not in make test.
explore-dist:
	@./scripts/setup-deps dist
	@$(MAKE) --no-print-directory all
	$(PYTHON) -m pytest -q tests/dist

# ns-3's side of udp_e2e (bench/ns3/): Debian's libns3-dev, whose
# pkg-config files are broken, so its headers and libraries by name.
NS3_LIBS := -lns3-core -lns3-network -lns3-internet -lns3-point-to-point \
            -lns3-applications -lns3-csma -lns3-bridge
bin/ns3/%: bench/ns3/%.cc bench/ns3/ns3_flows.h
	@mkdir -p $(dir $@)
	@echo "  CXX    $@"
	@g++ -O2 -std=c++17 -Wall -Wextra -Werror -I/usr/include -o $@ $< \
	    $(NS3_LIBS)

bench: setup
	@./scripts/setup-deps bench
	@$(MAKE) --no-print-directory all bin/ns3/ns3_star bin/ns3/ns3_tcp_bulk \
	    bin/ns3/ns3_scale
	@$(MAKE) --no-print-directory VARIANT=explore all
	$(PYTHON) bench/run.py $(BENCH)

# Rewrite the pinned fingerprints (tests/fingerprints.tsv) after a change
# that moves them; the commit says why.
fingerprints: all
	$(PYTHON) scripts/fingerprints.py

# The scenario format's JSON Schema and the README's tables of it, from
# the loader's own tables (a test fails if they are out of step).
schema: all
	$(PYTHON) scripts/gen_schema.py

lint:
	@$(PYTHON) scripts/lint.py

# The include graph by rooms (Graphviz); red arrows break the rules.
graph:
	@$(PYTHON) scripts/include_graph.py

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
