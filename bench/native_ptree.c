/*
 * native_ptree.c -- the PATRICIA tree as an IPv4 routing table on the
 * real machine, against a plain binary trie on the same prefixes.
 *
 * Workload: 500,000 BGP-like prefixes from bench/prefixgen.h (fixed seed)
 * plus a default route, inserted in generation order (random with
 * respect to address order); 10,000,000 uniformly random destination
 * addresses, generated before the clock starts.  Route objects are
 * pt_in4_node_t (32 bytes: the 24-byte node and the 4-byte key) in one
 * array, in generation order.
 *
 * Figures (bench/bench.h format; argv[1] selects by name prefix):
 *   ptree_lpm_lookup_ns     ns per longest-prefix lookup
 *   ptree_insert_ns         ns per insert, building the table from empty
 *   ptree_remove_ns         ns per remove, emptying it in random order
 *   ptree_bytes_per_prefix  (nodes + jump table) / prefixes; the key
 *                           bytes in the route objects are not counted
 *   trie_lpm_lookup_ns      the same lookups in a one-bit-per-level trie
 *   trie_bytes_per_prefix   that trie's nodes / prefixes
 *
 * The ptree and trie answers are compared on the first million lookups
 * before anything is timed; a difference is fatal.
 *
 * For experiments (the recorded figures use neither):
 * NETSIM_PTREE_JUMPBITS=n (0..20) sets the jump table size (default 18);
 * NETSIM_PTREE_DIRECT=0 makes the tree call the inet ops' four functions
 * instead of reading the key bytes itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/kern.h>

#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#include "bench/bench.h"
#include "bench/prefixgen.h"
#include "tests/native/native_kern.h"

#define NPREFIX		500000
#define NLOOKUP		10000000
#define NCHECK		1000000
#define RUNS_PTREE	5
#define RUNS_TRIE	3
#define SEED_PREFIX	0x5eed2026u
#define SEED_LOOKUP	0x100c0b5u
#define JUMPBITS	18

struct table {
	struct prefixgen_prefix *tb_pfx;	/* NPREFIX + 1, default last */
	pt_in4_node_t	*tb_route;		/* one per prefix */
	size_t		tb_n;
	uint8_t		(*tb_dst)[4];		/* NLOOKUP addresses */
};

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "native_ptree: out of memory\n");
		exit(1);
	}
	return p;
}

static void
be32(uint8_t *b, uint32_t x)
{
	b[0] = (uint8_t)(x >> 24);
	b[1] = (uint8_t)(x >> 16);
	b[2] = (uint8_t)(x >> 8);
	b[3] = (uint8_t)x;
}

static void
table_make(struct table *tb)
{
	uint64_t state = SEED_LOOKUP;
	size_t i;

	tb->tb_n = NPREFIX + 1;
	tb->tb_pfx = xcalloc(tb->tb_n, sizeof(*tb->tb_pfx));
	if (prefixgen_bgp(tb->tb_pfx, NPREFIX, SEED_PREFIX) != 0) {
		fprintf(stderr, "native_ptree: out of memory\n");
		exit(1);
	}
	tb->tb_pfx[NPREFIX].pg_addr = 0;	/* the default route */
	tb->tb_pfx[NPREFIX].pg_plen = 0;
	if (posix_memalign((void **)&tb->tb_route, 64,
	    tb->tb_n * sizeof(*tb->tb_route)) != 0) {
		fprintf(stderr, "native_ptree: out of memory\n");
		exit(1);
	}
	memset(tb->tb_route, 0, tb->tb_n * sizeof(*tb->tb_route));
	tb->tb_dst = xcalloc(NLOOKUP, sizeof(*tb->tb_dst));
	for (i = 0; i < NLOOKUP; i++)
		be32(tb->tb_dst[i], (uint32_t)prefixgen_next(&state));
}

/* ---------------------------------------------------------------- */
/* The ptree. */

static u_int
jumpbits(void)
{
	const char *s = getenv("NETSIM_PTREE_JUMPBITS");

	return s == NULL ? JUMPBITS : (u_int)atoi(s);
}

