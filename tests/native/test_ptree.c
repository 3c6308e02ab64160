/*
 * test_ptree.c -- the PATRICIA tree against a brute-force reference.
 *
 *   test_ptree random FAMILY JUMPBITS MODE SEED NOPS
 *	FAMILY v4 | v6 | k13 (13-bit keys); MODE direct (the tree reads key
 *	bytes itself), ops (inet ops, direct access off), naive (this file's
 *	bit-by-bit ops, direct off) or naivedirect.  NOPS random inserts,
 *	removes, exact finds and (filtered) longest-prefix matches on a small
 *	universe of nested prefixes, each checked against brute force; the
 *	tree's invariants and its iteration order are checked every so
 *	often.  A failure prints the line that replays it.
 *   test_ptree netbsd	the longest-first LPM case NetBSD's ptree gets
 *			wrong, its mirror images, every insertion order
 *   test_ptree noalloc	100,000 operations, no kmem allocation
 *   test_ptree clz	the portable clz routine equals the builtin
 *   test_ptree inet	the typed IPv4/IPv6 helpers
 *
 * Exit status 0 on success, 1 on a failed check (KASSERT aborts).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/kern.h>

#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#include "tests/native/native_kern.h"

#define KEYBYTES_MAX	16
#define UNIVERSE	1200

static const char *prog = "test_ptree";

/* splitmix64: the test's only randomness, from the seed. */
static uint64_t rng_state;

static uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u_int
rnd(u_int n)
{
	return (u_int)(rnd64() % n);
}

/*
 * A test item: the node, then the key bytes at the offset the inet ops
 * expect, so the same item works with ptree_in4_ops and ptree_in6_ops.
 */
struct tentry {
	pt_node_t	te_node;
	uint8_t		te_key[KEYBYTES_MAX];
	u_int		te_plen;
	u_int		te_idx;
	bool		te_present;
	uint64_t	te_w[2];	/* the key as two big-endian words */
	uint64_t	te_m[2];	/* and its mask of plen ones */
};
CTASSERT(offsetof(struct tentry, te_key) ==
    offsetof(pt_in4_node_t, pin4_addr));
CTASSERT(offsetof(struct tentry, te_key) ==
    offsetof(pt_in6_node_t, pin6_addr));
#define TE(n)	container_of((n), struct tentry, te_node)

/* ---------------------------------------------------------------- */
/* Bits, the slow and obvious way: the reference. */

static u_int
bit_of(const uint8_t *k, u_int bit)
{
	return (k[bit / 8] >> (7 - bit % 8)) & 1;
}

static u_int
ref_match(const uint8_t *a, const uint8_t *b, u_int limit)
{
	u_int i = 0;

	while (i + 8 <= limit && a[i / 8] == b[i / 8])	/* whole bytes */
		i += 8;
	for (; i < limit; i++)
		if (bit_of(a, i) != bit_of(b, i))
			return i;
	return limit;
}

