/*
 * sdt_probes.h -- the list of every static probe in the stack.
 *
 * One line a probe: X(provider, name, "what it marks").  The list gives
 * each probe a small integer id (SDT_ID(provider, name)), so the machine
 * can find a probe's cost and tracer with an array index, and the scenario
 * loader can refuse a cost for a probe that does not exist.  A scenario
 * names a probe "provider:name".
 *
 * Keep the list grouped by provider; a new probe goes here first.
 *
 * a0 is what a probe's per_unit cost is multiplied by, so it is a small
 * number (1, bytes, objects), never a pointer.  Packet probes put the
 * packet's bytes first and its m_pkthdr.ph_id second (a1), so a
 * per-packet record can follow one packet through the stages.  A probe
 * that closes a request (ping:reply; sim/record/trace.c lists them) gives
 * a0 the response's bytes, a1 the request's packet id, a2 the round trip
 * in ns and a3 when the request was sent.
 */
#ifndef _STACK_SYS_SDT_PROBES_H_
#define _STACK_SYS_SDT_PROBES_H_

#define SDT_PROBE_LIST(X)                                                 \
	X(kcont, schedule, "a continuation was scheduled (a0: 1, a1: ticks)") \
	X(kcont, run, "a continuation starts to run (a0: 1, a1: level; "    \
	    "4 = worker)")                                                  \
	X(counter, iteration, "one pass of the counter test program's loop") \
	X(pingpong, hit, "the pingpong program handed the token over")     \
	X(abba, holding_one, "an abba LWP holds its first lock")          \
	X(pool, get, "a pool cache handed out an object (a0: 1)")           \
	X(pool, put, "an object came back to a pool cache (a0: 1)")         \
	X(pool, depot, "a CPU's magazine was refilled from or flushed to "  \
	    "its pool's depot, under the depot lock (a0: objects moved)")   \
	X(pool, grow, "a pool cache took a slab from kmem and constructed " \
	    "its objects (a0: objects)")                                    \
	X(mbuf, get, "an mbuf was allocated (a0: 1)")                       \
	X(mbuf, free, "an mbuf was freed (a0: 1)")                          \
	X(mbuf, clget, "a 2 KiB cluster was attached to an mbuf (a0: 1)")   \
	X(mbuf, copy, "packet bytes were copied into, out of or between "   \
	    "mbufs (a0: bytes)")                                            \
	X(cksum, bytes, "the Internet checksum summed packet bytes "        \
	    "(a0: bytes)")                                                  \
	X(ether, input, "a frame goes up from a driver (bytes, packet id)") \
	X(ip, input, "ip_input took a packet (a0: bytes, a1: m_pkthdr.ph_id)") \
	X(ip, output, "ip_output sent a packet of this host's (a0: bytes, " \
	    "a1: m_pkthdr.ph_id)")                                          \
	X(ip, forward, "a router passed a packet on (a0: bytes, "           \
	    "a1: m_pkthdr.ph_id)")                                          \
	X(icmp, input, "icmp_input took a message (a0: bytes of the IP "    \
	    "packet, a1: m_pkthdr.ph_id)")                                  \
	X(arp, input, "arp_input took an ARP packet (a0: bytes, "           \
	    "a1: m_pkthdr.ph_id)")                                          \
	X(sock, send, "a program handed a datagram to its socket "          \
	    "(a0: bytes, a1: packet id)")                                   \
	X(sock, wake, "a reader blocked in soreceive woke (a0: bytes, a1: " \
	    "id of the packet at the head of its PCQ; 0, 0 if none)")       \
	X(sock, rcvd, "receive work put a datagram in a socket's buffer "   \
	    "(a0: bytes, a1: packet id)")                                   \
	X(sock, recv, "a program took a datagram from its socket "          \
	    "(a0: bytes, a1: packet id)")                                   \
	X(udp, input, "udp_input got a datagram (a0: bytes, a1: packet id)") \
	X(udp, demux, "demux found the datagram's socket and puts it on "   \
	    "the socket's receive PCQ (a0: bytes, a1: packet id)")          \
	X(udp, output, "udp_output handed a datagram to ip_output "         \
	    "(a0: bytes, a1: packet id)")                                   \
	X(rip, input, "rip_input got a packet for raw sockets "             \
	    "(a0: bytes, a1: packet id)")                                   \
	X(rip, demux, "rip_input puts a packet (or a copy) on a raw "       \
	    "socket's receive PCQ (a0: bytes, a1: packet id)")              \
	X(ping, sent, "ping sent an echo request (a0: bytes, a1: packet "   \
	    "id, a2: sequence)")                                            \
	X(ping, reply, "ping got the reply to its request (a0: bytes, "     \
	    "a1: the request's packet id, a2: round trip ns, a3: when it "  \
	    "sent the request, ns)")                                        \
	X(udp_send, sent, "udp_send sent a datagram (a0: bytes, a1: "       \
	    "packet id)")                                                   \
	X(udp_send, echoed, "udp_send got a datagram's echo back (a0: "     \
	    "bytes, a1: the packet id it was sent with, a2: round trip ns)") \
	X(rpc_client, request, "rpc_client sent a request (a0: bytes, a1: "  \
	    "its packet id)")                                               \
	X(rpc_client, response, "rpc_client took the response to a "       \
	    "request (a0: bytes, a1: the request's packet id, a2: request " \
	    "to response ns, a3: when it sent the request, ns)")            \
	X(rpc_server, serve, "rpc_server serves a request: its price is "   \
	    "how long serving takes (a0: the request's bytes, a1: its "     \
	    "packet id)")                                                   \
	X(pcq_stress, item, "a pcq_stress producer is about to put an "    \
	    "item")                                                         \
	X(handoff, work, "handoff's poster works before it posts a round") \
	X(handoff, waiter, "handoff's waiter works on a round it has "     \
	    "acknowledged")                                                 \
	X(intr_shared, work, "intr_shared's LWP or poster works between "  \
	    "two updates")                                                  \
	X(intr_shared, modify, "intr_shared's LWP works between its load " \
	    "and its store")                                                \
	X(demux_close, work, "demux_close's demux or closer works between " \
	    "two steps")                                                    \
	TCP_SDT_PROBES(X)