static void
ptree_setup(pt_tree_t *t)
{
	static pt_tree_ops_t ops;
	const char *s = getenv("NETSIM_PTREE_DIRECT");

	ops = ptree_in4_ops;
	ops.ptto_direct = s == NULL || atoi(s) != 0;
	if (jumpbits() == 0)
		ptree_init(t, &ops, NULL);
	else
		ptree_init_jump(t, &ops, NULL, jumpbits());
}

static double
ptree_build(pt_tree_t *t, struct table *tb)
{
	uint8_t a[4];
	double t0;
	size_t i;

	ptree_setup(t);
	t0 = bench_now_s();
	for (i = 0; i < tb->tb_n; i++) {
		be32(a, tb->tb_pfx[i].pg_addr);
		if (ptree_in4_insert(t, &tb->tb_route[i], a,
		    tb->tb_pfx[i].pg_plen) != &tb->tb_route[i]) {
			fprintf(stderr, "native_ptree: duplicate prefix\n");
			exit(1);
		}
	}
	return (bench_now_s() - t0) * 1e9 / (double)tb->tb_n;
}

/* Remove everything in a fixed shuffled order. */
static double
ptree_teardown(pt_tree_t *t, struct table *tb, size_t *order)
{
	double t0;
	size_t i;

	t0 = bench_now_s();
	for (i = 0; i < tb->tb_n; i++)
		ptree_in4_remove(t, &tb->tb_route[order[i]]);
	t0 = (bench_now_s() - t0) * 1e9 / (double)tb->tb_n;
	ptree_fini(t);
	return t0;
}

static double
ptree_lookups(const pt_tree_t *t, const struct table *tb, uintptr_t *sink)
{
	uintptr_t sum = 0;
	double t0;
	size_t i;

	t0 = bench_now_s();
	for (i = 0; i < NLOOKUP; i++)
		sum += (uintptr_t)ptree_in4_lookup(t, tb->tb_dst[i]);
	*sink += sum;
	return (bench_now_s() - t0) * 1e9 / NLOOKUP;
}

/* ---------------------------------------------------------------- */
/* The baseline: a binary trie, one bit per level, nodes from a pool. */

struct trie_node {
	struct trie_node *tn_child[2];
	const pt_in4_node_t *tn_route;
};

struct trie {
	struct trie_node *tr_pool;
	size_t		tr_used;
	size_t		tr_cap;
};

static struct trie_node *
trie_alloc(struct trie *tr)
{
	if (tr->tr_used == tr->tr_cap) {
		fprintf(stderr, "native_ptree: trie pool exhausted\n");
		exit(1);
	}
	return &tr->tr_pool[tr->tr_used++];
}

static void
trie_build(struct trie *tr, const struct table *tb)
{
	struct trie_node *n;
	uint32_t a;
	size_t i;
	u_int b, bit;

	tr->tr_cap = 16 * tb->tb_n;
	tr->tr_pool = xcalloc(tr->tr_cap, sizeof(*tr->tr_pool));
	tr->tr_used = 0;
	(void)trie_alloc(tr);				/* the root */
	for (i = 0; i < tb->tb_n; i++) {
		a = tb->tb_pfx[i].pg_addr;
		n = &tr->tr_pool[0];
		for (b = 0; b < tb->tb_pfx[i].pg_plen; b++) {
			bit = (a >> (31 - b)) & 1;
			if (n->tn_child[bit] == NULL)
				n->tn_child[bit] = trie_alloc(tr);
			n = n->tn_child[bit];
		}
		n->tn_route = &tb->tb_route[i];
	}
}

static inline const pt_in4_node_t *
trie_lookup(const struct trie *tr, const uint8_t *dst)
{
	const struct trie_node *n = &tr->tr_pool[0];
	const pt_in4_node_t *best = n->tn_route;
	uint32_t a = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 |
	    (uint32_t)dst[2] << 8 | dst[3];
	u_int b;

	for (b = 0; b < 32; b++) {
		n = n->tn_child[(a >> (31 - b)) & 1];
		if (n == NULL)
			break;
		if (n->tn_route != NULL)
			best = n->tn_route;
	}
	return best;
}

static double
trie_lookups(const struct trie *tr, const struct table *tb, uintptr_t *sink)
{
	uintptr_t sum = 0;
	double t0;
	size_t i;

	t0 = bench_now_s();
	for (i = 0; i < NLOOKUP; i++)
		sum += (uintptr_t)trie_lookup(tr, tb->tb_dst[i]);
	*sink += sum;
	return (bench_now_s() - t0) * 1e9 / NLOOKUP;
}

