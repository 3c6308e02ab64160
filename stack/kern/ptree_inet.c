/*
 * ptree_inet.c -- key ops for PATRICIA trees of IPv4 and IPv6 prefixes,
 * and the typed helpers routing tables and nexthop caches use.
 *
 * A key is an address in network byte order, i.e. a big-endian byte
 * string whose bit 0 is the most significant bit of the first byte: that
 * is exactly the tree's bit numbering, so the ops are a byte load, an XOR
 * and a count of leading zeroes.  The ops tables also declare the bytes
 * direct (ptto_direct), and the tree then reads them without calling the
 * functions below on its hot paths; the functions remain the definition
 * of the key and serve trees built from a copy of the table with direct
 * access turned off (the tests compare the two).
 *
 * Nothing here allocates or keeps state.
 */
#include <string.h>

#include <sys/kern.h>

#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#define PIN4_KEYOFF	(offsetof(pt_in4_node_t, pin4_addr) - \
			    offsetof(pt_in4_node_t, pin4_node))
#define PIN6_KEYOFF	(offsetof(pt_in6_node_t, pin6_addr) - \
			    offsetof(pt_in6_node_t, pin6_node))

/* Leading bits, at most limit, in which two nbytes-byte strings agree. */
static pt_bitlen_t
pin_match(const uint8_t *a, const uint8_t *b, u_int nbytes, pt_bitlen_t limit)
{
	u_int i, d;

	KASSERT(limit <= nbytes * 8);
	for (i = 0; i < nbytes && i * 8 < limit; i++) {
		if (a[i] != b[i]) {
			d = i * 8 + ptree_clz32((uint32_t)(a[i] ^ b[i])) - 24;
			return MIN(d, limit);
		}
	}
	return limit;
}

static bool
pin_test(const uint8_t *a, u_int nbytes, pt_bitoff_t bit)
{
	KASSERT(bit < nbytes * 8);
	return (a[bit >> 3] >> (7 - (bit & 7))) & 1;
}

static const uint8_t *
pin4_key(const pt_node_t *n)
{
	return PT_IN4_NODE(n)->pin4_addr;
}

static const uint8_t *
pin6_key(const pt_node_t *n)
{
	return PT_IN6_NODE(n)->pin6_addr;
}

static pt_bitlen_t
pin4_matchnode(void *ctx __unused, const pt_node_t *a, const pt_node_t *b,
    pt_bitlen_t limit)
{
	return pin_match(pin4_key(a), pin4_key(b), 4, limit);
}

static pt_bitlen_t
pin4_matchkey(void *ctx __unused, const pt_node_t *n, const void *key,
    pt_bitlen_t limit)
{
	return pin_match(pin4_key(n), key, 4, limit);
}

static bool
pin4_testnode(void *ctx __unused, const pt_node_t *n, pt_bitoff_t bit)
{
	return pin_test(pin4_key(n), 4, bit);
}

static bool
pin4_testkey(void *ctx __unused, const void *key, pt_bitoff_t bit)
{
	return pin_test(key, 4, bit);
}

static pt_bitlen_t
pin6_matchnode(void *ctx __unused, const pt_node_t *a, const pt_node_t *b,
    pt_bitlen_t limit)
{
	return pin_match(pin6_key(a), pin6_key(b), 16, limit);
}

static pt_bitlen_t
pin6_matchkey(void *ctx __unused, const pt_node_t *n, const void *key,
    pt_bitlen_t limit)
{
	return pin_match(pin6_key(n), key, 16, limit);
}

static bool
pin6_testnode(void *ctx __unused, const pt_node_t *n, pt_bitoff_t bit)
{
	return pin_test(pin6_key(n), 16, bit);
}

static bool
pin6_testkey(void *ctx __unused, const void *key, pt_bitoff_t bit)
{
	return pin_test(key, 16, bit);
}

const pt_tree_ops_t ptree_in4_ops = {
	.ptto_matchnode = pin4_matchnode,
	.ptto_matchkey = pin4_matchkey,
	.ptto_testnode = pin4_testnode,
	.ptto_testkey = pin4_testkey,
	.ptto_keybits = 32,
	.ptto_direct = true,
	.ptto_keyoff = PIN4_KEYOFF,
};

const pt_tree_ops_t ptree_in6_ops = {
	.ptto_matchnode = pin6_matchnode,
	.ptto_matchkey = pin6_matchkey,
	.ptto_testnode = pin6_testnode,
	.ptto_testkey = pin6_testkey,
	.ptto_keybits = 128,
	.ptto_direct = true,
	.ptto_keyoff = PIN6_KEYOFF,
};

/* Copy the first plen bits of src to dst (nbytes long), zeroing the rest. */
static void
pin_setprefix(uint8_t *dst, const uint8_t *src, u_int nbytes, u_int plen)
{
	u_int full = plen / 8, rest = plen % 8;

	KASSERT(plen <= nbytes * 8);
	memset(dst, 0, nbytes);
	memcpy(dst, src, full);
	if (rest != 0)
		dst[full] = src[full] & (uint8_t)(0xff00u >> rest);
}

