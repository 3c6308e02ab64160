/*
 * subr_ptree.c -- a generic PATRICIA tree whose nodes live in the
 * caller's objects.
 *
 * The tree is a compressed binary trie over bit strings: each item is the
 * string of the first masklen bits of its key.  Its vertices are
 *
 *   - leaves: items no other item extends;
 *   - item vertices: items that other items extend.  An item vertex has
 *     exactly ONE child subtree, stored in both child slots so that a walk
 *     need not tell it from a branch;
 *   - branches: strings that are not items but where two subtrees part;
 *     a branch tests bit |string| and has two non-empty children.
 *
 * An item with extensions on both sides of its next bit is therefore an
 * item vertex whose child is a branch testing the same bit.  Bits tested
 * grow strictly down every path, except at that one step.
 *
 * Storage.  A tagged pointer names a vertex: (node | PT_LEAF) is node's
 * item as a leaf, a plain node pointer is node's branch role, which is
 * either its own item vertex (ptn_bit == ptn_masklen) or a branch
 * (ptn_bit < ptn_masklen).  A tree of L leaves has at most L - 1 branches,
 * and every branch is owned by a leaf item below it, one branch per leaf
 * at most ("the owner rule").  Item vertices own themselves.  Because
 * item vertices are unary, each structural change frees or needs exactly
 * one branch role, next to where it happens, so insert and remove repair
 * the ownership in O(1) after their walk down:
 *
 *   insert, split:       the new item owns the new branch;
 *   insert under a leaf: the leaf becomes an item vertex and hands the
 *                        branch it owned (an ancestor) to the new item;
 *   remove a leaf under a branch: the branch disappears; its owner takes
 *                        over the branch the removed item owned;
 *   remove the only child of an item vertex: the item becomes a leaf
 *                        again and takes over the removed item's branch;
 *   remove an item vertex: its child moves up; it owned nothing else.
 *
 * Longest-prefix match.  A lookup follows the key's bits down to a leaf,
 * compares the key with that one leaf (XOR and count leading zeroes: d
 * agreeing bits) and answers with the deepest item on the path whose
 * masklen is <= d: every item on the path is a prefix of the leaf, so it
 * matches iff it is no longer than d, and any matching item longer than d
 * would have sent the walk its own way at bit d.  Nothing depends on the
 * order items arrived in; in particular a short prefix inserted after
 * longer ones sits above them as an item vertex, on every path below it.
 *
 * Jump table (optional).  Entry v, for the top jumpbits bits v of a key,
 * names the top vertex of the subtree of items at least jumpbits long
 * that start with v (its "jump subtree"), the slot that vertex hangs in,
 * and the longest item shorter than jumpbits covering v.  A lookup reads
 * one entry and walks only the subtree below it, and the entry's short
 * item answers when the subtree has nothing.  Insert and remove walk from
 * the entry too and reach the root only to move a branch role above it.
 * The subtree pointers and slots are kept by one rule, applied on every
 * write of a child pointer (pt_jump_note); the short items by a sweep over
 * the entries a short item covers when it comes or goes.
 *
 * This file must never allocate outside ptree_init_jump, never look at a
 * key except through the ops (or the direct byte reading the ops allow),
 * and never order or decide anything by pointer value (pointers are only
 * compared for identity).
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/kmem.h>

#include <kern/ptree.h>

#define PT_LEAF		((uintptr_t)1)	/* tag: the vertex is a leaf */
#define PT_NOBIT	0xffffu		/* ptn_bit of a node with no branch */

#define PTN_INTREE	0x0001		/* the item is in a tree */
#define PTN_BRANCH	0x0002		/* the node has a branch role */

CTASSERT(PT_KEYBITS_MAX < PT_NOBIT);
CTASSERT(sizeof(pt_node_t) == 3 * sizeof(uintptr_t));
CTASSERT(sizeof(struct pt_jump) == 16 || sizeof(uintptr_t) != 8);

/* Where a walk got its key: search key bytes, a search key, or a node. */
struct pt_key {
	const uint8_t	*pk_bytes;	/* direct mode */
	const void	*pk_key;	/* ops mode: a search key, or */
	const pt_node_t	*pk_node;	/* ops mode: this node's key */
};

/*
 * A place that holds a vertex: a child slot of ps_parent, or the root.
 * Two markers stand for slots a walk has not read: PT_SIDE_UNKNOWN, one
 * above where the walk started, and PT_SIDE_JUMP, the slot of jump
 * subtree number ps_jump where it started, to be read from the table
 * only if needed (it costs a cache miss).
 */
struct pt_slot {
	pt_node_t	*ps_parent;	/* NULL: the tree's root */
	u_int		ps_side;	/* 0, 1, PT_SIDE_UNKNOWN, PT_SIDE_JUMP */
	u_int		ps_jump;	/* PT_SIDE_JUMP: the entry */
};
#define PT_SIDE_UNKNOWN	2u
#define PT_SIDE_JUMP	3u

static const struct pt_slot pt_slot_root = { NULL, 0, 0 };
static const struct pt_slot pt_slot_unknown = { NULL, PT_SIDE_UNKNOWN, 0 };

/* ---------------------------------------------------------------- */
/* Counting leading zeroes. */

u_int
ptree_clz32_portable(uint32_t bits)
{
	u_int zeroes = 0;

	/*
	 * The proposal's constant-time routine: each mask keeps the upper
	 * half of every group of 2k bits, so one test per step halves the
	 * candidate span without shifting.
	 */
	if (bits == 0)
		return 32;
	if (bits & 0xffff0000u)
		bits &= 0xffff0000u;
	else
		zeroes += 16;
	if (bits & 0xff00ff00u)
		bits &= 0xff00ff00u;
	else
		zeroes += 8;
	if (bits & 0xf0f0f0f0u)
		bits &= 0xf0f0f0f0u;
	else
		zeroes += 4;
	if (bits & 0xccccccccu)
		bits &= 0xccccccccu;
	else
		zeroes += 2;
	if (bits & 0xaaaaaaaau)
		bits &= 0xaaaaaaaau;
	else
		zeroes += 1;
	return zeroes;
}

u_int
ptree_clz64_portable(uint64_t bits)
{
	uint32_t hi = (uint32_t)(bits >> 32);

	if (hi != 0)
		return ptree_clz32_portable(hi);
	return 32 + ptree_clz32_portable((uint32_t)bits);
}

