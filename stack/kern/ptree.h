/*
 * ptree.h -- a generic PATRICIA tree with embedded nodes (after NetBSD's
 * ptree(3), reimplemented).
 *
 * The tree holds items: caller objects with a pt_node_t inside.  Inserting
 * and removing never allocate and cannot fail for lack of memory: every
 * item brings its own node, and a node is enough storage for the item's
 * place in the tree plus at most one branching point elsewhere.
 *
 * Keys.  The tree knows nothing about keys except through the four
 * functions of its ops table (pt_tree_ops_t): how many leading bits two
 * nodes' keys share, how many a search key shares with a node's, and the
 * value of one bit of either.  Bit 0 is the most significant bit of the
 * key.  Every key of one tree is ptto_keybits long.  An item is a prefix:
 * only the first masklen bits of its key count (masklen == keybits for an
 * ordinary, whole-key item), so one tree can hold 10.0.0.0/8 and
 * 10.1.0.0/16 and answer longest-prefix-match queries.  An ops table may
 * also declare its keys to be big-endian byte strings at a fixed offset
 * from the node (ptto_direct); the tree then reads them itself on its hot
 * paths and calls no function there.  The four functions must still be
 * given and must agree with that reading.
 *
 * Order.  Items are ordered lexicographically by their masklen-bit
 * strings, a prefix before every longer string it starts: 10.0.0.0/8 <
 * 10.0.0.0/16 < 10.0.1.0/24 < 10.128.0.0/9 < 11.0.0.0/8.  For keys whose
 * bits past masklen are zero (the inet helpers make them so) this is the
 * order of (key, masklen).  ptree_first/ptree_next walk it.
 *
 * Jump table.  ptree_init_jump gives a tree a table of 2^jumpbits entries
 * indexed by the top jumpbits bits of a key: a lookup starts below them,
 * at the subtree of items at least jumpbits long that share them; the
 * entry also remembers the longest shorter item covering it.  The table is
 * allocated once, at init (24 bytes an entry); insert and remove only
 * update it, and start their walks from it too.
 *
 * Locking.  None inside: the caller serializes.  Any number of finds and
 * iterations may run together; an insert or remove runs alone.
 *
 * Costs.  Find, insert and remove walk one path down, O(keybits): from
 * the jump-table entry when there is one (to the root only when a change
 * reaches above it), from the root otherwise; insert walks it twice, the
 * second time in cache.  Inserting or removing an item shorter than
 * jumpbits also touches the 2^(jumpbits - masklen) entries it covers
 * (all of them for a default route).
 */
#ifndef _STACK_KERN_PTREE_H_
#define _STACK_KERN_PTREE_H_

#include <sys/kern.h>

typedef u_int pt_bitoff_t;		/* a bit position, 0 = key's MSB */
typedef u_int pt_bitlen_t;		/* a number of bits */

/* The longest key a tree may have, in bits. */
#define PT_KEYBITS_MAX	4096
/* The largest jump table: 2^PT_JUMPBITS_MAX entries of 24 bytes. */
#define PT_JUMPBITS_MAX	20

/*
 * The node embedded in each item.  All fields are private to the tree;
 * ptree_node_masklen reads the one the caller may want.
 */
typedef struct pt_node {
	uintptr_t	ptn_child[2];	/* branch role: children, tagged */
	uint16_t	ptn_bit;	/* branch role: the bit it tests */
	uint16_t	ptn_masklen;	/* bits of the key that count */
	uint16_t	ptn_flags;	/* PTN_* */
	uint16_t	ptn_spare;
} pt_node_t;

/*
 * The four key functions.  ctx is the context given to ptree_init.
 *
 * matchnode/matchkey: the number of leading bits, at most limit, in which
 * the two keys agree.  limit <= keybits.
 * testnode/testkey: bit `bit' (0 = most significant) of the key, 0 or 1.
 * bit < keybits; bits past an item's masklen may be asked for and may have
 * any value.
 */
