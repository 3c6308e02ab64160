/*
 * test_exhaust.c -- the real process running out, and the kernel memory
 * arena that grows as it is used.  Driven by tests/test_exhaust.py.
 *
 *   test_exhaust setup_sweep FILE
 *	builds and boots the machine of scenario FILE (no run) under an
 *	address-space limit (RLIMIT_AS) that starts at what the process
 *	holds and grows by a page per attempt until the build succeeds;
 *	each failed attempt must stop the machine with exit status 2 and
 *	an "out of ..." reason, and tear down cleanly.  Prints one
 *	"stage REASON" line per distinct failure, then "ok setup_sweep
 *	attempts=N failures=F stacks_left=S maps_grown=G vm_grown=B" (what
 *	is left mapped after the last teardown: stacks, mappings, bytes of
 *	address space more than before the first build).
 *   test_exhaust stacks_maps
 *	fills the process's memory mappings up to a few hundred short of
 *	vm.max_map_count, then an LWP creates joinable kernel threads (each
 *	holds its stack until joined) until the machine stops.  Prints
 *	"status N" ("skip ..." when vm.max_map_count is too large to fill).
 *   test_exhaust kmem_grow
 *	under RLIMIT_AS of what the process holds plus 48 MiB, an LWP takes
 *	1 MiB blocks of kernel memory (KM_SLEEP) until the machine stops.
 *	Prints "blocks N" and "status N".
 *   test_exhaust kmem_limit
 *	an LWP asks for more than a host's kernel memory (SIM_ARENA_LIMIT)
 *	with KM_NOSLEEP (NULL, handled: "nosleep null"), then with KM_SLEEP
 *	(the simulated kernel's panic).  Prints "status N".
 *   test_exhaust arena_offsets
 *	a seeded mix of allocations (1 B to 64 KiB) and frees in one arena,
 *	each block's offset, line phase and contiguity checked against a
 *	model of one flat region (what the arena was before it grew by
 *	chunks).  Prints "ok arena_offsets allocs=N chunks=C used=U mapped=M".
 *   test_exhaust arena_hosts N
 *	N arenas, each given what a booted host of scenarios/default.json
 *	takes (45 KiB in 16 B to 4 KiB blocks), under RLIMIT_AS of what the
 *	process holds plus 1 GiB.  Prints "ok arena_hosts hosts=N
 *	mapped_per_host=B vm_per_host=B".
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/scenario/scenario.h"
#include "sim/sched/coro.h"
#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "sim/world/world.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"

#define MIB     ((size_t)1 << 20)

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "test_exhaust: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* --- the process's resources ------------------------------------------------- */

static size_t
vm_bytes(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL || fscanf(f, "%llu", &pages) != 1)
		die("cannot read %s", "/proc/self/statm");
	fclose(f);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static long
count_maps(void)
{
	char buf[4096];
	long lines = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		die("cannot open %s", "/proc/self/maps");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* Limit the address space to bytes (RLIM_INFINITY: lift the limit). */
static void
set_as(rlim_t bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) != 0)
		die("getrlimit: %s", strerror(errno));
	rl.rlim_cur = bytes;
	if (rl.rlim_max != RLIM_INFINITY && bytes > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		die("setrlimit: %s", strerror(errno));
}

/* --- every set-up failure path ------------------------------------------------- */

#define SWEEP_MAX       4096    /* attempts: 16 MiB of limits in pages */
#define STAGES_MAX      64