static void
clear_host_bits(uint8_t *k, u_int nbytes, u_int plen)
{
	u_int i;

	for (i = plen; i < nbytes * 8; i++)
		k[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* The naive ops: bit by bit, keys right after the node. */
static pt_bitlen_t
naive_matchnode(void *ctx __unused, const pt_node_t *a, const pt_node_t *b,
    pt_bitlen_t limit)
{
	return ref_match(TE(a)->te_key, TE(b)->te_key, limit);
}

static pt_bitlen_t
naive_matchkey(void *ctx __unused, const pt_node_t *n, const void *key,
    pt_bitlen_t limit)
{
	return ref_match(TE(n)->te_key, key, limit);
}

static bool
naive_testnode(void *ctx __unused, const pt_node_t *n, pt_bitoff_t bit)
{
	return bit_of(TE(n)->te_key, bit);
}

static bool
naive_testkey(void *ctx __unused, const void *key, pt_bitoff_t bit)
{
	return bit_of(key, bit);
}

/* ---------------------------------------------------------------- */
/* The random test. */

struct rtest {
	pt_tree_t	rt_tree;
	pt_tree_ops_t	rt_ops;
	struct tentry	rt_e[UNIVERSE];
	struct tentry	rt_spare;	/* a duplicate to insert */
	u_int		rt_n;		/* entries in the universe */
	u_int		rt_keybits;
	u_int		rt_nbytes;
	u_int		rt_present;
	/* for the failure message */
	const char	*rt_family;
	u_int		rt_jumpbits;
	const char	*rt_mode;
	uint64_t	rt_seed;
	u_int		rt_nops;
	u_int		rt_step;
};

static void __printflike(2, 3)
fail(const struct rtest *rt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL at step %u: ", rt->rt_step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nseed %" PRIu64 "; replay: %s random %s %u %s %"
	    PRIu64 " %u\n", rt->rt_seed, prog, rt->rt_family,
	    rt->rt_jumpbits, rt->rt_mode, rt->rt_seed, rt->rt_nops);
	exit(1);
}

static void
fmt_key(char *buf, size_t len, const uint8_t *k, u_int nbytes, u_int plen)
{
	size_t off = 0;
	u_int i;

	for (i = 0; i < nbytes && off + 4 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x%s", k[i],
		    i + 1 < nbytes ? ":" : "");
	snprintf(buf + off, len - off, "/%u", plen);
}

static const char *
ename(const struct rtest *rt, const struct tentry *e, char *buf, size_t len)
{
	if (e == NULL)
		return "(none)";
	fmt_key(buf, len, e->te_key, rt->rt_nbytes, e->te_plen);
	return buf;
}

static void
random_key(const struct rtest *rt, uint8_t *k)
{
	u_int i;

	memset(k, 0, KEYBYTES_MAX);
	for (i = 0; i < rt->rt_nbytes; i++)
		k[i] = (uint8_t)rnd64();
	clear_host_bits(k, rt->rt_nbytes, rt->rt_keybits);
}

/* A short length, a long one, or anything: nesting is the point. */
static u_int
random_plen(const struct rtest *rt)
{
	u_int kb = rt->rt_keybits, r = rnd(100);

	if (r < 15)
		return rnd(MIN(kb, 8u) + 1);
	if (r < 30)
		return kb;
	return rnd(kb + 1);
}

/* The key as two big-endian 64-bit words. */
static void
key_words(const uint8_t *k, uint64_t *w)
{
	u_int i;

	w[0] = w[1] = 0;
	for (i = 0; i < 16; i++)
		w[i / 8] = (w[i / 8] << 8) | k[i];
}

static void
entry_words(struct tentry *e)
{
	u_int i;

	key_words(e->te_key, e->te_w);
	e->te_m[0] = e->te_m[1] = 0;
	for (i = 0; i < e->te_plen; i++)
		e->te_m[i / 64] |= (uint64_t)1 << (63 - i % 64);
}

static bool
universe_has(const struct rtest *rt, const uint8_t *k, u_int plen)
{
	u_int i;

	for (i = 0; i < rt->rt_n; i++)
		if (rt->rt_e[i].te_plen == plen &&
		    memcmp(rt->rt_e[i].te_key, k, rt->rt_nbytes) == 0)
			return true;
	return false;
}

/* Prefixes around a few bases, with bits flipped to make siblings. */
static void
make_universe(struct rtest *rt)
{
	uint8_t bases[12][KEYBYTES_MAX], k[KEYBYTES_MAX];
	u_int i, plen, tries;
	struct tentry *e;

	for (i = 0; i < 12; i++)
		random_key(rt, bases[i]);
	rt->rt_n = 0;
	for (tries = 0; rt->rt_n < UNIVERSE && tries < 50 * UNIVERSE;
	    tries++) {
		memcpy(k, bases[rnd(12)], KEYBYTES_MAX);
		plen = random_plen(rt);
		while (plen > 0 && rnd(2)) {
			i = rnd(plen);
			k[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
		}
		clear_host_bits(k, rt->rt_nbytes, plen);
		if (universe_has(rt, k, plen))
			continue;
		e = &rt->rt_e[rt->rt_n];
		memset(e, 0, sizeof(*e));
		memcpy(e->te_key, k, KEYBYTES_MAX);
		e->te_plen = plen;
		e->te_idx = rt->rt_n++;
		entry_words(e);
	}
}

/* A search key: near an entry (host bits random, maybe a flip) or not. */
static void
lookup_key(const struct rtest *rt, uint8_t *k)
{
	const struct tentry *e = &rt->rt_e[rnd(rt->rt_n)];
	u_int i;

	random_key(rt, k);
	if (rnd(10) == 0)
		return;
	for (i = 0; i < e->te_plen; i++)
		if (bit_of(k, i) != bit_of(e->te_key, i))
			k[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
	if (e->te_plen > 0 && rnd(4) == 0) {
		i = rnd(e->te_plen);
		k[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
	}
}

static bool
filter_idx(void *arg, const pt_node_t *n)
{
	u_int mod = *(const u_int *)arg;

	return TE(n)->te_idx % mod != 0;
}

/* The longest present entry matching k, by trying them all. */
static const struct tentry *
ref_lpm(const struct rtest *rt, const uint8_t *k, u_int maxlen, u_int mod)
{
	const struct tentry *e, *best = NULL;
	uint64_t w[2];
	u_int i;

	key_words(k, w);
	for (i = 0; i < rt->rt_n; i++) {
		e = &rt->rt_e[i];
		if (!e->te_present || e->te_plen > maxlen)
			continue;
		if (best != NULL && e->te_plen <= best->te_plen)
			continue;
		if (mod != 0 && e->te_idx % mod == 0)
			continue;
		if (((w[0] ^ e->te_w[0]) & e->te_m[0]) == 0 &&
		    ((w[1] ^ e->te_w[1]) & e->te_m[1]) == 0)
			best = e;
	}
	return best;
}

static void
check_lpm(struct rtest *rt, const uint8_t *k)
{
	char b1[80], b2[80], b3[80];
	const struct tentry *want;
	pt_node_t *got;
	u_int mod, maxlen;

	want = ref_lpm(rt, k, rt->rt_keybits, 0);
	got = ptree_find_lpm(&rt->rt_tree, k);
	if ((got == NULL ? NULL : TE(got)) != want) {
		fmt_key(b1, sizeof(b1), k, rt->rt_nbytes, rt->rt_keybits);
		fail(rt, "lpm(%s) = %s, want %s", b1,
		    got ? ename(rt, TE(got), b2, sizeof(b2)) : "(none)",
		    ename(rt, want, b3, sizeof(b3)));
	}
	mod = 2 + rnd(3);
	want = ref_lpm(rt, k, rt->rt_keybits, mod);
	got = ptree_find_filtered_node(&rt->rt_tree, k, filter_idx, &mod);
	if ((got == NULL ? NULL : TE(got)) != want) {
		fmt_key(b1, sizeof(b1), k, rt->rt_nbytes, rt->rt_keybits);
		fail(rt, "filtered lpm(%s, idx %% %u != 0) = %s, want %s", b1,
		    mod, got ? ename(rt, TE(got), b2, sizeof(b2)) : "(none)",
		    ename(rt, want, b3, sizeof(b3)));
	}
	maxlen = rnd(rt->rt_keybits + 1);
	want = ref_lpm(rt, k, maxlen, 0);
	got = ptree_find_covering_node(&rt->rt_tree, k, maxlen, NULL, NULL);
	if ((got == NULL ? NULL : TE(got)) != want) {
		fmt_key(b1, sizeof(b1), k, rt->rt_nbytes, maxlen);
		fail(rt, "covering(%s) = %s, want %s", b1,
		    got ? ename(rt, TE(got), b2, sizeof(b2)) : "(none)",
		    ename(rt, want, b3, sizeof(b3)));
	}
}

static void
check_find(struct rtest *rt, const struct tentry *e)
{
	char b1[80];
	pt_node_t *got;

	got = ptree_find_mask_node(&rt->rt_tree, e->te_key, e->te_plen);
	if (got != (e->te_present ? &e->te_node : NULL))
		fail(rt, "find(%s) = %p, present %d", ename(rt, e, b1,
		    sizeof(b1)), (void *)got, e->te_present);
	if (e->te_plen == rt->rt_keybits &&
	    ptree_find_node(&rt->rt_tree, e->te_key) != got)
		fail(rt, "find_node(%s) differs from find_mask_node",
		    ename(rt, e, b1, sizeof(b1)));
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct tentry *x = *(const struct tentry *const *)a;
	const struct tentry *y = *(const struct tentry *const *)b;
	int c = memcmp(x->te_key, y->te_key, KEYBYTES_MAX);

	if (c != 0)
		return c;
	return (x->te_plen > y->te_plen) - (x->te_plen < y->te_plen);
}

/* first/next and last/prev visit the present entries in key order. */
static void
check_order(struct rtest *rt)
{
	static const struct tentry *sorted[UNIVERSE];
	char b1[80], b2[80];
	const pt_node_t *n;
	u_int i, m = 0;

	for (i = 0; i < rt->rt_n; i++)
		if (rt->rt_e[i].te_present)
			sorted[m++] = &rt->rt_e[i];
	qsort(sorted, m, sizeof(sorted[0]), cmp_entry);
	for (i = 0, n = ptree_first(&rt->rt_tree); n != NULL;
	    n = ptree_next(&rt->rt_tree, n), i++)
		if (i >= m || TE(n) != sorted[i])
			fail(rt, "iteration item %u is %s, want %s", i,
			    ename(rt, TE(n), b1, sizeof(b1)),
			    i < m ? ename(rt, sorted[i], b2, sizeof(b2)) :
			    "the end");
	if (i != m)
		fail(rt, "iteration stopped after %u of %u items", i, m);
	for (i = m, n = ptree_last(&rt->rt_tree); n != NULL;
	    n = ptree_prev(&rt->rt_tree, n))
		if (i == 0 || TE(n) != sorted[--i])
			fail(rt, "reverse iteration wrong at item %u", i);
	if (i != 0)
		fail(rt, "reverse iteration stopped %u items early", i);
}

static void
op_insert(struct rtest *rt, struct tentry *e)
{
	char b1[80];
	pt_node_t *got;

	if (!e->te_present) {
		/* A whole-length key goes in either way. */
		if (e->te_plen == rt->rt_keybits && rnd(2))
			got = ptree_insert_node(&rt->rt_tree, &e->te_node);
		else
			got = ptree_insert_mask_node(&rt->rt_tree,
			    &e->te_node, e->te_plen);
		if (got != &e->te_node)
			fail(rt, "insert(%s) returned another node",
			    ename(rt, e, b1, sizeof(b1)));
		e->te_present = true;
		rt->rt_present++;
		return;
	}
	/* A duplicate: the tree returns the one it has and stays put. */
	memcpy(rt->rt_spare.te_key, e->te_key, KEYBYTES_MAX);
	rt->rt_spare.te_plen = e->te_plen;
	got = ptree_insert_mask_node(&rt->rt_tree, &rt->rt_spare.te_node,
	    e->te_plen);
	if (got != &e->te_node)
		fail(rt, "duplicate insert(%s) returned %p, want %p",
		    ename(rt, e, b1, sizeof(b1)), (void *)got,
		    (void *)&e->te_node);
}

static void
op_remove(struct rtest *rt, struct tentry *e)
{
	if (!e->te_present)
		return;
	ptree_remove_node(&rt->rt_tree, &e->te_node);
	e->te_present = false;
	rt->rt_present--;
}

static void
random_step(struct rtest *rt, u_int check_every)
{
	uint8_t k[KEYBYTES_MAX];
	struct tentry *e = &rt->rt_e[rnd(rt->rt_n)];
	u_int r = rnd(100);

	/* Grow to about half the universe, then churn around it. */
	if (r < 40 + (rt->rt_present < rt->rt_n / 2 ? 15 : 0))
		op_insert(rt, e);
	else if (r < 75)
		op_remove(rt, e);
	check_find(rt, e);
	memcpy(k, e->te_key, KEYBYTES_MAX);
	if (rnd(2))
		lookup_key(rt, k);
	check_lpm(rt, k);
	if (ptree_count(&rt->rt_tree) != rt->rt_present)
		fail(rt, "count %zu, want %u", ptree_count(&rt->rt_tree),
		    rt->rt_present);
	if (rt->rt_step % check_every == 0) {
		ptree_check(&rt->rt_tree);
		check_order(rt);
	}
}

/* The ops table for a family and a key access mode. */
static int
random_ops(pt_tree_ops_t *ops, const char *family, const char *mode)
{
	if (strcmp(family, "v4") == 0)
		*ops = ptree_in4_ops;
	else if (strcmp(family, "v6") == 0)
		*ops = ptree_in6_ops;
	else if (strcmp(family, "k13") == 0) {
		*ops = ptree_in4_ops;
		ops->ptto_keybits = 13;
	} else {
		fprintf(stderr, "%s: unknown family %s\n", prog, family);
		return -1;
	}
	if (strcmp(mode, "direct") == 0)
		ops->ptto_direct = true;
	else if (strcmp(mode, "ops") == 0)
		ops->ptto_direct = false;
	else if (strncmp(mode, "naive", 5) == 0) {
		ops->ptto_matchnode = naive_matchnode;
		ops->ptto_matchkey = naive_matchkey;
		ops->ptto_testnode = naive_testnode;
		ops->ptto_testkey = naive_testkey;
		ops->ptto_direct = strcmp(mode, "naivedirect") == 0;
	} else {
		fprintf(stderr, "%s: unknown mode %s\n", prog, mode);
		return -1;
	}
	return 0;
}

static int
test_random(int argc, char **argv)
{
	static struct rtest rt;
	u_int i, check_every;

	if (argc != 7) {
		fprintf(stderr, "usage: %s random v4|v6|k13 JUMPBITS "
		    "direct|ops|naive|naivedirect SEED NOPS\n", prog);
		return 2;
	}
	memset(&rt, 0, sizeof(rt));
	rt.rt_family = argv[2];
	rt.rt_jumpbits = (u_int)strtoul(argv[3], NULL, 0);
	rt.rt_mode = argv[4];
	rt.rt_seed = strtoull(argv[5], NULL, 0);
	rt.rt_nops = (u_int)strtoul(argv[6], NULL, 0);
	rng_state = rt.rt_seed;

	if (random_ops(&rt.rt_ops, rt.rt_family, rt.rt_mode) != 0)
		return 2;
	rt.rt_keybits = rt.rt_ops.ptto_keybits;
	rt.rt_nbytes = howmany(rt.rt_keybits, 8);
	if (rt.rt_jumpbits > MIN(rt.rt_keybits, (u_int)PT_JUMPBITS_MAX)) {
		fprintf(stderr, "%s: jumpbits %u too large\n", prog,
		    rt.rt_jumpbits);
		return 2;
	}
	if (rt.rt_jumpbits == 0)
		ptree_init(&rt.rt_tree, &rt.rt_ops, NULL);
	else
		ptree_init_jump(&rt.rt_tree, &rt.rt_ops, NULL, rt.rt_jumpbits);
	make_universe(&rt);

	/* Checking a big jump table is slow: check less often. */
	check_every = rt.rt_jumpbits > 10 ? 5000 : 500;
	for (rt.rt_step = 1; rt.rt_step <= rt.rt_nops; rt.rt_step++)
		random_step(&rt, check_every);
	ptree_check(&rt.rt_tree);
	check_order(&rt);
	for (i = 0; i < rt.rt_n; i++)
		op_remove(&rt, &rt.rt_e[rnd(rt.rt_n)]);
	for (i = 0; i < rt.rt_n; i++)
		op_remove(&rt, &rt.rt_e[i]);
	ptree_check(&rt.rt_tree);
	if (ptree_first(&rt.rt_tree) != NULL)
		fail(&rt, "tree not empty after removing everything");
	ptree_fini(&rt.rt_tree);
	printf("random %s jump %u %s: %u ops on %u prefixes, ok\n",
	    rt.rt_family, rt.rt_jumpbits, rt.rt_mode, rt.rt_nops, rt.rt_n);
	return 0;
}

/* ---------------------------------------------------------------- */
/* NetBSD's ptree: a short prefix inserted after a longer one is lost. */

struct ntree {
	const char	*nt_name;
	pt_tree_ops_t	nt_ops;
	u_int		nt_jumpbits;
};

static const struct ntree *
ntree_variants(u_int *count)
{
	static struct ntree v[6];
	u_int i;

	for (i = 0; i < 6; i++) {
		v[i].nt_ops = ptree_in4_ops;
		v[i].nt_ops.ptto_direct = i % 2 == 0;
		v[i].nt_jumpbits = (u_int[]){ 0, 8, 16 }[i / 2];
		v[i].nt_name = (const char *[]){ "direct", "ops", "direct+jump8",
		    "ops+jump8", "direct+jump16", "ops+jump16" }[i];
	}
	*count = 6;
	return v;
}

static void
ntree_init(pt_tree_t *t, const struct ntree *v)
{
	if (v->nt_jumpbits == 0)
		ptree_init(t, &v->nt_ops, NULL);
	else
		ptree_init_jump(t, &v->nt_ops, NULL, v->nt_jumpbits);
}

static void
set4(struct tentry *e, u_int a, u_int b, u_int c, u_int d, u_int plen)
{
	memset(e, 0, sizeof(*e));
	e->te_key[0] = (uint8_t)a;
	e->te_key[1] = (uint8_t)b;
	e->te_key[2] = (uint8_t)c;
	e->te_key[3] = (uint8_t)d;
	e->te_plen = plen;
}

/* Longest prefix among the present entries, the obvious way. */
static const struct tentry *
small_lpm(const struct tentry *e, u_int n, const uint8_t *k)
{
	const struct tentry *best = NULL;
	u_int i;

	for (i = 0; i < n; i++)
		if (e[i].te_present &&
		    (best == NULL || e[i].te_plen > best->te_plen) &&
		    ref_match(e[i].te_key, k, e[i].te_plen) == e[i].te_plen)
			best = &e[i];
	return best;
}

static int nfail;

static void
expect_lpm(const pt_tree_t *t, const char *what, const struct tentry *e,
    u_int n, u_int a, u_int b, u_int c, u_int d)
{
	const uint8_t k[4] = { (uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d };
	const struct tentry *want = small_lpm(e, n, k);
	const pt_node_t *got = ptree_find_lpm(t, k);

	if ((got == NULL ? NULL : TE(got)) == want)
		return;
	nfail++;
	fprintf(stderr, "FAIL %s: lookup %u.%u.%u.%u found %s, want /%u\n",
	    what, a, b, c, d, got == NULL ? "nothing" : "another prefix",
	    want == NULL ? 0 : want->te_plen);
}

/*
 * The reported case, exactly: 10.1.0.0/16 then 10.0.0.0/8; 10.2.3.4 must
 * find the /8.  Then the other order, and the mirror image with the
 * longer prefix on the 1 side of the /8's first free bit.
 */
static void
netbsd_pair(const struct ntree *v, u_int second_octet, bool long_first)
{
	static const u_int probe[][4] = {
		{ 10, 2, 3, 4 }, { 10, 1, 2, 3 }, { 10, 254, 1, 1 },
		{ 10, 0, 0, 1 }, { 11, 0, 0, 1 }, { 9, 255, 255, 255 },
	};
	struct tentry e[2];
	char what[128];
	pt_tree_t t;
	u_int i;

	set4(&e[0], 10, second_octet, 0, 0, 16);
	set4(&e[1], 10, 0, 0, 0, 8);
	ntree_init(&t, v);
	for (i = 0; i < 2; i++) {
		struct tentry *x = &e[long_first ? i : 1 - i];

		ptree_insert_mask_node(&t, &x->te_node, x->te_plen);
		x->te_present = true;
	}
	snprintf(what, sizeof(what), "[%s] 10.%u.0.0/16 %s 10.0.0.0/8",
	    v->nt_name, second_octet, long_first ? "before" : "after");
	ptree_check(&t);
	for (i = 0; i < __arraycount(probe); i++)
		expect_lpm(&t, what, e, 2, probe[i][0], probe[i][1],
		    probe[i][2], probe[i][3]);
	for (i = 0; i < 2; i++)
		ptree_remove_node(&t, &e[i].te_node);
	ptree_fini(&t);
}

/* Every insertion order of four nested prefixes, every removal order. */
static void
netbsd_orders(const struct ntree *v)
{
	static const u_int probe[][4] = {
		{ 10, 1, 2, 3 }, { 10, 1, 3, 1 }, { 10, 2, 0, 1 },
		{ 11, 1, 1, 1 }, { 10, 1, 2, 255 }, { 10, 129, 2, 3 },
	};
	struct tentry e[4];
	u_int perm[24][4], np = 0, a, b, c, d, i, j, o, p;
	char what[160];
	pt_tree_t t;

	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++)
			for (c = 0; c < 4; c++)
				for (d = 0; d < 4; d++)
					if (a != b && a != c && a != d &&
					    b != c && b != d && c != d) {
						perm[np][0] = a; perm[np][1] = b;
						perm[np][2] = c; perm[np][3] = d;
						np++;
					}
	/* One tree, emptied and refilled 576 times. */
	ntree_init(&t, v);
	for (i = 0; i < np; i++) {
		for (j = 0; j < np; j++) {
			set4(&e[0], 0, 0, 0, 0, 0);
			set4(&e[1], 10, 0, 0, 0, 8);
			set4(&e[2], 10, 1, 0, 0, 16);
			set4(&e[3], 10, 1, 2, 0, 24);
			for (o = 0; o < 8; o++) {
				struct tentry *x = &e[o < 4 ? perm[i][o] :
				    perm[j][o - 4]];

				if (o < 4)
					ptree_insert_mask_node(&t, &x->te_node,
					    x->te_plen);
				else
					ptree_remove_node(&t, &x->te_node);
				x->te_present = o < 4;
				/* (checking 2^16 entries each time is slow) */
				if (v->nt_jumpbits <= 8)
					ptree_check(&t);
				snprintf(what, sizeof(what), "[%s] insert "
				    "order %u%u%u%u, remove order %u%u%u%u, "
				    "step %u", v->nt_name, perm[i][0],
				    perm[i][1], perm[i][2], perm[i][3],
				    perm[j][0], perm[j][1], perm[j][2],
				    perm[j][3], o);
				for (p = 0; p < __arraycount(probe); p++)
					expect_lpm(&t, what, e, 4, probe[p][0],
					    probe[p][1], probe[p][2],
					    probe[p][3]);
			}
			if (ptree_count(&t) != 0) {
				nfail++;
				fprintf(stderr, "FAIL %s: not empty\n", what);
			}
		}
	}
	ptree_check(&t);
	ptree_fini(&t);
}

static int
test_netbsd(void)
{
	const struct ntree *v;
	u_int nv, i;

	v = ntree_variants(&nv);
	for (i = 0; i < nv; i++) {
		netbsd_pair(&v[i], 1, true);
		netbsd_pair(&v[i], 1, false);
		netbsd_pair(&v[i], 254, true);
		netbsd_pair(&v[i], 254, false);
		netbsd_orders(&v[i]);
	}
	if (nfail != 0) {
		fprintf(stderr, "%d failures; replay: %s netbsd\n", nfail, prog);
		return 1;
	}
	printf("netbsd: longest-first and mirrored cases ok in %u trees\n",
	    nv);
	return 0;
}

/* ---------------------------------------------------------------- */
/* No allocation on insert or remove. */

static int
test_noalloc(void)
{
	static struct tentry e[4096];
	uint8_t k[4];
	pt_tree_t t, small;
	uint64_t before, after;
	u_int i, step, n = __arraycount(e);

	rng_state = 1;
	for (i = 0; i < n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].te_plen = rnd(33);
		random_key(&(struct rtest){ .rt_nbytes = 4, .rt_keybits = 32 },
		    e[i].te_key);
		clear_host_bits(e[i].te_key, 4, e[i].te_plen);
	}
	ptree_in4_init(&t, 16);		/* the one allocation */
	before = native_kmem_allocs();
	ptree_in4_init(&small, 0);
	for (step = 0; step < 100000; step++) {
		struct tentry *x = &e[rnd(n)];

		if (!x->te_present)
			x->te_present = ptree_insert_mask_node(&t,
			    &x->te_node, x->te_plen) == &x->te_node;
		else {
			ptree_remove_node(&t, &x->te_node);
			x->te_present = false;
		}
		memcpy(k, x->te_key, 4);
		(void)ptree_find_lpm(&t, k);
		(void)ptree_find_mask_node(&t, k, x->te_plen);
	}
	for (i = 0; i < n; i++)
		if (e[i].te_present)
			ptree_remove_node(&t, &e[i].te_node);
	after = native_kmem_allocs();
	ptree_fini(&t);
	ptree_fini(&small);
	if (after != before) {
		fprintf(stderr, "FAIL: %" PRIu64 " kmem allocations during "
		    "100000 operations; replay: %s noalloc\n", after - before,
		    prog);
		return 1;
	}
	printf("noalloc: 100000 operations, 0 allocations\n");
	return 0;
}

/* ---------------------------------------------------------------- */
/* The portable clz routine against the builtin. */

static int
test_clz(void)
{
	uint64_t x64;
	uint32_t x;
	u_int i, j, bad = 0, n = 0;

#define CHECK32(v) do {							\
	uint32_t v_ = (v);						\
	u_int want_ = v_ == 0 ? 32 : (u_int)__builtin_clz(v_);		\
	n++;								\
	if (ptree_clz32_portable(v_) != want_ || ptree_clz32(v_) != want_) { \
		if (bad++ < 10)						\
			fprintf(stderr, "FAIL clz32(%#x) = %u/%u, want %u\n", \
			    v_, ptree_clz32_portable(v_), ptree_clz32(v_), \
			    want_);					\
	}								\
} while (0)
#define CHECK64(v) do {							\
	uint64_t v_ = (v);						\
	u_int want_ = v_ == 0 ? 64 : (u_int)__builtin_clzll(v_);	\
	n++;								\
	if (ptree_clz64_portable(v_) != want_ || ptree_clz64(v_) != want_) { \
		if (bad++ < 10)						\
			fprintf(stderr, "FAIL clz64(%#" PRIx64 ") = %u/%u, " \
			    "want %u\n", v_, ptree_clz64_portable(v_),	\
			    ptree_clz64(v_), want_);			\
	}								\
} while (0)

	CHECK32(0);
	CHECK64(0);
	for (i = 0; i < 32; i++)
		for (j = 0; j <= i; j++) {
			/* every run of ones, and a one with all below set */
			CHECK32((uint32_t)((((uint64_t)1 << (i - j + 1)) - 1)
			    << j));
			CHECK32(~(uint32_t)0 >> i);
		}
	for (i = 0; i < 64; i++) {
		CHECK64((uint64_t)1 << i);
		CHECK64(~(uint64_t)0 >> i);
	}
	for (x = 0; x < (1u << 20); x++) {
		CHECK32(x);
		CHECK32(x << 12);
		CHECK32(~x);
	}
	rng_state = 42;
	for (i = 0; i < 1000000; i++) {
		x64 = rnd64() >> rnd(64);
		CHECK64(x64);
		CHECK32((uint32_t)x64);
	}
#undef CHECK32
#undef CHECK64
	if (bad != 0) {
		fprintf(stderr, "%u of %u clz values wrong; replay: %s clz\n",
		    bad, n, prog);
		return 1;
	}
	printf("clz: %u values agree with the builtin\n", n);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The typed inet helpers. */

static int ifail;

#define IEXPECT(cond, ...) do {						\
	if (!(cond)) {							\
		ifail++;						\
		fprintf(stderr, "FAIL inet: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
	}								\
} while (0)

static void
test_inet4(u_int jumpbits)
{
	static const struct { uint8_t a[4]; u_int plen; } pfx[] = {
		{ { 0, 0, 0, 0 }, 0 },
		{ { 10, 0, 0, 0 }, 8 },
		{ { 10, 1, 0, 0 }, 16 },
		{ { 10, 1, 2, 0 }, 24 },
		{ { 10, 1, 2, 3 }, 32 },
		{ { 192, 168, 0, 0 }, 16 },
		{ { 10, 128, 0, 0 }, 9 },
	};
	/* In (address, length) order. */
	static const u_int order[] = { 0, 1, 2, 3, 4, 6, 5 };
	static const uint8_t a1[4] = { 10, 1, 2, 3 }, a2[4] = { 10, 1, 2, 4 };
	static const uint8_t a3[4] = { 10, 200, 0, 1 };
	static const uint8_t a4[4] = { 172, 16, 0, 1 };
	pt_in4_node_t n[__arraycount(pfx)], dup;
	const pt_in4_node_t *r;
	const uint8_t messy[4] = { 10, 1, 255, 255 };	/* host bits set */
	pt_tree_t t;
	u_int i;

	memset(n, 0, sizeof(n));	/* nodes start zero-filled */
	memset(&dup, 0, sizeof(dup));
	ptree_in4_init(&t, jumpbits);
	for (i = 0; i < __arraycount(pfx); i++)
		IEXPECT(ptree_in4_insert(&t, &n[i], pfx[i].a, pfx[i].plen) ==
		    &n[i], "insert %u", i);
	/* The host bits of the argument are cleared in the node. */
	r = ptree_in4_insert(&t, &dup, messy, 16);
	IEXPECT(r == &n[2], "duplicate 10.1.255.255/16 not found as 10.1/16");
	IEXPECT(ptree_in4_find(&t, messy, 16) == &n[2], "find 10.1/16");
	IEXPECT(ptree_in4_find(&t, messy, 17) == NULL, "find 10.1/17");
	IEXPECT(ptree_in4_plen(&n[3]) == 24, "plen");
	r = ptree_in4_lookup(&t, a1);
	IEXPECT(r == &n[4], "lookup 10.1.2.3 -> /32");
	r = ptree_in4_lookup(&t, a2);
	IEXPECT(r == &n[3], "lookup 10.1.2.4 -> /24");
	r = ptree_in4_lookup(&t, a3);
	IEXPECT(r == &n[6], "lookup 10.200.0.1 -> /9");
	r = ptree_in4_lookup(&t, a4);
	IEXPECT(r == &n[0], "lookup 172.16.0.1 -> default");
	for (i = 0, r = ptree_in4_first(&t); r != NULL;
	    r = ptree_in4_next(&t, r), i++)
		IEXPECT(i < __arraycount(order) && r == &n[order[i]],
		    "iteration item %u", i);
	IEXPECT(i == __arraycount(order), "iteration length %u", i);
	ptree_check(&t);
	for (i = 0; i < __arraycount(pfx); i++)
		ptree_in4_remove(&t, &n[i]);
	IEXPECT(ptree_in4_lookup(&t, messy) == NULL, "empty lookup");
	ptree_fini(&t);
}

static bool
not_plen48(void *arg __unused, const pt_node_t *n)
{
	return ptree_node_masklen(n) != 48;
}

static void
test_inet6(u_int jumpbits)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	static const u_int plens[] = { 0, 32, 48, 64, 128, 127 };
	static const u_int order[] = { 0, 1, 2, 3, 5, 4 };
	pt_in6_node_t n[__arraycount(plens)];
	const pt_in6_node_t *r;
	uint8_t k[16];
	pt_tree_t t;
	u_int i;

	memset(n, 0, sizeof(n));
	ptree_in6_init(&t, jumpbits);
	for (i = 0; i < __arraycount(plens); i++)
		IEXPECT(ptree_in6_insert(&t, &n[i], a, plens[i]) == &n[i],
		    "insert6 %u", i);
	IEXPECT(ptree_in6_lookup(&t, a) == &n[4], "lookup6 exact /128");
	memcpy(k, a, 16);
	k[15] = 0;
	IEXPECT(ptree_in6_lookup(&t, k) == &n[5], "lookup6 ::0 -> /127");
	k[15] = 2;
	IEXPECT(ptree_in6_lookup(&t, k) == &n[3], "lookup6 ::2 -> /64");
	k[7] = 3;
	IEXPECT(ptree_in6_lookup(&t, k) == &n[2], "lookup6 -> /48");
	IEXPECT(ptree_in6_lookup_filtered(&t, k, not_plen48, NULL) == &n[1],
	    "filtered lookup6 skips /48");
	k[4] = 9;
	IEXPECT(ptree_in6_lookup(&t, k) == &n[1], "lookup6 -> /32");
	k[0] = 0x30;
	IEXPECT(ptree_in6_lookup(&t, k) == &n[0], "lookup6 -> ::/0");
	IEXPECT(ptree_in6_find(&t, a, 64) == &n[3], "find6 /64");
	IEXPECT(ptree_in6_plen(&n[5]) == 127, "plen6");
	for (i = 0, r = ptree_in6_first(&t); r != NULL;
	    r = ptree_in6_next(&t, r), i++)
		IEXPECT(i < __arraycount(order) && r == &n[order[i]],
		    "iteration6 item %u", i);
	ptree_check(&t);
	for (i = 0; i < __arraycount(plens); i++)
		ptree_in6_remove(&t, &n[i]);
	ptree_fini(&t);
}

static int
test_inet(void)
{
	test_inet4(0);
	test_inet4(16);
	test_inet6(0);
	test_inet6(12);
	if (ifail != 0) {
		fprintf(stderr, "%d failures; replay: %s inet\n", ifail, prog);
		return 1;
	}
	printf("inet: typed IPv4 and IPv6 helpers ok\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (argc > 0)
		prog = argv[0];
	if (strcmp(what, "random") == 0)
		return test_random(argc, argv);
	if (strcmp(what, "netbsd") == 0)
		return test_netbsd();
	if (strcmp(what, "noalloc") == 0)
		return test_noalloc();
	if (strcmp(what, "clz") == 0)
		return test_clz();
	if (strcmp(what, "inet") == 0)
		return test_inet();
	fprintf(stderr, "usage: %s random|netbsd|noalloc|clz|inet ...\n",
	    prog);
	return 2;
}
