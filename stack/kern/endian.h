/*
 * endian.h -- byte order (NetBSD's byteorder(3) and the <sys/endian.h>
 * encoders).
 *
 * Packets carry big-endian ("network order") fields; the host may be
 * either.  htons/ntohs/htonl/ntohl convert values; be16dec/be32dec read a
 * big-endian field at any address and be16enc/be32enc write one, without
 * assuming alignment -- a header inside an mbuf may sit at any offset.
 *
 * Pure inline functions, no machine calls.  A file including this must
 * not also include the host's <arpa/inet.h> or <netinet/in.h>, which
 * declare the same names; stack/ never does.
 */
#ifndef _STACK_KERN_ENDIAN_H_
#define _STACK_KERN_ENDIAN_H_

#include <sys/kern.h>

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_BIG_ENDIAN__)
#error "the compiler does not say the byte order"
#endif

static inline uint16_t
bswap16(uint16_t x)
{
	return __builtin_bswap16(x);
}

static inline uint32_t
bswap32(uint32_t x)
{
	return __builtin_bswap32(x);
}

static inline uint64_t
bswap64(uint64_t x)
{
	return __builtin_bswap64(x);
}

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t htons(uint16_t x) { return x; }
static inline uint32_t htonl(uint32_t x) { return x; }
#else
static inline uint16_t htons(uint16_t x) { return bswap16(x); }
static inline uint32_t htonl(uint32_t x) { return bswap32(x); }
#endif

static inline uint16_t ntohs(uint16_t x) { return htons(x); }
static inline uint32_t ntohl(uint32_t x) { return htonl(x); }

/* Big-endian fields at any address. */
static inline uint16_t
be16dec(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t
be32dec(const void *p)
{
	const uint8_t *b = p;

	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
}

static inline void
be16enc(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void
be32enc(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif /* _STACK_KERN_ENDIAN_H_ */