static int
case_setup_sweep(const char *path)
{
	char err[SC_ERR_MAX], stages[STAGES_MAX][sizeof(((struct sim_machine *)0)->stop_reason)];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned nstages = 0, failures = 0, k;
	struct scenario *sc;
	size_t vm0;
	long maps0;

	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0)
		die("%s", err);
	/* Every malloc that outgrows the heap asks the kernel for just that. */
	mallopt(M_TOP_PAD, 0);
	mallopt(M_MMAP_THRESHOLD, 0);
	maps0 = count_maps();
	vm0 = vm_bytes();
	for (k = 0; k < SWEEP_MAX; k++) {
		struct sim_machine m;
		char *colon;
		int rc;

		malloc_trim(0);         /* malloc must ask the kernel again */
		set_as(vm_bytes() + k * page);
		rc = sim_world_build(&m, sc, sc->seed);
		if (rc == 0)
			sim_world_boot(&m);
		set_as(RLIM_INFINITY);
		if (rc == 0 && m.stop_status < 0) {
			sim_world_destroy(&m);
			break;
		}
		failures++;
		if (m.stop_status != SIM_EXIT_USAGE ||
		    strncmp(m.stop_reason, "out of ", 7) != 0) {
			printf("bad attempt %u: build %d, status %d, reason "
			    "\"%s\"\n", k, rc, m.stop_status, m.stop_reason);
			return 1;
		}
		/* The stage: the reason up to the first ':'. */
		if ((colon = strchr(m.stop_reason, ':')) != NULL)
			*colon = '\0';
		for (unsigned i = 0; i <= nstages && i < STAGES_MAX; i++) {
			if (i == nstages) {
				snprintf(stages[nstages++], sizeof(stages[0]),
				    "%s", m.stop_reason);
				printf("stage %s\n", m.stop_reason);
				break;
			}
			if (strcmp(stages[i], m.stop_reason) == 0)
				break;
		}
		sim_world_destroy(&m);
	}
	if (k == SWEEP_MAX) {
		printf("never built within %u pages more\n", SWEEP_MAX);
		return 1;
	}
	malloc_trim(0);
	printf("ok setup_sweep attempts=%u failures=%u stacks_left=%zu "
	    "maps_grown=%ld vm_grown=%lld\n", k + 1, failures, sim_coro_stacks(),
	    count_maps() - maps0, (long long)vm_bytes() - (long long)vm0);
	sim_scenario_free(sc);
	return 0;
}

/* --- LWP stacks against vm.max_map_count --------------------------------------- */

#define STACKS_LEFT     300     /* mappings left free before the run */
#define STACKS_MAX      100000  /* kernel threads, should nothing stop it */

static lwp_t *stack_workers[STACKS_MAX];

static void
stack_worker(void *arg)
{
	(void)arg;
}

static void
stacks_main(void *arg)
{
	u_int n;

	(void)arg;
	/* Joinable: each keeps its stack until joined, which never comes. */
	for (n = 0; n < STACKS_MAX; n++)
		if (kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, NULL,
		    stack_worker, NULL, &stack_workers[n], "worker%u", n) != 0)
			break;
	printf("created %u and went on\n", n);
	for (u_int i = 0; i < n; i++)
		kthread_join(stack_workers[i]);
}

static int
case_stacks_maps(void)
{
	struct sim_test_opts o;
	long max_maps = -1, fill;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (f == NULL || fscanf(f, "%ld", &max_maps) != 1)
		die("cannot read %s", "/proc/sys/vm/max_map_count");
	fclose(f);
	if (max_maps > 300000) {
		printf("skip vm.max_map_count %ld is too large to fill\n",
		    max_maps);
		return 0;
	}
	/* Alternate protections so that neighbours never merge. */
	fill = max_maps - STACKS_LEFT - count_maps();
	for (long i = 0; i < fill; i++)
		if (mmap(NULL, page, (i & 1) ? PROT_READ : PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) ==
		    MAP_FAILED)
			die("filling the mappings: %s", strerror(errno));
	printf("maps %ld of %ld\n", count_maps(), max_maps);
	memset(&o, 0, sizeof(o));
	o.quiet = 1;
	printf("status %d\n", sim_test_run(&o, stacks_main, NULL, NULL));
	return 0;
}

/* --- kernel memory ------------------------------------------------------------ */

static u_int kmem_blocks;

static void
kmem_grow_main(void *arg)
{
	(void)arg;
	for (;;) {
		(void)kmem_alloc(MIB, KM_SLEEP);
		kmem_blocks++;
	}
}

static void
kmem_limit_main(void *arg)
{
	void *p;

	(void)arg;
	p = kmem_alloc(SIM_ARENA_LIMIT + MIB, KM_NOSLEEP);
	printf("nosleep %s\n", p == NULL ? "null" : "block");
	fflush(stdout);
	(void)kmem_alloc(SIM_ARENA_LIMIT + MIB, KM_SLEEP);
	printf("sleep returned\n");
}

static int
case_kmem(void (*fn)(void *), size_t extra)
{
	struct sim_test_opts o;
	int status;

	memset(&o, 0, sizeof(o));
	o.quiet = 1;
	if (extra != 0)
		set_as(vm_bytes() + extra);
	status = sim_test_run(&o, fn, NULL, NULL);
	set_as(RLIM_INFINITY);
	printf("blocks %u\nstatus %d\n", kmem_blocks, status);
	return 0;
}