static inline u_int
pt_clz64(uint64_t x)
{
#if defined(__GNUC__)
	return x == 0 ? 64 : (u_int)__builtin_clzll(x);
#else
	return ptree_clz64_portable(x);
#endif
}

static inline u_int
pt_clz32(uint32_t x)
{
#if defined(__GNUC__)
	return x == 0 ? 32 : (u_int)__builtin_clz(x);
#else
	return ptree_clz32_portable(x);
#endif
}

u_int
ptree_clz32(uint32_t x)
{
	return pt_clz32(x);
}

u_int
ptree_clz64(uint64_t x)
{
	return pt_clz64(x);
}

/* ---------------------------------------------------------------- */
/* Tagged vertex pointers. */

static inline pt_node_t *
pt_node(uintptr_t p)
{
	return (pt_node_t *)(p & ~PT_LEAF);
}

static inline bool
pt_isleaf(uintptr_t p)
{
	return (p & PT_LEAF) != 0;
}

static inline uintptr_t
pt_leaf(const pt_node_t *n)
{
	return (uintptr_t)n | PT_LEAF;
}

static inline uintptr_t
pt_branch(const pt_node_t *n)
{
	return (uintptr_t)n;
}

/* Whether node m's branch role is its own item's vertex. */
static inline bool
pt_itemvertex(const pt_node_t *m)
{
	return m->ptn_bit == m->ptn_masklen;
}

/* ---------------------------------------------------------------- */
/* Keys: direct byte strings or the ops. */

static inline uint64_t
pt_load_be64(const uint8_t *p, u_int avail)
{
	uint64_t w = 0;
	u_int i;

	if (avail >= 8) {
		for (i = 0; i < 8; i++)
			w = (w << 8) | p[i];
		return w;
	}
	for (i = 0; i < avail; i++)
		w |= (uint64_t)p[i] << (56 - 8 * i);
	return w;
}

static inline uint32_t
pt_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline u_int
pt_bytes_bit(const uint8_t *key, u_int bit)
{
	return (key[bit >> 3] >> (7 - (bit & 7))) & 1;
}

/* Leading bits, at most limit, in which two nbytes-long strings agree. */
static inline u_int
pt_bytes_match(const uint8_t *a, const uint8_t *b, u_int nbytes,
    u_int limit)
{
	uint64_t x;
	u_int off, d;

	if (nbytes == 4) {
		d = pt_clz32(pt_load_be32(a) ^ pt_load_be32(b));
		return MIN(d, limit);
	}
	for (off = 0; off < nbytes && off * 8 < limit; off += 8) {
		x = pt_load_be64(a + off, nbytes - off) ^
		    pt_load_be64(b + off, nbytes - off);
		if (x != 0) {
			d = off * 8 + pt_clz64(x);
			return MIN(d, limit);
		}
	}
	return limit;
}

static inline const uint8_t *
pt_nodebytes(const pt_tree_t *t, const pt_node_t *n)
{
	return (const uint8_t *)n + t->ptt_keyoff;
}

static inline void
pt_key_search(const pt_tree_t *t, struct pt_key *k, const void *key)
{
	k->pk_bytes = t->ptt_direct ? key : NULL;
	k->pk_key = key;
	k->pk_node = NULL;
}

static inline void
pt_key_node(const pt_tree_t *t, struct pt_key *k, const pt_node_t *n)
{
	k->pk_bytes = t->ptt_direct ? pt_nodebytes(t, n) : NULL;
	k->pk_key = NULL;
	k->pk_node = n;
}

/* Bit `bit' of k.  `direct' is a constant where speed matters. */
static inline __attribute__((__always_inline__)) u_int
pt_kbit(const pt_tree_t *t, const struct pt_key *k, u_int bit, bool direct)
{
	const pt_tree_ops_t *ops;

	if (direct)
		return pt_bytes_bit(k->pk_bytes, bit);
	ops = t->ptt_ops;
	if (k->pk_node != NULL)
		return (*ops->ptto_testnode)(t->ptt_context, k->pk_node, bit);
	return (*ops->ptto_testkey)(t->ptt_context, k->pk_key, bit);
}

/* Leading bits, at most limit, in which k and n's key agree. */
static inline __attribute__((__always_inline__)) u_int
pt_kmatch(const pt_tree_t *t, const struct pt_key *k, const pt_node_t *n,
    u_int limit, bool direct)
{
	const pt_tree_ops_t *ops;
	u_int d;

	if (direct)
		return pt_bytes_match(k->pk_bytes, pt_nodebytes(t, n),
		    t->ptt_keybytes, limit);
	ops = t->ptt_ops;
	if (k->pk_node != NULL)
		d = (*ops->ptto_matchnode)(t->ptt_context, k->pk_node, n,
		    limit);
	else
		d = (*ops->ptto_matchkey)(t->ptt_context, n, k->pk_key, limit);
	KASSERT(d <= limit);
	return d;
}

/* The same, choosing the direct reading at run time. */
static u_int
pt_bit(const pt_tree_t *t, const struct pt_key *k, u_int bit)
{
	KASSERT(bit < t->ptt_keybits);
	return t->ptt_direct ? pt_kbit(t, k, bit, true) :
	    pt_kbit(t, k, bit, false);
}

static u_int
pt_match(const pt_tree_t *t, const struct pt_key *k, const pt_node_t *n,
    u_int limit)
{
	KASSERT(limit <= t->ptt_keybits);
	return t->ptt_direct ? pt_kmatch(t, k, n, limit, true) :
	    pt_kmatch(t, k, n, limit, false);
}

/* The top `nbits' bits of k as a number (nbits <= 24). */
static inline __attribute__((__always_inline__)) u_int
pt_ktop(const pt_tree_t *t, const struct pt_key *k, u_int nbits, bool direct)
{
	const uint8_t *p;
	uint32_t w;
	u_int i;

	if (direct) {
		p = k->pk_bytes;
		w = (uint32_t)p[0] << 24;
		for (i = 1; i < 4 && i * 8 < nbits; i++)
			w |= (uint32_t)p[i] << (24 - 8 * i);
		return w >> (32 - nbits);
	}
	for (w = 0, i = 0; i < nbits; i++)
		w = (w << 1) | pt_kbit(t, k, i, false);
	return w;
}

static u_int
pt_top(const pt_tree_t *t, const struct pt_key *k, u_int nbits)
{
	return t->ptt_direct ? pt_ktop(t, k, nbits, true) :
	    pt_ktop(t, k, nbits, false);
}

/* ---------------------------------------------------------------- */
/* Slots, and the jump table's knowledge of them. */

