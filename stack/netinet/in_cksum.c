/*
 * in_cksum.c -- the Internet checksum over mbuf chains (RFC 1071) and its
 * incremental update (RFC 1624).
 *
 * The one's-complement sum does not care about byte order as long as it
 * is consistent (RFC 1071, section 2(B)): words are summed as the host
 * reads them from memory, and the result, stored back the same way, has
 * the right bytes.  It does care about position: a byte at an odd offset
 * of the summed region is the low half of its word.  An mbuf may start at
 * an odd offset of the region; its bytes are then summed as if they began
 * a word and the partial sum is byte-swapped (multiplied by 2^8 modulo
 * 2^16 - 1), which moves every byte to the other half of its word.  Words
 * are read with memcpy, so data at any alignment is fine.  The region
 * nearly always lies in one mbuf (a header after m_pullup, a datagram in
 * a cluster), and that case goes straight to the sum.
 *
 * The simulated cost is the cksum:bytes probe, fired once per call with
 * the number of bytes summed; the stack never charges time itself.
 * Nothing here reads past the end of a chain.
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/sdt.h>

#include <kern/endian.h>
#include <kern/mbuf.h>

#include "in_cksum.h"

#define IP4_HDR_LEN     20      /* the IPv4 header without options */
#define IP4_SRC_OFF     12      /* ip_src, then ip_dst */

/* Fold a wide one's-complement sum to 16 bits, end-around carries in. */
static inline uint32_t
cksum_fold(uint64_t sum)
{
	uint32_t s;

	/*
	 * x + (x rotated by half its width) holds, in its top half, the sum
	 * of the two halves with the carry out of the bottom half added
	 * back: one end-around fold with no loop (64 to 32, then 32 to 16).
	 */
	sum += sum >> 32 | sum << 32;
	s = (uint32_t)(sum >> 32);
	s += s >> 16 | s << 16;
	return s >> 16;
}

/* sum += w in one's complement over 64 bits: the carry out counts 1. */
#define CKSUM_ADD64(sum, carry, w) do {                                 \
	(sum) += (w);                                                   \
	(carry) += (sum) < (w);                                         \
} while (0)

/*
 * The sum of len bytes at p as 16-bit words in memory order, p at an even
 * position, not yet folded: below 2^33, and zero only if every byte is.
 * Words are summed 64 bits at a time, four to a turn, each carry out of
 * bit 63 counted and added back at the end (compilers make of each
 * word an add, or an add-with-carry into the count: 12 instructions for
 * 32 bytes); 2^64 and 2^32 are 1 modulo 2^16 - 1, so every width folds
 * to the same 16-bit sum.
 */
static inline uint64_t
cksum_bytes(const uint8_t *p, int len)
{
	uint64_t sum = 0, carry = 0, a, b, c, d, tail = 0;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 32; p += 32, len -= 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		CKSUM_ADD64(sum, carry, a);
		CKSUM_ADD64(sum, carry, b);
		CKSUM_ADD64(sum, carry, c);
		CKSUM_ADD64(sum, carry, d);
	}
	/* Fewer than 32 bytes left: the bits of len say which pieces. */
	if (len & 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		CKSUM_ADD64(sum, carry, a);
		CKSUM_ADD64(sum, carry, b);
		p += 16;
	}
	if (len & 8) {
		memcpy(&a, p, 8);
		CKSUM_ADD64(sum, carry, a);
		p += 8;
	}
	if (len & 4) {
		memcpy(&w32, p, 4);
		tail += w32;
		p += 4;
	}
	if (len & 2) {
		memcpy(&w16, p, 2);
		tail += w16;
		p += 2;
	}
	if (len & 1) {
		/* The odd byte is the first half of a word padded with 0. */
		w16 = 0;
		memcpy(&w16, p, 1);
		tail += w16;
	}
	CKSUM_ADD64(sum, carry, tail);
	/* The carries (fewer than 2^29) back in, end-around: 64 to 33 bits. */
	sum += carry;
	sum += sum < carry;
	return (sum & 0xffffffff) + (sum >> 32);
}

/* The IPv4 pseudo-header: source, destination, protocol, length. */
static inline uint64_t
cksum_pseudo4(const struct mbuf *m, uint8_t nxt, int len)
{
	uint64_t addrs;

	KASSERTMSG(m->m_len >= IP4_HDR_LEN, "in4_cksum: the IPv4 header is "
	    "not contiguous in the first mbuf (%d bytes): m_pullup it first",
	    m->m_len);
	KASSERTMSG(len <= 0xffff, "in4_cksum: transport length %d", len);
	memcpy(&addrs, mtod(m, const uint8_t *) + IP4_SRC_OFF, 8);
	return (addrs & 0xffffffff) + (addrs >> 32) + htons(nxt) +
	    htons((uint16_t)len);
}

/*
 * The checksum of len bytes of the chain from off, with the pseudo-header
 * if nxt != 0 (in4_cksum's contract).  Inline, so that in_cksum's
 * constant nxt of 0 drops the pseudo-header's code.
 */
static inline __attribute__((__always_inline__)) int
cksum_chain(struct mbuf *m, uint8_t nxt, int off, int len)
{
	uint64_t sum = 0, part;
	bool odd = false;       /* the next byte is at an odd position */
	int count;

	KASSERT(m != NULL);
	KASSERTMSG(off >= 0 && len >= 0, "in4_cksum: off %d len %d", off, len);
	SDT_PROBE1(cksum, bytes, len);
	if (nxt != 0)
		sum += cksum_pseudo4(m, nxt, len);
	/* Nearly always: the whole region in the first mbuf. */
	if (__predict_true(m->m_len - off >= len)) {
		sum += cksum_bytes(mtod(m, const uint8_t *) + off, len);
		return (int)(~cksum_fold(sum) & 0xffff);
	}
	while (m != NULL && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (m == NULL && (off > 0 || len > 0))
		return -1;
	for (; len > 0; m = m->m_next, off = 0) {
		if (m == NULL)
			return -1;
		count = MIN(m->m_len - off, len);
		part = cksum_bytes(mtod(m, const uint8_t *) + off, count);
		/*
		 * A part that starts at an odd position has its bytes in the
		 * other halves of their words: times 2^8 modulo 2^16 - 1 is
		 * that byte swap, and part (below 2^33) shifted stays below
		 * 2^41, so the sum cannot overflow.
		 */
		sum += odd ? part << 8 : part;
		odd ^= (count & 1) != 0;
		len -= count;
	}
	return (int)(~cksum_fold(sum) & 0xffff);
}

int
in4_cksum(struct mbuf *m, uint8_t nxt, int off, int len)
{
	return cksum_chain(m, nxt, off, len);
}

int
in_cksum(struct mbuf *m, int len)
{
	return cksum_chain(m, 0, 0, len);
}

uint16_t
in_cksum_fixup16(uint16_t cksum, uint16_t old, uint16_t new)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint32_t)(uint16_t)~cksum + (uint16_t)~old + new;

	return (uint16_t)~cksum_fold(sum);
}

uint16_t
in_cksum_fixup32(uint16_t cksum, uint32_t old, uint32_t new)
{
	cksum = in_cksum_fixup16(cksum, (uint16_t)(old >> 16),
	    (uint16_t)(new >> 16));
	return in_cksum_fixup16(cksum, (uint16_t)old, (uint16_t)new);
}