/* ---------------------------------------------------------------- */
/* IPv4 */

void
ptree_in4_init(pt_tree_t *t, u_int jumpbits)
{
	if (jumpbits == 0)
		ptree_init(t, &ptree_in4_ops, NULL);
	else
		ptree_init_jump(t, &ptree_in4_ops, NULL, jumpbits);
}

pt_in4_node_t *
ptree_in4_insert(pt_tree_t *t, pt_in4_node_t *n, const void *addr,
    u_int plen)
{
	pt_node_t *r;

	KASSERT(t->ptt_ops->ptto_keybits == 32);
	KASSERT(plen <= 32);
	pin_setprefix(n->pin4_addr, addr, 4, plen);
	r = ptree_insert_mask_node(t, &n->pin4_node, plen);
	return PT_IN4_NODE(r);
}

void
ptree_in4_remove(pt_tree_t *t, pt_in4_node_t *n)
{
	ptree_remove_node(t, &n->pin4_node);
}

pt_in4_node_t *
ptree_in4_find(const pt_tree_t *t, const void *addr, u_int plen)
{
	pt_node_t *r;

	KASSERT(plen <= 32);
	r = ptree_find_mask_node(t, addr, plen);
	return r == NULL ? NULL : PT_IN4_NODE(r);
}

pt_in4_node_t *
ptree_in4_lookup(const pt_tree_t *t, const void *addr)
{
	pt_node_t *r;

	r = ptree_find_filtered_node(t, addr, NULL, NULL);
	return r == NULL ? NULL : PT_IN4_NODE(r);
}

pt_in4_node_t *
ptree_in4_lookup_filtered(const pt_tree_t *t, const void *addr,
    pt_filter_t filter, void *arg)
{
	pt_node_t *r;

	r = ptree_find_filtered_node(t, addr, filter, arg);
	return r == NULL ? NULL : PT_IN4_NODE(r);
}

u_int
ptree_in4_plen(const pt_in4_node_t *n)
{
	return ptree_node_masklen(&n->pin4_node);
}

pt_in4_node_t *
ptree_in4_first(const pt_tree_t *t)
{
	pt_node_t *r = ptree_first(t);

	return r == NULL ? NULL : PT_IN4_NODE(r);
}

pt_in4_node_t *
ptree_in4_next(const pt_tree_t *t, const pt_in4_node_t *n)
{
	pt_node_t *r = ptree_next(t, &n->pin4_node);

	return r == NULL ? NULL : PT_IN4_NODE(r);
}

/* ---------------------------------------------------------------- */
/* IPv6 */

void
ptree_in6_init(pt_tree_t *t, u_int jumpbits)
{
	if (jumpbits == 0)
		ptree_init(t, &ptree_in6_ops, NULL);
	else
		ptree_init_jump(t, &ptree_in6_ops, NULL, jumpbits);
}

pt_in6_node_t *
ptree_in6_insert(pt_tree_t *t, pt_in6_node_t *n, const void *addr,
    u_int plen)
{
	pt_node_t *r;

	KASSERT(t->ptt_ops->ptto_keybits == 128);
	KASSERT(plen <= 128);
	pin_setprefix(n->pin6_addr, addr, 16, plen);
	r = ptree_insert_mask_node(t, &n->pin6_node, plen);
	return PT_IN6_NODE(r);
}

void
ptree_in6_remove(pt_tree_t *t, pt_in6_node_t *n)
{
	ptree_remove_node(t, &n->pin6_node);
}

pt_in6_node_t *
ptree_in6_find(const pt_tree_t *t, const void *addr, u_int plen)
{
	pt_node_t *r;

	KASSERT(plen <= 128);
	r = ptree_find_mask_node(t, addr, plen);
	return r == NULL ? NULL : PT_IN6_NODE(r);
}

pt_in6_node_t *
ptree_in6_lookup(const pt_tree_t *t, const void *addr)
{
	pt_node_t *r;

	r = ptree_find_filtered_node(t, addr, NULL, NULL);
	return r == NULL ? NULL : PT_IN6_NODE(r);
}

pt_in6_node_t *
ptree_in6_lookup_filtered(const pt_tree_t *t, const void *addr,
    pt_filter_t filter, void *arg)
{
	pt_node_t *r;

	r = ptree_find_filtered_node(t, addr, filter, arg);
	return r == NULL ? NULL : PT_IN6_NODE(r);
}

u_int
ptree_in6_plen(const pt_in6_node_t *n)
{
	return ptree_node_masklen(&n->pin6_node);
}

pt_in6_node_t *
ptree_in6_first(const pt_tree_t *t)
{
	pt_node_t *r = ptree_first(t);

	return r == NULL ? NULL : PT_IN6_NODE(r);
}

pt_in6_node_t *
ptree_in6_next(const pt_tree_t *t, const pt_in6_node_t *n)
{
	pt_node_t *r = ptree_next(t, &n->pin6_node);

	return r == NULL ? NULL : PT_IN6_NODE(r);
}