static inline struct pt_jump *
pt_jump_entry(const pt_tree_t *t, u_int v)
{
	KASSERT(v < (1u << t->ptt_jumpbits));
	return &t->ptt_jump[v];
}

/* A vertex's "bit": what it tests, or a leaf's masklen. */
static inline u_int
pt_vbit(uintptr_t p)
{
	return pt_isleaf(p) ? pt_node(p)->ptn_masklen : pt_node(p)->ptn_bit;
}

/*
 * Vertex p now hangs in child slot `side' of m (m NULL: the root).  If
 * that makes it the top of a jump subtree -- it is jumpbits or more
 * deep, its parent is not -- its entry now names it and its slot.  Every
 * write of a child pointer comes through here, which is all it takes to
 * keep the table's subtree pointers right.
 */
static void
pt_jump_note(pt_tree_t *t, const pt_node_t *m, u_int side, uintptr_t p)
{
	struct pt_key k;
	u_int jb = t->ptt_jumpbits, v;

	if (t->ptt_jump == NULL || p == 0 || pt_vbit(p) < jb)
		return;
	if (m != NULL && m->ptn_bit >= jb)
		return;
	KASSERT(side <= 1);
	pt_key_node(t, &k, pt_node(p));
	v = pt_top(t, &k, jb);
	pt_jump_entry(t, v)->ptj_sub = p;
	t->ptt_jslot[v] = (uintptr_t)m | side;
}

/* Read the slot a PT_SIDE_JUMP marker stands for. */
static inline void
pt_jump_slot(const pt_tree_t *t, struct pt_slot *s)
{
	uintptr_t x;

	if (s->ps_side != PT_SIDE_JUMP)
		return;
	x = t->ptt_jslot[s->ps_jump];
	s->ps_parent = (pt_node_t *)(x & ~(uintptr_t)1);
	s->ps_side = (u_int)(x & 1);
}

static inline bool
pt_slot_known(const struct pt_slot *s)
{
	return s->ps_side <= 1;
}

static inline uintptr_t
pt_slot_get(const pt_tree_t *t, const struct pt_slot *s)
{
	KASSERT(pt_slot_known(s));
	if (s->ps_parent == NULL)
		return t->ptt_root;
	return s->ps_parent->ptn_child[s->ps_side];
}

/* Put vertex p in slot s; an item vertex keeps its child in both. */
static void
pt_slot_set(pt_tree_t *t, const struct pt_slot *s, uintptr_t p)
{
	pt_node_t *m = s->ps_parent;

	KASSERT(pt_slot_known(s));
	KASSERT(p != 0 || m == NULL);
	if (m == NULL) {
		t->ptt_root = p;
		pt_jump_note(t, NULL, 0, p);
		return;
	}
	KASSERT(m->ptn_flags & PTN_BRANCH);
	if (pt_itemvertex(m)) {
		m->ptn_child[0] = p;
		m->ptn_child[1] = p;
		pt_jump_note(t, m, 0, p);
	} else {
		m->ptn_child[s->ps_side] = p;
		pt_jump_note(t, m, s->ps_side, p);
	}
}

/* Give m (in its branch role, bit already set) the children c0, c1. */
static void
pt_set_children(pt_tree_t *t, pt_node_t *m, uintptr_t c0, uintptr_t c1)
{
	KASSERT(c0 != 0 && c1 != 0);
	KASSERT((c0 == c1) == pt_itemvertex(m));
	m->ptn_child[0] = c0;
	m->ptn_child[1] = c1;
	pt_jump_note(t, m, 0, c0);
	if (c1 != c0)
		pt_jump_note(t, m, 1, c1);
}

/*
 * Node `to' takes over the branch role of node `from', held in slot s.
 * => from's role is a branch (not its item vertex); to has no role
 */
static void
pt_move_branch(pt_tree_t *t, const struct pt_slot *s, pt_node_t *from,
    pt_node_t *to)
{
	KASSERT(pt_slot_get(t, s) == pt_branch(from));
	KASSERT((from->ptn_flags & PTN_BRANCH) && !pt_itemvertex(from));
	KASSERT((to->ptn_flags & PTN_BRANCH) == 0);
	KASSERT(from->ptn_bit < to->ptn_masklen);

	to->ptn_bit = from->ptn_bit;
	to->ptn_flags |= PTN_BRANCH;
	pt_set_children(t, to, from->ptn_child[0], from->ptn_child[1]);
	from->ptn_flags &= ~PTN_BRANCH;
	from->ptn_bit = PT_NOBIT;
	from->ptn_child[0] = from->ptn_child[1] = 0;
	pt_slot_set(t, s, pt_branch(to));
}

/* Node m gives up its branch role. */
static void
pt_drop_branch(pt_node_t *m)
{
	KASSERT(m->ptn_flags & PTN_BRANCH);
	m->ptn_flags &= ~PTN_BRANCH;
	m->ptn_bit = PT_NOBIT;
	m->ptn_child[0] = m->ptn_child[1] = 0;
}

/* ---------------------------------------------------------------- */
/* Walks. */

/*
 * Follow k down from vertex p while the vertices test bits below limit.
 * Returns the node that stands for where the walk stopped: the leaf item,
 * or the owner of the first vertex testing a bit >= limit (whose key
 * starts with that vertex's string).
 */
static inline __attribute__((__always_inline__)) pt_node_t *
pt_descend(const pt_tree_t *t, uintptr_t p, const struct pt_key *k,
    u_int limit, bool direct)
{
	const pt_node_t *m;

	KASSERT(p != 0);
	while (!pt_isleaf(p)) {
		m = pt_node(p);
		if (m->ptn_bit >= limit)
			break;
		p = m->ptn_child[pt_kbit(t, k, m->ptn_bit, direct)];
	}
	return pt_node(p);
}

/*
 * The deepest item vertex on k's path down from p whose masklen is <=
 * lim, or NULL.
 */
static inline __attribute__((__always_inline__)) pt_node_t *
pt_deepest_item(const pt_tree_t *t, uintptr_t p, const struct pt_key *k,
    u_int lim, bool direct)
{
	pt_node_t *m, *best = NULL;

	while (!pt_isleaf(p)) {
		m = pt_node(p);
		if (m->ptn_bit > lim)
			break;
		if (pt_itemvertex(m)) {
			best = m;
			if (m->ptn_bit == lim)
				break;
		}
		p = m->ptn_child[pt_kbit(t, k, m->ptn_bit, direct)];
	}
	return best;
}