typedef pt_bitlen_t (*pt_matchnode_fn)(void *ctx, const pt_node_t *a,
	    const pt_node_t *b, pt_bitlen_t limit);
typedef pt_bitlen_t (*pt_matchkey_fn)(void *ctx, const pt_node_t *n,
	    const void *key, pt_bitlen_t limit);
typedef bool (*pt_testnode_fn)(void *ctx, const pt_node_t *n,
	    pt_bitoff_t bit);
typedef bool (*pt_testkey_fn)(void *ctx, const void *key, pt_bitoff_t bit);

typedef struct pt_tree_ops {
	pt_matchnode_fn	ptto_matchnode;
	pt_matchkey_fn	ptto_matchkey;
	pt_testnode_fn	ptto_testnode;
	pt_testkey_fn	ptto_testkey;
	pt_bitlen_t	ptto_keybits;	/* 1 .. PT_KEYBITS_MAX */
	/*
	 * Optional direct access: if true, a node's key is the big-endian
	 * byte string of howmany(keybits, 8) bytes at ptto_keyoff bytes
	 * from the pt_node_t, and a search key points at such a string.
	 */
	bool		ptto_direct;
	ptrdiff_t	ptto_keyoff;
} pt_tree_ops_t;

/*
 * A filter for ptree_find_filtered_node: true accepts node as the answer,
 * false makes the search go on to the next shorter matching prefix.
 */
typedef bool (*pt_filter_t)(void *arg, const pt_node_t *node);

/* One jump-table entry (private). */
struct pt_jump {
	uintptr_t	ptj_sub;	/* subtree of items > jumpbits long */
	pt_node_t	*ptj_short;	/* longest covering item < jumpbits */
};

/*
 * A tree.  Embed it where its items' owner lives (a brane, an ifnet).
 * Fields are private.  c: constant after init; w: changed by insert and
 * remove (the caller's lock).
 */
typedef struct pt_tree {
	uintptr_t	ptt_root;	/* w: the top vertex, tagged */
	struct pt_jump	*ptt_jump;	/* w: 2^ptt_jumpbits entries or NULL */
	uintptr_t	*ptt_jslot;	/* w: where each entry's subtree hangs */
	const pt_tree_ops_t *ptt_ops;	/* c */
	void		*ptt_context;	/* c: first argument of the ops */
	ptrdiff_t	ptt_keyoff;	/* c: ops->ptto_keyoff if direct */
	size_t		ptt_count;	/* w: items in the tree */
	pt_bitlen_t	ptt_keybits;	/* c: ops->ptto_keybits */
	u_int		ptt_keybytes;	/* c: howmany(keybits, 8) */
	u_int		ptt_jumpbits;	/* c: 0 for no jump table */
	bool		ptt_direct;	/* c: ops->ptto_direct */
} pt_tree_t;

/*
 * Initialise an empty tree.
 * => ops: all four functions non-NULL, 1 <= ptto_keybits <= PT_KEYBITS_MAX;
 *    the table must outlive the tree
 * => never allocates
 */
void	ptree_init(pt_tree_t *t, const pt_tree_ops_t *ops, void *ctx);

/*
 * Initialise an empty tree with a jump table on the top jumpbits bits.
 * => 1 <= jumpbits <= MIN(PT_JUMPBITS_MAX, ops->ptto_keybits)
 * => allocates 24 << jumpbits bytes (KM_SLEEP, so never fails); the only
 *    allocation a tree ever makes.  Must be called where kmem_alloc may
 *    sleep.
 */
void	ptree_init_jump(pt_tree_t *t, const pt_tree_ops_t *ops, void *ctx,
	    u_int jumpbits);

/*
 * Tear down a tree.
 * => the tree is empty
 * => frees the jump table, if any
 */
void	ptree_fini(pt_tree_t *t);