/* ---------------------------------------------------------------- */

/* 0 .. n-1 in a fixed random order: the order of removal. */
static size_t *
shuffled(size_t n)
{
	uint64_t state = 7;
	size_t *order = xcalloc(n, sizeof(*order)), i, j, k;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)(prefixgen_next(&state) % (i + 1));
		k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
	return order;
}

static void
cross_check(const pt_tree_t *t, const struct trie *tr, const struct table *tb)
{
	const pt_in4_node_t *p, *q;
	size_t i;

	for (i = 0; i < NCHECK; i++) {
		p = ptree_in4_lookup(t, tb->tb_dst[i]);
		q = trie_lookup(tr, tb->tb_dst[i]);
		if (p != q) {
			fprintf(stderr, "native_ptree: lookup %zu "
			    "(%u.%u.%u.%u): ptree and trie disagree\n", i,
			    tb->tb_dst[i][0], tb->tb_dst[i][1],
			    tb->tb_dst[i][2], tb->tb_dst[i][3]);
			exit(1);
		}
	}
}

static const char *const ptree_figures[] = { "ptree_lpm_lookup_ns",
    "ptree_insert_ns", "ptree_remove_ns", "ptree_bytes_per_prefix", NULL };
static const char *const trie_figures[] = { "trie_lpm_lookup_ns",
    "trie_bytes_per_prefix", NULL };

int
main(int argc, char **argv)
{
	static double look[RUNS_PTREE], ins[RUNS_PTREE], rem[RUNS_PTREE];
	static double tlook[RUNS_TRIE], bytes[1], tbytes[1];
	bool want_ptree, want_trie;
	struct table tb;
	struct trie tr;
	pt_tree_t t;
	uintptr_t sink = 0;
	size_t *order;
	int r;

	bench_init(argc, argv);
	want_ptree = bench_any_wanted(ptree_figures);
	want_trie = bench_any_wanted(trie_figures);
	if (!want_ptree && !want_trie)
		return 0;

	table_make(&tb);
	order = shuffled(tb.tb_n);

	/* Both structures agree before anything is timed. */
	trie_build(&tr, &tb);
	(void)ptree_build(&t, &tb);
	ptree_check(&t);
	cross_check(&t, &tr, &tb);
	bytes[0] = (double)(tb.tb_n * sizeof(pt_node_t) +
	    ptree_jump_bytes(&t)) / (double)tb.tb_n;
	tbytes[0] = (double)(tr.tr_used * sizeof(struct trie_node)) /
	    (double)tb.tb_n;
	(void)ptree_teardown(&t, &tb, order);

	if (want_ptree) {
		for (r = 0; r < RUNS_PTREE; r++) {
			ins[r] = ptree_build(&t, &tb);
			look[r] = ptree_lookups(&t, &tb, &sink);
			rem[r] = ptree_teardown(&t, &tb, order);
		}
		if (bench_wanted("ptree_lpm_lookup_ns"))
			bench_report("ptree_lpm_lookup_ns", "ns", look,
			    RUNS_PTREE);
		if (bench_wanted("ptree_insert_ns"))
			bench_report("ptree_insert_ns", "ns", ins, RUNS_PTREE);
		if (bench_wanted("ptree_remove_ns"))
			bench_report("ptree_remove_ns", "ns", rem, RUNS_PTREE);
		if (bench_wanted("ptree_bytes_per_prefix"))
			bench_report("ptree_bytes_per_prefix", "bytes", bytes,
			    1);
	}
	if (want_trie) {
		for (r = 0; r < RUNS_TRIE; r++)
			tlook[r] = trie_lookups(&tr, &tb, &sink);
		if (bench_wanted("trie_lpm_lookup_ns"))
			bench_report("trie_lpm_lookup_ns", "ns", tlook,
			    RUNS_TRIE);
		if (bench_wanted("trie_bytes_per_prefix"))
			bench_report("trie_bytes_per_prefix", "bytes", tbytes,
			    1);
	}
	if (sink == 1)
		printf("#\n");		/* keep the lookups */
	free(tr.tr_pool);
	free(order);
	free(tb.tb_dst);
	free(tb.tb_route);
	free(tb.tb_pfx);
	return 0;
}