static inline bool
pt_accept(pt_filter_t filter, void *arg, const pt_node_t *n)
{
	return filter == NULL || (*filter)(arg, n);
}

/*
 * Longest-prefix match of k among the items below vertex p with masklen
 * <= maxlen.  See the essay at the top for why one key comparison
 * suffices.
 */
static inline __attribute__((__always_inline__)) pt_node_t *
pt_lpm(const pt_tree_t *t, uintptr_t p, const struct pt_key *k,
    u_int maxlen, pt_filter_t filter, void *arg, bool direct)
{
	const pt_node_t *m;
	pt_node_t *r, *deepest = NULL;
	uintptr_t q = p;
	u_int d, lim;

	/* Pass 1: down to a leaf, noting the deepest item vertex. */
	KASSERT(p != 0);
	while (!pt_isleaf(q)) {
		m = pt_node(q);
		if (m->ptn_bit >= maxlen)
			break;
		if (pt_itemvertex(m))
			deepest = pt_node(q);
		q = m->ptn_child[pt_kbit(t, k, m->ptn_bit, direct)];
	}
	r = pt_node(q);
	d = pt_kmatch(t, k, r, MIN(maxlen, r->ptn_masklen), direct);
	lim = d;
	if (r->ptn_masklen <= d) {
		if (pt_accept(filter, arg, r))
			return r;
		if (d == 0)
			return NULL;
		lim = d - 1;
	}
	/* The common answers need no second pass. */
	if (deepest == NULL)
		return NULL;
	if (deepest->ptn_masklen <= lim && filter == NULL)
		return deepest;
	/* Pass 2, in cache: items on the path no longer than lim. */
	while ((r = pt_deepest_item(t, p, k, lim, direct)) != NULL) {
		if (pt_accept(filter, arg, r))
			return r;
		if (r->ptn_masklen == 0)
			return NULL;
		lim = r->ptn_masklen - 1;
	}
	return NULL;
}

/* pt_lpm from the root, choosing the direct reading at run time. */
static pt_node_t *
pt_lpm_root(const pt_tree_t *t, const struct pt_key *k, u_int maxlen,
    pt_filter_t filter, void *arg)
{
	if (t->ptt_root == 0)
		return NULL;
	return t->ptt_direct ?
	    pt_lpm(t, t->ptt_root, k, maxlen, filter, arg, true) :
	    pt_lpm(t, t->ptt_root, k, maxlen, filter, arg, false);
}

/* The item with masklen len and k's first len bits below p, or NULL. */
static inline __attribute__((__always_inline__)) pt_node_t *
pt_exact(const pt_tree_t *t, uintptr_t p, const struct pt_key *k, u_int len,
    bool direct)
{
	pt_node_t *r;

	if (p == 0)
		return NULL;
	r = pt_descend(t, p, k, len, direct);
	/* A branch's owner is longer than the branch's bit, so not r. */
	if (r->ptn_masklen != len)
		return NULL;
	if (pt_kmatch(t, k, r, len, direct) != len)
		return NULL;
	return r;
}

/* ---------------------------------------------------------------- */
/* The jump table's shorter items. */

/* The first entry and the number of entries x (masklen < jumpbits) covers. */
static void
pt_jump_range(const pt_tree_t *t, const pt_node_t *x, u_int *first,
    u_int *count)
{
	struct pt_key k;
	u_int jb = t->ptt_jumpbits, span = jb - x->ptn_masklen;

	KASSERT(x->ptn_masklen < jb);
	pt_key_node(t, &k, x);
	*first = pt_top(t, &k, jb) & ~((1u << span) - 1);
	*count = 1u << span;
}

/* x was inserted: where it is the longest short item, note it. */
static void
pt_jump_insert(pt_tree_t *t, pt_node_t *x)
{
	struct pt_jump *e;
	u_int v, first, count;

	if (x->ptn_masklen >= t->ptt_jumpbits)
		return;			/* pt_jump_note saw to it */
	pt_jump_range(t, x, &first, &count);
	for (v = first; v < first + count; v++) {
		e = pt_jump_entry(t, v);
		if (e->ptj_short == NULL ||
		    e->ptj_short->ptn_masklen < x->ptn_masklen)
			e->ptj_short = x;
	}
}

/* x was unlinked: forget it. */
static void
pt_jump_remove(pt_tree_t *t, pt_node_t *x)
{
	struct pt_key k;
	struct pt_jump *e;
	pt_node_t *cover = NULL;
	u_int v, first, count;

	pt_key_node(t, &k, x);
	if (x->ptn_masklen >= t->ptt_jumpbits) {
		/* If x was its subtree's top, nothing took its place. */
		e = pt_jump_entry(t, pt_top(t, &k, t->ptt_jumpbits));
		if (e->ptj_sub != 0 && pt_node(e->ptj_sub) == x)
			e->ptj_sub = 0;
		return;
	}
	/* Where x was the longest short item, the next shorter one is. */
	if (x->ptn_masklen > 0)
		cover = pt_lpm_root(t, &k, x->ptn_masklen - 1, NULL, NULL);
	pt_jump_range(t, x, &first, &count);
	for (v = first; v < first + count; v++) {
		e = pt_jump_entry(t, v);
		if (e->ptj_short == x)
			e->ptj_short = cover;
	}
}

/* ---------------------------------------------------------------- */
/* Init and teardown. */

void
ptree_init(pt_tree_t *t, const pt_tree_ops_t *ops, void *ctx)
{
	KASSERT(ops != NULL);
	KASSERT(ops->ptto_matchnode != NULL && ops->ptto_matchkey != NULL);
	KASSERT(ops->ptto_testnode != NULL && ops->ptto_testkey != NULL);
	KASSERT(ops->ptto_keybits >= 1 &&
	    ops->ptto_keybits <= PT_KEYBITS_MAX);

	memset(t, 0, sizeof(*t));
	t->ptt_ops = ops;
	t->ptt_context = ctx;
	t->ptt_keybits = ops->ptto_keybits;
	t->ptt_keybytes = howmany(ops->ptto_keybits, 8);
	t->ptt_direct = ops->ptto_direct;
	t->ptt_keyoff = ops->ptto_direct ? ops->ptto_keyoff : 0;
}