/* --- the arena's placement ------------------------------------------------------ */

#define OPS             6000
#define LIVE_MAX        4096

/* splitmix64: the test's own stream of sizes. */
static uint64_t
mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
class_of(size_t size, size_t *block)
{
	unsigned k = 0;

	for (*block = 16; *block < size; *block <<= 1)
		k++;
	return k;
}

/*
 * The flat region the arena used to be: a bump offset and a LIFO of free
 * offsets per class -- with the blocks of SIM_ARENA_BIG and more cut from
 * their own run from SIM_ARENA_LIMIT on, each moving the small blocks'
 * offset to the next line as the one region's bump pointer did.
 */
struct flat {
	size_t used, big;
	size_t free[SIM_ARENA_CLASSES][LIVE_MAX];
	unsigned nfree[SIM_ARENA_CLASSES];
};

static size_t
flat_alloc(struct flat *f, size_t size)
{
	size_t block, align, off;
	unsigned k = class_of(size, &block);

	if (f->nfree[k] > 0)
		return f->free[k][--f->nfree[k]];
	if (block >= SIM_ARENA_BIG) {
		off = SIM_ARENA_LIMIT + f->big;
		f->big += block;
		f->used = (f->used + 63) & ~(size_t)63;
		return off;
	}
	align = block < 64 ? block : 64;
	off = (f->used + align - 1) & ~(align - 1);
	f->used = off + block;
	return off;
}

static void
flat_free(struct flat *f, size_t off, size_t size)
{
	size_t block;
	unsigned k = class_of(size, &block);

	f->free[k][f->nfree[k]++] = off;
}

static struct flat flat;

static int
case_arena_offsets(void)
{
	struct { char *p; size_t size, off; } live[LIVE_MAX];
	struct sim_arena a;
	uint64_t s = 42;
	unsigned nlive = 0, allocs = 0;
	int err;

	if (sim_arena_init(&a, SIM_ARENA_LIMIT) != 0)
		die("sim_arena_init: %s", strerror(errno));
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t r = mix(&s);

		if (nlive > 0 && (nlive == LIVE_MAX || r % 3 == 0)) {
			unsigned i = (unsigned)(r >> 8) % nlive;

			sim_arena_free(&a, live[i].p, live[i].size);
			flat_free(&flat, live[i].off, live[i].size);
			live[i] = live[--nlive];
			continue;
		}
		/* 1 B to 64 KiB, as many of each power of two. */
		size_t size = 1 + (size_t)((r >> 8) & ((1u << ((r >> 40) % 17)) - 1));
		size_t want = flat_alloc(&flat, size);
		char *p = sim_arena_alloc(&a, size, &err);

		if (p == NULL)
			die("sim_arena_alloc: %s", strerror(err));
		if (sim_arena_offset(&a, p) != want ||
		    ((uintptr_t)p & 63) != (want & 63) ||
		    !sim_arena_owns(&a, p + size - 1) ||
		    sim_arena_offset(&a, p + size - 1) != want + size - 1) {
			printf("alloc %u of %zu: offset %zu, flat %zu\n", allocs,
			    size, sim_arena_offset(&a, p), want);
			return 1;
		}
		live[nlive].p = p;
		live[nlive].size = size;
		live[nlive++].off = want;
		allocs++;
	}
	printf("ok arena_offsets allocs=%u chunks=%u used=%zu mapped=%zu\n",
	    allocs, a.nchunks, a.used, a.mapped);
	sim_arena_fini(&a);
	return 0;
}

/*
 * sim_arena_zalloc: a block cut from memory never handed out is zero and
 * its pages are not touched (mincore: not resident); one reused from a
 * free list is zeroed.
 */