/*
 * TCP's probes, last in the list: a probe's id is part of a run's
 * fingerprint (firing one is a scheduling point), so new probes go after
 * the others and move only the runs that fire them.  A connection is
 * named by two packed arguments: ADDRS = local address << 32 | foreign
 * address, PORTS = local port << 48 | foreign port << 32 | a 32-bit
 * value (host byte order).  sim/record/trace.c unpacks them.
 */
#define TCP_SDT_PROBES(X)                                                 \
	X(tcp, input, "the lazy receive work (or demux's immediate ACK) "   \
	    "takes a segment for its connection (a0: bytes, a1: packet id)") \
	X(tcp, output, "tcp_output sends a segment (a0: bytes, a1: packet " \
	    "id, a2: 1 if it resends data, else 0, a3: its sequence number)") \
	X(tcp, rexmit, "tcp_output resends data (a0: bytes of data, a1: "   \
	    "packet id, a2: PORTS | its sequence number, a3: ADDRS)")        \
	X(tcp, recovery_enter, "a connection enters loss recovery (a0: 1, " \
	    "a1: ADDRS, a2: PORTS | 0 fast retransmit on three duplicate "  \
	    "ACKs, 1 retransmission timeout, a3: snd_una << 32 | the "      \
	    "recovery point, snd_max)")                                      \
	X(tcp, recovery_exit, "a connection leaves loss recovery (a0: 1, "  \
	    "a1: ADDRS, a2: PORTS | 0 a full ACK, 1 a timeout ended fast "  \
	    "recovery, 2 the connection was dropped, a3: the ACK << 32 | "  \
	    "the recovery point)")                                           \
	X(tcp, rto, "the retransmission timer expired with data "           \
	    "outstanding (a0: 1, a1: ADDRS, a2: PORTS | timeouts in a row, " \
	    "a3: snd_una << 32 | snd_max)")                                  \
	X(tcp, tlp, "a tail-loss probe is sent (a0: 1 if it resends data, " \
	    "0 if new, a1: ADDRS, a2: PORTS | its sequence number, a3: "    \
	    "snd_una << 32 | snd_max)")

#endif /* _STACK_SYS_SDT_PROBES_H_ */