void
ptree_init_jump(pt_tree_t *t, const pt_tree_ops_t *ops, void *ctx,
    u_int jumpbits)
{
	ptree_init(t, ops, ctx);
	KASSERT(jumpbits >= 1 && jumpbits <= PT_JUMPBITS_MAX);
	KASSERT(jumpbits <= t->ptt_keybits);
	t->ptt_jumpbits = jumpbits;
	t->ptt_jump = kmem_zalloc(ptree_jump_bytes(t), KM_SLEEP);
	/* The slots, apart: lookups never read them. */
	t->ptt_jslot = (uintptr_t *)(void *)(t->ptt_jump + (1u << jumpbits));
}

void
ptree_fini(pt_tree_t *t)
{
	KASSERT(t->ptt_root == 0 && t->ptt_count == 0);
	if (t->ptt_jump != NULL)
		kmem_free(t->ptt_jump, ptree_jump_bytes(t));
	t->ptt_jump = NULL;
	t->ptt_jslot = NULL;
	t->ptt_ops = NULL;
}

size_t
ptree_count(const pt_tree_t *t)
{
	return t->ptt_count;
}

size_t
ptree_jump_bytes(const pt_tree_t *t)
{
	if (t->ptt_jumpbits == 0)
		return 0;
	return (sizeof(struct pt_jump) + sizeof(uintptr_t)) << t->ptt_jumpbits;
}

pt_bitlen_t
ptree_node_masklen(const pt_node_t *n)
{
	KASSERT(n->ptn_flags & PTN_INTREE);
	return n->ptn_masklen;
}

/* ---------------------------------------------------------------- */
/* Insert. */

/*
 * Where a walk for the item with key k (masklen len) starts: the
 * jump-table subtree of its top bits if it has one, or the root.  *s gets
 * the slot of that vertex.  Vertices above it are not seen.
 */
static uintptr_t
pt_start(const pt_tree_t *t, const struct pt_key *k, u_int len,
    struct pt_slot *s)
{
	const struct pt_jump *e;
	u_int v;

	*s = pt_slot_root;
	if (t->ptt_jump == NULL || len < t->ptt_jumpbits)
		return t->ptt_root;
	v = pt_top(t, k, t->ptt_jumpbits);
	e = pt_jump_entry(t, v);
	if (e->ptj_sub == 0)
		return t->ptt_root;
	s->ps_parent = NULL;
	s->ps_side = PT_SIDE_JUMP;
	s->ps_jump = v;
	return e->ptj_sub;
}

/*
 * Walk x's path down from vertex p, held in slot *s, to the slot where
 * x's change goes: the first vertex testing a bit > d (split) or >= d
 * (otherwise).  *brs gets the slot of owner's branch role if the walk
 * passes it.  Returns the vertex in *s.
 */
static uintptr_t
pt_insert_walk(pt_tree_t *t, uintptr_t p, const struct pt_key *k, u_int d,
    bool split, const pt_node_t *owner, struct pt_slot *s,
    struct pt_slot *brs)
{
	pt_node_t *m;
	u_int side;

	*brs = pt_slot_unknown;
	while (!pt_isleaf(p)) {
		m = pt_node(p);
		if (m->ptn_bit > d || (m->ptn_bit == d && !split))
			break;
		/* A branch at d would have sent x its own way. */
		KASSERT(m->ptn_bit < d || pt_itemvertex(m));
		if (m == owner)
			*brs = *s;
		side = pt_bit(t, k, m->ptn_bit);
		s->ps_parent = m;
		s->ps_side = side;
		p = m->ptn_child[side];
	}
	return p;
}

/* Leaf r becomes an item vertex with leaf n below it. */
static void
pt_insert_below_leaf(pt_tree_t *t, pt_node_t *n, pt_node_t *r,
    struct pt_slot *s, const struct pt_slot *brs)
{
	KASSERT(pt_slot_get(t, s) == pt_leaf(r));
	KASSERT(r->ptn_masklen < n->ptn_masklen);

	if (r->ptn_flags & PTN_BRANCH) {
		/* r's branch is above r, hence above n: n may own it. */
		KASSERT(brs->ps_parent != r);
		pt_move_branch(t, brs, r, n);
		if (s->ps_parent == r)
			s->ps_parent = n;
	}
	r->ptn_bit = r->ptn_masklen;
	r->ptn_flags |= PTN_BRANCH;
	pt_set_children(t, r, pt_leaf(n), pt_leaf(n));
	pt_slot_set(t, s, pt_branch(r));
}

/*
 * Link n (masklen len, already set) into the non-empty tree.  Returns n,
 * or the item with n's key and masklen.
 */
static pt_node_t *
pt_insert(pt_tree_t *t, pt_node_t *n, const struct pt_key *k, u_int len)
{
	struct pt_slot s, brs;
	uintptr_t start, u;
	pt_node_t *r;
	u_int d, lim, side;

	/* Pass 1: an item that shares the most bits with n. */
	start = pt_start(t, k, len, &s);
	r = t->ptt_direct ? pt_descend(t, start, k, len, true) :
	    pt_descend(t, start, k, len, false);
	lim = MIN(len, r->ptn_masklen);
	d = pt_match(t, k, r, lim);
	if (d == lim && len == r->ptn_masklen)
		return r;			/* already there */

	/* Pass 2, in cache: where n goes. */
	u = pt_insert_walk(t, start, k, d, d < lim, r, &s, &brs);
	pt_jump_slot(t, &s);
	pt_jump_slot(t, &brs);
	if (d == r->ptn_masklen && d < len && (r->ptn_flags & PTN_BRANCH) &&
	    !pt_slot_known(&brs)) {
		/* r's branch is above the jump subtree: from the root. */
		KASSERT(start != t->ptt_root || t->ptt_jump != NULL);
		s = pt_slot_root;
		u = pt_insert_walk(t, t->ptt_root, k, d, d < lim, r, &s, &brs);
	}

	if (d < lim) {
		/* n and the subtree at u part at bit d: a new branch. */
		side = pt_bit(t, k, d);
		n->ptn_bit = (uint16_t)d;
		n->ptn_flags |= PTN_BRANCH;
		pt_set_children(t, n, side == 0 ? pt_leaf(n) : u,
		    side == 0 ? u : pt_leaf(n));
		pt_slot_set(t, &s, pt_branch(n));
	} else if (d == len) {
		/* n is a prefix of everything at u: an item vertex above. */
		KASSERT(len < r->ptn_masklen);
		n->ptn_bit = (uint16_t)len;
		n->ptn_flags |= PTN_BRANCH;
		pt_set_children(t, n, u, u);
		pt_slot_set(t, &s, pt_branch(n));
	} else {
		/* Leaf r is a prefix of n. */
		KASSERT(d == r->ptn_masklen && u == pt_leaf(r));
		pt_insert_below_leaf(t, n, r, &s, &brs);
	}
	return n;
}