static int
case_arena_zalloc(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 256 * 1024;
	unsigned char vec[256 * 1024 / 4096 + 1];
	struct sim_arena a;
	size_t resident = 0;
	char *p, *q;
	int err;

	if (sim_arena_init(&a, SIM_ARENA_LIMIT) != 0)
		die("sim_arena_init: %s", strerror(errno));
	(void)sim_arena_alloc(&a, 64, &err);    /* the bump pointer moves on */
	if ((p = sim_arena_zalloc(&a, len, &err)) == NULL)
		die("sim_arena_zalloc: %s", strerror(err));
	/* The block is line-aligned, not page-aligned: whole pages inside. */
	q = (char *)(((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1));
	if (mincore(q, len - page, vec) != 0)
		die("mincore: %s", strerror(errno));
	for (size_t i = 0; i < (len - page) / page; i++)
		resident += vec[i] & 1;
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			die("%s", "a fresh block is not all zero");
	memset(p, 0xff, len);
	sim_arena_free(&a, p, len);
	if ((q = sim_arena_zalloc(&a, len, &err)) != p)
		die("%s", "the freed block did not come back");
	for (size_t i = 0; i < len; i++)
		if (q[i] != 0)
			die("%s", "a reused block is not all zero");
	printf("ok arena_zalloc resident_pages=%zu\n", resident);
	sim_arena_fini(&a);
	return 0;
}

static void
many_stacks_fn(void *arg)
{
	(void)arg;
	abort();                /* never switched to */
}

/*
 * n coroutine stacks at once, as 10,000 hosts take: the mappings they
 * add (guarded stacks take two each, the rest share batches).
 */
static int
case_many_stacks(unsigned n)
{
	struct sim_coro *c = calloc(n, sizeof(*c));
	long maps0 = count_maps(), grown;

	if (c == NULL)
		die("%s", "out of memory");
	for (unsigned i = 0; i < n; i++)
		if (sim_coro_create(&c[i], sim_coro_default_stack(),
		    many_stacks_fn, NULL) != 0) {
			printf("stack %u of %u: %s\n", i, n, strerror(errno));
			return 1;
		}
	grown = count_maps() - maps0;
	for (unsigned i = n; i-- > 0;)
		sim_coro_destroy(&c[i]);
	free(c);
	printf("ok many_stacks stacks=%u maps_grown=%ld left=%zu\n", n, grown,
	    sim_coro_stacks());
	return 0;
}

static int
case_arena_hosts(unsigned n)
{
	struct sim_arena *a = calloc(n, sizeof(*a));
	size_t vm0, mapped = 0;
	int err;

	if (a == NULL)
		die("%s", "out of memory");
	vm0 = vm_bytes();
	set_as(vm0 + 1024 * MIB);
	for (unsigned i = 0; i < n; i++) {
		size_t took = 0;

		if (sim_arena_init(&a[i], SIM_ARENA_LIMIT) != 0) {
			printf("arena %u of %u: %s\n", i, n, strerror(errno));
			return 1;
		}
		/* What a host of scenarios/default.json takes, about. */
		for (size_t size = 16; took < 45 * 1024;
		    size = size < 4096 ? 2 * size : 16)
			if (sim_arena_alloc(&a[i], size, &err) != NULL)
				took += size;
			else
				die("sim_arena_alloc: %s", strerror(err));
		mapped += a[i].mapped;
	}
	printf("ok arena_hosts hosts=%u mapped_per_host=%zu vm_per_host=%zu\n",
	    n, mapped / n, (vm_bytes() - vm0) / n);
	set_as(RLIM_INFINITY);
	for (unsigned i = 0; i < n; i++)
		sim_arena_fini(&a[i]);
	free(a);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(c, "setup_sweep") == 0 && argc > 2)
		return case_setup_sweep(argv[2]);
	if (strcmp(c, "stacks_maps") == 0)
		return case_stacks_maps();
	if (strcmp(c, "kmem_grow") == 0)
		return case_kmem(kmem_grow_main, 48 * MIB);
	if (strcmp(c, "kmem_limit") == 0)
		return case_kmem(kmem_limit_main, 0);
	if (strcmp(c, "arena_offsets") == 0)
		return case_arena_offsets();
	if (strcmp(c, "many_stacks") == 0 && argc > 2)
		return case_many_stacks((unsigned)strtoul(argv[2], NULL, 0));
	if (strcmp(c, "arena_zalloc") == 0)
		return case_arena_zalloc();
	if (strcmp(c, "arena_hosts") == 0 && argc > 2)
		return case_arena_hosts((unsigned)strtoul(argv[2], NULL, 0));
	fprintf(stderr, "usage: test_exhaust setup_sweep FILE | stacks_maps | "
	    "kmem_grow | kmem_limit | arena_offsets | arena_zalloc | arena_hosts N | "
	    "many_stacks N\n");
	return 2;
}
