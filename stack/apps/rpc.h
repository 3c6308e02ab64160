/*
 * rpc.h -- the request-response protocol of rpc_client and rpc_server.
 *
 * One UDP datagram a request, one a response.  Both start with the same
 * 24-byte header, which the server copies from the request into its
 * response: the request's sequence number and send time (the client's
 * virtual ns), and the request's packet id, which the server gives its
 * response (SO_PKTID) so the per-packet records follow one request from
 * the client's send to the response it takes back.  The rest of a
 * datagram is filler: byte i is (seq + i) mod 256.
 */
#ifndef _STACK_APPS_RPC_H_
#define _STACK_APPS_RPC_H_

#include <sys/kern.h>

#include <string.h>

#define RPC_HDR         24              /* seq, sent_ns, pkt_id */
#define RPC_PORT        7000            /* rpc_server's, by default */

struct rpc_hdr {
	uint64_t seq;
	uint64_t sent_ns;
	uint64_t pkt_id;
};

/* Write h and the filler into buf of len >= RPC_HDR bytes. */
static inline void
rpc_put(uint8_t *buf, size_t len, const struct rpc_hdr *h)
{
	memcpy(buf, &h->seq, 8);
	memcpy(buf + 8, &h->sent_ns, 8);
	memcpy(buf + 16, &h->pkt_id, 8);
	for (size_t i = RPC_HDR; i < len; i++)
		buf[i] = (uint8_t)(h->seq + i);
}

/* Read the header of buf; false if len is too short for one. */
static inline bool
rpc_get(const uint8_t *buf, size_t len, struct rpc_hdr *h)
{
	if (len < RPC_HDR)
		return false;
	memcpy(&h->seq, buf, 8);
	memcpy(&h->sent_ns, buf + 8, 8);
	memcpy(&h->pkt_id, buf + 16, 8);
	return true;
}

#endif /* _STACK_APPS_RPC_H_ */