pt_node_t *
ptree_insert_mask_node(pt_tree_t *t, pt_node_t *n, pt_bitlen_t len)
{
	struct pt_key k;
	pt_node_t *r;

	KASSERT(len <= t->ptt_keybits);
	KASSERT((n->ptn_flags & PTN_INTREE) == 0);

	n->ptn_child[0] = n->ptn_child[1] = 0;
	n->ptn_bit = PT_NOBIT;
	n->ptn_masklen = (uint16_t)len;
	n->ptn_flags = 0;
	n->ptn_spare = 0;
	pt_key_node(t, &k, n);

	if (t->ptt_root == 0)
		pt_slot_set(t, &pt_slot_root, pt_leaf(n));
	else if ((r = pt_insert(t, n, &k, len)) != n)
		return r;

	n->ptn_flags |= PTN_INTREE;
	t->ptt_count++;
	if (t->ptt_jump != NULL)
		pt_jump_insert(t, n);
	return n;
}

pt_node_t *
ptree_insert_node(pt_tree_t *t, pt_node_t *n)
{
	return ptree_insert_mask_node(t, n, t->ptt_keybits);
}

/* ---------------------------------------------------------------- */
/* Remove. */

/* The slots a removal needs, found on the way down to n. */
struct pt_rmpath {
	struct pt_slot	rp_slot;	/* holds n's vertex */
	struct pt_slot	rp_pslot;	/* holds the vertex above it */
	struct pt_slot	rp_bslot;	/* holds n's branch, if it has one */
	bool		rp_leaf;	/* n's vertex is a leaf */
};

static void
pt_remove_walk(const pt_tree_t *t, const pt_node_t *n, uintptr_t p,
    const struct pt_key *k, struct pt_rmpath *rp)
{
	pt_node_t *m;
	u_int side;

	rp->rp_pslot = rp->rp_bslot = pt_slot_unknown;
	rp->rp_leaf = false;
	for (;;) {
		KASSERTMSG(p != 0, "ptree: node %p is not in tree %p",
		    (const void *)n, (const void *)t);
		if (pt_isleaf(p)) {
			KASSERTMSG(pt_node(p) == n,
			    "ptree: node %p is not in tree %p",
			    (const void *)n, (const void *)t);
			rp->rp_leaf = true;
			return;
		}
		m = pt_node(p);
		if (m == n) {
			if (pt_itemvertex(m))
				return;
			rp->rp_bslot = rp->rp_slot;
		}
		KASSERTMSG(m->ptn_bit < n->ptn_masklen,
		    "ptree: node %p is not in tree %p",
		    (const void *)n, (const void *)t);
		side = pt_bit(t, k, m->ptn_bit);
		rp->rp_pslot = rp->rp_slot;
		rp->rp_slot.ps_parent = m;
		rp->rp_slot.ps_side = side;
		p = m->ptn_child[side];
	}
}

/* Whether the removal can use the slots the walk found. */
static bool
pt_remove_known(const pt_node_t *n, const struct pt_rmpath *rp)
{
	const pt_node_t *pv = rp->rp_slot.ps_parent;

	if (!pt_slot_known(&rp->rp_slot))
		return false;
	if (!rp->rp_leaf || pv == NULL)
		return true;
	if (!pt_slot_known(&rp->rp_pslot))
		return false;
	if ((n->ptn_flags & PTN_BRANCH) && (pt_itemvertex(pv) || pv != n))
		return pt_slot_known(&rp->rp_bslot);
	return true;
}

/* Remove leaf n whose parent vertex is a branch or an item vertex. */
static void
pt_remove_leaf(pt_tree_t *t, pt_node_t *n, const struct pt_rmpath *rp)
{
	pt_node_t *pv = rp->rp_slot.ps_parent;	/* the vertex above n */
	pt_node_t *freed;

	if (pt_itemvertex(pv)) {
		/* pv loses its only child and is a leaf again. */
		pt_drop_branch(pv);
		pt_slot_set(t, &rp->rp_pslot, pt_leaf(pv));
		freed = pv;
	} else {
		/* Branch pv disappears; n's sibling takes its place. */
		pt_slot_set(t, &rp->rp_pslot,
		    pv->ptn_child[rp->rp_slot.ps_side ^ 1]);
		if (pv == n) {
			pt_drop_branch(n);
			return;
		}
		pt_drop_branch(pv);
		freed = pv;
	}
	/* The freed node takes over the branch n owned, above it. */
	if (n->ptn_flags & PTN_BRANCH)
		pt_move_branch(t, &rp->rp_bslot, n, freed);
}

void
ptree_remove_node(pt_tree_t *t, pt_node_t *n)
{
	struct pt_rmpath rp;
	struct pt_key k;
	uintptr_t start;

	KASSERT(n->ptn_flags & PTN_INTREE);
	KASSERT(t->ptt_count > 0);

	pt_key_node(t, &k, n);
	start = pt_start(t, &k, n->ptn_masklen, &rp.rp_slot);
	pt_remove_walk(t, n, start, &k, &rp);
	pt_jump_slot(t, &rp.rp_slot);
	pt_jump_slot(t, &rp.rp_pslot);
	pt_jump_slot(t, &rp.rp_bslot);
	if (!pt_remove_known(n, &rp)) {
		/* The change reaches above the jump subtree. */
		KASSERT(start != t->ptt_root || t->ptt_jump != NULL);
		rp.rp_slot = pt_slot_root;
		pt_remove_walk(t, n, t->ptt_root, &k, &rp);
	}

	if (!rp.rp_leaf) {
		/* An item vertex: its one child moves up. */
		pt_slot_set(t, &rp.rp_slot, n->ptn_child[0]);
		pt_drop_branch(n);
	} else if (rp.rp_slot.ps_parent == NULL) {
		KASSERT((n->ptn_flags & PTN_BRANCH) == 0);
		KASSERT(t->ptt_count == 1);
		t->ptt_root = 0;	/* (pt_jump_remove clears the entry) */
	} else
		pt_remove_leaf(t, n, &rp);

	KASSERT((n->ptn_flags & PTN_BRANCH) == 0);
	n->ptn_flags &= ~PTN_INTREE;
	t->ptt_count--;
	if (t->ptt_jump != NULL)
		pt_jump_remove(t, n);
}

/* ---------------------------------------------------------------- */
/* Find. */

