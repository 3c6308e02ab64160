/*
 * in_cksum.h -- the Internet checksum (RFC 1071) over mbuf chains, and
 * its incremental update (RFC 1624).
 *
 * Checksums are handled as the 16-bit value stored in the header field:
 * write the result of in_cksum/in4_cksum into the field as it is (e.g.
 * with memcpy), and read the field the same way for in_cksum_fixup*.
 * Summing a packet whose checksum field is correct gives 0.
 */
#ifndef _NETINET_IN_CKSUM_H_
#define _NETINET_IN_CKSUM_H_

#include <sys/kern.h>

struct mbuf;

/*
 * The checksum of the first len bytes of the chain.
 * => -1 if the chain holds fewer than len bytes (nothing is read past it)
 */
int	in_cksum(struct mbuf *m, int len);

/*
 * The checksum of len bytes of the chain from off.  With nxt != 0 (a
 * transport protocol number) the IPv4 pseudo-header -- source and
 * destination from the IPv4 header at the start of the chain, nxt, and
 * len as the transport length -- is summed first, as TCP and UDP need.
 * => with nxt != 0 the first mbuf must hold the 20-byte IPv4 header
 *    (KASSERT: m_pullup it first) and len must fit in 16 bits
 * => -1 if the chain holds fewer than off + len bytes
 */
int	in4_cksum(struct mbuf *m, uint8_t nxt, int off, int len);

/*
 * The checksum after one 16-bit word (or two: a 32-bit field) of the
 * summed data changes from old to new (RFC 1624, eqn. 3), e.g. when a
 * router decrements the TTL.  cksum, old and new are in the same byte
 * order -- as stored in the packet, or all in host order.
 */
uint16_t in_cksum_fixup16(uint16_t cksum, uint16_t old, uint16_t new);
uint16_t in_cksum_fixup32(uint16_t cksum, uint32_t old, uint32_t new);

#endif /* _NETINET_IN_CKSUM_H_ */
