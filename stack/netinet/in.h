/*
 * in.h -- Internet (IPv4) addresses, socket addresses and protocol numbers.
 *
 * Addresses are kept in network byte order, as on the wire.
 */
#ifndef _STACK_NETINET_IN_H_
#define _STACK_NETINET_IN_H_

#include <sys/kern.h>

#include <kern/endian.h>
#include <kern/ksocket.h>

#define IPPROTO_IP      0
#define IPPROTO_ICMP    1
#define IPPROTO_TCP     6
#define IPPROTO_UDP     17
#define IPPROTO_RAW     255

typedef uint32_t in_addr_t;
typedef uint16_t in_port_t;

struct in_addr {
	in_addr_t s_addr;               /* network byte order */
};

#define INADDR_ANY              ((in_addr_t)0x00000000)
#define INADDR_BROADCAST        ((in_addr_t)0xffffffff)

struct sockaddr_in {
	uint8_t sin_len;
	uint8_t sin_family;             /* AF_INET */
	in_port_t sin_port;             /* network byte order */
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

/* sin = AF_INET, addr, port (network byte order), the rest zero. */
static inline void
sockaddr_in_init(struct sockaddr_in *sin, struct in_addr addr, in_port_t port)
{
	*sin = (struct sockaddr_in){
		.sin_len = sizeof(*sin),
		.sin_family = AF_INET,
		.sin_port = port,
		.sin_addr = addr,
	};
}

/*
 * nam as an AF_INET socket address, what a socket of the family checks
 * of an address it is given (bind, connect, send).
 * => 0 and *sinp = nam; EINVAL (NULL, or not sizeof(struct sockaddr_in)
 *    bytes); EAFNOSUPPORT (another family)
 */
static inline int
sockaddr_in_check(const struct sockaddr *nam, const struct sockaddr_in **sinp)
{
	if (nam == NULL)
		return EINVAL;
	if (nam->sa_family != AF_INET)
		return EAFNOSUPPORT;
	if (nam->sa_len != sizeof(struct sockaddr_in))
		return EINVAL;
	*sinp = (const struct sockaddr_in *)nam;
	return 0;
}

/* 10.1.2.3 as an in_addr_t in network byte order. */
#define IN_ADDR(a, b, c, d) \
	htonl(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	    ((uint32_t)(c) << 8) | (uint32_t)(d))

static inline bool
in_multicast(in_addr_t a)
{
	return (ntohl(a) & 0xf0000000u) == 0xe0000000u;
}

/* 127.0.0.0/8: never on a wire. */
static inline bool
in_loopback(in_addr_t a)
{
	return (ntohl(a) & 0xff000000u) == 0x7f000000u;
}

/* The netmask of a prefix length (0..32), network byte order. */
static inline in_addr_t
in_plen2mask(u_int plen)
{
	return plen == 0 ? 0 : htonl(0xffffffffu << (32 - plen));
}

#endif /* _STACK_NETINET_IN_H_ */