static inline __attribute__((__always_inline__)) pt_node_t *
pt_find_lpm(const pt_tree_t *t, const void *key, pt_filter_t filter,
    void *arg, bool direct)
{
	struct pt_key k;
	const struct pt_jump *e;
	pt_node_t *r;

	pt_key_search(t, &k, key);
	if (t->ptt_jump == NULL) {
		if (t->ptt_root == 0)
			return NULL;
		return pt_lpm(t, t->ptt_root, &k, t->ptt_keybits, filter, arg,
		    direct);
	}
	e = &t->ptt_jump[pt_ktop(t, &k, t->ptt_jumpbits, direct)];
	if (e->ptj_sub != 0) {
		r = pt_lpm(t, e->ptj_sub, &k, t->ptt_keybits, filter, arg,
		    direct);
		if (r != NULL)
			return r;
	}
	r = e->ptj_short;
	if (r == NULL || pt_accept(filter, arg, r))
		return r;
	/* Rejected: look for shorter ones the slow way. */
	if (r->ptn_masklen == 0)
		return NULL;
	return pt_lpm(t, t->ptt_root, &k, r->ptn_masklen - 1, filter, arg,
	    direct);
}

pt_node_t *
ptree_find_filtered_node(const pt_tree_t *t, const void *key,
    pt_filter_t filter, void *arg)
{
	if (t->ptt_direct)
		return pt_find_lpm(t, key, filter, arg, true);
	return pt_find_lpm(t, key, filter, arg, false);
}

pt_node_t *
ptree_find_covering_node(const pt_tree_t *t, const void *key,
    pt_bitlen_t maxlen, pt_filter_t filter, void *arg)
{
	struct pt_key k;

	KASSERT(maxlen <= t->ptt_keybits);
	if (maxlen == t->ptt_keybits)
		return ptree_find_filtered_node(t, key, filter, arg);
	pt_key_search(t, &k, key);
	return pt_lpm_root(t, &k, maxlen, filter, arg);
}

static inline __attribute__((__always_inline__)) pt_node_t *
pt_find_exact(const pt_tree_t *t, const void *key, u_int len, bool direct)
{
	struct pt_key k;
	uintptr_t start = t->ptt_root;

	pt_key_search(t, &k, key);
	if (t->ptt_jump != NULL && len >= t->ptt_jumpbits)
		start = t->ptt_jump[pt_ktop(t, &k, t->ptt_jumpbits,
		    direct)].ptj_sub;
	return pt_exact(t, start, &k, len, direct);
}

pt_node_t *
ptree_find_mask_node(const pt_tree_t *t, const void *key, pt_bitlen_t len)
{
	KASSERT(len <= t->ptt_keybits);
	if (t->ptt_direct)
		return pt_find_exact(t, key, len, true);
	return pt_find_exact(t, key, len, false);
}

pt_node_t *
ptree_find_node(const pt_tree_t *t, const void *key)
{
	return ptree_find_mask_node(t, key, t->ptt_keybits);
}

/* ---------------------------------------------------------------- */
/* Iteration: pre-order, item vertex before its subtree, 0 before 1. */

static pt_node_t *
pt_first(uintptr_t p)
{
	pt_node_t *m;

	while (!pt_isleaf(p)) {
		m = pt_node(p);
		if (pt_itemvertex(m))
			return m;
		p = m->ptn_child[0];
	}
	return pt_node(p);
}

static pt_node_t *
pt_last(uintptr_t p)
{
	while (!pt_isleaf(p))
		p = pt_node(p)->ptn_child[1];
	return pt_node(p);
}

pt_node_t *
ptree_first(const pt_tree_t *t)
{
	return t->ptt_root == 0 ? NULL : pt_first(t->ptt_root);
}

pt_node_t *
ptree_last(const pt_tree_t *t)
{
	return t->ptt_root == 0 ? NULL : pt_last(t->ptt_root);
}

/*
 * Walk down to n's vertex.  *after gets the subtree that follows n's
 * path on the right, nearest first; *before the vertex to take the last
 * item of to go left (an item vertex above n counts as a one-item leaf).
 * Returns whether n's vertex is an item vertex.
 */
static bool
pt_walk_to(const pt_tree_t *t, const pt_node_t *n, uintptr_t *before,
    uintptr_t *after)
{
	struct pt_key k;
	const pt_node_t *m;
	uintptr_t p = t->ptt_root;
	u_int side;

	KASSERT(n->ptn_flags & PTN_INTREE);
	pt_key_node(t, &k, n);
	*before = *after = 0;
	for (;;) {
		KASSERTMSG(p != 0, "ptree: node %p is not in tree %p",
		    (const void *)n, (const void *)t);
		if (pt_isleaf(p)) {
			KASSERT(pt_node(p) == n);
			return false;
		}
		m = pt_node(p);
		if (pt_itemvertex(m)) {
			if (m == n)
				return true;
			*before = pt_leaf(m);
		}
		KASSERT(m->ptn_bit < n->ptn_masklen);
		side = pt_bit(t, &k, m->ptn_bit);
		if (!pt_itemvertex(m)) {
			if (side == 0)
				*after = m->ptn_child[1];
			else
				*before = m->ptn_child[0];
		}
		p = m->ptn_child[side];
	}
}

pt_node_t *
ptree_next(const pt_tree_t *t, const pt_node_t *n)
{
	uintptr_t before, after;

	if (pt_walk_to(t, n, &before, &after))
		return pt_first(n->ptn_child[0]);
	return after == 0 ? NULL : pt_first(after);
}

pt_node_t *
ptree_prev(const pt_tree_t *t, const pt_node_t *n)
{
	uintptr_t before, after;

	(void)pt_walk_to(t, n, &before, &after);
	return before == 0 ? NULL : pt_last(before);
}

/* ---------------------------------------------------------------- */
/* Checking. */

/* One vertex on the path being checked, linked to those above it. */
struct pt_check_frame {
	const struct pt_check_frame *cf_up;
	const pt_node_t	*cf_owner;	/* owner of the vertex */
	u_int		cf_bit;		/* bit it tests */
	int		cf_side;	/* side taken; -1 at an item vertex */
};

struct pt_check {
	const pt_tree_t	*ck_tree;
	size_t		ck_items;	/* items seen */
	size_t		ck_branches;	/* branches seen */
	size_t		ck_owned;	/* leaves that found their branch */
	size_t		ck_subs;	/* jump-table subtree roots seen */
};