/*
 * Insert n as a whole-key item (masklen == keybits).
 * => n is zero-filled (kmem_zalloc, memset) or was removed from its last
 *    tree: the tree KASSERTs that it is not inserting a node twice
 * => n's key is set and stays unchanged while n is in the tree
 * => returns n, or the item already in the tree with an equal key (n is
 *    then not inserted)
 * => never allocates, never fails otherwise
 */
pt_node_t *ptree_insert_node(pt_tree_t *t, pt_node_t *n);

/*
 * Insert n as a prefix of masklen bits: only the first masklen bits of its
 * key count.
 * => masklen <= keybits; otherwise as ptree_insert_node
 */
pt_node_t *ptree_insert_mask_node(pt_tree_t *t, pt_node_t *n,
	    pt_bitlen_t masklen);

/*
 * Remove n from t.
 * => n is in t
 * => never allocates; n may be reused or freed on return
 */
void	ptree_remove_node(pt_tree_t *t, pt_node_t *n);

/*
 * The whole-key item whose key equals key, or NULL.
 */
pt_node_t *ptree_find_node(const pt_tree_t *t, const void *key);

/*
 * The item with exactly this prefix: masklen masklen and the same first
 * masklen bits as key.  NULL if there is none.
 * => masklen <= keybits
 */
pt_node_t *ptree_find_mask_node(const pt_tree_t *t, const void *key,
	    pt_bitlen_t masklen);

/*
 * Longest-prefix match: the item with the longest masklen whose first
 * masklen bits equal key's and that filter accepts, or NULL.  A NULL
 * filter accepts everything.  The filter sees candidates longest first.
 * => key is a whole key (keybits bits)
 */
pt_node_t *ptree_find_filtered_node(const pt_tree_t *t, const void *key,
	    pt_filter_t filter, void *arg);

/* Longest-prefix match without a filter. */
#define ptree_find_lpm(t, key)	ptree_find_filtered_node((t), (key), NULL, NULL)

/*
 * As ptree_find_filtered_node, but only items with masklen <= maxlen
 * count: the longest prefix of (key, maxlen) itself included.
 * => maxlen <= keybits
 */
pt_node_t *ptree_find_covering_node(const pt_tree_t *t, const void *key,
	    pt_bitlen_t maxlen, pt_filter_t filter, void *arg);

/*
 * Iteration in key order (see Order, above).  next/prev of the last/first
 * item is NULL.
 * => n is in t; the tree does not change during the walk
 * => each step walks down from the root: O(keybits)
 */
pt_node_t *ptree_first(const pt_tree_t *t);
pt_node_t *ptree_last(const pt_tree_t *t);
pt_node_t *ptree_next(const pt_tree_t *t, const pt_node_t *n);
pt_node_t *ptree_prev(const pt_tree_t *t, const pt_node_t *n);

/* The masklen n was inserted with (keybits for a whole-key item). */
pt_bitlen_t ptree_node_masklen(const pt_node_t *n);

/* Number of items in t. */
size_t	ptree_count(const pt_tree_t *t);

/* Bytes of memory t uses besides its items' nodes: the jump table. */
size_t	ptree_jump_bytes(const pt_tree_t *t);

/*
 * Check every invariant of t (tree shape, key bits, node roles, count,
 * jump table) and KASSERT on the first violation.  For tests: O(n * depth
 * + items shorter than jumpbits * 2^jumpbits).
 */
void	ptree_check(const pt_tree_t *t);

/*
 * Count leading zeroes, the heart of every key comparison: the number of
 * zero bits above the most significant one bit; 32 (64) for 0.  The
 * plain versions use the compiler's builtin where there is one
 * (__GNUC__), the _portable ones the constant-time routine of the
 * proposal, which the plain ones fall back to elsewhere.
 */
u_int	ptree_clz32(uint32_t x);
u_int	ptree_clz64(uint64_t x);
u_int	ptree_clz32_portable(uint32_t x);
u_int	ptree_clz64_portable(uint64_t x);

#endif /* _STACK_KERN_PTREE_H_ */