/* Item x agrees with every vertex above it; short items fill the table. */
static void
pt_check_item(struct pt_check *ck, const pt_node_t *x,
    const struct pt_check_frame *up)
{
	const pt_tree_t *t = ck->ck_tree;
	const struct pt_jump *e;
	struct pt_key k;
	const struct pt_check_frame *f;
	u_int v, first, count;

	KASSERT((x->ptn_flags & PTN_INTREE) != 0);
	KASSERT(x->ptn_masklen <= t->ptt_keybits);
	ck->ck_items++;
	pt_key_node(t, &k, x);
	for (f = up; f != NULL; f = f->cf_up) {
		KASSERT(f->cf_bit <= x->ptn_masklen);
		KASSERT(pt_match(t, &k, f->cf_owner, f->cf_bit) == f->cf_bit);
		if (f->cf_side >= 0)
			KASSERT(pt_bit(t, &k, f->cf_bit) == (u_int)f->cf_side);
	}
	if (t->ptt_jump == NULL || x->ptn_masklen >= t->ptt_jumpbits)
		return;
	/* Every entry x covers knows an item at least as long. */
	pt_jump_range(t, x, &first, &count);
	for (v = first; v < first + count; v++) {
		e = pt_jump_entry(t, v);
		KASSERT(e->ptj_short != NULL &&
		    e->ptj_short->ptn_masklen >= x->ptn_masklen);
	}
}

/* The owner rule, seen from a leaf: its branch is above it. */
static void
pt_check_leaf_owner(struct pt_check *ck, const pt_node_t *x,
    const struct pt_check_frame *up)
{
	const struct pt_check_frame *f;

	if ((x->ptn_flags & PTN_BRANCH) == 0) {
		KASSERT(x->ptn_bit == PT_NOBIT);
		return;
	}
	for (f = up; f != NULL; f = f->cf_up)
		if (f->cf_owner == x && f->cf_side >= 0)
			break;
	KASSERTMSG(f != NULL, "ptree: the branch of a leaf is not above it");
	ck->ck_owned++;
}

/* Vertex p is the jump-table subtree of its top bits iff it should be. */
static void
pt_check_jump_sub(struct pt_check *ck, uintptr_t p, u_int vbit,
    const struct pt_check_frame *up)
{
	const pt_tree_t *t = ck->ck_tree;
	struct pt_key k;
	u_int jb = t->ptt_jumpbits, v;

	if (t->ptt_jump == NULL || vbit < jb || (up != NULL && up->cf_bit >= jb))
		return;
	pt_key_node(t, &k, pt_node(p));
	v = pt_top(t, &k, jb);
	KASSERT(pt_jump_entry(t, v)->ptj_sub == p);
	/* ...and knows the slot it hangs in. */
	KASSERT(t->ptt_jslot[v] == (up == NULL ? 0 : (uintptr_t)up->cf_owner |
	    (uintptr_t)(up->cf_side < 0 ? 0 : up->cf_side)));
	ck->ck_subs++;
}

static void
pt_check_vertex(struct pt_check *ck, uintptr_t p,
    const struct pt_check_frame *up, size_t depth)
{
	const struct pt_check_frame *f;
	struct pt_check_frame me;
	const pt_node_t *m;

	KASSERT(p != 0);
	KASSERT(depth <= 2 * (size_t)ck->ck_tree->ptt_keybits + 2);
	m = pt_node(p);
	if (pt_isleaf(p)) {
		KASSERT(up == NULL || m->ptn_masklen > up->cf_bit);
		pt_check_item(ck, m, up);
		pt_check_leaf_owner(ck, m, up);
		pt_check_jump_sub(ck, p, m->ptn_masklen, up);
		return;
	}
	KASSERT(m->ptn_flags & PTN_BRANCH);
	KASSERT(m->ptn_bit <= m->ptn_masklen);
	KASSERT(m->ptn_child[0] != 0 && m->ptn_child[1] != 0);
	/* Bits grow down a path; a branch may sit under an item vertex. */
	if (up != NULL)
		KASSERT(m->ptn_bit > up->cf_bit || (m->ptn_bit == up->cf_bit &&
		    up->cf_side < 0 && !pt_itemvertex(m)));
	/* A node on the path twice would have two roles. */
	for (f = up; f != NULL; f = f->cf_up)
		KASSERT(f->cf_owner != m);
	pt_check_jump_sub(ck, p, m->ptn_bit, up);
	me.cf_up = up;
	me.cf_owner = m;
	me.cf_bit = m->ptn_bit;
	if (pt_itemvertex(m)) {
		KASSERT(m->ptn_child[0] == m->ptn_child[1]);
		pt_check_item(ck, m, up);
		me.cf_side = -1;
		pt_check_vertex(ck, m->ptn_child[0], &me, depth + 1);
		return;
	}
	KASSERT(m->ptn_child[0] != m->ptn_child[1]);
	ck->ck_branches++;
	for (me.cf_side = 0; me.cf_side < 2; me.cf_side++)
		pt_check_vertex(ck, m->ptn_child[me.cf_side], &me, depth + 1);
}

/* Every table entry names items that cover it, or nothing. */
static void
pt_check_jump(struct pt_check *ck)
{
	const pt_tree_t *t = ck->ck_tree;
	const struct pt_jump *e;
	const pt_node_t *x;
	struct pt_key k;
	size_t subs = 0;
	u_int v, jb = t->ptt_jumpbits, span;

	for (v = 0; v < (1u << jb); v++) {
		e = pt_jump_entry(t, v);
		if (e->ptj_sub != 0)
			subs++;
		if ((x = e->ptj_short) == NULL)
			continue;
		KASSERT((x->ptn_flags & PTN_INTREE) && x->ptn_masklen < jb);
		span = jb - x->ptn_masklen;
		pt_key_node(t, &k, x);
		KASSERT((pt_top(t, &k, jb) >> span) == (v >> span));
	}
	KASSERT(subs == ck->ck_subs);
}

void
ptree_check(const pt_tree_t *t)
{
	struct pt_check ck;

	memset(&ck, 0, sizeof(ck));
	ck.ck_tree = t;
	if (t->ptt_root != 0)
		pt_check_vertex(&ck, t->ptt_root, NULL, 0);
	KASSERTMSG(ck.ck_items == t->ptt_count,
	    "ptree: %zu items reachable, %zu counted", ck.ck_items,
	    t->ptt_count);
	/* Each branch is owned by a distinct leaf that found it above. */
	KASSERT(ck.ck_owned == ck.ck_branches);
	if (t->ptt_jump != NULL)
		pt_check_jump(&ck);
}
